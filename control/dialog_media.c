/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offer/answer state of a call and the media flows each accepted pair
 * gives. Flows of every call are remembered, but only those of
 * intercepted calls are installed through the sink, and keys are handed
 * on only while the answer that carried them is being processed: lime
 * keeps no key material of calls no warrant covers.
 */
#include "control/dialog_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/log.h"

/* Flow table full: log the first rejections, then only count them. */
#define REJECT_LOG_LIMIT 10

void call_drop_offer(struct call *c)
{
	if (c->offer.body == NULL)
		return;
	explicit_bzero(c->offer.body, c->offer.len);
	free(c->offer.body);
	memset(&c->offer, 0, sizeof(c->offer));
}

void call_store_offer(struct dialog_tracker *t, struct call *c,
		      struct sip_slice body, uint32_t cseq,
		      struct sip_slice method, bool in_response)
{
	char *copy = malloc(body.len ? body.len : 1);

	if (copy == NULL) {
		LOG_ERR("dialogs: out of memory copying the SDP offer of call %.*s",
			(int)c->call_id_len, c->call_id);
		return;
	}
	call_drop_offer(c);
	memcpy(copy, body.ptr, body.len);
	c->offer.body = copy;
	c->offer.len = body.len;
	c->offer.cseq = cseq;
	snprintf(c->offer.method, sizeof(c->offer.method), "%.*s",
		 (int)method.len, method.ptr);
	c->offer.in_response = in_response;
	c->offer.answered = false;
	t->stats.offers++;
}

/* ---- Destination ownership ---- */

static uint64_t dest_hash(const struct media_dest *dest)
{
	return hmap_hash(dest, sizeof(*dest));
}

static struct flow_owner *owner_find(struct dialog_tracker *t,
				     const struct media_dest *dest)
{
	uint64_t hash = dest_hash(dest);

	for (struct hmap_node *n = hmap_first(&t->owners, hash); n != NULL;
	     n = hmap_next(n)) {
		struct flow_owner *o = (struct flow_owner *)n;
		if (memcmp(&o->dest, dest, sizeof(*dest)) == 0)
			return o;
	}
	return NULL;
}

static bool match_has(const struct intercept_match *m, int index)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (m->index[i] == (uint32_t)index)
			return true;
	return false;
}

/*
 * Sets, for each LIID, whether the target sends the flow. The target is
 * the party whose From or To of the offer matches the warrant, and the
 * offerer sends the flows marked to_answerer.
 */
static void fill_target_dirs(struct dialog_tracker *t, const struct call *c,
			     const struct media_flow *flow,
			     const struct call_flow_event *ev)
{
	struct intercept_match from = {0}, to = {0};

	if (c->offer_from != NULL)
		intercept_set_match_uri(t->set, c->offer_from, strlen(c->offer_from), &from);
	if (c->offer_to != NULL)
		intercept_set_match_uri(t->set, c->offer_to, strlen(c->offer_to), &to);
	for (unsigned i = 0; i < ev->n_liids; i++) {
		int index = intercept_set_find_liid(t->set, ev->liids[i]);
		bool offerer = index >= 0 && match_has(&from, index);
		bool answerer = index >= 0 && match_has(&to, index);

		if (offerer == answerer)
			t->flow_dirs[i] = FLOW_TARGET_UNKNOWN;
		else
			t->flow_dirs[i] = offerer == flow->to_answerer ? FLOW_FROM_TARGET
								       : FLOW_TO_TARGET;
	}
}

