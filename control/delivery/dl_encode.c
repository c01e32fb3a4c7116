/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_encode.h"

#include <string.h>

static size_t capacity(const struct delivery_record *rec)
{
	size_t extra = rec->payload_len;

	if (rec->channel == DELIVERY_HI2 && rec->alarm_kind != NULL)
		extra += strlen(rec->alarm_kind) + sizeof(rec->alarm_reason);
	return ETSI_PDU_OVERHEAD_MAX + extra;
}

static int encode_into(const struct etsi_header *hdr,
		       const struct delivery_record *rec, uint8_t *out,
		       size_t cap, size_t *len)
{
	if (rec->channel == DELIVERY_HI3)
		return etsi_encode_cc(hdr, rec->direction, rec->payload,
				      rec->payload_len, out, cap, len);
	if (rec->alarm_kind != NULL) {
		/* The caller's reason may fill its array without a NUL. */
		char reason[sizeof(rec->alarm_reason) + 1];
		size_t reason_len = strnlen(rec->alarm_reason, sizeof(rec->alarm_reason));

		memcpy(reason, rec->alarm_reason, reason_len);
		reason[reason_len] = '\0';

		struct etsi_alarm alarm = {
			.kind = rec->alarm_kind,
			.reason = reason,
			.call_id = rec->payload,
			.call_id_len = rec->payload_len,
			.seconds = hdr->seconds,
			.microseconds = hdr->microseconds,
		};

		return etsi_encode_alarm(hdr, &alarm, out, cap, len);
	}
	return etsi_encode_iri_sip(hdr, rec->iri_type, &rec->src, &rec->dst,
				   rec->payload, rec->payload_len, out, cap, len);
}

struct dl_record *dl_encode(const struct etsi_agency *agency,
			    const struct delivery_record *rec, uint32_t seq,
			    int *status)
{
	size_t liid_len = strnlen(rec->liid, sizeof(rec->liid));
	struct etsi_header hdr = {
		.agency = agency,
		.liid = rec->liid,
		.cin = rec->cin,
		.seq = seq,
		.seconds = rec->ts_us / 1000000,
		.microseconds = (uint32_t)(rec->ts_us % 1000000),
	};

	/* The LIID must be NUL-terminated within its array. */
	if (liid_len == 0 || liid_len > ETSI_LIID_MAX) {
		*status = ETSI_ERR_INVALID;
		return NULL;
	}

	struct dl_record *out = dl_record_new(capacity(rec));
	size_t len = 0;

	if (out == NULL) {
		*status = ETSI_ERR_SPACE;
		return NULL;
	}
	*status = encode_into(&hdr, rec, out->pdu, out->len, &len);
	if (*status != ETSI_OK) {
		dl_record_unref(out);
		return NULL;
	}
	out = dl_record_shrink(out, len);
	out->channel = (uint8_t)rec->channel;
	dl_record_set_liid(out, rec->liid, liid_len);
	return out;
}
