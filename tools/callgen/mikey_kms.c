/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ticket Request and Ticket Resolve exchanges (RFC 6043 4.2.1 and
 * 4.2.3) of a terminal. The initial message is protected with the
 * terminal's PSK. The KMS's response has its V checked and its KEMAC
 * decrypted with keys from the same PSK.
 */
#include "tools/callgen/mikey_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/mikey/mikey_kemac.h"
#include "kms_client/kms_key_report.h"
#include "lib/mikey/mikey_prf.h"

#define TP_DATA_MAX 4096

static const char *const error_names[] = {
	[MIKEY_ERRNO_AUTH_FAILURE] = "Auth failure",
	[MIKEY_ERRNO_INVALID_TS] = "Invalid TS",
	[MIKEY_ERRNO_INVALID_PRF] = "Invalid PRF",
	[MIKEY_ERRNO_INVALID_MAC] = "Invalid MAC",
	[MIKEY_ERRNO_INVALID_EA] = "Invalid EA",
	[MIKEY_ERRNO_INVALID_HA] = "Invalid HA",
	[MIKEY_ERRNO_INVALID_DH] = "Invalid DH",
	[MIKEY_ERRNO_INVALID_ID] = "Invalid ID",
	[MIKEY_ERRNO_INVALID_CERT] = "Invalid Cert",
	[MIKEY_ERRNO_INVALID_SP] = "Invalid SP",
	[MIKEY_ERRNO_INVALID_SPPAR] = "Invalid SPpar",
	[MIKEY_ERRNO_INVALID_DT] = "Invalid DT",
	[MIKEY_ERRNO_UNSPECIFIED] = "Unspecified error",
	[13] = NULL,
	[MIKEY_ERRNO_INVALID_TICKET] = "Invalid TICKET",
	[MIKEY_ERRNO_INVALID_TPPAR] = "Invalid TPpar",
};

static const char *error_name(int error_no)
{
	if (error_no >= 0 && (size_t)error_no < sizeof(error_names) / sizeof(error_names[0]) &&
	    error_names[error_no] != NULL)
		return error_names[error_no];
	return "unknown error";
}

/* The expectations a KMS response is checked against. */
struct answer_check {
	const char *name;              /* "REQUEST_RESP" */
	uint8_t data_type;
	const uint8_t *request;
	size_t request_len;
	uint32_t csb_id;
	const struct cg_mikey_user *user;
	struct cg_mikey_rands rands;
};

/* Sorts decrypted key data: the first MPK is MPKi, a second one MPKr. */
static int sort_keys(const struct mikey_key_data *kd, size_t n,
		     struct cg_mikey_keys *keys, struct cg_mikey_failure *fail)
{
	size_t mpks = 0;

	memset(keys, 0, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		struct cg_mikey_key *k;

		if (kd[i].type == MIKEY_KEY_MPK && mpks == 0)
			k = &keys->mpki;
		else if (kd[i].type == MIKEY_KEY_MPK && mpks == 1)
			k = &keys->mpkr;
		else if (kd[i].type == MIKEY_KEY_MPK)
			k = NULL;
		else
			k = keys->n_keys < CG_MIKEY_KEYS ? &keys->keys[keys->n_keys] : NULL;
		if (k == NULL || kd[i].key.len > CG_MIKEY_KEY_MAX ||
		    kd[i].salt.len > CG_MIKEY_KEY_MAX)
			return cg_mikey_fail(fail, "the KMS KEMAC holds more or longer keys "
					     "than lime-callgen reads");
		k->type = kd[i].type;
		k->key_len = kd[i].key.len;
		memcpy(k->key, kd[i].key.p, k->key_len);
		k->salt_len = kd[i].salt.len;
		if (k->salt_len > 0)
			memcpy(k->salt, kd[i].salt.p, k->salt_len);
		if (kd[i].type == MIKEY_KEY_MPK)
			mpks++;
		else
			keys->n_keys++;
	}
	keys->has_mpkr = mpks == 2;
	if (mpks == 0 || keys->n_keys == 0)
		return cg_mikey_fail(fail, "the KMS KEMAC lacks MPKi or a TGK/TEK");
	return 0;
}

