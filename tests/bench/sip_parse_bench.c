/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP messages parsed per second on one core, doing the control lcore's
 * work on every message, beside a memchr scan of the same bytes for line
 * ends as the ceiling. Prints a table and RESULT lines, which
 * docs/performance.md explains.
 *
 *   sip_parse_bench [MESSAGES_PER_ROUND] [ROUNDS]
 *
 * The mix is built in memory: CALLS calls of seven messages each (INVITE
 * and 200 OK with SDP and SDES, 100, 180, ACK, BYE, 200 OK to BYE) and one
 * registration each (REGISTER, 401, REGISTER with credentials, 200 OK).
 * Every eighth call uses compact header names and another eighth sends a
 * multipart INVITE with an ISUP part. Call-IDs, tags, branches, numbers,
 * ports and keys differ from call to call, and the messages are processed
 * in a fixed shuffled order rather than call by call.
 *
 * Each mode adds a stage to the one before it: parse only, then the header
 * work, then SDP and SDES. All modes run over the same messages, and a
 * stage's cost is the difference between two modes, so no timer is read
 * inside the per-message path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "lib/sdp/sdes.h"
#include "lib/sdp/sdp.h"
#include "lib/sip/sip_msg.h"

#define CALLS 64
#define MSGS_PER_CALL 11
#define MAX_MSGS (CALLS * MSGS_PER_CALL)
#define MAX_MSG_LEN 2048
#define MAX_BODY_LEN 1536
#define MAX_SDP_PARTS 4
#define MAX_ROUNDS 99

/* Messages stored back to back in one buffer. */
struct mix {
	char *bytes;
	size_t used;
	size_t cap;
	size_t offset[MAX_MSGS];
	size_t len[MAX_MSGS];
	unsigned order[MAX_MSGS]; /* shuffled processing order */
	unsigned count;
};

enum mode {
	MODE_SCAN,    /* the ceiling: memchr for each line end */
	MODE_PARSE,   /* sip_msg_parse */
	MODE_HEADERS, /* and Call-ID, CSeq, From, To, Request-URI */
	MODE_FULL,    /* and SDP and SDES */
	MODE_COUNT,
};

static const char *const mode_names[MODE_COUNT] = {
	"memchr scan (ceiling)", "parse", "parse + headers and URIs",
	"parse + headers + SDP/SDES",
};

/* Per-call identifiers that make each message distinct. */
struct call_ids {
	unsigned index;
	unsigned caller;         /* last digits of the numbers */
	unsigned callee;
	unsigned host;           /* last octet of the caller's address */
	uint32_t call_id[2];
	uint32_t from_tag;
	uint32_t to_tag;
	uint32_t branch;
	uint32_t reg_call_id;
	uint16_t rtp_port;
	char key_offer[41];      /* base64 of 30 bytes */
	char key_answer[41];
	bool compact;
	bool multipart;
};

/* Receives each round's digest, so the compiler cannot drop the work. */
static volatile uint64_t bench_sink;

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t next_random(void)
{
	/* xorshift32: a fixed seed, so every run builds the same mix. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void base64_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

/* An AES_CM_128 key||salt: 30 random bytes in base64. */
static void random_key(char out[41])
{
	uint8_t raw[30];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)next_random();
	base64_encode(raw, sizeof(raw), out);
}

static void init_call(struct call_ids *ids, unsigned index)
{
	ids->index = index;
	ids->caller = 1000 + next_random() % 9000;
	ids->callee = 1000 + next_random() % 9000;
	ids->host = 10 + index % 200;
	ids->call_id[0] = next_random();
	ids->call_id[1] = next_random();
	ids->from_tag = next_random();
	ids->to_tag = next_random();
	ids->branch = next_random();
	ids->reg_call_id = next_random();
	ids->rtp_port = (uint16_t)(10000 + 2 * (next_random() % 20000));
	random_key(ids->key_offer);
	random_key(ids->key_answer);
	ids->compact = index % 8 == 3;
	ids->multipart = index % 8 == 6;
}

