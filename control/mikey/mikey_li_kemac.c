/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session keys carried in the KEMAC of TRANSFER_INIT (the ticket's L flag
 * lets the Initiator supply them) or TRANSFER_RESP (M flag, the
 * Responder), RFC 6043 4.2.2. They are encrypted with keys of the message
 * itself, so lime reads them only after the message's MAC has verified.
 */
#include "control/mikey/mikey_li_exchange.h"

#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey_kemac.h"

/* The encr_key or salt_key of the message, from the same inkey, CSB ID and
 * RANDs as its auth_key. */
static int message_key(const struct mikey_li_exchange *ex,
		       enum mikey_msg_key key, enum mikey_ticket_direction dir,
		       const struct mikey_li_key *inkey, uint8_t *out,
		       size_t out_len)
{
	return mikey_derive_ticket_msg_key((enum mikey_prf_func)ex->ti.hdr.prf_func,
					   key, dir, inkey->key, inkey->key_len,
					   ex->ti.hdr.csb_id, ex->randri.p,
					   ex->randri.len, ex->randrr.p,
					   ex->randrr.len, out, out_len);
}

static int decrypt(const struct mikey_li_exchange *ex, const struct mikey_msg *m,
		   const struct mikey_kemac *k, enum mikey_ticket_direction dir,
		   const struct mikey_li_key *inkey, uint8_t *plain, size_t cap,
		   size_t *plain_len)
{
	const struct mikey_payload *t = mikey_find(&m->payloads, MIKEY_PT_T, 0);
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN];
	int key_len = mikey_encr_key_len((enum mikey_encr_alg)k->encr_alg);
	int salt_len = mikey_encr_salt_len((enum mikey_encr_alg)k->encr_alg);
	uint64_t t64 = 0;
	int rc;

	if (t == NULL || key_len < 0 || (size_t)key_len > sizeof(encr_key) ||
	    salt_len < 0 || (size_t)salt_len > sizeof(salt_key) ||
	    k->encr_data.len > cap)
		return MIKEY_CRYPTO_EUNSUPPORTED;
	rc = mikey_ts_to_t64((enum mikey_ts_type)t->u.t.ts_type, t->u.t.raw.p,
			     t->u.t.raw.len, &t64);
	if (rc == MIKEY_CRYPTO_OK && key_len > 0)
		rc = message_key(ex, MIKEY_MSG_KEY_ENCR, dir, inkey, encr_key,
				 (size_t)key_len);
	if (rc == MIKEY_CRYPTO_OK && salt_len > 0)
		rc = message_key(ex, MIKEY_MSG_KEY_SALT, dir, inkey, salt_key,
				 (size_t)salt_len);
	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_kemac_decrypt((enum mikey_encr_alg)k->encr_alg, encr_key,
					 (size_t)key_len, salt_key, (size_t)salt_len,
					 ex->ti.hdr.csb_id, t64, k->encr_data.p,
					 k->encr_data.len, plain, cap, plain_len);
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	return rc;
}

/* Copies TGKs, GTGKs and TEKs; an MPK has no place in a TRANSFER message. */
static bool copy_keys(const struct mikey_key_data *kd, size_t n,
		      struct mikey_li_key *out, size_t *n_out)
{
	for (size_t i = 0; i < n; i++) {
		struct mikey_li_key *k = &out[i];

		if (kd[i].type > MIKEY_KEY_GTGK_SALT || kd[i].key.len == 0 ||
		    kd[i].key.len > sizeof(k->key) ||
		    kd[i].salt.len > sizeof(k->salt) ||
		    kd[i].kv.spi.len > sizeof(k->spi))
			return false;
		memset(k, 0, sizeof(*k));
		k->type = kd[i].type;
		k->key_len = kd[i].key.len;
		memcpy(k->key, kd[i].key.p, k->key_len);
		k->salt_len = kd[i].salt.len;
		if (k->salt_len > 0)
			memcpy(k->salt, kd[i].salt.p, k->salt_len);
		if (kd[i].kv.kv_type == MIKEY_KV_SPI) {
			k->spi_len = kd[i].kv.spi.len;
			memcpy(k->spi, kd[i].kv.spi.p, k->spi_len);
		}
		*n_out = i + 1;
	}
	return true;
}

enum mikey_li_status mikey_li_exchange_read_kemac(const struct mikey_li_exchange *ex,
						  const struct mikey_msg *m,
						  enum mikey_ticket_direction dir,
						  const struct mikey_li_key *inkey,
						  enum mikey_li_message which,
						  struct mikey_li_key *out,
						  size_t *n,
						  struct mikey_li_failure *fail)
{
	const struct mikey_payload *kemac = mikey_find(&m->payloads, MIKEY_PT_KEMAC, 0);
	struct mikey_key_data kd[MIKEY_LI_MAX_KEYS];
	uint8_t plain[4096];
	size_t plain_len = 0, n_kd = 0;
	bool ok = false;
	int rc;

	*n = 0;
	if (kemac == NULL)
		return MIKEY_LI_OK;
	rc = decrypt(ex, m, &kemac->u.kemac, dir, inkey, plain, sizeof(plain),
		     &plain_len);
	if (rc == MIKEY_CRYPTO_OK &&
	    mikey_parse_key_data(plain, plain_len, kd, MIKEY_LI_MAX_KEYS, &n_kd,
				 NULL, NULL, NULL) == MIKEY_OK)
		ok = copy_keys(kd, n_kd, out, n);
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(kd, sizeof(kd));
	if (!ok) {
		OPENSSL_cleanse(out, MIKEY_LI_MAX_KEYS * sizeof(*out));
		*n = 0;
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, which,
				     "the %s KEMAC (Encr alg %u) does not decrypt "
				     "to TGKs or TEKs", mikey_li_message_name(which),
				     kemac->u.kemac.encr_alg);
	}
	return MIKEY_LI_OK;
}
