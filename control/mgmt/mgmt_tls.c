/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Bytes of the SHA-256 fingerprint shown in audit lines. */
#define FINGERPRINT_PREFIX_BYTES 8

void mgmt_tls_error_text(char *buf, size_t len)
{
	unsigned long code = ERR_peek_last_error();

	if (code == 0)
		snprintf(buf, len, "no further detail");
	else
		ERR_error_string_n(code, buf, len);
	ERR_clear_error();
}

static SSL_CTX *fail(SSL_CTX *ctx, char *err, size_t err_len, const char *what,
		     const char *file)
{
	char detail[256];

	mgmt_tls_error_text(detail, sizeof(detail));
	snprintf(err, err_len, "management: %s \"%s\" failed: %s", what, file, detail);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *mgmt_tls_context(const struct lime_management_config *mg,
			  char *err, size_t err_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return fail(NULL, err, err_len, "creating the TLS context for", mg->listen);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

	if (SSL_CTX_use_certificate_chain_file(ctx, mg->cert_file) != 1)
		return fail(ctx, err, err_len, "loading management.cert_file", mg->cert_file);
	if (SSL_CTX_use_PrivateKey_file(ctx, mg->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return fail(ctx, err, err_len, "loading management.key_file", mg->key_file);
	if (SSL_CTX_load_verify_locations(ctx, mg->client_ca_file, NULL) != 1)
		return fail(ctx, err, err_len, "loading management.client_ca_file",
			    mg->client_ca_file);

	/* The CA names sent in the handshake help a client pick its certificate. */
	STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(mg->client_ca_file);
	if (names != NULL)
		SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
}

static void subject_text(X509 *cert, char *out, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	snprintf(out, len, "unknown");
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n >= 0)
			snprintf(out, len, "%.*s", (int)n, data);
	}
	BIO_free(bio);
}

void mgmt_tls_client_identity(SSL *ssl, char *subject, size_t subject_len,
			      char *fingerprint, size_t fingerprint_len)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	snprintf(subject, subject_len, "none");
	snprintf(fingerprint, fingerprint_len, "none");
	if (cert == NULL)
		return;

	subject_text(cert, subject, subject_len);
	if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1 &&
	    md_len >= FINGERPRINT_PREFIX_BYTES) {
		size_t used = (size_t)snprintf(fingerprint, fingerprint_len, "sha256:");
		for (int i = 0; i < FINGERPRINT_PREFIX_BYTES && used + 2 < fingerprint_len; i++)
			used += (size_t)snprintf(fingerprint + used, fingerprint_len - used,
						 "%02x", md[i]);
	}
	X509_free(cert);
}
