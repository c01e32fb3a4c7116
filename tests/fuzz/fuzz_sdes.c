/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parses the input as one a=crypto value and checks the result against
 * the suite table: a parsed line has between one and SDES_MAX_KEYS keys,
 * each of the suite's key-salt length, and an MKI length of 1 to 128.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/sdp/sdes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the failed condition, so libFuzzer saves the input. */
#define check(condition) \
	do { \
		if (!(condition)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #condition); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdes_crypto crypto;
	enum sdes_error err = sdes_parse((const char *)data, size, &crypto);

	if (err != SDES_OK) {
		check(crypto.key_count == 0);
		return 0;
	}
	check(crypto.suite != SDES_SUITE_UNKNOWN);
	check(crypto.key_count >= 1 && crypto.key_count <= SDES_MAX_KEYS);
	for (unsigned i = 0; i < crypto.key_count; i++) {
		const struct sdes_key *key = &crypto.keys[i];

		check(key->key_salt_len == sdes_suite_key_salt_len(crypto.suite));
		check(!key->has_mki ||
		      (key->mki_length >= 1 && key->mki_length <= 128));
	}
	sdes_crypto_wipe(&crypto);
	return 0;
}
