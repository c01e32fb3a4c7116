/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/media.h"

#include <string.h>
#include <strings.h>

static void parse_crypto(const struct sdp_media *m, unsigned index,
			 struct media_crypto_table *table)
{
	for (unsigned c = 0; c < SDP_MAX_CRYPTO; c++) {
		table->ok[index][c] = false;
		if (c >= m->crypto_count)
			continue;
		table->ok[index][c] = sdes_parse(m->crypto[c].ptr, m->crypto[c].len,
						 &table->entry[index][c]) == SDES_OK;
	}
}

static bool key_mgmt_is_mikey(const struct sdp_key_mgmt *km)
{
	return km != NULL && km->present && km->protocol.len == 5 &&
	       strncasecmp(km->protocol.ptr, "mikey", 5) == 0;
}

/*
 * Which keys protect both directions of m-section i. SDES is decided from
 * the a=crypto pair the answer accepted and not from the proto token,
 * because some endpoints send a=crypto under RTP/AVP (RFC 8643).
 */
static enum media_keying section_keying(const struct sdp_session *offer,
					const struct sdp_media *om,
					const struct sdp_session *answer,
					const struct sdp_media *am, unsigned i,
					struct media_crypto_table *oc,
					struct media_crypto_table *ac,
					struct media_pairing *pairing,
					struct sdes_selection *sel)
{
	if (om->crypto_count > 0 || am->crypto_count > 0) {
		parse_crypto(om, i, oc);
		parse_crypto(am, i, ac);
		if (om->crypto_count > 0 && am->crypto_count > 0 &&
		    sdes_select_answer(oc->entry[i], oc->ok[i], om->crypto_count,
				       ac->entry[i], ac->ok[i], am->crypto_count,
				       sel)) {
			if (sel->tag_mismatch)
				pairing->crypto_tag_mismatch++;
			return MEDIA_KEYS_SDES;
		}
		pairing->crypto_unpaired++;
		return MEDIA_KEYS_UNKNOWN;
	}

	bool offer_mikey = key_mgmt_is_mikey(sdp_media_key_mgmt(offer, om));
	bool answer_mikey = key_mgmt_is_mikey(sdp_media_key_mgmt(answer, am));
	if (offer_mikey && answer_mikey)
		return MEDIA_KEYS_MIKEY;
	if (offer_mikey || answer_mikey)
		return MEDIA_KEYS_UNKNOWN;

	/* SAVP without keys in the SDP: DTLS-SRTP or another method. */
	switch (om->proto_id) {
	case SDP_PROTO_RTP_SAVP:
	case SDP_PROTO_RTP_SAVPF:
	case SDP_PROTO_UDP_TLS_RTP_SAVP:
	case SDP_PROTO_UDP_TLS_RTP_SAVPF:
		return MEDIA_KEYS_UNKNOWN;
	default:
		return MEDIA_KEYS_NONE;
	}
}

/* An address media can be sent to: not absent, not 0.0.0.0 or ::. */
static bool dest_from_connection(const struct sdp_connection *c,
				 struct media_dest *dest)
{
	static const uint8_t zero[16];

	if (c == NULL || !c->present || !c->address_valid)
		return false;
	if (c->family != SDP_ADDR_IP4 && c->family != SDP_ADDR_IP6)
		return false;

	memset(dest, 0, sizeof(*dest));
	dest->family = c->family == SDP_ADDR_IP4 ? 4 : 6;
	memcpy(dest->addr, c->ip, dest->family == 4 ? 4 : 16);
	return memcmp(dest->addr, zero, sizeof(zero)) != 0;
}

static void add_flow(struct media_pairing *pairing, const struct media_dest *dest,
		     uint16_t port, unsigned m_index, enum media_flow_kind kind,
		     bool to_answerer, enum media_keying keying,
		     unsigned crypto_index)
{
	if (pairing->count >= MEDIA_MAX_FLOWS || port == 0)
		return;

	struct media_flow *f = &pairing->flows[pairing->count++];
	memset(f, 0, sizeof(*f));
	f->dest = *dest;
	f->dest.port = port;
	f->m_index = (uint8_t)m_index;
	f->kind = kind;
	f->to_answerer = to_answerer;
	f->keying = keying;
	f->crypto_index = (uint8_t)crypto_index;
}

