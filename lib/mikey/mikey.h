/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_H
#define LIME_MIKEY_H

/*
 * MIKEY (RFC 3830) and MIKEY-TICKET (RFC 6043) message codec.
 *
 * Model: a message is the common header (HDR, with its CS ID map) followed
 * by a chain of payloads, each naming the type of the next one in its Next
 * Payload field. mikey_parse() fills a struct mikey_msg without allocating:
 * every variable-length field is a struct mikey_slice pointing into the
 * input buffer, so the buffer must outlive the parsed message. Each payload
 * records its byte offset and length in the message, and MAC and signature
 * fields record their own offset, because the MACs cover "the message up to
 * the MAC field".
 *
 * The same payload chain appears nested. The TP Data of a TP or TICKET
 * payload and the Initiator Data of a TICKET payload start with a
 * first-payload byte (mikey_parse_chain()). The Ticket Data of a MIKEY base
 * ticket starts with a THDR (mikey_parse_base_ticket()). Key data
 * sub-payloads exist only inside a decrypted KEMAC (mikey_parse_key_data()).
 *
 * The builder (mikey_builder_*, mikey_put_*) appends payloads to a caller's
 * buffer, patches the previous Next Payload field, and returns the offsets
 * of MAC fields (written as zeros) so the caller can fill them in after
 * computing the MAC.
 *
 * All integers on the wire are big-endian. Variable-length fields are byte
 * aligned with no padding.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIKEY_VERSION 1

/* Fixed capacities of struct mikey_msg. Larger messages are rejected with
 * MIKEY_ERR_LIMIT. */
#define MIKEY_MAX_PAYLOADS  32
#define MIKEY_MAX_CS        64
#define MIKEY_MAX_SP_PARAMS 64      /* over all SP payloads of one chain */
#define MIKEY_MAX_KEY_DATA  16      /* default for callers of mikey_parse_key_data */

#define MIKEY_ERROR_MSG_MAX 160

/* Byte string inside the parsed buffer (or, for the builder, the caller's
 * data). p may be NULL only when len is 0. */
struct mikey_slice {
	const uint8_t *p;
	size_t len;
};

/* Result of every parse and build call. */
enum mikey_status {
	MIKEY_OK = 0,
	MIKEY_ERR_TRUNCATED,     /* a fixed-size field runs past the end */
	MIKEY_ERR_LENGTH,        /* a length field exceeds the bytes left */
	MIKEY_ERR_VERSION,       /* HDR version is not 1 */
	MIKEY_ERR_NEXT_PAYLOAD,  /* unknown or misplaced payload type */
	MIKEY_ERR_TOO_MANY,      /* more payloads than MIKEY_MAX_PAYLOADS (or key data than max) */
	MIKEY_ERR_LIMIT,         /* more CS map entries or SP parameters than the arrays hold */
	MIKEY_ERR_SIGN_NOT_LAST, /* bytes follow a SIGN payload */
	MIKEY_ERR_VALUE,         /* a field value whose size cannot be known (TS type, MAC alg, ...) */
	MIKEY_ERR_NO_SPACE,      /* builder: the output buffer is full */
	MIKEY_ERR_ARG,           /* builder: an argument does not fit its wire field */
	MIKEY_ERR_STATE,         /* builder: call out of order (CS entry after a payload, payload after SIGN) */
};

/* Failure details: the status, the offset of the failing field from the
 * start of the parsed buffer, and a sentence such as "KEMAC at offset 57:
 * encrypted data length 300 exceeds the 120 bytes left". */
struct mikey_error {
	enum mikey_status status;
	size_t offset;
	char msg[MIKEY_ERROR_MSG_MAX];
};

/* HDR data type (RFC 3830 section 6.1, RFC 6043 section 6.1). */
enum mikey_data_type {
	MIKEY_DT_PSK_INIT = 0,
	MIKEY_DT_PSK_RESP = 1,
	MIKEY_DT_PK_INIT = 2,
	MIKEY_DT_PK_RESP = 3,
	MIKEY_DT_DH_INIT = 4,
	MIKEY_DT_DH_RESP = 5,
	MIKEY_DT_ERROR = 6,
	MIKEY_DT_DHHMAC_INIT = 7,
	MIKEY_DT_DHHMAC_RESP = 8,
	MIKEY_DT_RSA_R_INIT = 9,
	MIKEY_DT_RSA_R_RESP = 10,
	MIKEY_DT_REQUEST_INIT_PSK = 11,
	MIKEY_DT_REQUEST_INIT_PK = 12,
	MIKEY_DT_REQUEST_RESP = 13,
	MIKEY_DT_TRANSFER_INIT = 14,
	MIKEY_DT_TRANSFER_RESP = 15,
	MIKEY_DT_RESOLVE_INIT_PSK = 16,
	MIKEY_DT_RESOLVE_INIT_PK = 17,
	MIKEY_DT_RESOLVE_RESP = 18,
	MIKEY_DT_SAKKE = 26,
};

