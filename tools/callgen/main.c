/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lime-callgen: writes captures of complete, encrypted calls and a
 * ground-truth file, for testing and demonstrating lime without phones.
 * The calls have SIP over UDP and TCP, an SDP offer and answer, and SRTP
 * and SRTCP both ways, keyed by SDES or by MIKEY-TICKET through a running
 * lime-kms.
 *
 *   lime-callgen --out FILE.pcap --truth FILE.json [options]
 *
 * Exit status: 0 when both files are complete, 2 for bad command-line
 * values, 1 for a runtime failure (a file that cannot be written, a KMS
 * that rejects an exchange or cannot be reached, fewer attacks than
 * requested).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tools/callgen/gen.h"
#include "tools/callgen/options.h"

#define EXIT_RUNTIME 1

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void print_targets(const struct cg_gen *g)
{
	printf("lime-callgen: targets:");
	for (size_t i = 0; i < g->n_targets; i++)
		printf(" %s", g->target_list[i]);
	printf("%s\n", g->n_targets == 0 ? " none" : "");
}

static void print_summary(const struct cg_options *o, const struct cg_truth_summary *s,
			  double elapsed)
{
	double rate = elapsed > 0 ? (double)s->frames / elapsed : 0;

	printf("lime-callgen: wrote %" PRIu64 " calls (%" PRIu64 " with a target, %" PRIu64
	       " attack calls), %" PRIu64 " packets (%" PRIu64 " SIP, %" PRIu64 " RTP, %"
	       PRIu64 " RTCP, %" PRIu64 " background) and %" PRIu64 " bytes to %s\n",
	       s->calls, s->target_calls, s->attack_calls, s->frames, s->sip_packets,
	       s->rtp_packets, s->rtcp_packets, s->background_packets, s->file_bytes,
	       o->out_path);
	printf("lime-callgen: took %.2f s (%.0f packets/s), peak %" PRIu32
	       " active calls, %" PRIu64 " KMS requests; ground truth in %s\n",
	       elapsed, rate, s->peak_active_calls, s->kms_requests, o->truth_path);
}

int main(int argc, char **argv)
{
	struct cg_options opt;
	struct cg_truth_summary summary;
	struct timespec start;
	struct cg_gen *g;
	int rc = cg_options_parse(argc, argv, &opt);
	int init_rc, run_rc = -1, finish_rc;

	if (rc != 0)
		return rc == 1 ? 0 : rc;
	clock_gettime(CLOCK_MONOTONIC, &start);
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		fprintf(stderr, "lime-callgen: out of memory\n");
		return EXIT_RUNTIME;
	}
	init_rc = cg_gen_init(g, &opt);
	if (init_rc == 0) {
		if (!opt.quiet)
			print_targets(g);
		run_rc = cg_gen_run(g);
	}
	finish_rc = cg_gen_finish(g, &summary);
	if (init_rc != 0 || run_rc != 0 || finish_rc != 0) {
		fprintf(stderr, "lime-callgen: %s\n", g->error);
		free(g);
		return EXIT_RUNTIME;
	}
	if (!opt.quiet)
		print_summary(&opt, &summary, seconds_since(&start));
	free(g);
	return 0;
}
