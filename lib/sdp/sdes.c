/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/sdp/sdes.h"

#include <string.h>

#include "lib/sdp/sdp.h"

#define MKI_LENGTH_MAX 128 /* bytes, RFC 4568 */
#define KDR_MAX 24         /* KDR is 0 to 24, RFC 4568 */
#define WSH_MIN 64         /* RFC 4568 */

static const struct {
	const char *name;
	enum sdes_suite suite;
	size_t key_salt_len;
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", SDES_AES_CM_128_HMAC_SHA1_80, 30 },
	{ "AES_CM_128_HMAC_SHA1_32", SDES_AES_CM_128_HMAC_SHA1_32, 30 },
	{ "AES_192_CM_HMAC_SHA1_80", SDES_AES_192_CM_HMAC_SHA1_80, 38 },
	{ "AES_192_CM_HMAC_SHA1_32", SDES_AES_192_CM_HMAC_SHA1_32, 38 },
	{ "AES_256_CM_HMAC_SHA1_80", SDES_AES_256_CM_HMAC_SHA1_80, 46 },
	{ "AES_256_CM_HMAC_SHA1_32", SDES_AES_256_CM_HMAC_SHA1_32, 46 },
	{ "F8_128_HMAC_SHA1_80", SDES_F8_128_HMAC_SHA1_80, 30 },
	{ "F8_128_HMAC_SHA1_32", SDES_F8_128_HMAC_SHA1_32, 30 },
	{ "AEAD_AES_128_GCM", SDES_AEAD_AES_128_GCM, 28 },
	{ "AEAD_AES_256_GCM", SDES_AEAD_AES_256_GCM, 44 },
};

#define SUITE_COUNT (sizeof(suites) / sizeof(suites[0]))

struct text {
	const char *ptr;
	size_t len;
};

static bool text_eq(struct text t, const char *s)
{
	size_t n = strlen(s);

	return t.len == n && memcmp(t.ptr, s, n) == 0;
}

static bool text_starts(struct text t, const char *prefix)
{
	size_t n = strlen(prefix);

	return t.len >= n && memcmp(t.ptr, prefix, n) == 0;
}

static struct text text_skip(struct text t, size_t n)
{
	struct text rest = { t.ptr + n, t.len - n };

	return rest;
}

/* Splits the next sep-delimited field off *rest. Returns false once rest is empty. */
static bool next_field(struct text *rest, char sep, struct text *field)
{
	if (rest->len == 0)
		return false;

	const char *p = memchr(rest->ptr, sep, rest->len);
	size_t n = p != NULL ? (size_t)(p - rest->ptr) : rest->len;

	field->ptr = rest->ptr;
	field->len = n;
	*rest = text_skip(*rest, p != NULL ? n + 1 : n);
	return true;
}

/* Splits the next token off *rest, skipping runs of spaces and tabs. */
static bool next_token(struct text *rest, struct text *token)
{
	while (rest->len > 0 && (rest->ptr[0] == ' ' || rest->ptr[0] == '\t'))
		*rest = text_skip(*rest, 1);
	if (rest->len == 0)
		return false;

	size_t n = 0;

	while (n < rest->len && rest->ptr[n] != ' ' && rest->ptr[n] != '\t')
		n++;
	token->ptr = rest->ptr;
	token->len = n;
	*rest = text_skip(*rest, n);
	return true;
}

static bool parse_u64(struct text t, uint64_t max, uint64_t *value)
{
	uint64_t v = 0;

	if (t.len == 0)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		unsigned digit = (unsigned)(t.ptr[i] - '0');

		if (t.ptr[i] < '0' || t.ptr[i] > '9')
			return false;
		if (v > (max - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*value = v;
	return true;
}

size_t sdes_suite_key_salt_len(enum sdes_suite suite)
{
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suites[i].suite == suite)
			return suites[i].key_salt_len;
	}
	return 0;
}

const char *sdes_suite_name(enum sdes_suite suite)
{
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suites[i].suite == suite)
			return suites[i].name;
	}
	return "unknown";
}

static enum sdes_suite lookup_suite(struct text name)
{
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (text_eq(name, suites[i].name))
			return suites[i].suite;
	}
	return SDES_SUITE_UNKNOWN;
}

/* lifetime = ["2^"] 1*DIGIT */
static enum sdes_error parse_lifetime(struct text t, struct sdes_key *key)
{
	uint64_t v;

	key->has_lifetime = true;
	if (text_starts(t, "2^")) {
		if (!parse_u64(text_skip(t, 2), UINT8_MAX, &v))
			return SDES_ERR_LIFETIME;
		key->lifetime_is_power = true;
		key->lifetime_log2 = (uint8_t)v;
		return SDES_OK;
	}
	if (!parse_u64(t, UINT64_MAX, &v))
		return SDES_ERR_LIFETIME;
	key->lifetime = v;
	return SDES_OK;
}

