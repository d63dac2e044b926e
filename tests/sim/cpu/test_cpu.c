// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine with a minimal hand-written hypervisor instead of kvmmu: it
 * builds EPT/NPT tables itself (4 KiB leaves, one data frame per GPA page)
 * and maps a page when the guest faults on it.  Exact counts of exits, walk
 * references, TLB misses, IPI costs and cycle accounts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmmu/env.h"
#include "scenarios/params.h"
#include "sim/cpu/cpu.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/npt/npt.h"
#include "sim/tlb/tlb.h"
#include "sim/core/compiler.h"

struct mini {
	struct params p;
	struct sim *s;
	struct check *chk;
	struct host *h;
	struct machine *m;
	struct env *e;
	uint64_t *root[2];       /* two roots, for root switches */
	int use_root[8];         /* per vCPU */
	struct trace_rec *stream[8];
	size_t len[8], pos[8];
	unsigned exits[8];
	/* Scripted hypervisor work for the IPI test. */
	bool kick_from_0;
	cycles_t kick_cost;
	uint16_t asid[8];
	uint64_t alias_at;       /* vCPU 1 frees root 0 and reallocates here */
	uint16_t vpid[8];
	/* Scripted write protection (vCPU 1's body, for the oracle test). */
	cycles_t wp_at;
	bool wp_flush;
	enum cpu_wrprot wp_kind;
};

static struct mini M;

static uint64_t *table_of(uint64_t entry)
{
	return sim_va(M.s, entry & EPT_ADDR);
}

/* Maps GPA page @gpa -> a fresh data frame in root @r, at setup or from a
 * vCPU thread (plain stores: only this vCPU runs the mini hypervisor). */
static void map_page(int r, uint64_t gpa)
{
	bool intel = M.p.cpu_vendor == VENDOR_INTEL;
	uint64_t table_bits = intel ? (EPT_R | EPT_W | EPT_X)
				    : (X86_PTE_P | X86_PTE_RW | X86_PTE_US);
	uint64_t *t = M.root[r];
	for (int level = 4; level > 1; level--) {
		unsigned i = (gpa >> (12 + 9 * (level - 1))) & 511;
		if (!t[i]) {
			uint64_t *n = host_pt_alloc(M.h);
			t[i] = sim_pa(M.s, n) | table_bits;
		}
		t = table_of(t[i]);
	}
	uint64_t pfn;
	assert_int_equal(host_folio_alloc(M.h, 0, &pfn), 0);
	t[(gpa >> 12) & 511] = (pfn << 12) | table_bits |
			       (intel ? (uint64_t)EPT_MT_WB << EPT_MT_SHIFT : 0);
}

/* The leaf entry of GPA page @gpa in root @r (mapped). */
static uint64_t *leaf_of(int r, uint64_t gpa)
{
	uint64_t *t = M.root[r];
	for (int level = 4; level > 1; level--)
		t = table_of(t[(gpa >> (12 + 9 * (level - 1))) & 511]);
	return &t[(gpa >> 12) & 511];
}

static long source(void *ctx, unsigned idx, struct trace_rec *recs, size_t max)
{
	size_t n = 0;
	while (n < max && M.pos[idx] < M.len[idx])
		recs[n++] = M.stream[idx][M.pos[idx]++];
	return (long)n;
}

static void load_root(struct env_vcpu *ev, unsigned idx)
{
	struct env_vmcs *vmcs = env_vcpu_vmcs(ev);
	uint64_t pa = sim_pa(M.s, M.root[M.use_root[idx]]);
	if (M.p.cpu_vendor == VENDOR_INTEL) {
		vmcs->eptp = ept_eptp(pa, 4, true);
		vmcs->vpid = M.vpid[idx] ? M.vpid[idx] : (u16)(idx + 1);
	} else {
		vmcs->ncr3 = pa;
		vmcs->asid = M.asid[idx] ? M.asid[idx] : idx + 1;
	}
}

