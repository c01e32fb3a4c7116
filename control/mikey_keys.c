/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_pause.h>

#include "control/control.h"
#include "control/debug_keys.h"
#include "control/mikey_plain.h"
#include "control/mikey/mikey_li_call.h"
#include "control/mikey/mikey_li_precheck.h"
#include "control/mikey/mikey_li_validity.h"
#include "control/mikey_sourced.h"
#include "lib/util/log.h"

/* Resolved tickets kept, and how long without a known validity end. */
#define TICKET_CACHE_SIZE 4096
#define TICKET_CACHE_TTL_US (24LL * 3600 * 1000000)
#define RESOLVE_MAX 8192
#define POLL_BURST 16

/* One answered exchange, kept while its ticket is being resolved. */
struct mikey_exchange {
	char call_id[128];
	uint8_t *ti;
	size_t ti_len;
	uint8_t *tr;
	size_t tr_len;
	char *from;
	char *to;
	int64_t ts_us;
	struct mikey_li_precheck pc;    /* its slices point into ti */
	uint32_t stream_ids[MEDIA_MAX_FLOWS];
	uint32_t generations[MEDIA_MAX_FLOWS];
	unsigned n_streams;
	uint32_t liid_ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	unsigned n_liids;
	struct mikey_exchange *next;    /* waiting for the same resolution */
	int64_t answered_mono_us;       /* when the answer was seen, wall clock */
};

/*
 * One ticket being resolved at the KMS. It starts at the offer, so that
 * the keys are usually in hand when the answer comes, and the exchanges
 * answered meanwhile wait on it. offer names the call whose offer started
 * it, for the alarm when the KMS rejects the ticket and no answer came.
 */
struct resolution {
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];
	struct mikey_li_resolve_request req;
	uint8_t msg[RESOLVE_MAX];
	size_t msg_len;
	struct mikey_exchange *offer;
	struct mikey_exchange *waiters;
	struct resolution *next;        /* in flight */
};

static int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

