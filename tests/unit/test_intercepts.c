/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of intercept matching. Each test loads a configuration from
 * YAML text, compiles its intercepts and matches URIs against them.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/intercepts.h"
#include "lib/sip/sip_msg.h"
#include "lib/sip/sip_target.h"

#define AGENCY_YAML \
	"agencies:\n" \
	"  - name: lea-1\n" \
	"    hi2: 127.0.0.1:9002\n" \
	"    hi3: 127.0.0.1:9003\n"

/* Microseconds of 2026-01-01T00:00:00Z and 2027-01-01T00:00:00Z. */
#define US_2026 (INT64_C(1767225600) * 1000000)
#define US_2027 (INT64_C(1798761600) * 1000000)

static char err[512];

static struct lime_config *load_config(const char *yaml)
{
	struct lime_config *cfg;

	memset(err, 0, sizeof(err));
	cfg = lime_config_load_buffer(yaml, strlen(yaml), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("configuration rejected: %s", err);
	return cfg;
}

static struct intercept_set *build_set(const struct lime_config *cfg)
{
	struct intercept_set *set;

	memset(err, 0, sizeof(err));
	set = intercept_set_build(cfg, err, sizeof(err));
	if (set == NULL)
		fail_msg("intercepts not compiled: %s", err);
	return set;
}

static struct intercept_match match_uri(const struct intercept_set *set,
					const char *uri)
{
	struct intercept_match match = { 0 };

	intercept_set_match_uri(set, uri, strlen(uri), &match);
	return match;
}

/* Two intercepts, the second without a validity window. */
static const char two_intercepts[] =
	"lcores: 0-1\n"
	"intercepts:\n"
	"  - liid: LIID-A\n"
	"    targets: [\"sip:alice@ims.test\"]\n"
	"    start: \"2026-01-01T00:00:00Z\"\n"
	"    end: \"2027-01-01T00:00:00Z\"\n"
	"    agency: lea-1\n"
	"  - liid: LIID-B\n"
	"    targets: [\"sip:bob@ims.test\", \"tel:+15550100\"]\n"
	"    agency: lea-1\n"
	AGENCY_YAML;

/* ---- matching ---- */

static void test_from_uri_variants(void **state)
{
	static const char *const variants[] = {
		"sip:alice@ims.test",
		"sip:alice@IMS.Test",
		"sip:alice@ims.test:5060;transport=tcp",
		"sips:alice@ims.test",
		"sip:%61lice@ims.test",
		"sip:alice:secret@ims.test?subject=hello",
		" sip:alice@ims.test ",
	};
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct intercept_match match = match_uri(set, variants[i]);

		print_message("variant %zu: %s\n", i, variants[i]);
		assert_int_equal(match.count, 1);
		assert_int_equal(match.index[0], 0);
		assert_int_equal(match.dropped, 0);
	}
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_from_header_value(void **state)
{
	static const char from[] =
		"\"Alice\" <sip:alice@IMS.test;transport=udp>;tag=9fxced76sl";
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);
	struct sip_slice value = { from, sizeof(from) - 1 };
	struct sip_name_addr addr;
	struct intercept_match match = { 0 };

