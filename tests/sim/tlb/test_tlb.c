/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/tlb: exact expectations, worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "sim/core/core.h"
#include "sim/tlb/tlb.h"
#include "sim/tlb/tlb_int.h"	/* tlb_fp, tlb_key: the fingerprint tests */
#include "tests/sim/tlb/tlb_defaults.h"

#define RW (TLB_R | TLB_W)
#define EPTP_A 0x1000
#define EPTP_B 0x2000

/* ---- helpers ------------------------------------------------------------ */

/* The defaults with every structure absent; tests add what they need. */
static struct tlb_config cfg_empty(enum tlb_vendor v)
{
	struct tlb_config c;

	tlb_config_default(&c);
	c.vendor = v;
	for (unsigned i = 0; i < TLB_NARRAYS; i++)
		c.a[i].entries = 0;
	return c;
}

static void arr(struct tlb_config *c, enum tlb_array_id id, uint32_t entries, uint32_t ways,
		unsigned sizes, enum tlb_repl repl, uint32_t lat)
{
	c->a[id] = (struct tlb_array_config){
		.entries = entries, .ways = ways, .sizes = (uint8_t)sizes, .repl = repl,
		.latency = lat,
	};
}

static struct tlb *mk(const struct tlb_config *c)
{
	char msg[256] = "";
	struct tlb *t = NULL;

	if (tlb_create(&t, c, msg, sizeof(msg)))
		fail_msg("tlb_create: %s", msg);
	return t;
}

static void ctx(struct tlb *t, uint16_t id, uint16_t pcid, uint64_t ep4ta)
{
	struct tlb_tag tag = { .ep4ta = ep4ta, .vpid = id, .pcid = pcid };

	tlb_set_context(t, &tag);
}

static int fillx(struct tlb *t, unsigned need, uint64_t addr, unsigned size, unsigned perms,
		 bool dirty, bool global)
{
	struct tlb_map m = {
		.addr = addr, .gpa = addr, .hpa = addr + (UINT64_C(1) << 32), .gen = 7,
		.size = (uint8_t)size, .perms = (uint8_t)perms, .dirty = dirty, .global = global,
	};

	return tlb_fill(t, need, &m);
}

/* A dirty, writable, non-global 4 KiB data page. */
static int fill4k(struct tlb *t, uint64_t addr)
{
	return fillx(t, TLB_R, addr, TLB_4K, RW, true, false);
}

static enum tlb_outcome look(struct tlb *t, unsigned need, uint64_t addr)
{
	struct tlb_result r;

	return tlb_lookup(t, need, addr, &r);
}

static void checked(const struct tlb *t)
{
	char msg[256] = "";

	if (tlb_check(t, msg, sizeof(msg)))
		fail_msg("tlb_check: %s", msg);
}

static bool in(const struct tlb *t, enum tlb_array_id id, uint64_t addr)
{
	return tlb_probe(t, id, addr) != NULL;
}

static int flush(struct tlb *t, enum tlb_flush_type type, uint16_t id, uint64_t ep4ta,
		 uint64_t addr)
{
	struct tlb_flush f = { .type = type, .tag = { .ep4ta = ep4ta, .vpid = id }, .addr = addr };

	return tlb_flush(t, &f);
}

/* A single-set, 4-way L1 dTLB and nothing else. */
static struct tlb *one_set(enum tlb_repl repl)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);

	arr(&c, TLB_L1D, 4, 4, TLB_4K, repl, 1);
	return mk(&c);
}

/* ---- configuration ------------------------------------------------------ */

/* One key through the run's one setter; the test fails if it is refused. */
static void set(struct params *p, const char *key, const char *value)
{
	char err[256] = "";

	if (params_set(p, key, value, err, sizeof(err)))
		fail_msg("params_set %s=%s: %s", key, value, err);
}

/* The TLB configuration of @p on its vendor, as the machine makes it. */
static int from_params(const struct params *p, struct tlb_config *c, char *msg,
		       size_t msglen)
{
	return tlb_config_from_params(&p->tlb, p->cpu_vendor == VENDOR_AMD ? TLB_VENDOR_AMD
								       : TLB_VENDOR_INTEL,
				      c, msg, msglen);
}

/* The defaults with one key changed, through tlb_config_from_params. */
static int from_key(struct tlb_config *c, const char *key, const char *value, char *msg,
		    size_t msglen)
{
	struct params p;

	params_defaults(&p);
	set(&p, key, value);
	return from_params(&p, c, msg, msglen);
}

