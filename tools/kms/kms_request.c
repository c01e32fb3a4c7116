/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ticket Request exchange (RFC 6043 4.2.1): REQUEST_INIT_PSK from a
 * user, and REQUEST_RESP = HDR, T, IDRkms, TICKET, KEMAC, V sent back. The
 * KEMAC carries MPKi, MPKr when the ticket has the I flag, and the TGKs
 * or TEKs, none of them forked.
 */
#include "tools/kms/kms_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#include "tools/kms/kms_keys.h"
#include "tools/kms/kms_ticket.h"

/* The flags a request may choose; the others follow the configuration. */
#define REQUESTABLE_FLAGS (MIKEY_TP_F | MIKEY_TP_G | MIKEY_TP_H | MIKEY_TP_L | \
			   MIKEY_TP_M)

/*
 * Grants the flags: F, G, H, L and M as requested, I and J from the
 * configuration, and D, E, N and O always. The dependencies of RFC 6043
 * 6.10 follow: I needs E and F, G and M need F, and G or H must be set.
 * K marks a result that differs from the request.
 */
static uint16_t grant_flags(uint16_t requested,
			    const struct kms_ticket_policy_config *policy)
{
	uint16_t f = (requested & REQUESTABLE_FLAGS) | MIKEY_TP_D | MIKEY_TP_E |
		     MIKEY_TP_N | MIKEY_TP_O;

	if (policy->forking)
		f |= MIKEY_TP_I | MIKEY_TP_F;
	if (policy->reusable)
		f |= MIKEY_TP_J;
	if (f & (MIKEY_TP_G | MIKEY_TP_M))
		f |= MIKEY_TP_F;
	if (!(f & (MIKEY_TP_G | MIKEY_TP_H)))
		f |= MIKEY_TP_H;
	if ((f & ~MIKEY_TP_K) != (requested & ~MIKEY_TP_K))
		f |= MIKEY_TP_K;
	return f;
}

static bool contains(const struct mikey_slice *list, size_t n,
		     const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i].len == len && memcmp(list[i].p, p, len) == 0)
			return true;
	}
	return false;
}

/* Collects the IDRr entries of the requested TP Data. */
static int requested_responders(const struct mikey_chain *tp,
				struct mikey_slice *out, size_t *n,
				struct kms_fail *fail)
{
	*n = 0;
	for (size_t i = 0; i < tp->payloads.n; i++) {
		const struct mikey_payload *p = &tp->payloads.item[i];

		if (p->type != MIKEY_PT_IDR || p->u.id.role != MIKEY_ID_ROLE_IDRR)
			continue;
		if (*n == KMS_MAX_TICKET_RESPONDERS)
			return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR,
					"more than %d responders requested",
					KMS_MAX_TICKET_RESPONDERS);
		out[(*n)++] = p->u.id.data;
	}
	return 0;
}

/* Fills the responder list of the grant by the ticket_policy.responders rule. */
static int grant_responders(const struct kms *kms,
			    const struct kms_principal *user,
			    const struct mikey_slice *requested, size_t n_requested,
			    struct kms_grant *g, struct kms_fail *fail)
{
	enum kms_responder_rule rule = kms->cfg->ticket.responders;

	g->n_responders = 0;
	if (rule == KMS_RESPONDERS_ANY)
		return 0;
	if (rule == KMS_RESPONDERS_REQUESTED) {
		if (n_requested == 0)
			return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR,
					"the TP names no responder (IDRr)");
		memcpy(g->responders, requested, n_requested * sizeof(*requested));
		g->n_responders = n_requested;
		return 0;
	}

	/* per_user: the configured list, narrowed to the requested names. */
	for (size_t i = 0; i < user->n_responders; i++) {
		const uint8_t *id = (const uint8_t *)user->responders[i];
		size_t len = strlen(user->responders[i]);

		if (n_requested > 0 && !contains(requested, n_requested, id, len))
			continue;
		if (g->n_responders == KMS_MAX_TICKET_RESPONDERS)
			break;
		g->responders[g->n_responders].p = id;
		g->responders[g->n_responders].len = len;
		g->n_responders++;
	}
	if (g->n_responders == 0)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR,
				"none of the requested responders is allowed "
				"for this user");
	return 0;
}

/* Whether the requested TP Data requests more than the ticket carries:
 * a validity window, a rekey interval, key types or applications. */
static bool asks_for_more(const struct mikey_chain *tp)
{
	for (size_t i = 0; i < tp->payloads.n; i++) {
		uint8_t type = tp->payloads.item[i].type;

		if (type == MIKEY_PT_TR || type == MIKEY_PT_KEMAC ||
		    (type == MIKEY_PT_IDR &&
		     tp->payloads.item[i].u.id.role == MIKEY_ID_ROLE_IDRAPP))
			return true;
	}
	return false;
}

static int grant_ticket(const struct kms *kms, const struct kms_request_msg *req,
			const struct kms_peer *peer, struct kms_grant *g,
			struct kms_fail *fail)
{
	const struct mikey_payload *tp = mikey_find(&req->msg->payloads, MIKEY_PT_TP, 0);
	struct mikey_slice requested[KMS_MAX_TICKET_RESPONDERS];
	const struct mikey_ticket_policy *pol;
	struct mikey_chain chain;
	size_t n_requested = 0;

