/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the structural check of TRANSFER_INIT. A message the test
 * caller builds with a ticket of the reference KMS passes and yields its
 * fields, and each forged variant is rejected with a reason naming the
 * fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "control/mikey/mikey_li_precheck.h"
#include "control/mikey/tests/li_terminal.h"
#include "lib/util/log.h"

static struct lt_kms kms;
static struct lt_caller alice;
static struct lt_call call;
static struct mikey_li_policy policy;

/* ---- A TRANSFER_INIT with every field under the test's control ---- */

struct ti_spec {
	uint8_t data_type;
	uint8_t hdr_prf;
	uint8_t map_type;
	size_t n_cs;
	bool duplicate_cs;
	uint8_t prot_type;
	size_t session_data_len;       /* 4, 10, or odd */
	uint8_t ts_type;
	int64_t t_us;
	size_t n_t;
	bool no_randri;
	size_t randri_len;
	bool err_payload;
	size_t n_tickets;
	struct mikey_ticket_policy tp;
	const uint8_t *ticket_data;
	size_t ticket_data_len;
	const uint8_t *initiator_data;
	size_t initiator_data_len;
	uint8_t v_alg;
	bool sp_after_v;
};

static void default_spec(struct ti_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->data_type = MIKEY_DT_TRANSFER_INIT;
	s->hdr_prf = MIKEY_PRF_HMAC_SHA_256;
	s->map_type = MIKEY_MAP_GENERIC_ID;
	s->n_cs = 2;
	s->prot_type = MIKEY_PROT_SRTP;
	s->session_data_len = 10;
	s->ts_type = MIKEY_TS_NTP_UTC;
	s->t_us = LT_NOW_US;
	s->n_t = 1;
	s->randri_len = 16;
	s->n_tickets = 1;
	s->tp = alice.ticket.policy;
	s->ticket_data = alice.ticket.ticket_data;
	s->ticket_data_len = alice.ticket.ticket_data_len;
	s->v_alg = MIKEY_MAC_HMAC_SHA_256_256;
}

static void put_map(struct mikey_builder *b, const struct ti_spec *s)
{
	static const uint8_t policy_no = 0;
	uint8_t data[16] = { 0x11, 0x11, 0x11, 0x11 };

	for (size_t i = 0; i < s->n_cs; i++) {
		struct mikey_generic_id g;

		if (s->map_type == MIKEY_MAP_SRTP_ID) {
			mikey_put_cs_srtp(b, 0, 0x11111111 + (uint32_t)i, 0);
			continue;
		}
		memset(&g, 0, sizeof(g));
		g.cs_id = s->duplicate_cs ? 1 : (uint8_t)(i + 1);
		g.prot_type = s->prot_type;
		g.s = s->session_data_len == 10;
		g.policy_no.p = &policy_no;
		g.policy_no.len = 1;
		g.session_data.p = data;
		g.session_data.len = s->session_data_len;
		mikey_put_cs_generic(b, &g);
	}
}

static void put_t(struct mikey_builder *b, const struct ti_spec *s)
{
	uint64_t value = 7;

	if (s->ts_type != MIKEY_TS_COUNTER)
		assert_true(mikey_unix_us_to_ts(s->ts_type, s->t_us, &value));
	for (size_t i = 0; i < s->n_t; i++)
		mikey_put_t(b, s->ts_type, value);
}

static size_t build(const struct ti_spec *s, uint8_t *out, size_t cap)
{
	uint8_t randri[64];
	struct mikey_builder b;
	size_t len = 0;

	memset(randri, 0x5a, sizeof(randri));
	mikey_builder_init(&b, out, cap);
	mikey_put_hdr_simple(&b, s->data_type, true, s->hdr_prf, 0x01020304,
			     s->map_type);
	put_map(&b, s);
	put_t(&b, s);
	if (!s->no_randri)
		mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, randri, s->randri_len);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI,
		      (const uint8_t *)LT_ALICE, strlen(LT_ALICE));
	if (s->err_payload)
		mikey_put_err(&b, MIKEY_ERRNO_UNSPECIFIED);
	for (size_t i = 0; i < s->n_tickets; i++)
		mikey_put_ticket(&b, &s->tp, s->ticket_data, s->ticket_data_len,
				 s->initiator_data, s->initiator_data_len, NULL);
	mikey_put_v(&b, s->v_alg, NULL, NULL);
	if (s->sp_after_v)
		mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, NULL, 0);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	return len;
}

/* ---- Setup ---- */

