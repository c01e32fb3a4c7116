/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_TLS_H
#define LIME_TOOLS_KMS_KMS_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "tools/kms/kms_config.h"

/*
 * Creates the server TLS context: TLS 1.2 and 1.3, the certificate chain
 * and key of the configuration, and with ca_file a required client
 * certificate verified against it. Returns NULL with a one-line message in
 * err naming the file that could not be used.
 */
SSL_CTX *kms_tls_create(const struct kms_config *cfg, char *err, size_t err_len);

/* Writes the reason of the oldest queued OpenSSL error and clears the
 * queue; "no detail" when it is empty. */
void kms_tls_error_text(char *out, size_t cap);

#endif
