/* SPDX-License-Identifier: BSD-3-Clause */
/* Completion of requests: results, statistics, and the hand-over to poll. */
#include <stdlib.h>

#include "kms_client/kc_internal.h"

static void count_result(struct kc_stats *s, enum kms_result r)
{
	_Atomic uint64_t *counter = NULL;
	switch (r) {
	case KMS_RESULT_OK: counter = &s->completed_ok; break;
	case KMS_RESULT_HTTP_ERROR: counter = &s->http_errors; break;
	case KMS_RESULT_TIMEOUT: counter = &s->timeouts; break;
	case KMS_RESULT_UNREACHABLE: counter = &s->unreachable; break;
	case KMS_RESULT_TLS_ERROR: counter = &s->tls_errors; break;
	case KMS_RESULT_BREAKER_OPEN: counter = &s->failed_breaker; break;
	case KMS_RESULT_SHUTDOWN: counter = &s->failed_shutdown; break;
	case KMS_RESULT_OVERLOADED:
	case KMS_RESULT_INVALID:
		break;
	}
	if (counter)
		atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static unsigned latency_bucket(uint64_t latency_us)
{
	uint64_t ms = latency_us / 1000;
	unsigned bucket = 0;
	while (ms > 0 && bucket < 15) {
		ms >>= 1;
		bucket++;
	}
	return bucket;
}

void kc_request_complete(struct kms_client *c, struct kc_request *req,
			 enum kms_result result, unsigned http_status, uint8_t *body,
			 size_t body_len)
{
	uint64_t now = kc_now_us();
	free(req->body);
	req->body = NULL;
	req->resp.result = result;
	req->resp.http_status = http_status;
	req->resp.body = body;
	req->resp.body_len = body ? body_len : 0;
	req->resp.latency_us = now - req->submit_us;
	count_result(&c->stats, result);
	atomic_fetch_add_explicit(&c->stats.latency_us_buckets[latency_bucket(req->resp.latency_us)],
				  1, memory_order_relaxed);

	pthread_mutex_lock(&c->lock);
	if (req->trial && result == KMS_RESULT_SHUTDOWN)
		kc_breaker_abandon_trial(&c->breaker, now);
	bool was_empty = TAILQ_EMPTY(&c->completed);
	TAILQ_INSERT_TAIL(&c->completed, req, link);
	if (was_empty)
		kc_eventfd_signal(c->event_fd);
	c->in_flight--;
	if (c->in_flight == 0)
		pthread_cond_broadcast(&c->drained);
	pthread_mutex_unlock(&c->lock);
}

void kc_request_fail(struct kms_client *c, struct kc_request *req, enum kms_result result)
{
	kc_request_complete(c, req, result, 0, NULL, 0);
}
