/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TRANSFER exchange of MIKEY-TICKET (RFC 6043 4.2.2 and 4.2.4) that
 * the SDP offer and answer carry, and the derivation of the SRTP master
 * keys and salts from the TGK (RFC 6043 5.1.3) or the TEKs.
 */
#include "tools/callgen/mikey_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey_ticket_mac.h"

#define POLICY_NO 0
#define SRTP_HMAC_SHA1_KEY_LEN 20

/* Keys of one end: the MPK that keys TRANSFER_RESP and the TGKs/TEKs. */
struct end_keys {
	const struct cg_mikey_key *mpk_resp;
	const struct cg_mikey_keys *keys;
	struct cg_mikey_key forked_mpkr;
	struct cg_mikey_keys forked;
};

static void put_crypto_session(struct mikey_builder *b, uint8_t cs_id,
			       uint32_t ssrc, uint16_t seq, bool known)
{
	static const uint8_t policy_no = POLICY_NO;
	uint8_t session_data[10];
	struct mikey_generic_id g;

	memset(&g, 0, sizeof(g));
	g.cs_id = cs_id;
	g.prot_type = MIKEY_PROT_SRTP;
	g.s = known;
	g.policy_no.p = &policy_no;
	g.policy_no.len = 1;
	g.session_data.p = session_data;
	g.session_data.len = mikey_srtp_session_data(session_data, known ? ssrc : 0,
						      known, 0, seq);
	mikey_put_cs_generic(b, &g);
}

/* SRTP policy of the suite (RFC 3830 6.10.1, RFC 7714 14.2). */
static void put_sp(struct mikey_builder *b, const struct cg_suite *suite)
{
	uint8_t v[12];
	struct mikey_sp_param p[12];
	size_t n = 0;

#define PARAM(type_, value_) do { \
		v[n] = (uint8_t)(value_); \
		p[n].type = (type_); \
		p[n].value.p = &v[n]; \
		p[n].value.len = 1; \
		n++; \
	} while (0)

	PARAM(MIKEY_SRTP_ENCR_ALG, suite->mikey_encr_alg);
	PARAM(MIKEY_SRTP_ENCR_KEY_LEN, suite->key_len);
	PARAM(MIKEY_SRTP_SALT_KEY_LEN, suite->salt_len);
	PARAM(MIKEY_SRTP_AUTH_ALG, suite->mikey_auth_alg);
	if (suite->aead) {
		PARAM(MIKEY_SRTP_AEAD_AUTH_TAG_LEN, suite->auth_tag_len);
	} else {
		PARAM(MIKEY_SRTP_AUTH_KEY_LEN, SRTP_HMAC_SHA1_KEY_LEN);
		PARAM(MIKEY_SRTP_AUTH_TAG_LEN, suite->auth_tag_len);
		PARAM(MIKEY_SRTP_SRTP_AUTH, 1);
	}
	PARAM(MIKEY_SRTP_SRTP_ENCR, 1);
	PARAM(MIKEY_SRTP_SRTCP_ENCR, 1);
#undef PARAM
	mikey_put_sp(b, POLICY_NO, MIKEY_PROT_SRTP, p, n);
}

/* Identity_i and Identity_r of the TRANSFER_INIT MAC: the IDR payloads
 * when sent, else the addr-specs of From and To. */
static struct mikey_slice identity_i(const struct cg_transfer *x)
{
	return cg_mikey_text(x->send_idri ? x->identity_i : x->sip_from);
}

static struct mikey_slice identity_r(const struct cg_transfer *x)
{
	return cg_mikey_text(x->send_idrr ? x->identity_r : x->sip_to);
}

int cg_mikey_transfer_init(struct cg_transfer *x, const struct cg_ticket *t,
			   struct cg_mikey_failure *fail)
{
	struct cg_mikey_rands rands = { x->randri, CG_MIKEY_RAND_LEN, NULL, 0 };
	uint8_t key[MIKEY_MAC_MAX_LEN];
	struct mikey_builder b;
	size_t mac_offset = 0, key_len = 0;
	int rc;

