/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_mailbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/control.h"

static struct mgmt_mailbox *registered;

int mgmt_mailbox_init(struct mgmt_mailbox *mb)
{
	pthread_condattr_t attr;

	memset(mb, 0, sizeof(*mb));
	if (pthread_mutex_init(&mb->lock, NULL) != 0)
		return -1;

	/* Deadlines on the monotonic clock survive changes of the wall clock. */
	if (pthread_condattr_init(&attr) != 0 ||
	    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&mb->cond, &attr) != 0) {
		pthread_mutex_destroy(&mb->lock);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	return 0;
}

void mgmt_mailbox_destroy(struct mgmt_mailbox *mb)
{
	lime_config_free(mb->candidate);
	mb->candidate = NULL;
	pthread_cond_destroy(&mb->cond);
	pthread_mutex_destroy(&mb->lock);
}

void mgmt_mailbox_register(struct mgmt_mailbox *mb)
{
	__atomic_store_n(&registered, mb, __ATOMIC_RELEASE);
}

void mgmt_mailbox_stop(struct mgmt_mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	mb->stopping = true;
	pthread_cond_broadcast(&mb->cond);
	pthread_mutex_unlock(&mb->lock);
}

/* Takes the candidate back when the control lcore has not started on it. */
static bool withdraw(struct mgmt_mailbox *mb, const char *why, char *err, size_t err_len)
{
	if (mb->candidate == NULL)
		return false;
	lime_config_free(mb->candidate);
	mb->candidate = NULL;
	__atomic_store_n(&mb->pending, 0, __ATOMIC_RELEASE);
	snprintf(err, err_len, "%s, so nothing was applied", why);
	return true;
}

int mgmt_mailbox_submit(struct mgmt_mailbox *mb, struct lime_config *candidate,
			const void *version, int timeout_ms, char *err, size_t err_len)
{
	struct timespec deadline;
	int status = 503;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}

	pthread_mutex_lock(&mb->lock);
	if (mb->stopping) {
		pthread_mutex_unlock(&mb->lock);
		lime_config_free(candidate);
		snprintf(err, err_len, "lime is stopping, so nothing was applied");
		return 503;
	}
	mb->candidate = candidate;
	mb->version = version;
	mb->done = false;
	__atomic_store_n(&mb->pending, 1, __ATOMIC_RELEASE);

	bool timed_out = false;
	while (!mb->done) {
		if (mb->stopping && withdraw(mb, "lime is stopping", err, err_len))
			break;
		if (timed_out && withdraw(mb, "timed out waiting for the control lcore to take the change",
					  err, err_len))
			break;
		/* Once the control lcore has taken the candidate, it always posts a
		 * result, so wait without a deadline. */
		if (mb->candidate == NULL)
			pthread_cond_wait(&mb->cond, &mb->lock);
		else if (pthread_cond_timedwait(&mb->cond, &mb->lock, &deadline) == ETIMEDOUT)
			timed_out = true;
	}
	if (mb->done) {
		status = mb->status;
		snprintf(err, err_len, "%s", mb->err);
	}
	pthread_mutex_unlock(&mb->lock);
	return status;
}

static void finish(struct mgmt_mailbox *mb, int status, const char *err)
{
	pthread_mutex_lock(&mb->lock);
	mb->status = status;
	snprintf(mb->err, sizeof(mb->err), "%s", err);
	mb->done = true;
	__atomic_store_n(&mb->pending, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&mb->cond);
	pthread_mutex_unlock(&mb->lock);
}

void mgmt_control_poll(struct control *c)
{
	struct mgmt_mailbox *mb = __atomic_load_n(&registered, __ATOMIC_ACQUIRE);

	/* This runs on every loop of the control lcore, so it does nothing but
	 * this check when no change is pending. */
	if (mb == NULL || !__atomic_load_n(&mb->pending, __ATOMIC_ACQUIRE))
		return;

	char err[MGMT_MAILBOX_ERR_LEN] = "";

	pthread_mutex_lock(&mb->lock);
	struct lime_config *candidate = mb->candidate;
	const void *version = mb->version;
	mb->candidate = NULL;
	pthread_mutex_unlock(&mb->lock);
	if (candidate == NULL)
		return;

	/*
	 * NOTE: the version is the address of the live configuration, so a
	 * reload that frees it and gets the same address back is not noticed.
	 */
	if (version != (const void *)control_live_config(c)) {
		lime_config_free(candidate);
		finish(mb, 409, "a SIGHUP reload replaced the configuration while the "
		       "request was handled, so nothing was applied. Send the request again");
		return;
	}
	if (control_apply_config(c, candidate, err, sizeof(err)) != 0) {
		finish(mb, 500, err);
		return;
	}
	finish(mb, 0, "");
}
