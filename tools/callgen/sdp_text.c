/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/sdp_text.h"

#include <inttypes.h>

#include "tools/callgen/text.h"

#define TELEPHONE_EVENT_PT 101

size_t cg_sdp_write(const struct cg_sdp_params *p, char *out, size_t cap)
{
	const struct cg_codec_info *codec = cg_codec_info(p->codec);
	const char *family = p->addr->family == 6 ? "IP6" : "IP4";
	char addr[CG_ADDR_TEXT_MAX];
	struct cg_text t;

	cg_addr_format(p->addr, addr);
	cg_text_init(&t, out, cap);
	cg_text_add(&t, "v=0\r\n");
	cg_text_add(&t, "o=- %" PRIu64 " 1 IN %s %s\r\n", p->session_id, family, addr);
	cg_text_add(&t, "s=-\r\n");
	cg_text_add(&t, "c=IN %s %s\r\n", family, addr);
	cg_text_add(&t, "t=0 0\r\n");
	if (p->key_mgmt_b64 != NULL)
		cg_text_add(&t, "a=key-mgmt:mikey %s\r\n", p->key_mgmt_b64);
	cg_text_add(&t, "m=audio %u %s %u %u\r\n", p->rtp_port,
		    p->secure ? "RTP/SAVP" : "RTP/AVP", codec->payload_type,
		    TELEPHONE_EVENT_PT);
	cg_text_add(&t, "a=rtpmap:%u %s\r\n", codec->payload_type, codec->rtpmap);
	cg_text_add(&t, "a=rtpmap:%u telephone-event/8000\r\n", TELEPHONE_EVENT_PT);
	cg_text_add(&t, "a=fmtp:%u 0-15\r\n", TELEPHONE_EVENT_PT);
	cg_text_add(&t, "a=ptime:%u\r\n", p->ptime_ms);
	if (p->rtcp_mux)
		cg_text_add(&t, "a=rtcp-mux\r\n");
	else if (p->rtcp_attribute)
		cg_text_add(&t, "a=rtcp:%u\r\n", p->rtp_port + 1);
	for (unsigned i = 0; i < p->n_crypto && i < CG_SDP_MAX_CRYPTO; i++)
		cg_text_add(&t, "a=crypto:%u %s inline:%s\r\n", p->crypto[i].tag,
			    p->crypto[i].suite, p->crypto[i].key_salt_b64);
	cg_text_add(&t, "a=sendrecv\r\n");
	return t.overflow ? 0 : t.len;
}
