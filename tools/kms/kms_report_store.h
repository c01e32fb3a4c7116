/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_REPORT_STORE_H
#define LIME_TOOLS_KMS_KMS_REPORT_STORE_H

/*
 * The key reports lime-kms keeps in memory, by ticket hash and CSB ID.
 * A report is forgotten retention_s after it was stored, or earlier,
 * oldest first, when max_reports are stored. Reports are lost when the
 * KMS stops.
 *
 * NOTE: memory is bounded by count only. A report can be up to 64 KiB
 * (the request limit), so max_reports reports may take max_reports times
 * that, although reports of real exchanges are a few hundred bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kms_client/kms_key_report.h"

struct kms_report_key {
	uint8_t ticket_hash[KMS_REPORT_HASH_LEN];
	uint32_t csb_id;
};

/* One stored report; the messages are copies owned by the store. */
struct kms_report {
	struct kms_report_key key;
	uint8_t *init;
	size_t init_len;
	uint8_t *resp;             /* NULL when only TRANSFER_INIT was reported */
	size_t resp_len;
	uint8_t role;              /* KMS_REPORTER_INITIATOR or _RESPONDER */
	int64_t stored_us;         /* KMS clock */
	struct kms_report *bucket_next;
	struct kms_report *older;  /* insertion order, for expiry */
	struct kms_report *newer;
};

struct kms_report_store;

/* Outcome of storing a report. */
enum kms_report_put {
	KMS_REPORT_STORED,         /* new, or a TRANSFER_RESP added to a stored TRANSFER_INIT */
	KMS_REPORT_DUPLICATE,      /* the same messages were stored before */
	KMS_REPORT_CONFLICT,       /* other messages are stored under the key */
	KMS_REPORT_NO_MEMORY,
};

struct kms_report_store *kms_report_store_new(uint32_t max_reports,
					      uint32_t retention_s);
void kms_report_store_free(struct kms_report_store *s);

/* Stores a copy of the report unless other messages are stored under its key. */
enum kms_report_put kms_report_store_put(struct kms_report_store *s,
					 const struct kms_report *r,
					 int64_t now_us);

/* The report under key, or NULL; drops expired reports first. */
const struct kms_report *kms_report_store_get(struct kms_report_store *s,
					      const struct kms_report_key *key,
					      int64_t now_us);

size_t kms_report_store_count(const struct kms_report_store *s);

#endif
