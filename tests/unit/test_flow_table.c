/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table tests on a real EAL (no hugepages, no PCI): single-threaded
 * semantics, then a reader lcore looking up while the main lcore adds and
 * deletes, which RCU must keep safe.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dataplane/flow_table.h"

#define READER_LOOKUPS 2000000
#define WRITER_ROUNDS 2000
#define KEYS_PER_ROUND 32

static struct flow_table table;

static void make_key(struct flow_key *k, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->proto = 17;
	k->port = port;
	k->addr[0] = 192;
	k->addr[1] = 0;
	k->addr[2] = 2;
	k->addr[3] = 10;
}

static struct flow_entry *make_entry(uint32_t stream_id)
{
	struct flow_entry *e = calloc(1, sizeof(*e));
	e->stream_id = stream_id;
	return e;
}

static int setup_table(void **state)
{
	return flow_table_create(&table, 1024, 2, SOCKET_ID_ANY);
}

static int teardown_table(void **state)
{
	flow_table_destroy(&table);
	return 0;
}

static uint64_t lookup_one(uint16_t port, struct flow_entry **entry)
{
	struct flow_key k;
	const void *keys[1] = {&k};

	make_key(&k, port);
	return flow_table_lookup_bulk(&table, keys, 1, entry);
}

static void flow_add_then_hit(void **state)
{
	struct flow_key k;
	struct flow_entry *hit = NULL;

	make_key(&k, 40000);
	assert_int_equal(flow_table_add(&table, &k, make_entry(7)), 0);
	assert_int_equal(lookup_one(40000, &hit), 1);
	assert_int_equal(hit->stream_id, 7);
}

static void flow_miss_on_other_port(void **state)
{
	struct flow_entry *hit = NULL;

	assert_int_equal(lookup_one(40002, &hit), 0);
}

static void flow_duplicate_add_rejected(void **state)
{
	struct flow_key k;
	struct flow_entry *dup = make_entry(8);

	make_key(&k, 40000);
	assert_int_equal(flow_table_add(&table, &k, dup), -EEXIST);
	free(dup);
}

static void flow_delete_then_miss(void **state)
{
	struct flow_key k;
	struct flow_entry *hit = NULL;

	make_key(&k, 40000);
	assert_int_equal(flow_table_del(&table, &k), 0);
	assert_int_equal(lookup_one(40000, &hit), 0);
	assert_int_not_equal(flow_table_del(&table, &k), 0);
}

static void flow_bulk_mixed_hits(void **state)
{
	struct flow_key keys[4];
	const void *ptrs[4];
	struct flow_entry *hits[4];

	for (uint16_t i = 0; i < 4; i++) {
		make_key(&keys[i], (uint16_t)(50000 + i));
		ptrs[i] = &keys[i];
	}
	assert_int_equal(flow_table_add(&table, &keys[1], make_entry(1)), 0);
	assert_int_equal(flow_table_add(&table, &keys[3], make_entry(3)), 0);

	uint64_t mask = flow_table_lookup_bulk(&table, ptrs, 4, hits);
	assert_int_equal(mask, 0xA);
	assert_int_equal(hits[1]->stream_id, 1);
	assert_int_equal(hits[3]->stream_id, 3);
}

static void flow_port_filter_follows_flows(void **state)
{
	struct flow_key a, b;

	make_key(&a, 60000);
	make_key(&b, 60000);
	b.addr[3] = 11;
	assert_false(flow_table_port_maybe(&table, 60000));

	assert_int_equal(flow_table_add(&table, &a, make_entry(1)), 0);
	assert_int_equal(flow_table_add(&table, &b, make_entry(2)), 0);
	assert_true(flow_table_port_maybe(&table, 60000));
	assert_false(flow_table_port_maybe(&table, 60001));

	assert_int_equal(flow_table_del(&table, &a), 0);
	assert_true(flow_table_port_maybe(&table, 60000));
	assert_int_equal(flow_table_del(&table, &b), 0);
	assert_false(flow_table_port_maybe(&table, 60000));
}

static volatile int reader_stop;
static volatile uint64_t reader_bad;
static volatile uint64_t reader_hits;

/* Every entry's stream_id equals its key's port: a freed or reused entry
 * would show up as a mismatch. */
static int reader_main(void *arg)
{
	uint32_t reader_id = 1;
	uint64_t n = 0;

	flow_table_reader_register(&table, reader_id);
	while (!reader_stop && n < READER_LOOKUPS) {
		uint16_t port = (uint16_t)(1000 + (n % KEYS_PER_ROUND));
		struct flow_entry *hit = NULL;
		if (lookup_one(port, &hit) && hit->stream_id != port)
			reader_bad++;
		else if (hit != NULL)
			reader_hits++;
		flow_table_quiescent(&table, reader_id);
		n++;
	}
	flow_table_reader_unregister(&table, reader_id);
	return 0;
}

static void flow_concurrent_reader_safe(void **state)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);

	if (lcore >= RTE_MAX_LCORE)
		skip();

	reader_stop = 0;
	rte_eal_remote_launch(reader_main, NULL, lcore);
	for (int round = 0; round < WRITER_ROUNDS; round++) {
		struct flow_key k;
		for (uint16_t i = 0; i < KEYS_PER_ROUND; i++) {
			make_key(&k, (uint16_t)(1000 + i));
			flow_table_add(&table, &k, make_entry(1000u + i));
		}
		for (uint16_t i = 0; i < KEYS_PER_ROUND; i++) {
			make_key(&k, (uint16_t)(1000 + i));
			flow_table_del(&table, &k);
		}
	}
	reader_stop = 1;
	rte_eal_wait_lcore(lcore);

	assert_int_equal(reader_bad, 0);
}

int main(int argc, char **argv)
{
	char *eal_argv[] = {
		"test_flow_table", "-l", "0-1", "--no-huge", "--no-pci",
		"--no-shconf", "--file-prefix=lime-test-flow-table", "-m", "256",
		"--log-level=error", NULL,
	};
	if (rte_eal_init(10, eal_argv) < 0)
		return 1;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flow_add_then_hit),
		cmocka_unit_test(flow_miss_on_other_port),
		cmocka_unit_test(flow_duplicate_add_rejected),
		cmocka_unit_test(flow_delete_then_miss),
		cmocka_unit_test(flow_bulk_mixed_hits),
		cmocka_unit_test(flow_port_filter_follows_flows),
		cmocka_unit_test(flow_concurrent_reader_safe),
	};
	int failed = cmocka_run_group_tests(tests, setup_table, teardown_table);
	rte_eal_cleanup();
	return failed;
}
