/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/debug_keys.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/util/json.h"

#define SHA256_LEN 32
#define CALL_ID_TEXT_MAX 256

/* The fields of one "keys" line. liids contains n_liids names. */
struct key_line {
	const char *call_id;
	size_t call_id_len;
	int64_t ts_us;
	const char *liids[INTERCEPT_MATCH_MAX];
	unsigned n_liids;
	uint32_t stream_id;
	const char *source;
};

/* Writes SHA-256(master key || master salt) of the first key as hex. The
 * digest is all that leaves this function. */
static void write_fingerprint(struct json_writer *w, const struct srtp_stream_keys *keys)
{
	static const char digits[] = "0123456789abcdef";
	size_t len = sdes_suite_key_salt_len(keys->suite);
	uint8_t digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	unsigned int digest_len = 0;

	if (len == 0 || len > sizeof(keys->key_salt[0]) ||
	    EVP_Digest(keys->key_salt[0], len, digest, &digest_len, EVP_sha256(),
		       NULL) != 1 || digest_len != SHA256_LEN) {
		json_string(w, "key_sha256", "");
		return;
	}
	for (size_t i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[2 * SHA256_LEN] = '\0';
	json_string(w, "key_sha256", hex);
}

static void write_line(FILE *out, const struct key_line *line,
		       const struct srtp_session_key *set)
{
	char call_id[CALL_ID_TEXT_MAX + 1];
	size_t id_len = line->call_id_len < CALL_ID_TEXT_MAX ? line->call_id_len :
			CALL_ID_TEXT_MAX;
	struct json_writer w;

	memcpy(call_id, line->call_id, id_len);
	call_id[id_len] = '\0';
	json_writer_init(&w, out, false);
	json_object_begin(&w, NULL);
	json_string(&w, "event", "keys");
	json_i64(&w, "ts_us", line->ts_us);
	json_string(&w, "call_id", call_id);
	json_array_begin(&w, "liids");
	for (unsigned i = 0; i < line->n_liids; i++)
		json_string(&w, NULL, line->liids[i]);
	json_array_end(&w);
	json_u64(&w, "stream", line->stream_id);
	json_string(&w, "source", line->source);
	json_string(&w, "suite", sdes_suite_name(set->keys.suite));
	if (set->has_ssrc)
		json_u64(&w, "ssrc", set->ssrc);
	/* Of several keys selected by MKI, only the first is fingerprinted. */
	if (set->keys.n_keys > 1)
		json_u64(&w, "mki_keys", set->keys.n_keys);
	write_fingerprint(&w, &set->keys);
	json_object_end(&w);
	json_writer_finish(&w);
	fputc('\n', out);
}

void debug_keys_sets(FILE *out, const struct dialog_tracker *dialogs,
		     const struct debug_key_sets *ev)
{
	struct key_line line = {
		.call_id = ev->call_id,
		.call_id_len = strlen(ev->call_id),
		.ts_us = ev->ts_us,
		.stream_id = ev->stream_id,
		.source = ev->source,
	};

	for (unsigned i = 0; i < ev->n_liids && i < INTERCEPT_MATCH_MAX; i++) {
		const char *name = dialog_liid_name(dialogs, ev->liid_ids[i]);
		if (name != NULL)
			line.liids[line.n_liids++] = name;
	}
	for (unsigned i = 0; i < ev->n_sets; i++)
		write_line(out, &line, &ev->sets[i]);
}

void debug_keys_sdes(FILE *out, const struct call_flow_event *ev,
		     uint32_t stream_id)
{
	struct srtp_session_key set;
	struct key_line line = {
		.call_id = ev->call_id,
		.call_id_len = ev->call_id_len,
		.ts_us = ev->ts_us,
		.stream_id = stream_id,
		.source = DEBUG_KEYS_SDES,
	};

	memset(&set, 0, sizeof(set));
	if (ev->crypto == NULL || !srtp_keys_from_sdes(ev->crypto, &set.keys))
		return;
	for (unsigned i = 0; i < ev->n_liids && i < INTERCEPT_MATCH_MAX; i++)
		line.liids[line.n_liids++] = ev->liids[i];
	write_line(out, &line, &set);
	OPENSSL_cleanse(&set, sizeof(set));
}