static int setup(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lime_log_set_level(LIME_LOG_WARNING);
	lt_kms_options_init(&o);
	lt_kms_start(&kms, &o);
	lt_request_ticket(&kms, LT_NOW_US, &alice);
	lt_call_params_init(&p, LT_NOW_US);
	lt_build_transfer_init(&alice, &p, &call);
	mikey_li_policy_init(&policy);
	policy.kms_identity = LT_KMS_ID;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lt_kms_stop(&kms);
	kmsc_wipe_keys(&alice.keys);
	return 0;
}

static void expect_forged(const uint8_t *ti, size_t len, const char *reason)
{
	struct mikey_li_precheck pc;
	bool found;

	assert_int_equal(mikey_li_precheck(ti, len, LT_NOW_US, &policy, &pc),
			 MIKEY_LI_FORGED);
	assert_int_equal(pc.status, MIKEY_LI_FORGED);
	found = strstr(pc.reason, reason) != NULL;
	if (!found)
		print_message("reason \"%s\" lacks the expected words\n", pc.reason);
	assert_true(found);
}

/* ---- Accepted ---- */

static void test_terminal_message_passes(void **state)
{
	struct mikey_li_precheck pc;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	assert_int_equal(mikey_li_precheck(call.ti, call.ti_len, LT_NOW_US,
					   &policy, &pc), MIKEY_LI_OK);
	assert_true(mikey_li_ticket_hash(alice.ticket.ticket_data,
					 alice.ticket.ticket_data_len, hash));
	assert_memory_equal(pc.ticket_hash, hash, sizeof(hash));
	assert_int_equal(pc.csb_id, call.p.csb_id);
	assert_int_equal(pc.prf_func, MIKEY_PRF_HMAC_SHA_256);
	assert_int_equal(pc.n_cs, 2);
	assert_int_equal(pc.t_us, LT_NOW_US);
	assert_int_equal(pc.randri.len, 16);
	assert_memory_equal(pc.randri.p, call.randri, 16);
	assert_int_equal(pc.idri.len, strlen(LT_ALICE));
	assert_memory_equal(pc.idri.p, LT_ALICE, pc.idri.len);
	assert_int_equal(pc.idrr.len, strlen(LT_BOB));
	assert_int_equal(pc.tp_flags, alice.ticket.policy.flags);
	assert_true(mikey_li_precheck_flag(&pc, MIKEY_TP_I));
	assert_false(mikey_li_precheck_flag(&pc, MIKEY_TP_J));
	assert_int_equal(pc.tp_prf_func, MIKEY_PRF_HMAC_SHA_256);
	assert_int_equal(pc.ticket_initiator.len, strlen(LT_ALICE));
	/* TRs and TRe are whole seconds (NTP-UTC-32). */
	assert_int_equal(pc.trs_us, LT_NOW_US);
	assert_int_equal(pc.tre_us, LT_NOW_US + 3600 * LT_S);
}

static void test_skew_inside_limit_passes(void **state)
{
	struct mikey_li_precheck pc;
	struct ti_spec s;
	uint8_t ti[4096];
	size_t len;

	(void)state;
	default_spec(&s);
	s.t_us = LT_NOW_US - 299 * LT_S;
	len = build(&s, ti, sizeof(ti));
	assert_int_equal(mikey_li_precheck(ti, len, LT_NOW_US, &policy, &pc),
			 MIKEY_LI_OK);
	/* 0 turns the clock check off. */
	s.t_us = LT_NOW_US - 3600 * LT_S;
	len = build(&s, ti, sizeof(ti));
	policy.max_clock_skew_us = 0;
	assert_int_equal(mikey_li_precheck(ti, len, LT_NOW_US, &policy, &pc),
			 MIKEY_LI_OK);
	mikey_li_policy_init(&policy);
	policy.kms_identity = LT_KMS_ID;
}

/* ---- Forged: the message ---- */

static void test_garbage_is_forged(void **state)
{
	uint8_t junk[200];

	(void)state;
	assert_int_equal(RAND_bytes(junk, sizeof(junk)), 1);
	junk[0] = 0x07;
	expect_forged(junk, sizeof(junk), "not a MIKEY message");
	expect_forged(junk, 0, "empty");
}

enum mutation {
	M_DATA_TYPE, M_HDR_PRF, M_SRTP_ID_MAP, M_NO_CS, M_DUPLICATE_CS,
	M_SESSION_DATA, M_PROT_TYPE, M_ERR_PAYLOAD, M_NO_TICKET, M_TWO_T,
	M_V_NOT_LAST, M_T_COUNTER, M_T_OLD, M_T_FUTURE, M_NO_RANDRI,
	M_SHORT_RANDRI, M_V_NULL,
};

