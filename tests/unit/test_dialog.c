/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dialog tracking and media correlation. Each test feeds SIP
 * text to a tracker whose sink records the flows and IRI events it gets.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/dialog.h"
#include "control/intercepts.h"
#include "lib/sip/sip_msg.h"

/* 2026-06-01T00:00:00Z, inside every test warrant. */
#define T0 (INT64_C(1780272000) * 1000000)
#define SEC INT64_C(1000000)

#define MAX_EVENTS 256

struct recorded_flow {
	bool add;
	struct media_flow flow;
	char reason[32];
	char suite[40];
	uint32_t stream_id;
	unsigned n_liids;
};

struct recorded_iri {
	enum iri_type type;
	char liid[32];
	uint64_t cin;
	char start_line[64];
	char reason[32];
};

struct recorder {
	struct recorded_flow flows[MAX_EVENTS];
	unsigned n_flows;
	struct recorded_iri iri[MAX_EVENTS];
	unsigned n_iri;
	uint32_t next_stream;
	unsigned active;
	unsigned capacity;   /* flow_add fails with -ENOSPC past this */
};

struct fixture {
	struct lime_config *cfg;
	struct intercept_set *set;
	struct dialog_tracker *t;
	struct recorder rec;
	int64_t now;
};

static void on_iri(void *ctx, const struct iri_event *ev)
{
	struct recorder *r = ctx;
	struct recorded_iri *e = &r->iri[r->n_iri++];

	assert_true(r->n_iri < MAX_EVENTS);
	e->type = ev->type;
	snprintf(e->liid, sizeof(e->liid), "%s", ev->liid);
	e->cin = ev->cin;
	if (ev->sip != NULL) {
		const char *eol = memchr(ev->sip, '\r', ev->sip_len);
		size_t n = eol ? (size_t)(eol - ev->sip) : ev->sip_len;
		snprintf(e->start_line, sizeof(e->start_line), "%.*s", (int)n, ev->sip);
	}
	snprintf(e->reason, sizeof(e->reason), "%s", ev->reason ? ev->reason : "");
}

static int on_flow_add(void *ctx, const struct call_flow_event *ev,
		       uint32_t *stream_id)
{
	struct recorder *r = ctx;

	if (r->active >= r->capacity)
		return -ENOSPC;

	struct recorded_flow *f = &r->flows[r->n_flows++];
	assert_true(r->n_flows < MAX_EVENTS);
	f->add = true;
	f->flow = *ev->flow;
	f->n_liids = ev->n_liids;
	snprintf(f->suite, sizeof(f->suite), "%s",
		 ev->crypto ? sdes_suite_name(ev->crypto->suite) : "");
	f->stream_id = *stream_id = r->next_stream++;
	r->active++;
	return 0;
}

static void on_flow_del(void *ctx, const struct call_flow_event *ev,
			uint32_t stream_id, const char *reason)
{
	struct recorder *r = ctx;
	struct recorded_flow *f = &r->flows[r->n_flows++];

	assert_true(r->n_flows < MAX_EVENTS);
	f->add = false;
	f->flow = *ev->flow;
	f->stream_id = stream_id;
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	r->active--;
}

static const char base_config[] =
	"lcores: 0-1\n"
	"intercepts:\n"
	"  - liid: LIID-A\n"
	"    targets: [\"sip:alice@ims.test\"]\n"
	"    agency: lea-1\n"
	"  - liid: LIID-D\n"
	"    targets: [\"sip:alice@ims.test\", \"tel:+15550100\"]\n"
	"    agency: lea-1\n"
	"  - liid: LIID-W\n"
	"    targets: [\"sip:walter@ims.test\"]\n"
	"    start: \"2026-06-01T00:01:00Z\"\n"
	"    end: \"2026-06-01T00:02:00Z\"\n"
	"    agency: lea-1\n"
	"agencies:\n"
	"  - name: lea-1\n"
	"    hi2: 127.0.0.1:9002\n"
	"    hi3: 127.0.0.1:9003\n";

