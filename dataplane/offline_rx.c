/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline input: capture files read through net_pcap, merged by capture
 * time and optionally paced.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "dataplane/rx_lcore.h"
#include "lib/util/log.h"

/*
 * Offline reading: one lookahead burst per capture file, merged by capture
 * time so that several files replay as one interleaved capture.
 */
struct pcap_lookahead {
	struct rte_mbuf *pkts[LIME_BURST];
	uint16_t head;
	uint16_t count;
	uint64_t received;
	bool done;
};

struct offline_reader {
	struct pcap_lookahead in[RTE_MAX_ETHPORTS];
	uint64_t first_ts_us;        /* capture time of the first packet, for pacing */
	uint64_t start_tsc;
	bool started;
};

/*
 * Mbufs this lcore can allocate now: those in the pool's common store and
 * in its own cache. Other lcores' caches do not count.
 */
static unsigned int mbufs_available(struct rte_mempool *pool)
{
	unsigned int avail = rte_mempool_avail_count(pool);
	unsigned int self = rte_lcore_id();
	unsigned int lcore;

	RTE_LCORE_FOREACH(lcore) {
		struct rte_mempool_cache *cache = rte_mempool_default_cache(pool, lcore);
		if (lcore != self && cache != NULL)
			avail -= RTE_MIN(avail, cache->len);
	}
	return avail;
}

static void refill(struct rx_lcore *rx, struct offline_reader *rd, uint16_t idx)
{
	struct dataplane *dp = rx->dp;
	struct pcap_lookahead *la = &rd->in[idx];

	if (la->done || la->head < la->count)
		return;

	/*
	 * net_pcap reads a record before it allocates the mbuf for it, so a
	 * failed allocation loses the record. Ask only for what can be
	 * allocated, with room for records that span several mbufs; when
	 * mbufs are short they come back from downstream soon.
	 */
	unsigned int room = mbufs_available(dp->pool) / 2;
	if (room == 0)
		return;

	uint16_t port = dp->pcap_ports[idx];
	la->head = 0;
	la->count = rte_eth_rx_burst(port, 0, la->pkts, (uint16_t)RTE_MIN(room, (unsigned int)LIME_BURST));
	la->received += la->count;
	if (la->count > 0)
		return;

	if (la->received < dp->pcap_records[idx])
		LOG_WARN("capture input on port %u ended after %" PRIu64 " of %" PRIu64 " records",
			 port, la->received, dp->pcap_records[idx]);
	la->done = true;
}

/* True when the packet's capture time, scaled by the speed, has come. */
static bool packet_due(struct rx_lcore *rx, struct offline_reader *rd, uint64_t ts_us)
{
	struct dataplane *dp = rx->dp;

	if (dp->pcap_speed <= 0)
		return true;
	if (!rd->started) {
		rd->started = true;
		rd->first_ts_us = ts_us;
		rd->start_tsc = rte_rdtsc();
	}
	if (ts_us <= rd->first_ts_us)
		return true;

	double due_s = (double)(ts_us - rd->first_ts_us) / 1e6 / dp->pcap_speed;
	double elapsed_s = (double)(rte_rdtsc() - rd->start_tsc) / (double)dp->tsc_hz;
	return elapsed_s >= due_s;
}

/* Fill out with up to LIME_BURST packets in capture-time order. */
static uint16_t offline_burst(struct rx_lcore *rx, struct offline_reader *rd,
			      struct rte_mbuf **out, bool *all_done)
{
	struct dataplane *dp = rx->dp;
	uint16_t n = 0;

	*all_done = false;
	while (n < LIME_BURST) {
		int best = -1;
		uint64_t best_ts = UINT64_MAX;
		bool any_open = false;

		for (uint16_t i = 0; i < dp->n_pcap_ports; i++) {
			refill(rx, rd, i);
			struct pcap_lookahead *la = &rd->in[i];
			if (la->done)
				continue;
			any_open = true;
			if (la->head >= la->count)
				continue;
			uint64_t ts = packet_time_us(dp, la->pkts[la->head], 0);
			if (ts < best_ts) {
				best_ts = ts;
				best = i;
			}
		}
		if (!any_open) {
			*all_done = true;
			break;
		}
		/* An open file with nothing buffered (mempool dry) must not be
		 * overtaken: wait for it. */
		if (best < 0 || !packet_due(rx, rd, best_ts))
			break;
		for (uint16_t i = 0; i < dp->n_pcap_ports; i++)
			if (!rd->in[i].done && rd->in[i].head >= rd->in[i].count)
				return n;

		struct pcap_lookahead *la = &rd->in[best];
		out[n++] = la->pkts[la->head++];
	}
	return n;
}

void rx_run_offline(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	struct offline_reader *rd = calloc(1, sizeof(*rd));
	struct rte_mbuf *pkts[LIME_BURST];
	bool all_done = false;

	if (rd == NULL) {
		LOG_ERR("lcore %u: out of memory for the capture reader", rte_lcore_id());
		return;
	}

	while (!dp->quit && !all_done) {
		uint64_t t_start = rte_rdtsc();
		uint16_t n = 0;

		/* Unpaced, the reader waits for outstanding key requests so that
		 * no media arrives before its keys could. */
		if (dp->pcap_speed > 0 ||
		    __atomic_load_n(&dp->pending_key_requests, __ATOMIC_ACQUIRE) == 0)
			n = offline_burst(rx, rd, pkts, &all_done);

		if (n > 0)
			rx_process_burst(rx, pkts, n, t_start);
		if (rx->role->worker)
			rx_run_worker(rx, dp->worker_rings[rx->role->worker_index]);
		flow_table_quiescent(&dp->flows, rx->role->reader_id);
	}

	/* The last media may still wait for keys: stay until they come,
	 * so that workers and the control lcore keep running. */
	while (!dp->quit && __atomic_load_n(&dp->pending_key_requests, __ATOMIC_ACQUIRE) > 0) {
		if (rx->role->worker)
			rx_run_worker(rx, dp->worker_rings[rx->role->worker_index]);
		flow_table_quiescent(&dp->flows, rx->role->reader_id);
		rte_pause();
	}

	/* Packets read ahead but not processed (stopped by a signal). */
	for (uint16_t i = 0; i < dp->n_pcap_ports; i++) {
		struct pcap_lookahead *la = &rd->in[i];
		if (la->head < la->count)
			rte_pktmbuf_free_bulk(la->pkts + la->head, la->count - la->head);
	}
	free(rd);
}
