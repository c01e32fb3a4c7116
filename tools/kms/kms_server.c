/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "lib/util/log.h"
#include "tools/kms/kms_session.h"
#include "tools/kms/kms_tls.h"

#define EPOLL_BATCH 64
#define TICK_MS 1000
/* Queued responses a connection may hold; pipelined requests beyond it
 * close the connection. */
#define OUT_MAX (4u * 1024 * 1024)
/* After a response that ends the connection, input is read and dropped
 * for this long (or this many bytes), so that the client reads the
 * response instead of a reset caused by its unread request body. */
#define DRAIN_MS 2000
#define DRAIN_MAX_BYTES (1024u * 1024)
/* A full server logs rejected connections at most this often. */
#define FULL_LOG_INTERVAL_MS 10000

enum conn_state {
	CONN_HANDSHAKE,
	CONN_OPEN,
	CONN_DRAIN,        /* response sent, dropping input before close */
};

struct conn {
	int fd;
	SSL *ssl;
	enum conn_state state;
	struct kms_session session;
	struct kms_buf out;
	bool write_wants_read;     /* SSL_write is waiting for input */
	int64_t last_active_ms;
	int64_t request_start_ms;  /* first byte of the request now arriving */
	int64_t drain_until_ms;
	size_t drained;
	uint32_t events;           /* registered with epoll */
	struct conn *prev, *next;
};

struct kms_server {
	struct kms *kms;
	const struct kms_config *cfg;
	SSL_CTX *ctx;
	int epoll_fd;
	int listen_fd;
	struct conn *conns;
	size_t n_conns;
	uint64_t accepted;
	uint64_t rejected;
	uint64_t handshake_failures;
	uint64_t rejected_since_log;
	int64_t last_full_log_ms;
};

/* The listener's epoll tag; connections use their struct conn pointer. */
static int listener_tag;

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The KMS clock: UTC plus clock_offset_s, in microseconds. */
static int64_t kms_clock_us(const struct kms_config *cfg)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + cfg->clock_offset_s) * 1000000 +
	       ts.tv_nsec / 1000;
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(a->sin_port));
	}
}

/* ---- Connections ---- */

static void conn_close(struct kms_server *srv, struct conn *c)
{
	LOG_DEBUG("conn peer=%s closed after %" PRIu64 " requests",
		  c->session.peer, c->session.requests);
	epoll_ctl(srv->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	SSL_free(c->ssl);
	close(c->fd);
	kms_session_free(&c->session);
	kms_buf_free(&c->out);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->n_conns--;
	free(c);
}

static int set_events(struct kms_server *srv, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return 0;
	c->events = events;
	return epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes queued bytes. Returns 0 (done or waiting) or -1 on failure. */
static int flush_out(struct conn *c, int64_t now_ms)
{
	c->write_wants_read = false;
	while (c->out.len > 0) {
		size_t chunk = c->out.len > INT32_MAX ? INT32_MAX : c->out.len;
		int n = SSL_write(c->ssl, c->out.data, (int)chunk);

		if (n > 0) {
			kms_buf_consume(&c->out, (size_t)n);
			c->last_active_ms = now_ms;
			continue;
		}
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
			return 0;
		case SSL_ERROR_WANT_READ:
			c->write_wants_read = true;
			return 0;
		default:
			ERR_clear_error();
			return -1;
		}
	}
	return 0;
}

/* Sends close_notify and starts dropping input until the peer closes. */
static void begin_drain(struct conn *c, int64_t now_ms)
{
	SSL_shutdown(c->ssl);
	ERR_clear_error();
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	c->drain_until_ms = now_ms + DRAIN_MS;
}

/* Reads and drops raw bytes. Returns -1 once the connection can close. */
static int drain_input(struct conn *c)
{
	uint8_t scratch[16384];

	for (;;) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), 0);

		if (n > 0) {
			c->drained += (size_t)n;
			if (c->drained > DRAIN_MAX_BYTES)
				return -1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		return -1;
	}
}

/*
 * Reads TLS records and handles requests until the socket has nothing
 * more, responses wait to be written, or the session ends. Returns -1
 * when the connection must close at once.
 */
static int read_requests(struct kms_server *srv, struct conn *c, int64_t now_ms)
{
	while (c->out.len == 0 && !c->session.closing) {
		size_t room = 0;
		uint8_t *p = kms_session_read_space(&c->session, &room);
		int n;

		if (p == NULL || room == 0) {
			LOG_ERR("conn peer=%s: out of memory for input", c->session.peer);
			return -1;
		}
		if (!kms_session_mid_request(&c->session))
			c->request_start_ms = now_ms;
		n = SSL_read(c->ssl, p, room > INT32_MAX ? INT32_MAX : (int)room);
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return 0;
			/* Clean close (ZERO_RETURN), reset or TLS error. */
			if (kms_session_mid_request(&c->session))
				LOG_INFO("http peer=%s: connection closed inside a request",
					 c->session.peer);
			return -1;
		}
		kms_session_read_done(&c->session, (size_t)n);
		c->last_active_ms = now_ms;
		kms_session_process(srv->kms, &c->session, kms_clock_us(srv->cfg),
				    &c->out);
		if (flush_out(c, now_ms) != 0)
			return -1;
	}
	return 0;
}

