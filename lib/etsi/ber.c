/* SPDX-License-Identifier: BSD-3-Clause */
#include "ber.h"

#include <string.h>

const char *ber_status_text(int status)
{
	switch (status) {
	case BER_OK: return "ok";
	case BER_END: return "end of value";
	case BER_NEED_MORE: return "incomplete header";
	case BER_ERR_TRUNCATED: return "value runs past the end of its container";
	case BER_ERR_INDEFINITE: return "indefinite length is not allowed";
	case BER_ERR_LENGTH: return "length is not minimal or uses a reserved form";
	case BER_ERR_TAG: return "tag number is not minimal or too large";
	case BER_ERR_DEPTH: return "nesting too deep";
	case BER_ERR_VALUE: return "invalid content for the type";
	case BER_ERR_SPACE: return "output buffer too small";
	case BER_ERR_ARG: return "invalid argument";
	default: return "unknown status";
	}
}

/* Forward encoders. */

size_t ber_encode_identifier(uint8_t cls, bool constructed, uint32_t tag,
			     uint8_t *out)
{
	uint8_t first = (uint8_t)(cls | (constructed ? 0x20 : 0));

	if (tag > BER_MAX_TAG)
		return 0;
	if (tag < 31) {
		out[0] = (uint8_t)(first | tag);
		return 1;
	}
	/* High-tag form: base-128 digits, most significant first, bit 8 set
	 * on all but the last. */
	size_t n = 1;
	for (uint32_t v = tag >> 7; v != 0; v >>= 7)
		n++;
	out[0] = (uint8_t)(first | 0x1f);
	for (size_t i = 0; i < n; i++) {
		uint8_t digit = (uint8_t)((tag >> (7 * (n - 1 - i))) & 0x7f);
		out[1 + i] = (uint8_t)(digit | (i + 1 < n ? 0x80 : 0));
	}
	return 1 + n;
}

size_t ber_length_len(size_t len)
{
	if (len < 0x80)
		return 1;
	size_t n = 0;
	for (size_t v = len; v != 0; v >>= 8)
		n++;
	return 1 + n;
}

/* Long form uses the fewest length octets, with no leading 0x00 even when
 * the top bit of the first octet is set: a length is unsigned. */
