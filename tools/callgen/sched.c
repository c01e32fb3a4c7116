/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/sched.h"

#include <stdlib.h>
#include <string.h>

void cg_sched_init(struct cg_sched *s)
{
	memset(s, 0, sizeof(*s));
}

void cg_sched_free(struct cg_sched *s)
{
	free(s->heap);
	memset(s, 0, sizeof(*s));
}

static bool task_before(const struct cg_task *a, const struct cg_task *b)
{
	if (a->when_us != b->when_us)
		return a->when_us < b->when_us;
	return a->order < b->order;
}

static void swap_tasks(struct cg_task *a, struct cg_task *b)
{
	struct cg_task t = *a;

	*a = *b;
	*b = t;
}

bool cg_sched_push(struct cg_sched *s, int64_t when_us, cg_task_fn fn, void *arg)
{
	size_t i;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct cg_task *heap = realloc(s->heap, cap * sizeof(*heap));

		if (heap == NULL) {
			s->out_of_memory = true;
			return false;
		}
		s->heap = heap;
		s->cap = cap;
	}
	i = s->n++;
	s->heap[i].when_us = when_us;
	s->heap[i].order = s->next_order++;
	s->heap[i].fn = fn;
	s->heap[i].arg = arg;
	while (i > 0 && task_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		swap_tasks(&s->heap[i], &s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return true;
}

bool cg_sched_pop(struct cg_sched *s, struct cg_task *task)
{
	size_t i = 0;

	if (s->n == 0)
		return false;
	*task = s->heap[0];
	s->heap[0] = s->heap[--s->n];
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, best = i;

		if (left < s->n && task_before(&s->heap[left], &s->heap[best]))
			best = left;
		if (right < s->n && task_before(&s->heap[right], &s->heap[best]))
			best = right;
		if (best == i)
			break;
		swap_tasks(&s->heap[i], &s->heap[best]);
		i = best;
	}
	return true;
}
