/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_WORKER_H
#define LIME_DELIVERY_WORKER_H

/*
 * A thread that runs blocking jobs (spool files, name resolution) for the
 * I/O thread. Jobs run in the order posted. Each finished job goes back
 * to the I/O thread, which is woken through an eventfd and calls the
 * job's done function.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct dl_job;
typedef void dl_job_fn(struct dl_job *job);

struct dl_job {
	struct dl_job *next;
	dl_job_fn *run;              /* in the worker thread */
	dl_job_fn *done;             /* in the I/O thread; frees the job */
};

struct dl_worker {
	const char *name;
	pthread_t thread;
	bool initialized;            /* lock and cond exist */
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dl_job *todo, *todo_tail;
	struct dl_job *finished, *finished_tail;
	bool stop;
	int wake_fd;
	/* Called after jobs ran, at most every idle_ms, while dirty is set
	 * (the spool worker flushes its files there). */
	void (*idle)(void *arg);
	void *idle_arg;
	uint32_t idle_ms;
	atomic_bool dirty;
};

int dl_worker_start(struct dl_worker *w, const char *name, int wake_fd,
		    void (*idle)(void *arg), void *idle_arg, uint32_t idle_ms);
void dl_worker_post(struct dl_worker *w, struct dl_job *job);
/* Asks for a call of idle within idle_ms; any thread may call it. */
void dl_worker_mark_dirty(struct dl_worker *w);
/* Takes every finished job, oldest first. */
struct dl_job *dl_worker_take_finished(struct dl_worker *w);
/* Runs the jobs still posted, calls idle once more, and joins the
 * thread. Finished jobs stay for dl_worker_take_finished(). */
void dl_worker_stop(struct dl_worker *w);
void dl_worker_destroy(struct dl_worker *w);

#endif
