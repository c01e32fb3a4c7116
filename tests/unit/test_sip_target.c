/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the canonical target keys. The central check is that two
 * URIs get equal keys exactly when sip_uri_match_target() matches them.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/sip/sip_msg.h"
#include "lib/sip/sip_target.h"

#define KEY_CAP 256

static struct sip_slice str_slice(const char *s)
{
	struct sip_slice slice = { s, strlen(s) };
	return slice;
}

static size_t key_of_uri(const struct sip_uri *uri, char *key)
{
	size_t len = sip_target_key(uri, key, KEY_CAP);

	assert_true(len <= KEY_CAP);
	return len;
}

/*
 * Fails unless equal keys and sip_uri_match_target() agree on a and b, in
 * both orders. Returns the result of the match.
 */
static bool check_keys_agree(const char *a, const char *b)
{
	struct sip_uri uri_a;
	struct sip_uri uri_b;
	char key_a[KEY_CAP];
	char key_b[KEY_CAP];
	size_t len_a;
	size_t len_b;
	bool match;
	bool same_key;

	assert_true(sip_uri_parse(str_slice(a), &uri_a));
	assert_true(sip_uri_parse(str_slice(b), &uri_b));
	match = sip_uri_match_target(&uri_a, &uri_b);
	assert_int_equal(match, sip_uri_match_target(&uri_b, &uri_a));

	len_a = key_of_uri(&uri_a, key_a);
	len_b = key_of_uri(&uri_b, key_b);
	same_key = len_a != 0 && len_a == len_b &&
		   memcmp(key_a, key_b, len_a) == 0;
	if (same_key != match)
		fail_msg("\"%s\" vs \"%s\": match %d but keys \"%.*s\" and "
			 "\"%.*s\"", a, b, match, (int)len_a, key_a,
			 (int)len_b, key_b);
	return match;
}

/* ---- pairs with a known result ---- */

static const struct {
	const char *a;
	const char *b;
	bool match;
} pairs[] = {
	/* user case and %HH escapes */
	{ "sip:alice@ims.test", "sip:Alice@ims.test", false },
	{ "sip:%41lice@ims.test", "sip:Alice@ims.test", true },
	{ "sip:%41lice@ims.test", "sip:alice@ims.test", false },
	{ "sip:%61%6Cice@ims.test", "sip:alice@ims.test", true },
	{ "sip:%61%6cice@ims.test", "sip:%61%6Cice@ims.test", true },
	{ "sip:a%25b@ims.test", "sip:a%b@ims.test", true },
	{ "sip:a;b@ims.test", "sip:a%3Bb@ims.test", true },
	{ "sip:a%40b@c.test", "sip:a@b@c.test", false },
	{ "sip:al%20ice@ims.test", "sip:al%20ice@ims.test", true },
	/* host case, ports, parameters, headers, scheme and password */
	{ "sip:alice@ims.test", "sip:alice@IMS.Test", true },
	{ "sip:alice@ims.test", "sip:alice@ims.example", false },
	{ "sip:alice@ims.test:5060", "sip:alice@ims.test:5080", true },
	{ "sip:alice@ims.test;transport=tcp", "sip:alice@ims.test;user=ip", true },
	{ "sip:alice@ims.test?subject=x", "sip:alice@ims.test", true },
	{ "sips:alice@ims.test", "sip:alice@ims.test", true },
	{ "SIP:alice@ims.test", "sips:alice@ims.test", true },
	{ "sip:alice:secret@ims.test", "sip:alice@ims.test", true },
	{ "sip:alice:secret@ims.test", "sip:alice:other@ims.test", true },
	/* URIs without a user part */
	{ "sip:ims.test", "sip:IMS.test:5060", true },
	{ "sip:ims.test", "sip:alice@ims.test", false },
	/* IPv6 references compare as text without regard to case */
	{ "sip:alice@[2001:DB8::1]", "sip:alice@[2001:db8::1]:5060", true },
	{ "sip:alice@[2001:db8::1]", "sip:alice@[2001:db8::2]", false },
	{ "sip:alice@[2001:db8:0::1]", "sip:alice@[2001:db8::1]", false },
	/* global numbers */
	{ "tel:+1-555-0100", "tel:+15550100", true },
	{ "tel:+1(555)01.00", "tel:+15550100", true },
	{ "tel:+1%2D555-0100", "tel:+15550100", true },
	{ "tel:+15550100", "tel:+15550101", false },
	{ "tel:+15550100;ext=12", "tel:+15550100", true },
	{ "tel:+15550100", "sip:+1-555-0100@x.test;user=phone", true },
	{ "tel:+15550100", "sips:+15550100@other.test;user=PHONE", true },
	{ "tel:+15550100", "sip:+15550100;isub=12@x.test;user=phone", true },
	{ "tel:+15550100", "sip:+15550100@x.test", false },
	{ "sip:+15550100@x.test;user=phone", "sip:+15550100@x.test", false },
	{ "sip:+15550100@x.test", "sip:+15550100@X.TEST", true },
	{ "sip:+15550100@x.test", "sip:+1-555-0100@x.test", false },
	{ "sip:+15550100@x.test", "sip:+15550100@y.test", false },
	{ "tel:+1%3Bctx", "tel:%2B1;phone-context=ctx", false },
	/* local numbers */
	{ "tel:5550100;phone-context=ims.test",
	  "tel:555-0100;phone-context=IMS.Test", true },
	{ "tel:5550100;phone-context=ims.test",
	  "tel:5550100;phone-context=other.test", false },
	{ "tel:5550100;phone-context=+1-212",
	  "tel:5550100;phone-context=+1(212)", true },
	{ "tel:5550100;phone-context=+1212",
	  "tel:5550100;phone-context=1212", false },
	{ "tel:12AB;phone-context=ims.test", "tel:12ab;phone-context=ims.test",
	  true },
	{ "tel:5550100;phone-context=ims.test", "tel:+5550100", false },
	{ "tel:5550100;phone-context=ims.test", "sip:5550100@ims.test", false },
	{ "tel:12%3Bx;phone-context=y", "tel:12;phone-context=x;y", false },
	/* no target: other schemes, local numbers without phone-context */
	{ "tel:5550100", "tel:5550100", false },
	{ "mailto:alice@ims.test", "mailto:alice@ims.test", false },
	{ "mailto:alice@ims.test", "sip:alice@ims.test", false },
};

