/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sdp/sdes.h"

/* Synthetic keys: base64 of sequential bytes of the suite's length. */
#define K128 "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"      /* 0x10 to 0x2d */
#define K128B "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xd"     /* 0x40 to 0x5d */
#define K192 "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFU=" /* 0x30 to 0x55 */
#define K256_PAD \
	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTQ=="
#define K256_NOPAD \
	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTQ"
#define KGCM128 "UFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqaw=="          /* 0x50 to 0x6b */
#define KGCM256 "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJios="

static enum sdes_error parse(const char *line, struct sdes_crypto *c)
{
	return sdes_parse(line, strlen(line), c);
}

static void assert_sequential(const struct sdes_key *key, uint8_t first,
			      size_t len)
{
	assert_int_equal(key->key_salt_len, len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(key->key_salt[i], (uint8_t)(first + i));
}

/* Lifetime written as a power of two. */
static void lifetime_power(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
			       K128 "|2^48", &c), SDES_OK);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.key_count, 1);
	assert_sequential(&c.keys[0], 0x10, 30);
	assert_true(c.keys[0].has_lifetime);
	assert_true(c.keys[0].lifetime_is_power);
	assert_int_equal(c.keys[0].lifetime_log2, 48);
	assert_false(c.keys[0].has_mki);
}

static void lifetime_decimal(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("7 AES_CM_128_HMAC_SHA1_32 inline:" K128
			       "|1048576", &c), SDES_OK);
	assert_int_equal(c.suite, SDES_AES_CM_128_HMAC_SHA1_32);
	assert_false(c.keys[0].lifetime_is_power);
	assert_int_equal(c.keys[0].lifetime, 1048576);
}

/* key-params end at the first SP, so the flag is not part of the lifetime. */
static void session_param_after_lifetime(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K128
			       "|2^48 UNENCRYPTED_SRTCP", &c), SDES_OK);
	assert_int_equal(c.keys[0].lifetime_log2, 48);
	assert_int_equal(c.flags, SDES_UNENCRYPTED_SRTCP);
}

static void session_params_all(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("3 AES_CM_128_HMAC_SHA1_80 inline:" K128
			       " UNENCRYPTED_SRTP UNAUTHENTICATED_SRTP KDR=10"
			       " WSH=128 FEC_ORDER=FEC_SRTP FEC_KEY=inline:"
			       K128 " X_VENDOR=1", &c), SDES_OK);
	assert_true(c.flags & SDES_UNENCRYPTED_SRTP);
	assert_true(c.flags & SDES_UNAUTHENTICATED_SRTP);
	assert_true(c.flags & SDES_FEC_ORDER);
	assert_true(c.flags & SDES_FEC_KEY);
	assert_false(c.flags & SDES_UNENCRYPTED_SRTCP);
	assert_true(c.has_kdr);
	assert_int_equal(c.kdr, 10);
	assert_true(c.has_wsh);
	assert_int_equal(c.wsh, 128);
	assert_int_equal(c.unknown_params, 1);
}

/* MKI 1:1 means a 1-byte MKI of value 1 sits before the auth tag. */
static void mki_after_lifetime(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("3 AES_CM_128_HMAC_SHA1_80 inline:" K128
			       "|2^31|1:1", &c), SDES_OK);
	assert_int_equal(c.keys[0].lifetime_log2, 31);
	assert_true(c.keys[0].has_mki);
	assert_int_equal(c.keys[0].mki_value, 1);
	assert_int_equal(c.keys[0].mki_length, 1);
}

static void mki_without_lifetime(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("3 AES_CM_128_HMAC_SHA1_80 inline:" K128
			       "|5:2", &c), SDES_OK);
	assert_false(c.keys[0].has_lifetime);
	assert_int_equal(c.keys[0].mki_value, 5);
	assert_int_equal(c.keys[0].mki_length, 2);
}

