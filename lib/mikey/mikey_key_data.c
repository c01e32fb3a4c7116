/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key data sub-payloads (RFC 3830 section 6.13, RFC 6043 section 6.13)
 * from a decrypted KEMAC, and the KV field they share with DH.
 */
#include <string.h>

#include "lib/mikey/mikey_internal.h"

enum mikey_status mikey_parse_kv(struct mikey_reader *r, uint8_t kv_type,
				 struct mikey_kv *kv)
{
	enum mikey_status st;

	kv->kv_type = kv_type;
	switch (kv_type) {
	case MIKEY_KV_NULL:
		return MIKEY_OK;
	case MIKEY_KV_SPI:
		st = mikey_need(r, 1, "SPI len");
		if (st != MIKEY_OK)
			return st;
		return mikey_take(r, mikey_get_u8(r), "SPI", &kv->spi);
	case MIKEY_KV_INTERVAL:
		st = mikey_need(r, 1, "VF len");
		if (st != MIKEY_OK)
			return st;
		st = mikey_take(r, mikey_get_u8(r), "VF", &kv->vf);
		if (st != MIKEY_OK)
			return st;
		st = mikey_need(r, 1, "VT len");
		if (st != MIKEY_OK)
			return st;
		return mikey_take(r, mikey_get_u8(r), "VT", &kv->vt);
	default:
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "KV type %u is unknown, so the KV data size is unknown",
					 kv_type);
	}
}

static bool has_salt(uint8_t type)
{
	return type == MIKEY_KEY_TGK_SALT || type == MIKEY_KEY_TEK_SALT ||
	       type == MIKEY_KEY_GTGK_SALT;
}

/*
 * GStreamer sends a TGK or TEK without salt whose key field contains the
 * SRTP master key followed by the master salt. With the expected lengths
 * from the SP payload the split is unambiguous.
 */
static void split_packed_salt(struct mikey_key_data *kd,
			      const struct mikey_key_hint *hint, uint32_t *odd)
{
	if (hint == NULL || hint->key_len == 0 || hint->salt_len == 0)
		return;
	if (kd->type != MIKEY_KEY_TGK && kd->type != MIKEY_KEY_TEK)
		return;
	if (kd->key.len != hint->key_len + hint->salt_len)
		return;

	kd->salt.p = kd->key.p + hint->key_len;
	kd->salt.len = hint->salt_len;
	kd->key.len = hint->key_len;
	kd->packed_salt = true;
	*odd |= MIKEY_ODD_PACKED_SALT;
}

static enum mikey_status parse_one(struct mikey_reader *r,
				   struct mikey_key_data *kd, uint8_t *np)
{
	r->what = "key data";
	r->what_offset = r->off;
	kd->offset = r->off;

	enum mikey_status st = mikey_need(r, 4, "Key data len");
	if (st != MIKEY_OK)
		return st;

	*np = mikey_get_u8(r);
	uint8_t type_kv = mikey_get_u8(r);
	kd->type = type_kv >> 4;
	if (kd->type > MIKEY_KEY_MPK)
		return mikey_reader_fail(r, MIKEY_ERR_VALUE,
					 "key type %u is unknown", kd->type);

	st = mikey_take(r, mikey_get_u16(r), "key data", &kd->key);
	if (st != MIKEY_OK)
		return st;

	if (has_salt(kd->type)) {
		st = mikey_need(r, 2, "Salt len");
		if (st != MIKEY_OK)
			return st;
		st = mikey_take(r, mikey_get_u16(r), "salt", &kd->salt);
		if (st != MIKEY_OK)
			return st;
	}

	st = mikey_parse_kv(r, type_kv & 0x0f, &kd->kv);
	kd->len = r->off - kd->offset;
	return st;
}

enum mikey_status mikey_parse_key_data(const uint8_t *plain, size_t len,
				       struct mikey_key_data *out, size_t max,
				       size_t *n,
				       const struct mikey_key_hint *hint,
				       uint32_t *odd, struct mikey_error *err)
{
	struct mikey_reader r = { .buf = plain, .len = len, .err = err };
	uint32_t odd_bits = 0;
	uint8_t np = len > 0 ? MIKEY_PT_KEY_DATA : MIKEY_PT_LAST;

	*n = 0;
	if (err != NULL)
		memset(err, 0, sizeof(*err));

	while (np != MIKEY_PT_LAST) {
		if (np != MIKEY_PT_KEY_DATA)
			return mikey_fail(err, MIKEY_ERR_NEXT_PAYLOAD, r.off,
					  "key data at offset %zu: Next Payload %u is neither key data (20) nor last (0)",
					  out[*n - 1].offset, np);
		if (*n == max)
			return mikey_fail(err, MIKEY_ERR_TOO_MANY, r.off,
					  "key data at offset %zu: more than %zu key data sub-payloads",
					  r.off, max);

		struct mikey_key_data *kd = &out[*n];
		memset(kd, 0, sizeof(*kd));
		enum mikey_status st = parse_one(&r, kd, &np);
		if (st != MIKEY_OK)
			return st;

		split_packed_salt(kd, hint, &odd_bits);
		(*n)++;
	}

	if (r.off < len)
		odd_bits |= MIKEY_ODD_TRAILING_BYTES;
	if (odd != NULL)
		*odd = odd_bits;
	return MIKEY_OK;
}
