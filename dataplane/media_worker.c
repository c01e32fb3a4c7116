/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/media_worker.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_pause.h>
#include <rte_udp.h>

#include "dataplane/pkt_meta.h"
#include "lib/util/log.h"

static struct media_liid_counters *liid_counters(struct media_worker *w,
						 uint16_t liid)
{
	return &w->liids[liid < MEDIA_MAX_LIIDS ? liid : MEDIA_MAX_LIIDS - 1];
}

#define FOR_EACH_LIID(w, s, c) \
	for (uint16_t i_ = 0; i_ < (s)->n_liids && ((c) = liid_counters((w), (s)->liids[i_]), 1); i_++)

static_assert(MEDIA_STREAM_LIIDS == PKT_META_CC_LIIDS,
	      "a packet carries the LIIDs of its stream");

/* Hands a packet of stream s to the control lcore, which delivers it to
 * the stream's intercepts. */
static void output(struct media_worker *w, const struct media_stream *s,
		   struct rte_mbuf *m)
{
	struct pkt_meta *meta = pkt_meta(m);

	meta->cc_n_liids = (uint8_t)s->n_liids;
	memcpy(meta->cc_liids, s->liids, sizeof(meta->cc_liids));
	memcpy(meta->cc_cins, s->cins, sizeof(meta->cc_cins));
	memcpy(meta->cc_dirs, s->target_dirs, sizeof(meta->cc_dirs));
	if (w->output == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	while (rte_ring_enqueue(w->output, m) != 0) {
		/* Offline, waiting costs time, not packets. */
		if (!w->offline || *w->quit) {
			w->stats.output_ring_full++;
			rte_pktmbuf_free(m);
			return;
		}
		rte_pause();
	}
}

/* Tells the control lcore, which reports the alarm to each agency. */
static void send_alarm(struct media_worker *w, const struct media_stream *s,
		       const char *reason, uint64_t ts_us)
{
	struct media_event *ev = calloc(1, sizeof(*ev));

	if (ev == NULL || w->output == NULL) {
		free(ev);
		w->stats.alarm_events_lost++;
		return;
	}
	ev->alarm_kind = "key_unavailable";
	ev->reason = reason;
	ev->ts_us = ts_us;
	ev->stream_id = s->id;
	ev->n_liids = s->n_liids;
	memcpy(ev->liids, s->liids, sizeof(ev->liids));
	memcpy(ev->cins, s->cins, sizeof(ev->cins));
	memcpy(ev->call_id, s->call_id, sizeof(ev->call_id));
	if (rte_ring_enqueue(w->output, (void *)((uintptr_t)ev | 1)) != 0) {
		free(ev);
		w->stats.alarm_events_lost++;
	}
}

/* Alarms count per stream, never per packet. */
static void raise_key_unavailable(struct media_worker *w, struct media_stream *s,
				  const struct rte_mbuf *m)
{
	if (s->alarmed)
		return;
	s->alarmed = true;
	w->stats.alarm_key_unavailable++;

	const char *reason = s->unsupported ? s->unsupported_reason :
			     s->keying == MEDIA_STREAM_NO_KEYS ?
			     "no keys for the stream" : "the keys did not arrive";
	send_alarm(w, s, reason, pkt_meta((struct rte_mbuf *)m)->ts_us);
}

/* A packet of an intercepted stream that cannot be decrypted goes out as
 * it came in. */
static void deliver_undecryptable(struct media_worker *w, struct media_stream *s,
				  struct rte_mbuf *m)
{
	struct media_liid_counters *c;

