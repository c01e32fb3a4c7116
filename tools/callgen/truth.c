/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/truth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/util/json.h"
#include "tools/callgen/timefmt.h"

#define FORMAT_VERSION 1

struct cg_truth {
	FILE *out;
	FILE *keys;
	struct json_writer w;
	char *path;
	char *keys_path;
};

static void hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static void json_hex(struct json_writer *w, const char *key, const uint8_t *data,
		     size_t len)
{
	char text[2 * 64 + 1];

	hex(data, len, text);
	json_string(w, key, text);
}

static void json_time(struct json_writer *w, const char *key_us, const char *key_text,
		      int64_t us)
{
	char text[CG_TIME_TEXT_MAX];

	json_i64(w, key_us, us);
	cg_time_format(us, text);
	json_string(w, key_text, text);
}

static void write_options(struct json_writer *w, const struct cg_options *o)
{
	char start[CG_TIME_TEXT_MAX];

	json_object_begin(w, "options");
	json_u64(w, "seed", o->seed);
	json_u64(w, "calls", o->calls);
	json_u64(w, "concurrency", o->concurrency);
	json_double(w, "duration_s", (double)o->duration_us / CG_US_PER_S);
	json_u64(w, "ptime_ms", o->ptime_ms);
	json_string(w, "codec", cg_codec_info(o->codec)->option_name);
	json_double(w, "target_share", o->target_share);
	json_u64(w, "targets", o->targets);
	json_string(w, "transport", cg_transport_mode_name(o->transport));
	json_string(w, "keying", cg_keying_mode_name(o->keying));
	json_string(w, "suite", o->suite->name);
	json_bool(w, "rtcp_mux", o->rtcp_mux);
	json_bool(w, "ipv6", o->ipv6);
	json_u64(w, "background_pps", o->background_pps);
	cg_time_format(o->start_us, start);
	json_string(w, "start", start);
	json_double(w, "report_share", o->report_share);
	json_object_begin(w, "attacks");
	for (int k = CG_ATTACK_NONE + 1; k < CG_ATTACK_KINDS; k++)
		json_u64(w, cg_attack_name((enum cg_attack_kind)k), o->attack_count[k]);
	json_object_end(w);
	json_object_end(w);
}

struct cg_truth *cg_truth_open(const struct cg_options *o,
			       const char *const *targets, size_t n_targets,
			       char *err, size_t err_len)
{
	struct cg_truth *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	t->out = fopen(o->truth_path, "w");
	if (t->out == NULL) {
		snprintf(err, err_len, "cannot create --truth %s: %s", o->truth_path,
			 strerror(errno));
		free(t);
		return NULL;
	}
	if (o->truth_keys_path != NULL) {
		t->keys = fopen(o->truth_keys_path, "w");
		if (t->keys == NULL) {
			snprintf(err, err_len, "cannot create --truth-keys %s: %s",
				 o->truth_keys_path, strerror(errno));
			fclose(t->out);
			free(t);
			return NULL;
		}
	}
	json_writer_init(&t->w, t->out, true);
	json_object_begin(&t->w, NULL);
	json_string(&t->w, "generator", "lime-callgen");
	json_u64(&t->w, "format", FORMAT_VERSION);
	write_options(&t->w, o);
	json_array_begin(&t->w, "targets");
	for (size_t i = 0; i < n_targets; i++)
		json_string(&t->w, NULL, targets[i]);
	json_array_end(&t->w);
	json_array_begin(&t->w, "calls");
	return t;
}

static void write_key_fingerprint(struct json_writer *w, const struct cg_stream_record *s)
{
	uint8_t digest[32];
	unsigned int len = 0;

	if (s->key_salt == NULL)
		return;
	EVP_Digest(s->key_salt, s->key_salt_len, digest, &len, EVP_sha256(), NULL);
	json_hex(w, "key_sha256", digest, sizeof(digest));
}

