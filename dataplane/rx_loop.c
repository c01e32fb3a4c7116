/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive path: burst, decode, reassemble, look up, dispatch. SIP goes to
 * the control lcore, media of known flows to its worker, everything else is
 * counted and freed. Nothing here blocks, locks or allocates per packet.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <stdlib.h>

#include "dataplane/dataplane.h"
#include "dataplane/frag.h"
#include "dataplane/lcore_stats.h"
#include "dataplane/pkt_meta.h"
#include "lib/util/log.h"

struct dataplane lime_dp;

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

uint64_t dataplane_now_us(const struct dataplane *dp)
{
	uint64_t dt = rte_get_tsc_cycles() - dp->tsc_base;
	return dp->wall_base_us + dt / (dp->tsc_hz / 1000000);
}

static inline uint64_t packet_time_us(const struct dataplane *dp,
				      struct rte_mbuf *m, uint64_t burst_now_us)
{
	if (dp->ts_dynfield_offset >= 0 && dp->offline)
		return *RTE_MBUF_DYNFIELD(m, dp->ts_dynfield_offset, rte_mbuf_timestamp_t *);
	return burst_now_us;
}

static inline void drop_packet(struct rx_lcore *rx, struct rte_mbuf *m,
			       enum drop_reason reason)
{
	rx->stats->drops[reason]++;
	rx->burst.drop[rx->burst.n_drop++] = m;
}

/* Contiguous bytes of m: the mbuf itself, or a copy for chained mbufs. */
static inline const uint8_t *packet_bytes(struct rx_lcore *rx, struct rte_mbuf *m)
{
	if (likely(m->nb_segs == 1))
		return rte_pktmbuf_mtod(m, const uint8_t *);
	if (m->pkt_len > SCRATCH_SIZE)
		return NULL;
	return rte_pktmbuf_read(m, 0, m->pkt_len, rx->scratch);
}

static inline void record_meta(struct rte_mbuf *m, const struct decoded_pkt *d,
			       uint64_t ts_us)
{
	struct pkt_meta *meta = pkt_meta(m);

	meta->ts_us = ts_us;
	meta->l3_offset = d->l3_offset;
	meta->l4_offset = d->l4_offset;
	meta->payload_offset = d->payload_offset;
	meta->payload_len = d->payload_len;
	meta->l4_proto = d->l4_proto;
	meta->ip_version = d->ip_version;
}

static void count_encap(struct lcore_stats *st, uint16_t encap)
{
	RTE_BUILD_BUG_ON(DECODE_ENCAP_IPIP >= (1u << RTE_DIM(st->encap_packets)));
	while (encap != 0) {
		unsigned int bit = (unsigned int)__builtin_ctz(encap);
		st->encap_packets[bit]++;
		encap &= (uint16_t)(encap - 1);
	}
}

/* Place a decoded, unfragmented packet on the SIP, media or drop list. */
static void classify_l4(struct rx_lcore *rx, struct rte_mbuf *m,
			const struct decoded_pkt *d, uint64_t ts_us, bool counted)
{
	struct dataplane *dp = rx->dp;
	struct rx_burst *b = &rx->burst;

	/* Protocols without ports decode with ports 0, which is never a SIP port. */
	if (sip_port_match(dp, d->dst_port, d->src_port)) {
		if (!counted)
			rx->stats->class_packets[PKT_CLASS_SIP]++;
		record_meta(m, d, ts_us);
		b->sip[b->n_sip++] = m;
		return;
	}

	/* Bitwise and: UDP and TCP alternate at random, so avoid a branch. */
	bool udp = d->l4_proto == IPPROTO_UDP;
	if (udp & flow_table_port_maybe(&dp->flows, d->dst_port)) {
		/* The metadata line of the mbuf is cold: write it only on a hit. */
		b->cand_dec[b->n_cand] = *d;
		b->cand_ts_us[b->n_cand] = ts_us;
		b->cand_counted[b->n_cand] = counted;
		flow_key_from_dst(&b->keys[b->n_cand], d);
		b->key_ptrs[b->n_cand] = &b->keys[b->n_cand];
		b->cand[b->n_cand++] = m;
		return;
	}

	/* The bulk of a tap's traffic: counted once per burst, not per packet. */
	if (counted) {
		drop_packet(rx, m, DROP_NOT_TARGET);
		return;
	}
	b->n_not_target++;
	b->drop[b->n_drop++] = m;
}

