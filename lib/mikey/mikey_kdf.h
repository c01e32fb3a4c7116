/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_MIKEY_KDF_H
#define LIME_MIKEY_KDF_H

/*
 * MIKEY key derivations: label construction and the typed derivations of
 * RFC 3830 sections 4.1.3/4.1.4 and RFC 6043 sections 5.1.1-5.1.3, 6.10
 * (Initiator Data) and appendix A.2 (base ticket). Each function calls
 * mikey_prf() with the label its section defines. All lengths are in bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mikey/mikey_prf.h"

/* Derivation constants; each is 9 decimal digits of e, written in hex. */
#define MIKEY_CONST_TEK        0x2AD01C64u /* TGK -> TEK (RFC 3830 4.1.3) */
#define MIKEY_CONST_TGK_AUTH   0x1B5C7973u /* TGK -> authentication key */
#define MIKEY_CONST_TGK_ENCR   0x15798CEFu /* TGK -> encryption key */
#define MIKEY_CONST_TGK_SALT   0x39A2C14Bu /* TGK -> salting key */
#define MIKEY_CONST_ENCR_KEY   0x150533E1u /* PSK/envelope/MPK/TPK -> encr_key (4.1.4) */
#define MIKEY_CONST_AUTH_KEY   0x2D22AC75u /* PSK/envelope/MPK/TPK -> auth_key */
#define MIKEY_CONST_SALT_KEY   0x29B88916u /* PSK/envelope/MPK/TPK -> salt_key */
#define MIKEY_CONST_MPKR_FORK  0x2B288856u /* MPKr -> MPKr' (RFC 6043 5.1.1) */
#define MIKEY_CONST_TGK_FORK   0x1512B54Au /* TGK -> TGK' */
#define MIKEY_CONST_MPKI       0x220E99A2u /* MPK -> MPKi (RFC 6043 A.2.2) */
#define MIKEY_CONST_MPKR       0x1F4D675Bu /* MPK -> MPKr */

/* CSB ID value that replaces the real one in RFC 6043 labels and base-ticket IVs. */
#define MIKEY_CSB_ID_NONE 0xFFFFFFFFu

/* Keys derived from a TGK, TGK' or GTGK (RFC 3830 4.1.3, RFC 6043 5.1.3). */
enum mikey_tgk_key {
	MIKEY_TGK_KEY_TEK,
	MIKEY_TGK_KEY_SALT,
	MIKEY_TGK_KEY_ENCR,
	MIKEY_TGK_KEY_AUTH,
};

/* Message protection keys derived from a PSK, envelope key, MPK or TPK. */
enum mikey_msg_key {
	MIKEY_MSG_KEY_ENCR,
	MIKEY_MSG_KEY_AUTH,
	MIKEY_MSG_KEY_SALT,
};

/* Direction of the MIKEY-TICKET message a protection key is for (RFC 6043 5.1.2). */
enum mikey_ticket_direction {
	MIKEY_TICKET_INITIAL = 0x01,  /* REQUEST_INIT, TRANSFER_INIT, RESOLVE_INIT */
	MIKEY_TICKET_RESPONSE = 0x02, /* REQUEST_RESP, TRANSFER_RESP, RESOLVE_RESP */
};

/* Keys that RFC 6043 key forking produces. */
enum mikey_fork_key {
	MIKEY_FORK_MPKR, /* MPKr -> MPKr' */
	MIKEY_FORK_TGK,  /* TGK -> TGK' */
};

/* MPK halves of the MIKEY base ticket (RFC 6043 A.2.2). */
enum mikey_mpk_key {
	MIKEY_MPK_KEY_MPKI,
	MIKEY_MPK_KEY_MPKR,
};

uint32_t mikey_tgk_key_constant(enum mikey_tgk_key key);
uint32_t mikey_msg_key_constant(enum mikey_msg_key key);

/*
 * Label builders. Each writes the label into label (label_cap bytes) and
 * stores its length in *label_len. They return MIKEY_CRYPTO_ENOSPC when
 * label_cap is too small and MIKEY_CRYPTO_EINVAL for a RAND longer than
 * its 8-bit length field. A NULL RAND with length 0 is an omitted RAND.
 */

/* RFC 3830: constant || cs_id || csb_id || RAND. cs_id is 0xFF for message keys. */
int mikey_label_rfc3830(uint32_t constant, uint8_t cs_id, uint32_t csb_id,
			const uint8_t *rand, size_t rand_len, uint8_t *label,
			size_t label_cap, size_t *label_len);

/*
 * RFC 6043 5.1.2: constant || 0xFF || csb_id || direction ||
 * len(RANDRi) || RANDRi || len(RANDRr) || RANDRr.
 */
int mikey_label_ticket_msg(uint32_t constant, uint32_t csb_id,
			   enum mikey_ticket_direction direction,
			   const uint8_t *randri, size_t randri_len,
			   const uint8_t *randrr, size_t randrr_len,
			   uint8_t *label, size_t label_cap, size_t *label_len);

/*
 * RFC 6043 5.1.1: constant || 0xFF || 0xFFFFFFFF || 0x00 ||
 * len16(ID Data) || ID Data || len(RANDRkms) || RANDRkms.
 */
int mikey_label_fork(uint32_t constant, const uint8_t *idrr, size_t idrr_len,
		     const uint8_t *randrkms, size_t randrkms_len,
		     uint8_t *label, size_t label_cap, size_t *label_len);

