/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/etsi/ber.h"
#include "lib/etsi/etsi.h"

/* 2023-11-14 22:13:20 UTC. */
#define T_SECONDS 1700000000u

static uint8_t buf[70000];
static uint8_t buf2[70000];
static struct etsi_pdu pdu;
static struct etsi_error err;

static void make_agency(struct etsi_agency *ag)
{
	memset(ag, 0, sizeof(*ag));
	etsi_oids_default(&ag->oids);
	strcpy(ag->auth_cc, "DE");
	strcpy(ag->deliv_cc, "DE");
	strcpy(ag->operator_id, "lime");
	strcpy(ag->network_element_id, "ne1");
}

static struct etsi_agency agency;

static struct etsi_header make_header(uint32_t cin, uint32_t seq)
{
	make_agency(&agency);
	return (struct etsi_header) {
		.agency = &agency,
		.liid = "LIID1",
		.cin = cin,
		.seq = seq,
		.seconds = T_SECONDS,
		.microseconds = 123456,
	};
}

static void assert_hex(const uint8_t *got, size_t got_len, const char *hex)
{
	uint8_t expected[512];
	size_t n = 0;

	for (const char *p = hex; *p != '\0';) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(p, "%2x", &v), 1);
		expected[n++] = (uint8_t)v;
		p += 2;
	}
	if (got_len != n || memcmp(got, expected, n) != 0) {
		for (size_t i = 0; i < got_len; i++)
			fprintf(stderr, "%02X%s", got[i],
				(i + 1) % 16 == 0 ? "\n" : " ");
		fprintf(stderr, "\n");
	}
	assert_int_equal(got_len, n);
	assert_memory_equal(got, expected, n);
}

/*
 * PSHeader of the golden PDUs, field by field (content 0x3D = 61 bytes):
 *   A1 3D
 *     80 07 04 00 02 02 05 01 11     li-psDomainId 0.4.0.2.2.5.1.17
 *     81 05 "LIID1"                  lawfulInterceptionIdentifier
 *     82 02 "DE"                     authorizationCountryCode
 *     A3 14                          communicationIdentifier
 *       A0 0B 80 04 "lime" 81 03 "ne1"   networkIdentifier
 *       81 01 <cin>                  communicationIdentityNumber
 *       82 02 "DE"                   deliveryCountryCode
 *     84 01 <seq>                    sequenceNumber
 *     A7 0B 80 04 65 53 F1 00        seconds 1700000000
 *           81 03 01 E2 40           microSeconds 123456
 *     88 01 01                       timeOfInterception
 */
#define HEADER_HEX(cin, seq) \
	"A1 3D 80 07 04 00 02 02 05 01 11 81 05 4C 49 49 44 31 82 02 44 45" \
	" A3 14 A0 0B 80 04 6C 69 6D 65 81 03 6E 65 31 81 01 " cin \
	" 82 02 44 45 84 01 " seq \
	" A7 0B 80 04 65 53 F1 00 81 03 01 E2 40 88 01 01"

static const struct etsi_ip src4 = { .version = 4, .addr = { 192, 0, 2, 1 } };
static const struct etsi_ip dst4 = { .version = 4,
				     .addr = { 198, 51, 100, 2 } };

static void golden_iri_begin(void **state)
{
	struct etsi_header hdr = make_header(7, 0);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_iri_sip(&hdr, ETSI_IRI_BEGIN, &src4, &dst4,
					     (const uint8_t *)"INVITE", 6, buf,
					     sizeof(buf), &len), ETSI_OK);
	assert_hex(buf, len,
		   "30 7E " HEADER_HEX("07", "00")
		   " A2 3D A0 3B 30 39"        /* payload, iRIPayloadSequence */
		   " 80 01 01"                 /* iRIType BEGIN */
		   " A2 34 AB 32"              /* iRIContents, iPMMIRI */
		   " 80 04 05 05 06 01"        /* iPMMIRIObjId */
		   " A1 2A A1 28"              /* iPMMIRIContents, sIPMessage */
		   " A0 0E 81 01 00 A2 06 81 04 C0 00 02 01 83 01 03"
		   " A1 0E 81 01 00 A2 06 81 04 C6 33 64 02 83 01 03"
		   " 82 06 49 4E 56 49 54 45");
}

static const uint8_t packet4[4] = { 0xde, 0xad, 0xbe, 0xef };

static void golden_cc(void **state)
{
	struct etsi_header hdr = make_header(7, 0);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_FROM_TARGET, packet4, 4,
					buf, sizeof(buf), &len), ETSI_OK);
	assert_hex(buf, len,
		   "30 5E " HEADER_HEX("07", "00")
		   " A2 1D A1 1B 30 19"        /* payload, cCPayloadSequence */
		   " 80 01 00"                 /* payloadDirection fromTarget */
		   " A2 14 AC 12"              /* cCContents, iPMMCC */
		   " 80 04 05 05 06 02"        /* iPMMCCObjId */
		   " 81 04 DE AD BE EF"        /* mMCCContents */
		   " 82 01 00 84 01 00");      /* ipFrame, rTP */
}

