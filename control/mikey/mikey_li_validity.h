/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_VALIDITY_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_VALIDITY_H

/*
 * The ticket's validity window (TRs..TRe of its TP Data) against lime's
 * clock. Terminals judge it with their own clocks, and the KMS resolves
 * any ticket for an LI node outside its window too. So lime checks the
 * window itself and raises ticket_expired, while still deriving the keys.
 *
 * Two clocks are checked: the capture time of the message, which the
 * sender cannot choose, and the T of the TRANSFER_INIT, which the
 * initiator chooses. Both get the policy's validity_skew_us of tolerance
 * at each end. A missing TRs or TRe leaves that end open (RFC 6043 6.10).
 */

#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_precheck.h"

enum mikey_li_clock {
	MIKEY_LI_CLOCK_NONE = 0,       /* neither time was known */
	MIKEY_LI_CLOCK_CAPTURE,
	MIKEY_LI_CLOCK_TRANSFER_INIT,  /* the T payload */
};

struct mikey_li_validity {
	enum mikey_li_status status;   /* MIKEY_LI_OK or MIKEY_LI_TICKET_EXPIRED */
	enum mikey_li_clock clock;     /* the clock behind the verdict */
	int64_t time_us;               /* its value */
	char reason[MIKEY_LI_REASON_LEN];
};

/*
 * Checks the window read by mikey_li_precheck() at capture_us
 * (MIKEY_LI_TIME_NONE when unknown) and at the TRANSFER_INIT's T. The
 * capture time is checked first and decides when it is outside the
 * window. Apply the verdict only after the TRANSFER_INIT MAC has verified,
 * because until then the window may have been altered. Returns
 * out->status.
 */
enum mikey_li_status mikey_li_check_validity(const struct mikey_li_precheck *pc,
					     int64_t capture_us,
					     const struct mikey_li_policy *policy,
					     struct mikey_li_validity *out);

/* "capture", "transfer_init" or "none". */
const char *mikey_li_clock_name(enum mikey_li_clock clock);

#endif
