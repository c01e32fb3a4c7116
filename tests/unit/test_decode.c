/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/decode.h"

/*
 * Frames are built byte by byte. A header whose length field depends on what
 * follows is written with a zero length, and its *_done() helper fills the
 * length in once the rest of the packet is in place.
 */
struct builder {
	uint8_t buf[2048];
	size_t len;
};

static const uint8_t outer_src4[4] = {10, 0, 0, 1};
static const uint8_t outer_dst4[4] = {10, 0, 0, 2};
static const uint8_t inner_src4[4] = {192, 0, 2, 1};
static const uint8_t inner_dst4[4] = {192, 0, 2, 2};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const char sip_invite[] = "INVITE sip:bob@example.com SIP/2.0\r\n";

#define SIP_LEN (sizeof(sip_invite) - 1)

static const struct decode_options vxlan_on = {
	.vxlan_port = DECODE_VXLAN_PORT_DEFAULT,
	.decap_vxlan = true,
};

static void put8(struct builder *b, uint8_t v)
{
	assert_true(b->len < sizeof(b->buf));
	b->buf[b->len++] = v;
}

static void put16(struct builder *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void put32(struct builder *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void put_bytes(struct builder *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_zeros(struct builder *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(b, 0);
}

static void set16(struct builder *b, size_t off, uint16_t v)
{
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}

/* Destination and source MAC, then the EtherType or TPID. */
static void eth(struct builder *b, uint16_t type)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02,
	};

	put_bytes(b, macs, sizeof(macs));
	put16(b, type);
}

/* TCI of a VLAN tag and the EtherType after it. */
static void vlan(struct builder *b, uint16_t vid, uint16_t next_type)
{
	put16(b, vid);
	put16(b, next_type);
}

static void vntag(struct builder *b, uint16_t next_type)
{
	put32(b, 0x00010002);
	put16(b, next_type);
}

static void mpls(struct builder *b, uint32_t label, bool bottom)
{
	put32(b, label << 12 | (bottom ? 0x100u : 0) | 64);
}

static size_t ipv4_hdr(struct builder *b, uint8_t proto, const uint8_t *src,
		       const uint8_t *dst)
{
	size_t start = b->len;

	put8(b, 0x45);
	put8(b, 0);
	put16(b, 0);            /* total length, set by ipv4_done() */
	put16(b, 0x1234);
	put16(b, 0x4000);       /* DF */
	put8(b, 64);
	put8(b, proto);
	put16(b, 0);
	put_bytes(b, src, 4);
	put_bytes(b, dst, 4);
	return start;
}

static size_t ipv4(struct builder *b, uint8_t proto)
{
	return ipv4_hdr(b, proto, outer_src4, outer_dst4);
}

static void ipv4_done(struct builder *b, size_t start)
{
	set16(b, start + 2, (uint16_t)(b->len - start));
}

static size_t ipv6(struct builder *b, uint8_t next)
{
	size_t start = b->len;

	put32(b, 0x60000000);
	put16(b, 0);            /* payload length, set by ipv6_done() */
	put8(b, next);
	put8(b, 64);
	put_bytes(b, src6, 16);
	put_bytes(b, dst6, 16);
	return start;
}

static void ipv6_done(struct builder *b, size_t start)
{
	set16(b, start + 4, (uint16_t)(b->len - start - 40));
}

/* Hop-by-hop or destination options header of (units + 1) * 8 bytes. */
static void ipv6_opts(struct builder *b, uint8_t next, uint8_t units)
{
	put8(b, next);
	put8(b, units);
	put_zeros(b, (size_t)units * 8 + 6);
}

/* IPv6 fragment header with the fragment offset given in 8-byte units. */
static void ipv6_frag(struct builder *b, uint8_t next, uint16_t offset_units,
		      bool more)
{
	put8(b, next);
	put8(b, 0);
	put16(b, (uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	put32(b, 0xabcdef01);
}

static size_t udp(struct builder *b, uint16_t sport, uint16_t dport)
{
	size_t start = b->len;

	put16(b, sport);
	put16(b, dport);
	put16(b, 0);            /* length, set by udp_done() */
	put16(b, 0);
	return start;
}

static void udp_done(struct builder *b, size_t start)
{
	set16(b, start + 4, (uint16_t)(b->len - start));
}

static void tcp(struct builder *b, uint32_t seq, uint8_t flags, uint8_t data_offset)
{
	put16(b, 40000);
	put16(b, 5060);
	put32(b, seq);
	put32(b, 0);
	put8(b, (uint8_t)(data_offset << 4));
	put8(b, flags);
	put16(b, 65535);
	put32(b, 0);
	if (data_offset > 5)
		put_zeros(b, ((size_t)data_offset - 5) * 4);
}

static void gre(struct builder *b, uint16_t flags, uint16_t proto)
{
	put16(b, flags);
	put16(b, proto);
	if (flags & 0x8000)
		put32(b, 0);            /* checksum and reserved1 */
	if (flags & 0x2000)
		put32(b, 0x0000beef);   /* key */
	if (flags & 0x1000)
		put32(b, 7);            /* sequence number */
}

static void erspan2(struct builder *b, uint8_t version)
{
	put16(b, (uint16_t)(version << 12 | 10));   /* version and VLAN */
	put16(b, 0x0001);                           /* session id */
	put32(b, 0);                                /* index */
}

static void erspan3(struct builder *b, uint8_t version, bool platform)
{
	put16(b, (uint16_t)(version << 12 | 10));
	put16(b, 0x0001);
	put32(b, 0x11223344);                       /* timestamp */
	put16(b, 0);                                /* security group tag */
	put8(b, 0);
	put8(b, platform ? 0x01 : 0x00);            /* O flag in the lowest bit */
	if (platform)
		put_zeros(b, 8);
}

static void vxlan(struct builder *b, uint8_t flags)
{
	put8(b, flags);
	put_zeros(b, 3);
	put32(b, 100 << 8);                         /* VNI 100 */
}

static void sip_payload(struct builder *b)
{
	put_bytes(b, sip_invite, SIP_LEN);
}

/* Inner IPv4/UDP SIP packet between 192.0.2.1 and 192.0.2.2. */
static void inner_sip4(struct builder *b)
{
	size_t ip = ipv4_hdr(b, 17, inner_src4, inner_dst4);
	size_t u = udp(b, 5060, 5060);

	sip_payload(b);
	udp_done(b, u);
	ipv4_done(b, ip);
}

/* Ethernet frame with an IPv4/UDP SIP packet from 10.0.0.1 to 10.0.0.2. */
static void sip4_frame(struct builder *b)
{
	eth(b, 0x0800);

	size_t ip = ipv4(b, 17);
	size_t u = udp(b, 5062, 5060);

	sip_payload(b);
	udp_done(b, u);
	ipv4_done(b, ip);
}

static enum decode_result run(const struct builder *b, struct decoded_pkt *pkt)
{
	return decode_frame(b->buf, (uint32_t)b->len, NULL, pkt);
}

/* Checks the fields of the inner SIP packet whose IP header is at l3_offset. */
static void assert_inner_sip4(const struct decoded_pkt *pkt, uint16_t l3_offset)
{
	assert_int_equal(pkt->l3_offset, l3_offset);
	assert_int_equal(pkt->l3_len, 20);
	assert_int_equal(pkt->l4_offset, l3_offset + 20);
	assert_int_equal(pkt->payload_offset, l3_offset + 28);
	assert_int_equal(pkt->payload_len, SIP_LEN);
	assert_int_equal(pkt->ip_version, 4);
	assert_int_equal(pkt->l4_proto, 17);
	assert_int_equal(pkt->dst_port, 5060);
	assert_memory_equal(pkt->src_addr, inner_src4, 4);
	assert_memory_equal(pkt->dst_addr, inner_dst4, 4);
}

static void test_ipv4_udp_sip(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;
	static const uint8_t zeros[12] = {0};

	sip4_frame(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_offset, 14);
	assert_int_equal(pkt.l3_len, 20);
	assert_int_equal(pkt.ip_len, 28 + SIP_LEN);
	assert_int_equal(pkt.l4_offset, 34);
	assert_int_equal(pkt.payload_offset, 42);
	assert_int_equal(pkt.payload_len, SIP_LEN);
	assert_int_equal(pkt.ip_version, 4);
	assert_int_equal(pkt.l4_proto, 17);
	assert_int_equal(pkt.src_port, 5062);
	assert_int_equal(pkt.dst_port, 5060);
	assert_int_equal(pkt.encap, 0);
	assert_int_equal(pkt.tunnels, 0);
	assert_int_equal(pkt.frag_hdr_offset, 0);
	assert_memory_equal(pkt.src_addr, outer_src4, 4);
	assert_memory_equal(pkt.dst_addr, outer_dst4, 4);
	assert_memory_equal(pkt.src_addr + 4, zeros, 12);
	assert_memory_equal(pkt.dst_addr + 4, zeros, 12);
	assert_memory_equal(b.buf + pkt.payload_offset, sip_invite, SIP_LEN);
}

static void test_vlan_8021q(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 18);
	assert_int_equal(pkt.encap, DECODE_ENCAP_VLAN);
}

/* Two VLAN tags with the given outer TPID and an inner 0x8100 tag. */
static void check_qinq(uint16_t outer_tpid)
{
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, outer_tpid);
	vlan(&b, 200, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 22);
	assert_int_equal(pkt.encap, DECODE_ENCAP_VLAN | DECODE_ENCAP_QINQ);
}

static void test_qinq_88a8(void **state)
{
	(void)state;
	check_qinq(0x88A8);
}

static void test_qinq_9100(void **state)
{
	(void)state;
	check_qinq(0x9100);
}

static void test_qinq_8100_8100(void **state)
{
	(void)state;
	check_qinq(0x8100);
}

static void test_vlan_max_tags(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8100);
	for (int i = 0; i < DECODE_MAX_TAGS - 1; i++)
		vlan(&b, 100, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 4 * DECODE_MAX_TAGS);
}