uint32_t mikey_keys_latency_quantile(const struct mikey_keys_stats *s, double q)
{
	static uint32_t sorted[MIKEY_LATENCY_SAMPLES];
	size_t n = s->latency_count < MIKEY_LATENCY_SAMPLES ? s->latency_count :
		   MIKEY_LATENCY_SAMPLES;

	if (n == 0)
		return 0;
	memcpy(sorted, s->latency_us, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

static int64_t wall_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct kms_client *mikey_keys_start_kms(const struct lime_config *cfg, char *err,
					size_t err_len)
{
	const struct lime_kms_config *kms = &cfg->kms;
	struct kms_client_config kc;

	kms_client_config_init(&kc);
	kc.url = kms->url;
	kc.ca_file = kms->ca_file;
	kc.cert_file = kms->cert_file;
	kc.key_file = kms->key_file;
	kc.timeout_ms = kms->timeout_ms;
	kc.max_retries = kms->retries;
	if (cfg->io_backend != NULL && strcmp(cfg->io_backend, "epoll") == 0)
		kc.backend = KMS_IO_EPOLL;
	else if (cfg->io_backend != NULL && strcmp(cfg->io_backend, "io_uring") == 0)
		kc.backend = KMS_IO_URING;
	return kms_client_start(&kc, err, err_len);
}

int mikey_keys_init(struct control *c)
{
	struct mikey_keys *mk = &c->mikey;
	const struct lime_kms_config *kms = &c->cfg->kms;
	struct mikey_li_limiter_config lc;
	struct mikey_li_reuse_config rc;
	char err[256];

	memset(mk, 0, sizeof(*mk));
	if (!kms->present)
		return 0;

	mk->kms = mikey_keys_start_kms(c->cfg, err, sizeof(err));
	if (mk->kms == NULL) {
		LOG_ERR("KMS client: %s", err);
		return -1;
	}

	mikey_li_node_init(&mk->node, kms->identity, kms->psk, kms->psk_len,
			   kms->kms_identity);
	mikey_li_policy_init(&mk->policy);
	mk->policy.kms_identity = kms->kms_identity;
	mk->policy.max_clock_skew_us = (int64_t)kms->skew_s * MIKEY_LI_US_PER_S;
	mk->policy.validity_skew_us = (int64_t)kms->skew_s * MIKEY_LI_US_PER_S;
	mikey_li_limiter_config_init(&lc);
	/* Bursts allow two seconds' worth of requests at once. */
	lc.global_rate = kms->rate_limit;
	lc.global_burst = 2 * kms->rate_limit;
	lc.source_rate = kms->source_rate_limit;
	lc.source_burst = 2 * kms->source_rate_limit;
	mikey_li_reuse_config_init(&rc);
	if (mikey_li_limiter_init(&mk->limiter, &lc) != 0 ||
	    mikey_li_reuse_init(&mk->reuse, &rc) != 0 ||
	    mikey_li_lru_init(&mk->cache, TICKET_CACHE_SIZE, sizeof(struct mikey_li_keys)) != 0) {
		LOG_ERR("MIKEY keys: out of memory for the ticket tables");
		return -1;
	}
	mk->enabled = true;
	return mikey_sourced_init(c);
}

static void exchange_free(struct mikey_exchange *x)
{
	if (x == NULL)
		return;
	free(x->ti);
	free(x->tr);
	free(x->from);
	free(x->to);
	explicit_bzero(x, sizeof(*x));
	free(x);
}

/* The meaning of a failed KMS request, as the alarm's reason. */
static const char *kms_failure_text(enum kms_result r)
{
	switch (r) {
	case KMS_RESULT_UNREACHABLE:
		return "the KMS could not be reached (connection refused or lost)";
	case KMS_RESULT_TIMEOUT:
		return "the KMS did not answer in time";
	case KMS_RESULT_TLS_ERROR:
		return "the TLS handshake with the KMS failed (check kms.ca_file and the KMS certificate)";
	case KMS_RESULT_BREAKER_OPEN:
		return "requests to the KMS are paused after repeated failures (circuit breaker open)";
	case KMS_RESULT_HTTP_ERROR:
		return "the KMS answered with an HTTP error";
	case KMS_RESULT_OVERLOADED:
		return "too many KMS requests are outstanding";
	default:
		return kms_result_name(r);
	}
}

static void resolution_free(struct resolution *r);
static void unlink_resolution(struct mikey_keys *mk, struct resolution *r);

void mikey_keys_free(struct control *c)
{
	struct mikey_keys *mk = &c->mikey;
	struct kms_response *resp[POLL_BURST];
	size_t n;

	if (!mk->enabled)
		return;
	mikey_sourced_free(c);
	kms_client_drain(mk->kms, 0);
	while ((n = kms_client_poll(mk->kms, resp, POLL_BURST)) > 0)
		for (size_t i = 0; i < n; i++) {
			struct resolution *r = resp[i]->user;
			unlink_resolution(mk, r);
			resolution_free(r);
			kms_response_free(resp[i]);
		}
	kms_client_stop(mk->kms, 0);
	mikey_li_limiter_free(&mk->limiter);
	mikey_li_reuse_free(&mk->reuse);
	mikey_li_lru_free(&mk->cache);
	mk->enabled = false;
}

/* Tells the streams of x that their keys will not come. */
static void give_up(struct control *c, const struct mikey_exchange *x)
{
	for (unsigned i = 0; i < x->n_streams; i++)
		media_stream_signal(c, x->stream_ids[i], x->generations[i], MEDIA_MSG_NO_KEYS,
				    NULL, 0);
}

static void report_alarm(struct control *c, const struct mikey_exchange *x,
		  enum lime_alarm_kind kind, const char *reason)
{
	control_raise_alarm(c, kind, reason, x->call_id, x->ts_us, x->liid_ids,
			    x->cins, x->n_liids);
}

static enum lime_alarm_kind alarm_of(enum mikey_li_status st)
{
	switch (st) {
	case MIKEY_LI_FORGED: return ALARM_MIKEY_FORGED;
	case MIKEY_LI_AUTH_FAILED: return ALARM_MIKEY_AUTH_FAILED;
	case MIKEY_LI_TICKET_EXPIRED: return ALARM_TICKET_EXPIRED;
	case MIKEY_LI_TICKET_REUSE: return ALARM_TICKET_REUSE;
	case MIKEY_LI_KMS_ERROR: return ALARM_KMS_ERROR;
	default: return ALARM_KEY_UNAVAILABLE;
	}
}

unsigned mikey_keys_fill_sets(const struct mikey_li_call_keys *ck,
			      struct srtp_session_key *sets)
{
	unsigned n = 0;

	for (size_t i = 0; i < ck->n_streams && n < MEDIA_KEY_SETS; i++) {
		const struct mikey_li_stream *cs = &ck->streams[i];

		if (!cs->usable)
			continue;
		sets[n].keys = cs->keys;
		sets[n].has_ssrc = cs->has_ssrc && cs->ssrc != 0;
		sets[n].ssrc = cs->ssrc;
		sets[n].roc = cs->has_roc ? cs->roc : 0;
		n++;
	}
	return n;
}

void mikey_keys_send_sets(struct control *c, const struct mikey_keys_target *t,
			  const struct srtp_session_key *sets, unsigned n)
{
	for (unsigned i = 0; i < t->n_streams; i++) {
		if (media_stream_signal(c, t->stream_ids[i], t->generations[i],
					MEDIA_MSG_KEYS, sets, n) != 0)
			continue;
		c->mikey.stats.keyed_streams++;
		if (c->debug_events != NULL)
			debug_keys_sets(c->debug_events, c->dialogs, &(struct debug_key_sets){
				.call_id = t->call_id, .ts_us = t->ts_us,
				.liid_ids = t->liid_ids, .n_liids = t->n_liids,
				.stream_id = t->stream_ids[i],
				.source = t->source, .sets = sets, .n_sets = n });
	}
}

/* Sends each stream the keys of every crypto session that has them. */
static void key_streams(struct control *c, struct mikey_exchange *x,
			const struct mikey_li_call_keys *ck)
{
	struct srtp_session_key sets[MEDIA_KEY_SETS];
	unsigned n = mikey_keys_fill_sets(ck, sets);

	if (n == 0) {
		report_alarm(c, x, ALARM_KEY_UNAVAILABLE, "no crypto session of the exchange gave usable keys");
		give_up(c, x);
		return;
	}
	mikey_keys_send_sets(c, &(struct mikey_keys_target){
		.call_id = x->call_id, .ts_us = x->ts_us,
		.stream_ids = x->stream_ids, .generations = x->generations,
		.n_streams = x->n_streams, .liid_ids = x->liid_ids,
		.n_liids = x->n_liids, .source = DEBUG_KEYS_MIKEY_TICKET }, sets, n);
	explicit_bzero(sets, sizeof(sets));

	if (x->answered_mono_us != 0) {
		struct mikey_keys_stats *st = &c->mikey.stats;
		int64_t us = monotonic_us() - x->answered_mono_us;
		st->latency_us[st->latency_count++ % MIKEY_LATENCY_SAMPLES] =
			(uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
	}
}

/* Hands the exchange to the KMS-sourced key path (mikey_sourced.c). */
static void finish_sourced(struct control *c, const struct mikey_exchange *x,
			   const struct mikey_li_keys *keys)
{
	struct mikey_sourced_exchange v = {
		.call_id = x->call_id, .ti = x->ti, .ti_len = x->ti_len,
		.tr = x->tr, .tr_len = x->tr_len, .from = x->from, .to = x->to,
		.ts_us = x->ts_us, .pc = &x->pc, .stream_ids = x->stream_ids,
		.generations = x->generations, .n_streams = x->n_streams,
		.liid_ids = x->liid_ids, .cins = x->cins, .n_liids = x->n_liids,
	};

	mikey_sourced_finish(c, &v, keys);
}

/*
 * Checks the exchange with the keys of its ticket and keys the streams:
 * the TRANSFER_INIT MAC first, because the ticket's window and flags
 * count only once it holds, then validity, reuse, and the TRANSFER_RESP.
 */
static void finish(struct control *c, struct mikey_exchange *x,
		   const struct mikey_li_keys *keys)
{
	struct mikey_keys *mk = &c->mikey;
	struct mikey_li_transfer t = {
		.ti = x->ti, .ti_len = x->ti_len, .tr = x->tr, .tr_len = x->tr_len,
		.sip_from = {(const uint8_t *)x->from, x->from ? strlen(x->from) : 0},
		.sip_to = {(const uint8_t *)x->to, x->to ? strlen(x->to) : 0},
	};
	struct mikey_li_failure fail = {0};
	struct mikey_li_validity v;
	struct mikey_li_reuse_result rr;
	struct mikey_li_call_keys ck;

	if (mk->sourced != NULL) {
		finish_sourced(c, x, keys);
		return;
	}
	if (mikey_li_verify_init(&t, keys, &fail) != MIKEY_LI_OK) {
		report_alarm(c, x, alarm_of(fail.status), fail.reason);
		give_up(c, x);
		return;
	}
	if (mikey_li_check_validity(&x->pc, x->ts_us, &mk->policy, &v) == MIKEY_LI_TICKET_EXPIRED)
		report_alarm(c, x, ALARM_TICKET_EXPIRED, v.reason);
	if (mikey_li_reuse_record(&mk->reuse, x->pc.ticket_hash, x->pc.csb_id,
				  (x->pc.tp_flags & MIKEY_TP_J) != 0, x->ts_us,
				  &rr) == MIKEY_LI_TICKET_REUSE)
		report_alarm(c, x, ALARM_TICKET_REUSE, rr.reason);

	enum mikey_li_status st = mikey_li_derive_call(&t, keys, &mk->policy, &ck, &fail);
	if (st != MIKEY_LI_OK) {
		report_alarm(c, x, alarm_of(st), fail.reason);
		give_up(c, x);
		return;
	}
	key_streams(c, x, &ck);
	mikey_li_call_keys_wipe(&ck);
}

static struct mikey_exchange *copy_exchange(const struct call_mikey_event *ev)
{
	struct mikey_exchange *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	snprintf(x->call_id, sizeof(x->call_id), "%.*s",
		 (int)ev->call_id_len, ev->call_id);
	x->ti = malloc(ev->ti_len ? ev->ti_len : 1);
	x->tr = ev->tr != NULL ? malloc(ev->tr_len) : NULL;
	x->from = ev->from != NULL ? strdup(ev->from) : NULL;
	x->to = ev->to != NULL ? strdup(ev->to) : NULL;
	if (x->ti == NULL || (ev->tr != NULL && x->tr == NULL)) {
		exchange_free(x);
		return NULL;
	}
	memcpy(x->ti, ev->ti, ev->ti_len);
	x->ti_len = ev->ti_len;
	if (x->tr != NULL) {
		memcpy(x->tr, ev->tr, ev->tr_len);
		x->tr_len = ev->tr_len;
	}
	x->ts_us = ev->ts_us;
	for (unsigned i = 0; i < ev->n_liids && i < INTERCEPT_MATCH_MAX; i++) {
		x->liid_ids[i] = ev->liid_ids[i];
		x->cins[i] = ev->cins[i];
		x->n_liids++;
	}
	return x;
}

static struct resolution *find_in_flight(struct mikey_keys *mk, const uint8_t *hash)
{
	for (struct resolution *r = mk->in_flight; r != NULL; r = r->next)
		if (memcmp(r->hash, hash, MIKEY_LI_TICKET_HASH_LEN) == 0)
			return r;
	return NULL;
}

static void resolution_free(struct resolution *r)
{
	exchange_free(r->offer);
	while (r->waiters != NULL) {
		struct mikey_exchange *x = r->waiters;
		r->waiters = x->next;
		exchange_free(x);
	}
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/*
 * Sends the LI resolution of x's ticket. x becomes the offer of the
 * resolution, or its first waiter when waiting. Returns false, after
 * reporting why, when nothing was sent; x is then still the caller's.
 */
static bool start_resolution(struct control *c, struct mikey_exchange *x, bool waiting)
{
	struct mikey_keys *mk = &c->mikey;
	struct mikey_li_failure fail = {0};
	enum kms_result why;
	struct resolution *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return false;
	memcpy(r->hash, x->pc.ticket_hash, sizeof(r->hash));
	if (mikey_li_build_resolve(&mk->node, x->ti, x->ti_len, wall_clock_us(),
				   r->msg, sizeof(r->msg), &r->msg_len, &r->req,
				   &fail) != MIKEY_LI_OK) {
		report_alarm(c, x, ALARM_KEY_UNAVAILABLE, fail.reason);
		free(r);
		return false;
	}
	if (kms_client_submit(mk->kms, r->msg, r->msg_len, r, &why) == 0) {
		/* Nothing was sent; an offer's answer tries again. */
		mk->stats.requests_refused++;
		if (waiting)
			report_alarm(c, x, why == KMS_RESULT_BREAKER_OPEN ? ALARM_KMS_UNREACHABLE :
				     ALARM_KMS_ERROR, kms_failure_text(why));
		free(r);
		return false;
	}
	if (waiting)
		r->waiters = x;
	else
		r->offer = x;
	r->next = mk->in_flight;
	mk->in_flight = r;
	mk->stats.requests++;
	/* An unpaced capture reader waits for the answer. */
	__atomic_fetch_add(&c->dp->pending_key_requests, 1, __ATOMIC_RELEASE);
	return true;
}

/* Whether lime may ask the KMS about x's ticket now; counts what is shed. */
static bool admit(struct control *c, struct mikey_exchange *x, uint8_t family,
		  const uint8_t *src)
{
	struct mikey_keys *mk = &c->mikey;
	enum mikey_li_admission a = mikey_li_limiter_admit(&mk->limiter, src,
							   family == 4 ? 4 : 16,
							   x->pc.ticket_hash, x->ts_us);

	if (a == MIKEY_LI_ADMIT)
		return true;
	mk->stats.shed++;
	if (a == MIKEY_LI_SHED_REJECTED)
		report_alarm(c, x, ALARM_MIKEY_FORGED, "the KMS rejected this ticket before");
	return false;
}

void mikey_keys_on_offer(void *ctx, const struct call_mikey_event *ev)
{
	struct control *c = ctx;
	struct mikey_keys *mk = &c->mikey;

	if (!mk->enabled || mikey_plain_handles(ev))
		return;
	struct mikey_exchange *x = copy_exchange(ev);
	if (x == NULL)
		return;

	if (mikey_li_precheck(x->ti, x->ti_len, x->ts_us, &mk->policy, &x->pc) != MIKEY_LI_OK) {
		mk->stats.forged_offers++;
		report_alarm(c, x, ALARM_MIKEY_FORGED, x->pc.reason);
		exchange_free(x);
		return;
	}
	if (mikey_li_lru_find(&mk->cache, x->pc.ticket_hash, MIKEY_LI_TICKET_HASH_LEN,
			      x->ts_us) != NULL ||
	    find_in_flight(mk, x->pc.ticket_hash) != NULL ||
	    !admit(c, x, ev->src_family, ev->src_addr) ||
	    !start_resolution(c, x, false))
		exchange_free(x);
}

void mikey_keys_on_exchange(void *ctx, const struct call_mikey_event *ev)
{
	struct control *c = ctx;
	struct mikey_keys *mk = &c->mikey;

	/* Plain RFC 3830 MIKEY carries its keys itself: no KMS. */
	if (mikey_plain_handles(ev)) {
		mikey_plain_on_exchange(c, ev);
		return;
	}
	struct mikey_exchange *x = copy_exchange(ev);

	if (x == NULL) {
		LOG_ERR("MIKEY keys: out of memory for an exchange of call %.*s",
			(int)ev->call_id_len, ev->call_id);
		return;
	}
	for (unsigned i = 0; i < ev->n_streams && i < MEDIA_MAX_FLOWS; i++) {
		x->stream_ids[x->n_streams] = ev->stream_ids[i];
		x->generations[x->n_streams++] = key_manager_generation(&c->keys, ev->stream_ids[i]);
	}
	mk->stats.exchanges++;
	x->answered_mono_us = monotonic_us();

	if (!mk->enabled) {
		report_alarm(c, x, ALARM_KEY_UNAVAILABLE, "no kms section in the configuration");
		give_up(c, x);
		exchange_free(x);
		return;
	}
	if (x->ti_len == 0 ||
	    mikey_li_precheck(x->ti, x->ti_len, x->ts_us, &mk->policy, &x->pc) != MIKEY_LI_OK) {
		report_alarm(c, x, ALARM_MIKEY_FORGED, x->ti_len ? x->pc.reason : "no TRANSFER_INIT in the offer");
		give_up(c, x);
		exchange_free(x);
		return;
	}

	const struct mikey_li_keys *cached = mikey_li_lru_find(&mk->cache, x->pc.ticket_hash,
							       MIKEY_LI_TICKET_HASH_LEN, x->ts_us);
	if (cached != NULL) {
		mk->stats.cache_hits++;
		finish(c, x, cached);
		exchange_free(x);
		return;
	}

	struct resolution *r = find_in_flight(mk, x->pc.ticket_hash);
	if (r != NULL) {
		x->next = r->waiters;
		r->waiters = x;
		return;
	}
	if (!admit(c, x, ev->src_family, ev->src_addr) || !start_resolution(c, x, true)) {
		give_up(c, x);
		exchange_free(x);
	}
}

/* Fails every exchange waiting on r; the offer's call gets the alarm
 * when no answer came. */
static void fail_resolution(struct control *c, struct resolution *r,
			    enum lime_alarm_kind kind, const char *reason)
{
	/* A KMS that rejected the ticket is final, and an offer that is never
	 * answered (a forged INVITE) must still be reported. An unreachable
	 * KMS is not: the answer tries again and reports its own failure, so
	 * a call gets one alarm. */
	if (r->waiters == NULL && r->offer != NULL && kind == ALARM_KMS_ERROR)
		report_alarm(c, r->offer, kind, reason);
	for (struct mikey_exchange *x = r->waiters; x != NULL; x = x->next) {
		report_alarm(c, x, kind, reason);
		give_up(c, x);
	}
}

static void answer(struct control *c, struct kms_response *resp)
{
	struct mikey_keys *mk = &c->mikey;
	struct resolution *r = resp->user;
	struct mikey_li_failure fail = {0};
	struct mikey_li_keys keys;
	int kms_error = -1;

	if (resp->result != KMS_RESULT_OK || resp->http_status != 200) {
		mk->stats.resolutions_failed++;
		fail_resolution(c, r, resp->result == KMS_RESULT_HTTP_ERROR ?
				ALARM_KMS_ERROR : ALARM_KMS_UNREACHABLE,
				kms_failure_text(resp->result));
		return;
	}
	if (mikey_li_read_resolve(&mk->node, &r->req, r->msg, r->msg_len, resp->body,
				  resp->body_len, &keys, &kms_error, &fail) != MIKEY_LI_OK) {
		mk->stats.resolutions_failed++;
		const struct mikey_exchange *any = r->offer ? r->offer : r->waiters;
		if (kms_error >= 0 && any != NULL)
			mikey_li_limiter_record_rejection(&mk->limiter, r->hash, any->ts_us);
		fail_resolution(c, r, ALARM_KMS_ERROR, fail.reason);
		return;
	}
	mk->stats.resolutions_ok++;

	const struct mikey_exchange *first = r->offer ? r->offer : r->waiters;
	int64_t now = first->ts_us;
	/* The keys of a ticket never change, expired or not: lime decrypts
	 * an expired ticket's calls too (with ticket_expired). */
	int64_t expires = now + TICKET_CACHE_TTL_US;
	struct mikey_li_keys *slot = mikey_li_lru_find(&mk->cache, r->hash,
						       MIKEY_LI_TICKET_HASH_LEN, now);
	if (slot == NULL)
		slot = mikey_li_lru_insert(&mk->cache, r->hash, MIKEY_LI_TICKET_HASH_LEN,
					   now, expires);
	if (slot != NULL)
		*slot = keys;
	for (struct mikey_exchange *x = r->waiters; x != NULL; x = x->next)
		finish(c, x, &keys);
	mikey_li_keys_wipe(&keys);
}

static void unlink_resolution(struct mikey_keys *mk, struct resolution *r)
{
	for (struct resolution **p = &mk->in_flight; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			return;
		}
}

unsigned mikey_keys_poll(struct control *c)
{
	struct mikey_keys *mk = &c->mikey;
	struct kms_response *resp[POLL_BURST];
	size_t n;

	if (!mk->enabled)
		return 0;
	n = kms_client_poll(mk->kms, resp, POLL_BURST);
	for (size_t i = 0; i < n; i++) {
		struct resolution *r = resp[i]->user;

		answer(c, resp[i]);
		unlink_resolution(mk, r);
		resolution_free(r);
		kms_response_free(resp[i]);
		__atomic_fetch_sub(&c->dp->pending_key_requests, 1, __ATOMIC_RELEASE);
	}
	return (unsigned)n + mikey_sourced_poll(c);
}
