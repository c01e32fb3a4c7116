/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output of a connection: records queued and written, counted when fully
 * written, and released once the peer's TCP acknowledged them and they
 * left the resend window.
 */
#include <linux/sockios.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "control/delivery/dl_conn_internal.h"
#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

/* Releases the oldest record on the connection as confirmed. */
static void confirm_entry(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	struct dl_record *rec = c->ring[c->head % DL_RING_SIZE].rec;

	c->head++;
	if (!(rec->flags & DL_REC_KEEPALIVE) && rec->id > ch->acked_id)
		ch->acked_id = rec->id;
	rec->flags &= (uint16_t)~DL_REC_ON_CONN;
	dl_record_unref(rec);
}

/* The agency closed in response to lime's FIN, so it read every byte, and
 * the written records are confirmed. */
void dl_conn_confirm_written(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;

	while (c->head != c->written) {
		const struct dl_record *rec = c->ring[c->head % DL_RING_SIZE].rec;

		if (!(rec->flags & DL_REC_KEEPALIVE) && rec->id > ch->tcp_acked_id) {
			atomic_fetch_sub(&ch->d->stats.records_pending,
					 rec->id - ch->tcp_acked_id);
			ch->tcp_acked_id = rec->id;
		}
		confirm_entry(c);
	}
	c->acked = c->head;
}

bool dl_conn_can_queue(const struct dl_conn *c)
{
	return c->state == DL_CONN_UP && c->tail - c->head < DL_RING_SIZE;
}

/* Encrypts a record into the tx buffer; on failure the record goes back
 * to memory and the connection closes. */
static int encrypt_record(struct dl_conn *c, struct dl_record *rec)
{
	ERR_clear_error();
	if (SSL_write(c->ssl, rec->pdu, (int)rec->len) == (int)rec->len &&
	    dl_tls_collect(c) == 0)
		return 0;

	char text[256];
	struct dl_queue back = {0};

	dl_tls_error_text(c, text, sizeof(text));
	if (rec->flags & (DL_REC_KEEPALIVE | DL_REC_SPOOLED)) {
		dl_record_unref(rec);
	} else {
		dl_queue_push(&back, rec);
		dl_channel_take_back(c->ch, &back);
	}
	dl_conn_close(c, text);
	return -1;
}

void dl_conn_queue(struct dl_conn *c, struct dl_record *rec)
{
	struct dl_channel *ch = c->ch;

	if (c->written == c->tail)
		c->last_progress_ms = dl_conn_now(c);
	if (c->ssl != NULL) {
		if (encrypt_record(c, rec) != 0)
			return;
	} else {
		c->wire_queued += rec->len;
	}

	struct dl_wire_entry *e = &c->ring[c->tail % DL_RING_SIZE];

	e->rec = rec;
	e->end = c->wire_queued;
	rec->flags |= DL_REC_ON_CONN;
	c->tail++;
	if (!(rec->flags & DL_REC_KEEPALIVE) && rec->id > ch->queued_id)
		ch->queued_id = rec->id;
}

/* Points the iovecs at the unwritten bytes of the records on the
 * connection, starting inside the first one. */
static int plain_iov(struct dl_conn *c)
{
	uint64_t pos = c->wire_sent;
	int n = 0;

	for (uint32_t i = c->written; i != c->tail && n < DL_BATCH_IOV; i++) {
		const struct dl_wire_entry *e = &c->ring[i % DL_RING_SIZE];
		uint64_t start = e->end - e->rec->len;
		size_t skip = pos > start ? (size_t)(pos - start) : 0;

		c->iov[n].iov_base = e->rec->pdu + skip;
		c->iov[n].iov_len = e->rec->len - skip;
		pos = e->end;
		n++;
	}
	return n;
}

void dl_conn_flush(struct dl_conn *c)
{
	if (c->write_inflight || c->fd < 0 || c->wire_sent == c->wire_queued ||
	    (c->state != DL_CONN_UP && c->state != DL_CONN_HANDSHAKE &&
	     c->state != DL_CONN_FINISHING))
		return;

	int n;

	if (c->ssl != NULL) {
		size_t off = (size_t)(c->wire_sent - c->tx_base);

		c->iov[0].iov_base = c->tx + off;
		c->iov[0].iov_len = c->tx_len - off;
		c->tx_inflight = c->tx;
		n = 1;
	} else {
		n = plain_iov(c);
	}
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.msg_iov = c->iov;
	c->msg.msg_iovlen = (size_t)n;
	c->write_inflight = true;

	int rc = dl_conn_backend(c)->send(c->ch->d, c);
	if (rc != 0) {
		c->write_inflight = false;
		dl_conn_close(c, strerror(-rc));
	}
}