static void fill_event(struct dialog_tracker *t, struct call *c,
		       const struct media_flow *flow,
		       const struct sdes_crypto *crypto, enum sdes_suite suite,
		       int64_t ts_us, const char **liids, uint32_t *ids,
		       uint64_t *cins, struct call_flow_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->flow = flow;
	ev->call_id = c->call_id;
	ev->call_id_len = c->call_id_len;
	ev->n_liids = call_active_liids(t, c, liids, ids, cins, INTERCEPT_MATCH_MAX);
	ev->liids = liids;
	ev->liid_ids = ids;
	ev->cins = cins;
	ev->crypto = crypto;
	ev->suite = flow->keying == MEDIA_KEYS_SDES ? suite : SDES_SUITE_UNKNOWN;
	ev->ts_us = ts_us;
	fill_target_dirs(t, c, flow, ev);
	ev->target_dirs = t->flow_dirs;
}

/* The flow as it was installed: its keying may differ from the pairing's. */
static struct media_flow installed_flow(const struct dialog_flow *df)
{
	struct media_flow flow = df->flow;

	flow.keying = df->installed_keying;
	return flow;
}

/* A flow of another dialog of c that shares df's destination, or NULL. */
static struct dialog_flow *find_sharer(struct call *c, unsigned d,
				       const struct dialog_flow *df,
				       unsigned *sd, unsigned *sf)
{
	for (unsigned i = 0; i < c->n_dialogs; i++) {
		if (i == d || c->dialogs[i].ended)
			continue;
		for (unsigned f = 0; f < c->dialogs[i].n_flows; f++) {
			struct dialog_flow *other = &c->dialogs[i].flows[f];
			if (other->installed && !other->owner &&
			    memcmp(&other->flow.dest, &df->flow.dest,
				   sizeof(df->flow.dest)) == 0) {
				*sd = i;
				*sf = f;
				return other;
			}
		}
	}
	return NULL;
}

/*
 * Removes flow f of dialog d. A flow that only shares its destination
 * goes silently. An owner hands the destination to a dialog of the same
 * call that shares it, unless the whole call's flows are going.
 */
static void uninstall(struct dialog_tracker *t, struct call *c, unsigned d,
		      unsigned f, const char *reason, bool hand_over,
		      int64_t ts_us)
{
	struct dialog_flow *df = &c->dialogs[d].flows[f];
	const char *liids[INTERCEPT_MATCH_MAX];
	uint32_t ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	struct call_flow_event ev;
	unsigned sd, sf;

	if (!df->installed)
		return;
	df->installed = false;
	if (!df->owner)
		return;
	df->owner = false;

	struct flow_owner *o = owner_find(t, &df->flow.dest);
	struct dialog_flow *sharer = hand_over ? find_sharer(c, d, df, &sd, &sf) : NULL;
	if (sharer != NULL && o != NULL) {
		o->dialog = sd;
		o->flow = sf;
		sharer->owner = true;
		return;
	}

	struct media_flow flow = installed_flow(df);
	fill_event(t, c, &flow, NULL, df->suite, ts_us, liids, ids, cins, &ev);
	if (t->sink.flow_del != NULL)
		t->sink.flow_del(t->sink.ctx, &ev, df->stream_id, reason);
	if (o != NULL) {
		hmap_remove(&t->owners, &o->node);
		free(o);
	}
	t->stats.flows_removed++;
	t->stats.flows_active--;
}

/* Frees the oldest intercepted call other than keep; false if none. */
static bool evict_for_flows(struct dialog_tracker *t, struct call *keep,
			    int64_t ts_us)
{
	for (struct call *c = t->head[LIST_INTERCEPTED]; c != NULL; c = c->next) {
		if (c == keep)
			continue;
		LOG_WARN("dialogs: the flow table is full; the least recently active intercepted call %.*s is ended to make room (raise max_flows)",
			 (int)c->call_id_len, c->call_id);
		t->stats.calls_evicted++;
		call_end(t, c, "evicted", ts_us);
		call_free(t, c);
		return true;
	}
	return false;
}

