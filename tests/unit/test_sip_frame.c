/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sip/sip_frame.h"

#define MAX_MSG 65535

#define ACK_TEXT \
	"ACK sip:bob@192.0.2.4 SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n" \
	"l: 0\r\n" \
	"\r\n"

#define BYE_TEXT \
	"BYE sip:bob@192.0.2.4 SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bKnashds7\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

static const char ack_bye[] = ACK_TEXT BYE_TEXT;

#define ACK_LEN (sizeof(ACK_TEXT) - 1)

static const char with_body[] =
	"MESSAGE sip:bob@example.com SIP/2.0\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello";

static enum sip_frame_status frame_str(const char *s, struct sip_frame *f)
{
	return sip_frame_next((const uint8_t *)s, strlen(s), MAX_MSG, f);
}

static bool start_line(const char *s)
{
	return sip_is_start_line((const uint8_t *)s, strlen(s));
}

static size_t find_start(const char *s)
{
	return sip_find_start_line((const uint8_t *)s, strlen(s));
}

static void test_frame_request_with_body(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str(with_body, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.skip, 0);
	assert_int_equal(f.msg_len, strlen(with_body));
	assert_false(f.keepalive);
}

static void test_frame_status_line(void **state)
{
	const char *msg = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, strlen(msg));
}

static void test_frame_two_messages(void **state)
{
	const uint8_t *buf = (const uint8_t *)ack_bye;
	size_t len = strlen(ack_bye);
	struct sip_frame f;

	assert_int_equal(sip_frame_next(buf, len, MAX_MSG, &f),
			 SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, ACK_LEN);
	assert_memory_equal(buf + ACK_LEN, "BYE ", 4);

	assert_int_equal(sip_frame_next(buf + ACK_LEN, len - ACK_LEN, MAX_MSG,
					&f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, len - ACK_LEN);
}

static void test_frame_need_more_headers(void **state)
{
	size_t header_len = strlen(with_body) - 5;
	struct sip_frame f;

	for (size_t n = 1; n < header_len; n++) {
		assert_int_equal(sip_frame_next((const uint8_t *)with_body, n,
						MAX_MSG, &f),
				 SIP_FRAME_NEED_MORE);
	}
}

static void test_frame_need_more_body(void **state)
{
	size_t len = strlen(with_body);
	struct sip_frame f;

	assert_int_equal(sip_frame_next((const uint8_t *)with_body, len - 1,
					MAX_MSG, &f), SIP_FRAME_NEED_MORE);
}

static void test_frame_missing_length(void **state)
{
	const char *msg = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\nbody";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, strlen(msg) - 4);
}

static void test_frame_length_header_forms(void **state)
{
	static const char *const headers[] = {
		"Content-Length: 5",
		"content-length: 5",
		"CONTENT-LENGTH: 5",
		"cOnTeNt-LeNgTh:5",
		"l: 5",
		"L: 5",
		"l:5",
		"Content-Length :5",
		"Content-Length\t: \t5\t",
		"Content-Length:\r\n 5",
		"Content-Length: 00005",
	};
	char msg[256];
	struct sip_frame f;

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		int n = snprintf(msg, sizeof(msg),
				 "INFO sip:a@b SIP/2.0\r\n%s\r\n\r\nhelloEXTRA",
				 headers[i]);

		assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
		assert_int_equal(f.msg_len, (size_t)n - 5);
	}
}

static void test_frame_invalid_length(void **state)
{
	static const char *const values[] = {
		"", "abc", "-1", "+1", "1 2", "0x10", "5a", "5;x",
	};
	char msg[256];
	struct sip_frame f;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(msg, sizeof(msg),
			 "INFO sip:a@b SIP/2.0\r\nContent-Length: %s\r\n\r\n",
			 values[i]);
		assert_int_equal(frame_str(msg, &f), SIP_FRAME_INVALID);
	}
}

static void test_frame_conflicting_lengths(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\nContent-Length: 1\r\n"
			  "l: 2\r\n\r\nab";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_INVALID);
}

