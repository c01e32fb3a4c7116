/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY-TICKET keys of a call: the caller's ticket, the TRANSFER exchange
 * and the callee's resolution at the KMS, done when the call starts, with
 * the capture times the messages would carry, and the callee's key report
 * to the KMS. The tap-altered, expired-ticket and report-mismatch attacks
 * hook in here.
 */
#include "tools/callgen/call.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey.h"
#include "tools/callgen/text.h"
#include "tools/callgen/timefmt.h"

/* The caller asks for its ticket this long before the INVITE. */
#define REQUEST_LEAD_US (100 * CG_US_PER_MS)
/* An expired-ticket call starts this long after the ticket's TRe: LI
 * nodes allow for clock skew at the ends of the window (lime 300 s by
 * default), and the call must be outside the window all the same. */
#define AFTER_EXPIRY_US (600 * CG_US_PER_S)

/* Everything one exchange needs; large, so it lives on the heap. */
struct mikey_work {
	struct cg_ticket ticket;
	struct cg_transfer x;
	struct cg_resolved r;
	struct cg_mikey_user caller;
	struct cg_mikey_user callee;
	struct cg_mikey_failure fail;
	/* report-mismatch: the exchange the capture shows instead of x. */
	struct cg_transfer *shown;
};

static void wipe_work(struct mikey_work *w)
{
	cg_mikey_wipe_ticket(&w->ticket);
	cg_mikey_wipe_resolved(&w->r);
	OPENSSL_cleanse(w->x.key_salt, sizeof(w->x.key_salt));
	if (w->shown != NULL)
		OPENSSL_cleanse(w->shown->key_salt, sizeof(w->shown->key_salt));
	free(w->shown);
	free(w);
}

static bool is_eligible_for_attack(const struct cg_call *c)
{
	return c->target >= 0 || c->gen->opt->target_share == 0.0 || c->gen->n_targets == 0;
}

/* Fails the run on a KMS error in a call's own exchange, with what to change. */
static void fail_kms(struct cg_call *c, const char *exchange, const struct cg_mikey_failure *f)
{
	const char *hint = "";

	if (f->kms_error_no == MIKEY_ERRNO_INVALID_TS)
		hint = "; the KMS clock differs from the capture time by more than its "
		       "max_clock_skew_s: set clock_offset_s in its configuration to "
		       "match --start, or max_clock_skew_s: 0";
	else if (f->kms_error_no == MIKEY_ERRNO_INVALID_ID)
		hint = "; check that --kms-config is the configuration the KMS runs with";
	cg_gen_fail(c->gen, "call %" PRIu64 ": %s failed: %s%s", c->index, exchange,
		    f->msg, hint);
}

/* The ticket window must hold the call, else lime would see an expired
 * ticket in every call. */
static bool check_validity(struct cg_call *c, const struct cg_ticket *t)
{
	int64_t start = c->t[CG_STEP_INVITE], end = c->t[CG_STEP_CLOSE];
	char a[CG_TIME_TEXT_MAX], b[CG_TIME_TEXT_MAX], s[CG_TIME_TEXT_MAX], e[CG_TIME_TEXT_MAX];
	char hint[160];

	if ((!t->has_trs || t->trs_us <= start) && (!t->has_tre || t->tre_us >= end))
		return true;
	if (t->has_trs && t->trs_us > start)
		snprintf(hint, sizeof(hint), "the KMS clock runs ahead of the capture: lower "
			 "its clock_offset_s by at least %" PRId64 " s",
			 (t->trs_us - start) / CG_US_PER_S + 1);
	else
		snprintf(hint, sizeof(hint), "the ticket ends before the call: raise the KMS's "
			 "ticket_policy validity_s, or its clock_offset_s by at least %" PRId64 " s",
			 (end - t->tre_us) / CG_US_PER_S + 1);
	cg_time_format(t->trs_us, a);
	cg_time_format(t->tre_us, b);
	cg_time_format(start, s);
	cg_time_format(end, e);
	cg_gen_fail(c->gen, "call %" PRIu64 ": the KMS issued a ticket valid from %s to %s "
		    "(its clock), but the call runs from %s to %s (capture clock, --start): %s",
		    c->index, a, b, s, e, hint);
	return false;
}

/* A party's MIKEY identity is its URI when that is a user of the KMS
 * configuration. A target written as sip:+number;user=phone prefers its
 * tel: form. */
static const char *preferred_identity(const struct cg_call *c, int side)
{
	if (c->target >= 0 && c->target_party == side)
		return c->gen->targets[c->target];
	return c->party[side].uri;
}

