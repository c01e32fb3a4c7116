/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SIP_MSG_H
#define LIME_SIP_MSG_H

/*
 * SIP message parser (RFC 3261 section 7) for captured traffic. It never
 * allocates and never copies: every result is a slice into the caller's
 * buffer, which must outlive the parsed message. It accepts what real
 * endpoints send: header names in any case and in compact form, bare LF line
 * ends, folded header lines and bodies cut short by the capture.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bound on header fields kept per message, repeats included. */
#define SIP_MSG_MAX_HEADERS 128

/* A byte range inside the parsed buffer. ptr is NULL when absent. */
struct sip_slice {
	const char *ptr;
	size_t len;
};

enum sip_msg_error {
	SIP_MSG_OK,
	SIP_MSG_ERR_EMPTY,              /* no bytes, or only CR and LF */
	SIP_MSG_ERR_NO_START_LINE,      /* the input ends inside the first line */
	SIP_MSG_ERR_BAD_START_LINE,     /* neither Request-Line nor Status-Line */
	SIP_MSG_ERR_BAD_HEADER_LINE,    /* no name or no colon, or a fold first */
	SIP_MSG_ERR_TOO_MANY_HEADERS,   /* more than SIP_MSG_MAX_HEADERS */
	SIP_MSG_ERR_BAD_CONTENT_LENGTH, /* not a number, or conflicting values */
	/* The two errors below still leave a usable message in *msg. */
	SIP_MSG_ERR_NO_HEADER_END,      /* input ends before the blank line */
	SIP_MSG_ERR_BODY_TRUNCATED,     /* fewer body bytes than Content-Length */
};

enum sip_header_id {
	SIP_HDR_OTHER,
	SIP_HDR_ACCEPT_CONTACT,       /* compact a */
	SIP_HDR_ALLOW_EVENTS,         /* compact u */
	SIP_HDR_CALL_ID,              /* compact i */
	SIP_HDR_CONTACT,              /* compact m */
	SIP_HDR_CONTENT_ENCODING,     /* compact e */
	SIP_HDR_CONTENT_LENGTH,       /* compact l */
	SIP_HDR_CONTENT_TYPE,         /* compact c */
	SIP_HDR_CSEQ,
	SIP_HDR_EVENT,                /* compact o */
	SIP_HDR_FROM,                 /* compact f */
	SIP_HDR_IDENTITY,             /* compact y */
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_P_ASSERTED_IDENTITY,
	SIP_HDR_REFER_TO,             /* compact r */
	SIP_HDR_REFERRED_BY,          /* compact b */
	SIP_HDR_REJECT_CONTACT,       /* compact j */
	SIP_HDR_REQUEST_DISPOSITION,  /* compact d */
	SIP_HDR_SESSION_EXPIRES,      /* compact x */
	SIP_HDR_SUBJECT,              /* compact s */
	SIP_HDR_SUPPORTED,            /* compact k */
	SIP_HDR_TO,                   /* compact t */
	SIP_HDR_VIA,                  /* compact v */
};

/*
 * One header field as it appears on the wire. The value has surrounding
 * whitespace trimmed. When folded is true the value spans the line ends of
 * its continuation lines, and sip_header_unfold() copies it out as one line.
 */
struct sip_header {
	enum sip_header_id id;
	struct sip_slice name;
	struct sip_slice value;
	bool folded;
};

struct sip_msg {
	bool is_request;
	struct sip_slice method;       /* requests only */
	struct sip_slice request_uri;  /* requests only */
	struct sip_slice version;      /* "SIP/2.0" */
	unsigned status_code;          /* responses only */
	struct sip_slice reason;       /* responses only, may be empty */

	struct sip_header headers[SIP_MSG_MAX_HEADERS];
	size_t header_count;

	struct sip_slice body;
	bool has_content_length;
	size_t content_length;
	bool body_truncated;    /* body has fewer than content_length bytes */
	bool bare_lf;           /* some line ended in LF without CR */
	/* Bytes from the start of the input to the end of this message,
	 * leading CR and LF included: the next message starts there. */
	size_t length;
};

enum sip_uri_scheme {
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	SIP_URI_OTHER,
};

/*
 * Parts of a SIP, SIPS (RFC 3261 section 19.1) or tel (RFC 3966) URI. For
 * tel: the user is the telephone-subscriber number and host is empty.
 * params excludes the leading ';' and headers the leading '?'.
 */
struct sip_uri {
	enum sip_uri_scheme scheme;
	struct sip_slice scheme_name;
	struct sip_slice user;
	struct sip_slice password;
	struct sip_slice host;      /* IPv6 references keep their brackets */
	bool has_port;
	uint16_t port;
	struct sip_slice params;
	struct sip_slice headers;
};

/*
 * A name-addr or addr-spec value (From, To, Contact, P-Asserted-Identity).
 * display_name excludes the quotes of a quoted-string. params are the header
 * parameters after the URI (without the leading ';'). tag is the value of
 * the tag parameter.
 */
