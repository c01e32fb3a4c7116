/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/eal_setup.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/pcap_input.h"
#include "dataplane/pkt_meta.h"
#include "dataplane/port.h"
#include "lib/util/log.h"

#define MAX_EAL_ARGS 256
#define MEMPOOL_CACHE 256u

struct eal_argv {
	char *argv[MAX_EAL_ARGS];
	int argc;
};

static void push(struct eal_argv *a, const char *arg)
{
	if (a->argc < MAX_EAL_ARGS - 1)
		a->argv[a->argc++] = strdup(arg);
}

static void push_fmt(struct eal_argv *a, const char *fmt, unsigned long long v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), fmt, v);
	push(a, buf);
}

/*
 * Memory for --no-huge runs, in MiB: the mbufs, the flow table and
 * reassembly tables, plus room for the EAL and the PMDs.
 */
static unsigned long long memory_mib(const struct lime_config *cfg)
{
	unsigned long long mbuf_bytes = (unsigned long long)cfg->mbufs *
		(RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(struct rte_mbuf) + PKT_META_PRIV_SIZE);
	unsigned long long table_bytes = (unsigned long long)cfg->max_flows * 256 +
		(unsigned long long)cfg->frag_max_datagrams * 1024;

	return (mbuf_bytes + table_bytes) / (1024 * 1024) + 256;
}

static enum setup_error build_eal_argv(const struct lime_config *cfg,
				       const struct run_options *opts,
				       struct eal_argv *a, char *err, size_t err_len)
{
	push(a, "lime");
	push(a, "-l");
	push(a, cfg->lcores);
	push(a, "--log-level=notice");

	if (opts->n_pcaps > 0) {
		/* Offline runs share a machine: a prefix of their own, no files. */
		push_fmt(a, "--file-prefix=lime-%llu", (unsigned long long)getpid());
		/* Offline: files only, no hugepages, no PCI device touched. */
		push(a, "--no-huge");
		push(a, "--no-pci");
		/* --no-huge implies legacy memory, which rules out --in-memory. */
		push(a, "--no-shconf");
		push(a, "--no-telemetry");
		push_fmt(a, "-m%llu", memory_mib(cfg));
		for (size_t i = 0; i < opts->n_pcaps; i++) {
			char dev[4096];
			if (pcap_input_devargs((unsigned int)i, opts->pcaps[i], dev, sizeof(dev)) != 0) {
				snprintf(err, err_len,
					 "capture file path \"%s\" cannot be passed to net_pcap (it contains a comma or is too long): rename or link the file",
					 opts->pcaps[i]);
				return SETUP_CONFIG;
			}
			push(a, "--vdev");
			push(a, dev);
		}
	} else {
		/* One live lime per appliance; DPDK tools attach by this prefix. */
		push(a, "--file-prefix=lime");
		bool any_pci = false;
		for (size_t i = 0; i < cfg->n_ports; i++) {
			char *pair[2];
			if (port_eal_args(cfg->ports[i], pair) != 2) {
				snprintf(err, err_len, "ports[%zu] is empty: give a DPDK device string", i);
				return SETUP_CONFIG;
			}
			any_pci |= port_is_pci(cfg->ports[i]);
			a->argv[a->argc++] = pair[0];
			a->argv[a->argc++] = pair[1];
		}
		if (!any_pci)
			push(a, "--no-pci");
	}

	for (size_t i = 0; i < cfg->n_eal_args; i++)
		push(a, cfg->eal_args[i]);
	a->argv[a->argc] = NULL;
	return SETUP_OK;
}

/*
 * Receiving and worker roles. With as many non-main lcores as workers,
 * each lcore receives and decrypts; extra lcores only receive. Offline,
 * one lcore reads every file, because merging by capture time needs a
 * single reader.
 */
static enum setup_error assign_roles(const struct lime_config *cfg,
				     struct dataplane *dp, char *err, size_t err_len)
{
	unsigned int lcores[RTE_MAX_LCORE];
	unsigned int n = 0, lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
		lcores[n++] = lcore;

	if (n == 0) {
		snprintf(err, err_len,
			 "lcores \"%s\" gives no lcore besides the main one: list at least two, for example \"0-1\"",
			 cfg->lcores);
		return SETUP_CONFIG;
	}
	if (cfg->workers > n || cfg->workers > LIME_MAX_WORKERS) {
		snprintf(err, err_len,
			 "workers is %u but lcores \"%s\" leaves only %u lcores besides the main one: lower workers or add lcores",
			 cfg->workers, cfg->lcores, n);
		return SETUP_CONFIG;
	}