static void log_handshake_failure(struct kms_server *srv, struct conn *c)
{
	char detail[256];

	kms_tls_error_text(detail, sizeof(detail));
	srv->handshake_failures++;
	LOG_INFO("tls peer=%s handshake failed: %s", c->session.peer, detail);
}

/* Runs the handshake. Returns 1 when done, 0 while waiting, -1 on failure. */
static int handshake(struct kms_server *srv, struct conn *c, int64_t now_ms)
{
	int r = SSL_accept(c->ssl);

	if (r == 1) {
		c->state = CONN_OPEN;
		c->last_active_ms = now_ms;
		LOG_DEBUG("tls peer=%s %s %s", c->session.peer,
			  SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
		return 1;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		set_events(srv, c, EPOLLIN);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		set_events(srv, c, EPOLLOUT);
		return 0;
	default:
		log_handshake_failure(srv, c);
		return -1;
	}
}

/* Serves an open connection: write what is queued, then read on. */
static int serve_open(struct kms_server *srv, struct conn *c, int64_t now_ms)
{
	if (flush_out(c, now_ms) != 0)
		return -1;
	if (c->out.len == 0 && !c->session.closing &&
	    read_requests(srv, c, now_ms) != 0)
		return -1;
	if (c->out.len == 0 && c->session.closing)
		begin_drain(c, now_ms);
	return 0;
}

static void update_events(struct kms_server *srv, struct conn *c)
{
	uint32_t events = EPOLLIN;

	if (c->state == CONN_OPEN && c->out.len > 0)
		events = c->write_wants_read ? EPOLLIN : EPOLLOUT;
	if (set_events(srv, c, events) != 0)
		LOG_WARN("conn peer=%s: epoll_ctl failed: %s", c->session.peer,
			 strerror(errno));
}

static void service(struct kms_server *srv, struct conn *c)
{
	int64_t now_ms = monotonic_ms();
	int rc = 0;

	if (c->state == CONN_HANDSHAKE) {
		rc = handshake(srv, c, now_ms);
		if (rc <= 0) {
			if (rc < 0)
				conn_close(srv, c);
			return;
		}
		rc = 0;
	}
	if (c->state == CONN_OPEN)
		rc = serve_open(srv, c, now_ms);
	if (rc == 0 && c->state == CONN_DRAIN)
		rc = drain_input(c);
	if (rc != 0) {
		conn_close(srv, c);
		return;
	}
	update_events(srv, c);
}

/* ---- Accepting ---- */

static void reject_connection(struct kms_server *srv, int fd, int64_t now_ms)
{
	close(fd);
	srv->rejected++;
	srv->rejected_since_log++;
	if (now_ms - srv->last_full_log_ms >= FULL_LOG_INTERVAL_MS) {
		LOG_WARN("rejected %" PRIu64 " connections: max_connections (%" PRIu32
			 ") are open; raise max_connections if clients need more",
			 srv->rejected_since_log, srv->cfg->max_connections);
		srv->rejected_since_log = 0;
		srv->last_full_log_ms = now_ms;
	}
}

static void add_conn(struct kms_server *srv, int fd,
		     const struct sockaddr_storage *peer, int64_t now_ms)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN };
	char name[64];

	format_peer(peer, name, sizeof(name));
	if (c == NULL || (c->ssl = SSL_new(srv->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, fd) != 1) {
		LOG_ERR("conn peer=%s: out of memory for a new connection", name);
		if (c != NULL)
			SSL_free(c->ssl);
		free(c);
		close(fd);
		return;
	}
	SSL_set_accept_state(c->ssl);
	c->fd = fd;
	c->state = CONN_HANDSHAKE;
	c->last_active_ms = now_ms;
	c->events = EPOLLIN;
	kms_session_init(&c->session, name);
	kms_buf_init(&c->out, OUT_MAX);
	ev.data.ptr = c;
	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		LOG_ERR("conn peer=%s: epoll_ctl failed: %s", name, strerror(errno));
		SSL_free(c->ssl);
		kms_session_free(&c->session);
		free(c);
		close(fd);
		return;
	}
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	srv->accepted++;
	LOG_DEBUG("conn peer=%s accepted", name);
}

static void accept_all(struct kms_server *srv)
{
	int64_t now_ms = monotonic_ms();

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(srv->listen_fd, (struct sockaddr *)&peer, &peer_len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				LOG_WARN("accept failed: %s", strerror(errno));
			return;
		}
		if (srv->n_conns >= srv->cfg->max_connections)
			reject_connection(srv, fd, now_ms);
		else
			add_conn(srv, fd, &peer, now_ms);
	}
}

/* ---- Timeouts ---- */

/*
 * Whether a connection has used up idle_timeout_s: no traffic for that
 * long, or a request still incomplete that long after its first byte, so
 * that a client sending a byte now and then cannot hold a connection.
 */
