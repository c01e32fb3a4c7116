/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of ticket policy at the LI node: the validity window against
 * the capture time and the TRANSFER_INIT's T, and reuse tracking by
 * Ticket Data hash and CSB ID. The end-to-end cases run the reference KMS
 * core: an expired reusable ticket that lime still decrypts, and a ticket
 * without the J flag in two sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_li_call.h"
#include "control/mikey/mikey_li_precheck.h"
#include "control/mikey/mikey_li_reuse.h"
#include "control/mikey/mikey_li_validity.h"
#include "control/mikey/tests/li_terminal.h"
#include "lib/util/log.h"

#define HOUR_US (3600 * LT_S)

static struct mikey_li_policy policy;

static void window(struct mikey_li_precheck *pc, int64_t trs_us, int64_t tre_us,
		   int64_t t_us)
{
	memset(pc, 0, sizeof(*pc));
	pc->trs_us = trs_us;
	pc->tre_us = tre_us;
	pc->t_us = t_us;
}

/* ---- Validity window ---- */

static void test_validity_cases(void **state)
{
	static const struct {
		int64_t trs, tre, t, capture;
		enum mikey_li_status status;
		enum mikey_li_clock clock;
		const char *reason;
	} cases[] = {
		/* Inside: the capture time is the clock used. */
		{ 0, HOUR_US, 10 * LT_S, 10 * LT_S, MIKEY_LI_OK,
		  MIKEY_LI_CLOCK_CAPTURE, "" },
		/* After TRe plus the 300 s tolerance, by the capture time. */
		{ 0, HOUR_US, 10 * LT_S, HOUR_US + 301 * LT_S,
		  MIKEY_LI_TICKET_EXPIRED, MIKEY_LI_CLOCK_CAPTURE,
		  "capture time the ticket is used 301 s after the end" },
		/* Within the tolerance. */
		{ 0, HOUR_US, 10 * LT_S, HOUR_US + 299 * LT_S, MIKEY_LI_OK,
		  MIKEY_LI_CLOCK_CAPTURE, "" },
		/* Before TRs. */
		{ HOUR_US, 2 * HOUR_US, HOUR_US, 0, MIKEY_LI_TICKET_EXPIRED,
		  MIKEY_LI_CLOCK_CAPTURE, "3600 s before the start" },
		/* The capture time is fine, the initiator's T is not. */
		{ 0, HOUR_US, 2 * HOUR_US, 10 * LT_S, MIKEY_LI_TICKET_EXPIRED,
		  MIKEY_LI_CLOCK_TRANSFER_INIT, "TRANSFER_INIT T" },
		/* No capture time: T decides. */
		{ 0, HOUR_US, 2 * HOUR_US, MIKEY_LI_TIME_NONE,
		  MIKEY_LI_TICKET_EXPIRED, MIKEY_LI_CLOCK_TRANSFER_INIT, "after" },
		{ 0, HOUR_US, 10 * LT_S, MIKEY_LI_TIME_NONE, MIKEY_LI_OK,
		  MIKEY_LI_CLOCK_TRANSFER_INIT, "" },
		/* Open ends. */
		{ MIKEY_LI_TIME_NONE, MIKEY_LI_TIME_NONE, 10 * HOUR_US, 20 * HOUR_US,
		  MIKEY_LI_OK, MIKEY_LI_CLOCK_CAPTURE, "" },
		{ MIKEY_LI_TIME_NONE, HOUR_US, 0, 2 * HOUR_US,
		  MIKEY_LI_TICKET_EXPIRED, MIKEY_LI_CLOCK_CAPTURE, "after" },
		/* Nothing to check against. */
		{ 0, HOUR_US, MIKEY_LI_TIME_NONE, MIKEY_LI_TIME_NONE, MIKEY_LI_OK,
		  MIKEY_LI_CLOCK_NONE, "" },
	};
	struct mikey_li_precheck pc;
	struct mikey_li_validity v;
	bool found;

	(void)state;
	mikey_li_policy_init(&policy);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		window(&pc, cases[i].trs, cases[i].tre, cases[i].t);
		assert_int_equal(mikey_li_check_validity(&pc, cases[i].capture,
							 &policy, &v),
				 cases[i].status);
		assert_int_equal(v.status, cases[i].status);
		assert_int_equal(v.clock, cases[i].clock);
		found = strstr(v.reason, cases[i].reason) != NULL;
		if (!found)
			print_message("case %zu: \"%s\" lacks the expected words\n",
				      i, v.reason);
		assert_true(found);
	}
	assert_string_equal(mikey_li_clock_name(MIKEY_LI_CLOCK_CAPTURE), "capture");
	assert_string_equal(mikey_li_alarm_name(MIKEY_LI_TICKET_EXPIRED),
			    "ticket_expired");
}

/* ---- Reuse tracker ---- */

static void hash_of(uint8_t hash[MIKEY_LI_TICKET_HASH_LEN], uint8_t n)
{
	memset(hash, n, MIKEY_LI_TICKET_HASH_LEN);
}