static void classify_reassembled(struct rx_lcore *rx, struct rte_mbuf *m,
				 uint64_t ts_us)
{
	struct decoded_pkt d;
	const uint8_t *data = packet_bytes(rx, m);

	rx->stats->datagrams_reassembled++;
	if (data == NULL) {
		drop_packet(rx, m, DROP_FRAGMENT_FAILED);
		return;
	}

	enum decode_result r = decode_ip(data, m->pkt_len, 0, &rx->dp->decode, &d);
	if (r != DECODE_OK) {
		drop_packet(rx, m, DROP_DECODE_FIRST + r);
		return;
	}
	/* Its fragments were already counted under the fragment class. */
	classify_l4(rx, m, &d, ts_us, true);
}

static void classify_one(struct rx_lcore *rx, struct rte_mbuf *m, uint64_t ts_us)
{
	struct lcore_stats *st = rx->stats;
	struct decoded_pkt d;
	const uint8_t *data = packet_bytes(rx, m);

	if (unlikely(data == NULL)) {
		st->class_packets[PKT_CLASS_MALFORMED]++;
		drop_packet(rx, m, DROP_DECODE_FIRST + DECODE_ERR_BAD_IP_LENGTH);
		return;
	}

	enum decode_result r = decode_frame(data, m->pkt_len, &rx->dp->decode, &d);
	if (unlikely(d.encap != 0))
		count_encap(st, d.encap);

	switch (r) {
	case DECODE_OK:
		classify_l4(rx, m, &d, ts_us, false);
		return;
	case DECODE_NOT_IP:
		st->class_packets[PKT_CLASS_OTHER]++;
		drop_packet(rx, m, DROP_NOT_IP);
		return;
	case DECODE_FRAGMENT: {
		st->class_packets[PKT_CLASS_FRAGMENT]++;
		st->fragments_in++;
		struct rte_mbuf *whole = frag_add(&rx->frag, m, &d, ts_us);
		if (whole != NULL)
			classify_reassembled(rx, whole, ts_us);
		return;
	}
	default:
		st->class_packets[PKT_CLASS_MALFORMED]++;
		drop_packet(rx, m, DROP_DECODE_FIRST + r);
		return;
	}
}

/*
 * Enqueue all of pkts on ring. Live, a full ring drops and counts; offline
 * there is no line to keep up with, so the reader waits for room instead.
 */
static void ring_enqueue_all(struct rx_lcore *rx, struct rte_ring *ring,
			     struct rte_mbuf **pkts, uint16_t n,
			     enum drop_reason full_reason)
{
	unsigned int done = rte_ring_enqueue_burst(ring, (void **)pkts, n, NULL);

	while (done < n && rx->dp->offline && !rx->dp->quit) {
		rte_pause();
		done += rte_ring_enqueue_burst(ring, (void **)(pkts + done), n - done, NULL);
	}
	if (done < n) {
		rx->stats->drops[full_reason] += n - done;
		rte_pktmbuf_free_bulk(pkts + done, n - done);
	}
}

static void lookup_candidates(struct rx_lcore *rx)
{
	struct rx_burst *b = &rx->burst;
	struct flow_entry *entries[LIME_BURST];
	uint64_t hits = flow_table_lookup_bulk(&rx->dp->flows, b->key_ptrs,
					       b->n_cand, entries);

	for (uint16_t i = 0; i < b->n_cand; i++) {
		struct rte_mbuf *m = b->cand[i];
		if (!(hits & (1ULL << i))) {
			if (!b->cand_counted[i])
				rx->stats->class_packets[PKT_CLASS_OTHER]++;
			drop_packet(rx, m, DROP_NOT_TARGET);
			continue;
		}
		if (!b->cand_counted[i])
			rx->stats->class_packets[PKT_CLASS_MEDIA]++;
		record_meta(m, &b->cand_dec[i], b->cand_ts_us[i]);
		pkt_meta(m)->flow_data = entries[i]->stream_id;
		uint16_t w = entries[i]->worker % rx->dp->n_workers;
		b->to_worker[w][b->n_to_worker[w]++] = m;
	}
}

