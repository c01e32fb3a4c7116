/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/control.h"
#include "control/handover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "control/mgmt/mgmt_mailbox.h"
#include "dataplane/lcore_stats.h"
#include "dataplane/pkt_meta.h"
#include "lib/sip/sip_frame.h"
#include "lib/util/log.h"

#define CONTROL_BURST 32
/* Sleep when the ring is empty; at most this adds latency to SIP handling. */
#define CONTROL_IDLE_SLEEP_NS 1000000
/* Idle TCP streams are checked once per this much capture time. */
#define TCP_EXPIRE_PERIOD_US 1000000
/* Dialog timeouts and warrant ends are checked this often in capture time. */
#define DIALOG_EXPIRE_PERIOD_US 1000000
/* Rejected datagrams are logged one by one up to this many, then counted. */
#define REJECT_LOG_LIMIT 10

static void on_tcp_message(void *ctx, const struct tcp_stream_key *key,
			   const uint8_t *msg, size_t len, uint64_t ts_us)
{
	struct control *c = ctx;
	struct sip_packet_info pkt = {
		.ts_us = (int64_t)ts_us,
		.family = key->family,
		.transport = IPPROTO_TCP,
		.src_port = key->src_port,
		.dst_port = key->dst_port,
	};

	memcpy(pkt.src_addr, key->src_addr, sizeof(pkt.src_addr));
	memcpy(pkt.dst_addr, key->dst_addr, sizeof(pkt.dst_addr));
	c->stats.sip_messages++;
	c->stats.sip_tcp_messages++;
	control_handle_sip(c, msg, len, &pkt);
}

int control_init(struct control *c, const struct lime_config *cfg,
		 const struct control_options *opts, struct dataplane *dp)
{
	struct tcp_stream_limits limits = {
		.max_streams = cfg->tcp_max_streams,
		.max_stream_bytes = cfg->tcp_max_stream_bytes,
		.max_total_bytes = cfg->tcp_max_total_bytes,
		.max_message = cfg->sip_max_message,
		.idle_timeout_us = (uint64_t)cfg->tcp_idle_timeout_s * 1000000,
	};

	c->cfg = cfg;
	c->opts = *opts;
	c->dp = dp;
	memset(&c->stats, 0, sizeof(c->stats));
	c->last_capture_us = 0;
	c->last_tcp_expire_us = 0;
	c->last_dialog_expire_us = 0;
	c->tcp = tcp_stream_table_create(&limits, on_tcp_message, c);
	if (c->tcp == NULL) {
		LOG_ERR("control: creating the SIP over TCP stream table failed");
		return -ENOMEM;
	}
	if (opts->debug_events_path != NULL) {
		c->debug_events = fopen(opts->debug_events_path, "w");
		if (c->debug_events == NULL) {
			LOG_ERR("control: opening the event file \"%s\" failed: %s",
				opts->debug_events_path, strerror(errno));
			control_free(c);
			return -errno;
		}
	}
	if (control_calls_init(c) != 0) {
		control_free(c);
		return -EINVAL;
	}
	return 0;
}

void control_free(struct control *c)
{
	control_calls_free(c);
	tcp_stream_table_destroy(c->tcp);
	c->tcp = NULL;
}

static void format_endpoint(const struct decoded_pkt *d, bool src,
			    char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	const uint8_t *a = src ? d->src_addr : d->dst_addr;
	uint16_t port = src ? d->src_port : d->dst_port;

	inet_ntop(d->ip_version == 4 ? AF_INET : AF_INET6, a, addr, sizeof(addr));
	snprintf(out, len, d->ip_version == 4 ? "%s:%u" : "[%s]:%u", addr, port);
}

static void reject_udp(struct control *c, const struct decoded_pkt *d)
{
	c->stats.sip_rejected++;
	if (c->stats.sip_rejected > REJECT_LOG_LIMIT)
		return;

	char from[64], to[64];
	format_endpoint(d, true, from, sizeof(from));
	format_endpoint(d, false, to, sizeof(to));
	LOG_WARN("SIP over UDP from %s to %s rejected: the datagram does not start with a SIP request or status line%s",
		 from, to,
		 c->stats.sip_rejected == REJECT_LOG_LIMIT ?
		 " (further rejections are only counted)" : "");
}

