/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_lru.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct mikey_li_lru_entry {
	struct hmap_node node;
	struct mikey_li_lru_entry *newer;
	struct mikey_li_lru_entry *older;
	int64_t expires_us;
	uint8_t key_len;
	uint8_t key[MIKEY_LI_LRU_KEY_MAX];
	max_align_t value[];
};

static struct mikey_li_lru_entry *entry_of(void *value)
{
	return (struct mikey_li_lru_entry *)((unsigned char *)value -
					     offsetof(struct mikey_li_lru_entry, value));
}

int mikey_li_lru_init(struct mikey_li_lru *lru, size_t capacity,
		      size_t value_size)
{
	size_t align = sizeof(max_align_t);

	memset(lru, 0, sizeof(*lru));
	if (capacity == 0 || value_size > SIZE_MAX / 2)
		return -1;
	lru->value_size = value_size;
	lru->capacity = capacity;
	lru->stride = offsetof(struct mikey_li_lru_entry, value) +
		      (value_size + align - 1) / align * align;
	if (capacity > SIZE_MAX / lru->stride)
		return -1;
	lru->pool = calloc(capacity, lru->stride);
	if (lru->pool == NULL)
		return -1;
	if (hmap_init(&lru->map, capacity) != 0) {
		free(lru->pool);
		lru->pool = NULL;
		return -1;
	}
	return 0;
}

void mikey_li_lru_free(struct mikey_li_lru *lru)
{
	if (lru->pool != NULL) {
		explicit_bzero(lru->pool, lru->capacity * lru->stride);
		free(lru->pool);
		hmap_free(&lru->map);
	}
	memset(lru, 0, sizeof(*lru));
}

/* ---- Recency list: newest at the head, oldest at the tail ---- */

static void unlink_entry(struct mikey_li_lru *lru, struct mikey_li_lru_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		lru->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		lru->oldest = e->newer;
	e->newer = NULL;
	e->older = NULL;
}

static void push_newest(struct mikey_li_lru *lru, struct mikey_li_lru_entry *e)
{
	e->newer = NULL;
	e->older = lru->newest;
	if (lru->newest != NULL)
		lru->newest->newer = e;
	lru->newest = e;
	if (lru->oldest == NULL)
		lru->oldest = e;
}

/* Unlinks an entry from the map and the list and puts it on the free list. */
static void release(struct mikey_li_lru *lru, struct mikey_li_lru_entry *e)
{
	hmap_remove(&lru->map, &e->node);
	unlink_entry(lru, e);
	explicit_bzero(e, lru->stride);
	e->older = lru->free_list;
	lru->free_list = e;
}

static struct mikey_li_lru_entry *take_entry(struct mikey_li_lru *lru)
{
	struct mikey_li_lru_entry *e;

	if (lru->free_list != NULL) {
		e = lru->free_list;
		lru->free_list = e->older;
		e->older = NULL;
		return e;
	}
	if (lru->n_used < lru->capacity)
		return (struct mikey_li_lru_entry *)(lru->pool +
						     lru->n_used++ * lru->stride);
	return NULL;
}

void *mikey_li_lru_find(struct mikey_li_lru *lru, const uint8_t *key,
			size_t key_len, int64_t now_us)
{
	uint64_t hash;

	if (key_len > MIKEY_LI_LRU_KEY_MAX || lru->pool == NULL)
		return NULL;
	hash = hmap_hash(key, key_len);
	for (struct hmap_node *n = hmap_first(&lru->map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct mikey_li_lru_entry *e = (struct mikey_li_lru_entry *)n;

		if (e->key_len != key_len || memcmp(e->key, key, key_len) != 0)
			continue;
		if (e->expires_us < now_us) {
			lru->expired++;
			release(lru, e);
			return NULL;
		}
		unlink_entry(lru, e);
		push_newest(lru, e);
		return e->value;
	}
	return NULL;
}

void *mikey_li_lru_insert(struct mikey_li_lru *lru, const uint8_t *key,
			  size_t key_len, int64_t now_us, int64_t expires_us)
{
	struct mikey_li_lru_entry *e;

	if (key_len > MIKEY_LI_LRU_KEY_MAX || lru->pool == NULL)
		return NULL;
	e = take_entry(lru);
	if (e == NULL) {
		/* Full: the oldest entry makes room, expired or not. */
		e = lru->oldest;
		if (e->expires_us < now_us)
			lru->expired++;
		else
			lru->evicted++;
		release(lru, e);
		e = take_entry(lru);
	}
	memset(e, 0, lru->stride);
	e->key_len = (uint8_t)key_len;
	memcpy(e->key, key, key_len);
	e->expires_us = expires_us;
	hmap_insert(&lru->map, &e->node, hmap_hash(key, key_len));
	push_newest(lru, e);
	return e->value;
}

void mikey_li_lru_set_expiry(struct mikey_li_lru *lru, void *value,
			     int64_t expires_us)
{
	(void)lru;
	entry_of(value)->expires_us = expires_us;
}

void mikey_li_lru_remove(struct mikey_li_lru *lru, void *value)
{
	release(lru, entry_of(value));
}

size_t mikey_li_lru_count(const struct mikey_li_lru *lru)
{
	return hmap_count(&lru->map);
}
