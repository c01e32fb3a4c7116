/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/seqcheck.h"

#include <stdlib.h>
#include <string.h>

#define SEQ_INITIAL_BUCKETS 64

void seq_table_init(struct seq_table *t)
{
	memset(t, 0, sizeof(*t));
}

void seq_table_free(struct seq_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct seq_cin *c = t->buckets[i];

		while (c != NULL) {
			struct seq_cin *next = c->chain;

			free(c);
			c = next;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static size_t bucket_of(uint64_t cin, size_t n_buckets)
{
	/* Fibonacci hashing spreads consecutive CINs over the buckets. */
	return (size_t)((cin * 0x9E3779B97F4A7C15ull) >> 32) & (n_buckets - 1);
}

static int grow(struct seq_table *t)
{
	size_t n = t->n_buckets ? t->n_buckets * 2 : SEQ_INITIAL_BUCKETS;
	struct seq_cin **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct seq_cin *c = t->buckets[i];

		while (c != NULL) {
			struct seq_cin *next = c->chain;
			size_t k = bucket_of(c->cin, n);

			c->chain = b[k];
			b[k] = c;
			c = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
	return 0;
}

static struct seq_cin *find_or_add(struct seq_table *t, uint64_t cin)
{
	if (t->n_buckets != 0) {
		for (struct seq_cin *c = t->buckets[bucket_of(cin, t->n_buckets)];
		     c != NULL; c = c->chain) {
			if (c->cin == cin)
				return c;
		}
	}
	if (t->n_cins >= t->n_buckets && grow(t) != 0)
		return NULL;

	struct seq_cin *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cin = cin;
	size_t k = bucket_of(cin, t->n_buckets);
	c->chain = t->buckets[k];
	t->buckets[k] = c;
	t->n_cins++;
	return c;
}

static void add_missing(struct seq_cin *c, uint64_t first, uint64_t last)
{
	/*
	 * Forget the oldest range when the list is full. A number from it that
	 * arrives later is then counted as a duplicate, not as late.
	 */
	if (c->n_missing == SEQ_MAX_MISSING_RANGES) {
		memmove(&c->missing[0], &c->missing[1],
			(SEQ_MAX_MISSING_RANGES - 1) * sizeof(c->missing[0]));
		c->n_missing--;
	}
	c->missing[c->n_missing].first = first;
	c->missing[c->n_missing].last = last;
	c->n_missing++;
}

/* Removes seq from the missing ranges; returns 1 when it was missing. */
static int take_missing(struct seq_cin *c, uint64_t seq)
{
	for (size_t i = 0; i < c->n_missing; i++) {
		struct seq_range *r = &c->missing[i];

		if (seq < r->first || seq > r->last)
			continue;
		if (r->first == r->last) {
			memmove(r, r + 1, (c->n_missing - i - 1) * sizeof(*r));
			c->n_missing--;
		} else if (seq == r->first) {
			r->first++;
		} else if (seq == r->last) {
			r->last--;
		} else {
			/* Split the range; when the list is full the oldest goes. */
			uint64_t last = r->last;

			r->last = seq - 1;
			add_missing(c, seq + 1, last);
		}
		return 1;
	}
	return 0;
}

int seq_table_check(struct seq_table *t, uint64_t cin, uint64_t seq,
		    enum seq_result *result, uint64_t *expected)
{
	struct seq_cin *c = find_or_add(t, cin);

	if (c == NULL)
		return -1;
	*expected = c->next;

	if (seq == c->next) {
		*result = SEQ_IN_ORDER;
		c->next = seq + 1;
	} else if (seq > c->next) {
		*result = SEQ_GAP;
		t->stats.gaps++;
		t->stats.missing += seq - c->next;
		add_missing(c, c->next, seq - 1);
		c->next = seq + 1;
	} else if (take_missing(c, seq)) {
		*result = SEQ_LATE;
		t->stats.late++;
	} else {
		*result = SEQ_DUPLICATE;
		t->stats.duplicates++;
	}
	return 0;
}

const char *seq_result_name(enum seq_result r)
{
	switch (r) {
	case SEQ_IN_ORDER:
		return "in order";
	case SEQ_GAP:
		return "gap";
	case SEQ_LATE:
		return "late";
	case SEQ_DUPLICATE:
		return "duplicate";
	}
	return "unknown";
}
