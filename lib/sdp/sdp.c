/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sdp/sdp.h"

#include <arpa/inet.h>
#include <string.h>

/* Maximum address literal copied for inet_pton(), with the NUL. */
#define ADDRESS_TEXT_MAX 64

static bool slice_eq(struct sdp_slice s, const char *text)
{
	size_t n = strlen(text);

	return s.len == n && memcmp(s.ptr, text, n) == 0;
}

static bool slice_eq_nocase(struct sdp_slice s, const char *text)
{
	size_t n = strlen(text);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s.ptr[i];
		char b = text[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits the next whitespace-separated token off *rest. */
static bool next_token(struct sdp_slice *rest, struct sdp_slice *token)
{
	size_t i = 0;

	while (i < rest->len && is_space(rest->ptr[i]))
		i++;
	if (i == rest->len)
		return false;

	size_t start = i;

	while (i < rest->len && !is_space(rest->ptr[i]))
		i++;
	token->ptr = rest->ptr + start;
	token->len = i - start;
	rest->ptr += i;
	rest->len -= i;
	return true;
}

static struct sdp_slice trim(struct sdp_slice s)
{
	while (s.len > 0 && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

/* Parses a decimal number no greater than max. */
static bool parse_uint(struct sdp_slice s, uint32_t max, uint32_t *value)
{
	uint32_t v = 0;

	if (s.len == 0 || s.len > 10)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		uint64_t next = (uint64_t)v * 10 + (uint64_t)(s.ptr[i] - '0');

		if (next > max)
			return false;
		v = (uint32_t)next;
	}
	*value = v;
	return true;
}

/* Splits s at the first sep into head and tail. Returns false if absent. */
static bool split_at(struct sdp_slice s, char sep, struct sdp_slice *head,
		     struct sdp_slice *tail)
{
	const char *p = memchr(s.ptr, sep, s.len);

	if (p == NULL) {
		*head = s;
		tail->ptr = s.ptr + s.len;
		tail->len = 0;
		return false;
	}
	head->ptr = s.ptr;
	head->len = (size_t)(p - s.ptr);
	tail->ptr = p + 1;
	tail->len = s.len - head->len - 1;
	return true;
}

static bool parse_ip_literal(struct sdp_slice addr, struct sdp_connection *c)
{
	char text[ADDRESS_TEXT_MAX];

	/* Some endpoints write IPv6 addresses in URI brackets. */
	if (addr.len >= 2 && addr.ptr[0] == '[' && addr.ptr[addr.len - 1] == ']') {
		addr.ptr++;
		addr.len -= 2;
	}
	if (addr.len == 0 || addr.len >= sizeof(text))
		return false;
	memcpy(text, addr.ptr, addr.len);
	text[addr.len] = '\0';

	int af = c->family == SDP_ADDR_IP4 ? AF_INET : AF_INET6;

	return inet_pton(af, text, c->ip) == 1;
}

/*
 * Fills the address part: <address>[/<ttl>][/<count>] for IP4 and
 * <address>[/<count>] for IP6 (RFC 8866). A host name or an
 * unknown addrtype is kept as text with address_valid false.
 */
static enum sdp_error parse_address(struct sdp_slice nettype,
				    struct sdp_slice addrtype,
				    struct sdp_slice address,
				    struct sdp_connection *c)
{
	struct sdp_slice first, suffix, second, third;

	memset(c, 0, sizeof(*c));
	c->present = true;
	c->nettype = nettype;
	c->addrtype = addrtype;
	c->count = 1;
	if (slice_eq_nocase(addrtype, "IP4"))
		c->family = SDP_ADDR_IP4;
	else if (slice_eq_nocase(addrtype, "IP6"))
		c->family = SDP_ADDR_IP6;
	else
		c->family = SDP_ADDR_OTHER;

	split_at(address, '/', &first, &suffix);
	c->address = first;
	if (suffix.len > 0) {
		uint32_t n1, n2;
		bool two = split_at(suffix, '/', &second, &third);

		if (!parse_uint(second, UINT16_MAX, &n1))
			return SDP_ERR_CONNECTION;
		if (two && !parse_uint(third, UINT16_MAX, &n2))
			return SDP_ERR_CONNECTION;
		if (c->family == SDP_ADDR_IP4) {
			c->ttl = (uint16_t)n1;
			if (two)
				c->count = (uint16_t)n2;
		} else {
			c->count = (uint16_t)(two ? n2 : n1);
		}
	}
	if (c->family != SDP_ADDR_OTHER)
		c->address_valid = parse_ip_literal(first, c);
	return SDP_OK;
}

/* c=<nettype> <addrtype> <connection-address> */
static enum sdp_error parse_connection(struct sdp_slice value,
				       struct sdp_connection *c)
{
	struct sdp_slice nettype, addrtype, address;

	if (!next_token(&value, &nettype) || !next_token(&value, &addrtype) ||
	    !next_token(&value, &address))
		return SDP_ERR_CONNECTION;
	return parse_address(nettype, addrtype, address, c);
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static enum sdp_error parse_origin(struct sdp_slice value, struct sdp_origin *o)
{
	struct sdp_slice nettype, addrtype, address;

	memset(o, 0, sizeof(*o));
	if (!next_token(&value, &o->username) ||
	    !next_token(&value, &o->sess_id) ||
	    !next_token(&value, &o->sess_version) ||
	    !next_token(&value, &nettype) || !next_token(&value, &addrtype) ||
	    !next_token(&value, &address))
		return SDP_ERR_ORIGIN;
	o->present = true;
	parse_address(nettype, addrtype, address, &o->connection);
	return SDP_OK;
}

static enum sdp_proto classify_proto(struct sdp_slice proto)
{
	static const struct {
		const char *name;
		enum sdp_proto id;
	} table[] = {
		{ "RTP/AVP", SDP_PROTO_RTP_AVP },
		{ "RTP/SAVP", SDP_PROTO_RTP_SAVP },
		{ "RTP/AVPF", SDP_PROTO_RTP_AVPF },
		{ "RTP/SAVPF", SDP_PROTO_RTP_SAVPF },
		{ "UDP/TLS/RTP/SAVP", SDP_PROTO_UDP_TLS_RTP_SAVP },
		{ "UDP/TLS/RTP/SAVPF", SDP_PROTO_UDP_TLS_RTP_SAVPF },
		{ "udp", SDP_PROTO_UDP },
		{ "TCP/MRCPv2", SDP_PROTO_TCP_MRCPV2 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (slice_eq_nocase(proto, table[i].name))
			return table[i].id;
	}
	return SDP_PROTO_OTHER;
}

bool sdp_proto_is_rtp(enum sdp_proto proto)
{
	switch (proto) {
	case SDP_PROTO_RTP_AVP:
	case SDP_PROTO_RTP_SAVP:
	case SDP_PROTO_RTP_AVPF:
	case SDP_PROTO_RTP_SAVPF:
	case SDP_PROTO_UDP_TLS_RTP_SAVP:
	case SDP_PROTO_UDP_TLS_RTP_SAVPF:
		return true;
	default:
		return false;
	}
}

/*
 * m=<media> <port>[/<number of ports>] <proto> <fmt> ... The fmt list may
 * be empty, which some endpoints send for a disabled stream.
 */
static enum sdp_error parse_media_line(struct sdp_slice value,
				       struct sdp_media *m)
{
	struct sdp_slice port_field, port, count, fmt;
	uint32_t n;

	if (!next_token(&value, &m->media) || !next_token(&value, &port_field) ||
	    !next_token(&value, &m->proto))
		return SDP_ERR_MEDIA;
	m->proto_id = classify_proto(m->proto);

	m->formats = trim(value);
	while (next_token(&value, &fmt))
		m->format_count++;

	m->port_count = 1;
	bool has_count = split_at(port_field, '/', &port, &count);

	if (!parse_uint(port, UINT16_MAX, &n))
		return SDP_ERR_PORT;
	m->port = (uint16_t)n;
	m->disabled = n == 0;
	if (has_count) {
		if (!parse_uint(count, UINT16_MAX, &n) || n == 0)
			return SDP_ERR_PORT;
		m->port_count = (uint16_t)n;
	}
	return SDP_OK;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605) */
static enum sdp_error parse_rtcp(struct sdp_slice value, struct sdp_media *m)
{
	struct sdp_slice port, nettype, addrtype, address;
	uint32_t n;

	if (!next_token(&value, &port) || !parse_uint(port, UINT16_MAX, &n))
		return SDP_ERR_RTCP;
	m->has_rtcp = true;
	m->rtcp_port = (uint16_t)n;
	if (!next_token(&value, &nettype))
		return SDP_OK;
	if (!next_token(&value, &addrtype) || !next_token(&value, &address))
		return SDP_ERR_RTCP;
	if (parse_address(nettype, addrtype, address, &m->rtcp_connection) !=
	    SDP_OK)
		return SDP_ERR_RTCP;
	return SDP_OK;
}

/* a=key-mgmt:[SP]<prtcl-id> <keymgmt-data> (RFC 4567) */
static enum sdp_error parse_key_mgmt(struct sdp_slice value,
				     struct sdp_key_mgmt *km,
				     unsigned *dropped)
{
	struct sdp_key_mgmt parsed = { .present = true };

	if (!next_token(&value, &parsed.protocol) ||
	    !next_token(&value, &parsed.data))
		return SDP_ERR_KEY_MGMT;
	if (km->present) {
		(*dropped)++;
		return SDP_OK;
	}
	*km = parsed;
	return SDP_OK;
}

static enum sdp_direction direction_of(struct sdp_slice name)
{
	if (slice_eq(name, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (slice_eq(name, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (slice_eq(name, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (slice_eq(name, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_NONE;
}

/* The scope that an a= or c= line applies to: the session or an m-section. */
struct scope {
	struct sdp_session *session;
	struct sdp_media *media; /* NULL at session level */
	bool media_dropped;      /* media is the scratch of a dropped section */
};

static enum sdp_error parse_attribute(struct sdp_slice value, struct scope *s)
{
	struct sdp_slice name, attr_value;
	bool has_value = split_at(value, ':', &name, &attr_value);
	enum sdp_direction dir = has_value ? SDP_DIR_NONE : direction_of(name);

	if (dir != SDP_DIR_NONE) {
		if (s->media != NULL)
			s->media->direction = dir;
		else
			s->session->direction = dir;
		return SDP_OK;
	}
	if (slice_eq(name, "key-mgmt")) {
		if (s->media != NULL)
			return parse_key_mgmt(attr_value, &s->media->key_mgmt,
					      &s->media->key_mgmt_dropped);
		return parse_key_mgmt(attr_value, &s->session->key_mgmt,
				      &s->session->key_mgmt_dropped);
	}
	/* The remaining attributes are media-level only (RFC 3605, 4568, 5761). */
	if (s->media == NULL)
		return SDP_OK;
	if (slice_eq(name, "rtcp-mux")) {
		s->media->rtcp_mux = true;
		return SDP_OK;
	}
	if (slice_eq(name, "rtcp") && has_value)
		return parse_rtcp(attr_value, s->media);
	if (slice_eq(name, "crypto") && has_value) {
		struct sdp_media *m = s->media;

		if (m->crypto_count == SDP_MAX_CRYPTO)
			m->crypto_dropped++;
		else
			m->crypto[m->crypto_count++] = trim(attr_value);
	}
	return SDP_OK;
}

static void record_error(struct scope *s, enum sdp_error error, size_t offset)
{
	if (error == SDP_OK)
		return;
	if (s->media == NULL) {
		if (s->session->error == SDP_OK) {
			s->session->error = error;
			s->session->error_offset = offset;
		}
		return;
	}
	if (s->media->error == SDP_OK) {
		s->media->error = error;
		s->media->error_offset = offset;
		if (!s->media_dropped)
			s->session->media_errors++;
	}
}

/* Opens a new m-section, or a dummy one past SDP_MAX_MEDIA. */
static void start_media(struct scope *s, struct sdp_media *overflow,
			struct sdp_slice value, size_t offset)
{
	struct sdp_session *session = s->session;

	if (session->media_count == SDP_MAX_MEDIA) {
		/* Lines of a dropped section must not land in the last kept one. */
		session->media_dropped++;
		memset(overflow, 0, sizeof(*overflow));
		s->media = overflow;
		s->media_dropped = true;
		return;
	}
	s->media = &session->media[session->media_count++];
	s->media_dropped = false;
	record_error(s, parse_media_line(value, s->media), offset);
}

static void parse_line(struct sdp_slice line, size_t offset, struct scope *s,
		       struct sdp_media *overflow)
{
	struct sdp_slice value = { line.ptr + 2, line.len - 2 };

	switch (line.ptr[0]) {
	case 'm':
		start_media(s, overflow, value, offset);
		break;
	case 'o':
		if (s->media == NULL)
			record_error(s, parse_origin(value, &s->session->origin),
				     offset);
		break;
	case 'c':
		record_error(s, parse_connection(value, s->media != NULL ?
						 &s->media->connection :
						 &s->session->connection),
			     offset);
		break;
	case 'a':
		record_error(s, parse_attribute(value, s), offset);
		break;
	default:
		break;
	}
}

enum sdp_error sdp_parse(const char *body, size_t len,
			 struct sdp_session *session)
{
	struct sdp_media overflow;
	struct scope s = { session, NULL, false };
	size_t pos = 0;
	bool any_line = false;

	memset(session, 0, sizeof(*session));
	while (pos < len) {
		const char *end = memchr(body + pos, '\n', len - pos);
		size_t line_len = end != NULL ? (size_t)(end - (body + pos))
					      : len - pos;
		struct sdp_slice line = { body + pos, line_len };
		size_t offset = pos;

		pos += line_len + (end != NULL ? 1 : 0);
		if (line.len > 0 && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			continue;
		if (line.len < 2 || line.ptr[1] != '=') {
			record_error(&s, SDP_ERR_LINE, offset);
			continue;
		}
		any_line = true;
		parse_line(line, offset, &s, &overflow);
	}
	return any_line ? SDP_OK : SDP_ERR_EMPTY;
}

const struct sdp_connection *
sdp_media_connection(const struct sdp_session *session,
		     const struct sdp_media *media)
{
	if (media->connection.present)
		return &media->connection;
	return &session->connection;
}

enum sdp_direction sdp_media_direction(const struct sdp_session *session,
				       const struct sdp_media *media)
{
	if (media->direction != SDP_DIR_NONE)
		return media->direction;
	if (session->direction != SDP_DIR_NONE)
		return session->direction;
	return SDP_DIR_SENDRECV;
}

const struct sdp_key_mgmt *
sdp_media_key_mgmt(const struct sdp_session *session,
		   const struct sdp_media *media)
{
	if (media->key_mgmt.present)
		return &media->key_mgmt;
	return &session->key_mgmt;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum sdp_error sdp_base64_decode(const char *text, size_t len,
				 uint8_t *out, size_t cap, size_t *out_len)
{
	size_t pad = 0;

	while (pad < 2 && len > 0 && text[len - 1] == '=') {
		len--;
		pad++;
	}
	/* One leftover character carries 6 bits, less than a byte. */
	if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
		return SDP_ERR_BASE64;

	size_t decoded = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);

	if (decoded > cap)
		return SDP_ERR_BUFFER;

	uint32_t bits = 0;
	unsigned nbits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int v = base64_value(text[i]);

		if (v < 0)
			return SDP_ERR_BASE64;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[n++] = (uint8_t)(bits >> nbits);
		}
	}
	*out_len = n;
	return SDP_OK;
}

enum sdp_error sdp_key_mgmt_decode(const struct sdp_key_mgmt *key_mgmt,
				   uint8_t *out, size_t cap, size_t *out_len)
{
	if (!key_mgmt->present)
		return SDP_ERR_KEY_MGMT;
	return sdp_base64_decode(key_mgmt->data.ptr, key_mgmt->data.len, out,
				 cap, out_len);
}

const char *sdp_error_name(enum sdp_error error)
{
	switch (error) {
	case SDP_OK: return "ok";
	case SDP_ERR_EMPTY: return "empty body";
	case SDP_ERR_LINE: return "invalid line";
	case SDP_ERR_ORIGIN: return "invalid o= line";
	case SDP_ERR_CONNECTION: return "invalid c= line";
	case SDP_ERR_MEDIA: return "invalid m= line";
	case SDP_ERR_PORT: return "invalid port";
	case SDP_ERR_RTCP: return "invalid a=rtcp";
	case SDP_ERR_KEY_MGMT: return "invalid a=key-mgmt";
	case SDP_ERR_BASE64: return "invalid base64";
	case SDP_ERR_BUFFER: return "buffer too small";
	}
	return "unknown error";
}
