/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_MIKEY_INTERNAL_H
#define LIME_TOOLS_CALLGEN_MIKEY_INTERNAL_H

/* Steps shared by the KMS exchanges and the TRANSFER exchange. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_mac.h"
#include "tools/callgen/mikey_ticket.h"

/* The PRF func and V Auth alg of every message this tool builds. */
#define CG_MIKEY_PRF MIKEY_PRF_HMAC_SHA_256
#define CG_MIKEY_AUTH_ALG MIKEY_MAC_HMAC_SHA_256_256

/* Fills *fail and returns -1. */
int cg_mikey_fail(struct cg_mikey_failure *fail, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The 64-bit NTP-UTC value of a T payload for a capture time. */
uint64_t cg_mikey_ntp_utc(int64_t unix_us);

/* The random values that key a MIKEY-TICKET message (RFC 6043 5.1.2). */
struct cg_mikey_rands {
	const uint8_t *randri;     /* NULL when omitted */
	size_t randri_len;
	const uint8_t *randrr;
	size_t randrr_len;
};

/* Derives the auth_key of a message for the V Auth alg this tool uses. */
int cg_mikey_auth_key(uint8_t prf, enum mikey_ticket_direction direction,
		      const uint8_t *inkey, size_t inkey_len, uint32_t csb_id,
		      const struct cg_mikey_rands *rands, uint8_t *key,
		      size_t *key_len);

/*
 * Fills in the V MAC of a message built with a zero MAC. An initial
 * message (REQUEST_INIT_PSK, TRANSFER_INIT, RESOLVE_INIT_PSK) covers
 * identity1 and identity2 after itself; a response covers the whole
 * initial message.
 */
int cg_mikey_sign(uint8_t *buf, size_t len, const struct mikey_slice *initial,
		  struct mikey_slice identity1, struct mikey_slice identity2,
		  const uint8_t *auth_key, size_t key_len,
		  struct cg_mikey_failure *fail);

/* Checks the V MAC of a parsed message the same way. */
int cg_mikey_verify(const uint8_t *buf, size_t len, const struct mikey_msg *m,
		    const struct mikey_slice *initial, struct mikey_slice identity1,
		    struct mikey_slice identity2, const uint8_t *auth_key,
		    size_t key_len, const char *what, struct cg_mikey_failure *fail);

/* The payload of this type, or a failure naming the message. */
const struct mikey_payload *cg_mikey_require(const struct mikey_msg *m,
					     uint8_t type, const char *what,
					     struct cg_mikey_failure *fail);

struct mikey_slice cg_mikey_text(const char *s);

#endif
