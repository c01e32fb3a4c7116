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
struct lime_config;
struct resolution;
struct mikey_li_call_keys;
struct mikey_sourced;
struct srtp_session_key;

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

/* Starts a KMS client for the kms section and io_backend of cfg. Returns
 * NULL with the cause in err on failure. */
struct kms_client *mikey_keys_start_kms(const struct lime_config *cfg, char *err,
					size_t err_len);

/* The streams of one call that MIKEY keys go to, and the names the debug
 * events give them. */
struct mikey_keys_target {
	const char *call_id;
	int64_t ts_us;
	const uint32_t *stream_ids;
	const uint32_t *generations;    /* of each stream, from the key manager */
	unsigned n_streams;
	const uint32_t *liid_ids;
	unsigned n_liids;
	const char *source;             /* DEBUG_KEYS_* */
};

/* Copies the keys of the usable crypto sessions of ck into sets, at most
 * MEDIA_KEY_SETS of them, and returns how many it copied. */
unsigned mikey_keys_fill_sets(const struct mikey_li_call_keys *ck,
			      struct srtp_session_key *sets);

/* Sends the n key sets to every stream of t, counts the streams that took
 * them and writes their "keys" debug events. */
void mikey_keys_send_sets(struct control *c, const struct mikey_keys_target *t,
			  const struct srtp_session_key *sets, unsigned n);
void mikey_keys_free(struct control *c);

/* The dialog sink's callback for an offer: catches forged messages early. */
void mikey_keys_on_offer(void *ctx, const struct call_mikey_event *ev);

/* The dialog sink's callback for an answered exchange. */
void mikey_keys_on_exchange(void *ctx, const struct call_mikey_event *ev);

/* Takes the KMS answers that arrived; returns how many. */
unsigned mikey_keys_poll(struct control *c);

#endif
