/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "control/delivery/delivery.h"

static bool is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int dl_path_escape(const char *name, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (size_t i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (is_plain(c) && !(i == 0 && c == '.')) {
			if (n + 1 >= cap)
				return -1;
			out[n++] = (char)c;
			continue;
		}
		if (n + 3 >= cap)
			return -1;
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	if (n >= cap)
		return -1;
	out[n] = '\0';
	return 0;
}

int dl_path_mkdirs(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char saved = buf[i];

		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -errno;
		buf[i] = saved;
	}
	return 0;
}

int dl_path_channel_dir(const char *spool_dir, const char *agency, int channel,
			char *out, size_t cap)
{
	char escaped[768];

	if (dl_path_escape(agency, escaped, sizeof(escaped)) != 0)
		return -1;
	int n = snprintf(out, cap, "%s/agencies/%s/%s", spool_dir, escaped,
			 channel == DELIVERY_HI3 ? "hi3" : "hi2");
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