/* A UDP datagram on a SIP port carries one message or a keepalive. */
static void packet_info(const struct decoded_pkt *d, uint64_t ts_us,
			struct sip_packet_info *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_us = (int64_t)ts_us;
	pkt->family = d->ip_version;
	pkt->transport = d->l4_proto;
	pkt->src_port = d->src_port;
	pkt->dst_port = d->dst_port;
	memcpy(pkt->src_addr, d->src_addr, sizeof(pkt->src_addr));
	memcpy(pkt->dst_addr, d->dst_addr, sizeof(pkt->dst_addr));
}

static void handle_udp(struct control *c, const struct decoded_pkt *d,
		       const uint8_t *payload, size_t len, uint64_t ts_us)
{
	size_t skip = 0;
	while (skip < len && (payload[skip] == '\r' || payload[skip] == '\n'))
		skip++;
	if (skip == len) {
		c->stats.sip_keepalives++;
		return;
	}

	const uint8_t *line = payload + skip;
	size_t rest = len - skip;
	const uint8_t *eol = memchr(line, '\n', rest);
	size_t line_len = eol != NULL ? (size_t)(eol - line) : rest;
	if (line_len > 0 && line[line_len - 1] == '\r')
		line_len--;

	if (!sip_is_start_line(line, line_len)) {
		reject_udp(c, d);
		return;
	}
	c->stats.sip_messages++;
	c->stats.sip_udp_messages++;

	struct sip_packet_info pkt;
	packet_info(d, ts_us, &pkt);
	control_handle_sip(c, line, rest, &pkt);
}

static void handle_tcp(struct control *c, const struct decoded_pkt *d,
		       const uint8_t *payload, uint64_t ts_us)
{
	struct tcp_stream_key key;

	memset(&key, 0, sizeof(key));
	key.family = d->ip_version;
	key.src_port = d->src_port;
	key.dst_port = d->dst_port;
	memcpy(key.src_addr, d->src_addr, sizeof(key.src_addr));
	memcpy(key.dst_addr, d->dst_addr, sizeof(key.dst_addr));

	/* Drops are counted in the stream table's statistics. */
	(void)tcp_stream_segment(c->tcp, &key, d->tcp_seq, d->tcp_flags,
				 payload, d->payload_len, ts_us);
}

static void handle_sip_packet(struct control *c, struct rte_mbuf *m)
{
	struct pkt_meta *meta = pkt_meta(m);
	struct decoded_pkt d;
	const uint8_t *data;

	c->stats.sip_packets++;
	if (m->nb_segs == 1)
		data = rte_pktmbuf_mtod(m, const uint8_t *);
	else if (m->pkt_len <= sizeof(c->scratch))
		data = rte_pktmbuf_read(m, 0, m->pkt_len, c->scratch);
	else
		data = NULL;

	if (data == NULL ||
	    decode_ip(data, m->pkt_len, meta->l3_offset, &c->dp->decode, &d) != DECODE_OK) {
		c->stats.sip_undecodable++;
		return;
	}

	if (meta->ts_us > c->last_capture_us)
		c->last_capture_us = meta->ts_us;

	const uint8_t *payload = data + d.payload_offset;
	if (d.l4_proto == IPPROTO_UDP)
		handle_udp(c, &d, payload, d.payload_len, meta->ts_us);
	else
		handle_tcp(c, &d, payload, meta->ts_us);
}

void control_log_stats(const struct control *c)
{
	struct lcore_stats total;
	const struct tcp_stream_stats *tcp = tcp_stream_stats(c->tcp);

	lcore_stats_sum(&total);
	uint64_t dropped = 0;
	for (int r = 0; r < DROP_REASON_COUNT; r++)
		dropped += total.drops[r];

	uint64_t malformed = 0;
	for (int e = 0; e < SIP_MSG_ERROR_KINDS; e++)
		malformed += c->stats.sip_malformed[e];

	LOG_INFO("stats: rx=%" PRIu64 " sip=%" PRIu64 " media=%" PRIu64
		 " other=%" PRIu64 " malformed=%" PRIu64 " fragments=%" PRIu64
		 " dropped=%" PRIu64 " sip_messages=%" PRIu64 " sip_rejected=%" PRIu64
		 " sip_malformed=%" PRIu64 " calls=%" PRIu64 " flows=%" PRIu64
		 " tcp_streams=%" PRIu64,
		 total.rx_packets, total.class_packets[PKT_CLASS_SIP],
		 total.class_packets[PKT_CLASS_MEDIA],
		 total.class_packets[PKT_CLASS_OTHER],
		 total.class_packets[PKT_CLASS_MALFORMED],
		 total.class_packets[PKT_CLASS_FRAGMENT], dropped,
		 c->stats.sip_messages, c->stats.sip_rejected, malformed,
		 dialog_tracker_stats(c->dialogs)->calls,
		 dialog_tracker_stats(c->dialogs)->flows_active,
		 tcp->streams_active);
}

