/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sip/sip_mask.h"
#include "lib/sip/sip_msg.h"

/*
 * Synthetic key||salt values: base64 of 30 bytes (AES_CM_128) and of 46
 * bytes (AES_256_CM), chosen so that '+' and '/' occur.
 */
#define K128_A "+P8GDRQbIikwNz5FTFNaYWhvdn2Ei5KZoKeutbzD"
#define K128_B "PkVMU1phaG92fYSLkpmgp661vMPK0djf5u30+wIJ"
#define K256_PAD \
	"wMfO1dzj6vH4/wYNFBsiKTA3PkVMU1phaG92fYSLkpmgp661vMPK0djf5u30+w=="
#define K256_NOPAD \
	"e4KJkJeepayzusHIz9bd5Ovy+QAHDhUcIyoxOD9GTVRbYmlwd36FjJOaoaivtg"

#define X10 "XXXXXXXXXX"
#define X128 X10 X10 X10 X10                       /* 40 characters */
#define X256_PAD X10 X10 X10 X10 X10 X10 "XXXX"    /* 64 characters */
#define X256_NOPAD X10 X10 X10 X10 X10 X10 "XX"    /* 62 characters */

/* Bytes before and after the text, to catch reads and writes past it. */
#define GUARD_LEN 16
#define GUARD_BYTE 'A'

/*
 * Masks a copy of input[0..input_len) framed by guard bytes, and checks the
 * count, the exact output and that the guard bytes are untouched.
 */
static void check_mask(const char *input, size_t input_len,
		       const char *expected, size_t expected_len,
		       size_t expected_count)
{
	char *buf = malloc(input_len + 2 * GUARD_LEN);
	char *text = buf + GUARD_LEN;

	assert_non_null(buf);
	assert_int_equal(input_len, expected_len);
	memset(buf, GUARD_BYTE, input_len + 2 * GUARD_LEN);
	memcpy(text, input, input_len);

	assert_int_equal(sip_mask_sdes_keys(text, input_len), expected_count);
	assert_memory_equal(text, expected, expected_len);
	for (size_t i = 0; i < GUARD_LEN; i++) {
		assert_int_equal(buf[i], GUARD_BYTE);
		assert_int_equal(text[input_len + i], GUARD_BYTE);
	}
	free(buf);
}

/* For string literals, which may contain NUL bytes. */
#define CHECK_MASK(input, expected, count) \
	check_mask(input, sizeof(input) - 1, expected, sizeof(expected) - 1, count)

#define INVITE_HEAD \
	"INVITE sip:bob@example.net SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9\r\n" \
	"From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\r\n" \
	"To: <sip:bob@example.net>\r\n" \
	"Call-ID: 3848276298220188511@192.0.2.10\r\n" \
	"CSeq: 1 INVITE\r\n" \
	"Content-Type: application/sdp\r\n"

#define SDP_HEAD \
	"v=0\r\n" \
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n" \
	"s=-\r\n" \
	"c=IN IP4 192.0.2.10\r\n" \
	"t=0 0\r\n" \
	"m=audio 49170 RTP/SAVP 0 8\r\n"

/* Two crypto lines: lifetime and MKI in one, a session parameter in the other. */
static void invite_two_crypto_lines(void **state)
{
	static const char input[] =
		INVITE_HEAD
		"Content-Length: 346\r\n"
		"\r\n"
		SDP_HEAD
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^48|1:1\r\n"
		"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:" K256_PAD
		" UNENCRYPTED_SRTCP\r\n"
		"a=rtcp-mux\r\n";
	static const char expected[] =
		INVITE_HEAD
		"Content-Length: 346\r\n"
		"\r\n"
		SDP_HEAD
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^48|1:1\r\n"
		"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:" X256_PAD
		" UNENCRYPTED_SRTCP\r\n"
		"a=rtcp-mux\r\n";
	struct sip_msg msg;

	(void)state;
	CHECK_MASK(input, expected, 2);

	/* The stated Content-Length still matches the masked body. */
	assert_int_equal(sip_msg_parse(expected, sizeof(expected) - 1, &msg),
			 SIP_MSG_OK);
	assert_int_equal(msg.body.len, 346);
	assert_false(msg.body_truncated);
}

