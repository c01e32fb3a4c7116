/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kms_client_driver: runs the asynchronous KMS client against a server
 * for tests/integration/kms_client_cases.sh.
 *
 *   kms_client_driver --url URL [options] STEP...
 *
 * Steps run in order:
 *   submit:N:KIND     submits N bodies; KIND is "request" (a fresh
 *                     REQUEST_INIT_PSK of --identity), "text" (not MIKEY),
 *                     "big" (65537 bytes) or "empty". Prints a "submit"
 *                     line with the accepted and rejected counts.
 *   wait:MS           polls, sleeping on the event fd, until nothing is
 *                     pending or MS have passed. Prints a "results" line
 *                     for the responses taken since the last one.
 *   drain:MS          kms_client_drain(MS), then polls and prints "results".
 *   sleep:MS          sleeps.
 *   waitfile:PATH:MS  waits until PATH exists, at most MS.
 *   stats             prints a "stats" line with the client's counters.
 *
 * The client is started before the first step and stopped after the last.
 * Exit status 0, 1 when the client cannot start, 2 for bad options.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kms_client/kms_client.h"
#include "lib/util/log.h"
#include "tests/kms/kms_client_msg.h"

#define MSG_MAX 4096

struct options {
	struct kms_client_config cfg;
	const char *identity;
	const char *kms_identity;
	uint8_t psk[64];
	size_t psk_len;
};

/* What the driver remembers of one submitted request. */
struct sent {
	bool is_mikey_request;
	struct kmsc_params params;
	uint8_t msg[MSG_MAX];
	size_t len;
};

/* Counts of the responses taken since the last "results" line. */
struct tally {
	size_t n;
	size_t by_result[KMS_RESULT_INVALID + 1];
	size_t status_200, status_400, status_other;
	size_t mikey_valid;
	uint32_t min_attempts, max_attempts;
	uint64_t max_latency_us;
};

static struct tally tally;

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kms_client_driver: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint32_t parse_u32(const char *s, const char *name)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX)
		die("invalid %s \"%s\": give a number", name, s);
	return (uint32_t)v;
}

static size_t parse_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	if (strlen(hex) % 2 != 0 || n == 0 || n > cap)
		die("invalid --psk \"%s\": give hex digits", hex);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			die("invalid --psk \"%s\": give hex digits", hex);
		out[i] = (uint8_t)v;
	}
	return n;
}

static enum kms_io_backend parse_backend(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return KMS_IO_AUTO;
	if (strcmp(s, "uring") == 0)
		return KMS_IO_URING;
	if (strcmp(s, "epoll") == 0)
		return KMS_IO_EPOLL;
	die("invalid --backend \"%s\": use auto, uring or epoll", s);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "backend", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "max-retries", required_argument, NULL, 'r' },
		{ "max-in-flight", required_argument, NULL, 'f' },
		{ "breaker-failures", required_argument, NULL, 'F' },
		{ "breaker-open-ms", required_argument, NULL, 'O' },
		{ "backoff-ms", required_argument, NULL, 'B' },
		{ "identity", required_argument, NULL, 'i' },
		{ "psk", required_argument, NULL, 'p' },
		{ "kms-identity", required_argument, NULL, 'K' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	kms_client_config_init(&o->cfg);
	o->identity = "sip:alice@ims.test";
	o->kms_identity = "sip:kms@lime.test";
	o->psk_len = parse_hex("11111111111111111111111111111111", o->psk, sizeof(o->psk));

	int ch;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': o->cfg.url = optarg; break;
		case 'a': o->cfg.ca_file = optarg; break;
		case 'c': o->cfg.cert_file = optarg; break;
		case 'k': o->cfg.key_file = optarg; break;
		case 'b': o->cfg.backend = parse_backend(optarg); break;
		case 't': o->cfg.timeout_ms = parse_u32(optarg, "--timeout-ms"); break;
		case 'm': o->cfg.max_connections = parse_u32(optarg, "--max-connections"); break;
		case 'r': o->cfg.max_retries = parse_u32(optarg, "--max-retries"); break;
		case 'f': o->cfg.max_in_flight = parse_u32(optarg, "--max-in-flight"); break;
		case 'F': o->cfg.breaker_failures = parse_u32(optarg, "--breaker-failures"); break;
		case 'O': o->cfg.breaker_open_ms = parse_u32(optarg, "--breaker-open-ms"); break;
		case 'B': o->cfg.backoff_base_ms = parse_u32(optarg, "--backoff-ms"); break;
		case 'i': o->identity = optarg; break;
		case 'p': o->psk_len = parse_hex(optarg, o->psk, sizeof(o->psk)); break;
		case 'K': o->kms_identity = optarg; break;
		case 'd': lime_log_set_level(LIME_LOG_DEBUG); break;
		default: return -1;
		}
	}
	return optind;
}

