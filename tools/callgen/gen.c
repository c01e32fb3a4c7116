/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/gen.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/callgen/background.h"
#include "tools/callgen/call.h"
#include "tools/callgen/flood.h"
#include "tools/callgen/kms_client.h"
#include "tools/callgen/rtp_stream.h"
#include "tools/callgen/timefmt.h"

#define KMS_TIMEOUT_MS 5000

void cg_gen_fail(struct cg_gen *g, const char *fmt, ...)
{
	va_list ap;

	if (g->failed)
		return;
	g->failed = true;
	va_start(ap, fmt);
	vsnprintf(g->error, sizeof(g->error), fmt, ap);
	va_end(ap);
}

/* Targets alternate between sip:target-N@ims.test and tel:+1555010N. */
static int make_targets(struct cg_gen *g)
{
	size_t n = g->opt->targets;

	g->targets = calloc(n, sizeof(*g->targets));
	g->target_list = calloc(n, sizeof(*g->target_list));
	if (g->targets == NULL || g->target_list == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 0)
			snprintf(g->targets[i], CG_TARGET_TEXT_MAX, "sip:target-%zu@ims.test", i);
		else
			snprintf(g->targets[i], CG_TARGET_TEXT_MAX, "tel:+1555010%zu", i);
		g->target_list[i] = g->targets[i];
	}
	g->n_targets = g->opt->target_share > 0.0 ? n : 0;
	return 0;
}

static int open_kms(struct cg_gen *g)
{
	const struct cg_options *o = g->opt;
	struct cg_kms_settings s = {
		.url = o->kms_url, .ca_file = o->kms_ca, .cert_file = o->kms_cert,
		.key_file = o->kms_key, .timeout_ms = KMS_TIMEOUT_MS,
	};

	if (o->kms_config != NULL) {
		g->users = cg_kms_users_load(o->kms_config, g->error, sizeof(g->error));
		if (g->users == NULL)
			return -1;
		g->kms.identity = cg_kms_users_kms_identity(g->users);
	}
	if (o->kms_url != NULL) {
		g->kms.client = cg_kms_client_new(&s, g->error, sizeof(g->error));
		if (g->kms.client == NULL)
			return -1;
	}
	return 0;
}

/* Starts call calls_started and queues the next arrival. Arrivals are
 * spaced by the mean interval times a uniform draw in [0.5, 1.5), so that
 * about --concurrency calls overlap (Little's law). */
static void arrival_task(void *ctx, void *arg, int64_t now_us)
{
	struct cg_gen *g = ctx;
	int64_t next;

	if (!cg_call_start(g, g->calls_started, now_us, NULL))
		return;
	g->calls_started++;
	if (g->calls_started == g->opt->calls)
		return;
	next = now_us + g->mean_interarrival_us / 2 +
	       (int64_t)(cg_rng_unit(&g->arrival_rng) * (double)g->mean_interarrival_us);
	if (!cg_sched_push(&g->sched, next, arrival_task, NULL))
		cg_gen_fail(g, "out of memory in the event queue");
}

/* The flood starts halfway through the arrivals. */
static int64_t flood_start(const struct cg_gen *g)
{
	return g->opt->start_us + (int64_t)g->opt->calls * g->mean_interarrival_us / 2 +
	       CG_US_PER_S;
}

static int schedule(struct cg_gen *g)
{
	const struct cg_options *o = g->opt;
	uint64_t extra = (uint64_t)o->attack_count[CG_ATTACK_EXPIRED_TICKET] +
			 o->attack_count[CG_ATTACK_FORGED_FLOOD];

	g->mean_interarrival_us = (o->duration_us + CG_CALL_SETUP_MEAN_US) / o->concurrency;
	if (g->mean_interarrival_us < 1)
		g->mean_interarrival_us = 1;
	g->next_extra_index = o->calls;
	g->flood_victim_party = 2 * ((uint64_t)o->calls + extra);
	cg_rng_seed(&g->arrival_rng, o->seed, CG_STREAM_ARRIVALS);
	cg_rng_seed(&g->attack_rng, o->seed, CG_STREAM_ATTACKS);
	if (!cg_sched_push(&g->sched, o->start_us, arrival_task, NULL)) {
		cg_gen_fail(g, "out of memory in the event queue");
		return -1;
	}
	if (!cg_background_schedule(g, o->start_us) || !cg_flood_schedule(g, flood_start(g)))
		return -1;
	return 0;
}

