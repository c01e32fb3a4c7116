/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_INTERCEPT_H
#define LIME_TOOLS_LEMF_INTERCEPT_H

/*
 * Per-LIID state: the output folder DIR/<LIID> with iri.jsonl, cc.pcap and
 * the WAV files, the sequence checks and the counters for summary.json.
 * Files are opened on the first record that needs them.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tools/lemf/seqcheck.h"
#include "tools/lemf/wav.h"

/* Longest LIID accepted; ETSI TS 102 232-1 allows 25 bytes. */
#define INTERCEPT_LIID_MAX 64

/* One G.711 stream: (CIN, SSRC, direction) of an intercept. */
struct audio_stream {
	uint32_t cin;
	uint32_t ssrc;
	int direction;
	uint8_t payload_type;      /* of the first packet; fixes the WAV format */
	struct wav_file wav;       /* fd -1 while closed for being idle */
	time_t last_write;
	uint64_t samples;
	uint64_t packets_other_type;
	struct audio_stream *next;
};

struct intercept {
	uint8_t liid[INTERCEPT_LIID_MAX];
	size_t liid_len;
	char name[INTERCEPT_LIID_MAX * 3 + 1];  /* folder name, also used in logs */
	char *dir;
	FILE *iri;
	FILE *cc;
	struct seq_table iri_seq;
	struct seq_table cc_seq;
	uint64_t iri_records;      /* lines written to iri.jsonl */
	uint64_t alarms;
	uint64_t cc_records;       /* records written to cc.pcap */
	uint64_t cc_not_rtp;       /* CC packets with no G.711 RTP in them */
	uint64_t audio_samples;
	struct audio_stream *streams;
	size_t n_streams;
	struct intercept *next;
};

/* Returns the ASN.1 name of a CCPayload payloadDirection value. */
const char *direction_name(int direction);

/* Sets the output folder; the string must outlive every intercept. */
void intercepts_init(const char *out_dir);

/* Returns the intercept of liid, creating it and its folder on first use,
 * or NULL after logging why it could not (LIID too long, folder error). */
struct intercept *intercept_get(const uint8_t *liid, size_t len);

/* Returns the first intercept; follow ->next for the rest. */
struct intercept *intercepts_first(void);

/* Opens iri.jsonl or cc.pcap on first use. Return NULL after logging. */
FILE *intercept_iri_file(struct intercept *ic);
FILE *intercept_cc_file(struct intercept *ic);

/* Appends the RTP payload of a G.711 packet to the stream's WAV file.
 * Returns 0 or -1 after logging an output error. */
int intercept_add_audio(struct intercept *ic, uint32_t cin, int direction,
			uint32_t ssrc, uint8_t payload_type,
			const uint8_t *samples, size_t n);

/* Fixes up WAV headers written since the last call and closes WAV files
 * idle for a while, so that open files stay bounded. */
void intercepts_tick(time_t now);

/* Closes every file, fixing up WAV headers, and frees the state. */
void intercepts_close_all(void);

#endif