static bool timed_out(const struct conn *c, int64_t now_ms, int64_t limit_ms)
{
	if (now_ms - c->last_active_ms >= limit_ms)
		return true;
	return c->state == CONN_OPEN && kms_session_mid_request(&c->session) &&
	       now_ms - c->request_start_ms >= limit_ms;
}

static void expire(struct kms_server *srv)
{
	int64_t now_ms = monotonic_ms();
	int64_t limit_ms = (int64_t)srv->cfg->idle_timeout_s * 1000;
	struct conn *next;

	for (struct conn *c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CONN_DRAIN) {
			if (now_ms >= c->drain_until_ms)
				conn_close(srv, c);
			continue;
		}
		if (!timed_out(c, now_ms, limit_ms))
			continue;
		if (c->state == CONN_OPEN && c->out.len == 0 &&
		    kms_session_mid_request(&c->session)) {
			kms_session_timed_out(&c->session, &c->out);
			if (flush_out(c, now_ms) == 0) {
				if (c->out.len == 0)
					begin_drain(c, now_ms);
				update_events(srv, c);
				continue;
			}
		}
		LOG_DEBUG("conn peer=%s timed out after %" PRIu32 " s",
			  c->session.peer, srv->cfg->idle_timeout_s);
		conn_close(srv, c);
	}
}

/* ---- Server ---- */

struct kms_server *kms_server_open(struct kms *kms, SSL_CTX *ctx)
{
	const struct kms_config *cfg = kms->cfg;
	struct kms_server *srv = calloc(1, sizeof(*srv));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_tag };
	int enable = 1;

	if (srv == NULL) {
		LOG_ERR("out of memory");
		return NULL;
	}
	srv->kms = kms;
	srv->cfg = cfg;
	srv->ctx = ctx;
	srv->listen_fd = -1;
	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epoll_fd < 0) {
		LOG_ERR("epoll_create1 failed: %s", strerror(errno));
		kms_server_close(srv);
		return NULL;
	}
	srv->listen_fd = socket(cfg->listen_addr.ss_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->listen_fd >= 0) {
		setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &enable,
			   sizeof(enable));
		if (cfg->listen_addr.ss_family == AF_INET6)
			setsockopt(srv->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY,
				   &enable, sizeof(enable));
	}
	if (srv->listen_fd < 0 ||
	    bind(srv->listen_fd, (const struct sockaddr *)&cfg->listen_addr,
		 cfg->listen_addr_len) != 0 ||
	    listen(srv->listen_fd, SOMAXCONN) != 0 ||
	    epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->listen_fd, &ev) != 0) {
		LOG_ERR("cannot listen on %s: %s; choose a free port or another "
			"address", cfg->listen, strerror(errno));
		kms_server_close(srv);
		return NULL;
	}
	LOG_NOTICE("listening on https://%s%s (TLS 1.2 and 1.3, client "
		   "certificates %s), %zu users, %zu LI nodes", cfg->listen,
		   cfg->path, cfg->ca_file != NULL ? "required" : "not required",
		   cfg->n_users, cfg->n_li_nodes);
	return srv;
}

int kms_server_run(struct kms_server *srv, volatile sig_atomic_t *stop)
{
	struct epoll_event events[EPOLL_BATCH];
	int64_t next_tick = monotonic_ms() + TICK_MS;

	while (!*stop) {
		int64_t wait = next_tick - monotonic_ms();
		int n = epoll_wait(srv->epoll_fd, events, EPOLL_BATCH,
				   wait < 0 ? 0 : (int)wait);

		if (n < 0 && errno != EINTR) {
			LOG_ERR("epoll_wait failed: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == &listener_tag)
				accept_all(srv);
			else
				service(srv, events[i].data.ptr);
		}
		if (monotonic_ms() >= next_tick) {
			expire(srv);
			next_tick = monotonic_ms() + TICK_MS;
		}
	}
	return 0;
}

void kms_server_close(struct kms_server *srv)
{
	const struct kms_stats *st;

	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_close(srv, srv->conns);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->epoll_fd >= 0)
		close(srv->epoll_fd);
	st = &srv->kms->stats;
	LOG_NOTICE("totals: %" PRIu64 " connections, %" PRIu64 " rejected, %"
		   PRIu64 " TLS handshake failures, %" PRIu64 " exchanges ok, %"
		   PRIu64 " failed with a MIKEY Error response, %" PRIu64 " bodies not "
		   "MIKEY", srv->accepted, srv->rejected, srv->handshake_failures,
		   st->exchanges_ok, st->exchanges_failed, st->not_mikey);
	LOG_NOTICE("key reports: %" PRIu64 " stored, %" PRIu64 " duplicate, %" PRIu64
		   " conflicting, %" PRIu64 " fetched, %" PRIu64 " fetches not reported",
		   st->reports_stored, st->reports_duplicate, st->reports_conflicting,
		   st->fetches_found, st->fetches_not_reported);
	free(srv);
}
