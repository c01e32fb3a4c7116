/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms_client/kc_internal.h"

/* Upper bounds that catch unit mistakes (seconds given as ms). */
#define MAX_TIMEOUT_MS 600000u
#define MAX_RETRIES 10u
#define MAX_IN_FLIGHT 1000000u
#define MAX_BREAKER_OPEN_MS 3600000u
#define MAX_BACKOFF_MS 600000u

void kms_client_config_init(struct kms_client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = KMS_CLIENT_DEFAULT_TIMEOUT_MS;
	cfg->max_connections = KMS_CLIENT_DEFAULT_MAX_CONNECTIONS;
	cfg->max_retries = KMS_CLIENT_DEFAULT_MAX_RETRIES;
	cfg->max_in_flight = KMS_CLIENT_DEFAULT_MAX_IN_FLIGHT;
	cfg->breaker_failures = KMS_CLIENT_DEFAULT_BREAKER_FAILURES;
	cfg->breaker_open_ms = KMS_CLIENT_DEFAULT_BREAKER_OPEN_MS;
	cfg->backend = KMS_IO_AUTO;
	cfg->backoff_base_ms = KMS_CLIENT_DEFAULT_BACKOFF_BASE_MS;
	cfg->backoff_max_ms = KMS_CLIENT_DEFAULT_BACKOFF_MAX_MS;
}

static void default_if_zero(uint32_t *value, uint32_t fallback)
{
	if (*value == 0)
		*value = fallback;
}

static int check_range(const char *name, uint32_t value, uint32_t max,
		       char *err, size_t err_len)
{
	if (value <= max)
		return 0;
	snprintf(err, err_len, "invalid KMS client %s %u: the maximum is %u", name, value, max);
	return -1;
}

static int check_limits(const struct kms_client_config *cfg, char *err, size_t err_len)
{
	if (check_range("timeout_ms", cfg->timeout_ms, MAX_TIMEOUT_MS, err, err_len) ||
	    check_range("max_connections", cfg->max_connections, KC_MAX_CONNECTIONS, err, err_len) ||
	    check_range("max_retries", cfg->max_retries, MAX_RETRIES, err, err_len) ||
	    check_range("max_in_flight", cfg->max_in_flight, MAX_IN_FLIGHT, err, err_len) ||
	    check_range("breaker_open_ms", cfg->breaker_open_ms, MAX_BREAKER_OPEN_MS, err, err_len) ||
	    check_range("backoff_max_ms", cfg->backoff_max_ms, MAX_BACKOFF_MS, err, err_len) ||
	    check_range("backoff_base_ms", cfg->backoff_base_ms, cfg->backoff_max_ms, err, err_len))
		return -1;
	if (cfg->backend != KMS_IO_AUTO && cfg->backend != KMS_IO_URING &&
	    cfg->backend != KMS_IO_EPOLL) {
		snprintf(err, err_len, "invalid KMS client backend %d", (int)cfg->backend);
		return -1;
	}
	return 0;
}

static int copy_string(char **out, const char *in, const char *name, char *err, size_t err_len)
{
	*out = NULL;
	if (!in)
		return 0;
	if (in[0] == '\0') {
		snprintf(err, err_len, "invalid KMS client %s: empty file name", name);
		return -1;
	}
	*out = strdup(in);
	if (!*out) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	return 0;
}

int kc_config_load(struct kms_client *c, const struct kms_client_config *cfg,
		   char *err, size_t err_len)
{
	c->cfg = *cfg;
	struct kms_client_config *own = &c->cfg;
	default_if_zero(&own->timeout_ms, KMS_CLIENT_DEFAULT_TIMEOUT_MS);
	default_if_zero(&own->max_connections, KMS_CLIENT_DEFAULT_MAX_CONNECTIONS);
	default_if_zero(&own->max_in_flight, KMS_CLIENT_DEFAULT_MAX_IN_FLIGHT);
	default_if_zero(&own->breaker_failures, KMS_CLIENT_DEFAULT_BREAKER_FAILURES);
	default_if_zero(&own->breaker_open_ms, KMS_CLIENT_DEFAULT_BREAKER_OPEN_MS);
	default_if_zero(&own->backoff_base_ms, KMS_CLIENT_DEFAULT_BACKOFF_BASE_MS);
	default_if_zero(&own->backoff_max_ms, KMS_CLIENT_DEFAULT_BACKOFF_MAX_MS);
	if (check_limits(own, err, err_len) != 0)
		return -1;

	if (kc_url_parse(cfg->url, &c->url, err, err_len) != 0)
		return -1;
	if ((cfg->cert_file == NULL) != (cfg->key_file == NULL)) {
		snprintf(err, err_len, "KMS client cert_file and key_file must be given together");
		return -1;
	}
	if (copy_string(&c->ca_file, cfg->ca_file, "ca_file", err, err_len) ||
	    copy_string(&c->cert_file, cfg->cert_file, "cert_file", err, err_len) ||
	    copy_string(&c->key_file, cfg->key_file, "key_file", err, err_len))
		return -1;
	/* The caller's strings need not outlive the start. */
	own->url = NULL;
	own->ca_file = c->ca_file;
	own->cert_file = c->cert_file;
	own->key_file = c->key_file;
	return 0;
}

void kc_config_free(struct kms_client *c)
{
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	c->ca_file = c->cert_file = c->key_file = NULL;
}
