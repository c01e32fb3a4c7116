/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/metrics.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "control/control.h"
#include "control/handover.h"
#include "control/summary.h"
#include "dataplane/lcore_stats.h"
#include "lib/util/log.h"

/* Maximum size of a request head read from a scraper. */
#define REQUEST_MAX 4096
/* A scraper that sends nothing for this long is dropped. */
#define REQUEST_TIMEOUT_S 2

static void label_value(FILE *out, const char *value)
{
	fputc('"', out);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if (*p == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*p, out);
	}
	fputc('"', out);
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *out, const char *name, const char *label,
		   const char *value, uint64_t n)
{
	fputs(name, out);
	if (label != NULL) {
		fprintf(out, "{%s=", label);
		label_value(out, value);
		fputc('}', out);
	}
	fprintf(out, " %llu\n", (unsigned long long)n);
}

static void render_packets(FILE *out)
{
	struct lcore_stats t;
	unsigned int lcore;

	lcore_stats_sum(&t);
	header(out, "lime_packets_total", "counter", "Packets received from the ports or capture files.");
	sample(out, "lime_packets_total", NULL, NULL, t.rx_packets);
	header(out, "lime_bytes_total", "counter", "Bytes received.");
	sample(out, "lime_bytes_total", NULL, NULL, t.rx_bytes);

	header(out, "lime_packets_by_class_total", "counter", "Packets by class.");
	for (int k = 0; k < PKT_CLASS_COUNT; k++)
		sample(out, "lime_packets_by_class_total", "class", pkt_class_name(k),
		       t.class_packets[k]);

	header(out, "lime_packets_dropped_total", "counter", "Packets dropped, by reason.");
	for (int r = 0; r < DROP_REASON_COUNT; r++) {
		if (drop_reason_reported(r))
			sample(out, "lime_packets_dropped_total", "reason", drop_reason_name(r),
			       t.drops[r]);
	}

	header(out, "lime_lcore_packets_total", "counter", "Packets received per lcore.");
	RTE_LCORE_FOREACH(lcore) {
		char id[16];
		snprintf(id, sizeof(id), "%u", lcore);
		sample(out, "lime_lcore_packets_total", "lcore", id,
		       lime_lcore_stats[lcore].rx_packets);
	}
	header(out, "lime_lcore_dropped_total", "counter", "Packets dropped per lcore.");
	RTE_LCORE_FOREACH(lcore) {
		char id[16];
		uint64_t dropped = 0;
		for (int r = 0; r < DROP_REASON_COUNT; r++)
			dropped += lime_lcore_stats[lcore].drops[r];
		snprintf(id, sizeof(id), "%u", lcore);
		sample(out, "lime_lcore_dropped_total", "lcore", id, dropped);
	}
}

static void render_rings(FILE *out, const struct control *c)
{
	header(out, "lime_ring_entries", "gauge", "Entries waiting in a ring between lcores.");
	sample(out, "lime_ring_entries", "ring", "sip", rte_ring_count(c->dp->sip_ring));
	for (uint16_t w = 0; w < c->dp->n_workers; w++) {
		char name[32];
		snprintf(name, sizeof(name), "worker%u", w);
		sample(out, "lime_ring_entries", "ring", name, rte_ring_count(c->dp->worker_rings[w]));
		snprintf(name, sizeof(name), "output%u", w);
		if (c->dp->output_rings[w] != NULL)
			sample(out, "lime_ring_entries", "ring", name,
			       rte_ring_count(c->dp->output_rings[w]));
	}
}

static uint64_t media_counter(const struct control *c, int idx, size_t offset)
{
	uint64_t sum = 0;

	if (idx < 0 || idx >= MEDIA_MAX_LIIDS)
		return 0;
	for (uint16_t w = 0; w < c->dp->n_workers; w++) {
		const uint8_t *base = (const uint8_t *)&c->dp->media_workers[w]->liids[idx];
		sum += *(const uint64_t *)(base + offset);
	}
	return sum;
}

static void render_per_liid(FILE *out, const struct control *c, const char *name,
			    const char *help, size_t offset)
{
	const char *liid;

	header(out, name, "counter", help);
	FOR_EACH_RUN_LIID(c, i, liid) {
		sample(out, name, "liid", liid,
		       media_counter(c, dialog_liid_index(c->dialogs, liid), offset));
	}
}

