/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sip/tcp_stream.h"

#define MAX_RECORDED 64
#define RECORD_SIZE 8192
#define ISN 1000u

/* Messages the table delivered, copied because msg lives only in the call. */
struct recorder {
	size_t count;
	size_t lens[MAX_RECORDED];
	uint64_t ts[MAX_RECORDED];
	struct tcp_stream_key keys[MAX_RECORDED];
	char data[MAX_RECORDED][RECORD_SIZE];
};

struct fixture {
	struct tcp_stream_table *table;
	struct recorder rec;
	struct tcp_stream_key key;
	uint64_t now_us;
};

static const struct tcp_stream_limits default_limits = {
	.max_streams = 16,
	.max_stream_bytes = 65536,
	.max_total_bytes = 1 << 20,
	.max_message = 16384,
	.idle_timeout_us = 10000000,
};

#define ACK_TEXT \
	"ACK sip:bob@192.0.2.4 SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n" \
	"Call-ID: a84b4c76e66710\r\n" \
	"l: 0\r\n" \
	"\r\n"

#define BYE_TEXT \
	"BYE sip:bob@192.0.2.4 SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bKnashds7\r\n" \
	"Call-ID: a84b4c76e66710\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

#define RINGING_TEXT \
	"SIP/2.0 183 Session Progress\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

#define OK_TEXT \
	"SIP/2.0 200 OK\r\n" \
	"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n" \
	"Content-Type: application/sdp\r\n" \
	"Content-Length: 33\r\n" \
	"\r\n" \
	"v=0\r\n" \
	"o=bob 1 1 IN IP4 192.0.2.4\r\n"

#define REGISTER_TEXT \
	"REGISTER sip:example.com SIP/2.0\r\n" \
	"Contact: <sip:alice@192.0.2.1;transport=tcp>\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

static const char ack_msg[] = ACK_TEXT;
static const char bye_msg[] = BYE_TEXT;
static const char ringing_msg[] = RINGING_TEXT;
static const char ok_msg[] = OK_TEXT;
static const char register_msg[] = REGISTER_TEXT;

static void record_message(void *ctx, const struct tcp_stream_key *key,
			   const uint8_t *msg, size_t len, uint64_t ts_us)
{
	struct recorder *rec = ctx;

	assert_true(rec->count < MAX_RECORDED);
	assert_true(len <= RECORD_SIZE);
	memcpy(rec->data[rec->count], msg, len);
	rec->lens[rec->count] = len;
	rec->ts[rec->count] = ts_us;
	rec->keys[rec->count] = *key;
	rec->count++;
}

static void make_key(struct tcp_stream_key *key, uint8_t last_octet,
		     uint16_t src_port)
{
	memset(key, 0, sizeof(*key));
	key->family = 4;
	key->src_port = src_port;
	key->dst_port = 5060;
	key->src_addr[0] = 192;
	key->src_addr[2] = 2;
	key->src_addr[3] = last_octet;
	key->dst_addr[0] = 192;
	key->dst_addr[2] = 2;
	key->dst_addr[3] = 200;
}

static void recreate(struct fixture *f, const struct tcp_stream_limits *limits)
{
	tcp_stream_table_destroy(f->table);
	f->table = tcp_stream_table_create(limits, record_message, &f->rec);
	assert_non_null(f->table);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->table = tcp_stream_table_create(&default_limits, record_message,
					   &f->rec);
	if (f->table == NULL) {
		free(f);
		return -1;
	}
	make_key(&f->key, 1, 40000);
	f->now_us = 1000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bool consistent = tcp_stream_table_check(f->table);

	tcp_stream_table_destroy(f->table);
	free(f);
	return consistent ? 0 : -1;
}

static const struct tcp_stream_stats *stats(struct fixture *f)
{
	return tcp_stream_stats(f->table);
}

static int send_on(struct fixture *f, const struct tcp_stream_key *key,
		   uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	f->now_us += 1000;
	int rc = tcp_stream_segment(f->table, key, seq, flags, data, len,
				    f->now_us);
	assert_true(tcp_stream_table_check(f->table));
	return rc;
}

static int send_seg(struct fixture *f, uint32_t seq, uint8_t flags,
		    const void *data, size_t len)
{
	return send_on(f, &f->key, seq, flags, data, len);
}

