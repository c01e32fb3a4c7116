/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_validity.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *mikey_li_clock_name(enum mikey_li_clock clock)
{
	switch (clock) {
	case MIKEY_LI_CLOCK_CAPTURE:
		return "capture";
	case MIKEY_LI_CLOCK_TRANSFER_INIT:
		return "transfer_init";
	case MIKEY_LI_CLOCK_NONE:
		break;
	}
	return "none";
}

/* How far t_us lies outside the window, in microseconds: negative before
 * TRs, positive after TRe, 0 inside. The skew widens both ends. */
static int64_t outside_by(const struct mikey_li_precheck *pc, int64_t t_us,
			  int64_t skew_us)
{
	if (pc->trs_us != MIKEY_LI_TIME_NONE && t_us < pc->trs_us - skew_us)
		return t_us - pc->trs_us;
	if (pc->tre_us != MIKEY_LI_TIME_NONE && t_us > pc->tre_us + skew_us)
		return t_us - pc->tre_us;
	return 0;
}

static bool check_clock(const struct mikey_li_precheck *pc, int64_t t_us,
			enum mikey_li_clock clock, int64_t skew_us,
			struct mikey_li_validity *out)
{
	int64_t off_us;

	if (t_us == MIKEY_LI_TIME_NONE)
		return true;
	if (out->clock == MIKEY_LI_CLOCK_NONE) {
		out->clock = clock;
		out->time_us = t_us;
	}
	off_us = outside_by(pc, t_us, skew_us);
	if (off_us == 0)
		return true;
	out->status = MIKEY_LI_TICKET_EXPIRED;
	out->clock = clock;
	out->time_us = t_us;
	snprintf(out->reason, sizeof(out->reason),
		 "by the %s time the ticket is used %" PRId64 " s %s its "
		 "validity window", clock == MIKEY_LI_CLOCK_CAPTURE ? "capture" :
		 "TRANSFER_INIT T",
		 (off_us < 0 ? -off_us : off_us) / MIKEY_LI_US_PER_S,
		 off_us < 0 ? "before the start of" : "after the end of");
	return false;
}

enum mikey_li_status mikey_li_check_validity(const struct mikey_li_precheck *pc,
					     int64_t capture_us,
					     const struct mikey_li_policy *policy,
					     struct mikey_li_validity *out)
{
	int64_t skew_us = policy->validity_skew_us;

	memset(out, 0, sizeof(*out));
	out->status = MIKEY_LI_OK;
	out->time_us = MIKEY_LI_TIME_NONE;
	if (check_clock(pc, capture_us, MIKEY_LI_CLOCK_CAPTURE, skew_us, out))
		check_clock(pc, pc->t_us, MIKEY_LI_CLOCK_TRANSFER_INIT, skew_us, out);
	return out->status;
}
