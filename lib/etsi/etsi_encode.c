/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PS-PDU encoder. The BER writer fills the buffer from its end, so every
 * function below writes the fields of its structure in reverse order and
 * then wraps them in the structure's own identifier and length.
 */
#include "ber.h"
#include "etsi_internal.h"

#include <string.h>

#define CTX BER_CONTEXT

/* PSHeader field tags (TS 102 232-1). */
enum {
	PSH_DOMAIN_ID = 0,
	PSH_LIID = 1,
	PSH_AUTH_CC = 2,
	PSH_COMM_ID = 3,
	PSH_SEQ = 4,
	PSH_US_TIMESTAMP = 7,
	PSH_TS_QUALIFIER = 8,
};

#define TS_QUALIFIER_TIME_OF_INTERCEPTION 1
#define IP_ASSIGNMENT_NOT_KNOWN 3
#define FRAME_TYPE_IP 0
#define MMCC_PROTOCOL_RTP 0

/* Tags of lime's alarm parameters after the extension marker of
 * NationalIPMMIRIParameters (see etsi.h). */
#define ALARM_TAG_COUNTRY 1
#define ALARM_TAG_KIND 100
#define ALARM_TAG_REASON 101
#define ALARM_TAG_CALL_ID 102
#define ALARM_TAG_CAPTURE_TIME 103

static int status_from_ber(int rc)
{
	if (rc == BER_OK)
		return ETSI_OK;
	return rc == BER_ERR_SPACE ? ETSI_ERR_SPACE : ETSI_ERR_INVALID;
}

/* Input checks. */

