/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_SOURCED_H
#define LIME_CONTROL_MIKEY_SOURCED_H

/*
 * KMS-sourced keys of MIKEY-TICKET calls (kms.mode kms_sourced or both).
 * After the ticket's LI resolution, the exchange tapped from the
 * signalling is verified and derived as in signalling mode. The
 * terminals' key report is fetched from the KMS by ticket hash and CSB
 * ID. The reported TRANSFER_INIT and TRANSFER_RESP are verified and
 * derived with the same ticket keys, the two sets of keys are compared
 * (keys_mismatch when they differ), and the mode picks the keys the
 * streams get. docs/mikey-li.md states the rules.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li_precheck.h"
#include "control/mikey/mikey_li_resolve.h"

struct control;

enum mikey_keys_mode {
	MIKEY_KEYS_SIGNALLING,     /* keys from the tapped exchange only */
	MIKEY_KEYS_KMS_SOURCED,    /* keys from the key report, cross-checked with the signalling */
	MIKEY_KEYS_BOTH,           /* keys from the signalling, else the report, cross-checked */
};

/* Maps kms.mode ("signalling" when NULL) to the mode. */
enum mikey_keys_mode mikey_keys_mode_of(const char *text);

/* An answered exchange as mikey_keys.c keeps it. The callee copies it. */
struct mikey_sourced_exchange {
	const char *call_id;
	const uint8_t *ti;
	size_t ti_len;
	const uint8_t *tr;          /* NULL when the answer had none */
	size_t tr_len;
	const char *from;           /* addr-specs of From and To of the offer */
	const char *to;
	int64_t ts_us;
	const struct mikey_li_precheck *pc;
	const uint32_t *stream_ids;
	const uint32_t *generations;
	unsigned n_streams;
	const uint32_t *liid_ids;
	const uint64_t *cins;
	unsigned n_liids;
};

/* Starts the report fetching and sets c->mikey.sourced when kms.mode is
 * not signalling. Returns -1 after logging when the KMS client fails to
 * start. */
int mikey_sourced_init(struct control *c);

/* Waits for the fetches in flight, completes every exchange and stops. */
void mikey_sourced_free(struct control *c);

/*
 * Takes over an exchange whose ticket keys lime has: checks the tapped
 * messages, fetches the key report, and keys the streams when the KMS
 * response is in.
 */
void mikey_sourced_finish(struct control *c, const struct mikey_sourced_exchange *x,
			  const struct mikey_li_keys *keys);

/* Takes the KMS responses that arrived and sends the fetches due again.
 * Returns how many responses it took. */
unsigned mikey_sourced_poll(struct control *c);

#endif
