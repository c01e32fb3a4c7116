/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_LOG_H
#define LIME_KMS_CLIENT_LOG_H

/*
 * Rate limit for repeated log lines, so that an unreachable KMS with a
 * thousand queued requests does not flood the log. Each limit allows
 * KC_LOG_BURST lines per second and counts the lines it suppresses.
 */

#include <stdbool.h>
#include <stdint.h>

#define KC_LOG_BURST 5

struct kc_log_limit {
	uint64_t window_start_us;
	uint32_t logged;
	uint64_t suppressed;
};

/* Decides whether one more line may be logged at now_us. When it may,
 * *suppressed receives the number of lines dropped since the last one
 * allowed, for the caller to mention. */
bool kc_log_allow(struct kc_log_limit *l, uint64_t now_us, uint64_t *suppressed);

#endif
