/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_DECODE_H
#define LIME_DATAPLANE_DECODE_H

/*
 * Frame decode from Ethernet down to UDP or TCP.
 *
 * The decoder works on plain bytes and has no DPDK dependency, so unit tests
 * and the fuzz harness drive it directly. It peels VLAN tags, VN-Tags, MPLS
 * labels and the tunnels that mirrored traffic arrives in (GRE, ERSPAN
 * types I, II and III, VXLAN), and reports the innermost IP packet.
 */

#include <stdbool.h>
#include <stdint.h>

/* Maximum number of tunnels peeled before a frame is rejected. */
#define DECODE_MAX_TUNNELS 4
/*
 * Maximum number of VLAN tags and VN-Tags in one Ethernet header, and of
 * labels in one MPLS label stack.
 */
#define DECODE_MAX_TAGS 8
/* Maximum number of IPv6 extension headers followed. */
#define DECODE_MAX_IPV6_EXT 8

#define DECODE_VXLAN_PORT_DEFAULT 4789

enum decode_result {
	DECODE_OK = 0,
	DECODE_NOT_IP,             /* ARP, LLDP and other non-IP frames */
	DECODE_FRAGMENT,           /* IP fragment: L4 fields not set */
	DECODE_ERR_TRUNCATED_L2,   /* Ethernet, tag or tunnel header cut short */
	DECODE_ERR_TRUNCATED_L3,   /* IP header or extension header cut short */
	DECODE_ERR_TRUNCATED_L4,   /* UDP or TCP header cut short */
	DECODE_ERR_BAD_IP_HEADER,  /* version, IHL or header checks failed */
	DECODE_ERR_BAD_IP_LENGTH,  /* total or payload length beyond the frame */
	DECODE_ERR_BAD_L4_LENGTH,  /* UDP length or TCP data offset invalid */
	DECODE_ERR_TOO_DEEP,       /* too many tunnels, tags or extension headers */
	DECODE_ERR_BAD_TUNNEL,     /* GRE, ERSPAN or VXLAN header invalid */
	DECODE_RESULT_COUNT
};

/* Bits of decoded_pkt.encap: what was peeled on the way in. */
#define DECODE_ENCAP_VLAN    (1u << 0)
#define DECODE_ENCAP_QINQ    (1u << 1)  /* two or more tags */
#define DECODE_ENCAP_GRE     (1u << 2)  /* also set for ERSPAN */
#define DECODE_ENCAP_ERSPAN1 (1u << 3)
#define DECODE_ENCAP_ERSPAN2 (1u << 4)
#define DECODE_ENCAP_ERSPAN3 (1u << 5)
#define DECODE_ENCAP_VXLAN   (1u << 6)
#define DECODE_ENCAP_VNTAG   (1u << 7)
#define DECODE_ENCAP_MPLS    (1u << 8)
#define DECODE_ENCAP_IPIP    (1u << 9)  /* IPv4 or IPv6 in IP, protocol 4 or 41 */

/* A NULL options pointer turns VXLAN decapsulation off. */
struct decode_options {
	uint16_t vxlan_port;        /* UDP destination port of VXLAN, host order */
	bool decap_vxlan;           /* peel VXLAN on vxlan_port */
};

/*
 * Decoded view of one frame. Offsets count from the first byte of the frame.
 * Addresses are in network byte order; an IPv4 address fills the first four
 * bytes and the rest is zero. Ports are in host byte order.
 *
 * After a tunnel every field except encap and tunnels describes the
 * innermost packet. On DECODE_NOT_IP and the error results only encap and
 * tunnels are meaningful.
 *
 * On DECODE_FRAGMENT the L3 fields, addresses and l4_proto (the protocol of
 * the fragmented datagram) are set and the other L4 fields are zero. For an
 * IPv6 fragment l3_len runs up to and including the fragment header.
 *
 * For a protocol other than UDP and TCP, l4_offset and payload_offset both
 * point at its header, payload_len covers the rest of the IP packet, and
 * the ports are zero.
 */
struct decoded_pkt {
	uint16_t l3_offset;        /* innermost IP header */
	uint16_t l3_len;           /* IP header plus extension headers */
	uint16_t l4_offset;        /* UDP or TCP header; 0 for fragments */
	uint16_t payload_offset;   /* first byte after the UDP or TCP header */
	uint16_t payload_len;      /* bytes of L4 payload, Ethernet padding excluded */
	uint16_t ip_len;           /* IP total length (IPv6: header + payload) */
	uint16_t frag_hdr_offset;  /* IPv6 fragment header, atomic ones too, or 0 */
	uint16_t encap;            /* DECODE_ENCAP_* bits */
	uint8_t ip_version;        /* 4 or 6 */
	uint8_t l4_proto;          /* IPPROTO_UDP, IPPROTO_TCP, or another */
	uint8_t tcp_flags;
	uint8_t tunnels;           /* number of tunnels peeled */
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t tcp_seq;          /* host order */
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
};

/*
 * Decode a frame that starts with an Ethernet header. IP checksums are not
 * verified. Offsets are 16-bit, so bytes after the first 65535 are ignored.
 */
enum decode_result decode_frame(const uint8_t *frame, uint32_t len,
				const struct decode_options *opt,
				struct decoded_pkt *out);

/*
 * Decode a frame layer by layer, without decode_frame's straight-line path
 * for untagged IPv4 UDP and TCP. Tests use it to check that both paths
 * give the same result.
 */
enum decode_result decode_frame_layered(const uint8_t *frame, uint32_t len,
					const struct decode_options *opt,
					struct decoded_pkt *out);

/*
 * Decode from an IP header at l3_offset, for example a reassembled
 * datagram. Tunnels inside it are still peeled.
 */
enum decode_result decode_ip(const uint8_t *frame, uint32_t len,
			     uint32_t l3_offset,
			     const struct decode_options *opt,
			     struct decoded_pkt *out);

/*
 * Name of a result, as used in counters and the summary ("truncated_l2"),
 * or "unknown" for a value outside the enum.
 */
const char *decode_result_name(enum decode_result r);

#endif
