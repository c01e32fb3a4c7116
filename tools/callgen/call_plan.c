/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Planning a call: who calls whom from which address, over which
 * transport, with which keys, and when each step happens.
 */
#include "tools/callgen/call.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tools/callgen/text.h"
#include "tools/callgen/timefmt.h"

#define SIP_PORT 5060
/* Shares of the variants that exercise lime's parsers, in percent. */
#define TEL_AS_SIP_PERCENT 50
#define SECOND_CRYPTO_PERCENT 30
#define TAG_RENUMBER_PERCENT 15
#define RTCP_ATTRIBUTE_PERCENT 50

static int64_t draw_ms(struct cg_rng *rng, int lo_ms, int hi_ms)
{
	return cg_rng_range(rng, (int64_t)lo_ms * CG_US_PER_MS, (int64_t)hi_ms * CG_US_PER_MS);
}

static bool percent(struct cg_rng *rng, unsigned p)
{
	return cg_rng_below(rng, 100) < p;
}

static void plan_modes(struct cg_call *c)
{
	const struct cg_options *o = c->gen->opt;

	switch (o->keying) {
	case CG_KEYING_MODE_SDES:
		c->keying = CG_CALL_SDES;
		break;
	case CG_KEYING_MODE_MIKEY:
		c->keying = CG_CALL_MIKEY;
		break;
	case CG_KEYING_MODE_MIXED:
		c->keying = cg_rng_below(&c->rng, 2) ? CG_CALL_MIKEY : CG_CALL_SDES;
		break;
	case CG_KEYING_MODE_NONE:
		c->keying = CG_CALL_PLAIN;
		break;
	}
	c->tcp = o->transport == CG_TRANSPORT_TCP ||
		 (o->transport == CG_TRANSPORT_MIXED && cg_rng_below(&c->rng, 2));
	c->suite = c->keying == CG_CALL_PLAIN ? NULL : o->suite;
	c->rtcp_mux = o->rtcp_mux;
}

/* Writes a target URI as it appears in SIP: a tel: target sometimes as
 * sip:+number@domain;user=phone, which lime must match too. */
static void target_uri(struct cg_call *c, const char *target, char *out, size_t cap)
{
	if (strncmp(target, "tel:", 4) == 0 && percent(&c->rng, TEL_AS_SIP_PERCENT))
		snprintf(out, cap, "sip:%s@ims.test;user=phone", target + 4);
	else
		snprintf(out, cap, "%s", target);
}

static bool plan_parties(struct cg_call *c, const struct cg_reuse *reuse)
{
	struct cg_gen *g = c->gen;
	const struct cg_options *o = g->opt;

	for (int side = 0; side < 2; side++) {
		struct cg_party *p = &c->party[side];
		uint64_t number = 2 * c->index + (uint64_t)side;

		if (!cg_addr_of(&p->addr, o->ipv6, CG_POOL_PARTY, number)) {
			cg_gen_fail(g, "party %" PRIu64 " has no IPv4 address left: use "
				    "--ipv6 or fewer calls", number);
			return false;
		}
		snprintf(p->uri, sizeof(p->uri), "sip:user-%" PRIu64 "@ims.test", number);
		snprintf(p->display, sizeof(p->display), "User %" PRIu64, number);
		snprintf(p->contact_user, sizeof(p->contact_user), "u%" PRIu64, number);
		p->sip_port = SIP_PORT;
	}
	c->target = -1;
	if (reuse != NULL) {
		snprintf(c->party[0].uri, sizeof(c->party[0].uri), "%s", reuse->caller_uri);
		snprintf(c->party[1].uri, sizeof(c->party[1].uri), "%s", reuse->callee_uri);
		snprintf(c->party[0].display, sizeof(c->party[0].display), "%s", reuse->caller_display);
		snprintf(c->party[1].display, sizeof(c->party[1].display), "%s", reuse->callee_display);
		c->target = reuse->target;
		c->target_party = reuse->target_party;
		return true;
	}
	if (g->n_targets > 0 && cg_rng_unit(&c->rng) < o->target_share) {
		struct cg_party *p;

		c->target = (int)cg_rng_below(&c->rng, (uint32_t)g->n_targets);
		c->target_party = (int)cg_rng_below(&c->rng, 2);
		p = &c->party[c->target_party];
		target_uri(c, g->targets[c->target], p->uri, sizeof(p->uri));
		snprintf(p->display, sizeof(p->display), "Target %d", c->target);
	}
	return true;
}

