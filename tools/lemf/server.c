/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "lib/util/log.h"
#include "tools/lemf/intercept.h"
#include "tools/lemf/record.h"

#define EPOLL_BATCH 64
/* Wake-up period for WAV header updates when no traffic comes. */
#define TICK_MS 1000
/* Reads per readiness event, so one busy connection cannot starve others. */
#define READS_PER_EVENT 16

/* epoll data of the listeners; connections use their struct conn pointer. */
static int listener_tag[2] = {LEMF_HI2, LEMF_HI3};

void format_sockaddr(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(a->sin_port));
	}
}

static int open_listener(const struct sockaddr_storage *addr, socklen_t len,
			 const char *text, enum lemf_interface iface)
{
	int enable = 1;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		LOG_ERR("%s listener %s: socket failed: %s",
			lemf_interface_name(iface), text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &enable, sizeof(enable));
	if (bind(fd, (const struct sockaddr *)addr, len) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		LOG_ERR("cannot listen for %s on %s: %s; choose a free port or another address",
			lemf_interface_name(iface), text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int server_open(struct server *srv, const struct lemf_options *opt)
{
	memset(srv, 0, sizeof(*srv));
	srv->listen_fd[0] = srv->listen_fd[1] = -1;
	srv->max_pdu = opt->max_pdu;
	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epoll_fd < 0) {
		LOG_ERR("epoll_create1 failed: %s", strerror(errno));
		return -1;
	}
	srv->listen_fd[LEMF_HI2] = open_listener(&opt->hi2_addr, opt->hi2_addr_len,
						 opt->hi2_text, LEMF_HI2);
	if (srv->listen_fd[LEMF_HI2] < 0)
		return -1;
	srv->listen_fd[LEMF_HI3] = open_listener(&opt->hi3_addr, opt->hi3_addr_len,
						 opt->hi3_text, LEMF_HI3);
	if (srv->listen_fd[LEMF_HI3] < 0)
		return -1;

	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listener_tag[i]};

		if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->listen_fd[i], &ev) != 0) {
			LOG_ERR("epoll_ctl on the %s listener failed: %s",
				lemf_interface_name((enum lemf_interface)i), strerror(errno));
			return -1;
		}
	}
	LOG_NOTICE("listening for HI2 on %s and HI3 on %s", opt->hi2_text, opt->hi3_text);
	return 0;
}

enum close_reason {
	CLOSE_BY_PEER,
	CLOSE_ON_ERROR,
	CLOSE_AT_EXIT,
};

static void conn_close(struct server *srv, struct conn *c, enum close_reason reason)
{
	size_t pending = pdu_stream_pending(&c->in);

	/* After an error the pending bytes are garbage, not a cut-off PDU. */
	if (pending > 0 && reason != CLOSE_ON_ERROR) {
		lemf_counters.truncated_at_close++;
		LOG_WARN("%s: connection ended inside a PS-PDU: %zu bytes at stream offset %" PRIu64 " discarded",
			 c->name, pending, c->in.offset + c->in.start);
	}
	if (reason == CLOSE_ON_ERROR)
		lemf_counters.connections_closed_on_error++;
	else if (reason == CLOSE_BY_PEER)
		lemf_counters.connections_closed_by_peer++;
	else
		lemf_counters.connections_open_at_exit++;
	LOG_INFO("%s: closed after %" PRIu64 " PDUs", c->name, c->pdus);

	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pdu_stream_free(&c->in);
	free(c->out);
	free(c);
}

static void accept_all(struct server *srv, enum lemf_interface iface)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(srv->listen_fd[iface], (struct sockaddr *)&peer,
				 &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				LOG_WARN("%s accept failed: %s",
					 lemf_interface_name(iface), strerror(errno));
			return;
		}

		struct conn *c = calloc(1, sizeof(*c));
		char peer_text[64];

		if (c == NULL || pdu_stream_init(&c->in, srv->max_pdu) != 0) {
			LOG_ERR("%s: out of memory for a new connection", lemf_interface_name(iface));
			if (c != NULL)
				pdu_stream_free(&c->in);
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->iface = iface;
		c->id = ++srv->next_id;
		format_sockaddr((struct sockaddr *)&peer, peer_text, sizeof(peer_text));
		snprintf(c->name, sizeof(c->name), "%s#%" PRIu64 " %s",
			 lemf_interface_name(iface), c->id, peer_text);

		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};

		if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			LOG_ERR("%s: epoll_ctl failed: %s", c->name, strerror(errno));
			pdu_stream_free(&c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = c;
		srv->conns = c;
		lemf_counters.connections[iface]++;
		LOG_INFO("%s: connected", c->name);
	}
}

