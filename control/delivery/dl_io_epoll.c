/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll backend: non-blocking sockets. A send is tried at the next wait()
 * and again on EPOLLOUT; a receive waits for EPOLLIN. Completions and
 * closes are delivered from wait() only, as with io_uring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

#define EVENTS_PER_WAIT 64
/* Rounds of ready sends and closes per wait(), so that a connection that
 * keeps accepting bytes cannot starve the others. */
#define MAX_ROUNDS 16

/* Connections with a send to try or a close to report. */
struct pending_list {
	struct dl_conn **items;
	size_t n, cap;
};

struct epoll_state {
	int epfd;
	struct pending_list sends, closes;
};

static struct epoll_state *state_of(struct delivery *d)
{
	return d->io_state;
}

static int list_add(struct pending_list *l, struct dl_conn *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dl_conn **items = realloc(l->items, cap * sizeof(*items));

		if (items == NULL)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = c;
	return 0;
}

static int epoll_init(struct delivery *d, char *err, size_t err_len)
{
	struct epoll_state *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		snprintf(err, err_len, "epoll_create1 failed: %s", strerror(errno));
		free(s);
		return -1;
	}

	/* data.ptr NULL marks the wake eventfd. */
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, d->wake_fd, &ev) != 0) {
		snprintf(err, err_len, "epoll_ctl on the wake eventfd failed: %s",
			 strerror(errno));
		close(s->epfd);
		free(s);
		return -1;
	}
	d->io_state = s;
	return 0;
}

static void epoll_fini(struct delivery *d)
{
	struct epoll_state *s = state_of(d);

	if (s == NULL)
		return;
	close(s->epfd);
	free(s->sends.items);
	free(s->closes.items);
	free(s);
	d->io_state = NULL;
}

/* Watches the socket for what the connection waits for. */
static int update_interest(struct delivery *d, struct dl_conn *c)
{
	uint32_t events = 0;

	if (c->want_connect || c->want_write)
		events |= EPOLLOUT;
	if (c->want_read)
		events |= EPOLLIN | EPOLLRDHUP;
	if (c->epoll_added && events == c->epoll_events)
		return 0;

	struct epoll_event ev = {.events = events, .data.ptr = c};
	int op = c->epoll_added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_ctl(state_of(d)->epfd, op, c->fd, &ev) != 0)
		return -errno;
	c->epoll_added = true;
	c->epoll_events = events;
	return 0;
}

static int epoll_connect(struct delivery *d, struct dl_conn *c,
			 const struct sockaddr *addr, socklen_t len)
{
	if (connect(c->fd, addr, len) != 0 && errno != EINPROGRESS)
		return -errno;
	/* Writability reports the result, also of an immediate success. */
	c->want_connect = true;
	return update_interest(d, c);
}

static int epoll_send(struct delivery *d, struct dl_conn *c)
{
	c->want_write = true;
	return list_add(&state_of(d)->sends, c);
}

static int epoll_recv(struct delivery *d, struct dl_conn *c)
{
	c->want_read = true;
	return update_interest(d, c);
}

static void epoll_cancel(struct delivery *d, struct dl_conn *c)
{
	struct epoll_state *s = state_of(d);

	if (c->epoll_added)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->epoll_added = false;
	c->want_connect = c->want_write = c->want_read = false;
	if (list_add(&s->closes, c) != 0) {
		/* Without room to defer it, report the close now. */
		dl_conn_closed(c);
	}
}

/* Sends what the connection has queued; reports a completion unless the
 * socket is full. */
static void try_send(struct delivery *d, struct dl_conn *c)
{
	if (!c->want_write || c->state == DL_CONN_CLOSING)
		return;

	ssize_t n = sendmsg(c->fd, &c->msg, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		int rc = update_interest(d, c);

		if (rc != 0) {
			c->want_write = false;
			dl_conn_written(c, rc);
		}
		return;
	}
	c->want_write = false;
	update_interest(d, c);
	dl_conn_written(c, n < 0 ? -errno : n);
}

static void try_recv(struct delivery *d, struct dl_conn *c)
{
	if (!c->want_read || c->state == DL_CONN_CLOSING)
		return;

	ssize_t n = recv(c->fd, c->rbuf, sizeof(c->rbuf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	c->want_read = false;
	update_interest(d, c);
	dl_conn_received(c, n < 0 ? -errno : n);
}

static void finish_connect(struct delivery *d, struct dl_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	c->want_connect = false;
	update_interest(d, c);
	dl_conn_connected(c, -err);
}

static void handle_event(struct delivery *d, const struct epoll_event *ev)
{
	struct dl_conn *c = ev->data.ptr;
	uint32_t e = ev->events;

	if (c == NULL) {
		uint64_t count;

		if (read(d->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			LOG_ERR("reading the delivery wake eventfd failed: %s",
				strerror(errno));
		return;
	}
	if (c->state == DL_CONN_CLOSING)
		return;
	if (c->want_connect && (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		finish_connect(d, c);
		return;
	}
	if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		try_send(d, c);
	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		try_recv(d, c);
}

/* Runs the deferred sends and closes; returns how many it handled. */
static size_t run_pending(struct delivery *d)
{
	struct epoll_state *s = state_of(d);
	size_t handled = 0;

	for (int round = 0; round < MAX_ROUNDS && (s->sends.n || s->closes.n); round++) {
		struct pending_list sends = s->sends, closes = s->closes;

		/* Callbacks add to fresh lists, handled next round. */
		memset(&s->sends, 0, sizeof(s->sends));
		memset(&s->closes, 0, sizeof(s->closes));
		for (size_t i = 0; i < sends.n; i++)
			try_send(d, sends.items[i]);
		for (size_t i = 0; i < closes.n; i++)
			dl_conn_closed(closes.items[i]);
		handled += sends.n + closes.n;
		free(sends.items);
		free(closes.items);
	}
	return handled;
}

static int epoll_wait_events(struct delivery *d, int timeout_ms)
{
	struct epoll_event events[EVENTS_PER_WAIT];

	if (run_pending(d) > 0)
		timeout_ms = 0;
	if (state_of(d)->sends.n || state_of(d)->closes.n)
		timeout_ms = 0;

	int n = epoll_wait(state_of(d)->epfd, events, EVENTS_PER_WAIT, timeout_ms);

	d->now_ms = dl_now_ms();
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		LOG_ERR("epoll_wait failed: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++)
		handle_event(d, &events[i]);
	return 0;
}

const struct dl_io_backend dl_io_epoll = {
	.name = "epoll",
	.nonblocking_sockets = true,
	.init = epoll_init,
	.fini = epoll_fini,
	.connect = epoll_connect,
	.send = epoll_send,
	.recv = epoll_recv,
	.cancel = epoll_cancel,
	.wait = epoll_wait_events,
};
