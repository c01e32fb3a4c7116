/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_BUF_H
#define LIME_TOOLS_KMS_KMS_BUF_H

/*
 * A growable byte buffer with a hard size limit, for the input and output
 * of a connection. The bytes in use are data[0..len).
 */

#include <stddef.h>
#include <stdint.h>

struct kms_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t limit;              /* cap never grows past this */
};

void kms_buf_init(struct kms_buf *b, size_t limit);

/* Frees the storage after wiping it, since requests and responses carry
 * encrypted keys and MACs. */
void kms_buf_free(struct kms_buf *b);

/* Makes room for n more bytes. Returns 0, or -1 past the limit or when
 * memory runs out. */
int kms_buf_reserve(struct kms_buf *b, size_t n);

/* Appends n bytes. Returns 0 or -1 as kms_buf_reserve. */
int kms_buf_append(struct kms_buf *b, const void *p, size_t n);

/* Appends a formatted string without its NUL. Returns 0 or -1. */
int kms_buf_printf(struct kms_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Drops the first n bytes. */
void kms_buf_consume(struct kms_buf *b, size_t n);

#endif
