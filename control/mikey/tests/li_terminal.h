/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_TESTS_LI_TERMINAL_H
#define LIME_CONTROL_MIKEY_TESTS_LI_TERMINAL_H

/*
 * The world around lime's MIKEY-TICKET checks, for tests: the reference
 * KMS core (tools/kms) in process, and two terminals that request and
 * resolve tickets with tests/kms/kms_client_msg.c and build TRANSFER_INIT
 * and TRANSFER_RESP with lib/mikey as RFC 6043 describes. The callee's
 * SRTP keys, derived from what the KMS gave it, are the expected values
 * lime must reach.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li_resolve.h"
#include "lib/mikey/mikey.h"
#include "tests/kms/kms_client_msg.h"
#include "tools/kms/kms.h"

/* 2026-01-01T00:00:00Z */
#define LT_NOW_US (INT64_C(1767225600) * 1000000)
#define LT_S (INT64_C(1000000))

#define LT_KMS_ID "sip:kms@lime.test"
#define LT_ALICE "sip:alice@ims.test"
#define LT_BOB "sip:bob@ims.test"
#define LT_LI "sip:li-node-1@lime.test"
#define LT_MSG_MAX 16384
#define LT_KEY_SALT_MAX 46

extern const uint8_t lt_psk_alice[16];
extern const uint8_t lt_psk_bob[16];
extern const uint8_t lt_psk_li[16];

/* The ticket policy of the KMS. */
struct lt_kms_options {
	bool forking;
	bool reusable;
	uint32_t validity_s;
	bool tek;                  /* TEKs instead of TGKs */
	bool salt;                 /* a salt with each key */
	uint32_t key_count;
	uint32_t key_length;
};

struct lt_kms {
	struct kms_config *cfg;
	struct kms kms;
};

/* Forking, not reusable, one hour, one 16-byte TGK without salt. */
void lt_kms_options_init(struct lt_kms_options *o);
void lt_kms_start(struct lt_kms *k, const struct lt_kms_options *o);
void lt_kms_stop(struct lt_kms *k);

/* Hands a request to the KMS at now_us and returns the response's length. */
size_t lt_kms_exchange(struct lt_kms *k, const uint8_t *req, size_t len,
		       int64_t now_us, uint8_t *out, size_t cap);

/* How the terminals build one TRANSFER exchange. */
struct lt_call_params {
	int64_t ti_time_us;        /* T of TRANSFER_INIT, and the Request */
	int64_t tr_time_us;        /* T of TRANSFER_RESP */
	int64_t resolve_time_us;   /* when the callee resolves the ticket */
	uint32_t csb_id;
	bool send_idri;
	bool send_idrr;
	const char *sip_from;      /* Identity_i when IDRi is left out */
	const char *sip_to;        /* Identity_r when IDRr is left out */
	uint32_t ssrc[2];          /* CS 1: the caller's stream, CS 2: the callee's */
	uint32_t roc[2];
	uint16_t seq[2];
	bool cs_spi;               /* name the first key's SPI in the CS map */
	uint8_t encr_key_len;      /* SP: 16 or 32 */
	uint8_t auth_tag_len;      /* SP: 10 or 4 */
	bool initiator_data;       /* add Vi and Vr when the ticket forks */
	/* A 16-byte TGK the caller sends in the KEMAC of TRANSFER_INIT (the
	 * ticket's L flag), named by its SPI in the CS map; NULL: none. */
	const uint8_t *supplied_tgk;
};

/* The ticket and keys of one caller. */
struct lt_caller {
	struct kmsc_keys keys;
	struct kmsc_ticket ticket;
};

/* One exchange as both terminals see it. */
struct lt_call {
	struct lt_call_params p;
	uint8_t randri[16];
	uint8_t randrr[16];
	uint16_t flags;                        /* the ticket's TP flags */
	struct kmsc_keys callee;               /* from the callee's RESOLVE_RESP */
	uint8_t ti[LT_MSG_MAX];
	size_t ti_len;
	uint8_t tr[LT_MSG_MAX];
	size_t tr_len;
	uint8_t key_salt[2][LT_KEY_SALT_MAX];  /* the callee's, per CS */
	size_t key_salt_len;
};

/* SSRCs 0x11111111 and 0x22222222, ROC 0, SEQ 1000 and 2000, identities
 * in the message, SPI in the CS map, AES-CM-128 with an 80-bit tag, Vi
 * and Vr. */
void lt_call_params_init(struct lt_call_params *p, int64_t now_us);

/* Alice requests a ticket at now_us. */
void lt_request_ticket(struct lt_kms *k, int64_t now_us, struct lt_caller *alice);

/* The same with these requested TP flags (enum mikey_tp_flag). */
void lt_request_ticket_flags(struct lt_kms *k, int64_t now_us, uint16_t flags,
			     struct lt_caller *alice);

/*
 * Alice builds TRANSFER_INIT, Bob resolves the ticket at the KMS, builds
 * TRANSFER_RESP and derives the SRTP keys of both crypto sessions.
 */
void lt_make_call(struct lt_kms *k, const struct lt_caller *alice,
		  const struct lt_call_params *p, struct lt_call *call);

/* Only Alice's part of lt_make_call: TRANSFER_INIT. */
void lt_build_transfer_init(const struct lt_caller *alice,
			    const struct lt_call_params *p, struct lt_call *call);

/* Builds and signs a TRANSFER_RESP for call->ti with the callee's keys. */
void lt_build_transfer_resp(struct lt_call *call);

/* Recomputes the V MAC of a TRANSFER_INIT after a change to it, as a
 * man-in-the-middle with MPKi could. */
void lt_sign_transfer_init(uint8_t *ti, size_t len, const struct lt_call *call,
			   const struct kmsc_key *mpki);

/*
 * lime's side: resolves the ticket of ti as the LI node at now_us with
 * mikey_li_build_resolve() and mikey_li_read_resolve(), which must
 * succeed.
 */
void lt_li_resolve(struct lt_kms *k, const uint8_t *ti, size_t len,
		   int64_t now_us, struct mikey_li_keys *keys);

/* The LI node's identity and PSK at the test KMS. */
void lt_li_node(struct mikey_li_node *node);

/* Offset of the first RANDRi byte in a TRANSFER_INIT. */
size_t lt_randri_offset(const uint8_t *ti, size_t len);

#endif
