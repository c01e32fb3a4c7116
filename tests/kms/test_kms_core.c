/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the lime-kms core without sockets: configuration checks,
 * the MIKEY exchanges through kms_exchange() with the client of
 * tests/kms/kms_client_msg.c, and HTTP handling through kms_session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util/log.h"
#include "tests/kms/kms_client_msg.h"
#include "tests/kms/kms_test_config.h"
#include "tools/kms/kms.h"
#include "tools/kms/kms_session.h"

#define HOUR_US (INT64_C(3600) * 1000000)

static uint8_t request_buf[KMS_MESSAGE_MAX];
static uint8_t response_buf[KMS_MESSAGE_MAX];

/* Returns kms_test_config with the first "from" replaced by "to". */
static char *config_with(const char *from, const char *to)
{
	const char *at = strstr(kms_test_config, from);
	size_t head, len = strlen(kms_test_config) - strlen(from) + strlen(to);
	char *out = malloc(len + 1);

	assert_non_null(at);
	assert_non_null(out);
	head = (size_t)(at - kms_test_config);
	memcpy(out, kms_test_config, head);
	strcpy(out + head, to);
	strcat(out, at + strlen(from));
	return out;
}

static struct kms_config *load(const char *text)
{
	char err[512];
	struct kms_config *cfg = kms_config_load_buffer(text, strlen(text), err,
							sizeof(err));

	if (cfg == NULL)
		print_message("config error: %s\n", err);
	assert_non_null(cfg);
	return cfg;
}

/* Loads text, which must fail with a message containing expected. */
static void expect_config_error(const char *text, const char *expected)
{
	char err[512];
	struct kms_config *cfg = kms_config_load_buffer(text, strlen(text), err,
							sizeof(err));

	assert_null(cfg);
	if (strstr(err, expected) == NULL)
		print_message("message: %s\n", err);
	assert_non_null(strstr(err, expected));
}

struct server {
	struct kms_config *cfg;
	struct kms kms;
};

static void server_start(struct server *s, const char *text)
{
	s->cfg = load(text);
	assert_int_equal(kms_init(&s->kms, s->cfg), 0);
}

static void server_stop(struct server *s)
{
	kms_fini(&s->kms);
	kms_config_free(s->cfg);
}

/* Sends request_buf[0..len) and reads the response as the client of p. */
static enum kmsc_result exchange(struct server *s, const struct kmsc_params *p,
				 size_t len, int64_t now_us, uint8_t type,
				 struct kmsc_keys *keys, struct kmsc_ticket *ticket,
				 int *error_no)
{
	size_t out_len = 0;
	char reason[160] = "";
	enum kmsc_result r;

	assert_int_equal(kms_exchange(&s->kms, request_buf, len, now_us, "test",
				      response_buf, sizeof(response_buf), &out_len),
			 KMS_EXCHANGE_RESPONDED);
	r = kmsc_read_response(p, request_buf, len, response_buf, out_len, type,
			       keys, ticket, error_no, reason, sizeof(reason));
	if (r == KMSC_INVALID)
		print_message("invalid response: %s\n", reason);
	return r;
}

static enum kmsc_result request_as(struct server *s, struct kmsc_params *p,
				   int64_t now_us, struct kmsc_keys *keys,
				   struct kmsc_ticket *ticket, int *error_no)
{
	size_t len = 0;

	assert_int_equal(kmsc_build_request(p, request_buf, sizeof(request_buf), &len), 0);
	return exchange(s, p, len, now_us, MIKEY_DT_REQUEST_RESP, keys, ticket,
			error_no);
}

/* Alice requests a ticket at now_us; the request must succeed. */
static void alice_requests(struct server *s, int64_t now_us,
			   struct kmsc_keys *keys, struct kmsc_ticket *ticket)
{
	struct kmsc_params p;
	int error_no = -1;

	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, now_us);
	assert_int_equal(request_as(s, &p, now_us, keys, ticket, &error_no), KMSC_OK);
}

static enum kmsc_result resolve_as(struct server *s, const char *identity,
				   const uint8_t *psk, const struct kmsc_ticket *ticket,
				   int64_t now_us, struct kmsc_keys *keys,
				   int *error_no)
{
	struct kmsc_params p;
	size_t len = 0;

	kmsc_params_init(&p, identity, psk, 16, KMS_TEST_KMS_ID, now_us);
	assert_int_equal(kmsc_build_resolve(&p, ticket, request_buf,
					    sizeof(request_buf), &len), 0);
	return exchange(s, &p, len, now_us, MIKEY_DT_RESOLVE_RESP, keys, NULL,
			error_no);
}

