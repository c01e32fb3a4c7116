/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/mikey/mikey.h"

#define CSB_ID 0x11223344u

/* 2024-01-01 00:00:00 UTC as NTP seconds and as Unix seconds. */
#define NTP_2024 3913056000u
#define UNIX_2024 1704067200LL

static const uint8_t rand16[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t key16[16] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
	0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};
static const uint8_t salt14[14] = {
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb,
	0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const uint8_t mac20[20] = { [0] = 0xaa, [19] = 0xbb };
static const uint8_t mki[4] = { 0, 0, 0, 1 };
static const char alice[] = "sip:alice@example.com";
static const char bob[] = "sip:bob@example.net";
static const char kms[] = "https://kms.example.org/mikey";

static uint8_t buf[4096];
static uint8_t buf2[4096];
static struct mikey_msg msg;
static struct mikey_error err;

#define STR(s) (const uint8_t *)(s), (sizeof(s) - 1)

static size_t finish(struct mikey_builder *b)
{
	size_t len;

	assert_int_equal(mikey_builder_finish(b, &len), MIKEY_OK);
	return len;
}

static void parse_ok(size_t len)
{
	enum mikey_status st = mikey_parse(buf, len, &msg, &err);

	if (st != MIKEY_OK)
		print_error("%s\n", err.msg);
	assert_int_equal(st, MIKEY_OK);
}

/* Rebuilds the parsed message and compares it with the input. */
static void assert_rebuilds(size_t len)
{
	size_t len2;

	assert_int_equal(mikey_build_msg(&msg, buf2, sizeof(buf2), &len2),
			 MIKEY_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(buf2, buf, len);
}

static void assert_types(const uint8_t *types, size_t n)
{
	assert_int_equal(msg.payloads.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(msg.payloads.item[i].type, types[i]);
}

static void assert_slice(struct mikey_slice s, const void *p, size_t len)
{
	assert_int_equal(s.len, len);
	assert_memory_equal(s.p, p, len);
}

static const struct mikey_sp_param srtp_params[] = {
	{ MIKEY_SRTP_ENCR_ALG, { (const uint8_t *)"\x01", 1 } },
	{ MIKEY_SRTP_ENCR_KEY_LEN, { (const uint8_t *)"\x10", 1 } },
	{ MIKEY_SRTP_AUTH_TAG_LEN, { (const uint8_t *)"\x04", 1 } },
};

/* ---- RFC 3830 messages ---- */

static size_t build_psk_init(void)
{
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, true, MIKEY_PRF_MIKEY_1,
			     CSB_ID, MIKEY_MAP_SRTP_ID);
	mikey_put_cs_srtp(&b, 0, 0xdeadbeef, 0);
	mikey_put_cs_srtp(&b, 0, 0xcafef00d, 7);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32 | 0x80000000u);
	mikey_put_rand(&b, rand16, sizeof(rand16));
	mikey_put_id(&b, MIKEY_ID_URI, STR(alice));
	mikey_put_id(&b, MIKEY_ID_URI, STR(bob));
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, srtp_params, 3);
	mikey_put_kemac(&b, MIKEY_ENCR_AES_CM_128, key16, sizeof(key16),
			MIKEY_MAC_HMAC_SHA_1_160, mac20, NULL, NULL);
	return finish(&b);
}

static void psk_init_header(void **state)
{
	(void)state;
	parse_ok(build_psk_init());

	assert_int_equal(msg.hdr.version, 1);
	assert_int_equal(msg.hdr.data_type, MIKEY_DT_PSK_INIT);
	assert_int_equal(msg.hdr.next_payload, MIKEY_PT_T);
	assert_true(msg.hdr.v);
	assert_int_equal(msg.hdr.prf_func, MIKEY_PRF_MIKEY_1);
	assert_int_equal(msg.hdr.csb_id, CSB_ID);
	assert_int_equal(msg.hdr.n_cs, 2);
	assert_int_equal(msg.hdr.cs_id_map_type, MIKEY_MAP_SRTP_ID);
	assert_int_equal(msg.hdr.n_entries, 2);
	assert_int_equal(msg.hdr.cs.srtp[0].ssrc, 0xdeadbeef);
	assert_int_equal(msg.hdr.cs.srtp[1].ssrc, 0xcafef00d);
	assert_int_equal(msg.hdr.cs.srtp[1].roc, 7);
	assert_int_equal(msg.hdr_len, 10 + 18);
	assert_int_equal(msg.hdr.cs_map_info.len, 18);
}

static void psk_init_payloads(void **state)
{
	(void)state;
	size_t len = build_psk_init();
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_RAND, MIKEY_PT_ID, MIKEY_PT_ID,
		MIKEY_PT_SP, MIKEY_PT_KEMAC,
	};
	assert_types(types, sizeof(types));

	const struct mikey_payloads *pl = &msg.payloads;
	assert_int_equal(pl->item[0].u.t.ts_type, MIKEY_TS_NTP_UTC);
	assert_int_equal(pl->item[0].u.t.value >> 32, NTP_2024);
	assert_slice(pl->item[1].u.rand.rand, rand16, 16);
	assert_int_equal(pl->item[2].u.id.id_type, MIKEY_ID_URI);
	assert_slice(pl->item[2].u.id.data, alice, strlen(alice));
	assert_slice(pl->item[3].u.id.data, bob, strlen(bob));

	const struct mikey_sp *sp = &pl->item[4].u.sp;
	assert_int_equal(sp->n_params, 3);
	assert_int_equal(pl->sp_param[sp->first_param + 2].type,
			 MIKEY_SRTP_AUTH_TAG_LEN);
	assert_int_equal(sp->params_raw.len, 9);

	const struct mikey_kemac *k = &pl->item[5].u.kemac;
	assert_int_equal(k->encr_alg, MIKEY_ENCR_AES_CM_128);
	assert_slice(k->encr_data, key16, 16);
	assert_int_equal(k->mac_alg, MIKEY_MAC_HMAC_SHA_1_160);
	assert_slice(k->mac, mac20, 20);
	assert_int_equal(k->mac_offset, len - 20);
	assert_ptr_equal(k->encr_data.p, buf + k->encr_data_offset);
	assert_int_equal(msg.len, len);
	assert_int_equal(msg.trailing_bytes, 0);
	assert_int_equal(msg.odd, 0);
	assert_rebuilds(len);
}

