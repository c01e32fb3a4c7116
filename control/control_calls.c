/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's side of call correlation: parses each SIP message,
 * feeds the dialog tracker, installs the media flows of intercepted calls
 * in the dataplane's flow table with their keys in the key manager, keeps
 * the IRI records, and swaps in new intercepts on SIGHUP.
 */
#include "control/control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/cc_pcap.h"
#include "control/debug_events.h"
#include "control/handover.h"
#include "control/iri_record.h"
#include "control/metrics.h"
#include "control/summary.h"
#include "dataplane/flow_table.h"
#include "lib/util/hmap.h"
#include "lib/util/log.h"

volatile sig_atomic_t control_reload_requested;

/* Malformed SIP messages logged one by one before they are only counted. */
#define MALFORMED_LOG_LIMIT 10
/* An ended call absorbs retransmissions this long (64 x T1 of RFC 3261). */
#define DIALOG_LINGER_US (32 * 1000000LL)

static void flow_key_of(const struct media_flow *f, struct flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = f->dest.family;
	key->proto = IPPROTO_UDP;
	key->port = f->dest.port;
	memcpy(key->addr, f->dest.addr, sizeof(key->addr));
}

static int sink_flow_add(void *ctx, const struct call_flow_event *ev,
			 uint32_t *stream_id)
{
	struct control *c = ctx;
	struct flow_key key;
	uint32_t id;

	int ret = key_manager_open(&c->keys, ev->flow->keying, ev->crypto, &id);
	if (ret != 0)
		return ret;

	uint16_t worker = media_worker_of(c, ev->flow);
	c->keys.streams[id].worker = worker;

	struct flow_entry *entry = calloc(1, sizeof(*entry));
	if (entry == NULL || media_stream_create(c, ev, id, worker) != 0) {
		free(entry);
		key_manager_close(&c->keys, id);
		return -ENOMEM;
	}
	entry->stream_id = id;
	entry->worker = worker;

	/* The stream exists on its worker before any packet can match. */
	flow_key_of(ev->flow, &key);
	ret = flow_table_add(&c->dp->flows, &key, entry);
	if (ret != 0) {
		free(entry);
		media_stream_destroy_now(c, id);
		return ret;
	}

	*stream_id = id;
	if (c->debug_events != NULL)
		debug_events_flow(c->debug_events, "flow_add", ev, id, NULL);
	return 0;
}

static void sink_flow_del(void *ctx, const struct call_flow_event *ev,
			  uint32_t stream_id, const char *reason)
{
	struct control *c = ctx;
	struct flow_key key;

	flow_key_of(ev->flow, &key);
	if (flow_table_del(&c->dp->flows, &key) != 0)
		LOG_WARN("flows: removing a media flow of call %.*s found no flow table entry",
			 (int)ev->call_id_len, ev->call_id);
	/* The key slot stays taken until the worker's stream is gone. */
	media_stream_retire(c, stream_id, ev->flow, strcmp(reason, "renegotiated") == 0);
	if (c->debug_events != NULL)
		debug_events_flow(c->debug_events, "flow_del", ev, stream_id, reason);
}

/* Hands one IRI record to the agency of its LIID, and to the event file. */
static void sink_iri(void *ctx, const struct iri_event *ev)
{
	struct control *c = ctx;
	struct iri_record *rec = iri_record_create(ev);

	if (rec == NULL) {
		c->stats.iri_record_failures++;
		LOG_ERR("LIID %s: out of memory for an IRI record of CIN %llu",
			ev->liid, (unsigned long long)ev->cin);
		return;
	}
	c->stats.iri_records++;
	if (c->debug_events != NULL)
		debug_events_iri(c->debug_events, rec);
	handover_iri(c, rec);
	iri_record_free(rec);
}

/*
 * Returns true when the call raised this kind of alarm lately. Alarms
 * count once per call, although a KMS error can be raised at the offer
 * and again when the answer requests the ticket once more. key_unavailable
 * counts per stream, and each worker raises it once per stream.
 */
static bool alarm_seen(struct control *c, enum lime_alarm_kind kind,
		       const char *call_id)
{
	/* Alarms without a Call-ID cannot be told apart, so each counts. */
	if (kind == ALARM_KEY_UNAVAILABLE || call_id[0] == '\0')
		return false;

	uint64_t key = hmap_hash(call_id, strlen(call_id)) * LIME_ALARM_KINDS + (uint64_t)kind;

	for (unsigned i = 0; i < RECENT_ALARMS; i++)
		if (c->recent_alarms[i] == key)
			return true;
	c->recent_alarms[c->next_recent_alarm++ % RECENT_ALARMS] = key;
	return false;
}