static void expect_match(const struct kmsc_keys *init, const struct kmsc_ticket *t,
			 const struct kmsc_keys *got, bool li_node, const char *id)
{
	const char *diff = kmsc_check_resolved(init, t, got, li_node, id);

	if (diff != NULL)
		print_message("key check: %s\n", diff);
	assert_null(diff);
}

static struct kmsc_keys init_keys, got_keys;
static struct kmsc_ticket ticket;

/* ---- Configuration ---- */

static void test_config_defaults(void **state)
{
	struct kms_config *cfg = load(kms_test_config);

	(void)state;
	assert_string_equal(cfg->listen, "127.0.0.1:8443");
	assert_string_equal(cfg->path, "/mikey");
	assert_int_equal(cfg->max_connections, 1024);
	assert_int_equal(cfg->idle_timeout_s, 30);
	assert_int_equal(cfg->max_clock_skew_s, 300);
	assert_int_equal(cfg->ticket.key_count, 1);
	assert_int_equal(cfg->ticket.key_length, 16);
	assert_int_equal(cfg->ticket.key_type, KMS_KEY_KIND_TGK);
	assert_true(cfg->ticket.forking);
	assert_false(cfg->ticket.reusable);
	assert_int_equal(cfg->n_users, 3);
	assert_int_equal(cfg->n_li_nodes, 1);
	assert_int_equal(cfg->users[0].psk_len, 16);
	kms_config_free(cfg);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *from, *to, *message;
	} cases[] = {
		{ "cert_file: unused.pem\n", "cert_file: unused.pem\nbogus: 1\n",
		  "unknown key \"bogus\" at top level" },
		{ "  validity_s: 3600\n", "  validity_s: 3600\n  lifetime: 3\n",
		  "unknown key \"lifetime\" in ticket_policy" },
		{ "    psk_hex: \"1111", "    psk_hex: \"x111", "invalid users[0].psk_hex (value not shown)" },
		{ "  validity_s: 3600", "  validity_s: 0", "invalid value \"0\" for ticket_policy.validity_s" },
		{ "  responders: per_user", "  responders: everyone",
		  "invalid value \"everyone\" for ticket_policy.responders" },
		{ "  forking: true", "  forking: yes", "invalid value \"yes\" for ticket_policy.forking" },
		{ "cert_file: unused.pem\n", "cert_file: unused.pem\nlisten: \"localhost:80\"\n",
		  "invalid value \"localhost:80\" for listen" },
		{ "cert_file: unused.pem\n", "cert_file: unused.pem\npath: mikey\n",
		  "invalid value \"mikey\" for path" },
		{ "  validity_s: 3600", "  key_length: 24", "use 16 (AES-128) or 32 (AES-256)" },
		{ "    responders: [\"" KMS_TEST_ALICE "\"]\n  - identity: \"" KMS_TEST_CAROL,
		  "  - identity: \"" KMS_TEST_CAROL, "users[1] (sip:bob@ims.test) has no responders list" },
		{ "    responders: [\"" KMS_TEST_BOB "\"]", "    responders: [\"sip:dave@ims.test\"]",
		  "users[0].responders[0] \"sip:dave@ims.test\" is not the identity of any entry of users" },
		{ KMS_TEST_LI, KMS_TEST_BOB, "identity \"sip:bob@ims.test\" appears twice" },
		{ "kms_identity: \"" KMS_TEST_KMS_ID "\"", "kms_identity: \"kms\"",
		  "expected a URI" },
		{ "ticket_key_hex: \"00", "ticket_key_hex: \"", "ticket_key_hex is 31 bytes long" },
		{ "cert_file: unused.pem\n", "", "missing required key \"cert_file\"" },
		{ "  responders: per_user\n", "  responders: per_user\n---\nx: 1\n",
		  "a second YAML document" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = config_with(cases[i].from, cases[i].to);

		expect_config_error(text, cases[i].message);
		free(text);
	}
	expect_config_error("", "the configuration is empty");
	expect_config_error("users: [", "invalid YAML");
}

/* ---- Exchanges ---- */