/* Payload types as used in Next Payload fields. MIKEY_PT_LAST (0) ends a
 * chain. THDR has no code point because it only starts base-ticket Ticket
 * Data, so lime uses 255 (MIKEY_PT_THDR) for it in struct mikey_payload. */
enum mikey_payload_type {
	MIKEY_PT_LAST = 0,
	MIKEY_PT_KEMAC = 1,
	MIKEY_PT_PKE = 2,
	MIKEY_PT_DH = 3,
	MIKEY_PT_SIGN = 4,
	MIKEY_PT_T = 5,
	MIKEY_PT_ID = 6,
	MIKEY_PT_CERT = 7,
	MIKEY_PT_CHASH = 8,
	MIKEY_PT_V = 9,
	MIKEY_PT_SP = 10,
	MIKEY_PT_RAND = 11,
	MIKEY_PT_ERR = 12,
	MIKEY_PT_TR = 13,
	MIKEY_PT_IDR = 14,
	MIKEY_PT_RANDR = 15,
	MIKEY_PT_TP = 16,
	MIKEY_PT_TICKET = 17,
	MIKEY_PT_KEY_DATA = 20,
	MIKEY_PT_GENERAL_EXT = 21,
	MIKEY_PT_SAKKE = 26,
	MIKEY_PT_THDR = 255,
};

enum mikey_cs_id_map_type {
	MIKEY_MAP_SRTP_ID = 0,
	MIKEY_MAP_EMPTY = 1,       /* RFC 4563 */
	MIKEY_MAP_GENERIC_ID = 2,  /* RFC 6043 section 6.1.1 */
};

enum mikey_prf_func {
	MIKEY_PRF_MIKEY_1 = 0,         /* HMAC-SHA-1 based */
	MIKEY_PRF_HMAC_SHA_256 = 1,    /* RFC 6043 */
};

enum mikey_ts_type {
	MIKEY_TS_NTP_UTC = 0,     /* 64 bits */
	MIKEY_TS_NTP = 1,         /* 64 bits, local time */
	MIKEY_TS_COUNTER = 2,     /* 32 bits */
	MIKEY_TS_NTP_UTC_32 = 3,  /* 32 bits, seconds only (RFC 6043) */
};

enum mikey_ts_role {
	MIKEY_TS_ROLE_TRI = 1,  /* time of issue */
	MIKEY_TS_ROLE_TRS = 2,  /* validity start */
	MIKEY_TS_ROLE_TRE = 3,  /* validity end */
	MIKEY_TS_ROLE_TRR = 4,  /* rekeying interval */
};

enum mikey_id_type {
	MIKEY_ID_NAI = 0,
	MIKEY_ID_URI = 1,
	MIKEY_ID_BYTE_STRING = 2,  /* RFC 6043 */
};

enum mikey_id_role {
	MIKEY_ID_ROLE_NONE = 0,    /* plain ID payload */
	MIKEY_ID_ROLE_IDRI = 1,
	MIKEY_ID_ROLE_IDRR = 2,
	MIKEY_ID_ROLE_IDRKMS = 3,
	MIKEY_ID_ROLE_IDRPSK = 4,
	MIKEY_ID_ROLE_IDRAPP = 5,
};

enum mikey_rand_role {
	MIKEY_RAND_ROLE_RANDRI = 1,
	MIKEY_RAND_ROLE_RANDRR = 2,
	MIKEY_RAND_ROLE_RANDRKMS = 3,
};

enum mikey_encr_alg {
	MIKEY_ENCR_NULL = 0,
	MIKEY_ENCR_AES_CM_128 = 1,
	MIKEY_ENCR_AES_KW_128 = 2,
	MIKEY_ENCR_AES_CM_256 = 3,  /* RFC 6043 */
};

/* KEMAC MAC alg and V Auth alg share these values. */
enum mikey_mac_alg {
	MIKEY_MAC_NULL = 0,
	MIKEY_MAC_HMAC_SHA_1_160 = 1,
	MIKEY_MAC_HMAC_SHA_256_256 = 2,  /* RFC 6043 */
};

