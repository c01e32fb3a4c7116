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
	r = decode_frame(data, len, NULL, &pkt);
	check_result(r, &pkt, len);

	if (size == 0)
		return 0;

	uint32_t l3_offset = data[0];

	r = decode_ip(data, len, l3_offset, &vxlan_on, &pkt);
	check_result(r, &pkt, len);
	r = decode_ip(data, len, l3_offset, NULL, &pkt);
	check_result(r, &pkt, len);
	return 0;
}
