/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY message builder. Each put appends one payload with Next Payload 0
 * and patches the previous Next Payload field (or the HDR's, or the
 * first-payload byte of a nested chain) with its type.
 */
#include <string.h>

#include "lib/mikey/mikey_internal.h"

#define NO_OFFSET ((size_t)-1)
#define HDR_LEN 10

static void reset(struct mikey_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->np_offset = NO_OFFSET;
	b->hdr_offset = NO_OFFSET;
	b->payload_started = false;
	b->closed = false;
	b->status = MIKEY_OK;
}

static void set_error(struct mikey_builder *b, enum mikey_status status)
{
	if (b->status == MIKEY_OK)
		b->status = status;
}

/* Returns room for n more bytes, or NULL after recording the error. */
static uint8_t *reserve(struct mikey_builder *b, size_t n)
{
	if (b->status != MIKEY_OK)
		return NULL;
	if (b->cap - b->len < n) {
		set_error(b, MIKEY_ERR_NO_SPACE);
		return NULL;
	}

	uint8_t *p = b->buf + b->len;
	b->len += n;
	return p;
}

static bool check_len(struct mikey_builder *b, size_t len, size_t max)
{
	if (len <= max)
		return true;
	set_error(b, MIKEY_ERR_ARG);
	return false;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *data, size_t len)
{
	if (len == 0)
		return p;
	if (data != NULL)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	return p + len;
}

/*
 * Starts a payload of this type with body_len bytes after its Next Payload
 * field, patches the previous Next Payload field, and returns the body.
 */
static uint8_t *begin_payload(struct mikey_builder *b, uint8_t type,
			      size_t body_len)
{
	if (b->status != MIKEY_OK)
		return NULL;
	if (b->closed) {
		set_error(b, MIKEY_ERR_STATE);
		return NULL;
	}

	size_t np_len = type == MIKEY_PT_SIGN ? 0 : 1;
	if (body_len > SIZE_MAX - np_len) {
		set_error(b, MIKEY_ERR_ARG);
		return NULL;
	}

	size_t start = b->len;
	uint8_t *p = reserve(b, np_len + body_len);
	if (p == NULL)
		return NULL;

	if (b->np_offset != NO_OFFSET)
		b->buf[b->np_offset] = type;
	b->payload_started = true;

	if (type == MIKEY_PT_SIGN) {
		b->np_offset = NO_OFFSET;
		b->closed = true;
		return p;
	}
	p[0] = MIKEY_PT_LAST;
	b->np_offset = start;
	return p + 1;
}

void mikey_builder_init(struct mikey_builder *b, uint8_t *buf, size_t cap)
{
	reset(b, buf, cap);
}

void mikey_builder_init_chain(struct mikey_builder *b, uint8_t *buf,
			      size_t cap)
{
	reset(b, buf, cap);

	uint8_t *p = reserve(b, 1);
	if (p == NULL)
		return;
	p[0] = MIKEY_PT_LAST;
	b->np_offset = 0;
}

void mikey_builder_init_ticket_data(struct mikey_builder *b, uint8_t *buf,
				    size_t cap, const uint8_t *thdr_data,
				    size_t thdr_len)
{
	reset(b, buf, cap);
	if (!check_len(b, thdr_len, 0xffff))
		return;

	uint8_t *p = reserve(b, 3 + thdr_len);
	if (p == NULL)
		return;
	p[0] = MIKEY_PT_LAST;
	mikey_store_u16(p + 1, (uint16_t)thdr_len);
	put_bytes(p + 3, thdr_data, thdr_len);
	b->np_offset = 0;
}

void mikey_builder_init_key_data(struct mikey_builder *b, uint8_t *buf,
				 size_t cap)
{
	reset(b, buf, cap);
}

enum mikey_status mikey_builder_finish(const struct mikey_builder *b,
				       size_t *len)
{
	*len = b->status == MIKEY_OK ? b->len : 0;
	return b->status;
}

/* ---- HDR and CS ID map ---- */