static void test_config(void **state)
{
	struct tlb_config c;
	struct tlb *t = (struct tlb *)&c;	/* must be overwritten with NULL */
	struct params p;
	char msg[256];
	size_t n = 0;

	(void)state;
	tlb_config_default(&c);
	assert_int_equal(tlb_config_validate(&c, msg, sizeof(msg)), 0);
	assert_int_equal(c.vendor, TLB_VENDOR_INTEL);
	assert_int_equal(c.a[TLB_L1D].entries, 64);
	assert_int_equal(c.a[TLB_L1D].sizes, TLB_4K | TLB_2M | TLB_1G);
	assert_int_equal(c.a[TLB_L1I].sizes, TLB_4K | TLB_2M);
	assert_int_equal(c.a[TLB_L2].entries, 1536);
	assert_int_equal(c.a[TLB_L2].ways, 12);
	assert_true(c.psc);
	assert_int_equal(c.l2_mode, TLB_L2_FILL);
	/* The TLB's keys live in sim/tlb/params.def: 4 TLB arrays x 5 keys + 8 PSC
	 * levels x 4 keys + tlb.l2.mode and tlb.psc, plus the Hyper-V switch. */
	for (size_t i = 0; i < params_count(); i++)
		n += !strncmp(params_desc(i)->key, "tlb.", 4);
	assert_int_equal(n, 4 * 5 + 8 * 4 + 2);
	assert_non_null(params_find("svm.hv_enlightened_npt_tlb"));

	assert_int_equal(from_key(&c, "tlb.l1d.ways", "3", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.l1d.ways=3 does not divide tlb.l1d.entries=64");
	/* tlb_create refuses the same geometry built by hand. */
	tlb_config_default(&c);
	c.a[TLB_L1D].ways = 3;
	assert_int_equal(tlb_create(&t, &c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.l1d.ways=3 does not divide tlb.l1d.entries=64");
	assert_null(t);

	assert_int_equal(from_key(&c, "tlb.l1d.entries", "48", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.l1d.entries=48 / tlb.l1d.ways=4 gives 12 sets, "
				 "not a power of two");

	assert_int_equal(from_key(&c, "tlb.l2.repl", "plru", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.l2.repl=plru needs a power-of-two tlb.l2.ways, not 12");

	assert_int_equal(from_key(&c, "tlb.l1i.ways", "0", msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "tlb.l1i.ways=0"));

	assert_int_equal(from_key(&c, "tlb.l1d.sizes", "none", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.l1d.sizes=none: a present structure must hold a page size");

	/* Counts the model keeps in 32 bits are range-checked, not truncated. */
	assert_int_equal(from_key(&c, "tlb.l1d.entries", "4294967296", msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "tlb.l1d.entries=4294967296 exceeds the limit 1048576");

	assert_int_equal(from_key(&c, "tlb.l2.entries", "0", msg, sizeof(msg)), 0);	/* no L2 */
	assert_int_equal(c.a[TLB_L2].entries, 0);

	/* Bad values are refused by the setter, which names the key and the
	 * accepted values; p is left unchanged. */
	params_defaults(&p);
	assert_int_equal(params_set(&p, "tlb.l1d.sizes", "4k,3m", msg, sizeof(msg)), -1);
	assert_string_equal(msg, "tlb.l1d.sizes: bad value '4k,3m' (accepted: none, 4k, 2m, "
				 "4k,2m, 1g, 4k,1g, 2m,1g or 4k,2m,1g)");
	assert_int_equal(params_set(&p, "tlb.l1d.sizes", "4k,", msg, sizeof(msg)), -1);
	assert_int_equal(params_set(&p, "tlb.l1d.sizes", "4k,4k", msg, sizeof(msg)), -1);
	/* Sizes are spelled as listed: smallest first, lower case. */
	assert_int_equal(params_set(&p, "tlb.l1d.sizes", "2M,4K", msg, sizeof(msg)), -1);
	set(&p, "tlb.l1d.sizes", "4k,2m");
	assert_int_equal(from_params(&p, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c.a[TLB_L1D].sizes, TLB_4K | TLB_2M);
	assert_int_equal(params_set(&p, "tlb.l1d.entries", "-1", msg, sizeof(msg)), -1);
	assert_string_equal(msg, "tlb.l1d.entries: bad value '-1' (accepted: an unsigned integer)");
	assert_int_equal(params_set(&p, "tlb.psc", "maybe", msg, sizeof(msg)), -1);
	assert_string_equal(msg, "tlb.psc: bad value 'maybe' (accepted: off or on)");
	assert_int_equal(params_set(&p, "tlb.l1d.bogus", "1", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "unknown key 'tlb.l1d.bogus'"));
	set(&p, "tlb.psc", "off");
	set(&p, "tlb.l2.mode", "victim");
	set(&p, "svm.hv_enlightened_npt_tlb", "on");
	set(&p, "cpu.vendor", "amd");
	set(&p, "tlb.ntlb.repl", "plru");
	set(&p, "tlb.npsc.pml4e.latency", "7");
	assert_int_equal(from_params(&p, &c, msg, sizeof(msg)), 0);
	assert_false(c.psc);
	assert_int_equal(c.l2_mode, TLB_L2_VICTIM);
	assert_true(c.hv_enlightened_npt_tlb);
	assert_int_equal(c.vendor, TLB_VENDOR_AMD);
	assert_int_equal(c.a[TLB_NTLB].repl, TLB_REPL_PLRU);
	assert_int_equal(c.a[TLB_L2].repl, TLB_REPL_LRU);
	assert_int_equal(c.a[TLB_NPSC_PML4E].latency, 7);
	assert_int_equal(c.a[TLB_L1D].sizes, TLB_4K | TLB_2M);	/* still set */

	/* PSC geometry is checked only while PSCs are on. */
	params_defaults(&p);
	set(&p, "tlb.psc.pde.ways", "5");
	assert_int_equal(from_params(&p, &c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "tlb.psc.pde.ways=5 does not divide tlb.psc.pde.entries=32");
	set(&p, "tlb.psc", "off");
	assert_int_equal(from_params(&p, &c, msg, sizeof(msg)), 0);
}

/* ---- replacement -------------------------------------------------------- */

/*
 * One set, 4 ways: fill A B C D (ways 0..3, empty ways first), hit A, then
 * fill E, F, G.
 *
 * LRU, oldest first: B C D A. E evicts B -> C D A E; F evicts C ->
 * D A E F; G evicts D. Victims B, C, D; final ways A E F G.
 */
static void test_lru_victims(void **state)
{
	struct tlb *t = one_set(TLB_REPL_LRU);
	const uint64_t A = 0x1000, B = 0x2000, C = 0x3000, D = 0x4000;
	const uint64_t E = 0x5000, F = 0x6000, G = 0x7000;

	(void)state;
	fill4k(t, A), fill4k(t, B), fill4k(t, C), fill4k(t, D);
	assert_int_equal(look(t, TLB_R, A), TLB_HIT);
	fill4k(t, E);
	assert_false(in(t, TLB_L1D, B));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, C) && in(t, TLB_L1D, D));
	fill4k(t, F);
	assert_false(in(t, TLB_L1D, C));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, D) && in(t, TLB_L1D, E));
	fill4k(t, G);
	assert_false(in(t, TLB_L1D, D));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, E) && in(t, TLB_L1D, F) &&
		    in(t, TLB_L1D, G));
	assert_int_equal(tlb_stats(t)->evictions, 3);
	checked(t);
	tlb_destroy(t);
}

/*
 * Sets wider than one 16-byte fingerprint vector: one set of 40 ways (the
 * last vector only half used) and one of 64. Filling pages 1..W takes the
 * empty ways in order, so page i sits in way i - 1; each of them must then
 * be found the long way (only the last fill is the MRU). Page W + 1 was
 * never filled: a miss. Looking pages 1..W up in order leaves page 1 the
 * oldest, so filling W + 1 evicts it and nothing else (1 eviction).
 */
static void test_wide_sets(void **state)
{
	static const uint32_t widths[] = { 40, 64 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		const uint32_t w = widths[k];
		struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
		struct tlb *t;

		arr(&c, TLB_L1D, w, w, TLB_4K, TLB_REPL_LRU, 1);
		t = mk(&c);
		for (uint64_t i = 1; i <= w; i++)
			fill4k(t, i << 12);
		for (uint64_t i = 1; i <= w; i++)
			assert_int_equal(look(t, TLB_R, i << 12), TLB_HIT);
		assert_int_equal(look(t, TLB_R, (uint64_t)(w + 1) << 12), TLB_MISS);
		assert_int_equal(tlb_stats(t)->l1d_hits, w);
		fill4k(t, (uint64_t)(w + 1) << 12);
		assert_false(in(t, TLB_L1D, 1 << 12));
		for (uint64_t i = 2; i <= w + 1; i++)
			assert_true(in(t, TLB_L1D, i << 12));
		assert_int_equal(tlb_stats(t)->evictions, 1);
		checked(t);
		tlb_destroy(t);
	}
}

/*
 * Fingerprints only name candidates. Two pages whose keys share a
 * fingerprint, in one 8-way set (sets of up to 4 ways compare keys
 * instead): each lookup finds its own entry (its own host address). And
 * a page whose key's fingerprint is 0, the value of an empty way, misses
 * the set with 6 empty ways, and one of 40 ways (bytes past the last way
 * are 0 too) without reading past the set.
 */
static void test_fingerprint_collisions(void **state)
{
	struct tlb_config c8 = cfg_empty(TLB_VENDOR_INTEL);
	arr(&c8, TLB_L1D, 8, 8, TLB_4K, TLB_REPL_LRU, 1);
	struct tlb *t = mk(&c8);
	struct tlb_result r;
	uint64_t a = 1, b = 0, z = 0;

	(void)state;
	for (uint64_t v = 2; !b; v++)
		if (tlb_fp(tlb_key(v, 12)) == tlb_fp(tlb_key(a, 12)))
			b = v;
	for (uint64_t v = 1; !z; v++)
		if (tlb_fp(tlb_key(v, 12)) == 0)
			z = v;
	fill4k(t, a << 12);
	fill4k(t, b << 12);
	assert_int_equal(tlb_lookup(t, TLB_R, a << 12, &r), TLB_HIT);
	assert_int_equal(r.e->vpn, a);
	assert_int_equal(r.e->hpa, (a << 12) + (UINT64_C(1) << 32));
	assert_int_equal(tlb_lookup(t, TLB_R, b << 12, &r), TLB_HIT);
	assert_int_equal(r.e->vpn, b);
	/* Ways 2..7 are empty (fingerprint 0): z still misses. */
	if (z != a && z != b)
		assert_int_equal(look(t, TLB_R, z << 12), TLB_MISS);
	checked(t);
	tlb_destroy(t);

	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	arr(&c, TLB_L1D, 40, 40, TLB_4K, TLB_REPL_LRU, 1);
	t = mk(&c);
	for (uint64_t i = 1; i <= 40; i++)
		if (i != z)
			fill4k(t, i << 12);
	assert_int_equal(look(t, TLB_R, z << 12), TLB_MISS);
	tlb_destroy(t);
}

/*
 * The same sequence under tree-PLRU. Nodes: 1 root, 2 over ways 0-1, 3
 * over ways 2-3; bit set = victim on the right.
 *   fills 0,1,2,3          -> b1=0 b2=0 b3=0
 *   hit A (way 0)          -> b1=1 b2=1
 *   E: b1=1 -> node 3, b3=0 -> way 2 (C).   touch 2 -> b1=0 b3=1
 *   F: b1=0 -> node 2, b2=1 -> way 1 (B).   touch 1 -> b1=1 b2=0
 *   G: b1=1 -> node 3, b3=1 -> way 3 (D).
 * Victims C, B, D (LRU: B, C, D); final ways A F E G.
 */
static void test_plru_victims(void **state)
{
	struct tlb *t = one_set(TLB_REPL_PLRU);
	const uint64_t A = 0x1000, B = 0x2000, C = 0x3000, D = 0x4000;
	const uint64_t E = 0x5000, F = 0x6000, G = 0x7000;

	(void)state;
	fill4k(t, A), fill4k(t, B), fill4k(t, C), fill4k(t, D);
	assert_int_equal(look(t, TLB_R, A), TLB_HIT);
	fill4k(t, E);
	assert_false(in(t, TLB_L1D, C));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, B) && in(t, TLB_L1D, D));
	fill4k(t, F);
	assert_false(in(t, TLB_L1D, B));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, D) && in(t, TLB_L1D, E));
	fill4k(t, G);
	assert_false(in(t, TLB_L1D, D));
	assert_true(in(t, TLB_L1D, A) && in(t, TLB_L1D, E) && in(t, TLB_L1D, F) &&
		    in(t, TLB_L1D, G));
	checked(t);
	tlb_destroy(t);
}

/*
 * 8-way tree-PLRU. Nodes: 1 over ways 0-7, 2 over 0-3, 3 over 4-7, 4 over
 * 0-1, 5 over 2-3, 6 over 4-5, 7 over 6-7. Filling ways 0..7 in order ends
 * with every bit 0 (each node's last touch came from its right half). Then
 *   hit way 0: b1=1 b2=1 b4=1
 *   hit way 4: b1=0 b3=1 b6=1
 *   hit way 2: b1=1 b2=0 b5=1
 * victim: b1=1 -> node 3, b3=1 -> node 7, b7=0 -> way 6 (page 6).
 * (LRU would pick way 1.)
 */
static void test_plru_8way(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 8, 8, TLB_4K, TLB_REPL_PLRU, 1);
	t = mk(&c);
	for (uint64_t p = 0; p < 8; p++)
		fill4k(t, p << 12);
	assert_int_equal(look(t, TLB_R, 0 << 12), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 4 << 12), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 2 << 12), TLB_HIT);
	fill4k(t, 8 << 12);
	assert_false(in(t, TLB_L1D, 6 << 12));
	assert_int_equal(tlb_count(t, TLB_L1D), 8);
	tlb_destroy(t);
}

