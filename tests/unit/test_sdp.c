/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sdp/sdes.h"
#include "lib/sdp/sdp.h"

#define K128 "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"

static struct sdp_session session;

static enum sdp_error parse(const char *body)
{
	return sdp_parse(body, strlen(body), &session);
}

static bool slice_is(struct sdp_slice s, const char *text)
{
	return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

/* IPv4 signalling may carry IPv6 media, so the addrtype decides the family. */
static void ipv6_connection(void **state)
{
	uint8_t expected[16];
	const struct sdp_connection *c;

	(void)state;
	assert_int_equal(parse("v=0\r\n"
			       "o=- 1 1 IN IP4 192.0.2.1\r\n"
			       "s=-\r\n"
			       "c=IN IP6 2001:db8::10\r\n"
			       "t=0 0\r\n"
			       "m=audio 40000 RTP/AVP 0\r\n"
			       "a=rtcp:40001 IN IP6 2001:db8::11\r\n"), SDP_OK);
	assert_int_equal(session.connection.family, SDP_ADDR_IP6);
	assert_true(session.connection.address_valid);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::10", expected), 1);
	assert_memory_equal(session.connection.ip, expected, 16);
	assert_int_equal(session.origin.connection.family, SDP_ADDR_IP4);
	assert_int_equal(session.media_count, 1);
	c = sdp_media_connection(&session, &session.media[0]);
	assert_ptr_equal(c, &session.connection);
	assert_int_equal(session.media[0].port, 40000);
	assert_true(session.media[0].has_rtcp);
	assert_int_equal(session.media[0].rtcp_port, 40001);
	assert_int_equal(session.media[0].rtcp_connection.family, SDP_ADDR_IP6);
	assert_true(session.media[0].rtcp_connection.address_valid);
	assert_int_equal(session.media[0].error, SDP_OK);
}

static void ipv4_media_connection(void **state)
{
	const struct sdp_connection *c;

	(void)state;
	assert_int_equal(parse("v=0\n"
			       "c=IN IP4 192.0.2.1\n"
			       "m=audio 4000 RTP/AVP 0\n"
			       "c=IN IP4 198.51.100.7\n"), SDP_OK);
	c = sdp_media_connection(&session, &session.media[0]);
	assert_ptr_equal(c, &session.media[0].connection);
	assert_int_equal(c->family, SDP_ADDR_IP4);
	assert_true(c->address_valid);
	assert_int_equal(c->ip[0], 198);
	assert_int_equal(c->ip[3], 7);
	assert_true(slice_is(c->address, "198.51.100.7"));
}

static void multicast_suffixes(void **state)
{
	(void)state;
	assert_int_equal(parse("c=IN IP4 233.252.0.1/127/3\n"
			       "m=audio 4000 RTP/AVP 0\n"
			       "c=IN IP6 ff15::101/2\n"), SDP_OK);
	assert_int_equal(session.connection.ttl, 127);
	assert_int_equal(session.connection.count, 3);
	assert_true(session.connection.address_valid);
	assert_true(slice_is(session.connection.address, "233.252.0.1"));
	assert_int_equal(session.media[0].connection.ttl, 0);
	assert_int_equal(session.media[0].connection.count, 2);
	assert_true(session.media[0].connection.address_valid);
}

static void other_addrtype(void **state)
{
	(void)state;
	assert_int_equal(parse("c=ATM NSAP 47.0091.8100.0000\n"), SDP_OK);
	assert_int_equal(session.connection.family, SDP_ADDR_OTHER);
	assert_false(session.connection.address_valid);
	assert_true(slice_is(session.connection.nettype, "ATM"));
	assert_int_equal(session.error, SDP_OK);
}

static void origin_fields(void **state)
{
	(void)state;
	assert_int_equal(parse("o=alice 2890844526 2890842807 IN IP4 "
			       "203.0.113.5\n"), SDP_OK);
	assert_true(session.origin.present);
	assert_true(slice_is(session.origin.username, "alice"));
	assert_true(slice_is(session.origin.sess_id, "2890844526"));
	assert_true(slice_is(session.origin.sess_version, "2890842807"));
	assert_true(session.origin.connection.address_valid);
}

/* A disabled stream with an invalid PT does not affect the audio stream. */
static void disabled_stream(void **state)
{
	(void)state;
	assert_int_equal(parse("v=0\r\n"
			       "c=IN IP4 192.0.2.1\r\n"
			       "m=audio 43712 RTP/AVP 0 8\r\n"
			       "m=video 0 RTP/AVP 255\r\n"), SDP_OK);
	assert_int_equal(session.media_count, 2);
	assert_false(session.media[0].disabled);
	assert_int_equal(session.media[0].port, 43712);
	assert_int_equal(session.media[0].format_count, 2);
	assert_true(session.media[1].disabled);
	assert_true(slice_is(session.media[1].formats, "255"));
	assert_int_equal(session.media[1].error, SDP_OK);
	assert_int_equal(session.media_errors, 0);
}

static void empty_format_list(void **state)
{
	(void)state;
	assert_int_equal(parse("m=audio 0 RTP/AVP\r\n"
			       "m=audio 5004 RTP/AVP 0\r\n"), SDP_OK);
	assert_int_equal(session.media_count, 2);
	assert_true(slice_is(session.media[0].proto, "RTP/AVP"));
	assert_int_equal(session.media[0].proto_id, SDP_PROTO_RTP_AVP);
	assert_int_equal(session.media[0].format_count, 0);
	assert_int_equal(session.media[0].formats.len, 0);
	assert_true(session.media[0].disabled);
	assert_int_equal(session.media[0].error, SDP_OK);
	assert_int_equal(session.media[1].port, 5004);
}

/* m-sections keep their position, so offer and answer pair by index. */
static void mrcp_before_audio(void **state)
{
	(void)state;
	assert_int_equal(parse("m=application 9 TCP/MRCPv2 1\n"
			       "a=setup:active\n"
			       "m=audio 16140 RTP/AVP 0 8 101\n"), SDP_OK);
	assert_int_equal(session.media_count, 2);
	assert_true(slice_is(session.media[0].media, "application"));
	assert_int_equal(session.media[0].proto_id, SDP_PROTO_TCP_MRCPV2);
	assert_false(sdp_proto_is_rtp(session.media[0].proto_id));
	assert_true(slice_is(session.media[1].media, "audio"));
	assert_int_equal(session.media[1].port, 16140);
	assert_true(sdp_proto_is_rtp(session.media[1].proto_id));
	assert_int_equal(session.media[1].format_count, 3);
}

static void rtp_protos(void **state)
{
	static const struct {
		const char *line;
		enum sdp_proto proto;
	} cases[] = {
		{ "m=audio 1 RTP/AVP 0\n", SDP_PROTO_RTP_AVP },
		{ "m=audio 1 RTP/SAVP 0\n", SDP_PROTO_RTP_SAVP },
		{ "m=audio 1 RTP/AVPF 0\n", SDP_PROTO_RTP_AVPF },
		{ "m=audio 1 RTP/SAVPF 0\n", SDP_PROTO_RTP_SAVPF },
		{ "m=audio 1 UDP/TLS/RTP/SAVP 0\n", SDP_PROTO_UDP_TLS_RTP_SAVP },
		{ "m=audio 1 UDP/TLS/RTP/SAVPF 0\n",
		  SDP_PROTO_UDP_TLS_RTP_SAVPF },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse(cases[i].line), SDP_OK);
		assert_int_equal(session.media[0].proto_id, cases[i].proto);
		assert_true(sdp_proto_is_rtp(session.media[0].proto_id));
	}
	assert_int_equal(parse("m=image 1 udptl t38\n"), SDP_OK);
	assert_int_equal(session.media[0].proto_id, SDP_PROTO_OTHER);
}

