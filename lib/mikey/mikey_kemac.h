/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_KEMAC_H
#define LIME_MIKEY_KEMAC_H

/*
 * Encryption of the KEMAC Encr data field: NULL, AES-CM-128 (RFC 3830
 * 4.2.3), AES-KW-128 (RFC 3830 4.2.4, RFC 3394) and AES-CM-256 (RFC 6043
 * 6.2). The encr_key and salt_key come from mikey_kdf.h.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_prf.h"

#define MIKEY_AES_CM_SALT_LEN 14 /* 112-bit salt_key for AES-CM */
#define MIKEY_AES_KW_SALT_LEN 8  /* 64-bit salt_key, the AES-KW IV */
#define MIKEY_AES_BLOCK_LEN 16

/* Returns the encr_key length in bytes for an Encr alg (0 for NULL), or -1 if unknown. */
int mikey_encr_key_len(enum mikey_encr_alg alg);

/* Returns the salt_key length in bytes an Encr alg needs (0 for NULL), or -1 if unknown. */
int mikey_encr_salt_len(enum mikey_encr_alg alg);

/*
 * Converts a TS value to the 64-bit T used in the AES-CM IV. The NTP types
 * are used as they are. NTP-UTC-32 becomes seconds || 0x00000000 (zero
 * fraction, RFC 6043 6.3). COUNTER becomes 0x00000000 || counter.
 * value_len must match the type: 8 bytes, or 4 for COUNTER and NTP-UTC-32.
 */
int mikey_ts_to_t64(enum mikey_ts_type type, const uint8_t *value,
		    size_t value_len, uint64_t *t64);

/*
 * Builds the AES-CM IV of RFC 3830 4.2.3:
 * IV = (salt_key XOR (0x0000 || CSB ID || T)) || 0x0000.
 * salt_key is 14 bytes. Pass MIKEY_CSB_ID_NONE (0xFFFFFFFF) for a base ticket.
 */
int mikey_kemac_aes_cm_iv(const uint8_t *salt_key, size_t salt_key_len,
			  uint32_t csb_id, uint64_t t64,
			  uint8_t iv[MIKEY_AES_BLOCK_LEN]);

/*
 * Encrypts the plaintext key data sub-payloads into the Encr data field.
 * out must hold in_len bytes (in_len + 8 for AES-KW); *out_len receives
 * the length written. For NULL the data is copied. csb_id and t64 are used
 * only by AES-CM.
 */
int mikey_kemac_encrypt(enum mikey_encr_alg alg, const uint8_t *encr_key,
			size_t encr_key_len, const uint8_t *salt_key,
			size_t salt_key_len, uint32_t csb_id, uint64_t t64,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t out_cap, size_t *out_len);

/*
 * Decrypts the Encr data field. out must hold in_len bytes. For AES-KW
 * the integrity check of RFC 3394 runs and a failure returns
 * MIKEY_CRYPTO_EAUTH; AES-CM has no integrity check of its own, which is
 * why the KEMAC or V MAC must be verified before the keys are used.
 */
int mikey_kemac_decrypt(enum mikey_encr_alg alg, const uint8_t *encr_key,
			size_t encr_key_len, const uint8_t *salt_key,
			size_t salt_key_len, uint32_t csb_id, uint64_t t64,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t out_cap, size_t *out_len);

#endif