static void golden_keepalive(void **state)
{
	struct etsi_header hdr = make_header(0, 5);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_OK);
	assert_hex(buf, len,
		   "30 45 " HEADER_HEX("00", "05") " A2 04 A2 02 83 00");
}

static void golden_keepalive_response(void **state)
{
	struct etsi_header hdr = make_header(0, 5);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_keepalive_response(&hdr, buf, sizeof(buf),
							&len), ETSI_OK);
	assert_hex(buf, len,
		   "30 45 " HEADER_HEX("00", "05") " A2 04 A2 02 84 00");
}

static const struct etsi_alarm golden_alarm_value = {
	.kind = "mikey_auth_failed",
	.reason = "bad MAC",
	.call_id = (const uint8_t *)"c1@x",
	.call_id_len = 4,
	.seconds = T_SECONDS,
	.microseconds = 500000,
};

static void golden_alarm(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_alarm(&hdr, &golden_alarm_value, buf,
					   sizeof(buf), &len), ETSI_OK);
	assert_hex(buf, len,
		   "30 81 8D " HEADER_HEX("07", "01")
		   " A2 4C A0 4A 30 48"
		   " 80 01 04"                 /* iRIType REPORT */
		   " A2 43 AB 41 80 04 05 05 06 01"
		   " A1 39 A3 37"              /* nationalIPMMIRIParameters */
		   " 81 02 44 45"              /* countryCode */
		   " 9F 64 11 6D 69 6B 65 79 5F 61 75 74 68 5F 66 61 69 6C 65 64"
		   " 9F 65 07 62 61 64 20 4D 41 43"
		   " 9F 66 04 63 31 40 78"
		   " BF 67 0B 80 04 65 53 F1 00 81 03 07 A1 20");
}

/* Round trips. */

static void assert_header_fields(const struct etsi_pdu *p, uint32_t cin,
				 uint32_t seq)
{
	struct etsi_oids oids;

	etsi_oids_default(&oids);
	assert_true(etsi_oid_equal(&p->domain_id, &oids.domain_id));
	assert_int_equal(p->liid.len, 5);
	assert_memory_equal(p->liid.p, "LIID1", 5);
	assert_string_equal(p->auth_cc, "DE");
	assert_string_equal(p->deliv_cc, "DE");
	assert_int_equal(p->operator_id.len, 4);
	assert_memory_equal(p->operator_id.p, "lime", 4);
	assert_int_equal(p->network_element_id.len, 3);
	assert_true(p->has_cin);
	assert_int_equal(p->cin, cin);
	assert_int_equal(p->seq, seq);
	assert_true(p->has_microsecond_ts);
	assert_int_equal(p->seconds, T_SECONDS);
	assert_int_equal(p->microseconds, 123456);
	assert_int_equal(p->ts_qualifier, 1);
}

static void roundtrip_iri_v4(void **state)
{
	struct etsi_header hdr = make_header(9, 3);
	const char sip[] = "BYE sip:bob@example.net SIP/2.0\r\n\r\n";
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_iri_sip(&hdr, ETSI_IRI_END, &src4, &dst4,
					     (const uint8_t *)sip, strlen(sip),
					     buf, sizeof(buf), &len), ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_header_fields(&pdu, 9, 3);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_IRI);
	assert_int_equal(pdu.iri_type, ETSI_IRI_END);
	assert_true(etsi_oid_equal(&pdu.iri_objid, &agency.oids.ipmm_iri));
	assert_int_equal(pdu.src.version, 4);
	assert_memory_equal(pdu.src.addr, src4.addr, 4);
	assert_int_equal(pdu.dst.version, 4);
	assert_memory_equal(pdu.dst.addr, dst4.addr, 4);
	assert_int_equal(pdu.sip.len, strlen(sip));
	assert_memory_equal(pdu.sip.p, sip, strlen(sip));
}

