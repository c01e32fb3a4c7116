/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *text;
	size_t len;
	size_t pos;
	char *err;
	size_t err_len;
	bool failed;
};

static int parse_value(struct parser *p, struct json_value *out, int depth);

static int fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keeps the first error only, because later ones follow from it. */
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	if (p->err == NULL || p->err_len == 0)
		return -1;

	int n = snprintf(p->err, p->err_len, "invalid JSON at byte %zu: ", p->pos);
	if (n >= 0 && (size_t)n < p->err_len) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->text[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		p->pos++;
	}
}

static bool at_end(const struct parser *p)
{
	return p->pos >= p->len;
}

static char peek(const struct parser *p)
{
	return at_end(p) ? '\0' : p->text[p->pos];
}

static int expect_word(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
		return fail(p, "unexpected character; expected a value");
	p->pos += n;
	return 0;
}

/* ---- Strings ---- */

struct text_buf {
	char *data;
	size_t len;
	size_t cap;
};

static int buf_push(struct text_buf *b, const char *bytes, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 32 : b->cap;

		while (b->len + n + 1 > cap)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (data == NULL)
			return -1;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int read_hex4(struct parser *p, uint32_t *out)
{
	uint32_t value = 0;

	if (p->len - p->pos < 4)
		return fail(p, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = p->text[p->pos + (size_t)i];
		uint32_t digit;

		if (c >= '0' && c <= '9')
			digit = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			digit = (uint32_t)(c - 'A' + 10);
		else
			return fail(p, "\\u needs four hex digits");
		value = value * 16 + digit;
	}
	p->pos += 4;
	*out = value;
	return 0;
}

/* Reads the code point of a \u escape, joining a UTF-16 surrogate pair. */
static int read_unicode_escape(struct parser *p, uint32_t *cp)
{
	uint32_t low;

	if (read_hex4(p, cp) != 0)
		return -1;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return fail(p, "unpaired UTF-16 low surrogate in \\u escape");
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;

	if (p->len - p->pos < 2 || p->text[p->pos] != '\\' ||
	    p->text[p->pos + 1] != 'u')
		return fail(p, "UTF-16 high surrogate without its low surrogate");
	p->pos += 2;
	if (read_hex4(p, &low) != 0)
		return -1;
	if (low < 0xdc00 || low > 0xdfff)
		return fail(p, "UTF-16 high surrogate without its low surrogate");
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
	return 0;
}

static int read_escape(struct parser *p, struct text_buf *b)
{
	static const char plain[] = "\"\\/bfnrt";
	static const char decoded[] = "\"\\/\b\f\n\r\t";
	char c = peek(p);
	const char *hit = c != '\0' ? strchr(plain, c) : NULL;

	p->pos++;
	if (hit != NULL)
		return buf_push(b, &decoded[hit - plain], 1) != 0 ?
		       fail(p, "out of memory") : 0;
	if (c != 'u')
		return fail(p, "invalid escape sequence in a string");

	uint32_t cp;
	char utf8[4];
	if (read_unicode_escape(p, &cp) != 0)
		return -1;
	if (buf_push(b, utf8, utf8_encode(cp, utf8)) != 0)
		return fail(p, "out of memory");
	return 0;
}

/* Returns the length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_sequence_len(const unsigned char *s, size_t avail)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int parse_string_text(struct parser *p, char **out, size_t *out_len)
{
	struct text_buf b = {0};

	p->pos++;
	for (;;) {
		if (at_end(p)) {
			fail(p, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)p->text[p->pos];
		if (c == '"') {
			p->pos++;
			if (b.data == NULL && buf_push(&b, "", 0) != 0) {
				fail(p, "out of memory");
				break;
			}
			*out = b.data;
			*out_len = b.len;
			return 0;
		}
		if (c < 0x20) {
			fail(p, "control character in a string; escape it");
			break;
		}
		if (c == '\\') {
			p->pos++;
			if (read_escape(p, &b) != 0)
				break;
			continue;
		}

		size_t n = utf8_sequence_len((const unsigned char *)p->text + p->pos,
					     p->len - p->pos);
		if (n == 0) {
			fail(p, "invalid UTF-8 in a string");
			break;
		}
		if (buf_push(&b, p->text + p->pos, n) != 0) {
			fail(p, "out of memory");
			break;
		}
		p->pos += n;
	}
	free(b.data);
	return -1;
}

/* ---- Numbers ---- */

static size_t skip_digits(struct parser *p)
{
	size_t start = p->pos;

	while (!at_end(p) && peek(p) >= '0' && peek(p) <= '9')
		p->pos++;
	return p->pos - start;
}

static int parse_number(struct parser *p, struct json_value *out)
{
	size_t start = p->pos;
	bool integer = true;

	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0')
		p->pos++;
	else if (skip_digits(p) == 0)
		return fail(p, "invalid number");
	if (peek(p) == '.') {
		p->pos++;
		integer = false;
		if (skip_digits(p) == 0)
			return fail(p, "invalid number: digits must follow '.'");
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		integer = false;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (skip_digits(p) == 0)
			return fail(p, "invalid number: digits must follow the exponent");
	}

	/* strtod and strtoll need a terminated copy of the token. */
	char token[64];
	size_t n = p->pos - start;
	if (n >= sizeof(token))
		return fail(p, "number longer than %zu characters", sizeof(token) - 1);
	memcpy(token, p->text + start, n);
	token[n] = '\0';

	out->type = JSON_NUMBER;
	out->number = strtod(token, NULL);
	errno = 0;
	if (integer) {
		long long v = strtoll(token, NULL, 10);
		out->is_integer = errno == 0;
		out->integer = v;
	}
	return 0;
}

/* ---- Arrays and objects ---- */

static int parse_array(struct parser *p, struct json_value *out, int depth)
{
	size_t cap = 0;

	out->type = JSON_ARRAY;
	p->pos++;
	skip_space(p);
	if (peek(p) == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (out->n_items == cap) {
			size_t new_cap = cap == 0 ? 4 : cap * 2;
			struct json_value *items = realloc(out->items, new_cap * sizeof(*items));
			if (items == NULL)
				return fail(p, "out of memory");
			out->items = items;
			cap = new_cap;
		}
		struct json_value *item = &out->items[out->n_items];
		memset(item, 0, sizeof(*item));
		out->n_items++;
		if (parse_value(p, item, depth + 1) != 0)
			return -1;

		skip_space(p);
		char c = peek(p);
		p->pos++;
		if (c == ']')
			return 0;
		if (c != ',')
			return fail(p, "expected ',' or ']' in an array");
	}
}

static bool has_key(const struct json_value *object, const char *key, size_t len)
{
	for (size_t i = 0; i < object->n_members; i++) {
		const struct json_member *m = &object->members[i];
		if (m->key_len == len && memcmp(m->key, key, len) == 0)
			return true;
	}
	return false;
}

static int parse_member(struct parser *p, struct json_value *object, int depth)
{
	struct json_member *m = &object->members[object->n_members];
	char *key;
	size_t key_len;

	skip_space(p);
	if (peek(p) != '"')
		return fail(p, "expected a string key in an object");
	if (parse_string_text(p, &key, &key_len) != 0)
		return -1;
	if (has_key(object, key, key_len)) {
		free(key);
		return fail(p, "duplicate object key; give each key once");
	}
	memset(m, 0, sizeof(*m));
	m->key = key;
	m->key_len = key_len;
	object->n_members++;

	skip_space(p);
	if (peek(p) != ':')
		return fail(p, "expected ':' after an object key");
	p->pos++;
	return parse_value(p, &m->value, depth + 1);
}

static int parse_object(struct parser *p, struct json_value *out, int depth)
{
	size_t cap = 0;

	out->type = JSON_OBJECT;
	p->pos++;
	skip_space(p);
	if (peek(p) == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (out->n_members == cap) {
			size_t new_cap = cap == 0 ? 8 : cap * 2;
			struct json_member *members = realloc(out->members,
							      new_cap * sizeof(*members));
			if (members == NULL)
				return fail(p, "out of memory");
			out->members = members;
			cap = new_cap;
		}
		if (parse_member(p, out, depth) != 0)
			return -1;

		skip_space(p);
		char c = peek(p);
		p->pos++;
		if (c == '}')
			return 0;
		if (c != ',')
			return fail(p, "expected ',' or '}' in an object");
	}
}

static int parse_value(struct parser *p, struct json_value *out, int depth)
{
	if (depth > JSON_PARSE_MAX_DEPTH)
		return fail(p, "nesting deeper than %d levels", JSON_PARSE_MAX_DEPTH);

	skip_space(p);
	switch (peek(p)) {
	case '{':
		return parse_object(p, out, depth);
	case '[':
		return parse_array(p, out, depth);
	case '"':
		out->type = JSON_STRING;
		return parse_string_text(p, &out->string, &out->string_len);
	case 't':
		out->type = JSON_BOOL;
		out->boolean = true;
		return expect_word(p, "true");
	case 'f':
		out->type = JSON_BOOL;
		return expect_word(p, "false");
	case 'n':
		out->type = JSON_NULL;
		return expect_word(p, "null");
	case '\0':
		if (at_end(p))
			return fail(p, "unexpected end of input; expected a value");
		return fail(p, "unexpected character; expected a value");
	default:
		if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9'))
			return parse_number(p, out);
		return fail(p, "unexpected character; expected a value");
	}
}

static void free_contents(struct json_value *v)
{
	free(v->string);
	for (size_t i = 0; i < v->n_items; i++)
		free_contents(&v->items[i]);
	free(v->items);
	for (size_t i = 0; i < v->n_members; i++) {
		free(v->members[i].key);
		free_contents(&v->members[i].value);
	}
	free(v->members);
}

struct json_value *json_parse(const char *text, size_t len,
			      char *err, size_t err_len)
{
	struct parser p = {.text = text, .len = len, .err = err, .err_len = err_len};
	struct json_value *root = calloc(1, sizeof(*root));

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (root == NULL) {
		fail(&p, "out of memory");
		return NULL;
	}
	if (parse_value(&p, root, 0) == 0) {
		skip_space(&p);
		if (at_end(&p))
			return root;
		fail(&p, "unexpected data after the value");
	}
	json_value_free(root);
	return NULL;
}

void json_value_free(struct json_value *value)
{
	if (value == NULL)
		return;
	free_contents(value);
	free(value);
}

const struct json_value *json_find_member(const struct json_value *object,
					  const char *key)
{
	if (object == NULL || object->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < object->n_members; i++) {
		const struct json_member *m = &object->members[i];
		if (strlen(key) == m->key_len && memcmp(m->key, key, m->key_len) == 0)
			return &m->value;
	}
	return NULL;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "a boolean";
	case JSON_NUMBER:
		return "a number";
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	default:
		return "an object";
	}
}