static void psk_resp_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t mac_offset;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_RESP, false, 0, CSB_ID,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_cs_srtp(&b, 0, 0xdeadbeef, 0);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_id(&b, MIKEY_ID_URI, STR(bob));
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_1_160, NULL, &mac_offset);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = { MIKEY_PT_T, MIKEY_PT_ID, MIKEY_PT_V };
	assert_types(types, sizeof(types));
	assert_int_equal(msg.payloads.item[2].u.v.auth_alg,
			 MIKEY_MAC_HMAC_SHA_1_160);
	assert_int_equal(msg.payloads.item[2].u.v.mac_offset, mac_offset);
	assert_int_equal(mac_offset, len - 20);
	assert_rebuilds(len);
}

static void error_msg_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_ERROR, false, 0, CSB_ID,
			     MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_err(&b, MIKEY_ERRNO_INVALID_TS);
	mikey_put_err(&b, MIKEY_ERRNO_INVALID_TICKET);
	mikey_put_v(&b, MIKEY_MAC_NULL, NULL, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_ERR, MIKEY_PT_ERR, MIKEY_PT_V,
	};
	assert_types(types, sizeof(types));
	assert_int_equal(msg.payloads.item[1].u.err.error_no,
			 MIKEY_ERRNO_INVALID_TS);
	assert_int_equal(msg.payloads.item[2].u.err.error_no,
			 MIKEY_ERRNO_INVALID_TICKET);
	assert_int_equal(msg.payloads.item[3].u.v.mac.len, 0);
	assert_rebuilds(len);
}

static void pk_init_roundtrip(void **state)
{
	(void)state;
	static const uint8_t cert[40] = { 0x30, 0x82 };
	static const uint8_t hash[32] = { 1 };
	static const uint8_t env[64] = { 2 };
	static const uint8_t sig[128] = { 3 };
	struct mikey_builder b;
	size_t sig_offset;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PK_INIT, false, 0, CSB_ID,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_t(&b, MIKEY_TS_NTP, 42);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_cert(&b, 0, cert, sizeof(cert));
	mikey_put_kemac(&b, MIKEY_ENCR_AES_KW_128, key16, 16,
			MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL, NULL);
	mikey_put_chash(&b, MIKEY_HASH_SHA_256, hash, sizeof(hash));
	mikey_put_pke(&b, 2, env, sizeof(env));
	mikey_put_sign(&b, 1, sig, sizeof(sig), &sig_offset);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_RAND, MIKEY_PT_CERT, MIKEY_PT_KEMAC,
		MIKEY_PT_CHASH, MIKEY_PT_PKE, MIKEY_PT_SIGN,
	};
	assert_types(types, sizeof(types));
	const struct mikey_payloads *pl = &msg.payloads;
	assert_int_equal(pl->item[0].u.t.ts_type, MIKEY_TS_NTP);
	assert_int_equal(pl->item[3].u.kemac.mac.len, 32);
	assert_slice(pl->item[4].u.chash.hash, hash, 32);
	assert_int_equal(pl->item[5].u.pke.c, 2);
	assert_slice(pl->item[5].u.pke.data, env, 64);
	assert_int_equal(pl->item[6].u.sign.s_type, 1);
	assert_int_equal(pl->item[6].u.sign.signature_offset, sig_offset);
	assert_int_equal(sig_offset, len - 128);
	assert_rebuilds(len);
}

static void dh_init_roundtrip(void **state)
{
	(void)state;
	static const uint8_t value[96] = { 9 };
	struct mikey_dh dh = {
		.group = MIKEY_DH_OAKLEY_1,
		.value = { value, sizeof(value) },
		.kv = { .kv_type = MIKEY_KV_SPI, .spi = { mki, 4 } },
	};
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_DH_INIT, false, 0, CSB_ID,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_t(&b, MIKEY_TS_COUNTER, 5);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_dh(&b, &dh);
	mikey_put_sign(&b, 0, NULL, 64, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	const struct mikey_dh *got = &msg.payloads.item[2].u.dh;
	assert_int_equal(msg.payloads.item[0].u.t.value, 5);
	assert_int_equal(got->group, MIKEY_DH_OAKLEY_1);
	assert_slice(got->value, value, 96);
	assert_int_equal(got->kv.kv_type, MIKEY_KV_SPI);
	assert_slice(got->kv.spi, mki, 4);
	assert_rebuilds(len);
}

static void ext_and_sakke_roundtrip(void **state)
{
	(void)state;
	struct mikey_sakke sakke = { .params = 1, .id_scheme = 1,
				     .data = { key16, 16 } };
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_SAKKE, false, 0, CSB_ID,
			     MIKEY_MAP_EMPTY);
	mikey_put_ext(&b, 1, STR("v=0"));
	mikey_put_sakke(&b, &sakke);
	size_t len = finish(&b);
	parse_ok(len);

	assert_int_equal(msg.payloads.item[0].u.ext.ext_type, 1);
	assert_slice(msg.payloads.item[0].u.ext.data, "v=0", 3);
	assert_int_equal(msg.payloads.item[1].u.sakke.id_scheme, 1);
	assert_slice(msg.payloads.item[1].u.sakke.data, key16, 16);
	assert_rebuilds(len);
}

/* ---- RFC 6043 messages ---- */

/* TP Data: IDRkms, TRs, TRe, TRr. */
static size_t build_tp_data(uint8_t *out, size_t cap)
{
	struct mikey_builder b;

	mikey_builder_init_chain(&b, out, cap);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, STR(kms));
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRS, MIKEY_TS_NTP_UTC_32, NTP_2024);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRE, MIKEY_TS_NTP_UTC_32,
		     NTP_2024 + 86400);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRR, MIKEY_TS_NTP_UTC_32, 3600);
	return finish(&b);
}