/* Decrypts the KEMAC of a KMS response (RFC 6043 5.1.2, response direction). */
static int read_kemac(const struct mikey_msg *m, const struct answer_check *c,
		      struct cg_mikey_keys *keys, struct cg_mikey_failure *fail)
{
	const struct mikey_payload *kemac = cg_mikey_require(m, MIKEY_PT_KEMAC, c->name, fail);
	const struct mikey_payload *t = cg_mikey_require(m, MIKEY_PT_T, c->name, fail);
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN], plain[4096];
	struct mikey_key_data kd[CG_MIKEY_KEYS + 2];
	size_t plain_len = 0, n = 0;
	uint64_t t64 = 0;
	int key_len, salt_len, rc = -1;

	if (kemac == NULL || t == NULL)
		return -1;
	key_len = mikey_encr_key_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	salt_len = mikey_encr_salt_len((enum mikey_encr_alg)kemac->u.kemac.encr_alg);
	if (key_len <= 0 || (size_t)key_len > sizeof(encr_key) || salt_len < 0 ||
	    (size_t)salt_len > sizeof(salt_key) ||
	    kemac->u.kemac.encr_data.len > sizeof(plain) ||
	    mikey_ts_to_t64((enum mikey_ts_type)t->u.t.ts_type, t->u.t.raw.p,
			    t->u.t.raw.len, &t64) != MIKEY_CRYPTO_OK)
		return cg_mikey_fail(fail, "%s has a KEMAC (Encr alg %u) or T that "
				     "lime-callgen cannot read", c->name,
				     kemac->u.kemac.encr_alg);
	if (mikey_derive_ticket_msg_key((enum mikey_prf_func)m->hdr.prf_func,
					MIKEY_MSG_KEY_ENCR, MIKEY_TICKET_RESPONSE,
					c->user->psk, c->user->psk_len, m->hdr.csb_id,
					c->rands.randri, c->rands.randri_len,
					c->rands.randrr, c->rands.randrr_len,
					encr_key, (size_t)key_len) == 0 &&
	    mikey_derive_ticket_msg_key((enum mikey_prf_func)m->hdr.prf_func,
					MIKEY_MSG_KEY_SALT, MIKEY_TICKET_RESPONSE,
					c->user->psk, c->user->psk_len, m->hdr.csb_id,
					c->rands.randri, c->rands.randri_len,
					c->rands.randrr, c->rands.randrr_len,
					salt_key, (size_t)salt_len) == 0 &&
	    mikey_kemac_decrypt((enum mikey_encr_alg)kemac->u.kemac.encr_alg,
				encr_key, (size_t)key_len, salt_key, (size_t)salt_len,
				m->hdr.csb_id, t64, kemac->u.kemac.encr_data.p,
				kemac->u.kemac.encr_data.len, plain, sizeof(plain),
				&plain_len) == MIKEY_CRYPTO_OK &&
	    mikey_parse_key_data(plain, plain_len, kd, CG_MIKEY_KEYS + 2, &n, NULL,
				 NULL, NULL) == MIKEY_OK)
		rc = sort_keys(kd, n, keys, fail);
	else
		cg_mikey_fail(fail, "the KEMAC of %s does not decrypt to key data with "
			      "the PSK of %s", c->name, c->user->identity);
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