static int sink_add(struct dialog_tracker *t, struct call *c,
		    const struct media_flow *flow,
		    const struct sdes_crypto *crypto, enum sdes_suite suite,
		    int64_t ts_us, uint32_t *stream_id)
{
	const char *liids[INTERCEPT_MATCH_MAX];
	uint32_t ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	struct call_flow_event ev;

	if (t->sink.flow_add == NULL)
		return 0;
	fill_event(t, c, flow, crypto, suite, ts_us, liids, ids, cins, &ev);
	return t->sink.flow_add(t->sink.ctx, &ev, stream_id);
}

/* True when df can use the flow another dialog of the call installed. */
static bool can_share(const struct dialog_flow *df, const struct dialog_flow *other)
{
	return media_flow_same(&df->flow, &other->flow) &&
	       df->key_fingerprint == other->key_fingerprint &&
	       (other->keys_known || df->flow.keying != MEDIA_KEYS_SDES);
}

/*
 * Installs flow f of dialog d. A destination another dialog of the call
 * installed with the same flow and keys is shared. Otherwise the
 * destination moves to this flow, because the newest answer describes
 * the media now sent there.
 */
static void install(struct dialog_tracker *t, struct call *c, unsigned d,
		    unsigned f, const struct sdes_crypto *crypto, int64_t ts_us)
{
	struct dialog_flow *df = &c->dialogs[d].flows[f];
	struct media_flow flow = df->flow;

	if (df->installed)
		return;

	struct flow_owner *o = owner_find(t, &flow.dest);
	if (o != NULL && o->call == c && o->dialog != d &&
	    can_share(df, &c->dialogs[o->dialog].flows[o->flow])) {
		const struct dialog_flow *owner = &c->dialogs[o->dialog].flows[o->flow];
		df->installed = true;
		df->owner = false;
		df->stream_id = owner->stream_id;
		df->keys_known = owner->keys_known;
		df->installed_keying = owner->installed_keying;
		return;
	}
	if (o != NULL) {
		t->stats.flows_taken_over++;
		uninstall(t, o->call, o->dialog, o->flow, "taken_over", false, ts_us);
	}

	/* Keys negotiated before the warrant applied are not in hand. */
	if (flow.keying == MEDIA_KEYS_SDES && crypto == NULL)
		flow.keying = MEDIA_KEYS_UNKNOWN;

	int ret = sink_add(t, c, &flow, crypto, df->suite, ts_us, &df->stream_id);
	if (ret == -ENOSPC && evict_for_flows(t, c, ts_us))
		ret = sink_add(t, c, &flow, crypto, df->suite, ts_us, &df->stream_id);
	if (ret != 0) {
		if (++t->stats.flows_rejected <= REJECT_LOG_LIMIT)
			LOG_ERR("dialogs: a media flow of call %.*s could not be installed (error %d); its media will not be intercepted",
				(int)c->call_id_len, c->call_id, ret);
		return;
	}

	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		LOG_ERR("dialogs: out of memory tracking a media flow of call %.*s",
			(int)c->call_id_len, c->call_id);
		abort();
	}
	o->dest = flow.dest;
	o->call = c;
	o->dialog = d;
	o->flow = f;
	hmap_insert(&t->owners, &o->node, dest_hash(&flow.dest));

	df->installed = true;
	df->owner = true;
	df->installed_keying = flow.keying;
	df->keys_known = flow.keying != MEDIA_KEYS_UNKNOWN;
	t->stats.flows_added++;
	t->stats.flows_active++;
	if (t->stats.flows_active > t->stats.flows_peak)
		t->stats.flows_peak = t->stats.flows_active;
}

void call_install_flows(struct dialog_tracker *t, struct call *c, int64_t ts_us)
{
	if (!call_is_intercepted(c))
		return;
	for (unsigned d = 0; d < c->n_dialogs; d++) {
		if (c->dialogs[d].ended)
			continue;
		for (unsigned f = 0; f < c->dialogs[d].n_flows; f++)
			install(t, c, d, f, NULL, ts_us);
	}
}

