/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_report_store.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

struct kms_report_store {
	struct kms_report *buckets[BUCKETS];
	struct kms_report *oldest;
	struct kms_report *newest;
	size_t count;
	size_t max_reports;
	int64_t retention_us;
};

struct kms_report_store *kms_report_store_new(uint32_t max_reports,
					      uint32_t retention_s)
{
	struct kms_report_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->max_reports = max_reports;
	s->retention_us = (int64_t)retention_s * 1000000;
	return s;
}

/* The ticket hash is a SHA-256 value, so its first bytes spread well. */
static size_t bucket_of(const struct kms_report_key *key)
{
	uint32_t h;

	memcpy(&h, key->ticket_hash, sizeof(h));
	return (h ^ key->csb_id) % BUCKETS;
}

static bool same_key(const struct kms_report_key *a, const struct kms_report_key *b)
{
	return a->csb_id == b->csb_id &&
	       memcmp(a->ticket_hash, b->ticket_hash, sizeof(a->ticket_hash)) == 0;
}

static void free_report(struct kms_report *r)
{
	free(r->init);
	free(r->resp);
	free(r);
}

static void unlink_report(struct kms_report_store *s, struct kms_report *r)
{
	struct kms_report **p = &s->buckets[bucket_of(&r->key)];

	while (*p != r)
		p = &(*p)->bucket_next;
	*p = r->bucket_next;
	if (r->older != NULL)
		r->older->newer = r->newer;
	else
		s->oldest = r->newer;
	if (r->newer != NULL)
		r->newer->older = r->older;
	else
		s->newest = r->older;
	s->count--;
	free_report(r);
}

static void expire(struct kms_report_store *s, int64_t now_us)
{
	while (s->oldest != NULL && now_us - s->oldest->stored_us > s->retention_us)
		unlink_report(s, s->oldest);
}

void kms_report_store_free(struct kms_report_store *s)
{
	if (s == NULL)
		return;
	while (s->oldest != NULL)
		unlink_report(s, s->oldest);
	free(s);
}

static struct kms_report *find(struct kms_report_store *s,
			       const struct kms_report_key *key)
{
	for (struct kms_report *r = s->buckets[bucket_of(key)]; r != NULL; r = r->bucket_next)
		if (same_key(&r->key, key))
			return r;
	return NULL;
}

static uint8_t *copy_bytes(const uint8_t *p, size_t len)
{
	uint8_t *out = malloc(len ? len : 1);

	if (out != NULL && len > 0)
		memcpy(out, p, len);
	return out;
}

static bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* A stored report without TRANSFER_RESP takes the one a later report of
 * the same TRANSFER_INIT brings, so that either party may report first. */
static enum kms_report_put merge(struct kms_report *old, const struct kms_report *r)
{
	if (!same_bytes(old->init, old->init_len, r->init, r->init_len))
		return KMS_REPORT_CONFLICT;
	if (r->resp == NULL)
		return KMS_REPORT_DUPLICATE;
	if (old->resp != NULL)
		return same_bytes(old->resp, old->resp_len, r->resp, r->resp_len) ?
		       KMS_REPORT_DUPLICATE : KMS_REPORT_CONFLICT;
	old->resp = copy_bytes(r->resp, r->resp_len);
	if (old->resp == NULL)
		return KMS_REPORT_NO_MEMORY;
	old->resp_len = r->resp_len;
	old->role = r->role;
	return KMS_REPORT_STORED;
}

enum kms_report_put kms_report_store_put(struct kms_report_store *s,
					 const struct kms_report *r,
					 int64_t now_us)
{
	struct kms_report *n, *old;

	expire(s, now_us);
	old = find(s, &r->key);
	if (old != NULL)
		return merge(old, r);
	if (s->max_reports == 0)
		return KMS_REPORT_NO_MEMORY;
	while (s->count >= s->max_reports)
		unlink_report(s, s->oldest);

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return KMS_REPORT_NO_MEMORY;
	n->key = r->key;
	n->role = r->role;
	n->stored_us = now_us;
	n->init = copy_bytes(r->init, r->init_len);
	n->init_len = r->init_len;
	if (r->resp != NULL) {
		n->resp = copy_bytes(r->resp, r->resp_len);
		n->resp_len = r->resp_len;
	}
	if (n->init == NULL || (r->resp != NULL && n->resp == NULL)) {
		free_report(n);
		return KMS_REPORT_NO_MEMORY;
	}

	size_t b = bucket_of(&n->key);
	n->bucket_next = s->buckets[b];
	s->buckets[b] = n;
	n->older = s->newest;
	if (s->newest != NULL)
		s->newest->newer = n;
	else
		s->oldest = n;
	s->newest = n;
	s->count++;
	return KMS_REPORT_STORED;
}

const struct kms_report *kms_report_store_get(struct kms_report_store *s,
					      const struct kms_report_key *key,
					      int64_t now_us)
{
	expire(s, now_us);
	return find(s, key);
}

size_t kms_report_store_count(const struct kms_report_store *s)
{
	return s->count;
}