	w->stats.undecryptable++;
	FOR_EACH_LIID(w, s, c)
		c->undecryptable++;
	raise_key_unavailable(w, s, m);
	output(w, s, m);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/*
 * UDP checksum over the pseudo-header of RFC 768 or RFC 8200 section 8.1.
 * The payload may lie apart from the header (a chained mbuf).
 */
static uint16_t udp_checksum(const struct pkt_meta *meta, const uint8_t *l3,
			     const uint8_t *udp, const uint8_t *payload,
			     size_t payload_len)
{
	size_t header_len = (size_t)(meta->payload_offset - meta->l4_offset);
	uint32_t sum = 0;

	if (meta->ip_version == 4)
		sum = sum16(l3 + 12, 8, sum);
	else
		sum = sum16(l3 + 8, 32, sum);
	sum += IPPROTO_UDP + (uint32_t)(header_len + payload_len);
	sum = sum16(udp, 6, sum);        /* header without the checksum */
	sum = sum16(payload, payload_len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t csum = (uint16_t)~sum;
	return csum == 0 ? 0xffff : csum;
}

/*
 * Shrinks the IP and UDP lengths by what decryption removed (tag and MKI)
 * and fixes the checksums, so that the packet reads as plain RTP.
 */
static void fix_lengths(struct rte_mbuf *m, struct pkt_meta *meta,
			const uint8_t *payload, size_t new_len)
{
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *l3 = data + meta->l3_offset;
	uint8_t *udp = data + meta->l4_offset;
	uint16_t diff = (uint16_t)(meta->payload_len - new_len);
	size_t udp_len = (size_t)(meta->payload_offset - meta->l4_offset) + new_len;

	meta->payload_len = (uint16_t)new_len;
	if (meta->ip_version == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->total_length) - diff));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) - diff));
	}

	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)udp;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
	uh->dgram_cksum = 0;
	uint16_t csum = udp_checksum(meta, l3, udp, payload, new_len);
	uh->dgram_cksum = rte_cpu_to_be_16(csum);
}

/* Copies len bytes of src into the chain m from offset on. */
static void write_back(struct rte_mbuf *m, uint32_t offset, const uint8_t *src,
		       size_t len)
{
	for (struct rte_mbuf *seg = m; seg != NULL && len > 0; seg = seg->next) {
		if (offset >= seg->data_len) {
			offset -= seg->data_len;
			continue;
		}
		size_t n = RTE_MIN((size_t)(seg->data_len - offset), len);
		memcpy(rte_pktmbuf_mtod_offset(seg, uint8_t *, offset), src, n);
		src += n;
		len -= n;
		offset = 0;
	}
}

/*
 * True when p[0..len) is a whole compound RTCP packet with nothing after
 * it: an SRTCP packet always ends in an index and a tag beyond the RTCP
 * lengths, so this is RTCP that its sender did not protect.
 */
static bool plain_rtcp(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + 4 <= len) {
		if ((p[off] >> 6) != 2 || p[off + 1] < 192 || p[off + 1] > 223)
			return false;
		off += ((size_t)(p[off + 2] << 8 | p[off + 3]) + 1) * 4;
	}
	return off == len && len > 0;
}

static void decrypt(struct media_worker *w, struct media_stream *s,
		    struct rte_mbuf *m)
{
	struct pkt_meta *meta = pkt_meta(m);
	struct media_liid_counters *c;
	uint64_t t0 = rte_rdtsc();

