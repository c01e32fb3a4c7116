/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Hosts .1 to .254 of each /24. */
#define HOSTS_PER_24 254

static void set_v4(struct cg_addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
		   uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

/* Parties: 192.0.2.1-254, 198.51.100.1-254, then 10.0.0.1 onwards with
 * the .0 and .255 hosts of each /24 left out. */
static bool party_v4(struct cg_addr *a, uint64_t n)
{
	if (n < HOSTS_PER_24) {
		set_v4(a, 192, 0, 2, (uint8_t)(n + 1));
		return true;
	}
	n -= HOSTS_PER_24;
	if (n < HOSTS_PER_24) {
		set_v4(a, 198, 51, 100, (uint8_t)(n + 1));
		return true;
	}
	n -= HOSTS_PER_24;
	if (n >= CG_PARTY_MAX_V4 - 2 * HOSTS_PER_24)
		return false;

	uint64_t subnet = n / HOSTS_PER_24;

	set_v4(a, 10, (uint8_t)(subnet >> 8), (uint8_t)subnet,
	       (uint8_t)(n % HOSTS_PER_24 + 1));
	return true;
}

/* IPv6 pools differ in their fourth group: 2001:db8:0:<pool + 1>::<n + 1>. */
static void set_v6(struct cg_addr *a, enum cg_addr_pool pool, uint64_t n)
{
	static const uint8_t prefix[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint64_t host = n + 1;

	memset(a, 0, sizeof(*a));
	a->family = 6;
	memcpy(a->bytes, prefix, sizeof(prefix));
	a->bytes[7] = (uint8_t)(pool + 1);
	for (int i = 0; i < 8; i++)
		a->bytes[15 - i] = (uint8_t)(host >> (8 * i));
}

bool cg_addr_of(struct cg_addr *a, bool ipv6, enum cg_addr_pool pool,
		uint64_t n)
{
	if (ipv6) {
		set_v6(a, pool, n);
		return true;
	}
	switch (pool) {
	case CG_POOL_PARTY:
		return party_v4(a, n);
	case CG_POOL_BACKGROUND:
		set_v4(a, 203, 0, 113, (uint8_t)(1 + n % 100));
		return true;
	case CG_POOL_FLOODER:
		set_v4(a, 203, 0, 113, (uint8_t)(201 + n % 50));
		return true;
	}
	return false;
}

void cg_addr_format(const struct cg_addr *a, char out[CG_ADDR_TEXT_MAX])
{
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes, out,
		      CG_ADDR_TEXT_MAX) == NULL)
		snprintf(out, CG_ADDR_TEXT_MAX, "?");
}

void cg_addr_format_host(const struct cg_addr *a, char out[CG_ADDR_TEXT_MAX])
{
	char plain[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes, plain,
		      sizeof(plain)) == NULL)
		snprintf(plain, sizeof(plain), "?");
	if (a->family == 6)
		snprintf(out, CG_ADDR_TEXT_MAX, "[%s]", plain);
	else
		snprintf(out, CG_ADDR_TEXT_MAX, "%s", plain);
}

void cg_addr_mac(const struct cg_addr *a, uint8_t mac[6])
{
	const uint8_t *low = a->family == 6 ? a->bytes + 12 : a->bytes;

	mac[0] = 0x02;
	mac[1] = a->family == 6 ? a->bytes[7] : 0x00;
	memcpy(mac + 2, low, 4);
}

bool cg_addr_equal(const struct cg_addr *a, const struct cg_addr *b)
{
	size_t len = a->family == 6 ? 16 : 4;

	return a->family == b->family && memcmp(a->bytes, b->bytes, len) == 0;
}
