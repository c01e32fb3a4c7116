/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_LCORE_STATS_H
#define LIME_DATAPLANE_LCORE_STATS_H

/*
 * Per-lcore counters. Each lcore writes only its own cache line-aligned
 * block with plain stores. The control lcore reads them with relaxed atomic
 * loads for the periodic log and the summary, so no counter needs a lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "dataplane/decode.h"

/* Class of each frame received, as reported under packets_by_class. */
enum pkt_class {
	PKT_CLASS_SIP,
	PKT_CLASS_MEDIA,
	PKT_CLASS_FRAGMENT,   /* an IP fragment; its datagram is counted once reassembled */
	PKT_CLASS_OTHER,      /* not SIP and not a known media flow */
	PKT_CLASS_MALFORMED,
	PKT_CLASS_COUNT
};

/* Reason a packet was dropped, as reported under packets_dropped. */
enum drop_reason {
	DROP_NOT_TARGET,         /* no SIP port, no known media flow */
	DROP_NOT_IP,
	DROP_DECODE_FIRST,       /* decode errors follow, one per decode_result */
	DROP_DECODE_LAST = DROP_DECODE_FIRST + DECODE_RESULT_COUNT - 1,
	DROP_FRAGMENT_FAILED,    /* timed out, overlapping or table full */
	DROP_FRAGMENT_DUPLICATE, /* exact copy of a recent fragment */
	DROP_SIP_RING_FULL,
	DROP_WORKER_RING_FULL,
	DROP_MEDIA_NO_KEYS,      /* known flow, no decryption state yet */
	DROP_REASON_COUNT
};

enum rx_stage {
	STAGE_RX,
	STAGE_DECODE,
	STAGE_LOOKUP,
	STAGE_DISPATCH,
	STAGE_COUNT
};

struct lcore_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_bursts;
	uint64_t class_packets[PKT_CLASS_COUNT];
	uint64_t drops[DROP_REASON_COUNT];
	uint64_t encap_packets[10];         /* one per DECODE_ENCAP_* bit */
	uint64_t stage_cycles[STAGE_COUNT];
	uint64_t stage_packets;             /* packets that went through the stages */
	uint64_t fragments_in;
	uint64_t datagrams_reassembled;
	uint64_t media_packets;             /* handed to this lcore's worker role */
	uint64_t first_rx_tsc;
	uint64_t last_rx_tsc;
} __rte_cache_aligned;

extern struct lcore_stats lime_lcore_stats[RTE_MAX_LCORE];

const char *pkt_class_name(enum pkt_class c);
const char *drop_reason_name(enum drop_reason r);
/*
 * False for the reasons that never count a drop, or count one that
 * another reason names already: the decode results "ok", "not_ip" (as
 * DROP_NOT_IP) and "fragment" (a fragment is held, not dropped).
 */
bool drop_reason_reported(int r);
const char *rx_stage_name(enum rx_stage s);
const char *encap_name(unsigned int bit);

/* Relaxed read of a counter another lcore writes. */
static inline uint64_t lcore_stat_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Sum of the totals over all lcores into one block. */
void lcore_stats_sum(struct lcore_stats *total);

#endif
