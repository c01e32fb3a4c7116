/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload bodies (RFC 3830 section 6, RFC 6043 section 6). Each parser
 * starts at the payload's first byte and leaves the cursor after its last.
 */
#include "lib/mikey/mikey_internal.h"

/* Reads the Next Payload field that starts every payload except SIGN. */
static enum mikey_status parse_np(struct mikey_reader *r,
				  struct mikey_payload *p)
{
	enum mikey_status st = mikey_need(r, 1, "Next Payload");
	if (st != MIKEY_OK)
		return st;

	p->next_payload = mikey_get_u8(r);
	return MIKEY_OK;
}

/* TS value of a T or TR payload, whose size the TS type sets. */
static enum mikey_status parse_ts_value(struct mikey_reader *r,
					struct mikey_ts *ts)
{
	size_t size;

	if (!mikey_ts_size(ts->ts_type, &size))
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "TS type %u is unknown, so the TS value size is unknown",
					 ts->ts_type);

	enum mikey_status st = mikey_need(r, size, "TS value");
	if (st != MIKEY_OK)
		return st;

	ts->raw.p = r->buf + r->off;
	ts->raw.len = size;
	ts->value = mikey_get_uint(r, size);
	return MIKEY_OK;
}

static enum mikey_status parse_t(struct mikey_reader *r, struct mikey_ts *ts,
				 bool with_role)
{
	enum mikey_status st = mikey_need(r, with_role ? 2 : 1, "TS type");
	if (st != MIKEY_OK)
		return st;

	if (with_role)
		ts->role = mikey_get_u8(r);
	ts->ts_type = mikey_get_u8(r);
	return parse_ts_value(r, ts);
}

static enum mikey_status parse_rand(struct mikey_reader *r,
				    struct mikey_rand *rand, bool with_role)
{
	enum mikey_status st = mikey_need(r, with_role ? 2 : 1, "RAND len");
	if (st != MIKEY_OK)
		return st;

	if (with_role)
		rand->role = mikey_get_u8(r);
	size_t len = mikey_get_u8(r);
	return mikey_take(r, len, "RAND", &rand->rand);
}

/* ID and IDR: [role], ID type, 16-bit length, ID data. */
static enum mikey_status parse_id(struct mikey_reader *r, struct mikey_id *id,
				  bool with_role)
{
	enum mikey_status st = mikey_need(r, with_role ? 4 : 3, "ID len");
	if (st != MIKEY_OK)
		return st;

	if (with_role)
		id->role = mikey_get_u8(r);
	id->id_type = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	return mikey_take(r, len, "ID data", &id->data);
}

static enum mikey_status parse_cert(struct mikey_reader *r,
				    struct mikey_cert *cert)
{
	enum mikey_status st = mikey_need(r, 3, "Cert len");
	if (st != MIKEY_OK)
		return st;

	cert->cert_type = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	return mikey_take(r, len, "certificate", &cert->data);
}

static enum mikey_status parse_chash(struct mikey_reader *r,
				     struct mikey_chash *ch)
{
	enum mikey_status st = mikey_need(r, 1, "Hash func");
	if (st != MIKEY_OK)
		return st;

	ch->hash_func = mikey_get_u8(r);
	size_t size;
	if (!mikey_hash_size(ch->hash_func, &size))
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "hash function %u is unknown, so the hash size is unknown",
					 ch->hash_func);

	st = mikey_need(r, size, "hash");
	if (st != MIKEY_OK)
		return st;
	ch->hash = mikey_get_bytes(r, size);
	return MIKEY_OK;
}

/* MAC field of KEMAC or V: the algorithm sets its size. */
static enum mikey_status parse_mac(struct mikey_reader *r, uint8_t alg,
				   struct mikey_slice *mac, size_t *mac_offset)
{
	size_t size;

	if (!mikey_mac_size(alg, &size))
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "MAC algorithm %u is unknown, so the MAC size is unknown",
					 alg);

	enum mikey_status st = mikey_need(r, size, "MAC");
	if (st != MIKEY_OK)
		return st;

	*mac_offset = r->off;
	*mac = mikey_get_bytes(r, size);
	return MIKEY_OK;
}

static enum mikey_status parse_kemac(struct mikey_reader *r,
				     struct mikey_kemac *k)
{
	enum mikey_status st = mikey_need(r, 3, "Encr data len");
	if (st != MIKEY_OK)
		return st;

	k->encr_alg = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	k->encr_data_offset = r->off;
	if (len > mikey_left(r))
		return mikey_reader_fail(r, MIKEY_ERR_LENGTH,
					 "encrypted data length %zu exceeds the %zu bytes left",
					 len, mikey_left(r));
	k->encr_data = mikey_get_bytes(r, len);

	st = mikey_need(r, 1, "MAC alg");
	if (st != MIKEY_OK)
		return st;

	k->mac_alg = mikey_get_u8(r);
	return parse_mac(r, k->mac_alg, &k->mac, &k->mac_offset);
}

