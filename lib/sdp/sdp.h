/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SDP_H
#define LIME_SDP_H

/*
 * SDP (RFC 8866) parser for media correlation and key extraction.
 *
 * sdp_parse() fills a struct sdp_session without allocating: every text
 * field is a struct sdp_slice into the caller's body, so the body must
 * outlive the result. Lines may end in LF or CRLF. The parser is lenient
 * because it decodes captured traffic: a malformed line is recorded as an
 * error of its session or m-section and parsing goes on, so one bad
 * m-section never hides the others. Arrays are bounded, and entries past
 * a bound are counted in a *_dropped field.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_MEDIA 16
#define SDP_MAX_CRYPTO 16

struct sdp_slice {
	const char *ptr;
	size_t len;
};

enum sdp_error {
	SDP_OK = 0,
	SDP_ERR_EMPTY,      /* no "<type>=<value>" line in the body */
	SDP_ERR_LINE,       /* a line is not "<type>=<value>" */
	SDP_ERR_ORIGIN,     /* o= has fewer than 6 fields */
	SDP_ERR_CONNECTION, /* c= has fewer than 3 fields or a bad address */
	SDP_ERR_MEDIA,      /* m= has fewer than 3 fields */
	SDP_ERR_PORT,       /* port or port count is not a number in range */
	SDP_ERR_RTCP,       /* a=rtcp: port or address is invalid */
	SDP_ERR_KEY_MGMT,   /* a=key-mgmt: lacks the protocol id or data */
	SDP_ERR_BASE64,     /* key-mgmt data is not valid base64 */
	SDP_ERR_BUFFER,     /* caller buffer too small for decoded data */
};

enum sdp_addrtype {
	SDP_ADDR_NONE = 0,
	SDP_ADDR_IP4,
	SDP_ADDR_IP6,
	SDP_ADDR_OTHER, /* addrtype token other than IP4 or IP6 */
};

/* Connection data from c= or from the address part of a=rtcp:. */
struct sdp_connection {
	bool present;
	struct sdp_slice nettype;  /* normally "IN" */
	struct sdp_slice addrtype; /* "IP4", "IP6" or another token */
	struct sdp_slice address;  /* without the /ttl and /count suffixes */
	enum sdp_addrtype family;
	bool address_valid;        /* address parsed as a literal of family */
	uint8_t ip[16];            /* network order: 4 bytes for IP4 */
	uint16_t ttl;              /* IP4 multicast suffix, 0 when absent */
	uint16_t count;            /* number of addresses, 1 when absent */
};

struct sdp_origin {
	bool present;
	struct sdp_slice username, sess_id, sess_version;
	struct sdp_connection connection;
};

enum sdp_direction {
	SDP_DIR_NONE = 0, /* no direction attribute in this scope */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

enum sdp_proto {
	SDP_PROTO_OTHER = 0,
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDP_TLS_RTP_SAVP,
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
	SDP_PROTO_UDP,
	SDP_PROTO_TCP_MRCPV2,
};

/* RFC 4567 a=key-mgmt:<prtcl-id> <keymgmt-data>. */
struct sdp_key_mgmt {
	bool present;
	struct sdp_slice protocol; /* "mikey" for MIKEY */
	struct sdp_slice data;     /* base64 text, padded or not */
};

struct sdp_media {
	struct sdp_slice media;   /* "audio", "video", "application", ... */
	uint16_t port;
	uint16_t port_count;      /* the <count> of <port>/<count>, else 1 */
	bool disabled;            /* port 0: the stream is rejected or off */
	struct sdp_slice proto;
	enum sdp_proto proto_id;
	struct sdp_slice formats; /* the fmt list as one slice, may be empty */
	unsigned format_count;

	struct sdp_connection connection; /* media-level c= */
	bool has_rtcp;                    /* a=rtcp: seen */
	uint16_t rtcp_port;
	struct sdp_connection rtcp_connection;
	bool rtcp_mux;
	enum sdp_direction direction;

	/* a=crypto values after the colon, for sdes_parse(). */
	struct sdp_slice crypto[SDP_MAX_CRYPTO];
	unsigned crypto_count;
	unsigned crypto_dropped;

	struct sdp_key_mgmt key_mgmt;
	unsigned key_mgmt_dropped;

	enum sdp_error error;     /* first error inside this m-section */
	size_t error_offset;      /* byte offset of that line in the body */
};

struct sdp_session {
	struct sdp_origin origin;
	struct sdp_connection connection; /* session-level c= */
	enum sdp_direction direction;
	struct sdp_key_mgmt key_mgmt;
	unsigned key_mgmt_dropped;

	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned media_count;
	unsigned media_dropped;   /* m-sections past SDP_MAX_MEDIA */
	unsigned media_errors;    /* m-sections whose error is set */

	enum sdp_error error;     /* first error at session level */
	size_t error_offset;
};

/*
 * Parses body[0..len). Returns SDP_ERR_EMPTY when the body contains no SDP
 * line at all, else SDP_OK. Errors of single lines are stored in the
 * session or m-section they belong to.
 */
enum sdp_error sdp_parse(const char *body, size_t len,
			 struct sdp_session *session);

/* Connection of an m-section: its own c=, else the session-level c=. */
const struct sdp_connection *
sdp_media_connection(const struct sdp_session *session,
		     const struct sdp_media *media);

/* Direction of an m-section: its own, else the session's, else sendrecv. */
enum sdp_direction sdp_media_direction(const struct sdp_session *session,
				       const struct sdp_media *media);

/* Key management of an m-section: its own a=key-mgmt, else the session's. */
const struct sdp_key_mgmt *
sdp_media_key_mgmt(const struct sdp_session *session,
		   const struct sdp_media *media);

/* True for every RTP-family proto: RTP/AVP, SAVP, AVPF, SAVPF and DTLS. */
bool sdp_proto_is_rtp(enum sdp_proto proto);

/*
 * Decodes base64 (RFC 4648 alphabet) with or without '=' padding into
 * out[0..cap). Returns SDP_ERR_BASE64 on a bad character or length and
 * SDP_ERR_BUFFER when the decoded data would not fit.
 */
enum sdp_error sdp_base64_decode(const char *text, size_t len,
				 uint8_t *out, size_t cap, size_t *out_len);

/* Decodes the key-mgmt data (a MIKEY message for "mikey") into out. */
enum sdp_error sdp_key_mgmt_decode(const struct sdp_key_mgmt *key_mgmt,
				   uint8_t *out, size_t cap, size_t *out_len);

const char *sdp_error_name(enum sdp_error error);

#endif