static void roundtrip_iri_v6_large(void **state)
{
	struct etsi_header hdr = make_header(UINT32_MAX, UINT32_MAX);
	struct etsi_ip a = { .version = 6 };
	struct etsi_ip b = { .version = 6 };
	static uint8_t sip[3000];
	size_t len;

	(void)state;
	for (int i = 0; i < 16; i++) {
		a.addr[i] = (uint8_t)(0x20 + i);
		b.addr[i] = (uint8_t)(0xf0 - i);
	}
	memset(sip, 'x', sizeof(sip));
	assert_int_equal(etsi_encode_iri_sip(&hdr, ETSI_IRI_CONTINUE, &a, &b,
					     sip, sizeof(sip), buf, sizeof(buf),
					     &len), ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_int_equal(pdu.cin, UINT32_MAX);
	assert_int_equal(pdu.seq, UINT32_MAX);
	assert_int_equal(pdu.iri_type, ETSI_IRI_CONTINUE);
	assert_int_equal(pdu.src.version, 6);
	assert_memory_equal(pdu.src.addr, a.addr, 16);
	assert_memory_equal(pdu.dst.addr, b.addr, 16);
	assert_int_equal(pdu.sip.len, sizeof(sip));
}

static void roundtrip_cc_each_direction(void **state)
{
	struct etsi_header hdr = make_header(1, 42);
	static uint8_t packet[1400];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(packet); i++)
		packet[i] = (uint8_t)i;
	for (int dir = 0; dir <= 2; dir++) {
		assert_int_equal(etsi_encode_cc(&hdr, (enum etsi_direction)dir,
						packet, sizeof(packet), buf,
						sizeof(buf), &len), ETSI_OK);
		assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
		assert_header_fields(&pdu, 1, 42);
		assert_int_equal(pdu.kind, ETSI_PAYLOAD_CC);
		assert_int_equal(pdu.direction, dir);
		assert_true(etsi_oid_equal(&pdu.cc_objid, &agency.oids.ipmm_cc));
		assert_int_equal(pdu.frame_type, 0);
		assert_int_equal(pdu.mmcc_protocol, 0);
		assert_int_equal(pdu.cc_content.len, sizeof(packet));
		assert_memory_equal(pdu.cc_content.p, packet, sizeof(packet));
	}
}

static void roundtrip_keepalives(void **state)
{
	struct etsi_header hdr = make_header(0, 77);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_KEEPALIVE);
	assert_int_equal(pdu.cin, 0);
	assert_int_equal(pdu.seq, 77);

	assert_int_equal(etsi_encode_keepalive_response(&hdr, buf, sizeof(buf),
							&len), ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_KEEPALIVE_RESPONSE);
	assert_int_equal(pdu.seq, 77);
}

static void roundtrip_alarm(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_alarm(&hdr, &golden_alarm_value, buf,
					   sizeof(buf), &len), ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_header_fields(&pdu, 7, 1);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_ALARM);
	assert_int_equal(pdu.iri_type, ETSI_IRI_REPORT);
	assert_string_equal(pdu.alarm_country, "DE");
	assert_int_equal(pdu.alarm_kind.len, 17);
	assert_memory_equal(pdu.alarm_kind.p, "mikey_auth_failed", 17);
	assert_int_equal(pdu.alarm_reason.len, 7);
	assert_memory_equal(pdu.alarm_reason.p, "bad MAC", 7);
	assert_int_equal(pdu.alarm_call_id.len, 4);
	assert_memory_equal(pdu.alarm_call_id.p, "c1@x", 4);
	assert_int_equal(pdu.alarm_seconds, T_SECONDS);
	assert_int_equal(pdu.alarm_microseconds, 500000);
}

static void alarm_without_country_or_call_id(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	struct etsi_alarm alarm = golden_alarm_value;
	size_t len;

	(void)state;
	agency.deliv_cc[0] = '\0';
	alarm.call_id = NULL;
	alarm.call_id_len = 0;
	alarm.reason = "";
	assert_int_equal(etsi_encode_alarm(&hdr, &alarm, buf, sizeof(buf), &len),
			 ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_string_equal(pdu.alarm_country, "--");
	assert_string_equal(pdu.deliv_cc, "");
	assert_int_equal(pdu.alarm_call_id.len, 0);
	assert_int_equal(pdu.alarm_reason.len, 0);
}

static void optional_header_fields_omitted(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	size_t len;

	(void)state;
	agency.auth_cc[0] = '\0';
	agency.network_element_id[0] = '\0';
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_string_equal(pdu.auth_cc, "");
	assert_int_equal(pdu.network_element_id.len, 0);
	assert_string_equal(pdu.deliv_cc, "DE");
}

static void encoder_rejects_bad_input(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	size_t len;

	(void)state;
	hdr.liid = "";
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_ERR_INVALID);
	hdr.liid = "12345678901234567890123456";   /* 26 bytes */
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_ERR_INVALID);
	hdr.liid = "LIID1";
	hdr.microseconds = 1000000;
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_ERR_INVALID);
	hdr.microseconds = 0;
	strcpy(agency.auth_cc, "D");
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_ERR_INVALID);
	strcpy(agency.auth_cc, "DE");
	agency.operator_id[0] = '\0';
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_ERR_INVALID);
	strcpy(agency.operator_id, "lime");
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_COMBINED, packet4, 4, buf,
					sizeof(buf), &len), ETSI_ERR_INVALID);
	assert_int_equal(etsi_encode_iri_sip(&hdr, (enum etsi_iri_type)5, &src4,
					     &dst4, packet4, 4, buf, sizeof(buf),
					     &len), ETSI_ERR_INVALID);
}

static void encoder_reports_no_space(void **state)
{
	struct etsi_header hdr = make_header(7, 0);
	size_t len;
	size_t full;

	(void)state;
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, packet4, 4,
					buf, sizeof(buf), &full), ETSI_OK);
	for (size_t cap = 0; cap < full; cap++)
		assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, packet4,
						4, buf, cap, &len),
				 ETSI_ERR_SPACE);
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, packet4, 4,
					buf, full, &len), ETSI_OK);
	assert_int_equal(len, full);
}