void call_uninstall_flows(struct dialog_tracker *t, struct call *c,
			  const char *reason, int64_t ts_us)
{
	for (unsigned d = 0; d < c->n_dialogs; d++)
		for (unsigned f = 0; f < c->dialogs[d].n_flows; f++)
			uninstall(t, c, d, f, reason, false, ts_us);
}

void dialog_end_flows(struct dialog_tracker *t, struct call *c, unsigned d,
		      const char *reason, int64_t ts_us)
{
	struct dialog *dlg = &c->dialogs[d];

	dlg->ended = true;
	for (unsigned f = 0; f < dlg->n_flows; f++)
		uninstall(t, c, d, f, reason, true, ts_us);
	free(dlg->flows);
	dlg->flows = NULL;
	dlg->n_flows = 0;
}

/*
 * Forgets the flows of c without reporting them: the call was ended
 * first, or the whole tracker is being destroyed together with the flow
 * table.
 */
void call_free_flows(struct dialog_tracker *t, struct call *c)
{
	for (unsigned d = 0; d < c->n_dialogs; d++) {
		for (unsigned f = 0; f < c->dialogs[d].n_flows; f++) {
			struct dialog_flow *df = &c->dialogs[d].flows[f];
			struct flow_owner *o = df->owner ?
					       owner_find(t, &df->flow.dest) : NULL;

			if (o != NULL) {
				hmap_remove(&t->owners, &o->node);
				free(o);
				t->stats.flows_active--;
			}
		}
		free(c->dialogs[d].flows);
		c->dialogs[d].flows = NULL;
		c->dialogs[d].n_flows = 0;
	}
}

/* ---- Answers ---- */

static const struct sdes_crypto *sender_crypto(struct dialog_tracker *t,
					       const struct media_flow *f)
{
	struct media_crypto_table *table =
		f->to_answerer ? &t->offer_crypto : &t->answer_crypto;

	if (f->keying != MEDIA_KEYS_SDES)
		return NULL;
	return &table->entry[f->m_index][f->crypto_index];
}

static uint64_t crypto_fingerprint(const struct sdes_crypto *crypto)
{
	if (crypto == NULL)
		return 0;

	uint8_t buf[4 + SDES_MAX_KEYS * SDES_KEY_SALT_MAX];
	size_t len = 0;

	memcpy(buf, &crypto->suite, sizeof(uint32_t));
	len = sizeof(uint32_t);
	for (unsigned k = 0; k < crypto->key_count && k < SDES_MAX_KEYS; k++) {
		memcpy(buf + len, crypto->keys[k].key_salt,
		       crypto->keys[k].key_salt_len);
		len += crypto->keys[k].key_salt_len;
	}
	uint64_t fp = hmap_hash(buf, len);
	explicit_bzero(buf, sizeof(buf));
	return fp;
}

/*
 * Index of the installed flow of dlg that flow can keep using, or -1. A
 * flow installed without keys is replaced when the new answer brings them.
 */
static int find_kept(const struct dialog *dlg, const struct media_flow *flow,
		     uint64_t fingerprint, const bool *taken)
{
	for (unsigned f = 0; f < dlg->n_flows; f++) {
		const struct dialog_flow *old = &dlg->flows[f];
		if (!taken[f] && old->installed &&
		    (old->keys_known || flow->keying != MEDIA_KEYS_SDES) &&
		    old->key_fingerprint == fingerprint &&
		    media_flow_same(&old->flow, flow))
			return (int)f;
	}
	return -1;
}

/*
 * Replaces the flows of dialog d by those of the new pairing. Flows that
 * did not change keep their installation, so a retransmitted or repeated
 * answer touches nothing; the others are removed and installed anew.
 */