	unsigned int n_rx = (n > cfg->workers) ? n - cfg->workers : n;
	if (dp->offline)
		n_rx = 1;

	dp->n_workers = (uint16_t)cfg->workers;
	dp->n_rx_lcores = (uint16_t)n_rx;
	for (unsigned int i = 0; i < n; i++) {
		struct lcore_role *role = &dp->roles[lcores[i]];
		/* Workers take the last lcores, receivers the first. */
		unsigned int first_worker = n - cfg->workers;
		role->rx = i < n_rx;
		role->worker = i >= first_worker;
		role->worker_index = role->worker ? (uint16_t)(i - first_worker) : 0;
		role->reader_id = i;
	}
	return SETUP_OK;
}

static enum setup_error create_rings(const struct lime_config *cfg,
				     struct dataplane *dp, char *err, size_t err_len)
{
	int socket = (int)rte_socket_id();
	unsigned int sip_flags = RING_F_SC_DEQ | (dp->n_rx_lcores == 1 ? RING_F_SP_ENQ : 0);

	dp->sip_ring = rte_ring_create("lime_sip", rte_align32pow2(cfg->sip_ring_size),
				       socket, sip_flags);
	if (dp->sip_ring == NULL) {
		snprintf(err, err_len, "creating the SIP ring of %u entries failed: %s",
			 cfg->sip_ring_size, rte_strerror(rte_errno));
		return SETUP_RUNTIME;
	}

	for (uint16_t w = 0; w < dp->n_workers; w++) {
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "lime_worker_%u", w);
		dp->worker_rings[w] = rte_ring_create(name,
						      rte_align32pow2(cfg->worker_ring_size),
						      socket, RING_F_SC_DEQ);
		if (dp->worker_rings[w] == NULL) {
			snprintf(err, err_len, "creating worker ring %u failed: %s",
				 w, rte_strerror(rte_errno));
			return SETUP_RUNTIME;
		}
	}
	return SETUP_OK;
}

/* Stream tables of the workers, and the rings that carry their output
 * (media and alarms) to the control lcore. */
static enum setup_error create_media_workers(const struct lime_config *cfg,
					     const struct run_options *opts,
					     struct dataplane *dp, char *err,
					     size_t err_len)
{
	int socket = (int)rte_socket_id();

	for (uint16_t w = 0; w < dp->n_workers; w++) {
		struct media_worker *mw = rte_zmalloc_socket("lime_media_worker",
							     sizeof(*mw),
							     RTE_CACHE_LINE_SIZE, socket);
		if (mw == NULL) {
			snprintf(err, err_len, "out of memory for media worker %u", w);
			return SETUP_RUNTIME;
		}
		dp->media_workers[w] = mw;
		mw->index = w;
		mw->capacity = cfg->max_flows;
		mw->offline = dp->offline;
		mw->quit = &dp->quit;
		mw->streams = rte_zmalloc_socket("lime_media_streams",
						 (size_t)cfg->max_flows * sizeof(*mw->streams),
						 RTE_CACHE_LINE_SIZE, socket);
		if (mw->streams == NULL) {
			snprintf(err, err_len, "out of memory for %u streams of media worker %u",
				 cfg->max_flows, w);
			return SETUP_RUNTIME;
		}
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "lime_output_%u", w);
		dp->output_rings[w] = rte_ring_create(name,
						      rte_align32pow2(cfg->worker_ring_size),
						      socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (dp->output_rings[w] == NULL) {
			snprintf(err, err_len, "creating output ring %u failed: %s",
				 w, rte_strerror(rte_errno));
			return SETUP_RUNTIME;
		}
		mw->output = dp->output_rings[w];
	}
	return SETUP_OK;
}

