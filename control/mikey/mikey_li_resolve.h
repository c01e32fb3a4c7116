/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_RESOLVE_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_RESOLVE_H

/*
 * Ticket resolution at the KMS as an LI node (RFC 6043 4.2.3, and the LI
 * resolution of docs/kms-interface.md):
 *
 *   lime -> KMS   RESOLVE_INIT_PSK  HDR, T, RANDRr, IDRr, IDRkms, TICKET, V
 *   KMS -> lime   RESOLVE_RESP      HDR, T, IDRkms, KEMAC, V
 *                 KEMAC plaintext   MPKi, [MPKr], TGK or TEK, ...
 *
 * The response to an LI node carries the keys the initiator received,
 * none of them forked. MPKr is there exactly when the ticket has the I
 * flag, and lime forks it itself from the TRANSFER_RESP. Both messages are
 * protected with keys derived from the PSK this node shares with the KMS
 * (RFC 6043 5.1.2), and the response is used only after its V verifies.
 * The HTTPS transport is the caller's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "lib/mikey/mikey.h"

#define MIKEY_LI_MAX_KEYS 8        /* TGKs or TEKs in one ticket */
#define MIKEY_LI_KEY_MAX 64        /* bytes of one key or salt */
#define MIKEY_LI_SPI_MAX 32
#define MIKEY_LI_RAND_LEN 16

/* This node's identity and PSK at the KMS. */
struct mikey_li_node {
	const char *identity;          /* IDRr, ID type URI */
	const uint8_t *psk;
	size_t psk_len;
	const char *kms_identity;      /* IDRkms, and Identity_kms of the MAC input */
	uint8_t prf_func;              /* HDR PRF func of requests */
	uint8_t auth_alg;              /* V Auth alg of requests */
};

/* One key data sub-payload of the response. */
struct mikey_li_key {
	uint8_t type;                  /* enum mikey_key_type */
	uint8_t key[MIKEY_LI_KEY_MAX];
	size_t key_len;
	uint8_t salt[MIKEY_LI_KEY_MAX];
	size_t salt_len;               /* 0: no salt sent */
	uint8_t spi[MIKEY_LI_SPI_MAX];
	size_t spi_len;                /* 0: no SPI/MKI */
};

/* The key material of a ticket as the KMS gave it to this node. */
struct mikey_li_keys {
	struct mikey_li_key mpki;
	bool has_mpkr;
	struct mikey_li_key mpkr;      /* not forked */
	struct mikey_li_key keys[MIKEY_LI_MAX_KEYS];   /* TGKs, GTGKs or TEKs */
	size_t n_keys;
	uint8_t tp_prf_func;           /* the ticket's PRF func, for forking */
	uint16_t tp_flags;             /* the ticket's flags */
	/* mikey_li_ticket_digest() of the ticket the KMS resolved. */
	uint8_t ticket_digest[MIKEY_LI_TICKET_HASH_LEN];
};

/* Request values that reading the response needs. */
struct mikey_li_resolve_request {
	uint32_t csb_id;
	uint8_t randrr[MIKEY_LI_RAND_LEN];
	uint8_t prf_func;
	uint8_t auth_alg;
	uint8_t tp_prf_func;
	uint16_t tp_flags;
	uint8_t ticket_digest[MIKEY_LI_TICKET_HASH_LEN];
};

/* Sets the defaults of a node: PRF-HMAC-SHA-256 and HMAC-SHA-256-256. */
void mikey_li_node_init(struct mikey_li_node *node, const char *identity,
			const uint8_t *psk, size_t psk_len,
			const char *kms_identity);

/*
 * Builds RESOLVE_INIT_PSK for the ticket of the TRANSFER_INIT ti[0..ti_len),
 * which mikey_li_precheck() accepted, into out[0..cap). The CSB ID and
 * RANDRr are fresh random values. The T is stamped with kms_clock_us,
 * which the KMS compares with its own clock, so pass the wall clock even
 * when reading a capture. The Initiator Data is not sent: the KMS ignores
 * it. Fills *req for mikey_li_read_resolve(). Returns MIKEY_LI_OK,
 * MIKEY_LI_UNUSABLE when the message does not fit in cap, or
 * MIKEY_LI_INTERNAL when OpenSSL fails; fail may be NULL.
 */
enum mikey_li_status mikey_li_build_resolve(const struct mikey_li_node *node,
					    const uint8_t *ti, size_t ti_len,
					    int64_t kms_clock_us, uint8_t *out,
					    size_t cap, size_t *len,
					    struct mikey_li_resolve_request *req,
					    struct mikey_li_failure *fail);

/*
 * Reads the KMS's response resp[0..resp_len) to the request msg[0..msg_len):
 * checks that it is the RESOLVE_RESP of this request, verifies its V,
 * decrypts its KEMAC and fills *keys. Returns MIKEY_LI_OK, or
 * MIKEY_LI_KMS_ERROR with *kms_error_no set to the MIKEY error number of
 * an Error message (RFC 3830 6.12; 14 is Invalid TICKET), or to -1 for
 * a response that is malformed or does not verify. An Error message
 * carries no V, so it proves nothing about the ticket on its own.
 */
enum mikey_li_status mikey_li_read_resolve(const struct mikey_li_node *node,
					   const struct mikey_li_resolve_request *req,
					   const uint8_t *msg, size_t msg_len,
					   const uint8_t *resp, size_t resp_len,
					   struct mikey_li_keys *keys,
					   int *kms_error_no,
					   struct mikey_li_failure *fail);

/* Overwrites all key material in keys. */
void mikey_li_keys_wipe(struct mikey_li_keys *keys);

/* Returns whether the KMS response m has an IDRkms that names another KMS
 * than the node's. A response without IDRkms names none. */
bool mikey_li_names_other_kms(const struct mikey_li_node *node,
			      const struct mikey_msg *m);

/*
 * Computes the V MAC of msg[0..len), a message of the Resolve exchange's
 * initial direction (RESOLVE_INIT_PSK or a key report fetch), in place.
 * m is msg parsed and v its V payload. The MAC covers the message,
 * Identity_r and Identity_kms, keyed with the auth_key from the node's
 * PSK and the RANDRr of req (RFC 6043 5.1.2). Returns a MIKEY_CRYPTO_*
 * code: MIKEY_CRYPTO_EINVAL when req's Auth alg has no MAC.
 */
int mikey_li_resolve_sign(const struct mikey_li_node *node,
			  const struct mikey_li_resolve_request *req,
			  uint8_t *msg, size_t len, const struct mikey_msg *m,
			  const struct mikey_payload *v);

/*
 * Verifies the V payload v of the RESOLVE_RESP m, parsed from
 * resp[0..resp_len), the response to the request msg[0..msg_len). The MAC
 * covers the response up to the MAC and then the request, keyed with the
 * auth_key from the node's PSK and the RANDRr of req. Returns
 * MIKEY_CRYPTO_OK when it verifies, MIKEY_CRYPTO_EINVAL when v's Auth alg
 * has no MAC, and another MIKEY_CRYPTO_* code otherwise.
 */
int mikey_li_resolve_verify(const struct mikey_li_node *node,
			    const struct mikey_li_resolve_request *req,
			    const struct mikey_msg *m, const struct mikey_payload *v,
			    const uint8_t *resp, size_t resp_len,
			    const uint8_t *msg, size_t msg_len);

#endif
