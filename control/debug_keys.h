/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_DEBUG_KEYS_H
#define LIME_CONTROL_DEBUG_KEYS_H

/*
 * "keys" lines of the --debug-events file: one per stream and key set
 * that lime hands to a worker, with the SHA-256 of master key || master
 * salt as lowercase hex. lime-callgen writes the same digest as
 * key_sha256 in its ground truth, so tests can check every key lime
 * derived without the key itself ever being written.
 */

#include <stdint.h>
#include <stdio.h>

#include "control/dialog.h"
#include "dataplane/srtp_session.h"

/* Key sources, as written in "source". */
#define DEBUG_KEYS_SDES "sdes"
#define DEBUG_KEYS_MIKEY_TICKET "mikey_ticket"
#define DEBUG_KEYS_MIKEY_PLAIN "mikey_plain"

/* The key sets one stream of a MIKEY-keyed call received. */
struct debug_key_sets {
	const char *call_id;
	int64_t ts_us;
	const uint32_t *liid_ids;      /* names come from the dialog tracker */
	unsigned n_liids;
	uint32_t stream_id;
	const char *source;            /* DEBUG_KEYS_* */
	const struct srtp_session_key *sets;
	unsigned n_sets;
};

/* Writes one "keys" line per key set of ev. */
void debug_keys_sets(FILE *out, const struct dialog_tracker *dialogs,
		     const struct debug_key_sets *ev);

/* Writes the "keys" line of a flow installed with SDES keys. */
void debug_keys_sdes(FILE *out, const struct call_flow_event *ev,
		     uint32_t stream_id);

#endif