static void test_vntag(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8926);
	vntag(&b, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 20);
	assert_int_equal(pkt.encap, DECODE_ENCAP_VNTAG);
}

static void test_vntag_then_vlan(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8926);
	vntag(&b, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 24);
	assert_int_equal(pkt.encap, DECODE_ENCAP_VNTAG | DECODE_ENCAP_VLAN);
}

static void test_mpls_two_labels(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8847);
	mpls(&b, 1000, false);
	mpls(&b, 2000, true);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 22);
	assert_int_equal(pkt.encap, DECODE_ENCAP_MPLS);
}

static void test_mpls_ipv6(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8848);
	mpls(&b, 1000, true);

	size_t ip = ipv6(&b, 17);
	size_t u = udp(&b, 5060, 5060);

	sip_payload(&b);
	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.ip_version, 6);
	assert_int_equal(pkt.l3_offset, 18);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void test_mpls_not_ip(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8847);
	mpls(&b, 1000, true);
	put32(&b, 0);           /* pseudowire control word */
	put_zeros(&b, 40);

	assert_int_equal(run(&b, &pkt), DECODE_NOT_IP);
	assert_int_equal(pkt.encap, DECODE_ENCAP_MPLS);
}

static void test_gre_key_seq(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x2000 | 0x1000, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 12);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_gre_checksum_teb(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x8000, 0x6558);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 8 + 14);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE);
}

