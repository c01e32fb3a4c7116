/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_suite.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define AUTH_HMAC_SHA1 1
#define SRTP_PRF_AES_CM 0
#define TAG_80_BITS 10
#define TAG_32_BITS 4
#define CM_SALT_LEN 14
#define GCM_SALT_LEN 12
#define GCM_TAG_LEN 16

static bool reject(char *why, size_t why_len, const char *reason, unsigned value)
{
	snprintf(why, why_len, "%s %u", reason, value);
	return false;
}

static bool aes_cm_suite(const struct mikey_srtp_policy *p, bool tag80,
			 enum sdes_suite *suite, char *why, size_t why_len)
{
	switch (p->encr_key_len) {
	case 16:
		*suite = tag80 ? SDES_AES_CM_128_HMAC_SHA1_80 :
				 SDES_AES_CM_128_HMAC_SHA1_32;
		return true;
	case 24:
		*suite = tag80 ? SDES_AES_192_CM_HMAC_SHA1_80 :
				 SDES_AES_192_CM_HMAC_SHA1_32;
		return true;
	case 32:
		*suite = tag80 ? SDES_AES_256_CM_HMAC_SHA1_80 :
				 SDES_AES_256_CM_HMAC_SHA1_32;
		return true;
	default:
		return reject(why, why_len, "SP: no AES-CM suite has key length",
			      p->encr_key_len);
	}
}

/* AES-CM and AES-F8 authenticate with HMAC-SHA-1 and a 14-byte salt. */
static bool hmac_suite(const struct mikey_srtp_policy *p,
		       enum sdes_suite *suite, char *why, size_t why_len)
{
	bool tag80 = p->auth_tag_len == TAG_80_BITS;

	if (p->auth_alg != AUTH_HMAC_SHA1)
		return reject(why, why_len, "SP: unsupported SRTP auth alg",
			      p->auth_alg);
	if (p->auth_tag_len != TAG_80_BITS && p->auth_tag_len != TAG_32_BITS)
		return reject(why, why_len, "SP: no suite has an auth tag length of",
			      p->auth_tag_len);
	if (p->salt_key_len != CM_SALT_LEN)
		return reject(why, why_len, "SP: AES-CM and AES-F8 take a 14-byte "
			      "salt, not", p->salt_key_len);
	if (p->encr_alg == MIKEY_SRTP_ENCR_AES_CM)
		return aes_cm_suite(p, tag80, suite, why, why_len);
	if (p->encr_key_len != 16)
		return reject(why, why_len, "SP: AES-F8 takes 16-byte keys, not",
			      p->encr_key_len);
	*suite = tag80 ? SDES_F8_128_HMAC_SHA1_80 : SDES_F8_128_HMAC_SHA1_32;
	return true;
}

static bool gcm_suite(const struct mikey_srtp_policy *p, enum sdes_suite *suite,
		      char *why, size_t why_len)
{
	if (p->aead_auth_tag_len != GCM_TAG_LEN)
		return reject(why, why_len, "SP: AES-GCM takes a 16-byte tag, not",
			      p->aead_auth_tag_len);
	if (p->salt_key_len != GCM_SALT_LEN)
		return reject(why, why_len, "SP: AES-GCM takes a 12-byte salt, not",
			      p->salt_key_len);
	if (p->encr_key_len == 16)
		*suite = SDES_AEAD_AES_128_GCM;
	else if (p->encr_key_len == 32)
		*suite = SDES_AEAD_AES_256_GCM;
	else
		return reject(why, why_len, "SP: no AES-GCM suite has key length",
			      p->encr_key_len);
	return true;
}

bool mikey_li_suite_from_policy(const struct mikey_srtp_policy *policy,
				enum sdes_suite *suite, unsigned *flags,
				char *why, size_t why_len)
{
	bool ok;

	*suite = SDES_SUITE_UNKNOWN;
	*flags = 0;
	if (policy->prf != SRTP_PRF_AES_CM)
		return reject(why, why_len, "SP: unsupported SRTP PRF", policy->prf);
	if (policy->prefix_len != 0)
		return reject(why, why_len, "SP: unsupported SRTP prefix length",
			      policy->prefix_len);
	switch (policy->encr_alg) {
	case MIKEY_SRTP_ENCR_AES_CM:
	case MIKEY_SRTP_ENCR_AES_F8:
		ok = hmac_suite(policy, suite, why, why_len);
		break;
	case MIKEY_SRTP_ENCR_AES_GCM:
		ok = gcm_suite(policy, suite, why, why_len);
		break;
	default:
		return reject(why, why_len, "SP: unsupported SRTP encryption alg",
			      policy->encr_alg);
	}
	if (!ok)
		return false;
	if (!policy->srtp_encr)
		*flags |= SDES_UNENCRYPTED_SRTP;
	if (!policy->srtcp_encr)
		*flags |= SDES_UNENCRYPTED_SRTCP;
	if (!policy->srtp_auth)
		*flags |= SDES_UNAUTHENTICATED_SRTP;
	return true;
}

bool mikey_li_stream_unusable(struct mikey_li_stream *s, const char *fmt, ...)
{
	va_list ap;

	s->usable = false;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	OPENSSL_cleanse(&s->keys, sizeof(s->keys));
	return false;
}

bool mikey_li_read_srtp_policy(const struct mikey_msg *m,
			       const struct mikey_payload *sp,
			       struct mikey_srtp_policy *policy)
{
	struct mikey_payload defaults;

	if (sp == NULL) {
		memset(&defaults, 0, sizeof(defaults));
		defaults.type = MIKEY_PT_SP;
		defaults.u.sp.prot_type = MIKEY_PROT_SRTP;
		sp = &defaults;
	}
	return mikey_sp_srtp_policy(&m->payloads, sp, policy, NULL) == MIKEY_OK;
}

bool mikey_li_stream_set_suite(struct mikey_li_stream *s,
			       const struct mikey_srtp_policy *policy)
{
	char why[MIKEY_LI_WHY_LEN];

	if (!mikey_li_suite_from_policy(policy, &s->keys.suite, &s->keys.flags,
					why, sizeof(why)))
		return mikey_li_stream_unusable(s, "%s", why);
	if (sdes_suite_key_salt_len(s->keys.suite) !=
	    (size_t)policy->encr_key_len + policy->salt_key_len)
		return mikey_li_stream_unusable(s, "the SP's key and salt lengths do not fit "
						"suite %s", sdes_suite_name(s->keys.suite));
	/* NOTE: RFC 3830 leaves the encoding of the key derivation rate
	 * open. lime passes the value on, and the SRTP workers reject any
	 * rate other than 0. */
	s->keys.kdr = policy->kdr;
	return true;
}
