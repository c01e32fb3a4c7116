/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the spool segment format and the spool stream: records
 * written and read back, segments, acknowledgement, a torn tail after a
 * simulated crash, damaged records, the cursor and the quota.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/delivery/spool_format.h"
#include "control/delivery/spool_stream.h"

struct fixture {
	char dir[256];
	struct spool_quota quota;
	struct spool_stream s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/lime-test-spool.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[600];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	spool_stream_close(&f->s);
	remove_tree(f->dir);
	free(f);
	return 0;
}

static void open_stream(struct fixture *f, uint64_t segment_max)
{
	char err[256] = "";
	int rc = spool_stream_open(&f->s, f->dir, "test", 1, &f->quota,
				   segment_max, err, sizeof(err));

	if (rc != 0)
		fail_msg("spool_stream_open: %s", err);
}

static void reopen(struct fixture *f, uint64_t segment_max)
{
	spool_stream_close(&f->s);
	atomic_store(&f->quota.used, 0);
	open_stream(f, segment_max);
}

/* Record id's PDU: id % 200 + 10 bytes, byte k is id + k. */
static struct dl_record *make_record(uint64_t id)
{
	size_t len = id % 200 + 10;
	struct dl_record *rec = dl_record_new(len);
	char liid[16];

	for (size_t k = 0; k < len; k++)
		rec->pdu[k] = (uint8_t)(id + k);
	rec->id = id;
	snprintf(liid, sizeof(liid), "LIID-%llu", (unsigned long long)(id % 3));
	dl_record_set_liid(rec, liid, strlen(liid));
	return rec;
}

static void append_range(struct fixture *f, uint64_t first, uint64_t last)
{
	for (uint64_t id = first; id <= last; id++) {
		struct dl_record *rec = make_record(id);

		assert_int_equal(spool_stream_append(&f->s, rec), 0);
		dl_record_unref(rec);
	}
}

/* Reads every record above after_id and checks it against make_record().
 * Returns how many there were; ids are stored in ids when not NULL. */
static size_t read_all(struct fixture *f, uint64_t after_id, uint64_t *ids)
{
	size_t total = 0;

	for (;;) {
		struct dl_record *recs[16];
		size_t n = 0;
		int rc = spool_stream_read(&f->s, after_id, 1 << 20, 16, recs, &n);

		assert_true(rc >= 0);
		if (n == 0)
			return total;
		for (size_t i = 0; i < n; i++) {
			struct dl_record *want = make_record(recs[i]->id);

			assert_true(recs[i]->id > after_id);
			assert_int_equal(recs[i]->len, want->len);
			assert_memory_equal(recs[i]->pdu, want->pdu, want->len);
			assert_string_equal(recs[i]->liid, want->liid);
			assert_true(recs[i]->flags & DL_REC_FROM_SPOOL);
			after_id = recs[i]->id;
			if (ids != NULL)
				ids[total] = recs[i]->id;
			total++;
			dl_record_unref(want);
			dl_record_unref(recs[i]);
		}
	}
}

static size_t count_segments(const struct fixture *f)
{
	DIR *d = opendir(f->dir);
	size_t n = 0;

	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".seg") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void last_segment_path(const struct fixture *f, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%020llu.seg", f->dir,
		 (unsigned long long)f->s.segs[f->s.n_segs - 1].first_id);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Format. */

static void crc32c_check_value(void **state)
{
	(void)state;
	/* The check value of CRC-32C (RFC 3720, B.4) over "123456789". */
	assert_int_equal(spool_crc32c(0, "123456789", 9), 0xE3069283u);
}

static void segment_header_round_trip(void **state)
{
	uint8_t hdr[SPOOL_SEG_HEADER_LEN];
	uint8_t channel = 9;
	uint64_t first = 0;

	(void)state;
	spool_seg_header_encode(hdr, 1, 123456789012ull);
	assert_memory_equal(hdr, "LIMESPL1", 8);
	assert_int_equal(spool_seg_header_decode(hdr, &channel, &first), 0);
	assert_int_equal(channel, 1);
	assert_int_equal(first, 123456789012ull);
	hdr[17] ^= 1;
	assert_int_not_equal(spool_seg_header_decode(hdr, &channel, &first), 0);
}

static void record_header_rejects(void **state)
{
	uint8_t hdr[SPOOL_REC_HEADER_LEN];
	uint8_t pdu[3] = {1, 2, 3};
	struct spool_rec_header h;

	(void)state;
	spool_rec_header_encode(hdr, 7, "L", 1, pdu, 3);
	assert_int_equal(spool_rec_header_decode(hdr, &h), 0);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.pdu_len, 3);
	assert_true(spool_rec_crc_ok(hdr, &h, "L", pdu));
	pdu[1] = 9;
	assert_false(spool_rec_crc_ok(hdr, &h, "L", pdu));

	uint8_t bad[SPOOL_REC_HEADER_LEN];

	memcpy(bad, hdr, sizeof(bad));
	bad[0] = 'X';
	assert_int_not_equal(spool_rec_header_decode(bad, &h), 0);
	memcpy(bad, hdr, sizeof(bad));
	bad[16] = 26;   /* LIID longer than 25 bytes */
	assert_int_not_equal(spool_rec_header_decode(bad, &h), 0);
}

