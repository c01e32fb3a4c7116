/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_HTTP_H
#define LIME_KMS_CLIENT_HTTP_H

/*
 * HTTP/1.1 for the KMS client: the head of a POST, and an incremental
 * parser of one response (RFC 9112). The parser requires Content-Length,
 * rejects Transfer-Encoding (so chunked responses), skips 1xx interim
 * responses and bounds the head and the body.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kms_client/kc_url.h"

/* Largest response head (status line and header fields) accepted. */
#define KC_HTTP_MAX_HEAD 8192
/* Largest response body accepted: the KMS interface's limit. */
#define KC_HTTP_MAX_BODY 65536

/* Writes the head of a POST of body_len bytes of application/mikey to
 * buf. Returns its length, or 0 when it does not fit. */
size_t kc_http_format_request(char *buf, size_t cap, const struct kc_url *url,
			      size_t body_len);

enum kc_http_parse_result {
	KC_HTTP_MORE,              /* the response is not complete yet */
	KC_HTTP_COMPLETE,
	KC_HTTP_INVALID,           /* see kc_http_parser.error */
};

struct kc_http_parser {
	bool in_body;
	char head[KC_HTTP_MAX_HEAD];
	size_t head_len;
	/* Fields of the final response, valid once its head is parsed. */
	unsigned status;
	bool keep_alive;
	bool mikey_type;           /* Content-Type is application/mikey */
	size_t content_length;
	uint8_t *body;             /* malloc'ed, content_length bytes */
	size_t body_len;
	char error[160];
};

void kc_http_parser_init(struct kc_http_parser *p);

/* Frees the body unless the caller took it (set p->body to NULL). */
void kc_http_parser_free(struct kc_http_parser *p);

/*
 * Parses len more bytes of the response. *consumed receives how many were
 * used, and bytes after a complete response are left unconsumed. Once it
 * returns KC_HTTP_COMPLETE or KC_HTTP_INVALID the parser must be freed
 * and initialised again before the next response.
 */
enum kc_http_parse_result kc_http_parse(struct kc_http_parser *p,
					const uint8_t *data, size_t len,
					size_t *consumed);

#endif
