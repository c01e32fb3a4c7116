/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_keys.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/mikey/mikey_kdf.h"

static bool is_tgk(uint8_t type)
{
	return type == MIKEY_KEY_TGK || type == MIKEY_KEY_TGK_SALT;
}

int kms_keys_generate(struct kms_key_set *ks,
		      const struct kms_ticket_policy_config *policy)
{
	uint8_t type;

	memset(ks, 0, sizeof(*ks));
	if (policy->key_type == KMS_KEY_KIND_TGK)
		type = policy->salt ? MIKEY_KEY_TGK_SALT : MIKEY_KEY_TGK;
	else
		type = policy->salt ? MIKEY_KEY_TEK_SALT : MIKEY_KEY_TEK;

	if (RAND_bytes(ks->mpk, sizeof(ks->mpk)) != 1 ||
	    RAND_bytes(ks->mpk_spi, sizeof(ks->mpk_spi)) != 1)
		return -1;
	for (size_t i = 0; i < policy->key_count && i < KMS_MAX_TICKET_KEYS; i++) {
		struct kms_key *k = &ks->keys[i];

		k->type = type;
		k->key_len = policy->key_length;
		k->salt_len = policy->salt ? KMS_SALT_LEN : 0;
		if (RAND_bytes(k->key, (int)k->key_len) != 1 ||
		    RAND_bytes(k->spi, sizeof(k->spi)) != 1 ||
		    (k->salt_len > 0 && RAND_bytes(k->salt, (int)k->salt_len) != 1)) {
			kms_keys_wipe(ks);
			return -1;
		}
		ks->n_keys = i + 1;
	}
	return 0;
}

void kms_keys_wipe(struct kms_key_set *ks)
{
	OPENSSL_cleanse(ks, sizeof(*ks));
}

static void put_key(struct mikey_builder *b, uint8_t type, const uint8_t *key,
		    size_t key_len, const uint8_t *salt, size_t salt_len,
		    const uint8_t *spi)
{
	struct mikey_key_data kd;

	memset(&kd, 0, sizeof(kd));
	kd.type = type;
	kd.key.p = key;
	kd.key.len = key_len;
	kd.salt.p = salt;
	kd.salt.len = salt_len;
	kd.kv.kv_type = MIKEY_KV_SPI;
	kd.kv.spi.p = spi;
	kd.kv.spi.len = KMS_SPI_LEN;
	mikey_put_key_data(b, &kd);
}

static int finish(struct mikey_builder *b, size_t *len)
{
	return mikey_builder_finish(b, len) == MIKEY_OK ? 0 : -1;
}

int kms_keys_ticket_plain(const struct kms_key_set *ks, uint8_t *out,
			  size_t cap, size_t *len)
{
	struct mikey_builder b;

	mikey_builder_init_key_data(&b, out, cap);
	put_key(&b, MIKEY_KEY_MPK, ks->mpk, KMS_MPK_LEN, NULL, 0, ks->mpk_spi);
	for (size_t i = 0; i < ks->n_keys; i++) {
		const struct kms_key *k = &ks->keys[i];

		put_key(&b, k->type, k->key, k->key_len, k->salt, k->salt_len, k->spi);
	}
	return finish(&b, len);
}

static bool valid_ticket_key(const struct mikey_key_data *kd)
{
	bool salted = kd->type == MIKEY_KEY_TGK_SALT || kd->type == MIKEY_KEY_TEK_SALT;

	if (kd->type > MIKEY_KEY_TEK_SALT || kd->packed_salt)
		return false;
	if (kd->key.len == 0 || kd->key.len > KMS_KEY_MAX_LEN)
		return false;
	if (salted ? kd->salt.len != KMS_SALT_LEN : kd->salt.len != 0)
		return false;
	return kd->kv.kv_type == MIKEY_KV_SPI && kd->kv.spi.len == KMS_SPI_LEN;
}

int kms_keys_read_ticket_plain(const uint8_t *plain, size_t len,
			       struct kms_key_set *ks)
{
	struct mikey_key_data kd[KMS_MAX_TICKET_KEYS + 1];
	size_t n = 0;
	uint32_t odd = 0;

	memset(ks, 0, sizeof(*ks));
	if (mikey_parse_key_data(plain, len, kd, KMS_MAX_TICKET_KEYS + 1, &n,
				 NULL, &odd, NULL) != MIKEY_OK || odd != 0 || n < 2)
		return -1;
	if (kd[0].type != MIKEY_KEY_MPK || kd[0].key.len != KMS_MPK_LEN ||
	    kd[0].kv.kv_type != MIKEY_KV_SPI || kd[0].kv.spi.len != KMS_SPI_LEN)
		return -1;
	memcpy(ks->mpk, kd[0].key.p, KMS_MPK_LEN);
	memcpy(ks->mpk_spi, kd[0].kv.spi.p, KMS_SPI_LEN);