static void start_tracker(struct mikey_li_reuse *r, size_t max_tickets)
{
	struct mikey_li_reuse_config c;

	mikey_li_reuse_config_init(&c);
	if (max_tickets != 0)
		c.max_tickets = max_tickets;
	assert_int_equal(mikey_li_reuse_init(r, &c), 0);
}

static void test_single_use_ticket(void **state)
{
	struct mikey_li_reuse r;
	struct mikey_li_reuse_result res;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	start_tracker(&r, 0);
	hash_of(hash, 1);
	assert_int_equal(mikey_li_reuse_record(&r, hash, 0xa, false, LT_NOW_US, &res),
			 MIKEY_LI_OK);
	assert_true(res.new_session);
	assert_int_equal(res.sessions, 1);

	/* A retransmission, a forked dialog or a CSB update: same CSB ID. */
	assert_int_equal(mikey_li_reuse_record(&r, hash, 0xa, false, LT_NOW_US + LT_S,
					       &res), MIKEY_LI_OK);
	assert_false(res.new_session);
	assert_int_equal(res.sessions, 1);

	/* A second session. */
	assert_int_equal(mikey_li_reuse_record(&r, hash, 0xb, false, LT_NOW_US + 2 * LT_S,
					       &res), MIKEY_LI_TICKET_REUSE);
	assert_true(res.new_session);
	assert_int_equal(res.sessions, 2);
	assert_non_null(strstr(res.reason, "0x0000000b"));
	/* Its retransmission is still that reuse, counted once. */
	assert_int_equal(mikey_li_reuse_record(&r, hash, 0xb, false, LT_NOW_US + 3 * LT_S,
					       &res), MIKEY_LI_TICKET_REUSE);
	assert_false(res.new_session);
	assert_int_equal(r.stats.reuses, 1);
	/* The first session stays legitimate. */
	assert_int_equal(mikey_li_reuse_record(&r, hash, 0xa, false, LT_NOW_US + 4 * LT_S,
					       &res), MIKEY_LI_OK);
	assert_int_equal(r.stats.sessions, 2);
	mikey_li_reuse_free(&r);
}

static void test_reusable_ticket(void **state)
{
	struct mikey_li_reuse r;
	struct mikey_li_reuse_result res;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	start_tracker(&r, 0);
	hash_of(hash, 2);
	for (uint32_t csb = 1; csb <= 20; csb++)
		assert_int_equal(mikey_li_reuse_record(&r, hash, csb, true,
						       LT_NOW_US, &res), MIKEY_LI_OK);
	assert_int_equal(res.sessions, 20);
	/* The first session and the last eight are remembered. */
	assert_int_equal(mikey_li_reuse_record(&r, hash, 1, true, LT_NOW_US, &res),
			 MIKEY_LI_OK);
	assert_false(res.new_session);
	assert_int_equal(mikey_li_reuse_record(&r, hash, 13, true, LT_NOW_US, &res),
			 MIKEY_LI_OK);
	assert_false(res.new_session);
	assert_int_equal(r.stats.reuses, 0);
	mikey_li_reuse_free(&r);
}

static void test_tracker_forgets_after_ttl(void **state)
{
	struct mikey_li_reuse r;
	struct mikey_li_reuse_result res;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	start_tracker(&r, 0);
	hash_of(hash, 3);
	mikey_li_reuse_record(&r, hash, 1, false, LT_NOW_US, &res);
	assert_int_equal(mikey_li_reuse_record(&r, hash, 2, false,
					       LT_NOW_US + r.cfg.ttl_us + LT_S, &res),
			 MIKEY_LI_OK);
	assert_int_equal(res.sessions, 1);
	mikey_li_reuse_free(&r);
}

static void test_tracker_is_bounded(void **state)
{
	struct mikey_li_reuse r;
	struct mikey_li_reuse_result res;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	start_tracker(&r, 4);
	for (uint8_t i = 0; i < 10; i++) {
		hash_of(hash, i);
		mikey_li_reuse_record(&r, hash, 1, false, LT_NOW_US, &res);
	}
	assert_int_equal(mikey_li_lru_count(&r.tickets), 4);
	assert_int_equal(r.tickets.evicted, 6);
	/* Ticket 0 was forgotten: its second session looks like a first. */
	hash_of(hash, 0);
	assert_int_equal(mikey_li_reuse_record(&r, hash, 2, false, LT_NOW_US, &res),
			 MIKEY_LI_OK);
	hash_of(hash, 9);
	assert_int_equal(mikey_li_reuse_record(&r, hash, 2, false, LT_NOW_US, &res),
			 MIKEY_LI_TICKET_REUSE);
	mikey_li_reuse_free(&r);
}

/* ---- End to end with the KMS ---- */

struct world {
	struct lt_kms kms;
	struct lt_caller alice;
	struct lt_call call;
	struct mikey_li_keys keys;
	struct mikey_li_call_keys out;
};

static struct world w;

