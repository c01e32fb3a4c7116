/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feeds plain MIKEY offer/answer pairs to mikey_plain_derive(). The first
 * two input bytes are the length of the offer's message (big-endian), and
 * the bytes after that message are the answer's. The result must be consistent: a success has a
 * usable crypto session, a failure carries a reason and leaves no key
 * material in the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mikey/mikey_plain.h"

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

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mikey_li_call_keys ck;
	struct mikey_li_failure fail;

	if (size < 2)
		return 0;
	size_t rest = size - 2;
	size_t split = ((size_t)data[0] << 8) | data[1];
	if (split > rest)
		split = rest;
	struct mikey_plain_exchange x = {
		.init = data + 2, .init_len = split,
		.resp = split < rest ? data + 2 + split : NULL,
		.resp_len = rest - split,
	};

	memset(&fail, 0, sizeof(fail));
	enum mikey_li_status st = mikey_plain_derive(&x, &ck, &fail);
	check(ck.n_streams <= MIKEY_LI_MAX_STREAMS);
	if (st != MIKEY_LI_OK) {
		check(fail.reason[0] != '\0');
		for (size_t i = 0; i < MIKEY_LI_MAX_STREAMS; i++)
			check(all_zero((const uint8_t *)&ck.streams[i].keys,
				       sizeof(ck.streams[i].keys)));
		return 0;
	}
	size_t usable = 0;
	for (size_t i = 0; i < ck.n_streams; i++) {
		if (!ck.streams[i].usable) {
			check(ck.streams[i].why[0] != '\0');
			continue;
		}
		check(ck.streams[i].keys.n_keys == 1);
		check(sdes_suite_key_salt_len(ck.streams[i].keys.suite) > 0);
		usable++;
	}
	check(usable > 0);
	mikey_li_call_keys_wipe(&ck);
	return 0;
}
