/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/intercept.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util/log.h"
#include "tools/lemf/cc_pcap.h"
#include "tools/lemf/lemf.h"
#include "tools/lemf/rtp.h"

/* A WAV file with no samples for this long is closed; it reopens on the
 * next sample and continues where it stopped. */
#define AUDIO_IDLE_CLOSE_S 30

static const char *out_root;
static struct intercept *intercepts;

const char *direction_name(int direction)
{
	switch (direction) {
	case 0:
		return "fromTarget";
	case 1:
		return "toTarget";
	case 2:
		return "indeterminate";
	case 3:
		return "combined";
	case 4:
		return "notApplicable";
	}
	return "unknown";
}

void intercepts_init(const char *out_dir)
{
	out_root = out_dir;
}

struct intercept *intercepts_first(void)
{
	return intercepts;
}

/*
 * Makes a folder name from LIID bytes. Letters, digits, '-', '_' and '.'
 * stay. Every other byte, and a leading '.', becomes %XX, so that no LIID
 * can leave the output folder or collide with another.
 */
static void liid_folder_name(const uint8_t *liid, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = liid[i];
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    (c == '.' && i > 0);

		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0x0f];
		}
	}
	out[o] = '\0';
}

struct intercept *intercept_get(const uint8_t *liid, size_t len)
{
	for (struct intercept *ic = intercepts; ic != NULL; ic = ic->next) {
		if (ic->liid_len == len && memcmp(ic->liid, liid, len) == 0)
			return ic;
	}
	if (len == 0 || len > INTERCEPT_LIID_MAX) {
		LOG_WARN("LIID of %zu bytes is outside 1..%d; its records are not written",
			 len, INTERCEPT_LIID_MAX);
		return NULL;
	}

	struct intercept *ic = calloc(1, sizeof(*ic));

	if (ic == NULL) {
		LOG_ERR("out of memory for a new intercept");
		return NULL;
	}
	memcpy(ic->liid, liid, len);
	ic->liid_len = len;
	liid_folder_name(liid, len, ic->name);
	if (asprintf(&ic->dir, "%s/%s", out_root, ic->name) < 0) {
		free(ic);
		LOG_ERR("out of memory for a new intercept");
		return NULL;
	}
	if (mkdir(ic->dir, 0755) != 0 && errno != EEXIST) {
		LOG_ERR("LIID %s: cannot create folder %s: %s",
			ic->name, ic->dir, strerror(errno));
		free(ic->dir);
		free(ic);
		lemf_counters.output_errors++;
		return NULL;
	}
	seq_table_init(&ic->iri_seq);
	seq_table_init(&ic->cc_seq);
	ic->next = intercepts;
	intercepts = ic;
	LOG_INFO("LIID %s: new intercept, writing to %s", ic->name, ic->dir);
	return ic;
}

FILE *intercept_iri_file(struct intercept *ic)
{
	if (ic->iri != NULL)
		return ic->iri;

	char *path;

	if (asprintf(&path, "%s/iri.jsonl", ic->dir) < 0)
		return NULL;
	ic->iri = fopen(path, "a");
	if (ic->iri == NULL) {
		LOG_ERR("LIID %s: cannot open %s: %s", ic->name, path, strerror(errno));
		lemf_counters.output_errors++;
	}
	free(path);
	return ic->iri;
}

FILE *intercept_cc_file(struct intercept *ic)
{
	if (ic->cc != NULL)
		return ic->cc;

	char *path;

	if (asprintf(&path, "%s/cc.pcap", ic->dir) < 0)
		return NULL;
	ic->cc = cc_pcap_open(path);
	if (ic->cc == NULL) {
		LOG_ERR("LIID %s: cannot open %s: %s", ic->name, path, strerror(errno));
		lemf_counters.output_errors++;
	}
	free(path);
	return ic->cc;
}

static struct audio_stream *find_stream(struct intercept *ic, uint32_t cin,
					int direction, uint32_t ssrc)
{
	struct audio_stream **link = &ic->streams;

	for (struct audio_stream *s = ic->streams; s != NULL; s = s->next) {
		if (s->cin == cin && s->ssrc == ssrc && s->direction == direction) {
			/* Move to the front: active streams stay cheap to find. */
			*link = s->next;
			s->next = ic->streams;
			ic->streams = s;
			return s;
		}
		link = &s->next;
	}
	return NULL;
}

