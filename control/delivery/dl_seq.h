/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_SEQ_H
#define LIME_DELIVERY_SEQ_H

/*
 * Sequence numbers of the PSHeader: one counter per (LIID, CIN), separate
 * for IRI (HI2) and CC (HI3), from 0 with no gaps. Not thread-safe; the
 * engine calls it under its submit lock.
 */

#include <stdint.h>

#include "control/delivery/delivery.h"
#include "lib/util/hmap.h"

struct dl_seq_table {
	struct hmap map;
};

int dl_seq_init(struct dl_seq_table *t);
void dl_seq_free(struct dl_seq_table *t);
/* Returns the counter of (liid, cin, channel), which is the next sequence
 * number. The caller increments it once the number is used. NULL when
 * memory runs out. */
uint32_t *dl_seq_counter(struct dl_seq_table *t, const char *liid,
			 uint32_t cin, enum delivery_channel channel);

#endif
