/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_resolve.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"

#define MSG_RESOLVE MIKEY_LI_MSG_RESOLVE_RESP

void mikey_li_node_init(struct mikey_li_node *node, const char *identity,
			const uint8_t *psk, size_t psk_len,
			const char *kms_identity)
{
	memset(node, 0, sizeof(*node));
	node->identity = identity;
	node->psk = psk;
	node->psk_len = psk_len;
	node->kms_identity = kms_identity;
	node->prf_func = MIKEY_PRF_HMAC_SHA_256;
	node->auth_alg = MIKEY_MAC_HMAC_SHA_256_256;
}

void mikey_li_keys_wipe(struct mikey_li_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}

static struct mikey_slice text(const char *s)
{
	struct mikey_slice out = { (const uint8_t *)s, strlen(s) };

	return out;
}

/*
 * Derives a protection key of the Resolve exchange from the node's PSK
 * (RFC 6043 5.1.2): the label has RANDRr only, so RANDRi's length byte
 * is 0.
 */
static int psk_key(const struct mikey_li_node *node,
		   const struct mikey_li_resolve_request *req,
		   enum mikey_msg_key key, enum mikey_ticket_direction dir,
		   uint8_t *out, size_t out_len)
{
	return mikey_derive_ticket_msg_key((enum mikey_prf_func)req->prf_func,
					   key, dir, node->psk, node->psk_len,
					   req->csb_id, NULL, 0, req->randrr,
					   sizeof(req->randrr), out, out_len);
}

/* ---- Request ---- */

int mikey_li_resolve_sign(const struct mikey_li_node *node,
			  const struct mikey_li_resolve_request *req,
			  uint8_t *msg, size_t len, const struct mikey_msg *m,
			  const struct mikey_payload *v)
{
	uint8_t key[MIKEY_MAC_MAX_LEN];
	int key_len = mikey_mac_key_len((enum mikey_mac_alg)req->auth_alg);
	int mac_len = mikey_mac_len((enum mikey_mac_alg)req->auth_alg);
	struct mikey_mac_input input;
	int rc = MIKEY_CRYPTO_EINVAL;

	if (key_len <= 0 || mac_len <= 0)
		return MIKEY_CRYPTO_EINVAL;
	if (psk_key(node, req, MIKEY_MSG_KEY_AUTH, MIKEY_TICKET_INITIAL, key,
		    (size_t)key_len) == MIKEY_CRYPTO_OK &&
	    mikey_ticket_init_mac_input(msg, len, m, text(node->identity),
					text(node->kms_identity), &input) == MIKEY_CRYPTO_OK)
		rc = mikey_mac_compute((enum mikey_mac_alg)req->auth_alg, key,
				       (size_t)key_len, input.range, input.n,
				       msg + v->u.v.mac_offset, (size_t)mac_len);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* Computes the request's V over the message, Identity_r and Identity_kms. */
static enum mikey_li_status sign_request(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 uint8_t *msg, size_t len,
					 struct mikey_li_failure *fail)
{
	int key_len = mikey_mac_key_len((enum mikey_mac_alg)req->auth_alg);
	int mac_len = mikey_mac_len((enum mikey_mac_alg)req->auth_alg);
	struct mikey_msg m;
	const struct mikey_payload *v;
	int rc;

	if (key_len <= 0 || mac_len <= 0)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "V Auth alg %u cannot authenticate a request",
				     req->auth_alg);
	if (mikey_parse(msg, len, &m, NULL) != MIKEY_OK ||
	    (v = mikey_find(&m.payloads, MIKEY_PT_V, 0)) == NULL)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "the RESOLVE_INIT_PSK just built does not parse");
	rc = mikey_li_resolve_sign(node, req, msg, len, &m, v);
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "computing the RESOLVE_INIT_PSK MAC failed: %s",
				     mikey_crypto_strerror(rc));
	return MIKEY_LI_OK;
}

static void put_request(struct mikey_builder *b, const struct mikey_li_node *node,
			const struct mikey_li_resolve_request *req,
			const struct mikey_ticket *ticket, uint64_t t64)
{
	mikey_put_hdr_simple(b, MIKEY_DT_RESOLVE_INIT_PSK, true, req->prf_func,
			     req->csb_id, MIKEY_MAP_EMPTY);
	mikey_put_t(b, MIKEY_TS_NTP_UTC, t64);
	mikey_put_randr(b, MIKEY_RAND_ROLE_RANDRR, req->randrr,
			sizeof(req->randrr));
	mikey_put_idr(b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      (const uint8_t *)node->identity, strlen(node->identity));
	mikey_put_idr(b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)node->kms_identity,
		      strlen(node->kms_identity));
	mikey_put_ticket(b, &ticket->policy, ticket->ticket_data.p,
			 ticket->ticket_data.len, NULL, 0, NULL);
	mikey_put_v(b, req->auth_alg, NULL, NULL);
}