void control_raise_alarm(struct control *c, enum lime_alarm_kind kind,
			 const char *reason, const char *call_id, int64_t ts_us,
			 const uint32_t *liid_ids, const uint64_t *cins,
			 unsigned n_liids)
{
	char liids[128] = "";

	if (alarm_seen(c, kind, call_id))
		return;
	c->stats.alarms[kind]++;
	for (unsigned i = 0; i < n_liids; i++) {
		const char *liid = dialog_liid_name(c->dialogs, liid_ids[i]);
		size_t len = strlen(liids);
		if (liid != NULL)
			snprintf(liids + len, sizeof(liids) - len, "%s%s", len ? "," : "", liid);
	}
	LOG_WARN("alarm %s: LIID %s, call %s: %s", lime_alarm_kinds[kind],
		 liids[0] ? liids : "none", call_id, reason);

	for (unsigned i = 0; i < n_liids; i++) {
		const char *liid = dialog_liid_name(c->dialogs, liid_ids[i]);
		if (liid == NULL)
			continue;

		struct iri_event iri = {
			.type = IRI_REPORT,
			.liid = liid,
			.cin = cins[i],
			.ts_us = ts_us,
			.call_id = call_id,
			.call_id_len = strlen(call_id),
			.alarm_kind = lime_alarm_kinds[kind],
			.alarm_reason = reason,
		};
		dialog_count_report(c->dialogs, liid_ids[i]);
		sink_iri(c, &iri);
	}
}

void control_raise_media_alarm(struct control *c, const struct media_event *ev)
{
	uint32_t ids[MEDIA_STREAM_LIIDS];
	uint64_t cins[MEDIA_STREAM_LIIDS];

	for (uint16_t i = 0; i < ev->n_liids; i++) {
		ids[i] = ev->liids[i];
		cins[i] = ev->cins[i];
	}
	control_raise_alarm(c, ALARM_KEY_UNAVAILABLE, ev->reason, ev->call_id,
			    (int64_t)ev->ts_us, ids, cins, ev->n_liids);
}

int control_calls_init(struct control *c)
{
	char err[512];
	struct dialog_limits limits = {
		.max_calls = c->cfg->max_dialogs,
		.dialog_timeout_us = (int64_t)c->cfg->dialog_timeout_s * 1000000,
		.early_timeout_us = (int64_t)c->cfg->early_dialog_timeout_s * 1000000,
		.linger_us = DIALOG_LINGER_US,
	};
	struct dialog_sink sink = {
		.ctx = c,
		.mikey = mikey_keys_on_exchange,
		.mikey_offer = mikey_keys_on_offer,
		.iri = sink_iri,
		.flow_add = sink_flow_add,
		.flow_del = sink_flow_del,
		.next_cin = handover_next_cin,
	};

	c->live_cfg = (struct lime_config *)c->cfg;
	pthread_mutex_init(&c->state_lock, NULL);
	for (unsigned i = 0; i < REKEYED_DESTS; i++)
		c->rekeyed[i].stream_id = MEDIA_NO_STREAM;
	if (c->opts.cc_pcap_path != NULL) {
		c->cc_pcap = cc_pcap_open(c->opts.cc_pcap_path);
		if (c->cc_pcap == NULL) {
			LOG_ERR("opening \"%s\" for --cc-pcap failed: %s",
				c->opts.cc_pcap_path, strerror(errno));
			return -EIO;
		}
	}
	c->intercepts = intercept_set_build(c->cfg, err, sizeof(err));
	if (c->intercepts == NULL) {
		LOG_ERR("intercepts: %s", err);
		return -EINVAL;
	}
	if (mikey_keys_init(c) != 0)
		return -EINVAL;
	if (key_manager_init(&c->keys, c->cfg->max_flows) != 0) {
		LOG_ERR("key manager: out of memory for %u streams", c->cfg->max_flows);
		return -ENOMEM;
	}
	c->dialogs = dialog_tracker_create(&limits, c->intercepts, &sink);
	if (c->dialogs == NULL) {
		LOG_ERR("dialogs: out of memory for %u calls", c->cfg->max_dialogs);
		return -ENOMEM;
	}
	if (handover_start(c) != 0)
		return -EIO;
	LOG_INFO("intercepts: %zu warrants, up to %u calls tracked",
		 intercept_set_count(c->intercepts), c->cfg->max_dialogs);

	/* The first warrant end, before any packet is read. */
	control_advance_time(c, 0);

	/* A scrape endpoint that cannot open is not worth stopping for. */
	if (c->cfg->metrics_listen != NULL)
		(void)metrics_start(c, c->cfg->metrics_listen);
	metrics_register_telemetry(c);
	return 0;
}