static void test_gre_unknown_proto(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0, 0x880B);     /* PPP */
	put_zeros(&b, 20);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_NOT_IP);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_gre_mpls(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0, 0x8847);
	mpls(&b, 1000, true);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 4 + 4);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE | DECODE_ENCAP_MPLS);
}

static void test_erspan1(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0, 0x88BE);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 4 + 14);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN1);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_erspan2(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x88BE);
	erspan2(&b, 1);
	eth(&b, 0x8100);
	vlan(&b, 10, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 8 + 8 + 18);
	assert_int_equal(pkt.encap,
			 DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN2 | DECODE_ENCAP_VLAN);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_erspan3(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x22EB);
	erspan3(&b, 2, false);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 8 + 12 + 14);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN3);
}

static void test_erspan3_platform(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x22EB);
	erspan3(&b, 2, true);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 8 + 20 + 14);
	assert_int_equal(pkt.encap, DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN3);
}

static void build_vxlan(struct builder *b, uint8_t vxlan_flags)
{
	eth(b, 0x0800);

	size_t outer = ipv4(b, 17);
	size_t u = udp(b, 50000, DECODE_VXLAN_PORT_DEFAULT);

	vxlan(b, vxlan_flags);
	eth(b, 0x0800);
	inner_sip4(b);
	udp_done(b, u);
	ipv4_done(b, outer);
}

static void test_vxlan(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_vxlan(&b, 0x08);

	assert_int_equal(decode_frame(b.buf, (uint32_t)b.len, &vxlan_on, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 20 + 8 + 8 + 14);
	assert_int_equal(pkt.src_port, 5060);
	assert_int_equal(pkt.encap, DECODE_ENCAP_VXLAN);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_vxlan_decap_off(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_vxlan(&b, 0x08);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_offset, 14);
	assert_int_equal(pkt.dst_port, DECODE_VXLAN_PORT_DEFAULT);
	assert_int_equal(pkt.payload_offset, 42);
	assert_int_equal(pkt.tunnels, 0);
}

static void test_vxlan_no_i_flag(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_vxlan(&b, 0x00);

	assert_int_equal(decode_frame(b.buf, (uint32_t)b.len, &vxlan_on, &pkt),
			 DECODE_ERR_BAD_TUNNEL);
}

static void test_vxlan_inner_past_udp(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_vxlan(&b, 0x08);
	set16(&b, 38, (uint16_t)(b.len - 34 - 1));   /* UDP ends one byte early */

	assert_int_equal(decode_frame(b.buf, (uint32_t)b.len, &vxlan_on, &pkt),
			 DECODE_ERR_BAD_IP_LENGTH);
}

static void test_ipip(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 4);

	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 34);
	assert_int_equal(pkt.encap, DECODE_ENCAP_IPIP);
	assert_int_equal(pkt.tunnels, 1);
}