static void write_stream(struct json_writer *w, const struct cg_stream_record *s)
{
	json_object_begin(w, NULL);
	json_string(w, "direction", s->direction);
	json_string(w, "src", s->src);
	json_u64(w, "src_port", s->src_port);
	json_string(w, "dst", s->dst);
	json_u64(w, "dst_port", s->dst_port);
	json_u64(w, "rtcp_src_port", s->rtcp_src_port);
	json_u64(w, "rtcp_dst_port", s->rtcp_dst_port);
	json_u64(w, "ssrc", s->ssrc);
	json_u64(w, "payload_type", s->payload_type);
	json_string(w, "suite", s->suite);
	write_key_fingerprint(w, s);
	if (s->mikey_cs_id != 0)
		json_u64(w, "mikey_cs_id", s->mikey_cs_id);
	json_u64(w, "packets", s->packets);
	json_u64(w, "rtcp_packets", s->rtcp_packets);
	json_u64(w, "first_seq", s->first_seq);
	json_u64(w, "last_seq", s->last_seq);
	json_u64(w, "first_rtp_timestamp", s->first_rtp_ts);
	json_u64(w, "payload_bytes", s->payload_bytes);
	json_i64(w, "first_us", s->first_us);
	json_i64(w, "last_us", s->last_us);
	json_hex(w, "payload_sha256", s->payload_sha256, sizeof(s->payload_sha256));
	if (s->tone_hz != 0)
		json_u64(w, "tone_hz", s->tone_hz);
	if (s->payload_file != NULL)
		json_string(w, "payload_file", s->payload_file);
	json_object_end(w);
}

static void write_mikey(struct json_writer *w, const struct cg_mikey_record *m)
{
	json_object_begin(w, "mikey");
	json_string(w, "initiator_id", m->initiator_id);
	json_string(w, "responder_id", m->responder_id);
	json_bool(w, "idri_sent", m->idri_sent);
	json_bool(w, "idrr_sent", m->idrr_sent);
	json_u64(w, "csb_id", m->csb_id);
	json_string(w, "ticket_flags", m->flags);
	json_hex(w, "ticket_sha256", m->ticket_sha256, sizeof(m->ticket_sha256));
	if (m->has_validity) {
		json_time(w, "ticket_trs_us", "ticket_trs", m->trs_us);
		json_time(w, "ticket_tre_us", "ticket_tre", m->tre_us);
	}
	json_bool(w, "forked", m->forked);
	json_string(w, "responder_keys", m->responder_keys);
	if (m->kms_rejection != NULL)
		json_string(w, "kms_rejection", m->kms_rejection);
	json_bool(w, "reported_keys", m->reported);
	json_object_end(w);
}

/* Writes "a,b" as the array ["a", "b"]. */
static void write_alarms(struct json_writer *w, const char *alarms)
{
	char name[64];

	json_array_begin(w, "expected_alarms");
	for (const char *p = alarms; *p != '\0';) {
		size_t len = strcspn(p, ",");

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		json_string(w, NULL, name);
		p += len + (p[len] == ',');
	}
	json_array_end(w);
}

static void write_attack(struct json_writer *w, const struct cg_attack_record *a)
{
	json_object_begin(w, "attack");
	json_string(w, "kind", a->kind);
	json_string(w, "detail", a->detail);
	write_alarms(w, a->expected_alarms);
	if (a->reuses_call_id != NULL)
		json_string(w, "reuses_call_id", a->reuses_call_id);
	json_object_end(w);
}

/* One line per stream in the keys file, for independent decoding. */
static void write_keys(struct cg_truth *t, const struct cg_call_record *r)
{
	char key[2 * 64 + 1];

	for (unsigned i = 0; i < r->n_streams && t->keys != NULL; i++) {
		const struct cg_stream_record *s = &r->streams[i];

		if (s->key_salt == NULL)
			key[0] = '\0';
		else
			hex(s->key_salt, s->key_salt_len, key);
		fprintf(t->keys, "{\"call_id\":");
		json_write_escaped(t->keys, r->call_id);
		fprintf(t->keys, ",\"direction\":\"%s\",\"src\":\"%s\",\"src_port\":%u,"
			"\"dst\":\"%s\",\"dst_port\":%u,\"rtcp_src_port\":%u,"
			"\"rtcp_dst_port\":%u,\"ssrc\":%u,\"suite\":\"%s\","
			"\"key_salt_hex\":\"%s\"}\n", s->direction, s->src, s->src_port,
			s->dst, s->dst_port, s->rtcp_src_port, s->rtcp_dst_port, s->ssrc,
			s->suite, key);
	}
}

