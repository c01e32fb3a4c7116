/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/sip_text.h"

#include <string.h>

#include "tools/callgen/text.h"

#define ALLOW "INVITE, ACK, CANCEL, BYE, UPDATE, PRACK, OPTIONS"
#define USER_AGENT "lime-callgen"
/* The IMS multimedia telephony service (3GPP TS 24.173), as IMS
 * terminals advertise it in Contact and Accept-Contact. */
#define MMTEL_TAG "+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\""

static const char *transport_token(const struct cg_sip_dialog *d)
{
	return d->tcp ? "TCP" : "UDP";
}

static void add_via(struct cg_text *t, const struct cg_sip_dialog *d,
		    const struct cg_sip_party *sender, const char *branch)
{
	cg_text_add(t, "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s%s\r\n",
		    transport_token(d), sender->host, sender->port, branch,
		    d->tcp ? "" : ";rport");
}

/* name-addr with an optional tag parameter. */
static void add_name_addr(struct cg_text *t, const char *header,
			  const struct cg_sip_party *party, bool with_tag)
{
	cg_text_add(t, "%s: ", header);
	if (party->display != NULL)
		cg_text_add(t, "\"%s\" ", party->display);
	cg_text_add(t, "<%s>", party->uri);
	if (with_tag)
		cg_text_add(t, ";tag=%s", party->tag);
	cg_text_add(t, "\r\n");
}

static void add_contact_uri(struct cg_text *t, const struct cg_sip_dialog *d,
			    const struct cg_sip_party *party)
{
	cg_text_add(t, "sip:%s@%s:%u", party->contact_user, party->host, party->port);
	if (d->tcp)
		cg_text_add(t, ";transport=tcp");
}

static void add_contact(struct cg_text *t, const struct cg_sip_dialog *d,
			const struct cg_sip_party *party)
{
	cg_text_add(t, "Contact: <");
	add_contact_uri(t, d, party);
	cg_text_add(t, ">;%s\r\n", MMTEL_TAG);
}

/* Headers an IMS terminal adds to a session set-up (3GPP TS 24.229). They
 * make INVITEs with MIKEY larger than one UDP datagram of the MTU, as
 * real ones often are. */
static void add_ims_headers(struct cg_text *t)
{
	cg_text_add(t, "Supported: 100rel, timer, replaces, sec-agree\r\n");
	cg_text_add(t, "Session-Expires: 1800;refresher=uac\r\n");
	cg_text_add(t, "Min-SE: 90\r\n");
	cg_text_add(t, "Accept-Contact: *;%s\r\n", MMTEL_TAG);
	cg_text_add(t, "P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n");
	cg_text_add(t, "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; "
		    "utran-cell-id-3gpp=0010100010019b01\r\n");
}

/* Content-Type (with a body), Content-Length, the empty line and the body. */
static void add_body(struct cg_text *t, const char *body)
{
	size_t len = body != NULL ? strlen(body) : 0;

	if (len > 0)
		cg_text_add(t, "Content-Type: application/sdp\r\n");
	cg_text_add(t, "Content-Length: %zu\r\n\r\n", len);
	if (len > 0)
		cg_text_bytes(t, body, len);
}

static size_t finish(const struct cg_text *t)
{
	return t->overflow ? 0 : t->len;
}

size_t cg_sip_invite(const struct cg_sip_dialog *d, const char *body,
		     char *out, size_t cap)
{
	struct cg_text t;

	cg_text_init(&t, out, cap);
	cg_text_add(&t, "INVITE %s SIP/2.0\r\n", d->callee.uri);
	add_via(&t, d, &d->caller, d->invite_branch);
	cg_text_add(&t, "Max-Forwards: 70\r\n");
	add_name_addr(&t, "From", &d->caller, true);
	add_name_addr(&t, "To", &d->callee, false);
	cg_text_add(&t, "Call-ID: %s\r\n", d->call_id);
	cg_text_add(&t, "CSeq: 1 INVITE\r\n");
	add_contact(&t, d, &d->caller);
	cg_text_add(&t, "P-Asserted-Identity: <%s>\r\n", d->caller.uri);
	cg_text_add(&t, "Allow: " ALLOW "\r\n");
	add_ims_headers(&t);
	cg_text_add(&t, "User-Agent: " USER_AGENT "\r\n");
	add_body(&t, body);
	return finish(&t);
}

