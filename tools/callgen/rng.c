/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/rng.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void cg_rng_seed(struct cg_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t mixer = stream;
	uint64_t state = seed ^ splitmix64(&mixer);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&state);
}

uint64_t cg_rng_next(struct cg_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotate_left(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotate_left(s[3], 45);
	return result;
}

uint32_t cg_rng_below(struct cg_rng *r, uint32_t n)
{
	/* Multiply-shift maps 64 random bits onto [0, n) without division. */
	return (uint32_t)(((cg_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

int64_t cg_rng_range(struct cg_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0)
		return (int64_t)cg_rng_next(r);
	return lo + (int64_t)(cg_rng_next(r) % span);
}

double cg_rng_unit(struct cg_rng *r)
{
	return (double)(cg_rng_next(r) >> 11) * 0x1.0p-53;
}

void cg_rng_bytes(struct cg_rng *r, uint8_t *out, size_t len)
{
	while (len > 0) {
		uint64_t v = cg_rng_next(r);

		for (int i = 0; i < 8 && len > 0; i++, len--) {
			*out++ = (uint8_t)v;
			v >>= 8;
		}
	}
}

void cg_rng_hex(struct cg_rng *r, char *out, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
		out[i] = digits[cg_rng_below(r, 16)];
	out[len] = '\0';
}
