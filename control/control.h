/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_CONTROL_H
#define LIME_CONTROL_CONTROL_H

/*
 * The control lcore: takes SIP packets from the dataplane, reassembles SIP
 * over TCP, and (in later stages) follows dialogs and fills the flow table.
 * It sleeps when its ring is empty instead of busy-polling, because the KMS
 * client, delivery and spool threads share its CPU.
 */

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "control/config.h"
#include "control/delivery/delivery.h"
#include "control/dialog.h"
#include "control/intercepts.h"
#include "control/key_manager.h"
#include "control/mikey_keys.h"
#include "dataplane/dataplane.h"
#include "lib/sip/sip_msg.h"
#include "lib/sip/tcp_stream.h"

/* Set by the SIGHUP handler; the control loop reloads the intercepts. */
extern volatile sig_atomic_t control_reload_requested;

/* Alarm kinds, in the order of lime_alarm_kinds in summary.c. */
enum lime_alarm_kind {
	ALARM_MIKEY_AUTH_FAILED,
	ALARM_TICKET_EXPIRED,
	ALARM_TICKET_REUSE,
	ALARM_MIKEY_FORGED,
	ALARM_KMS_ERROR,
	ALARM_KMS_UNREACHABLE,
	ALARM_KEY_UNAVAILABLE,
	ALARM_KEYS_MISMATCH,
	ALARM_SPOOL_FULL,
	LIME_ALARM_KINDS,
};

/* Kinds of sip_msg_parse() errors, counted one by one. */
#define SIP_MSG_ERROR_KINDS (SIP_MSG_ERR_BODY_TRUNCATED + 1)

struct control_stats {
	uint64_t sip_packets;        /* packets taken from the SIP ring */
	uint64_t sip_messages;       /* SIP messages, each counted once */
	uint64_t sip_rejected;       /* UDP datagrams on a SIP port that are not SIP */
	uint64_t sip_keepalives;     /* CRLF keepalives over UDP */
	uint64_t sip_udp_messages;
	uint64_t sip_tcp_messages;
	uint64_t sip_undecodable;    /* packets the control lcore could not re-read */
	uint64_t sip_malformed[SIP_MSG_ERROR_KINDS]; /* by sip_msg_parse() error */
	uint64_t iri_records;
	uint64_t iri_record_failures; /* records lost to memory exhaustion */
	uint64_t reloads;
	uint64_t reloads_rejected;
	uint64_t alarms[LIME_ALARM_KINDS];  /* per call or stream, by kind */
	uint64_t cc_packets;          /* media packets written to --cc-pcap */
	uint64_t cc_write_failures;
	uint64_t records_unrouted;    /* records for an LIID or agency no longer configured */
};

/*
 * A stream whose flow was removed, destroyed once the RCU token passes and
 * the capture time reaches not_before_us (later for a rekeyed stream, whose
 * keys serve as a fallback for a while).
 */
struct stream_retirement {
	uint32_t stream_id;
	uint64_t token;
	uint64_t not_before_us;
};

/* The stream last removed from a destination by a rekey, for the next one. */
struct rekeyed_dest {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
	uint32_t stream_id;
	uint64_t ts_us;
};
#define REKEYED_DESTS 64

/* LIIDs whose records the handover routes (dialog tracker indexes). */
#define HANDOVER_MAX_LIIDS MEDIA_MAX_LIIDS
#define RECENT_ALARMS 256

struct control_options {
	const char *config_path;       /* re-read on SIGHUP */
	const char *debug_events_path; /* NULL: no event file */
	const char *cc_pcap_path;      /* NULL: no decrypted media file */
};

