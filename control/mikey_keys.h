/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_KEYS_H
#define LIME_CONTROL_MIKEY_KEYS_H

/*
 * Keys of intercepted MIKEY-TICKET calls: for each answered exchange the
 * control lcore checks the TRANSFER_INIT before any KMS request, resolves
 * the ticket at the KMS as an LI node (one request per ticket, cached),
 * verifies TRANSFER_INIT and TRANSFER_RESP with the keys the KMS returns,
 * judges the ticket's validity and reuse, derives the SRTP keys of each
 * crypto session and sends them to the workers. Every failure is an alarm
 * to the call's agencies, and the streams then go out undecrypted.
 */

#include <stdbool.h>
#include <stdint.h>

#include "control/dialog.h"
#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_limiter.h"
#include "control/mikey/mikey_li_lru.h"
#include "control/mikey/mikey_li_resolve.h"
#include "control/mikey/mikey_li_reuse.h"
#include "kms_client/kms_client.h"

struct control;
struct resolution;
struct mikey_sourced;

/* Latency samples kept for the percentiles of answer-to-keys time. */
#define MIKEY_LATENCY_SAMPLES 4096

struct mikey_keys_stats {
	uint64_t exchanges;         /* answered MIKEY exchanges of intercepted calls */
	uint64_t requests;          /* resolutions sent to the KMS */
	uint64_t resolutions_ok;    /* answers that gave keys (cache hits excluded) */
	uint64_t resolutions_failed;
	uint64_t cache_hits;
	uint64_t shed;              /* requests not sent: rate limit or known bad ticket */
	uint64_t requests_refused;  /* not sent: the KMS client refused them */
	uint64_t keyed_streams;     /* streams that got MIKEY keys */
	uint64_t forged_offers;     /* TRANSFER_INITs rejected at the offer */
	/* Key reports (kms.mode kms_sourced or both, mikey_sourced.c). */
	uint64_t report_fetches;    /* fetches sent to the KMS, repeats included */
	uint64_t reports_found;
	uint64_t reports_missing;   /* none stored within the wait */
	uint64_t report_fetches_failed;
	uint64_t keys_mismatches;   /* report and signalling gave other keys */
	uint64_t keyed_from_reports; /* exchanges keyed with the report's keys */
	/* Wall-clock microseconds from the answer to keys sent to the
	 * workers, for the most recent keyed exchanges. */
	uint32_t latency_us[MIKEY_LATENCY_SAMPLES];
	uint64_t latency_count;
};

/* The q-quantile (0 to 1) of the latency samples, in microseconds. */
uint32_t mikey_keys_latency_quantile(const struct mikey_keys_stats *s, double q);

struct mikey_keys {
	bool enabled;
	struct kms_client *kms;
	struct mikey_li_node node;
	struct mikey_li_policy policy;
	struct mikey_li_limiter limiter;
	struct mikey_li_reuse reuse;
	struct mikey_li_lru cache;      /* ticket hash -> struct mikey_li_keys */
	struct resolution *in_flight;   /* tickets being resolved */
	struct mikey_sourced *sourced;  /* NULL in kms.mode signalling */
	struct mikey_keys_stats stats;
};

/* Starts the KMS client when the configuration has a kms section. */
int mikey_keys_init(struct control *c);
void mikey_keys_free(struct control *c);

/* The dialog sink's callback for an offer: catches forged messages early. */
void mikey_keys_on_offer(void *ctx, const struct call_mikey_event *ev);

/* The dialog sink's callback for an answered exchange. */
void mikey_keys_on_exchange(void *ctx, const struct call_mikey_event *ev);

/* Takes the KMS answers that arrived; returns how many. */
unsigned mikey_keys_poll(struct control *c);

#endif
