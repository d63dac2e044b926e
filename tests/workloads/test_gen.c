// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generators: exact addresses for seq and stride (computed by hand), the
 * shared/private layout, determinism per seed, bounds, write fractions, and
 * zipf's distribution against the exact probabilities.
 */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workloads/workload.h"
#include "workloads/workload_int.h"

static struct workload_params params(enum workload_pattern pat)
{
	struct workload_params p;

	workload_defaults(&p);
	p.pattern = pat;
	return p;
}

/* All COUNT records of P (malloc'd), generated in batches of BATCH. */
static struct trace_rec *gen_all(const struct workload_params *p, size_t batch)
{
	char err[256];
	struct workload_gen *g = workload_new(p, err, sizeof(err));
	struct trace_rec *v = malloc((p->count + 1) * sizeof(*v));
	size_t n = 0, got;

	if (!g)
		fail_msg("workload_new: %s", err);
	assert_non_null(v);
	while ((got = workload_fill(g, v + n, batch < p->count + 1 - n ? batch : p->count + 1 - n)))
		n += got;
	assert_int_equal(n, p->count);
	assert_int_equal(workload_fill(g, v, 1), 0);
	workload_free(g);
	return v;
}

static void expect_addrs(const struct workload_params *p, const uint64_t *want,
			 const unsigned *vcpu)
{
	struct trace_rec *v = gen_all(p, 3);

	for (size_t i = 0; i < p->count; i++) {
		if (v[i].addr != want[i])
			fail_msg("access %zu: 0x%llx, want 0x%llx", i,
				 (unsigned long long)v[i].addr, (unsigned long long)want[i]);
		assert_int_equal(v[i].vcpu, vcpu ? vcpu[i] : 0);
		assert_int_equal(v[i].size, p->size);
		assert_int_equal(v[i].kind, TRACE_READ);
		assert_int_equal(v[i].gap, 0);
	}
	free(v);
}

static void test_seq(void **state)
{
	struct workload_params p = params(WORKLOAD_SEQ);
	static const uint64_t want[] = {
		0x1000, 0x1008, 0x1010, 0x1018, 0x1020, 0x1028, 0x1030, 0x1038,
		0x1000, 0x1008,		/* 64 bytes = 8 slots: wraps */
	};

	p.ws = 64;
	p.size = 8;
	p.base = 0x1000;
	p.count = 10;
	expect_addrs(&p, want, NULL);
}

/* A size that does not divide the working set: the tail is never touched. */
static void test_seq_ragged(void **state)
{
	struct workload_params p = params(WORKLOAD_SEQ);
	static const uint64_t want[] = { 0, 24, 48, 0 };	/* 3 * 24 <= 80 */

	p.ws = 80;
	p.size = 24;
	p.count = 4;
	expect_addrs(&p, want, NULL);
}

static void test_stride(void **state)
{
	struct workload_params p = params(WORKLOAD_STRIDE);
	static const uint64_t want[] = {
		0x10000, 0x11000, 0x12000, 0x13000, 0x10000, 0x11000,
	};
	static const uint64_t want2[] = { 0, 4096, 8192, 0, 4096 };

	p.ws = 16384;
	p.stride = 4096;
	p.base = 0x10000;
	p.count = 6;
	expect_addrs(&p, want, NULL);
	/* 10000 bytes: offsets 0, 4096, 8192 (8192 + 8 <= 10000), then wrap */
	p.ws = 10000;
	p.base = 0;
	p.count = 5;
	expect_addrs(&p, want2, NULL);
}

/* Two vCPUs, nothing shared: private regions one after the other. */
static void test_vcpus_private(void **state)
{
	struct workload_params p = params(WORKLOAD_SEQ);
	static const uint64_t want[] = { 0x0, 0x2000, 0x40, 0x2040, 0x80, 0x2080 };
	static const unsigned vcpu[] = { 0, 1, 0, 1, 0, 1 };

	p.ws = 8192;
	p.size = 64;
	p.vcpus = 2;
	p.share = 0;
	p.count = 6;
	expect_addrs(&p, want, vcpu);
}

/* Half of a 16 KiB working set shared, one access per page (stride 4K):
 * offsets below 8K are the same memory for both vCPUs; vCPU 0's private half
 * is at 8K, vCPU 1's at 16K. */
