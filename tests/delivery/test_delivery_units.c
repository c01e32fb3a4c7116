/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the delivery engine's numbering: sequence numbers per
 * (LIID, CIN, channel), CIN counters that survive a restart, and the
 * encoding of submitted records with their sequence numbers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/delivery/dl_cin.h"
#include "control/delivery/dl_encode.h"
#include "control/delivery/dl_path.h"
#include "control/delivery/dl_seq.h"

static uint32_t next_seq(struct dl_seq_table *t, const char *liid, uint32_t cin,
			 enum delivery_channel ch)
{
	uint32_t *counter = dl_seq_counter(t, liid, cin, ch);

	assert_non_null(counter);
	return (*counter)++;
}

static void seq_starts_at_zero(void **state)
{
	struct dl_seq_table t;

	(void)state;
	assert_int_equal(dl_seq_init(&t), 0);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI2), i);
	dl_seq_free(&t);
}

static void seq_separate_counters(void **state)
{
	struct dl_seq_table t;

	(void)state;
	assert_int_equal(dl_seq_init(&t), 0);
	assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI2), 0);
	assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI2), 1);
	/* CC counts on its own. */
	assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI3), 0);
	/* So does another call, and another LIID. */
	assert_int_equal(next_seq(&t, "LIID-A", 2, DELIVERY_HI2), 0);
	assert_int_equal(next_seq(&t, "LIID-B", 1, DELIVERY_HI2), 0);
	/* A LIID that is a prefix of another is a different LIID. */
	assert_int_equal(next_seq(&t, "LIID-AB", 1, DELIVERY_HI2), 0);
	assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI2), 2);
	assert_int_equal(next_seq(&t, "LIID-A", 1, DELIVERY_HI3), 1);
	dl_seq_free(&t);
}

static void seq_many_calls(void **state)
{
	struct dl_seq_table t;

	(void)state;
	assert_int_equal(dl_seq_init(&t), 0);
	for (uint32_t cin = 1; cin <= 20000; cin++)
		assert_int_equal(next_seq(&t, "LIID-A", cin, DELIVERY_HI3), 0);
	for (uint32_t cin = 1; cin <= 20000; cin += 997)
		assert_int_equal(next_seq(&t, "LIID-A", cin, DELIVERY_HI3), 1);
	dl_seq_free(&t);
}

static int make_dir(void **state)
{
	char *dir = malloc(64);

	snprintf(dir, 64, "/tmp/lime-test-cin.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	/* The folder is this test's own mkdtemp() result. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", (char *)*state);
	if (system(cmd) != 0)
		return -1;
	free(*state);
	return 0;
}

static void cin_from_one_and_persistent(void **state)
{
	const char *dir = *state;
	struct dl_cin_table t;

	assert_int_equal(dl_cin_init(&t, dir), 0);
	assert_int_equal(dl_cin_next(&t, "LIID-A"), 1);
	assert_int_equal(dl_cin_next(&t, "LIID-A"), 2);
	assert_int_equal(dl_cin_next(&t, "LIID-B"), 1);
	assert_int_equal(dl_cin_next(&t, "LIID-A"), 3);
	dl_cin_sync(&t);
	dl_cin_free(&t);

	/* A restart goes on where the last run stopped. */
	assert_int_equal(dl_cin_init(&t, dir), 0);
	assert_int_equal(dl_cin_next(&t, "LIID-A"), 4);
	assert_int_equal(dl_cin_next(&t, "LIID-B"), 2);
	assert_int_equal(dl_cin_next(&t, "LIID/../x"), 1);
	dl_cin_free(&t);
}

static void cin_torn_slot(void **state)
{
	const char *dir = *state;
	struct dl_cin_table t;
	char path[256];

	assert_int_equal(dl_cin_init(&t, dir), 0);
	for (int i = 0; i < 7; i++)
		dl_cin_next(&t, "LIID-T");
	dl_cin_free(&t);

	/* CIN 7 went to slot 1 (generation 7); tear it. CIN 6 stays. */
	snprintf(path, sizeof(path), "%s/cin/LIID-T", dir);
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\0\0\0\0", 4, 32 + 8), 4);
	close(fd);
	assert_int_equal(dl_cin_init(&t, dir), 0);
	assert_int_equal(dl_cin_next(&t, "LIID-T"), 7);
	dl_cin_free(&t);
}

static void path_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(dl_path_escape("lea-1_x.y", out, sizeof(out)), 0);
	assert_string_equal(out, "lea-1_x.y");
	assert_int_equal(dl_path_escape("../a b/", out, sizeof(out)), 0);
	assert_string_equal(out, "%2E.%2Fa%20b%2F");
	assert_int_equal(dl_path_escape("abc", out, 3), -1);
}

static struct etsi_agency test_agency(void)
{
	struct etsi_agency ag;

