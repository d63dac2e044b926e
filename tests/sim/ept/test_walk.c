// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared 2D walker over EPT and NPT: reference counts, exact A/D words,
 * violation / #NPF / misconfiguration encodings, PSC-warm counts, PML, a
 * walk through a freed table, a race with a zap, and a differential check
 * against a naive reference translator.
 */
#include <stdio.h>

#include "sim/core/compiler.h"
#include "tests/sim/ept/world.h"

/* Guest linear addresses whose table indices are 1, 2, 3, 4 (and 1 at
 * level 5), offset 0x123. */
#define VA4 ((UINT64_C(1) << 39) | (UINT64_C(2) << 30) | (UINT64_C(3) << 21) | \
	     (UINT64_C(4) << 12) | 0x123)
#define VA5 ((UINT64_C(1) << 48) | VA4)
#define DATA_GPA UINT64_C(0x10000)

/* The canonical 2D world: guest tables at GPA 0x1000, 0x2000, ... (the
 * root first), the data page at DATA_GPA, everything below 2 MiB so all
 * nested walks share the nested tables above the last level. */
struct w2d {
	uint64_t data_hpa;
	uint64_t *g[6];      /* guest entries for the VA, by level */
	uint64_t g0[6];      /* ... as built */
	uint64_t *nup[6];    /* nested entries above the leaf (shared), by level */
	uint64_t nup0[6];
	uint64_t *ntab[6];   /* nested leaf of the guest table of level l */
	uint64_t ntab0[6];
	uint64_t *ndata;     /* nested leaf of the data page */
	uint64_t ndata0;
};

static void build_2d(struct world *w, struct w2d *x, uint64_t va)
{
	x->data_hpa = data_frame(w, 0);
	gmap(w, va, DATA_GPA, 1, X86_PAGE);
	x->ndata = nmap(w, DATA_GPA, x->data_hpa, 1, npage_bits(w));
	x->ndata0 = *x->ndata;
	uint64_t tgpa = w->cr3;
	for (int l = w->glevels; l >= 1; l--) {
		x->g[l] = gentry(w, va, l, false);
		x->g0[l] = *x->g[l];
		x->ntab[l] = nentry(w, tgpa, 1);
		x->ntab0[l] = *x->ntab[l];
		tgpa = *x->g[l] & ADDR_MASK;
	}
	for (int l = w->nlevels; l >= 2; l--) {
		x->nup[l] = nentry(w, DATA_GPA, l);
		x->nup0[l] = *x->nup[l];
	}
}

/* ---------------------------------------------------------------- counts */

/*
 * Cold 4-level guest on 4-level EPT, a read: each of the 4 guest entries
 * needs a 4-reference nested walk of its GPA plus the read itself, and the
 * final GPA one more nested walk: 4 * (4 + 1) + 4 = 24.  A/D updates: the
 * first nested walk sets A in 3 EPT tables and A|D in its leaf (guest page
 * table accesses are writes with A/D on), the next three only their leaf
 * (A|D), each guest entry gets A (4), the data leaf A: 4 + 3 + 4 + 1 = 12.
 */
static void test_cold_4on4_read(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 4);
	build_2d(&w, &x, VA4);

	/* Every cycle, the locked updates included, goes to the walk's
	 * account. */
	int acct = sim_acct_register(w.s, "walk");
	struct job j = { .q = world_req(&w, VA4, WALK_READ) };
	struct batch b = { &j, 1 };
	j.q.acct = acct;
	struct sim_thread *t = sim_spawn(w.s, "walker", batch_thread, &b, 0, 0);
	assert_int_equal(sim_run(w.s), SIM_DONE);
	assert_int_equal(j.rc, WALK_OK);
	r = j.r;
	assert_int_equal(sim_thread_acct(t, acct), r.cycles);
	assert_int_equal(sim_thread_clock(t), r.cycles);
	assert_int_equal(r.refs, 24);
	assert_int_equal(r.refs_guest, 4);
	assert_int_equal(r.refs_nested, 20);
	assert_int_equal(r.cycles, 24 * w.p.lat_walk_ref + 12 * w.p.lat_atomic);
	assert_int_equal(r.gpa, DATA_GPA | 0x123);
	assert_int_equal(r.hpa, x.data_hpa | 0x123);
	assert_int_equal(r.pfn, x.data_hpa >> 12);
	assert_int_equal(r.page_hpa, x.data_hpa);
	assert_int_equal(r.size, TLB_4K);
	assert_int_equal(r.perms, TLB_R | TLB_W | TLB_X | TLB_U);
	assert_false(r.dirty);
	assert_int_equal(r.gen, host_frame_gen(w.h, x.data_hpa >> 12));

	/* Exact words: EPT tables got A (0x7 -> 0x107), the leaves of guest
	 * page-table pages A|D (0x37 -> 0x337), the data leaf A only. */
	for (int l = 4; l >= 2; l--) {
		assert_int_equal(*x.nup[l], x.nup0[l] | EPT_A);
		assert_int_equal(*x.nup[l] & 0xfff, 0x107);
	}
	for (int l = 4; l >= 1; l--) {
		assert_int_equal(*x.ntab[l], x.ntab0[l] | EPT_A | EPT_D);
		assert_int_equal(*x.ntab[l] & 0xfff, 0x337);
		/* Guest entries: A only (0x7 -> 0x27), the leaf too. */
		assert_int_equal(*x.g[l], x.g0[l] | X86_PTE_A);
		assert_int_equal(*x.g[l] & 0xfff, 0x27);
	}
	assert_int_equal(*x.ndata, x.ndata0 | EPT_A);
	assert_int_equal(*x.ndata & 0xfff, 0x137);

	assert_int_equal(counter(&w, "walk.refs"), 24);
	assert_int_equal(counter(&w, "walk.walks"), 1);
	assert_int_equal(counter(&w, "walk.ad_updates"), 12);
	for (int l = 1; l <= 4; l++) {
		char n[64];
		snprintf(n, sizeof(n), "walk.refs.guest.l%d", l);
		assert_int_equal(counter(&w, n), 1);
		snprintf(n, sizeof(n), "walk.refs.nested.l%d", l);
		assert_int_equal(counter(&w, n), 5);
	}
	world_fini(&w);
}

/* The same walk for a write: the data leaf gets A|D in one update, the
 * guest leaf D after the final translation: 12 + 1 updates. */
static void test_cold_4on4_write(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 4);
	build_2d(&w, &x, VA4);

	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 24);
	assert_int_equal(r.cycles, 24 * w.p.lat_walk_ref + 13 * w.p.lat_atomic);
	assert_true(r.dirty);
	assert_int_equal(*x.ndata, x.ndata0 | EPT_A | EPT_D);
	assert_int_equal(*x.ndata & 0xfff, 0x337);
	assert_int_equal(*x.g[1], x.g0[1] | X86_PTE_A | X86_PTE_D);
	assert_int_equal(*x.g[1] & 0xfff, 0x67);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(*x.g[l], x.g0[l] | X86_PTE_A);

	/* Walking again finds everything set: 24 references, no update. */
	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 24);
	assert_int_equal(r.cycles, 24 * w.p.lat_walk_ref);
	assert_int_equal(counter(&w, "walk.ad_updates"), 13);
	world_fini(&w);
}

/* 5-level guest on 5-level EPT: 5 * (5 + 1) + 5 = 35 references. */
static void test_cold_5on5(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 5, true, 5);
	build_2d(&w, &x, VA5);

	assert_int_equal(walk1(&w, VA5, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 35);
	assert_int_equal(r.refs_guest, 5);
	assert_int_equal(r.refs_nested, 30);
	/* Updates: 4 EPT tables + 5 table-page leaves (A|D) + 5 guest A +
	 * the data leaf (A|D) + the guest leaf D = 16. */
	assert_int_equal(r.cycles, 35 * w.p.lat_walk_ref + 16 * w.p.lat_atomic);
	assert_int_equal(r.hpa, x.data_hpa | 0x123);
	for (int l = 5; l >= 2; l--)
		assert_int_equal(*x.nup[l], x.nup0[l] | EPT_A);
	for (int l = 5; l >= 1; l--)
		assert_int_equal(*x.ntab[l], x.ntab0[l] | EPT_A | EPT_D);
	assert_int_equal(*x.g[1] & 0xfff, 0x67);
	world_fini(&w);
}

/* ------------------------------------------------------------- A/D rules */

/* Without guest paging: a read sets A on every level and nothing else; a
 * later write sets only the leaf's D. */
