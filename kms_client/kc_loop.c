/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/O thread: moves submitted requests onto connections, enforces
 * timeouts and the drain deadline, starts due retries, and holds requests
 * back while the circuit breaker is open.
 */
#include <string.h>

#include "kms_client/kc_internal.h"
#include "kms_client/kc_io.h"
#include "lib/util/log.h"

/* How long the thread waits at exit for io_uring to release connections. */
#define CLOSE_WAIT_US 1000000u

/* Moves the callers' new requests to the waiting list. Returns true when
 * the thread should exit once everything is done. */
static bool take_submitted(struct kms_client *c)
{
	pthread_mutex_lock(&c->lock);
	TAILQ_CONCAT(&c->waiting, &c->submitted, link);
	bool quit = c->quit;
	pthread_mutex_unlock(&c->lock);
	return quit;
}

static void start_due_retries(struct kms_client *c, uint64_t now)
{
	struct kc_request *req, *next;
	for (req = TAILQ_FIRST(&c->retrying); req; req = next) {
		next = TAILQ_NEXT(req, link);
		if (req->retry_at_us > now)
			continue;
		TAILQ_REMOVE(&c->retrying, req, link);
		/* Ahead of newer requests, which keeps the order of submission. */
		TAILQ_INSERT_HEAD(&c->waiting, req, link);
	}
}

static void expire_attempts(struct kms_client *c, uint64_t now)
{
	for (uint32_t i = 0; i < c->n_conns; i++) {
		struct kc_conn *conn = &c->conns[i];
		if (conn->request && conn->deadline_us <= now)
			kc_conn_time_out(conn);
	}
}

/* While the breaker is open, requests other than the trial do not go
 * out: unsent ones fail with BREAKER_OPEN, and those waiting for a retry
 * end with the failure of their last attempt. */
static void drop_blocked_requests(struct kms_client *c)
{
	pthread_mutex_lock(&c->lock);
	bool blocks = kc_breaker_blocks(&c->breaker);
	pthread_mutex_unlock(&c->lock);
	if (!blocks)
		return;

	size_t unsent = 0, retries_ended = 0;
	struct kc_request *req, *next;
	for (req = TAILQ_FIRST(&c->waiting); req; req = next) {
		next = TAILQ_NEXT(req, link);
		if (req->trial)
			continue;
		TAILQ_REMOVE(&c->waiting, req, link);
		if (req->failures > 0) {
			retries_ended++;
			kc_request_complete(c, req, req->last_result, req->last_status, NULL, 0);
		} else {
			unsent++;
			kc_request_fail(c, req, KMS_RESULT_BREAKER_OPEN);
		}
	}
	for (req = TAILQ_FIRST(&c->retrying); req; req = next) {
		next = TAILQ_NEXT(req, link);
		if (req->trial)
			continue;
		TAILQ_REMOVE(&c->retrying, req, link);
		retries_ended++;
		kc_request_complete(c, req, req->last_result, req->last_status, NULL, 0);
	}
	if (unsent > 0 || retries_ended > 0)
		LOG_WARN("KMS circuit breaker open: %zu queued requests failed with breaker_open, "
			 "%zu requests failed without their retry", unsent, retries_ended);
}

static void fail_list(struct kms_client *c, struct kc_request_list *list,
		      enum kms_result result)
{
	struct kc_request *req;
	while ((req = TAILQ_FIRST(list))) {
		TAILQ_REMOVE(list, req, link);
		kc_request_fail(c, req, result);
	}
}

/* Completes every outstanding request with SHUTDOWN. */
static void fail_outstanding(struct kms_client *c)
{
	fail_list(c, &c->waiting, KMS_RESULT_SHUTDOWN);
	fail_list(c, &c->retrying, KMS_RESULT_SHUTDOWN);
	for (uint32_t i = 0; i < c->n_conns; i++) {
		struct kc_request *req = kc_conn_abort(&c->conns[i]);
		if (req)
			kc_request_fail(c, req, KMS_RESULT_SHUTDOWN);
	}
}

static bool drain_expired(struct kms_client *c, uint64_t now)
{
	pthread_mutex_lock(&c->lock);
	bool expired = c->draining && now >= c->drain_deadline_us && c->in_flight > 0;
	pthread_mutex_unlock(&c->lock);
	return expired;
}