static bool choose_users(struct cg_call *c, struct mikey_work *w,
			 const struct cg_reuse *reuse)
{
	struct cg_gen *g = c->gen;

	if (reuse != NULL) {
		w->caller = reuse->caller;
		w->callee = reuse->callee;
		return true;
	}
	cg_kms_users_caller(g->users, preferred_identity(c, CG_CALLER), &c->rng, &w->caller);
	if (!cg_kms_users_callee(g->users, &w->caller, preferred_identity(c, CG_CALLEE),
				 &c->rng, &w->callee)) {
		cg_gen_fail(g, "call %" PRIu64 ": the KMS lets %s name no user as responder",
			    c->index, w->caller.identity);
		return false;
	}
	return true;
}

static void plan_transfer(struct cg_call *c, struct mikey_work *w)
{
	struct cg_transfer *x = &w->x;

	x->csb_id = (uint32_t)cg_rng_next(&c->rng);
	for (int side = 0; side < 2; side++) {
		x->ssrc[side] = c->streams[side].ssrc;
		x->first_seq[side] = c->streams[side].first_seq;
	}
	cg_rng_bytes(&c->rng, x->randri, sizeof(x->randri));
	cg_rng_bytes(&c->rng, x->randrr, sizeof(x->randrr));
	x->identity_i = w->caller.identity;
	x->identity_r = w->callee.identity;
	x->sip_from = c->party[CG_CALLER].uri;
	x->sip_to = c->party[CG_CALLEE].uri;
	/* IDRi and IDRr are needed when the identity is not the SIP URI, and
	 * sent at random otherwise, so that both MAC inputs occur. */
	x->send_idri = strcmp(x->identity_i, x->sip_from) != 0 || cg_rng_below(&c->rng, 2);
	x->send_idrr = strcmp(x->identity_r, x->sip_to) != 0 || cg_rng_below(&c->rng, 2);
	x->suite = c->suite;
	x->init_time_us = c->t[CG_STEP_INVITE];
	x->resp_time_us = c->t[CG_STEP_ANSWER];
	c->party[CG_CALLER].mikey_identity = w->caller.identity;
	c->party[CG_CALLEE].mikey_identity = w->callee.identity;
}

/* The callee's resolution. For an expired-ticket call the KMS may reject it,
 * and the callee then works with the keys the KMS would have sent. */
static bool resolve(struct cg_call *c, struct mikey_work *w, const struct cg_reuse *reuse)
{
	struct cg_gen *g = c->gen;

	if (cg_mikey_resolve(&g->kms, &w->callee, &w->x, c->t[CG_STEP_TRYING], &c->rng,
			     &w->r, &w->fail) == 0) {
		c->mikey.responder_keys = "kms";
		return true;
	}
	if (reuse == NULL) {
		fail_kms(c, "Ticket Resolve", &w->fail);
		return false;
	}
	snprintf(c->kms_rejection, sizeof(c->kms_rejection), "%s", w->fail.msg);
	c->mikey.kms_rejection = c->kms_rejection;
	c->mikey.responder_keys = "callgen";
	if (cg_mikey_resolve_locally(&reuse->ticket, w->callee.identity, &c->rng, &w->r,
				     &w->fail) != 0) {
		cg_gen_fail(g, "call %" PRIu64 ": %s", c->index, w->fail.msg);
		return false;
	}
	return true;
}

static char *encode(const uint8_t *msg, size_t len)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);

	if (b64 != NULL)
		cg_base64(msg, len, b64);
	return b64;
}

/* tap-altered: the capture shows TRANSFER_INIT with other RANDRi bytes,
 * while both ends keep the keys of the original. */
static void alter_randri(struct cg_call *c, uint8_t *msg, size_t len)
{
	struct mikey_msg m;
	const struct mikey_payload *p;

	if (mikey_parse(msg, len, &m, NULL) != MIKEY_OK)
		return;
	p = mikey_find_randr(&m.payloads, MIKEY_RAND_ROLE_RANDRI);
	if (p == NULL)
		return;
	cg_rng_bytes(&c->gen->attack_rng, msg + (p->u.rand.rand.p - msg), p->u.rand.rand.len);
	c->has_attack = true;
	c->attack.kind = cg_attack_name(CG_ATTACK_TAP_ALTERED);
	c->attack.detail = "the captured TRANSFER_INIT has another RANDRi than the one "
			   "both ends used; its V MAC no longer verifies";
	c->attack.expected_alarms = "mikey_auth_failed";
	c->gen->attacks_made[CG_ATTACK_TAP_ALTERED]++;
}

/*
 * report-mismatch: builds a second exchange of the same ticket and CSB ID
 * with other RANDRi and RANDRr, MACed with the same MPKs, for the capture.
 * A man in the middle with the MPKs shows it to the tap. The ends
 * keep, use and report the original, so the two give different keys.
 */