static uint8_t tp_data[256];
static size_t tp_data_len;

static struct mikey_ticket_policy make_policy(void)
{
	tp_data_len = build_tp_data(tp_data, sizeof(tp_data));
	struct mikey_ticket_policy tp = {
		.ticket_type = MIKEY_TICKET_MIKEY_BASE,
		.subtype = 1,
		.version = 1,
		.prf_func = MIKEY_PRF_HMAC_SHA_256,
		.flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_H |
			 MIKEY_TP_I | MIKEY_TP_J | MIKEY_TP_O,
		.tp_data = { tp_data, tp_data_len },
	};
	return tp;
}

/* Base-ticket Ticket Data: THDR, T, RAND, KEMAC, IDRpsk, V. */
static uint8_t ticket_data[256];
static size_t ticket_data_len;
static size_t ticket_v_offset;

static void build_ticket_data(void)
{
	struct mikey_builder b;

	mikey_builder_init_ticket_data(&b, ticket_data, sizeof(ticket_data),
				       STR("thdr"));
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_kemac(&b, MIKEY_ENCR_AES_CM_128, NULL, 40, MIKEY_MAC_NULL,
			NULL, NULL, NULL);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, mki, 4);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, &ticket_v_offset);
	ticket_data_len = finish(&b);
}

/* Initiator Data: Vi, Vr. */
static uint8_t initiator_data[128];
static size_t initiator_data_len;

static void build_initiator_data(void)
{
	struct mikey_builder b;

	mikey_builder_init_chain(&b, initiator_data, sizeof(initiator_data));
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	initiator_data_len = finish(&b);
}

static void put_ticket(struct mikey_builder *b, bool with_initiator_data)
{
	struct mikey_ticket_policy tp = make_policy();

	build_ticket_data();
	build_initiator_data();
	mikey_put_ticket(b, &tp, ticket_data, ticket_data_len,
			 with_initiator_data ? initiator_data : NULL,
			 with_initiator_data ? initiator_data_len : 0, NULL);
}

static void request_init_psk_roundtrip(void **state)
{
	(void)state;
	struct mikey_ticket_policy tp = make_policy();
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_REQUEST_INIT_PSK, true,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI, STR(alice));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, STR(kms));
	mikey_put_tp(&b, &tp);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, mki, 4);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_RANDR, MIKEY_PT_IDR, MIKEY_PT_IDR,
		MIKEY_PT_TP, MIKEY_PT_IDR, MIKEY_PT_V,
	};
	assert_types(types, sizeof(types));
	assert_int_equal(msg.hdr.n_cs, 0);
	assert_int_equal(msg.hdr.cs_id_map_type, MIKEY_MAP_EMPTY);

	const struct mikey_payloads *pl = &msg.payloads;
	const struct mikey_payload *randr =
		mikey_find_randr(pl, MIKEY_RAND_ROLE_RANDRI);
	assert_non_null(randr);
	assert_slice(randr->u.rand.rand, rand16, 16);
	assert_non_null(mikey_find_idr(pl, MIKEY_ID_ROLE_IDRPSK));
	assert_null(mikey_find_idr(pl, MIKEY_ID_ROLE_IDRR));

	const struct mikey_ticket_policy *got = &pl->item[4].u.tp;
	assert_int_equal(got->ticket_type, MIKEY_TICKET_MIKEY_BASE);
	assert_int_equal(got->subtype, 1);
	assert_int_equal(got->version, 1);
	assert_int_equal(got->prf_func, MIKEY_PRF_HMAC_SHA_256);
	assert_int_equal(got->flags, tp.flags);
	assert_true(got->flags & MIKEY_TP_J);
	assert_false(got->flags & MIKEY_TP_G);
	assert_int_equal(got->reserved, 0);
	assert_slice(got->tp_data, tp_data, tp_data_len);
	assert_rebuilds(len);
}

static void tp_data_chain(void **state)
{
	(void)state;
	static struct mikey_chain chain;

	tp_data_len = build_tp_data(tp_data, sizeof(tp_data));
	assert_int_equal(mikey_parse_chain(tp_data, tp_data_len, &chain, &err),
			 MIKEY_OK);
	assert_int_equal(chain.payloads.n, 4);
	assert_int_equal(chain.len, tp_data_len);

	const struct mikey_payload *tre =
		mikey_find_tr(&chain.payloads, MIKEY_TS_ROLE_TRE);
	assert_non_null(tre);
	assert_int_equal(tre->u.t.ts_type, MIKEY_TS_NTP_UTC_32);
	assert_int_equal(tre->u.t.value, NTP_2024 + 86400);
	assert_non_null(mikey_find_tr(&chain.payloads, MIKEY_TS_ROLE_TRR));
	assert_null(mikey_find_tr(&chain.payloads, MIKEY_TS_ROLE_TRI));
}

static void request_resp_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_REQUEST_RESP, false,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, STR(kms));
	put_ticket(&b, false);
	mikey_put_kemac(&b, MIKEY_ENCR_AES_CM_128, NULL, 64, MIKEY_MAC_NULL,
			NULL, NULL, NULL);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_IDR, MIKEY_PT_TICKET, MIKEY_PT_KEMAC,
		MIKEY_PT_V,
	};
	assert_types(types, sizeof(types));

	const struct mikey_payload *p = &msg.payloads.item[2];
	const struct mikey_ticket *t = &p->u.ticket;
	assert_slice(t->ticket_data, ticket_data, ticket_data_len);
	assert_int_equal(t->initiator_data.len, 0);
	assert_int_equal(t->initiator_data_len_offset, p->offset + p->len - 2);
	assert_int_equal(msg.payloads.item[3].u.kemac.mac.len, 0);
	assert_rebuilds(len);
}

