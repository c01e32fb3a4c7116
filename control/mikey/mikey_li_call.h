/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_MIKEY_LI_CALL_H
#define LIME_CONTROL_MIKEY_MIKEY_LI_CALL_H

/*
 * Verification of one TRANSFER exchange and derivation of its SRTP keys,
 * with the keys the KMS gave lime for the ticket (mikey_li_resolve.h):
 *
 * 1. TRANSFER_INIT: V with the auth_key from MPKi (RFC 6043 5.1.2, initial
 *    direction, RANDRi only), over the message without the Initiator
 *    Data, then Identity_i and Identity_r.
 * 2. With the ticket's I flag, lime forks MPKr into MPKr' and each TGK
 *    into TGK' (RFC 6043 5.1.1) from the IDRr and RANDRkms of the
 *    TRANSFER_RESP. TEKs and GTGKs are never forked.
 * 3. TRANSFER_RESP: V with the auth_key from MPKr' (forking) or MPKi,
 *    response direction, RANDRi and, with the G flag, RANDRr, over the
 *    message and then the whole TRANSFER_INIT.
 * 4. Per crypto session: TEK and master salt from the TGK (RFC 6043 5.1.3:
 *    CS ID, RANDRi with the H flag, RANDRr with the G flag), or the TEK
 *    itself. A salt sent with the key wins over a derived one. The key is
 *    the one the session's SPI names, among the keys a terminal sent in
 *    the KEMAC of its TRANSFER message and the ticket's. The suite comes
 *    from the SP payload its Policy_no names, the SSRC, ROC and SEQ from
 *    the CS ID map, where the TRANSFER_RESP's entries update the
 *    TRANSFER_INIT's.
 *
 * A message that fails its MAC yields MIKEY_LI_AUTH_FAILED naming it, and
 * nothing is derived from it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mikey/mikey_li.h"
#include "control/mikey/mikey_li_resolve.h"
#include "dataplane/srtp_session.h"
#include "lib/mikey/mikey.h"

#define MIKEY_LI_WHY_LEN 96

/* The exchange as tapped. */
struct mikey_li_transfer {
	const uint8_t *ti;             /* TRANSFER_INIT from the SDP offer */
	size_t ti_len;
	const uint8_t *tr;             /* TRANSFER_RESP from the SDP answer; NULL if none */
	size_t tr_len;
	/*
	 * The addr-specs of the From and To header fields of the SIP request
	 * that carried the offer, byte for byte (no display name, angle
	 * brackets or parameters). They are Identity_i and Identity_r of the
	 * TRANSFER_INIT MAC input when the message has no IDRi or IDRr.
	 */
	struct mikey_slice sip_from;
	struct mikey_slice sip_to;
};

/* The keys of one crypto session, bound to its sender's stream. */
struct mikey_li_stream {
	uint8_t cs_id;
	bool has_ssrc;                 /* the CS ID map names the SSRC */
	uint32_t ssrc;
	bool has_roc;                  /* the CS ID map signals the ROC */
	uint32_t roc;                  /* the ROC to start from; 0 unless has_roc */
	bool has_seq;                  /* GENERIC-ID with the S flag */
	uint16_t seq;                  /* the sender's first SEQ */
	bool usable;                   /* keys is filled */
	char why[MIKEY_LI_WHY_LEN];    /* why not, when !usable */
	struct srtp_stream_keys keys;
};

struct mikey_li_call_keys {
	uint32_t csb_id;
	bool forked;                   /* MPKr and TGKs were forked */
	size_t n_streams;
	struct mikey_li_stream streams[MIKEY_LI_MAX_STREAMS];
	size_t streams_dropped;        /* crypto sessions beyond the array */
};

/*
 * Verifies the TRANSFER_INIT alone, for example when the offer arrives
 * before the answer. Returns MIKEY_LI_OK, MIKEY_LI_AUTH_FAILED, or
 * MIKEY_LI_UNUSABLE when the message lacks what the MAC input needs
 * (RANDRi, V, or both IDRi and a From addr-spec).
 */
enum mikey_li_status mikey_li_verify_init(const struct mikey_li_transfer *x,
					  const struct mikey_li_keys *keys,
					  struct mikey_li_failure *fail);

/*
 * Verifies the exchange and derives the keys of every crypto session into
 * *out. Without a TRANSFER_RESP the keys come from the TRANSFER_INIT alone.
 * That works only when the ticket has neither the G nor the I flag, and
 * otherwise the result is MIKEY_LI_UNUSABLE. Returns MIKEY_LI_OK when at
 * least one stream is usable, and out->streams[i].why explains the others.
 * Returns MIKEY_LI_AUTH_FAILED with fail->message naming the message whose
 * MAC failed, MIKEY_LI_UNUSABLE, or MIKEY_LI_INTERNAL. On failure *out
 * contains no key material.
 */
enum mikey_li_status mikey_li_derive_call(const struct mikey_li_transfer *x,
					  const struct mikey_li_keys *keys,
					  const struct mikey_li_policy *policy,
					  struct mikey_li_call_keys *out,
					  struct mikey_li_failure *fail);

/* Overwrites all key material in keys. */
void mikey_li_call_keys_wipe(struct mikey_li_call_keys *keys);

#endif
