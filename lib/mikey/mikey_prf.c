/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY PRF (RFC 3830 section 4.1.2, RFC 6043 section 6.1):
 *
 *   P(s, label, m) = HMAC(s, A_1 || label) || ... || HMAC(s, A_m || label)
 *   A_0 = label, A_i = HMAC(s, A_{i-1})
 *   PRF(inkey, label) = P(s_1, label, m) XOR ... XOR P(s_n, label, m)
 *
 * where s_1..s_n are the 256-bit chunks of the inkey and m is the number of
 * HMAC blocks that cover outkey_len.
 */

#include "lib/mikey/mikey_prf.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

const char *mikey_crypto_strerror(int status)
{
	switch (status) {
	case MIKEY_CRYPTO_OK:
		return "success";
	case MIKEY_CRYPTO_EINVAL:
		return "invalid argument";
	case MIKEY_CRYPTO_EUNSUPPORTED:
		return "algorithm not supported";
	case MIKEY_CRYPTO_ELIBCRYPTO:
		return "OpenSSL call failed";
	case MIKEY_CRYPTO_EAUTH:
		return "integrity check failed";
	case MIKEY_CRYPTO_ENOSPC:
		return "output buffer too small";
	case MIKEY_CRYPTO_EMSG:
		return "message lacks a required field";
	default:
		return "unknown error";
	}
}

size_t mikey_prf_hash_len(enum mikey_prf_func prf)
{
	switch (prf) {
	case MIKEY_PRF_MIKEY_1:
		return 20;
	case MIKEY_PRF_HMAC_SHA_256:
		return 32;
	default:
		return 0;
	}
}

static const char *prf_digest_name(enum mikey_prf_func prf)
{
	switch (prf) {
	case MIKEY_PRF_MIKEY_1:
		return OSSL_DIGEST_NAME_SHA1;
	case MIKEY_PRF_HMAC_SHA_256:
		return OSSL_DIGEST_NAME_SHA2_256;
	default:
		return NULL;
	}
}

/* Computes HMAC(key, part1 || part2) into out. part2 may be empty. */
static int hmac_two_parts(EVP_MAC_CTX *ctx, const char *digest,
			  const uint8_t *key, size_t key_len,
			  const uint8_t *part1, size_t part1_len,
			  const uint8_t *part2, size_t part2_len,
			  uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[2];
	size_t written = 0;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();

	/* The key is passed on every call because OpenSSL treats a NULL key
	 * as "keep the previous one", which would hide a caller mistake. */
	if (EVP_MAC_init(ctx, key, key_len, params) != 1)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	if (part1_len > 0 && EVP_MAC_update(ctx, part1, part1_len) != 1)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	if (part2_len > 0 && EVP_MAC_update(ctx, part2, part2_len) != 1)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	if (EVP_MAC_final(ctx, out, &written, out_len) != 1 || written != out_len)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	return MIKEY_CRYPTO_OK;
}

/* XORs P(chunk, label, m) into outkey, truncated to outkey_len. */
static int xor_p_function(EVP_MAC_CTX *ctx, const char *digest, size_t hash_len,
			  const uint8_t *chunk, size_t chunk_len,
			  const uint8_t *label, size_t label_len,
			  uint8_t *outkey, size_t outkey_len)
{
	uint8_t a[MIKEY_HMAC_MAX_LEN];
	uint8_t block[MIKEY_HMAC_MAX_LEN];
	int rc = MIKEY_CRYPTO_OK;

	for (size_t offset = 0; offset < outkey_len; offset += hash_len) {
		/* A_1 = HMAC(s, label), later A_i = HMAC(s, A_{i-1}). */
		if (offset == 0)
			rc = hmac_two_parts(ctx, digest, chunk, chunk_len, label,
					    label_len, NULL, 0, a, hash_len);
		else
			rc = hmac_two_parts(ctx, digest, chunk, chunk_len, a,
					    hash_len, NULL, 0, a, hash_len);
		if (rc != MIKEY_CRYPTO_OK)
			break;

		rc = hmac_two_parts(ctx, digest, chunk, chunk_len, a, hash_len,
				    label, label_len, block, hash_len);
		if (rc != MIKEY_CRYPTO_OK)
			break;

		size_t take = outkey_len - offset;
		if (take > hash_len)
			take = hash_len;
		for (size_t i = 0; i < take; i++)
			outkey[offset + i] ^= block[i];
	}

	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

int mikey_prf(enum mikey_prf_func prf, const uint8_t *inkey, size_t inkey_len,
	      const uint8_t *label, size_t label_len, uint8_t *outkey,
	      size_t outkey_len)
{
	const char *digest = prf_digest_name(prf);
	size_t hash_len = mikey_prf_hash_len(prf);

	if (digest == NULL)
		return MIKEY_CRYPTO_EUNSUPPORTED;
	if (inkey == NULL || inkey_len == 0 || outkey == NULL || outkey_len == 0)
		return MIKEY_CRYPTO_EINVAL;
	if (label == NULL && label_len > 0)
		return MIKEY_CRYPTO_EINVAL;

	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (ctx == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;

	memset(outkey, 0, outkey_len);

	/* Each chunk is exactly 256 bits except possibly the last one, so a
	 * 32- or 64-byte inkey has no short chunk at all. */
	int rc = MIKEY_CRYPTO_OK;
	for (size_t offset = 0; offset < inkey_len; offset += MIKEY_PRF_CHUNK_LEN) {
		size_t chunk_len = inkey_len - offset;
		if (chunk_len > MIKEY_PRF_CHUNK_LEN)
			chunk_len = MIKEY_PRF_CHUNK_LEN;

		rc = xor_p_function(ctx, digest, hash_len, inkey + offset,
				    chunk_len, label, label_len, outkey,
				    outkey_len);
		if (rc != MIKEY_CRYPTO_OK)
			break;
	}

	EVP_MAC_CTX_free(ctx);
	if (rc != MIKEY_CRYPTO_OK)
		OPENSSL_cleanse(outkey, outkey_len);
	return rc;
}
