/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_JSON_H
#define LIME_CONTROL_MGMT_JSON_H

/*
 * A strict RFC 8259 JSON parser for management API request bodies. It
 * builds a tree of values, rejects duplicate object keys, invalid UTF-8 and
 * nesting deeper than JSON_PARSE_MAX_DEPTH, and needs no other library.
 * lib/util/json.h is the matching writer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_PARSE_MAX_DEPTH 32

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	bool boolean;
	/* A number without fraction or exponent that fits in int64_t. */
	bool is_integer;
	int64_t integer;
	double number;
	char *string;              /* NUL-terminated, and may contain "\u0000" */
	size_t string_len;
	struct json_value *items;  /* array elements */
	size_t n_items;
	struct json_member *members;
	size_t n_members;
};

struct json_member {
	char *key;
	size_t key_len;
	struct json_value value;
};

/*
 * Parses len bytes of text as one JSON value. Returns the value, or NULL
 * with one line in err naming the byte offset and the problem.
 */
struct json_value *json_parse(const char *text, size_t len,
			      char *err, size_t err_len);

/* Frees a value from json_parse(). NULL is accepted. */
void json_value_free(struct json_value *value);

/* Returns the member of an object with this key, or NULL. */
const struct json_value *json_find_member(const struct json_value *object,
					  const char *key);

/* Returns the name of a type for error messages: "a string", "an array"... */
const char *json_type_name(enum json_type type);

#endif