static struct fixture *fixture_new(const char *yaml, uint32_t max_calls)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];

	assert_non_null(fx);
	fx->cfg = lime_config_load_buffer(yaml, strlen(yaml), err, sizeof(err));
	if (fx->cfg == NULL)
		fail_msg("configuration rejected: %s", err);
	fx->set = intercept_set_build(fx->cfg, err, sizeof(err));
	assert_non_null(fx->set);

	struct dialog_limits limits = {
		.max_calls = max_calls,
		.dialog_timeout_us = 60 * SEC,
		.early_timeout_us = 30 * SEC,
		.linger_us = 32 * SEC,
	};
	struct dialog_sink sink = {
		.ctx = &fx->rec,
		.iri = on_iri,
		.flow_add = on_flow_add,
		.flow_del = on_flow_del,
	};
	fx->rec.capacity = 1000;
	fx->t = dialog_tracker_create(&limits, fx->set, &sink);
	assert_non_null(fx->t);
	fx->now = T0;
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	dialog_tracker_destroy(fx->t);
	intercept_set_free(fx->set);
	lime_config_free(fx->cfg);
	free(fx);
}

/*
 * Feeds one message. Templates use \n line ends, turned into CRLF here,
 * and a body after an empty line gets its Content-Length.
 */
static void feed(struct fixture *fx, const char *text)
{
	static char wire[8192];
	static struct sip_msg msg;
	const char *split = strstr(text, "\n\n");
	size_t n = 0;

	assert_non_null(split);
	for (const char *p = text; p < split + 1; p++) {
		if (*p == '\n')
			wire[n++] = '\r';
		wire[n++] = *p;
	}
	const char *body = split + 2;
	size_t body_len = strlen(body);
	n += (size_t)snprintf(wire + n, sizeof(wire) - n,
			      "Content-Length: %zu\r\n\r\n", body_len);
	memcpy(wire + n, body, body_len);
	n += body_len;

	assert_int_equal(sip_msg_parse(wire, n, &msg), SIP_MSG_OK);
	struct sip_packet_info pkt = {
		.ts_us = fx->now,
		.family = 4,
		.transport = 17,
		.src_port = 5060,
		.dst_port = 5060,
	};
	dialog_on_message(fx->t, &msg, wire, n, &pkt);
	fx->now += 100000;
}

#define HDRS(method, cseq, from_tag, to_tag) \
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK" cseq "\n" \
	"From: <sip:alice@ims.test>;tag=" from_tag "\n" \
	"To: <sip:bob@ims.test>" to_tag "\n" \
	"Call-ID: call-1@ims.test\n" \
	"CSeq: " cseq " " method "\n"

#define SDP_OFFER(port) \
	"v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n" \
	"m=audio " port " RTP/SAVP 0\n" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt\n" \
	"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTQ==\n"

#define SDP_ANSWER(port) \
	"v=0\no=- 2 2 IN IP4 198.51.100.2\ns=-\nc=IN IP4 198.51.100.2\nt=0 0\n" \
	"m=audio " port " RTP/SAVP 0\n" \
	"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbQ==\n"

static const char invite[] =
	"INVITE sip:bob@ims.test SIP/2.0\n" HDRS("INVITE", "1", "a1", "")
	"Content-Type: application/sdp\n\n" SDP_OFFER("40000");
static const char ringing[] =
	"SIP/2.0 180 Ringing\n" HDRS("INVITE", "1", "a1", ";tag=b1") "\n";
static const char ok_answer[] =
	"SIP/2.0 200 OK\n" HDRS("INVITE", "1", "a1", ";tag=b1")
	"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");
static const char ack[] =
	"ACK sip:bob@198.51.100.2 SIP/2.0\n" HDRS("ACK", "1", "a1", ";tag=b1") "\n";
static const char bye[] =
	"BYE sip:bob@198.51.100.2 SIP/2.0\n" HDRS("BYE", "2", "a1", ";tag=b1") "\n";
static const char bye_ok[] =
	"SIP/2.0 200 OK\n" HDRS("BYE", "2", "a1", ";tag=b1") "\n";

