/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks and response steps shared by the Request and Resolve exchanges:
 * HDR, T and IDRkms checks, verification of the initial message's V, and
 * the HDR, T, KEMAC and V of the response.
 */
#include "tools/kms/kms_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_kemac.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"
#include "tools/kms/kms_keys.h"

int kms_fail(struct kms_fail *fail, uint8_t error_no, const char *fmt, ...)
{
	va_list ap;

	fail->error_no = error_no;
	va_start(ap, fmt);
	vsnprintf(fail->reason, sizeof(fail->reason), fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t kms_ntp_utc(int64_t now_us)
{
	uint64_t value = 0;

	if (!mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, now_us, &value))
		return 0;
	return value;
}

uint8_t kms_encr_alg_for(uint32_t key_length)
{
	return key_length > 16 ? MIKEY_ENCR_AES_CM_256 : MIKEY_ENCR_AES_CM_128;
}

int kms_check_prf(const struct mikey_msg *msg, struct kms_fail *fail)
{
	if (msg->hdr.prf_func == MIKEY_PRF_MIKEY_1 ||
	    msg->hdr.prf_func == MIKEY_PRF_HMAC_SHA_256)
		return 0;
	return kms_fail(fail, MIKEY_ERRNO_INVALID_PRF,
			"HDR PRF func %u is not supported", msg->hdr.prf_func);
}

int kms_check_idrkms(const struct kms *kms, const struct mikey_msg *msg,
		     struct mikey_slice *identity_kms, struct kms_fail *fail)
{
	const struct mikey_payload *idr =
		mikey_find_idr(&msg->payloads, MIKEY_ID_ROLE_IDRKMS);
	const char *own = kms->cfg->kms_identity;

	if (idr != NULL && (idr->u.id.data.len != strlen(own) ||
			    memcmp(idr->u.id.data.p, own, strlen(own)) != 0))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_ID,
				"IDRkms names another KMS");
	identity_kms->p = (const uint8_t *)own;
	identity_kms->len = strlen(own);
	return 0;
}

int kms_check_time(const struct kms *kms, const struct kms_request_msg *req,
		   struct kms_fail *fail)
{
	const struct mikey_payload *t = mikey_find(&req->msg->payloads, MIKEY_PT_T, 0);
	int64_t skew_us = (int64_t)kms->cfg->max_clock_skew_s * 1000000;
	int64_t sent_us, diff_us;

	if (t == NULL)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TS, "no T payload");
	/* NOTE: there is no replay cache, so a copy of a request sent again
	 * within max_clock_skew_s is served again. The response only helps
	 * the holder of the sender's PSK. */
	if (skew_us == 0)
		return 0;
	if (!mikey_ts_to_unix_us(t->u.t.ts_type, t->u.t.value, &sent_us))
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TS,
				"T has TS type %u, which holds no UTC time",
				t->u.t.ts_type);
	diff_us = sent_us - req->now_us;
	if (diff_us > skew_us || diff_us < -skew_us)
		return kms_fail(fail, MIKEY_ERRNO_INVALID_TS,
				"T is %" PRId64 " s away from the KMS clock; "
				"max_clock_skew_s is %" PRIu32,
				diff_us / 1000000, kms->cfg->max_clock_skew_s);
	return 0;
}

/* Derives a Request or Resolve protection key from the peer's PSK. */
static int derive_psk_key(const struct kms_request_msg *req,
			  const struct kms_peer *peer, enum mikey_msg_key key,
			  enum mikey_ticket_direction direction, uint8_t *out,
			  size_t out_len)
{
	const struct kms_principal *pr = peer->principal;

	return mikey_derive_ticket_msg_key((enum mikey_prf_func)req->msg->hdr.prf_func,
					   key, direction, pr->psk, pr->psk_len,
					   req->msg->hdr.csb_id, peer->randri.p,
					   peer->randri.len, peer->randrr.p,
					   peer->randrr.len, out, out_len);
}

/* Returns the request's V payload after checking its Auth alg. */
static const struct mikey_payload *request_v(const struct kms_request_msg *req,
					     int *key_len, struct kms_fail *fail)
{
	const struct mikey_payload *v = mikey_find(&req->msg->payloads, MIKEY_PT_V, 0);

	if (v == NULL) {
		kms_fail(fail, MIKEY_ERRNO_AUTH_FAILURE, "no V payload");
		return NULL;
	}
	*key_len = mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg);
	if (*key_len <= 0) {
		kms_fail(fail, MIKEY_ERRNO_INVALID_MAC,
			 "V Auth alg %u is not supported", v->u.v.auth_alg);
		return NULL;
	}
	return v;
}

int kms_verify_init(const struct kms_request_msg *req,
		    const struct kms_peer *peer, struct mikey_slice identity2,
		    struct kms_fail *fail)
{
	uint8_t auth_key[MIKEY_MAC_MAX_LEN];
	struct mikey_mac_input input;
	int key_len = 0;
	int rc;

