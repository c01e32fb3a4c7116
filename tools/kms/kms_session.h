/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_SESSION_H
#define LIME_TOOLS_KMS_KMS_SESSION_H

/*
 * The HTTP side of one client connection, without sockets: bytes read
 * from the TLS stream go in, responses come out. Responses follow the
 * order of the requests, so pipelined requests work, and the connection
 * stays open after every response that HTTP allows to keep it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/kms/kms.h"
#include "tools/kms/kms_buf.h"
#include "tools/kms/kms_http.h"

/* Input held at most: one request head and one body. */
#define KMS_SESSION_IN_MAX (KMS_HTTP_MAX_HEAD + KMS_HTTP_MAX_BODY)

struct kms_session {
	struct kms_buf in;
	char peer[64];             /* "1.2.3.4:5" or "[::1]:5", for logs */
	bool continue_sent;        /* 100 Continue sent for the current request */
	bool closing;              /* the last response ends the connection */
	uint64_t requests;
	uint8_t *mikey_out;        /* KMS_MESSAGE_MAX bytes, allocated on use */
};

void kms_session_init(struct kms_session *s, const char *peer);
void kms_session_free(struct kms_session *s);

/* Returns where the next read may store bytes and how many (0 when the
 * input is full, which kms_session_process always resolves). */
uint8_t *kms_session_read_space(struct kms_session *s, size_t *room);

/* Records n bytes stored at kms_session_read_space(). */
void kms_session_read_done(struct kms_session *s, size_t n);

/*
 * Handles every complete request received, appending the responses to out.
 * Returns false once a response that ends the connection was queued: the
 * caller sends out and closes, and reads nothing more. now_us is the KMS
 * clock. Returns false as well when out cannot grow.
 */
bool kms_session_process(struct kms *kms, struct kms_session *s,
			 int64_t now_us, struct kms_buf *out);

/* Whether part of a request has been received and not handled yet. */
bool kms_session_mid_request(const struct kms_session *s);

/* Queues 408 Request Timeout when a request was cut off by the idle
 * timeout. The connection closes afterwards. */
void kms_session_timed_out(struct kms_session *s, struct kms_buf *out);

#endif