static void fail(const char *message)
{
	fprintf(stderr, "sip_parse_bench: %s\n", message);
	exit(1);
}

/* Appends a message to the mix. */
static void add_message(struct mix *mix, const char *text, size_t len)
{
	if (mix->count == MAX_MSGS)
		fail("the mix has more than MAX_MSGS messages: raise MAX_MSGS");
	if (mix->used + len > mix->cap)
		fail("the mix buffer is full: raise MAX_MSG_LEN");
	memcpy(mix->bytes + mix->used, text, len);
	mix->offset[mix->count] = mix->used;
	mix->len[mix->count] = len;
	mix->count++;
	mix->used += len;
}

/* Appends head, a Content-Length line with body_len, a blank line, body. */
static void add_with_body(struct mix *mix, const char *head, const char *length_name,
			  const char *body, size_t body_len)
{
	char text[MAX_MSG_LEN];
	int n = snprintf(text, sizeof(text), "%s%s: %zu\r\n\r\n", head, length_name, body_len);

	if (n < 0 || (size_t)n + body_len > sizeof(text))
		fail("a message is longer than MAX_MSG_LEN: raise it");
	memcpy(text + n, body, body_len);
	add_message(mix, text, (size_t)n + body_len);
}

static size_t format_sdp(char *out, size_t cap, const struct call_ids *ids, bool answer)
{
	unsigned host = answer ? 200 + ids->index % 50 : ids->host;
	unsigned port = answer ? ids->rtp_port + 2u : ids->rtp_port;
	int n = snprintf(out, cap,
		"v=0\r\n"
		"o=- %u %u IN IP4 192.0.2.%u\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.%u\r\n"
		"t=0 0\r\n"
		"m=audio %u RTP/SAVP 96 8 101\r\n"
		"a=rtpmap:96 AMR-WB/16000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^31\r\n"
		"a=rtcp-mux\r\n"
		"a=sendrecv\r\n"
		"a=ptime:20\r\n",
		ids->call_id[0] & 0xffffff, 1 + answer, host, host, port,
		answer ? ids->key_answer : ids->key_offer);

	if (n < 0 || (size_t)n >= cap)
		fail("an SDP body is longer than MAX_BODY_LEN: raise it");
	return (size_t)n;
}

/* SDP and an ISUP IAM as SIP-I sends them (RFC 3204). */
static size_t format_multipart(char *out, size_t cap, const struct call_ids *ids)
{
	char sdp[MAX_BODY_LEN];
	size_t sdp_len = format_sdp(sdp, sizeof(sdp), ids, false);
	const uint8_t isup[] = { 0x01, 0x00, 0x49, 0x00, 0x00, 0x03, 0x02, 0x00,
				 0x07, 0x04, 0x10, 0x00, (uint8_t)ids->callee,
				 (uint8_t)(ids->callee >> 8), 0x0a, 0x00, 0x00 };
	int n = snprintf(out, cap, "--lime-boundary-%u\r\nContent-Type: application/sdp\r\n\r\n",
			 ids->index);
	size_t len;

	if (n < 0 || (size_t)n + sdp_len + sizeof(isup) + 200 > cap)
		fail("a multipart body is longer than MAX_BODY_LEN: raise it");
	len = (size_t)n;
	memcpy(out + len, sdp, sdp_len);
	len += sdp_len;
	len += (size_t)snprintf(out + len, cap - len,
		"\r\n--lime-boundary-%u\r\n"
		"Content-Type: application/isup;version=itu-t92+\r\n"
		"Content-Disposition: signal;handling=optional\r\n\r\n", ids->index);
	memcpy(out + len, isup, sizeof(isup));
	len += sizeof(isup);
	len += (size_t)snprintf(out + len, cap - len, "\r\n--lime-boundary-%u--\r\n", ids->index);
	return len;
}

/* Header lines shared by every message of a call's dialog. */
struct dialog_headers {
	char via[128];
	char from[160];
	char to[160];
	char call_id[96];
};

