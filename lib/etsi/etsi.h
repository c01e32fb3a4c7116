/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_ETSI_H
#define LIME_ETSI_H

/*
 * ETSI TS 102 232-1 PS-PDU encoder and decoder for the LEA handover.
 *
 * Model: every record sent to an agency is one PS-PDU, BER with definite,
 * minimal lengths and IMPLICIT tags:
 *
 *   PS-PDU ::= SEQUENCE { pSHeader [1] PSHeader, payload [2] Payload }
 *
 * The PSHeader carries the agency's constant fields (struct etsi_agency:
 * object identifiers, country codes, operator and network element) and the
 * per-record fields (struct etsi_header: LIID, CIN, sequence number, capture
 * time as microSecondTimeStamp with timeStampQualifier timeOfInterception).
 * The Payload is one of:
 *
 *   - IRI (HI2): iRIPayloadSequence with one IRIPayload whose iRIContents is
 *     iPMMIRI (TS 102 232-5) with a sIPMessage: source and destination
 *     IPAddress and the SIP message bytes (etsi_encode_iri_sip());
 *   - an alarm (HI2): an IRI-REPORT whose iPMMIRIContents is
 *     nationalIPMMIRIParameters carrying lime's alarm fields
 *     (etsi_encode_alarm(), layout below);
 *   - CC (HI3): cCPayloadSequence with one CCPayload whose cCContents is
 *     iPMMCC carrying one IP packet, frameType ipFrame and mMCCprotocol rTP
 *     (etsi_encode_cc(), or the per-stream template struct etsi_cc_template
 *     for the media fast path, which produces the same bytes);
 *   - TRI: keep-alive or keep-aliveResponse (etsi_encode_keepalive(),
 *     etsi_encode_keepalive_response()).
 *
 * Encoders write into a caller buffer and never allocate. They return
 * ETSI_ERR_SPACE when the buffer is too small; ETSI_PDU_OVERHEAD_MAX bytes
 * plus the variable content (IP packet, SIP message, alarm texts) always
 * suffice.
 *
 * The decoder (etsi_decode()) is strict: it rejects indefinite and
 * non-minimal lengths, lengths past the end, trailing bytes inside any
 * constructed value or after the PDU, and fields out of order. On success,
 * every byte-string field of struct etsi_pdu points into the input buffer,
 * so the buffer must outlive the decoded PDU. etsi_pdu_length() splits a TCP
 * byte stream into PDUs by reading only the outer SEQUENCE header.
 *
 * Alarm encoding. TS 102 232-5 defines
 *   NationalIPMMIRIParameters ::= SEQUENCE { countryCode [1] PrintableString
 *   (SIZE (2)), ... }
 * and lets a country add its own parameters after the extension marker.
 * lime adds four, with context tags far above any ETSI tag so that a
 * standard decoder skips them as unknown extensions:
 *
 *   iPMMIRIContents [1] (explicit, a CHOICE)
 *     nationalIPMMIRIParameters [3] SEQUENCE
 *       countryCode  [1]   PrintableString SIZE(2): the agency's delivery
 *                          country code, or "--" when it has none
 *       alarmKind    [100] OCTET STRING, UTF-8, e.g. "mikey_auth_failed"
 *       alarmReason  [101] OCTET STRING, UTF-8 free text (may be empty)
 *       sipCallID    [102] OCTET STRING, the Call-ID (omitted when empty)
 *       captureTime  [103] SEQUENCE { seconds [0] INTEGER,
 *                                     microSeconds [1] INTEGER }
 *
 * The IRIPayload has iRIType REPORT(4) and the PSHeader carries the CIN and
 * the IRI sequence number of the call the alarm belongs to.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed capacities. */
#define ETSI_OID_MAX_ARCS    16
#define ETSI_LIID_MAX        25   /* LIID ::= OCTET STRING (SIZE (1..25)) */
#define ETSI_OPERATOR_ID_MAX 16   /* operatorIdentifier (SIZE (1..16)) */
#define ETSI_NE_ID_MAX       16   /* networkElementIdentifier (SIZE (1..16)) */
#define ETSI_ERROR_MAX       160
/* Upper bound on the bytes of a PS-PDU besides its variable content (IP
 * packet, SIP message, alarm texts) when every field is within the limits
 * above. */
#define ETSI_PDU_OVERHEAD_MAX 512
/* Default largest PDU accepted by callers of etsi_pdu_length(). */
#define ETSI_PDU_DEFAULT_MAX (1u << 20)

/* Result of every call. */
enum etsi_status {
	ETSI_OK = 0,
	ETSI_ERR_SPACE,      /* output buffer too small */
	ETSI_ERR_INVALID,    /* an input value is out of range or missing */
	ETSI_ERR_DECODE,     /* malformed or unexpected BER; see etsi_error */
	ETSI_NEED_MORE,      /* etsi_pdu_length(): the header is incomplete */
	ETSI_ERR_TOO_LARGE,  /* etsi_pdu_length(): PDU longer than the limit */
};

/* Object identifier or relative OID as its arcs. For an absolute OID the
 * first two arcs are not yet folded into one subidentifier. */
