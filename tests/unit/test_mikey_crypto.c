/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY crypto against the known-answer vectors of tests/kat/mikey_kat.h,
 * which tests/kat/gen_mikey_kat.py computes with an independent Python
 * implementation, plus round trips and tamper checks.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_prf.h"
#include "lib/mikey/mikey_ticket_mac.h"
#include "tests/kat/mikey_kat.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_prf_vectors(void **state)
{
	(void)state;
	uint8_t out[64];

	for (size_t i = 0; i < N_ELEMS(kat_prf); i++) {
		const struct kat_prf *v = &kat_prf[i];
		int rc = mikey_prf((enum mikey_prf_func)v->prf_func, v->inkey,
				   v->inkey_len, v->label, v->label_len, out,
				   v->out_len);
		assert_int_equal(rc, MIKEY_CRYPTO_OK);
		assert_memory_equal(out, v->out, v->out_len);
	}
}

static void test_prf_rejects_invalid(void **state)
{
	(void)state;
	uint8_t key[16] = { 1 };
	uint8_t out[16];

	assert_int_equal(mikey_prf(MIKEY_PRF_MIKEY_1, key, 0, key, 1, out, 16),
			 MIKEY_CRYPTO_EINVAL);
	assert_int_equal(mikey_prf(MIKEY_PRF_MIKEY_1, key, 16, key, 1, out, 0),
			 MIKEY_CRYPTO_EINVAL);
	assert_int_equal(mikey_prf((enum mikey_prf_func)7, key, 16, key, 1, out, 16),
			 MIKEY_CRYPTO_EUNSUPPORTED);
}

static int build_label(const struct kat_derive *v, uint8_t *label, size_t cap,
		       size_t *len)
{
	switch (v->kind) {
	case 'A':
		return mikey_label_rfc3830(mikey_tgk_key_constant(v->key), v->cs_id,
					   v->csb_id, v->rand1, v->rand1_len,
					   label, cap, len);
	case 'B':
		return mikey_label_rfc3830(mikey_msg_key_constant(v->key), 0xFF,
					   v->csb_id, v->rand1, v->rand1_len,
					   label, cap, len);
	case 'C':
	case 'D':
		return mikey_label_ticket_msg(mikey_msg_key_constant(v->key),
					      v->csb_id, v->direction, v->rand1,
					      v->rand1_len, v->rand2, v->rand2_len,
					      label, cap, len);
	case 'E':
		return mikey_label_fork(v->key == MIKEY_FORK_MPKR ?
					MIKEY_CONST_MPKR_FORK : MIKEY_CONST_TGK_FORK,
					v->idrr, v->idrr_len, v->rand1,
					v->rand1_len, label, cap, len);
	case 'F':
		return mikey_label_ticket_tgk(mikey_tgk_key_constant(v->key),
					      v->cs_id, v->rand1, v->rand1_len,
					      v->rand2, v->rand2_len, label, cap,
					      len);
	case 'G':
		return mikey_label_ticket_fixed(mikey_msg_key_constant(v->key),
						MIKEY_LABEL_TAG_VR, false, NULL, 0,
						label, cap, len);
	case 'H':
		return mikey_label_ticket_fixed(mikey_msg_key_constant(v->key),
						MIKEY_LABEL_TAG_TPK, true, v->rand1,
						v->rand1_len, label, cap, len);
	case 'I':
		return mikey_label_ticket_fixed(v->key == MIKEY_MPK_KEY_MPKI ?
						MIKEY_CONST_MPKI : MIKEY_CONST_MPKR,
						MIKEY_LABEL_TAG_MPK, true, v->rand1,
						v->rand1_len, label, cap, len);
	}
	return MIKEY_CRYPTO_EINVAL;
}

