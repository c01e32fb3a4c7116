/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of LI resolution against the reference KMS core. They cover
 * the RESOLVE_INIT_PSK lime builds and the keys it reads from RESOLVE_RESP
 * (the initiator's, unforked). They also cover every response lime must
 * reject: MIKEY Error messages, responses that do not verify, responses to
 * another request and responses meant for a responder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_li_resolve.h"
#include "control/mikey/tests/li_terminal.h"
#include "lib/util/log.h"

static uint8_t req[KMS_MESSAGE_MAX];
static uint8_t resp[KMS_MESSAGE_MAX];

struct world {
	struct lt_kms kms;
	struct lt_caller alice;
	struct lt_call call;
	struct mikey_li_node node;
	struct mikey_li_resolve_request rr;
	size_t req_len;
	size_t resp_len;
	struct mikey_li_keys keys;
	struct mikey_li_failure fail;
	int error_no;
};

static struct world w;

static void start(bool forking)
{
	struct lt_kms_options o;
	struct lt_call_params p;

	memset(&w, 0, sizeof(w));
	lt_kms_options_init(&o);
	o.forking = forking;
	lt_kms_start(&w.kms, &o);
	lt_request_ticket(&w.kms, LT_NOW_US, &w.alice);
	lt_call_params_init(&p, LT_NOW_US);
	lt_build_transfer_init(&w.alice, &p, &w.call);
	lt_li_node(&w.node);
}

static void finish(void)
{
	mikey_li_keys_wipe(&w.keys);
	kmsc_wipe_keys(&w.alice.keys);
	lt_kms_stop(&w.kms);
}

/* Builds the request for the call's TRANSFER_INIT and gets the KMS's response. */
static void ask_kms(void)
{
	enum mikey_li_status st;

	st = mikey_li_build_resolve(&w.node, w.call.ti, w.call.ti_len, LT_NOW_US,
				    req, sizeof(req), &w.req_len, &w.rr, &w.fail);
	if (st != MIKEY_LI_OK)
		print_message("build: %s\n", w.fail.reason);
	assert_int_equal(st, MIKEY_LI_OK);
	w.resp_len = lt_kms_exchange(&w.kms, req, w.req_len, LT_NOW_US, resp,
				     sizeof(resp));
}

static enum mikey_li_status read_response(void)
{
	return mikey_li_read_resolve(&w.node, &w.rr, req, w.req_len, resp,
				     w.resp_len, &w.keys, &w.error_no, &w.fail);
}

static void expect_kms_error(int error_no, const char *reason)
{
	assert_int_equal(read_response(), MIKEY_LI_KMS_ERROR);
	assert_int_equal(w.fail.status, MIKEY_LI_KMS_ERROR);
	assert_int_equal(w.error_no, error_no);
	if (strstr(w.fail.reason, reason) == NULL)
		print_message("reason \"%s\" lacks \"%s\"\n", w.fail.reason, reason);
	assert_non_null(strstr(w.fail.reason, reason));
	assert_string_equal(mikey_li_alarm_name(w.fail.status), "kms_error");
}

static void expect_same_key(const struct mikey_li_key *got,
			    const struct kmsc_key *want)
{
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->key_len, want->key_len);
	assert_memory_equal(got->key, want->key, want->key_len);
	assert_int_equal(got->salt_len, want->salt_len);
	assert_int_equal(got->spi_len, want->spi_len);
	assert_memory_equal(got->spi, want->spi, want->spi_len);
}

/* ---- Keys ---- */

static void test_forking_ticket_gives_mpkr(void **state)
{
	(void)state;
	start(true);
	ask_kms();
	assert_int_equal(read_response(), MIKEY_LI_OK);
	expect_same_key(&w.keys.mpki, &w.alice.keys.mpki);
	assert_true(w.keys.has_mpkr);
	/* The initiator's MPKr, not forked for anyone. */
	expect_same_key(&w.keys.mpkr, &w.alice.keys.mpkr);
	assert_int_equal(w.keys.n_keys, 1);
	expect_same_key(&w.keys.keys[0], &w.alice.keys.keys[0]);
	assert_int_equal(w.keys.tp_flags, w.alice.ticket.policy.flags);
	assert_int_equal(w.keys.tp_prf_func, w.alice.ticket.policy.prf_func);
	finish();
}

static void test_plain_ticket_has_no_mpkr(void **state)
{
	(void)state;
	start(false);
	ask_kms();
	assert_int_equal(read_response(), MIKEY_LI_OK);
	expect_same_key(&w.keys.mpki, &w.alice.keys.mpki);
	assert_false(w.keys.has_mpkr);
	expect_same_key(&w.keys.keys[0], &w.alice.keys.keys[0]);
	finish();
}

