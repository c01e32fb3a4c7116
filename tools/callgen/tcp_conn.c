/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/tcp_conn.h"

#include <string.h>

#define WINDOW 64240
/* Gap between back-to-back segments of one message. */
#define SEGMENT_GAP_US 2

void cg_tcp_init(struct cg_tcp_conn *c, const struct cg_addr *client,
		 uint16_t client_port, const struct cg_addr *server,
		 uint16_t server_port, uint32_t client_isn, uint32_t server_isn,
		 int64_t half_rtt_us)
{
	memset(c, 0, sizeof(*c));
	c->addr[CG_TCP_CLIENT] = *client;
	c->addr[CG_TCP_SERVER] = *server;
	c->port[CG_TCP_CLIENT] = client_port;
	c->port[CG_TCP_SERVER] = server_port;
	c->next_seq[CG_TCP_CLIENT] = client_isn;
	c->next_seq[CG_TCP_SERVER] = server_isn;
	c->half_rtt_us = half_rtt_us;
}

static struct cg_flow flow_from(const struct cg_tcp_conn *c, enum cg_tcp_side from)
{
	enum cg_tcp_side to = from == CG_TCP_CLIENT ? CG_TCP_SERVER : CG_TCP_CLIENT;
	struct cg_flow f = {
		.src = &c->addr[from], .dst = &c->addr[to],
		.sport = c->port[from], .dport = c->port[to],
	};

	return f;
}

static enum cg_tcp_side peer_of(enum cg_tcp_side side)
{
	return side == CG_TCP_CLIENT ? CG_TCP_SERVER : CG_TCP_CLIENT;
}

/* Queues a segment from one side; the ACK number is the peer's next
 * sequence number. */
static void segment(struct cg_net *net, struct cg_tcp_conn *c,
		    enum cg_tcp_side from, int64_t ts_us, uint8_t flags,
		    const uint8_t *data, size_t len)
{
	struct cg_flow f = flow_from(c, from);
	struct cg_tcp_segment s = {
		.seq = c->next_seq[from],
		.ack = (flags & CG_TCP_ACK) ? c->next_seq[peer_of(from)] : 0,
		.flags = flags,
		.window = WINDOW,
		.dscp = CG_DSCP_CS3,
		.mss_option = (flags & CG_TCP_SYN) != 0,
		.payload = data,
		.len = len,
	};
	enum cg_packet_class cls = len > 0 ? CG_CLASS_SIP : CG_CLASS_TCP_CONTROL;

	cg_net_tcp(net, ts_us, &f, &s, cls);
	c->next_seq[from] += (uint32_t)len;
	if (flags & (CG_TCP_SYN | CG_TCP_FIN))
		c->next_seq[from]++;
}

int64_t cg_tcp_connect(struct cg_net *net, struct cg_tcp_conn *c, int64_t ts_us)
{
	segment(net, c, CG_TCP_CLIENT, ts_us, CG_TCP_SYN, NULL, 0);
	segment(net, c, CG_TCP_SERVER, ts_us + c->half_rtt_us,
		CG_TCP_SYN | CG_TCP_ACK, NULL, 0);
	segment(net, c, CG_TCP_CLIENT, ts_us + 2 * c->half_rtt_us, CG_TCP_ACK,
		NULL, 0);
	return ts_us + 2 * c->half_rtt_us;
}

void cg_tcp_send(struct cg_net *net, struct cg_tcp_conn *c,
		 enum cg_tcp_side from, int64_t ts_us, const uint8_t *data,
		 size_t len)
{
	size_t mss = cg_net_mss(&c->addr[from]);
	int64_t t = ts_us;

	for (size_t offset = 0; offset < len; offset += mss) {
		size_t chunk = len - offset < mss ? len - offset : mss;
		uint8_t flags = CG_TCP_ACK;

		/* PSH on the last segment of the message, as stacks do. */
		if (offset + chunk == len)
			flags |= CG_TCP_PSH;
		segment(net, c, from, t, flags, data + offset, chunk);
		t += SEGMENT_GAP_US;
	}
	segment(net, c, peer_of(from), t - SEGMENT_GAP_US + c->half_rtt_us,
		CG_TCP_ACK, NULL, 0);
}

void cg_tcp_close(struct cg_net *net, struct cg_tcp_conn *c,
		  enum cg_tcp_side first, int64_t ts_us)
{
	enum cg_tcp_side second = peer_of(first);

	segment(net, c, first, ts_us, CG_TCP_FIN | CG_TCP_ACK, NULL, 0);
	segment(net, c, second, ts_us + c->half_rtt_us, CG_TCP_FIN | CG_TCP_ACK,
		NULL, 0);
	segment(net, c, first, ts_us + 2 * c->half_rtt_us, CG_TCP_ACK, NULL, 0);
}