enum mikey_hash_func {
	MIKEY_HASH_SHA_1 = 0,
	MIKEY_HASH_MD5 = 1,
	MIKEY_HASH_SHA_256 = 2,
};

enum mikey_dh_group {
	MIKEY_DH_OAKLEY_5 = 0,  /* 1536 bits */
	MIKEY_DH_OAKLEY_1 = 1,  /* 768 bits */
	MIKEY_DH_OAKLEY_2 = 2,  /* 1024 bits */
};

enum mikey_key_type {
	MIKEY_KEY_TGK = 0,
	MIKEY_KEY_TGK_SALT = 1,
	MIKEY_KEY_TEK = 2,
	MIKEY_KEY_TEK_SALT = 3,
	MIKEY_KEY_GTGK = 4,       /* RFC 6043 */
	MIKEY_KEY_GTGK_SALT = 5,
	MIKEY_KEY_MPK = 6,
};

enum mikey_kv_type {
	MIKEY_KV_NULL = 0,
	MIKEY_KV_SPI = 1,       /* SPI or MKI */
	MIKEY_KV_INTERVAL = 2,  /* valid from / valid to */
};

enum mikey_prot_type {
	MIKEY_PROT_SRTP = 0,
};

/* SP parameter types for Prot type SRTP (RFC 3830 section 6.10.1, RFC 7714). */
enum mikey_srtp_param {
	MIKEY_SRTP_ENCR_ALG = 0,
	MIKEY_SRTP_ENCR_KEY_LEN = 1,
	MIKEY_SRTP_AUTH_ALG = 2,
	MIKEY_SRTP_AUTH_KEY_LEN = 3,
	MIKEY_SRTP_SALT_KEY_LEN = 4,
	MIKEY_SRTP_PRF = 5,
	MIKEY_SRTP_KDR = 6,
	MIKEY_SRTP_SRTP_ENCR = 7,
	MIKEY_SRTP_SRTCP_ENCR = 8,
	MIKEY_SRTP_FEC_ORDER = 9,
	MIKEY_SRTP_SRTP_AUTH = 10,
	MIKEY_SRTP_AUTH_TAG_LEN = 11,
	MIKEY_SRTP_PREFIX_LEN = 12,
	MIKEY_SRTP_AEAD_AUTH_TAG_LEN = 20,
};

enum mikey_srtp_encr {
	MIKEY_SRTP_ENCR_NULL = 0,
	MIKEY_SRTP_ENCR_AES_CM = 1,
	MIKEY_SRTP_ENCR_AES_F8 = 2,
	MIKEY_SRTP_ENCR_AES_GCM = 6,
};

enum mikey_error_no {
	MIKEY_ERRNO_AUTH_FAILURE = 0,
	MIKEY_ERRNO_INVALID_TS = 1,
	MIKEY_ERRNO_INVALID_PRF = 2,
	MIKEY_ERRNO_INVALID_MAC = 3,
	MIKEY_ERRNO_INVALID_EA = 4,
	MIKEY_ERRNO_INVALID_HA = 5,
	MIKEY_ERRNO_INVALID_DH = 6,
	MIKEY_ERRNO_INVALID_ID = 7,
	MIKEY_ERRNO_INVALID_CERT = 8,
	MIKEY_ERRNO_INVALID_SP = 9,
	MIKEY_ERRNO_INVALID_SPPAR = 10,
	MIKEY_ERRNO_INVALID_DT = 11,
	MIKEY_ERRNO_UNSPECIFIED = 12,
	MIKEY_ERRNO_INVALID_TICKET = 14,  /* RFC 6043 */
	MIKEY_ERRNO_INVALID_TPPAR = 15,
};

enum mikey_ticket_type {
	MIKEY_TICKET_MIKEY_BASE = 1,  /* RFC 6043 Appendix A */
	MIKEY_TICKET_3GPP_BASE = 2,
};

/*
 * TP and TICKET flag bits, as they sit in the 12 bits after PRF Func
 * (D is the most significant). RFC 6043 section 6.10.
 */
