/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events of a call: its SIP steps and its RTP and RTCP packets, each
 * queued at its capture time. A call ends when its last step has run and
 * none of its events is left in the queue.
 */
#include "tools/callgen/call.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/callgen/sdp_text.h"
#include "tools/callgen/timefmt.h"

/* Latest a packet leaves after its nominal time, in microseconds. */
#define MEDIA_JITTER_US 300
#define RTCP_INTERVAL_US (5 * CG_US_PER_S)
#define RTCP_INTERVAL_JITTER_US (100 * CG_US_PER_MS)

static void step_task(void *ctx, void *arg, int64_t now_us);

static void push(struct cg_call *c, int64_t when_us, cg_task_fn fn)
{
	if (cg_sched_push(&c->gen->sched, when_us, fn, c))
		c->pending++;
	else
		cg_gen_fail(c->gen, "out of memory in the event queue");
}

static void maybe_finish(struct cg_call *c)
{
	if (c->step == CG_STEP_DONE && c->pending == 0)
		cg_call_finish(c);
}

static void send_sip(struct cg_call *c, bool from_caller, int64_t ts_us,
		     const char *text, size_t len)
{
	struct cg_gen *g = c->gen;
	const struct cg_party *src = &c->party[from_caller ? CG_CALLER : CG_CALLEE];
	const struct cg_party *dst = &c->party[from_caller ? CG_CALLEE : CG_CALLER];
	struct cg_flow flow = { &src->addr, &dst->addr, src->sip_port, dst->sip_port };

	if (len == 0) {
		cg_gen_fail(g, "call %" PRIu64 ": a SIP message exceeds %d bytes", c->index,
			    CG_SIP_MAX);
		return;
	}
	c->sip_messages++;
	if (c->tcp)
		cg_tcp_send(&g->net, &c->conn, from_caller ? CG_TCP_CLIENT : CG_TCP_SERVER,
			    ts_us, (const uint8_t *)text, len);
	else
		cg_net_udp(&g->net, ts_us, &flow, CG_DSCP_CS3, (const uint8_t *)text, len,
			   CG_CLASS_SIP);
}

/* The offer (side caller) or the answer (side callee). */
static size_t write_sdp(const struct cg_call *c, int side, char *out, size_t cap)
{
	const struct cg_party *p = &c->party[side];
	struct cg_sdp_params sp;

	memset(&sp, 0, sizeof(sp));
	sp.addr = &p->addr;
	sp.session_id = c->session_id[side];
	sp.rtp_port = p->rtp_port;
	sp.rtcp_mux = c->rtcp_mux;
	sp.rtcp_attribute = p->rtcp_attribute;
	sp.codec = c->gen->opt->codec;
	sp.ptime_ms = c->gen->opt->ptime_ms;
	sp.secure = c->keying != CG_CALL_PLAIN;
	if (c->keying == CG_CALL_SDES) {
		const struct cg_sdes_line *lines = side == CG_CALLER ? c->offer_crypto
								     : &c->answer_crypto;
		unsigned n = side == CG_CALLER ? c->n_offer_crypto : 1;

		for (unsigned i = 0; i < n; i++) {
			sp.crypto[i].tag = lines[i].tag;
			sp.crypto[i].suite = lines[i].suite;
			sp.crypto[i].key_salt_b64 = lines[i].key_b64;
		}
		sp.n_crypto = n;
	} else if (c->keying == CG_CALL_MIKEY) {
		sp.key_mgmt_b64 = side == CG_CALLER ? c->offer_key_mgmt : c->answer_key_mgmt;
	}
	return cg_sdp_write(&sp, out, cap);
}

static void rtp_task(struct cg_call *c, int side, cg_task_fn self, int64_t now_us);
static void rtcp_task(struct cg_call *c, int side, cg_task_fn self, int64_t now_us);

static void rtp_caller_task(void *ctx, void *arg, int64_t now_us)
{
	rtp_task(arg, CG_CALLER, rtp_caller_task, now_us);
}

static void rtp_callee_task(void *ctx, void *arg, int64_t now_us)
{
	rtp_task(arg, CG_CALLEE, rtp_callee_task, now_us);
}