/*
 * 64 entries, 4 ways: 16 sets, set = page number mod 16. Pages 0, 16, 32,
 * 48 fill set 0; page 1 goes to set 1. Page 64 (set 0) evicts page 0, the
 * oldest. A hit on 16 makes 32 the oldest, which page 80 then evicts.
 */
static void test_set_mapping(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 64, 4, TLB_4K, TLB_REPL_LRU, 1);
	t = mk(&c);
	for (uint64_t p = 0; p <= 48; p += 16)
		fill4k(t, p << 12);
	fill4k(t, 1 << 12);
	assert_int_equal(tlb_count(t, TLB_L1D), 5);
	assert_int_equal(tlb_stats(t)->evictions, 0);
	fill4k(t, 64 << 12);
	assert_false(in(t, TLB_L1D, 0));
	assert_true(in(t, TLB_L1D, 16 << 12) && in(t, TLB_L1D, 32 << 12) &&
		    in(t, TLB_L1D, 48 << 12) && in(t, TLB_L1D, 64 << 12) && in(t, TLB_L1D, 1 << 12));
	assert_int_equal(look(t, TLB_R, 16 << 12), TLB_HIT);
	fill4k(t, 80 << 12);
	assert_false(in(t, TLB_L1D, 32 << 12));
	assert_true(in(t, TLB_L1D, 16 << 12) && in(t, TLB_L1D, 48 << 12));
	assert_int_equal(tlb_count(t, TLB_L1D), 5);
	assert_int_equal(tlb_stats(t)->evictions, 2);
	checked(t);
	tlb_destroy(t);
}

/*
 * Page sizes: a 2 MiB page indexes by its 2 MiB page number, and a level
 * that cannot hold a size is skipped by the fill.
 */
static void test_page_sizes(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	struct tlb_result r;
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 16, 4, TLB_4K | TLB_2M, TLB_REPL_LRU, 8);
	t = mk(&c);
	ctx(t, 1, 0, EPTP_A);
	/* 2 MiB page at 1 GiB + 2 MiB: L1 holds only 4K, so L2 alone. */
	assert_int_equal(fillx(t, TLB_R, 0x40200000, TLB_2M, RW, true, false), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 0);
	assert_int_equal(tlb_count(t, TLB_L2), 1);
	/* 1 GiB: nobody holds it. */
	assert_int_equal(fillx(t, TLB_R, 0x80000000, TLB_1G, RW, true, false), 0);
	assert_int_equal(fillx(t, TLB_R, 0x1000, 3, RW, true, false), -EINVAL);

	assert_int_equal(tlb_lookup(t, TLB_R, 0x40312345, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L2);
	assert_int_equal(r.cycles, 9);
	assert_int_equal(r.e->shift, 21);
	assert_int_equal(tlb_entry_hpa(r.e, 0x40312345), 0x140312345);
	assert_int_equal(r.e->gpa, 0x40200000);
	assert_int_equal(r.e->gen, 7);
	/* No promotion possible: the second access misses L1 again. */
	assert_int_equal(tlb_lookup(t, TLB_R, 0x40200000, &r), TLB_HIT);
	assert_int_equal(tlb_stats(t)->l1d_misses, 2);
	assert_int_equal(tlb_stats(t)->l2_hits, 2);
	assert_int_equal(look(t, TLB_R, 0x40400000), TLB_MISS);	/* next 2M page */
	checked(t);
	tlb_destroy(t);
}

/* ---- L2 ------------------------------------------------------------------ */

/*
 * fill mode: L1 1 set x 4, L2 4 sets x 4, latencies 1 and 8. Pages 1..5
 * fill both; L1 evicts page 1 and keeps 2..5, L2 keeps all five.
 */
