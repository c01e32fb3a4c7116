/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Input from an agency: PS-PDUs split from the byte stream and decoded
 * strictly. A keep-aliveResponse clears the outstanding keep-alive, and a
 * keep-alive gets a keep-aliveResponse. Other PDUs are logged and ignored.
 * Bytes that do not decode close the connection, which loses no record,
 * because unconfirmed records are sent again on the next connection.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

static int append_rx(struct dl_conn *c, const uint8_t *data, size_t len)
{
	if (c->rx_len + len > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 4096;

		while (cap < c->rx_len + len)
			cap *= 2;
		uint8_t *rx = realloc(c->rx, cap);
		if (rx == NULL)
			return -1;
		c->rx = rx;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, data, len);
	c->rx_len += len;
	return 0;
}

static void bad_input(struct dl_conn *c, const char *description)
{
	dl_stat_add(&c->ch->d->stats.bad_responses, 1);
	LOG_ERR("%s: %s sent %s; closing the connection", c->ch->label,
		c->peer, description);
}

static const char *kind_name(enum etsi_payload_kind kind)
{
	switch (kind) {
	case ETSI_PAYLOAD_IRI:
		return "IRI";
	case ETSI_PAYLOAD_ALARM:
		return "alarm";
	case ETSI_PAYLOAD_CC:
		return "CC";
	default:
		return "TRI";
	}
}

static int handle_pdu(struct dl_conn *c, const struct etsi_pdu *pdu)
{
	switch (pdu->kind) {
	case ETSI_PAYLOAD_KEEPALIVE_RESPONSE:
		dl_keepalive_response(c, pdu->seq);
		return 0;
	case ETSI_PAYLOAD_KEEPALIVE:
		return dl_keepalive_answer(c, pdu->seq);
	default:
		LOG_WARN("%s: %s sent an %s PS-PDU with LIID %.*s; ignored",
			 c->ch->label, c->peer, kind_name(pdu->kind),
			 (int)pdu->liid.len, (const char *)pdu->liid.p);
		return 0;
	}
}

int dl_conn_handle_input(struct dl_conn *c, const uint8_t *data, size_t len)
{
	size_t used = 0;

	if (append_rx(c, data, len) != 0) {
		LOG_ERR("%s: out of memory for input from %s", c->ch->label, c->peer);
		return -1;
	}
	while (used < c->rx_len &&
	       (c->state == DL_CONN_UP || c->state == DL_CONN_FINISHING)) {
		size_t pdu_len;
		int rc = etsi_pdu_length(c->rx + used, c->rx_len - used,
					 DL_MAX_INBOUND_PDU, &pdu_len);

		if (rc == ETSI_NEED_MORE ||
		    (rc == ETSI_OK && pdu_len > c->rx_len - used))
			break;
		if (rc != ETSI_OK) {
			char description[96];

			snprintf(description, sizeof(description),
				 "bytes that do not start a PS-PDU (first byte 0x%02x, %s)",
				 c->rx[used], etsi_status_text(rc));
			bad_input(c, description);
			return -1;
		}

		struct etsi_pdu pdu;
		struct etsi_error err;

		if (etsi_decode(c->rx + used, pdu_len, &pdu, &err) != ETSI_OK) {
			char description[ETSI_ERROR_MAX + 48];

			snprintf(description, sizeof(description), "an invalid PS-PDU (%s at offset %zu)",
				 err.text, err.offset);
			bad_input(c, description);
			return -1;
		}
		if (handle_pdu(c, &pdu) != 0)
			return -1;
		used += pdu_len;
	}
	memmove(c->rx, c->rx + used, c->rx_len - used);
	c->rx_len -= used;
	return 0;
}