/* mki = mki-value ":" mki-length, the value must fit in length bytes. */
static enum sdes_error parse_mki(struct text t, struct sdes_key *key)
{
	struct text value_text, length_text;
	uint64_t value, length;

	next_field(&t, ':', &value_text);
	if (!next_field(&t, ':', &length_text) || t.len != 0)
		return SDES_ERR_MKI;
	if (!parse_u64(value_text, UINT64_MAX, &value) ||
	    !parse_u64(length_text, MKI_LENGTH_MAX, &length) || length == 0)
		return SDES_ERR_MKI;
	if (length < 8 && value >> (8 * length) != 0)
		return SDES_ERR_MKI;
	key->has_mki = true;
	key->mki_value = value;
	key->mki_length = (uint8_t)length;
	return SDES_OK;
}

static enum sdes_error decode_key_salt(struct text b64, enum sdes_suite suite,
				       struct sdes_key *key)
{
	size_t expected = sdes_suite_key_salt_len(suite);
	size_t n = 0;
	enum sdp_error err = sdp_base64_decode(b64.ptr, b64.len, key->key_salt,
					       sizeof(key->key_salt), &n);

	if (err == SDP_ERR_BUFFER)
		return SDES_ERR_KEY_LENGTH;
	if (err != SDP_OK)
		return SDES_ERR_BASE64;
	if (n != expected)
		return SDES_ERR_KEY_LENGTH;
	key->key_salt_len = (uint8_t)n;
	return SDES_OK;
}

/*
 * key-param = "inline:" key-salt ["|" lifetime] ["|" mki]. A field with a
 * ':' is the MKI, so a lone MKI is not taken for a lifetime.
 */
static enum sdes_error parse_key_param(struct text param, enum sdes_suite suite,
				       struct sdes_key *key)
{
	struct text key_salt, field;
	enum sdes_error err;

	if (!text_starts(param, "inline:"))
		return SDES_ERR_KEY_METHOD;
	param = text_skip(param, strlen("inline:"));
	key_salt = param; /* stays empty when "inline:" ends the param */
	next_field(&param, '|', &key_salt);
	err = decode_key_salt(key_salt, suite, key);
	for (int i = 0; err == SDES_OK && next_field(&param, '|', &field); i++) {
		bool is_mki = memchr(field.ptr, ':', field.len) != NULL;

		if (i >= 2 || (is_mki ? key->has_mki : key->has_lifetime))
			err = is_mki ? SDES_ERR_MKI : SDES_ERR_LIFETIME;
		else if (is_mki)
			err = parse_mki(field, key);
		else if (key->has_mki)
			err = SDES_ERR_LIFETIME; /* lifetime after the MKI */
		else
			err = parse_lifetime(field, key);
	}
	return err;
}

static enum sdes_error parse_key_params(struct text params,
					struct sdes_crypto *crypto)
{
	struct text param;
	struct sdes_key scratch;

	while (next_field(&params, ';', &param)) {
		struct sdes_key *key = crypto->key_count < SDES_MAX_KEYS ?
				       &crypto->keys[crypto->key_count] :
				       &scratch;
		enum sdes_error err;

		memset(key, 0, sizeof(*key));
		err = parse_key_param(param, crypto->suite, key);
		if (err != SDES_OK)
			return err;
		if (key == &scratch)
			crypto->keys_dropped++;
		else
			crypto->key_count++;
	}
	memset(&scratch, 0, sizeof(scratch));
	return crypto->key_count > 0 ? SDES_OK : SDES_ERR_SYNTAX;
}

static enum sdes_error parse_session_param(struct text param,
					   struct sdes_crypto *crypto)
{
	uint64_t v;

	if (text_eq(param, "UNENCRYPTED_SRTCP")) {
		crypto->flags |= SDES_UNENCRYPTED_SRTCP;
	} else if (text_eq(param, "UNENCRYPTED_SRTP")) {
		crypto->flags |= SDES_UNENCRYPTED_SRTP;
	} else if (text_eq(param, "UNAUTHENTICATED_SRTP")) {
		crypto->flags |= SDES_UNAUTHENTICATED_SRTP;
	} else if (text_starts(param, "FEC_ORDER=")) {
		crypto->flags |= SDES_FEC_ORDER;
	} else if (text_starts(param, "FEC_KEY=")) {
		crypto->flags |= SDES_FEC_KEY;
	} else if (text_starts(param, "KDR=")) {
		if (!parse_u64(text_skip(param, 4), KDR_MAX, &v))
			return SDES_ERR_SESSION_PARAM;
		crypto->has_kdr = true;
		crypto->kdr = (uint8_t)v;
	} else if (text_starts(param, "WSH=")) {
		if (!parse_u64(text_skip(param, 4), UINT32_MAX, &v) ||
		    v < WSH_MIN)
			return SDES_ERR_SESSION_PARAM;
		crypto->has_wsh = true;
		crypto->wsh = (uint32_t)v;
	} else {
		/* A passive decoder keeps the key although an endpoint may reject it. */
		crypto->unknown_params++;
	}
	return SDES_OK;
}