static void several_inline_keys(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("8 AES_CM_128_HMAC_SHA1_80 inline:" K128
			       "|2^20|1:4;inline:" K128B "|2^20|2:4", &c),
			 SDES_OK);
	assert_int_equal(c.key_count, 2);
	assert_sequential(&c.keys[0], 0x10, 30);
	assert_sequential(&c.keys[1], 0x40, 30);
	assert_int_equal(c.keys[0].mki_value, 1);
	assert_int_equal(c.keys[1].mki_value, 2);
	assert_int_equal(c.keys[1].mki_length, 4);
	assert_int_equal(c.keys_dropped, 0);
}

static void inline_keys_past_max_dropped(void **state)
{
	char line[2048] = "1 AES_CM_128_HMAC_SHA1_80 ";
	struct sdes_crypto c;

	(void)state;
	for (int i = 0; i < SDES_MAX_KEYS + 2; i++) {
		strcat(line, i == 0 ? "" : ";");
		strcat(line, "inline:" K128 "|1:1");
	}
	assert_int_equal(parse(line, &c), SDES_OK);
	assert_int_equal(c.key_count, SDES_MAX_KEYS);
	assert_int_equal(c.keys_dropped, 2);
}

static void aes256_padded(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("4 AES_256_CM_HMAC_SHA1_80 inline:" K256_PAD, &c),
			 SDES_OK);
	assert_int_equal(c.suite, SDES_AES_256_CM_HMAC_SHA1_80);
	assert_sequential(&c.keys[0], 0x20, 46);
	assert_false(c.keys[0].has_lifetime);
}

static void aes256_unpadded(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("5 AES_256_CM_HMAC_SHA1_80 inline:" K256_NOPAD,
			       &c), SDES_OK);
	assert_sequential(&c.keys[0], 0x20, 46);
}

static void aes192_both_forms(void **state)
{
	struct sdes_crypto c;
	char unpadded[] = "1 AES_192_CM_HMAC_SHA1_32 inline:" K192;

	(void)state;
	assert_int_equal(parse("1 AES_192_CM_HMAC_SHA1_80 inline:" K192, &c),
			 SDES_OK);
	assert_sequential(&c.keys[0], 0x30, 38);
	unpadded[strlen(unpadded) - 1] = '\0';
	assert_int_equal(parse(unpadded, &c), SDES_OK);
	assert_int_equal(c.suite, SDES_AES_192_CM_HMAC_SHA1_32);
	assert_sequential(&c.keys[0], 0x30, 38);
}

static void gcm128_both_forms(void **state)
{
	struct sdes_crypto c;
	char unpadded[] = "6 AEAD_AES_128_GCM inline:" KGCM128;

	(void)state;
	assert_int_equal(parse("6 AEAD_AES_128_GCM inline:" KGCM128, &c),
			 SDES_OK);
	assert_int_equal(c.suite, SDES_AEAD_AES_128_GCM);
	assert_sequential(&c.keys[0], 0x50, 28);
	unpadded[strlen(unpadded) - 2] = '\0';
	assert_int_equal(parse(unpadded, &c), SDES_OK);
	assert_sequential(&c.keys[0], 0x50, 28);
}

static void gcm256_key(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("1 AEAD_AES_256_GCM inline:" KGCM256, &c),
			 SDES_OK);
	assert_sequential(&c.keys[0], 0x60, 44);
}

static void f8_suites(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("1 F8_128_HMAC_SHA1_80 inline:" K128, &c),
			 SDES_OK);
	assert_int_equal(c.suite, SDES_F8_128_HMAC_SHA1_80);
	assert_int_equal(parse("1 F8_128_HMAC_SHA1_32 inline:" K128, &c),
			 SDES_OK);
	assert_int_equal(c.suite, SDES_F8_128_HMAC_SHA1_32);
}