static enum mikey_status parse_v(struct mikey_reader *r, struct mikey_v *v)
{
	enum mikey_status st = mikey_need(r, 1, "Auth alg");
	if (st != MIKEY_OK)
		return st;

	v->auth_alg = mikey_get_u8(r);
	return parse_mac(r, v->auth_alg, &v->mac, &v->mac_offset);
}

/* Splits the SP policy parameters (Type, Length, Value) into the chain's
 * parameter array. */
static enum mikey_status parse_sp_params(struct mikey_reader *r,
					 struct mikey_sp *sp,
					 struct mikey_payloads *pl)
{
	/* The cursor is just past the parameters, so step back over them. */
	size_t end = r->off;

	sp->first_param = pl->n_sp_params;
	r->off -= sp->params_raw.len;

	while (r->off < end) {
		struct mikey_reader sub = *r;
		sub.len = end;

		enum mikey_status st = mikey_need(&sub, 2, "SP parameter");
		if (st != MIKEY_OK)
			return st;

		if (pl->n_sp_params == MIKEY_MAX_SP_PARAMS)
			return mikey_reader_fail(r, MIKEY_ERR_LIMIT,
						 "more than %d SP parameters",
						 MIKEY_MAX_SP_PARAMS);

		struct mikey_sp_param *param = &pl->sp_param[pl->n_sp_params];
		param->type = mikey_get_u8(&sub);
		size_t len = mikey_get_u8(&sub);
		st = mikey_take(&sub, len, "SP parameter value", &param->value);
		if (st != MIKEY_OK)
			return st;

		r->off = sub.off;
		pl->n_sp_params++;
		sp->n_params++;
	}
	return MIKEY_OK;
}

static enum mikey_status parse_sp(struct mikey_reader *r, struct mikey_sp *sp,
				  struct mikey_payloads *pl)
{
	enum mikey_status st = mikey_need(r, 4, "Policy param length");
	if (st != MIKEY_OK)
		return st;

	sp->policy_no = mikey_get_u8(r);
	sp->prot_type = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	st = mikey_take(r, len, "policy parameters", &sp->params_raw);
	if (st != MIKEY_OK)
		return st;

	return parse_sp_params(r, sp, pl);
}

static enum mikey_status parse_err(struct mikey_reader *r, struct mikey_err *e)
{
	enum mikey_status st = mikey_need(r, 3, "Error no and Reserved");
	if (st != MIKEY_OK)
		return st;

	e->error_no = mikey_get_u8(r);
	e->reserved = mikey_get_u16(r);
	if (e->reserved != 0)
		r->odd |= MIKEY_ODD_RESERVED_BITS;
	return MIKEY_OK;
}

static enum mikey_status parse_ext(struct mikey_reader *r, struct mikey_ext *x)
{
	enum mikey_status st = mikey_need(r, 3, "General Extension length");
	if (st != MIKEY_OK)
		return st;

	x->ext_type = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	return mikey_take(r, len, "General Extension data", &x->data);
}

/* SIGN: S type (4 bits), Signature len (12 bits), Signature. It has no
 * Next Payload field. */
static enum mikey_status parse_sign(struct mikey_reader *r,
				    struct mikey_sign *s)
{
	enum mikey_status st = mikey_need(r, 2, "Signature len");
	if (st != MIKEY_OK)
		return st;

	uint16_t v = mikey_get_u16(r);
	s->s_type = (uint8_t)(v >> 12);
	s->signature_offset = r->off;
	return mikey_take(r, v & 0x0fff, "signature", &s->signature);
}

/* PKE: C (2 bits), Data len (14 bits), Data. */
static enum mikey_status parse_pke(struct mikey_reader *r, struct mikey_pke *k)
{
	enum mikey_status st = mikey_need(r, 2, "Data len");
	if (st != MIKEY_OK)
		return st;

	uint16_t v = mikey_get_u16(r);
	k->c = (uint8_t)(v >> 14);
	return mikey_take(r, v & 0x3fff, "envelope data", &k->data);
}

static bool dh_value_size(uint8_t group, size_t *size)
{
	switch (group) {
	case MIKEY_DH_OAKLEY_5:
		*size = 1536 / 8;
		return true;
	case MIKEY_DH_OAKLEY_1:
		*size = 768 / 8;
		return true;
	case MIKEY_DH_OAKLEY_2:
		*size = 1024 / 8;
		return true;
	default:
		return false;
	}
}

static enum mikey_status parse_dh(struct mikey_reader *r, struct mikey_dh *dh)
{
	enum mikey_status st = mikey_need(r, 1, "DH-Group");
	if (st != MIKEY_OK)
		return st;

	dh->group = mikey_get_u8(r);
	size_t size;
	if (!dh_value_size(dh->group, &size))
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "DH group %u is unknown, so the DH value size is unknown",
					 dh->group);

	st = mikey_need(r, size + 1, "DH value and KV");
	if (st != MIKEY_OK)
		return st;

	dh->value = mikey_get_bytes(r, size);
	uint8_t v = mikey_get_u8(r);
	dh->reserved = v >> 4;
	if (dh->reserved != 0)
		r->odd |= MIKEY_ODD_RESERVED_BITS;
	return mikey_parse_kv(r, v & 0x0f, &dh->kv);
}

