/* SPDX-License-Identifier: BSD-3-Clause */
/* The ground truth of a finished call. */
#include "tools/callgen/call.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const direction_names[2] = { "caller_to_callee", "callee_to_caller" };

static const char *keying_name(enum cg_call_keying k)
{
	switch (k) {
	case CG_CALL_SDES:
		return "sdes";
	case CG_CALL_MIKEY:
		return "mikey";
	case CG_CALL_PLAIN:
		break;
	}
	return "none";
}

/* Closes a stream and describes it; returns false when it failed. */
static bool record_stream(struct cg_call *c, int side, struct cg_stream_record *r)
{
	struct cg_call_stream *cs = &c->streams[side];
	const struct cg_party *src = &c->party[side], *dst = &c->party[1 - side];
	uint16_t rtcp_offset = c->rtcp_mux ? 0 : 1;
	char err[512];

	memset(r, 0, sizeof(*r));
	r->direction = direction_names[side];
	cg_addr_format(&src->addr, r->src);
	cg_addr_format(&dst->addr, r->dst);
	r->src_port = src->rtp_port;
	r->dst_port = dst->rtp_port;
	r->rtcp_src_port = (uint16_t)(src->rtp_port + rtcp_offset);
	r->rtcp_dst_port = (uint16_t)(dst->rtp_port + rtcp_offset);
	r->ssrc = cs->ssrc;
	r->payload_type = cg_codec_info(c->gen->opt->codec)->payload_type;
	r->suite = c->suite != NULL ? c->suite->name : "none";
	if (c->suite != NULL) {
		r->key_salt = cs->key_salt;
		r->key_salt_len = c->suite->key_len + c->suite->salt_len;
	}
	r->mikey_cs_id = c->keying == CG_CALL_MIKEY ? (unsigned)side + 1 : 0;
	r->first_seq = cs->first_seq;
	r->first_rtp_ts = cs->first_rtp_ts;
	r->tone_hz = c->gen->opt->codec == CG_CODEC_WIDEBAND ? 0 : cs->tone_hz;
	if (!cs->opened)
		return true;
	r->payload_file = cs->payload_path;
	r->packets = cs->s.packets;
	r->rtcp_packets = cs->s.rtcp_packets;
	r->last_seq = cs->s.last_seq;
	r->payload_bytes = cs->s.payload_bytes;
	r->first_us = cs->s.first_us;
	r->last_us = cs->s.last_us;
	if (cg_stream_close(&cs->s, r->payload_sha256, err, sizeof(err)) != 0) {
		cg_gen_fail(c->gen, "call %" PRIu64 ": %s", c->index, err);
		return false;
	}
	cs->opened = false;
	return true;
}

void cg_call_finish(struct cg_call *c)
{
	struct cg_gen *g = c->gen;
	struct cg_call_record r;

	memset(&r, 0, sizeof(r));
	r.index = c->index;
	r.call_id = c->call_id;
	r.caller = c->party[CG_CALLER].uri;
	r.callee = c->party[CG_CALLEE].uri;
	cg_addr_format(&c->party[CG_CALLER].addr, r.caller_addr);
	cg_addr_format(&c->party[CG_CALLEE].addr, r.callee_addr);
	if (c->target >= 0) {
		r.target = g->targets[c->target];
		r.target_party = c->target_party == CG_CALLER ? "caller" : "callee";
	}
	r.transport = c->tcp ? "tcp" : "udp";
	r.keying = keying_name(c->keying);
	r.suite = c->suite != NULL ? c->suite->name : "none";
	r.rtcp_mux = c->rtcp_mux;
	r.sdes_tag_renumbered = c->tag_renumbered;
	r.final_status = 200;
	r.sip_messages = c->sip_messages;
	r.start_us = c->t[CG_STEP_INVITE];
	r.answer_us = c->t[CG_STEP_ANSWER];
	r.end_us = c->tcp ? c->t[CG_STEP_CLOSE] : c->t[CG_STEP_BYE_OK];
	r.mikey = c->has_mikey ? &c->mikey : NULL;
	r.attack = c->has_attack ? &c->attack : NULL;
	r.n_streams = 2;
	for (int side = 0; side < 2; side++) {
		if (!record_stream(c, side, &r.streams[side]))
			break;
	}
	cg_truth_call(g->truth, &r);

	g->calls_done++;
	g->streams += 2;
	g->target_calls += c->target >= 0;
	g->attack_calls += c->has_attack;
	g->active_calls--;
	cg_call_free(c);
}