static bool make_shown_exchange(struct cg_call *c, struct mikey_work *w)
{
	struct cg_gen *g = c->gen;
	struct cg_transfer *alt = malloc(sizeof(*alt));

	if (alt == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	*alt = w->x;
	cg_rng_bytes(&g->attack_rng, alt->randri, sizeof(alt->randri));
	cg_rng_bytes(&g->attack_rng, alt->randrr, sizeof(alt->randrr));
	w->shown = alt;
	if (cg_mikey_transfer_init(alt, &w->ticket, &w->fail) != 0 ||
	    cg_mikey_transfer_resp(alt, &w->ticket, &w->r, &w->fail) != 0) {
		cg_gen_fail(g, "call %" PRIu64 ": %s", c->index, w->fail.msg);
		return false;
	}
	c->has_attack = true;
	c->attack.kind = cg_attack_name(CG_ATTACK_REPORT_MISMATCH);
	c->attack.detail = "the captured TRANSFER_INIT and TRANSFER_RESP carry other RANDRi "
			   "and RANDRr with valid MACs; both ends used and reported the "
			   "originals, so the KMS report and the signalling give other keys";
	c->attack.expected_alarms = "keys_mismatch";
	g->attacks_made[CG_ATTACK_REPORT_MISMATCH]++;
	return true;
}

/* Whether the call at this index reports its keys: spreads the share
 * evenly over the calls without drawing from the call's random stream. */
static bool reports_keys(const struct cg_call *c)
{
	double share = c->gen->opt->report_share;

	return floor((double)(c->index + 1) * share) > floor((double)c->index * share);
}

static bool report_keys(struct cg_call *c, struct mikey_work *w)
{
	struct cg_gen *g = c->gen;

	if (w->shown == NULL && !reports_keys(c))
		return true;
	if (cg_mikey_report(&g->kms, &w->callee, &w->x, c->t[CG_STEP_ANSWER],
			    &c->rng, &w->fail) != 0) {
		fail_kms(c, "key report", &w->fail);
		return false;
	}
	c->mikey.reported = true;
	return true;
}

static bool encode_messages(struct cg_call *c, struct mikey_work *w)
{
	struct cg_gen *g = c->gen;
	const struct cg_transfer *x = w->shown != NULL ? w->shown : &w->x;
	uint8_t *captured = (uint8_t *)x->init;

	if (c->keying == CG_CALL_MIKEY && !c->has_attack && is_eligible_for_attack(c) &&
	    g->attacks_made[CG_ATTACK_TAP_ALTERED] < g->opt->attack_count[CG_ATTACK_TAP_ALTERED]) {
		captured = malloc(w->x.init_len);
		if (captured == NULL) {
			cg_gen_fail(g, "out of memory");
			return false;
		}
		memcpy(captured, w->x.init, w->x.init_len);
		alter_randri(c, captured, w->x.init_len);
	}
	c->offer_key_mgmt = encode(captured, x->init_len);
	c->answer_key_mgmt = encode(x->resp, x->resp_len);
	if (captured != x->init)
		free(captured);
	if (c->offer_key_mgmt == NULL || c->answer_key_mgmt == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	return true;
}

static void fill_record(struct cg_call *c, const struct mikey_work *w)
{
	struct cg_mikey_record *m = &c->mikey;
	const struct cg_ticket *t = &w->ticket;

	c->has_mikey = true;
	m->initiator_id = c->party[CG_CALLER].mikey_identity;
	m->responder_id = c->party[CG_CALLEE].mikey_identity;
	m->idri_sent = w->x.send_idri;
	m->idrr_sent = w->x.send_idrr;
	m->csb_id = w->x.csb_id;
	cg_mikey_flag_letters(w->x.flags, m->flags);
	memcpy(m->ticket_sha256, t->hash, sizeof(m->ticket_sha256));
	m->has_validity = t->has_trs && t->has_tre;
	m->trs_us = t->trs_us;
	m->tre_us = t->tre_us;
	m->forked = w->x.forked;
	for (int side = 0; side < 2; side++)
		memcpy(c->streams[side].key_salt, w->x.key_salt[side], sizeof(w->x.key_salt[side]));
}

static void start_reuse_task(void *ctx, void *arg, int64_t now_us)
{
	struct cg_gen *g = ctx;
	struct cg_reuse *reuse = arg;

	g->pending_extra--;
	cg_call_start(g, g->next_extra_index++, now_us, reuse);
	OPENSSL_cleanse(reuse, sizeof(*reuse));
	free(reuse);
}

/* expired-ticket: keeps this call's reusable ticket for a later call that
 * starts after the ticket's validity has ended. */
static bool plan_reuse(struct cg_call *c, const struct mikey_work *w)
{
	struct cg_gen *g = c->gen;
	const struct cg_ticket *t = &w->ticket;
	struct cg_reuse *reuse;
	int64_t when;

	if (!(t->policy.flags & MIKEY_TP_J)) {
		cg_gen_fail(g, "--attack expired-ticket needs reusable tickets, but the KMS "
			    "issued one without the J flag: set ticket_policy reusable: true "
			    "in the KMS configuration");
		return false;
	}
	if (!t->has_tre) {
		cg_gen_fail(g, "--attack expired-ticket: the KMS ticket has no TRe");
		return false;
	}
	reuse = calloc(1, sizeof(*reuse));
	if (reuse == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	reuse->ticket = *t;
	reuse->ticket.policy.tp_data.p = reuse->ticket.tp_data;
	reuse->caller = w->caller;
	reuse->callee = w->callee;
	snprintf(reuse->call_id, sizeof(reuse->call_id), "%s", c->call_id);
	snprintf(reuse->caller_uri, sizeof(reuse->caller_uri), "%s", c->party[0].uri);
	snprintf(reuse->callee_uri, sizeof(reuse->callee_uri), "%s", c->party[1].uri);
	snprintf(reuse->caller_display, sizeof(reuse->caller_display), "%s", c->party[0].display);
	snprintf(reuse->callee_display, sizeof(reuse->callee_display), "%s", c->party[1].display);
	reuse->target = c->target;
	reuse->target_party = c->target_party;
	when = t->tre_us + AFTER_EXPIRY_US;
	if (when < c->t[CG_STEP_CLOSE] + CG_US_PER_S)
		when = c->t[CG_STEP_CLOSE] + CG_US_PER_S;
	if (!cg_sched_push(&g->sched, when, start_reuse_task, reuse)) {
		free(reuse);
		cg_gen_fail(g, "out of memory");
		return false;
	}
	g->pending_extra++;
	g->attacks_made[CG_ATTACK_EXPIRED_TICKET]++;
	return true;
}

static void mark_reuse(struct cg_call *c, const struct cg_reuse *reuse)
{
	snprintf(c->reuses_call_id, sizeof(c->reuses_call_id), "%s", reuse->call_id);
	c->has_attack = true;
	c->attack.kind = cg_attack_name(CG_ATTACK_EXPIRED_TICKET);
	c->attack.detail = "a reusable ticket used again after its validity end (TRe), "
			   "under a new CSB ID";
	c->attack.expected_alarms = "ticket_expired";
	c->attack.reuses_call_id = c->reuses_call_id;
}

static bool get_ticket(struct cg_call *c, struct mikey_work *w, const struct cg_reuse *reuse)
{
	struct cg_gen *g = c->gen;

	if (reuse != NULL) {
		w->ticket = reuse->ticket;
		w->ticket.policy.tp_data.p = w->ticket.tp_data;
		mark_reuse(c, reuse);
		return true;
	}
	if (cg_mikey_request_ticket(&g->kms, &w->caller, w->callee.identity,
				    c->t[CG_STEP_INVITE] - REQUEST_LEAD_US, &c->rng,
				    &w->ticket, &w->fail) != 0) {
		fail_kms(c, "Ticket Request", &w->fail);
		return false;
	}
	return check_validity(c, &w->ticket);
}

bool cg_call_setup_mikey(struct cg_call *c, const struct cg_reuse *reuse)
{
	struct cg_gen *g = c->gen;
	struct mikey_work *w = calloc(1, sizeof(*w));
	bool ok;

	if (w == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	ok = choose_users(c, w, reuse) && get_ticket(c, w, reuse);
	if (ok) {
		plan_transfer(c, w);
		ok = cg_mikey_transfer_init(&w->x, &w->ticket, &w->fail) == 0;
		if (!ok)
			cg_gen_fail(g, "call %" PRIu64 ": %s", c->index, w->fail.msg);
	}
	ok = ok && resolve(c, w, reuse);
	if (ok && cg_mikey_transfer_resp(&w->x, &w->ticket, &w->r, &w->fail) != 0) {
		cg_gen_fail(g, "call %" PRIu64 ": %s", c->index, w->fail.msg);
		ok = false;
	}
	if (ok && reuse == NULL && !c->has_attack && is_eligible_for_attack(c) &&
	    g->attacks_made[CG_ATTACK_REPORT_MISMATCH] <
	    g->opt->attack_count[CG_ATTACK_REPORT_MISMATCH])
		ok = make_shown_exchange(c, w);
	ok = ok && encode_messages(c, w) && report_keys(c, w);
	if (ok)
		fill_record(c, w);
	if (ok && reuse == NULL && !c->has_attack && is_eligible_for_attack(c) &&
	    g->attacks_made[CG_ATTACK_EXPIRED_TICKET] <
	    g->opt->attack_count[CG_ATTACK_EXPIRED_TICKET])
		ok = plan_reuse(c, w);
	wipe_work(w);
	return ok;
}
