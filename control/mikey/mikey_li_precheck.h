/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_PRECHECK_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_PRECHECK_H

/*
 * The structural check of a tapped TRANSFER_INIT, before lime spends a KMS
 * request on it. Without the ticket's keys lime cannot check the MAC, so
 * this check rejects what no terminal of this KMS sends. Examples are
 * another message type, a CS ID map other than GENERIC-ID, a T too far
 * from lime's clock, a ticket that is not a MIKEY base ticket of the
 * configured KMS, and broken flag dependencies (docs/mikey-li.md lists
 * them all). It also reads what the TP Data carries in clear (flags, TRs,
 * TRe). Those values become trustworthy only once the TRANSFER_INIT MAC
 * has verified, because that MAC covers the TICKET.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "lib/mikey/mikey.h"

/* Result of the structural check. Slices point into the TRANSFER_INIT bytes. */
struct mikey_li_precheck {
	enum mikey_li_status status;       /* MIKEY_LI_OK or MIKEY_LI_FORGED */
	char reason[MIKEY_LI_REASON_LEN];  /* why it is forged */

	/* The reuse key: SHA-256 of the Ticket Data. */
	uint8_t ticket_hash[MIKEY_LI_TICKET_HASH_LEN];

	uint32_t csb_id;
	uint8_t prf_func;                  /* HDR PRF func */
	size_t n_cs;
	int64_t t_us;                      /* T, or MIKEY_LI_TIME_NONE for COUNTER */
	struct mikey_slice randri;
	struct mikey_slice idri;           /* empty when the message has no IDRi */
	struct mikey_slice idrr;           /* empty when the message has no IDRr */

	/* Read from the ticket's policy, in clear. */
	uint8_t tp_prf_func;               /* the PRF func of key forking */
	uint16_t tp_flags;                 /* enum mikey_tp_flag bits */
	struct mikey_slice ticket_initiator;   /* IDRi of the TP Data */
	int64_t trs_us;                    /* MIKEY_LI_TIME_NONE: open start */
	int64_t tre_us;                    /* MIKEY_LI_TIME_NONE: open end */
};

/*
 * Checks the TRANSFER_INIT in ti[0..len) against policy and lime's clock
 * now_us, and fills *out. Returns out->status: MIKEY_LI_OK, or
 * MIKEY_LI_FORGED with the reason in out->reason.
 *
 * NOTE: a TRANSFER_INIT that updates a crypto session bundle (same CSB
 * ID, new T) may come without a TICKET, and this check rejects it as
 * forged. Checking an update needs the state of the session it updates,
 * which only the caller has.
 */
enum mikey_li_status mikey_li_precheck(const uint8_t *ti, size_t len,
				       int64_t now_us,
				       const struct mikey_li_policy *policy,
				       struct mikey_li_precheck *out);

/* Whether the ticket policy has this flag (enum mikey_tp_flag). */
static inline bool mikey_li_precheck_flag(const struct mikey_li_precheck *p,
					  uint16_t flag)
{
	return (p->tp_flags & flag) != 0;
}

#endif