/* The largest header and IRI framing fits in ETSI_PDU_OVERHEAD_MAX. */
static void overhead_bound_holds(void **state)
{
	struct etsi_header hdr = make_header(UINT32_MAX, UINT32_MAX);
	struct etsi_ip a = { .version = 6 };
	size_t len;

	(void)state;
	agency.oids.domain_id.count = ETSI_OID_MAX_ARCS;
	agency.oids.ipmm_iri.count = ETSI_OID_MAX_ARCS;
	agency.oids.ipmm_cc.count = ETSI_OID_MAX_ARCS;
	for (int i = 0; i < ETSI_OID_MAX_ARCS; i++) {
		agency.oids.domain_id.arcs[i] = i < 2 ? 2 : UINT32_MAX;
		agency.oids.ipmm_iri.arcs[i] = UINT32_MAX;
		agency.oids.ipmm_cc.arcs[i] = UINT32_MAX;
	}
	strcpy(agency.operator_id, "0123456789abcdef");
	strcpy(agency.network_element_id, "0123456789abcdef");
	hdr.liid = "0123456789012345678901234";
	hdr.seconds = UINT64_MAX;
	hdr.microseconds = 999999;
	assert_int_equal(etsi_encode_iri_sip(&hdr, ETSI_IRI_BEGIN, &a, &a,
					     buf2, 65536, buf, sizeof(buf), &len),
			 ETSI_OK);
	assert_true(len - 65536 <= ETSI_PDU_OVERHEAD_MAX);
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, buf2, 65536,
					buf, sizeof(buf), &len), ETSI_OK);
	assert_true(len - 65536 <= ETSI_PDU_OVERHEAD_MAX);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_int_equal(pdu.seconds, UINT64_MAX);
}

/* CC template. */

static const uint64_t boundary_values[] = {
	0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 8388607,
	8388608, 16777215, 16777216, 2147483647u, 2147483648u, 4294967295u,
};
static const size_t boundary_lengths[] = {
	0, 1, 100, 115, 116, 117, 127, 128, 129, 200, 255, 256, 257, 1400,
	65535, 65536, 65537,
};
#define N_VALUES (sizeof(boundary_values) / sizeof(boundary_values[0]))
#define N_LENGTHS (sizeof(boundary_lengths) / sizeof(boundary_lengths[0]))

static void check_template_once(struct etsi_cc_template *tpl,
				uint32_t seq, uint64_t sec, uint32_t usec,
				const uint8_t *packet, size_t packet_len)
{
	struct etsi_header hdr = {
		.agency = &agency, .liid = "LIID1", .cin = 7, .seq = seq,
		.seconds = sec, .microseconds = usec,
	};
	size_t generic_len;
	size_t template_len;

	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, packet,
					packet_len, buf, sizeof(buf),
					&generic_len), ETSI_OK);
	assert_int_equal(etsi_cc_template_encode(tpl, seq, sec, usec, packet,
						 packet_len, buf2, sizeof(buf2),
						 &template_len), ETSI_OK);
	assert_int_equal(template_len, generic_len);
	assert_memory_equal(buf2, buf, generic_len);
}

static void template_matches_generic(void **state)
{
	static struct etsi_cc_template tpl;
	static uint8_t packet[65537];

	(void)state;
	make_agency(&agency);
	for (size_t i = 0; i < sizeof(packet); i++)
		packet[i] = (uint8_t)(i * 7);
	assert_int_equal(etsi_cc_template_init(&tpl, &agency, "LIID1", 7,
					       ETSI_DIR_TO_TARGET), ETSI_OK);

	/* Every sequence number and seconds boundary, each twice so that
	 * the second call takes the cached path. */
	for (size_t i = 0; i < N_VALUES; i++) {
		for (size_t j = 0; j < N_VALUES; j++) {
			uint32_t usec = (uint32_t)(boundary_values[j] % 1000000);
			check_template_once(&tpl, (uint32_t)boundary_values[i],
					    boundary_values[j], usec, packet, 160);
			check_template_once(&tpl, (uint32_t)boundary_values[i],
					    boundary_values[j], usec ^ 1, packet,
					    160);
		}
	}
	for (size_t k = 0; k < N_LENGTHS; k++) {
		check_template_once(&tpl, 5, T_SECONDS, 1, packet,
				    boundary_lengths[k]);
		check_template_once(&tpl, 6, T_SECONDS, 2, packet + 1,
				    boundary_lengths[k]);
	}
	check_template_once(&tpl, 1, UINT64_MAX, 999999, packet, 20);
	check_template_once(&tpl, 2, UINT64_MAX - 1, 999998, packet, 20);
}

