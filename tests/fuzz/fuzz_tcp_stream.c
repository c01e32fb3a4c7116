/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two modes, picked by the low bit of the first input byte.
 *
 * Segment mode reads the rest as records, each a 6-byte header and then the
 * payload, and feeds them to a table with small limits. The header bytes are:
 *   0    stream index in bits 0-2, so 8 keys compete for max_streams 4
 *   1    FIN, SYN and RST in bits 0-2, expire before in bit 3, flush after
 *        in bit 4, and in bit 5 a shift of the sequence delta by 16 bits
 *   2-3  signed sequence delta from the end of the stream's last segment
 *   4    payload length
 *   5    capture time step, in units of 64 us
 * After every record the table invariants must hold, and every delivered
 * message must frame to itself.
 *
 * Reorder mode reads byte 1 as max_message / 8, byte 2 as a count n of
 * control bytes that follow, and the rest as one direction of a stream. The
 * stream is cut into segments sized by the control bytes, which also swap
 * neighbouring segments and add overlapping retransmissions. The messages
 * delivered must equal those of the whole stream sent as one segment.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_frame.h"
#include "lib/sip/tcp_stream.h"

#define KEYS 8
#define RECORD_HEADER 6
#define LOG_SIZE (1 << 16)
#define MAX_CUTS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the failed condition, so libFuzzer saves the input. */
#define check(condition) \
	do { \
		if (!(condition)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #condition); \
			abort(); \
		} \
	} while (0)

/* Delivered messages, concatenated, for comparing two runs. */
struct message_log {
	size_t max_message;
	size_t count;
	size_t len;
	uint8_t bytes[LOG_SIZE];
};

static struct message_log log_a, log_b;

static void on_message(void *ctx, const struct tcp_stream_key *key,
		       const uint8_t *msg, size_t len, uint64_t ts_us)
{
	struct message_log *log = ctx;
	struct sip_frame again;

	check(len > 0 && len <= log->max_message);
	check(sip_frame_next(msg, len, log->max_message, &again) ==
	      SIP_FRAME_COMPLETE);
	check(again.skip == 0 && again.msg_len == len);

	log->count++;
	size_t room = LOG_SIZE - log->len;
	size_t n = len < room ? len : room;
	memcpy(log->bytes + log->len, msg, n);
	log->len += n;
}

static void make_key(struct tcp_stream_key *key, unsigned int index)
{
	memset(key, 0, sizeof(*key));
	key->family = index & 1 ? 6 : 4;
	key->src_port = (uint16_t)(5060 + index);
	key->dst_port = 5060;
	key->src_addr[0] = 10;
	key->src_addr[3] = (uint8_t)index;
	key->dst_addr[0] = 10;
	key->dst_addr[3] = 200;
}

static void check_table(const struct tcp_stream_table *table,
			const struct tcp_stream_limits *limits)
{
	const struct tcp_stream_stats *st = tcp_stream_stats(table);

	check(tcp_stream_table_check(table));
	check(st->bytes_buffered <= limits->max_total_bytes);
	check(st->streams_active <= limits->max_streams);
}

static void run_segments(const uint8_t *data, size_t size)
{
	const struct tcp_stream_limits limits = {
		.max_streams = 4,
		.max_stream_bytes = 1024,
		.max_total_bytes = 2048,
		.max_message = 512,
		.idle_timeout_us = 4096,
	};
	struct tcp_stream_key keys[KEYS];
	uint32_t next_seq[KEYS] = {0};
	uint64_t now_us = 0;

	for (unsigned int i = 0; i < KEYS; i++)
		make_key(&keys[i], i);
	log_a.max_message = limits.max_message;
	struct tcp_stream_table *table =
		tcp_stream_table_create(&limits, on_message, &log_a);
	check(table != NULL);

	while (size >= RECORD_HEADER) {
		unsigned int k = data[0] & (KEYS - 1);
		uint8_t control = data[1];
		int32_t delta = (int16_t)(data[2] << 8 | data[3]);
		size_t len = data[4];
		now_us += (uint64_t)data[5] * 64;
		data += RECORD_HEADER;
		size -= RECORD_HEADER;
		if (len > size)
			len = size;

		if (control & 0x20)
			delta = (int32_t)((uint32_t)delta << 16);
		uint32_t seq = next_seq[k] + (uint32_t)delta;
		next_seq[k] = seq + (uint32_t)len;

		if (control & 0x08)
			tcp_stream_expire(table, now_us);
		int rc = tcp_stream_segment(table, &keys[k], seq, control & 0x07,
					    data, len, now_us);
		check(rc == 0 || rc < 0);
		if (control & 0x10)
			tcp_stream_flush_all(table);
		check_table(table, &limits);

		data += len;
		size -= len;
	}

	tcp_stream_flush_all(table);
	check_table(table, &limits);
	check(tcp_stream_stats(table)->bytes_buffered == 0);
	check(tcp_stream_stats(table)->streams_active == 0);
	tcp_stream_table_destroy(table);
}