static void replace_flows(struct dialog_tracker *t, struct call *c, unsigned d,
			  int64_t ts_us)
{
	struct dialog *dlg = &c->dialogs[d];
	const struct media_pairing *p = &t->pairing;
	struct dialog_flow *next = calloc(p->count ? p->count : 1, sizeof(*next));
	bool taken[MEDIA_MAX_FLOWS] = {false};

	if (next == NULL) {
		LOG_ERR("dialogs: out of memory storing the media flows of call %.*s",
			(int)c->call_id_len, c->call_id);
		return;
	}

	for (unsigned i = 0; i < p->count; i++) {
		const struct sdes_crypto *crypto = sender_crypto(t, &p->flows[i]);
		uint64_t fp = crypto_fingerprint(crypto);
		int kept = find_kept(dlg, &p->flows[i], fp, taken);

		if (kept >= 0) {
			next[i] = dlg->flows[kept];
			taken[kept] = true;
		}
		next[i].flow = p->flows[i];
		next[i].key_fingerprint = fp;
		next[i].suite = crypto != NULL ? crypto->suite : SDES_SUITE_UNKNOWN;
	}

	for (unsigned f = 0; f < dlg->n_flows; f++)
		if (!taken[f])
			uninstall(t, c, d, f, "renegotiated", true, ts_us);

	free(dlg->flows);
	dlg->flows = next;
	dlg->n_flows = p->count;

	/* Owners point at flow positions, which the new array renumbers.
	 * Renumber them all before installing, because an install may take
	 * over a destination that a later flow of this array owns. */
	for (unsigned i = 0; i < p->count; i++) {
		if (!next[i].owner)
			continue;
		struct flow_owner *o = owner_find(t, &next[i].flow.dest);
		if (o != NULL && o->call == c && o->dialog == d)
			o->flow = i;
	}
	if (!call_is_intercepted(c))
		return;
	for (unsigned i = 0; i < p->count; i++)
		if (!next[i].installed)
			install(t, c, d, i, sender_crypto(t, &next[i].flow), ts_us);
}

static char *copy_slice(struct sip_slice s)
{
	char *out = malloc(s.len + 1);

	if (out != NULL) {
		memcpy(out, s.ptr, s.len);
		out[s.len] = '\0';
	}
	return out;
}

void call_note_offerer(struct call *c, const struct sip_msg *msg,
		       const struct sip_packet_info *pkt)
{
	struct sip_name_addr from, to;

	if (!msg->is_request || !sip_msg_from(msg, &from) || !sip_msg_to(msg, &to))
		return;
	free(c->offer_from);
	free(c->offer_to);
	c->offer_from = copy_slice(from.uri);
	c->offer_to = copy_slice(to.uri);
	c->offer_src_family = pkt->family;
	memcpy(c->offer_src, pkt->src_addr, sizeof(c->offer_src));
}

/* The key-mgmt data of the first m-section that has one, decoded. */
static size_t mikey_of(const struct sdp_session *sdp, uint8_t *out, size_t cap)
{
	size_t len = 0;

	for (unsigned i = 0; i < sdp->media_count; i++) {
		const struct sdp_key_mgmt *km = sdp_media_key_mgmt(sdp, &sdp->media[i]);
		if (km != NULL && km->present &&
		    sdp_key_mgmt_decode(km, out, cap, &len) == SDP_OK)
			return len;
	}
	return 0;
}

