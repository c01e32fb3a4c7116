/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP master keys and salts per crypto session of a verified TRANSFER
 * exchange, bound to the SSRC, ROC and SEQ of the CS ID map.
 */
#include "control/mikey/mikey_li_exchange.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/mikey/mikey_li_suite.h"
#include "lib/mikey/mikey_kdf.h"

/* One crypto session after merging the two CS ID maps. */
struct cs_entry {
	uint8_t cs_id;
	bool has_policy;
	uint8_t policy_no;
	struct mikey_slice spi;
	bool has_ssrc;
	uint32_t ssrc;
	bool has_roc;
	uint32_t roc;
	bool has_seq;
	uint16_t seq;
};

struct cs_list {
	struct cs_entry e[MIKEY_LI_MAX_STREAMS];
	size_t n;
	size_t dropped;
};

/* ---- CS ID maps ---- */

/* The entry of a CS ID, added when new. NULL when the list is full: only
 * a TRANSFER_RESP can add that many, and the excess is counted. */
static struct cs_entry *entry_for(struct cs_list *l, uint8_t cs_id)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->e[i].cs_id == cs_id)
			return &l->e[i];
	}
	if (l->n == MIKEY_LI_MAX_STREAMS) {
		l->dropped++;
		return NULL;
	}
	memset(&l->e[l->n], 0, sizeof(l->e[l->n]));
	l->e[l->n].cs_id = cs_id;
	return &l->e[l->n++];
}

/* Adds a GENERIC-ID entry; what it carries replaces what was there,
 * because the Responder may update the Session Data and SPI. */
static void merge_generic(struct cs_list *l, const struct mikey_generic_id *g)
{
	struct cs_entry *e = entry_for(l, g->cs_id);

	if (e == NULL)
		return;
	if (g->policy_no.len > 0) {
		e->has_policy = true;
		e->policy_no = g->policy_no.p[0];
	}
	if (g->spi.len > 0)
		e->spi = g->spi;
	if (!g->srtp_valid)
		return;
	e->has_ssrc = true;
	e->ssrc = g->ssrc;
	e->has_roc = g->s;
	e->roc = g->s ? g->roc : 0;
	e->has_seq = g->s;
	e->seq = g->s ? g->seq : 0;
}

/* SRTP-ID entries: the CS ID is the 1-based index, and SSRC 0 requests
 * that the Responder fill it in. */
static void merge_srtp_id(struct cs_list *l, size_t index,
			  const struct mikey_srtp_id *s)
{
	struct cs_entry *e = entry_for(l, (uint8_t)(index + 1));

	if (e == NULL)
		return;
	e->has_policy = true;
	e->policy_no = s->policy_no;
	if (s->ssrc == 0)
		return;
	e->has_ssrc = true;
	e->ssrc = s->ssrc;
	e->has_roc = true;
	e->roc = s->roc;
}

static void merge_map(struct cs_list *l, const struct mikey_hdr *hdr)
{
	for (size_t i = 0; i < hdr->n_entries; i++) {
		if (hdr->cs_id_map_type == MIKEY_MAP_GENERIC_ID)
			merge_generic(l, &hdr->cs.generic[i]);
		else if (hdr->cs_id_map_type == MIKEY_MAP_SRTP_ID)
			merge_srtp_id(l, i, &hdr->cs.srtp[i]);
	}
}

/* ---- Policy ---- */

static const struct mikey_payload *find_sp(const struct mikey_msg *m,
					   uint8_t policy_no)
{
	for (size_t i = 0; i < m->payloads.n; i++) {
		const struct mikey_payload *p = &m->payloads.item[i];

		if (p->type == MIKEY_PT_SP && p->u.sp.policy_no == policy_no &&
		    p->u.sp.prot_type == MIKEY_PROT_SRTP)
			return p;
	}
	return NULL;
}

/*
 * The SRTP policy of a crypto session: the SP its Policy_no names, looked
 * up in the TRANSFER_RESP first because it responds to the offer, or the
 * RFC 3830 defaults when no SP has that number.
 */
