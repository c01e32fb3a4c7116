/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes sample PS-PDUs for the independent BER check.
 *
 * Usage: etsi_samples DIR
 *
 * Each case becomes DIR/<case>.ber, and DIR/cases.json lists every case
 * with the values that were encoded into it (byte strings as hex), so
 * that tests/etsi/ber_check.py can decode the PDUs without lib/etsi and
 * compare field by field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/etsi/etsi.h"

static uint8_t pdu_buf[70000 + ETSI_PDU_OVERHEAD_MAX];
static uint8_t content[65536];

struct sample {
	const char *name;
	enum etsi_payload_kind kind;
	struct etsi_header hdr;
	int iri_type;
	struct etsi_ip src, dst;
	enum etsi_direction dir;
	const uint8_t *data;        /* SIP message or IP packet */
	size_t data_len;
	const struct etsi_alarm *alarm;
	bool use_template;
};

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

/* Writes a JSON string; the sample texts are plain ASCII. */
static void put_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_oid(FILE *f, const struct etsi_oid *oid)
{
	char text[256];

	if (etsi_oid_format(oid, text, sizeof(text)) != ETSI_OK)
		text[0] = '\0';
	put_text(f, text);
}

static void put_ip(FILE *f, const struct etsi_ip *ip)
{
	put_hex(f, ip->addr, ip->version == 4 ? 4 : 16);
}

static const char *kind_name(enum etsi_payload_kind kind)
{
	switch (kind) {
	case ETSI_PAYLOAD_IRI: return "iri";
	case ETSI_PAYLOAD_ALARM: return "alarm";
	case ETSI_PAYLOAD_CC: return "cc";
	case ETSI_PAYLOAD_KEEPALIVE: return "keepalive";
	case ETSI_PAYLOAD_KEEPALIVE_RESPONSE: return "keepalive_response";
	}
	return "unknown";
}

static void write_header_json(FILE *f, const struct etsi_header *h)
{
	const struct etsi_agency *ag = h->agency;

	fprintf(f, "\"liid\": ");
	put_text(f, h->liid);
	fprintf(f, ", \"auth_cc\": ");
	put_text(f, ag->auth_cc);
	fprintf(f, ", \"deliv_cc\": ");
	put_text(f, ag->deliv_cc);
	fprintf(f, ", \"operator\": ");
	put_text(f, ag->operator_id);
	fprintf(f, ", \"network_element\": ");
	put_text(f, ag->network_element_id);
	fprintf(f, ", \"cin\": %u, \"seq\": %u, \"seconds\": %llu, "
		"\"microseconds\": %u, \"domain_id\": ", (unsigned)h->cin,
		(unsigned)h->seq, (unsigned long long)h->seconds,
		(unsigned)h->microseconds);
	put_oid(f, &ag->oids.domain_id);
}

static void write_payload_json(FILE *f, const struct sample *s)
{
	const struct etsi_oids *oids = &s->hdr.agency->oids;

	if (s->kind == ETSI_PAYLOAD_IRI) {
		fprintf(f, ", \"iri_type\": %d, \"objid\": ", s->iri_type);
		put_oid(f, &oids->ipmm_iri);
		fprintf(f, ", \"src\": ");
		put_ip(f, &s->src);
		fprintf(f, ", \"dst\": ");
		put_ip(f, &s->dst);
		fprintf(f, ", \"sip\": ");
		put_hex(f, s->data, s->data_len);
	} else if (s->kind == ETSI_PAYLOAD_CC) {
		fprintf(f, ", \"direction\": %d, \"objid\": ", (int)s->dir);
		put_oid(f, &oids->ipmm_cc);
		fprintf(f, ", \"content\": ");
		put_hex(f, s->data, s->data_len);
	} else if (s->kind == ETSI_PAYLOAD_ALARM) {
		const struct etsi_alarm *a = s->alarm;
		const char *country = s->hdr.agency->deliv_cc[0] != '\0'
				      ? s->hdr.agency->deliv_cc : "--";
		fprintf(f, ", \"iri_type\": 4, \"objid\": ");
		put_oid(f, &oids->ipmm_iri);
		fprintf(f, ", \"country\": ");
		put_text(f, country);
		fprintf(f, ", \"alarm_kind\": ");
		put_text(f, a->kind);
		fprintf(f, ", \"alarm_reason\": ");
		put_text(f, a->reason);
		fprintf(f, ", \"call_id\": ");
		put_hex(f, a->call_id, a->call_id_len);
		fprintf(f, ", \"alarm_seconds\": %llu, \"alarm_microseconds\": %u",
			(unsigned long long)a->seconds, (unsigned)a->microseconds);
	}
}