struct control {
	const struct lime_config *cfg;   /* as started: dataplane settings */
	struct control_options opts;
	/* The configuration whose intercepts and agencies apply now: cfg, or
	 * the last one a SIGHUP loaded (then owned here). */
	struct lime_config *live_cfg;
	struct intercept_set *intercepts;
	struct dialog_tracker *dialogs;
	struct key_manager keys;
	struct mikey_keys mikey;
	FILE *debug_events;
	FILE *cc_pcap;
	struct stream_retirement *retiring;
	size_t n_retiring;
	size_t cap_retiring;
	struct rekeyed_dest rekeyed[REKEYED_DESTS];
	unsigned next_rekeyed;
	uint64_t last_dialog_expire_us;
	uint64_t next_warrant_end_us;    /* capture time of the next warrant end */
	uint64_t ticks_seen;             /* time steps of the receiving lcores answered */
	struct sip_msg msg;              /* scratch for the message at hand */
	/* Held while the live configuration or the LIID registry changes,
	 * and by readers in other threads (the metrics endpoint and the
	 * management API). */
	pthread_mutex_t state_lock;
	bool metrics_running;
	int metrics_fd;
	int metrics_stop_pipe[2];
	pthread_t metrics_thread;
	struct dataplane *dp;
	/* Handover (handover.c): the delivery engine, the agency of each
	 * LIID index, and the counts kept when the engine stops. */
	struct delivery *delivery;
	bool delivery_stopped;
	char *liid_agency[HANDOVER_MAX_LIIDS];
	struct delivery_liid_counts liid_records[HANDOVER_MAX_LIIDS];
	struct delivery_stats delivery_final;
	/* Hashes of (Call-ID, kind) of the latest alarms, to count each once. */
	uint64_t recent_alarms[RECENT_ALARMS];
	unsigned next_recent_alarm;
	struct tcp_stream_table *tcp;
	struct control_stats stats;
	uint64_t last_capture_us;    /* capture time of the latest SIP packet */
	uint64_t last_tcp_expire_us;
	uint64_t started_tsc;
	uint64_t stopped_tsc;
	uint8_t scratch[65536];      /* a chained SIP packet */
	/* A chained media packet for --cc-pcap. Apart from scratch because
	 * the output is drained while a SIP message is being handled. */
	uint8_t cc_scratch[65536];
};

int control_init(struct control *c, const struct lime_config *cfg,
		 const struct control_options *opts, struct dataplane *dp);
void control_free(struct control *c);

/* control_calls.c: intercepts, dialogs and media flows. */
int control_calls_init(struct control *c);
void control_calls_free(struct control *c);
/* Parses one SIP message and hands it to the dialog tracker. */
void control_handle_sip(struct control *c, const uint8_t *data, size_t len,
			const struct sip_packet_info *pkt);
/* Re-reads the configuration file and applies its intercepts. */
void control_reload(struct control *c);
/*
 * Applies the intercepts and agencies of next, all or nothing, as a reload
 * does. Takes ownership of next: on success it becomes the live
 * configuration, and on failure it is freed and err contains one line.
 * Call it on the control lcore only.
 */
int control_apply_config(struct control *c, struct lime_config *next,
			 char *err, size_t err_len);
/* Applies capture time now_us: timeouts, warrant ends, the next barrier. */
void control_advance_time(struct control *c, uint64_t now_us);
/* media_control.c: streams on the workers and their output. */
/* The worker that owns every stream of a destination. */
uint16_t media_worker_of(const struct control *c, const struct media_flow *flow);
int media_stream_create(struct control *c, const struct call_flow_event *ev,
			uint32_t stream_id, uint16_t worker);
/* Destroys at once: for a stream whose flow was never visible. */
void media_stream_destroy_now(struct control *c, uint32_t stream_id);
/*
 * Destroys after the flow table's RCU grace period. A stream removed by a
 * rekey (rekeyed) stays a while longer as the new stream's fallback.
 */
void media_stream_retire(struct control *c, uint32_t stream_id,
			 const struct media_flow *flow, bool rekeyed);
void media_streams_poll(struct control *c);
/* Writes out what the workers returned; returns the packets taken. */
unsigned int media_output_drain(struct control *c);
/* Reports a worker's alarm as an IRI-REPORT to each agency concerned. */
void control_raise_media_alarm(struct control *c, const struct media_event *ev);
/*
 * Counts an alarm of a call and reports it as an IRI-REPORT to the agency
 * of each of its LIIDs (indexes of dialog_liid_index()).
 */
void control_raise_alarm(struct control *c, enum lime_alarm_kind kind,
			 const char *reason, const char *call_id, int64_t ts_us,
			 const uint32_t *liid_ids, const uint64_t *cins,
			 unsigned n_liids);
/*
 * Sends a worker the keys of a stream (MEDIA_MSG_KEYS with sets) or word
 * that they will not come (MEDIA_MSG_NO_KEYS), unless the stream has
 * ended since generation. Returns 0 when sent.
 */
int media_stream_signal(struct control *c, uint32_t stream_id, uint32_t generation,
			enum media_msg_type type, const struct srtp_session_key *sets,
			unsigned n_sets);

/*
 * Every LIID configured at some time during the run, reloads included, so
 * that counters of an intercept removed by a reload stay in the results.
 */
#define FOR_EACH_RUN_LIID(c, i, liid) \
	for (uint32_t i = 0; ((liid) = dialog_liid_name((c)->dialogs, i)) != NULL; i++)

/* The intercepts in force: the live configuration. */
const struct lime_config *control_live_config(const struct control *c);

/*
 * Run until the dataplane has stopped (end of input or a signal) and every
 * queued SIP packet is handled.
 */
void control_run(struct control *c);

/* Log one line of counters. */
void control_log_stats(const struct control *c);

#endif
