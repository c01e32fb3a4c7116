/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/tests/li_terminal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"

const uint8_t lt_psk_alice[16] = {
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
};
const uint8_t lt_psk_bob[16] = {
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
};
const uint8_t lt_psk_li[16] = {
	0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
	0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
};

#define PRF MIKEY_PRF_HMAC_SHA_256
#define AUTH_ALG MIKEY_MAC_HMAC_SHA_256_256
#define MAC_LEN 32

/* ---- KMS ---- */

void lt_kms_options_init(struct lt_kms_options *o)
{
	memset(o, 0, sizeof(*o));
	o->forking = true;
	o->validity_s = 3600;
	o->key_count = 1;
	o->key_length = 16;
}

static const char *yes_no(bool b)
{
	return b ? "true" : "false";
}

void lt_kms_start(struct lt_kms *k, const struct lt_kms_options *o)
{
	char text[2048], err[512];
	int n;

	n = snprintf(text, sizeof(text),
		     "cert_file: unused.pem\n"
		     "key_file: unused.key\n"
		     "kms_identity: \"" LT_KMS_ID "\"\n"
		     "ticket_key_hex: \"000102030405060708090a0b0c0d0e0f"
		     "101112131415161718191a1b1c1d1e1f\"\n"
		     "users:\n"
		     "  - identity: \"" LT_ALICE "\"\n"
		     "    psk_hex: \"11111111111111111111111111111111\"\n"
		     "    responders: [\"" LT_BOB "\"]\n"
		     "  - identity: \"" LT_BOB "\"\n"
		     "    psk_hex: \"22222222222222222222222222222222\"\n"
		     "    responders: [\"" LT_ALICE "\"]\n"
		     "li_nodes:\n"
		     "  - identity: \"" LT_LI "\"\n"
		     "    psk_hex: \"33333333333333333333333333333333\"\n"
		     "ticket_policy:\n"
		     "  validity_s: %u\n"
		     "  forking: %s\n"
		     "  reusable: %s\n"
		     "  responders: per_user\n"
		     "  key_type: %s\n"
		     "  key_count: %u\n"
		     "  key_length: %u\n"
		     "  salt: %s\n",
		     o->validity_s, yes_no(o->forking), yes_no(o->reusable),
		     o->tek ? "tek" : "tgk", o->key_count, o->key_length,
		     yes_no(o->salt));
	assert_true(n > 0 && (size_t)n < sizeof(text));
	k->cfg = kms_config_load_buffer(text, (size_t)n, err, sizeof(err));
	if (k->cfg == NULL)
		print_message("KMS configuration: %s\n", err);
	assert_non_null(k->cfg);
	assert_int_equal(kms_init(&k->kms, k->cfg), 0);
}

void lt_kms_stop(struct lt_kms *k)
{
	kms_fini(&k->kms);
	kms_config_free(k->cfg);
	memset(k, 0, sizeof(*k));
}

size_t lt_kms_exchange(struct lt_kms *k, const uint8_t *req, size_t len,
		       int64_t now_us, uint8_t *out, size_t cap)
{
	size_t out_len = 0;

	assert_int_equal(kms_exchange(&k->kms, req, len, now_us, "test", out,
				      cap, &out_len),
			 KMS_EXCHANGE_RESPONDED);
	return out_len;
}

/* Sends a request built for p and reads the response of expected_type. */
static void kms_round(struct lt_kms *k, const struct kmsc_params *p,
		      const uint8_t *req, size_t len, int64_t now_us,
		      uint8_t expected_type, struct kmsc_keys *keys,
		      struct kmsc_ticket *ticket)
{
	static uint8_t resp[KMS_MESSAGE_MAX];
	size_t resp_len = lt_kms_exchange(k, req, len, now_us, resp, sizeof(resp));
	char reason[160] = "";
	int error_no = -1;
	enum kmsc_result r;

	r = kmsc_read_response(p, req, len, resp, resp_len, expected_type, keys,
			       ticket, &error_no, reason, sizeof(reason));
	if (r != KMSC_OK)
		print_message("KMS response: result %d, MIKEY error %d, %s\n", r,
			      error_no, reason);
	assert_int_equal(r, KMSC_OK);
}

void lt_request_ticket(struct lt_kms *k, int64_t now_us, struct lt_caller *alice)
{
	lt_request_ticket_flags(k, now_us, 0, alice);
}

