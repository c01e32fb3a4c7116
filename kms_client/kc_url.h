/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_URL_H
#define LIME_KMS_CLIENT_URL_H

/* The parts of the KMS URL, https://host[:port]/path, that the client uses. */

#include <stdbool.h>
#include <stddef.h>

#define KC_URL_MAX_HOST 253
#define KC_URL_MAX_PATH 2048

struct kc_url {
	char host[KC_URL_MAX_HOST + 1];    /* without the brackets of an IPv6 literal */
	char port[6];                      /* decimal, "443" by default */
	bool host_is_ip;                   /* an IPv4 or IPv6 literal */
	char path[KC_URL_MAX_PATH + 1];    /* request target, "/" when absent */
	/* Value of the Host header field: the authority of the URL, with the
	 * port only when it is not 443. */
	char host_header[KC_URL_MAX_HOST + 10];
};

/* Parses url. Only the https scheme is accepted, and user information and
 * fragments are rejected. Returns 0, or -1 with a message in err. */
int kc_url_parse(const char *url, struct kc_url *out, char *err, size_t err_len);

#endif
