/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of TRANSFER verification and SRTP key derivation at the LI
 * node, end to end. The reference KMS core issues and resolves tickets,
 * and the test terminals build TRANSFER_INIT and TRANSFER_RESP. lime must
 * reach the keys the callee derived from its own RESOLVE_RESP, or name
 * the message that men-in-the-middle changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_li_call.h"
#include "control/mikey/mikey_li_precheck.h"
#include "control/mikey/tests/li_terminal.h"
#include "lib/util/log.h"

struct world {
	struct lt_kms kms;
	struct lt_caller alice;
	struct lt_call call;
	struct mikey_li_keys keys;
	struct mikey_li_policy policy;
	struct mikey_li_transfer x;
	struct mikey_li_call_keys out;
	struct mikey_li_failure fail;
};

static struct world w;

static void start(const struct lt_kms_options *o)
{
	memset(&w, 0, sizeof(w));
	mikey_li_policy_init(&w.policy);
	w.policy.kms_identity = LT_KMS_ID;
	lt_kms_start(&w.kms, o);
	lt_request_ticket(&w.kms, LT_NOW_US, &w.alice);
}

static void transfer_of_call(void)
{
	w.x.ti = w.call.ti;
	w.x.ti_len = w.call.ti_len;
	w.x.tr = w.call.tr;
	w.x.tr_len = w.call.tr_len;
	w.x.sip_from.p = (const uint8_t *)w.call.p.sip_from;
	w.x.sip_from.len = strlen(w.call.p.sip_from);
	w.x.sip_to.p = (const uint8_t *)w.call.p.sip_to;
	w.x.sip_to.len = strlen(w.call.p.sip_to);
}

/* The terminals make a call; lime prechecks the TRANSFER_INIT and
 * resolves its ticket. */
static void call_and_resolve(const struct lt_call_params *p)
{
	struct mikey_li_precheck pc;

	lt_make_call(&w.kms, &w.alice, p, &w.call);
	if (mikey_li_precheck(w.call.ti, w.call.ti_len, p->ti_time_us, &w.policy,
			      &pc) != MIKEY_LI_OK)
		print_message("precheck: %s\n", pc.reason);
	assert_int_equal(pc.status, MIKEY_LI_OK);
	lt_li_resolve(&w.kms, w.call.ti, w.call.ti_len, p->ti_time_us, &w.keys);
	transfer_of_call();
}

/* Derives the call's keys, which must end with expected. */
static void expect_derive(enum mikey_li_status expected)
{
	enum mikey_li_status st = mikey_li_derive_call(&w.x, &w.keys, &w.policy,
						       &w.out, &w.fail);

	if (st != expected)
		print_message("derive: %s: %s\n", mikey_li_message_name(w.fail.message),
			      w.fail.reason);
	assert_int_equal(st, expected);
}

static void finish(void)
{
	mikey_li_call_keys_wipe(&w.out);
	mikey_li_keys_wipe(&w.keys);
	lt_kms_stop(&w.kms);
}

static const struct mikey_li_stream *stream_of(uint8_t cs_id)
{
	for (size_t i = 0; i < w.out.n_streams; i++) {
		if (w.out.streams[i].cs_id == cs_id)
			return &w.out.streams[i];
	}
	fail_msg("no stream for CS ID %u", cs_id);
	return NULL;
}

/* Both streams carry the callee's keys for their CS. */
static void expect_callee_keys(enum sdes_suite suite)
{
	assert_int_equal(w.out.n_streams, 2);
	for (uint8_t cs = 1; cs <= 2; cs++) {
		const struct mikey_li_stream *s = stream_of(cs);

		assert_true(s->usable);
		assert_int_equal(s->keys.suite, suite);
		assert_int_equal(s->keys.n_keys, 1);
		assert_int_equal(sdes_suite_key_salt_len(suite), w.call.key_salt_len);
		assert_memory_equal(s->keys.key_salt[0], w.call.key_salt[cs - 1],
				    w.call.key_salt_len);
	}
}

static void expect_nothing_derived(void)
{
	static const struct mikey_li_call_keys zero;

	assert_memory_equal(&w.out, &zero, sizeof(zero));
}

/* ---- Happy paths ---- */

