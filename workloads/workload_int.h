/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * workloads internals: the PRNG, the zipf sampler and the page permutation.
 * Not for use outside workloads/.
 */
#ifndef WORKLOADS_WORKLOAD_INT_H
#define WORKLOADS_WORKLOAD_INT_H

#include <stdint.h>

#include "sim/core/core.h"
#include "workloads/workload.h"

/* The engine's seeded stream (xoshiro256** through splitmix64, sim/core):
 * stream 0 of a seed, so a generator's output depends on its seed alone. */
#define prng rng
static inline void prng_seed(struct rng *r, uint64_t seed)
{
	rng_seed(r, seed, 0);
}

static inline uint64_t prng_next(struct rng *r)
{
	return rng_next(r);
}

/* Uniform in [0, n), n >= 1: Lemire's multiply-high (bias < n / 2^64). */
static inline uint64_t prng_below(struct prng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)prng_next(r) * n) >> 64);
}

/* Uniform double in [0, 1). */
static inline double prng_unit(struct prng *r)
{
	return (double)(prng_next(r) >> 11) * 0x1p-53;
}

/* Zipf over ranks 1..n, P(k) ~ k^-s: rejection-inversion (Hörmann and
 * Derflinger, 1996), O(1) per sample for any n and any s > 0, s = 1 too. */
struct zipf {
	uint64_t n;
	double s;
	double hx1;		/* H(1.5) - h(1) */
	double hn;		/* H(n + 0.5) */
	double squeeze;		/* accept k without the test when k - x <= this */
};

void zipf_init(struct zipf *z, uint64_t n, double s);
uint64_t zipf_sample(const struct zipf *z, struct prng *r);

/* A seeded bijection of [0, n): an invertible mix on the next power of two,
 * cycle-walked back into range. */
struct perm {
	uint64_t n, mask;
	unsigned shift;
	uint64_t mul1, mul2, add;
};

void perm_init(struct perm *p, uint64_t n, struct prng *r);
uint64_t perm_apply(const struct perm *p, uint64_t x);

#endif /* WORKLOADS_WORKLOAD_INT_H */
