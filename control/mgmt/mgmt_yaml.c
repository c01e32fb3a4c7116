/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_yaml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "lib/etsi/etsi.h"

/*
 * A growing text buffer that wipes what it drops. The YAML it contains
 * has no key material, but it is a full configuration, so it does not
 * linger.
 */
struct ybuf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

static void ybuf_wipe(struct ybuf *b)
{
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

static void ybuf_put(struct ybuf *b, const char *text, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap * 2;

		while (b->len + n + 1 > cap)
			cap *= 2;
		char *data = malloc(cap);
		if (data == NULL) {
			b->failed = true;
			return;
		}
		if (b->data != NULL) {
			memcpy(data, b->data, b->len);
			OPENSSL_cleanse(b->data, b->cap);
			free(b->data);
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, text, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void ybuf_printf(struct ybuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends formatted text of at most 255 bytes, or marks the buffer failed.
 * For keys and numbers only, which are short. */
static void ybuf_printf(struct ybuf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		b->failed = true;
		return;
	}
	ybuf_put(b, line, (size_t)n);
}

/* Decodes one UTF-8 sequence. Returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t n;

	if (s[0] < 0xc0 || s[0] > 0xf4)
		return 0;
	if (s[0] >= 0xf0)
		n = 4;
	else if (s[0] >= 0xe0)
		n = 3;
	else
		n = 2;
	if (avail < n)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

/*
 * Writes a YAML double-quoted scalar. Every byte outside printable ASCII
 * becomes an escape, so the loader reads back exactly these characters
 * whatever libyaml's reader thinks of them.
 */
static void put_quoted(struct ybuf *b, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	ybuf_put(b, "\"", 1);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		if (s[i] == '"' || s[i] == '\\') {
			ybuf_printf(b, "\\%c", s[i]);
			i++;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			ybuf_put(b, (const char *)s + i, 1);
			i++;
		} else if (s[i] >= 0x80 && (n = utf8_decode(s + i, len - i, &cp)) != 0) {
			ybuf_printf(b, cp > 0xffff ? "\\U%08" PRIX32 : "\\u%04" PRIX32, cp);
			i += n;
		} else {
			ybuf_printf(b, "\\x%02X", s[i]);
			i++;
		}
	}
	ybuf_put(b, "\"", 1);
}

static void put_string(struct ybuf *b, const char *indent, const char *key,
		       const char *value)
{
	if (value == NULL)
		return;
	ybuf_printf(b, "%s%s: ", indent, key);
	put_quoted(b, value, strlen(value));
	ybuf_put(b, "\n", 1);
}

static void put_number(struct ybuf *b, const char *indent, const char *key,
		       uint64_t value)
{
	ybuf_printf(b, "%s%s: %" PRIu64 "\n", indent, key, value);
}

static void put_string_list(struct ybuf *b, const char *indent, const char *key,
			    char *const *list, size_t n)
{
	ybuf_printf(b, "%s%s: [", indent, key);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ybuf_put(b, ", ", 2);
		put_quoted(b, list[i], strlen(list[i]));
	}
	ybuf_put(b, "]\n", 2);
}

void mgmt_format_time(int64_t us, char *buf, size_t cap)
{
	int64_t secs = us / 1000000;
	int64_t micros = us % 1000000;
	struct tm tm;

	if (micros < 0) {
		micros += 1000000;
		secs--;
	}
	time_t t = (time_t)secs;
	gmtime_r(&t, &tm);

	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	if (micros != 0)
		snprintf(buf + n, cap - n, ".%06" PRId64 "Z", micros);
	else
		snprintf(buf + n, cap - n, "Z");
}

static void put_time(struct ybuf *b, const char *indent, const char *key, int64_t us)
{
	char text[48];

	mgmt_format_time(us, text, sizeof(text));
	put_string(b, indent, key, text);
}

static void put_oid(struct ybuf *b, const char *indent, const char *key,
		    const struct etsi_oid *oid)
{
	char text[ETSI_OID_MAX_ARCS * 11 + 1];

	if (etsi_oid_format(oid, text, sizeof(text)) != ETSI_OK) {
		b->failed = true;
		return;
	}
	put_string(b, indent, key, text);
}

/* ---- JSON entries ---- */

static void put_json_value(struct ybuf *b, const struct json_value *v);

static void put_json_array(struct ybuf *b, const struct json_value *v)
{
	ybuf_put(b, "[", 1);
	for (size_t i = 0; i < v->n_items; i++) {
		if (i > 0)
			ybuf_put(b, ", ", 2);
		put_json_value(b, &v->items[i]);
	}
	ybuf_put(b, "]", 1);
}

static void put_json_object(struct ybuf *b, const struct json_value *v)
{
	ybuf_put(b, "{", 1);
	for (size_t i = 0; i < v->n_members; i++) {
		if (i > 0)
			ybuf_put(b, ", ", 2);
		put_quoted(b, v->members[i].key, v->members[i].key_len);
		ybuf_put(b, ": ", 2);
		put_json_value(b, &v->members[i].value);
	}
	ybuf_put(b, "}", 1);
}

/* Writes a JSON value in YAML flow style, which the loader reads back. */
static void put_json_value(struct ybuf *b, const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		ybuf_put(b, "null", 4);
		break;
	case JSON_BOOL:
		ybuf_printf(b, "%s", v->boolean ? "true" : "false");
		break;
	case JSON_NUMBER:
		if (v->is_integer)
			ybuf_printf(b, "%" PRId64, v->integer);
		else
			ybuf_printf(b, "%.17g", v->number);
		break;
	case JSON_STRING:
		put_quoted(b, v->string, v->string_len);
		break;
	case JSON_ARRAY:
		put_json_array(b, v);
		break;
	case JSON_OBJECT:
		put_json_object(b, v);
		break;
	}
}

