/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_audit.h"

#include <string.h>
#include <time.h>

#include "lib/util/log.h"

/* Appends text as a quoted value, with '?' for bytes outside printable ASCII. */
static size_t put_quoted(char *buf, size_t cap, size_t used, const char *text)
{
	if (used + 1 >= cap)
		return used;
	buf[used++] = '"';
	for (const char *p = text != NULL ? text : ""; *p != '\0' && used + 3 < cap; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			buf[used++] = '\\';
		buf[used++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[used++] = '"';
	buf[used] = '\0';
	return used;
}

static size_t put_text(char *buf, size_t cap, size_t used, const char *text)
{
	int n = snprintf(buf + used, cap - used, "%s", text);

	if (n < 0)
		return used;
	return used + (size_t)n < cap ? used + (size_t)n : cap - 1;
}

size_t mgmt_audit_format(const struct mgmt_audit_entry *e, char *buf, size_t cap)
{
	char status[64];
	size_t used = 0;

	buf[0] = '\0';
	used = put_text(buf, cap, used, "client=");
	used = put_quoted(buf, cap, used, e->subject);
	used = put_text(buf, cap, used, " fingerprint=");
	used = put_text(buf, cap, used, e->fingerprint);
	used = put_text(buf, cap, used, " peer=");
	used = put_text(buf, cap, used, e->peer);
	used = put_text(buf, cap, used, " method=");
	used = put_quoted(buf, cap, used, e->method);
	used = put_text(buf, cap, used, " path=");
	used = put_quoted(buf, cap, used, e->path);
	used = put_text(buf, cap, used, " object=");
	used = put_quoted(buf, cap, used, e->object);

	bool accepted = e->status >= 200 && e->status < 300;
	snprintf(status, sizeof(status), " status=%d result=%s", e->status,
		 accepted ? "accepted" : "rejected");
	used = put_text(buf, cap, used, status);
	if (!accepted) {
		used = put_text(buf, cap, used, " reason=");
		used = put_quoted(buf, cap, used, e->reason);
	}
	return used;
}

int mgmt_audit_write(FILE *file, const struct mgmt_audit_entry *e)
{
	char line[2048];
	char stamp[32];
	struct timespec now;
	struct tm tm;

	mgmt_audit_format(e, line, sizeof(line));
	if (!e->change) {
		LOG_DEBUG("audit: %s", line);
		return 0;
	}
	lime_log_unlimited(LIME_LOG_NOTICE, "audit: %s", line);
	if (file == NULL)
		return 0;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (fprintf(file, "%s.%03ldZ audit: %s\n", stamp, now.tv_nsec / 1000000, line) < 0 ||
	    fflush(file) != 0)
		return -1;
	return 0;
}
