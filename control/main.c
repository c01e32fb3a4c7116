/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lime: lawful-interception mediation for IMS media.
 *
 *   lime --config FILE [--pcap IN ...] [--summary OUT.json] [--cc-pcap OUT.pcapng]
 *
 * SIGHUP re-reads the configuration file and applies its intercepts and
 * agencies; SIGINT and SIGTERM stop the run.
 * Exit status: 0 when the run completed, 2 for bad command-line or
 * configuration values, 1 for a runtime failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <srtp2/srtp.h>

#include "control/cc_pcap.h"
#include "control/config.h"
#include "control/control.h"
#include "control/eal_setup.h"
#include "control/metrics.h"
#include "control/mgmt/mgmt_server.h"
#include "control/srtp_check.h"
#include "control/summary.h"
#include "dataplane/dataplane.h"
#include "dataplane/pcap_input.h"
#include "lib/util/log.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: lime --config FILE [--pcap IN ...] [options]\n"
	"\n"
	"  --config FILE         YAML configuration (see docs/config.md)\n"
	"  --pcap IN             read this capture file instead of the configured\n"
	"                        ports; repeat to merge several in capture-time order\n"
	"  --pcap-speed X        replay at X times the capture's pace (1 = real time);\n"
	"                        default: as fast as possible\n"
	"  --summary OUT.json    write the final counters to OUT.json\n"
	"  --cc-pcap OUT.pcapng  write decrypted media of intercepted calls\n"
	"  --metrics-out OUT.prom\n"
	"                        write the final metrics in Prometheus text format\n"
	"  --debug-events OUT.jsonl\n"
	"                        write one JSON line per media flow installed or\n"
	"                        removed and per IRI record (no key material)\n"
	"  --log-level LEVEL     error, warning, notice, info (default) or debug\n"
	"  --help                show this text\n";

static void usage_error(const char *fmt, const char *value)
{
	fprintf(stderr, "lime: ");
	fprintf(stderr, fmt, value);
	fprintf(stderr, "\nTry 'lime --help'.\n");
}