static void template_sequence_run(void **state)
{
	static struct etsi_cc_template tpl;
	uint8_t packet[300];

	(void)state;
	make_agency(&agency);
	assert_int_equal(etsi_cc_template_init(&tpl, &agency, "LIID1", 7,
					       ETSI_DIR_TO_TARGET), ETSI_OK);
	/* A call's worth of packets crossing the 1-, 2- and 3-byte sequence
	 * number boundaries with varying payload sizes. */
	for (uint32_t seq = 0; seq < 70000; seq += 7) {
		size_t n = 160 + (seq % 3) * 50;
		memset(packet, (int)seq, n);
		check_template_once(&tpl, seq, T_SECONDS + seq / 50,
				    (seq * 20000) % 1000000, packet, n);
	}
}

static void template_reports_no_space(void **state)
{
	static struct etsi_cc_template tpl;
	size_t len;
	size_t full;

	(void)state;
	make_agency(&agency);
	assert_int_equal(etsi_cc_template_init(&tpl, &agency, "LIID1", 7,
					       ETSI_DIR_TO_TARGET), ETSI_OK);
	assert_int_equal(etsi_cc_template_encode(&tpl, 1, 2, 3, packet4, 4,
						 buf, sizeof(buf), &full),
			 ETSI_OK);
	assert_int_equal(etsi_cc_template_encode(&tpl, 2, 2, 3, packet4, 4,
						 buf, full - 1, &len),
			 ETSI_ERR_SPACE);
	assert_int_equal(etsi_cc_template_init(&tpl, &agency, "", 7,
					       ETSI_DIR_TO_TARGET),
			 ETSI_ERR_INVALID);
}

/* Decoder rejections. */

static size_t encode_golden_cc(void)
{
	struct etsi_header hdr = make_header(7, 0);
	size_t len;

	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_FROM_TARGET, packet4, 4,
					buf, sizeof(buf), &len), ETSI_OK);
	return len;
}

static void decode_rejects_truncation(void **state)
{
	struct etsi_header hdr = make_header(7, 1);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_alarm(&hdr, &golden_alarm_value, buf,
					   sizeof(buf), &len), ETSI_OK);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(etsi_decode(buf, n, &pdu, &err),
				 ETSI_ERR_DECODE);

	len = encode_golden_cc();
	for (size_t n = 0; n < len; n++)
		assert_int_equal(etsi_decode(buf, n, &pdu, &err),
				 ETSI_ERR_DECODE);
}

static void decode_rejects_trailing_bytes(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	buf[len] = 0x00;
	assert_int_equal(etsi_decode(buf, len + 1, &pdu, &err),
			 ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "trailing"));
	assert_int_equal(err.offset, len);
}

static void decode_rejects_trailing_inside(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	/* Golden CC: 30 5E | A1 3D ... (63 bytes) | A2 1D A1 1B 30 19 ...
	 * Grow the PS-PDU, payload, cCPayloadSequence and CCPayload lengths
	 * by one and append a 00 byte at the end of CCPayload. */
	buf[1] = 0x5F;
	buf[2 + 63 + 1] = 0x1E;
	buf[2 + 63 + 3] = 0x1C;
	buf[2 + 63 + 5] = 0x1A;
	buf[len] = 0x00;
	assert_int_equal(etsi_decode(buf, len + 1, &pdu, &err),
			 ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "CCPayload"));
}

static void decode_rejects_indefinite_length(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	/* Outer SEQUENCE as 30 80 ... 00 00. */
	memmove(buf + 2, buf + 2, len - 2);
	buf[1] = 0x80;
	buf[len] = 0;
	buf[len + 1] = 0;
	assert_int_equal(etsi_decode(buf, len + 2, &pdu, &err),
			 ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "indefinite"));
	size_t pdu_len;
	assert_int_equal(etsi_pdu_length(buf, len + 2, 1 << 20, &pdu_len),
			 ETSI_ERR_DECODE);
}

static void decode_rejects_non_minimal_length(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	/* 30 5E written as 30 81 5E. */
	memmove(buf + 3, buf + 2, len - 2);
	buf[1] = 0x81;
	buf[2] = 0x5E;
	assert_int_equal(etsi_decode(buf, len + 1, &pdu, &err),
			 ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "minimal"));

	/* A length of 200 with a leading zero octet: 82 00 C8. */
	const uint8_t padded[] = { 0x30, 0x82, 0x00, 0xC8 };
	size_t pdu_len;
	assert_int_equal(etsi_pdu_length(padded, sizeof(padded), 1 << 20,
					 &pdu_len), ETSI_ERR_DECODE);
}

static void decode_rejects_non_minimal_integer(void **state)
{
	struct etsi_header hdr = make_header(0, 5);
	size_t len;

	(void)state;
	assert_int_equal(etsi_encode_keepalive(&hdr, buf, sizeof(buf), &len),
			 ETSI_OK);
	/* sequenceNumber 84 01 05 rewritten as 84 02 00 05, with the PS-PDU
	 * and PSHeader lengths grown by one. */
	size_t seq = 46;
	assert_int_equal(buf[seq], 0x84);
	memmove(buf + seq + 3, buf + seq + 2, len - seq - 2);
	buf[seq + 1] = 0x02;
	buf[seq + 2] = 0x00;
	buf[1]++;
	buf[3]++;
	assert_int_equal(etsi_decode(buf, len + 1, &pdu, &err),
			 ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "sequenceNumber"));
	assert_int_equal(err.offset, seq);
}

