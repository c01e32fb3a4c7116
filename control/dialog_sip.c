/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP side of dialog tracking. For each message it finds the call and
 * dialog, applies the message to the call's state, and decides whether its
 * SDP is an offer or an answer (RFC 3261 section 13.2.1, RFC 3262 section
 * 5, RFC 3311).
 */
#include "control/dialog_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util/log.h"

/* The meaning of one message for its call. It is worked out before
 * anything is reported, so that the message's IRI gets the right type. */
struct msg_ctx {
	const struct sip_msg *msg;
	const struct sip_packet_info *pkt;
	struct sip_slice method;     /* the CSeq method */
	uint32_t cseq;
	struct sip_slice from_tag;
	struct sip_slice to_tag;
	struct sip_slice sdp;        /* the first application/sdp body */
	bool has_sdp;
	int dialog;                  /* index into call->dialogs, or -1 */
	bool ends;
	const char *reason;
};

static bool slice_is(struct sip_slice s, const char *text)
{
	size_t len = strlen(text);

	return s.len == len && strncasecmp(s.ptr, text, len) == 0;
}

static bool tag_equal(const char *tag, size_t tag_len, struct sip_slice s)
{
	size_t len = s.len < CALL_TAG_MAX ? s.len : CALL_TAG_MAX;

	return tag_len == len && (len == 0 || memcmp(tag, s.ptr, len) == 0);
}

static void copy_tag(char *dst, uint8_t *dst_len, struct sip_slice s)
{
	size_t len = s.len < CALL_TAG_MAX ? s.len : CALL_TAG_MAX;

	if (len > 0)
		memcpy(dst, s.ptr, len);
	*dst_len = (uint8_t)len;
}

/* The tag of the far end of the caller: the one that is not the caller's. */
static struct sip_slice remote_tag(const struct call *c, const struct msg_ctx *m)
{
	if (tag_equal(c->local_tag, c->local_tag_len, m->from_tag))
		return m->to_tag;
	return m->from_tag;
}

static int find_dialog(const struct call *c, struct sip_slice tag)
{
	if (tag.len == 0)
		return -1;
	for (unsigned d = 0; d < c->n_dialogs; d++)
		if (tag_equal(c->dialogs[d].remote_tag, c->dialogs[d].remote_tag_len, tag))
			return (int)d;
	return -1;
}

static int find_or_add_dialog(struct dialog_tracker *t, struct call *c,
			      struct sip_slice tag)
{
	int d = find_dialog(c, tag);

