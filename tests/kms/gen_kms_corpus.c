/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of tests/fuzz/fuzz_kms.c into DIR:
 *
 *   gen_kms_corpus DIR
 *
 * The MIKEY messages are built for the configuration and clock of
 * tests/kms/kms_test_config.h, which the harness uses too, so their MACs
 * and timestamps are valid there and the fuzzer starts inside the
 * exchanges. A ticket is obtained by running the Request exchange through
 * the KMS core. Seeds are whole HTTP requests, a few bare MIKEY messages
 * (key report exchanges among them), and requests that each HTTP rule
 * rejects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kms_client/kms_key_report.h"
#include "lib/util/log.h"
#include "tests/kms/kms_client_msg.h"
#include "tests/kms/kms_test_config.h"
#include "tools/kms/kms.h"

static const char *out_dir;

static void write_seed(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "gen_kms_corpus: cannot write %s\n", path);
		exit(1);
	}
}

static void write_text(const char *name, const char *text)
{
	write_seed(name, text, strlen(text));
}

/* Writes "POST /mikey" with body; extra is more header lines or "". */
static void write_post(const char *name, const uint8_t *body, size_t len,
		       const char *extra)
{
	static uint8_t buf[2 * 65536];
	int n = snprintf((char *)buf, sizeof(buf), "POST /mikey HTTP/1.1\r\n"
			 "Host: 127.0.0.1:8443\r\nContent-Type: application/mikey\r\n"
			 "%sContent-Length: %zu\r\n\r\n", extra, len);

	memcpy(buf + n, body, len);
	write_seed(name, buf, (size_t)n + len);
}

static size_t build_request(struct kmsc_params *p, uint8_t *out, size_t cap)
{
	size_t len = 0;

	if (kmsc_build_request(p, out, cap, &len) != 0) {
		fprintf(stderr, "gen_kms_corpus: building REQUEST_INIT_PSK failed\n");
		exit(1);
	}
	return len;
}

/* Runs Alice's Request through the KMS core and keeps the ticket. */
static void obtain_ticket(struct kms *kms, struct kmsc_ticket *ticket)
{
	static uint8_t req[65536], resp[KMS_MESSAGE_MAX];
	struct kmsc_params p;
	struct kmsc_keys keys;
	size_t len, resp_len = 0;
	int error_no = -1;
	char reason[160];

	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	len = build_request(&p, req, sizeof(req));
	if (kms_exchange(kms, req, len, KMS_TEST_NOW_US, "gen", resp, sizeof(resp),
			 &resp_len) != KMS_EXCHANGE_RESPONDED ||
	    kmsc_read_response(&p, req, len, resp, resp_len, MIKEY_DT_REQUEST_RESP,
			       &keys, ticket, &error_no, reason, sizeof(reason)) != KMSC_OK) {
		fprintf(stderr, "gen_kms_corpus: the Request exchange failed\n");
		exit(1);
	}
	kmsc_wipe_keys(&keys);
}