static void test_ad_read_then_write(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	uint64_t *leaf = nmap(&w, 0x5000, hpa, 1, EPT_PAGE);
	uint64_t *up[5], up0[5];
	for (int l = 4; l >= 2; l--) {
		up[l] = nentry(&w, 0x5000, l);
		up0[l] = *up[l];
	}
	assert_int_equal(walk1(&w, 0x5008, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 4);
	assert_int_equal(*leaf, hpa | 0x137);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(*up[l], up0[l] | EPT_A);
	assert_false(r.dirty);
	assert_int_equal(walk1(&w, 0x5008, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(*leaf, hpa | 0x337);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(*up[l], up0[l] | EPT_A);
	assert_true(r.dirty);
	assert_int_equal(counter(&w, "walk.ad_updates"), 4 + 1);
	world_fini(&w);
}

/* EPTP[6] = 0: EPT entries are never touched, guest page-table accesses are
 * reads for EPT, nothing is logged even with PML on; the guest still gets
 * its A/D bits. */
static void test_ad_off(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, false, 4);
	pml_init(&w.pml, host_pt_alloc(w.h));
	pml_enable(&w.pml, true);
	build_2d(&w, &x, VA4);

	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 24);
	/* 4 guest A + guest leaf D: 5 updates, all in guest memory. */
	assert_int_equal(r.cycles, 24 * w.p.lat_walk_ref + 5 * w.p.lat_atomic);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(*x.nup[l], x.nup0[l]);
	for (int l = 4; l >= 1; l--)
		assert_int_equal(*x.ntab[l], x.ntab0[l]);
	assert_int_equal(*x.ndata, x.ndata0);
	assert_int_equal(*x.g[1] & 0xfff, 0x67);
	assert_int_equal(*x.g[2] & 0xfff, 0x27);
	/* Nested D does not exist: the translation counts as dirty. */
	assert_true(r.dirty);
	assert_int_equal(w.pml.index, PML_HEAD_INDEX);
	world_fini(&w);
}

/* NPT: A/D always on; guest page-table accesses are user writes, so their
 * nested leaves get A|D (0x7 -> 0x67), tables A (0x27). */
static void test_npt_ad(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_NPT, 4, true, 4);
	build_2d(&w, &x, VA4);

	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 24);
	assert_int_equal(r.cycles, 24 * w.p.lat_walk_ref + 12 * w.p.lat_atomic);
	for (int l = 4; l >= 2; l--) {
		assert_int_equal(*x.nup[l], x.nup0[l] | X86_PTE_A);
		assert_int_equal(*x.nup[l] & 0xfff, 0x27);
	}
	for (int l = 4; l >= 1; l--) {
		assert_int_equal(*x.ntab[l], x.ntab0[l] | X86_PTE_A | X86_PTE_D);
		assert_int_equal(*x.ntab[l] & 0xfff, 0x67);
		assert_int_equal(*x.g[l] & 0xfff, 0x27);
	}
	assert_int_equal(*x.ndata & 0xfff, 0x27);
	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(*x.ndata & 0xfff, 0x67);
	assert_int_equal(*x.g[1] & 0xfff, 0x67);
	world_fini(&w);
}

/* Large nested and guest pages: the combined page is the smaller one. */
static void test_large_pages(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t h1g = data_frame(&w, 18), h2m = data_frame(&w, 9);
	uint64_t *l1g = nmap(&w, UINT64_C(1) << 30, h1g, 3, EPT_PAGE);
	uint64_t *l2m = nmap(&w, UINT64_C(3) << 21, h2m, 2, EPT_PAGE);
	assert_int_equal(walk1(&w, (UINT64_C(1) << 30) + 0x12345, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 2);
	assert_int_equal(r.size, TLB_1G);
	assert_int_equal(r.hpa, h1g + 0x12345);
	assert_int_equal(r.page_hpa, h1g);
	assert_int_equal(*l1g, h1g | EPT_PS | 0x337);
	assert_int_equal(walk1(&w, (UINT64_C(3) << 21) + 0x1f0008, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 3);
	assert_int_equal(r.size, TLB_2M);
	assert_int_equal(r.hpa, h2m + 0x1f0008);
	assert_int_equal(*l2m, h2m | EPT_PS | 0x137);

	/* Guest 2 MiB page over nested 4 KiB pages: a 4 KiB combined page. */
	world_fini(&w);
	world_init(&w, WALK_EPT, 4, true, 4);
	uint64_t hpa = data_frame(&w, 0);
	gmap(&w, VA4 & ~UINT64_C(0x1fffff), UINT64_C(0x200000), 2, X86_PAGE);
	nmap(&w, UINT64_C(0x200000) + (VA4 & 0x1ff000), hpa, 1, EPT_PAGE);
	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 3 * 5 + 4);
	assert_int_equal(r.size, TLB_4K);
	assert_int_equal(r.gpa, UINT64_C(0x200000) + (VA4 & 0x1fffff));
	assert_int_equal(r.hpa, hpa + 0x123);
	world_fini(&w);
}

/* ------------------------------------------------------------ violations */

/* SDM table 28-7 for four failures, each a single field checked whole. */
static void test_ept_violation_quals(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	/* Read of a GPA whose PDE is absent: read (bit 0), no permissions,
	 * linear address valid, final translation: 0x181. */
	nmap(&w, 0x1000, hpa, 1, EPT_PAGE);
	assert_int_equal(walk1(&w, 0x200010, WALK_READ, &r), WALK_EPT_VIOLATION);
	assert_int_equal(r.fault.qual, 0x181);
	assert_int_equal(r.fault.gpa, 0x200010);
	assert_int_equal(r.fault.level, 2);
	assert_int_equal(r.refs, 3);

	/* Write to a read/execute leaf: write (bit 1), R and X allowed (3, 5),
	 * 0x80 | 0x100: 0x1aa.  The leaf was used (A), not written (no D). */
	uint64_t *ro = nmap(&w, 0x2000, hpa, 1, EPT_R | EPT_X | EPT_WB);
	assert_int_equal(walk1(&w, 0x2ff8, WALK_WRITE, &r), WALK_EPT_VIOLATION);
	assert_int_equal(r.fault.qual, 0x1aa);
	assert_int_equal(r.fault.gpa, 0x2ff8);
	assert_int_equal(*ro, hpa | EPT_R | EPT_X | EPT_WB | EPT_A);

	/* Fetch from a read/write leaf: fetch (bit 2), R and W (3, 4): 0x19c. */
	nmap(&w, 0x3000, hpa, 1, EPT_R | EPT_W | EPT_WB);
	assert_int_equal(walk1(&w, 0x3000, WALK_FETCH, &r), WALK_EPT_VIOLATION);
	assert_int_equal(r.fault.qual, 0x19c);

	/* An upper-level entry without W limits the AND: a write through a
	 * PDE that is R|X only reports R and X although the leaf is RWX. */
	*nentry(&w, 0x3000, 2) &= ~EPT_W;
	assert_int_equal(walk1(&w, 0x1000, WALK_WRITE, &r), WALK_EPT_VIOLATION);
	assert_int_equal(r.fault.qual, 0x1aa);
	world_fini(&w);
}

/* A guest paging-structure access: bit 7 set, bit 8 clear; with A/D on the
 * access is a read and a write (bits 0 and 1). */
static void test_ept_violation_guest_pt(void **state)
{
	for (int ad = 0; ad <= 1; ad++) {
		struct world w;
		struct w2d x;
		struct walk_res r;
		world_init(&w, WALK_EPT, 4, ad, 4);
		build_2d(&w, &x, VA4);
		/* The guest PD's page (GPA 0x3000) loses its nested mapping. */
		*x.ntab[2] = 0;
		assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_EPT_VIOLATION);
		assert_int_equal(r.fault.qual, ad ? 0x83 : 0x81);
		assert_int_equal(r.fault.gpa, 0x3000 + 3 * 8);
		assert_int_equal(r.fault.gla, VA4);
		assert_true(r.fault.guest_pt);
		/* Two guest levels done (2 * 5), then the PD's nested walk. */
		assert_int_equal(r.refs, 14);

		/* Read-only in EPT: with A/D on, the access needs W: 0x83 plus
		 * the R|X found (bits 3, 5) = 0xab.  With A/D off the read is
		 * fine, but setting the PDE's A bit is a write: same 0xab. */
		*x.ntab[2] = x.ntab0[2] & ~EPT_W;
		assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_EPT_VIOLATION);
		assert_int_equal(r.fault.qual, 0xab);
		assert_int_equal(r.fault.gpa, 0x3000 + 3 * 8);
		world_fini(&w);
	}
}