static void suite_lengths(void **state)
{
	(void)state;
	assert_int_equal(sdes_suite_key_salt_len(SDES_AES_CM_128_HMAC_SHA1_80), 30);
	assert_int_equal(sdes_suite_key_salt_len(SDES_AES_192_CM_HMAC_SHA1_32), 38);
	assert_int_equal(sdes_suite_key_salt_len(SDES_AES_256_CM_HMAC_SHA1_32), 46);
	assert_int_equal(sdes_suite_key_salt_len(SDES_AEAD_AES_128_GCM), 28);
	assert_int_equal(sdes_suite_key_salt_len(SDES_AEAD_AES_256_GCM), 44);
	assert_int_equal(sdes_suite_key_salt_len(SDES_SUITE_UNKNOWN), 0);
}

static void trailing_crlf(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "\r\n",
			       &c), SDES_OK);
	assert_sequential(&c.keys[0], 0x10, 30);
}

/* A 30-byte key under a 46-byte suite is a real mismatch. */
static void key_length_mismatch(void **state)
{
	struct sdes_crypto c;

	(void)state;
	assert_int_equal(parse("1 AES_256_CM_HMAC_SHA1_80 inline:" K128, &c),
			 SDES_ERR_KEY_LENGTH);
	assert_int_equal(c.key_count, 0);
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K256_PAD, &c),
			 SDES_ERR_KEY_LENGTH);
}

struct error_case {
	const char *line;
	enum sdes_error error;
};

static void error_kinds(void **state)
{
	static const struct error_case cases[] = {
		{ "", SDES_ERR_SYNTAX },
		{ "1 AES_CM_128_HMAC_SHA1_80", SDES_ERR_SYNTAX },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:" K128, SDES_ERR_TAG },
		{ "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K128,
		  SDES_ERR_TAG },
		{ "1 NULL_HMAC_SHA1_80 inline:" K128, SDES_ERR_SUITE },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/k",
		  SDES_ERR_KEY_METHOD },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:EBES*xQV", SDES_ERR_BASE64 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:EBESE", SDES_ERR_BASE64 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline: UNENCRYPTED_SRTP",
		  SDES_ERR_KEY_LENGTH },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:|2^20", SDES_ERR_KEY_LENGTH },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:EBES", SDES_ERR_KEY_LENGTH },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|2^x",
		  SDES_ERR_LIFETIME },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|abc",
		  SDES_ERR_LIFETIME },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|1:1|2^20",
		  SDES_ERR_LIFETIME },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|1:0",
		  SDES_ERR_MKI },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|1:129",
		  SDES_ERR_MKI },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|256:1",
		  SDES_ERR_MKI },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "|1:1:1",
		  SDES_ERR_MKI },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 " KDR=25",
		  SDES_ERR_SESSION_PARAM },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K128 " WSH=10",
		  SDES_ERR_SESSION_PARAM },
	};
	struct sdes_crypto c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse(cases[i].line, &c), cases[i].error);
		assert_int_equal(c.key_count, 0);
	}
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(sdes_error_name(SDES_ERR_KEY_LENGTH),
			    "key length does not match suite");
	assert_string_equal(sdes_error_name(SDES_ERR_MKI), "invalid MKI");
	assert_string_equal(sdes_suite_name(SDES_AEAD_AES_256_GCM),
			    "AEAD_AES_256_GCM");
}

static void wipe_clears_keys(void **state)
{
	struct sdes_crypto c;
	static const uint8_t zero[SDES_KEY_SALT_MAX];

	(void)state;
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K128, &c),
			 SDES_OK);
	sdes_crypto_wipe(&c);
	assert_int_equal(c.key_count, 0);
	assert_memory_equal(c.keys[0].key_salt, zero, sizeof(zero));
}