static void plan_times(struct cg_call *c, int64_t t0)
{
	struct cg_rng *r = &c->rng;
	int64_t half_rtt = cg_rng_range(r, 100, 1000);
	int64_t invite_sent = t0 + (c->tcp ? 2 * half_rtt : 0);
	int64_t *t = c->t;

	t[CG_STEP_INVITE] = t0;
	t[CG_STEP_TRYING] = invite_sent + draw_ms(r, 2, 20);
	t[CG_STEP_RINGING] = t0 + draw_ms(r, 40, 300);
	if (t[CG_STEP_RINGING] <= t[CG_STEP_TRYING])
		t[CG_STEP_RINGING] = t[CG_STEP_TRYING] + CG_US_PER_MS;
	t[CG_STEP_ANSWER] = t[CG_STEP_RINGING] + draw_ms(r, 500, 2500);
	t[CG_STEP_ACK] = t[CG_STEP_ANSWER] + draw_ms(r, 5, 40);
	c->media_start[CG_CALLEE] = t[CG_STEP_ANSWER] + draw_ms(r, 1, 5);
	c->media_start[CG_CALLER] = t[CG_STEP_ACK] + draw_ms(r, 1, 10);
	t[CG_STEP_BYE] = t[CG_STEP_ANSWER] + c->gen->opt->duration_us;
	t[CG_STEP_BYE_OK] = t[CG_STEP_BYE] + draw_ms(r, 5, 40);
	t[CG_STEP_CLOSE] = t[CG_STEP_BYE_OK] + draw_ms(r, 10, 100);
	c->media_end = t[CG_STEP_BYE];
	c->bye_from_caller = cg_rng_below(r, 2) == 0;

	/* The caller's port is ephemeral over TCP, as stacks do. */
	if (c->tcp) {
		c->party[CG_CALLER].sip_port = (uint16_t)cg_rng_range(r, 49152, 65535);
		cg_tcp_init(&c->conn, &c->party[CG_CALLER].addr,
			    c->party[CG_CALLER].sip_port, &c->party[CG_CALLEE].addr,
			    c->party[CG_CALLEE].sip_port, (uint32_t)cg_rng_next(r),
			    (uint32_t)cg_rng_next(r), half_rtt);
	}
}

static void plan_media(struct cg_call *c)
{
	struct cg_rng *r = &c->rng;

	/* Caller ports in 16384-32766, callee ports in 32768-49150, even. */
	c->party[CG_CALLER].rtp_port = (uint16_t)(16384 + 2 * cg_rng_below(r, 8192));
	c->party[CG_CALLEE].rtp_port = (uint16_t)(32768 + 2 * cg_rng_below(r, 8192));
	for (int side = 0; side < 2; side++) {
		struct cg_call_stream *s = &c->streams[side];

		s->ssrc = (uint32_t)cg_rng_range(r, 1, UINT32_MAX);
		s->first_seq = (uint16_t)cg_rng_below(r, 65536);
		s->first_rtp_ts = (uint32_t)cg_rng_next(r);
		s->tone_hz = 250 + 50 * cg_rng_below(r, 19);
		c->party[side].rtcp_attribute = !c->rtcp_mux &&
						percent(r, RTCP_ATTRIBUTE_PERCENT);
		c->session_id[side] = (uint64_t)cg_rng_range(r, 1, INT64_C(1) << 40);
	}
}

static void plan_dialog(struct cg_call *c)
{
	struct cg_sip_dialog *d = &c->dialog;
	char hexid[17];

	cg_rng_hex(&c->rng, hexid, 12);
	snprintf(c->call_id, sizeof(c->call_id), "cg%" PRIu64 "-%s@ims.test", c->index, hexid);
	d->call_id = c->call_id;
	d->tcp = c->tcp;
	for (int side = 0; side < 2; side++) {
		struct cg_sip_party *sp = side == CG_CALLER ? &d->caller : &d->callee;
		const struct cg_party *p = &c->party[side];

		sp->uri = p->uri;
		sp->display = p->display;
		sp->contact_user = p->contact_user;
		cg_addr_format_host(&p->addr, sp->host);
		sp->port = p->sip_port;
		cg_rng_hex(&c->rng, sp->tag, 10);
	}
	cg_rng_hex(&c->rng, d->invite_branch, 16);
	cg_rng_hex(&c->rng, d->ack_branch, 16);
	cg_rng_hex(&c->rng, d->bye_branch, 16);
}