static void test_pairs_agree(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		print_message("pair %zu: %s vs %s\n", i, pairs[i].a, pairs[i].b);
		assert_int_equal(check_keys_agree(pairs[i].a, pairs[i].b),
				 pairs[i].match);
	}
}

/* Every URI of the table against every other, pairs across rows too. */
static void test_table_all_pairs(void **state)
{
	const char *uris[2 * sizeof(pairs) / sizeof(pairs[0])];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uris[n++] = pairs[i].a;
		uris[n++] = pairs[i].b;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			check_keys_agree(uris[i], uris[j]);
}

/* ---- generated URIs ---- */

static const char *const gen_users[] = {
	"alice", "Alice", "%41lice", "%61lice", "a%40b", "a;b", "a%3Bb",
	"+15550100", "+1-555-0100", "+1%2d5550100", "5550100", "555-0100",
	"12ab", "12AB", "+15550100;isub=1",
};
static const char *const gen_hosts[] = {
	"ims.test", "IMS.test", "ims.test:5060", "[2001:db8::1]",
	"[2001:DB8::1]",
};
static const char *const gen_params[] = {
	"", ";user=phone", ";user=ip", ";phone-context=ims.test",
	";phone-context=IMS.TEST", ";phone-context=+1-212",
	";phone-context=+1212", ";transport=tcp;user=phone",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define GEN_MAX (COUNT(gen_users) * COUNT(gen_params) * \
		 (2 * COUNT(gen_hosts) + 1))

static char gen_text[GEN_MAX][96];

/* Writes every combination of scheme, user, host and parameters. */
static size_t generate_uris(void)
{
	static const char *const schemes[] = { "sip", "sips" };
	size_t n = 0;

	for (size_t u = 0; u < COUNT(gen_users); u++)
		for (size_t p = 0; p < COUNT(gen_params); p++) {
			snprintf(gen_text[n++], sizeof(gen_text[0]), "tel:%s%s",
				 gen_users[u], gen_params[p]);
			for (size_t s = 0; s < COUNT(schemes); s++)
				for (size_t h = 0; h < COUNT(gen_hosts); h++)
					snprintf(gen_text[n++],
						 sizeof(gen_text[0]),
						 "%s:%s@%s%s", schemes[s],
						 gen_users[u], gen_hosts[h],
						 gen_params[p]);
		}
	return n;
}

static void test_generated_all_pairs(void **state)
{
	size_t n = generate_uris();
	size_t matches = 0;

	(void)state;
	assert_int_equal(n, GEN_MAX);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			matches += check_keys_agree(gen_text[i], gen_text[j]);
	/* Far more than the n self-matches: the set has many equal URIs. */
	assert_true(matches > 2 * n);
}

/* ---- key text ---- */

static void test_key_text(void **state)
{
	static const struct {
		const char *uri;
		const char *key;
	} cases[] = {
		{ "sip:%41lice@IMS.Test:5061;transport=tls", "sip:Alice@ims.test" },
		{ "sips:alice:secret@ims.test?subject=x", "sip:alice@ims.test" },
		{ "tel:+1-555-0100", "tel:+15550100" },
		{ "sip:+1(555)0100;isub=1@gw.test;user=phone", "tel:+15550100" },
		{ "tel:555-0100;phone-context=IMS.Test", "tel:5550100;ims.test" },
		{ "tel:7042;phone-context=+1-212", "tel:7042;+1212" },
		{ "sips:ims.test", "sip:@ims.test" },
		{ "sip:a%40b@c.test", "sip:a%40b@c.test" },
		{ "sip:a;b@h.test", "sip:a%3Bb@h.test" },
		{ "sip:a%25b@h.test", "sip:a%25b@h.test" },
		{ "sip:al%20ice@h.test", "sip:al%20ice@h.test" },
		{ "sip:alice@[2001:DB8::1]:5060", "sip:alice@[2001:db8::1]" },
		{ "  sip:alice@ims.test\r\n", "sip:alice@ims.test" },
	};
	char key[KEY_CAP];

	(void)state;
	for (size_t i = 0; i < COUNT(cases); i++) {
		size_t len = sip_target_key_text(cases[i].uri,
						 strlen(cases[i].uri), key,
						 sizeof(key));

		print_message("case %zu: %s\n", i, cases[i].uri);
		assert_int_equal(len, strlen(cases[i].key));
		assert_memory_equal(key, cases[i].key, len);
	}
}

/* ---- no key ---- */

static void test_no_key_text(void **state)
{
	static const char *const texts[] = {
		"mailto:alice@ims.test", "http://ims.test/", "tel:5550100",
		"tel:5550100;ext=1", "alice@ims.test", "<sip:alice@ims.test>",
		"sip:", "sip:alice@", "sip:alice@ims.test:99999", "",
	};
	char key[KEY_CAP];

	(void)state;
	for (size_t i = 0; i < COUNT(texts); i++) {
		print_message("case %zu: \"%s\"\n", i, texts[i]);
		assert_int_equal(sip_target_key_text(texts[i], strlen(texts[i]),
						     key, sizeof(key)), 0);
	}
	assert_int_equal(sip_target_key_text(NULL, 0, key, sizeof(key)), 0);
}

static void test_no_key_struct(void **state)
{
	struct sip_uri uri;
	char key[KEY_CAP];

	(void)state;
	assert_int_equal(sip_target_key(NULL, key, sizeof(key)), 0);

	memset(&uri, 0, sizeof(uri));
	uri.scheme = SIP_URI_SIP;
	uri.user = str_slice("alice");
	assert_int_equal(sip_target_key(&uri, key, sizeof(key)), 0);

	uri.scheme = SIP_URI_SIPS;
	assert_int_equal(sip_target_key(&uri, key, sizeof(key)), 0);

	uri.scheme = SIP_URI_OTHER;
	uri.host = str_slice("ims.test");
	assert_int_equal(sip_target_key(&uri, key, sizeof(key)), 0);
}

/* ---- small output buffers ---- */

static void test_small_buffer(void **state)
{
	static const char text[] = "sip:alice@ims.test";
	static const char expected[] = "sip:alice@ims.test";
	const size_t full = sizeof(expected) - 1;
	char key[KEY_CAP];

	(void)state;
	assert_int_equal(sip_target_key_text(text, strlen(text), NULL, 0), full);

	for (size_t cap = 0; cap < full; cap++) {
		memset(key, 'X', sizeof(key));
		assert_int_equal(sip_target_key_text(text, strlen(text), key, cap),
				 full);
		assert_memory_equal(key, expected, cap);
		assert_int_equal(key[cap], 'X');
	}

	memset(key, 'X', sizeof(key));
	assert_int_equal(sip_target_key_text(text, strlen(text), key, full),
			 full);
	assert_memory_equal(key, expected, full);
	assert_int_equal(key[full], 'X');
}

/* Escapes triple the user part, so the length counts escaped bytes. */
static void test_small_buffer_escaped(void **state)
{
	static const char text[] = "sip:%01%02@h";
	static const char expected[] = "sip:%01%02@h";
	char key[8];

	(void)state;
	assert_int_equal(sip_target_key_text(text, strlen(text), key,
					     sizeof(key)),
			 strlen(expected));
	assert_memory_equal(key, expected, sizeof(key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_agree),
		cmocka_unit_test(test_table_all_pairs),
		cmocka_unit_test(test_generated_all_pairs),
		cmocka_unit_test(test_key_text),
		cmocka_unit_test(test_no_key_text),
		cmocka_unit_test(test_no_key_struct),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_small_buffer_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