	/* Reassembled datagrams arrive chained: decrypt a copy. */
	bool chained = m->nb_segs > 1;
	uint8_t *payload;
	size_t len = meta->payload_len;
	if (chained) {
		payload = w->scratch;
		if (meta->payload_offset + len > m->pkt_len ||
		    rte_pktmbuf_read(m, meta->payload_offset, len, payload) != payload) {
			w->stats.malformed++;
			output(w, s, m);
			return;
		}
	} else {
		payload = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->payload_offset);
	}
	bool rtcp = s->kind == MEDIA_STREAM_RTCP ||
		    (s->kind == MEDIA_STREAM_MUX && rtp_mux_is_rtcp(payload, len));
	uint64_t recovered = s->session.roc_recovered;
	enum srtp_result r = srtp_session_unprotect(&s->session, payload, &len, rtcp);

	/* After a rekey the sender may go on with the old keys a little. */
	if (r == SRTP_AUTH_FAILED && s->prev_id < w->capacity) {
		struct media_stream *prev = w->streams[s->prev_id];
		if (prev != NULL && prev->has_session &&
		    srtp_session_unprotect(&prev->session, payload, &len, rtcp) == SRTP_DECRYPTED) {
			r = SRTP_DECRYPTED;
			w->stats.overlap_decrypted++;
		}
	}

	w->stats.decrypt_cycles += rte_rdtsc() - t0;
	w->stats.roc_recovered += s->session.roc_recovered - recovered;
	switch (r) {
	case SRTP_DECRYPTED:
		if (chained)
			write_back(m, meta->payload_offset, payload, len);
		fix_lengths(m, meta, payload, len);
		w->stats.decrypted++;
		FOR_EACH_LIID(w, s, c)
			c->decrypted++;
		output(w, s, m);
		return;
	case SRTP_DUPLICATE:
		/* The same packet from a second tap, or a retransmission:
		 * delivered once. */
		w->stats.duplicates++;
		rte_pktmbuf_free(m);
		return;
	default:
		break;
	}
	/* Some terminals send RTCP in clear beside SRTP (keepalives, APP
	 * packets): delivered as plain, not as a failure. */
	if (rtcp && plain_rtcp(payload, len)) {
		if (chained)
			write_back(m, meta->payload_offset, payload, len);
		w->stats.plain++;
		FOR_EACH_LIID(w, s, c)
			c->plain++;
		output(w, s, m);
		return;
	}
	if (r == SRTP_MALFORMED)
		w->stats.malformed++;
	w->stats.failed++;
	FOR_EACH_LIID(w, s, c)
		c->failed++;
	output(w, s, m);
}

static void hold(struct media_worker *w, struct media_stream *s, struct rte_mbuf *m)
{
	if (s->pending_count == MEDIA_PENDING_MAX) {
		w->stats.pending_overflow++;
		deliver_undecryptable(w, s, m);
		return;
	}
	uint16_t slot = (uint16_t)((s->pending_head + s->pending_count) % MEDIA_PENDING_MAX);
	s->pending[slot] = m;
	s->pending_count++;
}

static void release_pending(struct media_worker *w, struct media_stream *s);

/* Keys that did not come within MEDIA_HOLD_MAX_US will not come in time. */
static void check_hold_time(struct media_worker *w, struct media_stream *s,
			    uint64_t now_us)
{
	if (s->pending_count == 0 || s->has_session)
		return;

	uint64_t oldest = pkt_meta(s->pending[s->pending_head])->ts_us;
	if (now_us > oldest + MEDIA_HOLD_MAX_US) {
		s->keying = MEDIA_STREAM_NO_KEYS;
		release_pending(w, s);
	}
}

static void process_packet(struct media_worker *w, struct rte_mbuf *m)
{
	uint32_t id = pkt_meta(m)->flow_data;
	struct media_stream *s = id < w->capacity ? w->streams[id] : NULL;
	struct media_liid_counters *c;

	w->stats.packets++;
	if (s == NULL) {
		w->stats.no_stream++;
		rte_pktmbuf_free(m);
		return;
	}

	switch (s->keying) {
	case MEDIA_STREAM_PLAIN:
		w->stats.plain++;
		FOR_EACH_LIID(w, s, c)
			c->plain++;
		output(w, s, m);
		return;
	case MEDIA_STREAM_NO_KEYS:
		deliver_undecryptable(w, s, m);
		return;
	case MEDIA_STREAM_SRTP:
		check_hold_time(w, s, pkt_meta(m)->ts_us);
		if (s->keying == MEDIA_STREAM_NO_KEYS)
			deliver_undecryptable(w, s, m);
		else if (s->unsupported)
			deliver_undecryptable(w, s, m);
		else if (!s->has_session || s->pending_count > 0)
			hold(w, s, m);
		else
			decrypt(w, s, m);
		return;
	}
}