static unsigned count_flows(const struct recorder *r, bool add, const char *reason)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n_flows; i++)
		if (r->flows[i].add == add &&
		    (reason == NULL || strcmp(r->flows[i].reason, reason) == 0))
			n++;
	return n;
}

static const struct recorded_flow *find_add(const struct recorder *r,
					    uint16_t port)
{
	for (unsigned i = 0; i < r->n_flows; i++)
		if (r->flows[i].add && r->flows[i].flow.dest.port == port)
			return &r->flows[i];
	return NULL;
}

static void sdes_call_flows_and_iri(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);

	feed(fx, invite);
	feed(fx, ringing);
	assert_int_equal(fx->rec.n_flows, 0);
	feed(fx, ok_answer);

	/* RTP and RTCP per direction, each keyed by its sender's crypto. */
	assert_int_equal(count_flows(&fx->rec, true, NULL), 4);
	const struct recorded_flow *to_answerer = find_add(&fx->rec, 50000);
	const struct recorded_flow *to_offerer = find_add(&fx->rec, 40000);
	assert_non_null(to_answerer);
	assert_non_null(to_offerer);
	assert_non_null(find_add(&fx->rec, 50001));
	assert_non_null(find_add(&fx->rec, 40001));
	assert_true(to_answerer->flow.to_answerer);
	assert_false(to_offerer->flow.to_answerer);
	assert_int_equal(to_answerer->flow.keying, MEDIA_KEYS_SDES);
	/* The answer renumbered tag 2 as tag 1: paired by suite. */
	assert_string_equal(to_answerer->suite, "AES_256_CM_HMAC_SHA1_80");
	assert_string_equal(to_offerer->suite, "AES_256_CM_HMAC_SHA1_80");
	assert_int_equal(to_answerer->n_liids, 2);

	feed(fx, ack);
	/* Media sent before the BYE arrived flows until the BYE's response. */
	feed(fx, bye);
	assert_int_equal(count_flows(&fx->rec, false, "call_end"), 0);
	feed(fx, bye_ok);
	assert_int_equal(count_flows(&fx->rec, false, "call_end"), 4);

	/* Two LIIDs share the target, each gets every message. */
	assert_int_equal(fx->rec.n_iri, 12);
	assert_int_equal(fx->rec.iri[0].type, IRI_BEGIN);
	assert_string_equal(fx->rec.iri[0].start_line, "INVITE sip:bob@ims.test SIP/2.0");
	assert_int_equal(fx->rec.iri[2].type, IRI_CONTINUE);
	assert_int_equal(fx->rec.iri[10].type, IRI_END);
	assert_string_equal(fx->rec.iri[10].reason, "bye");
	assert_int_equal(fx->rec.iri[11].type, IRI_END);

	const struct dialog_stats *st = dialog_tracker_stats(fx->t);
	assert_int_equal(st->calls, 1);
	assert_int_equal(st->calls_active, 0);
	assert_int_equal(st->flows_active, 0);
	assert_int_equal(dialog_liid_stats(fx->t, "LIID-A")->intercepted_calls, 1);
	assert_int_equal(dialog_liid_stats(fx->t, "LIID-D")->intercepted_calls, 1);
	assert_int_equal(dialog_liid_stats(fx->t, "LIID-W")->intercepted_calls, 0);
	fixture_free(fx);
}

static void retransmissions_change_nothing(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);

	feed(fx, invite);
	feed(fx, invite);
	feed(fx, ok_answer);
	feed(fx, ok_answer);
	feed(fx, ack);

	assert_int_equal(dialog_tracker_stats(fx->t)->calls, 1);
	assert_int_equal(fx->rec.n_flows, 4);
	assert_int_equal(dialog_liid_stats(fx->t, "LIID-A")->intercepted_calls, 1);
	fixture_free(fx);
}

static void non_target_call_not_intercepted(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *other =
		"INVITE sip:dave@ims.test SIP/2.0\n"
		"From: <sip:carol@ims.test>;tag=c1\nTo: <sip:dave@ims.test>\n"
		"Call-ID: other@ims.test\nCSeq: 1 INVITE\n"
		"Content-Type: application/sdp\n\n" SDP_OFFER("40000");

	feed(fx, other);
	assert_int_equal(dialog_tracker_stats(fx->t)->calls, 1);
	assert_int_equal(fx->rec.n_iri, 0);
	assert_int_equal(fx->rec.n_flows, 0);
	fixture_free(fx);
}

