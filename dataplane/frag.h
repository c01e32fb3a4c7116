/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_FRAG_H
#define LIME_DATAPLANE_FRAG_H

/*
 * IPv4 and IPv6 fragment reassembly with DPDK's ip_frag library, one table
 * per receiving lcore. SIP INVITEs over UDP are often fragmented, and a
 * fragment other than the first carries no UDP header, so reassembly must
 * come before any port-based classification.
 *
 * Times are capture times in microseconds, so a replayed capture times out
 * incomplete datagrams exactly as the live traffic would have.
 */

#include <stdint.h>

#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "dataplane/decode.h"

/* Slots of the recent-fragment filter; a power of two. */
#define FRAG_SEEN_SLOTS 4096

/* A fragment seen recently, by signature, for duplicate detection. */
struct frag_seen {
	uint64_t signature;
	uint64_t ts_us;
};

struct frag_ctx {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row death_row;
	uint64_t timeout_us;
	uint64_t dropped;        /* fragments freed without a datagram */
	uint64_t duplicates;     /* exact copies of a recent fragment, dropped */
	struct frag_seen seen[FRAG_SEEN_SLOTS];
};

int frag_ctx_init(struct frag_ctx *ctx, uint32_t max_datagrams,
		  uint32_t timeout_ms, int socket_id);
void frag_ctx_free(struct frag_ctx *ctx);

/*
 * Add one fragment (decoded as d). Returns the reassembled datagram, which
 * starts at its IP header, or NULL while it is incomplete or when the
 * fragment was rejected. Rejected and expired fragments are freed by
 * frag_ctx_flush and counted in ctx->dropped.
 *
 * An exact copy of a fragment seen within the timeout (same addresses,
 * identification, offset, length and MF flag) is freed and counted in
 * ctx->duplicates: mirror ports and double taps produce such copies, and
 * DPDK's reassembly would discard the whole datagram on them.
 */
struct rte_mbuf *frag_add(struct frag_ctx *ctx, struct rte_mbuf *m,
			  const struct decoded_pkt *d, uint64_t ts_us);

/* Free what the table gave up on; call once per burst. */
void frag_ctx_flush(struct frag_ctx *ctx);

/* Give up on datagrams that started more than the timeout before now_us. */
void frag_ctx_expire(struct frag_ctx *ctx, uint64_t now_us);

/* Give up on every incomplete datagram: the end of the input. */
void frag_ctx_expire_all(struct frag_ctx *ctx);

#endif
