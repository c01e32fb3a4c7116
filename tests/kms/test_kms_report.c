/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the key report exchanges of lime-kms without sockets: a
 * terminal reports a TRANSFER_INIT and TRANSFER_RESP, an LI node fetches
 * them with lime's own fetch code (control/mikey/mikey_li_report.c), and
 * bad input gets the MIKEY error docs/kms-interface.md names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "control/mikey/mikey_li_report.h"
#include "kms_client/kms_key_report.h"
#include "tests/kms/kms_client_msg.h"
#include "tests/kms/kms_test_config.h"
#include "tools/kms/kms.h"

#define TRANSFER_MAX 8192

static uint8_t request_buf[KMS_MESSAGE_MAX];
static uint8_t response_buf[KMS_MESSAGE_MAX];

struct server {
	struct kms_config *cfg;
	struct kms kms;
};

static void server_start(struct server *s, const char *text)
{
	char err[512];

	s->cfg = kms_config_load_buffer(text, strlen(text), err, sizeof(err));
	if (s->cfg == NULL)
		print_message("config error: %s\n", err);
	assert_non_null(s->cfg);
	assert_int_equal(kms_init(&s->kms, s->cfg), 0);
}

static void server_stop(struct server *s)
{
	kms_fini(&s->kms);
	kms_config_free(s->cfg);
}

/* The test configuration with a key_reports section appended. */
static char *config_with_reports(const char *section)
{
	size_t len = strlen(kms_test_config) + strlen(section) + 1;
	char *out = malloc(len);

	assert_non_null(out);
	snprintf(out, len, "%s%s", kms_test_config, section);
	return out;
}

/* A ticket of Alice's with Bob as its responder. */
static void alice_ticket(struct server *s, struct kmsc_ticket *ticket)
{
	struct kmsc_params p;
	struct kmsc_keys keys;
	size_t len = 0, out_len = 0;
	int error_no = -1;
	char reason[160] = "";

	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16, KMS_TEST_KMS_ID,
			 KMS_TEST_NOW_US);
	assert_int_equal(kmsc_build_request(&p, request_buf, sizeof(request_buf), &len), 0);
	assert_int_equal(kms_exchange(&s->kms, request_buf, len, KMS_TEST_NOW_US, "test",
				      response_buf, sizeof(response_buf), &out_len),
			 KMS_EXCHANGE_RESPONDED);
	assert_int_equal(kmsc_read_response(&p, request_buf, len, response_buf, out_len,
					    MIKEY_DT_REQUEST_RESP, &keys, ticket, &error_no,
					    reason, sizeof(reason)), KMSC_OK);
	kmsc_wipe_keys(&keys);
}

static size_t transfer_message(const struct kmsc_ticket *t, uint8_t data_type,
			       uint32_t csb_id, uint8_t rand_fill, uint8_t *out)
{
	size_t len = 0;

	assert_int_equal(kmsc_build_transfer(t, data_type, csb_id, rand_fill, out,
					     TRANSFER_MAX, &len), 0);
	return len;
}

/* What a report request carries and who signs it. */
struct report_params {
	const char *identity;
	const uint8_t *psk;
	const uint8_t *ti;
	size_t ti_len;
	const uint8_t *tr;         /* NULL: none */
	size_t tr_len;
	bool flip_mac;
};

/* Sends a key report; returns the data type of the response and stores
 * its ERR number in *error_no. */
static uint8_t report(struct server *s, const struct report_params *p, int64_t now_us,
		      int *error_no)
{
	struct kmsc_params params;
	struct mikey_msg m;
	size_t len = 0, out_len = 0;

	kmsc_params_init(&params, p->identity, p->psk, 16, KMS_TEST_KMS_ID, now_us);
	params.flip_mac = p->flip_mac;
	assert_int_equal(kmsc_build_key_report(&params, p->ti, p->ti_len, p->tr, p->tr_len,
					       request_buf, sizeof(request_buf), &len), 0);
	assert_int_equal(kms_exchange(&s->kms, request_buf, len, now_us, "test",
				      response_buf, sizeof(response_buf), &out_len),
			 KMS_EXCHANGE_RESPONDED);
	assert_int_equal(mikey_parse(response_buf, out_len, &m, NULL), MIKEY_OK);
	*error_no = -1;
	if (m.hdr.data_type == MIKEY_DT_ERROR)
		*error_no = mikey_find(&m.payloads, MIKEY_PT_ERR, 0)->u.err.error_no;
	return m.hdr.data_type;
}

