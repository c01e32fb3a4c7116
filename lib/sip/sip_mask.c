/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sip/sip_mask.h"

#include <stdbool.h>

static const char CRYPTO_PREFIX[] = "a=crypto:";
static const char INLINE_PREFIX[] = "inline:";

static bool is_line_end(char c)
{
	return c == '\r' || c == '\n';
}

static bool is_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Bytes that end a key-salt value: lifetime or MKI, next key, session part. */
static bool ends_value(char c)
{
	return c == '|' || c == ';' || c == ' ' || c == '\t' || is_line_end(c);
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when text[pos..end) starts with the lower-case prefix, in any case. */
static bool starts_nocase(const char *text, size_t pos, size_t end,
			  const char *prefix, size_t prefix_len)
{
	if (end - pos < prefix_len)
		return false;
	for (size_t i = 0; i < prefix_len; i++) {
		if (to_lower(text[pos + i]) != prefix[i])
			return false;
	}
	return true;
}

static size_t find_line_end(const char *text, size_t pos, size_t len)
{
	while (pos < len && !is_line_end(text[pos]))
		pos++;
	return pos;
}

/*
 * Masks the value that starts at pos and stores where it ends in *value_end.
 * Returns true when the value had at least one base64 character.
 */
static bool mask_value(char *text, size_t pos, size_t end, size_t *value_end)
{
	bool masked = false;

	for (; pos < end && !ends_value(text[pos]); pos++) {
		if (is_base64(text[pos])) {
			text[pos] = 'X';
			masked = true;
		}
	}
	*value_end = pos;
	return masked;
}

/* Masks every inline value of text[pos..end) and returns how many it masked. */
static size_t mask_inline_values(char *text, size_t pos, size_t end)
{
	const size_t marker_len = sizeof(INLINE_PREFIX) - 1;
	size_t count = 0;

	while (pos < end) {
		if (!starts_nocase(text, pos, end, INLINE_PREFIX, marker_len)) {
			pos++;
			continue;
		}
		if (mask_value(text, pos + marker_len, end, &pos))
			count++;
	}
	return count;
}

/* Masks the line text[start..end) when it is a crypto line. */
static size_t mask_line(char *text, size_t start, size_t end)
{
	const size_t prefix_len = sizeof(CRYPTO_PREFIX) - 1;
	size_t pos = start;

	while (pos < end && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	if (!starts_nocase(text, pos, end, CRYPTO_PREFIX, prefix_len))
		return 0;
	return mask_inline_values(text, pos + prefix_len, end);
}

size_t sip_mask_sdes_keys(char *text, size_t len)
{
	size_t count = 0;
	size_t pos = 0;

	while (pos < len) {
		size_t end = find_line_end(text, pos, len);

		count += mask_line(text, pos, end);
		pos = end + 1;
	}
	return count;
}
