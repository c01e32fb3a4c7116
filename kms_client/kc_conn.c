/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_conn.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "kms_client/kc_internal.h"
#include "kms_client/kc_io.h"
#include "kms_client/kc_tls.h"
#include "lib/util/log.h"

void kc_conn_init(struct kc_conn *conn, struct kms_client *c, uint32_t index)
{
	memset(conn, 0, sizeof(*conn));
	conn->client = c;
	conn->index = index;
	conn->fd = -1;
	conn->read_op.conn = conn;
	conn->write_op.conn = conn;
	kc_http_parser_init(&conn->http);
}

void kc_conn_destroy(struct kc_conn *conn)
{
	SSL_free(conn->ssl);
	conn->ssl = NULL;
	if (conn->addrs)
		freeaddrinfo(conn->addrs);
	conn->addrs = NULL;
	kc_http_parser_free(&conn->http);
	free(conn->out_buf);
	conn->out_buf = NULL;
}

bool kc_conn_is_idle(const struct kc_conn *conn)
{
	return conn->state == KC_CONN_READY && !conn->request;
}

static struct kc_io *io_of(struct kc_conn *conn)
{
	return conn->client->io;
}

void kc_conn_close(struct kc_conn *conn)
{
	if (conn->state == KC_CONN_FREE || conn->state == KC_CONN_CLOSING)
		return;
	conn->state = KC_CONN_CLOSING;
	SSL_free(conn->ssl);
	conn->ssl = NULL;
	if (conn->addrs)
		freeaddrinfo(conn->addrs);
	conn->addrs = NULL;
	conn->addr_next = NULL;
	kc_http_parser_free(&conn->http);
	/* out_buf stays allocated: an io_uring send may still read it until
	 * the backend releases the connection. */
	conn->out_len = 0;
	conn->out_off = 0;
	conn->sending = false;
	io_of(conn)->ops->close(io_of(conn), conn);
}

void kc_conn_on_released(struct kc_conn *conn)
{
	conn->state = KC_CONN_FREE;
	LOG_DEBUG("KMS connection %u closed", conn->index);
}

struct kc_request *kc_conn_abort(struct kc_conn *conn)
{
	struct kc_request *req = conn->request;
	if (req) {
		conn->request = NULL;
		req->conn = NULL;
	}
	kc_conn_close(conn);
	return req;
}

/* Ends the attempt in progress with a failure and closes the connection.
 * Without an attempt it only closes, and logs the reason at debug level. */
static void fail_and_close(struct kc_conn *conn, enum kms_result result,
			   bool retryable, unsigned http_status, const char *reason)
{
	struct kc_request *req = kc_conn_abort(conn);
	if (!req) {
		LOG_DEBUG("KMS connection %u: %s", conn->index, reason);
		return;
	}
	struct kc_outcome o = {
		.result = result,
		.http_status = http_status,
		.retryable = retryable,
		.reason = reason,
	};
	kc_attempt_finished(conn->client, req, &o);
}

static void format_address(const struct kc_conn *conn, char *buf, size_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getnameinfo((const struct sockaddr *)&conn->addr, conn->addr_len, host,
			sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "(unknown address)");
		return;
	}
	snprintf(buf, len, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
}

/* Tries the remaining addresses of the host in order. */
static void connect_next(struct kc_conn *conn, int last_error)
{
	while (conn->addr_next) {
		struct addrinfo *ai = conn->addr_next;
		conn->addr_next = ai->ai_next;
		if (ai->ai_addrlen > sizeof(conn->addr))
			continue;
		memcpy(&conn->addr, ai->ai_addr, ai->ai_addrlen);
		conn->addr_len = ai->ai_addrlen;
		int r = io_of(conn)->ops->connect(io_of(conn), conn);
		if (r == 0)
			return;
		last_error = -r;
	}

	char where[NI_MAXHOST + 16], reason[NI_MAXHOST + 120];
	format_address(conn, where, sizeof(where));
	snprintf(reason, sizeof(reason), "cannot connect to %s: %s", where,
		 strerror(last_error));
	fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0, reason);
}

/* Looks the host up again for every connection, so that a changed DNS
 * entry takes effect without a restart. */
static int resolve(struct kc_conn *conn, char *err, size_t err_len)
{
	const struct kc_url *url = &conn->client->url;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | (url->host_is_ip ? AI_NUMERICHOST : 0),
	};
	/* NOTE: getaddrinfo() blocks this thread during a DNS lookup, which
	 * delays the other connections. Numeric hosts never wait. */
	int r = getaddrinfo(url->host, url->port, &hints, &conn->addrs);
	if (r != 0) {
		snprintf(err, err_len, "cannot resolve KMS host \"%s\": %s", url->host,
			 gai_strerror(r));
		conn->addrs = NULL;
		return -1;
	}
	conn->addr_next = conn->addrs;
	return 0;
}

