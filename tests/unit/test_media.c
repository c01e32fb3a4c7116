/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of media correlation: the flows one SDP offer/answer pair
 * gives, including the SDP shapes that broke other taps (IPv6 media under
 * IPv4 signalling, disabled or invalid m-sections, non-RTP m-sections
 * first, port counts, renumbered crypto tags, a=crypto under RTP/AVP).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "control/media.h"

static struct sdp_session offer, answer;
static struct media_crypto_table offer_crypto, answer_crypto;
static struct media_pairing pairing;

static void pair(const char *offer_text, const char *answer_text)
{
	assert_int_equal(sdp_parse(offer_text, strlen(offer_text), &offer), SDP_OK);
	assert_int_equal(sdp_parse(answer_text, strlen(answer_text), &answer), SDP_OK);
	media_pair(&offer, &answer, &offer_crypto, &answer_crypto, &pairing);
}

/* The flow to addr:port, or NULL. */
static const struct media_flow *flow_to(const char *addr, uint16_t port)
{
	uint8_t ip[16] = {0};
	int family = strchr(addr, ':') != NULL ? 6 : 4;

	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, addr, ip), 1);
	for (unsigned i = 0; i < pairing.count; i++) {
		const struct media_flow *f = &pairing.flows[i];
		if (f->dest.family == family && f->dest.port == port &&
		    memcmp(f->dest.addr, ip, family == 4 ? 4 : 16) == 0)
			return f;
	}
	return NULL;
}

#define K128 "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"
#define K128B "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xd"

static void plain_call_gives_four_flows(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 RTP/AVP 0\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\n");

	assert_int_equal(pairing.count, 4);
	const struct media_flow *rtp = flow_to("198.51.100.2", 50000);
	assert_non_null(rtp);
	assert_int_equal(rtp->kind, MEDIA_FLOW_RTP);
	assert_true(rtp->to_answerer);
	assert_int_equal(rtp->keying, MEDIA_KEYS_NONE);
	const struct media_flow *rtcp = flow_to("198.51.100.2", 50001);
	assert_non_null(rtcp);
	assert_int_equal(rtcp->kind, MEDIA_FLOW_RTCP);
	assert_non_null(flow_to("192.0.2.1", 40000));
	assert_false(flow_to("192.0.2.1", 40000)->to_answerer);
	assert_non_null(flow_to("192.0.2.1", 40001));
}

static void ipv6_media_in_ipv4_signalling(void **state)
{
	(void)state;
	pair("v=0\no=- 1 1 IN IP4 192.0.2.1\nc=IN IP6 2001:db8::10\n"
	     "m=audio 40000 RTP/AVP 0\na=rtcp:40009 IN IP6 2001:db8::11\n",
	     "v=0\nc=IN IP6 2001:db8::20\nm=audio 50000 RTP/AVP 0\n");

	assert_non_null(flow_to("2001:db8::10", 40000));
	assert_non_null(flow_to("2001:db8::11", 40009));
	assert_non_null(flow_to("2001:db8::20", 50000));
	assert_int_equal(flow_to("2001:db8::20", 50000)->dest.family, 6);
}

static void rtcp_mux_needs_both_sides(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 RTP/AVP 0\na=rtcp-mux\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\na=rtcp-mux\n");
	assert_int_equal(pairing.count, 2);
	assert_int_equal(flow_to("192.0.2.1", 40000)->kind, MEDIA_FLOW_RTP_RTCP);

	/* An answer without a=rtcp-mux declines it (RFC 5761). */
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 RTP/AVP 0\na=rtcp-mux\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\n");
	assert_int_equal(pairing.count, 4);
}

static void disabled_and_invalid_sections_skipped(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 43712 RTP/AVP 0\n"
	     "m=video 0 RTP/AVP 255\nm=audio 0 RTP/AVP\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 53712 RTP/AVP 0\n"
	     "m=video 0 RTP/AVP 255\nm=audio 0 RTP/AVP\n");
	assert_int_equal(pairing.count, 4);
	assert_non_null(flow_to("192.0.2.1", 43712));

	/* A section with an unreadable port does not hide the next one. */
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio x RTP/AVP 0\nm=audio 40002 RTP/AVP 0\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\nm=audio 50002 RTP/AVP 0\n");
	assert_int_equal(pairing.sections_invalid, 1);
	assert_int_equal(pairing.count, 4);
	assert_int_equal(flow_to("192.0.2.1", 40002)->m_index, 1);
}

static void sections_paired_by_position(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=application 9 TCP/MRCPv2 1\n"
	     "m=audio 16140 RTP/AVP 0 8 101\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=application 9 TCP/MRCPv2 1\n"
	     "m=audio 26140 RTP/AVP 0\n");

	assert_int_equal(pairing.count, 4);
	assert_null(flow_to("192.0.2.1", 9));
	assert_int_equal(flow_to("192.0.2.1", 16140)->m_index, 1);
	assert_int_equal(flow_to("198.51.100.2", 26140)->m_index, 1);
}

