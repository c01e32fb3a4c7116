/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY key derivations (RFC 3830 4.1.3/4.1.4, RFC 6043 5.1, 6.10, A.2).
 * Labels are bytes in network order. As the RFC 6043 label definitions
 * specify, RAND lengths are 8-bit and the IDRr ID Data length is 16-bit.
 */

#include "lib/mikey/mikey_kdf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Largest label with only RAND fields: 10 fixed bytes and two 255-byte RANDs with their lengths. */
#define LABEL_MAX_SHORT (4 + 1 + 4 + 1 + 1 + 255 + 1 + 255)

/* Appends bytes to a label buffer and remembers when it ran out of room. */
struct label_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static void put_bytes(struct label_writer *w, const uint8_t *data, size_t len)
{
	if (w->overflow || len > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (len > 0)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static void put_u8(struct label_writer *w, uint8_t value)
{
	put_bytes(w, &value, 1);
}

static void put_u16(struct label_writer *w, uint16_t value)
{
	uint8_t be[2] = { (uint8_t)(value >> 8), (uint8_t)value };

	put_bytes(w, be, sizeof(be));
}

static void put_u32(struct label_writer *w, uint32_t value)
{
	uint8_t be[4] = { (uint8_t)(value >> 24), (uint8_t)(value >> 16),
			  (uint8_t)(value >> 8), (uint8_t)value };

	put_bytes(w, be, sizeof(be));
}

/* Appends len(RAND) as one byte, then RAND. An omitted RAND gives a single 0x00. */
static void put_rand8(struct label_writer *w, const uint8_t *rand, size_t rand_len)
{
	put_u8(w, (uint8_t)rand_len);
	put_bytes(w, rand, rand_len);
}

static int finish_label(const struct label_writer *w, size_t *label_len)
{
	if (w->overflow)
		return MIKEY_CRYPTO_ENOSPC;
	*label_len = w->len;
	return MIKEY_CRYPTO_OK;
}

static bool rand_valid(const uint8_t *rand, size_t rand_len)
{
	return rand_len <= 255 && (rand != NULL || rand_len == 0);
}

uint32_t mikey_tgk_key_constant(enum mikey_tgk_key key)
{
	switch (key) {
	case MIKEY_TGK_KEY_TEK:
		return MIKEY_CONST_TEK;
	case MIKEY_TGK_KEY_SALT:
		return MIKEY_CONST_TGK_SALT;
	case MIKEY_TGK_KEY_ENCR:
		return MIKEY_CONST_TGK_ENCR;
	case MIKEY_TGK_KEY_AUTH:
		return MIKEY_CONST_TGK_AUTH;
	}
	return 0;
}

uint32_t mikey_msg_key_constant(enum mikey_msg_key key)
{
	switch (key) {
	case MIKEY_MSG_KEY_ENCR:
		return MIKEY_CONST_ENCR_KEY;
	case MIKEY_MSG_KEY_AUTH:
		return MIKEY_CONST_AUTH_KEY;
	case MIKEY_MSG_KEY_SALT:
		return MIKEY_CONST_SALT_KEY;
	}
	return 0;
}

int mikey_label_rfc3830(uint32_t constant, uint8_t cs_id, uint32_t csb_id,
			const uint8_t *rand, size_t rand_len, uint8_t *label,
			size_t label_cap, size_t *label_len)
{
	struct label_writer w = { label, label_cap, 0, false };

	if (label == NULL || label_len == NULL || !rand_valid(rand, rand_len))
		return MIKEY_CRYPTO_EINVAL;

	/* RFC 3830 puts the RAND value itself in the label, without its length. */
	put_u32(&w, constant);
	put_u8(&w, cs_id);
	put_u32(&w, csb_id);
	put_bytes(&w, rand, rand_len);
	return finish_label(&w, label_len);
}

int mikey_label_ticket_msg(uint32_t constant, uint32_t csb_id,
			   enum mikey_ticket_direction direction,
			   const uint8_t *randri, size_t randri_len,
			   const uint8_t *randrr, size_t randrr_len,
			   uint8_t *label, size_t label_cap, size_t *label_len)
{
	struct label_writer w = { label, label_cap, 0, false };

	if (label == NULL || label_len == NULL)
		return MIKEY_CRYPTO_EINVAL;
	if (!rand_valid(randri, randri_len) || !rand_valid(randrr, randrr_len))
		return MIKEY_CRYPTO_EINVAL;
	if (direction != MIKEY_TICKET_INITIAL && direction != MIKEY_TICKET_RESPONSE)
		return MIKEY_CRYPTO_EINVAL;

	put_u32(&w, constant);
	put_u8(&w, 0xFF);
	put_u32(&w, csb_id);
	put_u8(&w, (uint8_t)direction);
	put_rand8(&w, randri, randri_len);
	put_rand8(&w, randrr, randrr_len);
	return finish_label(&w, label_len);
}

int mikey_label_fork(uint32_t constant, const uint8_t *idrr, size_t idrr_len,
		     const uint8_t *randrkms, size_t randrkms_len,
		     uint8_t *label, size_t label_cap, size_t *label_len)
{
	struct label_writer w = { label, label_cap, 0, false };

	if (label == NULL || label_len == NULL)
		return MIKEY_CRYPTO_EINVAL;
	if (idrr_len > UINT16_MAX || (idrr == NULL && idrr_len > 0))
		return MIKEY_CRYPTO_EINVAL;
	if (!rand_valid(randrkms, randrkms_len))
		return MIKEY_CRYPTO_EINVAL;

	put_u32(&w, constant);
	put_u8(&w, 0xFF);
	put_u32(&w, MIKEY_CSB_ID_NONE);
	put_u8(&w, MIKEY_LABEL_TAG_FORK);
	put_u16(&w, (uint16_t)idrr_len);
	put_bytes(&w, idrr, idrr_len);
	put_rand8(&w, randrkms, randrkms_len);
	return finish_label(&w, label_len);
}

int mikey_label_ticket_tgk(uint32_t constant, uint8_t cs_id,
			   const uint8_t *randri, size_t randri_len,
			   const uint8_t *randrr, size_t randrr_len,
			   uint8_t *label, size_t label_cap, size_t *label_len)
{
	struct label_writer w = { label, label_cap, 0, false };

	if (label == NULL || label_len == NULL)
		return MIKEY_CRYPTO_EINVAL;
	if (!rand_valid(randri, randri_len) || !rand_valid(randrr, randrr_len))
		return MIKEY_CRYPTO_EINVAL;

	/* The CSB ID position contains 0xFFFFFFFF, so MIKEY-TICKET TEKs do not
	 * depend on the CSB ID. They do depend on the CS ID. */
	put_u32(&w, constant);
	put_u8(&w, cs_id);
	put_u32(&w, MIKEY_CSB_ID_NONE);
	put_u8(&w, MIKEY_LABEL_TAG_TGK);
	put_rand8(&w, randri, randri_len);
	put_rand8(&w, randrr, randrr_len);
	return finish_label(&w, label_len);
}

int mikey_label_ticket_fixed(uint32_t constant, uint8_t tag, bool has_rand,
			     const uint8_t *rand, size_t rand_len,
			     uint8_t *label, size_t label_cap, size_t *label_len)
{
	struct label_writer w = { label, label_cap, 0, false };

	if (label == NULL || label_len == NULL || !rand_valid(rand, rand_len))
		return MIKEY_CRYPTO_EINVAL;

	put_u32(&w, constant);
	put_u8(&w, 0xFF);
	put_u32(&w, MIKEY_CSB_ID_NONE);
	put_u8(&w, tag);
	if (has_rand)
		put_rand8(&w, rand, rand_len);
	return finish_label(&w, label_len);
}

/* Runs the PRF if the label was built, else returns the label error. */
static int prf_with_label(int label_rc, enum mikey_prf_func prf,
			  const uint8_t *inkey, size_t inkey_len,
			  const uint8_t *label, size_t label_len,
			  uint8_t *out, size_t out_len)
{
	if (label_rc != MIKEY_CRYPTO_OK)
		return label_rc;
	return mikey_prf(prf, inkey, inkey_len, label, label_len, out, out_len);
}

int mikey_derive_tgk_key(enum mikey_prf_func prf, enum mikey_tgk_key key,
			 const uint8_t *tgk, size_t tgk_len, uint8_t cs_id,
			 uint32_t csb_id, const uint8_t *rand, size_t rand_len,
			 uint8_t *out, size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_tgk_key_constant(key);

	if (constant == 0)
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_rfc3830(constant, cs_id, csb_id, rand, rand_len,
				     label, sizeof(label), &label_len);
	return prf_with_label(rc, prf, tgk, tgk_len, label, label_len, out,
			      out_len);
}

int mikey_derive_msg_key(enum mikey_prf_func prf, enum mikey_msg_key key,
			 const uint8_t *psk, size_t psk_len, uint32_t csb_id,
			 const uint8_t *rand, size_t rand_len, uint8_t *out,
			 size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_msg_key_constant(key);

	if (constant == 0)
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_rfc3830(constant, 0xFF, csb_id, rand, rand_len,
				     label, sizeof(label), &label_len);
	return prf_with_label(rc, prf, psk, psk_len, label, label_len, out,
			      out_len);
}

int mikey_derive_ticket_msg_key(enum mikey_prf_func prf, enum mikey_msg_key key,
				enum mikey_ticket_direction direction,
				const uint8_t *inkey, size_t inkey_len,
				uint32_t csb_id, const uint8_t *randri,
				size_t randri_len, const uint8_t *randrr,
				size_t randrr_len, uint8_t *out, size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_msg_key_constant(key);

	/* RFC 6043 5.1.2: "at least one of RANDRi and RANDRr is always used". */
	if (constant == 0 || (randri_len == 0 && randrr_len == 0))
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_ticket_msg(constant, csb_id, direction, randri,
					randri_len, randrr, randrr_len, label,
					sizeof(label), &label_len);
	return prf_with_label(rc, prf, inkey, inkey_len, label, label_len, out,
			      out_len);
}

int mikey_derive_forked_key(enum mikey_prf_func tp_prf, enum mikey_fork_key key,
			    const uint8_t *inkey, size_t inkey_len,
			    const uint8_t *idrr, size_t idrr_len,
			    const uint8_t *randrkms, size_t randrkms_len,
			    uint8_t *out)
{
	uint32_t constant;

	switch (key) {
	case MIKEY_FORK_MPKR:
		constant = MIKEY_CONST_MPKR_FORK;
		break;
	case MIKEY_FORK_TGK:
		constant = MIKEY_CONST_TGK_FORK;
		break;
	default:
		return MIKEY_CRYPTO_EINVAL;
	}
	if (idrr_len > UINT16_MAX)
		return MIKEY_CRYPTO_EINVAL;

	/* The ID Data may be up to 65535 bytes, too large for the stack. */
	size_t label_cap = 4 + 1 + 4 + 1 + 2 + idrr_len + 1 + randrkms_len;
	uint8_t *label = malloc(label_cap);
	if (label == NULL)
		return MIKEY_CRYPTO_ELIBCRYPTO;

	size_t label_len = 0;
	int rc = mikey_label_fork(constant, idrr, idrr_len, randrkms,
				  randrkms_len, label, label_cap, &label_len);
	rc = prf_with_label(rc, tp_prf, inkey, inkey_len, label, label_len, out,
			    inkey_len);
	free(label);
	return rc;
}

int mikey_derive_ticket_tgk_key(enum mikey_prf_func prf, enum mikey_tgk_key key,
				const uint8_t *tgk, size_t tgk_len, uint8_t cs_id,
				const uint8_t *randri, size_t randri_len,
				const uint8_t *randrr, size_t randrr_len,
				uint8_t *out, size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_tgk_key_constant(key);

	/* RFC 6043 5.1.3: "at least one of RANDRi and RANDRr MUST be used". */
	if (constant == 0 || (randri_len == 0 && randrr_len == 0))
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_ticket_tgk(constant, cs_id, randri, randri_len,
					randrr, randrr_len, label, sizeof(label),
					&label_len);
	return prf_with_label(rc, prf, tgk, tgk_len, label, label_len, out,
			      out_len);
}

int mikey_derive_vr_key(enum mikey_prf_func prf, enum mikey_msg_key key,
			const uint8_t *mpkr, size_t mpkr_len, uint8_t *out,
			size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_msg_key_constant(key);

	if (constant == 0)
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_ticket_fixed(constant, MIKEY_LABEL_TAG_VR, false,
					  NULL, 0, label, sizeof(label),
					  &label_len);
	return prf_with_label(rc, prf, mpkr, mpkr_len, label, label_len, out,
			      out_len);
}

int mikey_derive_tpk_key(enum mikey_prf_func tp_prf, enum mikey_msg_key key,
			 const uint8_t *tpk, size_t tpk_len,
			 const uint8_t *rand, size_t rand_len, uint8_t *out,
			 size_t out_len)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant = mikey_msg_key_constant(key);

	if (constant == 0)
		return MIKEY_CRYPTO_EINVAL;
	int rc = mikey_label_ticket_fixed(constant, MIKEY_LABEL_TAG_TPK, true,
					  rand, rand_len, label, sizeof(label),
					  &label_len);
	return prf_with_label(rc, tp_prf, tpk, tpk_len, label, label_len, out,
			      out_len);
}

int mikey_derive_mpk_key(enum mikey_prf_func tp_prf, enum mikey_mpk_key key,
			 const uint8_t *mpk, size_t mpk_len,
			 const uint8_t *rand, size_t rand_len, uint8_t *out)
{
	uint8_t label[LABEL_MAX_SHORT];
	size_t label_len = 0;
	uint32_t constant;

	switch (key) {
	case MIKEY_MPK_KEY_MPKI:
		constant = MIKEY_CONST_MPKI;
		break;
	case MIKEY_MPK_KEY_MPKR:
		constant = MIKEY_CONST_MPKR;
		break;
	default:
		return MIKEY_CRYPTO_EINVAL;
	}

	int rc = mikey_label_ticket_fixed(constant, MIKEY_LABEL_TAG_MPK, true,
					  rand, rand_len, label, sizeof(label),
					  &label_len);
	return prf_with_label(rc, tp_prf, mpk, mpk_len, label, label_len, out,
			      mpk_len);
}