static void test_flow_forking(void **state)
{
	struct server s;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_true(init_keys.has_mpkr);
	assert_int_equal(init_keys.n_keys, 1);
	assert_int_equal(init_keys.keys[0].type, MIKEY_KEY_TGK);
	assert_true(ticket.policy.flags & MIKEY_TP_I);
	assert_false(ticket.policy.flags & MIKEY_TP_J);

	assert_int_equal(resolve_as(&s, KMS_TEST_BOB, kms_test_psk_bob, &ticket,
				    KMS_TEST_NOW_US + 1000000, &got_keys, &error_no),
			 KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, false, KMS_TEST_BOB);

	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    KMS_TEST_NOW_US + 2000000, &got_keys, &error_no),
			 KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, true, KMS_TEST_LI);
	assert_int_equal(s.kms.stats.exchanges_ok, 3);
	server_stop(&s);
}

static void test_flow_teks_unforked(void **state)
{
	char *text = config_with("  forking: true\n",
				 "  forking: false\n  reusable: true\n"
				 "  key_type: tek\n  key_count: 2\n"
				 "  key_length: 32\n  salt: true\n");
	struct server s;
	int error_no = -1;

	(void)state;
	server_start(&s, text);
	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_false(init_keys.has_mpkr);
	assert_int_equal(init_keys.n_keys, 2);
	assert_int_equal(init_keys.keys[1].type, MIKEY_KEY_TEK_SALT);
	assert_int_equal(init_keys.keys[1].key_len, 32);
	assert_int_equal(init_keys.keys[1].salt_len, 14);
	assert_false(ticket.policy.flags & MIKEY_TP_I);
	assert_true(ticket.policy.flags & MIKEY_TP_J);

	assert_int_equal(resolve_as(&s, KMS_TEST_BOB, kms_test_psk_bob, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no), KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, false, KMS_TEST_BOB);
	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no), KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, true, KMS_TEST_LI);
	server_stop(&s);
	free(text);
}

static void test_expired_ticket(void **state)
{
	int64_t later = KMS_TEST_NOW_US + HOUR_US + 1000000;
	struct server s;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_int_equal(resolve_as(&s, KMS_TEST_BOB, kms_test_psk_bob, &ticket,
				    later, &got_keys, &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);
	assert_int_equal(resolve_as(&s, KMS_TEST_BOB, kms_test_psk_bob, &ticket,
				    KMS_TEST_NOW_US - 1000000, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);

	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    later, &got_keys, &error_no), KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, true, KMS_TEST_LI);
	server_stop(&s);
}

static void test_responder_not_permitted(void **state)
{
	struct server s;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_int_equal(resolve_as(&s, KMS_TEST_CAROL, kms_test_psk_carol, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);
	server_stop(&s);
}

static void test_bad_mac_and_identity(void **state)
{
	struct server s;
	struct kmsc_params p;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	p.flip_mac = true;
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_AUTH_FAILURE);

	/* The right PSK of another user does not authenticate Alice. */
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_bob, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_AUTH_FAILURE);

	kmsc_params_init(&p, "sip:mallory@ims.test", kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);

	/* LI nodes resolve but do not request. */
	kmsc_params_init(&p, KMS_TEST_LI, kms_test_psk_li, 16, KMS_TEST_KMS_ID,
			 KMS_TEST_NOW_US);
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);

	/* IDRkms of another KMS. */
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 "sip:other-kms@lime.test", KMS_TEST_NOW_US);
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);

	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_bob, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_AUTH_FAILURE);
	server_stop(&s);
}

static void test_clock_skew(void **state)
{
	struct server s;
	struct kmsc_params p;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US - 301 * INT64_C(1000000));
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TS);
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US - 299 * INT64_C(1000000));
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_OK);
	server_stop(&s);
}

static void test_foreign_tickets(void **state)
{
	char *other_key = config_with("ticket_key_hex: \"00", "ticket_key_hex: \"ff");
	char *other_id = config_with("kms_identity: \"" KMS_TEST_KMS_ID "\"",
				     "kms_identity: \"sip:kms2@lime.test\"");
	struct server s, foreign;
	struct kmsc_params p;
	int error_no = -1;

	(void)state;
	server_start(&s, kms_test_config);
	server_start(&foreign, other_key);
	alice_requests(&foreign, KMS_TEST_NOW_US, &init_keys, &ticket);
	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);
	server_stop(&foreign);

	server_start(&foreign, other_id);
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 "sip:kms2@lime.test", KMS_TEST_NOW_US);
	assert_int_equal(request_as(&foreign, &p, KMS_TEST_NOW_US, &init_keys,
				    &ticket, &error_no), KMSC_OK);
	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);
	server_stop(&foreign);

	/* A ticket changed in transit fails its MAC. */
	alice_requests(&s, KMS_TEST_NOW_US, &init_keys, &ticket);
	ticket.tp_data[ticket.policy.tp_data.len - 1] ^= 0x01;
	assert_int_equal(resolve_as(&s, KMS_TEST_LI, kms_test_psk_li, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TICKET);
	server_stop(&s);
	free(other_key);
	free(other_id);
}

