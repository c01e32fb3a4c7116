/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/packet.h"

#include <string.h>

#define ETH_HDR 14
#define IPV4_HDR 20
#define IPV6_HDR 40
#define IPV6_FRAG_HDR 8
#define UDP_HDR 8
#define TCP_HDR 20
#define TCP_MSS_OPTION 4
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6_FRAGMENT 44
#define IPV4_DF 0x4000
#define IPV4_MF 0x2000
#define TTL 64

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adds bytes to a ones' complement sum (RFC 1071). */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum of a UDP or TCP header and payload with the pseudo-header. */
static uint16_t transport_checksum(const struct cg_flow *flow, uint8_t proto,
				   const uint8_t *l4, size_t len)
{
	size_t addr_len = flow->src->family == 6 ? 16 : 4;
	uint32_t sum = 0;

	sum = sum_bytes(sum, flow->src->bytes, addr_len);
	sum = sum_bytes(sum, flow->dst->bytes, addr_len);
	sum += proto;
	sum += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
	sum = sum_bytes(sum, l4, len);
	return fold(sum);
}

size_t cg_net_mss(const struct cg_addr *a)
{
	return a->family == 6 ? CG_TCP_MSS_V6 : CG_TCP_MSS_V4;
}

static uint8_t *put_ethernet(uint8_t *frame, const struct cg_flow *flow)
{
	cg_addr_mac(flow->dst, frame);
	cg_addr_mac(flow->src, frame + 6);
	put16(frame + 12, flow->src->family == 6 ? 0x86dd : 0x0800);
	return frame + ETH_HDR;
}

static void put_ipv4(uint8_t *ip, const struct cg_flow *flow, uint8_t dscp,
		     uint8_t proto, size_t payload_len, uint16_t id,
		     uint16_t flags_offset)
{
	ip[0] = 0x45;
	ip[1] = (uint8_t)(dscp << 2);
	put16(ip + 2, (uint16_t)(IPV4_HDR + payload_len));
	put16(ip + 4, id);
	put16(ip + 6, flags_offset);
	ip[8] = TTL;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, flow->src->bytes, 4);
	memcpy(ip + 16, flow->dst->bytes, 4);
	put16(ip + 10, fold(sum_bytes(0, ip, IPV4_HDR)));
}

static void put_ipv6(uint8_t *ip, const struct cg_flow *flow, uint8_t dscp,
		     uint8_t next_header, size_t payload_len)
{
	put32(ip, 0x60000000u | (uint32_t)dscp << 22);
	put16(ip + 4, (uint16_t)payload_len);
	ip[6] = next_header;
	ip[7] = TTL;
	memcpy(ip + 8, flow->src->bytes, 16);
	memcpy(ip + 24, flow->dst->bytes, 16);
}

/* Queues one frame carrying an IP packet with the given L4 bytes. */
static void queue_ip(struct cg_net *net, int64_t ts_us, const struct cg_flow *flow,
		     uint8_t dscp, uint8_t proto, const uint8_t *l4, size_t len,
		     uint16_t ipv4_flags)
{
	size_t ip_hdr = flow->src->family == 6 ? IPV6_HDR : IPV4_HDR;
	uint8_t *frame = cg_pcap_queue(net->pcap, ts_us, ETH_HDR + ip_hdr + len);
	uint8_t *ip;

	if (frame == NULL)
		return;
	ip = put_ethernet(frame, flow);
	if (flow->src->family == 6)
		put_ipv6(ip, flow, dscp, proto, len);
	else
		put_ipv4(ip, flow, dscp, proto, len, (uint16_t)net->ip_id++, ipv4_flags);
	memcpy(ip + ip_hdr, l4, len);
}

/* Sends an IPv4 datagram too large for the MTU as fragments whose data
 * lengths are multiples of 8 bytes, all at the same timestamp. */
static void fragment_ipv4(struct cg_net *net, int64_t ts_us,
			  const struct cg_flow *flow, uint8_t dscp,
			  const uint8_t *l4, size_t len)
{
	size_t max_data = (CG_MTU - IPV4_HDR) & ~(size_t)7;
	uint16_t id = (uint16_t)net->ip_id++;

	for (size_t offset = 0; offset < len; offset += max_data) {
		size_t chunk = len - offset < max_data ? len - offset : max_data;
		bool more = offset + chunk < len;
		uint8_t *frame = cg_pcap_queue(net->pcap, ts_us, ETH_HDR + IPV4_HDR + chunk);

		if (frame == NULL)
			return;
		uint8_t *ip = put_ethernet(frame, flow);

		put_ipv4(ip, flow, dscp, PROTO_UDP, chunk, id,
			 (uint16_t)((more ? IPV4_MF : 0) | (offset / 8)));
		memcpy(ip + IPV4_HDR, l4 + offset, chunk);
	}
}