static void test_ipv6_in_ipv4(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 41);
	size_t ip = ipv6(&b, 17);
	size_t u = udp(&b, 5060, 5060);

	sip_payload(&b);
	udp_done(&b, u);
	ipv6_done(&b, ip);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.ip_version, 6);
	assert_int_equal(pkt.l3_offset, 34);
	assert_int_equal(pkt.payload_len, SIP_LEN);
	assert_memory_equal(pkt.src_addr, src6, 16);
	assert_int_equal(pkt.encap, DECODE_ENCAP_IPIP);
}

static void test_ipv6_ext_udp(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 0);

	ipv6_opts(&b, 60, 0);   /* hop-by-hop, 8 bytes */
	ipv6_opts(&b, 17, 1);   /* destination options, 16 bytes */

	size_t u = udp(&b, 5060, 5080);

	sip_payload(&b);
	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.ip_version, 6);
	assert_int_equal(pkt.l3_offset, 14);
	assert_int_equal(pkt.l3_len, 40 + 8 + 16);
	assert_int_equal(pkt.ip_len, 40 + 24 + 8 + SIP_LEN);
	assert_int_equal(pkt.l4_offset, 14 + 64);
	assert_int_equal(pkt.payload_offset, 14 + 64 + 8);
	assert_int_equal(pkt.payload_len, SIP_LEN);
	assert_int_equal(pkt.l4_proto, 17);
	assert_int_equal(pkt.dst_port, 5080);
	assert_memory_equal(pkt.src_addr, src6, 16);
	assert_memory_equal(pkt.dst_addr, dst6, 16);
}

static void test_ipv6_ah(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 51);

	put8(&b, 17);           /* AH: 24 bytes, length (24 / 4) - 2 */
	put8(&b, 4);
	put_zeros(&b, 22);

	size_t u = udp(&b, 5060, 5060);

	sip_payload(&b);
	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_len, 40 + 24);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void test_ipv6_no_next_header(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 59);

	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l4_proto, 59);
	assert_int_equal(pkt.src_port, 0);
	assert_int_equal(pkt.payload_len, 0);
}

static void test_ipv6_fragment(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 0);

	ipv6_opts(&b, 44, 0);
	ipv6_frag(&b, 17, 0, true);
	put_zeros(&b, 64);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_FRAGMENT);
	assert_int_equal(pkt.frag_hdr_offset, 14 + 40 + 8);
	assert_int_equal(pkt.l3_len, 40 + 8 + 8);
	assert_int_equal(pkt.ip_len, 40 + 16 + 64);
	assert_int_equal(pkt.l4_proto, 17);
	assert_int_equal(pkt.l4_offset, 0);
	assert_int_equal(pkt.payload_len, 0);
	assert_memory_equal(pkt.dst_addr, dst6, 16);
}

static void test_ipv6_fragment_last(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 44);

	ipv6_frag(&b, 17, 8, false);
	put_zeros(&b, 16);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_FRAGMENT);
	assert_int_equal(pkt.frag_hdr_offset, 54);
}

static void test_ipv6_atomic_fragment(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 44);

	ipv6_frag(&b, 17, 0, false);

	size_t u = udp(&b, 5060, 5060);

	sip_payload(&b);
	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.frag_hdr_offset, 54);
	assert_int_equal(pkt.l3_len, 48);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void build_ipv4_fragment(struct builder *b, uint16_t frag_field)
{
	eth(b, 0x0800);

	size_t ip = ipv4(b, 17);

	set16(b, ip + 6, frag_field);
	put_zeros(b, 48);
	ipv4_done(b, ip);
}

