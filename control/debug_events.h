/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_DEBUG_EVENTS_H
#define LIME_CONTROL_DEBUG_EVENTS_H

/*
 * The --debug-events file: one JSON object per line for every media flow
 * installed or removed and every IRI record of intercepted calls, so that
 * tests and operators can follow correlation decisions. It never contains
 * key material: flows name their crypto suite only, keys appear as SHA-256
 * fingerprints (debug_keys.h), and IRI lines carry the first line of the
 * SIP message.
 */

#include <stdint.h>
#include <stdio.h>

#include "control/dialog.h"
#include "control/iri_record.h"

void debug_events_flow(FILE *out, const char *event,
		       const struct call_flow_event *ev, uint32_t stream_id,
		       const char *reason);
void debug_events_iri(FILE *out, const struct iri_record *rec);

#endif