static void render_calls(FILE *out, const struct control *c)
{
	const struct dialog_stats *ds = dialog_tracker_stats(c->dialogs);
	const char *liid;

	header(out, "lime_sip_messages_total", "counter", "SIP messages seen.");
	sample(out, "lime_sip_messages_total", NULL, NULL, c->stats.sip_messages);
	header(out, "lime_sip_rejected_total", "counter", "Datagrams on a SIP port that are not SIP.");
	sample(out, "lime_sip_rejected_total", NULL, NULL, c->stats.sip_rejected);
	header(out, "lime_calls_total", "counter", "Dialog-forming INVITEs, by Call-ID.");
	sample(out, "lime_calls_total", NULL, NULL, ds->calls);
	header(out, "lime_dialogs_active", "gauge", "Calls tracked now.");
	sample(out, "lime_dialogs_active", NULL, NULL, ds->calls_active);
	header(out, "lime_flows_active", "gauge", "Media flows installed now.");
	sample(out, "lime_flows_active", NULL, NULL, ds->flows_active);

	header(out, "lime_intercepted_calls_total", "counter", "Calls intercepted, per LIID.");
	FOR_EACH_RUN_LIID(c, i, liid) {
		const struct liid_stats *ls = dialog_liid_stats(c->dialogs, liid);
		sample(out, "lime_intercepted_calls_total", "liid", liid,
		       ls ? ls->intercepted_calls : 0);
	}
	render_per_liid(out, c, "lime_media_decrypted_total", "Media packets decrypted, per LIID.",
			offsetof(struct media_liid_counters, decrypted));
	render_per_liid(out, c, "lime_media_failed_total",
			"Media packets that no key authenticated, per LIID.",
			offsetof(struct media_liid_counters, failed));
	render_per_liid(out, c, "lime_media_undecryptable_total",
			"Media packets delivered without keys, per LIID.",
			offsetof(struct media_liid_counters, undecryptable));
}

static void render_alarms(FILE *out, const struct control *c)
{
	header(out, "lime_alarms_total", "counter", "Security alarms, per call or stream, by kind.");
	for (int i = 0; i < LIME_ALARM_KINDS; i++) {
		uint64_t n = c->stats.alarms[i];
		if (i == ALARM_KEY_UNAVAILABLE)
			for (uint16_t w = 0; w < c->dp->n_workers; w++)
				n += c->dp->media_workers[w]->stats.alarm_events_lost;
		sample(out, "lime_alarms_total", "kind", lime_alarm_kinds[i], n);
	}
	header(out, "lime_kms_resolutions_ok_total", "counter",
	       "KMS resolutions that succeeded, cache hits excluded.");
	sample(out, "lime_kms_resolutions_ok_total", NULL, NULL, c->mikey.stats.resolutions_ok);
	header(out, "lime_kms_resolutions_failed_total", "counter", "KMS resolutions that failed.");
	sample(out, "lime_kms_resolutions_failed_total", NULL, NULL,
	       c->mikey.stats.resolutions_failed);
}

static void sample_channel(FILE *out, const char *name, const char *liid,
			   const char *channel, uint64_t n)
{
	fprintf(out, "%s{liid=", name);
	label_value(out, liid);
	fprintf(out, ",interface=\"%s\"} %llu\n", channel, (unsigned long long)n);
}

static void render_records(FILE *out, const struct control *c, const char *name,
			   const char *help, bool delivered)
{
	const char *liid;

	header(out, name, "counter", help);
	FOR_EACH_RUN_LIID(c, i, liid) {
		struct delivery_liid_counts n;

		handover_liid_counts(c, liid, &n);
		const uint64_t *counts = delivered ? n.delivered : n.spooled;
		sample_channel(out, name, liid, "hi2", counts[DELIVERY_HI2]);
		sample_channel(out, name, liid, "hi3", counts[DELIVERY_HI3]);
	}
}

