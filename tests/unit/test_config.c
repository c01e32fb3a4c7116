/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration loader. Each test writes YAML to a
 * temporary file and loads it through lime_config_load.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"

#define PSK_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Microseconds of 2026-01-01T00:00:00Z since the Unix epoch. */
#define US_2026 (INT64_C(1767225600) * 1000000)

#define AGENCY_YAML \
	"agencies:\n" \
	"  - name: lea-1\n" \
	"    hi2: 127.0.0.1:9002\n" \
	"    hi3: 127.0.0.1:9003\n"

#define KMS_YAML \
	"kms:\n" \
	"  url: https://127.0.0.1:8443/mikey\n" \
	"  ca_file: kms-ca.pem\n" \
	"  identity: sip:li-node-1@lime.test\n" \
	"  kms_identity: sip:kms@lime.test\n" \
	"  psk_hex: " PSK_HEX "\n"

static const char full_example[] =
	"lcores: \"0-1\"\n"
	"workers: 1\n"
	"ports: [\"net_af_packet0,iface=eth1\"]\n"
	"sip_ports: [5060, 5061]\n"
	"kms:\n"
	"  url: \"https://127.0.0.1:8443/mikey\"\n"
	"  ca_file: \"kms-ca.pem\"\n"
	"  cert_file: \"li.pem\"\n"
	"  key_file: \"li.key\"\n"
	"  identity: \"sip:li-node-1@lime.test\"\n"
	"  kms_identity: \"sip:kms@lime.test\"\n"
	"  psk_hex: \"" PSK_HEX "\"\n"
	"  timeout_ms: 1000\n"
	"intercepts:\n"
	"  - liid: \"LIID-0001\"\n"
	"    targets: [\"sip:alice@ims.test\", \"tel:+15550100\"]\n"
	"    start: \"2026-01-01T00:00:00Z\"\n"
	"    end: \"2027-01-01T00:00:00Z\"\n"
	"    agency: \"lea-1\"\n"
	"agencies:\n"
	"  - name: \"lea-1\"\n"
	"    hi2: \"127.0.0.1:9002\"\n"
	"    hi3: \"127.0.0.1:9003\"\n"
	"    tls: false\n"
	"    authorization_country: \"XX\"\n"
	"    delivery_country: \"XX\"\n"
	"    operator_id: \"OPER\"\n"
	"    network_element_id: \"lime-1\"\n"
	"    keepalive_s: 30\n"
	"spool_dir: \"/var/spool/lime\"\n"
	"eal_args: []\n";

static char err[512];

/* Writes YAML to a temporary file and loads it with lime_config_load. */
static struct lime_config *load_text(const char *yaml)
{
	char path[] = "/tmp/lime-test-config-XXXXXX";
	size_t len = strlen(yaml);
	struct lime_config *cfg;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, len), (ssize_t)len);
	close(fd);
	memset(err, 0, sizeof(err));
	cfg = lime_config_load(path, err, sizeof(err));
	unlink(path);
	return cfg;
}

/* Loads YAML that must be rejected and leaves the error line in err. */
static void load_invalid(const char *yaml)
{
	struct lime_config *cfg = load_text(yaml);

	if (cfg != NULL) {
		lime_config_free(cfg);
		fail_msg("configuration loaded but should fail:\n%s", yaml);
	}
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
}

static void check_contains(const char *text, const char *needle,
			   const char *file, int line)
{
	if (strstr(text, needle) == NULL) {
		print_error("expected \"%s\" in \"%s\"\n", needle, text);
		_fail(file, line);
	}
}

#define assert_contains(text, needle) \
	check_contains((text), (needle), __FILE__, __LINE__)

/* Formats YAML into a static buffer for table-driven tests. */
static const char *yaml_printf(const char *fmt, ...)
{
	static char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

/* ---- Valid configurations ---- */

static void test_full_example(void **state)
{
	struct lime_config *cfg = load_text(full_example);
	static const uint8_t psk_start[] = { 0x00, 0x01, 0x02, 0x03 };

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->lcores, "0-1");
	assert_int_equal(cfg->workers, 1);
	assert_int_equal(cfg->n_ports, 1);
	assert_string_equal(cfg->ports[0], "net_af_packet0,iface=eth1");
	assert_int_equal(cfg->n_sip_ports, 2);
	assert_int_equal(cfg->sip_ports[0], 5060);
	assert_int_equal(cfg->sip_ports[1], 5061);

	assert_true(cfg->kms.present);
	assert_string_equal(cfg->kms.url, "https://127.0.0.1:8443/mikey");
	assert_string_equal(cfg->kms.ca_file, "kms-ca.pem");
	assert_string_equal(cfg->kms.cert_file, "li.pem");
	assert_string_equal(cfg->kms.key_file, "li.key");
	assert_string_equal(cfg->kms.identity, "sip:li-node-1@lime.test");
	assert_string_equal(cfg->kms.kms_identity, "sip:kms@lime.test");
	assert_int_equal(cfg->kms.psk_len, 32);
	assert_memory_equal(cfg->kms.psk, psk_start, sizeof(psk_start));
	assert_int_equal(cfg->kms.psk[31], 0x1f);
	assert_int_equal(cfg->kms.timeout_ms, 1000);

	assert_int_equal(cfg->n_intercepts, 1);
	assert_string_equal(cfg->intercepts[0].liid, "LIID-0001");
	assert_int_equal(cfg->intercepts[0].n_targets, 2);
	assert_string_equal(cfg->intercepts[0].targets[0], "sip:alice@ims.test");
	assert_string_equal(cfg->intercepts[0].targets[1], "tel:+15550100");
	assert_int_equal(cfg->intercepts[0].start_us, US_2026);
	assert_int_equal(cfg->intercepts[0].end_us,
			 INT64_C(1798761600) * 1000000);
	assert_string_equal(cfg->intercepts[0].agency, "lea-1");

	assert_int_equal(cfg->n_agencies, 1);
	assert_string_equal(cfg->agencies[0].name, "lea-1");
	assert_string_equal(cfg->agencies[0].hi2, "127.0.0.1:9002");
	assert_string_equal(cfg->agencies[0].hi3, "127.0.0.1:9003");
	assert_false(cfg->agencies[0].tls);
	assert_null(cfg->agencies[0].ca_file);
	assert_string_equal(cfg->agencies[0].authorization_country, "XX");
	assert_string_equal(cfg->agencies[0].delivery_country, "XX");
	assert_string_equal(cfg->agencies[0].operator_id, "OPER");
	assert_string_equal(cfg->agencies[0].network_element_id, "lime-1");
	assert_int_equal(cfg->agencies[0].keepalive_s, 30);

	assert_string_equal(cfg->spool_dir, "/var/spool/lime");
	assert_int_equal(cfg->n_eal_args, 0);
	assert_null(cfg->eal_args);
	lime_config_free(cfg);
}

