/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/record.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>

#include "lib/etsi/etsi.h"
#include "lib/util/log.h"
#include "tools/lemf/cc_pcap.h"
#include "tools/lemf/intercept.h"
#include "tools/lemf/iri_json.h"
#include "tools/lemf/rtp.h"

/* LIID and operator written in keep-alive responses. */
#define RESPONSE_LIID "lime-lemf"
#define RESPONSE_OPERATOR "lime-lemf"

/* Copies a 2-character country code, or "--" when the keep-alive had none,
 * because the response header must carry one. */
static void copy_country(char dst[3], const char src[3])
{
	if (strlen(src) == 2)
		memcpy(dst, src, 3);
	else
		memcpy(dst, "--", 3);
}

static int answer_keepalive(struct server *srv, struct conn *c,
			    const struct etsi_pdu *pdu)
{
	struct etsi_agency agency;
	struct timeval now;
	uint8_t out[ETSI_PDU_OVERHEAD_MAX];
	size_t out_len;

	memset(&agency, 0, sizeof(agency));
	etsi_oids_default(&agency.oids);
	/* Respond with the mediator's domain ID version, which it may check. */
	agency.oids.domain_id = pdu->domain_id;
	copy_country(agency.auth_cc, pdu->auth_cc);
	copy_country(agency.deliv_cc, pdu->deliv_cc);
	memcpy(agency.operator_id, RESPONSE_OPERATOR, sizeof(RESPONSE_OPERATOR));

	gettimeofday(&now, NULL);
	struct etsi_header hdr = {
		.agency = &agency,
		.liid = RESPONSE_LIID,
		.cin = 0,
		.seq = pdu->seq,
		.seconds = (uint64_t)now.tv_sec,
		.microseconds = (uint32_t)now.tv_usec,
	};
	int rc = etsi_encode_keepalive_response(&hdr, out, sizeof(out), &out_len);

	if (rc != ETSI_OK) {
		LOG_ERR("%s: encoding the keep-alive response to sequence number %" PRIu32 " failed: %s",
			c->name, pdu->seq, etsi_status_text(rc));
		return -1;
	}
	if (conn_send(srv, c, out, out_len) != 0)
		return -1;
	lemf_counters.keepalives_answered++;
	LOG_DEBUG("%s: answered keep-alive %" PRIu32, c->name, pdu->seq);
	return 0;
}

/* Logs a gap, late or duplicate sequence number. Returns 1 when the PDU is
 * a duplicate and its outputs must not be written again. */
static int check_sequence(struct conn *c, struct intercept *ic,
			  struct seq_table *t, const char *kind,
			  const struct etsi_pdu *pdu)
{
	enum seq_result result;
	uint64_t expected;

	if (seq_table_check(t, pdu->cin, pdu->seq, &result, &expected) != 0) {
		LOG_ERR("%s: LIID %s: out of memory for sequence checks", c->name, ic->name);
		return 0;
	}
	switch (result) {
	case SEQ_IN_ORDER:
		return 0;
	case SEQ_GAP:
		LOG_WARN("%s: LIID %s CIN %" PRIu32 ": %s sequence gap: expected %" PRIu64 ", received %" PRIu32 " (%" PRIu64 " missing)",
			 c->name, ic->name, pdu->cin, kind, expected, pdu->seq,
			 pdu->seq - expected);
		return 0;
	case SEQ_LATE:
		LOG_WARN("%s: LIID %s CIN %" PRIu32 ": %s sequence number %" PRIu32 " arrived late (expected %" PRIu64 ")",
			 c->name, ic->name, pdu->cin, kind, pdu->seq, expected);
		return 0;
	case SEQ_DUPLICATE:
		/* A reconnecting mediator resends a window of records, so
		 * duplicates can come in bursts: log the first ones only. */
		if (t->stats.duplicates <= 10 ||
		    (t->stats.duplicates & (t->stats.duplicates - 1)) == 0)
			LOG_WARN("%s: LIID %s CIN %" PRIu32 ": duplicate %s sequence number %" PRIu32 " not written (%" PRIu64 " duplicates so far)",
				 c->name, ic->name, pdu->cin, kind, pdu->seq,
				 t->stats.duplicates);
		return 1;
	}
	return 0;
}