static void decode_rejects_wrong_tags(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	buf[0] = 0x31;   /* SET instead of SEQUENCE */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_int_equal(err.offset, 0);

	len = encode_golden_cc();
	buf[2] = 0xA3;   /* pSHeader [1] → [3] */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "pSHeader"));
	assert_int_equal(err.offset, 2);

	len = encode_golden_cc();
	buf[4] = 0x81;   /* li-psDomainId [0] → [1]: LIID then repeats */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);

	len = encode_golden_cc();
	buf[2 + 63 + 2] = 0xA5;   /* cCPayloadSequence → unsupported [5] */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "payload"));

	len = encode_golden_cc();
	buf[len - 3] = 0x85;      /* mMCCprotocol [4] → undefined [5] */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "iPMMCC"));
}

static void decode_rejects_bad_values(void **state)
{
	(void)state;
	size_t len = encode_golden_cc();

	/* microSeconds 01 E2 40 → 0F 42 40 (1000000). */
	size_t usec = 59;
	assert_int_equal(buf[usec], 0x01);
	buf[usec] = 0x0F;
	buf[usec + 1] = 0x42;
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "microSeconds"));

	len = encode_golden_cc();
	buf[2 + 63 + 8] = 0x05;   /* payloadDirection 5 */
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_ERR_DECODE);
	assert_non_null(strstr(err.text, "payloadDirection"));
}

static void pdu_length_splits_stream(void **state)
{
	size_t pdu_len;

	(void)state;
	size_t len = encode_golden_cc();
	for (size_t n = 0; n < 2; n++)
		assert_int_equal(etsi_pdu_length(buf, n, 1 << 20, &pdu_len),
				 ETSI_NEED_MORE);
	assert_int_equal(etsi_pdu_length(buf, 2, 1 << 20, &pdu_len), ETSI_OK);
	assert_int_equal(pdu_len, len);
	assert_int_equal(etsi_pdu_length(buf, 2, len - 1, &pdu_len),
			 ETSI_ERR_TOO_LARGE);

	const uint8_t long_form[] = { 0x30, 0x83, 0x01, 0x00, 0x00 };
	for (size_t n = 2; n < sizeof(long_form); n++)
		assert_int_equal(etsi_pdu_length(long_form, n, 1 << 20,
						 &pdu_len), ETSI_NEED_MORE);
	assert_int_equal(etsi_pdu_length(long_form, sizeof(long_form), 1 << 20,
					 &pdu_len), ETSI_OK);
	assert_int_equal(pdu_len, 5 + 65536);
	assert_int_equal(etsi_pdu_length(long_form, sizeof(long_form), 65536,
					 &pdu_len), ETSI_ERR_TOO_LARGE);

	const uint8_t garbage[] = { 'G', 'E', 'T', ' ' };
	assert_int_equal(etsi_pdu_length(garbage, sizeof(garbage), 1 << 20,
					 &pdu_len), ETSI_ERR_DECODE);
	const uint8_t huge[] = { 0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	assert_int_equal(etsi_pdu_length(huge, sizeof(huge), 1 << 20, &pdu_len),
			 ETSI_ERR_DECODE);
}

/* BER primitives. */

static void ber_lengths_minimal(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
		{ 0, "00" }, { 127, "7F" }, { 128, "81 80" }, { 200, "81 C8" },
		{ 255, "81 FF" }, { 256, "82 01 00" }, { 65535, "82 FF FF" },
		{ 65536, "83 01 00 00" }, { 0x80000000u, "84 80 00 00 00" },
	};
	uint8_t out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = ber_encode_length(cases[i].len, out);
		assert_int_equal(n, ber_length_len(cases[i].len));
		assert_hex(out, n, cases[i].hex);

		struct ber_tlv t;
		uint8_t header[16] = { 0x04 };
		memcpy(header + 1, out, n);
		assert_int_equal(ber_parse_header(header, 1 + n, &t), BER_OK);
		assert_int_equal(t.len, cases[i].len);
	}
}

