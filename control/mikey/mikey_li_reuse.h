/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_REUSE_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_REUSE_H

/*
 * Ticket reuse tracking. The KMS keeps no state about tickets, so it
 * cannot see reuse; lime can. A use is one session: the same Ticket Data
 * (by SHA-256) under a new CSB ID is a new use, while retransmissions,
 * forked dialogs and CSB updates keep the CSB ID of their session and are
 * not. A ticket without the J flag allows one use, so every session after
 * the first is ticket_reuse. A ticket with the J flag may be reused
 * (RFC 6043 6.10).
 *
 * Memory is bounded: max_tickets entries, each forgotten ttl_us after its
 * last use or evicted least-recently-used first. A forgotten ticket starts
 * over, so reuse after that time is not seen.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_lru.h"

/* CSB IDs remembered per ticket besides the first. Older ones are
 * forgotten, so a late retransmission of such a session counts once more
 * in sessions. */
#define MIKEY_LI_REUSE_CSB_IDS 8

struct mikey_li_reuse_config {
	size_t max_tickets;
	int64_t ttl_us;
};

struct mikey_li_reuse_stats {
	uint64_t sessions;             /* new sessions recorded */
	uint64_t reuses;               /* sessions flagged as ticket_reuse */
};

struct mikey_li_reuse {
	struct mikey_li_reuse_config cfg;
	struct mikey_li_lru tickets;   /* ticket hash -> its sessions */
	struct mikey_li_reuse_stats stats;
};

struct mikey_li_reuse_result {
	enum mikey_li_status status;   /* MIKEY_LI_OK or MIKEY_LI_TICKET_REUSE */
	bool new_session;              /* the CSB ID was not seen with this ticket */
	uint32_t sessions;             /* sessions seen with this ticket */
	char reason[MIKEY_LI_REASON_LEN];
};

/*
 * Fills the defaults: 16384 tickets, each kept for 24 hours after its last
 * use (the reference KMS's default validity is 24 hours). NOTE: a starting
 * value; tickets valid for longer need a longer ttl_us.
 */
void mikey_li_reuse_config_init(struct mikey_li_reuse_config *cfg);

/* Returns 0, or -1 when max_tickets is 0 or memory runs out. */
int mikey_li_reuse_init(struct mikey_li_reuse *r,
			const struct mikey_li_reuse_config *cfg);
void mikey_li_reuse_free(struct mikey_li_reuse *r);

/*
 * Records a TRANSFER_INIT of the ticket with this hash and CSB ID at
 * now_us. reusable is the ticket's J flag. Record only a TRANSFER_INIT
 * whose MAC has verified: anyone can copy a ticket into a made-up message
 * with a new CSB ID. Returns out->status.
 */
enum mikey_li_status mikey_li_reuse_record(struct mikey_li_reuse *r,
					   const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
					   uint32_t csb_id, bool reusable,
					   int64_t now_us,
					   struct mikey_li_reuse_result *out);

#endif