static int derive(const struct kat_derive *v, uint8_t *out)
{
	enum mikey_prf_func prf = (enum mikey_prf_func)v->prf_func;

	switch (v->kind) {
	case 'A':
		return mikey_derive_tgk_key(prf, v->key, v->inkey, v->inkey_len,
					    v->cs_id, v->csb_id, v->rand1,
					    v->rand1_len, out, v->out_len);
	case 'B':
		return mikey_derive_msg_key(prf, v->key, v->inkey, v->inkey_len,
					    v->csb_id, v->rand1, v->rand1_len,
					    out, v->out_len);
	case 'C':
	case 'D':
		return mikey_derive_ticket_msg_key(prf, v->key, v->direction,
						   v->inkey, v->inkey_len,
						   v->csb_id, v->rand1,
						   v->rand1_len, v->rand2,
						   v->rand2_len, out, v->out_len);
	case 'E':
		return mikey_derive_forked_key(prf, v->key, v->inkey,
					       v->inkey_len, v->idrr,
					       v->idrr_len, v->rand1,
					       v->rand1_len, out);
	case 'F':
		return mikey_derive_ticket_tgk_key(prf, v->key, v->inkey,
						   v->inkey_len, v->cs_id,
						   v->rand1, v->rand1_len,
						   v->rand2, v->rand2_len, out,
						   v->out_len);
	case 'G':
		return mikey_derive_vr_key(prf, v->key, v->inkey, v->inkey_len,
					   out, v->out_len);
	case 'H':
		return mikey_derive_tpk_key(prf, v->key, v->inkey, v->inkey_len,
					    v->rand1, v->rand1_len, out,
					    v->out_len);
	case 'I':
		return mikey_derive_mpk_key(prf, v->key, v->inkey, v->inkey_len,
					    v->rand1, v->rand1_len, out);
	}
	return MIKEY_CRYPTO_EINVAL;
}

static void test_derive_vectors(void **state)
{
	(void)state;
	uint8_t label[600];
	uint8_t out[64];
	size_t label_len = 0;

	for (size_t i = 0; i < N_ELEMS(kat_derive); i++) {
		const struct kat_derive *v = &kat_derive[i];

		print_message("derivation %s\n", v->name);
		assert_int_equal(build_label(v, label, sizeof(label), &label_len),
				 MIKEY_CRYPTO_OK);
		assert_int_equal(label_len, v->label_len);
		assert_memory_equal(label, v->label, v->label_len);

		memset(out, 0, sizeof(out));
		assert_int_equal(derive(v, out), MIKEY_CRYPTO_OK);
		assert_memory_equal(out, v->out, v->out_len);
	}
}

static void test_derive_rejects_no_rand(void **state)
{
	(void)state;
	uint8_t key[16] = { 0 };
	uint8_t out[16];

	assert_int_equal(mikey_derive_ticket_tgk_key(MIKEY_PRF_MIKEY_1,
						     MIKEY_TGK_KEY_TEK, key, 16, 1,
						     NULL, 0, NULL, 0, out, 16),
			 MIKEY_CRYPTO_EINVAL);
	assert_int_equal(mikey_derive_ticket_msg_key(MIKEY_PRF_MIKEY_1,
						     MIKEY_MSG_KEY_AUTH,
						     MIKEY_TICKET_INITIAL, key, 16,
						     1, NULL, 0, NULL, 0, out, 16),
			 MIKEY_CRYPTO_EINVAL);
}

static void test_label_too_small(void **state)
{
	(void)state;
	uint8_t rand[16] = { 0 };
	uint8_t label[12];
	size_t len = 0;

	assert_int_equal(mikey_label_rfc3830(MIKEY_CONST_TEK, 1, 2, rand, 16,
					     label, sizeof(label), &len),
			 MIKEY_CRYPTO_ENOSPC);
}

