/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll backend: non-blocking sockets, level-triggered readiness. A send
 * is started by asking for EPOLLOUT and done when the socket is writable,
 * so that, as with io_uring, every event reaches the connection from
 * inside wait().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kms_client/kc_conn.h"
#include "kms_client/kc_internal.h"
#include "kms_client/kc_io.h"

#define MAX_EVENTS 64
/* Event tag of the wake eventfd. Connections use their index. */
#define WAKE_TAG UINT32_MAX

struct kc_epoll {
	struct kc_io io;
	int epfd;
	int wake_fd;
	struct kc_conn *conns;
	uint32_t n_conns;
};

static struct kc_epoll *epoll_of(struct kc_io *io)
{
	return (struct kc_epoll *)io;
}

static uint64_t tag_of(const struct kc_conn *conn)
{
	return (uint64_t)conn->generation << 32 | conn->index;
}

/* Sets the events of conn's socket. */
static int watch(struct kc_epoll *e, struct kc_conn *conn, uint32_t events)
{
	if (events == conn->epoll_events)
		return 0;
	struct epoll_event ev = { .events = events, .data.u64 = tag_of(conn) };
	int op = conn->epoll_events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(e->epfd, op, conn->fd, &ev) != 0)
		return -errno;
	conn->epoll_events = events;
	return 0;
}

static void close_socket(struct kc_epoll *e, struct kc_conn *conn)
{
	if (conn->fd < 0)
		return;
	/* Closing the socket removes it from the epoll set. */
	close(conn->fd);
	conn->fd = -1;
	conn->epoll_events = 0;
	conn->io_connecting = false;
}

static int epoll_connect(struct kc_io *io, struct kc_conn *conn)
{
	struct kc_epoll *e = epoll_of(io);
	int fd = socket(conn->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	conn->fd = fd;
	conn->generation++;
	conn->epoll_events = 0;

	if (connect(fd, (const struct sockaddr *)&conn->addr, conn->addr_len) != 0 &&
	    errno != EINPROGRESS) {
		int err = errno;
		close_socket(e, conn);
		return -err;
	}
	/* Writability reports the end of the connect, even when it
	 * succeeded at once on loopback. */
	conn->io_connecting = true;
	int r = watch(e, conn, EPOLLOUT);
	if (r != 0)
		close_socket(e, conn);
	return r;
}

static int epoll_send(struct kc_io *io, struct kc_conn *conn)
{
	return watch(epoll_of(io), conn, EPOLLIN | EPOLLOUT);
}

static void epoll_close(struct kc_io *io, struct kc_conn *conn)
{
	close_socket(epoll_of(io), conn);
	kc_conn_on_released(conn);
}

static void finish_connect(struct kc_epoll *e, struct kc_conn *conn)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	conn->io_connecting = false;
	if (err == 0)
		err = -watch(e, conn, EPOLLIN);
	if (err != 0)
		close_socket(e, conn);
	kc_conn_on_connect(conn, err);
}

static void do_send(struct kc_epoll *e, struct kc_conn *conn)
{
	ssize_t n = send(conn->fd, conn->out_buf + conn->out_off,
			 conn->out_len - conn->out_off, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		kc_conn_on_io_error(conn, errno);
		return;
	}
	/* The connection requests EPOLLOUT again if more is to be sent. */
	int r = watch(e, conn, EPOLLIN);
	if (r != 0) {
		kc_conn_on_io_error(conn, -r);
		return;
	}
	kc_conn_on_sent(conn, (size_t)n);
}

static void do_recv(struct kc_conn *conn)
{
	ssize_t n = recv(conn->fd, conn->in_buf, sizeof(conn->in_buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		kc_conn_on_io_error(conn, errno);
		return;
	}
	kc_conn_on_recv(conn, (size_t)n);
}

/* A handler may close the connection, so each step checks that the event
 * still belongs to the open socket. */
static bool current(const struct kc_conn *conn, uint64_t tag)
{
	return conn->fd >= 0 && tag_of(conn) == tag;
}

static void dispatch_event(struct kc_epoll *e, const struct epoll_event *ev)
{
	uint32_t index = (uint32_t)ev->data.u64;
	if (index == WAKE_TAG) {
		kc_eventfd_clear(e->wake_fd);
		return;
	}
	if (index >= e->n_conns)
		return;
	struct kc_conn *conn = &e->conns[index];
	if (!current(conn, ev->data.u64))
		return;

	if (conn->io_connecting) {
		finish_connect(e, conn);
		return;
	}
	/* An error or hang-up shows up in recv() or send() as well. */
	bool readable = ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP);
	if ((ev->events & (EPOLLOUT | EPOLLERR)) && (conn->epoll_events & EPOLLOUT))
		do_send(e, conn);
	if (readable && current(conn, ev->data.u64))
		do_recv(conn);
}

static int epoll_wait_events(struct kc_io *io, int timeout_ms)
{
	struct kc_epoll *e = epoll_of(io);
	struct epoll_event events[MAX_EVENTS];
	int n = epoll_wait(e->epfd, events, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		dispatch_event(e, &events[i]);
	return 0;
}

static void epoll_destroy(struct kc_io *io)
{
	struct kc_epoll *e = epoll_of(io);
	for (uint32_t i = 0; i < e->n_conns; i++)
		close_socket(e, &e->conns[i]);
	close(e->epfd);
	free(e);
}

static const struct kc_io_ops epoll_ops = {
	.name = "epoll",
	.connect = epoll_connect,
	.send = epoll_send,
	.close = epoll_close,
	.wait = epoll_wait_events,
	.destroy = epoll_destroy,
};

int kc_io_epoll_new(struct kc_io **out, int wake_fd, struct kc_conn *conns,
		    uint32_t n_conns, char *reason, size_t reason_len)
{
	struct kc_epoll *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(reason, reason_len, "out of memory");
		return -1;
	}
	e->io.ops = &epoll_ops;
	e->wake_fd = wake_fd;
	e->conns = conns;
	e->n_conns = n_conns;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_TAG };
	if (e->epfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) {
		snprintf(reason, reason_len, "epoll setup failed: %s", strerror(errno));
		if (e->epfd >= 0)
			close(e->epfd);
		free(e);
		return -1;
	}
	*out = &e->io;
	return 0;
}
