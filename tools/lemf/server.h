/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_SERVER_H
#define LIME_TOOLS_LEMF_SERVER_H

/*
 * The event loop: one epoll set with the HI2 and HI3 listeners and every
 * accepted connection, all non-blocking and in one thread.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/lemf/lemf.h"
#include "tools/lemf/stream.h"

/* Bytes of queued responses a connection may hold before it is closed for
 * not reading them. */
#define CONN_OUT_MAX (64u * 1024u)

struct conn {
	int fd;
	enum lemf_interface iface;
	uint64_t id;               /* accept order, from 1 */
	char name[96];             /* "hi2#3 [::1]:41000" for logs */
	struct pdu_stream in;
	uint8_t *out;              /* queued bytes not yet written */
	size_t out_len;
	bool watching_out;         /* EPOLLOUT is in the epoll set */
	uint64_t pdus;
	struct conn *prev, *next;
};

struct server {
	int epoll_fd;
	int listen_fd[2];          /* by enum lemf_interface */
	size_t max_pdu;
	struct conn *conns;
	uint64_t next_id;
};

/*
 * Creates both listeners. Returns 0, or -1 after logging which address
 * could not be bound.
 */
int server_open(struct server *srv, const struct lemf_options *opt);

/* Runs until *stop is set by a signal handler. Returns 0 or -1 when the
 * event loop itself failed. */
int server_run(struct server *srv, volatile sig_atomic_t *stop);

/* Closes the listeners and every connection. */
void server_close(struct server *srv);

/* Queues bytes for the peer and writes what the socket takes now.
 * Returns 0, or -1 when the connection must be closed. */
int conn_send(struct server *srv, struct conn *c, const uint8_t *p, size_t n);

/* Formats a socket address as "1.2.3.4:5" or "[::1]:5". */
void format_sockaddr(const struct sockaddr *sa, char *out, size_t cap);

#endif