void lt_request_ticket_flags(struct lt_kms *k, int64_t now_us, uint16_t flags,
			     struct lt_caller *alice)
{
	static uint8_t req[KMS_MESSAGE_MAX];
	struct kmsc_params p;
	size_t len = 0;

	kmsc_params_init(&p, LT_ALICE, lt_psk_alice, sizeof(lt_psk_alice),
			 LT_KMS_ID, now_us);
	if (flags != 0)
		p.tp_flags = flags;
	assert_int_equal(kmsc_build_request(&p, req, sizeof(req), &len), 0);
	kms_round(k, &p, req, len, now_us, MIKEY_DT_REQUEST_RESP, &alice->keys,
		  &alice->ticket);
}

/* ---- TRANSFER_INIT ---- */

void lt_call_params_init(struct lt_call_params *p, int64_t now_us)
{
	memset(p, 0, sizeof(*p));
	p->ti_time_us = now_us;
	p->tr_time_us = now_us + LT_S;
	p->resolve_time_us = now_us;
	p->csb_id = 0x0a0b0c0d;
	p->send_idri = true;
	p->send_idrr = true;
	p->sip_from = LT_ALICE;
	p->sip_to = LT_BOB;
	p->ssrc[0] = 0x11111111;
	p->ssrc[1] = 0x22222222;
	p->seq[0] = 1000;
	p->seq[1] = 2000;
	p->cs_spi = true;
	p->encr_key_len = 16;
	p->auth_tag_len = 10;
	p->initiator_data = true;
}

static uint64_t ntp_utc(int64_t unix_us)
{
	uint64_t v = 0;

	assert_true(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, unix_us, &v));
	return v;
}

static struct mikey_slice text(const char *s)
{
	struct mikey_slice out = { (const uint8_t *)s, strlen(s) };

	return out;
}

static const uint8_t policy_zero = 0;

/* A GENERIC-ID entry; with_data false leaves the Session Data empty, as an
 * Initiator does for the Responder's stream. */
static void put_cs(struct mikey_builder *b, uint8_t cs_id, bool with_data,
		   uint32_t ssrc, uint32_t roc, uint16_t seq,
		   struct mikey_slice spi)
{
	uint8_t data[10];
	struct mikey_generic_id g;

	memset(&g, 0, sizeof(g));
	g.cs_id = cs_id;
	g.prot_type = MIKEY_PROT_SRTP;
	g.s = with_data;
	g.policy_no.p = &policy_zero;
	g.policy_no.len = 1;
	if (with_data) {
		g.session_data.p = data;
		g.session_data.len = mikey_srtp_session_data(data, ssrc, true, roc, seq);
	}
	g.spi = spi;
	mikey_put_cs_generic(b, &g);
}

static void put_sp(struct mikey_builder *b, const struct lt_call_params *p)
{
	static const uint8_t aes_cm = MIKEY_SRTP_ENCR_AES_CM, hmac_sha1 = 1;
	static const uint8_t auth_key_len = 20, salt_len = 14;
	struct mikey_sp_param params[] = {
		{ MIKEY_SRTP_ENCR_ALG, { &aes_cm, 1 } },
		{ MIKEY_SRTP_ENCR_KEY_LEN, { &p->encr_key_len, 1 } },
		{ MIKEY_SRTP_AUTH_ALG, { &hmac_sha1, 1 } },
		{ MIKEY_SRTP_AUTH_KEY_LEN, { &auth_key_len, 1 } },
		{ MIKEY_SRTP_SALT_KEY_LEN, { &salt_len, 1 } },
		{ MIKEY_SRTP_AUTH_TAG_LEN, { &p->auth_tag_len, 1 } },
	};

	mikey_put_sp(b, 0, MIKEY_PROT_SRTP, params,
		     sizeof(params) / sizeof(params[0]));
}

/* Vi and Vr with zero MACs, filled in after the message is signed. */
static size_t empty_initiator_data(uint8_t *out, size_t cap)
{
	struct mikey_builder b;
	size_t len = 0;

	mikey_builder_init_chain(&b, out, cap);
	mikey_put_v(&b, AUTH_ALG, NULL, NULL);
	mikey_put_v(&b, AUTH_ALG, NULL, NULL);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	return len;
}