static void reinvite_moves_flows(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *reinvite =
		"INVITE sip:bob@198.51.100.2 SIP/2.0\n" HDRS("INVITE", "3", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_OFFER("42000");
	const char *reinvite_ok =
		"SIP/2.0 200 OK\n" HDRS("INVITE", "3", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");

	feed(fx, invite);
	feed(fx, ok_answer);
	feed(fx, ack);
	unsigned before = fx->rec.n_flows;
	feed(fx, reinvite);
	feed(fx, reinvite_ok);

	/* The offerer's new port replaces 40000/40001. The answerer's port is
	 * unchanged, but the new offer's keys decide them. */
	assert_non_null(find_add(&fx->rec, 42000));
	assert_non_null(find_add(&fx->rec, 42001));
	unsigned renegotiated = count_flows(&fx->rec, false, "renegotiated");
	assert_true(renegotiated >= 2);
	assert_true(fx->rec.n_flows > before);
	assert_int_equal(fx->rec.active, 4);
	fixture_free(fx);
}

static void forks_end_when_one_answers(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *early1 =
		"SIP/2.0 183 Session Progress\n" HDRS("INVITE", "1", "a1", ";tag=f1")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("51000");
	const char *early2 =
		"SIP/2.0 183 Session Progress\n" HDRS("INVITE", "1", "a1", ";tag=f2")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("52000");
	const char *ok2 =
		"SIP/2.0 200 OK\n" HDRS("INVITE", "1", "a1", ";tag=f2")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("52000");

	feed(fx, invite);
	feed(fx, early1);
	feed(fx, early2);
	assert_non_null(find_add(&fx->rec, 51000));
	assert_non_null(find_add(&fx->rec, 52000));
	feed(fx, ok2);

	assert_int_equal(count_flows(&fx->rec, false, "fork_ended"), 2);
	assert_int_equal(fx->rec.active, 4);
	assert_int_equal(dialog_tracker_stats(fx->t)->forks, 1);
	assert_int_equal(dialog_tracker_stats(fx->t)->calls, 1);
	fixture_free(fx);
}

static void late_offer_answered_in_ack(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *inv =
		"INVITE sip:bob@ims.test SIP/2.0\n" HDRS("INVITE", "1", "a1", "") "\n";
	const char *ok =
		"SIP/2.0 200 OK\n" HDRS("INVITE", "1", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_OFFER("44000");
	const char *ack_answer =
		"ACK sip:bob@198.51.100.2 SIP/2.0\n" HDRS("ACK", "1", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("54000");

	feed(fx, inv);
	feed(fx, ok);
	assert_int_equal(fx->rec.n_flows, 0);
	feed(fx, ack_answer);
	assert_int_equal(fx->rec.n_flows, 4);
	assert_non_null(find_add(&fx->rec, 44000));
	assert_non_null(find_add(&fx->rec, 54000));
	fixture_free(fx);
}

static void cancel_ends_on_487(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *early =
		"SIP/2.0 183 Session Progress\n" HDRS("INVITE", "1", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");
	const char *cancel =
		"CANCEL sip:bob@ims.test SIP/2.0\n" HDRS("CANCEL", "1", "a1", "") "\n";
	const char *cancel_ok =
		"SIP/2.0 200 OK\n" HDRS("CANCEL", "1", "a1", ";tag=b1") "\n";
	const char *terminated =
		"SIP/2.0 487 Request Terminated\n" HDRS("INVITE", "1", "a1", ";tag=b1") "\n";

	feed(fx, invite);
	feed(fx, early);
	feed(fx, cancel);
	feed(fx, cancel_ok);
	assert_int_equal(fx->rec.active, 4);
	feed(fx, terminated);

	assert_int_equal(fx->rec.active, 0);
	const struct recorded_iri *last = &fx->rec.iri[fx->rec.n_iri - 1];
	assert_int_equal(last->type, IRI_END);
	assert_string_equal(last->reason, "cancel");
	assert_int_equal(dialog_tracker_stats(fx->t)->calls_active, 0);
	fixture_free(fx);
}

static void challenge_keeps_call_open(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *challenge =
		"SIP/2.0 407 Proxy Authentication Required\n"
		HDRS("INVITE", "1", "a1", ";tag=p1") "\n";
	const char *invite2 =
		"INVITE sip:bob@ims.test SIP/2.0\n" HDRS("INVITE", "2", "a1", "")
		"Content-Type: application/sdp\n\n" SDP_OFFER("40000");
	const char *ok2 =
		"SIP/2.0 200 OK\n" HDRS("INVITE", "2", "a1", ";tag=b1")
		"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");

	feed(fx, invite);
	feed(fx, challenge);
	feed(fx, invite2);
	feed(fx, ok2);

	assert_int_equal(dialog_tracker_stats(fx->t)->calls, 1);
	assert_int_equal(fx->rec.active, 4);
	for (unsigned i = 0; i < fx->rec.n_iri; i++)
		assert_int_not_equal(fx->rec.iri[i].type, IRI_END);
	fixture_free(fx);
}

static void idle_call_times_out(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);

	feed(fx, invite);
	feed(fx, ok_answer);
	feed(fx, ack);
	dialog_expire(fx->t, fx->now + 30 * SEC);
	assert_int_equal(fx->rec.active, 4);
	dialog_expire(fx->t, fx->now + 61 * SEC);

	assert_int_equal(fx->rec.active, 0);
	assert_int_equal(count_flows(&fx->rec, false, "timeout"), 4);
	const struct recorded_iri *last = &fx->rec.iri[fx->rec.n_iri - 1];
	assert_int_equal(last->type, IRI_END);
	assert_string_equal(last->reason, "timeout");
	assert_int_equal(dialog_tracker_stats(fx->t)->calls_timed_out, 1);
	fixture_free(fx);
}

static void warrant_starting_mid_call(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *w_invite =
		"INVITE sip:walter@ims.test SIP/2.0\n"
		"From: <sip:x@ims.test>;tag=x1\nTo: <sip:walter@ims.test>\n"
		"Call-ID: w@ims.test\nCSeq: 1 INVITE\n"
		"Content-Type: application/sdp\n\n" SDP_OFFER("40000");
	const char *w_ok =
		"SIP/2.0 200 OK\n"
		"From: <sip:x@ims.test>;tag=x1\nTo: <sip:walter@ims.test>;tag=w1\n"
		"Call-ID: w@ims.test\nCSeq: 1 INVITE\n"
		"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");
	const char *w_info =
		"INFO sip:walter@198.51.100.2 SIP/2.0\n"
		"From: <sip:x@ims.test>;tag=x1\nTo: <sip:walter@ims.test>;tag=w1\n"
		"Call-ID: w@ims.test\nCSeq: 2 INFO\n\n";

	/* The warrant of LIID-W starts one minute after T0. */
	feed(fx, w_invite);
	feed(fx, w_ok);
	assert_int_equal(fx->rec.n_iri, 0);
	fx->now = T0 + 61 * SEC;
	feed(fx, w_info);

	assert_int_equal(fx->rec.n_iri, 1);
	assert_int_equal(fx->rec.iri[0].type, IRI_BEGIN);
	assert_string_equal(fx->rec.iri[0].liid, "LIID-W");
	/* No key material was kept from before the warrant. */
	assert_int_equal(fx->rec.active, 4);
	assert_int_equal(fx->rec.flows[0].flow.keying, MEDIA_KEYS_UNKNOWN);

	/* And interception stops when the warrant ends. */
	dialog_expire(fx->t, T0 + 121 * SEC);
	assert_int_equal(fx->rec.active, 0);
	assert_int_equal(count_flows(&fx->rec, false, "warrant"), 4);
	fixture_free(fx);
}

static void reload_removes_intercept(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	static const char reduced[] =
		"lcores: 0-1\n"
		"intercepts:\n"
		"  - liid: LIID-Z\n"
		"    targets: [\"sip:zed@ims.test\"]\n"
		"    agency: lea-1\n"
		"agencies:\n"
		"  - name: lea-1\n"
		"    hi2: 127.0.0.1:9002\n"
		"    hi3: 127.0.0.1:9003\n";
	char err[512];

	feed(fx, invite);
	feed(fx, ok_answer);
	assert_int_equal(fx->rec.active, 4);

	struct lime_config *cfg2 = lime_config_load_buffer(reduced, strlen(reduced),
							   err, sizeof(err));
	assert_non_null(cfg2);
	struct intercept_set *set2 = intercept_set_build(cfg2, err, sizeof(err));
	assert_non_null(set2);
	dialog_set_intercepts(fx->t, set2);

	assert_int_equal(fx->rec.active, 0);
	assert_int_equal(count_flows(&fx->rec, false, "warrant"), 4);
	unsigned iri_before = fx->rec.n_iri;
	feed(fx, ack);
	feed(fx, bye);
	assert_int_equal(fx->rec.n_iri, iri_before);

	dialog_tracker_destroy(fx->t);
	fx->t = NULL;
	intercept_set_free(set2);
	lime_config_free(cfg2);
	intercept_set_free(fx->set);
	lime_config_free(fx->cfg);
	free(fx);
}

static void report_outside_call(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *message =
		"MESSAGE sip:bob@ims.test SIP/2.0\n"
		"From: <sip:alice@ims.test>;tag=m1\nTo: <sip:bob@ims.test>\n"
		"Call-ID: msg@ims.test\nCSeq: 1 MESSAGE\n"
		"Content-Type: text/plain\n\nhello";

	feed(fx, message);
	assert_int_equal(fx->rec.n_iri, 2);
	assert_int_equal(fx->rec.iri[0].type, IRI_REPORT);
	assert_int_equal(fx->rec.iri[1].type, IRI_REPORT);
	assert_int_equal(dialog_tracker_stats(fx->t)->calls, 0);
	fixture_free(fx);
}

/* A call with its own Call-ID, caller and media port. */
static void feed_call(struct fixture *fx, unsigned i, const char *caller)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "INVITE sip:bob@ims.test SIP/2.0\n"
		 "From: <sip:%s@ims.test>;tag=t%u\nTo: <sip:bob@ims.test>\n"
		 "Call-ID: flood-%u@ims.test\nCSeq: 1 INVITE\n"
		 "Content-Type: application/sdp\n\n"
		 "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
		 "m=audio %u RTP/AVP 0\n", caller, i, i, 20000 + 2 * i);
	feed(fx, text);
	snprintf(text, sizeof(text),
		 "SIP/2.0 200 OK\n"
		 "From: <sip:%s@ims.test>;tag=t%u\nTo: <sip:bob@ims.test>;tag=r%u\n"
		 "Call-ID: flood-%u@ims.test\nCSeq: 1 INVITE\n"
		 "Content-Type: application/sdp\n\n"
		 "v=0\no=- 1 1 IN IP4 198.51.100.2\ns=-\nc=IN IP4 198.51.100.2\nt=0 0\n"
		 "m=audio %u RTP/AVP 0\n", caller, i, i, i, 30000 + 2 * i);
	feed(fx, text);
}