struct cut {
	uint32_t from;
	uint32_t to;
};

/* Cuts the stream into segments, swaps and retransmits some of them. */
static size_t plan_segments(const uint8_t *control, size_t n_control,
			    size_t stream_len, struct cut *cuts)
{
	size_t n = 0;
	size_t off = 0;
	bool swapped = false;

	for (size_t i = 0; off < stream_len && n < MAX_CUTS / 2; i++) {
		uint8_t c = n_control > 0 ? control[i % n_control] : 0xff;
		size_t len = n_control > 0 ? (size_t)(c & 0x3f) + 1 : stream_len;

		if (len > stream_len - off)
			len = stream_len - off;
		cuts[n].from = (uint32_t)off;
		cuts[n].to = (uint32_t)(off + len);
		n++;
		off += len;

		/*
		 * Bit 6: swap with the previous segment, unless that one moved
		 * already, so no segment arrives more than one place late.
		 */
		swapped = (c & 0x40) && n >= 2 && !swapped;
		if (swapped) {
			struct cut t = cuts[n - 1];
			cuts[n - 1] = cuts[n - 2];
			cuts[n - 2] = t;
		}
		/* Bit 7: retransmit this segment stretched back by c & 7. */
		if ((c & 0x80) && n_control > 0) {
			uint32_t back = c & 7;
			cuts[n].from = cuts[n - 1].from > back ?
				       cuts[n - 1].from - back : 0;
			cuts[n].to = cuts[n - 1].to;
			n++;
		}
	}
	/* Whatever the cut limit left out comes last, in one piece. */
	if (off < stream_len) {
		cuts[n].from = (uint32_t)off;
		cuts[n].to = (uint32_t)stream_len;
		n++;
	}
	return n;
}

static struct tcp_stream_table *reorder_table(struct message_log *log,
					      size_t max_message)
{
	const struct tcp_stream_limits limits = {
		.max_streams = 4,
		.max_stream_bytes = 1 << 20,
		.max_total_bytes = 1 << 21,
		.max_message = (uint32_t)max_message,
		.idle_timeout_us = 1000000,
	};

	memset(log, 0, offsetof(struct message_log, bytes));
	log->max_message = max_message;
	struct tcp_stream_table *table =
		tcp_stream_table_create(&limits, on_message, log);
	check(table != NULL);
	return table;
}

static void run_reorder(const uint8_t *data, size_t size)
{
	static struct cut cuts[MAX_CUTS];
	struct tcp_stream_key key;
	const uint32_t isn = 0xfffff000u;

	if (size < 2)
		return;
	size_t max_message = (size_t)data[0] * 8 + 8;
	size_t n_control = data[1];
	data += 2;
	size -= 2;
	if (n_control > size)
		n_control = size;
	const uint8_t *control = data;
	const uint8_t *stream = data + n_control;
	size_t stream_len = size - n_control;

	make_key(&key, 0);

	/* Reference: the whole stream in one segment. */
	struct tcp_stream_table *whole = reorder_table(&log_a, max_message);
	check(tcp_stream_segment(whole, &key, isn, TCP_STREAM_SYN, NULL, 0,
				 1) == 0);
	check(tcp_stream_segment(whole, &key, isn + 1, 0, stream, stream_len,
				 2) == 0);
	tcp_stream_flush_all(whole);

	struct tcp_stream_table *pieces = reorder_table(&log_b, max_message);
	size_t n = plan_segments(control, n_control, stream_len, cuts);
	check(tcp_stream_segment(pieces, &key, isn, TCP_STREAM_SYN, NULL, 0,
				 1) == 0);
	for (size_t i = 0; i < n; i++) {
		check(tcp_stream_segment(pieces, &key, isn + 1 + cuts[i].from, 0,
					 stream + cuts[i].from,
					 cuts[i].to - cuts[i].from, 2) == 0);
		check(tcp_stream_table_check(pieces));
	}
	tcp_stream_flush_all(pieces);

	const struct tcp_stream_stats *a = tcp_stream_stats(whole);
	const struct tcp_stream_stats *b = tcp_stream_stats(pieces);
	check(b->gaps_skipped == 0);
	check(a->messages == b->messages);
	check(a->oversize_messages == b->oversize_messages);
	check(a->resyncs == b->resyncs);
	check(log_a.count == log_b.count);
	check(log_a.len == log_b.len);
	check(memcmp(log_a.bytes, log_b.bytes, log_a.len) == 0);

	tcp_stream_table_destroy(whole);
	tcp_stream_table_destroy(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;

	if (data[0] & 1)
		run_reorder(data + 1, size - 1);
	else
		run_segments(data + 1, size - 1);
	return 0;
}
