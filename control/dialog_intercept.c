/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which warrants cover a call, and the IRI events of intercepted calls.
 * A call's identities are the canonical target keys of the URIs its
 * messages named (From, To, Request-URI, P-Asserted-Identity). A warrant
 * covers the call while one of its targets equals one of them and its
 * validity window contains the capture time.
 */
#include "control/dialog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_target.h"
#include "lib/util/log.h"

uint32_t liid_registry_get(struct dialog_tracker *t, const char *liid)
{
	size_t len = strlen(liid);
	uint64_t hash = hmap_hash(liid, len);

	for (struct hmap_node *n = hmap_first(&t->registry_map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct liid_entry *e = (struct liid_entry *)n;
		if (strcmp(e->liid, liid) == 0)
			return e->index;
	}

	struct liid_entry **grown = realloc(t->registry,
					    (t->n_registry + 1) * sizeof(*grown));
	struct liid_entry *e = calloc(1, sizeof(*e));
	if (grown == NULL || e == NULL) {
		free(e);
		if (grown != NULL)
			t->registry = grown;
		LOG_ERR("dialogs: out of memory registering LIID %s", liid);
		abort();
	}
	t->registry = grown;
	snprintf(e->liid, sizeof(e->liid), "%s", liid);
	/* CIN 0 is left unused so that 0 can mean "none" in records. */
	e->stats.next_cin = 1;
	e->index = t->n_registry;
	hmap_insert(&t->registry_map, &e->node, hash);
	t->registry[t->n_registry] = e;
	return t->n_registry++;
}

static void remember_identity(struct call *c, const char *key, size_t len)
{
	if (c->n_identities >= CALL_MAX_IDENTITIES)
		return;
	for (unsigned i = 0; i < c->n_identities; i++)
		if (strlen(c->identities[i]) == len &&
		    memcmp(c->identities[i], key, len) == 0)
			return;

	char *copy = malloc(len + 1);
	if (copy == NULL)
		return;
	memcpy(copy, key, len);
	copy[len] = '\0';
	c->identities[c->n_identities++] = copy;
}

/* Adds the key of one URI to the call (when c is not NULL) and to match. */
static void match_uri(struct dialog_tracker *t, struct call *c,
		      struct sip_slice uri_text, struct intercept_match *match)
{
	char key[CALL_IDENTITY_MAX];
	size_t len = sip_target_key_text(uri_text.ptr, uri_text.len, key,
					 sizeof(key));

	if (len == 0 || len > sizeof(key))
		return;
	if (c != NULL)
		remember_identity(c, key, len);
	intercept_set_match_key(t->set, key, len, match);
}

static void match_name_addr_list(struct dialog_tracker *t, struct call *c,
				 struct sip_slice value,
				 struct intercept_match *match)
{
	struct sip_name_addr na;
	struct sip_slice rest = value;

	/* A list header has a few entries at most; the walk is capped anyway. */
	for (int i = 0; i < 8 && rest.len > 0; i++) {
		if (!sip_name_addr_parse(rest, &na, &rest))
			return;
		match_uri(t, c, na.uri, match);
	}
}

/* Matches the URIs a message names, remembering them for c. */
static void match_message(struct dialog_tracker *t, struct call *c,
			  const struct sip_msg *msg, struct intercept_match *match)
{
	struct sip_name_addr na;

	if (msg->is_request)
		match_uri(t, c, msg->request_uri, match);
	if (sip_msg_from(msg, &na))
		match_uri(t, c, na.uri, match);
	if (sip_msg_to(msg, &na))
		match_uri(t, c, na.uri, match);
	for (const struct sip_header *h = sip_msg_find(msg, SIP_HDR_P_ASSERTED_IDENTITY, NULL);
	     h != NULL; h = sip_msg_find(msg, SIP_HDR_P_ASSERTED_IDENTITY, h))
		match_name_addr_list(t, c, h->value, match);
}

static void match_identities(struct dialog_tracker *t, const struct call *c,
			     struct intercept_match *match)
{
	for (unsigned i = 0; i < c->n_identities; i++)
		intercept_set_match_key(t->set, c->identities[i],
					strlen(c->identities[i]), match);
}

static bool match_has(const struct intercept_match *match, uint32_t index)
{
	for (uint32_t i = 0; i < match->count; i++)
		if (match->index[i] == index)
			return true;
	return false;
}

static struct call_liid *call_liid_get(struct call *c, uint32_t registry)
{
	for (unsigned i = 0; i < c->n_liids; i++)
		if (c->liids[i].registry == registry)
			return &c->liids[i];
	if (c->n_liids >= INTERCEPT_MATCH_MAX)
		return NULL;

	struct call_liid *grown = realloc(c->liids, (c->n_liids + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	c->liids = grown;
	struct call_liid *l = &c->liids[c->n_liids++];
	memset(l, 0, sizeof(*l));
	l->registry = registry;
	return l;
}

/* The next CIN of an LIID: from the sink, which keeps the counters
 * across restarts, or counted here. */
static uint64_t take_cin(struct dialog_tracker *t, struct liid_entry *e)
{
	if (t->sink.next_cin != NULL)
		return t->sink.next_cin(t->sink.ctx, e->liid);
	return e->stats.next_cin++;
}

static void activate(struct dialog_tracker *t, struct call *c, uint32_t registry)
{
	struct call_liid *l = call_liid_get(c, registry);
	struct liid_entry *e = t->registry[registry];

	if (l == NULL || l->active)
		return;
	l->active = true;
	if (l->cin == 0) {
		l->cin = take_cin(t, e);
		e->stats.intercepted_calls++;
		LOG_INFO("LIID %s: call %.*s intercepted as CIN %llu", e->liid,
			 (int)c->call_id_len, c->call_id,
			 (unsigned long long)l->cin);
	}
}

void call_stop_liid(struct dialog_tracker *t, struct call *c, unsigned i)
{
	struct liid_entry *e = t->registry[c->liids[i].registry];

	c->liids[i].active = false;
	LOG_INFO("LIID %s: interception of call %.*s (CIN %llu) stops because the warrant no longer covers it",
		 e->liid, (int)c->call_id_len, c->call_id,
		 (unsigned long long)c->liids[i].cin);
}

/*
 * Stops every active LIID of c that match no longer contains. When none
 * stays active the flows go first, so their removal still names the LIIDs
 * they were installed for.
 */
static void stop_unmatched(struct dialog_tracker *t, struct call *c,
			   const struct intercept_match *match, int64_t now_us)
{
	bool stop[INTERCEPT_MATCH_MAX] = {false};
	unsigned remaining = 0;

	for (unsigned i = 0; i < c->n_liids; i++) {
		if (!c->liids[i].active)
			continue;
		int idx = intercept_set_find_liid(t->set,
			t->registry[c->liids[i].registry]->liid);
		stop[i] = idx < 0 || !match_has(match, (uint32_t)idx);
		if (!stop[i])
			remaining++;
	}
	if (remaining == 0)
		call_uninstall_flows(t, c, "warrant", now_us);
	for (unsigned i = 0; i < c->n_liids; i++)
		if (stop[i])
			call_stop_liid(t, c, i);
}

void call_update_intercepts(struct dialog_tracker *t, struct call *c,
			    const struct sip_msg *msg, int64_t now_us)
{
	struct intercept_match match = {0};
	bool was = call_is_intercepted(c);

	match_message(t, c, msg, &match);
	match_identities(t, c, &match);
	intercept_match_filter_active(t->set, &match, now_us);
	t->stats.match_overflow += match.dropped;

	stop_unmatched(t, c, &match, now_us);
	for (uint32_t i = 0; i < match.count; i++) {
		const char *liid = intercept_set_get(t->set, match.index[i])->liid;
		activate(t, c, liid_registry_get(t, liid));
	}

	if (was != call_is_intercepted(c))
		call_relist(t, c);
}

void call_recheck_warrants(struct dialog_tracker *t, struct call *c,
			   int64_t now_us)
{
	struct intercept_match match = {0};

	match_identities(t, c, &match);
	intercept_match_filter_active(t->set, &match, now_us);
	stop_unmatched(t, c, &match, now_us);
	if (!call_is_intercepted(c))
		call_relist(t, c);
}

static void emit(struct dialog_tracker *t, struct liid_entry *e,
		 const struct iri_event *ev)
{
	e->stats.iri[ev->type]++;
	if (t->sink.iri != NULL)
		t->sink.iri(t->sink.ctx, ev);
}

void call_emit_iri(struct dialog_tracker *t, struct call *c, bool ends,
		   const char *reason, const char *raw, size_t raw_len,
		   const struct sip_packet_info *pkt, int64_t ts_us)
{
	for (unsigned i = 0; i < c->n_liids; i++) {
		struct call_liid *l = &c->liids[i];
		if (!l->active)
			continue;

		struct liid_entry *e = t->registry[l->registry];
		enum iri_type type = IRI_BEGIN;
		if (ends)
			type = IRI_END;
		else if (l->begun)
			type = IRI_CONTINUE;

		struct iri_event ev = {
			.type = type,
			.liid = e->liid,
			.cin = l->cin,
			.ts_us = ts_us,
			.call_id = c->call_id,
			.call_id_len = c->call_id_len,
			.sip = raw,
			.sip_len = raw_len,
			.pkt = pkt,
			.reason = ends ? reason : NULL,
		};
		l->begun = true;
		emit(t, e, &ev);
	}
}

void report_outside_call(struct dialog_tracker *t, const struct sip_msg *msg,
			 const char *raw, size_t raw_len,
			 const struct sip_packet_info *pkt)
{
	struct intercept_match match = {0};
	struct sip_slice call_id = {0};

	if (!msg->is_request)
		return;
	match_message(t, NULL, msg, &match);
	intercept_match_filter_active(t->set, &match, pkt->ts_us);
	(void)sip_msg_call_id(msg, &call_id);

	for (uint32_t i = 0; i < match.count; i++) {
		const char *liid = intercept_set_get(t->set, match.index[i])->liid;
		struct liid_entry *e = t->registry[liid_registry_get(t, liid)];
		struct iri_event ev = {
			.type = IRI_REPORT,
			.liid = e->liid,
			/* An event outside a call gets a CIN of its own. */
			.cin = take_cin(t, e),
			.ts_us = pkt->ts_us,
			.call_id = call_id.ptr,
			.call_id_len = call_id.len,
			.sip = raw,
			.sip_len = raw_len,
			.pkt = pkt,
		};
		t->stats.reports++;
		emit(t, e, &ev);
	}
}

unsigned call_active_liids(struct dialog_tracker *t, const struct call *c,
			   const char **liids, uint32_t *ids, uint64_t *cins,
			   unsigned cap)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_liids && n < cap; i++) {
		if (!c->liids[i].active)
			continue;
		ids[n] = c->liids[i].registry;
		cins[n] = c->liids[i].cin;
		liids[n++] = t->registry[c->liids[i].registry]->liid;
	}
	return n;
}