static void test_vcpus_shared(void **state)
{
	struct workload_params p = params(WORKLOAD_SEQ);
	static const uint64_t want[] = {
		0x0, 0x0, 0x1000, 0x1000, 0x2000, 0x4000, 0x3000, 0x5000,
		0x0, 0x0,
	};
	static const unsigned vcpu[] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };

	p.ws = 16384;
	p.size = 64;
	p.vcpus = 2;
	p.share = 0.5;
	p.count = 10;
	p.pattern = WORKLOAD_STRIDE;
	p.stride = 4096;
	expect_addrs(&p, want, vcpu);
	/* share 1: everything the same for all */
	p.share = 1.0;
	{
		struct trace_rec *v = gen_all(&p, 100);

		for (size_t i = 0; i < p.count; i += 2)
			assert_int_equal(v[i].addr, v[i + 1].addr);
		free(v);
	}
}

/* Sharing is page-granular: 30% of 10 pages is 3 pages. */
static void test_share_rounding(void **state)
{
	struct workload_params p = params(WORKLOAD_UNIFORM);
	char err[256];
	struct workload_gen *g;
	uint64_t lo, hi;

	p.ws = 10 * 4096 + 100;
	p.vcpus = 3;
	p.share = 0.3;
	p.base = 0x100000;
	g = workload_new(&p, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(workload_addr(g, 2, 3 * 4096 - 1), 0x100000 + 3 * 4096 - 1);
	/* private: 7 pages + 100 bytes, rounded up to 8 pages per vCPU */
	assert_int_equal(workload_addr(g, 0, 3 * 4096), 0x100000 + 3 * 4096);
	assert_int_equal(workload_addr(g, 2, 3 * 4096), 0x100000 + 3 * 4096 + 2 * 8 * 4096);
	workload_span(g, &lo, &hi);
	assert_int_equal(lo, 0x100000);
	assert_int_equal(hi, 0x100000 + 3 * 4096 + 3 * 8 * 4096);
	workload_free(g);
}

/* Every access of every pattern lies inside its vCPU's working set. */
static void check_bounds(const struct workload_params *p)
{
	char err[256];
	struct workload_gen *g = workload_new(p, err, sizeof(err));
	struct trace_rec *v = gen_all(p, 1000);
	uint64_t shared = p->vcpus == 1 || p->share >= 1.0 ? p->ws :
			  (uint64_t)(p->share * (double)p->ws) / 4096 * 4096;

	assert_non_null(g);
	for (size_t i = 0; i < p->count; i++) {
		uint64_t a = v[i].addr, sh_end = p->base + shared;
		uint64_t pv = workload_addr(g, v[i].vcpu, shared);
		bool in_shared = a >= p->base && a + v[i].size <= sh_end;
		bool in_priv = a >= pv && a + v[i].size <= pv + (p->ws - shared);

		if (!in_shared && !in_priv)
			fail_msg("access %zu of vCPU %u at 0x%llx is outside its working set",
				 i, v[i].vcpu, (unsigned long long)a);
		assert_int_equal(a % p->size, p->base % p->size);
	}
	free(v);
	workload_free(g);
}

static void test_bounds(void **state)
{
	static const enum workload_pattern pats[] = {
		WORKLOAD_SEQ, WORKLOAD_STRIDE, WORKLOAD_UNIFORM, WORKLOAD_ZIPF,
	};

	for (int i = 0; i < 4; i++) {
		struct workload_params p = params(pats[i]);

		p.ws = 1 << 20;
		p.base = 0x7f0000000000ull;
		p.size = 16;
		p.stride = 4096 + 16;
		p.count = 20000;
		check_bounds(&p);
		p.vcpus = 4;
		p.share = 0.25;
		check_bounds(&p);
		p.ws = 3000;		/* smaller than a page */
		check_bounds(&p);
	}
}

static void test_deterministic(void **state)
{
	static const enum workload_pattern pats[] = { WORKLOAD_UNIFORM, WORKLOAD_ZIPF };

	for (int i = 0; i < 2; i++) {
		struct workload_params p = params(pats[i]);
		struct trace_rec *a, *b, *c;

		p.count = 10000;
		p.writes = 0.3;
		p.vcpus = 3;
		p.share = 0.5;
		p.seed = 7;
		a = gen_all(&p, 1);
		b = gen_all(&p, 4096);	/* batching does not matter */
		p.seed = 8;
		c = gen_all(&p, 4096);
		assert_memory_equal(a, b, p.count * sizeof(*a));
		assert_memory_not_equal(a, c, p.count * sizeof(*a));
		free(a);
		free(b);
		free(c);
	}
}

static void test_writes(void **state)
{
	struct workload_params p = params(WORKLOAD_UNIFORM);
	struct trace_rec *v;
	size_t w = 0;

	p.count = 100000;
	p.writes = 0.25;
	v = gen_all(&p, 4096);
	for (size_t i = 0; i < p.count; i++)
		w += v[i].kind == TRACE_WRITE;
	assert_in_range(w, 24000, 26000);
	free(v);
	p.writes = 1.0;
	v = gen_all(&p, 4096);
	for (size_t i = 0; i < p.count; i++)
		assert_int_equal(v[i].kind, TRACE_WRITE);
	free(v);
}

/* Uniform covers its slots evenly: 16 pages, each gets ~1/16. */
static void test_uniform_even(void **state)
{
	struct workload_params p = params(WORKLOAD_UNIFORM);
	unsigned hist[16] = { 0 };
	struct trace_rec *v;

	p.ws = 16 * 4096;
	p.count = 160000;
	v = gen_all(&p, 4096);
	for (size_t i = 0; i < p.count; i++)
		hist[v[i].addr / 4096]++;
	for (int i = 0; i < 16; i++)
		assert_in_range(hist[i], 9500, 10500);
	free(v);
}

static int cmp_desc(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x < y) - (x > y);
}

