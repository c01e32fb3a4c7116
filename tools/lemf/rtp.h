/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_RTP_H
#define LIME_TOOLS_LEMF_RTP_H

#include <stddef.h>
#include <stdint.h>

/* RTP static payload types of G.711 (RFC 3551, table 4). */
#define RTP_PT_PCMU 0
#define RTP_PT_PCMA 8

/* The RTP packet inside a UDP datagram, with pointers into the IP packet. */
struct rtp_view {
	uint32_t ssrc;
	uint16_t sequence;
	uint32_t timestamp;
	uint8_t payload_type;
	const uint8_t *payload;    /* after CSRCs and the header extension */
	size_t payload_len;        /* without RTP padding */
};

/*
 * Finds an RTP version 2 packet in an IPv4 or IPv6 UDP packet. Returns 0
 * when found, -1 for anything else: another protocol, a fragment, a short
 * or inconsistent header, or a UDP payload that is not RTP version 2.
 */
int rtp_parse_ip(const uint8_t *pkt, size_t len, struct rtp_view *rtp);

#endif