static void check_kemac(const struct kat_kemac *v)
{
	uint8_t iv[MIKEY_AES_BLOCK_LEN];
	uint8_t buf[256];
	uint8_t back[256];
	size_t len = 0;

	if (v->iv_len > 0) {
		assert_int_equal(mikey_kemac_aes_cm_iv(v->salt, v->salt_len,
						       v->csb_id, v->t64, iv),
				 MIKEY_CRYPTO_OK);
		assert_memory_equal(iv, v->iv, v->iv_len);
	}

	assert_int_equal(mikey_kemac_encrypt(v->encr_alg, v->key, v->key_len,
					     v->salt, v->salt_len, v->csb_id,
					     v->t64, v->plain, v->plain_len, buf,
					     sizeof(buf), &len),
			 MIKEY_CRYPTO_OK);
	assert_int_equal(len, v->cipher_len);
	assert_memory_equal(buf, v->cipher, v->cipher_len);

	assert_int_equal(mikey_kemac_decrypt(v->encr_alg, v->key, v->key_len,
					     v->salt, v->salt_len, v->csb_id,
					     v->t64, buf, len, back, sizeof(back),
					     &len),
			 MIKEY_CRYPTO_OK);
	assert_int_equal(len, v->plain_len);
	assert_memory_equal(back, v->plain, v->plain_len);
}

static void test_kemac_vectors(void **state)
{
	(void)state;

	for (size_t i = 0; i < N_ELEMS(kat_kemac); i++)
		check_kemac(&kat_kemac[i]);
	check_kemac(&kat_request_resp_kemac);
}

static void test_kemac_aes_kw_round_trip(void **state)
{
	(void)state;
	uint8_t key[16], salt[8], plain[32], wrapped[40], back[40];
	size_t len = 0, back_len = 0;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x11 * i);
	memset(salt, 0xA5, sizeof(salt));
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)i;

	assert_int_equal(mikey_kemac_encrypt(MIKEY_ENCR_AES_KW_128, key, 16, salt,
					     8, 0, 0, plain, 32, wrapped,
					     sizeof(wrapped), &len),
			 MIKEY_CRYPTO_OK);
	assert_int_equal(len, 40);
	assert_int_equal(mikey_kemac_decrypt(MIKEY_ENCR_AES_KW_128, key, 16, salt,
					     8, 0, 0, wrapped, len, back,
					     sizeof(back), &back_len),
			 MIKEY_CRYPTO_OK);
	assert_int_equal(back_len, 32);
	assert_memory_equal(back, plain, 32);

	wrapped[3] ^= 0x01;
	assert_int_equal(mikey_kemac_decrypt(MIKEY_ENCR_AES_KW_128, key, 16, salt,
					     8, 0, 0, wrapped, len, back,
					     sizeof(back), &back_len),
			 MIKEY_CRYPTO_EAUTH);
}

static void test_kemac_null_copies(void **state)
{
	(void)state;
	const uint8_t plain[5] = { 1, 2, 3, 4, 5 };
	uint8_t out[5];
	size_t len = 0;

	assert_int_equal(mikey_kemac_decrypt(MIKEY_ENCR_NULL, NULL, 0, NULL, 0, 0,
					     0, plain, 5, out, sizeof(out), &len),
			 MIKEY_CRYPTO_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, plain, 5);
	assert_int_equal(mikey_kemac_decrypt((enum mikey_encr_alg)9, NULL, 0, NULL,
					     0, 0, 0, plain, 5, out, sizeof(out),
					     &len),
			 MIKEY_CRYPTO_EUNSUPPORTED);
}

static void test_ts_to_t64(void **state)
{
	(void)state;
	const uint8_t ntp[8] = { 0xE9, 0xA1, 0xB2, 0xC3, 0x01, 0x02, 0x03, 0x04 };
	uint64_t t = 0;

	assert_int_equal(mikey_ts_to_t64(MIKEY_TS_NTP_UTC, ntp, 8, &t), MIKEY_CRYPTO_OK);
	assert_true(t == 0xE9A1B2C301020304ull);
	assert_int_equal(mikey_ts_to_t64(MIKEY_TS_NTP_UTC_32, ntp, 4, &t), MIKEY_CRYPTO_OK);
	assert_true(t == 0xE9A1B2C300000000ull);
	assert_int_equal(mikey_ts_to_t64(MIKEY_TS_COUNTER, ntp, 4, &t), MIKEY_CRYPTO_OK);
	assert_true(t == 0x00000000E9A1B2C3ull);
	assert_int_equal(mikey_ts_to_t64(MIKEY_TS_NTP_UTC_32, ntp, 8, &t),
			 MIKEY_CRYPTO_EINVAL);
}