size_t ber_encode_length(size_t len, uint8_t *out)
{
	size_t n = ber_length_len(len);

	if (n == 1) {
		out[0] = (uint8_t)len;
		return 1;
	}
	out[0] = (uint8_t)(0x80 | (n - 1));
	for (size_t i = 1; i < n; i++)
		out[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return n;
}

size_t ber_uint_len(uint64_t value)
{
	/* One octet per 8 bits, plus a leading 0x00 when the top bit of the
	 * most significant octet is set, so the value stays non-negative. */
	size_t n = 1;
	while (n < 9 && (value >> (8 * n - 1)) != 0)
		n++;
	return n;
}

size_t ber_encode_uint(uint64_t value, uint8_t *out)
{
	size_t n = ber_uint_len(value);

	for (size_t i = 0; i < n; i++) {
		size_t shift = 8 * (n - 1 - i);
		out[i] = shift >= 64 ? 0 : (uint8_t)(value >> shift);
	}
	return n;
}

size_t ber_encode_int(int64_t value, uint8_t *out)
{
	if (value >= 0)
		return ber_encode_uint((uint64_t)value, out);

	/* Negative: drop leading 0xFF octets while the next octet keeps the
	 * sign bit set. */
	uint8_t full[8];
	uint64_t u = (uint64_t)value;
	for (size_t i = 0; i < 8; i++)
		full[i] = (uint8_t)(u >> (8 * (7 - i)));
	size_t skip = 0;
	while (skip < 7 && full[skip] == 0xff && (full[skip + 1] & 0x80))
		skip++;
	memcpy(out, full + skip, 8 - skip);
	return 8 - skip;
}

static size_t subid_len(uint64_t v)
{
	size_t n = 1;
	while (v >>= 7)
		n++;
	return n;
}

static size_t put_subid(uint64_t v, uint8_t *out)
{
	size_t n = subid_len(v);
	for (size_t i = 0; i < n; i++) {
		uint8_t digit = (uint8_t)((v >> (7 * (n - 1 - i))) & 0x7f);
		out[i] = (uint8_t)(digit | (i + 1 < n ? 0x80 : 0));
	}
	return n;
}

static bool oid_arcs_valid(const uint32_t *arcs, size_t count, bool relative)
{
	if (relative)
		return count >= 1;
	if (count < 2 || arcs[0] > 2)
		return false;
	return arcs[0] == 2 || arcs[1] < 40;
}

size_t ber_encode_oid(const uint32_t *arcs, size_t count, bool relative,
		      uint8_t *out, size_t cap)
{
	if (!oid_arcs_valid(arcs, count, relative))
		return 0;

	size_t first = 0;
	size_t n = 0;
	if (!relative) {
		/* The first two arcs share one subidentifier, 40 * X + Y,
		 * which may itself exceed 2^32 when X is 2. */
		uint64_t folded = 40 * (uint64_t)arcs[0] + arcs[1];
		if (subid_len(folded) > cap)
			return 0;
		n = put_subid(folded, out);
		first = 2;
	}
	for (size_t i = first; i < count; i++) {
		if (n + subid_len(arcs[i]) > cap)
			return 0;
		n += put_subid(arcs[i], out + n);
	}
	return n;
}

/* Writer. */

void ber_writer_init(struct ber_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->used = 0;
	w->status = BER_OK;
}

int ber_writer_finish(struct ber_writer *w, size_t *len)
{
	if (w->status != BER_OK)
		return w->status;
	memmove(w->buf, w->buf + (w->cap - w->used), w->used);
	*len = w->used;
	return BER_OK;
}

void ber_put_raw(struct ber_writer *w, const void *p, size_t n)
{
	if (w->status != BER_OK)
		return;
	if (n > w->cap - w->used) {
		w->status = BER_ERR_SPACE;
		return;
	}
	w->used += n;
	if (n > 0)
		memcpy(w->buf + (w->cap - w->used), p, n);
}

void ber_put_header(struct ber_writer *w, uint8_t cls, bool constructed,
		    uint32_t tag, size_t content_len)
{
	uint8_t id[8];
	uint8_t length[10];

	size_t id_len = ber_encode_identifier(cls, constructed, tag, id);
	if (id_len == 0) {
		if (w->status == BER_OK)
			w->status = BER_ERR_ARG;
		return;
	}
	size_t length_len = ber_encode_length(content_len, length);
	ber_put_raw(w, length, length_len);
	ber_put_raw(w, id, id_len);
}

void ber_wrap(struct ber_writer *w, uint8_t cls, bool constructed,
	      uint32_t tag, size_t mark)
{
	if (w->status != BER_OK)
		return;
	ber_put_header(w, cls, constructed, tag, w->used - mark);
}

void ber_put_uint(struct ber_writer *w, uint8_t cls, uint32_t tag,
		  uint64_t value)
{
	uint8_t content[9];
	size_t n = ber_encode_uint(value, content);

	ber_put_raw(w, content, n);
	ber_put_header(w, cls, false, tag, n);
}

void ber_put_int(struct ber_writer *w, uint8_t cls, uint32_t tag,
		 int64_t value)
{
	uint8_t content[9];
	size_t n = ber_encode_int(value, content);

	ber_put_raw(w, content, n);
	ber_put_header(w, cls, false, tag, n);
}

void ber_put_null(struct ber_writer *w, uint8_t cls, uint32_t tag)
{
	ber_put_header(w, cls, false, tag, 0);
}

void ber_put_octets(struct ber_writer *w, uint8_t cls, uint32_t tag,
		    const void *p, size_t n)
{
	ber_put_raw(w, p, n);
	ber_put_header(w, cls, false, tag, n);
}

void ber_put_oid(struct ber_writer *w, uint8_t cls, uint32_t tag,
		 const uint32_t *arcs, size_t count, bool relative)
{
	/* 5 octets per 32-bit arc, 10 for a folded first pair. */
	uint8_t content[5 * 64 + 10];

	if (count > 64) {
		if (w->status == BER_OK)
			w->status = BER_ERR_ARG;
		return;
	}
	size_t n = ber_encode_oid(arcs, count, relative, content,
				  sizeof(content));
	if (n == 0) {
		if (w->status == BER_OK)
			w->status = BER_ERR_ARG;
		return;
	}
	ber_put_raw(w, content, n);
	ber_put_header(w, cls, false, tag, n);
}

/* Reader. */

void ber_reader_init(struct ber_reader *r, const uint8_t *buf, size_t len)
{
	r->base = buf;
	r->pos = 0;
	r->end = len;
	r->depth = 0;
}

bool ber_at_end(const struct ber_reader *r)
{
	return r->pos >= r->end;
}

static int parse_identifier(const uint8_t *p, size_t avail, struct ber_tlv *t,
			    size_t *used)
{
	if (avail < 1)
		return BER_NEED_MORE;
	t->cls = p[0] & 0xc0;
	t->constructed = (p[0] & 0x20) != 0;
	if ((p[0] & 0x1f) != 0x1f) {
		t->tag = p[0] & 0x1f;
		*used = 1;
		return BER_OK;
	}

	/* High-tag form: a leading 0x80 octet is a non-minimal encoding,
	 * and the form is only for tag numbers of 31 and above. */
	uint32_t tag = 0;
	size_t i = 1;
	for (;; i++) {
		if (i >= avail)
			return BER_NEED_MORE;
		if (i == 1 && p[i] == 0x80)
			return BER_ERR_TAG;
		if (i > 4)
			return BER_ERR_TAG;
		tag = (tag << 7) | (p[i] & 0x7f);
		if ((p[i] & 0x80) == 0)
			break;
	}
	if (tag < 31)
		return BER_ERR_TAG;
	t->tag = tag;
	*used = i + 1;
	return BER_OK;
}

static int parse_length(const uint8_t *p, size_t avail, size_t *len,
			size_t *used)
{
	if (avail < 1)
		return BER_NEED_MORE;
	if (p[0] < 0x80) {
		*len = p[0];
		*used = 1;
		return BER_OK;
	}
	if (p[0] == 0x80)
		return BER_ERR_INDEFINITE;
	if (p[0] == 0xff)
		return BER_ERR_LENGTH;

	size_t n = p[0] & 0x7f;
	if (n > sizeof(size_t))
		return BER_ERR_LENGTH;
	if (avail < 1 + n)
		return BER_NEED_MORE;
	/* Minimal: no leading zero octet, and long form only from 128. */
	if (p[1] == 0)
		return BER_ERR_LENGTH;
	size_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[1 + i];
	if (v < 0x80)
		return BER_ERR_LENGTH;
	*len = v;
	*used = 1 + n;
	return BER_OK;
}

int ber_parse_header(const uint8_t *p, size_t avail, struct ber_tlv *t)
{
	size_t id_len;
	size_t length_len;
	size_t len;

	int rc = parse_identifier(p, avail, t, &id_len);
	if (rc != BER_OK)
		return rc;
	rc = parse_length(p + id_len, avail - id_len, &len, &length_len);
	if (rc != BER_OK)
		return rc;
	t->offset = 0;
	t->header_len = id_len + length_len;
	t->value = p + t->header_len;
	t->len = len;
	return BER_OK;
}

int ber_peek(const struct ber_reader *r, struct ber_tlv *t)
{
	if (r->pos >= r->end)
		return BER_END;

	size_t avail = r->end - r->pos;
	int rc = ber_parse_header(r->base + r->pos, avail, t);
	if (rc == BER_NEED_MORE)
		return BER_ERR_TRUNCATED;
	if (rc != BER_OK)
		return rc;
	if (t->len > avail - t->header_len)
		return BER_ERR_TRUNCATED;
	t->offset = r->pos;
	return BER_OK;
}

int ber_next(struct ber_reader *r, struct ber_tlv *t)
{
	int rc = ber_peek(r, t);
	if (rc == BER_OK)
		r->pos += t->header_len + t->len;
	return rc;
}

int ber_enter(const struct ber_reader *parent, const struct ber_tlv *t,
	      struct ber_reader *child)
{
	if (!t->constructed)
		return BER_ERR_VALUE;
	if (parent->depth + 1 > BER_MAX_DEPTH)
		return BER_ERR_DEPTH;
	child->base = parent->base;
	child->pos = t->offset + t->header_len;
	child->end = child->pos + t->len;
	child->depth = parent->depth + 1;
	return BER_OK;
}

/* Value decoders. */

static bool int_minimal(const struct ber_tlv *t)
{
	if (t->len < 1)
		return false;
	if (t->len == 1)
		return true;
	/* A leading 0x00 (or 0xFF) is redundant when the next octet
	 * carries the same sign. */
	uint8_t a = t->value[0];
	uint8_t b = t->value[1];
	if (a == 0x00 && (b & 0x80) == 0)
		return false;
	if (a == 0xff && (b & 0x80) != 0)
		return false;
	return true;
}

int ber_get_uint(const struct ber_tlv *t, uint64_t max, uint64_t *value)
{
	if (t->constructed || !int_minimal(t))
		return BER_ERR_VALUE;
	if (t->value[0] & 0x80)
		return BER_ERR_VALUE;   /* negative */
	if (t->len > 9 || (t->len == 9 && t->value[0] != 0))
		return BER_ERR_VALUE;

	uint64_t v = 0;
	for (size_t i = 0; i < t->len; i++)
		v = (v << 8) | t->value[i];
	if (v > max)
		return BER_ERR_VALUE;
	*value = v;
	return BER_OK;
}

int ber_get_int(const struct ber_tlv *t, int64_t *value)
{
	if (t->constructed || !int_minimal(t) || t->len > 8)
		return BER_ERR_VALUE;

	uint64_t v = (t->value[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t i = 0; i < t->len; i++)
		v = (v << 8) | t->value[i];
	*value = (int64_t)v;
	return BER_OK;
}

int ber_get_null(const struct ber_tlv *t)
{
	return (!t->constructed && t->len == 0) ? BER_OK : BER_ERR_VALUE;
}

static int get_subid(const uint8_t *p, size_t len, size_t *pos,
		     uint64_t *value)
{
	uint64_t v = 0;

	/* 0x80 cannot start a subidentifier: it would be a padding
	 * octet. */
	if (p[*pos] == 0x80)
		return BER_ERR_VALUE;
	for (;;) {
		if (*pos >= len)
			return BER_ERR_VALUE;   /* last octet has bit 8 set */
		if (v >> 57)
			return BER_ERR_VALUE;
		uint8_t b = p[(*pos)++];
		v = (v << 7) | (b & 0x7f);
		if ((b & 0x80) == 0)
			break;
	}
	*value = v;
	return BER_OK;
}

int ber_get_oid(const struct ber_tlv *t, bool relative, uint32_t *arcs,
		size_t max, size_t *count)
{
	size_t pos = 0;
	size_t n = 0;

	if (t->constructed || t->len == 0)
		return BER_ERR_VALUE;
	while (pos < t->len) {
		uint64_t v;
		if (get_subid(t->value, t->len, &pos, &v) != BER_OK)
			return BER_ERR_VALUE;
		if (!relative && n == 0) {
			/* Unfold 40 * X + Y; X is 2 for every value from 80. */
			uint64_t x = v < 40 ? 0 : (v < 80 ? 1 : 2);
			uint64_t y = v - 40 * x;
			if (max < 2 || y > UINT32_MAX)
				return BER_ERR_VALUE;
			arcs[0] = (uint32_t)x;
			arcs[1] = (uint32_t)y;
			n = 2;
			continue;
		}
		if (n >= max || v > UINT32_MAX)
			return BER_ERR_VALUE;
		arcs[n++] = (uint32_t)v;
	}
	*count = n;
	return BER_OK;
}
