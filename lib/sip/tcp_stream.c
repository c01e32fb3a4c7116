/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sip/tcp_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/sip/sip_frame.h"

/*
 * Largest TCP window with window scaling (RFC 7323): a segment further than
 * this from the next expected byte cannot be a retransmission or a
 * reordering, so the stream restarts at it.
 */
#define TCP_MAX_WINDOW (UINT32_C(1) << 30)

/* Out-of-order segments kept per stream. Storing one more gives up the gap. */
#define MAX_SEGMENTS 64

/* Stream buffers start at this size and, once emptied, shrink back to it. */
#define BUFFER_KEEP_CAPACITY 4096

/*
 * Closed streams stay in the table for at most 2 * MSL, MSL being 2 minutes
 * (RFC 9293), so that retransmitted data after a FIN is recognised and not
 * framed again.
 */
#define CLOSED_LINGER_US (240 * UINT64_C(1000000))

enum stream_state {
	STREAM_OPEN,
	STREAM_CLOSED,
};

/* Out-of-order data, in a list sorted by sequence and without overlaps. */
struct stored_segment {
	struct stored_segment *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

struct tcp_stream {
	struct tcp_stream_key key;
	uint64_t hash;
	struct tcp_stream *prev;      /* list neighbours, most recent first */
	struct tcp_stream *next;
	uint64_t last_seen_us;
	enum stream_state state;

	uint32_t next_seq;            /* next in-order byte expected */
	uint32_t first_seq;           /* first data byte of the connection */
	uint32_t fin_seq;             /* sequence just after the FIN */
	bool fin_seen;

	/* In-order bytes not yet framed: buf[buf_head, buf_head + buf_len). */
	uint8_t *buf;
	size_t buf_head;
	size_t buf_len;
	size_t buf_cap;

	struct stored_segment *segments;
	uint32_t segment_count;
	size_t segment_bytes;

	struct sip_frame_scan scan;
	uint32_t discard_remaining;   /* bytes left of an oversize message */
	bool skip_to_lf;              /* drop bytes up to the next line start */
	bool resyncing;               /* lost sync, no message framed since */
	bool keepalive_cr;            /* last byte was a CR of a keepalive */
};

struct stream_list {
	struct tcp_stream *head;      /* most recently seen */
	struct tcp_stream *tail;
};

struct hash_slot {
	uint64_t hash;
	struct tcp_stream *stream;    /* NULL when the slot is empty */
};

struct tcp_stream_table {
	struct tcp_stream_limits limits;
	tcp_stream_message_fn on_message;
	void *ctx;
	struct tcp_stream_stats stats;

	/* Open addressing with linear probing, at most half full. */
	struct hash_slot *slots;
	size_t slot_mask;
	uint64_t hash_seed;
	uint32_t stream_count;        /* open and closed */

