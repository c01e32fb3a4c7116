/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a channel's spool back in id order, from any id on, with the
 * position of the previous read kept so that a replay does not rescan.
 */
#include <errno.h>
#include <inttypes.h>

#include "control/delivery/spool_file.h"
#include "control/delivery/spool_format.h"
#include "control/delivery/spool_stream.h"
#include "lib/util/log.h"

/* Index of the segment that contains the first id above after_id. */
static size_t locate_segment(const struct spool_stream *s, uint64_t after_id)
{
	size_t i = 0;

	while (i + 1 < s->n_segs && s->segs[i + 1].first_id <= after_id + 1)
		i++;
	return i;
}

static size_t segment_index(const struct spool_stream *s, uint64_t first_id)
{
	for (size_t i = 0; i < s->n_segs; i++) {
		if (s->segs[i].first_id == first_id)
			return i;
	}
	return s->n_segs;
}

/* Reads the record at off into a new dl_record. Returns 0, 1 when the
 * bytes there are not a valid record, or -errno. */
static int read_record(struct spool_stream *s, struct spool_segment *seg,
		       uint64_t off, struct dl_record **out)
{
	uint8_t hdr[SPOOL_REC_HEADER_LEN];
	struct spool_rec_header h;
	int rc = spool_read_full(seg->fd, hdr, sizeof(hdr), off);

	if (rc != 0)
		return rc;
	if (spool_rec_header_decode(hdr, &h) != 0 ||
	    seg->size - off < spool_rec_size(&h))
		return 1;

	struct dl_record *rec = dl_record_new(h.pdu_len);
	char liid[ETSI_LIID_MAX + 1];

	if (rec == NULL)
		return -ENOMEM;
	rc = spool_read_full(seg->fd, liid, h.liid_len, off + SPOOL_REC_HEADER_LEN);
	if (rc == 0)
		rc = spool_read_full(seg->fd, rec->pdu, h.pdu_len,
			       off + SPOOL_REC_HEADER_LEN + h.liid_len);
	if (rc == 0 && !spool_rec_crc_ok(hdr, &h, liid, rec->pdu))
		rc = 1;
	if (rc != 0) {
		dl_record_unref(rec);
		return rc;
	}
	rec->id = h.id;
	rec->channel = s->channel;
	rec->flags = DL_REC_SPOOLED | DL_REC_FROM_SPOOL;
	dl_record_set_liid(rec, liid, h.liid_len);
	*out = rec;
	return 0;
}

/* Reads only the header at off: its id and total size. */
static int peek_record(struct spool_segment *seg, uint64_t off, uint64_t *id,
		       uint64_t *size)
{
	uint8_t hdr[SPOOL_REC_HEADER_LEN];
	struct spool_rec_header h;
	int rc = spool_read_full(seg->fd, hdr, sizeof(hdr), off);

	if (rc != 0)
		return rc;
	if (spool_rec_header_decode(hdr, &h) != 0 ||
	    seg->size - off < spool_rec_size(&h))
		return 1;
	*id = h.id;
	*size = spool_rec_size(&h);
	return 0;
}

static void log_corrupt(struct spool_stream *s, const struct spool_segment *seg,
			uint64_t off)
{
	s->records_lost++;
	LOG_ERR("%s: damaged record in spool segment %020" PRIu64 " at offset %" PRIu64 "; the rest of that segment is skipped and its records are lost",
		s->label, seg->first_id, off);
}

/* Finds where the first record above after_id starts; *seg_index is
 * n_segs when there is none. */
static int seek_after(struct spool_stream *s, uint64_t after_id,
		      size_t *seg_index, uint64_t *off)
{
	if (s->read_valid && s->read_last_id == after_id) {
		*seg_index = segment_index(s, s->read_seg_first);
		*off = s->read_off;
		if (*seg_index < s->n_segs)
			return 0;
	}
	for (size_t i = locate_segment(s, after_id); i < s->n_segs; i++) {
		struct spool_segment *seg = &s->segs[i];
		uint64_t pos = SPOOL_SEG_HEADER_LEN;
		int rc = spool_seg_open(s, seg);

		if (rc < 0)
			return rc;
		while (pos < seg->size) {
			uint64_t id = 0, size = 0;

			rc = peek_record(seg, pos, &id, &size);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				log_corrupt(s, seg, pos);
				break;
			}
			if (id > after_id) {
				*seg_index = i;
				*off = pos;
				return 0;
			}
			pos += size;
		}
	}
	*seg_index = s->n_segs;
	*off = 0;
	return 0;
}

int spool_stream_read(struct spool_stream *s, uint64_t after_id,
		      size_t max_bytes, size_t max_records,
		      struct dl_record **out, size_t *n)
{
	size_t i, bytes = 0;
	uint64_t off;
	int rc = seek_after(s, after_id, &i, &off);

	*n = 0;
	if (rc < 0)
		return rc;
	while (i < s->n_segs && *n < max_records && bytes < max_bytes) {
		struct spool_segment *seg = &s->segs[i];

		rc = spool_seg_open(s, seg);
		if (rc < 0)
			return rc;
		if (off >= seg->size) {
			/* Move on; only the tail keeps its descriptor. */
			if (i + 1 < s->n_segs)
				spool_seg_close(seg);
			if (i + 1 == s->n_segs)
				break;
			i++;
			off = SPOOL_SEG_HEADER_LEN;
			continue;
		}

		struct dl_record *rec = NULL;

		rc = read_record(s, seg, off, &rec);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			log_corrupt(s, seg, off);
			off = seg->size;
			continue;
		}
		off += SPOOL_REC_HEADER_LEN + rec->liid_len + rec->len;
		bytes += rec->len;
		after_id = rec->id;
		out[(*n)++] = rec;
	}
	if (i < s->n_segs) {
		s->read_valid = true;
		s->read_seg_first = s->segs[i].first_id;
		s->read_off = off;
		s->read_last_id = after_id;
	}
	return (int)*n;
}