/* Parses a KMS answer and checks its type, HDR and V. */
static int check_answer(const uint8_t *resp, size_t len, struct mikey_msg *m,
			const struct answer_check *c, struct cg_mikey_failure *fail)
{
	struct mikey_error e;
	uint8_t key[MIKEY_MAC_MAX_LEN];
	size_t key_len = 0;
	struct mikey_slice request = { c->request, c->request_len };
	int rc;

	if (mikey_parse(resp, len, m, &e) != MIKEY_OK)
		return cg_mikey_fail(fail, "the KMS response to %s is not a MIKEY message: %s",
				     c->user->identity, e.msg);
	if (m->hdr.data_type == MIKEY_DT_ERROR) {
		const struct mikey_payload *err = mikey_find(&m->payloads, MIKEY_PT_ERR, 0);

		fail->kms_error_no = err != NULL ? err->u.err.error_no : MIKEY_ERRNO_UNSPECIFIED;
		return cg_mikey_fail(fail, "the KMS rejected the exchange of %s with MIKEY "
				     "error %d (%s)", c->user->identity, fail->kms_error_no,
				     error_name(fail->kms_error_no));
	}
	if (m->hdr.data_type != c->data_type || m->hdr.csb_id != c->csb_id)
		return cg_mikey_fail(fail, "the KMS answered %s with a %s of CSB ID %08x; "
				     "expected %s", c->user->identity,
				     mikey_data_type_name(m->hdr.data_type),
				     m->hdr.csb_id, c->name);
	if (cg_mikey_auth_key(m->hdr.prf_func, MIKEY_TICKET_RESPONSE, c->user->psk,
			      c->user->psk_len, m->hdr.csb_id, &c->rands, key,
			      &key_len) != 0)
		return cg_mikey_fail(fail, "deriving the %s auth_key failed", c->name);
	rc = cg_mikey_verify(resp, len, m, &request, request, request, key, key_len,
			     c->name, fail);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static int post(const struct cg_mikey_kms *kms, const uint8_t *req, size_t len,
		uint8_t *resp, size_t *resp_len, struct cg_mikey_failure *fail)
{
	if (cg_kms_post(kms->client, req, len, resp, CG_MIKEY_MSG_MAX, resp_len,
			fail->msg, sizeof(fail->msg)) != 0)
		return -1;
	return 0;
}

/* Signs an initial message with the user's PSK (initial direction). */
static int sign_with_psk(uint8_t *msg, size_t len, uint32_t csb_id,
			 const struct cg_mikey_rands *rands,
			 const struct cg_mikey_user *user, const char *kms_identity,
			 struct cg_mikey_failure *fail)
{
	uint8_t key[MIKEY_MAC_MAX_LEN];
	size_t key_len = 0;
	int rc;

	if (cg_mikey_auth_key(CG_MIKEY_PRF, MIKEY_TICKET_INITIAL, user->psk,
			      user->psk_len, csb_id, rands, key, &key_len) != 0)
		return cg_mikey_fail(fail, "deriving the auth_key from the PSK of %s failed",
				     user->identity);
	rc = cg_mikey_sign(msg, len, NULL, cg_mikey_text(user->identity),
			   cg_mikey_text(kms_identity), key, key_len, fail);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* ---- Ticket Request ---- */

static int build_request(const struct cg_mikey_kms *kms,
			 const struct cg_mikey_user *caller, const char *responder,
			 int64_t now_us, uint32_t csb_id, const uint8_t *randri,
			 uint8_t *out, size_t *len, struct cg_mikey_failure *fail)
{
	uint8_t tp_data[TP_DATA_MAX];
	struct mikey_ticket_policy tp;
	struct mikey_builder b;
	size_t mac_offset = 0;

	memset(&tp, 0, sizeof(tp));
	mikey_builder_init_chain(&b, tp_data, sizeof(tp_data));
	if (responder != NULL)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      (const uint8_t *)responder, strlen(responder));
	if (mikey_builder_finish(&b, &tp.tp_data.len) != MIKEY_OK)
		return cg_mikey_fail(fail, "the responder identity does not fit a TP payload");
	tp.tp_data.p = tp_data;
	tp.ticket_type = MIKEY_TICKET_MIKEY_BASE;
	tp.subtype = 1;
	tp.version = 1;
	tp.prf_func = CG_MIKEY_PRF;
	/* D and E as every KMS-generated ticket has them, F: a TRANSFER_RESP
	 * follows, G and H: both RANDs key the TEKs, N and O: RFC 6043 ends. */
	tp.flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G | MIKEY_TP_H |
		   MIKEY_TP_N | MIKEY_TP_O;

	mikey_builder_init(&b, out, CG_MIKEY_MSG_MAX);
	mikey_put_hdr_simple(&b, MIKEY_DT_REQUEST_INIT_PSK, true, CG_MIKEY_PRF, csb_id,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, cg_mikey_ntp_utc(now_us));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, randri, CG_MIKEY_RAND_LEN);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI,
		      (const uint8_t *)caller->identity, strlen(caller->identity));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)kms->identity, strlen(kms->identity));
	mikey_put_tp(&b, &tp);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return cg_mikey_fail(fail, "REQUEST_INIT_PSK does not fit %d bytes",
				     CG_MIKEY_MSG_MAX);
	return 0;
}