static void test_minimal_defaults(void **state)
{
	struct lime_config *cfg = load_text("lcores: \"0-1\"\n");

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->lcores, "0-1");
	assert_int_equal(cfg->workers, 1);
	assert_int_equal(cfg->n_ports, 0);
	assert_null(cfg->ports);
	assert_int_equal(cfg->n_sip_ports, 1);
	assert_int_equal(cfg->sip_ports[0], 5060);
	assert_false(cfg->kms.present);
	assert_null(cfg->kms.url);
	assert_null(cfg->kms.psk);
	assert_int_equal(cfg->kms.psk_len, 0);
	assert_int_equal(cfg->kms.timeout_ms, 1000);
	assert_int_equal(cfg->n_intercepts, 0);
	assert_null(cfg->intercepts);
	assert_int_equal(cfg->n_agencies, 0);
	assert_null(cfg->agencies);
	assert_string_equal(cfg->spool_dir, "/var/spool/lime");
	assert_int_equal(cfg->n_eal_args, 0);
	assert_int_equal(cfg->stats_interval_s, 10);
	assert_int_equal(cfg->mbufs, 16383);
	assert_int_equal(cfg->rx_ring_size, 1024);
	assert_int_equal(cfg->sip_ring_size, 4096);
	assert_int_equal(cfg->worker_ring_size, 4096);
	assert_int_equal(cfg->max_flows, 65536);
	assert_int_equal(cfg->frag_max_datagrams, 1000);
	assert_int_equal(cfg->frag_timeout_ms, 2000);
	assert_int_equal(cfg->tcp_max_streams, 65536);
	assert_int_equal(cfg->tcp_max_stream_bytes, 262144);
	assert_int_equal(cfg->tcp_max_total_bytes, 268435456);
	assert_int_equal(cfg->tcp_idle_timeout_s, 3600);
	assert_int_equal(cfg->sip_max_message, 65535);
	assert_int_equal(cfg->vxlan_port, 4789);
	lime_config_free(cfg);
}

static void test_tuning_keys(void **state)
{
	struct lime_config *cfg = load_text(
		"lcores: 0-3\n"
		"workers: 3\n"
		"stats_interval_s: 0\n"
		"mbufs: 65535\n"
		"rx_ring_size: 2048\n"
		"sip_ring_size: 8192\n"
		"worker_ring_size: 1024\n"
		"max_flows: 1000\n"
		"frag_max_datagrams: 100\n"
		"frag_timeout_ms: 500\n"
		"tcp_max_streams: 10\n"
		"tcp_max_stream_bytes: 131072\n"
		"tcp_max_total_bytes: 8589934592\n"
		"tcp_idle_timeout_s: 60\n"
		"sip_max_message: 8192\n"
		"vxlan_port: 0\n"
		"eal_args: [\"--file-prefix\", \"lime\", \"--file-prefix\", \"x\"]\n");

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->workers, 3);
	assert_int_equal(cfg->stats_interval_s, 0);
	assert_int_equal(cfg->mbufs, 65535);
	assert_int_equal(cfg->rx_ring_size, 2048);
	assert_int_equal(cfg->sip_ring_size, 8192);
	assert_int_equal(cfg->worker_ring_size, 1024);
	assert_int_equal(cfg->max_flows, 1000);
	assert_int_equal(cfg->frag_max_datagrams, 100);
	assert_int_equal(cfg->frag_timeout_ms, 500);
	assert_int_equal(cfg->tcp_max_streams, 10);
	assert_int_equal(cfg->tcp_max_stream_bytes, 131072);
	assert_int_equal(cfg->tcp_max_total_bytes, UINT64_C(8589934592));
	assert_int_equal(cfg->tcp_idle_timeout_s, 60);
	assert_int_equal(cfg->sip_max_message, 8192);
	assert_int_equal(cfg->vxlan_port, 0);
	assert_int_equal(cfg->n_eal_args, 4);
	assert_string_equal(cfg->eal_args[3], "x");
	lime_config_free(cfg);
}

static void test_load_buffer(void **state)
{
	/* No NUL terminator: the loader must stop at len. */
	static const char text[] = { 'l', 'c', 'o', 'r', 'e', 's', ':', ' ',
				     '0', '-', '1', '\n' };
	struct lime_config *cfg;

	(void)state;
	cfg = lime_config_load_buffer(text, sizeof(text), err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->lcores, "0-1");
	lime_config_free(cfg);
}

static void test_null_lists_empty(void **state)
{
	struct lime_config *cfg = load_text(
		"lcores: 0-1\n"
		"ports:\n"
		"intercepts:\n"
		"agencies: []\n"
		"eal_args: ~\n");

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->n_ports, 0);
	assert_int_equal(cfg->n_intercepts, 0);
	assert_int_equal(cfg->n_agencies, 0);
	assert_int_equal(cfg->n_eal_args, 0);
	lime_config_free(cfg);
}

