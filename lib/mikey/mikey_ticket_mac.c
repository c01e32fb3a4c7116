/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/mikey/mikey_ticket_mac.h"

static const struct mikey_payload *find_type(const struct mikey_msg *msg,
					     uint8_t type)
{
	for (size_t i = 0; i < msg->payloads.n; i++) {
		if (msg->payloads.item[i].type == type)
			return &msg->payloads.item[i];
	}
	return NULL;
}

static void add_range(struct mikey_mac_input *input, const uint8_t *data,
		      size_t len)
{
	if (input->n < MIKEY_MAC_INPUT_MAX_RANGES) {
		input->range[input->n].data = data;
		input->range[input->n].len = len;
		input->n++;
	}
}

/* Offset of the V payload's MAC field, checked against the buffer. */
static int v_mac_offset(const uint8_t *buf, size_t len,
			const struct mikey_msg *msg, size_t *offset)
{
	const struct mikey_payload *v = find_type(msg, MIKEY_PT_V);

	if (buf == NULL || v == NULL)
		return MIKEY_CRYPTO_EMSG;
	if (v->u.v.mac_offset > len || v->u.v.mac.len > len - v->u.v.mac_offset)
		return MIKEY_CRYPTO_EINVAL;
	*offset = v->u.v.mac_offset;
	return MIKEY_CRYPTO_OK;
}

int mikey_ticket_identity(const struct mikey_msg *msg, uint8_t id_role,
			  const struct mikey_slice *fallback,
			  struct mikey_slice *identity)
{
	if (msg == NULL || identity == NULL)
		return MIKEY_CRYPTO_EINVAL;

	for (size_t i = 0; i < msg->payloads.n; i++) {
		const struct mikey_payload *p = &msg->payloads.item[i];
		if (p->type == MIKEY_PT_IDR && p->u.id.role == id_role) {
			*identity = p->u.id.data;
			return MIKEY_CRYPTO_OK;
		}
	}

	if (fallback == NULL)
		return MIKEY_CRYPTO_EMSG;
	*identity = *fallback;
	return MIKEY_CRYPTO_OK;
}

int mikey_ticket_init_mac_input(const uint8_t *buf, size_t len,
				const struct mikey_msg *msg,
				struct mikey_slice identity1,
				struct mikey_slice identity2,
				struct mikey_mac_input *input)
{
	size_t mac_offset = 0;

	if (msg == NULL || input == NULL)
		return MIKEY_CRYPTO_EINVAL;
	int rc = v_mac_offset(buf, len, msg, &mac_offset);
	if (rc != MIKEY_CRYPTO_OK)
		return rc;
	input->n = 0;

	/* Only TRANSFER_INIT skips the Initiator Data, which the Initiator
	 * adds after computing the MAC (Vi in it is a copy of this V). */
	const struct mikey_payload *ticket = find_type(msg, MIKEY_PT_TICKET);
	if (msg->hdr.data_type == MIKEY_DT_TRANSFER_INIT && ticket != NULL) {
		size_t skip_start = ticket->u.ticket.initiator_data_len_offset;
		size_t skip_end = ticket->offset + ticket->len;
		if (skip_start > skip_end || skip_end > mac_offset)
			return MIKEY_CRYPTO_EINVAL;
		add_range(input, buf, skip_start);
		add_range(input, buf + skip_end, mac_offset - skip_end);
	} else {
		add_range(input, buf, mac_offset);
	}

	add_range(input, identity1.p, identity1.len);
	add_range(input, identity2.p, identity2.len);
	return MIKEY_CRYPTO_OK;
}

int mikey_ticket_resp_mac_input(const uint8_t *buf, size_t len,
				const struct mikey_msg *msg,
				struct mikey_slice initial,
				struct mikey_mac_input *input)
{
	size_t mac_offset = 0;

	if (msg == NULL || input == NULL || (initial.p == NULL && initial.len > 0))
		return MIKEY_CRYPTO_EINVAL;
	int rc = v_mac_offset(buf, len, msg, &mac_offset);
	if (rc != MIKEY_CRYPTO_OK)
		return rc;

	input->n = 0;
	add_range(input, buf, mac_offset);
	add_range(input, initial.p, initial.len);
	return MIKEY_CRYPTO_OK;
}

int mikey_psk_init_mac_input(const uint8_t *buf, size_t len,
			     const struct mikey_msg *msg,
			     struct mikey_mac_input *input)
{
	if (buf == NULL || msg == NULL || input == NULL)
		return MIKEY_CRYPTO_EINVAL;

	const struct mikey_payload *kemac = find_type(msg, MIKEY_PT_KEMAC);
	if (kemac == NULL)
		return MIKEY_CRYPTO_EMSG;
	if (kemac->u.kemac.mac_offset > len)
		return MIKEY_CRYPTO_EINVAL;

	input->n = 0;
	add_range(input, buf, kemac->u.kemac.mac_offset);
	return MIKEY_CRYPTO_OK;
}

int mikey_psk_resp_mac_input(const uint8_t *buf, size_t len,
			     const struct mikey_msg *msg,
			     struct mikey_slice identity_i,
			     struct mikey_slice identity_r,
			     struct mikey_slice initiator_t_value,
			     struct mikey_mac_input *input)
{
	size_t mac_offset = 0;

	if (msg == NULL || input == NULL)
		return MIKEY_CRYPTO_EINVAL;
	int rc = v_mac_offset(buf, len, msg, &mac_offset);
	if (rc != MIKEY_CRYPTO_OK)
		return rc;

	input->n = 0;
	add_range(input, buf, mac_offset);
	add_range(input, identity_i.p, identity_i.len);
	add_range(input, identity_r.p, identity_r.len);
	add_range(input, initiator_t_value.p, initiator_t_value.len);
	return MIKEY_CRYPTO_OK;
}

int mikey_ticket_verify_v(const struct mikey_msg *msg,
			  const struct mikey_mac_input *input,
			  const uint8_t *auth_key, size_t auth_key_len)
{
	if (msg == NULL || input == NULL)
		return MIKEY_CRYPTO_EINVAL;

	const struct mikey_payload *v = find_type(msg, MIKEY_PT_V);
	if (v == NULL)
		return MIKEY_CRYPTO_EMSG;
	if (v->u.v.auth_alg == MIKEY_MAC_NULL)
		return MIKEY_CRYPTO_EAUTH;

	return mikey_mac_verify((enum mikey_mac_alg)v->u.v.auth_alg, auth_key,
				auth_key_len, input->range, input->n,
				v->u.v.mac.p, v->u.v.mac.len);
}
