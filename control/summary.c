/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/summary.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "control/handover.h"
#include "dataplane/lcore_stats.h"
#include "lib/util/json.h"

const char *const lime_alarm_kinds[] = {
	"mikey_auth_failed",
	"ticket_expired",
	"ticket_reuse",
	"mikey_forged",
	"kms_error",
	"kms_unreachable",
	"key_unavailable",
	"keys_mismatch",
	"spool_full",
	NULL,
};

static void per_liid_records(struct json_writer *w, const char *key,
			     const struct control *c)
{
	const char *liid;

	bool delivered = strcmp(key, "records_delivered") == 0;

	json_object_begin(w, key);
	FOR_EACH_RUN_LIID(c, i, liid) {
		struct delivery_liid_counts n;

		handover_liid_counts(c, liid, &n);
		const uint64_t *counts = delivered ? n.delivered : n.spooled;
		json_object_begin(w, liid);
		json_u64(w, "hi2", counts[DELIVERY_HI2]);
		json_u64(w, "hi3", counts[DELIVERY_HI3]);
		json_object_end(w);
	}
	json_object_end(w);
}

static void write_packets(struct json_writer *w, const struct lcore_stats *t,
			  const struct control *c)
{
	const struct tcp_stream_stats *tcp = tcp_stream_stats(c->tcp);

	json_u64(w, "packets_total", t->rx_packets);
	json_u64(w, "bytes_total", t->rx_bytes);

	json_object_begin(w, "packets_by_class");
	for (int k = 0; k < PKT_CLASS_COUNT; k++)
		json_u64(w, pkt_class_name(k), t->class_packets[k]);
	json_object_end(w);

	json_object_begin(w, "packets_dropped");
	for (int r = 0; r < DROP_REASON_COUNT; r++) {
		if (drop_reason_reported(r))
			json_u64(w, drop_reason_name(r), t->drops[r]);
	}
	json_u64(w, "sip_undecodable", c->stats.sip_undecodable);
	json_u64(w, "tcp_stream_limit", tcp->stream_limit_drops);
	json_u64(w, "tcp_buffer_limit", tcp->buffer_limit_drops);
	json_object_end(w);

	json_object_begin(w, "encapsulations");
	for (unsigned int bit = 0; bit < RTE_DIM(t->encap_packets); bit++)
		json_u64(w, encap_name(bit), t->encap_packets[bit]);
	json_object_end(w);

	json_object_begin(w, "fragments");
	json_u64(w, "received", t->fragments_in);
	json_u64(w, "datagrams_reassembled", t->datagrams_reassembled);
	json_u64(w, "dropped", t->drops[DROP_FRAGMENT_FAILED]);
	json_u64(w, "duplicates", t->drops[DROP_FRAGMENT_DUPLICATE]);
	json_object_end(w);
}

static void write_sip(struct json_writer *w, const struct control *c)
{
	const struct tcp_stream_stats *tcp = tcp_stream_stats(c->tcp);

	json_u64(w, "sip_messages", c->stats.sip_messages);
	json_u64(w, "sip_rejected", c->stats.sip_rejected);

	json_object_begin(w, "sip");
	json_u64(w, "udp_messages", c->stats.sip_udp_messages);
	json_u64(w, "tcp_messages", c->stats.sip_tcp_messages);
	json_u64(w, "udp_keepalives", c->stats.sip_keepalives);
	json_u64(w, "tcp_keepalives", tcp->keepalives);
	json_u64(w, "tcp_segments", tcp->segments);
	json_u64(w, "tcp_retransmitted_bytes", tcp->retransmitted_bytes);
	json_u64(w, "tcp_out_of_order_segments", tcp->out_of_order_segments);
	json_u64(w, "tcp_gaps_skipped", tcp->gaps_skipped);
	json_u64(w, "tcp_resyncs", tcp->resyncs);
	json_u64(w, "tcp_bytes_discarded", tcp->bytes_discarded);
	json_u64(w, "tcp_oversize_messages", tcp->oversize_messages);
	json_u64(w, "tcp_streams_opened", tcp->streams_opened);
	json_u64(w, "tcp_streams_expired", tcp->streams_expired);
	json_object_end(w);
}

