/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the configuration loader. Besides memory errors it
 * checks the error contract: a failed load leaves one non-empty line in err.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct lime_config *cfg;

	cfg = lime_config_load_buffer((const char *)data, size, err, sizeof(err));
	if (cfg != NULL) {
		lime_config_free(cfg);
		return 0;
	}
	if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
	    strchr(err, '\n') != NULL)
		abort();
	return 0;
}
