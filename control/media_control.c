/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's side of the media workers. It creates a stream on
 * the worker of each installed flow. It destroys the stream once no
 * receiving lcore can still hand the worker a packet of the removed flow.
 * It writes the media that the workers send back.
 */
#include "control/control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "control/cc_pcap.h"
#include "control/handover.h"
#include "lib/util/hmap.h"
#include "dataplane/pkt_meta.h"
#include "lib/util/log.h"

static void send_msg(struct control *c, uint16_t worker, struct media_msg *msg)
{
	struct rte_ring *ring = c->dp->worker_rings[worker];

	/* A worker that reads capture files waits for room in its output
	 * ring instead of dropping, so the control lcore drains that ring
	 * while it waits here, or both would wait for each other. */
	while (rte_ring_enqueue(ring, media_msg_tag(msg)) != 0) {
		if (media_output_drain(c) == 0)
			rte_pause();
	}
}

/* How long a rekeyed stream's keys stay usable, in capture time. */
#define REKEY_OVERLAP_US 2000000

uint16_t media_worker_of(const struct control *c, const struct media_flow *flow)
{
	/* By destination, so that a rekeyed stream and its successor share
	 * a worker and the fallback needs no lock. */
	return (uint16_t)(hmap_hash(&flow->dest, sizeof(flow->dest)) % c->dp->n_workers);
}

static uint16_t stream_worker(const struct control *c, uint32_t stream_id)
{
	const struct key_stream *ks = key_manager_get(&c->keys, stream_id);

	return ks != NULL ? ks->worker : 0;
}

static bool same_dest(const struct rekeyed_dest *r, const struct media_flow *flow)
{
	return r->family == flow->dest.family && r->port == flow->dest.port &&
	       memcmp(r->addr, flow->dest.addr, sizeof(r->addr)) == 0;
}

/* The stream a rekey just removed from this destination, if any. */
static uint32_t take_rekeyed(struct control *c, const struct media_flow *flow)
{
	for (unsigned i = 0; i < REKEYED_DESTS; i++) {
		struct rekeyed_dest *r = &c->rekeyed[i];
		if (r->stream_id != MEDIA_NO_STREAM && same_dest(r, flow) &&
		    c->last_capture_us <= r->ts_us + REKEY_OVERLAP_US) {
			uint32_t id = r->stream_id;
			r->stream_id = MEDIA_NO_STREAM;
			return id;
		}
	}
	return MEDIA_NO_STREAM;
}

static void remember_rekeyed(struct control *c, const struct media_flow *flow,
			     uint32_t stream_id)
{
	struct rekeyed_dest *r = &c->rekeyed[c->next_rekeyed++ % REKEYED_DESTS];

	r->family = flow->dest.family;
	r->port = flow->dest.port;
	memcpy(r->addr, flow->dest.addr, sizeof(r->addr));
	r->stream_id = stream_id;
	r->ts_us = c->last_capture_us;
}

static enum media_stream_kind stream_kind(enum media_flow_kind kind)
{
	switch (kind) {
	case MEDIA_FLOW_RTCP:
		return MEDIA_STREAM_RTCP;
	case MEDIA_FLOW_RTP_RTCP:
		return MEDIA_STREAM_MUX;
	default:
		return MEDIA_STREAM_RTP;
	}
}

/* What the worker does with the stream's packets. */
static void set_keying(struct control *c, const struct call_flow_event *ev,
		       struct media_msg *msg)
{
	switch (ev->flow->keying) {
	case MEDIA_KEYS_NONE:
		msg->keying = MEDIA_STREAM_PLAIN;
		return;
	case MEDIA_KEYS_SDES:
		if (ev->crypto != NULL && srtp_keys_from_sdes(ev->crypto, &msg->keys)) {
			msg->keying = MEDIA_STREAM_SRTP;
			msg->has_keys = true;
			return;
		}
		break;
	case MEDIA_KEYS_MIKEY:
		/* The keys follow once the ticket is resolved. Until then
		 * the worker keeps the stream's packets. */
		(void)c;
		msg->keying = MEDIA_STREAM_SRTP;
		return;
	default:
		break;
	}
	msg->keying = MEDIA_STREAM_NO_KEYS;
}

int media_stream_create(struct control *c, const struct call_flow_event *ev,
			uint32_t stream_id, uint16_t worker)
{
	struct media_msg *msg = calloc(1, sizeof(*msg));

	if (msg == NULL)
		return -ENOMEM;
	msg->type = MEDIA_MSG_CREATE;
	msg->stream_id = stream_id;
	msg->prev_stream_id = take_rekeyed(c, ev->flow);
	msg->kind = stream_kind(ev->flow->kind);
	set_keying(c, ev, msg);
	for (unsigned i = 0; i < ev->n_liids && msg->n_liids < MEDIA_STREAM_LIIDS; i++) {
		msg->cins[msg->n_liids] = (uint32_t)ev->cins[i];
		msg->target_dirs[msg->n_liids] = ev->target_dirs != NULL ?
						 ev->target_dirs[i] : FLOW_TARGET_UNKNOWN;
		msg->liids[msg->n_liids++] = (uint16_t)(ev->liid_ids[i] < MEDIA_MAX_LIIDS ?
						       ev->liid_ids[i] : MEDIA_MAX_LIIDS - 1);
	}
	size_t id_len = ev->call_id_len < MEDIA_CALL_ID_MAX ? ev->call_id_len : MEDIA_CALL_ID_MAX;
	memcpy(msg->call_id, ev->call_id, id_len);
	send_msg(c, worker, msg);
	return 0;
}

