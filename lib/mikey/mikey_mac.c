/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/mikey/mikey_mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

int mikey_mac_len(enum mikey_mac_alg alg)
{
	switch (alg) {
	case MIKEY_MAC_NULL:
		return 0;
	case MIKEY_MAC_HMAC_SHA_1_160:
		return 20;
	case MIKEY_MAC_HMAC_SHA_256_256:
		return 32;
	}
	return -1;
}

int mikey_mac_key_len(enum mikey_mac_alg alg)
{
	/* RFC 3830 uses a 160-bit auth_key for HMAC-SHA-1 and RFC 6043 a
	 * 256-bit one for HMAC-SHA-256, the same as the MAC lengths. */
	return mikey_mac_len(alg);
}

static const char *mac_digest_name(enum mikey_mac_alg alg)
{
	if (alg == MIKEY_MAC_HMAC_SHA_1_160)
		return OSSL_DIGEST_NAME_SHA1;
	if (alg == MIKEY_MAC_HMAC_SHA_256_256)
		return OSSL_DIGEST_NAME_SHA2_256;
	return NULL;
}

static int hmac_ranges(const char *digest, const uint8_t *key, size_t key_len,
		       const struct mikey_byte_range *ranges, size_t range_count,
		       uint8_t *mac, size_t mac_len)
{
	OSSL_PARAM params[2];
	size_t written = 0;
	int rc = MIKEY_CRYPTO_ELIBCRYPTO;

	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hmac == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
	EVP_MAC_free(hmac);
	if (ctx == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, key_len, params) != 1)
		goto out;

	for (size_t i = 0; i < range_count; i++) {
		if (ranges[i].len == 0)
			continue;
		if (EVP_MAC_update(ctx, ranges[i].data, ranges[i].len) != 1)
			goto out;
	}

	if (EVP_MAC_final(ctx, mac, &written, mac_len) == 1 && written == mac_len)
		rc = MIKEY_CRYPTO_OK;
out:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

static int check_ranges(const struct mikey_byte_range *ranges, size_t range_count)
{
	if (ranges == NULL && range_count > 0)
		return MIKEY_CRYPTO_EINVAL;
	for (size_t i = 0; i < range_count; i++) {
		if (ranges[i].data == NULL && ranges[i].len > 0)
			return MIKEY_CRYPTO_EINVAL;
	}
	return MIKEY_CRYPTO_OK;
}

int mikey_mac_compute(enum mikey_mac_alg alg, const uint8_t *key,
		      size_t key_len, const struct mikey_byte_range *ranges,
		      size_t range_count, uint8_t *mac, size_t mac_cap)
{
	int mac_len = mikey_mac_len(alg);

	if (mac_len < 0)
		return MIKEY_CRYPTO_EUNSUPPORTED;
	if (mac_len == 0)
		return MIKEY_CRYPTO_OK;
	if (key == NULL || key_len == 0 || mac == NULL)
		return MIKEY_CRYPTO_EINVAL;
	if ((size_t)mac_len > mac_cap)
		return MIKEY_CRYPTO_ENOSPC;
	if (check_ranges(ranges, range_count) != MIKEY_CRYPTO_OK)
		return MIKEY_CRYPTO_EINVAL;

	return hmac_ranges(mac_digest_name(alg), key, key_len, ranges,
			   range_count, mac, (size_t)mac_len);
}

int mikey_mac_verify(enum mikey_mac_alg alg, const uint8_t *key,
		     size_t key_len, const struct mikey_byte_range *ranges,
		     size_t range_count, const uint8_t *expected,
		     size_t expected_len)
{
	uint8_t computed[MIKEY_MAC_MAX_LEN];
	int mac_len = mikey_mac_len(alg);

	if (mac_len < 0)
		return MIKEY_CRYPTO_EUNSUPPORTED;
	if ((size_t)mac_len != expected_len)
		return MIKEY_CRYPTO_EAUTH;
	if (mac_len == 0)
		return MIKEY_CRYPTO_OK;
	if (expected == NULL)
		return MIKEY_CRYPTO_EINVAL;

	int rc = mikey_mac_compute(alg, key, key_len, ranges, range_count,
				   computed, sizeof(computed));
	if (rc == MIKEY_CRYPTO_OK &&
	    CRYPTO_memcmp(computed, expected, expected_len) != 0)
		rc = MIKEY_CRYPTO_EAUTH;

	OPENSSL_cleanse(computed, sizeof(computed));
	return rc;
}