static int open_stream_file(struct intercept *ic, struct audio_stream *s)
{
	char *path;
	uint16_t format = s->payload_type == RTP_PT_PCMU ? WAV_FORMAT_MULAW
							 : WAV_FORMAT_ALAW;

	if (asprintf(&path, "%s/%u-%08x-%s.wav", ic->dir, (unsigned)s->cin,
		     (unsigned)s->ssrc, direction_name(s->direction)) < 0)
		return -1;
	int rc = wav_open(&s->wav, path, format);

	if (rc != 0) {
		LOG_ERR("LIID %s: cannot open %s: %s", ic->name, path, strerror(errno));
		lemf_counters.output_errors++;
		s->wav.fd = -1;
	}
	free(path);
	return rc;
}

int intercept_add_audio(struct intercept *ic, uint32_t cin, int direction,
			uint32_t ssrc, uint8_t payload_type,
			const uint8_t *samples, size_t n)
{
	struct audio_stream *s = find_stream(ic, cin, direction, ssrc);

	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL) {
			LOG_ERR("LIID %s: out of memory for a new audio stream", ic->name);
			return -1;
		}
		s->cin = cin;
		s->ssrc = ssrc;
		s->direction = direction;
		s->payload_type = payload_type;
		s->wav.fd = -1;
		s->next = ic->streams;
		ic->streams = s;
		ic->n_streams++;
		LOG_INFO("LIID %s: CIN %u: new %s stream SSRC %08x %s",
			 ic->name, (unsigned)cin,
			 payload_type == RTP_PT_PCMU ? "PCMU" : "PCMA",
			 (unsigned)ssrc, direction_name(direction));
	}
	if (payload_type != s->payload_type) {
		/* One WAV file has one format; keep the first one. */
		if (s->packets_other_type++ == 0)
			LOG_WARN("LIID %s: CIN %u: SSRC %08x changed from payload type %u to %u; packets of the new type are not written",
				 ic->name, (unsigned)cin, (unsigned)ssrc,
				 s->payload_type, payload_type);
		return 0;
	}
	if (s->wav.fd < 0 && open_stream_file(ic, s) != 0)
		return -1;
	if (wav_append(&s->wav, samples, n) != 0) {
		LOG_ERR("LIID %s: CIN %u: writing SSRC %08x audio failed: %s",
			ic->name, (unsigned)cin, (unsigned)ssrc, strerror(errno));
		lemf_counters.output_errors++;
		return -1;
	}
	s->samples += n;
	ic->audio_samples += n;
	s->last_write = time(NULL);
	return 0;
}

static void close_stream_file(struct intercept *ic, struct audio_stream *s)
{
	if (s->wav.fd < 0)
		return;
	if (wav_close(&s->wav) != 0) {
		LOG_ERR("LIID %s: CIN %u: closing the WAV file of SSRC %08x failed: %s",
			ic->name, (unsigned)s->cin, (unsigned)s->ssrc, strerror(errno));
		lemf_counters.output_errors++;
	}
}

void intercepts_tick(time_t now)
{
	for (struct intercept *ic = intercepts; ic != NULL; ic = ic->next) {
		for (struct audio_stream *s = ic->streams; s != NULL; s = s->next) {
			if (s->wav.fd < 0)
				continue;
			if (now - s->last_write >= AUDIO_IDLE_CLOSE_S) {
				close_stream_file(ic, s);
			} else if (wav_sync(&s->wav) != 0) {
				LOG_ERR("LIID %s: updating the WAV header of SSRC %08x failed: %s",
					ic->name, (unsigned)s->ssrc, strerror(errno));
				lemf_counters.output_errors++;
			}
		}
	}
}

void intercepts_close_all(void)
{
	struct intercept *ic = intercepts;

	while (ic != NULL) {
		struct intercept *next = ic->next;
		struct audio_stream *s = ic->streams;

		while (s != NULL) {
			struct audio_stream *s_next = s->next;

			close_stream_file(ic, s);
			free(s);
			s = s_next;
		}
		if (ic->iri != NULL && fclose(ic->iri) != 0)
			lemf_counters.output_errors++;
		if (ic->cc != NULL && fclose(ic->cc) != 0)
			lemf_counters.output_errors++;
		seq_table_free(&ic->iri_seq);
		seq_table_free(&ic->cc_seq);
		free(ic->dir);
		free(ic);
		ic = next;
	}
	intercepts = NULL;
}