static bool read_policy(const struct mikey_li_exchange *ex,
			const struct cs_entry *e, struct mikey_srtp_policy *policy)
{
	const struct mikey_msg *m = &ex->ti;
	const struct mikey_payload *sp = NULL;

	if (e->has_policy && ex->has_tr)
		sp = find_sp(&ex->tr, e->policy_no);
	if (sp != NULL)
		m = &ex->tr;
	else if (e->has_policy)
		sp = find_sp(&ex->ti, e->policy_no);
	return mikey_li_read_srtp_policy(m, sp, policy);
}

/* ---- Keys ---- */

static bool is_tgk_kind(uint8_t type)
{
	return type == MIKEY_KEY_TGK || type == MIKEY_KEY_TGK_SALT ||
	       type == MIKEY_KEY_GTGK || type == MIKEY_KEY_GTGK_SALT;
}

/*
 * Writes TEK || salt of one key for a crypto session. From a TGK, TGK' or
 * GTGK both come from RFC 6043 5.1.3, with RANDRi when the H flag is set
 * and RANDRr when the G flag is set. A TEK is used as it is. A salt sent
 * with the key wins over the derived one.
 */
static bool key_salt_for(const struct mikey_li_exchange *ex, uint8_t cs_id,
			 const struct mikey_li_key *k,
			 const struct mikey_srtp_policy *policy, uint8_t *out,
			 struct mikey_li_stream *s)
{
	uint16_t flags = ex->keys->tp_flags;
	bool h = (flags & MIKEY_TP_H) != 0, g = (flags & MIKEY_TP_G) != 0;
	enum mikey_prf_func prf = (enum mikey_prf_func)ex->ti.hdr.prf_func;
	size_t key_len = policy->encr_key_len, salt_len = policy->salt_key_len;
	uint8_t *salt = out + key_len;
	int rc = MIKEY_CRYPTO_OK;

	if (k->salt_len != 0 && k->salt_len != salt_len)
		return mikey_li_stream_unusable(s, "the key's %zu-byte salt does not fit the "
				                "SP's %zu-byte salt", k->salt_len, salt_len);
	if (!is_tgk_kind(k->type)) {
		if (k->key_len != key_len)
			return mikey_li_stream_unusable(s, "the %zu-byte TEK does not fit the SP's "
					                "%zu-byte key", k->key_len, key_len);
		memcpy(out, k->key, key_len);
		/* NOTE: RFC 6043 defines no salt for a TEK sent without one,
		 * so lime uses an all-zero master salt then. */
		if (k->salt_len == 0)
			memset(salt, 0, salt_len);
	} else {
		rc = mikey_derive_ticket_tgk_key(prf, MIKEY_TGK_KEY_TEK, k->key,
						 k->key_len, cs_id,
						 h ? ex->randri.p : NULL,
						 h ? ex->randri.len : 0,
						 g ? ex->randrr.p : NULL,
						 g ? ex->randrr.len : 0, out, key_len);
		if (rc == MIKEY_CRYPTO_OK && k->salt_len == 0)
			rc = mikey_derive_ticket_tgk_key(prf, MIKEY_TGK_KEY_SALT,
							 k->key, k->key_len, cs_id,
							 h ? ex->randri.p : NULL,
							 h ? ex->randri.len : 0,
							 g ? ex->randrr.p : NULL,
							 g ? ex->randrr.len : 0,
							 salt, salt_len);
	}
	if (rc != MIKEY_CRYPTO_OK)
		return mikey_li_stream_unusable(s, "deriving the TEK failed: %s",
				                mikey_crypto_strerror(rc));
	if (k->salt_len != 0)
		memcpy(salt, k->salt, salt_len);
	return true;
}

static bool same_spi(const struct mikey_li_key *k, struct mikey_slice spi)
{
	return k->spi_len == spi.len && memcmp(k->spi, spi.p, spi.len) == 0;
}

/*
 * Orders the media keys for a crypto session: the key its SPI names comes
 * first, and without an SPI the first key. With MKIs every key follows,
 * each identified by its SPI; without them only that first key is used.
 * An SPI that names no key still selects the key when there is only one,
 * because the terminals cannot mean another.
 */
