/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/callgen/timefmt.h"

#define EXIT_USAGE 2
#define MAX_CALLS 8000000u
#define MAX_CONCURRENCY 1000000u
#define MAX_DURATION_S 86400.0
#define MAX_TARGETS 1000u
#define MAX_BACKGROUND_PPS 1000000u
#define MAX_ATTACK_COUNT 100000u
#define DEFAULT_START "2026-06-01T00:00:00Z"

static const char usage_text[] =
	"Usage: lime-callgen --out FILE.pcap --truth FILE.json [options]\n"
	"\n"
	"Writes a capture of complete SIP calls with SRTP media (Ethernet,\n"
	"pcap) and a ground-truth file that describes every call and stream.\n"
	"\n"
	"Output:\n"
	"  --out FILE             capture file to write (required)\n"
	"  --truth FILE           ground truth as JSON (required)\n"
	"  --truth-keys FILE      also write each stream's SRTP master key and\n"
	"                         salt in hex, one JSON object per line\n"
	"  --truth-payloads DIR   also write each stream's plaintext RTP payloads\n"
	"                         to DIR/<index>-<direction>.raw\n"
	"Calls:\n"
	"  --seed N               seed of every random choice (default 1)\n"
	"  --calls N              calls in total (default 10)\n"
	"  --concurrency N        calls active at once; start times are spread\n"
	"                         so that about N overlap (default 10)\n"
	"  --duration S           seconds of media per call, decimals allowed\n"
	"                         (default 10)\n"
	"  --ptime MS             milliseconds per RTP packet, 10 to 120 in\n"
	"                         steps of 10 (default 20)\n"
	"  --codec NAME           pcmu (default), pcma or wideband (G.722 framing)\n"
	"  --target-share F       fraction 0 to 1 of calls with a target as\n"
	"                         caller or callee (default 0.25)\n"
	"  --targets N            number of target identities (default 4)\n"
	"  --transport MODE       SIP over udp (default), tcp or mixed\n"
	"  --keying MODE          sdes (default), mikey, mixed or none\n"
	"  --suite NAME           SRTP suite (default AES_CM_128_HMAC_SHA1_80)\n"
	"  --rtcp-mux             RTP and RTCP on one port (RFC 5761)\n"
	"  --ipv6                 IPv6 addresses from 2001:db8::/32\n"
	"  --background N         non-VoIP packets per second (default 0)\n"
	"  --start TIME           capture start, RFC 3339 (default " DEFAULT_START ")\n"
	"MIKEY-TICKET (for --keying mikey or mixed):\n"
	"  --kms URL              the KMS, https://HOST:PORT/PATH\n"
	"  --kms-ca FILE          CA certificates that verify the KMS\n"
	"  --kms-config FILE      the lime-kms configuration: users and PSKs\n"
	"  --kms-cert FILE        client certificate for mutual TLS (optional)\n"
	"  --kms-key FILE         its private key\n"
	"  --report-keys F        fraction 0 to 1 of MIKEY calls whose callee\n"
	"                         reports TRANSFER_INIT and TRANSFER_RESP to the\n"
	"                         KMS after answering (default 0)\n"
	"Attacks (repeatable):\n"
	"  --attack KIND[:N]      tap-altered[:N] (N MIKEY calls whose captured\n"
	"                         TRANSFER_INIT differs from the one used),\n"
	"                         expired-ticket[:N] (N calls reusing a ticket\n"
	"                         after its validity ended), forged-flood[:N]\n"
	"                         (N forged TRANSFER_INITs), report-mismatch[:N]\n"
	"                         (N MIKEY calls whose captured TRANSFER_INIT and\n"
	"                         TRANSFER_RESP carry other RANDs with valid MACs\n"
	"                         while the ends use and report the originals);\n"
	"                         N defaults to 1\n"
	"Other:\n"
	"  --quiet                print only errors\n"
	"  --help                 show this text\n";

