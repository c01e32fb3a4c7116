/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_plain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/mikey/mikey_li_suite.h"
#include "lib/mikey/mikey_kdf.h"

/* Maximum number of key data sub-payloads read from one KEMAC. */
#define PLAIN_MAX_KEYS 16

/* SRTP default lengths (RFC 3830 6.10.1), for a message without an SP. */
#define DEFAULT_KEY_LEN 16
#define DEFAULT_SALT_LEN 14

/* One message of the exchange: parsed, with the keys of its KEMAC. The
 * key slices point into the message, whose KEMAC is in clear. */
struct plain_msg {
	struct mikey_msg m;
	struct mikey_slice rand;
	struct mikey_key_data keys[PLAIN_MAX_KEYS];
	size_t n_keys;
};

/* One crypto session with the values of its CS ID map entry. */
struct plain_cs {
	uint8_t cs_id;
	bool has_policy;
	uint8_t policy_no;
	struct mikey_slice spi;
	bool has_ssrc;
	uint32_t ssrc;
	bool has_roc;
	uint32_t roc;
	size_t index;                  /* position in the map */
};

bool mikey_plain_is_plain(const uint8_t *msg, size_t len)
{
	return len >= 2 && msg[0] == MIKEY_VERSION && msg[1] <= MIKEY_DT_RSA_R_RESP;
}

/* ---- Messages ---- */

static const struct mikey_payload *find_sp(const struct mikey_msg *m,
					   bool any, uint8_t policy_no)
{
	for (size_t i = 0; i < m->payloads.n; i++) {
		const struct mikey_payload *p = &m->payloads.item[i];

		if (p->type == MIKEY_PT_SP && p->u.sp.prot_type == MIKEY_PROT_SRTP &&
		    (any || p->u.sp.policy_no == policy_no))
			return p;
	}
	return NULL;
}

/*
 * Reads the SRTP policy of SP policy_no (of any SRTP SP when any is set),
 * or the RFC 3830 defaults when the message has no such SP. An SP
 * without parameters reads as the defaults too.
 */
static bool read_policy(const struct mikey_msg *m, bool any, uint8_t policy_no,
			struct mikey_srtp_policy *policy)
{
	return mikey_li_read_srtp_policy(m, find_sp(m, any, policy_no), policy);
}

/* Returns why a message gives lime no keys in clear, or NULL when it does. */
static const char *no_clear_keys(const struct mikey_msg *m,
				 const struct mikey_payload *kemac)
{
	if (m->hdr.data_type == MIKEY_DT_ERROR)
		return "the MIKEY message is an Error message";
	if (kemac == NULL && (m->hdr.data_type == MIKEY_DT_DH_INIT ||
			      m->hdr.data_type == MIKEY_DT_DH_RESP ||
			      m->hdr.data_type == MIKEY_DT_DHHMAC_INIT ||
			      m->hdr.data_type == MIKEY_DT_DHHMAC_RESP))
		return "the MIKEY message is a Diffie-Hellman exchange, whose "
		       "TGK never travels";
	if (kemac == NULL)
		return "the MIKEY message has no KEMAC";
	if (kemac->u.kemac.encr_alg != MIKEY_ENCR_NULL)
		return "the KEMAC is encrypted with a pre-shared or envelope key "
		       "that lime does not have";
	return NULL;
}

/*
 * Parses a message and reads the key data of its clear KEMAC. The key
 * hint lets a key field that packs key and salt (GStreamer) be split.
 */
static enum mikey_li_status read_msg(const uint8_t *buf, size_t len,
				     const char *which, struct plain_msg *pm,
				     struct mikey_li_failure *fail)
{
	struct mikey_error err;
	struct mikey_srtp_policy policy;
	struct mikey_key_hint hint = {DEFAULT_KEY_LEN, DEFAULT_SALT_LEN};