void control_calls_free(struct control *c)
{
	metrics_stop(c);
	handover_finish(c);
	for (unsigned i = 0; i < HANDOVER_MAX_LIIDS; i++) {
		free(c->liid_agency[i]);
		c->liid_agency[i] = NULL;
	}
	mikey_keys_free(c);
	/* Removing every call wipes and releases the keys of its flows. */
	dialog_tracker_destroy(c->dialogs);
	c->dialogs = NULL;
	intercept_set_free(c->intercepts);
	c->intercepts = NULL;
	key_manager_free(&c->keys);
	if (c->live_cfg != c->cfg)
		lime_config_free(c->live_cfg);
	c->live_cfg = NULL;
	if (c->debug_events != NULL)
		fclose(c->debug_events);
	c->debug_events = NULL;
	if (c->cc_pcap != NULL && fclose(c->cc_pcap) != 0)
		LOG_ERR("writing the --cc-pcap file \"%s\" failed: %s",
			c->opts.cc_pcap_path, strerror(errno));
	c->cc_pcap = NULL;
	free(c->retiring);
	c->retiring = NULL;
	c->n_retiring = c->cap_retiring = 0;
}

const struct lime_config *control_live_config(const struct control *c)
{
	return c->live_cfg != NULL ? c->live_cfg : c->cfg;
}

static void count_malformed(struct control *c, enum sip_msg_error err,
			    const struct sip_packet_info *pkt)
{
	uint64_t total = 0;

	c->stats.sip_malformed[err]++;
	for (int i = 0; i < SIP_MSG_ERROR_KINDS; i++)
		total += c->stats.sip_malformed[i];
	if (total > MALFORMED_LOG_LIMIT)
		return;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = pkt->family == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, pkt->src_addr, src, sizeof(src));
	inet_ntop(af, pkt->dst_addr, dst, sizeof(dst));
	LOG_WARN("SIP message over %s from %s port %u to %s port %u dropped: %s%s",
		 pkt->transport == IPPROTO_TCP ? "TCP" : "UDP", src, pkt->src_port,
		 dst, pkt->dst_port, sip_msg_error_name(err),
		 total == MALFORMED_LOG_LIMIT ? " (further malformed messages are only counted)" : "");
}

void control_handle_sip(struct control *c, const uint8_t *data, size_t len,
			const struct sip_packet_info *pkt)
{
	enum sip_msg_error err = sip_msg_parse((const char *)data, len, &c->msg);

	/* A message cut short by the capture still names its dialog. */
	if (err != SIP_MSG_OK && err != SIP_MSG_ERR_NO_HEADER_END &&
	    err != SIP_MSG_ERR_BODY_TRUNCATED) {
		count_malformed(c, err, pkt);
		return;
	}
	if (err != SIP_MSG_OK)
		c->stats.sip_malformed[err]++;

	size_t raw_len = c->msg.length < len ? c->msg.length : len;
	dialog_on_message(c->dialogs, &c->msg, (const char *)data, raw_len, pkt);
}

static bool text_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool list_differs(char **a, size_t n_a, char **b, size_t n_b)
{
	if (n_a != n_b)
		return true;
	for (size_t i = 0; i < n_a; i++)
		if (text_differs(a[i], b[i]))
			return true;
	return false;
}

static bool kms_differs(const struct lime_kms_config *a, const struct lime_kms_config *b)
{
	return a->present != b->present || text_differs(a->url, b->url) ||
	       text_differs(a->ca_file, b->ca_file) || text_differs(a->cert_file, b->cert_file) ||
	       text_differs(a->key_file, b->key_file) || text_differs(a->identity, b->identity) ||
	       text_differs(a->kms_identity, b->kms_identity) || text_differs(a->mode, b->mode) ||
	       a->psk_len != b->psk_len ||
	       (a->psk_len > 0 && CRYPTO_memcmp(a->psk, b->psk, a->psk_len) != 0) ||
	       a->timeout_ms != b->timeout_ms || a->skew_s != b->skew_s ||
	       a->rate_limit != b->rate_limit || a->source_rate_limit != b->source_rate_limit ||
	       a->retries != b->retries;
}

