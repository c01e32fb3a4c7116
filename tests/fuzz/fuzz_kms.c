/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives the lime-kms core without sockets: the input goes to
 * kms_exchange() as a MIKEY message, and to a kms_session as the bytes of
 * one connection, in pieces whose size the last input byte chooses. The
 * KMS uses the configuration and clock of tests/kms/kms_test_config.h, so
 * the seeds of corpus/kms (made by tests/kms/gen_kms_corpus) reach the
 * Request and Resolve handlers with valid MACs. The session output must
 * start with an HTTP status line, and every MIKEY response must parse.
 * Nothing is written to files or sockets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mikey/mikey.h"
#include "lib/util/log.h"
#include "tests/kms/kms_test_config.h"
#include "tools/kms/kms.h"
#include "tools/kms/kms_session.h"

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

static struct kms_config *cfg;
static struct kms kms;
static uint8_t response[KMS_MESSAGE_MAX];

static void setup(void)
{
	char err[256];

	lime_log_set_level(LIME_LOG_ERR);
	cfg = kms_config_load_buffer(kms_test_config, strlen(kms_test_config),
				     err, sizeof(err));
	check(cfg != NULL);
	check(kms_init(&kms, cfg) == 0);
}

static void fuzz_exchange(const uint8_t *data, size_t size)
{
	size_t len = 0;
	struct mikey_msg msg;

	if (kms_exchange(&kms, data, size, KMS_TEST_NOW_US, "fuzz", response,
			 sizeof(response), &len) != KMS_EXCHANGE_RESPONDED)
		return;
	check(len > 0 && len <= sizeof(response));
	check(mikey_parse(response, len, &msg, NULL) == MIKEY_OK);
	check(msg.hdr.data_type == MIKEY_DT_ERROR ||
	      msg.hdr.data_type == MIKEY_DT_REQUEST_RESP ||
	      msg.hdr.data_type == MIKEY_DT_RESOLVE_RESP);
}

/* Every response starts with a status line. */
static void check_responses(const struct kms_buf *out)
{
	if (out->len == 0)
		return;
	check(out->len >= 12);
	check(memcmp(out->data, "HTTP/1.1 ", 9) == 0);
}

static void fuzz_session(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[size - 1] % 97 + 1 : 1;
	struct kms_session session;
	struct kms_buf out;
	bool open = true;

	kms_session_init(&session, "fuzz");
	kms_buf_init(&out, 1u << 24);
	for (size_t off = 0; off < size && open;) {
		size_t room = 0, n = size - off < step ? size - off : step;
		uint8_t *p = kms_session_read_space(&session, &room);

		/* An open session always has room, because a full input
		 * contains a complete request, which processing consumes. */
		check(p != NULL && room > 0);
		if (n > room)
			n = room;
		memcpy(p, data + off, n);
		kms_session_read_done(&session, n);
		off += n;
		open = kms_session_process(&kms, &session, KMS_TEST_NOW_US, &out);
		check(session.in.len <= KMS_SESSION_IN_MAX);
	}
	if (open && kms_session_mid_request(&session))
		kms_session_timed_out(&session, &out);
	check_responses(&out);
	kms_session_free(&session);
	kms_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cfg == NULL)
		setup();
	fuzz_exchange(data, size);
	fuzz_session(data, size);
	return 0;
}
