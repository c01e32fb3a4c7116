/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/forge.h"

#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"
#include "tools/callgen/mikey_internal.h"

#define TPK_LEN 32
#define MPK_LEN 32
#define TGK_LEN 16
#define RAND_LEN 16
#define KEY_ID_LEN 8
#define SPI_LEN 4
#define FOREIGN_KMS "sip:kms@rogue.test"

static const struct cg_forgery_info infos[CG_FORGE_KINDS] = {
	[CG_FORGE_UNKNOWN_TICKET_KEY] = {
		"unknown_ticket_key",
		"well-formed TRANSFER_INIT with a base ticket naming this KMS but "
		"protected with a ticket key the KMS never used",
		/* mikey_forged when the LI node is configured with the KMS's
		 * ticket key identifier and checks IDRpsk before any request. */
		"kms_error,mikey_forged" },
	[CG_FORGE_FOREIGN_KMS] = {
		"foreign_kms",
		"well-formed TRANSFER_INIT whose ticket names another KMS (IDRkms "
		FOREIGN_KMS ")",
		"mikey_forged" },
	[CG_FORGE_GARBAGE] = {
		"garbage",
		"random bytes after a TRANSFER_INIT common header start",
		"mikey_forged" },
	[CG_FORGE_TRUNCATED] = {
		"truncated",
		"a well-formed forged TRANSFER_INIT cut short",
		"mikey_forged" },
	[CG_FORGE_BAD_VERSION] = {
		"bad_version",
		"a well-formed forged TRANSFER_INIT with HDR version 2",
		"mikey_forged" },
};

const struct cg_forgery_info *cg_forgery_info(enum cg_forgery kind)
{
	return &infos[kind];
}

/* The secrets of a forged ticket, all drawn from rng. */
struct forged_keys {
	uint8_t tpk[TPK_LEN];
	uint8_t rand[RAND_LEN];
	uint8_t mpk[MPK_LEN];
	uint8_t tgk[TGK_LEN];
	uint8_t key_id[KEY_ID_LEN];
	uint8_t spi[SPI_LEN];
	uint8_t randri[RAND_LEN];
	uint32_t csb_id;
	uint32_t ssrc;
};

static size_t build_tp_data(const char *kms, const char *initiator,
			    const char *responder, int64_t now_us, uint8_t *out,
			    size_t cap)
{
	struct mikey_builder b;
	uint64_t trs = 0, tre = 0;
	size_t len = 0;

	mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, now_us - 60 * INT64_C(1000000), &trs);
	mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC_32, now_us + 3600 * INT64_C(1000000), &tre);
	mikey_builder_init_chain(&b, out, cap);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI, (const uint8_t *)kms,
		      strlen(kms));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI, (const uint8_t *)initiator,
		      strlen(initiator));
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRS, MIKEY_TS_NTP_UTC_32, trs);
	mikey_put_tr(&b, MIKEY_TS_ROLE_TRE, MIKEY_TS_NTP_UTC_32, tre);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, (const uint8_t *)responder,
		      strlen(responder));
	return mikey_builder_finish(&b, &len) == MIKEY_OK ? len : 0;
}

static void put_key(struct mikey_builder *b, uint8_t type, const uint8_t *key,
		    size_t len, const uint8_t *spi)
{
	struct mikey_key_data kd;

	memset(&kd, 0, sizeof(kd));
	kd.type = type;
	kd.key.p = key;
	kd.key.len = len;
	kd.kv.kv_type = MIKEY_KV_SPI;
	kd.kv.spi.p = spi;
	kd.kv.spi.len = SPI_LEN;
	mikey_put_key_data(b, &kd);
}

/* Ticket Data as a base ticket (RFC 6043 Appendix A) with a zero V MAC.
 * The KEMAC contains the MPK and a TGK encrypted under the forged TPK. */