struct etsi_oid {
	uint32_t arcs[ETSI_OID_MAX_ARCS];
	uint8_t count;
};

/* The object identifiers written to an agency. Defaults
 * (etsi_oids_default()): li-psDomainId 0.4.0.2.2.5.1.17 (LI-PS-PDU
 * genHeader version 17), iPMMIRIObjId 5.5.6.1 and iPMMCCObjId 5.5.6.2
 * (IPMultimediaPDU version 6). */
struct etsi_oids {
	struct etsi_oid domain_id;  /* absolute OID */
	struct etsi_oid ipmm_iri;   /* relative OID */
	struct etsi_oid ipmm_cc;    /* relative OID */
};

#define ETSI_DEFAULT_DOMAIN_ID "0.4.0.2.2.5.1.17"
#define ETSI_DEFAULT_IPMM_IRI  "5.5.6.1"
#define ETSI_DEFAULT_IPMM_CC   "5.5.6.2"

/* Constant PSHeader fields of one agency. An empty string omits an
 * OPTIONAL field (authorizationCountryCode, networkElementIdentifier,
 * deliveryCountryCode). Country codes are 2 printable characters;
 * operator_id is required. */
struct etsi_agency {
	struct etsi_oids oids;
	char auth_cc[3];
	char deliv_cc[3];
	char operator_id[ETSI_OPERATOR_ID_MAX + 1];
	char network_element_id[ETSI_NE_ID_MAX + 1];
};

/* Per-record PSHeader fields. liid is a NUL-terminated string of 1 to 25
 * bytes. microseconds must be below 1000000. */
struct etsi_header {
	const struct etsi_agency *agency;
	const char *liid;
	uint32_t cin;
	uint32_t seq;
	uint64_t seconds;       /* capture time, Unix seconds */
	uint32_t microseconds;
};

enum etsi_iri_type {
	ETSI_IRI_BEGIN = 1,
	ETSI_IRI_END = 2,
	ETSI_IRI_CONTINUE = 3,
	ETSI_IRI_REPORT = 4,
};

/* CCPayload payloadDirection. */
enum etsi_direction {
	ETSI_DIR_FROM_TARGET = 0,
	ETSI_DIR_TO_TARGET = 1,
	ETSI_DIR_INDETERMINATE = 2,
	ETSI_DIR_COMBINED = 3,         /* decoded only; lime never sends it */
	ETSI_DIR_NOT_APPLICABLE = 4,   /* decoded only; lime never sends it */
};

/* IP address in an IPMMIRI sIPMessage; encoded as iP-type, iPBinaryAddress
 * and iP-assignment notKnown(3). */
struct etsi_ip {
	uint8_t version;        /* 4 or 6 */
	uint8_t addr[16];       /* the first 4 bytes for IPv4 */
};

/* Alarm carried as an IRI-REPORT (layout in the top comment). kind and
 * reason are NUL-terminated UTF-8; reason and call_id may be empty. */
struct etsi_alarm {
	const char *kind;
	const char *reason;
	const uint8_t *call_id;
	size_t call_id_len;
	uint64_t seconds;       /* capture time of the event */
	uint32_t microseconds;
};

/* Defaults and configuration of object identifiers. */
void etsi_oids_default(struct etsi_oids *oids);
/* Parses dotted decimal text such as "0.4.0.2.2.5.1.17". An absolute OID
 * needs at least two arcs, a first arc of 0, 1 or 2, and a second arc below
 * 40 unless the first is 2; a relative OID needs at least one arc. Returns
 * ETSI_OK or ETSI_ERR_INVALID. */
int etsi_oid_parse(const char *text, bool relative, struct etsi_oid *out);
/* Writes the dotted form; returns ETSI_ERR_SPACE if it does not fit. */
int etsi_oid_format(const struct etsi_oid *oid, char *buf, size_t cap);
bool etsi_oid_equal(const struct etsi_oid *a, const struct etsi_oid *b);

/* Encoders. Each writes one PS-PDU to out and its length to *out_len. */
int etsi_encode_iri_sip(const struct etsi_header *hdr, enum etsi_iri_type type,
			const struct etsi_ip *src, const struct etsi_ip *dst,
			const uint8_t *sip, size_t sip_len,
			uint8_t *out, size_t cap, size_t *out_len);
int etsi_encode_cc(const struct etsi_header *hdr, enum etsi_direction dir,
		   const uint8_t *packet, size_t packet_len,
		   uint8_t *out, size_t cap, size_t *out_len);
int etsi_encode_alarm(const struct etsi_header *hdr,
		      const struct etsi_alarm *alarm,
		      uint8_t *out, size_t cap, size_t *out_len);
/* Keep-alive: hdr->cin is 0 and hdr->seq is the keep-alive counter of the
 * connection. A response carries the sequence number of the keep-alive
 * it replies to. */
int etsi_encode_keepalive(const struct etsi_header *hdr,
			  uint8_t *out, size_t cap, size_t *out_len);
int etsi_encode_keepalive_response(const struct etsi_header *hdr,
				   uint8_t *out, size_t cap, size_t *out_len);

