/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key report exchanges of docs/kms-interface.md. Both arrive as
 * RESOLVE_INIT_PSK, authenticated like a Ticket Resolve by the sender's
 * IDRr and PSK:
 *
 *   terminal -> KMS  HDR, T, RANDRr, IDRr, [IDRkms], EXT 250 (TRANSFER_INIT),
 *                    [EXT 251 (TRANSFER_RESP)], V
 *   KMS -> terminal  RESOLVE_RESP: HDR, T, IDRkms, V
 *
 *   LI node -> KMS   HDR, T, RANDRr, IDRr, [IDRkms], EXT 252 (ticket hash,
 *                    CSB ID), V
 *   KMS -> LI node   RESOLVE_RESP: HDR, T, IDRkms, EXT 250, [EXT 251],
 *                    EXT 253 (reporter role, time), V
 *
 * The KMS checks that the reported TRANSFER_INIT carries a ticket it
 * issued and that the reporter is a party of that ticket. It does not
 * verify the MACs of the reported messages: the LI node does that with
 * the keys of its own LI resolution.
 */
#include "tools/kms/kms_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "tools/kms/kms_report_store.h"
#include "tools/kms/kms_ticket.h"

/* Returns the last General Extension payload of this type, or NULL, and
 * stores in *count how many the message contains. */
static const struct mikey_payload *find_ext(const struct mikey_msg *m, uint8_t type,
					    unsigned *count)
{
	const struct mikey_payload *found = NULL;

	*count = 0;
	for (size_t i = 0; i < m->payloads.n; i++) {
		const struct mikey_payload *p = &m->payloads.item[i];

		if (p->type == MIKEY_PT_GENERAL_EXT && p->u.ext.ext_type == type) {
			found = p;
			(*count)++;
		}
	}
	return found;
}

bool kms_report_is_report(const struct mikey_msg *m)
{
	unsigned n;

	return find_ext(m, KMS_EXT_REPORTED_INIT, &n) != NULL;
}

bool kms_report_is_fetch(const struct mikey_msg *m)
{
	unsigned n;

	return find_ext(m, KMS_EXT_REPORT_LOOKUP, &n) != NULL;
}

/* Writes IDRkms with the KMS's own identity into a response. */
static void put_kms_identity(const struct kms *kms, struct kms_response *r)
{
	const char *own = kms->cfg->kms_identity;

	mikey_put_idr(&r->b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)own, strlen(own));
}

/* ---- Report ---- */

/* The reported messages as the request carries them. */
struct reported {
	struct mikey_slice init;
	struct mikey_slice resp;   /* empty when not reported */
	struct mikey_msg init_msg;
	struct mikey_msg resp_msg;
};

static int read_reported(const struct mikey_msg *m, struct reported *out,
			 struct kms_fail *fail)
{
	unsigned n_init, n_resp;
	const struct mikey_payload *init = find_ext(m, KMS_EXT_REPORTED_INIT, &n_init);
	const struct mikey_payload *resp = find_ext(m, KMS_EXT_REPORTED_RESP, &n_resp);

	memset(out, 0, sizeof(*out));
	if (n_init != 1 || n_resp > 1)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "a key report needs one "
				"reported TRANSFER_INIT and at most one TRANSFER_RESP");
	out->init = init->u.ext.data;
	if (mikey_parse(out->init.p, out->init.len, &out->init_msg, NULL) != MIKEY_OK ||
	    out->init_msg.trailing_bytes != 0 ||
	    out->init_msg.hdr.data_type != MIKEY_DT_TRANSFER_INIT)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"the reported TRANSFER_INIT is not a TRANSFER_INIT message");
	if (resp == NULL)
		return 0;
	out->resp = resp->u.ext.data;
	if (mikey_parse(out->resp.p, out->resp.len, &out->resp_msg, NULL) != MIKEY_OK ||
	    out->resp_msg.trailing_bytes != 0 ||
	    out->resp_msg.hdr.data_type != MIKEY_DT_TRANSFER_RESP ||
	    out->resp_msg.hdr.csb_id != out->init_msg.hdr.csb_id)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"the reported TRANSFER_RESP is not a TRANSFER_RESP of the "
				"reported TRANSFER_INIT's CSB ID");
	return 0;
}

static bool same_slice(struct mikey_slice a, struct mikey_slice b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* Opens the reported ticket and finds the reporter's role in it. */
static int check_party(const struct kms *kms, const struct kms_peer *peer,
		       const struct reported *rep, struct kms_report *r,
		       struct kms_exchange_log *log, struct kms_fail *fail)
{
	const struct mikey_payload *p = mikey_find(&rep->init_msg.payloads, MIKEY_PT_TICKET, 0);
	struct kms_ticket t;
	unsigned int hash_len = 0;
	int rc;

	if (p == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the reported TRANSFER_INIT carries no TICKET");
	rc = kms_ticket_open(kms, rep->init.p, rep->init.len, p, &t, fail);
	memcpy(log->ticket, t.hash, sizeof(log->ticket));
	log->initiator = t.initiator;
	if (rc != 0)
		return -1;
	if (t.initiator.len > 0 && same_slice(t.initiator, peer->identity))
		r->role = KMS_REPORTER_INITIATOR;
	else if (kms_ticket_permits(&t, peer->identity))
		r->role = KMS_REPORTER_RESPONDER;
	else
		rc = kms_fail(fail, MIKEY_ERRNO_INVALID_ID, "the reporter is neither the "
			      "initiator nor a permitted responder of the reported ticket");
	if (rc == 0 && EVP_Digest(p->u.ticket.ticket_data.p, p->u.ticket.ticket_data.len,
				  r->key.ticket_hash, &hash_len, EVP_sha256(), NULL) != 1)
		rc = kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "hashing the ticket failed");
	kms_ticket_close(&t);
	return rc;
}

static int store_report(struct kms *kms, const struct kms_request_msg *req,
			struct kms_report *r, struct kms_fail *fail)
{
	switch (kms_report_store_put(kms->reports, r, req->now_us)) {
	case KMS_REPORT_STORED:
		kms->stats.reports_stored++;
		return 0;
	case KMS_REPORT_DUPLICATE:
		kms->stats.reports_duplicate++;
		return 0;
	case KMS_REPORT_CONFLICT:
		kms->stats.reports_conflicting++;
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "other messages were "
				"reported before for this ticket and CSB ID %08x; the first "
				"report stays", r->key.csb_id);
	default:
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"out of memory for the key report");
	}
}

