/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fetching the key reports of answered MIKEY-TICKET exchanges from the
 * KMS, through a KMS client of its own. A report may reach the KMS after
 * lime asks, because the terminal sends it once it has answered the call.
 * So after a response "not reported" lime asks again every
 * REPORT_RETRY_US until REPORT_WAIT_US after the first fetch. While a
 * fetch or its wait is outstanding, the unpaced capture reader pauses.
 */
#include "control/mikey_sourced.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "control/mikey_sourced_internal.h"
#include "kms_client/kms_key_report.h"
#include "lib/util/log.h"

/* NOTE: starting values, not measured. A terminal reports right after
 * sending its answer, so a report normally reaches the KMS within one
 * round trip of the SIP answer. */
#define REPORT_RETRY_US (200 * 1000)
#define REPORT_WAIT_US (2000 * 1000)
#define POLL_BURST 16

static int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum mikey_keys_mode mikey_keys_mode_of(const char *text)
{
	if (text != NULL && strcmp(text, "kms_sourced") == 0)
		return MIKEY_KEYS_KMS_SOURCED;
	if (text != NULL && strcmp(text, "both") == 0)
		return MIKEY_KEYS_BOTH;
	return MIKEY_KEYS_SIGNALLING;
}

int mikey_sourced_init(struct control *c)
{
	const struct lime_kms_config *kms = &c->cfg->kms;
	struct mikey_sourced *s;
	char err[256];

	c->mikey.sourced = NULL;
	if (mikey_keys_mode_of(kms->mode) == MIKEY_KEYS_SIGNALLING)
		return 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		LOG_ERR("KMS-sourced keys: out of memory");
		return -1;
	}
	s->mode = mikey_keys_mode_of(kms->mode);
	s->kms = mikey_keys_start_kms(c->cfg, err, sizeof(err));
	if (s->kms == NULL) {
		LOG_ERR("failed to start the KMS client for key reports: %s", err);
		free(s);
		return -1;
	}
	mikey_li_node_init(&s->node, kms->identity, kms->psk, kms->psk_len,
			   kms->kms_identity);
	c->mikey.sourced = s;
	LOG_INFO("MIKEY-TICKET keys: kms.mode %s", kms->mode);
	return 0;
}

static void call_free(struct sourced_call *sc)
{
	free(sc->ti);
	free(sc->tr);
	free(sc->from);
	free(sc->to);
	mikey_li_keys_wipe(&sc->keys);
	mikey_li_call_keys_wipe(&sc->signalled);
	OPENSSL_cleanse(sc, sizeof(*sc));
	free(sc);
}

/* Ends the wait of sc: keys the streams and lets the reader go on. */
static void complete(struct control *c, struct sourced_call *sc,
		     const struct sourced_outcome *out)
{
	sourced_complete(c, sc, out);
	call_free(sc);
	__atomic_fetch_sub(&c->dp->pending_key_requests, 1, __ATOMIC_RELEASE);
}