static void rtcp_caller_task(void *ctx, void *arg, int64_t now_us)
{
	rtcp_task(arg, CG_CALLER, rtcp_caller_task, now_us);
}

static void rtcp_callee_task(void *ctx, void *arg, int64_t now_us)
{
	rtcp_task(arg, CG_CALLEE, rtcp_callee_task, now_us);
}

/* Queues the first RTP packet and the first sender report of a side. The
 * first report comes 2 to 3 s into the stream, the next every 5 s. */
static void start_media(struct cg_call *c, int side)
{
	struct cg_call_stream *s = &c->streams[side];
	int64_t start = c->media_start[side];

	if (start >= c->media_end)
		return;
	s->next_rtp_us = start;
	push(c, start, side == CG_CALLER ? rtp_caller_task : rtp_callee_task);
	s->next_rtcp_us = start + cg_rng_range(&c->rng, 2 * CG_US_PER_S, 3 * CG_US_PER_S);
	if (s->next_rtcp_us < c->media_end)
		push(c, s->next_rtcp_us, side == CG_CALLER ? rtcp_caller_task : rtcp_callee_task);
}

static void step_invite(struct cg_call *c, int64_t now_us)
{
	char sdp[CG_SDP_MAX], msg[CG_SIP_MAX];
	int64_t ts = now_us;

	if (c->tcp)
		ts = cg_tcp_connect(&c->gen->net, &c->conn, now_us);
	if (write_sdp(c, CG_CALLER, sdp, sizeof(sdp)) == 0) {
		cg_gen_fail(c->gen, "call %" PRIu64 ": the SDP offer exceeds %d bytes",
			    c->index, CG_SDP_MAX);
		return;
	}
	send_sip(c, true, ts, msg, cg_sip_invite(&c->dialog, sdp, msg, sizeof(msg)));
}

static void step_answer(struct cg_call *c, int64_t now_us)
{
	char sdp[CG_SDP_MAX], msg[CG_SIP_MAX];

	if (write_sdp(c, CG_CALLEE, sdp, sizeof(sdp)) == 0) {
		cg_gen_fail(c->gen, "call %" PRIu64 ": the SDP answer exceeds %d bytes",
			    c->index, CG_SDP_MAX);
		return;
	}
	send_sip(c, false, now_us, msg,
		 cg_sip_invite_response(&c->dialog, 200, "OK", sdp, msg, sizeof(msg)));
	start_media(c, CG_CALLEE);
}

static void run_step(struct cg_call *c, int64_t now_us)
{
	char msg[CG_SIP_MAX];
	const struct cg_sip_dialog *d = &c->dialog;

	switch (c->step) {
	case CG_STEP_INVITE:
		step_invite(c, now_us);
		break;
	case CG_STEP_TRYING:
		send_sip(c, false, now_us, msg,
			 cg_sip_invite_response(d, 100, "Trying", NULL, msg, sizeof(msg)));
		break;
	case CG_STEP_RINGING:
		send_sip(c, false, now_us, msg,
			 cg_sip_invite_response(d, 180, "Ringing", NULL, msg, sizeof(msg)));
		break;
	case CG_STEP_ANSWER:
		step_answer(c, now_us);
		break;
	case CG_STEP_ACK:
		send_sip(c, true, now_us, msg, cg_sip_ack(d, true, msg, sizeof(msg)));
		start_media(c, CG_CALLER);
		break;
	case CG_STEP_BYE:
		send_sip(c, c->bye_from_caller, now_us, msg,
			 cg_sip_bye(d, c->bye_from_caller, msg, sizeof(msg)));
		break;
	case CG_STEP_BYE_OK:
		send_sip(c, !c->bye_from_caller, now_us, msg,
			 cg_sip_bye_response(d, c->bye_from_caller, msg, sizeof(msg)));
		break;
	case CG_STEP_CLOSE:
		if (c->tcp)
			cg_tcp_close(&c->gen->net, &c->conn,
				     c->bye_from_caller ? CG_TCP_CLIENT : CG_TCP_SERVER, now_us);
		break;
	case CG_STEP_DONE:
		break;
	}
	c->step++;
	/* Over UDP nothing follows the 200 OK to BYE. */
	if (c->step == CG_STEP_CLOSE && !c->tcp)
		c->step = CG_STEP_DONE;
}

