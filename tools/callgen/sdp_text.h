/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_SDP_TEXT_H
#define LIME_TOOLS_CALLGEN_SDP_TEXT_H

/*
 * One audio session description (RFC 8866) of an offer or an answer: a
 * single m=audio section with the codec, telephone-event, ptime,
 * RTCP port or rtcp-mux, SDES a=crypto lines (RFC 4568) or a MIKEY
 * a=key-mgmt line (RFC 4567) at session level.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/audio.h"
#include "tools/callgen/netaddr.h"

#define CG_SDP_MAX 4096
#define CG_SDP_MAX_CRYPTO 2

struct cg_sdp_crypto {
	uint32_t tag;
	const char *suite;
	const char *key_salt_b64;
};

struct cg_sdp_params {
	const struct cg_addr *addr;
	uint64_t session_id;
	uint16_t rtp_port;
	bool rtcp_mux;
	bool rtcp_attribute;       /* write a=rtcp:<port+1> without mux */
	enum cg_codec codec;
	uint32_t ptime_ms;
	bool secure;               /* RTP/SAVP, else RTP/AVP */
	struct cg_sdp_crypto crypto[CG_SDP_MAX_CRYPTO];
	unsigned n_crypto;
	const char *key_mgmt_b64;  /* MIKEY message, NULL for none */
};

/* Writes the SDP; returns its length, or 0 when it does not fit. */
size_t cg_sdp_write(const struct cg_sdp_params *p, char *out, size_t cap);

#endif