static int update_events(struct server *srv, struct conn *c)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | (c->out_len > 0 ? EPOLLOUT : 0),
		.data.ptr = c,
	};

	c->watching_out = c->out_len > 0;
	return epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes queued bytes. Returns 0, or -1 when the connection failed. */
static int flush_out(struct server *srv, struct conn *c)
{
	size_t done = 0;

	while (done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			LOG_WARN("%s: send failed: %s", c->name, strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
	/* Watch for writability only while bytes wait. */
	if ((c->out_len > 0) != c->watching_out && update_events(srv, c) != 0) {
		LOG_ERR("%s: epoll_ctl failed: %s", c->name, strerror(errno));
		return -1;
	}
	return 0;
}

int conn_send(struct server *srv, struct conn *c, const uint8_t *p, size_t n)
{
	if (c->out_len + n > CONN_OUT_MAX) {
		LOG_ERR("%s: peer does not read its keep-alive responses (%zu bytes queued); closing the connection",
			c->name, c->out_len);
		return -1;
	}
	if (c->out == NULL) {
		c->out = malloc(CONN_OUT_MAX);
		if (c->out == NULL) {
			LOG_ERR("%s: out of memory for the send queue", c->name);
			return -1;
		}
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return flush_out(srv, c);
}

/* Reads and handles what arrived. Returns 0 to keep the connection, 1 when
 * the peer closed it, -1 on an error. */
static int read_conn(struct server *srv, struct conn *c)
{
	for (int i = 0; i < READS_PER_EVENT; i++) {
		size_t avail;
		uint8_t *space = pdu_stream_space(&c->in, &avail);

		if (space == NULL) {
			LOG_ERR("%s: out of memory for the receive buffer", c->name);
			return -1;
		}
		ssize_t n = recv(c->fd, space, avail, 0);

		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			LOG_WARN("%s: recv failed: %s", c->name, strerror(errno));
			return -1;
		}
		pdu_stream_commit(&c->in, (size_t)n);

		for (;;) {
			const uint8_t *pdu;
			size_t len;
			size_t declared = 0;
			uint64_t offset;
			enum pdu_next r = pdu_stream_next(&c->in, &pdu, &len, &offset, &declared);

			if (r == PDU_NEED_MORE)
				break;
			if (r == PDU_INVALID) {
				lemf_counters.decode_errors++;
				LOG_ERR("%s: bytes at stream offset %" PRIu64 " do not start a PS-PDU (first byte 0x%02x); closing the connection",
					c->name, offset, c->in.buf[offset - c->in.offset]);
				return -1;
			}
			if (r == PDU_TOO_LARGE) {
				lemf_counters.oversized_pdus++;
				LOG_ERR("%s: PS-PDU at stream offset %" PRIu64 " declares %zu bytes, above --max-pdu %zu; closing the connection",
					c->name, offset, declared, srv->max_pdu);
				return -1;
			}
			if (record_handle(srv, c, pdu, len, offset) != 0)
				return -1;
		}
	}
	return 0;
}

int server_run(struct server *srv, volatile sig_atomic_t *stop)
{
	struct epoll_event events[EPOLL_BATCH];
	time_t last_tick = time(NULL);

	while (!*stop) {
		int n = epoll_wait(srv->epoll_fd, events, EPOLL_BATCH, TICK_MS);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("epoll_wait failed: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;

			if (ptr == &listener_tag[LEMF_HI2] || ptr == &listener_tag[LEMF_HI3]) {
				accept_all(srv, *(int *)ptr);
				continue;
			}

			struct conn *c = ptr;
			int rc = 0;

			if (events[i].events & EPOLLOUT)
				rc = flush_out(srv, c);
			if (rc == 0 && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				rc = read_conn(srv, c);
			if (rc != 0)
				conn_close(srv, c, rc < 0 ? CLOSE_ON_ERROR : CLOSE_BY_PEER);
		}

		time_t now = time(NULL);

		if (now != last_tick) {
			intercepts_tick(now);
			last_tick = now;
		}
	}
	return 0;
}

void server_close(struct server *srv)
{
	while (srv->conns != NULL)
		conn_close(srv, srv->conns, CLOSE_AT_EXIT);
	for (int i = 0; i < 2; i++) {
		if (srv->listen_fd[i] >= 0)
			close(srv->listen_fd[i]);
		srv->listen_fd[i] = -1;
	}
	if (srv->epoll_fd >= 0)
		close(srv->epoll_fd);
	srv->epoll_fd = -1;
}
