/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of an exchange in kms.mode kms_sourced or both. The tapped
 * exchange and the reported one are each verified and derived with the
 * ticket's keys and compared crypto session by crypto session. The mode
 * picks which keys the streams get:
 *
 * - kms_sourced: the report's. The signalling passes middle boxes that
 *   may change it around the tap, while the report comes from a terminal
 *   under its own PSK. Without a usable report no keys are sent.
 * - both: the signalling's, else the report's.
 *
 * When the two sets of keys differ, lime raises keys_mismatch, whichever
 * keys are used.
 */
#include "control/mikey_sourced_internal.h"

#include <string.h>

#include "control/debug_keys.h"
#include "control/mikey/mikey_li_validity.h"

void sourced_alarm(struct control *c, const struct sourced_call *sc,
		   enum lime_alarm_kind kind, const char *reason)
{
	control_raise_alarm(c, kind, reason, sc->call_id, sc->ts_us, sc->liid_ids,
			    sc->cins, sc->n_liids);
}

static enum lime_alarm_kind alarm_of(enum mikey_li_status st)
{
	switch (st) {
	case MIKEY_LI_AUTH_FAILED: return ALARM_MIKEY_AUTH_FAILED;
	case MIKEY_LI_TICKET_EXPIRED: return ALARM_TICKET_EXPIRED;
	case MIKEY_LI_TICKET_REUSE: return ALARM_TICKET_REUSE;
	case MIKEY_LI_KMS_ERROR: return ALARM_KMS_ERROR;
	default: return ALARM_KEY_UNAVAILABLE;
	}
}

static struct mikey_li_transfer transfer_of(const struct sourced_call *sc,
					    const uint8_t *ti, size_t ti_len,
					    const uint8_t *tr, size_t tr_len)
{
	struct mikey_li_transfer t = {
		.ti = ti, .ti_len = ti_len, .tr = tr, .tr_len = tr_len,
		.sip_from = {(const uint8_t *)sc->from, sc->from ? strlen(sc->from) : 0},
		.sip_to = {(const uint8_t *)sc->to, sc->to ? strlen(sc->to) : 0},
	};

	return t;
}

/* The checks of signalling mode, in its order: the TRANSFER_INIT MAC,
 * then validity and reuse, which count only once the MAC is valid, then the
 * TRANSFER_RESP and the keys. */
void sourced_check_signalled(struct control *c, struct sourced_call *sc,
			     const struct mikey_li_precheck *pc)
{
	struct mikey_keys *mk = &c->mikey;
	struct mikey_li_transfer t = transfer_of(sc, sc->ti, sc->ti_len, sc->tr, sc->tr_len);
	struct mikey_li_failure fail = {0};
	struct mikey_li_validity v;
	struct mikey_li_reuse_result rr;
	enum mikey_li_status st;

	if (mikey_li_verify_init(&t, &sc->keys, &fail) != MIKEY_LI_OK) {
		sourced_alarm(c, sc, alarm_of(fail.status), fail.reason);
		return;
	}
	if (mikey_li_check_validity(pc, sc->ts_us, &mk->policy, &v) == MIKEY_LI_TICKET_EXPIRED)
		sourced_alarm(c, sc, ALARM_TICKET_EXPIRED, v.reason);
	if (mikey_li_reuse_record(&mk->reuse, pc->ticket_hash, pc->csb_id,
				  (pc->tp_flags & MIKEY_TP_J) != 0, sc->ts_us,
				  &rr) == MIKEY_LI_TICKET_REUSE)
		sourced_alarm(c, sc, ALARM_TICKET_REUSE, rr.reason);

	st = mikey_li_derive_call(&t, &sc->keys, &mk->policy, &sc->signalled, &fail);
	if (st != MIKEY_LI_OK) {
		sourced_alarm(c, sc, alarm_of(st), fail.reason);
		return;
	}
	sc->signalled_ok = true;
}

/* Verifies and derives the reported exchange. Its TRANSFER_INIT must be
 * for the ticket and CSB ID fetched, so a KMS cannot pass off another. */
static bool derive_reported(struct control *c, struct sourced_call *sc,
			    const struct mikey_li_report *rep, struct mikey_li_call_keys *ck)
{
	struct mikey_li_transfer t = transfer_of(sc, rep->ti.p, rep->ti.len,
						 rep->tr.len > 0 ? rep->tr.p : NULL,
						 rep->tr.len);
	struct mikey_li_failure fail = {0};
	struct mikey_msg m;
	enum mikey_li_status st;

	if (mikey_parse(rep->ti.p, rep->ti.len, &m, NULL) != MIKEY_OK ||
	    m.hdr.csb_id != sc->csb_id) {
		sourced_alarm(c, sc, ALARM_KMS_ERROR,
			      "the key report from the KMS is malformed or for another CSB ID");
		return false;
	}
	st = mikey_li_verify_init(&t, &sc->keys, &fail);
	if (st == MIKEY_LI_OK)
		st = mikey_li_derive_call(&t, &sc->keys, &c->mikey.policy, ck, &fail);
	if (st == MIKEY_LI_OK)
		return true;
	/* A reported message that fails its MAC is worth an alarm in any
	 * mode. A report lime cannot derive from (a TRANSFER_RESP not
	 * reported yet) matters only when the streams depend on it. */
	if (st == MIKEY_LI_AUTH_FAILED || c->mikey.sourced->mode == MIKEY_KEYS_KMS_SOURCED) {
		char reason[sizeof(fail.reason) + 32];

		snprintf(reason, sizeof(reason), "in the key report: %s", fail.reason);
		sourced_alarm(c, sc, alarm_of(st), reason);
	}
	return false;
}

