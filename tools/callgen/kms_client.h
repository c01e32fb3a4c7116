/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_KMS_CLIENT_H
#define LIME_TOOLS_CALLGEN_KMS_CLIENT_H

/*
 * HTTPS client of the KMS interface: one MIKEY message per POST with
 * Content-Type application/mikey over HTTP/1.1 and TLS 1.2 or later, on
 * one kept-alive connection that is reopened when the server closes it.
 * The server certificate must chain to the CA file and match the URL's
 * host (DNS name or IP address).
 */

#include <stddef.h>
#include <stdint.h>

struct cg_kms_client;

struct cg_kms_settings {
	const char *url;           /* https://HOST[:PORT]/PATH */
	const char *ca_file;
	const char *cert_file;     /* optional client certificate */
	const char *key_file;
	int timeout_ms;
};

/* Checks the URL and loads the certificates; connects on first use.
 * Returns NULL with a message in err. */
struct cg_kms_client *cg_kms_client_new(const struct cg_kms_settings *s,
					char *err, size_t err_len);

/*
 * Posts one MIKEY message and stores the response body (a MIKEY message)
 * in resp. Returns 0, or -1 with a message in err for a TLS, HTTP or
 * timeout failure or a status other than 200.
 */
int cg_kms_post(struct cg_kms_client *c, const uint8_t *body, size_t len,
		uint8_t *resp, size_t cap, size_t *resp_len, char *err,
		size_t err_len);

/* Requests and TLS connections made so far. */
uint64_t cg_kms_client_requests(const struct cg_kms_client *c);
uint64_t cg_kms_client_connections(const struct cg_kms_client *c);

void cg_kms_client_free(struct cg_kms_client *c);

#endif