static void put_hdr_fields(struct mikey_builder *b, uint8_t data_type, bool v,
			   uint8_t prf_func, uint32_t csb_id, uint8_t n_cs,
			   uint8_t map_type)
{
	if (b->len != 0) {
		set_error(b, MIKEY_ERR_STATE);
		return;
	}
	if (!check_len(b, prf_func, 0x7f))
		return;

	uint8_t *p = reserve(b, HDR_LEN);
	if (p == NULL)
		return;

	p[0] = MIKEY_VERSION;
	p[1] = data_type;
	p[2] = MIKEY_PT_LAST;
	p[3] = (uint8_t)((v ? 0x80 : 0) | prf_func);
	mikey_store_u32(p + 4, csb_id);
	p[8] = n_cs;
	p[9] = map_type;
	b->hdr_offset = 0;
	b->np_offset = 2;
}

void mikey_put_hdr_simple(struct mikey_builder *b, uint8_t data_type, bool v,
			  uint8_t prf_func, uint32_t csb_id,
			  uint8_t cs_id_map_type)
{
	put_hdr_fields(b, data_type, v, prf_func, csb_id, 0, cs_id_map_type);
}

static void write_srtp_entry(struct mikey_builder *b, uint8_t policy_no,
			     uint32_t ssrc, uint32_t roc)
{
	uint8_t *p = reserve(b, 9);
	if (p == NULL)
		return;
	p[0] = policy_no;
	mikey_store_u32(p + 1, ssrc);
	mikey_store_u32(p + 5, roc);
}

static void write_generic_entry(struct mikey_builder *b,
				const struct mikey_generic_id *cs)
{
	if (!check_len(b, cs->policy_no.len, 0x7f) ||
	    !check_len(b, cs->session_data.len, 0xffff) ||
	    !check_len(b, cs->spi.len, 0xff))
		return;

	size_t n = 3 + cs->policy_no.len + 2 + cs->session_data.len + 1 +
		   cs->spi.len;
	uint8_t *p = reserve(b, n);
	if (p == NULL)
		return;

	p[0] = cs->cs_id;
	p[1] = cs->prot_type;
	p[2] = (uint8_t)((cs->s ? 0x80 : 0) | cs->policy_no.len);
	p = put_bytes(p + 3, cs->policy_no.p, cs->policy_no.len);
	mikey_store_u16(p, (uint16_t)cs->session_data.len);
	p = put_bytes(p + 2, cs->session_data.p, cs->session_data.len);
	p[0] = (uint8_t)cs->spi.len;
	put_bytes(p + 1, cs->spi.p, cs->spi.len);
}

void mikey_put_hdr(struct mikey_builder *b, const struct mikey_hdr *hdr)
{
	put_hdr_fields(b, hdr->data_type, hdr->v, hdr->prf_func, hdr->csb_id,
		       hdr->n_cs, hdr->cs_id_map_type);
	if (!check_len(b, hdr->n_entries, MIKEY_MAX_CS))
		return;

	for (size_t i = 0; i < hdr->n_entries; i++) {
		const struct mikey_srtp_id *s = &hdr->cs.srtp[i];

		if (hdr->cs_id_map_type == MIKEY_MAP_SRTP_ID)
			write_srtp_entry(b, s->policy_no, s->ssrc, s->roc);
		else if (hdr->cs_id_map_type == MIKEY_MAP_GENERIC_ID)
			write_generic_entry(b, &hdr->cs.generic[i]);
		else
			set_error(b, MIKEY_ERR_ARG);
	}
}

/* Checks that a CS entry may follow and increments #CS. */
static bool add_cs(struct mikey_builder *b, uint8_t map_type)
{
	if (b->status != MIKEY_OK)
		return false;
	if (b->hdr_offset == NO_OFFSET || b->payload_started ||
	    b->buf[b->hdr_offset + 9] != map_type) {
		set_error(b, MIKEY_ERR_STATE);
		return false;
	}

	uint8_t *n_cs = &b->buf[b->hdr_offset + 8];
	if (!check_len(b, *n_cs + 1u, 0xff))
		return false;
	(*n_cs)++;
	return true;
}