/*
 * CC fast path: one template per media stream (agency, LIID, CIN,
 * direction). The template keeps the encoded PDU before and after the
 * packet bytes, and each call patches in the sequence number, timestamp
 * and packet. A prefix is encoded once per combination of byte lengths of
 * the sequence number, seconds, microseconds and packet, and the last
 * ETSI_CC_LAYOUTS combinations are kept. The output is byte-identical to
 * etsi_encode_cc().
 */
#define ETSI_CC_PREFIX_MAX 448

/*
 * Layouts cached per template. The microseconds INTEGER alone takes one to
 * three octets within each second of capture, so a single cached layout
 * would be rebuilt several times a second.
 */
#define ETSI_CC_LAYOUTS 4

/* One cached encoding of the PDU around the packet. */
struct etsi_cc_cached {
	/* Valid when prefix_len > 0. */
	uint8_t seq_len, sec_len, usec_len;
	size_t packet_len;
	size_t seq_off, sec_off, usec_off;
	size_t prefix_len;
	uint8_t prefix[ETSI_CC_PREFIX_MAX];
	size_t suffix_len;
	uint8_t suffix[16];   /* the iPMMCC fields after mMCCContents */
};

struct etsi_cc_template {
	struct etsi_agency agency;
	char liid[ETSI_LIID_MAX + 1];
	uint32_t cin;
	enum etsi_direction dir;
	struct etsi_cc_cached layouts[ETSI_CC_LAYOUTS];
	unsigned int next_slot;   /* replaced next when no layout matches */
};

int etsi_cc_template_init(struct etsi_cc_template *tpl,
			  const struct etsi_agency *agency, const char *liid,
			  uint32_t cin, enum etsi_direction dir);
int etsi_cc_template_encode(struct etsi_cc_template *tpl, uint32_t seq,
			    uint64_t seconds, uint32_t microseconds,
			    const uint8_t *packet, size_t packet_len,
			    uint8_t *out, size_t cap, size_t *out_len);

/* Decoder. */

/* Byte string inside the decoded buffer; p may be NULL only if len is 0. */
struct etsi_bytes {
	const uint8_t *p;
	size_t len;
};

enum etsi_payload_kind {
	ETSI_PAYLOAD_IRI = 1,   /* IRI with a sIPMessage */
	ETSI_PAYLOAD_ALARM,     /* IRI with lime's nationalIPMMIRIParameters */
	ETSI_PAYLOAD_CC,
	ETSI_PAYLOAD_KEEPALIVE,
	ETSI_PAYLOAD_KEEPALIVE_RESPONSE,
};

struct etsi_pdu {
	/* PSHeader */
	struct etsi_oid domain_id;
	struct etsi_bytes liid;
	char auth_cc[3];                /* "" when absent */
	struct etsi_bytes operator_id;
	struct etsi_bytes network_element_id;  /* len 0 when absent */
	bool has_cin;
	uint32_t cin;
	char deliv_cc[3];               /* "" when absent */
	uint32_t seq;
	struct etsi_bytes generalized_time;  /* timeStamp [5], len 0 when absent */
	bool has_microsecond_ts;
	uint64_t seconds;
	uint32_t microseconds;
	int ts_qualifier;               /* -1 when absent */

	enum etsi_payload_kind kind;
	/* IRI and alarm */
	enum etsi_iri_type iri_type;
	struct etsi_oid iri_objid;
	struct etsi_ip src, dst;
	struct etsi_bytes sip;
	/* Alarm */
	char alarm_country[3];
	struct etsi_bytes alarm_kind;
	struct etsi_bytes alarm_reason;
	struct etsi_bytes alarm_call_id;
	uint64_t alarm_seconds;
	uint32_t alarm_microseconds;
	/* CC */
	enum etsi_direction direction;
	struct etsi_oid cc_objid;
	struct etsi_bytes cc_content;
	int frame_type;                 /* -1 when absent */
	int mmcc_protocol;              /* -1 when absent */
};

/* Decode failure: offset of the offending identifier octet in the input
 * and a text naming the field. */
struct etsi_error {
	size_t offset;
	char text[ETSI_ERROR_MAX];
};

/* Decodes exactly one PS-PDU filling buf[0..len). Returns ETSI_OK or
 * ETSI_ERR_DECODE with err filled (err may be NULL). */
int etsi_decode(const uint8_t *buf, size_t len, struct etsi_pdu *pdu,
		struct etsi_error *err);

/* Reads the outer SEQUENCE header at the start of buf. Returns ETSI_OK with
 * *pdu_len = header plus content length; ETSI_NEED_MORE when the header is
 * incomplete; ETSI_ERR_DECODE when the bytes cannot start a PS-PDU (other
 * tag, indefinite or non-minimal length); ETSI_ERR_TOO_LARGE when the PDU
 * would exceed max_pdu bytes. */
int etsi_pdu_length(const uint8_t *buf, size_t len, size_t max_pdu,
		    size_t *pdu_len);

const char *etsi_status_text(int status);

#endif /* LIME_ETSI_H */
