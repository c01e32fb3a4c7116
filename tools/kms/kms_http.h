/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_HTTP_H
#define LIME_TOOLS_KMS_KMS_HTTP_H

/*
 * HTTP/1.1 request heads (RFC 9112) and responses, without sockets. Only
 * what the KMS interface needs is read: the request line, Content-Length,
 * Content-Type, Transfer-Encoding, Connection and Expect.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/kms/kms_buf.h"

/* Maximum request head (request line and header fields) accepted, in bytes. */
#define KMS_HTTP_MAX_HEAD 8192
/* Maximum request body accepted, in bytes: one MIKEY message. */
#define KMS_HTTP_MAX_BODY 65536

struct kms_http_text {
	const char *p;
	size_t len;
};

struct kms_http_request {
	struct kms_http_text method;
	struct kms_http_text target;
	unsigned version_minor;        /* HTTP/1.0 or HTTP/1.1 */
	bool has_content_length;
	uint64_t content_length;       /* UINT64_MAX when it does not fit */
	bool has_content_type;
	struct kms_http_text content_type;
	bool has_transfer_encoding;
	bool close;                    /* the connection ends after the response */
	bool expect_continue;
	size_t head_len;               /* bytes up to the empty line, included */
};

enum kms_http_parse_result {
	KMS_HTTP_INCOMPLETE,   /* the head has not ended yet */
	KMS_HTTP_HEAD,         /* the head is in *req */
	KMS_HTTP_INVALID,      /* respond with *status and close the connection */
};

/*
 * Parses the request head at the start of buf. On KMS_HTTP_INVALID,
 * *status is 400, 431 or 505 and *reason a short static description.
 * Bytes that cannot start an HTTP request are rejected at once, so
 * garbage does not wait for a timeout.
 */
enum kms_http_parse_result kms_http_parse_head(const uint8_t *buf, size_t len,
					       struct kms_http_request *req,
					       int *status,
					       const char **reason);

/* Whether the text equals s, ignoring ASCII case. */
bool kms_http_text_equal_nocase(struct kms_http_text t, const char *s);

/* Whether the media type of a Content-Type value (before any ';'
 * parameter) is type, ignoring case and spaces around it. */
bool kms_http_media_type_is(struct kms_http_text value, const char *type);

/* The path of a request target: origin form up to '?', or the path part
 * of an absolute form "https://host/path". */
struct kms_http_text kms_http_target_path(struct kms_http_text target);

/* Returns the reason phrase of a status code ("Not Found"). */
const char *kms_http_reason(int status);

/*
 * Appends a response. Content-Length is always sent. With head_only the
 * body is left out, as a response to HEAD requires. extra_header is one
 * more header line without CRLF, or NULL. Returns 0 or -1 when out is full.
 */
int kms_http_write_response(struct kms_buf *out, int status,
			    const char *content_type, const uint8_t *body,
			    size_t body_len, bool close, bool head_only,
			    const char *extra_header);

#endif
