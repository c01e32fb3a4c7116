/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_H
#define LIME_DELIVERY_H

/*
 * Delivery of HI2 (IRI) and HI3 (CC) records to agencies as ETSI TS 102 232
 * PS-PDUs over TCP, optionally TLS, with lime as the client.
 *
 * One I/O thread runs every connection, one HI2 and one HI3 per agency,
 * through io_uring or epoll. Records for an agency that is unreachable or
 * does not read fast enough go to an on-disk spool under the spool folder,
 * written by a spool thread. They are replayed in order before newer
 * records when the agency reads again. The spool and the CIN counters
 * survive a restart.
 *
 * Delivery is at least once. A record leaves the spool only after the
 * agency's TCP stack acknowledged its bytes and the record left the
 * resend window, or the agency closed the connection after lime's FIN.
 * So records can be sent twice around a reconnect or a crash, and the
 * agency removes duplicates by (LIID, CIN, sequence number).
 * docs/handover.md describes the spool format and these rules.
 *
 * Every function may be called from any thread, except that delivery_stop()
 * must be the last call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "lib/etsi/etsi.h"

enum delivery_channel { DELIVERY_HI2, DELIVERY_HI3 };

/*
 * One record before encoding. The engine assigns the sequence number per
 * (LIID, CIN, channel) from 0 without gaps, encodes the PDU with the
 * agency's PSHeader fields and OIDs, and owns payload after submit.
 */
struct delivery_record {
	enum delivery_channel channel;
	char liid[26];
	uint32_t cin;
	uint64_t ts_us;                 /* capture time, Unix microseconds: PSHeader microSecondTimeStamp */
	/* HI2 SIP record */
	enum etsi_iri_type iri_type;
	struct etsi_ip src, dst;
	/* HI2 alarm when alarm_kind is not NULL (etsi_encode_alarm). The
	 * payload, when present, is the SIP Call-ID of the call. */
	const char *alarm_kind;         /* static string */
	char alarm_reason[128];
	/* HI3 */
	enum etsi_direction direction;
	uint8_t *payload;               /* SIP text (HI2), Call-ID (alarm) or IP packet (HI3); malloc'ed, owned by the engine after submit */
	size_t payload_len;
};

enum delivery_io_backend {
	DELIVERY_IO_AUTO,               /* io_uring when the kernel has what it needs, else epoll */
	DELIVERY_IO_URING,
	DELIVERY_IO_EPOLL,
};

/* Called from the I/O thread when an agency channel's spool starts
 * rejecting records (quota or full disk); see struct delivery_stats. */
typedef void delivery_spool_full_fn(void *arg, const char *agency,
				    enum delivery_channel channel,
				    const char *reason);

struct delivery_options {
	const char *spool_dir;           /* NULL: the configuration's spool_dir */
	uint64_t spool_quota_bytes;      /* 0 = no quota besides the disk */
	uint32_t keepalive_wait_ms;      /* time for a keep-aliveResponse before the connection is dropped; 0 = 5000 */
	uint32_t reconnect_min_ms;       /* first reconnect delay; 0 = 100 */
	uint32_t reconnect_max_ms;       /* largest reconnect delay; 0 = 30000 */
	enum delivery_io_backend backend;
	/* Capture replay: delivery_drain() also waits until every agency
	 * that is connected, or still being connected to, has received its
	 * spooled records, and delivery_submit() waits for memory instead of
	 * dropping a record while the spool still accepts records. */
	bool offline;
	/* Additions. */
	uint64_t memory_limit_bytes;     /* bytes of encoded records that wait in memory for a connection or the spool; 0 = 64 MiB */
	uint64_t spool_segment_bytes;    /* size at which a spool segment file is closed; 0 = 16 MiB */
	/* Bytes of records that stay resendable after the agency's TCP
	 * acknowledged them, because an agency that resets its connection
	 * or crashes loses what its kernel buffered but it had not read.
	 * They are sent again after a connection ends other than by a clean
	 * close. 0 = 4 MiB. */
	uint64_t resend_window_bytes;
	delivery_spool_full_fn *on_spool_full;   /* optional */
	void *on_spool_full_arg;
};

struct delivery;

/* Starts the I/O and spool threads and opens every agency's spool, which
 * is replayed first. Returns NULL with one line in err on failure. */
struct delivery *delivery_start(const struct lime_config *cfg,
				const struct delivery_options *opts,
				char *err, size_t err_len);

/*
 * Applies changed agencies after a configuration reload. Connections of
 * agencies whose address, TLS files or TLS settings did not change stay
 * up; PSHeader fields apply to records submitted after the call. A
 * removed agency is disconnected and keeps its spool for a later reload
 * or restart. Returns 0, or -1 when an agency's TLS files could not be
 * loaded (that agency keeps its previous settings; the others apply).
 */
int delivery_update(struct delivery *d, const struct lime_config *cfg);

/*
 * Queues a record for the agency of an intercept, never blocking on the
 * network. Returns 0, or -1 if the agency is unknown or the record cannot
 * be encoded (payload freed, logged). A record that would take the bytes
 * waiting in memory beyond memory_limit_bytes is dropped, counted in
 * records_lost and logged, and 0 is returned. With the offline option
 * that happens only while the agency's spool rejects records. The dropped
 * record keeps its sequence number, so the agency can detect the gap.
 */
int delivery_submit(struct delivery *d, const char *agency,
		    struct delivery_record *rec);

/* Next CIN for an LIID: a counter persisted in the spool folder, so it
 * survives restarts; from 1. When its file cannot be read or written the
 * count goes on in memory, logged. */
uint32_t delivery_next_cin(struct delivery *d, const char *liid);

/*
 * Waits, at most timeout_ms, until every queued record is written to its
 * LEA socket or to the spool. With the offline option it also waits until
 * connected agencies have received their spooled records. Returns 0, or
 * -1 on timeout.
 */
int delivery_drain(struct delivery *d, uint32_t timeout_ms);

/* Writes records still in memory to the spool, closes the connections
 * and the spool, and frees d. NULL is accepted. */
void delivery_stop(struct delivery *d);

struct delivery_liid_counts {
	uint64_t delivered[2], spooled[2];   /* indexed by enum delivery_channel */
};

/* Counts of one LIID since start: records fully written to an LEA socket
 * (keepalives excluded) and records appended to the spool. Returns 0, or
 * -1 when the LIID had no record (out zeroed). */
int delivery_liid_counts(struct delivery *d, const char *liid,
			 struct delivery_liid_counts *out);

struct delivery_stats {
	uint64_t connects, connect_failures, disconnects;
	uint64_t keepalives_sent, keepalive_timeouts;
	uint64_t records_delivered, records_spooled, records_replayed;
	uint64_t spool_bytes;            /* current size of every spool segment */
	uint64_t spool_full_events;      /* times a channel's spool started rejecting records */
	uint64_t bad_responses;          /* undecodable input from an agency */
	/* Additions. */
	uint64_t records_lost;           /* dropped at the memory limit while the spool was full */
	uint64_t records_pending;        /* submitted, not yet acknowledged by the agency's TCP */
	uint64_t records_resent;         /* sent again after a reconnect or restart */
	const char *backend;             /* "io_uring" or "epoll" */
};

void delivery_get_stats(struct delivery *d, struct delivery_stats *out);

#endif
