/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_IRI_RECORD_H
#define LIME_CONTROL_IRI_RECORD_H

/*
 * Intercept-related information as lime keeps it until the handover
 * encodes it (ETSI TS 102 232-5 IPMMIRI): the event, the intercept, the
 * capture time and addresses, and a copy of the SIP message in which every
 * SDES inline: key is replaced with X characters of the same length.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/dialog.h"
#include "control/intercepts.h"

struct iri_record {
	enum iri_type type;
	char liid[LIME_LIID_MAX + 1];
	uint64_t cin;
	int64_t ts_us;
	bool has_packet;
	struct sip_packet_info packet;
	char *call_id;       /* NUL-terminated copy */
	char *sip;           /* masked copy, NULL for an event without message */
	size_t sip_len;
	size_t keys_masked;
	const char *reason;  /* static text, or NULL */
	const char *alarm_kind;    /* static text, or NULL */
	const char *alarm_reason;  /* static text, or NULL */
};

/* Copies and masks an event. Returns NULL when memory runs out. */
struct iri_record *iri_record_create(const struct iri_event *ev);
void iri_record_free(struct iri_record *rec);

#endif