static int64_t realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sent *make_body(const struct options *o, const char *kind)
{
	struct sent *s = calloc(1, sizeof(*s));
	if (!s)
		die("out of memory");
	if (strcmp(kind, "request") == 0) {
		kmsc_params_init(&s->params, o->identity, o->psk, o->psk_len, o->kms_identity,
				 realtime_us());
		if (kmsc_build_request(&s->params, s->msg, sizeof(s->msg), &s->len) != 0)
			die("cannot build a REQUEST_INIT_PSK for %s", o->identity);
		s->is_mikey_request = true;
	} else if (strcmp(kind, "text") == 0) {
		s->len = (size_t)snprintf((char *)s->msg, sizeof(s->msg), "not a MIKEY message");
	} else if (strcmp(kind, "empty") != 0 && strcmp(kind, "big") != 0) {
		die("unknown body kind \"%s\": use request, text, big or empty", kind);
	}
	return s;
}

static void step_submit(struct kms_client *c, const struct options *o, const char *arg)
{
	char kind[32];
	unsigned n;
	if (sscanf(arg, "%u:%31s", &n, kind) != 2)
		die("invalid step \"submit:%s\": use submit:N:KIND", arg);

	static uint8_t big[KMS_CLIENT_MAX_BODY + 1];
	size_t accepted = 0, rejected[KMS_RESULT_INVALID + 1] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		struct sent *s = make_body(o, kind);
		bool is_big = strcmp(kind, "big") == 0;
		enum kms_result why = KMS_RESULT_OK;
		uint64_t id = kms_client_submit(c, is_big ? big : s->msg,
						is_big ? sizeof(big) : s->len, s, &why);
		if (id > 0) {
			accepted++;
		} else {
			rejected[why]++;
			free(s);
		}
	}
	printf("submit kind=%s accepted=%zu rejected_overloaded=%zu rejected_breaker_open=%zu "
	       "rejected_shutdown=%zu rejected_invalid=%zu\n", kind, accepted,
	       rejected[KMS_RESULT_OVERLOADED], rejected[KMS_RESULT_BREAKER_OPEN],
	       rejected[KMS_RESULT_SHUTDOWN], rejected[KMS_RESULT_INVALID]);
	fflush(stdout);
}

/* Checks that a 200 response to a REQUEST_INIT_PSK is a REQUEST_RESP whose
 * V verifies with the initiator's PSK. */
static bool response_is_valid(const struct sent *s, const struct kms_response *r)
{
	static struct kmsc_keys keys;
	static struct kmsc_ticket ticket;
	char reason[200];
	int error_no = -1;
	enum kmsc_result v = kmsc_read_response(&s->params, s->msg, s->len, r->body,
						r->body_len, MIKEY_DT_REQUEST_RESP, &keys,
						&ticket, &error_no, reason, sizeof(reason));
	kmsc_wipe_keys(&keys);
	if (v != KMSC_OK)
		fprintf(stderr, "request %llu: response not a valid REQUEST_RESP: %s (error %d)\n",
			(unsigned long long)r->request_id, reason, error_no);
	return v == KMSC_OK;
}

static void count_response(const struct kms_response *r)
{
	struct sent *s = r->user;
	tally.n++;
	tally.by_result[r->result]++;
	if (r->http_status == 200)
		tally.status_200++;
	else if (r->http_status == 400)
		tally.status_400++;
	else if (r->http_status != 0)
		tally.status_other++;
	if (r->result == KMS_RESULT_OK && s->is_mikey_request && response_is_valid(s, r))
		tally.mikey_valid++;
	if (tally.n == 1 || r->attempts < tally.min_attempts)
		tally.min_attempts = r->attempts;
	if (r->attempts > tally.max_attempts)
		tally.max_attempts = r->attempts;
	if (r->latency_us > tally.max_latency_us)
		tally.max_latency_us = r->latency_us;
	free(s);
}