/* Sends data[from, to) of a stream whose first data byte has sequence base. */
static int send_range(struct fixture *f, uint32_t base, const char *data,
		      size_t from, size_t to)
{
	return send_seg(f, base + (uint32_t)from, 0, data + from, to - from);
}

static void send_syn(struct fixture *f, uint32_t isn)
{
	assert_int_equal(send_seg(f, isn, TCP_STREAM_SYN, NULL, 0), 0);
}

static void assert_recorded(struct fixture *f, size_t i, const char *text,
			    size_t len)
{
	assert_true(i < f->rec.count);
	assert_int_equal(f->rec.lens[i], len);
	assert_memory_equal(f->rec.data[i], text, len);
}

#define ASSERT_RECORDED(f, i, msg) assert_recorded(f, i, msg, sizeof(msg) - 1)

/* A ~4 KB INVITE with an SDP body. */
static size_t build_invite(char *out, size_t cap)
{
	char body[4096];
	size_t body_len = 0;

	body_len += (size_t)snprintf(body, sizeof(body),
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0 8 96 97 98 99 100 101\r\n");
	for (int pt = 96; body_len < 3600; pt++) {
		body_len += (size_t)snprintf(body + body_len,
			sizeof(body) - body_len,
			"a=rtpmap:%d telephone-event/8000\r\n"
			"a=fmtp:%d 0-15\r\n", pt, pt);
	}

	int n = snprintf(out, cap,
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\n"
		"To: Bob <sip:bob@example.com>\r\n"
		"From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@pc33.example.com;transport=tcp>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n"
		"\r\n"
		"%s", body_len, body);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static size_t offset_of_text(const char *haystack, const char *needle)
{
	const char *p = strstr(haystack, needle);

	assert_non_null(p);
	return (size_t)(p - haystack);
}

static void test_stream_two_messages_one_segment(void **state)
{
	struct fixture *f = *state;
	const char both[] = ACK_TEXT BYE_TEXT;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, both, sizeof(both) - 1), 0);

	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 0, ack_msg);
	ASSERT_RECORDED(f, 1, bye_msg);
	assert_int_equal(stats(f)->messages, 2);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_invite_four_segments(void **state)
{
	struct fixture *f = *state;
	char invite[8192];
	size_t len = build_invite(invite, sizeof(invite));

	/* Cuts inside a header name, inside the blank line and in the SDP. */
	size_t cuts[5] = {
		0,
		offset_of_text(invite, "Content-Type") + 5,
		offset_of_text(invite, "\r\n\r\n") + 2,
		offset_of_text(invite, "a=fmtp:110") + 4,
		len,
	};

	assert_true(len > 3900);
	send_syn(f, ISN);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(f->rec.count, 0);
		assert_int_equal(send_range(f, ISN + 1, invite, cuts[i],
					    cuts[i + 1]), 0);
	}

	assert_int_equal(f->rec.count, 1);
	assert_recorded(f, 0, invite, len);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_every_split_point(void **state)
{
	struct fixture *f = *state;
	const char both[] = OK_TEXT BYE_TEXT;
	size_t len = sizeof(both) - 1;

	for (size_t cut = 1; cut < len; cut++) {
		struct tcp_stream_key key;
		size_t before = f->rec.count;

		if (before + 2 > MAX_RECORDED)
			f->rec.count = before = 0;
		make_key(&key, 2, (uint16_t)(10000 + cut));
		assert_int_equal(send_on(f, &key, ISN, TCP_STREAM_SYN, NULL, 0),
				 0);
		assert_int_equal(send_on(f, &key, ISN + 1, 0, both, cut), 0);
		assert_int_equal(send_on(f, &key, ISN + 1 + (uint32_t)cut,
					 TCP_STREAM_FIN, both + cut, len - cut),
				 0);

		assert_int_equal(f->rec.count, before + 2);
		ASSERT_RECORDED(f, before, ok_msg);
		ASSERT_RECORDED(f, before + 1, bye_msg);
	}
	assert_int_equal(stats(f)->bytes_buffered, 0);
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_one_byte_segments(void **state)
{
	struct fixture *f = *state;
	char invite[8192];
	size_t len = build_invite(invite, sizeof(invite));

	send_syn(f, ISN);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(send_range(f, ISN + 1, invite, i, i + 1), 0);

	assert_int_equal(f->rec.count, 1);
	assert_recorded(f, 0, invite, len);
}

static void test_stream_ringing_then_half_ok(void **state)
{
	struct fixture *f = *state;
	const char both[] = RINGING_TEXT OK_TEXT;
	size_t len = sizeof(both) - 1;
	size_t cut = sizeof(RINGING_TEXT) - 1 + (sizeof(OK_TEXT) - 1) / 2;

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, both, 0, cut), 0);
	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, ringing_msg);
	assert_int_equal(stats(f)->bytes_buffered,
			 cut - (sizeof(RINGING_TEXT) - 1));

	assert_int_equal(send_range(f, ISN + 1, both, cut, len), 0);
	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 1, ok_msg);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_keepalive_then_register(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, "\r\n\r\n", 4), 0);
	assert_int_equal(stats(f)->keepalives, 1);
	assert_int_equal(stats(f)->bytes_buffered, 0);

	assert_int_equal(send_seg(f, ISN + 5, 0, register_msg,
				  sizeof(register_msg) - 1), 0);
	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, register_msg);
	assert_int_equal(stats(f)->keepalives, 1);
}