static void test_mac_vectors(void **state)
{
	(void)state;
	struct mikey_byte_range ranges[4];
	uint8_t mac[MIKEY_MAC_MAX_LEN];

	for (size_t i = 0; i < N_ELEMS(kat_mac); i++) {
		const struct kat_mac *v = &kat_mac[i];
		for (size_t r = 0; r < v->n_ranges; r++) {
			ranges[r].data = v->ranges[r].data;
			ranges[r].len = v->ranges[r].len;
		}

		assert_int_equal(mikey_mac_compute(v->mac_alg, v->key, v->key_len,
						   ranges, v->n_ranges, mac,
						   sizeof(mac)),
				 MIKEY_CRYPTO_OK);
		assert_memory_equal(mac, v->mac, v->mac_len);
		assert_int_equal(mikey_mac_verify(v->mac_alg, v->key, v->key_len,
						  ranges, v->n_ranges, v->mac,
						  v->mac_len),
				 MIKEY_CRYPTO_OK);

		mac[v->mac_len - 1] ^= 0x80;
		assert_int_equal(mikey_mac_verify(v->mac_alg, v->key, v->key_len,
						  ranges, v->n_ranges, mac,
						  v->mac_len),
				 MIKEY_CRYPTO_EAUTH);
		assert_int_equal(mikey_mac_verify(v->mac_alg, v->key, v->key_len,
						  ranges, v->n_ranges, v->mac,
						  v->mac_len - 1),
				 MIKEY_CRYPTO_EAUTH);
	}
}

/* Fills the fields of struct mikey_msg that the MAC code reads, from the
 * payload index the generator wrote, so these tests do not need the parser. */
static void index_message(const struct kat_ticket_msg *v, const uint8_t *bytes,
			  struct mikey_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdr.data_type = bytes[1];
	msg->len = v->msg_len;
	msg->payloads.n = v->n_payloads;

	for (size_t i = 0; i < v->n_payloads; i++) {
		const struct kat_payload *k = &v->payloads[i];
		struct mikey_payload *p = &msg->payloads.item[i];

		p->type = k->type;
		p->offset = k->offset;
		p->len = k->len;
		if (k->type == MIKEY_PT_IDR) {
			p->u.id.role = k->role;
			p->u.id.data.p = bytes + k->field_offset;
			p->u.id.data.len = k->field_len;
		} else if (k->type == MIKEY_PT_V) {
			p->u.v.auth_alg = bytes[k->offset + 1];
			p->u.v.mac_offset = k->field_offset;
			p->u.v.mac.p = bytes + k->field_offset;
			p->u.v.mac.len = k->field_len;
		} else if (k->type == MIKEY_PT_TICKET) {
			p->u.ticket.initiator_data_len_offset = k->field_offset;
		}
	}
}

static int mac_input_for(const struct kat_ticket_msg *v, const uint8_t *bytes,
			 const struct mikey_msg *msg, struct mikey_mac_input *input)
{
	if (v->initial_len > 0) {
		struct mikey_slice initial = { v->initial, v->initial_len };
		return mikey_ticket_resp_mac_input(bytes, v->msg_len, msg, initial,
						   input);
	}

	/* The second identity is absent from REQUEST_INIT, so the fallback
	 * path of mikey_ticket_identity() supplies it. */
	uint8_t role1 = MIKEY_ID_ROLE_IDRI, role2 = MIKEY_ID_ROLE_IDRKMS;
	if (msg->hdr.data_type == MIKEY_DT_TRANSFER_INIT)
		role2 = MIKEY_ID_ROLE_IDRR;
	if (msg->hdr.data_type == MIKEY_DT_RESOLVE_INIT_PSK)
		role1 = MIKEY_ID_ROLE_IDRR;

	struct mikey_slice fallback2 = { v->identity2, v->identity2_len };
	struct mikey_slice id1, id2;
	int rc = mikey_ticket_identity(msg, role1, NULL, &id1);
	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_ticket_identity(msg, role2, &fallback2, &id2);
	if (rc != MIKEY_CRYPTO_OK)
		return rc;
	return mikey_ticket_init_mac_input(bytes, v->msg_len, msg, id1, id2, input);
}