/* Reads TRs and TRe from the ticket's TP Data. */
static void read_validity(struct cg_ticket *t)
{
	struct mikey_chain chain;
	const struct mikey_payload *p;

	if (mikey_parse_chain(t->policy.tp_data.p, t->policy.tp_data.len, &chain,
			      NULL) != MIKEY_OK)
		return;
	p = mikey_find_tr(&chain.payloads, MIKEY_TS_ROLE_TRS);
	t->has_trs = p != NULL && mikey_ts_to_unix_us(p->u.t.ts_type, p->u.t.value,
						      &t->trs_us);
	p = mikey_find_tr(&chain.payloads, MIKEY_TS_ROLE_TRE);
	t->has_tre = p != NULL && mikey_ts_to_unix_us(p->u.t.ts_type, p->u.t.value,
						      &t->tre_us);
}

static int copy_ticket(const struct mikey_msg *m, struct cg_ticket *t,
		       struct cg_mikey_failure *fail)
{
	const struct mikey_payload *p = cg_mikey_require(m, MIKEY_PT_TICKET,
							 "REQUEST_RESP", fail);
	unsigned int hash_len = 0;

	if (p == NULL)
		return -1;
	if (p->u.ticket.policy.tp_data.len > sizeof(t->tp_data) ||
	    p->u.ticket.ticket_data.len > sizeof(t->ticket_data))
		return cg_mikey_fail(fail, "the ticket is larger than lime-callgen keeps");
	t->policy = p->u.ticket.policy;
	memcpy(t->tp_data, t->policy.tp_data.p, t->policy.tp_data.len);
	t->policy.tp_data.p = t->tp_data;
	t->ticket_data_len = p->u.ticket.ticket_data.len;
	memcpy(t->ticket_data, p->u.ticket.ticket_data.p, t->ticket_data_len);
	EVP_Digest(t->ticket_data, t->ticket_data_len, t->hash, &hash_len,
		   EVP_sha256(), NULL);
	read_validity(t);
	return 0;
}

int cg_mikey_request_ticket(const struct cg_mikey_kms *kms,
			    const struct cg_mikey_user *caller,
			    const char *responder, int64_t now_us,
			    struct cg_rng *rng, struct cg_ticket *ticket,
			    struct cg_mikey_failure *fail)
{
	uint8_t req[CG_MIKEY_MSG_MAX], resp[CG_MIKEY_MSG_MAX];
	uint8_t randri[CG_MIKEY_RAND_LEN];
	size_t req_len = 0, resp_len = 0;
	struct mikey_msg m;
	uint32_t csb_id = (uint32_t)cg_rng_next(rng);
	struct answer_check check = {
		.name = "REQUEST_RESP", .data_type = MIKEY_DT_REQUEST_RESP,
		.request = req, .csb_id = csb_id, .user = caller,
		.rands = { randri, sizeof(randri), NULL, 0 },
	};

	fail->kms_error_no = -1;
	memset(ticket, 0, sizeof(*ticket));
	cg_rng_bytes(rng, randri, sizeof(randri));
	if (build_request(kms, caller, responder, now_us, csb_id, randri, req,
			  &req_len, fail) != 0 ||
	    sign_with_psk(req, req_len, csb_id, &check.rands, caller, kms->identity,
			  fail) != 0 ||
	    post(kms, req, req_len, resp, &resp_len, fail) != 0)
		return -1;
	check.request_len = req_len;
	if (check_answer(resp, resp_len, &m, &check, fail) != 0 ||
	    read_kemac(&m, &check, &ticket->keys, fail) != 0)
		return -1;
	return copy_ticket(&m, ticket, fail);
}

/* ---- Ticket Resolve ---- */

