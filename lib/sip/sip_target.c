/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Canonical target keys. Each rule here mirrors one rule of
 * sip_uri_match_target() in sip_msg.c, and tests/unit/test_sip_target.c
 * checks the two against each other pair by pair, so a change to either
 * file needs the same change in the other.
 */

#include "lib/sip/sip_target.h"

#include <stdbool.h>
#include <string.h>

/* Output that counts every byte but stores only the first cap. */
struct key_writer {
	char *out;
	size_t cap;
	size_t len;
};

static void put_byte(struct key_writer *w, char c)
{
	if (w->len < w->cap)
		w->out[w->len] = c;
	w->len++;
}

static void put_text(struct key_writer *w, const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		put_byte(w, *p);
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void put_lower(struct key_writer *w, struct sip_slice s)
{
	for (size_t i = 0; i < s.len; i++)
		put_byte(w, to_lower(s.ptr[i]));
}

/* '%' starts an escape, ';' ends a number and '@' ends a user part. */
static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == ';' || c == '@';
}

static void put_escaped(struct key_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!needs_escape(c)) {
		put_byte(w, (char)c);
		return;
	}
	put_byte(w, '%');
	put_byte(w, hex[c >> 4]);
	put_byte(w, hex[c & 0x0f]);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = to_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_visual_separator(char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/*
 * Returns the next byte of s at *i with %HH decoded, or -1 at the end. A
 * '%' without two hex digits stays a literal '%'. For telephone numbers
 * the visual separators of RFC 3966 are skipped, even when escaped, and
 * letters are folded to lower case.
 */
static int next_char(struct sip_slice s, size_t *i, bool phone)
{
	while (*i < s.len) {
		char c = s.ptr[(*i)++];

		if (c == '%' && *i + 1 < s.len && hex_value(s.ptr[*i]) >= 0 &&
		    hex_value(s.ptr[*i + 1]) >= 0) {
			c = (char)(hex_value(s.ptr[*i]) * 16 +
				   hex_value(s.ptr[*i + 1]));
			*i += 2;
		}
		if (!phone)
			return (unsigned char)c;
		if (is_visual_separator(c))
			continue;
		return (unsigned char)to_lower(c);
	}
	return -1;
}

static void put_decoded(struct key_writer *w, struct sip_slice s, bool phone)
{
	size_t i = 0;
	int c;

	while ((c = next_char(s, &i, phone)) >= 0)
		put_escaped(w, (unsigned char)c);
}

static bool equal_nocase(struct sip_slice s, const char *text)
{
	size_t len = strlen(text);

	if (s.len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (to_lower(s.ptr[i]) != to_lower(text[i]))
			return false;
	return true;
}

/* Offset of the first ';' outside a quoted string, or s.len. */
static size_t find_unquoted_semicolon(struct sip_slice s)
{
	bool quoted = false;

	for (size_t i = 0; i < s.len; i++) {
		if (quoted && s.ptr[i] == '\\') {
			i++;
			continue;
		}
		if (s.ptr[i] == '"')
			quoted = !quoted;
		else if (!quoted && s.ptr[i] == ';')
			return i;
	}
	return s.len;
}

/*
 * Finds a global number: the user of tel:+... or of sip:+...;user=phone.
 * In a sip: user part the number ends at the first ';', where its
 * telephone-subscriber parameters start.
 */
static bool find_global_number(const struct sip_uri *uri,
			       struct sip_slice *number)
{
	struct sip_slice user_param;

	if (uri->user.len == 0 || uri->user.ptr[0] != '+')
		return false;
	*number = uri->user;
	if (uri->scheme == SIP_URI_TEL)
		return true;
	if (!sip_uri_param(uri, "user", &user_param) ||
	    !equal_nocase(user_param, "phone"))
		return false;
	number->len = find_unquoted_semicolon(*number);
	return true;
}

/*
 * A phone-context of global-number-digits ("+1-212") compares digit by
 * digit, a domain name without regard to case.
 */
static void put_phone_context(struct key_writer *w, struct sip_slice context)
{
	if (context.len > 0 && context.ptr[0] == '+')
		put_decoded(w, context, true);
	else
		put_lower(w, context);
}

/* Returns false for a local number without phone-context. */
static bool put_local_number_key(struct key_writer *w,
				 const struct sip_uri *uri)
{
	struct sip_slice context;

	if (!sip_uri_param(uri, "phone-context", &context))
		return false;
	put_text(w, "tel:");
	put_decoded(w, uri->user, true);
	put_byte(w, ';');
	put_phone_context(w, context);
	return true;
}

static void put_global_number_key(struct key_writer *w,
				  struct sip_slice number)
{
	put_text(w, "tel:");
	put_decoded(w, number, true);
}

/*
 * A user part gives at least one byte, so "sip:@host" is the key of a URI
 * without one and no other URI's key.
 */
static void put_sip_key(struct key_writer *w, const struct sip_uri *uri)
{
	put_text(w, "sip:");
	put_decoded(w, uri->user, false);
	put_byte(w, '@');
	put_lower(w, uri->host);
}

size_t sip_target_key(const struct sip_uri *uri, char *out, size_t cap)
{
	struct key_writer w = { out, cap, 0 };
	struct sip_slice number;

	if (uri == NULL || uri->scheme == SIP_URI_OTHER)
		return 0;
	if (uri->scheme != SIP_URI_TEL && uri->host.len == 0)
		return 0;

	if (find_global_number(uri, &number))
		put_global_number_key(&w, number);
	else if (uri->scheme == SIP_URI_TEL) {
		if (!put_local_number_key(&w, uri))
			return 0;
	} else {
		put_sip_key(&w, uri);
	}
	return w.len;
}

size_t sip_target_key_text(const char *text, size_t len, char *out,
			   size_t cap)
{
	struct sip_slice slice = { text, len };
	struct sip_uri uri;

	if (text == NULL || !sip_uri_parse(slice, &uri))
		return 0;
	return sip_target_key(&uri, out, cap);
}
