/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst pipeline: decode, reassemble, look up, dispatch. SIP goes to
 * the control lcore, media of known flows to its worker, everything else is
 * counted and freed. Nothing here blocks, locks or allocates per packet.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dataplane/pkt_meta.h"
#include "dataplane/rx_lcore.h"

uint64_t dataplane_now_us(const struct dataplane *dp)
{
	uint64_t dt = rte_get_tsc_cycles() - dp->tsc_base;
	return dp->wall_base_us + dt / (dp->tsc_hz / 1000000);
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
 * Enqueue all of pkts on ring. Live, a full ring drops and counts them. Offline
 * there is no line to keep up with, so the reader waits for room instead.
 * When this lcore is also the ring's worker, it makes the room itself,
 * because no other lcore drains that ring and the control lcore's stream
 * messages can fill it too.
 */
static void ring_enqueue_all(struct rx_lcore *rx, struct rte_ring *ring,
			     struct rte_mbuf **pkts, uint16_t n,
			     enum drop_reason full_reason)
{
	unsigned int done = rte_ring_enqueue_burst(ring, (void **)pkts, n, NULL);
	bool own_ring = rx->role->worker &&
			ring == rx->dp->worker_rings[rx->role->worker_index];

	while (done < n && rx->dp->offline && !rx->dp->quit) {
		if (!own_ring || rx_run_worker(rx, ring) == 0)
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

	if (b->n_sip > 0) {
		ring_enqueue_all(rx, dp->sip_ring, b->sip, b->n_sip, DROP_SIP_RING_FULL);
		if (dp->sip_barrier)
			__atomic_fetch_add(&dp->sip_enqueued, b->n_sip, __ATOMIC_RELEASE);
	}

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

/*
 * Runs the pipeline over pkts[0..n). With the SIP barrier it stops after
 * the first SIP packet, so that the packets behind it are looked up only
 * once the control lcore has handled it. Returns the packets consumed.
 */
static uint16_t process_packets(struct rx_lcore *rx, struct rte_mbuf **pkts,
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
	st->rx_bursts++;

	uint64_t fragments_before = st->fragments_in;
	uint64_t last_ts_us = 0;
	uint64_t bytes = 0;
	bool barrier = rx->dp->sip_barrier;
	uint64_t time_barrier = barrier ?
		__atomic_load_n(&rx->dp->time_barrier_us, __ATOMIC_ACQUIRE) : UINT64_MAX;
	uint16_t i = 0;
	while (i < n) {
		uint64_t ts = packet_time_us(rx->dp, pkts[i], now_us);
		if (ts >= time_barrier) {
			/* The control lcore applies the time first; this
			 * packet is read again after the wait. */
			__atomic_store_n(&rx->dp->capture_now_us, ts, __ATOMIC_RELAXED);
			__atomic_fetch_add(&rx->dp->ticks_requested, 1, __ATOMIC_RELEASE);
			break;
		}
		bytes += pkts[i]->pkt_len;
		last_ts_us = ts;
		classify_one(rx, pkts[i], last_ts_us);
		i++;
		if (barrier && b->n_sip > 0)
			break;
	}
	n = i;
	if (n > 0)
		__atomic_store_n(&rx->dp->capture_now_us, last_ts_us, __ATOMIC_RELAXED);
	st->rx_packets += n;
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
	return n;
}

/*
 * Waits until the control lcore has handled every SIP packet handed over
 * and every time step requested.
 */
static void wait_for_control(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	uint64_t enqueued = __atomic_load_n(&dp->sip_enqueued, __ATOMIC_RELAXED);
	uint64_t ticks = __atomic_load_n(&dp->ticks_requested, __ATOMIC_RELAXED);

	/* No flow entry is held here, so deleted entries may be reclaimed.
	 * A receiving lcore that is also a worker keeps working: the control
	 * lcore may be waiting for room in this lcore's worker ring. */
	while ((__atomic_load_n(&dp->sip_handled, __ATOMIC_ACQUIRE) < enqueued ||
		__atomic_load_n(&dp->ticks_handled, __ATOMIC_ACQUIRE) < ticks) &&
	       !dp->quit) {
		flow_table_quiescent(&dp->flows, rx->role->reader_id);
		if (!rx->role->worker ||
		    rx_run_worker(rx, dp->worker_rings[rx->role->worker_index]) == 0)
			rte_pause();
	}
}

void rx_process_burst(struct rx_lcore *rx, struct rte_mbuf **pkts,
		      uint16_t n, uint64_t t_rx_start)
{
	uint16_t done = 0;

	while (done < n) {
		done += process_packets(rx, pkts + done, n - done, t_rx_start);
		if (rx->dp->sip_barrier)
			wait_for_control(rx);
		t_rx_start = rte_rdtsc();
	}
}



/* Worker role: stream messages and media packets, in ring order. */
unsigned int rx_run_worker(struct rx_lcore *rx, struct rte_ring *ring)
{
	void *items[LIME_BURST];
	unsigned int n = rte_ring_dequeue_burst(ring, items, LIME_BURST, NULL);

	if (n == 0)
		return 0;
	media_worker_handle(rx->dp->media_workers[rx->role->worker_index], items, n);
	return n;
}
