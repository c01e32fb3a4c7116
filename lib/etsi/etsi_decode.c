/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict PS-PDU decoder for the structures that etsi_encode.c writes.
 *
 * Each SEQUENCE is read field by field. Fields must be context-tagged and
 * in increasing tag order. Known OPTIONAL fields that lime does not use are
 * skipped. Anything else is an error that names the field and the offset
 * of its identifier octet.
 */
#include "ber.h"
#include "etsi.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CTX BER_CONTEXT

struct decoder {
	struct etsi_pdu *pdu;
	struct etsi_error *err;
};

static int fail(struct decoder *d, size_t offset, const char *fmt, ...)
{
	if (d->err != NULL) {
		char detail[ETSI_ERROR_MAX - 32];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
		d->err->offset = offset;
		snprintf(d->err->text, sizeof(d->err->text), "%s at offset %zu",
			 detail, offset);
	}
	return ETSI_ERR_DECODE;
}

static int fail_ber(struct decoder *d, const struct ber_reader *r, int rc,
		    const char *field)
{
	return fail(d, r->pos, "%s: %s", field, ber_status_text(rc));
}

/* Reads the next field of a SEQUENCE with context-tagged fields in
 * increasing order. Returns BER_OK, BER_END, or ETSI_ERR_DECODE. */
static int next_field(struct decoder *d, struct ber_reader *r,
		      struct ber_tlv *t, int64_t *last_tag, const char *seq)
{
	int rc = ber_next(r, t);

	if (rc == BER_END)
		return BER_END;
	if (rc != BER_OK)
		return fail_ber(d, r, rc, seq);
	if (t->cls != CTX)
		return fail(d, t->offset, "%s: field is not context-tagged", seq);
	if ((int64_t)t->tag <= *last_tag)
		return fail(d, t->offset, "%s: field [%u] repeated or out of order",
			    seq, (unsigned)t->tag);
	*last_tag = t->tag;
	return BER_OK;
}

static int enter(struct decoder *d, const struct ber_reader *parent,
		 const struct ber_tlv *t, struct ber_reader *child,
		 const char *field)
{
	int rc = ber_enter(parent, t, child);

	if (rc == BER_ERR_VALUE)
		return fail(d, t->offset, "%s: expected a constructed value",
			    field);
	if (rc != BER_OK)
		return fail(d, t->offset, "%s: %s", field, ber_status_text(rc));
	return ETSI_OK;
}

/* Reads the only TLV inside an explicit tag or a single-element SEQUENCE
 * OF, which must fill the container exactly. */
static int single_child(struct decoder *d, const struct ber_reader *parent,
			const struct ber_tlv *outer, struct ber_reader *inner,
			struct ber_tlv *t, const char *field)
{
	if (enter(d, parent, outer, inner, field) != ETSI_OK)
		return ETSI_ERR_DECODE;
	int rc = ber_next(inner, t);
	if (rc == BER_END)
		return fail(d, outer->offset, "%s: empty", field);
	if (rc != BER_OK)
		return fail_ber(d, inner, rc, field);
	if (!ber_at_end(inner))
		return fail(d, inner->pos, "%s: unexpected extra element",
			    field);
	return ETSI_OK;
}

static int get_uint(struct decoder *d, const struct ber_tlv *t, uint64_t max,
		    uint64_t *v, const char *field)
{
	if (ber_get_uint(t, max, v) != BER_OK)
		return fail(d, t->offset,
			    "%s: not a minimal INTEGER in 0..%llu", field,
			    (unsigned long long)max);
	return ETSI_OK;
}

static int get_u32(struct decoder *d, const struct ber_tlv *t, uint32_t *v,
		   const char *field)
{
	uint64_t value;

	if (get_uint(d, t, UINT32_MAX, &value, field) != ETSI_OK)
		return ETSI_ERR_DECODE;
	*v = (uint32_t)value;
	return ETSI_OK;
}

static int get_enum(struct decoder *d, const struct ber_tlv *t, uint64_t max,
		    int *v, const char *field)
{
	uint64_t value;

	if (get_uint(d, t, max, &value, field) != ETSI_OK)
		return ETSI_ERR_DECODE;
	*v = (int)value;
	return ETSI_OK;
}

