/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LI resolutions per second through lime's KMS client: RESOLVE_INIT_PSK
 * of one ticket, sent again and again with a fresh RAND and verified on
 * return, beside the same client sending a body that the KMS rejects at
 * once (HTTP 400) as the ceiling of bare TLS requests.
 *
 * Usage: kms_resolve_bench TI_FILE URL CA_FILE IDENTITY PSK_HEX KMS_IDENTITY [N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/mikey/mikey_li_resolve.h"
#include "kms_client/kms_client.h"
#include "lib/util/log.h"

#define IN_FLIGHT 32
#define BODY_MAX 8192

struct slot {
	struct mikey_li_resolve_request req;
	uint8_t msg[BODY_MAX];
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;

	if (f)
		fclose(f);
	return n;
}

static size_t parse_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < cap) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* Runs n requests with at most IN_FLIGHT outstanding; returns requests/s. */
static double run(struct kms_client *kc, const struct mikey_li_node *node,
		  const uint8_t *ti, size_t ti_len, uint32_t n, bool resolve,
		  uint32_t *good)
{
	static struct slot slots[IN_FLIGHT];
	struct kms_response *resp[IN_FLIGHT];
	uint32_t sent = 0, done = 0, free_slots[IN_FLIGHT], n_free = IN_FLIGHT;
	double t0 = now_s();

	for (uint32_t i = 0; i < IN_FLIGHT; i++)
		free_slots[i] = i;
	*good = 0;
	while (done < n) {
		while (sent < n && n_free > 0) {
			struct slot *s = &slots[free_slots[--n_free]];
			struct mikey_li_failure fail;
			enum kms_result why;

			if (resolve) {
				if (mikey_li_build_resolve(node, ti, ti_len, wall_us(), s->msg,
							   sizeof(s->msg), &s->len, &s->req,
							   &fail) != MIKEY_LI_OK) {
					fprintf(stderr, "building the request failed: %s\n", fail.reason);
					exit(1);
				}
			} else {
				s->len = 1;
				s->msg[0] = 'x';
			}
			if (kms_client_submit(kc, s->msg, s->len, s, &why) == 0) {
				free_slots[n_free++] = (uint32_t)(s - slots);
				break;
			}
			sent++;
		}
		size_t got = kms_client_poll(kc, resp, IN_FLIGHT);
		for (size_t i = 0; i < got; i++) {
			struct slot *s = resp[i]->user;
			struct mikey_li_keys keys;
			struct mikey_li_failure fail;
			int err_no;

			if (resolve && resp[i]->result == KMS_RESULT_OK &&
			    mikey_li_read_resolve(node, &s->req, s->msg, s->len, resp[i]->body,
						  resp[i]->body_len, &keys, &err_no, &fail) == MIKEY_LI_OK)
				(*good)++;
			else if (!resolve && resp[i]->http_status == 400)
				(*good)++;
			free_slots[n_free++] = (uint32_t)(s - slots);
			kms_response_free(resp[i]);
			done++;
		}
		if (got == 0) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
	}
	return n / (now_s() - t0);
}

int main(int argc, char **argv)
{
	static uint8_t ti[BODY_MAX];
	uint8_t psk[64];
	struct kms_client_config cfg;
	struct mikey_li_node node;
	char err[256];
	uint32_t good_resolve, good_bare;

	if (argc < 7) {
		fprintf(stderr, "usage: %s TI_FILE URL CA_FILE IDENTITY PSK_HEX KMS_IDENTITY [N]\n", argv[0]);
		return 2;
	}
	uint32_t n = argc > 7 ? (uint32_t)strtoul(argv[7], NULL, 10) : 3000;
	size_t ti_len = read_file(argv[1], ti, sizeof(ti));
	size_t psk_len = parse_hex(argv[5], psk, sizeof(psk));
	lime_log_set_level(LIME_LOG_ERR);

	kms_client_config_init(&cfg);
	cfg.url = argv[2];
	cfg.ca_file = argv[3];
	cfg.timeout_ms = 5000;
	struct kms_client *kc = kms_client_start(&cfg, err, sizeof(err));
	if (kc == NULL || ti_len == 0) {
		fprintf(stderr, "kms_resolve_bench: %s\n", kc == NULL ? err : "empty TRANSFER_INIT file");
		return 1;
	}
	mikey_li_node_init(&node, argv[4], psk, psk_len, argv[6]);

	/* Warm the connections, then alternate so both see the same state. */
	run(kc, &node, ti, ti_len, 200, false, &good_bare);
	double bare = run(kc, &node, ti, ti_len, n, false, &good_bare);
	double resolve = run(kc, &node, ti, ti_len, n, true, &good_resolve);
	double bare2 = run(kc, &node, ti, ti_len, n, false, &good_bare);
	double ceiling = (bare + bare2) / 2;

	printf("%-24s %12s\n", "figure", "requests/s");
	printf("%-24s %12.0f (%u of %u verified)\n", "LI resolutions", resolve, good_resolve, n);
	printf("%-24s %12.0f\n", "bare TLS requests (400)", ceiling);
	printf("RESULT kms_li_resolutions value=%.0f unit=req/s ceiling=%.0f ratio=%.4f\n",
	       resolve, ceiling, resolve / ceiling);
	kms_client_stop(kc, 1000);
	return good_resolve == n ? 0 : 1;
}