static int encode_sample(const struct sample *s, size_t *len)
{
	static struct etsi_cc_template tpl;
	const struct etsi_header *h = &s->hdr;

	switch (s->kind) {
	case ETSI_PAYLOAD_IRI:
		return etsi_encode_iri_sip(h, (enum etsi_iri_type)s->iri_type,
					   &s->src, &s->dst, s->data,
					   s->data_len, pdu_buf,
					   sizeof(pdu_buf), len);
	case ETSI_PAYLOAD_ALARM:
		return etsi_encode_alarm(h, s->alarm, pdu_buf, sizeof(pdu_buf),
					 len);
	case ETSI_PAYLOAD_CC:
		if (!s->use_template)
			return etsi_encode_cc(h, s->dir, s->data, s->data_len,
					      pdu_buf, sizeof(pdu_buf), len);
		int rc = etsi_cc_template_init(&tpl, h->agency, h->liid,
					       h->cin, s->dir);
		/* The first call builds the template, the second patches
		 * it, and only the second PDU is written. */
		if (rc == ETSI_OK)
			rc = etsi_cc_template_encode(&tpl, h->seq - 1,
						     h->seconds,
						     h->microseconds, s->data,
						     s->data_len, pdu_buf,
						     sizeof(pdu_buf), len);
		if (rc == ETSI_OK)
			rc = etsi_cc_template_encode(&tpl, h->seq, h->seconds,
						     h->microseconds, s->data,
						     s->data_len, pdu_buf,
						     sizeof(pdu_buf), len);
		return rc;
	case ETSI_PAYLOAD_KEEPALIVE:
		return etsi_encode_keepalive(h, pdu_buf, sizeof(pdu_buf), len);
	case ETSI_PAYLOAD_KEEPALIVE_RESPONSE:
		return etsi_encode_keepalive_response(h, pdu_buf,
						      sizeof(pdu_buf), len);
	}
	return ETSI_ERR_INVALID;
}

static int write_sample(const char *dir, FILE *json, const struct sample *s,
			bool first)
{
	char path[4096];
	size_t len;

	int rc = encode_sample(s, &len);
	if (rc != ETSI_OK) {
		fprintf(stderr, "etsi_samples: encoding case %s failed: %s\n",
			s->name, etsi_status_text(rc));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.ber", dir, s->name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(pdu_buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "etsi_samples: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}

	fprintf(json, "%s\n  {\"name\": ", first ? "" : ",");
	put_text(json, s->name);
	fprintf(json, ", \"kind\": \"%s\", ", kind_name(s->kind));
	write_header_json(json, &s->hdr);
	write_payload_json(json, s);
	fprintf(json, "}");
	return 0;
}

static struct etsi_agency agency_full;
static struct etsi_agency agency_minimal;
static struct etsi_agency agency_custom_oids;

static void init_agencies(void)
{
	etsi_oids_default(&agency_full.oids);
	strcpy(agency_full.auth_cc, "NL");
	strcpy(agency_full.deliv_cc, "NL");
	strcpy(agency_full.operator_id, "lime-operator");
	strcpy(agency_full.network_element_id, "lime-node-1");

	etsi_oids_default(&agency_minimal.oids);
	strcpy(agency_minimal.operator_id, "op");

	agency_custom_oids = agency_full;
	etsi_oid_parse("0.4.0.2.2.5.1.32", false,
		       &agency_custom_oids.oids.domain_id);
	etsi_oid_parse("5.5.200.1", true, &agency_custom_oids.oids.ipmm_iri);
	etsi_oid_parse("5.5.200.2", true, &agency_custom_oids.oids.ipmm_cc);
}

static const char sip_invite[] =
	"INVITE sip:bob@example.net SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"Content-Length: 0\r\n\r\n";

static const struct etsi_alarm alarm_full = {
	.kind = "mikey_auth_failed",
	.reason = "MAC in the MIKEY message does not verify",
	.call_id = (const uint8_t *)"a84b4c76e66710@pc33.example.com",
	.call_id_len = 31,
	.seconds = 1700000123,
	.microseconds = 999999,
};

static const struct etsi_alarm alarm_bare = {
	.kind = "ticket_expired",
	.reason = "",
	.seconds = 0,
	.microseconds = 0,
};

