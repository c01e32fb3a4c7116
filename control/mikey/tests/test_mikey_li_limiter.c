/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the admission of KMS requests: token buckets per source
 * and overall under floods, refill over time, the negative cache of
 * rejected tickets and the bounds of both tables, and the bounded LRU map
 * beneath them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/mikey/mikey_li_limiter.h"
#include "control/mikey/mikey_li_lru.h"

#define NOW_US (INT64_C(1767225600) * 1000000)
#define S INT64_C(1000000)

static const uint8_t source_a[4] = { 192, 0, 2, 1 };

static void ticket(uint8_t hash[MIKEY_LI_TICKET_HASH_LEN], uint32_t n)
{
	memset(hash, 0, MIKEY_LI_TICKET_HASH_LEN);
	memcpy(hash, &n, sizeof(n));
}

static void source(uint8_t addr[16], uint32_t n)
{
	memset(addr, 0, 16);
	addr[0] = 0x20;
	addr[1] = 0x01;
	memcpy(addr + 12, &n, sizeof(n));
}

static void start(struct mikey_li_limiter *l, struct mikey_li_limiter_config *c)
{
	assert_int_equal(mikey_li_limiter_init(l, c), 0);
}

/* ---- Token buckets ---- */

static void test_flood_from_one_source(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];
	size_t admitted = 0;

	(void)state;
	mikey_li_limiter_config_init(&c);
	start(&l, &c);
	for (uint32_t i = 0; i < 1000; i++) {
		ticket(hash, i);
		admitted += mikey_li_limiter_admit(&l, source_a, sizeof(source_a),
						   hash, NOW_US) == MIKEY_LI_ADMIT;
	}
	/* The source's burst passes and the rest is shed at the source. */
	assert_int_equal(admitted, 10);
	assert_int_equal(l.stats.admitted, 10);
	assert_int_equal(l.stats.shed_source, 990);
	assert_int_equal(l.stats.shed_global, 0);

	/* One second later the bucket has five tokens again. */
	admitted = 0;
	for (uint32_t i = 0; i < 100; i++) {
		ticket(hash, 5000 + i);
		admitted += mikey_li_limiter_admit(&l, source_a, sizeof(source_a),
						   hash, NOW_US + S) == MIKEY_LI_ADMIT;
	}
	assert_int_equal(admitted, 5);
	mikey_li_limiter_free(&l);
}

static void test_flood_from_many_sources(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN], addr[16];
	size_t admitted = 0;

	(void)state;
	mikey_li_limiter_config_init(&c);
	start(&l, &c);
	for (uint32_t i = 0; i < 1000; i++) {
		ticket(hash, i);
		source(addr, i);
		admitted += mikey_li_limiter_admit(&l, addr, sizeof(addr), hash,
						   NOW_US) == MIKEY_LI_ADMIT;
	}
	assert_int_equal(admitted, 100);
	assert_int_equal(l.stats.shed_global, 900);
	assert_int_equal(l.stats.shed_source, 0);

	/* Half a second earns 25 global tokens. */
	admitted = 0;
	for (uint32_t i = 0; i < 100; i++) {
		ticket(hash, 2000 + i);
		source(addr, 2000 + i);
		admitted += mikey_li_limiter_admit(&l, addr, sizeof(addr), hash,
						   NOW_US + S / 2) == MIKEY_LI_ADMIT;
	}
	assert_int_equal(admitted, 25);
	mikey_li_limiter_free(&l);
}