/* The answerer renumbered offer tag 7 to tag 1 for the same suite. */
static void select_renumbered_tag(void **state)
{
	struct sdes_crypto offer[2], answer[1];
	struct sdes_selection sel;

	(void)state;
	assert_int_equal(parse("7 AES_CM_128_HMAC_SHA1_80 inline:" K128,
			       &offer[0]), SDES_OK);
	assert_int_equal(parse("8 AES_256_CM_HMAC_SHA1_80 inline:" K256_PAD,
			       &offer[1]), SDES_OK);
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K128B,
			       &answer[0]), SDES_OK);
	assert_true(sdes_select_answer(offer, NULL, 2, answer, NULL, 1, &sel));
	assert_int_equal(sel.offer_index, 0);
	assert_int_equal(sel.answer_index, 0);
	assert_true(sel.tag_mismatch);
	assert_int_equal(answer[0].keys[0].key_salt[0], 0x40);
	assert_int_equal(offer[0].keys[0].key_salt[0], 0x10);
}

static void select_matching_tag(void **state)
{
	struct sdes_crypto offer[2], answer[1];
	struct sdes_selection sel;

	(void)state;
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K128,
			       &offer[0]), SDES_OK);
	assert_int_equal(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K128B,
			       &offer[1]), SDES_OK);
	assert_int_equal(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K128B,
			       &answer[0]), SDES_OK);
	assert_true(sdes_select_answer(offer, NULL, 2, answer, NULL, 1, &sel));
	assert_int_equal(sel.offer_index, 1);
	assert_false(sel.tag_mismatch);
}

static void select_skips_failed(void **state)
{
	struct sdes_crypto offer[1], answer[2];
	bool answer_ok[2];
	struct sdes_selection sel;

	(void)state;
	assert_int_equal(parse("1 AEAD_AES_128_GCM inline:" KGCM128, &offer[0]),
			 SDES_OK);
	answer_ok[0] = parse("1 AEAD_AES_128_GCM inline:" K128, &answer[0]) ==
		       SDES_OK;
	answer_ok[1] = parse("3 AEAD_AES_128_GCM inline:" KGCM128,
			     &answer[1]) == SDES_OK;
	assert_false(answer_ok[0]);
	assert_true(sdes_select_answer(offer, NULL, 1, answer, answer_ok, 2,
				       &sel));
	assert_int_equal(sel.answer_index, 1);
	assert_true(sel.tag_mismatch);
}

static void select_no_common_suite(void **state)
{
	struct sdes_crypto offer[1], answer[1];
	struct sdes_selection sel;

	(void)state;
	assert_int_equal(parse("1 AEAD_AES_128_GCM inline:" KGCM128, &offer[0]),
			 SDES_OK);
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K128,
			       &answer[0]), SDES_OK);
	assert_false(sdes_select_answer(offer, NULL, 1, answer, NULL, 1, &sel));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifetime_power),
		cmocka_unit_test(lifetime_decimal),
		cmocka_unit_test(session_param_after_lifetime),
		cmocka_unit_test(session_params_all),
		cmocka_unit_test(mki_after_lifetime),
		cmocka_unit_test(mki_without_lifetime),
		cmocka_unit_test(several_inline_keys),
		cmocka_unit_test(inline_keys_past_max_dropped),
		cmocka_unit_test(aes256_padded),
		cmocka_unit_test(aes256_unpadded),
		cmocka_unit_test(aes192_both_forms),
		cmocka_unit_test(gcm128_both_forms),
		cmocka_unit_test(gcm256_key),
		cmocka_unit_test(f8_suites),
		cmocka_unit_test(suite_lengths),
		cmocka_unit_test(trailing_crlf),
		cmocka_unit_test(key_length_mismatch),
		cmocka_unit_test(error_kinds),
		cmocka_unit_test(error_names),
		cmocka_unit_test(wipe_clears_keys),
		cmocka_unit_test(select_renumbered_tag),
		cmocka_unit_test(select_matching_tag),
		cmocka_unit_test(select_skips_failed),
		cmocka_unit_test(select_no_common_suite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
