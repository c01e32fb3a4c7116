/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_SRTP_SESSION_H
#define LIME_DATAPLANE_SRTP_SESSION_H

/*
 * Receiving side of one SRTP/SRTCP stream on libsrtp2 for a passive tap.
 * A tap differs from a terminal in three ways that this module handles:
 * it may start mid-call, so a stream's rollover counter (ROC) is unknown
 * and a bounded set of candidates is tried when authentication fails; it
 * sees mirrored duplicates, which libsrtp2's replay check turns into
 * SRTP_DUPLICATE instead of failures; and it must say why a packet could
 * not be decrypted. Needs no DPDK.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "lib/sdp/sdes.h"

/* Largest SRTP packet handled: the largest UDP payload. Every packet can
 * be retried with other ROC candidates and restored after a failure. */
#define SRTP_RETRY_MAX_LEN 65535
/* ROC values tried for a stream that never decrypted: 0 and 1 to this. */
#define SRTP_ROC_CANDIDATES 8
/* SSRCs per session whose ROC search state is kept. */
#define SRTP_SESSION_SSRCS 8
/* Streams of their own added for ROC searches; bounds what unknown SSRCs
 * (a flood of forged packets) can make libsrtp2 allocate. */
#define SRTP_SEARCH_STREAMS_MAX 16

/* The key material of one sender, as the signalling gave it. */
struct srtp_stream_keys {
	enum sdes_suite suite;
	unsigned n_keys;
	uint8_t key_salt[SDES_MAX_KEYS][SDES_KEY_SALT_MAX];
	uint8_t mki[SDES_MAX_KEYS][SRTP_MAX_MKI_LEN];
	uint8_t mki_len;              /* 0: no MKI in the packets */
	unsigned flags;               /* SDES_UNENCRYPTED_SRTCP, ... */
	uint8_t kdr;                  /* key derivation rate 2^kdr, 0: none */
};

enum srtp_result {
	SRTP_DECRYPTED,
	SRTP_AUTH_FAILED,     /* no key and ROC candidate authenticates it */
	SRTP_DUPLICATE,       /* replay: seen before, or too old to tell */
	SRTP_MALFORMED,       /* too short or not RTP/RTCP */
	SRTP_NO_SESSION,      /* the session could not be created */
};

struct srtp_ssrc_state {
	uint32_t ssrc;
	bool used;
	bool decrypted_once;  /* the ROC in libsrtp2 is right */
};

struct srtp_session {
	srtp_t ctx;
	srtp_policy_t policy;         /* template for per-SSRC streams */
	srtp_master_key_t master[SDES_MAX_KEYS];
	srtp_master_key_t *master_ptrs[SDES_MAX_KEYS];
	struct srtp_stream_keys keys;
	bool use_mki;
	struct srtp_ssrc_state ssrcs[SRTP_SESSION_SSRCS];
	uint64_t roc_recovered;       /* streams whose ROC was found by trying */
	unsigned search_streams;      /* streams added for ROC searches */
};

/*
 * Initialises libsrtp2 once per process; later calls return the first
 * result. Every session needs it, and srtp_init() itself fails when called
 * twice.
 */
int srtp_library_init(void);

/* Fills keys from an SDES a=crypto. Returns false for an unknown suite. */
bool srtp_keys_from_sdes(const struct sdes_crypto *crypto,
			 struct srtp_stream_keys *keys);
void srtp_keys_wipe(struct srtp_stream_keys *keys);

/*
 * True when libsrtp2 can decrypt with keys. When it cannot, why names the
 * reason (a non-zero key derivation rate, an unsupported suite).
 */
bool srtp_keys_supported(const struct srtp_stream_keys *keys, const char **why);

/* Creates the session. Returns 0, or -1 with a reason in err. */
int srtp_session_init(struct srtp_session *s, const struct srtp_stream_keys *keys,
		      char *err, size_t err_len);
/* The keys of one sender (crypto session) among several in a session. */
struct srtp_session_key {
	struct srtp_stream_keys keys;
	bool has_ssrc;        /* else the keys serve any SSRC not listed */
	uint32_t ssrc;
	uint32_t roc;         /* the ROC to start from, as signalled */
};

/*
 * Creates a session for several senders with keys of their own, as
 * MIKEY gives per crypto session: each entry with an SSRC serves that
 * SSRC, and at most one entry without serves every other SSRC.
 */
int srtp_session_init_multi(struct srtp_session *s,
			    const struct srtp_session_key *entries, unsigned n,
			    char *err, size_t err_len);

/* Frees the session and wipes its keys. Accepts a zeroed struct. */
void srtp_session_free(struct srtp_session *s);

/*
 * Decrypts an SRTP or SRTCP packet in place. *len is the packet length in
 * and the plaintext length out (tag and MKI removed). On any result other
 * than SRTP_DECRYPTED the packet is left as it came in. Packets longer
 * than SRTP_RETRY_MAX_LEN are SRTP_MALFORMED.
 */
enum srtp_result srtp_session_unprotect(struct srtp_session *s, uint8_t *pkt,
					size_t *len, bool rtcp);

/*
 * RFC 5761 section 4: with rtcp-mux, a packet whose second byte is 192 to
 * 223 is RTCP (payload types 64 to 95 are not used for RTP there).
 */
bool rtp_mux_is_rtcp(const uint8_t *pkt, size_t len);

const char *srtp_result_name(enum srtp_result r);

#endif
