/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One connection to an agency: attempts, the TLS handshake, input, and
 * the timers of each state. Output is in dl_conn_output.c, the close path
 * in dl_conn_close.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/delivery/dl_conn_internal.h"
#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

/* The kernel gives up on a peer that acknowledges nothing this long. */
#define TCP_USER_TIMEOUT_MS 60000

void dl_conn_init(struct dl_conn *c, struct dl_channel *ch)
{
	memset(c, 0, sizeof(*c));
	c->ch = ch;
	c->fd = -1;
	c->state = DL_CONN_IDLE;
	c->backoff_ms = ch->d->opts.reconnect_min_ms;
	c->ack_poll_ms = UINT64_MAX;
	c->op_connect = (struct dl_io_op){.conn = c, .kind = DL_OP_CONNECT};
	c->op_write = (struct dl_io_op){.conn = c, .kind = DL_OP_WRITE};
	c->op_read = (struct dl_io_op){.conn = c, .kind = DL_OP_READ};
}

void dl_conn_free(struct dl_conn *c)
{
	dl_tls_free(c);
	free(c->ring);
	free(c->tx);
	free(c->tx_retired);
	free(c->rx);
	c->ring = NULL;
	c->tx = c->tx_retired = c->rx = NULL;
}

bool dl_conn_may_connect(const struct dl_conn *c)
{
	const struct dl_channel *ch = c->ch;

	return !ch->d->stop_seen && !ch->agency->retired && ch->spool_ready &&
	       ch->agency->conf != NULL;
}

static void set_socket_options(struct dl_conn *c)
{
	int enable = 1;
	unsigned int timeout = TCP_USER_TIMEOUT_MS;

	/* Records are batched already; waiting for more costs latency. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof(enable)) != 0 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout,
		       sizeof(timeout)) != 0)
		LOG_WARN("%s: setting TCP options failed: %s", c->ch->label,
			 strerror(errno));
}

static void format_peer(struct dl_conn *c, const struct sockaddr_storage *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", host,
			 ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", host,
			 ntohs(a->sin_port));
	}
}

/* Connects to the current address, moving on past addresses that fail at
 * once. */
void dl_conn_try_connect(struct dl_conn *c)
{
	int err = -EHOSTUNREACH;

	for (; c->addr_index < c->n_addrs; c->addr_index++) {
		const struct sockaddr_storage *sa = &c->addrs[c->addr_index];
		int type = SOCK_STREAM | SOCK_CLOEXEC |
			   (dl_conn_backend(c)->nonblocking_sockets ? SOCK_NONBLOCK : 0);

		format_peer(c, sa);
		c->fd = socket(sa->ss_family, type, IPPROTO_TCP);
		if (c->fd < 0) {
			err = -errno;
			continue;
		}
		set_socket_options(c);
		c->state = DL_CONN_CONNECTING;
		c->deadline_ms = dl_conn_now(c) + DL_CONNECT_TIMEOUT_MS;
		err = dl_conn_backend(c)->connect(c->ch->d, c, (const struct sockaddr *)sa,
					  c->addr_lens[c->addr_index]);
		if (err == 0)
			return;
		close(c->fd);
		c->fd = -1;
	}
	c->state = DL_CONN_RESOLVING;
	dl_conn_close(c, strerror(-err));
}

static void start_attempt(struct dl_conn *c)
{
	if (c->ring == NULL) {
		c->ring = calloc(DL_RING_SIZE, sizeof(*c->ring));
		if (c->ring == NULL) {
			LOG_ERR("%s: out of memory for a connection", c->ch->label);
			c->next_attempt_ms = dl_conn_now(c) + 1000;
			return;
		}
	}
	c->epoch++;
	c->reconnect_now = false;
	c->state = DL_CONN_RESOLVING;
	dl_resolve_post(c);
}

void dl_conn_resolved(struct dl_conn *c, int err,
		      const struct sockaddr_storage *addrs,
		      const socklen_t *lens, int n)
{
	if (err != 0) {
		dl_conn_close(c, gai_strerror(err));
		return;
	}
	memcpy(c->addrs, addrs, (size_t)n * sizeof(addrs[0]));
	memcpy(c->addr_lens, lens, (size_t)n * sizeof(lens[0]));
	c->n_addrs = n;
	c->addr_index = 0;
	dl_conn_try_connect(c);
}

static void arm_receive(struct dl_conn *c)
{
	if (c->read_inflight)
		return;
	c->read_inflight = true;
	int rc = dl_conn_backend(c)->recv(c->ch->d, c);
	if (rc != 0) {
		c->read_inflight = false;
		dl_conn_close(c, strerror(-rc));
	}
}

static void became_up(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	uint64_t now = dl_conn_now(c);

	c->state = DL_CONN_UP;
	c->was_up = true;
	c->up_since_ms = now;
	c->last_write_ms = now;
	c->last_progress_ms = now;
	c->ka_next_seq = 0;
	c->ka_outstanding = false;
	dl_stat_add(&ch->d->stats.connects, 1);
	if (c->ssl != NULL)
		LOG_NOTICE("%s: connected to %s over %s", ch->label, c->peer,
			   SSL_get_version(c->ssl));
	else
		LOG_NOTICE("%s: connected to %s", ch->label, c->peer);
	arm_receive(c);
	if (c->state == DL_CONN_UP)
		dl_channel_fill(ch);
}

static void drive_handshake(struct dl_conn *c)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(c->ssl);
	int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, rc);

	if (dl_tls_collect(c) != 0) {
		dl_conn_close(c, "out of memory for TLS output");
		return;
	}
	dl_conn_flush(c);
	if (c->state != DL_CONN_HANDSHAKE)
		return;
	if (rc == 1) {
		became_up(c);
	} else if (err != SSL_ERROR_WANT_READ) {
		char text[256];

		dl_tls_error_text(c, text, sizeof(text));
		dl_conn_close(c, text);
	}
}

