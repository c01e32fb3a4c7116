/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/flood.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/callgen/forge.h"
#include "tools/callgen/kms_users.h"
#include "tools/callgen/sdp_text.h"
#include "tools/callgen/sip_text.h"
#include "tools/callgen/text.h"
#include "tools/callgen/timefmt.h"

#define SIP_PORT 5060
#define FLOODERS 8
#define DEFAULT_KMS_IDENTITY "sip:kms@lime.test"

struct cg_flood {
	struct cg_gen *gen;
	struct cg_rng rng;
	uint32_t sent;
	uint32_t total;
	struct cg_addr victim_addr;
	char victim_uri[128];
	const char *kms_identity;
};

/* One forged INVITE transaction, with its own Call-ID and tags. */
struct forged_call {
	char call_id[64];
	char caller_uri[64];
	char caller_user[16];
	struct cg_addr caller_addr;
	struct cg_sip_dialog dialog;
	char key_mgmt[12000];
	char sdp[CG_SDP_MAX];
	enum cg_forgery kind;
};

static void send_udp(struct cg_gen *g, int64_t ts, const struct cg_addr *src,
		     const struct cg_addr *dst, const char *text, size_t len)
{
	struct cg_flow flow = { src, dst, SIP_PORT, SIP_PORT };

	if (len > 0)
		cg_net_udp(&g->net, ts, &flow, CG_DSCP_CS3, (const uint8_t *)text, len,
			   CG_CLASS_SIP);
}

static bool prepare(struct cg_flood *f, struct forged_call *fc, int64_t now_us)
{
	struct cg_gen *g = f->gen;
	uint32_t k = f->sent;
	uint8_t msg[CG_MIKEY_MSG_MAX];
	struct cg_sdp_params sp;
	char hexid[17];
	size_t len;

	fc->kind = (enum cg_forgery)(k % CG_FORGE_KINDS);
	cg_addr_of(&fc->caller_addr, g->opt->ipv6, CG_POOL_FLOODER, k % FLOODERS);
	snprintf(fc->caller_uri, sizeof(fc->caller_uri), "sip:flood-%u@rogue.test", k % FLOODERS);
	snprintf(fc->caller_user, sizeof(fc->caller_user), "flood%u", k % FLOODERS);
	cg_rng_hex(&f->rng, hexid, 12);
	snprintf(fc->call_id, sizeof(fc->call_id), "flood%u-%s@rogue.test", k, hexid);

	len = cg_forge_transfer_init(fc->kind, &f->rng, f->kms_identity, fc->caller_uri,
				     f->victim_uri, now_us, msg, sizeof(msg));
	if (len == 0) {
		cg_gen_fail(g, "internal error: building forged TRANSFER_INIT %u failed", k);
		return false;
	}
	cg_base64(msg, len, fc->key_mgmt);
	memset(&sp, 0, sizeof(sp));
	sp.addr = &fc->caller_addr;
	sp.session_id = (uint64_t)cg_rng_range(&f->rng, 1, INT64_C(1) << 40);
	sp.rtp_port = (uint16_t)(16384 + 2 * cg_rng_below(&f->rng, 8192));
	sp.codec = g->opt->codec;
	sp.ptime_ms = g->opt->ptime_ms;
	sp.secure = true;
	sp.key_mgmt_b64 = fc->key_mgmt;
	if (cg_sdp_write(&sp, fc->sdp, sizeof(fc->sdp)) == 0) {
		cg_gen_fail(g, "internal error: the forged SDP offer does not fit");
		return false;
	}

	struct cg_sip_dialog *d = &fc->dialog;

	d->call_id = fc->call_id;
	d->caller.uri = fc->caller_uri;
	d->caller.contact_user = fc->caller_user;
	cg_addr_format_host(&fc->caller_addr, d->caller.host);
	d->caller.port = SIP_PORT;
	cg_rng_hex(&f->rng, d->caller.tag, 10);
	d->callee.uri = f->victim_uri;
	d->callee.contact_user = "victim";
	cg_addr_format_host(&f->victim_addr, d->callee.host);
	d->callee.port = SIP_PORT;
	cg_rng_hex(&f->rng, d->callee.tag, 10);
	cg_rng_hex(&f->rng, d->invite_branch, 16);
	return true;
}