static void ber_integers_minimal(void **state)
{
	static const struct {
		uint64_t value;
		const char *hex;
	} cases[] = {
		{ 0, "00" }, { 127, "7F" }, { 128, "00 80" }, { 255, "00 FF" },
		{ 256, "01 00" }, { 65535, "00 FF FF" }, { 65536, "01 00 00" },
		{ 2147483647u, "7F FF FF FF" },
		{ 2147483648u, "00 80 00 00 00" },
		{ 4294967295u, "00 FF FF FF FF" },
		{ UINT64_MAX, "00 FF FF FF FF FF FF FF FF" },
	};
	uint8_t out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = ber_encode_uint(cases[i].value, out);
		assert_int_equal(n, ber_uint_len(cases[i].value));
		assert_hex(out, n, cases[i].hex);

		struct ber_tlv t = { .value = out, .len = n };
		uint64_t v;
		assert_int_equal(ber_get_uint(&t, UINT64_MAX, &v), BER_OK);
		assert_true(v == cases[i].value);
	}

	assert_int_equal(ber_encode_int(-1, out), 1);
	assert_hex(out, 1, "FF");
	assert_int_equal(ber_encode_int(-128, out), 1);
	assert_hex(out, 1, "80");
	assert_int_equal(ber_encode_int(-129, out), 2);
	assert_hex(out, 2, "FF 7F");
	struct ber_tlv t = { .value = out, .len = 2 };
	int64_t sv;
	assert_int_equal(ber_get_int(&t, &sv), BER_OK);
	assert_int_equal(sv, -129);
}

static void ber_high_tag_numbers(void **state)
{
	uint8_t out[8];
	struct ber_tlv t;

	(void)state;
	assert_int_equal(ber_encode_identifier(BER_CONTEXT, false, 30, out), 1);
	assert_hex(out, 1, "9E");
	assert_int_equal(ber_encode_identifier(BER_CONTEXT, false, 31, out), 2);
	assert_hex(out, 2, "9F 1F");
	assert_int_equal(ber_encode_identifier(BER_CONTEXT, true, 103, out), 2);
	assert_hex(out, 2, "BF 67");
	assert_int_equal(ber_encode_identifier(BER_CONTEXT, false, 128, out), 3);
	assert_hex(out, 3, "9F 81 00");
	assert_int_equal(ber_encode_identifier(BER_CONTEXT, false, 16384, out),
			 4);
	assert_hex(out, 4, "9F 81 80 00");

	const uint8_t ok[] = { 0x9F, 0x81, 0x00, 0x00 };
	assert_int_equal(ber_parse_header(ok, sizeof(ok), &t), BER_OK);
	assert_int_equal(t.tag, 128);
	const uint8_t padded[] = { 0x9F, 0x80, 0x64, 0x00 };
	assert_int_equal(ber_parse_header(padded, sizeof(padded), &t),
			 BER_ERR_TAG);
	const uint8_t low[] = { 0x9F, 0x1E, 0x00 };
	assert_int_equal(ber_parse_header(low, sizeof(low), &t), BER_ERR_TAG);
}

static void ber_depth_bounded(void **state)
{
	uint8_t nested[2 * (BER_MAX_DEPTH + 2)];
	struct ber_reader r[BER_MAX_DEPTH + 3];
	struct ber_tlv t;
	size_t n = BER_MAX_DEPTH + 2;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		nested[2 * i] = 0x30;
		nested[2 * i + 1] = (uint8_t)(2 * (n - 1 - i));
	}
	ber_reader_init(&r[0], nested, 2 * n);
	size_t depth = 0;
	int rc = BER_OK;
	while (rc == BER_OK) {
		if (ber_next(&r[depth], &t) != BER_OK)
			break;
		rc = ber_enter(&r[depth], &t, &r[depth + 1]);
		depth++;
	}
	assert_int_equal(rc, BER_ERR_DEPTH);
	assert_int_equal(depth, BER_MAX_DEPTH + 1);
}

/* OIDs. */

static void oid_parse_and_encode(void **state)
{
	struct etsi_oid oid;
	uint8_t out[64];
	char text[128];
	uint32_t arcs[ETSI_OID_MAX_ARCS];
	size_t count;

	(void)state;
	assert_int_equal(etsi_oid_parse(ETSI_DEFAULT_DOMAIN_ID, false, &oid),
			 ETSI_OK);
	size_t n = ber_encode_oid(oid.arcs, oid.count, false, out, sizeof(out));
	assert_hex(out, n, "04 00 02 02 05 01 11");

	/* Arcs of 128 and above use several base-128 octets. */
	assert_int_equal(etsi_oid_parse("1.2.840.113549.1.1.11", false, &oid),
			 ETSI_OK);
	n = ber_encode_oid(oid.arcs, oid.count, false, out, sizeof(out));
	assert_hex(out, n, "2A 86 48 86 F7 0D 01 01 0B");
	assert_int_equal(etsi_oid_format(&oid, text, sizeof(text)), ETSI_OK);
	assert_string_equal(text, "1.2.840.113549.1.1.11");

	struct ber_tlv t = { .value = out, .len = n };
	assert_int_equal(ber_get_oid(&t, false, arcs, ETSI_OID_MAX_ARCS, &count),
			 BER_OK);
	assert_int_equal(count, 7);
	assert_int_equal(arcs[3], 113549);

	assert_int_equal(etsi_oid_parse("2.999.4294967295", false, &oid),
			 ETSI_OK);
	n = ber_encode_oid(oid.arcs, oid.count, false, out, sizeof(out));
	assert_hex(out, n, "88 37 8F FF FF FF 7F");

	assert_int_equal(etsi_oid_parse("5.5.128.1", true, &oid), ETSI_OK);
	n = ber_encode_oid(oid.arcs, oid.count, true, out, sizeof(out));
	assert_hex(out, n, "05 05 81 00 01");
	t.len = n;
	assert_int_equal(ber_get_oid(&t, true, arcs, ETSI_OID_MAX_ARCS, &count),
			 BER_OK);
	assert_int_equal(count, 4);
	assert_int_equal(arcs[2], 128);
}

