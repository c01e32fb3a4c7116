/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kms_client/kc_url.h"

static void url_name_with_port(void **state)
{
	struct kc_url u;
	char err[200];
	assert_int_equal(kc_url_parse("https://kms.example.net:8443/mikey?x=1", &u, err,
				      sizeof(err)), 0);
	assert_string_equal(u.host, "kms.example.net");
	assert_string_equal(u.port, "8443");
	assert_false(u.host_is_ip);
	assert_string_equal(u.path, "/mikey?x=1");
	assert_string_equal(u.host_header, "kms.example.net:8443");
}

static void url_defaults(void **state)
{
	struct kc_url u;
	char err[200];
	assert_int_equal(kc_url_parse("HTTPS://127.0.0.1", &u, err, sizeof(err)), 0);
	assert_string_equal(u.port, "443");
	assert_true(u.host_is_ip);
	assert_string_equal(u.path, "/");
	assert_string_equal(u.host_header, "127.0.0.1");
}

static void url_ipv6_literal(void **state)
{
	struct kc_url u;
	char err[200];
	assert_int_equal(kc_url_parse("https://[::1]:9443/k", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_true(u.host_is_ip);
	assert_string_equal(u.port, "9443");
	assert_string_equal(u.host_header, "[::1]:9443");
}

static void expect_rejected(const char *url, const char *error_part)
{
	struct kc_url u;
	char err[300];
	assert_int_equal(kc_url_parse(url, &u, err, sizeof(err)), -1);
	if (!strstr(err, error_part))
		fail_msg("error \"%s\" lacks \"%s\"", err, error_part);
}

static void url_rejects_invalid(void **state)
{
	expect_rejected(NULL, "missing");
	expect_rejected("", "missing");
	expect_rejected("http://kms:80/mikey", "only https");
	expect_rejected("https://user@kms/mikey", "user information");
	expect_rejected("https://kms:0/", "between 1 and 65535");
	expect_rejected("https://kms:65536/", "between 1 and 65535");
	expect_rejected("https://kms:8x/", "not a number");
	expect_rejected("https://[::1/", "missing ']'");
	expect_rejected("https://[kms]/", "not an IPv6");
	expect_rejected("https://kms/a#frag", "fragments");
	expect_rejected("https://km s/", "spaces");
	expect_rejected("https://:8443/", "missing or too long host");
	expect_rejected("https://k_m_s/", "not a host name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_name_with_port),
		cmocka_unit_test(url_defaults),
		cmocka_unit_test(url_ipv6_literal),
		cmocka_unit_test(url_rejects_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
