/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_PKT_META_H
#define LIME_DATAPLANE_PKT_META_H

/*
 * Metadata that travels with each mbuf in its private area, from the
 * receiving lcore to the control lcore or a worker.
 */

#include <stdint.h>

#include <rte_mbuf.h>

/* Intercepts one media packet can go to (the LIIDs of one stream). */
#define PKT_META_CC_LIIDS 4

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
	/* Set by a worker on a media packet it hands back: the intercepts
	 * that receive it as content of communication, so that the control
	 * lcore needs no stream state, which may be gone by then. */
	uint8_t cc_n_liids;
	uint8_t cc_dirs[PKT_META_CC_LIIDS];   /* ETSI Direction per LIID */
	uint8_t cc_reserved[3];
	uint16_t cc_liids[PKT_META_CC_LIIDS];
	uint32_t cc_cins[PKT_META_CC_LIIDS];
};

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return (struct pkt_meta *)rte_mbuf_to_priv(m);
}

#define PKT_META_PRIV_SIZE RTE_ALIGN(sizeof(struct pkt_meta), RTE_MBUF_PRIV_ALIGN)

#endif