static size_t build_ticket_data(const struct forged_keys *k, uint64_t t64,
				uint8_t *out, size_t cap)
{
	uint8_t plain[256], encr[256], encr_key[16], salt_key[MIKEY_AES_CM_SALT_LEN];
	size_t plain_len = 0, encr_len = 0, len = 0;
	struct mikey_builder b;

	mikey_builder_init_key_data(&b, plain, sizeof(plain));
	put_key(&b, MIKEY_KEY_MPK, k->mpk, MPK_LEN, k->spi);
	put_key(&b, MIKEY_KEY_TGK, k->tgk, TGK_LEN, k->spi);
	if (mikey_builder_finish(&b, &plain_len) != MIKEY_OK ||
	    mikey_derive_tpk_key(CG_MIKEY_PRF, MIKEY_MSG_KEY_ENCR, k->tpk, TPK_LEN,
				 k->rand, RAND_LEN, encr_key, sizeof(encr_key)) != 0 ||
	    mikey_derive_tpk_key(CG_MIKEY_PRF, MIKEY_MSG_KEY_SALT, k->tpk, TPK_LEN,
				 k->rand, RAND_LEN, salt_key, sizeof(salt_key)) != 0 ||
	    mikey_kemac_encrypt(MIKEY_ENCR_AES_CM_128, encr_key, sizeof(encr_key),
				salt_key, sizeof(salt_key), MIKEY_CSB_ID_NONE, t64, plain,
				plain_len, encr, sizeof(encr), &encr_len) != 0)
		return 0;
	mikey_builder_init_ticket_data(&b, out, cap, NULL, 0);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, t64);
	mikey_put_rand(&b, k->rand, RAND_LEN);
	mikey_put_kemac(&b, MIKEY_ENCR_AES_CM_128, encr, encr_len, MIKEY_MAC_NULL, NULL,
			NULL, NULL);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRPSK, MIKEY_ID_BYTE_STRING, k->key_id, KEY_ID_LEN);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, NULL);
	OPENSSL_cleanse(plain, sizeof(plain));
	return mikey_builder_finish(&b, &len) == MIKEY_OK ? len : 0;
}

/* Fills in the ticket's V: HMAC-SHA-256 with the forged TPK's auth_key over
 * the TICKET payload from its Ticket Type field to the MAC, as lime-kms
 * protects its tickets. */
static int sign_ticket(const struct forged_keys *k, uint8_t *msg, size_t len)
{
	struct mikey_msg m;
	struct mikey_base_ticket td;
	const struct mikey_payload *ticket;
	struct mikey_byte_range range;
	uint8_t auth_key[32];
	size_t start, end;
	int rc;

	if (mikey_parse(msg, len, &m, NULL) != MIKEY_OK ||
	    (ticket = mikey_find(&m.payloads, MIKEY_PT_TICKET, 0)) == NULL ||
	    mikey_parse_base_ticket(ticket->u.ticket.ticket_data.p,
				    ticket->u.ticket.ticket_data.len, &td, NULL) != MIKEY_OK)
		return -1;
	start = ticket->offset + 1;
	end = ticket->u.ticket.ticket_data_offset + td.v->u.v.mac_offset;
	range.data = msg + start;
	range.len = end - start;
	rc = mikey_derive_tpk_key(CG_MIKEY_PRF, MIKEY_MSG_KEY_AUTH, k->tpk, TPK_LEN, k->rand,
				  RAND_LEN, auth_key, sizeof(auth_key));
	if (rc == 0)
		rc = mikey_mac_compute(CG_MIKEY_AUTH_ALG, auth_key, sizeof(auth_key), &range, 1,
				       msg + end, td.v->u.v.mac.len);
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	return rc;
}

/* Fills in the TRANSFER_INIT V with the MPKi the forged MPK yields. */
static int sign_transfer(const struct forged_keys *k, const char *initiator,
			 const char *responder, uint8_t *msg, size_t len)
{
	struct cg_mikey_rands rands = { k->randri, RAND_LEN, NULL, 0 };
	struct cg_mikey_failure fail;
	uint8_t mpki[MPK_LEN], auth_key[MIKEY_MAC_MAX_LEN];
	size_t key_len = 0;
	int rc = -1;

	if (mikey_derive_mpk_key(CG_MIKEY_PRF, MIKEY_MPK_KEY_MPKI, k->mpk, MPK_LEN, k->rand,
				 RAND_LEN, mpki) == 0 &&
	    cg_mikey_auth_key(CG_MIKEY_PRF, MIKEY_TICKET_INITIAL, mpki, MPK_LEN, k->csb_id,
			      &rands, auth_key, &key_len) == 0)
		rc = cg_mikey_sign(msg, len, NULL, cg_mikey_text(initiator),
				   cg_mikey_text(responder), auth_key, key_len, &fail);
	OPENSSL_cleanse(mpki, sizeof(mpki));
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	return rc;
}

/* The SRTP policy of AES_CM_128_HMAC_SHA1_80 (RFC 3830 6.10.1), as a
 * genuine TRANSFER_INIT carries one. */