static void test_requested_responders(void **state)
{
	char *requested = config_with("  responders: per_user\n", "  responders: requested\n");
	struct server s;
	struct kmsc_params p;
	int error_no = -1;

	(void)state;
	/* per_user: Alice may not name Carol. */
	server_start(&s, kms_test_config);
	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	p.responders[p.n_responders++] = KMS_TEST_CAROL;
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TPPAR);
	server_stop(&s);

	/* requested: the named responder may resolve, others may not. The
	 * per-user lists are not allowed with this rule. */
	for (char *b = strstr(requested, "    responders: ["); b != NULL;
	     b = strstr(requested, "    responders: [")) {
		char *eol = strchr(b, '\n');

		memmove(b, eol + 1, strlen(eol + 1) + 1);
	}
	server_start(&s, requested);
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_OK);
	assert_int_equal(resolve_as(&s, KMS_TEST_CAROL, kms_test_psk_carol, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no), KMSC_OK);
	expect_match(&init_keys, &ticket, &got_keys, false, KMS_TEST_CAROL);
	assert_int_equal(resolve_as(&s, KMS_TEST_BOB, kms_test_psk_bob, &ticket,
				    KMS_TEST_NOW_US, &got_keys, &error_no),
			 KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_ID);

	p.n_responders = 0;
	assert_int_equal(request_as(&s, &p, KMS_TEST_NOW_US, &init_keys, &ticket,
				    &error_no), KMSC_MIKEY_ERROR);
	assert_int_equal(error_no, MIKEY_ERRNO_INVALID_TPPAR);
	server_stop(&s);
	free(requested);
}

static void test_not_mikey_and_data_type(void **state)
{
	static const uint8_t garbage[] = "hello, KMS";
	struct server s;
	size_t len = 0;

	(void)state;
	server_start(&s, kms_test_config);
	assert_int_equal(kms_exchange(&s.kms, garbage, sizeof(garbage) - 1,
				      KMS_TEST_NOW_US, "test", response_buf,
				      sizeof(response_buf), &len),
			 KMS_EXCHANGE_NOT_MIKEY);

	/* A valid request with one byte more is rejected as well. */
	{
		struct kmsc_params p;

		kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
				 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
		assert_int_equal(kmsc_build_request(&p, request_buf,
						    sizeof(request_buf), &len), 0);
		request_buf[len] = 0;
		assert_int_equal(kms_exchange(&s.kms, request_buf, len + 1,
					      KMS_TEST_NOW_US, "test", response_buf,
					      sizeof(response_buf), &len),
				 KMS_EXCHANGE_NOT_MIKEY);
	}

	/* A TRANSFER_INIT is MIKEY but not for the KMS: Error 11. */
	{
		struct mikey_builder b;
		struct mikey_msg m;

		mikey_builder_init(&b, request_buf, sizeof(request_buf));
		mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, false, 1,
				     0x01020304, MIKEY_MAP_EMPTY);
		mikey_put_t(&b, MIKEY_TS_NTP_UTC, 0xE9A1B2C300000000ull);
		assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
		assert_int_equal(kms_exchange(&s.kms, request_buf, len,
					      KMS_TEST_NOW_US, "test", response_buf,
					      sizeof(response_buf), &len),
				 KMS_EXCHANGE_RESPONDED);
		assert_int_equal(mikey_parse(response_buf, len, &m, NULL), MIKEY_OK);
		assert_int_equal(m.hdr.data_type, MIKEY_DT_ERROR);
		assert_int_equal(m.hdr.csb_id, 0x01020304);
		assert_non_null(mikey_find(&m.payloads, MIKEY_PT_T, 0));
		assert_int_equal(mikey_find(&m.payloads, MIKEY_PT_ERR, 0)->u.err.error_no,
				 MIKEY_ERRNO_INVALID_DT);
	}
	server_stop(&s);
}

/* ---- HTTP ---- */

static struct kms_buf http_out;