static void cursor_slot_round_trip(void **state)
{
	uint8_t slot[SPOOL_CURSOR_SLOT_LEN];
	uint32_t gen = 0;
	uint64_t acked = 0;

	(void)state;
	spool_cursor_encode(slot, 5, 99);
	assert_int_equal(spool_cursor_decode(slot, &gen, &acked), 0);
	assert_int_equal(gen, 5);
	assert_int_equal(acked, 99);
	slot[9] ^= 0x40;
	assert_int_not_equal(spool_cursor_decode(slot, &gen, &acked), 0);
}

/* Stream. */

static void stream_write_read_back(void **state)
{
	struct fixture *f = *state;
	uint64_t ids[64];

	open_stream(f, 1 << 20);
	append_range(f, 1, 50);
	assert_int_equal(read_all(f, 0, ids), 50);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[49], 50);
	assert_int_equal(read_all(f, 20, ids), 30);
	assert_int_equal(ids[0], 21);

	reopen(f, 1 << 20);
	assert_int_equal(f->s.last_id, 50);
	assert_int_equal(f->s.acked_id, 0);
	assert_int_equal(read_all(f, 0, NULL), 50);
	assert_int_equal(atomic_load(&f->quota.used), spool_stream_bytes(&f->s));
}

static void stream_rejects_old_id(void **state)
{
	struct fixture *f = *state;
	struct dl_record *rec = make_record(3);

	open_stream(f, 1 << 20);
	append_range(f, 1, 5);
	assert_int_equal(spool_stream_append(&f->s, rec), -EINVAL);
	dl_record_unref(rec);
}

static void stream_segments_and_ack(void **state)
{
	struct fixture *f = *state;
	uint64_t ids[128];

	open_stream(f, 1000);
	append_range(f, 1, 100);
	assert_true(count_segments(f) > 5);
	assert_int_equal(read_all(f, 0, ids), 100);

	assert_int_equal(spool_stream_ack(&f->s, 60), 0);
	/* Every remaining segment has a record above 60. */
	assert_true(f->s.n_segs >= 1);
	assert_true(f->s.n_segs == 1 || f->s.segs[1].first_id > 61);
	assert_int_equal(read_all(f, 60, ids), 40);
	assert_int_equal(ids[0], 61);

	reopen(f, 1000);
	assert_int_equal(f->s.acked_id, 60);
	assert_int_equal(f->s.last_id, 100);
	assert_int_equal(read_all(f, f->s.acked_id, ids), 40);

	assert_int_equal(spool_stream_ack(&f->s, 100), 0);
	assert_int_equal(count_segments(f), 0);
	assert_int_equal(atomic_load(&f->quota.used), 0);
	reopen(f, 1000);
	assert_int_equal(f->s.acked_id, 100);
	assert_int_equal(read_all(f, 100, NULL), 0);
}

static void stream_id_gap_new_segment(void **state)
{
	struct fixture *f = *state;
	uint64_t ids[16];

	open_stream(f, 1 << 20);
	append_range(f, 1, 3);
	append_range(f, 10, 12);
	assert_int_equal(count_segments(f), 2);
	assert_int_equal(read_all(f, 0, ids), 6);
	assert_int_equal(ids[3], 10);
	assert_int_equal(read_all(f, 2, ids), 4);
	assert_int_equal(ids[1], 10);
	assert_int_equal(read_all(f, 5, ids), 3);
	assert_int_equal(ids[0], 10);
}

static void stream_torn_tail_cut(void **state)
{
	struct fixture *f = *state;
	char path[600];

	open_stream(f, 1 << 20);
	append_range(f, 1, 20);
	last_segment_path(f, path, sizeof(path));
	off_t full = file_size(path);

	/* A crash during the append of record 20 left part of it. */
	assert_int_equal(truncate(path, full - 5), 0);
	reopen(f, 1 << 20);
	assert_int_equal(f->s.last_id, 19);
	assert_int_equal(read_all(f, 0, NULL), 19);
	assert_true(file_size(path) < full - 5);

	/* The cut file takes record 20 again. */
	append_range(f, 20, 21);
	reopen(f, 1 << 20);
	assert_int_equal(f->s.last_id, 21);
	assert_int_equal(read_all(f, 0, NULL), 21);
}

