/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"

#define TICKET_MAC_ALG MIKEY_MAC_HMAC_SHA_256_256
#define TICKET_MAC_LEN 32

static const char key_id_label[] = "lime-kms ticket key id";

int kms_ticket_key_id(const uint8_t tpk[KMS_TICKET_KEY_BYTES],
		      uint8_t id[KMS_TICKET_KEY_ID_LEN])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), tpk, KMS_TICKET_KEY_BYTES,
		 (const uint8_t *)key_id_label, sizeof(key_id_label) - 1, mac,
		 &mac_len) == NULL || mac_len < KMS_TICKET_KEY_ID_LEN)
		return -1;
	memcpy(id, mac, KMS_TICKET_KEY_ID_LEN);
	return 0;
}

void kms_ticket_hash(const uint8_t *ticket_data, size_t len, char hex[2 * 8 + 1])
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;

	if (EVP_Digest(ticket_data, len, digest, &digest_len, EVP_sha256(), NULL) != 1 ||
	    digest_len < 8) {
		snprintf(hex, 2 * 8 + 1, "-");
		return;
	}
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Derives the encr_key, salt_key or auth_key of A.2.1 from the TPK. */
static int derive_tpk_key(const struct kms *kms, uint8_t tp_prf,
			  enum mikey_msg_key key, struct mikey_slice rand,
			  uint8_t *out, size_t out_len)
{
	return mikey_derive_tpk_key((enum mikey_prf_func)tp_prf, key,
				    kms->ticket_key, KMS_TICKET_KEY_BYTES,
				    rand.p, rand.len, out, out_len);
}

/* Encrypts or decrypts the Encr data of the ticket's KEMAC. */
static int crypt_ticket_kemac(const struct kms *kms, bool encrypt,
			      uint8_t tp_prf, uint8_t encr_alg,
			      struct mikey_slice rand, uint64_t t64,
			      const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t cap, size_t *out_len)
{
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN];
	int key_len = mikey_encr_key_len((enum mikey_encr_alg)encr_alg);
	int rc = -1;

	if (encr_alg != MIKEY_ENCR_AES_CM_128 && encr_alg != MIKEY_ENCR_AES_CM_256)
		return -1;
	if (derive_tpk_key(kms, tp_prf, MIKEY_MSG_KEY_ENCR, rand, encr_key,
			   (size_t)key_len) == 0 &&
	    derive_tpk_key(kms, tp_prf, MIKEY_MSG_KEY_SALT, rand, salt_key,
			   sizeof(salt_key)) == 0) {
		/* RFC 6043 A.1: the CSB ID in the IV is 0xFFFFFFFF. */
		if (encrypt)
			rc = mikey_kemac_encrypt((enum mikey_encr_alg)encr_alg,
						 encr_key, (size_t)key_len, salt_key,
						 sizeof(salt_key), MIKEY_CSB_ID_NONE,
						 t64, in, in_len, out, cap, out_len);
		else
			rc = mikey_kemac_decrypt((enum mikey_encr_alg)encr_alg,
						 encr_key, (size_t)key_len, salt_key,
						 sizeof(salt_key), MIKEY_CSB_ID_NONE,
						 t64, in, in_len, out, cap, out_len);
	}
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	return rc == MIKEY_CRYPTO_OK ? 0 : -1;
}

/* Computes the ticket MAC over ranges with the TPK auth_key. */
static int ticket_mac(const struct kms *kms, uint8_t tp_prf,
		      struct mikey_slice rand,
		      const struct mikey_byte_range *ranges, size_t n,
		      uint8_t mac[TICKET_MAC_LEN])
{
	uint8_t auth_key[TICKET_MAC_LEN];
	int rc = -1;

	if (derive_tpk_key(kms, tp_prf, MIKEY_MSG_KEY_AUTH, rand, auth_key,
			   sizeof(auth_key)) == 0)
		rc = mikey_mac_compute(TICKET_MAC_ALG, auth_key, sizeof(auth_key),
				       ranges, n, mac, TICKET_MAC_LEN);
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	return rc == MIKEY_CRYPTO_OK ? 0 : -1;
}