static void test_agency_tls(void **state)
{
	struct lime_config *cfg = load_text(
		"lcores: 0-1\n"
		"agencies:\n"
		"  - name: lea-1\n"
		"    hi2: lemf.example:9002\n"
		"    hi3: lemf.example:9003\n"
		"    tls: true\n"
		"    ca_file: lea-ca.pem\n"
		"    cert_file: lime.pem\n"
		"    key_file: lime.key\n"
		"    keepalive_s: 0\n");

	(void)state;
	assert_non_null(cfg);
	assert_true(cfg->agencies[0].tls);
	assert_string_equal(cfg->agencies[0].ca_file, "lea-ca.pem");
	assert_string_equal(cfg->agencies[0].cert_file, "lime.pem");
	assert_string_equal(cfg->agencies[0].key_file, "lime.key");
	assert_int_equal(cfg->agencies[0].keepalive_s, 0);
	assert_null(cfg->agencies[0].operator_id);
	lime_config_free(cfg);
}

static void test_host_port_forms(void **state)
{
	static const char *const valid[] = {
		"[::1]:9002",
		"[2001:db8::10]:65535",
		"[::ffff:192.0.2.1]:1",
		"192.0.2.10:9002",
		"lemf.example:9002",
		"localhost:9002",
		"a-b.c1.example:80",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct lime_config *cfg = load_text(yaml_printf(
			"lcores: 0-1\n"
			"agencies:\n"
			"  - name: lea-1\n"
			"    hi2: \"%s\"\n"
			"    hi3: \"%s\"\n", valid[i], valid[i]));

		if (cfg == NULL)
			fail_msg("\"%s\" rejected: %s", valid[i], err);
		assert_string_equal(cfg->agencies[0].hi2, valid[i]);
		lime_config_free(cfg);
	}
}

struct timestamp_case {
	const char *text;
	int64_t us;
};

static void test_timestamp_forms(void **state)
{
	static const struct timestamp_case cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-01-01T00:00:00Z", US_2026 },
		{ "2026-01-01T02:00:00+02:00", US_2026 },
		{ "2025-12-31T19:00:00-05:00", US_2026 },
		{ "2026-01-01T05:30:00+05:30", US_2026 },
		{ "2026-01-01t00:00:00z", US_2026 },
		{ "2026-01-01T00:00:00.5Z", US_2026 + 500000 },
		{ "2026-01-01T00:00:00.000001Z", US_2026 + 1 },
		{ "2026-01-01T00:00:00.123456789Z", US_2026 + 123456 },
		{ "2026-01-01T01:00:00.25+01:00", US_2026 + 250000 },
		{ "1969-12-31T23:59:59Z", -1000000 },
		{ "2000-02-29T12:00:00Z", INT64_C(951825600) * 1000000 },
		{ "1900-01-01T00:00:00Z", INT64_C(-2208988800) * 1000000 },
		{ "0001-01-01T00:00:00Z", INT64_C(-62135596800) * 1000000 },
		{ "9999-12-31T23:59:59.999999Z",
		  INT64_C(253402300799) * 1000000 + 999999 },
		{ "2016-12-31T23:59:60Z", INT64_C(1483228800) * 1000000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lime_config *cfg = load_text(yaml_printf(
			"lcores: 0-1\n"
			"intercepts:\n"
			"  - liid: L1\n"
			"    targets: [sip:a@b]\n"
			"    start: \"%s\"\n"
			"    agency: lea-1\n"
			AGENCY_YAML, cases[i].text));

		if (cfg == NULL)
			fail_msg("\"%s\" rejected: %s", cases[i].text, err);
		if (cfg->intercepts[0].start_us != cases[i].us)
			fail_msg("\"%s\": got %" PRId64 " us, expected %" PRId64,
				 cases[i].text, cfg->intercepts[0].start_us,
				 cases[i].us);
		assert_int_equal(cfg->intercepts[0].end_us, INT64_MAX);
		lime_config_free(cfg);
	}
}

