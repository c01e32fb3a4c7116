/* SPDX-License-Identifier: BSD-3-Clause */
#include "kms_client/kc_url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCHEME "https://"

static int fail(char *err, size_t err_len, const char *url, const char *problem)
{
	snprintf(err, err_len, "invalid KMS url \"%s\": %s", url, problem);
	return -1;
}

static bool is_host_name(const char *host)
{
	for (const char *p = host; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	}
	return host[0] != '\0';
}

/* Splits the authority "host", "host:port", "[v6]" or "[v6]:port". */
static int parse_authority(const char *url, const char *auth, size_t len,
			   struct kc_url *out, char *err, size_t err_len)
{
	const char *host = auth, *port = NULL;
	size_t host_len;

	if (len > 0 && auth[0] == '[') {
		const char *close = memchr(auth, ']', len);
		if (!close)
			return fail(err, err_len, url, "missing ']' after the IPv6 address");
		host = auth + 1;
		host_len = (size_t)(close - host);
		if (close + 1 < auth + len) {
			if (close[1] != ':')
				return fail(err, err_len, url, "unexpected text after ']'");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(auth, ':', len);
		host_len = colon ? (size_t)(colon - auth) : len;
		if (colon)
			port = colon + 1;
	}
	if (host_len == 0 || host_len > KC_URL_MAX_HOST)
		return fail(err, err_len, url, "missing or too long host");
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';

	size_t port_len = port ? (size_t)(auth + len - port) : 0;
	if (!port || port_len == 0) {
		strcpy(out->port, "443");
	} else {
		if (port_len > 5 || strspn(port, "0123456789") < port_len)
			return fail(err, err_len, url, "the port is not a number");
		char digits[6];
		memcpy(digits, port, port_len);
		digits[port_len] = '\0';
		long value = strtol(digits, NULL, 10);
		if (value < 1 || value > 65535)
			return fail(err, err_len, url, "the port is not between 1 and 65535");
		snprintf(out->port, sizeof(out->port), "%ld", value);
	}

	unsigned char addr[16];
	bool v6 = inet_pton(AF_INET6, out->host, addr) == 1;
	out->host_is_ip = v6 || inet_pton(AF_INET, out->host, addr) == 1;
	if (auth[0] == '[' && !v6)
		return fail(err, err_len, url, "the text in brackets is not an IPv6 address");
	if (!out->host_is_ip && !is_host_name(out->host))
		return fail(err, err_len, url, "the host is not a host name or IP address");

	const char *fmt = v6 ? "[%s]" : "%s";
	int n = snprintf(out->host_header, sizeof(out->host_header), fmt, out->host);
	if (strcmp(out->port, "443") != 0)
		snprintf(out->host_header + n, sizeof(out->host_header) - (size_t)n,
			 ":%s", out->port);
	return 0;
}

int kc_url_parse(const char *url, struct kc_url *out, char *err, size_t err_len)
{
	memset(out, 0, sizeof(*out));
	if (!url || url[0] == '\0') {
		snprintf(err, err_len, "missing KMS url");
		return -1;
	}
	if (strncasecmp(url, SCHEME, strlen(SCHEME)) != 0)
		return fail(err, err_len, url, "only https:// URLs are supported");
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return fail(err, err_len, url, "spaces and control characters are not allowed");
	}

	const char *auth = url + strlen(SCHEME);
	size_t auth_len = strcspn(auth, "/?#");
	if (memchr(auth, '@', auth_len))
		return fail(err, err_len, url, "user information is not supported");
	if (parse_authority(url, auth, auth_len, out, err, err_len) != 0)
		return -1;

	const char *path = auth + auth_len;
	if (strchr(path, '#'))
		return fail(err, err_len, url, "fragments are not allowed");
	if (strlen(path) >= KC_URL_MAX_PATH)
		return fail(err, err_len, url, "the path is too long");
	/* A query without a path ("https://h?x") still needs the "/". */
	if (path[0] != '/')
		snprintf(out->path, sizeof(out->path), "/%s", path);
	else
		snprintf(out->path, sizeof(out->path), "%s", path);
	return 0;
}