/* Calls, flows, and IRI events per LIID of the run. */
static void write_calls(struct json_writer *w, const struct control *c)
{
	const char *liid;
	const struct dialog_stats *ds = dialog_tracker_stats(c->dialogs);

	json_u64(w, "calls", ds->calls);
	json_object_begin(w, "intercepted_calls");
	FOR_EACH_RUN_LIID(c, i, liid) {
		const struct liid_stats *ls = dialog_liid_stats(c->dialogs,
								liid);
		json_u64(w, liid, ls ? ls->intercepted_calls : 0);
	}
	json_object_end(w);

	json_object_begin(w, "iri_events");
	FOR_EACH_RUN_LIID(c, i, liid) {
		const struct liid_stats *ls = dialog_liid_stats(c->dialogs,
								liid);
		json_object_begin(w, liid);
		json_u64(w, "begin", ls ? ls->iri[IRI_BEGIN] : 0);
		json_u64(w, "continue", ls ? ls->iri[IRI_CONTINUE] : 0);
		json_u64(w, "end", ls ? ls->iri[IRI_END] : 0);
		json_u64(w, "report", ls ? ls->iri[IRI_REPORT] : 0);
		json_object_end(w);
	}
	json_object_end(w);

	json_object_begin(w, "dialogs");
	json_u64(w, "active", ds->calls_active);
	json_u64(w, "peak", ds->calls_peak);
	json_u64(w, "timed_out", ds->calls_timed_out);
	json_u64(w, "evicted", ds->calls_evicted);
	json_u64(w, "forks", ds->forks);
	json_u64(w, "offers", ds->offers);
	json_u64(w, "answers", ds->answers);
	json_u64(w, "retransmissions", ds->retransmissions);
	json_u64(w, "out_of_dialog", ds->out_of_dialog);
	json_u64(w, "reports_outside_calls", ds->reports);
	json_u64(w, "no_call_id", ds->no_call_id);
	json_u64(w, "bad_cseq", ds->bad_cseq);
	json_u64(w, "bad_sdp", ds->bad_sdp);
	json_u64(w, "sdp_invalid_sections", ds->sdp_invalid_sections);
	json_u64(w, "sdes_tag_renumbered", ds->sdes_tag_mismatch);
	json_u64(w, "sdes_unpaired", ds->sdes_unpaired);
	json_object_end(w);

	json_object_begin(w, "flows");
	json_u64(w, "added", ds->flows_added);
	json_u64(w, "removed", ds->flows_removed);
	json_u64(w, "active", ds->flows_active);
	json_u64(w, "peak", ds->flows_peak);
	json_u64(w, "rejected", ds->flows_rejected);
	json_u64(w, "taken_over", ds->flows_taken_over);
	json_object_end(w);

	json_object_begin(w, "sip_malformed");
	for (int e = SIP_MSG_ERR_EMPTY; e < SIP_MSG_ERROR_KINDS; e++)
		json_u64(w, sip_msg_error_name(e), c->stats.sip_malformed[e]);
	json_object_end(w);

	json_object_begin(w, "config_reloads");
	json_u64(w, "applied", c->stats.reloads);
	json_u64(w, "rejected", c->stats.reloads_rejected);
	json_object_end(w);
	json_u64(w, "iri_records", c->stats.iri_records);
}

/* One media counter of an LIID, summed over the workers. */
static uint64_t liid_media(const struct control *c, const char *liid,
			   size_t offset)
{
	int idx = dialog_liid_index(c->dialogs, liid);
	uint64_t sum = 0;

	if (idx < 0 || idx >= MEDIA_MAX_LIIDS)
		return 0;
	for (uint16_t w = 0; w < c->dp->n_workers; w++) {
		const struct media_worker *mw = c->dp->media_workers[w];
		const uint8_t *counters = (const uint8_t *)&mw->liids[idx];
		sum += *(const uint64_t *)(counters + offset);
	}
	return sum;
}

static void per_liid_media(struct json_writer *w, const char *key,
			   const struct control *c, size_t offset)
{
	const char *liid;

	json_object_begin(w, key);
	FOR_EACH_RUN_LIID(c, i, liid)
		json_u64(w, liid,
			 liid_media(c, liid, offset));
	json_object_end(w);
}