static void test_frame_repeated_length(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\nContent-Length: 2\r\n"
			  "l: 2\r\n\r\nab";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, strlen(msg));
}

static void test_frame_bare_lf(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\nVia: x\nl: 3\n\nabcNEXT";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, strlen(msg) - 4);
}

static void test_frame_mixed_line_ends(void **state)
{
	static const char *const msgs[] = {
		"INFO sip:a@b SIP/2.0\r\nl: 3\r\n\nabc",
		"INFO sip:a@b SIP/2.0\nl: 3\n\r\nabc",
		"INFO sip:a@b SIP/2.0\r\nVia: x\nl: 3\r\n\r\nabc",
	};
	struct sip_frame f;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(frame_str(msgs[i], &f), SIP_FRAME_COMPLETE);
		assert_int_equal(f.msg_len, strlen(msgs[i]));
	}
}

static void test_frame_folded_headers(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\n"
			  "Subject: first\r\n second\r\n\tthird\r\n"
			  "Content-Length:\r\n  3\r\n"
			  "Via: x\r\n\r\nabc";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, strlen(msg));
}

static void test_frame_fold_after_start(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\n folded\r\n\r\n";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_INVALID);
}

static void test_frame_header_without_colon(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\nVia x\r\n\r\n";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_INVALID);
}

static void test_frame_keepalive_ping(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("\r\n\r\n", &f), SIP_FRAME_NEED_MORE);
	assert_int_equal(f.skip, 4);
	assert_true(f.keepalive);
}

static void test_frame_keepalive_pong(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("\r\n", &f), SIP_FRAME_NEED_MORE);
	assert_int_equal(f.skip, 2);
	assert_true(f.keepalive);
}

static void test_frame_lone_cr(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("\r", &f), SIP_FRAME_NEED_MORE);
	assert_int_equal(f.skip, 1);
	assert_false(f.keepalive);
}

static void test_frame_keepalive_then_register(void **state)
{
	const char *msg = "\r\n\r\nREGISTER sip:example.com SIP/2.0\r\n"
			  "Content-Length: 0\r\n\r\n";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.skip, 4);
	assert_true(f.keepalive);
	assert_int_equal(f.msg_len, strlen(msg) - 4);
}

static void test_frame_invalid_start(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("hello world\r\n\r\n", &f),
			 SIP_FRAME_INVALID);
	assert_int_equal(frame_str("v=0\r\no=- 1 1 IN IP4 h\r\n", &f),
			 SIP_FRAME_INVALID);
}

static void test_frame_invalid_before_lf(void **state)
{
	struct sip_frame f;

	/* The start line is rejected as soon as no prefix can match. */
	assert_int_equal(frame_str("v=0", &f), SIP_FRAME_INVALID);
	assert_int_equal(frame_str("INVITE sip:a SIP/3", &f),
			 SIP_FRAME_INVALID);
	assert_int_equal(frame_str("SIP/2.0 20x", &f), SIP_FRAME_INVALID);
}

static void test_frame_partial_start_line(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("INVITE sip:a SIP/2", &f),
			 SIP_FRAME_NEED_MORE);
	assert_int_equal(frame_str("SIP/2.0 18", &f), SIP_FRAME_NEED_MORE);
	assert_int_equal(frame_str("INVITE sip:a SIP/2.0\r", &f),
			 SIP_FRAME_NEED_MORE);
}

static void test_frame_cr_inside_start_line(void **state)
{
	struct sip_frame f;

	assert_int_equal(frame_str("INVITE sip:a\r SIP/2.0\r\n\r\n", &f),
			 SIP_FRAME_INVALID);
}

static void test_frame_body_too_large(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\nl: 100\r\n\r\n";
	size_t header_len = strlen(msg);
	struct sip_frame f;

	assert_int_equal(sip_frame_next((const uint8_t *)msg, header_len, 64,
					&f), SIP_FRAME_TOO_LARGE);
	assert_int_equal(f.msg_len, header_len + 100);
}

