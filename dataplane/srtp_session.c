/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/srtp_session.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Replay window: mirrored links reorder more than a terminal's network. */
#define SRTP_REPLAY_WINDOW 1024

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
struct srtp_ssrc_state;
static struct srtp_ssrc_state *ssrc_state(struct srtp_session *s, uint32_t ssrc);
/* The packet as it came in, for retries and for restoring it: one per
 * thread, because a worker decrypts one packet at a time. */
static __thread uint8_t scratch[SRTP_RETRY_MAX_LEN];
static srtp_err_status_t library_status;

static void library_init(void)
{
	library_status = srtp_init();
}

int srtp_library_init(void)
{
	pthread_once(&library_once, library_init);
	return library_status == srtp_err_status_ok ? 0 : -1;
}

bool srtp_keys_from_sdes(const struct sdes_crypto *crypto,
			 struct srtp_stream_keys *keys)
{
	size_t len = sdes_suite_key_salt_len(crypto->suite);

	memset(keys, 0, sizeof(*keys));
	if (len == 0 || crypto->key_count == 0)
		return false;

	keys->suite = crypto->suite;
	keys->flags = crypto->flags;
	keys->kdr = crypto->has_kdr ? crypto->kdr : 0;
	keys->n_keys = crypto->key_count;
	for (unsigned k = 0; k < crypto->key_count; k++) {
		const struct sdes_key *sk = &crypto->keys[k];

		memcpy(keys->key_salt[k], sk->key_salt, len);
		if (!sk->has_mki)
			continue;
		/* The MKI travels as mki_length bytes, big-endian. */
		keys->mki_len = sk->mki_length;
		for (unsigned b = 0; b < sk->mki_length && b < 8; b++)
			keys->mki[k][sk->mki_length - 1 - b] =
				(uint8_t)(sk->mki_value >> (8 * b));
	}
	return true;
}

void srtp_keys_wipe(struct srtp_stream_keys *keys)
{
	explicit_bzero(keys, sizeof(*keys));
}

/* Sets the RTP and RTCP crypto policies of a suite. SRTCP keeps an 80-bit
 * tag with the _32 suites (RFC 4568 section 6.2). */
static bool set_suite(srtp_policy_t *p, enum sdes_suite suite)
{
	switch (suite) {
	case SDES_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AES_192_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AES_192_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		return true;
	case SDES_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		return true;
	case SDES_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		return true;
	default:
		return false;
	}
}

bool srtp_keys_supported(const struct srtp_stream_keys *keys, const char **why)
{
	srtp_policy_t p;

	if (keys->kdr != 0) {
		*why = "a key derivation rate other than 0 (libsrtp2 derives session keys once)";
		return false;
	}
	if (!set_suite(&p, keys->suite)) {
		*why = "a crypto suite libsrtp2 does not implement";
		return false;
	}
	if (keys->n_keys > 1 && keys->mki_len == 0) {
		*why = "several master keys without an MKI to choose between them";
		return false;
	}
	return true;
}

/* Applies the RFC 4568 session parameters that libsrtp2 can follow. */
static void apply_flags(srtp_policy_t *p, unsigned flags)
{
	if (flags & SDES_UNENCRYPTED_SRTCP)
		p->rtcp.sec_serv = sec_serv_auth;
	if (flags & SDES_UNENCRYPTED_SRTP)
		p->rtp.sec_serv = sec_serv_auth;
	if (flags & SDES_UNAUTHENTICATED_SRTP) {
		p->rtp.sec_serv = (p->rtp.sec_serv & sec_serv_conf) ? sec_serv_conf : sec_serv_none;
		p->rtp.auth_tag_len = 0;
	}
}