static void take_responses(struct kms_client *c)
{
	struct kms_response *batch[64];
	size_t n;
	while ((n = kms_client_poll(c, batch, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			count_response(batch[i]);
			kms_response_free(batch[i]);
		}
	}
}

static void print_results(struct kms_client *c)
{
	printf("results n=%zu", tally.n);
	for (int r = KMS_RESULT_OK; r <= KMS_RESULT_INVALID; r++)
		printf(" %s=%zu", kms_result_name((enum kms_result)r), tally.by_result[r]);
	printf(" status_200=%zu status_400=%zu status_other=%zu mikey_valid=%zu "
	       "min_attempts=%u max_attempts=%u max_latency_ms=%llu pending=%zu\n",
	       tally.status_200, tally.status_400, tally.status_other, tally.mikey_valid,
	       tally.min_attempts, tally.max_attempts,
	       (unsigned long long)(tally.max_latency_us / 1000), kms_client_pending(c));
	fflush(stdout);
	memset(&tally, 0, sizeof(tally));
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void step_wait(struct kms_client *c, uint32_t ms)
{
	uint64_t end = monotonic_ms() + ms;
	for (;;) {
		take_responses(c);
		uint64_t now = monotonic_ms();
		if (kms_client_pending(c) == 0 || now >= end)
			break;
		struct pollfd pfd = { .fd = kms_client_event_fd(c), .events = POLLIN };
		poll(&pfd, 1, (int)(end - now));
	}
	print_results(c);
}

static void step_waitfile(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	if (!colon)
		die("invalid step \"waitfile:%s\": use waitfile:PATH:MS", arg);
	char path[4096];
	snprintf(path, sizeof(path), "%.*s", (int)(colon - arg), arg);
	uint64_t end = monotonic_ms() + parse_u32(colon + 1, "waitfile time");
	printf("waiting for %s\n", path);
	fflush(stdout);
	while (access(path, F_OK) != 0 && monotonic_ms() < end)
		usleep(10000);
}

static void print_stats(struct kms_client *c)
{
	struct kms_client_stats s;
	kms_client_stats(c, &s);
	uint64_t latency_total = 0;
	for (int i = 0; i < 16; i++)
		latency_total += s.latency_us_buckets[i];
	printf("stats submitted=%llu completed_ok=%llu http_errors=%llu timeouts=%llu "
	       "unreachable=%llu tls_errors=%llu retries=%llu breaker_opens=%llu "
	       "rejected_overloaded=%llu rejected_breaker=%llu connections_opened=%llu "
	       "connections_reused=%llu failed_breaker=%llu failed_shutdown=%llu "
	       "latency_counted=%llu backend=%s\n",
	       (unsigned long long)s.submitted, (unsigned long long)s.completed_ok,
	       (unsigned long long)s.http_errors, (unsigned long long)s.timeouts,
	       (unsigned long long)s.unreachable, (unsigned long long)s.tls_errors,
	       (unsigned long long)s.retries, (unsigned long long)s.breaker_opens,
	       (unsigned long long)s.rejected_overloaded,
	       (unsigned long long)s.rejected_breaker,
	       (unsigned long long)s.connections_opened,
	       (unsigned long long)s.connections_reused,
	       (unsigned long long)s.failed_breaker, (unsigned long long)s.failed_shutdown,
	       (unsigned long long)latency_total, kms_client_backend_name(c));
	fflush(stdout);
}

static void run_step(struct kms_client *c, const struct options *o, const char *step)
{
	if (strncmp(step, "submit:", 7) == 0)
		step_submit(c, o, step + 7);
	else if (strncmp(step, "wait:", 5) == 0)
		step_wait(c, parse_u32(step + 5, "wait time"));
	else if (strncmp(step, "drain:", 6) == 0) {
		kms_client_drain(c, parse_u32(step + 6, "drain time"));
		take_responses(c);
		print_results(c);
	} else if (strncmp(step, "sleep:", 6) == 0)
		usleep(parse_u32(step + 6, "sleep time") * 1000u);
	else if (strncmp(step, "waitfile:", 9) == 0)
		step_waitfile(step + 9);
	else if (strcmp(step, "stats") == 0)
		print_stats(c);
	else
		die("unknown step \"%s\"", step);
}

int main(int argc, char **argv)
{
	static struct options o;
	lime_log_set_program("kms_client_driver");
	int first = parse_options(argc, argv, &o);
	if (first < 0 || !o.cfg.url)
		die("usage: kms_client_driver --url URL [options] STEP...");

	char err[512];
	struct kms_client *c = kms_client_start(&o.cfg, err, sizeof(err));
	if (!c) {
		printf("start failed: %s\n", err);
		return 1;
	}
	printf("started backend=%s\n", kms_client_backend_name(c));
	fflush(stdout);
	for (int i = first; i < argc; i++)
		run_step(c, &o, argv[i]);

	kms_client_drain(c, 0);
	take_responses(c);
	kms_client_stop(c, 0);
	return 0;
}
