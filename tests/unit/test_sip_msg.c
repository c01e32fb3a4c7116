/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sip/sip_msg.h"

static struct sip_msg msg;

static struct sip_slice str_slice(const char *s)
{
	struct sip_slice slice = { s, strlen(s) };
	return slice;
}

static void assert_slice(struct sip_slice s, const char *expected)
{
	assert_non_null(s.ptr);
	assert_int_equal(s.len, strlen(expected));
	assert_memory_equal(s.ptr, expected, s.len);
}

static enum sip_msg_error parse_str(const char *s)
{
	return sip_msg_parse(s, strlen(s), &msg);
}

#define SDP_TEXT \
	"v=0\r\n" \
	"o=- 1 1 IN IP4 192.0.2.10\r\n" \
	"s=-\r\n" \
	"c=IN IP4 192.0.2.10\r\n" \
	"t=0 0\r\n" \
	"m=audio 5770 RTP/AVP 8 101\r\n" \
	"a=rtpmap:8 PCMA/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\n"

/* Compact-form INVITE as FreeSWITCH sends it, no SP after the colons. */
static const char compact_invite_fmt[] =
	"INVITE sip:1234@203.0.113.5 SIP/2.0\r\n"
	"v:SIP/2.0/UDP 192.0.2.10:5090;rport;branch=z9hG4bKfc09\r\n"
	"f:\"1001\"<sip:1001@example.com>;tag=x1\r\n"
	"t:<sip:1234@203.0.113.5>\r\n"
	"i:fc09-compact@192.0.2.10\r\n"
	"CSeq:100 INVITE\r\n"
	"m:<sip:gw@192.0.2.10:5090>\r\n"
	"c:application/sdp\r\n"
	"l:%zu\r\n"
	"\r\n"
	"%s";

static void test_compact_invite(void **state)
{
	char buf[1024];
	struct sip_slice value;
	struct sip_name_addr na;
	struct sip_body_part sdp;
	uint32_t cseq;
	(void)state;

	snprintf(buf, sizeof(buf), compact_invite_fmt, strlen(SDP_TEXT), SDP_TEXT);
	assert_int_equal(parse_str(buf), SIP_MSG_OK);
	assert_true(msg.is_request);
	assert_slice(msg.method, "INVITE");
	assert_slice(msg.request_uri, "sip:1234@203.0.113.5");
	assert_slice(msg.version, "SIP/2.0");
	assert_int_equal(msg.header_count, 8);

	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "fc09-compact@192.0.2.10");
	assert_true(sip_msg_from(&msg, &na));
	assert_slice(na.display_name, "1001");
	assert_slice(na.uri, "sip:1001@example.com");
	assert_slice(na.tag, "x1");
	assert_true(sip_msg_to(&msg, &na));
	assert_slice(na.uri, "sip:1234@203.0.113.5");
	assert_null(na.tag.ptr);
	assert_true(sip_msg_contact(&msg, &na));
	assert_slice(na.uri, "sip:gw@192.0.2.10:5090");
	assert_true(sip_msg_top_via(&msg, &value));
	assert_slice(value, "SIP/2.0/UDP 192.0.2.10:5090;rport;branch=z9hG4bKfc09");
	assert_true(sip_msg_cseq(&msg, &cseq, &value));
	assert_int_equal(cseq, 100);
	assert_slice(value, "INVITE");
	assert_true(sip_msg_content_type(&msg, &value));
	assert_slice(value, "application/sdp");

	assert_true(msg.has_content_length);
	assert_int_equal(msg.content_length, strlen(SDP_TEXT));
	assert_slice(msg.body, SDP_TEXT);
	assert_int_equal(sip_msg_find_sdp(&msg, &sdp, 1), 1);
	assert_slice(sdp.body, SDP_TEXT);
}