enum mikey_tp_flag {
	MIKEY_TP_D = 1u << 11,  /* the KMS generated the ticket */
	MIKEY_TP_E = 1u << 10,  /* the Resolve exchange is mandatory */
	MIKEY_TP_F = 1u << 9,   /* a TRANSFER_RESP shall be sent */
	MIKEY_TP_G = 1u << 8,   /* the Responder shall generate RANDRr */
	MIKEY_TP_H = 1u << 7,   /* RANDRi is used in the TGK/GTGK derivation */
	MIKEY_TP_I = 1u << 6,   /* key forking shall be used */
	MIKEY_TP_J = 1u << 5,   /* the ticket may be reused */
	MIKEY_TP_K = 1u << 4,   /* the KMS changed the requested policy or KEMAC */
	MIKEY_TP_L = 1u << 3,   /* the Initiator may supply session keys */
	MIKEY_TP_M = 1u << 2,   /* the Responder may supply session keys */
	MIKEY_TP_N = 1u << 1,   /* an RFC 6043 Initiator can process the ticket */
	MIKEY_TP_O = 1u << 0,   /* an RFC 6043 Responder can process the ticket */
};

/*
 * Accepted oddities, or-ed into the odd field of a parse result. The
 * parser reads what is unambiguous and records the rest here.
 */
enum mikey_odd {
	MIKEY_ODD_TRAILING_BYTES = 1u << 0,   /* bytes after the last payload */
	MIKEY_ODD_DATA_TYPE = 1u << 1,        /* unassigned HDR data type */
	MIKEY_ODD_EMPTY_MAP_CS = 1u << 2,     /* Empty map with #CS > 0 */
	MIKEY_ODD_SESSION_DATA = 1u << 3,     /* GENERIC-ID SRTP Session Data of an unexpected length */
	MIKEY_ODD_RESERVED_BITS = 1u << 4,    /* non-zero reserved bits (kept for rebuilding) */
	MIKEY_ODD_PACKED_SALT = 1u << 5,      /* key and salt packed into one key field (GStreamer) */
	MIKEY_ODD_SP_TAG_IN_AUTH_KEY_LEN = 1u << 6,  /* tag length sent as auth key length (GStreamer) */
	MIKEY_ODD_SP_DUPLICATE_PARAM = 1u << 7,      /* the same SP parameter type twice */
};

/* One SRTP-ID map entry. The CS ID is the 1-based entry index. */
struct mikey_srtp_id {
	uint8_t policy_no;
	uint32_t ssrc;     /* 0 requests that the responder fill it in */
	uint32_t roc;
};

/* One GENERIC-ID map entry (RFC 6043 section 6.1.1). */
struct mikey_generic_id {
	uint8_t cs_id;
	uint8_t prot_type;
	bool s;                        /* SRTP Session Data carries ROC and SEQ */
	struct mikey_slice policy_no;  /* #P Policy_no bytes */
	struct mikey_slice session_data;
	struct mikey_slice spi;        /* SPI or MKI of the key the CS starts with */

	/* Decoded SRTP Session Data, set when prot_type is SRTP and the
	 * Session Data length is 4 (S = 0) or 10 (S = 1). */
	bool srtp_valid;
	uint32_t ssrc;
	uint32_t roc;
	uint16_t seq;
};

struct mikey_hdr {
	uint8_t version;
	uint8_t data_type;
	uint8_t next_payload;
	bool v;
	uint8_t prf_func;        /* 7 bits */
	uint32_t csb_id;
	uint8_t n_cs;            /* #CS as on the wire */
	uint8_t cs_id_map_type;

	/* Parsed CS ID map: n_entries is n_cs for SRTP-ID and GENERIC-ID and
	 * 0 for the Empty map. */
	size_t n_entries;
	union {
		struct mikey_srtp_id srtp[MIKEY_MAX_CS];
		struct mikey_generic_id generic[MIKEY_MAX_CS];
	} cs;
	struct mikey_slice cs_map_info;  /* the raw CS ID map info bytes */
};

/* Timestamp: T payload, and the TS fields of TR. */
struct mikey_ts {
	uint8_t role;       /* TR only: enum mikey_ts_role */
	uint8_t ts_type;
	uint64_t value;     /* 32-bit types are not shifted or padded */
	struct mikey_slice raw;
};

struct mikey_rand {
	uint8_t role;       /* RANDR only: enum mikey_rand_role */
	struct mikey_slice rand;
};

/* ID and IDR payloads. */
struct mikey_id {
	uint8_t role;       /* IDR only: enum mikey_id_role */
	uint8_t id_type;
	struct mikey_slice data;
};

struct mikey_cert {
	uint8_t cert_type;
	struct mikey_slice data;
};

struct mikey_chash {
	uint8_t hash_func;
	struct mikey_slice hash;
};