	mikey_builder_init(&b, x->init, sizeof(x->init));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, true, CG_MIKEY_PRF, x->csb_id,
			     MIKEY_MAP_GENERIC_ID);
	put_crypto_session(&b, 1, x->ssrc[0], x->first_seq[0], true);
	put_crypto_session(&b, 2, 0, 0, false);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, cg_mikey_ntp_utc(x->init_time_us));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, x->randri, CG_MIKEY_RAND_LEN);
	if (x->send_idri)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI,
			      (const uint8_t *)x->identity_i, strlen(x->identity_i));
	if (x->send_idrr)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      (const uint8_t *)x->identity_r, strlen(x->identity_r));
	put_sp(&b, x->suite);
	mikey_put_ticket(&b, &t->policy, t->ticket_data, t->ticket_data_len, NULL, 0,
			 NULL);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, &mac_offset);
	if (mikey_builder_finish(&b, &x->init_len) != MIKEY_OK)
		return cg_mikey_fail(fail, "TRANSFER_INIT does not fit %zu bytes",
				     sizeof(x->init));
	x->flags = t->policy.flags;

	if (cg_mikey_auth_key(CG_MIKEY_PRF, MIKEY_TICKET_INITIAL, t->keys.mpki.key,
			      t->keys.mpki.key_len, x->csb_id, &rands, key,
			      &key_len) != 0)
		return cg_mikey_fail(fail, "deriving the TRANSFER_INIT auth_key from MPKi failed");
	rc = cg_mikey_sign(x->init, x->init_len, NULL, identity_i(x), identity_r(x),
			   key, key_len, fail);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The master key and salt of one CS from a TGK (RFC 6043 5.1.3) or a TEK.
 * A salt carried in the key data replaces the derived one. */
static int session_key(const struct cg_transfer *x, const struct cg_mikey_keys *keys,
		       uint8_t cs_id, uint8_t *out, struct cg_mikey_failure *fail)
{
	const struct cg_suite *suite = x->suite;
	bool h = (x->flags & MIKEY_TP_H) != 0, g = (x->flags & MIKEY_TP_G) != 0;
	const struct cg_mikey_key *k = &keys->keys[0];
	bool tgk = k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT;

	if (!tgk) {
		/* One TEK per crypto session when the KMS sends several. */
		size_t index = (size_t)cs_id - 1;

		k = &keys->keys[index < keys->n_keys ? index : keys->n_keys - 1];
		if (k->key_len != suite->key_len || k->salt_len < suite->salt_len)
			return cg_mikey_fail(fail, "the ticket's TEK (%zu bytes, salt %zu) does "
					     "not fit %s; set ticket_policy key_length to %zu "
					     "and salt: true in the KMS configuration",
					     k->key_len, k->salt_len, suite->name, suite->key_len);
		memcpy(out, k->key, suite->key_len);
		memcpy(out + suite->key_len, k->salt, suite->salt_len);
		return 0;
	}
	if (mikey_derive_ticket_tgk_key(CG_MIKEY_PRF, MIKEY_TGK_KEY_TEK, k->key,
					k->key_len, cs_id, h ? x->randri : NULL,
					h ? CG_MIKEY_RAND_LEN : 0, g ? x->randrr : NULL,
					g ? CG_MIKEY_RAND_LEN : 0, out, suite->key_len) != 0)
		return cg_mikey_fail(fail, "deriving the TEK of CS %u failed", cs_id);
	if (k->salt_len > 0) {
		/* NOTE: a 14-byte carried salt is cut to the 12 bytes of the
		 * AEAD suites; RFC 7714 does not say how to fit one. */
		if (k->salt_len < suite->salt_len)
			return cg_mikey_fail(fail, "the ticket's salt of %zu bytes is shorter "
					     "than the %zu bytes %s needs", k->salt_len,
					     suite->salt_len, suite->name);
		memcpy(out + suite->key_len, k->salt, suite->salt_len);
		return 0;
	}
	if (mikey_derive_ticket_tgk_key(CG_MIKEY_PRF, MIKEY_TGK_KEY_SALT, k->key,
					k->key_len, cs_id, h ? x->randri : NULL,
					h ? CG_MIKEY_RAND_LEN : 0, g ? x->randrr : NULL,
					g ? CG_MIKEY_RAND_LEN : 0, out + suite->key_len,
					suite->salt_len) != 0)
		return cg_mikey_fail(fail, "deriving the salt of CS %u failed", cs_id);
	return 0;
}

static int session_keys(const struct cg_transfer *x, const struct cg_mikey_keys *keys,
			uint8_t out[2][CG_KEY_SALT_MAX], struct cg_mikey_failure *fail)
{
	if (session_key(x, keys, 1, out[0], fail) != 0 ||
	    session_key(x, keys, 2, out[1], fail) != 0)
		return -1;
	return 0;
}

