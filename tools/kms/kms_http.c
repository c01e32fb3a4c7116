/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Maximum method length accepted; every registered method is shorter. */
#define METHOD_MAX 32

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool kms_http_text_equal_nocase(struct kms_http_text t, const char *s)
{
	size_t n = strlen(s);

	if (t.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower(t.p[i]) != lower(s[i]))
			return false;
	}
	return true;
}

static struct kms_http_text trim(struct kms_http_text t)
{
	while (t.len > 0 && (t.p[0] == ' ' || t.p[0] == '\t')) {
		t.p++;
		t.len--;
	}
	while (t.len > 0 && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t'))
		t.len--;
	return t;
}

bool kms_http_media_type_is(struct kms_http_text value, const char *type)
{
	const char *semi = memchr(value.p, ';', value.len);

	if (semi != NULL)
		value.len = (size_t)(semi - value.p);
	return kms_http_text_equal_nocase(trim(value), type);
}

struct kms_http_text kms_http_target_path(struct kms_http_text target)
{
	struct kms_http_text path = target;
	const char *q;

	if (path.len > 3 && path.p[0] != '/') {
		const char *scheme_end = memchr(path.p, ':', path.len);

		/* Absolute form: skip "scheme://authority". */
		if (scheme_end != NULL &&
		    (size_t)(scheme_end - path.p) + 3 <= path.len &&
		    scheme_end[1] == '/' && scheme_end[2] == '/') {
			const char *host = scheme_end + 3;
			size_t left = path.len - (size_t)(host - path.p);
			const char *slash = memchr(host, '/', left);

			path.p = slash != NULL ? slash : host + left;
			path.len = slash != NULL ? left - (size_t)(slash - host) : 0;
		}
	}
	q = memchr(path.p, '?', path.len);
	if (q != NULL)
		path.len = (size_t)(q - path.p);
	return path;
}

/* Returns the offset just after the empty line that ends the head, or 0. */
static size_t find_head_end(const uint8_t *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t line_len;

		if (nl == NULL)
			return 0;
		line_len = (size_t)(nl - (buf + pos));
		if (line_len > 0 && buf[pos + line_len - 1] == '\r')
			line_len--;
		if (line_len == 0 && pos > 0)
			return (size_t)(nl - buf) + 1;
		pos = (size_t)(nl - buf) + 1;
	}
	return 0;
}

/* Splits off the next line of the head, without its CRLF or LF. */
static struct kms_http_text next_line(const uint8_t *buf, size_t end,
				      size_t *pos)
{
	const uint8_t *nl = memchr(buf + *pos, '\n', end - *pos);
	struct kms_http_text line = { (const char *)buf + *pos, 0 };

	line.len = (size_t)(nl - (buf + *pos));
	*pos += line.len + 1;
	if (line.len > 0 && line.p[line.len - 1] == '\r')
		line.len--;
	return line;
}