size_t cg_sip_invite_response(const struct cg_sip_dialog *d, int code,
			      const char *reason, const char *body,
			      char *out, size_t cap)
{
	struct cg_text t;

	cg_text_init(&t, out, cap);
	cg_text_add(&t, "SIP/2.0 %d %s\r\n", code, reason);
	add_via(&t, d, &d->caller, d->invite_branch);
	add_name_addr(&t, "From", &d->caller, true);
	add_name_addr(&t, "To", &d->callee, code != 100);
	cg_text_add(&t, "Call-ID: %s\r\n", d->call_id);
	cg_text_add(&t, "CSeq: 1 INVITE\r\n");
	if (code >= 200 && code < 300) {
		add_contact(&t, d, &d->callee);
		cg_text_add(&t, "Allow: " ALLOW "\r\n");
		cg_text_add(&t, "Supported: 100rel, timer, replaces\r\n");
		cg_text_add(&t, "Require: timer\r\n");
		cg_text_add(&t, "Session-Expires: 1800;refresher=uac\r\n");
	}
	if (code != 100)
		cg_text_add(&t, "Server: " USER_AGENT "\r\n");
	add_body(&t, body);
	return finish(&t);
}

size_t cg_sip_ack(const struct cg_sip_dialog *d, bool for_2xx, char *out,
		  size_t cap)
{
	struct cg_text t;

	cg_text_init(&t, out, cap);
	if (for_2xx) {
		cg_text_add(&t, "ACK ");
		add_contact_uri(&t, d, &d->callee);
		cg_text_add(&t, " SIP/2.0\r\n");
	} else {
		cg_text_add(&t, "ACK %s SIP/2.0\r\n", d->callee.uri);
	}
	add_via(&t, d, &d->caller, for_2xx ? d->ack_branch : d->invite_branch);
	cg_text_add(&t, "Max-Forwards: 70\r\n");
	add_name_addr(&t, "From", &d->caller, true);
	add_name_addr(&t, "To", &d->callee, true);
	cg_text_add(&t, "Call-ID: %s\r\n", d->call_id);
	cg_text_add(&t, "CSeq: 1 ACK\r\n");
	add_body(&t, NULL);
	return finish(&t);
}

size_t cg_sip_bye(const struct cg_sip_dialog *d, bool from_caller, char *out,
		  size_t cap)
{
	const struct cg_sip_party *from = from_caller ? &d->caller : &d->callee;
	const struct cg_sip_party *to = from_caller ? &d->callee : &d->caller;
	struct cg_text t;

	cg_text_init(&t, out, cap);
	cg_text_add(&t, "BYE ");
	add_contact_uri(&t, d, to);
	cg_text_add(&t, " SIP/2.0\r\n");
	add_via(&t, d, from, d->bye_branch);
	cg_text_add(&t, "Max-Forwards: 70\r\n");
	add_name_addr(&t, "From", from, true);
	add_name_addr(&t, "To", to, true);
	cg_text_add(&t, "Call-ID: %s\r\n", d->call_id);
	cg_text_add(&t, "CSeq: %d BYE\r\n", from_caller ? 2 : 1);
	cg_text_add(&t, "User-Agent: " USER_AGENT "\r\n");
	add_body(&t, NULL);
	return finish(&t);
}

size_t cg_sip_bye_response(const struct cg_sip_dialog *d, bool bye_from_caller,
			   char *out, size_t cap)
{
	const struct cg_sip_party *from = bye_from_caller ? &d->caller : &d->callee;
	const struct cg_sip_party *to = bye_from_caller ? &d->callee : &d->caller;
	struct cg_text t;

	cg_text_init(&t, out, cap);
	cg_text_add(&t, "SIP/2.0 200 OK\r\n");
	add_via(&t, d, from, d->bye_branch);
	add_name_addr(&t, "From", from, true);
	add_name_addr(&t, "To", to, true);
	cg_text_add(&t, "Call-ID: %s\r\n", d->call_id);
	cg_text_add(&t, "CSeq: %d BYE\r\n", bye_from_caller ? 2 : 1);
	cg_text_add(&t, "Server: " USER_AGENT "\r\n");
	add_body(&t, NULL);
	return finish(&t);
}