/* As the callee: checks TRANSFER_INIT with the MPKi of RESOLVE_RESP. */
static int callee_verify_init(const struct cg_transfer *x, const struct cg_resolved *r,
			      struct cg_mikey_failure *fail)
{
	struct cg_mikey_rands rands = { x->randri, CG_MIKEY_RAND_LEN, NULL, 0 };
	struct mikey_slice from = cg_mikey_text(x->sip_from), to = cg_mikey_text(x->sip_to);
	struct mikey_slice id_i, id_r;
	uint8_t key[MIKEY_MAC_MAX_LEN];
	size_t key_len = 0;
	struct mikey_msg m;
	int rc;

	if (mikey_parse(x->init, x->init_len, &m, NULL) != MIKEY_OK ||
	    mikey_ticket_identity(&m, MIKEY_ID_ROLE_IDRI, &from, &id_i) != 0 ||
	    mikey_ticket_identity(&m, MIKEY_ID_ROLE_IDRR, &to, &id_r) != 0)
		return cg_mikey_fail(fail, "TRANSFER_INIT does not parse");
	if (cg_mikey_auth_key(m.hdr.prf_func, MIKEY_TICKET_INITIAL, r->keys.mpki.key,
			      r->keys.mpki.key_len, m.hdr.csb_id, &rands, key, &key_len) != 0)
		return cg_mikey_fail(fail, "deriving the TRANSFER_INIT auth_key failed");
	rc = cg_mikey_verify(x->init, x->init_len, &m, NULL, id_i, id_r, key, key_len,
			     "TRANSFER_INIT at the callee", fail);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static int build_resp(struct cg_transfer *x, const struct cg_resolved *r,
		      struct cg_mikey_failure *fail)
{
	bool g = (x->flags & MIKEY_TP_G) != 0;
	struct cg_mikey_rands rands = { x->randri, CG_MIKEY_RAND_LEN,
					g ? x->randrr : NULL, g ? CG_MIKEY_RAND_LEN : 0 };
	const struct cg_mikey_key *mpk = r->forked ? &r->keys.mpkr : &r->keys.mpki;
	struct mikey_slice init = { x->init, x->init_len };
	uint8_t key[MIKEY_MAC_MAX_LEN];
	struct mikey_builder b;
	size_t mac_offset = 0, key_len = 0;
	int rc;

	mikey_builder_init(&b, x->resp, sizeof(x->resp));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_RESP, false, CG_MIKEY_PRF, x->csb_id,
			     MIKEY_MAP_GENERIC_ID);
	put_crypto_session(&b, 1, x->ssrc[0], x->first_seq[0], true);
	put_crypto_session(&b, 2, x->ssrc[1], x->first_seq[1], true);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, cg_mikey_ntp_utc(x->resp_time_us));
	if (g)
		mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, x->randrr, CG_MIKEY_RAND_LEN);
	if (r->forked) {
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      (const uint8_t *)r->idrr, strlen(r->idrr));
		mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRKMS, r->randrkms, r->randrkms_len);
	}
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, &mac_offset);
	if (mikey_builder_finish(&b, &x->resp_len) != MIKEY_OK)
		return cg_mikey_fail(fail, "TRANSFER_RESP does not fit %zu bytes",
				     sizeof(x->resp));
	if (cg_mikey_auth_key(CG_MIKEY_PRF, MIKEY_TICKET_RESPONSE, mpk->key, mpk->key_len,
			      x->csb_id, &rands, key, &key_len) != 0)
		return cg_mikey_fail(fail, "deriving the TRANSFER_RESP auth_key failed");
	rc = cg_mikey_sign(x->resp, x->resp_len, &init, init, init, key, key_len, fail);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* As the caller: forks MPKr and the TGKs for the IDRr and RANDRkms of
 * TRANSFER_RESP (RFC 6043 5.1.1) when the ticket has the I flag. */
static int caller_keys(const struct cg_ticket *t, const struct mikey_msg *resp,
		       struct end_keys *end, struct cg_mikey_failure *fail)
{
	enum mikey_prf_func tp_prf = (enum mikey_prf_func)t->policy.prf_func;
	const struct mikey_payload *idrr, *randrkms;
	struct mikey_slice id, rand;

