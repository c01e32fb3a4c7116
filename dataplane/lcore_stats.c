/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/lcore_stats.h"

#include <string.h>

struct lcore_stats lime_lcore_stats[RTE_MAX_LCORE];

static const char *const class_names[PKT_CLASS_COUNT] = {
	[PKT_CLASS_SIP] = "sip",
	[PKT_CLASS_MEDIA] = "media",
	[PKT_CLASS_FRAGMENT] = "fragment",
	[PKT_CLASS_OTHER] = "other",
	[PKT_CLASS_MALFORMED] = "malformed",
};

static const char *const stage_names[STAGE_COUNT] = {
	[STAGE_RX] = "receive",
	[STAGE_DECODE] = "decode",
	[STAGE_LOOKUP] = "lookup",
	[STAGE_DISPATCH] = "dispatch",
};

static const char *const encap_names[] = {
	"vlan", "qinq", "gre", "erspan1", "erspan2", "erspan3", "vxlan",
	"vntag", "mpls", "ipip",
};

const char *pkt_class_name(enum pkt_class c)
{
	return class_names[c];
}

bool drop_reason_reported(int r)
{
	return r != DROP_DECODE_FIRST + DECODE_OK &&
	       r != DROP_DECODE_FIRST + DECODE_NOT_IP &&
	       r != DROP_DECODE_FIRST + DECODE_FRAGMENT;
}

const char *drop_reason_name(enum drop_reason r)
{
	if (r >= DROP_DECODE_FIRST && r <= DROP_DECODE_LAST)
		return decode_result_name((enum decode_result)(r - DROP_DECODE_FIRST));

	switch (r) {
	case DROP_NOT_TARGET:
		return "not_target";
	case DROP_NOT_IP:
		return "not_ip";
	case DROP_FRAGMENT_FAILED:
		return "fragment_failed";
	case DROP_FRAGMENT_DUPLICATE:
		return "fragment_duplicate";
	case DROP_SIP_RING_FULL:
		return "sip_ring_full";
	case DROP_WORKER_RING_FULL:
		return "worker_ring_full";
	case DROP_MEDIA_NO_KEYS:
		return "media_no_keys";
	default:
		return "unknown";
	}
}

const char *rx_stage_name(enum rx_stage s)
{
	return stage_names[s];
}

const char *encap_name(unsigned int bit)
{
	if (bit >= RTE_DIM(encap_names))
		return "unknown";
	return encap_names[bit];
}

static void add_counters(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += lcore_stat_read(&src[i]);
}

void lcore_stats_sum(struct lcore_stats *total)
{
	memset(total, 0, sizeof(*total));

	/* Every field up to the TSC marks is a counter that adds up. */
	const size_t n_counters = offsetof(struct lcore_stats, first_rx_tsc) / sizeof(uint64_t);
	for (unsigned int id = 0; id < RTE_MAX_LCORE; id++)
		add_counters((uint64_t *)total,
			     (const uint64_t *)&lime_lcore_stats[id], n_counters);
}