static int build_resolve(const struct cg_mikey_kms *kms,
			 const struct cg_mikey_user *callee,
			 const struct cg_transfer *x, int64_t now_us, uint32_t csb_id,
			 uint8_t *out, size_t *len, struct cg_mikey_failure *fail)
{
	const struct mikey_payload *ticket;
	struct mikey_builder b;
	struct mikey_msg m;
	size_t mac_offset = 0;

	if (mikey_parse(x->init, x->init_len, &m, NULL) != MIKEY_OK ||
	    (ticket = cg_mikey_require(&m, MIKEY_PT_TICKET, "TRANSFER_INIT", fail)) == NULL)
		return cg_mikey_fail(fail, "TRANSFER_INIT carries no readable TICKET");

	mikey_builder_init(&b, out, CG_MIKEY_MSG_MAX);
	mikey_put_hdr_simple(&b, MIKEY_DT_RESOLVE_INIT_PSK, true, CG_MIKEY_PRF, csb_id,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, cg_mikey_ntp_utc(now_us));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, x->randrr, CG_MIKEY_RAND_LEN);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      (const uint8_t *)callee->identity, strlen(callee->identity));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)kms->identity, strlen(kms->identity));
	mikey_put_ticket(&b, &ticket->u.ticket.policy, ticket->u.ticket.ticket_data.p,
			 ticket->u.ticket.ticket_data.len,
			 ticket->u.ticket.initiator_data.p,
			 ticket->u.ticket.initiator_data.len, NULL);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return cg_mikey_fail(fail, "RESOLVE_INIT_PSK does not fit %d bytes",
				     CG_MIKEY_MSG_MAX);
	return 0;
}

static void copy_fork_inputs(const struct mikey_msg *m, struct cg_resolved *r)
{
	const struct mikey_payload *idrr = mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRR);
	const struct mikey_payload *kms = mikey_find_randr(&m->payloads,
							   MIKEY_RAND_ROLE_RANDRKMS);

	r->forked = idrr != NULL && kms != NULL &&
		    idrr->u.id.data.len < sizeof(r->idrr) &&
		    kms->u.rand.rand.len <= sizeof(r->randrkms);
	if (!r->forked)
		return;
	memcpy(r->idrr, idrr->u.id.data.p, idrr->u.id.data.len);
	r->idrr[idrr->u.id.data.len] = '\0';
	r->randrkms_len = kms->u.rand.rand.len;
	memcpy(r->randrkms, kms->u.rand.rand.p, r->randrkms_len);
}

int cg_mikey_resolve(const struct cg_mikey_kms *kms,
		     const struct cg_mikey_user *callee,
		     const struct cg_transfer *x, int64_t now_us,
		     struct cg_rng *rng, struct cg_resolved *out,
		     struct cg_mikey_failure *fail)
{
	uint8_t req[CG_MIKEY_MSG_MAX], resp[CG_MIKEY_MSG_MAX];
	size_t req_len = 0, resp_len = 0;
	struct mikey_msg m;
	uint32_t csb_id = (uint32_t)cg_rng_next(rng);
	struct answer_check check = {
		.name = "RESOLVE_RESP", .data_type = MIKEY_DT_RESOLVE_RESP,
		.request = req, .csb_id = csb_id, .user = callee,
		.rands = { NULL, 0, x->randrr, CG_MIKEY_RAND_LEN },
	};

	fail->kms_error_no = -1;
	memset(out, 0, sizeof(*out));
	if (build_resolve(kms, callee, x, now_us, csb_id, req, &req_len, fail) != 0 ||
	    sign_with_psk(req, req_len, csb_id, &check.rands, callee, kms->identity,
			  fail) != 0 ||
	    post(kms, req, req_len, resp, &resp_len, fail) != 0)
		return -1;
	check.request_len = req_len;
	if (check_answer(resp, resp_len, &m, &check, fail) != 0 ||
	    read_kemac(&m, &check, &out->keys, fail) != 0)
		return -1;
	copy_fork_inputs(&m, out);
	return 0;
}

int cg_mikey_resolve_locally(const struct cg_ticket *t, const char *identity_r,
			     struct cg_rng *rng, struct cg_resolved *out,
			     struct cg_mikey_failure *fail)
{
	enum mikey_prf_func tp_prf = (enum mikey_prf_func)t->policy.prf_func;
	size_t id_len = strlen(identity_r);

