/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_RNG_H
#define LIME_TOOLS_CALLGEN_RNG_H

/*
 * The seeded pseudorandom generator behind every choice lime-callgen
 * makes: xoshiro256** seeded through splitmix64. Each call, the arrival
 * process, the background traffic and the attacks draw from streams of
 * their own, so one call's bytes depend only on --seed, the options and
 * the call's index, never on the order in which calls interleave.
 *
 * Keys drawn from it are reproducible by design, so captures made with it
 * are test material and never protect real traffic.
 */

#include <stddef.h>
#include <stdint.h>

struct cg_rng {
	uint64_t s[4];
};

/* Stream numbers: a call's stream is CG_STREAM_CALL + its index. */
enum {
	CG_STREAM_ARRIVALS = 1,
	CG_STREAM_BACKGROUND = 2,
	CG_STREAM_FLOOD = 3,
	CG_STREAM_ATTACKS = 4,
	CG_STREAM_CALL = 1u << 20,
};

/* Seeds the generator for one stream of a run with this seed. */
void cg_rng_seed(struct cg_rng *r, uint64_t seed, uint64_t stream);

uint64_t cg_rng_next(struct cg_rng *r);

/* Returns a value in [0, n) for n >= 1; the bias is below 2^-32. */
uint32_t cg_rng_below(struct cg_rng *r, uint32_t n);

/* Returns a value in [lo, hi], both included. */
int64_t cg_rng_range(struct cg_rng *r, int64_t lo, int64_t hi);

/* Returns a value in [0, 1). */
double cg_rng_unit(struct cg_rng *r);

void cg_rng_bytes(struct cg_rng *r, uint8_t *out, size_t len);

/* Writes len random lowercase hex digits and a NUL (out needs len + 1). */
void cg_rng_hex(struct cg_rng *r, char *out, size_t len);

#endif