static struct kc_conn *pick_connection(struct kms_client *c)
{
	struct kc_conn *free_slot = NULL;
	for (uint32_t i = 0; i < c->n_conns; i++) {
		if (kc_conn_is_idle(&c->conns[i]))
			return &c->conns[i];
		if (!free_slot && c->conns[i].state == KC_CONN_FREE)
			free_slot = &c->conns[i];
	}
	return free_slot;
}

static void dispatch(struct kms_client *c, uint64_t now)
{
	for (;;) {
		/* An attempt that fails at once may open the breaker. */
		drop_blocked_requests(c);
		if (TAILQ_EMPTY(&c->waiting))
			return;
		struct kc_conn *conn = pick_connection(c);
		if (!conn)
			return;
		struct kc_request *req = TAILQ_FIRST(&c->waiting);
		TAILQ_REMOVE(&c->waiting, req, link);

		req->resp.attempts++;
		conn->deadline_us = now + (uint64_t)c->cfg.timeout_ms * 1000;
		if (req->trial)
			LOG_INFO("KMS circuit breaker: sending trial request %llu",
				 (unsigned long long)req->resp.request_id);
		if (conn->state == KC_CONN_FREE)
			kc_conn_open(conn, req);
		else
			kc_conn_send_request(conn, req);
	}
}

static void consider_deadline(uint64_t *next, uint64_t t)
{
	if (t < *next)
		*next = t;
}

/* Returns the wait until the next deadline in ms, rounded up, or -1. */
static int next_timeout_ms(struct kms_client *c, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < c->n_conns; i++) {
		if (c->conns[i].request)
			consider_deadline(&next, c->conns[i].deadline_us);
	}
	struct kc_request *req;
	TAILQ_FOREACH(req, &c->retrying, link)
		consider_deadline(&next, req->retry_at_us);

	pthread_mutex_lock(&c->lock);
	if (c->draining && c->in_flight > 0)
		consider_deadline(&next, c->drain_deadline_us);
	pthread_mutex_unlock(&c->lock);

	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + 999) / 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

static bool has_work(struct kms_client *c)
{
	if (!TAILQ_EMPTY(&c->waiting) || !TAILQ_EMPTY(&c->retrying))
		return true;
	for (uint32_t i = 0; i < c->n_conns; i++) {
		if (c->conns[i].request)
			return true;
	}
	return false;
}

/* Closes every connection and gives io_uring a moment to release them, so
 * that no kernel operation refers to a connection once it is freed. */
static void close_connections(struct kms_client *c)
{
	for (uint32_t i = 0; i < c->n_conns; i++)
		kc_conn_close(&c->conns[i]);

	uint64_t give_up = kc_now_us() + CLOSE_WAIT_US;
	for (;;) {
		bool busy = false;
		for (uint32_t i = 0; i < c->n_conns; i++)
			busy |= c->conns[i].state != KC_CONN_FREE;
		if (!busy || kc_now_us() >= give_up)
			return;
		if (c->io->ops->wait(c->io, 10) < 0)
			return;
	}
}

/* After a failure of the backend itself nothing can be sent any more:
 * every request ends with SHUTDOWN and submissions are rejected. */
static void stop_after_backend_failure(struct kms_client *c, int err)
{
	LOG_ERR("KMS client: %s failed (%s); failing all requests with shutdown",
		c->io->ops->name, strerror(-err));
	pthread_mutex_lock(&c->lock);
	c->draining = true;
	TAILQ_CONCAT(&c->waiting, &c->submitted, link);
	pthread_mutex_unlock(&c->lock);
	fail_outstanding(c);
}

void *kc_io_thread(void *arg)
{
	struct kms_client *c = arg;

	for (;;) {
		uint64_t now = kc_now_us();
		bool quit = take_submitted(c);
		start_due_retries(c, now);
		expire_attempts(c, now);
		drop_blocked_requests(c);
		if (drain_expired(c, now))
			fail_outstanding(c);
		dispatch(c, now);
		if (quit && !has_work(c))
			break;

		int r = c->io->ops->wait(c->io, next_timeout_ms(c, kc_now_us()));
		if (r < 0) {
			stop_after_backend_failure(c, r);
			return NULL;
		}
	}
	close_connections(c);
	return NULL;
}
