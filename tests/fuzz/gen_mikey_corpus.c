/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus for fuzz_mikey: one built example of every MIKEY
 * and MIKEY-TICKET message type, plus base-ticket Ticket Data, TP Data and
 * a KEMAC plaintext. The output is deterministic (fixed keys and times).
 *
 *   gen_mikey_corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mikey/mikey.h"

#define CSB_ID 0x5eed0001u
#define NTP_2024 3913056000ULL

static const uint8_t rand16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				    13, 14, 15, 16 };
static const uint8_t key16[16] = { 0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b,
				   0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde,
				   0x41, 0x39 };
static const uint8_t salt14[14] = { 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
				    0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6 };
static const uint8_t mki[4] = { 0, 0, 0, 1 };

#define STR(s) (const uint8_t *)(s), (sizeof(s) - 1)

static const char *out_dir;

static void write_bytes(const char *name, const uint8_t *data, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_file(const char *name, struct mikey_builder *b)
{
	size_t len;

	if (mikey_builder_finish(b, &len) != MIKEY_OK) {
		fprintf(stderr, "gen_mikey_corpus: building %s failed\n", name);
		exit(1);
	}
	write_bytes(name, b->buf, len);
}

static const struct mikey_sp_param srtp_params[] = {
	{ MIKEY_SRTP_ENCR_ALG, { (const uint8_t *)"\x01", 1 } },
	{ MIKEY_SRTP_ENCR_KEY_LEN, { (const uint8_t *)"\x10", 1 } },
	{ MIKEY_SRTP_AUTH_ALG, { (const uint8_t *)"\x01", 1 } },
	{ MIKEY_SRTP_AUTH_TAG_LEN, { (const uint8_t *)"\x0a", 1 } },
};

static uint8_t key_data[256];
static size_t key_data_len;
static uint8_t tp_data[256];
static size_t tp_data_len;
static uint8_t ticket_data[512];
static size_t ticket_data_len;
static uint8_t initiator_data[128];
static size_t initiator_data_len;

static size_t finish(struct mikey_builder *b)
{
	size_t len;

	if (mikey_builder_finish(b, &len) != MIKEY_OK) {
		fprintf(stderr, "gen_mikey_corpus: building a nested field failed\n");
		exit(1);
	}
	return len;
}

static void build_nested(void)
{
	struct mikey_builder b;
	struct mikey_key_data mpk = {
		.type = MIKEY_KEY_MPK, .key = { key16, 16 },
		.kv = { .kv_type = MIKEY_KV_SPI, .spi = { mki, 4 } },
	};
	struct mikey_key_data tgk = {
		.type = MIKEY_KEY_TGK_SALT, .key = { key16, 16 },
		.salt = { salt14, 14 },
		.kv = { .kv_type = MIKEY_KV_SPI, .spi = { mki, 4 } },
	};

	mikey_builder_init_key_data(&b, key_data, sizeof(key_data));
	mikey_put_key_data(&b, &mpk);
	mikey_put_key_data(&b, &tgk);
	key_data_len = finish(&b);

	mikey_builder_init_chain(&b, tp_data, sizeof(tp_data));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      STR("https://kms.example.org/mikey"));
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRS, MIKEY_TS_NTP_UTC_32, NTP_2024);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRE, MIKEY_TS_NTP_UTC_32,
		     NTP_2024 + 86400);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      STR("sip:bob@example.net"));
	tp_data_len = finish(&b);

	mikey_builder_init_ticket_data(&b, ticket_data, sizeof(ticket_data),
				       STR("lime"));
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, NTP_2024 << 32);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_kemac(&b, MIKEY_ENCR_NULL, key_data, key_data_len,
			MIKEY_MAC_NULL, NULL, NULL, NULL);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, mki, 4);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	ticket_data_len = finish(&b);

	mikey_builder_init_chain(&b, initiator_data, sizeof(initiator_data));
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	initiator_data_len = finish(&b);
}

static struct mikey_ticket_policy policy(void)
{
	struct mikey_ticket_policy tp = {
		.ticket_type = MIKEY_TICKET_MIKEY_BASE, .subtype = 1,
		.version = 1, .prf_func = MIKEY_PRF_HMAC_SHA_256,
		.flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_H |
			 MIKEY_TP_J | MIKEY_TP_N | MIKEY_TP_O,
		.tp_data = { tp_data, tp_data_len },
	};
	return tp;
}

static void start(struct mikey_builder *b, uint8_t *buf, size_t cap,
		  uint8_t data_type, bool v, uint8_t map_type)
{
	mikey_builder_init(b, buf, cap);
	mikey_put_hdr_simple(b, data_type, v, data_type >= 11 ? 1 : 0, CSB_ID,
			     map_type);
	mikey_put_t(b, MIKEY_TS_NTP_UTC, NTP_2024 << 32);
}

