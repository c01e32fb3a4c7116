/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HI2 and HI3 records from the control lcore to the delivery engine. The
 * engine encodes, numbers, sends and spools; this file decides what goes
 * to which agency.
 */
#include "control/handover.h"

#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "control/summary.h"
#include "dataplane/pkt_meta.h"
#include "lib/util/log.h"

/* How long the end of a run waits for agencies to take their records.
 * What is left stays in the spool for the next start. */
#define DRAIN_TIMEOUT_OFFLINE_MS 60000
#define DRAIN_TIMEOUT_LIVE_MS 10000

static enum delivery_io_backend backend_of(const struct lime_config *cfg)
{
	if (cfg->io_backend == NULL || strcmp(cfg->io_backend, "auto") == 0)
		return DELIVERY_IO_AUTO;
	return strcmp(cfg->io_backend, "epoll") == 0 ? DELIVERY_IO_EPOLL
						     : DELIVERY_IO_URING;
}

static const char *const channel_names[] = { "HI2", "HI3" };

/* Runs on the delivery I/O thread: counted there, reported here. */
static void on_spool_full(void *arg, const char *agency,
			  enum delivery_channel channel, const char *reason)
{
	struct control *c = arg;

	__atomic_fetch_add(&c->stats.alarms[ALARM_SPOOL_FULL], 1, __ATOMIC_RELAXED);
	LOG_ERR("alarm spool_full: agency %s %s: %s; records for it are lost until the spool has room",
		agency, channel_names[channel], reason);
}

/* Remembers the agency of every LIID of the live configuration, by the
 * dialog tracker's index. Agencies of LIIDs removed later are kept, so
 * that records already under way still reach them. */
static void map_agencies(struct control *c)
{
	const struct lime_config *cfg = control_live_config(c);

	for (size_t i = 0; i < cfg->n_intercepts; i++) {
		int id = dialog_liid_index(c->dialogs, cfg->intercepts[i].liid);
		if (id < 0 || id >= HANDOVER_MAX_LIIDS)
			continue;

		char *agency = strdup(cfg->intercepts[i].agency);
		if (agency == NULL) {
			LOG_ERR("handover: out of memory mapping LIID %s to its agency",
				cfg->intercepts[i].liid);
			continue;
		}
		free(c->liid_agency[id]);
		c->liid_agency[id] = agency;
	}
}

int handover_start(struct control *c)
{
	char err[512];
	struct delivery_options opts = {
		.spool_dir = c->cfg->spool_dir,
		.spool_quota_bytes = c->cfg->spool_quota_mb << 20,
		.keepalive_wait_ms = c->cfg->keepalive_wait_s * 1000,
		.memory_limit_bytes = (uint64_t)c->cfg->delivery_memory_mb << 20,
		.backend = backend_of(c->cfg),
		.offline = c->dp->offline,
		.on_spool_full = on_spool_full,
		.on_spool_full_arg = c,
	};

	c->delivery = delivery_start(c->cfg, &opts, err, sizeof(err));
	if (c->delivery == NULL) {
		LOG_ERR("handover: %s", err);
		return -1;
	}
	map_agencies(c);
	return 0;
}

void handover_update(struct control *c)
{
	map_agencies(c);
	if (c->delivery != NULL &&
	    delivery_update(c->delivery, control_live_config(c)) != 0)
		LOG_WARN("handover: an agency's TLS files could not be loaded; it keeps its previous settings");
}

static const char *agency_of(const struct control *c, const char *liid)
{
	int id = dialog_liid_index(c->dialogs, liid);

	return id >= 0 && id < HANDOVER_MAX_LIIDS ? c->liid_agency[id] : NULL;
}

static void submit(struct control *c, const char *agency,
		   struct delivery_record *rec)
{
	if (c->delivery == NULL || agency == NULL) {
		free(rec->payload);
		c->stats.records_unrouted++;
		return;
	}
	if (delivery_submit(c->delivery, agency, rec) != 0)
		c->stats.records_unrouted++;
}

static enum etsi_iri_type etsi_type(enum iri_type type)
{
	switch (type) {
	case IRI_BEGIN: return ETSI_IRI_BEGIN;
	case IRI_CONTINUE: return ETSI_IRI_CONTINUE;
	case IRI_END: return ETSI_IRI_END;
	default: return ETSI_IRI_REPORT;
	}
}

static void etsi_ip_of(struct etsi_ip *out, uint8_t family, const uint8_t *addr)
{
	out->version = family == 6 ? 6 : 4;
	memcpy(out->addr, addr, family == 6 ? 16 : 4);
}

/* The payload of an alarm is the Call-ID; of a SIP event, the masked
 * message. An IRI-END after a timeout has no message and no addresses. */
