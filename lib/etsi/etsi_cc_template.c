/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CC fast path. The template keeps the bytes of recent CC PDUs before and
 * after the packet, one cached layout per combination of value and packet
 * lengths. A PDU for a new packet is the matching prefix with the sequence
 * number and timestamp values overwritten, the packet, and the cached
 * suffix. A new combination of lengths changes lengths further out, so
 * its layout is built by the generic encoder, which keeps both paths
 * byte-identical.
 */
#include "ber.h"
#include "etsi_internal.h"

#include <string.h>

int etsi_cc_template_init(struct etsi_cc_template *tpl,
			  const struct etsi_agency *agency, const char *liid,
			  uint32_t cin, enum etsi_direction dir)
{
	if (tpl == NULL || agency == NULL || liid == NULL)
		return ETSI_ERR_INVALID;
	size_t liid_len = strnlen(liid, ETSI_LIID_MAX + 1);
	if (liid_len == 0 || liid_len > ETSI_LIID_MAX)
		return ETSI_ERR_INVALID;
	if (dir < ETSI_DIR_FROM_TARGET || dir > ETSI_DIR_INDETERMINATE)
		return ETSI_ERR_INVALID;

	memset(tpl, 0, sizeof(*tpl));
	tpl->agency = *agency;
	memcpy(tpl->liid, liid, liid_len + 1);
	tpl->cin = cin;
	tpl->dir = dir;
	return ETSI_OK;
}

/* The cached layout for these value and packet lengths, or NULL. */
static struct etsi_cc_cached *find_layout(struct etsi_cc_template *tpl, uint32_t seq,
					  uint64_t seconds, uint32_t microseconds,
					  size_t packet_len)
{
	uint8_t seq_len = (uint8_t)ber_uint_len(seq);
	uint8_t sec_len = (uint8_t)ber_uint_len(seconds);
	uint8_t usec_len = (uint8_t)ber_uint_len(microseconds);

	for (unsigned int i = 0; i < ETSI_CC_LAYOUTS; i++) {
		struct etsi_cc_cached *c = &tpl->layouts[i];
		if (c->prefix_len > 0 && c->packet_len == packet_len &&
		    c->seq_len == seq_len && c->sec_len == sec_len &&
		    c->usec_len == usec_len)
			return c;
	}
	return NULL;
}

/* Encodes the PDU with the generic encoder straight into out and caches
 * its prefix and suffix in the next slot, round robin. */
static int rebuild(struct etsi_cc_template *tpl, const struct etsi_header *hdr,
		   const uint8_t *packet, size_t packet_len,
		   uint8_t *out, size_t cap, size_t *out_len)
{
	struct etsi_cc_layout layout;
	struct etsi_cc_cached *c = &tpl->layouts[tpl->next_slot];

	c->prefix_len = 0;
	int rc = etsi_encode_cc_layout(hdr, tpl->dir, packet, packet_len, out,
				       cap, out_len, &layout);
	if (rc != ETSI_OK)
		return rc;

	size_t suffix_len = *out_len - layout.packet_off - packet_len;
	if (layout.packet_off > sizeof(c->prefix) ||
	    suffix_len > sizeof(c->suffix))
		return ETSI_OK;   /* correct output, just not cacheable */

	memcpy(c->prefix, out, layout.packet_off);
	memcpy(c->suffix, out + layout.packet_off + packet_len, suffix_len);
	c->prefix_len = layout.packet_off;
	c->suffix_len = suffix_len;
	c->packet_len = packet_len;
	c->seq_off = layout.seq_off;
	c->seq_len = (uint8_t)layout.seq_len;
	c->sec_off = layout.sec_off;
	c->sec_len = (uint8_t)layout.sec_len;
	c->usec_off = layout.usec_off;
	c->usec_len = (uint8_t)layout.usec_len;
	tpl->next_slot = (tpl->next_slot + 1) % ETSI_CC_LAYOUTS;
	return ETSI_OK;
}

/* Writes value big-endian into len octets; the length was chosen by
 * ber_uint_len(), so a leading 0x00 octet comes out where needed. */
static void patch_uint(uint8_t *p, size_t len, uint64_t value)
{
	for (size_t i = 0; i < len; i++) {
		size_t shift = 8 * (len - 1 - i);
		p[i] = shift >= 64 ? 0 : (uint8_t)(value >> shift);
	}
}

int etsi_cc_template_encode(struct etsi_cc_template *tpl, uint32_t seq,
			    uint64_t seconds, uint32_t microseconds,
			    const uint8_t *packet, size_t packet_len,
			    uint8_t *out, size_t cap, size_t *out_len)
{
	if (tpl == NULL || microseconds >= 1000000 ||
	    (packet == NULL && packet_len > 0))
		return ETSI_ERR_INVALID;

	struct etsi_cc_cached *c = find_layout(tpl, seq, seconds, microseconds, packet_len);
	if (c == NULL) {
		struct etsi_header hdr = {
			.agency = &tpl->agency,
			.liid = tpl->liid,
			.cin = tpl->cin,
			.seq = seq,
			.seconds = seconds,
			.microseconds = microseconds,
		};
		return rebuild(tpl, &hdr, packet, packet_len, out, cap,
			       out_len);
	}

	size_t total = c->prefix_len + packet_len + c->suffix_len;
	if (total > cap)
		return ETSI_ERR_SPACE;

	memcpy(out, c->prefix, c->prefix_len);
	patch_uint(out + c->seq_off, c->seq_len, seq);
	patch_uint(out + c->sec_off, c->sec_len, seconds);
	patch_uint(out + c->usec_off, c->usec_len, microseconds);
	if (packet_len > 0)
		memcpy(out + c->prefix_len, packet, packet_len);
	memcpy(out + c->prefix_len + packet_len, c->suffix, c->suffix_len);
	*out_len = total;
	return ETSI_OK;
}
