/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_TLS_H
#define LIME_CONTROL_MGMT_TLS_H

/*
 * TLS of the management API with OpenSSL 3: TLS 1.2 or later, the server
 * certificate of the management section, and a client certificate signed
 * by client_ca_file required on every connection.
 */

#include <stddef.h>

#include <openssl/ssl.h>

#include "control/config.h"

/* Returns the server context, or NULL with one line in err. */
SSL_CTX *mgmt_tls_context(const struct lime_management_config *mg,
			  char *err, size_t err_len);

/*
 * Writes the verified client certificate's subject (RFC 2253) and
 * "sha256:" with the first 16 hex digits of its SHA-256 fingerprint.
 */
void mgmt_tls_client_identity(SSL *ssl, char *subject, size_t subject_len,
			      char *fingerprint, size_t fingerprint_len);

/* Writes the latest OpenSSL error of this thread as text to buf and clears
 * the thread's error queue. */
void mgmt_tls_error_text(char *buf, size_t len);

#endif