static void test_ept_misconfig(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	/* Write without read. */
	uint64_t *leaf = nmap(&w, 0x1000, hpa, 1, EPT_W | EPT_WB);
	assert_int_equal(walk1(&w, 0x1010, WALK_READ, &r), WALK_EPT_MISCONFIG);
	assert_int_equal(r.fault.gpa, 0x1010);
	assert_int_equal(r.fault.level, 1);
	assert_int_equal(*leaf, hpa | EPT_W | EPT_WB); /* untouched */
	/* Reserved memory type 2. */
	*leaf = hpa | EPT_R | (UINT64_C(2) << EPT_MT_SHIFT);
	assert_int_equal(walk1(&w, 0x1010, WALK_READ, &r), WALK_EPT_MISCONFIG);
	/* An address bit above MAXPHYADDR (walk.maxphyaddr = 46). */
	*leaf = hpa | EPT_PAGE | (UINT64_C(1) << 50);
	assert_int_equal(walk1(&w, 0x1010, WALK_READ, &r), WALK_EPT_MISCONFIG);
	/* PS in a PML4E. */
	*leaf = hpa | EPT_PAGE;
	*nentry(&w, 0x1000, 4) |= EPT_PS;
	assert_int_equal(walk1(&w, 0x1010, WALK_READ, &r), WALK_EPT_MISCONFIG);
	assert_int_equal(r.fault.level, 4);
	assert_int_equal(counter(&w, "walk.ept_misconfigs"), 4);
	world_fini(&w);
}

/* #NPF EXITINFO1: P W U RSV ID + bit 32 (final) / 33 (guest page walk). */
static void test_npf_codes(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_NPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	nmap(&w, 0x1000, hpa, 1, X86_PAGE);
	/* Absent: U | final. */
	assert_int_equal(walk1(&w, 0x200000, WALK_READ, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x100000004));
	assert_int_equal(r.fault.gpa, 0x200000);
	/* Write to a read-only leaf: P | W | U | final. */
	nmap(&w, 0x2000, hpa, 1, X86_PTE_P | X86_PTE_US);
	assert_int_equal(walk1(&w, 0x2000, WALK_WRITE, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x100000007));
	/* Fetch from an NX leaf: P | U | ID | final. */
	nmap(&w, 0x3000, hpa, 1, X86_PAGE | X86_PTE_NX);
	assert_int_equal(walk1(&w, 0x3000, WALK_FETCH, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x100000015));
	/* A supervisor-only nested entry: every guest access is a user
	 * access at the nested level: P | U | final. */
	nmap(&w, 0x4000, hpa, 1, X86_PTE_P | X86_PTE_RW);
	assert_int_equal(walk1(&w, 0x4000, WALK_READ, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x100000005));
	/* A reserved bit: P | U | RSV | final (no misconfiguration on AMD). */
	nmap(&w, 0x5000, hpa | (UINT64_C(1) << 50), 1, X86_PAGE);
	assert_int_equal(walk1(&w, 0x5000, WALK_READ, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x10000000d));
	world_fini(&w);

	/* A guest page-table access: a user write, bit 33: W | U = 0x6. */
	struct w2d x;
	world_init(&w, WALK_NPT, 4, true, 4);
	build_2d(&w, &x, VA4);
	*x.ntab[3] = 0;
	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_NPF);
	assert_int_equal(r.fault.qual, UINT64_C(0x200000006));
	assert_int_equal(r.fault.gpa, 0x2000 + 2 * 8);
	world_fini(&w);
}

/* The guest's own faults end the walk with the level and the entry's GPA,
 * for the minimal guest OS to fill in. */
static void test_guest_pf(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 4);
	build_2d(&w, &x, VA4);
	*x.g[2] = 0;
	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_GUEST_PF);
	assert_int_equal(r.fault.level, 2);
	assert_int_equal(r.fault.pte_gpa, 0x3000 + 3 * 8);
	assert_int_equal(r.fault.pf_error, 0);
	assert_int_equal(r.refs, 15);
	*x.g[2] = x.g0[2];
	/* A user write to a supervisor, read-only page: P | W | U. */
	*x.g[1] = DATA_GPA | X86_PTE_P;
	struct job j = { .q = world_req(&w, VA4, WALK_WRITE) };
	j.q.user = true;
	run_jobs(&w, &j, 1);
	assert_int_equal(j.rc, WALK_GUEST_PF);
	assert_int_equal(j.r.fault.pf_error, PF_P | PF_W | PF_U);
	assert_int_equal(j.r.fault.level, 1);
	/* The leaf was used: A set, D not. */
	assert_int_equal(*x.g[1], DATA_GPA | X86_PTE_P | X86_PTE_A);
	/* A reserved bit in a guest PDPTE: P | RSV. */
	*x.g[3] |= X86_PTE_PS | 0x1000; /* 1 GiB page with bit 12 (PAT) ... */
	*x.g[3] |= UINT64_C(1) << 20;   /* ... and a misaligned address */
	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_GUEST_PF);
	assert_int_equal(r.fault.pf_error, PF_P | PF_RSV);
	assert_int_equal(r.fault.level, 3);
	world_fini(&w);
}

/* ---------------------------------------------------------- warm caches */

static void attach_tlb(struct world *w, void (*tweak)(struct tlb_config *))
{
	struct tlb_config cfg;
	char msg[256];
	tlb_config_default(&cfg);
	if (tweak)
		tweak(&cfg);
	assert_int_equal(tlb_create(&w->tlb, &cfg, msg, sizeof(msg)), 0);
	struct tlb_tag tag = { .ep4ta = world_root(w), .vpid = 1 };
	tlb_set_context(w->tlb, &tag);
}

static void no_gpsc(struct tlb_config *c)
{
	for (int i = TLB_GPSC_PDE; i <= TLB_GPSC_PML5E; i++)
		c->a[i].entries = 0;
}

static void no_gpsc_no_ntlb(struct tlb_config *c)
{
	no_gpsc(c);
	c->a[TLB_NTLB].entries = 0;
}

/*
 * With PSCs, all GPAs below 2 MiB share one nested PDE.
 *
 * Walk 1, caches empty: the nested walk for the guest PML4E makes 4
 * references and fills the nested PSC at levels 4, 3, 2; the nested walks
 * for the PDPTE, PDE and PTE pages and for the data GPA then hit the nested
 * PDE cache: 1 reference each.  4 guest + 4 + 4 * 1 = 12.
 *
 * Walk 2, the next page (VA + 4 KiB, GPA DATA_GPA + 4 KiB, its guest PTE's
 * A clear): the guest PDE cache (filled in walk 1 once the PT page was
 * located) gives the PT page's host address: 1 guest reference.  Setting
 * that PTE's A needs the PT page writable in EPT: the nested TLB holds it
 * (dirty, from walk 1): no reference.  The data GPA hits the nested PDE
 * cache: 1 reference.  Total 2.  Saved: guest levels 4..2 with their
 * nested walks (3 * 5) + the PT page's nested walk (4) + 3 nested levels
 * of the final walk = 22, and 2 + 22 = 24.
 */
static void test_psc_warm(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 4);
	build_2d(&w, &x, VA4);
	uint64_t h2 = data_frame(&w, 0);
	gmap(&w, VA4 + 0x1000, DATA_GPA + 0x1000, 1, X86_PAGE);
	nmap(&w, DATA_GPA + 0x1000, h2, 1, EPT_PAGE);
	attach_tlb(&w, NULL);

	assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 12);
	assert_int_equal(r.refs_guest, 4);
	assert_int_equal(counter(&w, "walk.refs_saved"), 12);
	assert_int_equal(walk1(&w, VA4 + 0x1000, WALK_READ, &r), WALK_OK);
	assert_int_equal(r.refs, 2);
	assert_int_equal(r.refs_guest, 1);
	assert_int_equal(r.hpa, h2 + 0x123);
	assert_int_equal(counter(&w, "walk.refs"), 14);
	assert_int_equal(counter(&w, "walk.refs_saved"), 12 + 22);
	/* The guest PTE got its A through the cached path. */
	assert_int_equal(*gentry(&w, VA4 + 0x1000, 1, false) & 0xfff, 0x27);
	/* Cached permissions are the guest's ANDed over levels 4..2. */
	assert_int_equal(r.perms, TLB_R | TLB_W | TLB_X | TLB_U);
	world_fini(&w);
}

