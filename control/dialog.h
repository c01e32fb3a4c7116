/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_DIALOG_H
#define LIME_CONTROL_DIALOG_H

/*
 * SIP call and dialog tracking for a passive tap (RFC 3261 section 12,
 * RFC 3262, RFC 3311, RFC 3264). Every call on the link is followed,
 * target or not, so that a warrant that starts during a call intercepts it
 * from its next message. For intercepted calls the tracker reports IRI
 * events and installs the media flows of each accepted offer/answer
 * through a sink, which the control lcore maps onto the dataplane's flow
 * table and the key manager. Needs no DPDK, so unit tests drive it with
 * SIP text alone.
 *
 * Memory is bounded: at most max_calls calls, evicting the least recently
 * active one (calls without an active warrant first) when full. Key
 * material of calls that no warrant covers is never kept.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/intercepts.h"
#include "control/media.h"
#include "lib/sip/sip_msg.h"

/* The packet that carried a SIP message. */
struct sip_packet_info {
	int64_t ts_us;          /* capture time, microseconds since the epoch */
	uint8_t family;         /* 4 or 6 */
	uint8_t transport;      /* IPPROTO_UDP or IPPROTO_TCP */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
};

enum iri_type {
	IRI_BEGIN,
	IRI_CONTINUE,
	IRI_END,
	IRI_REPORT,
};
#define IRI_TYPE_COUNT 4

/* One intercept-related event for one LIID. */
struct iri_event {
	enum iri_type type;
	const char *liid;
	uint64_t cin;              /* communication identity number */
	int64_t ts_us;
	const char *call_id;
	size_t call_id_len;
	const char *sip;           /* the whole message; NULL for a timeout */
	size_t sip_len;
	const struct sip_packet_info *pkt;  /* NULL for a timeout */
	const char *reason;        /* why the call ended, with IRI_END */
	const char *alarm_kind;    /* a security alarm, with IRI_REPORT */
	const char *alarm_reason;
};

/* A media flow of an intercepted call being installed or removed. */
struct call_flow_event {
	const struct media_flow *flow;
	const char *call_id;
	size_t call_id_len;
	const char *const *liids;  /* LIIDs whose warrants cover the call */
	const uint32_t *liid_ids;  /* the same, as dialog_liid_index() gives */
	const uint64_t *cins;      /* the call's CIN for each of them */
	/* For each of them, who sends this flow's packets: the values of
	 * ETSI TS 102 232 Direction, 0 fromTarget, 1 toTarget, 2 when the
	 * target is neither the From nor the To of the offer. */
	const uint8_t *target_dirs;
	unsigned n_liids;
	/* The sender's a=crypto when the flow is installed with keying SDES,
	 * else NULL. Valid during the callback only. */
	const struct sdes_crypto *crypto;
	enum sdes_suite suite;     /* with keying SDES, also on removal */
	int64_t ts_us;
};

/*
 * A MIKEY-TICKET exchange of an intercepted call, answered: the control
 * lcore resolves the ticket, checks both messages and keys the streams.
 */
/* Values of call_flow_event.target_dirs. */
enum flow_target_dir {
	FLOW_FROM_TARGET = 0,
	FLOW_TO_TARGET = 1,
	FLOW_TARGET_UNKNOWN = 2,
};

struct call_mikey_event {
	const char *call_id;
	size_t call_id_len;
	const uint8_t *ti;         /* TRANSFER_INIT of the offer */
	size_t ti_len;
	const uint8_t *tr;         /* TRANSFER_RESP of the answer, or NULL */
	size_t tr_len;
	/* addr-specs of From and To of the request that carried the offer */
	const char *from;
	const char *to;
	uint8_t src_family;        /* the offer's sender, for rate limiting */
	const uint8_t *src_addr;
	int64_t ts_us;
	const uint32_t *stream_ids; /* the flows keyed by this exchange */
	unsigned n_streams;
	const uint32_t *liid_ids;
	const uint64_t *cins;
	unsigned n_liids;
};

