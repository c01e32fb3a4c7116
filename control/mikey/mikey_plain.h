/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_PLAIN_H
#define LIME_CONTROL_MIKEY_MIKEY_PLAIN_H

/*
 * SRTP keys of plain RFC 3830 MIKEY messages whose KEMAC is not
 * encrypted (Encr alg NULL), as some clients and media servers send in
 * pre-shared-key mode. The key data is then in clear in the SDP, so lime
 * needs no KMS. From a TGK lime derives the TEK and master salt of each
 * crypto session with the PRF of RFC 3830 section 4.1.3 (the HDR PRF
 * func, the CS ID, CSB ID and RAND of the message). A TEK is used as it
 * is. The SRTP policy comes from the SP payload the crypto session names,
 * the SSRC and ROC from the CS ID map (SRTP-ID or GENERIC-ID).
 *
 * NOTE: the KEMAC MAC or V payload of such a message is keyed from the
 * pre-shared key, which lime does not have, so lime cannot check it.
 * Keys from a message changed on the tapped stretch are taken as they
 * are, and the media then fails SRTP authentication at the workers.
 *
 * No DPDK, sockets or logging. Key buffers are wiped before returning.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_call.h"

/* The two a=key-mgmt:mikey messages of an offer/answer exchange. */
struct mikey_plain_exchange {
	const uint8_t *init;           /* from the SDP offer */
	size_t init_len;
	const uint8_t *resp;           /* from the SDP answer, NULL if none */
	size_t resp_len;
};

/*
 * Returns true when msg is a MIKEY message of RFC 3830 and its extensions
 * (data types 0 to 10: pre-shared key, public key, Diffie-Hellman, Error,
 * DHHMAC, RSA-R), as opposed to MIKEY-TICKET. Reads only the version and
 * data type bytes, so a message it accepts may still fail to parse.
 */
bool mikey_plain_is_plain(const uint8_t *msg, size_t len);

/*
 * Derives the keys of every crypto session of the exchange into *out. The
 * offer's message normally carries the keys. An answer with a KEMAC of
 * its own keys its own crypto sessions too, and an answer without one (a
 * PSK response) fills in the SSRCs the offer left 0. Returns MIKEY_LI_OK
 * when at least one crypto session is usable, with streams[i].why giving
 * the reason for each of the others. Otherwise returns MIKEY_LI_UNUSABLE
 * with the reason in fail: no KEMAC, an encrypted KEMAC, no crypto
 * session, or no usable key. *out then contains no key material.
 */
enum mikey_li_status mikey_plain_derive(const struct mikey_plain_exchange *x,
					struct mikey_li_call_keys *out,
					struct mikey_li_failure *fail);

#endif