	memset(out, 0, sizeof(*out));
	out->keys = t->keys;
	if (!(t->policy.flags & MIKEY_TP_I)) {
		out->keys.has_mpkr = false;
		return 0;
	}
	if (!t->keys.has_mpkr || id_len >= sizeof(out->idrr))
		return cg_mikey_fail(fail, "the ticket forks keys but REQUEST_RESP gave no MPKr");
	out->forked = true;
	memcpy(out->idrr, identity_r, id_len + 1);
	out->randrkms_len = CG_MIKEY_RAND_LEN;
	cg_rng_bytes(rng, out->randrkms, out->randrkms_len);
	if (mikey_derive_forked_key(tp_prf, MIKEY_FORK_MPKR, t->keys.mpkr.key,
				    t->keys.mpkr.key_len, (const uint8_t *)identity_r,
				    id_len, out->randrkms, out->randrkms_len,
				    out->keys.mpkr.key) != 0)
		return cg_mikey_fail(fail, "forking MPKr failed");
	for (size_t i = 0; i < out->keys.n_keys; i++) {
		struct cg_mikey_key *k = &out->keys.keys[i];

		if (k->type != MIKEY_KEY_TGK && k->type != MIKEY_KEY_TGK_SALT)
			continue;
		if (mikey_derive_forked_key(tp_prf, MIKEY_FORK_TGK, t->keys.keys[i].key,
					    k->key_len, (const uint8_t *)identity_r,
					    id_len, out->randrkms, out->randrkms_len,
					    k->key) != 0)
			return cg_mikey_fail(fail, "forking the TGK failed");
	}
	return 0;
}

void cg_mikey_wipe_ticket(struct cg_ticket *t)
{
	OPENSSL_cleanse(&t->keys, sizeof(t->keys));
}

void cg_mikey_wipe_resolved(struct cg_resolved *r)
{
	OPENSSL_cleanse(&r->keys, sizeof(r->keys));
}

/* ---- Key report ---- */

static int build_report(const struct cg_mikey_kms *kms, const struct cg_mikey_user *user,
			const struct cg_transfer *x, int64_t now_us, uint32_t csb_id,
			const uint8_t *randrr, uint8_t *out, size_t *len,
			struct cg_mikey_failure *fail)
{
	struct mikey_builder b;
	size_t mac_offset = 0;

	mikey_builder_init(&b, out, CG_MIKEY_REPORT_MAX);
	mikey_put_hdr_simple(&b, MIKEY_DT_RESOLVE_INIT_PSK, true, CG_MIKEY_PRF, csb_id,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, cg_mikey_ntp_utc(now_us));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, randrr, CG_MIKEY_RAND_LEN);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      (const uint8_t *)user->identity, strlen(user->identity));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)kms->identity, strlen(kms->identity));
	mikey_put_ext(&b, KMS_EXT_REPORTED_INIT, x->init, x->init_len);
	mikey_put_ext(&b, KMS_EXT_REPORTED_RESP, x->resp, x->resp_len);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, &mac_offset);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return cg_mikey_fail(fail, "the key report does not fit %d bytes",
				     CG_MIKEY_REPORT_MAX);
	return 0;
}

int cg_mikey_report(const struct cg_mikey_kms *kms, const struct cg_mikey_user *user,
		    const struct cg_transfer *x, int64_t now_us, struct cg_rng *rng,
		    struct cg_mikey_failure *fail)
{
	uint8_t req[CG_MIKEY_REPORT_MAX], resp[CG_MIKEY_MSG_MAX], randrr[CG_MIKEY_RAND_LEN];
	size_t req_len = 0, resp_len = 0;
	struct mikey_msg m;
	uint32_t csb_id = (uint32_t)cg_rng_next(rng);
	struct answer_check check = {
		.name = "RESOLVE_RESP to a key report", .data_type = MIKEY_DT_RESOLVE_RESP,
		.request = req, .csb_id = csb_id, .user = user,
		.rands = { NULL, 0, randrr, sizeof(randrr) },
	};

	fail->kms_error_no = -1;
	cg_rng_bytes(rng, randrr, sizeof(randrr));
	if (build_report(kms, user, x, now_us, csb_id, randrr, req, &req_len, fail) != 0 ||
	    sign_with_psk(req, req_len, csb_id, &check.rands, user, kms->identity,
			  fail) != 0)
		return -1;
	if (cg_kms_post(kms->client, req, req_len, resp, sizeof(resp), &resp_len,
			fail->msg, sizeof(fail->msg)) != 0)
		return -1;
	check.request_len = req_len;
	return check_answer(resp, resp_len, &m, &check, fail);
}
