/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer test of TRANSFER verification and TEK derivation at the LI
 * node. The vectors are the TRANSFER example that tests/kat/gen_mikey_kat.py
 * computes in Python from RFC 6043. It uses PRF-HMAC-SHA-256, flags
 * D E F G H I N O, one GENERIC-ID crypto session without SP (the RFC 3830
 * default policy), and a TRANSFER_RESP keyed from the forked MPKr'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_li_call.h"

/* The header has every vector of lib/mikey, and this test uses a few. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "tests/kat/mikey_kat.h"
#pragma GCC diagnostic pop

static const struct kat_ticket_msg *kat_message(const char *name)
{
	for (size_t i = 0; i < sizeof(kat_ticket_msg) / sizeof(kat_ticket_msg[0]); i++) {
		if (strcmp(kat_ticket_msg[i].name, name) == 0)
			return &kat_ticket_msg[i];
	}
	fail_msg("no example message %s", name);
	return NULL;
}

static void set_key(struct mikey_li_key *k, uint8_t type, const uint8_t *key,
		    size_t len, uint8_t spi)
{
	memset(k, 0, sizeof(*k));
	k->type = type;
	memcpy(k->key, key, len);
	k->key_len = len;
	k->spi[0] = spi;
	k->spi_len = 1;
}

/* The keys of the example's REQUEST_RESP, as an LI node receives them
 * for the ticket of the example TRANSFER_INIT. */
static void example_keys(struct mikey_li_keys *keys)
{
	const struct kat_transfer_keys *k = &kat_transfer_keys;
	const struct kat_ticket_msg *ti = kat_message("TRANSFER_INIT");
	struct mikey_msg m;

	memset(keys, 0, sizeof(*keys));
	set_key(&keys->mpki, MIKEY_KEY_MPK, k->mpki, k->mpki_len, 0x01);
	set_key(&keys->mpkr, MIKEY_KEY_MPK, k->mpkr, k->mpkr_len, 0x02);
	keys->has_mpkr = true;
	set_key(&keys->keys[0], MIKEY_KEY_TGK, k->tgk, k->tgk_len, 0x03);
	keys->n_keys = 1;
	keys->tp_prf_func = MIKEY_PRF_HMAC_SHA_256;
	keys->tp_flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G |
			 MIKEY_TP_H | MIKEY_TP_I | MIKEY_TP_N | MIKEY_TP_O;
	assert_int_equal(mikey_parse(ti->msg, ti->msg_len, &m, NULL), MIKEY_OK);
	assert_true(mikey_li_ticket_digest(ti->msg, ti->msg_len,
					   mikey_find(&m.payloads, MIKEY_PT_TICKET, 0),
					   keys->ticket_digest));
}

static void example_transfer(struct mikey_li_transfer *x, const uint8_t *tr,
			     size_t tr_len)
{
	const struct kat_ticket_msg *ti = kat_message("TRANSFER_INIT");

	memset(x, 0, sizeof(*x));
	x->ti = ti->msg;
	x->ti_len = ti->msg_len;
	x->tr = tr;
	x->tr_len = tr_len;
}

static void test_example_tek_and_salt(void **state)
{
	const struct kat_transfer_keys *k = &kat_transfer_keys;
	struct mikey_li_policy policy;
	struct mikey_li_keys keys;
	struct mikey_li_transfer x;
	struct mikey_li_call_keys out;
	struct mikey_li_failure fail;
	const struct mikey_li_stream *s;

	(void)state;
	mikey_li_policy_init(&policy);
	example_keys(&keys);
	example_transfer(&x, k->transfer_resp, k->transfer_resp_len);

	assert_int_equal(mikey_li_derive_call(&x, &keys, &policy, &out, &fail),
			 MIKEY_LI_OK);
	assert_true(out.forked);
	assert_int_equal(out.csb_id, 0x01020304);
	assert_int_equal(out.n_streams, 1);
	s = &out.streams[0];
	assert_true(s->usable);
	assert_int_equal(s->cs_id, 1);
	assert_true(s->has_ssrc);
	assert_int_equal(s->ssrc, 0x11223344);
	assert_false(s->has_roc);
	assert_int_equal(s->roc, 0);
	assert_int_equal(s->keys.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(s->keys.n_keys, 1);
	assert_int_equal(s->keys.mki_len, 0);
	assert_memory_equal(s->keys.key_salt[0], k->tek, k->tek_len);
	assert_memory_equal(s->keys.key_salt[0] + k->tek_len, k->salt, k->salt_len);
	mikey_li_call_keys_wipe(&out);
}

static void test_example_resp_bit_flip(void **state)
{
	const struct kat_transfer_keys *k = &kat_transfer_keys;
	struct mikey_li_policy policy;
	struct mikey_li_keys keys;
	struct mikey_li_transfer x;
	struct mikey_li_call_keys out;
	struct mikey_li_failure fail;
	uint8_t tr[256];

	(void)state;
	assert_true(k->transfer_resp_len <= sizeof(tr));
	mikey_li_policy_init(&policy);
	example_keys(&keys);
	/* Every byte before the MAC is covered: flip each one in turn. */
	for (size_t i = 0; i + 32 < k->transfer_resp_len; i++) {
		memcpy(tr, k->transfer_resp, k->transfer_resp_len);
		tr[i] ^= 0x01;
		example_transfer(&x, tr, k->transfer_resp_len);
		assert_int_not_equal(mikey_li_derive_call(&x, &keys, &policy, &out,
							  &fail), MIKEY_LI_OK);
		if (fail.status == MIKEY_LI_AUTH_FAILED)
			assert_int_equal(fail.message, MIKEY_LI_MSG_TRANSFER_RESP);
	}
}

static void test_example_init_bit_flip(void **state)
{
	const struct kat_ticket_msg *ti = kat_message("TRANSFER_INIT");
	const struct kat_transfer_keys *k = &kat_transfer_keys;
	struct mikey_li_keys keys;
	struct mikey_li_transfer x;
	struct mikey_li_failure fail;
	uint8_t init[512];
	const struct kat_payload *ticket = NULL;

	(void)state;
	assert_true(ti->msg_len <= sizeof(init));
	example_keys(&keys);
	for (size_t i = 0; i < ti->n_payloads; i++) {
		if (ti->payloads[i].type == MIKEY_PT_TICKET)
			ticket = &ti->payloads[i];
	}
	assert_non_null(ticket);
	/* Bytes outside the Initiator Data and the MAC are covered. */
	for (size_t i = 0; i + 32 < ti->msg_len; i++) {
		bool in_initiator_data = i >= ticket->field_offset &&
					 i < ticket->field_offset + ticket->field_len;

		memcpy(init, ti->msg, ti->msg_len);
		init[i] ^= 0x01;
		example_transfer(&x, k->transfer_resp, k->transfer_resp_len);
		x.ti = init;
		if (in_initiator_data)
			continue;
		assert_int_not_equal(mikey_li_verify_init(&x, &keys, &fail),
				     MIKEY_LI_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_tek_and_salt),
		cmocka_unit_test(test_example_resp_bit_flip),
		cmocka_unit_test(test_example_init_bit_flip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
