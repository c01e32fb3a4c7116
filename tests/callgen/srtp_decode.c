/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp_decode: decrypts every RTP and RTCP packet of a capture with the
 * keys of a lime-callgen --truth-keys file, using libsrtp2 directly and
 * nothing of lime-callgen, and writes per stream what it found:
 *
 *   srtp_decode CAPTURE.pcap KEYS.jsonl > RESULT.tsv
 *
 * One line per stream, tab-separated: call_id, direction, ssrc, RTP
 * packets decrypted, RTP packets that failed, first and last sequence
 * number, SHA-256 of the concatenated plaintext payloads, RTCP packets
 * decrypted, RTCP packets that failed. Packets are matched to streams by
 * their addresses and ports. With RTP and RTCP on one port (RFC 5761)
 * the packet type byte distinguishes them. IP fragments are skipped: media
 * is never fragmented. Exit status 0, 1 when a file cannot be read, 2
 * for bad arguments.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#define MAX_LINE 4096

struct endpoint_key {
	uint8_t family;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

struct stream {
	char call_id[128];
	char direction[32];
	uint32_t ssrc;
	struct endpoint_key rtp;
	struct endpoint_key rtcp;
	srtp_t srtp;               /* NULL for plain RTP */
	EVP_MD_CTX *hash;
	uint64_t rtp_ok;
	uint64_t rtp_failed;
	uint64_t rtcp_ok;
	uint64_t rtcp_failed;
	bool seen;
	uint16_t first_seq;
	uint16_t last_seq;
};

struct slot {
	struct endpoint_key key;
	struct stream *stream;
	bool rtcp;
	bool used;
};

/* Open addressing with at least four slots per stream. */
static struct slot *table;
static uint32_t table_mask;

struct suite {
	const char *name;
	void (*rtp)(srtp_crypto_policy_t *);
	void (*rtcp)(srtp_crypto_policy_t *);
};

static const struct suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default,
	  srtp_crypto_policy_set_rtp_default },
	{ "AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtp_default },
	{ "AES_192_CM_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	{ "AES_192_CM_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
	  srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	{ "AES_256_CM_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AES_256_CM_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ "AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

static uint32_t hash_key(const struct endpoint_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & table_mask;
}

static bool make_table(size_t streams)
{
	size_t size = 1024;

	while (size < 4 * streams)
		size *= 2;
	table = calloc(size, sizeof(*table));
	table_mask = (uint32_t)(size - 1);
	return table != NULL;
}

static bool insert(const struct endpoint_key *k, struct stream *s, bool rtcp)
{
	for (uint32_t i = hash_key(k), n = 0; n <= table_mask; i = (i + 1) & table_mask, n++) {
		if (table[i].used && memcmp(&table[i].key, k, sizeof(*k)) == 0)
			return true;   /* RTP and RTCP share the port (rtcp-mux) */
		if (!table[i].used) {
			table[i].used = true;
			table[i].key = *k;
			table[i].stream = s;
			table[i].rtcp = rtcp;
			return true;
		}
	}
	return false;
}

static const struct slot *lookup(const struct endpoint_key *k)
{
	for (uint32_t i = hash_key(k), n = 0; n <= table_mask; i = (i + 1) & table_mask, n++) {
		if (!table[i].used)
			return NULL;
		if (memcmp(&table[i].key, k, sizeof(*k)) == 0)
			return &table[i];
	}
	return NULL;
}

/* Copies the string or number value of "name" in a flat JSON object. */
static bool field(const char *line, const char *name, char *out, size_t cap)
{
	char pattern[64];
	const char *p;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "\"%s\":", name);
	p = strstr(line, pattern);
	if (p == NULL)
		return false;
	p += strlen(pattern);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && n + 1 < cap; p++)
			out[n++] = *p;
	} else {
		for (; *p != '\0' && *p != ',' && *p != '}' && n + 1 < cap; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

static bool parse_addr(const char *text, uint8_t *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, out) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

static bool hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n % 2 != 0 || n / 2 > cap)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

static bool create_session(struct stream *s, const char *suite_name, const char *key_hex)
{
	uint8_t key[64];
	size_t key_len = 0;
	srtp_policy_t policy;

	if (strcmp(suite_name, "none") == 0)
		return true;
	memset(&policy, 0, sizeof(policy));
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strcmp(suites[i].name, suite_name) == 0) {
			suites[i].rtp(&policy.rtp);
			suites[i].rtcp(&policy.rtcp);
			policy.ssrc.type = ssrc_specific;
			policy.ssrc.value = s->ssrc;
			policy.key = key;
			policy.window_size = 1024;
			if (!hex_decode(key_hex, key, sizeof(key), &key_len))
				return false;
			return srtp_create(&s->srtp, &policy) == srtp_err_status_ok;
		}
	}
	return false;
}

