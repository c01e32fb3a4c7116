/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/rtp_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tools/callgen/timefmt.h"

#define RTP_HDR 12
#define RTP_VERSION 0x80
#define RTP_MARKER 0x80
#define RTCP_SR 200
#define RTCP_SDES 202
#define SDES_CNAME 1
#define PAYLOAD_BUFFER_BYTES 8192

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int cg_srtp_global_init(char *err, size_t err_len)
{
	srtp_err_status_t st = srtp_init();

	if (st != srtp_err_status_ok) {
		snprintf(err, err_len, "srtp_init failed with libsrtp2 status %d", st);
		return -1;
	}
	return 0;
}

static int create_session(struct cg_stream *s, char *err, size_t err_len)
{
	const struct cg_suite *suite = s->p.suite;
	srtp_policy_t policy;
	srtp_err_status_t st;

	memset(&policy, 0, sizeof(policy));
	suite->rtp_policy(&policy.rtp);
	suite->rtcp_policy(&policy.rtcp);
	policy.ssrc.type = ssrc_specific;
	policy.ssrc.value = s->p.ssrc;
	policy.key = s->key_salt;
	policy.window_size = 128;
	st = srtp_create(&s->srtp, &policy);
	if (st != srtp_err_status_ok) {
		snprintf(err, err_len, "srtp_create for suite %s failed with libsrtp2 "
			 "status %d; this libsrtp2 build may lack the suite", suite->name, st);
		s->srtp = NULL;
		return -1;
	}
	return 0;
}

/* Creates the payload file empty, so that a bad --truth-payloads folder
 * is reported before any packet is written. */
static int create_payload_file(struct cg_stream *s, char *err, size_t err_len)
{
	FILE *f = fopen(s->payload_path, "wb");

	if (f == NULL || fclose(f) != 0) {
		snprintf(err, err_len, "cannot create payload file %s: %s",
			 s->payload_path, strerror(errno));
		return -1;
	}
	return 0;
}

int cg_stream_open(struct cg_stream *s, const struct cg_stream_params *p,
		   char *err, size_t err_len)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	snprintf(s->cname, sizeof(s->cname), "%s", p->cname);
	s->p.cname = s->cname;
	s->seq = p->first_seq;
	s->rtp_ts = p->first_rtp_ts;
	cg_tone_init(&s->tone, p->tone_hz);
	cg_rng_seed(&s->content_rng, p->content_seed, 0);
	s->hash = EVP_MD_CTX_new();
	if (s->hash == NULL || EVP_DigestInit_ex(s->hash, EVP_sha256(), NULL) != 1) {
		snprintf(err, err_len, "SHA-256 context: out of memory");
		return -1;
	}
	if (p->suite != NULL) {
		memcpy(s->key_salt, p->key_salt, p->suite->key_len + p->suite->salt_len);
		s->p.key_salt = s->key_salt;
		if (create_session(s, err, err_len) != 0)
			return -1;
	}
	if (p->payload_path != NULL) {
		s->payload_path = strdup(p->payload_path);
		s->payload_buffer = malloc(PAYLOAD_BUFFER_BYTES);
		if (s->payload_path == NULL || s->payload_buffer == NULL) {
			snprintf(err, err_len, "payload buffer: out of memory");
			return -1;
		}
		return create_payload_file(s, err, err_len);
	}
	return 0;
}

/* Appends the buffered payload bytes to the payload file, which is
 * opened for each flush so that thousands of streams need no open files. */
static void flush_payloads(struct cg_stream *s)
{
	FILE *f;

	if (s->payload_path == NULL || s->payload_buffered == 0)
		return;
	f = fopen(s->payload_path, "ab");
	if (f == NULL) {
		s->payload_write_failed = true;
		return;
	}
	if (fwrite(s->payload_buffer, 1, s->payload_buffered, f) != s->payload_buffered)
		s->payload_write_failed = true;
	if (fclose(f) != 0)
		s->payload_write_failed = true;
	s->payload_buffered = 0;
}

static void keep_payload(struct cg_stream *s, const uint8_t *payload, size_t len)
{
	EVP_DigestUpdate(s->hash, payload, len);
	if (s->payload_buffer == NULL)
		return;
	if (s->payload_buffered + len > PAYLOAD_BUFFER_BYTES)
		flush_payloads(s);
	memcpy(s->payload_buffer + s->payload_buffered, payload, len);
	s->payload_buffered += len;
}