/*
 * Adds the flows that one party receives on: RTP on the m= port and RTCP
 * on the a=rtcp port and address, else on the next port (RFC 3605), or
 * both on the m= port with rtcp-mux.
 */
static void add_receiver_flows(struct media_pairing *pairing,
			       const struct sdp_session *s,
			       const struct sdp_media *m, unsigned m_index,
			       bool mux, bool to_answerer,
			       enum media_keying keying, unsigned crypto_index)
{
	struct media_dest rtp, rtcp;

	if (!dest_from_connection(sdp_media_connection(s, m), &rtp))
		return;

	if (mux) {
		add_flow(pairing, &rtp, m->port, m_index, MEDIA_FLOW_RTP_RTCP,
			 to_answerer, keying, crypto_index);
		return;
	}
	add_flow(pairing, &rtp, m->port, m_index, MEDIA_FLOW_RTP, to_answerer,
		 keying, crypto_index);

	uint16_t rtcp_port = m->port == 65535 ? 0 : m->port + 1;
	rtcp = rtp;
	if (m->has_rtcp) {
		rtcp_port = m->rtcp_port;
		if (m->rtcp_connection.present &&
		    !dest_from_connection(&m->rtcp_connection, &rtcp))
			return;
	}
	add_flow(pairing, &rtcp, rtcp_port, m_index, MEDIA_FLOW_RTCP,
		 to_answerer, keying, crypto_index);
}

/* An m-section whose port could not be read gives no flows. */
static bool section_usable(const struct sdp_media *m)
{
	if (m->error == SDP_ERR_MEDIA || m->error == SDP_ERR_PORT)
		return false;
	return !m->disabled && sdp_proto_is_rtp(m->proto_id);
}

void media_pair(const struct sdp_session *offer, const struct sdp_session *answer,
		struct media_crypto_table *offer_crypto,
		struct media_crypto_table *answer_crypto,
		struct media_pairing *pairing)
{
	unsigned n = offer->media_count < answer->media_count ?
		     offer->media_count : answer->media_count;

	memset(pairing, 0, sizeof(*pairing));
	for (unsigned i = 0; i < n; i++) {
		const struct sdp_media *om = &offer->media[i];
		const struct sdp_media *am = &answer->media[i];
		struct sdes_selection sel = {0};

		if (om->disabled || am->disabled)
			continue;
		if (!section_usable(om) || !section_usable(am)) {
			if (sdp_proto_is_rtp(om->proto_id))
				pairing->sections_invalid++;
			continue;
		}

		enum media_keying keying =
			section_keying(offer, om, answer, am, i, offer_crypto,
				       answer_crypto, pairing, &sel);
		bool mux = om->rtcp_mux && am->rtcp_mux;

		add_receiver_flows(pairing, answer, am, i, mux, true, keying,
				   sel.offer_index);
		add_receiver_flows(pairing, offer, om, i, mux, false, keying,
				   sel.answer_index);
	}
}

void media_crypto_table_wipe(struct media_crypto_table *table)
{
	for (unsigned i = 0; i < SDP_MAX_MEDIA; i++)
		for (unsigned c = 0; c < SDP_MAX_CRYPTO; c++)
			if (table->ok[i][c])
				sdes_crypto_wipe(&table->entry[i][c]);
	memset(table->ok, 0, sizeof(table->ok));
}

bool media_flow_same(const struct media_flow *a, const struct media_flow *b)
{
	return a->dest.family == b->dest.family && a->dest.port == b->dest.port &&
	       memcmp(a->dest.addr, b->dest.addr, sizeof(a->dest.addr)) == 0 &&
	       a->kind == b->kind && a->to_answerer == b->to_answerer &&
	       a->keying == b->keying && a->m_index == b->m_index;
}

const char *media_keying_name(enum media_keying keying)
{
	switch (keying) {
	case MEDIA_KEYS_NONE: return "none";
	case MEDIA_KEYS_SDES: return "sdes";
	case MEDIA_KEYS_MIKEY: return "mikey";
	case MEDIA_KEYS_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *media_flow_kind_name(enum media_flow_kind kind)
{
	switch (kind) {
	case MEDIA_FLOW_RTP: return "rtp";
	case MEDIA_FLOW_RTCP: return "rtcp";
	case MEDIA_FLOW_RTP_RTCP: return "rtp_rtcp";
	}
	return "rtp";
}
