/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_TICKET_MAC_H
#define LIME_MIKEY_TICKET_MAC_H

/*
 * MAC inputs of MIKEY messages, as byte ranges over the received bytes.
 *
 * RFC 6043 5.5 (MIKEY-TICKET): the MAC covers the message up to its MAC
 * field, followed by
 *   REQUEST_INIT   Identity_i || Identity_kms
 *   TRANSFER_INIT  Identity_i || Identity_r, and the Initiator Data length
 *                  and Initiator Data fields of the TICKET are left out
 *   RESOLVE_INIT   Identity_r || Identity_kms
 *   *_RESP         the whole initial message, its MAC included
 * An identity is the ID Data of an IDR payload, not the whole payload.
 * The keys are the auth_key of mikey_derive_ticket_msg_key(): from the PSK
 * or envelope key for Request and Resolve, from MPKi for TRANSFER_INIT,
 * and from MPKi or the forked MPKr' for TRANSFER_RESP.
 *
 * RFC 3830: the PSK init message MAC (in KEMAC) covers the message up to
 * the MAC field; the verification message V covers the message up to its
 * MAC, then Identity_i || Identity_r || the initiator's T value.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_mac.h"

#define MIKEY_MAC_INPUT_MAX_RANGES 6

/* The MAC input: the concatenation of range[0..n). */
struct mikey_mac_input {
	struct mikey_byte_range range[MIKEY_MAC_INPUT_MAX_RANGES];
	size_t n;
};

/*
 * Returns the ID Data of the first IDR payload with this role in msg, or
 * fallback when the message has none. RFC 6043 lets IDRi/IDRr/IDRkms be
 * omitted when the identity is known otherwise (3GPP derives it from the
 * SIP To/From URIs), so the caller supplies that identity. Returns
 * MIKEY_CRYPTO_EMSG when both are missing.
 */
int mikey_ticket_identity(const struct mikey_msg *msg, uint8_t id_role,
			  const struct mikey_slice *fallback,
			  struct mikey_slice *identity);

/*
 * Builds the MAC input of an initial MIKEY-TICKET message (REQUEST_INIT_PSK,
 * TRANSFER_INIT, RESOLVE_INIT_PSK). identity1 and identity2 are, in order,
 * Identity_i and Identity_kms, Identity_i and Identity_r, or Identity_r and
 * Identity_kms. buf is the message msg was parsed from.
 */
int mikey_ticket_init_mac_input(const uint8_t *buf, size_t len,
				const struct mikey_msg *msg,
				struct mikey_slice identity1,
				struct mikey_slice identity2,
				struct mikey_mac_input *input);

/*
 * Builds the MAC input of a response (REQUEST_RESP, TRANSFER_RESP,
 * RESOLVE_RESP): the response up to its MAC field, then all of initial.
 */
int mikey_ticket_resp_mac_input(const uint8_t *buf, size_t len,
				const struct mikey_msg *msg,
				struct mikey_slice initial,
				struct mikey_mac_input *input);

/* RFC 3830 PSK init message: everything before the KEMAC MAC field. */
int mikey_psk_init_mac_input(const uint8_t *buf, size_t len,
			     const struct mikey_msg *msg,
			     struct mikey_mac_input *input);

/*
 * RFC 3830 PSK verification message: the message up to the V MAC, then
 * Identity_i || Identity_r || the TS value of the initiator's T payload.
 * NOTE: this order follows RFC 3830 section 5.2 as summarised in lime's
 * notes; no captured verification message has confirmed it yet.
 */
int mikey_psk_resp_mac_input(const uint8_t *buf, size_t len,
			     const struct mikey_msg *msg,
			     struct mikey_slice identity_i,
			     struct mikey_slice identity_r,
			     struct mikey_slice initiator_t_value,
			     struct mikey_mac_input *input);

/*
 * Verifies the V payload of msg over input with auth_key, in constant
 * time. Returns MIKEY_CRYPTO_OK, MIKEY_CRYPTO_EAUTH on a mismatch,
 * MIKEY_CRYPTO_EMSG when msg has no V payload, or MIKEY_CRYPTO_EAUTH for a
 * NULL Auth alg, which never authenticates a MIKEY-TICKET message.
 */
int mikey_ticket_verify_v(const struct mikey_msg *msg,
			  const struct mikey_mac_input *input,
			  const uint8_t *auth_key, size_t auth_key_len);

#endif