static int get_bytes(struct decoder *d, const struct ber_tlv *t,
		     size_t min, size_t max, struct etsi_bytes *out,
		     const char *field)
{
	if (t->constructed)
		return fail(d, t->offset, "%s: constructed string not allowed",
			    field);
	if (t->len < min || t->len > max)
		return fail(d, t->offset, "%s: length %zu not in %zu..%zu",
			    field, t->len, min, max);
	out->p = t->len > 0 ? t->value : NULL;
	out->len = t->len;
	return ETSI_OK;
}

static bool printable_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || strchr(" '()+,-./:=?", c) != NULL;
}

static int get_country(struct decoder *d, const struct ber_tlv *t,
		       char out[3], const char *field)
{
	struct etsi_bytes b = {0};

	if (get_bytes(d, t, 2, 2, &b, field) != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (!printable_char(b.p[0]) || !printable_char(b.p[1]))
		return fail(d, t->offset, "%s: not a PrintableString", field);
	out[0] = (char)b.p[0];
	out[1] = (char)b.p[1];
	out[2] = '\0';
	return ETSI_OK;
}

static int get_oid(struct decoder *d, const struct ber_tlv *t, bool relative,
		   struct etsi_oid *oid, const char *field)
{
	size_t count;

	if (ber_get_oid(t, relative, oid->arcs, ETSI_OID_MAX_ARCS, &count) !=
	    BER_OK)
		return fail(d, t->offset, "%s: invalid %s", field,
			    relative ? "RELATIVE-OID" : "OBJECT IDENTIFIER");
	oid->count = (uint8_t)count;
	return ETSI_OK;
}

static int missing(struct decoder *d, const struct ber_reader *r,
		   const char *field)
{
	return fail(d, r->end, "%s: missing", field);
}

static int unexpected(struct decoder *d, const struct ber_tlv *t,
		      const char *seq)
{
	return fail(d, t->offset, "%s: unexpected field [%u]", seq,
		    (unsigned)t->tag);
}

/* MicroSecondTimeStamp ::= SEQUENCE { seconds [0], microSeconds [1] } */
static int decode_us_timestamp(struct decoder *d, const struct ber_reader *p,
			       const struct ber_tlv *outer, uint64_t *seconds,
			       uint32_t *microseconds, const char *name)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	int rc;

	if (enter(d, p, outer, &r, name) != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, name)) == BER_OK) {
		uint64_t v;
		if (t.tag == 0) {
			if (get_uint(d, &t, UINT64_MAX, seconds,
				     "seconds") != ETSI_OK)
				return ETSI_ERR_DECODE;
		} else if (t.tag == 1) {
			if (get_uint(d, &t, 999999, &v, "microSeconds") != ETSI_OK)
				return ETSI_ERR_DECODE;
			*microseconds = (uint32_t)v;
		} else {
			return unexpected(d, &t, name);
		}
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (last != 1)
		return missing(d, &r, last < 0 ? "seconds" : "microSeconds");
	return ETSI_OK;
}

/* NetworkIdentifier ::= SEQUENCE { operatorIdentifier [0],
 * networkElementIdentifier [1] OPTIONAL } */
static int decode_network_id(struct decoder *d, const struct ber_reader *p,
			     const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	bool has_operator = false;
	int rc;

	if (enter(d, p, outer, &r, "networkIdentifier") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "networkIdentifier")) ==
	       BER_OK) {
		if (t.tag == 0) {
			if (get_bytes(d, &t, 1, ETSI_OPERATOR_ID_MAX,
				      &d->pdu->operator_id,
				      "operatorIdentifier") != ETSI_OK)
				return ETSI_ERR_DECODE;
			has_operator = true;
		} else if (t.tag == 1) {
			if (get_bytes(d, &t, 1, ETSI_NE_ID_MAX,
				      &d->pdu->network_element_id,
				      "networkElementIdentifier") != ETSI_OK)
				return ETSI_ERR_DECODE;
		} else {
			return unexpected(d, &t, "networkIdentifier");
		}
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	return has_operator ? ETSI_OK : missing(d, &r, "operatorIdentifier");
}

/* CommunicationIdentifier ::= SEQUENCE { networkIdentifier [0],
 * communicationIdentityNumber [1] OPTIONAL, deliveryCountryCode [2]
 * OPTIONAL } */
