/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames the input as a SIP byte stream and checks what the framer reports:
 * every message lies inside the input, frames again to itself on its own,
 * and starts with a start line. Inputs up to RESUME_CHECK_MAX bytes are also
 * parsed one byte at a time with sip_frame_next_resume(), which must agree
 * with a fresh parse of every prefix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_frame.h"

#define RESUME_CHECK_MAX 1024

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

static void check_message(const uint8_t *msg, size_t len, size_t max_msg)
{
	struct sip_frame again;

	check(len > 0 && len <= max_msg);
	check(sip_frame_next(msg, len, max_msg, &again) == SIP_FRAME_COMPLETE);
	check(again.skip == 0);
	check(again.msg_len == len);

	const uint8_t *lf = memchr(msg, '\n', len);
	check(lf != NULL);
	size_t line_len = (size_t)(lf - msg);
	if (line_len > 0 && msg[line_len - 1] == '\r')
		line_len--;
	check(sip_is_start_line(msg, line_len));
}

static void check_start_line_search(const uint8_t *buf, size_t len)
{
	size_t at = sip_find_start_line(buf, len);

	check(at <= len);
	if (at == len)
		return;

	check(at > 0 && buf[at - 1] == '\n');
	while (at < len && buf[at] == '\r')
		at++;
	const uint8_t *lf = memchr(buf + at, '\n', len - at);
	check(lf != NULL);
	size_t line_len = (size_t)(lf - (buf + at));
	if (line_len > 0 && buf[at + line_len - 1] == '\r')
		line_len--;
	check(sip_is_start_line(buf + at, line_len));
}

/* Returns how many bytes a resynchronisation drops, at least one. */
static size_t resync_length(const uint8_t *buf, size_t len)
{
	check(len > 0);
	check_start_line_search(buf, len);
	return sip_find_start_line(buf, len);
}

/* Frames the whole input as a tcp_stream table would, without the table. */
static void frame_all(const uint8_t *data, size_t size, size_t max_msg)
{
	size_t off = 0;

	while (off < size) {
		struct sip_frame f;
		enum sip_frame_status status =
			sip_frame_next(data + off, size - off, max_msg, &f);

		check(f.skip <= size - off);
		off += f.skip;

		switch (status) {
		case SIP_FRAME_COMPLETE:
			check(f.msg_len <= size - off);
			check_message(data + off, f.msg_len, max_msg);
			off += f.msg_len;
			break;
		case SIP_FRAME_NEED_MORE:
			return;
		case SIP_FRAME_TOO_LARGE:
			check(f.msg_len == 0 || f.msg_len > max_msg);
			if (f.msg_len > 0 && f.msg_len <= size - off)
				off += f.msg_len;
			else
				off += resync_length(data + off, size - off);
			break;
		case SIP_FRAME_INVALID:
			off += resync_length(data + off, size - off);
			break;
		}
	}
}

static void check_resume(const uint8_t *data, size_t size, size_t max_msg)
{
	struct sip_frame_scan scan;

	sip_frame_scan_reset(&scan);
	for (size_t n = 1; n <= size; n++) {
		struct sip_frame resumed, fresh;
		enum sip_frame_status a =
			sip_frame_next_resume(&scan, data, n, max_msg, &resumed);
		enum sip_frame_status b = sip_frame_next(data, n, max_msg, &fresh);

		check(a == b);
		check(resumed.skip == fresh.skip);
		check(resumed.msg_len == fresh.msg_len);
		check(resumed.keepalive == fresh.keepalive);
		if (a != SIP_FRAME_NEED_MORE)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks max_msg, so small limits get exercised too. */
	size_t max_msg = 65535;
	if (size > 0) {
		max_msg = data[0] < 128 ? (size_t)data[0] * 8 + 1 : 65535;
		data++;
		size--;
	}

	frame_all(data, size, max_msg);
	if (size <= RESUME_CHECK_MAX)
		check_resume(data, size, max_msg);
	return 0;
}