static void write_rfc3830(uint8_t *buf, size_t cap)
{
	struct mikey_builder b;

	mikey_builder_init(&b, buf, cap);
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, true, 0, CSB_ID,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_cs_srtp(&b, 0, 0xdeadbeef, 0);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, NTP_2024 << 32);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_id(&b, MIKEY_ID_URI, STR("sip:alice@example.com"));
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, srtp_params, 4);
	mikey_put_kemac(&b, MIKEY_ENCR_NULL, key_data, key_data_len,
			MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL, NULL);
	write_file("psk_init", &b);

	start(&b, buf, cap, MIKEY_DT_PSK_RESP, false, MIKEY_MAP_EMPTY);
	mikey_put_id(&b, MIKEY_ID_URI, STR("sip:bob@example.net"));
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL);
	write_file("psk_resp", &b);

	start(&b, buf, cap, MIKEY_DT_ERROR, false, MIKEY_MAP_EMPTY);
	mikey_put_err(&b, MIKEY_ERRNO_AUTH_FAILURE);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL);
	write_file("error", &b);

	start(&b, buf, cap, MIKEY_DT_PK_INIT, false, MIKEY_MAP_EMPTY);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_cert(&b, 0, key16, 16);
	mikey_put_kemac(&b, MIKEY_ENCR_AES_KW_128, key_data, key_data_len,
			MIKEY_MAC_HMAC_SHA_1_160, NULL, NULL, NULL);
	mikey_put_chash(&b, MIKEY_HASH_MD5, key16, 16);
	mikey_put_pke(&b, 1, key16, 16);
	mikey_put_sign(&b, 0, NULL, 32, NULL);
	write_file("pk_init", &b);

	struct mikey_dh dh = { .group = MIKEY_DH_OAKLEY_1,
			       .value = { NULL, 96 } };
	start(&b, buf, cap, MIKEY_DT_DH_INIT, false, MIKEY_MAP_EMPTY);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_dh(&b, &dh);
	mikey_put_ext(&b, 0, STR("lime"));
	mikey_put_sign(&b, 2, NULL, 16, NULL);
	write_file("dh_init", &b);
}

static void write_rfc6043(uint8_t *buf, size_t cap)
{
	struct mikey_ticket_policy tp = policy();
	struct mikey_builder b;

	start(&b, buf, cap, MIKEY_DT_REQUEST_INIT_PSK, true, MIKEY_MAP_EMPTY);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI,
		      STR("sip:alice@example.com"));
	mikey_put_tp(&b, &tp);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, mki, 4);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("request_init_psk", &b);

	start(&b, buf, cap, MIKEY_DT_REQUEST_RESP, false, MIKEY_MAP_EMPTY);
	mikey_put_ticket(&b, &tp, ticket_data, ticket_data_len, NULL, 0, NULL);
	mikey_put_kemac(&b, MIKEY_ENCR_NULL, key_data, key_data_len,
			MIKEY_MAC_NULL, NULL, NULL, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("request_resp", &b);

	uint8_t sd[10];
	struct mikey_generic_id cs = {
		.cs_id = 1, .prot_type = MIKEY_PROT_SRTP, .s = true,
		.policy_no = { (const uint8_t *)"\x00", 1 },
		.session_data = { sd, mikey_srtp_session_data(sd, 0xdeadbeef,
							      true, 0, 1) },
		.spi = { mki, 4 },
	};
	mikey_builder_init(&b, buf, cap);
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, true, 1, CSB_ID,
			     MIKEY_MAP_GENERIC_ID);
	mikey_put_cs_generic(&b, &cs);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, NTP_2024 << 32);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, rand16, 16);
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, srtp_params, 4);
	mikey_put_ticket(&b, &tp, ticket_data, ticket_data_len,
			 initiator_data, initiator_data_len, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("transfer_init", &b);

	start(&b, buf, cap, MIKEY_DT_TRANSFER_RESP, false, MIKEY_MAP_EMPTY);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      STR("sip:bob@example.net"));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRKMS, rand16, 16);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("transfer_resp", &b);

	start(&b, buf, cap, MIKEY_DT_RESOLVE_INIT_PSK, true, MIKEY_MAP_EMPTY);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      STR("sip:li-node-1@lime.test"));
	mikey_put_ticket(&b, &tp, ticket_data, ticket_data_len, NULL, 0, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("resolve_init_psk", &b);

	start(&b, buf, cap, MIKEY_DT_RESOLVE_RESP, false, MIKEY_MAP_EMPTY);
	mikey_put_kemac(&b, MIKEY_ENCR_NULL, key_data, key_data_len,
			MIKEY_MAC_NULL, NULL, NULL, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	write_file("resolve_resp", &b);
}

int main(int argc, char **argv)
{
	static uint8_t buf[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_mikey_corpus DIR\n");
		return 2;
	}
	out_dir = argv[1];

	build_nested();
	write_rfc3830(buf, sizeof(buf));
	write_rfc6043(buf, sizeof(buf));

	/* The nested fields alone, for the other entry points. */
	write_bytes("key_data", key_data, key_data_len);
	write_bytes("tp_data", tp_data, tp_data_len);
	write_bytes("base_ticket", ticket_data, ticket_data_len);
	return 0;
}
