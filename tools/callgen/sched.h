/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_SCHED_H
#define LIME_TOOLS_CALLGEN_SCHED_H

/*
 * The event queue of the generator: a min-heap of tasks keyed by their
 * capture time, with ties broken by the order in which they were pushed,
 * so every run with the same seed processes events in the same order.
 * Only live calls have tasks, which keeps memory proportional to the
 * number of concurrent calls rather than the total.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*cg_task_fn)(void *ctx, void *arg, int64_t now_us);

struct cg_task {
	int64_t when_us;
	uint64_t order;
	cg_task_fn fn;
	void *arg;
};

struct cg_sched {
	struct cg_task *heap;
	size_t n;
	size_t cap;
	uint64_t next_order;
	bool out_of_memory;
};

void cg_sched_init(struct cg_sched *s);
void cg_sched_free(struct cg_sched *s);

/* Adds a task. Returns false when memory runs out (also recorded in
 * out_of_memory). */
bool cg_sched_push(struct cg_sched *s, int64_t when_us, cg_task_fn fn, void *arg);

/* Removes the earliest task into *task. Returns false when none is left. */
bool cg_sched_pop(struct cg_sched *s, struct cg_task *task);

#endif
