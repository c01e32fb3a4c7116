/* SPDX-License-Identifier: BSD-3-Clause */
#include "tests/kms/kms_client_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "kms_client/kms_key_report.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"

void kmsc_params_init(struct kmsc_params *p, const char *identity,
		      const uint8_t *psk, size_t psk_len, const char *kms_identity,
		      int64_t now_us)
{
	memset(p, 0, sizeof(*p));
	p->identity = identity;
	p->psk = psk;
	p->psk_len = psk_len;
	p->kms_identity = kms_identity;
	p->send_idrkms = true;
	p->prf_func = MIKEY_PRF_HMAC_SHA_256;
	p->tp_prf_func = MIKEY_PRF_HMAC_SHA_256;
	p->auth_alg = MIKEY_MAC_HMAC_SHA_256_256;
	p->tp_flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G |
		      MIKEY_TP_H | MIKEY_TP_N | MIKEY_TP_O;
	p->now_us = now_us;
	RAND_bytes((uint8_t *)&p->csb_id, sizeof(p->csb_id));
	RAND_bytes(p->rand, sizeof(p->rand));
}

static uint64_t ntp_utc(int64_t now_us)
{
	uint64_t v = 0;

	mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, now_us, &v);
	return v;
}

static bool is_request(uint8_t data_type)
{
	return data_type == MIKEY_DT_REQUEST_INIT_PSK ||
	       data_type == MIKEY_DT_REQUEST_RESP;
}

/* Derives a protection key of this exchange from the PSK (RFC 6043 5.1.2):
 * the Request uses RANDRi, the Resolve RANDRr. */
static int psk_key(const struct kmsc_params *p, uint8_t data_type,
		   enum mikey_msg_key key, enum mikey_ticket_direction dir,
		   uint8_t *out, size_t out_len)
{
	bool request = is_request(data_type);

	return mikey_derive_ticket_msg_key((enum mikey_prf_func)p->prf_func, key,
					   dir, p->psk, p->psk_len, p->csb_id,
					   request ? p->rand : NULL,
					   request ? sizeof(p->rand) : 0,
					   request ? NULL : p->rand,
					   request ? 0 : sizeof(p->rand),
					   out, out_len);
}

/* Computes the V of an initial message: the message up to the MAC, then
 * the sender's identity and Identity_kms. */
static int sign_initial(const struct kmsc_params *p, uint8_t data_type,
			uint8_t *msg, size_t mac_offset)
{
	uint8_t key[MIKEY_MAC_MAX_LEN];
	int key_len = mikey_mac_key_len((enum mikey_mac_alg)p->auth_alg);
	int mac_len = mikey_mac_len((enum mikey_mac_alg)p->auth_alg);
	struct mikey_byte_range ranges[3] = {
		{ msg, mac_offset },
		{ (const uint8_t *)p->identity, strlen(p->identity) },
		{ (const uint8_t *)p->kms_identity, strlen(p->kms_identity) },
	};
	int rc;

	if (key_len <= 0 || mac_len <= 0 ||
	    psk_key(p, data_type, MIKEY_MSG_KEY_AUTH, MIKEY_TICKET_INITIAL, key,
		    (size_t)key_len) != 0)
		return -1;
	rc = mikey_mac_compute((enum mikey_mac_alg)p->auth_alg, key,
			       (size_t)key_len, ranges, 3, msg + mac_offset,
			       (size_t)mac_len);
	OPENSSL_cleanse(key, sizeof(key));
	if (p->flip_mac)
		msg[mac_offset] ^= 0x01;
	return rc == MIKEY_CRYPTO_OK ? 0 : -1;
}

