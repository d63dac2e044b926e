// SPDX-License-Identifier: GPL-2.0-only
/*
 * The six oracles of DESIGN §6, each shown to fire: a scenario run with
 * one deliberately broken step — a missing flush, a plain store over a D
 * bit, an early free, a skipped notifier, a page the VMM does not send —
 * gives an exact count of that kind, and the same run with the correct
 * step gives no violation at all.  The runs are the catalog's scenarios,
 * run in-process as `tdpsim run NAME --set ...` would; the counts are
 * those of their deterministic schedules (timed, or one pinned explore
 * seed), explained per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/scenario.h"

struct counts {
	uint64_t total;
	uint64_t kind[CHECK_NKINDS];
};

/* Runs catalog scenario @name with "key=value" overrides (NULL-ended). */
static struct counts run(const char *name, const char *const *sets)
{
	char err[512];
	const struct scenario *sc = scenario_find(name);
	assert_non_null(sc);
	struct params p;
	params_defaults(&p);
	assert_int_equal(scenario_defaults(sc, &p, err, sizeof(err)), 0);
	for (; *sets; sets++) {
		char key[64];
		const char *eq = strchr(*sets, '=');
		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *sets), *sets);
		if (params_set(&p, key, eq + 1, err, sizeof(err)))
			fail_msg("%s", err);
	}
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r)
		fail_msg("%s: %s", name, err);
	assert_false(r->bad_input);
	struct counts c = { .total = check_count(r->check) };
	for (int k = 0; k < CHECK_NKINDS; k++) {
		char stat[64];
		snprintf(stat, sizeof(stat), "violations.%s",
			 check_kind_name((enum check_kind)k));
		assert_int_equal(stats_get(sim_stats(r->sim), stat, &c.kind[k]), 0);
	}
	run_free(r);
	return c;
}

#define SETS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* 1. Lost migration write.  E9 (volatile-bits): aging clears A with a
 * plain store while the CPU sets D, so the guest's last write before the
 * migration is in no harvest; explore seed 16 lands the store on the
 * CPU's D update.  One page is written, so one page arrives old (and is
 * missing from the log). */
static void test_lost_migration_write(void **state)
{
	(void)state;
	struct counts c = run("volatile-bits", SETS("mmu.spte_write=plain",
						    "sim.mode=explore", "sim.seed=16"));
	assert_int_equal(c.kind[CHECK_LOST_MIGRATION_WRITE], 1);
	assert_int_equal(c.kind[CHECK_DIRTY_LOG_MISS], 1);
	assert_int_equal(c.total, 2);
	c = run("volatile-bits", SETS("sim.mode=explore", "sim.seed=16"));
	assert_int_equal(c.total, 0);
}

/* ... and the VMM's own broken step: the final pass looks at the first
 * changed page and does not send it.  Exactly that page is old. */
static void test_lost_migration_write_skipped_copy(void **state)
{
	(void)state;
	struct counts c = run("dirty-log-pml-vs-wp", SETS("vmm.migrate.skip_copy=1"));
	assert_int_equal(c.kind[CHECK_LOST_MIGRATION_WRITE], 1);
	assert_int_equal(c.total, 1);
	c = run("dirty-log-pml-vs-wp", SETS("vmm.migrate.skip_copy=0"));
	assert_int_equal(c.total, 0);
}

/* 2. Lost folio write.  writeback-reclaim with the notifier skipped: the
 * first writeback cleans the 64 written folios without zapping their
 * SPTEs, so the vCPUs' writes go on into clean folios, unreported.  Each
 * later event finds every such page with content newer than the host
 * may drop: the reclaim at 300k (vCPU 0's first 16 pages), the one at
 * 500k (vCPU 1's first 16), the second and third writebacks (the 32
 * pages still mapped, each time) and the last reclaim (those 32 again):
 * 16 + 16 + 32 + 32 + 32.  With the notifier, under either dirty-marking
 * policy, nothing is lost. */
static void test_lost_folio_write(void **state)
{
	(void)state;
	static const char *const dm[] = { "mmu.dirty_mark=map", "mmu.dirty_mark=zap" };
	for (int i = 0; i < 2; i++) {
		struct counts c = run("writeback-reclaim",
				      SETS(dm[i], "host.skip_notifier=1"));
		assert_int_equal(c.kind[CHECK_LOST_FOLIO_WRITE], 128);
		c = run("writeback-reclaim", SETS(dm[i], "host.skip_notifier=0"));
		assert_int_equal(c.total, 0);
	}
}

/* 3. Stale translation.  svm-asid-stale-root without the root-load flush:
 * the new root reuses the ASID and the old root's translations of freed
 * frames keep hitting (every such access counts).  With the flush, none. */
