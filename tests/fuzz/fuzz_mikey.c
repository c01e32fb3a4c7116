/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feeds the input to every MIKEY parser entry point: a whole message, a
 * nested payload chain, base-ticket Ticket Data and a KEMAC plaintext of
 * key data. Whatever parses must lie inside the input and rebuild to the
 * same bytes. Nested fields of a parsed message (TP Data, Ticket Data,
 * Initiator Data, KEMAC data as if NULL-encrypted) go through the same
 * checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mikey/mikey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the failed condition, so libFuzzer saves the input. */
#define check(condition) \
	do { \
		if (!(condition)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #condition); \
			abort(); \
		} \
	} while (0)

/* MIKEY payloads carry at most 16-bit lengths, so rebuilt nested fields
 * fit in this; whole messages use a buffer of the input size. */
static uint8_t rebuilt[1 << 17];

static void check_error(const struct mikey_error *err, enum mikey_status st,
			size_t size)
{
	check(err->status == st);
	check(err->offset <= size);
	check(err->msg[0] != '\0');
}

static void check_payloads(const struct mikey_payloads *pl, size_t start,
			   size_t end)
{
	size_t at = start;

	for (size_t i = 0; i < pl->n; i++) {
		check(pl->item[i].offset == at);
		at += pl->item[i].len;
	}
	check(at == end);
}

static void check_chain(const uint8_t *data, size_t size)
{
	static struct mikey_chain chain;
	struct mikey_error err;
	enum mikey_status st = mikey_parse_chain(data, size, &chain, &err);

	if (st != MIKEY_OK) {
		check_error(&err, st, size);
		return;
	}
	check(chain.len + chain.trailing_bytes == size);
	if (size == 0)
		return;
	check_payloads(&chain.payloads, 1, chain.len);

	struct mikey_builder b;
	size_t len;
	mikey_builder_init_chain(&b, rebuilt, sizeof(rebuilt));
	for (size_t i = 0; i < chain.payloads.n; i++)
		mikey_put_payload(&b, &chain.payloads, &chain.payloads.item[i]);
	check(mikey_builder_finish(&b, &len) == MIKEY_OK);
	check(len == chain.len);
	check(memcmp(rebuilt, data, len) == 0);
}

static void check_base_ticket(const uint8_t *data, size_t size)
{
	static struct mikey_base_ticket t;
	struct mikey_error err;
	enum mikey_status st = mikey_parse_base_ticket(data, size, &t, &err);

	if (st != MIKEY_OK) {
		check_error(&err, st, size);
		return;
	}
	check(t.len + t.trailing_bytes == size);
	check(t.t != NULL && t.rand != NULL && t.kemac != NULL && t.v != NULL);
	check_payloads(&t.payloads, 0, t.len);

	const struct mikey_slice *thdr = &t.thdr->u.thdr.data;
	struct mikey_builder b;
	size_t len;
	mikey_builder_init_ticket_data(&b, rebuilt, sizeof(rebuilt), thdr->p,
				       thdr->len);
	for (size_t i = 1; i < t.payloads.n; i++)
		mikey_put_payload(&b, &t.payloads, &t.payloads.item[i]);
	check(mikey_builder_finish(&b, &len) == MIKEY_OK);
	check(len == t.len);
	check(memcmp(rebuilt, data, len) == 0);
}

static void check_key_data(const uint8_t *data, size_t size)
{
	struct mikey_key_data kd[MIKEY_MAX_KEY_DATA];
	struct mikey_key_hint hint = { .key_len = 16, .salt_len = 14 };
	struct mikey_error err;
	size_t n;
	uint32_t odd;
	enum mikey_status st = mikey_parse_key_data(data, size, kd,
						    MIKEY_MAX_KEY_DATA, &n,
						    &hint, &odd, &err);

	if (st != MIKEY_OK) {
		check_error(&err, st, size);
		return;
	}

	struct mikey_builder b;
	size_t len;
	mikey_builder_init_key_data(&b, rebuilt, sizeof(rebuilt));
	for (size_t i = 0; i < n; i++)
		mikey_put_key_data(&b, &kd[i]);
	check(mikey_builder_finish(&b, &len) == MIKEY_OK);
	check(len <= size);
	check(memcmp(rebuilt, data, len) == 0);
	check(((odd & MIKEY_ODD_TRAILING_BYTES) != 0) == (len < size));
}

/* Nested fields are parsed after the message round trip, which uses the
 * shared buffer first. */
static void check_nested(const struct mikey_payloads *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct mikey_payload *p = &pl->item[i];

		if (p->type == MIKEY_PT_TP) {
			check_chain(p->u.tp.tp_data.p, p->u.tp.tp_data.len);
		} else if (p->type == MIKEY_PT_TICKET) {
			const struct mikey_ticket *t = &p->u.ticket;
			check_chain(t->policy.tp_data.p, t->policy.tp_data.len);
			check_chain(t->initiator_data.p, t->initiator_data.len);
			check_base_ticket(t->ticket_data.p, t->ticket_data.len);
		} else if (p->type == MIKEY_PT_KEMAC) {
			check_key_data(p->u.kemac.encr_data.p,
				       p->u.kemac.encr_data.len);
		}
	}
}

static void check_message(const uint8_t *data, size_t size)
{
	static struct mikey_msg msg;
	struct mikey_error err;
	enum mikey_status st = mikey_parse(data, size, &msg, &err);

	if (st != MIKEY_OK) {
		check_error(&err, st, size);
		return;
	}
	check(msg.len + msg.trailing_bytes == size);
	check(((msg.odd & MIKEY_ODD_TRAILING_BYTES) != 0) ==
	      (msg.trailing_bytes > 0));
	check_payloads(&msg.payloads, msg.hdr_len, msg.len);

	uint8_t *buf = malloc(size);
	size_t len;
	check(buf != NULL);
	check(mikey_build_msg(&msg, buf, size, &len) == MIKEY_OK);
	check(len == msg.len);
	check(memcmp(buf, data, len) == 0);
	free(buf);

	check_nested(&msg.payloads);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_message(data, size);
	check_chain(data, size);
	check_base_ticket(data, size);
	check_key_data(data, size);
	return 0;
}
