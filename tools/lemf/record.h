/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_RECORD_H
#define LIME_TOOLS_LEMF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "tools/lemf/server.h"

/*
 * Decodes one PS-PDU received on c at stream offset offset and acts on
 * it: replies to a keep-alive, checks the sequence number of IRI and CC, and
 * writes the outputs of its LIID. Returns 0, or -1 when the connection
 * must be closed (decode error or unwritable response).
 */
int record_handle(struct server *srv, struct conn *c, const uint8_t *pdu,
		  size_t len, uint64_t offset);

#endif