static void put_sp(struct mikey_builder *b)
{
	static const uint8_t values[][2] = {
		{ MIKEY_SRTP_ENCR_ALG, MIKEY_SRTP_ENCR_AES_CM }, { MIKEY_SRTP_ENCR_KEY_LEN, 16 },
		{ MIKEY_SRTP_SALT_KEY_LEN, 14 }, { MIKEY_SRTP_AUTH_ALG, 1 },
		{ MIKEY_SRTP_AUTH_KEY_LEN, 20 }, { MIKEY_SRTP_AUTH_TAG_LEN, 10 },
	};
	struct mikey_sp_param params[sizeof(values) / sizeof(values[0])];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		params[i].type = values[i][0];
		params[i].value.p = &values[i][1];
		params[i].value.len = 1;
	}
	mikey_put_sp(b, 0, MIKEY_PROT_SRTP, params, sizeof(values) / sizeof(values[0]));
}

static size_t build_well_formed(const struct forged_keys *k, const char *kms,
				const char *initiator, const char *responder,
				int64_t now_us, uint8_t *out, size_t cap)
{
	uint8_t tp_data[2048], ticket_data[1024], session_data[10];
	static const uint8_t policy_no;
	uint64_t t64 = cg_mikey_ntp_utc(now_us);
	struct mikey_ticket_policy tp;
	struct mikey_generic_id cs;
	struct mikey_builder b;
	size_t td_len, len = 0;

	memset(&tp, 0, sizeof(tp));
	tp.tp_data.len = build_tp_data(kms, initiator, responder, now_us, tp_data,
				       sizeof(tp_data));
	tp.tp_data.p = tp_data;
	tp.ticket_type = MIKEY_TICKET_MIKEY_BASE;
	tp.subtype = 1;
	tp.version = 1;
	tp.prf_func = CG_MIKEY_PRF;
	tp.flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G | MIKEY_TP_H |
		   MIKEY_TP_N | MIKEY_TP_O;
	td_len = build_ticket_data(k, t64, ticket_data, sizeof(ticket_data));
	if (tp.tp_data.len == 0 || td_len == 0)
		return 0;

	memset(&cs, 0, sizeof(cs));
	cs.cs_id = 1;
	cs.prot_type = MIKEY_PROT_SRTP;
	cs.policy_no.p = &policy_no;
	cs.policy_no.len = 1;
	cs.session_data.p = session_data;
	cs.session_data.len = mikey_srtp_session_data(session_data, k->ssrc, false, 0, 0);
	mikey_builder_init(&b, out, cap);
	mikey_put_hdr_simple(&b, MIKEY_DT_TRANSFER_INIT, true, CG_MIKEY_PRF, k->csb_id,
			     MIKEY_MAP_GENERIC_ID);
	mikey_put_cs_generic(&b, &cs);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, t64);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRI, k->randri, RAND_LEN);
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRI, MIKEY_ID_URI, (const uint8_t *)initiator,
		      strlen(initiator));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI, (const uint8_t *)responder,
		      strlen(responder));
	put_sp(&b);
	mikey_put_ticket(&b, &tp, ticket_data, td_len, NULL, 0, NULL);
	mikey_put_v(&b, CG_MIKEY_AUTH_ALG, NULL, NULL);
	if (mikey_builder_finish(&b, &len) != MIKEY_OK ||
	    sign_ticket(k, out, len) != 0 ||
	    sign_transfer(k, initiator, responder, out, len) != 0)
		return 0;
	return len;
}

size_t cg_forge_transfer_init(enum cg_forgery kind, struct cg_rng *rng,
			      const char *kms_identity, const char *initiator,
			      const char *responder, int64_t now_us, uint8_t *out,
			      size_t cap)
{
	struct forged_keys k;
	size_t len;

	cg_rng_bytes(rng, (uint8_t *)&k, sizeof(k));
	if (kind == CG_FORGE_GARBAGE) {
		len = (size_t)cg_rng_range(rng, 200, 600);
		cg_rng_bytes(rng, out, len);
		out[0] = MIKEY_VERSION;
		out[1] = MIKEY_DT_TRANSFER_INIT;
		return len;
	}
	len = build_well_formed(&k, kind == CG_FORGE_FOREIGN_KMS ? FOREIGN_KMS : kms_identity,
				initiator, responder, now_us, out, cap);
	OPENSSL_cleanse(&k, sizeof(k));
	if (kind == CG_FORGE_TRUNCATED)
		len = len * (size_t)cg_rng_range(rng, 40, 70) / 100;
	else if (kind == CG_FORGE_BAD_VERSION && len > 0)
		out[0] = 2;
	return len;
}
