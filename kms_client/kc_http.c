/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t kc_http_format_request(char *buf, size_t cap, const struct kc_url *url,
			      size_t body_len)
{
	int n = snprintf(buf, cap,
			 "POST %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "Content-Type: application/mikey\r\n"
			 "Content-Length: %zu\r\n"
			 "\r\n",
			 url->path, url->host_header, body_len);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

void kc_http_parser_init(struct kc_http_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void kc_http_parser_free(struct kc_http_parser *p)
{
	free(p->body);
	p->body = NULL;
}

__attribute__((format(printf, 2, 3)))
static enum kc_http_parse_result invalid(struct kc_http_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	return KC_HTTP_INVALID;
}

/* Trims optional whitespace (spaces and tabs) from both ends. */
static void trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static bool equals_nocase(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* "HTTP/1.1 200 OK": the version decides the default of keep-alive. */
static enum kc_http_parse_result parse_status_line(struct kc_http_parser *p,
						   const char *line, size_t len)
{
	bool http11;
	if (len >= 8 && memcmp(line, "HTTP/1.1", 8) == 0)
		http11 = true;
	else if (len >= 8 && memcmp(line, "HTTP/1.0", 8) == 0)
		http11 = false;
	else
		return invalid(p, "the response does not start with HTTP/1.0 or HTTP/1.1");

	if (len < 12 || line[8] != ' ' || line[9] < '1' || line[9] > '5' ||
	    line[10] < '0' || line[10] > '9' || line[11] < '0' || line[11] > '9' ||
	    (len > 12 && line[12] != ' '))
		return invalid(p, "invalid status line in the response");
	p->status = (unsigned)((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
	p->keep_alive = http11;
	return KC_HTTP_MORE;
}

static enum kc_http_parse_result parse_content_length(struct kc_http_parser *p,
						      const char *value, size_t len,
						      bool *seen)
{
	if (len == 0 || len > 9 || strspn(value, "0123456789") < len)
		return invalid(p, "invalid Content-Length in the response");
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (size_t)(value[i] - '0');
	if (*seen && n != p->content_length)
		return invalid(p, "conflicting Content-Length fields in the response");
	if (n > KC_HTTP_MAX_BODY)
		return invalid(p, "the response body of %zu bytes exceeds the limit of %d", n, KC_HTTP_MAX_BODY);
	p->content_length = n;
	*seen = true;
	return KC_HTTP_MORE;
}

/* Reads the tokens of Connection: "close" ends the connection after this
 * response, and "keep-alive" keeps an HTTP/1.0 connection open. */
static void parse_connection(const char *value, size_t len, bool *close_token,
			     bool *keep_alive_token)
{
	while (len > 0) {
		const char *comma = memchr(value, ',', len);
		size_t token_len = comma ? (size_t)(comma - value) : len;
		const char *token = value;
		size_t trimmed = token_len;
		trim(&token, &trimmed);
		if (equals_nocase(token, trimmed, "close"))
			*close_token = true;
		else if (equals_nocase(token, trimmed, "keep-alive"))
			*keep_alive_token = true;
		if (!comma)
			break;
		value += token_len + 1;
		len -= token_len + 1;
	}
}

static void parse_content_type(struct kc_http_parser *p, const char *value, size_t len)
{
	const char *semicolon = memchr(value, ';', len);
	if (semicolon)
		len = (size_t)(semicolon - value);
	trim(&value, &len);
	p->mikey_type = equals_nocase(value, len, "application/mikey");
}

struct connection_tokens {
	bool close, keep_alive;
};

static enum kc_http_parse_result parse_field(struct kc_http_parser *p,
					     const char *line, size_t len,
					     bool *length_seen,
					     struct connection_tokens *tokens)
{
	const char *colon = memchr(line, ':', len);
	if (!colon || colon == line || colon[-1] == ' ' || colon[-1] == '\t')
		return invalid(p, "invalid header field in the response");
	size_t name_len = (size_t)(colon - line);
	const char *value = colon + 1;
	size_t value_len = len - name_len - 1;
	trim(&value, &value_len);

	if (equals_nocase(line, name_len, "Content-Length"))
		return parse_content_length(p, value, value_len, length_seen);
	if (equals_nocase(line, name_len, "Transfer-Encoding"))
		return invalid(p, "the response uses Transfer-Encoding (chunked responses are "
			       "not supported; the KMS must send Content-Length)");
	if (equals_nocase(line, name_len, "Connection"))
		parse_connection(value, value_len, &tokens->close, &tokens->keep_alive);
	else if (equals_nocase(line, name_len, "Content-Type"))
		parse_content_type(p, value, value_len);
	return KC_HTTP_MORE;
}

/* Parses the complete head in p->head (CRLF CRLF included). */
static enum kc_http_parse_result parse_head(struct kc_http_parser *p)
{
	const char *line = p->head;
	const char *end = p->head + p->head_len - 2;   /* before the final CRLF */
	bool length_seen = false;
	struct connection_tokens tokens = { false, false };
	bool first = true;

	while (line < end) {
		const char *crlf = memmem(line, (size_t)(end - line + 2), "\r\n", 2);
		size_t len = (size_t)(crlf - line);
		if (memchr(line, '\n', len) || memchr(line, '\0', len))
			return invalid(p, "stray line feed or NUL in the response head");
		enum kc_http_parse_result r;
		if (first)
			r = parse_status_line(p, line, len);
		else
			r = parse_field(p, line, len, &length_seen, &tokens);
		if (r != KC_HTTP_MORE)
			return KC_HTTP_INVALID;
		first = false;
		line = crlf + 2;
	}
	if (tokens.close)
		p->keep_alive = false;
	else if (tokens.keep_alive)
		p->keep_alive = true;

	if (p->status < 200)
		return KC_HTTP_MORE;
	/* 204 and 304 never carry a body, but every other final response of the
	 * KMS must say how long its body is. */
	if (!length_seen && p->status != 204 && p->status != 304)
		return invalid(p, "the response has no Content-Length");
	return KC_HTTP_COMPLETE;
}

/* Collects head bytes up to the empty line. Returns how many it used, and
 * sets *done once the head is complete. */
static size_t collect_head(struct kc_http_parser *p, const uint8_t *data, size_t len,
			   bool *done)
{
	size_t old_len = p->head_len;
	size_t take = KC_HTTP_MAX_HEAD - old_len;
	if (take > len)
		take = len;
	memcpy(p->head + old_len, data, take);
	p->head_len += take;

	size_t from = old_len >= 3 ? old_len - 3 : 0;
	const char *found = memmem(p->head + from, p->head_len - from, "\r\n\r\n", 4);
	*done = found != NULL;
	if (!found)
		return take;
	size_t head_end = (size_t)(found - p->head) + 4;
	p->head_len = head_end;
	return head_end - old_len;
}

static enum kc_http_parse_result start_body(struct kc_http_parser *p)
{
	p->in_body = true;
	if (p->content_length == 0)
		return KC_HTTP_COMPLETE;
	p->body = malloc(p->content_length);
	if (!p->body)
		return invalid(p, "out of memory for a response body");
	return KC_HTTP_MORE;
}

static enum kc_http_parse_result parse_head_bytes(struct kc_http_parser *p,
						  const uint8_t *data, size_t len,
						  size_t *used)
{
	bool done;
	*used = collect_head(p, data, len, &done);
	if (!done) {
		if (p->head_len == KC_HTTP_MAX_HEAD)
			return invalid(p, "the response head exceeds %d bytes", KC_HTTP_MAX_HEAD);
		return KC_HTTP_MORE;
	}

	enum kc_http_parse_result r = parse_head(p);
	if (r == KC_HTTP_INVALID)
		return r;
	if (p->status < 200) {
		/* An interim response (100 Continue): the final one follows. */
		p->head_len = 0;
		p->status = 0;
		p->content_length = 0;
		p->mikey_type = false;
		return KC_HTTP_MORE;
	}
	return start_body(p);
}

enum kc_http_parse_result kc_http_parse(struct kc_http_parser *p,
					const uint8_t *data, size_t len,
					size_t *consumed)
{
	*consumed = 0;
	while (!p->in_body && *consumed < len) {
		size_t used;
		enum kc_http_parse_result r =
			parse_head_bytes(p, data + *consumed, len - *consumed, &used);
		*consumed += used;
		if (r != KC_HTTP_MORE)
			return r;
	}
	if (!p->in_body)
		return KC_HTTP_MORE;

	size_t take = p->content_length - p->body_len;
	if (take > len - *consumed)
		take = len - *consumed;
	memcpy(p->body + p->body_len, data + *consumed, take);
	p->body_len += take;
	*consumed += take;
	return p->body_len == p->content_length ? KC_HTTP_COMPLETE : KC_HTTP_MORE;
}
