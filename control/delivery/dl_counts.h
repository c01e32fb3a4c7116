/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_COUNTS_H
#define LIME_DELIVERY_COUNTS_H

/* Per-LIID record counts for the summary, under their own lock. */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/hmap.h"

struct delivery_liid_counts;

struct dl_counts {
	pthread_mutex_t lock;
	struct hmap map;
};

int dl_counts_init(struct dl_counts *c);
void dl_counts_free(struct dl_counts *c);
/* Adds to one LIID's counters; channel is enum delivery_channel. */
void dl_counts_add(struct dl_counts *c, const char *liid, size_t liid_len,
		   int channel, uint64_t delivered, uint64_t spooled);
/* Returns 0, or -1 when the LIID has no counters (out zeroed). */
int dl_counts_get(struct dl_counts *c, const char *liid,
		  struct delivery_liid_counts *out);

#endif
