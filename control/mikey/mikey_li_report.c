/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_report.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "kms_client/kms_key_report.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"

#define MSG_FETCH MIKEY_LI_MSG_RESOLVE_RESP

static enum mikey_li_status sign_fetch(const struct mikey_li_node *node,
				       const struct mikey_li_resolve_request *req,
				       uint8_t *msg, size_t len,
				       struct mikey_li_failure *fail)
{
	int key_len = mikey_mac_key_len((enum mikey_mac_alg)req->auth_alg);
	int mac_len = mikey_mac_len((enum mikey_mac_alg)req->auth_alg);
	struct mikey_msg m;
	const struct mikey_payload *v;
	int rc;

	if (key_len <= 0 || mac_len <= 0 || mikey_parse(msg, len, &m, NULL) != MIKEY_OK ||
	    (v = mikey_find(&m.payloads, MIKEY_PT_V, 0)) == NULL)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "the report fetch just built cannot be signed");
	rc = mikey_li_resolve_sign(node, req, msg, len, &m, v);
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "computing the report fetch MAC failed: %s",
				     mikey_crypto_strerror(rc));
	return MIKEY_LI_OK;
}

enum mikey_li_status mikey_li_build_fetch(const struct mikey_li_node *node,
					  const uint8_t ticket_hash[MIKEY_LI_TICKET_HASH_LEN],
					  uint32_t csb_id, int64_t kms_clock_us,
					  uint8_t *out, size_t cap, size_t *len,
					  struct mikey_li_resolve_request *req,
					  struct mikey_li_failure *fail)
{
	uint8_t lookup[KMS_REPORT_LOOKUP_LEN];
	struct mikey_builder b;
	uint64_t t64 = 0;

	memset(req, 0, sizeof(*req));
	if (!mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, kms_clock_us, &t64))
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the clock is outside the NTP range 1968-2104");
	req->prf_func = node->prf_func;
	req->auth_alg = node->auth_alg;
	if (RAND_bytes((uint8_t *)&req->csb_id, sizeof(req->csb_id)) != 1 ||
	    RAND_bytes(req->randrr, sizeof(req->randrr)) != 1)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "the random number generator failed");
	memcpy(lookup, ticket_hash, KMS_REPORT_HASH_LEN);
	lookup[KMS_REPORT_HASH_LEN] = (uint8_t)(csb_id >> 24);
	lookup[KMS_REPORT_HASH_LEN + 1] = (uint8_t)(csb_id >> 16);
	lookup[KMS_REPORT_HASH_LEN + 2] = (uint8_t)(csb_id >> 8);
	lookup[KMS_REPORT_HASH_LEN + 3] = (uint8_t)csb_id;

	mikey_builder_init(&b, out, cap);
	mikey_put_hdr_simple(&b, MIKEY_DT_RESOLVE_INIT_PSK, true, req->prf_func,
			     req->csb_id, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, t64);
	mikey_put_randr(&b, MIKEY_RAND_ROLE_RANDRR, req->randrr, sizeof(req->randrr));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRR, MIKEY_ID_URI,
		      (const uint8_t *)node->identity, strlen(node->identity));
	mikey_put_idr(&b, MIKEY_ID_ROLE_IDRKMS, MIKEY_ID_URI,
		      (const uint8_t *)node->kms_identity, strlen(node->kms_identity));
	mikey_put_ext(&b, KMS_EXT_REPORT_LOOKUP, lookup, sizeof(lookup));
	mikey_put_v(&b, req->auth_alg, NULL, NULL);
	if (mikey_builder_finish(&b, len) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the report fetch does not fit in %zu bytes", cap);
	return sign_fetch(node, req, out, *len, fail);
}

static enum mikey_li_status check_header(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 const struct mikey_msg *m,
					 struct mikey_li_failure *fail)
{
	if (m->hdr.data_type != MIKEY_DT_RESOLVE_RESP)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer to the report fetch has data type %u, "
				     "not RESOLVE_RESP", m->hdr.data_type);
	if (m->hdr.csb_id != req->csb_id || m->hdr.prf_func != req->prf_func)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer's CSB ID or PRF func differs from the fetch's");
	if (mikey_li_names_other_kms(node, m))
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer's IDRkms names another KMS");
	return MIKEY_LI_OK;
}