/* branch_offset gives each transaction of the dialog its own Via branch. */
static void format_dialog(struct dialog_headers *d, const struct call_ids *ids,
			  bool to_tag, uint32_t branch_offset)
{
	const char *v = ids->compact ? "v" : "Via";
	const char *f = ids->compact ? "f" : "From";
	const char *t = ids->compact ? "t" : "To";
	const char *i = ids->compact ? "i" : "Call-ID";

	snprintf(d->via, sizeof(d->via),
		 "%s: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bK%08x;rport\r\n",
		 v, ids->host, ids->branch + branch_offset);
	snprintf(d->from, sizeof(d->from),
		 "%s: \"Subscriber %u\" <sip:+498912%04u@ims.example.com;user=phone>;tag=%08x\r\n",
		 f, ids->caller, ids->caller, ids->from_tag);
	if (to_tag)
		snprintf(d->to, sizeof(d->to),
			 "%s: <sip:+493055%04u@ims.example.net;user=phone>;tag=%08x\r\n",
			 t, ids->callee, ids->to_tag);
	else
		snprintf(d->to, sizeof(d->to),
			 "%s: <sip:+493055%04u@ims.example.net;user=phone>\r\n", t, ids->callee);
	snprintf(d->call_id, sizeof(d->call_id), "%s: %08x%08x@192.0.2.%u\r\n",
		 i, ids->call_id[0], ids->call_id[1], ids->host);
}

static void add_invite(struct mix *mix, const struct call_ids *ids)
{
	struct dialog_headers d;
	char head[MAX_MSG_LEN];
	char body[MAX_BODY_LEN];
	char type[64] = "application/sdp";
	char type_line[96];
	size_t body_len;

	format_dialog(&d, ids, false, 0);
	if (ids->multipart) {
		body_len = format_multipart(body, sizeof(body), ids);
		snprintf(type, sizeof(type), "multipart/mixed;boundary=lime-boundary-%u", ids->index);
	} else {
		body_len = format_sdp(body, sizeof(body), ids, false);
	}
	snprintf(type_line, sizeof(type_line), "%s: %s\r\n", ids->compact ? "c" : "Content-Type", type);
	snprintf(head, sizeof(head),
		 "INVITE sip:+493055%04u@ims.example.net;user=phone SIP/2.0\r\n"
		 "%s"
		 "Max-Forwards: 70\r\n"
		 "%s%s%s"
		 "CSeq: 1 INVITE\r\n"
		 "%s: <sip:+498912%04u@192.0.2.%u:5060>;+g.3gpp.icsi-ref=\"urn%%3Aurn-7%%3A3gpp-service.ims.icsi.mmtel\"\r\n"
		 "P-Asserted-Identity: <sip:+498912%04u@ims.example.com;user=phone>\r\n"
		 "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, PRACK\r\n"
		 "%s: 100rel, timer\r\n"
		 "%s",
		 ids->callee, d.via, d.from, d.to, d.call_id, ids->compact ? "m" : "Contact",
		 ids->caller, ids->host, ids->caller, ids->compact ? "k" : "Supported", type_line);
	add_with_body(mix, head, ids->compact ? "l" : "Content-Length", body, body_len);
}

/* Adds a response to the INVITE, with the SDP answer when with_sdp is set. */
static void add_invite_response(struct mix *mix, const struct call_ids *ids,
				const char *status, bool to_tag, bool with_sdp)
{
	struct dialog_headers d;
	char head[MAX_MSG_LEN];
	char body[MAX_BODY_LEN];
	size_t body_len = 0;
	const char *extra = "";
	char contact[96];

	format_dialog(&d, ids, to_tag, 0);
	snprintf(contact, sizeof(contact), "%s: <sip:+493055%04u@198.51.100.7:5060>\r\n",
		 ids->compact ? "m" : "Contact", ids->callee);
	if (with_sdp) {
		body_len = format_sdp(body, sizeof(body), ids, true);
		extra = ids->compact ? "c: application/sdp\r\n" : "Content-Type: application/sdp\r\n";
	}
	snprintf(head, sizeof(head),
		 "SIP/2.0 %s\r\n"
		 "%s%s%s%s"
		 "CSeq: 1 INVITE\r\n"
		 "%s%s",
		 status, d.via, d.from, d.to, d.call_id,
		 to_tag ? contact : "", extra);
	add_with_body(mix, head, ids->compact ? "l" : "Content-Length", body, body_len);
}