	end->mpk_resp = &t->keys.mpki;
	end->keys = &t->keys;
	if (!(t->policy.flags & MIKEY_TP_I))
		return 0;
	idrr = mikey_find_idr(&resp->payloads, MIKEY_ID_ROLE_IDRR);
	randrkms = mikey_find_randr(&resp->payloads, MIKEY_RAND_ROLE_RANDRKMS);
	if (idrr == NULL || randrkms == NULL || !t->keys.has_mpkr)
		return cg_mikey_fail(fail, "the ticket forks keys but TRANSFER_RESP lacks "
				     "IDRr or RANDRkms, or REQUEST_RESP lacked MPKr");
	id = idrr->u.id.data;
	rand = randrkms->u.rand.rand;
	end->forked_mpkr = t->keys.mpkr;
	end->forked = t->keys;
	if (mikey_derive_forked_key(tp_prf, MIKEY_FORK_MPKR, t->keys.mpkr.key,
				    t->keys.mpkr.key_len, id.p, id.len, rand.p, rand.len,
				    end->forked_mpkr.key) != 0)
		return cg_mikey_fail(fail, "forking MPKr failed");
	for (size_t i = 0; i < end->forked.n_keys; i++) {
		struct cg_mikey_key *k = &end->forked.keys[i];

		if ((k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT) &&
		    mikey_derive_forked_key(tp_prf, MIKEY_FORK_TGK, t->keys.keys[i].key,
					    k->key_len, id.p, id.len, rand.p, rand.len,
					    k->key) != 0)
			return cg_mikey_fail(fail, "forking the TGK failed");
	}
	end->mpk_resp = &end->forked_mpkr;
	end->keys = &end->forked;
	return 0;
}

/* As the caller: verifies TRANSFER_RESP and derives the session keys. */
static int caller_complete(struct cg_transfer *x, const struct cg_ticket *t,
			   uint8_t out[2][CG_KEY_SALT_MAX], struct cg_mikey_failure *fail)
{
	bool g = (x->flags & MIKEY_TP_G) != 0;
	struct cg_mikey_rands rands = { x->randri, CG_MIKEY_RAND_LEN,
					g ? x->randrr : NULL, g ? CG_MIKEY_RAND_LEN : 0 };
	struct mikey_slice init = { x->init, x->init_len };
	uint8_t key[MIKEY_MAC_MAX_LEN];
	size_t key_len = 0;
	struct end_keys *end;
	struct mikey_msg m;
	int rc = -1;

	if (mikey_parse(x->resp, x->resp_len, &m, NULL) != MIKEY_OK)
		return cg_mikey_fail(fail, "TRANSFER_RESP does not parse");
	end = calloc(1, sizeof(*end));
	if (end == NULL)
		return cg_mikey_fail(fail, "out of memory");
	if (caller_keys(t, &m, end, fail) == 0 &&
	    cg_mikey_auth_key(m.hdr.prf_func, MIKEY_TICKET_RESPONSE, end->mpk_resp->key,
			      end->mpk_resp->key_len, m.hdr.csb_id, &rands, key,
			      &key_len) == 0 &&
	    cg_mikey_verify(x->resp, x->resp_len, &m, &init, init, init, key, key_len,
			    "TRANSFER_RESP at the caller", fail) == 0)
		rc = session_keys(x, end->keys, out, fail);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(end, sizeof(*end));
	free(end);
	return rc;
}

int cg_mikey_transfer_resp(struct cg_transfer *x, const struct cg_ticket *t,
			   const struct cg_resolved *r,
			   struct cg_mikey_failure *fail)
{
	uint8_t caller_view[2][CG_KEY_SALT_MAX];
	size_t len = x->suite->key_len + x->suite->salt_len;
	int rc;

	x->forked = r->forked;
	if (callee_verify_init(x, r, fail) != 0 || build_resp(x, r, fail) != 0 ||
	    session_keys(x, &r->keys, x->key_salt, fail) != 0)
		return -1;
	rc = caller_complete(x, t, caller_view, fail);
	if (rc == 0 && (memcmp(caller_view[0], x->key_salt[0], len) != 0 ||
			memcmp(caller_view[1], x->key_salt[1], len) != 0))
		rc = cg_mikey_fail(fail, "caller and callee derived different SRTP keys "
				   "from the same TRANSFER exchange");
	OPENSSL_cleanse(caller_view, sizeof(caller_view));
	return rc;
}