static void base_ticket_parse(void **state)
{
	(void)state;
	static struct mikey_base_ticket t;

	build_ticket_data();
	assert_int_equal(mikey_parse_base_ticket(ticket_data, ticket_data_len,
						 &t, &err), MIKEY_OK);
	assert_slice(t.thdr->u.thdr.data, "thdr", 4);
	assert_int_equal(t.thdr->next_payload, MIKEY_PT_T);
	assert_non_null(t.t);
	assert_slice(t.rand->u.rand.rand, rand16, 16);
	assert_int_equal(t.kemac->u.kemac.encr_data.len, 40);
	assert_non_null(t.idrpsk);
	assert_int_equal(t.v->u.v.mac_offset, ticket_v_offset);
	assert_int_equal(t.len, ticket_data_len);
}

static void base_ticket_order(void **state)
{
	(void)state;
	static struct mikey_base_ticket t;
	struct mikey_builder b;

	mikey_builder_init_ticket_data(&b, ticket_data, sizeof(ticket_data),
				       NULL, 0);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, 0);
	mikey_put_kemac(&b, 0, NULL, 0, 0, NULL, NULL, NULL);
	mikey_put_v(&b, 0, NULL, NULL);
	size_t len = finish(&b);

	assert_int_equal(mikey_parse_base_ticket(ticket_data, len, &t, &err),
			 MIKEY_ERR_NEXT_PAYLOAD);
	assert_non_null(strstr(err.msg, "KEMAC"));
}

static void transfer_init_roundtrip(void **state)
{
	(void)state;
	uint8_t sd0[10], sd1[10];
	static const uint8_t pol[1] = { 0 };
	struct mikey_generic_id cs0 = {
		.cs_id = 1, .prot_type = MIKEY_PROT_SRTP, .s = true,
		.policy_no = { pol, 1 },
		.session_data = { sd0, mikey_srtp_session_data(sd0, 0xdeadbeef,
							       true, 3, 0x1234) },
		.spi = { mki, 4 },
	};
	struct mikey_generic_id cs1 = {
		.cs_id = 2, .prot_type = MIKEY_PROT_SRTP, .s = false,
		.policy_no = { pol, 1 },
		.session_data = { sd1, mikey_srtp_session_data(sd1, 0xcafef00d,
							       false, 0, 0) },
	};
	struct mikey_builder b;
	size_t v_offset;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, true,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID,
			     MIKEY_MAP_GENERIC_ID);
	mikey_put_cs_generic(&b, &cs0);
	mikey_put_cs_generic(&b, &cs1);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI, STR(alice));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, STR(bob));
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, srtp_params, 3);
	put_ticket(&b, true);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, &v_offset);
	size_t len = finish(&b);
	parse_ok(len);

	const struct mikey_hdr *h = &msg.hdr;
	assert_int_equal(h->cs_id_map_type, MIKEY_MAP_GENERIC_ID);
	assert_int_equal(h->n_entries, 2);
	assert_int_equal(h->cs.generic[0].cs_id, 1);
	assert_true(h->cs.generic[0].s);
	assert_true(h->cs.generic[0].srtp_valid);
	assert_int_equal(h->cs.generic[0].ssrc, 0xdeadbeef);
	assert_int_equal(h->cs.generic[0].roc, 3);
	assert_int_equal(h->cs.generic[0].seq, 0x1234);
	assert_slice(h->cs.generic[0].spi, mki, 4);
	assert_int_equal(h->cs.generic[0].policy_no.len, 1);
	assert_false(h->cs.generic[1].s);
	assert_int_equal(h->cs.generic[1].ssrc, 0xcafef00d);
	assert_int_equal(h->cs.generic[1].spi.len, 0);

	const struct mikey_payload *tk = mikey_find(&msg.payloads,
						    MIKEY_PT_TICKET, 0);
	assert_non_null(tk);
	assert_slice(tk->u.ticket.initiator_data, initiator_data,
		     initiator_data_len);
	assert_int_equal(tk->u.ticket.initiator_data_len_offset,
			 tk->offset + tk->len - 2 - initiator_data_len);
	assert_int_equal(msg.payloads.item[msg.payloads.n - 1].u.v.mac_offset,
			 v_offset);
	assert_rebuilds(len);
}

static void transfer_resp_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_RESP, false,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID,
			     MIKEY_MAP_GENERIC_ID);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, STR(bob));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRKMS, key16, 16);
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, srtp_params, 3);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	const struct mikey_payload *kms_rand =
		mikey_find_randr(&msg.payloads, MIKEY_RAND_ROLE_RANDRKMS);
	assert_non_null(kms_rand);
	assert_slice(kms_rand->u.rand.rand, key16, 16);
	assert_int_equal(msg.hdr.n_cs, 0);
	assert_rebuilds(len);
}

static void resolve_init_psk_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_RESOLVE_INIT_PSK, true,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, rand16, 16);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, STR(bob));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, STR(kms));
	put_ticket(&b, false);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, mki, 4);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, NULL);
	size_t len = finish(&b);
	parse_ok(len);

	static const uint8_t types[] = {
		MIKEY_PT_T, MIKEY_PT_RANDR, MIKEY_PT_IDR, MIKEY_PT_IDR,
		MIKEY_PT_TICKET, MIKEY_PT_IDR, MIKEY_PT_V,
	};
	assert_types(types, sizeof(types));
	assert_int_equal(msg.hdr.data_type, MIKEY_DT_RESOLVE_INIT_PSK);
	assert_rebuilds(len);
}

static void resolve_resp_roundtrip(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t encr_offset, mac_offset;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_RESOLVE_RESP, false,
			     MIKEY_PRF_HMAC_SHA_256, CSB_ID, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, (uint64_t)NTP_2024 << 32);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, STR(kms));
	mikey_put_kemac(&b, MIKEY_ENCR_AES_CM_256, NULL, 80, MIKEY_MAC_NULL,
			NULL, &encr_offset, NULL);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, STR(bob));
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRKMS, rand16, 16);
	mikey_put_v(&b, MIKEY_MAC_HMAC_SHA_256_256, NULL, &mac_offset);
	size_t len = finish(&b);
	parse_ok(len);

	const struct mikey_payload *k = mikey_find(&msg.payloads,
						   MIKEY_PT_KEMAC, 0);
	assert_non_null(k);
	assert_int_equal(k->u.kemac.encr_alg, MIKEY_ENCR_AES_CM_256);
	assert_int_equal(k->u.kemac.encr_data_offset, encr_offset);
	assert_int_equal(mac_offset, len - 32);
	assert_rebuilds(len);
}