/* Returns 0, 1 after --help, or EXIT_USAGE after one error line. */
static int parse_args(int argc, char **argv, struct run_options *o)
{
	static const struct option long_opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"pcap", required_argument, NULL, 'p'},
		{"pcap-speed", required_argument, NULL, 's'},
		{"summary", required_argument, NULL, 'S'},
		{"cc-pcap", required_argument, NULL, 'C'},
		{"debug-events", required_argument, NULL, 'E'},
		{"metrics-out", required_argument, NULL, 'M'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	/* A leading ':' makes getopt report a missing value as ':'. */
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (o->config_path != NULL) {
				usage_error("--config given twice (\"%s\"): give one configuration file", optarg);
				return EXIT_USAGE;
			}
			o->config_path = optarg;
			break;
		case 'p':
			if (o->n_pcaps == LIME_MAX_PCAPS) {
				usage_error("too many --pcap inputs (at most 16); merge files with mergecap first%s", "");
				return EXIT_USAGE;
			}
			for (size_t i = 0; i < o->n_pcaps; i++) {
				if (strcmp(o->pcaps[i], optarg) == 0) {
					usage_error("--pcap \"%s\" given twice: its packets would be counted twice", optarg);
					return EXIT_USAGE;
				}
			}
			o->pcaps[o->n_pcaps++] = optarg;
			break;
		case 's':
			errno = 0;
			o->pcap_speed = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || !isfinite(o->pcap_speed) ||
			    !(o->pcap_speed > 0)) {
				usage_error("invalid --pcap-speed \"%s\": give a positive number, for example 1 for real time", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			o->summary_path = optarg;
			break;
		case 'C':
			o->cc_pcap_path = optarg;
			break;
		case 'E':
			o->debug_events_path = optarg;
			break;
		case 'M':
			o->metrics_out_path = optarg;
			break;
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
	if (o->config_path == NULL) {
		usage_error("missing --config FILE%s", "");
		return EXIT_USAGE;
	}
	if (o->pcap_speed > 0 && o->n_pcaps == 0) {
		usage_error("--pcap-speed needs --pcap inputs%s", "");
		return EXIT_USAGE;
	}
	return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	lime_dp.quit = 1;
}

static void on_sighup(int sig)
{
	(void)sig;
	control_reload_requested = 1;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* SA_RESTART keeps a reload from failing the control lcore's sleep
	 * or the lcores' file reads with EINTR. */
	sa.sa_handler = on_sighup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Check that an output file can be created, before hours of traffic are
 * processed into it. The file is created empty and written at the end.
 */
static int check_output(const char *option, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0) {
		fprintf(stderr, "lime: cannot write %s \"%s\": %s; give a file path in an existing, writable folder\n",
			option, path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Check every input before the EAL starts, so bad files fail fast. */
static int check_inputs(const struct run_options *o)
{
	char err[512];

	for (size_t i = 0; i < o->n_pcaps; i++) {
		struct pcap_input_info info;
		if (pcap_input_scan(o->pcaps[i], &info, err, sizeof(err)) != 0) {
			LOG_ERR("%s", err);
			return -1;
		}
	}
	return 0;
}

static void launch_lcores(struct dataplane *dp)
{
	unsigned int lcore;

	dp->rx_running = dp->n_rx_lcores;
	dp->workers_running = dp->n_workers;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(dataplane_lcore_main, dp, lcore);
}

static int finish_outputs(const struct run_options *o, struct control *c)
{
	int status = 0;

	if (o->summary_path != NULL && summary_write(o->summary_path, c) != 0) {
		LOG_ERR("writing the summary to \"%s\" failed: %s", o->summary_path, strerror(errno));
		status = EXIT_RUNTIME;
	}
	if (o->metrics_out_path != NULL) {
		FILE *f = fopen(o->metrics_out_path, "w");
		if (f != NULL)
			metrics_render(f, c);
		if (f == NULL || fclose(f) != 0) {
			LOG_ERR("writing the metrics to \"%s\" failed: %s",
				o->metrics_out_path, strerror(errno));
			status = EXIT_RUNTIME;
		}
	}
	return status;
}

/*
 * Remove the EAL runtime folder of an offline run. Its file prefix carries
 * the process id, so no other process uses it, and leaving it would add one
 * folder under /var/run/dpdk per run.
 */
static void remove_runtime_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;

	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		unlinkat(dirfd(dir), entry->d_name, 0);
	}
	closedir(dir);
	rmdir(path);
}

static int run(const struct run_options *o, const struct lime_config *cfg)
{
	static struct control control;
	char err[1024];

	if (srtp_backend_check(err, sizeof(err)) != 0) {
		LOG_ERR("%s", err);
		return EXIT_RUNTIME;
	}
	if (check_inputs(o) != 0)
		return EXIT_RUNTIME;

	enum setup_error se = dataplane_setup(cfg, o, &lime_dp, err, sizeof(err));
	if (se != SETUP_OK) {
		LOG_ERR("%s", err);
		return se == SETUP_CONFIG ? EXIT_USAGE : EXIT_RUNTIME;
	}
	install_signal_handlers();
	LOG_INFO("%s with the OpenSSL crypto backend", srtp_get_version_string());

	struct control_options copts = {
		.config_path = o->config_path,
		.debug_events_path = o->debug_events_path,
		.cc_pcap_path = o->cc_pcap_path,
	};
	if (control_init(&control, cfg, &copts, &lime_dp) != 0) {
		dataplane_teardown(&lime_dp);
		return EXIT_RUNTIME;
	}

	/* A configured management API that cannot start is a runtime failure:
	 * the operator would otherwise find provisioning missing later. */
	struct mgmt_server *mgmt = NULL;
	if (cfg->management.present) {
		mgmt = mgmt_server_start(&control, &cfg->management);
		if (mgmt == NULL) {
			control_free(&control);
			dataplane_teardown(&lime_dp);
			return EXIT_RUNTIME;
		}
	}

	LOG_INFO("running: %u receiving lcores, %u workers, %s",
		 lime_dp.n_rx_lcores, lime_dp.n_workers,
		 lime_dp.offline ? "capture files" : "live ports");
	launch_lcores(&lime_dp);
	control_run(&control);
	/* The control lcore no longer applies changes, so the API stops first. */
	mgmt_server_stop(mgmt);
	rte_eal_mp_wait_lcore();

	control_log_stats(&control);
	int status = finish_outputs(o, &control);
	if (stop_signal != 0)
		LOG_INFO("stopped on %s", strsignal(stop_signal));
	else
		LOG_INFO("stopped at the end of the input");

	control_free(&control);
	dataplane_teardown(&lime_dp);

	char runtime_dir[PATH_MAX];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (lime_dp.offline)
		remove_runtime_dir(runtime_dir);
	return status;
}

int main(int argc, char **argv)
{
	struct run_options opts;
	char err[1024];

	int ret = parse_args(argc, argv, &opts);
	if (ret == 1)
		return 0;
	if (ret != 0)
		return ret;

	struct lime_config *cfg = lime_config_load(opts.config_path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "lime: %s\n", err);
		return EXIT_USAGE;
	}
	if ((opts.summary_path != NULL && check_output("--summary", opts.summary_path) != 0) ||
	    (opts.cc_pcap_path != NULL && check_output("--cc-pcap", opts.cc_pcap_path) != 0) ||
	    (opts.debug_events_path != NULL &&
	     check_output("--debug-events", opts.debug_events_path) != 0) ||
	    (opts.metrics_out_path != NULL &&
	     check_output("--metrics-out", opts.metrics_out_path) != 0)) {
		lime_config_free(cfg);
		return EXIT_USAGE;
	}

	int status = run(&opts, cfg);
	lime_config_free(cfg);
	return status;
}