/* ---- Issuing ---- */

static int build_tp_data(const struct kms *kms, const struct kms_grant *g,
			 struct kms_issued_ticket *t, size_t *len)
{
	const char *own = kms->cfg->kms_identity;
	struct mikey_builder b;
	uint64_t trs = 0, tre = 0;

	if (!mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, g->trs_us, &trs) ||
	    !mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, g->tre_us, &tre))
		return -1;
	mikey_builder_init_chain(&b, t->tp_data, sizeof(t->tp_data));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)own, strlen(own));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI, g->initiator.p,
		      g->initiator.len);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRS, MIKEY_TS_NTP_UTC_32, trs);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRE, MIKEY_TS_NTP_UTC_32, tre);
	for (size_t i = 0; i < g->n_responders; i++)
		mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
			      g->responders[i].p, g->responders[i].len);
	return mikey_builder_finish(&b, len) == MIKEY_OK ? 0 : -1;
}

/* Writes the Ticket Data with a zero MAC; *mac_offset locates the MAC. */
static int build_ticket_data(const struct kms *kms, const struct kms_grant *g,
			     const struct kms_key_set *keys, uint64_t t64,
			     struct kms_issued_ticket *t, size_t *mac_offset)
{
	uint8_t plain[KMS_KEY_PLAIN_MAX], encr[KMS_KEY_PLAIN_MAX];
	struct mikey_slice rand = { t->rand, sizeof(t->rand) };
	uint8_t encr_alg = kms_encr_alg_for((uint32_t)keys->keys[0].key_len);
	size_t plain_len = 0, encr_len = 0;
	struct mikey_builder b;
	int rc;

	rc = kms_keys_ticket_plain(keys, plain, sizeof(plain), &plain_len);
	if (rc == 0)
		rc = crypt_ticket_kemac(kms, true, g->prf_func, encr_alg, rand, t64,
					plain, plain_len, encr, sizeof(encr),
					&encr_len);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc != 0)
		return -1;

	mikey_builder_init_ticket_data(&b, t->ticket_data, sizeof(t->ticket_data),
				       NULL, 0);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, t64);
	mikey_put_rand(&b, t->rand, sizeof(t->rand));
	mikey_put_kemac(&b, encr_alg, encr, encr_len, MIKEY_MAC_NULL, NULL,
			NULL, NULL);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING,
		      kms->ticket_key_id, KMS_TICKET_KEY_ID_LEN);
	mikey_put_v(&b, TICKET_MAC_ALG, NULL, mac_offset);
	return mikey_builder_finish(&b, &t->ticket_data_len) == MIKEY_OK ? 0 : -1;
}

/*
 * Computes the ticket MAC. The TICKET payload is written once into a
 * scratch buffer by the same builder that writes the response, so that
 * the MAC covers exactly the bytes sent.
 */
static int sign_ticket(const struct kms *kms, const struct kms_grant *g,
		       struct kms_issued_ticket *t, size_t mac_offset)
{
	size_t cap = 16 + t->policy.tp_data.len + t->ticket_data_len;
	uint8_t *scratch = malloc(cap);
	struct mikey_slice rand = { t->rand, sizeof(t->rand) };
	struct mikey_byte_range range;
	size_t data_offset = 0, len = 0;
	struct mikey_builder b;
	int rc = -1;

	if (scratch == NULL)
		return -1;
	mikey_builder_init_chain(&b, scratch, cap);
	mikey_put_ticket(&b, &t->policy, t->ticket_data, t->ticket_data_len,
			 NULL, 0, &data_offset);
	if (mikey_builder_finish(&b, &len) == MIKEY_OK) {
		/* scratch[0] is the chain's first-payload byte and scratch[1]
		 * the TICKET's Next Payload field, which the MAC leaves out. */
		range.data = scratch + 2;
		range.len = data_offset + mac_offset - 2;
		rc = ticket_mac(kms, g->prf_func, rand, &range, 1,
				t->ticket_data + mac_offset);
	}
	free(scratch);
	return rc;
}