static void render_ports(FILE *out)
{
	static const char *const names[] = {
		"lime_port_packets_total", "lime_port_imissed_total",
		"lime_port_ierrors_total", "lime_port_rx_nombuf_total",
	};
	static const char *const help[] = {
		"Packets the port received, by its driver's count.",
		"Packets the NIC dropped because lime did not read them in time.",
		"Receive errors counted by the port.",
		"Receives that failed for want of an mbuf.",
	};

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		uint16_t port;

		header(out, names[k], "counter", help[k]);
		RTE_ETH_FOREACH_DEV(port) {
			struct rte_eth_stats st;
			char name[RTE_ETH_NAME_MAX_LEN] = "";

			if (rte_eth_stats_get(port, &st) != 0)
				continue;
			(void)rte_eth_dev_get_name_by_port(port, name);
			uint64_t v[] = { st.ipackets, st.imissed, st.ierrors, st.rx_nombuf };
			sample(out, names[k], "port", name, v[k]);
		}
	}
}

static void render_delivery(FILE *out, const struct control *c)
{
	struct delivery_stats d;

	render_records(out, c, "lime_records_delivered_total",
		       "Records fully written to the agency's socket, keepalives excluded.", true);
	render_records(out, c, "lime_records_spooled_total",
		       "Records written to the spool while the agency could not take them.", false);
	handover_stats(c, &d);
	header(out, "lime_delivery_backlog_records", "gauge",
	       "Records submitted and not yet acknowledged by the agency's TCP.");
	sample(out, "lime_delivery_backlog_records", NULL, NULL, d.records_pending);
	header(out, "lime_spool_bytes", "gauge", "Bytes in the spool segments of every agency.");
	sample(out, "lime_spool_bytes", NULL, NULL, d.spool_bytes);
	header(out, "lime_delivery_connects_total", "counter", "Connections to agencies opened.");
	sample(out, "lime_delivery_connects_total", NULL, NULL, d.connects);
	header(out, "lime_delivery_disconnects_total", "counter", "Connections to agencies lost or dropped.");
	sample(out, "lime_delivery_disconnects_total", NULL, NULL, d.disconnects);
	header(out, "lime_delivery_keepalive_timeouts_total", "counter",
	       "Keepalives an agency did not answer in time.");
	sample(out, "lime_delivery_keepalive_timeouts_total", NULL, NULL, d.keepalive_timeouts);
	header(out, "lime_records_resent_total", "counter",
	       "Records sent again after a reconnect or a restart.");
	sample(out, "lime_records_resent_total", NULL, NULL, d.records_resent);
	header(out, "lime_records_lost_total", "counter",
	       "Records dropped at the memory limit while the spool was full.");
	sample(out, "lime_records_lost_total", NULL, NULL, d.records_lost);
}

void metrics_render(FILE *out, struct control *c)
{
	pthread_mutex_lock(&c->state_lock);
	render_packets(out);
	render_rings(out, c);
	render_calls(out, c);
	render_alarms(out, c);
	render_delivery(out, c);
	render_ports(out);
	pthread_mutex_unlock(&c->state_lock);
}

/* ---- HTTP ---- */

static void respond(int fd, const char *status, const char *type,
		    const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, type, len);

	if (write(fd, head, (size_t)n) == n && len > 0)
		(void)!write(fd, body, len);
}

/* Reads the request head; returns its length, or -1. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
	size_t used = 0;

	while (used + 1 < cap) {
		ssize_t n = read(fd, buf + used, cap - 1 - used);
		if (n <= 0)
			return -1;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return (ssize_t)used;
	}
	return -1;
}

static void serve(struct control *c, int fd)
{
	char req[REQUEST_MAX];
	struct timeval tv = {.tv_sec = REQUEST_TIMEOUT_S};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read_request(fd, req, sizeof(req)) < 0) {
		respond(fd, "400 Bad Request", "text/plain", "bad request\n", 12);
		return;
	}
	if (strncmp(req, "GET ", 4) != 0) {
		respond(fd, "405 Method Not Allowed", "text/plain", "use GET\n", 8);
		return;
	}
	if (strncmp(req + 4, "/metrics ", 9) != 0 && strncmp(req + 4, "/metrics?", 9) != 0) {
		respond(fd, "404 Not Found", "text/plain", "see /metrics\n", 13);
		return;
	}

	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	if (out == NULL) {
		respond(fd, "500 Internal Server Error", "text/plain", "out of memory\n", 14);
		return;
	}
	metrics_render(out, c);
	fclose(out);
	respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
	free(body);
}

static void *metrics_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd fds[2] = {
		{.fd = c->metrics_fd, .events = POLLIN},
		{.fd = c->metrics_stop_pipe[0], .events = POLLIN},
	};

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("metrics: poll failed: %s; the endpoint stops", strerror(errno));
			return NULL;
		}
		if (fds[1].revents != 0)
			return NULL;
		int fd = accept(c->metrics_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(c, fd);
		close(fd);
	}
}

/* Splits "host:port" or "[v6]:port" into its parts. */
static int split_host_port(const char *text, char *host, size_t cap, const char **port)
{
	const char *colon = strrchr(text, ':');
	size_t len;

	if (colon == NULL)
		return -1;
	*port = colon + 1;
	len = (size_t)(colon - text);
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len >= cap)
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	return 0;
}