static void test_forking_call_keys(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	assert_true(w.keys.has_mpkr);

	expect_derive(MIKEY_LI_OK);
	assert_true(w.out.forked);
	assert_int_equal(w.out.csb_id, p.csb_id);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	assert_memory_not_equal(w.call.key_salt[0], w.call.key_salt[1],
				w.call.key_salt_len);
	finish();
}

static void test_plain_call_keys(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	o.forking = false;
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	assert_false(w.keys.has_mpkr);

	expect_derive(MIKEY_LI_OK);
	assert_false(w.out.forked);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	finish();
}

static void test_verify_init_alone(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	w.x.tr = NULL;
	w.x.tr_len = 0;
	assert_int_equal(mikey_li_verify_init(&w.x, &w.keys, &w.fail), MIKEY_LI_OK);

	w.call.ti[lt_randri_offset(w.call.ti, w.call.ti_len)] ^= 0x01;
	assert_int_equal(mikey_li_verify_init(&w.x, &w.keys, &w.fail),
			 MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);
	finish();
}

/* ---- Men in the middle ---- */

static void test_changed_randri_fails_init(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	struct mikey_li_precheck pc;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	lt_make_call(&w.kms, &w.alice, &p, &w.call);
	/* Changed on the tapped stretch and restored behind it: the terminals
	 * agree on keys lime would get wrong. */
	w.call.ti[lt_randri_offset(w.call.ti, w.call.ti_len) + 3] ^= 0x5a;
	assert_int_equal(mikey_li_precheck(w.call.ti, w.call.ti_len, LT_NOW_US,
					   &w.policy, &pc), MIKEY_LI_OK);
	lt_li_resolve(&w.kms, w.call.ti, w.call.ti_len, LT_NOW_US, &w.keys);
	transfer_of_call();

	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.status, MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);
	assert_string_equal(mikey_li_alarm_name(w.fail.status), "mikey_auth_failed");
	expect_nothing_derived();
	finish();
}

static void test_resigned_init_fails_resp(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	/* A man in the middle with MPKi (the colluding caller's) changes
	 * RANDRi and signs again. The callee answered the original, so the
	 * TRANSFER_RESP MAC, which covers the whole TRANSFER_INIT, fails. */
	w.call.ti[lt_randri_offset(w.call.ti, w.call.ti_len)] ^= 0x80;
	lt_sign_transfer_init(w.call.ti, w.call.ti_len, &w.call, &w.alice.keys.mpki);
	assert_int_equal(mikey_li_verify_init(&w.x, &w.keys, &w.fail), MIKEY_LI_OK);

	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_RESP);
	expect_nothing_derived();
	finish();
}

static void test_changed_resp_fails_resp(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	size_t last = 0;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	/* The RANDRkms byte before V: the forked keys would change. */
	last = w.call.tr_len - 35;
	w.call.tr[last] ^= 0x01;

	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_RESP);
	expect_nothing_derived();
	finish();
}

static void test_garbage_resp_fails_resp(void **state)
{
	static const uint8_t garbage[] = { 0x01, 0x0f, 0x00, 0x01, 0x02 };
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	w.x.tr = garbage;
	w.x.tr_len = sizeof(garbage);

	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_RESP);
	finish();
}

static void test_changed_ticket_policy_fails_init(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	struct lt_caller changed;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);

	/* The colluding caller sets J on the same Ticket Data and signs with
	 * MPKi. The MAC verifies, but the keys lime has belong to the
	 * ticket the KMS checked. */
	changed = w.alice;
	changed.ticket.policy.flags |= MIKEY_TP_J;
	p.csb_id ^= 0xffff;
	lt_build_transfer_init(&changed, &p, &w.call);
	transfer_of_call();
	w.x.tr = NULL;
	w.x.tr_len = 0;
	assert_int_equal(mikey_li_verify_init(&w.x, &w.keys, &w.fail),
			 MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);
	assert_non_null(strstr(w.fail.reason, "differs from the one the KMS resolved"));
	finish();
}

static void test_wrong_ticket_keys_fail_init(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	w.keys.mpki.key[0] ^= 0x01;

	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);
	finish();
}

/* ---- Identities from SIP ---- */