void kc_conn_open(struct kc_conn *conn, struct kc_request *req)
{
	struct kms_client *c = conn->client;
	char err[300];

	conn->request = req;
	req->conn = conn;
	conn->requests_sent = 0;
	conn->response_started = false;
	conn->state = KC_CONN_CONNECTING;
	atomic_fetch_add_explicit(&c->stats.connections_opened, 1, memory_order_relaxed);

	if (resolve(conn, err, sizeof(err)) != 0) {
		fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0, err);
		return;
	}
	conn->ssl = kc_tls_new(c->ssl_ctx, &c->url, c->tls_session, err, sizeof(err));
	if (!conn->ssl) {
		fail_and_close(conn, KMS_RESULT_TLS_ERROR, false, 0, err);
		return;
	}
	LOG_DEBUG("KMS connection %u: connecting for request %llu", conn->index,
		  (unsigned long long)req->resp.request_id);
	connect_next(conn, EHOSTUNREACH);
}

/* Moves bytes from the write BIO to out_buf and starts sending them. */
static void flush(struct kc_conn *conn)
{
	if (conn->sending || (conn->state != KC_CONN_HANDSHAKE && conn->state != KC_CONN_READY))
		return;
	if (conn->out_off == conn->out_len) {
		conn->out_off = 0;
		conn->out_len = 0;
	}

	size_t pending = BIO_ctrl_pending(SSL_get_wbio(conn->ssl));
	if (pending > 0 && conn->out_len + pending > conn->out_cap) {
		size_t cap = conn->out_len + pending;
		uint8_t *grown = realloc(conn->out_buf, cap);
		if (!grown) {
			fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0,
				       "out of memory for the send buffer");
			return;
		}
		conn->out_buf = grown;
		conn->out_cap = cap;
	}
	if (pending > 0) {
		int n = BIO_read(SSL_get_wbio(conn->ssl), conn->out_buf + conn->out_len,
				 (int)pending);
		if (n > 0)
			conn->out_len += (size_t)n;
	}
	if (conn->out_off == conn->out_len)
		return;

	int r = io_of(conn)->ops->send(io_of(conn), conn);
	if (r < 0) {
		char reason[120];
		snprintf(reason, sizeof(reason), "send failed: %s", strerror(-r));
		fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0, reason);
		return;
	}
	conn->sending = true;
}

static void fail_tls(struct kc_conn *conn, int ssl_error, const char *during)
{
	char detail[256], reason[320];
	kc_tls_describe(conn->ssl, ssl_error, detail, sizeof(detail));
	snprintf(reason, sizeof(reason), "TLS %s failed: %s", during, detail);
	ERR_clear_error();
	fail_and_close(conn, KMS_RESULT_TLS_ERROR, false, 0, reason);
}

/* Writes the POST of conn->request into the TLS connection. */
static int write_request(struct kc_conn *conn)
{
	struct kc_request *req = conn->request;
	char head[KC_URL_MAX_PATH + KC_URL_MAX_HOST + 200];
	size_t head_len = kc_http_format_request(head, sizeof(head), &conn->client->url,
						 req->body_len);

	/* A memory BIO accepts everything, so each SSL_write() writes the
	 * whole buffer or fails. */
	ERR_clear_error();
	int r = SSL_write(conn->ssl, head, (int)head_len);
	if (r > 0)
		r = SSL_write(conn->ssl, req->body, (int)req->body_len);
	if (r <= 0) {
		fail_tls(conn, SSL_get_error(conn->ssl, r), "write");
		return -1;
	}

	conn->requests_sent++;
	conn->response_started = false;
	kc_http_parser_free(&conn->http);
	kc_http_parser_init(&conn->http);
	if (conn->requests_sent > 1)
		atomic_fetch_add_explicit(&conn->client->stats.connections_reused, 1,
					  memory_order_relaxed);
	return 0;
}

void kc_conn_send_request(struct kc_conn *conn, struct kc_request *req)
{
	conn->request = req;
	req->conn = conn;
	if (write_request(conn) == 0)
		flush(conn);
}

/* Handles the end of the byte stream or a socket error: the connection is
 * gone, and with it the attempt in progress. */
static void lose_connection(struct kc_conn *conn, const char *cause)
{
	char reason[200];
	struct kc_request *req = conn->request;

	if (conn->state == KC_CONN_HANDSHAKE) {
		snprintf(reason, sizeof(reason), "%s during the TLS handshake", cause);
		fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0, reason);
		return;
	}
	/* The server may close an idle keep-alive connection just as a
	 * request goes out. Nothing of the response arrived, so the request
	 * goes out once more on a new connection without counting as a
	 * failed attempt. */
	if (req && !conn->response_started && conn->requests_sent > 1 &&
	    !req->stale_resend_used) {
		kc_conn_abort(conn);
		kc_request_resend(conn->client, req);
		return;
	}
	snprintf(reason, sizeof(reason), "%s before the response was complete", cause);
	fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0, reason);
}

static void finish_response(struct kc_conn *conn)
{
	struct kc_http_parser *http = &conn->http;
	char reason[120] = "";
	struct kc_outcome o = {
		.result = KMS_RESULT_OK,
		.http_status = http->status,
		.body = http->body,
		.body_len = http->body_len,
		.reason = reason,
	};
	http->body = NULL;

	if (http->status != 200) {
		o.result = KMS_RESULT_HTTP_ERROR;
		snprintf(reason, sizeof(reason), "the KMS responded with HTTP status %u", http->status);
	} else if (!http->mikey_type) {
		o.result = KMS_RESULT_HTTP_ERROR;
		snprintf(reason, sizeof(reason),
			 "the KMS responded 200 without Content-Type application/mikey");
	}

	struct kc_request *req = conn->request;
	conn->request = NULL;
	req->conn = NULL;
	kc_attempt_finished(conn->client, req, &o);
}

