/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SIP_TCP_STREAM_H
#define LIME_SIP_TCP_STREAM_H

/*
 * TCP stream reassembly for SIP seen on a passive tap.
 *
 * Each direction of a connection is a stream. Segments are placed by
 * sequence number, retransmitted bytes are dropped, out-of-order segments
 * wait (bounded) for the gap to fill, and whole SIP messages are handed to a
 * callback once each, however segments are retransmitted or reordered (the
 * fuzz harness checks this). After a resynchronisation a body line that looks
 * like a start line can be framed as a message. A tap that joins mid-stream, or a gap that never
 * fills, resynchronises on the next SIP start line. Memory is bounded per
 * stream and in total; exceeding a bound drops bytes and counts them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_stream_key {
	uint8_t family;            /* 4 or 6 */
	uint8_t pad[3];
	uint16_t src_port;         /* host order */
	uint16_t dst_port;
	uint8_t src_addr[16];      /* network order, IPv4 in the first 4 bytes */
	uint8_t dst_addr[16];
};

/*
 * A message longer than max_message, or longer than max_stream_bytes less
 * the out-of-order bytes waiting in its stream, counts as oversize and is
 * skipped. Out-of-order bytes beyond max_stream_bytes / 2 give up the gap.
 * A stream closed by FIN or RST stays in the table, without buffers, for up
 * to 4 minutes so that retransmissions are not framed again. It gives way to
 * a new stream when max_streams is reached.
 */
struct tcp_stream_limits {
	uint32_t max_streams;        /* streams tracked at once */
	uint32_t max_stream_bytes;   /* buffered bytes per stream, in order and not */
	uint64_t max_total_bytes;    /* buffered bytes over all streams */
	uint32_t max_message;        /* largest SIP message accepted */
	uint64_t idle_timeout_us;    /* stream dropped after this idle time */
};

struct tcp_stream_stats {
	uint64_t segments;
	uint64_t payload_bytes;
	uint64_t messages;
	uint64_t keepalives;
	uint64_t retransmitted_bytes;   /* bytes seen before, dropped */
	uint64_t out_of_order_segments; /* segments that arrived ahead of a gap */
	uint64_t gaps_skipped;          /* gaps given up on */
	uint64_t resyncs;               /* resynchronisations on a start line */
	uint64_t bytes_discarded;       /* bytes skipped while resynchronising */
	uint64_t oversize_messages;     /* messages above max_message */
	uint64_t stream_limit_drops;    /* segments dropped: max_streams reached */
	uint64_t buffer_limit_drops;    /* segments dropped: a byte bound reached */
	uint64_t streams_opened;
	uint64_t streams_closed;        /* FIN or RST */
	uint64_t streams_expired;       /* idle timeout */
	uint64_t streams_active;
	uint64_t bytes_buffered;
	uint64_t streams_flushed;       /* open at tcp_stream_flush_all */
};

/* TCP flag bits as in the TCP header. */
#define TCP_STREAM_FIN 0x01
#define TCP_STREAM_SYN 0x02
#define TCP_STREAM_RST 0x04

/*
 * Called once per complete SIP message; msg is valid only during the call.
 * ts_us is the capture time of the stream's latest segment. The callback must
 * not call into the table that called it.
 */
typedef void (*tcp_stream_message_fn)(void *ctx,
				      const struct tcp_stream_key *key,
				      const uint8_t *msg, size_t len,
				      uint64_t ts_us);

struct tcp_stream_table;

struct tcp_stream_table *tcp_stream_table_create(
	const struct tcp_stream_limits *limits,
	tcp_stream_message_fn on_message, void *ctx);
void tcp_stream_table_destroy(struct tcp_stream_table *table);

/*
 * Feed one segment of one direction. ts_us is the capture time; it drives
 * idle expiry. Returns 0, or a negative errno when the segment was dropped
 * (the drop is also counted in the stats).
 */
int tcp_stream_segment(struct tcp_stream_table *table,
		       const struct tcp_stream_key *key,
		       uint32_t seq, uint8_t flags,
		       const uint8_t *payload, size_t len, uint64_t ts_us);

/* Drop streams idle since before now_us - idle_timeout_us. */
void tcp_stream_expire(struct tcp_stream_table *table, uint64_t now_us);

/*
 * Flush every stream at the end of the input: buffered bytes that form
 * complete messages after a gap are delivered, the rest counted as discarded.
 */
void tcp_stream_flush_all(struct tcp_stream_table *table);

const struct tcp_stream_stats *tcp_stream_stats(
	const struct tcp_stream_table *table);

/*
 * Checks the table's internal invariants (byte accounting, bounds, segment
 * order, stream lists) in time linear in its size. Returns true when they
 * hold. Meant for tests and fuzzing.
 */
bool tcp_stream_table_check(const struct tcp_stream_table *table);

#endif