struct mikey_kemac {
	uint8_t encr_alg;
	struct mikey_slice encr_data;
	size_t encr_data_offset;   /* in the parsed buffer */
	uint8_t mac_alg;
	struct mikey_slice mac;
	size_t mac_offset;         /* in the parsed buffer */
};

/* V payload: the MAC computed with auth_alg. */
struct mikey_v {
	uint8_t auth_alg;
	struct mikey_slice mac;
	size_t mac_offset;
};

struct mikey_sp_param {
	uint8_t type;
	struct mikey_slice value;
};

struct mikey_sp {
	uint8_t policy_no;
	uint8_t prot_type;
	struct mikey_slice params_raw;
	size_t first_param;        /* index into the chain's sp_param array */
	size_t n_params;
};

struct mikey_err {
	uint8_t error_no;
	uint16_t reserved;
};

struct mikey_ext {
	uint8_t ext_type;
	struct mikey_slice data;
};

/* SIGN has no Next Payload field and always ends a message. */
struct mikey_sign {
	uint8_t s_type;            /* 4 bits */
	struct mikey_slice signature;
	size_t signature_offset;
};

struct mikey_pke {
	uint8_t c;                 /* 2 bits: cache indicator */
	struct mikey_slice data;
};

/* Key validity: SPI/MKI, or an interval of SRTP packet indexes. */
struct mikey_kv {
	uint8_t kv_type;
	struct mikey_slice spi;
	struct mikey_slice vf;     /* valid from */
	struct mikey_slice vt;     /* valid to */
};

struct mikey_dh {
	uint8_t group;
	struct mikey_slice value;
	uint8_t reserved;          /* 4 bits */
	struct mikey_kv kv;
};

struct mikey_sakke {
	uint8_t params;
	uint8_t id_scheme;
	struct mikey_slice data;
};

/*
 * TP payload, and the common part of TICKET. TP Data is a nested payload
 * chain (first-payload byte, then IDRkms, IDRi, TRs, TRe, TRr, KEMAC,
 * IDRapp, IDRr as present), readable with mikey_parse_chain().
 */
struct mikey_ticket_policy {
	uint16_t ticket_type;
	uint8_t subtype;
	uint8_t version;
	uint8_t prf_func;          /* 7 bits: the PRF used for key forking */
	uint16_t flags;            /* enum mikey_tp_flag bits */
	uint8_t reserved;          /* 5 bits */
	struct mikey_slice tp_data;
};

/*
 * TICKET payload. The MAC of TRANSFER_INIT excludes the Initiator Data
 * length and Initiator Data fields, which start at initiator_data_len_offset
 * and run to the end of the payload.
 */
struct mikey_ticket {
	struct mikey_ticket_policy policy;
	struct mikey_slice ticket_data;
	size_t ticket_data_offset;
	struct mikey_slice initiator_data;  /* empty, or a nested payload chain (Vi, Vr) */
	size_t initiator_data_len_offset;
};

/* THDR: the first payload of base-ticket Ticket Data (RFC 6043 Appendix A). */
struct mikey_thdr {
	struct mikey_slice data;
};

struct mikey_payload {
	uint8_t type;              /* enum mikey_payload_type */
	uint8_t next_payload;      /* as on the wire; MIKEY_PT_LAST for SIGN */
	size_t offset;             /* first byte, in the parsed buffer */
	size_t len;
	union {
		struct mikey_ts t;        /* T and TR */
		struct mikey_rand rand;   /* RAND and RANDR */
		struct mikey_id id;       /* ID and IDR */
		struct mikey_cert cert;
		struct mikey_chash chash;
		struct mikey_kemac kemac;
		struct mikey_v v;
		struct mikey_sp sp;
		struct mikey_err err;
		struct mikey_ext ext;
		struct mikey_sign sign;
		struct mikey_pke pke;
		struct mikey_dh dh;
		struct mikey_sakke sakke;
		struct mikey_ticket_policy tp;
		struct mikey_ticket ticket;
		struct mikey_thdr thdr;
	} u;
};

/* A parsed payload chain, with the SP parameters of all its SP payloads. */
struct mikey_payloads {
	size_t n;
	struct mikey_payload item[MIKEY_MAX_PAYLOADS];
	size_t n_sp_params;
	struct mikey_sp_param sp_param[MIKEY_MAX_SP_PARAMS];
};

struct mikey_msg {
	struct mikey_hdr hdr;
	size_t hdr_len;            /* bytes of HDR including the CS ID map */
	struct mikey_payloads payloads;
	size_t len;                /* bytes up to the end of the last payload */
	size_t trailing_bytes;     /* bytes after it, accepted */
	uint32_t odd;              /* enum mikey_odd bits */
};

