/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_PRF_H
#define LIME_MIKEY_PRF_H

/*
 * The MIKEY pseudorandom function of RFC 3830 section 4.1.2, with
 * HMAC-SHA-1 (MIKEY_PRF_MIKEY_1) and the HMAC-SHA-256 variant that
 * RFC 6043 section 6.1 adds (MIKEY_PRF_HMAC_SHA_256). enum mikey_prf_func
 * comes from the codec header mikey.h.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"

/* Results of the MIKEY crypto functions (lib/mikey/mikey_*.c outside the codec). */
enum mikey_crypto_status {
	MIKEY_CRYPTO_OK = 0,
	MIKEY_CRYPTO_EINVAL = -1,      /* invalid argument: NULL, zero or too long */
	MIKEY_CRYPTO_EUNSUPPORTED = -2, /* algorithm code point not implemented */
	MIKEY_CRYPTO_ELIBCRYPTO = -3,  /* an OpenSSL call failed */
	MIKEY_CRYPTO_EAUTH = -4,       /* MAC or key-wrap integrity check failed */
	MIKEY_CRYPTO_ENOSPC = -5,      /* output buffer too small */
	MIKEY_CRYPTO_EMSG = -6,        /* message lacks a field the operation needs */
};

/* Size of the inkey chunks: 256 bits for both PRF funcs. */
#define MIKEY_PRF_CHUNK_LEN 32

/* Largest HMAC output (SHA-256) in bytes. */
#define MIKEY_HMAC_MAX_LEN 32

/* A short English text for a status code, for log messages. */
const char *mikey_crypto_strerror(int status);

/*
 * Computes PRF(inkey, label) into outkey (outkey_len bytes). The inkey is
 * split into 256-bit chunks (the last may be shorter), the P-function runs
 * on each chunk and the results are XORed, so any inkey_len >= 1 and any
 * outkey_len >= 1 are valid. Lengths are in bytes, not bits.
 * Returns MIKEY_CRYPTO_OK or a negative enum mikey_crypto_status.
 */
int mikey_prf(enum mikey_prf_func prf, const uint8_t *inkey, size_t inkey_len,
	      const uint8_t *label, size_t label_len, uint8_t *outkey,
	      size_t outkey_len);

/* Returns the HMAC output length of a PRF func in bytes, or 0 if unknown. */
size_t mikey_prf_hash_len(enum mikey_prf_func prf);

#endif