/* Writes a JSON object as one block-style entry of a YAML list. */
static void put_json_entry(struct ybuf *b, const struct json_value *entry)
{
	if (entry->n_members == 0) {
		ybuf_put(b, "  - {}\n", 7);
		return;
	}
	for (size_t i = 0; i < entry->n_members; i++) {
		ybuf_put(b, i == 0 ? "  - " : "    ", 4);
		put_quoted(b, entry->members[i].key, entry->members[i].key_len);
		ybuf_put(b, ": ", 2);
		put_json_value(b, &entry->members[i].value);
		ybuf_put(b, "\n", 1);
	}
}

/* ---- Configuration ---- */

static void put_intercept(struct ybuf *b, const struct lime_intercept *ic)
{
	put_string(b, "  - ", "liid", ic->liid);
	put_string_list(b, "    ", "targets", ic->targets, ic->n_targets);
	if (ic->start_us != INT64_MIN)
		put_time(b, "    ", "start", ic->start_us);
	if (ic->end_us != INT64_MAX)
		put_time(b, "    ", "end", ic->end_us);
	put_string(b, "    ", "agency", ic->agency);
}

static void put_agency(struct ybuf *b, const struct lime_agency *ag)
{
	const char *in = "    ";

	put_string(b, "  - ", "name", ag->name);
	put_string(b, in, "hi2", ag->hi2);
	put_string(b, in, "hi3", ag->hi3);
	ybuf_printf(b, "%s%s: %s\n", in, "tls", ag->tls ? "true" : "false");
	put_string(b, in, "ca_file", ag->ca_file);
	put_string(b, in, "cert_file", ag->cert_file);
	put_string(b, in, "key_file", ag->key_file);
	put_string(b, in, "authorization_country", ag->authorization_country);
	put_string(b, in, "delivery_country", ag->delivery_country);
	put_string(b, in, "operator_id", ag->operator_id);
	put_string(b, in, "network_element_id", ag->network_element_id);
	put_number(b, in, "keepalive_s", ag->keepalive_s);
	put_oid(b, in, "oid_domain_id", &ag->oids.domain_id);
	put_oid(b, in, "oid_ipmm_iri", &ag->oids.ipmm_iri);
	put_oid(b, in, "oid_ipmm_cc", &ag->oids.ipmm_cc);
}

