/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_UTIL_JSON_H
#define LIME_UTIL_JSON_H

/*
 * A streaming JSON writer for summaries and reports. Each call writes one
 * member (with key inside an object, without inside an array or at the top)
 * and the writer places the commas. Strings are escaped as RFC 8259 specifies.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	int depth;
	bool pretty;
	bool has_members[JSON_MAX_DEPTH];
	bool failed;               /* nesting too deep or unbalanced */
};

void json_writer_init(struct json_writer *w, FILE *out, bool pretty);

void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);

void json_u64(struct json_writer *w, const char *key, uint64_t value);
void json_i64(struct json_writer *w, const char *key, int64_t value);
void json_double(struct json_writer *w, const char *key, double value);
void json_bool(struct json_writer *w, const char *key, bool value);
void json_string(struct json_writer *w, const char *key, const char *value);

/* Finish the document; returns 0, or -1 when it was not well formed. */
int json_writer_finish(struct json_writer *w);

/* Write s as a quoted JSON string. */
void json_write_escaped(FILE *out, const char *s);

#endif
