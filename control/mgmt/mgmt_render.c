/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_render.h"

#include <stdio.h>
#include <stdlib.h>

#include "control/mgmt/mgmt_yaml.h"
#include "lib/etsi/etsi.h"
#include "lib/util/json.h"

typedef void (*render_fn)(struct json_writer *w, const void *arg);

/* Runs fn with a writer on a memory stream. Returns 0, or -1. */
static int render(render_fn fn, const void *arg, char **out, size_t *len)
{
	struct json_writer w;
	FILE *f = open_memstream(out, len);

	if (f == NULL)
		return -1;
	json_writer_init(&w, f, false);
	fn(&w, arg);
	int wellformed = json_writer_finish(&w);
	fputc('\n', f);
	if (fclose(f) != 0 || wellformed != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void optional_string(struct json_writer *w, const char *key, const char *value)
{
	if (value != NULL)
		json_string(w, key, value);
}

static void time_member(struct json_writer *w, const char *key, int64_t us)
{
	char text[48];

	mgmt_format_time(us, text, sizeof(text));
	json_string(w, key, text);
}

static void oid_member(struct json_writer *w, const char *key, const struct etsi_oid *oid)
{
	char text[ETSI_OID_MAX_ARCS * 11 + 1];

	if (etsi_oid_format(oid, text, sizeof(text)) == ETSI_OK)
		json_string(w, key, text);
}

static void intercept_object(struct json_writer *w, const char *key,
			     const struct lime_intercept *ic)
{
	json_object_begin(w, key);
	json_string(w, "liid", ic->liid);
	json_array_begin(w, "targets");
	for (size_t i = 0; i < ic->n_targets; i++)
		json_string(w, NULL, ic->targets[i]);
	json_array_end(w);
	if (ic->start_us != INT64_MIN)
		time_member(w, "start", ic->start_us);
	if (ic->end_us != INT64_MAX)
		time_member(w, "end", ic->end_us);
	json_string(w, "agency", ic->agency);
	json_object_end(w);
}

/* File paths are shown, but never the contents of the files. */
static void agency_object(struct json_writer *w, const char *key,
			  const struct lime_agency *ag)
{
	json_object_begin(w, key);
	json_string(w, "name", ag->name);
	json_string(w, "hi2", ag->hi2);
	json_string(w, "hi3", ag->hi3);
	json_bool(w, "tls", ag->tls);
	optional_string(w, "ca_file", ag->ca_file);
	optional_string(w, "cert_file", ag->cert_file);
	optional_string(w, "key_file", ag->key_file);
	optional_string(w, "authorization_country", ag->authorization_country);
	optional_string(w, "delivery_country", ag->delivery_country);
	optional_string(w, "operator_id", ag->operator_id);
	optional_string(w, "network_element_id", ag->network_element_id);
	json_u64(w, "keepalive_s", ag->keepalive_s);
	oid_member(w, "oid_domain_id", &ag->oids.domain_id);
	oid_member(w, "oid_ipmm_iri", &ag->oids.ipmm_iri);
	oid_member(w, "oid_ipmm_cc", &ag->oids.ipmm_cc);
	json_object_end(w);
}

static void write_intercept(struct json_writer *w, const void *arg)
{
	intercept_object(w, NULL, arg);
}

static void write_agency(struct json_writer *w, const void *arg)
{
	agency_object(w, NULL, arg);
}

static void write_intercepts(struct json_writer *w, const void *arg)
{
	const struct lime_config *cfg = arg;

	json_object_begin(w, NULL);
	json_array_begin(w, "intercepts");
	for (size_t i = 0; i < cfg->n_intercepts; i++)
		intercept_object(w, NULL, &cfg->intercepts[i]);
	json_array_end(w);
	json_object_end(w);
}

static void write_agencies(struct json_writer *w, const void *arg)
{
	const struct lime_config *cfg = arg;

	json_object_begin(w, NULL);
	json_array_begin(w, "agencies");
	for (size_t i = 0; i < cfg->n_agencies; i++)
		agency_object(w, NULL, &cfg->agencies[i]);
	json_array_end(w);
	json_object_end(w);
}

static void write_error(struct json_writer *w, const void *arg)
{
	json_object_begin(w, NULL);
	json_string(w, "error", arg);
	json_object_end(w);
}

int mgmt_render_intercept(const struct lime_intercept *ic, char **out, size_t *len)
{
	return render(write_intercept, ic, out, len);
}

int mgmt_render_agency(const struct lime_agency *ag, char **out, size_t *len)
{
	return render(write_agency, ag, out, len);
}

int mgmt_render_list(const struct lime_config *cfg, bool intercepts, char **out, size_t *len)
{
	return render(intercepts ? write_intercepts : write_agencies, cfg, out, len);
}

int mgmt_render_error(const char *message, char **out, size_t *len)
{
	return render(write_error, message, out, len);
}