/* ---- Timestamps ---- */

static void ts_all_types(void **state)
{
	(void)state;
	static const struct { uint8_t type; uint64_t value; } cases[] = {
		{ MIKEY_TS_NTP_UTC, 0x0123456789abcdefULL },
		{ MIKEY_TS_NTP, 0xfedcba9876543210ULL },
		{ MIKEY_TS_COUNTER, 0xffffffffu },
		{ MIKEY_TS_NTP_UTC_32, NTP_2024 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mikey_builder b;

		mikey_builder_init(&b, buf, sizeof(buf));
		mikey_put_hdr_simple(&b, MIKEY_DT_PSK_RESP, false, 0, 1,
				     MIKEY_MAP_EMPTY);
		mikey_put_t(&b, cases[i].type, cases[i].value);
		mikey_put_tr(&b, MIKEY_TS_ROLE_TRI, cases[i].type,
			     cases[i].value);
		size_t len = finish(&b);
		parse_ok(len);

		assert_int_equal(msg.payloads.item[0].u.t.ts_type, cases[i].type);
		assert_int_equal(msg.payloads.item[0].u.t.value, cases[i].value);
		assert_int_equal(msg.payloads.item[1].u.t.role, MIKEY_TS_ROLE_TRI);
		assert_int_equal(msg.payloads.item[1].u.t.value, cases[i].value);
		assert_rebuilds(len);
	}
}

static void ts_ntp_utc_to_unix(void **state)
{
	(void)state;
	int64_t us;

	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC,
					(uint64_t)NTP_2024 << 32 | 0x80000000u,
					&us));
	assert_int_equal(us, UNIX_2024 * 1000000 + 500000);
	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC_32, NTP_2024, &us));
	assert_int_equal(us, UNIX_2024 * 1000000);
}

/* RFC 4330 section 3: seconds 0x80000000 is 1968-01-20 03:14:08 UTC, the
 * last second of era 0 is 2036-02-07 06:28:15 and 0 is the next one. */
static void ts_era_rollover(void **state)
{
	(void)state;
	int64_t us;

	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC_32, 0x80000000u, &us));
	assert_int_equal(us, -61505152LL * 1000000);
	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC_32, 0xffffffffu, &us));
	assert_int_equal(us, 2085978495LL * 1000000);
	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC_32, 0, &us));
	assert_int_equal(us, 2085978496LL * 1000000);
	assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC, 1ULL << 32, &us));
	assert_int_equal(us, 2085978497LL * 1000000);
}

static void ts_unix_inverse(void **state)
{
	(void)state;
	static const int64_t cases[] = {
		UNIX_2024 * 1000000 + 123457, -61505152LL * 1000000,
		2085978496LL * 1000000 + 999999, 0, -1,
	};
	uint64_t v;
	int64_t us;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, cases[i], &v));
		assert_true(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC, v, &us));
		assert_int_equal(us, cases[i]);
	}
	assert_false(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, -61505153LL * 1000000,
					 &v));
	assert_true(mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, UNIX_2024 * 1000000,
					&v));
	assert_int_equal(v, NTP_2024);
}

static void ts_other_types_rejected(void **state)
{
	(void)state;
	int64_t us;

	assert_false(mikey_ts_to_unix_us(MIKEY_TS_NTP, 0, &us));
	assert_false(mikey_ts_to_unix_us(MIKEY_TS_COUNTER, 0, &us));
	assert_false(mikey_ts_to_unix_us(MIKEY_TS_NTP_UTC_32, 1ULL << 32, &us));
}

/* ---- Key data ---- */

static size_t build_key_data(uint8_t *out, size_t cap)
{
	static const uint8_t vf[6] = { 0 }, vt[6] = { 0, 0, 0, 0, 0xff, 0xff };
	struct mikey_key_data kds[] = {
		{ .type = MIKEY_KEY_MPK, .key = { key16, 16 },
		  .kv = { .kv_type = MIKEY_KV_SPI, .spi = { mki, 4 } } },
		{ .type = MIKEY_KEY_TEK_SALT, .key = { key16, 16 },
		  .salt = { salt14, 14 },
		  .kv = { .kv_type = MIKEY_KV_SPI, .spi = { mki, 4 } } },
		{ .type = MIKEY_KEY_TGK, .key = { key16, 16 },
		  .kv = { .kv_type = MIKEY_KV_INTERVAL, .vf = { vf, 6 },
			  .vt = { vt, 6 } } },
		{ .type = MIKEY_KEY_GTGK_SALT, .key = { key16, 16 },
		  .salt = { salt14, 14 } },
	};
	struct mikey_builder b;

	mikey_builder_init_key_data(&b, out, cap);
	for (size_t i = 0; i < 4; i++)
		mikey_put_key_data(&b, &kds[i]);
	return finish(&b);
}

static void key_data_types(void **state)
{
	(void)state;
	struct mikey_key_data kd[MIKEY_MAX_KEY_DATA];
	size_t n;
	uint32_t odd;
	size_t len = build_key_data(buf, sizeof(buf));

	assert_int_equal(mikey_parse_key_data(buf, len, kd, MIKEY_MAX_KEY_DATA,
					      &n, NULL, &odd, &err), MIKEY_OK);
	assert_int_equal(n, 4);
	assert_int_equal(odd, 0);
	assert_int_equal(kd[0].type, MIKEY_KEY_MPK);
	assert_slice(kd[0].kv.spi, mki, 4);
	assert_int_equal(kd[0].salt.len, 0);
	assert_int_equal(kd[1].type, MIKEY_KEY_TEK_SALT);
	assert_slice(kd[1].key, key16, 16);
	assert_slice(kd[1].salt, salt14, 14);
	assert_int_equal(kd[2].type, MIKEY_KEY_TGK);
	assert_int_equal(kd[2].kv.kv_type, MIKEY_KV_INTERVAL);
	assert_int_equal(kd[2].kv.vf.len, 6);
	assert_int_equal(kd[2].kv.vt.p[5], 0xff);
	assert_int_equal(kd[3].type, MIKEY_KEY_GTGK_SALT);
	assert_int_equal(kd[3].kv.kv_type, MIKEY_KV_NULL);
	assert_int_equal(kd[3].offset + kd[3].len, len);
}

