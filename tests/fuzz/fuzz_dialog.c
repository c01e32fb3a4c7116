/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the dialog tracker with sequences of SIP messages separated by NUL
 * bytes. The tracker is small (16 calls, a flow sink that fills at 24
 * flows), so eviction paths run too. After each message the sink's count
 * of installed flows must equal the tracker's. Destroying the tracker goes
 * with the flow table, so it must not call the sink.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/dialog.h"
#include "control/intercepts.h"
#include "lib/sip/sip_msg.h"
#include "lib/util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SINK_CAPACITY 24

static const char config_yaml[] =
	"lcores: 0-1\n"
	"intercepts:\n"
	"  - liid: LIID-A\n"
	"    targets: [\"sip:alice@ims.test\", \"tel:+15550100\"]\n"
	"    agency: lea-1\n"
	"  - liid: LIID-B\n"
	"    targets: [\"sip:bob@ims.test\"]\n"
	"    start: \"2026-06-01T00:00:10Z\"\n"
	"    end: \"2026-06-01T00:00:20Z\"\n"
	"    agency: lea-1\n"
	"agencies:\n"
	"  - name: lea-1\n"
	"    hi2: 127.0.0.1:9002\n"
	"    hi3: 127.0.0.1:9003\n";

static struct lime_config *cfg;
static struct intercept_set *set;
static unsigned active;

static void on_iri(void *ctx, const struct iri_event *ev)
{
	(void)ctx;
	if (ev->liid == NULL || ev->type > IRI_REPORT)
		abort();
}

static int on_flow_add(void *ctx, const struct call_flow_event *ev,
		       uint32_t *stream_id)
{
	(void)ctx;
	if (ev->n_liids == 0)
		abort();
	if (active >= SINK_CAPACITY)
		return -ENOSPC;
	*stream_id = active++;
	return 0;
}

static void on_flow_del(void *ctx, const struct call_flow_event *ev,
			uint32_t stream_id, const char *reason)
{
	(void)ctx;
	(void)ev;
	(void)stream_id;
	if (active == 0 || reason == NULL)
		abort();
	active--;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	lime_log_set_level(LIME_LOG_ERR);
	cfg = lime_config_load_buffer(config_yaml, strlen(config_yaml), err, sizeof(err));
	set = cfg != NULL ? intercept_set_build(cfg, err, sizeof(err)) : NULL;
	if (set == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg msg;
	struct dialog_limits limits = {
		.max_calls = 16,
		.dialog_timeout_us = 60000000,
		.early_timeout_us = 30000000,
		.linger_us = 32000000,
	};
	struct dialog_sink sink = {
		.iri = on_iri,
		.flow_add = on_flow_add,
		.flow_del = on_flow_del,
	};
	struct dialog_tracker *t = dialog_tracker_create(&limits, set, &sink);
	/* 2026-06-01T00:00:00Z; every message advances the clock 1.5 s. */
	int64_t now = INT64_C(1780272000) * 1000000;

	active = 0;
	while (size > 0) {
		const uint8_t *end = memchr(data, 0, size);
		size_t len = end != NULL ? (size_t)(end - data) : size;
		enum sip_msg_error err = sip_msg_parse((const char *)data, len, &msg);

		if (err == SIP_MSG_OK || err == SIP_MSG_ERR_NO_HEADER_END ||
		    err == SIP_MSG_ERR_BODY_TRUNCATED) {
			struct sip_packet_info pkt = {.ts_us = now, .family = 4,
						      .transport = 17};
			dialog_on_message(t, &msg, (const char *)data, len, &pkt);
		}
		now += 1500000;
		if (len % 7 == 0)
			dialog_expire(t, now);
		if (dialog_tracker_stats(t)->flows_active != active)
			abort();

		size_t step = end != NULL ? len + 1 : len;
		data += step;
		size -= step;
	}

	unsigned before = active;
	dialog_tracker_destroy(t);
	if (active != before)
		abort();
	return 0;
}