void mikey_put_cs_srtp(struct mikey_builder *b, uint8_t policy_no,
		       uint32_t ssrc, uint32_t roc)
{
	if (add_cs(b, MIKEY_MAP_SRTP_ID))
		write_srtp_entry(b, policy_no, ssrc, roc);
}

void mikey_put_cs_generic(struct mikey_builder *b,
			  const struct mikey_generic_id *cs)
{
	if (add_cs(b, MIKEY_MAP_GENERIC_ID))
		write_generic_entry(b, cs);
}

/* ---- Payloads ---- */

static void put_ts(struct mikey_builder *b, uint8_t type, bool with_role,
		   uint8_t role, uint8_t ts_type, uint64_t value)
{
	size_t size;

	if (!mikey_ts_size(ts_type, &size) ||
	    (size == 4 && !check_len(b, value, 0xffffffffu))) {
		set_error(b, MIKEY_ERR_ARG);
		return;
	}

	uint8_t *p = begin_payload(b, type, (with_role ? 2 : 1) + size);
	if (p == NULL)
		return;
	if (with_role)
		*p++ = role;
	*p++ = ts_type;
	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(value >> (8 * (size - 1 - i)));
}

void mikey_put_t(struct mikey_builder *b, uint8_t ts_type, uint64_t value)
{
	put_ts(b, MIKEY_PT_T, false, 0, ts_type, value);
}

void mikey_put_tr(struct mikey_builder *b, uint8_t role, uint8_t ts_type,
		  uint64_t value)
{
	put_ts(b, MIKEY_PT_TR, true, role, ts_type, value);
}

static void put_rand(struct mikey_builder *b, uint8_t type, bool with_role,
		     uint8_t role, const uint8_t *rand, size_t len)
{
	if (!check_len(b, len, 0xff))
		return;

	uint8_t *p = begin_payload(b, type, (with_role ? 2 : 1) + len);
	if (p == NULL)
		return;
	if (with_role)
		*p++ = role;
	*p++ = (uint8_t)len;
	put_bytes(p, rand, len);
}

void mikey_put_rand(struct mikey_builder *b, const uint8_t *rand, size_t len)
{
	put_rand(b, MIKEY_PT_RAND, false, 0, rand, len);
}

void mikey_put_randr(struct mikey_builder *b, uint8_t role,
		     const uint8_t *rand, size_t len)
{
	put_rand(b, MIKEY_PT_RANDR, true, role, rand, len);
}

/* ID, IDR, CERT and General Extension: [role], type, length (16), data. */
static void put_typed(struct mikey_builder *b, uint8_t payload_type,
		      bool with_role, uint8_t role, uint8_t type,
		      const uint8_t *data, size_t len)
{
	if (!check_len(b, len, 0xffff))
		return;

	uint8_t *p = begin_payload(b, payload_type,
				   (with_role ? 4 : 3) + len);
	if (p == NULL)
		return;
	if (with_role)
		*p++ = role;
	p[0] = type;
	mikey_store_u16(p + 1, (uint16_t)len);
	put_bytes(p + 3, data, len);
}

void mikey_put_id(struct mikey_builder *b, uint8_t id_type,
		  const uint8_t *data, size_t len)
{
	put_typed(b, MIKEY_PT_ID, false, 0, id_type, data, len);
}

void mikey_put_idr(struct mikey_builder *b, uint8_t role, uint8_t id_type,
		   const uint8_t *data, size_t len)
{
	put_typed(b, MIKEY_PT_IDR, true, role, id_type, data, len);
}

void mikey_put_cert(struct mikey_builder *b, uint8_t cert_type,
		    const uint8_t *data, size_t len)
{
	put_typed(b, MIKEY_PT_CERT, false, 0, cert_type, data, len);
}