static void random_key(struct cg_call *c, uint8_t *key_salt, char *b64)
{
	size_t len = c->suite->key_len + c->suite->salt_len;

	cg_rng_bytes(&c->rng, key_salt, len);
	cg_base64(key_salt, len, b64);
}

/* A second offered suite, so that the answer's pick is not the only one. */
static const char *other_suite(const struct cg_suite *suite)
{
	if (strcmp(suite->name, "AES_CM_128_HMAC_SHA1_32") == 0)
		return "AES_CM_128_HMAC_SHA1_80";
	return "AES_CM_128_HMAC_SHA1_32";
}

/*
 * SDES: each side's own key in its a=crypto. The offer sometimes lists a
 * second suite with tag 2, and the answer sometimes renumbers its tag, so
 * that lime has to pair by suite.
 */
static void plan_sdes(struct cg_call *c)
{
	struct cg_sdes_line *first = &c->offer_crypto[0];

	first->tag = 1;
	first->suite = c->suite->name;
	random_key(c, c->streams[CG_CALLER].key_salt, first->key_b64);
	c->n_offer_crypto = 1;
	if (percent(&c->rng, SECOND_CRYPTO_PERCENT)) {
		const struct cg_suite *alt = cg_suite_find(other_suite(c->suite));
		uint8_t alt_key[CG_KEY_SALT_MAX];
		struct cg_sdes_line *second = &c->offer_crypto[1];

		second->tag = 2;
		second->suite = alt->name;
		cg_rng_bytes(&c->rng, alt_key, alt->key_len + alt->salt_len);
		cg_base64(alt_key, alt->key_len + alt->salt_len, second->key_b64);
		c->n_offer_crypto = 2;
	}
	c->answer_crypto.tag = 1;
	c->answer_crypto.suite = c->suite->name;
	random_key(c, c->streams[CG_CALLEE].key_salt, c->answer_crypto.key_b64);
	if (percent(&c->rng, TAG_RENUMBER_PERCENT)) {
		c->answer_crypto.tag = c->n_offer_crypto == 2 ? 2 : 3;
		c->tag_renumbered = true;
	}
}

static bool plan_payload_paths(struct cg_call *c)
{
	static const char *const names[2] = { "caller_to_callee", "callee_to_caller" };
	const char *dir = c->gen->opt->truth_payloads_dir;

	if (dir == NULL)
		return true;
	for (int side = 0; side < 2; side++) {
		size_t len = strlen(dir) + 64;

		c->streams[side].payload_path = malloc(len);
		if (c->streams[side].payload_path == NULL) {
			cg_gen_fail(c->gen, "out of memory");
			return false;
		}
		snprintf(c->streams[side].payload_path, len, "%s/%" PRIu64 "-%s.raw", dir,
			 c->index, names[side]);
	}
	return true;
}

void cg_call_free(struct cg_call *c)
{
	if (c == NULL)
		return;
	for (int side = 0; side < 2; side++) {
		free(c->streams[side].payload_path);
		OPENSSL_cleanse(c->streams[side].key_salt, sizeof(c->streams[side].key_salt));
	}
	free(c->offer_key_mgmt);
	free(c->answer_key_mgmt);
	free(c);
}

bool cg_call_start(struct cg_gen *g, uint64_t index, int64_t t0,
		   const struct cg_reuse *reuse)
{
	struct cg_call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		cg_gen_fail(g, "out of memory at call %" PRIu64, index);
		return false;
	}
	c->gen = g;
	c->index = index;
	cg_rng_seed(&c->rng, g->opt->seed, CG_STREAM_CALL + index);
	plan_modes(c);
	if (reuse != NULL)
		c->keying = CG_CALL_MIKEY;
	if (!plan_parties(c, reuse)) {
		cg_call_free(c);
		return false;
	}
	plan_times(c, t0);
	plan_media(c);
	plan_dialog(c);
	if (c->keying == CG_CALL_SDES)
		plan_sdes(c);
	if (!plan_payload_paths(c) ||
	    (c->keying == CG_CALL_MIKEY && !cg_call_setup_mikey(c, reuse))) {
		cg_call_free(c);
		return false;
	}
	g->active_calls++;
	if (g->active_calls > g->peak_active_calls)
		g->peak_active_calls = g->active_calls;
	cg_call_run(c);
	return true;
}
