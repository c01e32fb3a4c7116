/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/spool_stream.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "control/delivery/dl_path.h"
#include "control/delivery/spool_file.h"
#include "control/delivery/spool_format.h"
#include "lib/util/log.h"

#define SEG_NAME_DIGITS 20
#define CURSOR_NAME "cursor"

/* Cursor. */

static int cursor_open(struct spool_stream *s, char *err, size_t err_len)
{
	char path[4200];
	uint8_t slots[2 * SPOOL_CURSOR_SLOT_LEN];
	bool have = false;

	snprintf(path, sizeof(path), "%s/%s", s->dir, CURSOR_NAME);
	s->cursor_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->cursor_fd < 0) {
		snprintf(err, err_len, "cannot open spool cursor %s: %s",
			 path, strerror(errno));
		return -1;
	}
	memset(slots, 0, sizeof(slots));
	int rc = spool_read_full(s->cursor_fd, slots, sizeof(slots), 0);
	if (rc < 0) {
		snprintf(err, err_len, "cannot read spool cursor %s: %s",
			 path, strerror(-rc));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t gen;
		uint64_t acked;

		if (spool_cursor_decode(slots + i * SPOOL_CURSOR_SLOT_LEN, &gen,
					&acked) != 0)
			continue;
		if (!have || (int32_t)(gen - s->cursor_gen) > 0) {
			s->cursor_gen = gen;
			s->acked_id = acked;
			have = true;
		}
	}
	/* A new cursor gets both slots written with zeros, so that later
	 * writes overwrite blocks the file system already allocated. */
	if (rc == 1) {
		uint8_t zeros[sizeof(slots)] = {0};
		struct iovec iov = {.iov_base = zeros, .iov_len = sizeof(zeros)};

		rc = spool_write_full(s->cursor_fd, &iov, 1, 0);
		if (rc != 0) {
			snprintf(err, err_len, "cannot write spool cursor %s: %s",
				 path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

static int cursor_write(struct spool_stream *s, uint64_t acked_id)
{
	uint8_t slot[SPOOL_CURSOR_SLOT_LEN];
	uint32_t gen = s->cursor_gen + 1;
	struct iovec iov = {.iov_base = slot, .iov_len = sizeof(slot)};

	spool_cursor_encode(slot, gen, acked_id);
	int rc = spool_write_full(s->cursor_fd, &iov, 1,
			    (uint64_t)(gen & 1) * SPOOL_CURSOR_SLOT_LEN);
	if (rc == 0)
		s->cursor_gen = gen;
	return rc;
}

/* Segment list. */

static int segs_push(struct spool_stream *s, uint64_t first_id, uint64_t size)
{
	if (s->n_segs == s->cap_segs) {
		size_t cap = s->cap_segs ? s->cap_segs * 2 : 16;
		struct spool_segment *segs = realloc(s->segs, cap * sizeof(*segs));

		if (segs == NULL)
			return -ENOMEM;
		s->segs = segs;
		s->cap_segs = cap;
	}
	s->segs[s->n_segs++] = (struct spool_segment){
		.first_id = first_id, .size = size, .fd = -1,
	};
	return 0;
}

static void segs_remove(struct spool_stream *s, size_t i)
{
	spool_seg_close(&s->segs[i]);
	memmove(&s->segs[i], &s->segs[i + 1],
		(s->n_segs - i - 1) * sizeof(s->segs[0]));
	s->n_segs--;
	s->read_valid = false;
}

static int compare_segs(const void *a, const void *b)
{
	const struct spool_segment *x = a, *y = b;

	return x->first_id < y->first_id ? -1 : x->first_id > y->first_id;
}

static bool parse_seg_name(const char *name, uint64_t *first_id)
{
	uint64_t v = 0;

	for (int i = 0; i < SEG_NAME_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (strcmp(name + SEG_NAME_DIGITS, SPOOL_SEG_SUFFIX) != 0 || v == 0)
		return false;
	*first_id = v;
	return true;
}

static int list_segments(struct spool_stream *s, char *err, size_t err_len)
{
	DIR *dir = opendir(s->dir);

	if (dir == NULL) {
		snprintf(err, err_len, "cannot read spool folder %s: %s",
			 s->dir, strerror(errno));
		return -1;
	}
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		uint64_t first_id;
		struct stat st;

		if (!parse_seg_name(e->d_name, &first_id))
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, 0) != 0 ||
		    segs_push(s, first_id, (uint64_t)st.st_size) != 0) {
			snprintf(err, err_len, "cannot list spool segment %s/%s: %s",
				 s->dir, e->d_name, strerror(errno));
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);
	if (s->n_segs > 1)
		qsort(s->segs, s->n_segs, sizeof(s->segs[0]), compare_segs);
	return 0;
}

/* Unlinks a segment and takes its bytes off the quota. */
static void seg_delete(struct spool_stream *s, size_t i)
{
	char path[4200];

	spool_seg_path(s, s->segs[i].first_id, SPOOL_SEG_SUFFIX, path, sizeof(path));
	if (unlink(path) != 0 && errno != ENOENT)
		LOG_ERR("%s: cannot remove spool segment %s: %s",
			s->label, path, strerror(errno));
	atomic_fetch_sub(&s->quota->used, s->segs[i].size);
	segs_remove(s, i);
}

/* Keeps a segment whose header is unreadable out of the way, for
 * inspection, instead of deleting records an operator may recover. */
static void seg_set_aside(struct spool_stream *s, size_t i)
{
	char from[4200], to[4300];

	spool_seg_path(s, s->segs[i].first_id, SPOOL_SEG_SUFFIX, from, sizeof(from));
	spool_seg_path(s, s->segs[i].first_id, SPOOL_SEG_SUFFIX ".corrupt", to, sizeof(to));
	LOG_ERR("%s: spool segment %s has an invalid header; renamed to %s, its records are not sent",
		s->label, from, to);
	if (rename(from, to) != 0)
		LOG_ERR("%s: cannot rename %s: %s", s->label, from, strerror(errno));
	segs_remove(s, i);
}

static int check_headers(struct spool_stream *s)
{
	for (size_t i = 0; i < s->n_segs;) {
		struct spool_segment *seg = &s->segs[i];
		uint8_t hdr[SPOOL_SEG_HEADER_LEN];
		uint8_t channel;
		uint64_t first_id;
		int rc = spool_seg_open(s, seg);

		if (rc == 0)
			rc = spool_read_full(seg->fd, hdr, sizeof(hdr), 0);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			/* A crash while the segment was being created. */
			LOG_WARN("%s: removing spool segment %020" PRIu64 " cut short in its header",
				 s->label, seg->first_id);
			seg_delete(s, i);
			continue;
		}
		if (spool_seg_header_decode(hdr, &channel, &first_id) != 0 ||
		    channel != s->channel || first_id != seg->first_id) {
			seg_set_aside(s, i);
			continue;
		}
		spool_seg_close(seg);
		i++;
	}
	return 0;
}

/*
 * Walks the records of the newest segment and cuts the file after the last
 * complete one with a valid CRC and the expected id: a crash during an
 * append leaves a partial record there. Sets s->last_id. Returns the
 * number of records records_kept, or -errno.
 */
static int64_t repair_tail(struct spool_stream *s)
{
	struct spool_segment *seg = &s->segs[s->n_segs - 1];
	uint64_t off = SPOOL_SEG_HEADER_LEN;
	uint64_t expect = seg->first_id;
	int64_t records_kept = 0;
	int rc = spool_seg_open(s, seg);

	if (rc < 0)
		return rc;
	while (off < seg->size) {
		uint8_t hdr[SPOOL_REC_HEADER_LEN];
		struct spool_rec_header h;
		char liid[ETSI_LIID_MAX + 1];

		if (seg->size - off < SPOOL_REC_HEADER_LEN ||
		    spool_read_full(seg->fd, hdr, sizeof(hdr), off) != 0 ||
		    spool_rec_header_decode(hdr, &h) != 0 || h.id != expect ||
		    seg->size - off < spool_rec_size(&h))
			break;
		uint8_t *pdu = malloc(h.pdu_len);

		if (pdu == NULL)
			return -ENOMEM;
		bool ok = spool_read_full(seg->fd, liid, h.liid_len, off + SPOOL_REC_HEADER_LEN) == 0 &&
			  spool_read_full(seg->fd, pdu, h.pdu_len,
				    off + SPOOL_REC_HEADER_LEN + h.liid_len) == 0 &&
			  spool_rec_crc_ok(hdr, &h, liid, pdu);
		free(pdu);
		if (!ok)
			break;
		off += spool_rec_size(&h);
		expect++;
		records_kept++;
	}
	if (off < seg->size) {
		LOG_WARN("%s: spool segment %020" PRIu64 " ends in an incomplete or damaged record after %" PRId64 " records; cutting %" PRIu64 " bytes at offset %" PRIu64,
			 s->label, seg->first_id, records_kept, seg->size - off, off);
		if (ftruncate(seg->fd, (off_t)off) != 0)
			return -errno;
		seg->size = off;
	}
	if (records_kept > 0)
		s->last_id = expect - 1;
	return records_kept;
}

/* Repairs the newest segment; one left without records is removed and the
 * one before it becomes the newest. */
static int find_last_id(struct spool_stream *s)
{
	while (s->n_segs > 0) {
		int64_t records_kept = repair_tail(s);

		if (records_kept < 0)
			return (int)records_kept;
		if (records_kept > 0)
			return 0;
		seg_delete(s, s->n_segs - 1);
	}
	return 0;
}

/* Removes leading segments whose records are all acknowledged. The ids in
 * a segment are below the next segment's first id. */
static void drop_acked(struct spool_stream *s)
{
	while (s->n_segs > 0) {
		bool covered = s->n_segs > 1
			       ? s->segs[1].first_id <= s->acked_id + 1
			       : s->last_id <= s->acked_id;

		if (!covered)
			break;
		seg_delete(s, 0);
		s->dirty = true;
	}
}

int spool_stream_open(struct spool_stream *s, const char *dir,
		      const char *label, uint8_t channel,
		      struct spool_quota *quota, uint64_t segment_max,
		      char *err, size_t err_len)
{
	memset(s, 0, sizeof(*s));
	s->cursor_fd = -1;
	s->dir_fd = -1;
	s->channel = channel;
	s->quota = quota;
	s->segment_max = segment_max;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->label, sizeof(s->label), "%s", label);

	int rc = dl_path_mkdirs(dir);
	if (rc != 0) {
		snprintf(err, err_len, "cannot create spool folder %s: %s; set spool_dir to a writable folder",
			 dir, strerror(-rc));
		return -1;
	}
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		snprintf(err, err_len, "cannot open spool folder %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (cursor_open(s, err, err_len) != 0 ||
	    list_segments(s, err, err_len) != 0)
		goto fail;
	rc = check_headers(s);
	if (rc == 0)
		rc = find_last_id(s);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read spool folder %s: %s", dir,
			 strerror(-rc));
		goto fail;
	}
	atomic_fetch_add(&quota->used, spool_stream_bytes(s));
	drop_acked(s);
	return 0;