	if (d >= 0 || tag.len == 0)
		return d;
	if (c->n_dialogs >= CALL_MAX_DIALOGS)
		return -1;
	struct dialog *grown = realloc(c->dialogs, (c->n_dialogs + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	c->dialogs = grown;
	if (c->n_dialogs > 0)
		t->stats.forks++;

	struct dialog *dlg = &c->dialogs[c->n_dialogs];
	memset(dlg, 0, sizeof(*dlg));
	copy_tag(dlg->remote_tag, &dlg->remote_tag_len, tag);
	return (int)c->n_dialogs++;
}

static bool read_context(struct dialog_tracker *t, const struct sip_msg *msg,
			 struct msg_ctx *m)
{
	struct sip_name_addr from, to;
	struct sip_body_part part;

	memset(m, 0, sizeof(*m));
	m->msg = msg;
	m->dialog = -1;
	if (!sip_msg_cseq(msg, &m->cseq, &m->method)) {
		t->stats.bad_cseq++;
		return false;
	}
	if (sip_msg_from(msg, &from))
		m->from_tag = from.tag;
	if (sip_msg_to(msg, &to))
		m->to_tag = to.tag;
	if (sip_msg_find_sdp(msg, &part, 1) > 0 && part.body.len > 0) {
		m->sdp = part.body;
		m->has_sdp = true;
	}
	return true;
}

static void offer_or_answer_in_request(struct dialog_tracker *t, struct call *c,
				       struct msg_ctx *m, int64_t ts_us)
{
	const struct sip_msg *msg = m->msg;
	struct call_offer *o = &c->offer;

	if (slice_is(msg->method, "ACK")) {
		if (o->body != NULL && o->in_response && !o->answered &&
		    o->cseq == m->cseq && m->dialog >= 0)
			call_apply_answer(t, c, (unsigned)m->dialog, m->sdp, ts_us);
		return;
	}
	if (slice_is(msg->method, "PRACK") && o->body != NULL &&
	    o->in_response && !o->answered) {
		if (m->dialog >= 0)
			call_apply_answer(t, c, (unsigned)m->dialog, m->sdp, ts_us);
		return;
	}
	if (slice_is(msg->method, "INVITE") || slice_is(msg->method, "UPDATE") ||
	    slice_is(msg->method, "PRACK")) {
		if (o->body != NULL && !o->in_response && o->cseq == m->cseq &&
		    slice_is(m->method, o->method)) {
			t->stats.retransmissions++;
			return;
		}
		call_store_offer(t, c, m->sdp, m->cseq, m->method, false);
		call_note_offerer(c, msg, m->pkt);
		call_check_offer(t, c, ts_us);
	}
}

static void offer_or_answer_in_response(struct dialog_tracker *t, struct call *c,
					struct msg_ctx *m, int64_t ts_us)
{
	struct call_offer *o = &c->offer;

	if (m->dialog < 0)
		return;
	if (o->body != NULL && !o->in_response && o->cseq == m->cseq &&
	    slice_is(m->method, o->method)) {
		/* A first answer, or the same answer again in a later
		 * response of the transaction (183, then 200). */
		call_apply_answer(t, c, (unsigned)m->dialog, m->sdp, ts_us);
		return;
	}
	if (slice_is(m->method, "INVITE") && m->cseq == c->invite_cseq &&
	    !c->invite_had_sdp) {
		if (o->body != NULL && o->in_response && o->cseq == m->cseq)
			return;  /* the late offer again */
		call_store_offer(t, c, m->sdp, m->cseq, m->method, true);
	}
}

/* Ends the early dialogs that the 2xx of dialog keep did not confirm. */
static void end_other_forks(struct dialog_tracker *t, struct call *c,
			    unsigned keep, int64_t ts_us)
{
	for (unsigned d = 0; d < c->n_dialogs; d++)
		if (d != keep && !c->dialogs[d].confirmed && !c->dialogs[d].ended)
			dialog_end_flows(t, c, d, "fork_ended", ts_us);
}

static void request_state(struct dialog_tracker *t, struct call *c,
			  struct msg_ctx *m)
{
	const struct sip_msg *msg = m->msg;

	if (slice_is(msg->method, "INVITE")) {
		bool initial = m->to_tag.len == 0;
		bool new_attempt = initial && c->state == CALL_RETRYING &&
				   m->cseq > c->invite_cseq;

		if (m->cseq == c->invite_cseq && c->invite_cseq != 0) {
			if (!m->has_sdp)
				t->stats.retransmissions++;
			return;
		}
		if (new_attempt)
			c->state = CALL_EARLY;
		c->invite_cseq = m->cseq;
		c->invite_had_sdp = m->has_sdp;
		return;
	}
	if (slice_is(msg->method, "ACK")) {
		if (m->dialog >= 0 && c->state == CALL_CONFIRMED) {
			c->dialogs[m->dialog].confirmed = true;
			/* The INVITE transaction is over; later answers to
			 * the same offer cannot come. */
			if (c->offer.answered || !c->offer.in_response)
				call_drop_offer(c);
		}
		return;
	}
	if (slice_is(msg->method, "BYE"))
		c->state = CALL_CLOSING;
}

static bool retryable_status(unsigned status)
{
	/* A UAC answers these with a new INVITE in the same call. */
	return (status >= 300 && status < 400) || status == 401 ||
	       status == 407 || status == 422 || status == 423 || status == 491;
}

static void invite_response_state(struct dialog_tracker *t, struct call *c,
				  struct msg_ctx *m, int64_t ts_us)
{
	unsigned status = m->msg->status_code;
	bool initial = c->state == CALL_EARLY || c->state == CALL_RETRYING;

	if (status < 200)
		return;
	if (status < 300) {
		if (m->dialog >= 0) {
			c->dialogs[m->dialog].confirmed = true;
			if (initial)
				end_other_forks(t, c, (unsigned)m->dialog, ts_us);
		}
		if (initial)
			c->state = CALL_CONFIRMED;
		return;
	}

	if (c->offer.body != NULL && c->offer.cseq == m->cseq)
		call_drop_offer(c);
	if (initial && m->cseq == c->invite_cseq) {
		if (retryable_status(status)) {
			c->state = CALL_RETRYING;
		} else {
			m->ends = true;
			m->reason = status == 487 ? "cancel" : "error_response";
		}
	} else if (status == 481 || status == 408) {
		/* RFC 3261 section 12.2.1.2: the dialog is gone. */
		m->ends = true;
		m->reason = "error_response";
	}
}

static void response_state(struct dialog_tracker *t, struct call *c,
			   struct msg_ctx *m, int64_t ts_us)
{
	unsigned status = m->msg->status_code;

	if (slice_is(m->method, "INVITE")) {
		invite_response_state(t, c, m, ts_us);
		return;
	}
	if (slice_is(m->method, "BYE") && status >= 200) {
		m->ends = true;
		m->reason = "bye";
		return;
	}
	if ((slice_is(m->method, "UPDATE") || slice_is(m->method, "PRACK")) &&
	    status >= 300 && c->offer.body != NULL && c->offer.cseq == m->cseq)
		call_drop_offer(c);
}

/* Finds the call of the message, creating it for an INVITE. */
static struct call *lookup_call(struct dialog_tracker *t, const struct sip_msg *msg,
				struct sip_slice call_id, const struct msg_ctx *m,
				int64_t ts_us)
{
	struct call *c = call_find(t, call_id.ptr, call_id.len);

	if (c != NULL || !msg->is_request || !slice_is(msg->method, "INVITE"))
		return c;

	c = call_create(t, call_id.ptr, call_id.len, ts_us);
	if (c == NULL) {
		LOG_ERR("dialogs: out of memory tracking call %.*s",
			(int)call_id.len, call_id.ptr);
		return NULL;
	}
	copy_tag(c->local_tag, &c->local_tag_len, m->from_tag);
	call_note_offerer(c, msg, m->pkt);
	if (m->to_tag.len == 0) {
		t->stats.calls++;
	} else {
		/* A re-INVITE of a call that started before the capture. */
		c->state = CALL_CONFIRMED;
	}
	return c;
}

static void finish(struct dialog_tracker *t, struct call *c,
		   const char *flow_reason, int64_t ts_us)
{
	call_uninstall_flows(t, c, flow_reason, ts_us);
	for (unsigned d = 0; d < c->n_dialogs; d++)
		c->dialogs[d].ended = true;
	call_drop_offer(c);
	if (c->state != CALL_ENDED)
		t->stats.calls_active--;
	c->state = CALL_ENDED;
	call_relist(t, c);
}

void call_end(struct dialog_tracker *t, struct call *c, const char *reason,
	      int64_t ts_us)
{
	if (c->state == CALL_ENDED)
		return;
	call_emit_iri(t, c, true, reason, NULL, 0, NULL, ts_us);
	finish(t, c, reason, ts_us);
}

void dialog_on_message(struct dialog_tracker *t, const struct sip_msg *msg,
		       const char *raw, size_t raw_len,
		       const struct sip_packet_info *pkt)
{
	struct sip_slice call_id;
	struct msg_ctx m;
	int64_t ts = pkt->ts_us;

	t->stats.messages++;
	if (ts > t->now_us)
		t->now_us = ts;
	if (!sip_msg_call_id(msg, &call_id) || call_id.len == 0) {
		t->stats.no_call_id++;
		return;
	}
	if (!read_context(t, msg, &m))
		return;
	m.pkt = pkt;

	struct call *c = lookup_call(t, msg, call_id, &m, ts);
	if (c == NULL) {
		t->stats.out_of_dialog++;
		report_outside_call(t, msg, raw, raw_len, pkt);
		return;
	}
	if (c->state == CALL_ENDED) {
		/* Retransmissions after the end belong to no open call. */
		t->stats.retransmissions++;
		return;
	}
	call_touch(t, c, ts);
	call_update_intercepts(t, c, msg, ts);

	/* Responses to INVITE with a tag and requests inside a dialog name
	 * their dialog; a 1xx/2xx with a new tag is a new (forked) dialog. */
	struct sip_slice tag = remote_tag(c, &m);
	if (!msg->is_request && slice_is(m.method, "INVITE") &&
	    msg->status_code > 100 && msg->status_code < 300)
		m.dialog = find_or_add_dialog(t, c, tag);
	else if (msg->is_request && slice_is(msg->method, "INVITE") && m.to_tag.len > 0)
		m.dialog = find_or_add_dialog(t, c, tag);
	else
		m.dialog = find_dialog(c, tag);

	if (msg->is_request)
		request_state(t, c, &m);
	else
		response_state(t, c, &m, ts);

	call_emit_iri(t, c, m.ends, m.reason, raw, raw_len, pkt, ts);

	if (m.has_sdp && !m.ends) {
		if (msg->is_request)
			offer_or_answer_in_request(t, c, &m, ts);
		else if (msg->status_code > 100 && msg->status_code < 300)
			offer_or_answer_in_response(t, c, &m, ts);
	}

	/* After a BYE the flows stay until its response ends the call,
	 * because media the other party sent before the BYE reached it is
	 * still on the wire. A BYE without response times out after the
	 * linger time. */
	if (m.ends)
		finish(t, c, "call_end", ts);
	else if (c->state != CALL_CLOSING)
		call_install_flows(t, c, ts);
}