static void test_ticket_mac_inputs(void **state)
{
	(void)state;
	struct mikey_msg *msg = calloc(1, sizeof(*msg));
	struct mikey_mac_input input;
	uint8_t flat[1024];
	uint8_t mac[MIKEY_MAC_MAX_LEN];

	assert_non_null(msg);
	for (size_t i = 0; i < N_ELEMS(kat_ticket_msg); i++) {
		const struct kat_ticket_msg *v = &kat_ticket_msg[i];

		print_message("message %s\n", v->name);
		index_message(v, v->msg, msg);
		assert_int_equal(mac_input_for(v, v->msg, msg, &input), MIKEY_CRYPTO_OK);

		size_t flat_len = 0;
		for (size_t r = 0; r < input.n; r++) {
			assert_true(flat_len + input.range[r].len <= sizeof(flat));
			if (input.range[r].len > 0)
				memcpy(flat + flat_len, input.range[r].data, input.range[r].len);
			flat_len += input.range[r].len;
		}
		assert_int_equal(flat_len, v->mac_input_len);
		assert_memory_equal(flat, v->mac_input, v->mac_input_len);

		assert_int_equal(mikey_mac_compute(v->mac_alg, v->key, v->key_len,
						   input.range, input.n, mac,
						   sizeof(mac)),
				 MIKEY_CRYPTO_OK);
		assert_memory_equal(mac, v->mac, v->mac_len);
		assert_int_equal(mikey_ticket_verify_v(msg, &input, v->key, v->key_len),
				 MIKEY_CRYPTO_OK);
	}
	free(msg);
}

/* The same messages, parsed by the codec instead of indexed by hand. */
static void test_ticket_mac_after_parse(void **state)
{
	(void)state;
	struct mikey_msg *msg = calloc(1, sizeof(*msg));
	struct mikey_mac_input input;
	struct mikey_error err;

	assert_non_null(msg);
	for (size_t i = 0; i < N_ELEMS(kat_ticket_msg); i++) {
		const struct kat_ticket_msg *v = &kat_ticket_msg[i];

		print_message("message %s\n", v->name);
		assert_int_equal(mikey_parse(v->msg, v->msg_len, msg, &err), MIKEY_OK);
		assert_int_equal(msg->payloads.n, v->n_payloads);
		assert_int_equal(mac_input_for(v, v->msg, msg, &input), MIKEY_CRYPTO_OK);
		assert_int_equal(mikey_ticket_verify_v(msg, &input, v->key, v->key_len),
				 MIKEY_CRYPTO_OK);
	}
	free(msg);
}

static void test_ticket_mac_rejects_flipped_bit(void **state)
{
	(void)state;
	struct mikey_msg *msg = calloc(1, sizeof(*msg));
	struct mikey_mac_input input;
	uint8_t copy[1024];

	assert_non_null(msg);
	for (size_t i = 0; i < N_ELEMS(kat_ticket_msg); i++) {
		const struct kat_ticket_msg *v = &kat_ticket_msg[i];

		/* Byte 4 is the first CSB ID byte, covered by every MAC. */
		assert_true(v->msg_len <= sizeof(copy));
		memcpy(copy, v->msg, v->msg_len);
		copy[4] ^= 0x01;
		index_message(v, copy, msg);
		assert_int_equal(mac_input_for(v, copy, msg, &input), MIKEY_CRYPTO_OK);
		assert_int_equal(mikey_ticket_verify_v(msg, &input, v->key, v->key_len),
				 MIKEY_CRYPTO_EAUTH);
	}
	free(msg);
}