static enum setup_error start_offline_ports(const struct lime_config *cfg,
					    const struct run_options *opts,
					    struct dataplane *dp, char *err, size_t err_len)
{
	for (size_t i = 0; i < opts->n_pcaps; i++) {
		char dev[4096];
		struct pcap_input_info info;
		uint16_t port;

		if (pcap_input_scan(opts->pcaps[i], &info, err, err_len) != 0)
			return SETUP_RUNTIME;
		if (info.truncated)
			LOG_WARN("capture file \"%s\": record %llu cannot be read (%s); the %llu records before it are read and the rest is skipped",
				 opts->pcaps[i], (unsigned long long)info.records + 1, info.error,
				 (unsigned long long)info.records);

		pcap_input_devargs((unsigned int)i, opts->pcaps[i], dev, sizeof(dev));
		if (port_find(dev, &port) != 0 ||
		    port_start(port, 1, (uint16_t)cfg->rx_ring_size, dp->pool) != 0) {
			snprintf(err, err_len, "opening capture file \"%s\" through net_pcap failed",
				 opts->pcaps[i]);
			return SETUP_RUNTIME;
		}
		dp->pcap_ports[dp->n_pcap_ports] = port;
		dp->pcap_records[dp->n_pcap_ports] = info.records;
		dp->n_pcap_ports++;
	}
	return SETUP_OK;
}

/* Give each receiving lcore one queue of every port, as far as they go. */
static enum setup_error start_live_ports(const struct lime_config *cfg,
					 struct dataplane *dp, char *err, size_t err_len)
{
	for (size_t i = 0; i < cfg->n_ports; i++) {
		uint16_t port;
		struct rte_eth_dev_info info;

		if (port_find(cfg->ports[i], &port) != 0) {
			snprintf(err, err_len, "port \"%s\" was not found after EAL start: check the device string",
				 cfg->ports[i]);
			return SETUP_RUNTIME;
		}
		if (rte_eth_dev_info_get(port, &info) != 0)
			return SETUP_RUNTIME;

		uint16_t n_rxq = RTE_MIN(dp->n_rx_lcores, info.max_rx_queues);
		if (port_start(port, n_rxq, (uint16_t)cfg->rx_ring_size, dp->pool) != 0) {
			snprintf(err, err_len, "starting port \"%s\" failed", cfg->ports[i]);
			return SETUP_RUNTIME;
		}

		unsigned int lcore, rx_index = 0;
		RTE_LCORE_FOREACH_WORKER(lcore) {
			struct lcore_role *role = &dp->roles[lcore];
			if (!role->rx)
				continue;
			if (rx_index < n_rxq && role->n_queues < LIME_MAX_RX_QUEUES) {
				role->queues[role->n_queues].port_id = port;
				role->queues[role->n_queues].queue_id = (uint16_t)rx_index;
				role->n_queues++;
			}
			rx_index++;
		}
	}
	return SETUP_OK;
}

static void set_clock_base(struct dataplane *dp)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	dp->tsc_hz = rte_get_tsc_hz();
	dp->tsc_base = rte_get_tsc_cycles();
	dp->wall_base_us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static void set_decode_options(const struct lime_config *cfg, struct dataplane *dp)
{
	dp->decode.vxlan_port = cfg->vxlan_port;
	dp->decode.decap_vxlan = cfg->vxlan_port != 0;
	for (size_t i = 0; i < cfg->n_sip_ports; i++)
		sip_port_set(dp, cfg->sip_ports[i]);
	dp->frag_timeout_ms = cfg->frag_timeout_ms;
}

/*
 * Size the reassembly tables so that, full of incomplete datagrams of the
 * maximum fragment count, they hold at most half of the mbuf pool. Without
 * this bound a flood of first fragments that never complete would take
 * every mbuf and stop reception altogether.
 */
static void size_fragment_tables(const struct lime_config *cfg, struct dataplane *dp)
{
	uint32_t per_datagram = RTE_LIBRTE_IP_FRAG_MAX_FRAG;
	uint32_t limit = cfg->mbufs / (2 * per_datagram * dp->n_rx_lcores);

	if (limit < 1)
		limit = 1;
	dp->frag_max_datagrams = cfg->frag_max_datagrams;
	if (dp->frag_max_datagrams > limit) {
		LOG_NOTICE("frag_max_datagrams lowered from %u to %u per receiving lcore, so that fragments can hold at most half of the %u mbufs; raise mbufs to keep more",
			   cfg->frag_max_datagrams, limit, cfg->mbufs);
		dp->frag_max_datagrams = limit;
	}
}

/*
 * Check that every lcore of the list "0-1,4,6-7" is a CPU this process may
 * run on. The EAL would fail on it too, but with its usage text and no
 * word on which lcore is missing.
 */
static enum setup_error check_lcores(const char *lcores, char *err, size_t err_len)
{
	cpu_set_t allowed;
	const char *p = lcores;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return SETUP_OK;