/* Adds ACK, BYE or the 200 OK to BYE. The requests go to the callee's contact. */
static void add_in_dialog(struct mix *mix, const struct call_ids *ids,
			  const char *start_line, const char *cseq, uint32_t branch_offset)
{
	bool is_request = strncmp(start_line, "SIP/", 4) != 0;
	struct dialog_headers d;
	char head[MAX_MSG_LEN];

	format_dialog(&d, ids, true, branch_offset);
	snprintf(head, sizeof(head),
		 "%s\r\n"
		 "%s"
		 "%s"
		 "%s%s%s"
		 "CSeq: %s\r\n",
		 start_line, d.via, is_request ? "Max-Forwards: 70\r\n" : "",
		 d.from, d.to, d.call_id, cseq);
	add_with_body(mix, head, ids->compact ? "l" : "Content-Length", "", 0);
}

/* Adds a REGISTER, with credentials on the second attempt. */
static void add_register(struct mix *mix, const struct call_ids *ids, unsigned cseq,
			 bool credentials)
{
	char head[MAX_MSG_LEN];
	char auth[320] = "";

	if (credentials)
		snprintf(auth, sizeof(auth),
			 "Authorization: Digest username=\"262019876%06u@ims.example.com\","
			 "realm=\"ims.example.com\",nonce=\"%08x%08x\",algorithm=AKAv1-MD5,"
			 "uri=\"sip:ims.example.com\",response=\"%08x%08x%08x%08x\"\r\n",
			 ids->caller, ids->reg_call_id, ids->branch, ids->to_tag,
			 ids->from_tag, ids->call_id[0], ids->call_id[1]);
	snprintf(head, sizeof(head),
		 "REGISTER sip:ims.example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bK%08x%u;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:+498912%04u@ims.example.com>;tag=%08x\r\n"
		 "To: <sip:+498912%04u@ims.example.com>\r\n"
		 "Call-ID: %08x@192.0.2.%u\r\n"
		 "CSeq: %u REGISTER\r\n"
		 "Contact: <sip:+498912%04u@192.0.2.%u:5060>;expires=600000\r\n"
		 "%s"
		 "Supported: path, gruu\r\n"
		 "User-Agent: bench-ua/1.0\r\n",
		 ids->host, ids->branch, cseq, ids->caller, ids->from_tag, ids->caller,
		 ids->reg_call_id, ids->host, cseq, ids->caller, ids->host, auth);
	add_with_body(mix, head, "Content-Length", "", 0);
}

static void add_register_response(struct mix *mix, const struct call_ids *ids,
				  unsigned cseq, bool challenge)
{
	char head[MAX_MSG_LEN];
	char extra[320];

	if (challenge)
		snprintf(extra, sizeof(extra),
			 "WWW-Authenticate: Digest realm=\"ims.example.com\","
			 "nonce=\"%08x%08x\",algorithm=AKAv1-MD5,qop=\"auth\"\r\n",
			 ids->reg_call_id, ids->branch);
	else
		snprintf(extra, sizeof(extra),
			 "Contact: <sip:+498912%04u@192.0.2.%u:5060>;expires=600000\r\n"
			 "P-Associated-URI: <sip:+498912%04u@ims.example.com>\r\n",
			 ids->caller, ids->host, ids->caller);
	snprintf(head, sizeof(head),
		 "SIP/2.0 %s\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bK%08x%u;rport\r\n"
		 "From: <sip:+498912%04u@ims.example.com>;tag=%08x\r\n"
		 "To: <sip:+498912%04u@ims.example.com>;tag=%08x\r\n"
		 "Call-ID: %08x@192.0.2.%u\r\n"
		 "CSeq: %u REGISTER\r\n"
		 "%s",
		 challenge ? "401 Unauthorized" : "200 OK", ids->host, ids->branch, cseq,
		 ids->caller, ids->from_tag, ids->caller, ids->to_tag, ids->reg_call_id,
		 ids->host, cseq, extra);
	add_with_body(mix, head, "Content-Length", "", 0);
}

