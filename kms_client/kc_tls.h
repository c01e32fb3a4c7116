/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_TLS_H
#define LIME_KMS_CLIENT_TLS_H

/*
 * TLS of the KMS client with OpenSSL. Every connection runs its SSL object
 * over two memory BIOs, so that the same code serves the io_uring and the
 * epoll backend: received bytes are written into the read BIO, and bytes
 * to send are taken from the write BIO.
 */

#include <stddef.h>

#include <openssl/ssl.h>

#include "kms_client/kc_url.h"

/*
 * Creates the client context: TLS 1.2 or 1.3, the peer certificate
 * verified against ca_file (the system's default CAs when NULL), and the
 * client certificate and key when cert_file is set. New sessions are
 * passed to on_session with arg, for resumption on later connections.
 * Returns NULL with a message in err.
 */
SSL_CTX *kc_tls_context_new(const char *ca_file, const char *cert_file,
			    const char *key_file,
			    void (*on_session)(void *arg, SSL_SESSION *session),
			    void *arg, char *err, size_t err_len);

/*
 * Creates the SSL object of one connection in client mode with memory
 * BIOs. The certificate must match the URL's host: its DNS name, or its
 * IP address for a literal. SNI is sent for names only. session, when not
 * NULL, is offered for resumption. Returns NULL with a message in err.
 */
SSL *kc_tls_new(SSL_CTX *ctx, const struct kc_url *url, SSL_SESSION *session,
		char *err, size_t err_len);

/* Describes why an SSL call failed with ssl_error: the certificate
 * verification error when there is one, else OpenSSL's error queue. */
void kc_tls_describe(SSL *ssl, int ssl_error, char *buf, size_t len);

#endif
