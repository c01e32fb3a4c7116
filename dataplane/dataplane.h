/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_DATAPLANE_H
#define LIME_DATAPLANE_DATAPLANE_H

/*
 * State shared by the dataplane lcores. Everything here is set up by the
 * main lcore before the other lcores start and is read-only afterwards,
 * except the flags and counters marked as atomic.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dataplane/decode.h"
#include "dataplane/flow_table.h"
#include "dataplane/media_worker.h"

#define LIME_BURST 32
#define LIME_MAX_WORKERS 64
#define LIME_MAX_RX_QUEUES 32

struct rx_queue_ref {
	uint16_t port_id;
	uint16_t queue_id;
};

/* Per-lcore role. An lcore can both receive and run a worker. */
struct lcore_role {
	bool rx;
	bool worker;
	uint16_t worker_index;         /* valid when worker */
	uint32_t reader_id;            /* flow table reader slot, when rx */
	uint16_t n_queues;
	struct rx_queue_ref queues[LIME_MAX_RX_QUEUES];
};

struct dataplane {
	struct lcore_role roles[RTE_MAX_LCORE];
	struct flow_table flows;
	struct rte_ring *sip_ring;                  /* to the control lcore */
	struct rte_ring *worker_rings[LIME_MAX_WORKERS];  /* packets and stream messages */
	struct media_worker *media_workers[LIME_MAX_WORKERS];
	struct rte_ring *output_rings[LIME_MAX_WORKERS];  /* media to the control lcore */
	struct rte_mempool *pool;
	uint16_t n_workers;
	uint16_t n_rx_lcores;

	uint16_t sip_ports[16];                     /* UDP and TCP ports of SIP */
	uint16_t n_sip_ports;
	uint8_t sip_port_map[65536 / 8];            /* the same, a bit per port */
	struct decode_options decode;
	uint32_t frag_max_datagrams;
	uint32_t frag_timeout_ms;

	/* Offline mode: capture files through net_pcap. */
	bool offline;
	double pcap_speed;                          /* 0 = unpaced */
	uint16_t n_pcap_ports;
	uint16_t pcap_ports[RTE_MAX_ETHPORTS];
	uint64_t pcap_records[RTE_MAX_ETHPORTS];    /* per pcap port */
	int ts_dynfield_offset;                     /* -1 when unregistered */

	/* Live timestamps: wall clock at tsc_base, advanced by the TSC. */
	uint64_t wall_base_us;
	uint64_t tsc_base;
	uint64_t tsc_hz;

	/* Shared flags and counters (atomic access). */
	volatile int quit;                          /* SIGINT, SIGTERM */
	int rx_running;                             /* receiving lcores still reading */
	int workers_running;
	uint32_t pending_key_requests;              /* offline reader holds back while > 0 */
	/*
	 * Unpaced offline mode reads faster than the control lcore follows
	 * SIP, so media could overtake the answer that creates its flow.
	 * With sip_barrier set, a receiving lcore that hands SIP packets over
	 * waits until sip_handled reaches sip_enqueued before it reads on.
	 */
	bool sip_barrier;
	uint64_t sip_enqueued;
	uint64_t sip_handled;

	/* Capture time of the latest packet a receiving lcore read (atomic),
	 * so that time-driven decisions (warrant ends) do not wait for SIP. */
	uint64_t capture_now_us;
	/*
	 * Behind the SIP barrier, a packet captured at or after
	 * time_barrier_us waits until the control lcore has applied the time
	 * up to it: a warrant that ends then stops its media exactly there.
	 * The control lcore answers each request by moving the barrier past
	 * the packet's time.
	 */
	uint64_t time_barrier_us;
	uint64_t ticks_requested;
	uint64_t ticks_handled;
};

extern struct dataplane lime_dp;

/* Up to this many SIP ports are compared one by one, more through the map. */
#define SIP_PORTS_LINEAR 4

/*
 * True when either port carries SIP. A few comparisons beat the 8 KiB map,
 * whose random lines would push packet data out of the L1 cache.
 */
static inline bool sip_port_match(const struct dataplane *dp, uint16_t a, uint16_t b)
{
	if (dp->n_sip_ports <= SIP_PORTS_LINEAR) {
		for (uint16_t i = 0; i < dp->n_sip_ports; i++)
			if (dp->sip_ports[i] == a || dp->sip_ports[i] == b)
				return true;
		return false;
	}
	return ((dp->sip_port_map[a >> 3] >> (a & 7)) & 1) ||
	       ((dp->sip_port_map[b >> 3] >> (b & 7)) & 1);
}

static inline void sip_port_set(struct dataplane *dp, uint16_t port)
{
	dp->sip_port_map[port >> 3] |= (uint8_t)(1u << (port & 7));
	if (dp->n_sip_ports < RTE_DIM(dp->sip_ports))
		dp->sip_ports[dp->n_sip_ports++] = port;
}

/* Entry point of every non-main lcore (rte_eal_remote_launch). */
int dataplane_lcore_main(void *arg);

/* Capture time of a live packet received now. */
uint64_t dataplane_now_us(const struct dataplane *dp);

#endif