static void add_call(struct mix *mix, const struct call_ids *ids)
{
	char start_line[128];

	add_invite(mix, ids);
	add_invite_response(mix, ids, "100 Trying", false, false);
	add_invite_response(mix, ids, "180 Ringing", true, false);
	add_invite_response(mix, ids, "200 OK", true, true);
	snprintf(start_line, sizeof(start_line),
		 "ACK sip:+493055%04u@198.51.100.7:5060 SIP/2.0", ids->callee);
	add_in_dialog(mix, ids, start_line, "1 ACK", 1);
	snprintf(start_line, sizeof(start_line),
		 "BYE sip:+493055%04u@198.51.100.7:5060 SIP/2.0", ids->callee);
	add_in_dialog(mix, ids, start_line, "2 BYE", 2);
	add_in_dialog(mix, ids, "SIP/2.0 200 OK", "2 BYE", 2);
}

static void add_registration(struct mix *mix, const struct call_ids *ids)
{
	add_register(mix, ids, 1, false);
	add_register_response(mix, ids, 1, true);
	add_register(mix, ids, 2, true);
	add_register_response(mix, ids, 2, false);
}

static void shuffle(struct mix *mix)
{
	for (unsigned i = 0; i < mix->count; i++)
		mix->order[i] = i;
	for (unsigned i = mix->count - 1; i > 0; i--) {
		unsigned j = next_random() % (i + 1);
		unsigned tmp = mix->order[i];

		mix->order[i] = mix->order[j];
		mix->order[j] = tmp;
	}
}

static void build_mix(struct mix *mix)
{
	mix->cap = (size_t)MAX_MSGS * MAX_MSG_LEN;
	mix->bytes = malloc(mix->cap);
	if (mix->bytes == NULL)
		fail("out of memory");
	for (unsigned c = 0; c < CALLS; c++) {
		struct call_ids ids;

		init_call(&ids, c);
		add_call(mix, &ids);
		add_registration(mix, &ids);
	}
	shuffle(mix);
}

/* Counts line ends, which any line-based parser must find at the least. */
static uint64_t scan_lines(const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t lines = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			break;
		lines++;
		p = nl + 1;
	}
	return lines;
}

static uint64_t digest_uri(struct sip_slice text)
{
	struct sip_uri uri;

	if (!sip_uri_parse(text, &uri))
		return 1;
	return uri.user.len + uri.host.len * 3 + uri.port + uri.params.len;
}

/* Digests Call-ID, CSeq, From and To with their URIs, and the Request-URI. */
static uint64_t digest_headers(const struct sip_msg *msg)
{
	struct sip_slice call_id = { NULL, 0 };
	struct sip_slice method = { NULL, 0 };
	struct sip_name_addr from;
	struct sip_name_addr to;
	uint32_t cseq = 0;
	uint64_t digest;

	/* sip_msg_from and sip_msg_to call sip_name_addr_parse on the value. */
	digest = sip_msg_call_id(msg, &call_id) + call_id.len;
	digest += sip_msg_cseq(msg, &cseq, &method) + cseq + method.len;
	if (sip_msg_from(msg, &from))
		digest += from.tag.len + digest_uri(from.uri);
	if (sip_msg_to(msg, &to))
		digest += to.tag.len + digest_uri(to.uri);
	if (msg->is_request)
		digest += digest_uri(msg->request_uri);
	return digest;
}

static uint64_t digest_crypto(const struct sdp_media *media)
{
	struct sdes_crypto crypto;
	uint64_t digest = 0;

	for (unsigned i = 0; i < media->crypto_count; i++) {
		if (sdes_parse(media->crypto[i].ptr, media->crypto[i].len, &crypto) != SDES_OK)
			continue;
		digest += crypto.tag + crypto.suite + crypto.keys[0].key_salt[0];
	}
	return digest;
}

