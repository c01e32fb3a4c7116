/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/json.h"
#include "lib/util/log.h"
#include "tools/lemf/intercept.h"
#include "tools/lemf/lemf.h"

static void write_seq_stats(struct json_writer *w, const char *key,
			    const struct seq_table *t)
{
	json_object_begin(w, key);
	json_u64(w, "cins", t->n_cins);
	json_u64(w, "gaps", t->stats.gaps);
	json_u64(w, "missing", t->stats.missing);
	json_u64(w, "late", t->stats.late);
	json_u64(w, "duplicates", t->stats.duplicates);
	json_object_end(w);
}

static void write_intercept(struct json_writer *w, const struct intercept *ic)
{
	/* The folder name is the key: it is the LIID, with unsafe bytes as %XX. */
	json_object_begin(w, ic->name);
	json_u64(w, "iri_records", ic->iri_records);
	json_u64(w, "alarms", ic->alarms);
	json_u64(w, "cc_records", ic->cc_records);
	json_u64(w, "cc_not_g711_rtp", ic->cc_not_rtp);
	json_u64(w, "audio_streams", ic->n_streams);
	json_u64(w, "audio_samples", ic->audio_samples);
	write_seq_stats(w, "iri_sequence", &ic->iri_seq);
	write_seq_stats(w, "cc_sequence", &ic->cc_seq);
	json_object_end(w);
}

static void write_document(struct json_writer *w)
{
	const struct lemf_counters *k = &lemf_counters;

	json_object_begin(w, NULL);
	json_object_begin(w, "connections");
	json_u64(w, "hi2", k->connections[LEMF_HI2]);
	json_u64(w, "hi3", k->connections[LEMF_HI3]);
	json_u64(w, "closed_by_peer", k->connections_closed_by_peer);
	json_u64(w, "closed_on_error", k->connections_closed_on_error);
	json_u64(w, "open_at_exit", k->connections_open_at_exit);
	json_u64(w, "truncated_at_close", k->truncated_at_close);
	json_object_end(w);

	json_object_begin(w, "pdus");
	json_u64(w, "iri", k->pdus_iri);
	json_u64(w, "cc", k->pdus_cc);
	json_u64(w, "keepalive", k->pdus_keepalive);
	json_u64(w, "keepalive_response", k->pdus_keepalive_response);
	json_u64(w, "other", k->pdus_other);
	json_object_end(w);

	json_u64(w, "keepalives_answered", k->keepalives_answered);
	json_u64(w, "decode_errors", k->decode_errors);
	json_u64(w, "oversized_pdus", k->oversized_pdus);
	json_u64(w, "wrong_interface", k->wrong_interface);
	json_u64(w, "output_errors", k->output_errors);

	json_object_begin(w, "liids");
	for (const struct intercept *ic = intercepts_first(); ic != NULL; ic = ic->next)
		write_intercept(w, ic);
	json_object_end(w);
	json_object_end(w);
}

int summary_write(const char *out_dir)
{
	char *path = NULL;
	char *tmp = NULL;
	int rc = -1;

	if (asprintf(&path, "%s/summary.json", out_dir) < 0 ||
	    asprintf(&tmp, "%s/.summary.json.tmp", out_dir) < 0) {
		LOG_ERR("out of memory writing summary.json");
		goto out;
	}

	FILE *f = fopen(tmp, "w");

	if (f == NULL) {
		LOG_ERR("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}

	struct json_writer w;

	json_writer_init(&w, f, true);
	write_document(&w);
	int bad = json_writer_finish(&w);

	if (ferror(f))
		bad = -1;
	if (fclose(f) != 0 || bad != 0) {
		LOG_ERR("writing %s failed", tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		LOG_ERR("cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	LOG_INFO("wrote %s", path);
	rc = 0;
out:
	free(path);
	free(tmp);
	return rc;
}