static const char *const attack_names[CG_ATTACK_KINDS] = {
	[CG_ATTACK_NONE] = "none",
	[CG_ATTACK_TAP_ALTERED] = "tap-altered",
	[CG_ATTACK_EXPIRED_TICKET] = "expired-ticket",
	[CG_ATTACK_FORGED_FLOOD] = "forged-flood",
	[CG_ATTACK_REPORT_MISMATCH] = "report-mismatch",
};

const char *cg_attack_name(enum cg_attack_kind kind)
{
	return kind < CG_ATTACK_KINDS ? attack_names[kind] : "unknown";
}

const char *cg_transport_mode_name(enum cg_transport_mode mode)
{
	static const char *const names[] = { "udp", "tcp", "mixed" };

	return names[mode];
}

const char *cg_keying_mode_name(enum cg_keying_mode mode)
{
	static const char *const names[] = { "sdes", "mikey", "mixed", "none" };

	return names[mode];
}

static int usage_error(const char *fmt, const char *value)
{
	fprintf(stderr, "lime-callgen: ");
	fprintf(stderr, fmt, value);
	fprintf(stderr, "\nTry 'lime-callgen --help'.\n");
	return EXIT_USAGE;
}

static bool parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (text[0] == '-' || text[0] == '\0')
		return false;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(text, min, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_double(const char *text, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_choice(const char *text, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(text, names[i]) == 0)
			return i;
	}
	return -1;
}

/* Parses KIND[:N] of --attack. */
static int parse_attack(const char *text, struct cg_options *o)
{
	char kind[32];
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	uint32_t count = 1;
	int k;

	if (len >= sizeof(kind))
		return usage_error("invalid --attack \"%s\": use tap-altered, expired-ticket, "
				   "forged-flood or report-mismatch, optionally with :N", text);
	memcpy(kind, text, len);
	kind[len] = '\0';
	k = parse_choice(kind, attack_names + 1, CG_ATTACK_KINDS - 1);
	if (k < 0)
		return usage_error("invalid --attack \"%s\": use tap-altered, expired-ticket, "
				   "forged-flood or report-mismatch, optionally with :N", text);
	if (colon != NULL && !parse_u32(colon + 1, 1, MAX_ATTACK_COUNT, &count))
		return usage_error("invalid --attack \"%s\": N must be 1 to 100000", text);
	o->attack_count[k + 1] += count;
	return 0;
}

static void set_defaults(struct cg_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->calls = 10;
	o->concurrency = 10;
	o->duration_us = 10 * CG_US_PER_S;
	o->ptime_ms = 20;
	o->codec = CG_CODEC_PCMU;
	o->target_share = 0.25;
	o->targets = 4;
	o->transport = CG_TRANSPORT_UDP;
	o->keying = CG_KEYING_MODE_SDES;
	o->suite = cg_suite_default();
	cg_time_parse(DEFAULT_START, &o->start_us);
}

enum option_id {
	OPT_OUT = 256, OPT_TRUTH, OPT_TRUTH_KEYS, OPT_TRUTH_PAYLOADS, OPT_SEED,
	OPT_CALLS, OPT_CONCURRENCY, OPT_DURATION, OPT_PTIME, OPT_CODEC,
	OPT_TARGET_SHARE, OPT_TARGETS, OPT_TRANSPORT, OPT_KEYING, OPT_SUITE,
	OPT_RTCP_MUX, OPT_IPV6, OPT_BACKGROUND, OPT_START, OPT_KMS, OPT_KMS_CA,
	OPT_KMS_CONFIG, OPT_KMS_CERT, OPT_KMS_KEY, OPT_REPORT_KEYS, OPT_ATTACK, OPT_QUIET, OPT_HELP,
};