/* The SPI of a key the caller supplies in TRANSFER_INIT. */
static const uint8_t supplied_spi[4] = { 0xca, 0xfe, 0xba, 0xbe };

static struct mikey_slice first_spi(const struct lt_caller *alice,
				    const struct lt_call_params *p)
{
	struct mikey_slice spi = { NULL, 0 };

	if (p->supplied_tgk != NULL) {
		spi.p = supplied_spi;
		spi.len = sizeof(supplied_spi);
	} else if (p->cs_spi) {
		spi.p = alice->keys.keys[0].spi;
		spi.len = alice->keys.keys[0].spi_len;
	}
	return spi;
}

/* Parses msg and returns the payload of this type, which must exist. */
static const struct mikey_payload *must_find(const uint8_t *msg, size_t len,
					     struct mikey_msg *m, uint8_t type)
{
	const struct mikey_payload *p;

	assert_int_equal(mikey_parse(msg, len, m, NULL), MIKEY_OK);
	p = mikey_find(&m->payloads, type, 0);
	assert_non_null(p);
	return p;
}

/* Offsets of the Vi and Vr MAC fields in a TRANSFER_INIT, 0 without
 * Initiator Data. */
static void initiator_macs(const uint8_t *ti, size_t len, size_t *vi, size_t *vr,
			   size_t *data_start)
{
	struct mikey_msg m;
	const struct mikey_ticket *t = &must_find(ti, len, &m, MIKEY_PT_TICKET)->u.ticket;
	struct mikey_chain chain;
	size_t base;

	*vi = *vr = *data_start = 0;
	if (t->initiator_data.len == 0)
		return;
	assert_int_equal(mikey_parse_chain(t->initiator_data.p, t->initiator_data.len,
					   &chain, NULL), MIKEY_OK);
	assert_int_equal(chain.payloads.n, 2);
	base = (size_t)(t->initiator_data.p - ti);
	*data_start = base;
	*vi = base + chain.payloads.item[0].u.v.mac_offset;
	*vr = base + chain.payloads.item[1].u.v.mac_offset;
}

void lt_sign_transfer_init(uint8_t *ti, size_t len, const struct lt_call *call,
			   const struct kmsc_key *mpki)
{
	struct mikey_msg m;
	const struct mikey_payload *v = must_find(ti, len, &m, MIKEY_PT_V);
	const struct mikey_payload *randri =
		mikey_find_randr(&m.payloads, MIKEY_RAND_ROLE_RANDRI);
	struct mikey_slice from = text(call->p.sip_from), to = text(call->p.sip_to);
	struct mikey_slice id_i, id_r;
	struct mikey_mac_input input;
	uint8_t key[MAC_LEN];
	size_t vi, vr, start;

	assert_non_null(randri);
	assert_int_equal(mikey_ticket_identity(&m, MIKEY_ID_ROLE_IDRI, &from, &id_i), 0);
	assert_int_equal(mikey_ticket_identity(&m, MIKEY_ID_ROLE_IDRR, &to, &id_r), 0);
	assert_int_equal(mikey_derive_ticket_msg_key(m.hdr.prf_func, MIKEY_MSG_KEY_AUTH,
						     MIKEY_TICKET_INITIAL, mpki->key,
						     mpki->key_len, m.hdr.csb_id,
						     randri->u.rand.rand.p,
						     randri->u.rand.rand.len, NULL,
						     0, key, sizeof(key)), 0);
	assert_int_equal(mikey_ticket_init_mac_input(ti, len, &m, id_i, id_r, &input), 0);
	assert_int_equal(mikey_mac_compute(AUTH_ALG, key, sizeof(key), input.range,
					   input.n, ti + v->u.v.mac_offset, MAC_LEN), 0);
	/* Vi is a copy of the message's V (RFC 6043 6.10). */
	initiator_macs(ti, len, &vi, &vr, &start);
	if (vi != 0)
		memcpy(ti + vi, ti + v->u.v.mac_offset, MAC_LEN);
}

/* Vr: a MAC over the Initiator Data up to its own MAC field, keyed from
 * the unforked MPKr, which only the ticket's requester has. */
