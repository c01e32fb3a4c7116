/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MACs of TRANSFER_INIT and TRANSFER_RESP (RFC 6043 5.5) and key
 * forking (RFC 6043 5.1.1), checked with the keys the KMS gave lime.
 */
#include "control/mikey/mikey_li_exchange.h"

#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"

#define MSG_INIT MIKEY_LI_MSG_TRANSFER_INIT
#define MSG_RESP MIKEY_LI_MSG_TRANSFER_RESP

void mikey_li_exchange_wipe(struct mikey_li_exchange *ex)
{
	OPENSSL_cleanse(ex->ticket_keys, sizeof(ex->ticket_keys));
	OPENSSL_cleanse(ex->init_keys, sizeof(ex->init_keys));
	OPENSSL_cleanse(ex->resp_keys, sizeof(ex->resp_keys));
	ex->n_init_keys = 0;
	ex->n_resp_keys = 0;
	ex->n_media = 0;
}

static bool has_flag(const struct mikey_li_exchange *ex, uint16_t flag)
{
	return (ex->keys->tp_flags & flag) != 0;
}

/*
 * Verifies the V of msg over input with the auth_key derived from inkey
 * (RFC 6043 5.1.2). The key length follows the V Auth alg.
 */
static enum mikey_li_status verify_v(const struct mikey_li_exchange *ex,
				     const struct mikey_msg *msg,
				     enum mikey_ticket_direction dir,
				     const struct mikey_li_key *inkey,
				     const struct mikey_mac_input *input,
				     enum mikey_li_message which,
				     struct mikey_li_failure *fail)
{
	const struct mikey_payload *v = mikey_find(&msg->payloads, MIKEY_PT_V, 0);
	uint8_t key[MIKEY_MAC_MAX_LEN];
	int key_len, rc;

	if (v == NULL)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, which,
				     "%s has no V payload",
				     mikey_li_message_name(which));
	key_len = mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg);
	if (key_len <= 0)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, which,
				     "%s has V Auth alg %u, which authenticates "
				     "nothing", mikey_li_message_name(which),
				     v->u.v.auth_alg);
	rc = mikey_derive_ticket_msg_key((enum mikey_prf_func)ex->ti.hdr.prf_func,
					 MIKEY_MSG_KEY_AUTH, dir, inkey->key,
					 inkey->key_len, ex->ti.hdr.csb_id,
					 ex->randri.p, ex->randri.len,
					 ex->randrr.p, ex->randrr.len, key,
					 (size_t)key_len);
	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_ticket_verify_v(msg, input, key, (size_t)key_len);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc == MIKEY_CRYPTO_EAUTH)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, which,
				     "the %s MAC does not verify with %s",
				     mikey_li_message_name(which),
				     dir == MIKEY_TICKET_INITIAL ? "MPKi" :
				     ex->forked ? "MPKr' forked from its IDRr "
						  "and RANDRkms" : "MPKi");
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, which,
				     "checking the %s MAC failed: %s",
				     mikey_li_message_name(which),
				     mikey_crypto_strerror(rc));
	return MIKEY_LI_OK;
}

/* ---- TRANSFER_INIT ---- */

/*
 * The keys fit only the ticket the KMS resolved, policy and TP Data
 * included. A colluding Initiator has MPKi and could otherwise reuse
 * the keys of one TRANSFER_INIT for a ticket whose flags or validity
 * window it changed, with a MAC that verifies.
 */
static enum mikey_li_status check_same_ticket(const struct mikey_li_exchange *ex,
					      struct mikey_li_failure *fail)
{
	const struct mikey_payload *t = mikey_find(&ex->ti.payloads, MIKEY_PT_TICKET, 0);
	uint8_t digest[MIKEY_LI_TICKET_HASH_LEN];

	if (t == NULL)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_INIT,
				     "the TRANSFER_INIT has no TICKET");
	if (!mikey_li_ticket_digest(ex->x->ti, ex->x->ti_len, t, digest))
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MSG_INIT,
				     "hashing the ticket failed");
	if (CRYPTO_memcmp(digest, ex->keys->ticket_digest, sizeof(digest)) != 0)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_INIT,
				     "the TRANSFER_INIT's ticket differs from the "
				     "one the KMS resolved (policy, TP Data or "
				     "Ticket Data)");
	return MIKEY_LI_OK;
}

/* Identity_i or Identity_r: the IDR's ID Data, or the SIP addr-spec. */
static bool identity(const struct mikey_msg *m, uint8_t role,
		     struct mikey_slice sip, struct mikey_slice *out)
{
	return mikey_ticket_identity(m, role, sip.len > 0 ? &sip : NULL, out) ==
	       MIKEY_CRYPTO_OK;
}