static void test_stream_keepalive_split(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, "\r\n\r", 3), 0);
	assert_int_equal(send_seg(f, ISN + 4, 0, "\n", 1), 0);
	assert_int_equal(stats(f)->keepalives, 1);

	/* A pong and a later ping are two keepalives. */
	assert_int_equal(send_seg(f, ISN + 5, 0, "\r\n", 2), 0);
	assert_int_equal(stats(f)->keepalives, 2);
	assert_int_equal(f->rec.count, 0);
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_length_header_forms(void **state)
{
	struct fixture *f = *state;
	static const char *const msgs[] = {
		"MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc",
		"MESSAGE sip:a@b SIP/2.0\r\nCONTENT-LENGTH: 4\r\n\r\nabcd",
		"MESSAGE sip:a@b SIP/2.0\r\ncontent-length : 2\r\n\r\nab",
		"MESSAGE sip:a@b SIP/2.0\nVia: x\nl: 1\n\na",
		"MESSAGE sip:a@b SIP/2.0\r\nSubject: a\r\n b\r\n"
		"Content-Length:\r\n\t5\r\n\r\nabcde",
	};
	char stream[1024];
	size_t len = 0;

	for (size_t i = 0; i < 5; i++) {
		memcpy(stream + len, msgs[i], strlen(msgs[i]));
		len += strlen(msgs[i]);
	}

	/* Uneven 7-byte segments put cuts in names, values and bodies. */
	send_syn(f, ISN);
	for (size_t from = 0; from < len; from += 7) {
		size_t to = from + 7 < len ? from + 7 : len;
		assert_int_equal(send_range(f, ISN + 1, stream, from, to), 0);
	}

	assert_int_equal(f->rec.count, 5);
	for (size_t i = 0; i < 5; i++)
		assert_recorded(f, i, msgs[i], strlen(msgs[i]));
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_retransmit_whole(void **state)
{
	struct fixture *f = *state;
	size_t len = sizeof(bye_msg) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, bye_msg, len), 0);
	assert_int_equal(send_seg(f, ISN + 1, 0, bye_msg, len), 0);

	assert_int_equal(f->rec.count, 1);
	assert_int_equal(stats(f)->retransmitted_bytes, len);
}

static void test_stream_retransmit_overlap(void **state)
{
	struct fixture *f = *state;
	const char both[] = ACK_TEXT BYE_TEXT;
	size_t len = sizeof(both) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, both, 0, 50), 0);
	assert_int_equal(send_range(f, ISN + 1, both, 30, 120), 0);
	assert_int_equal(send_range(f, ISN + 1, both, 100, len), 0);

	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 0, ack_msg);
	ASSERT_RECORDED(f, 1, bye_msg);
	assert_int_equal(stats(f)->retransmitted_bytes, 20 + 20);
}

static void test_stream_reordered(void **state)
{
	struct fixture *f = *state;
	const char all[] = RINGING_TEXT OK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, all, 0, 40), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 120, len), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 80, 120), 0);
	assert_int_equal(f->rec.count, 0);
	assert_int_equal(stats(f)->out_of_order_segments, 2);

	assert_int_equal(send_range(f, ISN + 1, all, 40, 80), 0);
	assert_int_equal(f->rec.count, 3);
	ASSERT_RECORDED(f, 0, ringing_msg);
	ASSERT_RECORDED(f, 1, ok_msg);
	ASSERT_RECORDED(f, 2, bye_msg);
	assert_int_equal(stats(f)->bytes_buffered, 0);
	assert_int_equal(stats(f)->gaps_skipped, 0);
}