static void mini_run(void *hv, struct vcpu *v)
{
	unsigned idx = vcpu_index(v);
	struct env_vcpu *ev = env_vcpu(M.e, idx);
	struct env_exit x;
	if (idx == 0 && M.kick_from_0) {
		/* Hypervisor work on vCPU 0: kick vCPU 1 and wait for its ack. */
		sim_sleep_until(M.s, SIM_ACCT_SLEEP, 1000);
		cycles_t t0 = sim_now(M.s);
		env_kick_vcpu(M.e, env_vcpu(M.e, 1), true);
		M.kick_cost = sim_now(M.s) - t0;
		return;
	}
	if (idx == 1 && M.wp_at) {
		/* A hypervisor on vCPU 1 (same pCPU as vCPU 0) write-protects
		 * page 0x5000, flushes the pCPU or not, and promises. */
		sim_sleep_until(M.s, SIM_ACCT_SLEEP, M.wp_at);
		assert_int_equal(machine_wrprot_arm(M.m, 0x5000, 4096), 0);
		*leaf_of(0, 0x5000) &= ~(uint64_t)EPT_W;
		if (M.wp_flush)
			env_invept(M.e, ENV_INVEPT_GLOBAL, 0);
		assert_int_equal(machine_wrprot_promise(M.m, 0x5000, 4096,
							M.wp_kind), 0);
		return;
	}
	if (idx == 1 && M.alias_at) {
		/* Once vCPU 0 is done, root 0 is freed and the next table
		 * allocation reuses its frame (LIFO): an empty root at the
		 * same EP4TA. */
		sim_sleep_until(M.s, SIM_ACCT_SLEEP, 50000);
		host_pt_free(M.h, M.root[0]);
		uint64_t *n = host_pt_alloc(M.h);
		assert_int_equal(sim_pa(M.s, n), M.alias_at);
		M.root[1] = n;
	}
	for (;;) {
		load_root(ev, idx);
		env_vcpu_run_guest(M.e, ev, &x);
		if (x.reason == ENV_EXIT_HLT)
			return;
		M.exits[idx]++;
		if (x.reason == ENV_EXIT_EPT_VIOLATION || x.reason == ENV_EXIT_NPF)
			map_page(M.use_root[idx], x.gpa & ~4095ull);
	}
}

static void setup(int vendor, unsigned vcpus, unsigned pcpus)
{
	memset(&M, 0, sizeof(M));
	params_defaults(&M.p);
	M.p.host_mem = 1ull << 30;
	M.p.cpu_vendor = vendor;
	M.p.cpu_vcpus = vcpus;
	M.p.cpu_pcpus = pcpus;
	M.s = sim_new(&M.p.core);
	M.chk = check_new(M.s);
	assert_int_equal(host_create(M.s, &M.p.host, &M.h), 0);
	char err[256];
	M.m = machine_new(M.s, &M.p.cpu, &M.p.tlb, &M.p.walk, M.chk, M.h, err,
			   sizeof(err));
	assert_non_null(M.m);
	M.e = machine_env(M.m);
	M.root[0] = host_pt_alloc(M.h);
	M.root[1] = host_pt_alloc(M.h);
	machine_set_hypervisor(M.m, mini_run, NULL);
	machine_set_source(M.m, source, NULL);
}

static void teardown(void)
{
	machine_free(M.m);
	host_destroy(M.h);
	check_free(M.chk);
	sim_free(M.s);
}

static uint64_t stat(const char *name)
{
	uint64_t v = 0;
	assert_int_equal(stats_get(sim_stats(M.s), name, &v), 0);
	return v;
}

/* Runs the machine until every vCPU has halted. */
static void run_machine(void)
{
	assert_int_equal(machine_start(M.m), 0);
	assert_int_equal(sim_run(M.s), SIM_DONE);
	machine_finish(M.m);
}

static struct trace_rec W(uint64_t addr) { return (struct trace_rec){ .addr = addr, .kind = TRACE_WRITE, .size = 8 }; }
static struct trace_rec R(uint64_t addr) { return (struct trace_rec){ .addr = addr, .kind = TRACE_READ, .size = 8 }; }

/* One cold write to an empty EPT: the walk reads the PML4E (1 reference),
 * finds it not present and exits; the hypervisor maps the page; the retry
 * walks all 4 levels (4 references; nothing was cached by the failed walk)
 * and fills the TLB.  The read of the same page then hits L1. */
