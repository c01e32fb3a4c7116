/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sip/sip_msg.h"

#include <string.h>

/* ---- character classes and slice helpers ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Linear whitespace, including the line ends inside a folded value. */
static bool is_lws(char c)
{
	return is_wsp(c) || c == '\r' || c == '\n';
}

/* RFC 3261 token characters. */
/* RFC 3261 token characters: alphanumerics and -.!%*_+`'~ */
static bool is_token_char(char c)
{
	switch (c) {
	case '-': case '.': case '!': case '%': case '*':
	case '_': case '+': case '`': case '\'': case '~':
		return true;
	default:
		return is_alpha(c) || is_digit(c);
	}
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive comparison, independent of the locale. */
static bool equal_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return false;
	return true;
}

static bool slice_is(struct sip_slice s, const char *text)
{
	return equal_nocase(s.ptr, s.len, text, strlen(text));
}

static struct sip_slice make_slice(const char *ptr, size_t len)
{
	struct sip_slice s = { ptr, len };
	return s;
}

static struct sip_slice trim_lws(struct sip_slice s)
{
	while (s.len > 0 && is_lws(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_lws(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

/* Returns the offset of the first `c` outside quoted strings, or s.len. */
static size_t find_unquoted(struct sip_slice s, char c)
{
	bool quoted = false;

	for (size_t i = 0; i < s.len; i++) {
		if (quoted && s.ptr[i] == '\\') {
			i++;
			continue;
		}
		if (s.ptr[i] == '"')
			quoted = !quoted;
		else if (!quoted && s.ptr[i] == c)
			return i;
	}
	return s.len;
}

static const char *find_bytes(const char *hay, size_t hay_len,
			      const char *needle, size_t needle_len)
{
	if (needle_len == 0 || needle_len > hay_len)
		return NULL;
	for (size_t i = 0; i + needle_len <= hay_len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, needle_len) == 0)
			return hay + i;
	return NULL;
}

/* Parses an unsigned decimal of 1 to 9 digits filling all of s. */
static bool parse_number(struct sip_slice s, uint32_t *out)
{
	uint32_t value = 0;

	if (s.len == 0 || s.len > 9)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (!is_digit(s.ptr[i]))
			return false;
		value = value * 10 + (uint32_t)(s.ptr[i] - '0');
	}
	*out = value;
	return true;
}

/* ---- header names ---- */

struct header_name {
	const char *name;
	char compact;       /* letter from RFC 3261 section 7.3.3 and later RFCs, or 0 */
	enum sip_header_id id;
	uint8_t len;        /* strlen(name), filled in below */
};

#define HEADER(text, letter, header_id) { text, letter, header_id, sizeof(text) - 1 }

static const struct header_name header_names[] = {
	HEADER("Accept-Contact", 'a', SIP_HDR_ACCEPT_CONTACT),
	HEADER("Allow-Events", 'u', SIP_HDR_ALLOW_EVENTS),
	HEADER("Call-ID", 'i', SIP_HDR_CALL_ID),
	HEADER("Contact", 'm', SIP_HDR_CONTACT),
	HEADER("Content-Encoding", 'e', SIP_HDR_CONTENT_ENCODING),
	HEADER("Content-Length", 'l', SIP_HDR_CONTENT_LENGTH),
	HEADER("Content-Type", 'c', SIP_HDR_CONTENT_TYPE),
	HEADER("CSeq", 0, SIP_HDR_CSEQ),
	HEADER("Event", 'o', SIP_HDR_EVENT),
	HEADER("From", 'f', SIP_HDR_FROM),
	HEADER("Identity", 'y', SIP_HDR_IDENTITY),
	HEADER("Max-Forwards", 0, SIP_HDR_MAX_FORWARDS),
	HEADER("P-Asserted-Identity", 0, SIP_HDR_P_ASSERTED_IDENTITY),
	HEADER("Refer-To", 'r', SIP_HDR_REFER_TO),
	HEADER("Referred-By", 'b', SIP_HDR_REFERRED_BY),
	HEADER("Reject-Contact", 'j', SIP_HDR_REJECT_CONTACT),
	HEADER("Request-Disposition", 'd', SIP_HDR_REQUEST_DISPOSITION),
	HEADER("Session-Expires", 'x', SIP_HDR_SESSION_EXPIRES),
	HEADER("Subject", 's', SIP_HDR_SUBJECT),
	HEADER("Supported", 'k', SIP_HDR_SUPPORTED),
	HEADER("To", 't', SIP_HDR_TO),
	HEADER("Via", 'v', SIP_HDR_VIA),
};

enum sip_header_id sip_header_id_of(const char *name, size_t len)
{
	size_t count = sizeof(header_names) / sizeof(header_names[0]);

	if (len == 0)
		return SIP_HDR_OTHER;

	/* Every message has a dozen header lines, so the length and first
	 * letter sort out most entries before any full comparison. */
	char first = to_lower(name[0]);
	for (size_t i = 0; i < count; i++) {
		const struct header_name *h = &header_names[i];

		if (len == 1) {
			if (h->compact != 0 && first == h->compact)
				return h->id;
			continue;
		}
		if (h->len == len && to_lower(h->name[0]) == first &&
		    equal_nocase(name, len, h->name, h->len))
			return h->id;
	}
	return SIP_HDR_OTHER;
}

const char *sip_msg_error_name(enum sip_msg_error err)
{
	switch (err) {
	case SIP_MSG_OK:
		return "ok";
	case SIP_MSG_ERR_EMPTY:
		return "empty message";
	case SIP_MSG_ERR_NO_START_LINE:
		return "missing start line end";
	case SIP_MSG_ERR_BAD_START_LINE:
		return "invalid start line";
	case SIP_MSG_ERR_BAD_HEADER_LINE:
		return "invalid header line";
	case SIP_MSG_ERR_TOO_MANY_HEADERS:
		return "too many headers";
	case SIP_MSG_ERR_BAD_CONTENT_LENGTH:
		return "invalid Content-Length";
	case SIP_MSG_ERR_NO_HEADER_END:
		return "missing blank line after headers";
	case SIP_MSG_ERR_BODY_TRUNCATED:
		return "body shorter than Content-Length";
	}
	return "unknown error";
}

/* ---- line scanning ---- */

/*
 * One physical line: [start, start + len) without its line end. next is the
 * offset after the line end, and has_end is false when the input ends first.
 */
struct line {
	const char *start;
	size_t len;
	size_t next;
	bool has_end;
	bool bare_lf;
};

static struct line read_line(const char *data, size_t len, size_t pos)
{
	struct line l = { data + pos, 0, len, false, false };
	const char *lf = memchr(data + pos, '\n', len - pos);

	if (lf == NULL) {
		l.len = len - pos;
		return l;
	}
	l.len = (size_t)(lf - (data + pos));
	l.next = (size_t)(lf - data) + 1;
	l.has_end = true;
	if (l.len > 0 && l.start[l.len - 1] == '\r')
		l.len--;
	else
		l.bare_lf = true;
	return l;
}

/* ---- start line ---- */

/* SIP-Version: "SIP/" 1*DIGIT "." 1*DIGIT, name in any case. */
static bool is_sip_version(struct sip_slice s)
{
	size_t i = 4;
	size_t digits = 0;

	if (s.len < 7 || !equal_nocase(s.ptr, 4, "SIP/", 4))
		return false;
	for (; i < s.len && is_digit(s.ptr[i]); i++)
		digits++;
	if (digits == 0 || i >= s.len || s.ptr[i] != '.')
		return false;
	i++;
	if (i >= s.len)
		return false;
	for (; i < s.len; i++)
		if (!is_digit(s.ptr[i]))
			return false;
	return true;
}

/* Splits the next SP-separated word off *rest. */
static struct sip_slice next_word(struct sip_slice *rest)
{
	size_t i = 0;
	struct sip_slice word;

	while (i < rest->len && rest->ptr[i] != ' ')
		i++;
	word = make_slice(rest->ptr, i);
	if (i < rest->len)
		i++;
	rest->ptr += i;
	rest->len -= i;
	return word;
}

static bool parse_status_line(struct sip_slice line, struct sip_msg *msg)
{
	struct sip_slice rest = line;
	struct sip_slice code;
	uint32_t value;

	msg->version = next_word(&rest);
	code = next_word(&rest);
	if (code.len != 3 || !parse_number(code, &value) || value < 100)
		return false;
	msg->is_request = false;
	msg->status_code = value;
	msg->reason = rest;
	return true;
}

static bool parse_request_line(struct sip_slice line, struct sip_msg *msg)
{
	struct sip_slice rest = line;

	msg->method = next_word(&rest);
	msg->request_uri = next_word(&rest);
	msg->version = rest;
	if (msg->method.len == 0 || msg->request_uri.len == 0 ||
	    !is_sip_version(msg->version))
		return false;
	for (size_t i = 0; i < msg->method.len; i++)
		if (!is_token_char(msg->method.ptr[i]))
			return false;
	msg->is_request = true;
	return true;
}

static bool parse_start_line(struct sip_slice line, struct sip_msg *msg)
{
	struct sip_slice first = line;

	if (is_sip_version(next_word(&first)))
		return parse_status_line(line, msg);
	return parse_request_line(line, msg);
}

/* ---- header fields ---- */

static bool add_header(struct sip_msg *msg, struct line l)
{
	size_t name_len = 0;
	size_t i;
	struct sip_header *h;

	while (name_len < l.len && is_token_char(l.start[name_len]))
		name_len++;
	i = name_len;
	while (i < l.len && is_wsp(l.start[i]))
		i++;
	if (name_len == 0 || i >= l.len || l.start[i] != ':')
		return false;

	h = &msg->headers[msg->header_count++];
	h->name = make_slice(l.start, name_len);
	h->id = sip_header_id_of(l.start, name_len);
	h->value = trim_lws(make_slice(l.start + i + 1, l.len - i - 1));
	if (h->value.len == 0)
		h->value.ptr = l.start + l.len;
	h->folded = false;
	return true;
}

/* Extends the previous header's value over a continuation line. */
static void extend_header(struct sip_header *h, struct line l)
{
	struct sip_slice more = trim_lws(make_slice(l.start, l.len));

	if (more.len == 0)
		return;
	if (h->value.len == 0)
		h->value = more;
	else
		h->value.len = (size_t)(more.ptr + more.len - h->value.ptr);
	h->folded = true;
}

/*
 * Reads header lines from *pos up to and including the blank line. Returns
 * SIP_MSG_ERR_NO_HEADER_END when the input ends first.
 */
static enum sip_msg_error parse_headers(const char *data, size_t len,
					size_t *pos, struct sip_msg *msg)
{
	while (*pos < len) {
		struct line l = read_line(data, len, *pos);

		*pos = l.next;
		msg->bare_lf |= l.bare_lf;
		if (l.len == 0 && l.has_end)
			return SIP_MSG_OK;
		if (l.len == 0)
			break;
		if (is_wsp(l.start[0])) {
			if (msg->header_count == 0)
				return SIP_MSG_ERR_BAD_HEADER_LINE;
			extend_header(&msg->headers[msg->header_count - 1], l);
			continue;
		}
		if (msg->header_count == SIP_MSG_MAX_HEADERS)
			return SIP_MSG_ERR_TOO_MANY_HEADERS;
		if (!add_header(msg, l))
			return SIP_MSG_ERR_BAD_HEADER_LINE;
	}
	return SIP_MSG_ERR_NO_HEADER_END;
}

/* Every Content-Length must be a number, and repeats must agree. */
static enum sip_msg_error read_content_length(struct sip_msg *msg)
{
	const struct sip_header *h = NULL;

	while ((h = sip_msg_find(msg, SIP_HDR_CONTENT_LENGTH, h)) != NULL) {
		uint32_t value;

		if (!parse_number(h->value, &value))
			return SIP_MSG_ERR_BAD_CONTENT_LENGTH;
		if (msg->has_content_length && msg->content_length != value)
			return SIP_MSG_ERR_BAD_CONTENT_LENGTH;
		msg->has_content_length = true;
		msg->content_length = value;
	}
	return SIP_MSG_OK;
}

static enum sip_msg_error take_body(const char *data, size_t len, size_t pos,
				    struct sip_msg *msg)
{
	size_t available = len - pos;
	enum sip_msg_error err = read_content_length(msg);

	if (err != SIP_MSG_OK)
		return err;
	if (!msg->has_content_length) {
		msg->body = make_slice(data + pos, available);
		msg->length = len;
		return SIP_MSG_OK;
	}
	if (available < msg->content_length) {
		msg->body = make_slice(data + pos, available);
		msg->body_truncated = true;
		msg->length = len;
		return SIP_MSG_ERR_BODY_TRUNCATED;
	}
	msg->body = make_slice(data + pos, msg->content_length);
	msg->length = pos + msg->content_length;
	return SIP_MSG_OK;
}

enum sip_msg_error sip_msg_parse(const char *data, size_t len,
				 struct sip_msg *msg)
{
	size_t pos = 0;
	struct line start;
	enum sip_msg_error err;

	memset(msg, 0, sizeof(*msg));
	while (pos < len && (data[pos] == '\r' || data[pos] == '\n'))
		pos++;
	if (pos == len)
		return SIP_MSG_ERR_EMPTY;

	start = read_line(data, len, pos);
	if (!start.has_end)
		return SIP_MSG_ERR_NO_START_LINE;
	msg->bare_lf = start.bare_lf;
	if (!parse_start_line(make_slice(start.start, start.len), msg))
		return SIP_MSG_ERR_BAD_START_LINE;
	pos = start.next;

	err = parse_headers(data, len, &pos, msg);
	if (err == SIP_MSG_ERR_NO_HEADER_END) {
		enum sip_msg_error cl_err = read_content_length(msg);

		msg->body = make_slice(data + len, 0);
		msg->length = len;
		return cl_err != SIP_MSG_OK ? cl_err : err;
	}
	if (err != SIP_MSG_OK)
		return err;
	return take_body(data, len, pos, msg);
}

/* ---- header lookup and accessors ---- */

const struct sip_header *sip_msg_find(const struct sip_msg *msg,
				      enum sip_header_id id,
				      const struct sip_header *after)
{
	size_t i = after == NULL ? 0 : (size_t)(after - msg->headers) + 1;

	for (; i < msg->header_count; i++)
		if (msg->headers[i].id == id)
			return &msg->headers[i];
	return NULL;
}

const struct sip_header *sip_msg_find_name(const struct sip_msg *msg,
					   const char *name)
{
	enum sip_header_id id = sip_header_id_of(name, strlen(name));

	for (size_t i = 0; i < msg->header_count; i++) {
		const struct sip_header *h = &msg->headers[i];

		if (id != SIP_HDR_OTHER ? h->id == id : slice_is(h->name, name))
			return h;
	}
	return NULL;
}

size_t sip_header_unfold(struct sip_slice value, char *buf, size_t cap)
{
	size_t out = 0;

	for (size_t i = 0; i < value.len; i++) {
		char c = value.ptr[i];

		if (c == '\r' || c == '\n') {
			while (i + 1 < value.len && is_lws(value.ptr[i + 1]))
				i++;
			c = ' ';
		}
		if (out < cap)
			buf[out] = c;
		out++;
	}
	return out;
}

static bool first_value(const struct sip_msg *msg, enum sip_header_id id,
			struct sip_slice *value)
{
	const struct sip_header *h = sip_msg_find(msg, id, NULL);

	if (h == NULL)
		return false;
	*value = h->value;
	return true;
}

bool sip_msg_call_id(const struct sip_msg *msg, struct sip_slice *call_id)
{
	return first_value(msg, SIP_HDR_CALL_ID, call_id);
}

bool sip_msg_content_type(const struct sip_msg *msg, struct sip_slice *type)
{
	return first_value(msg, SIP_HDR_CONTENT_TYPE, type);
}

static bool first_name_addr(const struct sip_msg *msg, enum sip_header_id id,
			    struct sip_name_addr *out)
{
	struct sip_slice value;

	return first_value(msg, id, &value) &&
	       sip_name_addr_parse(value, out, NULL);
}

bool sip_msg_from(const struct sip_msg *msg, struct sip_name_addr *from)
{
	return first_name_addr(msg, SIP_HDR_FROM, from);
}

bool sip_msg_to(const struct sip_msg *msg, struct sip_name_addr *to)
{
	return first_name_addr(msg, SIP_HDR_TO, to);
}

bool sip_msg_contact(const struct sip_msg *msg, struct sip_name_addr *contact)
{
	return first_name_addr(msg, SIP_HDR_CONTACT, contact);
}

bool sip_msg_top_via(const struct sip_msg *msg, struct sip_slice *via)
{
	struct sip_slice value;

	if (!first_value(msg, SIP_HDR_VIA, &value))
		return false;
	value.len = find_unquoted(value, ',');
	*via = trim_lws(value);
	return via->len > 0;
}

bool sip_msg_cseq(const struct sip_msg *msg, uint32_t *number,
		  struct sip_slice *method)
{
	struct sip_slice value;
	size_t i = 0;

	if (!first_value(msg, SIP_HDR_CSEQ, &value))
		return false;
	while (i < value.len && is_digit(value.ptr[i]))
		i++;
	/* RFC 3261 section 8.1.1.5 limits the number to below 2^31. */
	if (i == 0 || i > 10 || i == value.len || !is_lws(value.ptr[i]))
		return false;
	uint64_t n = 0;
	for (size_t k = 0; k < i; k++)
		n = n * 10 + (uint64_t)(value.ptr[k] - '0');
	if (n > 0x7fffffffu)
		return false;
	*method = trim_lws(make_slice(value.ptr + i, value.len - i));
	if (method->len == 0)
		return false;
	*number = (uint32_t)n;
	return true;
}

bool sip_msg_max_forwards(const struct sip_msg *msg, unsigned *hops)
{
	struct sip_slice value;
	uint32_t n;

	if (!first_value(msg, SIP_HDR_MAX_FORWARDS, &value) ||
	    !parse_number(value, &n) || n > 255)
		return false;
	*hops = n;
	return true;
}

/* ---- parameters ---- */

/*
 * Finds name in a ';'-separated generic-param list and stores its trimmed
 * value, which is empty for a parameter without '='.
 */
static bool find_param(struct sip_slice params, const char *name,
		       struct sip_slice *value)
{
	struct sip_slice rest = params;

	while (rest.len > 0) {
		size_t end = find_unquoted(rest, ';');
		struct sip_slice param = make_slice(rest.ptr, end);
		size_t eq = find_unquoted(param, '=');
		struct sip_slice key = trim_lws(make_slice(param.ptr, eq));

		if (slice_is(key, name)) {
			if (eq < param.len)
				*value = trim_lws(make_slice(param.ptr + eq + 1,
							     param.len - eq - 1));
			else
				*value = make_slice(param.ptr + param.len, 0);
			return true;
		}
		if (end == rest.len)
			break;
		rest = make_slice(rest.ptr + end + 1, rest.len - end - 1);
	}
	return false;
}

/* ---- name-addr and addr-spec (RFC 3261 section 20.10) ---- */

/* Returns the offset just past a quoted-string starting at s.ptr[i]. */
static size_t skip_quoted(struct sip_slice s, size_t i)
{
	for (i++; i < s.len; i++) {
		if (s.ptr[i] == '\\')
			i++;
		else if (s.ptr[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Parses [display-name] "<" URI ">" starting at offset i. Returns the
 * offset after '>', or 0 when it is malformed. */
static size_t parse_name_addr(struct sip_slice s, size_t i,
			      struct sip_name_addr *out)
{
	size_t open;
	const char *close;

	if (s.ptr[i] == '"') {
		size_t end = skip_quoted(s, i);

		if (end == 0)
			return 0;
		out->display_name = make_slice(s.ptr + i + 1, end - i - 2);
		i = end;
		while (i < s.len && is_lws(s.ptr[i]))
			i++;
		if (i >= s.len || s.ptr[i] != '<')
			return 0;
		open = i;
	} else {
		open = i + find_unquoted(make_slice(s.ptr + i, s.len - i), '<');
		out->display_name = trim_lws(make_slice(s.ptr + i, open - i));
	}
	close = memchr(s.ptr + open, '>', s.len - open);
	if (close == NULL)
		return 0;
	out->uri = trim_lws(make_slice(s.ptr + open + 1,
				       (size_t)(close - s.ptr) - open - 1));
	return (size_t)(close - s.ptr) + 1;
}

/* In addr-spec form the URI ends at the first ';', ',' or whitespace, so
 * what follows ';' is a header parameter, never a URI parameter. */
static size_t parse_addr_spec(struct sip_slice s, size_t i,
			      struct sip_name_addr *out)
{
	size_t end = i;

	while (end < s.len && s.ptr[end] != ';' && s.ptr[end] != ',' &&
	       !is_lws(s.ptr[end]))
		end++;
	out->uri = make_slice(s.ptr + i, end - i);
	return end;
}

/* A display name or '<' before the next top-level comma means name-addr. */
static bool is_name_addr(struct sip_slice s, size_t i)
{
	struct sip_slice tail = make_slice(s.ptr + i, s.len - i);

	return s.ptr[i] == '"' ||
	       find_unquoted(tail, '<') < find_unquoted(tail, ',');
}

bool sip_name_addr_parse(struct sip_slice value, struct sip_name_addr *out,
			 struct sip_slice *rest)
{
	struct sip_slice s = value;
	size_t i = 0;
	size_t comma;

	memset(out, 0, sizeof(*out));
	while (i < s.len && is_lws(s.ptr[i]))
		i++;
	if (i >= s.len)
		return false;
	i = is_name_addr(s, i) ? parse_name_addr(s, i, out)
			       : parse_addr_spec(s, i, out);
	if (i == 0 || out->uri.len == 0)
		return false;

	struct sip_slice tail = make_slice(s.ptr + i, s.len - i);
	comma = find_unquoted(tail, ',');
	struct sip_slice between = trim_lws(make_slice(tail.ptr, comma));
	if (between.len > 0) {
		if (between.ptr[0] != ';')
			return false;
		out->params = make_slice(between.ptr + 1, between.len - 1);
		find_param(out->params, "tag", &out->tag);
	}
	if (rest != NULL)
		*rest = comma < tail.len
			? trim_lws(make_slice(tail.ptr + comma + 1,
					      tail.len - comma - 1))
			: make_slice(tail.ptr + tail.len, 0);
	return true;
}

/* ---- URIs ---- */

static bool parse_port(struct sip_slice s, struct sip_uri *uri)
{
	uint32_t port;

	if (!parse_number(s, &port) || port > 65535)
		return false;
	uri->has_port = true;
	uri->port = (uint16_t)port;
	return true;
}

/* hostport: host [":" port], where host may be an IPv6 reference. */
static bool parse_hostport(struct sip_slice s, struct sip_uri *uri)
{
	size_t end = 0;

	if (s.len > 0 && s.ptr[0] == '[') {
		const char *close = memchr(s.ptr, ']', s.len);

		if (close == NULL)
			return false;
		end = (size_t)(close - s.ptr) + 1;
	} else {
		while (end < s.len && s.ptr[end] != ':')
			end++;
	}
	uri->host = make_slice(s.ptr, end);
	if (end == 0)
		return false;
	if (end == s.len)
		return true;
	if (s.ptr[end] != ':')
		return false;
	return parse_port(make_slice(s.ptr + end + 1, s.len - end - 1), uri);
}

/* sip:/sips: [user [":" password] "@"] hostport *(";" param) ["?" headers] */
static bool parse_sip_uri(struct sip_slice s, struct sip_uri *uri)
{
	const char *question = memchr(s.ptr, '?', s.len);
	const char *at;
	size_t semi;

	if (question != NULL) {
		uri->headers = make_slice(question + 1,
					  s.len - (size_t)(question - s.ptr) - 1);
		s.len = (size_t)(question - s.ptr);
	}
	/* The user part may contain ';' but never a raw '@'. */
	at = memchr(s.ptr, '@', s.len);
	if (at != NULL) {
		struct sip_slice userinfo = make_slice(s.ptr, (size_t)(at - s.ptr));
		const char *colon = memchr(userinfo.ptr, ':', userinfo.len);

		uri->user = userinfo;
		if (colon != NULL) {
			uri->user.len = (size_t)(colon - userinfo.ptr);
			uri->password = make_slice(colon + 1, userinfo.len -
						   uri->user.len - 1);
		}
		if (uri->user.len == 0)
			return false;
		s = make_slice(at + 1, s.len - (size_t)(at - s.ptr) - 1);
	}
	semi = find_unquoted(s, ';');
	if (semi < s.len)
		uri->params = make_slice(s.ptr + semi + 1, s.len - semi - 1);
	return parse_hostport(make_slice(s.ptr, semi), uri);
}

bool sip_uri_parse(struct sip_slice text, struct sip_uri *uri)
{
	struct sip_slice s = trim_lws(text);
	const char *colon;
	struct sip_slice rest;

	memset(uri, 0, sizeof(*uri));
	colon = s.len > 0 ? memchr(s.ptr, ':', s.len) : NULL;
	if (colon == NULL || colon == s.ptr || !is_alpha(s.ptr[0]))
		return false;
	uri->scheme_name = make_slice(s.ptr, (size_t)(colon - s.ptr));
	rest = make_slice(colon + 1, s.len - uri->scheme_name.len - 1);

	if (slice_is(uri->scheme_name, "sip"))
		uri->scheme = SIP_URI_SIP;
	else if (slice_is(uri->scheme_name, "sips"))
		uri->scheme = SIP_URI_SIPS;
	else if (slice_is(uri->scheme_name, "tel"))
		uri->scheme = SIP_URI_TEL;
	else
		uri->scheme = SIP_URI_OTHER;

	if (uri->scheme == SIP_URI_OTHER)
		return true;
	if (uri->scheme != SIP_URI_TEL)
		return parse_sip_uri(rest, uri);

	/* tel: telephone-subscriber *(";" parameter), RFC 3966 section 3 */
	size_t semi = find_unquoted(rest, ';');
	uri->user = make_slice(rest.ptr, semi);
	if (semi < rest.len)
		uri->params = make_slice(rest.ptr + semi + 1, rest.len - semi - 1);
	return uri->user.len > 0;
}

bool sip_uri_param(const struct sip_uri *uri, const char *name,
		   struct sip_slice *value)
{
	return find_param(uri->params, name, value);
}

/* ---- target comparison ---- */

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	c = to_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Returns the next byte of s at *i with %HH decoded, or -1 at the end. For
 * telephone numbers it skips the RFC 3966 visual separators and folds case.
 */
static int next_uri_char(struct sip_slice s, size_t *i, bool phone)
{
	while (*i < s.len) {
		char c = s.ptr[(*i)++];

		if (c == '%' && *i + 1 < s.len && hex_value(s.ptr[*i]) >= 0 &&
		    hex_value(s.ptr[*i + 1]) >= 0) {
			c = (char)(hex_value(s.ptr[*i]) * 16 + hex_value(s.ptr[*i + 1]));
			*i += 2;
		}
		if (!phone)
			return (unsigned char)c;
		if (c == '-' || c == '.' || c == '(' || c == ')')
			continue;
		return (unsigned char)to_lower(c);
	}
	return -1;
}

static bool equal_decoded(struct sip_slice a, struct sip_slice b, bool phone)
{
	size_t i = 0;
	size_t j = 0;

	for (;;) {
		int ca = next_uri_char(a, &i, phone);
		int cb = next_uri_char(b, &j, phone);

		if (ca != cb)
			return false;
		if (ca < 0)
			return true;
	}
}

/* A global number: tel:+... or sip:+...@host;user=phone. */
static bool global_number(const struct sip_uri *uri, struct sip_slice *number)
{
	struct sip_slice user_param;

	if (uri->user.len == 0 || uri->user.ptr[0] != '+')
		return false;
	*number = uri->user;
	if (uri->scheme == SIP_URI_TEL)
		return true;
	if (!sip_uri_param(uri, "user", &user_param) ||
	    !slice_is(user_param, "phone"))
		return false;
	/* The user part may carry telephone-subscriber parameters. */
	number->len = find_unquoted(*number, ';');
	return true;
}

/*
 * RFC 3966 section 4 compares a phone-context of global-number-digits
 * ("+1-212") digit by digit without visual separators, and a domain name
 * without regard to case.
 */
static bool equal_phone_context(struct sip_slice a, struct sip_slice b)
{
	if (a.len > 0 && b.len > 0 && a.ptr[0] == '+' && b.ptr[0] == '+')
		return equal_decoded(a, b, true);
	return equal_nocase(a.ptr, a.len, b.ptr, b.len);
}

static bool match_local_tel(const struct sip_uri *a, const struct sip_uri *b)
{
	struct sip_slice ctx_a;
	struct sip_slice ctx_b;

	if (a->scheme != SIP_URI_TEL || b->scheme != SIP_URI_TEL)
		return false;
	if (!sip_uri_param(a, "phone-context", &ctx_a) ||
	    !sip_uri_param(b, "phone-context", &ctx_b))
		return false;
	return equal_decoded(a->user, b->user, true) &&
	       equal_phone_context(ctx_a, ctx_b);
}

bool sip_uri_match_target(const struct sip_uri *a, const struct sip_uri *b)
{
	struct sip_slice number_a;
	struct sip_slice number_b;
	bool global_a;
	bool global_b;

	if (a == NULL || b == NULL ||
	    a->scheme == SIP_URI_OTHER || b->scheme == SIP_URI_OTHER)
		return false;
	global_a = global_number(a, &number_a);
	global_b = global_number(b, &number_b);
	if (global_a || global_b)
		return global_a && global_b &&
		       equal_decoded(number_a, number_b, true);
	if (a->scheme == SIP_URI_TEL || b->scheme == SIP_URI_TEL)
		return match_local_tel(a, b);
	return equal_decoded(a->user, b->user, false) &&
	       equal_nocase(a->host.ptr, a->host.len, b->host.ptr, b->host.len);
}

/* ---- bodies (RFC 2046 section 5.1) ---- */

bool sip_media_type_is(struct sip_slice content_type, const char *type)
{
	struct sip_slice media = content_type;

	media.len = find_unquoted(media, ';');
	return slice_is(trim_lws(media), type);
}

bool sip_content_type_boundary(struct sip_slice content_type,
			       struct sip_slice *boundary)
{
	size_t semi = find_unquoted(content_type, ';');
	struct sip_slice params;
	struct sip_slice value;

	if (semi == content_type.len)
		return false;
	params = make_slice(content_type.ptr + semi + 1,
			    content_type.len - semi - 1);
	if (!find_param(params, "boundary", &value))
		return false;
	if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"')
		value = make_slice(value.ptr + 1, value.len - 2);
	*boundary = value;
	return value.len > 0;
}

/* Returns the offset of the next "--boundary" at a line start, or len. */
static size_t find_delimiter(struct sip_slice body, size_t from,
			     struct sip_slice boundary)
{
	size_t i = from;

	while (i < body.len) {
		const char *hit = find_bytes(body.ptr + i, body.len - i,
					     boundary.ptr, boundary.len);
		size_t k;

		if (hit == NULL)
			break;
		k = (size_t)(hit - body.ptr);
		if (k >= from + 2 && hit[-1] == '-' && hit[-2] == '-' &&
		    (k == 2 || hit[-3] == '\n'))
			return k - 2;
		i = k + 1;
	}
	return body.len;
}

/* Splits a part into its header block and content at the blank line. */
static void parse_part(const char *data, size_t len, struct sip_body_part *part)
{
	size_t pos = 0;
	bool in_type = false;

	memset(part, 0, sizeof(*part));
	part->headers = make_slice(data, 0);
	part->body = make_slice(data + len, 0);
	while (pos < len) {
		struct line l = read_line(data, len, pos);

		pos = l.next;
		if (l.len == 0 && l.has_end) {
			part->body = make_slice(data + pos, len - pos);
			return;
		}
		part->headers.len = pos;
		if (l.len > 0 && is_wsp(l.start[0])) {
			if (in_type)
				part->content_type.len = (size_t)(l.start + l.len -
								 part->content_type.ptr);
			continue;
		}
		const char *colon = memchr(l.start, ':', l.len);

		in_type = colon != NULL &&
			  sip_header_id_of(l.start, (size_t)(colon - l.start)) ==
				  SIP_HDR_CONTENT_TYPE;
		if (in_type)
			part->content_type = trim_lws(make_slice(colon + 1,
				l.len - (size_t)(colon - l.start) - 1));
	}
}

struct part_cursor {
	struct sip_slice body;
	struct sip_slice boundary;
	size_t pos;    /* offset of the current delimiter, or body.len */
};

static void cursor_init(struct part_cursor *c, struct sip_slice body,
			struct sip_slice boundary)
{
	c->body = body;
	c->boundary = boundary;
	c->pos = boundary.len == 0 ? body.len : find_delimiter(body, 0, boundary);
}

static bool cursor_next(struct part_cursor *c, struct sip_body_part *part)
{
	const char *b = c->body.ptr;
	size_t len = c->body.len;
	size_t after = c->pos + 2 + c->boundary.len;
	const char *lf;
	size_t start, next, end;

	if (c->pos >= len)
		return false;
	if (after + 2 <= len && b[after] == '-' && b[after + 1] == '-') {
		c->pos = len;   /* close-delimiter */
		return false;
	}
	lf = memchr(b + after, '\n', len - after);
	if (lf == NULL) {
		c->pos = len;
		return false;
	}
	start = (size_t)(lf - b) + 1;
	next = find_delimiter(c->body, start, c->boundary);
	/* The line end before a delimiter belongs to the delimiter. */
	end = next;
	if (next < len && end > start && b[end - 1] == '\n')
		end--;
	if (next < len && end > start && b[end - 1] == '\r')
		end--;
	parse_part(b + start, end - start, part);
	part->truncated = next >= len;
	c->pos = next;
	return true;
}

size_t sip_multipart_split(struct sip_slice body, struct sip_slice boundary,
			   struct sip_body_part *parts, size_t max_parts)
{
	struct part_cursor cursor;
	struct sip_body_part part;
	size_t count = 0;

	cursor_init(&cursor, body, boundary);
	while (cursor_next(&cursor, &part)) {
		if (count < max_parts)
			parts[count] = part;
		count++;
	}
	return count;
}

size_t sip_msg_find_sdp(const struct sip_msg *msg,
			struct sip_body_part *parts, size_t max_parts)
{
	struct sip_slice type;
	struct sip_slice boundary;
	struct part_cursor cursor;
	struct sip_body_part part;
	size_t count = 0;

	if (!sip_msg_content_type(msg, &type))
		return 0;
	if (sip_media_type_is(type, "application/sdp")) {
		if (max_parts > 0) {
			memset(&parts[0], 0, sizeof(parts[0]));
			parts[0].content_type = type;
			parts[0].body = msg->body;
			parts[0].truncated = msg->body_truncated;
		}
		return 1;
	}
	/* Nested multipart parts are not searched. */
	if (!equal_nocase(type.ptr, type.len < 10 ? type.len : 10, "multipart/", 10) ||
	    !sip_content_type_boundary(type, &boundary))
		return 0;
	cursor_init(&cursor, msg->body, boundary);
	while (cursor_next(&cursor, &part)) {
		if (!sip_media_type_is(part.content_type, "application/sdp"))
			continue;
		if (count < max_parts)
			parts[count] = part;
		count++;
	}
	return count;
}