static void sign_vr(uint8_t *ti, size_t len, const struct kmsc_key *mpkr)
{
	uint8_t key[MAC_LEN];
	struct mikey_byte_range range;
	size_t vi, vr, start;

	initiator_macs(ti, len, &vi, &vr, &start);
	if (vr == 0)
		return;
	assert_int_equal(mikey_derive_vr_key(PRF, MIKEY_MSG_KEY_AUTH, mpkr->key,
					     mpkr->key_len, key, sizeof(key)), 0);
	range.data = ti + start;
	range.len = vr - start;
	assert_int_equal(mikey_mac_compute(AUTH_ALG, key, sizeof(key), &range, 1,
					   ti + vr, MAC_LEN), 0);
}

/*
 * The KEMAC of a TRANSFER_INIT with the supplied TGK, encrypted with the
 * encr_key and salt_key that MPKi gives this message (RFC 6043 5.1.2) and
 * the AES-CM IV of its CSB ID and T.
 */
static void put_supplied_kemac(struct mikey_builder *b, const struct lt_caller *alice,
			       const struct lt_call *call)
{
	const struct kmsc_key *mpki = &alice->keys.mpki;
	uint8_t plain[64], encr[64], encr_key[16], salt_key[14];
	size_t plain_len = 0, encr_len = 0;
	struct mikey_builder kb;
	struct mikey_key_data kd;

	memset(&kd, 0, sizeof(kd));
	kd.type = MIKEY_KEY_TGK;
	kd.key.p = call->p.supplied_tgk;
	kd.key.len = 16;
	kd.kv.kv_type = MIKEY_KV_SPI;
	kd.kv.spi.p = supplied_spi;
	kd.kv.spi.len = sizeof(supplied_spi);
	mikey_builder_init_key_data(&kb, plain, sizeof(plain));
	mikey_put_key_data(&kb, &kd);
	assert_int_equal(mikey_builder_finish(&kb, &plain_len), MIKEY_OK);

	assert_int_equal(mikey_derive_ticket_msg_key(PRF, MIKEY_MSG_KEY_ENCR,
						     MIKEY_TICKET_INITIAL, mpki->key,
						     mpki->key_len, call->p.csb_id,
						     call->randri, 16, NULL, 0,
						     encr_key, sizeof(encr_key)), 0);
	assert_int_equal(mikey_derive_ticket_msg_key(PRF, MIKEY_MSG_KEY_SALT,
						     MIKEY_TICKET_INITIAL, mpki->key,
						     mpki->key_len, call->p.csb_id,
						     call->randri, 16, NULL, 0,
						     salt_key, sizeof(salt_key)), 0);
	assert_int_equal(mikey_kemac_encrypt(MIKEY_ENCR_AES_CM_128, encr_key,
					     sizeof(encr_key), salt_key,
					     sizeof(salt_key), call->p.csb_id,
					     ntp_utc(call->p.ti_time_us), plain,
					     plain_len, encr, sizeof(encr),
					     &encr_len), 0);
	mikey_put_kemac(b, MIKEY_ENCR_AES_CM_128, encr, encr_len, MIKEY_MAC_NULL,
			NULL, NULL, NULL);
}

void lt_build_transfer_init(const struct lt_caller *alice,
			    const struct lt_call_params *p, struct lt_call *call)
{
	const struct kmsc_ticket *t = &alice->ticket;
	bool forking = (t->policy.flags & MIKEY_TP_I) != 0;
	uint8_t init_data[128];
	size_t init_len = 0;
	struct mikey_builder b;

	memset(call, 0, sizeof(*call));
	call->p = *p;
	call->flags = t->policy.flags;
	assert_int_equal(RAND_bytes(call->randri, sizeof(call->randri)), 1);
	assert_int_equal(RAND_bytes(call->randrr, sizeof(call->randrr)), 1);
	if (p->initiator_data && forking)
		init_len = empty_initiator_data(init_data, sizeof(init_data));

	mikey_builder_init(&b, call->ti, sizeof(call->ti));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT,
			     (call->flags & MIKEY_TP_F) != 0, PRF, p->csb_id,
			     MIKEY_MAP_GENERIC_ID);
	put_cs(&b, 1, true, p->ssrc[0], p->roc[0], p->seq[0], first_spi(alice, p));
	put_cs(&b, 2, false, 0, 0, 0, first_spi(alice, p));
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, ntp_utc(p->ti_time_us));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, call->randri, sizeof(call->randri));
	if (p->send_idri)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI,
			      (const uint8_t *)LT_ALICE, strlen(LT_ALICE));
	if (p->send_idrr)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      (const uint8_t *)LT_BOB, strlen(LT_BOB));
	put_sp(&b, p);
	mikey_put_ticket(&b, &t->policy, t->ticket_data, t->ticket_data_len,
			 init_len > 0 ? init_data : NULL, init_len, NULL);
	if (p->supplied_tgk != NULL)
		put_supplied_kemac(&b, alice, call);
	mikey_put_v(&b, AUTH_ALG, NULL, NULL);
	assert_int_equal(mikey_builder_finish(&b, &call->ti_len), MIKEY_OK);

	lt_sign_transfer_init(call->ti, call->ti_len, call, &alice->keys.mpki);
	if (init_len > 0)
		sign_vr(call->ti, call->ti_len, &alice->keys.mpkr);
}

