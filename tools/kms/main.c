/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lime-kms: the reference Key Management Service for MIKEY-TICKET
 * (RFC 6043) over HTTPS, with the LI resolution that lime relies on.
 *
 *   lime-kms --config FILE [--log-level LEVEL]
 *
 * Exit status: 0 after SIGINT or SIGTERM, 2 for bad options or
 * configuration (one line on stderr), 1 for runtime failures such as a
 * listen address in use.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "lib/util/log.h"
#include "tools/kms/kms.h"
#include "tools/kms/kms_config.h"
#include "tools/kms/kms_server.h"
#include "tools/kms/kms_tls.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: lime-kms --config FILE [--log-level LEVEL]\n"
	"\n"
	"Serves MIKEY-TICKET Ticket Request and Ticket Resolve exchanges\n"
	"(RFC 6043) over HTTPS, and resolves every ticket it issued for the\n"
	"LI nodes of its configuration. docs/tools.md describes the\n"
	"configuration, docs/kms-interface.md the protocol.\n"
	"\n"
	"  --config FILE       YAML configuration (required)\n"
	"  --log-level LEVEL   error, warning, notice, info (default) or debug\n"
	"  --help              show this text\n";

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

/* Prints one line: the problem, then where the options are listed. */
static void usage_error(const char *fmt, const char *value)
{
	fprintf(stderr, "lime-kms: ");
	fprintf(stderr, fmt, value);
	fprintf(stderr, "; run 'lime-kms --help' for the options\n");
}

/* Returns 0, 1 after --help, or EXIT_USAGE after one error line. */
static int parse_args(int argc, char **argv, const char **config_path)
{
	static const struct option long_opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*config_path = NULL;
	opterr = 0;
	/* A leading ':' makes getopt report a missing value as ':'. */
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			*config_path = optarg;
			break;
		case 'l':
			if (lime_log_set_level_name(optarg) != 0) {
				usage_error("invalid --log-level \"%s\": use error, "
					    "warning, notice, info or debug", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			usage_error("missing value for option \"%s\"", argv[optind - 1]);
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
	if (*config_path == NULL) {
		usage_error("missing --config FILE%s", "");
		return EXIT_USAGE;
	}
	return 0;
}

static int serve(struct kms_config *cfg, SSL_CTX *ctx)
{
	struct kms_server *srv;
	struct kms kms;
	int status = 0;

	if (kms_init(&kms, cfg) != 0) {
		LOG_ERR("cannot create the ticket key: the random number "
			"generator or HMAC failed");
		return EXIT_RUNTIME;
	}
	if (!cfg->ticket_key_set)
		LOG_NOTICE("ticket_key_hex is not set: using a random ticket "
			   "protection key, so tickets issued before a restart "
			   "cannot be resolved after it");
	srv = kms_server_open(&kms, ctx);
	if (srv == NULL) {
		kms_fini(&kms);
		return EXIT_RUNTIME;
	}
	install_signal_handlers();
	if (kms_server_run(srv, &stop_signal) != 0)
		status = EXIT_RUNTIME;
	if (stop_signal != 0)
		LOG_NOTICE("stopping on signal %d", (int)stop_signal);
	kms_server_close(srv);
	kms_fini(&kms);
	LOG_NOTICE("stopped");
	return status;
}

int main(int argc, char **argv)
{
	const char *config_path;
	struct kms_config *cfg;
	char err[512];
	SSL_CTX *ctx;
	int rc;

	lime_log_set_program("lime-kms");
	/* Each exchange line is part of the audit trail: none is dropped. */
	lime_log_set_repeat_burst(0);
	rc = parse_args(argc, argv, &config_path);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;

	cfg = kms_config_load(config_path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "lime-kms: %s: %s\n", config_path, err);
		return EXIT_USAGE;
	}
	ctx = kms_tls_create(cfg, err, sizeof(err));
	if (ctx == NULL) {
		fprintf(stderr, "lime-kms: %s: %s\n", config_path, err);
		kms_config_free(cfg);
		return EXIT_USAGE;
	}
	rc = serve(cfg, ctx);
	SSL_CTX_free(ctx);
	kms_config_free(cfg);
	return rc;
}
