/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SIP_MASK_H
#define LIME_SIP_MASK_H

/*
 * Removal of SDES master keys (RFC 4568 a=crypto) from SIP text before lime
 * hands it to an agency as intercept-related information.
 */

#include <stddef.h>

/*
 * Overwrites every SDES key||salt value in text[0..len) in place, one 'X' per
 * character, so that Content-Length values and multipart boundaries stay
 * valid. It never reads or writes outside text[0..len).
 *
 * The text is not parsed as SIP. Lines end at CR or at LF, so CRLF, bare LF
 * and bare CR all work, and a crypto line is masked wherever it appears:
 * in a whole-body SDP, in a multipart part, or in a binary part. A crypto
 * line starts, after optional SP and HTAB, with "a=crypto:" in any letter
 * case. In a crypto line, each "inline:" (any case) starts a value that runs
 * to the next '|', ';', SP, HTAB, CR or LF, or to the end of the text. Each
 * base64 character (A-Z, a-z, 0-9, '+', '/', '=') of the value becomes 'X'.
 * This covers every key-param of a ';'-separated list, a value cut off at
 * the end of the text, and the master keys inside an FEC_KEY= session
 * parameter.
 *
 * Everything else stays: the tag and the suite, the lifetime ("|2^31"), the
 * MKI ("|1:4"), the other session parameters, any byte inside a value that
 * is not base64, and "inline:" outside a crypto line.
 *
 * Returns the number of values masked, that is the "inline:" markers in
 * crypto lines that are followed by at least one base64 character. Masking
 * a second time changes no byte but counts the same values again.
 */
size_t sip_mask_sdes_keys(char *text, size_t len);

#endif
