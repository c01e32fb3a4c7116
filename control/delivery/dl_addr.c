/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "control/delivery/dl_internal.h"

static int copy_part(const char *from, size_t len, char *to, size_t cap)
{
	if (len == 0 || len >= cap)
		return -1;
	memcpy(to, from, len);
	to[len] = '\0';
	return 0;
}

int dl_addr_split(const char *text, char *host, size_t host_cap,
		  char *port, size_t port_cap)
{
	const char *colon;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		if (copy_part(text + 1, (size_t)(close - text - 1), host, host_cap) != 0)
			return -1;
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL ||
		    copy_part(text, (size_t)(colon - text), host, host_cap) != 0)
			return -1;
	}
	return copy_part(colon + 1, strlen(colon + 1), port, port_cap);
}