static int send_destroy(struct control *c, uint32_t stream_id)
{
	struct media_msg *msg = calloc(1, sizeof(*msg));

	if (msg == NULL)
		return -ENOMEM;
	msg->type = MEDIA_MSG_DESTROY;
	msg->stream_id = stream_id;
	msg->prev_stream_id = MEDIA_NO_STREAM;
	send_msg(c, stream_worker(c, stream_id), msg);
	return 0;
}

int media_stream_signal(struct control *c, uint32_t stream_id, uint32_t generation,
			enum media_msg_type type, const struct srtp_session_key *sets,
			unsigned n_sets)
{
	const struct key_stream *ks = key_manager_get(&c->keys, stream_id);

	if (ks == NULL || key_manager_generation(&c->keys, stream_id) != generation)
		return -ENOENT;

	struct media_msg *msg = calloc(1, sizeof(*msg));
	if (msg == NULL)
		return -ENOMEM;
	msg->type = type;
	msg->stream_id = stream_id;
	msg->prev_stream_id = MEDIA_NO_STREAM;
	if (type == MEDIA_MSG_KEYS) {
		msg->has_keys = true;
		msg->n_key_sets = n_sets < MEDIA_KEY_SETS ? n_sets : MEDIA_KEY_SETS;
		memcpy(msg->key_sets, sets, msg->n_key_sets * sizeof(*sets));
	}
	send_msg(c, ks->worker, msg);
	return 0;
}

void media_stream_destroy_now(struct control *c, uint32_t stream_id)
{
	if (send_destroy(c, stream_id) != 0)
		LOG_ERR("media: out of memory destroying stream %u", stream_id);
	key_manager_close(&c->keys, stream_id);
}

void media_stream_retire(struct control *c, uint32_t stream_id,
			 const struct media_flow *flow, bool rekeyed)
{
	struct stream_retirement *r;

	if (c->n_retiring == c->cap_retiring) {
		size_t cap = c->cap_retiring ? c->cap_retiring * 2 : 256;
		r = realloc(c->retiring, cap * sizeof(*r));
		if (r == NULL) {
			/* The slot stays taken; losing it beats a use after free. */
			LOG_ERR("media: out of memory retiring stream %u", stream_id);
			return;
		}
		c->retiring = r;
		c->cap_retiring = cap;
	}
	r = &c->retiring[c->n_retiring++];
	r->stream_id = stream_id;
	r->token = rte_rcu_qsbr_start(c->dp->flows.qsbr);
	r->not_before_us = 0;
	if (rekeyed) {
		r->not_before_us = c->last_capture_us + REKEY_OVERLAP_US;
		remember_rekeyed(c, flow, stream_id);
	}
}

void media_streams_poll(struct control *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n_retiring; i++) {
		struct stream_retirement *r = &c->retiring[i];

		if (c->last_capture_us >= r->not_before_us &&
		    rte_rcu_qsbr_check(c->dp->flows.qsbr, r->token, false) == 1)
			media_stream_destroy_now(c, r->stream_id);
		else
			c->retiring[kept++] = *r;
	}
	c->n_retiring = kept;
}

static void write_packet(struct control *c, struct rte_mbuf *m)
{
	const struct pkt_meta *meta = pkt_meta(m);
	static const uint8_t no_mac[12];
	size_t ip_len = (size_t)(meta->payload_offset - meta->l3_offset) + meta->payload_len;
	const uint8_t *data;

	if (m->nb_segs == 1)
		data = rte_pktmbuf_mtod(m, const uint8_t *);
	else if (m->pkt_len <= sizeof(c->cc_scratch))
		data = rte_pktmbuf_read(m, 0, m->pkt_len, c->cc_scratch);
	else
		data = NULL;
	if (data == NULL || meta->l3_offset + ip_len > m->pkt_len) {
		c->stats.cc_write_failures++;
		return;
	}

	/* The addresses of the tapped frame when it starts with Ethernet. */
	const uint8_t *mac = meta->l3_offset >= 14 ? data : no_mac;
	if (cc_pcap_write(c->cc_pcap, meta->ts_us, mac, meta->ip_version,
			  data + meta->l3_offset, ip_len) != 0) {
		if (c->stats.cc_write_failures++ == 0)
			LOG_ERR("media: writing the --cc-pcap file failed; later packets are only counted");
		return;
	}
	c->stats.cc_packets++;
}

unsigned int media_output_drain(struct control *c)
{
	struct rte_mbuf *pkts[64];
	unsigned int total = 0;

	for (uint16_t w = 0; w < c->dp->n_workers; w++) {
		struct rte_ring *ring = c->dp->output_rings[w];
		if (ring == NULL)
			continue;

		unsigned int n = rte_ring_dequeue_burst(ring, (void **)pkts, 64, NULL);
		for (unsigned int i = 0; i < n; i++) {
			if (media_item_is_msg(pkts[i])) {
				struct media_event *ev = (struct media_event *)
					((uintptr_t)pkts[i] & ~(uintptr_t)1);
				control_raise_media_alarm(c, ev);
				free(ev);
				continue;
			}
			if (c->cc_pcap != NULL)
				write_packet(c, pkts[i]);
			handover_cc(c, pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
		total += n;
	}
	return total;
}