static void test_sip_identities_in_mac(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	p.send_idri = false;
	p.send_idrr = false;
	p.sip_from = "sip:alice@ims.test";
	p.sip_to = "sip:+15550100@ims.test;user=phone";
	call_and_resolve(&p);
	expect_derive(MIKEY_LI_OK);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);

	/* Another To addr-spec is another MAC input. */
	w.x.sip_to.p = (const uint8_t *)"sip:+15550100@ims.test";
	w.x.sip_to.len = strlen("sip:+15550100@ims.test");
	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);

	w.x.sip_from.len = 0;
	assert_int_equal(mikey_li_derive_call(&w.x, &w.keys, &w.policy, &w.out,
					      &w.fail), MIKEY_LI_UNUSABLE);
	finish();
}

/* ---- Binding and suites ---- */

static void test_cs_map_binds_ssrc_roc(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	const struct mikey_li_stream *s1, *s2;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	p.ssrc[0] = 0xdeadbeef;
	p.roc[0] = 5;
	p.seq[0] = 65000;
	p.ssrc[1] = 0x01020304;
	p.roc[1] = 0;
	p.seq[1] = 7;
	call_and_resolve(&p);
	expect_derive(MIKEY_LI_OK);

	s1 = stream_of(1);
	assert_true(s1->has_ssrc);
	assert_int_equal(s1->ssrc, 0xdeadbeef);
	assert_true(s1->has_roc);
	assert_int_equal(s1->roc, 5);
	assert_true(s1->has_seq);
	assert_int_equal(s1->seq, 65000);
	/* The TRANSFER_INIT leaves CS 2 empty; the TRANSFER_RESP fills it. */
	s2 = stream_of(2);
	assert_true(s2->has_ssrc);
	assert_int_equal(s2->ssrc, 0x01020304);
	assert_int_equal(s2->roc, 0);
	assert_int_equal(s2->seq, 7);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	finish();
}

static void test_sp_selects_suite(void **state)
{
	static const struct {
		uint8_t key_len, tag_len;
		enum sdes_suite suite;
	} cases[] = {
		{ 16, 4, SDES_AES_CM_128_HMAC_SHA1_32 },
		{ 32, 10, SDES_AES_256_CM_HMAC_SHA1_80 },
		{ 32, 4, SDES_AES_256_CM_HMAC_SHA1_32 },
	};
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lt_call_params_init(&p, LT_NOW_US);
		p.csb_id += (uint32_t)i;
		p.encr_key_len = cases[i].key_len;
		p.auth_tag_len = cases[i].tag_len;
		call_and_resolve(&p);
		expect_derive(MIKEY_LI_OK);
		expect_callee_keys(cases[i].suite);
	}
	finish();
}

static void test_tek_with_salt(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	o.tek = true;
	o.salt = true;
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	assert_int_equal(w.keys.keys[0].type, MIKEY_KEY_TEK_SALT);
	expect_derive(MIKEY_LI_OK);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	/* A TEK is used as it is, by both crypto sessions. */
	assert_memory_equal(stream_of(1)->keys.key_salt[0], w.keys.keys[0].key, 16);
	assert_memory_equal(stream_of(2)->keys.key_salt[0] + 16, w.keys.keys[0].salt, 14);
	finish();
}

static void test_tgk_salt_wins(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	o.salt = true;
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	expect_derive(MIKEY_LI_OK);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	assert_memory_equal(stream_of(1)->keys.key_salt[0] + 16, w.keys.keys[0].salt, 14);
	finish();
}

static void test_spi_as_mki(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;
	const struct mikey_li_stream *s;

	(void)state;
	lt_kms_options_init(&o);
	o.key_count = 2;
	start(&o);
	w.policy.spi_is_mki = true;
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	assert_int_equal(w.keys.n_keys, 2);
	expect_derive(MIKEY_LI_OK);

	s = stream_of(1);
	assert_int_equal(s->keys.n_keys, 2);
	assert_int_equal(s->keys.mki_len, 4);
	assert_memory_equal(s->keys.mki[0], w.keys.keys[0].spi, 4);
	assert_memory_equal(s->keys.mki[1], w.keys.keys[1].spi, 4);
	assert_memory_equal(s->keys.key_salt[0], w.call.key_salt[0], w.call.key_salt_len);
	finish();
}

