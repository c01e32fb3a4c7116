/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_HANDOVER_H
#define LIME_CONTROL_HANDOVER_H

/*
 * The control lcore's side of the handover. It turns IRI records, alarms
 * and the media packets the workers hand back into HI2 and HI3 records for
 * the agency of each intercept. The delivery engine (control/delivery)
 * takes them and owns connections, spool and sequence numbers. CINs come
 * from the engine too, so that they survive a restart.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "control/delivery/delivery.h"
#include "control/iri_record.h"

struct control;

/* Starts the delivery engine with the configuration's agencies. Returns 0,
 * or -1 after logging why. */
int handover_start(struct control *c);

/* Applies the agencies and intercepts of the live configuration. */
void handover_update(struct control *c);

/* Sends one IRI record (SIP event or alarm) to the agency of its LIID. */
void handover_iri(struct control *c, const struct iri_record *rec);

/* Sends one media packet a worker handed back, as HI3, to every intercept
 * the worker named in its metadata. Does not free m. */
void handover_cc(struct control *c, struct rte_mbuf *m);

/* The next CIN of an LIID (a dialog_sink callback; ctx is the control). */
uint64_t handover_next_cin(void *ctx, const char *liid);

/* Waits until every record is written to its agency or the spool (with
 * capture files, also until connected agencies took the spool), then stops
 * the engine. The counts stay readable. */
void handover_finish(struct control *c);

/* Counts of one LIID; zeros when it had none. */
void handover_liid_counts(const struct control *c, const char *liid,
			  struct delivery_liid_counts *out);

/* Engine counters, zeros before the start. */
void handover_stats(const struct control *c, struct delivery_stats *out);

#endif