int srtp_session_init(struct srtp_session *s, const struct srtp_stream_keys *keys,
		      char *err, size_t err_len)
{
	const char *why;

	memset(s, 0, sizeof(*s));
	if (srtp_library_init() != 0) {
		snprintf(err, err_len, "libsrtp2 failed to initialise (status %d)",
			 (int)library_status);
		return -1;
	}
	if (!srtp_keys_supported(keys, &why)) {
		snprintf(err, err_len, "the stream uses %s", why);
		return -1;
	}

	s->keys = *keys;
	set_suite(&s->policy, keys->suite);
	apply_flags(&s->policy, keys->flags);
	s->policy.ssrc.type = ssrc_any_inbound;
	s->policy.window_size = SRTP_REPLAY_WINDOW;
	if (keys->mki_len > 0) {
		for (unsigned k = 0; k < keys->n_keys; k++) {
			s->master[k].key = s->keys.key_salt[k];
			s->master[k].mki_id = s->keys.mki[k];
			s->master[k].mki_size = keys->mki_len;
			s->master_ptrs[k] = &s->master[k];
		}
		s->policy.keys = s->master_ptrs;
		s->policy.num_master_keys = keys->n_keys;
		s->use_mki = true;
	} else {
		s->policy.key = s->keys.key_salt[0];
	}

	srtp_err_status_t st = srtp_create(&s->ctx, &s->policy);
	if (st != srtp_err_status_ok) {
		snprintf(err, err_len, "libsrtp2 rejected the stream's policy (status %d)",
			 (int)st);
		srtp_session_free(s);
		return -1;
	}
	return 0;
}

/* A policy for keys alone: no MKI, one master key. */
static int policy_for(const struct srtp_stream_keys *keys, srtp_policy_t *p,
		      uint8_t *key_buf)
{
	memset(p, 0, sizeof(*p));
	if (!set_suite(p, keys->suite))
		return -1;
	apply_flags(p, keys->flags);
	memcpy(key_buf, keys->key_salt[0], SDES_KEY_SALT_MAX);
	p->key = key_buf;
	p->window_size = SRTP_REPLAY_WINDOW;
	return 0;
}

int srtp_session_init_multi(struct srtp_session *s,
			    const struct srtp_session_key *entries, unsigned n,
			    char *err, size_t err_len)
{
	uint8_t key_buf[SDES_KEY_SALT_MAX];
	const char *why;
	int any = -1;

	if (n == 0) {
		snprintf(err, err_len, "no keys for the stream");
		return -1;
	}
	/* The entry without SSRC, or the first, becomes the template. */
	for (unsigned i = 0; i < n; i++)
		if (!entries[i].has_ssrc && any < 0)
			any = (int)i;
	if (srtp_session_init(s, &entries[any >= 0 ? any : 0].keys, err, err_len) != 0)
		return -1;

	for (unsigned i = 0; i < n; i++) {
		srtp_policy_t p;

		if (!entries[i].has_ssrc)
			continue;
		if (!srtp_keys_supported(&entries[i].keys, &why) ||
		    policy_for(&entries[i].keys, &p, key_buf) != 0) {
			snprintf(err, err_len, "crypto session of SSRC %u uses %s",
				 entries[i].ssrc, why);
			srtp_session_free(s);
			return -1;
		}
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = entries[i].ssrc;
		srtp_err_status_t st = srtp_add_stream(s->ctx, &p);
		explicit_bzero(key_buf, sizeof(key_buf));
		if (st != srtp_err_status_ok) {
			snprintf(err, err_len, "libsrtp2 rejected the keys of SSRC %u (status %d)",
				 entries[i].ssrc, (int)st);
			srtp_session_free(s);
			return -1;
		}
		if (entries[i].roc != 0)
			srtp_set_stream_roc(s->ctx, entries[i].ssrc, entries[i].roc);
		/* A signalled SSRC needs no ROC search. */
		struct srtp_ssrc_state *state = ssrc_state(s, entries[i].ssrc);
		state->decrypted_once = entries[i].roc != 0;
	}
	return 0;
}

void srtp_session_free(struct srtp_session *s)
{
	if (s->ctx != NULL)
		srtp_dealloc(s->ctx);
	explicit_bzero(s, sizeof(*s));
}

static uint32_t read_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct srtp_ssrc_state *ssrc_state(struct srtp_session *s, uint32_t ssrc)
{
	for (unsigned i = 0; i < SRTP_SESSION_SSRCS; i++)
		if (s->ssrcs[i].used && s->ssrcs[i].ssrc == ssrc)
			return &s->ssrcs[i];

	/* A stream seldom has more SSRCs than slots; reuse the first one
	 * otherwise, which only costs another ROC search. */
	unsigned slot = 0;
	for (unsigned i = 0; i < SRTP_SESSION_SSRCS; i++)
		if (!s->ssrcs[i].used) {
			slot = i;
			break;
		}
	s->ssrcs[slot] = (struct srtp_ssrc_state){ .ssrc = ssrc, .used = true };
	return &s->ssrcs[slot];
}

