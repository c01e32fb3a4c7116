/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_LIMITER_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_LIMITER_H

/*
 * Admission of KMS resolve requests. A TRANSFER_INIT that passes the
 * structural check can still carry a made-up ticket, and only the KMS can
 * tell, so a flood of them would turn into a flood of KMS requests. The
 * limiter bounds that with token buckets, one per source address and one
 * for all sources, and with a negative cache: a ticket the KMS rejected is
 * not sent again until its entry expires. Memory is bounded by the
 * configured entry counts; sources and tickets beyond them evict the least
 * recently used.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_lru.h"

/* Rates are requests per second and bursts are requests; a rate of 0
 * turns that bucket off. */
struct mikey_li_limiter_config {
	uint32_t global_rate;
	uint32_t global_burst;
	uint32_t source_rate;
	uint32_t source_burst;
	size_t max_sources;            /* per-source buckets kept */
	size_t negative_max;           /* rejected tickets kept */
	int64_t negative_ttl_us;       /* how long a rejected ticket stays */
};

/* The decision on "may lime send a resolve for this ticket now?". */
enum mikey_li_admission {
	MIKEY_LI_ADMIT = 0,
	MIKEY_LI_SHED_REJECTED,        /* the KMS rejected this ticket recently */
	MIKEY_LI_SHED_SOURCE,          /* the source's bucket is empty */
	MIKEY_LI_SHED_GLOBAL,          /* the global bucket is empty */
};

struct mikey_li_limiter_stats {
	uint64_t admitted;
	uint64_t shed_rejected;
	uint64_t shed_source;
	uint64_t shed_global;
	uint64_t rejections;           /* rejections recorded */
};

/* Tokens are counted in millionths so that a bucket refills by
 * rate * elapsed microseconds without rounding. */
struct mikey_li_bucket {
	int64_t micro_tokens;
	int64_t last_us;
	bool started;
};

struct mikey_li_limiter {
	struct mikey_li_limiter_config cfg;
	struct mikey_li_bucket global;
	struct mikey_li_lru sources;       /* address bytes -> bucket */
	struct mikey_li_lru rejected;      /* ticket hash -> nothing */
	struct mikey_li_limiter_stats stats;
};

/*
 * Fills the defaults: 50 requests per second with a burst of 100 overall,
 * 5 per second with a burst of 10 per source, 4096 sources and 4096
 * rejected tickets kept for 600 s. NOTE: these are starting values, not
 * measured against a KMS; size them to what the KMS serves.
 */
void mikey_li_limiter_config_init(struct mikey_li_limiter_config *cfg);

/* Returns 0, or -1 when a size is 0 or memory runs out. */
int mikey_li_limiter_init(struct mikey_li_limiter *l,
			  const struct mikey_li_limiter_config *cfg);
void mikey_li_limiter_free(struct mikey_li_limiter *l);

/*
 * Decides whether a resolve of the ticket with this hash, seen from the
 * source address source[0..source_len) (4 or 16 bytes), may go to the KMS
 * at now_us, and takes a token from both buckets when it may. A shed
 * request takes no token. A source longer than MIKEY_LI_LRU_KEY_MAX bytes
 * gets no bucket of its own. Counts the decision in l->stats.
 */
enum mikey_li_admission mikey_li_limiter_admit(struct mikey_li_limiter *l,
					       const uint8_t *source,
					       size_t source_len,
					       const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
					       int64_t now_us);

/*
 * Records that the KMS rejected the ticket (for example MIKEY error 14,
 * Invalid TICKET), so that admit sheds it until negative_ttl_us has
 * passed. Record only responses about the ticket itself, never a timeout or
 * an unreachable KMS.
 */
void mikey_li_limiter_record_rejection(struct mikey_li_limiter *l,
				       const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
				       int64_t now_us);

/* Whether the ticket is in the negative cache at now_us. */
bool mikey_li_limiter_is_rejected(struct mikey_li_limiter *l,
				  const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
				  int64_t now_us);

/* Name of an admission ("admit", "shed_rejected", ...). */
const char *mikey_li_admission_name(enum mikey_li_admission a);

#endif