/* A nested chain (TP Data, Initiator Data). Offsets are from its start. */
struct mikey_chain {
	struct mikey_payloads payloads;
	size_t len;
	size_t trailing_bytes;
	uint32_t odd;
};

/* Ticket Data of a MIKEY base ticket: THDR, T, RAND, KEMAC, [IDRpsk], V.
 * Offsets are from the start of the Ticket Data. */
struct mikey_base_ticket {
	struct mikey_payloads payloads;  /* item[0] is the THDR */
	const struct mikey_payload *thdr;
	const struct mikey_payload *t;
	const struct mikey_payload *rand;
	const struct mikey_payload *kemac;
	const struct mikey_payload *idrpsk;  /* NULL when absent */
	const struct mikey_payload *v;
	size_t len;
	size_t trailing_bytes;
	uint32_t odd;
};

/* One key data sub-payload from a decrypted KEMAC. */
struct mikey_key_data {
	uint8_t type;              /* enum mikey_key_type */
	struct mikey_slice key;
	struct mikey_slice salt;   /* empty unless a +SALT type, or split as MIKEY_ODD_PACKED_SALT */
	struct mikey_kv kv;
	size_t offset;             /* in the plaintext */
	size_t len;
	bool packed_salt;          /* key and salt were one field on the wire */
};

/*
 * Expected SRTP master key and salt lengths for mikey_parse_key_data().
 * When both are non-zero, a key field without salt whose length is their
 * sum is split into key and salt (GStreamer sends TGK or TEK this way).
 */
struct mikey_key_hint {
	size_t key_len;
	size_t salt_len;
};

/* ---- Parser ---- */

/*
 * Parses one MIKEY message from buf. Returns MIKEY_OK, or an error status
 * with details in *err (which may be NULL). On error *msg is partly filled.
 */
enum mikey_status mikey_parse(const uint8_t *buf, size_t len,
			      struct mikey_msg *msg, struct mikey_error *err);

/*
 * Parses a nested chain that starts with a first-payload byte: TP Data or
 * Initiator Data. An empty input is an empty chain. SIGN is rejected.
 */
enum mikey_status mikey_parse_chain(const uint8_t *buf, size_t len,
				    struct mikey_chain *chain,
				    struct mikey_error *err);

/*
 * Parses the Ticket Data of a MIKEY base ticket (ticket type 1). Checks the
 * payload order THDR, T, RAND, KEMAC, [IDRpsk], V.
 */
enum mikey_status mikey_parse_base_ticket(const uint8_t *buf, size_t len,
					  struct mikey_base_ticket *ticket,
					  struct mikey_error *err);

/*
 * Parses the key data sub-payloads of a decrypted KEMAC into out[0..max).
 * hint may be NULL. *odd (may be NULL) receives MIKEY_ODD_PACKED_SALT and
 * MIKEY_ODD_TRAILING_BYTES, because trailing bytes (for example padding)
 * are accepted. More than max sub-payloads is MIKEY_ERR_TOO_MANY.
 * NOTE: the RFC 3830 public-key mode puts an IDi payload before the key
 * data in the plaintext. That form is not supported here.
 */
enum mikey_status mikey_parse_key_data(const uint8_t *plain, size_t len,
				       struct mikey_key_data *out, size_t max,
				       size_t *n,
				       const struct mikey_key_hint *hint,
				       uint32_t *odd, struct mikey_error *err);

/* ---- Lookup helpers ---- */

/* Returns the first payload of this type at index >= from, or NULL. */
const struct mikey_payload *mikey_find(const struct mikey_payloads *pl,
				       uint8_t type, size_t from);

/* Return the first IDR, RANDR or TR payload with this role, or NULL. */
const struct mikey_payload *mikey_find_idr(const struct mikey_payloads *pl,
					   uint8_t role);
const struct mikey_payload *mikey_find_randr(const struct mikey_payloads *pl,
					     uint8_t role);
const struct mikey_payload *mikey_find_tr(const struct mikey_payloads *pl,
					  uint8_t role);

/* Returns the SP parameter of this type in an SP payload, or NULL. */
const struct mikey_sp_param *mikey_sp_find(const struct mikey_payloads *pl,
					   const struct mikey_payload *sp,
					   uint8_t type);

/*
 * Converts an NTP-UTC (64-bit) or NTP-UTC-32 timestamp to microseconds
 * since the Unix epoch. The NTP era follows RFC 4330 section 3: seconds
 * with the top bit set are in 1968-2036 (era 0), others in 2036-2104
 * (era 1). Returns false for the other TS types.
 */