/*
 * Without the guest PSC, walk 2 reads all 4 guest entries, but each guest
 * table page is in the nested TLB (4 pages, 16 entries): 4 references, and
 * the data GPA 1 (nested PDE cache): 5.  Without the nested TLB too, each
 * guest table page takes a 1-reference nested walk: 4 + 4 + 1 = 9.
 */
static void test_psc_partial(void **state)
{
	void (*tweaks[2])(struct tlb_config *) = { no_gpsc, no_gpsc_no_ntlb };
	const uint32_t want[2] = { 5, 9 };
	for (int i = 0; i < 2; i++) {
		struct world w;
		struct w2d x;
		struct walk_res r;
		world_init(&w, WALK_EPT, 4, true, 4);
		build_2d(&w, &x, VA4);
		uint64_t h2 = data_frame(&w, 0);
		gmap(&w, VA4 + 0x1000, DATA_GPA + 0x1000, 1, X86_PAGE);
		nmap(&w, DATA_GPA + 0x1000, h2, 1, EPT_PAGE);
		attach_tlb(&w, tweaks[i]);
		assert_int_equal(walk1(&w, VA4, WALK_READ, &r), WALK_OK);
		assert_int_equal(r.refs, 12);
		assert_int_equal(walk1(&w, VA4 + 0x1000, WALK_READ, &r), WALK_OK);
		assert_int_equal(r.refs, want[i]);
		world_fini(&w);
	}
}

/* 5-on-5 with PSCs: walk 1 = 5 guest + 5 (first nested walk) + 5 * 1 =
 * 15; walk 2 = 1 guest (PDE cache) + 1 nested = 2. */