static size_t pick_keys(const struct mikey_li_exchange *ex,
			const struct cs_entry *e, bool all,
			const struct mikey_li_key *out[SDES_MAX_KEYS])
{
	size_t first = 0, n = 0;

	if (ex->n_media == 0)
		return 0;
	if (e->spi.len > 0) {
		while (first < ex->n_media && !same_spi(ex->media[first], e->spi))
			first++;
		if (first == ex->n_media && ex->n_media != 1)
			return 0;
		if (first == ex->n_media)
			first = 0;
	}
	out[n++] = ex->media[first];
	for (size_t i = 0; all && i < ex->n_media && n < SDES_MAX_KEYS; i++) {
		if (i != first)
			out[n++] = ex->media[i];
	}
	return n;
}

static bool set_mki(struct srtp_stream_keys *keys, unsigned index,
		    const struct mikey_li_key *k, struct mikey_li_stream *s)
{
	if (k->spi_len == 0 || k->spi_len > sizeof(keys->mki[index]) ||
	    (index > 0 && k->spi_len != keys->mki_len))
		return mikey_li_stream_unusable(s, "the keys' SPIs cannot serve as MKIs of one "
				                "length");
	keys->mki_len = (uint8_t)k->spi_len;
	memcpy(keys->mki[index], k->spi, k->spi_len);
	return true;
}

static bool fill_keys(const struct mikey_li_exchange *ex,
		      const struct cs_entry *e,
		      const struct mikey_srtp_policy *policy,
		      const struct mikey_li_policy *li, struct mikey_li_stream *s)
{
	const struct mikey_li_key *picked[SDES_MAX_KEYS];
	struct srtp_stream_keys *keys = &s->keys;
	size_t n = pick_keys(ex, e, li->spi_is_mki, picked);

	if (n == 0)
		return mikey_li_stream_unusable(s, "no key has the SPI that CS ID %u names",
				                e->cs_id);
	for (size_t i = 0; i < n; i++) {
		if (!key_salt_for(ex, e->cs_id, picked[i], policy,
				  keys->key_salt[i], s))
			return false;
		if (li->spi_is_mki && !set_mki(keys, (unsigned)i, picked[i], s))
			return false;
	}
	keys->n_keys = (unsigned)n;
	return true;
}

/* ---- Streams ---- */

static bool derive_stream(const struct mikey_li_exchange *ex,
			  const struct cs_entry *e,
			  const struct mikey_li_policy *li,
			  struct mikey_li_stream *s)
{
	struct mikey_srtp_policy policy;

	s->cs_id = e->cs_id;
	s->has_ssrc = e->has_ssrc;
	s->ssrc = e->ssrc;
	s->has_roc = e->has_roc;
	s->roc = e->roc;
	s->has_seq = e->has_seq;
	s->seq = e->seq;
	if (!read_policy(ex, e, &policy))
		return mikey_li_stream_unusable(s, "the SP of Policy_no %u is malformed",
				                e->policy_no);
	if (!mikey_li_stream_set_suite(s, &policy))
		return false;
	if (!fill_keys(ex, e, &policy, li, s))
		return false;
	s->usable = true;
	return true;
}

enum mikey_li_status mikey_li_exchange_derive(const struct mikey_li_exchange *ex,
					      const struct mikey_li_policy *policy,
					      struct mikey_li_call_keys *out,
					      struct mikey_li_failure *fail)
{
	struct cs_list list;
	size_t usable = 0;

	memset(&list, 0, sizeof(list));
	merge_map(&list, &ex->ti.hdr);
	if (ex->has_tr)
		merge_map(&list, &ex->tr.hdr);

	out->csb_id = ex->ti.hdr.csb_id;
	out->forked = ex->forked;
	out->n_streams = list.n;
	out->streams_dropped = list.dropped;
	for (size_t i = 0; i < list.n; i++)
		usable += derive_stream(ex, &list.e[i], policy, &out->streams[i]);
	if (usable > 0)
		return MIKEY_LI_OK;
	if (list.n == 0)
		return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
				     "the exchange defines no crypto session");
	return mikey_li_fail(fail, MIKEY_LI_UNUSABLE, MIKEY_LI_MSG_NONE,
			     "no crypto session has usable keys; CS ID %u: %s",
			     out->streams[0].cs_id, out->streams[0].why);
}