/* Page hit counts of a zipf stream over NPAGES pages, sorted descending. */
static unsigned *zipf_hist(unsigned npages, double s, uint64_t count)
{
	struct workload_params p = params(WORKLOAD_ZIPF);
	unsigned *hist = calloc(npages, sizeof(*hist));
	struct trace_rec *v;

	p.ws = (uint64_t)npages * 4096;
	p.zipf = s;
	p.count = count;
	v = gen_all(&p, 4096);
	for (size_t i = 0; i < count; i++)
		hist[v[i].addr / 4096]++;
	free(v);
	qsort(hist, npages, sizeof(*hist), cmp_desc);
	return hist;
}

/* At s = 1.0 over 1000 pages the top 10% draw H(100)/H(1000) = 69%. */
static void test_zipf_concentrates(void **state)
{
	unsigned *hist = zipf_hist(1000, 1.0, 200000);
	uint64_t top = 0;

	for (int i = 0; i < 100; i++)
		top += hist[i];
	assert_true(top > 200000 / 2);
	assert_in_range(top, 200000 * 67 / 100, 200000 * 71 / 100);
	free(hist);
}

/* Against the exact law: page of rank k has probability k^-s / sum j^-s. */
static void test_zipf_law(void **state)
{
	static const double ss[] = { 0.5, 0.99, 1.0, 1.01, 2.0 };
	const unsigned n = 10;
	const uint64_t count = 400000;

	for (int t = 0; t < 5; t++) {
		unsigned *hist = zipf_hist(n, ss[t], count);
		double norm = 0;

		for (unsigned k = 1; k <= n; k++)
			norm += pow(k, -ss[t]);
		for (unsigned k = 1; k <= n; k++) {
			double want = pow(k, -ss[t]) / norm, got = (double)hist[k - 1] / count;

			if (fabs(got - want) > 0.005)
				fail_msg("s=%g rank %u: %.4f, want %.4f", ss[t], k, got, want);
		}
		free(hist);
	}
}

/* The reference above can fire: a uniform stream fails the s=1 law. */
static void test_zipf_law_can_fire(void **state)
{
	unsigned *hist = zipf_hist(10, 0.01, 100000);

	/* rank 1 should have 1/H(10) = 34% under s=1; near-uniform has ~10% */
	assert_true(fabs((double)hist[0] / 100000 - 0.3414) > 0.1);
	free(hist);
}

static void test_perm_bijective(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 5, 64, 1000, 4097 };

	for (int t = 0; t < 7; t++) {
		uint64_t n = ns[t];
		uint8_t *seen = calloc(n, 1);
		struct prng r;
		struct perm pm;

		prng_seed(&r, (uint64_t)t);
		perm_init(&pm, n, &r);
		for (uint64_t x = 0; x < n; x++) {
			uint64_t y = perm_apply(&pm, x);

			assert_true(y < n);
			assert_false(seen[y]);
			seen[y] = 1;
		}
		free(seen);
	}
}

/* xoshiro256** from splitmix64(0): pins the generator so that traces stay
 * reproducible across builds. */
static void test_prng_pinned(void **state)
{
	struct prng r, r2;
	uint64_t first;

	prng_seed(&r, 0);
	prng_seed(&r2, 0);
	first = prng_next(&r);
	assert_int_equal(first, prng_next(&r2));
	assert_int_not_equal(first, prng_next(&r));
	/* The state is splitmix64's outputs from 0, whose first is well known. */
	{
		struct prng r3;

		prng_seed(&r3, 0);
		assert_int_equal(r3.s[0], 0xe220a8397b1dcdafull);
	}
}

