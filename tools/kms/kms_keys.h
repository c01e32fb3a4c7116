/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_KEYS_H
#define LIME_TOOLS_KMS_KMS_KEYS_H

/*
 * The key material of one ticket: the MPK and the TGKs or TEKs, and the
 * KEMAC plaintexts built from them. Every buffer that held a key is wiped
 * with OPENSSL_cleanse before it is released.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "tools/kms/kms_config.h"

#define KMS_MPK_LEN 32
#define KMS_KEY_MAX_LEN 32
#define KMS_SALT_LEN 14
#define KMS_SPI_LEN 4
/* Maximum KEMAC plaintext: MPKi, MPKr and KMS_MAX_TICKET_KEYS keys. */
#define KMS_KEY_PLAIN_MAX 1024

struct kms_key {
	uint8_t type;                      /* enum mikey_key_type: TGK or TEK, with or without salt */
	uint8_t key[KMS_KEY_MAX_LEN];
	size_t key_len;
	uint8_t salt[KMS_SALT_LEN];
	size_t salt_len;                   /* 0 or KMS_SALT_LEN */
	uint8_t spi[KMS_SPI_LEN];
};

struct kms_key_set {
	uint8_t mpk[KMS_MPK_LEN];
	uint8_t mpk_spi[KMS_SPI_LEN];
	struct kms_key keys[KMS_MAX_TICKET_KEYS];
	size_t n_keys;
};

/* Options of a response KEMAC: which keys it carries, forked or not. */
struct kms_key_view {
	uint8_t tp_prf;                    /* PRF func of the ticket policy */
	struct mikey_slice ticket_rand;    /* RAND of the Ticket Data */
	bool with_mpkr;                    /* add MPKr (or MPKr' when forking) */
	bool fork;                         /* fork MPKr and TGKs for a responder */
	struct mikey_slice idrr;           /* ID Data used for forking */
	struct mikey_slice randrkms;
};

/* Fills a key set with fresh random keys of the policy's type, count and
 * length. Returns 0, or -1 when the random number generator fails. */
int kms_keys_generate(struct kms_key_set *ks,
		      const struct kms_ticket_policy_config *policy);

void kms_keys_wipe(struct kms_key_set *ks);

/* Writes the ticket's KEMAC plaintext: MPK, then each key. Returns 0 or -1. */
int kms_keys_ticket_plain(const struct kms_key_set *ks, uint8_t *out,
			  size_t cap, size_t *len);

/* Reads a ticket's KEMAC plaintext back. Returns 0, or -1 when it is not
 * one MPK of KMS_MPK_LEN bytes followed by 1 to KMS_MAX_TICKET_KEYS TGKs
 * or TEKs, each with an SPI. */
int kms_keys_read_ticket_plain(const uint8_t *plain, size_t len,
			       struct kms_key_set *ks);

/*
 * Writes a response KEMAC plaintext: MPKi, then MPKr (forked into MPKr'
 * when view->fork) if view->with_mpkr, then each key, with TGKs forked into
 * TGK' when view->fork. TEKs are never forked (RFC 6043 5.1.1).
 * Returns 0 or -1.
 */
int kms_keys_response_plain(const struct kms_key_set *ks,
			    const struct kms_key_view *view, uint8_t *out,
			    size_t cap, size_t *len);

#endif