static void test_stream_reordered_overlaps(void **state)
{
	struct fixture *f = *state;
	const char all[] = RINGING_TEXT OK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;

	/* Stored segments overlap each other and the in-order data. */
	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, all, 100, 150), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 140, 200), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 90, 210), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 200, len), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 120, 130), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 0, 95), 0);

	assert_int_equal(f->rec.count, 3);
	ASSERT_RECORDED(f, 0, ringing_msg);
	ASSERT_RECORDED(f, 1, ok_msg);
	ASSERT_RECORDED(f, 2, bye_msg);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_segment_covered_twice(void **state)
{
	struct fixture *f = *state;
	const char all[] = RINGING_TEXT OK_TEXT;
	size_t len = sizeof(all) - 1;

	/* Bytes 70..130 are already stored in two neighbouring segments. */
	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, all, 50, 100), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 100, 150), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 70, 130), 0);
	assert_int_equal(stats(f)->retransmitted_bytes, 60);
	assert_int_equal(stats(f)->bytes_buffered, 100);

	assert_int_equal(send_range(f, ISN + 1, all, 0, 50), 0);
	assert_int_equal(send_range(f, ISN + 1, all, 150, len), 0);
	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 0, ringing_msg);
	ASSERT_RECORDED(f, 1, ok_msg);
}

/* Any order, with duplicates, delivers each message once and in order. */
static void test_stream_shuffled_duplicates(void **state)
{
	struct fixture *f = *state;
	const char all[] = RINGING_TEXT OK_TEXT ACK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;
	uint32_t rng = 12345;

	for (int round = 0; round < 20; round++) {
		struct tcp_stream_key key;
		size_t starts[40];
		size_t n = 0;

		f->rec.count = 0;
		make_key(&key, 3, (uint16_t)(20000 + round));
		assert_int_equal(send_on(f, &key, ISN, TCP_STREAM_SYN, NULL, 0),
				 0);

		for (size_t from = 0; from < len; from += 29)
			starts[n++] = from;
		for (size_t i = n - 1; i > 0; i--) {
			rng = rng * 1103515245u + 12345u;
			size_t j = (rng >> 8) % (i + 1);
			size_t t = starts[i];
			starts[i] = starts[j];
			starts[j] = t;
		}

		/* Every segment twice, the second copy 3 slots later. */
		for (size_t i = 0; i < n + 3; i++) {
			for (size_t k = 0; k < 2; k++) {
				if ((k == 0 && i >= n) || (k == 1 && i < 3))
					continue;
				size_t from = starts[k == 0 ? i : i - 3];
				size_t to = from + 29 < len ? from + 29 : len;
				assert_int_equal(send_on(f, &key,
					ISN + 1 + (uint32_t)from, 0,
					all + from, to - from), 0);
			}
		}

		assert_int_equal(f->rec.count, 4);
		ASSERT_RECORDED(f, 0, ringing_msg);
		ASSERT_RECORDED(f, 1, ok_msg);
		ASSERT_RECORDED(f, 2, ack_msg);
		ASSERT_RECORDED(f, 3, bye_msg);
		assert_int_equal(send_on(f, &key, ISN + 1 + (uint32_t)len,
					 TCP_STREAM_RST, NULL, 0), 0);
	}
	assert_int_equal(stats(f)->gaps_skipped, 0);
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_join_inside_body(void **state)
{
	struct fixture *f = *state;
	const char all[] = OK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;
	size_t start = sizeof(OK_TEXT) - 1 - 10;

	/* No SYN: the tap starts 10 bytes before the end of the 200 body. */
	assert_int_equal(send_seg(f, 50000, 0, all + start, len - start), 0);

	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, bye_msg);
	assert_int_equal(stats(f)->resyncs, 1);
	assert_int_equal(stats(f)->bytes_discarded, 10);
	assert_int_equal(stats(f)->streams_opened, 1);
}

static void test_stream_join_split_start_line(void **state)
{
	struct fixture *f = *state;
	const char all[] = OK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;
	size_t start = sizeof(OK_TEXT) - 1 - 10;
	size_t cut = sizeof(OK_TEXT) - 1 + 6;

	/* The BYE start line is cut in two, and its first half must be kept. */
	assert_int_equal(send_seg(f, 50000, 0, all + start, cut - start), 0);
	assert_int_equal(send_seg(f, 50000 + (uint32_t)(cut - start), 0,
				  all + cut, len - cut), 0);

	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, bye_msg);
	assert_int_equal(stats(f)->resyncs, 1);
	assert_int_equal(stats(f)->bytes_discarded, 10);
}

