/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/decode.h"

#include <arpa/inet.h>
#include <string.h>

/*
 * The decoder walks the frame one header at a time. Each layer function
 * checks that its header lies below d->end before reading it, and d->end
 * never grows past the frame length, so no input makes it read outside the
 * frame. After an IP header d->end shrinks to the end of that IP packet,
 * which keeps tunnelled headers inside their outer packet and leaves
 * Ethernet padding out.
 */

#define ETHER_HDR_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100     /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88A8     /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard outer tag */
#define ETHERTYPE_VNTAG 0x8926    /* Cisco VN-Tag */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MCAST 0x8848
#define ETHERTYPE_TEB 0x6558      /* transparent Ethernet bridging in GRE */
#define ETHERTYPE_ERSPAN_II 0x88BE
#define ETHERTYPE_ERSPAN_III 0x22EB

#define VLAN_TAG_LEN 4            /* TPID and TCI */
#define VNTAG_TAG_LEN 6           /* TPID and the 4-byte VN-Tag */
#define MPLS_LABEL_LEN 4

#define IPV4_MIN_HDR_LEN 20
#define IPV4_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1FFF
#define IPV6_HDR_LEN 40
#define IPV6_FRAG_HDR_LEN 8
#define IPV6_FRAG_OFFSET_MASK 0xFFF8
#define IPV6_FRAG_M 0x0001

#define PROTO_HOPOPTS 0
#define PROTO_IPIP 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_GRE 47
#define PROTO_AH 51
#define PROTO_DSTOPTS 60

#define UDP_HDR_LEN 8
#define TCP_MIN_HDR_LEN 20

#define GRE_MIN_HDR_LEN 4
#define GRE_FLAG_C 0x8000         /* checksum and reserved1 present */
#define GRE_FLAG_R 0x4000         /* routing present (RFC 1701) */
#define GRE_FLAG_K 0x2000         /* key present (RFC 2890) */
#define GRE_FLAG_S 0x1000         /* sequence number present (RFC 2890) */
#define GRE_VERSION_MASK 0x0007

#define ERSPAN_II_HDR_LEN 8
#define ERSPAN_III_HDR_LEN 12
#define ERSPAN_III_PLATFORM_LEN 8
#define ERSPAN_II_VERSION 1
#define ERSPAN_III_VERSION 2

#define VXLAN_HDR_LEN 8
#define VXLAN_FLAG_I 0x08

enum layer {
	LAYER_ETHER,   /* Ethernet header, then VLAN tags and VN-Tags */
	LAYER_MPLS,    /* MPLS label stack */
	LAYER_IPV4,
	LAYER_IPV6,
	LAYER_L4,      /* header of IP protocol d->proto */
	LAYER_DONE,
};

struct decoder {
	const uint8_t *frame;
	const struct decode_options *opt;
	struct decoded_pkt *out;
	uint32_t off;      /* start of the next header */
	uint32_t end;      /* end of the innermost packet found so far */
	enum layer next;
	uint8_t proto;     /* IP protocol when next is LAYER_L4 */
};

static inline uint16_t read_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static inline uint32_t read_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/* True when n bytes from offset off lie inside the current packet. */
static inline bool has_bytes(const struct decoder *d, uint32_t off, uint32_t n)
{
	return off <= d->end && d->end - off >= n;
}

static enum decode_result enter_tunnel(struct decoder *d, uint16_t encap_bit)
{
	if (d->out->tunnels >= DECODE_MAX_TUNNELS)
		return DECODE_ERR_TOO_DEEP;
	d->out->tunnels++;
	d->out->encap |= encap_bit;
	return DECODE_OK;
}

/* Chooses the next layer for an EtherType outside the Ethernet header. */
static enum decode_result dispatch_ethertype(struct decoder *d, uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		d->next = LAYER_IPV4;
		return DECODE_OK;
	case ETHERTYPE_IPV6:
		d->next = LAYER_IPV6;
		return DECODE_OK;
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		d->next = LAYER_MPLS;
		return DECODE_OK;
	default:
		return DECODE_NOT_IP;
	}
}

