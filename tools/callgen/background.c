/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/background.h"

#include <stdlib.h>
#include <string.h>

#include "tools/callgen/timefmt.h"

#define FLOWS 16
#define HOSTS_PER_SIDE 50
#define TCP_WINDOW 64240

enum bg_kind {
	BG_DNS,
	BG_NTP,
	BG_SYSLOG,
	BG_QUIC,
	BG_HTTPS,
	BG_KINDS,
};

struct bg_flow {
	enum bg_kind kind;
	struct cg_addr client;
	struct cg_addr server;
	uint16_t client_port;
	uint16_t server_port;
	uint32_t seq[2];           /* TCP: next sequence number of client, server */
};

struct cg_background {
	struct cg_gen *gen;
	struct cg_rng rng;
	int64_t interval_us;
	struct bg_flow flows[FLOWS];
};

static const uint16_t server_ports[BG_KINDS] = { 53, 123, 514, 443, 443 };

static void init_flows(struct cg_background *b)
{
	bool ipv6 = b->gen->opt->ipv6;

	for (unsigned i = 0; i < FLOWS; i++) {
		struct bg_flow *f = &b->flows[i];

		f->kind = (enum bg_kind)(i % BG_KINDS);
		cg_addr_of(&f->client, ipv6, CG_POOL_BACKGROUND, i);
		cg_addr_of(&f->server, ipv6, CG_POOL_BACKGROUND, HOSTS_PER_SIDE + i);
		f->server_port = server_ports[f->kind];
		f->client_port = f->kind == BG_NTP ? 123 :
				 (uint16_t)cg_rng_range(&b->rng, 32768, 60999);
		f->seq[0] = (uint32_t)cg_rng_next(&b->rng);
		f->seq[1] = (uint32_t)cg_rng_next(&b->rng);
	}
}

/* Payload bytes of one packet of this kind, and which way it goes. */
static size_t pick_size(struct cg_background *b, enum bg_kind kind, bool *to_server)
{
	struct cg_rng *r = &b->rng;

	*to_server = cg_rng_below(r, 2) == 0;
	switch (kind) {
	case BG_DNS:
		return *to_server ? (size_t)cg_rng_range(r, 28, 60) : (size_t)cg_rng_range(r, 60, 480);
	case BG_NTP:
		return 48;
	case BG_SYSLOG:
		*to_server = true;
		return (size_t)cg_rng_range(r, 60, 300);
	case BG_QUIC:
		*to_server = cg_rng_below(r, 4) == 0;
		return *to_server ? (size_t)cg_rng_range(r, 30, 120) : (size_t)cg_rng_range(r, 1200, 1350);
	case BG_HTTPS:
		/* Downloads: full segments from the server, small ones or bare
		 * ACKs from the client. */
		if (!*to_server)
			return cg_rng_below(r, 4) ? 1448 : (size_t)cg_rng_range(r, 100, 1448);
		return cg_rng_below(r, 2) ? 0 : (size_t)cg_rng_range(r, 40, 600);
	case BG_KINDS:
		break;
	}
	return 0;
}

static void send_packet(struct cg_background *b, int64_t now_us)
{
	struct bg_flow *f = &b->flows[cg_rng_below(&b->rng, FLOWS)];
	uint8_t payload[1500];
	bool to_server;
	size_t len = pick_size(b, f->kind, &to_server);
	int from = to_server ? 0 : 1;
	struct cg_flow flow = {
		to_server ? &f->client : &f->server, to_server ? &f->server : &f->client,
		to_server ? f->client_port : f->server_port,
		to_server ? f->server_port : f->client_port,
	};

	cg_rng_bytes(&b->rng, payload, len);
	if (f->kind != BG_HTTPS) {
		cg_net_udp(&b->gen->net, now_us, &flow, CG_DSCP_BE, payload, len,
			   CG_CLASS_BACKGROUND);
		return;
	}

	struct cg_tcp_segment seg = {
		.seq = f->seq[from], .ack = f->seq[1 - from],
		.flags = (uint8_t)(CG_TCP_ACK | (len > 0 ? CG_TCP_PSH : 0)),
		.window = TCP_WINDOW, .dscp = CG_DSCP_BE, .payload = payload, .len = len,
	};

	cg_net_tcp(&b->gen->net, now_us, &flow, &seg, CG_CLASS_BACKGROUND);
	f->seq[from] += (uint32_t)len;
}

static void background_task(void *ctx, void *arg, int64_t now_us)
{
	struct cg_gen *g = ctx;
	struct cg_background *b = arg;

	send_packet(b, now_us);
	/* Background traffic lasts while the --calls calls are placed and run,
	 * not until attack calls that wait for a ticket to expire. */
	if (g->calls_started == g->opt->calls && g->active_calls == 0) {
		free(b);
		return;
	}
	int64_t next = now_us + b->interval_us / 2 + cg_rng_range(&b->rng, 0, b->interval_us);

	if (!cg_sched_push(&g->sched, next, background_task, b)) {
		free(b);
		cg_gen_fail(g, "out of memory in the event queue");
	}
}

bool cg_background_schedule(struct cg_gen *g, int64_t start_us)
{
	struct cg_background *b;

	if (g->opt->background_pps == 0)
		return true;
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		cg_gen_fail(g, "out of memory");
		return false;
	}
	b->gen = g;
	cg_rng_seed(&b->rng, g->opt->seed, CG_STREAM_BACKGROUND);
	b->interval_us = CG_US_PER_S / g->opt->background_pps;
	if (b->interval_us == 0)
		b->interval_us = 1;
	init_flows(b);
	if (!cg_sched_push(&g->sched, start_us, background_task, b)) {
		free(b);
		cg_gen_fail(g, "out of memory in the event queue");
		return false;
	}
	return true;
}