static void flood_evicts_plain_calls_first(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 16);

	feed_call(fx, 0, "alice");
	for (unsigned i = 1; i < 40; i++)
		feed_call(fx, i, "mallory");

	const struct dialog_stats *st = dialog_tracker_stats(fx->t);
	assert_int_equal(st->calls, 40);
	assert_int_equal(st->calls_evicted, 24);
	assert_int_equal(st->calls_active, 16);
	/* The intercepted call survived the flood. */
	assert_int_equal(fx->rec.active, 4);
	for (unsigned i = 0; i < fx->rec.n_iri; i++)
		assert_int_not_equal(fx->rec.iri[i].type, IRI_END);
	fixture_free(fx);
}

static void full_flow_table_evicts_oldest(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);

	fx->rec.capacity = 4;
	feed_call(fx, 0, "alice");
	assert_int_equal(fx->rec.active, 4);
	feed_call(fx, 1, "alice");

	/* The older intercepted call made room for the newer one. */
	assert_int_equal(fx->rec.active, 4);
	assert_int_equal(count_flows(&fx->rec, false, "evicted"), 4);
	assert_int_equal(dialog_tracker_stats(fx->t)->calls_evicted, 1);
	fixture_free(fx);
}

static void same_destination_taken_over(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	char text[2048];

	feed_call(fx, 0, "alice");
	/* A second call whose answer reuses the first call's media port. */
	snprintf(text, sizeof(text),
		 "INVITE sip:bob@ims.test SIP/2.0\n"
		 "From: <sip:alice@ims.test>;tag=z\nTo: <sip:bob@ims.test>\n"
		 "Call-ID: second@ims.test\nCSeq: 1 INVITE\n"
		 "Content-Type: application/sdp\n\n"
		 "v=0\no=- 1 1 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n"
		 "m=audio 29000 RTP/AVP 0\n");
	feed(fx, text);
	snprintf(text, sizeof(text),
		 "SIP/2.0 200 OK\n"
		 "From: <sip:alice@ims.test>;tag=z\nTo: <sip:bob@ims.test>;tag=y\n"
		 "Call-ID: second@ims.test\nCSeq: 1 INVITE\n"
		 "Content-Type: application/sdp\n\n"
		 "v=0\no=- 1 1 IN IP4 198.51.100.2\ns=-\nc=IN IP4 198.51.100.2\nt=0 0\n"
		 "m=audio 30000 RTP/AVP 0\n");
	feed(fx, text);

	assert_int_equal(count_flows(&fx->rec, false, "taken_over"), 2);
	assert_int_equal(fx->rec.active, 6);
	assert_int_equal(dialog_tracker_stats(fx->t)->flows_taken_over, 2);
	fixture_free(fx);
}