static void port_count(void **state)
{
	(void)state;
	assert_int_equal(parse("m=audio 40314/2 RTP/AVP 0 101\n"), SDP_OK);
	assert_int_equal(session.media[0].port, 40314);
	assert_int_equal(session.media[0].port_count, 2);
	assert_false(session.media[0].has_rtcp);
	assert_false(session.media[0].rtcp_mux);
	assert_int_equal(session.media[0].error, SDP_OK);
}

static void rtcp_mux_and_port(void **state)
{
	(void)state;
	assert_int_equal(parse("m=audio 5004 RTP/SAVPF 111\n"
			       "a=rtcp:9\n"
			       "a=rtcp-mux\n"), SDP_OK);
	assert_true(session.media[0].rtcp_mux);
	assert_true(session.media[0].has_rtcp);
	assert_int_equal(session.media[0].rtcp_port, 9);
	assert_false(session.media[0].rtcp_connection.present);
}

static void directions(void **state)
{
	(void)state;
	assert_int_equal(parse("a=sendonly\n"
			       "m=audio 1 RTP/AVP 0\n"
			       "m=audio 2 RTP/AVP 0\n"
			       "a=recvonly\n"
			       "m=audio 3 RTP/AVP 0\n"
			       "a=inactive\n"), SDP_OK);
	assert_int_equal(session.direction, SDP_DIR_SENDONLY);
	assert_int_equal(sdp_media_direction(&session, &session.media[0]),
			 SDP_DIR_SENDONLY);
	assert_int_equal(sdp_media_direction(&session, &session.media[1]),
			 SDP_DIR_RECVONLY);
	assert_int_equal(sdp_media_direction(&session, &session.media[2]),
			 SDP_DIR_INACTIVE);
	assert_int_equal(parse("m=audio 1 RTP/AVP 0\n"), SDP_OK);
	assert_int_equal(sdp_media_direction(&session, &session.media[0]),
			 SDP_DIR_SENDRECV);
}

