/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_MIKEY_TICKET_H
#define LIME_TOOLS_CALLGEN_MIKEY_TICKET_H

/*
 * The terminals' side of MIKEY-TICKET (RFC 6043) with a KMS, built on
 * lib/mikey for every message, MAC and key derivation:
 *
 *   caller  -> KMS     REQUEST_INIT_PSK   HDR, T, RANDRi, IDRi, IDRkms, TP, V
 *   KMS     -> caller  REQUEST_RESP       ticket, MPKi, [MPKr], TGK or TEK
 *   caller  -> callee  TRANSFER_INIT      HDR, T, RANDRi, [IDRi], [IDRr], SP,
 *                                         TICKET, V   (in the SDP offer)
 *   callee  -> KMS     RESOLVE_INIT_PSK   HDR, T, RANDRr, IDRr, IDRkms,
 *                                         TICKET, V
 *   KMS     -> callee  RESOLVE_RESP       MPKi, [MPKr'], TGK' or TEK,
 *                                         [IDRr, RANDRkms]
 *   callee  -> caller  TRANSFER_RESP      HDR, T, [RANDRr], [IDRr, RANDRkms],
 *                                         V   (in the SDP answer)
 *
 * The messages use PRF-HMAC-SHA-256 and V payloads with HMAC-SHA-256-256.
 * TRANSFER_INIT carries a GENERIC-ID map with two crypto sessions: CS 1
 * is the caller's stream (its SSRC and first sequence number), CS 2 the
 * callee's stream, whose SSRC the callee fills in in TRANSFER_RESP. Each
 * CS gets its own TEK and salt (RFC 6043 5.1.3 with its CS ID). The
 * TRANSFER_RESP V is keyed from MPKr' when the ticket forks keys (I flag)
 * and from MPKi otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "tools/callgen/kms_client.h"
#include "tools/callgen/rng.h"
#include "tools/callgen/suite.h"

#define CG_MIKEY_MSG_MAX 8192
#define CG_MIKEY_RAND_LEN 16
#define CG_MIKEY_KEY_MAX 64
#define CG_MIKEY_KEYS 8
#define CG_MIKEY_IDENTITY_MAX 512
/* A key report carries a TRANSFER_INIT and a TRANSFER_RESP. */
#define CG_MIKEY_REPORT_MAX (3 * CG_MIKEY_MSG_MAX)

/* A terminal's MIKEY identity (ID type URI) and its PSK with the KMS. */
struct cg_mikey_user {
	const char *identity;
	const uint8_t *psk;
	size_t psk_len;
};

/* The KMS: its client connection and its identity (IDRkms). */
struct cg_mikey_kms {
	struct cg_kms_client *client;
	const char *identity;
};

struct cg_mikey_key {
	uint8_t type;              /* enum mikey_key_type */
	uint8_t key[CG_MIKEY_KEY_MAX];
	size_t key_len;
	uint8_t salt[CG_MIKEY_KEY_MAX];
	size_t salt_len;
};

/* The key material of a REQUEST_RESP or RESOLVE_RESP KEMAC. */
struct cg_mikey_keys {
	struct cg_mikey_key mpki;
	bool has_mpkr;
	struct cg_mikey_key mpkr;  /* MPKr, or MPKr' in a forked RESOLVE_RESP */
	struct cg_mikey_key keys[CG_MIKEY_KEYS];   /* TGKs or TEKs */
	size_t n_keys;
};

/* A ticket and its keys as the caller has them after REQUEST_RESP. */
struct cg_ticket {
	struct mikey_ticket_policy policy;   /* tp_data points into tp_data */
	uint8_t tp_data[4096];
	uint8_t ticket_data[4096];
	size_t ticket_data_len;
	bool has_trs;
	bool has_tre;
	int64_t trs_us;
	int64_t tre_us;
	uint8_t hash[32];                    /* SHA-256 of the Ticket Data */
	struct cg_mikey_keys keys;
};

/* The keys and forking inputs the callee got in RESOLVE_RESP. */
struct cg_resolved {
	struct cg_mikey_keys keys;
	bool forked;               /* IDRr and RANDRkms came with the keys */
	char idrr[CG_MIKEY_IDENTITY_MAX];
	uint8_t randrkms[CG_MIKEY_RAND_LEN * 2];
	size_t randrkms_len;
};