static void test_unknown_spi_with_two_keys(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	o.key_count = 2;
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	w.keys.keys[0].spi[0] ^= 0xff;

	expect_derive(MIKEY_LI_UNUSABLE);
	assert_non_null(strstr(w.fail.reason, "SPI"));
	finish();
}

/* ---- Without TRANSFER_RESP ---- */

static void test_no_resp_needs_g_clear(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	start(&o);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	w.x.tr = NULL;
	w.x.tr_len = 0;

	expect_derive(MIKEY_LI_UNUSABLE);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_RESP);
	finish();
}

static void test_init_alone_derives_keys(void **state)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	o.forking = false;
	memset(&w, 0, sizeof(w));
	mikey_li_policy_init(&w.policy);
	lt_kms_start(&w.kms, &o);
	/* Neither F nor G: the Responder sends no TRANSFER_RESP, and the
	 * TEKs depend on RANDRi alone. */
	lt_request_ticket_flags(&w.kms, LT_NOW_US, MIKEY_TP_D | MIKEY_TP_E |
				MIKEY_TP_H | MIKEY_TP_N | MIKEY_TP_O, &w.alice);
	lt_call_params_init(&p, LT_NOW_US);
	call_and_resolve(&p);
	assert_int_equal(w.keys.tp_flags & (MIKEY_TP_F | MIKEY_TP_G | MIKEY_TP_I), 0);
	w.x.tr = NULL;
	w.x.tr_len = 0;

	expect_derive(MIKEY_LI_OK);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);
	assert_true(stream_of(1)->has_ssrc);
	assert_false(stream_of(2)->has_ssrc);
	finish();
}

static void test_caller_supplied_tgk(void **state)
{
	static const uint8_t tgk[16] = {
		0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
		0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	};
	struct lt_kms_options o;
	struct lt_call_params p;

	(void)state;
	lt_kms_options_init(&o);
	memset(&w, 0, sizeof(w));
	mikey_li_policy_init(&w.policy);
	lt_kms_start(&w.kms, &o);
	/* L: the Initiator may supply session keys. */
	lt_request_ticket_flags(&w.kms, LT_NOW_US, MIKEY_TP_D | MIKEY_TP_E |
				MIKEY_TP_F | MIKEY_TP_G | MIKEY_TP_H | MIKEY_TP_L |
				MIKEY_TP_N | MIKEY_TP_O, &w.alice);
	lt_call_params_init(&p, LT_NOW_US);
	p.supplied_tgk = tgk;
	call_and_resolve(&p);
	assert_true((w.keys.tp_flags & MIKEY_TP_L) != 0);

	expect_derive(MIKEY_LI_OK);
	expect_callee_keys(SDES_AES_CM_128_HMAC_SHA1_80);

	/* The key travels encrypted under the message's MAC: a change to it
	 * fails the TRANSFER_INIT. */
	w.call.ti[w.call.ti_len - 40] ^= 0x01;
	expect_derive(MIKEY_LI_AUTH_FAILED);
	assert_int_equal(w.fail.message, MIKEY_LI_MSG_TRANSFER_INIT);
	finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forking_call_keys),
		cmocka_unit_test(test_plain_call_keys),
		cmocka_unit_test(test_verify_init_alone),
		cmocka_unit_test(test_changed_randri_fails_init),
		cmocka_unit_test(test_resigned_init_fails_resp),
		cmocka_unit_test(test_changed_resp_fails_resp),
		cmocka_unit_test(test_garbage_resp_fails_resp),
		cmocka_unit_test(test_changed_ticket_policy_fails_init),
		cmocka_unit_test(test_wrong_ticket_keys_fail_init),
		cmocka_unit_test(test_sip_identities_in_mac),
		cmocka_unit_test(test_cs_map_binds_ssrc_roc),
		cmocka_unit_test(test_sp_selects_suite),
		cmocka_unit_test(test_tek_with_salt),
		cmocka_unit_test(test_tgk_salt_wins),
		cmocka_unit_test(test_spi_as_mki),
		cmocka_unit_test(test_unknown_spi_with_two_keys),
		cmocka_unit_test(test_no_resp_needs_g_clear),
		cmocka_unit_test(test_init_alone_derives_keys),
		cmocka_unit_test(test_caller_supplied_tgk),
	};

	lime_log_set_level(LIME_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
