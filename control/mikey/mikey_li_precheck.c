/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structural check of a TRANSFER_INIT (RFC 6043 section 4.2.2):
 *
 *   HDR, T, RANDRi, [IDRi], [IDRr], {SP}, TICKET, [KEMAC], V
 *
 * with a GENERIC-ID CS ID map and a MIKEY base ticket (RFC 6043 Appendix
 * A) laid out as docs/kms-interface.md describes.
 */
#include "control/mikey/mikey_li_precheck.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum mikey_li_status forged(struct mikey_li_precheck *out,
				   const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum mikey_li_status forged(struct mikey_li_precheck *out,
				   const char *fmt, ...)
{
	va_list ap;

	out->status = MIKEY_LI_FORGED;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return MIKEY_LI_FORGED;
}

static bool slice_equals(struct mikey_slice s, const void *p, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.p, p, len) == 0);
}

static bool prf_supported(uint8_t prf)
{
	return prf == MIKEY_PRF_MIKEY_1 || prf == MIKEY_PRF_HMAC_SHA_256;
}

/* ---- HDR and CS ID map ---- */

static bool cs_id_seen_before(const struct mikey_hdr *hdr, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (hdr->cs.generic[j].cs_id == hdr->cs.generic[i].cs_id)
			return true;
	}
	return false;
}

static enum mikey_li_status check_cs_map(const struct mikey_msg *m,
					 struct mikey_li_precheck *out)
{
	const struct mikey_hdr *hdr = &m->hdr;

	if (hdr->cs_id_map_type != MIKEY_MAP_GENERIC_ID)
		return forged(out, "CS ID map type %u is not GENERIC-ID, which "
			      "RFC 6043 requires in TRANSFER messages",
			      hdr->cs_id_map_type);
	if (hdr->n_entries == 0 || hdr->n_entries > MIKEY_LI_MAX_STREAMS)
		return forged(out, "%zu crypto sessions; lime accepts 1 to %d",
			      hdr->n_entries, MIKEY_LI_MAX_STREAMS);
	for (size_t i = 0; i < hdr->n_entries; i++) {
		const struct mikey_generic_id *cs = &hdr->cs.generic[i];

		if (cs->prot_type != MIKEY_PROT_SRTP)
			return forged(out, "CS ID %u has Prot type %u, not SRTP",
				      cs->cs_id, cs->prot_type);
		if (cs->session_data.len != 0 && !cs->srtp_valid)
			return forged(out, "CS ID %u has SRTP Session Data of %zu "
				      "bytes; SRTP uses 4, or 10 with S set",
				      cs->cs_id, cs->session_data.len);
		if (cs_id_seen_before(hdr, i))
			return forged(out, "CS ID %u appears twice in the CS ID map",
				      cs->cs_id);
	}
	out->n_cs = hdr->n_entries;
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_hdr(const struct mikey_msg *m,
				      struct mikey_li_precheck *out)
{
	if (m->hdr.data_type != MIKEY_DT_TRANSFER_INIT)
		return forged(out, "data type %u (%s) is not TRANSFER_INIT",
			      m->hdr.data_type,
			      mikey_data_type_name(m->hdr.data_type));
	if (!prf_supported(m->hdr.prf_func))
		return forged(out, "HDR PRF func %u is neither MIKEY-1 nor "
			      "PRF-HMAC-SHA-256", m->hdr.prf_func);
	out->csb_id = m->hdr.csb_id;
	out->prf_func = m->hdr.prf_func;
	return check_cs_map(m, out);
}

/* ---- Payload list ---- */

static bool belongs_in_transfer_init(uint8_t type)
{
	switch (type) {
	case MIKEY_PT_T:
	case MIKEY_PT_RANDR:
	case MIKEY_PT_IDR:
	case MIKEY_PT_SP:
	case MIKEY_PT_TICKET:
	case MIKEY_PT_KEMAC:
	case MIKEY_PT_V:
	case MIKEY_PT_GENERAL_EXT:
		return true;
	default:
		return false;
	}
}

static size_t count_type(const struct mikey_payloads *pl, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->n; i++)
		n += pl->item[i].type == type;
	return n;
}

static enum mikey_li_status check_payload_list(const struct mikey_msg *m,
					       struct mikey_li_precheck *out)
{
	const struct mikey_payloads *pl = &m->payloads;
	static const uint8_t once[] = { MIKEY_PT_T, MIKEY_PT_TICKET, MIKEY_PT_V };