/* lime's path for one tapped exchange: precheck, resolve, derive. */
static void lime_sees(const struct lt_call *call, int64_t capture_us,
		      struct mikey_li_precheck *pc)
{
	struct mikey_li_transfer x = {
		.ti = call->ti, .ti_len = call->ti_len,
		.tr = call->tr, .tr_len = call->tr_len,
	};
	struct mikey_li_failure fail;

	assert_int_equal(mikey_li_precheck(call->ti, call->ti_len, capture_us,
					   &policy, pc), MIKEY_LI_OK);
	lt_li_resolve(&w.kms, call->ti, call->ti_len, capture_us, &w.keys);
	assert_int_equal(mikey_li_derive_call(&x, &w.keys, &policy, &w.out, &fail),
			 MIKEY_LI_OK);
	assert_memory_equal(w.out.streams[0].keys.key_salt[0], call->key_salt[0],
			    call->key_salt_len);
}

static void test_expired_reusable_ticket(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	struct mikey_li_precheck pc;
	struct mikey_li_validity v;
	int64_t later = LT_NOW_US + 2 * HOUR_US;

	(void)state;
	memset(&w, 0, sizeof(w));
	mikey_li_policy_init(&policy);
	lt_kms_options_init(&o);
	o.reusable = true;
	o.validity_s = 60;
	lt_kms_start(&w.kms, &o);
	lt_request_ticket(&w.kms, LT_NOW_US, &w.alice);
	/* Two hours later the terminals use the ticket again; the callee kept
	 * its resolution from when the ticket was valid. */
	lt_call_params_init(&p, later);
	p.resolve_time_us = LT_NOW_US;
	lt_make_call(&w.kms, &w.alice, &p, &w.call);

	/* The KMS still resolves for lime, and lime still decrypts. */
	lime_sees(&w.call, later, &pc);
	assert_true(mikey_li_precheck_flag(&pc, MIKEY_TP_J));
	assert_int_equal(mikey_li_check_validity(&pc, later, &policy, &v),
			 MIKEY_LI_TICKET_EXPIRED);
	assert_int_equal(v.clock, MIKEY_LI_CLOCK_CAPTURE);
	assert_int_equal(v.time_us, later);
	assert_non_null(strstr(v.reason, "after the end"));

	mikey_li_call_keys_wipe(&w.out);
	mikey_li_keys_wipe(&w.keys);
	lt_kms_stop(&w.kms);
}

static void test_single_use_ticket_in_two_calls(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	struct mikey_li_precheck pc;
	struct mikey_li_reuse r;
	struct mikey_li_reuse_result res;
	bool j;

	(void)state;
	memset(&w, 0, sizeof(w));
	mikey_li_policy_init(&policy);
	lt_kms_options_init(&o);
	lt_kms_start(&w.kms, &o);
	start_tracker(&r, 0);
	lt_request_ticket(&w.kms, LT_NOW_US, &w.alice);

	lt_call_params_init(&p, LT_NOW_US);
	lt_make_call(&w.kms, &w.alice, &p, &w.call);
	lime_sees(&w.call, LT_NOW_US, &pc);
	j = mikey_li_precheck_flag(&pc, MIKEY_TP_J);
	assert_false(j);
	assert_int_equal(mikey_li_reuse_record(&r, pc.ticket_hash, pc.csb_id, j,
					       LT_NOW_US, &res), MIKEY_LI_OK);

	/* The same offer again (a retransmission, or a fork of the dialog
	 * answered by another device): same CSB ID. */
	assert_int_equal(mikey_li_reuse_record(&r, pc.ticket_hash, pc.csb_id, j,
					       LT_NOW_US + LT_S, &res), MIKEY_LI_OK);

	/* A new call with the same ticket: a new CSB ID. */
	lt_call_params_init(&p, LT_NOW_US + 60 * LT_S);
	p.csb_id = 0x55555555;
	lt_make_call(&w.kms, &w.alice, &p, &w.call);
	lime_sees(&w.call, LT_NOW_US + 60 * LT_S, &pc);
	assert_int_equal(mikey_li_reuse_record(&r, pc.ticket_hash, pc.csb_id, j,
					       LT_NOW_US + 60 * LT_S, &res),
			 MIKEY_LI_TICKET_REUSE);
	assert_string_equal(mikey_li_alarm_name(res.status), "ticket_reuse");

	mikey_li_reuse_free(&r);
	mikey_li_call_keys_wipe(&w.out);
	mikey_li_keys_wipe(&w.keys);
	lt_kms_stop(&w.kms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validity_cases),
		cmocka_unit_test(test_single_use_ticket),
		cmocka_unit_test(test_reusable_ticket),
		cmocka_unit_test(test_tracker_forgets_after_ttl),
		cmocka_unit_test(test_tracker_is_bounded),
		cmocka_unit_test(test_expired_reusable_ticket),
		cmocka_unit_test(test_single_use_ticket_in_two_calls),
	};

	lime_log_set_level(LIME_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
