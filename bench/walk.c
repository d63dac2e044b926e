// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested-walk throughput: what replaying a trace costs when every access
 * misses the TLB.
 *
 *   walk.2d      4-level guest on 4-level EPT, no PSC / nested TLB: every
 *                walk makes 24 references (the worst case, on every access)
 *   walk.2d_psc  the same with the paging-structure caches and nested TLB
 *                on (default geometry): a warm walk makes 2 references
 *   walk.1d      no guest paging: 4 EPT references per walk
 *
 * A lone vCPU thread walks a 16 MiB guest region page by page, reads only
 * (after the first pass every A bit is set, so no atomics).  Prints
 * "bench NAME VALUE UNIT" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench.h"
#include "sim/core/core.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/tlb/tlb.h"
#include "tests/sim/tlb/tlb_defaults.h"

#define ADDR UINT64_C(0x000ffffffffff000)
#define PAGES 4096
#define VA_BASE UINT64_C(0x7f0000000000)
#define DATA_GPA UINT64_C(0x40000000)

struct bench {
	struct sim *s;
	struct host *h;
	uint64_t *eroot;
	uint64_t cr3;
	uint64_t gnext;
	/* guest table GPA -> host table, for the builder */
	uint64_t tgpa[64];
	uint64_t *thost[64];
	int nt;
	struct walk_stats ws;
	struct walk_req q;
	long n;
	int glevels;
};

static uint64_t *entry(struct bench *b, uint64_t *root, uint64_t addr, int level,
		       uint64_t tbl)
{
	uint64_t *t = root;
	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(addr >> (12 + 9 * (l - 1))) & 511];
		if (!*e)
			*e = sim_pa(b->s, host_pt_alloc(b->h)) | tbl;
		t = sim_va(b->s, *e & ADDR);
	}
	return &t[(addr >> (12 + 9 * (level - 1))) & 511];
}

static void emap(struct bench *b, uint64_t gpa, uint64_t hpa)
{
	*entry(b, b->eroot, gpa, 1, EPT_RWX) =
		hpa | EPT_RWX | ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT);
}

static uint64_t *ghost(struct bench *b, uint64_t gpa)
{
	for (int i = 0; i < b->nt; i++)
		if (b->tgpa[i] == gpa)
			return b->thost[i];
	abort();
}

static uint64_t gtable(struct bench *b)
{
	uint64_t *t = host_pt_alloc(b->h);
	uint64_t gpa = b->gnext;
	b->gnext += 0x1000;
	emap(b, gpa, sim_pa(b->s, t));
	b->tgpa[b->nt] = gpa;
	b->thost[b->nt++] = t;
	return gpa;
}

static void gmap(struct bench *b, uint64_t va, uint64_t gpa)
{
	uint64_t t = b->cr3;
	for (int l = 4; l > 1; l--) {
		uint64_t *e = &ghost(b, t)[(va >> (12 + 9 * (l - 1))) & 511];
		if (!*e)
			*e = gtable(b) | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
		t = *e & ADDR;
	}
	ghost(b, t)[(va >> 12) & 511] = gpa | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}

static void setup(struct bench *b, struct params *p, int glevels)
{
	b->s = sim_new(&p->core);
	host_create(b->s, &p->host, &b->h);
	b->eroot = host_pt_alloc(b->h);
	b->gnext = 0x1000;
	b->nt = 0;
	b->glevels = glevels;
	b->cr3 = gtable(b);
	for (uint64_t i = 0; i < PAGES; i++) {
		uint64_t pfn;
		host_folio_alloc(b->h, 0, &pfn);
		emap(b, DATA_GPA + (i << 12), pfn << 12);
		gmap(b, VA_BASE + (i << 12), DATA_GPA + (i << 12));
	}
	walk_stats_register(&b->ws, sim_stats(b->s));
	struct walk_req q = {
		.fmt = WALK_EPT,
		.root = ept_eptp(sim_pa(b->s, b->eroot), 4, true),
		.guest_levels = glevels,
		.guest_cr3 = b->cr3,
		.access = WALK_READ,
		.host = b->h,
		.stats = &b->ws,
		.params = &p->walk,
		.lat_ref = p->lat_walk_ref,
		.acct = SIM_ACCT_OTHER,
	};
	b->q = q;
}

static void walker(struct sim *s, void *arg)
{
	struct bench *b = arg;
	struct walk_res r;
	uint64_t base = b->glevels ? VA_BASE : DATA_GPA;
	for (long i = 0; i < b->n; i++) {
		b->q.addr = base + ((uint64_t)(i % PAGES) << 12);
		if (walk_2d(s, &b->q, &r) != WALK_OK)
			abort();
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(const char *name, int glevels, bool psc, long n)
{
	struct params p;
	struct bench b;
	struct tlb *tlb = NULL;
	params_defaults(&p);
	p.host_mem = UINT64_C(4) << 30;
	setup(&b, &p, glevels);
	if (psc) {
		struct tlb_config cfg;
		char msg[128];
		tlb_config_default(&cfg);
		tlb_create(&tlb, &cfg, msg, sizeof(msg));
		struct tlb_tag tag = { .ep4ta = b.q.root, .vpid = 1 };
		tlb_set_context(tlb, &tag);
		b.q.tlb = tlb;
	}
	/* One untimed pass sets every A bit. */
	b.n = PAGES;
	sim_spawn(b.s, "warm", walker, &b, 0, 0);
	sim_run(b.s);
	uint64_t refs0 = b.ws.refs;
	b.n = n;
	sim_spawn(b.s, "vcpu", walker, &b, 0, 0);
	double t0 = now();
	sim_run(b.s);
	double el = now() - t0;
	char refs[64];
	snprintf(refs, sizeof(refs), "%s.refs_per_walk", name);
	bench_print(name, (double)n / el, 0, "walks/s", NULL, 0);
	bench_print(refs, (double)(b.ws.refs - refs0) / (double)n, 2, "refs", NULL, 0);
	tlb_destroy(tlb);
	host_destroy(b.h);
	sim_free(b.s);
}

int main(void)
{
	run("walk.2d", 4, false, 2000000);
	run("walk.2d_psc", 4, true, 4000000);
	run("walk.1d", 0, false, 8000000);
	return 0;
}