static void oid_parse_rejects_invalid(void **state)
{
	static const char *bad_absolute[] = {
		"", "0", "3.1", "0.40", "1.2.", ".1.2", "1..2", "1.2a",
		"1.-2", "1.02", "1.2.4294967296", " 1.2",
		"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
	};
	struct etsi_oid oid;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_absolute) / sizeof(bad_absolute[0]);
	     i++)
		assert_int_equal(etsi_oid_parse(bad_absolute[i], false, &oid),
				 ETSI_ERR_INVALID);
	assert_int_equal(etsi_oid_parse("7", true, &oid), ETSI_OK);
	assert_int_equal(etsi_oid_parse("", true, &oid), ETSI_ERR_INVALID);

	/* Padding octet 0x80 and a truncated last subidentifier. */
	const uint8_t padded[] = { 0x05, 0x80, 0x01 };
	const uint8_t open_end[] = { 0x05, 0x81 };
	uint32_t arcs[ETSI_OID_MAX_ARCS];
	size_t count;
	struct ber_tlv t = { .value = padded, .len = sizeof(padded) };
	assert_int_equal(ber_get_oid(&t, true, arcs, ETSI_OID_MAX_ARCS, &count),
			 BER_ERR_VALUE);
	t.value = open_end;
	t.len = sizeof(open_end);
	assert_int_equal(ber_get_oid(&t, true, arcs, ETSI_OID_MAX_ARCS, &count),
			 BER_ERR_VALUE);
}

static void configured_oids_on_wire(void **state)
{
	struct etsi_header hdr = make_header(7, 0);
	size_t len;

	(void)state;
	assert_int_equal(etsi_oid_parse("0.4.0.2.2.5.1.14", false,
					&agency.oids.domain_id), ETSI_OK);
	assert_int_equal(etsi_oid_parse("5.5.13.2", true, &agency.oids.ipmm_cc),
			 ETSI_OK);
	assert_int_equal(etsi_encode_cc(&hdr, ETSI_DIR_TO_TARGET, packet4, 4,
					buf, sizeof(buf), &len), ETSI_OK);
	assert_int_equal(etsi_decode(buf, len, &pdu, &err), ETSI_OK);
	assert_true(etsi_oid_equal(&pdu.domain_id, &agency.oids.domain_id));
	assert_true(etsi_oid_equal(&pdu.cc_objid, &agency.oids.ipmm_cc));
	assert_int_equal(buf[2 + 2 + 8], 0x0E);   /* last arc 14 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_iri_begin),
		cmocka_unit_test(golden_cc),
		cmocka_unit_test(golden_keepalive),
		cmocka_unit_test(golden_keepalive_response),
		cmocka_unit_test(golden_alarm),
		cmocka_unit_test(roundtrip_iri_v4),
		cmocka_unit_test(roundtrip_iri_v6_large),
		cmocka_unit_test(roundtrip_cc_each_direction),
		cmocka_unit_test(roundtrip_keepalives),
		cmocka_unit_test(roundtrip_alarm),
		cmocka_unit_test(alarm_without_country_or_call_id),
		cmocka_unit_test(optional_header_fields_omitted),
		cmocka_unit_test(encoder_rejects_bad_input),
		cmocka_unit_test(encoder_reports_no_space),
		cmocka_unit_test(overhead_bound_holds),
		cmocka_unit_test(template_matches_generic),
		cmocka_unit_test(template_sequence_run),
		cmocka_unit_test(template_reports_no_space),
		cmocka_unit_test(decode_rejects_truncation),
		cmocka_unit_test(decode_rejects_trailing_bytes),
		cmocka_unit_test(decode_rejects_trailing_inside),
		cmocka_unit_test(decode_rejects_indefinite_length),
		cmocka_unit_test(decode_rejects_non_minimal_length),
		cmocka_unit_test(decode_rejects_non_minimal_integer),
		cmocka_unit_test(decode_rejects_wrong_tags),
		cmocka_unit_test(decode_rejects_bad_values),
		cmocka_unit_test(pdu_length_splits_stream),
		cmocka_unit_test(ber_lengths_minimal),
		cmocka_unit_test(ber_integers_minimal),
		cmocka_unit_test(ber_high_tag_numbers),
		cmocka_unit_test(ber_depth_bounded),
		cmocka_unit_test(oid_parse_and_encode),
		cmocka_unit_test(oid_parse_rejects_invalid),
		cmocka_unit_test(configured_oids_on_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