static enum mikey_li_status verify_answer(const struct mikey_li_node *node,
					  const struct mikey_li_resolve_request *req,
					  const struct mikey_msg *m,
					  const uint8_t *resp, size_t resp_len,
					  const uint8_t *msg, size_t msg_len,
					  struct mikey_li_failure *fail)
{
	const struct mikey_payload *v = mikey_find(&m->payloads, MIKEY_PT_V, 0);

	if (v == NULL || mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg) <= 0)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer to the report fetch has no usable V payload");
	if (mikey_li_resolve_verify(node, req, m, v, resp, resp_len, msg, msg_len) !=
	    MIKEY_CRYPTO_OK)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer's V MAC does not verify with this node's PSK");
	return MIKEY_LI_OK;
}

/* Returns the last General Extension of this type, or NULL, and stores
 * in *count how many the message contains. */
static const struct mikey_payload *find_ext(const struct mikey_msg *m, uint8_t type,
					    unsigned *count)
{
	const struct mikey_payload *found = NULL;

	*count = 0;
	for (size_t i = 0; i < m->payloads.n; i++) {
		const struct mikey_payload *p = &m->payloads.item[i];

		if (p->type == MIKEY_PT_GENERAL_EXT && p->u.ext.ext_type == type) {
			found = p;
			(*count)++;
		}
	}
	return found;
}

static enum mikey_li_status read_report(const struct mikey_msg *m,
					struct mikey_li_report *report,
					struct mikey_li_failure *fail)
{
	unsigned n_ti, n_tr, n_info;
	const struct mikey_payload *ti = find_ext(m, KMS_EXT_REPORTED_INIT, &n_ti);
	const struct mikey_payload *tr = find_ext(m, KMS_EXT_REPORTED_RESP, &n_tr);
	const struct mikey_payload *info = find_ext(m, KMS_EXT_REPORT_INFO, &n_info);

	memset(report, 0, sizeof(*report));
	if (n_ti != 1 || n_tr > 1 || n_info > 1)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer needs one reported TRANSFER_INIT and at "
				     "most one TRANSFER_RESP");
	report->ti = ti->u.ext.data;
	if (tr != NULL)
		report->tr = tr->u.ext.data;
	if (info != NULL && info->u.ext.data.len == KMS_REPORT_INFO_LEN)
		report->reporter_role = info->u.ext.data.p[0];
	return MIKEY_LI_OK;
}

enum mikey_li_status mikey_li_read_fetch(const struct mikey_li_node *node,
					 const struct mikey_li_resolve_request *req,
					 const uint8_t *msg, size_t msg_len,
					 const uint8_t *resp, size_t resp_len,
					 struct mikey_li_report *report,
					 int *kms_error_no,
					 struct mikey_li_failure *fail)
{
	struct mikey_msg m;
	enum mikey_li_status st;

	*kms_error_no = -1;
	if (mikey_parse(resp, resp_len, &m, NULL) != MIKEY_OK || m.trailing_bytes != 0)
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the answer to the report fetch is not a MIKEY message");
	if (m.hdr.data_type == MIKEY_DT_ERROR) {
		const struct mikey_payload *err = mikey_find(&m.payloads, MIKEY_PT_ERR, 0);

		*kms_error_no = err != NULL ? err->u.err.error_no : MIKEY_ERRNO_UNSPECIFIED;
		return mikey_li_fail(fail, MIKEY_LI_KMS_ERROR, MSG_FETCH,
				     "the KMS answered the report fetch with MIKEY error %d",
				     *kms_error_no);
	}
	st = check_header(node, req, &m, fail);
	if (st == MIKEY_LI_OK)
		st = verify_answer(node, req, &m, resp, resp_len, msg, msg_len, fail);
	if (st == MIKEY_LI_OK)
		st = read_report(&m, report, fail);
	return st;
}