/* Lifetime, MKI and every session parameter stay. */
static void session_params_kept(void **state)
{
	static const char input[] =
		"a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" K128_B
		"|1048576|2:4 KDR=10 UNENCRYPTED_SRTCP WSH=128\r\n";
	static const char expected[] =
		"a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" X128
		"|1048576|2:4 KDR=10 UNENCRYPTED_SRTCP WSH=128\r\n";

	(void)state;
	CHECK_MASK(input, expected, 1);
}

/* RFC 4568 allows several key-params, each with its own lifetime and MKI. */
static void several_keys_in_one_line(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^20|1:4;"
		"inline:" K128_B "|2^20|2:4;inline:" K128_A "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" K128_B ";inline:"
		K128_A "\r\n";
	static const char expected[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^20|1:4;"
		"inline:" X128 "|2^20|2:4;inline:" X128 "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" X128 ";inline:"
		X128 "\r\n";

	(void)state;
	CHECK_MASK(input, expected, 5);
}

/* An FEC_KEY session parameter carries master keys of its own. */
static void fec_key_masked(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^20 "
		"FEC_ORDER=FEC_SRTP FEC_KEY=inline:" K128_B "|2^20|1:4 KDR=0\r\n";
	static const char expected[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^20 "
		"FEC_ORDER=FEC_SRTP FEC_KEY=inline:" X128 "|2^20|1:4 KDR=0\r\n";

	(void)state;
	CHECK_MASK(input, expected, 2);
}

/* Both forms of a 46-byte key-salt keep their length. */
static void padded_and_unpadded(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" K256_PAD "\r\n"
		"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:" K256_NOPAD "\r\n";
	static const char expected[] =
		"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" X256_PAD "\r\n"
		"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:" X256_NOPAD "\r\n";

	(void)state;
	CHECK_MASK(input, expected, 2);
}

/* "a=crypto:" and "inline:" match in any case, after leading SP or HTAB. */
static void case_and_leading_space(void **state)
{
	static const char input[] =
		" \ta=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 INLINE:" K128_A "\r\n"
		"A=Crypto:2 AES_CM_128_HMAC_SHA1_80 Inline:" K128_B "\r\n";
	static const char expected[] =
		" \ta=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 INLINE:" X128 "\r\n"
		"A=Crypto:2 AES_CM_128_HMAC_SHA1_80 Inline:" X128 "\r\n";

	(void)state;
	CHECK_MASK(input, expected, 2);
}

#define MULTIPART_HEAD \
	"INVITE sip:+15550100@example.net;user=phone SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKmp01\r\n" \
	"Call-ID: mp01@192.0.2.10\r\n" \
	"CSeq: 1 INVITE\r\n" \
	"Content-Type: multipart/mixed;boundary=unique-boundary-1\r\n" \
	"Content-Length: 423\r\n" \
	"\r\n" \
	"--unique-boundary-1\r\n" \
	"Content-Type: application/sdp\r\n" \
	"\r\n" \
	SDP_HEAD

/* ISUP bytes with NUL, LF and base64 letters: the masker must keep them. */
#define MULTIPART_TAIL \
	"\r\n" \
	"--unique-boundary-1\r\n" \
	"Content-Type: application/isup;version=itu-t92+\r\n" \
	"Content-Disposition: signal;handling=optional\r\n" \
	"\r\n" \
	"\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43" \
	"\x0a\x00\x03\r\n" \
	"--unique-boundary-1--\r\n"

/* The SDP part is masked, the binary part and both part lengths stay. */
static void multipart_sdp_and_binary(void **state)
{
	static const char input[] =
		MULTIPART_HEAD
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^31\r\n"
		MULTIPART_TAIL;
	static const char expected[] =
		MULTIPART_HEAD
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^31\r\n"
		MULTIPART_TAIL;
	struct sip_msg msg;
	struct sip_slice content_type;
	struct sip_slice boundary;
	struct sip_body_part before[2];
	struct sip_body_part after[2];

	(void)state;
	CHECK_MASK(input, expected, 1);

	assert_int_equal(sip_msg_parse(input, sizeof(input) - 1, &msg),
			 SIP_MSG_OK);
	assert_true(sip_msg_content_type(&msg, &content_type));
	assert_true(sip_content_type_boundary(content_type, &boundary));
	assert_int_equal(sip_multipart_split(msg.body, boundary, before, 2), 2);
	assert_int_equal(sip_msg_parse(expected, sizeof(expected) - 1, &msg),
			 SIP_MSG_OK);
	assert_false(msg.body_truncated);
	assert_int_equal(sip_multipart_split(msg.body, boundary, after, 2), 2);
	assert_int_equal(after[0].body.len, before[0].body.len);
	assert_int_equal(after[1].body.len, before[1].body.len);
	assert_false(after[1].truncated);
}

static void bare_lf(void **state)
{
	static const char input[] =
		"m=audio 49170 RTP/SAVP 0\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^48|1:1\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" K128_B "\n"
		"a=sendrecv\n";
	static const char expected[] =
		"m=audio 49170 RTP/SAVP 0\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^48|1:1\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" X128 "\n"
		"a=sendrecv\n";

	(void)state;
	CHECK_MASK(input, expected, 2);
}

/*
 * A capture cut inside the key: the part inside the buffer is masked and
 * the bytes after it are not touched.
 */
static void value_truncated(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "|2^20";
	const size_t cut = strlen("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") + 12;
	static const char expected[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:XXXXXXXXXXXX"
		"Nz5FTFNaYWhvdn2Ei5KZoKeutbzD|2^20";
	char text[sizeof(input)];

	(void)state;
	memcpy(text, input, sizeof(input));
	assert_int_equal(sip_mask_sdes_keys(text, cut), 1);
	assert_memory_equal(text, expected, sizeof(expected));
}

/* Cuts before any key character: nothing to mask. */
static void cut_before_value(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A;
	const size_t cuts[] = {
		strlen("a=cry"),
		strlen("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inli"),
		strlen("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"),
	};
	char text[sizeof(input)];

	(void)state;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		memcpy(text, input, sizeof(input));
		assert_int_equal(sip_mask_sdes_keys(text, cuts[i]), 0);
		assert_memory_equal(text, input, sizeof(input));
	}
}

/* MIKEY key management is not SDES and stays. */
static void no_crypto(void **state)
{
	static const char input[] =
		INVITE_HEAD
		"Content-Length: 192\r\n"
		"\r\n"
		SDP_HEAD
		"a=key-mgmt:mikey AQAFgM0XC3QBAAAAAAAAAAAAAAAAAAAAAA==\r\n"
		"a=rtpmap:0 PCMU/8000\r\n";

	(void)state;
	CHECK_MASK(input, input, 0);
}

/* "inline:" outside a crypto line, and lines that only look like one. */
static void inline_outside_crypto(void **state)
{
	static const char input[] =
		"Subject: inline:" K128_A "\r\n"
		"a=crypto-note:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "\r\n"
		"xa=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128_A "\r\n"
		"i=a=crypto:1 inline:" K128_A "\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n"
		"inline:" K128_B "\r\n";

	(void)state;
	CHECK_MASK(input, input, 0);
}

/* Only base64 bytes change, and an empty value is not counted. */
static void non_base64_bytes_kept(void **state)
{
	static const char input[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AB-C_D*E|2^20;"
		"inline:|2^20\r\n";
	static const char expected[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:XX-X_X*X|2^20;"
		"inline:|2^20\r\n";

	(void)state;
	CHECK_MASK(input, expected, 1);
}

/* A second pass finds the same values and changes nothing. */
static void second_pass_unchanged(void **state)
{
	static const char expected[] =
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" X128 "|2^48|1:1\r\n";

	(void)state;
	CHECK_MASK(expected, expected, 1);
}

static void empty_text(void **state)
{
	(void)state;
	assert_int_equal(sip_mask_sdes_keys(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invite_two_crypto_lines),
		cmocka_unit_test(session_params_kept),
		cmocka_unit_test(several_keys_in_one_line),
		cmocka_unit_test(fec_key_masked),
		cmocka_unit_test(padded_and_unpadded),
		cmocka_unit_test(case_and_leading_space),
		cmocka_unit_test(multipart_sdp_and_binary),
		cmocka_unit_test(bare_lf),
		cmocka_unit_test(value_truncated),
		cmocka_unit_test(cut_before_value),
		cmocka_unit_test(no_crypto),
		cmocka_unit_test(inline_outside_crypto),
		cmocka_unit_test(non_base64_bytes_kept),
		cmocka_unit_test(second_pass_unchanged),
		cmocka_unit_test(empty_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
