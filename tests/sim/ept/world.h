/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small machine for walker tests: a sim, host memory, nested tables
 * (EPT or NPT) and optionally guest page tables living in guest memory, with
 * builders that write the entries by hand so tests can assert exact words.
 * Walks run inside a simulated thread (every entry read is a yield point);
 * results are checked after sim_run() returns, on the main stack.
 */
#ifndef TDPSIM_TESTS_EPT_WORLD_H
#define TDPSIM_TESTS_EPT_WORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/params.h"
#include "sim/core/core.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/npt/npt.h"
#include "sim/pml/pml.h"
#include "sim/tlb/tlb.h"
#include "tests/sim/tlb/tlb_defaults.h"

#define ADDR_MASK UINT64_C(0x000ffffffffff000)
#define EPT_TBL (EPT_R | EPT_W | EPT_X)
#define EPT_WB ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT)
#define EPT_PAGE (EPT_R | EPT_W | EPT_X | EPT_WB) /* 0x37 */
#define X86_TBL (X86_PTE_P | X86_PTE_RW | X86_PTE_US) /* 0x7 */
#define X86_PAGE X86_TBL

struct world {
	struct params p;
	struct sim *s;
	struct host *h;
	struct walk_stats ws;
	enum walk_fmt fmt;
	int nlevels;
	bool ad;         /* EPTP[6] */
	uint64_t *nroot; /* nested root table */
	/* guest paging */
	int glevels;
	uint64_t cr3;
	uint64_t gnext; /* next guest frame for a guest table */
	struct {
		uint64_t gpa;
		uint64_t *host;
	} gt[256];
	int ngt;
	struct tlb *tlb;
	struct pml pml;
};

static inline uint64_t wpa(struct world *w, const void *p)
{
	return sim_pa(w->s, p);
}

static inline void world_init(struct world *w, enum walk_fmt fmt, int nlevels,
			      bool ad, int glevels)
{
	memset(w, 0, sizeof(*w));
	params_defaults(&w->p);
	w->p.host_mem = UINT64_C(8) << 30;
	w->p.sim_stack = 64 * 1024;
	w->s = sim_new(&w->p.core);
	assert_non_null(w->s);
	assert_int_equal(host_create(w->s, &w->p.host, &w->h), 0);
	walk_stats_register(&w->ws, sim_stats(w->s));
	w->fmt = fmt;
	w->nlevels = nlevels;
	w->ad = ad;
	w->nroot = host_pt_alloc(w->h);
	assert_non_null(w->nroot);
	w->glevels = glevels;
	w->gnext = 0x1000;
}

static inline void world_fini(struct world *w)
{
	if (w->tlb)
		tlb_destroy(w->tlb);
	host_destroy(w->h);
	sim_free(w->s);
}

static inline uint64_t world_root(struct world *w)
{
	return w->fmt == WALK_EPT ? ept_eptp(wpa(w, w->nroot), w->nlevels, w->ad)
				  : npt_ncr3(wpa(w, w->nroot));
}

static inline uint64_t ntbl_bits(struct world *w)
{
	return w->fmt == WALK_EPT ? EPT_TBL : X86_TBL;
}
static inline uint64_t npage_bits(struct world *w)
{
	return w->fmt == WALK_EPT ? EPT_PAGE : X86_PAGE;
}
static inline uint64_t nps(struct world *w)
{
	return w->fmt == WALK_EPT ? EPT_PS : X86_PTE_PS;
}