static void test_frame_headers_too_large(void **state)
{
	char msg[512];
	struct sip_frame f;

	memset(msg, 'a', sizeof(msg));
	memcpy(msg, "INFO sip:a@b SIP/2.0\r\nSubject: ", 31);

	assert_int_equal(sip_frame_next((const uint8_t *)msg, 63, 64, &f),
			 SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_frame_next((const uint8_t *)msg, 64, 64, &f),
			 SIP_FRAME_TOO_LARGE);
	assert_int_equal(f.msg_len, 0);
	assert_int_equal(sip_frame_next((const uint8_t *)msg, sizeof(msg), 64,
					&f), SIP_FRAME_TOO_LARGE);
}

static void test_frame_start_line_too_long(void **state)
{
	char msg[128];
	struct sip_frame f;

	memset(msg, 'A', sizeof(msg));
	assert_int_equal(sip_frame_next((const uint8_t *)msg, 63, 64, &f),
			 SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_frame_next((const uint8_t *)msg, 64, 64, &f),
			 SIP_FRAME_INVALID);
}

static void test_frame_huge_length(void **state)
{
	const char *msg = "INFO sip:a@b SIP/2.0\r\n"
			  "Content-Length: 99999999999999999999999\r\n\r\n";
	struct sip_frame f;

	assert_int_equal(frame_str(msg, &f), SIP_FRAME_TOO_LARGE);
	assert_int_equal(f.msg_len, 0);
}

static void test_frame_exact_max(void **state)
{
	size_t len = strlen(with_body);
	struct sip_frame f;

	assert_int_equal(sip_frame_next((const uint8_t *)with_body, len, len,
					&f), SIP_FRAME_COMPLETE);
	assert_int_equal(f.msg_len, len);
	assert_int_equal(sip_frame_next((const uint8_t *)with_body, len,
					len - 1, &f), SIP_FRAME_TOO_LARGE);
}

/* Each prefix, resumed byte by byte, matches a fresh parse of it. */
static void test_frame_resume_matches_fresh(void **state)
{
	const uint8_t *buf = (const uint8_t *)ack_bye;
	size_t len = strlen(ack_bye);
	struct sip_frame_scan scan;
	struct sip_frame resumed, fresh;

	sip_frame_scan_reset(&scan);
	for (size_t n = 1; n <= len; n++) {
		enum sip_frame_status a =
			sip_frame_next_resume(&scan, buf, n, MAX_MSG, &resumed);
		enum sip_frame_status b =
			sip_frame_next(buf, n, MAX_MSG, &fresh);

		assert_int_equal(a, b);
		assert_int_equal(resumed.msg_len, fresh.msg_len);
		if (a == SIP_FRAME_COMPLETE)
			break;
	}
}

static void test_frame_resume_after_skip(void **state)
{
	const char *msg = "\r\n\r\nBYE sip:a@b SIP/2.0\r\nl: 0\r\n\r\n";
	const uint8_t *buf = (const uint8_t *)msg;
	struct sip_frame_scan scan;
	struct sip_frame f;

	sip_frame_scan_reset(&scan);
	assert_int_equal(sip_frame_next_resume(&scan, buf, 12, MAX_MSG, &f),
			 SIP_FRAME_NEED_MORE);
	assert_int_equal(f.skip, 4);

	/* The scan stays valid after the caller drops the skipped bytes. */
	assert_int_equal(sip_frame_next_resume(&scan, buf + 4,
					       strlen(msg) - 4, MAX_MSG, &f),
			 SIP_FRAME_COMPLETE);
	assert_int_equal(f.skip, 0);
	assert_int_equal(f.msg_len, strlen(msg) - 4);
}