	memset(pm, 0, sizeof(*pm));
	if (mikey_parse(buf, len, &pm->m, &err) != MIKEY_OK)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the %s MIKEY message is malformed: %s", which,
				     err.msg);

	const struct mikey_payload *kemac = mikey_find(&pm->m.payloads, MIKEY_PT_KEMAC, 0);
	const char *why = no_clear_keys(&pm->m, kemac);
	if (why != NULL)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "%s (%s in the SDP %s)", why,
				     mikey_data_type_name(pm->m.hdr.data_type), which);

	if (read_policy(&pm->m, true, 0, &policy)) {
		hint.key_len = policy.encr_key_len;
		hint.salt_len = policy.salt_key_len;
	}
	const struct mikey_kemac *k = &kemac->u.kemac;
	if (mikey_parse_key_data(k->encr_data.p, k->encr_data.len, pm->keys,
				 PLAIN_MAX_KEYS, &pm->n_keys, &hint, NULL,
				 &err) != MIKEY_OK || pm->n_keys == 0)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the clear KEMAC of the %s contains no valid key data", which);

	const struct mikey_payload *rand = mikey_find(&pm->m.payloads, MIKEY_PT_RAND, 0);
	if (rand != NULL)
		pm->rand = rand->u.rand.rand;
	return MIKEY_LI_OK;
}

/* ---- CS ID maps ---- */

static size_t read_map(const struct mikey_hdr *hdr, struct plain_cs *cs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < hdr->n_entries && n < max; i++, n++) {
		struct plain_cs *e = &cs[n];

		memset(e, 0, sizeof(*e));
		e->index = i;
		if (hdr->cs_id_map_type == MIKEY_MAP_SRTP_ID) {
			const struct mikey_srtp_id *s = &hdr->cs.srtp[i];
			/* The CS ID is the 1-based entry index, and SSRC 0
			 * requests that the Responder fill it in. */
			e->cs_id = (uint8_t)(i + 1);
			e->has_policy = true;
			e->policy_no = s->policy_no;
			e->has_ssrc = e->has_roc = s->ssrc != 0;
			e->ssrc = s->ssrc;
			e->roc = s->ssrc != 0 ? s->roc : 0;
			continue;
		}
		const struct mikey_generic_id *g = &hdr->cs.generic[i];
		e->cs_id = g->cs_id;
		e->has_policy = g->policy_no.len > 0;
		e->policy_no = e->has_policy ? g->policy_no.p[0] : 0;
		e->spi = g->spi;
		e->has_ssrc = g->srtp_valid;
		e->ssrc = g->srtp_valid ? g->ssrc : 0;
		e->has_roc = g->srtp_valid && g->s;
		e->roc = e->has_roc ? g->roc : 0;
	}
	return n;
}

/* Takes the SSRCs and ROCs a response without keys filled in for the
 * crypto sessions of the same CSB. */
static void fill_from_resp(struct plain_cs *cs, size_t n, const struct mikey_hdr *resp)
{
	struct plain_cs r[MIKEY_LI_MAX_STREAMS];
	size_t n_r = read_map(resp, r, MIKEY_LI_MAX_STREAMS);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n_r; j++) {
			if (r[j].cs_id != cs[i].cs_id || !r[j].has_ssrc || cs[i].has_ssrc)
				continue;
			cs[i].has_ssrc = true;
			cs[i].ssrc = r[j].ssrc;
			cs[i].has_roc = r[j].has_roc;
			cs[i].roc = r[j].roc;
		}
	}
}

/* ---- Keys ---- */

static bool is_tgk(uint8_t type)
{
	return type == MIKEY_KEY_TGK || type == MIKEY_KEY_TGK_SALT;
}

static bool is_tek(uint8_t type)
{
	return type == MIKEY_KEY_TEK || type == MIKEY_KEY_TEK_SALT;
}

static size_t count_teks(const struct plain_msg *pm)
{
	size_t n = 0;

	for (size_t i = 0; i < pm->n_keys; i++)
		n += is_tek(pm->keys[i].type);
	return n;
}

/*
 * Returns the key of a crypto session: the one its SPI names, else its own
 * TEK when the message sends one TEK per crypto session, else the first
 * TGK or TEK. NOTE: RFC 3830 does not say how TEKs pair with crypto
 * sessions when there is no SPI, so lime pairs them in map order when the
 * counts match.
 */