static void key_data_rebuilds(void **state)
{
	(void)state;
	struct mikey_key_data kd[MIKEY_MAX_KEY_DATA];
	struct mikey_builder b;
	size_t n;
	size_t len = build_key_data(buf, sizeof(buf));

	assert_int_equal(mikey_parse_key_data(buf, len, kd, MIKEY_MAX_KEY_DATA,
					      &n, NULL, NULL, &err), MIKEY_OK);
	mikey_builder_init_key_data(&b, buf2, sizeof(buf2));
	for (size_t i = 0; i < n; i++)
		mikey_put_key_data(&b, &kd[i]);
	assert_int_equal(finish(&b), len);
	assert_memory_equal(buf2, buf, len);
}

static void key_data_too_many(void **state)
{
	(void)state;
	struct mikey_key_data kd[2];
	size_t n;
	size_t len = build_key_data(buf, sizeof(buf));

	assert_int_equal(mikey_parse_key_data(buf, len, kd, 2, &n, NULL, NULL,
					      &err), MIKEY_ERR_TOO_MANY);
}

static void key_data_trailing(void **state)
{
	(void)state;
	struct mikey_key_data kd[MIKEY_MAX_KEY_DATA];
	size_t n;
	uint32_t odd;
	size_t len = build_key_data(buf, sizeof(buf));

	buf[len] = 0;  /* one byte of padding */
	assert_int_equal(mikey_parse_key_data(buf, len + 1, kd,
					      MIKEY_MAX_KEY_DATA, &n, NULL,
					      &odd, &err), MIKEY_OK);
	assert_true(odd & MIKEY_ODD_TRAILING_BYTES);
}

static void key_data_truncated(void **state)
{
	(void)state;
	struct mikey_key_data kd[MIKEY_MAX_KEY_DATA];
	size_t n;
	size_t len = build_key_data(buf, sizeof(buf));

	for (size_t cut = 1; cut < len; cut++) {
		enum mikey_status st = mikey_parse_key_data(buf, cut, kd,
							    MIKEY_MAX_KEY_DATA,
							    &n, NULL, NULL,
							    &err);
		assert_int_not_equal(st, MIKEY_OK);
	}
}

/* GStreamer: one TGK field holding the 16-byte key and 14-byte salt. */
static size_t build_packed_tgk(void)
{
	uint8_t packed[30];
	struct mikey_builder b;

	memcpy(packed, key16, 16);
	memcpy(packed + 16, salt14, 14);
	struct mikey_key_data kd = {
		.type = MIKEY_KEY_TGK, .key = { packed, sizeof(packed) },
	};
	mikey_builder_init_key_data(&b, buf, sizeof(buf));
	mikey_put_key_data(&b, &kd);
	return finish(&b);
}

static void key_data_packed_salt(void **state)
{
	(void)state;
	struct mikey_key_data kd[1];
	struct mikey_key_hint hint = { .key_len = 16, .salt_len = 14 };
	size_t n;
	uint32_t odd;
	size_t len = build_packed_tgk();

	assert_int_equal(mikey_parse_key_data(buf, len, kd, 1, &n, &hint, &odd,
					      &err), MIKEY_OK);
	assert_true(odd & MIKEY_ODD_PACKED_SALT);
	assert_true(kd[0].packed_salt);
	assert_slice(kd[0].key, key16, 16);
	assert_slice(kd[0].salt, salt14, 14);
}

static void key_data_packed_rebuilds(void **state)
{
	(void)state;
	struct mikey_key_data kd[1];
	struct mikey_key_hint hint = { .key_len = 16, .salt_len = 14 };
	struct mikey_builder b;
	size_t n;
	size_t len = build_packed_tgk();

	assert_int_equal(mikey_parse_key_data(buf, len, kd, 1, &n, &hint, NULL,
					      &err), MIKEY_OK);
	mikey_builder_init_key_data(&b, buf2, sizeof(buf2));
	mikey_put_key_data(&b, &kd[0]);
	assert_int_equal(finish(&b), len);
	assert_memory_equal(buf2, buf, len);
}

static void key_data_no_hint_no_split(void **state)
{
	(void)state;
	struct mikey_key_data kd[1];
	struct mikey_key_hint hint = { .key_len = 32, .salt_len = 12 };
	size_t n;
	uint32_t odd;
	size_t len = build_packed_tgk();

	assert_int_equal(mikey_parse_key_data(buf, len, kd, 1, &n, &hint, &odd,
					      &err), MIKEY_OK);
	assert_int_equal(odd, 0);
	assert_int_equal(kd[0].key.len, 30);
	assert_int_equal(kd[0].salt.len, 0);
}

/* ---- SRTP policy ---- */

static void sp_gstreamer_tag_length(void **state)
{
	(void)state;
	static const struct mikey_sp_param params[] = {
		{ MIKEY_SRTP_ENCR_ALG, { (const uint8_t *)"\x01", 1 } },
		{ MIKEY_SRTP_AUTH_ALG, { (const uint8_t *)"\x01", 1 } },
		{ MIKEY_SRTP_AUTH_KEY_LEN, { (const uint8_t *)"\x0a", 1 } },
	};
	struct mikey_srtp_policy pol;
	struct mikey_builder b;
	uint32_t odd = 0;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_sp(&b, 0, MIKEY_PROT_SRTP, params, 3);
	parse_ok(finish(&b));

	assert_int_equal(mikey_sp_srtp_policy(&msg.payloads,
					      &msg.payloads.item[0], &pol,
					      &odd), MIKEY_OK);
	assert_true(odd & MIKEY_ODD_SP_TAG_IN_AUTH_KEY_LEN);
	assert_int_equal(pol.auth_tag_len, 10);
	assert_int_equal(pol.auth_key_len, 20);
}