static bool has_ctl(struct kms_http_text t)
{
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static enum kms_http_parse_result invalid(int *status, const char **reason,
					  int code, const char *why)
{
	*status = code;
	*reason = why;
	return KMS_HTTP_INVALID;
}

static enum kms_http_parse_result parse_request_line(struct kms_http_text line,
						     struct kms_http_request *req,
						     int *status,
						     const char **reason)
{
	const char *sp1 = memchr(line.p, ' ', line.len);
	const char *sp2;
	struct kms_http_text version;

	if (sp1 == NULL)
		return invalid(status, reason, 400, "invalid request line");
	sp2 = memchr(sp1 + 1, ' ', line.len - (size_t)(sp1 + 1 - line.p));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return invalid(status, reason, 400, "invalid request line");
	req->method.p = line.p;
	req->method.len = (size_t)(sp1 - line.p);
	req->target.p = sp1 + 1;
	req->target.len = (size_t)(sp2 - sp1 - 1);
	version.p = sp2 + 1;
	version.len = line.len - (size_t)(version.p - line.p);
	if (has_ctl(req->target) || memchr(req->target.p, '\t', req->target.len))
		return invalid(status, reason, 400, "invalid request target");

	if (version.len == 8 && memcmp(version.p, "HTTP/1.", 7) == 0 &&
	    (version.p[7] == '0' || version.p[7] == '1')) {
		req->version_minor = (unsigned)(version.p[7] - '0');
		return KMS_HTTP_HEAD;
	}
	if (version.len == 8 && memcmp(version.p, "HTTP/", 5) == 0 &&
	    version.p[5] >= '0' && version.p[5] <= '9' && version.p[6] == '.' &&
	    version.p[7] >= '0' && version.p[7] <= '9')
		return invalid(status, reason, 505, "HTTP version not supported");
	return invalid(status, reason, 400, "invalid HTTP version");
}

/* Parses a Content-Length value. A value too large for 64 bits saturates,
 * so that it gets 413 rather than 400. */
static bool parse_content_length(struct kms_http_text v, uint64_t *out)
{
	uint64_t n = 0;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		if (n > (UINT64_MAX - 9) / 10)
			n = UINT64_MAX;
		else
			n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return true;
}

/* Reads the comma-separated options of a Connection header. */
static void parse_connection(struct kms_http_text v, bool *close,
			     bool *keep_alive)
{
	while (v.len > 0) {
		const char *comma = memchr(v.p, ',', v.len);
		struct kms_http_text item = { v.p, comma != NULL ?
					      (size_t)(comma - v.p) : v.len };

		item = trim(item);
		if (kms_http_text_equal_nocase(item, "close"))
			*close = true;
		else if (kms_http_text_equal_nocase(item, "keep-alive"))
			*keep_alive = true;
		if (comma == NULL)
			break;
		v.len -= (size_t)(comma + 1 - v.p);
		v.p = comma + 1;
	}
}

static enum kms_http_parse_result parse_field(struct kms_http_text line,
					      struct kms_http_request *req,
					      bool *keep_alive, int *status,
					      const char **reason)
{
	const char *colon = memchr(line.p, ':', line.len);
	struct kms_http_text name, value;

	if (line.p[0] == ' ' || line.p[0] == '\t')
		return invalid(status, reason, 400, "obsolete line folding");
	if (colon == NULL || colon == line.p)
		return invalid(status, reason, 400, "invalid header field");
	name.p = line.p;
	name.len = (size_t)(colon - line.p);
	for (size_t i = 0; i < name.len; i++) {
		if (!is_tchar((unsigned char)name.p[i]))
			return invalid(status, reason, 400, "invalid header field name");
	}
	value.p = colon + 1;
	value.len = line.len - name.len - 1;
	value = trim(value);
	if (has_ctl(value))
		return invalid(status, reason, 400, "control character in a header field");

	if (kms_http_text_equal_nocase(name, "Content-Length")) {
		uint64_t n;

		if (!parse_content_length(value, &n))
			return invalid(status, reason, 400, "invalid Content-Length");
		if (req->has_content_length && req->content_length != n)
			return invalid(status, reason, 400, "conflicting Content-Length fields");
		req->has_content_length = true;
		req->content_length = n;
	} else if (kms_http_text_equal_nocase(name, "Content-Type")) {
		if (req->has_content_type)
			return invalid(status, reason, 400, "two Content-Type fields");
		req->has_content_type = true;
		req->content_type = value;
	} else if (kms_http_text_equal_nocase(name, "Transfer-Encoding")) {
		req->has_transfer_encoding = true;
	} else if (kms_http_text_equal_nocase(name, "Connection")) {
		parse_connection(value, &req->close, keep_alive);
	} else if (kms_http_text_equal_nocase(name, "Expect")) {
		if (kms_http_text_equal_nocase(value, "100-continue"))
			req->expect_continue = true;
	}
	return KMS_HTTP_HEAD;
}

/* Rejects bytes that cannot start a request line: a method is a token
 * followed by a space. */
static bool starts_like_http(const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len && i <= METHOD_MAX && is_tchar(buf[i]))
		i++;
	if (i > METHOD_MAX)
		return false;
	return i == len || (i > 0 && buf[i] == ' ');
}

enum kms_http_parse_result kms_http_parse_head(const uint8_t *buf, size_t len,
					       struct kms_http_request *req,
					       int *status,
					       const char **reason)
{
	bool keep_alive = false;
	size_t end, pos = 0;
	enum kms_http_parse_result r;

	memset(req, 0, sizeof(*req));
	if (!starts_like_http(buf, len))
		return invalid(status, reason, 400, "not an HTTP request");
	end = find_head_end(buf, len < KMS_HTTP_MAX_HEAD ? len : KMS_HTTP_MAX_HEAD);
	if (end == 0) {
		if (len >= KMS_HTTP_MAX_HEAD)
			return invalid(status, reason, 431, "request head too large");
		return KMS_HTTP_INCOMPLETE;
	}

	r = parse_request_line(next_line(buf, end, &pos), req, status, reason);
	if (r != KMS_HTTP_HEAD)
		return r;
	for (;;) {
		struct kms_http_text line = next_line(buf, end, &pos);

		if (line.len == 0)
			break;
		r = parse_field(line, req, &keep_alive, status, reason);
		if (r != KMS_HTTP_HEAD)
			return r;
	}
	/* HTTP/1.0 closes unless the client asked to keep the connection. */
	if (req->version_minor == 0 && !keep_alive)
		req->close = true;
	req->head_len = end;
	return KMS_HTTP_HEAD;
}

const char *kms_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* Writes the current time as IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT")
 * for the Date field, which RFC 9110 requires from a server with a clock. */
static void http_date(char *out, size_t cap)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

int kms_http_write_response(struct kms_buf *out, int status,
			    const char *content_type, const uint8_t *body,
			    size_t body_len, bool close, bool head_only,
			    const char *extra_header)
{
	size_t start = out->len;
	char date[40];

	http_date(date, sizeof(date));
	if (kms_buf_printf(out, "HTTP/1.1 %d %s\r\nServer: lime-kms\r\n"
			   "Date: %s\r\n", status, kms_http_reason(status),
			   date) != 0 ||
	    (content_type != NULL &&
	     kms_buf_printf(out, "Content-Type: %s\r\n", content_type) != 0) ||
	    kms_buf_printf(out, "Content-Length: %zu\r\n", body_len) != 0 ||
	    (close && kms_buf_printf(out, "Connection: close\r\n") != 0) ||
	    (extra_header != NULL &&
	     kms_buf_printf(out, "%s\r\n", extra_header) != 0) ||
	    kms_buf_append(out, "\r\n", 2) != 0 ||
	    (!head_only && kms_buf_append(out, body, body_len) != 0)) {
		out->len = start;
		return -1;
	}
	return 0;
}