static void test_ipv4_fragment_first(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_ipv4_fragment(&b, 0x2000);

	assert_int_equal(run(&b, &pkt), DECODE_FRAGMENT);
	assert_int_equal(pkt.l3_offset, 14);
	assert_int_equal(pkt.l3_len, 20);
	assert_int_equal(pkt.ip_len, 68);
	assert_int_equal(pkt.ip_version, 4);
	assert_int_equal(pkt.l4_proto, 17);
	assert_int_equal(pkt.l4_offset, 0);
	assert_int_equal(pkt.payload_offset, 0);
	assert_int_equal(pkt.src_port, 0);
	assert_memory_equal(pkt.src_addr, outer_src4, 4);
	assert_memory_equal(pkt.dst_addr, outer_dst4, 4);
}

static void test_ipv4_fragment_later(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_ipv4_fragment(&b, 185);       /* offset 1480 bytes, MF clear */

	assert_int_equal(run(&b, &pkt), DECODE_FRAGMENT);
	assert_int_equal(pkt.ip_len, 68);
	assert_int_equal(pkt.l4_offset, 0);
}

static void test_ethernet_padding(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 17);
	size_t u = udp(&b, 5060, 5060);

	put_bytes(&b, "ping", 4);
	udp_done(&b, u);
	ipv4_done(&b, ip);
	while (b.len < 60)
		put8(&b, 0xee);

	assert_int_equal(b.len, 60);
	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.ip_len, 32);
	assert_int_equal(pkt.payload_len, 4);
}

static void test_ipv4_options(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 17);

	b.buf[ip] = 0x46;
	put32(&b, 0x01010100);  /* NOP, NOP, NOP, end of options */

	size_t u = udp(&b, 5060, 5060);

	sip_payload(&b);
	udp_done(&b, u);
	ipv4_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_len, 24);
	assert_int_equal(pkt.l4_offset, 38);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void test_tcp_options(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 6);

	tcp(&b, 0x89abcdef, 0x18, 8);       /* PSH and ACK, 12 option bytes */
	sip_payload(&b);
	ipv4_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l4_proto, 6);
	assert_int_equal(pkt.l4_offset, 34);
	assert_int_equal(pkt.payload_offset, 34 + 32);
	assert_int_equal(pkt.payload_len, SIP_LEN);
	assert_int_equal(pkt.tcp_seq, 0x89abcdef);
	assert_int_equal(pkt.tcp_flags, 0x18);
	assert_int_equal(pkt.src_port, 40000);
	assert_int_equal(pkt.dst_port, 5060);
}

static void test_icmp_no_ports(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 1);

	put32(&b, 0x08000000);  /* echo request */
	put32(&b, 0x00010001);
	ipv4_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l4_proto, 1);
	assert_int_equal(pkt.l4_offset, 34);
	assert_int_equal(pkt.payload_offset, 34);
	assert_int_equal(pkt.payload_len, 8);
	assert_int_equal(pkt.src_port, 0);
	assert_int_equal(pkt.dst_port, 0);
}

static void test_arp_not_ip(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0806);
	put_zeros(&b, 28);

	assert_int_equal(run(&b, &pkt), DECODE_NOT_IP);
}

static void test_decode_ip_reassembled(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	inner_sip4(&b);

	assert_int_equal(decode_ip(b.buf, (uint32_t)b.len, 0, NULL, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 0);
}

static void test_decode_ip_at_offset(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);

	assert_int_equal(decode_ip(b.buf, (uint32_t)b.len, 14, NULL, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_offset, 14);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void test_decode_ip_offset_past_end(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);

	assert_int_equal(decode_ip(b.buf, (uint32_t)b.len, (uint32_t)b.len, NULL, &pkt),
			 DECODE_ERR_TRUNCATED_L3);
}

static void test_decode_ip_bad_version(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	inner_sip4(&b);
	b.buf[0] = 0x55;

	assert_int_equal(decode_ip(b.buf, (uint32_t)b.len, 0, NULL, &pkt),
			 DECODE_ERR_BAD_IP_HEADER);
}

/* Every shorter prefix of a valid frame must fail with the given result. */
static void check_truncated(const struct builder *b, size_t from, size_t to,
			    enum decode_result expected)
{
	struct decoded_pkt pkt;

	for (size_t len = from; len < to; len++)
		assert_int_equal(decode_frame(b->buf, (uint32_t)len, &vxlan_on, &pkt),
				 expected);
}

static void test_truncated_ether(void **state)
{
	(void)state;
	struct builder b = {0};

	sip4_frame(&b);

	check_truncated(&b, 0, 14, DECODE_ERR_TRUNCATED_L2);
}

static void test_truncated_vlan(void **state)
{
	(void)state;
	struct builder b = {0};

	eth(&b, 0x88A8);
	vlan(&b, 200, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	check_truncated(&b, 15, 22, DECODE_ERR_TRUNCATED_L2);
}

static void test_truncated_vntag(void **state)
{
	(void)state;
	struct builder b = {0};

	eth(&b, 0x8926);
	vntag(&b, 0x0800);
	inner_sip4(&b);

	check_truncated(&b, 15, 20, DECODE_ERR_TRUNCATED_L2);
}

static void test_truncated_mpls(void **state)
{
	(void)state;
	struct builder b = {0};

	eth(&b, 0x8847);
	mpls(&b, 1000, false);
	mpls(&b, 2000, true);
	inner_sip4(&b);

	check_truncated(&b, 14, 22, DECODE_ERR_TRUNCATED_L2);
	check_truncated(&b, 22, 23, DECODE_ERR_TRUNCATED_L3);
}

static void test_truncated_ipv4(void **state)
{
	(void)state;
	struct builder b = {0};

	sip4_frame(&b);

	check_truncated(&b, 14, 34, DECODE_ERR_TRUNCATED_L3);
}

static void test_truncated_ipv4_options(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 17);

	b.buf[ip] = 0x4f;       /* 60-byte header, only 20 bytes present */
	ipv4_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TRUNCATED_L3);
}

