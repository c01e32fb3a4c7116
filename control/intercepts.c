/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiles the intercepts of a configuration into two hash maps: one from
 * canonical target key to the intercepts that name that target, one from
 * LIID to intercept.
 */

#include "control/intercepts.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_target.h"
#include "lib/util/hmap.h"

/* Room for the keys of ordinary URIs without a heap allocation. */
#define KEY_STACK_BYTES 512

/* One distinct target and the intercepts that name it, ascending. */
struct target_entry {
	struct hmap_node node;
	char *key;
	size_t key_len;
	uint32_t *indexes;
	uint32_t n_indexes;
	uint32_t cap_indexes;
};

struct liid_entry {
	struct hmap_node node;
	uint32_t index;
};

struct intercept_set {
	const struct lime_config *cfg;
	struct hmap targets;
	struct target_entry *entries;  /* room for every target, equal ones share */
	size_t n_entries;
	size_t max_key_len;            /* longer keys cannot match */
	struct hmap liids;
	struct liid_entry *liid_entries;
};

static struct target_entry *target_of(struct hmap_node *node)
{
	return (struct target_entry *)((char *)node -
				       offsetof(struct target_entry, node));
}

static const struct liid_entry *liid_of(const struct hmap_node *node)
{
	return (const struct liid_entry *)((const char *)node -
					   offsetof(struct liid_entry, node));
}

static size_t total_targets(const struct lime_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_intercepts; i++)
		n += cfg->intercepts[i].n_targets;
	return n;
}

static struct target_entry *find_entry(const struct intercept_set *set,
				       const char *key, size_t len,
				       uint64_t hash)
{
	for (struct hmap_node *node = hmap_first(&set->targets, hash);
	     node != NULL; node = hmap_next(node)) {
		struct target_entry *entry = target_of(node);

		if (entry->key_len == len && memcmp(entry->key, key, len) == 0)
			return entry;
	}
	return NULL;
}

/*
 * Appends index unless it is already the last one. Intercepts are added in
 * ascending order, so that keeps the list ascending and without repeats
 * even when one intercept lists two equal targets.
 */
static int entry_add_index(struct target_entry *entry, uint32_t index)
{
	if (entry->n_indexes > 0 && entry->indexes[entry->n_indexes - 1] == index)
		return 0;
	if (entry->n_indexes == entry->cap_indexes) {
		uint32_t cap = entry->cap_indexes == 0 ? 1 : entry->cap_indexes * 2;
		uint32_t *grown = realloc(entry->indexes, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		entry->indexes = grown;
		entry->cap_indexes = cap;
	}
	entry->indexes[entry->n_indexes++] = index;
	return 0;
}

static int write_memory_error(char *err, size_t err_len)
{
	snprintf(err, err_len, "out of memory while compiling the intercepts");
	return -1;
}

/*
 * Computes the key of target into a new heap string. Returns NULL with
 * *len 0 when target names no target, and with *len above 0 when memory
 * runs out.
 */
static char *target_key(const char *target, size_t *len)
{
	size_t text_len = strlen(target);
	size_t need = sip_target_key_text(target, text_len, NULL, 0);
	char *key;

	*len = need;
	if (need == 0)
		return NULL;
	key = malloc(need);
	if (key == NULL)
		return NULL;
	sip_target_key_text(target, text_len, key, need);
	return key;
}

static int add_target(struct intercept_set *set, uint32_t index,
		      size_t target_index, char *err, size_t err_len)
{
	const char *target = set->cfg->intercepts[index].targets[target_index];
	size_t len;
	char *key = target_key(target, &len);
	uint64_t hash;
	struct target_entry *entry;

	if (key == NULL && len == 0) {
		snprintf(err, err_len, "invalid target \"%.64s\" in "
			 "intercepts[%" PRIu32 "].targets[%zu]: not a sip:, "
			 "sips: or tel: URI that names a target; use e.g. "
			 "\"sip:alice@ims.example\" or \"tel:+15550100\"",
			 target, index, target_index);
		return -1;
	}
	if (key == NULL)
		return write_memory_error(err, err_len);

	hash = hmap_hash(key, len);
	entry = find_entry(set, key, len, hash);
	if (entry != NULL) {
		free(key);
	} else {
		entry = &set->entries[set->n_entries++];
		entry->key = key;
		entry->key_len = len;
		hmap_insert(&set->targets, &entry->node, hash);
		if (len > set->max_key_len)
			set->max_key_len = len;
	}
	if (entry_add_index(entry, index) != 0)
		return write_memory_error(err, err_len);
	return 0;
}

static int add_targets(struct intercept_set *set, char *err, size_t err_len)
{
	const struct lime_config *cfg = set->cfg;

	for (size_t i = 0; i < cfg->n_intercepts; i++) {
		for (size_t t = 0; t < cfg->intercepts[i].n_targets; t++)
			if (add_target(set, (uint32_t)i, t, err, err_len) != 0)
				return -1;
	}
	return 0;
}

static void add_liids(struct intercept_set *set)
{
	const struct lime_config *cfg = set->cfg;

	for (size_t i = 0; i < cfg->n_intercepts; i++) {
		const char *liid = cfg->intercepts[i].liid;
		struct liid_entry *entry = &set->liid_entries[i];

		entry->index = (uint32_t)i;
		hmap_insert(&set->liids, &entry->node,
			    hmap_hash(liid, strlen(liid)));
	}
}

/* Allocates the maps and entry arrays of an empty set. */
static int set_alloc(struct intercept_set *set)
{
	size_t n_targets = total_targets(set->cfg);
	size_t n_intercepts = set->cfg->n_intercepts;

	if (hmap_init(&set->targets, n_targets) != 0)
		return -1;
	if (hmap_init(&set->liids, n_intercepts) != 0)
		return -1;
	set->entries = calloc(n_targets > 0 ? n_targets : 1,
			      sizeof(*set->entries));
	set->liid_entries = calloc(n_intercepts > 0 ? n_intercepts : 1,
				   sizeof(*set->liid_entries));
	if (set->entries == NULL || set->liid_entries == NULL)
		return -1;
	return 0;
}

struct intercept_set *intercept_set_build(const struct lime_config *cfg,
					  char *err, size_t err_len)
{
	struct intercept_set *set;
	char unused[1];

	if (err == NULL || err_len == 0) {
		err = unused;
		err_len = sizeof(unused);
	}
	/* Indexes are uint32_t in struct intercept_match. */
	if (cfg->n_intercepts > UINT32_MAX) {
		snprintf(err, err_len, "too many intercepts: %zu; at most %"
			 PRIu32 " are supported", cfg->n_intercepts, UINT32_MAX);
		return NULL;
	}
	set = calloc(1, sizeof(*set));
	if (set == NULL) {
		write_memory_error(err, err_len);
		return NULL;
	}
	set->cfg = cfg;
	if (set_alloc(set) != 0) {
		write_memory_error(err, err_len);
		intercept_set_free(set);
		return NULL;
	}
	if (add_targets(set, err, err_len) != 0) {
		intercept_set_free(set);
		return NULL;
	}
	add_liids(set);
	return set;
}

void intercept_set_free(struct intercept_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n_entries; i++) {
		free(set->entries[i].key);
		free(set->entries[i].indexes);
	}
	free(set->entries);
	free(set->liid_entries);
	hmap_free(&set->targets);
	hmap_free(&set->liids);
	free(set);
}

