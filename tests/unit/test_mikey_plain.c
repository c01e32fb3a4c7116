/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys of plain RFC 3830 MIKEY messages with a clear KEMAC
 * (control/mikey/mikey_plain.h), from messages built here with the codec's
 * builder. tests/pcapgen/gen_mikey_plain_case.py checks the derivation
 * against an independent implementation end to end.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_plain.h"
#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_kdf.h"

#define CSB_ID 0x11223344u
#define SSRC_A 0x0a0a0001u
#define SSRC_B 0x0b0b0001u

static const uint8_t tgk[16] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};
static const uint8_t rand_bytes[16] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

/* What a test message contains. */
struct msg_spec {
	uint8_t data_type;
	uint8_t map_type;
	uint32_t ssrc_b;               /* the second crypto session's SSRC */
	bool with_rand;
	bool with_kemac;
	uint8_t encr_alg;
	struct mikey_key_data keys[2];
	size_t n_keys;
	const uint8_t *spi[2];         /* GENERIC-ID SPIs */
};

static size_t build_key_data(const struct msg_spec *spec, uint8_t *buf, size_t cap)
{
	struct mikey_builder b;
	size_t len = 0;

	mikey_builder_init_key_data(&b, buf, cap);
	for (size_t i = 0; i < spec->n_keys; i++)
		mikey_put_key_data(&b, &spec->keys[i]);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	return len;
}

static void put_map(struct mikey_builder *b, const struct msg_spec *spec)
{
	uint32_t ssrcs[2] = {SSRC_A, spec->ssrc_b};

	for (uint8_t i = 0; i < 2; i++) {
		if (spec->map_type == MIKEY_MAP_SRTP_ID) {
			mikey_put_cs_srtp(b, 0, ssrcs[i], 0);
			continue;
		}
		uint8_t session[10], policy_no = 0;
		struct mikey_generic_id g = {
			.cs_id = (uint8_t)(i + 1),
			.prot_type = MIKEY_PROT_SRTP,
			.policy_no = {&policy_no, 1},
			.session_data = {session, mikey_srtp_session_data(session, ssrcs[i],
									  false, 0, 0)},
			.spi = {spec->spi[i], spec->spi[i] ? 2 : 0},
		};
		mikey_put_cs_generic(b, &g);
	}
}

static size_t build(const struct msg_spec *spec, uint8_t *buf, size_t cap)
{
	uint8_t plain[512];
	size_t plain_len = build_key_data(spec, plain, sizeof(plain));
	struct mikey_builder b;
	size_t len = 0;

	mikey_builder_init(&b, buf, cap);
	mikey_put_hdr_simple(&b, spec->data_type, false, MIKEY_PRF_MIKEY_1, CSB_ID,
			     spec->map_type);
	put_map(&b, spec);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, UINT64_C(0xeb8f3c0000000000));
	if (spec->with_rand)
		mikey_put_rand(&b, rand_bytes, sizeof(rand_bytes));
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, NULL, 0);
	if (spec->with_kemac)
		mikey_put_kemac(&b, spec->encr_alg, plain, plain_len,
				MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL, NULL);
	else
		mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_OK);
	return len;
}

static struct msg_spec tgk_spec(void)
{
	struct msg_spec spec = {
		.data_type = MIKEY_DT_PSK_INIT,
		.map_type = MIKEY_MAP_SRTP_ID,
		.ssrc_b = SSRC_B,
		.with_rand = true,
		.with_kemac = true,
		.encr_alg = MIKEY_ENCR_NULL,
		.n_keys = 1,
	};

	spec.keys[0].type = MIKEY_KEY_TGK;
	spec.keys[0].key = (struct mikey_slice){tgk, sizeof(tgk)};
	return spec;
}

