/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

void mikey_li_policy_init(struct mikey_li_policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->max_clock_skew_us = 300 * MIKEY_LI_US_PER_S;
	policy->validity_skew_us = 300 * MIKEY_LI_US_PER_S;
	policy->min_rand_len = 16;
	policy->spi_is_mki = false;
}

const char *mikey_li_alarm_name(enum mikey_li_status status)
{
	switch (status) {
	case MIKEY_LI_OK:
		return NULL;
	case MIKEY_LI_FORGED:
		return "mikey_forged";
	case MIKEY_LI_AUTH_FAILED:
		return "mikey_auth_failed";
	case MIKEY_LI_TICKET_EXPIRED:
		return "ticket_expired";
	case MIKEY_LI_TICKET_REUSE:
		return "ticket_reuse";
	case MIKEY_LI_KMS_ERROR:
		return "kms_error";
	case MIKEY_LI_UNUSABLE:
	case MIKEY_LI_INTERNAL:
		return "key_unavailable";
	}
	return "key_unavailable";
}

const char *mikey_li_status_name(enum mikey_li_status status)
{
	switch (status) {
	case MIKEY_LI_OK:
		return "ok";
	case MIKEY_LI_FORGED:
		return "forged";
	case MIKEY_LI_AUTH_FAILED:
		return "auth_failed";
	case MIKEY_LI_TICKET_EXPIRED:
		return "ticket_expired";
	case MIKEY_LI_TICKET_REUSE:
		return "ticket_reuse";
	case MIKEY_LI_KMS_ERROR:
		return "kms_error";
	case MIKEY_LI_UNUSABLE:
		return "unusable";
	case MIKEY_LI_INTERNAL:
		return "internal";
	}
	return "unknown";
}

const char *mikey_li_message_name(enum mikey_li_message message)
{
	switch (message) {
	case MIKEY_LI_MSG_NONE:
		return "-";
	case MIKEY_LI_MSG_TRANSFER_INIT:
		return "TRANSFER_INIT";
	case MIKEY_LI_MSG_TRANSFER_RESP:
		return "TRANSFER_RESP";
	case MIKEY_LI_MSG_RESOLVE_RESP:
		return "RESOLVE_RESP";
	}
	return "-";
}

enum mikey_li_status mikey_li_fail(struct mikey_li_failure *fail,
				   enum mikey_li_status status,
				   enum mikey_li_message message,
				   const char *fmt, ...)
{
	va_list ap;

	if (fail == NULL)
		return status;
	fail->status = status;
	fail->message = message;
	va_start(ap, fmt);
	vsnprintf(fail->reason, sizeof(fail->reason), fmt, ap);
	va_end(ap);
	return status;
}

bool mikey_li_ticket_hash(const uint8_t *ticket_data, size_t len,
			  uint8_t hash[MIKEY_LI_TICKET_HASH_LEN])
{
	unsigned int hash_len = 0;

	return EVP_Digest(ticket_data, len, hash, &hash_len, EVP_sha256(),
			  NULL) == 1 &&
	       hash_len == MIKEY_LI_TICKET_HASH_LEN;
}

bool mikey_li_ticket_digest(const uint8_t *msg, size_t msg_len,
			    const struct mikey_payload *ticket,
			    uint8_t digest[MIKEY_LI_TICKET_HASH_LEN])
{
	size_t start = ticket->offset + 1;
	size_t end = ticket->u.ticket.initiator_data_len_offset;

	if (ticket->type != MIKEY_PT_TICKET || end < start || end > msg_len)
		return false;
	return mikey_li_ticket_hash(msg + start, end - start, digest);
}

void mikey_li_ticket_name(const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
			  char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", hash[i]);
}
