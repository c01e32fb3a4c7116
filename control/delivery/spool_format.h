/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_SPOOL_FORMAT_H
#define LIME_DELIVERY_SPOOL_FORMAT_H

/*
 * On-disk layout of spool segment files and of the acknowledgement cursor.
 * All integers are little-endian. docs/handover.md has the same tables.
 *
 * Segment file <first id, 20 decimal digits>.seg:
 *
 *   offset size  field
 *   0      8     magic "LIMESPL1"
 *   8      2     format version, 1
 *   10     1     channel: 0 HI2, 1 HI3
 *   11     5     zero
 *   16     8     id of the first record
 *   24     4     CRC-32C of bytes 0 to 23
 *   28     4     zero
 *
 * followed by records, each:
 *
 *   0      4     magic "REC1"
 *   4      4     PDU length in bytes
 *   8      8     record id (ascending within the channel, no gaps within
 *                one segment)
 *   16     1     LIID length, 1 to 25
 *   17     3     zero
 *   20     4     CRC-32C of bytes 0 to 19, the LIID and the PDU
 *   24           the LIID, then the PS-PDU as sent to the agency
 *
 * Cursor file "cursor": two 32-byte slots written in turn, so that a torn
 * write leaves the other slot valid:
 *
 *   0      4     magic "CUR1"
 *   4      4     generation, one more than the other slot's
 *   8      8     acknowledged id: every record up to it was acknowledged
 *   16     4     CRC-32C of bytes 0 to 15
 *   20     12    zero
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_SEG_MAGIC "LIMESPL1"
#define SPOOL_SEG_VERSION 1
#define SPOOL_SEG_HEADER_LEN 32
#define SPOOL_REC_MAGIC "REC1"
#define SPOOL_REC_HEADER_LEN 24
/* Largest PDU a record may declare; anything longer is corruption. */
#define SPOOL_REC_MAX_PDU (64u << 20)
#define SPOOL_CURSOR_SLOT_LEN 32
#define SPOOL_CURSOR_MAGIC "CUR1"

uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len);

void spool_seg_header_encode(uint8_t out[SPOOL_SEG_HEADER_LEN],
			     uint8_t channel, uint64_t first_id);
/* Returns 0 when the header is valid. */
int spool_seg_header_decode(const uint8_t in[SPOOL_SEG_HEADER_LEN],
			    uint8_t *channel, uint64_t *first_id);

struct spool_rec_header {
	uint32_t pdu_len;
	uint64_t id;
	uint8_t liid_len;
	uint32_t crc;
};

/* Encodes a record header; the CRC covers the header, liid and pdu. */
void spool_rec_header_encode(uint8_t out[SPOOL_REC_HEADER_LEN], uint64_t id,
			     const char *liid, uint8_t liid_len,
			     const uint8_t *pdu, uint32_t pdu_len);
/* Returns 0 when magic and lengths are plausible; the CRC is checked with
 * spool_rec_crc_ok() once the body is read. */
int spool_rec_header_decode(const uint8_t in[SPOOL_REC_HEADER_LEN],
			    struct spool_rec_header *h);
bool spool_rec_crc_ok(const uint8_t header[SPOOL_REC_HEADER_LEN],
		      const struct spool_rec_header *h, const char *liid,
		      const uint8_t *pdu);
static inline uint64_t spool_rec_size(const struct spool_rec_header *h)
{
	return SPOOL_REC_HEADER_LEN + (uint64_t)h->liid_len + h->pdu_len;
}

void spool_cursor_encode(uint8_t out[SPOOL_CURSOR_SLOT_LEN], uint32_t gen,
			 uint64_t acked_id);
/* Returns 0 when the slot is valid. */
int spool_cursor_decode(const uint8_t in[SPOOL_CURSOR_SLOT_LEN],
			uint32_t *gen, uint64_t *acked_id);

#endif
