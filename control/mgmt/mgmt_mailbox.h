/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_MAILBOX_H
#define LIME_CONTROL_MGMT_MAILBOX_H

/*
 * The handoff of a candidate configuration from the management thread to
 * the control lcore, which alone may apply it. The control loop polls the
 * registered mailbox once per iteration (mgmt_control_poll()), and the
 * management thread waits on a condition variable for the result.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "control/config.h"

struct control;

#define MGMT_MAILBOX_ERR_LEN 512

struct mgmt_mailbox {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;                   /* read without the lock by the control lcore */
	bool stopping;
	struct lime_config *candidate; /* set until the control lcore takes it */
	const void *version;
	bool done;
	int status;
	char err[MGMT_MAILBOX_ERR_LEN];
};

int mgmt_mailbox_init(struct mgmt_mailbox *mb);
void mgmt_mailbox_destroy(struct mgmt_mailbox *mb);

/* Makes mb the mailbox that mgmt_control_poll() serves. NULL detaches it. */
void mgmt_mailbox_register(struct mgmt_mailbox *mb);

/*
 * Posts candidate, taking ownership of it, and waits for the control lcore.
 * A candidate not taken within timeout_ms, or when the mailbox stops, is
 * withdrawn with status 503.
 * Returns 0 when applied, or an HTTP status with err.
 */
int mgmt_mailbox_submit(struct mgmt_mailbox *mb, struct lime_config *candidate,
			const void *version, int timeout_ms, char *err, size_t err_len);

/* Rejects further candidates and wakes a waiting submitter. */
void mgmt_mailbox_stop(struct mgmt_mailbox *mb);

/*
 * Control lcore only: applies a posted candidate with
 * control_apply_config(), unless a reload replaced the configuration that
 * the candidate was built from (then 409). Costs one atomic load when
 * nothing is posted.
 */
void mgmt_control_poll(struct control *c);

#endif