static int decode_comm_id(struct decoder *d, const struct ber_reader *p,
			  const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	bool has_network = false;
	int rc;

	if (enter(d, p, outer, &r, "communicationIdentifier") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "communicationIdentifier")) ==
	       BER_OK) {
		if (t.tag == 0) {
			rc = decode_network_id(d, &r, &t);
			has_network = true;
		} else if (t.tag == 1) {
			rc = get_u32(d, &t, &d->pdu->cin,
				     "communicationIdentityNumber");
			d->pdu->has_cin = true;
		} else if (t.tag == 2) {
			rc = get_country(d, &t, d->pdu->deliv_cc,
					 "deliveryCountryCode");
		} else {
			return unexpected(d, &t, "communicationIdentifier");
		}
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	return has_network ? ETSI_OK : missing(d, &r, "networkIdentifier");
}

static int decode_ps_header_field(struct decoder *d, const struct ber_reader *r,
				  const struct ber_tlv *t)
{
	struct etsi_pdu *pdu = d->pdu;
	struct etsi_bytes skipped;

	switch (t->tag) {
	case 0:
		return get_oid(d, t, false, &pdu->domain_id, "li-psDomainId");
	case 1:
		return get_bytes(d, t, 1, ETSI_LIID_MAX, &pdu->liid,
				 "lawfulInterceptionIdentifier");
	case 2:
		return get_country(d, t, pdu->auth_cc,
				   "authorizationCountryCode");
	case 3:
		return decode_comm_id(d, r, t);
	case 4:
		return get_u32(d, t, &pdu->seq, "sequenceNumber");
	case 5:
		return get_bytes(d, t, 1, 64, &pdu->generalized_time,
				 "timeStamp");
	case 6:
		return get_bytes(d, t, 1, 8, &skipped, "interceptionPointID");
	case 7:
		pdu->has_microsecond_ts = true;
		return decode_us_timestamp(d, r, t, &pdu->seconds,
					   &pdu->microseconds,
					   "microSecondTimeStamp");
	case 8:
		return get_enum(d, t, 3, &pdu->ts_qualifier,
				"timeStampQualifier");
	default:
		return unexpected(d, t, "PSHeader");
	}
}

static int decode_ps_header(struct decoder *d, const struct ber_reader *p,
			    const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	uint32_t seen = 0;
	int rc;

	if (enter(d, p, outer, &r, "pSHeader") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "PSHeader")) == BER_OK) {
		if (decode_ps_header_field(d, &r, &t) != ETSI_OK)
			return ETSI_ERR_DECODE;
		seen |= 1u << t.tag;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (!(seen & (1u << 0)))
		return missing(d, &r, "li-psDomainId");
	if (!(seen & (1u << 1)))
		return missing(d, &r, "lawfulInterceptionIdentifier");
	if (!(seen & (1u << 3)))
		return missing(d, &r, "communicationIdentifier");
	if (!(seen & (1u << 4)))
		return missing(d, &r, "sequenceNumber");
	return ETSI_OK;
}

/* IPAddress ::= SEQUENCE { iP-type [1], iP-value [2] (explicit CHOICE),
 * iP-assignment [3] OPTIONAL, iPv6PrefixLength [4] OPTIONAL,
 * iPv4SubnetMask [5] OPTIONAL } */
static int decode_ip_value(struct decoder *d, const struct ber_reader *p,
			   const struct ber_tlv *outer, struct etsi_ip *ip,
			   struct etsi_bytes *binary)
{
	struct ber_reader r;
	struct ber_tlv t;