bool mikey_ts_to_unix_us(uint8_t ts_type, uint64_t value, int64_t *unix_us);

/* Inverse of mikey_ts_to_unix_us for times in 1968-2104. Returns false
 * outside that range and for the other TS types. */
bool mikey_unix_us_to_ts(uint8_t ts_type, int64_t unix_us, uint64_t *value);

/* Store the size in bytes of a TS value, MAC or hash. They return false,
 * with size 0, for unknown values. */
bool mikey_ts_size(uint8_t ts_type, size_t *size);
bool mikey_mac_size(uint8_t mac_alg, size_t *size);
bool mikey_hash_size(uint8_t hash_func, size_t *size);

/* Returns a static name ("KEMAC", "TRANSFER_INIT", ...) or "unknown". */
const char *mikey_payload_name(uint8_t type);
const char *mikey_data_type_name(uint8_t data_type);
const char *mikey_status_name(enum mikey_status status);

/* ---- SRTP policy from SP ---- */

/* SRTP parameters of one SP payload, RFC 3830 defaults where absent. */
struct mikey_srtp_policy {
	uint8_t encr_alg;
	uint8_t encr_key_len;
	uint8_t auth_alg;
	uint8_t auth_key_len;
	uint8_t salt_key_len;
	uint8_t prf;
	uint8_t kdr;
	bool srtp_encr;
	bool srtcp_encr;
	uint8_t fec_order;
	bool srtp_auth;
	uint8_t auth_tag_len;
	uint8_t prefix_len;
	uint8_t aead_auth_tag_len;
};

/*
 * Reads the SRTP policy from an SP payload with Prot type SRTP. Parameter
 * values of another length than 1 byte are MIKEY_ERR_VALUE. A GStreamer
 * policy that sends the auth tag length (4 or 10) as the auth key length,
 * with a non-NULL auth alg and no tag length parameter, is read as that
 * tag length with auth key length 20. It sets
 * MIKEY_ODD_SP_TAG_IN_AUTH_KEY_LEN in *odd (which may be NULL).
 */
enum mikey_status mikey_sp_srtp_policy(const struct mikey_payloads *pl,
				       const struct mikey_payload *sp,
				       struct mikey_srtp_policy *policy,
				       uint32_t *odd);

/* Returns the SRTP Session Data bytes for GENERIC-ID (4 or 10) in out. */
size_t mikey_srtp_session_data(uint8_t out[10], uint32_t ssrc, bool s,
			       uint32_t roc, uint16_t seq);

/* ---- Builder ---- */

/*
 * Appends to buf[0..cap). The first error is kept in status and makes
 * every later call a no-op, so a sequence of puts can be checked once at
 * mikey_builder_finish(). np_offset is the Next Payload field that the next
 * payload patches (SIZE_MAX when there is none).
 */
struct mikey_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t np_offset;
	size_t hdr_offset;       /* SIZE_MAX unless a HDR was written */
	bool payload_started;
	bool closed;             /* a SIGN was written */
	enum mikey_status status;
};

/* Starts a message. Call mikey_put_hdr() or mikey_put_hdr_simple() next. */
void mikey_builder_init(struct mikey_builder *b, uint8_t *buf, size_t cap);

/* Starts a nested chain (TP Data, Initiator Data) by writing the
 * first-payload byte, which stays MIKEY_PT_LAST if nothing is appended. */
void mikey_builder_init_chain(struct mikey_builder *b, uint8_t *buf,
			      size_t cap);

/* Starts base-ticket Ticket Data with a THDR carrying thdr_data. */
void mikey_builder_init_ticket_data(struct mikey_builder *b, uint8_t *buf,
				    size_t cap, const uint8_t *thdr_data,
				    size_t thdr_len);

/* Starts a KEMAC plaintext of key data sub-payloads. */
void mikey_builder_init_key_data(struct mikey_builder *b, uint8_t *buf,
				 size_t cap);

/* Returns the status and stores the length written in *len. */
enum mikey_status mikey_builder_finish(const struct mikey_builder *b,
				       size_t *len);

/*
 * Writes HDR: version, data type, V, PRF func, CSB ID, map type and #CS,
 * then the n_entries map entries of hdr. n_cs is written as given, so it
 * can differ from n_entries for an Empty map. The Next Payload field is
 * patched by the first payload.
 */
