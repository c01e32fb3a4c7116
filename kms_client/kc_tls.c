/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* The callback and its argument, kept in the context's ex_data. */
struct session_hook {
	void (*on_session)(void *arg, SSL_SESSION *session);
	void *arg;
};

static int hook_index = -1;
static pthread_once_t hook_index_once = PTHREAD_ONCE_INIT;

static void openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	if (e == 0) {
		snprintf(buf, len, "no OpenSSL error recorded");
		return;
	}
	ERR_error_string_n(e, buf, len);
}

/* Writes the message given by fmt to err, followed by OpenSSL's reason. */
__attribute__((format(printf, 3, 4)))
static int set_failure(char *err, size_t err_len, const char *fmt, ...)
{
	char context[300], reason[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	openssl_reason(reason, sizeof(reason));
	snprintf(err, err_len, "%s: %s", context, reason);
	return -1;
}

static int new_session(SSL *ssl, SSL_SESSION *session)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	struct session_hook *hook = SSL_CTX_get_ex_data(ctx, hook_index);
	if (!hook || !hook->on_session)
		return 0;
	hook->on_session(hook->arg, session);
	return 1;   /* the callback took the reference */
}

static void free_hook(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	OPENSSL_free(ptr);
}

static void allocate_hook_index(void)
{
	hook_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_hook);
}

/* Checks that a file can be read, because OpenSSL 3 reports a missing
 * file only as "system lib". */
static int check_readable(const char *name, const char *file, char *err, size_t err_len)
{
	if (access(file, R_OK) == 0)
		return 0;
	snprintf(err, err_len, "cannot read KMS %s \"%s\": %s", name, file, strerror(errno));
	return -1;
}

static int load_files(SSL_CTX *ctx, const char *ca_file, const char *cert_file,
		      const char *key_file, char *err, size_t err_len)
{
	if ((ca_file && check_readable("ca_file", ca_file, err, err_len) != 0) ||
	    (cert_file && check_readable("cert_file", cert_file, err, err_len) != 0) ||
	    (key_file && check_readable("key_file", key_file, err, err_len) != 0))
		return -1;

	if (ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
			return set_failure(err, err_len, "cannot load KMS ca_file \"%s\"", ca_file);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		return set_failure(err, err_len, "cannot load the default CA store");
	}
	if (!cert_file)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
		return set_failure(err, err_len, "cannot load KMS cert_file \"%s\"", cert_file);
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
		return set_failure(err, err_len, "cannot load KMS key_file \"%s\"", key_file);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return set_failure(err, err_len, "KMS key_file \"%s\" does not match cert_file", key_file);
	return 0;
}

static int install_session_hook(SSL_CTX *ctx,
				void (*on_session)(void *arg, SSL_SESSION *session),
				void *arg, char *err, size_t err_len)
{
	pthread_once(&hook_index_once, allocate_hook_index);
	struct session_hook *hook = OPENSSL_zalloc(sizeof(*hook));
	if (hook_index < 0 || !hook || !SSL_CTX_set_ex_data(ctx, hook_index, hook)) {
		OPENSSL_free(hook);
		snprintf(err, err_len, "cannot set up TLS session resumption: out of memory");
		return -1;
	}
	hook->on_session = on_session;
	hook->arg = arg;
	/* The client keeps the latest session itself, because OpenSSL's
	 * internal cache would only grow. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
				       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
	return 0;
}

SSL_CTX *kc_tls_context_new(const char *ca_file, const char *cert_file,
			    const char *key_file,
			    void (*on_session)(void *arg, SSL_SESSION *session),
			    void *arg, char *err, size_t err_len)
{
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		set_failure(err, err_len, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* Never renegotiate in TLS 1.2: an unexpected handshake in the
	 * middle of a response would only complicate the state machine. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);

	if (load_files(ctx, ca_file, cert_file, key_file, err, err_len) != 0 ||
	    install_session_hook(ctx, on_session, arg, err, err_len) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int expect_host(SSL *ssl, const struct kc_url *url)
{
	if (url->host_is_ip) {
		X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
		return X509_VERIFY_PARAM_set1_ip_asc(param, url->host) == 1 ? 0 : -1;
	}
	if (SSL_set1_host(ssl, url->host) != 1)
		return -1;
	return SSL_set_tlsext_host_name(ssl, url->host) == 1 ? 0 : -1;
}

SSL *kc_tls_new(SSL_CTX *ctx, const struct kc_url *url, SSL_SESSION *session,
		char *err, size_t err_len)
{
	ERR_clear_error();
	SSL *ssl = SSL_new(ctx);
	BIO *rbio = BIO_new(BIO_s_mem());
	BIO *wbio = BIO_new(BIO_s_mem());
	if (!ssl || !rbio || !wbio) {
		snprintf(err, err_len, "cannot create a TLS connection: out of memory");
		SSL_free(ssl);
		BIO_free(rbio);
		BIO_free(wbio);
		return NULL;
	}
	SSL_set_bio(ssl, rbio, wbio);
	SSL_set_connect_state(ssl);
	if (expect_host(ssl, url) != 0) {
		set_failure(err, err_len, "cannot set the expected KMS host \"%s\"", url->host);
		SSL_free(ssl);
		return NULL;
	}
	if (session && SSL_set_session(ssl, session) != 1)
		ERR_clear_error();  /* resumption is an optimisation only */
	return ssl;
}

void kc_tls_describe(SSL *ssl, int ssl_error, char *buf, size_t len)
{
	long verify = SSL_get_verify_result(ssl);
	if (verify != X509_V_OK) {
		snprintf(buf, len, "certificate verification failed: %s",
			 X509_verify_cert_error_string(verify));
		return;
	}
	if (ssl_error == SSL_ERROR_SSL) {
		openssl_reason(buf, len);
		return;
	}
	snprintf(buf, len, "TLS error %d", ssl_error);
}