static void test_cold_write_then_hit(void **state)
{
	setup(VENDOR_INTEL, 1, 1);
	struct trace_rec st[] = { W(0x5008), R(0x5010) };
	M.stream[0] = st;
	M.len[0] = 2;
	run_machine();
	assert_int_equal(M.exits[0], 1);
	assert_int_equal(stat("exits.ept_violation"), 1);
	assert_int_equal(stat("accesses"), 2);
	/* The retried write does not look up the TLB again: one miss. */
	assert_int_equal(stat("tlb.l1d.misses"), 1);
	assert_int_equal(stat("tlb.l1d.hits"), 1);
	assert_int_equal(stat("violations"), 0);
	/* First walk: levels 4,3,2 are non-present at the start -> the walk
	 * stops at the PML4E: 1 reference.  Retry: 4 references. */
	assert_int_equal(stat("walk.refs"), 5);
	teardown();
}

/* Cycle accounts add up to each vCPU's clock. */
static void test_accounts_add_up(void **state)
{
	setup(VENDOR_INTEL, 2, 2);
	struct trace_rec a[] = { W(0x1000), W(0x2000), R(0x1000) };
	struct trace_rec b[] = { R(0x3000), W(0x3000) };
	a[1].gap = 777;
	M.stream[0] = a; M.len[0] = 3;
	M.stream[1] = b; M.len[1] = 2;
	run_machine();
	for (unsigned i = 0; i < 2; i++) {
		struct sim_thread *t = vcpu_thread(machine_vcpu(M.m, i));
		uint64_t sum = 0;
		for (int acct = 0; acct < sim_nacct(M.s); acct++)
			sum += sim_thread_acct(t, acct);
		assert_int_equal(sum, sim_thread_clock(t));
	}
	struct sim_thread *t0 = vcpu_thread(machine_vcpu(M.m, 0));
	assert_int_equal(sim_thread_acct(t0, machine_accts(M.m)->guest), 777);
	/* 2 exits for vCPU 0: each one VM exit + one entry, plus the first
	 * entry and the final exit into HLT. */
	assert_int_equal(sim_thread_acct(t0, machine_accts(M.m)->exit),
			 3 * (M.p.lat_vmentry + M.p.lat_vmexit));
	assert_int_equal(stat("cycles"),
			 sim_thread_clock(t0) +
				 sim_thread_clock(vcpu_thread(machine_vcpu(M.m, 1))));
	teardown();
}

/* A waiting kick costs send + delivery + the target's exit + ack. */
static void test_ipi_wait_cost(void **state)
{
	setup(VENDOR_INTEL, 2, 2);
	M.kick_from_0 = true;
	static struct trace_rec b[2];
	b[0] = R(0x1000);
	b[1] = R(0x1000);
	b[1].gap = 1000000; /* vCPU 1 is in guest mode, computing */
	M.stream[1] = b;
	M.len[1] = 2;
	map_page(0, 0x1000);
	run_machine();
	assert_int_equal(M.kick_cost, M.p.lat_ipi_send + M.p.lat_ipi_delivery +
					      M.p.lat_vmexit + M.p.lat_ipi_ack);
	assert_int_equal(stat("exits.extint"), 1);
	assert_int_equal(stat("ipi.sent"), 1);
	teardown();
}

/*
 * AMD: translations are tagged by ASID only.  vCPU 0 (ASID 5) fills pCPU
 * 0's TLB for GPA 0x7000 through root 0 and is then migrated away; vCPU 1,
 * on pCPU 0 with the same ASID 5 and a *different* root in which 0x7000 is
 * not even mapped, hits the leftover entry: no walk, no exit.
 */
static void test_amd_asid_leftover_hits(void **state)
{
	setup(VENDOR_AMD, 2, 2);
	M.asid[0] = 5;
	M.asid[1] = 5;
	M.use_root[1] = 1;
	static struct trace_rec a[1], b[1];
	a[0] = R(0x7000);
	b[0] = R(0x7008);
	b[0].gap = 100000; /* after vCPU 0 is done and gone */
	M.stream[0] = a; M.len[0] = 1;
	M.stream[1] = b; M.len[1] = 1;
	map_page(0, 0x7000);
	assert_int_equal(machine_start(M.m), 0);
	/* vCPU 1 starts on pCPU 1; move it onto pCPU 0 at its first entry. */
	vcpu_migrate(machine_vcpu(M.m, 1), 0);
	assert_int_equal(sim_run(M.s), SIM_DONE);
	machine_finish(M.m);
	assert_int_equal(M.exits[1], 0);
	assert_int_equal(stat("exits.npf"), 0);
	assert_int_equal(stat("tlb.l1d.hits"), 1);
	teardown();
}

/* The same on Intel: the EP4TA is part of the tag, so vCPU 1 (root 1, even
 * under the same VPID) misses, walks, faults, and gets its own mapping. */