void mikey_put_ext(struct mikey_builder *b, uint8_t ext_type,
		   const uint8_t *data, size_t len)
{
	put_typed(b, MIKEY_PT_GENERAL_EXT, false, 0, ext_type, data, len);
}

void mikey_put_chash(struct mikey_builder *b, uint8_t hash_func,
		     const uint8_t *hash, size_t len)
{
	size_t size;

	if (!mikey_hash_size(hash_func, &size) || size != len) {
		set_error(b, MIKEY_ERR_ARG);
		return;
	}

	uint8_t *p = begin_payload(b, MIKEY_PT_CHASH, 1 + len);
	if (p == NULL)
		return;
	p[0] = hash_func;
	put_bytes(p + 1, hash, len);
}

void mikey_put_kemac(struct mikey_builder *b, uint8_t encr_alg,
		     const uint8_t *encr_data, size_t encr_len,
		     uint8_t mac_alg, const uint8_t *mac,
		     size_t *encr_data_offset, size_t *mac_offset)
{
	size_t mac_len;

	if (!mikey_mac_size(mac_alg, &mac_len) ||
	    !check_len(b, encr_len, 0xffff)) {
		set_error(b, MIKEY_ERR_ARG);
		return;
	}

	uint8_t *p = begin_payload(b, MIKEY_PT_KEMAC, 4 + encr_len + mac_len);
	if (p == NULL)
		return;

	p[0] = encr_alg;
	mikey_store_u16(p + 1, (uint16_t)encr_len);
	if (encr_data_offset != NULL)
		*encr_data_offset = (size_t)(p + 3 - b->buf);
	p = put_bytes(p + 3, encr_data, encr_len);
	p[0] = mac_alg;
	if (mac_offset != NULL)
		*mac_offset = (size_t)(p + 1 - b->buf);
	put_bytes(p + 1, mac, mac_len);
}

void mikey_put_v(struct mikey_builder *b, uint8_t auth_alg,
		 const uint8_t *mac, size_t *mac_offset)
{
	size_t mac_len;

	if (!mikey_mac_size(auth_alg, &mac_len)) {
		set_error(b, MIKEY_ERR_ARG);
		return;
	}

	uint8_t *p = begin_payload(b, MIKEY_PT_V, 1 + mac_len);
	if (p == NULL)
		return;
	p[0] = auth_alg;
	if (mac_offset != NULL)
		*mac_offset = (size_t)(p + 1 - b->buf);
	put_bytes(p + 1, mac, mac_len);
}

void mikey_put_sp(struct mikey_builder *b, uint8_t policy_no,
		  uint8_t prot_type, const struct mikey_sp_param *params,
		  size_t n_params)
{
	size_t params_len = 0;

	for (size_t i = 0; i < n_params; i++) {
		if (!check_len(b, params[i].value.len, 0xff))
			return;
		params_len += 2 + params[i].value.len;
	}
	if (!check_len(b, params_len, 0xffff))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_SP, 4 + params_len);
	if (p == NULL)
		return;

	p[0] = policy_no;
	p[1] = prot_type;
	mikey_store_u16(p + 2, (uint16_t)params_len);
	p += 4;
	for (size_t i = 0; i < n_params; i++) {
		p[0] = params[i].type;
		p[1] = (uint8_t)params[i].value.len;
		p = put_bytes(p + 2, params[i].value.p, params[i].value.len);
	}
}

static void put_err_raw(struct mikey_builder *b, uint8_t error_no,
			uint16_t reserved)
{
	uint8_t *p = begin_payload(b, MIKEY_PT_ERR, 3);
	if (p == NULL)
		return;
	p[0] = error_no;
	mikey_store_u16(p + 1, reserved);
}

void mikey_put_err(struct mikey_builder *b, uint8_t error_no)
{
	put_err_raw(b, error_no, 0);
}

void mikey_put_pke(struct mikey_builder *b, uint8_t c, const uint8_t *data,
		   size_t len)
{
	if (!check_len(b, c, 3) || !check_len(b, len, 0x3fff))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_PKE, 2 + len);
	if (p == NULL)
		return;
	mikey_store_u16(p, (uint16_t)(c << 14 | len));
	put_bytes(p + 2, data, len);
}

