/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/frag.h"

#include <errno.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "lib/util/log.h"

/* Datagrams per hash bucket. The table contains max_datagrams in all. */
#define FRAG_BUCKET_ENTRIES 16

int frag_ctx_init(struct frag_ctx *ctx, uint32_t max_datagrams,
		  uint32_t timeout_ms, int socket_id)
{
	memset(ctx, 0, sizeof(*ctx));

	uint32_t buckets = rte_align32pow2((max_datagrams + FRAG_BUCKET_ENTRIES - 1) /
					   FRAG_BUCKET_ENTRIES);
	/* The table's time unit is whatever frag_add passes: microseconds. */
	uint64_t timeout_us = (uint64_t)timeout_ms * 1000;

	ctx->timeout_us = timeout_us;

	ctx->tbl = rte_ip_frag_table_create(buckets, FRAG_BUCKET_ENTRIES,
					    max_datagrams, timeout_us, socket_id);
	if (ctx->tbl == NULL) {
		LOG_ERR("fragment table for %u datagrams could not be created",
			max_datagrams);
		return -ENOMEM;
	}
	return 0;
}

void frag_ctx_free(struct frag_ctx *ctx)
{
	if (ctx->tbl == NULL)
		return;
	frag_ctx_expire_all(ctx);
	rte_ip_frag_table_destroy(ctx->tbl);
	ctx->tbl = NULL;
}

/*
 * DPDK's IPv6 reassembly expects the fragment header right after the fixed
 * header. Extension headers before it (hop-by-hop, routing, destination
 * options) matter only to routers, so they are cut out.
 */
static int ipv6_strip_unfragmentable(struct rte_mbuf *m, uint16_t frag_rel)
{
	uint16_t extra = frag_rel - (uint16_t)sizeof(struct rte_ipv6_hdr);
	if (extra == 0)
		return 0;

	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)base;
	uint16_t payload_len = rte_be_to_cpu_16(ip6->payload_len);
	if (payload_len < extra)
		return -EINVAL;

	ip6->proto = IPPROTO_FRAGMENT;
	ip6->payload_len = rte_cpu_to_be_16(payload_len - extra);
	memmove(base + extra, base, sizeof(*ip6));
	rte_pktmbuf_adj(m, extra);
	return 0;
}

/* Identity of a fragment, taken from its IP headers: equal signatures
 * mean the same fragment. */
struct frag_signature {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint16_t offset_flags;   /* fragment offset and MF bit, as on the wire */
	uint16_t len;
	uint8_t version;
	uint8_t proto;
	uint8_t pad[2];
};

static int fill_signature(struct rte_mbuf *m, const struct decoded_pkt *d,
			  struct frag_signature *sig)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t need = d->ip_version == 4 ? d->l3_offset + 8u : d->frag_hdr_offset + 8u;

	if (need > m->data_len)
		return -1;

	memset(sig, 0, sizeof(*sig));
	memcpy(sig->src, d->src_addr, sizeof(sig->src));
	memcpy(sig->dst, d->dst_addr, sizeof(sig->dst));
	sig->version = d->ip_version;
	sig->proto = d->l4_proto;
	sig->len = d->ip_len;
	if (d->ip_version == 4) {
		const uint8_t *ip = data + d->l3_offset;
		sig->id = (uint32_t)(ip[4] << 8 | ip[5]);
		sig->offset_flags = (uint16_t)(ip[6] << 8 | ip[7]);
	} else {
		const uint8_t *fh = data + d->frag_hdr_offset;
		sig->offset_flags = (uint16_t)(fh[2] << 8 | fh[3]);
		memcpy(&sig->id, fh + 4, sizeof(sig->id));
	}
	return 0;
}

/* True when the same fragment went by within the timeout; else remember it. */
static bool frag_is_duplicate(struct frag_ctx *ctx, struct rte_mbuf *m,
			      const struct decoded_pkt *d, uint64_t ts_us)
{
	struct frag_signature sig;

	if (fill_signature(m, d, &sig) != 0)
		return false;

	uint64_t h = (uint64_t)rte_hash_crc(&sig, sizeof(sig), 0) << 32 |
		     rte_hash_crc(&sig, sizeof(sig), 0x9e3779b9);
	h |= 1;   /* zero marks an empty slot */
	struct frag_seen *slot = &ctx->seen[h & (FRAG_SEEN_SLOTS - 1)];

	if (slot->signature == h && ts_us - slot->ts_us <= ctx->timeout_us)
		return true;
	slot->signature = h;
	slot->ts_us = ts_us;
	return false;
}

struct rte_mbuf *frag_add(struct frag_ctx *ctx, struct rte_mbuf *m,
			  const struct decoded_pkt *d, uint64_t ts_us)
{
	if (frag_is_duplicate(ctx, m, d, ts_us)) {
		ctx->duplicates++;
		rte_pktmbuf_free(m);
		return NULL;
	}

	/* Drop the outer headers: the datagram starts at its IP header. */
	rte_pktmbuf_adj(m, d->l3_offset);
	/* Ethernet padding would otherwise count as fragment data. */
	if (m->pkt_len > d->ip_len)
		rte_pktmbuf_trim(m, m->pkt_len - d->ip_len);

	m->l2_len = 0;
	if (d->ip_version == 4) {
		m->l3_len = d->l3_len;
		struct rte_ipv4_hdr *ip4 = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		return rte_ipv4_frag_reassemble_packet(ctx->tbl, &ctx->death_row,
						       m, ts_us, ip4);
	}

	uint16_t frag_rel = d->frag_hdr_offset - d->l3_offset;
	if (ipv6_strip_unfragmentable(m, frag_rel) != 0) {
		rte_pktmbuf_free(m);
		ctx->dropped++;
		return NULL;
	}

	m->l3_len = sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_ipv6_fragment_ext);
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip6 + 1);
	return rte_ipv6_frag_reassemble_packet(ctx->tbl, &ctx->death_row,
					       m, ts_us, ip6, fh);
}

void frag_ctx_flush(struct frag_ctx *ctx)
{
	if (ctx->death_row.cnt == 0)
		return;
	ctx->dropped += ctx->death_row.cnt;
	rte_ip_frag_free_death_row(&ctx->death_row, 0);
}

void frag_ctx_expire(struct frag_ctx *ctx, uint64_t now_us)
{
	/* Each pass stops when the death row is full, so repeat until dry. */
	do {
		rte_ip_frag_table_del_expired_entries(ctx->tbl, &ctx->death_row, now_us);
		if (ctx->death_row.cnt == 0)
			break;
		frag_ctx_flush(ctx);
	} while (1);
}

void frag_ctx_expire_all(struct frag_ctx *ctx)
{
	/* Entries expire when start + timeout < now: any "now" this large. */
	frag_ctx_expire(ctx, UINT64_MAX / 2);
}