static void test_l2_fill_mode(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	const struct tlb_stats *st;
	struct tlb_result r;
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 16, 4, TLB_4K, TLB_REPL_LRU, 8);
	t = mk(&c);
	st = tlb_stats(t);
	for (uint64_t p = 1; p <= 5; p++)
		assert_int_equal(fill4k(t, p << 12), 2);
	assert_int_equal(tlb_count(t, TLB_L1D), 4);
	assert_int_equal(tlb_count(t, TLB_L2), 5);
	assert_false(in(t, TLB_L1D, 1 << 12));

	/* One L1 miss, one L2 hit, no L2 miss; page 1 comes up, page 2 (LRU) goes. */
	assert_int_equal(tlb_lookup(t, TLB_R, 0x1abc, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L2);
	assert_int_equal(r.cycles, 9);
	assert_int_equal(st->l1d_misses, 1);
	assert_int_equal(st->l1d_hits, 0);
	assert_int_equal(st->l2_hits, 1);
	assert_int_equal(st->l2_misses, 0);
	assert_true(in(t, TLB_L1D, 1 << 12));
	assert_false(in(t, TLB_L1D, 2 << 12));
	assert_int_equal(tlb_count(t, TLB_L2), 5);

	/* Now an L1 hit, through the inline fast path. */
	assert_int_equal(tlb_lookup(t, TLB_R, 0x1000, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L1D);
	assert_int_equal(r.cycles, 1);
	assert_int_equal(st->l1d_hits, 1);

	assert_int_equal(look(t, TLB_R, 2 << 12), TLB_HIT);	/* L2 again */
	assert_int_equal(st->l1d_misses, 2);
	assert_int_equal(st->l2_hits, 2);

	/* Neither level: one miss each. */
	assert_int_equal(tlb_lookup(t, TLB_R, 9 << 12, &r), TLB_MISS);
	assert_null(r.e);
	assert_int_equal(r.cycles, 9);
	assert_int_equal(st->l1d_misses, 3);
	assert_int_equal(st->l2_misses, 1);
	checked(t);
	tlb_destroy(t);
}

/*
 * The fill right after a lookup that missed both levels, into full sets:
 * each level's oldest way takes the page.  L1: one set of 4 ways; L2: two
 * sets of 4, and every page here is even, so all go to L2's set 0.  Pages
 * 2, 4, 6, 8 fill the empty ways of both, oldest first.  A lookup of 2
 * hits L1 and makes it L1's newest; L2 is not looked at, so there 2 stays
 * the oldest.  A miss of 10 and its fill: L1 evicts 4, L2 evicts 2
 * (2 evictions), and 10 is L1's MRU entry.  A miss of 12 and its fill:
 * L1's order is now 6, 8, 2, 10, L2's 4, 6, 8, 10, so 6 and 4 go (4
 * evictions in all).  Fills: 6; L2 misses: 6 (every page once).
 */
static void test_fresh_fill_full_sets(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	const struct tlb_stats *st;
	struct tlb_result r;
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 8, 4, TLB_4K, TLB_REPL_LRU, 8);
	t = mk(&c);
	st = tlb_stats(t);
	for (uint64_t p = 2; p <= 8; p += 2) {
		assert_int_equal(look(t, TLB_R, p << 12), TLB_MISS);
		assert_int_equal(fill4k(t, p << 12), 2);
	}
	assert_int_equal(look(t, TLB_R, 2 << 12), TLB_HIT);
	assert_int_equal(st->l1d_hits, 1);
	assert_int_equal(st->evictions, 0);

	assert_int_equal(look(t, TLB_R, 10 << 12), TLB_MISS);
	assert_int_equal(fill4k(t, 10 << 12), 2);
	assert_int_equal(st->evictions, 2);
	assert_false(in(t, TLB_L1D, 4 << 12));
	assert_true(in(t, TLB_L1D, 2 << 12) && in(t, TLB_L1D, 6 << 12) &&
		    in(t, TLB_L1D, 8 << 12) && in(t, TLB_L1D, 10 << 12));
	assert_false(in(t, TLB_L2, 2 << 12));
	assert_true(in(t, TLB_L2, 4 << 12) && in(t, TLB_L2, 6 << 12) &&
		    in(t, TLB_L2, 8 << 12) && in(t, TLB_L2, 10 << 12));
	/* The MRU entry: an L1 hit that the slow path does not see. */
	assert_int_equal(tlb_lookup(t, TLB_R, (10 << 12) + 8, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L1D);
	assert_int_equal(st->l1d_hits, 2);
	assert_int_equal(st->l1d_misses, 5);

	assert_int_equal(look(t, TLB_R, 12 << 12), TLB_MISS);
	assert_int_equal(fill4k(t, 12 << 12), 2);
	assert_int_equal(st->evictions, 4);
	assert_false(in(t, TLB_L1D, 6 << 12));
	assert_true(in(t, TLB_L1D, 8 << 12) && in(t, TLB_L1D, 2 << 12) &&
		    in(t, TLB_L1D, 10 << 12) && in(t, TLB_L1D, 12 << 12));
	assert_false(in(t, TLB_L2, 4 << 12));
	assert_true(in(t, TLB_L2, 6 << 12) && in(t, TLB_L2, 8 << 12) &&
		    in(t, TLB_L2, 10 << 12) && in(t, TLB_L2, 12 << 12));
	assert_int_equal(st->fills, 6);
	assert_int_equal(st->l2_misses, 6);
	checked(t);
	tlb_destroy(t);
}

/*
 * Lookups through an L1 of up to 4 ways and an L2 of 5 to 16 (the default
 * shapes), while only 4 KiB pages are cached: one probe of each level.
 * L1: one set of 4 ways; L2: two sets of 8, 4K and 2M.  Pages 1..6 fill
 * L2 whole (three a set) and leave 3, 4, 5, 6 in L1, oldest first.  Page
 * 3 (not the MRU entry, 6): an L1 hit, 1 cycle, 3 becomes L1's newest.
 * Page 1: L1 misses, L2 hits (1 + 8 cycles), and 1 moves up into L1 over
 * its oldest, 4.  Page 9: a miss in both, 9 cycles.  Then a 2 MiB page at
 * 1 GiB goes to L2 only, and a lookup inside it must still find it in L2
 * (L2 has now cached a 2 MiB page: no longer the one-probe case).
 */
static void test_lookup_4k_sets(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	const struct tlb_stats *st;
	struct tlb_result r;
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 16, 8, TLB_4K | TLB_2M, TLB_REPL_LRU, 8);
	t = mk(&c);
	st = tlb_stats(t);
	for (uint64_t p = 1; p <= 6; p++)
		assert_int_equal(fill4k(t, p << 12), 2);
	assert_int_equal(tlb_lookup(t, TLB_R, (3 << 12) + 0x10, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L1D);
	assert_int_equal(r.cycles, 1);
	assert_int_equal(st->l1d_hits, 1);

	assert_int_equal(tlb_lookup(t, TLB_R, 1 << 12, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L2);
	assert_int_equal(r.cycles, 9);
	assert_int_equal(st->l1d_misses, 1);
	assert_int_equal(st->l2_hits, 1);
	assert_true(in(t, TLB_L1D, 1 << 12));
	assert_false(in(t, TLB_L1D, 4 << 12));

	assert_int_equal(tlb_lookup(t, TLB_R, 9 << 12, &r), TLB_MISS);
	assert_null(r.e);
	assert_int_equal(r.cycles, 9);
	assert_int_equal(st->l1d_misses, 2);
	assert_int_equal(st->l2_misses, 1);

	assert_int_equal(fillx(t, TLB_R, UINT64_C(1) << 30, TLB_2M, RW, true, false), 1);
	assert_int_equal(tlb_lookup(t, TLB_R, (UINT64_C(1) << 30) + 0x1234, &r), TLB_HIT);
	assert_int_equal(r.level, TLB_L2);
	assert_int_equal(r.e->shift, 21);
	assert_int_equal(st->l1d_misses, 3);
	assert_int_equal(st->l2_hits, 2);
	checked(t);
	tlb_destroy(t);
}

/*
 * victim mode: walks fill L1 only; L1's victims drop into L2; an L2 hit
 * moves the entry up and L1's LRU entry down.
 */
static void test_l2_victim_mode(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 16, 4, TLB_4K, TLB_REPL_LRU, 8);
	c.l2_mode = TLB_L2_VICTIM;
	t = mk(&c);
	for (uint64_t p = 1; p <= 4; p++)
		assert_int_equal(fill4k(t, p << 12), 1);
	assert_int_equal(tlb_count(t, TLB_L2), 0);
	fill4k(t, 5 << 12);	/* evicts page 1 into L2 */
	assert_int_equal(tlb_count(t, TLB_L1D), 4);
	assert_int_equal(tlb_count(t, TLB_L2), 1);
	assert_true(in(t, TLB_L2, 1 << 12));

	assert_int_equal(look(t, TLB_R, 1 << 12), TLB_HIT);	/* 1 up, 2 down */
	assert_int_equal(tlb_stats(t)->l1d_misses, 1);
	assert_int_equal(tlb_stats(t)->l2_hits, 1);
	assert_true(in(t, TLB_L1D, 1 << 12));
	assert_false(in(t, TLB_L2, 1 << 12));
	assert_true(in(t, TLB_L2, 2 << 12));
	assert_int_equal(tlb_count(t, TLB_L2), 1);
	checked(t);
	tlb_destroy(t);
}

/* Fetches use the iTLB; the unified L2 serves both. */
static void test_itlb(void **state)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	const struct tlb_stats *st;
	struct tlb *t;

	(void)state;
	arr(&c, TLB_L1D, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L1I, 4, 4, TLB_4K, TLB_REPL_LRU, 1);
	arr(&c, TLB_L2, 16, 4, TLB_4K, TLB_REPL_LRU, 8);
	t = mk(&c);
	st = tlb_stats(t);
	assert_int_equal(fillx(t, TLB_X, 0x1000, TLB_4K, TLB_R | TLB_X, true, false), 2);
	assert_int_equal(tlb_count(t, TLB_L1I), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 0);
	assert_int_equal(look(t, TLB_X, 0x1000), TLB_HIT);
	assert_int_equal(st->l1i_hits, 1);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);	/* dTLB miss, L2 hit */
	assert_int_equal(st->l1d_misses, 1);
	assert_int_equal(st->l2_hits, 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	assert_int_equal(look(t, TLB_X, 0x2000), TLB_MISS);
	assert_int_equal(st->l1i_misses, 1);
	assert_int_equal(st->l2_misses, 1);
	tlb_destroy(t);
}

/* ---- dirty assist and permissions --------------------------------------- */

static void test_dirty_assist(void **state)
{
	struct tlb *t = one_set(TLB_REPL_LRU);
	const struct tlb_stats *st = tlb_stats(t);
	struct tlb_result r;

	(void)state;
	assert_int_equal(fillx(t, TLB_R, 0x1000, TLB_4K, RW, false, false), 1);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	/* A write to a clean entry: a hit that must walk again to set D. */
	assert_int_equal(tlb_lookup(t, TLB_W, 0x1000, &r), TLB_HIT_DIRTY);
	assert_non_null(r.e);
	assert_int_equal(st->dirty_assists, 1);
	assert_int_equal(st->l1d_hits, 2);
	assert_int_equal(st->l1d_misses, 0);
	/* The walk set D; the refill replaces the entry in place. */
	assert_int_equal(fillx(t, TLB_W, 0x1000, TLB_4K, RW, true, false), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	assert_int_equal(look(t, TLB_W, 0x1000), TLB_HIT);
	assert_int_equal(st->dirty_assists, 1);
	assert_int_equal(st->l1d_hits, 3);

	/* Missing permissions are reported, not granted. */
	fillx(t, TLB_R, 0x2000, TLB_4K, TLB_R, true, false);
	assert_int_equal(look(t, TLB_W, 0x2000), TLB_HIT_PERM);
	assert_int_equal(look(t, TLB_R | TLB_U, 0x2000), TLB_HIT_PERM);
	assert_int_equal(st->perm_mismatches, 2);
	assert_int_equal(st->dirty_assists, 1);
	fillx(t, TLB_R, 0x3000, TLB_4K, TLB_R | TLB_U, true, false);
	assert_int_equal(look(t, TLB_R | TLB_U, 0x3000), TLB_HIT);
	checked(t);
	tlb_destroy(t);
}

static struct tlb *intel_tlb(void)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);

	arr(&c, TLB_L1D, 64, 4, TLB_4K | TLB_2M, TLB_REPL_LRU, 1);
	arr(&c, TLB_NTLB, 16, 16, TLB_4K | TLB_2M | TLB_1G, TLB_REPL_LRU, 2);
	return mk(&c);
}