/* The same with the IPv6 Fragment header (RFC 8200 4.5). */
static void fragment_ipv6(struct cg_net *net, int64_t ts_us,
			  const struct cg_flow *flow, uint8_t dscp,
			  const uint8_t *l4, size_t len)
{
	size_t max_data = (CG_MTU - IPV6_HDR - IPV6_FRAG_HDR) & ~(size_t)7;
	uint32_t id = net->ip_id++;

	for (size_t offset = 0; offset < len; offset += max_data) {
		size_t chunk = len - offset < max_data ? len - offset : max_data;
		bool more = offset + chunk < len;
		size_t ip_len = IPV6_HDR + IPV6_FRAG_HDR + chunk;
		uint8_t *frame = cg_pcap_queue(net->pcap, ts_us, ETH_HDR + ip_len);

		if (frame == NULL)
			return;
		uint8_t *ip = put_ethernet(frame, flow);
		uint8_t *frag = ip + IPV6_HDR;

		put_ipv6(ip, flow, dscp, PROTO_IPV6_FRAGMENT, IPV6_FRAG_HDR + chunk);
		frag[0] = PROTO_UDP;
		frag[1] = 0;
		put16(frag + 2, (uint16_t)(offset | (more ? 1 : 0)));
		put32(frag + 4, id);
		memcpy(frag + IPV6_FRAG_HDR, l4 + offset, chunk);
	}
}

void cg_net_udp(struct cg_net *net, int64_t ts_us, const struct cg_flow *flow,
		uint8_t dscp, const uint8_t *payload, size_t len,
		enum cg_packet_class cls)
{
	uint8_t datagram[UDP_HDR + 65507];
	size_t ip_hdr = flow->src->family == 6 ? IPV6_HDR : IPV4_HDR;
	size_t total = UDP_HDR + len;
	uint16_t csum;

	if (len > sizeof(datagram) - UDP_HDR)
		return;
	put16(datagram, flow->sport);
	put16(datagram + 2, flow->dport);
	put16(datagram + 4, (uint16_t)total);
	put16(datagram + 6, 0);
	if (len > 0)
		memcpy(datagram + UDP_HDR, payload, len);
	csum = transport_checksum(flow, PROTO_UDP, datagram, total);
	put16(datagram + 6, csum == 0 ? 0xffff : csum);

	net->frames[cls]++;
	if (ip_hdr + total <= CG_MTU)
		queue_ip(net, ts_us, flow, dscp, PROTO_UDP, datagram, total, 0);
	else if (flow->src->family == 6)
		fragment_ipv6(net, ts_us, flow, dscp, datagram, total);
	else
		fragment_ipv4(net, ts_us, flow, dscp, datagram, total);
}

void cg_net_tcp(struct cg_net *net, int64_t ts_us, const struct cg_flow *flow,
		const struct cg_tcp_segment *seg, enum cg_packet_class cls)
{
	uint8_t segment[TCP_HDR + TCP_MSS_OPTION + CG_MTU];
	size_t hdr = TCP_HDR + (seg->mss_option ? TCP_MSS_OPTION : 0);
	size_t total = hdr + seg->len;

	if (seg->len > CG_MTU)
		return;
	put16(segment, flow->sport);
	put16(segment + 2, flow->dport);
	put32(segment + 4, seg->seq);
	put32(segment + 8, seg->ack);
	segment[12] = (uint8_t)((hdr / 4) << 4);
	segment[13] = seg->flags;
	put16(segment + 14, seg->window);
	put16(segment + 16, 0);
	put16(segment + 18, 0);
	if (seg->mss_option) {
		segment[20] = 2;
		segment[21] = 4;
		put16(segment + 22, (uint16_t)cg_net_mss(flow->src));
	}
	if (seg->len > 0)
		memcpy(segment + hdr, seg->payload, seg->len);
	put16(segment + 16, transport_checksum(flow, PROTO_TCP, segment, total));

	net->frames[cls]++;
	queue_ip(net, ts_us, flow, seg->dscp, PROTO_TCP, segment, total, IPV4_DF);
}