/* Hands a MIKEY-keyed answer to the sink with the streams it keys. */
static void report_mikey(struct dialog_tracker *t, struct call *c, unsigned d,
			 int64_t ts_us)
{
	struct dialog *dlg = &c->dialogs[d];
	uint32_t streams[MEDIA_MAX_FLOWS];
	unsigned n = 0;

	if (t->sink.mikey == NULL || !call_is_intercepted(c))
		return;
	for (unsigned f = 0; f < dlg->n_flows; f++)
		if (dlg->flows[f].installed && dlg->flows[f].flow.keying == MEDIA_KEYS_MIKEY)
			streams[n++] = dlg->flows[f].stream_id;
	if (n == 0)
		return;

	const char *liids[INTERCEPT_MATCH_MAX];
	uint32_t ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	size_t ti_len = mikey_of(&t->offer_sdp, t->mikey_ti, sizeof(t->mikey_ti));
	size_t tr_len = mikey_of(&t->answer_sdp, t->mikey_tr, sizeof(t->mikey_tr));
	struct call_mikey_event ev = {
		.call_id = c->call_id,
		.call_id_len = c->call_id_len,
		.ti = t->mikey_ti,
		.ti_len = ti_len,
		.tr = tr_len > 0 ? t->mikey_tr : NULL,
		.tr_len = tr_len,
		.from = c->offer_from,
		.to = c->offer_to,
		.src_family = c->offer_src_family,
		.src_addr = c->offer_src,
		.ts_us = ts_us,
		.stream_ids = streams,
		.n_streams = n,
	};
	ev.n_liids = call_active_liids(t, c, liids, ids, cins, INTERCEPT_MATCH_MAX);
	ev.liid_ids = ids;
	ev.cins = cins;
	if (ti_len > 0)
		t->sink.mikey(t->sink.ctx, &ev);
	/* A plain MIKEY message may carry its keys in clear. */
	explicit_bzero(t->mikey_ti, ti_len);
	explicit_bzero(t->mikey_tr, tr_len);
}

void call_check_offer(struct dialog_tracker *t, struct call *c, int64_t ts_us)
{
	if (t->sink.mikey_offer == NULL || !call_is_intercepted(c) ||
	    c->offer.body == NULL ||
	    sdp_parse(c->offer.body, c->offer.len, &t->offer_sdp) != SDP_OK)
		return;

	size_t ti_len = mikey_of(&t->offer_sdp, t->mikey_ti, sizeof(t->mikey_ti));
	if (ti_len == 0)
		return;

	const char *liids[INTERCEPT_MATCH_MAX];
	uint32_t ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	struct call_mikey_event ev = {
		.call_id = c->call_id,
		.call_id_len = c->call_id_len,
		.ti = t->mikey_ti,
		.ti_len = ti_len,
		.from = c->offer_from,
		.to = c->offer_to,
		.src_family = c->offer_src_family,
		.src_addr = c->offer_src,
		.ts_us = ts_us,
	};
	ev.n_liids = call_active_liids(t, c, liids, ids, cins, INTERCEPT_MATCH_MAX);
	ev.liid_ids = ids;
	ev.cins = cins;
	t->sink.mikey_offer(t->sink.ctx, &ev);
	explicit_bzero(t->mikey_ti, ti_len);
}

void call_apply_answer(struct dialog_tracker *t, struct call *c, unsigned d,
		       struct sip_slice body, int64_t ts_us)
{
	if (c->offer.body == NULL)
		return;

	if (sdp_parse(c->offer.body, c->offer.len, &t->offer_sdp) != SDP_OK ||
	    sdp_parse(body.ptr, body.len, &t->answer_sdp) != SDP_OK) {
		t->stats.bad_sdp++;
		return;
	}

	media_pair(&t->offer_sdp, &t->answer_sdp, &t->offer_crypto,
		   &t->answer_crypto, &t->pairing);
	t->stats.answers++;
	t->stats.sdp_invalid_sections += t->pairing.sections_invalid;
	t->stats.sdes_tag_mismatch += t->pairing.crypto_tag_mismatch;
	t->stats.sdes_unpaired += t->pairing.crypto_unpaired;
	if (t->pairing.crypto_tag_mismatch > 0)
		LOG_DEBUG("dialogs: call %.*s: the answer renumbered its a=crypto tag; paired by crypto suite",
			  (int)c->call_id_len, c->call_id);

	c->offer.answered = true;
	replace_flows(t, c, d, ts_us);
	if (t->pairing.count > 0)
		report_mikey(t, c, d, ts_us);

	media_crypto_table_wipe(&t->offer_crypto);
	media_crypto_table_wipe(&t->answer_crypto);
}