static int fill_iri(struct delivery_record *rec, const struct iri_record *ir)
{
	const char *text = ir->alarm_kind != NULL ? ir->call_id : ir->sip;
	size_t len = ir->alarm_kind != NULL ? strlen(ir->call_id) : ir->sip_len;

	rec->channel = DELIVERY_HI2;
	rec->iri_type = etsi_type(ir->type);
	rec->alarm_kind = ir->alarm_kind;
	if (ir->alarm_reason != NULL)
		snprintf(rec->alarm_reason, sizeof(rec->alarm_reason), "%s", ir->alarm_reason);
	rec->src.version = rec->dst.version = 4;
	if (ir->has_packet) {
		etsi_ip_of(&rec->src, ir->packet.family, ir->packet.src_addr);
		etsi_ip_of(&rec->dst, ir->packet.family, ir->packet.dst_addr);
	}
	if (text == NULL || len == 0)
		return 0;
	rec->payload = malloc(len);
	if (rec->payload == NULL)
		return -1;
	memcpy(rec->payload, text, len);
	rec->payload_len = len;
	return 0;
}

void handover_iri(struct control *c, const struct iri_record *ir)
{
	struct delivery_record rec = {
		.cin = (uint32_t)ir->cin,
		.ts_us = (uint64_t)ir->ts_us,
	};

	snprintf(rec.liid, sizeof(rec.liid), "%s", ir->liid);
	if (fill_iri(&rec, ir) != 0) {
		c->stats.iri_record_failures++;
		LOG_ERR("LIID %s: out of memory for the HI2 record of CIN %llu",
			ir->liid, (unsigned long long)ir->cin);
		return;
	}
	submit(c, agency_of(c, ir->liid), &rec);
}

/* The IP packet of a media packet, copied out of the mbuf. */
static uint8_t *copy_ip_packet(struct rte_mbuf *m, size_t *len)
{
	const struct pkt_meta *meta = pkt_meta(m);
	size_t ip_len = (size_t)(meta->payload_offset - meta->l3_offset) + meta->payload_len;

	if (meta->l3_offset + ip_len > m->pkt_len)
		return NULL;

	uint8_t *copy = malloc(ip_len);
	if (copy == NULL)
		return NULL;

	/* A contiguous packet is read in place, a chained one into copy. */
	const uint8_t *data = rte_pktmbuf_read(m, meta->l3_offset, ip_len, copy);
	if (data == NULL) {
		free(copy);
		return NULL;
	}
	if (data != copy)
		memcpy(copy, data, ip_len);
	*len = ip_len;
	return copy;
}

void handover_cc(struct control *c, struct rte_mbuf *m)
{
	const struct pkt_meta *meta = pkt_meta(m);

	for (unsigned i = 0; i < meta->cc_n_liids && i < PKT_META_CC_LIIDS; i++) {
		const char *liid = dialog_liid_name(c->dialogs, meta->cc_liids[i]);
		if (liid == NULL)
			continue;

		struct delivery_record rec = {
			.channel = DELIVERY_HI3,
			.cin = meta->cc_cins[i],
			.ts_us = meta->ts_us,
			.direction = meta->cc_dirs[i] <= ETSI_DIR_INDETERMINATE ?
				     (enum etsi_direction)meta->cc_dirs[i] :
				     ETSI_DIR_INDETERMINATE,
		};
		snprintf(rec.liid, sizeof(rec.liid), "%s", liid);
		rec.payload = copy_ip_packet(m, &rec.payload_len);
		if (rec.payload == NULL) {
			c->stats.cc_write_failures++;
			continue;
		}
		submit(c, meta->cc_liids[i] < HANDOVER_MAX_LIIDS ?
			  c->liid_agency[meta->cc_liids[i]] : NULL, &rec);
	}
}

uint64_t handover_next_cin(void *ctx, const char *liid)
{
	struct control *c = ctx;

	return c->delivery != NULL ? delivery_next_cin(c->delivery, liid) : 1;
}

/* Keeps the final counts, which the summary reads after the engine is
 * gone. */
static void snapshot_counts(struct control *c)
{
	const char *liid;

	FOR_EACH_RUN_LIID(c, i, liid) {
		if (i >= HANDOVER_MAX_LIIDS)
			break;
		(void)delivery_liid_counts(c->delivery, liid, &c->liid_records[i]);
	}
	delivery_get_stats(c->delivery, &c->delivery_final);
}

void handover_finish(struct control *c)
{
	if (c->delivery == NULL)
		return;

	uint32_t timeout = c->dp->offline ? DRAIN_TIMEOUT_OFFLINE_MS : DRAIN_TIMEOUT_LIVE_MS;
	if (delivery_drain(c->delivery, timeout) != 0)
		LOG_WARN("handover: agencies did not take every record within %u s; the rest stays in the spool under %s",
			 timeout / 1000, c->cfg->spool_dir);

	pthread_mutex_lock(&c->state_lock);
	snapshot_counts(c);
	delivery_stop(c->delivery);
	c->delivery = NULL;
	c->delivery_stopped = true;
	pthread_mutex_unlock(&c->state_lock);
}

void handover_liid_counts(const struct control *c, const char *liid,
			  struct delivery_liid_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (c->delivery != NULL) {
		(void)delivery_liid_counts(c->delivery, liid, out);
		return;
	}

	int id = dialog_liid_index(c->dialogs, liid);
	if (c->delivery_stopped && id >= 0 && id < HANDOVER_MAX_LIIDS)
		*out = c->liid_records[id];
}

void handover_stats(const struct control *c, struct delivery_stats *out)
{
	if (c->delivery != NULL)
		delivery_get_stats(c->delivery, out);
	else if (c->delivery_stopped)
		*out = c->delivery_final;
	else
		memset(out, 0, sizeof(*out));
}