static int parse_value(int id, const char *v, struct cg_options *o)
{
	static const char *const codecs[] = { "pcmu", "pcma", "wideband" };
	static const char *const transports[] = { "udp", "tcp", "mixed" };
	static const char *const keyings[] = { "sdes", "mikey", "mixed", "none" };
	double seconds;
	int choice;

	switch (id) {
	case OPT_OUT: o->out_path = v; return 0;
	case OPT_TRUTH: o->truth_path = v; return 0;
	case OPT_TRUTH_KEYS: o->truth_keys_path = v; return 0;
	case OPT_TRUTH_PAYLOADS: o->truth_payloads_dir = v; return 0;
	case OPT_KMS: o->kms_url = v; return 0;
	case OPT_KMS_CA: o->kms_ca = v; return 0;
	case OPT_KMS_CONFIG: o->kms_config = v; return 0;
	case OPT_KMS_CERT: o->kms_cert = v; return 0;
	case OPT_KMS_KEY: o->kms_key = v; return 0;
	case OPT_ATTACK: return parse_attack(v, o);
	case OPT_REPORT_KEYS:
		if (!parse_double(v, 0.0, 1.0, &o->report_share))
			return usage_error("invalid --report-keys \"%s\": give a fraction from 0 to 1", v);
		return 0;
	case OPT_SEED:
		if (!parse_u64(v, 0, UINT64_MAX, &o->seed))
			return usage_error("invalid --seed \"%s\": give an unsigned 64-bit number", v);
		return 0;
	case OPT_CALLS:
		if (!parse_u32(v, 1, MAX_CALLS, &o->calls))
			return usage_error("invalid --calls \"%s\": give 1 to 8000000", v);
		return 0;
	case OPT_CONCURRENCY:
		if (!parse_u32(v, 1, MAX_CONCURRENCY, &o->concurrency))
			return usage_error("invalid --concurrency \"%s\": give 1 to 1000000", v);
		return 0;
	case OPT_DURATION:
		if (!parse_double(v, 0.1, MAX_DURATION_S, &seconds))
			return usage_error("invalid --duration \"%s\": give 0.1 to 86400 seconds", v);
		o->duration_us = (int64_t)llround(seconds * CG_US_PER_S);
		return 0;
	case OPT_PTIME:
		if (!parse_u32(v, 10, 120, &o->ptime_ms) || o->ptime_ms % 10 != 0)
			return usage_error("invalid --ptime \"%s\": give 10 to 120 milliseconds "
					   "in steps of 10", v);
		return 0;
	case OPT_CODEC:
		choice = parse_choice(v, codecs, 3);
		if (choice < 0)
			return usage_error("invalid --codec \"%s\": use pcmu, pcma or wideband", v);
		o->codec = (enum cg_codec)choice;
		return 0;
	case OPT_TARGET_SHARE:
		if (!parse_double(v, 0.0, 1.0, &o->target_share))
			return usage_error("invalid --target-share \"%s\": give a fraction from 0 to 1", v);
		return 0;
	case OPT_TARGETS:
		if (!parse_u32(v, 1, MAX_TARGETS, &o->targets))
			return usage_error("invalid --targets \"%s\": give 1 to 1000", v);
		return 0;
	case OPT_TRANSPORT:
		choice = parse_choice(v, transports, 3);
		if (choice < 0)
			return usage_error("invalid --transport \"%s\": use udp, tcp or mixed", v);
		o->transport = (enum cg_transport_mode)choice;
		return 0;
	case OPT_KEYING:
		choice = parse_choice(v, keyings, 4);
		if (choice < 0)
			return usage_error("invalid --keying \"%s\": use sdes, mikey, mixed or none", v);
		o->keying = (enum cg_keying_mode)choice;
		return 0;
	case OPT_SUITE:
		o->suite = cg_suite_find(v);
		if (o->suite == NULL) {
			fprintf(stderr, "lime-callgen: invalid --suite \"%s\": use one of %s\n"
				"Try 'lime-callgen --help'.\n", v, cg_suite_names());
			return EXIT_USAGE;
		}
		return 0;
	case OPT_BACKGROUND:
		if (!parse_u32(v, 0, MAX_BACKGROUND_PPS, &o->background_pps))
			return usage_error("invalid --background \"%s\": give 0 to 1000000 packets "
					   "per second", v);
		return 0;
	case OPT_START:
		if (!cg_time_parse(v, &o->start_us))
			return usage_error("invalid --start \"%s\": give an RFC 3339 time such as "
					   DEFAULT_START, v);
		return 0;
	}
	return usage_error("internal error: unhandled option %s", "");
}