static void test_params(void **state)
{
	struct workload_params p;
	char err[256];
	uint64_t v;

	workload_defaults(&p);
	assert_int_equal(p.pattern, WORKLOAD_SEQ);
	assert_int_equal(p.ws, 64 << 20);
	assert_int_equal(p.size, 8);
	assert_int_equal(p.vcpus, 1);
	assert_int_equal(p.count, 1000000);
	assert_int_equal(workload_set(&p, "ws", "4K", err, sizeof(err)), 0);
	assert_int_equal(p.ws, 4096);
	assert_int_equal(workload_set(&p, "ws", "2G", err, sizeof(err)), 0);
	assert_int_equal(p.ws, 2ull << 30);
	assert_int_equal(workload_set(&p, "base", "0x7f0000000000", err, sizeof(err)), 0);
	assert_int_equal(p.base, 0x7f0000000000ull);
	assert_int_equal(workload_set(&p, "pattern", "zipf", err, sizeof(err)), 0);
	assert_int_equal(p.pattern, WORKLOAD_ZIPF);
	assert_int_equal(workload_set(&p, "writes", "0.3", err, sizeof(err)), 0);
	assert_true(p.writes == 0.3);
	assert_int_equal(workload_set(&p, "writes", "1.5", err, sizeof(err)), -1);
	assert_string_equal(err, "writes: bad value '1.5' (fraction of accesses that write)");
	assert_int_equal(workload_set(&p, "ws", "12Q", err, sizeof(err)), -1);
	assert_int_equal(workload_set(&p, "ws", "-1", err, sizeof(err)), -1);
	assert_int_equal(workload_set(&p, "count", "10M", err, sizeof(err)), -1);
	assert_int_equal(workload_set(&p, "pattern", "zigzag", err, sizeof(err)), -1);
	assert_int_equal(workload_set(&p, "colour", "red", err, sizeof(err)), -1);
	assert_string_equal(err, "colour: unknown workload parameter");
	assert_int_equal(workload_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(workload_parse_size("16KiB", &v), 0);
	assert_int_equal(v, 16384);
	assert_int_equal(workload_parse_size("99999999999T", &v), -1);	/* overflows */
	assert_non_null(workload_param_doc(0));
	assert_null(workload_param_doc(1000));
}

static void expect_refused(void (*tweak)(struct workload_params *), const char *msg)
{
	struct workload_params p;
	char err[256];

	workload_defaults(&p);
	tweak(&p);
	assert_null(workload_new(&p, err, sizeof(err)));
	assert_string_equal(err, msg);
}

static void size0(struct workload_params *p) { p->size = 0; }
static void size65(struct workload_params *p) { p->size = 65; }
static void tiny_ws(struct workload_params *p) { p->ws = 4; }
static void no_vcpus(struct workload_params *p) { p->vcpus = 0; }
static void stride0(struct workload_params *p) { p->pattern = WORKLOAD_STRIDE; p->stride = 0; }
static void zipf0(struct workload_params *p) { p->pattern = WORKLOAD_ZIPF; p->zipf = 0; }
static void too_big(struct workload_params *p) { p->ws = 1ull << 62; p->vcpus = 8; }

static void test_refused(void **state)
{
	expect_refused(size0, "size: must be 1..64 bytes");
	expect_refused(size65, "size: must be 1..64 bytes");
	expect_refused(tiny_ws, "ws: the working set is smaller than one access");
	expect_refused(no_vcpus, "vcpus: must be 1..65536");
	expect_refused(stride0, "stride: must be at least 1 byte");
	expect_refused(zipf0, "zipf: the exponent must be in (0, 100]");
	expect_refused(too_big, "ws: the regions do not fit below 2^64 from base");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_seq_ragged),
		cmocka_unit_test(test_stride),
		cmocka_unit_test(test_vcpus_private),
		cmocka_unit_test(test_vcpus_shared),
		cmocka_unit_test(test_share_rounding),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_uniform_even),
		cmocka_unit_test(test_zipf_concentrates),
		cmocka_unit_test(test_zipf_law),
		cmocka_unit_test(test_zipf_law_can_fire),
		cmocka_unit_test(test_perm_bijective),
		cmocka_unit_test(test_prng_pinned),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("workloads/gen", tests, NULL, NULL);
}
