/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore loops of the dataplane: live receiving, offline receiving and
 * the worker role, and their start and stop.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "dataplane/rx_lcore.h"
#include "lib/util/log.h"

struct dataplane lime_dp;

static void run_live_rx(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	struct lcore_role *role = rx->role;
	struct rte_mbuf *pkts[LIME_BURST];
	uint64_t last_expire_us = 0;

	while (!dp->quit) {
		for (uint16_t q = 0; q < role->n_queues; q++) {
			uint64_t t_start = rte_rdtsc();
			uint16_t n = rte_eth_rx_burst(role->queues[q].port_id,
						      role->queues[q].queue_id,
						      pkts, LIME_BURST);
			if (n > 0)
				rx_process_burst(rx, pkts, n, t_start);
		}
		if (role->worker)
			rx_run_worker(rx, dp->worker_rings[role->worker_index]);
		flow_table_quiescent(&dp->flows, role->reader_id);

		/* Incomplete datagrams also expire when no fragment arrives. */
		uint64_t now_us = dataplane_now_us(dp);
		if (now_us - last_expire_us > 100000) {
			frag_ctx_expire(&rx->frag, now_us);
			rx->stats->drops[DROP_FRAGMENT_FAILED] = rx->frag.dropped;
			last_expire_us = now_us;
		}
	}
}

static int run_rx_lcore(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	unsigned int lcore = rte_lcore_id();
	int socket = (int)rte_lcore_to_socket_id(lcore);

	if (frag_ctx_init(&rx->frag, dp->frag_max_datagrams,
			  dp->frag_timeout_ms, socket) != 0 ||
	    flow_table_reader_register(&dp->flows, rx->role->reader_id) != 0) {
		LOG_ERR("lcore %u: receive setup failed", lcore);
		dp->quit = 1;
		__atomic_fetch_sub(&dp->rx_running, 1, __ATOMIC_RELEASE);
		return -1;
	}

	LOG_INFO("lcore %u: receiving%s%s", lcore,
		 dp->offline ? " from capture files" : "",
		 rx->role->worker ? ", with worker role" : "");
	if (dp->offline)
		rx_run_offline(rx);
	else
		run_live_rx(rx);

	/* The end of the input: incomplete datagrams will never complete. */
	frag_ctx_expire_all(&rx->frag);
	rx->stats->drops[DROP_FRAGMENT_FAILED] = rx->frag.dropped;
	frag_ctx_free(&rx->frag);

	flow_table_reader_unregister(&dp->flows, rx->role->reader_id);
	__atomic_fetch_sub(&dp->rx_running, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Drain this lcore's worker ring until every receiving lcore has stopped. */
static void drain_worker(struct rx_lcore *rx)
{
	struct dataplane *dp = rx->dp;
	struct rte_ring *ring = dp->worker_rings[rx->role->worker_index];

	for (;;) {
		bool rx_done = __atomic_load_n(&dp->rx_running, __ATOMIC_ACQUIRE) == 0;
		if (rx_run_worker(rx, ring) == 0) {
			if (rx_done && rte_ring_empty(ring))
				break;
			rte_pause();
		}
	}
}

int dataplane_lcore_main(void *arg)
{
	struct dataplane *dp = arg;
	unsigned int lcore = rte_lcore_id();
	struct rx_lcore *rx = rte_zmalloc_socket("lime_rx_lcore", sizeof(*rx),
						 RTE_CACHE_LINE_SIZE,
						 (int)rte_lcore_to_socket_id(lcore));
	int ret = 0;

	if (rx == NULL) {
		LOG_ERR("lcore %u: out of memory", lcore);
		dp->quit = 1;
		return -1;
	}
	rx->dp = dp;
	rx->role = &dp->roles[lcore];
	rx->stats = &lime_lcore_stats[lcore];

	if (rx->role->rx)
		ret = run_rx_lcore(rx);
	if (rx->role->worker) {
		drain_worker(rx);
		media_worker_finish(dp->media_workers[rx->role->worker_index]);
		__atomic_fetch_sub(&dp->workers_running, 1, __ATOMIC_RELEASE);
	}
	rte_free(rx);
	return ret;
}
