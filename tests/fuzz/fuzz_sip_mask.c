/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Masks a copy of the input as SIP text. Checks that masking only turns
 * base64 characters into 'X' and that a count of 0 means no byte changed.
 * Masking the output again must change nothing and return the same count.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_mask.h"

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

static bool is_base64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Copies exactly size bytes, so that a sanitizer detects any access past them. */
static char *copy_input(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	check(copy != NULL);
	if (size)
		memcpy(copy, data, size);
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *masked = copy_input(data, size);
	size_t count = sip_mask_sdes_keys(masked, size);
	size_t changed = 0;

	for (size_t i = 0; i < size; i++) {
		if ((uint8_t)masked[i] == data[i])
			continue;
		check(masked[i] == 'X');
		check(is_base64(data[i]));
		changed++;
	}
	check(count > 0 || changed == 0);

	char *again = copy_input((const uint8_t *)masked, size);

	check(sip_mask_sdes_keys(again, size) == count);
	check(size == 0 || memcmp(again, masked, size) == 0);

	free(again);
	free(masked);
	return 0;
}
