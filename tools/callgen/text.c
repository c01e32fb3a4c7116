/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

void cg_text_init(struct cg_text *t, char *buf, size_t cap)
{
	t->p = buf;
	t->len = 0;
	t->cap = cap;
	t->overflow = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

void cg_text_add(struct cg_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->overflow = true;
		t->p[t->len] = '\0';
		return;
	}
	t->len += (size_t)n;
}

void cg_text_bytes(struct cg_text *t, const char *bytes, size_t len)
{
	if (t->overflow)
		return;
	if (len >= t->cap - t->len) {
		t->overflow = true;
		return;
	}
	memcpy(t->p + t->len, bytes, len);
	t->len += len;
	t->p[t->len] = '\0';
}

size_t cg_base64(const unsigned char *data, size_t len, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}