/*
 * Decodes the Ethernet header and any VLAN tags and VN-Tags after it. Both
 * tag kinds share the DECODE_MAX_TAGS limit, and only VLAN tags count
 * towards DECODE_ENCAP_QINQ.
 */
static enum decode_result decode_ether(struct decoder *d)
{
	unsigned int tags = 0;
	unsigned int vlan_tags = 0;
	uint32_t type_off = d->off + 12;

	if (!has_bytes(d, d->off, ETHER_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L2;

	for (;;) {
		uint16_t type = read_be16(d->frame + type_off);
		uint32_t tag_len;

		if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
		    type == ETHERTYPE_QINQ_OLD) {
			tag_len = VLAN_TAG_LEN;
			vlan_tags++;
		} else if (type == ETHERTYPE_VNTAG) {
			tag_len = VNTAG_TAG_LEN;
			d->out->encap |= DECODE_ENCAP_VNTAG;
		} else {
			d->off = type_off + 2;
			return dispatch_ethertype(d, type);
		}

		if (++tags > DECODE_MAX_TAGS)
			return DECODE_ERR_TOO_DEEP;
		if (vlan_tags >= 1)
			d->out->encap |= DECODE_ENCAP_VLAN;
		if (vlan_tags >= 2)
			d->out->encap |= DECODE_ENCAP_QINQ;

		/* The tag and the EtherType after it must both be present. */
		type_off += tag_len;
		if (!has_bytes(d, type_off, 2))
			return DECODE_ERR_TRUNCATED_L2;
	}
}

/*
 * Pops MPLS labels up to the bottom of the stack and picks IPv4 or IPv6 by
 * the first nibble after it. Any other nibble makes the frame DECODE_NOT_IP.
 *
 * NOTE: Ethernet pseudowires are not decoded. With a control word they are
 * DECODE_NOT_IP, and without one a destination MAC that starts with 4 or 6
 * is taken for an IP header and usually fails as DECODE_ERR_BAD_IP_HEADER.
 */
static enum decode_result decode_mpls(struct decoder *d)
{
	d->out->encap |= DECODE_ENCAP_MPLS;

	for (unsigned int labels = 1;; labels++) {
		if (labels > DECODE_MAX_TAGS)
			return DECODE_ERR_TOO_DEEP;
		if (!has_bytes(d, d->off, MPLS_LABEL_LEN))
			return DECODE_ERR_TRUNCATED_L2;

		bool bottom = d->frame[d->off + 2] & 0x01;

		d->off += MPLS_LABEL_LEN;
		if (bottom)
			break;
	}

	if (!has_bytes(d, d->off, 1))
		return DECODE_ERR_TRUNCATED_L3;

	switch (d->frame[d->off] >> 4) {
	case 4:
		d->next = LAYER_IPV4;
		return DECODE_OK;
	case 6:
		d->next = LAYER_IPV6;
		return DECODE_OK;
	default:
		return DECODE_NOT_IP;
	}
}

/* Clears the L4 fields and frag_hdr_offset that an outer packet may have set. */
static void clear_l4_fields(struct decoded_pkt *out)
{
	out->l4_offset = 0;
	out->payload_offset = 0;
	out->payload_len = 0;
	out->frag_hdr_offset = 0;
	out->l4_proto = 0;
	out->tcp_flags = 0;
	out->src_port = 0;
	out->dst_port = 0;
	out->tcp_seq = 0;
}

static enum decode_result decode_ipv4(struct decoder *d)
{
	struct decoded_pkt *out = d->out;
	const uint8_t *ip = d->frame + d->off;