static void sp_policy_defaults(void **state)
{
	(void)state;
	struct mikey_srtp_policy pol;
	uint32_t odd = 0;

	parse_ok(build_psk_init());
	const struct mikey_payload *sp = mikey_find(&msg.payloads, MIKEY_PT_SP, 0);
	assert_int_equal(mikey_sp_srtp_policy(&msg.payloads, sp, &pol, &odd),
			 MIKEY_OK);
	assert_int_equal(odd, 0);
	assert_int_equal(pol.auth_tag_len, 4);
	assert_int_equal(pol.salt_key_len, 14);
	assert_true(pol.srtcp_encr);
	assert_non_null(mikey_sp_find(&msg.payloads, sp, MIKEY_SRTP_ENCR_KEY_LEN));
	assert_null(mikey_sp_find(&msg.payloads, sp, MIKEY_SRTP_KDR));
}

/* ---- Rejections ---- */

static void reject_truncated_header(void **state)
{
	(void)state;
	build_psk_init();
	for (size_t cut = 0; cut < 10; cut++)
		assert_int_equal(mikey_parse(buf, cut, &msg, &err),
				 MIKEY_ERR_TRUNCATED);
	assert_int_equal(mikey_parse(buf, 15, &msg, &err), MIKEY_ERR_TRUNCATED);
	assert_non_null(strstr(err.msg, "SRTP-ID entry"));
}

static void reject_bad_version(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	buf[0] = 2;
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_VERSION);
}

/* Cutting each payload short, at every length, must fail with a field
 * inside that payload named. */
static void reject_each_payload_truncated(void **state)
{
	(void)state;
	size_t lens[2];

	lens[0] = build_psk_init();
	for (int variant = 0; variant < 2; variant++) {
		if (variant == 1) {
			struct mikey_builder b;
			mikey_builder_init(&b, buf, sizeof(buf));
			mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, true, 1,
					     CSB_ID, MIKEY_MAP_EMPTY);
			mikey_put_randr(&b, 1, rand16, 16);
			mikey_put_idr(&b, 1, 1, STR(alice));
			mikey_put_tr(&b, 1, 0, 0);
			put_ticket(&b, true);
			mikey_put_err(&b, 0);
			mikey_put_ext(&b, 0, STR("x"));
			mikey_put_sign(&b, 0, NULL, 8, NULL);
			lens[1] = finish(&b);
		}
		parse_ok(lens[variant]);

		static struct mikey_msg full;
		full = msg;
		for (size_t i = 0; i < full.payloads.n; i++) {
			const struct mikey_payload *p = &full.payloads.item[i];

			for (size_t cut = p->offset; cut < p->offset + p->len;
			     cut++) {
				enum mikey_status st = mikey_parse(buf, cut, &msg,
								   &err);

				assert_true(st == MIKEY_ERR_TRUNCATED ||
					    st == MIKEY_ERR_LENGTH);
				assert_true(err.offset >= p->offset);
				assert_non_null(strstr(err.msg,
						       mikey_payload_name(p->type)));
			}
		}
	}
}

static void reject_unknown_next_payload(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	parse_ok(len);
	buf[msg.payloads.item[0].offset] = 99;  /* T's Next Payload */
	assert_int_equal(mikey_parse(buf, len, &msg, &err),
			 MIKEY_ERR_NEXT_PAYLOAD);
	assert_non_null(strstr(err.msg, "value 99"));
}

static void reject_key_data_at_top(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	buf[2] = MIKEY_PT_KEY_DATA;
	assert_int_equal(mikey_parse(buf, len, &msg, &err),
			 MIKEY_ERR_NEXT_PAYLOAD);
	assert_non_null(strstr(err.msg, "KEMAC"));
}

static void reject_too_many_payloads(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	for (int i = 0; i <= MIKEY_MAX_PAYLOADS; i++)
		mikey_put_rand(&b, rand16, 1);
	size_t len = finish(&b);

	assert_int_equal(mikey_parse(buf, len, &msg, &err),
			 MIKEY_ERR_TOO_MANY);
}

static void reject_sign_not_last(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	mikey_put_sign(&b, 0, NULL, 4, NULL);
	size_t len = finish(&b);

	buf[len] = MIKEY_PT_LAST;
	assert_int_equal(mikey_parse(buf, len + 1, &msg, &err),
			 MIKEY_ERR_SIGN_NOT_LAST);
}

static void reject_sign_in_chain(void **state)
{
	(void)state;
	static struct mikey_chain chain;
	static const uint8_t data[] = { MIKEY_PT_SIGN, 0x00, 0x00 };

	assert_int_equal(mikey_parse_chain(data, sizeof(data), &chain, &err),
			 MIKEY_ERR_NEXT_PAYLOAD);
}

static void reject_length_overflow(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t encr_offset;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_rand(&b, rand16, 9);
	mikey_put_kemac(&b, 1, NULL, 119, 0, NULL, &encr_offset, NULL);
	size_t len = finish(&b);

	buf[encr_offset - 2] = 300 >> 8;
	buf[encr_offset - 1] = 300 & 0xff;
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_LENGTH);
	assert_string_equal(err.msg,
			    "KEMAC at offset 57: encrypted data length 300 exceeds the 120 bytes left");
}

static void reject_sp_param_overflow(void **state)
{
	(void)state;
	size_t len = build_psk_init();
	parse_ok(len);
	const struct mikey_payload *sp = mikey_find(&msg.payloads, MIKEY_PT_SP, 0);

	buf[sp->offset + 5 + 1] = 200;  /* first parameter's Length */
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_LENGTH);
	assert_non_null(strstr(err.msg, "SP parameter value"));
}

