/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_WAV_H
#define LIME_TOOLS_LEMF_WAV_H

/*
 * WAV writer for 8-bit G.711 audio: 8000 Hz, one channel, and the samples
 * as they came in the RTP payload. The RIFF and data chunk sizes are
 * written again by wav_sync() and wav_close(), so a file is playable after
 * either.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WAVE format tags (RFC 2361): A-law 6 and mu-law 7. */
#define WAV_FORMAT_ALAW 6
#define WAV_FORMAT_MULAW 7

struct wav_file {
	int fd;
	uint16_t format;
	uint32_t data_bytes;
	bool dirty;                /* samples written since the last sync */
};

/*
 * Opens path for appending samples in format. An existing file with a
 * header of the same format is continued after its data; anything else is
 * replaced. Returns 0, or -1 with errno set.
 */
int wav_open(struct wav_file *w, const char *path, uint16_t format);

/* Appends n samples. Returns 0, or -1 with errno set (ERANGE when the
 * file would pass the 4 GiB limit of RIFF sizes). */
int wav_append(struct wav_file *w, const uint8_t *samples, size_t n);

/* Writes the header sizes for the data so far. Returns 0 or -1. */
int wav_sync(struct wav_file *w);

/* Syncs and closes. Returns 0 or -1 when the sync or close failed. */
int wav_close(struct wav_file *w);

#endif
