/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test driver of the delivery engine: submits HI2 and HI3 records for some
 * LIIDs to one agency, waits as asked, and writes the engine's counters as
 * JSON. tests/integration/delivery_cases.sh runs it against lime-lemf.
 *
 * Exit status: 0 when everything requested happened (with
 * --wait-delivered-ms every record acknowledged, and the drain finished),
 * 1 when not, and 2 for bad options. With --crash the driver exits with 3
 * right after the drain, without stopping the engine, as a crash would.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/config.h"
#include "control/delivery/delivery.h"
#include "lib/util/log.h"

#define MAX_LIIDS 8
/* Capture time of the first record: 2026-03-01T10:00:00Z. */
#define BASE_TS_US (UINT64_C(1772359200) * 1000000)

struct driver_options {
	const char *spool, *hi2, *hi3, *agency, *stats_path, *ca_file;
	const char *reload_hi2, *reload_hi3;
	char *liids[MAX_LIIDS];
	int n_liids;
	long records, interval_us, cc_bytes;
	long keepalive_s, keepalive_wait_ms, reconnect_max_ms;
	long wait_delivered_ms, drain_ms, hold_ms;
	unsigned long long quota;
	enum delivery_io_backend backend;
	bool offline, crash, tls, reload;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: delivery_driver --spool DIR --hi2 ADDR --hi3 ADDR [options]\n"
		"  --agency NAME            agency name (default lea-1)\n"
		"  --backend auto|uring|epoll\n"
		"  --liids A,B              LIIDs (default LIID-A,LIID-B)\n"
		"  --records N              HI2 and HI3 records per LIID (default 100)\n"
		"  --interval-us US         pause between rounds of records (default 0)\n"
		"  --cc-bytes N             size of each HI3 IP packet (default 200)\n"
		"  --keepalive-s S          agency keepalive_s (default 30)\n"
		"  --keepalive-wait-ms MS   wait for a keep-aliveResponse (default 5000)\n"
		"  --reconnect-max-ms MS    largest reconnect delay (default 300)\n"
		"  --quota BYTES            spool quota (default none)\n"
		"  --offline                capture replay mode\n"
		"  --wait-delivered-ms MS   wait until the agency acknowledged everything\n"
		"  --drain-ms MS            drain timeout (default 10000)\n"
		"  --hold-ms MS             stay connected this long after submitting\n"
		"  --tls --ca FILE          deliver over TLS, verified against FILE\n"
		"  --crash                  exit after the drain without stopping\n"
		"  --reload                 reload the configuration after half of the\n"
		"                           records, unchanged unless these are given:\n"
		"  --reload-hi2 ADDR --reload-hi3 ADDR\n"
		"  --stats FILE             write counters as JSON\n");
}

static int parse_liids(struct driver_options *o, char *list)
{
	o->n_liids = 0;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->n_liids == MAX_LIIDS || strlen(tok) > 25 || tok[0] == '\0')
			return -1;
		o->liids[o->n_liids++] = tok;
	}
	return o->n_liids > 0 ? 0 : -1;
}

static int parse_backend(const char *text, enum delivery_io_backend *out)
{
	if (strcmp(text, "auto") == 0)
		*out = DELIVERY_IO_AUTO;
	else if (strcmp(text, "uring") == 0)
		*out = DELIVERY_IO_URING;
	else if (strcmp(text, "epoll") == 0)
		*out = DELIVERY_IO_EPOLL;
	else
		return -1;
	return 0;
}

