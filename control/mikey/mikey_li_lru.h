/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_LRU_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_LRU_H

/*
 * A bounded map from short byte keys (ticket hashes, IP addresses) to
 * fixed-size values, with an expiry time per entry and least-recently-used
 * eviction when full. All entries are allocated once at init, so a flood
 * of new keys costs evictions, never memory. Keys come from the wire, and
 * lib/util/hmap hashes them with a process-secret key so that a sender
 * cannot aim them at one bucket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/hmap.h"

#define MIKEY_LI_LRU_KEY_MAX 32

struct mikey_li_lru_entry;

struct mikey_li_lru {
	struct hmap map;
	unsigned char *pool;
	size_t stride;                      /* bytes per entry, value included */
	size_t capacity;
	size_t value_size;
	size_t n_used;                      /* pool entries ever handed out */
	struct mikey_li_lru_entry *free_list;
	struct mikey_li_lru_entry *newest;  /* head of the recency list */
	struct mikey_li_lru_entry *oldest;
	uint64_t evicted;                   /* live entries pushed out when full */
	uint64_t expired;                   /* entries dropped after expiry */
};

/* Allocates room for capacity entries of value_size bytes each. Returns 0,
 * or -1 when capacity is 0 or memory runs out. */
int mikey_li_lru_init(struct mikey_li_lru *lru, size_t capacity,
		      size_t value_size);

/* Frees everything. The values are zeroed first. Accepts a zeroed struct. */
void mikey_li_lru_free(struct mikey_li_lru *lru);

/*
 * Returns the value stored under key, and marks it most recently used, or
 * NULL. An entry whose expiry time is before now_us is removed and not
 * returned. Keys longer than MIKEY_LI_LRU_KEY_MAX are never found.
 */
void *mikey_li_lru_find(struct mikey_li_lru *lru, const uint8_t *key,
			size_t key_len, int64_t now_us);

/*
 * Adds key with a zeroed value that expires at expires_us, evicting the
 * least recently used entry when the map is full, and returns the value.
 * now_us separates expired victims from live ones in the counters. The key
 * must not be present (find it first). Returns NULL only for a key longer
 * than MIKEY_LI_LRU_KEY_MAX.
 */
void *mikey_li_lru_insert(struct mikey_li_lru *lru, const uint8_t *key,
			  size_t key_len, int64_t now_us, int64_t expires_us);

/* Changes the expiry time of a value returned by find or insert. */
void mikey_li_lru_set_expiry(struct mikey_li_lru *lru, void *value,
			     int64_t expires_us);

/* Removes a value returned by find or insert. */
void mikey_li_lru_remove(struct mikey_li_lru *lru, void *value);

/* Entries stored, expired ones not yet removed included. */
size_t mikey_li_lru_count(const struct mikey_li_lru *lru);

#endif
