// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zipf sampling by rejection-inversion, and the page permutation.
 *
 * Rejection-inversion draws x by inverting H, the integral of the continuous
 * hat h(x) = x^-s, over [1.5, n + 0.5], rounds it to k, and accepts k if the
 * area under h between k - 1/2 and k + 1/2 is covered.  The helpers keep H and
 * its inverse exact as s -> 1, where both tend to log and exp.
 */
#include <math.h>

#include "workloads/workload_int.h"

/* log1p(t) / t, continuous at t = 0. */
static double log1p_over(double t)
{
	return fabs(t) > 1e-8 ? log1p(t) / t : 1.0 - t / 2.0 + t * t / 3.0;
}

/* expm1(t) / t, continuous at t = 0. */
static double expm1_over(double t)
{
	return fabs(t) > 1e-8 ? expm1(t) / t : 1.0 + t / 2.0 + t * t / 6.0;
}

static double h(double s, double x)
{
	return exp(-s * log(x));
}

/* H(x) = (x^(1-s) - 1) / (1-s), or log x for s = 1. */
static double big_h(double s, double x)
{
	double lx = log(x);

	return expm1_over((1.0 - s) * lx) * lx;
}

static double big_h_inv(double s, double y)
{
	double t = (1.0 - s) * y;

	if (t < -1.0)	/* rounding at the edge of the domain */
		t = -1.0;
	return exp(log1p_over(t) * y);
}

void zipf_init(struct zipf *z, uint64_t n, double s)
{
	z->n = n;
	z->s = s;
	z->hx1 = big_h(s, 1.5) - 1.0;
	z->hn = big_h(s, (double)n + 0.5);
	z->squeeze = 2.0 - big_h_inv(s, big_h(s, 2.5) - h(s, 2.0));
}

uint64_t zipf_sample(const struct zipf *z, struct prng *r)
{
	for (;;) {
		double u = z->hn + prng_unit(r) * (z->hx1 - z->hn);
		double x = big_h_inv(z->s, u);
		double kd = floor(x + 0.5);
		uint64_t k;

		if (kd < 1.0)
			kd = 1.0;
		else if (kd > (double)z->n)
			kd = (double)z->n;
		k = (uint64_t)kd;
		if (kd - x <= z->squeeze || u >= big_h(z->s, kd + 0.5) - h(z->s, kd))
			return k;
	}
}

void perm_init(struct perm *p, uint64_t n, struct prng *r)
{
	unsigned bits = 0;

	while (bits < 64 && (1ull << bits) < n)
		bits++;
	p->n = n;
	p->mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
	p->shift = (bits + 1) / 2;
	p->mul1 = prng_next(r) | 1;	/* odd: invertible mod 2^bits */
	p->mul2 = prng_next(r) | 1;
	p->add = prng_next(r);
}

/* Each step is a bijection of [0, mask]: multiply by an odd number, add, and
 * xor-shift right by at least one bit.  Starting inside [0, n), the walk meets
 * a value below n again before it could cycle back to the start. */
static uint64_t mix(const struct perm *p, uint64_t x)
{
	x = (x * p->mul1 + p->add) & p->mask;
	x ^= x >> p->shift;
	x = (x * p->mul2) & p->mask;
	x ^= x >> p->shift;
	return x;
}

uint64_t perm_apply(const struct perm *p, uint64_t x)
{
	if (p->n <= 1)
		return 0;
	do
		x = mix(p, x);
	while (x >= p->n);
	return x;
}