size_t cg_stream_rtp(struct cg_stream *s, int64_t ts_us, uint8_t *out)
{
	const struct cg_codec_info *codec = cg_codec_info(s->p.codec);
	size_t payload_len = (size_t)codec->payload_bytes_per_ms * s->p.ptime_ms;
	int len = (int)(RTP_HDR + payload_len);

	out[0] = RTP_VERSION;
	out[1] = (uint8_t)(codec->payload_type | (s->packets == 0 ? RTP_MARKER : 0));
	put16(out + 2, s->seq);
	put32(out + 4, s->rtp_ts);
	put32(out + 8, s->p.ssrc);
	cg_audio_fill(s->p.codec, &s->tone, &s->content_rng, out + RTP_HDR, payload_len);
	keep_payload(s, out + RTP_HDR, payload_len);

	if (s->packets == 0)
		s->first_us = ts_us;
	s->last_us = ts_us;
	s->last_seq = s->seq;
	s->packets++;
	s->payload_bytes += payload_len;
	s->seq++;
	s->rtp_ts += codec->rtp_clock_per_ms * s->p.ptime_ms;

	if (s->srtp != NULL && srtp_protect(s->srtp, out, &len) != srtp_err_status_ok) {
		s->protect_failed = true;
		return 0;
	}
	return (size_t)len;
}

/* Writes the SDES chunk with the CNAME, padded to a 32-bit boundary. */
static size_t put_sdes(const struct cg_stream *s, uint8_t *p)
{
	size_t cname_len = strlen(s->cname);
	size_t chunk = 4 + 2 + cname_len + 1;   /* SSRC, item, END */
	size_t padded = (chunk + 3) & ~(size_t)3;

	memset(p, 0, 4 + padded);
	p[0] = RTP_VERSION | 1;
	p[1] = RTCP_SDES;
	put16(p + 2, (uint16_t)(padded / 4));
	put32(p + 4, s->p.ssrc);
	p[8] = SDES_CNAME;
	p[9] = (uint8_t)cname_len;
	memcpy(p + 10, s->cname, cname_len);
	return 4 + padded;
}

size_t cg_stream_rtcp(struct cg_stream *s, int64_t ts_us, uint8_t *out)
{
	const struct cg_codec_info *codec = cg_codec_info(s->p.codec);
	uint64_t ntp = cg_time_to_ntp64(ts_us);
	/* The RTP timestamp that corresponds to ts_us on the media clock. */
	int64_t elapsed_us = s->packets > 0 ? ts_us - s->first_us : 0;
	uint32_t rtp_now = s->p.first_rtp_ts +
			   (uint32_t)(elapsed_us * codec->rtp_clock_per_ms / 1000);
	int len;

	out[0] = RTP_VERSION;
	out[1] = RTCP_SR;
	put16(out + 2, 6);
	put32(out + 4, s->p.ssrc);
	put32(out + 8, (uint32_t)(ntp >> 32));
	put32(out + 12, (uint32_t)ntp);
	put32(out + 16, rtp_now);
	put32(out + 20, s->packets);
	put32(out + 24, (uint32_t)s->payload_bytes);
	len = (int)(28 + put_sdes(s, out + 28));
	s->rtcp_packets++;

	if (s->srtp != NULL && srtp_protect_rtcp(s->srtp, out, &len) != srtp_err_status_ok) {
		s->protect_failed = true;
		return 0;
	}
	return (size_t)len;
}

int cg_stream_close(struct cg_stream *s, uint8_t payload_sha256[32],
		    char *err, size_t err_len)
{
	unsigned int digest_len = 0;
	int rc = 0;

	if (s->hash == NULL || EVP_DigestFinal_ex(s->hash, payload_sha256, &digest_len) != 1)
		memset(payload_sha256, 0, 32);
	EVP_MD_CTX_free(s->hash);
	s->hash = NULL;
	if (s->payload_path != NULL)
		flush_payloads(s);
	if (s->srtp != NULL)
		srtp_dealloc(s->srtp);
	s->srtp = NULL;
	OPENSSL_cleanse(s->key_salt, sizeof(s->key_salt));

	if (s->protect_failed) {
		snprintf(err, err_len, "srtp_protect failed on SSRC %08x", s->p.ssrc);
		rc = -1;
	} else if (s->payload_write_failed) {
		snprintf(err, err_len, "writing payload file %s failed (disk full?)",
			 s->payload_path);
		rc = -1;
	}
	free(s->payload_path);
	free(s->payload_buffer);
	s->payload_path = NULL;
	s->payload_buffer = NULL;
	return rc;
}