static void test_example_file(void **state)
{
	const char *root = getenv("LIME_SOURCE_ROOT");
	struct lime_config *cfg;
	char path[4096];

	(void)state;
	if (root == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/deploy/lime.example.yaml", root);
	cfg = lime_config_load(path, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s: %s", path, err);
	assert_true(cfg->kms.present);
	assert_int_equal(cfg->n_intercepts, 1);
	assert_int_equal(cfg->n_agencies, 1);
	lime_config_free(cfg);
}

/* ---- Errors: keys ---- */

static void test_unknown_top_key(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nagencys: []\n");
	assert_contains(err, "line 2: ");
	assert_contains(err, "unknown key \"agencys\" at top level");
	assert_contains(err, "docs/config.md");
}

static void test_unknown_nested_keys(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n" KMS_YAML "  proxy: x\n");
	assert_contains(err, "unknown key \"proxy\" in kms");

	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    target: [sip:a@b]\n");
	assert_contains(err, "unknown key \"target\" in intercepts[0]");

	load_invalid("lcores: 0-1\n" AGENCY_YAML "    hi4: 127.0.0.1:1\n");
	assert_contains(err, "unknown key \"hi4\" in agencies[0]");
}

static void test_missing_lcores(void **state)
{
	(void)state;
	load_invalid("workers: 1\n");
	assert_contains(err, "missing required key \"lcores\" at top level");
}

static void test_missing_kms_keys(void **state)
{
	static const char *const lines[][2] = {
		{ "url", "  url: https://kms.example/mikey\n" },
		{ "ca_file", "  ca_file: ca.pem\n" },
		{ "identity", "  identity: sip:li@lime.test\n" },
		{ "kms_identity", "  kms_identity: sip:kms@lime.test\n" },
		{ "psk_hex", "  psk_hex: " PSK_HEX "\n" },
	};
	const size_t n = sizeof(lines) / sizeof(lines[0]);

	(void)state;
	for (size_t skip_index = 0; skip_index < n; skip_index++) {
		char yaml[1024] = "lcores: 0-1\nkms:\n";
		char expected[64];

		for (size_t i = 0; i < n; i++) {
			if (i != skip_index)
				strcat(yaml, lines[i][1]);
		}
		load_invalid(yaml);
		snprintf(expected, sizeof(expected),
			 "missing required key \"%s\" in kms", lines[skip_index][0]);
		assert_contains(err, expected);
	}
}

/* skew_s, rate_limit, source_rate_limit and retries: defaults, values
 * and their ranges. */
static void test_kms_tuning_keys(void **state)
{
	static const struct {
		const char *line;
		const char *key;
	} out_of_range[] = {
		{ "  skew_s: 86401\n", "kms.skew_s" },
		{ "  rate_limit: 1000001\n", "kms.rate_limit" },
		{ "  source_rate_limit: -1\n", "kms.source_rate_limit" },
		{ "  retries: 11\n", "kms.retries" },
	};
	struct lime_config *cfg;

	(void)state;
	cfg = load_text("lcores: 0-1\n" KMS_YAML);
	assert_non_null(cfg);
	assert_int_equal(cfg->kms.skew_s, 300);
	assert_int_equal(cfg->kms.rate_limit, 50);
	assert_int_equal(cfg->kms.source_rate_limit, 5);
	assert_int_equal(cfg->kms.retries, 2);
	lime_config_free(cfg);

	cfg = load_text("lcores: 0-1\n" KMS_YAML "  skew_s: 0\n  rate_limit: 200\n"
			"  source_rate_limit: 0\n  retries: 0\n");
	assert_non_null(cfg);
	assert_int_equal(cfg->kms.skew_s, 0);
	assert_int_equal(cfg->kms.rate_limit, 200);
	assert_int_equal(cfg->kms.source_rate_limit, 0);
	assert_int_equal(cfg->kms.retries, 0);
	lime_config_free(cfg);

	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n" KMS_YAML "%s", out_of_range[i].line));
		assert_contains(err, out_of_range[i].key);
	}

	cfg = load_text("lcores: 0-1\n" KMS_YAML "  mode: both\n");
	assert_non_null(cfg);
	assert_string_equal(cfg->kms.mode, "both");
	lime_config_free(cfg);
	load_invalid("lcores: 0-1\n" KMS_YAML "  mode: signaling\n");
	assert_contains(err, "signaling");
}

static void test_delivery_keys(void **state)
{
	struct lime_config *cfg;

	(void)state;
	cfg = load_text("lcores: 0-1\n");
	assert_non_null(cfg);
	assert_int_equal(cfg->spool_quota_mb, 0);
	assert_int_equal(cfg->keepalive_wait_s, 5);
	assert_int_equal(cfg->delivery_memory_mb, 64);
	assert_null(cfg->io_backend);
	lime_config_free(cfg);

	cfg = load_text("lcores: 0-1\nspool_quota_mb: 100\nkeepalive_wait_s: 2\n"
			"delivery_memory_mb: 8\nio_backend: epoll\n");
	assert_non_null(cfg);
	assert_int_equal(cfg->spool_quota_mb, 100);
	assert_int_equal(cfg->keepalive_wait_s, 2);
	assert_int_equal(cfg->delivery_memory_mb, 8);
	assert_string_equal(cfg->io_backend, "epoll");
	lime_config_free(cfg);

	load_invalid("lcores: 0-1\nio_backend: uring\n");
	assert_contains(err, "io_backend");
	load_invalid("lcores: 0-1\nkeepalive_wait_s: 0\n");
	assert_contains(err, "keepalive_wait_s");
}

static void test_missing_intercept_keys(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - targets: [sip:a@b]\n"
		     "    agency: lea-1\n" AGENCY_YAML);
	assert_contains(err, "missing required key \"liid\" in intercepts[0]");

	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    agency: lea-1\n" AGENCY_YAML);
	assert_contains(err, "missing required key \"targets\" in intercepts[0]");

	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    targets: [sip:a@b]\n" AGENCY_YAML);
	assert_contains(err, "missing required key \"agency\" in intercepts[0]");
}

static void test_empty_targets(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    targets: []\n"
		     "    agency: lea-1\n" AGENCY_YAML);
	assert_contains(err, "intercepts[0].targets is empty");
}

static void test_missing_agency_keys(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nagencies:\n"
		     "  - hi2: 127.0.0.1:1\n    hi3: 127.0.0.1:2\n");
	assert_contains(err, "missing required key \"name\" in agencies[0]");

	load_invalid("lcores: 0-1\nagencies:\n"
		     "  - name: a\n    hi3: 127.0.0.1:2\n");
	assert_contains(err, "missing required key \"hi2\" in agencies[0]");

	load_invalid("lcores: 0-1\nagencies:\n"
		     "  - name: a\n    hi2: 127.0.0.1:2\n");
	assert_contains(err, "missing required key \"hi3\" in agencies[0]");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworkers: 1\nlcores: 0-2\n");
	assert_contains(err, "line 3: ");
	assert_contains(err, "duplicate key \"lcores\"");

	load_invalid("lcores: 0-1\n" KMS_YAML "  url: https://other/\n");
	assert_contains(err, "duplicate key \"kms.url\"");
}

