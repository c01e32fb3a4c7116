/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY message parser: the bounds-checked reader, the common header, the
 * payload chain loop, and the entry points for nested chains and base
 * tickets. The payload bodies are in mikey_payload.c.
 */
#include <stdio.h>
#include <string.h>

#include "lib/mikey/mikey_internal.h"

enum mikey_status mikey_fail(struct mikey_error *err, enum mikey_status status,
			     size_t offset, const char *fmt, ...)
{
	if (err == NULL)
		return status;

	err->status = status;
	err->offset = offset;

	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

enum mikey_status mikey_reader_fail(struct mikey_reader *r,
				    enum mikey_status status,
				    const char *fmt, ...)
{
	if (r->err == NULL)
		return status;

	char detail[MIKEY_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	return mikey_fail(r->err, status, r->off, "%s at offset %zu: %s",
			  r->what, r->what_offset, detail);
}

enum mikey_status mikey_need(struct mikey_reader *r, size_t n,
			     const char *field)
{
	if (mikey_left(r) >= n)
		return MIKEY_OK;
	return mikey_reader_fail(r, MIKEY_ERR_TRUNCATED,
				 "%s needs %zu bytes but only %zu are left",
				 field, n, mikey_left(r));
}

enum mikey_status mikey_take(struct mikey_reader *r, size_t n,
			     const char *field, struct mikey_slice *out)
{
	if (mikey_left(r) < n)
		return mikey_reader_fail(r, MIKEY_ERR_LENGTH,
					 "%s length %zu exceeds the %zu bytes left",
					 field, n, mikey_left(r));
	*out = mikey_get_bytes(r, n);
	return MIKEY_OK;
}

uint8_t mikey_get_u8(struct mikey_reader *r)
{
	return r->buf[r->off++];
}

uint16_t mikey_get_u16(struct mikey_reader *r)
{
	uint16_t v = (uint16_t)(r->buf[r->off] << 8 | r->buf[r->off + 1]);

	r->off += 2;
	return v;
}

uint32_t mikey_get_u32(struct mikey_reader *r)
{
	return (uint32_t)mikey_get_uint(r, 4);
}

uint64_t mikey_get_uint(struct mikey_reader *r, size_t size)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v = v << 8 | r->buf[r->off + i];
	r->off += size;
	return v;
}

struct mikey_slice mikey_get_bytes(struct mikey_reader *r, size_t n)
{
	struct mikey_slice s = { .p = r->buf + r->off, .len = n };

	r->off += n;
	return s;
}

/* Payload types that this parser reads in a message or nested chain. */
static bool is_chain_payload(uint8_t type)
{
	switch (type) {
	case MIKEY_PT_KEMAC: case MIKEY_PT_PKE: case MIKEY_PT_DH:
	case MIKEY_PT_SIGN: case MIKEY_PT_T: case MIKEY_PT_ID:
	case MIKEY_PT_CERT: case MIKEY_PT_CHASH: case MIKEY_PT_V:
	case MIKEY_PT_SP: case MIKEY_PT_RAND: case MIKEY_PT_ERR:
	case MIKEY_PT_TR: case MIKEY_PT_IDR: case MIKEY_PT_RANDR:
	case MIKEY_PT_TP: case MIKEY_PT_TICKET: case MIKEY_PT_GENERAL_EXT:
	case MIKEY_PT_SAKKE:
		return true;
	default:
		return false;
	}
}

static enum mikey_status reject_next_payload(struct mikey_reader *r,
					     uint8_t type, size_t np_offset)
{
	const char *reason = type == MIKEY_PT_KEY_DATA ?
		"a key data sub-payload, which belongs only inside a decrypted KEMAC" :
		"not a known payload type";

	return mikey_fail(r->err, MIKEY_ERR_NEXT_PAYLOAD, np_offset,
			  "Next Payload at offset %zu: value %u is %s",
			  np_offset, type, reason);
}

/*
 * Parses payloads from the cursor, starting with type first, until a
 * payload names MIKEY_PT_LAST or a SIGN ends the chain. np_offset is the
 * offset of the field that named first. Every iteration consumes at least
 * one byte and the payload count is bounded, so the loop ends.
 */
static enum mikey_status parse_payloads(struct mikey_reader *r, uint8_t first,
					size_t np_offset, bool allow_sign,
					struct mikey_payloads *pl)
{
	uint8_t type = first;

	while (type != MIKEY_PT_LAST) {
		if (!is_chain_payload(type) ||
		    (type == MIKEY_PT_SIGN && !allow_sign))
			return reject_next_payload(r, type, np_offset);

		if (pl->n == MIKEY_MAX_PAYLOADS)
			return mikey_fail(r->err, MIKEY_ERR_TOO_MANY, r->off,
					  "%s at offset %zu: more than %d payloads",
					  mikey_payload_name(type), r->off,
					  MIKEY_MAX_PAYLOADS);

		struct mikey_payload *p = &pl->item[pl->n];
		memset(p, 0, sizeof(*p));
		p->type = type;
		p->offset = r->off;
		r->what = mikey_payload_name(type);
		r->what_offset = r->off;

		enum mikey_status st = mikey_parse_payload(r, type, pl, p);
		if (st != MIKEY_OK)
			return st;

		p->len = r->off - p->offset;
		pl->n++;

		if (type == MIKEY_PT_SIGN) {
			if (mikey_left(r) > 0)
				return mikey_fail(r->err, MIKEY_ERR_SIGN_NOT_LAST,
						  r->off,
						  "SIGN at offset %zu: %zu bytes follow it, but SIGN must end the message",
						  p->offset, mikey_left(r));
			break;
		}

		np_offset = p->offset;
		type = p->next_payload;
	}
	return MIKEY_OK;
}

static bool is_known_data_type(uint8_t data_type)
{
	return data_type <= MIKEY_DT_RESOLVE_RESP || data_type == MIKEY_DT_SAKKE;
}

/* HDR: version, data type, next payload, V and PRF func, CSB ID, #CS,
 * CS ID map type, then the map info. */
static enum mikey_status parse_hdr(struct mikey_reader *r, struct mikey_hdr *h)
{
	r->what = "HDR";
	r->what_offset = 0;

	enum mikey_status st = mikey_need(r, 10, "HDR");
	if (st != MIKEY_OK)
		return st;

	h->version = mikey_get_u8(r);
	if (h->version != MIKEY_VERSION)
		return mikey_fail(r->err, MIKEY_ERR_VERSION, 0,
				  "HDR at offset 0: version %u is not MIKEY version 1",
				  h->version);

	h->data_type = mikey_get_u8(r);
	if (!is_known_data_type(h->data_type))
		r->odd |= MIKEY_ODD_DATA_TYPE;

	h->next_payload = mikey_get_u8(r);

	uint8_t v_prf = mikey_get_u8(r);
	h->v = (v_prf & 0x80) != 0;
	h->prf_func = v_prf & 0x7f;

	h->csb_id = mikey_get_u32(r);
	h->n_cs = mikey_get_u8(r);
	h->cs_id_map_type = mikey_get_u8(r);

	return mikey_parse_cs_map(r, h, &r->odd);
}

enum mikey_status mikey_parse(const uint8_t *buf, size_t len,
			      struct mikey_msg *msg, struct mikey_error *err)
{
	struct mikey_reader r = { .buf = buf, .len = len, .err = err };

	memset(msg, 0, sizeof(*msg));
	if (err != NULL)
		memset(err, 0, sizeof(*err));

	enum mikey_status st = parse_hdr(&r, &msg->hdr);
	if (st != MIKEY_OK)
		return st;
	msg->hdr_len = r.off;

	st = parse_payloads(&r, msg->hdr.next_payload, 2, true,
			    &msg->payloads);
	if (st != MIKEY_OK)
		return st;

	msg->len = r.off;
	msg->trailing_bytes = len - r.off;
	if (msg->trailing_bytes > 0)
		r.odd |= MIKEY_ODD_TRAILING_BYTES;
	msg->odd = r.odd;
	return MIKEY_OK;
}

enum mikey_status mikey_parse_chain(const uint8_t *buf, size_t len,
				    struct mikey_chain *chain,
				    struct mikey_error *err)
{
	struct mikey_reader r = { .buf = buf, .len = len, .err = err };

	memset(chain, 0, sizeof(*chain));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (len == 0)
		return MIKEY_OK;

	uint8_t first = mikey_get_u8(&r);
	enum mikey_status st = parse_payloads(&r, first, 0, false,
					      &chain->payloads);
	if (st != MIKEY_OK)
		return st;

	chain->len = r.off;
	chain->trailing_bytes = len - r.off;
	if (chain->trailing_bytes > 0)
		r.odd |= MIKEY_ODD_TRAILING_BYTES;
	chain->odd = r.odd;
	return MIKEY_OK;
}

static enum mikey_status parse_thdr(struct mikey_reader *r,
				    struct mikey_payloads *pl)
{
	struct mikey_payload *p = &pl->item[0];

	r->what = "THDR";
	r->what_offset = 0;
	p->type = MIKEY_PT_THDR;

	enum mikey_status st = mikey_need(r, 3, "THDR");
	if (st != MIKEY_OK)
		return st;

	p->next_payload = mikey_get_u8(r);
	size_t data_len = mikey_get_u16(r);
	st = mikey_take(r, data_len, "THDR Data", &p->u.thdr.data);
	if (st != MIKEY_OK)
		return st;

	p->len = r->off;
	pl->n = 1;
	return MIKEY_OK;
}

/* Takes the next payload for the base ticket if it has the expected type
 * (and, for IDR, role). Returns NULL otherwise. */
static const struct mikey_payload *take_in_order(const struct mikey_payloads *pl,
						 size_t *i, uint8_t type,
						 uint8_t role)
{
	if (*i >= pl->n || pl->item[*i].type != type)
		return NULL;
	if (type == MIKEY_PT_IDR && pl->item[*i].u.id.role != role)
		return NULL;
	return &pl->item[(*i)++];
}

static enum mikey_status check_base_ticket_order(struct mikey_base_ticket *t,
						 struct mikey_error *err)
{
	const struct mikey_payloads *pl = &t->payloads;
	size_t i = 1;

	t->thdr = &pl->item[0];
	t->t = take_in_order(pl, &i, MIKEY_PT_T, 0);
	t->rand = t->t ? take_in_order(pl, &i, MIKEY_PT_RAND, 0) : NULL;
	t->kemac = t->rand ? take_in_order(pl, &i, MIKEY_PT_KEMAC, 0) : NULL;
	if (t->kemac != NULL)
		t->idrpsk = take_in_order(pl, &i, MIKEY_PT_IDR,
					  MIKEY_ID_ROLE_IDRPSK);
	t->v = t->kemac ? take_in_order(pl, &i, MIKEY_PT_V, 0) : NULL;

	if (t->v != NULL && i == pl->n)
		return MIKEY_OK;

	size_t at = i < pl->n ? pl->item[i].offset : t->len;
	const char *found = i < pl->n ? mikey_payload_name(pl->item[i].type) :
		"the end";
	return mikey_fail(err, MIKEY_ERR_NEXT_PAYLOAD, at,
			  "base ticket: %s at offset %zu is out of order; Ticket Data must be THDR, T, RAND, KEMAC, [IDRpsk], V",
			  found, at);
}

enum mikey_status mikey_parse_base_ticket(const uint8_t *buf, size_t len,
					  struct mikey_base_ticket *ticket,
					  struct mikey_error *err)
{
	struct mikey_reader r = { .buf = buf, .len = len, .err = err };

	memset(ticket, 0, sizeof(*ticket));
	if (err != NULL)
		memset(err, 0, sizeof(*err));

	enum mikey_status st = parse_thdr(&r, &ticket->payloads);
	if (st != MIKEY_OK)
		return st;

	st = parse_payloads(&r, ticket->payloads.item[0].next_payload, 0,
			    false, &ticket->payloads);
	if (st != MIKEY_OK)
		return st;

	ticket->len = r.off;
	ticket->trailing_bytes = len - r.off;
	if (ticket->trailing_bytes > 0)
		r.odd |= MIKEY_ODD_TRAILING_BYTES;
	ticket->odd = r.odd;
	return check_base_ticket_order(ticket, err);
}