static void test_request_layout(void **state)
{
	struct mikey_msg m;
	const struct mikey_payload *p;
	struct mikey_li_resolve_request first;

	(void)state;
	start(true);
	ask_kms();
	assert_int_equal(mikey_parse(req, w.req_len, &m, NULL), MIKEY_OK);
	assert_int_equal(m.hdr.data_type, MIKEY_DT_RESOLVE_INIT_PSK);
	assert_int_equal(m.hdr.csb_id, w.rr.csb_id);
	assert_int_equal(m.hdr.cs_id_map_type, MIKEY_MAP_EMPTY);
	p = mikey_find_idr(&m.payloads, MIKEY_ID_ROLE_IDRR);
	assert_non_null(p);
	assert_int_equal(p->u.id.data.len, strlen(LT_LI));
	assert_memory_equal(p->u.id.data.p, LT_LI, strlen(LT_LI));
	p = mikey_find_randr(&m.payloads, MIKEY_RAND_ROLE_RANDRR);
	assert_non_null(p);
	assert_memory_equal(p->u.rand.rand.p, w.rr.randrr, sizeof(w.rr.randrr));
	p = mikey_find(&m.payloads, MIKEY_PT_TICKET, 0);
	assert_non_null(p);
	assert_int_equal(p->u.ticket.initiator_data.len, 0);
	assert_int_equal(p->u.ticket.ticket_data.len, w.alice.ticket.ticket_data_len);
	assert_int_equal(m.payloads.item[m.payloads.n - 1].type, MIKEY_PT_V);

	/* Every request has a fresh CSB ID and RANDRr. */
	first = w.rr;
	ask_kms();
	assert_int_not_equal(first.csb_id, w.rr.csb_id);
	assert_memory_not_equal(first.randrr, w.rr.randrr, sizeof(first.randrr));
	finish();
}

static void test_small_buffer_is_unusable(void **state)
{
	(void)state;
	start(true);
	assert_int_equal(mikey_li_build_resolve(&w.node, w.call.ti, w.call.ti_len,
						LT_NOW_US, req, 64, &w.req_len,
						&w.rr, &w.fail), MIKEY_LI_UNUSABLE);
	assert_non_null(strstr(w.fail.reason, "does not fit"));
	finish();
}

/* ---- Rejected responses ---- */

static void test_unknown_node_gets_error(void **state)
{
	(void)state;
	start(true);
	w.node.identity = "sip:li-node-9@lime.test";
	ask_kms();
	expect_kms_error(MIKEY_ERRNO_INVALID_ID, "MIKEY error 7 (Invalid ID)");
	finish();
}

static void test_wrong_psk_gets_error(void **state)
{
	static const uint8_t other_psk[16] = { 0x34 };

	(void)state;
	start(true);
	w.node.psk = other_psk;
	ask_kms();
	expect_kms_error(MIKEY_ERRNO_AUTH_FAILURE, "Auth failure");
	finish();
}

static void test_forged_ticket_gets_error(void **state)
{
	struct mikey_msg m;
	const struct mikey_payload *t;
	size_t at;

	(void)state;
	start(true);
	/* A changed byte inside the ticket's encrypted keys keeps its layout.
	 * Only the KMS, which has the ticket key, can detect the forgery. */
	assert_int_equal(mikey_parse(w.call.ti, w.call.ti_len, &m, NULL), MIKEY_OK);
	t = mikey_find(&m.payloads, MIKEY_PT_TICKET, 0);
	at = t->u.ticket.ticket_data_offset + 40;
	w.call.ti[at] ^= 0x01;
	ask_kms();
	expect_kms_error(MIKEY_ERRNO_INVALID_TICKET, "Invalid TICKET");
	finish();
}

static void test_changed_response_fails_v(void **state)
{
	(void)state;
	start(true);
	ask_kms();
	for (size_t i = 0; i < w.resp_len; i += 7) {
		resp[i] ^= 0x01;
		assert_int_equal(read_response(), MIKEY_LI_KMS_ERROR);
		assert_int_equal(w.error_no, -1);
		resp[i] ^= 0x01;
	}
	assert_int_equal(read_response(), MIKEY_LI_OK);
	finish();
}

static void test_response_to_other_request(void **state)
{
	(void)state;
	start(true);
	ask_kms();
	w.rr.csb_id ^= 1;
	expect_kms_error(-1, "CSB ID");
	finish();
}

static void test_garbage_response(void **state)
{
	(void)state;
	start(true);
	ask_kms();
	w.resp_len = 3;
	expect_kms_error(-1, "not a MIKEY message");
	finish();
}

static void test_responder_response_rejected(void **state)
{
	(void)state;
	start(true);
	/* Bob is a user of the KMS, which forks for him and adds IDRr and
	 * RANDRkms: keys lime cannot use as an LI node. */
	mikey_li_node_init(&w.node, LT_BOB, lt_psk_bob, sizeof(lt_psk_bob), LT_KMS_ID);
	ask_kms();
	expect_kms_error(-1, "as to a responder");
	finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forking_ticket_gives_mpkr),
		cmocka_unit_test(test_plain_ticket_has_no_mpkr),
		cmocka_unit_test(test_request_layout),
		cmocka_unit_test(test_small_buffer_is_unusable),
		cmocka_unit_test(test_unknown_node_gets_error),
		cmocka_unit_test(test_wrong_psk_gets_error),
		cmocka_unit_test(test_forged_ticket_gets_error),
		cmocka_unit_test(test_changed_response_fails_v),
		cmocka_unit_test(test_response_to_other_request),
		cmocka_unit_test(test_garbage_response),
		cmocka_unit_test(test_responder_response_rejected),
	};

	lime_log_set_level(LIME_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