/* Counts records whose last byte went into the socket. */
static void mark_written(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	struct delivery *d = ch->d;
	uint64_t delivered = 0, replayed = 0, resent = 0, keepalives = 0;

	while (c->written != c->tail &&
	       c->ring[c->written % DL_RING_SIZE].end <= c->wire_sent) {
		struct dl_record *rec = c->ring[c->written % DL_RING_SIZE].rec;

		c->written++;
		if (rec->flags & DL_REC_KEEPALIVE) {
			if (!(rec->flags & DL_REC_RESPONSE))
				keepalives++;
			continue;
		}
		if (rec->id <= ch->delivered_id) {
			resent++;
			continue;
		}
		ch->delivered_id = rec->id;
		delivered++;
		if (rec->flags & DL_REC_FROM_SPOOL)
			replayed++;
		dl_counts_add(&d->counts, rec->liid, rec->liid_len, ch->kind, 1, 0);
	}
	dl_stat_add(&d->stats.records_delivered, delivered);
	dl_stat_add(&d->stats.records_replayed, replayed);
	dl_stat_add(&d->stats.records_resent, resent);
	dl_stat_add(&d->stats.keepalives_sent, keepalives);
}

static void compact_tx(struct dl_conn *c)
{
	size_t done = (size_t)(c->wire_sent - c->tx_base);

	memmove(c->tx, c->tx + done, c->tx_len - done);
	c->tx_len -= done;
	c->tx_base = c->wire_sent;
}

void dl_conn_written(struct dl_conn *c, long n)
{
	c->write_inflight = false;
	c->tx_inflight = NULL;
	free(c->tx_retired);
	c->tx_retired = NULL;
	if (c->state != DL_CONN_UP && c->state != DL_CONN_HANDSHAKE &&
	    c->state != DL_CONN_FINISHING)
		return;
	if (n <= 0) {
		dl_conn_close(c, n == 0 ? "the socket accepted no bytes"
				       : strerror((int)-n));
		return;
	}
	c->wire_sent += (uint64_t)n;
	if (c->state == DL_CONN_FINISHING) {
		/* The TLS close_notify is out; now the FIN. */
		if (c->wire_sent == c->wire_queued)
			shutdown(c->fd, SHUT_WR);
		else
			dl_conn_flush(c);
		return;
	}
	c->last_write_ms = c->last_progress_ms = dl_conn_now(c);
	mark_written(c);
	if (c->ssl != NULL)
		compact_tx(c);
	c->ack_poll_interval_ms = DL_ACK_POLL_MIN_MS;
	dl_conn_check_acked(c);
	dl_conn_flush(c);
	dl_channel_fill(c->ch);
}

/* Ids the spool reader skipped as damaged count as done once nothing
 * before them is outstanding. */
static void skip_damaged(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;

	if (c->acked == c->tail && ch->queued_id > ch->tcp_acked_id) {
		atomic_fetch_sub(&ch->d->stats.records_pending,
				 ch->queued_id - ch->tcp_acked_id);
		ch->tcp_acked_id = ch->queued_id;
	}
	if (c->head == c->tail && ch->queued_id > ch->acked_id)
		ch->acked_id = ch->queued_id;
}

/* Counts records whose bytes the peer's TCP acknowledged. */
static void advance_tcp_acks(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	uint64_t before = ch->tcp_acked_id;

	while (c->acked != c->written &&
	       c->ring[c->acked % DL_RING_SIZE].end <= c->wire_acked) {
		const struct dl_record *rec = c->ring[c->acked % DL_RING_SIZE].rec;

		c->acked++;
		if (!(rec->flags & DL_REC_KEEPALIVE) && rec->id > ch->tcp_acked_id)
			ch->tcp_acked_id = rec->id;
	}
	if (ch->tcp_acked_id > before)
		atomic_fetch_sub(&ch->d->stats.records_pending,
				 ch->tcp_acked_id - before);
}

/* Confirms acknowledged records that left the resend window, or that the
 * ring needs room for. */
static void release_confirmed(struct dl_conn *c)
{
	uint64_t window = c->ch->d->opts.resend_window_bytes;

	while (c->head != c->acked) {
		const struct dl_wire_entry *e = &c->ring[c->head % DL_RING_SIZE];

		if (e->end + window > c->wire_acked &&
		    c->tail - c->head <= DL_RING_SIZE / 2)
			break;
		confirm_entry(c);
	}
	skip_damaged(c);
}

void dl_conn_check_acked(struct dl_conn *c)
{
	int outq = 0;

	if (c->fd < 0 || c->state != DL_CONN_UP)
		return;
	if (c->wire_acked < c->wire_sent) {
		if (ioctl(c->fd, SIOCOUTQ, &outq) != 0 || outq < 0)
			outq = 0;   /* then fully written counts as acknowledged */
		uint64_t acked = c->wire_sent - (uint64_t)outq;

		if (acked > c->wire_acked) {
			c->wire_acked = acked;
			c->ack_poll_interval_ms = DL_ACK_POLL_MIN_MS;
		} else if (c->ack_poll_interval_ms < DL_ACK_POLL_MAX_MS) {
			c->ack_poll_interval_ms *= 2;
		}
	}
	advance_tcp_acks(c);
	release_confirmed(c);
	c->ack_poll_ms = c->wire_acked < c->wire_sent
			 ? dl_conn_now(c) + c->ack_poll_interval_ms : UINT64_MAX;
}