	for (size_t i = 0; i < pl->n; i++) {
		if (!belongs_in_transfer_init(pl->item[i].type))
			return forged(out, "a %s payload does not belong in "
				      "TRANSFER_INIT",
				      mikey_payload_name(pl->item[i].type));
	}
	for (size_t i = 0; i < sizeof(once); i++) {
		size_t n = count_type(pl, once[i]);

		if (n != 1)
			return forged(out, "%zu %s payloads instead of one", n,
				      mikey_payload_name(once[i]));
	}
	if (pl->item[pl->n - 1].type != MIKEY_PT_V)
		return forged(out, "V is not the last payload");
	return MIKEY_LI_OK;
}

/* ---- T, RANDRi, identities, V ---- */

static enum mikey_li_status check_time(const struct mikey_msg *m,
				       int64_t now_us,
				       const struct mikey_li_policy *policy,
				       struct mikey_li_precheck *out)
{
	const struct mikey_ts *t = &mikey_find(&m->payloads, MIKEY_PT_T, 0)->u.t;
	int64_t diff_us;

	if (!mikey_ts_to_unix_us(t->ts_type, t->value, &out->t_us))
		out->t_us = MIKEY_LI_TIME_NONE;
	if (policy->max_clock_skew_us == 0)
		return MIKEY_LI_OK;
	if (out->t_us == MIKEY_LI_TIME_NONE)
		return forged(out, "T has TS type %u, which has no UTC time to "
			      "check against the clock", t->ts_type);
	diff_us = out->t_us - now_us;
	if (diff_us > policy->max_clock_skew_us ||
	    diff_us < -policy->max_clock_skew_us)
		return forged(out, "T is %" PRId64 " s away from the clock; the "
			      "allowed skew is %" PRId64 " s",
			      diff_us / MIKEY_LI_US_PER_S,
			      policy->max_clock_skew_us / MIKEY_LI_US_PER_S);
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_rand_ids(const struct mikey_msg *m,
					   const struct mikey_li_policy *policy,
					   struct mikey_li_precheck *out)
{
	const struct mikey_payload *p;

	p = mikey_find_randr(&m->payloads, MIKEY_RAND_ROLE_RANDRI);
	if (p == NULL)
		return forged(out, "no RANDRi payload");
	if (p->u.rand.rand.len < policy->min_rand_len)
		return forged(out, "RANDRi has %zu bytes; at least %zu are required",
			      p->u.rand.rand.len, policy->min_rand_len);
	out->randri = p->u.rand.rand;

	p = mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRI);
	if (p != NULL)
		out->idri = p->u.id.data;
	p = mikey_find_idr(&m->payloads, MIKEY_ID_ROLE_IDRR);
	if (p != NULL)
		out->idrr = p->u.id.data;
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_v(const struct mikey_msg *m,
				    struct mikey_li_precheck *out)
{
	const struct mikey_v *v = &mikey_find(&m->payloads, MIKEY_PT_V, 0)->u.v;

	if (v->auth_alg != MIKEY_MAC_HMAC_SHA_1_160 &&
	    v->auth_alg != MIKEY_MAC_HMAC_SHA_256_256)
		return forged(out, "V Auth alg %u is neither HMAC-SHA-1-160 nor "
			      "HMAC-SHA-256-256", v->auth_alg);
	return MIKEY_LI_OK;
}

/* ---- Ticket policy ---- */

/* RFC 6043 6.10 flag dependencies, and D: the KMS generated the ticket. */
static const char *flag_rule_broken(uint16_t f)
{
	if ((f & MIKEY_TP_D) == 0)
		return "D is clear, so no KMS generated the ticket";
	if ((f & MIKEY_TP_G) && !(f & MIKEY_TP_F))
		return "G is set without F";
	if (!(f & MIKEY_TP_G) && !(f & MIKEY_TP_H))
		return "neither G nor H is set";
	if ((f & MIKEY_TP_I) && !(f & MIKEY_TP_E))
		return "I is set without E";
	if ((f & MIKEY_TP_M) && !(f & MIKEY_TP_F))
		return "M is set without F";
	return NULL;
}

static enum mikey_li_status check_policy(const struct mikey_ticket_policy *tp,
					 struct mikey_li_precheck *out)
{
	const char *broken;

