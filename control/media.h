/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MEDIA_H
#define LIME_CONTROL_MEDIA_H

/*
 * Media correlation from one SDP offer/answer exchange (RFC 3264): which
 * UDP destinations carry the call's RTP and RTCP in each direction, and
 * which keys protect each. The Nth m-section of the answer answers the Nth
 * of the offer. A destination is where a party receives, so the answer's
 * address and port carry what the offerer sends, protected by the
 * offerer's own a=crypto (RFC 4568 section 6.1), and the offer's carry
 * what the answerer sends under the answerer's a=crypto. Needs no DPDK.
 */

#include <stdbool.h>
#include <stdint.h>

#include "lib/sdp/sdes.h"
#include "lib/sdp/sdp.h"

/* RTP and a separate RTCP flow per direction for every m-section. */
#define MEDIA_MAX_FLOWS (SDP_MAX_MEDIA * 4)

enum media_keying {
	MEDIA_KEYS_NONE,     /* plain RTP: no a=crypto, no key-mgmt */
	MEDIA_KEYS_SDES,     /* a=crypto pair accepted by the answer */
	MEDIA_KEYS_MIKEY,    /* a=key-mgmt:mikey on both sides */
	MEDIA_KEYS_UNKNOWN,  /* protected, but the keys are not in hand */
};

enum media_flow_kind {
	MEDIA_FLOW_RTP,
	MEDIA_FLOW_RTCP,
	MEDIA_FLOW_RTP_RTCP, /* rtcp-mux: both on one port (RFC 5761) */
};

/* A UDP destination of one direction of one m-section. */
struct media_dest {
	uint8_t family;      /* 4 or 6 */
	uint8_t addr[16];    /* network order, IPv4 in the first 4 bytes */
	uint16_t port;
};

struct media_flow {
	struct media_dest dest;
	uint8_t m_index;                /* position of the m-section */
	enum media_flow_kind kind;
	bool to_answerer;               /* sent by the offerer */
	enum media_keying keying;
	/* Index of the sender's a=crypto in its m-section, with keying SDES. */
	uint8_t crypto_index;
};

struct media_pairing {
	struct media_flow flows[MEDIA_MAX_FLOWS];
	unsigned count;
	/* m-sections skipped because a side had an error in them. */
	unsigned sections_invalid;
	/* a=crypto answers paired with an offer entry of another tag. */
	unsigned crypto_tag_mismatch;
	/* m-sections where a side offered a=crypto but no pair parsed. */
	unsigned crypto_unpaired;
};

/*
 * The parsed a=crypto entries of one SDP, by m-section. It contains keys,
 * so the caller keeps it in one place and wipes it after use.
 */
struct media_crypto_table {
	struct sdes_crypto entry[SDP_MAX_MEDIA][SDP_MAX_CRYPTO];
	bool ok[SDP_MAX_MEDIA][SDP_MAX_CRYPTO];
};

/*
 * Pairs offer and answer into pairing. The a=crypto entries are parsed
 * into offer_crypto and answer_crypto, so that the caller can hand the
 * entries named by crypto_index to the key manager.
 */
void media_pair(const struct sdp_session *offer, const struct sdp_session *answer,
		struct media_crypto_table *offer_crypto,
		struct media_crypto_table *answer_crypto,
		struct media_pairing *pairing);

/* Wipes the keys of every parsed entry. */
void media_crypto_table_wipe(struct media_crypto_table *table);

/* Two flows with the same destination, kind, direction and keying. */
bool media_flow_same(const struct media_flow *a, const struct media_flow *b);

const char *media_keying_name(enum media_keying keying);
const char *media_flow_kind_name(enum media_flow_kind kind);

#endif