/* Feeds text to a new session in pieces of step bytes and returns the
 * output as a NUL-terminated string (binary bodies stop it early). */
static const char *session_run(struct server *s, const uint8_t *in, size_t len,
			       size_t step, bool *open)
{
	struct kms_session session;

	kms_buf_free(&http_out);
	kms_buf_init(&http_out, 1 << 20);
	kms_session_init(&session, "test");
	*open = true;
	for (size_t off = 0; off < len && *open; off += step) {
		size_t room = 0, n = len - off < step ? len - off : step;
		uint8_t *p = kms_session_read_space(&session, &room);

		assert_non_null(p);
		assert_true(room >= n);
		memcpy(p, in + off, n);
		kms_session_read_done(&session, n);
		*open = kms_session_process(&s->kms, &session, KMS_TEST_NOW_US,
					    &http_out);
	}
	kms_session_free(&session);
	assert_int_equal(kms_buf_append(&http_out, "", 1), 0);
	return (const char *)http_out.data;
}

static const char *session_text(struct server *s, const char *text, bool *open)
{
	return session_run(s, (const uint8_t *)text, strlen(text), strlen(text), open);
}

static void test_http_status_codes(void **state)
{
	static const struct {
		const char *request, *status;
		bool open;
	} cases[] = {
		{ "GET /other HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 ", true },
		{ "GET /mikey HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 ", true },
		{ "POST /mikey HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", "HTTP/1.1 415 ", true },
		{ "POST /mikey HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nab",
		  "HTTP/1.1 415 ", true },
		{ "POST /mikey HTTP/1.1\r\nContent-Type: application/mikey\r\n\r\n",
		  "HTTP/1.1 411 ", true },
		{ "POST /mikey HTTP/1.1\r\nContent-Type: application/mikey\r\n"
		  "Content-Length: 5\r\n\r\nhello", "HTTP/1.1 400 ", true },
		{ "POST /mikey HTTP/1.1\r\nContent-Type: application/mikey\r\n"
		  "Content-Length: 65537\r\n\r\n", "HTTP/1.1 413 ", false },
		{ "POST /mikey HTTP/1.1\r\nContent-Type: application/mikey\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 411 ", false },
		{ "POST /mikey HTTP/2.0\r\n\r\n", "HTTP/1.1 505 ", false },
		{ "\x16\x03\x01\x02\x00\x01", "HTTP/1.1 400 ", false },
		{ "POST /mikey HTTP/1.1\r\n folded: x\r\n\r\n", "HTTP/1.1 400 ", false },
		{ "POST /mikey HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		  "HTTP/1.1 400 ", false },
		{ "GET /mikey HTTP/1.0\r\n\r\n", "Connection: close", false },
		{ "GET /mikey HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 405 ", false },
		{ "HEAD /mikey HTTP/1.1\r\n\r\n", "Allow: POST", true },
	};
	struct server s;
	bool open;

	(void)state;
	server_start(&s, kms_test_config);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *out = session_text(&s, cases[i].request, &open);

		if (strstr(out, cases[i].status) == NULL || open != cases[i].open)
			print_message("case %zu: open %d, output:\n%s\n", i, open, out);
		assert_non_null(strstr(out, cases[i].status));
		assert_int_equal(open, cases[i].open);
	}
	/* HEAD gets no body. */
	assert_non_null(strstr(session_text(&s, "HEAD /mikey HTTP/1.1\r\n\r\n", &open),
			       "\r\n\r\n"));
	assert_null(strstr((const char *)http_out.data, "Use POST"));
	server_stop(&s);
}

static void test_http_head_too_large(void **state)
{
	static char big[KMS_HTTP_MAX_HEAD + 64];
	struct server s;
	bool open;

	(void)state;
	server_start(&s, kms_test_config);
	memcpy(big, "GET /mikey HTTP/1.1\r\nX: ", 24);
	memset(big + 24, 'a', sizeof(big) - 25);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(strstr(session_text(&s, big, &open), "HTTP/1.1 431 "));
	assert_false(open);
	server_stop(&s);
}

/* Builds "POST /mikey" with a REQUEST_INIT body in buf. */
static size_t mikey_post(uint8_t *buf, size_t cap, const char *extra)
{
	struct kmsc_params p;
	size_t len = 0;
	int n;

	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	assert_int_equal(kmsc_build_request(&p, request_buf, sizeof(request_buf), &len), 0);
	n = snprintf((char *)buf, cap, "POST /mikey HTTP/1.1\r\nHost: kms\r\n"
		     "Content-Type: application/mikey\r\n%sContent-Length: %zu\r\n\r\n",
		     extra, len);
	assert_true(n > 0 && (size_t)n + len <= cap);
	memcpy(buf + n, request_buf, len);
	return (size_t)n + len;
}