static void mutate(struct ti_spec *s, enum mutation m)
{
	switch (m) {
	case M_DATA_TYPE: s->data_type = MIKEY_DT_TRANSFER_RESP; break;
	case M_HDR_PRF: s->hdr_prf = 5; break;
	case M_SRTP_ID_MAP: s->map_type = MIKEY_MAP_SRTP_ID; break;
	case M_NO_CS: s->n_cs = 0; break;
	case M_DUPLICATE_CS: s->duplicate_cs = true; break;
	case M_SESSION_DATA: s->session_data_len = 7; break;
	case M_PROT_TYPE: s->prot_type = 1; break;
	case M_ERR_PAYLOAD: s->err_payload = true; break;
	case M_NO_TICKET: s->n_tickets = 0; break;
	case M_TWO_T: s->n_t = 2; break;
	case M_V_NOT_LAST: s->sp_after_v = true; break;
	case M_T_COUNTER: s->ts_type = MIKEY_TS_COUNTER; break;
	case M_T_OLD: s->t_us = LT_NOW_US - 3600 * LT_S; break;
	case M_T_FUTURE: s->t_us = LT_NOW_US + 301 * LT_S; break;
	case M_NO_RANDRI: s->no_randri = true; break;
	case M_SHORT_RANDRI: s->randri_len = 8; break;
	case M_V_NULL: s->v_alg = MIKEY_MAC_NULL; break;
	}
}

static void test_message_faults_are_forged(void **state)
{
	static const struct {
		enum mutation m;
		const char *reason;
	} cases[] = {
		{ M_DATA_TYPE, "is not TRANSFER_INIT" },
		{ M_HDR_PRF, "HDR PRF func 5" },
		{ M_SRTP_ID_MAP, "not GENERIC-ID" },
		{ M_NO_CS, "0 crypto sessions" },
		{ M_DUPLICATE_CS, "appears twice" },
		{ M_SESSION_DATA, "Session Data of 7 bytes" },
		{ M_PROT_TYPE, "not SRTP" },
		{ M_ERR_PAYLOAD, "ERR payload does not belong" },
		{ M_NO_TICKET, "0 TICKET payloads" },
		{ M_TWO_T, "2 T payloads" },
		{ M_V_NOT_LAST, "V is not the last payload" },
		{ M_T_COUNTER, "has no UTC time" },
		{ M_T_OLD, "-3600 s away from the clock" },
		{ M_T_FUTURE, "301 s away from the clock" },
		{ M_NO_RANDRI, "no RANDRi" },
		{ M_SHORT_RANDRI, "RANDRi has 8 bytes" },
		{ M_V_NULL, "V Auth alg 0" },
	};
	struct ti_spec s;
	uint8_t ti[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		default_spec(&s);
		mutate(&s, cases[i].m);
		expect_forged(ti, build(&s, ti, sizeof(ti)), cases[i].reason);
	}
}

/* ---- Forged: the ticket ---- */

static void test_garbage_ticket_is_forged(void **state)
{
	uint8_t junk[120], ti[4096];
	struct ti_spec s;

	(void)state;
	assert_int_equal(RAND_bytes(junk, sizeof(junk)), 1);
	default_spec(&s);
	s.ticket_data = junk;
	s.ticket_data_len = sizeof(junk);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "Ticket Data is malformed");
}

static void test_policy_faults_are_forged(void **state)
{
	static const struct {
		uint16_t ticket_type;
		uint8_t prf;
		uint16_t clear, set;
		const char *reason;
	} cases[] = {
		{ MIKEY_TICKET_3GPP_BASE, 1, 0, 0, "not a MIKEY base ticket" },
		{ 1, 3, 0, 0, "PRF func 3" },
		{ 1, 1, MIKEY_TP_D, 0, "D is clear" },
		{ 1, 1, MIKEY_TP_F, 0, "G is set without F" },
		{ 1, 1, MIKEY_TP_G | MIKEY_TP_H, 0, "neither G nor H" },
		{ 1, 1, MIKEY_TP_E, 0, "I is set without E" },
	};
	struct ti_spec s;
	uint8_t ti[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		default_spec(&s);
		s.tp.ticket_type = cases[i].ticket_type;
		s.tp.prf_func = cases[i].prf;
		s.tp.flags = (uint16_t)((s.tp.flags & ~cases[i].clear) | cases[i].set);
		expect_forged(ti, build(&s, ti, sizeof(ti)), cases[i].reason);
	}
}

