// SPDX-License-Identifier: GPL-2.0-only
/* rwlock, RCU and poison: sharing, exclusion, grace periods, use after free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/params.h"
#include "sim/core/core.h"

static struct params P;
static struct sim *mk(void)
{
	params_defaults(&P);
	P.host_mem = 1ull << 30;
	P.rcu_gp_latency = 1000;
	struct sim *s = sim_new(&P.core);
	assert_non_null(s);
	return s;
}

/* ---- rwlock ---- */
static struct sim_rwlock *L;
static uint64_t *INSIDE; /* readers inside, +1000 per writer inside */
static uint64_t MAX_INSIDE, WRITER_OVERLAP;

static void in_section(struct sim *s, uint64_t add, cycles_t hold)
{
	uint64_t v = sim_fetch_add(s, INSIDE, add) + add;
	if (v > MAX_INSIDE)
		MAX_INSIDE = v;
	if (v >= 1000 && v != 1000)
		WRITER_OVERLAP++;
	sim_yield(s, SIM_ACCT_OTHER, hold);
	v = sim_load(s, INSIDE);
	if (v >= 1000 && v != 1000)
		WRITER_OVERLAP++;
	sim_fetch_add(s, INSIDE, (uint64_t)-add);
}

static void reader(struct sim *s, void *arg)
{
	sim_read_lock(s, L);
	assert_true(sim_rwlock_held_read(s, L));
	assert_false(sim_rwlock_held_write(s, L));
	in_section(s, 1, 500);
	sim_read_unlock(s, L);
}

static void writer(struct sim *s, void *arg)
{
	sim_write_lock(s, L);
	assert_true(sim_rwlock_held_write(s, L));
	in_section(s, 1000, 500);
	sim_write_unlock(s, L);
}