int kms_ticket_issue(const struct kms *kms, const struct kms_grant *grant,
		     const struct kms_key_set *keys, int64_t now_us,
		     struct kms_issued_ticket *t, struct kms_fail *fail)
{
	size_t tp_len = 0, mac_offset = 0;

	memset(&t->policy, 0, sizeof(t->policy));
	if (build_tp_data(kms, grant, t, &tp_len) != 0)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TPPAR,
				"the ticket policy does not fit in %d bytes",
				KMS_TP_DATA_MAX);
	t->policy.ticket_type = MIKEY_TICKET_MIKEY_BASE;
	t->policy.subtype = 1;
	t->policy.version = 1;
	t->policy.prf_func = grant->prf_func;
	t->policy.flags = grant->flags;
	t->policy.tp_data.p = t->tp_data;
	t->policy.tp_data.len = tp_len;

	if (RAND_bytes(t->rand, sizeof(t->rand)) != 1 ||
	    build_ticket_data(kms, grant, keys, kms_ntp_utc(now_us), t,
			      &mac_offset) != 0 ||
	    sign_ticket(kms, grant, t, mac_offset) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"building the ticket failed");
	kms_ticket_hash(t->ticket_data, t->ticket_data_len, t->hash);
	return 0;
}

/* ---- Opening ---- */

static bool slice_equals(struct mikey_slice s, const void *p, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.p, p, len) == 0);
}

/* Reads the TP Data: IDRkms must be this KMS, TRs and TRe give the window. */
static int read_tp_data(const struct kms *kms, struct kms_ticket *t,
			struct kms_fail *fail)
{
	const char *own = kms->cfg->kms_identity;
	const struct mikey_payload *p;

	if (mikey_parse_chain(t->policy.tp_data.p, t->policy.tp_data.len,
			      &t->tp, NULL) != MIKEY_OK)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the TP Data is malformed");
	p = mikey_find_idr(&t->tp.payloads, MIKEY_ID_ROLE_IDRKMS);
	if (p == NULL || !slice_equals(p->u.id.data, own, strlen(own)))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"foreign ticket: its IDRkms is not this KMS");
	p = mikey_find_idr(&t->tp.payloads, MIKEY_ID_ROLE_IDRI);
	if (p != NULL)
		t->initiator = p->u.id.data;

	p = mikey_find_tr(&t->tp.payloads, MIKEY_TS_ROLE_TRS);
	t->has_trs = p != NULL;
	if (p != NULL && !mikey_ts_to_unix_us(p->u.t.ts_type, p->u.t.value, &t->trs_us))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"TRs has an unsupported TS type");
	p = mikey_find_tr(&t->tp.payloads, MIKEY_TS_ROLE_TRE);
	t->has_tre = p != NULL;
	if (p != NULL && !mikey_ts_to_unix_us(p->u.t.ts_type, p->u.t.value, &t->tre_us))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"TRe has an unsupported TS type");
	return 0;
}

static int verify_ticket_mac(const struct kms *kms, const uint8_t *buf,
			     const struct mikey_payload *ticket,
			     struct kms_ticket *t, struct kms_fail *fail)
{
	const struct mikey_v *v = &t->td.v->u.v;
	size_t start = ticket->offset + 1;
	size_t end = ticket->u.ticket.ticket_data_offset + v->mac_offset;
	uint8_t mac[TICKET_MAC_LEN];
	struct mikey_byte_range range = { buf + start, end - start };
	int rc;

	if (v->auth_alg != TICKET_MAC_ALG || v->mac.len != TICKET_MAC_LEN)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket's V Auth alg %u is not the one this "
				"KMS uses", v->auth_alg);
	if (ticket_mac(kms, t->policy.prf_func, t->rand, &range, 1, mac) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"computing the ticket MAC failed");
	rc = CRYPTO_memcmp(mac, v->mac.p, TICKET_MAC_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (rc != 0)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket MAC does not verify");
	return 0;
}