static void dispatch(struct rx_lcore *rx)
{
	struct rx_burst *b = &rx->burst;
	struct dataplane *dp = rx->dp;

	if (b->n_sip > 0)
		ring_enqueue_all(rx, dp->sip_ring, b->sip, b->n_sip, DROP_SIP_RING_FULL);

	for (uint16_t w = 0; w < dp->n_workers; w++) {
		if (b->n_to_worker[w] == 0)
			continue;
		ring_enqueue_all(rx, dp->worker_rings[w], b->to_worker[w],
				 b->n_to_worker[w], DROP_WORKER_RING_FULL);
		b->n_to_worker[w] = 0;
	}

	frag_ctx_flush(&rx->frag);
	rx->stats->drops[DROP_FRAGMENT_FAILED] = rx->frag.dropped;
	rx->stats->drops[DROP_FRAGMENT_DUPLICATE] = rx->frag.duplicates;
	if (b->n_drop > 0)
		rte_pktmbuf_free_bulk(b->drop, b->n_drop);
}

/* Decode, look up and dispatch one burst; stage cycles are counted per burst. */
static void process_burst(struct rx_lcore *rx, struct rte_mbuf **pkts,
			  uint16_t n, uint64_t t_rx_start)
{
	struct lcore_stats *st = rx->stats;
	struct rx_burst *b = &rx->burst;
	uint64_t t0 = rte_rdtsc();
	uint64_t now_us = rx->dp->offline ? 0 : dataplane_now_us(rx->dp);

	b->n_sip = 0;
	b->n_cand = 0;
	b->n_drop = 0;
	b->n_not_target = 0;
	st->rx_packets += n;
	st->rx_bursts++;

	uint64_t fragments_before = st->fragments_in;
	uint64_t last_ts_us = 0;
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < n; i++) {
		bytes += pkts[i]->pkt_len;
		last_ts_us = packet_time_us(rx->dp, pkts[i], now_us);
		classify_one(rx, pkts[i], last_ts_us);
	}
	st->rx_bytes += bytes;
	st->class_packets[PKT_CLASS_OTHER] += b->n_not_target;
	st->drops[DROP_NOT_TARGET] += b->n_not_target;
	/* Incomplete datagrams time out by capture time, also under a flood. */
	if (st->fragments_in != fragments_before)
		frag_ctx_expire(&rx->frag, last_ts_us);
	uint64_t t1 = rte_rdtsc();

	lookup_candidates(rx);
	uint64_t t2 = rte_rdtsc();

	dispatch(rx);
	uint64_t t3 = rte_rdtsc();

	st->stage_cycles[STAGE_RX] += t0 - t_rx_start;
	st->stage_cycles[STAGE_DECODE] += t1 - t0;
	st->stage_cycles[STAGE_LOOKUP] += t2 - t1;
	st->stage_cycles[STAGE_DISPATCH] += t3 - t2;
	st->stage_packets += n;
	if (st->first_rx_tsc == 0)
		st->first_rx_tsc = t_rx_start;
	st->last_rx_tsc = t3;
}

/* Worker role: media of known flows. Decryption is not wired in yet. */
static unsigned int run_worker(struct rx_lcore *rx, struct rte_ring *ring)
{
	struct rte_mbuf *pkts[LIME_BURST];
	unsigned int n = rte_ring_dequeue_burst(ring, (void **)pkts, LIME_BURST, NULL);

	if (n == 0)
		return 0;
	rx->stats->media_packets += n;
	/* NOTE: media is counted and freed until SRTP decryption exists. */
	rx->stats->drops[DROP_MEDIA_NO_KEYS] += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

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

static void run_offline_rx(struct rx_lcore *rx)
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
			process_burst(rx, pkts, n, t_start);
		if (rx->role->worker)
			run_worker(rx, dp->worker_rings[rx->role->worker_index]);
		flow_table_quiescent(&dp->flows, rx->role->reader_id);
	}

	/* Packets read ahead but not processed (stopped by a signal). */
	for (uint16_t i = 0; i < dp->n_pcap_ports; i++) {
		struct pcap_lookahead *la = &rd->in[i];
		if (la->head < la->count)
			rte_pktmbuf_free_bulk(la->pkts + la->head, la->count - la->head);
	}
	free(rd);
}