void mikey_put_hdr(struct mikey_builder *b, const struct mikey_hdr *hdr);

/* Writes a HDR with no CS entries yet. Add them with the two calls below,
 * which update #CS. */
void mikey_put_hdr_simple(struct mikey_builder *b, uint8_t data_type, bool v,
			  uint8_t prf_func, uint32_t csb_id,
			  uint8_t cs_id_map_type);
void mikey_put_cs_srtp(struct mikey_builder *b, uint8_t policy_no,
		       uint32_t ssrc, uint32_t roc);
void mikey_put_cs_generic(struct mikey_builder *b,
			  const struct mikey_generic_id *cs);

void mikey_put_t(struct mikey_builder *b, uint8_t ts_type, uint64_t value);
void mikey_put_tr(struct mikey_builder *b, uint8_t role, uint8_t ts_type,
		  uint64_t value);
void mikey_put_rand(struct mikey_builder *b, const uint8_t *rand, size_t len);
void mikey_put_randr(struct mikey_builder *b, uint8_t role,
		     const uint8_t *rand, size_t len);
void mikey_put_id(struct mikey_builder *b, uint8_t id_type,
		  const uint8_t *data, size_t len);
void mikey_put_idr(struct mikey_builder *b, uint8_t role, uint8_t id_type,
		   const uint8_t *data, size_t len);
void mikey_put_cert(struct mikey_builder *b, uint8_t cert_type,
		    const uint8_t *data, size_t len);
void mikey_put_chash(struct mikey_builder *b, uint8_t hash_func,
		     const uint8_t *hash, size_t len);

/*
 * Writes KEMAC. encr_data may be NULL to write zeros for later in-place
 * encryption, and mac may be NULL to write a zero MAC of the size mac_alg
 * sets. The offsets (either pointer may be NULL) are from buf.
 */
void mikey_put_kemac(struct mikey_builder *b, uint8_t encr_alg,
		     const uint8_t *encr_data, size_t encr_len,
		     uint8_t mac_alg, const uint8_t *mac,
		     size_t *encr_data_offset, size_t *mac_offset);

/* Writes V with a MAC of the size auth_alg sets (zeros when mac is NULL). */
void mikey_put_v(struct mikey_builder *b, uint8_t auth_alg,
		 const uint8_t *mac, size_t *mac_offset);

void mikey_put_sp(struct mikey_builder *b, uint8_t policy_no,
		  uint8_t prot_type, const struct mikey_sp_param *params,
		  size_t n_params);
void mikey_put_err(struct mikey_builder *b, uint8_t error_no);
void mikey_put_ext(struct mikey_builder *b, uint8_t ext_type,
		   const uint8_t *data, size_t len);
void mikey_put_pke(struct mikey_builder *b, uint8_t c, const uint8_t *data,
		   size_t len);
void mikey_put_dh(struct mikey_builder *b, const struct mikey_dh *dh);
void mikey_put_sakke(struct mikey_builder *b, const struct mikey_sakke *s);
void mikey_put_tp(struct mikey_builder *b,
		  const struct mikey_ticket_policy *tp);

/* Writes TICKET. *ticket_data_offset (may be NULL) receives the offset of
 * the Ticket Data. */
void mikey_put_ticket(struct mikey_builder *b,
		      const struct mikey_ticket_policy *policy,
		      const uint8_t *ticket_data, size_t ticket_data_len,
		      const uint8_t *initiator_data, size_t initiator_data_len,
		      size_t *ticket_data_offset);

/* Writes SIGN (zeros when signature is NULL) and closes the message. */
void mikey_put_sign(struct mikey_builder *b, uint8_t s_type,
		    const uint8_t *signature, size_t len,
		    size_t *signature_offset);

/* Writes one key data sub-payload (only after mikey_builder_init_key_data). */
void mikey_put_key_data(struct mikey_builder *b,
			const struct mikey_key_data *kd);

/*
 * Writes a parsed payload again, field for field, reserved bits included.
 * pl is the chain it came from (for SP parameters).
 */
void mikey_put_payload(struct mikey_builder *b,
		       const struct mikey_payloads *pl,
		       const struct mikey_payload *p);

/*
 * Serialises a parsed message: header and payloads, without the trailing
 * bytes. A message that mikey_parse() accepted rebuilds to the same bytes
 * (the fuzz harness checks this).
 */
enum mikey_status mikey_build_msg(const struct mikey_msg *msg, uint8_t *buf,
				  size_t cap, size_t *len);

#endif /* LIME_MIKEY_H */
