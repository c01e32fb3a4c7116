/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SIP_FRAME_H
#define LIME_SIP_FRAME_H

/*
 * SIP message framing on a byte stream (RFC 3261 section 18.3): a message
 * ends after the blank line that ends its headers plus Content-Length bytes
 * of body.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sip_frame_status {
	SIP_FRAME_COMPLETE,   /* a whole message starts at frame->skip */
	SIP_FRAME_NEED_MORE,  /* the message is not complete yet */
	SIP_FRAME_INVALID,    /* no SIP start line at the front, or one longer
			       * than max_msg, or a malformed header:
			       * resynchronise */
	SIP_FRAME_TOO_LARGE,  /* headers or Content-Length exceed max_msg */
};

struct sip_frame {
	size_t skip;          /* leading CR and LF bytes (keepalives) to drop */
	size_t msg_len;       /* length of the message after the skipped bytes;
			       * with TOO_LARGE, the declared length when the
			       * headers are complete, else 0 */
	bool keepalive;       /* the skipped bytes contained a CRLF keepalive */
};

/*
 * Find the first message in buf. Leading CR/LF bytes are reported in
 * frame->skip whatever the status. Header names match in any case and in
 * compact form ("l:"); a missing Content-Length means an empty body.
 */
enum sip_frame_status sip_frame_next(const uint8_t *buf, size_t len,
				     size_t max_msg, struct sip_frame *frame);

/* True when line (without its line end) is a SIP request or status line. */
bool sip_is_start_line(const uint8_t *line, size_t len);

/*
 * Offset of the first line in buf, after offset 0, that is a SIP start line,
 * or len when none is found in full. Leading CR bytes of a line are skipped
 * first, as sip_frame_next skips them. Used to resynchronise after a gap.
 */
size_t sip_find_start_line(const uint8_t *buf, size_t len);

/*
 * Parser position kept between calls of sip_frame_next_resume(), so that a
 * message arriving in many pieces is scanned once in total. Offsets count
 * from the first byte after the skipped CR and LF bytes.
 */
struct sip_frame_scan {
	size_t pos;              /* next byte to examine */
	size_t line_start;       /* first byte of the line being read */
	size_t field_start;      /* first byte of the header field being read */
	size_t header_len;       /* start line, headers and blank line, or 0 */
	uint64_t content_length; /* saturates above UINT32_MAX */
	uint8_t request_state;   /* start line parsed as a request line */
	uint8_t request_index;
	uint8_t status_state;    /* start line parsed as a status line */
	uint8_t status_index;
	bool start_line_done;
	bool field_open;         /* a header field waits for its end */
	bool have_length;        /* a Content-Length header was seen */
	bool cr_pending;         /* the start line so far ends in CR */
};

void sip_frame_scan_reset(struct sip_frame_scan *scan);

/*
 * Same as sip_frame_next, resuming from scan. Between calls the caller may
 * drop the leading CR and LF bytes and append bytes at the end, but must not
 * change the message bytes. It must reset scan after removing message bytes.
 * The scan restarts by itself after any status other than NEED_MORE.
 */
enum sip_frame_status sip_frame_next_resume(struct sip_frame_scan *scan,
					    const uint8_t *buf, size_t len,
					    size_t max_msg,
					    struct sip_frame *frame);

#endif
