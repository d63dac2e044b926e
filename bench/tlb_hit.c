/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * L1 dTLB hit throughput of sim/tlb, default geometry.
 *
 *   tlb.l1_hit        8-byte loads sweeping a 64 KiB buffer: 511 of 512
 *                     lookups take the inline MRU path, one per page the
 *                     out-of-line L1 search (what a replayed trace mostly does)
 *   tlb.l1_hit_sweep  every lookup on another of 32 resident pages: always
 *                     the out-of-line L1 search (the worst L1 hit)
 *
 * Prints "bench NAME VALUE UNIT" lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "bench/bench.h"
#include "sim/tlb/tlb.h"
#include "tests/sim/tlb/tlb_defaults.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run(struct tlb *t, const char *name, uint64_t n, uint64_t stride, uint64_t span)
{
	volatile uint64_t sink = 0;
	uint64_t acc = 0, addr = 0, hits0 = tlb_stats(t)->l1d_hits;
	struct tlb_result r;
	double t0 = now(), dt;

	for (uint64_t i = 0; i < n; i++) {
		if (tlb_lookup(t, TLB_R, 0x400000 + addr, &r) != TLB_HIT)
			return 1;
		acc += tlb_entry_hpa(r.e, addr);
		addr += stride;
		if (addr >= span)
			addr = 0;
	}
	dt = now() - t0;
	sink = acc;
	(void)sink;
	if (tlb_stats(t)->l1d_hits - hits0 != n)
		return 1;	/* every lookup must have been an L1 hit */
	bench_print(name, (double)n / dt, 0, "lookups/s", NULL, 0);
	return 0;
}

int main(void)
{
	struct tlb_config cfg;
	struct tlb_tag tag = { .ep4ta = 0x1000, .vpid = 1 };
	struct tlb *t;
	char msg[256];

	tlb_config_default(&cfg);
	if (tlb_create(&t, &cfg, msg, sizeof(msg))) {
		fprintf(stderr, "tlb_hit: %s\n", msg);
		return 2;
	}
	tlb_set_context(t, &tag);
	/* 32 pages: 2 per set of the 16-set, 4-way default L1 dTLB. */
	for (uint64_t p = 0; p < 32; p++) {
		struct tlb_map m = { .addr = 0x400000 + (p << 12), .gpa = p << 12,
				     .hpa = (p + 100) << 12, .size = TLB_4K,
				     .perms = TLB_R | TLB_W, .dirty = true };

		tlb_fill(t, TLB_R, &m);
	}
	if (run(t, "tlb.l1_hit", 200000000, 8, 64 << 10) ||
	    run(t, "tlb.l1_hit_sweep", 50000000, 4096, 32 << 12)) {
		fprintf(stderr, "tlb_hit: a lookup missed L1\n");
		tlb_destroy(t);
		return 1;
	}
	tlb_destroy(t);
	return 0;
}