static bool printable_cc_valid(const char *cc)
{
	size_t n = strnlen(cc, 3);

	if (n == 0)
		return true;
	if (n != 2)
		return false;
	for (size_t i = 0; i < 2; i++) {
		char c = cc[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

static bool oids_valid(const struct etsi_oids *oids)
{
	const struct etsi_oid *d = &oids->domain_id;

	if (d->count < 2 || d->count > ETSI_OID_MAX_ARCS || d->arcs[0] > 2 ||
	    (d->arcs[0] < 2 && d->arcs[1] >= 40))
		return false;
	return oids->ipmm_iri.count >= 1 &&
	       oids->ipmm_iri.count <= ETSI_OID_MAX_ARCS &&
	       oids->ipmm_cc.count >= 1 &&
	       oids->ipmm_cc.count <= ETSI_OID_MAX_ARCS;
}

static bool agency_valid(const struct etsi_agency *ag)
{
	size_t op = strnlen(ag->operator_id, sizeof(ag->operator_id));
	size_t ne = strnlen(ag->network_element_id,
			    sizeof(ag->network_element_id));

	return oids_valid(&ag->oids) && printable_cc_valid(ag->auth_cc) &&
	       printable_cc_valid(ag->deliv_cc) && op >= 1 &&
	       op <= ETSI_OPERATOR_ID_MAX && ne <= ETSI_NE_ID_MAX;
}

static bool header_valid(const struct etsi_header *hdr)
{
	if (hdr == NULL || hdr->agency == NULL || hdr->liid == NULL)
		return false;
	size_t liid = strnlen(hdr->liid, ETSI_LIID_MAX + 1);
	return liid >= 1 && liid <= ETSI_LIID_MAX &&
	       hdr->microseconds < 1000000 && agency_valid(hdr->agency);
}

/* PSHeader. */

static void put_oid(struct ber_writer *w, uint32_t tag,
		    const struct etsi_oid *oid, bool relative)
{
	ber_put_oid(w, CTX, tag, oid->arcs, oid->count, relative);
}

static void put_string(struct ber_writer *w, uint32_t tag, const char *s)
{
	ber_put_octets(w, CTX, tag, s, strlen(s));
}

static void put_communication_id(struct ber_writer *w,
				 const struct etsi_header *hdr)
{
	const struct etsi_agency *ag = hdr->agency;
	size_t mark = w->used;

	if (ag->deliv_cc[0] != '\0')
		put_string(w, 2, ag->deliv_cc);
	ber_put_uint(w, CTX, 1, hdr->cin);

	size_t network_mark = w->used;
	if (ag->network_element_id[0] != '\0')
		put_string(w, 1, ag->network_element_id);
	put_string(w, 0, ag->operator_id);
	ber_wrap(w, CTX, true, 0, network_mark);

	ber_wrap(w, CTX, true, PSH_COMM_ID, mark);
}

/* Offsets from the END of the writer's buffer, so callers can turn them
 * into offsets in the finished PDU. */
struct tail_offsets {
	size_t seq, sec, usec;
};

static void put_uint_at(struct ber_writer *w, uint32_t tag, uint64_t value,
			size_t *from_end)
{
	size_t before = w->used;

	ber_put_uint(w, CTX, tag, value);
	*from_end = before + ber_uint_len(value);
}

static void put_ps_header(struct ber_writer *w, const struct etsi_header *hdr,
			  struct tail_offsets *tail)
{
	const struct etsi_agency *ag = hdr->agency;
	size_t mark = w->used;

	ber_put_uint(w, CTX, PSH_TS_QUALIFIER,
		     TS_QUALIFIER_TIME_OF_INTERCEPTION);

	size_t ts_mark = w->used;
	put_uint_at(w, 1, hdr->microseconds, &tail->usec);
	put_uint_at(w, 0, hdr->seconds, &tail->sec);
	ber_wrap(w, CTX, true, PSH_US_TIMESTAMP, ts_mark);

	put_uint_at(w, PSH_SEQ, hdr->seq, &tail->seq);
	put_communication_id(w, hdr);
	if (ag->auth_cc[0] != '\0')
		put_string(w, PSH_AUTH_CC, ag->auth_cc);
	put_string(w, PSH_LIID, hdr->liid);
	put_oid(w, PSH_DOMAIN_ID, &ag->oids.domain_id, false);

	ber_wrap(w, CTX, true, 1, mark);
}

/* Wraps the payload written since payload_mark, prepends the PSHeader and
 * the outer SEQUENCE, and moves the PDU to the start of the buffer. */
static int finish_pdu(struct ber_writer *w, const struct etsi_header *hdr,
		      size_t payload_mark, struct tail_offsets *tail,
		      size_t *out_len)
{
	ber_wrap(w, CTX, true, 2, payload_mark);   /* payload [2] */
	put_ps_header(w, hdr, tail);
	ber_wrap(w, BER_UNIVERSAL, true, BER_TAG_SEQUENCE, 0);
	return status_from_ber(ber_writer_finish(w, out_len));
}

/* IRI. */

static bool ip_valid(const struct etsi_ip *ip)
{
	return ip != NULL && (ip->version == 4 || ip->version == 6);
}

static void put_ip_address(struct ber_writer *w, uint32_t tag,
			   const struct etsi_ip *ip)
{
	size_t mark = w->used;

	ber_put_uint(w, CTX, 3, IP_ASSIGNMENT_NOT_KNOWN);

	/* iP-value is a CHOICE, so its tag [2] is explicit around
	 * iPBinaryAddress [1]. */
	size_t value_mark = w->used;
	ber_put_octets(w, CTX, 1, ip->addr, ip->version == 4 ? 4 : 16);
	ber_wrap(w, CTX, true, 2, value_mark);

	ber_put_uint(w, CTX, 1, ip->version == 4 ? 0 : 1);
	ber_wrap(w, CTX, true, tag, mark);
}

/* Writes IRIPayload { iRIType, iRIContents [2] { iPMMIRI [11] { objid,
 * iPMMIRIContents [1] { <contents written by the caller> } } } } around
 * the bytes written since contents_mark, then iRIPayloadSequence [0]. */
static void wrap_iri_payload(struct ber_writer *w,
			     const struct etsi_header *hdr,
			     enum etsi_iri_type type, size_t ipmmiri_mark,
			     size_t payload_mark)
{
	ber_wrap(w, CTX, true, 1, ipmmiri_mark);   /* iPMMIRIContents */
	put_oid(w, 0, &hdr->agency->oids.ipmm_iri, true);
	ber_wrap(w, CTX, true, 11, ipmmiri_mark);  /* iPMMIRI */
	ber_wrap(w, CTX, true, 2, ipmmiri_mark);   /* iRIContents */
	ber_put_uint(w, CTX, 0, (uint64_t)type);
	ber_wrap(w, BER_UNIVERSAL, true, BER_TAG_SEQUENCE, payload_mark);
	ber_wrap(w, CTX, true, 0, payload_mark);   /* iRIPayloadSequence */
}

int etsi_encode_iri_sip(const struct etsi_header *hdr, enum etsi_iri_type type,
			const struct etsi_ip *src, const struct etsi_ip *dst,
			const uint8_t *sip, size_t sip_len,
			uint8_t *out, size_t cap, size_t *out_len)
{
	struct ber_writer w;
	struct tail_offsets tail;

	if (!header_valid(hdr) || type < ETSI_IRI_BEGIN ||
	    type > ETSI_IRI_REPORT || !ip_valid(src) || !ip_valid(dst) ||
	    (sip == NULL && sip_len > 0))
		return ETSI_ERR_INVALID;

	ber_writer_init(&w, out, cap);
	size_t mark = w.used;

	ber_put_octets(&w, CTX, 2, sip, sip_len);   /* sIPContent */
	put_ip_address(&w, 1, dst);
	put_ip_address(&w, 0, src);
	ber_wrap(&w, CTX, true, 1, mark);           /* sIPMessage */

	wrap_iri_payload(&w, hdr, type, mark, mark);
	return finish_pdu(&w, hdr, mark, &tail, out_len);
}

/* Alarm as IRI-REPORT. */

static void put_alarm_parameters(struct ber_writer *w,
				 const struct etsi_header *hdr,
				 const struct etsi_alarm *alarm)
{
	const char *country = hdr->agency->deliv_cc[0] != '\0'
			      ? hdr->agency->deliv_cc : "--";
	size_t mark = w->used;

	size_t ts_mark = w->used;
	ber_put_uint(w, CTX, 1, alarm->microseconds);
	ber_put_uint(w, CTX, 0, alarm->seconds);
	ber_wrap(w, CTX, true, ALARM_TAG_CAPTURE_TIME, ts_mark);

	if (alarm->call_id_len > 0)
		ber_put_octets(w, CTX, ALARM_TAG_CALL_ID, alarm->call_id,
			       alarm->call_id_len);
	put_string(w, ALARM_TAG_REASON, alarm->reason);
	put_string(w, ALARM_TAG_KIND, alarm->kind);
	put_string(w, ALARM_TAG_COUNTRY, country);

	ber_wrap(w, CTX, true, 3, mark);   /* nationalIPMMIRIParameters */
}

int etsi_encode_alarm(const struct etsi_header *hdr,
		      const struct etsi_alarm *alarm,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	struct ber_writer w;
	struct tail_offsets tail;

	if (!header_valid(hdr) || alarm == NULL || alarm->kind == NULL ||
	    alarm->kind[0] == '\0' || alarm->reason == NULL ||
	    (alarm->call_id == NULL && alarm->call_id_len > 0) ||
	    alarm->microseconds >= 1000000)
		return ETSI_ERR_INVALID;

	ber_writer_init(&w, out, cap);
	size_t mark = w.used;

	put_alarm_parameters(&w, hdr, alarm);
	wrap_iri_payload(&w, hdr, ETSI_IRI_REPORT, mark, mark);
	return finish_pdu(&w, hdr, mark, &tail, out_len);
}

/* CC. */

int etsi_encode_cc_layout(const struct etsi_header *hdr,
			  enum etsi_direction dir,
			  const uint8_t *packet, size_t packet_len,
			  uint8_t *out, size_t cap, size_t *out_len,
			  struct etsi_cc_layout *layout)
{
	struct ber_writer w;
	struct tail_offsets tail;

	if (!header_valid(hdr) || dir < ETSI_DIR_FROM_TARGET ||
	    dir > ETSI_DIR_INDETERMINATE || (packet == NULL && packet_len > 0))
		return ETSI_ERR_INVALID;

	ber_writer_init(&w, out, cap);
	size_t mark = w.used;

	ber_put_uint(&w, CTX, 4, MMCC_PROTOCOL_RTP);   /* mMCCprotocol */
	ber_put_uint(&w, CTX, 2, FRAME_TYPE_IP);       /* frameType */
	size_t packet_from_end = w.used + packet_len;
	ber_put_octets(&w, CTX, 1, packet, packet_len); /* mMCCContents */
	put_oid(&w, 0, &hdr->agency->oids.ipmm_cc, true);
	ber_wrap(&w, CTX, true, 12, mark);             /* iPMMCC */
	ber_wrap(&w, CTX, true, 2, mark);              /* cCContents */
	ber_put_uint(&w, CTX, 0, (uint64_t)dir);       /* payloadDirection */
	ber_wrap(&w, BER_UNIVERSAL, true, BER_TAG_SEQUENCE, mark);
	ber_wrap(&w, CTX, true, 1, mark);              /* cCPayloadSequence */

	int rc = finish_pdu(&w, hdr, mark, &tail, out_len);
	if (rc != ETSI_OK || layout == NULL)
		return rc;

	size_t total = *out_len;
	layout->seq_off = total - tail.seq;
	layout->seq_len = ber_uint_len(hdr->seq);
	layout->sec_off = total - tail.sec;
	layout->sec_len = ber_uint_len(hdr->seconds);
	layout->usec_off = total - tail.usec;
	layout->usec_len = ber_uint_len(hdr->microseconds);
	layout->packet_off = total - packet_from_end;
	return ETSI_OK;
}

int etsi_encode_cc(const struct etsi_header *hdr, enum etsi_direction dir,
		   const uint8_t *packet, size_t packet_len,
		   uint8_t *out, size_t cap, size_t *out_len)
{
	return etsi_encode_cc_layout(hdr, dir, packet, packet_len, out, cap,
				     out_len, NULL);
}

/* TRI. */

static int encode_tri(const struct etsi_header *hdr, uint32_t choice,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	struct ber_writer w;
	struct tail_offsets tail;

	if (!header_valid(hdr))
		return ETSI_ERR_INVALID;

	ber_writer_init(&w, out, cap);
	ber_put_null(&w, CTX, choice);
	ber_wrap(&w, CTX, true, 2, 0);   /* tRIPayload */
	return finish_pdu(&w, hdr, 0, &tail, out_len);
}

int etsi_encode_keepalive(const struct etsi_header *hdr,
			  uint8_t *out, size_t cap, size_t *out_len)
{
	return encode_tri(hdr, 3, out, cap, out_len);
}

int etsi_encode_keepalive_response(const struct etsi_header *hdr,
				   uint8_t *out, size_t cap, size_t *out_len)
{
	return encode_tri(hdr, 4, out, cap, out_len);
}