static void record(struct cg_flood *f, const struct forged_call *fc, int64_t start,
		   int64_t end)
{
	const struct cg_forgery_info *info = cg_forgery_info(fc->kind);
	struct cg_gen *g = f->gen;
	struct cg_attack_record attack = {
		.kind = cg_attack_name(CG_ATTACK_FORGED_FLOOD),
		.detail = info->detail,
		.expected_alarms = info->expected_alarms,
	};
	struct cg_call_record r;
	char detail[256];

	snprintf(detail, sizeof(detail), "%s: %s", info->name, info->detail);
	attack.detail = detail;
	memset(&r, 0, sizeof(r));
	r.index = g->next_extra_index++;
	r.call_id = fc->call_id;
	r.caller = fc->caller_uri;
	r.callee = f->victim_uri;
	cg_addr_format(&fc->caller_addr, r.caller_addr);
	cg_addr_format(&f->victim_addr, r.callee_addr);
	if (g->n_targets > 0) {
		r.target = g->targets[0];
		r.target_party = "callee";
	}
	r.transport = "udp";
	r.keying = "mikey";
	r.suite = g->opt->suite->name;
	r.final_status = 488;
	r.sip_messages = 4;
	r.start_us = start;
	r.end_us = end;
	r.attack = &attack;
	cg_truth_call(g->truth, &r);
	g->calls_done++;
	g->attack_calls++;
	g->target_calls += g->n_targets > 0;
}

static void flood_task(void *ctx, void *arg, int64_t now_us)
{
	struct cg_gen *g = ctx;
	struct cg_flood *f = arg;
	struct forged_call *fc = calloc(1, sizeof(*fc));
	char msg[CG_SIP_MAX];
	int64_t rejected, ack;

	g->pending_extra--;
	if (fc == NULL || !prepare(f, fc, now_us)) {
		if (fc == NULL)
			cg_gen_fail(g, "out of memory");
		free(fc);
		free(f);
		return;
	}
	rejected = now_us + cg_rng_range(&f->rng, 20, 60) * CG_US_PER_MS;
	ack = rejected + CG_US_PER_MS;
	send_udp(g, now_us, &fc->caller_addr, &f->victim_addr, msg,
		 cg_sip_invite(&fc->dialog, fc->sdp, msg, sizeof(msg)));
	send_udp(g, now_us + 3 * CG_US_PER_MS, &f->victim_addr, &fc->caller_addr, msg,
		 cg_sip_invite_response(&fc->dialog, 100, "Trying", NULL, msg, sizeof(msg)));
	send_udp(g, rejected, &f->victim_addr, &fc->caller_addr, msg,
		 cg_sip_invite_response(&fc->dialog, 488, "Not Acceptable Here", NULL, msg,
					sizeof(msg)));
	send_udp(g, ack, &fc->caller_addr, &f->victim_addr, msg,
		 cg_sip_ack(&fc->dialog, false, msg, sizeof(msg)));
	record(f, fc, now_us, ack);
	g->attacks_made[CG_ATTACK_FORGED_FLOOD]++;
	free(fc);

	if (++f->sent == f->total) {
		free(f);
		return;
	}
	if (cg_sched_push(&g->sched, now_us + cg_rng_range(&f->rng, 10, 30) * CG_US_PER_MS,
			  flood_task, f))
		g->pending_extra++;
	else
		cg_gen_fail(g, "out of memory in the event queue");
}

bool cg_flood_schedule(struct cg_gen *g, int64_t start_us)
{
	uint32_t total = g->opt->attack_count[CG_ATTACK_FORGED_FLOOD];
	struct cg_flood *f;

	if (total == 0)
		return true;
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	f->gen = g;
	f->total = total;
	cg_rng_seed(&f->rng, g->opt->seed, CG_STREAM_FLOOD);
	f->kms_identity = g->users != NULL ? cg_kms_users_kms_identity(g->users)
					   : DEFAULT_KMS_IDENTITY;
	cg_addr_of(&f->victim_addr, g->opt->ipv6, CG_POOL_PARTY, g->flood_victim_party);
	if (g->n_targets > 0)
		snprintf(f->victim_uri, sizeof(f->victim_uri), "%s", g->targets[0]);
	else
		snprintf(f->victim_uri, sizeof(f->victim_uri), "sip:user-%" PRIu64 "@ims.test",
			 g->flood_victim_party);
	if (!cg_sched_push(&g->sched, start_us, flood_task, f)) {
		free(f);
		cg_gen_fail(g, "out of memory in the event queue");
		return false;
	}
	g->pending_extra++;
	return true;
}
