/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parses the input as one SIP message and checks that every slice the parser
 * and its helpers return lies inside the input, then runs the name-addr, URI,
 * target-matching, unfolding and multipart helpers over the parsed values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_msg.h"

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

static const char *input;
static size_t input_size;

static void check_slice(struct sip_slice s)
{
	if (s.ptr == NULL) {
		check(s.len == 0);
		return;
	}
	check(s.ptr >= input);
	check(s.ptr + s.len <= input + input_size);
}

static void check_uri(struct sip_slice text)
{
	struct sip_uri uri;
	struct sip_slice value;

	if (!sip_uri_parse(text, &uri))
		return;
	check_slice(uri.scheme_name);
	check_slice(uri.user);
	check_slice(uri.password);
	check_slice(uri.host);
	check_slice(uri.params);
	check_slice(uri.headers);
	if (sip_uri_param(&uri, "user", &value))
		check_slice(value);
	check(sip_uri_match_target(&uri, &uri) == (uri.scheme != SIP_URI_OTHER &&
		(uri.scheme != SIP_URI_TEL || uri.user.ptr[0] == '+' ||
		 sip_uri_param(&uri, "phone-context", &value))));
}

/* Walks the first 16 elements of a name-addr list. */
static void check_name_addr_list(struct sip_slice value)
{
	struct sip_name_addr na;
	struct sip_slice rest = value;

	for (int i = 0; i < 16 && rest.len > 0; i++) {
		if (!sip_name_addr_parse(rest, &na, &rest))
			return;
		check_slice(na.display_name);
		check_slice(na.uri);
		check_slice(na.params);
		check_slice(na.tag);
		check_slice(rest);
		check_uri(na.uri);
	}
}

static void check_header(const struct sip_header *h)
{
	static char buf[256];
	size_t n;

	check_slice(h->name);
	check_slice(h->value);
	check(h->name.len > 0);
	n = sip_header_unfold(h->value, buf, sizeof(buf));
	check(n <= h->value.len);

	switch (h->id) {
	case SIP_HDR_FROM:
	case SIP_HDR_TO:
	case SIP_HDR_CONTACT:
	case SIP_HDR_P_ASSERTED_IDENTITY:
		check_name_addr_list(h->value);
		break;
	default:
		break;
	}
}

static void check_body(const struct sip_msg *msg)
{
	struct sip_body_part parts[4];
	size_t count = sip_msg_find_sdp(msg, parts, 4);

	for (size_t i = 0; i < count && i < 4; i++) {
		check_slice(parts[i].content_type);
		check_slice(parts[i].headers);
		check_slice(parts[i].body);
		check(parts[i].body.ptr >= msg->body.ptr);
		check(parts[i].body.ptr + parts[i].body.len <=
		      msg->body.ptr + msg->body.len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg msg;
	struct sip_slice value;
	uint32_t cseq;
	unsigned hops;
	enum sip_msg_error err;

	input = (const char *)data;
	input_size = size;
	err = sip_msg_parse(input, size, &msg);
	check(sip_msg_error_name(err) != NULL);
	if (err != SIP_MSG_OK && err != SIP_MSG_ERR_NO_HEADER_END &&
	    err != SIP_MSG_ERR_BODY_TRUNCATED)
		return 0;

	check(msg.length <= size);
	check(msg.header_count <= SIP_MSG_MAX_HEADERS);
	check_slice(msg.method);
	check_slice(msg.request_uri);
	check_slice(msg.version);
	check_slice(msg.reason);
	check_slice(msg.body);
	check(msg.body_truncated == (err == SIP_MSG_ERR_BODY_TRUNCATED));
	for (size_t i = 0; i < msg.header_count; i++)
		check_header(&msg.headers[i]);
	if (msg.is_request)
		check_uri(msg.request_uri);
	if (sip_msg_top_via(&msg, &value))
		check_slice(value);
	if (sip_msg_cseq(&msg, &cseq, &value))
		check(cseq <= 0x7fffffffu);
	if (sip_msg_max_forwards(&msg, &hops))
		check(hops <= 255);
	check_body(&msg);
	return 0;
}