static const struct mikey_key_data *pick_key(const struct plain_msg *pm,
					     const struct plain_cs *e, size_t n_cs)
{
	if (e->spi.len > 0) {
		for (size_t i = 0; i < pm->n_keys; i++) {
			const struct mikey_kv *kv = &pm->keys[i].kv;
			if (kv->kv_type == MIKEY_KV_SPI && kv->spi.len == e->spi.len &&
			    memcmp(kv->spi.p, e->spi.p, e->spi.len) == 0)
				return &pm->keys[i];
		}
		return NULL;
	}
	if (n_cs > 1 && count_teks(pm) == n_cs) {
		size_t seen = 0;
		for (size_t i = 0; i < pm->n_keys; i++)
			if (is_tek(pm->keys[i].type) && seen++ == e->index)
				return &pm->keys[i];
	}
	for (size_t i = 0; i < pm->n_keys; i++)
		if (is_tgk(pm->keys[i].type) || is_tek(pm->keys[i].type))
			return &pm->keys[i];
	return NULL;
}

/* Writes master key || master salt of a crypto session from a TGK (RFC
 * 3830 4.1.3) or a TEK. A salt sent with the key wins over a derived one,
 * and a TEK sent without a salt gets an all-zero salt. */
static bool key_salt_of(const struct plain_msg *pm, const struct plain_cs *e,
			const struct mikey_key_data *k, size_t key_len,
			size_t salt_len, struct mikey_li_stream *s)
{
	enum mikey_prf_func prf = (enum mikey_prf_func)pm->m.hdr.prf_func;
	uint8_t *out = s->keys.key_salt[0];
	int rc = MIKEY_CRYPTO_OK;

	if (k->salt.len != 0 && k->salt.len != salt_len)
		return mikey_li_stream_unusable(s, "the key's %zu-byte salt does not fit the SP's "
				                "%zu-byte salt", k->salt.len, salt_len);
	if (is_tek(k->type)) {
		if (k->key.len != key_len)
			return mikey_li_stream_unusable(s, "the %zu-byte TEK does not fit the SP's "
					                "%zu-byte key", k->key.len, key_len);
		memcpy(out, k->key.p, key_len);
		memset(out + key_len, 0, salt_len);
	} else if (pm->rand.len == 0) {
		return mikey_li_stream_unusable(s, "the message has no RAND to derive TEKs from its TGK");
	} else {
		rc = mikey_derive_tgk_key(prf, MIKEY_TGK_KEY_TEK, k->key.p, k->key.len,
					  e->cs_id, pm->m.hdr.csb_id, pm->rand.p,
					  pm->rand.len, out, key_len);
		if (rc == MIKEY_CRYPTO_OK && k->salt.len == 0)
			rc = mikey_derive_tgk_key(prf, MIKEY_TGK_KEY_SALT, k->key.p,
						  k->key.len, e->cs_id, pm->m.hdr.csb_id,
						  pm->rand.p, pm->rand.len, out + key_len,
						  salt_len);
	}
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_stream_unusable(s, "deriving the TEK failed: %s", mikey_crypto_strerror(rc));
	if (k->salt.len != 0)
		memcpy(out + key_len, k->salt.p, salt_len);
	return true;
}

static bool derive_stream(const struct plain_msg *pm, const struct plain_cs *e,
			  size_t n_cs, struct mikey_li_stream *s)
{
	struct mikey_srtp_policy policy;

	memset(s, 0, sizeof(*s));
	s->cs_id = e->cs_id;
	s->has_ssrc = e->has_ssrc;
	s->ssrc = e->ssrc;
	s->has_roc = e->has_roc;
	s->roc = e->roc;
	if (!read_policy(&pm->m, !e->has_policy, e->policy_no, &policy))
		return mikey_li_stream_unusable(s, "the SP of Policy_no %u is malformed", e->policy_no);
	if (!mikey_li_stream_set_suite(s, &policy))
		return false;

	const struct mikey_key_data *k = pick_key(pm, e, n_cs);
	if (k == NULL)
		return mikey_li_stream_unusable(s, "no TGK or TEK of the KEMAC is for CS ID %u", e->cs_id);
	if (!key_salt_of(pm, e, k, policy.encr_key_len, policy.salt_key_len, s))
		return false;
	s->keys.n_keys = 1;
	s->usable = true;
	return true;
}