	for (size_t i = 1; i < n; i++) {
		struct kms_key *k = &ks->keys[i - 1];

		if (!valid_ticket_key(&kd[i])) {
			kms_keys_wipe(ks);
			return -1;
		}
		k->type = kd[i].type;
		k->key_len = kd[i].key.len;
		memcpy(k->key, kd[i].key.p, k->key_len);
		k->salt_len = kd[i].salt.len;
		if (k->salt_len > 0)
			memcpy(k->salt, kd[i].salt.p, k->salt_len);
		memcpy(k->spi, kd[i].kv.spi.p, KMS_SPI_LEN);
		ks->n_keys = i;
	}
	return 0;
}

/* Writes MPKi and, when asked, MPKr or MPKr'. */
static int put_mpks(struct mikey_builder *b, const struct kms_key_set *ks,
		    const struct kms_key_view *v)
{
	uint8_t mpki[KMS_MPK_LEN], mpkr[KMS_MPK_LEN], forked[KMS_MPK_LEN];
	enum mikey_prf_func prf = (enum mikey_prf_func)v->tp_prf;
	int rc = 0;

	if (mikey_derive_mpk_key(prf, MIKEY_MPK_KEY_MPKI, ks->mpk, KMS_MPK_LEN,
				 v->ticket_rand.p, v->ticket_rand.len, mpki) != 0 ||
	    mikey_derive_mpk_key(prf, MIKEY_MPK_KEY_MPKR, ks->mpk, KMS_MPK_LEN,
				 v->ticket_rand.p, v->ticket_rand.len, mpkr) != 0) {
		rc = -1;
		goto out;
	}
	put_key(b, MIKEY_KEY_MPK, mpki, KMS_MPK_LEN, NULL, 0, ks->mpk_spi);
	if (v->with_mpkr && v->fork) {
		if (mikey_derive_forked_key(prf, MIKEY_FORK_MPKR, mpkr, KMS_MPK_LEN,
					    v->idrr.p, v->idrr.len, v->randrkms.p,
					    v->randrkms.len, forked) != 0) {
			rc = -1;
			goto out;
		}
		put_key(b, MIKEY_KEY_MPK, forked, KMS_MPK_LEN, NULL, 0, ks->mpk_spi);
	} else if (v->with_mpkr) {
		put_key(b, MIKEY_KEY_MPK, mpkr, KMS_MPK_LEN, NULL, 0, ks->mpk_spi);
	}
out:
	OPENSSL_cleanse(mpki, sizeof(mpki));
	OPENSSL_cleanse(mpkr, sizeof(mpkr));
	OPENSSL_cleanse(forked, sizeof(forked));
	return rc;
}

/* Writes one TGK or TEK, forked into TGK' when view->fork is set. The SPI
 * and the salt stay those of the ticket's key. */
static int put_ticket_key(struct mikey_builder *b, const struct kms_key *k,
			  const struct kms_key_view *v)
{
	uint8_t forked[KMS_KEY_MAX_LEN];

	if (!v->fork || !is_tgk(k->type)) {
		put_key(b, k->type, k->key, k->key_len, k->salt, k->salt_len, k->spi);
		return 0;
	}
	if (mikey_derive_forked_key((enum mikey_prf_func)v->tp_prf,
				    MIKEY_FORK_TGK, k->key, k->key_len,
				    v->idrr.p, v->idrr.len, v->randrkms.p,
				    v->randrkms.len, forked) != 0)
		return -1;
	put_key(b, k->type, forked, k->key_len, k->salt, k->salt_len, k->spi);
	OPENSSL_cleanse(forked, sizeof(forked));
	return 0;
}

int kms_keys_response_plain(const struct kms_key_set *ks,
			    const struct kms_key_view *view, uint8_t *out,
			    size_t cap, size_t *len)
{
	struct mikey_builder b;

	mikey_builder_init_key_data(&b, out, cap);
	if (put_mpks(&b, ks, view) != 0)
		return -1;
	for (size_t i = 0; i < ks->n_keys; i++) {
		if (put_ticket_key(&b, &ks->keys[i], view) != 0)
			return -1;
	}
	return finish(&b, len);
}
