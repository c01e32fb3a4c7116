/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_counts.h"

#include <stdlib.h>
#include <string.h>

#include "control/delivery/delivery.h"
#include "lib/util/log.h"

struct counts_entry {
	struct hmap_node node;
	struct delivery_liid_counts counts;
	size_t liid_len;
	char liid[ETSI_LIID_MAX + 1];
};

int dl_counts_init(struct dl_counts *c)
{
	pthread_mutex_init(&c->lock, NULL);
	return hmap_init(&c->map, 64);
}

void dl_counts_free(struct dl_counts *c)
{
	if (c->map.buckets != NULL) {
		for (size_t i = 0; i <= c->map.mask; i++) {
			struct hmap_node *n = c->map.buckets[i];

			while (n != NULL) {
				struct hmap_node *next = n->next;

				free(n);
				n = next;
			}
		}
	}
	hmap_free(&c->map);
	pthread_mutex_destroy(&c->lock);
}

static struct counts_entry *find(struct dl_counts *c, const char *liid,
				 size_t len, uint64_t hash)
{
	for (struct hmap_node *n = hmap_first(&c->map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct counts_entry *e = (struct counts_entry *)n;

		if (e->liid_len == len && memcmp(e->liid, liid, len) == 0)
			return e;
	}
	return NULL;
}

void dl_counts_add(struct dl_counts *c, const char *liid, size_t liid_len,
		   int channel, uint64_t delivered, uint64_t spooled)
{
	if (liid_len > ETSI_LIID_MAX)
		liid_len = ETSI_LIID_MAX;
	uint64_t hash = hmap_hash(liid, liid_len);

	pthread_mutex_lock(&c->lock);
	struct counts_entry *e = find(c, liid, liid_len, hash);

	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			pthread_mutex_unlock(&c->lock);
			LOG_ERR("LIID %.*s: out of memory for delivery counters",
				(int)liid_len, liid);
			return;
		}
		memcpy(e->liid, liid, liid_len);
		e->liid_len = liid_len;
		hmap_insert(&c->map, &e->node, hash);
	}
	e->counts.delivered[channel] += delivered;
	e->counts.spooled[channel] += spooled;
	pthread_mutex_unlock(&c->lock);
}

int dl_counts_get(struct dl_counts *c, const char *liid,
		  struct delivery_liid_counts *out)
{
	size_t len = strnlen(liid, ETSI_LIID_MAX + 1);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ETSI_LIID_MAX)
		return -1;
	pthread_mutex_lock(&c->lock);
	struct counts_entry *e = find(c, liid, len, hmap_hash(liid, len));

	if (e != NULL) {
		*out = e->counts;
		rc = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}