/*
 * A clean 4 KiB entry, then a walk that finds the address now in a dirty
 * 2 MiB page. The fill must drop the 4 KiB entry (smaller sizes are probed
 * first), or every write would assist again forever.
 */
static void test_fill_replaces_other_size(void **state)
{
	struct tlb *t = intel_tlb();
	struct tlb_result r;

	(void)state;
	fillx(t, TLB_R, 0x201000, TLB_4K, RW, false, false);
	assert_int_equal(look(t, TLB_W, 0x201000), TLB_HIT_DIRTY);
	/* The walker fills with the address it walked, inside the 2 MiB page. */
	fillx(t, TLB_W, 0x201000, TLB_2M, RW, true, false);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	assert_int_equal(tlb_lookup(t, TLB_W, 0x201000, &r), TLB_HIT);
	assert_int_equal(r.e->shift, 21);
	assert_int_equal(tlb_stats(t)->dirty_assists, 1);
	assert_int_equal(tlb_stats(t)->evictions, 1);
	checked(t);
	tlb_destroy(t);
}

/* ---- Intel tagging and flushes ------------------------------------------ */

static int ntlb_fill4k(struct tlb *t, uint64_t gpa)
{
	struct tlb_map m = { .addr = gpa, .gpa = gpa, .hpa = gpa + 0x100000000,
			     .size = TLB_4K, .perms = RW, .dirty = true };

	return tlb_ntlb_fill(t, &m);
}

/* A new EPTP hides the old root's entries; loading that root again shows them. */
static void test_intel_root_switch(void **state)
{
	struct tlb *t = intel_tlb();

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	fill4k(t, 0x1000);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	ctx(t, 1, 0, EPTP_B);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_MISS);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);	/* still cached */
	/* Same EP4TA, different EPTP control bits (WB, 4-level, A/D): same tag. */
	ctx(t, 1, 0, EPTP_A | 0x5e);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	assert_int_equal(tlb_stats(t)->flushes, 0);
	tlb_destroy(t);
}

static void test_invept_single(void **state)
{
	struct tlb *t = intel_tlb();
	const struct tlb_stats *st = tlb_stats(t);

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	fill4k(t, 0x1000), fill4k(t, 0x2000), fill4k(t, 0x3000);
	ntlb_fill4k(t, 0x10000);
	ctx(t, 1, 0, EPTP_B);
	fill4k(t, 0x1000), fill4k(t, 0x2000);
	ntlb_fill4k(t, 0x10000);
	ctx(t, 2, 7, EPTP_A);
	fill4k(t, 0x4000);
	assert_int_equal(tlb_count(t, TLB_L1D), 6);
	assert_int_equal(tlb_count(t, TLB_NTLB), 2);

	/* EP4TA A: 3 + 1 combined (both VPIDs) + 1 guest-physical. */
	assert_int_equal(flush(t, TLB_INVEPT_SINGLE, 0, EPTP_A | 0x5e, 0), 5);
	assert_int_equal(tlb_count(t, TLB_L1D), 2);
	assert_int_equal(tlb_count(t, TLB_NTLB), 1);
	assert_int_equal(st->flushes, 1);
	assert_int_equal(st->flushed_entries, 5);
	assert_int_equal(look(t, TLB_R, 0x4000), TLB_MISS);
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_MISS);
	ctx(t, 1, 0, EPTP_B);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_HIT);
	assert_true(in(t, TLB_NTLB, 0x10000));

	assert_int_equal(flush(t, TLB_INVEPT_GLOBAL, 0, 0, 0), 3);
	assert_int_equal(tlb_count(t, TLB_L1D) + tlb_count(t, TLB_NTLB), 0);
	assert_int_equal(st->flushes, 2);
	/* The vendor's other instructions are not there. */
	assert_int_equal(flush(t, TLB_AMD_FLUSH_ALL, 0, 0, 0), -EINVAL);
	assert_int_equal(tlb_vmcb_tlb_control(t, 1, 1), -EINVAL);
	assert_int_equal(st->flushes, 2);
	tlb_destroy(t);
}

static void test_invvpid_addr(void **state)
{
	struct tlb *t = intel_tlb();

	(void)state;
	/* Exactly one page. */
	ctx(t, 1, 0, EPTP_A);
	fill4k(t, 0x1000), fill4k(t, 0x2000), fill4k(t, 0x3000);
	ctx(t, 2, 0, EPTP_A);
	fill4k(t, 0x2000);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_HIT);	/* mru = this entry */
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 2, 0, 0x2abc), 1);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_MISS);	/* fast path forgot it */
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 0x3000), TLB_HIT);
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 1, 0, 0x2000), 1);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_MISS);
	assert_int_equal(tlb_count(t, TLB_L1D), 2);
	/*
	 * The fast path must forget a flushed entry even where the emptied
	 * slot (shift 0, vpn 3) would compare equal: address 3 is page 0.
	 */
	assert_int_equal(look(t, TLB_R, 0x3000), TLB_HIT);
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 1, 0, 0x3000), 1);
	assert_int_equal(look(t, TLB_R, 0x3), TLB_MISS);
	/* VPID 0 shares id 0 with Intel's guest-physical maps: still spared. */
	ctx(t, 0, 0, EPTP_A);
	fill4k(t, 0x5000);
	ntlb_fill4k(t, 0x5000);
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 0, 0, 0x5000), 1);
	assert_int_equal(tlb_count(t, TLB_NTLB), 1);
	tlb_destroy(t);

	/*
	 * Every size covering the address, every PCID, every EP4TA of that
	 * VPID; not other VPIDs, not other pages, not guest-physical maps.
	 */
	t = intel_tlb();
	ctx(t, 1, 1, EPTP_A);
	fillx(t, TLB_R, 0x200000, TLB_2M, RW, true, false);
	ntlb_fill4k(t, 0x201000);
	ctx(t, 1, 2, EPTP_A);
	fill4k(t, 0x201000), fill4k(t, 0x202000);
	ctx(t, 1, 2, EPTP_B);
	fill4k(t, 0x201000);
	ctx(t, 2, 1, EPTP_A);
	fill4k(t, 0x201000);
	assert_int_equal(tlb_count(t, TLB_L1D), 5);
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 1, 0, 0x201234), 3);
	assert_int_equal(tlb_count(t, TLB_L1D), 2);
	assert_int_equal(tlb_count(t, TLB_NTLB), 1);
	ctx(t, 1, 2, EPTP_A);
	assert_true(in(t, TLB_L1D, 0x202000));
	ctx(t, 2, 1, EPTP_A);
	assert_true(in(t, TLB_L1D, 0x201000));
	checked(t);
	tlb_destroy(t);
}

static void test_invvpid_all_keeps_vpid0(void **state)
{
	struct tlb *t = intel_tlb();

	(void)state;
	ctx(t, 0, 0, EPTP_A);
	fill4k(t, 0x1000);
	ntlb_fill4k(t, 0x9000);
	ctx(t, 1, 0, EPTP_A);
	fill4k(t, 0x1000), fill4k(t, 0x2000);
	ctx(t, 2, 0, EPTP_B);
	fill4k(t, 0x1000);
	assert_int_equal(flush(t, TLB_INVVPID_ALL, 0, 0, 0), 3);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	assert_int_equal(tlb_count(t, TLB_NTLB), 1);	/* INVVPID spares GPA maps */
	ctx(t, 0, 0, EPTP_A);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	tlb_destroy(t);
}

static void test_invvpid_single_and_globals(void **state)
{
	struct tlb *t = intel_tlb();

	(void)state;
	ctx(t, 1, 1, EPTP_A);
	fillx(t, TLB_R, 0x1000, TLB_4K, RW, true, true);	/* global */
	fill4k(t, 0x2000);
	ctx(t, 1, 2, EPTP_A);
	/* A global entry matches whatever the PCID; a non-global one does not. */
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	assert_int_equal(look(t, TLB_R, 0x2000), TLB_MISS);
	ctx(t, 2, 0, EPTP_A);
	fillx(t, TLB_R, 0x3000, TLB_4K, RW, true, true);
	assert_int_equal(flush(t, TLB_INVVPID_SINGLE_KEEP_GLOBAL, 1, 0, 0), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 2);
	ctx(t, 1, 1, EPTP_A);
	assert_true(in(t, TLB_L1D, 0x1000));
	assert_false(in(t, TLB_L1D, 0x2000));
	assert_int_equal(flush(t, TLB_INVVPID_SINGLE, 1, 0, 0), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);	/* VPID 2's */
	tlb_destroy(t);
}

