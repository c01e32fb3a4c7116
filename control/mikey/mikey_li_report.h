/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_REPORT_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_REPORT_H

/*
 * Fetching a terminal's key report from the KMS as an LI node (the key
 * report extension of docs/kms-interface.md):
 *
 *   lime -> KMS   RESOLVE_INIT_PSK  HDR, T, RANDRr, IDRr, IDRkms,
 *                                   EXT 252 (ticket hash || CSB ID), V
 *   KMS -> lime   RESOLVE_RESP      HDR, T, IDRkms, EXT 250 (TRANSFER_INIT),
 *                                   [EXT 251 (TRANSFER_RESP)], EXT 253, V
 *
 * Both are protected like a Ticket Resolve with keys from this node's
 * PSK (RFC 6043 5.1.2), and the response is used only after its V verifies.
 * The reported messages are then checked like tapped ones
 * (mikey_li_call.h) with the keys of the ticket's LI resolution.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_resolve.h"

/* The reported exchange; the slices point into the KMS response. */
struct mikey_li_report {
	struct mikey_slice ti;
	struct mikey_slice tr;          /* empty when not reported */
	uint8_t reporter_role;          /* KMS_REPORTER_INITIATOR or _RESPONDER */
};

/*
 * Builds the fetch of the report stored under the ticket hash and CSB ID
 * of a tapped TRANSFER_INIT, stamped with kms_clock_us (the wall clock).
 * Fills *req for mikey_li_read_fetch().
 */
enum mikey_li_status mikey_li_build_fetch(const struct mikey_li_node *node,
					  const uint8_t ticket_hash[MIKEY_LI_TICKET_HASH_LEN],
					  uint32_t csb_id, int64_t kms_clock_us,
					  uint8_t *out, size_t cap, size_t *len,
					  struct mikey_li_resolve_request *req,
					  struct mikey_li_failure *fail);

/*
 * Reads the KMS response to the fetch msg[0..msg_len): checks data type, CSB
 * ID, PRF func and IDRkms, verifies V, and points *report at the reported
 * messages. An Error message gives MIKEY_LI_KMS_ERROR with its number in
 * *kms_error_no (KMS_ERRNO_NOT_REPORTED: nothing stored yet); any other
 * failure sets *kms_error_no to -1.
 */
enum mikey_li_status mikey_li_read_fetch(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 const uint8_t *msg, size_t msg_len,
					 const uint8_t *resp, size_t resp_len,
					 struct mikey_li_report *report,
					 int *kms_error_no,
					 struct mikey_li_failure *fail);

#endif