	if (request_v(req, &key_len, fail) == NULL)
		return -1;
	if (derive_psk_key(req, peer, MIKEY_MSG_KEY_AUTH, MIKEY_TICKET_INITIAL,
			   auth_key, (size_t)key_len) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"deriving the auth_key failed");
	rc = mikey_ticket_init_mac_input(req->buf, req->len, req->msg,
					 peer->identity, identity2, &input);
	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_ticket_verify_v(req->msg, &input, auth_key,
					   (size_t)key_len);
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	if (rc != MIKEY_CRYPTO_OK)
		return kms_fail(fail, MIKEY_ERRNO_AUTH_FAILURE,
				"the V MAC does not verify with the sender's PSK");
	return 0;
}

void kms_response_begin(struct kms_response *r, uint8_t *out, size_t cap,
			uint8_t data_type, const struct kms_request_msg *req,
			const struct kms_peer *peer)
{
	struct mikey_hdr hdr = req->msg->hdr;

	hdr.data_type = data_type;
	hdr.v = false;
	r->req = req;
	r->peer = peer;
	r->t64 = kms_ntp_utc(req->now_us);
	mikey_builder_init(&r->b, out, cap);
	mikey_put_hdr(&r->b, &hdr);
	mikey_put_t(&r->b, MIKEY_TS_NTP_UTC, r->t64);
}

int kms_response_put_kemac(struct kms_response *r, uint8_t encr_alg,
			   const uint8_t *plain, size_t plain_len,
			   struct kms_fail *fail)
{
	uint8_t encr_key[32], salt_key[MIKEY_AES_CM_SALT_LEN];
	uint8_t encr[KMS_KEY_PLAIN_MAX];
	int key_len = mikey_encr_key_len((enum mikey_encr_alg)encr_alg);
	int salt_len = mikey_encr_salt_len((enum mikey_encr_alg)encr_alg);
	size_t encr_len = 0;
	int rc = -1;

	if (key_len <= 0 || (size_t)key_len > sizeof(encr_key) || salt_len <= 0 ||
	    (size_t)salt_len > sizeof(salt_key))
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"internal error: KEMAC Encr alg %u", encr_alg);
	if (derive_psk_key(r->req, r->peer, MIKEY_MSG_KEY_ENCR,
			   MIKEY_TICKET_RESPONSE, encr_key, (size_t)key_len) == 0 &&
	    derive_psk_key(r->req, r->peer, MIKEY_MSG_KEY_SALT,
			   MIKEY_TICKET_RESPONSE, salt_key, (size_t)salt_len) == 0 &&
	    mikey_kemac_encrypt((enum mikey_encr_alg)encr_alg, encr_key,
				(size_t)key_len, salt_key, (size_t)salt_len,
				r->req->msg->hdr.csb_id, r->t64, plain, plain_len,
				encr, sizeof(encr), &encr_len) == MIKEY_CRYPTO_OK) {
		mikey_put_kemac(&r->b, encr_alg, encr, encr_len, MIKEY_MAC_NULL,
				NULL, NULL, NULL);
		rc = 0;
	}
	OPENSSL_cleanse(encr_key, sizeof(encr_key));
	OPENSSL_cleanse(salt_key, sizeof(salt_key));
	if (rc != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"encrypting the response KEMAC failed");
	return 0;
}

int kms_response_finish(struct kms_response *r, size_t *len,
			struct kms_fail *fail)
{
	uint8_t auth_key[MIKEY_MAC_MAX_LEN];
	const struct mikey_payload *v;
	struct mikey_byte_range ranges[2];
	size_t mac_offset = 0;
	int key_len = 0, mac_len, rc;

	v = request_v(r->req, &key_len, fail);
	if (v == NULL)
		return -1;
	mikey_put_v(&r->b, v->u.v.auth_alg, NULL, &mac_offset);
	if (mikey_builder_finish(&r->b, len) != MIKEY_OK)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"the response does not fit in %d bytes",
				KMS_MESSAGE_MAX);
	if (derive_psk_key(r->req, r->peer, MIKEY_MSG_KEY_AUTH,
			   MIKEY_TICKET_RESPONSE, auth_key, (size_t)key_len) != 0)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"deriving the response auth_key failed");

	/* RFC 6043 5.5: a response's MAC covers it and the whole request. */
	ranges[0].data = r->b.buf;
	ranges[0].len = mac_offset;
	ranges[1].data = r->req->buf;
	ranges[1].len = r->req->len;
	mac_len = mikey_mac_len((enum mikey_mac_alg)v->u.v.auth_alg);
	rc = mikey_mac_compute((enum mikey_mac_alg)v->u.v.auth_alg, auth_key,
			       (size_t)key_len, ranges, 2, r->b.buf + mac_offset,
			       (size_t)mac_len);
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	if (rc != MIKEY_CRYPTO_OK)
		return kms_fail(fail, MIKEY_ERRNO_UNSPECIFIED,
				"computing the response MAC failed");
	return 0;
}