static inline unsigned lshift(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

/* The entry for @addr at @level of the tree at @root, creating tables
 * (with @tbl bits) above it; NULL if @create is false and one is absent. */
static inline uint64_t *tree_entry(struct world *w, uint64_t *root, int levels,
				   uint64_t addr, int level, uint64_t tbl,
				   bool create)
{
	uint64_t *t = root;
	for (int l = levels; l > level; l--) {
		uint64_t *e = &t[(addr >> lshift(l)) & 511];
		if (!*e) {
			if (!create)
				return NULL;
			uint64_t *n = host_pt_alloc(w->h);
			assert_non_null(n);
			*e = wpa(w, n) | tbl;
		}
		t = sim_va(w->s, *e & ADDR_MASK);
	}
	return &t[(addr >> lshift(level)) & 511];
}

/* Nested: maps @gpa at @level (1 = 4K, 2 = 2M, 3 = 1G) to @hpa with
 * @bits (PS added above level 1).  Returns the leaf entry. */
static inline uint64_t *nmap(struct world *w, uint64_t gpa, uint64_t hpa,
			     int level, uint64_t bits)
{
	uint64_t *e = tree_entry(w, w->nroot, w->nlevels, gpa, level,
				 ntbl_bits(w), true);
	*e = hpa | bits | (level > 1 ? nps(w) : 0);
	return e;
}

static inline uint64_t *nentry(struct world *w, uint64_t gpa, int level)
{
	return tree_entry(w, w->nroot, w->nlevels, gpa, level, 0, false);
}

/* A guest frame for a guest page table: a host page-table frame mapped
 * writable in the nested tables at the next guest frame number. */
static inline uint64_t gtable_new(struct world *w)
{
	uint64_t *host = host_pt_alloc(w->h);
	assert_non_null(host);
	uint64_t gpa = w->gnext;
	w->gnext += 0x1000;
	nmap(w, gpa, wpa(w, host), 1, npage_bits(w));
	w->gt[w->ngt].gpa = gpa;
	w->gt[w->ngt].host = host;
	w->ngt++;
	return gpa;
}

static inline uint64_t *ghost(struct world *w, uint64_t gpa)
{
	for (int i = 0; i < w->ngt; i++)
		if (w->gt[i].gpa == (gpa & ADDR_MASK))
			return w->gt[i].host;
	fail_msg("guest table %#llx unknown", (unsigned long long)gpa);
	return NULL;
}

/* The guest entry for @va at @level, creating guest tables above it. */
static inline uint64_t *gentry(struct world *w, uint64_t va, int level,
			       bool create)
{
	if (!w->cr3) {
		if (!create)
			return NULL;
		w->cr3 = gtable_new(w);
	}
	uint64_t gpa = w->cr3;
	for (int l = w->glevels; l > level; l--) {
		uint64_t *e = &ghost(w, gpa)[(va >> lshift(l)) & 511];
		if (!*e) {
			if (!create)
				return NULL;
			*e = gtable_new(w) | X86_TBL;
		}
		gpa = *e & ADDR_MASK;
	}
	return &ghost(w, gpa)[(va >> lshift(level)) & 511];
}

static inline uint64_t *gmap(struct world *w, uint64_t va, uint64_t gpa,
			     int level, uint64_t bits)
{
	uint64_t *e = gentry(w, va, level, true);
	*e = gpa | bits | (level > 1 ? X86_PTE_PS : 0);
	return e;
}

/* A data frame (no bytes) of @order; its host physical address. */
static inline uint64_t data_frame(struct world *w, unsigned order)
{
	uint64_t pfn;
	assert_int_equal(host_folio_alloc(w->h, order, &pfn), 0);
	return pfn << 12;
}

static inline struct walk_req world_req(struct world *w, uint64_t addr,
					enum walk_access a)
{
	struct walk_req q = {
		.fmt = w->fmt,
		.root = world_root(w),
		.nested_levels = w->nlevels,
		.guest_levels = w->glevels,
		.guest_cr3 = w->cr3,
		.addr = addr,
		.access = a,
		.tlb = w->tlb,
		.pml = w->pml.page ? &w->pml : NULL,
		.host = w->h,
		.stats = &w->ws,
		.params = &w->p.walk,
		.lat_ref = w->p.lat_walk_ref,
		.acct = SIM_ACCT_OTHER,
	};
	return q;
}

/* Walks run in one simulated thread, in order. */
struct job {
	struct walk_req q;
	struct walk_res r;
	int rc;
};
struct batch {
	struct job *j;
	size_t n;
};

static inline void batch_thread(struct sim *s, void *arg)
{
	struct batch *b = arg;
	for (size_t i = 0; i < b->n; i++)
		b->j[i].rc = walk_2d(s, &b->j[i].q, &b->j[i].r);
}

static inline void run_jobs(struct world *w, struct job *j, size_t n)
{
	struct batch b = { j, n };
	sim_spawn(w->s, "walker", batch_thread, &b, 0, 0);
	assert_int_equal(sim_run(w->s), SIM_DONE);
}

/* One walk of @addr; returns its status, the result in *@r. */
static inline int walk1(struct world *w, uint64_t addr, enum walk_access a,
			struct walk_res *r)
{
	struct job j = { .q = world_req(w, addr, a) };
	run_jobs(w, &j, 1);
	*r = j.r;
	return j.rc;
}

static inline uint64_t counter(struct world *w, const char *name)
{
	uint64_t v = 0;
	assert_int_equal(stats_get(sim_stats(w->s), name, &v), 0);
	return v;
}

#endif
