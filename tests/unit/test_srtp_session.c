/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of SRTP and SRTCP decryption for a tap: every suite, MKIs,
 * session parameters, sequence wrap, reordering, a mid-call start with an
 * unknown ROC, SSRC changes, duplicates and wrong keys. Packets are
 * protected here with libsrtp2 as a terminal would.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dataplane/srtp_session.h"

#define PAYLOAD_LEN 160

struct sender {
	srtp_t ctx;
	uint8_t key_salt[2][SDES_KEY_SALT_MAX];
	srtp_master_key_t master[2];
	srtp_master_key_t *ptrs[2];
	uint8_t mki[2][4];
};

static void fill_keys(struct srtp_stream_keys *keys, enum sdes_suite suite,
		      uint8_t seed)
{
	memset(keys, 0, sizeof(*keys));
	keys->suite = suite;
	keys->n_keys = 1;
	for (unsigned i = 0; i < SDES_KEY_SALT_MAX; i++)
		keys->key_salt[0][i] = (uint8_t)(seed + i);
}

static void set_sender_suite(srtp_policy_t *p, enum sdes_suite suite)
{
	switch (suite) {
	case SDES_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AES_192_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AES_192_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case SDES_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	case SDES_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	}
}

static void sender_init(struct sender *snd, const struct srtp_stream_keys *keys,
			bool unencrypted_srtcp)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	memset(snd, 0, sizeof(*snd));
	set_sender_suite(&p, keys->suite);
	if (unencrypted_srtcp)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = ssrc_any_outbound;
	memcpy(snd->key_salt, keys->key_salt, sizeof(snd->key_salt));
	if (keys->mki_len > 0) {
		for (unsigned k = 0; k < keys->n_keys; k++) {
			memcpy(snd->mki[k], keys->mki[k], keys->mki_len);
			snd->master[k].key = snd->key_salt[k];
			snd->master[k].mki_id = snd->mki[k];
			snd->master[k].mki_size = keys->mki_len;
			snd->ptrs[k] = &snd->master[k];
		}
		p.keys = snd->ptrs;
		p.num_master_keys = keys->n_keys;
	} else {
		p.key = snd->key_salt[0];
	}
	p.window_size = 128;
	p.allow_repeat_tx = 1;
	assert_int_equal(srtp_create(&snd->ctx, &p), srtp_err_status_ok);
}

/* An RTP packet of ssrc and seq with a payload derived from both. */
static size_t make_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq)
{
	memset(buf, 0, 12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN);
	buf[0] = 0x80;
	buf[1] = 0;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	for (unsigned i = 0; i < PAYLOAD_LEN; i++)
		buf[12 + i] = (uint8_t)(seq * 7 + i + ssrc);
	return 12 + PAYLOAD_LEN;
}

static size_t protect(struct sender *snd, uint8_t *buf, size_t len,
		      unsigned mki_index, bool use_mki)
{
	int l = (int)len;

	assert_int_equal(srtp_protect_mki(snd->ctx, buf, &l, use_mki, mki_index),
			 srtp_err_status_ok);
	return (size_t)l;
}