/* Opportunistic SRTP: a=crypto under RTP/AVP is still collected. */
static void crypto_under_avp(void **state)
{
	struct sdes_crypto c;
	struct sdp_slice line;

	(void)state;
	assert_int_equal(parse("m=audio 64718 RTP/AVP 9 0 8 101\r\n"
			       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
			       K128 "\r\n"), SDP_OK);
	assert_int_equal(session.media[0].proto_id, SDP_PROTO_RTP_AVP);
	assert_int_equal(session.media[0].crypto_count, 1);
	line = session.media[0].crypto[0];
	assert_int_equal(sdes_parse(line.ptr, line.len, &c), SDES_OK);
	assert_int_equal(c.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.keys[0].key_salt[0], 0x10);
	sdes_crypto_wipe(&c);
}

/* Offer and answer SDP with a renumbered tag pair by suite. */
static void crypto_offer_answer(void **state)
{
	struct sdes_crypto offer[2], answer[1];
	struct sdes_selection sel;
	struct sdp_slice crypto_line;

	(void)state;
	assert_int_equal(parse("m=audio 4000 RTP/SAVP 0\n"
			       "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:"
			       K128 "\n"
			       "a=crypto:8 AES_CM_128_HMAC_SHA1_32 inline:"
			       K128 "\n"), SDP_OK);
	for (unsigned i = 0; i < 2; i++) {
		crypto_line = session.media[0].crypto[i];
		assert_int_equal(sdes_parse(crypto_line.ptr, crypto_line.len,
					    &offer[i]), SDES_OK);
	}
	assert_int_equal(parse("m=audio 5000 RTP/SAVP 0\n"
			       "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:"
			       "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xd\n"),
			 SDP_OK);
	crypto_line = session.media[0].crypto[0];
	assert_int_equal(sdes_parse(crypto_line.ptr, crypto_line.len,
				    &answer[0]), SDES_OK);
	assert_true(sdes_select_answer(offer, NULL, 2, answer, NULL, 1, &sel));
	assert_int_equal(sel.offer_index, 1);
	assert_int_equal(sel.answer_index, 0);
	assert_true(sel.tag_mismatch);
}