static void handle_iri(struct conn *c, const struct etsi_pdu *pdu)
{
	struct intercept *ic = intercept_get(pdu->liid.p, pdu->liid.len);

	if (ic == NULL)
		return;
	if (check_sequence(c, ic, &ic->iri_seq, "IRI", pdu))
		return;

	FILE *f = intercept_iri_file(ic);

	if (f == NULL)
		return;
	if (iri_json_write(f, pdu) != 0) {
		LOG_ERR("%s: LIID %s: writing iri.jsonl failed: %s",
			c->name, ic->name, strerror(errno));
		lemf_counters.output_errors++;
		clearerr(f);
		return;
	}
	ic->iri_records++;
	if (pdu->kind == ETSI_PAYLOAD_ALARM) {
		ic->alarms++;
		LOG_NOTICE("%s: LIID %s CIN %" PRIu32 ": alarm %.*s: %.*s",
			   c->name, ic->name, pdu->cin,
			   (int)pdu->alarm_kind.len, (const char *)pdu->alarm_kind.p,
			   (int)pdu->alarm_reason.len, (const char *)pdu->alarm_reason.p);
	}
}

static void handle_cc(struct conn *c, const struct etsi_pdu *pdu)
{
	struct intercept *ic = intercept_get(pdu->liid.p, pdu->liid.len);

	if (ic == NULL)
		return;
	if (check_sequence(c, ic, &ic->cc_seq, "CC", pdu))
		return;

	FILE *f = intercept_cc_file(ic);

	if (f != NULL) {
		if (cc_pcap_write(f, pdu->seconds, pdu->microseconds,
				  pdu->cc_content.p, pdu->cc_content.len) != 0) {
			LOG_ERR("%s: LIID %s: writing cc.pcap failed: %s",
				c->name, ic->name, strerror(errno));
			lemf_counters.output_errors++;
			clearerr(f);
		} else {
			ic->cc_records++;
		}
	}

	struct rtp_view rtp;

	if (rtp_parse_ip(pdu->cc_content.p, pdu->cc_content.len, &rtp) != 0 ||
	    (rtp.payload_type != RTP_PT_PCMU && rtp.payload_type != RTP_PT_PCMA)) {
		ic->cc_not_rtp++;
		return;
	}
	intercept_add_audio(ic, pdu->cin, (int)pdu->direction, rtp.ssrc,
			    rtp.payload_type, rtp.payload, rtp.payload_len);
}


static bool iri_on_hi3_logged;
static bool cc_on_hi2_logged;

/* Count a record on the wrong interface; log the first of each kind. */
static void note_wrong_interface(const struct conn *c, const char *kind,
				 const char *iface, bool *logged)
{
	lemf_counters.wrong_interface++;
	if (*logged)
		return;
	*logged = true;
	LOG_WARN("%s: %s received on %s; it is recorded all the same, and further %s records on %s are only counted",
		 c->name, kind, iface, kind, iface);
}

int record_handle(struct server *srv, struct conn *c, const uint8_t *buf,
		  size_t len, uint64_t offset)
{
	struct etsi_pdu pdu;
	struct etsi_error err;

	memset(&err, 0, sizeof(err));
	if (etsi_decode(buf, len, &pdu, &err) != ETSI_OK) {
		lemf_counters.decode_errors++;
		LOG_ERR("%s: invalid PS-PDU at stream offset %" PRIu64 " (byte %zu of %zu in the PDU): %s; closing the connection",
			c->name, offset + err.offset, err.offset, len, err.text);
		return -1;
	}
	c->pdus++;

	switch (pdu.kind) {
	case ETSI_PAYLOAD_KEEPALIVE:
		lemf_counters.pdus_keepalive++;
		return answer_keepalive(srv, c, &pdu);
	case ETSI_PAYLOAD_KEEPALIVE_RESPONSE:
		/* lime-lemf never sends keep-alives, so no response is due. */
		lemf_counters.pdus_keepalive_response++;
		LOG_WARN("%s: unexpected keep-alive response, sequence number %" PRIu32,
			 c->name, pdu.seq);
		return 0;
	case ETSI_PAYLOAD_IRI:
	case ETSI_PAYLOAD_ALARM:
		lemf_counters.pdus_iri++;
		if (c->iface != LEMF_HI2)
			note_wrong_interface(c, "IRI", "HI3", &iri_on_hi3_logged);
		handle_iri(c, &pdu);
		return 0;
	case ETSI_PAYLOAD_CC:
		lemf_counters.pdus_cc++;
		if (c->iface != LEMF_HI3)
			note_wrong_interface(c, "CC", "HI2", &cc_on_hi2_logged);
		handle_cc(c, &pdu);
		return 0;
	}
	lemf_counters.pdus_other++;
	LOG_WARN("%s: PS-PDU with payload kind %d ignored", c->name, (int)pdu.kind);
	return 0;
}