/* Checks the options that only make sense together. */
static int check_combinations(const struct cg_options *o)
{
	bool mikey = o->keying == CG_KEYING_MODE_MIKEY || o->keying == CG_KEYING_MODE_MIXED;

	if (o->out_path == NULL || o->truth_path == NULL)
		return usage_error("%s", "--out FILE and --truth FILE are required");
	if (mikey && (o->kms_url == NULL || o->kms_ca == NULL || o->kms_config == NULL))
		return usage_error("--keying %s needs --kms URL, --kms-ca FILE and --kms-config FILE",
				   cg_keying_mode_name(o->keying));
	if ((o->kms_cert == NULL) != (o->kms_key == NULL))
		return usage_error("%s", "--kms-cert and --kms-key go together");
	if (!mikey && (o->attack_count[CG_ATTACK_TAP_ALTERED] > 0 ||
		       o->attack_count[CG_ATTACK_EXPIRED_TICKET] > 0 ||
		       o->attack_count[CG_ATTACK_REPORT_MISMATCH] > 0 ||
		       o->report_share > 0.0))
		return usage_error("--attack tap-altered, expired-ticket and report-mismatch "
				   "and --report-keys need MIKEY-TICKET "
				   "calls: add --keying mikey or mixed (now %s)",
				   cg_keying_mode_name(o->keying));
	return 0;
}

int cg_options_parse(int argc, char **argv, struct cg_options *o)
{
	static const struct option long_opts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "truth", required_argument, NULL, OPT_TRUTH },
		{ "truth-keys", required_argument, NULL, OPT_TRUTH_KEYS },
		{ "truth-payloads", required_argument, NULL, OPT_TRUTH_PAYLOADS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "calls", required_argument, NULL, OPT_CALLS },
		{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "ptime", required_argument, NULL, OPT_PTIME },
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "target-share", required_argument, NULL, OPT_TARGET_SHARE },
		{ "targets", required_argument, NULL, OPT_TARGETS },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "keying", required_argument, NULL, OPT_KEYING },
		{ "suite", required_argument, NULL, OPT_SUITE },
		{ "rtcp-mux", no_argument, NULL, OPT_RTCP_MUX },
		{ "ipv6", no_argument, NULL, OPT_IPV6 },
		{ "background", required_argument, NULL, OPT_BACKGROUND },
		{ "start", required_argument, NULL, OPT_START },
		{ "kms", required_argument, NULL, OPT_KMS },
		{ "kms-ca", required_argument, NULL, OPT_KMS_CA },
		{ "kms-config", required_argument, NULL, OPT_KMS_CONFIG },
		{ "kms-cert", required_argument, NULL, OPT_KMS_CERT },
		{ "kms-key", required_argument, NULL, OPT_KMS_KEY },
		{ "report-keys", required_argument, NULL, OPT_REPORT_KEYS },
		{ "attack", required_argument, NULL, OPT_ATTACK },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	set_defaults(o);
	opterr = 0;
	/* A leading ':' makes getopt report a missing value as ':'. */
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		int rc = 0;

		switch (opt) {
		case OPT_RTCP_MUX:
			o->rtcp_mux = true;
			break;
		case OPT_IPV6:
			o->ipv6 = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return 1;
		case ':':
			return usage_error("option \"%s\" needs a value", argv[optind - 1]);
		case '?':
			return usage_error("unknown option \"%s\"", argv[optind - 1]);
		default:
			rc = parse_value(opt, optarg, o);
		}
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	return check_combinations(o);
}