/*
 * EPT violation on GPA 0x3000, reached through linear 0x7000: drops the
 * guest-physical map of 0x3000 and the combined map of 0x7000 for this
 * VPID/PCID/EP4TA. Linear 0x8000 also maps GPA 0x3000, but the SDM does
 * not require its removal, so it stays.
 */
static void test_flush_gpa(void **state)
{
	struct tlb *t = intel_tlb();
	struct tlb_map m = { .addr = 0x7000, .gpa = 0x3000, .hpa = 0x99000, .size = TLB_4K,
			     .perms = RW, .dirty = true };

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	tlb_fill(t, TLB_R, &m);
	m.addr = 0x8000;
	tlb_fill(t, TLB_R, &m);
	ntlb_fill4k(t, 0x3000);
	ntlb_fill4k(t, 0x4000);
	ctx(t, 1, 0, EPTP_B);	/* same GPA under another EP4TA: untouched */
	ntlb_fill4k(t, 0x3000);
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(tlb_flush_gpa(t, 0x3000, 0x7000, true), 2);
	assert_false(in(t, TLB_L1D, 0x7000));
	assert_true(in(t, TLB_L1D, 0x8000));
	assert_false(in(t, TLB_NTLB, 0x3000));
	assert_true(in(t, TLB_NTLB, 0x4000));
	assert_int_equal(tlb_count(t, TLB_NTLB), 2);
	/* Without a valid linear address only the guest-physical side goes. */
	assert_int_equal(tlb_flush_gpa(t, 0x4000, 0x8000, false), 1);
	assert_true(in(t, TLB_L1D, 0x8000));
	tlb_destroy(t);
}

/* ---- AMD ------------------------------------------------------------------ */

static struct tlb *amd_tlb(bool hv_quirk)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_AMD);

	arr(&c, TLB_L1D, 64, 4, TLB_4K | TLB_2M, TLB_REPL_LRU, 1);
	arr(&c, TLB_NTLB, 16, 16, TLB_4K, TLB_REPL_LRU, 2);
	c.hv_enlightened_npt_tlb = hv_quirk;
	return mk(&c);
}

#define NCR3_A 0x5000
#define NCR3_B 0x9000

static void test_amd_asid_only(void **state)
{
	struct tlb *t = amd_tlb(false);
	const struct tlb_stats *st = tlb_stats(t);

	(void)state;
	ctx(t, 5, 0, NCR3_A);
	fill4k(t, 0x1000);
	assert_int_equal(tlb_probe(t, TLB_L1D, 0x1000)->ep4ta, 0);	/* nCR3 is no tag */
	/* Root B under the same ASID, TLB_CONTROL = DO_NOTHING: root A's entry hits. */
	ctx(t, 5, 0, NCR3_B);
	assert_int_equal(tlb_vmcb_tlb_control(t, 0, 5), 0);
	assert_int_equal(st->flushes, 0);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	/* Another ASID does not see it. */
	ctx(t, 6, 0, NCR3_B);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_MISS);
	ctx(t, 5, 0, NCR3_B);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_HIT);
	/* FLUSH_ASID (3) drops it. */
	assert_int_equal(tlb_vmcb_tlb_control(t, 3, 5), 1);
	assert_int_equal(st->flushes, 1);
	assert_int_equal(look(t, TLB_R, 0x1000), TLB_MISS);
	assert_int_equal(tlb_vmcb_tlb_control(t, 2, 5), -EINVAL);
	assert_int_equal(flush(t, TLB_INVEPT_GLOBAL, 0, 0, 0), -EINVAL);
	assert_int_equal(flush(t, TLB_INVVPID_SINGLE, 5, 0, 0), -EINVAL);
	assert_int_equal(st->flushes, 1);
	tlb_destroy(t);
}

/* The same root switch on both vendors: harmless on Intel, a live hit on AMD. */
static void test_root_switch_differential(void **state)
{
	for (int v = 0; v < 2; v++) {
		struct tlb *t = v ? amd_tlb(false) : intel_tlb();

		ctx(t, 5, 0, NCR3_A);
		fill4k(t, 0x1000);
		ctx(t, 5, 0, NCR3_B);
		assert_int_equal(look(t, TLB_R, 0x1000), v ? TLB_HIT : TLB_MISS);
		tlb_destroy(t);
	}
	(void)state;
}

static void test_amd_flush_scopes(void **state)
{
	struct tlb *t = amd_tlb(false);

	(void)state;
	ctx(t, 5, 0, NCR3_A);
	fillx(t, TLB_R, 0x1000, TLB_4K, RW, true, true);	/* global */
	fill4k(t, 0x2000), fill4k(t, 0x3000);
	ntlb_fill4k(t, 0x7000);
	ctx(t, 6, 0, NCR3_A);
	fill4k(t, 0x2000);
	ntlb_fill4k(t, 0x7000);
	/* INVLPGA: one VA in one ASID; not the nested entry at that address. */
	assert_int_equal(flush(t, TLB_AMD_INVLPGA, 5, 0, 0x2000), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 3);
	assert_int_equal(flush(t, TLB_AMD_INVLPGA, 6, 0, 0x7000), 0);
	assert_int_equal(tlb_count(t, TLB_NTLB), 2);
	/* FLUSH_ASID_LOCAL (7): ASID 5's non-global entries, its GPA maps too. */
	assert_int_equal(tlb_vmcb_tlb_control(t, 7, 5), 2);
	ctx(t, 5, 0, NCR3_A);
	assert_true(in(t, TLB_L1D, 0x1000));
	assert_false(in(t, TLB_NTLB, 0x7000));
	/* FLUSH_ALL_ASID (1): the rest. */
	assert_int_equal(tlb_vmcb_tlb_control(t, 1, 0), 3);
	assert_int_equal(tlb_count(t, TLB_L1D) + tlb_count(t, TLB_NTLB), 0);
	assert_int_equal(tlb_stats(t)->flushes, 4);
	assert_int_equal(tlb_stats(t)->flushed_entries, 6);
	tlb_destroy(t);
}

/* Hyper-V EnlightenedNptTlb: FLUSH_ASID leaves nested (GPA) entries (E14). */
static void test_amd_hv_quirk(void **state)
{
	for (int q = 0; q < 2; q++) {
		struct tlb *t = amd_tlb(q);

		ctx(t, 5, 0, NCR3_A);
		fill4k(t, 0x1000);
		ntlb_fill4k(t, 0x7000);
		assert_int_equal(tlb_vmcb_tlb_control(t, 3, 5), q ? 1 : 2);
		assert_int_equal(tlb_count(t, TLB_NTLB), q ? 1 : 0);
		tlb_destroy(t);
	}
	(void)state;
}

/* The hypercall KVM makes under the quirk (E14's fix): guest-physical
 * entries of every ASID go, combined ones stay; Intel has no such flush. */
static void test_amd_hv_flush_gpa_space(void **state)
{
	struct tlb *t = amd_tlb(true);

	ctx(t, 5, 0, NCR3_A);
	fill4k(t, 0x1000);
	ntlb_fill4k(t, 0x7000);
	ctx(t, 6, 0, NCR3_B);
	ntlb_fill4k(t, 0x8000);
	assert_int_equal(tlb_count(t, TLB_NTLB), 2);
	assert_int_equal(flush(t, TLB_AMD_HV_FLUSH_GPA_SPACE, 0, 0, 0), 2);
	assert_int_equal(tlb_count(t, TLB_NTLB), 0);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	tlb_destroy(t);
	t = intel_tlb();
	assert_int_equal(flush(t, TLB_AMD_HV_FLUSH_GPA_SPACE, 0, 0, 0), -EINVAL);
	tlb_destroy(t);
	(void)state;
}

/* Guest INVLPG and MOV to CR3 within a VPID. */
/* VPID 1: PCID 1 under EPTP A (0x1000, 0x2000, a global 0x3000) and B
 * (0x1000), PCID 2's 0x1000, PCID 3's global 0x1000. */
static void fill_pcids(struct tlb *t)
{
	ctx(t, 1, 1, EPTP_A);
	fill4k(t, 0x1000), fill4k(t, 0x2000);
	fillx(t, TLB_R, 0x3000, TLB_4K, RW, true, true);
	ctx(t, 1, 1, EPTP_B);
	fill4k(t, 0x1000);
	ctx(t, 1, 2, EPTP_A);
	fill4k(t, 0x1000);
	ctx(t, 1, 3, EPTP_A);
	fillx(t, TLB_R, 0x1000, TLB_4K, RW, true, true);	/* global, PCID 3 */
}