static void test_duplicate_liid(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    targets: [sip:a@b]\n"
		     "    agency: lea-1\n"
		     "  - liid: L1\n"
		     "    targets: [sip:c@d]\n"
		     "    agency: lea-1\n" AGENCY_YAML);
	assert_contains(err, "line 6: ");
	assert_contains(err, "intercepts[1].liid \"L1\"");
	assert_contains(err, "unique");
}

static void test_duplicate_agency(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "  - name: lea-1\n"
		     "    hi2: 127.0.0.1:1\n"
		     "    hi3: 127.0.0.1:2\n");
	assert_contains(err, "line 6: ");
	assert_contains(err, "agencies[1].name \"lea-1\"");
}

static void test_unknown_agency(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    targets: [sip:a@b]\n"
		     "    agency: lea-2\n" AGENCY_YAML);
	assert_contains(err, "line 5: ");
	assert_contains(err, "intercepts[0].agency \"lea-2\"");
	assert_contains(err, "agencies");
}

static void test_alias_rejected(void **state)
{
	(void)state;
	load_invalid("lcores: &cores 0-1\nspool_dir: *cores\n");
	assert_contains(err, "alias");
}

static void test_second_document(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n---\nlcores: 0-2\n");
	assert_contains(err, "line 2: ");
	assert_contains(err, "second YAML document");
}

/* ---- Errors: types and values ---- */

static void test_list_for_scalar(void **state)
{
	(void)state;
	load_invalid("lcores: [0, 1]\n");
	assert_contains(err, "lcores must be a scalar value, not a list");
}

static void test_scalar_for_list(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nsip_ports: 5060\n");
	assert_contains(err, "sip_ports must be a list, not a scalar");
}

static void test_scalar_for_mapping(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nkms: https://kms\n");
	assert_contains(err, "kms must be a mapping");

	load_invalid("lcores: 0-1\nintercepts: [L1]\n");
	assert_contains(err, "intercepts[0] must be a mapping");

	load_invalid("- lcores: 0-1\n");
	assert_contains(err, "must be a mapping");
}

static void test_null_scalar(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nspool_dir:\n");
	assert_contains(err, "spool_dir has no value");

	load_invalid("lcores: 0-1\nspool_dir: \"\"\n");
	assert_contains(err, "spool_dir is empty");
}

static void test_non_integer(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworkers: two\n");
	assert_contains(err, "line 2: ");
	assert_contains(err, "invalid value \"two\" for workers: not a decimal "
			"integer");

	load_invalid("lcores: 0-1\nmbufs: 0x4000\n");
	assert_contains(err, "for mbufs: not a decimal integer");
}

static void test_out_of_range(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nvxlan_port: 65536\n");
	assert_contains(err, "invalid value \"65536\" for vxlan_port: out of "
			"range; use an integer from 0 to 65535");

	load_invalid("lcores: 0-1\ntcp_max_total_bytes: 18446744073709551616\n");
	assert_contains(err, "for tcp_max_total_bytes: out of range");

	load_invalid("lcores: 0-1\n" KMS_YAML "  timeout_ms: 0\n");
	assert_contains(err, "for kms.timeout_ms: out of range");
}

static void test_negative_integer(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nstats_interval_s: -5\n");
	assert_contains(err, "invalid value \"-5\" for stats_interval_s: "
			"negative numbers are not allowed");
}

static void test_workers_zero(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworkers: 0\n");
	assert_contains(err, "invalid value \"0\" for workers: out of range");
}

static void test_workers_need_lcores(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworkers: 2\n");
	assert_contains(err, "workers is 2 but lcores \"0-1\" lists 2 lcores");
}

static void test_bad_lcores(void **state)
{
	static const char *const values[] = {
		"0-", "a", "1-0", "0,0", "0-2,1", "0,", "-1", "0 1", "65536",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		load_invalid(yaml_printf("lcores: \"%s\"\n", values[i]));
		assert_contains(err, "for lcores: expected a DPDK lcore list");
	}
}

static void test_bool_value(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n" AGENCY_YAML "    tls: yes\n");
	assert_contains(err, "invalid value \"yes\" for agencies[0].tls: use "
			"true or false");
}

static void test_sip_port_range(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nsip_ports: [5060, 0]\n");
	assert_contains(err, "invalid value \"0\" for sip_ports[1]: out of range");

	load_invalid("lcores: 0-1\nsip_ports: [65536]\n");
	assert_contains(err, "invalid value \"65536\" for sip_ports[0]");
}

static void test_too_many_sip_ports(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nsip_ports: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "
		     "11, 12, 13, 14, 15, 16, 17]\n");
	assert_contains(err, "sip_ports has 17 ports; at most 16 are allowed");
}

static void test_sip_ports_checks(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nsip_ports: [5060, 5060]\n");
	assert_contains(err, "sip_ports[1] repeats port 5060");

	load_invalid("lcores: 0-1\nsip_ports: []\n");
	assert_contains(err, "sip_ports is empty");
}

static void test_too_many_ports(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nports: [a, b, c, d, e, f, g, h, i, j, k, l, "
		     "m, n, o, p, q]\n");
	assert_contains(err, "ports has 17 entries; at most 16 are allowed");

	load_invalid("lcores: 0-1\nports: [a, a]\n");
	assert_contains(err, "ports[1] repeats \"a\"");
}

static void test_bad_targets(void **state)
{
	static const char *const values[] = {
		"http://alice", "alice@ims.test", "SIP:alice@ims.test", "sip:",
		"tel:", "sip:alice @ims.test",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n"
					 "intercepts:\n"
					 "  - liid: L1\n"
					 "    targets: [sip:ok@b, \"%s\"]\n"
					 "    agency: lea-1\n" AGENCY_YAML,
					 values[i]));
		assert_contains(err, "for intercepts[0].targets[1]");
		assert_contains(err, "sip:, sips: or tel:");
	}
}

