/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_IO_H
#define LIME_KMS_CLIENT_IO_H

/*
 * Socket I/O of the KMS client's thread, with io_uring or epoll behind
 * one interface. The backend creates and closes the sockets and reports
 * every event to the connection through the kc_conn_on_*() functions of
 * kc_conn.h, always from inside wait(), except where noted below.
 */

#include <stddef.h>
#include <stdint.h>

struct kc_conn;
struct kc_io;

struct kc_io_ops {
	const char *name;
	/* Creates conn->fd for conn->addr and starts connecting. The result
	 * arrives in kc_conn_on_connect(). After a failed connect the socket
	 * is closed already. Once connected, the backend receives
	 * continuously into conn->in_buf and reports with kc_conn_on_recv().
	 * Returns 0, or -errno when nothing was started. */
	int (*connect)(struct kc_io *io, struct kc_conn *conn);
	/* Starts sending conn->out_buf from out_off to out_len, reported by
	 * kc_conn_on_sent(), with one send at a time per connection. Returns
	 * 0 or -errno. */
	int (*send)(struct kc_io *io, struct kc_conn *conn);
	/* Ends all I/O of conn and closes its socket. Calls
	 * kc_conn_on_released() once no operation refers to conn anymore,
	 * which may happen before close returns. */
	void (*close)(struct kc_io *io, struct kc_conn *conn);
	/* Waits up to timeout_ms (-1: without limit) for events and
	 * dispatches them. Returns early when the wake eventfd is signalled.
	 * Returns 0, or -errno when the backend itself failed. */
	int (*wait)(struct kc_io *io, int timeout_ms);
	void (*destroy)(struct kc_io *io);
};

struct kc_io {
	const struct kc_io_ops *ops;
};

/* Creates the io_uring backend for up to max_conns connections. Returns
 * 0, or -1 with a message in reason (the kernel lacks io_uring, it is
 * disabled, or an operation is not supported). */
int kc_io_uring_new(struct kc_io **out, int wake_fd, uint32_t max_conns,
		    char *reason, size_t reason_len);

/* Creates the epoll backend for the connections of conns[0..n_conns). */
int kc_io_epoll_new(struct kc_io **out, int wake_fd, struct kc_conn *conns,
		    uint32_t n_conns, char *reason, size_t reason_len);

#endif