static void test_start_line_valid(void **state)
{
	static const char *const lines[] = {
		"INVITE sip:bob@example.com SIP/2.0",
		"REGISTER sips:example.com SIP/2.0",
		"x-custom.method!% tel:+123 SIP/2.0",
		"INVITE sip:a sip/2.0",
		"SIP/2.0 200 OK",
		"SIP/2.0 183 Session Progress",
		"sip/2.0 404 Not Found",
		"SIP/2.0 200 ",
		"SIP/2.0 200 D\xc3\xa9j\xc3\xa0 vu",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_true(start_line(lines[i]));
}

static void test_start_line_invalid(void **state)
{
	static const char *const lines[] = {
		"",
		"INVITE",
		"INVITE sip:a",
		"INVITE sip:a SIP/2.0 ",
		"INVITE  sip:a SIP/2.0",
		"INVITE sip:a  SIP/2.0",
		"INVITE sip:a SIP/2.1",
		"INV:TE sip:a SIP/2.0",
		" INVITE sip:a SIP/2.0",
		"INVITE sip:a SIP/2.0\r",
		"SIP/2.0 200",
		"SIP/2.0 20 OK",
		"SIP/2.0 2000 OK",
		"SIP/2.0  200 OK",
		"SIP/2.0 200 O\x01K",
		"Via: SIP/2.0/TCP host",
		"v=0",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_false(start_line(lines[i]));
}

static void test_find_start_line(void **state)
{
	const char *buf = "a=rtpmap:0 PCMU/8000\r\n"
			  "\r\n"
			  "SIP/2.0 180 Ringing\r\n"
			  "Via: x\r\n";

	assert_int_equal(find_start(buf), 24);
}

static void test_find_start_line_skips_first(void **state)
{
	const char *buf = "BYE sip:a SIP/2.0\r\nx\nACK sip:a SIP/2.0\n";

	assert_int_equal(find_start(buf), 21);
}

static void test_find_start_line_leading_cr(void **state)
{
	const char *buf = "x\n\r\rBYE sip:a SIP/2.0\r\n";

	assert_int_equal(find_start(buf), 2);
}

static void test_find_start_line_none(void **state)
{
	const char *buf = "v=0\r\no=- 1 1 IN IP4 h\r\n";

	assert_int_equal(find_start(buf), strlen(buf));
}

static void test_find_start_line_partial(void **state)
{
	/* A start line without its line end is not found yet. */
	const char *buf = "junk\r\nINVITE sip:a SIP/2.0";

	assert_int_equal(find_start(buf), strlen(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_request_with_body),
		cmocka_unit_test(test_frame_status_line),
		cmocka_unit_test(test_frame_two_messages),
		cmocka_unit_test(test_frame_need_more_headers),
		cmocka_unit_test(test_frame_need_more_body),
		cmocka_unit_test(test_frame_missing_length),
		cmocka_unit_test(test_frame_length_header_forms),
		cmocka_unit_test(test_frame_invalid_length),
		cmocka_unit_test(test_frame_conflicting_lengths),
		cmocka_unit_test(test_frame_repeated_length),
		cmocka_unit_test(test_frame_bare_lf),
		cmocka_unit_test(test_frame_mixed_line_ends),
		cmocka_unit_test(test_frame_folded_headers),
		cmocka_unit_test(test_frame_fold_after_start),
		cmocka_unit_test(test_frame_header_without_colon),
		cmocka_unit_test(test_frame_keepalive_ping),
		cmocka_unit_test(test_frame_keepalive_pong),
		cmocka_unit_test(test_frame_lone_cr),
		cmocka_unit_test(test_frame_keepalive_then_register),
		cmocka_unit_test(test_frame_invalid_start),
		cmocka_unit_test(test_frame_invalid_before_lf),
		cmocka_unit_test(test_frame_partial_start_line),
		cmocka_unit_test(test_frame_cr_inside_start_line),
		cmocka_unit_test(test_frame_body_too_large),
		cmocka_unit_test(test_frame_headers_too_large),
		cmocka_unit_test(test_frame_start_line_too_long),
		cmocka_unit_test(test_frame_huge_length),
		cmocka_unit_test(test_frame_exact_max),
		cmocka_unit_test(test_frame_resume_matches_fresh),
		cmocka_unit_test(test_frame_resume_after_skip),
		cmocka_unit_test(test_start_line_valid),
		cmocka_unit_test(test_start_line_invalid),
		cmocka_unit_test(test_find_start_line),
		cmocka_unit_test(test_find_start_line_skips_first),
		cmocka_unit_test(test_find_start_line_leading_cr),
		cmocka_unit_test(test_find_start_line_none),
		cmocka_unit_test(test_find_start_line_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