/* Size of a KV field, or false when a length does not fit. */
static bool kv_size(struct mikey_builder *b, const struct mikey_kv *kv,
		    size_t *size)
{
	switch (kv->kv_type) {
	case MIKEY_KV_NULL:
		*size = 0;
		return true;
	case MIKEY_KV_SPI:
		*size = 1 + kv->spi.len;
		return check_len(b, kv->spi.len, 0xff);
	case MIKEY_KV_INTERVAL:
		*size = 2 + kv->vf.len + kv->vt.len;
		return check_len(b, kv->vf.len, 0xff) &&
		       check_len(b, kv->vt.len, 0xff);
	default:
		set_error(b, MIKEY_ERR_ARG);
		return false;
	}
}

static uint8_t *write_kv(uint8_t *p, const struct mikey_kv *kv)
{
	if (kv->kv_type == MIKEY_KV_SPI) {
		*p++ = (uint8_t)kv->spi.len;
		return put_bytes(p, kv->spi.p, kv->spi.len);
	}
	if (kv->kv_type == MIKEY_KV_INTERVAL) {
		*p++ = (uint8_t)kv->vf.len;
		p = put_bytes(p, kv->vf.p, kv->vf.len);
		*p++ = (uint8_t)kv->vt.len;
		return put_bytes(p, kv->vt.p, kv->vt.len);
	}
	return p;
}

void mikey_put_dh(struct mikey_builder *b, const struct mikey_dh *dh)
{
	size_t kv_len;

	if (!check_len(b, dh->reserved, 0x0f) || !kv_size(b, &dh->kv, &kv_len))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_DH,
				   1 + dh->value.len + 1 + kv_len);
	if (p == NULL)
		return;
	p[0] = dh->group;
	p = put_bytes(p + 1, dh->value.p, dh->value.len);
	p[0] = (uint8_t)(dh->reserved << 4 | dh->kv.kv_type);
	write_kv(p + 1, &dh->kv);
}

void mikey_put_sakke(struct mikey_builder *b, const struct mikey_sakke *s)
{
	if (!check_len(b, s->data.len, 0xffff))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_SAKKE, 4 + s->data.len);
	if (p == NULL)
		return;
	p[0] = s->params;
	p[1] = s->id_scheme;
	mikey_store_u16(p + 2, (uint16_t)s->data.len);
	put_bytes(p + 4, s->data.p, s->data.len);
}

/* Fixed TP and TICKET fields and TP Data: 9 + tp_data bytes. */
static uint8_t *write_ticket_policy(uint8_t *p,
				    const struct mikey_ticket_policy *tp)
{
	uint32_t bits = (uint32_t)tp->prf_func << 17 |
			(uint32_t)(tp->flags & 0x0fff) << 5 |
			(tp->reserved & 0x1fu);

	mikey_store_u16(p, tp->ticket_type);
	p[2] = tp->subtype;
	p[3] = tp->version;
	p[4] = (uint8_t)(bits >> 16);
	p[5] = (uint8_t)(bits >> 8);
	p[6] = (uint8_t)bits;
	mikey_store_u16(p + 7, (uint16_t)tp->tp_data.len);
	return put_bytes(p + 9, tp->tp_data.p, tp->tp_data.len);
}

static bool check_ticket_policy(struct mikey_builder *b,
				const struct mikey_ticket_policy *tp)
{
	return check_len(b, tp->prf_func, 0x7f) &&
	       check_len(b, tp->flags, 0x0fff) &&
	       check_len(b, tp->reserved, 0x1f) &&
	       check_len(b, tp->tp_data.len, 0xffff);
}

void mikey_put_tp(struct mikey_builder *b,
		  const struct mikey_ticket_policy *tp)
{
	if (!check_ticket_policy(b, tp))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_TP, 9 + tp->tp_data.len);
	if (p != NULL)
		write_ticket_policy(p, tp);
}

