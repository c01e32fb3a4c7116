/* SPDX-License-Identifier: BSD-3-Clause */
#include "etsi.h"

#include <stdio.h>
#include <string.h>

static void oid_set(struct etsi_oid *oid, const uint32_t *arcs, size_t count)
{
	memcpy(oid->arcs, arcs, count * sizeof(arcs[0]));
	oid->count = (uint8_t)count;
}

void etsi_oids_default(struct etsi_oids *oids)
{
	static const uint32_t domain[] = { 0, 4, 0, 2, 2, 5, 1, 17 };
	static const uint32_t iri[] = { 5, 5, 6, 1 };
	static const uint32_t cc[] = { 5, 5, 6, 2 };

	memset(oids, 0, sizeof(*oids));
	oid_set(&oids->domain_id, domain, sizeof(domain) / sizeof(domain[0]));
	oid_set(&oids->ipmm_iri, iri, sizeof(iri) / sizeof(iri[0]));
	oid_set(&oids->ipmm_cc, cc, sizeof(cc) / sizeof(cc[0]));
}

/* Reads one decimal arc at *p with no sign, no leading zero and no value
 * above 2^32-1. */
static int parse_arc(const char **p, uint32_t *arc)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return ETSI_ERR_INVALID;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return ETSI_ERR_INVALID;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return ETSI_ERR_INVALID;
		s++;
	}
	*arc = (uint32_t)v;
	*p = s;
	return ETSI_OK;
}

int etsi_oid_parse(const char *text, bool relative, struct etsi_oid *out)
{
	struct etsi_oid oid = { .count = 0 };
	const char *p = text;

	if (text == NULL)
		return ETSI_ERR_INVALID;
	for (;;) {
		if (oid.count >= ETSI_OID_MAX_ARCS)
			return ETSI_ERR_INVALID;
		if (parse_arc(&p, &oid.arcs[oid.count]) != ETSI_OK)
			return ETSI_ERR_INVALID;
		oid.count++;
		if (*p == '\0')
			break;
		if (*p != '.')
			return ETSI_ERR_INVALID;
		p++;
	}

	if (!relative) {
		if (oid.count < 2 || oid.arcs[0] > 2)
			return ETSI_ERR_INVALID;
		if (oid.arcs[0] < 2 && oid.arcs[1] >= 40)
			return ETSI_ERR_INVALID;
	}
	*out = oid;
	return ETSI_OK;
}

int etsi_oid_format(const struct etsi_oid *oid, char *buf, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return ETSI_ERR_SPACE;
	buf[0] = '\0';
	for (size_t i = 0; i < oid->count; i++) {
		int n = snprintf(buf + used, cap - used, "%s%u",
				 i == 0 ? "" : ".", (unsigned)oid->arcs[i]);
		if (n < 0 || (size_t)n >= cap - used)
			return ETSI_ERR_SPACE;
		used += (size_t)n;
	}
	return ETSI_OK;
}

bool etsi_oid_equal(const struct etsi_oid *a, const struct etsi_oid *b)
{
	return a->count == b->count &&
	       memcmp(a->arcs, b->arcs, a->count * sizeof(a->arcs[0])) == 0;
}

const char *etsi_status_text(int status)
{
	switch (status) {
	case ETSI_OK: return "ok";
	case ETSI_ERR_SPACE: return "output buffer too small";
	case ETSI_ERR_INVALID: return "invalid input value";
	case ETSI_ERR_DECODE: return "malformed PS-PDU";
	case ETSI_NEED_MORE: return "more bytes needed";
	case ETSI_ERR_TOO_LARGE: return "PS-PDU larger than the limit";
	default: return "unknown status";
	}
}