static void test_duplicate_target(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n"
		     "intercepts:\n"
		     "  - liid: L1\n"
		     "    targets: [sip:a@b, sip:a@b]\n"
		     "    agency: lea-1\n" AGENCY_YAML);
	assert_contains(err, "intercepts[0].targets[1] repeats \"sip:a@b\"");
}

static void test_target_not_matchable(void **state)
{
	static const struct {
		const char *value;
		const char *reason;
	} cases[] = {
		{ "sip:ims.test", "a sip: or sips: target needs a user part" },
		{ "sips:ims.test:5061", "a sip: or sips: target needs a user part" },
		{ "tel:5550100", "a local number needs a phone-context parameter" },
		{ "tel:555-0100;ext=1", "a local number needs a phone-context" },
		{ "sip:alice@", "not a valid URI" },
		{ "sip:@ims.test", "not a valid URI" },
		{ "sip:alice@ims.test:99999", "not a valid URI" },
		{ "sip:alice@[2001:db8::1", "not a valid URI" },
	};
	char quoted[96];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n"
					 "intercepts:\n"
					 "  - liid: L1\n"
					 "    targets: [sip:ok@b, \"%s\"]\n"
					 "    agency: lea-1\n" AGENCY_YAML,
					 cases[i].value));
		snprintf(quoted, sizeof(quoted), "invalid value \"%s\"",
			 cases[i].value);
		assert_contains(err, quoted);
		assert_contains(err, "for intercepts[0].targets[1]: ");
		assert_contains(err, cases[i].reason);
		assert_contains(err, "e.g. \"");
	}
}

static void test_target_forms_accepted(void **state)
{
	static const char *const values[] = {
		"sip:alice@ims.test:5060;transport=tcp",
		"sips:alice@ims.test",
		"sip:alice@[2001:db8::1]",
		"sip:+15550100@ims.test;user=phone",
		"sip:%61lice@ims.test",
		"tel:+1-555-0100",
		"tel:5550100;phone-context=ims.test",
		"tel:5550100;phone-context=+1-212",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct lime_config *cfg = load_text(
			yaml_printf("lcores: 0-1\n"
				    "intercepts:\n"
				    "  - liid: L1\n"
				    "    targets: [\"%s\"]\n"
				    "    agency: lea-1\n" AGENCY_YAML,
				    values[i]));

		if (cfg == NULL)
			fail_msg("target \"%s\" rejected: %s", values[i], err);
		assert_string_equal(cfg->intercepts[0].targets[0], values[i]);
		lime_config_free(cfg);
	}
}

/* Loads one intercept with this LIID, written as a YAML double-quoted
 * string so that escapes such as \t work. */
static struct lime_config *load_liid(const char *liid)
{
	return load_text(yaml_printf("lcores: 0-1\n"
				     "intercepts:\n"
				     "  - liid: \"%s\"\n"
				     "    targets: [sip:a@b]\n"
				     "    agency: lea-1\n" AGENCY_YAML, liid));
}

static void test_liid_length(void **state)
{
	static const char max_liid[] = "LIID-678901234567890123X5";
	static const char long_liid[] = "LIID-678901234567890123X56";
	struct lime_config *cfg;

	(void)state;
	assert_int_equal(strlen(max_liid), 25);
	cfg = load_liid(max_liid);
	assert_non_null(cfg);
	assert_string_equal(cfg->intercepts[0].liid, max_liid);
	lime_config_free(cfg);

	cfg = load_liid("1");
	assert_non_null(cfg);
	lime_config_free(cfg);

	load_invalid(yaml_printf("lcores: 0-1\n"
				 "intercepts:\n"
				 "  - liid: %s\n"
				 "    targets: [sip:a@b]\n"
				 "    agency: lea-1\n" AGENCY_YAML, long_liid));
	assert_contains(err, "line 3: ");
	assert_contains(err, "invalid value \"LIID-678901234567890123X56\" "
			"for intercepts[0].liid");
	assert_contains(err, "26 bytes long");
	assert_contains(err, "at most 25");
}

static void test_liid_characters(void **state)
{
	static const char *const values[] = {
		"LIID 1", "LIID\\t1", "LIID-\\u00e9", "LIID\\x7f",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct lime_config *cfg = load_liid(values[i]);

		if (cfg != NULL) {
			lime_config_free(cfg);
			fail_msg("LIID \"%s\" accepted", values[i]);
		}
		print_message("case %zu: %s\n", i, err);
		assert_contains(err, "for intercepts[0].liid");
		assert_contains(err, "contains a space, control or non-ASCII "
				"character");
		assert_contains(err, "1 to 25 printable ASCII characters");
		assert_null(strchr(err, '\t'));
	}

	load_invalid(yaml_printf("lcores: 0-1\n"
				 "intercepts:\n"
				 "  - liid: \"\"\n"
				 "    targets: [sip:a@b]\n"
				 "    agency: lea-1\n" AGENCY_YAML));
	assert_contains(err, "intercepts[0].liid is empty");
}

static void test_start_not_before_end(void **state)
{
	static const char *const windows[][2] = {
		{ "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z" },
		{ "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z" },
		{ "2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n"
					 "intercepts:\n"
					 "  - liid: L1\n"
					 "    targets: [sip:a@b]\n"
					 "    start: \"%s\"\n"
					 "    end: \"%s\"\n"
					 "    agency: lea-1\n" AGENCY_YAML,
					 windows[i][0], windows[i][1]));
		assert_contains(err, "line 5: ");
		assert_contains(err, "intercepts[0].start (");
		assert_contains(err, ") is not before intercepts[0].end (");
	}
}