fail:
	spool_stream_close(s);
	return -1;
}

void spool_stream_close(struct spool_stream *s)
{
	for (size_t i = 0; i < s->n_segs; i++)
		spool_seg_close(&s->segs[i]);
	free(s->segs);
	s->segs = NULL;
	s->n_segs = s->cap_segs = 0;
	if (s->cursor_fd >= 0)
		close(s->cursor_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	s->cursor_fd = s->dir_fd = -1;
}

uint64_t spool_stream_bytes(const struct spool_stream *s)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->n_segs; i++)
		total += s->segs[i].size;
	return total;
}

/* Append. */

static bool quota_allows(const struct spool_stream *s, uint64_t bytes)
{
	uint64_t used = atomic_load(&s->quota->used);

	return s->quota->limit == 0 || used + bytes <= s->quota->limit;
}

static int new_segment(struct spool_stream *s, uint64_t first_id)
{
	char path[4200];
	uint8_t hdr[SPOOL_SEG_HEADER_LEN];
	struct iovec iov = {.iov_base = hdr, .iov_len = sizeof(hdr)};

	spool_seg_path(s, first_id, SPOOL_SEG_SUFFIX, path, sizeof(path));
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	spool_seg_header_encode(hdr, s->channel, first_id);
	int rc = spool_write_full(fd, &iov, 1, 0);
	if (rc == 0)
		rc = segs_push(s, first_id, 0);
	if (rc != 0) {
		close(fd);
		unlink(path);
		return rc;
	}
	/* Only the tail segment stays open, so flush the previous one now:
	 * spool_stream_sync() reaches the tail only. */
	struct spool_segment *prev = s->n_segs > 1 ? &s->segs[s->n_segs - 2] : NULL;
	if (prev != NULL && prev->fd >= 0) {
		if (s->dirty && fdatasync(prev->fd) != 0)
			LOG_ERR("%s: fdatasync of spool segment %020" PRIu64 " failed: %s",
				s->label, prev->first_id, strerror(errno));
		spool_seg_close(prev);
	}
	s->segs[s->n_segs - 1].fd = fd;
	s->segs[s->n_segs - 1].size = SPOOL_SEG_HEADER_LEN;
	atomic_fetch_add(&s->quota->used, SPOOL_SEG_HEADER_LEN);
	s->dirty = true;
	return 0;
}