	while (*p != '\0') {
		char *end;
		long first = strtol(p, &end, 10), last = first;
		if (end == p)
			return SETUP_OK;   /* the configuration loader checked the syntax */
		if (*end == '-')
			last = strtol(end + 1, &end, 10);
		for (long id = first; id <= last; id++) {
			if (id >= CPU_SETSIZE || !CPU_ISSET((int)id, &allowed)) {
				snprintf(err, err_len,
					 "lcores \"%s\" names lcore %ld, but this process may run only on %d CPUs: list CPUs that exist and are not excluded, for example \"0-1\"",
					 lcores, id, CPU_COUNT(&allowed));
				return SETUP_CONFIG;
			}
		}
		p = (*end == ',') ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return SETUP_OK;
	}
	return SETUP_OK;
}

enum setup_error dataplane_setup(const struct lime_config *cfg,
				 const struct run_options *opts,
				 struct dataplane *dp, char *err, size_t err_len)
{
	struct eal_argv a = {.argc = 0};
	enum setup_error ret;

	memset(dp, 0, sizeof(*dp));
	dp->offline = opts->n_pcaps > 0;
	dp->pcap_speed = opts->pcap_speed;
	dp->sip_barrier = dp->offline && opts->pcap_speed <= 0;
	dp->ts_dynfield_offset = -1;
	set_decode_options(cfg, dp);

	if (opts->n_pcaps == 0 && cfg->n_ports == 0) {
		snprintf(err, err_len,
			 "no ports configured: add DPDK device strings under ports, or read capture files with --pcap");
		return SETUP_CONFIG;
	}
	ret = check_lcores(cfg->lcores, err, err_len);
	if (ret != SETUP_OK)
		return ret;

	ret = build_eal_argv(cfg, opts, &a, err, err_len);
	if (ret != SETUP_OK)
		return ret;
	if (rte_eal_init(a.argc, a.argv) < 0) {
		snprintf(err, err_len,
			 "DPDK EAL start failed: %s; check the DPDK messages above, and on a machine without hugepages add eal_args: [\"--no-huge\", \"-m\", \"1024\"]",
			 rte_strerror(rte_errno));
		return SETUP_RUNTIME;
	}

	ret = assign_roles(cfg, dp, err, err_len);
	if (ret != SETUP_OK)
		return ret;
	size_fragment_tables(cfg, dp);
	set_clock_base(dp);

	/* Per-lcore caches hold mbufs other lcores cannot take; keep them
	 * small beside a small pool. */
	unsigned int cache = RTE_MIN(MEMPOOL_CACHE, cfg->mbufs / 8u);
	dp->pool = rte_pktmbuf_pool_create("lime_mbufs", cfg->mbufs, cache,
					   PKT_META_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (dp->pool == NULL) {
		snprintf(err, err_len, "creating a pool of %u mbufs failed: %s; lower mbufs or give the EAL more memory",
			 cfg->mbufs, rte_strerror(rte_errno));
		return SETUP_RUNTIME;
	}

	ret = create_rings(cfg, dp, err, err_len);
	if (ret == SETUP_OK)
		ret = create_media_workers(cfg, opts, dp, err, err_len);
	if (ret != SETUP_OK)
		return ret;
	if (flow_table_create(&dp->flows, cfg->max_flows, dp->n_rx_lcores + dp->n_workers,
			      (int)rte_socket_id()) != 0) {
		snprintf(err, err_len, "creating the flow table of %u entries failed", cfg->max_flows);
		return SETUP_RUNTIME;
	}

	ret = dp->offline ? start_offline_ports(cfg, opts, dp, err, err_len)
			  : start_live_ports(cfg, dp, err, err_len);
	if (ret != SETUP_OK)
		return ret;

	/* net_pcap stores each record's capture time in this field. */
	dp->ts_dynfield_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	return SETUP_OK;
}

void dataplane_teardown(struct dataplane *dp)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
		port_stop(port);
	flow_table_destroy(&dp->flows);
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		rte_ring_free(dp->worker_rings[w]);
		rte_ring_free(dp->output_rings[w]);
		if (dp->media_workers[w] != NULL)
			rte_free(dp->media_workers[w]->streams);
		rte_free(dp->media_workers[w]);
	}
	rte_ring_free(dp->sip_ring);
	rte_mempool_free(dp->pool);
}