/*
 * RFC 6043 5.1.3: constant || cs_id || 0xFFFFFFFF || 0x03 ||
 * len(RANDRi) || RANDRi || len(RANDRr) || RANDRr.
 */
int mikey_label_ticket_tgk(uint32_t constant, uint8_t cs_id,
			   const uint8_t *randri, size_t randri_len,
			   const uint8_t *randrr, size_t randrr_len,
			   uint8_t *label, size_t label_cap, size_t *label_len);

/*
 * RFC 6043 6.10 (Vr, tag 0x04) and A.2 (TPK, tag 0x05; MPK, tag 0x06):
 * constant || 0xFF || 0xFFFFFFFF || tag [|| len(RAND) || RAND].
 * With has_rand false no RAND fields follow the tag (the Vr label).
 */
int mikey_label_ticket_fixed(uint32_t constant, uint8_t tag, bool has_rand,
			     const uint8_t *rand, size_t rand_len,
			     uint8_t *label, size_t label_cap, size_t *label_len);

/* Label tags after 0xFF || 0xFFFFFFFF in RFC 6043 labels. */
#define MIKEY_LABEL_TAG_FORK      0x00
#define MIKEY_LABEL_TAG_TGK       0x03
#define MIKEY_LABEL_TAG_VR        0x04
#define MIKEY_LABEL_TAG_TPK       0x05
#define MIKEY_LABEL_TAG_MPK       0x06

/*
 * Typed derivations. prf is the PRF func the RFC names for each one: the
 * HDR PRF func except for forking and the base ticket, which use the TP
 * (Ticket Policy) PRF func. out receives out_len bytes.
 */

/* RFC 3830 4.1.3: TEK, salting, encryption or authentication key from a TGK. */
int mikey_derive_tgk_key(enum mikey_prf_func prf, enum mikey_tgk_key key,
			 const uint8_t *tgk, size_t tgk_len, uint8_t cs_id,
			 uint32_t csb_id, const uint8_t *rand, size_t rand_len,
			 uint8_t *out, size_t out_len);

/* RFC 3830 4.1.4: encr_key, auth_key or salt_key from a PSK or envelope key. */
int mikey_derive_msg_key(enum mikey_prf_func prf, enum mikey_msg_key key,
			 const uint8_t *psk, size_t psk_len, uint32_t csb_id,
			 const uint8_t *rand, size_t rand_len, uint8_t *out,
			 size_t out_len);

/*
 * RFC 6043 5.1.2: encr_key, auth_key or salt_key of a MIKEY-TICKET message
 * from a PSK, envelope key, MPKi or MPKr'. Pass NULL/0 for an omitted RAND;
 * at least one of randri and randrr must be present.
 */
int mikey_derive_ticket_msg_key(enum mikey_prf_func prf, enum mikey_msg_key key,
				enum mikey_ticket_direction direction,
				const uint8_t *inkey, size_t inkey_len,
				uint32_t csb_id, const uint8_t *randri,
				size_t randri_len, const uint8_t *randrr,
				size_t randrr_len, uint8_t *out, size_t out_len);

/*
 * RFC 6043 5.1.1: forks MPKr into MPKr' or TGK into TGK'. The output has
 * the inkey's length, so out must hold inkey_len bytes. idrr is the ID Data
 * of the IDRr payload, randrkms the RAND of the RANDRkms payload.
 */
int mikey_derive_forked_key(enum mikey_prf_func tp_prf, enum mikey_fork_key key,
			    const uint8_t *inkey, size_t inkey_len,
			    const uint8_t *idrr, size_t idrr_len,
			    const uint8_t *randrkms, size_t randrkms_len,
			    uint8_t *out);

/*
 * RFC 6043 5.1.3: TEK, salt, encryption or authentication key from a TGK,
 * TGK' or GTGK. The caller passes randri only when the TP H flag is set and
 * randrr only when the G flag is set. At least one must be present.
 */
int mikey_derive_ticket_tgk_key(enum mikey_prf_func prf, enum mikey_tgk_key key,
				const uint8_t *tgk, size_t tgk_len, uint8_t cs_id,
				const uint8_t *randri, size_t randri_len,
				const uint8_t *randrr, size_t randrr_len,
				uint8_t *out, size_t out_len);

/* RFC 6043 6.10: a key for the Vr payload of the Initiator Data from the unforked MPKr. */
int mikey_derive_vr_key(enum mikey_prf_func prf, enum mikey_msg_key key,
			const uint8_t *mpkr, size_t mpkr_len, uint8_t *out,
			size_t out_len);

/* RFC 6043 A.2.1: base ticket encr_key, auth_key or salt_key from the TPK. */
int mikey_derive_tpk_key(enum mikey_prf_func tp_prf, enum mikey_msg_key key,
			 const uint8_t *tpk, size_t tpk_len,
			 const uint8_t *rand, size_t rand_len, uint8_t *out,
			 size_t out_len);

/* RFC 6043 A.2.2: MPKi or MPKr from the MPK; out must hold mpk_len bytes. */
int mikey_derive_mpk_key(enum mikey_prf_func tp_prf, enum mikey_mpk_key key,
			 const uint8_t *mpk, size_t mpk_len,
			 const uint8_t *rand, size_t rand_len, uint8_t *out);

#endif