static void expect_tgk_keys(const struct mikey_li_stream *s, uint8_t cs_id)
{
	uint8_t want[30];

	assert_int_equal(mikey_derive_tgk_key(MIKEY_PRF_MIKEY_1, MIKEY_TGK_KEY_TEK, tgk,
					      sizeof(tgk), cs_id, CSB_ID, rand_bytes,
					      sizeof(rand_bytes), want, 16), MIKEY_CRYPTO_OK);
	assert_int_equal(mikey_derive_tgk_key(MIKEY_PRF_MIKEY_1, MIKEY_TGK_KEY_SALT, tgk,
					      sizeof(tgk), cs_id, CSB_ID, rand_bytes,
					      sizeof(rand_bytes), want + 16, 14), MIKEY_CRYPTO_OK);
	assert_true(s->usable);
	assert_int_equal(s->cs_id, cs_id);
	assert_int_equal(s->keys.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(s->keys.n_keys, 1);
	assert_memory_equal(s->keys.key_salt[0], want, sizeof(want));
}

static enum mikey_li_status derive(const uint8_t *init, size_t init_len,
				   const uint8_t *resp, size_t resp_len,
				   struct mikey_li_call_keys *out,
				   struct mikey_li_failure *fail)
{
	struct mikey_plain_exchange x = {init, init_len, resp, resp_len};

	memset(fail, 0, sizeof(*fail));
	return mikey_plain_derive(&x, out, fail);
}

static void test_tgk_srtp_id(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;
	uint8_t msg[1024];
	size_t len = build(&spec, msg, sizeof(msg));

	assert_true(mikey_plain_is_plain(msg, len));
	assert_int_equal(derive(msg, len, NULL, 0, &ck, &fail), MIKEY_LI_OK);
	assert_int_equal(ck.csb_id, CSB_ID);
	assert_int_equal(ck.n_streams, 2);
	expect_tgk_keys(&ck.streams[0], 1);
	expect_tgk_keys(&ck.streams[1], 2);
	assert_true(ck.streams[0].has_ssrc);
	assert_int_equal(ck.streams[0].ssrc, SSRC_A);
	assert_int_equal(ck.streams[1].ssrc, SSRC_B);
	mikey_li_call_keys_wipe(&ck);
}

/* SSRC 0 in the offer's SRTP-ID map is filled in by the PSK response. */
static void test_response_fills_ssrc(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	struct msg_spec resp_spec = tgk_spec();
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;
	uint8_t init[1024], resp[1024];

	spec.ssrc_b = 0;
	resp_spec.data_type = MIKEY_DT_PSK_RESP;
	resp_spec.with_kemac = false;
	resp_spec.n_keys = 0;
	size_t init_len = build(&spec, init, sizeof(init));
	size_t resp_len = build(&resp_spec, resp, sizeof(resp));

	assert_int_equal(derive(init, init_len, NULL, 0, &ck, &fail), MIKEY_LI_OK);
	assert_false(ck.streams[1].has_ssrc);
	mikey_li_call_keys_wipe(&ck);

	assert_int_equal(derive(init, init_len, resp, resp_len, &ck, &fail), MIKEY_LI_OK);
	assert_int_equal(ck.n_streams, 2);
	assert_true(ck.streams[1].has_ssrc);
	assert_int_equal(ck.streams[1].ssrc, SSRC_B);
	expect_tgk_keys(&ck.streams[1], 2);
	mikey_li_call_keys_wipe(&ck);
}

/* Each GENERIC-ID crypto session takes the TEK its SPI names, whatever
 * the order of the key data. */
static void test_tek_by_spi(void **state)
{
	(void)state;
	static const uint8_t spi1[2] = {0, 1}, spi2[2] = {0, 2};
	uint8_t key1[16], key2[16], salt1[14], salt2[14];
	struct msg_spec spec = tgk_spec();
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;
	uint8_t msg[1024];

	memset(key1, 0x11, sizeof(key1));
	memset(salt1, 0x12, sizeof(salt1));
	memset(key2, 0x21, sizeof(key2));
	memset(salt2, 0x22, sizeof(salt2));
	spec.map_type = MIKEY_MAP_GENERIC_ID;
	spec.spi[0] = spi1;
	spec.spi[1] = spi2;
	spec.n_keys = 2;
	spec.keys[0] = (struct mikey_key_data){
		.type = MIKEY_KEY_TEK_SALT, .key = {key2, 16}, .salt = {salt2, 14},
		.kv = {.kv_type = MIKEY_KV_SPI, .spi = {spi2, 2}},
	};
	spec.keys[1] = (struct mikey_key_data){
		.type = MIKEY_KEY_TEK_SALT, .key = {key1, 16}, .salt = {salt1, 14},
		.kv = {.kv_type = MIKEY_KV_SPI, .spi = {spi1, 2}},
	};
	size_t len = build(&spec, msg, sizeof(msg));

	assert_int_equal(derive(msg, len, NULL, 0, &ck, &fail), MIKEY_LI_OK);
	assert_int_equal(ck.n_streams, 2);
	assert_true(ck.streams[0].usable);
	assert_true(ck.streams[1].usable);
	assert_memory_equal(ck.streams[0].keys.key_salt[0], key1, 16);
	assert_memory_equal(ck.streams[0].keys.key_salt[0] + 16, salt1, 14);
	assert_memory_equal(ck.streams[1].keys.key_salt[0], key2, 16);
	assert_memory_equal(ck.streams[1].keys.key_salt[0] + 16, salt2, 14);
	assert_int_equal(ck.streams[1].ssrc, SSRC_B);
	mikey_li_call_keys_wipe(&ck);
}

/* A 30-byte TEK without salt (GStreamer) is master key || master salt. */
static void test_packed_tek(void **state)
{
	(void)state;
	uint8_t key_salt[30];
	struct msg_spec spec = tgk_spec();
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;
	uint8_t msg[1024];

	for (size_t i = 0; i < sizeof(key_salt); i++)
		key_salt[i] = (uint8_t)(0x40 + i);
	spec.keys[0].type = MIKEY_KEY_TEK;
	spec.keys[0].key = (struct mikey_slice){key_salt, sizeof(key_salt)};
	size_t len = build(&spec, msg, sizeof(msg));

	assert_int_equal(derive(msg, len, NULL, 0, &ck, &fail), MIKEY_LI_OK);
	assert_true(ck.streams[0].usable);
	assert_memory_equal(ck.streams[0].keys.key_salt[0], key_salt, sizeof(key_salt));
	mikey_li_call_keys_wipe(&ck);
}

static void expect_unusable(const uint8_t *msg, size_t len, const char *reason_part)
{
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;
	static const uint8_t zeros[sizeof(ck.streams[0].keys.key_salt[0])];

	assert_int_equal(derive(msg, len, NULL, 0, &ck, &fail), MIKEY_LI_UNUSABLE);
	assert_non_null(strstr(fail.reason, reason_part));
	for (size_t i = 0; i < ck.n_streams; i++)
		assert_memory_equal(ck.streams[i].keys.key_salt[0], zeros, sizeof(zeros));
}

static void test_encrypted_kemac(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	uint8_t msg[1024];

	spec.encr_alg = MIKEY_ENCR_AES_CM_128;
	expect_unusable(msg, build(&spec, msg, sizeof(msg)), "KEMAC is encrypted");
}

static void test_no_kemac(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	uint8_t msg[1024];

	spec.with_kemac = false;
	expect_unusable(msg, build(&spec, msg, sizeof(msg)), "no KEMAC");
	spec.data_type = MIKEY_DT_DH_INIT;
	expect_unusable(msg, build(&spec, msg, sizeof(msg)), "Diffie-Hellman");
}

static void test_tgk_without_rand(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	uint8_t msg[1024];

	spec.with_rand = false;
	expect_unusable(msg, build(&spec, msg, sizeof(msg)), "no RAND");
}

static void test_truncated(void **state)
{
	(void)state;
	struct msg_spec spec = tgk_spec();
	uint8_t msg[1024];
	size_t len = build(&spec, msg, sizeof(msg));

	for (size_t cut = 2; cut < len; cut += 7)
		expect_unusable(msg, cut, "malformed");
}

static void test_is_plain(void **state)
{
	(void)state;
	static const uint8_t transfer_init[] = {1, MIKEY_DT_TRANSFER_INIT, 0};
	static const uint8_t psk_resp[] = {1, MIKEY_DT_PSK_RESP, 0};
	static const uint8_t version_2[] = {2, MIKEY_DT_PSK_INIT, 0};

	assert_false(mikey_plain_is_plain(transfer_init, sizeof(transfer_init)));
	assert_true(mikey_plain_is_plain(psk_resp, sizeof(psk_resp)));
	assert_false(mikey_plain_is_plain(version_2, sizeof(version_2)));
	assert_false(mikey_plain_is_plain(psk_resp, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tgk_srtp_id),
		cmocka_unit_test(test_response_fills_ssrc),
		cmocka_unit_test(test_tek_by_spi),
		cmocka_unit_test(test_packed_tek),
		cmocka_unit_test(test_encrypted_kemac),
		cmocka_unit_test(test_no_kemac),
		cmocka_unit_test(test_tgk_without_rand),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_is_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
