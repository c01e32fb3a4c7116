/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_MEDIA_WORKER_H
#define LIME_DATAPLANE_MEDIA_WORKER_H

/*
 * Media streams on worker lcores. Each stream (one installed flow) lives
 * on the worker that its flow table entry names and is touched by that
 * worker only. The control lcore creates, rekeys and destroys streams
 * with messages sent through the worker's own packet ring, so a message
 * is ordered with the packets around it: a stream is created before the
 * first packet that matched its flow, and destroyed (after an RCU grace
 * period on the flow table) only behind the last one. Messages are tagged
 * in the ring's low pointer bit, which mbuf pointers never have.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/srtp_session.h"

/* LIIDs counted per stream; further ones share the last counter slot. */
#define MEDIA_STREAM_LIIDS 4
/* LIIDs with media counters, by the index the control lcore gives them. */
#define MEDIA_MAX_LIIDS 1024
/* Packets held per stream while its keys are awaited. */
#define MEDIA_PENDING_MAX 64
/* Capture time after which held packets go out undecrypted: longer than a
 * KMS request with its retries takes. */
#define MEDIA_HOLD_MAX_US (10 * 1000000ULL)

enum media_stream_kind {
	MEDIA_STREAM_RTP,
	MEDIA_STREAM_RTCP,
	MEDIA_STREAM_MUX,         /* RTP and RTCP on one port (RFC 5761) */
};

enum media_stream_keying {
	MEDIA_STREAM_PLAIN,       /* RTP without protection */
	MEDIA_STREAM_SRTP,        /* keys come with the stream or later */
	MEDIA_STREAM_NO_KEYS,     /* protected, and keys will not come */
};

enum media_msg_type {
	MEDIA_MSG_CREATE,
	MEDIA_MSG_KEYS,
	MEDIA_MSG_DESTROY,
	MEDIA_MSG_NO_KEYS,        /* the keys will not come: release held packets */
};

/* Call-ID bytes a stream keeps for its alarms. */
#define MEDIA_CALL_ID_MAX 96

/* Senders' keys a MEDIA_MSG_KEYS can carry (MIKEY crypto sessions). */
#define MEDIA_KEY_SETS 4

/* No previous stream: the flow is new, not a rekey. */
#define MEDIA_NO_STREAM UINT32_MAX

/* A message from the control lcore; the worker frees it after wiping. */
struct media_msg {
	enum media_msg_type type;
	uint32_t stream_id;
	/* The stream this one replaces at the same destination (a rekey),
	 * kept for a short overlap, or MEDIA_NO_STREAM. */
	uint32_t prev_stream_id;
	enum media_stream_kind kind;
	enum media_stream_keying keying;
	uint16_t n_liids;
	uint16_t liids[MEDIA_STREAM_LIIDS];
	uint32_t cins[MEDIA_STREAM_LIIDS];
	uint8_t target_dirs[MEDIA_STREAM_LIIDS];  /* ETSI Direction per LIID */
	char call_id[MEDIA_CALL_ID_MAX + 1];
	bool has_keys;
	struct srtp_stream_keys keys;
	/* With MEDIA_MSG_KEYS: keys per SSRC instead of keys (n_key_sets > 0). */
	unsigned n_key_sets;
	struct srtp_session_key key_sets[MEDIA_KEY_SETS];
};

/*
 * An event from a worker to the control lcore, sent through the output
 * ring with the same pointer tag as messages. It names the stream's
 * intercepts itself, because the stream may be gone when it is read.
 */
struct media_event {
	const char *alarm_kind;    /* static text: "key_unavailable" */
	const char *reason;        /* static text */
	uint64_t ts_us;            /* capture time of the packet */
	uint32_t stream_id;
	uint16_t n_liids;
	uint16_t liids[MEDIA_STREAM_LIIDS];
	uint32_t cins[MEDIA_STREAM_LIIDS];
	char call_id[MEDIA_CALL_ID_MAX + 1];
};

struct media_stream {
	uint32_t id;
	uint32_t prev_id;          /* tried when this stream's keys fail */
	enum media_stream_kind kind;
	enum media_stream_keying keying;
	uint16_t n_liids;
	uint16_t liids[MEDIA_STREAM_LIIDS];
	uint32_t cins[MEDIA_STREAM_LIIDS];
	uint8_t target_dirs[MEDIA_STREAM_LIIDS];
	char call_id[MEDIA_CALL_ID_MAX + 1];
	const char *unsupported_reason;
	bool has_session;
	bool unsupported;          /* libsrtp2 cannot do what was signalled */
	bool alarmed;              /* key_unavailable raised for this stream */
	struct srtp_session session;
	struct rte_mbuf *pending[MEDIA_PENDING_MAX];
	uint16_t pending_head;
	uint16_t pending_count;
};

struct media_liid_counters {
	uint64_t decrypted;
	uint64_t failed;
	uint64_t undecryptable;
	uint64_t plain;
};

struct media_worker_stats {
	uint64_t packets;
	uint64_t decrypted;
	uint64_t failed;
	uint64_t undecryptable;
	uint64_t plain;
	uint64_t duplicates;
	uint64_t malformed;
	uint64_t no_stream;         /* the stream was gone, or never created */
	uint64_t pending_overflow;
	uint64_t output_ring_full;
	uint64_t roc_recovered;
	uint64_t overlap_decrypted;  /* by the keys before a rekey */
	uint64_t streams_created;
	uint64_t streams_destroyed;
	uint64_t streams_unsupported;
	uint64_t alarm_key_unavailable;
	uint64_t alarm_events_lost;  /* output ring full or no memory */
	uint64_t decrypt_cycles;
};

struct media_worker {
	uint16_t index;
	uint32_t capacity;              /* stream ids are below this */
	struct media_stream **streams;
	struct rte_ring *output;        /* to the control lcore, or NULL */
	bool offline;                   /* wait for room instead of dropping */
	volatile int *quit;
	struct media_worker_stats stats;
	struct media_liid_counters liids[MEDIA_MAX_LIIDS];
	/* The payload of a chained mbuf (a reassembled datagram), decrypted
	 * here and copied back. */
	uint8_t scratch[SRTP_RETRY_MAX_LEN];
};

static inline void *media_msg_tag(struct media_msg *msg)
{
	return (void *)((uintptr_t)msg | 1);
}

static inline bool media_item_is_msg(void *item)
{
	return ((uintptr_t)item & 1) != 0;
}

static inline struct media_msg *media_msg_untag(void *item)
{
	return (struct media_msg *)((uintptr_t)item & ~(uintptr_t)1);
}

/* Handles one burst of items from the worker ring. */
void media_worker_handle(struct media_worker *w, void **items, unsigned int n);

/* Flushes every stream at the end of the run: held packets go out
 * undecrypted and every key is wiped. */
void media_worker_finish(struct media_worker *w);

#endif