struct dialog_sink {
	void *ctx;
	/* Called after the flows of a MIKEY-keyed answer are installed. */
	void (*mikey)(void *ctx, const struct call_mikey_event *ev);
	/* Called for a MIKEY-keyed offer of an intercepted call (ti only, no
	 * streams yet), so that a forged message is caught before any answer. */
	void (*mikey_offer)(void *ctx, const struct call_mikey_event *ev);
	void (*iri)(void *ctx, const struct iri_event *ev);
	/*
	 * Installs a flow and returns 0 with *stream_id set, or a negative
	 * errno: -ENOSPC when the flow table is full.
	 */
	int (*flow_add)(void *ctx, const struct call_flow_event *ev,
			uint32_t *stream_id);
	void (*flow_del)(void *ctx, const struct call_flow_event *ev,
			 uint32_t stream_id, const char *reason);
	/* Optional: the next CIN of an LIID, from 1. Without it the tracker
	 * counts from 1 in memory. */
	uint64_t (*next_cin)(void *ctx, const char *liid);
};

struct dialog_limits {
	uint32_t max_calls;
	int64_t dialog_timeout_us;   /* confirmed call without any message */
	int64_t early_timeout_us;    /* INVITE without a final response */
	int64_t linger_us;           /* an ended call absorbs retransmissions */
};

struct dialog_stats {
	uint64_t messages;
	uint64_t calls;              /* dialog-forming INVITEs, by Call-ID */
	uint64_t calls_active;
	uint64_t calls_peak;
	uint64_t calls_timed_out;
	uint64_t calls_evicted;
	uint64_t out_of_dialog;      /* requests and responses of no known call */
	uint64_t reports;            /* IRI-REPORTs outside calls */
	uint64_t no_call_id;
	uint64_t bad_cseq;
	uint64_t bad_sdp;            /* SDP bodies without a single SDP line */
	uint64_t sdp_invalid_sections;
	uint64_t sdes_tag_mismatch;
	uint64_t sdes_unpaired;
	uint64_t offers;
	uint64_t answers;
	uint64_t retransmissions;
	uint64_t forks;              /* early dialogs beyond the first */
	uint64_t match_overflow;     /* matches past INTERCEPT_MATCH_MAX */
	uint64_t flows_added;
	uint64_t flows_removed;
	uint64_t flows_active;
	uint64_t flows_peak;
	uint64_t flows_rejected;     /* flow table full even after eviction */
	uint64_t flows_taken_over;   /* a newer call claimed the destination */
};

/* Per-LIID counters, kept for every LIID ever configured. */
struct liid_stats {
	uint64_t intercepted_calls;
	uint64_t iri[IRI_TYPE_COUNT];
	uint64_t next_cin;
};

struct dialog_tracker;

struct dialog_tracker *dialog_tracker_create(const struct dialog_limits *limits,
					     const struct intercept_set *set,
					     const struct dialog_sink *sink);
/* Frees every call without reporting anything. */
void dialog_tracker_destroy(struct dialog_tracker *t);

/*
 * Handles one parsed SIP message. raw[0..raw_len) is the message text,
 * which IRI events carry.
 */
void dialog_on_message(struct dialog_tracker *t, const struct sip_msg *msg,
		       const char *raw, size_t raw_len,
		       const struct sip_packet_info *pkt);

/*
 * Applies the passage of time up to now_us: ends calls that timed out,
 * frees ended calls after their linger time, and stops the interception
 * of calls whose warrant has ended.
 */
void dialog_expire(struct dialog_tracker *t, int64_t now_us);

/*
 * Switches to a new intercept set after a configuration reload. Calls of
 * LIIDs that are gone, or whose warrant no longer matches, stop being
 * intercepted now. Calls of new LIIDs are matched from their next message.
 * The old set may be freed after this returns.
 */
void dialog_set_intercepts(struct dialog_tracker *t,
			   const struct intercept_set *set);

const struct dialog_stats *dialog_tracker_stats(const struct dialog_tracker *t);
/*
 * A small number standing for an LIID, stable for the whole run (reloads
 * included), or -1 when the LIID was never configured.
 */
int dialog_liid_index(const struct dialog_tracker *t, const char *liid);

/*
 * The earliest end of a warrant in force that lies after after_us, or
 * INT64_MAX: the next time at which interception must stop by itself.
 */
int64_t dialog_next_warrant_end(const struct dialog_tracker *t, int64_t after_us);

/* The LIID of an index from dialog_liid_index(), or NULL. */
const char *dialog_liid_name(const struct dialog_tracker *t, uint32_t index);

/* Counts an IRI-REPORT raised outside the tracker (an alarm). */
void dialog_count_report(struct dialog_tracker *t, uint32_t index);

/* Counters of one LIID, or NULL when it was never configured. */
const struct liid_stats *dialog_liid_stats(const struct dialog_tracker *t,
					   const char *liid);

const char *iri_type_name(enum iri_type type);

#endif