	(void)ip;
	if (single_child(d, p, outer, &r, &t, "iP-value") != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (t.cls != CTX || t.tag != 1)
		return fail(d, t.offset,
			    "iP-value: only iPBinaryAddress [1] is supported");
	return get_bytes(d, &t, 4, 16, binary, "iPBinaryAddress");
}

static int decode_ip_address(struct decoder *d, const struct ber_reader *p,
			     const struct ber_tlv *outer, struct etsi_ip *ip,
			     const char *name)
{
	struct ber_reader r;
	struct ber_tlv t;
	struct etsi_bytes binary = { NULL, 0 };
	struct etsi_bytes mask;
	int64_t last = -1;
	int type = -1;
	int value;
	int rc;

	if (enter(d, p, outer, &r, name) != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, name)) == BER_OK) {
		if (t.tag == 1)
			rc = get_enum(d, &t, 1, &type, "iP-type");
		else if (t.tag == 2)
			rc = decode_ip_value(d, &r, &t, ip, &binary);
		else if (t.tag == 3)
			rc = get_enum(d, &t, 3, &value, "iP-assignment");
		else if (t.tag == 4)
			rc = get_enum(d, &t, 128, &value, "iPv6PrefixLength");
		else if (t.tag == 5)
			rc = get_bytes(d, &t, 4, 4, &mask, "iPv4SubnetMask");
		else
			return unexpected(d, &t, name);
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (type < 0)
		return missing(d, &r, "iP-type");
	if (binary.len == 0)
		return missing(d, &r, "iP-value");

	size_t expected = type == 0 ? 4 : 16;
	if (binary.len != expected)
		return fail(d, outer->offset,
			    "%s: iPBinaryAddress has %zu bytes, iP-type needs %zu",
			    name, binary.len, expected);
	memset(ip, 0, sizeof(*ip));
	ip->version = type == 0 ? 4 : 6;
	memcpy(ip->addr, binary.p, binary.len);
	return ETSI_OK;
}

/* SIPMessage ::= SEQUENCE { iPSourceAddress [0], iPDestinationAddress [1],
 * sIPContent [2] } */
static int decode_sip_message(struct decoder *d, const struct ber_reader *p,
			      const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	int rc;

	if (enter(d, p, outer, &r, "sIPMessage") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "sIPMessage")) == BER_OK) {
		if (t.tag == 0)
			rc = decode_ip_address(d, &r, &t, &d->pdu->src,
					       "iPSourceAddress");
		else if (t.tag == 1)
			rc = decode_ip_address(d, &r, &t, &d->pdu->dst,
					       "iPDestinationAddress");
		else if (t.tag == 2)
			rc = get_bytes(d, &t, 0, SIZE_MAX, &d->pdu->sip,
				       "sIPContent");
		else
			return unexpected(d, &t, "sIPMessage");
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (last != 2)
		return missing(d, &r, last < 0 ? "iPSourceAddress" :
				      last < 1 ? "iPDestinationAddress" :
						 "sIPContent");
	d->pdu->kind = ETSI_PAYLOAD_IRI;
	return ETSI_OK;
}

static int decode_alarm_field(struct decoder *d, const struct ber_reader *r,
			      const struct ber_tlv *t)
{
	struct etsi_pdu *pdu = d->pdu;

	switch (t->tag) {
	case 1:
		return get_country(d, t, pdu->alarm_country, "countryCode");
	case 100:
		return get_bytes(d, t, 1, SIZE_MAX, &pdu->alarm_kind,
				 "alarmKind");
	case 101:
		return get_bytes(d, t, 0, SIZE_MAX, &pdu->alarm_reason,
				 "alarmReason");
	case 102:
		return get_bytes(d, t, 1, SIZE_MAX, &pdu->alarm_call_id,
				 "sipCallID");
	case 103:
		return decode_us_timestamp(d, r, t, &pdu->alarm_seconds,
					   &pdu->alarm_microseconds,
					   "captureTime");
	default:
		return unexpected(d, t, "nationalIPMMIRIParameters");
	}
}

/* lime's alarm inside NationalIPMMIRIParameters; the layout is in etsi.h. */
static int decode_alarm(struct decoder *d, const struct ber_reader *p,
			const struct ber_tlv *outer)
{
	const char *name = "nationalIPMMIRIParameters";
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	bool has_kind = false, has_reason = false, has_time = false;
	int rc;

	if (enter(d, p, outer, &r, name) != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, name)) == BER_OK) {
		if (decode_alarm_field(d, &r, &t) != ETSI_OK)
			return ETSI_ERR_DECODE;
		has_kind |= t.tag == 100;
		has_reason |= t.tag == 101;
		has_time |= t.tag == 103;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (d->pdu->alarm_country[0] == '\0')
		return missing(d, &r, "countryCode");
	if (!has_kind)
		return missing(d, &r, "alarmKind");
	if (!has_reason)
		return missing(d, &r, "alarmReason");
	if (!has_time)
		return missing(d, &r, "captureTime");
	d->pdu->kind = ETSI_PAYLOAD_ALARM;
	return ETSI_OK;
}