static void port_count_rtcp_next_port(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40314/2 RTP/AVP 0 101\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50314 RTP/AVP 0\n");

	assert_int_equal(flow_to("192.0.2.1", 40314)->kind, MEDIA_FLOW_RTP);
	assert_int_equal(flow_to("192.0.2.1", 40315)->kind, MEDIA_FLOW_RTCP);
}

static void renumbered_tag_pairs_by_suite(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 RTP/SAVP 0\n"
	     "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K128 "\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/SAVP 0\n"
	     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128B "\n");

	assert_int_equal(pairing.crypto_tag_mismatch, 1);
	const struct media_flow *to_answerer = flow_to("198.51.100.2", 50000);
	const struct media_flow *to_offerer = flow_to("192.0.2.1", 40000);
	assert_int_equal(to_answerer->keying, MEDIA_KEYS_SDES);
	/* Each direction is keyed by its sender's own a=crypto. */
	const struct sdes_crypto *sent_by_offerer =
		&offer_crypto.entry[0][to_answerer->crypto_index];
	const struct sdes_crypto *sent_by_answerer =
		&answer_crypto.entry[0][to_offerer->crypto_index];
	assert_int_equal(sent_by_offerer->tag, 7);
	assert_int_equal(sent_by_answerer->tag, 1);
	assert_int_equal(sent_by_offerer->keys[0].key_salt[0], 0x10);
	assert_int_equal(sent_by_answerer->keys[0].key_salt[0], 0x40);
	media_crypto_table_wipe(&offer_crypto);
	media_crypto_table_wipe(&answer_crypto);
}

static void crypto_under_rtp_avp_is_sdes(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 64718 RTP/AVP 9 0 8 101\n"
	     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\n"
	     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128B "\n");
	assert_int_equal(flow_to("192.0.2.1", 64718)->keying, MEDIA_KEYS_SDES);
	media_crypto_table_wipe(&offer_crypto);
	media_crypto_table_wipe(&answer_crypto);
}

static void unpaired_crypto_keys_unknown(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 RTP/SAVP 0\n"
	     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K128 "\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/SAVP 0\n"
	     "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" K128B "\n");
	assert_int_equal(flow_to("192.0.2.1", 40000)->keying, MEDIA_KEYS_UNKNOWN);
	assert_int_equal(pairing.crypto_unpaired, 1);

	/* SAVP with keys outside the SDP, such as DTLS-SRTP. */
	pair("v=0\nc=IN IP4 192.0.2.1\nm=audio 40000 UDP/TLS/RTP/SAVP 0\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 UDP/TLS/RTP/SAVP 0\n");
	assert_int_equal(flow_to("192.0.2.1", 40000)->keying, MEDIA_KEYS_UNKNOWN);
	media_crypto_table_wipe(&offer_crypto);
	media_crypto_table_wipe(&answer_crypto);
}

static void mikey_on_both_sides(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 192.0.2.1\na=key-mgmt:mikey AQAFAP8=\nm=audio 40000 RTP/SAVP 0\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/SAVP 0\na=key-mgmt:mikey AQAFAP8=\n");
	assert_int_equal(flow_to("192.0.2.1", 40000)->keying, MEDIA_KEYS_MIKEY);
	assert_int_equal(flow_to("198.51.100.2", 50000)->keying, MEDIA_KEYS_MIKEY);
}

static void hold_address_gives_no_flow(void **state)
{
	(void)state;
	pair("v=0\nc=IN IP4 0.0.0.0\nm=audio 40000 RTP/AVP 0\na=sendonly\n",
	     "v=0\nc=IN IP4 198.51.100.2\nm=audio 50000 RTP/AVP 0\na=recvonly\n");
	assert_int_equal(pairing.count, 2);
	assert_non_null(flow_to("198.51.100.2", 50000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_call_gives_four_flows),
		cmocka_unit_test(ipv6_media_in_ipv4_signalling),
		cmocka_unit_test(rtcp_mux_needs_both_sides),
		cmocka_unit_test(disabled_and_invalid_sections_skipped),
		cmocka_unit_test(sections_paired_by_position),
		cmocka_unit_test(port_count_rtcp_next_port),
		cmocka_unit_test(renumbered_tag_pairs_by_suite),
		cmocka_unit_test(crypto_under_rtp_avp_is_sdes),
		cmocka_unit_test(unpaired_crypto_keys_unknown),
		cmocka_unit_test(mikey_on_both_sides),
		cmocka_unit_test(hold_address_gives_no_flow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