static void test_guest_invlpg_cr3(void **state)
{
	struct tlb *t = intel_tlb();
	struct tlb_flush f = { .type = TLB_GUEST_INVLPG, .tag = { .vpid = 1, .pcid = 1 },
			       .addr = 0x1000 };

	(void)state;
	fill_pcids(t);
	/* INVLPG 0x1000 in PCID 1: both EP4TAs and the global entry, not PCID 2's. */
	assert_int_equal(tlb_flush(t, &f), 3);
	/* MOV CR3 in PCID 1: non-global only. */
	f.type = TLB_GUEST_CR3;
	assert_int_equal(tlb_flush(t, &f), 1);
	assert_int_equal(tlb_count(t, TLB_L1D), 2);	/* global 0x3000, PCID 2's 0x1000 */
	tlb_destroy(t);
}

/* The guest's INVPCID, types 0-3 (SDM 4.10.4.1): within the VPID, every
 * EP4TA; type 0 and 1 keep global translations, type 2 drops them. */
static void test_guest_invpcid(void **state)
{
	struct tlb *t = intel_tlb();
	struct tlb_flush f = { .type = TLB_GUEST_INVPCID_ADDR,
			       .tag = { .vpid = 1, .pcid = 1 }, .addr = 0x1000 };

	(void)state;
	fill_pcids(t);
	ctx(t, 2, 1, EPTP_A);
	fill4k(t, 0x5000);	/* another VPID (0x1000's set is full) */
	assert_int_equal(tlb_count(t, TLB_L1D), 7);
	/* Type 0, 0x1000 in PCID 1: both EP4TAs; not the global entry. */
	assert_int_equal(tlb_flush(t, &f), 2);
	/* Type 1, PCID 2. */
	f.type = TLB_GUEST_INVPCID_CTX;
	f.tag.pcid = 2;
	assert_int_equal(tlb_flush(t, &f), 1);
	/* Type 3: VPID 1's non-global 0x2000. */
	f.type = TLB_GUEST_INVPCID_ALL_NONGLOBAL;
	assert_int_equal(tlb_flush(t, &f), 1);
	/* Type 2: the two global entries; VPID 2's stays. */
	f.type = TLB_GUEST_INVPCID_ALL;
	assert_int_equal(tlb_flush(t, &f), 2);
	assert_int_equal(tlb_count(t, TLB_L1D), 1);
	tlb_destroy(t);
}

/* ---- paging-structure caches and the nested TLB ------------------------- */

static struct tlb *psc_tlb(bool on)
{
	struct tlb_config c;

	tlb_config_default(&c);
	c.psc = on;
	arr(&c, TLB_L2, 0, 0, TLB_4K, TLB_REPL_LRU, 0);
	return mk(&c);
}

static int pscfill(struct tlb *t, enum tlb_psc_kind k, int level, uint64_t addr,
		   uint64_t hpa, uint64_t gpa, unsigned perms)
{
	struct tlb_psc_fill f = { .addr = addr, .table_hpa = hpa, .table_gpa = gpa,
				  .level = (uint8_t)level, .perms = (uint8_t)perms, .gen = 3 };

	return tlb_psc_fill(t, k, &f);
}

static unsigned gpsc_count(struct tlb *t)
{
	unsigned n = 0;

	for (unsigned id = TLB_GPSC_PDE; id <= TLB_GPSC_PML5E; id++)
		n += tlb_count(t, id);
	return n;
}

static void test_psc(void **state)
{
	struct tlb *t = psc_tlb(true);
	const struct tlb_stats *st = tlb_stats(t);
	struct tlb_psc_hit h;

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x40201000, &h), 0);
	assert_int_equal(h.cycles, 2);
	assert_int_equal(st->gpsc_misses, 1);

	/* The walk of 0x40201000 caches its PML4E, PDPTE and PDE. */
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 4, 0x40201000, 0xa000, 0x3000, TLB_PERMS), 1);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 3, 0x40201000, 0xb000, 0x4000, TLB_PERMS), 1);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 2, 0x40201000, 0xc123, 0x5000, RW), 1);
	/* Same 2 MiB: the PDE, deepest, wins. */
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x403ff000, &h), 2);
	assert_int_equal(h.e->hpa, 0xc000);
	assert_int_equal(h.e->gpa, 0x5000);
	assert_int_equal(h.e->perms, RW);
	assert_int_equal(h.e->gen, 3);
	assert_int_equal(st->gpsc_pde_hits, 1);
	/* Same 1 GiB, next 2 MiB: the PDPTE. */
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x40400000, &h), 3);
	assert_int_equal(h.e->hpa, 0xb000);
	/* Same 512 GiB, next 1 GiB: the PML4E. */
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x80000000, &h), 4);
	assert_int_equal(h.e->hpa, 0xa000);
	/* Next 512 GiB: nothing. */
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x8000000000, &h), 0);
	assert_null(h.e);
	assert_int_equal(st->gpsc_pdpte_hits, 1);
	assert_int_equal(st->gpsc_pml4e_hits, 1);
	assert_int_equal(st->gpsc_misses, 2);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 1, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 6, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 5, 0x40201000, 0xd000, 0x6000, TLB_PERMS), 1);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x8000000000, &h), 5);

	/* Nested: the PDE for GPA 0x3000. */
	assert_int_equal(pscfill(t, TLB_PSC_NESTED, 2, 0x3000, 0xe000, 0, TLB_R | TLB_W | TLB_X), 1);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_NESTED, 0x1ff000, &h), 2);
	assert_int_equal(st->npsc_pde_hits, 1);

	/* Another VPID: the guest PSC is VPID-tagged, the nested PSC is not. */
	ctx(t, 2, 0, EPTP_A);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x40201000, &h), 0);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_NESTED, 0x3000, &h), 2);
	/* Another EP4TA hides both. */
	ctx(t, 1, 0, EPTP_B);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x40201000, &h), 0);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_NESTED, 0x3000, &h), 0);
	ctx(t, 1, 0, EPTP_A);

	/* INVVPID drops the guest PSC (all four entries), not the nested one. */
	assert_int_equal(flush(t, TLB_INVVPID_SINGLE, 1, 0, 0), 4);
	assert_int_equal(gpsc_count(t), 0);
	assert_int_equal(tlb_count(t, TLB_NPSC_PDE), 1);
	/* Retaining globals still drops PSC entries (G is a leaf property). */
	pscfill(t, TLB_PSC_GUEST, 2, 0x40201000, 0xc000, 0x5000, RW);
	assert_int_equal(flush(t, TLB_INVVPID_SINGLE_KEEP_GLOBAL, 1, 0, 0), 1);
	/* INVVPID by address drops PSC entries on that address's path only. */
	pscfill(t, TLB_PSC_GUEST, 2, 0x40201000, 0xc000, 0x5000, RW);
	pscfill(t, TLB_PSC_GUEST, 2, 0x80000000, 0xc000, 0x5000, RW);
	assert_int_equal(flush(t, TLB_INVVPID_ADDR, 1, 0, 0x40200000), 1);
	assert_int_equal(gpsc_count(t), 1);
	/* INVEPT drops both kinds. */
	assert_int_equal(flush(t, TLB_INVEPT_SINGLE, 0, EPTP_A, 0), 2);
	assert_int_equal(tlb_count(t, TLB_NPSC_PDE) + gpsc_count(t), 0);
	checked(t);
	tlb_destroy(t);
}

static void test_psc_off(void **state)
{
	struct tlb *t = psc_tlb(false);
	struct tlb_psc_hit h;
	struct tlb_result r;

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(pscfill(t, TLB_PSC_GUEST, 2, 0x1000, 0xc000, 0, RW), 0);
	assert_int_equal(tlb_psc_lookup(t, TLB_PSC_GUEST, 0x1000, &h), 0);
	assert_int_equal(h.cycles, 0);
	assert_int_equal(ntlb_fill4k(t, 0x1000), 0);
	assert_int_equal(tlb_ntlb_lookup(t, TLB_R, 0x1000, &r), TLB_MISS);
	assert_int_equal(r.cycles, 0);
	assert_int_equal(tlb_stats(t)->gpsc_misses + tlb_stats(t)->ntlb_misses, 0);
	tlb_destroy(t);
}