/*
 * Names the first changed setting that only a restart applies: a reload
 * takes intercepts and agencies only, and an operator who rotated the KMS
 * key with a reload must not believe it took effect.
 */
static const char *restart_only_change(const struct lime_config *old,
				       const struct lime_config *next)
{
	if (strcmp(old->lcores, next->lcores) != 0 || old->workers != next->workers)
		return "lcores or workers";
	if (list_differs(old->ports, old->n_ports, next->ports, next->n_ports))
		return "ports";
	if (old->n_sip_ports != next->n_sip_ports ||
	    memcmp(old->sip_ports, next->sip_ports, sizeof(old->sip_ports)) != 0)
		return "sip_ports";
	if (kms_differs(&old->kms, &next->kms))
		return "kms";
	if (text_differs(old->spool_dir, next->spool_dir) ||
	    old->spool_quota_mb != next->spool_quota_mb ||
	    old->keepalive_wait_s != next->keepalive_wait_s ||
	    old->delivery_memory_mb != next->delivery_memory_mb ||
	    text_differs(old->io_backend, next->io_backend))
		return "the delivery settings";
	if (text_differs(old->metrics_listen, next->metrics_listen) ||
	    old->management.present != next->management.present ||
	    text_differs(old->management.listen, next->management.listen))
		return "metrics_listen or management";
	if (list_differs(old->eal_args, old->n_eal_args, next->eal_args, next->n_eal_args) ||
	    old->mbufs != next->mbufs || old->max_flows != next->max_flows ||
	    old->max_dialogs != next->max_dialogs)
		return "eal_args, mbufs, max_flows or max_dialogs";
	return NULL;
}

static void warn_restart_only(const struct lime_config *old,
			      const struct lime_config *next)
{
	const char *setting = restart_only_change(old, next);

	if (setting != NULL)
		LOG_WARN("configuration: %s changed, which takes effect only after a restart (systemctl restart lime); the reload applies intercepts and agencies only",
			 setting);
}

static void log_liid_changes(const struct lime_config *old,
			     const struct intercept_set *old_set,
			     const struct intercept_set *next_set)
{
	unsigned added = 0, removed = 0;
	const struct lime_config *next = intercept_set_config(next_set);

	for (size_t i = 0; i < next->n_intercepts; i++)
		if (intercept_set_find_liid(old_set, next->intercepts[i].liid) < 0) {
			LOG_NOTICE("configuration: intercept %s added",
				 next->intercepts[i].liid);
			added++;
		}
	for (size_t i = 0; i < old->n_intercepts; i++)
		if (intercept_set_find_liid(next_set, old->intercepts[i].liid) < 0) {
			LOG_NOTICE("configuration: intercept %s removed; its calls are no longer intercepted",
				 old->intercepts[i].liid);
			removed++;
		}
	LOG_INFO("configuration reloaded: %zu intercepts (%u added, %u removed), %zu agencies",
		 next->n_intercepts, added, removed, next->n_agencies);
}

int control_apply_config(struct control *c, struct lime_config *next,
			 char *err, size_t err_len)
{
	struct intercept_set *set = intercept_set_build(next, err, err_len);

	if (set == NULL) {
		lime_config_free(next);
		return -1;
	}

	warn_restart_only(c->cfg, next);
	log_liid_changes(c->live_cfg, c->intercepts, set);

	/* Changes apply at the capture time reached, not at the last SIP. */
	uint64_t rx_now = __atomic_load_n(&c->dp->capture_now_us, __ATOMIC_RELAXED);
	control_advance_time(c, rx_now > c->last_capture_us ? rx_now : c->last_capture_us);

	pthread_mutex_lock(&c->state_lock);
	dialog_set_intercepts(c->dialogs, set);
	intercept_set_free(c->intercepts);
	if (c->live_cfg != c->cfg)
		lime_config_free(c->live_cfg);
	c->intercepts = set;
	c->live_cfg = next;
	pthread_mutex_unlock(&c->state_lock);
	handover_update(c);
	control_advance_time(c, c->last_dialog_expire_us);
	return 0;
}

void control_reload(struct control *c)
{
	char err[1024];
	struct lime_config *next = lime_config_load(c->opts.config_path, err,
						    sizeof(err));

	if (next == NULL || control_apply_config(c, next, err, sizeof(err)) != 0) {
		c->stats.reloads_rejected++;
		LOG_ERR("configuration reload rejected: %s; the previous intercepts and agencies stay in force",
			err);
		return;
	}
	c->stats.reloads++;
}
