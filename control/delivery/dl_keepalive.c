/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keep-alives on an idle connection: a TRIPayload keep-alive after
 * keepalive_s seconds without writes, and a drop when no keep-aliveResponse
 * with its sequence number comes within keepalive_wait_ms, or when the
 * agency reads nothing for keepalive_s plus keepalive_wait_ms.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

/* Encodes a keep-alive or keep-aliveResponse with CIN 0. The wall clock
 * dates it, because it reports no captured event. */
static struct dl_record *tri_record(struct dl_conn *c, uint32_t seq,
				    bool response)
{
	const struct dl_agency_conf *conf = c->ch->agency->conf;
	struct dl_record *rec = dl_record_new(ETSI_PDU_OVERHEAD_MAX);
	struct timeval now;
	size_t len = 0;

	if (rec == NULL)
		return NULL;
	gettimeofday(&now, NULL);
	struct etsi_header hdr = {
		.agency = &conf->etsi,
		.liid = DL_KEEPALIVE_LIID,
		.cin = 0,
		.seq = seq,
		.seconds = (uint64_t)now.tv_sec,
		.microseconds = (uint32_t)now.tv_usec,
	};
	int rc = response
		 ? etsi_encode_keepalive_response(&hdr, rec->pdu, rec->len, &len)
		 : etsi_encode_keepalive(&hdr, rec->pdu, rec->len, &len);

	if (rc != ETSI_OK) {
		LOG_ERR("%s: encoding a keep-alive failed: %s", c->ch->label,
			etsi_status_text(rc));
		dl_record_unref(rec);
		return NULL;
	}
	rec = dl_record_shrink(rec, len);
	rec->channel = (uint8_t)c->ch->kind;
	rec->flags = DL_REC_KEEPALIVE | (response ? DL_REC_RESPONSE : 0);
	dl_record_set_liid(rec, DL_KEEPALIVE_LIID, strlen(DL_KEEPALIVE_LIID));
	return rec;
}

static void send_keepalive(struct dl_conn *c)
{
	struct dl_record *rec = tri_record(c, c->ka_next_seq, false);

	if (rec == NULL || !dl_conn_can_queue(c)) {
		dl_record_unref(rec);
		return;
	}
	c->ka_seq = c->ka_next_seq++;
	c->ka_outstanding = true;
	c->ka_deadline_ms = c->ch->d->now_ms + c->ch->d->opts.keepalive_wait_ms;
	LOG_DEBUG("%s: sending keep-alive %" PRIu32, c->ch->label, c->ka_seq);
	dl_conn_queue(c, rec);
	dl_conn_flush(c);
}

int dl_keepalive_answer(struct dl_conn *c, uint32_t seq)
{
	struct dl_record *rec = tri_record(c, seq, true);

	if (rec == NULL)
		return -1;
	if (!dl_conn_can_queue(c)) {
		dl_record_unref(rec);
		return 0;
	}
	dl_conn_queue(c, rec);
	dl_conn_flush(c);
	return 0;
}

static uint64_t idle_ms(const struct dl_conn *c)
{
	return (uint64_t)c->ch->agency->conf->keepalive_s * 1000;
}

void dl_keepalive_service(struct dl_conn *c)
{
	struct delivery *d = c->ch->d;
	uint64_t now = d->now_ms;

	if (c->ch->agency->conf->keepalive_s == 0 || c->state != DL_CONN_UP)
		return;
	if (c->ka_outstanding) {
		if (now < c->ka_deadline_ms)
			return;
		dl_stat_add(&d->stats.keepalive_timeouts, 1);
		LOG_WARN("%s: no keep-aliveResponse to keep-alive %" PRIu32 " from %s within %" PRIu32 " ms",
			 c->ch->label, c->ka_seq, c->peer, d->opts.keepalive_wait_ms);
		dl_conn_close(c, "keep-alive timed out");
		return;
	}
	if (c->written != c->tail) {
		/* Bytes wait to be written, so the agency reads nothing. */
		if (now - c->last_progress_ms < idle_ms(c) + d->opts.keepalive_wait_ms)
			return;
		dl_stat_add(&d->stats.keepalive_timeouts, 1);
		LOG_WARN("%s: %s has read nothing for %" PRIu64 " ms",
			 c->ch->label, c->peer, now - c->last_progress_ms);
		dl_conn_close(c, "the agency does not read");
		return;
	}
	if (now - c->last_write_ms >= idle_ms(c))
		send_keepalive(c);
}

uint64_t dl_keepalive_deadline(const struct dl_conn *c)
{
	const struct delivery *d = c->ch->d;

	if (c->ch->agency->conf->keepalive_s == 0)
		return UINT64_MAX;
	if (c->ka_outstanding)
		return c->ka_deadline_ms;
	if (c->written != c->tail)
		return c->last_progress_ms + idle_ms(c) + d->opts.keepalive_wait_ms;
	return c->last_write_ms + idle_ms(c);
}

void dl_keepalive_response(struct dl_conn *c, uint32_t seq)
{
	if (c->ka_outstanding && seq == c->ka_seq) {
		c->ka_outstanding = false;
		LOG_DEBUG("%s: keep-aliveResponse %" PRIu32 " received", c->ch->label, seq);
		return;
	}
	LOG_WARN("%s: keep-aliveResponse with sequence number %" PRIu32 " does not match the outstanding keep-alive; ignored",
		 c->ch->label, seq);
}