/* iPMMIRIContents is a CHOICE, so its tag [1] is explicit. */
static int decode_ipmmiri_contents(struct decoder *d,
				   const struct ber_reader *p,
				   const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;

	if (single_child(d, p, outer, &r, &t, "iPMMIRIContents") != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (t.cls == CTX && t.tag == 1)
		return decode_sip_message(d, &r, &t);
	if (t.cls == CTX && t.tag == 3)
		return decode_alarm(d, &r, &t);
	return fail(d, t.offset,
		    "iPMMIRIContents: unsupported choice [%u]; expected "
		    "sIPMessage [1] or nationalIPMMIRIParameters [3]",
		    (unsigned)t.tag);
}

/* IPMMIRI ::= SEQUENCE { iPMMIRIObjId [0], iPMMIRIContents [1],
 * targetLocation [2] OPTIONAL, additionalSignalling [3] OPTIONAL } */
static int decode_ipmmiri(struct decoder *d, const struct ber_reader *p,
			  const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;
	int64_t last = -1;
	bool has_objid = false, has_contents = false;
	int rc;

	if (enter(d, p, outer, &r, "iPMMIRI") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "iPMMIRI")) == BER_OK) {
		if (t.tag == 0) {
			rc = get_oid(d, &t, true, &d->pdu->iri_objid,
				     "iPMMIRIObjId");
			has_objid = true;
		} else if (t.tag == 1) {
			rc = decode_ipmmiri_contents(d, &r, &t);
			has_contents = true;
		} else if (t.tag > 3) {
			return unexpected(d, &t, "iPMMIRI");
		}
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (!has_objid)
		return missing(d, &r, "iPMMIRIObjId");
	return has_contents ? ETSI_OK : missing(d, &r, "iPMMIRIContents");
}

/* IRIPayload ::= SEQUENCE { iRIType [0], timeStamp [1] OPTIONAL,
 * iRIContents [2] (explicit CHOICE), microSecondTimeStamp [3],
 * timeStampQualifier [4], sessionDirection [5], payloadDirection [6],
 * all OPTIONAL after [2] } */
static int decode_iri_payload(struct decoder *d, const struct ber_reader *p,
			      const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_reader inner;
	struct ber_tlv t;
	struct ber_tlv choice;
	int64_t last = -1;
	int type = 0;
	bool has_contents = false;
	int rc;

	if (enter(d, p, outer, &r, "IRIPayload") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "IRIPayload")) == BER_OK) {
		if (t.tag == 0) {
			rc = get_enum(d, &t, 4, &type, "iRIType");
			if (rc == ETSI_OK && type < 1)
				return fail(d, t.offset, "iRIType: 0 is not a "
					    "valid IRIType");
		} else if (t.tag == 2) {
			rc = single_child(d, &r, &t, &inner, &choice,
					  "iRIContents");
			if (rc == ETSI_OK && (choice.cls != CTX ||
					      choice.tag != 11))
				return fail(d, choice.offset, "iRIContents: "
					    "only iPMMIRI [11] is supported");
			if (rc == ETSI_OK)
				rc = decode_ipmmiri(d, &inner, &choice);
			has_contents = true;
		} else if (t.tag > 6) {
			return unexpected(d, &t, "IRIPayload");
		}
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (type == 0)
		return missing(d, &r, "iRIType");
	if (!has_contents)
		return missing(d, &r, "iRIContents");
	d->pdu->iri_type = (enum etsi_iri_type)type;
	return ETSI_OK;
}

/* IPMMCC ::= SEQUENCE { iPMMCCObjId [0], mMCCContents [1], frameType [2],
 * streamIdentifier [3] OPTIONAL, mMCCprotocol [4] OPTIONAL } */
