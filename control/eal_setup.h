/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_EAL_SETUP_H
#define LIME_CONTROL_EAL_SETUP_H

#include <stddef.h>

#include "control/config.h"
#include "dataplane/dataplane.h"

#define LIME_MAX_PCAPS 16

struct run_options {
	const char *config_path;
	const char *pcaps[LIME_MAX_PCAPS];
	size_t n_pcaps;
	const char *summary_path;
	const char *cc_pcap_path;
	const char *debug_events_path;
	const char *metrics_out_path;
	double pcap_speed;            /* 0: unpaced */
};

/* Setup failure kind, mapped to lime's exit statuses. */
enum setup_error {
	SETUP_OK = 0,
	SETUP_RUNTIME = 1,            /* EAL, ports, memory, unreadable input */
	SETUP_CONFIG = 2,             /* a configuration value cannot work */
};

/*
 * Start the EAL from the configuration, assign lcore roles, and create the
 * mempool, rings, flow table and ports. On failure one line goes into err.
 */
enum setup_error dataplane_setup(const struct lime_config *cfg,
				 const struct run_options *opts,
				 struct dataplane *dp, char *err, size_t err_len);

/* Stop the ports and release what dataplane_setup created. */
void dataplane_teardown(struct dataplane *dp);

#endif
