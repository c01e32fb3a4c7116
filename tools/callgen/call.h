/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_CALL_H
#define LIME_TOOLS_CALLGEN_CALL_H

/*
 * One call from INVITE to the end of its connection. At its start the
 * call draws everything from its own random stream: parties, addresses,
 * ports, times, SSRCs, SDES keys, or the MIKEY-TICKET exchanges with the
 * KMS. Then it runs as events: one for each SIP step, and one per RTP and
 * RTCP packet of each direction. When its last event has run it writes
 * its ground truth and is freed.
 *
 * Timeline, with [a, b] a uniform draw in milliseconds:
 *   INVITE            t0 (over TCP after the handshake)
 *   100 Trying        INVITE + [2, 20]
 *   180 Ringing       t0 + [40, 300]
 *   200 OK (answer)   180 + [500, 2500]; callee media from 200 + [1, 5]
 *   ACK               200 + [5, 40]; caller media from ACK + [1, 10]
 *   BYE               200 + --duration, from either side
 *   200 OK            BYE + [5, 40]
 *   FIN (TCP)         200 OK + [10, 100]
 */

#include <stdbool.h>
#include <stdint.h>

#include "tools/callgen/gen.h"
#include "tools/callgen/rtp_stream.h"
#include "tools/callgen/sip_text.h"
#include "tools/callgen/tcp_conn.h"

/* Mean set-up time before media, from the timeline above, in us. */
#define CG_CALL_SETUP_MEAN_US 1700000

enum cg_call_keying {
	CG_CALL_SDES,
	CG_CALL_MIKEY,
	CG_CALL_PLAIN,
};

enum cg_step {
	CG_STEP_INVITE,
	CG_STEP_TRYING,
	CG_STEP_RINGING,
	CG_STEP_ANSWER,
	CG_STEP_ACK,
	CG_STEP_BYE,
	CG_STEP_BYE_OK,
	CG_STEP_CLOSE,
	CG_STEP_DONE,
};

enum cg_side {
	CG_CALLER = 0,
	CG_CALLEE = 1,
};

struct cg_party {
	char uri[128];             /* addr-spec of From/To */
	char display[40];
	char contact_user[32];
	struct cg_addr addr;
	uint16_t sip_port;
	uint16_t rtp_port;
	bool rtcp_attribute;       /* its SDP names the RTCP port with a=rtcp */
	const char *mikey_identity;
};

/* One sending direction: from party[side] to the other. */
struct cg_call_stream {
	struct cg_stream s;
	bool opened;
	uint8_t key_salt[CG_KEY_SALT_MAX];
	uint32_t ssrc;
	uint16_t first_seq;
	uint32_t first_rtp_ts;
	uint32_t tone_hz;
	int64_t next_rtp_us;       /* nominal time of the next packet */
	int64_t next_rtcp_us;
	char *payload_path;
};

struct cg_sdes_line {
	uint32_t tag;
	const char *suite;
	char key_b64[72];
};

/* A ticket kept for an expired-ticket call. */
struct cg_reuse {
	struct cg_ticket ticket;
	struct cg_mikey_user caller;
	struct cg_mikey_user callee;
	char call_id[64];
	char caller_uri[128];
	char callee_uri[128];
	char caller_display[40];
	char callee_display[40];
	int target;
	int target_party;
};

struct cg_call {
	struct cg_gen *gen;
	uint64_t index;
	struct cg_rng rng;
	char call_id[64];
	struct cg_party party[2];
	struct cg_sip_dialog dialog;
	bool tcp;
	struct cg_tcp_conn conn;
	enum cg_call_keying keying;
	const struct cg_suite *suite;
	bool rtcp_mux;
	int target;                /* index into gen->targets, -1 for none */
	int target_party;
	uint64_t session_id[2];

	int64_t t[CG_STEP_DONE];   /* planned time of each step */
	int64_t media_start[2];
	int64_t media_end;
	bool bye_from_caller;
	enum cg_step step;
	unsigned pending;          /* its events in the queue */
	unsigned sip_messages;

	struct cg_sdes_line offer_crypto[2];
	unsigned n_offer_crypto;
	struct cg_sdes_line answer_crypto;
	bool tag_renumbered;

	char *offer_key_mgmt;      /* base64 TRANSFER_INIT as captured */
	char *answer_key_mgmt;     /* base64 TRANSFER_RESP */
	bool has_mikey;
	struct cg_mikey_record mikey;
	char kms_rejection[512];

	bool has_attack;
	struct cg_attack_record attack;
	char reuses_call_id[64];

	struct cg_call_stream streams[2];
};

/*
 * Creates call index at t0 and queues its first event; reuse is NULL for
 * an ordinary call. Returns false after cg_gen_fail().
 */
bool cg_call_start(struct cg_gen *g, uint64_t index, int64_t t0,
		   const struct cg_reuse *reuse);

/* Sets up the MIKEY-TICKET keys of a call (call_mikey.c). */
bool cg_call_setup_mikey(struct cg_call *c, const struct cg_reuse *reuse);

/* Queues the call's first event (call_run.c). */
void cg_call_run(struct cg_call *c);

/* Writes the call's ground truth and frees it (call_record.c). */
void cg_call_finish(struct cg_call *c);

/* Frees a call that never ran. */
void cg_call_free(struct cg_call *c);

#endif