void cg_truth_call(struct cg_truth *t, const struct cg_call_record *r)
{
	struct json_writer *w = &t->w;

	json_object_begin(w, NULL);
	json_u64(w, "index", r->index);
	json_string(w, "call_id", r->call_id);
	json_string(w, "caller", r->caller);
	json_string(w, "callee", r->callee);
	json_string(w, "caller_addr", r->caller_addr);
	json_string(w, "callee_addr", r->callee_addr);
	json_bool(w, "target", r->target != NULL);
	if (r->target != NULL) {
		json_string(w, "target_uri", r->target);
		json_string(w, "target_party", r->target_party);
	}
	json_string(w, "transport", r->transport);
	json_string(w, "keying", r->keying);
	json_string(w, "suite", r->suite);
	json_bool(w, "rtcp_mux", r->rtcp_mux);
	if (r->sdes_tag_renumbered)
		json_bool(w, "sdes_tag_renumbered", true);
	json_u64(w, "final_status", (uint64_t)r->final_status);
	json_u64(w, "sip_messages", r->sip_messages);
	json_time(w, "start_us", "start", r->start_us);
	if (r->answer_us != 0)
		json_i64(w, "answer_us", r->answer_us);
	json_time(w, "end_us", "end", r->end_us);
	if (r->mikey != NULL)
		write_mikey(w, r->mikey);
	if (r->attack != NULL)
		write_attack(w, r->attack);
	json_array_begin(w, "streams");
	for (unsigned i = 0; i < r->n_streams; i++)
		write_stream(w, &r->streams[i]);
	json_array_end(w);
	json_object_end(w);
	write_keys(t, r);
}

static void write_summary(struct json_writer *w, const struct cg_truth_summary *s)
{
	json_object_begin(w, "summary");
	json_u64(w, "calls", s->calls);
	json_u64(w, "target_calls", s->target_calls);
	json_u64(w, "attack_calls", s->attack_calls);
	json_u64(w, "streams", s->streams);
	json_u64(w, "frames", s->frames);
	json_u64(w, "file_bytes", s->file_bytes);
	json_u64(w, "sip_packets", s->sip_packets);
	json_u64(w, "rtp_packets", s->rtp_packets);
	json_u64(w, "rtcp_packets", s->rtcp_packets);
	json_u64(w, "tcp_control_packets", s->tcp_control_packets);
	json_u64(w, "background_packets", s->background_packets);
	json_time(w, "first_us", "first", s->first_us);
	json_time(w, "last_us", "last", s->last_us);
	json_u64(w, "peak_active_calls", s->peak_active_calls);
	json_u64(w, "kms_requests", s->kms_requests);
	json_object_end(w);
}

int cg_truth_close(struct cg_truth *t, const struct cg_truth_summary *s,
		   char *err, size_t err_len)
{
	bool failed;

	if (t == NULL)
		return 0;
	json_array_end(&t->w);
	write_summary(&t->w, s);
	json_object_end(&t->w);
	failed = json_writer_finish(&t->w) != 0;
	failed |= ferror(t->out) != 0;
	failed |= fclose(t->out) != 0;
	if (t->keys != NULL) {
		failed |= ferror(t->keys) != 0;
		failed |= fclose(t->keys) != 0;
	}
	free(t);
	if (failed) {
		snprintf(err, err_len, "writing the ground truth failed (disk full?)");
		return -1;
	}
	return 0;
}
