/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_limiter.h"

#include <string.h>

#define MICRO INT64_C(1000000)

/* A marker value: the negative cache stores keys only. */
struct rejected_ticket {
	uint8_t unused;
};

void mikey_li_limiter_config_init(struct mikey_li_limiter_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->global_rate = 50;
	cfg->global_burst = 100;
	cfg->source_rate = 5;
	cfg->source_burst = 10;
	cfg->max_sources = 4096;
	cfg->negative_max = 4096;
	cfg->negative_ttl_us = 600 * MICRO;
}

int mikey_li_limiter_init(struct mikey_li_limiter *l,
			  const struct mikey_li_limiter_config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (mikey_li_lru_init(&l->sources, cfg->max_sources,
			      sizeof(struct mikey_li_bucket)) != 0)
		return -1;
	if (mikey_li_lru_init(&l->rejected, cfg->negative_max,
			      sizeof(struct rejected_ticket)) != 0) {
		mikey_li_lru_free(&l->sources);
		return -1;
	}
	return 0;
}

void mikey_li_limiter_free(struct mikey_li_limiter *l)
{
	mikey_li_lru_free(&l->sources);
	mikey_li_lru_free(&l->rejected);
	memset(l, 0, sizeof(*l));
}

/* ---- Token buckets ---- */

static int64_t capacity(uint32_t burst)
{
	return (int64_t)(burst == 0 ? 1 : burst) * MICRO;
}

/* Adds the tokens earned since the last call. A clock that goes back (two
 * merged captures) earns nothing and keeps the later time. */
static void refill(struct mikey_li_bucket *b, uint32_t rate, uint32_t burst,
		   int64_t now_us)
{
	int64_t cap = capacity(burst);
	int64_t elapsed;

	if (!b->started) {
		b->started = true;
		b->micro_tokens = cap;
		b->last_us = now_us;
		return;
	}
	if (now_us <= b->last_us)
		return;
	elapsed = now_us - b->last_us;
	b->last_us = now_us;
	/* A full refill needs cap / rate microseconds; stop there before the
	 * product can overflow. */
	if (elapsed >= cap / rate + 1) {
		b->micro_tokens = cap;
		return;
	}
	b->micro_tokens += elapsed * (int64_t)rate;
	if (b->micro_tokens > cap)
		b->micro_tokens = cap;
}

static bool has_token(const struct mikey_li_bucket *b)
{
	return b->micro_tokens >= MICRO;
}

/* The source's bucket, created full when unknown. NULL when per-source
 * limits are off. */
static struct mikey_li_bucket *source_bucket(struct mikey_li_limiter *l,
					     const uint8_t *source,
					     size_t source_len, int64_t now_us)
{
	const struct mikey_li_limiter_config *c = &l->cfg;
	struct mikey_li_bucket *b;
	int64_t refill_us;

	if (c->source_rate == 0)
		return NULL;
	b = mikey_li_lru_find(&l->sources, source, source_len, now_us);
	/* After a full refill time a bucket is as good as a new one, so the
	 * entry may expire then. */
	refill_us = capacity(c->source_burst) / c->source_rate + 1;
	if (b == NULL)
		b = mikey_li_lru_insert(&l->sources, source, source_len, now_us,
					now_us + refill_us);
	else
		mikey_li_lru_set_expiry(&l->sources, b, now_us + refill_us);
	if (b != NULL)
		refill(b, c->source_rate, c->source_burst, now_us);
	return b;
}

enum mikey_li_admission mikey_li_limiter_admit(struct mikey_li_limiter *l,
					       const uint8_t *source,
					       size_t source_len,
					       const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
					       int64_t now_us)
{
	const struct mikey_li_limiter_config *c = &l->cfg;
	struct mikey_li_bucket *src;

	if (mikey_li_limiter_is_rejected(l, hash, now_us)) {
		l->stats.shed_rejected++;
		return MIKEY_LI_SHED_REJECTED;
	}
	src = source_bucket(l, source, source_len, now_us);
	if (src != NULL && !has_token(src)) {
		l->stats.shed_source++;
		return MIKEY_LI_SHED_SOURCE;
	}
	if (c->global_rate != 0) {
		refill(&l->global, c->global_rate, c->global_burst, now_us);
		if (!has_token(&l->global)) {
			l->stats.shed_global++;
			return MIKEY_LI_SHED_GLOBAL;
		}
		l->global.micro_tokens -= MICRO;
	}
	if (src != NULL)
		src->micro_tokens -= MICRO;
	l->stats.admitted++;
	return MIKEY_LI_ADMIT;
}

/* ---- Negative cache ---- */

void mikey_li_limiter_record_rejection(struct mikey_li_limiter *l,
				       const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
				       int64_t now_us)
{
	int64_t expires_us = now_us + l->cfg.negative_ttl_us;
	void *entry;

	l->stats.rejections++;
	entry = mikey_li_lru_find(&l->rejected, hash, MIKEY_LI_TICKET_HASH_LEN,
				  now_us);
	if (entry != NULL)
		mikey_li_lru_set_expiry(&l->rejected, entry, expires_us);
	else
		mikey_li_lru_insert(&l->rejected, hash, MIKEY_LI_TICKET_HASH_LEN,
				    now_us, expires_us);
}

bool mikey_li_limiter_is_rejected(struct mikey_li_limiter *l,
				  const uint8_t hash[MIKEY_LI_TICKET_HASH_LEN],
				  int64_t now_us)
{
	return mikey_li_lru_find(&l->rejected, hash, MIKEY_LI_TICKET_HASH_LEN,
				 now_us) != NULL;
}

const char *mikey_li_admission_name(enum mikey_li_admission a)
{
	switch (a) {
	case MIKEY_LI_ADMIT:
		return "admit";
	case MIKEY_LI_SHED_REJECTED:
		return "shed_rejected";
	case MIKEY_LI_SHED_SOURCE:
		return "shed_source";
	case MIKEY_LI_SHED_GLOBAL:
		return "shed_global";
	}
	return "unknown";
}
