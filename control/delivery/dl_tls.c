/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS for agency connections on OpenSSL memory BIOs: the I/O backend moves
 * the ciphertext, so io_uring and epoll share one TLS path. The agency's
 * certificate must chain to its ca_file and match the host or IP address
 * of its hi2/hi3 setting.
 */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

static void openssl_error(char *out, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(out, cap, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, out, cap);
	ERR_clear_error();
}

SSL_CTX *dl_tls_context(const struct dl_agency_conf *conf, char *err,
			size_t err_len)
{
	char text[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		openssl_error(text, sizeof(text));
		snprintf(err, err_len, "agency %s: cannot create a TLS context: %s",
			 conf->name, text);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, conf->ca_file, NULL) != 1) {
		openssl_error(text, sizeof(text));
		snprintf(err, err_len, "agency %s: cannot load ca_file %s: %s",
			 conf->name, conf->ca_file, text);
		goto fail;
	}
	if (conf->cert_file != NULL &&
	    SSL_CTX_use_certificate_chain_file(ctx, conf->cert_file) != 1) {
		openssl_error(text, sizeof(text));
		snprintf(err, err_len, "agency %s: cannot load cert_file %s: %s",
			 conf->name, conf->cert_file, text);
		goto fail;
	}
	if (conf->key_file != NULL &&
	    (SSL_CTX_use_PrivateKey_file(ctx, conf->key_file, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(ctx) != 1)) {
		openssl_error(text, sizeof(text));
		snprintf(err, err_len, "agency %s: cannot use key_file %s: %s",
			 conf->name, conf->key_file, text);
		goto fail;
	}
	return ctx;

fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static bool is_ip_literal(const char *host)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* Names the expected peer: an IP address checks the certificate's IP
 * entries; a name goes into SNI and checks its DNS entries. */
static int set_peer_name(struct dl_conn *c)
{
	const struct dl_agency_conf *conf = c->ch->agency->conf;
	char host[256], port[16];

	if (dl_addr_split(conf->addr[c->ch->kind], host, sizeof(host), port,
			  sizeof(port)) != 0)
		return -1;
	if (is_ip_literal(host))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) == 1
		       ? 0 : -1;
	if (SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
	    SSL_set1_host(c->ssl, host) != 1)
		return -1;
	return 0;
}

int dl_tls_start(struct dl_conn *c)
{
	c->ssl = SSL_new(c->ch->agency->conf->tls_ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		SSL_free(c->ssl);
		c->ssl = NULL;
		c->rbio = c->wbio = NULL;
		return -1;
	}
	/* An empty read BIO means "wait for more", not end of stream. */
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_connect_state(c->ssl);
	if (set_peer_name(c) != 0) {
		dl_tls_free(c);
		return -1;
	}
	return 0;
}

void dl_tls_free(struct dl_conn *c)
{
	/* SSL_free frees the BIOs it owns. */
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->rbio = c->wbio = NULL;
}

/* Makes room for more bytes in tx. A buffer that an in-flight send reads
 * is kept until that send completes. */
static int reserve_tx(struct dl_conn *c, size_t more)
{
	if (c->tx_len + more <= c->tx_cap)
		return 0;

	size_t cap = c->tx_cap ? c->tx_cap : 16384;

	while (cap < c->tx_len + more)
		cap *= 2;
	if (c->tx != NULL && c->tx == c->tx_inflight) {
		uint8_t *fresh = malloc(cap);

		if (fresh == NULL)
			return -1;
		memcpy(fresh, c->tx, c->tx_len);
		free(c->tx_retired);
		c->tx_retired = c->tx;
		c->tx = fresh;
	} else {
		uint8_t *grown = realloc(c->tx, cap);

		if (grown == NULL)
			return -1;
		c->tx = grown;
	}
	c->tx_cap = cap;
	return 0;
}

int dl_tls_collect(struct dl_conn *c)
{
	size_t pending = BIO_ctrl_pending(c->wbio);

	if (pending == 0)
		return 0;
	if (reserve_tx(c, pending) != 0)
		return -1;
	int n = BIO_read(c->wbio, c->tx + c->tx_len, (int)pending);
	if (n <= 0)
		return -1;
	c->tx_len += (size_t)n;
	c->wire_queued += (uint64_t)n;
	return 0;
}

void dl_tls_error_text(struct dl_conn *c, char *out, size_t cap)
{
	long verify = c->ssl != NULL ? SSL_get_verify_result(c->ssl) : X509_V_OK;

	if (verify != X509_V_OK) {
		snprintf(out, cap, "TLS certificate verification failed: %s",
			 X509_verify_cert_error_string(verify));
		ERR_clear_error();
		return;
	}

	char text[200];

	openssl_error(text, sizeof(text));
	snprintf(out, cap, "TLS failed: %s", text);
}
