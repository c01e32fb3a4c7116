/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_TEXT_H
#define LIME_TOOLS_CALLGEN_TEXT_H

/* A bounded text buffer for SIP and SDP messages. */

#include <stdbool.h>
#include <stddef.h>

struct cg_text {
	char *p;
	size_t len;
	size_t cap;
	bool overflow;             /* a write did not fit; p is cut short */
};

void cg_text_init(struct cg_text *t, char *buf, size_t cap);

/* Appends formatted text; sets overflow instead of writing past cap. */
void cg_text_add(struct cg_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends bytes as they are. */
void cg_text_bytes(struct cg_text *t, const char *bytes, size_t len);

/* Writes the base64 (RFC 4648) of data with padding; out needs
 * 4 * ((len + 2) / 3) + 1 bytes. Returns the text length. */
size_t cg_base64(const unsigned char *data, size_t len, char *out);

#endif