static void test_stream_join_at_message(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_seg(f, 50000, 0, bye_msg, sizeof(bye_msg) - 1),
			 0);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_never_frames(void **state)
{
	struct fixture *f = *state;
	char junk[1000];
	uint32_t seq = 7;

	/* Bytes that no start line can begin with are dropped at once. */
	memset(junk, 0xff, sizeof(junk));
	for (int i = 0; i < 200; i++) {
		assert_int_equal(send_seg(f, seq, 0, junk, sizeof(junk)), 0);
		seq += sizeof(junk);
		assert_int_equal(stats(f)->bytes_buffered, 0);
	}

	assert_int_equal(f->rec.count, 0);
	assert_int_equal(stats(f)->resyncs, 1);
	assert_int_equal(stats(f)->bytes_discarded, 200 * sizeof(junk));
}

static void test_stream_endless_token(void **state)
{
	struct fixture *f = *state;
	char junk[1000];
	uint32_t seq = 7;

	/* A run of token bytes may be a method until max_message. */
	memset(junk, 'x', sizeof(junk));
	for (int i = 0; i < 200; i++) {
		assert_int_equal(send_seg(f, seq, 0, junk, sizeof(junk)), 0);
		seq += sizeof(junk);
		assert_true(stats(f)->bytes_buffered <
			    default_limits.max_message);
	}

	assert_int_equal(f->rec.count, 0);
	assert_int_equal(stats(f)->oversize_messages, 0);
	assert_int_equal(stats(f)->resyncs, 1);
	assert_int_equal(stats(f)->bytes_discarded +
			 stats(f)->bytes_buffered, 200 * sizeof(junk));
}

static void test_stream_endless_headers(void **state)
{
	struct fixture *f = *state;
	const char start[] = "INVITE sip:a@b SIP/2.0\r\n";
	char line[100];
	uint32_t seq = ISN + 1;

	memset(line, 'a', sizeof(line));
	memcpy(line, "X-Filler: ", 10);
	line[98] = '\r';
	line[99] = '\n';

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, seq, 0, start, sizeof(start) - 1), 0);
	seq += sizeof(start) - 1;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(send_seg(f, seq, 0, line, sizeof(line)), 0);
		seq += sizeof(line);
		assert_true(stats(f)->bytes_buffered <=
			    default_limits.max_message + sizeof(line));
	}

	assert_int_equal(f->rec.count, 0);
	assert_true(stats(f)->oversize_messages >= 1);
	assert_true(stats(f)->bytes_discarded > 150000);
}

static void test_stream_oversize_skipped(void **state)
{
	struct fixture *f = *state;
	char big[2048];
	struct tcp_stream_limits limits = default_limits;
	int n = snprintf(big, sizeof(big),
			 "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1500\r\n"
			 "\r\n");

	limits.max_message = 1024;
	recreate(f, &limits);

	/* The body contains a status line that must not be framed. */
	memset(big + n, 'z', 1500);
	memcpy(big + n + 100, "\r\nSIP/2.0 200 OK\r\n\r\n", 20);
	size_t len = (size_t)n + 1500;

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, big, 0, 600), 0);
	assert_int_equal(send_range(f, ISN + 1, big, 600, len), 0);
	assert_int_equal(send_seg(f, ISN + 1 + (uint32_t)len, 0, bye_msg,
				  sizeof(bye_msg) - 1), 0);

	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, bye_msg);
	assert_int_equal(stats(f)->oversize_messages, 1);
	assert_int_equal(stats(f)->bytes_discarded, len);
	assert_int_equal(stats(f)->resyncs, 0);
}