static int decrypt_keys(const struct kms *kms, struct kms_ticket *t,
			struct kms_fail *fail)
{
	const struct mikey_kemac *k = &t->td.kemac->u.kemac;
	const struct mikey_ts *ts = &t->td.t->u.t;
	uint8_t plain[KMS_KEY_PLAIN_MAX];
	size_t plain_len = 0;
	uint64_t t64 = 0;
	int rc;

	if (k->encr_data.len > sizeof(plain) ||
	    mikey_ts_to_t64((enum mikey_ts_type)ts->ts_type, ts->raw.p,
			    ts->raw.len, &t64) != MIKEY_CRYPTO_OK)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket's KEMAC or T is malformed");
	rc = crypt_ticket_kemac(kms, false, t->policy.prf_func, k->encr_alg,
				t->rand, t64, k->encr_data.p, k->encr_data.len,
				plain, sizeof(plain), &plain_len);
	if (rc == 0)
		rc = kms_keys_read_ticket_plain(plain, plain_len, &t->keys);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc != 0)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket's KEMAC holds no valid key set");
	return 0;
}

int kms_ticket_open(const struct kms *kms, const uint8_t *buf, size_t len,
		    const struct mikey_payload *ticket, struct kms_ticket *t,
		    struct kms_fail *fail)
{
	const struct mikey_ticket_policy *pol = &ticket->u.ticket.policy;
	const struct mikey_payload *idrpsk;

	(void)len;
	memset(t, 0, sizeof(*t));
	t->policy = *pol;
	kms_ticket_hash(ticket->u.ticket.ticket_data.p,
			ticket->u.ticket.ticket_data.len, t->hash);
	if (pol->ticket_type != MIKEY_TICKET_MIKEY_BASE || pol->subtype != 1 ||
	    pol->version != 1)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"ticket type %u subtype %u version %u is not a "
				"MIKEY base ticket", pol->ticket_type,
				pol->subtype, pol->version);
	if (pol->prf_func != MIKEY_PRF_MIKEY_1 &&
	    pol->prf_func != MIKEY_PRF_HMAC_SHA_256)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the ticket's PRF func %u is not supported",
				pol->prf_func);
	if (read_tp_data(kms, t, fail) != 0)
		return -1;
	if (mikey_parse_base_ticket(ticket->u.ticket.ticket_data.p,
				    ticket->u.ticket.ticket_data.len, &t->td,
				    NULL) != MIKEY_OK || t->td.trailing_bytes != 0)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"the Ticket Data is malformed");
	idrpsk = t->td.idrpsk;
	if (idrpsk == NULL ||
	    !slice_equals(idrpsk->u.id.data, kms->ticket_key_id, KMS_TICKET_KEY_ID_LEN))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TICKET,
				"foreign ticket: protected with another ticket key");
	t->rand = t->td.rand->u.rand.rand;
	if (verify_ticket_mac(kms, buf, ticket, t, fail) != 0 ||
	    decrypt_keys(kms, t, fail) != 0) {
		kms_ticket_close(t);
		return -1;
	}
	return 0;
}

bool kms_ticket_permits(const struct kms_ticket *t, struct mikey_slice identity)
{
	bool listed = false;

	for (size_t i = 0; i < t->tp.payloads.n; i++) {
		const struct mikey_payload *p = &t->tp.payloads.item[i];

		if (p->type != MIKEY_PT_IDR || p->u.id.role != MIKEY_ID_ROLE_IDRR)
			continue;
		listed = true;
		if (slice_equals(p->u.id.data, identity.p, identity.len))
			return true;
	}
	return !listed;
}

void kms_ticket_close(struct kms_ticket *t)
{
	kms_keys_wipe(&t->keys);
}
