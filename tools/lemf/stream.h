/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_STREAM_H
#define LIME_TOOLS_LEMF_STREAM_H

/*
 * Receive buffer of one handover connection. PS-PDUs come back to back
 * with no framing besides the outer BER SEQUENCE header, and a read can end
 * at any byte, so bytes are kept until a whole PDU is there. The buffer
 * grows to the length the next PDU declares and never past max_pdu.
 */

#include <stddef.h>
#include <stdint.h>

struct pdu_stream {
	uint8_t *buf;
	size_t len;                /* bytes held */
	size_t start;              /* first byte not yet returned as a PDU */
	size_t cap;
	size_t max_pdu;
	uint64_t offset;           /* stream offset of buf[0] */
};

enum pdu_next {
	PDU_READY,                 /* *pdu and *len hold one whole PDU */
	PDU_NEED_MORE,
	PDU_INVALID,               /* the bytes at the offset cannot start a PS-PDU */
	PDU_TOO_LARGE,             /* the declared length is above max_pdu */
};

int pdu_stream_init(struct pdu_stream *s, size_t max_pdu);
void pdu_stream_free(struct pdu_stream *s);

/*
 * Returns where the next read can write and sets *avail to the free bytes
 * (at least 1). Moves pending bytes to the front first, so PDUs returned
 * earlier become invalid. Returns NULL when memory runs out.
 */
uint8_t *pdu_stream_space(struct pdu_stream *s, size_t *avail);

/* Records that n bytes were read into the space returned above. */
void pdu_stream_commit(struct pdu_stream *s, size_t n);

/*
 * Takes the next whole PDU. *offset is the stream offset of its first
 * byte, also on PDU_INVALID and PDU_TOO_LARGE; *declared is the declared
 * total length on PDU_TOO_LARGE. The PDU stays valid until the next
 * pdu_stream_space().
 */
enum pdu_next pdu_stream_next(struct pdu_stream *s, const uint8_t **pdu,
			      size_t *len, uint64_t *offset, size_t *declared);

/* Returns the bytes received but not returned as a PDU. */
size_t pdu_stream_pending(const struct pdu_stream *s);

#endif
