/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_RX_LCORE_H
#define LIME_DATAPLANE_RX_LCORE_H

/*
 * State of one receiving lcore, shared by the burst pipeline (rx_burst.c),
 * the capture-file reader (offline_rx.c) and the lcore loops (rx_loop.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "dataplane/dataplane.h"
#include "dataplane/frag.h"
#include "dataplane/lcore_stats.h"

/* Largest packet decoded from a copy (multi-segment mbufs). */
#define SCRATCH_SIZE 65536

/* Per-burst working set of one receiving lcore. */
struct rx_burst {
	struct rte_mbuf *sip[LIME_BURST];
	uint16_t n_sip;
	struct rte_mbuf *cand[LIME_BURST];          /* UDP: media candidates */
	uint64_t cand_ts_us[LIME_BURST];
	bool cand_counted[LIME_BURST];              /* class counted via its fragments */
	struct decoded_pkt cand_dec[LIME_BURST];
	struct flow_key keys[LIME_BURST];
	const void *key_ptrs[LIME_BURST];
	uint16_t n_cand;
	struct rte_mbuf *drop[2 * LIME_BURST];
	uint16_t n_drop;
	uint16_t n_not_target;                      /* of n_drop: plain non-target packets */
	struct rte_mbuf *to_worker[LIME_MAX_WORKERS][LIME_BURST];
	uint16_t n_to_worker[LIME_MAX_WORKERS];
};

struct rx_lcore {
	struct dataplane *dp;
	struct lcore_role *role;
	struct lcore_stats *stats;
	struct frag_ctx frag;
	struct rx_burst burst;
	uint8_t scratch[SCRATCH_SIZE];
};

/* Capture time of m: its pcap timestamp offline, the burst time live. */
static inline uint64_t packet_time_us(const struct dataplane *dp,
				      struct rte_mbuf *m, uint64_t burst_now_us)
{
	if (dp->ts_dynfield_offset >= 0 && dp->offline)
		return *RTE_MBUF_DYNFIELD(m, dp->ts_dynfield_offset, rte_mbuf_timestamp_t *);
	return burst_now_us;
}

/* Decode, look up and dispatch one burst, counting the cycles of each stage. */
void rx_process_burst(struct rx_lcore *rx, struct rte_mbuf **pkts, uint16_t n,
		      uint64_t t_rx_start);

/* Worker role: take one burst of media from ring. Returns the packets taken. */
unsigned int rx_run_worker(struct rx_lcore *rx, struct rte_ring *ring);

/* Read every capture file to its end, merged by capture time. */
void rx_run_offline(struct rx_lcore *rx);

#endif
