/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CS ID map info of HDR: SRTP-ID (RFC 3830 section 6.1.1), Empty
 * (RFC 4563) and GENERIC-ID (RFC 6043 section 6.1.1).
 */
#include "lib/mikey/mikey_internal.h"

#define SRTP_ID_ENTRY_LEN 9

static enum mikey_status parse_srtp_id(struct mikey_reader *r,
				       struct mikey_hdr *h)
{
	for (size_t i = 0; i < h->n_cs; i++) {
		enum mikey_status st = mikey_need(r, SRTP_ID_ENTRY_LEN,
						  "SRTP-ID entry");
		if (st != MIKEY_OK)
			return st;

		struct mikey_srtp_id *e = &h->cs.srtp[i];
		e->policy_no = mikey_get_u8(r);
		e->ssrc = mikey_get_u32(r);
		e->roc = mikey_get_u32(r);
	}
	h->n_entries = h->n_cs;
	return MIKEY_OK;
}

/*
 * SRTP Session Data is SSRC (32), followed by ROC (32) and SEQ (16) when
 * S = 1. It may be empty in an initial message. Any other length is kept
 * raw and flagged.
 */
static void decode_srtp_session_data(struct mikey_generic_id *e, uint32_t *odd)
{
	const uint8_t *d = e->session_data.p;
	size_t expected = e->s ? 10 : 4;

	if (e->prot_type != MIKEY_PROT_SRTP || e->session_data.len == 0)
		return;

	if (e->session_data.len != expected) {
		*odd |= MIKEY_ODD_SESSION_DATA;
		return;
	}

	e->srtp_valid = true;
	e->ssrc = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		  (uint32_t)d[2] << 8 | d[3];
	if (!e->s)
		return;
	e->roc = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 |
		 (uint32_t)d[6] << 8 | d[7];
	e->seq = (uint16_t)(d[8] << 8 | d[9]);
}

static enum mikey_status parse_generic_entry(struct mikey_reader *r,
					     struct mikey_generic_id *e,
					     uint32_t *odd)
{
	enum mikey_status st = mikey_need(r, 3, "GENERIC-ID entry");
	if (st != MIKEY_OK)
		return st;

	e->cs_id = mikey_get_u8(r);
	e->prot_type = mikey_get_u8(r);
	uint8_t s_p = mikey_get_u8(r);
	e->s = (s_p & 0x80) != 0;
	st = mikey_take(r, s_p & 0x7f, "Policy_no list", &e->policy_no);
	if (st != MIKEY_OK)
		return st;

	st = mikey_need(r, 2, "Session Data Length");
	if (st != MIKEY_OK)
		return st;
	st = mikey_take(r, mikey_get_u16(r), "Session Data", &e->session_data);
	if (st != MIKEY_OK)
		return st;

	st = mikey_need(r, 1, "SPI Length");
	if (st != MIKEY_OK)
		return st;
	st = mikey_take(r, mikey_get_u8(r), "SPI", &e->spi);
	if (st != MIKEY_OK)
		return st;

	decode_srtp_session_data(e, odd);
	return MIKEY_OK;
}

static enum mikey_status parse_generic_id(struct mikey_reader *r,
					  struct mikey_hdr *h, uint32_t *odd)
{
	for (size_t i = 0; i < h->n_cs; i++) {
		enum mikey_status st = parse_generic_entry(r, &h->cs.generic[i],
							   odd);
		if (st != MIKEY_OK)
			return st;
	}
	h->n_entries = h->n_cs;
	return MIKEY_OK;
}

enum mikey_status mikey_parse_cs_map(struct mikey_reader *r,
				     struct mikey_hdr *h, uint32_t *odd)
{
	size_t start = r->off;
	enum mikey_status st = MIKEY_OK;

	if (h->cs_id_map_type != MIKEY_MAP_EMPTY && h->n_cs > MIKEY_MAX_CS)
		return mikey_reader_fail(r, MIKEY_ERR_LIMIT,
					 "#CS %u exceeds the limit of %d crypto sessions",
					 h->n_cs, MIKEY_MAX_CS);

	switch (h->cs_id_map_type) {
	case MIKEY_MAP_SRTP_ID:
		st = parse_srtp_id(r, h);
		break;
	case MIKEY_MAP_EMPTY:
		if (h->n_cs > 0)
			*odd |= MIKEY_ODD_EMPTY_MAP_CS;
		break;
	case MIKEY_MAP_GENERIC_ID:
		st = parse_generic_id(r, h, odd);
		break;
	default:
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "CS ID map type %u is not supported, so the map length is unknown",
					 h->cs_id_map_type);
	}
	if (st != MIKEY_OK)
		return st;

	h->cs_map_info.p = r->buf + start;
	h->cs_map_info.len = r->off - start;
	return MIKEY_OK;
}
