/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_UTIL_HMAP_H
#define LIME_UTIL_HMAP_H

/*
 * Intrusive chained hash map for the control path. Callers embed a struct
 * hmap_node in their records, hash their own key with hmap_hash() and
 * compare keys themselves while walking the nodes of one hash. Keys seen on
 * the wire (Call-IDs, URIs) are chosen by the sender, so hmap_hash() is
 * SipHash-2-4 under a random key taken at start: a sender cannot aim many
 * keys at one bucket.
 */

#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node *next;
	uint64_t hash;
};

struct hmap {
	struct hmap_node **buckets;
	size_t mask;        /* bucket count - 1, a power of two minus one */
	size_t count;
};

/* Sets up an empty map with room for about `expected` nodes. */
int hmap_init(struct hmap *map, size_t expected);
/* Frees the buckets. The nodes belong to the caller. */
void hmap_free(struct hmap *map);

/* Keyed hash of len bytes at data (SipHash-2-4 under the process key). */
uint64_t hmap_hash(const void *data, size_t len);

/*
 * Inserts node under hash. The bucket array doubles when the map holds
 * more nodes than buckets. When that allocation fails the node is still
 * inserted into the smaller array, so insertion itself cannot fail.
 */
void hmap_insert(struct hmap *map, struct hmap_node *node, uint64_t hash);
void hmap_remove(struct hmap *map, struct hmap_node *node);

/* First node stored under hash, or NULL. */
struct hmap_node *hmap_first(const struct hmap *map, uint64_t hash);
/* Next node after node with the same hash, or NULL. */
struct hmap_node *hmap_next(const struct hmap_node *node);

static inline size_t hmap_count(const struct hmap *map)
{
	return map->count;
}

#endif