static struct stream *read_stream(const char *line)
{
	char src[64], dst[64], port[4][16], ssrc[16], suite[64], key[160];
	struct stream *s = calloc(1, sizeof(*s));
	uint8_t family = 0;

	if (s == NULL || !field(line, "call_id", s->call_id, sizeof(s->call_id)) ||
	    !field(line, "direction", s->direction, sizeof(s->direction)) ||
	    !field(line, "src", src, sizeof(src)) || !field(line, "dst", dst, sizeof(dst)) ||
	    !field(line, "src_port", port[0], 16) || !field(line, "dst_port", port[1], 16) ||
	    !field(line, "rtcp_src_port", port[2], 16) ||
	    !field(line, "rtcp_dst_port", port[3], 16) || !field(line, "ssrc", ssrc, 16) ||
	    !field(line, "suite", suite, sizeof(suite)) ||
	    !field(line, "key_salt_hex", key, sizeof(key)))
		return NULL;
	s->ssrc = (uint32_t)strtoul(ssrc, NULL, 10);
	if (!parse_addr(src, &family, s->rtp.src) || !parse_addr(dst, &family, s->rtp.dst))
		return NULL;
	s->rtp.family = family;
	s->rtcp = s->rtp;
	s->rtp.sport = (uint16_t)atoi(port[0]);
	s->rtp.dport = (uint16_t)atoi(port[1]);
	s->rtcp.sport = (uint16_t)atoi(port[2]);
	s->rtcp.dport = (uint16_t)atoi(port[3]);
	s->hash = EVP_MD_CTX_new();
	if (s->hash == NULL || EVP_DigestInit_ex(s->hash, EVP_sha256(), NULL) != 1 ||
	    !create_session(s, suite, key))
		return NULL;
	return s;
}

/* RTCP packet types 192 to 223 share the second byte with RTP payload
 * types only when marker and type make 192 or more (RFC 5761 4). */
static bool looks_like_rtcp(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

static void handle_rtp(struct stream *s, uint8_t *p, int len)
{
	size_t hdr;

	if (s->srtp != NULL && srtp_unprotect(s->srtp, p, &len) != srtp_err_status_ok) {
		s->rtp_failed++;
		return;
	}
	hdr = 12 + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10)
		hdr += 4 + 4u * (p[hdr + 2] << 8 | p[hdr + 3]);
	if ((size_t)len < hdr) {
		s->rtp_failed++;
		return;
	}
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);

	if (!s->seen)
		s->first_seq = seq;
	s->seen = true;
	s->last_seq = seq;
	s->rtp_ok++;
	EVP_DigestUpdate(s->hash, p + hdr, (size_t)len - hdr);
}

static void handle_rtcp(struct stream *s, uint8_t *p, int len)
{
	if (s->srtp != NULL && srtp_unprotect_rtcp(s->srtp, p, &len) != srtp_err_status_ok)
		s->rtcp_failed++;
	else
		s->rtcp_ok++;
}