static void test_intel_ep4ta_isolates(void **state)
{
	setup(VENDOR_INTEL, 2, 2);
	M.use_root[1] = 1;
	M.vpid[0] = M.vpid[1] = 7;
	static struct trace_rec a[1], b[1];
	a[0] = R(0x7000);
	b[0] = R(0x7008);
	b[0].gap = 100000;
	M.stream[0] = a; M.len[0] = 1;
	M.stream[1] = b; M.len[1] = 1;
	map_page(0, 0x7000);
	assert_int_equal(machine_start(M.m), 0);
	vcpu_migrate(machine_vcpu(M.m, 1), 0);
	assert_int_equal(sim_run(M.s), SIM_DONE);
	machine_finish(M.m);
	assert_int_equal(M.exits[1], 1);
	assert_int_equal(stat("exits.ept_violation"), 1);
	teardown();
}

/*
 * The EP4TA alias: on Intel a root is its own tag, so root 1 does not see
 * root 0's translations — unless root 1 *is at root 0's frame*.  vCPU 0
 * fills a translation through root 0; root 0's frame is freed and reused
 * for a new, empty root (LIFO); vCPU 1 — the same VPID, as when one vCPU
 * reloads its root — loads it with no INVEPT and hits the old translation
 * although the new root maps nothing.
 */
static void test_intel_ep4ta_alias(void **state)
{
	setup(VENDOR_INTEL, 2, 1);
	static struct trace_rec a[1], b[1];
	a[0] = R(0x7000);
	b[0] = R(0x7008);
	b[0].gap = 100000;
	M.stream[0] = a; M.len[0] = 1;
	M.stream[1] = b; M.len[1] = 1;
	map_page(0, 0x7000);
	/* vCPU 1's root: a fresh table on the frame root 0 is freed from. */
	uint64_t old_pa = sim_pa(M.s, M.root[0]);
	M.root[1] = M.root[0];
	M.use_root[1] = 1;
	M.alias_at = old_pa;
	M.vpid[0] = M.vpid[1] = 7;
	run_machine();
	assert_int_equal(M.exits[1], 0);
	assert_int_equal(stat("tlb.l1d.hits"), 1);
	assert_int_equal(stat("walk.walks"), 1);
	teardown();
}

/* Page-crossing accesses are split: two translations, one access. */
static void test_split_access(void **state)
{
	setup(VENDOR_INTEL, 1, 1);
	static struct trace_rec a[1];
	a[0] = (struct trace_rec){ .addr = 0x1ffc, .kind = TRACE_WRITE, .size = 8 };
	M.stream[0] = a;
	M.len[0] = 1;
	map_page(0, 0x1000);
	map_page(0, 0x2000);
	run_machine();
	assert_int_equal(stat("accesses"), 1);
	assert_int_equal(stat("accesses.split"), 1);
	assert_int_equal(stat("tlb.l1d.misses"), 2);
	teardown();
}

/*
 * The hot loop's runs, against hand counts: one vCPU, pages 0x1000 and
 * 0x2000 mapped up front (R/W/X), records of 8 bytes (the fetch at 102c: 4).
 *
 *   R 1000  L1d miss, L2 miss, walk (sets A only: the entry is clean)
 *   R 1008  L1d hit (the run after the fill)
 *   W 1010  L1d hit on the clean entry: a dirty assist, walk again
 *   R 1018  L1d hit
 *   W 1020  L1d hit (dirty now: inside the run)
 *   X 1028  L1i miss, L2 hit (moved up into the iTLB)
 *   X 102c  L1i hit
 *   R 1030  L1d hit (the dTLB's entry is still the last used)
 *   X 1034  L1i hit (the iTLB's likewise)
 *   R 1ffc  split: L1d hit for 1ffc..1fff, L1d and L2 miss for 2000..2003
 *   R 2008  after a 100-cycle gap: L1d hit
 *   R 1038  L1d hit, not the last used entry (looked up in its set)
 *   R 1040  L1d hit
 */
/*
 * A run of writes hits in the L1 dTLB and counts through the host's write
 * counter (the low half of the frame's version): across 2^32 it carries.
 * The page's frame starts at 2^32 - 4 (its counter set by hand); eight
 * writes, the first a miss and walk, the other seven hits, make 2^32 + 4.
 */
