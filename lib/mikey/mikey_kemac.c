/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/mikey/mikey_kemac.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

int mikey_encr_key_len(enum mikey_encr_alg alg)
{
	switch (alg) {
	case MIKEY_ENCR_NULL:
		return 0;
	case MIKEY_ENCR_AES_CM_128:
	case MIKEY_ENCR_AES_KW_128:
		return 16;
	case MIKEY_ENCR_AES_CM_256:
		return 32;
	}
	return -1;
}

int mikey_encr_salt_len(enum mikey_encr_alg alg)
{
	switch (alg) {
	case MIKEY_ENCR_NULL:
		return 0;
	case MIKEY_ENCR_AES_CM_128:
	case MIKEY_ENCR_AES_CM_256:
		return MIKEY_AES_CM_SALT_LEN;
	case MIKEY_ENCR_AES_KW_128:
		return MIKEY_AES_KW_SALT_LEN;
	}
	return -1;
}

static uint64_t load_be(const uint8_t *p, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

int mikey_ts_to_t64(enum mikey_ts_type type, const uint8_t *value,
		    size_t value_len, uint64_t *t64)
{
	if (value == NULL || t64 == NULL)
		return MIKEY_CRYPTO_EINVAL;

	switch (type) {
	case MIKEY_TS_NTP_UTC:
	case MIKEY_TS_NTP:
		if (value_len != 8)
			return MIKEY_CRYPTO_EINVAL;
		*t64 = load_be(value, 8);
		return MIKEY_CRYPTO_OK;
	case MIKEY_TS_NTP_UTC_32:
		/* RFC 6043 6.3: padded to NTP-UTC with a zero fraction. */
		if (value_len != 4)
			return MIKEY_CRYPTO_EINVAL;
		*t64 = load_be(value, 4) << 32;
		return MIKEY_CRYPTO_OK;
	case MIKEY_TS_COUNTER:
		/* NOTE: leading zeros keep the counter's numeric value. This
		 * reading of RFC 3830 was not checked against its text. */
		if (value_len != 4)
			return MIKEY_CRYPTO_EINVAL;
		*t64 = load_be(value, 4);
		return MIKEY_CRYPTO_OK;
	}
	return MIKEY_CRYPTO_EUNSUPPORTED;
}

int mikey_kemac_aes_cm_iv(const uint8_t *salt_key, size_t salt_key_len,
			  uint32_t csb_id, uint64_t t64,
			  uint8_t iv[MIKEY_AES_BLOCK_LEN])
{
	if (salt_key == NULL || iv == NULL || salt_key_len != MIKEY_AES_CM_SALT_LEN)
		return MIKEY_CRYPTO_EINVAL;

	/* 0x0000 || CSB ID || T is 112 bits, aligned with the salt_key. */
	uint8_t mix[MIKEY_AES_CM_SALT_LEN] = { 0 };
	for (int i = 0; i < 4; i++)
		mix[2 + i] = (uint8_t)(csb_id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		mix[6 + i] = (uint8_t)(t64 >> (56 - 8 * i));

	for (size_t i = 0; i < MIKEY_AES_CM_SALT_LEN; i++)
		iv[i] = salt_key[i] ^ mix[i];

	/* The last 16 bits are the block counter and start at zero. */
	iv[14] = 0;
	iv[15] = 0;
	return MIKEY_CRYPTO_OK;
}

/* AES-CM with a 16-bit block counter equals CTR mode on the whole IV for
 * fewer than 2^16 blocks, and Encr data (16-bit length) is at most 4096 blocks. */
static int aes_cm_crypt(enum mikey_encr_alg alg, const uint8_t *key,
			const uint8_t *salt_key, size_t salt_key_len,
			uint32_t csb_id, uint64_t t64, const uint8_t *in,
			size_t in_len, uint8_t *out)
{
	const EVP_CIPHER *cipher = alg == MIKEY_ENCR_AES_CM_128 ?
		EVP_aes_128_ctr() : EVP_aes_256_ctr();
	uint8_t iv[MIKEY_AES_BLOCK_LEN];
	int rc = mikey_kemac_aes_cm_iv(salt_key, salt_key_len, csb_id, t64, iv);
	if (rc != MIKEY_CRYPTO_OK)
		return rc;
	if (in_len > (size_t)UINT16_MAX * MIKEY_AES_BLOCK_LEN)
		return MIKEY_CRYPTO_EINVAL;

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;

	int written = 0;
	int final_len = 0;
	rc = MIKEY_CRYPTO_ELIBCRYPTO;
	if (EVP_EncryptInit_ex(ctx, cipher, NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &written, in, (int)in_len) == 1 &&
	    EVP_EncryptFinal_ex(ctx, out + written, &final_len) == 1 &&
	    (size_t)(written + final_len) == in_len)
		rc = MIKEY_CRYPTO_OK;

	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(iv, sizeof(iv));
	return rc;
}

/* RFC 3394 key wrap with the 64-bit salt_key as its IV. */
static int aes_kw_crypt(bool encrypt, const uint8_t *key,
			const uint8_t *salt_key, size_t salt_key_len,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t *out_len)
{
	if (salt_key == NULL || salt_key_len != MIKEY_AES_KW_SALT_LEN)
		return MIKEY_CRYPTO_EINVAL;

	/* Key wrap works on 64-bit blocks: at least two to wrap, three to unwrap. */
	size_t min_len = encrypt ? 16 : 24;
	if (in_len < min_len || in_len % 8 != 0 || in_len > INT32_MAX - 8)
		return MIKEY_CRYPTO_EINVAL;

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);

	int written = 0;
	int rc = MIKEY_CRYPTO_ELIBCRYPTO;
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_wrap(), NULL, key, salt_key,
			      encrypt ? 1 : 0) != 1)
		goto out;

	/* For unwrap a failed update means the integrity check value did not match. */
	if (EVP_CipherUpdate(ctx, out, &written, in, (int)in_len) != 1) {
		rc = encrypt ? MIKEY_CRYPTO_ELIBCRYPTO : MIKEY_CRYPTO_EAUTH;
		goto out;
	}
	*out_len = (size_t)written;
	rc = MIKEY_CRYPTO_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static int kemac_crypt(bool encrypt, enum mikey_encr_alg alg,
		       const uint8_t *encr_key, size_t encr_key_len,
		       const uint8_t *salt_key, size_t salt_key_len,
		       uint32_t csb_id, uint64_t t64, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t out_cap,
		       size_t *out_len)
{
	int key_len = mikey_encr_key_len(alg);

	if (key_len < 0)
		return MIKEY_CRYPTO_EUNSUPPORTED;
	if ((in == NULL && in_len > 0) || out_len == NULL || (out == NULL && out_cap > 0))
		return MIKEY_CRYPTO_EINVAL;
	if (key_len > 0 && (encr_key == NULL || encr_key_len != (size_t)key_len))
		return MIKEY_CRYPTO_EINVAL;

	size_t need = in_len;
	if (alg == MIKEY_ENCR_AES_KW_128 && encrypt)
		need = in_len + 8;
	if (out_cap < need)
		return MIKEY_CRYPTO_ENOSPC;

	switch (alg) {
	case MIKEY_ENCR_NULL:
		if (in_len > 0)
			memmove(out, in, in_len);
		*out_len = in_len;
		return MIKEY_CRYPTO_OK;
	case MIKEY_ENCR_AES_CM_128:
	case MIKEY_ENCR_AES_CM_256:
		*out_len = in_len;
		return aes_cm_crypt(alg, encr_key, salt_key, salt_key_len,
				    csb_id, t64, in, in_len, out);
	case MIKEY_ENCR_AES_KW_128:
		return aes_kw_crypt(encrypt, encr_key, salt_key, salt_key_len,
				    in, in_len, out, out_len);
	}
	return MIKEY_CRYPTO_EUNSUPPORTED;
}

int mikey_kemac_encrypt(enum mikey_encr_alg alg, const uint8_t *encr_key,
			size_t encr_key_len, const uint8_t *salt_key,
			size_t salt_key_len, uint32_t csb_id, uint64_t t64,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t out_cap, size_t *out_len)
{
	return kemac_crypt(true, alg, encr_key, encr_key_len, salt_key,
			   salt_key_len, csb_id, t64, in, in_len, out, out_cap,
			   out_len);
}

int mikey_kemac_decrypt(enum mikey_encr_alg alg, const uint8_t *encr_key,
			size_t encr_key_len, const uint8_t *salt_key,
			size_t salt_key_len, uint32_t csb_id, uint64_t t64,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t out_cap, size_t *out_len)
{
	return kemac_crypt(false, alg, encr_key, encr_key_len, salt_key,
			   salt_key_len, csb_id, t64, in, in_len, out, out_cap,
			   out_len);
}
