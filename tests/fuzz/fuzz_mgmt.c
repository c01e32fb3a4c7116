/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the management API: raw HTTP request bytes go
 * through the framing and the request handler against a configuration in
 * memory, as the server would pass them after TLS. Besides memory errors
 * it checks the response contract: a known status, and a body that is
 * one valid JSON document, with an "error" member unless the status is 2xx.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt/mgmt_api.h"
#include "control/mgmt/mgmt_http.h"
#include "control/mgmt/mgmt_json.h"
#include "control/mgmt/mgmt_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so that the fuzzer also reaches the 413 response. */
#define FUZZ_MAX_BODY 4096

static const char base_yaml[] =
	"lcores: \"0-1\"\n"
	"spool_dir: \"/tmp/lime-fuzz-spool\"\n"
	"kms:\n"
	"  url: \"https://127.0.0.1:8443/mikey\"\n"
	"  ca_file: \"ca.pem\"\n"
	"  identity: \"sip:li@lime.test\"\n"
	"  kms_identity: \"sip:kms@lime.test\"\n"
	"  psk_hex: \"00112233445566778899aabbccddeeff\"\n"
	"intercepts:\n"
	"  - liid: \"LIID-1\"\n"
	"    targets: [\"sip:alice@ims.test\", \"tel:+15550100\"]\n"
	"    start: \"2026-01-01T00:00:00Z\"\n"
	"    agency: \"lea-1\"\n"
	"agencies:\n"
	"  - name: \"lea-1\"\n"
	"    hi2: \"127.0.0.1:9002\"\n"
	"    hi3: \"127.0.0.1:9003\"\n"
	"  - name: \"lea-2\"\n"
	"    hi2: \"127.0.0.1:9004\"\n"
	"    hi3: \"127.0.0.1:9005\"\n";

static struct lime_config *base;

static struct lime_config *snapshot(void *ctx, const void **version, char *err, size_t err_len)
{
	(void)ctx;
	*version = base;
	return mgmt_candidate_build(base, NULL, err, err_len);
}

/* Accepts every candidate and frees it, so every input starts from the same base. */
static int apply(void *ctx, struct lime_config *candidate, const void *version,
		 char *err, size_t err_len)
{
	(void)ctx;
	(void)version;
	(void)err;
	(void)err_len;
	lime_config_free(candidate);
	return 0;
}

static void check_response(const struct mgmt_response *resp)
{
	char err[256];

	if (strcmp(mgmt_status_text(resp->status), "Error") == 0 || resp->body == NULL)
		abort();

	struct json_value *doc = json_parse(resp->body, resp->body_len, err, sizeof(err));
	if (doc == NULL)
		abort();
	bool ok = resp->status >= 200 && resp->status < 300;
	const struct json_value *error = json_find_member(doc, "error");
	if (ok == (error != NULL) || (error != NULL && error->type != JSON_STRING))
		abort();
	json_value_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgmt_backend be = {.snapshot = snapshot, .apply = apply};
	struct mgmt_http_head head;
	struct mgmt_response resp;
	char err[512];

	if (base == NULL) {
		base = lime_config_load_buffer(base_yaml, strlen(base_yaml), err, sizeof(err));
		if (base == NULL) {
			fprintf(stderr, "fuzz_mgmt: base configuration rejected: %s\n", err);
			abort();
		}
	}

	mgmt_http_process(&be, (const char *)data, size, FUZZ_MAX_BODY, &head, &resp);
	check_response(&resp);

	size_t len;
	char *out = mgmt_http_format(&resp, &len);
	free(out);
	mgmt_response_free(&resp);
	return 0;
}