static void test_shed_request_takes_no_token(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN], addr[16];

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.global_rate = 1;
	c.global_burst = 1;
	start(&l, &c);
	ticket(hash, 1);
	source(addr, 1);
	assert_int_equal(mikey_li_limiter_admit(&l, addr, 16, hash, NOW_US),
			 MIKEY_LI_ADMIT);
	/* Source A is shed globally ten times, yet keeps its own burst. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US),
				 MIKEY_LI_SHED_GLOBAL);
	l.cfg.global_rate = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US),
				 MIKEY_LI_ADMIT);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US),
			 MIKEY_LI_SHED_SOURCE);
	mikey_li_limiter_free(&l);
}

static void test_clock_going_back_earns_nothing(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.source_burst = 1;
	start(&l, &c);
	ticket(hash, 1);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US),
			 MIKEY_LI_ADMIT);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US - 60 * S),
			 MIKEY_LI_SHED_SOURCE);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US + S / 5),
			 MIKEY_LI_ADMIT);
	mikey_li_limiter_free(&l);
}

static void test_zero_rates_turn_limits_off(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.global_rate = 0;
	c.source_rate = 0;
	start(&l, &c);
	ticket(hash, 1);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, hash, NOW_US),
				 MIKEY_LI_ADMIT);
	assert_int_equal(mikey_li_lru_count(&l.sources), 0);
	mikey_li_limiter_free(&l);
}

static void test_source_table_is_bounded(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN], addr[16];

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.max_sources = 8;
	c.global_rate = 0;
	start(&l, &c);
	ticket(hash, 1);
	for (uint32_t i = 0; i < 100; i++) {
		source(addr, i);
		mikey_li_limiter_admit(&l, addr, sizeof(addr), hash, NOW_US);
	}
	assert_int_equal(mikey_li_lru_count(&l.sources), 8);
	assert_int_equal(l.sources.evicted, 92);
	mikey_li_limiter_free(&l);
}

/* ---- Negative cache ---- */

static void test_rejected_ticket_is_shed(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t bad[MIKEY_LI_TICKET_HASH_LEN], good[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	mikey_li_limiter_config_init(&c);
	start(&l, &c);
	ticket(bad, 666);
	ticket(good, 1);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, bad, NOW_US),
			 MIKEY_LI_ADMIT);
	mikey_li_limiter_record_rejection(&l, bad, NOW_US);
	assert_true(mikey_li_limiter_is_rejected(&l, bad, NOW_US));
	assert_false(mikey_li_limiter_is_rejected(&l, good, NOW_US));

	/* Shed requests for it take no tokens, so other tickets still pass. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, bad, NOW_US + S),
				 MIKEY_LI_SHED_REJECTED);
	assert_int_equal(l.stats.shed_rejected, 100);
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, good, NOW_US + S),
			 MIKEY_LI_ADMIT);

	/* After the TTL the ticket may be tried again. */
	assert_int_equal(mikey_li_limiter_admit(&l, source_a, 4, bad,
						NOW_US + c.negative_ttl_us + S),
			 MIKEY_LI_ADMIT);
	assert_int_equal(l.rejected.expired, 1);
	mikey_li_limiter_free(&l);
}

static void test_negative_cache_is_bounded(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;
	uint8_t hash[MIKEY_LI_TICKET_HASH_LEN];

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.negative_max = 4;
	start(&l, &c);
	for (uint32_t i = 0; i < 6; i++) {
		ticket(hash, i);
		mikey_li_limiter_record_rejection(&l, hash, NOW_US);
	}
	assert_int_equal(mikey_li_lru_count(&l.rejected), 4);
	assert_int_equal(l.rejected.evicted, 2);
	assert_int_equal(l.stats.rejections, 6);
	ticket(hash, 0);
	assert_false(mikey_li_limiter_is_rejected(&l, hash, NOW_US));
	ticket(hash, 5);
	assert_true(mikey_li_limiter_is_rejected(&l, hash, NOW_US));
	mikey_li_limiter_free(&l);
}

static void test_zero_sizes_fail_init(void **state)
{
	struct mikey_li_limiter_config c;
	struct mikey_li_limiter l;

	(void)state;
	mikey_li_limiter_config_init(&c);
	c.max_sources = 0;
	assert_int_equal(mikey_li_limiter_init(&l, &c), -1);
	mikey_li_limiter_config_init(&c);
	c.negative_max = 0;
	assert_int_equal(mikey_li_limiter_init(&l, &c), -1);
	assert_string_equal(mikey_li_admission_name(MIKEY_LI_SHED_SOURCE), "shed_source");
}

/* ---- LRU map ---- */