static void bad_sdp_isolated(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(base_config, 100);
	const char *bad_offer =
		"INVITE sip:bob@ims.test SIP/2.0\n"
		"From: <sip:alice@ims.test>;tag=q\nTo: <sip:bob@ims.test>\n"
		"Call-ID: bad@ims.test\nCSeq: 1 INVITE\n"
		"Content-Type: application/sdp\n\n"
		"v=0\nc=IN IP4 192.0.2.1\nm=audio notaport RTP/AVP 0\n";
	const char *bad_ok =
		"SIP/2.0 200 OK\n"
		"From: <sip:alice@ims.test>;tag=q\nTo: <sip:bob@ims.test>;tag=w\n"
		"Call-ID: bad@ims.test\nCSeq: 1 INVITE\n"
		"Content-Type: application/sdp\n\n" SDP_ANSWER("50000");

	feed(fx, bad_offer);
	feed(fx, invite);
	feed(fx, bad_ok);
	feed(fx, ok_answer);

	assert_int_equal(fx->rec.active, 4);
	assert_non_null(find_add(&fx->rec, 40000));
	assert_int_equal(dialog_tracker_stats(fx->t)->sdp_invalid_sections, 1);
	fixture_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sdes_call_flows_and_iri),
		cmocka_unit_test(retransmissions_change_nothing),
		cmocka_unit_test(non_target_call_not_intercepted),
		cmocka_unit_test(reinvite_moves_flows),
		cmocka_unit_test(forks_end_when_one_answers),
		cmocka_unit_test(late_offer_answered_in_ack),
		cmocka_unit_test(cancel_ends_on_487),
		cmocka_unit_test(challenge_keeps_call_open),
		cmocka_unit_test(idle_call_times_out),
		cmocka_unit_test(warrant_starting_mid_call),
		cmocka_unit_test(reload_removes_intercept),
		cmocka_unit_test(report_outside_call),
		cmocka_unit_test(flood_evicts_plain_calls_first),
		cmocka_unit_test(full_flow_table_evicts_oldest),
		cmocka_unit_test(same_destination_taken_over),
		cmocka_unit_test(bad_sdp_isolated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