static void test_bad_timestamps(void **state)
{
	static const char *const values[] = {
		"2026-01-01",
		"2026-01-01T00:00:00",
		"2026-01-01 00:00:00Z",
		"2026-1-01T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-01-01T24:00:00Z",
		"2026-01-01T00:60:00Z",
		"2026-01-01T00:00:61Z",
		"2026-01-01T00:00:00.Z",
		"2026-01-01T00:00:00+0100",
		"2026-01-01T00:00:00+24:00",
		"2026-01-01T00:00:00+01:60",
		"2026-01-01T00:00:00Zjunk",
		"1767225600",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n"
					 "intercepts:\n"
					 "  - liid: L1\n"
					 "    targets: [sip:a@b]\n"
					 "    end: \"%s\"\n"
					 "    agency: lea-1\n" AGENCY_YAML,
					 values[i]));
		assert_contains(err, "for intercepts[0].end: not an RFC 3339 "
				"timestamp");
	}
}

static void test_psk_odd_length(void **state)
{
	(void)state;
	load_invalid(yaml_printf("lcores: 0-1\nkms:\n"
				 "  url: https://k/\n  ca_file: c\n"
				 "  identity: sip:a@b\n  kms_identity: sip:k@b\n"
				 "  psk_hex: %s0\n", PSK_HEX));
	assert_contains(err, "invalid kms.psk_hex");
	assert_contains(err, "even number of hex digits");
}

static void test_psk_not_hex(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nkms:\n"
		     "  url: https://k/\n  ca_file: c\n"
		     "  identity: sip:a@b\n  kms_identity: sip:k@b\n"
		     "  psk_hex: 00112233445566778899aabbccddeeXX\n");
	assert_contains(err, "invalid kms.psk_hex");
	assert_null(strstr(err, "00112233"));
}

static void test_psk_too_short(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nkms:\n"
		     "  url: https://k/\n  ca_file: c\n"
		     "  identity: sip:a@b\n  kms_identity: sip:k@b\n"
		     "  psk_hex: 00112233445566778899aabbccddee\n");
	assert_contains(err, "kms.psk_hex is 15 bytes long; use at least 16");
	assert_null(strstr(err, "00112233"));
}

static void test_bad_host_port(void **state)
{
	static const char *const values[] = {
		"127.0.0.1",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:",
		"127.0.0.1:90a",
		"127.0.0.1:-1",
		":9002",
		"::1:9002",
		"[::1]9002",
		"[::1]:",
		"[zz::1]:9002",
		"[]:9002",
		"999.0.0.1:9002",
		"1.2.3:9002",
		"host_name:9002",
		"-lemf.example:9002",
		"lemf..example:9002",
		"lemf.example.:9002",
		"lemf example:9002",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		load_invalid(yaml_printf("lcores: 0-1\n"
					 "agencies:\n"
					 "  - name: lea-1\n"
					 "    hi2: 127.0.0.1:9002\n"
					 "    hi3: \"%s\"\n", values[i]));
		assert_contains(err, "line 5: ");
		assert_contains(err, "for agencies[0].hi3: expected host:port");
	}
}

static void test_tls_settings(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n" AGENCY_YAML "    tls: true\n");
	assert_contains(err, "agencies[0] has tls: true but no ca_file");

	load_invalid("lcores: 0-1\n" AGENCY_YAML "    ca_file: ca.pem\n");
	assert_contains(err, "agencies[0].ca_file is set but agencies[0].tls "
			"is false");

	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "    tls: true\n    ca_file: ca.pem\n    cert_file: c.pem\n");
	assert_contains(err, "agencies[0] has cert_file without key_file");

	load_invalid("lcores: 0-1\n" KMS_YAML "  key_file: li.key\n");
	assert_contains(err, "kms has key_file without cert_file");
}

static void test_country_code(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "    delivery_country: deu\n");
	assert_contains(err, "for agencies[0].delivery_country: expected an "
			"ISO 3166-1 alpha-2");
}

static void test_agency_oids(void **state)
{
	struct lime_config *cfg = load_text("lcores: 0-1\n" AGENCY_YAML);
	struct etsi_oids defaults;
	char text[128];

	(void)state;
	assert_non_null(cfg);
	etsi_oids_default(&defaults);
	assert_true(etsi_oid_equal(&cfg->agencies[0].oids.domain_id,
				   &defaults.domain_id));
	assert_true(etsi_oid_equal(&cfg->agencies[0].oids.ipmm_iri,
				   &defaults.ipmm_iri));
	assert_true(etsi_oid_equal(&cfg->agencies[0].oids.ipmm_cc,
				   &defaults.ipmm_cc));
	lime_config_free(cfg);

	cfg = load_text("lcores: 0-1\n" AGENCY_YAML
			"    oid_domain_id: \"0.4.0.2.2.5.1.14\"\n"
			"    oid_ipmm_iri: 5.5.13.1\n"
			"    oid_ipmm_cc: \"5.5.200.2\"\n");
	if (cfg == NULL)
		fail_msg("OIDs rejected: %s", err);
	etsi_oid_format(&cfg->agencies[0].oids.domain_id, text, sizeof(text));
	assert_string_equal(text, "0.4.0.2.2.5.1.14");
	etsi_oid_format(&cfg->agencies[0].oids.ipmm_iri, text, sizeof(text));
	assert_string_equal(text, "5.5.13.1");
	etsi_oid_format(&cfg->agencies[0].oids.ipmm_cc, text, sizeof(text));
	assert_string_equal(text, "5.5.200.2");
	lime_config_free(cfg);

	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "    oid_domain_id: \"0.4.0.2.x\"\n");
	assert_contains(err, "invalid value \"0.4.0.2.x\" for "
			"agencies[0].oid_domain_id: expected an object "
			"identifier");
	assert_null(strchr(err, '\n'));

	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "    oid_domain_id: \"5.5.6.1\"\n");
	assert_contains(err, "for agencies[0].oid_domain_id");

	load_invalid("lcores: 0-1\n" AGENCY_YAML
		     "    oid_ipmm_cc: \"5..6.2\"\n");
	assert_contains(err, "for agencies[0].oid_ipmm_cc: expected a relative "
			"object identifier");
}

