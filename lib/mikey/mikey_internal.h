/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_INTERNAL_H
#define LIME_MIKEY_INTERNAL_H

/* Bounds-checked reading shared by the MIKEY parser files. Not installed. */

#include <stdarg.h>

#include "lib/mikey/mikey.h"

/*
 * A cursor over the caller's whole buffer, so off is also the offset that
 * errors and payloads report. what and what_offset name the payload being
 * read, for error messages. odd collects enum mikey_odd bits.
 */
struct mikey_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	struct mikey_error *err;
	const char *what;
	size_t what_offset;
	uint32_t odd;
};

enum mikey_status mikey_fail(struct mikey_error *err, enum mikey_status status,
			     size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records an error about the current payload at the cursor. */
enum mikey_status mikey_reader_fail(struct mikey_reader *r,
				    enum mikey_status status,
				    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline size_t mikey_left(const struct mikey_reader *r)
{
	return r->len - r->off;
}

/* Fixed-size field: MIKEY_ERR_TRUNCATED when fewer than n bytes are left. */
enum mikey_status mikey_need(struct mikey_reader *r, size_t n,
			     const char *field);

/* Field whose length came from the wire: MIKEY_ERR_LENGTH when it does not
 * fit, otherwise *out points at it and the cursor moves past it. */
enum mikey_status mikey_take(struct mikey_reader *r, size_t n,
			     const char *field, struct mikey_slice *out);

/* Callers check mikey_need() first. */
uint8_t mikey_get_u8(struct mikey_reader *r);
uint16_t mikey_get_u16(struct mikey_reader *r);
uint32_t mikey_get_u32(struct mikey_reader *r);
uint64_t mikey_get_uint(struct mikey_reader *r, size_t size);
struct mikey_slice mikey_get_bytes(struct mikey_reader *r, size_t n);

/* Parses one payload of the given type at the cursor (mikey_payload.c). */
enum mikey_status mikey_parse_payload(struct mikey_reader *r, uint8_t type,
				      struct mikey_payloads *pl,
				      struct mikey_payload *p);

/* Parses a KV field of key data or DH (mikey_key_data.c). */
enum mikey_status mikey_parse_kv(struct mikey_reader *r, uint8_t kv_type,
				 struct mikey_kv *kv);

/* Parses the CS ID map of HDR (mikey_csmap.c). */
enum mikey_status mikey_parse_cs_map(struct mikey_reader *r,
				     struct mikey_hdr *hdr, uint32_t *odd);

/* Big-endian stores for the builder and the helpers. */
static inline void mikey_store_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mikey_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* LIME_MIKEY_INTERNAL_H */