static void check_rtp(struct srtp_session *rx, struct sender *snd,
		      uint32_t ssrc, uint16_t seq, enum srtp_result expected)
{
	uint8_t buf[12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	uint8_t plain[12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	size_t plain_len = make_rtp(plain, ssrc, seq);
	size_t len;

	make_rtp(buf, ssrc, seq);
	len = protect(snd, buf, plain_len, 0, false);
	assert_int_equal(srtp_session_unprotect(rx, buf, &len, false), expected);
	if (expected == SRTP_DECRYPTED) {
		assert_int_equal(len, plain_len);
		assert_memory_equal(buf, plain, plain_len);
	}
}

static void every_suite_decrypts(void **state)
{
	static const enum sdes_suite suites[] = {
		SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_CM_128_HMAC_SHA1_32,
		SDES_AES_192_CM_HMAC_SHA1_80, SDES_AES_192_CM_HMAC_SHA1_32,
		SDES_AES_256_CM_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32,
		SDES_AEAD_AES_128_GCM, SDES_AEAD_AES_256_GCM,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct srtp_stream_keys keys;
		struct srtp_session rx;
		struct sender snd;
		char err[128];

		fill_keys(&keys, suites[i], (uint8_t)(i * 16));
		sender_init(&snd, &keys, false);
		assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);
		for (uint16_t seq = 100; seq < 110; seq++)
			check_rtp(&rx, &snd, 0x1234, seq, SRTP_DECRYPTED);

		/* SRTCP: a sender report keeps its 8-byte header in clear. */
		uint8_t rtcp[8 + 20 + SRTP_MAX_TRAILER_LEN] = {0x80, 200, 0, 6, 0, 0, 0x12, 0x34};
		uint8_t plain[28];
		for (unsigned b = 8; b < 28; b++)
			rtcp[b] = (uint8_t)b;
		memcpy(plain, rtcp, sizeof(plain));
		int l = 28;
		assert_int_equal(srtp_protect_rtcp(snd.ctx, rtcp, &l), srtp_err_status_ok);
		size_t len = (size_t)l;
		assert_int_equal(srtp_session_unprotect(&rx, rtcp, &len, true), SRTP_DECRYPTED);
		assert_int_equal(len, 28);
		assert_memory_equal(rtcp, plain, 28);

		srtp_session_free(&rx);
		srtp_dealloc(snd.ctx);
	}
}

static void mki_selects_master_key(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	struct sender snd;
	char err[128];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 1);
	keys.n_keys = 2;
	for (unsigned i = 0; i < SDES_KEY_SALT_MAX; i++)
		keys.key_salt[1][i] = (uint8_t)(0x80 + i);
	keys.mki_len = 1;
	keys.mki[0][0] = 1;
	keys.mki[1][0] = 2;
	sender_init(&snd, &keys, false);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);

	uint8_t buf[12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	uint8_t plain[sizeof(buf)];
	size_t plain_len = make_rtp(plain, 7, 1);
	make_rtp(buf, 7, 1);
	size_t len = protect(&snd, buf, plain_len, 1, true);
	/* 10-byte tag after a 1-byte MKI. */
	assert_int_equal(len, plain_len + 11);
	assert_int_equal(srtp_session_unprotect(&rx, buf, &len, false), SRTP_DECRYPTED);
	assert_memory_equal(buf, plain, plain_len);

	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
}

static void sequence_wrap_and_reorder(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	struct sender snd;
	char err[128];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 9);
	sender_init(&snd, &keys, false);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);

	/* The sender protects in order; the tap sees 65534, 65535, 1, 0, 2. */
	uint8_t pkts[5][12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	uint8_t plains[5][12 + PAYLOAD_LEN];
	size_t lens[5];
	static const uint16_t seqs[] = {65534, 65535, 0, 1, 2};
	for (int i = 0; i < 5; i++) {
		size_t plain_len = make_rtp(pkts[i], 0x55, seqs[i]);
		memcpy(plains[i], pkts[i], plain_len);
		lens[i] = protect(&snd, pkts[i], plain_len, 0, false);
	}
	static const int order[] = {0, 1, 3, 2, 4};
	for (int i = 0; i < 5; i++) {
		int k = order[i];
		assert_int_equal(srtp_session_unprotect(&rx, pkts[k], &lens[k], false),
				 SRTP_DECRYPTED);
		assert_memory_equal(pkts[k], plains[k], 12 + PAYLOAD_LEN);
	}
	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
}

static void mid_call_start_finds_roc(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	struct sender snd;
	char err[128];
	uint8_t buf[12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 3);
	sender_init(&snd, &keys, false);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);

	/* 65536 + 40 packets from sequence 0: the ROC becomes 1. */
	uint32_t n = 65536 + 40;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = make_rtp(buf, 0x99, (uint16_t)i);
		protect(&snd, buf, len, 0, false);
	}
	/* The tap starts here, knowing nothing of the first wrap. */
	for (uint32_t i = n; i < n + 5; i++)
		check_rtp(&rx, &snd, 0x99, (uint16_t)i, SRTP_DECRYPTED);
	assert_int_equal(rx.roc_recovered, 1);

	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
}

static void ssrc_change_and_return(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	struct sender snd;
	char err[128];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 5);
	sender_init(&snd, &keys, false);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);
	check_rtp(&rx, &snd, 0xA, 10, SRTP_DECRYPTED);
	check_rtp(&rx, &snd, 0xB, 500, SRTP_DECRYPTED);
	check_rtp(&rx, &snd, 0xA, 11, SRTP_DECRYPTED);
	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
}

