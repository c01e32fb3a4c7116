/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kms_client/kc_http.h"

/* Feeds text in pieces of at most step bytes and returns the last result;
 * *consumed receives the bytes used in total. */
static enum kc_http_parse_result feed(struct kc_http_parser *p, const char *text,
				      size_t len, size_t step, size_t *consumed)
{
	enum kc_http_parse_result r = KC_HTTP_MORE;
	*consumed = 0;
	while (*consumed < len && r == KC_HTTP_MORE) {
		size_t n = len - *consumed < step ? len - *consumed : step;
		size_t used;
		r = kc_http_parse(p, (const uint8_t *)text + *consumed, n, &used);
		*consumed += used;
		if (r == KC_HTTP_MORE)
			assert_int_equal(used, n);
	}
	return r;
}

static enum kc_http_parse_result parse_all(struct kc_http_parser *p, const char *text)
{
	size_t consumed;
	kc_http_parser_init(p);
	return feed(p, text, strlen(text), strlen(text), &consumed);
}

static void http_request_head(void **state)
{
	struct kc_url url;
	char err[200], buf[512];
	assert_int_equal(kc_url_parse("https://kms.test:8443/mikey", &url, err, sizeof(err)), 0);
	size_t n = kc_http_format_request(buf, sizeof(buf), &url, 123);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "POST /mikey HTTP/1.1\r\n"
			    "Host: kms.test:8443\r\n"
			    "Content-Type: application/mikey\r\n"
			    "Content-Length: 123\r\n\r\n");
	assert_int_equal(kc_http_format_request(buf, 20, &url, 123), 0);
}

static const char ok_response[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/mikey\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello";

static void http_complete_response(void **state)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, ok_response), KC_HTTP_COMPLETE);
	assert_int_equal(p.status, 200);
	assert_true(p.keep_alive);
	assert_true(p.mikey_type);
	assert_int_equal(p.body_len, 5);
	assert_memory_equal(p.body, "hello", 5);
	kc_http_parser_free(&p);
}

static void http_byte_by_byte(void **state)
{
	struct kc_http_parser p;
	size_t consumed;
	kc_http_parser_init(&p);
	assert_int_equal(feed(&p, ok_response, strlen(ok_response), 1, &consumed), KC_HTTP_COMPLETE);
	assert_int_equal(consumed, strlen(ok_response));
	assert_memory_equal(p.body, "hello", 5);
	kc_http_parser_free(&p);
}

static void http_leaves_extra_bytes(void **state)
{
	char text[256];
	snprintf(text, sizeof(text), "%sHTTP/1.1", ok_response);
	struct kc_http_parser p;
	size_t consumed;
	kc_http_parser_init(&p);
	assert_int_equal(feed(&p, text, strlen(text), strlen(text), &consumed), KC_HTTP_COMPLETE);
	assert_int_equal(consumed, strlen(ok_response));
	kc_http_parser_free(&p);
}

static void http_error_status_with_body(void **state)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 400 Bad Request\r\n"
				   "Content-Type: text/plain\r\n"
				   "content-length: 3\r\n\r\nbad"), KC_HTTP_COMPLETE);
	assert_int_equal(p.status, 400);
	assert_false(p.mikey_type);
	assert_int_equal(p.body_len, 3);
	kc_http_parser_free(&p);
}

static void http_connection_close(void **state)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 200 OK\r\nConnection: Close\r\n"
				   "Content-Length: 0\r\n\r\n"), KC_HTTP_COMPLETE);
	assert_false(p.keep_alive);
	kc_http_parser_free(&p);

	assert_int_equal(parse_all(&p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
			 KC_HTTP_COMPLETE);
	assert_false(p.keep_alive);
	kc_http_parser_free(&p);

	assert_int_equal(parse_all(&p, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
				   "Content-Length: 0\r\n\r\n"), KC_HTTP_COMPLETE);
	assert_true(p.keep_alive);
	kc_http_parser_free(&p);
}

static void http_content_type_parameters(void **state)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 200 OK\r\n"
				   "Content-Type:  Application/MIKEY ; x=1\r\n"
				   "Content-Length: 0\r\n\r\n"), KC_HTTP_COMPLETE);
	assert_true(p.mikey_type);
	kc_http_parser_free(&p);
}

static void http_skips_interim(void **state)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 100 Continue\r\n\r\n"
				   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
			 KC_HTTP_COMPLETE);
	assert_int_equal(p.status, 200);
	assert_memory_equal(p.body, "ok", 2);
	kc_http_parser_free(&p);
}

static void expect_invalid(const char *text, const char *error_part)
{
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, text), KC_HTTP_INVALID);
	if (!strstr(p.error, error_part))
		fail_msg("error \"%s\" lacks \"%s\"", p.error, error_part);
	kc_http_parser_free(&p);
}

static void http_rejects_chunked(void **state)
{
	expect_invalid("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		       "chunked");
}

static void http_requires_content_length(void **state)
{
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Type: application/mikey\r\n\r\n",
		       "no Content-Length");
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 204 No Content\r\n\r\n"), KC_HTTP_COMPLETE);
	kc_http_parser_free(&p);
}

static void http_rejects_bad_lengths(void **state)
{
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n", "exceeds");
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "invalid Content-Length");
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length");
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		       "conflicting");
	struct kc_http_parser p;
	assert_int_equal(parse_all(&p, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n"),
			 KC_HTTP_MORE);
	kc_http_parser_free(&p);
}

static void http_rejects_bad_heads(void **state)
{
	expect_invalid("HTTP/2 200 OK\r\n\r\n", "HTTP/1.0 or HTTP/1.1");
	expect_invalid("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", "status line");
	expect_invalid("HTTP/1.1 600 What\r\nContent-Length: 0\r\n\r\n", "status line");
	expect_invalid("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "header field");
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", "header field");
	expect_invalid("HTTP/1.1 200 OK\r\nX: a\nb\r\nContent-Length: 0\r\n\r\n", "line feed");
}

static void http_bounds_head(void **state)
{
	size_t len = KC_HTTP_MAX_HEAD + 100;
	char *text = malloc(len + 1);
	assert_non_null(text);
	memset(text, 'a', len);
	memcpy(text, "HTTP/1.1 200 OK\r\nX: ", 20);
	text[len] = '\0';
	expect_invalid(text, "exceeds 8192");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(http_request_head),
		cmocka_unit_test(http_complete_response),
		cmocka_unit_test(http_byte_by_byte),
		cmocka_unit_test(http_leaves_extra_bytes),
		cmocka_unit_test(http_error_status_with_body),
		cmocka_unit_test(http_connection_close),
		cmocka_unit_test(http_content_type_parameters),
		cmocka_unit_test(http_skips_interim),
		cmocka_unit_test(http_rejects_chunked),
		cmocka_unit_test(http_requires_content_length),
		cmocka_unit_test(http_rejects_bad_lengths),
		cmocka_unit_test(http_rejects_bad_heads),
		cmocka_unit_test(http_bounds_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
