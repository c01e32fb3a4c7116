/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_CONN_INTERNAL_H
#define LIME_DELIVERY_CONN_INTERNAL_H

/* Shared by dl_conn.c, dl_conn_output.c and dl_conn_close.c. */

#include <stdbool.h>
#include <stdint.h>

#include "control/delivery/dl_internal.h"

/* Fastest and slowest polls of the send queue while bytes await the
 * peer's acknowledgement. */
#define DL_ACK_POLL_MIN_MS 5
#define DL_ACK_POLL_MAX_MS 1000

static inline const struct dl_io_backend *dl_conn_backend(const struct dl_conn *c)
{
	return c->ch->d->io;
}

static inline uint64_t dl_conn_now(const struct dl_conn *c)
{
	return c->ch->d->now_ms;
}

bool dl_conn_may_connect(const struct dl_conn *c);
void dl_conn_try_connect(struct dl_conn *c);
void dl_conn_confirm_written(struct dl_conn *c);
/* Ends the connection of a stopping engine, a removed agency or changed
 * settings: waits up to DL_FINISH_MS for the records on it to be written,
 * then finishes with a FIN. */
void dl_conn_service_planned_close(struct dl_conn *c, const char *reason);

#endif