static void test_hit_writes_carry(void **state)
{
	setup(VENDOR_INTEL, 1, 1);
	static struct trace_rec st[8];
	for (int i = 0; i < 8; i++)
		st[i] = W(0x1000 + 8 * (uint64_t)i);
	M.stream[0] = st;
	M.len[0] = 8;
	map_page(0, 0x1000);
	uint64_t pfn = EPT_ADDR & *leaf_of(0, 0x1000);
	pfn >>= 12;
	uint32_t *c = host_frame_write_counter(M.h, pfn);
	assert_non_null(c);
	*c = UINT32_MAX - 3;
	assert_true(host_frame_version(M.h, pfn) == (UINT64_C(1) << 32) - 4);
	run_machine();
	assert_int_equal(stat("accesses"), 8);
	assert_int_equal(stat("tlb.l1d.hits"), 7);
	assert_true(host_frame_version(M.h, pfn) == (UINT64_C(1) << 32) + 4);
	teardown();
}

static void test_hit_runs(void **state)
{
	setup(VENDOR_INTEL, 1, 1);
	static const uint64_t addr[] = { 0x1000, 0x1008, 0x1010, 0x1018, 0x1020, 0x1028, 0x102c,
					 0x1030, 0x1034, 0x1ffc, 0x2008, 0x1038, 0x1040 };
	static const uint8_t kind[] = { TRACE_READ, TRACE_READ, TRACE_WRITE, TRACE_READ,
					TRACE_WRITE, TRACE_FETCH, TRACE_FETCH, TRACE_READ,
					TRACE_FETCH, TRACE_READ, TRACE_READ, TRACE_READ,
					TRACE_READ };
	static struct trace_rec st[13];
	for (int i = 0; i < 13; i++)
		st[i] = (struct trace_rec){ .addr = addr[i], .kind = kind[i], .size = 8 };
	st[6].size = 4;
	st[10].gap = 100;
	M.stream[0] = st;
	M.len[0] = 13;
	map_page(0, 0x1000);
	map_page(0, 0x2000);
	run_machine();
	assert_int_equal(M.exits[0], 0);
	static const struct { const char *name; uint64_t want; } want[] = {
		{ "accesses", 13 },		{ "accesses.split", 1 },
		{ "tlb.l1d.hits", 9 },		{ "tlb.l1d.misses", 2 },
		{ "tlb.l1i.hits", 2 },		{ "tlb.l1i.misses", 1 },
		{ "tlb.l2.hits", 1 },		{ "tlb.l2.misses", 2 },
		{ "tlb.dirty_assists", 1 },	{ "tlb.fills", 3 },
		{ "violations", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint64_t got = stat(want[i].name);
		if (got != want[i].want)
			print_message("%s\n", want[i].name);
		assert_int_equal(got, want[i].want);
	}
	teardown();
}

/*
 * Oracle 6, stale permission, on a hand-made hypervisor.  vCPU 0 writes
 * 0x5000 (an exit, then mapped writable and cached in the TLB) and again
 * 50,000 cycles later; at 20,000 the hypervisor clears W in its EPT leaf
 * and promises the page write-protected.  Its fault handler maps whatever
 * faults writable again, honoring no promise.
 */
static void wp_run(bool flush, enum cpu_wrprot kind)
{
	setup(VENDOR_INTEL, 2, 1);
	struct trace_rec st[] = { W(0x5000), W(0x5008) };
	st[1].gap = 50000;
	M.stream[0] = st;
	M.len[0] = 2;
	M.wp_at = 20000;
	M.wp_flush = flush;
	M.wp_kind = kind;
	run_machine();
	assert_int_equal(stat("accesses"), 2);
}

/* The broken step: no flush.  The second write hits the stale writable
 * TLB entry with no exit: one violation, for either kind of promise. */
static void test_stale_permission_missing_flush(void **state)
{
	for (int k = 0; k < 2; k++) {
		wp_run(false, k ? CPU_WRPROT_TRACK : CPU_WRPROT_LOG);
		assert_int_equal(M.exits[0], 1);
		assert_int_equal(stat("violations.stale-permission"), 1);
		assert_int_equal(stat("violations"), 1);
		teardown();
	}
}

/* The correct step: INVEPT.  The second write walks, finds W clear and
 * exits; the handler maps the page writable again and the retried write
 * lands.  For the dirty log that is right (the exit is KVM seeing the
 * write): silent.  Write tracking and a read-only slot must emulate it
 * instead: one violation. */
static void test_stale_permission_after_flush(void **state)
{
	wp_run(true, CPU_WRPROT_LOG);
	assert_int_equal(M.exits[0], 2);
	assert_int_equal(stat("violations"), 0);
	teardown();
	for (int k = 0; k < 2; k++) {
		wp_run(true, k ? CPU_WRPROT_READONLY : CPU_WRPROT_TRACK);
		assert_int_equal(M.exits[0], 2);
		assert_int_equal(stat("violations.stale-permission"), 1);
		assert_int_equal(stat("violations"), 1);
		teardown();
	}
}

/*
 * Lookahead (sim_set_lookahead): two vCPUs on pCPUs of their own, each
 * reading its own mapped page 4000 times: one cold walk (4 references)
 * and 3999 L1 hits each.  Hits are a vCPU's own business, so each may run
 * ahead of the other by lat.vmexit (1000 cycles, 500 hits at
 * tlb.l1d.latency 1 + lat.access 1) before the engine switches: a turn
 * ends only 1000 cycles past the other's clock, so there are at most
 * 2 * 8000 / 1000 = 16 switches for the hits.  Once a data folio has been
 * freed, a hit could find its translation stale and report it, so vCPUs
 * keep to the exact schedule: their clocks in step, they take turns at
 * every access (at least 7998 switches).  Every modelled figure is the
 * same either way; only the engine's switches and yield points differ.
 */
static const char *const run_ahead_stats[] = {
	"accesses", "cycles", "tlb.l1d.hits", "tlb.l1d.misses", "tlb.l2.misses",
	"walk.refs", "violations",
};
#define N_RUN_AHEAD ARRAY_SIZE(run_ahead_stats)

static uint64_t run_ahead(bool freed, uint64_t *got)
{
	setup(VENDOR_INTEL, 2, 2);
	static struct trace_rec a[4000], b[4000];
	for (int i = 0; i < 4000; i++) {
		a[i] = R(0x1000 + 8 * (uint64_t)(i % 512));
		b[i] = R(0x2000 + 8 * (uint64_t)(i % 512));
	}
	M.stream[0] = a; M.len[0] = 4000;
	M.stream[1] = b; M.len[1] = 4000;
	if (freed) {
		uint64_t pfn;
		assert_int_equal(host_folio_alloc(M.h, 0, &pfn), 0);
		host_folio_put(M.h, pfn);
	}
	map_page(0, 0x1000);
	map_page(0, 0x2000);
	run_machine();
	for (size_t i = 0; i < N_RUN_AHEAD; i++)
		got[i] = stat(run_ahead_stats[i]);
	uint64_t sw = stat("sim.switches");
	teardown();
	return sw;
}

static void test_hits_run_ahead(void **state)
{
	uint64_t ahead[N_RUN_AHEAD], exact[N_RUN_AHEAD];
	uint64_t sw_ahead = run_ahead(false, ahead);
	uint64_t sw_exact = run_ahead(true, exact);
	assert_int_equal(ahead[0], 8000);
	assert_int_equal(ahead[2], 7998);
	assert_int_equal(ahead[3], 2);
	assert_int_equal(ahead[4], 2);
	assert_int_equal(ahead[5], 8);
	assert_int_equal(ahead[6], 0);
	for (size_t i = 0; i < N_RUN_AHEAD; i++)
		assert_int_equal(ahead[i], exact[i]);
	/* The hits' 16, plus the cold walks' 8 yield points and the threads'
	 * starts, entries and halts, a dozen. */
	assert_true(sw_ahead <= 16 + 8 + 12);
	assert_true(sw_exact >= 7998);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_write_then_hit),
		cmocka_unit_test(test_accounts_add_up),
		cmocka_unit_test(test_ipi_wait_cost),
		cmocka_unit_test(test_amd_asid_leftover_hits),
		cmocka_unit_test(test_intel_ep4ta_isolates),
		cmocka_unit_test(test_intel_ep4ta_alias),
		cmocka_unit_test(test_split_access),
		cmocka_unit_test(test_hit_runs),
		cmocka_unit_test(test_hit_writes_carry),
		cmocka_unit_test(test_hits_run_ahead),
		cmocka_unit_test(test_stale_permission_missing_flush),
		cmocka_unit_test(test_stale_permission_after_flush),
	};
	return cmocka_run_group_tests_name("sim/cpu", tests, NULL, NULL);
}
