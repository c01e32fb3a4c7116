/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_SEQCHECK_H
#define LIME_TOOLS_LEMF_SEQCHECK_H

/*
 * Sequence-number check for one intercept and one payload kind (IRI or CC).
 * ETSI TS 102 232-1 sequence numbers count per (LIID, CIN) from 0 in steps
 * of 1, so each CIN has its own expected next number.
 */

#include <stddef.h>
#include <stdint.h>

/* Number of missing ranges remembered per CIN to tell late PDUs from duplicates. */
#define SEQ_MAX_MISSING_RANGES 16

enum seq_result {
	SEQ_IN_ORDER,   /* the expected number */
	SEQ_GAP,        /* higher than expected: numbers in between are missing */
	SEQ_LATE,       /* lower than expected and one of the missing numbers */
	SEQ_DUPLICATE,  /* lower than expected and already received */
};

struct seq_range {
	uint64_t first;
	uint64_t last;
};

struct seq_cin {
	uint64_t cin;
	uint64_t next;             /* expected sequence number */
	struct seq_range missing[SEQ_MAX_MISSING_RANGES];
	size_t n_missing;
	struct seq_cin *chain;
};

struct seq_stats {
	uint64_t gaps;             /* PDUs that arrived after missing numbers */
	uint64_t missing;          /* sequence numbers skipped by those gaps */
	uint64_t late;             /* missing numbers that arrived afterwards */
	uint64_t duplicates;
};

struct seq_table {
	struct seq_cin **buckets;
	size_t n_buckets;
	size_t n_cins;
	struct seq_stats stats;
};

void seq_table_init(struct seq_table *t);
void seq_table_free(struct seq_table *t);

/*
 * Checks seq for cin and updates the table and its stats. On SEQ_GAP,
 * *expected is the number that was expected; it is set for every result.
 * Returns -1 only when memory runs out.
 */
int seq_table_check(struct seq_table *t, uint64_t cin, uint64_t seq,
		    enum seq_result *result, uint64_t *expected);

const char *seq_result_name(enum seq_result r);

#endif
