/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call storage: the Call-ID map, the activity lists used for timeouts and
 * eviction, and the tracker's life cycle.
 */
#include "control/dialog_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/log.h"

static void list_unlink(struct dialog_tracker *t, struct call *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->head[c->list_id] = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		t->tail[c->list_id] = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct dialog_tracker *t, struct call *c,
			enum call_list list)
{
	c->list_id = list;
	c->next = NULL;
	c->prev = t->tail[list];
	if (t->tail[list] != NULL)
		t->tail[list]->next = c;
	else
		t->head[list] = c;
	t->tail[list] = c;
}

bool call_is_intercepted(const struct call *c)
{
	for (unsigned i = 0; i < c->n_liids; i++)
		if (c->liids[i].active)
			return true;
	return false;
}

static enum call_list list_for(const struct call *c)
{
	if (c->state == CALL_ENDED)
		return LIST_ENDED;
	return call_is_intercepted(c) ? LIST_INTERCEPTED : LIST_PLAIN;
}

/* Moves c to the end of the list that fits its state. */
void call_relist(struct dialog_tracker *t, struct call *c)
{
	list_unlink(t, c);
	list_append(t, c, list_for(c));
}

void call_touch(struct dialog_tracker *t, struct call *c, int64_t now_us)
{
	if (now_us > c->last_us)
		c->last_us = now_us;
	call_relist(t, c);
}

struct call *call_find(struct dialog_tracker *t, const char *call_id, size_t len)
{
	uint64_t hash = hmap_hash(call_id, len);

	for (struct hmap_node *n = hmap_first(&t->calls, hash); n != NULL;
	     n = hmap_next(n)) {
		struct call *c = (struct call *)n;
		if (c->call_id_len == len && memcmp(c->call_id, call_id, len) == 0)
			return c;
	}
	return NULL;
}

void call_free(struct dialog_tracker *t, struct call *c)
{
	call_free_flows(t, c);
	for (unsigned i = 0; i < c->n_identities; i++)
		free(c->identities[i]);
	if (c->offer.body != NULL) {
		/* The offer may carry a=crypto keys. */
		explicit_bzero(c->offer.body, c->offer.len);
		free(c->offer.body);
	}
	free(c->dialogs);
	free(c->liids);
	free(c->offer_from);
	free(c->offer_to);
	hmap_remove(&t->calls, &c->node);
	list_unlink(t, c);
	if (c->state != CALL_ENDED)
		t->stats.calls_active--;
	free(c);
}

/*
 * Frees the least recently active call: an ended one, else one without an
 * active warrant, else the oldest intercepted one, which is reported ended.
 */
static bool evict_one(struct dialog_tracker *t, int64_t now_us)
{
	static const enum call_list order[] = {
		LIST_ENDED, LIST_PLAIN, LIST_INTERCEPTED,
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct call *c = t->head[order[i]];
		if (c == NULL)
			continue;
		if (order[i] != LIST_ENDED) {
			t->stats.calls_evicted++;
			if (t->stats.calls_evicted == 1 || order[i] == LIST_INTERCEPTED)
				LOG_WARN("dialogs: the table of %u calls is full; the least recently active call %.*s is forgotten (raise max_dialogs if this is not a flood)",
					 t->limits.max_calls, (int)c->call_id_len,
					 c->call_id);
			call_end(t, c, "evicted", now_us);
		}
		call_free(t, c);
		return true;
	}
	return false;
}

struct call *call_create(struct dialog_tracker *t, const char *call_id,
			 size_t len, int64_t now_us)
{
	if (hmap_count(&t->calls) >= t->limits.max_calls && !evict_one(t, now_us))
		return NULL;

	struct call *c = calloc(1, sizeof(*c) + len + 1);
	if (c == NULL)
		return NULL;

	memcpy(c->call_id, call_id, len);
	c->call_id_len = len;
	c->created_us = now_us;
	c->last_us = now_us;
	c->state = CALL_EARLY;
	hmap_insert(&t->calls, &c->node, hmap_hash(call_id, len));
	list_append(t, c, LIST_PLAIN);

	t->stats.calls_active++;
	if (t->stats.calls_active > t->stats.calls_peak)
		t->stats.calls_peak = t->stats.calls_active;
	return c;
}

struct dialog_tracker *dialog_tracker_create(const struct dialog_limits *limits,
					     const struct intercept_set *set,
					     const struct dialog_sink *sink)
{
	struct dialog_tracker *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->limits = *limits;
	t->sink = *sink;
	if (hmap_init(&t->calls, limits->max_calls) != 0 ||
	    hmap_init(&t->owners, 1024) != 0 ||
	    hmap_init(&t->registry_map, 64) != 0) {
		dialog_tracker_destroy(t);
		return NULL;
	}
	dialog_set_intercepts(t, set);
	return t;
}