static void test_stream_max_streams(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_limits limits = default_limits;
	struct tcp_stream_key keys[3];

	limits.max_streams = 2;
	recreate(f, &limits);
	for (uint8_t i = 0; i < 3; i++)
		make_key(&keys[i], (uint8_t)(10 + i), 5060);

	assert_int_equal(send_on(f, &keys[0], 1, 0, bye_msg, 10), 0);
	assert_int_equal(send_on(f, &keys[1], 1, 0, bye_msg, 10), 0);
	assert_int_equal(send_on(f, &keys[2], 1, 0, bye_msg,
				 sizeof(bye_msg) - 1), -ENOSPC);
	assert_int_equal(stats(f)->stream_limit_drops, 1);
	assert_int_equal(stats(f)->streams_active, 2);
	assert_int_equal(f->rec.count, 0);

	/* A closed stream makes room. */
	assert_int_equal(send_on(f, &keys[0], 1, TCP_STREAM_RST, NULL, 0), 0);
	assert_int_equal(send_on(f, &keys[2], 1, 0, bye_msg,
				 sizeof(bye_msg) - 1), 0);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(stats(f)->streams_active, 2);
}

static void test_stream_ack_opens_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_seg(f, 1, 0, NULL, 0), 0);
	assert_int_equal(send_seg(f, 1, TCP_STREAM_FIN, NULL, 0), 0);
	assert_int_equal(send_seg(f, 1, TCP_STREAM_RST, bye_msg, 10), 0);
	assert_int_equal(stats(f)->streams_opened, 0);
}

static void test_stream_idle_expiry(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_key other;

	make_key(&other, 9, 41000);
	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, bye_msg, 20), 0);
	uint64_t idle_since = f->now_us;

	f->now_us += 5000000;
	assert_int_equal(send_on(f, &other, ISN, TCP_STREAM_SYN, NULL, 0), 0);

	tcp_stream_expire(f->table, idle_since + default_limits.idle_timeout_us);
	assert_int_equal(stats(f)->streams_expired, 0);

	tcp_stream_expire(f->table,
			  idle_since + default_limits.idle_timeout_us + 1);
	assert_int_equal(stats(f)->streams_expired, 1);
	assert_int_equal(stats(f)->streams_active, 1);
	assert_int_equal(stats(f)->bytes_buffered, 0);
	assert_int_equal(stats(f)->bytes_discarded, 20);
	assert_true(tcp_stream_table_check(f->table));
}

static void test_stream_seq_wraparound(void **state)
{
	struct fixture *f = *state;
	const char all[] = OK_TEXT BYE_TEXT;
	size_t len = sizeof(all) - 1;
	uint32_t isn = UINT32_MAX - 50;

	/* The wrap falls inside the 200, and segments arrive out of order. */
	send_syn(f, isn);
	assert_int_equal(send_range(f, isn + 1, all, 0, 30), 0);
	assert_int_equal(send_range(f, isn + 1, all, 90, len), 0);
	assert_int_equal(send_range(f, isn + 1, all, 30, 90), 0);
	assert_int_equal(send_range(f, isn + 1, all, 10, 60), 0);

	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 0, ok_msg);
	ASSERT_RECORDED(f, 1, bye_msg);
	assert_int_equal(stats(f)->retransmitted_bytes, 50);
	assert_int_equal(stats(f)->gaps_skipped, 0);
}

static void test_stream_fin_delivers_last(void **state)
{
	struct fixture *f = *state;
	size_t len = sizeof(bye_msg) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, TCP_STREAM_FIN, bye_msg, len), 0);

	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, bye_msg);
	assert_int_equal(stats(f)->streams_closed, 1);
	assert_int_equal(stats(f)->streams_active, 0);
}

static void test_stream_fin_retransmitted(void **state)
{
	struct fixture *f = *state;
	size_t len = sizeof(bye_msg) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, TCP_STREAM_FIN, bye_msg, len), 0);
	assert_int_equal(send_seg(f, ISN + 1, TCP_STREAM_FIN, bye_msg, len), 0);

	assert_int_equal(f->rec.count, 1);
	assert_int_equal(stats(f)->streams_opened, 1);
	assert_int_equal(stats(f)->retransmitted_bytes, len);
}

static void test_stream_fin_ahead_of_gap(void **state)
{
	struct fixture *f = *state;
	const char both[] = ACK_TEXT BYE_TEXT;
	size_t len = sizeof(both) - 1;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1 + 40, TCP_STREAM_FIN, both + 40,
				  len - 40), 0);
	assert_int_equal(stats(f)->streams_closed, 0);

	assert_int_equal(send_range(f, ISN + 1, both, 0, 40), 0);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(stats(f)->streams_closed, 1);
}

static void test_stream_partial_at_fin(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, TCP_STREAM_FIN, bye_msg, 30), 0);

	assert_int_equal(f->rec.count, 0);
	assert_int_equal(stats(f)->bytes_discarded, 30);
	assert_int_equal(stats(f)->bytes_buffered, 0);
	assert_int_equal(stats(f)->streams_closed, 1);
}

