/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_SOURCED_INTERNAL_H
#define LIME_CONTROL_MIKEY_SOURCED_INTERNAL_H

/* Shared by mikey_sourced.c (fetching) and mikey_sourced_keys.c (keys). */

#include "control/control.h"
#include "control/mikey/mikey_li_call.h"
#include "control/mikey/mikey_li_report.h"
#include "control/mikey_sourced.h"
#include "kms_client/kms_client.h"

#define SOURCED_FETCH_MAX 1024

/* One answered exchange waiting for its key report. */
struct sourced_call {
	char call_id[128];
	uint8_t *ti;
	size_t ti_len;
	uint8_t *tr;
	size_t tr_len;
	char *from;
	char *to;
	int64_t ts_us;
	uint8_t ticket_hash[MIKEY_LI_TICKET_HASH_LEN];
	uint32_t csb_id;
	uint32_t stream_ids[MEDIA_MAX_FLOWS];
	uint32_t generations[MEDIA_MAX_FLOWS];
	unsigned n_streams;
	uint32_t liid_ids[INTERCEPT_MATCH_MAX];
	uint64_t cins[INTERCEPT_MATCH_MAX];
	unsigned n_liids;
	struct mikey_li_keys keys;          /* of the ticket, wiped on free */
	bool signalled_ok;                  /* signalled contains keys */
	struct mikey_li_call_keys signalled;
	struct mikey_li_resolve_request req;
	uint8_t msg[SOURCED_FETCH_MAX];
	size_t msg_len;
	int64_t first_fetch_us;             /* monotonic clock */
	int64_t retry_at_us;
	struct sourced_call *next;          /* in the retry list */
};

struct mikey_sourced {
	enum mikey_keys_mode mode;
	struct kms_client *kms;             /* a client of its own, so responses need no tag */
	struct mikey_li_node node;
	struct sourced_call *retries;       /* waiting to fetch again */
	unsigned in_flight;
};

/* Result of fetching a call's key report. */
struct sourced_outcome {
	const struct mikey_li_report *report;   /* NULL when there is no report */
	bool missing;                 /* the KMS stored none within the wait */
	enum lime_alarm_kind alarm;   /* why the fetch failed, when neither of the above */
	const char *reason;
};

/* Raises an alarm to the agencies of the call. */
void sourced_alarm(struct control *c, const struct sourced_call *sc,
		   enum lime_alarm_kind kind, const char *reason);

/* Verifies and derives the tapped exchange, raising its alarms as
 * signalling mode does. Fills sc->signalled on success. */
void sourced_check_signalled(struct control *c, struct sourced_call *sc,
			     const struct mikey_li_precheck *pc);

/* Verifies and derives the reported exchange, compares, picks the keys
 * and sends them to the streams, or signals that no keys will come. */
void sourced_complete(struct control *c, struct sourced_call *sc,
		      const struct sourced_outcome *out);

#endif