/* Digests every SDP body of the message and every a=crypto line in it. */
static uint64_t digest_sdp(const struct sip_msg *msg)
{
	static struct sdp_session session;
	struct sip_body_part parts[MAX_SDP_PARTS];
	size_t count = sip_msg_find_sdp(msg, parts, MAX_SDP_PARTS);
	uint64_t digest = count;

	if (count > MAX_SDP_PARTS)
		count = MAX_SDP_PARTS;
	for (size_t p = 0; p < count; p++) {
		if (sdp_parse(parts[p].body.ptr, parts[p].body.len, &session) != SDP_OK)
			continue;
		for (unsigned m = 0; m < session.media_count; m++)
			digest += session.media[m].port + digest_crypto(&session.media[m]);
	}
	return digest;
}

static uint64_t process(const char *p, size_t len, enum mode mode)
{
	struct sip_msg msg;
	enum sip_msg_error err;
	uint64_t digest;

	if (mode == MODE_SCAN)
		return scan_lines(p, len);
	err = sip_msg_parse(p, len, &msg);
	if (err != SIP_MSG_OK)
		return err;
	digest = msg.header_count + msg.body.len + msg.status_code;
	if (mode >= MODE_HEADERS)
		digest += digest_headers(&msg);
	if (mode >= MODE_FULL)
		digest += digest_sdp(&msg);
	return digest;
}