	if (tp->ticket_type != MIKEY_TICKET_MIKEY_BASE || tp->subtype != 1 ||
	    tp->version != 1)
		return forged(out, "ticket type %u subtype %u version %u is not "
			      "a MIKEY base ticket", tp->ticket_type,
			      tp->subtype, tp->version);
	if (!prf_supported(tp->prf_func))
		return forged(out, "the ticket's PRF func %u is neither MIKEY-1 "
			      "nor PRF-HMAC-SHA-256", tp->prf_func);
	broken = flag_rule_broken(tp->flags);
	if (broken != NULL)
		return forged(out, "the ticket's flags break RFC 6043: %s", broken);
	out->tp_prf_func = tp->prf_func;
	out->tp_flags = tp->flags;
	return MIKEY_LI_OK;
}

static enum mikey_li_status read_window_end(const struct mikey_chain *tp,
					    uint8_t role, int64_t *us,
					    struct mikey_li_precheck *out)
{
	const struct mikey_payload *p = mikey_find_tr(&tp->payloads, role);

	*us = MIKEY_LI_TIME_NONE;
	if (p == NULL)
		return MIKEY_LI_OK;
	if (!mikey_ts_to_unix_us(p->u.t.ts_type, p->u.t.value, us))
		return forged(out, "%s has TS type %u, which has no UTC time",
			      role == MIKEY_TS_ROLE_TRS ? "TRs" : "TRe",
			      p->u.t.ts_type);
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_tp_data(const struct mikey_ticket_policy *tp,
					  const struct mikey_li_policy *policy,
					  struct mikey_li_precheck *out)
{
	struct mikey_chain chain;
	struct mikey_error err;
	const struct mikey_payload *p;
	const char *kms = policy->kms_identity;

	if (mikey_parse_chain(tp->tp_data.p, tp->tp_data.len, &chain, &err) != MIKEY_OK)
		return forged(out, "the TP Data is malformed: %s", err.msg);
	p = mikey_find_idr(&chain.payloads, MIKEY_ID_ROLE_IDRKMS);
	if (p == NULL)
		return forged(out, "the TP Data names no KMS (IDRkms)");
	if (kms != NULL && !slice_equals(p->u.id.data, kms, strlen(kms)))
		return forged(out, "the ticket names another KMS (IDRkms)");
	p = mikey_find_idr(&chain.payloads, MIKEY_ID_ROLE_IDRI);
	if (p != NULL)
		out->ticket_initiator = p->u.id.data;

	if (read_window_end(&chain, MIKEY_TS_ROLE_TRS, &out->trs_us, out) != MIKEY_LI_OK ||
	    read_window_end(&chain, MIKEY_TS_ROLE_TRE, &out->tre_us, out) != MIKEY_LI_OK)
		return MIKEY_LI_FORGED;
	if (out->trs_us != MIKEY_LI_TIME_NONE && out->tre_us != MIKEY_LI_TIME_NONE &&
	    out->trs_us > out->tre_us)
		return forged(out, "the ticket's TRs is after its TRe");
	return MIKEY_LI_OK;
}

/* ---- Ticket Data ---- */

static enum mikey_li_status check_ticket_kemac(const struct mikey_kemac *k,
					       struct mikey_li_precheck *out)
{
	if (k->encr_alg != MIKEY_ENCR_AES_CM_128 &&
	    k->encr_alg != MIKEY_ENCR_AES_CM_256)
		return forged(out, "the ticket's KEMAC Encr alg %u is not "
			      "AES-CM-128 or AES-CM-256", k->encr_alg);
	if (k->mac_alg != MIKEY_MAC_NULL)
		return forged(out, "the ticket's KEMAC has MAC alg %u; the "
			      "ticket's V protects it", k->mac_alg);
	if (k->encr_data.len == 0)
		return forged(out, "the ticket's KEMAC carries no keys");
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_ticket_data(struct mikey_slice data,
					      const struct mikey_li_policy *policy,
					      struct mikey_li_precheck *out)
{
	struct mikey_base_ticket td;
	struct mikey_error err;
	const struct mikey_id *psk;
	const struct mikey_v *v;

