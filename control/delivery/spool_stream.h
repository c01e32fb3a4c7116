/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_SPOOL_STREAM_H
#define LIME_DELIVERY_SPOOL_STREAM_H

/*
 * The spool of one agency channel: append-only segment files and an
 * acknowledgement cursor in one folder (layout in spool_format.h).
 * Records are appended with ascending ids, read back in id order from any
 * id on, and removed a whole segment at a time once every record in it is
 * acknowledged. Not thread-safe: after opening, only the spool thread
 * calls these functions.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/delivery/dl_record.h"

/* Bytes of every segment of every stream, against the quota. */
struct spool_quota {
	uint64_t limit;              /* 0: no limit besides the disk */
	_Atomic uint64_t used;
};

struct spool_segment {
	uint64_t first_id;
	uint64_t size;               /* bytes in the file, header included */
	int fd;                      /* -1 while closed */
};

struct spool_stream {
	char dir[4096];
	char label[96];              /* "agency NAME HI2", for log lines */
	uint8_t channel;
	struct spool_quota *quota;
	uint64_t segment_max;
	struct spool_segment *segs;  /* ascending first_id; the last is the tail */
	size_t n_segs, cap_segs;
	uint64_t last_id;            /* highest id ever written; 0 when none */
	uint64_t acked_id;           /* persisted in the cursor */
	int cursor_fd;
	uint32_t cursor_gen;
	int dir_fd;
	bool dirty;                  /* written since the last spool_stream_sync() */
	/* Position after the previous read, so that a replay does not
	 * rescan its segment. */
	bool read_valid;
	uint64_t read_seg_first;
	uint64_t read_off;
	uint64_t read_last_id;
	uint64_t records_lost;       /* corrupt records skipped while reading */
};

/*
 * Opens or creates the spool folder dir: reads the cursor, checks every
 * segment header, cuts a torn record off the end of the newest segment
 * (logged), and removes segments whose records are all acknowledged.
 * Adds the remaining bytes to quota. Returns 0, or -1 with one line in
 * err.
 */
int spool_stream_open(struct spool_stream *s, const char *dir,
		      const char *label, uint8_t channel,
		      struct spool_quota *quota, uint64_t segment_max,
		      char *err, size_t err_len);
void spool_stream_close(struct spool_stream *s);

/*
 * Appends one record. rec->id must be above every id appended before; a
 * gap in ids starts a new segment. Returns 0, -EDQUOT when the quota would
 * be exceeded, -ENOSPC when the disk is full, or another -errno. A failed
 * append leaves the files as they were.
 */
int spool_stream_append(struct spool_stream *s, const struct dl_record *rec);

/*
 * Reads records with ids above after_id in ascending order, until
 * max_bytes of PDU or max_records. Each new record has one reference and
 * the flags DL_REC_SPOOLED and DL_REC_FROM_SPOOL. A corrupt record ends
 * its segment: it is logged, counted in records_lost, and reading goes on
 * in the next segment. Returns the number of records, or -errno when a
 * file cannot be read or memory runs out (records read before are
 * returned in *out and counted in *n).
 */
int spool_stream_read(struct spool_stream *s, uint64_t after_id,
		      size_t max_bytes, size_t max_records,
		      struct dl_record **out, size_t *n);

/* Persists acked_id and removes the segments it covers. Returns 0 or
 * -errno. */
int spool_stream_ack(struct spool_stream *s, uint64_t acked_id);

/* Flushes written segments and the cursor to the disk. */
void spool_stream_sync(struct spool_stream *s);

/* Bytes of this stream's segments. */
uint64_t spool_stream_bytes(const struct spool_stream *s);

#endif
