/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_CC_PCAP_H
#define LIME_TOOLS_LEMF_CC_PCAP_H

/*
 * Classic pcap output of delivered CC: LINKTYPE_RAW (101), so each record
 * is the IP packet of one PDU, with the PDU's microSecondTimeStamp.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Opens path for appending; writes the file header when the file is new
 * or empty. Returns the stream, or NULL with errno set. */
FILE *cc_pcap_open(const char *path);

/* Writes one record and flushes it. Returns 0 or -1 with errno set. */
int cc_pcap_write(FILE *f, uint64_t seconds, uint32_t microseconds,
		  const uint8_t *packet, size_t len);

#endif