static void stream_torn_tail_garbage(void **state)
{
	struct fixture *f = *state;
	char path[600];

	open_stream(f, 1 << 20);
	append_range(f, 1, 10);
	last_segment_path(f, path, sizeof(path));
	off_t full = file_size(path);
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "REC1\x40\x00\x00\x00partial", 15), 15);
	close(fd);
	reopen(f, 1 << 20);
	assert_int_equal(f->s.last_id, 10);
	assert_int_equal(file_size(path), full);
	assert_int_equal(read_all(f, 0, NULL), 10);
}

static void stream_torn_tail_bad_crc(void **state)
{
	struct fixture *f = *state;
	char path[600];

	open_stream(f, 1 << 20);
	append_range(f, 1, 10);
	last_segment_path(f, path, sizeof(path));

	/* Flip the last byte of record 10's PDU. */
	off_t size = file_size(path);
	int fd = open(path, O_RDWR);
	uint8_t byte;

	assert_int_equal(pread(fd, &byte, 1, size - 1), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, size - 1), 1);
	close(fd);
	reopen(f, 1 << 20);
	assert_int_equal(f->s.last_id, 9);
	assert_int_equal(read_all(f, 0, NULL), 9);
}

static void stream_header_only_tail_removed(void **state)
{
	struct fixture *f = *state;
	char path[600];

	open_stream(f, 1 << 20);
	append_range(f, 1, 4);
	spool_stream_close(&f->s);

	/* A crash while a new segment was being created. */
	snprintf(path, sizeof(path), "%s/%020d.seg", f->dir, 5);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	assert_int_equal(write(fd, "LIMESPL1", 8), 8);
	close(fd);
	atomic_store(&f->quota.used, 0);
	open_stream(f, 1 << 20);
	assert_int_equal(f->s.last_id, 4);
	assert_int_equal(count_segments(f), 1);
	assert_int_equal(access(path, F_OK), -1);
}

static void stream_damaged_record_skips_segment(void **state)
{
	struct fixture *f = *state;
	char path[600];
	uint64_t ids[64];

	open_stream(f, 600);
	append_range(f, 1, 30);
	assert_true(f->s.n_segs >= 3);
	snprintf(path, sizeof(path), "%s/%020llu.seg", f->dir,
		 (unsigned long long)f->s.segs[0].first_id);

	/* Damage the first record of the oldest segment. */
	int fd = open(path, O_RDWR);

	assert_int_equal(pwrite(fd, "XXXX", 4, SPOOL_SEG_HEADER_LEN), 4);
	close(fd);
	reopen(f, 600);
	size_t n = read_all(f, 0, ids);

	assert_int_equal(ids[0], f->s.segs[1].first_id);
	assert_int_equal(ids[n - 1], 30);
	assert_int_equal(f->s.records_lost, 1);
}

static void stream_cursor_torn_slot(void **state)
{
	struct fixture *f = *state;
	char path[600];

	open_stream(f, 1 << 20);
	append_range(f, 1, 10);
	assert_int_equal(spool_stream_ack(&f->s, 3), 0);
	assert_int_equal(spool_stream_ack(&f->s, 6), 0);

	/* Tear the slot written last (generation 2 sits in slot 0). */
	snprintf(path, sizeof(path), "%s/cursor", f->dir);
	int fd = open(path, O_RDWR);

	assert_int_equal(pwrite(fd, "\0\0\0\0", 4, 8), 4);
	close(fd);
	reopen(f, 1 << 20);
	assert_int_equal(f->s.acked_id, 3);
}

static void stream_quota(void **state)
{
	struct fixture *f = *state;
	struct dl_record *rec;

	f->quota.limit = 2000;
	open_stream(f, 1 << 20);
	uint64_t id = 1;
	int rc;

	do {
		rec = make_record(id);
		rc = spool_stream_append(&f->s, rec);
		dl_record_unref(rec);
		if (rc == 0)
			id++;
	} while (rc == 0 && id < 1000);
	assert_int_equal(rc, -EDQUOT);
	assert_true(atomic_load(&f->quota.used) <= 2000);
	assert_int_equal(atomic_load(&f->quota.used), spool_stream_bytes(&f->s));
	assert_int_equal(f->s.last_id, id - 1);

	/* Acknowledging frees the space. */
	assert_int_equal(spool_stream_ack(&f->s, id - 1), 0);
	assert_int_equal(atomic_load(&f->quota.used), 0);
	rec = make_record(id);
	assert_int_equal(spool_stream_append(&f->s, rec), 0);
	dl_record_unref(rec);
	assert_int_equal(read_all(f, id - 1, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_check_value),
		cmocka_unit_test(segment_header_round_trip),
		cmocka_unit_test(record_header_rejects),
		cmocka_unit_test(cursor_slot_round_trip),
		cmocka_unit_test_setup_teardown(stream_write_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_rejects_old_id, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_segments_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_id_gap_new_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_torn_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_torn_tail_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_torn_tail_bad_crc, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_header_only_tail_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_damaged_record_skips_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_cursor_torn_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_quota, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
