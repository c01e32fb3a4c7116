/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io_uring backend: connect, send and receive are submitted to the ring
 * and their completions dispatched to the connections. Every connection
 * keeps one receive in flight while it is open. Its buffers live in the
 * connection slot, which stays reserved until the kernel has completed
 * every operation that refers to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kms_client/kc_conn.h"
#include "kms_client/kc_internal.h"
#include "kms_client/kc_io.h"

struct kc_uring {
	struct kc_io io;
	struct io_uring ring;
	int wake_fd;
	uint64_t wake_value;       /* target of the read of wake_fd */
	struct kc_io_op wake_op;
};

static struct kc_uring *uring_of(struct kc_io *io)
{
	return (struct kc_uring *)io;
}

/* Returns a free submission entry, submitting queued ones when the queue
 * is full. */
static struct io_uring_sqe *get_sqe(struct kc_uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

static int arm_wake(struct kc_uring *u)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, u->wake_fd, &u->wake_value, sizeof(u->wake_value), 0);
	io_uring_sqe_set_data(sqe, &u->wake_op);
	u->wake_op.in_flight = true;
	return 0;
}

static int arm_recv(struct kc_uring *u, struct kc_conn *conn)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, conn->fd, conn->in_buf, sizeof(conn->in_buf), 0);
	io_uring_sqe_set_data(sqe, &conn->read_op);
	conn->read_op.in_flight = true;
	return 0;
}

static int uring_connect(struct kc_io *io, struct kc_conn *conn)
{
	struct kc_uring *u = uring_of(io);
	/* A blocking socket: io_uring waits for it without blocking the
	 * thread, whereas O_NONBLOCK would make operations end in EAGAIN. */
	int fd = socket(conn->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct io_uring_sqe *sqe = get_sqe(u);
	if (!sqe) {
		close(fd);
		return -EBUSY;
	}
	conn->fd = fd;
	conn->generation++;
	conn->io_connecting = true;
	conn->io_closing = false;
	io_uring_prep_connect(sqe, fd, (const struct sockaddr *)&conn->addr, conn->addr_len);
	io_uring_sqe_set_data(sqe, &conn->write_op);
	conn->write_op.in_flight = true;
	return 0;
}

static int uring_send(struct kc_io *io, struct kc_conn *conn)
{
	struct io_uring_sqe *sqe = get_sqe(uring_of(io));
	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, conn->fd, conn->out_buf + conn->out_off,
			   conn->out_len - conn->out_off, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &conn->write_op);
	conn->write_op.in_flight = true;
	return 0;
}

static void release(struct kc_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
	conn->io_closing = false;
	conn->io_connecting = false;
	kc_conn_on_released(conn);
}

static void cancel(struct kc_uring *u, struct kc_io_op *op)
{
	if (!op->in_flight)
		return;
	struct io_uring_sqe *sqe = get_sqe(u);
	if (!sqe)
		return;   /* the shutdown() below ends a receive or send anyway */
	io_uring_prep_cancel(sqe, op, 0);
	io_uring_sqe_set_data(sqe, NULL);
}

static void uring_close(struct kc_io *io, struct kc_conn *conn)
{
	struct kc_uring *u = uring_of(io);
	if (!conn->read_op.in_flight && !conn->write_op.in_flight) {
		release(conn);
		return;
	}
	/* shutdown() completes a pending receive or send at once, and a
	 * pending connect needs the cancel. The slot is released when the last of
	 * them completes. */
	conn->io_closing = true;
	shutdown(conn->fd, SHUT_RDWR);
	cancel(u, &conn->read_op);
	cancel(u, &conn->write_op);
}

static void complete_connect(struct kc_uring *u, struct kc_conn *conn, int res)
{
	conn->io_connecting = false;
	if (res < 0) {
		close(conn->fd);
		conn->fd = -1;
		kc_conn_on_connect(conn, -res);
		return;
	}
	int r = arm_recv(u, conn);
	if (r < 0) {
		/* Nothing is in flight, so the socket can go at once. */
		close(conn->fd);
		conn->fd = -1;
		kc_conn_on_connect(conn, -r);
		return;
	}
	kc_conn_on_connect(conn, 0);
}

