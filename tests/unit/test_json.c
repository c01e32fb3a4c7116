/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util/json.h"

/* Run fn against a memory stream and return what it wrote. */
static char *render(void (*fn)(struct json_writer *), int *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	json_writer_init(&w, f, false);
	fn(&w);
	*status = json_writer_finish(&w);
	fclose(f);
	return buf;
}

static void nested_doc(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_u64(w, "a", 1);
	json_object_begin(w, "b");
	json_i64(w, "c", -2);
	json_bool(w, "d", true);
	json_object_end(w);
	json_array_begin(w, "e");
	json_u64(w, NULL, 3);
	json_string(w, NULL, "x");
	json_array_end(w);
	json_object_end(w);
}

static void escaped_doc(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_string(w, "k\"", "a\\b\n\x01");
	json_object_end(w);
}

static void unbalanced_doc(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_u64(w, "a", 1);
}

static void nonfinite_doc(struct json_writer *w)
{
	json_array_begin(w, NULL);
	json_double(w, NULL, 1.0 / 0.0);
	json_double(w, NULL, 0.5);
	json_array_end(w);
}

static void json_nested_members(void **state)
{
	int status;
	char *out = render(nested_doc, &status);

	assert_int_equal(status, 0);
	assert_string_equal(out, "{\"a\":1,\"b\":{\"c\":-2,\"d\":true},\"e\":[3,\"x\"]}");
	free(out);
}

static void json_escapes_strings(void **state)
{
	int status;
	char *out = render(escaped_doc, &status);

	assert_int_equal(status, 0);
	assert_string_equal(out, "{\"k\\\"\":\"a\\\\b\\n\\u0001\"}");
	free(out);
}

static void json_unbalanced_fails(void **state)
{
	int status;
	char *out = render(unbalanced_doc, &status);

	assert_int_equal(status, -1);
	free(out);
}

static void json_nonfinite_is_null(void **state)
{
	int status;
	char *out = render(nonfinite_doc, &status);

	assert_int_equal(status, 0);
	assert_string_equal(out, "[null,0.5]");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_nested_members),
		cmocka_unit_test(json_escapes_strings),
		cmocka_unit_test(json_unbalanced_fails),
		cmocka_unit_test(json_nonfinite_is_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