static bool needs_new_segment(const struct spool_stream *s, uint64_t id)
{
	if (s->n_segs == 0)
		return true;
	const struct spool_segment *tail = &s->segs[s->n_segs - 1];

	return tail->size >= s->segment_max || id != s->last_id + 1;
}

int spool_stream_append(struct spool_stream *s, const struct dl_record *rec)
{
	uint8_t hdr[SPOOL_REC_HEADER_LEN];
	uint64_t size = SPOOL_REC_HEADER_LEN + (uint64_t)rec->liid_len + rec->len;
	bool fresh = needs_new_segment(s, rec->id);

	if (rec->id <= s->last_id || rec->len == 0 ||
	    rec->len > SPOOL_REC_MAX_PDU || rec->liid_len == 0)
		return -EINVAL;
	if (!quota_allows(s, size + (fresh ? SPOOL_SEG_HEADER_LEN : 0)))
		return -EDQUOT;
	if (fresh) {
		int rc = new_segment(s, rec->id);

		if (rc != 0)
			return rc;
	}

	struct spool_segment *tail = &s->segs[s->n_segs - 1];
	int rc = spool_seg_open(s, tail);

	if (rc == 0) {
		struct iovec iov[3] = {
			{.iov_base = hdr, .iov_len = sizeof(hdr)},
			{.iov_base = (void *)rec->liid, .iov_len = rec->liid_len},
			{.iov_base = (void *)rec->pdu, .iov_len = rec->len},
		};

		spool_rec_header_encode(hdr, rec->id, rec->liid, rec->liid_len,
					rec->pdu, (uint32_t)rec->len);
		rc = spool_write_full(tail->fd, iov, 3, tail->size);
	}
	if (rc != 0) {
		/* Take back a partial write so the file ends on a record. */
		if (ftruncate(tail->fd, (off_t)tail->size) != 0)
			LOG_ERR("%s: cannot cut a failed append off spool segment %020" PRIu64 ": %s",
				s->label, tail->first_id, strerror(errno));
		if (fresh)
			seg_delete(s, s->n_segs - 1);
		return rc;
	}
	tail->size += size;
	atomic_fetch_add(&s->quota->used, size);
	s->last_id = rec->id;
	s->dirty = true;
	return 0;
}