static int parse_options(int argc, char **argv, struct driver_options *o)
{
	static char default_liids[] = "LIID-A,LIID-B";
	static const struct option longs[] = {
		{"spool", required_argument, NULL, 's'},
		{"hi2", required_argument, NULL, '2'},
		{"hi3", required_argument, NULL, '3'},
		{"agency", required_argument, NULL, 'a'},
		{"backend", required_argument, NULL, 'b'},
		{"liids", required_argument, NULL, 'l'},
		{"records", required_argument, NULL, 'n'},
		{"interval-us", required_argument, NULL, 'i'},
		{"cc-bytes", required_argument, NULL, 'c'},
		{"keepalive-s", required_argument, NULL, 'k'},
		{"keepalive-wait-ms", required_argument, NULL, 'w'},
		{"reconnect-max-ms", required_argument, NULL, 'r'},
		{"quota", required_argument, NULL, 'q'},
		{"offline", no_argument, NULL, 'o'},
		{"wait-delivered-ms", required_argument, NULL, 'W'},
		{"drain-ms", required_argument, NULL, 'd'},
		{"hold-ms", required_argument, NULL, 'h'},
		{"tls", no_argument, NULL, 't'},
		{"ca", required_argument, NULL, 'C'},
		{"crash", no_argument, NULL, 'x'},
		{"stats", required_argument, NULL, 'S'},
		{"reload", no_argument, NULL, 'R'},
		{"reload-hi2", required_argument, NULL, 'H'},
		{"reload-hi3", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct driver_options){
		.agency = "lea-1", .records = 100, .cc_bytes = 200,
		.keepalive_s = 30, .keepalive_wait_ms = 5000,
		.reconnect_max_ms = 300, .drain_ms = 10000,
	};
	parse_liids(o, default_liids);
	for (int c; (c = getopt_long(argc, argv, "", longs, NULL)) != -1;) {
		switch (c) {
		case 's': o->spool = optarg; break;
		case '2': o->hi2 = optarg; break;
		case '3': o->hi3 = optarg; break;
		case 'a': o->agency = optarg; break;
		case 'b':
			if (parse_backend(optarg, &o->backend) != 0)
				return -1;
			break;
		case 'l':
			if (parse_liids(o, optarg) != 0)
				return -1;
			break;
		case 'n': o->records = atol(optarg); break;
		case 'i': o->interval_us = atol(optarg); break;
		case 'c': o->cc_bytes = atol(optarg); break;
		case 'k': o->keepalive_s = atol(optarg); break;
		case 'w': o->keepalive_wait_ms = atol(optarg); break;
		case 'r': o->reconnect_max_ms = atol(optarg); break;
		case 'q': o->quota = strtoull(optarg, NULL, 10); break;
		case 'o': o->offline = true; break;
		case 'W': o->wait_delivered_ms = atol(optarg); break;
		case 'd': o->drain_ms = atol(optarg); break;
		case 'h': o->hold_ms = atol(optarg); break;
		case 't': o->tls = true; break;
		case 'C': o->ca_file = optarg; break;
		case 'x': o->crash = true; break;
		case 'S': o->stats_path = optarg; break;
		case 'R': o->reload = true; break;
		case 'H': o->reload_hi2 = optarg; break;
		case 'T': o->reload_hi3 = optarg; break;
		default: return -1;
		}
	}
	if (o->spool == NULL || o->hi2 == NULL || o->hi3 == NULL ||
	    o->records < 0 || o->cc_bytes < 28 || o->cc_bytes > 65000 ||
	    (o->tls && o->ca_file == NULL))
		return -1;
	return 0;
}

/* A configuration with one agency, built in memory. */
static void build_config(const struct driver_options *o, struct lime_config *cfg,
			 struct lime_agency *ag)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(ag, 0, sizeof(*ag));
	ag->name = (char *)o->agency;
	ag->hi2 = (char *)o->hi2;
	ag->hi3 = (char *)o->hi3;
	ag->tls = o->tls;
	ag->ca_file = (char *)o->ca_file;
	ag->authorization_country = "XX";
	ag->delivery_country = "XX";
	ag->operator_id = "OPER";
	ag->network_element_id = "lime-1";
	ag->keepalive_s = (uint32_t)o->keepalive_s;
	etsi_oids_default(&ag->oids);
	cfg->agencies = ag;
	cfg->n_agencies = 1;
	cfg->spool_dir = (char *)o->spool;
}

static uint8_t *sip_text(const char *liid, long i, size_t *len)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf),
			 "MESSAGE sip:bob@example.org SIP/2.0\r\n"
			 "Call-ID: %s-%ld@driver\r\nCSeq: %ld MESSAGE\r\n"
			 "Content-Length: 0\r\n\r\n", liid, i, i + 1);

	*len = (size_t)n;
	return (uint8_t *)strndup(buf, (size_t)n);
}