void dialog_tracker_destroy(struct dialog_tracker *t)
{
	if (t == NULL)
		return;

	for (int l = 0; l < LIST_COUNT; l++)
		while (t->head[l] != NULL)
			call_free(t, t->head[l]);
	for (uint32_t i = 0; i < t->n_registry; i++)
		free(t->registry[i]);
	free(t->registry);
	media_crypto_table_wipe(&t->offer_crypto);
	media_crypto_table_wipe(&t->answer_crypto);
	hmap_free(&t->calls);
	hmap_free(&t->owners);
	hmap_free(&t->registry_map);
	free(t);
}

/* Ends timed-out calls on one list, oldest first. */
static void expire_list(struct dialog_tracker *t, enum call_list list,
			int64_t now_us)
{
	struct call *c = t->head[list];

	while (c != NULL) {
		struct call *next = c->next;
		int64_t idle = now_us - c->last_us;

		if (c->state == CALL_ENDED) {
			if (idle < t->limits.linger_us)
				break;
			call_free(t, c);
		} else if ((c->state == CALL_CONFIRMED && idle >= t->limits.dialog_timeout_us) ||
			   (c->state == CALL_EARLY && idle >= t->limits.early_timeout_us) ||
			   ((c->state == CALL_CLOSING || c->state == CALL_RETRYING) &&
			    idle >= t->limits.linger_us)) {
			t->stats.calls_timed_out++;
			call_end(t, c, "timeout", now_us);
		} else if (idle < t->limits.linger_us) {
			/* Lists are ordered by activity and no timeout is
			 * shorter than the linger time. */
			break;
		}
		c = next;
	}
}

/* Stops interception of calls whose warrant no longer covers now_us. */
static void expire_warrants(struct dialog_tracker *t, int64_t now_us)
{
	struct call *c = t->head[LIST_INTERCEPTED];

	while (c != NULL) {
		struct call *next = c->next;

		call_recheck_warrants(t, c, now_us);
		c = next;
	}
}

void dialog_expire(struct dialog_tracker *t, int64_t now_us)
{
	if (now_us > t->now_us)
		t->now_us = now_us;

	expire_warrants(t, now_us);
	for (int l = 0; l < LIST_COUNT; l++)
		expire_list(t, (enum call_list)l, now_us);
}

void dialog_set_intercepts(struct dialog_tracker *t,
			   const struct intercept_set *set)
{
	t->set = set;
	for (uint32_t i = 0; set != NULL && i < intercept_set_count(set); i++)
		liid_registry_get(t, intercept_set_get(set, i)->liid);
	if (set != NULL)
		expire_warrants(t, t->now_us);
}

const struct dialog_stats *dialog_tracker_stats(const struct dialog_tracker *t)
{
	return &t->stats;
}

int dialog_liid_index(const struct dialog_tracker *t, const char *liid)
{
	size_t len = strlen(liid);
	uint64_t hash = hmap_hash(liid, len);

	for (struct hmap_node *n = hmap_first(&t->registry_map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct liid_entry *e = (struct liid_entry *)n;
		if (strcmp(e->liid, liid) == 0)
			return (int)e->index;
	}
	return -1;
}

int64_t dialog_next_warrant_end(const struct dialog_tracker *t, int64_t after_us)
{
	int64_t next = INT64_MAX;

	for (uint32_t i = 0; t->set != NULL && i < intercept_set_count(t->set); i++) {
		int64_t end = intercept_set_get(t->set, i)->end_us;
		if (end > after_us && end < next)
			next = end;
	}
	return next;
}

const char *dialog_liid_name(const struct dialog_tracker *t, uint32_t index)
{
	return index < t->n_registry ? t->registry[index]->liid : NULL;
}

void dialog_count_report(struct dialog_tracker *t, uint32_t index)
{
	if (index < t->n_registry)
		t->registry[index]->stats.iri[IRI_REPORT]++;
}

const struct liid_stats *dialog_liid_stats(const struct dialog_tracker *t,
					   const char *liid)
{
	size_t len = strlen(liid);
	uint64_t hash = hmap_hash(liid, len);

	for (struct hmap_node *n = hmap_first(&t->registry_map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct liid_entry *e = (struct liid_entry *)n;
		if (strcmp(e->liid, liid) == 0)
			return &e->stats;
	}
	return NULL;
}

const char *iri_type_name(enum iri_type type)
{
	switch (type) {
	case IRI_BEGIN: return "BEGIN";
	case IRI_CONTINUE: return "CONTINUE";
	case IRI_END: return "END";
	case IRI_REPORT: return "REPORT";
	}
	return "REPORT";
}
