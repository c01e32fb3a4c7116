/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_tls.h"

#include <stdio.h>

#include <openssl/err.h>

void kms_tls_error_text(char *out, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(out, cap, "no detail");
	else
		ERR_error_string_n(e, out, cap);
	ERR_clear_error();
}

static SSL_CTX *fail(SSL_CTX *ctx, char *err, size_t err_len, const char *what,
		     const char *file, const char *hint)
{
	char detail[256];

	kms_tls_error_text(detail, sizeof(detail));
	snprintf(err, err_len, "cannot use %s \"%s\": %s; %s", what, file,
		 detail, hint);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *kms_tls_create(const struct kms_config *cfg, char *err, size_t err_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		snprintf(err, err_len, "cannot create a TLS context: out of memory");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Writes go out in pieces from a buffer that moves as it drains. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1)
		return fail(ctx, err, err_len, "cert_file", cfg->cert_file,
			    "give a PEM certificate chain, server certificate first");
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1)
		return fail(ctx, err, err_len, "key_file", cfg->key_file,
			    "give the PEM private key of cert_file, unencrypted");
	if (SSL_CTX_check_private_key(ctx) != 1)
		return fail(ctx, err, err_len, "key_file", cfg->key_file,
			    "it does not match cert_file");
	if (cfg->ca_file != NULL) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);

		if (names == NULL ||
		    SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return fail(ctx, err, err_len, "ca_file", cfg->ca_file,
				    "give PEM CA certificates");
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
}
