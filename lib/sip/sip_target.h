/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SIP_TARGET_H
#define LIME_SIP_TARGET_H

/*
 * Canonical keys for interception targets. Two URIs get equal keys exactly
 * when sip_uri_match_target() returns true for them, so a hash map of keys
 * finds every target equal to a URI in one lookup. Keys take these forms:
 *
 *   tel:+15550100               global number, from tel: or sip: user=phone
 *   tel:5550100;example.com     local number and its phone-context
 *   sip:alice@ims.example       %HH-decoded user and lower-case host
 *   sip:@ims.example            sip: or sips: URI without a user part
 *
 * In the number and the user part, bytes other than printable ASCII and
 * the bytes '%', ';' and '@' are written as %HH with upper-case hex digits,
 * so the separators of the key stay unambiguous.
 */

#include <stddef.h>

#include "lib/sip/sip_msg.h"

/*
 * Writes the canonical target key of uri into out and returns its length.
 * Writes at most cap bytes and no NUL, so out may be NULL when cap is 0.
 * Returns a length above cap when out is too small, in which case out holds
 * only the start of the key. Returns 0 when the URI cannot name a target:
 * another scheme, a sip: or sips: URI without host, or a local tel: number
 * without phone-context, which sip_uri_match_target() matches with nothing.
 */
size_t sip_target_key(const struct sip_uri *uri, char *out, size_t cap);

/*
 * Same as sip_target_key() for URI text, such as "sip:alice@ims.example".
 * Returns 0 as well when sip_uri_parse() rejects the text.
 */
size_t sip_target_key_text(const char *text, size_t len, char *out,
			   size_t cap);

#endif