static void crypto_past_max_dropped(void **state)
{
	char body[4096] = "m=audio 4000 RTP/SAVP 0\n";

	(void)state;
	for (int i = 0; i < SDP_MAX_CRYPTO + 3; i++)
		strcat(body, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128
			     "\n");
	assert_int_equal(parse(body), SDP_OK);
	assert_int_equal(session.media[0].crypto_count, SDP_MAX_CRYPTO);
	assert_int_equal(session.media[0].crypto_dropped, 3);
}

static void media_past_max_dropped(void **state)
{
	char body[4096] = "";

	(void)state;
	for (int i = 0; i < SDP_MAX_MEDIA + 2; i++)
		strcat(body, "m=audio 4000 RTP/AVP 0\na=rtcp:x\n");
	assert_int_equal(parse(body), SDP_OK);
	assert_int_equal(session.media_count, SDP_MAX_MEDIA);
	assert_int_equal(session.media_dropped, 2);
	assert_int_equal(session.media_errors, SDP_MAX_MEDIA);
}

/* AQAQAgECAwQ= is 01 00 10 02 01 02 03 04, the start of a MIKEY header. */
static void key_mgmt_session_level(void **state)
{
	static const uint8_t expected[] = { 1, 0, 0x10, 2, 1, 2, 3, 4 };
	uint8_t buf[64];
	size_t n = 0;
	const struct sdp_key_mgmt *km;

	(void)state;
	assert_int_equal(parse("a=key-mgmt:mikey AQAQAgECAwQ=\n"
			       "m=audio 4000 RTP/SAVP 0\n"), SDP_OK);
	km = sdp_media_key_mgmt(&session, &session.media[0]);
	assert_ptr_equal(km, &session.key_mgmt);
	assert_true(slice_is(km->protocol, "mikey"));
	assert_int_equal(sdp_key_mgmt_decode(km, buf, sizeof(buf), &n), SDP_OK);
	assert_int_equal(n, sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void key_mgmt_media_unpadded(void **state)
{
	uint8_t buf[64];
	size_t n = 0;
	const struct sdp_key_mgmt *km;

	(void)state;
	assert_int_equal(parse("a=key-mgmt:mikey AQAQAgECAwQ=\n"
			       "m=audio 4000 RTP/SAVP 0\n"
			       "a=key-mgmt: mikey AQAQAgECAw\n"
			       "a=key-mgmt:mikey AQAQ\n"), SDP_OK);
	km = sdp_media_key_mgmt(&session, &session.media[0]);
	assert_ptr_equal(km, &session.media[0].key_mgmt);
	assert_int_equal(session.media[0].key_mgmt_dropped, 1);
	assert_int_equal(sdp_key_mgmt_decode(km, buf, sizeof(buf), &n), SDP_OK);
	assert_int_equal(n, 7);
	assert_int_equal(buf[6], 3);
}

static void key_mgmt_decode_errors(void **state)
{
	uint8_t buf[4];
	size_t n = 0;
	struct sdp_key_mgmt absent = { 0 };

	(void)state;
	assert_int_equal(parse("a=key-mgmt:mikey AQAQAgECAwQ=\n"), SDP_OK);
	assert_int_equal(sdp_key_mgmt_decode(&session.key_mgmt, buf,
					     sizeof(buf), &n), SDP_ERR_BUFFER);
	assert_int_equal(sdp_key_mgmt_decode(&absent, buf, sizeof(buf), &n),
			 SDP_ERR_KEY_MGMT);
	assert_int_equal(sdp_base64_decode("AQ*Q", 4, buf, sizeof(buf), &n),
			 SDP_ERR_BASE64);
	assert_int_equal(sdp_base64_decode("AQAQA", 5, buf, sizeof(buf), &n),
			 SDP_ERR_BASE64);
	assert_int_equal(sdp_base64_decode("AQA=A", 5, buf, sizeof(buf), &n),
			 SDP_ERR_BASE64);
}

/* Each error stays in its own m-section, and later sections still parse. */
static void section_errors(void **state)
{
	static const struct {
		const char *section;
		enum sdp_error error;
	} cases[] = {
		{ "m=audio\n", SDP_ERR_MEDIA },
		{ "m=audio 70000 RTP/AVP 0\n", SDP_ERR_PORT },
		{ "m=audio 4000/0 RTP/AVP 0\n", SDP_ERR_PORT },
		{ "m=audio 4000 RTP/AVP 0\nc=IN IP4\n", SDP_ERR_CONNECTION },
		{ "m=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.1/x\n",
		  SDP_ERR_CONNECTION },
		{ "m=audio 4000 RTP/AVP 0\na=rtcp:99999\n", SDP_ERR_RTCP },
		{ "m=audio 4000 RTP/AVP 0\na=rtcp:53 IN IP4\n", SDP_ERR_RTCP },
		{ "m=audio 4000 RTP/AVP 0\na=key-mgmt:mikey\n",
		  SDP_ERR_KEY_MGMT },
		{ "m=audio 4000 RTP/AVP 0\nnot a line\n", SDP_ERR_LINE },
	};
	char body[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		snprintf(body, sizeof(body), "v=0\n%sm=video 6000 RTP/AVP 96\n",
			 cases[i].section);
		assert_int_equal(parse(body), SDP_OK);
		assert_int_equal(session.media_count, 2);
		assert_int_equal(session.media[0].error, cases[i].error);
		assert_int_equal(session.media[1].error, SDP_OK);
		assert_int_equal(session.media[1].port, 6000);
		assert_int_equal(session.media_errors, 1);
		assert_int_equal(session.error, SDP_OK);
	}
}

static void session_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("v=0\no=alice 1\nm=audio 1 RTP/AVP 0\n"), SDP_OK);
	assert_int_equal(session.error, SDP_ERR_ORIGIN);
	assert_int_equal(session.error_offset, 4);
	assert_int_equal(session.media[0].error, SDP_OK);
	assert_int_equal(parse("x\nv=0\n"), SDP_OK);
	assert_int_equal(session.error, SDP_ERR_LINE);
	assert_int_equal(parse("c=IN\n"), SDP_OK);
	assert_int_equal(session.error, SDP_ERR_CONNECTION);
}