static bool dataplane_stopped(struct dataplane *dp)
{
	return __atomic_load_n(&dp->rx_running, __ATOMIC_ACQUIRE) == 0 &&
	       __atomic_load_n(&dp->workers_running, __ATOMIC_ACQUIRE) == 0;
}

static void idle_sleep(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = CONTROL_IDLE_SLEEP_NS};
	nanosleep(&ts, NULL);
}

/* The capture time now: of the latest SIP message or packet read. */
static uint64_t capture_now(const struct control *c)
{
	uint64_t rx = __atomic_load_n(&c->dp->capture_now_us, __ATOMIC_RELAXED);

	return rx > c->last_capture_us ? rx : c->last_capture_us;
}

void control_advance_time(struct control *c, uint64_t now_us)
{
	int64_t next;

	dialog_expire(c->dialogs, (int64_t)now_us);
	c->last_dialog_expire_us = now_us;
	next = dialog_next_warrant_end(c->dialogs, (int64_t)now_us);
	c->next_warrant_end_us = next == INT64_MAX ? UINT64_MAX : (uint64_t)next;
	if (c->dp->sip_barrier)
		__atomic_store_n(&c->dp->time_barrier_us, c->next_warrant_end_us,
				 __ATOMIC_RELEASE);
}

/*
 * Applies the passage of capture time: once a second, at each warrant
 * end, and at each time step a receiving lcore waits for.
 */
static void control_tick(struct control *c)
{
	struct dataplane *dp = c->dp;
	uint64_t requested = __atomic_load_n(&dp->ticks_requested, __ATOMIC_ACQUIRE);
	uint64_t now = capture_now(c);
	bool step = requested != c->ticks_seen;

	if (step || now >= c->next_warrant_end_us ||
	    now - c->last_dialog_expire_us > DIALOG_EXPIRE_PERIOD_US)
		control_advance_time(c, now);
	if (step) {
		c->ticks_seen = requested;
		__atomic_store_n(&dp->ticks_handled, requested, __ATOMIC_RELEASE);
	}
}

void control_run(struct control *c)
{
	struct dataplane *dp = c->dp;
	struct rte_mbuf *pkts[CONTROL_BURST];
	uint64_t hz = rte_get_tsc_hz();
	uint64_t interval = (uint64_t)c->cfg->stats_interval_s * hz;
	uint64_t next_stats = rte_rdtsc() + interval;

	c->started_tsc = rte_rdtsc();
	for (;;) {
		unsigned int n = rte_ring_dequeue_burst(dp->sip_ring, (void **)pkts,
							CONTROL_BURST, NULL);
		for (unsigned int i = 0; i < n; i++)
			handle_sip_packet(c, pkts[i]);
		if (n > 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			/* Flow table changes are visible before the count. */
			if (dp->sip_barrier)
				__atomic_fetch_add(&dp->sip_handled, n, __ATOMIC_RELEASE);
		}

		if (c->last_capture_us - c->last_tcp_expire_us > TCP_EXPIRE_PERIOD_US) {
			tcp_stream_expire(c->tcp, c->last_capture_us);
			c->last_tcp_expire_us = c->last_capture_us;
		}
		control_tick(c);
		media_streams_poll(c);
		unsigned int out = media_output_drain(c) + mikey_keys_poll(c);
		if (control_reload_requested) {
			control_reload_requested = 0;
			control_reload(c);
		}
		mgmt_control_poll(c);

		uint64_t now = rte_rdtsc();
		if (interval != 0 && now >= next_stats) {
			control_log_stats(c);
			next_stats = now + interval;
		}

		if (n == 0 && out == 0) {
			/* Read the flags before the ring, so no late packet is missed. */
			bool stopped = dataplane_stopped(dp);
			if (stopped && rte_ring_empty(dp->sip_ring))
				break;
			/* Behind the SIP barrier a receiving lcore waits for
			 * this loop, so it yields the CPU without sleeping. */
			if (dp->sip_barrier)
				sched_yield();
			else
				idle_sleep();
		}
	}

	tcp_stream_flush_all(c->tcp);
	dialog_expire(c->dialogs, (int64_t)capture_now(c));
	/* The workers have flushed their held packets before stopping. */
	while (media_output_drain(c) > 0)
		;
	handover_finish(c);
	c->stopped_tsc = rte_rdtsc();
}