static enum sdes_error parse_tag(struct text t, uint32_t *tag)
{
	uint64_t v;

	if (t.len > 9 || !parse_u64(t, UINT32_MAX, &v))
		return SDES_ERR_TAG;
	*tag = (uint32_t)v;
	return SDES_OK;
}

enum sdes_error sdes_parse(const char *line, size_t len,
			   struct sdes_crypto *crypto)
{
	struct text rest = { line, len };
	struct text tag, suite, key_params, param;
	enum sdes_error err;

	memset(crypto, 0, sizeof(*crypto));
	while (rest.len > 0 && (rest.ptr[rest.len - 1] == '\r' ||
				rest.ptr[rest.len - 1] == '\n'))
		rest.len--;
	if (text_starts(rest, "a=crypto:"))
		rest = text_skip(rest, strlen("a=crypto:"));
	if (!next_token(&rest, &tag) || !next_token(&rest, &suite) ||
	    !next_token(&rest, &key_params))
		return SDES_ERR_SYNTAX;
	err = parse_tag(tag, &crypto->tag);
	if (err != SDES_OK)
		return err;
	crypto->suite = lookup_suite(suite);
	crypto->suite_name = suite.ptr;
	crypto->suite_name_len = suite.len;
	if (crypto->suite == SDES_SUITE_UNKNOWN)
		return SDES_ERR_SUITE;

	err = parse_key_params(key_params, crypto);
	while (err == SDES_OK && next_token(&rest, &param))
		err = parse_session_param(param, crypto);
	if (err != SDES_OK)
		sdes_crypto_wipe(crypto);
	return err;
}

void sdes_crypto_wipe(struct sdes_crypto *crypto)
{
	/* A volatile pointer keeps the compiler from dropping the stores. */
	volatile uint8_t *p = (volatile uint8_t *)crypto->keys;

	for (size_t i = 0; i < sizeof(crypto->keys); i++)
		p[i] = 0;
	crypto->key_count = 0;
}

static bool entry_ok(const bool *ok, unsigned i)
{
	return ok == NULL || ok[i];
}

/* Finds the first usable offer entry of suite, with tag if match_tag. */
static bool find_offer(const struct sdes_crypto *offer, const bool *offer_ok,
		       unsigned offer_count, const struct sdes_crypto *answer,
		       bool match_tag, unsigned *index)
{
	for (unsigned i = 0; i < offer_count; i++) {
		if (!entry_ok(offer_ok, i) || offer[i].suite != answer->suite)
			continue;
		if (match_tag && offer[i].tag != answer->tag)
			continue;
		*index = i;
		return true;
	}
	return false;
}

bool sdes_select_answer(const struct sdes_crypto *offer,
			const bool *offer_ok, unsigned offer_count,
			const struct sdes_crypto *answer,
			const bool *answer_ok, unsigned answer_count,
			struct sdes_selection *selection)
{
	/* Pass 0 pairs by tag and suite as RFC 4568 requires, pass 1 by suite. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned a = 0; a < answer_count; a++) {
			unsigned o;

			if (!entry_ok(answer_ok, a) ||
			    answer[a].suite == SDES_SUITE_UNKNOWN)
				continue;
			if (!find_offer(offer, offer_ok, offer_count,
					&answer[a], pass == 0, &o))
				continue;
			selection->offer_index = o;
			selection->answer_index = a;
			selection->tag_mismatch = pass == 1;
			return true;
		}
	}
	return false;
}

const char *sdes_error_name(enum sdes_error error)
{
	switch (error) {
	case SDES_OK: return "ok";
	case SDES_ERR_SYNTAX: return "missing tag, suite or key-params";
	case SDES_ERR_TAG: return "invalid tag";
	case SDES_ERR_SUITE: return "unsupported crypto-suite";
	case SDES_ERR_KEY_METHOD: return "key method is not inline";
	case SDES_ERR_BASE64: return "invalid base64 key";
	case SDES_ERR_KEY_LENGTH: return "key length does not match suite";
	case SDES_ERR_LIFETIME: return "invalid key lifetime";
	case SDES_ERR_MKI: return "invalid MKI";
	case SDES_ERR_SESSION_PARAM: return "invalid session parameter";
	}
	return "unknown error";
}
