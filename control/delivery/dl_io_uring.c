/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io_uring backend: blocking sockets, so that the kernel waits for buffer
 * space and data itself. One io_uring_submit() per loop turn carries the
 * sends of every connection, each a sendmsg over many records.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

#define RING_ENTRIES 256

struct uring_state {
	struct io_uring ring;
	struct dl_io_op wake_op;
	struct dl_conn **closes;     /* closed with nothing in flight */
	size_t n_closes, cap_closes;
};

static struct uring_state *state_of(struct delivery *d)
{
	return d->io_state;
}

static const int needed_ops[] = {
	IORING_OP_CONNECT, IORING_OP_SENDMSG, IORING_OP_RECV, IORING_OP_READ,
	IORING_OP_ASYNC_CANCEL,
};

bool dl_io_uring_usable(char *reason, size_t reason_len)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(8, &ring, 0);

	if (rc != 0) {
		snprintf(reason, reason_len, "io_uring_queue_init failed: %s", strerror(-rc));
		return false;
	}

	struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
	bool ok = probe != NULL;

	for (size_t i = 0; ok && i < sizeof(needed_ops) / sizeof(needed_ops[0]); i++) {
		if (!io_uring_opcode_supported(probe, needed_ops[i])) {
			snprintf(reason, reason_len, "the kernel's io_uring lacks opcode %d",
				 needed_ops[i]);
			ok = false;
		}
	}
	if (probe == NULL)
		snprintf(reason, reason_len, "the kernel cannot probe io_uring opcodes");
	io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	return ok;
}

/* Returns a submission entry, submitting queued ones when the ring is
 * full. */
static struct io_uring_sqe *get_sqe(struct delivery *d)
{
	struct io_uring *ring = &state_of(d)->ring;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (sqe == NULL) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

static int arm_wake(struct delivery *d)
{
	struct io_uring_sqe *sqe = get_sqe(d);

	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_read(sqe, d->wake_fd, &d->wake_buf, sizeof(d->wake_buf), 0);
	io_uring_sqe_set_data(sqe, &state_of(d)->wake_op);
	return 0;
}

static int uring_init(struct delivery *d, char *err, size_t err_len)
{
	struct uring_state *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	int rc = io_uring_queue_init(RING_ENTRIES, &s->ring, 0);
	if (rc != 0) {
		snprintf(err, err_len, "io_uring_queue_init failed: %s", strerror(-rc));
		free(s);
		return -1;
	}
	s->wake_op.kind = DL_OP_WAKE;
	d->io_state = s;
	if (arm_wake(d) != 0) {
		snprintf(err, err_len, "cannot queue the wake read on io_uring");
		io_uring_queue_exit(&s->ring);
		free(s);
		d->io_state = NULL;
		return -1;
	}
	return 0;
}

static void uring_fini(struct delivery *d)
{
	struct uring_state *s = state_of(d);

	if (s == NULL)
		return;
	io_uring_queue_exit(&s->ring);
	free(s->closes);
	free(s);
	d->io_state = NULL;
}

static int uring_connect(struct delivery *d, struct dl_conn *c,
			 const struct sockaddr *addr, socklen_t len)
{
	struct io_uring_sqe *sqe = get_sqe(d);

	if (sqe == NULL)
		return -EBUSY;
	/* addr points into c->addrs, which outlives the operation. */
	io_uring_prep_connect(sqe, c->fd, addr, len);
	io_uring_sqe_set_data(sqe, &c->op_connect);
	c->ops_inflight++;
	return 0;
}

static int uring_send(struct delivery *d, struct dl_conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(d);

	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &c->op_write);
	c->ops_inflight++;
	return 0;
}

static int uring_recv(struct delivery *d, struct dl_conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(d);

	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_recv(sqe, c->fd, c->rbuf, sizeof(c->rbuf), 0);
	io_uring_sqe_set_data(sqe, &c->op_read);
	c->ops_inflight++;
	return 0;
}

static void add_close(struct delivery *d, struct dl_conn *c)
{
	struct uring_state *s = state_of(d);

	if (s->n_closes == s->cap_closes) {
		size_t cap = s->cap_closes ? s->cap_closes * 2 : 16;
		struct dl_conn **closes = realloc(s->closes, cap * sizeof(*closes));

		if (closes == NULL) {
			dl_conn_closed(c);
			return;
		}
		s->closes = closes;
		s->cap_closes = cap;
	}
	s->closes[s->n_closes++] = c;
}

static void cancel_op(struct delivery *d, struct dl_io_op *op)
{
	struct io_uring_sqe *sqe = get_sqe(d);

	if (sqe == NULL)
		return;
	io_uring_prep_cancel(sqe, op, 0);
	io_uring_sqe_set_data(sqe, NULL);
}

/*
 * Ends the operations in flight. shutdown() completes a blocked send or
 * receive at once; the cancel requests cover a pending connect. The close
 * is reported when the last operation's completion arrives.
 */
static void uring_cancel(struct delivery *d, struct dl_conn *c)
{
	if (c->ops_inflight == 0) {
		add_close(d, c);
		return;
	}
	shutdown(c->fd, SHUT_RDWR);
	cancel_op(d, &c->op_connect);
	cancel_op(d, &c->op_write);
	cancel_op(d, &c->op_read);
}

static void dispatch(struct delivery *d, struct io_uring_cqe *cqe)
{
	struct dl_io_op *op = io_uring_cqe_get_data(cqe);

	if (op == NULL)
		return;   /* a cancel request */
	if (op->kind == DL_OP_WAKE) {
		if (arm_wake(d) != 0)
			LOG_ERR("cannot re-arm the delivery wake read; wake-ups fall back to the loop timeout");
		return;
	}

	struct dl_conn *c = op->conn;

	c->ops_inflight--;
	if (c->state == DL_CONN_CLOSING) {
		if (c->ops_inflight == 0)
			dl_conn_closed(c);
		return;
	}
	switch (op->kind) {
	case DL_OP_CONNECT:
		dl_conn_connected(c, cqe->res < 0 ? cqe->res : 0);
		break;
	case DL_OP_WRITE:
		dl_conn_written(c, cqe->res);
		break;
	case DL_OP_READ:
		dl_conn_received(c, cqe->res);
		break;
	}
}

static void run_closes(struct delivery *d)
{
	struct uring_state *s = state_of(d);

	while (s->n_closes > 0) {
		struct dl_conn *c = s->closes[--s->n_closes];

		dl_conn_closed(c);
	}
}

static int uring_wait(struct delivery *d, int timeout_ms)
{
	struct uring_state *s = state_of(d);
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};

	if (s->n_closes > 0) {
		run_closes(d);
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}

	int rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &ts, NULL);

	d->now_ms = dl_now_ms();
	if (rc < 0 && rc != -ETIME && rc != -EINTR) {
		LOG_ERR("io_uring wait failed: %s", strerror(-rc));
		return -1;
	}

	unsigned head, seen = 0;

	io_uring_for_each_cqe(&s->ring, head, cqe) {
		dispatch(d, cqe);
		seen++;
	}
	io_uring_cq_advance(&s->ring, seen);
	run_closes(d);
	return 0;
}

const struct dl_io_backend dl_io_uring = {
	.name = "io_uring",
	.nonblocking_sockets = false,
	.init = uring_init,
	.fini = uring_fini,
	.connect = uring_connect,
	.send = uring_send,
	.recv = uring_recv,
	.cancel = uring_cancel,
	.wait = uring_wait,
};
