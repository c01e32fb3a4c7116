/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_TICKET_H
#define LIME_TOOLS_KMS_KMS_TICKET_H

/*
 * MIKEY base tickets (RFC 6043 Appendix A: ticket type 1, subtype 1,
 * version 1) protected with the KMS's ticket protection key (TPK).
 *
 * TP Data:     IDRkms, IDRi, TRs, TRe, then one IDRr per permitted
 *              responder (none: any user of this KMS)
 * Ticket Data: THDR (empty), T, RAND, KEMAC, IDRpsk, V
 *   KEMAC  AES-CM Encr data of MPK || TGKs or TEKs, NULL MAC, with the
 *          encr_key and salt_key that A.2.1 derives from the TPK and RAND,
 *          and CSB ID 0xFFFFFFFF in the IV
 *   IDRpsk ID type byte string: the ticket key identifier
 *   V      HMAC-SHA-256-256 with the TPK auth_key over the TICKET payload
 *          from its Ticket Type field to the MAC, Next Payload excluded
 *
 * NOTE: only this KMS and lime's MIKEY parser have read these tickets. No
 * other RFC 6043 implementation has checked the layout, so the empty THDR
 * Data, too, is unconfirmed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "tools/kms/kms.h"
#include "tools/kms/kms_internal.h"
#include "tools/kms/kms_keys.h"

#define KMS_TP_DATA_MAX 16384
#define KMS_TICKET_DATA_MAX 2048
#define KMS_TICKET_RAND_LEN 16

/*
 * Maximum IDRr entries in a ticket: lime's MIKEY parser reads chains of at
 * most 32 payloads (MIKEY_MAX_PAYLOADS), and the TP Data also contains
 * IDRkms, IDRi, TRs and TRe.
 */
#define KMS_MAX_TICKET_RESPONDERS (MIKEY_MAX_PAYLOADS - 4)

/* Policy that the KMS grants in a ticket. */
struct kms_grant {
	uint8_t prf_func;          /* TP PRF func: forking and A.2 derivations */
	uint16_t flags;            /* enum mikey_tp_flag bits */
	int64_t trs_us;
	int64_t tre_us;
	struct mikey_slice initiator;
	struct mikey_slice responders[KMS_MAX_TICKET_RESPONDERS];
	size_t n_responders;
};

/* A ticket made by kms_ticket_issue(). */
struct kms_issued_ticket {
	struct mikey_ticket_policy policy;     /* tp_data points into tp_data */
	uint8_t tp_data[KMS_TP_DATA_MAX];
	uint8_t ticket_data[KMS_TICKET_DATA_MAX];
	size_t ticket_data_len;
	uint8_t rand[KMS_TICKET_RAND_LEN];
	char hash[2 * 8 + 1];
};

/* A received ticket after kms_ticket_open(). Slices point into the
 * message it came in. */
struct kms_ticket {
	struct mikey_ticket_policy policy;
	struct mikey_chain tp;
	struct mikey_base_ticket td;
	struct mikey_slice rand;
	struct mikey_slice initiator;          /* empty when the TP Data has no IDRi */
	bool has_trs;
	bool has_tre;
	int64_t trs_us;
	int64_t tre_us;
	struct kms_key_set keys;
	char hash[2 * 8 + 1];
};

/* Builds the TP Data and Ticket Data of a new ticket. */
int kms_ticket_issue(const struct kms *kms, const struct kms_grant *grant,
		     const struct kms_key_set *keys, int64_t now_us,
		     struct kms_issued_ticket *t, struct kms_fail *fail);

/*
 * Checks that a TICKET payload of the message in buf is a base ticket this
 * KMS issued (IDRkms, ticket key identifier, V MAC), then decrypts its
 * keys. Every failure is MIKEY error 14 (Invalid TICKET).
 */
int kms_ticket_open(const struct kms *kms, const uint8_t *buf, size_t len,
		    const struct mikey_payload *ticket, struct kms_ticket *t,
		    struct kms_fail *fail);

/* Whether the ticket lets this responder resolve it: its TP Data lists
 * no IDRr, or one with this ID Data. */
bool kms_ticket_permits(const struct kms_ticket *t, struct mikey_slice identity);

/* Wipes the decrypted keys. */
void kms_ticket_close(struct kms_ticket *t);

/* Writes the hex of the first 8 bytes of SHA-256(Ticket Data). */
void kms_ticket_hash(const uint8_t *ticket_data, size_t len, char hex[2 * 8 + 1]);

/* Computes the ticket key identifier that IDRpsk carries:
 * HMAC-SHA-256(TPK, "lime-kms ticket key id"), first 8 bytes. */
int kms_ticket_key_id(const uint8_t tpk[KMS_TICKET_KEY_BYTES],
		      uint8_t id[KMS_TICKET_KEY_ID_LEN]);

#endif
