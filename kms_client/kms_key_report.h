/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_KMS_KEY_REPORT_H
#define LIME_KMS_CLIENT_KMS_KEY_REPORT_H

/*
 * Wire values of the key report extension of the KMS interface
 * (docs/kms-interface.md, "Key reports"): a terminal reports the
 * TRANSFER_INIT and TRANSFER_RESP of a crypto session bundle to the KMS,
 * and an LI node fetches them by ticket hash and CSB ID. Both exchanges
 * travel as RESOLVE_INIT_PSK / RESOLVE_RESP. A General Extension payload
 * of one of these types distinguishes them from a Ticket Resolve.
 *
 * NOTE: these General Extension types and the error number are not
 * assigned by IANA. lime, lime-kms and lime-callgen use them among
 * themselves only.
 */

/* General Extension types (payload type 21). */
#define KMS_EXT_REPORTED_INIT 250  /* a reported TRANSFER_INIT, whole */
#define KMS_EXT_REPORTED_RESP 251  /* a reported TRANSFER_RESP, whole */
#define KMS_EXT_REPORT_LOOKUP 252  /* ticket hash (32 bytes) || CSB ID (4 bytes) */
#define KMS_EXT_REPORT_INFO 253    /* reporter role (1 byte) || NTP-UTC time (8 bytes) */

/* ERR payload: no report is stored under the lookup key (yet). */
#define KMS_ERRNO_NOT_REPORTED 250

#define KMS_REPORT_HASH_LEN 32     /* SHA-256 of the Ticket Data */
#define KMS_REPORT_LOOKUP_LEN (KMS_REPORT_HASH_LEN + 4)
#define KMS_REPORT_INFO_LEN 9

/* Reporter roles in KMS_EXT_REPORT_INFO. */
#define KMS_REPORTER_INITIATOR 1
#define KMS_REPORTER_RESPONDER 2

#endif