static void empty_body(void **state)
{
	(void)state;
	assert_int_equal(parse(""), SDP_ERR_EMPTY);
	assert_int_equal(parse("\r\n\r\n"), SDP_ERR_EMPTY);
	assert_int_equal(parse("hello\n"), SDP_ERR_EMPTY);
	assert_int_equal(session.error, SDP_ERR_LINE);
}

static void last_line_without_eol(void **state)
{
	(void)state;
	assert_int_equal(parse("m=audio 4000 RTP/AVP 0\r\na=rtcp-mux"), SDP_OK);
	assert_true(session.media[0].rtcp_mux);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(sdp_error_name(SDP_ERR_PORT), "invalid port");
	assert_string_equal(sdp_error_name(SDP_ERR_BASE64), "invalid base64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv6_connection),
		cmocka_unit_test(ipv4_media_connection),
		cmocka_unit_test(multicast_suffixes),
		cmocka_unit_test(other_addrtype),
		cmocka_unit_test(origin_fields),
		cmocka_unit_test(disabled_stream),
		cmocka_unit_test(empty_format_list),
		cmocka_unit_test(mrcp_before_audio),
		cmocka_unit_test(rtp_protos),
		cmocka_unit_test(port_count),
		cmocka_unit_test(rtcp_mux_and_port),
		cmocka_unit_test(directions),
		cmocka_unit_test(crypto_under_avp),
		cmocka_unit_test(crypto_offer_answer),
		cmocka_unit_test(crypto_past_max_dropped),
		cmocka_unit_test(media_past_max_dropped),
		cmocka_unit_test(key_mgmt_session_level),
		cmocka_unit_test(key_mgmt_media_unpadded),
		cmocka_unit_test(key_mgmt_decode_errors),
		cmocka_unit_test(section_errors),
		cmocka_unit_test(session_errors),
		cmocka_unit_test(empty_body),
		cmocka_unit_test(last_line_without_eol),
		cmocka_unit_test(error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