/* Fetches as the node given with lime's fetch code; flips a bit of the
 * response at tamper_at unless it is 0. */
static enum mikey_li_status fetch_tampered(struct server *s, const char *identity,
					   const uint8_t *psk, const uint8_t *ticket_hash,
					   uint32_t csb_id, int64_t now_us, size_t tamper_at,
					   struct mikey_li_report *rep, int *kms_error)
{
	struct mikey_li_node node;
	struct mikey_li_resolve_request req;
	struct mikey_li_failure fail = {0};
	static uint8_t msg[1024];
	size_t len = 0, out_len = 0;

	mikey_li_node_init(&node, identity, psk, 16, KMS_TEST_KMS_ID);
	assert_int_equal(mikey_li_build_fetch(&node, ticket_hash, csb_id, now_us, msg,
					      sizeof(msg), &len, &req, &fail), MIKEY_LI_OK);
	assert_int_equal(kms_exchange(&s->kms, msg, len, now_us, "test", response_buf,
				      sizeof(response_buf), &out_len),
			 KMS_EXCHANGE_RESPONDED);
	if (tamper_at != 0 && tamper_at < out_len)
		response_buf[tamper_at] ^= 0x01;
	return mikey_li_read_fetch(&node, &req, msg, len, response_buf, out_len, rep,
				   kms_error, &fail);
}

static enum mikey_li_status fetch_as(struct server *s, const char *identity,
				     const uint8_t *psk, const uint8_t *ticket_hash,
				     uint32_t csb_id, int64_t now_us,
				     struct mikey_li_report *rep, int *kms_error)
{
	return fetch_tampered(s, identity, psk, ticket_hash, csb_id, now_us, 0, rep,
			      kms_error);
}

static void hash_of(const struct kmsc_ticket *t, uint8_t hash[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(t->ticket_data, t->ticket_data_len, hash, &n,
				    EVP_sha256(), NULL), 1);
}

/* The exchange under test: Alice's ticket in a TRANSFER_INIT and Bob's
 * TRANSFER_RESP, CSB ID 0x0c5b0001. */
struct fixture {
	struct server s;
	struct kmsc_ticket ticket;
	uint8_t hash[32];
	uint8_t ti[TRANSFER_MAX];
	size_t ti_len;
	uint8_t tr[TRANSFER_MAX];
	size_t tr_len;
};

#define CSB_ID 0x0c5b0001u

static struct fixture *fixture_new(const char *reports_section)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *text = config_with_reports(reports_section);

	assert_non_null(f);
	server_start(&f->s, text);
	free(text);
	alice_ticket(&f->s, &f->ticket);
	hash_of(&f->ticket, f->hash);
	f->ti_len = transfer_message(&f->ticket, MIKEY_DT_TRANSFER_INIT, CSB_ID, 0xa1, f->ti);
	f->tr_len = transfer_message(&f->ticket, MIKEY_DT_TRANSFER_RESP, CSB_ID, 0xb2, f->tr);
	return f;
}

static void fixture_free(struct fixture *f)
{
	server_stop(&f->s);
	free(f);
}

static void test_report_then_fetch(void **state)
{
	struct fixture *f = fixture_new("");
	struct report_params p = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				   f->tr, f->tr_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US + 1000000, &rep, &error_no), MIKEY_LI_OK);
	assert_int_equal(rep.ti.len, f->ti_len);
	assert_memory_equal(rep.ti.p, f->ti, f->ti_len);
	assert_int_equal(rep.tr.len, f->tr_len);
	assert_memory_equal(rep.tr.p, f->tr, f->tr_len);
	assert_int_equal(rep.reporter_role, KMS_REPORTER_RESPONDER);
	assert_int_equal(f->s.kms.stats.reports_stored, 1);
	assert_int_equal(f->s.kms.stats.fetches_found, 1);
	fixture_free(f);
}

static void test_fetch_before_report(void **state)
{
	struct fixture *f = fixture_new("");
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, KMS_ERRNO_NOT_REPORTED);
	/* Another CSB ID of a reported ticket is not reported either. */
	struct report_params p = { KMS_TEST_ALICE, kms_test_psk_alice, f->ti, f->ti_len,
				   NULL, 0, false };
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID + 1,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, KMS_ERRNO_NOT_REPORTED);
	fixture_free(f);
}

