/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sip/sip_frame.h"

#include <string.h>

/* The SIP-Version token; RFC 3261 section 7.1 makes it case-insensitive. */
static const char sip_version[] = "sip/2.0";
#define SIP_VERSION_LEN 7

/* Content-Length values above UINT32_MAX are stored as this marker. */
#define CONTENT_LENGTH_SATURATED ((uint64_t)UINT32_MAX + 1)

enum request_state {
	REQUEST_METHOD_FIRST,
	REQUEST_METHOD,
	REQUEST_URI_FIRST,
	REQUEST_URI,
	REQUEST_VERSION,
	REQUEST_DONE,
	REQUEST_DEAD,
};

enum status_state {
	STATUS_VERSION,
	STATUS_SPACE,
	STATUS_CODE,
	STATUS_CODE_SPACE,
	STATUS_REASON,
	STATUS_DEAD,
};

static uint8_t to_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3261 token: alphanumerics and - . ! % * _ + ` ' ~ */
static bool is_token(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return true;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/* Any visible byte: the Request-URI is not parsed, only delimited. */
static bool is_uri_byte(uint8_t c)
{
	return c > ' ' && c != 0x7f;
}

/* Reason-Phrase: text with spaces and tabs, UTF-8 allowed. */
static bool is_reason_byte(uint8_t c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static bool is_line_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Linear whitespace, including the line ends of folded lines. */
static bool is_lws(uint8_t c)
{
	return is_line_space(c) || c == '\r' || c == '\n';
}

static void feed_request_line(struct sip_frame_scan *scan, uint8_t c)
{
	switch (scan->request_state) {
	case REQUEST_METHOD_FIRST:
		scan->request_state = is_token(c) ? REQUEST_METHOD : REQUEST_DEAD;
		break;
	case REQUEST_METHOD:
		if (c == ' ')
			scan->request_state = REQUEST_URI_FIRST;
		else if (!is_token(c))
			scan->request_state = REQUEST_DEAD;
		break;
	case REQUEST_URI_FIRST:
		scan->request_state = is_uri_byte(c) ? REQUEST_URI : REQUEST_DEAD;
		break;
	case REQUEST_URI:
		if (c == ' ') {
			scan->request_state = REQUEST_VERSION;
			scan->request_index = 0;
		} else if (!is_uri_byte(c)) {
			scan->request_state = REQUEST_DEAD;
		}
		break;
	case REQUEST_VERSION:
		if (to_lower(c) != (uint8_t)sip_version[scan->request_index]) {
			scan->request_state = REQUEST_DEAD;
			break;
		}
		scan->request_index++;
		if (scan->request_index == SIP_VERSION_LEN)
			scan->request_state = REQUEST_DONE;
		break;
	default:
		scan->request_state = REQUEST_DEAD;
		break;
	}
}

static void feed_status_line(struct sip_frame_scan *scan, uint8_t c)
{
	switch (scan->status_state) {
	case STATUS_VERSION:
		if (to_lower(c) != (uint8_t)sip_version[scan->status_index]) {
			scan->status_state = STATUS_DEAD;
			break;
		}
		scan->status_index++;
		if (scan->status_index == SIP_VERSION_LEN)
			scan->status_state = STATUS_SPACE;
		break;
	case STATUS_SPACE:
		scan->status_state = c == ' ' ? STATUS_CODE : STATUS_DEAD;
		scan->status_index = 0;
		break;
	case STATUS_CODE:
		if (!is_digit(c)) {
			scan->status_state = STATUS_DEAD;
			break;
		}
		scan->status_index++;
		if (scan->status_index == 3)
			scan->status_state = STATUS_CODE_SPACE;
		break;
	case STATUS_CODE_SPACE:
		scan->status_state = c == ' ' ? STATUS_REASON : STATUS_DEAD;
		break;
	case STATUS_REASON:
		if (!is_reason_byte(c))
			scan->status_state = STATUS_DEAD;
		break;
	default:
		scan->status_state = STATUS_DEAD;
		break;
	}
}

/* Feeds one start-line byte to both parsers. False once neither can match. */
static bool feed_start_line(struct sip_frame_scan *scan, uint8_t c)
{
	feed_request_line(scan, c);
	feed_status_line(scan, c);
	return scan->request_state != REQUEST_DEAD ||
	       scan->status_state != STATUS_DEAD;
}

static bool start_line_accepted(const struct sip_frame_scan *scan)
{
	return scan->request_state == REQUEST_DONE ||
	       scan->status_state == STATUS_REASON;
}

void sip_frame_scan_reset(struct sip_frame_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	scan->request_state = REQUEST_METHOD_FIRST;
	scan->status_state = STATUS_VERSION;
}

bool sip_is_start_line(const uint8_t *line, size_t len)
{
	struct sip_frame_scan scan;

	sip_frame_scan_reset(&scan);
	for (size_t i = 0; i < len; i++) {
		if (!feed_start_line(&scan, line[i]))
			return false;
	}
	return start_line_accepted(&scan);
}

size_t sip_find_start_line(const uint8_t *buf, size_t len)
{
	size_t pos = 0;

	for (;;) {
		const uint8_t *lf = memchr(buf + pos, '\n', len - pos);
		if (lf == NULL)
			return len;

		size_t start = (size_t)(lf - buf) + 1;
		const uint8_t *end = memchr(buf + start, '\n', len - start);
		if (end == NULL)
			return len;

		/* Leading CRs are skipped here as sip_frame_next skips them. */
		size_t first = start;
		while (buf + first < end && buf[first] == '\r')
			first++;

		size_t line_len = (size_t)(end - (buf + first));
		if (line_len > 0 && buf[first + line_len - 1] == '\r')
			line_len--;
		if (sip_is_start_line(buf + first, line_len))
			return start;

		pos = start;
	}
}

static bool name_equals(const uint8_t *name, size_t len, const char *expected)
{
	if (len != strlen(expected))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (to_lower(name[i]) != (uint8_t)expected[i])
			return false;
	}
	return true;
}

/* Parses 1*DIGIT surrounded by optional whitespace, saturating large values. */
static bool parse_content_length(const uint8_t *value, size_t len,
				 uint64_t *length)
{
	size_t i = 0;
	uint64_t n = 0;

	while (i < len && is_lws(value[i]))
		i++;

	size_t digits_start = i;
	while (i < len && is_digit(value[i])) {
		if (n < CONTENT_LENGTH_SATURATED)
			n = n * 10 + (uint64_t)(value[i] - '0');
		if (n > CONTENT_LENGTH_SATURATED)
			n = CONTENT_LENGTH_SATURATED;
		i++;
	}
	if (i == digits_start)
		return false;

	while (i < len && is_lws(value[i]))
		i++;
	if (i != len)
		return false;

	*length = n;
	return true;
}

/*
 * Checks one header field, folded lines included, and records its value when
 * it is Content-Length. Returns false when the field is malformed.
 */
static bool finish_field(struct sip_frame_scan *scan, const uint8_t *msg)
{
	const uint8_t *field = msg + scan->field_start;
	size_t len = scan->line_start - scan->field_start;
	size_t i = 0;

	while (i < len && is_token(field[i]))
		i++;
	size_t name_len = i;

	/* HCOLON allows spaces and tabs before the colon. */
	while (i < len && is_line_space(field[i]))
		i++;
	if (name_len == 0 || i == len || field[i] != ':')
		return false;

	if (!name_equals(field, name_len, "content-length") &&
	    !name_equals(field, name_len, "l"))
		return true;

	uint64_t length;
	if (!parse_content_length(field + i + 1, len - i - 1, &length))
		return false;

	/* Two different lengths leave the message end ambiguous. */
	if (scan->have_length && scan->content_length != length)
		return false;

	scan->content_length = length;
	scan->have_length = true;
	return true;
}

/* Returns COMPLETE once the start line ends, NEED_MORE or INVALID. */
static enum sip_frame_status scan_start_line(struct sip_frame_scan *scan,
					     const uint8_t *msg, size_t window)
{
	while (scan->pos < window) {
		uint8_t c = msg[scan->pos++];

		if (c == '\n') {
			if (!start_line_accepted(scan))
				return SIP_FRAME_INVALID;
			scan->start_line_done = true;
			scan->line_start = scan->pos;
			return SIP_FRAME_COMPLETE;
		}

		/* A CR is only allowed as the first half of CRLF. */
		if (scan->cr_pending)
			return SIP_FRAME_INVALID;
		if (c == '\r') {
			scan->cr_pending = true;
			continue;
		}

		if (!feed_start_line(scan, c))
			return SIP_FRAME_INVALID;
	}
	return SIP_FRAME_NEED_MORE;
}

/*
 * Handles the first byte of a header line: a continuation of the open field,
 * the blank line that ends the headers, or the start of a new field.
 */
static enum sip_frame_status start_header_line(struct sip_frame_scan *scan,
					       const uint8_t *msg,
					       size_t window)
{
	size_t pos = scan->pos;
	uint8_t c = msg[pos];

	if (is_line_space(c))
		return scan->field_open ? SIP_FRAME_NEED_MORE : SIP_FRAME_INVALID;

	/* A field ends where a line starts without whitespace. */
	if (scan->field_open) {
		if (!finish_field(scan, msg))
			return SIP_FRAME_INVALID;
		scan->field_open = false;
	}

	if (c == '\n') {
		scan->header_len = pos + 1;
		return SIP_FRAME_COMPLETE;
	}
	if (c == '\r') {
		if (pos + 1 >= window)
			return SIP_FRAME_NEED_MORE;
		if (msg[pos + 1] != '\n')
			return SIP_FRAME_INVALID;
		scan->header_len = pos + 2;
		return SIP_FRAME_COMPLETE;
	}
	if (!is_token(c))
		return SIP_FRAME_INVALID;

	scan->field_start = pos;
	scan->field_open = true;
	return SIP_FRAME_NEED_MORE;
}

/*
 * Scans header lines up to window. Returns COMPLETE once the blank line is
 * found, NEED_MORE or INVALID. Each byte is examined once over all calls,
 * except the fields themselves, which are parsed once more when they end.
 */
static enum sip_frame_status scan_headers(struct sip_frame_scan *scan,
					  const uint8_t *msg, size_t window)
{
	for (;;) {
		if (scan->pos >= window)
			return SIP_FRAME_NEED_MORE;

		if (scan->pos == scan->line_start) {
			enum sip_frame_status status =
				start_header_line(scan, msg, window);
			if (status != SIP_FRAME_NEED_MORE)
				return status;

			/* A CR at the window end may start the blank line. */
			if (!scan->field_open)
				return SIP_FRAME_NEED_MORE;
		}

		const uint8_t *lf = memchr(msg + scan->pos, '\n',
					   window - scan->pos);
		if (lf == NULL) {
			scan->pos = window;
			return SIP_FRAME_NEED_MORE;
		}
		scan->pos = (size_t)(lf - msg) + 1;
		scan->line_start = scan->pos;
	}
}

static enum sip_frame_status finish_message(struct sip_frame_scan *scan,
					    size_t avail, size_t max_msg,
					    struct sip_frame *frame)
{
	uint64_t total = (uint64_t)scan->header_len + scan->content_length;

	if (total > max_msg) {
		if (scan->content_length < CONTENT_LENGTH_SATURATED &&
		    total <= SIZE_MAX)
			frame->msg_len = (size_t)total;
		sip_frame_scan_reset(scan);
		return SIP_FRAME_TOO_LARGE;
	}
	if (avail < total)
		return SIP_FRAME_NEED_MORE;

	frame->msg_len = (size_t)total;
	sip_frame_scan_reset(scan);
	return SIP_FRAME_COMPLETE;
}

enum sip_frame_status sip_frame_next_resume(struct sip_frame_scan *scan,
					    const uint8_t *buf, size_t len,
					    size_t max_msg,
					    struct sip_frame *frame)
{
	size_t skip = 0;

	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	frame->skip = skip;
	frame->keepalive = skip > 0 && memchr(buf, '\n', skip) != NULL;
	frame->msg_len = 0;

	const uint8_t *msg = buf + skip;
	size_t avail = len - skip;
	if (avail == 0)
		return SIP_FRAME_NEED_MORE;

	/* Bytes past max_msg are never scanned: the message would not fit. */
	size_t window = avail < max_msg ? avail : max_msg;
	enum sip_frame_status status = SIP_FRAME_COMPLETE;

	if (!scan->start_line_done)
		status = scan_start_line(scan, msg, window);
	if (status == SIP_FRAME_COMPLETE && scan->header_len == 0)
		status = scan_headers(scan, msg, window);

	if (status == SIP_FRAME_INVALID) {
		sip_frame_scan_reset(scan);
		return SIP_FRAME_INVALID;
	}
	if (status == SIP_FRAME_NEED_MORE) {
		if (avail < max_msg)
			return SIP_FRAME_NEED_MORE;

		/*
		 * A start line longer than max_msg is not taken for the start
		 * of an oversize message, so that a long run of token bytes
		 * reads as invalid however the bytes arrive.
		 */
		status = scan->start_line_done ? SIP_FRAME_TOO_LARGE :
						 SIP_FRAME_INVALID;
		sip_frame_scan_reset(scan);
		return status;
	}
	return finish_message(scan, avail, max_msg, frame);
}

enum sip_frame_status sip_frame_next(const uint8_t *buf, size_t len,
				     size_t max_msg, struct sip_frame *frame)
{
	struct sip_frame_scan scan;

	sip_frame_scan_reset(&scan);
	return sip_frame_next_resume(&scan, buf, len, max_msg, frame);
}