static void test_http_pipelined_and_split(void **state)
{
	static uint8_t in[4 * 4096];
	struct server s;
	size_t len;
	bool open;

	(void)state;
	server_start(&s, kms_test_config);
	len = mikey_post(in, sizeof(in), "");
	memcpy(in + len, "GET /x HTTP/1.1\r\n\r\n", 19);
	len += 19;
	len += mikey_post(in + len, sizeof(in) - len, "");

	/* All at once, then one byte at a time: the same three responses. */
	for (size_t i = 0; i < 2; i++) {
		const uint8_t *p, *end;
		size_t n = 0;

		session_run(&s, in, len, i == 0 ? len : 1, &open);
		assert_true(open);
		/* The 200 bodies are binary, so search with memmem. */
		p = http_out.data;
		end = http_out.data + http_out.len;
		while ((p = memmem(p, (size_t)(end - p), "HTTP/1.1 200 OK", 15)) != NULL) {
			n++;
			p++;
		}
		assert_int_equal(n, 2);
		assert_non_null(memmem(http_out.data, http_out.len, "HTTP/1.1 404 ", 13));
		assert_non_null(memmem(http_out.data, http_out.len,
				       "Content-Type: application/mikey", 31));
	}
	server_stop(&s);
}

static void test_http_expect_continue(void **state)
{
	static uint8_t in[4096];
	struct kms_session session;
	struct server s;
	size_t len, head;
	uint8_t *p;
	size_t room = 0;

	(void)state;
	server_start(&s, kms_test_config);
	len = mikey_post(in, sizeof(in), "Expect: 100-continue\r\n");
	head = (size_t)((uint8_t *)memmem(in, len, "\r\n\r\n", 4) - in) + 4;
	kms_buf_free(&http_out);
	kms_buf_init(&http_out, 1 << 20);
	kms_session_init(&session, "test");

	p = kms_session_read_space(&session, &room);
	memcpy(p, in, head);
	kms_session_read_done(&session, head);
	assert_true(kms_session_process(&s.kms, &session, KMS_TEST_NOW_US, &http_out));
	assert_int_equal(http_out.len, 25);
	assert_memory_equal(http_out.data, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	assert_true(kms_session_mid_request(&session));

	p = kms_session_read_space(&session, &room);
	memcpy(p, in + head, len - head);
	kms_session_read_done(&session, len - head);
	assert_true(kms_session_process(&s.kms, &session, KMS_TEST_NOW_US, &http_out));
	assert_non_null(memmem(http_out.data, http_out.len, "HTTP/1.1 200 OK", 15));
	assert_false(kms_session_mid_request(&session));

	/* A request cut off by the idle timeout gets 408. */
	p = kms_session_read_space(&session, &room);
	memcpy(p, in, head);
	kms_session_read_done(&session, head);
	assert_true(kms_session_process(&s.kms, &session, KMS_TEST_NOW_US, &http_out));
	kms_session_timed_out(&session, &http_out);
	assert_non_null(memmem(http_out.data, http_out.len, "HTTP/1.1 408 ", 13));
	kms_session_free(&session);
	server_stop(&s);
}

static int teardown(void **state)
{
	(void)state;
	kms_buf_free(&http_out);
	kmsc_wipe_keys(&init_keys);
	kmsc_wipe_keys(&got_keys);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_flow_forking),
		cmocka_unit_test(test_flow_teks_unforked),
		cmocka_unit_test(test_expired_ticket),
		cmocka_unit_test(test_responder_not_permitted),
		cmocka_unit_test(test_bad_mac_and_identity),
		cmocka_unit_test(test_clock_skew),
		cmocka_unit_test(test_foreign_tickets),
		cmocka_unit_test(test_requested_responders),
		cmocka_unit_test(test_not_mikey_and_data_type),
		cmocka_unit_test(test_http_status_codes),
		cmocka_unit_test(test_http_head_too_large),
		cmocka_unit_test(test_http_pipelined_and_split),
		cmocka_unit_test(test_http_expect_continue),
	};

	lime_log_set_program("test_kms_core");
	lime_log_set_level(LIME_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