static void step_task(void *ctx, void *arg, int64_t now_us)
{
	struct cg_call *c = arg;

	c->pending--;
	run_step(c, now_us);
	if (c->step != CG_STEP_DONE)
		push(c, c->t[c->step], step_task);
	maybe_finish(c);
}

/* Opens the sending side's stream (and its SRTP session) on first use. */
static bool open_stream(struct cg_call *c, int side)
{
	struct cg_call_stream *cs = &c->streams[side];
	struct cg_stream_params p;
	char cname[64], err[256];

	if (cs->opened)
		return true;
	snprintf(cname, sizeof(cname), "%s@%s", c->party[side].contact_user,
		 side == CG_CALLER ? c->dialog.caller.host : c->dialog.callee.host);
	memset(&p, 0, sizeof(p));
	p.ssrc = cs->ssrc;
	p.first_seq = cs->first_seq;
	p.first_rtp_ts = cs->first_rtp_ts;
	p.codec = c->gen->opt->codec;
	p.ptime_ms = c->gen->opt->ptime_ms;
	p.suite = c->suite;
	p.key_salt = cs->key_salt;
	p.tone_hz = cs->tone_hz;
	p.content_seed = c->gen->opt->seed ^ ((uint64_t)cs->ssrc << 20 ^ c->index);
	p.cname = cname;
	p.payload_path = cs->payload_path;
	if (cg_stream_open(&cs->s, &p, err, sizeof(err)) != 0) {
		cg_gen_fail(c->gen, "call %" PRIu64 ": %s", c->index, err);
		return false;
	}
	cs->opened = true;
	return true;
}

static struct cg_flow media_flow(const struct cg_call *c, int side, bool rtcp)
{
	const struct cg_party *src = &c->party[side], *dst = &c->party[1 - side];
	uint16_t extra = rtcp && !c->rtcp_mux ? 1 : 0;
	struct cg_flow f = { &src->addr, &dst->addr, (uint16_t)(src->rtp_port + extra),
			     (uint16_t)(dst->rtp_port + extra) };

	return f;
}

static void rtp_task(struct cg_call *c, int side, cg_task_fn self, int64_t now_us)
{
	struct cg_call_stream *cs = &c->streams[side];
	uint8_t packet[CG_RTP_MAX];
	struct cg_flow flow = media_flow(c, side, false);
	size_t len;

	c->pending--;
	if (open_stream(c, side)) {
		len = cg_stream_rtp(&cs->s, now_us, packet);
		if (len > 0)
			cg_net_udp(&c->gen->net, now_us, &flow, CG_DSCP_EF, packet, len,
				   CG_CLASS_RTP);
		cs->next_rtp_us += (int64_t)c->gen->opt->ptime_ms * CG_US_PER_MS;
		if (cs->next_rtp_us < c->media_end)
			push(c, cs->next_rtp_us + cg_rng_below(&c->rng, MEDIA_JITTER_US), self);
	}
	maybe_finish(c);
}

static void rtcp_task(struct cg_call *c, int side, cg_task_fn self, int64_t now_us)
{
	struct cg_call_stream *cs = &c->streams[side];
	uint8_t packet[CG_RTP_MAX];
	struct cg_flow flow = media_flow(c, side, true);
	size_t len;

	c->pending--;
	if (open_stream(c, side)) {
		len = cg_stream_rtcp(&cs->s, now_us, packet);
		if (len > 0)
			cg_net_udp(&c->gen->net, now_us, &flow, CG_DSCP_EF, packet, len,
				   CG_CLASS_RTCP);
		cs->next_rtcp_us += RTCP_INTERVAL_US +
				    cg_rng_range(&c->rng, -RTCP_INTERVAL_JITTER_US,
						 RTCP_INTERVAL_JITTER_US);
		if (cs->next_rtcp_us < c->media_end)
			push(c, cs->next_rtcp_us, self);
	}
	maybe_finish(c);
}

void cg_call_run(struct cg_call *c)
{
	c->step = CG_STEP_INVITE;
	push(c, c->t[CG_STEP_INVITE], step_task);
}
