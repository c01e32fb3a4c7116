/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing of one agency channel's records between memory, the spool and
 * the connection, keeping them in id order (rules in dl_internal.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

void dl_channel_init(struct dl_channel *ch, struct delivery *d,
		     struct dl_agency *agency, enum delivery_channel kind)
{
	memset(ch, 0, sizeof(*ch));
	ch->d = d;
	ch->agency = agency;
	ch->kind = kind;
	snprintf(ch->label, sizeof(ch->label), "agency %s %s", agency->name,
		 kind == DELIVERY_HI3 ? "HI3" : "HI2");
	ch->stream.cursor_fd = ch->stream.dir_fd = -1;
	atomic_init(&ch->spool_full_shared, false);
	dl_conn_init(&ch->conn, ch);
}

void dl_channel_spool_opened(struct dl_channel *ch, uint64_t last_id,
			     uint64_t acked_id)
{
	ch->spool_ready = true;
	ch->acked_id = acked_id;
	ch->tcp_acked_id = acked_id;
	ch->queued_id = acked_id;
	ch->delivered_id = acked_id;
	ch->ack_sent_id = acked_id;
	ch->spool_end_id = last_id;
	ch->spool_durable_id = last_id;
	ch->next_id = (last_id > acked_id ? last_id : acked_id) + 1;
	if (last_id > acked_id) {
		dl_stat_add(&ch->d->stats.records_pending, last_id - acked_id);
		LOG_NOTICE("%s: the spool holds records up to id %" PRIu64 " beyond the acknowledged id %" PRIu64 "; they are sent first",
			   ch->label, last_id, acked_id);
	}
}

void dl_channel_accept(struct dl_channel *ch, struct dl_record *rec)
{
	rec->queued_ms = ch->d->now_ms;
	dl_queue_push(&ch->mem, rec);
}

void dl_channel_take_back(struct dl_channel *ch, struct dl_queue *sorted)
{
	struct dl_queue merged = {0};

	/* The memory queue has ascending ids and then records without one;
	 * sorted has ascending ids. */
	while (!dl_queue_empty(sorted) || !dl_queue_empty(&ch->mem)) {
		struct dl_record *mine = ch->mem.head;
		struct dl_record *back = sorted->head;
		bool take_back = back != NULL &&
				 (mine == NULL || mine->id == 0 || back->id < mine->id);

		dl_queue_push(&merged, dl_queue_pop(take_back ? sorted : &ch->mem));
	}
	ch->mem = merged;
}

static void assign_id(struct dl_channel *ch, struct dl_record *rec)
{
	if (rec->id == 0)
		rec->id = ch->next_id++;
}

/* Puts records on the connection: from the spool while it has records
 * above queued_id, else from memory. */
/* A connection that is closing cleanly takes nothing new, so that it can
 * finish; one that is down takes nothing at all. */
static bool conn_takes_records(const struct dl_channel *ch)
{
	const struct dl_conn *c = &ch->conn;

	return c->state == DL_CONN_UP && !ch->d->stop_seen && !ch->agency->retired &&
	       !c->restart;
}

/* Room on the connection for another batch of records. */
static bool conn_has_room(const struct dl_conn *c)
{
	return dl_conn_can_queue(c) && c->wire_queued - c->wire_sent < DL_BATCH_BYTES;
}

void dl_channel_fill(struct dl_channel *ch)
{
	struct dl_conn *c = &ch->conn;

	if (!conn_takes_records(ch))
		return;
	while (conn_has_room(c)) {
		if (ch->spool_end_id > ch->queued_id) {
			if (!ch->read_inflight && ch->d->now_ms >= ch->read_retry_ms)
				dl_spool_post_read(ch);
			break;
		}

		struct dl_record *rec = dl_queue_pop(&ch->mem);

		if (rec == NULL)
			break;
		assign_id(ch, rec);
		dl_conn_queue(c, rec);
	}
	dl_conn_flush(c);
}

/* True when a record on the connection is neither fully written nor
 * spooled. Records taken from memory follow every spooled record on the
 * connection, so the newest one decides. */
static bool conn_holds_unsafe(const struct dl_conn *c)
{
	if (c->written == c->tail)
		return false;
	const struct dl_record *last = c->ring[(c->tail - 1) % DL_RING_SIZE].rec;

	return (last->flags & (DL_REC_SPOOLED | DL_REC_KEEPALIVE)) == 0;
}

/* A connection that is up or being set up; records for one that is down
 * or closing go to the spool without waiting. */
static bool connection_expected(const struct dl_channel *ch)
{
	enum dl_conn_state s = ch->conn.state;

	return s != DL_CONN_IDLE && s != DL_CONN_CLOSING &&
	       s != DL_CONN_FINISHING && !ch->d->stop_seen &&
	       !ch->agency->retired;
}

static bool should_spool(const struct dl_channel *ch)
{
	const struct dl_conn *c = &ch->conn;
	uint64_t now = ch->d->now_ms;
	bool has_mem = !dl_queue_empty(&ch->mem);
	bool stuck = conn_holds_unsafe(c) &&
		     now - c->last_progress_ms >= DL_STALL_MS;

	if (!has_mem)
		return stuck;
	return !connection_expected(ch) || stuck ||
	       now - ch->mem.head->queued_ms >= DL_STALL_MS ||
	       ch->mem.bytes >= DL_CHANNEL_MEM_SOFT;
}

/* Takes back a batch that could not be posted, as if the spool had
 * rejected it. */
static void unpost(struct dl_channel *ch, struct dl_record **batch, size_t n)
{
	struct dl_queue back = {0};

	LOG_ERR("%s: out of memory for a spool append; retrying", ch->label);
	for (size_t i = 0; i < n; i++) {
		batch[i]->flags &= (uint16_t)~DL_REC_SPOOLED;
		if (batch[i]->flags & DL_REC_ON_CONN) {
			ch->conn.spool_scan = ch->conn.head;
			dl_record_unref(batch[i]);
		} else {
			dl_queue_push(&back, batch[i]);
		}
	}
	dl_channel_take_back(ch, &back);
}

static int post_batch(struct dl_channel *ch, struct dl_record **batch,
		      size_t *n)
{
	if (*n == 0)
		return 0;
	if (dl_spool_post_append(ch, batch, *n) != 0) {
		unpost(ch, batch, *n);
		*n = 0;
		return -1;
	}
	if (batch[*n - 1]->id > ch->spool_end_id)
		ch->spool_end_id = batch[*n - 1]->id;
	*n = 0;
	return 0;
}

/* Appends, in id order, the connection's records that are not spooled yet
 * and then every record in memory. */
static void spool_memory(struct dl_channel *ch)
{
	struct dl_conn *c = &ch->conn;
	struct dl_record *batch[DL_APPEND_BATCH];
	size_t n = 0;

	if (ch->spool_full) {
		if (ch->appends_inflight > 0 || ch->d->now_ms < ch->spool_retry_ms)
			return;
		/* A new generation lifts the worker's rejection. */
		ch->append_gen++;
		ch->spool_retry_ms = ch->d->now_ms + DL_SPOOL_RETRY_MS;
	}
	if ((int32_t)(c->spool_scan - c->head) < 0)
		c->spool_scan = c->head;
	for (; c->spool_scan != c->tail; c->spool_scan++) {
		struct dl_record *rec = c->ring[c->spool_scan % DL_RING_SIZE].rec;

		if (rec->flags & (DL_REC_SPOOLED | DL_REC_KEEPALIVE))
			continue;
		rec->flags |= DL_REC_SPOOLED;
		dl_record_ref(rec);
		batch[n++] = rec;
		if (n == DL_APPEND_BATCH && post_batch(ch, batch, &n) != 0)
			return;
	}
	while (!dl_queue_empty(&ch->mem)) {
		struct dl_record *rec = dl_queue_pop(&ch->mem);

		assign_id(ch, rec);
		rec->flags |= DL_REC_SPOOLED;
		batch[n++] = rec;
		if (n == DL_APPEND_BATCH && post_batch(ch, batch, &n) != 0)
			return;
	}
	post_batch(ch, batch, &n);
}

/* Records the spool rejected at stop, or that have no spool to go to,
 * are lost: count and log them. */
void dl_channel_drop_memory(struct dl_channel *ch, const char *reason)
{
	size_t n = ch->mem.count;

	if (n == 0)
		return;
	LOG_ERR("%s: %zu records lost at stop because %s", ch->label, n, reason);
	dl_stat_add(&ch->d->stats.records_lost, n);
	atomic_fetch_sub(&ch->d->stats.records_pending, n);
	while (!dl_queue_empty(&ch->mem))
		dl_record_unref(dl_queue_pop(&ch->mem));
}

static void service_stop(struct dl_channel *ch)
{
	if (!ch->spool_ready) {
		dl_channel_drop_memory(ch, "the spool could not be opened");
		return;
	}
	if (ch->spool_full && ch->appends_inflight == 0 &&
	    !dl_queue_empty(&ch->mem)) {
		if (ch->stop_retried) {
			dl_channel_drop_memory(ch, "the spool rejects records");
			return;
		}
		ch->stop_retried = true;
		ch->spool_retry_ms = 0;
	}
}

static void acknowledge_spool(struct dl_channel *ch)
{
	if (!ch->ack_inflight && ch->acked_id > ch->ack_sent_id &&
	    ch->spool_durable_id > ch->ack_sent_id)
		dl_spool_post_ack(ch);
}

void dl_channel_service(struct dl_channel *ch)
{
	struct delivery *d = ch->d;

	if (!ch->spool_ready) {
		if (d->stop_seen)
			service_stop(ch);
		else if (!ch->open_inflight && d->now_ms >= ch->open_retry_ms)
			dl_spool_post_open(ch);
		return;
	}
	dl_conn_service(&ch->conn);
	if (d->stop_seen)
		service_stop(ch);
	if (should_spool(ch))
		spool_memory(ch);
	dl_channel_fill(ch);
	acknowledge_spool(ch);
}

bool dl_channel_quiet(const struct dl_channel *ch)
{
	if (!ch->spool_ready)
		return dl_queue_empty(&ch->mem);
	return dl_queue_empty(&ch->mem) &&
	       ch->appends_inflight == 0 && !conn_holds_unsafe(&ch->conn);
}

/* Offline drain: a connected agency, or one still being connected to, has
 * received and acknowledged everything; an unreachable one waits in its
 * spool. */
bool dl_channel_settled(const struct dl_channel *ch)
{
	const struct dl_conn *c = &ch->conn;
	uint64_t done = ch->tcp_acked_id > ch->acked_id ? ch->tcp_acked_id
							: ch->acked_id;
	bool delivered = ch->spool_end_id <= done && c->acked == c->tail &&
			 dl_queue_empty(&ch->mem);

	if (!dl_channel_quiet(ch))
		return false;
	if (ch->agency->retired || delivered)
		return true;
	return c->state == DL_CONN_IDLE && c->failures > 0;
}

/* Nothing in flight to the spool worker, and no connection open. */
bool dl_channel_idle(const struct dl_channel *ch)
{
	return dl_queue_empty(&ch->mem) && ch->appends_inflight == 0 &&
	       !ch->read_inflight && !ch->ack_inflight && !ch->open_inflight &&
	       ch->conn.state == DL_CONN_IDLE &&
	       !(ch->acked_id > ch->ack_sent_id &&
		 ch->spool_durable_id > ch->ack_sent_id);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t dl_channel_deadline(const struct dl_channel *ch)
{
	uint64_t t = dl_conn_deadline(&ch->conn);

	if (!ch->spool_ready)
		return earliest(t, ch->open_retry_ms);
	if (!dl_queue_empty(&ch->mem)) {
		t = earliest(t, ch->mem.head->queued_ms + DL_STALL_MS);
		if (ch->spool_full)
			t = earliest(t, ch->spool_retry_ms);
	}
	if (conn_holds_unsafe(&ch->conn))
		t = earliest(t, ch->conn.last_progress_ms + DL_STALL_MS);
	/* The spool is read only when the connection has room, the test of
	 * dl_channel_fill(). Without that test this deadline would wake the
	 * thread over and over while the agency is down or its connection
	 * full, so sends and acknowledgements wake it when room comes. */
	if (ch->spool_end_id > ch->queued_id && !ch->read_inflight &&
	    conn_takes_records(ch) && conn_has_room(&ch->conn))
		t = earliest(t, ch->read_retry_ms);
	return t;
}