static int open_listener(const char *listen_addr)
{
	char host[256];
	const char *port;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *res;

	if (split_host_port(listen_addr, host, sizeof(host), &port) != 0 ||
	    getaddrinfo(host, port, &hints, &res) != 0)
		return -1;

	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	     bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int metrics_start(struct control *c, const char *listen_addr)
{
	c->metrics_fd = open_listener(listen_addr);
	if (c->metrics_fd < 0) {
		LOG_ERR("metrics: cannot listen on %s: %s; check metrics_listen and that the port is free",
			listen_addr, strerror(errno));
		return -1;
	}
	if (pipe(c->metrics_stop_pipe) != 0 ||
	    pthread_create(&c->metrics_thread, NULL, metrics_thread, c) != 0) {
		LOG_ERR("metrics: starting the endpoint thread failed");
		close(c->metrics_fd);
		c->metrics_fd = -1;
		return -1;
	}
	c->metrics_running = true;
	LOG_INFO("metrics: serving http://%s/metrics", listen_addr);
	return 0;
}

void metrics_stop(struct control *c)
{
	if (!c->metrics_running)
		return;
	(void)!write(c->metrics_stop_pipe[1], "x", 1);
	pthread_join(c->metrics_thread, NULL);
	close(c->metrics_stop_pipe[0]);
	close(c->metrics_stop_pipe[1]);
	close(c->metrics_fd);
	c->metrics_running = false;
}

/* ---- DPDK telemetry ---- */

static struct control *telemetry_control;

/* /lime/stats: the main counters, for dpdk-telemetry.py on a live run. */
static int telemetry_stats(const char *cmd, const char *params,
			   struct rte_tel_data *d)
{
	struct control *c = telemetry_control;
	struct lcore_stats t;

	(void)cmd;
	(void)params;
	if (c == NULL)
		return -1;
	lcore_stats_sum(&t);
	pthread_mutex_lock(&c->state_lock);
	const struct dialog_stats *ds = dialog_tracker_stats(c->dialogs);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "packets_total", t.rx_packets);
	rte_tel_data_add_dict_u64(d, "sip_messages", c->stats.sip_messages);
	rte_tel_data_add_dict_u64(d, "sip_rejected", c->stats.sip_rejected);
	rte_tel_data_add_dict_u64(d, "calls", ds->calls);
	rte_tel_data_add_dict_u64(d, "dialogs_active", ds->calls_active);
	rte_tel_data_add_dict_u64(d, "flows_active", ds->flows_active);
	rte_tel_data_add_dict_u64(d, "iri_records", c->stats.iri_records);
	for (int i = 0; i < LIME_ALARM_KINDS; i++) {
		char key[64];
		snprintf(key, sizeof(key), "alarm_%s", lime_alarm_kinds[i]);
		rte_tel_data_add_dict_u64(d, key, c->stats.alarms[i]);
	}
	pthread_mutex_unlock(&c->state_lock);
	return 0;
}

void metrics_register_telemetry(struct control *c)
{
	telemetry_control = c;
	if (rte_telemetry_register_cmd("/lime/stats", telemetry_stats,
				       "lime counters: packets, SIP, calls, flows, alarms. No parameters") != 0)
		LOG_WARN("metrics: registering /lime/stats with DPDK telemetry failed");
}
