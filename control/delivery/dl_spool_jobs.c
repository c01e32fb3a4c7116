/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Jobs of the spool worker: open, append, read back and acknowledge one
 * channel's spool. The run functions touch only the channel's stream and
 * reject flags; the done functions run in the I/O thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_path.h"
#include "lib/util/log.h"

/* Default size at which a segment file is closed and a new one begun. */
#define DEFAULT_SEGMENT_BYTES (16u << 20)

enum spool_job_kind { SJ_OPEN, SJ_APPEND, SJ_READ, SJ_ACK };

struct spool_job {
	struct dl_job job;
	enum spool_job_kind kind;
	struct dl_channel *ch;
	uint32_t gen;                /* APPEND: append generation; READ: connection epoch */
	uint64_t id;                 /* READ: read above it; ACK: acknowledged id */
	struct dl_record **recs;
	size_t n, n_ok;
	int err;
	char message[256];           /* OPEN failure */
};

static struct spool_job *job_new(struct dl_channel *ch, enum spool_job_kind kind,
				 dl_job_fn *run, dl_job_fn *done, size_t n_recs)
{
	struct spool_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return NULL;
	if (n_recs > 0) {
		job->recs = calloc(n_recs, sizeof(*job->recs));
		if (job->recs == NULL) {
			free(job);
			return NULL;
		}
	}
	job->kind = kind;
	job->ch = ch;
	job->job.run = run;
	job->job.done = done;
	return job;
}

static void job_post(struct spool_job *job)
{
	job->ch->d->jobs_inflight++;
	dl_worker_post(&job->ch->d->spool_worker, &job->job);
}

static void job_free(struct spool_job *job)
{
	job->ch->d->jobs_inflight--;
	free(job->recs);
	free(job);
}

/* Open. */

static int open_stream(struct dl_channel *ch, char *err, size_t err_len)
{
	struct delivery *d = ch->d;
	char dir[4096];
	uint64_t seg_max = d->opts.spool_segment_bytes
			   ? d->opts.spool_segment_bytes : DEFAULT_SEGMENT_BYTES;

	if (dl_path_channel_dir(d->spool_dir, ch->agency->name, ch->kind, dir,
				sizeof(dir)) != 0) {
		snprintf(err, err_len, "%s: spool folder name too long", ch->label);
		return -1;
	}
	if (spool_stream_open(&ch->stream, dir, ch->label, (uint8_t)ch->kind,
			      &d->quota, seg_max, err, err_len) != 0)
		return -1;
	if (d->n_streams == d->cap_streams) {
		size_t cap = d->cap_streams ? d->cap_streams * 2 : 8;
		struct spool_stream **s = realloc(d->streams, cap * sizeof(*s));

		if (s == NULL) {
			spool_stream_close(&ch->stream);
			snprintf(err, err_len, "%s: out of memory", ch->label);
			return -1;
		}
		d->streams = s;
		d->cap_streams = cap;
	}
	d->streams[d->n_streams++] = &ch->stream;
	return 0;
}

int dl_spool_open_now(struct dl_channel *ch, char *err, size_t err_len)
{
	if (open_stream(ch, err, err_len) != 0)
		return -1;
	dl_channel_spool_opened(ch, ch->stream.last_id, ch->stream.acked_id);
	return 0;
}

static void open_run(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;

	job->err = open_stream(job->ch, job->message, sizeof(job->message));
}

static void open_done(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;
	struct dl_channel *ch = job->ch;

	ch->open_inflight = false;
	if (job->err != 0) {
		LOG_ERR("%s: %s; retrying in 5 s, records wait in memory",
			ch->label, job->message);
		ch->open_retry_ms = ch->d->now_ms + 5000;
	} else {
		dl_channel_spool_opened(ch, ch->stream.last_id, ch->stream.acked_id);
	}
	job_free(job);
}

void dl_spool_post_open(struct dl_channel *ch)
{
	struct spool_job *job = job_new(ch, SJ_OPEN, open_run, open_done, 0);

	if (job == NULL) {
		ch->open_retry_ms = ch->d->now_ms + 1000;
		return;
	}
	ch->open_inflight = true;
	job_post(job);
}

/* Append. */

static void append_run(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;
	struct dl_channel *ch = job->ch;

	/* After a failure, the rest of that generation is rejected unread,
	 * so that no later record lands in the spool before an earlier one
	 * that the I/O thread takes back. */
	if (ch->spool_rejecting && job->gen == ch->spool_reject_gen) {
		job->err = -EAGAIN;
		return;
	}
	ch->spool_rejecting = false;
	for (size_t i = 0; i < job->n; i++) {
		int rc = spool_stream_append(&ch->stream, job->recs[i]);

		if (rc != 0) {
			job->err = rc;
			ch->spool_rejecting = true;
			ch->spool_reject_gen = job->gen;
			break;
		}
		job->n_ok++;
	}
	if (job->n_ok > 0)
		atomic_store(&ch->d->spool_worker.dirty, true);
}

static const char *append_error_text(int err)
{
	if (err == -EDQUOT)
		return "the spool quota is reached";
	if (err == -ENOSPC)
		return "the disk is full";
	return strerror(-err);
}

static void enter_spool_full(struct dl_channel *ch, int err)
{
	struct delivery *d = ch->d;
	const char *reason = append_error_text(err);

	ch->spool_retry_ms = d->now_ms + DL_SPOOL_RETRY_MS;
	if (ch->spool_full || err == -EAGAIN)
		return;
	ch->spool_full = true;
	atomic_store(&ch->spool_full_shared, true);
	dl_stat_add(&d->stats.spool_full_events, 1);
	LOG_ERR("%s: spool_full: appending to the spool failed: %s (%" PRIu64 " bytes spooled); %zu records wait in memory and records beyond the memory limit are lost",
		ch->label, reason, (uint64_t)atomic_load(&d->quota.used),
		ch->mem.count);
	if (d->opts.on_spool_full != NULL)
		d->opts.on_spool_full(d->opts.on_spool_full_arg, ch->agency->name,
				      ch->kind, reason);
}

