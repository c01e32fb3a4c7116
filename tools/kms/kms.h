/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_H
#define LIME_TOOLS_KMS_KMS_H

/*
 * The MIKEY-TICKET side of lime-kms (RFC 6043): one call takes a received
 * MIKEY message and returns the message to send back. No sockets, no
 * clock: the caller passes the time, so tests and the fuzz harness drive
 * it directly. docs/kms-interface.md specifies the exchanges.
 */

#include <stddef.h>
#include <stdint.h>

#include "tools/kms/kms_config.h"

/* Maximum size in bytes of a MIKEY message received or sent. */
#define KMS_MESSAGE_MAX 65536

/* Bytes of the ticket key identifier carried in the IDRpsk of a ticket. */
#define KMS_TICKET_KEY_ID_LEN 8

struct kms_stats {
	uint64_t exchanges_ok;
	uint64_t exchanges_failed;     /* failed with a MIKEY Error message */
	uint64_t not_mikey;            /* bodies that are not a MIKEY message */
	uint64_t reports_stored;       /* key reports stored or completed */
	uint64_t reports_duplicate;    /* key reports equal to a stored one */
	uint64_t reports_conflicting;  /* rejected: other messages stored first */
	uint64_t fetches_found;        /* LI fetches that returned a report */
	uint64_t fetches_not_reported; /* LI fetches that got KMS_ERRNO_NOT_REPORTED */
};

struct kms_report_store;

struct kms {
	const struct kms_config *cfg;
	uint8_t ticket_key[KMS_TICKET_KEY_BYTES];      /* the TPK */
	uint8_t ticket_key_id[KMS_TICKET_KEY_ID_LEN];
	struct kms_stats stats;
	struct kms_report_store *reports;   /* key reports of terminals */
};

/*
 * Sets up the context. The TPK comes from ticket_key_hex, or is generated
 * when the configuration has none. Returns 0, or -1 when the random number
 * generator or HMAC fails or the key report store cannot be allocated.
 */
int kms_init(struct kms *kms, const struct kms_config *cfg);

/* Wipes the keys and frees the key reports. */
void kms_fini(struct kms *kms);

enum kms_exchange_result {
	KMS_EXCHANGE_RESPONDED,     /* out contains a response or Error message */
	KMS_EXCHANGE_NOT_MIKEY,    /* the input is not a MIKEY message */
};

/*
 * Handles one MIKEY message: REQUEST_INIT_PSK or RESOLVE_INIT_PSK, the
 * latter also as a key report or report fetch. now_us
 * is the KMS clock in microseconds since the Unix epoch, clock_offset_s
 * included; peer names the client in the log line. out needs
 * KMS_MESSAGE_MAX bytes. Logs one line per exchange, never key material.
 */
enum kms_exchange_result kms_exchange(struct kms *kms, const uint8_t *msg,
				      size_t len, int64_t now_us,
				      const char *peer, uint8_t *out,
				      size_t cap, size_t *out_len);

#endif
