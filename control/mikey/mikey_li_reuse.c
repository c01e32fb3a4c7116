/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_reuse.h"

#include <stdio.h>
#include <string.h>

/* The sessions of one ticket. */
struct ticket_use {
	uint32_t first_csb_id;         /* the session that used it first */
	uint32_t later[MIKEY_LI_REUSE_CSB_IDS];   /* a ring of later sessions */
	uint8_t n_later;
	uint8_t next;
	uint32_t sessions;
};

void mikey_li_reuse_config_init(struct mikey_li_reuse_config *cfg)
{
	cfg->max_tickets = 16384;
	cfg->ttl_us = INT64_C(24) * 3600 * MIKEY_LI_US_PER_S;
}

int mikey_li_reuse_init(struct mikey_li_reuse *r,
			const struct mikey_li_reuse_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	return mikey_li_lru_init(&r->tickets, cfg->max_tickets,
				 sizeof(struct ticket_use));
}

void mikey_li_reuse_free(struct mikey_li_reuse *r)
{
	mikey_li_lru_free(&r->tickets);
	memset(r, 0, sizeof(*r));
}

static bool seen(const struct ticket_use *u, uint32_t csb_id)
{
	if (u->first_csb_id == csb_id)
		return true;
	for (uint8_t i = 0; i < u->n_later; i++) {
		if (u->later[i] == csb_id)
			return true;
	}
	return false;
}

static void remember(struct ticket_use *u, uint32_t csb_id)
{
	u->later[u->next] = csb_id;
	u->next = (uint8_t)((u->next + 1) % MIKEY_LI_REUSE_CSB_IDS);
	if (u->n_later < MIKEY_LI_REUSE_CSB_IDS)
		u->n_later++;
}

/* Finds the ticket's record, or starts one whose first session is csb_id. */
static struct ticket_use *lookup(struct mikey_li_reuse *r,
				 const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
				 uint32_t csb_id, int64_t now_us, bool *created)
{
	int64_t expires_us = now_us + r->cfg.ttl_us;
	struct ticket_use *u;

	u = mikey_li_lru_find(&r->tickets, hash, MIKEY_LI_TICKET_HASH_LEN, now_us);
	*created = u == NULL;
	if (u != NULL) {
		mikey_li_lru_set_expiry(&r->tickets, u, expires_us);
		return u;
	}
	u = mikey_li_lru_insert(&r->tickets, hash, MIKEY_LI_TICKET_HASH_LEN,
				now_us, expires_us);
	if (u != NULL) {
		u->first_csb_id = csb_id;
		u->sessions = 1;
	}
	return u;
}

enum mikey_li_status mikey_li_reuse_record(struct mikey_li_reuse *r,
					   const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
					   uint32_t csb_id, bool reusable,
					   int64_t now_us,
					   struct mikey_li_reuse_result *out)
{
	bool created = false;
	struct ticket_use *u = lookup(r, hash, csb_id, now_us, &created);

	memset(out, 0, sizeof(*out));
	out->status = MIKEY_LI_OK;
	if (u == NULL)
		return MIKEY_LI_OK;
	out->new_session = created || !seen(u, csb_id);
	if (out->new_session) {
		r->stats.sessions++;
		if (!created) {
			u->sessions++;
			remember(u, csb_id);
		}
	}
	out->sessions = u->sessions;
	if (reusable || csb_id == u->first_csb_id)
		return MIKEY_LI_OK;
	if (out->new_session)
		r->stats.reuses++;
	out->status = MIKEY_LI_TICKET_REUSE;
	snprintf(out->reason, sizeof(out->reason),
		 "a ticket without the J flag is used in a second session "
		 "(CSB ID 0x%08x; %u sessions so far)", csb_id, u->sessions);
	return out->status;
}