/* Calls put_entry for each entry of a list, with the edit applied. */
static void put_list(struct ybuf *b, const char *key, size_t n,
		     const struct mgmt_edit *edit, enum mgmt_list list,
		     void (*put_entry)(struct ybuf *, const void *, size_t),
		     const void *entries)
{
	bool edited = edit != NULL && edit->list == list;

	ybuf_printf(b, "%s:\n", key);
	for (size_t i = 0; i < n; i++) {
		if (edited && edit->index == i) {
			if (edit->entry != NULL)
				put_json_entry(b, edit->entry);
			continue;
		}
		put_entry(b, entries, i);
	}
	if (edited && edit->index == SIZE_MAX && edit->entry != NULL)
		put_json_entry(b, edit->entry);
}

static void put_intercept_at(struct ybuf *b, const void *entries, size_t i)
{
	put_intercept(b, &((const struct lime_intercept *)entries)[i]);
}

static void put_agency_at(struct ybuf *b, const void *entries, size_t i)
{
	put_agency(b, &((const struct lime_agency *)entries)[i]);
}

/* The key goes through the loader as zeros (see mgmt_candidate_build()). */
static void put_kms(struct ybuf *b, const struct lime_kms_config *kms)
{
	const char *in = "  ";

	if (!kms->present)
		return;
	ybuf_printf(b, "%s:\n", "kms");
	put_string(b, in, "url", kms->url);
	put_string(b, in, "ca_file", kms->ca_file);
	put_string(b, in, "cert_file", kms->cert_file);
	put_string(b, in, "key_file", kms->key_file);
	put_string(b, in, "identity", kms->identity);
	put_string(b, in, "kms_identity", kms->kms_identity);
	ybuf_printf(b, "%s%s: \"", in, "psk_hex");
	for (size_t i = 0; i < kms->psk_len; i++)
		ybuf_put(b, "00", 2);
	ybuf_put(b, "\"\n", 2);
	put_number(b, in, "timeout_ms", kms->timeout_ms);
	put_number(b, in, "skew_s", kms->skew_s);
	put_number(b, in, "rate_limit", kms->rate_limit);
	put_number(b, in, "source_rate_limit", kms->source_rate_limit);
	put_number(b, in, "retries", kms->retries);
	put_string(b, in, "mode", kms->mode);
}

static void put_management(struct ybuf *b, const struct lime_management_config *mg)
{
	const char *in = "  ";

	if (!mg->present)
		return;
	ybuf_printf(b, "%s:\n", "management");
	put_string(b, in, "listen", mg->listen);
	put_string(b, in, "cert_file", mg->cert_file);
	put_string(b, in, "key_file", mg->key_file);
	put_string(b, in, "client_ca_file", mg->client_ca_file);
	put_string(b, in, "audit_file", mg->audit_file);
	put_number(b, in, "max_request_bytes", mg->max_request_bytes);
}

