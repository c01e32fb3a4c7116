/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_SERVER_H
#define LIME_CONTROL_MGMT_SERVER_H

/*
 * The management API server: a thread of its own that accepts HTTPS
 * connections one at a time, handles one request per connection and
 * writes the audit lines. It reads the live configuration under the
 * control's state lock. It never changes control state itself, but hands
 * changes to the control lcore through the mailbox (mgmt_mailbox.h).
 */

#include "control/config.h"

struct control;
struct mgmt_server;

/*
 * Starts the server of the management section mg, which must outlive it.
 * Returns NULL after logging why (address in use, unreadable certificate).
 */
struct mgmt_server *mgmt_server_start(struct control *c,
				      const struct lime_management_config *mg);

/* Stops the thread and frees the server. NULL is accepted. */
void mgmt_server_stop(struct mgmt_server *s);

#endif