int cg_gen_init(struct cg_gen *g, const struct cg_options *o)
{
	memset(g, 0, sizeof(*g));
	g->opt = o;
	cg_sched_init(&g->sched);
	if (cg_srtp_global_init(g->error, sizeof(g->error)) != 0)
		return -1;
	if (make_targets(g) != 0) {
		cg_gen_fail(g, "out of memory");
		return -1;
	}
	if (open_kms(g) != 0)
		return -1;
	g->net.pcap = cg_pcap_open(o->out_path, g->error, sizeof(g->error));
	if (g->net.pcap == NULL)
		return -1;
	g->truth = cg_truth_open(o, g->target_list, g->opt->target_share > 0.0 ? o->targets : 0,
				 g->error, sizeof(g->error));
	if (g->truth == NULL)
		return -1;
	return schedule(g);
}

int cg_gen_run(struct cg_gen *g)
{
	struct cg_task task;

	while (!g->failed && cg_sched_pop(&g->sched, &task)) {
		/* Frames queued for earlier times can go now: no event that
		 * runs from here on writes before task.when_us. */
		cg_pcap_release(g->net.pcap, task.when_us);
		task.fn(g, task.arg, task.when_us);
	}
	return g->failed ? -1 : 0;
}

/* Fails the run when an attack was made fewer times than requested. */
static void check_attacks(struct cg_gen *g)
{
	for (int k = CG_ATTACK_NONE + 1; k < CG_ATTACK_KINDS; k++) {
		uint32_t requested = g->opt->attack_count[k], made = g->attacks_made[k];

		if (made < requested)
			cg_gen_fail(g, "--attack %s requested %u but only %u were made: too few "
				    "MIKEY-TICKET calls%s; raise --calls%s",
				    cg_attack_name((enum cg_attack_kind)k), requested, made,
				    g->n_targets > 0 ? " with a target" : "",
				    g->n_targets > 0 ? " or --target-share" : "");
	}
}

int cg_gen_finish(struct cg_gen *g, struct cg_truth_summary *s)
{
	const struct cg_pcap_stats *ps;
	char err[256];
	int rc;

	if (!g->failed)
		check_attacks(g);
	rc = g->failed ? -1 : 0;
	memset(s, 0, sizeof(*s));
	if (g->net.pcap != NULL) {
		cg_pcap_release(g->net.pcap, INT64_MAX);
		ps = cg_pcap_stats(g->net.pcap);
		s->frames = ps->frames;
		s->file_bytes = ps->file_bytes;
		s->first_us = ps->first_us;
		s->last_us = ps->last_us;
	}
	s->calls = g->calls_done;
	s->target_calls = g->target_calls;
	s->attack_calls = g->attack_calls;
	s->streams = g->streams;
	s->sip_packets = g->net.frames[CG_CLASS_SIP];
	s->rtp_packets = g->net.frames[CG_CLASS_RTP];
	s->rtcp_packets = g->net.frames[CG_CLASS_RTCP];
	s->tcp_control_packets = g->net.frames[CG_CLASS_TCP_CONTROL];
	s->background_packets = g->net.frames[CG_CLASS_BACKGROUND];
	s->peak_active_calls = g->peak_active_calls;
	s->kms_requests = g->kms.client != NULL ? cg_kms_client_requests(g->kms.client) : 0;

	if (cg_pcap_close(g->net.pcap, err, sizeof(err)) != 0 && rc == 0) {
		cg_gen_fail(g, "%s: %s", g->opt->out_path, err);
		rc = -1;
	}
	if (cg_truth_close(g->truth, s, err, sizeof(err)) != 0 && rc == 0) {
		cg_gen_fail(g, "%s: %s", g->opt->truth_path, err);
		rc = -1;
	}
	cg_kms_client_free(g->kms.client);
	cg_kms_users_free(g->users);
	cg_sched_free(&g->sched);
	free(g->targets);
	free(g->target_list);
	return rc;
}