static void test_lru_evicts_least_recent(void **state)
{
	struct mikey_li_lru lru;
	uint8_t key[4] = { 0 };
	uint32_t *v;

	(void)state;
	assert_int_equal(mikey_li_lru_init(&lru, 3, sizeof(uint32_t)), 0);
	for (uint8_t i = 0; i < 3; i++) {
		key[0] = i;
		v = mikey_li_lru_insert(&lru, key, sizeof(key), NOW_US, NOW_US + S);
		assert_non_null(v);
		*v = 100u + i;
	}
	/* Using key 0 makes key 1 the least recent. */
	key[0] = 0;
	v = mikey_li_lru_find(&lru, key, sizeof(key), NOW_US);
	assert_non_null(v);
	assert_int_equal(*v, 100);
	key[0] = 3;
	v = mikey_li_lru_insert(&lru, key, sizeof(key), NOW_US, NOW_US + S);
	assert_int_equal(*v, 0);
	key[0] = 1;
	assert_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US));
	key[0] = 2;
	assert_non_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US));
	assert_int_equal(lru.evicted, 1);
	assert_int_equal(mikey_li_lru_count(&lru), 3);
	mikey_li_lru_free(&lru);
}

static void test_lru_expiry_and_remove(void **state)
{
	struct mikey_li_lru lru;
	uint8_t key[32];
	void *v;

	(void)state;
	memset(key, 7, sizeof(key));
	assert_int_equal(mikey_li_lru_init(&lru, 2, 1), 0);
	v = mikey_li_lru_insert(&lru, key, sizeof(key), NOW_US, NOW_US + S);
	assert_non_null(v);
	assert_non_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US + S));
	assert_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US + S + 1));
	assert_int_equal(lru.expired, 1);
	assert_int_equal(mikey_li_lru_count(&lru), 0);

	v = mikey_li_lru_insert(&lru, key, sizeof(key), NOW_US, NOW_US + S);
	mikey_li_lru_set_expiry(&lru, v, NOW_US + 10 * S);
	assert_non_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US + 5 * S));
	mikey_li_lru_remove(&lru, v);
	assert_null(mikey_li_lru_find(&lru, key, sizeof(key), NOW_US));
	/* Keys longer than 32 bytes are refused. */
	assert_null(mikey_li_lru_insert(&lru, key, 33, NOW_US, NOW_US + S));
	mikey_li_lru_free(&lru);
}

static void test_lru_reuses_freed_entries(void **state)
{
	struct mikey_li_lru lru;
	uint8_t key[2];

	(void)state;
	assert_int_equal(mikey_li_lru_init(&lru, 4, 8), 0);
	for (unsigned round = 0; round < 50; round++) {
		for (uint8_t i = 0; i < 4; i++) {
			key[0] = (uint8_t)round;
			key[1] = i;
			assert_non_null(mikey_li_lru_insert(&lru, key, 2, NOW_US,
							    NOW_US + S));
		}
		for (uint8_t i = 0; i < 4; i++) {
			key[1] = i;
			mikey_li_lru_remove(&lru, mikey_li_lru_find(&lru, key, 2, NOW_US));
		}
	}
	assert_int_equal(mikey_li_lru_count(&lru), 0);
	assert_int_equal(lru.evicted, 0);
	assert_int_equal(lru.n_used, 4);
	mikey_li_lru_free(&lru);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_from_one_source),
		cmocka_unit_test(test_flood_from_many_sources),
		cmocka_unit_test(test_shed_request_takes_no_token),
		cmocka_unit_test(test_clock_going_back_earns_nothing),
		cmocka_unit_test(test_zero_rates_turn_limits_off),
		cmocka_unit_test(test_source_table_is_bounded),
		cmocka_unit_test(test_rejected_ticket_is_shed),
		cmocka_unit_test(test_negative_cache_is_bounded),
		cmocka_unit_test(test_zero_sizes_fail_init),
		cmocka_unit_test(test_lru_evicts_least_recent),
		cmocka_unit_test(test_lru_expiry_and_remove),
		cmocka_unit_test(test_lru_reuses_freed_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