static void test_stream_rst_closes(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, ack_msg, 20), 0);
	assert_int_equal(send_seg(f, ISN + 21, TCP_STREAM_RST, NULL, 0), 0);

	assert_int_equal(stats(f)->streams_closed, 1);
	assert_int_equal(stats(f)->streams_active, 0);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_syn_new_connection(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, ack_msg, 20), 0);
	send_syn(f, ISN);

	/* Same port pair, new initial sequence number. */
	send_syn(f, 777777);
	assert_int_equal(send_seg(f, 777778, 0, bye_msg, sizeof(bye_msg) - 1),
			 0);

	assert_int_equal(f->rec.count, 1);
	ASSERT_RECORDED(f, 0, bye_msg);
	assert_int_equal(stats(f)->streams_opened, 2);
	assert_int_equal(stats(f)->streams_closed, 1);
	assert_int_equal(stats(f)->bytes_discarded, 20);
}

static void test_stream_gap_flushed(void **state)
{
	struct fixture *f = *state;
	const char all[] = RINGING_TEXT OK_TEXT BYE_TEXT;
	size_t ringing = sizeof(RINGING_TEXT) - 1;
	size_t len = sizeof(all) - 1;

	/* The 200 OK never arrives whole: bytes 10..40 of it are missing. */
	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, all, 0, ringing + 10), 0);
	assert_int_equal(send_range(f, ISN + 1, all, ringing + 40, len), 0);
	assert_int_equal(f->rec.count, 1);

	tcp_stream_flush_all(f->table);
	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 1, bye_msg);
	assert_int_equal(stats(f)->gaps_skipped, 1);
	assert_int_equal(stats(f)->resyncs, 1);
	assert_int_equal(stats(f)->streams_flushed, 1);
	assert_int_equal(stats(f)->streams_active, 0);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_gap_persists(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_limits limits = default_limits;
	const char one[] = BYE_TEXT;
	size_t len = sizeof(one) - 1;
	uint32_t seq = ISN + 1 + 500;

	limits.max_stream_bytes = 2048;
	recreate(f, &limits);
	send_syn(f, ISN);

	/* Bytes 0..500 never come, but whole BYEs keep arriving after them. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(send_seg(f, seq, 0, one, len), 0);
		seq += (uint32_t)len;
		assert_true(stats(f)->bytes_buffered <= limits.max_stream_bytes);
	}

	assert_int_equal(stats(f)->gaps_skipped, 1);
	assert_int_equal(f->rec.count, 20);
	assert_int_equal(stats(f)->bytes_buffered, 0);
}

static void test_stream_total_limit(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_limits limits = default_limits;
	struct tcp_stream_key other;
	char invite[8192];
	size_t len = build_invite(invite, sizeof(invite));

	limits.max_total_bytes = 6000;
	recreate(f, &limits);
	make_key(&other, 8, 42000);

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, invite, 0, 2500), 0);
	assert_int_equal(send_on(f, &other, ISN, TCP_STREAM_SYN, NULL, 0), 0);
	assert_int_equal(send_on(f, &other, ISN + 1, 0, invite, 3600),
			 -ENOBUFS);
	assert_int_equal(stats(f)->buffer_limit_drops, 1);
	assert_true(stats(f)->bytes_buffered <= limits.max_total_bytes);

	/* The first stream still completes its message. */
	assert_int_equal(send_range(f, ISN + 1, invite, 2500, len), 0);
	assert_int_equal(f->rec.count, 1);
	assert_recorded(f, 0, invite, len);
}

static void test_stream_key_padding_ignored(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_key noisy = f->key;
	const char both[] = ACK_TEXT BYE_TEXT;
	size_t cut = sizeof(ACK_TEXT) + 5;

	noisy.pad[1] = 0x5a;
	noisy.src_addr[9] = 0x77;
	noisy.dst_addr[15] = 0x01;

	send_syn(f, ISN);
	assert_int_equal(send_range(f, ISN + 1, both, 0, cut), 0);
	assert_int_equal(send_on(f, &noisy, ISN + 1 + (uint32_t)cut, 0,
				 both + cut, sizeof(both) - 1 - cut), 0);

	assert_int_equal(f->rec.count, 2);
	assert_int_equal(stats(f)->streams_opened, 1);
}