/* Sends the held packets on: decrypted when the keys came, else as is. */
static void release_pending(struct media_worker *w, struct media_stream *s)
{
	while (s->pending_count > 0) {
		struct rte_mbuf *m = s->pending[s->pending_head];

		s->pending_head = (uint16_t)((s->pending_head + 1) % MEDIA_PENDING_MAX);
		s->pending_count--;
		if (s->has_session && !s->unsupported)
			decrypt(w, s, m);
		else
			deliver_undecryptable(w, s, m);
	}
}

static void set_keys(struct media_worker *w, struct media_stream *s,
		     const struct media_msg *msg)
{
	char err[160];
	int ret;

	if (s->has_session)
		srtp_session_free(&s->session);
	s->has_session = false;
	if (msg->n_key_sets > 0)
		ret = srtp_session_init_multi(&s->session, msg->key_sets,
					      msg->n_key_sets, err, sizeof(err));
	else
		ret = srtp_session_init(&s->session, &msg->keys, err, sizeof(err));
	if (ret == 0) {
		s->has_session = true;
		s->unsupported = false;
		return;
	}
	s->unsupported = true;
	s->unsupported_reason = "signalling that libsrtp2 cannot follow";
	w->stats.streams_unsupported++;
	LOG_WARN("worker %u: stream %u cannot be decrypted: %s; its packets are delivered undecrypted",
		 w->index, s->id, err);
}

static void destroy(struct media_worker *w, uint32_t id)
{
	struct media_stream *s = w->streams[id];

	if (s == NULL)
		return;
	release_pending(w, s);
	if (s->has_session)
		srtp_session_free(&s->session);
	explicit_bzero(s, sizeof(*s));
	free(s);
	w->streams[id] = NULL;
	w->stats.streams_destroyed++;
}

static void create(struct media_worker *w, const struct media_msg *msg)
{
	struct media_stream *s = calloc(1, sizeof(*s));

	destroy(w, msg->stream_id);
	if (s == NULL) {
		LOG_ERR("worker %u: out of memory for stream %u; its packets will be dropped",
			w->index, msg->stream_id);
		return;
	}
	s->id = msg->stream_id;
	s->prev_id = msg->prev_stream_id;
	s->kind = msg->kind;
	s->keying = msg->keying;
	s->n_liids = msg->n_liids;
	memcpy(s->liids, msg->liids, sizeof(s->liids));
	memcpy(s->cins, msg->cins, sizeof(s->cins));
	memcpy(s->target_dirs, msg->target_dirs, sizeof(s->target_dirs));
	memcpy(s->call_id, msg->call_id, sizeof(s->call_id));
	if (msg->has_keys)
		set_keys(w, s, msg);
	w->streams[msg->stream_id] = s;
	w->stats.streams_created++;
}

static void handle_msg(struct media_worker *w, struct media_msg *msg)
{
	if (msg->stream_id < w->capacity) {
		switch (msg->type) {
		case MEDIA_MSG_CREATE:
			create(w, msg);
			break;
		case MEDIA_MSG_KEYS:
			if (w->streams[msg->stream_id] != NULL) {
				set_keys(w, w->streams[msg->stream_id], msg);
				release_pending(w, w->streams[msg->stream_id]);
			}
			break;
		case MEDIA_MSG_DESTROY:
			destroy(w, msg->stream_id);
			break;
		case MEDIA_MSG_NO_KEYS:
			if (w->streams[msg->stream_id] != NULL) {
				w->streams[msg->stream_id]->keying = MEDIA_STREAM_NO_KEYS;
				release_pending(w, w->streams[msg->stream_id]);
			}
			break;
		}
	}
	explicit_bzero(msg, sizeof(*msg));
	free(msg);
}

void media_worker_handle(struct media_worker *w, void **items, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (media_item_is_msg(items[i]))
			handle_msg(w, media_msg_untag(items[i]));
		else
			process_packet(w, items[i]);
	}
}

void media_worker_finish(struct media_worker *w)
{
	for (uint32_t id = 0; id < w->capacity; id++)
		destroy(w, id);
}
