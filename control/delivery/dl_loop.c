/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/O thread: takes submitted records and reload commands, runs the
 * results of worker jobs, services every channel, publishes the drain
 * state, and waits in the backend until the next event or deadline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

/* Maximum sleep of the loop, so that a missed wake-up costs little. */
#define MAX_WAIT_MS 1000
/* Maximum sleep while stopping. */
#define STOP_WAIT_MS 20

uint64_t dl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void dl_wake(struct delivery *d)
{
	uint64_t increment = 1;

	/* EAGAIN means the counter is full, and the reader wakes anyway. */
	if (write(d->wake_fd, &increment, sizeof(increment)) < 0 && errno != EAGAIN)
		LOG_ERR("cannot wake the delivery I/O thread: %s", strerror(errno));
}

/* Moves submitted records to their channels and applies reload commands.
 * Returns the head of the agency list as of now. */
static struct dl_agency *take_submissions(struct delivery *d)
{
	struct dl_queue records;
	struct dl_cmd *cmds;
	struct dl_agency *agencies;

	pthread_mutex_lock(&d->submit_lock);
	records = d->submitted;
	memset(&d->submitted, 0, sizeof(d->submitted));
	cmds = d->cmds;
	d->cmds = d->cmds_tail = NULL;
	agencies = d->agencies;
	if (d->stopping && !d->stop_seen) {
		d->stop_seen = true;
		LOG_NOTICE("delivery stopping: records in memory go to the spool");
	}
	pthread_mutex_unlock(&d->submit_lock);

	while (cmds != NULL) {
		struct dl_cmd *next = cmds->next;

		dl_agency_apply(cmds->agency, cmds);
		dl_agency_conf_free(cmds->conf);
		free(cmds);
		cmds = next;
	}
	for (struct dl_record *rec; (rec = dl_queue_pop(&records)) != NULL;)
		dl_channel_accept(rec->dest, rec);
	return agencies;
}

static void run_finished(struct dl_worker *w)
{
	struct dl_job *job = dl_worker_take_finished(w);

	while (job != NULL) {
		struct dl_job *next = job->next;

		job->done(job);
		job = next;
	}
}

/* Publishes the drain state and the bytes waiting for the memory limit. */
static void publish_state(struct delivery *d, uint64_t request,
			  struct dl_agency *agencies)
{
	bool quiet = true, settled = true;
	uint64_t waiting = 0;

	for (struct dl_agency *ag = agencies; ag != NULL; ag = ag->next) {
		for (int i = 0; i < 2; i++) {
			quiet = quiet && dl_channel_quiet(&ag->ch[i]);
			settled = settled && dl_channel_settled(&ag->ch[i]);
			waiting += ag->ch[i].mem.bytes + ag->ch[i].append_bytes;
		}
	}
	atomic_store(&d->waiting_bytes, waiting);
	pthread_mutex_lock(&d->drain_lock);
	if (d->quiet != quiet || d->settled != settled ||
	    d->drain_seq_seen != request) {
		d->quiet = quiet;
		d->settled = settled;
		d->drain_seq_seen = request;
		pthread_cond_broadcast(&d->drain_cond);
	}
	pthread_mutex_unlock(&d->drain_lock);
}

static bool stop_complete(const struct delivery *d, struct dl_agency *agencies)
{
	if (d->jobs_inflight > 0)
		return false;
	for (struct dl_agency *ag = agencies; ag != NULL; ag = ag->next) {
		if (!dl_channel_idle(&ag->ch[0]) || !dl_channel_idle(&ag->ch[1]))
			return false;
	}
	return true;
}

static int wait_ms(const struct delivery *d, struct dl_agency *agencies)
{
	uint64_t next = UINT64_MAX;
	uint64_t limit = d->stop_seen ? STOP_WAIT_MS : MAX_WAIT_MS;

	for (struct dl_agency *ag = agencies; ag != NULL; ag = ag->next) {
		for (int i = 0; i < 2; i++) {
			uint64_t t = dl_channel_deadline(&ag->ch[i]);

			if (t < next)
				next = t;
		}
	}
	if (next <= d->now_ms)
		return 0;
	return (int)(next - d->now_ms < limit ? next - d->now_ms : limit);
}

void *dl_io_thread(void *arg)
{
	struct delivery *d = arg;

	for (;;) {
		uint64_t request;

		d->now_ms = dl_now_ms();
		/* Read the drain request before taking the records, so that
		 * every record submitted before it is covered. */
		pthread_mutex_lock(&d->drain_lock);
		request = d->drain_seq_req;
		pthread_mutex_unlock(&d->drain_lock);

		struct dl_agency *agencies = take_submissions(d);

		run_finished(&d->spool_worker);
		run_finished(&d->resolver);
		d->now_ms = dl_now_ms();
		for (struct dl_agency *ag = agencies; ag != NULL; ag = ag->next) {
			dl_channel_service(&ag->ch[DELIVERY_HI2]);
			dl_channel_service(&ag->ch[DELIVERY_HI3]);
		}
		publish_state(d, request, agencies);
		if (d->stop_seen && stop_complete(d, agencies))
			break;
		if (d->io->wait(d, wait_ms(d, agencies)) != 0)
			usleep(10000);   /* logged by the backend; do not spin */
	}
	return NULL;
}