void mikey_put_ticket(struct mikey_builder *b,
		      const struct mikey_ticket_policy *policy,
		      const uint8_t *ticket_data, size_t ticket_data_len,
		      const uint8_t *initiator_data, size_t initiator_data_len,
		      size_t *ticket_data_offset)
{
	if (!check_ticket_policy(b, policy) ||
	    !check_len(b, ticket_data_len, 0xffff) ||
	    !check_len(b, initiator_data_len, 0xffff))
		return;

	size_t body = 9 + policy->tp_data.len + 2 + ticket_data_len + 2 +
		      initiator_data_len;
	uint8_t *p = begin_payload(b, MIKEY_PT_TICKET, body);
	if (p == NULL)
		return;

	p = write_ticket_policy(p, policy);
	mikey_store_u16(p, (uint16_t)ticket_data_len);
	if (ticket_data_offset != NULL)
		*ticket_data_offset = (size_t)(p + 2 - b->buf);
	p = put_bytes(p + 2, ticket_data, ticket_data_len);
	mikey_store_u16(p, (uint16_t)initiator_data_len);
	put_bytes(p + 2, initiator_data, initiator_data_len);
}

void mikey_put_sign(struct mikey_builder *b, uint8_t s_type,
		    const uint8_t *signature, size_t len,
		    size_t *signature_offset)
{
	if (!check_len(b, s_type, 0x0f) || !check_len(b, len, 0x0fff))
		return;

	uint8_t *p = begin_payload(b, MIKEY_PT_SIGN, 2 + len);
	if (p == NULL)
		return;
	mikey_store_u16(p, (uint16_t)(s_type << 12 | len));
	if (signature_offset != NULL)
		*signature_offset = (size_t)(p + 2 - b->buf);
	put_bytes(p + 2, signature, len);
}

static bool key_type_has_salt(uint8_t type)
{
	return type == MIKEY_KEY_TGK_SALT || type == MIKEY_KEY_TEK_SALT ||
	       type == MIKEY_KEY_GTGK_SALT;
}

void mikey_put_key_data(struct mikey_builder *b,
			const struct mikey_key_data *kd)
{
	bool salt_field = key_type_has_salt(kd->type);
	size_t kv_len;

	/* A packed salt is written back inside the key field, where the
	 * parser found it; it is contiguous with the key there. */
	size_t key_len = kd->key.len + (kd->packed_salt ? kd->salt.len : 0);

	if (b->hdr_offset != NO_OFFSET || kd->type > MIKEY_KEY_MPK ||
	    (!salt_field && !kd->packed_salt && kd->salt.len > 0) ||
	    (salt_field && kd->packed_salt)) {
		set_error(b, MIKEY_ERR_ARG);
		return;
	}
	if (!check_len(b, key_len, 0xffff) ||
	    !check_len(b, kd->salt.len, 0xffff) || !kv_size(b, &kd->kv, &kv_len))
		return;

	size_t salt_len = salt_field ? 2 + kd->salt.len : 0;
	uint8_t *p = begin_payload(b, MIKEY_PT_KEY_DATA,
				   3 + key_len + salt_len + kv_len);
	if (p == NULL)
		return;

	p[0] = (uint8_t)(kd->type << 4 | kd->kv.kv_type);
	mikey_store_u16(p + 1, (uint16_t)key_len);
	p = put_bytes(p + 3, kd->key.p, kd->key.len);
	if (kd->packed_salt)
		p = put_bytes(p, kd->salt.p, kd->salt.len);
	if (salt_field) {
		mikey_store_u16(p, (uint16_t)kd->salt.len);
		p = put_bytes(p + 2, kd->salt.p, kd->salt.len);
	}
	write_kv(p, &kd->kv);
}

