/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_TRUTH_H
#define LIME_TOOLS_CALLGEN_TRUTH_H

/*
 * The ground truth: one JSON document with the options, the targets,
 * every call as it ends (so memory stays bounded) and a summary. Keys
 * appear only as SHA-256 fingerprints of master key || master salt; the
 * keys themselves go to the separate --truth-keys file, one JSON object
 * per stream and line. docs/tools.md describes every field.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/netaddr.h"
#include "tools/callgen/options.h"

struct cg_truth;

struct cg_stream_record {
	const char *direction;     /* "caller_to_callee" or "callee_to_caller" */
	char src[CG_ADDR_TEXT_MAX];
	char dst[CG_ADDR_TEXT_MAX];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t rtcp_src_port;
	uint16_t rtcp_dst_port;
	uint32_t ssrc;
	uint8_t payload_type;
	const char *suite;         /* "none" for plain RTP */
	const uint8_t *key_salt;   /* NULL for plain RTP */
	size_t key_salt_len;
	unsigned mikey_cs_id;      /* 0 unless keyed by MIKEY */
	uint32_t packets;
	uint32_t rtcp_packets;
	uint16_t first_seq;
	uint16_t last_seq;
	uint32_t first_rtp_ts;
	uint64_t payload_bytes;
	int64_t first_us;
	int64_t last_us;
	uint8_t payload_sha256[32];
	uint32_t tone_hz;
	const char *payload_file;  /* NULL without --truth-payloads */
};

struct cg_mikey_record {
	const char *initiator_id;
	const char *responder_id;
	bool idri_sent;
	bool idrr_sent;
	uint32_t csb_id;
	char flags[16];
	uint8_t ticket_sha256[32];
	bool has_validity;
	int64_t trs_us;
	int64_t tre_us;
	bool forked;
	const char *responder_keys;  /* "kms", or "callgen" when the KMS rejected it */
	const char *kms_rejection;     /* the KMS's error then, else NULL */
	bool reported;             /* the callee reported its keys to the KMS */
};

struct cg_attack_record {
	const char *kind;          /* as in --attack */
	const char *detail;
	/* The lime alarm the scenario should raise; several, separated by
	 * commas, when either is right. */
	const char *expected_alarms;
	const char *reuses_call_id;  /* expired-ticket: the call that got the ticket */
};

struct cg_call_record {
	uint64_t index;
	const char *call_id;
	const char *caller;
	const char *callee;
	char caller_addr[CG_ADDR_TEXT_MAX];
	char callee_addr[CG_ADDR_TEXT_MAX];
	const char *target;        /* the target it matches, NULL for none */
	const char *target_party;  /* "caller" or "callee" */
	const char *transport;     /* "udp" or "tcp" */
	const char *keying;        /* "sdes", "mikey" or "none" */
	const char *suite;
	bool rtcp_mux;
	bool sdes_tag_renumbered;
	int final_status;          /* of the INVITE: 200, or 488 for a forgery */
	unsigned sip_messages;
	int64_t start_us;
	int64_t answer_us;         /* time of the 200 OK; 0 for a forged INVITE */
	int64_t end_us;
	const struct cg_mikey_record *mikey;
	const struct cg_attack_record *attack;
	struct cg_stream_record streams[2];
	unsigned n_streams;
};

struct cg_truth_summary {
	uint64_t calls;
	uint64_t target_calls;
	uint64_t attack_calls;
	uint64_t streams;
	uint64_t frames;
	uint64_t file_bytes;
	uint64_t sip_packets;          /* UDP datagrams and TCP segments with SIP */
	uint64_t rtp_packets;
	uint64_t rtcp_packets;
	uint64_t tcp_control_packets;
	uint64_t background_packets;
	int64_t first_us;
	int64_t last_us;
	uint32_t peak_active_calls;
	uint64_t kms_requests;
};

/* Creates the files and writes the options and targets. Returns NULL with
 * a message in err. */
struct cg_truth *cg_truth_open(const struct cg_options *o,
			       const char *const *targets, size_t n_targets,
			       char *err, size_t err_len);

void cg_truth_call(struct cg_truth *t, const struct cg_call_record *r);

/* Writes the summary and closes the files. Returns 0, or -1 with a
 * message in err when a write failed. */
int cg_truth_close(struct cg_truth *t, const struct cg_truth_summary *s,
		   char *err, size_t err_len);

#endif