/* IPv4/UDP/RTP with G.711 mu-law samples: byte k of packet i is i+k. */
static uint8_t *rtp_packet(long i, long size, size_t *len)
{
	uint8_t *p = calloc(1, (size_t)size);

	if (p == NULL)
		return NULL;
	p[0] = 0x45;
	p[2] = (uint8_t)(size >> 8);
	p[3] = (uint8_t)size;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, (uint8_t[]){192, 0, 2, 10}, 4);
	memcpy(p + 16, (uint8_t[]){198, 51, 100, 20}, 4);
	p[20] = 0x9c; p[21] = 0x40; p[22] = 0x9c; p[23] = 0x40;
	p[24] = (uint8_t)((size - 20) >> 8);
	p[25] = (uint8_t)(size - 20);
	p[28] = 0x80;
	p[29] = 0;
	p[30] = (uint8_t)(i >> 8);
	p[31] = (uint8_t)i;
	for (long k = 40; k < size; k++)
		p[k] = (uint8_t)(i + k);
	p[36] = 0x11; p[37] = 0x22; p[38] = 0x33; p[39] = 0x44;
	*len = (size_t)size;
	return p;
}

static int submit_round(struct delivery *d, const struct driver_options *o,
			const uint32_t *cins, long i)
{
	for (int k = 0; k < o->n_liids; k++) {
		struct delivery_record iri = {
			.channel = DELIVERY_HI2,
			.cin = cins[k],
			.ts_us = BASE_TS_US + (uint64_t)i * 20000,
			.iri_type = i == 0 ? ETSI_IRI_BEGIN : ETSI_IRI_CONTINUE,
			.src = {.version = 4, .addr = {192, 0, 2, 10}},
			.dst = {.version = 4, .addr = {198, 51, 100, 20}},
		};
		struct delivery_record cc = {
			.channel = DELIVERY_HI3,
			.cin = cins[k],
			.ts_us = BASE_TS_US + (uint64_t)i * 20000,
			.direction = ETSI_DIR_FROM_TARGET,
		};

		snprintf(iri.liid, sizeof(iri.liid), "%s", o->liids[k]);
		snprintf(cc.liid, sizeof(cc.liid), "%s", o->liids[k]);
		iri.payload = sip_text(o->liids[k], i, &iri.payload_len);
		cc.payload = rtp_packet(i, o->cc_bytes, &cc.payload_len);
		if (iri.payload == NULL || cc.payload == NULL ||
		    delivery_submit(d, o->agency, &iri) != 0 ||
		    delivery_submit(d, o->agency, &cc) != 0)
			return -1;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static bool wait_delivered(struct delivery *d, long ms)
{
	struct delivery_stats s;

	for (long waited = 0;; waited += 10) {
		delivery_get_stats(d, &s);
		if (s.records_pending == 0)
			return true;
		if (waited >= ms)
			break;
		sleep_ms(10);
	}
	fprintf(stderr, "delivery_driver: %" PRIu64 " records still pending after %ld ms\n",
		s.records_pending, ms);
	return false;
}

/* Waits for the first half to arrive, then applies the configuration
 * again, with the reload addresses when given. */
static int reload(struct delivery *d, struct driver_options *o, bool *ok)
{
	struct lime_config cfg;
	struct lime_agency agency;

	if (o->wait_delivered_ms > 0)
		*ok = wait_delivered(d, o->wait_delivered_ms) && *ok;
	if (o->reload_hi2 != NULL)
		o->hi2 = o->reload_hi2;
	if (o->reload_hi3 != NULL)
		o->hi3 = o->reload_hi3;
	build_config(o, &cfg, &agency);
	if (delivery_update(d, &cfg) != 0) {
		fprintf(stderr, "delivery_driver: delivery_update failed\n");
		return -1;
	}
	return 0;
}

static void write_stats(struct delivery *d, const struct driver_options *o,
			const uint32_t *cins, int drained)
{
	struct delivery_stats s;
	FILE *f = fopen(o->stats_path, "w");

	if (f == NULL) {
		perror(o->stats_path);
		return;
	}
	delivery_get_stats(d, &s);
	fprintf(f, "{\"backend\": \"%s\", \"drained\": %s, \"connects\": %" PRIu64
		", \"connect_failures\": %" PRIu64 ", \"disconnects\": %" PRIu64
		", \"keepalives_sent\": %" PRIu64 ", \"keepalive_timeouts\": %" PRIu64
		", \"records_delivered\": %" PRIu64 ", \"records_spooled\": %" PRIu64
		", \"records_replayed\": %" PRIu64 ", \"records_resent\": %" PRIu64
		", \"records_pending\": %" PRIu64 ", \"records_lost\": %" PRIu64
		", \"spool_bytes\": %" PRIu64 ", \"spool_full_events\": %" PRIu64
		", \"bad_responses\": %" PRIu64 ", \"liids\": {",
		s.backend, drained == 0 ? "true" : "false", s.connects,
		s.connect_failures, s.disconnects, s.keepalives_sent,
		s.keepalive_timeouts, s.records_delivered, s.records_spooled,
		s.records_replayed, s.records_resent, s.records_pending,
		s.records_lost, s.spool_bytes, s.spool_full_events, s.bad_responses);
	for (int k = 0; k < o->n_liids; k++) {
		struct delivery_liid_counts c;

		delivery_liid_counts(d, o->liids[k], &c);
		fprintf(f, "%s\"%s\": {\"cin\": %" PRIu32 ", \"delivered\": [%" PRIu64
			", %" PRIu64 "], \"spooled\": [%" PRIu64 ", %" PRIu64 "]}",
			k ? ", " : "", o->liids[k], cins[k], c.delivered[0],
			c.delivered[1], c.spooled[0], c.spooled[1]);
	}
	fprintf(f, "}}\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	struct driver_options o;
	struct lime_config cfg;
	struct lime_agency agency;
	uint32_t cins[MAX_LIIDS];
	char err[512];

	lime_log_set_program("delivery_driver");
	if (parse_options(argc, argv, &o) != 0) {
		usage();
		return 2;
	}
	build_config(&o, &cfg, &agency);

	struct delivery_options opts = {
		.spool_quota_bytes = o.quota,
		.keepalive_wait_ms = (uint32_t)o.keepalive_wait_ms,
		.reconnect_min_ms = 50,
		.reconnect_max_ms = (uint32_t)o.reconnect_max_ms,
		.backend = o.backend,
		.offline = o.offline,
	};
	struct delivery *d = delivery_start(&cfg, &opts, err, sizeof(err));

	if (d == NULL) {
		fprintf(stderr, "delivery_driver: %s\n", err);
		return 1;
	}
	for (int k = 0; k < o.n_liids; k++)
		cins[k] = delivery_next_cin(d, o.liids[k]);

	bool ok = true;

	for (long i = 0; i < o.records; i++) {
		if (o.reload && i == o.records / 2 && reload(d, &o, &ok) != 0) {
			delivery_stop(d);
			return 1;
		}
		if (submit_round(d, &o, cins, i) != 0) {
			fprintf(stderr, "delivery_driver: submit failed in round %ld\n", i);
			delivery_stop(d);
			return 1;
		}
		if (o.interval_us > 0)
			usleep((useconds_t)o.interval_us);
	}
	if (o.wait_delivered_ms > 0)
		ok = wait_delivered(d, o.wait_delivered_ms) && ok;
	if (o.hold_ms > 0)
		sleep_ms(o.hold_ms);

	int drained = delivery_drain(d, (uint32_t)o.drain_ms);

	if (drained != 0) {
		fprintf(stderr, "delivery_driver: drain timed out after %ld ms\n",
			o.drain_ms);
		ok = false;
	}
	if (o.stats_path != NULL)
		write_stats(d, &o, cins, drained);
	if (o.crash)
		_exit(3);
	delivery_stop(d);
	return ok ? 0 : 1;
}