static void test_stale_translation(void **state)
{
	(void)state;
	struct counts c = run("svm-asid-stale-root", SETS("mmu.root_load_flush=off"));
	assert_int_equal(c.kind[CHECK_STALE_TRANSLATION], 31480);
	assert_int_equal(c.total, c.kind[CHECK_STALE_TRANSLATION]);
	c = run("svm-asid-stale-root", SETS("mmu.root_load_flush=on"));
	assert_int_equal(c.total, 0);
}

/* 4. Freed page-table walk.  pt-free-rcu with page-table pages freed at
 * once instead of after a grace period: at explore seed 0 a lockless walk
 * reads a freed page 4 times.  With call_rcu, the same seed is clean. */
static void test_freed_pt_walk(void **state)
{
	(void)state;
	struct counts c = run("pt-free-rcu", SETS("mmu.pt_free=immediate",
						  "sim.mode=explore", "sim.seed=0"));
	assert_int_equal(c.kind[CHECK_FREED_PT_WALK], 4);
	assert_int_equal(c.total, 4);
	c = run("pt-free-rcu", SETS("mmu.pt_free=rcu", "sim.mode=explore",
				    "sim.seed=0"));
	assert_int_equal(c.total, 0);
}

/* 5. Dirty-log miss and 6. stale permission, E10 (dirty-enable-flush):
 * enabling logging skips its flush, so each of the 16 pages' vCPU keeps a
 * writable TLB entry.  Each page's first write after the enable returned
 * is a stale permission (16), no harvest reports the pages (16 misses),
 * and the destination gets 16 old pages. */
static void test_dirty_log_miss_and_stale_permission(void **state)
{
	(void)state;
	struct counts c = run("dirty-enable-flush",
			      SETS("mmu.dirty_enable_flush=if-changed"));
	assert_int_equal(c.kind[CHECK_DIRTY_LOG_MISS], 16);
	assert_int_equal(c.kind[CHECK_STALE_PERMISSION], 16);
	assert_int_equal(c.kind[CHECK_LOST_MIGRATION_WRITE], 16);
	assert_int_equal(c.total, 48);
	c = run("dirty-enable-flush", SETS("mmu.dirty_enable_flush=always"));
	assert_int_equal(c.total, 0);
}

/* 6. Stale permission, E8 (wrprot-mmu-writable): write tracking that
 * leaves MMU-writable lets a racing fast_page_fault make 4 of the 8
 * tracked pages writable again; the next write to each goes through
 * instead of being emulated.  Clearing MMU-writable: none. */
static void test_stale_permission_write_tracking(void **state)
{
	(void)state;
	struct counts c = run("wrprot-mmu-writable",
			      SETS("mmu.write_track_clear=w-only"));
	assert_int_equal(c.kind[CHECK_STALE_PERMISSION], 4);
	assert_int_equal(c.total, 4);
	c = run("wrprot-mmu-writable",
		SETS("mmu.write_track_clear=w-and-mmu-writable"));
	assert_int_equal(c.total, 0);
}

/* 7. No progress.  svm-asid-stale-root on Hyper-V's EnlightenedNptTlb
 * without the GPA-space hypercall (E14): after the memslot replace every
 * walk resumes in a freed NPT table (a freed-pt-walk each) and exits, and
 * KVM finds nothing to fix.  The 1,000th exit in a row is reported once
 * and the vCPU halts, 434 reads done.  With the hypercall, none. */
static void test_no_progress(void **state)
{
	(void)state;
	struct counts c = run("svm-asid-stale-root",
			      SETS("svm.hv_enlightened_npt_tlb=on",
				   "svm.hv_npt_flush=asid", "cpu.stall_exits=1000"));
	assert_int_equal(c.kind[CHECK_NO_PROGRESS], 1);
	assert_int_equal(c.kind[CHECK_FREED_PT_WALK], 976);
	assert_int_equal(c.total, 977);
	c = run("svm-asid-stale-root",
		SETS("svm.hv_enlightened_npt_tlb=on", "svm.hv_npt_flush=hypercall",
		     "cpu.stall_exits=1000"));
	assert_int_equal(c.total, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_migration_write),
		cmocka_unit_test(test_lost_migration_write_skipped_copy),
		cmocka_unit_test(test_lost_folio_write),
		cmocka_unit_test(test_stale_translation),
		cmocka_unit_test(test_freed_pt_walk),
		cmocka_unit_test(test_dirty_log_miss_and_stale_permission),
		cmocka_unit_test(test_stale_permission_write_tracking),
		cmocka_unit_test(test_no_progress),
	};
	return cmocka_run_group_tests_name("scenarios/oracles", tests, NULL, NULL);
}
