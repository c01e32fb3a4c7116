/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP packets decrypted per second per core through lime's tap session
 * (srtp_session_unprotect: copy for retries, ROC state, replay check),
 * beside libsrtp2's own srtp_unprotect on the same packets as the ceiling.
 * G.711 packets: 12-byte header, 160-byte payload, 10-byte tag.
 *
 * Usage: srtp_decrypt_bench [PACKETS]
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "dataplane/media_worker.h"
#include "dataplane/srtp_session.h"

#define PAYLOAD 160
#define PKT_MAX (12 + PAYLOAD + SRTP_MAX_TRAILER_LEN)
#define ROUNDS 5

struct suite_case {
	const char *name;
	enum sdes_suite suite;
};

static const struct suite_case cases[] = {
	{"aes_cm_128_sha1_80", SDES_AES_CM_128_HMAC_SHA1_80},
	{"aead_aes_128_gcm", SDES_AEAD_AES_128_GCM},
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_policy(srtp_policy_t *p, enum sdes_suite suite)
{
	if (suite == SDES_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	}
}

/* Protects n packets of one stream into pkts, lengths into lens. */
static void make_packets(const struct srtp_stream_keys *keys, uint8_t (*pkts)[PKT_MAX],
			 int *lens, uint32_t n)
{
	srtp_policy_t p;
	srtp_t tx;
	uint8_t key[SDES_KEY_SALT_MAX];

	memset(&p, 0, sizeof(p));
	memcpy(key, keys->key_salt[0], sizeof(key));
	set_policy(&p, keys->suite);
	p.ssrc.type = ssrc_any_outbound;
	p.key = key;
	p.window_size = 1024;
	if (srtp_create(&tx, &p) != srtp_err_status_ok)
		exit(1);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = pkts[i];
		memset(b, 0, PKT_MAX);
		b[0] = 0x80;
		b[2] = (uint8_t)(i >> 8);
		b[3] = (uint8_t)i;
		b[11] = 0x42;
		for (int k = 0; k < PAYLOAD; k++)
			b[12 + k] = (uint8_t)(i + k);
		lens[i] = 12 + PAYLOAD;
		if (srtp_protect(tx, b, &lens[i]) != srtp_err_status_ok)
			exit(1);
	}
	srtp_dealloc(tx);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * The raw OpenSSL work of one AES_CM_128_HMAC_SHA1_80 packet: AES-CTR
 * over the payload and HMAC-SHA1 over header, payload and ROC from a
 * precomputed HMAC state, with no SRTP bookkeeping. The bar for a
 * batched fast path.
 */
static double openssl_ceiling(uint8_t (*pkts)[PKT_MAX], const int *lens, uint32_t n)
{
	static const uint8_t key[16] = {1}, auth_key[20] = {2};
	uint8_t iv[16] = {0}, out[PKT_MAX], pad[64], inner[20], tag[20];
	EVP_CIPHER_CTX *cipher = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *ipad = EVP_MD_CTX_new(), *opad = EVP_MD_CTX_new(), *work = EVP_MD_CTX_new();
	uint64_t sink = 0;

	/* HMAC (RFC 2104) with its two padded-key states computed once. */
	for (int i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 20 ? auth_key[i] : 0) ^ 0x36);
	EVP_DigestInit_ex(ipad, EVP_sha1(), NULL);
	EVP_DigestUpdate(ipad, pad, 64);
	for (int i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 20 ? auth_key[i] : 0) ^ 0x5c);
	EVP_DigestInit_ex(opad, EVP_sha1(), NULL);
	EVP_DigestUpdate(opad, pad, 64);
	EVP_DecryptInit_ex(cipher, EVP_aes_128_ctr(), NULL, key, iv);

	double t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		int len = lens[i] - 10, outl;
		iv[15] = (uint8_t)i;
		EVP_DecryptInit_ex(cipher, NULL, NULL, NULL, iv);
		EVP_DecryptUpdate(cipher, out, &outl, pkts[i] + 12, len - 12);
		EVP_MD_CTX_copy_ex(work, ipad);
		EVP_DigestUpdate(work, pkts[i], (size_t)len);
		EVP_DigestUpdate(work, "\0\0\0\0", 4);
		EVP_DigestFinal_ex(work, inner, NULL);
		EVP_MD_CTX_copy_ex(work, opad);
		EVP_DigestUpdate(work, inner, sizeof(inner));
		EVP_DigestFinal_ex(work, tag, NULL);
		sink += out[0] ^ tag[0];
	}
	double rate = n / (now_s() - t0);
	EVP_CIPHER_CTX_free(cipher);
	EVP_MD_CTX_free(ipad);
	EVP_MD_CTX_free(opad);
	EVP_MD_CTX_free(work);
	return sink == UINT64_MAX ? 0 : rate;
}

