/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_TCP_CONN_H
#define LIME_TOOLS_CALLGEN_TCP_CONN_H

/*
 * One TCP connection carrying SIP: three-way handshake, data segments cut
 * at the MSS with the peer's ACK half a round trip later, and a FIN from
 * each side. Sequence numbers start at the initial sequence numbers given
 * and count every byte, SYN and FIN included.
 */

#include <stdint.h>

#include "tools/callgen/netaddr.h"
#include "tools/callgen/packet.h"

enum cg_tcp_side {
	CG_TCP_CLIENT = 0,
	CG_TCP_SERVER = 1,
};

struct cg_tcp_conn {
	struct cg_addr addr[2];
	uint16_t port[2];
	uint32_t next_seq[2];
	int64_t half_rtt_us;
};

void cg_tcp_init(struct cg_tcp_conn *c, const struct cg_addr *client,
		 uint16_t client_port, const struct cg_addr *server,
		 uint16_t server_port, uint32_t client_isn, uint32_t server_isn,
		 int64_t half_rtt_us);

/* Queues SYN at ts_us, SYN-ACK and ACK after it; returns when the client
 * may send. */
int64_t cg_tcp_connect(struct cg_net *net, struct cg_tcp_conn *c, int64_t ts_us);

/* Queues data from one side at ts_us and the peer's ACK. */
void cg_tcp_send(struct cg_net *net, struct cg_tcp_conn *c,
		 enum cg_tcp_side from, int64_t ts_us, const uint8_t *data,
		 size_t len);

/* Queues FIN from one side at ts_us, the peer's FIN and the last ACK. */
void cg_tcp_close(struct cg_net *net, struct cg_tcp_conn *c,
		  enum cg_tcp_side first, int64_t ts_us);

#endif
