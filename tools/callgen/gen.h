/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_GEN_H
#define LIME_TOOLS_CALLGEN_GEN_H

/*
 * The generator: options, the event queue, the capture, the ground truth,
 * the KMS and the bookkeeping shared by calls, attacks and background
 * traffic. cg_gen_run() processes events in capture-time order until none
 * is left or one fails.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/kms_users.h"
#include "tools/callgen/mikey_ticket.h"
#include "tools/callgen/options.h"
#include "tools/callgen/packet.h"
#include "tools/callgen/sched.h"
#include "tools/callgen/truth.h"

#define CG_TARGET_TEXT_MAX 64
#define CG_ERROR_MAX 1024

struct cg_gen {
	const struct cg_options *opt;
	struct cg_sched sched;
	struct cg_net net;
	struct cg_truth *truth;
	struct cg_mikey_kms kms;           /* client NULL without --kms */
	struct cg_kms_users *users;        /* NULL without --kms-config */
	char (*targets)[CG_TARGET_TEXT_MAX];
	const char **target_list;
	size_t n_targets;

	struct cg_rng arrival_rng;
	struct cg_rng attack_rng;
	int64_t mean_interarrival_us;
	uint64_t calls_started;            /* of --calls */
	uint64_t next_extra_index;         /* index of the next attack call */
	uint64_t flood_victim_party;       /* party number of the flood's victim */

	uint32_t active_calls;
	uint32_t peak_active_calls;
	uint32_t pending_extra;            /* attack calls scheduled, not started */
	uint64_t calls_done;
	uint64_t target_calls;
	uint64_t attack_calls;
	uint64_t streams;
	uint32_t attacks_made[CG_ATTACK_KINDS];

	bool failed;
	char error[CG_ERROR_MAX];
};

/* Records the first fatal error; the run stops after the current event. */
void cg_gen_fail(struct cg_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets up everything the options ask for. Returns 0, or -1 with g->error. */
int cg_gen_init(struct cg_gen *g, const struct cg_options *o);

/* Runs the events; returns 0, or -1 with g->error. */
int cg_gen_run(struct cg_gen *g);

/* Writes the last frames and the summary and closes everything. Returns
 * 0, or -1 with g->error when a file could not be completed. */
int cg_gen_finish(struct cg_gen *g, struct cg_truth_summary *summary);

#endif
