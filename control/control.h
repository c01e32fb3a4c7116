/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_CONTROL_H
#define LIME_CONTROL_CONTROL_H

/*
 * The control lcore: takes SIP packets from the dataplane, reassembles SIP
 * over TCP, and (in later stages) follows dialogs and fills the flow table.
 * It sleeps when its ring is empty instead of busy-polling, because the KMS
 * client, delivery and spool threads share its CPU.
 */

#include <stdint.h>

#include "control/config.h"
#include "dataplane/dataplane.h"
#include "lib/sip/tcp_stream.h"

struct control_stats {
	uint64_t sip_packets;        /* packets taken from the SIP ring */
	uint64_t sip_messages;       /* SIP messages, each counted once */
	uint64_t sip_rejected;       /* UDP datagrams on a SIP port that are not SIP */
	uint64_t sip_keepalives;     /* CRLF keepalives over UDP */
	uint64_t sip_udp_messages;
	uint64_t sip_tcp_messages;
	uint64_t sip_undecodable;    /* packets the control lcore could not re-read */
};

struct control {
	const struct lime_config *cfg;
	struct dataplane *dp;
	struct tcp_stream_table *tcp;
	struct control_stats stats;
	uint64_t last_capture_us;    /* capture time of the latest SIP packet */
	uint64_t last_tcp_expire_us;
	uint64_t started_tsc;
	uint64_t stopped_tsc;
	uint8_t scratch[65536];
};

int control_init(struct control *c, const struct lime_config *cfg,
		 struct dataplane *dp);
void control_free(struct control *c);

/*
 * Run until the dataplane has stopped (end of input or a signal) and every
 * queued SIP packet is handled.
 */
void control_run(struct control *c);

/* Log one line of counters. */
void control_log_stats(const struct control *c);

#endif
