/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_AUDIO_H
#define LIME_TOOLS_CALLGEN_AUDIO_H

/*
 * RTP payload source: a tone per stream, so that decrypted G.711 streams
 * can be listened to. The tone is a whole number of hertz at 8000 samples
 * per second, so the phase of sample n is exactly (n * hz) mod 8000. The
 * samples come from one table of 8000 values computed with integer
 * arithmetic only, so they do not depend on the C library's sin(), and
 * G.711 encoding is a table lookup too.
 */

#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/rng.h"

enum cg_codec {
	CG_CODEC_PCMU,      /* G.711 mu-law, payload type 0 */
	CG_CODEC_PCMA,      /* G.711 A-law, payload type 8 */
	CG_CODEC_WIDEBAND,  /* G.722 framing, payload type 9, synthetic content */
};

struct cg_codec_info {
	const char *option_name;   /* as given to --codec */
	const char *rtpmap;        /* encoding name/clock rate of a=rtpmap */
	uint8_t payload_type;
	uint32_t payload_bytes_per_ms;
	uint32_t rtp_clock_per_ms; /* RTP timestamp units per millisecond */
};

const struct cg_codec_info *cg_codec_info(enum cg_codec codec);

/* A sine-like tone at 8000 samples per second, 12 dB below full scale. */
struct cg_tone {
	uint32_t phase;            /* 0 to 7999 */
	uint32_t hz;               /* 1 to 3999 */
};

void cg_tone_init(struct cg_tone *t, uint32_t hz);
int16_t cg_tone_next(struct cg_tone *t);

uint8_t cg_g711_ulaw(int16_t sample);
uint8_t cg_g711_alaw(int16_t sample);

/*
 * Fills one packet's payload: tone samples in G.711 for PCMU and PCMA,
 * bytes from rng for the wideband codec, whose content is not meant to
 * decode to sound.
 */
void cg_audio_fill(enum cg_codec codec, struct cg_tone *tone,
		   struct cg_rng *rng, uint8_t *out, size_t len);

#endif