/*
 * Decrypts one packet of each of n_streams streams in turn (a stream per
 * session, as lime keeps them), so that the working set grows with the
 * streams; returns packets/s, and the heap bytes per stream in *per_stream.
 */
static double streams_rate(uint32_t n_streams, double *per_stream)
{
	struct srtp_stream_keys keys = {.suite = SDES_AES_CM_128_HMAC_SHA1_80, .n_keys = 1};
	struct srtp_session *sessions = calloc(n_streams, sizeof(*sessions));
	uint32_t rounds = 200000 / n_streams;
	char err[128];
	uint64_t sink = 0;

	if (rounds < 2)
		rounds = 2;
	if (rounds > 60000)
		rounds = 60000;
	uint8_t (*pkt)[PKT_MAX] = malloc((size_t)rounds * PKT_MAX);
	int *len = malloc(rounds * sizeof(*len));
	if (sessions == NULL || pkt == NULL || len == NULL)
		exit(1);
	for (int b = 0; b < SDES_KEY_SALT_MAX; b++)
		keys.key_salt[0][b] = (uint8_t)(b * 7 + 1);
	/* Every stream gets the same packets, each under its own session. */
	make_packets(&keys, pkt, len, rounds);

	struct mallinfo2 before = mallinfo2();
	for (uint32_t s = 0; s < n_streams; s++)
		if (srtp_session_init(&sessions[s], &keys, err, sizeof(err)) != 0)
			exit(1);
	struct mallinfo2 after = mallinfo2();
	*per_stream = (double)(after.uordblks - before.uordblks) / n_streams +
		      (double)sizeof(struct srtp_session) + (double)sizeof(struct media_stream);

	uint8_t work[PKT_MAX];
	double t0 = now_s();
	for (uint32_t r = 0; r < rounds; r++)
		for (uint32_t s = 0; s < n_streams; s++) {
			size_t l = (size_t)len[r];
			memcpy(work, pkt[r], (size_t)len[r]);
			sink += srtp_session_unprotect(&sessions[s], work, &l, false) == SRTP_DECRYPTED;
		}
	double rate = (double)rounds * n_streams / (now_s() - t0);
	for (uint32_t s = 0; s < n_streams; s++)
		srtp_session_free(&sessions[s]);
	free(sessions);
	free(pkt);
	free(len);
	if (sink != (uint64_t)rounds * n_streams)
		fprintf(stderr, "streams %u: %" PRIu64 " of %" PRIu64 " decrypted\n", n_streams,
			sink, (uint64_t)rounds * n_streams);
	return rate;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 60000;
	uint8_t (*pkts)[PKT_MAX] = malloc((size_t)n * PKT_MAX);
	uint8_t (*work)[PKT_MAX] = malloc((size_t)n * PKT_MAX);
	int *lens = malloc(n * sizeof(*lens));
	uint64_t sink = 0;

	/* Stay below one sequence wrap: each round replays the same stream. */
	if (n > 65000)
		n = 65000;
	if (pkts == NULL || work == NULL || lens == NULL || srtp_library_init() != 0)
		return 1;

	printf("%-22s %14s %14s %7s\n", "suite", "lime pkt/s", "libsrtp2 pkt/s", "ratio");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct srtp_stream_keys keys = {.suite = cases[c].suite, .n_keys = 1};
		double lime_rate[ROUNDS], raw_rate[ROUNDS];

		for (int b = 0; b < SDES_KEY_SALT_MAX; b++)
			keys.key_salt[0][b] = (uint8_t)(b * 7 + 1);
		make_packets(&keys, pkts, lens, n);

		for (int r = 0; r < ROUNDS; r++) {
			struct srtp_session s;
			char err[128];
			srtp_policy_t p;
			srtp_t raw;

			/* lime's tap session on fresh copies. */
			memcpy(work, pkts, (size_t)n * PKT_MAX);
			if (srtp_session_init(&s, &keys, err, sizeof(err)) != 0)
				return 1;
			double t0 = now_s();
			for (uint32_t i = 0; i < n; i++) {
				size_t len = (size_t)lens[i];
				sink += srtp_session_unprotect(&s, work[i], &len, false) == SRTP_DECRYPTED;
			}
			lime_rate[r] = n / (now_s() - t0);
			srtp_session_free(&s);

			/* libsrtp2 alone on fresh copies. */
			memcpy(work, pkts, (size_t)n * PKT_MAX);
			memset(&p, 0, sizeof(p));
			set_policy(&p, keys.suite);
			p.ssrc.type = ssrc_any_inbound;
			p.key = keys.key_salt[0];
			p.window_size = 1024;
			if (srtp_create(&raw, &p) != srtp_err_status_ok)
				return 1;
			t0 = now_s();
			for (uint32_t i = 0; i < n; i++) {
				int len = lens[i];
				sink += srtp_unprotect(raw, work[i], &len) == srtp_err_status_ok;
			}
			raw_rate[r] = n / (now_s() - t0);
			srtp_dealloc(raw);
		}
		qsort(lime_rate, ROUNDS, sizeof(double), cmp_double);
		qsort(raw_rate, ROUNDS, sizeof(double), cmp_double);
		double value = lime_rate[ROUNDS / 2], ceiling = raw_rate[ROUNDS / 2];
		printf("%-22s %14.0f %14.0f %7.3f\n", cases[c].name, value, ceiling, value / ceiling);
		printf("RESULT srtp_decrypt_%s value=%.0f unit=pkt/s ceiling=%.0f ratio=%.4f\n",
		       cases[c].name, value, ceiling, value / ceiling);
	}
	struct srtp_stream_keys k80 = {.suite = SDES_AES_CM_128_HMAC_SHA1_80, .n_keys = 1};
	make_packets(&k80, pkts, lens, n);
	double raw = openssl_ceiling(pkts, lens, n);
	printf("%-22s %14.0f\n", "raw OpenSSL AES-CM+SHA1", raw);
	printf("RESULT srtp_openssl_ceiling value=%.0f unit=pkt/s ceiling=%.0f ratio=1.0000\n", raw, raw);

	printf("\n%-10s %14s %16s\n", "streams", "pkt/s", "bytes/stream");
	static const uint32_t scales[] = {1, 100, 10000, 100000};
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		double per_stream;
		double rate = streams_rate(scales[i], &per_stream);
		printf("%-10u %14.0f %16.0f\n", scales[i], rate, per_stream);
		printf("RESULT srtp_streams_%u value=%.0f unit=pkt/s ceiling=%.0f ratio=%.4f\n",
		       scales[i], rate, raw, rate / raw);
	}

	if (sink != (uint64_t)n * 2 * ROUNDS * (sizeof(cases) / sizeof(cases[0])))
		fprintf(stderr, "srtp_decrypt_bench: %" PRIu64 " packets decrypted, fewer than sent\n", sink);
	free(pkts);
	free(work);
	free(lens);
	return 0;
}