static bool copy_text(char **dst, const char *src)
{
	*dst = src != NULL ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

static struct sourced_call *copy_call(const struct mikey_sourced_exchange *x,
				      const struct mikey_li_keys *keys)
{
	struct sourced_call *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	snprintf(sc->call_id, sizeof(sc->call_id), "%s", x->call_id);
	sc->ti = malloc(x->ti_len ? x->ti_len : 1);
	sc->tr = NULL;
	if (x->tr != NULL)
		sc->tr = malloc(x->tr_len ? x->tr_len : 1);
	if (sc->ti == NULL || (x->tr != NULL && sc->tr == NULL) ||
	    !copy_text(&sc->from, x->from) || !copy_text(&sc->to, x->to)) {
		call_free(sc);
		return NULL;
	}
	memcpy(sc->ti, x->ti, x->ti_len);
	sc->ti_len = x->ti_len;
	if (x->tr != NULL) {
		memcpy(sc->tr, x->tr, x->tr_len);
		sc->tr_len = x->tr_len;
	}
	sc->ts_us = x->ts_us;
	memcpy(sc->ticket_hash, x->pc->ticket_hash, sizeof(sc->ticket_hash));
	sc->csb_id = x->pc->csb_id;
	for (unsigned i = 0; i < x->n_streams && i < MEDIA_MAX_FLOWS; i++) {
		sc->stream_ids[i] = x->stream_ids[i];
		sc->generations[i] = x->generations[i];
		sc->n_streams++;
	}
	for (unsigned i = 0; i < x->n_liids && i < INTERCEPT_MATCH_MAX; i++) {
		sc->liid_ids[i] = x->liid_ids[i];
		sc->cins[i] = x->cins[i];
		sc->n_liids++;
	}
	sc->keys = *keys;
	return sc;
}

/* Sends a fetch of sc's report. On failure, completes sc with the alarm. */
static void send_fetch(struct control *c, struct sourced_call *sc)
{
	struct mikey_sourced *s = c->mikey.sourced;
	struct mikey_li_failure fail = {0};
	struct sourced_outcome out = { .alarm = ALARM_KMS_ERROR };
	enum kms_result why;

	if (mikey_li_build_fetch(&s->node, sc->ticket_hash, sc->csb_id, wall_clock_us(),
				 sc->msg, sizeof(sc->msg), &sc->msg_len, &sc->req,
				 &fail) != MIKEY_LI_OK) {
		out.alarm = ALARM_KEY_UNAVAILABLE;
		out.reason = fail.reason;
		complete(c, sc, &out);
		return;
	}
	if (kms_client_submit(s->kms, sc->msg, sc->msg_len, sc, &why) == 0) {
		c->mikey.stats.report_fetches_failed++;
		out.alarm = why == KMS_RESULT_BREAKER_OPEN ? ALARM_KMS_UNREACHABLE : ALARM_KMS_ERROR;
		out.reason = "the KMS client rejected the key report fetch "
			     "(overloaded, circuit breaker open or stopping)";
		complete(c, sc, &out);
		return;
	}
	s->in_flight++;
	c->mikey.stats.report_fetches++;
}

void mikey_sourced_finish(struct control *c, const struct mikey_sourced_exchange *x,
			  const struct mikey_li_keys *keys)
{
	struct sourced_call *sc = copy_call(x, keys);

	if (sc == NULL) {
		LOG_ERR("KMS-sourced keys: out of memory for an exchange of call %s",
			x->call_id);
		return;
	}
	/* complete() decrements this, so the count covers the retries too. */
	__atomic_fetch_add(&c->dp->pending_key_requests, 1, __ATOMIC_RELEASE);
	sourced_check_signalled(c, sc, x->pc);
	sc->first_fetch_us = monotonic_us();
	send_fetch(c, sc);
}

static const char *failure_text(enum kms_result r)
{
	switch (r) {
	case KMS_RESULT_TIMEOUT:
		return "the key report fetch to the KMS timed out";
	case KMS_RESULT_HTTP_ERROR:
		return "the KMS returned an HTTP error to the key report fetch";
	default:
		return "the key report fetch to the KMS failed (connection, TLS, circuit breaker or shutdown)";
	}
}

/* Handles the KMS response to one fetch. */
static void answer(struct control *c, struct kms_response *resp)
{
	struct mikey_sourced *s = c->mikey.sourced;
	struct sourced_call *sc = resp->user;
	struct mikey_li_failure fail = {0};
	struct mikey_li_report report;
	struct sourced_outcome out = { .alarm = ALARM_KMS_ERROR };
	int kms_error = -1;

	s->in_flight--;
	if (resp->result != KMS_RESULT_OK || resp->http_status != 200) {
		c->mikey.stats.report_fetches_failed++;
		out.alarm = resp->result == KMS_RESULT_HTTP_ERROR ? ALARM_KMS_ERROR :
			    ALARM_KMS_UNREACHABLE;
		out.reason = failure_text(resp->result);
		complete(c, sc, &out);
		return;
	}
	if (mikey_li_read_fetch(&s->node, &sc->req, sc->msg, sc->msg_len, resp->body,
				resp->body_len, &report, &kms_error, &fail) == MIKEY_LI_OK) {
		c->mikey.stats.reports_found++;
		out.report = &report;
		complete(c, sc, &out);
		return;
	}
	if (kms_error == KMS_ERRNO_NOT_REPORTED) {
		int64_t now = monotonic_us();

		if (now - sc->first_fetch_us < REPORT_WAIT_US) {
			sc->retry_at_us = now + REPORT_RETRY_US;
			sc->next = s->retries;
			s->retries = sc;
			return;
		}
		c->mikey.stats.reports_missing++;
		out.missing = true;
		complete(c, sc, &out);
		return;
	}
	c->mikey.stats.report_fetches_failed++;
	out.reason = fail.reason;
	complete(c, sc, &out);
}

/* Sends the fetches whose retry time has come. When flush is set, completes
 * every waiting call as missing its report instead of fetching again. */
static void send_due(struct control *c, bool flush)
{
	struct mikey_sourced *s = c->mikey.sourced;
	int64_t now = monotonic_us();
	struct sourced_call **p = &s->retries;

	while (*p != NULL) {
		struct sourced_call *sc = *p;

		if (!flush && sc->retry_at_us > now) {
			p = &sc->next;
			continue;
		}
		*p = sc->next;
		sc->next = NULL;
		if (flush) {
			struct sourced_outcome out = { .missing = true };

			c->mikey.stats.reports_missing++;
			complete(c, sc, &out);
		} else {
			send_fetch(c, sc);
		}
	}
}

unsigned mikey_sourced_poll(struct control *c)
{
	struct mikey_sourced *s = c->mikey.sourced;
	struct kms_response *resp[POLL_BURST];
	size_t n;

	if (s == NULL)
		return 0;
	n = kms_client_poll(s->kms, resp, POLL_BURST);
	for (size_t i = 0; i < n; i++) {
		answer(c, resp[i]);
		kms_response_free(resp[i]);
	}
	send_due(c, false);
	return (unsigned)n;
}

void mikey_sourced_free(struct control *c)
{
	struct mikey_sourced *s = c->mikey.sourced;
	struct kms_response *resp[POLL_BURST];
	size_t n;

	if (s == NULL)
		return;
	kms_client_drain(s->kms, 0);
	while ((n = kms_client_poll(s->kms, resp, POLL_BURST)) > 0)
		for (size_t i = 0; i < n; i++) {
			answer(c, resp[i]);
			kms_response_free(resp[i]);
		}
	send_due(c, true);
	kms_client_stop(s->kms, 0);
	LOG_INFO("key reports: %" PRIu64 " fetches, %" PRIu64 " found, %" PRIu64
		 " missing, %" PRIu64 " failed, %" PRIu64 " keys mismatches",
		 c->mikey.stats.report_fetches, c->mikey.stats.reports_found,
		 c->mikey.stats.reports_missing, c->mikey.stats.report_fetches_failed,
		 c->mikey.stats.keys_mismatches);
	free(s);
	c->mikey.sourced = NULL;
}
