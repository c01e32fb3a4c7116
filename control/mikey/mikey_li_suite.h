/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_SUITE_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_SUITE_H

/*
 * The SRTP crypto suite and session flags that an SP payload's SRTP
 * policy (RFC 3830 6.10.1, RFC 7714 for AES-GCM) describes, in the terms
 * of SDES (lib/sdp/sdes.h) that the SRTP workers take.
 */

#include <stdbool.h>
#include <stddef.h>

#include "control/mikey/mikey_li_call.h"
#include "lib/mikey/mikey.h"
#include "lib/sdp/sdes.h"

/*
 * Maps policy to a suite by the cipher and its key length. AES-CM and
 * AES-F8 need HMAC-SHA-1 with an 80- or 32-bit tag (10 or 4 bytes) and a
 * 14-byte salt, and AES-GCM a 16-byte tag and a 12-byte salt. *flags
 * receives SDES_UNENCRYPTED_SRTP, SDES_UNENCRYPTED_SRTCP and
 * SDES_UNAUTHENTICATED_SRTP from the on/off parameters. Returns false,
 * with the reason in why, for a policy no suite matches.
 */
bool mikey_li_suite_from_policy(const struct mikey_srtp_policy *policy,
				enum sdes_suite *suite, unsigned *flags,
				char *why, size_t why_len);

/* Marks stream s unusable with the reason that fmt formats, wipes its
 * keys and returns false, so that a check can end with "return
 * mikey_li_stream_unusable(...)". */
bool mikey_li_stream_unusable(struct mikey_li_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads the SRTP policy of sp, an SP payload of m, into *policy. A NULL
 * sp reads as an SP without parameters, which takes the RFC 3830
 * defaults. Returns false for a malformed SP. */
bool mikey_li_read_srtp_policy(const struct mikey_msg *m,
			       const struct mikey_payload *sp,
			       struct mikey_srtp_policy *policy);

/* Sets the suite, flags and key derivation rate of stream s from policy.
 * Returns false, with s marked unusable, when no suite matches policy or
 * its key and salt lengths do not fit the suite. */
bool mikey_li_stream_set_suite(struct mikey_li_stream *s,
			       const struct mikey_srtp_policy *policy);

#endif
