/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/suite.h"

#include <string.h>

#include "lib/mikey/mikey.h"

static const struct cg_suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 16, 14, false,
	  srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtp_default,
	  MIKEY_SRTP_ENCR_AES_CM, 1, 10 },
	{ "AES_CM_128_HMAC_SHA1_32", 16, 14, false,
	  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtp_default, MIKEY_SRTP_ENCR_AES_CM, 1, 4 },
	{ "AES_192_CM_HMAC_SHA1_80", 24, 14, false,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, MIKEY_SRTP_ENCR_AES_CM,
	  1, 10 },
	{ "AES_192_CM_HMAC_SHA1_32", 24, 14, false,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, MIKEY_SRTP_ENCR_AES_CM,
	  1, 4 },
	{ "AES_256_CM_HMAC_SHA1_80", 32, 14, false,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, MIKEY_SRTP_ENCR_AES_CM,
	  1, 10 },
	{ "AES_256_CM_HMAC_SHA1_32", 32, 14, false,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, MIKEY_SRTP_ENCR_AES_CM,
	  1, 4 },
	{ "AEAD_AES_128_GCM", 16, 12, true,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth, MIKEY_SRTP_ENCR_AES_GCM,
	  0, 16 },
	{ "AEAD_AES_256_GCM", 32, 12, true,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth, MIKEY_SRTP_ENCR_AES_GCM,
	  0, 16 },
};

const struct cg_suite *cg_suite_find(const char *name)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strcmp(suites[i].name, name) == 0)
			return &suites[i];
	}
	return NULL;
}

const char *cg_suite_names(void)
{
	return "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, "
	       "AES_192_CM_HMAC_SHA1_80, AES_192_CM_HMAC_SHA1_32, "
	       "AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, "
	       "AEAD_AES_128_GCM, AEAD_AES_256_GCM";
}

const struct cg_suite *cg_suite_default(void)
{
	return &suites[0];
}
