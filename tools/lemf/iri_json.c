/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/iri_json.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static const char *iri_type_name(enum etsi_iri_type t)
{
	switch (t) {
	case ETSI_IRI_BEGIN:
		return "BEGIN";
	case ETSI_IRI_END:
		return "END";
	case ETSI_IRI_CONTINUE:
		return "CONTINUE";
	case ETSI_IRI_REPORT:
		return "REPORT";
	}
	return "UNKNOWN";
}

/* Returns the length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_sequence_len(const uint8_t *p, size_t n)
{
	size_t len;
	uint32_t min;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;

	uint32_t cp = p[0] & (0x7f >> len);

	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void write_json_bytes(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t len = utf8_sequence_len(p + i, n - i);

		if (len == 0) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		if (len > 1) {
			fwrite(p + i, 1, len, f);
			i += len;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

static void write_time(FILE *f, const char *key, uint64_t seconds,
		       uint32_t microseconds)
{
	struct tm tm;
	time_t t = (time_t)seconds;

	if (gmtime_r(&t, &tm) == NULL) {
		fprintf(f, "\"%s\":null", key);
		return;
	}
	fprintf(f, "\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06" PRIu32 "Z\"",
		key, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, microseconds);
}

static void write_address(FILE *f, const char *key, const struct etsi_ip *ip)
{
	char text[INET6_ADDRSTRLEN];
	int family = ip->version == 6 ? AF_INET6 : AF_INET;

	if ((ip->version != 4 && ip->version != 6) ||
	    inet_ntop(family, ip->addr, text, sizeof(text)) == NULL) {
		fprintf(f, ",\"%s\":null", key);
		return;
	}
	fprintf(f, ",\"%s\":\"%s\"", key, text);
}

int iri_json_write(FILE *f, const struct etsi_pdu *pdu)
{
	fprintf(f, "{\"type\":\"%s\",\"liid\":", iri_type_name(pdu->iri_type));
	write_json_bytes(f, pdu->liid.p, pdu->liid.len);
	if (pdu->has_cin)
		fprintf(f, ",\"cin\":%" PRIu32, pdu->cin);
	else
		fputs(",\"cin\":null", f);
	fprintf(f, ",\"seq\":%" PRIu32 ",", pdu->seq);
	if (pdu->has_microsecond_ts) {
		write_time(f, "time", pdu->seconds, pdu->microseconds);
		fprintf(f, ",\"seconds\":%" PRIu64 ",\"microseconds\":%" PRIu32,
			pdu->seconds, pdu->microseconds);
	} else {
		fputs("\"time\":null,\"seconds\":null,\"microseconds\":null", f);
	}

	if (pdu->kind == ETSI_PAYLOAD_ALARM) {
		fputs(",\"alarm\":{\"kind\":", f);
		write_json_bytes(f, pdu->alarm_kind.p, pdu->alarm_kind.len);
		fputs(",\"reason\":", f);
		write_json_bytes(f, pdu->alarm_reason.p, pdu->alarm_reason.len);
		fputs(",\"call_id\":", f);
		write_json_bytes(f, pdu->alarm_call_id.p, pdu->alarm_call_id.len);
		fputs(",\"country\":", f);
		write_json_bytes(f, (const uint8_t *)pdu->alarm_country,
				 strnlen(pdu->alarm_country, sizeof(pdu->alarm_country)));
		fputc(',', f);
		write_time(f, "time", pdu->alarm_seconds, pdu->alarm_microseconds);
		fprintf(f, ",\"seconds\":%" PRIu64 ",\"microseconds\":%" PRIu32 "}",
			pdu->alarm_seconds, pdu->alarm_microseconds);
	} else {
		write_address(f, "src", &pdu->src);
		write_address(f, "dst", &pdu->dst);
		fputs(",\"sip\":", f);
		write_json_bytes(f, pdu->sip.p, pdu->sip.len);
	}
	fputs("}\n", f);
	if (ferror(f))
		return -1;
	return fflush(f) == 0 ? 0 : -1;
}