struct sip_name_addr {
	struct sip_slice display_name;
	struct sip_slice uri;
	struct sip_slice params;
	struct sip_slice tag;
};

/* One MIME body part (RFC 2046 section 5.1). */
struct sip_body_part {
	struct sip_slice content_type;  /* value of the part's Content-Type */
	struct sip_slice headers;       /* raw part header block */
	struct sip_slice body;          /* content, binary bytes kept as is */
	bool truncated;                 /* no closing delimiter followed it */
};

/*
 * Parses one SIP message from data. Leading CR and LF bytes are skipped.
 * Without Content-Length the body is the rest of the input, as on UDP.
 * Returns SIP_MSG_OK or an error. With SIP_MSG_ERR_NO_HEADER_END and
 * SIP_MSG_ERR_BODY_TRUNCATED, *msg is still filled in.
 */
enum sip_msg_error sip_msg_parse(const char *data, size_t len,
				 struct sip_msg *msg);
const char *sip_msg_error_name(enum sip_msg_error err);

/* Maps a header name in any case, long or compact form, to its id. */
enum sip_header_id sip_header_id_of(const char *name, size_t len);

/*
 * Returns the first header with this id after `after` (NULL starts from the
 * first header), or NULL when there is none.
 */
const struct sip_header *sip_msg_find(const struct sip_msg *msg,
				      enum sip_header_id id,
				      const struct sip_header *after);
/*
 * Returns the first header named `name` in any case, or NULL. A well-known
 * name also matches its compact form.
 */
const struct sip_header *sip_msg_find_name(const struct sip_msg *msg,
					   const char *name);

/*
 * Copies value into buf with each line end and the whitespace after it
 * replaced by one SP. Writes at most cap bytes, no NUL, and returns the
 * unfolded length, which exceeds cap when buf was too small.
 */
size_t sip_header_unfold(struct sip_slice value, char *buf, size_t cap);

/* Accessors for well-known headers. Each returns false when absent. */
bool sip_msg_call_id(const struct sip_msg *msg, struct sip_slice *call_id);
bool sip_msg_content_type(const struct sip_msg *msg, struct sip_slice *type);
bool sip_msg_from(const struct sip_msg *msg, struct sip_name_addr *from);
bool sip_msg_to(const struct sip_msg *msg, struct sip_name_addr *to);
bool sip_msg_contact(const struct sip_msg *msg, struct sip_name_addr *contact);
/* Returns the first via-parm of the first Via header. */
bool sip_msg_top_via(const struct sip_msg *msg, struct sip_slice *via);
/* Also returns false when the CSeq value is malformed. */
bool sip_msg_cseq(const struct sip_msg *msg, uint32_t *number,
		  struct sip_slice *method);
/* Also returns false unless the value is an integer from 0 to 255. */
bool sip_msg_max_forwards(const struct sip_msg *msg, unsigned *hops);

/*
 * Parses the first name-addr or addr-spec in value. When rest is not NULL it
 * receives what follows the separating comma of a list value (empty at the
 * end), so a caller can walk Contact or P-Asserted-Identity lists.
 */
bool sip_name_addr_parse(struct sip_slice value, struct sip_name_addr *out,
			 struct sip_slice *rest);

/* Parses a sip:, sips: or tel: URI. Other schemes give SIP_URI_OTHER. */
bool sip_uri_parse(struct sip_slice text, struct sip_uri *uri);
/* Finds a URI parameter by name in any case. A flag has an empty value. */
bool sip_uri_param(const struct sip_uri *uri, const char *name,
		   struct sip_slice *value);

/*
 * Returns true when two URIs name the same interception target (RFC 3261
 * section 19.1.4, RFC 3966 section 4). The user part is case-sensitive after
 * %HH decoding, scheme and host are case-insensitive, port and parameters
 * are ignored, the password is ignored, and sip: equals sips:. A global number ('+' first) in a tel:
 * URI or in a sip:/sips: URI with user=phone is compared digit by digit
 * with the visual separators -.() removed, whatever the host. Local tel:
 * numbers match when their digits and phone-context are equal.
 */
bool sip_uri_match_target(const struct sip_uri *a, const struct sip_uri *b);

/* Returns true when a Content-Type value has this type/subtype (any case). */
bool sip_media_type_is(struct sip_slice content_type, const char *type);
/* Extracts the boundary parameter of a multipart Content-Type value. */
bool sip_content_type_boundary(struct sip_slice content_type,
			       struct sip_slice *boundary);
/*
 * Splits a multipart body on boundary. Stores at most max_parts parts and
 * returns how many parts the body has.
 */
size_t sip_multipart_split(struct sip_slice body, struct sip_slice boundary,
			   struct sip_body_part *parts, size_t max_parts);
/*
 * Finds every application/sdp body of msg: the whole body, or the parts of a
 * multipart body, nested multipart parts excluded. Stores at most max_parts
 * (the first SDP first) and returns how many there are.
 */
size_t sip_msg_find_sdp(const struct sip_msg *msg,
			struct sip_body_part *parts, size_t max_parts);

#endif