/* Acknowledgement. */

int spool_stream_ack(struct spool_stream *s, uint64_t acked_id)
{
	if (acked_id <= s->acked_id)
		return 0;

	int rc = cursor_write(s, acked_id);

	if (rc != 0) {
		LOG_ERR("%s: cannot write the spool cursor in %s: %s; acknowledged records stay in the spool",
			s->label, s->dir, strerror(-rc));
		return rc;
	}
	s->acked_id = acked_id;
	s->dirty = true;
	drop_acked(s);
	return 0;
}

void spool_stream_sync(struct spool_stream *s)
{
	if (!s->dirty)
		return;
	if (s->n_segs > 0 && s->segs[s->n_segs - 1].fd >= 0 &&
	    fdatasync(s->segs[s->n_segs - 1].fd) != 0)
		LOG_ERR("%s: fdatasync of the spool segment failed: %s",
			s->label, strerror(errno));
	if (s->cursor_fd >= 0 && fdatasync(s->cursor_fd) != 0)
		LOG_ERR("%s: fdatasync of the spool cursor failed: %s",
			s->label, strerror(errno));
	/* New and removed segment files are directory entries. */
	if (s->dir_fd >= 0 && fsync(s->dir_fd) != 0)
		LOG_ERR("%s: fsync of %s failed: %s", s->label, s->dir,
			strerror(errno));
	s->dirty = false;
}
