/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_IRI_JSON_H
#define LIME_TOOLS_LEMF_IRI_JSON_H

#include <stdio.h>

#include "lib/etsi/etsi.h"

/*
 * Writes one IRI or alarm PDU as a JSON object on one line of f and flushes
 * it. Members: type, liid, cin, seq, time (ISO 8601 UTC with microseconds),
 * seconds, microseconds, then src, dst and sip for a SIP IRI, or alarm
 * {kind, reason, call_id, country, time, seconds, microseconds} for an
 * alarm. Byte strings are JSON-escaped; a byte that is not part of valid
 * UTF-8 is written as \u00XX, its Latin-1 reading. Returns 0 or -1.
 */
int iri_json_write(FILE *f, const struct etsi_pdu *pdu);

#endif
