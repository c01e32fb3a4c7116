/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_worker.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util/log.h"

static void signal_io_thread(struct dl_worker *w)
{
	uint64_t increment = 1;

	/* A full eventfd counter still wakes the reader, so a failed write
	 * loses nothing. */
	if (write(w->wake_fd, &increment, sizeof(increment)) < 0 && errno != EAGAIN)
		LOG_ERR("%s: cannot wake the delivery I/O thread: %s", w->name,
			strerror(errno));
}

static void finish(struct dl_worker *w, struct dl_job *job)
{
	bool was_empty;

	pthread_mutex_lock(&w->lock);
	job->next = NULL;
	was_empty = w->finished == NULL;
	if (w->finished_tail != NULL)
		w->finished_tail->next = job;
	else
		w->finished = job;
	w->finished_tail = job;
	pthread_mutex_unlock(&w->lock);
	if (was_empty)
		signal_io_thread(w);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void wait_for_work(struct dl_worker *w, uint64_t last_idle)
{
	if (!w->dirty || w->idle == NULL) {
		pthread_cond_wait(&w->cond, &w->lock);
		return;
	}

	struct timespec until;
	uint64_t due = last_idle + w->idle_ms;

	clock_gettime(CLOCK_REALTIME, &until);
	uint64_t now = mono_ms();
	uint64_t wait_ms = due > now ? due - now : 0;

	until.tv_sec += (time_t)(wait_ms / 1000);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&w->cond, &w->lock, &until);
}

static void *worker_main(void *arg)
{
	struct dl_worker *w = arg;
	uint64_t last_idle = mono_ms();

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct dl_job *job = w->todo;

		if (job != NULL) {
			w->todo = job->next;
			if (w->todo == NULL)
				w->todo_tail = NULL;
			pthread_mutex_unlock(&w->lock);
			job->run(job);
			finish(w, job);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		if (w->dirty && w->idle != NULL &&
		    (w->stop || mono_ms() - last_idle >= w->idle_ms)) {
			pthread_mutex_unlock(&w->lock);
			atomic_store(&w->dirty, false);
			w->idle(w->idle_arg);
			last_idle = mono_ms();
			pthread_mutex_lock(&w->lock);
			continue;
		}
		if (w->stop)
			break;
		wait_for_work(w, last_idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int dl_worker_start(struct dl_worker *w, const char *name, int wake_fd,
		    void (*idle)(void *arg), void *idle_arg, uint32_t idle_ms)
{
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->wake_fd = wake_fd;
	w->idle = idle;
	w->idle_arg = idle_arg;
	w->idle_ms = idle_ms;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->initialized = true;
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0)
		return -rc;
	w->started = true;
	return 0;
}

void dl_worker_mark_dirty(struct dl_worker *w)
{
	if (atomic_exchange(&w->dirty, true))
		return;
	pthread_mutex_lock(&w->lock);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void dl_worker_post(struct dl_worker *w, struct dl_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail != NULL)
		w->todo_tail->next = job;
	else
		w->todo = job;
	w->todo_tail = job;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

struct dl_job *dl_worker_take_finished(struct dl_worker *w)
{
	pthread_mutex_lock(&w->lock);
	struct dl_job *list = w->finished;

	w->finished = w->finished_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	return list;
}

void dl_worker_stop(struct dl_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = false;
}

void dl_worker_destroy(struct dl_worker *w)
{
	if (!w->initialized)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	w->initialized = false;
}
