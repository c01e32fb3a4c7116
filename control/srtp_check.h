/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_SRTP_CHECK_H
#define LIME_CONTROL_SRTP_CHECK_H

#include <stddef.h>

/*
 * Check that libsrtp2 initialises and does not use NSS for its ciphers.
 * Debian's binary libsrtp2 is NSS-backed and several times slower than the
 * OpenSSL build lime needs. Returns 0, or -1 with one line in err.
 */
int srtp_backend_check(char *err, size_t err_len);

#endif