static bool same_stream(const struct mikey_li_stream *a, const struct mikey_li_stream *b)
{
	if (a->usable != b->usable || a->cs_id != b->cs_id)
		return false;
	if (!a->usable)
		return true;
	return a->has_ssrc == b->has_ssrc && a->ssrc == b->ssrc && a->roc == b->roc &&
	       a->keys.suite == b->keys.suite && a->keys.n_keys == b->keys.n_keys &&
	       a->keys.flags == b->keys.flags && a->keys.mki_len == b->keys.mki_len &&
	       memcmp(a->keys.key_salt, b->keys.key_salt, sizeof(a->keys.key_salt)) == 0 &&
	       memcmp(a->keys.mki, b->keys.mki, sizeof(a->keys.mki)) == 0;
}

/* Whether two derivations give every crypto session the same keys. */
static bool same_keys(const struct mikey_li_call_keys *a, const struct mikey_li_call_keys *b)
{
	if (a->n_streams != b->n_streams)
		return false;
	for (size_t i = 0; i < a->n_streams; i++)
		if (!same_stream(&a->streams[i], &b->streams[i]))
			return false;
	return true;
}

static void give_up(struct control *c, const struct sourced_call *sc)
{
	for (unsigned i = 0; i < sc->n_streams; i++)
		media_stream_signal(c, sc->stream_ids[i], sc->generations[i],
				    MEDIA_MSG_NO_KEYS, NULL, 0);
}

/* Sends each stream the keys of every usable crypto session. */
static void key_streams(struct control *c, const struct sourced_call *sc,
			const struct mikey_li_call_keys *ck)
{
	struct srtp_session_key sets[MEDIA_KEY_SETS];
	unsigned n = mikey_keys_fill_sets(ck, sets);

	if (n == 0) {
		sourced_alarm(c, sc, ALARM_KEY_UNAVAILABLE,
			      "no crypto session of the exchange gave usable keys");
		give_up(c, sc);
		return;
	}
	mikey_keys_send_sets(c, &(struct mikey_keys_target){
		.call_id = sc->call_id, .ts_us = sc->ts_us,
		.stream_ids = sc->stream_ids, .generations = sc->generations,
		.n_streams = sc->n_streams, .liid_ids = sc->liid_ids,
		.n_liids = sc->n_liids, .source = DEBUG_KEYS_MIKEY_TICKET }, sets, n);
	explicit_bzero(sets, sizeof(sets));
}

/* Raises the alarm, if any, that a fetch without a report calls for in
 * this mode. */
static void report_unusable(struct control *c, const struct sourced_call *sc,
			    const struct sourced_outcome *out)
{
	enum mikey_keys_mode mode = c->mikey.sourced->mode;

	if (out->missing) {
		if (mode == MIKEY_KEYS_KMS_SOURCED)
			sourced_alarm(c, sc, ALARM_KEY_UNAVAILABLE,
				      "no terminal reported the key material of this crypto "
				      "session bundle to the KMS");
		return;
	}
	if (out->report == NULL)
		sourced_alarm(c, sc, out->alarm, out->reason);
}

void sourced_complete(struct control *c, struct sourced_call *sc,
		      const struct sourced_outcome *out)
{
	struct mikey_li_call_keys *reported = calloc(1, sizeof(*reported));
	bool reported_ok = false;
	const struct mikey_li_call_keys *use = NULL;

	if (reported != NULL && out->report != NULL)
		reported_ok = derive_reported(c, sc, out->report, reported);
	else
		report_unusable(c, sc, out);

	if (reported_ok && sc->signalled_ok && !same_keys(reported, &sc->signalled)) {
		c->mikey.stats.keys_mismatches++;
		sourced_alarm(c, sc, ALARM_KEYS_MISMATCH, c->mikey.sourced->mode ==
			      MIKEY_KEYS_KMS_SOURCED ?
			      "the keys of the KMS key report differ from those of the "
			      "signalling, so the report's keys are used" :
			      "the keys of the KMS key report differ from those of the "
			      "signalling, so the signalling's keys are used");
	}
	if (c->mikey.sourced->mode == MIKEY_KEYS_KMS_SOURCED)
		use = reported_ok ? reported : NULL;
	else if (sc->signalled_ok)
		use = &sc->signalled;
	else if (reported_ok)
		use = reported;

	if (use != NULL) {
		if (use == reported)
			c->mikey.stats.keyed_from_reports++;
		key_streams(c, sc, use);
	} else {
		give_up(c, sc);
	}
	if (reported != NULL) {
		mikey_li_call_keys_wipe(reported);
		free(reported);
	}
}