enum mikey_li_status mikey_li_exchange_verify_init(struct mikey_li_exchange *ex,
						   struct mikey_li_failure *fail)
{
	const struct mikey_li_transfer *x = ex->x;
	const struct mikey_payload *randri;
	struct mikey_slice id_i, id_r;
	struct mikey_mac_input input;
	struct mikey_error err;
	enum mikey_li_status st;

	if (mikey_parse(x->ti, x->ti_len, &ex->ti, &err) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_INIT,
				     "the TRANSFER_INIT is not a MIKEY message: %s",
				     err.msg);
	if (ex->ti.hdr.data_type != MIKEY_DT_TRANSFER_INIT)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_INIT,
				     "data type %u is not TRANSFER_INIT",
				     ex->ti.hdr.data_type);
	randri = mikey_find_randr(&ex->ti.payloads, MIKEY_RAND_ROLE_RANDRI);
	if (randri == NULL)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_INIT,
				     "the TRANSFER_INIT has no RANDRi");
	ex->randri = randri->u.rand.rand;
	ex->randrr.p = NULL;
	ex->randrr.len = 0;
	if (!identity(&ex->ti, MIKEY_ID_ROLE_IDRI, x->sip_from, &id_i) ||
	    !identity(&ex->ti, MIKEY_ID_ROLE_IDRR, x->sip_to, &id_r))
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_INIT,
				     "the TRANSFER_INIT lacks IDRi or IDRr and no "
				     "SIP From or To addr-spec stands in");
	if (mikey_ticket_init_mac_input(x->ti, x->ti_len, &ex->ti, id_i, id_r,
					&input) != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_INIT,
				     "the TRANSFER_INIT has no V payload after "
				     "its TICKET");
	st = check_same_ticket(ex, fail);
	if (st == MIKEY_LI_OK)
		st = verify_v(ex, &ex->ti, MIKEY_TICKET_INITIAL, &ex->keys->mpki,
			      &input, MSG_INIT, fail);
	if (st == MIKEY_LI_OK)
		st = mikey_li_exchange_read_kemac(ex, &ex->ti, MIKEY_TICKET_INITIAL,
						  &ex->keys->mpki, MSG_INIT,
						  ex->init_keys, &ex->n_init_keys,
						  fail);
	return st;
}

/* ---- Forking ---- */

static enum mikey_li_status fork_key(const struct mikey_li_exchange *ex,
				     enum mikey_fork_key which,
				     const struct mikey_li_key *in,
				     struct mikey_slice idrr,
				     struct mikey_slice randrkms,
				     struct mikey_li_key *out,
				     struct mikey_li_failure *fail)
{
	int rc;

	*out = *in;
	rc = mikey_derive_forked_key((enum mikey_prf_func)ex->keys->tp_prf_func,
				     which, in->key, in->key_len, idrr.p,
				     idrr.len, randrkms.p, randrkms.len,
				     out->key);
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MSG_RESP,
				     "forking a key failed: %s",
				     mikey_crypto_strerror(rc));
	return MIKEY_LI_OK;
}

static bool is_tgk(uint8_t type)
{
	return type == MIKEY_KEY_TGK || type == MIKEY_KEY_TGK_SALT;
}

/* Forks MPKr into *mpkr and the TGKs into ex->ticket_keys for the IDRr
 * and RANDRkms of the TRANSFER_RESP. */
static enum mikey_li_status fork_keys(struct mikey_li_exchange *ex,
				      struct mikey_li_key *mpkr,
				      struct mikey_li_failure *fail)
{
	const struct mikey_payload *idrr, *kms;
	struct mikey_slice id, rand;
	enum mikey_li_status st;

	idrr = mikey_find_idr(&ex->tr.payloads, MIKEY_ID_ROLE_IDRR);
	kms = mikey_find_randr(&ex->tr.payloads, MIKEY_RAND_ROLE_RANDRKMS);
	if (idrr == NULL || kms == NULL)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				     "the TRANSFER_RESP lacks the IDRr or "
				     "RANDRkms that the ticket's I flag needs "
				     "to fork its keys");
	if (!ex->keys->has_mpkr)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_RESP,
				     "the ticket forks keys but the KMS gave "
				     "lime no MPKr");
	id = idrr->u.id.data;
	rand = kms->u.rand.rand;
	st = fork_key(ex, MIKEY_FORK_MPKR, &ex->keys->mpkr, id, rand, mpkr, fail);
	for (size_t i = 0; st == MIKEY_LI_OK && i < ex->keys->n_keys; i++) {
		if (is_tgk(ex->ticket_keys[i].type))
			st = fork_key(ex, MIKEY_FORK_TGK, &ex->keys->keys[i], id,
				      rand, &ex->ticket_keys[i], fail);
	}
	ex->forked = st == MIKEY_LI_OK;
	return st;
}

/* ---- TRANSFER_RESP ---- */

static enum mikey_li_status parse_resp(struct mikey_li_exchange *ex,
				       struct mikey_li_failure *fail)
{
	struct mikey_error err;

