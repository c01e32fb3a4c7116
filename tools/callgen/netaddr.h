/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_NETADDR_H
#define LIME_TOOLS_CALLGEN_NETADDR_H

/*
 * Host addresses of a capture. Every party of every call gets an address
 * of its own: IPv4 from 192.0.2.0/24 and 198.51.100.0/24 (RFC 5737), then
 * from 10.0.0.0/8 when those run out; IPv6 from 2001:db8::/32 (RFC 3849).
 * Background hosts and flooders come from pools of their own, so no
 * address serves two roles.
 */

#include <stdbool.h>
#include <stdint.h>

#define CG_ADDR_TEXT_MAX 48 /* an IPv6 literal in brackets, with NUL */

struct cg_addr {
	uint8_t family;            /* 4 or 6 */
	uint8_t bytes[16];         /* network order; 4 bytes for IPv4 */
};

enum cg_addr_pool {
	CG_POOL_PARTY,             /* callers and callees */
	CG_POOL_BACKGROUND,        /* hosts of non-VoIP traffic */
	CG_POOL_FLOODER,           /* senders of forged MIKEY messages */
};

/* Parties that fit into the IPv4 pools: 2 x 254 documentation hosts and
 * 65536 x 254 hosts of 10.0.0.0/8. */
#define CG_PARTY_MAX_V4 (UINT64_C(508) + UINT64_C(65536) * 254)

/* Sets the address of host n of a pool. Returns false when the IPv4
 * party pool has no host n. */
bool cg_addr_of(struct cg_addr *a, bool ipv6, enum cg_addr_pool pool,
		uint64_t n);

/* Writes "192.0.2.1" or "2001:db8::1". */
void cg_addr_format(const struct cg_addr *a, char out[CG_ADDR_TEXT_MAX]);

/* Writes the host part of a SIP URI or Via: IPv6 in brackets. */
void cg_addr_format_host(const struct cg_addr *a, char out[CG_ADDR_TEXT_MAX]);

/* A locally administered MAC address derived from the IP address. */
void cg_addr_mac(const struct cg_addr *a, uint8_t mac[6]);

bool cg_addr_equal(const struct cg_addr *a, const struct cg_addr *b);

#endif