static void put_tuning(struct ybuf *b, const struct lime_config *cfg)
{
	put_number(b, "", "stats_interval_s", cfg->stats_interval_s);
	put_number(b, "", "mbufs", cfg->mbufs);
	put_number(b, "", "rx_ring_size", cfg->rx_ring_size);
	put_number(b, "", "sip_ring_size", cfg->sip_ring_size);
	put_number(b, "", "worker_ring_size", cfg->worker_ring_size);
	put_number(b, "", "max_flows", cfg->max_flows);
	put_number(b, "", "frag_max_datagrams", cfg->frag_max_datagrams);
	put_number(b, "", "frag_timeout_ms", cfg->frag_timeout_ms);
	put_number(b, "", "tcp_max_streams", cfg->tcp_max_streams);
	put_number(b, "", "tcp_max_stream_bytes", cfg->tcp_max_stream_bytes);
	put_number(b, "", "tcp_max_total_bytes", cfg->tcp_max_total_bytes);
	put_number(b, "", "tcp_idle_timeout_s", cfg->tcp_idle_timeout_s);
	put_number(b, "", "sip_max_message", cfg->sip_max_message);
	put_number(b, "", "vxlan_port", cfg->vxlan_port);
	put_number(b, "", "max_dialogs", cfg->max_dialogs);
	put_number(b, "", "dialog_timeout_s", cfg->dialog_timeout_s);
	put_number(b, "", "early_dialog_timeout_s", cfg->early_dialog_timeout_s);
	put_string(b, "", "metrics_listen", cfg->metrics_listen);
	put_number(b, "", "spool_quota_mb", cfg->spool_quota_mb);
	put_number(b, "", "keepalive_wait_s", cfg->keepalive_wait_s);
	put_number(b, "", "delivery_memory_mb", cfg->delivery_memory_mb);
	put_string(b, "", "io_backend", cfg->io_backend);
}

/*
 * Writes every key of cfg. NOTE: this lists the keys of config.c one by
 * one. A key missing here would silently fall back to its default in
 * every configuration the API applies, so tests/unit/test_mgmt_api.c
 * checks that each key name of config.c appears here in double quotes.
 */
static void put_config(struct ybuf *b, const struct lime_config *cfg,
		       const struct mgmt_edit *edit)
{
	put_string(b, "", "lcores", cfg->lcores);
	put_number(b, "", "workers", cfg->workers);
	put_string_list(b, "", "ports", cfg->ports, cfg->n_ports);
	ybuf_printf(b, "%s: [", "sip_ports");
	for (size_t i = 0; i < cfg->n_sip_ports; i++)
		ybuf_printf(b, "%s%u", i > 0 ? ", " : "", cfg->sip_ports[i]);
	ybuf_put(b, "]\n", 2);
	put_kms(b, &cfg->kms);
	put_list(b, "intercepts", cfg->n_intercepts, edit, MGMT_INTERCEPTS,
		 put_intercept_at, cfg->intercepts);
	put_list(b, "agencies", cfg->n_agencies, edit, MGMT_AGENCIES,
		 put_agency_at, cfg->agencies);
	put_string(b, "", "spool_dir", cfg->spool_dir);
	put_string_list(b, "", "eal_args", cfg->eal_args, cfg->n_eal_args);
	put_tuning(b, cfg);
	put_management(b, &cfg->management);
}

/* Drops the "line N: " prefix, because N is a line of the internal YAML. */
static void strip_line_prefix(char *err)
{
	size_t digits;

	if (strncmp(err, "line ", 5) != 0)
		return;
	digits = strspn(err + 5, "0123456789");
	if (digits == 0 || strncmp(err + 5 + digits, ": ", 2) != 0)
		return;
	memmove(err, err + 5 + digits + 2, strlen(err + 5 + digits + 2) + 1);
}

struct lime_config *mgmt_candidate_build(const struct lime_config *base,
					 const struct mgmt_edit *edit,
					 char *err, size_t err_len)
{
	struct ybuf b = {0};
	struct lime_config *cfg;

	put_config(&b, base, edit);
	if (b.failed) {
		ybuf_wipe(&b);
		snprintf(err, err_len, "out of memory while building the configuration");
		return NULL;
	}

	cfg = lime_config_load_buffer(b.data, b.len, err, err_len);
	ybuf_wipe(&b);
	if (cfg == NULL) {
		strip_line_prefix(err);
		return NULL;
	}

	/* The loader accepted the placeholder, so the lengths agree. */
	if (base->kms.present && cfg->kms.psk_len == base->kms.psk_len)
		memcpy(cfg->kms.psk, base->kms.psk, base->kms.psk_len);
	return cfg;
}