static void test_ntlb(void **state)
{
	struct tlb *t = intel_tlb();
	const struct tlb_stats *st = tlb_stats(t);
	struct tlb_map m = { .addr = 0x5000, .gpa = 0x5000, .hpa = 0x77000, .size = TLB_4K,
			     .perms = RW, .dirty = false };
	struct tlb_result r;

	(void)state;
	ctx(t, 1, 0, EPTP_A);
	assert_int_equal(tlb_ntlb_lookup(t, TLB_R, 0x5000, &r), TLB_MISS);
	assert_int_equal(r.cycles, 2);
	assert_int_equal(st->ntlb_misses, 1);
	assert_int_equal(tlb_ntlb_fill(t, &m), 1);
	assert_int_equal(tlb_ntlb_lookup(t, TLB_R, 0x5008, &r), TLB_HIT);
	assert_int_equal(tlb_entry_hpa(r.e, 0x5008), 0x77008);
	/* A guest page-walk write (EPT A/D on) to a clean page assists. */
	assert_int_equal(tlb_ntlb_lookup(t, TLB_W, 0x5008, &r), TLB_HIT_DIRTY);
	assert_int_equal(st->ntlb_dirty_assists, 1);
	assert_int_equal(st->dirty_assists, 0);
	m.dirty = true;
	tlb_ntlb_fill(t, &m);
	assert_int_equal(tlb_count(t, TLB_NTLB), 1);
	assert_int_equal(tlb_ntlb_lookup(t, TLB_W, 0x5008, &r), TLB_HIT);
	assert_int_equal(st->ntlb_hits, 3);
	/* The VPID does not matter to guest-physical maps. */
	ctx(t, 9, 3, EPTP_A);
	assert_int_equal(tlb_ntlb_lookup(t, TLB_R, 0x5000, &r), TLB_HIT);
	tlb_destroy(t);
}

/* ---- stats, invariants, differential ------------------------------------ */

struct names {
	struct tlb *t;
	int seen;
};

static void collect(void *ctxp, const char *name, uint64_t *v)
{
	struct names *n = ctxp;
	const struct tlb_stats *st = tlb_stats(n->t);
	static const char *const want[] = { "tlb.l1d.misses", "tlb.l1i.misses",
					    "tlb.l2.misses", "tlb.flushes", "tlb.dirty_assists" };

	for (unsigned i = 0; i < 5; i++)
		if (!strcmp(name, want[i]))
			n->seen |= 1 << i;
	if (!strcmp(name, "tlb.l1d.misses"))
		assert_ptr_equal(v, &st->l1d_misses);
	if (!strcmp(name, "tlb.flushes"))
		assert_int_equal(*v, 1);
}

static void test_stats_foreach(void **state)
{
	struct tlb *t = intel_tlb();
	struct names n = { .t = t };

	(void)state;
	flush(t, TLB_INVEPT_GLOBAL, 0, 0, 0);
	tlb_stats_foreach(t, collect, &n);
	assert_int_equal(n.seen, 0x1f);
	tlb_destroy(t);
}

/* The checker must be able to fire: break an entry behind the API's back. */
static void test_check_fires(void **state)
{
	struct tlb *t = one_set(TLB_REPL_LRU);
	struct tlb_entry *e;
	char msg[256];

	(void)state;
	fillx(t, TLB_R, 0x1000, TLB_4K, RW, false, false);
	checked(t);
	e = (struct tlb_entry *)tlb_probe(t, TLB_L1D, 0x1000);
	e->fast_perms |= TLB_W;
	assert_int_equal(tlb_check(t, msg, sizeof(msg)), -EFAULT);
	assert_string_equal(msg, "l1d: clean entry grants W on the fast path");
	e->fast_perms &= (uint8_t)~TLB_W;
	e->shift = 21;	/* a size this level does not hold */
	assert_int_equal(tlb_check(t, msg, sizeof(msg)), -EFAULT);
	e->shift = 12;
	checked(t);
	tlb_destroy(t);
}

/*
 * Differential test: a naive reference (per-set arrays, LRU by stamp,
 * invalid first) against the real TLB on a seeded random mix of context
 * switches, accesses (miss -> fill) and INVVPID flushes. Run once with the
 * reference broken (it evicts the newest way) to prove the comparison can
 * fail.
 */
#define REF_SETS 4
#define REF_WAYS 4

struct ref_e {
	bool v;
	uint16_t vpid;
	uint64_t vpn, stamp;
};

struct ref {
	struct ref_e e[REF_SETS][REF_WAYS];
	uint64_t clock;
	bool broken;
};

static bool ref_lookup(struct ref *r, uint16_t vpid, uint64_t vpn)
{
	for (int w = 0; w < REF_WAYS; w++) {
		struct ref_e *x = &r->e[vpn % REF_SETS][w];

		if (x->v && x->vpid == vpid && x->vpn == vpn) {
			x->stamp = ++r->clock;
			return true;
		}
	}
	return false;
}

static void ref_fill(struct ref *r, uint16_t vpid, uint64_t vpn)
{
	struct ref_e *set = r->e[vpn % REF_SETS], *v = NULL;

	for (int w = 0; w < REF_WAYS && !v; w++)
		if (!set[w].v)
			v = &set[w];
	for (int w = 0; w < REF_WAYS && !v; w++) {
		int pick = 1;

		for (int o = 0; o < REF_WAYS; o++)
			if (r->broken ? set[o].stamp > set[w].stamp : set[o].stamp < set[w].stamp)
				pick = 0;
		if (pick)
			v = &set[w];
	}
	v->v = true;
	v->vpid = vpid;
	v->vpn = vpn;
	v->stamp = ++r->clock;
}

static void ref_flush(struct ref *r, uint16_t vpid, bool one, uint64_t vpn)
{
	for (int s = 0; s < REF_SETS; s++)
		for (int w = 0; w < REF_WAYS; w++)
			if (r->e[s][w].vpid == vpid && (!one || r->e[s][w].vpn == vpn))
				r->e[s][w].v = false;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static unsigned differential(bool broken)
{
	struct tlb_config c = cfg_empty(TLB_VENDOR_INTEL);
	struct ref ref = { .broken = broken };
	uint64_t seed = 12345;
	unsigned mismatches = 0;
	uint16_t vpid = 0;
	struct tlb *t;

	arr(&c, TLB_L1D, REF_SETS * REF_WAYS, REF_WAYS, TLB_4K, TLB_REPL_LRU, 1);
	t = mk(&c);
	ctx(t, 0, 0, EPTP_A);
	for (int i = 0; i < 20000; i++) {
		uint64_t op = lcg(&seed) % 100, vpn = lcg(&seed) % 40;

		if (op < 5) {
			vpid = (uint16_t)(lcg(&seed) % 3);
			ctx(t, vpid, 0, EPTP_A);
		} else if (op < 7) {
			uint16_t v = (uint16_t)(lcg(&seed) % 3);

			flush(t, op == 5 ? TLB_INVVPID_SINGLE : TLB_INVVPID_ADDR, v, 0, vpn << 12);
			ref_flush(&ref, v, op == 6, vpn);
		} else {
			bool hit = look(t, TLB_R, vpn << 12) == TLB_HIT;

			mismatches += hit != ref_lookup(&ref, vpid, vpn);
			if (!hit)
				fill4k(t, vpn << 12);
			if (!ref_lookup(&ref, vpid, vpn))
				ref_fill(&ref, vpid, vpn);
		}
	}
	checked(t);
	tlb_destroy(t);
	return mismatches;
}

static void test_differential(void **state)
{
	(void)state;
	assert_int_equal(differential(false), 0);
	assert_true(differential(true) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_lru_victims),
		cmocka_unit_test(test_wide_sets),
		cmocka_unit_test(test_fingerprint_collisions),
		cmocka_unit_test(test_plru_victims),
		cmocka_unit_test(test_plru_8way),
		cmocka_unit_test(test_set_mapping),
		cmocka_unit_test(test_page_sizes),
		cmocka_unit_test(test_l2_fill_mode),
		cmocka_unit_test(test_fresh_fill_full_sets),
		cmocka_unit_test(test_lookup_4k_sets),
		cmocka_unit_test(test_l2_victim_mode),
		cmocka_unit_test(test_itlb),
		cmocka_unit_test(test_dirty_assist),
		cmocka_unit_test(test_fill_replaces_other_size),
		cmocka_unit_test(test_intel_root_switch),
		cmocka_unit_test(test_invept_single),
		cmocka_unit_test(test_invvpid_addr),
		cmocka_unit_test(test_invvpid_all_keeps_vpid0),
		cmocka_unit_test(test_invvpid_single_and_globals),
		cmocka_unit_test(test_flush_gpa),
		cmocka_unit_test(test_amd_asid_only),
		cmocka_unit_test(test_root_switch_differential),
		cmocka_unit_test(test_amd_flush_scopes),
		cmocka_unit_test(test_amd_hv_quirk),
		cmocka_unit_test(test_amd_hv_flush_gpa_space),
		cmocka_unit_test(test_guest_invlpg_cr3),
		cmocka_unit_test(test_guest_invpcid),
		cmocka_unit_test(test_psc),
		cmocka_unit_test(test_psc_off),
		cmocka_unit_test(test_ntlb),
		cmocka_unit_test(test_stats_foreach),
		cmocka_unit_test(test_check_fires),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