enum mikey_li_status mikey_li_build_resolve(const struct mikey_li_node *node,
					    const uint8_t *ti, size_t ti_len,
					    int64_t kms_clock_us, uint8_t *out,
					    size_t cap, size_t *len,
					    struct mikey_li_resolve_request *req,
					    struct mikey_li_failure *fail)
{
	const struct mikey_payload *ticket;
	struct mikey_builder b;
	struct mikey_msg m;
	uint64_t t64 = 0;

	memset(req, 0, sizeof(*req));
	if (mikey_parse(ti, ti_len, &m, NULL) != MIKEY_OK ||
	    (ticket = mikey_find(&m.payloads, MIKEY_PT_TICKET, 0)) == NULL)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_TRANSFER_INIT,
				     "the TRANSFER_INIT carries no readable TICKET");
	if (!mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, kms_clock_us, &t64))
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the clock is outside the NTP range 1968-2104");
	req->prf_func = node->prf_func;
	req->auth_alg = node->auth_alg;
	req->tp_prf_func = ticket->u.ticket.policy.prf_func;
	req->tp_flags = ticket->u.ticket.policy.flags;
	if (!mikey_li_ticket_digest(ti, ti_len, ticket, req->ticket_digest))
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "hashing the ticket failed");
	if (RAND_bytes((uint8_t *)&req->csb_id, sizeof(req->csb_id)) != 1 ||
	    RAND_bytes(req->randrr, sizeof(req->randrr)) != 1)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "the random number generator failed");

	mikey_builder_init(&b, out, cap);
	put_request(&b, node, req, &ticket->u.ticket, t64);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the RESOLVE_INIT_PSK does not fit in %zu bytes",
				     cap);
	return sign_request(node, req, out, *len, fail);
}

/* ---- Response ---- */

static const char *error_name(uint8_t error_no)
{
	switch (error_no) {
	case MIKEY_ERRNO_AUTH_FAILURE: return "Auth failure";
	case MIKEY_ERRNO_INVALID_TS: return "Invalid TS";
	case MIKEY_ERRNO_INVALID_PRF: return "Invalid PRF";
	case MIKEY_ERRNO_INVALID_MAC: return "Invalid MAC";
	case MIKEY_ERRNO_INVALID_EA: return "Invalid EA";
	case MIKEY_ERRNO_INVALID_HA: return "Invalid HA";
	case MIKEY_ERRNO_INVALID_DH: return "Invalid DH";
	case MIKEY_ERRNO_INVALID_ID: return "Invalid ID";
	case MIKEY_ERRNO_INVALID_CERT: return "Invalid Cert";
	case MIKEY_ERRNO_INVALID_SP: return "Invalid SP";
	case MIKEY_ERRNO_INVALID_SPPAR: return "Invalid SPpar";
	case MIKEY_ERRNO_INVALID_DT: return "Invalid DT";
	case MIKEY_ERRNO_UNSPECIFIED: return "Unspecified";
	case MIKEY_ERRNO_INVALID_TICKET: return "Invalid TICKET";
	case MIKEY_ERRNO_INVALID_TPPAR: return "Invalid TPpar";
	default: return "unassigned";
	}
}

bool mikey_li_names_other_kms(const struct mikey_li_node *node,
			      const struct mikey_msg *m)
{
	const struct mikey_payload *kms = mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRKMS);

	return kms != NULL && (kms->u.id.data.len != strlen(node->kms_identity) ||
			       memcmp(kms->u.id.data.p, node->kms_identity,
				      kms->u.id.data.len) != 0);
}

static enum mikey_li_status check_header(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 const struct mikey_msg *m,
					 struct mikey_li_failure *fail)
{
	if (m->hdr.data_type != MIKEY_DT_RESOLVE_RESP)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response has data type %u (%s), not "
				     "RESOLVE_RESP", m->hdr.data_type,
				     mikey_data_type_name(m->hdr.data_type));
	if (m->hdr.csb_id != req->csb_id || m->hdr.prf_func != req->prf_func)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's CSB ID or PRF func differs "
				     "from the request's");
	if (mikey_li_names_other_kms(node, m))
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's IDRkms names another KMS");
	return MIKEY_LI_OK;
}

