/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/spool_format.h"

#include <pthread.h>
#include <string.h>

#include "lib/etsi/etsi.h"

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void spool_seg_header_encode(uint8_t out[SPOOL_SEG_HEADER_LEN],
			     uint8_t channel, uint64_t first_id)
{
	memset(out, 0, SPOOL_SEG_HEADER_LEN);
	memcpy(out, SPOOL_SEG_MAGIC, 8);
	put_le(out + 8, SPOOL_SEG_VERSION, 2);
	out[10] = channel;
	put_le(out + 16, first_id, 8);
	put_le(out + 24, spool_crc32c(0, out, 24), 4);
}

int spool_seg_header_decode(const uint8_t in[SPOOL_SEG_HEADER_LEN],
			    uint8_t *channel, uint64_t *first_id)
{
	if (memcmp(in, SPOOL_SEG_MAGIC, 8) != 0 ||
	    get_le(in + 8, 2) != SPOOL_SEG_VERSION ||
	    get_le(in + 24, 4) != spool_crc32c(0, in, 24))
		return -1;
	*channel = in[10];
	*first_id = get_le(in + 16, 8);
	return *first_id == 0 ? -1 : 0;
}

static uint32_t record_crc(const uint8_t header[SPOOL_REC_HEADER_LEN],
			   const char *liid, uint8_t liid_len,
			   const uint8_t *pdu, uint32_t pdu_len)
{
	uint32_t crc = spool_crc32c(0, header, 20);

	crc = spool_crc32c(crc, liid, liid_len);
	return spool_crc32c(crc, pdu, pdu_len);
}

void spool_rec_header_encode(uint8_t out[SPOOL_REC_HEADER_LEN], uint64_t id,
			     const char *liid, uint8_t liid_len,
			     const uint8_t *pdu, uint32_t pdu_len)
{
	memset(out, 0, SPOOL_REC_HEADER_LEN);
	memcpy(out, SPOOL_REC_MAGIC, 4);
	put_le(out + 4, pdu_len, 4);
	put_le(out + 8, id, 8);
	out[16] = liid_len;
	put_le(out + 20, record_crc(out, liid, liid_len, pdu, pdu_len), 4);
}

int spool_rec_header_decode(const uint8_t in[SPOOL_REC_HEADER_LEN],
			    struct spool_rec_header *h)
{
	if (memcmp(in, SPOOL_REC_MAGIC, 4) != 0)
		return -1;
	h->pdu_len = (uint32_t)get_le(in + 4, 4);
	h->id = get_le(in + 8, 8);
	h->liid_len = in[16];
	h->crc = (uint32_t)get_le(in + 20, 4);
	if (h->pdu_len == 0 || h->pdu_len > SPOOL_REC_MAX_PDU || h->id == 0 ||
	    h->liid_len == 0 || h->liid_len > ETSI_LIID_MAX ||
	    in[17] != 0 || in[18] != 0 || in[19] != 0)
		return -1;
	return 0;
}

bool spool_rec_crc_ok(const uint8_t header[SPOOL_REC_HEADER_LEN],
		      const struct spool_rec_header *h, const char *liid,
		      const uint8_t *pdu)
{
	return record_crc(header, liid, h->liid_len, pdu, h->pdu_len) == h->crc;
}

void spool_cursor_encode(uint8_t out[SPOOL_CURSOR_SLOT_LEN], uint32_t gen,
			 uint64_t acked_id)
{
	memset(out, 0, SPOOL_CURSOR_SLOT_LEN);
	memcpy(out, SPOOL_CURSOR_MAGIC, 4);
	put_le(out + 4, gen, 4);
	put_le(out + 8, acked_id, 8);
	put_le(out + 16, spool_crc32c(0, out, 16), 4);
}

int spool_cursor_decode(const uint8_t in[SPOOL_CURSOR_SLOT_LEN],
			uint32_t *gen, uint64_t *acked_id)
{
	if (memcmp(in, SPOOL_CURSOR_MAGIC, 4) != 0 ||
	    get_le(in + 16, 4) != spool_crc32c(0, in, 16))
		return -1;
	*gen = (uint32_t)get_le(in + 4, 4);
	*acked_id = get_le(in + 8, 8);
	return 0;
}
