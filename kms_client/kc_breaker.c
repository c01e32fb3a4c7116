/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_breaker.h"

void kc_breaker_init(struct kc_breaker *b, uint32_t threshold, uint64_t open_us)
{
	b->threshold = threshold;
	b->open_us = open_us;
	b->state = KC_BREAKER_CLOSED;
	b->failures = 0;
	b->open_until_us = 0;
}

bool kc_breaker_admit(struct kc_breaker *b, uint64_t now_us, bool *trial)
{
	*trial = false;
	switch (b->state) {
	case KC_BREAKER_CLOSED:
		return true;
	case KC_BREAKER_OPEN:
		if (now_us < b->open_until_us)
			return false;
		b->state = KC_BREAKER_HALF_OPEN;
		*trial = true;
		return true;
	case KC_BREAKER_HALF_OPEN:
		return false;
	}
	return false;
}

static void open_breaker(struct kc_breaker *b, uint64_t now_us)
{
	b->state = KC_BREAKER_OPEN;
	b->open_until_us = now_us + b->open_us;
	b->failures = 0;
}

bool kc_breaker_record_failure(struct kc_breaker *b, uint64_t now_us, bool trial)
{
	if (trial && b->state == KC_BREAKER_HALF_OPEN) {
		open_breaker(b, now_us);
		return true;
	}
	if (b->state != KC_BREAKER_CLOSED)
		return false;

	b->failures++;
	if (b->failures < b->threshold)
		return false;
	open_breaker(b, now_us);
	return true;
}

bool kc_breaker_record_success(struct kc_breaker *b, bool trial)
{
	if (trial && b->state == KC_BREAKER_HALF_OPEN) {
		b->state = KC_BREAKER_CLOSED;
		b->failures = 0;
		return true;
	}
	if (b->state == KC_BREAKER_CLOSED)
		b->failures = 0;
	return false;
}

void kc_breaker_abandon_trial(struct kc_breaker *b, uint64_t now_us)
{
	if (b->state != KC_BREAKER_HALF_OPEN)
		return;
	/* The open period has passed already, so the next request is the
	 * new trial. */
	b->state = KC_BREAKER_OPEN;
	b->open_until_us = now_us;
}

bool kc_breaker_blocks(const struct kc_breaker *b)
{
	return b->state != KC_BREAKER_CLOSED;
}
