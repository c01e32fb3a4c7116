/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_BREAKER_H
#define LIME_KMS_CLIENT_BREAKER_H

/*
 * Circuit breaker of the KMS client. It opens after a number of
 * consecutive failed attempts, rejects new requests while open, and after
 * the open period admits one trial request: its success closes the
 * breaker, its failure opens it again. Times are CLOCK_MONOTONIC
 * microseconds passed in by the caller, so tests drive it directly.
 */

#include <stdbool.h>
#include <stdint.h>

enum kc_breaker_state {
	KC_BREAKER_CLOSED,
	KC_BREAKER_OPEN,
	KC_BREAKER_HALF_OPEN,      /* the trial request is in flight */
};

struct kc_breaker {
	uint32_t threshold;        /* consecutive failures that open it */
	uint64_t open_us;          /* time open before the trial */
	enum kc_breaker_state state;
	uint32_t failures;         /* consecutive, while closed */
	uint64_t open_until_us;
};

void kc_breaker_init(struct kc_breaker *b, uint32_t threshold, uint64_t open_us);

/* Decides whether a new request may go out now. Sets *trial when the
 * request becomes the trial that moves the breaker to half-open. */
bool kc_breaker_admit(struct kc_breaker *b, uint64_t now_us, bool *trial);

/* Records a failed attempt. Returns true when this failure opened the
 * breaker (from closed, or again after a failed trial). Failures of
 * requests sent before the breaker opened are ignored while it is open. */
bool kc_breaker_record_failure(struct kc_breaker *b, uint64_t now_us, bool trial);

/* Records an attempt that got a response from the KMS. Returns true when
 * this closed the breaker, which only the trial does. */
bool kc_breaker_record_success(struct kc_breaker *b, bool trial);

/* Returns the breaker to open when the trial ended without an outcome
 * (the client shut down), so that a later request becomes the trial. */
void kc_breaker_abandon_trial(struct kc_breaker *b, uint64_t now_us);

/* True while requests other than the trial must not be sent. */
bool kc_breaker_blocks(const struct kc_breaker *b);

#endif