static uint64_t read_ticks(void)
{
#if HAVE_TSC
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct round_result {
	double seconds;
	uint64_t ticks;
};

/* Processes n messages of the mix in its shuffled order, cycling. */
static struct round_result run_round(const struct mix *mix, enum mode mode, unsigned long n)
{
	struct round_result r;
	uint64_t digest = 0;
	unsigned next = 0;
	double start = now_s();
	uint64_t start_ticks = read_ticks();

	for (unsigned long i = 0; i < n; i++) {
		unsigned m = mix->order[next];

		digest += process(mix->bytes + mix->offset[m], mix->len[m], mode);
		next = next + 1 == mix->count ? 0 : next + 1;
	}
	r.ticks = read_ticks() - start_ticks;
	r.seconds = now_s() - start;
	bench_sink += digest;
	return r;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, unsigned n)
{
	qsort(values, n, sizeof(values[0]), compare_double);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Stops the run when the mix is not what the figures claim it is. */
static void check_mix(const struct mix *mix, unsigned *sdp_messages)
{
	static struct sdp_session session;
	struct sip_body_part parts[MAX_SDP_PARTS];
	struct sip_msg msg;
	struct sdes_crypto crypto;

	*sdp_messages = 0;
	for (unsigned i = 0; i < mix->count; i++) {
		const char *p = mix->bytes + mix->offset[i];

		if (sip_msg_parse(p, mix->len[i], &msg) != SIP_MSG_OK || msg.length != mix->len[i])
			fail("a generated message does not parse as one whole message");
		if (sip_msg_find_sdp(&msg, parts, MAX_SDP_PARTS) == 0)
			continue;
		(*sdp_messages)++;
		if (sdp_parse(parts[0].body.ptr, parts[0].body.len, &session) != SDP_OK ||
		    session.media_count != 1 || session.media[0].crypto_count != 1 ||
		    !session.media[0].rtcp_mux)
			fail("a generated SDP body lacks its audio m-line, a=crypto or a=rtcp-mux");
		if (sdes_parse(session.media[0].crypto[0].ptr, session.media[0].crypto[0].len,
			       &crypto) != SDES_OK)
			fail("a generated a=crypto line does not parse");
	}
}

struct figures {
	double rate[MODE_COUNT];  /* median messages per second */
	double ticks[MODE_COUNT]; /* median ticks per message */
	double tick_hz;           /* ticks per second over all rounds */
};

static void measure(const struct mix *mix, unsigned long n, unsigned rounds,
		    struct figures *out)
{
	double rates[MODE_COUNT][MAX_ROUNDS];
	double ticks[MODE_COUNT][MAX_ROUNDS];
	double total_ticks = 0;
	double total_seconds = 0;

	/* The modes alternate, so a slow spell of the machine hits them all. */
	for (unsigned r = 0; r < rounds; r++) {
		for (int mode = 0; mode < MODE_COUNT; mode++) {
			struct round_result res = run_round(mix, (enum mode)mode, n);

			rates[mode][r] = (double)n / res.seconds;
			ticks[mode][r] = (double)res.ticks / (double)n;
			total_ticks += (double)res.ticks;
			total_seconds += res.seconds;
		}
	}
	out->tick_hz = total_ticks / total_seconds;
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		out->rate[mode] = median(rates[mode], rounds);
		out->ticks[mode] = median(ticks[mode], rounds);
	}
}

static void print_result(const char *name, double value, const char *unit,
			 double ceiling)
{
	printf("RESULT %s value=%.1f unit=%s ceiling=%.1f ratio=%.4f\n",
	       name, value, unit, ceiling, value / ceiling);
}

static void report(const struct mix *mix, unsigned sdp_messages, const struct figures *f,
		   unsigned long n, unsigned rounds)
{
	const char *unit = HAVE_TSC ? "cycles/msg" : "ns/msg";
	double parse = f->ticks[MODE_PARSE];
	double headers = f->ticks[MODE_HEADERS] - f->ticks[MODE_PARSE];
	double sdp = f->ticks[MODE_FULL] - f->ticks[MODE_HEADERS];
	double scan = f->ticks[MODE_SCAN];

	printf("mix: %u messages, %zu bytes (%.0f per message), %u with SDP\n",
	       mix->count, mix->used, (double)mix->used / mix->count, sdp_messages);
	printf("median of %u rounds of %lu messages; %s are %s (%.3f GHz)\n\n", rounds, n,
	       unit, HAVE_TSC ? "TSC ticks" : "nanoseconds", f->tick_hz / 1e9);
	printf("%-30s %14s %12s\n", "mode", "msg/s", unit);
	for (int mode = 0; mode < MODE_COUNT; mode++)
		printf("%-30s %14.0f %12.0f\n", mode_names[mode], f->rate[mode], f->ticks[mode]);
	printf("\n%-30s %12s\n", "stage", unit);
	printf("%-30s %12.0f\n", "sip_msg_parse", parse);
	printf("%-30s %12.0f\n", "Call-ID, CSeq, From/To, URIs", headers);
	printf("%-30s %12.0f (%.0f per message with SDP)\n", "SDP and SDES", sdp,
	       sdp * mix->count / sdp_messages);
	printf("\n");

	print_result("sip_parse_msgs", f->rate[MODE_FULL], "msg/s", f->rate[MODE_SCAN]);
	print_result("sip_parse_bytes", f->rate[MODE_FULL] * mix->used / mix->count / 1e6,
		     "MB/s", f->rate[MODE_SCAN] * mix->used / mix->count / 1e6);
	/* As in the front-end benchmark: a stage's cost against the ceiling's. */
	print_result("sip_parse_stage_parse", parse, unit, scan);
	print_result("sip_parse_stage_uris", headers, unit, scan);
	print_result("sip_parse_stage_sdp", sdp, unit, scan);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000UL;
	unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 7UL;
	static struct mix mix;
	struct figures figures;
	unsigned sdp_messages;

	if (n == 0 || rounds == 0 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: sip_parse_bench [MESSAGES_PER_ROUND] [ROUNDS]\n"
			"MESSAGES_PER_ROUND must be positive and ROUNDS from 1 to %d\n",
			MAX_ROUNDS);
		return 2;
	}
	build_mix(&mix);
	check_mix(&mix, &sdp_messages);
	/* One untimed round per mode warms the caches and the branch predictors. */
	measure(&mix, mix.count, 1, &figures);
	measure(&mix, n, (unsigned)rounds, &figures);
	report(&mix, sdp_messages, &figures, n, (unsigned)rounds);
	free(mix.bytes);
	return 0;
}