	if (mikey_parse(ex->x->tr, ex->x->tr_len, &ex->tr, &err) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				     "the TRANSFER_RESP is not a MIKEY message: %s",
				     err.msg);
	if (ex->tr.hdr.data_type != MIKEY_DT_TRANSFER_RESP)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				     "the answer's MIKEY message has data type "
				     "%u, not TRANSFER_RESP", ex->tr.hdr.data_type);
	if (ex->tr.hdr.csb_id != ex->ti.hdr.csb_id ||
	    ex->tr.hdr.prf_func != ex->ti.hdr.prf_func)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				     "the TRANSFER_RESP's CSB ID or PRF func "
				     "differs from the TRANSFER_INIT's");
	return MIKEY_LI_OK;
}

/* With the G flag the Responder generates RANDRr, and it keys the
 * TRANSFER_RESP and the TEKs. */
static enum mikey_li_status read_randrr(struct mikey_li_exchange *ex,
					struct mikey_li_failure *fail)
{
	const struct mikey_payload *p;

	if (!has_flag(ex, MIKEY_TP_G))
		return MIKEY_LI_OK;
	p = mikey_find_randr(&ex->tr.payloads, MIKEY_RAND_ROLE_RANDRR);
	if (p == NULL || p->u.rand.rand.len == 0)
		return mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				     "the TRANSFER_RESP lacks the RANDRr that "
				     "the ticket's G flag requires");
	ex->randrr = p->u.rand.rand;
	return MIKEY_LI_OK;
}

static enum mikey_li_status verify_resp_mac(struct mikey_li_exchange *ex,
					    struct mikey_li_failure *fail)
{
	struct mikey_slice init = { ex->x->ti, ex->x->ti_len };
	struct mikey_li_key mpkr;
	struct mikey_mac_input input;
	enum mikey_li_status st = MIKEY_LI_OK;

	memset(&mpkr, 0, sizeof(mpkr));
	if (has_flag(ex, MIKEY_TP_I))
		st = fork_keys(ex, &mpkr, fail);
	if (st == MIKEY_LI_OK &&
	    mikey_ticket_resp_mac_input(ex->x->tr, ex->x->tr_len, &ex->tr, init,
					&input) != MIKEY_CRYPTO_OK)
		st = mikey_li_fail(fail, MIKEY_LI_AUTH_FAILED, MSG_RESP,
				   "the TRANSFER_RESP has no V payload");
	if (st == MIKEY_LI_OK)
		st = verify_v(ex, &ex->tr, MIKEY_TICKET_RESPONSE,
			      ex->forked ? &mpkr : &ex->keys->mpki, &input,
			      MSG_RESP, fail);
	if (st == MIKEY_LI_OK)
		st = mikey_li_exchange_read_kemac(ex, &ex->tr, MIKEY_TICKET_RESPONSE,
						  ex->forked ? &mpkr : &ex->keys->mpki,
						  MSG_RESP, ex->resp_keys,
						  &ex->n_resp_keys, fail);
	OPENSSL_cleanse(&mpkr, sizeof(mpkr));
	return st;
}

/* Lists the keys crypto sessions may start with, those sent in the
 * TRANSFER messages first: a terminal supplies keys to have them used. */
static void list_media(struct mikey_li_exchange *ex)
{
	ex->n_media = 0;
	for (size_t i = 0; i < ex->n_resp_keys; i++)
		ex->media[ex->n_media++] = &ex->resp_keys[i];
	for (size_t i = 0; i < ex->n_init_keys; i++)
		ex->media[ex->n_media++] = &ex->init_keys[i];
	for (size_t i = 0; i < ex->keys->n_keys; i++)
		ex->media[ex->n_media++] = &ex->ticket_keys[i];
}

enum mikey_li_status mikey_li_exchange_verify_resp(struct mikey_li_exchange *ex,
						   struct mikey_li_failure *fail)
{
	enum mikey_li_status st = MIKEY_LI_OK;

	memcpy(ex->ticket_keys, ex->keys->keys, sizeof(ex->ticket_keys));
	ex->forked = false;
	ex->has_tr = ex->x->tr != NULL && ex->x->tr_len > 0;
	if (!ex->has_tr && (has_flag(ex, MIKEY_TP_G) || has_flag(ex, MIKEY_TP_I)))
		st = mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MSG_RESP,
				   "the keys depend on the TRANSFER_RESP (the "
				   "ticket has the G or I flag), and there is none");
	if (ex->has_tr && st == MIKEY_LI_OK)
		st = parse_resp(ex, fail);
	if (ex->has_tr && st == MIKEY_LI_OK)
		st = read_randrr(ex, fail);
	if (ex->has_tr && st == MIKEY_LI_OK)
		st = verify_resp_mac(ex, fail);
	if (st != MIKEY_LI_OK) {
		mikey_li_exchange_wipe(ex);
		return st;
	}
	list_media(ex);
	return MIKEY_LI_OK;
}