void mikey_put_payload(struct mikey_builder *b,
		       const struct mikey_payloads *pl,
		       const struct mikey_payload *p)
{
	switch (p->type) {
	case MIKEY_PT_KEMAC:
		mikey_put_kemac(b, p->u.kemac.encr_alg, p->u.kemac.encr_data.p,
				p->u.kemac.encr_data.len, p->u.kemac.mac_alg,
				p->u.kemac.mac.p, NULL, NULL);
		break;
	case MIKEY_PT_PKE:
		mikey_put_pke(b, p->u.pke.c, p->u.pke.data.p, p->u.pke.data.len);
		break;
	case MIKEY_PT_DH:
		mikey_put_dh(b, &p->u.dh);
		break;
	case MIKEY_PT_SIGN:
		mikey_put_sign(b, p->u.sign.s_type, p->u.sign.signature.p,
			       p->u.sign.signature.len, NULL);
		break;
	case MIKEY_PT_T:
		mikey_put_t(b, p->u.t.ts_type, p->u.t.value);
		break;
	case MIKEY_PT_TR:
		mikey_put_tr(b, p->u.t.role, p->u.t.ts_type, p->u.t.value);
		break;
	case MIKEY_PT_ID:
		mikey_put_id(b, p->u.id.id_type, p->u.id.data.p, p->u.id.data.len);
		break;
	case MIKEY_PT_IDR:
		mikey_put_idr(b, p->u.id.role, p->u.id.id_type, p->u.id.data.p,
			      p->u.id.data.len);
		break;
	case MIKEY_PT_CERT:
		mikey_put_cert(b, p->u.cert.cert_type, p->u.cert.data.p,
			       p->u.cert.data.len);
		break;
	case MIKEY_PT_CHASH:
		mikey_put_chash(b, p->u.chash.hash_func, p->u.chash.hash.p,
				p->u.chash.hash.len);
		break;
	case MIKEY_PT_V:
		mikey_put_v(b, p->u.v.auth_alg, p->u.v.mac.p, NULL);
		break;
	case MIKEY_PT_SP:
		if (p->u.sp.first_param + p->u.sp.n_params > pl->n_sp_params) {
			set_error(b, MIKEY_ERR_ARG);
			break;
		}
		mikey_put_sp(b, p->u.sp.policy_no, p->u.sp.prot_type,
			     &pl->sp_param[p->u.sp.first_param], p->u.sp.n_params);
		break;
	case MIKEY_PT_RAND:
		mikey_put_rand(b, p->u.rand.rand.p, p->u.rand.rand.len);
		break;
	case MIKEY_PT_RANDR:
		mikey_put_randr(b, p->u.rand.role, p->u.rand.rand.p,
				p->u.rand.rand.len);
		break;
	case MIKEY_PT_ERR:
		put_err_raw(b, p->u.err.error_no, p->u.err.reserved);
		break;
	case MIKEY_PT_TP:
		mikey_put_tp(b, &p->u.tp);
		break;
	case MIKEY_PT_TICKET:
		mikey_put_ticket(b, &p->u.ticket.policy, p->u.ticket.ticket_data.p,
				 p->u.ticket.ticket_data.len,
				 p->u.ticket.initiator_data.p,
				 p->u.ticket.initiator_data.len, NULL);
		break;
	case MIKEY_PT_GENERAL_EXT:
		mikey_put_ext(b, p->u.ext.ext_type, p->u.ext.data.p, p->u.ext.data.len);
		break;
	case MIKEY_PT_SAKKE:
		mikey_put_sakke(b, &p->u.sakke);
		break;
	default:
		/* THDR is written by mikey_builder_init_ticket_data(). */
		set_error(b, MIKEY_ERR_ARG);
		break;
	}
}

enum mikey_status mikey_build_msg(const struct mikey_msg *msg, uint8_t *buf,
				  size_t cap, size_t *len)
{
	struct mikey_builder b;

	mikey_builder_init(&b, buf, cap);
	mikey_put_hdr(&b, &msg->hdr);
	for (size_t i = 0; i < msg->payloads.n; i++)
		mikey_put_payload(&b, &msg->payloads, &msg->payloads.item[i]);
	return mikey_builder_finish(&b, len);
}