	if (tp == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR, "no TP payload");
	pol = &tp->u.tp;
	if (pol->prf_func != MIKEY_PRF_MIKEY_1 && pol->prf_func != MIKEY_PRF_HMAC_SHA_256)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_PRF,
				"TP PRF func %u is not supported", pol->prf_func);
	if (mikey_parse_chain(pol->tp_data.p, pol->tp_data.len, &chain, NULL) != MIKEY_OK)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR,
				"the requested TP Data is malformed");
	if (requested_responders(&chain, requested, &n_requested, fail) != 0 ||
	    grant_responders(kms, peer->principal, requested, n_requested, g, fail) != 0)
		return -1;

	g->prf_func = pol->prf_func;
	g->flags = grant_flags(pol->flags, &kms->cfg->ticket);
	if (pol->ticket_type != MIKEY_TICKET_MIKEY_BASE || pol->subtype != 1 ||
	    pol->version != 1 || asks_for_more(&chain) ||
	    g->n_responders < n_requested)
		g->flags |= MIKEY_TP_K;
	g->trs_us = req->now_us;
	g->tre_us = req->now_us + (int64_t)kms->cfg->ticket.validity_s * 1000000;
	g->initiator = peer->identity;
	return 0;
}

/* Finds the user behind IDRi and verifies the request's V. */
static int authenticate(const struct kms *kms, const struct kms_request_msg *req,
			struct kms_peer *peer, struct kms_exchange_log *log,
			struct kms_fail *fail)
{
	const struct mikey_msg *msg = req->msg;
	const struct mikey_payload *idri = mikey_find_idr(&msg->payloads, MIKEY_ID_ROLE_IDRI);
	const struct mikey_payload *randri;
	struct mikey_slice identity_kms;
	const struct kms_config *cfg = kms->cfg;

	memset(peer, 0, sizeof(*peer));
	if (idri == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"no IDRi: this KMS finds the PSK by the IDRi identity");
	peer->identity = idri->u.id.data;
	log->identity = peer->identity;
	peer->principal = kms_config_find(cfg->users, cfg->n_users,
					  idri->u.id.data.p, idri->u.id.data.len);
	if (peer->principal == NULL) {
		if (kms_config_find(cfg->li_nodes, cfg->n_li_nodes,
				    idri->u.id.data.p, idri->u.id.data.len) != NULL)
			return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
					"LI nodes resolve tickets but do not request them");
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID, "unknown identity");
	}
	randri = mikey_find_randr(&msg->payloads, MIKEY_RAND_ROLE_RANDRI);
	if (randri == NULL)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "no RANDRi payload");
	peer->randri = randri->u.rand.rand;
	if (kms_check_prf(msg, fail) != 0 ||
	    kms_check_idrkms(kms, msg, &identity_kms, fail) != 0 ||
	    kms_verify_init(req, peer, identity_kms, fail) != 0)
		return -1;
	return kms_check_time(kms, req, fail);
}

static int build_response(const struct kms *kms, const struct kms_request_msg *req,
			  const struct kms_peer *peer,
			  const struct kms_issued_ticket *ticket,
			  const struct kms_key_set *keys, uint8_t *out,
			  size_t cap, size_t *out_len, struct kms_fail *fail)
{
	const char *own = kms->cfg->kms_identity;
	struct kms_key_view view = {
		.tp_prf = ticket->policy.prf_func,
		.ticket_rand = { ticket->rand, sizeof(ticket->rand) },
		.with_mpkr = (ticket->policy.flags & MIKEY_TP_I) != 0,
	};
	uint8_t plain[KMS_KEY_PLAIN_MAX];
	size_t plain_len = 0;
	struct kms_response r;
	int rc;

	if (kms_keys_response_plain(keys, &view, plain, sizeof(plain), &plain_len) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"deriving MPKi and MPKr failed");
	kms_response_begin(&r, out, cap, MIKEY_DT_REQUEST_RESP, req, peer);
	mikey_put_idr(&r.b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)own, strlen(own));
	mikey_put_ticket(&r.b, &ticket->policy, ticket->ticket_data,
			 ticket->ticket_data_len, NULL, 0, NULL);
	rc = kms_response_put_kemac(&r, kms_encr_alg_for(kms->cfg->ticket.key_length),
				    plain, plain_len, fail);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc != 0)
		return -1;
	return kms_response_finish(&r, out_len, fail);
}

int kms_handle_request(struct kms *kms, const struct kms_request_msg *req,
		       uint8_t *out, size_t cap, size_t *out_len,
		       struct kms_exchange_log *log, struct kms_fail *fail)
{
	struct kms_issued_ticket ticket;
	struct kms_key_set keys;
	struct kms_grant grant;
	struct kms_peer peer;
	int rc;

	log->role = "initiator";
	if (authenticate(kms, req, &peer, log, fail) != 0 ||
	    grant_ticket(kms, req, &peer, &grant, fail) != 0)
		return -1;
	log->initiator = peer.identity;
	if (kms_keys_generate(&keys, &kms->cfg->ticket) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"the random number generator failed");
	rc = kms_ticket_issue(kms, &grant, &keys, req->now_us, &ticket, fail);
	if (rc == 0) {
		memcpy(log->ticket, ticket.hash, sizeof(log->ticket));
		rc = build_response(kms, req, &peer, &ticket, &keys, out, cap,
				    out_len, fail);
	}
	kms_keys_wipe(&keys);
	return rc;
}
