/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the frame decoder. The input is decoded as an
 * Ethernet frame, then as an IP packet at the offset given by its first
 * byte, each with VXLAN decapsulation on and off. Any offset or length
 * outside the input aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless ok, so that libFuzzer saves the input as a crash. */
static void require(bool ok)
{
	if (!ok)
		abort();
}

/* True when [off, off + n) lies inside a buffer of len bytes. */
static bool in_range(uint32_t off, uint32_t n, uint32_t len)
{
	return off <= len && n <= len - off;
}

static void check_result(enum decode_result r, const struct decoded_pkt *pkt,
			 uint32_t len)
{
	require((unsigned int)r < DECODE_RESULT_COUNT);
	require(decode_result_name(r) != NULL);
	require(pkt->tunnels <= DECODE_MAX_TUNNELS);

	if (r != DECODE_OK && r != DECODE_FRAGMENT)
		return;

	uint32_t ip_end = (uint32_t)pkt->l3_offset + pkt->ip_len;

	require(pkt->ip_version == 4 || pkt->ip_version == 6);
	require(in_range(pkt->l3_offset, pkt->ip_len, len));
	require(pkt->l3_len <= pkt->ip_len);
	require(pkt->l3_len >= (pkt->ip_version == 4 ? 20 : 40));

	if (pkt->frag_hdr_offset != 0) {
		require(pkt->ip_version == 6);
		require(pkt->frag_hdr_offset >= pkt->l3_offset + 40);
		require((uint32_t)pkt->frag_hdr_offset + 8 <= ip_end);
	}

	if (r == DECODE_FRAGMENT) {
		require(pkt->l4_offset == 0);
		require(pkt->payload_offset == 0);
		require(pkt->payload_len == 0);
		require(pkt->src_port == 0 && pkt->dst_port == 0);
		return;
	}

	require(pkt->l4_offset == pkt->l3_offset + pkt->l3_len);
	require(pkt->payload_offset >= pkt->l4_offset);
	require(in_range(pkt->payload_offset, pkt->payload_len, len));
	require((uint32_t)pkt->payload_offset + pkt->payload_len <= ip_end);
	if (pkt->l4_proto == 17)
		require(pkt->payload_offset == pkt->l4_offset + 8);
	if (pkt->l4_proto == 6)
		require(pkt->payload_offset >= pkt->l4_offset + 20);
	if (pkt->l4_proto != 17 && pkt->l4_proto != 6)
		require(pkt->src_port == 0 && pkt->dst_port == 0);
}

/* The straight-line path must agree with the layered decoder, field by field. */
static void check_same_as_layered(enum decode_result r, const struct decoded_pkt *pkt,
				  const uint8_t *data, uint32_t len,
				  const struct decode_options *opt)
{
	struct decoded_pkt layered;
	enum decode_result r_layered = decode_frame_layered(data, len, opt, &layered);

	require(r == r_layered);
	if (r != DECODE_OK)
		return;
	require(pkt->l3_offset == layered.l3_offset);
	require(pkt->l3_len == layered.l3_len);
	require(pkt->l4_offset == layered.l4_offset);
	require(pkt->payload_offset == layered.payload_offset);
	require(pkt->payload_len == layered.payload_len);
	require(pkt->ip_len == layered.ip_len);
	require(pkt->frag_hdr_offset == layered.frag_hdr_offset);
	require(pkt->encap == layered.encap);
	require(pkt->ip_version == layered.ip_version);
	require(pkt->l4_proto == layered.l4_proto);
	require(pkt->tcp_flags == layered.tcp_flags);
	require(pkt->tunnels == layered.tunnels);
	require(pkt->src_port == layered.src_port);
	require(pkt->dst_port == layered.dst_port);
	require(pkt->tcp_seq == layered.tcp_seq);
	require(memcmp(pkt->src_addr, layered.src_addr, sizeof(layered.src_addr)) == 0);
	require(memcmp(pkt->dst_addr, layered.dst_addr, sizeof(layered.dst_addr)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct decode_options vxlan_on = {
		.vxlan_port = DECODE_VXLAN_PORT_DEFAULT,
		.decap_vxlan = true,
	};
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	struct decoded_pkt pkt;
	enum decode_result r;

	r = decode_frame(data, len, &vxlan_on, &pkt);
	check_result(r, &pkt, len);
	check_same_as_layered(r, &pkt, data, len, &vxlan_on);
	r = decode_frame(data, len, NULL, &pkt);
	check_result(r, &pkt, len);
	check_same_as_layered(r, &pkt, data, len, NULL);

	if (size == 0)
		return 0;

	uint32_t l3_offset = data[0];

	r = decode_ip(data, len, l3_offset, &vxlan_on, &pkt);
	check_result(r, &pkt, len);
	r = decode_ip(data, len, l3_offset, NULL, &pkt);
	check_result(r, &pkt, len);
	return 0;
}