static void test_lower_case_names(void **state)
{
	struct sip_slice value;
	uint32_t cseq;
	(void)state;

	assert_int_equal(parse_str("BYE sip:1234@203.0.113.5 SIP/2.0\r\n"
				   "call-id: lc@192.0.2.10\r\n"
				   "cseq: 7 BYE\r\n"
				   "content-length: 0\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "lc@192.0.2.10");
	assert_true(sip_msg_cseq(&msg, &cseq, &value));
	assert_int_equal(cseq, 7);
	assert_true(msg.has_content_length);
	assert_int_equal(msg.content_length, 0);
}

static void test_upper_case_names(void **state)
{
	struct sip_slice value;
	struct sip_name_addr na;
	(void)state;

	assert_int_equal(parse_str("INVITE sip:bob@example.net SIP/2.0\r\n"
				   "VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKup\r\n"
				   "FROM: <sip:alice@example.com>;TAG=up1\r\n"
				   "TO: <sip:bob@example.net>\r\n"
				   "CALL-ID: Upper-Case@Example\r\n"
				   "CSEQ: 1 INVITE\r\n"
				   "MAX-FORWARDS: 70\r\n"
				   "CONTENT-LENGTH: 0\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "Upper-Case@Example");
	assert_true(sip_msg_from(&msg, &na));
	assert_slice(na.tag, "up1");
	assert_true(sip_msg_to(&msg, &na));
	assert_slice(na.uri, "sip:bob@example.net");
	assert_non_null(sip_msg_find(&msg, SIP_HDR_VIA, NULL));
	assert_non_null(sip_msg_find_name(&msg, "max-forwards"));
}

static void test_compact_name_table(void **state)
{
	static const struct {
		const char *name;
		enum sip_header_id id;
	} cases[] = {
		{ "i", SIP_HDR_CALL_ID }, { "F", SIP_HDR_FROM },
		{ "t", SIP_HDR_TO }, { "m", SIP_HDR_CONTACT },
		{ "v", SIP_HDR_VIA }, { "l", SIP_HDR_CONTENT_LENGTH },
		{ "c", SIP_HDR_CONTENT_TYPE }, { "k", SIP_HDR_SUPPORTED },
		{ "s", SIP_HDR_SUBJECT }, { "o", SIP_HDR_EVENT },
		{ "r", SIP_HDR_REFER_TO }, { "b", SIP_HDR_REFERRED_BY },
		{ "u", SIP_HDR_ALLOW_EVENTS }, { "x", SIP_HDR_SESSION_EXPIRES },
		{ "y", SIP_HDR_IDENTITY }, { "e", SIP_HDR_CONTENT_ENCODING },
		{ "a", SIP_HDR_ACCEPT_CONTACT }, { "j", SIP_HDR_REJECT_CONTACT },
		{ "d", SIP_HDR_REQUEST_DISPOSITION },
		{ "p-asserted-identity", SIP_HDR_P_ASSERTED_IDENTITY },
		{ "cSeQ", SIP_HDR_CSEQ }, { "Max-Forwards", SIP_HDR_MAX_FORWARDS },
		{ "z", SIP_HDR_OTHER }, { "X-Custom", SIP_HDR_OTHER },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(sip_header_id_of(cases[i].name,
						  strlen(cases[i].name)),
				 cases[i].id);
}

static void test_space_around_colon(void **state)
{
	struct sip_slice value;
	(void)state;

	assert_int_equal(parse_str("OPTIONS sip:a@example.com SIP/2.0\r\n"
				   "Call-ID :  spaced@host  \r\n"
				   "l:0\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "spaced@host");
	assert_slice(msg.headers[0].name, "Call-ID");
}

/* The line before Call-ID ends in a bare LF. */
static void test_bare_lf_line(void **state)
{
	struct sip_slice value;
	(void)state;

	assert_int_equal(parse_str("REGISTER sip:example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKlf\r\n"
				   "P-cs-if: x\n"
				   "Call-ID: fc11@192.0.2.7\r\n"
				   "CSeq: 3 REGISTER\r\n"
				   "Content-Length: 0\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_true(msg.bare_lf);
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "fc11@192.0.2.7");
	assert_slice(sip_msg_find_name(&msg, "P-cs-if")->value, "x");
}

static void test_all_bare_lf(void **state)
{
	struct sip_slice value;
	(void)state;

	assert_int_equal(parse_str("SIP/2.0 200 OK\n"
				   "i: lf-only\n"
				   "l: 2\n"
				   "\n"
				   "ok"), SIP_MSG_OK);
	assert_false(msg.is_request);
	assert_int_equal(msg.status_code, 200);
	assert_slice(msg.reason, "OK");
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "lf-only");
	assert_slice(msg.body, "ok");
}

static void test_folded_lines(void **state)
{
	const struct sip_header *h;
	struct sip_name_addr na;
	char buf[64];
	size_t n;
	(void)state;

	assert_int_equal(parse_str("MESSAGE sip:bob@example.net SIP/2.0\r\n"
				   "Subject: first part\r\n"
				   "   second part\r\n"
				   "\tthird\r\n"
				   "From: \"Alice\"\r\n"
				   " <sip:alice@example.com>\r\n"
				   " ;tag=fold1\r\n"
				   "Content-Length: 0\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_int_equal(msg.header_count, 3);
	h = sip_msg_find(&msg, SIP_HDR_SUBJECT, NULL);
	assert_non_null(h);
	assert_true(h->folded);
	n = sip_header_unfold(h->value, buf, sizeof(buf));
	assert_int_equal(n, strlen("first part second part third"));
	assert_memory_equal(buf, "first part second part third", n);
	assert_int_equal(sip_header_unfold(h->value, buf, 4), n);

	assert_true(sip_msg_from(&msg, &na));
	assert_slice(na.display_name, "Alice");
	assert_slice(na.uri, "sip:alice@example.com");
	assert_slice(na.tag, "fold1");
}

static void test_repeated_pai(void **state)
{
	const struct sip_header *h = NULL;
	struct sip_name_addr na;
	struct sip_slice rest;
	size_t headers = 0;
	(void)state;

	assert_int_equal(parse_str("INVITE sip:bob@example.net SIP/2.0\r\n"
				   "P-Asserted-Identity: \"Alice\" <sip:alice@example.com>\r\n"
				   "p-asserted-identity: <tel:+1-555-010-0100>, "
				   "<sip:+15550100@example.com;user=phone>\r\n"
				   "Content-Length: 0\r\n"
				   "\r\n"), SIP_MSG_OK);
	while ((h = sip_msg_find(&msg, SIP_HDR_P_ASSERTED_IDENTITY, h)) != NULL)
		headers++;
	assert_int_equal(headers, 2);

	h = sip_msg_find(&msg, SIP_HDR_P_ASSERTED_IDENTITY, NULL);
	assert_true(sip_name_addr_parse(h->value, &na, &rest));
	assert_slice(na.display_name, "Alice");
	assert_slice(na.uri, "sip:alice@example.com");
	assert_int_equal(rest.len, 0);

	h = sip_msg_find(&msg, SIP_HDR_P_ASSERTED_IDENTITY, h);
	assert_true(sip_name_addr_parse(h->value, &na, &rest));
	assert_slice(na.uri, "tel:+1-555-010-0100");
	assert_true(sip_name_addr_parse(rest, &na, &rest));
	assert_slice(na.uri, "sip:+15550100@example.com;user=phone");
	assert_int_equal(rest.len, 0);
}

#define ACK_TEXT \
	"ACK sip:bob@198.51.100.20:5060;transport=tcp SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKaaa1\r\n" \
	"From: <sip:alice@example.com>;tag=a1\r\n" \
	"To: <sip:bob@example.net>;tag=b1\r\n" \
	"Call-ID: fc01@192.0.2.10\r\n" \
	"CSeq: 1 ACK\r\n" \
	"l: 0\r\n" \
	"\r\n"

#define BYE_TEXT \
	"BYE sip:bob@198.51.100.20:5060;transport=tcp SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKaaa2\r\n" \
	"From: <sip:alice@example.com>;tag=a1\r\n" \
	"To: <sip:bob@example.net>;tag=b1\r\n" \
	"Call-ID: fc01@192.0.2.10\r\n" \
	"CSeq: 2 BYE\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

static void test_two_messages(void **state)
{
	static const char segment[] = ACK_TEXT BYE_TEXT;
	struct sip_slice value;
	uint32_t cseq;
	size_t next;
	(void)state;

	assert_int_equal(sip_msg_parse(segment, sizeof(segment) - 1, &msg),
			 SIP_MSG_OK);
	assert_slice(msg.method, "ACK");
	assert_int_equal(msg.length, strlen(ACK_TEXT));
	assert_int_equal(msg.body.len, 0);

	next = msg.length;
	assert_int_equal(sip_msg_parse(segment + next,
				       sizeof(segment) - 1 - next, &msg),
			 SIP_MSG_OK);
	assert_slice(msg.method, "BYE");
	assert_true(sip_msg_cseq(&msg, &cseq, &value));
	assert_int_equal(cseq, 2);
	assert_slice(value, "BYE");
	assert_int_equal(msg.length, strlen(BYE_TEXT));
}

static void test_leading_crlf(void **state)
{
	(void)state;

	assert_int_equal(parse_str("\r\n\r\nSIP/2.0 180 Ringing\r\n"
				   "Content-Length: 0\r\n\r\n"), SIP_MSG_OK);
	assert_int_equal(msg.status_code, 180);
	assert_slice(msg.reason, "Ringing");
	assert_int_equal(msg.length, strlen("\r\n\r\nSIP/2.0 180 Ringing\r\n"
					    "Content-Length: 0\r\n\r\n"));
}

static void test_status_without_reason(void **state)
{
	(void)state;

	assert_int_equal(parse_str("SIP/2.0 100\r\n\r\n"), SIP_MSG_OK);
	assert_int_equal(msg.status_code, 100);
	assert_int_equal(msg.reason.len, 0);
}

static void test_truncated_body(void **state)
{
	(void)state;

	assert_int_equal(parse_str("MESSAGE sip:bob@example.net SIP/2.0\r\n"
				   "Content-Length: 10\r\n"
				   "\r\n"
				   "hello"), SIP_MSG_ERR_BODY_TRUNCATED);
	assert_true(msg.body_truncated);
	assert_int_equal(msg.content_length, 10);
	assert_slice(msg.body, "hello");
	assert_slice(msg.method, "MESSAGE");
}

static void test_body_without_length(void **state)
{
	(void)state;

	assert_int_equal(parse_str("MESSAGE sip:bob@example.net SIP/2.0\r\n"
				   "\r\n"
				   "udp body"), SIP_MSG_OK);
	assert_false(msg.has_content_length);
	assert_slice(msg.body, "udp body");
}

static void test_accessors(void **state)
{
	struct sip_slice value;
	unsigned hops;
	uint32_t cseq;
	(void)state;

	assert_int_equal(parse_str("INVITE sip:b@example.net SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, "
				   "SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
				   "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
				   "Max-Forwards: 69\r\n"
				   "CSeq: 2147483647 INVITE\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_true(sip_msg_top_via(&msg, &value));
	assert_slice(value, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
	assert_true(sip_msg_max_forwards(&msg, &hops));
	assert_int_equal(hops, 69);
	assert_true(sip_msg_cseq(&msg, &cseq, &value));
	assert_int_equal(cseq, 2147483647u);
	assert_false(sip_msg_call_id(&msg, &value));

	assert_int_equal(parse_str("INVITE sip:b@example.net SIP/2.0\r\n"
				   "Max-Forwards: 256\r\n"
				   "CSeq: 2147483648 INVITE\r\n"
				   "\r\n"), SIP_MSG_OK);
	assert_false(sip_msg_max_forwards(&msg, &hops));
	assert_false(sip_msg_cseq(&msg, &cseq, &value));
}

static void test_error_kinds(void **state)
{
	static const struct {
		const char *text;
		enum sip_msg_error err;
	} cases[] = {
		{ "", SIP_MSG_ERR_EMPTY },
		{ "\r\n\r\n", SIP_MSG_ERR_EMPTY },
		{ "INVITE sip:a@b SIP/2.0", SIP_MSG_ERR_NO_START_LINE },
		{ "HELLO\r\n\r\n", SIP_MSG_ERR_BAD_START_LINE },
		{ "INVITE sip:a@b HTTP/1.1\r\n\r\n", SIP_MSG_ERR_BAD_START_LINE },
		{ "INVITE  SIP/2.0\r\n\r\n", SIP_MSG_ERR_BAD_START_LINE },
		{ "SIP/2.0 20 OK\r\n\r\n", SIP_MSG_ERR_BAD_START_LINE },
		{ "SIP/2.0 abc OK\r\n\r\n", SIP_MSG_ERR_BAD_START_LINE },
		{ "INVITE sip:a@b SIP/2.0\r\nno colon\r\n\r\n",
		  SIP_MSG_ERR_BAD_HEADER_LINE },
		{ "INVITE sip:a@b SIP/2.0\r\n: empty\r\n\r\n",
		  SIP_MSG_ERR_BAD_HEADER_LINE },
		{ "INVITE sip:a@b SIP/2.0\r\n folded: first\r\n\r\n",
		  SIP_MSG_ERR_BAD_HEADER_LINE },
		{ "INVITE sip:a@b SIP/2.0\r\nl: abc\r\n\r\n",
		  SIP_MSG_ERR_BAD_CONTENT_LENGTH },
		{ "INVITE sip:a@b SIP/2.0\r\nl: -1\r\n\r\n",
		  SIP_MSG_ERR_BAD_CONTENT_LENGTH },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab",
		  SIP_MSG_ERR_BAD_CONTENT_LENGTH },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 99999999999\r\n\r\n",
		  SIP_MSG_ERR_BAD_CONTENT_LENGTH },
		{ "INVITE sip:a@b SIP/2.0\r\ni: cut\r\n",
		  SIP_MSG_ERR_NO_HEADER_END },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nab",
		  SIP_MSG_ERR_BODY_TRUNCATED },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse_str(cases[i].text), cases[i].err);
	}
}

static void test_header_end_missing(void **state)
{
	struct sip_slice value;
	(void)state;

	assert_int_equal(parse_str("INVITE sip:a@b SIP/2.0\r\ni: cut-here"),
			 SIP_MSG_ERR_NO_HEADER_END);
	assert_true(sip_msg_call_id(&msg, &value));
	assert_slice(value, "cut-here");
	assert_int_equal(msg.body.len, 0);
}

static void test_too_many_headers(void **state)
{
	static char buf[8192];
	size_t n;
	(void)state;

	n = (size_t)snprintf(buf, sizeof(buf), "OPTIONS sip:a@b SIP/2.0\r\n");
	for (int i = 0; i < SIP_MSG_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-H: %d\r\n", i);
	snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(parse_str(buf), SIP_MSG_OK);
	assert_int_equal(msg.header_count, SIP_MSG_MAX_HEADERS);

	snprintf(buf + n, sizeof(buf) - n, "X-H: last\r\n\r\n");
	assert_int_equal(parse_str(buf), SIP_MSG_ERR_TOO_MANY_HEADERS);
}

static void test_error_names(void **state)
{
	(void)state;

	for (int i = SIP_MSG_OK; i <= SIP_MSG_ERR_BODY_TRUNCATED; i++) {
		const char *name = sip_msg_error_name((enum sip_msg_error)i);

		assert_non_null(name);
		assert_string_not_equal(name, "unknown error");
		for (int j = SIP_MSG_OK; j < i; j++)
			assert_string_not_equal(name,
				sip_msg_error_name((enum sip_msg_error)j));
	}
	assert_string_equal(sip_msg_error_name(SIP_MSG_ERR_BAD_CONTENT_LENGTH),
			    "invalid Content-Length");
}

/* ---- name-addr and URIs ---- */

static void test_addr_spec_params(void **state)
{
	struct sip_name_addr na;
	(void)state;

	/* In addr-spec form ";tag" and ";user" are header parameters. */
	assert_true(sip_name_addr_parse(
		str_slice("sip:alice@example.com;user=phone;tag=t1"), &na, NULL));
	assert_slice(na.uri, "sip:alice@example.com");
	assert_slice(na.params, "user=phone;tag=t1");
	assert_slice(na.tag, "t1");
	assert_null(na.display_name.ptr);

	/* In name-addr form URI parameters stay inside the brackets. */
	assert_true(sip_name_addr_parse(
		str_slice("Bob <sip:bob@example.net;transport=tcp>;tag=t2"),
		&na, NULL));
	assert_slice(na.display_name, "Bob");
	assert_slice(na.uri, "sip:bob@example.net;transport=tcp");
	assert_slice(na.tag, "t2");

	assert_true(sip_name_addr_parse(
		str_slice("\"A \\\"quoted\\\" <name>\" <sip:q@example.com>"),
		&na, NULL));
	assert_slice(na.display_name, "A \\\"quoted\\\" <name>");
	assert_slice(na.uri, "sip:q@example.com");

	assert_false(sip_name_addr_parse(str_slice("<sip:open@example.com"),
					 &na, NULL));
	assert_false(sip_name_addr_parse(str_slice("  "), &na, NULL));
	assert_false(sip_name_addr_parse(str_slice("\"unterminated <sip:x@y>"),
					 &na, NULL));
}

static void test_sip_uri_parts(void **state)
{
	struct sip_uri uri;
	struct sip_slice value;
	(void)state;

	assert_true(sip_uri_parse(
		str_slice("sips:alice:secret@[2001:db8::1]:5061;transport=tcp?subject=x"),
		&uri));
	assert_int_equal(uri.scheme, SIP_URI_SIPS);
	assert_slice(uri.user, "alice");
	assert_slice(uri.password, "secret");
	assert_slice(uri.host, "[2001:db8::1]");
	assert_true(uri.has_port);
	assert_int_equal(uri.port, 5061);
	assert_slice(uri.params, "transport=tcp");
	assert_slice(uri.headers, "subject=x");

	assert_true(sip_uri_parse(str_slice("sip:+15550100@example.com;user=phone"),
				  &uri));
	assert_int_equal(uri.scheme, SIP_URI_SIP);
	assert_slice(uri.user, "+15550100");
	assert_slice(uri.host, "example.com");
	assert_false(uri.has_port);
	assert_true(sip_uri_param(&uri, "USER", &value));
	assert_slice(value, "phone");

	assert_true(sip_uri_parse(str_slice("SIP:example.com"), &uri));
	assert_int_equal(uri.scheme, SIP_URI_SIP);
	assert_null(uri.user.ptr);
	assert_slice(uri.host, "example.com");

	assert_false(sip_uri_parse(str_slice("sip:a@host:70000"), &uri));
	assert_false(sip_uri_parse(str_slice("sip:@host"), &uri));
	assert_false(sip_uri_parse(str_slice("sip:a@"), &uri));
	assert_false(sip_uri_parse(str_slice("no-scheme"), &uri));
	assert_true(sip_uri_parse(str_slice("mailto:a@example.com"), &uri));
	assert_int_equal(uri.scheme, SIP_URI_OTHER);
}

static void test_tel_uri_parts(void **state)
{
	struct sip_uri uri;
	struct sip_slice value;
	(void)state;

	assert_true(sip_uri_parse(str_slice("tel:+1-(555)-010.0100;ext=12"), &uri));
	assert_int_equal(uri.scheme, SIP_URI_TEL);
	assert_slice(uri.user, "+1-(555)-010.0100");
	assert_null(uri.host.ptr);
	assert_true(sip_uri_param(&uri, "ext", &value));
	assert_slice(value, "12");

	assert_true(sip_uri_parse(str_slice("tel:7042;phone-context=example.com"),
				  &uri));
	assert_slice(uri.user, "7042");
	assert_true(sip_uri_param(&uri, "phone-context", &value));
	assert_slice(value, "example.com");
	assert_false(sip_uri_param(&uri, "isub", &value));

	assert_false(sip_uri_parse(str_slice("tel:"), &uri));
}

static void test_target_matching(void **state)
{
	static const struct {
		const char *a;
		const char *b;
		bool match;
	} cases[] = {
		{ "sip:alice@example.com", "sip:alice@EXAMPLE.com", true },
		{ "sip:alice@example.com", "SIPS:alice@example.com:5061", true },
		{ "sip:alice@example.com;transport=tcp", "sip:alice@example.com", true },
		{ "sip:%61lice@example.com", "sip:alice@example.com", true },
		{ "sip:alice@example.com", "sip:Alice@example.com", false },
		{ "sip:alice@example.com", "sip:alice@example.net", false },
		{ "sip:alice@example.com", "sip:example.com", false },
		{ "tel:+15550100", "tel:+1-555-0100", true },
		{ "tel:+1(555)01.00", "sip:+15550100@gw.example.com;user=phone", true },
		{ "sip:+1-555-01-00@a.example;user=phone",
		  "sips:+15550100@b.example;user=phone", true },
		{ "tel:+15550100;phone-context=x", "tel:+15550100", true },
		{ "tel:+15550100", "sip:+15550100@gw.example.com", false },
		{ "tel:+15550100", "tel:+15550101", false },
		{ "tel:+15550100", "tel:15550100;phone-context=example.com", false },
		{ "tel:7042;phone-context=example.com",
		  "tel:70-42;phone-context=EXAMPLE.com", true },
		{ "tel:7042;phone-context=example.com",
		  "tel:7042;phone-context=example.net", false },
		{ "tel:7042;phone-context=example.com",
		  "sip:7042@example.com", false },
		{ "tel:7042;phone-context=+1-212-555",
		  "tel:7042;phone-context=+1(212)555", true },
		{ "tel:7042;phone-context=+1-212-555",
		  "tel:7042;phone-context=+1-212-556", false },
		{ "tel:7042;phone-context=+1212",
		  "tel:7042;phone-context=1212", false },
		{ "mailto:a@example.com", "mailto:a@example.com", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_uri a;
		struct sip_uri b;

		print_message("case %zu: %s vs %s\n", i, cases[i].a, cases[i].b);
		assert_true(sip_uri_parse(str_slice(cases[i].a), &a));
		assert_true(sip_uri_parse(str_slice(cases[i].b), &b));
		assert_int_equal(sip_uri_match_target(&a, &b), cases[i].match);
		assert_int_equal(sip_uri_match_target(&b, &a), cases[i].match);
	}
}

/* ---- multipart bodies ---- */

/* An ISUP IAM fragment with NUL bytes and an embedded CRLF. */
static const char isup_bytes[] = {
	0x01, 0x00, 0x49, 0x00, 0x00, 0x03, 0x02, 0x00, 0x07, 0x04, 0x10,
	0x00, 0x0d, 0x0a, 0x21, 0x43, 0x00,
};

static size_t append(char *buf, size_t n, const void *data, size_t len)
{
	memcpy(buf + n, data, len);
	return n + len;
}

static size_t append_str(char *buf, size_t n, const char *s)
{
	return append(buf, n, s, strlen(s));
}

/*
 * Builds an INVITE whose body has an SDP part and a second part of the
 * given type; sdp_first orders them.
 */
static size_t build_multipart(char *buf, const char *content_type,
			      const char *delimiter, bool sdp_first,
			      const char *other_type, const void *other,
			      size_t other_len)
{
	char body[2048];
	size_t b = 0;
	size_t n;

	for (int i = 0; i < 2; i++) {
		b = append_str(body, b, delimiter);
		b = append_str(body, b, "\r\n");
		if ((i == 0) == sdp_first) {
			b = append_str(body, b, "Content-Type: application/sdp\r\n"
				       "Content-Disposition: session; handling=required\r\n"
				       "\r\n" SDP_TEXT "\r\n");
		} else {
			b = append_str(body, b, "Content-Type: ");
			b = append_str(body, b, other_type);
			b = append_str(body, b, "\r\nContent-Disposition: signal; "
				       "handling=optional\r\n\r\n");
			b = append(body, b, other, other_len);
			b = append_str(body, b, "\r\n");
		}
	}
	b = append_str(body, b, delimiter);
	b = append_str(body, b, "--\r\n");

	n = (size_t)sprintf(buf, "INVITE sip:+15550100@example.net SIP/2.0\r\n"
			    "Call-ID: fc12@192.0.2.10\r\n"
			    "Content-Type: %s\r\n"
			    "MIME-Version: 1.0\r\n"
			    "Content-Length: %zu\r\n"
			    "\r\n", content_type, b);
	return append(buf, n, body, b);
}

static void test_multipart_sip_i(void **state)
{
	static char buf[4096];
	struct sip_body_part parts[4];
	struct sip_slice type;
	struct sip_slice boundary;
	size_t len;
	(void)state;

	len = build_multipart(buf, "multipart/mixed;boundary=fc12-delim",
			      "--fc12-delim", true,
			      "application/isup; version=itu-t92+; base=itu-t92+",
			      isup_bytes, sizeof(isup_bytes));
	assert_int_equal(sip_msg_parse(buf, len, &msg), SIP_MSG_OK);
	assert_int_equal(sip_msg_find_sdp(&msg, parts, 4), 1);
	assert_slice(parts[0].body, SDP_TEXT);
	assert_slice(parts[0].content_type, "application/sdp");
	assert_false(parts[0].truncated);

	assert_true(sip_msg_content_type(&msg, &type));
	assert_true(sip_content_type_boundary(type, &boundary));
	assert_slice(boundary, "fc12-delim");
	assert_int_equal(sip_multipart_split(msg.body, boundary, parts, 4), 2);
	assert_true(sip_media_type_is(parts[1].content_type, "application/ISUP"));
	assert_int_equal(parts[1].body.len, sizeof(isup_bytes));
	assert_memory_equal(parts[1].body.ptr, isup_bytes, sizeof(isup_bytes));
}

static void test_multipart_quoted_boundary(void **state)
{
	static char buf[4096];
	struct sip_body_part sdp;
	size_t len;
	(void)state;

	len = build_multipart(buf, "Multipart/Mixed; boundary=\"unique boundary 1\"",
			      "--unique boundary 1", true, "application/isup",
			      isup_bytes, sizeof(isup_bytes));
	assert_int_equal(sip_msg_parse(buf, len, &msg), SIP_MSG_OK);
	assert_int_equal(sip_msg_find_sdp(&msg, &sdp, 1), 1);
	assert_slice(sdp.body, SDP_TEXT);
}

static void test_multipart_sdp_not_first(void **state)
{
	static char buf[4096];
	struct sip_body_part sdp;
	size_t len;
	(void)state;

	len = build_multipart(buf, "multipart/mixed;boundary=b2", "--b2", false,
			      "application/isup", isup_bytes, sizeof(isup_bytes));
	assert_int_equal(sip_msg_parse(buf, len, &msg), SIP_MSG_OK);
	assert_int_equal(sip_msg_find_sdp(&msg, &sdp, 1), 1);
	assert_slice(sdp.body, SDP_TEXT);
}

static void test_multipart_pidf_lo(void **state)
{
	static const char pidf[] =
		"<?xml version=\"1.0\"?>\r\n"
		"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" "
		"entity=\"pres:caller@example.com\"/>";
	static char buf[4096];
	struct sip_body_part parts[2];
	size_t len;
	(void)state;

	len = build_multipart(buf, "multipart/mixed; boundary=pidf-b", "--pidf-b",
			      false, "application/pidf+xml", pidf,
			      sizeof(pidf) - 1);
	assert_int_equal(sip_msg_parse(buf, len, &msg), SIP_MSG_OK);
	assert_int_equal(sip_msg_find_sdp(&msg, parts, 2), 1);
	assert_slice(parts[0].body, SDP_TEXT);
}

static void test_multipart_two_sdp(void **state)
{
	static char buf[4096];
	struct sip_body_part parts[2];
	size_t len;
	(void)state;

	len = build_multipart(buf, "multipart/alternative;boundary=alt", "--alt",
			      true, "application/sdp", "v=0\r\n", 5);
	assert_int_equal(sip_msg_parse(buf, len, &msg), SIP_MSG_OK);
	assert_int_equal(sip_msg_find_sdp(&msg, parts, 1), 2);
	assert_slice(parts[0].body, SDP_TEXT);
	assert_int_equal(sip_msg_find_sdp(&msg, parts, 2), 2);
	assert_slice(parts[1].body, "v=0\r\n");
}

static void test_multipart_truncated(void **state)
{
	static const char body[] =
		"preamble\r\n"
		"--cut\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"o=- 1 1 IN";
	struct sip_body_part part;
	(void)state;

	assert_int_equal(sip_multipart_split(str_slice(body), str_slice("cut"),
					     &part, 1), 1);
	assert_true(part.truncated);
	assert_slice(part.body, "v=0\r\no=- 1 1 IN");
	assert_int_equal(sip_multipart_split(str_slice(body), str_slice("none"),
					     &part, 1), 0);
}

static void test_multipart_lf_only(void **state)
{
	static const char body[] =
		"--lf\n"
		"\n"
		"no headers\n"
		"--lf\n"
		"content-type: application/sdp\n"
		"\n"
		"v=0\n"
		"--lf--\n";
	struct sip_body_part parts[2];
	(void)state;

	assert_int_equal(sip_multipart_split(str_slice(body), str_slice("lf"),
					     parts, 2), 2);
	assert_int_equal(parts[0].content_type.len, 0);
	assert_slice(parts[0].body, "no headers");
	assert_slice(parts[1].content_type, "application/sdp");
	assert_slice(parts[1].body, "v=0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_invite),
		cmocka_unit_test(test_lower_case_names),
		cmocka_unit_test(test_upper_case_names),
		cmocka_unit_test(test_compact_name_table),
		cmocka_unit_test(test_space_around_colon),
		cmocka_unit_test(test_bare_lf_line),
		cmocka_unit_test(test_all_bare_lf),
		cmocka_unit_test(test_folded_lines),
		cmocka_unit_test(test_repeated_pai),
		cmocka_unit_test(test_two_messages),
		cmocka_unit_test(test_leading_crlf),
		cmocka_unit_test(test_status_without_reason),
		cmocka_unit_test(test_truncated_body),
		cmocka_unit_test(test_body_without_length),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_header_end_missing),
		cmocka_unit_test(test_too_many_headers),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_addr_spec_params),
		cmocka_unit_test(test_sip_uri_parts),
		cmocka_unit_test(test_tel_uri_parts),
		cmocka_unit_test(test_target_matching),
		cmocka_unit_test(test_multipart_sip_i),
		cmocka_unit_test(test_multipart_quoted_boundary),
		cmocka_unit_test(test_multipart_sdp_not_first),
		cmocka_unit_test(test_multipart_pidf_lo),
		cmocka_unit_test(test_multipart_two_sdp),
		cmocka_unit_test(test_multipart_truncated),
		cmocka_unit_test(test_multipart_lf_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