/* TP Data with IDRkms (when kms_id is not NULL), TRs and TRe. */
static size_t tp_data(uint8_t *out, size_t cap, const char *kms_id,
		      int64_t trs_us, int64_t tre_us)
{
	struct mikey_builder b;
	uint64_t trs = 0, tre = 0;
	size_t len = 0;

	assert_true(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, trs_us, &trs));
	assert_true(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, tre_us, &tre));
	mikey_builder_init_chain(&b, out, cap);
	if (kms_id != NULL)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
			      (const uint8_t *)kms_id, strlen(kms_id));
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRS, MIKEY_TS_NTP_UTC_32, trs);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRE, MIKEY_TS_NTP_UTC_32, tre);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	return len;
}

static void test_tp_data_faults_are_forged(void **state)
{
	static const uint8_t junk[] = { MIKEY_PT_IDR, 0x00, 0x03, 0x01, 0x7f, 0xff };
	uint8_t tp[256], ti[4096];
	struct ti_spec s;

	(void)state;
	default_spec(&s);
	s.tp.tp_data.p = junk;
	s.tp.tp_data.len = sizeof(junk);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "TP Data is malformed");

	s.tp.tp_data.p = tp;
	s.tp.tp_data.len = tp_data(tp, sizeof(tp), NULL, LT_NOW_US, LT_NOW_US + LT_S);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "names no KMS");

	s.tp.tp_data.len = tp_data(tp, sizeof(tp), "sip:kms@other.test", LT_NOW_US,
				   LT_NOW_US + LT_S);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "another KMS");

	s.tp.tp_data.len = tp_data(tp, sizeof(tp), LT_KMS_ID, LT_NOW_US + LT_S,
				   LT_NOW_US);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "TRs is after its TRe");
}

static void test_ticket_data_faults_are_forged(void **state)
{
	static const uint8_t other_key[8] = { 0xaa, 0xaa, 0xaa, 0xaa,
					      0xaa, 0xaa, 0xaa, 0xaa };
	uint8_t td[4096], ti[4096];
	struct ti_spec s;

	(void)state;
	default_spec(&s);
	memcpy(td, alice.ticket.ticket_data, alice.ticket.ticket_data_len);
	td[alice.ticket.ticket_data_len] = 0;
	s.ticket_data = td;
	s.ticket_data_len = alice.ticket.ticket_data_len + 1;
	expect_forged(ti, build(&s, ti, sizeof(ti)), "1 bytes follow the Ticket Data");

	default_spec(&s);
	policy.ticket_key_id = other_key;
	policy.ticket_key_id_len = sizeof(other_key);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "another ticket key");
	policy.ticket_key_id = NULL;
	policy.ticket_key_id_len = 0;
}

static void test_initiator_data_faults_are_forged(void **state)
{
	static const uint8_t junk[] = { MIKEY_PT_V, 0x00, 0x02, 0x01 };
	static const uint8_t other_mac[32] = { 0x42 };
	uint8_t vi[64], ti[4096];
	struct mikey_builder b;
	struct ti_spec s;
	size_t len = 0;

	(void)state;
	default_spec(&s);
	s.initiator_data = junk;
	s.initiator_data_len = sizeof(junk);
	expect_forged(ti, build(&s, ti, sizeof(ti)), "Initiator Data is malformed");

	/* A Vi whose MAC differs from the message's V, which is all zeros. */
	mikey_builder_init_chain(&b, vi, sizeof(vi));
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, other_mac, NULL);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	s.initiator_data = vi;
	s.initiator_data_len = len;
	expect_forged(ti, build(&s, ti, sizeof(ti)), "not a copy");
}

/* The test caller's own message fails once its Vi no longer matches. */
static void test_terminal_vi_changed(void **state)
{
	struct mikey_li_precheck pc;
	uint8_t ti[LT_MSG_MAX];

	(void)state;
	memcpy(ti, call.ti, call.ti_len);
	/* Vi's MAC is the last 32 bytes of the Initiator Data, which ends
	 * where V starts: 34 bytes before the message's end come Vr, then V. */
	ti[call.ti_len - 34 - 34 - 1] ^= 0x01;
	assert_int_equal(mikey_li_precheck(ti, call.ti_len, LT_NOW_US, &policy, &pc),
			 MIKEY_LI_FORGED);
	assert_non_null(strstr(pc.reason, "not a copy"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal_message_passes),
		cmocka_unit_test(test_skew_inside_limit_passes),
		cmocka_unit_test(test_garbage_is_forged),
		cmocka_unit_test(test_message_faults_are_forged),
		cmocka_unit_test(test_garbage_ticket_is_forged),
		cmocka_unit_test(test_policy_faults_are_forged),
		cmocka_unit_test(test_tp_data_faults_are_forged),
		cmocka_unit_test(test_ticket_data_faults_are_forged),
		cmocka_unit_test(test_initiator_data_faults_are_forged),
		cmocka_unit_test(test_terminal_vi_changed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