	if (mikey_parse_base_ticket(data.p, data.len, &td, &err) != MIKEY_OK)
		return forged(out, "the Ticket Data is malformed: %s", err.msg);
	if (td.trailing_bytes != 0)
		return forged(out, "%zu bytes follow the Ticket Data's V",
			      td.trailing_bytes);
	if (td.rand->u.rand.rand.len == 0)
		return forged(out, "the Ticket Data's RAND is empty");
	if (check_ticket_kemac(&td.kemac->u.kemac, out) != MIKEY_LI_OK)
		return MIKEY_LI_FORGED;
	if (td.idrpsk == NULL)
		return forged(out, "the Ticket Data has no IDRpsk naming its key");
	psk = &td.idrpsk->u.id;
	if (policy->ticket_key_id != NULL &&
	    !slice_equals(psk->data, policy->ticket_key_id,
			  policy->ticket_key_id_len))
		return forged(out, "the ticket was protected with another "
			      "ticket key (IDRpsk)");
	v = &td.v->u.v;
	if (v->auth_alg != MIKEY_MAC_HMAC_SHA_256_256)
		return forged(out, "the ticket's V Auth alg %u is not "
			      "HMAC-SHA-256-256", v->auth_alg);
	return MIKEY_LI_OK;
}

/*
 * The Initiator Data, outside the TRANSFER_INIT MAC, contains Vi (a copy
 * of the message's V) and Vr when it is not empty (RFC 6043 6.10).
 */
static enum mikey_li_status check_initiator_data(const struct mikey_msg *m,
						 struct mikey_slice data,
						 struct mikey_li_precheck *out)
{
	const struct mikey_v *v = &mikey_find(&m->payloads, MIKEY_PT_V, 0)->u.v;
	const struct mikey_payload *vi;
	struct mikey_chain chain;
	struct mikey_error err;

	if (data.len == 0)
		return MIKEY_LI_OK;
	if (mikey_parse_chain(data.p, data.len, &chain, &err) != MIKEY_OK)
		return forged(out, "the Initiator Data is malformed: %s", err.msg);
	vi = mikey_find(&chain.payloads, MIKEY_PT_V, 0);
	if (vi == NULL)
		return forged(out, "the Initiator Data has no Vi");
	if (vi->u.v.auth_alg != v->auth_alg ||
	    !slice_equals(vi->u.v.mac, v->mac.p, v->mac.len))
		return forged(out, "Vi in the Initiator Data is not a copy of "
			      "the message's V");
	return MIKEY_LI_OK;
}

static enum mikey_li_status check_ticket(const struct mikey_msg *m,
					 const struct mikey_li_policy *policy,
					 struct mikey_li_precheck *out)
{
	const struct mikey_ticket *t =
		&mikey_find(&m->payloads, MIKEY_PT_TICKET, 0)->u.ticket;

	if (check_policy(&t->policy, out) != MIKEY_LI_OK ||
	    check_tp_data(&t->policy, policy, out) != MIKEY_LI_OK ||
	    check_ticket_data(t->ticket_data, policy, out) != MIKEY_LI_OK ||
	    check_initiator_data(m, t->initiator_data, out) != MIKEY_LI_OK)
		return MIKEY_LI_FORGED;
	if (!mikey_li_ticket_hash(t->ticket_data.p, t->ticket_data.len,
				  out->ticket_hash))
		return forged(out, "hashing the Ticket Data failed");
	return MIKEY_LI_OK;
}

enum mikey_li_status mikey_li_precheck(const uint8_t *ti, size_t len,
				       int64_t now_us,
				       const struct mikey_li_policy *policy,
				       struct mikey_li_precheck *out)
{
	struct mikey_msg m;
	struct mikey_error err;

	memset(out, 0, sizeof(*out));
	out->t_us = MIKEY_LI_TIME_NONE;
	out->trs_us = MIKEY_LI_TIME_NONE;
	out->tre_us = MIKEY_LI_TIME_NONE;
	if (ti == NULL || len == 0)
		return forged(out, "the TRANSFER_INIT is empty");
	if (mikey_parse(ti, len, &m, &err) != MIKEY_OK)
		return forged(out, "not a MIKEY message: %s", err.msg);

	if (check_hdr(&m, out) != MIKEY_LI_OK ||
	    check_payload_list(&m, out) != MIKEY_LI_OK ||
	    check_time(&m, now_us, policy, out) != MIKEY_LI_OK ||
	    check_rand_ids(&m, policy, out) != MIKEY_LI_OK ||
	    check_v(&m, out) != MIKEY_LI_OK ||
	    check_ticket(&m, policy, out) != MIKEY_LI_OK)
		return MIKEY_LI_FORGED;
	out->status = MIKEY_LI_OK;
	return MIKEY_LI_OK;
}