static void test_readers_share(void **state)
{
	struct sim *s = mk();
	L = sim_rwlock_new(s, "mmu_lock");
	INSIDE = sim_mem_alloc(s, 8);
	MAX_INSIDE = WRITER_OVERLAP = 0;
	for (int i = 0; i < 3; i++)
		sim_spawn(s, "r", reader, NULL, (cycles_t)i, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(MAX_INSIDE, 3);
	uint64_t c;
	assert_int_equal(stats_get(sim_stats(s), "lock.mmu_lock.contended", &c), 0);
	assert_int_equal(c, 0);
	sim_rwlock_free(L);
	sim_free(s);
}

static void test_writer_excludes(void **state)
{
	struct sim *s = mk();
	L = sim_rwlock_new(s, "mmu_lock");
	INSIDE = sim_mem_alloc(s, 8);
	MAX_INSIDE = WRITER_OVERLAP = 0;
	sim_spawn(s, "r0", reader, NULL, 0, 0);
	sim_spawn(s, "w", writer, NULL, 10, 0);
	sim_spawn(s, "r1", reader, NULL, 20, 0); /* queued behind the writer */
	sim_spawn(s, "w2", writer, NULL, 30, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(WRITER_OVERLAP, 0);
	assert_int_equal(MAX_INSIDE, 1000);
	/* r1 arrived while the writer waited: it must not overtake it, so the
	 * writer's wait ends when r0 leaves, and r1 waits for the writer. */
	struct sim_thread *w = sim_thread_get(s, 1), *r1 = sim_thread_get(s, 2);
	assert_true(sim_thread_acct(w, SIM_ACCT_LOCK_WAIT) > 0);
	assert_true(sim_thread_acct(r1, SIM_ACCT_LOCK_WAIT) >
		    sim_thread_acct(w, SIM_ACCT_LOCK_WAIT));
	uint64_t c;
	stats_get(sim_stats(s), "lock.mmu_lock.contended", &c);
	assert_int_equal(c, 3);
	sim_rwlock_free(L);
	sim_free(s);
}

/* A writer's spin is charged exactly: it arrives at 10, r0 releases at a
 * known cycle; the wait is the difference. */
static void test_spin_cost_exact(void **state)
{
	struct sim *s = mk();
	L = sim_rwlock_new(s, "l");
	INSIDE = sim_mem_alloc(s, 8);
	sim_spawn(s, "r0", reader, NULL, 0, 0);
	sim_spawn(s, "w", writer, NULL, 10, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	/* r0: read_lock at 0 (+20) add at 20 (+20) hold 500 at 40 -> 540,
	 * load at 540 (+4) add at 544 (+20) read_unlock at 564: the hand-off
	 * time.  w: write_lock at 10 -> waits 554 cycles. */
	assert_int_equal(sim_thread_acct(sim_thread_get(s, 1), SIM_ACCT_LOCK_WAIT), 554);
	/* Holds run from acquisition to release: r0 0..564; w from the
	 * hand-off at 564: +20 lock, add at 584 (+20), hold 500 at 604,
	 * load at 1104 (+4), add at 1108 (+20), unlock at 1128. */
	uint64_t v;
	stats_get(sim_stats(s), "lock.l.read_hold_cycles", &v);
	assert_int_equal(v, 564);
	stats_get(sim_stats(s), "lock.l.write_hold_cycles", &v);
	assert_int_equal(v, 1128 - 564);
	sim_rwlock_free(L);
	sim_free(s);
}

/* ---- RCU ---- */
struct obj {
	uint64_t *word;
	bool freed;
	cycles_t freed_at;
};
static struct obj O;
static uint64_t READ_IN, READ_AFTER;
static cycles_t GP_DONE;

static void free_obj(struct sim *s, void *arg)
{
	struct obj *o = arg;
	o->freed = true;
	o->freed_at = sim_now(s);
	sim_mem_poison(s, o->word, 64);
}

static void rcu_reader(struct sim *s, void *arg)
{
	sim_rcu_read_lock(s);
	sim_yield(s, SIM_ACCT_OTHER, 5000); /* the free happens meanwhile */
	READ_IN = sim_load(s, O.word);
	assert_false(O.freed);
	sim_rcu_read_unlock(s);
	sim_sleep_until(s, SIM_ACCT_SLEEP, 20000);
	READ_AFTER = sim_load(s, O.word); /* after the grace period */
}

static void rcu_updater(struct sim *s, void *arg)
{
	sim_call_rcu(s, free_obj, &O);
}

static uint64_t POISON_HOOK;
static void hook(void *ctx, struct sim *s, uint64_t pa) { POISON_HOOK = pa; }

static void test_rcu_keeps_alive_then_catches(void **state)
{
	struct sim *s = mk();
	O = (struct obj){ sim_mem_alloc(s, 64), false, 0 };
	*O.word = 42;
	POISON_HOOK = 0;
	sim_set_poison_hook(s, hook, NULL);
	sim_spawn(s, "reader", rcu_reader, NULL, 0, 0);
	sim_spawn(s, "updater", rcu_updater, NULL, 100, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(READ_IN, 42);
	assert_true(O.freed);
	/* Reader leaves at 5000 (+4 for its load) = 5004; grace period ends
	 * rcu.gp_latency (1000) after it started at 100, so the callback runs
	 * when the reader leaves, at 5004. */
	assert_int_equal(O.freed_at, 5004);
	assert_int_equal(READ_AFTER, SIM_POISON);
	assert_int_equal(sim_poison_reads(s), 1);
	assert_int_equal(POISON_HOOK, sim_pa(s, O.word));
	sim_free(s);
}

static void sync_reader(struct sim *s, void *arg)
{
	sim_rcu_read_lock(s);
	sim_yield(s, SIM_ACCT_OTHER, 3000);
	sim_rcu_read_unlock(s);
	sim_rcu_read_lock(s); /* a new section: not waited for */
	sim_yield(s, SIM_ACCT_OTHER, 100000);
	sim_rcu_read_unlock(s);
}
static void syncer(struct sim *s, void *arg)
{
	sim_synchronize_rcu(s);
	GP_DONE = sim_now(s);
}
static void test_synchronize_rcu_waits_preexisting_only(void **state)
{
	struct sim *s = mk();
	sim_spawn(s, "reader", sync_reader, NULL, 0, 0);
	sim_spawn(s, "syncer", syncer, NULL, 10, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	/* The first section ends at 3000; the second one started after the
	 * grace period did and is not waited for. */
	assert_int_equal(GP_DONE, 3000);
	sim_free(s);
}

static void lone_syncer(struct sim *s, void *arg)
{
	sim_synchronize_rcu(s);
	GP_DONE = sim_now(s);
}
static void test_synchronize_rcu_no_readers(void **state)
{
	struct sim *s = mk();
	sim_spawn(s, "syncer", lone_syncer, NULL, 10, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(GP_DONE, 1010); /* start + rcu.gp_latency */
	sim_free(s);
}

/* Poison needs the marked range: a value equal to the poison pattern in
 * live memory is not a use after free. */
static void lookalike(struct sim *s, void *arg)
{
	uint64_t *w = arg;
	*w = SIM_POISON;
	assert_int_equal(sim_load(s, w), SIM_POISON);
}
static void test_poison_lookalike_is_not_reported(void **state)
{
	struct sim *s = mk();
	sim_spawn(s, "t", lookalike, sim_mem_alloc(s, 8), 0, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(sim_poison_reads(s), 0);
	sim_free(s);
}

/*
 * The poison map, word by word, through whole and partial pages.  Three
 * pages A, B, C (12 KiB, page-aligned).  Poison all of A and B: every word
 * of both is poisoned, none of C.  Unpoison words 10..19 of B (80 bytes
 * from byte 80): those only are clear.  Poison the last 3 words of B and
 * the first 2 of C (40 bytes across the boundary).  Unpoison A whole:
 * none of A.  Poison 1 byte at word 7 of C: that word, whole.
 */
static void test_poison_pages(void **state)
{
	struct sim *s = mk();
	uint8_t *base = sim_mem_alloc(s, 3 * 4096);
	uint64_t a = sim_pa(s, base), b = a + 4096, c = b + 4096;
	sim_mem_poison(s, base, 2 * 4096);
	for (uint64_t w = 0; w < 512; w++) {
		assert_true(sim_mem_poisoned(s, a + 8 * w));
		assert_true(sim_mem_poisoned(s, b + 8 * w));
		assert_false(sim_mem_poisoned(s, c + 8 * w));
	}
	sim_mem_unpoison(s, base + 4096 + 80, 80);
	for (uint64_t w = 0; w < 512; w++)
		assert_int_equal(sim_mem_poisoned(s, b + 8 * w), w < 10 || w > 19);
	sim_mem_poison(s, base + 2 * 4096 - 24, 40);
	for (uint64_t w = 0; w < 512; w++) {
		assert_int_equal(sim_mem_poisoned(s, b + 8 * w), w < 10 || w > 19);
		assert_int_equal(sim_mem_poisoned(s, c + 8 * w), w < 2);
	}
	sim_mem_unpoison(s, base, 4096);
	sim_mem_poison(s, base + 2 * 4096 + 56, 1);
	for (uint64_t w = 0; w < 512; w++) {
		assert_false(sim_mem_poisoned(s, a + 8 * w));
		assert_int_equal(sim_mem_poisoned(s, c + 8 * w), w < 2 || w == 7);
	}
	sim_free(s);
}

/* The engine's mallocs fail while this is set: this binary links with
 * -Wl,--wrap=malloc (cmocka's own, in its shared library, are not
 * wrapped). */
static bool FAIL_MALLOC;
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return FAIL_MALLOC ? NULL : __real_malloc(n);
}

/*
 * A poison mark that cannot be recorded is counted, never dropped
 * silently.  Pages A, B, C.  The set of poisoned pages is empty (no
 * table) until the first mark: poisoning A with malloc failing cannot make
 * the table, so A is not marked and 1 page is lost.  With memory, A and B
 * poisoned whole share the all-set map (no malloc): still 1.  Unpoisoning
 * part of B needs a map of B's own: failing, B stays poisoned whole and a
 * 2nd page is lost.  Unpoisoning C, never poisoned, whole or in part,
 * needs no record: still 2.
 */
static void test_poison_lost(void **state)
{
	struct sim *s = mk();
	uint8_t *base = sim_mem_alloc(s, 3 * 4096);
	uint64_t a = sim_pa(s, base), b = a + 4096;

	FAIL_MALLOC = true;
	sim_mem_poison(s, base, 4096);
	FAIL_MALLOC = false;
	assert_int_equal(sim_poison_lost(s), 1);
	assert_false(sim_mem_poisoned(s, a));
	sim_mem_poison(s, base, 2 * 4096);
	assert_int_equal(sim_poison_lost(s), 1);
	assert_true(sim_mem_poisoned(s, a));
	FAIL_MALLOC = true;
	sim_mem_unpoison(s, base + 4096 + 80, 80);
	FAIL_MALLOC = false;
	assert_int_equal(sim_poison_lost(s), 2);
	for (uint64_t w = 0; w < 512; w++)
		assert_true(sim_mem_poisoned(s, b + 8 * w));
	FAIL_MALLOC = true;
	sim_mem_unpoison(s, base + 2 * 4096, 4096);
	sim_mem_unpoison(s, base + 2 * 4096 + 8, 8);
	FAIL_MALLOC = false;
	assert_int_equal(sim_poison_lost(s), 2);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_share),
		cmocka_unit_test(test_writer_excludes),
		cmocka_unit_test(test_spin_cost_exact),
		cmocka_unit_test(test_rcu_keeps_alive_then_catches),
		cmocka_unit_test(test_synchronize_rcu_waits_preexisting_only),
		cmocka_unit_test(test_synchronize_rcu_no_readers),
		cmocka_unit_test(test_poison_lookalike_is_not_reported),
		cmocka_unit_test(test_poison_pages),
		cmocka_unit_test(test_poison_lost),
	};
	return cmocka_run_group_tests_name("sim/core sync", tests, NULL, NULL);
}
