/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_EXCHANGE_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_EXCHANGE_H

/*
 * The steps behind mikey_li_call.h, shared by its verification
 * (mikey_li_verify.c) and derivation (mikey_li_derive.c) halves: a parsed
 * TRANSFER exchange and the media keys that verification leaves.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li_call.h"
#include "lib/mikey/mikey_kdf.h"

struct mikey_li_exchange {
	const struct mikey_li_transfer *x;
	const struct mikey_li_keys *keys;
	struct mikey_msg ti;
	struct mikey_msg tr;
	bool has_tr;
	struct mikey_slice randri;     /* of the TRANSFER_INIT */
	struct mikey_slice randrr;     /* of the TRANSFER_RESP; empty unless G */

	/* The ticket's TGKs forked into TGK' when the ticket forks, else its
	 * keys as the KMS gave them. */
	struct mikey_li_key ticket_keys[MIKEY_LI_MAX_KEYS];
	bool forked;
	/* Keys a terminal sent in the KEMAC of its TRANSFER message. */
	struct mikey_li_key init_keys[MIKEY_LI_MAX_KEYS];
	size_t n_init_keys;
	struct mikey_li_key resp_keys[MIKEY_LI_MAX_KEYS];
	size_t n_resp_keys;

	/* The keys crypto sessions may start with: the TRANSFER_RESP's, the
	 * TRANSFER_INIT's, then the ticket's. */
	const struct mikey_li_key *media[3 * MIKEY_LI_MAX_KEYS];
	size_t n_media;
};

/* Parses the TRANSFER_INIT into ex and verifies its V with MPKi. */
enum mikey_li_status mikey_li_exchange_verify_init(struct mikey_li_exchange *ex,
						   struct mikey_li_failure *fail);

/*
 * Parses and verifies the TRANSFER_RESP when there is one, forking the
 * keys first when the ticket requires it, and fills ex->media. Call after
 * mikey_li_exchange_verify_init().
 */
enum mikey_li_status mikey_li_exchange_verify_resp(struct mikey_li_exchange *ex,
						   struct mikey_li_failure *fail);

/* Derives the streams of a verified exchange into *out. */
enum mikey_li_status mikey_li_exchange_derive(const struct mikey_li_exchange *ex,
					      const struct mikey_li_policy *policy,
					      struct mikey_li_call_keys *out,
					      struct mikey_li_failure *fail);

/*
 * Decrypts the KEMAC of a verified TRANSFER message m, when it has one,
 * into out[0..*n): session keys the Initiator (L flag) or the Responder (M
 * flag) supplies. Its encr_key and salt_key come from inkey like the
 * message's auth_key (RFC 6043 5.1.2), and the AES-CM IV from the CSB ID
 * and the message's T.
 */
enum mikey_li_status mikey_li_exchange_read_kemac(const struct mikey_li_exchange *ex,
						  const struct mikey_msg *m,
						  enum mikey_ticket_direction dir,
						  const struct mikey_li_key *inkey,
						  enum mikey_li_message which,
						  struct mikey_li_key *out,
						  size_t *n,
						  struct mikey_li_failure *fail);

/* Overwrites the keys in ex. */
void mikey_li_exchange_wipe(struct mikey_li_exchange *ex);

#endif