static void test_truncated_ipv6_ext(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 0);

	ipv6_opts(&b, 17, 1);
	ipv6_done(&b, ip);
	set16(&b, ip + 4, 8);   /* the IP packet ends inside the 16-byte header */

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TRUNCATED_L3);

	struct builder hdr = {0};

	eth(&hdr, 0x86DD);
	ipv6(&hdr, 17);

	check_truncated(&hdr, 14, 54, DECODE_ERR_TRUNCATED_L3);
}

/* IP total length ends inside the UDP or TCP header. */
static void check_truncated_l4(uint8_t proto, size_t l4_bytes)
{
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, proto);

	put_zeros(&b, l4_bytes);
	ipv4_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TRUNCATED_L4);
}

static void test_truncated_udp(void **state)
{
	(void)state;
	check_truncated_l4(17, 0);
	check_truncated_l4(17, 7);
}

static void test_truncated_tcp(void **state)
{
	(void)state;
	check_truncated_l4(6, 0);
	check_truncated_l4(6, 19);
}

static void test_truncated_gre(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	put16(&b, 0x2000 | 0x1000);     /* key and sequence promised */
	put16(&b, 0x0800);
	put32(&b, 1);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TRUNCATED_L2);
}

static void test_truncated_erspan(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x22EB);
	erspan3(&b, 2, true);
	b.len -= 4;             /* cut the platform subheader short */
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TRUNCATED_L2);
}

static void test_truncated_vxlan(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 17);
	size_t u = udp(&b, 50000, DECODE_VXLAN_PORT_DEFAULT);

	put32(&b, 0x08000000);
	udp_done(&b, u);
	ipv4_done(&b, outer);

	assert_int_equal(decode_frame(b.buf, (uint32_t)b.len, &vxlan_on, &pkt),
			 DECODE_ERR_TRUNCATED_L2);
}

static void test_bad_ihl(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	b.buf[14] = 0x44;

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_HEADER);
}

static void test_bad_ip_version(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	b.buf[14] = 0x65;       /* version 6 under EtherType 0x0800 */

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_HEADER);
}

static void test_bad_ipv6_version(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 59);

	ipv6_done(&b, ip);
	b.buf[ip] = 0x40;

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_HEADER);
}

static void test_total_length_too_big(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	set16(&b, 16, (uint16_t)(b.len - 14 + 1));

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_LENGTH);
}

static void test_total_length_below_ihl(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	set16(&b, 16, 19);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_LENGTH);
}

static void test_ipv6_length_too_big(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 59);

	put_zeros(&b, 8);
	ipv6_done(&b, ip);
	set16(&b, ip + 4, 9);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_IP_LENGTH);
}

static void test_udp_length_too_big(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	set16(&b, 38, (uint16_t)(8 + SIP_LEN + 1));

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_L4_LENGTH);
}

static void test_udp_length_below_8(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	set16(&b, 38, 7);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_L4_LENGTH);
}

static void test_udp_length_short_ok(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	set16(&b, 38, 8 + 4);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.payload_len, 4);
}

/* A TCP segment whose data offset field is data_offset. */
static enum decode_result run_tcp_offset(uint8_t data_offset)
{
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t ip = ipv4(&b, 6);

