/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_CIN_H
#define LIME_DELIVERY_CIN_H

/*
 * CIN counters, one file per LIID under <spool_dir>/cin, in the two-slot
 * cursor layout of spool_format.h with the last CIN issued as its value.
 * Every new CIN is written at once, so a crash of the process repeats
 * none. The spool worker flushes the files to the disk within about
 * 100 ms, so a power loss can repeat the CINs of that interval.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/util/hmap.h"

struct dl_cin_table {
	pthread_mutex_t lock;
	struct hmap map;
	char *dir;
	bool dirty;
};

int dl_cin_init(struct dl_cin_table *t, const char *spool_dir);
void dl_cin_free(struct dl_cin_table *t);
/* Returns the next CIN of liid, from 1. When the counter file cannot be
 * read or written the count goes on in memory, logged. */
uint32_t dl_cin_next(struct dl_cin_table *t, const char *liid);
/* Flushes counter files written since the last call to the disk. */
void dl_cin_sync(struct dl_cin_table *t);

#endif