static void test_initiator_then_responder(void **state)
{
	struct fixture *f = fixture_new("");
	struct report_params alice = { KMS_TEST_ALICE, kms_test_psk_alice, f->ti, f->ti_len,
				       NULL, 0, false };
	struct report_params bob = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				     f->tr, f->tr_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &alice, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_OK);
	assert_int_equal(rep.tr.len, 0);
	assert_int_equal(rep.reporter_role, KMS_REPORTER_INITIATOR);
	assert_int_equal(report(&f->s, &bob, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_OK);
	assert_int_equal(rep.tr.len, f->tr_len);
	/* The same report again is accepted and changes nothing. */
	assert_int_equal(report(&f->s, &bob, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(f->s.kms.stats.reports_duplicate, 1);
	fixture_free(f);
}

static void test_conflicting_report(void **state)
{
	struct fixture *f = fixture_new("");
	uint8_t other[TRANSFER_MAX];
	size_t other_len = transfer_message(&f->ticket, MIKEY_DT_TRANSFER_RESP, CSB_ID,
					    0xc3, other);
	struct report_params first = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				       f->tr, f->tr_len, false };
	struct report_params second = { KMS_TEST_ALICE, kms_test_psk_alice, f->ti, f->ti_len,
					other, other_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &first, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	assert_int_equal(report(&f->s, &second, KMS_TEST_NOW_US, &error_no), MIKEY_DT_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_UNSPECIFIED);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_OK);
	assert_memory_equal(rep.tr.p, f->tr, f->tr_len);
	assert_int_equal(f->s.kms.stats.reports_conflicting, 1);
	fixture_free(f);
}

static void test_bad_reports(void **state)
{
	struct fixture *f = fixture_new("");
	static const uint8_t garbage[] = { 0x01, 0x02, 0x03 };
	uint8_t orphan[TRANSFER_MAX];
	size_t orphan_len = transfer_message(&f->ticket, MIKEY_DT_TRANSFER_RESP, CSB_ID + 7,
					     0xd4, orphan);
	struct report_params cases[] = {
		/* Carol is not a party of Alice's ticket to Bob. */
		{ KMS_TEST_CAROL, kms_test_psk_carol, f->ti, f->ti_len, NULL, 0, false },
		/* An LI node cannot report. */
		{ KMS_TEST_LI, kms_test_psk_li, f->ti, f->ti_len, NULL, 0, false },
		/* A MAC that does not verify. */
		{ KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len, NULL, 0, true },
		/* Not a MIKEY message, a TRANSFER_RESP in place of the
		 * TRANSFER_INIT, a TRANSFER_RESP of another CSB ID. */
		{ KMS_TEST_BOB, kms_test_psk_bob, garbage, sizeof(garbage), NULL, 0, false },
		{ KMS_TEST_BOB, kms_test_psk_bob, f->tr, f->tr_len, NULL, 0, false },
		{ KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len, orphan, orphan_len, false },
	};
	static const int expected[] = {
		MIKEY_ERRNO_INVALID_ID, MIKEY_ERRNO_INVALID_ID, MIKEY_ERRNO_AUTH_FAILURE,
		MIKEY_ERRNO_UNSPECIFIED, MIKEY_ERRNO_UNSPECIFIED, MIKEY_ERRNO_UNSPECIFIED,
	};
	int error_no = -1;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(report(&f->s, &cases[i], KMS_TEST_NOW_US, &error_no),
				 MIKEY_DT_ERROR);
		assert_int_equal(error_no, expected[i]);
	}
	assert_int_equal(f->s.kms.stats.reports_stored, 0);
	fixture_free(f);
}

static void test_forged_ticket_report(void **state)
{
	struct fixture *f = fixture_new("");
	struct kmsc_ticket forged = f->ticket;
	uint8_t ti[TRANSFER_MAX];
	size_t ti_len;
	struct report_params p = { KMS_TEST_BOB, kms_test_psk_bob, ti, 0, NULL, 0, false };
	int error_no = -1;

	(void)state;
	forged.policy.tp_data.p = forged.tp_data;
	forged.ticket_data[forged.ticket_data_len / 2] ^= 0x40;
	ti_len = transfer_message(&forged, MIKEY_DT_TRANSFER_INIT, CSB_ID, 0xa1, ti);
	p.ti_len = ti_len;
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);
	fixture_free(f);
}

