/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_H

/*
 * MIKEY-TICKET (RFC 6043) at the LI node: the results, alarms and policy
 * shared by the checks in this folder. lime taps TRANSFER_INIT (SDP offer)
 * and TRANSFER_RESP (SDP answer), resolves the ticket at the KMS as an LI
 * node and derives the SRTP keys the terminals derive. Men-in-the-middle
 * may change the MIKEY messages on the stretch lime taps and restore them
 * behind it, so lime verifies both messages itself before it trusts
 * anything in them. docs/mikey-li.md gives the order of the checks.
 *
 * No DPDK, sockets, threads or clock: callers pass the time in
 * microseconds since the Unix epoch (the capture time in --pcap mode).
 * Nothing here logs, and every buffer that held key material is wiped.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"

/* Length of a reason sentence, terminating NUL included. */
#define MIKEY_LI_REASON_LEN 192

/* SHA-256 of the Ticket Data: the key of reuse tracking and caches. */
#define MIKEY_LI_TICKET_HASH_LEN 32

/* Crypto sessions of one TRANSFER exchange that lime derives keys for. */
#define MIKEY_LI_MAX_STREAMS 16

/* A time value that stands for "not known". */
#define MIKEY_LI_TIME_NONE INT64_MIN

#define MIKEY_LI_US_PER_S INT64_C(1000000)

/* Outcome of a check. Each failure maps to one alarm kind. */
enum mikey_li_status {
	MIKEY_LI_OK = 0,
	MIKEY_LI_FORGED,          /* rejected before any KMS request */
	MIKEY_LI_AUTH_FAILED,     /* TRANSFER_INIT or TRANSFER_RESP fails its MAC */
	MIKEY_LI_TICKET_EXPIRED,  /* used outside TRs..TRe */
	MIKEY_LI_TICKET_REUSE,    /* used in more sessions than the J flag allows */
	MIKEY_LI_KMS_ERROR,       /* a MIKEY Error message or an unverifiable response */
	MIKEY_LI_UNUSABLE,        /* verified, but lime cannot derive keys from it */
	MIKEY_LI_INTERNAL,        /* OpenSSL or memory failure */
};

/* The message a failure is about. */
enum mikey_li_message {
	MIKEY_LI_MSG_NONE = 0,
	MIKEY_LI_MSG_TRANSFER_INIT,
	MIKEY_LI_MSG_TRANSFER_RESP,
	MIKEY_LI_MSG_RESOLVE_RESP,
};

/* A failure: its status, the message concerned and a sentence for the log
 * that never contains key material. */
struct mikey_li_failure {
	enum mikey_li_status status;
	enum mikey_li_message message;
	char reason[MIKEY_LI_REASON_LEN];
};

/* Deployment settings of the checks in this folder. */
struct mikey_li_policy {
	/* The KMS identity (IDRkms) the ticket's TP Data must name; NULL
	 * accepts any. */
	const char *kms_identity;
	/* The ticket key identifier (ID Data of IDRpsk) the Ticket Data must
	 * carry; NULL accepts any. */
	const uint8_t *ticket_key_id;
	size_t ticket_key_id_len;
	/* Largest distance between the T of a TRANSFER_INIT and lime's clock
	 * before the message counts as forged; 0 turns the check off. */
	int64_t max_clock_skew_us;
	/* Tolerance added on both ends of the ticket's TRs..TRe window. */
	int64_t validity_skew_us;
	/* Shortest RANDRi accepted, in bytes. */
	size_t min_rand_len;
	/*
	 * Whether SRTP packets carry the SPI of the key as MKI. The CS map
	 * names the key each crypto session starts with by its SPI, but
	 * RFC 3830 and RFC 6043 leave it to the profile whether the SPI also
	 * travels in SRTP packets as MKI.
	 */
	bool spi_is_mki;
};

/*
 * Fills the defaults: any KMS identity and ticket key, a clock skew and a
 * validity tolerance of 300 s (the reference KMS's default
 * max_clock_skew_s), RANDRi of at least 16 bytes (RFC 3830 recommends 128
 * bits of RAND), and no MKI in SRTP packets.
 */
void mikey_li_policy_init(struct mikey_li_policy *policy);

/* The alarm kind of a status ("mikey_forged", ...), or NULL for
 * MIKEY_LI_OK. MIKEY_LI_UNUSABLE and MIKEY_LI_INTERNAL leave media
 * undecryptable, so they map to "key_unavailable". */
const char *mikey_li_alarm_name(enum mikey_li_status status);

/* A short name of a status ("ok", "forged", ...), for logs and tests. */
const char *mikey_li_status_name(enum mikey_li_status status);

/* The name of a message ("TRANSFER_INIT", ...), or "-" for none. */
const char *mikey_li_message_name(enum mikey_li_message message);

/* Fills *fail and returns status, so checks can "return mikey_li_fail(...)". */
enum mikey_li_status mikey_li_fail(struct mikey_li_failure *fail,
				   enum mikey_li_status status,
				   enum mikey_li_message message,
				   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Writes SHA-256(Ticket Data) into hash. Returns false when OpenSSL fails. */
bool mikey_li_ticket_hash(const uint8_t *ticket_data, size_t len,
			  uint8_t hash[MIKEY_LI_TICKET_HASH_LEN]);

/*
 * Writes SHA-256 over the TICKET payload of msg from its Ticket Type field
 * to the end of its Ticket Data: the policy, TP Data and Ticket Data that
 * the KMS authenticates, without the Initiator Data. Keys resolved for one
 * TRANSFER_INIT apply to another only when this digest is the same.
 * Returns false when OpenSSL fails or the payload lies outside msg_len.
 */
bool mikey_li_ticket_digest(const uint8_t *msg, size_t msg_len,
			    const struct mikey_payload *ticket,
			    uint8_t digest[MIKEY_LI_TICKET_HASH_LEN]);

/* Writes the first 8 bytes of a ticket hash as hex, the name the
 * reference KMS gives a ticket in its logs. */
void mikey_li_ticket_name(const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
			  char out[17]);

#endif