static void run_live_rx(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	struct lcore_role *role = rx->role;
	struct rte_mbuf *pkts[LIME_BURST];
	uint64_t last_expire_us = 0;

	while (!dp->quit) {
		for (uint16_t q = 0; q < role->n_queues; q++) {
			uint64_t t_start = rte_rdtsc();
			uint16_t n = rte_eth_rx_burst(role->queues[q].port_id,
						      role->queues[q].queue_id,
						      pkts, LIME_BURST);
			if (n > 0)
				process_burst(rx, pkts, n, t_start);
		}
		if (role->worker)
			run_worker(rx, dp->worker_rings[role->worker_index]);
		flow_table_quiescent(&dp->flows, role->reader_id);

		/* Incomplete datagrams also expire when no fragment arrives. */
		uint64_t now_us = dataplane_now_us(dp);
		if (now_us - last_expire_us > 100000) {
			frag_ctx_expire(&rx->frag, now_us);
			rx->stats->drops[DROP_FRAGMENT_FAILED] = rx->frag.dropped;
			last_expire_us = now_us;
		}
	}
}

static int run_rx_lcore(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	unsigned int lcore = rte_lcore_id();
	int socket = (int)rte_lcore_to_socket_id(lcore);

	if (frag_ctx_init(&rx->frag, dp->frag_max_datagrams,
			  dp->frag_timeout_ms, socket) != 0 ||
	    flow_table_reader_register(&dp->flows, rx->role->reader_id) != 0) {
		LOG_ERR("lcore %u: receive setup failed", lcore);
		dp->quit = 1;
		__atomic_fetch_sub(&dp->rx_running, 1, __ATOMIC_RELEASE);
		return -1;
	}

	LOG_INFO("lcore %u: receiving%s%s", lcore,
		 dp->offline ? " from capture files" : "",
		 rx->role->worker ? ", with worker role" : "");
	if (dp->offline)
		run_offline_rx(rx);
	else
		run_live_rx(rx);

	/* The end of the input: incomplete datagrams will never complete. */
	frag_ctx_expire_all(&rx->frag);
	rx->stats->drops[DROP_FRAGMENT_FAILED] = rx->frag.dropped;
	frag_ctx_free(&rx->frag);

	flow_table_reader_unregister(&dp->flows, rx->role->reader_id);
	__atomic_fetch_sub(&dp->rx_running, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Drain this lcore's worker ring until every receiving lcore has stopped. */
static void drain_worker(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	struct rte_ring *ring = dp->worker_rings[rx->role->worker_index];

	for (;;) {
		bool rx_done = __atomic_load_n(&dp->rx_running, __ATOMIC_ACQUIRE) == 0;
		if (run_worker(rx, ring) == 0) {
			if (rx_done && rte_ring_empty(ring))
				break;
			rte_pause();
		}
	}
}

int dataplane_lcore_main(void *arg)
{
	struct dataplane *dp = arg;
	unsigned int lcore = rte_lcore_id();
	struct rx_lcore *rx = rte_zmalloc_socket("lime_rx_lcore", sizeof(*rx),
						 RTE_CACHE_LINE_SIZE,
						 (int)rte_lcore_to_socket_id(lcore));
	int ret = 0;

	if (rx == NULL) {
		LOG_ERR("lcore %u: out of memory", lcore);
		dp->quit = 1;
		return -1;
	}
	rx->dp = dp;
	rx->role = &dp->roles[lcore];
	rx->stats = &lime_lcore_stats[lcore];

	if (rx->role->rx)
		ret = run_rx_lcore(rx);
	if (rx->role->worker) {
		drain_worker(rx);
		__atomic_fetch_sub(&dp->workers_running, 1, __ATOMIC_RELEASE);
	}
	rte_free(rx);
	return ret;
}