static void test_kms_values(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nkms:\n"
		     "  url: http://127.0.0.1:8080/mikey\n  ca_file: c\n"
		     "  identity: sip:a@b\n  kms_identity: sip:k@b\n"
		     "  psk_hex: " PSK_HEX "\n");
	assert_contains(err, "for kms.url: expected an https:// URL");

	load_invalid("lcores: 0-1\nkms:\n"
		     "  url: https://k/\n  ca_file: c\n"
		     "  identity: li-node-1\n  kms_identity: sip:k@b\n"
		     "  psk_hex: " PSK_HEX "\n");
	assert_contains(err, "for kms.identity: expected a URI");
}

static void test_ring_power_of_two(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworker_ring_size: 3000\n");
	assert_contains(err, "for worker_ring_size: not a power of two");
}

static void test_tcp_limits(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\ntcp_max_stream_bytes: 4096\n");
	assert_contains(err, "tcp_max_stream_bytes (4096) is less than "
			"sip_max_message (65535)");

	load_invalid("lcores: 0-1\ntcp_max_total_bytes: 65536\n");
	assert_contains(err, "tcp_max_total_bytes (65536) is less than "
			"tcp_max_stream_bytes");
}

/* ---- Errors: files and syntax ---- */

static void test_yaml_syntax(void **state)
{
	(void)state;
	load_invalid("lcores: 0-1\nworkers: 1\nspool_dir: a: b\n");
	assert_contains(err, "line 3: invalid YAML");

	load_invalid("lcores: \"0-1\nworkers: 1\n");
	assert_contains(err, "invalid YAML");
	assert_contains(err, "on line 1");
}

static void test_missing_file(void **state)
{
	struct lime_config *cfg;

	(void)state;
	cfg = lime_config_load("/nonexistent/lime.yaml", err, sizeof(err));
	assert_null(cfg);
	assert_contains(err, "cannot open config file \"/nonexistent/lime.yaml\"");
	assert_contains(err, "No such file or directory");
}

static void test_directory_path(void **state)
{
	struct lime_config *cfg;

	(void)state;
	cfg = lime_config_load("/", err, sizeof(err));
	assert_null(cfg);
	assert_contains(err, "is a directory");
}

static void test_empty_file(void **state)
{
	(void)state;
	load_invalid("");
	assert_contains(err, "the configuration is empty");

	load_invalid("# only a comment\n");
	assert_contains(err, "the configuration is empty");
}

static void test_error_single_line(void **state)
{
	(void)state;
	load_invalid("lcores: \"0\\n1\\r\"\n");
	assert_null(strchr(err, '\r'));
	assert_contains(err, "for lcores");
}

static void test_small_error_buffer(void **state)
{
	char small[8];
	struct lime_config *cfg;

	(void)state;
	cfg = lime_config_load_buffer("x: 1", 4, small, sizeof(small));
	assert_null(cfg);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	cfg = lime_config_load_buffer("x: 1", 4, NULL, 0);
	assert_null(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_tuning_keys),
		cmocka_unit_test(test_load_buffer),
		cmocka_unit_test(test_null_lists_empty),
		cmocka_unit_test(test_agency_tls),
		cmocka_unit_test(test_host_port_forms),
		cmocka_unit_test(test_timestamp_forms),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_unknown_top_key),
		cmocka_unit_test(test_unknown_nested_keys),
		cmocka_unit_test(test_missing_lcores),
		cmocka_unit_test(test_missing_kms_keys),
		cmocka_unit_test(test_kms_tuning_keys),
		cmocka_unit_test(test_delivery_keys),
		cmocka_unit_test(test_missing_intercept_keys),
		cmocka_unit_test(test_empty_targets),
		cmocka_unit_test(test_missing_agency_keys),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_duplicate_liid),
		cmocka_unit_test(test_duplicate_agency),
		cmocka_unit_test(test_unknown_agency),
		cmocka_unit_test(test_alias_rejected),
		cmocka_unit_test(test_second_document),
		cmocka_unit_test(test_list_for_scalar),
		cmocka_unit_test(test_scalar_for_list),
		cmocka_unit_test(test_scalar_for_mapping),
		cmocka_unit_test(test_null_scalar),
		cmocka_unit_test(test_non_integer),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_negative_integer),
		cmocka_unit_test(test_workers_zero),
		cmocka_unit_test(test_workers_need_lcores),
		cmocka_unit_test(test_bad_lcores),
		cmocka_unit_test(test_bool_value),
		cmocka_unit_test(test_sip_port_range),
		cmocka_unit_test(test_too_many_sip_ports),
		cmocka_unit_test(test_sip_ports_checks),
		cmocka_unit_test(test_too_many_ports),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_duplicate_target),
		cmocka_unit_test(test_target_not_matchable),
		cmocka_unit_test(test_target_forms_accepted),
		cmocka_unit_test(test_liid_length),
		cmocka_unit_test(test_liid_characters),
		cmocka_unit_test(test_start_not_before_end),
		cmocka_unit_test(test_bad_timestamps),
		cmocka_unit_test(test_psk_odd_length),
		cmocka_unit_test(test_psk_not_hex),
		cmocka_unit_test(test_psk_too_short),
		cmocka_unit_test(test_bad_host_port),
		cmocka_unit_test(test_tls_settings),
		cmocka_unit_test(test_country_code),
		cmocka_unit_test(test_agency_oids),
		cmocka_unit_test(test_kms_values),
		cmocka_unit_test(test_ring_power_of_two),
		cmocka_unit_test(test_tcp_limits),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory_path),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_error_single_line),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