	(void)state;
	assert_true(sip_name_addr_parse(value, &addr, NULL));
	intercept_set_match_uri(set, addr.uri.ptr, addr.uri.len, &match);
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 0);

	/* The whole name-addr is not a URI. */
	match = match_uri(set, from);
	assert_int_equal(match.count, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_user_case_differs(void **state)
{
	static const char *const others[] = {
		"sip:Alice@ims.test", "sip:%41lice@ims.test", "sip:alice@ims.example",
		"sip:ims.test", "mailto:alice@ims.test", "", "sip:",
	};
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);

	(void)state;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct intercept_match match = match_uri(set, others[i]);

		print_message("uri %zu: %s\n", i, others[i]);
		assert_int_equal(match.count, 0);
		assert_int_equal(match.dropped, 0);
	}
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_tel_target_user_phone(void **state)
{
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match;

	(void)state;
	match = match_uri(set, "sip:+1-555-0100@x;user=phone");
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 1);

	match = match_uri(set, "tel:+1(555)0100");
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 1);

	/* Without user=phone the user part is a name, not a number. */
	match = match_uri(set, "sip:+15550100@x");
	assert_int_equal(match.count, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_shared_target(void **state)
{
	struct lime_config *cfg = load_config(
		"lcores: 0-1\n"
		"intercepts:\n"
		"  - liid: LIID-A\n"
		"    targets: [\"sip:carol@ims.test\"]\n"
		"    agency: lea-1\n"
		"  - liid: LIID-B\n"
		"    targets: [\"sip:alice@ims.test\"]\n"
		"    agency: lea-1\n"
		"  - liid: LIID-C\n"
		"    targets: [\"sip:carol@ims.test\", \"sips:alice@IMS.test\"]\n"
		"    agency: lea-1\n"
		AGENCY_YAML);
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match = { 0 };

	(void)state;
	match = match_uri(set, "sip:alice@ims.test");
	assert_int_equal(match.count, 2);
	assert_int_equal(match.index[0], 1);
	assert_int_equal(match.index[1], 2);

	/* A second URI of the same call adds nothing new. */
	intercept_set_match_uri(set, "sip:carol@ims.test", 18, &match);
	assert_int_equal(match.count, 3);
	assert_int_equal(match.index[0], 0);
	assert_int_equal(match.index[1], 1);
	assert_int_equal(match.index[2], 2);
	intercept_set_match_uri(set, "sip:alice@ims.test", 18, &match);
	assert_int_equal(match.count, 3);
	assert_int_equal(match.dropped, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

/* Two spellings of one target in one intercept give one index. */
static void test_equal_targets_one_intercept(void **state)
{
	struct lime_config *cfg = load_config(
		"lcores: 0-1\n"
		"intercepts:\n"
		"  - liid: LIID-A\n"
		"    targets: [\"sip:alice@ims.test\", \"sip:alice@IMS.TEST\"]\n"
		"    agency: lea-1\n"
		AGENCY_YAML);
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match = match_uri(set, "sip:alice@ims.test");

	(void)state;
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_match_key(void **state)
{
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match = { 0 };
	char key[64];
	size_t len = sip_target_key_text("tel:+1-555-0100", 15, key, sizeof(key));

	(void)state;
	assert_int_equal(len, strlen("tel:+15550100"));
	intercept_set_match_key(set, key, len, &match);
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 1);

	memset(&match, 0, sizeof(match));
	intercept_set_match_key(set, key, 0, &match);
	intercept_set_match_key(set, "tel:+1555010", len - 1, &match);
	assert_int_equal(match.count, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

/* Builds YAML with n intercepts sharing the target sip:shared@ims.test. */
static char *shared_target_yaml(size_t n)
{
	size_t cap = 256 + n * 128;
	char *yaml = malloc(cap);
	size_t used;

	assert_non_null(yaml);
	used = (size_t)snprintf(yaml, cap, "lcores: 0-1\nintercepts:\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(yaml + used, cap - used,
					 "  - liid: L%zu\n"
					 "    targets: [sip:shared@ims.test]\n"
					 "    agency: lea-1\n", i);
	used += (size_t)snprintf(yaml + used, cap - used, AGENCY_YAML);
	assert_true(used < cap);
	return yaml;
}

static void test_match_overflow(void **state)
{
	const size_t n = INTERCEPT_MATCH_MAX + 4;
	char *yaml = shared_target_yaml(n);
	struct lime_config *cfg = load_config(yaml);
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match = match_uri(set, "sip:shared@ims.test");

	(void)state;
	assert_int_equal(match.count, INTERCEPT_MATCH_MAX);
	assert_int_equal(match.dropped, 4);
	for (uint32_t i = 0; i < INTERCEPT_MATCH_MAX; i++)
		assert_int_equal(match.index[i], i);
	intercept_set_free(set);
	lime_config_free(cfg);
	free(yaml);
}

/* A key longer than the stack buffer of intercept_set_match_uri. */
static void test_long_target(void **state)
{
	char target[1024];
	char yaml[2048];
	size_t used = (size_t)snprintf(target, sizeof(target), "sip:");
	struct lime_config *cfg;
	struct intercept_set *set;
	struct intercept_match match;

	(void)state;
	for (size_t i = 0; i < 200; i++)
		used += (size_t)snprintf(target + used, sizeof(target) - used,
					 "%%01");
	snprintf(target + used, sizeof(target) - used, "@ims.test");
	assert_true(sip_target_key_text(target, strlen(target), NULL, 0) > 512);

	snprintf(yaml, sizeof(yaml),
		 "lcores: 0-1\n"
		 "intercepts:\n"
		 "  - liid: LIID-LONG\n"
		 "    targets: [\"%s\"]\n"
		 "    agency: lea-1\n" AGENCY_YAML, target);
	cfg = load_config(yaml);
	set = build_set(cfg);

	match = match_uri(set, target);
	assert_int_equal(match.count, 1);
	assert_int_equal(match.index[0], 0);

	/* A key one byte longer than any target key is not looked up. */
	memmove(target + 5, target + 4, strlen(target + 4) + 1);
	target[4] = 'x';
	match = match_uri(set, target);
	assert_int_equal(match.count, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
}

/* ---- validity windows ---- */

static void test_intercept_active(void **state)
{
	struct lime_config *cfg = load_config(two_intercepts);
	const struct lime_intercept *windowed = &cfg->intercepts[0];
	const struct lime_intercept *open = &cfg->intercepts[1];

	(void)state;
	assert_int_equal(windowed->start_us, US_2026);
	assert_int_equal(windowed->end_us, US_2027);
	assert_false(intercept_active(windowed, US_2026 - 1));
	assert_true(intercept_active(windowed, US_2026));
	assert_true(intercept_active(windowed, US_2027 - 1));
	assert_false(intercept_active(windowed, US_2027));

	assert_true(intercept_active(open, INT64_MIN));
	assert_true(intercept_active(open, 0));
	assert_true(intercept_active(open, INT64_MAX - 1));
	lime_config_free(cfg);
}

static void test_filter_active(void **state)
{
	static const struct {
		int64_t ts_us;
		uint32_t count;
	} times[] = {
		{ US_2026 - 1, 1 },
		{ US_2026, 2 },
		{ US_2027 - 1, 2 },
		{ US_2027, 1 },
	};
	struct lime_config *cfg = load_config(
		"lcores: 0-1\n"
		"intercepts:\n"
		"  - liid: LIID-A\n"
		"    targets: [\"sip:alice@ims.test\"]\n"
		"    start: \"2026-01-01T00:00:00Z\"\n"
		"    end: \"2027-01-01T00:00:00Z\"\n"
		"    agency: lea-1\n"
		"  - liid: LIID-B\n"
		"    targets: [\"sip:alice@ims.test\"]\n"
		"    agency: lea-1\n"
		AGENCY_YAML);
	struct intercept_set *set = build_set(cfg);

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct intercept_match match = match_uri(set, "sip:alice@ims.test");

		print_message("time %zu: %" PRId64 "\n", i, times[i].ts_us);
		assert_int_equal(match.count, 2);
		intercept_match_filter_active(set, &match, times[i].ts_us);
		assert_int_equal(match.count, times[i].count);
		assert_int_equal(match.index[match.count - 1], 1);
		if (times[i].count == 2)
			assert_int_equal(match.index[0], 0);
	}
	intercept_set_free(set);
	lime_config_free(cfg);
}

/* ---- lookups ---- */

static void test_find_liid(void **state)
{
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);

	(void)state;
	assert_int_equal(intercept_set_find_liid(set, "LIID-A"), 0);
	assert_int_equal(intercept_set_find_liid(set, "LIID-B"), 1);
	assert_int_equal(intercept_set_find_liid(set, "liid-b"), -1);
	assert_int_equal(intercept_set_find_liid(set, "LIID-C"), -1);
	assert_int_equal(intercept_set_find_liid(set, ""), -1);
	assert_int_equal(intercept_set_find_liid(set, NULL), -1);
	intercept_set_free(set);
	lime_config_free(cfg);
}

static void test_accessors(void **state)
{
	struct lime_config *cfg = load_config(two_intercepts);
	struct intercept_set *set = build_set(cfg);

	(void)state;
	assert_ptr_equal(intercept_set_config(set), cfg);
	assert_int_equal(intercept_set_count(set), 2);
	assert_ptr_equal(intercept_set_get(set, 0), &cfg->intercepts[0]);
	assert_ptr_equal(intercept_set_get(set, 1), &cfg->intercepts[1]);
	assert_null(intercept_set_get(set, 2));
	intercept_set_free(set);
	lime_config_free(cfg);
	intercept_set_free(NULL);
}

static void test_empty_config(void **state)
{
	struct lime_config *cfg = load_config("lcores: 0-1\n");
	struct intercept_set *set = build_set(cfg);
	struct intercept_match match = match_uri(set, "sip:alice@ims.test");

	(void)state;
	assert_int_equal(intercept_set_count(set), 0);
	assert_int_equal(match.count, 0);
	assert_int_equal(intercept_set_find_liid(set, "LIID-A"), -1);
	intercept_set_free(set);
	lime_config_free(cfg);
}

/* The loader rejects such targets, so the set is built by hand here. */
static void test_build_rejects_target(void **state)
{
	char *targets[] = { "sip:alice@ims.test", "mailto:alice@ims.test" };
	struct lime_intercept ic = {
		.liid = "LIID-A", .targets = targets, .n_targets = 2,
		.start_us = INT64_MIN, .end_us = INT64_MAX, .agency = "lea-1",
	};
	struct lime_config cfg = { .intercepts = &ic, .n_intercepts = 1 };

	(void)state;
	assert_null(intercept_set_build(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "\"mailto:alice@ims.test\""));
	assert_non_null(strstr(err, "intercepts[0].targets[1]"));
	assert_null(intercept_set_build(&cfg, NULL, 0));
}

/* ---- many targets ---- */

#define MANY_INTERCEPTS 1000
#define TARGETS_EACH 10

/* Target t of intercept i: a SIP user or a global number, alternately. */
static void many_target(size_t i, size_t t, bool variant, char *out,
			size_t cap)
{
	size_t n = i * TARGETS_EACH + t;

	if (t % 2 == 0)
		snprintf(out, cap, variant ? "sips:user%zu@IMS.test:5061"
					   : "sip:user%zu@ims.test", n);
	else
		snprintf(out, cap, variant ? "sip:+1-555-%07zu@gw;user=phone"
					   : "tel:+1555%07zu", n);
}

static char *many_targets_yaml(void)
{
	size_t cap = 256 + MANY_INTERCEPTS * (64 + TARGETS_EACH * 40);
	char *yaml = malloc(cap);
	size_t used;
	char target[64];

	assert_non_null(yaml);
	used = (size_t)snprintf(yaml, cap, "lcores: 0-1\nintercepts:\n");
	for (size_t i = 0; i < MANY_INTERCEPTS; i++) {
		used += (size_t)snprintf(yaml + used, cap - used,
					 "  - liid: LIID-%zu\n    agency: lea-1\n"
					 "    targets:\n", i);
		for (size_t t = 0; t < TARGETS_EACH; t++) {
			many_target(i, t, false, target, sizeof(target));
			used += (size_t)snprintf(yaml + used, cap - used,
						 "      - \"%s\"\n", target);
		}
	}
	used += (size_t)snprintf(yaml + used, cap - used, AGENCY_YAML);
	assert_true(used < cap);
	return yaml;
}

static void test_many_targets(void **state)
{
	char *yaml = many_targets_yaml();
	struct lime_config *cfg = load_config(yaml);
	struct intercept_set *set = build_set(cfg);
	char uri[64];

	(void)state;
	assert_int_equal(intercept_set_count(set), MANY_INTERCEPTS);
	for (size_t i = 0; i < MANY_INTERCEPTS; i++) {
		char liid[32];

		for (size_t t = 0; t < TARGETS_EACH; t++) {
			struct intercept_match match;

			many_target(i, t, true, uri, sizeof(uri));
			match = match_uri(set, uri);
			if (match.count != 1 || match.index[0] != i)
				fail_msg("%s: %u matches, first %u, expected "
					 "intercept %zu", uri, match.count,
					 match.index[0], i);
		}
		snprintf(liid, sizeof(liid), "LIID-%zu", i);
		assert_int_equal(intercept_set_find_liid(set, liid), (int)i);
	}

	/* Numbers next to the configured ones match nothing. */
	snprintf(uri, sizeof(uri), "tel:+1555%07d",
		 MANY_INTERCEPTS * TARGETS_EACH + 1);
	assert_int_equal(match_uri(set, uri).count, 0);
	assert_int_equal(match_uri(set, "sip:user10000@ims.test").count, 0);
	intercept_set_free(set);
	lime_config_free(cfg);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_uri_variants),
		cmocka_unit_test(test_from_header_value),
		cmocka_unit_test(test_user_case_differs),
		cmocka_unit_test(test_tel_target_user_phone),
		cmocka_unit_test(test_shared_target),
		cmocka_unit_test(test_equal_targets_one_intercept),
		cmocka_unit_test(test_match_key),
		cmocka_unit_test(test_match_overflow),
		cmocka_unit_test(test_long_target),
		cmocka_unit_test(test_intercept_active),
		cmocka_unit_test(test_filter_active),
		cmocka_unit_test(test_find_liid),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_empty_config),
		cmocka_unit_test(test_build_rejects_target),
		cmocka_unit_test(test_many_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