/* Passes decrypted bytes to the HTTP parser. Returns -1 when the
 * connection was closed. */
static int take_response_bytes(struct kc_conn *conn, const uint8_t *data, size_t len)
{
	if (!conn->request) {
		fail_and_close(conn, KMS_RESULT_HTTP_ERROR, false, 0,
			       "unexpected data from the KMS on an idle connection");
		return -1;
	}
	conn->response_started = true;

	size_t used;
	enum kc_http_parse_result r = kc_http_parse(&conn->http, data, len, &used);
	if (r == KC_HTTP_MORE)
		return 0;
	if (r == KC_HTTP_INVALID) {
		char reason[200];
		snprintf(reason, sizeof(reason), "invalid HTTP response: %s", conn->http.error);
		fail_and_close(conn, KMS_RESULT_HTTP_ERROR, false, conn->http.status, reason);
		return -1;
	}

	/* Bytes after the response were never requested, so the connection is
	 * out of step and cannot carry another request. */
	bool reusable = conn->http.keep_alive && used == len;
	finish_response(conn);
	if (reusable)
		return 0;
	kc_conn_close(conn);
	return -1;
}

static int read_response(struct kc_conn *conn)
{
	uint8_t buf[16384];
	for (;;) {
		ERR_clear_error();
		int n = SSL_read(conn->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (take_response_bytes(conn, buf, (size_t)n) != 0)
				return -1;
			continue;
		}
		int e = SSL_get_error(conn->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		if (e == SSL_ERROR_ZERO_RETURN) {
			lose_connection(conn, "the KMS closed the connection");
			return -1;
		}
		fail_tls(conn, e, "read");
		return -1;
	}
}

static int handshake(struct kc_conn *conn)
{
	ERR_clear_error();
	int r = SSL_do_handshake(conn->ssl);
	if (r == 1) {
		conn->state = KC_CONN_READY;
		LOG_DEBUG("KMS connection %u: %s established%s", conn->index,
			  SSL_get_version(conn->ssl),
			  SSL_session_reused(conn->ssl) ? " (session resumed)" : "");
		return conn->request ? write_request(conn) : 0;
	}
	int e = SSL_get_error(conn->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	fail_tls(conn, e, "handshake");
	return -1;
}

/* Runs TLS as far as the bytes received allow, then sends what it wrote. */
static void advance(struct kc_conn *conn)
{
	if (conn->state == KC_CONN_HANDSHAKE && handshake(conn) != 0)
		return;
	if (conn->state == KC_CONN_READY && read_response(conn) != 0)
		return;
	flush(conn);
}

void kc_conn_on_connect(struct kc_conn *conn, int err)
{
	if (conn->state != KC_CONN_CONNECTING)
		return;
	if (err != 0) {
		connect_next(conn, err);
		return;
	}
	conn->state = KC_CONN_HANDSHAKE;
	advance(conn);
}

void kc_conn_on_recv(struct kc_conn *conn, size_t len)
{
	if (conn->state != KC_CONN_HANDSHAKE && conn->state != KC_CONN_READY)
		return;
	if (len == 0) {
		lose_connection(conn, "the KMS closed the connection");
		return;
	}
	if (BIO_write(SSL_get_rbio(conn->ssl), conn->in_buf, (int)len) != (int)len) {
		fail_and_close(conn, KMS_RESULT_UNREACHABLE, true, 0,
			       "out of memory for received data");
		return;
	}
	advance(conn);
}

void kc_conn_on_sent(struct kc_conn *conn, size_t len)
{
	if (conn->state != KC_CONN_HANDSHAKE && conn->state != KC_CONN_READY)
		return;
	conn->sending = false;
	conn->out_off += len;
	flush(conn);
}

void kc_conn_on_io_error(struct kc_conn *conn, int err)
{
	if (conn->state != KC_CONN_HANDSHAKE && conn->state != KC_CONN_READY)
		return;
	char cause[120];
	snprintf(cause, sizeof(cause), "connection error (%s)", strerror(err));
	lose_connection(conn, cause);
}

void kc_conn_time_out(struct kc_conn *conn)
{
	static const char *const phases[] = {
		[KC_CONN_CONNECTING] = "while connecting",
		[KC_CONN_HANDSHAKE] = "during the TLS handshake",
		[KC_CONN_READY] = "waiting for the response",
	};
	char reason[160];
	const char *phase = conn->state <= KC_CONN_READY && phases[conn->state] ?
		phases[conn->state] : "";
	snprintf(reason, sizeof(reason), "no complete response within %u ms (timed out %s)",
		 conn->client->cfg.timeout_ms, phase);
	fail_and_close(conn, KMS_RESULT_TIMEOUT, true, 0, reason);
}