static void test_transfer_init_ignores_initiator_data(void **state)
{
	(void)state;
	struct mikey_msg *msg = calloc(1, sizeof(*msg));
	struct mikey_mac_input input;
	uint8_t copy[1024];
	const struct kat_ticket_msg *v = &kat_ticket_msg[2];

	assert_non_null(msg);
	assert_string_equal(v->name, "TRANSFER_INIT");
	memcpy(copy, v->msg, v->msg_len);
	index_message(v, copy, msg);
	const struct kat_payload *ticket = NULL;
	for (size_t i = 0; i < v->n_payloads; i++) {
		if (v->payloads[i].type == MIKEY_PT_TICKET)
			ticket = &v->payloads[i];
	}
	assert_non_null(ticket);

	/* A change inside the Initiator Data leaves the V MAC valid. */
	copy[ticket->field_offset + ticket->field_len - 1] ^= 0x01;
	assert_int_equal(mac_input_for(v, copy, msg, &input), MIKEY_CRYPTO_OK);
	assert_int_equal(mikey_ticket_verify_v(msg, &input, v->key, v->key_len),
			 MIKEY_CRYPTO_OK);
	free(msg);
}

static void test_transfer_keys(void **state)
{
	(void)state;
	const struct kat_transfer_keys *k = &kat_transfer_keys;
	uint8_t mpkr_forked[32], tgk_forked[16], tek[16], salt[14];

	assert_int_equal(mikey_derive_forked_key(MIKEY_PRF_HMAC_SHA_256, MIKEY_FORK_MPKR,
						 k->mpkr, k->mpkr_len, k->idrr,
						 k->idrr_len, k->randrkms,
						 k->randrkms_len, mpkr_forked),
			 MIKEY_CRYPTO_OK);
	assert_memory_equal(mpkr_forked, k->mpkr_forked, k->mpkr_forked_len);
	assert_int_equal(mikey_derive_forked_key(MIKEY_PRF_HMAC_SHA_256, MIKEY_FORK_TGK,
						 k->tgk, k->tgk_len, k->idrr,
						 k->idrr_len, k->randrkms,
						 k->randrkms_len, tgk_forked),
			 MIKEY_CRYPTO_OK);
	assert_memory_equal(tgk_forked, k->tgk_forked, k->tgk_forked_len);

	/* RANDRi and RANDRr as in the example messages (H = G = 1). */
	uint8_t randri[16], randrr[16];
	for (int i = 0; i < 16; i++) {
		randri[i] = (uint8_t)(0x10 + i);
		randrr[i] = (uint8_t)(0x30 + i);
	}
	assert_int_equal(mikey_derive_ticket_tgk_key(MIKEY_PRF_HMAC_SHA_256,
						     MIKEY_TGK_KEY_TEK, tgk_forked,
						     16, 1, randri, 16, randrr, 16,
						     tek, sizeof(tek)),
			 MIKEY_CRYPTO_OK);
	assert_memory_equal(tek, k->tek, k->tek_len);
	assert_int_equal(mikey_derive_ticket_tgk_key(MIKEY_PRF_HMAC_SHA_256,
						     MIKEY_TGK_KEY_SALT, tgk_forked,
						     16, 1, randri, 16, randrr, 16,
						     salt, sizeof(salt)),
			 MIKEY_CRYPTO_OK);
	assert_memory_equal(salt, k->salt, k->salt_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_vectors),
		cmocka_unit_test(test_prf_rejects_invalid),
		cmocka_unit_test(test_derive_vectors),
		cmocka_unit_test(test_derive_rejects_no_rand),
		cmocka_unit_test(test_label_too_small),
		cmocka_unit_test(test_kemac_vectors),
		cmocka_unit_test(test_kemac_aes_kw_round_trip),
		cmocka_unit_test(test_kemac_null_copies),
		cmocka_unit_test(test_ts_to_t64),
		cmocka_unit_test(test_mac_vectors),
		cmocka_unit_test(test_ticket_mac_inputs),
		cmocka_unit_test(test_ticket_mac_after_parse),
		cmocka_unit_test(test_ticket_mac_rejects_flipped_bit),
		cmocka_unit_test(test_transfer_init_ignores_initiator_data),
		cmocka_unit_test(test_transfer_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