	tcp(&b, 1, 0x02, 5);
	put_zeros(&b, 4);
	ipv4_done(&b, ip);
	b.buf[ip + 20 + 12] = (uint8_t)(data_offset << 4);

	return run(&b, &pkt);
}

static void test_tcp_offset_below_5(void **state)
{
	(void)state;
	assert_int_equal(run_tcp_offset(4), DECODE_ERR_BAD_L4_LENGTH);
}

static void test_tcp_offset_past_end(void **state)
{
	(void)state;
	assert_int_equal(run_tcp_offset(6), DECODE_OK);
	assert_int_equal(run_tcp_offset(7), DECODE_ERR_BAD_L4_LENGTH);
}

/* Wraps an IPv4 packet in n GRE tunnels, innermost last. */
static void build_gre_nest(struct builder *b, int n)
{
	size_t outer[DECODE_MAX_TUNNELS + 2];

	eth(b, 0x0800);
	for (int i = 0; i < n; i++) {
		outer[i] = ipv4(b, 47);
		gre(b, 0, 0x0800);
	}
	inner_sip4(b);
	for (int i = n - 1; i >= 0; i--)
		ipv4_done(b, outer[i]);
}

static void test_max_tunnels(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_gre_nest(&b, DECODE_MAX_TUNNELS);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_inner_sip4(&pkt, 14 + 24 * DECODE_MAX_TUNNELS);
	assert_int_equal(pkt.tunnels, DECODE_MAX_TUNNELS);
}

static void test_too_many_tunnels(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	build_gre_nest(&b, DECODE_MAX_TUNNELS + 1);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TOO_DEEP);
}

static void test_too_many_tags(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8100);
	for (int i = 0; i < DECODE_MAX_TAGS; i++)
		vlan(&b, 100, 0x8100);
	vlan(&b, 100, 0x0800);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TOO_DEEP);
}

static void test_too_many_labels(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x8847);
	for (int i = 0; i < DECODE_MAX_TAGS; i++)
		mpls(&b, 1000, false);
	mpls(&b, 2000, true);
	inner_sip4(&b);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TOO_DEEP);
}

static void test_too_many_ext_headers(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 60);

	for (int i = 0; i < DECODE_MAX_IPV6_EXT; i++)
		ipv6_opts(&b, 60, 0);
	ipv6_opts(&b, 17, 0);

	size_t u = udp(&b, 5060, 5060);

	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_TOO_DEEP);
}

static void test_max_ext_headers(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x86DD);

	size_t ip = ipv6(&b, 60);

	for (int i = 0; i < DECODE_MAX_IPV6_EXT - 1; i++)
		ipv6_opts(&b, 60, 0);
	ipv6_opts(&b, 17, 0);

	size_t u = udp(&b, 5060, 5060);

	udp_done(&b, u);
	ipv6_done(&b, ip);

	assert_int_equal(run(&b, &pkt), DECODE_OK);
	assert_int_equal(pkt.l3_len, 40 + 8 * DECODE_MAX_IPV6_EXT);
}

/* A GRE packet whose flags and version word is flags. */
static enum decode_result run_gre_flags(uint16_t flags)
{
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	put16(&b, flags);
	put16(&b, 0x0800);
	put_zeros(&b, 8);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	return run(&b, &pkt);
}

static void test_gre_routing_bit(void **state)
{
	(void)state;
	assert_int_equal(run_gre_flags(0x4000), DECODE_ERR_BAD_TUNNEL);
}

static void test_gre_version_1(void **state)
{
	(void)state;
	assert_int_equal(run_gre_flags(0x0001), DECODE_ERR_BAD_TUNNEL);
}

static void test_erspan2_bad_version(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x88BE);
	erspan2(&b, 2);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_TUNNEL);
}

static void test_erspan3_bad_version(void **state)
{
	(void)state;
	struct builder b = {0};
	struct decoded_pkt pkt;

	eth(&b, 0x0800);

	size_t outer = ipv4(&b, 47);

	gre(&b, 0x1000, 0x22EB);
	erspan3(&b, 1, false);
	eth(&b, 0x0800);
	inner_sip4(&b);
	ipv4_done(&b, outer);

	assert_int_equal(run(&b, &pkt), DECODE_ERR_BAD_TUNNEL);
}

static void test_oversized_frame(void **state)
{
	(void)state;
	static uint8_t big[70000];
	struct builder b = {0};
	struct decoded_pkt pkt;

	sip4_frame(&b);
	memcpy(big, b.buf, b.len);

	assert_int_equal(decode_frame(big, sizeof(big), NULL, &pkt), DECODE_OK);
	assert_int_equal(pkt.payload_len, SIP_LEN);
}

