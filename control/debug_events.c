/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/debug_events.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "control/debug_keys.h"
#include "lib/util/json.h"

/* Call-IDs are capped when written; the full value is in the IRI. */
#define CALL_ID_TEXT_MAX 256

static void write_call_id(struct json_writer *w, const char *call_id, size_t len)
{
	char text[CALL_ID_TEXT_MAX + 1];

	if (len > CALL_ID_TEXT_MAX)
		len = CALL_ID_TEXT_MAX;
	memcpy(text, call_id, len);
	text[len] = '\0';
	json_string(w, "call_id", text);
}

void debug_events_flow(FILE *out, const char *event,
		       const struct call_flow_event *ev, uint32_t stream_id,
		       const char *reason)
{
	const struct media_flow *f = ev->flow;
	char addr[INET6_ADDRSTRLEN];
	struct json_writer w;

	inet_ntop(f->dest.family == 4 ? AF_INET : AF_INET6, f->dest.addr, addr,
		  sizeof(addr));

	json_writer_init(&w, out, false);
	json_object_begin(&w, NULL);
	json_string(&w, "event", event);
	json_i64(&w, "ts_us", ev->ts_us);
	write_call_id(&w, ev->call_id, ev->call_id_len);
	json_array_begin(&w, "liids");
	for (unsigned i = 0; i < ev->n_liids; i++)
		json_string(&w, NULL, ev->liids[i]);
	json_array_end(&w);
	json_u64(&w, "family", f->dest.family);
	json_string(&w, "addr", addr);
	json_u64(&w, "port", f->dest.port);
	json_u64(&w, "m", f->m_index);
	json_string(&w, "kind", media_flow_kind_name(f->kind));
	json_string(&w, "dir", f->to_answerer ? "to_answerer" : "to_offerer");
	json_string(&w, "keying", media_keying_name(f->keying));
	if (f->keying == MEDIA_KEYS_SDES && ev->suite != SDES_SUITE_UNKNOWN)
		json_string(&w, "suite", sdes_suite_name(ev->suite));
	json_u64(&w, "stream", stream_id);
	if (reason != NULL)
		json_string(&w, "reason", reason);
	json_object_end(&w);
	json_writer_finish(&w);
	fputc('\n', out);
	if (strcmp(event, "flow_add") == 0 && f->keying == MEDIA_KEYS_SDES)
		debug_keys_sdes(out, ev, stream_id);
}

/* The SIP start line, without its line end. */
static void write_start_line(struct json_writer *w, const char *sip, size_t len)
{
	const char *eol = memchr(sip, '\n', len);
	size_t line = eol != NULL ? (size_t)(eol - sip) : len;

	if (line > 0 && sip[line - 1] == '\r')
		line--;
	if (line > 512)
		line = 512;

	char text[513];
	memcpy(text, sip, line);
	text[line] = '\0';
	json_string(w, "sip", text);
}

void debug_events_iri(FILE *out, const struct iri_record *rec)
{
	struct json_writer w;

	json_writer_init(&w, out, false);
	json_object_begin(&w, NULL);
	json_string(&w, "event", "iri");
	json_i64(&w, "ts_us", rec->ts_us);
	json_string(&w, "type", iri_type_name(rec->type));
	json_string(&w, "liid", rec->liid);
	json_u64(&w, "cin", rec->cin);
	write_call_id(&w, rec->call_id, strlen(rec->call_id));
	if (rec->sip != NULL)
		write_start_line(&w, rec->sip, rec->sip_len);
	else
		json_string(&w, "sip", "");
	json_u64(&w, "keys_masked", rec->keys_masked);
	if (rec->reason != NULL)
		json_string(&w, "reason", rec->reason);
	if (rec->alarm_kind != NULL) {
		json_string(&w, "alarm", rec->alarm_kind);
		json_string(&w, "alarm_reason", rec->alarm_reason ? rec->alarm_reason : "");
	}
	json_object_end(&w);
	json_writer_finish(&w);
	fputc('\n', out);
}
