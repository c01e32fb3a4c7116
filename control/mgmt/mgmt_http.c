/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Finds the blank line that ends the head. Returns its end offset, or 0. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

static int reject(struct mgmt_response *resp, int status, const char *message)
{
	mgmt_response_error(resp, status, message);
	return status;
}

static bool is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Parses "METHOD /path HTTP/1.1", given without its CRLF. */
static int parse_request_line(const char *line, size_t len, struct mgmt_http_head *head,
			      struct mgmt_response *resp)
{
	size_t m = 0;

	while (m < len && is_token_char(line[m]))
		m++;
	if (m == 0 || m >= sizeof(head->method) || m >= len || line[m] != ' ')
		return reject(resp, 400, "invalid request line; expected METHOD /path HTTP/1.1");
	memcpy(head->method, line, m);
	head->method[m] = '\0';

	const char *target = line + m + 1;
	const char *space = memchr(target, ' ', len - m - 1);
	if (space == NULL || target[0] != '/')
		return reject(resp, 400, "invalid request line; expected METHOD /path HTTP/1.1");
	size_t version_len = len - (size_t)(space + 1 - line);
	if (version_len != 8 || (memcmp(space + 1, "HTTP/1.1", 8) != 0 &&
				 memcmp(space + 1, "HTTP/1.0", 8) != 0))
		return reject(resp, 400, "unsupported HTTP version; use HTTP/1.1");

	/* The query string selects nothing in this API. */
	size_t path_len = (size_t)(space - target);
	const char *query = memchr(target, '?', path_len);
	if (query != NULL)
		path_len = (size_t)(query - target);
	if (path_len >= sizeof(head->path))
		return reject(resp, 400, "request path longer than 1023 bytes");
	for (size_t i = 0; i < path_len; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return reject(resp, 400, "invalid character in the request path");
	memcpy(head->path, target, path_len);
	head->path[path_len] = '\0';
	return 0;
}

static bool name_is(const char *line, size_t name_len, const char *name)
{
	return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

static int parse_content_length(const char *value, size_t len, size_t max_body,
				struct mgmt_http_head *head, bool *seen,
				struct mgmt_response *resp)
{
	size_t n = 0;

	if (len == 0 || len > 12)
		return reject(resp, 400, "invalid Content-Length");
	for (size_t i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9')
			return reject(resp, 400, "invalid Content-Length");
		n = n * 10 + (size_t)(value[i] - '0');
	}
	if (*seen && n != head->content_length)
		return reject(resp, 400, "conflicting Content-Length headers");
	*seen = true;
	head->content_length = n;
	if (n > max_body) {
		char msg[128];
		snprintf(msg, sizeof(msg), "request body of %zu bytes is larger than "
			 "max_request_bytes (%zu)", n, max_body);
		return reject(resp, 413, msg);
	}
	return 0;
}

/* Parses one "Name: value" line, given without its CRLF. */
static int parse_header(const char *line, size_t len, size_t max_body,
			struct mgmt_http_head *head, bool *has_length,
			struct mgmt_response *resp)
{
	const char *colon = memchr(line, ':', len);

	if (colon == NULL || colon == line || line[0] == ' ' || line[0] == '\t')
		return reject(resp, 400, "invalid header line");
	size_t name_len = (size_t)(colon - line);
	for (size_t i = 0; i < name_len; i++)
		if (!is_token_char(line[i]))
			return reject(resp, 400, "invalid header name");

	const char *value = colon + 1;
	size_t value_len = len - name_len - 1;
	while (value_len > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		value_len--;
	}
	while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
		value_len--;

	if (name_is(line, name_len, "Content-Length"))
		return parse_content_length(value, value_len, max_body, head, has_length, resp);
	if (name_is(line, name_len, "Transfer-Encoding"))
		return reject(resp, 501, "Transfer-Encoding is not supported; send Content-Length");
	if (name_is(line, name_len, "Content-Type")) {
		if (value_len >= sizeof(head->content_type))
			return reject(resp, 400, "Content-Type longer than 127 bytes");
		memcpy(head->content_type, value, value_len);
		head->content_type[value_len] = '\0';
		head->has_content_type = true;
	}
	return 0;
}

int mgmt_http_parse_head(const char *buf, size_t len, size_t max_body,
			 struct mgmt_http_head *head, struct mgmt_response *resp)
{
	size_t end = head_end(buf, len < MGMT_HTTP_HEAD_MAX ? len : MGMT_HTTP_HEAD_MAX);
	bool has_length = false;

	memset(head, 0, sizeof(*head));
	if (end == 0)
		return len >= MGMT_HTTP_HEAD_MAX ?
		       reject(resp, 431, "request head larger than 8192 bytes") : 1;
	head->head_len = end;

	/* The blank line at end - 4 ends the search for the first CRLF. */
	const char *line = buf;
	const char *eol = memchr(line, '\r', end - 2);
	if (eol == NULL || eol[1] != '\n')
		return reject(resp, 400, "request line not ended by CRLF");
	int status = parse_request_line(line, (size_t)(eol - line), head, resp);
	while (status == 0) {
		line = eol + 2;
		eol = memchr(line, '\r', (size_t)(buf + end - line));
		if (eol == NULL || eol[1] != '\n')
			return reject(resp, 400, "header line not ended by CRLF");
		if (eol == line)
			break;
		if (memchr(line, '\0', (size_t)(eol - line)) != NULL)
			return reject(resp, 400, "NUL byte in the request head");
		status = parse_header(line, (size_t)(eol - line), max_body, head,
				      &has_length, resp);
	}
	if (status != 0)
		return status;

	bool needs_body = strcmp(head->method, "POST") == 0 || strcmp(head->method, "PUT") == 0;
	if (needs_body && !has_length)
		return reject(resp, 411, "POST and PUT need a Content-Length header");
	return 0;
}

void mgmt_http_process(const struct mgmt_backend *be, const char *buf, size_t len,
		       size_t max_body, struct mgmt_http_head *head,
		       struct mgmt_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	int status = mgmt_http_parse_head(buf, len, max_body, head, resp);
	if (status == 1)
		reject(resp, 400, "incomplete request head");
	if (status != 0)
		return;
	if (len - head->head_len < head->content_length) {
		reject(resp, 400, "request body shorter than its Content-Length");
		return;
	}

	struct mgmt_request req = {
		.method = head->method,
		.path = head->path,
		.content_type = head->has_content_type ? head->content_type : NULL,
		.body = buf + head->head_len,
		.body_len = head->content_length,
	};
	mgmt_handle(be, &req, resp);
}

char *mgmt_http_format(const struct mgmt_response *resp, size_t *len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "Connection: close\r\n"
			 "%s%s%s"
			 "\r\n",
			 resp->status, mgmt_status_text(resp->status), resp->body_len,
			 resp->allow != NULL ? "Allow: " : "",
			 resp->allow != NULL ? resp->allow : "",
			 resp->allow != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return NULL;

	char *out = malloc((size_t)n + resp->body_len);
	if (out == NULL)
		return NULL;
	memcpy(out, head, (size_t)n);
	if (resp->body_len > 0)
		memcpy(out + n, resp->body, resp->body_len);
	*len = (size_t)n + resp->body_len;
	return out;
}
