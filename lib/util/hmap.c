/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/util/hmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t sip_key[2];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Falls back to a fixed key only when the kernel has no entropy call,
 * which loses flood resistance but not correctness. */
static void init_key(void)
{
	if (getrandom(sip_key, sizeof(sip_key), 0) != sizeof(sip_key)) {
		sip_key[0] = 0x736f6d6570736575ULL;
		sip_key[1] = 0x646f72616e646f6dULL;
	}
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do {                                   \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);       \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                          \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                          \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);       \
} while (0)

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t hmap_hash(const void *data, size_t len)
{
	const uint8_t *in = data;
	const uint8_t *end = in + (len - len % 8);

	pthread_once(&key_once, init_key);

	uint64_t v0 = 0x736f6d6570736575ULL ^ sip_key[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ sip_key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ sip_key[0];
	uint64_t v3 = 0x7465646279746573ULL ^ sip_key[1];

	for (; in != end; in += 8) {
		uint64_t m = load_le64(in);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}

	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[i] << (8 * i);

	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static size_t round_pow2(size_t n)
{
	size_t p = 16;

	while (p < n && p < ((size_t)1 << 40))
		p <<= 1;
	return p;
}

int hmap_init(struct hmap *map, size_t expected)
{
	size_t n = round_pow2(expected);

	map->buckets = calloc(n, sizeof(*map->buckets));
	if (map->buckets == NULL)
		return -1;
	map->mask = n - 1;
	map->count = 0;
	return 0;
}

void hmap_free(struct hmap *map)
{
	free(map->buckets);
	map->buckets = NULL;
	map->mask = 0;
	map->count = 0;
}

static void grow(struct hmap *map)
{
	size_t n = (map->mask + 1) * 2;
	struct hmap_node **buckets = calloc(n, sizeof(*buckets));

	if (buckets == NULL)
		return;

	for (size_t i = 0; i <= map->mask; i++) {
		struct hmap_node *node = map->buckets[i];
		while (node != NULL) {
			struct hmap_node *next = node->next;
			size_t b = node->hash & (n - 1);
			node->next = buckets[b];
			buckets[b] = node;
			node = next;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->mask = n - 1;
}

void hmap_insert(struct hmap *map, struct hmap_node *node, uint64_t hash)
{
	if (map->count >= map->mask + 1)
		grow(map);

	size_t b = hash & map->mask;
	node->hash = hash;
	node->next = map->buckets[b];
	map->buckets[b] = node;
	map->count++;
}

void hmap_remove(struct hmap *map, struct hmap_node *node)
{
	struct hmap_node **link = &map->buckets[node->hash & map->mask];

	while (*link != NULL) {
		if (*link == node) {
			*link = node->next;
			node->next = NULL;
			map->count--;
			return;
		}
		link = &(*link)->next;
	}
}

struct hmap_node *hmap_first(const struct hmap *map, uint64_t hash)
{
	struct hmap_node *node = map->buckets[hash & map->mask];

	while (node != NULL && node->hash != hash)
		node = node->next;
	return node;
}

struct hmap_node *hmap_next(const struct hmap_node *node)
{
	struct hmap_node *next = node->next;

	while (next != NULL && next->hash != node->hash)
		next = next->next;
	return next;
}
