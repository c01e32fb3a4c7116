/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end of a connection: unplanned closes, clean closes with a FIN, the
 * records handed back to the channel, and the delay before the next
 * attempt.
 */
#include <inttypes.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/delivery/dl_conn_internal.h"
#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "lib/util/log.h"

/* Backoff: the delay doubles per failed attempt up to reconnect_max_ms,
 * and a random part of up to half spreads the attempts of many lime
 * nodes that lost an agency at the same time. */
static uint32_t next_delay(struct dl_conn *c)
{
	const struct delivery_options *o = &c->ch->d->opts;
	uint32_t base = c->backoff_ms;
	uint32_t jitter = 0;

	if (getrandom(&jitter, sizeof(jitter), GRND_NONBLOCK) != sizeof(jitter))
		jitter = (uint32_t)dl_conn_now(c) * 2654435761u;
	c->backoff_ms = base >= o->reconnect_max_ms / 2 ? o->reconnect_max_ms
						       : base * 2;
	return base / 2 + jitter % (base / 2 + 1);
}

static void log_close(struct dl_conn *c, const char *reason)
{
	struct dl_channel *ch = c->ch;

	if (c->was_up) {
		lime_log(c->planned_close ? LIME_LOG_NOTICE : LIME_LOG_WARNING,
			 "%s: connection to %s closed: %s", ch->label, c->peer, reason);
		return;
	}
	if (c->try_next_addr) {
		LOG_INFO("%s: cannot connect to %s: %s; trying the next address",
			 ch->label, c->peer, reason);
		return;
	}
	/* An agency that stays away would fill the log: after three lines,
	 * log at each doubling of the failure count. */
	uint32_t n = c->failures + 1;
	bool loud = n <= 3 || (n & (n - 1)) == 0;

	lime_log(loud ? LIME_LOG_WARNING : LIME_LOG_DEBUG,
		 "%s: cannot connect to %s: %s (attempt %" PRIu32 ")", ch->label,
		 c->peer[0] != '\0' ? c->peer : ch->agency->conf->addr[ch->kind],
		 reason, n);
}

void dl_conn_close(struct dl_conn *c, const char *reason)
{
	if (c->state == DL_CONN_IDLE || c->state == DL_CONN_CLOSING)
		return;
	log_close(c, reason);
	if (c->fd < 0) {
		dl_conn_closed(c);
		return;
	}
	c->state = DL_CONN_CLOSING;
	dl_conn_backend(c)->cancel(c->ch->d, c);
}

/* Hands the unconfirmed records on the connection back: spooled ones are
 * read from the spool again, the others go back to memory ahead of newer
 * records. Acknowledged ones in the resend window become pending again. */
static void release_ring(struct dl_conn *c)
{
	struct dl_channel *ch = c->ch;
	struct dl_queue back = {0};

	if (c->confirmed_close)
		dl_conn_confirm_written(c);
	for (uint32_t i = c->head; i != c->tail; i++) {
		struct dl_record *rec = c->ring[i % DL_RING_SIZE].rec;

		rec->flags &= (uint16_t)~DL_REC_ON_CONN;
		if (rec->flags & (DL_REC_KEEPALIVE | DL_REC_SPOOLED))
			dl_record_unref(rec);
		else
			dl_queue_push(&back, rec);
	}
	c->head = c->acked = c->written = c->tail = c->spool_scan = 0;
	dl_channel_take_back(ch, &back);
	if (ch->tcp_acked_id > ch->acked_id)
		dl_stat_add(&ch->d->stats.records_pending,
			    ch->tcp_acked_id - ch->acked_id);
	ch->tcp_acked_id = ch->acked_id;
	ch->queued_id = ch->acked_id;
}

static void reset_transfer_state(struct dl_conn *c)
{
	c->wire_queued = c->wire_sent = c->wire_acked = 0;
	c->tx_len = 0;
	c->tx_base = 0;
	c->tx_inflight = NULL;
	free(c->tx_retired);
	c->tx_retired = NULL;
	c->rx_len = 0;
	c->write_inflight = false;
	c->read_inflight = false;
	c->want_connect = c->want_write = c->want_read = false;
	c->epoll_added = false;
	c->epoll_events = 0;
	c->ka_outstanding = false;
	c->ack_poll_ms = UINT64_MAX;
	c->ack_poll_interval_ms = DL_ACK_POLL_MIN_MS;
}

static void schedule_retry(struct dl_conn *c)
{
	struct delivery *d = c->ch->d;
	uint64_t now = dl_conn_now(c);

	if (c->was_up) {
		dl_stat_add(&d->stats.disconnects, 1);
		/* Only a connection that lasted resets the delay, so that an
		 * agency accepting and closing at once is not hammered. */
		if (now - c->up_since_ms >= DL_STABLE_MS) {
			c->backoff_ms = d->opts.reconnect_min_ms;
			c->failures = 0;
		}
	} else {
		dl_stat_add(&d->stats.connect_failures, 1);
		c->failures++;
	}
	c->was_up = false;
	c->next_attempt_ms = now + next_delay(c);
	if (c->reconnect_now) {
		c->reconnect_now = false;
		c->backoff_ms = d->opts.reconnect_min_ms;
		c->next_attempt_ms = now;
	}
}

void dl_conn_closed(struct dl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	dl_tls_free(c);
	release_ring(c);
	reset_transfer_state(c);
	c->confirmed_close = false;
	c->finish_by_ms = 0;
	c->state = DL_CONN_IDLE;
	if (c->try_next_addr && dl_conn_may_connect(c)) {
		c->try_next_addr = false;
		c->addr_index++;
		dl_conn_try_connect(c);
		return;
	}
	c->try_next_addr = false;
	c->planned_close = false;
	c->restart = false;
	schedule_retry(c);
}

/* Starts a planned close: a FIN after everything written (and a TLS
 * close_notify), so that the agency's close in response confirms that it
 * read every record. */
static void start_finish(struct dl_conn *c)
{
	c->planned_close = true;
	c->state = DL_CONN_FINISHING;
	c->deadline_ms = dl_conn_now(c) + DL_FINISH_MS;
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		if (dl_tls_collect(c) != 0) {
			dl_conn_close(c, "out of memory for TLS output");
			return;
		}
	}
	if (c->wire_sent == c->wire_queued)
		shutdown(c->fd, SHUT_WR);
	else
		dl_conn_flush(c);
}

void dl_conn_service_planned_close(struct dl_conn *c, const char *reason)
{
	uint64_t now = dl_conn_now(c);

	switch (c->state) {
	case DL_CONN_UP:
		if (c->finish_by_ms == 0)
			c->finish_by_ms = now + DL_FINISH_MS;
		if (c->written == c->tail && !c->write_inflight) {
			start_finish(c);
		} else if (now >= c->finish_by_ms) {
			c->planned_close = true;
			dl_conn_close(c, reason);
		}
		break;
	case DL_CONN_FINISHING:
		if (now >= c->deadline_ms)
			dl_conn_close(c, "the agency did not close after lime's FIN");
		break;
	case DL_CONN_IDLE:
	case DL_CONN_CLOSING:
		break;
	default:
		c->planned_close = true;
		dl_conn_close(c, reason);
		break;
	}
}