int mikey_li_resolve_verify(const struct mikey_li_node *node,
			    const struct mikey_li_resolve_request *req,
			    const struct mikey_msg *m, const struct mikey_payload *v,
			    const uint8_t *resp, size_t resp_len,
			    const uint8_t *msg, size_t msg_len)
{
	struct mikey_slice request = { msg, msg_len };
	uint8_t key[MIKEY_MAC_MAX_LEN];
	struct mikey_mac_input input;
	int key_len = mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg);
	int rc = MIKEY_CRYPTO_EAUTH;

	if (key_len <= 0)
		return MIKEY_CRYPTO_EINVAL;
	if (psk_key(node, req, MIKEY_MSG_KEY_AUTH, MIKEY_TICKET_RESPONSE, key,
		    (size_t)key_len) == MIKEY_CRYPTO_OK &&
	    mikey_ticket_resp_mac_input(resp, resp_len, m, request, &input) ==
		    MIKEY_CRYPTO_OK)
		rc = mikey_ticket_verify_v(m, &input, key, (size_t)key_len);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* Verifies the response's V: the response up to its MAC, then the request. */
static enum mikey_li_status verify_response(const struct mikey_li_node *node,
					  const struct mikey_li_resolve_request *req,
					  const struct mikey_msg *m,
					  const uint8_t *resp, size_t resp_len,
					  const uint8_t *msg, size_t msg_len,
					  struct mikey_li_failure *fail)
{
	const struct mikey_payload *v = mikey_find(&m->payloads, MIKEY_PT_V, 0);

	if (v == NULL)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response has no V payload");
	if (mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg) <= 0)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's V Auth alg %u authenticates "
				     "nothing", v->u.v.auth_alg);
	if (mikey_li_resolve_verify(node, req, m, v, resp, resp_len, msg, msg_len) !=
	    MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's V MAC does not verify with "
				     "this node's PSK");
	return MIKEY_LI_OK;
}

static bool copy_key(struct mikey_li_key *k, const struct mikey_key_data *kd)
{
	if (kd->key.len == 0 || kd->key.len > sizeof(k->key) ||
	    kd->salt.len > sizeof(k->salt) || kd->kv.spi.len > sizeof(k->spi))
		return false;
	k->type = kd->type;
	k->key_len = kd->key.len;
	memcpy(k->key, kd->key.p, kd->key.len);
	k->salt_len = kd->salt.len;
	if (kd->salt.len > 0)
		memcpy(k->salt, kd->salt.p, kd->salt.len);
	k->spi_len = kd->kv.kv_type == MIKEY_KV_SPI ? kd->kv.spi.len : 0;
	if (k->spi_len > 0)
		memcpy(k->spi, kd->kv.spi.p, k->spi_len);
	return true;
}

/* Sorts the key data in the order of the LI response: MPKi, then MPKr when
 * the ticket forks, then the TGKs or TEKs. Returns NULL or the problem. */
static const char *sort_keys(const struct mikey_key_data *kd, size_t n,
			     struct mikey_li_keys *keys)
{
	bool forking = (keys->tp_flags & MIKEY_TP_I) != 0;
	size_t mpks = 0;

	for (size_t i = 0; i < n; i++) {
		struct mikey_li_key *dst;

		if (kd[i].type == MIKEY_KEY_MPK) {
			if (i != mpks)
				return "an MPK follows a TGK or TEK";
			dst = mpks == 0 ? &keys->mpki : &keys->mpkr;
			mpks++;
		} else if (kd[i].type <= MIKEY_KEY_GTGK_SALT) {
			if (keys->n_keys == MIKEY_LI_MAX_KEYS)
				return "more TGKs or TEKs than lime keeps";
			dst = &keys->keys[keys->n_keys++];
		} else {
			return "a key data sub-payload of an unknown type";
		}
		if (!copy_key(dst, &kd[i]))
			return "a key, salt or SPI is empty or too long";
	}
	if (mpks != (forking ? 2u : 1u))
		return forking ? "MPKr is missing although the ticket forks keys" :
				 "the number of MPKs does not match the ticket's I flag";
	keys->has_mpkr = forking;
	if (keys->n_keys == 0)
		return "no TGK or TEK";
	return NULL;
}

