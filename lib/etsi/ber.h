/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_BER_H
#define LIME_BER_H

/*
 * BER (ITU-T X.690) primitives for the ETSI handover.
 *
 * The writer fills a caller buffer from its end towards its start. A
 * constructed value is written content first (last field first), and then
 * its length and identifier are prepended. Nested lengths are therefore
 * known without a size pass or any allocation. ber_writer_finish() moves
 * the result to the start of the buffer. Lengths are definite and minimal
 * (DER style) and integers are minimal two's complement.
 *
 * The reader walks a buffer TLV by TLV and rejects what a DER-strict peer
 * would: indefinite lengths, non-minimal lengths and tag numbers, lengths
 * past the end of the enclosing value, and nesting deeper than
 * BER_MAX_DEPTH.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BER_UNIVERSAL   0x00
#define BER_APPLICATION 0x40
#define BER_CONTEXT     0x80
#define BER_PRIVATE     0xC0

#define BER_TAG_INTEGER     2
#define BER_TAG_OCTET_STRING 4
#define BER_TAG_NULL        5
#define BER_TAG_OID         6
#define BER_TAG_ENUMERATED  10
#define BER_TAG_RELATIVE_OID 13
#define BER_TAG_SEQUENCE    16
#define BER_TAG_PRINTABLE   19
#define BER_TAG_GENERALIZED_TIME 24

#define BER_MAX_DEPTH 16
/* Largest tag number accepted or written: 4 subsequent octets. */
#define BER_MAX_TAG ((1u << 28) - 1)

enum ber_status {
	BER_OK = 0,
	BER_END,                   /* no more TLVs in this reader */
	BER_NEED_MORE,             /* header incomplete (stream splitting) */
	BER_ERR_TRUNCATED,         /* header or value runs past the end */
	BER_ERR_INDEFINITE,        /* length octet 0x80 */
	BER_ERR_LENGTH,            /* non-minimal or reserved length form */
	BER_ERR_TAG,               /* non-minimal or too large tag number */
	BER_ERR_DEPTH,             /* nesting deeper than BER_MAX_DEPTH */
	BER_ERR_VALUE,             /* content not valid for the type */
	BER_ERR_SPACE,             /* writer buffer too small */
	BER_ERR_ARG,               /* invalid argument to an encoder */
};

const char *ber_status_text(int status);

/* Writer. */
struct ber_writer {
	uint8_t *buf;
	size_t cap;
	size_t used;       /* bytes written, at buf[cap - used .. cap) */
	int status;        /* first error, sticky */
};

void ber_writer_init(struct ber_writer *w, uint8_t *buf, size_t cap);
/* Moves the encoding to buf[0] and stores its length. Returns the first
 * error met while writing, or BER_OK. */
int ber_writer_finish(struct ber_writer *w, size_t *len);

/* Prepends n raw bytes. */
void ber_put_raw(struct ber_writer *w, const void *p, size_t n);
/* Prepends the identifier and length of a value whose content is the
 * w->used - mark bytes written since mark was taken from w->used. */
void ber_wrap(struct ber_writer *w, uint8_t cls, bool constructed,
	      uint32_t tag, size_t mark);
void ber_put_header(struct ber_writer *w, uint8_t cls, bool constructed,
		    uint32_t tag, size_t content_len);
void ber_put_uint(struct ber_writer *w, uint8_t cls, uint32_t tag,
		  uint64_t value);
void ber_put_int(struct ber_writer *w, uint8_t cls, uint32_t tag,
		 int64_t value);
void ber_put_null(struct ber_writer *w, uint8_t cls, uint32_t tag);
void ber_put_octets(struct ber_writer *w, uint8_t cls, uint32_t tag,
		    const void *p, size_t n);
/* OBJECT IDENTIFIER (relative false: folds the first two arcs) or
 * RELATIVE-OID content with base-128 subidentifiers. */
void ber_put_oid(struct ber_writer *w, uint8_t cls, uint32_t tag,
		 const uint32_t *arcs, size_t count, bool relative);

/* Forward encoders of single parts, for templates and tests. Each writes
 * to out (at least 10 bytes) and returns the byte count, or 0 on an
 * invalid argument. */
size_t ber_encode_identifier(uint8_t cls, bool constructed, uint32_t tag,
			     uint8_t *out);
size_t ber_encode_length(size_t len, uint8_t *out);
/* Minimal two's complement content octets of a non-negative integer. */
size_t ber_encode_uint(uint64_t value, uint8_t *out);
size_t ber_encode_int(int64_t value, uint8_t *out);
size_t ber_uint_len(uint64_t value);
size_t ber_length_len(size_t len);
/* OID content octets; returns 0 if count is invalid or cap is too small. */
size_t ber_encode_oid(const uint32_t *arcs, size_t count, bool relative,
		      uint8_t *out, size_t cap);

/* Reader. Offsets are relative to the start of the outermost buffer so
 * that errors can name a position in the PDU. */
struct ber_tlv {
	uint8_t cls;
	bool constructed;
	uint32_t tag;
	size_t offset;          /* of the identifier octet */
	size_t header_len;
	const uint8_t *value;
	size_t len;
};

struct ber_reader {
	const uint8_t *base;
	size_t pos;             /* next TLV, from base */
	size_t end;
	unsigned depth;
};

void ber_reader_init(struct ber_reader *r, const uint8_t *buf, size_t len);
/* Reads the next TLV; returns BER_OK, BER_END or an error. */
int ber_next(struct ber_reader *r, struct ber_tlv *t);
/* Reads the next TLV without consuming it. */
int ber_peek(const struct ber_reader *r, struct ber_tlv *t);
/* Opens a reader over the content of a constructed TLV read from parent. */
int ber_enter(const struct ber_reader *parent, const struct ber_tlv *t,
	      struct ber_reader *child);
bool ber_at_end(const struct ber_reader *r);

/* Parses an identifier and a definite length at p. Returns BER_OK with
 * t->value and t->len set (the value may extend beyond avail),
 * BER_NEED_MORE if avail ends inside the header, or an error. t->offset
 * is set to 0. */
int ber_parse_header(const uint8_t *p, size_t avail, struct ber_tlv *t);

/* Value decoders; each checks the content rules of its type. */
int ber_get_uint(const struct ber_tlv *t, uint64_t max, uint64_t *value);
int ber_get_int(const struct ber_tlv *t, int64_t *value);
int ber_get_null(const struct ber_tlv *t);
/* Fills arcs (unfolded for an absolute OID); BER_ERR_VALUE on a bad
 * encoding, an arc above 2^32-1 or more than max arcs. */
int ber_get_oid(const struct ber_tlv *t, bool relative, uint32_t *arcs,
		size_t max, size_t *count);

#endif /* LIME_BER_H */
