/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/util/json.h"

#include <inttypes.h>
#include <math.h>

void json_writer_init(struct json_writer *w, FILE *out, bool pretty)
{
	w->out = out;
	w->depth = 0;
	w->pretty = pretty;
	w->failed = false;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		w->has_members[i] = false;
}

void json_write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Write the separator and key that precede a member. */
static void member_start(struct json_writer *w, const char *key)
{
	if (w->depth > 0) {
		if (w->has_members[w->depth])
			fputc(',', w->out);
		w->has_members[w->depth] = true;
		indent(w);
	}
	if (key != NULL) {
		json_write_escaped(w->out, key);
		fputs(w->pretty ? ": " : ":", w->out);
	}
}

static void container_begin(struct json_writer *w, const char *key, char open)
{
	member_start(w, key);
	fputc(open, w->out);
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->depth++;
	w->has_members[w->depth] = false;
}

static void container_end(struct json_writer *w, char close)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	bool had_members = w->has_members[w->depth];
	w->depth--;
	if (had_members)
		indent(w);
	fputc(close, w->out);
}

void json_object_begin(struct json_writer *w, const char *key)
{
	container_begin(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	container_end(w, '}');
}

void json_array_begin(struct json_writer *w, const char *key)
{
	container_begin(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	container_end(w, ']');
}

void json_u64(struct json_writer *w, const char *key, uint64_t value)
{
	member_start(w, key);
	fprintf(w->out, "%" PRIu64, value);
}

void json_i64(struct json_writer *w, const char *key, int64_t value)
{
	member_start(w, key);
	fprintf(w->out, "%" PRId64, value);
}

void json_double(struct json_writer *w, const char *key, double value)
{
	member_start(w, key);
	/* JSON has no NaN or infinity. */
	if (!isfinite(value))
		fputs("null", w->out);
	else
		fprintf(w->out, "%.6g", value);
}

void json_bool(struct json_writer *w, const char *key, bool value)
{
	member_start(w, key);
	fputs(value ? "true" : "false", w->out);
}

void json_string(struct json_writer *w, const char *key, const char *value)
{
	member_start(w, key);
	if (value == NULL)
		fputs("null", w->out);
	else
		json_write_escaped(w->out, value);
}

int json_writer_finish(struct json_writer *w)
{
	if (w->pretty)
		fputc('\n', w->out);
	if (w->depth != 0)
		w->failed = true;
	return w->failed ? -1 : 0;
}