static void test_stream_directions_separate(void **state)
{
	struct fixture *f = *state;
	struct tcp_stream_key reverse;
	size_t half = (sizeof(bye_msg) - 1) / 2;

	make_key(&reverse, 200, 5060);
	reverse.src_addr[3] = 200;
	reverse.dst_addr[3] = 1;
	reverse.src_port = 5060;
	reverse.dst_port = 40000;

	send_syn(f, ISN);
	assert_int_equal(send_on(f, &reverse, 9000, TCP_STREAM_SYN, NULL, 0), 0);
	assert_int_equal(send_seg(f, ISN + 1, 0, bye_msg, half), 0);
	assert_int_equal(send_on(f, &reverse, 9001, 0, ok_msg,
				 sizeof(ok_msg) - 1), 0);
	assert_int_equal(send_seg(f, ISN + 1 + (uint32_t)half, 0,
				  bye_msg + half, sizeof(bye_msg) - 1 - half),
			 0);

	assert_int_equal(f->rec.count, 2);
	ASSERT_RECORDED(f, 0, ok_msg);
	assert_int_equal(f->rec.keys[0].src_port, 5060);
	ASSERT_RECORDED(f, 1, bye_msg);
	assert_int_equal(f->rec.keys[1].src_port, 40000);
}

static void test_stream_message_timestamp(void **state)
{
	struct fixture *f = *state;

	send_syn(f, ISN);
	assert_int_equal(send_seg(f, ISN + 1, 0, bye_msg, 10), 0);
	assert_int_equal(send_seg(f, ISN + 11, 0, bye_msg + 10,
				  sizeof(bye_msg) - 11), 0);

	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.ts[0], f->now_us);
}

static void test_stream_invalid_limits(void **state)
{
	struct tcp_stream_limits limits = default_limits;

	limits.max_streams = 0;
	assert_null(tcp_stream_table_create(&limits, record_message, NULL));
	limits = default_limits;
	limits.max_message = 0;
	assert_null(tcp_stream_table_create(&limits, record_message, NULL));
	assert_null(tcp_stream_table_create(&default_limits, NULL, NULL));
}

#define STREAM_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STREAM_TEST(test_stream_two_messages_one_segment),
		STREAM_TEST(test_stream_invite_four_segments),
		STREAM_TEST(test_stream_every_split_point),
		STREAM_TEST(test_stream_one_byte_segments),
		STREAM_TEST(test_stream_ringing_then_half_ok),
		STREAM_TEST(test_stream_keepalive_then_register),
		STREAM_TEST(test_stream_keepalive_split),
		STREAM_TEST(test_stream_length_header_forms),
		STREAM_TEST(test_stream_retransmit_whole),
		STREAM_TEST(test_stream_retransmit_overlap),
		STREAM_TEST(test_stream_reordered),
		STREAM_TEST(test_stream_reordered_overlaps),
		STREAM_TEST(test_stream_segment_covered_twice),
		STREAM_TEST(test_stream_shuffled_duplicates),
		STREAM_TEST(test_stream_join_inside_body),
		STREAM_TEST(test_stream_join_split_start_line),
		STREAM_TEST(test_stream_join_at_message),
		STREAM_TEST(test_stream_never_frames),
		STREAM_TEST(test_stream_endless_token),
		STREAM_TEST(test_stream_endless_headers),
		STREAM_TEST(test_stream_oversize_skipped),
		STREAM_TEST(test_stream_max_streams),
		STREAM_TEST(test_stream_ack_opens_nothing),
		STREAM_TEST(test_stream_idle_expiry),
		STREAM_TEST(test_stream_seq_wraparound),
		STREAM_TEST(test_stream_fin_delivers_last),
		STREAM_TEST(test_stream_fin_retransmitted),
		STREAM_TEST(test_stream_fin_ahead_of_gap),
		STREAM_TEST(test_stream_partial_at_fin),
		STREAM_TEST(test_stream_rst_closes),
		STREAM_TEST(test_stream_syn_new_connection),
		STREAM_TEST(test_stream_gap_flushed),
		STREAM_TEST(test_stream_gap_persists),
		STREAM_TEST(test_stream_total_limit),
		STREAM_TEST(test_stream_key_padding_ignored),
		STREAM_TEST(test_stream_directions_separate),
		STREAM_TEST(test_stream_message_timestamp),
		cmocka_unit_test(test_stream_invalid_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
