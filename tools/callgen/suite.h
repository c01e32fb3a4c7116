/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_SUITE_H
#define LIME_TOOLS_CALLGEN_SUITE_H

/*
 * SRTP crypto suites: the SDES name (RFC 4568, RFC 6188, RFC 7714), the
 * master key and salt lengths, the libsrtp2 policies for SRTP and SRTCP,
 * and the parameters of a MIKEY SP payload (RFC 3830 6.10.1).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#define CG_KEY_SALT_MAX 46 /* AES-256 key and a 14-byte salt */

struct cg_suite {
	const char *name;
	size_t key_len;
	size_t salt_len;
	bool aead;
	void (*rtp_policy)(srtp_crypto_policy_t *policy);
	/* The _32 suites keep an 80-bit tag on SRTCP (RFC 4568 6.2.2). */
	void (*rtcp_policy)(srtp_crypto_policy_t *policy);
	uint8_t mikey_encr_alg;      /* enum mikey_srtp_encr */
	uint8_t mikey_auth_alg;      /* 0 NULL, 1 HMAC-SHA-1 */
	uint8_t auth_tag_len;        /* SRTP tag bytes; the AEAD tag for GCM */
};

/* Returns the suite with this SDES name, or NULL. */
const struct cg_suite *cg_suite_find(const char *name);

/* The comma-separated list of names, for help and error messages. */
const char *cg_suite_names(void);

/* The default suite, AES_CM_128_HMAC_SHA1_80. */
const struct cg_suite *cg_suite_default(void);

#endif