size_t lt_randri_offset(const uint8_t *ti, size_t len)
{
	struct mikey_msg m;
	const struct mikey_payload *p;

	assert_int_equal(mikey_parse(ti, len, &m, NULL), MIKEY_OK);
	p = mikey_find_randr(&m.payloads, MIKEY_RAND_ROLE_RANDRI);
	assert_non_null(p);
	return (size_t)(p->u.rand.rand.p - ti);
}

/* ---- The callee ---- */

static void resolve_as_bob(struct lt_kms *k, const struct lt_caller *alice,
			   struct lt_call *call)
{
	static uint8_t req[KMS_MESSAGE_MAX];
	int64_t now_us = call->p.resolve_time_us;
	struct kmsc_params p;
	size_t len = 0;

	kmsc_params_init(&p, LT_BOB, lt_psk_bob, sizeof(lt_psk_bob), LT_KMS_ID,
			 now_us);
	assert_int_equal(kmsc_build_resolve(&p, &alice->ticket, req, sizeof(req),
					    &len), 0);
	kms_round(k, &p, req, len, now_us, MIKEY_DT_RESOLVE_RESP, &call->callee,
		  NULL);
}

static void sign_transfer_resp(struct lt_call *call)
{
	const struct kmsc_keys *c = &call->callee;
	bool g = (call->flags & MIKEY_TP_G) != 0;
	const struct kmsc_key *inkey = c->has_randrkms ? &c->mpkr : &c->mpki;
	struct mikey_slice ti = { call->ti, call->ti_len };
	struct mikey_msg m;
	const struct mikey_payload *v = must_find(call->tr, call->tr_len, &m, MIKEY_PT_V);
	struct mikey_mac_input input;
	uint8_t key[MAC_LEN];

	assert_int_equal(mikey_derive_ticket_msg_key(PRF, MIKEY_MSG_KEY_AUTH,
						     MIKEY_TICKET_RESPONSE, inkey->key,
						     inkey->key_len, call->p.csb_id,
						     call->randri, sizeof(call->randri),
						     g ? call->randrr : NULL,
						     g ? sizeof(call->randrr) : 0,
						     key, sizeof(key)), 0);
	assert_int_equal(mikey_ticket_resp_mac_input(call->tr, call->tr_len, &m, ti,
						     &input), 0);
	assert_int_equal(mikey_mac_compute(AUTH_ALG, key, sizeof(key), input.range,
					   input.n, call->tr + v->u.v.mac_offset,
					   MAC_LEN), 0);
}

void lt_build_transfer_resp(struct lt_call *call)
{
	const struct lt_call_params *p = &call->p;
	const struct kmsc_keys *c = &call->callee;
	struct mikey_slice spi = { NULL, 0 };
	struct mikey_builder b;

	/* The Responder names the key each crypto session starts with, as
	 * the Initiator did. */
	if (p->supplied_tgk != NULL) {
		spi.p = supplied_spi;
		spi.len = sizeof(supplied_spi);
	} else if (p->cs_spi) {
		spi.p = c->keys[0].spi;
		spi.len = c->keys[0].spi_len;
	}
	mikey_builder_init(&b, call->tr, sizeof(call->tr));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_RESP, false, PRF, p->csb_id,
			     MIKEY_MAP_GENERIC_ID);
	put_cs(&b, 1, true, p->ssrc[0], p->roc[0], p->seq[0], spi);
	put_cs(&b, 2, true, p->ssrc[1], p->roc[1], p->seq[1], spi);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, ntp_utc(p->tr_time_us));
	if (call->flags & MIKEY_TP_G)
		mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, call->randrr,
				sizeof(call->randrr));
	if (c->has_idrr && c->has_randrkms) {
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, c->idrr, c->idrr_len);
		mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRKMS, c->randrkms,
				c->randrkms_len);
	}
	mikey_put_v(&b, AUTH_ALG, NULL, NULL);
	assert_int_equal(mikey_builder_finish(&b, &call->tr_len), MIKEY_OK);
	sign_transfer_resp(call);
}

