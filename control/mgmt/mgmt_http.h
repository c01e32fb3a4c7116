/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_HTTP_H
#define LIME_CONTROL_MGMT_HTTP_H

/*
 * HTTP/1.1 framing of the management API (RFC 9112): the request head,
 * the body by Content-Length, and the response. One request per
 * connection, and no chunked bodies. Works on buffers, with no sockets.
 */

#include <stdbool.h>
#include <stddef.h>

#include "control/mgmt/mgmt_api.h"

/* Maximum size of a request head, in bytes. */
#define MGMT_HTTP_HEAD_MAX 8192

struct mgmt_http_head {
	char method[16];
	char path[1024];             /* without the query string */
	char content_type[128];
	bool has_content_type;
	size_t content_length;
	size_t head_len;             /* bytes up to and including the blank line */
};

/*
 * Parses the request head at the start of buf[0..len). Returns 0 when the
 * head is complete, 1 when more bytes are needed, or an HTTP status
 * (400, 411, 413, 431, 501) with resp set to the error. max_body is the
 * largest Content-Length accepted.
 */
int mgmt_http_parse_head(const char *buf, size_t len, size_t max_body,
			 struct mgmt_http_head *head, struct mgmt_response *resp);

/*
 * Handles one complete request in buf: parses the head, takes the
 * body and calls mgmt_handle(). A request cut short gets 400. The fuzzer
 * and the tests enter here.
 */
void mgmt_http_process(const struct mgmt_backend *be, const char *buf, size_t len,
		       size_t max_body, struct mgmt_http_head *head,
		       struct mgmt_response *resp);

/* Formats the status line, headers and body. Returns a malloc'd buffer, or NULL. */
char *mgmt_http_format(const struct mgmt_response *resp, size_t *len);

#endif
