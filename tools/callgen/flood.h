/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_FLOOD_H
#define LIME_TOOLS_CALLGEN_FLOOD_H

/*
 * The forged-flood attack: INVITEs from flooder addresses to one victim,
 * a target when there are targets, each carrying a forged TRANSFER_INIT
 * (forge.h) and rejected: 100 Trying, 488 Not Acceptable Here, ACK. The
 * INVITEs start in the middle of the capture, 10 to 30 ms apart.
 */

#include <stdbool.h>

#include "tools/callgen/gen.h"

/* Queues the flood when --attack forged-flood requests it. Returns false
 * after cg_gen_fail(). */
bool cg_flood_schedule(struct cg_gen *g, int64_t start_us);

#endif
