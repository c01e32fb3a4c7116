/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/audio.h"

#include <stdbool.h>

#define SAMPLE_RATE 8000

static const struct cg_codec_info codecs[] = {
	[CG_CODEC_PCMU] = { "pcmu", "PCMU/8000", 0, 8, 8 },
	[CG_CODEC_PCMA] = { "pcma", "PCMA/8000", 8, 8, 8 },
	/* G.722 samples at 16 kHz but its RTP clock runs at 8000 Hz
	 * (RFC 3551 4.5.2); 64 kbit/s is 8 bytes per millisecond. */
	[CG_CODEC_WIDEBAND] = { "wideband", "G722/8000", 9, 8, 8 },
};

const struct cg_codec_info *cg_codec_info(enum cg_codec codec)
{
	return &codecs[codec];
}

/* Full scale / 4: 12 dB below full scale. */
#define TONE_AMPLITUDE 8192

static int16_t pcm_table[SAMPLE_RATE];
static uint8_t ulaw_table[SAMPLE_RATE];
static uint8_t alaw_table[SAMPLE_RATE];
static bool tables_ready;

/*
 * One period of the parabola 4x(1 - |x|) over x in [-1, 1) follows a sine
 * within 6 percent of full scale, which is a clean enough tone to hear.
 */
static int16_t parabola(uint32_t phase)
{
	int32_t x = (int32_t)((phase * 65536u) / SAMPLE_RATE) - 32768;   /* -pi .. pi */
	int32_t magnitude = x < 0 ? -x : x;
	int32_t y = (int32_t)(((int64_t)x * (32768 - magnitude)) >> 13);

	return (int16_t)(((int64_t)y * TONE_AMPLITUDE) >> 15);
}

static void build_tables(void)
{
	for (uint32_t phase = 0; phase < SAMPLE_RATE; phase++) {
		pcm_table[phase] = parabola(phase);
		ulaw_table[phase] = cg_g711_ulaw(pcm_table[phase]);
		alaw_table[phase] = cg_g711_alaw(pcm_table[phase]);
	}
	tables_ready = true;
}

void cg_tone_init(struct cg_tone *t, uint32_t hz)
{
	if (!tables_ready)
		build_tables();
	t->phase = 0;
	t->hz = hz % SAMPLE_RATE;
}

static uint32_t advance(struct cg_tone *t)
{
	uint32_t phase = t->phase;

	t->phase += t->hz;
	if (t->phase >= SAMPLE_RATE)
		t->phase -= SAMPLE_RATE;
	return phase;
}

int16_t cg_tone_next(struct cg_tone *t)
{
	return pcm_table[advance(t)];
}

/*
 * G.711 mu-law on the 14-bit magnitude plus the bias of 33: eight
 * segments of 16 steps, code bits inverted. Negative samples are taken in
 * one's complement, so that x and -1 - x get the same code but the sign.
 */
uint8_t cg_g711_ulaw(int16_t sample)
{
	int32_t magnitude = ((sample < 0 ? ~(int32_t)sample : (int32_t)sample) >> 2) + 33;
	int segment = 1;
	uint8_t code;

	if (magnitude > 8191)
		magnitude = 8191;
	for (int32_t rest = magnitude >> 6; rest != 0; rest >>= 1)
		segment++;
	code = (uint8_t)((8 - segment) << 4 | (0x0f - ((magnitude >> segment) & 0x0f)));
	return sample >= 0 ? (uint8_t)(code | 0x80) : code;
}

/* G.711 A-law on the 13-bit magnitude; even bits are inverted (XOR 0x55). */
uint8_t cg_g711_alaw(int16_t sample)
{
	int32_t v = sample >> 3;
	uint8_t sign = 0x80;
	int segment = 0;

	if (v < 0) {
		v = -v - 1;
		sign = 0;
	}
	if (v > 4095)
		v = 4095;
	while (segment < 7 && v >= (32 << segment))
		segment++;

	int shift = segment == 0 ? 1 : segment;

	return (uint8_t)((sign | segment << 4 | ((v >> shift) & 0x0f)) ^ 0x55);
}

void cg_audio_fill(enum cg_codec codec, struct cg_tone *tone,
		   struct cg_rng *rng, uint8_t *out, size_t len)
{
	switch (codec) {
	case CG_CODEC_PCMU:
		for (size_t i = 0; i < len; i++)
			out[i] = ulaw_table[advance(tone)];
		break;
	case CG_CODEC_PCMA:
		for (size_t i = 0; i < len; i++)
			out[i] = alaw_table[advance(tone)];
		break;
	case CG_CODEC_WIDEBAND:
		cg_rng_bytes(rng, out, len);
		break;
	}
}