/* The callee's SRTP master key and salt of a crypto session, from the TGK'
 * or TEK the KMS gave it (RFC 6043 5.1.3). */
static void callee_key_salt(struct lt_call *call, uint8_t cs_id, uint8_t *out)
{
	struct kmsc_key supplied;
	const struct kmsc_key *k = &call->callee.keys[0];
	bool h = (call->flags & MIKEY_TP_H) != 0, g = (call->flags & MIKEY_TP_G) != 0;
	size_t key_len = call->p.encr_key_len, salt_len = 14;
	bool tgk;

	/* A TGK from the TRANSFER_INIT's KEMAC is used as sent, never forked. */
	if (call->p.supplied_tgk != NULL) {
		memset(&supplied, 0, sizeof(supplied));
		supplied.type = MIKEY_KEY_TGK;
		memcpy(supplied.key, call->p.supplied_tgk, 16);
		supplied.key_len = 16;
		k = &supplied;
	}
	tgk = k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT;
	if (tgk) {
		assert_int_equal(mikey_derive_ticket_tgk_key(PRF, MIKEY_TGK_KEY_TEK, k->key,
							     k->key_len, cs_id,
							     h ? call->randri : NULL, h ? 16 : 0,
							     g ? call->randrr : NULL, g ? 16 : 0,
							     out, key_len), 0);
		assert_int_equal(mikey_derive_ticket_tgk_key(PRF, MIKEY_TGK_KEY_SALT, k->key,
							     k->key_len, cs_id,
							     h ? call->randri : NULL, h ? 16 : 0,
							     g ? call->randrr : NULL, g ? 16 : 0,
							     out + key_len, salt_len), 0);
	} else {
		assert_int_equal(k->key_len, key_len);
		memcpy(out, k->key, key_len);
		memset(out + key_len, 0, salt_len);
	}
	if (k->salt_len == salt_len)
		memcpy(out + key_len, k->salt, salt_len);
	call->key_salt_len = key_len + salt_len;
}

void lt_make_call(struct lt_kms *k, const struct lt_caller *alice,
		  const struct lt_call_params *p, struct lt_call *call)
{
	lt_build_transfer_init(alice, p, call);
	resolve_as_bob(k, alice, call);
	lt_build_transfer_resp(call);
	callee_key_salt(call, 1, call->key_salt[0]);
	callee_key_salt(call, 2, call->key_salt[1]);
}

/* ---- The LI node ---- */

void lt_li_node(struct mikey_li_node *node)
{
	mikey_li_node_init(node, LT_LI, lt_psk_li, sizeof(lt_psk_li), LT_KMS_ID);
}

void lt_li_resolve(struct lt_kms *k, const uint8_t *ti, size_t len,
		   int64_t now_us, struct mikey_li_keys *keys)
{
	static uint8_t req[KMS_MESSAGE_MAX], resp[KMS_MESSAGE_MAX];
	struct mikey_li_resolve_request rr;
	struct mikey_li_failure fail = { 0 };
	struct mikey_li_node node;
	size_t req_len = 0, resp_len;
	int error_no = 0;
	enum mikey_li_status st;

	lt_li_node(&node);
	st = mikey_li_build_resolve(&node, ti, len, now_us, req, sizeof(req),
				    &req_len, &rr, &fail);
	if (st != MIKEY_LI_OK)
		print_message("build_resolve: %s\n", fail.reason);
	assert_int_equal(st, MIKEY_LI_OK);
	resp_len = lt_kms_exchange(k, req, req_len, now_us, resp, sizeof(resp));
	st = mikey_li_read_resolve(&node, &rr, req, req_len, resp, resp_len, keys,
				   &error_no, &fail);
	if (st != MIKEY_LI_OK)
		print_message("read_resolve: %s\n", fail.reason);
	assert_int_equal(st, MIKEY_LI_OK);
}
