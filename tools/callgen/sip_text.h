/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_SIP_TEXT_H
#define LIME_TOOLS_CALLGEN_SIP_TEXT_H

/*
 * The SIP messages of a call (RFC 3261): INVITE, its responses, the ACK,
 * BYE and the response to BYE. The two user agents talk directly, each
 * listening on port 5060, with one Via each. Every function writes one
 * message into out and returns its length, or 0 when it does not fit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/netaddr.h"

/* Longest SIP message written, SDP included. */
#define CG_SIP_MAX 8192

struct cg_sip_party {
	const char *uri;           /* addr-spec in From, To and P-Asserted-Identity */
	const char *display;       /* display name, NULL for none */
	const char *contact_user;  /* user part of the Contact URI */
	char host[CG_ADDR_TEXT_MAX];  /* address as written in URIs and Via */
	uint16_t port;             /* Via sent-by and Contact port */
	char tag[24];
};

struct cg_sip_dialog {
	struct cg_sip_party caller;
	struct cg_sip_party callee;
	const char *call_id;
	bool tcp;
	char invite_branch[32];
	char ack_branch[32];
	char bye_branch[32];
};

/* The INVITE with its SDP offer (body may be NULL). */
size_t cg_sip_invite(const struct cg_sip_dialog *d, const char *body,
		     char *out, size_t cap);

/* A response to the INVITE; the To tag is added for every code but 100,
 * and Contact for 2xx. */
size_t cg_sip_invite_response(const struct cg_sip_dialog *d, int code,
			      const char *reason, const char *body,
			      char *out, size_t cap);

/* The ACK of a 2xx (a new transaction to the Contact) or of an error
 * response (part of the INVITE transaction, same branch). */
size_t cg_sip_ack(const struct cg_sip_dialog *d, bool for_2xx, char *out,
		  size_t cap);

/* BYE from the caller (CSeq 2) or from the callee (CSeq 1 of its own). */
size_t cg_sip_bye(const struct cg_sip_dialog *d, bool from_caller, char *out,
		  size_t cap);

/* 200 OK to that BYE. */
size_t cg_sip_bye_response(const struct cg_sip_dialog *d, bool bye_from_caller,
			   char *out, size_t cap);

#endif
