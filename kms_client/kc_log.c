/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_log.h"

#define WINDOW_US 1000000u

bool kc_log_allow(struct kc_log_limit *l, uint64_t now_us, uint64_t *suppressed)
{
	if (now_us - l->window_start_us >= WINDOW_US) {
		l->window_start_us = now_us;
		l->logged = 0;
	}
	if (l->logged >= KC_LOG_BURST) {
		l->suppressed++;
		return false;
	}
	l->logged++;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}