/* Appends the crypto sessions of one message with keys to out. */
static size_t derive_msg(const struct plain_msg *pm, const struct mikey_hdr *resp,
			 struct mikey_li_call_keys *out)
{
	struct plain_cs cs[MIKEY_LI_MAX_STREAMS];
	size_t n = read_map(&pm->m.hdr, cs, MIKEY_LI_MAX_STREAMS);
	size_t usable = 0;

	out->streams_dropped += pm->m.hdr.n_entries - n;
	if (resp != NULL && resp->csb_id == pm->m.hdr.csb_id)
		fill_from_resp(cs, n, resp);
	for (size_t i = 0; i < n; i++) {
		if (out->n_streams == MIKEY_LI_MAX_STREAMS) {
			out->streams_dropped++;
			continue;
		}
		usable += derive_stream(pm, &cs[i], n, &out->streams[out->n_streams++]);
	}
	return usable;
}

/* ---- Exchange ---- */

/*
 * Reads the answer: a message with clear keys of its own, or one whose
 * CS ID map only completes the offer's. Anything else in the answer
 * (not plain, malformed, an encrypted KEMAC) leaves the offer's keys as
 * they are.
 */
static void read_resp(const struct mikey_plain_exchange *x, struct plain_msg *resp,
		      bool *has_keys, const struct mikey_hdr **map)
{
	struct mikey_li_failure ignored;
	struct mikey_error err;

	*has_keys = false;
	*map = NULL;
	if (x->resp == NULL || !mikey_plain_is_plain(x->resp, x->resp_len))
		return;
	if (read_msg(x->resp, x->resp_len, "answer", resp, &ignored) == MIKEY_LI_OK) {
		*has_keys = true;
		return;
	}
	if (mikey_parse(x->resp, x->resp_len, &resp->m, &err) == MIKEY_OK &&
	    mikey_find(&resp->m.payloads, MIKEY_PT_KEMAC, 0) == NULL)
		*map = &resp->m.hdr;
}

static enum mikey_li_status derive_all(const struct mikey_plain_exchange *x,
				       struct plain_msg *init, struct plain_msg *resp,
				       struct mikey_li_call_keys *out,
				       struct mikey_li_failure *fail)
{
	const struct mikey_hdr *map = NULL;
	bool resp_keys = false;
	size_t usable = 0;

	enum mikey_li_status st = read_msg(x->init, x->init_len, "offer", init, fail);
	read_resp(x, resp, &resp_keys, &map);
	if (st != MIKEY_LI_OK && !resp_keys)
		return st;

	out->csb_id = (st == MIKEY_LI_OK ? init : resp)->m.hdr.csb_id;
	if (st == MIKEY_LI_OK)
		usable += derive_msg(init, map, out);
	if (resp_keys)
		usable += derive_msg(resp, NULL, out);
	if (usable > 0)
		return MIKEY_LI_OK;
	if (out->n_streams == 0)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the MIKEY message defines no crypto session");
	return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
			     "no crypto session has usable keys (CS ID %u: %s)",
			     out->streams[0].cs_id, out->streams[0].why);
}

enum mikey_li_status mikey_plain_derive(const struct mikey_plain_exchange *x,
					struct mikey_li_call_keys *out,
					struct mikey_li_failure *fail)
{
	/* Two parsed messages are some 20 KiB, too much for the stack. */
	struct plain_msg *msgs = calloc(2, sizeof(*msgs));
	enum mikey_li_status st;

	memset(out, 0, sizeof(*out));
	if (msgs == NULL)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "out of memory");
	st = derive_all(x, &msgs[0], &msgs[1], out, fail);
	OPENSSL_cleanse(msgs, 2 * sizeof(*msgs));
	free(msgs);
	if (st != MIKEY_LI_OK)
		mikey_li_call_keys_wipe(out);
	return st;
}
