/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ticket Resolve exchange (RFC 6043 4.2.3): RESOLVE_INIT_PSK from a
 * responder or an LI node, and the RESOLVE_RESP sent back.
 *
 * Responder: HDR, T, IDRkms, KEMAC, [IDRr, RANDRkms], V. With the I flag
 * the KMS forks MPKr and the TGKs for the responder's IDRr and a fresh
 * RANDRkms, and sends both so that the responder repeats them in
 * TRANSFER_RESP. The ticket must be inside its validity window and name
 * the responder, or name no responder at all.
 *
 * LI node: HDR, T, IDRkms, KEMAC, V, with the key material the initiator
 * received: MPKi, MPKr (not forked) with the I flag, then the TGKs or TEKs
 * (not forked). The validity window and the responder list do not apply.
 */
#include "tools/kms/kms_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tools/kms/kms_keys.h"
#include "tools/kms/kms_ticket.h"

#define RANDRKMS_LEN 16

int kms_resolve_authenticate(const struct kms *kms, const struct kms_request_msg *req,
			     struct kms_peer *peer, bool *li_node,
			     struct kms_exchange_log *log, struct kms_fail *fail)
{
	const struct mikey_msg *msg = req->msg;
	const struct mikey_payload *idrr = mikey_find_idr(&msg->payloads, MIKEY_ID_ROLE_IDRR);
	const struct mikey_payload *randrr;
	const struct kms_config *cfg = kms->cfg;
	struct mikey_slice identity_kms;

	memset(peer, 0, sizeof(*peer));
	if (idrr == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"no IDRr: this KMS finds the PSK by the IDRr identity");
	peer->identity = idrr->u.id.data;
	log->identity = peer->identity;
	peer->principal = kms_config_find(cfg->users, cfg->n_users,
					  idrr->u.id.data.p, idrr->u.id.data.len);
	*li_node = false;
	if (peer->principal == NULL) {
		peer->principal = kms_config_find(cfg->li_nodes, cfg->n_li_nodes,
						  idrr->u.id.data.p,
						  idrr->u.id.data.len);
		*li_node = peer->principal != NULL;
	}
	if (peer->principal == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID, "unknown identity");
	log->role = *li_node ? "li" : "responder";

	randrr = mikey_find_randr(&msg->payloads, MIKEY_RAND_ROLE_RANDRR);
	if (randrr == NULL)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "no RANDRr payload");
	peer->randrr = randrr->u.rand.rand;
	if (kms_check_prf(msg, fail) != 0 ||
	    kms_check_idrkms(kms, msg, &identity_kms, fail) != 0 ||
	    kms_verify_init(req, peer, identity_kms, fail) != 0)
		return -1;
	return kms_check_time(kms, req, fail);
}

/* A responder gets the keys only inside TRs..TRe and when permitted. */
static int check_responder(const struct kms_request_msg *req,
			   const struct kms_peer *peer,
			   const struct kms_ticket *t, struct kms_fail *fail)
{
	if (t->has_trs && req->now_us < t->trs_us)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket is not valid yet (before TRs)");
	if (t->has_tre && req->now_us > t->tre_us)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket has expired (after TRe)");
	if (!kms_ticket_permits(t, peer->identity))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"the ticket does not list this responder");
	return 0;
}

static int build_response(const struct kms *kms, const struct kms_request_msg *req,
			  const struct kms_peer *peer, bool li_node,
			  const struct kms_ticket *t, uint8_t *out, size_t cap,
			  size_t *out_len, struct kms_fail *fail)
{
	const char *own = kms->cfg->kms_identity;
	bool forking = (t->policy.flags & MIKEY_TP_I) != 0;
	uint8_t randrkms[RANDRKMS_LEN];
	struct kms_key_view view = {
		.tp_prf = t->policy.prf_func,
		.ticket_rand = t->rand,
		.with_mpkr = forking,
		.fork = forking && !li_node,
		.idrr = peer->identity,
		.randrkms = { randrkms, sizeof(randrkms) },
	};
	uint8_t plain[KMS_KEY_PLAIN_MAX];
	size_t plain_len = 0;
	struct kms_response r;
	int rc;

	if (view.fork && RAND_bytes(randrkms, sizeof(randrkms)) != 1)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"the random number generator failed");
	if (kms_keys_response_plain(&t->keys, &view, plain, sizeof(plain),
				    &plain_len) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"deriving the response keys failed");
	kms_response_begin(&r, out, cap, MIKEY_DT_RESOLVE_RESP, req, peer);
	mikey_put_idr(&r.b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)own, strlen(own));
	rc = kms_response_put_kemac(&r, kms_encr_alg_for((uint32_t)t->keys.keys[0].key_len),
				    plain, plain_len, fail);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc != 0)
		return -1;
	if (view.fork) {
		mikey_put_idr(&r.b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      peer->identity.p, peer->identity.len);
		mikey_put_randr(&r.b, MIKEY_RAND_ROLE_RANDRKMS, randrkms,
				sizeof(randrkms));
	}
	return kms_response_finish(&r, out_len, fail);
}

int kms_handle_resolve(struct kms *kms, const struct kms_request_msg *req,
		       uint8_t *out, size_t cap, size_t *out_len,
		       struct kms_exchange_log *log, struct kms_fail *fail)
{
	const struct mikey_payload *payload;
	struct kms_ticket ticket;
	struct kms_peer peer;
	bool li_node = false;
	int rc;

	log->role = "-";
	if (kms_resolve_authenticate(kms, req, &peer, &li_node, log, fail) != 0)
		return -1;
	payload = mikey_find(&req->msg->payloads, MIKEY_PT_TICKET, 0);
	if (payload == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET, "no TICKET payload");
	rc = kms_ticket_open(kms, req->buf, req->len, payload, &ticket, fail);
	memcpy(log->ticket, ticket.hash, sizeof(log->ticket));
	log->initiator = ticket.initiator;
	if (rc != 0)
		return -1;
	if (!li_node)
		rc = check_responder(req, &peer, &ticket, fail);
	if (rc == 0)
		rc = build_response(kms, req, &peer, li_node, &ticket, out, cap,
				    out_len, fail);
	kms_ticket_close(&ticket);
	return rc;
}