	memset(&ag, 0, sizeof(ag));
	etsi_oids_default(&ag.oids);
	strcpy(ag.auth_cc, "XX");
	strcpy(ag.deliv_cc, "XX");
	strcpy(ag.operator_id, "OPER");
	strcpy(ag.network_element_id, "lime-1");
	return ag;
}

static void encode_iri_cc_alarm(void **state)
{
	struct etsi_agency ag = test_agency();
	uint8_t sip[] = "BYE sip:bob@example.org SIP/2.0\r\n\r\n";
	uint8_t pkt[40] = {0x45};
	uint8_t call_id[] = "call-1@example.org";
	struct delivery_record iri = {
		.channel = DELIVERY_HI2, .liid = "LIID-0001", .cin = 7,
		.ts_us = 1772359200250000ull, .iri_type = ETSI_IRI_CONTINUE,
		.src = {.version = 4, .addr = {192, 0, 2, 10}},
		.dst = {.version = 4, .addr = {198, 51, 100, 20}},
		.payload = sip, .payload_len = sizeof(sip) - 1,
	};
	struct delivery_record cc = {
		.channel = DELIVERY_HI3, .liid = "LIID-0001", .cin = 7,
		.ts_us = 1772359200250000ull, .direction = ETSI_DIR_TO_TARGET,
		.payload = pkt, .payload_len = sizeof(pkt),
	};
	struct delivery_record alarm = {
		.channel = DELIVERY_HI2, .liid = "LIID-0001", .cin = 7,
		.ts_us = 1772359200250000ull, .alarm_kind = "spool_full",
		.payload = call_id, .payload_len = sizeof(call_id) - 1,
	};
	struct etsi_pdu pdu;
	int status;

	(void)state;
	/* A reason that fills its array without a NUL is cut, not overrun. */
	memset(alarm.alarm_reason, 'r', sizeof(alarm.alarm_reason));

	struct dl_record *r = dl_encode(&ag, &iri, 5, &status);

	assert_non_null(r);
	assert_int_equal(etsi_decode(r->pdu, r->len, &pdu, NULL), ETSI_OK);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_IRI);
	assert_int_equal(pdu.seq, 5);
	assert_int_equal(pdu.cin, 7);
	assert_int_equal(pdu.seconds, 1772359200);
	assert_int_equal(pdu.microseconds, 250000);
	assert_int_equal(pdu.iri_type, ETSI_IRI_CONTINUE);
	assert_int_equal(pdu.sip.len, sizeof(sip) - 1);
	assert_string_equal(r->liid, "LIID-0001");
	assert_int_equal(r->channel, DELIVERY_HI2);
	dl_record_unref(r);

	r = dl_encode(&ag, &cc, 128, &status);
	assert_non_null(r);
	assert_int_equal(etsi_decode(r->pdu, r->len, &pdu, NULL), ETSI_OK);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_CC);
	assert_int_equal(pdu.seq, 128);
	assert_int_equal(pdu.direction, ETSI_DIR_TO_TARGET);
	assert_int_equal(pdu.cc_content.len, sizeof(pkt));
	dl_record_unref(r);

	r = dl_encode(&ag, &alarm, 0, &status);
	assert_non_null(r);
	assert_int_equal(etsi_decode(r->pdu, r->len, &pdu, NULL), ETSI_OK);
	assert_int_equal(pdu.kind, ETSI_PAYLOAD_ALARM);
	assert_int_equal(pdu.iri_type, ETSI_IRI_REPORT);
	assert_int_equal(pdu.alarm_kind.len, strlen("spool_full"));
	assert_int_equal(pdu.alarm_reason.len, sizeof(alarm.alarm_reason));
	assert_memory_equal(pdu.alarm_call_id.p, call_id, sizeof(call_id) - 1);
	dl_record_unref(r);
}

static void encode_rejects_bad_liid(void **state)
{
	struct etsi_agency ag = test_agency();
	struct delivery_record rec = {.channel = DELIVERY_HI3, .cin = 1};
	int status = ETSI_OK;

	(void)state;
	assert_null(dl_encode(&ag, &rec, 0, &status));
	assert_int_equal(status, ETSI_ERR_INVALID);
	memset(rec.liid, 'x', sizeof(rec.liid));
	assert_null(dl_encode(&ag, &rec, 0, &status));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seq_starts_at_zero),
		cmocka_unit_test(seq_separate_counters),
		cmocka_unit_test(seq_many_calls),
		cmocka_unit_test_setup_teardown(cin_from_one_and_persistent, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(cin_torn_slot, make_dir, remove_dir),
		cmocka_unit_test(path_escape),
		cmocka_unit_test(encode_iri_cc_alarm),
		cmocka_unit_test(encode_rejects_bad_liid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
