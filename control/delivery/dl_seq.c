/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_seq.h"

#include <stdlib.h>
#include <string.h>

#include "lib/etsi/etsi.h"

/*
 * NOTE: entries stay until the engine stops, because a record of a call
 * (a late alarm, trailing media) can come long after its last signalling.
 * That is about 64 bytes per intercepted call.
 */
struct seq_entry {
	struct hmap_node node;
	uint32_t cin;
	uint32_t next[2];
	char liid[ETSI_LIID_MAX + 1];
};

/* The hash covers the LIID and the CIN in one buffer. */
static uint64_t key_hash(const char *liid, size_t len, uint32_t cin)
{
	uint8_t key[ETSI_LIID_MAX + 4];

	memcpy(key, &cin, 4);
	memcpy(key + 4, liid, len);
	return hmap_hash(key, len + 4);
}

int dl_seq_init(struct dl_seq_table *t)
{
	return hmap_init(&t->map, 256);
}

void dl_seq_free(struct dl_seq_table *t)
{
	if (t->map.buckets == NULL)
		return;
	for (size_t i = 0; i <= t->map.mask; i++) {
		struct hmap_node *n = t->map.buckets[i];

		while (n != NULL) {
			struct hmap_node *next = n->next;

			free(n);
			n = next;
		}
	}
	hmap_free(&t->map);
}

uint32_t *dl_seq_counter(struct dl_seq_table *t, const char *liid,
			 uint32_t cin, enum delivery_channel channel)
{
	size_t len = strnlen(liid, ETSI_LIID_MAX);
	uint64_t hash = key_hash(liid, len, cin);
	struct seq_entry *e = NULL;

	for (struct hmap_node *n = hmap_first(&t->map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct seq_entry *cand = (struct seq_entry *)n;

		if (cand->cin == cin && strncmp(cand->liid, liid, len) == 0 &&
		    cand->liid[len] == '\0') {
			e = cand;
			break;
		}
	}
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return NULL;
		e->cin = cin;
		memcpy(e->liid, liid, len);
		hmap_insert(&t->map, &e->node, hash);
	}
	return &e->next[channel == DELIVERY_HI3];
}
