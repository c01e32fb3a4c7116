/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CC fast path. The template keeps the bytes of the last CC PDU before
 * and after the packet. A PDU for a new packet is the cached prefix with
 * the sequence number and timestamp values overwritten, the packet, and
 * the cached suffix. Any change in the byte length of those values or of
 * the packet changes lengths further out, so the template is then rebuilt
 * by the generic encoder, which keeps both paths byte-identical.
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

static bool layout_matches(const struct etsi_cc_template *tpl, uint32_t seq,
			   uint64_t seconds, uint32_t microseconds,
			   size_t packet_len)
{
	return tpl->prefix_len > 0 && tpl->packet_len == packet_len &&
	       tpl->seq_len == ber_uint_len(seq) &&
	       tpl->sec_len == ber_uint_len(seconds) &&
	       tpl->usec_len == ber_uint_len(microseconds);
}

/* Encodes the PDU with the generic encoder straight into out and caches
 * its prefix and suffix. */
static int rebuild(struct etsi_cc_template *tpl, const struct etsi_header *hdr,
		   const uint8_t *packet, size_t packet_len,
		   uint8_t *out, size_t cap, size_t *out_len)
{
	struct etsi_cc_layout layout;

	tpl->prefix_len = 0;
	int rc = etsi_encode_cc_layout(hdr, tpl->dir, packet, packet_len, out,
				       cap, out_len, &layout);
	if (rc != ETSI_OK)
		return rc;

	size_t suffix_len = *out_len - layout.packet_off - packet_len;
	if (layout.packet_off > sizeof(tpl->prefix) ||
	    suffix_len > sizeof(tpl->suffix))
		return ETSI_OK;   /* correct output, just not cacheable */

	memcpy(tpl->prefix, out, layout.packet_off);
	memcpy(tpl->suffix, out + layout.packet_off + packet_len, suffix_len);
	tpl->prefix_len = layout.packet_off;
	tpl->suffix_len = suffix_len;
	tpl->packet_len = packet_len;
	tpl->seq_off = layout.seq_off;
	tpl->seq_len = (uint8_t)layout.seq_len;
	tpl->sec_off = layout.sec_off;
	tpl->sec_len = (uint8_t)layout.sec_len;
	tpl->usec_off = layout.usec_off;
	tpl->usec_len = (uint8_t)layout.usec_len;
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

	if (!layout_matches(tpl, seq, seconds, microseconds, packet_len)) {
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

	size_t total = tpl->prefix_len + packet_len + tpl->suffix_len;
	if (total > cap)
		return ETSI_ERR_SPACE;

	memcpy(out, tpl->prefix, tpl->prefix_len);
	patch_uint(out + tpl->seq_off, tpl->seq_len, seq);
	patch_uint(out + tpl->sec_off, tpl->sec_len, seconds);
	patch_uint(out + tpl->usec_off, tpl->usec_len, microseconds);
	if (packet_len > 0)
		memcpy(out + tpl->prefix_len, packet, packet_len);
	memcpy(out + tpl->prefix_len + packet_len, tpl->suffix,
	       tpl->suffix_len);
	*out_len = total;
	return ETSI_OK;
}