static void write_media(struct json_writer *w, const struct control *c)
{
	struct media_worker_stats t = {0};

	for (uint16_t i = 0; i < c->dp->n_workers; i++) {
		const struct media_worker_stats *s = &c->dp->media_workers[i]->stats;
		t.packets += s->packets;
		t.decrypted += s->decrypted;
		t.failed += s->failed;
		t.undecryptable += s->undecryptable;
		t.plain += s->plain;
		t.duplicates += s->duplicates;
		t.malformed += s->malformed;
		t.no_stream += s->no_stream;
		t.pending_overflow += s->pending_overflow;
		t.output_ring_full += s->output_ring_full;
		t.roc_recovered += s->roc_recovered;
		t.overlap_decrypted += s->overlap_decrypted;
		t.streams_created += s->streams_created;
		t.streams_unsupported += s->streams_unsupported;
		t.decrypt_cycles += s->decrypt_cycles;
	}

	per_liid_media(w, "media_decrypted", c, offsetof(struct media_liid_counters, decrypted));
	per_liid_media(w, "media_failed", c, offsetof(struct media_liid_counters, failed));
	per_liid_media(w, "media_undecryptable", c,
		       offsetof(struct media_liid_counters, undecryptable));
	per_liid_media(w, "media_plain", c, offsetof(struct media_liid_counters, plain));

	json_object_begin(w, "media");
	json_u64(w, "packets", t.packets);
	json_u64(w, "decrypted", t.decrypted);
	json_u64(w, "failed", t.failed);
	json_u64(w, "undecryptable", t.undecryptable);
	json_u64(w, "plain", t.plain);
	json_u64(w, "duplicates", t.duplicates);
	json_u64(w, "malformed", t.malformed);
	json_u64(w, "no_stream", t.no_stream);
	json_u64(w, "pending_overflow", t.pending_overflow);
	json_u64(w, "output_ring_full", t.output_ring_full);
	json_u64(w, "roc_recovered", t.roc_recovered);
	json_u64(w, "rekey_overlap_decrypted", t.overlap_decrypted);
	json_u64(w, "streams", t.streams_created);
	json_u64(w, "streams_unsupported", t.streams_unsupported);
	json_double(w, "decrypt_cycles_per_packet",
		    t.decrypted + t.failed ? (double)t.decrypt_cycles / (double)(t.decrypted + t.failed) : 0);
	json_u64(w, "cc_pcap_packets", c->stats.cc_packets);
	json_object_end(w);
}

/* Alarms reported, plus those a worker could not hand over. */
static uint64_t alarm_count(const struct control *c, int kind)
{
	uint64_t n = c->stats.alarms[kind];

	if (kind == ALARM_KEY_UNAVAILABLE)
		for (uint16_t i = 0; i < c->dp->n_workers; i++)
			n += c->dp->media_workers[i]->stats.alarm_events_lost;
	return n;
}

/* The delivery engine's own counters, beside the per-LIID counts. */
static void write_delivery(struct json_writer *w, const struct control *c)
{
	struct delivery_stats d;

	handover_stats(c, &d);
	json_object_begin(w, "delivery");
	json_string(w, "backend", d.backend != NULL ? d.backend : "none");
	json_u64(w, "connects", d.connects);
	json_u64(w, "connect_failures", d.connect_failures);
	json_u64(w, "disconnects", d.disconnects);
	json_u64(w, "keepalives_sent", d.keepalives_sent);
	json_u64(w, "keepalive_timeouts", d.keepalive_timeouts);
	json_u64(w, "records_replayed", d.records_replayed);
	json_u64(w, "records_resent", d.records_resent);
	json_u64(w, "records_lost", d.records_lost);
	json_u64(w, "records_unrouted", c->stats.records_unrouted);
	json_u64(w, "spool_bytes", d.spool_bytes);
	json_u64(w, "bad_responses", d.bad_responses);
	json_object_end(w);
}