void dl_conn_connected(struct dl_conn *c, int err)
{
	if (c->state != DL_CONN_CONNECTING)
		return;
	if (err != 0) {
		/* NOTE: no test covers a name with several addresses; the
		 * test machines resolve localhost to 127.0.0.1 only. */
		c->try_next_addr = c->addr_index + 1 < c->n_addrs;
		dl_conn_close(c, strerror(-err));
		return;
	}
	if (c->ch->agency->conf->tls_ctx == NULL) {
		became_up(c);
		return;
	}
	if (dl_tls_start(c) != 0) {
		dl_conn_close(c, "TLS setup failed");
		return;
	}
	c->state = DL_CONN_HANDSHAKE;
	c->deadline_ms = dl_conn_now(c) + DL_CONNECT_TIMEOUT_MS;
	arm_receive(c);
	if (c->state == DL_CONN_HANDSHAKE)
		drive_handshake(c);
}

void dl_conn_received(struct dl_conn *c, long n)
{
	c->read_inflight = false;
	if (c->state != DL_CONN_UP && c->state != DL_CONN_HANDSHAKE &&
	    c->state != DL_CONN_FINISHING)
		return;
	if (n == 0 && c->state == DL_CONN_FINISHING) {
		c->confirmed_close = true;
		dl_conn_close(c, "closed by the agency after lime's FIN");
		return;
	}
	if (n <= 0) {
		dl_conn_close(c, n == 0 ? "closed by the agency"
				       : strerror((int)-n));
		return;
	}
	if (c->ssl == NULL) {
		if (dl_conn_handle_input(c, c->rbuf, (size_t)n) != 0)
			dl_conn_close(c, "invalid data from the agency");
		else
			arm_receive(c);
		return;
	}
	if (c->state == DL_CONN_FINISHING) {
		/* The TLS close_notify went out; what comes back is not read. */
		arm_receive(c);
		return;
	}
	BIO_write(c->rbio, c->rbuf, (int)n);
	if (c->state == DL_CONN_HANDSHAKE)
		drive_handshake(c);
	while (c->state == DL_CONN_UP) {
		uint8_t plain[DL_RECV_BYTES];
		int got = SSL_read(c->ssl, plain, sizeof(plain));

		if (got > 0) {
			if (dl_conn_handle_input(c, plain, (size_t)got) != 0)
				dl_conn_close(c, "invalid data from the agency");
			continue;
		}

		int err = SSL_get_error(c->ssl, got);
		char text[256];

		if (err == SSL_ERROR_WANT_READ)
			break;
		if (err == SSL_ERROR_ZERO_RETURN) {
			dl_conn_close(c, "closed by the agency (TLS close_notify)");
			return;
		}
		dl_tls_error_text(c, text, sizeof(text));
		dl_conn_close(c, text);
		return;
	}
	/* Reading can produce TLS output, such as a key update response. */
	if (c->state == DL_CONN_UP && dl_tls_collect(c) == 0)
		dl_conn_flush(c);
	if (c->state == DL_CONN_UP || c->state == DL_CONN_HANDSHAKE)
		arm_receive(c);
}

void dl_conn_service(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	uint64_t now = dl_conn_now(c);

	if (ch->d->stop_seen || ch->agency->retired || c->restart) {
		dl_conn_service_planned_close(c, ch->d->stop_seen ? "delivery is stopping"
				      : ch->agency->retired
				      ? "agency removed from the configuration"
				      : "the agency's settings changed");
		return;
	}
	switch (c->state) {
	case DL_CONN_IDLE:
		if (dl_conn_may_connect(c) && now >= c->next_attempt_ms)
			start_attempt(c);
		break;
	case DL_CONN_CONNECTING:
	case DL_CONN_HANDSHAKE:
	case DL_CONN_FINISHING:
		if (now >= c->deadline_ms)
			dl_conn_close(c, "timed out");
		break;
	case DL_CONN_UP:
		if (now >= c->ack_poll_ms)
			dl_conn_check_acked(c);
		dl_keepalive_service(c);
		break;
	case DL_CONN_RESOLVING:
	case DL_CONN_CLOSING:
		break;
	}
}

uint64_t dl_conn_deadline(const struct dl_conn *c)
{
	switch (c->state) {
	case DL_CONN_IDLE:
		return dl_conn_may_connect(c) ? c->next_attempt_ms : UINT64_MAX;
	case DL_CONN_CONNECTING:
	case DL_CONN_HANDSHAKE:
	case DL_CONN_FINISHING:
		return c->deadline_ms;
	case DL_CONN_UP: {
		uint64_t t = dl_keepalive_deadline(c);

		if (c->ack_poll_ms < t)
			t = c->ack_poll_ms;
		if (c->finish_by_ms != 0 && c->finish_by_ms < t)
			t = c->finish_by_ms;
		return t;
	}
	default:
		return UINT64_MAX;
	}
}
