/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_PACKET_H
#define LIME_TOOLS_CALLGEN_PACKET_H

/*
 * Ethernet frames with IPv4 or IPv6 and UDP or TCP, with valid header and
 * transport checksums, queued into the capture. A UDP datagram larger
 * than the 1500-byte MTU is sent as IP fragments, as a host's stack would.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/netaddr.h"
#include "tools/callgen/pcap_out.h"

#define CG_MTU 1500
#define CG_TCP_MSS_V4 1460
#define CG_TCP_MSS_V6 1440

/* Frame classes, for the counters printed at the end. */
enum cg_packet_class {
	CG_CLASS_SIP,
	CG_CLASS_TCP_CONTROL,      /* SIP connections: handshake, ACK, FIN */
	CG_CLASS_RTP,
	CG_CLASS_RTCP,
	CG_CLASS_BACKGROUND,
	CG_CLASS_COUNT,
};

/* DSCP values: EF for media, CS3 for signalling, 0 for the rest. */
#define CG_DSCP_EF 46
#define CG_DSCP_CS3 24
#define CG_DSCP_BE 0

struct cg_net {
	struct cg_pcap_out *pcap;
	uint32_t ip_id;            /* IPv4 ID and IPv6 fragment ID, per datagram */
	uint64_t frames[CG_CLASS_COUNT];
};

/* One direction of a UDP or TCP flow. */
struct cg_flow {
	const struct cg_addr *src;
	const struct cg_addr *dst;
	uint16_t sport;
	uint16_t dport;
};

#define CG_TCP_FIN 0x01
#define CG_TCP_SYN 0x02
#define CG_TCP_PSH 0x08
#define CG_TCP_ACK 0x10

struct cg_tcp_segment {
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window;
	uint8_t dscp;
	bool mss_option;           /* on SYN and SYN-ACK */
	const uint8_t *payload;
	size_t len;
};

/* Queues one UDP datagram at ts_us, as IP fragments when it exceeds the MTU. */
void cg_net_udp(struct cg_net *net, int64_t ts_us, const struct cg_flow *flow,
		uint8_t dscp, const uint8_t *payload, size_t len,
		enum cg_packet_class cls);

/* Queues one TCP segment; the payload must fit the MSS. */
void cg_net_tcp(struct cg_net *net, int64_t ts_us, const struct cg_flow *flow,
		const struct cg_tcp_segment *seg, enum cg_packet_class cls);

/* The MSS of the flow's address family. */
size_t cg_net_mss(const struct cg_addr *a);

#endif