static void put_common(struct mikey_builder *b, const struct kmsc_params *p,
		       uint8_t data_type, uint8_t rand_role, uint8_t id_role)
{
	mikey_put_hdr_simple(b, data_type, true, p->prf_func, p->csb_id,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(b, MIKEY_TS_NTP_UTC, ntp_utc(p->now_us));
	mikey_put_randr(b, rand_role, p->rand, sizeof(p->rand));
	mikey_put_idr(b, id_role, MIKEY_ID_URI, (const uint8_t *)p->identity,
		      strlen(p->identity));
	if (p->send_idrkms)
		mikey_put_idr(b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
			      (const uint8_t *)p->kms_identity,
			      strlen(p->kms_identity));
}

int kmsc_build_request(const struct kmsc_params *p, uint8_t *out, size_t cap,
		       size_t *len)
{
	uint8_t tp_data[4096];
	struct mikey_ticket_policy tp;
	struct mikey_builder b;
	size_t mac_offset = 0;

	mikey_builder_init_chain(&b, tp_data, sizeof(tp_data));
	for (size_t i = 0; i < p->n_responders; i++)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      (const uint8_t *)p->responders[i],
			      strlen(p->responders[i]));
	memset(&tp, 0, sizeof(tp));
	if (mikey_builder_finish(&b, &tp.tp_data.len) != MIKEY_OK)
		return -1;
	tp.tp_data.p = tp_data;
	tp.ticket_type = MIKEY_TICKET_MIKEY_BASE;
	tp.subtype = 1;
	tp.version = 1;
	tp.prf_func = p->tp_prf_func;
	tp.flags = p->tp_flags;

	mikey_builder_init(&b, out, cap);
	put_common(&b, p, MIKEY_DT_REQUEST_INIT_PSK, MIKEY_RAND_ROLE_RANDRI,
		   MIKEY_ID_ROLE_IDRI);
	mikey_put_tp(&b, &tp);
	mikey_put_v(&b, p->auth_alg, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return -1;
	return sign_initial(p, MIKEY_DT_REQUEST_INIT_PSK, out, mac_offset);
}

int kmsc_build_resolve(const struct kmsc_params *p, const struct kmsc_ticket *t,
		       uint8_t *out, size_t cap, size_t *len)
{
	struct mikey_builder b;
	size_t mac_offset = 0;

	mikey_builder_init(&b, out, cap);
	put_common(&b, p, MIKEY_DT_RESOLVE_INIT_PSK, MIKEY_RAND_ROLE_RANDRR,
		   MIKEY_ID_ROLE_IDRR);
	mikey_put_ticket(&b, &t->policy, t->ticket_data, t->ticket_data_len,
			 NULL, 0, NULL);
	mikey_put_v(&b, p->auth_alg, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return -1;
	return sign_initial(p, MIKEY_DT_RESOLVE_INIT_PSK, out, mac_offset);
}

int kmsc_build_key_report(const struct kmsc_params *p, const uint8_t *ti, size_t ti_len,
			  const uint8_t *tr, size_t tr_len, uint8_t *out, size_t cap,
			  size_t *len)
{
	struct mikey_builder b;
	size_t mac_offset = 0;

	mikey_builder_init(&b, out, cap);
	put_common(&b, p, MIKEY_DT_RESOLVE_INIT_PSK, MIKEY_RAND_ROLE_RANDRR,
		   MIKEY_ID_ROLE_IDRR);
	mikey_put_ext(&b, KMS_EXT_REPORTED_INIT, ti, ti_len);
	if (tr != NULL)
		mikey_put_ext(&b, KMS_EXT_REPORTED_RESP, tr, tr_len);
	mikey_put_v(&b, p->auth_alg, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return -1;
	return sign_initial(p, MIKEY_DT_RESOLVE_INIT_PSK, out, mac_offset);
}

int kmsc_build_report_fetch(const struct kmsc_params *p, const uint8_t *lookup,
			    size_t lookup_len, uint8_t *out, size_t cap, size_t *len)
{
	struct mikey_builder b;
	size_t mac_offset = 0;

	mikey_builder_init(&b, out, cap);
	put_common(&b, p, MIKEY_DT_RESOLVE_INIT_PSK, MIKEY_RAND_ROLE_RANDRR,
		   MIKEY_ID_ROLE_IDRR);
	mikey_put_ext(&b, KMS_EXT_REPORT_LOOKUP, lookup, lookup_len);
	mikey_put_v(&b, p->auth_alg, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return -1;
	return sign_initial(p, MIKEY_DT_RESOLVE_INIT_PSK, out, mac_offset);
}

int kmsc_build_transfer(const struct kmsc_ticket *t, uint8_t data_type, uint32_t csb_id,
			uint8_t rand_fill, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t rand[16];
	struct mikey_builder b;
	bool init = data_type == MIKEY_DT_TRANSFER_INIT;

	memset(rand, rand_fill, sizeof(rand));
	mikey_builder_init(&b, out, cap);
	mikey_put_hdr_simple(&b, data_type, init, MIKEY_PRF_HMAC_SHA_256, csb_id,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, 0xeb0000000000ULL);
	mikey_put_randr(&b, init ? MIKEY_RAND_ROLE_RANDRI : MIKEY_RAND_ROLE_RANDRR, rand,
			sizeof(rand));
	if (init)
		mikey_put_ticket(&b, &t->policy, t->ticket_data, t->ticket_data_len,
				 NULL, 0, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	return mikey_builder_finish(&b, len) == MIKEY_OK ? 0 : -1;
}

static enum kmsc_result invalid(char *reason, size_t reason_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum kmsc_result invalid(char *reason, size_t reason_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, reason_len, fmt, ap);
	va_end(ap);
	return KMSC_INVALID;
}

/* Verifies the response V: the response up to the MAC, then the request. */
static bool verify_v(const struct kmsc_params *p, const struct mikey_msg *m,
		     const uint8_t *resp, const uint8_t *req, size_t req_len)
{
	const struct mikey_payload *v = mikey_find(&m->payloads, MIKEY_PT_V, 0);
	uint8_t key[MIKEY_MAC_MAX_LEN];
	struct mikey_byte_range ranges[2];
	int key_len;
	int rc;

	if (v == NULL || v->u.v.auth_alg == MIKEY_MAC_NULL)
		return false;
	key_len = mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg);
	if (key_len <= 0 || psk_key(p, m->hdr.data_type, MIKEY_MSG_KEY_AUTH,
				    MIKEY_TICKET_RESPONSE, key, (size_t)key_len) != 0)
		return false;
	ranges[0].data = resp;
	ranges[0].len = v->u.v.mac_offset;
	ranges[1].data = req;
	ranges[1].len = req_len;
	rc = mikey_mac_verify((enum mikey_mac_alg)v->u.v.auth_alg, key,
			      (size_t)key_len, ranges, 2, v->u.v.mac.p,
			      v->u.v.mac.len);
	OPENSSL_cleanse(key, sizeof(key));
	return rc == MIKEY_CRYPTO_OK;
}

static bool copy_key(struct kmsc_key *k, const struct mikey_key_data *kd)
{
	if (kd->key.len > KMSC_KEY_MAX || kd->salt.len > KMSC_KEY_MAX ||
	    kd->kv.spi.len > KMSC_KEY_MAX)
		return false;
	k->type = kd->type;
	k->key_len = kd->key.len;
	memcpy(k->key, kd->key.p, kd->key.len);
	k->salt_len = kd->salt.len;
	if (kd->salt.len > 0)
		memcpy(k->salt, kd->salt.p, kd->salt.len);
	k->spi_len = kd->kv.spi.len;
	if (kd->kv.spi.len > 0)
		memcpy(k->spi, kd->kv.spi.p, kd->kv.spi.len);
	return true;
}

/* Sorts the key data: the first MPK is MPKi, a second one MPKr. */
static bool sort_keys(const struct mikey_key_data *kd, size_t n,
		      struct kmsc_keys *keys)
{
	size_t mpks = 0;

	for (size_t i = 0; i < n; i++) {
		bool ok;

		if (kd[i].type == MIKEY_KEY_MPK) {
			if (mpks == 2)
				return false;
			ok = copy_key(mpks == 0 ? &keys->mpki : &keys->mpkr, &kd[i]);
			keys->has_mpkr = ++mpks == 2;
		} else {
			if (keys->n_keys == KMSC_MAX_KEYS)
				return false;
			ok = copy_key(&keys->keys[keys->n_keys++], &kd[i]);
		}
		if (!ok)
			return false;
	}
	return mpks >= 1 && keys->n_keys >= 1;
}

static bool decrypt_kemac(const struct kmsc_params *p, const struct mikey_msg *m,
			  struct kmsc_keys *keys)
{
	const struct mikey_payload *kemac = mikey_find(&m->payloads, MIKEY_PT_KEMAC, 0);
	const struct mikey_payload *t = mikey_find(&m->payloads, MIKEY_PT_T, 0);
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN], plain[4096];
	struct mikey_key_data kd[KMSC_MAX_KEYS + 2];
	size_t plain_len = 0, n = 0;
	uint64_t t64 = 0;
	int key_len, salt_len;
	bool ok = false;

	if (kemac == NULL || t == NULL ||
	    mikey_ts_to_t64((enum mikey_ts_type)t->u.t.ts_type, t->u.t.raw.p,
			    t->u.t.raw.len, &t64) != MIKEY_CRYPTO_OK)
		return false;
	key_len = mikey_encr_key_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	salt_len = mikey_encr_salt_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	if (key_len <= 0 || salt_len <= 0 || (size_t)salt_len > sizeof(salt_key) ||
	    kemac->u.kemac.encr_data.len > sizeof(plain))
		return false;
	if (psk_key(p, m->hdr.data_type, MIKEY_MSG_KEY_ENCR, MIKEY_TICKET_RESPONSE,
		    encr_key, (size_t)key_len) == 0 &&
	    psk_key(p, m->hdr.data_type, MIKEY_MSG_KEY_SALT, MIKEY_TICKET_RESPONSE,
		    salt_key, (size_t)salt_len) == 0 &&
	    mikey_kemac_decrypt((enum mikey_encr_alg)kemac->u.kemac.encr_alg,
				encr_key, (size_t)key_len, salt_key,
				(size_t)salt_len, m->hdr.csb_id, t64,
				kemac->u.kemac.encr_data.p,
				kemac->u.kemac.encr_data.len, plain, sizeof(plain),
				&plain_len) == MIKEY_CRYPTO_OK &&
	    mikey_parse_key_data(plain, plain_len, kd, KMSC_MAX_KEYS + 2, &n,
				 NULL, NULL, NULL) == MIKEY_OK)
		ok = sort_keys(kd, n, keys);
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	OPENSSL_cleanse(plain, sizeof(plain));
	return ok;
}

static bool copy_ticket(const struct mikey_msg *m, struct kmsc_ticket *t)
{
	const struct mikey_payload *p = mikey_find(&m->payloads, MIKEY_PT_TICKET, 0);

	if (p == NULL || p->u.ticket.initiator_data.len != 0 ||
	    p->u.ticket.policy.tp_data.len > sizeof(t->tp_data) ||
	    p->u.ticket.ticket_data.len > sizeof(t->ticket_data))
		return false;
	t->policy = p->u.ticket.policy;
	memcpy(t->tp_data, p->u.ticket.policy.tp_data.p, p->u.ticket.policy.tp_data.len);
	t->policy.tp_data.p = t->tp_data;
	memcpy(t->ticket_data, p->u.ticket.ticket_data.p, p->u.ticket.ticket_data.len);
	t->ticket_data_len = p->u.ticket.ticket_data.len;
	return true;
}

static void copy_modifiers(const struct mikey_msg *m, struct kmsc_keys *keys)
{
	const struct mikey_payload *idrr = mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRR);
	const struct mikey_payload *kms = mikey_find_randr(&m->payloads,
							   MIKEY_RAND_ROLE_RANDRKMS);

	if (idrr != NULL && idrr->u.id.data.len <= sizeof(keys->idrr)) {
		keys->has_idrr = true;
		keys->idrr_len = idrr->u.id.data.len;
		memcpy(keys->idrr, idrr->u.id.data.p, keys->idrr_len);
	}
	if (kms != NULL) {
		keys->has_randrkms = true;
		keys->randrkms_len = kms->u.rand.rand.len;
		memcpy(keys->randrkms, kms->u.rand.rand.p, keys->randrkms_len);
	}
}

enum kmsc_result kmsc_read_response(const struct kmsc_params *p,
				    const uint8_t *req, size_t req_len,
				    const uint8_t *resp, size_t resp_len,
				    uint8_t expected_type, struct kmsc_keys *keys,
				    struct kmsc_ticket *ticket, int *error_no,
				    char *reason, size_t reason_len)
{
	struct mikey_msg m;
	struct mikey_error err;

	memset(keys, 0, sizeof(*keys));
	if (mikey_parse(resp, resp_len, &m, &err) != MIKEY_OK)
		return invalid(reason, reason_len, "the response is not MIKEY: %s", err.msg);
	if (m.hdr.data_type == MIKEY_DT_ERROR) {
		const struct mikey_payload *e = mikey_find(&m.payloads, MIKEY_PT_ERR, 0);

		if (e == NULL)
			return invalid(reason, reason_len, "an Error message without ERR");
		*error_no = e->u.err.error_no;
		return KMSC_MIKEY_ERROR;
	}
	if (m.hdr.data_type != expected_type)
		return invalid(reason, reason_len, "data type %u instead of %u",
			       m.hdr.data_type, expected_type);
	if (m.hdr.csb_id != p->csb_id || m.hdr.prf_func != p->prf_func || m.hdr.v)
		return invalid(reason, reason_len, "the HDR does not match the request");
	if (!verify_v(p, &m, resp, req, req_len))
		return invalid(reason, reason_len, "the V MAC does not verify");
	if (!decrypt_kemac(p, &m, keys))
		return invalid(reason, reason_len, "the KEMAC contains no MPKi and keys");
	copy_modifiers(&m, keys);
	if (expected_type == MIKEY_DT_REQUEST_RESP &&
	    (ticket == NULL || !copy_ticket(&m, ticket)))
		return invalid(reason, reason_len, "no usable TICKET payload");
	return KMSC_OK;
}

static bool same_key(const struct kmsc_key *a, const struct kmsc_key *b)
{
	return a->type == b->type && a->key_len == b->key_len &&
	       memcmp(a->key, b->key, a->key_len) == 0 &&
	       a->salt_len == b->salt_len &&
	       memcmp(a->salt, b->salt, a->salt_len) == 0 &&
	       a->spi_len == b->spi_len && memcmp(a->spi, b->spi, a->spi_len) == 0;
}

/* Forks a key for the responder's IDRr and RANDRkms (RFC 6043 5.1.1). */
static bool fork_key(const struct kmsc_ticket *t, const struct kmsc_keys *got,
		     enum mikey_fork_key which, const struct kmsc_key *in,
		     struct kmsc_key *out)
{
	*out = *in;
	return mikey_derive_forked_key((enum mikey_prf_func)t->policy.prf_func,
				       which, in->key, in->key_len, got->idrr,
				       got->idrr_len, got->randrkms,
				       got->randrkms_len, out->key) == MIKEY_CRYPTO_OK;
}

static const char *check_responder(const struct kmsc_keys *init,
				   const struct kmsc_ticket *t,
				   const struct kmsc_keys *got, const char *identity)
{
	bool forking = (t->policy.flags & MIKEY_TP_I) != 0;
	struct kmsc_key expected;

	if (!forking) {
		if (got->has_mpkr || got->has_idrr || got->has_randrkms)
			return "MPKr, IDRr or RANDRkms without the I flag";
		for (size_t i = 0; i < got->n_keys; i++) {
			if (!same_key(&got->keys[i], &init->keys[i]))
				return "a TGK or TEK differs from the initiator's";
		}
		return NULL;
	}
	if (!got->has_idrr || got->idrr_len != strlen(identity) ||
	    memcmp(got->idrr, identity, got->idrr_len) != 0)
		return "IDRr is missing or not the responder's identity";
	if (!got->has_randrkms || got->randrkms_len == 0)
		return "RANDRkms is missing";
	if (!got->has_mpkr || !init->has_mpkr ||
	    !fork_key(t, got, MIKEY_FORK_MPKR, &init->mpkr, &expected) ||
	    !same_key(&got->mpkr, &expected))
		return "MPKr' is not MPKr forked for IDRr and RANDRkms";
	for (size_t i = 0; i < got->n_keys; i++) {
		const struct kmsc_key *k = &init->keys[i];
		bool tgk = k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT;

		if (tgk && !fork_key(t, got, MIKEY_FORK_TGK, k, &expected))
			return "forking a TGK failed";
		if (!same_key(&got->keys[i], tgk ? &expected : k))
			return tgk ? "TGK' is not the TGK forked for IDRr and RANDRkms" :
				     "a TEK differs from the initiator's";
	}
	return NULL;
}

const char *kmsc_check_resolved(const struct kmsc_keys *initiator,
				const struct kmsc_ticket *ticket,
				const struct kmsc_keys *got, bool li_node,
				const char *identity)
{
	bool forking = (ticket->policy.flags & MIKEY_TP_I) != 0;

	if (!same_key(&got->mpki, &initiator->mpki))
		return "MPKi differs from the initiator's";
	if (got->n_keys != initiator->n_keys)
		return "the number of TGKs or TEKs differs";
	if (!li_node)
		return check_responder(initiator, ticket, got, identity);

	if (got->has_idrr || got->has_randrkms)
		return "the LI response carries IDRr or RANDRkms";
	if (forking != got->has_mpkr)
		return forking ? "MPKr is missing although the ticket has the I flag" :
				 "MPKr is present although the ticket has no I flag";
	if (forking && !same_key(&got->mpkr, &initiator->mpkr))
		return "MPKr differs from the initiator's";
	for (size_t i = 0; i < got->n_keys; i++) {
		if (!same_key(&got->keys[i], &initiator->keys[i]))
			return "a TGK or TEK differs from the initiator's";
	}
	return NULL;
}

void kmsc_wipe_keys(struct kmsc_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}