	struct stream_list open;
	struct stream_list closed;
};

_Static_assert(sizeof(struct tcp_stream_key) == 40,
	       "the key hash reads five 64-bit words");

/* ---- Keys and the hash table ---- */

/* Copies a key with padding and unused address bytes zeroed. */
static void canonical_key(const struct tcp_stream_key *in,
			  struct tcp_stream_key *out)
{
	size_t addr_len = in->family == 4 ? 4 : sizeof(in->src_addr);

	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->src_port = in->src_port;
	out->dst_port = in->dst_port;
	memcpy(out->src_addr, in->src_addr, addr_len);
	memcpy(out->dst_addr, in->dst_addr, addr_len);
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t hash_key(uint64_t seed, const struct tcp_stream_key *key)
{
	uint64_t words[5];
	uint64_t h = seed;

	memcpy(words, key, sizeof(words));
	for (size_t i = 0; i < 5; i++)
		h = mix64(h ^ words[i]);
	return h;
}

/* Returns the slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct tcp_stream_table *table,
			const struct tcp_stream_key *key, uint64_t hash)
{
	size_t i = hash & table->slot_mask;

	for (;;) {
		const struct hash_slot *slot = &table->slots[i];

		if (slot->stream == NULL)
			return i;
		if (slot->hash == hash &&
		    memcmp(&slot->stream->key, key, sizeof(*key)) == 0)
			return i;
		i = (i + 1) & table->slot_mask;
	}
}

/* Deletes slot i, shifting later entries of the probe run back. */
static void remove_slot(struct tcp_stream_table *table, size_t i)
{
	size_t mask = table->slot_mask;
	size_t j = i;

	for (;;) {
		j = (j + 1) & mask;
		if (table->slots[j].stream == NULL)
			break;

		/* The entry at j may move to i unless its home lies in (i, j]. */
		size_t home = table->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			table->slots[i] = table->slots[j];
			i = j;
		}
	}
	table->slots[i].stream = NULL;
}

/* ---- Stream lists ---- */

static void list_unlink(struct stream_list *list, struct tcp_stream *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		list->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		list->tail = s->prev;
	s->prev = NULL;
	s->next = NULL;
}

static void list_push_head(struct stream_list *list, struct tcp_stream *s)
{
	s->prev = NULL;
	s->next = list->head;
	if (list->head != NULL)
		list->head->prev = s;
	else
		list->tail = s;
	list->head = s;
}

static struct stream_list *stream_list_of(struct tcp_stream_table *table,
					  const struct tcp_stream *s)
{
	return s->state == STREAM_OPEN ? &table->open : &table->closed;
}

static void touch_stream(struct tcp_stream_table *table, struct tcp_stream *s,
			 uint64_t ts_us)
{
	struct stream_list *list = stream_list_of(table, s);

	/* Capture times from several queues may arrive slightly out of order. */
	if (ts_us > s->last_seen_us)
		s->last_seen_us = ts_us;
	if (list->head != s) {
		list_unlink(list, s);
		list_push_head(list, s);
	}
}

/* ---- In-order buffer ---- */

static size_t stream_bytes(const struct tcp_stream *s)
{
	return s->buf_len + s->segment_bytes;
}

/* Bytes that may still be buffered for s, by both byte bounds. */
static size_t buffer_room(const struct tcp_stream_table *table,
			  const struct tcp_stream *s)
{
	size_t used = stream_bytes(s);
	size_t stream_room = table->limits.max_stream_bytes > used ?
			     table->limits.max_stream_bytes - used : 0;
	uint64_t total_room =
		table->limits.max_total_bytes > table->stats.bytes_buffered ?
		table->limits.max_total_bytes - table->stats.bytes_buffered : 0;

	return total_room < stream_room ? (size_t)total_room : stream_room;
}

static int buffer_reserve(struct tcp_stream *s, size_t len)
{
	size_t needed = s->buf_len + len;

	if (s->buf_head + needed <= s->buf_cap)
		return 0;

	/* Move the unframed bytes to the front before growing. */
	if (s->buf_head > 0) {
		memmove(s->buf, s->buf + s->buf_head, s->buf_len);
		s->buf_head = 0;
		if (needed <= s->buf_cap)
			return 0;
	}

	size_t cap = s->buf_cap > 0 ? s->buf_cap : BUFFER_KEEP_CAPACITY;
	while (cap < needed)
		cap *= 2;

	uint8_t *buf = realloc(s->buf, cap);
	if (buf == NULL)
		return -ENOMEM;
	s->buf = buf;
	s->buf_cap = cap;
	return 0;
}

static int buffer_append(struct tcp_stream_table *table, struct tcp_stream *s,
			 const uint8_t *data, size_t len)
{
	if (len > buffer_room(table, s))
		return -ENOBUFS;

	int rc = buffer_reserve(s, len);
	if (rc != 0)
		return rc;

	memcpy(s->buf + s->buf_head + s->buf_len, data, len);
	s->buf_len += len;
	table->stats.bytes_buffered += len;
	return 0;
}

static void buffer_consume(struct tcp_stream_table *table,
			   struct tcp_stream *s, size_t len)
{
	s->buf_head += len;
	s->buf_len -= len;
	table->stats.bytes_buffered -= len;
	if (s->buf_len > 0)
		return;

