/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_IO_H
#define LIME_DELIVERY_IO_H

/*
 * The I/O thread's event backends. Each operation completes later, from
 * wait(), through the dl_conn_connected(), dl_conn_written() and
 * dl_conn_received() callbacks. A connection has at most one connect or
 * send, and one receive, in flight. cancel() ends them, and
 * dl_conn_closed() follows from wait() once none is left, so that no
 * buffer is released while the kernel may still use it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct delivery;
struct dl_conn;

/* struct dl_io_op kind: what an io_uring completion belongs to. */
enum dl_io_op_kind { DL_OP_CONNECT = 1, DL_OP_WRITE, DL_OP_READ, DL_OP_WAKE };

struct dl_io_backend {
	const char *name;
	bool nonblocking_sockets;
	int (*init)(struct delivery *d, char *err, size_t err_len);
	void (*fini)(struct delivery *d);
	/* Connects c->fd to the address; -errno when it failed at once. */
	int (*connect)(struct delivery *d, struct dl_conn *c,
		       const struct sockaddr *addr, socklen_t len);
	/* Sends c->msg. */
	int (*send)(struct delivery *d, struct dl_conn *c);
	/* Receives into c->rbuf. */
	int (*recv)(struct delivery *d, struct dl_conn *c);
	void (*cancel)(struct delivery *d, struct dl_conn *c);
	/* Waits up to timeout_ms for completions, or for a write to
	 * d->wake_fd, and dispatches them. */
	int (*wait)(struct delivery *d, int timeout_ms);
};

extern const struct dl_io_backend dl_io_epoll;
extern const struct dl_io_backend dl_io_uring;

/* Checks that io_uring can be set up with every operation the backend
 * uses; otherwise writes the reason. */
bool dl_io_uring_usable(char *reason, size_t reason_len);

#endif
