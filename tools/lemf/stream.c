/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/stream.h"

#include <stdlib.h>
#include <string.h>

#include "lib/etsi/etsi.h"

/* First buffer size; most connections never need more. */
#define STREAM_INITIAL_CAP (64u * 1024u)

int pdu_stream_init(struct pdu_stream *s, size_t max_pdu)
{
	memset(s, 0, sizeof(*s));
	s->max_pdu = max_pdu;
	s->cap = max_pdu < STREAM_INITIAL_CAP ? max_pdu : STREAM_INITIAL_CAP;
	s->buf = malloc(s->cap);
	return s->buf == NULL ? -1 : 0;
}

void pdu_stream_free(struct pdu_stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

size_t pdu_stream_pending(const struct pdu_stream *s)
{
	return s->len - s->start;
}

uint8_t *pdu_stream_space(struct pdu_stream *s, size_t *avail)
{
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->offset += s->start;
		s->len -= s->start;
		s->start = 0;
	}
	if (s->len == s->cap) {
		/*
		 * Full with no whole PDU, so the pending PDU is longer than the
		 * buffer but, as pdu_stream_next() checked, at most max_pdu.
		 */
		size_t want = s->cap * 2 < s->max_pdu ? s->cap * 2 : s->max_pdu;
		uint8_t *b = want > s->cap ? realloc(s->buf, want) : NULL;

		if (b == NULL)
			return NULL;
		s->buf = b;
		s->cap = want;
	}
	*avail = s->cap - s->len;
	return s->buf + s->len;
}

void pdu_stream_commit(struct pdu_stream *s, size_t n)
{
	s->len += n;
}

/* Returns the total length the outer header at p declares, for logs;
 * etsi_pdu_length() has checked that the header is complete. */
static size_t declared_length(const uint8_t *p, size_t have)
{
	if (have < 2 || p[1] < 0x80)
		return have < 2 ? 0 : 2 + (size_t)p[1];

	size_t k = p[1] & 0x7f;
	uint64_t n = 0;

	for (size_t i = 0; i < k && i < 8 && 2 + i < have; i++)
		n = n << 8 | p[2 + i];
	return (size_t)(2 + k + n);
}

enum pdu_next pdu_stream_next(struct pdu_stream *s, const uint8_t **pdu,
			      size_t *len, uint64_t *offset, size_t *declared)
{
	const uint8_t *p = s->buf + s->start;
	size_t have = s->len - s->start;
	size_t pdu_len = 0;

	*offset = s->offset + s->start;
	if (have == 0)
		return PDU_NEED_MORE;

	int rc = etsi_pdu_length(p, have, s->max_pdu, &pdu_len);

	switch (rc) {
	case ETSI_OK:
		break;
	case ETSI_NEED_MORE:
		return PDU_NEED_MORE;
	case ETSI_ERR_TOO_LARGE:
		*declared = declared_length(p, have);
		return PDU_TOO_LARGE;
	default:
		return PDU_INVALID;
	}
	if (pdu_len > have)
		return PDU_NEED_MORE;
	*pdu = p;
	*len = pdu_len;
	s->start += pdu_len;
	return PDU_READY;
}