static void test_psc_warm_5level(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_EPT, 5, true, 5);
	build_2d(&w, &x, VA5);
	uint64_t h2 = data_frame(&w, 0);
	gmap(&w, VA5 + 0x1000, DATA_GPA + 0x1000, 1, X86_PAGE);
	nmap(&w, DATA_GPA + 0x1000, h2, 1, EPT_PAGE);
	attach_tlb(&w, NULL);
	assert_int_equal(walk1(&w, VA5, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 15);
	assert_int_equal(walk1(&w, VA5 + 0x1000, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(r.refs, 2);
	assert_int_equal(counter(&w, "walk.refs") + counter(&w, "walk.refs_saved"), 2 * 35);
	world_fini(&w);
}

/*
 * The page-table line cache (walk.ptc.lines=64, 8 ways: 8 sets).  Cold
 * 4-on-4 read: the first nested walk misses its 4 EPT lines; EPT entries
 * for GPAs 0x1000..0x4000 share one line, so the next three nested walks
 * hit all 4; each guest entry is a line of its own (4 misses); the final
 * walk hits 3 EPT lines and misses the data page's leaf line (index 16).
 * 9 misses, 15 hits; every line but the last is line 0 of its page, all in
 * set 0, and 8 of them fit its 8 ways.  A second walk hits all 24.
 */
static void test_ptc(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_cache *c;
	world_init(&w, WALK_EPT, 4, true, 4);
	build_2d(&w, &x, VA4);
	struct walk_params p = w.p.walk;
	p.walk_ptc_lines = 64;
	p.walk_ptc_ways = 8;
	assert_int_equal(walk_cache_create(&p, &c), 0);
	assert_non_null(c);
	struct job j[2] = { { .q = world_req(&w, VA4, WALK_READ) },
			    { .q = world_req(&w, VA4, WALK_READ) } };
	j[0].q.ptc = j[1].q.ptc = c;
	run_jobs(&w, j, 2);
	assert_int_equal(j[0].rc, WALK_OK);
	assert_int_equal(j[0].r.cycles, 9 * w.p.lat_walk_ptc_miss +
						15 * w.p.lat_walk_ptc_hit +
						12 * w.p.lat_atomic);
	assert_int_equal(j[1].r.cycles, 24 * w.p.lat_walk_ptc_hit);
	assert_int_equal(counter(&w, "walk.ptc.misses"), 9);
	assert_int_equal(counter(&w, "walk.ptc.hits"), 15 + 24);
	walk_cache_destroy(c);
	/* Geometry checks. */
	p.walk_ptc_ways = 3;
	assert_int_equal(walk_cache_create(&p, &c), -EINVAL);
	p.walk_ptc_lines = 96;
	p.walk_ptc_ways = 8; /* 12 sets */
	assert_int_equal(walk_cache_create(&p, &c), -EINVAL);
	p.walk_ptc_lines = 0;
	assert_int_equal(walk_cache_create(&p, &c), 0);
	assert_null(c);
	world_fini(&w);
}

/* ------------------------------------------------------------------- PML */

/*
 * 512 writes to clean pages fill the buffer from entry 511 down to 0 with
 * 4 KiB aligned GPAs in write order; the 512th leaves the index at 0xFFFF.
 * The next D 0 -> 1 is refused before anything is written: PML-full, D
 * clear, nothing logged.  So is an update that would only set A.
 */
static void test_pml_fill(void **state)
{
	struct world w;
	world_init(&w, WALK_EPT, 4, true, 0);
	pml_init(&w.pml, host_pt_alloc(w.h));
	pml_enable(&w.pml, true);
	uint64_t base = data_frame(&w, 9);
	uint64_t *leaf[514];
	for (int i = 0; i < 514; i++)
		leaf[i] = nmap(&w, (uint64_t)i << 12, base + ((uint64_t)(i % 512) << 12),
			       1, EPT_PAGE);
	/* Pages 512 and 513 live under the second nested PDE; give it and
	 * page 512's leaf A already so that the only update left for a write
	 * to page 512 is D. */
	*nentry(&w, 0x200000, 2) |= EPT_A;
	*leaf[512] |= EPT_A;

	static struct job j[512];
	for (int i = 0; i < 512; i++)
		j[i].q = world_req(&w, ((uint64_t)i << 12) | 0x10, WALK_WRITE);
	run_jobs(&w, j, 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal(j[i].rc, WALK_OK);
	assert_int_equal(w.pml.index, 0xffff);
	assert_true(pml_full(&w.pml));
	for (int i = 0; i < 512; i++)
		assert_int_equal(w.pml.page[511 - i], (uint64_t)i << 12);
	assert_int_equal(counter(&w, "walk.pml_logged"), 512);

	struct walk_res r;
	uint64_t before = *leaf[512];
	assert_int_equal(walk1(&w, 0x200000, WALK_WRITE, &r), WALK_PML_FULL);
	assert_int_equal(*leaf[512], before);
	assert_false(*leaf[512] & EPT_D);
	assert_int_equal(w.pml.index, 0xffff);
	/* A read that would only set page 513's A. */
	before = *leaf[513];
	assert_int_equal(walk1(&w, 0x201000, WALK_READ, &r), WALK_PML_FULL);
	assert_int_equal(*leaf[513], before);
	/* A read of a page whose flags are all set needs no update. */
	assert_int_equal(walk1(&w, 0x5000, WALK_READ, &r), WALK_OK);

	/* KVM drains in hardware order, the write is retried and logged. */
	uint64_t out[512];
	assert_int_equal(pml_drain(&w.pml, out, 512), 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal(out[i], (uint64_t)i << 12);
	assert_int_equal(walk1(&w, 0x200000, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(*leaf[512], base | EPT_PAGE | EPT_A | EPT_D);
	assert_int_equal(w.pml.index, 510);
	assert_int_equal(w.pml.page[511], 0x200000);
	assert_int_equal(counter(&w, "walk.pml_full"), 2);
	world_fini(&w);
}

/* AMD PML (svm.pml): the same buffer semantics on NPT, where A/D is always
 * on: a write logs its GPA once, a guest page-table page is logged when its
 * nested D first goes 0 -> 1. */
static void test_pml_npt(void **state)
{
	struct world w;
	struct w2d x;
	struct walk_res r;
	world_init(&w, WALK_NPT, 4, true, 4);
	pml_init(&w.pml, host_pt_alloc(w.h));
	pml_enable(&w.pml, true);
	build_2d(&w, &x, VA4);
	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	/* The four guest table pages in walk order, then the data page. */
	assert_int_equal(pml_count(&w.pml), 5);
	assert_int_equal(w.pml.page[511], 0x1000);
	assert_int_equal(w.pml.page[510], 0x2000);
	assert_int_equal(w.pml.page[509], 0x3000);
	assert_int_equal(w.pml.page[508], 0x4000);
	assert_int_equal(w.pml.page[507], DATA_GPA);
	assert_int_equal(walk1(&w, VA4, WALK_WRITE, &r), WALK_OK);
	assert_int_equal(pml_count(&w.pml), 5);
	world_fini(&w);
}

/* ---------------------------------------------- freed tables and races */

/* A nested table freed (and poisoned) while the PDE still points at it: the
 * walk reads the poison, which the engine counts; the poison word decodes
 * as an EPT entry with reserved address bits: a misconfiguration. */
static void test_walk_freed_table(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	nmap(&w, 0x1000, hpa, 1, EPT_PAGE);
	assert_int_equal(walk1(&w, 0x1000, WALK_READ, &r), WALK_OK);
	assert_int_equal(sim_poison_reads(w.s), 0);
	uint64_t *pt = sim_va(w.s, *nentry(&w, 0x1000, 2) & ADDR_MASK);
	host_pt_free(w.h, pt);
	assert_int_equal(walk1(&w, 0x1000, WALK_READ, &r), WALK_EPT_MISCONFIG);
	assert_int_equal(sim_poison_reads(w.s), 1);
	world_fini(&w);
}

static uint64_t *ZAP_AT;
static void zapper(struct sim *s, void *arg)
{
	sim_store(s, ZAP_AT, 0);
}

/*
 * KVM zaps the leaf after the walker read it and before the walker's A
 * update reaches it.  The update is made against the value the walker
 * used, so it fails; the walker does not OR A into the now non-present
 * entry (which a plain atomic OR would, turning KVM's non-present value
 * into garbage), but restarts and takes the violation.
 */
static void test_zap_race(void **state)
{
	struct world w;
	world_init(&w, WALK_EPT, 4, true, 0);
	uint64_t hpa = data_frame(&w, 0);
	ZAP_AT = nmap(&w, 0x1000, hpa, 1, EPT_PAGE);
	struct job j = { .q = world_req(&w, 0x1000, WALK_READ) };
	struct batch b = { &j, 1 };
	/* Loads at 0, ref+atomic, ...: the leaf load happens at
	 * 3 * (ref + atomic), its A update one ref later. */
	cycles_t leaf_load = 3 * (w.p.lat_walk_ref + w.p.lat_atomic);
	sim_spawn(w.s, "walker", batch_thread, &b, 0, 0);
	sim_spawn(w.s, "kvm", zapper, NULL, leaf_load + w.p.lat_walk_ref / 2, 0);
	assert_int_equal(sim_run(w.s), SIM_DONE);
	assert_int_equal(j.rc, WALK_EPT_VIOLATION);
	assert_int_equal(j.r.fault.qual, 0x181);
	assert_int_equal(j.r.fault.level, 1);
	assert_int_equal(j.r.refs, 8);
	assert_int_equal(*ZAP_AT, 0);
	assert_int_equal(counter(&w, "walk.restarts"), 1);
	world_fini(&w);
}

/* ------------------------------------------- differential: naive reference */

/*
 * A reference translator written from the architecture, reading the
 * entries directly (no caches, no A/D, no yield points): EPT 4 levels with
 * A/D on, guest 4 levels, CR0.WP=1, no SMEP/SMAP.  @broken drops the rule
 * that guest page-table accesses need EPT write permission, to prove the
 * comparison can fail.
 */
struct ref {
	int st;
	uint64_t hpa, qual, gpa, pf_error, pte_gpa;
	int level, size;
	unsigned perms;
};

static unsigned ref_eperm(uint64_t e)
{
	return (e & EPT_R ? TLB_R : 0) | (e & EPT_W ? TLB_W : 0) |
	       (e & EPT_X ? TLB_X : 0) | TLB_U;
}

static int ref_nested(struct world *w, uint64_t gpa, unsigned need, bool final,
		      struct ref *o, uint64_t *hpa, unsigned *perms, int *shift)
{
	uint64_t *t = w->nroot;
	unsigned p = TLB_R | TLB_W | TLB_X | TLB_U;
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[(gpa >> lshift(l)) & 511];
		p &= ref_eperm(e);
		bool leaf = l == 1 || (l <= 3 && (e & EPT_PS));
		if (!(e & EPT_RWX))
			goto violation;
		if ((e & EPT_W) && !(e & EPT_R)) {
			o->gpa = gpa;
			return o->st = WALK_EPT_MISCONFIG;
		}
		if (leaf) {
			if (need & ~p)
				goto violation;
			*shift = (int)lshift(l);
			*hpa = (e & ADDR_MASK & ~((UINT64_C(1) << *shift) - 1)) |
			       (gpa & ((UINT64_C(1) << *shift) - 1));
			*perms = p;
			return 0;
		}
		t = sim_va(w->s, e & ADDR_MASK);
	}
violation:
	o->gpa = gpa;
	o->qual = (need & TLB_R ? 1 : 0) | (need & TLB_W ? 2 : 0) |
		  (need & TLB_X ? 4 : 0) | (p & TLB_R ? 8 : 0) |
		  (p & TLB_W ? 0x10 : 0) | (p & TLB_X ? 0x20 : 0) | 0x80 |
		  (final ? 0x100 : 0);
	return o->st = WALK_EPT_VIOLATION;
}

static void ref_walk(struct world *w, uint64_t va, enum walk_access a, bool user,
		     bool broken, struct ref *o)
{
	unsigned acc = a == WALK_WRITE ? TLB_W : a == WALK_FETCH ? TLB_X : TLB_R;
	unsigned g = TLB_R | TLB_W | TLB_X | TLB_U, np;
	uint64_t table = w->cr3, e = 0, pte_gpa = 0, hpa;
	int l, shift;
	memset(o, 0, sizeof(*o));
	for (l = 4; l >= 1; l--) {
		pte_gpa = table + 8 * ((va >> lshift(l)) & 511);
		unsigned need = broken ? TLB_R | TLB_U : TLB_R | TLB_W | TLB_U;
		if (ref_nested(w, pte_gpa, need, false, o, &hpa, &np, &shift))
			return;
		e = *(uint64_t *)sim_va(w->s, hpa);
		if (!(e & X86_PTE_P)) {
			o->pf_error = (a == WALK_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
				      (a == WALK_FETCH ? PF_ID : 0);
			goto pf;
		}
		g &= (e & X86_PTE_RW ? TLB_W : 0) | (e & X86_PTE_US ? TLB_U : 0) |
		     (e & X86_PTE_NX ? 0 : TLB_X) | TLB_R;
		if (l == 1 || (l <= 3 && (e & X86_PTE_PS)))
			break;
		table = e & ADDR_MASK;
	}
	if ((acc | (user ? TLB_U : 0)) & ~g) {
		o->pf_error = PF_P | (a == WALK_WRITE ? PF_W : 0) |
			      (user ? PF_U : 0) | (a == WALK_FETCH ? PF_ID : 0);
		goto pf;
	}
	int gshift = (int)lshift(l);
	uint64_t gpa = (e & ADDR_MASK & ~((UINT64_C(1) << gshift) - 1)) |
		       (va & ((UINT64_C(1) << gshift) - 1));
	if (ref_nested(w, gpa, acc | TLB_U, true, o, &hpa, &np, &shift))
		return;
	o->st = WALK_OK;
	o->hpa = hpa;
	o->size = shift < gshift ? shift : gshift;
	o->perms = (g & np & (TLB_R | TLB_W | TLB_X)) | (g & TLB_U);
	return;
pf:
	o->st = WALK_GUEST_PF;
	o->level = l;
	o->pte_gpa = pte_gpa;
}

static bool ref_equal(const struct ref *o, int rc, const struct walk_res *r)
{
	if (o->st != rc)
		return false;
	switch (rc) {
	case WALK_OK:
		return o->hpa == r->hpa && o->perms == r->perms &&
		       (1u << (o->size == 30 ? 2 : o->size == 21 ? 1 : 0)) == r->size;
	case WALK_EPT_VIOLATION:
		return o->qual == r->fault.qual && o->gpa == r->fault.gpa;
	case WALK_EPT_MISCONFIG:
		return o->gpa == r->fault.gpa;
	case WALK_GUEST_PF:
		return o->pf_error == r->fault.pf_error && o->level == r->fault.level &&
		       o->pte_gpa == r->fault.pte_gpa;
	}
	return false;
}

/* Random worlds: guest 4 KiB / 2 MiB pages with random RW/US/NX, nested
 * 4 KiB / 2 MiB pages with random R/W/X (including absent and W-only),
 * some guest tables absent or read-only in EPT. */
enum { DIFF_N = 24 };

/* A random world of seed @seed (below); its DIFF_N addresses in @va. */
static void random_world(struct world *w, uint64_t seed, uint64_t va[DIFF_N])
{
	static const uint64_t nperm[] = { 0, EPT_R, EPT_R | EPT_W, EPT_R | EPT_X,
					  EPT_RWX, EPT_X, EPT_W };
	struct rng rg;
	rng_seed(&rg, seed, 7);
	world_init(w, WALK_EPT, 4, true, 4);
	for (int i = 0; i < DIFF_N; i++) {
		int gl = 1 + (int)rng_below(&rg, 2), nl = 1 + (int)rng_below(&rg, 2);
		uint64_t region = 0x40000000 + ((uint64_t)i << 21);
		uint64_t off = rng_below(&rg, gl == 2 ? 0x200000 : 0x1000) & ~UINT64_C(7);
		va[i] = (UINT64_C(14) << 39) + ((uint64_t)i << 30) + off;
		uint64_t gbits = X86_PTE_P | (rng_below(&rg, 4) ? X86_PTE_RW : 0) |
				 (rng_below(&rg, 4) ? X86_PTE_US : 0) |
				 (rng_below(&rg, 4) ? 0 : X86_PTE_NX);
		uint64_t gpa_page = gl == 2 ? region : region + (rng_below(&rg, 512) << 12);
		gmap(w, va[i] & ~((UINT64_C(1) << lshift(gl)) - 1), gpa_page, gl, gbits);
		uint64_t final = gpa_page | (va[i] & ((UINT64_C(1) << lshift(gl)) - 1));
		uint64_t bits = nperm[rng_below(&rg, 7)] | EPT_WB;
		if (nl == 2)
			nmap(w, region, data_frame(w, 9), 2, bits);
		else
			nmap(w, final & ADDR_MASK, data_frame(w, 0), 1, bits);
		/* Now and then the guest PD is absent in EPT or read-only. */
		uint64_t *pde = gentry(w, va[i], 2, false);
		if (gl == 1 && rng_below(&rg, 6) == 0)
			*nentry(w, *pde & ADDR_MASK, 1) &= ~EPT_W;
		if (rng_below(&rg, 10) == 0)
			*gentry(w, va[i], 3, false) &= ~X86_PTE_P;
	}
}

/* Each address of @va, for each access kind and both CPLs: DIFF_N * 6 jobs. */
static int random_jobs(struct world *w, const uint64_t va[DIFF_N], struct job *j)
{
	int n = 0;
	for (int i = 0; i < DIFF_N; i++)
		for (int a = 0; a < 3; a++)
			for (int u = 0; u < 2; u++) {
				j[n].q = world_req(w, va[i], (enum walk_access)a);
				j[n].q.user = u;
				n++;
			}
	return n;
}

/* Random worlds: guest 4 KiB / 2 MiB pages with random RW/US/NX, nested
 * 4 KiB / 2 MiB pages with random R/W/X (including absent and W-only),
 * some guest tables absent or read-only in EPT. */
static void test_differential(void **state)
{
	unsigned mismatches = 0, broken_mismatches = 0, outcomes[8] = { 0 };
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct world w;
		uint64_t va[DIFF_N];
		random_world(&w, seed, va);
		struct job j[DIFF_N * 6];
		int n = random_jobs(&w, va, j);
		run_jobs(&w, j, (size_t)n);
		for (int k = 0; k < n; k++) {
			struct ref o;
			ref_walk(&w, j[k].q.addr, j[k].q.access, j[k].q.user, false, &o);
			if (!ref_equal(&o, j[k].rc, &j[k].r))
				mismatches++;
			ref_walk(&w, j[k].q.addr, j[k].q.access, j[k].q.user, true, &o);
			if (!ref_equal(&o, j[k].rc, &j[k].r))
				broken_mismatches++;
			outcomes[j[k].rc & 7]++;
		}
		world_fini(&w);
	}
	assert_int_equal(mismatches, 0);
	assert_true(broken_mismatches > 0);
	/* The worlds exercise every outcome. */
	assert_true(outcomes[WALK_OK] > 0);
	assert_true(outcomes[WALK_EPT_VIOLATION] > 0);
	assert_true(outcomes[WALK_EPT_MISCONFIG] > 0);
	assert_true(outcomes[WALK_GUEST_PF] > 0);
}

/* The jobs of a batch through two walkers prepared once from the first
 * job's request, one per CPL, as a vCPU's walker serves every access
 * between a VM entry and its exit. */
static void walker_thread(struct sim *s, void *arg)
{
	struct batch *b = arg;
	struct walker wk[2];
	int prep[2];
	for (int u = 0; u < 2; u++) {
		struct walk_req q = b->j[0].q;
		q.user = u;
		prep[u] = walk_prepare(&wk[u], s, &q);
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct walk_req *q = &b->j[i].q;
		b->j[i].rc = prep[q->user] ? prep[q->user]
					   : walk_run(&wk[q->user], q->guest_cr3, q->addr,
						      q->access, &b->j[i].r);
	}
}

static bool same_res(const struct walk_res *a, const struct walk_res *b)
{
	return a->status == b->status && a->gpa == b->gpa && a->hpa == b->hpa &&
	       a->pfn == b->pfn && a->page_gpa == b->page_gpa &&
	       a->page_hpa == b->page_hpa && a->gen == b->gen && a->size == b->size &&
	       a->perms == b->perms && a->dirty == b->dirty && a->global == b->global &&
	       a->refs == b->refs && a->refs_guest == b->refs_guest &&
	       a->refs_nested == b->refs_nested && a->cycles == b->cycles &&
	       !memcmp(&a->fault, &b->fault, sizeof(a->fault));
}

/*
 * A prepared walker walks as walk_2d does: the random worlds' 144 walks
 * each (all outcomes, A/D updates in between), made once with walk_2d
 * and once through walk_prepare/walk_run in an identical world, give the
 * same results, the same walk counters and the same clock. And
 * walk_prepare refuses what walk_2d refuses, with its error.
 */
static void test_walker_reuse(void **state)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct world w1, w2;
		uint64_t va[DIFF_N];
		struct job j1[DIFF_N * 6], j2[DIFF_N * 6];
		random_world(&w1, seed, va);
		random_world(&w2, seed, va);
		int n = random_jobs(&w1, va, j1);
		assert_int_equal(random_jobs(&w2, va, j2), n);
		run_jobs(&w1, j1, (size_t)n);
		struct batch b = { j2, (size_t)n };
		sim_spawn(w2.s, "walker", walker_thread, &b, 0, 0);
		assert_int_equal(sim_run(w2.s), SIM_DONE);
		for (int k = 0; k < n; k++) {
			assert_int_equal(j1[k].rc, j2[k].rc);
			assert_true(same_res(&j1[k].r, &j2[k].r));
		}
		assert_int_equal(counter(&w1, "walk.walks"), (uint64_t)n);
		assert_int_equal(counter(&w2, "walk.walks"), (uint64_t)n);
		assert_int_equal(counter(&w1, "walk.refs"), counter(&w2, "walk.refs"));
		assert_int_equal(counter(&w1, "walk.ad_updates"), counter(&w2, "walk.ad_updates"));
		world_fini(&w1);
		world_fini(&w2);
	}

	struct world w;
	world_init(&w, WALK_EPT, 4, true, 0);
	struct walker wk;
	struct walk_req q = world_req(&w, 0, WALK_READ);
	q.root = (q.root & ~EPTP_PWL) | (UINT64_C(2) << EPTP_PWL_SHIFT);
	assert_int_equal(walk_prepare(&wk, w.s, &q), -EINVAL);
	q = world_req(&w, 0, WALK_READ);
	q.guest_levels = 3;
	assert_int_equal(walk_prepare(&wk, w.s, &q), -EINVAL);
	q = world_req(&w, 0, WALK_READ);
	q.fmt = (enum walk_fmt)7;
	assert_int_equal(walk_prepare(&wk, w.s, &q), -EINVAL);
	world_fini(&w);
}

/* A batch through two walkers, one per CPL, as walker_thread, with the
 * straight way (walk_guest_fast) off when @general. */
struct fast_batch {
	struct batch b;
	bool general;
	uint64_t fast_walks;	/* the straight way's walks, both walkers */
	cycles_t clock;		/* the thread's at the end */
};

static void fast_thread(struct sim *s, void *arg)
{
	struct fast_batch *fb = arg;
	struct walker wk[2];
	int prep[2];
	for (int u = 0; u < 2; u++) {
		struct walk_req q = fb->b.j[0].q;
		q.user = u;
		prep[u] = walk_prepare(&wk[u], s, &q);
		if (fb->general)
			wk[u].fast = false;
	}
	for (size_t i = 0; i < fb->b.n; i++) {
		struct job *j = &fb->b.j[i];
		j->rc = prep[j->q.user] ? prep[j->q.user]
					: walk_run(&wk[j->q.user], j->q.guest_cr3, j->q.addr,
						   j->q.access, &j->r);
	}
	fb->fast_walks = wk[0].fast_walks + wk[1].fast_walks;
	fb->clock = sim_now(s);
}

/*
 * The straight way is the general way, faster: the random worlds' 144
 * walks each, with paging-structure caches, made once with the straight
 * way off and once with it on in an identical world, give the same
 * results, the same walk and TLB counters, the same clock and the same
 * event log, record by record.  The worlds' repeated walks of one address
 * (three access kinds, two CPLs) find the caches warm, so the straight
 * way takes some of them (more than none: counted).
 */
static void test_fast_walks_same(void **state)
{
	uint64_t fast = 0;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct world w[2];
		uint64_t va[DIFF_N];
		struct job j[2][DIFF_N * 6];
		struct fast_batch fb[2];
		int n = 0;
		for (int k = 0; k < 2; k++) {
			random_world(&w[k], seed, va);
			attach_tlb(&w[k], NULL);
			n = random_jobs(&w[k], va, j[k]);
			fb[k] = (struct fast_batch){ .b = { j[k], (size_t)n }, .general = k == 0 };
			sim_spawn(w[k].s, "walker", fast_thread, &fb[k], 0, 0);
			assert_int_equal(sim_run(w[k].s), SIM_DONE);
		}
		assert_int_equal(fb[0].fast_walks, 0);
		fast += fb[1].fast_walks;
		for (int i = 0; i < n; i++) {
			assert_int_equal(j[0][i].rc, j[1][i].rc);
			assert_true(same_res(&j[0][i].r, &j[1][i].r));
		}
		assert_int_equal(fb[0].clock, fb[1].clock);
		static const char *const names[] = {
			"walk.walks", "walk.refs", "walk.refs.guest", "walk.refs.nested",
			"walk.refs_saved", "walk.ad_updates", "walk.refs.guest.l1",
			"walk.refs.nested.l1", "walk.guest_pfs", "walk.ept_violations",
		};
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			assert_int_equal(counter(&w[0], names[i]), counter(&w[1], names[i]));
		assert_memory_equal(tlb_stats(w[0].tlb), tlb_stats(w[1].tlb),
				    sizeof(struct tlb_stats));
		assert_int_equal(sim_log_total(w[0].s), sim_log_total(w[1].s));
		assert_int_equal(sim_log_count(w[0].s), sim_log_count(w[1].s));
		for (size_t i = 0; i < sim_log_count(w[0].s); i++) {
			const struct sim_event *a = sim_log_get(w[0].s, i);
			const struct sim_event *b = sim_log_get(w[1].s, i);
			assert_int_equal(a->cycle, b->cycle);
			assert_string_equal(a->op, b->op);
			assert_int_equal(a->addr - wpa(&w[0], w[0].nroot),
					 b->addr - wpa(&w[1], w[1].nroot));
			assert_int_equal(a->old, b->old);
			assert_int_equal(a->new, b->new);
			assert_int_equal(a->thread, b->thread);
		}
		for (int k = 0; k < 2; k++)
			world_fini(&w[k]);
	}
	assert_true(fast > 0);
}

/* Thread A of test_fast_walk_horizon: walks VA4 (cold), sleeps until
 * HORIZON_T, walks it again; the second walk's outcome and whether the
 * straight way took it. */
#define HORIZON_T UINT64_C(1000000)
struct horizon {
	struct walk_req q;
	int rc[2];
	uint64_t fast_walks;
	uint64_t *pte;		/* the guest PTE of VA4, for thread B */
};

static void horizon_a(struct sim *s, void *arg)
{
	struct horizon *h = arg;
	struct walker wk;
	struct walk_res r;
	assert_int_equal(walk_prepare(&wk, s, &h->q), 0);
	h->rc[0] = walk_run(&wk, h->q.guest_cr3, VA4, WALK_READ, &r);
	sim_sleep_until(s, SIM_ACCT_OTHER, HORIZON_T);
	h->rc[1] = walk_run(&wk, h->q.guest_cr3, VA4, WALK_READ, &r);
	h->fast_walks = wk.fast_walks;
}

/* Thread B: the guest unmaps VA4's page. */
static void horizon_b(struct sim *s, void *arg)
{
	struct horizon *h = arg;
	(void)s;
	*h->pte &= ~X86_PTE_P;
}

/*
 * The straight way judges entries before reading them, so it may only
 * walk when no other thread runs in between.  A's second walk of VA4 has
 * warm caches (its first filled them) and would go the straight way.
 * B, due at HORIZON_T + 1, clears the guest PTE.  The second walk starts
 * at HORIZON_T; its guest PSC hit costs 2 cycles before its first
 * reference, whose yield point (HORIZON_T + 2) lets B run first: the
 * reference reads the cleared PTE, a guest #PF, and the straight way,
 * which would have translated through the PTE it saw, must not take it.
 * With B due at HORIZON_T + 100000, well after the walk, the straight way
 * takes it (1 walk) and it translates.
 */
static void test_fast_walk_horizon(void **state)
{
	for (int late = 0; late < 2; late++) {
		struct world w;
		struct w2d x;
		world_init(&w, WALK_EPT, 4, true, 4);
		build_2d(&w, &x, VA4);
		attach_tlb(&w, NULL);
		struct horizon h = { .q = world_req(&w, VA4, WALK_READ), .pte = x.g[1] };
		sim_spawn(w.s, "a", horizon_a, &h, 0, 0);
		sim_spawn(w.s, "b", horizon_b, &h, HORIZON_T + (late ? 100000 : 1), 0);
		assert_int_equal(sim_run(w.s), SIM_DONE);
		assert_int_equal(h.rc[0], WALK_OK);
		assert_int_equal(h.rc[1], late ? WALK_OK : WALK_GUEST_PF);
		assert_int_equal(h.fast_walks, late ? 1 : 0);
		world_fini(&w);
	}
}

static void no_gpsc_pde(struct tlb_config *c)
{
	c->a[TLB_GPSC_PDE].entries = 0;
}

static void no_npsc_pde(struct tlb_config *c)
{
	c->a[TLB_NPSC_PDE].entries = 0;
}

/* Thread of test_fast_walk_declines: a warm-up read of VA4, then the
 * case's change to the entries, then one walk of kind @access. */
struct decline {
	struct walk_req q;
	struct w2d *x;
	int c;			/* the case */
	enum walk_access access;
	bool general;
	int rc;
	struct walk_res r;
	uint64_t fast_walks;	/* of the second walk */
	cycles_t clock;
};

static void decline_thread(struct sim *s, void *arg)
{
	struct decline *d = arg;
	struct walker wk;
	struct walk_res r;
	assert_int_equal(walk_prepare(&wk, s, &d->q), 0);
	if (d->general)
		wk.fast = false;
	assert_int_equal(walk_run(&wk, d->q.guest_cr3, VA4, WALK_READ, &r), WALK_OK);
	uint64_t before = wk.fast_walks;
	switch (d->c) {
	case 1: *d->x->g[1] &= ~X86_PTE_A; break;
	case 3: *d->x->g[1] |= X86_PTE_D; break;
	case 4: *d->x->ndata &= ~EPT_A; break;
	case 5: *d->x->ndata |= EPT_D; break;
	case 6: *d->x->ndata = (*d->x->ndata & ~EPT_MT) | (UINT64_C(2) << EPT_MT_SHIFT); break;
	case 7: *d->x->g[1] |= UINT64_C(1) << 51; break;
	case 8: *d->x->g[1] &= ~X86_PTE_P; break;
	default: break;
	}
	d->rc = walk_run(&wk, d->q.guest_cr3, VA4, d->access, &d->r);
	d->fast_walks = wk.fast_walks - before;
	d->clock = sim_now(s);
}

/*
 * The straight way takes only walks that set no A or D bit.  After a read
 * of VA4 has warmed the caches (and set every A bit on the way), a second
 * walk, made once with the straight way off and once with it on:
 *   0. a read: nothing to set, the straight way takes it (the control);
 *   1. a read after the guest cleared its PTE's A: A is set again;
 *   2. a write: the guest PTE's D and the EPT leaf's D are set;
 *   3. a write with the guest PTE's D already set: the EPT leaf's D;
 *   4. a read after the EPT leaf's A was cleared: A again;
 *   5. a write with the EPT leaf's D already set: the guest PTE's D;
 *   6. a read after the EPT leaf got a reserved memory type (2): an EPT
 *      misconfiguration;
 *   7. a read after the guest PTE got bit 51 set, reserved at the
 *      default MAXPHYADDR (46): a guest #PF;
 *   8. a read after the guest cleared its PTE's P: a guest #PF;
 *   9. a read without a guest PDE cache: the guest PSC's deepest level
 *      is the PDPTE's, whose entry points at VA4's page directory, where
 *      the entry at VA4's PT index (4) maps GPA 0x11000 (A set, and A
 *      set in its EPT leaf): read as if it were the PTE it would
 *      translate VA4 there;
 *  10. a read without a nested PDE cache: the nested PSC's deepest level
 *      is the PDPTE's, whose entry points at the EPT page directory,
 *      where the entry at the data GPA's PT index (16) is a 2 MiB leaf
 *      with A set.
 * In 1-10 the straight way must decline, so both give the same result,
 * A/D updates, clock and entries.
 */
static void test_fast_walk_declines(void **state)
{
	static const enum walk_access acc[] = { WALK_READ, WALK_READ, WALK_WRITE, WALK_WRITE,
						WALK_READ, WALK_WRITE, WALK_READ, WALK_READ,
						WALK_READ, WALK_READ, WALK_READ };
	static const int rc[] = { WALK_OK, WALK_OK, WALK_OK, WALK_OK, WALK_OK,
				  WALK_OK, WALK_EPT_MISCONFIG, WALK_GUEST_PF, WALK_GUEST_PF,
				  WALK_OK, WALK_OK };
	for (int c = 0; c < 11; c++) {
		struct world w[2];
		struct w2d x[2];
		struct decline d[2];
		for (int k = 0; k < 2; k++) {
			world_init(&w[k], WALK_EPT, 4, true, 4);
			build_2d(&w[k], &x[k], VA4);
			attach_tlb(&w[k], c == 9 ? no_gpsc_pde : c == 10 ? no_npsc_pde : NULL);
			if (c == 9) {
				*nmap(&w[k], DATA_GPA + 0x1000, data_frame(&w[k], 0), 1,
				      npage_bits(&w[k])) |= EPT_A;
				*gentry(&w[k], VA4 + (UINT64_C(1) << 21), 2, false) =
					(DATA_GPA + 0x1000) | X86_PAGE | X86_PTE_A;
			}
			if (c == 10)
				*nmap(&w[k], UINT64_C(16) << 21, data_frame(&w[k], 9), 2,
				      npage_bits(&w[k])) |= EPT_A;
			d[k] = (struct decline){ .q = world_req(&w[k], VA4, WALK_READ),
						 .x = &x[k], .c = c, .access = acc[c],
						 .general = k == 0 };
			sim_spawn(w[k].s, "walker", decline_thread, &d[k], 0, 0);
			assert_int_equal(sim_run(w[k].s), SIM_DONE);
		}
		assert_int_equal(d[0].fast_walks, 0);
		assert_int_equal(d[1].fast_walks, c == 0 ? 1 : 0);
		assert_int_equal(d[0].rc, rc[c]);
		assert_int_equal(d[1].rc, rc[c]);
		assert_true(same_res(&d[0].r, &d[1].r));
		assert_int_equal(d[0].clock, d[1].clock);
		assert_int_equal(counter(&w[0], "walk.ad_updates"),
				 counter(&w[1], "walk.ad_updates"));
		assert_int_equal(*x[0].g[1], *x[1].g[1]);
		assert_int_equal(*x[0].ndata, *x[1].ndata);
		for (int k = 0; k < 2; k++)
			world_fini(&w[k]);
	}
}

static void test_bad_requests(void **state)
{
	struct world w;
	struct walk_res r;
	world_init(&w, WALK_EPT, 4, true, 0);
	struct job j[3] = { { .q = world_req(&w, 0, WALK_READ) },
			    { .q = world_req(&w, 0, WALK_READ) },
			    { .q = world_req(&w, 0, WALK_READ) } };
	j[0].q.root = (j[0].q.root & ~EPTP_PWL) | (UINT64_C(2) << EPTP_PWL_SHIFT);
	j[1].q.guest_levels = 3;
	/* A table pointer beyond simulated memory. */
	*w.nroot = (UINT64_C(1) << 44) | EPT_TBL;
	run_jobs(&w, j, 3);
	assert_int_equal(j[0].rc, -EINVAL);
	assert_int_equal(j[1].rc, -EINVAL);
	assert_int_equal(j[2].rc, -EFAULT);
	(void)r;
	world_fini(&w);
}

/* The EPT format on its own: reserved bits, misconfigurations, EPTP. */
static void test_ept_format(void **state)
{
	const uint64_t a46 = UINT64_C(0x000fc00000000000);
	assert_int_equal(ept_rsvd(4, false, 46), a46 | 0xf8);
	assert_int_equal(ept_rsvd(5, false, 46), a46 | 0xf8);
	assert_int_equal(ept_rsvd(3, false, 46), a46 | 0xf8);
	assert_int_equal(ept_rsvd(2, false, 46), a46 | 0xf8);
	assert_int_equal(ept_rsvd(3, true, 46), a46 | 0x3ffff000);
	assert_int_equal(ept_rsvd(2, true, 46), a46 | 0x1ff000);
	assert_int_equal(ept_rsvd(1, true, 46), a46);
	assert_int_equal(ept_rsvd(1, true, 52), 0);
	assert_true(ept_misconfigured(EPT_W, false));
	assert_true(ept_misconfigured(EPT_W | EPT_X | EPT_WB, true));
	assert_false(ept_misconfigured(EPT_X, true)); /* execute-only */
	for (uint64_t mt = 0; mt < 8; mt++)
		assert_int_equal(ept_misconfigured(EPT_R | (mt << EPT_MT_SHIFT), true),
				 mt == 2 || mt == 3 || mt == 7);
	/* Memory type bits mean nothing in a table pointer: bits 7:3 are
	 * reserved there instead (checked through ept_rsvd). */
	assert_false(ept_misconfigured(EPT_R | (UINT64_C(2) << EPT_MT_SHIFT), false));
	/* KVM's EPTP: WB, PWL-1 in 5:3, A/D in 6. */
	assert_int_equal(ept_eptp(0x12345000, 4, true), UINT64_C(0x1234505e));
	assert_int_equal(ept_eptp(0x12345000, 5, false), UINT64_C(0x12345026));
	assert_int_equal(ept_eptp_levels(UINT64_C(0x1234505e)), 4);
	assert_int_equal(ept_eptp_levels(UINT64_C(0x12345026)), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ept_format),
		cmocka_unit_test(test_cold_4on4_read),
		cmocka_unit_test(test_cold_4on4_write),
		cmocka_unit_test(test_cold_5on5),
		cmocka_unit_test(test_ad_read_then_write),
		cmocka_unit_test(test_ad_off),
		cmocka_unit_test(test_npt_ad),
		cmocka_unit_test(test_large_pages),
		cmocka_unit_test(test_ept_violation_quals),
		cmocka_unit_test(test_ept_violation_guest_pt),
		cmocka_unit_test(test_ept_misconfig),
		cmocka_unit_test(test_npf_codes),
		cmocka_unit_test(test_guest_pf),
		cmocka_unit_test(test_psc_warm),
		cmocka_unit_test(test_psc_partial),
		cmocka_unit_test(test_psc_warm_5level),
		cmocka_unit_test(test_ptc),
		cmocka_unit_test(test_pml_fill),
		cmocka_unit_test(test_pml_npt),
		cmocka_unit_test(test_walk_freed_table),
		cmocka_unit_test(test_zap_race),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_walker_reuse),
		cmocka_unit_test(test_fast_walks_same),
		cmocka_unit_test(test_fast_walk_horizon),
		cmocka_unit_test(test_fast_walk_declines),
		cmocka_unit_test(test_bad_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
