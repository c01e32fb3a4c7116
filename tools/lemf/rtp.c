/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/rtp.h"

#define IPPROTO_NUM_HOPOPTS 0
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ROUTING 43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_DSTOPTS 60

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Sets *udp and *udp_len to the UDP header and what follows it. */
static int find_udp_ipv4(const uint8_t *pkt, size_t len,
			 const uint8_t **udp, size_t *udp_len)
{
	if (len < 20)
		return -1;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	size_t total = get16(pkt + 2);
	uint16_t frag = get16(pkt + 6);

	if (ihl < 20 || total < ihl || total > len)
		return -1;
	/* A fragment holds only part of the datagram. */
	if ((frag & 0x3fff) != 0)
		return -1;
	if (pkt[9] != IPPROTO_NUM_UDP)
		return -1;
	*udp = pkt + ihl;
	*udp_len = total - ihl;
	return 0;
}

static int find_udp_ipv6(const uint8_t *pkt, size_t len,
			 const uint8_t **udp, size_t *udp_len)
{
	if (len < 40)
		return -1;
	size_t end = 40 + (size_t)get16(pkt + 4);
	uint8_t next = pkt[6];
	size_t off = 40;

	if (end > len)
		return -1;
	/* Skip the extension headers that can come before UDP. */
	while (next == IPPROTO_NUM_HOPOPTS || next == IPPROTO_NUM_ROUTING ||
	       next == IPPROTO_NUM_DSTOPTS) {
		if (off + 8 > end)
			return -1;
		size_t ext_len = ((size_t)pkt[off + 1] + 1) * 8;

		next = pkt[off];
		off += ext_len;
		if (off > end)
			return -1;
	}
	if (next != IPPROTO_NUM_UDP)
		return -1;   /* includes fragments (44) */
	*udp = pkt + off;
	*udp_len = end - off;
	return 0;
}

int rtp_parse_ip(const uint8_t *pkt, size_t len, struct rtp_view *rtp)
{
	const uint8_t *udp;
	size_t udp_len;
	int rc;

	if (len < 1)
		return -1;
	switch (pkt[0] >> 4) {
	case 4:
		rc = find_udp_ipv4(pkt, len, &udp, &udp_len);
		break;
	case 6:
		rc = find_udp_ipv6(pkt, len, &udp, &udp_len);
		break;
	default:
		return -1;
	}
	if (rc != 0 || udp_len < 8)
		return -1;

	size_t dgram_len = get16(udp + 4);

	if (dgram_len < 8 || dgram_len > udp_len)
		return -1;
	const uint8_t *r = udp + 8;
	size_t rlen = dgram_len - 8;

	if (rlen < 12 || (r[0] >> 6) != 2)
		return -1;
	size_t off = 12 + (size_t)(r[0] & 0x0f) * 4;

	if (off > rlen)
		return -1;
	if (r[0] & 0x10) {
		if (off + 4 > rlen)
			return -1;
		off += 4 + (size_t)get16(r + off + 2) * 4;
		if (off > rlen)
			return -1;
	}
	size_t end = rlen;

	if (r[0] & 0x20) {
		uint8_t pad = r[rlen - 1];

		if (pad == 0 || pad > rlen - off)
			return -1;
		end -= pad;
	}
	rtp->payload_type = r[1] & 0x7f;
	rtp->sequence = get16(r + 2);
	rtp->timestamp = get32(r + 4);
	rtp->ssrc = get32(r + 8);
	rtp->payload = r + off;
	rtp->payload_len = end - off;
	return 0;
}
