/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_FLOW_TABLE_H
#define LIME_DATAPLANE_FLOW_TABLE_H

/*
 * The media flow table: which UDP destinations carry media of intercepted
 * calls, and which worker handles each. The control lcore is the only
 * writer; receiving lcores read it without locks. A deleted entry's data is
 * freed only after every reader has passed a quiescent state (RCU QSBR), so
 * a reader never sees freed memory.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/decode.h"

/* A media destination: the address and port that an SDP offered. */
struct flow_key {
	uint8_t family;        /* 4 or 6 */
	uint8_t proto;         /* IPPROTO_UDP */
	uint16_t port;         /* host order */
	uint8_t addr[16];
} __attribute__((packed));

/* Flow data returned to a reader on a hit. Owned by the table once added. */
struct flow_entry {
	uint32_t stream_id;
	uint16_t worker;       /* index of the worker lcore */
	uint16_t reserved;
};

/*
 * The table and a filter in front of it. Most UDP packets on a tap belong to
 * no intercepted call, so readers first test a bitmap of the destination
 * ports that have any flow and skip the hash lookup on a clear bit. The
 * writer keeps a count per port to know when a bit may be cleared.
 */
struct flow_table {
	struct rte_hash *hash;
	struct rte_rcu_qsbr *qsbr;
	uint32_t max_flows;
	uint32_t n_readers;
	uint64_t port_filter[65536 / 64];    /* read by readers, set by the writer */
	uint32_t *port_refs;                 /* flows per port; writer only */
};

/* Create a table for max_flows entries read by n_readers lcores. */
int flow_table_create(struct flow_table *ft, uint32_t max_flows,
		      uint32_t n_readers, int socket_id);
void flow_table_destroy(struct flow_table *ft);

/* Writer side (control lcore only). The entry must come from malloc(). */
int flow_table_add(struct flow_table *ft, const struct flow_key *key,
		   struct flow_entry *entry);
int flow_table_del(struct flow_table *ft, const struct flow_key *key);

/* Reader side: register once per lcore, then report quiescence every loop. */
int flow_table_reader_register(struct flow_table *ft, uint32_t reader_id);
void flow_table_reader_unregister(struct flow_table *ft, uint32_t reader_id);

static inline void flow_table_quiescent(struct flow_table *ft, uint32_t reader_id)
{
	rte_rcu_qsbr_quiescent(ft->qsbr, reader_id);
}

/*
 * Look up n keys (at most RTE_HASH_LOOKUP_BULK_MAX). Bit i of the returned
 * mask is set when keys[i] hit; entries[i] is then valid until the caller's
 * next quiescent state.
 */
static inline uint64_t flow_table_lookup_bulk(struct flow_table *ft,
					      const void **keys, uint32_t n,
					      struct flow_entry **entries)
{
	uint64_t hit_mask = 0;

	if (n == 0)
		return 0;
	rte_hash_lookup_bulk_data(ft->hash, keys, n, &hit_mask, (void **)entries);
	return hit_mask;
}

/* True when some flow may have this destination port. */
static inline bool flow_table_port_maybe(const struct flow_table *ft, uint16_t port)
{
	uint64_t word = __atomic_load_n(&ft->port_filter[port >> 6], __ATOMIC_ACQUIRE);

	return (word >> (port & 63)) & 1;
}

/* Fill key with the destination of a decoded UDP packet. */
static inline void flow_key_from_dst(struct flow_key *key,
				     const struct decoded_pkt *d)
{
	key->family = d->ip_version;
	key->proto = d->l4_proto;
	key->port = d->dst_port;
	__builtin_memcpy(key->addr, d->dst_addr, sizeof(key->addr));
}

#endif