static void complete_recv(struct kc_uring *u, struct kc_conn *conn, int res)
{
	if (res < 0) {
		kc_conn_on_io_error(conn, -res);
		return;
	}
	uint32_t generation = conn->generation;
	kc_conn_on_recv(conn, (size_t)res);
	/* Keep receiving unless the handler closed the connection. */
	if (res > 0 && conn->fd >= 0 && !conn->io_closing && conn->generation == generation &&
	    !conn->read_op.in_flight && arm_recv(u, conn) < 0)
		kc_conn_on_io_error(conn, EBUSY);
}

static void complete_op(struct kc_uring *u, struct kc_io_op *op, int res)
{
	op->in_flight = false;
	struct kc_conn *conn = op->conn;
	if (!conn) {
		arm_wake(u);
		return;
	}
	if (conn->io_closing) {
		if (!conn->read_op.in_flight && !conn->write_op.in_flight)
			release(conn);
		return;
	}
	if (op == &conn->read_op)
		complete_recv(u, conn, res);
	else if (conn->io_connecting)
		complete_connect(u, conn, res);
	else if (res <= 0)
		/* A send of at least one byte never returns 0. */
		kc_conn_on_io_error(conn, res < 0 ? -res : EPIPE);
	else
		kc_conn_on_sent(conn, (size_t)res);
}

static int uring_wait(struct kc_io *io, int timeout_ms)
{
	struct kc_uring *u = uring_of(io);
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	int r = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1,
						 timeout_ms >= 0 ? &ts : NULL, NULL);
	if (r < 0 && r != -ETIME && r != -EINTR)
		return r;

	/* Each completion is consumed before its handler runs, because a
	 * handler may submit new operations. */
	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		struct kc_io_op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		if (op)
			complete_op(u, op, res);
	}
	return 0;
}

static void uring_destroy(struct kc_io *io)
{
	struct kc_uring *u = uring_of(io);
	io_uring_queue_exit(&u->ring);
	free(u);
}

static const struct kc_io_ops uring_ops = {
	.name = "io_uring",
	.connect = uring_connect,
	.send = uring_send,
	.close = uring_close,
	.wait = uring_wait,
	.destroy = uring_destroy,
};

/* Checks that the kernel supports every operation the backend uses. */
static int probe_operations(struct io_uring *ring, char *reason, size_t reason_len)
{
	static const struct { int op; const char *name; } needed[] = {
		{ IORING_OP_CONNECT, "connect" },
		{ IORING_OP_SEND, "send" },
		{ IORING_OP_RECV, "recv" },
		{ IORING_OP_READ, "read" },
		{ IORING_OP_ASYNC_CANCEL, "async cancel" },
	};
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	if (!probe) {
		snprintf(reason, reason_len, "io_uring probe failed (kernel older than 5.6)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!io_uring_opcode_supported(probe, needed[i].op)) {
			snprintf(reason, reason_len, "io_uring lacks the %s operation", needed[i].name);
			io_uring_free_probe(probe);
			return -1;
		}
	}
	io_uring_free_probe(probe);
	return 0;
}

int kc_io_uring_new(struct kc_io **out, int wake_fd, uint32_t max_conns,
		    char *reason, size_t reason_len)
{
	struct kc_uring *u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(reason, reason_len, "out of memory");
		return -1;
	}
	/* Per connection at most two operations and two cancels, plus the
	 * read of the wake eventfd. */
	unsigned entries = 4 * max_conns + 8;
	int r = io_uring_queue_init(entries, &u->ring, 0);
	if (r < 0) {
		snprintf(reason, reason_len, "io_uring_queue_init failed: %s", strerror(-r));
		free(u);
		return -1;
	}
	u->io.ops = &uring_ops;
	u->wake_fd = wake_fd;
	if (probe_operations(&u->ring, reason, reason_len) != 0) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return -1;
	}
	/* io_uring ends a read of an O_NONBLOCK file with EAGAIN instead of
	 * waiting for it, so the wake eventfd must block. */
	int flags = fcntl(wake_fd, F_GETFL);
	if (flags >= 0)
		fcntl(wake_fd, F_SETFL, flags & ~O_NONBLOCK);
	arm_wake(u);   /* the queue is empty, so this cannot fail */
	*out = &u->io;
	return 0;
}
