/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_METRICS_H
#define LIME_CONTROL_METRICS_H

/*
 * The metrics endpoint: Prometheus text exposition format (version 0.0.4)
 * over plain HTTP on the management address, served by a thread of its
 * own so that a slow scraper never delays the control lcore. It exposes
 * the packet, SIP, call, media and alarm counters of the --summary file,
 * per-lcore packet and drop counters and ring depths.
 */

#include <stdio.h>

struct control;

/* Starts the endpoint on "host:port". Returns 0, or -1 after logging why. */
int metrics_start(struct control *c, const char *listen);
void metrics_stop(struct control *c);

/* Registers /lime/stats with DPDK's telemetry socket. */
void metrics_register_telemetry(struct control *c);

/* Writes the current metrics to out. Takes the control's state lock. */
void metrics_render(FILE *out, struct control *c);

#endif