static void test_fetch_rules(void **state)
{
	struct fixture *f = fixture_new("key_reports:\n  retention_s: 60\n");
	struct report_params p = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				   f->tr, f->tr_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	/* A user may not fetch. */
	assert_int_equal(fetch_as(&f->s, KMS_TEST_ALICE, kms_test_psk_alice, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);
	/* A wrong PSK does not verify at the KMS. */
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_bob, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_AUTH_FAILURE);
	/* Within retention_s the report is there, after it gone. */
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US + 59 * INT64_C(1000000), &rep, &error_no),
			 MIKEY_LI_OK);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US + 61 * INT64_C(1000000), &rep, &error_no),
			 MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, KMS_ERRNO_NOT_REPORTED);
	fixture_free(f);
}

static void test_malformed_lookup(void **state)
{
	struct fixture *f = fixture_new("");
	struct kmsc_params p;
	struct mikey_msg m;
	size_t len = 0, out_len = 0;

	(void)state;
	kmsc_params_init(&p, KMS_TEST_LI, kms_test_psk_li, 16, KMS_TEST_KMS_ID,
			 KMS_TEST_NOW_US);
	assert_int_equal(kmsc_build_report_fetch(&p, f->hash, sizeof(f->hash), request_buf,
						 sizeof(request_buf), &len), 0);
	assert_int_equal(kms_exchange(&f->s.kms, request_buf, len, KMS_TEST_NOW_US, "test",
				      response_buf, sizeof(response_buf), &out_len),
			 KMS_EXCHANGE_RESPONDED);
	assert_int_equal(mikey_parse(response_buf, out_len, &m, NULL), MIKEY_OK);
	assert_int_equal(m.hdr.data_type, MIKEY_DT_ERROR);
	assert_int_equal(mikey_find(&m.payloads, MIKEY_PT_ERR, 0)->u.err.error_no,
			 MIKEY_ERRNO_UNSPECIFIED);
	fixture_free(f);
}

static void test_tampered_response(void **state)
{
	struct fixture *f = fixture_new("");
	struct report_params p = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				   f->tr, f->tr_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_RESOLVE_RESP);
	/* A byte inside the reported TRANSFER_INIT, and the CSB ID of the
	 * HDR: lime must reject both. */
	assert_int_equal(fetch_tampered(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
					KMS_TEST_NOW_US, 200, &rep, &error_no),
			 MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, -1);
	assert_int_equal(fetch_tampered(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
					KMS_TEST_NOW_US, 7, &rep, &error_no),
			 MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, -1);
	fixture_free(f);
}

static void test_switched_off(void **state)
{
	struct fixture *f = fixture_new("key_reports:\n  accept: false\n  li_fetch: false\n");
	struct report_params p = { KMS_TEST_BOB, kms_test_psk_bob, f->ti, f->ti_len,
				   f->tr, f->tr_len, false };
	struct mikey_li_report rep;
	int error_no = -1;

	(void)state;
	assert_int_equal(report(&f->s, &p, KMS_TEST_NOW_US, &error_no), MIKEY_DT_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_DT);
	assert_int_equal(fetch_as(&f->s, KMS_TEST_LI, kms_test_psk_li, f->hash, CSB_ID,
				  KMS_TEST_NOW_US, &rep, &error_no), MIKEY_LI_KMS_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);
	fixture_free(f);
}

static void test_config_errors(void **state)
{
	static const char *const sections[] = {
		"key_reports:\n  retention_s: 0\n",
		"key_reports:\n  max_reports: 0\n",
		"key_reports:\n  accept: maybe\n",
		"key_reports:\n  keep: 1\n",
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		char *text = config_with_reports(sections[i]);
		struct kms_config *cfg = kms_config_load_buffer(text, strlen(text), err,
								sizeof(err));

		assert_null(cfg);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_then_fetch),
		cmocka_unit_test(test_fetch_before_report),
		cmocka_unit_test(test_initiator_then_responder),
		cmocka_unit_test(test_conflicting_report),
		cmocka_unit_test(test_bad_reports),
		cmocka_unit_test(test_forged_ticket_report),
		cmocka_unit_test(test_fetch_rules),
		cmocka_unit_test(test_malformed_lookup),
		cmocka_unit_test(test_tampered_response),
		cmocka_unit_test(test_switched_off),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