#define HDR(ag, l, c, s, sec, us) \
	{ .agency = (ag), .liid = (l), .cin = (c), .seq = (s), \
	  .seconds = (sec), .microseconds = (us) }

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: etsi_samples DIR\n");
		return 2;
	}
	init_agencies();
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 31 + 7);

	const struct etsi_ip v4a = { 4, { 192, 0, 2, 1 } };
	const struct etsi_ip v4b = { 4, { 203, 0, 113, 250 } };
	const struct etsi_ip v6a = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	const struct etsi_ip v6b = { 6, { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff,
					  [15] = 0xfe } };
	const uint8_t *sip = (const uint8_t *)sip_invite;
	size_t sip_len = strlen(sip_invite);

	const struct sample samples[] = {
		{ "iri_begin_v4", ETSI_PAYLOAD_IRI,
		  HDR(&agency_full, "LIID-A", 1, 0, 1700000000, 1), 1, v4a, v4b,
		  0, sip, sip_len, NULL, false },
		{ "iri_continue_v6", ETSI_PAYLOAD_IRI,
		  HDR(&agency_full, "LIID-A", 1, 128, 1700000001, 500000), 3,
		  v6a, v6b, 0, sip, sip_len, NULL, false },
		{ "iri_end_max_values", ETSI_PAYLOAD_IRI,
		  HDR(&agency_minimal, "0123456789012345678901234", 4294967295u,
		      4294967295u, 4294967295u, 999999), 2, v4b, v6a, 0,
		  content, 1000, NULL, false },
		{ "iri_report_custom_oids", ETSI_PAYLOAD_IRI,
		  HDR(&agency_custom_oids, "X", 2147483648u, 2147483647u,
		      2147483648u, 0), 4, v4a, v4a, 0, sip, 0, NULL, false },
		{ "cc_from_target", ETSI_PAYLOAD_CC,
		  HDR(&agency_full, "LIID-A", 1, 0, 1700000000, 20000), 0, v4a,
		  v4a, ETSI_DIR_FROM_TARGET, content, 200, NULL, false },
		{ "cc_to_target_127", ETSI_PAYLOAD_CC,
		  HDR(&agency_full, "LIID-A", 1, 255, 1700000000, 40000), 0,
		  v4a, v4a, ETSI_DIR_TO_TARGET, content, 127, NULL, false },
		{ "cc_indeterminate_65536", ETSI_PAYLOAD_CC,
		  HDR(&agency_minimal, "LIID-B", 9, 65536, 1700000000, 60000),
		  0, v4a, v4a, ETSI_DIR_INDETERMINATE, content, 65536, NULL,
		  false },
		{ "cc_template_256", ETSI_PAYLOAD_CC,
		  HDR(&agency_full, "LIID-A", 1, 256, 1700000002, 80000), 0,
		  v4a, v4a, ETSI_DIR_TO_TARGET, content, 256, NULL, true },
		{ "cc_custom_oids_empty", ETSI_PAYLOAD_CC,
		  HDR(&agency_custom_oids, "LIID-C", 3, 7, 0, 0), 0, v4a, v4a,
		  ETSI_DIR_FROM_TARGET, content, 0, NULL, false },
		{ "keepalive", ETSI_PAYLOAD_KEEPALIVE,
		  HDR(&agency_full, "lime", 0, 41, 1700000003, 3), 0, v4a, v4a,
		  0, NULL, 0, NULL, false },
		{ "keepalive_response", ETSI_PAYLOAD_KEEPALIVE_RESPONSE,
		  HDR(&agency_minimal, "none", 0, 41, 1700000003, 4), 0, v4a,
		  v4a, 0, NULL, 0, NULL, false },
		{ "alarm_full", ETSI_PAYLOAD_ALARM,
		  HDR(&agency_full, "LIID-A", 1, 5, 1700000123, 999999), 4, v4a,
		  v4a, 0, NULL, 0, &alarm_full, false },
		{ "alarm_no_country", ETSI_PAYLOAD_ALARM,
		  HDR(&agency_minimal, "LIID-B", 10, 0, 1, 1), 4, v4a, v4a, 0,
		  NULL, 0, &alarm_bare, false },
	};

	char path[4096];
	snprintf(path, sizeof(path), "%s/cases.json", argv[1]);
	FILE *json = fopen(path, "w");
	if (json == NULL) {
		fprintf(stderr, "etsi_samples: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	fprintf(json, "[");
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		if (write_sample(argv[1], json, &samples[i], i == 0) != 0) {
			fclose(json);
			return 1;
		}
	}
	fprintf(json, "\n]\n");
	return fclose(json) == 0 ? 0 : 1;
}
