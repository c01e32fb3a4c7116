/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parses the input as an SDP body and checks that every slice lies inside
 * the input, the counts stay within their bounds, and each collected
 * crypto line goes through sdes_parse() without a memory error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/sdp/sdes.h"
#include "lib/sdp/sdp.h"

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

static const char *input;
static size_t input_len;

static void check_slice(struct sdp_slice s)
{
	if (s.len == 0)
		return;
	check(s.ptr >= input && s.ptr + s.len <= input + input_len);
}

static void check_connection(const struct sdp_connection *c)
{
	if (!c->present)
		return;
	check_slice(c->nettype);
	check_slice(c->addrtype);
	check_slice(c->address);
}

static void check_key_mgmt(const struct sdp_key_mgmt *km)
{
	uint8_t buf[4096];
	size_t n;

	if (!km->present)
		return;
	check_slice(km->protocol);
	check_slice(km->data);
	if (sdp_key_mgmt_decode(km, buf, sizeof(buf), &n) == SDP_OK)
		check(n <= sizeof(buf));
}

static void check_media(const struct sdp_media *m)
{
	check_slice(m->media);
	check_slice(m->proto);
	check_slice(m->formats);
	check_connection(&m->connection);
	check_connection(&m->rtcp_connection);
	check_key_mgmt(&m->key_mgmt);
	check(m->crypto_count <= SDP_MAX_CRYPTO);
	for (unsigned i = 0; i < m->crypto_count; i++) {
		struct sdes_crypto crypto;

		check_slice(m->crypto[i]);
		if (sdes_parse(m->crypto[i].ptr, m->crypto[i].len, &crypto) ==
		    SDES_OK)
			check(crypto.key_count > 0);
		sdes_crypto_wipe(&crypto);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_session session;

	input = (const char *)data;
	input_len = size;
	sdp_parse(input, size, &session);
	check(session.media_count <= SDP_MAX_MEDIA);
	check(session.media_errors <= session.media_count);
	check_connection(&session.connection);
	check_connection(&session.origin.connection);
	check_key_mgmt(&session.key_mgmt);
	for (unsigned i = 0; i < session.media_count; i++)
		check_media(&session.media[i]);
	return 0;
}
