/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end of each attempt: the circuit breaker's bookkeeping, and the
 * choice between a retry after a backoff and completing the request.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kms_client/kc_internal.h"
#include "lib/util/log.h"

void kc_request_resend(struct kms_client *c, struct kc_request *req)
{
	LOG_DEBUG("KMS request %llu: keep-alive connection closed by the KMS, sending again",
		  (unsigned long long)req->resp.request_id);
	req->stale_resend_used = true;
	TAILQ_INSERT_HEAD(&c->waiting, req, link);
}

/* A failure means the KMS is unhealthy: no response, or a server error. A
 * response with a 4xx status shows the KMS at work, so it counts as success
 * for the breaker. */
static bool is_failure(const struct kc_outcome *o)
{
	if (o->result == KMS_RESULT_OK)
		return false;
	if (o->result == KMS_RESULT_HTTP_ERROR)
		return o->http_status == 0 || o->http_status >= 500;
	return true;
}

static uint64_t next_random(struct kms_client *c)
{
	/* xorshift64: jitter needs spread, not unpredictability. */
	uint64_t x = c->rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng_state = x;
	return x;
}

/* Returns the delay before retry number n (1 for the first) in ms: the
 * base doubled n - 1 times, capped, then drawn from its upper half. */
static uint32_t backoff_ms(struct kms_client *c, uint32_t n)
{
	uint64_t delay = c->cfg.backoff_base_ms;
	for (uint32_t i = 1; i < n && delay < c->cfg.backoff_max_ms; i++)
		delay *= 2;
	if (delay > c->cfg.backoff_max_ms)
		delay = c->cfg.backoff_max_ms;
	uint64_t half = delay / 2;
	return (uint32_t)(delay - half + next_random(c) % (half + 1));
}

static void log_breaker_change(struct kms_client *c, bool opened, bool closed,
			       const struct kc_request *req, const struct kc_outcome *o)
{
	unsigned long long id = (unsigned long long)req->resp.request_id;
	if (opened && req->trial) {
		LOG_WARN("KMS circuit breaker open again for %u ms: trial request %llu failed (%s)",
			 c->cfg.breaker_open_ms, id, kms_result_name(o->result));
	} else if (opened) {
		LOG_WARN("KMS circuit breaker open for %u ms after %u consecutive failures "
			 "(last: request %llu, %s); requests are rejected meanwhile",
			 c->cfg.breaker_open_ms, c->cfg.breaker_failures, id,
			 kms_result_name(o->result));
	} else if (closed) {
		LOG_NOTICE("KMS circuit breaker closed: trial request %llu got a response", id);
	}
}

/* Records the outcome in the breaker. Returns true when the breaker now
 * blocks requests. */
static bool update_breaker(struct kms_client *c, const struct kc_request *req,
			   const struct kc_outcome *o)
{
	uint64_t now = kc_now_us();
	bool opened = false, closed = false;

	pthread_mutex_lock(&c->lock);
	if (is_failure(o))
		opened = kc_breaker_record_failure(&c->breaker, now, req->trial);
	else
		closed = kc_breaker_record_success(&c->breaker, req->trial);
	bool blocks = kc_breaker_blocks(&c->breaker);
	pthread_mutex_unlock(&c->lock);

	if (opened)
		atomic_fetch_add_explicit(&c->stats.breaker_opens, 1, memory_order_relaxed);
	log_breaker_change(c, opened, closed, req, o);
	return blocks;
}

static void log_attempt(struct kms_client *c, const struct kc_request *req,
			const struct kc_outcome *o, uint32_t retry_in_ms, bool retrying)
{
	uint64_t suppressed;
	if (!kc_log_allow(&c->attempt_log, kc_now_us(), &suppressed))
		return;

	char note[64] = "";
	if (suppressed > 0)
		snprintf(note, sizeof(note), " (%llu similar lines suppressed before)",
			 (unsigned long long)suppressed);
	unsigned long long id = (unsigned long long)req->resp.request_id;
	const char *name = kms_result_name(o->result);
	const char *reason = o->reason ? o->reason : "";
	if (retrying)
		LOG_WARN("KMS request %llu attempt %u failed (%s: %s), retrying in %u ms%s",
			 id, req->resp.attempts, name, reason, retry_in_ms, note);
	else
		LOG_WARN("KMS request %llu failed after %u attempt%s: %s: %s%s", id,
			 req->resp.attempts, req->resp.attempts == 1 ? "" : "s", name, reason,
			 note);
}

void kc_attempt_finished(struct kms_client *c, struct kc_request *req,
			 struct kc_outcome *o)
{
	bool blocks = update_breaker(c, req, o);

	if (o->result == KMS_RESULT_OK) {
		kc_request_complete(c, req, o->result, o->http_status, o->body, o->body_len);
		return;
	}

	if (o->retryable) {
		req->failures++;
		req->last_result = o->result;
		req->last_status = o->http_status;
	}
	if (o->retryable && req->failures <= c->cfg.max_retries && !blocks) {
		uint32_t delay = backoff_ms(c, req->failures);
		log_attempt(c, req, o, delay, true);
		req->retry_at_us = kc_now_us() + (uint64_t)delay * 1000;
		TAILQ_INSERT_TAIL(&c->retrying, req, link);
		atomic_fetch_add_explicit(&c->stats.retries, 1, memory_order_relaxed);
		free(o->body);
		return;
	}
	log_attempt(c, req, o, 0, false);
	kc_request_complete(c, req, o->result, o->http_status, o->body, o->body_len);
}