static int decode_ipmmcc(struct decoder *d, const struct ber_reader *p,
			 const struct ber_tlv *outer)
{
	struct etsi_pdu *pdu = d->pdu;
	struct ber_reader r;
	struct ber_tlv t;
	struct etsi_bytes stream_id;
	int64_t last = -1;
	bool has_objid = false, has_contents = false;
	int rc;

	if (enter(d, p, outer, &r, "iPMMCC") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "iPMMCC")) == BER_OK) {
		if (t.tag == 0) {
			rc = get_oid(d, &t, true, &pdu->cc_objid, "iPMMCCObjId");
			has_objid = true;
		} else if (t.tag == 1) {
			rc = get_bytes(d, &t, 0, SIZE_MAX, &pdu->cc_content,
				       "mMCCContents");
			has_contents = true;
		} else if (t.tag == 2) {
			rc = get_enum(d, &t, 7, &pdu->frame_type, "frameType");
		} else if (t.tag == 3) {
			rc = get_bytes(d, &t, 0, SIZE_MAX, &stream_id,
				       "streamIdentifier");
		} else if (t.tag == 4) {
			rc = get_enum(d, &t, 2, &pdu->mmcc_protocol,
				      "mMCCprotocol");
		} else {
			return unexpected(d, &t, "iPMMCC");
		}
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (!has_objid)
		return missing(d, &r, "iPMMCCObjId");
	return has_contents ? ETSI_OK : missing(d, &r, "mMCCContents");
}

/* CCPayload ::= SEQUENCE { payloadDirection [0], timeStamp [1] OPTIONAL,
 * cCContents [2] (explicit CHOICE), microSecondTimeStamp [3] OPTIONAL,
 * timeStampQualifier [4] OPTIONAL } */
static int decode_cc_payload(struct decoder *d, const struct ber_reader *p,
			     const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_reader inner;
	struct ber_tlv t;
	struct ber_tlv choice;
	int64_t last = -1;
	int dir = -1;
	bool has_contents = false;
	int rc;

	if (enter(d, p, outer, &r, "CCPayload") != ETSI_OK)
		return ETSI_ERR_DECODE;
	while ((rc = next_field(d, &r, &t, &last, "CCPayload")) == BER_OK) {
		if (t.tag == 0) {
			rc = get_enum(d, &t, 4, &dir, "payloadDirection");
		} else if (t.tag == 2) {
			rc = single_child(d, &r, &t, &inner, &choice,
					  "cCContents");
			if (rc == ETSI_OK && (choice.cls != CTX ||
					      choice.tag != 12))
				return fail(d, choice.offset, "cCContents: "
					    "only iPMMCC [12] is supported");
			if (rc == ETSI_OK)
				rc = decode_ipmmcc(d, &inner, &choice);
			has_contents = true;
		} else if (t.tag > 4) {
			return unexpected(d, &t, "CCPayload");
		}
		if (rc != ETSI_OK)
			return ETSI_ERR_DECODE;
	}
	if (rc != BER_END)
		return ETSI_ERR_DECODE;
	if (dir < 0)
		return missing(d, &r, "payloadDirection");
	if (!has_contents)
		return missing(d, &r, "cCContents");
	d->pdu->direction = (enum etsi_direction)dir;
	d->pdu->kind = ETSI_PAYLOAD_CC;
	return ETSI_OK;
}

/* iRIPayloadSequence and cCPayloadSequence are SEQUENCE OF; lime sends
 * exactly one element per PDU and accepts no more. */