static void test_result_names(void **state)
{
	(void)state;
	static const char *const expected[DECODE_RESULT_COUNT] = {
		"ok", "not_ip", "fragment", "truncated_l2", "truncated_l3",
		"truncated_l4", "bad_ip_header", "bad_ip_length",
		"bad_l4_length", "too_deep", "bad_tunnel",
	};

	for (int r = 0; r < DECODE_RESULT_COUNT; r++)
		assert_string_equal(decode_result_name((enum decode_result)r), expected[r]);
	assert_string_equal(decode_result_name(DECODE_RESULT_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp_sip),
		cmocka_unit_test(test_vlan_8021q),
		cmocka_unit_test(test_qinq_88a8),
		cmocka_unit_test(test_qinq_9100),
		cmocka_unit_test(test_qinq_8100_8100),
		cmocka_unit_test(test_vlan_max_tags),
		cmocka_unit_test(test_vntag),
		cmocka_unit_test(test_vntag_then_vlan),
		cmocka_unit_test(test_mpls_two_labels),
		cmocka_unit_test(test_mpls_ipv6),
		cmocka_unit_test(test_mpls_not_ip),
		cmocka_unit_test(test_gre_key_seq),
		cmocka_unit_test(test_gre_checksum_teb),
		cmocka_unit_test(test_gre_unknown_proto),
		cmocka_unit_test(test_gre_mpls),
		cmocka_unit_test(test_erspan1),
		cmocka_unit_test(test_erspan2),
		cmocka_unit_test(test_erspan3),
		cmocka_unit_test(test_erspan3_platform),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_vxlan_decap_off),
		cmocka_unit_test(test_vxlan_no_i_flag),
		cmocka_unit_test(test_vxlan_inner_past_udp),
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_ipv6_in_ipv4),
		cmocka_unit_test(test_ipv6_ext_udp),
		cmocka_unit_test(test_ipv6_ah),
		cmocka_unit_test(test_ipv6_no_next_header),
		cmocka_unit_test(test_ipv6_fragment),
		cmocka_unit_test(test_ipv6_fragment_last),
		cmocka_unit_test(test_ipv6_atomic_fragment),
		cmocka_unit_test(test_ipv4_fragment_first),
		cmocka_unit_test(test_ipv4_fragment_later),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_icmp_no_ports),
		cmocka_unit_test(test_arp_not_ip),
		cmocka_unit_test(test_decode_ip_reassembled),
		cmocka_unit_test(test_decode_ip_at_offset),
		cmocka_unit_test(test_decode_ip_offset_past_end),
		cmocka_unit_test(test_decode_ip_bad_version),
		cmocka_unit_test(test_truncated_ether),
		cmocka_unit_test(test_truncated_vlan),
		cmocka_unit_test(test_truncated_vntag),
		cmocka_unit_test(test_truncated_mpls),
		cmocka_unit_test(test_truncated_ipv4),
		cmocka_unit_test(test_truncated_ipv4_options),
		cmocka_unit_test(test_truncated_ipv6_ext),
		cmocka_unit_test(test_truncated_udp),
		cmocka_unit_test(test_truncated_tcp),
		cmocka_unit_test(test_truncated_gre),
		cmocka_unit_test(test_truncated_erspan),
		cmocka_unit_test(test_truncated_vxlan),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_bad_ip_version),
		cmocka_unit_test(test_bad_ipv6_version),
		cmocka_unit_test(test_total_length_too_big),
		cmocka_unit_test(test_total_length_below_ihl),
		cmocka_unit_test(test_ipv6_length_too_big),
		cmocka_unit_test(test_udp_length_too_big),
		cmocka_unit_test(test_udp_length_below_8),
		cmocka_unit_test(test_udp_length_short_ok),
		cmocka_unit_test(test_tcp_offset_below_5),
		cmocka_unit_test(test_tcp_offset_past_end),
		cmocka_unit_test(test_max_tunnels),
		cmocka_unit_test(test_too_many_tunnels),
		cmocka_unit_test(test_too_many_tags),
		cmocka_unit_test(test_too_many_labels),
		cmocka_unit_test(test_too_many_ext_headers),
		cmocka_unit_test(test_max_ext_headers),
		cmocka_unit_test(test_gre_routing_bit),
		cmocka_unit_test(test_gre_version_1),
		cmocka_unit_test(test_erspan2_bad_version),
		cmocka_unit_test(test_erspan3_bad_version),
		cmocka_unit_test(test_oversized_frame),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
