/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lime-lemf: reference receiver of the ETSI TS 102 232 handover.
 *
 *   lime-lemf --hi2 ADDR:PORT --hi3 ADDR:PORT --out DIR [--max-pdu BYTES]
 *             [--log-level LEVEL]
 *
 * Exit status: 0 after SIGINT or SIGTERM, 2 for bad command-line values,
 * 1 when it cannot listen, the event loop fails or summary.json cannot be
 * written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lib/util/log.h"
#include "tools/lemf/intercept.h"
#include "tools/lemf/lemf.h"
#include "tools/lemf/server.h"
#include "tools/lemf/summary.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
/* Smallest useful --max-pdu: a keep-alive with a full header fits. */
#define MAX_PDU_MIN 64
#define MAX_PDU_MAX (1024u * 1024u * 1024u)

struct lemf_counters lemf_counters;

static const char usage_text[] =
	"Usage: lime-lemf --hi2 ADDR:PORT --hi3 ADDR:PORT --out DIR [options]\n"
	"\n"
	"Receives ETSI TS 102 232 PS-PDUs as a law-enforcement agency, answers\n"
	"keep-alives, checks sequence numbers and writes DIR/<LIID>/iri.jsonl,\n"
	"DIR/<LIID>/cc.pcap, one WAV file per G.711 stream and DIR/summary.json.\n"
	"\n"
	"  --hi2 ADDR:PORT     listen for IRI (HI2) connections; IPv6 as [::1]:PORT\n"
	"  --hi3 ADDR:PORT     listen for CC (HI3) connections\n"
	"  --out DIR           output folder, created when missing\n"
	"  --max-pdu BYTES     largest PS-PDU accepted (default 1048576); a longer\n"
	"                      declared length closes the connection\n"
	"  --log-level LEVEL   error, warning, notice, info (default) or debug\n"
	"  --help              show this text\n";

const char *lemf_interface_name(enum lemf_interface iface)
{
	return iface == LEMF_HI2 ? "hi2" : "hi3";
}

static void usage_error(const char *fmt, const char *value)
{
	fprintf(stderr, "lime-lemf: ");
	fprintf(stderr, fmt, value);
	fprintf(stderr, "\nTry 'lime-lemf --help'.\n");
}

/* Parses "1.2.3.4:PORT" or "[v6]:PORT" with a numeric address and a port
 * from 1 to 65535. Returns 0 or -1. */
static int parse_endpoint(const char *text, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	char *end;

	if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';

	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);

	if (errno != 0 || end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
		return -1;

	memset(ss, 0, sizeof(*ss));
	size_t hlen = strlen(host);

	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (hlen < 3 || host[hlen - 1] != ']')
			return -1;
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}

	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	return 0;
}

/* Returns 0, 1 after --help, or EXIT_USAGE after one error line. */
static int parse_args(int argc, char **argv, struct lemf_options *o)
{
	static const struct option long_opts[] = {
		{"hi2", required_argument, NULL, '2'},
		{"hi3", required_argument, NULL, '3'},
		{"out", required_argument, NULL, 'o'},
		{"max-pdu", required_argument, NULL, 'm'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;

	memset(o, 0, sizeof(*o));
	o->max_pdu = LEMF_DEFAULT_MAX_PDU;
	opterr = 0;
	/* A leading ':' makes getopt report a missing value as ':'. */
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (opt) {
		case '2':
			if (parse_endpoint(optarg, &o->hi2_addr, &o->hi2_addr_len) != 0) {
				usage_error("invalid --hi2 \"%s\": give a numeric address and port, such as 127.0.0.1:9001 or [::1]:9001", optarg);
				return EXIT_USAGE;
			}
			o->hi2_text = optarg;
			break;
		case '3':
			if (parse_endpoint(optarg, &o->hi3_addr, &o->hi3_addr_len) != 0) {
				usage_error("invalid --hi3 \"%s\": give a numeric address and port, such as 127.0.0.1:9002 or [::1]:9002", optarg);
				return EXIT_USAGE;
			}
			o->hi3_text = optarg;
			break;
		case 'o':
			if (optarg[0] == '\0') {
				usage_error("invalid --out \"%s\": give a folder path", optarg);
				return EXIT_USAGE;
			}
			o->out_dir = optarg;
			break;
		case 'm': {
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);

			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    v < MAX_PDU_MIN || v > MAX_PDU_MAX) {
				usage_error("invalid --max-pdu \"%s\": give a number of bytes from 64 to 1073741824", optarg);
				return EXIT_USAGE;
			}
			o->max_pdu = (size_t)v;
			break;
		}
		case 'l':
			if (lime_log_set_level_name(optarg) != 0) {
				usage_error("invalid --log-level \"%s\": use error, warning, notice, info or debug", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			usage_error("option \"%s\" needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			usage_error("unknown option \"%s\"", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}

	if (optind < argc) {
		usage_error("unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->hi2_text == NULL) {
		usage_error("missing --hi2 ADDR:PORT%s", "");
		return EXIT_USAGE;
	}
	if (o->hi3_text == NULL) {
		usage_error("missing --hi3 ADDR:PORT%s", "");
		return EXIT_USAGE;
	}
	if (o->out_dir == NULL) {
		usage_error("missing --out DIR%s", "");
		return EXIT_USAGE;
	}
	if (o->hi2_addr_len == o->hi3_addr_len &&
	    memcmp(&o->hi2_addr, &o->hi3_addr, o->hi2_addr_len) == 0) {
		usage_error("--hi2 and --hi3 are both \"%s\": give each interface its own port", o->hi2_text);
		return EXIT_USAGE;
	}
	return 0;
}

static int prepare_out_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "lime-lemf: cannot create --out folder \"%s\": %s; give a path in an existing, writable folder\n",
			dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lime-lemf: --out \"%s\" is not a folder; give a folder path\n", dir);
		return -1;
	}
	return 0;
}

/* Raises the open-file limit to its maximum: every connection, LIID and
 * active audio stream uses a descriptor. */
static void raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART, so that epoll_wait returns on a signal. */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct lemf_options opt;
	struct server srv;

	lime_log_set_program("lime-lemf");
	int rc = parse_args(argc, argv, &opt);

	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;
	if (prepare_out_dir(opt.out_dir) != 0)
		return EXIT_USAGE;

	raise_file_limit();
	install_signal_handlers();
	intercepts_init(opt.out_dir);
	if (server_open(&srv, &opt) != 0) {
		server_close(&srv);
		return EXIT_RUNTIME;
	}

	int status = 0;

	if (server_run(&srv, &stop_signal) != 0)
		status = EXIT_RUNTIME;
	if (stop_signal != 0)
		LOG_NOTICE("stopping on signal %d", (int)stop_signal);
	server_close(&srv);
	if (summary_write(opt.out_dir) != 0)
		status = EXIT_RUNTIME;
	intercepts_close_all();
	LOG_NOTICE("stopped");
	return status;
}
