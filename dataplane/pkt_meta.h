/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_PKT_META_H
#define LIME_DATAPLANE_PKT_META_H

/*
 * Metadata that travels with each mbuf in its private area, from the
 * receiving lcore to the control lcore or a worker.
 */

#include <stdint.h>

#include <rte_mbuf.h>

struct pkt_meta {
	uint64_t ts_us;        /* capture time, microseconds since the Unix epoch */
	uint16_t l3_offset;    /* innermost IP header, from the start of the data */
	uint16_t l4_offset;
	uint16_t payload_offset;
	uint16_t payload_len;
	uint8_t l4_proto;
	uint8_t ip_version;
	uint16_t reserved;
	uint32_t flow_data;    /* the flow table entry's value for media */
};

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return (struct pkt_meta *)rte_mbuf_to_priv(m);
}

#define PKT_META_PRIV_SIZE RTE_ALIGN(sizeof(struct pkt_meta), RTE_MBUF_PRIV_ALIGN)

#endif