static int decode_one_element(struct decoder *d, const struct ber_reader *p,
			      const struct ber_tlv *outer, bool iri)
{
	const char *name = iri ? "iRIPayloadSequence" : "cCPayloadSequence";
	struct ber_reader r;
	struct ber_tlv t;

	if (single_child(d, p, outer, &r, &t, name) != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (t.cls != BER_UNIVERSAL || t.tag != BER_TAG_SEQUENCE)
		return fail(d, t.offset, "%s: element is not a SEQUENCE", name);
	return iri ? decode_iri_payload(d, &r, &t) : decode_cc_payload(d, &r, &t);
}

static int decode_tri(struct decoder *d, const struct ber_reader *p,
		      const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;

	if (single_child(d, p, outer, &r, &t, "tRIPayload") != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (t.cls != CTX || (t.tag != 3 && t.tag != 4))
		return fail(d, t.offset, "tRIPayload: unsupported choice [%u]; "
			    "expected keep-alive [3] or keep-aliveResponse [4]",
			    (unsigned)t.tag);
	if (ber_get_null(&t) != BER_OK)
		return fail(d, t.offset, "tRIPayload: expected NULL");
	d->pdu->kind = t.tag == 3 ? ETSI_PAYLOAD_KEEPALIVE
				  : ETSI_PAYLOAD_KEEPALIVE_RESPONSE;
	return ETSI_OK;
}

/* Payload is a CHOICE, so payload [2] is an explicit tag around it. */
static int decode_payload(struct decoder *d, const struct ber_reader *p,
			  const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;

	if (single_child(d, p, outer, &r, &t, "payload") != ETSI_OK)
		return ETSI_ERR_DECODE;
	if (t.cls == CTX && t.tag == 0)
		return decode_one_element(d, &r, &t, true);
	if (t.cls == CTX && t.tag == 1)
		return decode_one_element(d, &r, &t, false);
	if (t.cls == CTX && t.tag == 2)
		return decode_tri(d, &r, &t);
	return fail(d, t.offset, "payload: unsupported choice [%u]",
		    (unsigned)t.tag);
}

static void pdu_reset(struct etsi_pdu *pdu)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->ts_qualifier = -1;
	pdu->frame_type = -1;
	pdu->mmcc_protocol = -1;
}

static int decode_pdu_body(struct decoder *d, struct ber_reader *top,
			   const struct ber_tlv *outer)
{
	struct ber_reader r;
	struct ber_tlv t;

	if (enter(d, top, outer, &r, "PS-PDU") != ETSI_OK)
		return ETSI_ERR_DECODE;

	int rc = ber_next(&r, &t);
	if (rc == BER_END)
		return missing(d, &r, "pSHeader");
	if (rc != BER_OK)
		return fail_ber(d, &r, rc, "pSHeader");
	if (t.cls != CTX || t.tag != 1)
		return fail(d, t.offset, "pSHeader: expected [1]");
	if (decode_ps_header(d, &r, &t) != ETSI_OK)
		return ETSI_ERR_DECODE;

	rc = ber_next(&r, &t);
	if (rc == BER_END)
		return missing(d, &r, "payload");
	if (rc != BER_OK)
		return fail_ber(d, &r, rc, "payload");
	if (t.cls != CTX || t.tag != 2)
		return fail(d, t.offset, "payload: expected [2]");
	if (decode_payload(d, &r, &t) != ETSI_OK)
		return ETSI_ERR_DECODE;

	if (!ber_at_end(&r))
		return fail(d, r.pos, "PS-PDU: unexpected field after payload");
	return ETSI_OK;
}

int etsi_decode(const uint8_t *buf, size_t len, struct etsi_pdu *pdu,
		struct etsi_error *err)
{
	struct decoder d = { .pdu = pdu, .err = err };
	struct ber_reader top;
	struct ber_tlv t;

	pdu_reset(pdu);
	if (err != NULL) {
		err->offset = 0;
		err->text[0] = '\0';
	}
	ber_reader_init(&top, buf, len);

	int rc = ber_next(&top, &t);
	if (rc == BER_END)
		return fail(&d, 0, "PS-PDU: empty input");
	if (rc != BER_OK)
		return fail_ber(&d, &top, rc, "PS-PDU");
	if (t.cls != BER_UNIVERSAL || t.tag != BER_TAG_SEQUENCE ||
	    !t.constructed)
		return fail(&d, 0, "PS-PDU: expected SEQUENCE (0x30)");
	if (!ber_at_end(&top))
		return fail(&d, top.pos, "PS-PDU: trailing bytes after the PDU");
	return decode_pdu_body(&d, &top, &t);
}

int etsi_pdu_length(const uint8_t *buf, size_t len, size_t max_pdu,
		    size_t *pdu_len)
{
	struct ber_tlv t;

	if (len >= 1 && buf[0] != 0x30)
		return ETSI_ERR_DECODE;
	int rc = ber_parse_header(buf, len, &t);
	if (rc == BER_NEED_MORE)
		return ETSI_NEED_MORE;
	if (rc != BER_OK)
		return ETSI_ERR_DECODE;
	if (t.len > max_pdu || t.header_len + t.len > max_pdu)
		return ETSI_ERR_TOO_LARGE;
	*pdu_len = t.header_len + t.len;
	return ETSI_OK;
}
