/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_INTERNAL_H
#define LIME_TOOLS_KMS_KMS_INTERNAL_H

/*
 * Shared by the exchange handlers of lime-kms: the failure record that
 * becomes a MIKEY Error message, the log record of an exchange, and the
 * checks and response steps that REQUEST and RESOLVE have in common.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"
#include "tools/kms/kms.h"

#define KMS_REASON_LEN 128

/* Why an exchange failed: the RFC 3830 / RFC 6043 error number sent in the
 * ERR payload, and a sentence for the log. */
struct kms_fail {
	uint8_t error_no;          /* enum mikey_error_no */
	char reason[KMS_REASON_LEN];
};

/* Fields of the log line of an exchange. */
struct kms_exchange_log {
	const char *role;          /* "initiator", "responder", "li" or "-" */
	struct mikey_slice identity;   /* of the sender */
	struct mikey_slice initiator;  /* IDRi of the ticket */
	char ticket[2 * 8 + 1];        /* hex of the first 8 bytes of SHA-256(Ticket Data) */
};

/* Fills *fail and returns -1, so handlers can "return kms_fail(...)". */
int kms_fail(struct kms_fail *fail, uint8_t error_no, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A received initial message (REQUEST_INIT_PSK or RESOLVE_INIT_PSK). */
struct kms_request_msg {
	const uint8_t *buf;
	size_t len;
	const struct mikey_msg *msg;
	int64_t now_us;
};

/* The peer of an exchange after its V payload has been verified. */
struct kms_peer {
	const struct kms_principal *principal;
	struct mikey_slice identity;
	struct mikey_slice randri;     /* empty in a Resolve */
	struct mikey_slice randrr;     /* empty in a Request */
};

/* Rejects a HDR PRF func other than MIKEY-1 and PRF-HMAC-SHA-256. */
int kms_check_prf(const struct mikey_msg *msg, struct kms_fail *fail);

/* Checks an IDRkms payload, when present, against kms_identity and
 * returns Identity_kms for the MAC input. */
int kms_check_idrkms(const struct kms *kms, const struct mikey_msg *msg,
		     struct mikey_slice *identity_kms, struct kms_fail *fail);

/* Checks the T payload against the KMS clock (max_clock_skew_s). */
int kms_check_time(const struct kms *kms, const struct kms_request_msg *req,
		   struct kms_fail *fail);

/*
 * Verifies the V payload of an initial message with the auth_key that
 * RFC 6043 5.1.2 derives from the peer's PSK; identity2 is Identity_kms.
 */
int kms_verify_init(const struct kms_request_msg *req,
		    const struct kms_peer *peer, struct mikey_slice identity2,
		    struct kms_fail *fail);

/* Converts the KMS clock to a 64-bit NTP-UTC timestamp. */
uint64_t kms_ntp_utc(int64_t now_us);

/* A response under construction. */
struct kms_response {
	struct mikey_builder b;
	const struct kms_request_msg *req;
	const struct kms_peer *peer;
	uint64_t t64;              /* the response's T, also the KEMAC IV input */
};

/* Writes the HDR (copied from the request, with this data type and V=0)
 * and a fresh T. */
void kms_response_begin(struct kms_response *r, uint8_t *out, size_t cap,
			uint8_t data_type, const struct kms_request_msg *req,
			const struct kms_peer *peer);

/*
 * Writes a KEMAC whose Encr data is plain encrypted with the encr_key and
 * salt_key of the response direction (RFC 6043 5.1.2) from the peer's PSK.
 * Its MAC alg is NULL: the V payload covers the whole message.
 */
int kms_response_put_kemac(struct kms_response *r, uint8_t encr_alg,
			   const uint8_t *plain, size_t plain_len,
			   struct kms_fail *fail);

/* Writes V with the request's Auth alg over this response and the whole
 * request, and stores the message length. */
int kms_response_finish(struct kms_response *r, size_t *len,
			struct kms_fail *fail);

/* The KEMAC Encr alg used with keys of this length: AES-CM-128 for 16
 * bytes, AES-CM-256 for 32, so that 128- and 256-bit algorithms are not
 * mixed (RFC 6043 12). */
uint8_t kms_encr_alg_for(uint32_t key_length);

int kms_handle_request(struct kms *kms, const struct kms_request_msg *req,
		       uint8_t *out, size_t cap, size_t *out_len,
		       struct kms_exchange_log *log, struct kms_fail *fail);

/*
 * Finds the user or LI node behind IDRr and verifies the V of a message
 * shaped like RESOLVE_INIT_PSK (a Ticket Resolve or a key report
 * exchange). Sets *li_node when an LI node sent it.
 */
int kms_resolve_authenticate(const struct kms *kms, const struct kms_request_msg *req,
			     struct kms_peer *peer, bool *li_node,
			     struct kms_exchange_log *log, struct kms_fail *fail);

/* Whether a RESOLVE_INIT_PSK is a key report (it carries a reported
 * TRANSFER_INIT) or a report fetch (it carries a lookup extension). */
bool kms_report_is_report(const struct mikey_msg *m);
bool kms_report_is_fetch(const struct mikey_msg *m);

/* The key report exchanges (kms_report.c): a terminal's report and an LI
 * node's fetch. Both arrive as RESOLVE_INIT_PSK. */
int kms_handle_key_report(struct kms *kms, const struct kms_request_msg *req,
			  uint8_t *out, size_t cap, size_t *out_len,
			  struct kms_exchange_log *log, struct kms_fail *fail);

int kms_handle_report_fetch(struct kms *kms, const struct kms_request_msg *req,
			    uint8_t *out, size_t cap, size_t *out_len,
			    struct kms_exchange_log *log, struct kms_fail *fail);

int kms_handle_resolve(struct kms *kms, const struct kms_request_msg *req,
		       uint8_t *out, size_t cap, size_t *out_len,
		       struct kms_exchange_log *log, struct kms_fail *fail);

#endif