static void write_keys_and_delivery(struct json_writer *w,
				    const struct control *c)
{
	write_media(w, c);
	json_u64(w, "kms_resolutions_ok", c->mikey.stats.resolutions_ok);
	json_u64(w, "kms_resolutions_failed", c->mikey.stats.resolutions_failed);
	json_object_begin(w, "mikey");
	json_u64(w, "exchanges", c->mikey.stats.exchanges);
	json_u64(w, "kms_requests", c->mikey.stats.requests);
	json_u64(w, "ticket_cache_hits", c->mikey.stats.cache_hits);
	json_u64(w, "requests_shed", c->mikey.stats.shed);
	json_u64(w, "requests_refused", c->mikey.stats.requests_refused);
	json_u64(w, "keyed_streams", c->mikey.stats.keyed_streams);
	json_u64(w, "forged_offers", c->mikey.stats.forged_offers);
	json_u64(w, "answer_to_keys_us_p50", mikey_keys_latency_quantile(&c->mikey.stats, 0.5));
	json_u64(w, "answer_to_keys_us_p99", mikey_keys_latency_quantile(&c->mikey.stats, 0.99));
	json_u64(w, "report_fetches", c->mikey.stats.report_fetches);
	json_u64(w, "reports_found", c->mikey.stats.reports_found);
	json_u64(w, "reports_missing", c->mikey.stats.reports_missing);
	json_u64(w, "report_fetches_failed", c->mikey.stats.report_fetches_failed);
	json_u64(w, "keys_mismatches", c->mikey.stats.keys_mismatches);
	json_u64(w, "keyed_from_reports", c->mikey.stats.keyed_from_reports);
	json_object_end(w);

	json_object_begin(w, "alarms");
	for (int i = 0; i < LIME_ALARM_KINDS; i++)
		json_u64(w, lime_alarm_kinds[i], alarm_count(c, i));
	json_object_end(w);

	per_liid_records(w, "records_delivered", c);
	per_liid_records(w, "records_spooled", c);
	write_delivery(w, c);
}

static void write_lcore(struct json_writer *w, unsigned int lcore,
			const struct dataplane *dp)
{
	const struct lcore_stats *s = &lime_lcore_stats[lcore];
	const struct lcore_role *role = &dp->roles[lcore];
	double hz = (double)rte_get_tsc_hz();

	json_object_begin(w, NULL);
	json_u64(w, "lcore", lcore);
	json_bool(w, "rx", role->rx);
	json_bool(w, "worker", role->worker);
	json_u64(w, "rx_packets", s->rx_packets);
	json_u64(w, "media_packets", s->media_packets);

	if (s->stage_packets > 0) {
		double busy_s = (double)(s->last_rx_tsc - s->first_rx_tsc) / hz;
		json_double(w, "rx_seconds", busy_s);
		json_double(w, "rx_packets_per_second",
			    busy_s > 0 ? (double)s->stage_packets / busy_s : 0);
		json_object_begin(w, "cycles_per_packet");
		for (int st = 0; st < STAGE_COUNT; st++)
			json_double(w, rx_stage_name(st),
				    (double)s->stage_cycles[st] / (double)s->stage_packets);
		json_object_end(w);
	}
	json_object_end(w);
}

/* Writes the counters of each port's driver. Only these show the packets
 * the NIC dropped because lime did not read them in time (imissed). */
static void write_ports(struct json_writer *w)
{
	uint16_t port;

	json_array_begin(w, "ports");
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_stats st;
		char name[RTE_ETH_NAME_MAX_LEN] = "";

		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		(void)rte_eth_dev_get_name_by_port(port, name);
		json_object_begin(w, NULL);
		json_u64(w, "port", port);
		json_string(w, "name", name);
		json_u64(w, "ipackets", st.ipackets);
		json_u64(w, "ibytes", st.ibytes);
		json_u64(w, "imissed", st.imissed);
		json_u64(w, "ierrors", st.ierrors);
		json_u64(w, "rx_nombuf", st.rx_nombuf);
		json_object_end(w);
	}
	json_array_end(w);
}

int summary_write(const char *path, const struct control *c)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;

	struct lcore_stats total;
	struct json_writer w;
	lcore_stats_sum(&total);
	json_writer_init(&w, f, true);

	json_object_begin(&w, NULL);
	write_packets(&w, &total, c);
	write_sip(&w, c);
	write_calls(&w, c);
	write_keys_and_delivery(&w, c);

	json_double(&w, "run_seconds",
		    (double)(c->stopped_tsc - c->started_tsc) / (double)rte_get_tsc_hz());
	json_u64(&w, "tsc_hz", rte_get_tsc_hz());
	json_array_begin(&w, "lcores");
	unsigned int lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
		write_lcore(&w, lcore, c->dp);
	json_array_end(&w);
	write_ports(&w);
	json_object_end(&w);

	int ret = json_writer_finish(&w);
	if (fclose(f) != 0 || ret != 0) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
