/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_RTP_STREAM_H
#define LIME_TOOLS_CALLGEN_RTP_STREAM_H

/*
 * One sending direction of a call: RTP packets of the tone, RTCP sender
 * reports with an SDES CNAME, both protected with libsrtp2 (srtp_protect,
 * srtp_protect_rtcp) when the stream has a suite. The stream hashes every
 * plaintext payload it sends (SHA-256 over their concatenation) for the
 * ground truth, and can keep a copy of the payloads in a file.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include "tools/callgen/audio.h"
#include "tools/callgen/rng.h"
#include "tools/callgen/suite.h"

/* Bytes an RTP or RTCP packet of this tool can take after protection. */
#define CG_RTP_MAX 1500

struct cg_stream_params {
	uint32_t ssrc;
	uint16_t first_seq;
	uint32_t first_rtp_ts;
	enum cg_codec codec;
	uint32_t ptime_ms;
	const struct cg_suite *suite;      /* NULL: plain RTP and RTCP */
	const uint8_t *key_salt;           /* master key || master salt */
	uint32_t tone_hz;
	uint64_t content_seed;             /* wideband payload bytes */
	const char *cname;
	const char *payload_path;          /* NULL: keep no payload file */
};

struct cg_stream {
	struct cg_stream_params p;
	uint8_t key_salt[CG_KEY_SALT_MAX];
	char cname[64];
	char *payload_path;
	srtp_t srtp;                       /* NULL for plain RTP */
	uint16_t seq;
	uint32_t rtp_ts;
	uint32_t packets;
	uint32_t rtcp_packets;
	uint64_t payload_bytes;
	uint16_t last_seq;
	int64_t first_us;
	int64_t last_us;
	struct cg_tone tone;
	struct cg_rng content_rng;
	EVP_MD_CTX *hash;
	uint8_t *payload_buffer;
	size_t payload_buffered;
	bool payload_write_failed;
	bool protect_failed;
};

/* Sets up the stream and its SRTP session. Returns 0, or -1 with a
 * message in err. */
int cg_stream_open(struct cg_stream *s, const struct cg_stream_params *p,
		   char *err, size_t err_len);

/* Builds the next RTP packet at ts_us into out; returns its length, 0
 * when protection failed. */
size_t cg_stream_rtp(struct cg_stream *s, int64_t ts_us, uint8_t *out);

/* Builds an RTCP sender report with an SDES CNAME at ts_us; returns its
 * length, 0 when protection failed. */
size_t cg_stream_rtcp(struct cg_stream *s, int64_t ts_us, uint8_t *out);

/* Ends the stream: stores the payload hash, writes the rest of the
 * payload file and frees the SRTP session. Returns 0, or -1 with a
 * message in err when a payload write or an SRTP protection failed. */
int cg_stream_close(struct cg_stream *s, uint8_t payload_sha256[32],
		    char *err, size_t err_len);

/* Initialises libsrtp2 once per process; returns 0 or -1. */
int cg_srtp_global_init(char *err, size_t err_len);

#endif
