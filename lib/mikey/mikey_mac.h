/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_MAC_H
#define LIME_MIKEY_MAC_H

/*
 * MIKEY MAC algorithms of the KEMAC and V payloads: HMAC-SHA-1-160
 * (RFC 3830 4.2.1) and HMAC-SHA-256-256 (RFC 6043 6.2). The MAC input is
 * a list of byte ranges so callers can skip the MAC field and append
 * identities without copying the message.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_prf.h"

#define MIKEY_MAC_MAX_LEN 32

/* One piece of a MAC input. */
struct mikey_byte_range {
	const uint8_t *data;
	size_t len;
};

/* Returns the MAC length in bytes (0 for NULL), or -1 for an unknown alg. */
int mikey_mac_len(enum mikey_mac_alg alg);

/* Returns the auth_key length the alg uses in bytes (20 or 32; 0 for NULL), or -1 if unknown. */
int mikey_mac_key_len(enum mikey_mac_alg alg);

/*
 * Computes the MAC over the concatenation of ranges into mac, which must
 * hold mikey_mac_len(alg) bytes. A NULL alg writes nothing and succeeds.
 */
int mikey_mac_compute(enum mikey_mac_alg alg, const uint8_t *key,
		      size_t key_len, const struct mikey_byte_range *ranges,
		      size_t range_count, uint8_t *mac, size_t mac_cap);

/*
 * Recomputes the MAC and compares it with expected in constant time.
 * Returns MIKEY_CRYPTO_OK on a match, MIKEY_CRYPTO_EAUTH on a mismatch or
 * a wrong expected_len. For MIKEY_MAC_NULL there is nothing to check: it
 * succeeds only when expected_len is 0, and callers decide whether a NULL
 * MAC is acceptable for the message at hand.
 */
int mikey_mac_verify(enum mikey_mac_alg alg, const uint8_t *key,
		     size_t key_len, const struct mikey_byte_range *ranges,
		     size_t range_count, const uint8_t *expected,
		     size_t expected_len);

#endif