static enum mikey_status parse_sakke(struct mikey_reader *r,
				     struct mikey_sakke *s)
{
	enum mikey_status st = mikey_need(r, 4, "SAKKE data len");
	if (st != MIKEY_OK)
		return st;

	s->params = mikey_get_u8(r);
	s->id_scheme = mikey_get_u8(r);
	size_t len = mikey_get_u16(r);
	return mikey_take(r, len, "SAKKE data", &s->data);
}

/*
 * Common part of TP and TICKET: Ticket Type (16), Subtype (8), Version (8),
 * then 24 bits of PRF Func (7), flags D to O (12) and Res (5), then TP
 * Data length (16) and TP Data.
 */
static enum mikey_status parse_ticket_policy(struct mikey_reader *r,
					     struct mikey_ticket_policy *tp)
{
	enum mikey_status st = mikey_need(r, 9, "ticket policy fields");
	if (st != MIKEY_OK)
		return st;

	tp->ticket_type = mikey_get_u16(r);
	tp->subtype = mikey_get_u8(r);
	tp->version = mikey_get_u8(r);

	uint32_t bits = (uint32_t)mikey_get_uint(r, 3);
	tp->prf_func = (uint8_t)(bits >> 17);
	tp->flags = (uint16_t)((bits >> 5) & 0x0fff);
	tp->reserved = bits & 0x1f;
	if (tp->reserved != 0)
		r->odd |= MIKEY_ODD_RESERVED_BITS;

	size_t len = mikey_get_u16(r);
	return mikey_take(r, len, "TP Data", &tp->tp_data);
}

static enum mikey_status parse_ticket(struct mikey_reader *r,
				      struct mikey_ticket *t)
{
	enum mikey_status st = parse_ticket_policy(r, &t->policy);
	if (st != MIKEY_OK)
		return st;

	st = mikey_need(r, 2, "Ticket Data length");
	if (st != MIKEY_OK)
		return st;
	size_t len = mikey_get_u16(r);
	t->ticket_data_offset = r->off;
	st = mikey_take(r, len, "Ticket Data", &t->ticket_data);
	if (st != MIKEY_OK)
		return st;

	t->initiator_data_len_offset = r->off;
	st = mikey_need(r, 2, "Initiator Data length");
	if (st != MIKEY_OK)
		return st;
	len = mikey_get_u16(r);
	return mikey_take(r, len, "Initiator Data", &t->initiator_data);
}

/* Body of the payload after its Next Payload field. */
static enum mikey_status parse_body(struct mikey_reader *r, uint8_t type,
				    struct mikey_payloads *pl,
				    struct mikey_payload *p)
{
	switch (type) {
	case MIKEY_PT_KEMAC:
		return parse_kemac(r, &p->u.kemac);
	case MIKEY_PT_PKE:
		return parse_pke(r, &p->u.pke);
	case MIKEY_PT_DH:
		return parse_dh(r, &p->u.dh);
	case MIKEY_PT_T:
		return parse_t(r, &p->u.t, false);
	case MIKEY_PT_TR:
		return parse_t(r, &p->u.t, true);
	case MIKEY_PT_ID:
		return parse_id(r, &p->u.id, false);
	case MIKEY_PT_IDR:
		return parse_id(r, &p->u.id, true);
	case MIKEY_PT_CERT:
		return parse_cert(r, &p->u.cert);
	case MIKEY_PT_CHASH:
		return parse_chash(r, &p->u.chash);
	case MIKEY_PT_V:
		return parse_v(r, &p->u.v);
	case MIKEY_PT_SP:
		return parse_sp(r, &p->u.sp, pl);
	case MIKEY_PT_RAND:
		return parse_rand(r, &p->u.rand, false);
	case MIKEY_PT_RANDR:
		return parse_rand(r, &p->u.rand, true);
	case MIKEY_PT_ERR:
		return parse_err(r, &p->u.err);
	case MIKEY_PT_TP:
		return parse_ticket_policy(r, &p->u.tp);
	case MIKEY_PT_TICKET:
		return parse_ticket(r, &p->u.ticket);
	case MIKEY_PT_GENERAL_EXT:
		return parse_ext(r, &p->u.ext);
	case MIKEY_PT_SAKKE:
		return parse_sakke(r, &p->u.sakke);
	default:
		return mikey_reader_fail(r, MIKEY_ERR_NEXT_PAYLOAD,
					 "payload type %u is not supported", type);
	}
}

enum mikey_status mikey_parse_payload(struct mikey_reader *r, uint8_t type,
				      struct mikey_payloads *pl,
				      struct mikey_payload *p)
{
	if (type == MIKEY_PT_SIGN) {
		p->next_payload = MIKEY_PT_LAST;
		return parse_sign(r, &p->u.sign);
	}

	enum mikey_status st = parse_np(r, p);
	if (st != MIKEY_OK)
		return st;
	return parse_body(r, type, pl, p);
}