static void leave_spool_full(struct dl_channel *ch)
{
	if (!ch->spool_full)
		return;
	ch->spool_full = false;
	atomic_store(&ch->spool_full_shared, false);
	LOG_NOTICE("%s: the spool accepts records again", ch->label);
}

static void count_spooled(struct dl_channel *ch, struct dl_record **recs,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dl_record *rec = recs[i];

		ch->spool_durable_id = rec->id;
		dl_counts_add(&ch->d->counts, rec->liid, rec->liid_len, ch->kind,
			      0, 1);
		dl_record_unref(rec);
	}
	dl_stat_add(&ch->d->stats.records_spooled, n);
}

static void append_done(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;
	struct dl_channel *ch = job->ch;
	struct dl_queue back = {0};

	ch->appends_inflight--;
	for (size_t i = 0; i < job->n; i++)
		ch->append_bytes -= job->recs[i]->len;
	count_spooled(ch, job->recs, job->n_ok);
	if (job->err == 0) {
		if (job->n_ok > 0)
			leave_spool_full(ch);
	} else {
		enter_spool_full(ch, job->err);
		/* Every later append of this generation fails too, so the
		 * spool ends at the last confirmed record. */
		ch->spool_end_id = ch->spool_durable_id;
		for (size_t i = job->n_ok; i < job->n; i++) {
			struct dl_record *rec = job->recs[i];

			rec->flags &= (uint16_t)~DL_REC_SPOOLED;
			if (rec->flags & DL_REC_ON_CONN) {
				/* The next append must take it again. */
				ch->conn.spool_scan = ch->conn.head;
				dl_record_unref(rec);
			} else {
				dl_queue_push(&back, rec);
			}
		}
		dl_channel_take_back(ch, &back);
	}
	job_free(job);
	dl_channel_fill(ch);
}

int dl_spool_post_append(struct dl_channel *ch, struct dl_record **recs,
			 size_t n)
{
	struct spool_job *job = job_new(ch, SJ_APPEND, append_run, append_done, n);

	if (job == NULL)
		return -1;
	memcpy(job->recs, recs, n * sizeof(*recs));
	job->n = n;
	job->gen = ch->append_gen;
	ch->appends_inflight++;
	for (size_t i = 0; i < n; i++)
		ch->append_bytes += recs[i]->len;
	job_post(job);
	return 0;
}

/* Read. */

static void read_run(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;
	int rc = spool_stream_read(&job->ch->stream, job->id,
				   DL_READ_BATCH_BYTES, DL_READ_BATCH_RECORDS,
				   job->recs, &job->n);

	job->err = rc < 0 ? rc : 0;
}

/* Puts records read back on the connection when it is still the one
 * that requested them and still expects them. Otherwise they are dropped
 * and read again later. */
static void read_done(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;
	struct dl_channel *ch = job->ch;
	struct dl_conn *c = &ch->conn;
	bool current = c->epoch == job->gen && c->state == DL_CONN_UP &&
		       ch->queued_id == job->id;
	size_t i = 0;

	ch->read_inflight = false;
	if (job->err != 0) {
		LOG_ERR("%s: reading the spool failed: %s; retrying in 1 s",
			ch->label, strerror(-job->err));
		ch->read_retry_ms = ch->d->now_ms + 1000;
	}
	for (; current && i < job->n && dl_conn_can_queue(c); i++)
		dl_conn_queue(c, job->recs[i]);
	for (; i < job->n; i++)
		dl_record_unref(job->recs[i]);
	if (current && job->n == 0 && job->err == 0 &&
	    ch->spool_durable_id > ch->queued_id) {
		/* The reader skipped damaged records (logged by the stream). */
		ch->queued_id = ch->spool_durable_id;
	}
	job_free(job);
	dl_conn_flush(c);
	dl_channel_fill(ch);
}

void dl_spool_post_read(struct dl_channel *ch)
{
	struct spool_job *job = job_new(ch, SJ_READ, read_run, read_done,
					DL_READ_BATCH_RECORDS);

	if (job == NULL) {
		ch->read_retry_ms = ch->d->now_ms + 100;
		return;
	}
	job->gen = ch->conn.epoch;
	job->id = ch->queued_id;
	ch->read_inflight = true;
	job_post(job);
}

/* Acknowledge. */

static void ack_run(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;

	if (spool_stream_ack(&job->ch->stream, job->id) == 0)
		atomic_store(&job->ch->d->spool_worker.dirty, true);
}

static void ack_done(struct dl_job *j)
{
	struct spool_job *job = (struct spool_job *)j;

	job->ch->ack_inflight = false;
	job_free(job);
}

void dl_spool_post_ack(struct dl_channel *ch)
{
	struct spool_job *job = job_new(ch, SJ_ACK, ack_run, ack_done, 0);

	if (job == NULL)
		return;
	job->id = ch->acked_id;
	ch->ack_sent_id = ch->acked_id;
	ch->ack_inflight = true;
	job_post(job);
}

void dl_spool_sync_all(void *arg)
{
	struct delivery *d = arg;

	for (size_t i = 0; i < d->n_streams; i++)
		spool_stream_sync(d->streams[i]);
	dl_cin_sync(&d->cins);
}