static void reject_unknown_ts_type(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	parse_ok(len);
	buf[msg.hdr_len + 1] = 9;  /* T's TS type */
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_VALUE);
}

static void reject_unknown_map_type(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	buf[9] = 7;
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_VALUE);
}

static void reject_too_many_cs(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	buf[8] = MIKEY_MAX_CS + 1;
	assert_int_equal(mikey_parse(buf, len, &msg, &err), MIKEY_ERR_LIMIT);
}

/* ---- Oddities ---- */

static void trailing_bytes_counted(void **state)
{
	(void)state;
	size_t len = build_psk_init();

	memset(buf + len, 0, 3);
	parse_ok(len + 3);
	assert_int_equal(msg.trailing_bytes, 3);
	assert_int_equal(msg.len, len);
	assert_true(msg.odd & MIKEY_ODD_TRAILING_BYTES);
}

static void reserved_bits_kept(void **state)
{
	(void)state;
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_ERROR, false, 0, 1, MIKEY_MAP_EMPTY);
	mikey_put_err(&b, 3);
	size_t len = finish(&b);

	buf[len - 1] = 0x5a;
	parse_ok(len);
	assert_true(msg.odd & MIKEY_ODD_RESERVED_BITS);
	assert_int_equal(msg.payloads.item[0].u.err.reserved, 0x5a);
	assert_rebuilds(len);
}

static void odd_session_data(void **state)
{
	(void)state;
	static const uint8_t sd[6] = { 1, 2, 3, 4, 5, 6 };
	struct mikey_generic_id cs = {
		.cs_id = 1, .prot_type = MIKEY_PROT_SRTP,
		.session_data = { sd, sizeof(sd) },
	};
	struct mikey_builder b;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_RESP, false, 1, 1,
			     MIKEY_MAP_GENERIC_ID);
	mikey_put_cs_generic(&b, &cs);
	parse_ok(finish(&b));
	assert_true(msg.odd & MIKEY_ODD_SESSION_DATA);
	assert_false(msg.hdr.cs.generic[0].srtp_valid);
}

/* ---- Builder errors ---- */

static void build_no_space(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t len;

	mikey_builder_init(&b, buf, 20);
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	mikey_put_rand(&b, rand16, 16);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_ERR_NO_SPACE);
	assert_int_equal(len, 0);
}

static void build_after_sign(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t len;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	mikey_put_sign(&b, 0, NULL, 4, NULL);
	mikey_put_rand(&b, rand16, 16);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_ERR_STATE);
}

static void build_cs_after_payload(void **state)
{
	(void)state;
	struct mikey_builder b;
	size_t len;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_SRTP_ID);
	mikey_put_rand(&b, rand16, 16);
	mikey_put_cs_srtp(&b, 0, 1, 0);
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_ERR_STATE);
}

static void build_field_too_long(void **state)
{
	(void)state;
	static uint8_t big[256];
	struct mikey_builder b;
	size_t len;

	mikey_builder_init(&b, buf, sizeof(buf));
	mikey_put_hdr_simple(&b, MIKEY_DT_PSK_INIT, false, 0, 1,
			     MIKEY_MAP_EMPTY);
	mikey_put_rand(&b, big, sizeof(big));
	assert_int_equal(mikey_builder_finish(&b, &len), MIKEY_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(psk_init_header),
		cmocka_unit_test(psk_init_payloads),
		cmocka_unit_test(psk_resp_roundtrip),
		cmocka_unit_test(error_msg_roundtrip),
		cmocka_unit_test(pk_init_roundtrip),
		cmocka_unit_test(dh_init_roundtrip),
		cmocka_unit_test(ext_and_sakke_roundtrip),
		cmocka_unit_test(request_init_psk_roundtrip),
		cmocka_unit_test(tp_data_chain),
		cmocka_unit_test(request_resp_roundtrip),
		cmocka_unit_test(base_ticket_parse),
		cmocka_unit_test(base_ticket_order),
		cmocka_unit_test(transfer_init_roundtrip),
		cmocka_unit_test(transfer_resp_roundtrip),
		cmocka_unit_test(resolve_init_psk_roundtrip),
		cmocka_unit_test(resolve_resp_roundtrip),
		cmocka_unit_test(ts_all_types),
		cmocka_unit_test(ts_ntp_utc_to_unix),
		cmocka_unit_test(ts_era_rollover),
		cmocka_unit_test(ts_unix_inverse),
		cmocka_unit_test(ts_other_types_rejected),
		cmocka_unit_test(key_data_types),
		cmocka_unit_test(key_data_rebuilds),
		cmocka_unit_test(key_data_too_many),
		cmocka_unit_test(key_data_trailing),
		cmocka_unit_test(key_data_truncated),
		cmocka_unit_test(key_data_packed_salt),
		cmocka_unit_test(key_data_packed_rebuilds),
		cmocka_unit_test(key_data_no_hint_no_split),
		cmocka_unit_test(sp_gstreamer_tag_length),
		cmocka_unit_test(sp_policy_defaults),
		cmocka_unit_test(reject_truncated_header),
		cmocka_unit_test(reject_bad_version),
		cmocka_unit_test(reject_each_payload_truncated),
		cmocka_unit_test(reject_unknown_next_payload),
		cmocka_unit_test(reject_key_data_at_top),
		cmocka_unit_test(reject_too_many_payloads),
		cmocka_unit_test(reject_sign_not_last),
		cmocka_unit_test(reject_sign_in_chain),
		cmocka_unit_test(reject_length_overflow),
		cmocka_unit_test(reject_sp_param_overflow),
		cmocka_unit_test(reject_unknown_ts_type),
		cmocka_unit_test(reject_unknown_map_type),
		cmocka_unit_test(reject_too_many_cs),
		cmocka_unit_test(trailing_bytes_counted),
		cmocka_unit_test(reserved_bits_kept),
		cmocka_unit_test(odd_session_data),
		cmocka_unit_test(build_no_space),
		cmocka_unit_test(build_after_sign),
		cmocka_unit_test(build_cs_after_payload),
		cmocka_unit_test(build_field_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
