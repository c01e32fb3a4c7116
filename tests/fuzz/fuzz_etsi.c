/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the PS-PDU decoder. The input is decoded whole,
 * and also split as a TCP byte stream with etsi_pdu_length(), decoding
 * each PDU found. It aborts when a decoded byte string points outside the
 * input, or when etsi_decode() accepts bytes that etsi_pdu_length() does
 * not measure as exactly one PDU.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/etsi/etsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless ok, so that libFuzzer saves the input as a crash. */
static void require(bool ok)
{
	if (!ok)
		abort();
}

static void require_inside(const struct etsi_bytes *b, const uint8_t *data,
			   size_t size)
{
	if (b->len == 0)
		return;
	require(b->p >= data && b->len <= size &&
		(size_t)(b->p - data) <= size - b->len);
}

static void check_decoded(const struct etsi_pdu *pdu, const uint8_t *data,
			  size_t size)
{
	require_inside(&pdu->liid, data, size);
	require_inside(&pdu->operator_id, data, size);
	require_inside(&pdu->network_element_id, data, size);
	require_inside(&pdu->generalized_time, data, size);
	require_inside(&pdu->sip, data, size);
	require_inside(&pdu->alarm_kind, data, size);
	require_inside(&pdu->alarm_reason, data, size);
	require_inside(&pdu->alarm_call_id, data, size);
	require_inside(&pdu->cc_content, data, size);
	require(pdu->microseconds < 1000000);
	require(pdu->liid.len >= 1 && pdu->liid.len <= ETSI_LIID_MAX);
}

static void decode_one(const uint8_t *data, size_t size)
{
	struct etsi_pdu pdu;
	struct etsi_error err;
	size_t pdu_len;

	if (etsi_decode(data, size, &pdu, &err) != ETSI_OK) {
		require(err.offset <= size);
		return;
	}
	check_decoded(&pdu, data, size);
	require(etsi_pdu_length(data, size, size, &pdu_len) == ETSI_OK);
	require(pdu_len == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	decode_one(data, size);
	while (pos < size) {
		size_t pdu_len;
		int rc = etsi_pdu_length(data + pos, size - pos,
					 ETSI_PDU_DEFAULT_MAX, &pdu_len);
		if (rc != ETSI_OK)
			break;
		require(pdu_len >= 2 && pdu_len <= ETSI_PDU_DEFAULT_MAX);
		if (pdu_len > size - pos)
			break;
		decode_one(data + pos, pdu_len);
		pos += pdu_len;
	}
	return 0;
}
