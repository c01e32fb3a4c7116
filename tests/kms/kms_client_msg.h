/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TESTS_KMS_KMS_CLIENT_MSG_H
#define LIME_TESTS_KMS_KMS_CLIENT_MSG_H

/*
 * The terminal and LI-node side of the KMS exchanges, for tests: builds
 * REQUEST_INIT_PSK and RESOLVE_INIT_PSK, verifies the V of REQUEST_RESP and
 * RESOLVE_RESP, decrypts their KEMAC and compares what a responder or an
 * LI node obtained with what the initiator obtained. Written from
 * RFC 6043 with lib/mikey, independently of tools/kms.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey.h"

#define KMSC_MAX_KEYS 16
#define KMSC_KEY_MAX 64
#define KMSC_MAX_RESPONDERS 8

/* One side of an exchange and how its message is built. */
struct kmsc_params {
	const char *identity;
	const uint8_t *psk;
	size_t psk_len;
	const char *kms_identity;      /* Identity_kms of the MAC input */
	bool send_idrkms;              /* also put IDRkms in the message */
	uint8_t prf_func;              /* HDR PRF func */
	uint8_t tp_prf_func;           /* requested TP PRF func */
	uint8_t auth_alg;              /* V Auth alg */
	uint16_t tp_flags;             /* requested TP flags */
	int64_t now_us;
	uint32_t csb_id;
	uint8_t rand[16];              /* RANDRi or RANDRr */
	const char *responders[KMSC_MAX_RESPONDERS];
	size_t n_responders;           /* IDRr entries of the requested TP Data */
	bool flip_mac;                 /* corrupt the V MAC */
};

struct kmsc_key {
	uint8_t type;
	uint8_t key[KMSC_KEY_MAX];
	size_t key_len;
	uint8_t salt[KMSC_KEY_MAX];
	size_t salt_len;
	uint8_t spi[KMSC_KEY_MAX];
	size_t spi_len;
};

/* The key material of a REQUEST_RESP or RESOLVE_RESP. */
struct kmsc_keys {
	struct kmsc_key mpki;
	bool has_mpkr;
	struct kmsc_key mpkr;          /* MPKr, or MPKr' for a responder */
	struct kmsc_key keys[KMSC_MAX_KEYS];
	size_t n_keys;
	bool has_idrr;
	uint8_t idrr[1024];
	size_t idrr_len;
	bool has_randrkms;
	uint8_t randrkms[255];
	size_t randrkms_len;
};

/* A ticket as the initiator received it. */
struct kmsc_ticket {
	struct mikey_ticket_policy policy;   /* tp_data points into tp_data */
	uint8_t tp_data[16384];
	uint8_t ticket_data[4096];
	size_t ticket_data_len;
};

enum kmsc_result {
	KMSC_OK,
	KMSC_MIKEY_ERROR,          /* an Error message; *error_no is its number */
	KMSC_INVALID,              /* not the expected response; see *reason */
};

/* Fills defaults: PRF-HMAC-SHA-256, HMAC-SHA-256-256, IDRkms sent, a
 * random CSB ID and RAND, and TP flags D E F G H N O. */
void kmsc_params_init(struct kmsc_params *p, const char *identity,
		      const uint8_t *psk, size_t psk_len, const char *kms_identity,
		      int64_t now_us);

int kmsc_build_request(const struct kmsc_params *p, uint8_t *out, size_t cap,
		       size_t *len);

int kmsc_build_resolve(const struct kmsc_params *p, const struct kmsc_ticket *t,
		       uint8_t *out, size_t cap, size_t *len);

/*
 * Builds a key report (docs/kms-interface.md, "Key reports"): the
 * RESOLVE_INIT_PSK of p with the TRANSFER_INIT ti and, unless tr is NULL,
 * the TRANSFER_RESP tr in General Extension payloads.
 */
int kmsc_build_key_report(const struct kmsc_params *p, const uint8_t *ti, size_t ti_len,
			  const uint8_t *tr, size_t tr_len, uint8_t *out, size_t cap,
			  size_t *len);

/* Builds a report fetch with the lookup extension data given as is, so
 * that tests can send a malformed one. */
int kmsc_build_report_fetch(const struct kmsc_params *p, const uint8_t *lookup,
			    size_t lookup_len, uint8_t *out, size_t cap, size_t *len);

/*
 * Builds a TRANSFER_INIT carrying the ticket, or a TRANSFER_RESP, whose
 * RAND bytes are all rand_fill and whose V MAC is zero: enough for the
 * KMS, which does not verify reported MACs.
 */
int kmsc_build_transfer(const struct kmsc_ticket *t, uint8_t data_type, uint32_t csb_id,
			uint8_t rand_fill, uint8_t *out, size_t cap, size_t *len);

/*
 * Reads the response to req: a MIKEY Error message, or a response of
 * expected_type whose V verifies with the PSK of p. Fills keys and, for REQUEST_RESP,
 * ticket (which may be NULL otherwise).
 */
enum kmsc_result kmsc_read_response(const struct kmsc_params *p,
				    const uint8_t *req, size_t req_len,
				    const uint8_t *resp, size_t resp_len,
				    uint8_t expected_type, struct kmsc_keys *keys,
				    struct kmsc_ticket *ticket, int *error_no,
				    char *reason, size_t reason_len);

/*
 * Checks the keys that a responder (li_node false) or an LI node got from
 * RESOLVE_RESP against the initiator's. With the ticket's I flag a
 * responder must get IDRr = its identity, a RANDRkms, MPKr' and TGK'
 * forked from them; an LI node gets the initiator's keys unchanged.
 * Returns NULL, or the first difference.
 */
const char *kmsc_check_resolved(const struct kmsc_keys *initiator,
				const struct kmsc_ticket *ticket,
				const struct kmsc_keys *got, bool li_node,
				const char *identity);

void kmsc_wipe_keys(struct kmsc_keys *keys);

#endif
