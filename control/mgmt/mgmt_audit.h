/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_AUDIT_H
#define LIME_CONTROL_MGMT_AUDIT_H

/*
 * Audit lines of the management API: one per change attempt, accepted or
 * rejected, to lime's log (notice level, prefix "audit:") and appended to
 * the audit file when one is configured. Reads go to the log at debug
 * level only. docs/management-api.md shows the format.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mgmt_audit_entry {
	const char *subject;       /* client certificate subject, RFC 2253 */
	const char *fingerprint;   /* "sha256:" and the first 16 hex digits */
	const char *peer;          /* "127.0.0.1:50312" */
	const char *method;
	const char *path;
	const char *object;        /* LIID or agency name, "" when none */
	int status;
	const char *reason;        /* reason for the rejection, "" when accepted */
	bool change;
};

/* Formats the line without the time and the prefix. Returns its length. */
size_t mgmt_audit_format(const struct mgmt_audit_entry *e, char *buf, size_t cap);

/*
 * Logs the entry and, for a change with file not NULL, appends
 * "TIME audit: ..." to file. Returns 0, or -1 when the file write failed.
 */
int mgmt_audit_write(FILE *file, const struct mgmt_audit_entry *e);

#endif