int kms_handle_key_report(struct kms *kms, const struct kms_request_msg *req,
			  uint8_t *out, size_t cap, size_t *out_len,
			  struct kms_exchange_log *log, struct kms_fail *fail)
{
	struct kms_peer peer;
	struct reported rep;
	struct kms_report r;
	struct kms_response resp;
	bool li_node = false;

	if (kms_resolve_authenticate(kms, req, &peer, &li_node, log, fail) != 0)
		return -1;
	log->role = li_node ? "li" : "reporter";
	if (li_node)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"an LI node cannot report key material");
	if (!kms->cfg->reports.accept)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_DT,
				"key reports are off (key_reports.accept: false)");
	if (read_reported(req->msg, &rep, fail) != 0)
		return -1;

	memset(&r, 0, sizeof(r));
	r.key.csb_id = rep.init_msg.hdr.csb_id;
	r.init = (uint8_t *)rep.init.p;
	r.init_len = rep.init.len;
	r.resp = rep.resp.len > 0 ? (uint8_t *)rep.resp.p : NULL;
	r.resp_len = rep.resp.len;
	if (check_party(kms, &peer, &rep, &r, log, fail) != 0 ||
	    store_report(kms, req, &r, fail) != 0)
		return -1;
	log->role = r.role == KMS_REPORTER_INITIATOR ? "reporter-initiator" :
		    "reporter-responder";

	kms_response_begin(&resp, out, cap, MIKEY_DT_RESOLVE_RESP, req, &peer);
	put_kms_identity(kms, &resp);
	return kms_response_finish(&resp, out_len, fail);
}

/* ---- Fetch ---- */

/* The log name of a ticket: hex of the first 8 bytes of its hash. */
static void format_hash(const uint8_t *hash, char hex[2 * 8 + 1])
{
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
}

static int read_lookup(const struct mikey_msg *m, struct kms_report_key *key,
		       struct kms_fail *fail)
{
	unsigned n;
	const struct mikey_payload *p = find_ext(m, KMS_EXT_REPORT_LOOKUP, &n);
	const uint8_t *d;

	if (n != 1 || p->u.ext.data.len != KMS_REPORT_LOOKUP_LEN)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED, "a report fetch needs one "
				"lookup extension of %d bytes", KMS_REPORT_LOOKUP_LEN);
	d = p->u.ext.data.p;
	memcpy(key->ticket_hash, d, KMS_REPORT_HASH_LEN);
	d += KMS_REPORT_HASH_LEN;
	key->csb_id = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	return 0;
}

static void put_info(struct kms_response *r, const struct kms_report *rep)
{
	uint8_t info[KMS_REPORT_INFO_LEN];
	uint64_t t64 = kms_ntp_utc(rep->stored_us);

	info[0] = rep->role;
	for (int i = 0; i < 8; i++)
		info[1 + i] = (uint8_t)(t64 >> (56 - 8 * i));
	mikey_put_ext(&r->b, KMS_EXT_REPORT_INFO, info, sizeof(info));
}

int kms_handle_report_fetch(struct kms *kms, const struct kms_request_msg *req,
			    uint8_t *out, size_t cap, size_t *out_len,
			    struct kms_exchange_log *log, struct kms_fail *fail)
{
	struct kms_peer peer;
	struct kms_report_key key;
	const struct kms_report *rep;
	struct kms_response resp;
	bool li_node = false;

	if (kms_resolve_authenticate(kms, req, &peer, &li_node, log, fail) != 0)
		return -1;
	log->role = li_node ? "li-fetch" : "fetch";
	if (!li_node)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"only LI nodes may fetch key reports");
	if (!kms->cfg->reports.li_fetch)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"LI nodes may not fetch key reports (key_reports.li_fetch: false)");
	if (read_lookup(req->msg, &key, fail) != 0)
		return -1;
	format_hash(key.ticket_hash, log->ticket);
	rep = kms_report_store_get(kms->reports, &key, req->now_us);
	if (rep == NULL) {
		kms->stats.fetches_not_reported++;
		return kms_fail(fail, KMS_ERRNO_NOT_REPORTED, "no key report for this "
				"ticket and CSB ID %08x (yet)", key.csb_id);
	}

	kms_response_begin(&resp, out, cap, MIKEY_DT_RESOLVE_RESP, req, &peer);
	put_kms_identity(kms, &resp);
	mikey_put_ext(&resp.b, KMS_EXT_REPORTED_INIT, rep->init, rep->init_len);
	if (rep->resp != NULL)
		mikey_put_ext(&resp.b, KMS_EXT_REPORTED_RESP, rep->resp, rep->resp_len);
	put_info(&resp, rep);
	kms->stats.fetches_found++;
	return kms_response_finish(&resp, out_len, fail);
}
