/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the management API's JSON parser (control/mgmt/mgmt_json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/mgmt/mgmt_json.h"

static struct json_value *parse(const char *text)
{
	char err[256];

	return json_parse(text, strlen(text), err, sizeof(err));
}

/* Asserts that text is rejected with an error naming expected_problem. */
static void assert_rejected(const char *text, const char *expected_problem)
{
	char err[256];
	struct json_value *v = json_parse(text, strlen(text), err, sizeof(err));

	if (v != NULL)
		fail_msg("accepted invalid JSON: %s", text);
	if (strstr(err, expected_problem) == NULL)
		fail_msg("error for %s is \"%s\", expected it to contain \"%s\"",
			 text, err, expected_problem);
	assert_non_null(strstr(err, "invalid JSON at byte"));
}

static void object_members(void **state)
{
	(void)state;
	struct json_value *v = parse(" {\"liid\": \"LIID-1\", \"targets\": [\"sip:a@b\", \"tel:+1\"],"
				     " \"tls\": true, \"n\": 30, \"x\": null} ");

	assert_non_null(v);
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->n_members, 5);

	const struct json_value *liid = json_find_member(v, "liid");
	assert_non_null(liid);
	assert_string_equal(liid->string, "LIID-1");

	const struct json_value *targets = json_find_member(v, "targets");
	assert_int_equal(targets->type, JSON_ARRAY);
	assert_int_equal(targets->n_items, 2);
	assert_string_equal(targets->items[1].string, "tel:+1");

	assert_true(json_find_member(v, "tls")->boolean);
	assert_true(json_find_member(v, "n")->is_integer);
	assert_int_equal(json_find_member(v, "n")->integer, 30);
	assert_int_equal(json_find_member(v, "x")->type, JSON_NULL);
	assert_null(json_find_member(v, "missing"));
	json_value_free(v);
}

static void empty_containers(void **state)
{
	(void)state;
	struct json_value *v = parse("{\"a\": [], \"b\": {}}");

	assert_non_null(v);
	assert_int_equal(json_find_member(v, "a")->n_items, 0);
	assert_int_equal(json_find_member(v, "b")->type, JSON_OBJECT);
	json_value_free(v);
}

static void string_escapes(void **state)
{
	(void)state;
	struct json_value *v = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00\"");

	assert_non_null(v);
	assert_string_equal(v->string, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80");
	json_value_free(v);
}

static void nul_escape_keeps_length(void **state)
{
	(void)state;
	struct json_value *v = parse("\"a\\u0000b\"");

	assert_non_null(v);
	assert_int_equal(v->string_len, 3);
	assert_int_equal(v->string[1], '\0');
	json_value_free(v);
}

static void numbers(void **state)
{
	(void)state;
	struct json_value *v = parse("[0, -12, 1.5, 2e3, 9223372036854775807, 9223372036854775808]");

	assert_non_null(v);
	assert_true(v->items[0].is_integer);
	assert_int_equal(v->items[1].integer, -12);
	assert_false(v->items[2].is_integer);
	assert_true(v->items[2].number == 1.5);
	assert_false(v->items[3].is_integer);
	assert_true(v->items[4].is_integer);
	assert_int_equal(v->items[4].integer, INT64_MAX);
	/* Past int64_t the value is only a double. */
	assert_false(v->items[5].is_integer);
	json_value_free(v);
}

static void invalid_syntax(void **state)
{
	(void)state;
	assert_rejected("", "unexpected end of input");
	assert_rejected("{\"a\": 1,}", "expected a string key");
	assert_rejected("[1, 2,]", "expected a value");
	assert_rejected("{\"a\" 1}", "expected ':'");
	assert_rejected("[1 2]", "expected ',' or ']'");
	assert_rejected("{\"a\": 1} x", "unexpected data after the value");
	assert_rejected("tru", "expected a value");
	assert_rejected("'a'", "unexpected character");
}

static void invalid_numbers(void **state)
{
	(void)state;
	assert_rejected("01", "unexpected data after the value");
	assert_rejected("-", "invalid number");
	assert_rejected("1.", "digits must follow '.'");
	assert_rejected("1e", "digits must follow the exponent");
	assert_rejected("+1", "unexpected character");
}

static void invalid_strings(void **state)
{
	(void)state;
	assert_rejected("\"abc", "unterminated string");
	assert_rejected("\"a\nb\"", "control character");
	assert_rejected("\"\\x41\"", "invalid escape");
	assert_rejected("\"\\u12\"", "four hex digits");
	assert_rejected("\"\\udc00\"", "unpaired UTF-16 low surrogate");
	assert_rejected("\"\\ud800x\"", "without its low surrogate");
	assert_rejected("\"\xc3\"", "invalid UTF-8");
	assert_rejected("\"\xc0\xaf\"", "invalid UTF-8");
	assert_rejected("\"\xed\xa0\x80\"", "invalid UTF-8");
	assert_rejected("\"\xf4\x90\x80\x80\"", "invalid UTF-8");
}

static void duplicate_keys(void **state)
{
	(void)state;
	assert_rejected("{\"liid\": \"a\", \"liid\": \"b\"}", "duplicate object key");
}

static void nesting_limit(void **state)
{
	(void)state;
	char deep[2 * (JSON_PARSE_MAX_DEPTH + 2) + 1];
	size_t n = JSON_PARSE_MAX_DEPTH + 2;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	assert_rejected(deep, "nesting deeper than");

	n = JSON_PARSE_MAX_DEPTH;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	struct json_value *v = parse(deep);
	assert_non_null(v);
	json_value_free(v);
}

static void input_without_terminator(void **state)
{
	(void)state;
	const char text[] = {'[', '1', ']', '9'};
	char err[128];
	struct json_value *v = json_parse(text, 3, err, sizeof(err));

	assert_non_null(v);
	assert_int_equal(v->n_items, 1);
	json_value_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(object_members),
		cmocka_unit_test(empty_containers),
		cmocka_unit_test(string_escapes),
		cmocka_unit_test(nul_escape_keeps_length),
		cmocka_unit_test(numbers),
		cmocka_unit_test(invalid_syntax),
		cmocka_unit_test(invalid_numbers),
		cmocka_unit_test(invalid_strings),
		cmocka_unit_test(duplicate_keys),
		cmocka_unit_test(nesting_limit),
		cmocka_unit_test(input_without_terminator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