static size_t build_resolve(const char *identity, const uint8_t *psk,
			    const struct kmsc_ticket *ticket, uint8_t *out,
			    size_t cap)
{
	struct kmsc_params p;
	size_t len = 0;

	kmsc_params_init(&p, identity, psk, 16, KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	if (kmsc_build_resolve(&p, ticket, out, cap, &len) != 0) {
		fprintf(stderr, "gen_kms_corpus: building RESOLVE_INIT_PSK failed\n");
		exit(1);
	}
	return len;
}

/* A key report by Bob of a TRANSFER_INIT with the ticket and a
 * TRANSFER_RESP, and an LI node's fetch of it. */
static void write_key_reports(const struct kmsc_ticket *ticket)
{
	static uint8_t ti[8192], tr[8192], msg[65536];
	uint8_t lookup[KMS_REPORT_LOOKUP_LEN];
	unsigned int hash_len = 0;
	struct kmsc_params p;
	size_t ti_len = 0, tr_len = 0, len = 0;

	if (kmsc_build_transfer(ticket, MIKEY_DT_TRANSFER_INIT, 0x0c5b0001, 0xa1, ti,
				sizeof(ti), &ti_len) != 0 ||
	    kmsc_build_transfer(ticket, MIKEY_DT_TRANSFER_RESP, 0x0c5b0001, 0xb2, tr,
				sizeof(tr), &tr_len) != 0) {
		fprintf(stderr, "gen_kms_corpus: building the TRANSFER messages failed\n");
		exit(1);
	}
	kmsc_params_init(&p, KMS_TEST_BOB, kms_test_psk_bob, 16, KMS_TEST_KMS_ID,
			 KMS_TEST_NOW_US);
	if (kmsc_build_key_report(&p, ti, ti_len, tr, tr_len, msg, sizeof(msg), &len) != 0) {
		fprintf(stderr, "gen_kms_corpus: building the key report failed\n");
		exit(1);
	}
	write_seed("key_report.mikey", msg, len);
	write_post("key_report.http", msg, len, "");

	EVP_Digest(ticket->ticket_data, ticket->ticket_data_len, lookup, &hash_len,
		   EVP_sha256(), NULL);
	memcpy(lookup + KMS_REPORT_HASH_LEN, "\x0c\x5b\x00\x01", 4);
	kmsc_params_init(&p, KMS_TEST_LI, kms_test_psk_li, 16, KMS_TEST_KMS_ID,
			 KMS_TEST_NOW_US);
	if (kmsc_build_report_fetch(&p, lookup, sizeof(lookup), msg, sizeof(msg), &len) != 0) {
		fprintf(stderr, "gen_kms_corpus: building the report fetch failed\n");
		exit(1);
	}
	write_seed("report_fetch.mikey", msg, len);
	write_post("report_fetch.http", msg, len, "");
}

static void write_http_errors(void)
{
	static char big[9000];

	write_text("get_other_path.http", "GET /other HTTP/1.1\r\nHost: kms\r\n\r\n");
	write_text("get_mikey.http", "GET /mikey HTTP/1.1\r\nHost: kms\r\n\r\n");
	write_text("head_mikey.http", "HEAD /mikey HTTP/1.1\r\nHost: kms\r\n\r\n");
	write_text("http10.http", "GET /mikey HTTP/1.0\r\n\r\n");
	write_text("wrong_type.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "text/plain\r\nContent-Length: 5\r\n\r\nhello");
	write_text("no_length.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "application/mikey\r\n\r\n");
	write_text("too_large.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "application/mikey\r\nContent-Length: 70000\r\n\r\n");
	write_text("chunked.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "application/mikey\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
	write_text("not_mikey.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "application/mikey\r\nContent-Length: 5\r\n\r\nhello");
	write_text("http2.http", "POST /mikey HTTP/2.0\r\n\r\n");
	write_text("truncated.http", "POST /mikey HTTP/1.1\r\nContent-Type: "
		   "application/mikey\r\nContent-Length: 100\r\n\r\n\x01\x0b");
	write_seed("tls_hello.bin", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11);
	memcpy(big, "GET /mikey HTTP/1.1\r\nX: ", 24);
	memset(big + 24, 'a', sizeof(big) - 24);
	write_seed("head_too_large.http", big, sizeof(big));
}

int main(int argc, char **argv)
{
	static uint8_t msg[65536], msg2[65536], both[2 * 65536 + 512];
	static struct kmsc_ticket ticket;
	struct kms_config *cfg;
	struct kmsc_params p;
	struct kms kms;
	char err[256];
	size_t len, len2;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_kms_corpus DIR\n");
		return 2;
	}
	out_dir = argv[1];
	lime_log_set_level(LIME_LOG_ERR);
	cfg = kms_config_load_buffer(kms_test_config, strlen(kms_test_config),
				     err, sizeof(err));
	if (cfg == NULL || kms_init(&kms, cfg) != 0) {
		fprintf(stderr, "gen_kms_corpus: %s\n", cfg == NULL ? err : "kms_init failed");
		return 1;
	}

	kmsc_params_init(&p, KMS_TEST_ALICE, kms_test_psk_alice, 16,
			 KMS_TEST_KMS_ID, KMS_TEST_NOW_US);
	p.responders[p.n_responders++] = KMS_TEST_BOB;
	len = build_request(&p, msg, sizeof(msg));
	write_seed("request_init.mikey", msg, len);
	write_post("request_init.http", msg, len, "");
	write_post("request_continue.http", msg, len, "Expect: 100-continue\r\n");
	p.flip_mac = true;
	len = build_request(&p, msg, sizeof(msg));
	write_post("request_bad_mac.http", msg, len, "");

	obtain_ticket(&kms, &ticket);
	len = build_resolve(KMS_TEST_BOB, kms_test_psk_bob, &ticket, msg, sizeof(msg));
	write_seed("resolve_responder.mikey", msg, len);
	write_post("resolve_responder.http", msg, len, "");
	len2 = build_resolve(KMS_TEST_LI, kms_test_psk_li, &ticket, msg2, sizeof(msg2));
	write_seed("resolve_li.mikey", msg2, len2);
	write_post("resolve_li.http", msg2, len2, "Connection: close\r\n");

	/* Two requests and a wrong one on one connection. */
	n = snprintf((char *)both, sizeof(both), "POST /mikey HTTP/1.1\r\n"
		     "Content-Type: application/mikey\r\nContent-Length: %zu\r\n\r\n",
		     len);
	memcpy(both + n, msg, len);
	n += (int)len;
	n += snprintf((char *)both + n, sizeof(both) - (size_t)n,
		      "GET /x HTTP/1.1\r\n\r\nPOST /mikey HTTP/1.1\r\n"
		      "Content-Type: application/mikey\r\nContent-Length: %zu\r\n\r\n",
		      len2);
	memcpy(both + n, msg2, len2);
	write_seed("pipelined.http", both, (size_t)n + len2);

	write_key_reports(&ticket);
	write_http_errors();
	kms_fini(&kms);
	kms_config_free(cfg);
	return 0;
}