/* Finds the UDP payload of an unfragmented IPv4 or IPv6 packet. */
static bool udp_payload(const uint8_t *frame, size_t len, struct endpoint_key *k,
			const uint8_t **payload, size_t *payload_len)
{
	const uint8_t *ip = frame + 14, *udp;
	uint16_t ethertype;

	if (len < 14 + 20)
		return false;
	memset(k, 0, sizeof(*k));
	ethertype = (uint16_t)(frame[12] << 8 | frame[13]);
	if (ethertype == 0x0800) {
		size_t ihl = 4u * (ip[0] & 0x0f);

		if (ip[9] != 17 || ((ip[6] & 0x3f) | ip[7]) != 0)
			return false;
		k->family = 4;
		memcpy(k->src, ip + 12, 4);
		memcpy(k->dst, ip + 16, 4);
		udp = ip + ihl;
	} else if (ethertype == 0x86dd) {
		if (len < 14 + 40 || ip[6] != 17)
			return false;
		k->family = 6;
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
		udp = ip + 40;
	} else {
		return false;
	}
	if ((size_t)(udp - frame) + 8 > len)
		return false;
	k->sport = (uint16_t)(udp[0] << 8 | udp[1]);
	k->dport = (uint16_t)(udp[2] << 8 | udp[3]);
	*payload = udp + 8;
	*payload_len = (size_t)(udp[4] << 8 | udp[5]) - 8;
	return (size_t)(udp - frame) + 8 + *payload_len <= len;
}

static int read_capture(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	pcap_t *p = pcap_open_offline(path, err);
	int rc;

	if (p == NULL) {
		fprintf(stderr, "srtp_decode: cannot read %s: %s\n", path, err);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &hdr, &frame)) == 1) {
		struct endpoint_key k;
		const uint8_t *payload;
		size_t len;
		uint8_t buf[2048];
		const struct slot *slot;

		if (!udp_payload(frame, hdr->caplen, &k, &payload, &len) || len > sizeof(buf))
			continue;
		slot = lookup(&k);
		if (slot == NULL)
			continue;
		memcpy(buf, payload, len);
		if (slot->rtcp || looks_like_rtcp(buf, len))
			handle_rtcp(slot->stream, buf, (int)len);
		else
			handle_rtp(slot->stream, buf, (int)len);
	}
	pcap_close(p);
	return rc == -2 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char line[MAX_LINE];
	struct stream **streams = NULL;
	size_t n = 0;
	FILE *keys;

	if (argc != 3) {
		fprintf(stderr, "usage: srtp_decode CAPTURE.pcap KEYS.jsonl\n");
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp_decode: srtp_init failed\n");
		return 1;
	}
	keys = fopen(argv[2], "r");
	if (keys == NULL) {
		fprintf(stderr, "srtp_decode: cannot open the keys file %s\n", argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), keys) != NULL) {
		struct stream *s = read_stream(line);
		struct stream **grown = realloc(streams, (n + 1) * sizeof(*streams));

		if (s == NULL || grown == NULL) {
			fprintf(stderr, "srtp_decode: invalid line %zu of %s: expected a stream "
				"of lime-callgen --truth-keys\n", n + 1, argv[2]);
			return 1;
		}
		streams = grown;
		streams[n++] = s;
	}
	fclose(keys);
	if (!make_table(n)) {
		fprintf(stderr, "srtp_decode: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!insert(&streams[i]->rtp, streams[i], false) ||
		    !insert(&streams[i]->rtcp, streams[i], true)) {
			fprintf(stderr, "srtp_decode: stream table full\n");
			return 1;
		}
	}
	if (read_capture(argv[1]) != 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct stream *s = streams[i];
		uint8_t digest[32];
		unsigned int dlen = 0;

		EVP_DigestFinal_ex(s->hash, digest, &dlen);
		printf("%s\t%s\t%u\t%llu\t%llu\t%u\t%u\t", s->call_id, s->direction, s->ssrc,
		       (unsigned long long)s->rtp_ok, (unsigned long long)s->rtp_failed,
		       s->first_seq, s->last_seq);
		for (unsigned j = 0; j < dlen; j++)
			printf("%02x", digest[j]);
		printf("\t%llu\t%llu\n", (unsigned long long)s->rtcp_ok,
		       (unsigned long long)s->rtcp_failed);
	}
	return 0;
}