static void duplicate_and_wrong_key(void **state)
{
	struct srtp_stream_keys keys, other;
	struct srtp_session rx;
	struct sender snd, bad;
	char err[128];
	uint8_t buf[12 + PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
	uint8_t copy[sizeof(buf)];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 11);
	fill_keys(&other, SDES_AES_CM_128_HMAC_SHA1_80, 99);
	sender_init(&snd, &keys, false);
	sender_init(&bad, &other, false);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);

	size_t len = protect(&snd, buf, make_rtp(buf, 1, 1), 0, false);
	memcpy(copy, buf, len);
	size_t copy_len = len;
	assert_int_equal(srtp_session_unprotect(&rx, buf, &len, false), SRTP_DECRYPTED);
	/* The same packet from a second tap. */
	assert_int_equal(srtp_session_unprotect(&rx, copy, &copy_len, false), SRTP_DUPLICATE);

	len = protect(&bad, buf, make_rtp(buf, 1, 2), 0, false);
	memcpy(copy, buf, len);
	size_t in_len = len;
	assert_int_equal(srtp_session_unprotect(&rx, buf, &len, false), SRTP_AUTH_FAILED);
	assert_int_equal(len, in_len);
	assert_memory_equal(buf, copy, in_len);

	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
	srtp_dealloc(bad.ctx);
}

static void unencrypted_srtcp_param(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	struct sender snd;
	char err[128];
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 21);
	keys.flags = SDES_UNENCRYPTED_SRTCP;
	sender_init(&snd, &keys, true);
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), 0);

	uint8_t rtcp[8 + 20 + SRTP_MAX_TRAILER_LEN] = {0x80, 200, 0, 6, 0, 0, 0, 9};
	int l = 28;
	assert_int_equal(srtp_protect_rtcp(snd.ctx, rtcp, &l), srtp_err_status_ok);
	/* E flag clear: the report stays readable on the wire. */
	assert_int_equal(rtcp[28] & 0x80, 0);
	size_t len = (size_t)l;
	assert_int_equal(srtp_session_unprotect(&rx, rtcp, &len, true), SRTP_DECRYPTED);
	assert_int_equal(len, 28);
	srtp_session_free(&rx);
	srtp_dealloc(snd.ctx);
}

static void unsupported_keys_rejected(void **state)
{
	struct srtp_stream_keys keys;
	struct srtp_session rx;
	char err[128];
	const char *why;
	(void)state;

	fill_keys(&keys, SDES_AES_CM_128_HMAC_SHA1_80, 1);
	keys.kdr = 16;
	assert_false(srtp_keys_supported(&keys, &why));
	assert_non_null(strstr(why, "key derivation rate"));
	assert_int_equal(srtp_session_init(&rx, &keys, err, sizeof(err)), -1);

	fill_keys(&keys, SDES_F8_128_HMAC_SHA1_80, 1);
	assert_false(srtp_keys_supported(&keys, &why));
}

static void sdes_keys_with_mki(void **state)
{
	struct sdes_crypto crypto;
	struct srtp_stream_keys keys;
	static const char line[] =
		"1 AES_CM_128_HMAC_SHA1_80 inline:EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt|2^31|258:2";
	(void)state;

	assert_int_equal(sdes_parse(line, strlen(line), &crypto), SDES_OK);
	assert_true(srtp_keys_from_sdes(&crypto, &keys));
	assert_int_equal(keys.mki_len, 2);
	assert_int_equal(keys.mki[0][0], 1);
	assert_int_equal(keys.mki[0][1], 2);
	assert_int_equal(keys.key_salt[0][0], 0x10);
	srtp_keys_wipe(&keys);
	assert_int_equal(keys.key_salt[0][0], 0);
}

static void rtcp_mux_demux(void **state)
{
	static const uint8_t sr[] = {0x80, 200};
	static const uint8_t rtp_pt0[] = {0x80, 0};
	static const uint8_t rtp_marker_pt96[] = {0x80, 0xE0};
	(void)state;

	assert_true(rtp_mux_is_rtcp(sr, 2));
	assert_false(rtp_mux_is_rtcp(rtp_pt0, 2));
	assert_false(rtp_mux_is_rtcp(rtp_marker_pt96, 2));
	assert_false(rtp_mux_is_rtcp(sr, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_suite_decrypts),
		cmocka_unit_test(mki_selects_master_key),
		cmocka_unit_test(sequence_wrap_and_reorder),
		cmocka_unit_test(mid_call_start_finds_roc),
		cmocka_unit_test(ssrc_change_and_return),
		cmocka_unit_test(duplicate_and_wrong_key),
		cmocka_unit_test(unencrypted_srtcp_param),
		cmocka_unit_test(unsupported_keys_rejected),
		cmocka_unit_test(sdes_keys_with_mki),
		cmocka_unit_test(rtcp_mux_demux),
	};
	/* The senders here need libsrtp2 before the first session does. */
	if (srtp_library_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