const struct lime_config *intercept_set_config(const struct intercept_set *set)
{
	return set->cfg;
}

size_t intercept_set_count(const struct intercept_set *set)
{
	return set->cfg->n_intercepts;
}

const struct lime_intercept *intercept_set_get(const struct intercept_set *set,
					       uint32_t index)
{
	if (index >= set->cfg->n_intercepts)
		return NULL;
	return &set->cfg->intercepts[index];
}

int intercept_set_find_liid(const struct intercept_set *set, const char *liid)
{
	uint64_t hash;

	if (liid == NULL)
		return -1;
	hash = hmap_hash(liid, strlen(liid));
	for (struct hmap_node *node = hmap_first(&set->liids, hash);
	     node != NULL; node = hmap_next(node)) {
		const struct liid_entry *entry = liid_of(node);

		if (strcmp(set->cfg->intercepts[entry->index].liid, liid) == 0)
			return (int)entry->index;
	}
	return -1;
}

/*
 * Inserts index into the ascending list of match unless it is there. When
 * the list is full a new index is counted in dropped, so the list keeps
 * the first INTERCEPT_MATCH_MAX matches found, not the lowest indexes.
 */
static void match_insert(struct intercept_match *match, uint32_t index)
{
	uint32_t pos = 0;

	while (pos < match->count && match->index[pos] < index)
		pos++;
	if (pos < match->count && match->index[pos] == index)
		return;
	if (match->count == INTERCEPT_MATCH_MAX) {
		match->dropped++;
		return;
	}
	memmove(&match->index[pos + 1], &match->index[pos],
		(match->count - pos) * sizeof(match->index[0]));
	match->index[pos] = index;
	match->count++;
}

void intercept_set_match_key(const struct intercept_set *set,
			     const char *key, size_t len,
			     struct intercept_match *match)
{
	const struct target_entry *entry;

	if (len == 0 || len > set->max_key_len)
		return;
	entry = find_entry(set, key, len, hmap_hash(key, len));
	if (entry == NULL)
		return;
	for (uint32_t i = 0; i < entry->n_indexes; i++)
		match_insert(match, entry->indexes[i]);
}

void intercept_set_match_uri(const struct intercept_set *set,
			     const char *uri, size_t len,
			     struct intercept_match *match)
{
	char stack_key[KEY_STACK_BYTES];
	size_t key_len = sip_target_key_text(uri, len, stack_key,
					     sizeof(stack_key));
	char *heap_key;

	if (key_len <= sizeof(stack_key)) {
		intercept_set_match_key(set, stack_key, key_len, match);
		return;
	}
	/* No target has a key this long, so nothing can match. */
	if (key_len > set->max_key_len)
		return;
	/* NOTE: when this allocation fails the URI is reported as matching
	 * nothing, because this function has no way to return an error. */
	heap_key = malloc(key_len);
	if (heap_key == NULL)
		return;
	sip_target_key_text(uri, len, heap_key, key_len);
	intercept_set_match_key(set, heap_key, key_len, match);
	free(heap_key);
}

bool intercept_active(const struct lime_intercept *ic, int64_t ts_us)
{
	return ic->start_us <= ts_us && ts_us < ic->end_us;
}

/*
 * Leaves dropped unchanged, because the intercepts counted there are not
 * stored and their warrants cannot be checked.
 */
void intercept_match_filter_active(const struct intercept_set *set,
				   struct intercept_match *match, int64_t ts_us)
{
	uint32_t active = 0;

	for (uint32_t i = 0; i < match->count; i++) {
		const struct lime_intercept *ic =
			intercept_set_get(set, match->index[i]);

		if (ic != NULL && intercept_active(ic, ts_us))
			match->index[active++] = match->index[i];
	}
	match->count = active;
}