	/* Keep a small buffer for the next message, return a large one. */
	s->buf_head = 0;
	if (s->buf_cap > BUFFER_KEEP_CAPACITY) {
		free(s->buf);
		s->buf = NULL;
		s->buf_cap = 0;
	}
}

/* Drops the unframed in-order bytes, which can no longer form a message. */
static void buffer_discard(struct tcp_stream_table *table, struct tcp_stream *s)
{
	table->stats.bytes_discarded += s->buf_len;
	buffer_consume(table, s, s->buf_len);
	sip_frame_scan_reset(&s->scan);
}

/* ---- Framing ---- */

/* Largest message that still fits next to the out-of-order bytes. */
static size_t max_message_for(const struct tcp_stream_table *table,
			      const struct tcp_stream *s)
{
	size_t room = table->limits.max_stream_bytes > s->segment_bytes ?
		      table->limits.max_stream_bytes - s->segment_bytes : 0;

	return table->limits.max_message < room ?
	       table->limits.max_message : room;
}

/*
 * Counts a run of CR and LF bytes containing an LF as one keepalive, unless it
 * only completes a CRLF whose CR ended the previous data.
 */
static void count_keepalive(struct tcp_stream_table *table,
			    struct tcp_stream *s, const uint8_t *data,
			    size_t len, const struct sip_frame *frame)
{
	if (frame->skip == 0) {
		s->keepalive_cr = false;
		return;
	}

	bool completes_cr = s->keepalive_cr && data[0] == '\n' &&
			    frame->skip == 1;
	if (frame->keepalive && !completes_cr)
		table->stats.keepalives++;

	s->keepalive_cr = frame->skip == len && data[len - 1] == '\r';
}

/* Drops bytes of an oversize message or of a line being skipped. */
static size_t discard_pending(struct tcp_stream_table *table,
			      struct tcp_stream *s, const uint8_t *data,
			      size_t len)
{
	size_t n = 0;

	if (s->discard_remaining > 0) {
		n = s->discard_remaining < len ? s->discard_remaining : len;
		s->discard_remaining -= (uint32_t)n;
	} else if (s->skip_to_lf) {
		const uint8_t *lf = memchr(data, '\n', len);
		n = lf != NULL ? (size_t)(lf - data) + 1 : len;
		s->skip_to_lf = lf == NULL;
	}

	table->stats.bytes_discarded += n;
	return n;
}

/*
 * Resynchronises after data at the front that is not a SIP message. Returns
 * how many bytes to drop so that the data starts at a start line. When no
 * whole start line is present yet, the data is cut at its last line start.
 * NOTE: a body line that is itself a start line, as in a message/sipfrag
 * body, is taken for the start of a message when the search passes it.
 */
static size_t resync(struct tcp_stream_table *table, struct tcp_stream *s,
		     const uint8_t *data, size_t len)
{
	if (!s->resyncing) {
		table->stats.resyncs++;
		s->resyncing = true;
	}

	size_t n = sip_find_start_line(data, len);
	if (n == len) {
		/* Keep a partial last line: it may become a start line. */
		while (n > 0 && data[n - 1] != '\n')
			n--;
		if (n == 0) {
			n = len;
			s->skip_to_lf = true;
		}
	}

	table->stats.bytes_discarded += n;
	return n;
}

/* Skips an oversize message whole when its length is known. */
static size_t skip_oversize(struct tcp_stream_table *table,
			    struct tcp_stream *s, const struct sip_frame *frame,
			    const uint8_t *data, size_t len)
{
	table->stats.oversize_messages++;
	if (frame->msg_len == 0 || frame->msg_len > UINT32_MAX)
		return resync(table, s, data, len);

	size_t n = frame->msg_len < len ? frame->msg_len : len;
	s->discard_remaining = (uint32_t)(frame->msg_len - n);
	table->stats.bytes_discarded += n;
	return n;
}

static void deliver(struct tcp_stream_table *table, struct tcp_stream *s,
		    const uint8_t *msg, size_t len)
{
	table->stats.messages++;
	table->on_message(table->ctx, &s->key, msg, len, s->last_seen_us);
}

/*
 * Frames messages at the front of data, which continues the stream at its
 * framing position. Returns the bytes used: delivered, skipped or
 * discarded. The rest is an incomplete message for the caller to buffer.
 */
static size_t frame_bytes(struct tcp_stream_table *table, struct tcp_stream *s,
			  const uint8_t *data, size_t len)
{
	size_t max_msg = max_message_for(table, s);
	size_t off = 0;

	while (off < len) {
		size_t dropped = discard_pending(table, s, data + off, len - off);
		if (dropped > 0) {
			off += dropped;
			continue;
		}

		struct sip_frame frame;
		enum sip_frame_status status = sip_frame_next_resume(
			&s->scan, data + off, len - off, max_msg, &frame);
		count_keepalive(table, s, data + off, len - off, &frame);
		off += frame.skip;

		switch (status) {
		case SIP_FRAME_COMPLETE:
			deliver(table, s, data + off, frame.msg_len);
			off += frame.msg_len;
			s->resyncing = false;
			break;
		case SIP_FRAME_NEED_MORE:
			return off;
		case SIP_FRAME_INVALID:
			off += resync(table, s, data + off, len - off);
			break;
		case SIP_FRAME_TOO_LARGE:
			off += skip_oversize(table, s, &frame, data + off,
					     len - off);
			break;
		}
	}
	return off;
}

/* Frames the in-order buffer and drops the bytes used. */
static void frame_buffer(struct tcp_stream_table *table, struct tcp_stream *s)
{
	size_t used = frame_bytes(table, s, s->buf + s->buf_head, s->buf_len);

	buffer_consume(table, s, used);
}

/* Drops bytes that a byte bound or a failed allocation kept out. */
static int drop_for_limit(struct tcp_stream_table *table,
			  struct tcp_stream *s, size_t len)
{
	table->stats.buffer_limit_drops++;
	table->stats.bytes_discarded += len;
	buffer_discard(table, s);
	return -ENOBUFS;
}

/*
 * Takes bytes that continue the stream at next_seq. Whole messages in data
 * are delivered from data itself when nothing is buffered, so only an
 * incomplete message is copied.
 */
static int deliver_in_order(struct tcp_stream_table *table,
			    struct tcp_stream *s, const uint8_t *data,
			    size_t len)
{
	int rc = 0;

	s->next_seq += (uint32_t)len;

	while (len > 0) {
		if (s->buf_len == 0) {
			size_t used = frame_bytes(table, s, data, len);

			data += used;
			len -= used;
			if (len > 0 && buffer_append(table, s, data, len) != 0)
				rc = drop_for_limit(table, s, len);
			break;
		}

		/*
		 * Append what fits and frame. A buffer full by the stream bound
		 * always frames or drops something, because the framing limit
		 * is below that bound. Stored segments may have lowered the
		 * limit since the last framing, so frame again before dropping.
		 */
		size_t chunk = buffer_room(table, s);
		if (chunk == 0) {
			frame_buffer(table, s);
			chunk = buffer_room(table, s);
		}
		if (chunk > len)
			chunk = len;
		if (chunk == 0 || buffer_append(table, s, data, chunk) != 0) {
			rc = drop_for_limit(table, s, 0);
			continue;
		}
		data += chunk;
		len -= chunk;
		frame_buffer(table, s);
	}
	return rc;
}

/* ---- Out-of-order segments ---- */

static uint32_t offset_of(const struct tcp_stream *s, uint32_t seq)
{
	return seq - s->next_seq;
}

static void free_segment(struct tcp_stream_table *table, struct tcp_stream *s,
			 struct stored_segment *seg)
{
	s->segment_count--;
	s->segment_bytes -= seg->len;
	table->stats.bytes_buffered -= seg->len;
	free(seg);
}

/* Moves stored segments that now continue the stream into it. */
static void merge_segments(struct tcp_stream_table *table, struct tcp_stream *s)
{
	while (s->segments != NULL) {
		struct stored_segment *seg = s->segments;
		int32_t ahead = (int32_t)offset_of(s, seg->seq);

		if (ahead > 0)
			break;
		s->segments = seg->next;

		/* Bytes before next_seq arrived again in order meanwhile. */
		uint32_t behind = (uint32_t)-(int64_t)ahead;
		uint32_t len = seg->len;
		if (behind >= len) {
			table->stats.retransmitted_bytes += len;
			free_segment(table, s, seg);
			continue;
		}
		table->stats.retransmitted_bytes += behind;

		/* Free the stored copy first so its bytes count only once. */
		s->segment_count--;
		s->segment_bytes -= len;
		table->stats.bytes_buffered -= len;
		(void)deliver_in_order(table, s, seg->data + behind,
				       len - behind);
		free(seg);
	}
}

static void free_all_segments(struct tcp_stream_table *table,
			      struct tcp_stream *s)
{
	while (s->segments != NULL) {
		struct stored_segment *seg = s->segments;

		s->segments = seg->next;
		table->stats.bytes_discarded += seg->len;
		free_segment(table, s, seg);
	}
}

/*
 * Gives up waiting for the bytes before the first stored segment, or before
 * fallback_seq when that is earlier or nothing is stored. The unframed
 * in-order bytes are dropped, and framing restarts after the gap, where an
 * INVALID status resynchronises on a start line.
 */
static void give_up_gap(struct tcp_stream_table *table, struct tcp_stream *s,
			uint32_t fallback_seq)
{
	uint32_t target = fallback_seq;

	if (s->segments != NULL &&
	    offset_of(s, s->segments->seq) < offset_of(s, fallback_seq))
		target = s->segments->seq;

	table->stats.gaps_skipped++;
	buffer_discard(table, s);
	s->skip_to_lf = false;
	s->keepalive_cr = false;

	/* An oversize message being skipped may extend past the gap. */
	uint32_t gap = offset_of(s, target);
	s->discard_remaining = s->discard_remaining > gap ?
			       s->discard_remaining - gap : 0;

	s->next_seq = target;
	merge_segments(table, s);
}

/* Drops everything buffered and continues the stream at seq. */
static void restart_at(struct tcp_stream_table *table, struct tcp_stream *s,
		       uint32_t seq)
{
	table->stats.gaps_skipped++;
	buffer_discard(table, s);
	free_all_segments(table, s);
	s->discard_remaining = 0;
	s->skip_to_lf = false;
	s->keepalive_cr = false;
	s->next_seq = seq;
}

static bool segment_fits(const struct tcp_stream_table *table,
			 const struct tcp_stream *s, size_t len)
{
	size_t max_bytes = table->limits.max_stream_bytes;

	/* More than half the stream bound waiting means the gap persists. */
	return s->segment_count < MAX_SEGMENTS &&
	       s->segment_bytes + len <= max_bytes / 2 &&
	       stream_bytes(s) + len <= max_bytes;
}

/*
 * Stores a segment ahead of next_seq, keeping the list sorted and free of
 * overlaps: bytes already stored are kept and counted as retransmitted.
 */
static int store_segment(struct tcp_stream_table *table, struct tcp_stream *s,
			 uint32_t seq, const uint8_t *data, size_t len)
{
	if (table->stats.bytes_buffered + len > table->limits.max_total_bytes) {
		table->stats.buffer_limit_drops++;
		return -ENOBUFS;
	}

	struct stored_segment *seg = malloc(sizeof(*seg) + len);
	if (seg == NULL) {
		table->stats.buffer_limit_drops++;
		return -ENOMEM;
	}

	uint32_t start = offset_of(s, seq);
	uint32_t end = start + (uint32_t)len;
	struct stored_segment **link = &s->segments;

	while (*link != NULL &&
	       offset_of(s, (*link)->seq) + (*link)->len <= start)
		link = &(*link)->next;

	/* Trim the front against a segment that covers it. */
	if (*link != NULL && offset_of(s, (*link)->seq) <= start) {
		uint32_t covered = offset_of(s, (*link)->seq) + (*link)->len -
				   start;
		table->stats.retransmitted_bytes += covered < end - start ?
						    covered : end - start;
		if (covered >= end - start) {
			free(seg);
			return 0;
		}
		start += covered;
		link = &(*link)->next;
	}

	/* Replace stored segments that the new one covers entirely. */
	while (*link != NULL &&
	       offset_of(s, (*link)->seq) + (*link)->len <= end) {
		struct stored_segment *covered = *link;

		*link = covered->next;
		table->stats.retransmitted_bytes += covered->len;
		free_segment(table, s, covered);
	}

	/* Trim the back against the next stored segment. */
	if (*link != NULL && offset_of(s, (*link)->seq) < end) {
		uint32_t overlap = end - offset_of(s, (*link)->seq);
		table->stats.retransmitted_bytes += overlap;
		end -= overlap;
	}

	/* Stored segments on both sides may cover all that is left. */
	if (end == start) {
		free(seg);
		return 0;
	}

	seg->seq = s->next_seq + start;
	seg->len = end - start;
	memcpy(seg->data, data + (start - offset_of(s, seq)), seg->len);
	seg->next = *link;
	*link = seg;

	s->segment_count++;
	s->segment_bytes += seg->len;
	table->stats.bytes_buffered += seg->len;
	table->stats.out_of_order_segments++;
	return 0;
}

/* Places the payload of one segment by its sequence number. */
static int accept_data(struct tcp_stream_table *table, struct tcp_stream *s,
		       uint32_t seq, const uint8_t *data, size_t len)
{
	for (;;) {
		int32_t ahead = (int32_t)offset_of(s, seq);

		if (ahead < 0) {
			uint32_t behind = (uint32_t)-(int64_t)ahead;

			if (behind > TCP_MAX_WINDOW) {
				restart_at(table, s, seq);
				continue;
			}
			if (behind >= len) {
				table->stats.retransmitted_bytes += len;
				return 0;
			}
			table->stats.retransmitted_bytes += behind;
			data += behind;
			len -= behind;
			seq = s->next_seq;
			ahead = 0;
		}

		if ((uint32_t)ahead > TCP_MAX_WINDOW) {
			restart_at(table, s, seq);
			continue;
		}

		if (ahead == 0) {
			int rc = deliver_in_order(table, s, data, len);
			merge_segments(table, s);
			return rc;
		}

		if (segment_fits(table, s, len))
			return store_segment(table, s, seq, data, len);
		give_up_gap(table, s, seq);
	}
}

/* ---- Stream life cycle ---- */

/* Sets the per-connection state for data starting at first_seq. */
static void start_connection(struct tcp_stream *s, uint32_t first_seq)
{
	s->next_seq = first_seq;
	s->first_seq = first_seq;
	s->fin_seq = 0;
	s->fin_seen = false;
	s->discard_remaining = 0;
	s->skip_to_lf = false;
	s->resyncing = false;
	s->keepalive_cr = false;
	sip_frame_scan_reset(&s->scan);
}

/* Delivers what the buffered bytes still frame and drops the rest. */
static void finish_stream(struct tcp_stream_table *table, struct tcp_stream *s)
{
	while (s->segments != NULL)
		give_up_gap(table, s, s->segments->seq);
	buffer_discard(table, s);

	free(s->buf);
	s->buf = NULL;
	s->buf_cap = 0;
	s->buf_head = 0;
}

/* Finishes s and keeps it, closed, to recognise retransmissions. */
static void close_stream(struct tcp_stream_table *table, struct tcp_stream *s)
{
	finish_stream(table, s);
	list_unlink(&table->open, s);
	s->state = STREAM_CLOSED;
	list_push_head(&table->closed, s);
	table->stats.streams_active--;
	table->stats.streams_closed++;
}

static void reopen_stream(struct tcp_stream_table *table,
			  struct tcp_stream *s, uint32_t first_seq)
{
	list_unlink(&table->closed, s);
	s->state = STREAM_OPEN;
	list_push_head(&table->open, s);
	start_connection(s, first_seq);
	table->stats.streams_opened++;
	table->stats.streams_active++;
}

/* Removes s from the table and frees it. Buffered bytes are not framed. */
static void release_stream(struct tcp_stream_table *table, struct tcp_stream *s)
{
	table->stats.bytes_discarded += stream_bytes(s);
	table->stats.bytes_buffered -= s->buf_len;
	while (s->segments != NULL) {
		struct stored_segment *seg = s->segments;

		s->segments = seg->next;
		free_segment(table, s, seg);
	}
	free(s->buf);

	if (s->state == STREAM_OPEN)
		table->stats.streams_active--;
	list_unlink(stream_list_of(table, s), s);
	remove_slot(table, find_slot(table, &s->key, s->hash));
	table->stream_count--;
	free(s);
}

/*
 * Adds a stream for key, evicting the longest-closed stream when the table
 * is full. Returns NULL when it stays full or allocation fails.
 */
static struct tcp_stream *open_stream(struct tcp_stream_table *table,
				      const struct tcp_stream_key *key,
				      uint64_t hash, uint32_t first_seq,
				      uint64_t ts_us)
{
	if (table->stream_count >= table->limits.max_streams) {
		if (table->closed.tail == NULL)
			return NULL;
		release_stream(table, table->closed.tail);
	}

	struct tcp_stream *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;

	s->key = *key;
	s->hash = hash;
	s->last_seen_us = ts_us;
	s->state = STREAM_OPEN;
	start_connection(s, first_seq);

	size_t i = find_slot(table, key, hash);
	table->slots[i].hash = hash;
	table->slots[i].stream = s;
	table->stream_count++;
	list_push_head(&table->open, s);
	table->stats.streams_opened++;
	table->stats.streams_active++;
	return s;
}

/*
 * Applies a segment to a closed stream. Returns true when the segment is
 * done with, false when it starts a new connection on the reopened stream.
 */
static bool handle_closed(struct tcp_stream_table *table, struct tcp_stream *s,
			  uint32_t seq, uint8_t flags, size_t len)
{
	if (flags & TCP_STREAM_SYN) {
		reopen_stream(table, s, seq + 1);
		return false;
	}
	if ((flags & TCP_STREAM_RST) || len == 0)
		return true;

	/* Data that ends by the close point was seen before the close. */
	int32_t ahead = (int32_t)offset_of(s, seq);
	uint32_t behind = (uint32_t)-(int64_t)ahead;
	if (ahead < 0 && behind <= TCP_MAX_WINDOW && behind >= len) {
		table->stats.retransmitted_bytes += len;
		return true;
	}

	/*
	 * accept_data trims data that overlaps the close point. Data after it
	 * starts a new connection, as a mid-stream join.
	 */
	bool overlaps = ahead < 0 && behind <= TCP_MAX_WINDOW;
	reopen_stream(table, s, overlaps ? s->next_seq : seq);
	return false;
}

/* A SYN on an open stream is either seen before or a new connection. */
static void handle_syn(struct tcp_stream_table *table, struct tcp_stream *s,
		       uint32_t seq)
{
	if (seq + 1 == s->first_seq)
		return;

	close_stream(table, s);
	reopen_stream(table, s, seq + 1);
}

/* ---- Public interface ---- */

static bool limits_valid(const struct tcp_stream_limits *limits)
{
	return limits->max_streams > 0 &&
	       limits->max_streams <= (UINT32_C(1) << 30) &&
	       limits->max_stream_bytes > 0 &&
	       limits->max_total_bytes > 0 &&
	       limits->max_message > 0;
}

struct tcp_stream_table *tcp_stream_table_create(
	const struct tcp_stream_limits *limits,
	tcp_stream_message_fn on_message, void *ctx)
{
	if (limits == NULL || on_message == NULL || !limits_valid(limits)) {
		errno = EINVAL;
		return NULL;
	}

	struct tcp_stream_table *table = calloc(1, sizeof(*table));
	if (table == NULL)
		return NULL;

	/* At least twice as many slots as streams keeps probe runs short. */
	size_t slots = 2;
	while (slots < (size_t)limits->max_streams * 2)
		slots *= 2;
	table->slots = calloc(slots, sizeof(*table->slots));
	if (table->slots == NULL) {
		free(table);
		return NULL;
	}

	/* A seed per table makes colliding keys harder to craft. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	table->hash_seed = mix64((uint64_t)now.tv_nsec ^
				 ((uint64_t)now.tv_sec << 30) ^
				 (uint64_t)(uintptr_t)table);

	table->slot_mask = slots - 1;
	table->limits = *limits;
	table->on_message = on_message;
	table->ctx = ctx;
	return table;
}

void tcp_stream_table_destroy(struct tcp_stream_table *table)
{
	if (table == NULL)
		return;

	while (table->open.head != NULL)
		release_stream(table, table->open.head);
	while (table->closed.head != NULL)
		release_stream(table, table->closed.head);
	free(table->slots);
	free(table);
}

/*
 * Finds or creates the stream for a segment. Returns NULL with *rc = 0 when
 * the segment needs no stream, or with *rc < 0 when it was dropped.
 */
static struct tcp_stream *stream_for_segment(struct tcp_stream_table *table,
					     const struct tcp_stream_key *key,
					     uint32_t seq, uint8_t flags,
					     size_t len, uint64_t ts_us,
					     int *rc)
{
	uint64_t hash = hash_key(table->hash_seed, key);
	struct tcp_stream *s = table->slots[find_slot(table, key, hash)].stream;

	*rc = 0;
	if (s != NULL) {
		touch_stream(table, s, ts_us);
		if (s->state == STREAM_CLOSED &&
		    handle_closed(table, s, seq, flags, len))
			return NULL;
		if (s->state == STREAM_OPEN && (flags & TCP_STREAM_SYN))
			handle_syn(table, s, seq);
		return s;
	}

	/* Only a SYN or data starts a stream: bare ACKs would fill the table. */
	bool syn = flags & TCP_STREAM_SYN;
	if (!syn && (len == 0 || (flags & TCP_STREAM_RST)))
		return NULL;

	s = open_stream(table, key, hash, syn ? seq + 1 : seq, ts_us);
	if (s == NULL) {
		table->stats.stream_limit_drops++;
		*rc = -ENOSPC;
	}
	return s;
}

int tcp_stream_segment(struct tcp_stream_table *table,
		       const struct tcp_stream_key *key,
		       uint32_t seq, uint8_t flags,
		       const uint8_t *payload, size_t len, uint64_t ts_us)
{
	struct tcp_stream_key canonical;
	int rc;

	table->stats.segments++;
	table->stats.payload_bytes += len;

	canonical_key(key, &canonical);
	struct tcp_stream *s = stream_for_segment(table, &canonical, seq, flags,
						  len, ts_us, &rc);
	if (s == NULL)
		return rc;

	if (flags & TCP_STREAM_RST) {
		close_stream(table, s);
		return 0;
	}

	/* The SYN takes one sequence number before the data. */
	uint32_t data_seq = (flags & TCP_STREAM_SYN) ? seq + 1 : seq;
	if (len > 0)
		rc = accept_data(table, s, data_seq, payload, len);

	if (flags & TCP_STREAM_FIN) {
		s->fin_seen = true;
		s->fin_seq = data_seq + (uint32_t)len;
	}

	/* A FIN ahead of a gap closes the stream once the gap fills. */
	if (s->fin_seen && (int32_t)(s->next_seq - s->fin_seq) >= 0)
		close_stream(table, s);
	return rc;
}

void tcp_stream_expire(struct tcp_stream_table *table, uint64_t now_us)
{
	uint64_t idle = table->limits.idle_timeout_us;
	uint64_t linger = idle < CLOSED_LINGER_US ? idle : CLOSED_LINGER_US;

	/*
	 * The lists are ordered by arrival, so a capture time that goes
	 * backwards only delays expiry of the streams behind it.
	 */
	while (table->open.tail != NULL && now_us > idle &&
	       table->open.tail->last_seen_us < now_us - idle) {
		struct tcp_stream *s = table->open.tail;

		finish_stream(table, s);
		release_stream(table, s);
		table->stats.streams_expired++;
	}

	while (table->closed.tail != NULL && now_us > linger &&
	       table->closed.tail->last_seen_us < now_us - linger)
		release_stream(table, table->closed.tail);
}

void tcp_stream_flush_all(struct tcp_stream_table *table)
{
	while (table->open.head != NULL) {
		struct tcp_stream *s = table->open.head;

		finish_stream(table, s);
		release_stream(table, s);
		table->stats.streams_flushed++;
	}
	while (table->closed.head != NULL)
		release_stream(table, table->closed.head);
}

const struct tcp_stream_stats *tcp_stream_stats(
	const struct tcp_stream_table *table)
{
	return &table->stats;
}

/* ---- Invariant check ---- */

static bool segments_consistent(const struct tcp_stream *s)
{
	uint32_t count = 0;
	size_t bytes = 0;
	uint32_t prev_end = 1;   /* stored data starts after next_seq */

	for (const struct stored_segment *seg = s->segments; seg != NULL;
	     seg = seg->next) {
		uint32_t start = offset_of(s, seg->seq);

		if (seg->len == 0 || start < prev_end || start > TCP_MAX_WINDOW)
			return false;
		prev_end = start + seg->len;
		count++;
		bytes += seg->len;
	}
	return count == s->segment_count && bytes == s->segment_bytes &&
	       count <= MAX_SEGMENTS;
}

static bool stream_consistent(const struct tcp_stream_table *table,
			      const struct tcp_stream *s)
{
	size_t i = find_slot(table, &s->key, s->hash);

	if (table->slots[i].stream != s)
		return false;
	if (s->buf_head + s->buf_len > s->buf_cap)
		return false;
	if (stream_bytes(s) > table->limits.max_stream_bytes)
		return false;
	if (s->state == STREAM_CLOSED && (stream_bytes(s) > 0 || s->buf != NULL))
		return false;
	return segments_consistent(s);
}

static bool list_consistent(const struct tcp_stream_table *table,
			    const struct stream_list *list,
			    enum stream_state state, uint64_t *count,
			    uint64_t *bytes)
{
	const struct tcp_stream *prev = NULL;

	for (const struct tcp_stream *s = list->head; s != NULL; s = s->next) {
		if (s->prev != prev || s->state != state)
			return false;
		if (!stream_consistent(table, s))
			return false;
		(*count)++;
		*bytes += stream_bytes(s);
		prev = s;
	}
	return list->tail == prev;
}

bool tcp_stream_table_check(const struct tcp_stream_table *table)
{
	const struct tcp_stream_stats *st = &table->stats;
	uint64_t open = 0, closed = 0, bytes = 0;

	if (!list_consistent(table, &table->open, STREAM_OPEN, &open, &bytes))
		return false;
	if (!list_consistent(table, &table->closed, STREAM_CLOSED, &closed,
			     &bytes))
		return false;

	uint64_t used_slots = 0;
	for (size_t i = 0; i <= table->slot_mask; i++)
		used_slots += table->slots[i].stream != NULL;

	return bytes == st->bytes_buffered &&
	       st->bytes_buffered <= table->limits.max_total_bytes &&
	       open == st->streams_active &&
	       open + closed == table->stream_count &&
	       used_slots == table->stream_count &&
	       table->stream_count <= table->limits.max_streams &&
	       st->streams_opened == st->streams_active + st->streams_closed +
				     st->streams_expired + st->streams_flushed;
}
