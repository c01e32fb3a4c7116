/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_CONN_H
#define LIME_KMS_CLIENT_CONN_H

/*
 * One kept-alive TLS connection to the KMS, carrying one request at a
 * time: connect, TLS handshake, POST, response, then the next request.
 * The I/O thread owns it. Its outcomes go to kc_attempt_finished().
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "kms_client/kc_http.h"

#define KC_CONN_READ_SIZE 16384

struct kms_client;
struct kc_request;
struct addrinfo;

enum kc_conn_state {
	KC_CONN_FREE,              /* no socket; the slot may be opened */
	KC_CONN_CONNECTING,
	KC_CONN_HANDSHAKE,
	KC_CONN_READY,             /* idle, or carrying conn->request */
	KC_CONN_CLOSING,           /* waiting for the backend to release it */
};

/* An operation that a backend has in flight for a connection. */
struct kc_io_op {
	struct kc_conn *conn;      /* NULL for the backend's own operations */
	bool in_flight;
};

struct kc_conn {
	struct kms_client *client;
	uint32_t index;
	enum kc_conn_state state;
	SSL *ssl;
	struct kc_request *request;    /* the attempt in progress, or NULL */
	uint64_t deadline_us;          /* of that attempt */
	uint32_t requests_sent;        /* on this connection so far */
	bool response_started;         /* bytes of the current response arrived */
	struct kc_http_parser http;
	struct addrinfo *addrs;        /* from getaddrinfo, tried in order */
	struct addrinfo *addr_next;

	/* Bytes taken from the write BIO, of which out_buf[out_off..out_len)
	 * is still to send. */
	uint8_t *out_buf;
	size_t out_len, out_off, out_cap;
	bool sending;

	/* Backend state. generation changes with every socket, so that a
	 * stale event of an earlier socket is recognised. */
	int fd;
	uint32_t generation;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	bool io_connecting;
	bool io_closing;
	struct kc_io_op read_op, write_op;
	uint32_t epoll_events;
	uint8_t in_buf[KC_CONN_READ_SIZE];
};

void kc_conn_init(struct kc_conn *conn, struct kms_client *c, uint32_t index);

/* Frees what the slot still holds. The connection must be FREE. */
void kc_conn_destroy(struct kc_conn *conn);

/* Opens a FREE connection for req: resolves the host, connects, and sends
 * req after the handshake. A failure is reported as req's outcome. */
void kc_conn_open(struct kc_conn *conn, struct kc_request *req);

/* Sends req on an idle READY connection. */
void kc_conn_send_request(struct kc_conn *conn, struct kc_request *req);

/* Fails the attempt in progress with KMS_RESULT_TIMEOUT and closes. */
void kc_conn_time_out(struct kc_conn *conn);

/* Detaches the request in progress, if any, and closes the connection.
 * Returns the request, which the caller completes. */
struct kc_request *kc_conn_abort(struct kc_conn *conn);

/* Closes the connection (a no-op unless it is open). Any request in
 * progress must have been detached. */
void kc_conn_close(struct kc_conn *conn);

bool kc_conn_is_idle(const struct kc_conn *conn);

/* Events from the backend. */
void kc_conn_on_connect(struct kc_conn *conn, int err);
void kc_conn_on_recv(struct kc_conn *conn, size_t len);   /* 0: end of stream */
void kc_conn_on_sent(struct kc_conn *conn, size_t len);
void kc_conn_on_io_error(struct kc_conn *conn, int err);
void kc_conn_on_released(struct kc_conn *conn);

#endif
