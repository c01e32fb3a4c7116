/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_SDES_H
#define LIME_SDES_H

/*
 * SDES a=crypto parser (RFC 4568, suites of RFC 6188 and RFC 7714):
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> *(SP <session-param>)
 *   key-param = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI:len]
 *
 * Key-params end at the first SP, so a session parameter never becomes
 * part of a lifetime. Master keys are decoded into struct sdes_crypto
 * itself, so the struct contains key material. Clear it with
 * sdes_crypto_wipe() and never log its keys.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDES_MAX_KEYS 8
#define SDES_KEY_SALT_MAX 46 /* AES_256_CM: 32-byte key + 14-byte salt */

enum sdes_suite {
	SDES_SUITE_UNKNOWN = 0,
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_AES_192_CM_HMAC_SHA1_80,
	SDES_AES_192_CM_HMAC_SHA1_32,
	SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_256_CM_HMAC_SHA1_32,
	SDES_F8_128_HMAC_SHA1_80,
	/* The RFC 4568 ABNF names this suite, its body names the _80 one. */
	SDES_F8_128_HMAC_SHA1_32,
	SDES_AEAD_AES_128_GCM,
	SDES_AEAD_AES_256_GCM,
};

enum sdes_error {
	SDES_OK = 0,
	SDES_ERR_SYNTAX,        /* missing tag, suite or key-params */
	SDES_ERR_TAG,           /* tag is not 1 to 9 digits */
	SDES_ERR_SUITE,         /* crypto-suite not supported */
	SDES_ERR_KEY_METHOD,    /* key-param does not start with "inline:" */
	SDES_ERR_BASE64,        /* key-salt is not valid base64 */
	SDES_ERR_KEY_LENGTH,    /* decoded key-salt length differs from suite */
	SDES_ERR_LIFETIME,      /* lifetime is not decimal or 2^N */
	SDES_ERR_MKI,           /* MKI is not value:length, 1 to 128 bytes */
	SDES_ERR_SESSION_PARAM, /* KDR= or WSH= value is not a number in range */
};

/* Session parameter flags (RFC 4568). */
#define SDES_UNENCRYPTED_SRTCP    (1u << 0)
#define SDES_UNENCRYPTED_SRTP     (1u << 1)
#define SDES_UNAUTHENTICATED_SRTP (1u << 2)
#define SDES_FEC_ORDER            (1u << 3) /* recorded, not applied */
#define SDES_FEC_KEY              (1u << 4) /* recorded, not applied */

struct sdes_key {
	uint8_t key_salt[SDES_KEY_SALT_MAX]; /* master key || master salt */
	uint8_t key_salt_len;

	bool has_lifetime;
	bool lifetime_is_power; /* written as 2^N, and lifetime_log2 is N */
	uint8_t lifetime_log2;
	uint64_t lifetime;      /* packets, when written in decimal */

	bool has_mki;
	uint64_t mki_value;
	uint8_t mki_length;     /* bytes of MKI in each SRTP packet, 1..128 */
};

struct sdes_crypto {
	uint32_t tag;
	enum sdes_suite suite;
	const char *suite_name;     /* points into the parsed line */
	size_t suite_name_len;

	struct sdes_key keys[SDES_MAX_KEYS];
	unsigned key_count;
	unsigned keys_dropped;      /* inline keys past SDES_MAX_KEYS */

	unsigned flags;             /* SDES_UNENCRYPTED_SRTCP, ... */
	bool has_kdr;
	uint8_t kdr;                /* key derivation rate is 2^kdr */
	bool has_wsh;
	uint32_t wsh;               /* SRTP replay window size in packets */
	unsigned unknown_params;    /* session params not listed above */
};

/*
 * Parses one crypto attribute: the value after "a=crypto:", or the whole
 * line with its "a=crypto:" prefix. On error the fields parsed so far
 * (tag, suite) stay set and no key is stored.
 */
enum sdes_error sdes_parse(const char *line, size_t len,
			   struct sdes_crypto *crypto);

/* Overwrites all key material in crypto, so it does not outlive its use. */
void sdes_crypto_wipe(struct sdes_crypto *crypto);

/* Bytes of master key plus master salt for suite, 0 if unknown. */
size_t sdes_suite_key_salt_len(enum sdes_suite suite);

const char *sdes_suite_name(enum sdes_suite suite);
const char *sdes_error_name(enum sdes_error error);

struct sdes_selection {
	unsigned offer_index;
	unsigned answer_index;
	bool tag_mismatch; /* paired by suite because the tags differ */
};

/*
 * Picks the crypto attribute that the answer accepted and the offer entry
 * it answers. A pair with equal tag and suite wins. Because some answerers
 * renumber tags, an answer entry whose tag matches no offer entry of its
 * suite is paired with the first offer entry of that suite, and
 * tag_mismatch is set. Entries with ok[i] false are skipped, and a NULL
 * ok array means every entry parsed. Returns false when nothing pairs.
 */
bool sdes_select_answer(const struct sdes_crypto *offer,
			const bool *offer_ok, unsigned offer_count,
			const struct sdes_crypto *answer,
			const bool *answer_ok, unsigned answer_count,
			struct sdes_selection *selection);

#endif