static srtp_err_status_t unprotect_once(struct srtp_session *s, uint8_t *pkt,
					int *len, bool rtcp)
{
	if (rtcp)
		return srtp_unprotect_rtcp_mki(s->ctx, pkt, len, s->use_mki);
	return srtp_unprotect_mki(s->ctx, pkt, len, s->use_mki);
}

/* A stream of its own for ssrc, so that its ROC can be set. */
static bool ensure_stream(struct srtp_session *s, uint32_t ssrc)
{
	uint32_t roc;

	if (srtp_get_stream_roc(s->ctx, ssrc, &roc) == srtp_err_status_ok)
		return true;
	if (s->search_streams >= SRTP_SEARCH_STREAMS_MAX)
		return false;
	s->search_streams++;

	srtp_policy_t p = s->policy;
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = ssrc;
	p.next = NULL;
	return srtp_add_stream(s->ctx, &p) == srtp_err_status_ok;
}

/*
 * Tries ROC values 1 to SRTP_ROC_CANDIDATES for an SSRC that never
 * decrypted: a tap that starts more than 65536 packets into a call sees a
 * ROC above 0, which libsrtp2 cannot guess.
 */
static bool search_roc(struct srtp_session *s, uint8_t *pkt, size_t len,
		       uint32_t ssrc, int *out_len)
{
	if (!ensure_stream(s, ssrc))
		return false;

	for (uint32_t roc = 1; roc <= SRTP_ROC_CANDIDATES; roc++) {
		int l = (int)len;

		memcpy(pkt, scratch, len);
		if (srtp_set_stream_roc(s->ctx, ssrc, roc) != srtp_err_status_ok)
			return false;
		if (srtp_unprotect_mki(s->ctx, pkt, &l, s->use_mki) == srtp_err_status_ok) {
			*out_len = l;
			s->roc_recovered++;
			return true;
		}
	}
	srtp_set_stream_roc(s->ctx, ssrc, 0);
	return false;
}

enum srtp_result srtp_session_unprotect(struct srtp_session *s, uint8_t *pkt,
					size_t *len, bool rtcp)
{
	size_t in_len = *len;

	if (s->ctx == NULL)
		return SRTP_NO_SESSION;
	if (in_len < (rtcp ? 8u : 12u) || (pkt[0] >> 6) != 2 || in_len > sizeof(scratch))
		return SRTP_MALFORMED;

	uint32_t ssrc = read_be32(pkt + (rtcp ? 4 : 8));
	memcpy(scratch, pkt, in_len);

	int l = (int)in_len;
	srtp_err_status_t st = unprotect_once(s, pkt, &l, rtcp);
	struct srtp_ssrc_state *state = rtcp ? NULL : ssrc_state(s, ssrc);

	if (st == srtp_err_status_ok) {
		if (state != NULL)
			state->decrypted_once = true;
		*len = (size_t)l;
		return SRTP_DECRYPTED;
	}
	if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
		return SRTP_DUPLICATE;

	if (state != NULL && !state->decrypted_once &&
	    search_roc(s, pkt, in_len, ssrc, &l)) {
		state->decrypted_once = true;
		*len = (size_t)l;
		return SRTP_DECRYPTED;
	}

	/* AEAD decrypts in place before it checks the tag. */
	memcpy(pkt, scratch, in_len);
	if (st == srtp_err_status_bad_param || st == srtp_err_status_parse_err)
		return SRTP_MALFORMED;
	return SRTP_AUTH_FAILED;
}

bool rtp_mux_is_rtcp(const uint8_t *pkt, size_t len)
{
	return len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
}

const char *srtp_result_name(enum srtp_result r)
{
	switch (r) {
	case SRTP_DECRYPTED: return "decrypted";
	case SRTP_AUTH_FAILED: return "authentication failed";
	case SRTP_DUPLICATE: return "duplicate";
	case SRTP_MALFORMED: return "malformed";
	case SRTP_NO_SESSION: return "no session";
	}
	return "unknown";
}