/* One TRANSFER exchange between caller and callee. */
struct cg_transfer {
	/* Chosen by the caller of these functions. */
	uint32_t csb_id;
	uint32_t ssrc[2];          /* CS 1: caller's stream, CS 2: callee's */
	uint16_t first_seq[2];
	uint8_t randri[CG_MIKEY_RAND_LEN];
	uint8_t randrr[CG_MIKEY_RAND_LEN];
	const char *identity_i;    /* the caller's MIKEY identity */
	const char *identity_r;    /* the callee's MIKEY identity */
	const char *sip_from;      /* addr-spec of From and To, the identities */
	const char *sip_to;        /* of the MAC input when IDRi/IDRr are left out */
	bool send_idri;
	bool send_idrr;
	const struct cg_suite *suite;
	int64_t init_time_us;
	int64_t resp_time_us;

	/* Results. */
	uint8_t init[CG_MIKEY_MSG_MAX];
	size_t init_len;
	uint8_t resp[CG_MIKEY_MSG_MAX];
	size_t resp_len;
	uint16_t flags;            /* the ticket's TP flags */
	bool forked;
	uint8_t key_salt[2][CG_KEY_SALT_MAX];   /* SRTP master key || salt per CS */
};

/* A failed exchange: the KMS's MIKEY error number when it sent an Error
 * message (else -1), and the message. */
struct cg_mikey_failure {
	int kms_error_no;
	char msg[512];
};

/* Ticket Request for a ticket that names responder (may be NULL) in its
 * TP Data. now_us is the capture time the message is stamped with. */
int cg_mikey_request_ticket(const struct cg_mikey_kms *kms,
			    const struct cg_mikey_user *caller,
			    const char *responder, int64_t now_us,
			    struct cg_rng *rng, struct cg_ticket *ticket,
			    struct cg_mikey_failure *fail);

/* Builds TRANSFER_INIT with the ticket, its V keyed from MPKi. */
int cg_mikey_transfer_init(struct cg_transfer *x, const struct cg_ticket *t,
			   struct cg_mikey_failure *fail);

/* Ticket Resolve of the ticket in x->init, as the callee. */
int cg_mikey_resolve(const struct cg_mikey_kms *kms,
		     const struct cg_mikey_user *callee,
		     const struct cg_transfer *x, int64_t now_us,
		     struct cg_rng *rng, struct cg_resolved *out,
		     struct cg_mikey_failure *fail);

/*
 * Stands in for a RESOLVE_RESP that the KMS did not send (an expired
 * ticket): gives the callee the keys the KMS would have, forked from the
 * caller's MPKr and TGKs with a RANDRkms from rng when the ticket forks.
 */
int cg_mikey_resolve_locally(const struct cg_ticket *t, const char *identity_r,
			     struct cg_rng *rng, struct cg_resolved *out,
			     struct cg_mikey_failure *fail);

/*
 * As the callee: verifies TRANSFER_INIT with the resolved MPKi, builds
 * TRANSFER_RESP and derives the session keys. Then, as the caller:
 * verifies TRANSFER_RESP (forking MPKr and the TGK itself when the ticket
 * has the I flag) and checks that both ends derived the same keys.
 */
int cg_mikey_transfer_resp(struct cg_transfer *x, const struct cg_ticket *t,
			   const struct cg_resolved *r,
			   struct cg_mikey_failure *fail);

/*
 * Reports the TRANSFER_INIT and TRANSFER_RESP of x to the KMS as user
 * (the key report of docs/kms-interface.md): RESOLVE_INIT_PSK with the
 * messages in General Extension payloads, signed with the user's PSK.
 * Checks the V of the KMS's acknowledgement.
 */
int cg_mikey_report(const struct cg_mikey_kms *kms, const struct cg_mikey_user *user,
		    const struct cg_transfer *x, int64_t now_us, struct cg_rng *rng,
		    struct cg_mikey_failure *fail);

/* Wipes the keys of a ticket or resolution. */
void cg_mikey_wipe_ticket(struct cg_ticket *t);
void cg_mikey_wipe_resolved(struct cg_resolved *r);

/* Writes the TP flags as letters, "DEFGHINO". */
void cg_mikey_flag_letters(uint16_t flags, char out[16]);

#endif
