/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define INITIAL_CAP 4096

void kms_buf_init(struct kms_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

void kms_buf_free(struct kms_buf *b)
{
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int kms_buf_reserve(struct kms_buf *b, size_t n)
{
	size_t need, cap;
	uint8_t *grown;

	if (n > b->limit || b->len > b->limit - n)
		return -1;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	cap = b->cap == 0 ? INITIAL_CAP : b->cap;
	while (cap < need)
		cap *= 2;
	if (cap > b->limit)
		cap = b->limit;

	/* A copy instead of realloc, so that the old block is wiped. */
	grown = malloc(cap);
	if (grown == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(grown, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = grown;
	b->cap = cap;
	return 0;
}

int kms_buf_append(struct kms_buf *b, const void *p, size_t n)
{
	if (kms_buf_reserve(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int kms_buf_printf(struct kms_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return kms_buf_append(b, line, (size_t)n);
}

void kms_buf_consume(struct kms_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}