	if (!has_bytes(d, d->off, IPV4_MIN_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L3;
	if ((ip[0] >> 4) != 4)
		return DECODE_ERR_BAD_IP_HEADER;

	uint32_t hdr_len = (uint32_t)(ip[0] & 0x0F) * 4;
	uint32_t total_len = read_be16(ip + 2);

	if (hdr_len < IPV4_MIN_HDR_LEN)
		return DECODE_ERR_BAD_IP_HEADER;
	if (!has_bytes(d, d->off, hdr_len))
		return DECODE_ERR_TRUNCATED_L3;
	if (total_len < hdr_len || !has_bytes(d, d->off, total_len))
		return DECODE_ERR_BAD_IP_LENGTH;

	clear_l4_fields(out);
	out->ip_version = 4;
	out->l3_offset = (uint16_t)d->off;
	out->l3_len = (uint16_t)hdr_len;
	out->ip_len = (uint16_t)total_len;
	out->l4_proto = ip[9];
	memset(out->src_addr, 0, sizeof(out->src_addr));
	memset(out->dst_addr, 0, sizeof(out->dst_addr));
	memcpy(out->src_addr, ip + 12, 4);
	memcpy(out->dst_addr, ip + 16, 4);

	d->end = d->off + total_len;
	d->off += hdr_len;

	uint16_t frag = read_be16(ip + 6);

	if ((frag & IPV4_MF) || (frag & IPV4_FRAG_OFFSET_MASK))
		return DECODE_FRAGMENT;

	d->proto = ip[9];
	d->next = LAYER_L4;
	return DECODE_OK;
}

/*
 * Walks the IPv6 extension headers from d->off. On return d->off is the
 * start of the L4 header and d->proto its protocol, or DECODE_FRAGMENT is
 * returned with d->off just past the fragment header.
 */
static enum decode_result skip_ipv6_ext(struct decoder *d, uint8_t next_hdr)
{
	struct decoded_pkt *out = d->out;

	for (unsigned int count = 0;; count++) {
		uint32_t ext_len;

		if (next_hdr != PROTO_HOPOPTS && next_hdr != PROTO_ROUTING &&
		    next_hdr != PROTO_DSTOPTS && next_hdr != PROTO_AH &&
		    next_hdr != PROTO_FRAGMENT)
			break;
		if (count >= DECODE_MAX_IPV6_EXT)
			return DECODE_ERR_TOO_DEEP;
		if (!has_bytes(d, d->off, 2))
			return DECODE_ERR_TRUNCATED_L3;

		const uint8_t *ext = d->frame + d->off;

		if (next_hdr == PROTO_FRAGMENT)
			ext_len = IPV6_FRAG_HDR_LEN;
		else if (next_hdr == PROTO_AH)
			ext_len = ((uint32_t)ext[1] + 2) * 4;
		else
			ext_len = ((uint32_t)ext[1] + 1) * 8;
		if (!has_bytes(d, d->off, ext_len))
			return DECODE_ERR_TRUNCATED_L3;

		if (next_hdr == PROTO_FRAGMENT) {
			uint16_t frag = read_be16(ext + 2);

			out->frag_hdr_offset = (uint16_t)d->off;
			if ((frag & IPV6_FRAG_OFFSET_MASK) || (frag & IPV6_FRAG_M)) {
				d->off += ext_len;
				out->l4_proto = ext[0];
				return DECODE_FRAGMENT;
			}
		}

		next_hdr = ext[0];
		d->off += ext_len;
	}

	d->proto = next_hdr;
	return DECODE_OK;
}

static enum decode_result decode_ipv6(struct decoder *d)
{
	struct decoded_pkt *out = d->out;
	const uint8_t *ip = d->frame + d->off;
	uint32_t l3_offset = d->off;

	if (!has_bytes(d, d->off, IPV6_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L3;
	if ((ip[0] >> 4) != 6)
		return DECODE_ERR_BAD_IP_HEADER;

	uint32_t total_len = IPV6_HDR_LEN + (uint32_t)read_be16(ip + 4);

	if (!has_bytes(d, d->off, total_len))
		return DECODE_ERR_BAD_IP_LENGTH;

	clear_l4_fields(out);
	out->ip_version = 6;
	out->l3_offset = (uint16_t)l3_offset;
	out->ip_len = (uint16_t)total_len;
	memcpy(out->src_addr, ip + 8, 16);
	memcpy(out->dst_addr, ip + 24, 16);

	d->end = l3_offset + total_len;
	d->off += IPV6_HDR_LEN;

	enum decode_result r = skip_ipv6_ext(d, ip[6]);

	out->l3_len = (uint16_t)(d->off - l3_offset);
	if (r != DECODE_OK)
		return r;

	out->l4_proto = d->proto;
	d->next = LAYER_L4;
	return DECODE_OK;
}

/*
 * Decodes the VXLAN header that starts the UDP payload and moves on to the
 * inner Ethernet frame.
 */
static enum decode_result decode_vxlan(struct decoder *d)
{
	if (!has_bytes(d, d->off, VXLAN_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L2;
	if (!(d->frame[d->off] & VXLAN_FLAG_I))
		return DECODE_ERR_BAD_TUNNEL;

	enum decode_result r = enter_tunnel(d, DECODE_ENCAP_VXLAN);

	if (r != DECODE_OK)
		return r;
	d->off += VXLAN_HDR_LEN;
	d->next = LAYER_ETHER;
	return DECODE_OK;
}

static enum decode_result decode_udp(struct decoder *d)
{
	struct decoded_pkt *out = d->out;
	const uint8_t *udp = d->frame + d->off;

	if (!has_bytes(d, d->off, UDP_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L4;

	uint32_t udp_len = read_be16(udp + 4);

	if (udp_len < UDP_HDR_LEN || !has_bytes(d, d->off, udp_len))
		return DECODE_ERR_BAD_L4_LENGTH;

	out->l4_offset = (uint16_t)d->off;
	out->src_port = read_be16(udp);
	out->dst_port = read_be16(udp + 2);
	out->payload_offset = (uint16_t)(d->off + UDP_HDR_LEN);
	out->payload_len = (uint16_t)(udp_len - UDP_HDR_LEN);

	d->end = d->off + udp_len;
	d->off += UDP_HDR_LEN;
	if (d->opt && d->opt->decap_vxlan && out->dst_port == d->opt->vxlan_port)
		return decode_vxlan(d);

	d->next = LAYER_DONE;
	return DECODE_OK;
}

static enum decode_result decode_tcp(struct decoder *d)
{
	struct decoded_pkt *out = d->out;
	const uint8_t *tcp = d->frame + d->off;

	if (!has_bytes(d, d->off, TCP_MIN_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L4;

	uint32_t hdr_len = (uint32_t)(tcp[12] >> 4) * 4;

	if (hdr_len < TCP_MIN_HDR_LEN || !has_bytes(d, d->off, hdr_len))
		return DECODE_ERR_BAD_L4_LENGTH;

	out->l4_offset = (uint16_t)d->off;
	out->src_port = read_be16(tcp);
	out->dst_port = read_be16(tcp + 2);
	out->tcp_seq = read_be32(tcp + 4);
	out->tcp_flags = tcp[13];
	out->payload_offset = (uint16_t)(d->off + hdr_len);
	out->payload_len = (uint16_t)(d->end - d->off - hdr_len);

	d->next = LAYER_DONE;
	return DECODE_OK;
}

/*
 * Decodes the ERSPAN type II or III header at d->off and moves on to the
 * mirrored Ethernet frame. The version field is the top nibble of the first
 * byte: 1 for type II, 2 for type III. In type III the O flag, the lowest
 * bit of the last header byte, announces an 8-byte platform-specific
 * subheader.
 */
static enum decode_result decode_erspan(struct decoder *d, uint16_t gre_proto)
{
	const uint8_t *hdr = d->frame + d->off;
	uint32_t hdr_len;
	unsigned int version;

	if (gre_proto == ETHERTYPE_ERSPAN_II) {
		hdr_len = ERSPAN_II_HDR_LEN;
		version = ERSPAN_II_VERSION;
		d->out->encap |= DECODE_ENCAP_ERSPAN2;
	} else {
		hdr_len = ERSPAN_III_HDR_LEN;
		version = ERSPAN_III_VERSION;
		d->out->encap |= DECODE_ENCAP_ERSPAN3;
	}

	if (!has_bytes(d, d->off, hdr_len))
		return DECODE_ERR_TRUNCATED_L2;
	if ((unsigned int)(hdr[0] >> 4) != version)
		return DECODE_ERR_BAD_TUNNEL;
	if (version == ERSPAN_III_VERSION && (hdr[ERSPAN_III_HDR_LEN - 1] & 0x01)) {
		hdr_len += ERSPAN_III_PLATFORM_LEN;
		if (!has_bytes(d, d->off, hdr_len))
			return DECODE_ERR_TRUNCATED_L2;
	}

	d->off += hdr_len;
	d->next = LAYER_ETHER;
	return DECODE_OK;
}

/*
 * Decodes a GRE header (RFC 2784 with the key and sequence number of
 * RFC 2890). Version 1 (PPTP) and the RFC 1701 routing field are rejected.
 * GRE protocol 0x88BE means ERSPAN type I when the sequence number is
 * absent and type II when it is present, as the Linux include/net/erspan.h
 * layouts show. Other GRE protocols give DECODE_NOT_IP.
 */
static enum decode_result decode_gre(struct decoder *d)
{
	const uint8_t *gre = d->frame + d->off;

	if (!has_bytes(d, d->off, GRE_MIN_HDR_LEN))
		return DECODE_ERR_TRUNCATED_L2;

	uint16_t flags = read_be16(gre);
	uint16_t proto = read_be16(gre + 2);
	uint32_t hdr_len = GRE_MIN_HDR_LEN;

	if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_FLAG_R))
		return DECODE_ERR_BAD_TUNNEL;
	if (flags & GRE_FLAG_C)
		hdr_len += 4;
	if (flags & GRE_FLAG_K)
		hdr_len += 4;
	if (flags & GRE_FLAG_S)
		hdr_len += 4;
	if (!has_bytes(d, d->off, hdr_len))
		return DECODE_ERR_TRUNCATED_L2;

	enum decode_result r = enter_tunnel(d, DECODE_ENCAP_GRE);

	if (r != DECODE_OK)
		return r;
	d->off += hdr_len;

	switch (proto) {
	case ETHERTYPE_TEB:
		d->next = LAYER_ETHER;
		return DECODE_OK;
	case ETHERTYPE_ERSPAN_II:
		if (!(flags & GRE_FLAG_S)) {
			d->out->encap |= DECODE_ENCAP_ERSPAN1;
			d->next = LAYER_ETHER;
			return DECODE_OK;
		}
		return decode_erspan(d, proto);
	case ETHERTYPE_ERSPAN_III:
		return decode_erspan(d, proto);
	default:
		return dispatch_ethertype(d, proto);
	}
}

/* Decodes the header of IP protocol d->proto, peeling it if it is a tunnel. */
static enum decode_result decode_l4(struct decoder *d)
{
	struct decoded_pkt *out = d->out;
	enum decode_result r;

	switch (d->proto) {
	case PROTO_UDP:
		return decode_udp(d);
	case PROTO_TCP:
		return decode_tcp(d);
	case PROTO_GRE:
		return decode_gre(d);
	case PROTO_IPIP:
	case PROTO_IPV6:
		r = enter_tunnel(d, DECODE_ENCAP_IPIP);
		if (r != DECODE_OK)
			return r;
		d->next = d->proto == PROTO_IPIP ? LAYER_IPV4 : LAYER_IPV6;
		return DECODE_OK;
	default:
		/* ICMP, SCTP, ESP, no next header and the rest: no ports. */
		out->l4_offset = (uint16_t)d->off;
		out->payload_offset = (uint16_t)d->off;
		out->payload_len = (uint16_t)(d->end - d->off);
		d->next = LAYER_DONE;
		return DECODE_OK;
	}
}

static enum decode_result run_decoder(struct decoder *d)
{
	enum decode_result r = DECODE_OK;

	while (r == DECODE_OK && d->next != LAYER_DONE) {
		switch (d->next) {
		case LAYER_ETHER:
			r = decode_ether(d);
			break;
		case LAYER_MPLS:
			r = decode_mpls(d);
			break;
		case LAYER_IPV4:
			r = decode_ipv4(d);
			break;
		case LAYER_IPV6:
			r = decode_ipv6(d);
			break;
		case LAYER_L4:
			r = decode_l4(d);
			break;
		case LAYER_DONE:
			break;
		}
	}
	return r;
}

/*
 * Sets up a decoder over the first len bytes. Offsets in decoded_pkt are
 * 16-bit, so bytes past 65535 are not looked at.
 */
static void init_decoder(struct decoder *d, const uint8_t *frame, uint32_t len,
			 const struct decode_options *opt,
			 struct decoded_pkt *out)
{
	memset(out, 0, sizeof(*out));
	d->frame = frame;
	d->opt = opt;
	d->out = out;
	d->off = 0;
	d->end = len > UINT16_MAX ? UINT16_MAX : len;
	d->next = LAYER_ETHER;
	d->proto = 0;
}

enum decode_result decode_frame_layered(const uint8_t *frame, uint32_t len,
					const struct decode_options *opt,
					struct decoded_pkt *out)
{
	struct decoder d;

	init_decoder(&d, frame, len, opt, out);
	return run_decoder(&d);
}

/* Fills the L3 part of out for an option-less IPv4 header after Ethernet. */
static inline void fill_fast_ipv4(const uint8_t *ip, uint32_t total_len,
				  struct decoded_pkt *out)
{
	static const uint8_t zero[12];

	out->l3_offset = ETHER_HDR_LEN;
	out->l3_len = IPV4_MIN_HDR_LEN;
	out->ip_len = (uint16_t)total_len;
	out->frag_hdr_offset = 0;
	out->encap = 0;
	out->ip_version = 4;
	out->l4_proto = ip[9];
	out->tunnels = 0;
	memcpy(out->src_addr, ip + 12, 4);
	memcpy(out->src_addr + 4, zero, sizeof(zero));
	memcpy(out->dst_addr, ip + 16, 4);
	memcpy(out->dst_addr + 4, zero, sizeof(zero));
}

/*
 * Decodes the common case in a straight line: untagged Ethernet, IPv4
 * without options or fragmentation, then UDP (not VXLAN) or TCP. Returns
 * false for anything else, and for anything invalid, so that the layered
 * decoder handles and reports it. Both produce the same decoded_pkt.
 *
 * UDP and TCP are mixed at random on a tap, so the two are decoded with
 * conditional moves rather than branches: the ports sit at the same offsets
 * and only the header length and the TCP fields differ.
 */
static inline bool decode_fast(const uint8_t *frame, uint32_t len,
			       const struct decode_options *opt,
			       struct decoded_pkt *out)
{
	const uint32_t l4_off = ETHER_HDR_LEN + IPV4_MIN_HDR_LEN;

	/* Room for a minimal TCP header, so both views can be read. */
	if (len < l4_off + TCP_MIN_HDR_LEN || len > UINT16_MAX)
		return false;
	if (read_be16(frame + 12) != ETHERTYPE_IPV4)
		return false;

	const uint8_t *ip = frame + ETHER_HDR_LEN;
	uint32_t total_len = read_be16(ip + 2);
	uint16_t frag = read_be16(ip + 6);
	uint8_t proto = ip[9];
	if (ip[0] != 0x45 || total_len > len - ETHER_HDR_LEN ||
	    (frag & (IPV4_MF | IPV4_FRAG_OFFSET_MASK)) != 0 ||
	    (proto != PROTO_UDP && proto != PROTO_TCP))
		return false;

	const uint8_t *l4 = ip + IPV4_MIN_HDR_LEN;
	bool udp = proto == PROTO_UDP;
	uint32_t avail = total_len >= IPV4_MIN_HDR_LEN ? total_len - IPV4_MIN_HDR_LEN : 0;
	uint32_t tcp_hdr_len = (uint32_t)(l4[12] >> 4) * 4;
	uint32_t hdr_len = udp ? UDP_HDR_LEN : tcp_hdr_len;
	uint32_t l4_len = udp ? read_be16(l4 + 4) : avail;
	uint32_t min_hdr = udp ? UDP_HDR_LEN : TCP_MIN_HDR_LEN;
	uint16_t dst_port = read_be16(l4 + 2);
	bool vxlan = udp && opt != NULL && opt->decap_vxlan && dst_port == opt->vxlan_port;

	if (total_len < IPV4_MIN_HDR_LEN || avail < min_hdr || hdr_len < min_hdr ||
	    l4_len < hdr_len || l4_len > avail || vxlan)
		return false;

	out->l4_offset = (uint16_t)l4_off;
	out->payload_offset = (uint16_t)(l4_off + hdr_len);
	out->payload_len = (uint16_t)(l4_len - hdr_len);
	out->src_port = read_be16(l4);
	out->dst_port = dst_port;
	out->tcp_seq = udp ? 0 : read_be32(l4 + 4);
	out->tcp_flags = udp ? 0 : l4[13];
	fill_fast_ipv4(ip, total_len, out);
	return true;
}

enum decode_result decode_frame(const uint8_t *frame, uint32_t len,
				const struct decode_options *opt,
				struct decoded_pkt *out)
{
	if (decode_fast(frame, len, opt, out))
		return DECODE_OK;
	return decode_frame_layered(frame, len, opt, out);
}

enum decode_result decode_ip(const uint8_t *frame, uint32_t len,
			     uint32_t l3_offset,
			     const struct decode_options *opt,
			     struct decoded_pkt *out)
{
	struct decoder d;

	init_decoder(&d, frame, len, opt, out);
	if (!has_bytes(&d, l3_offset, 1))
		return DECODE_ERR_TRUNCATED_L3;

	d.off = l3_offset;
	switch (frame[l3_offset] >> 4) {
	case 4:
		d.next = LAYER_IPV4;
		break;
	case 6:
		d.next = LAYER_IPV6;
		break;
	default:
		return DECODE_ERR_BAD_IP_HEADER;
	}
	return run_decoder(&d);
}

const char *decode_result_name(enum decode_result r)
{
	static const char *const names[DECODE_RESULT_COUNT] = {
		[DECODE_OK] = "ok",
		[DECODE_NOT_IP] = "not_ip",
		[DECODE_FRAGMENT] = "fragment",
		[DECODE_ERR_TRUNCATED_L2] = "truncated_l2",
		[DECODE_ERR_TRUNCATED_L3] = "truncated_l3",
		[DECODE_ERR_TRUNCATED_L4] = "truncated_l4",
		[DECODE_ERR_BAD_IP_HEADER] = "bad_ip_header",
		[DECODE_ERR_BAD_IP_LENGTH] = "bad_ip_length",
		[DECODE_ERR_BAD_L4_LENGTH] = "bad_l4_length",
		[DECODE_ERR_TOO_DEEP] = "too_deep",
		[DECODE_ERR_BAD_TUNNEL] = "bad_tunnel",
	};

	if ((unsigned int)r >= DECODE_RESULT_COUNT)
		return "unknown";
	return names[r];
}