static enum mikey_li_status decrypt_keys(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 const struct mikey_msg *m,
					 struct mikey_li_keys *keys,
					 struct mikey_li_failure *fail)
{
	const struct mikey_payload *kemac = mikey_find(&m->payloads, MIKEY_PT_KEMAC, 0);
	const struct mikey_payload *t = mikey_find(&m->payloads, MIKEY_PT_T, 0);
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN], plain[4096];
	struct mikey_key_data kd[MIKEY_LI_MAX_KEYS + 2];
	size_t plain_len = 0, n = 0;
	int key_len, salt_len, rc = MIKEY_CRYPTO_EINVAL;
	uint64_t t64 = 0;
	const char *problem = "the KEMAC does not decrypt to key data";

	if (kemac == NULL || t == NULL ||
	    mikey_ts_to_t64((enum mikey_ts_type)t->u.t.ts_type, t->u.t.raw.p,
			    t->u.t.raw.len, &t64) != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response lacks a KEMAC or a usable T");
	key_len = mikey_encr_key_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	salt_len = mikey_encr_salt_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	if (key_len <= 0 || (size_t)key_len > sizeof(encr_key) || salt_len < 0 ||
	    (size_t)salt_len > sizeof(salt_key) ||
	    kemac->u.kemac.encr_data.len > sizeof(plain))
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's KEMAC Encr alg %u or length "
				     "is not supported", kemac->u.kemac.encr_alg);

	if (psk_key(node, req, MIKEY_MSG_KEY_ENCR, MIKEY_TICKET_RESPONSE, encr_key,
		    (size_t)key_len) == MIKEY_CRYPTO_OK &&
	    (salt_len == 0 ||
	     psk_key(node, req, MIKEY_MSG_KEY_SALT, MIKEY_TICKET_RESPONSE, salt_key,
		     (size_t)salt_len) == MIKEY_CRYPTO_OK))
		rc = mikey_kemac_decrypt((enum mikey_encr_alg)kemac->u.kemac.encr_alg,
					 encr_key, (size_t)key_len, salt_key,
					 (size_t)salt_len, m->hdr.csb_id, t64,
					 kemac->u.kemac.encr_data.p,
					 kemac->u.kemac.encr_data.len, plain,
					 sizeof(plain), &plain_len);
	if (rc == MIKEY_CRYPTO_OK &&
	    mikey_parse_key_data(plain, plain_len, kd, MIKEY_LI_MAX_KEYS + 2, &n,
				 NULL, NULL, NULL) == MIKEY_OK)
		problem = sort_keys(kd, n, keys);
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(kd, sizeof(kd));
	if (problem != NULL)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response's KEMAC is unusable: %s", problem);
	return MIKEY_LI_OK;
}

/* The KMS forks for a responder and sends IDRr and RANDRkms; for an LI
 * node it must not, because lime forks from the TRANSFER_RESP. */
static enum mikey_li_status check_not_forked(const struct mikey_msg *m,
					     struct mikey_li_failure *fail)
{
	if (mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRR) != NULL ||
	    mikey_find_randr(&m->payloads, MIKEY_RAND_ROLE_RANDRKMS) != NULL)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the KMS responded as to a responder (IDRr "
				     "or RANDRkms): is this node listed as an "
				     "LI node at the KMS?");
	return MIKEY_LI_OK;
}

static enum mikey_li_status read_error_message(const struct mikey_msg *m,
					       int *kms_error_no,
					       struct mikey_li_failure *fail)
{
	const struct mikey_payload *e = mikey_find(&m->payloads, MIKEY_PT_ERR, 0);

	if (e == NULL)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the KMS sent an Error message without ERR");
	*kms_error_no = e->u.err.error_no;
	return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
			     "the KMS responded with MIKEY error %u (%s)",
			     e->u.err.error_no, error_name(e->u.err.error_no));
}

enum mikey_li_status mikey_li_read_resolve(const struct mikey_li_node *node,
					   const struct mikey_li_resolve_request *req,
					   const uint8_t *msg, size_t msg_len,
					   const uint8_t *resp, size_t resp_len,
					   struct mikey_li_keys *keys,
					   int *kms_error_no,
					   struct mikey_li_failure *fail)
{
	struct mikey_msg m;
	struct mikey_error err;
	enum mikey_li_status st;

	memset(keys, 0, sizeof(*keys));
	*kms_error_no = -1;
	if (mikey_parse(resp, resp_len, &m, &err) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_RESOLVE,
				     "the response is not a MIKEY message: %s", err.msg);
	if (m.hdr.data_type == MIKEY_DT_ERROR)
		return read_error_message(&m, kms_error_no, fail);

	keys->tp_prf_func = req->tp_prf_func;
	keys->tp_flags = req->tp_flags;
	memcpy(keys->ticket_digest, req->ticket_digest, sizeof(keys->ticket_digest));
	st = check_header(node, req, &m, fail);
	if (st == MIKEY_LI_OK)
		st = verify_response(node, req, &m, resp, resp_len, msg, msg_len, fail);
	if (st == MIKEY_LI_OK)
		st = check_not_forked(&m, fail);
	if (st == MIKEY_LI_OK)
		st = decrypt_keys(node, req, &m, keys, fail);
	if (st != MIKEY_LI_OK)
		mikey_li_keys_wipe(keys);
	return st;
}
