// SPDX-License-Identifier: GPL-2.0-only
/* Engine scheduling: clock order, blocking, deadlock, explore, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/params.h"
#include "sim/core/core.h"

static struct params P;

static struct sim *mk(int mode, uint64_t seed)
{
	params_defaults(&P);
	P.sim_mode = mode;
	P.sim_seed = seed;
	P.host_mem = 1ull << 30;
	struct sim *s = sim_new(&P.core);
	assert_non_null(s);
	return s;
}

/* Precise check of interleaving through the event log of shared stores. */
static uint64_t *WORD;
static void storer(struct sim *s, void *arg)
{
	for (int i = 0; i < 3; i++)
		sim_store(s, WORD, (uintptr_t)arg * 10 + (uint64_t)i);
}

static void test_store_order_exact(void **state)
{
	struct sim *s = mk(MODE_TIMED, 0);
	WORD = sim_mem_alloc(s, 8);
	sim_spawn(s, "x", storer, (void *)1, 0, 0);
	sim_spawn(s, "y", storer, (void *)2, 2, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	/* lat.store = 4: x stores at 0,4,8; y at 2,6,10. */
	uint64_t want[6][2] = { { 0, 10 }, { 2, 20 }, { 4, 11 },
				{ 6, 21 }, { 8, 12 }, { 10, 22 } };
	assert_int_equal(sim_log_count(s), 6);
	for (int i = 0; i < 6; i++) {
		const struct sim_event *e = sim_log_get(s, (size_t)i);
		assert_int_equal(e->cycle, want[i][0]);
		assert_int_equal(e->new, want[i][1]);
		assert_string_equal(e->op, "store");
		assert_int_equal(e->addr, sim_pa(s, WORD));
	}
	assert_int_equal(sim_thread_clock(sim_thread_get(s, 0)), 12);
	assert_int_equal(sim_thread_clock(sim_thread_get(s, 1)), 14);
	sim_free(s);
}

/* Local work never switches: a thread charging below the horizon runs on. */
static void charger(struct sim *s, void *arg)
{
	for (int i = 0; i < 1000; i++)
		sim_charge(s, SIM_ACCT_OTHER, 1);
	sim_store(s, WORD, 1);
}
static void test_local_work_no_switch(void **state)
{
	struct sim *s = mk(MODE_TIMED, 0);
	WORD = sim_mem_alloc(s, 8);
	sim_spawn(s, "a", charger, NULL, 0, 0);
	sim_spawn(s, "b", charger, NULL, 0, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	uint64_t sw;
	assert_int_equal(stats_get(sim_stats(s), "sim.switches", &sw), 0);
	/* main->a; a's store at 1000 waits for b (clock 0) -> b; b's store
	 * at 1000 ties with a, lower id first -> a; a exits -> b; b exits ->
	 * main: 5 switches, none for the 2000 charges. */
	assert_int_equal(sw, 5);
	sim_free(s);
}

/* ---- sleep, block, wake, deadlock, accounts ---- */
static struct sim_thread *SLEEPER;
static void sleeper(struct sim *s, void *arg)
{
	sim_block(s, SIM_ACCT_WAIT, "waiting for waker");
	sim_store(s, WORD, sim_now(s));
}
static void waker(struct sim *s, void *arg)
{
	sim_sleep_until(s, SIM_ACCT_SLEEP, 500);
	sim_charge(s, SIM_ACCT_OTHER, 7);
	sim_wake(s, SLEEPER, sim_now(s) + 100);
}
static void test_block_wake(void **state)
{
	struct sim *s = mk(MODE_TIMED, 0);
	WORD = sim_mem_alloc(s, 8);
	SLEEPER = sim_spawn(s, "sleeper", sleeper, NULL, 0, 0);
	sim_spawn(s, "waker", waker, NULL, 0, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(*WORD, 607);
	assert_int_equal(sim_thread_acct(SLEEPER, SIM_ACCT_WAIT), 607);
	struct sim_thread *w = sim_thread_get(s, 1);
	assert_int_equal(sim_thread_acct(w, SIM_ACCT_SLEEP), 500);
	assert_int_equal(sim_thread_clock(w), 507);
	sim_free(s);
}

static void blocker(struct sim *s, void *arg)
{
	sim_block(s, SIM_ACCT_WAIT, (const char *)arg);
}
static void test_deadlock_reported(void **state)
{
	struct sim *s = mk(MODE_TIMED, 0);
	sim_spawn(s, "a", blocker, "ipi ack", 0, 0);
	sim_spawn(s, "b", blocker, "rwlock write mmu_lock", 3, 0);
	assert_int_equal(sim_run(s), SIM_DEADLOCK);
	assert_string_equal(sim_thread_wait_reason(sim_thread_get(s, 0)), "ipi ack");
	assert_string_equal(sim_thread_wait_reason(sim_thread_get(s, 1)),
			    "rwlock write mmu_lock");
	sim_free(s);
}

/* ---- the lost-update race ---- */
struct race {
	uint64_t *ctr;
	bool atomic;
	int iters;
};

static void incrementer(struct sim *s, void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < r->iters; i++) {
		/* Each increment is separated by local work, so in timed mode
		 * the two threads' increments never overlap. */
		sim_charge(s, SIM_ACCT_OTHER, 1000);
		if (r->atomic) {
			uint64_t old = sim_load(s, r->ctr);
			while (!sim_cmpxchg(s, r->ctr, &old, old + 1))
				;
		} else {
			uint64_t v = sim_load(s, r->ctr);
			sim_charge(s, SIM_ACCT_OTHER, 1);
			sim_store(s, r->ctr, v + 1);
		}
	}
}

static uint64_t run_race(int mode, uint64_t seed, bool atomic)
{
	struct sim *s = mk(mode, seed);
	struct race r = { sim_mem_alloc(s, 8), atomic, 10 };
	sim_spawn(s, "t0", incrementer, &r, 0, 0);
	sim_spawn(s, "t1", incrementer, &r, 500, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	uint64_t v = *r.ctr;
	sim_free(s);
	return v;
}

static void test_race_timed_no_loss(void **state)
{
	assert_int_equal(run_race(MODE_TIMED, 0, false), 20);
}

static void test_race_explore_finds_loss(void **state)
{
	int found = -1;
	for (int seed = 0; seed < 100 && found < 0; seed++)
		if (run_race(MODE_EXPLORE, (uint64_t)seed, false) != 20)
			found = seed;
	assert_true(found >= 0);
	/* Replaying that seed reproduces the loss exactly. */
	uint64_t a = run_race(MODE_EXPLORE, (uint64_t)found, false);
	uint64_t b = run_race(MODE_EXPLORE, (uint64_t)found, false);
	assert_true(a < 20);
	assert_int_equal(a, b);
}

static void test_race_cmpxchg_never_loses(void **state)
{
	for (int seed = 0; seed < 10000; seed++)
		if (run_race(MODE_EXPLORE, (uint64_t)seed, true) != 20)
			fail_msg("cmpxchg lost an update at seed %d", seed);
}

/* Different seeds give different interleavings; same seed, same log. */
static uint64_t log_hash(int mode, uint64_t seed)
{
	struct sim *s = mk(mode, seed);
	struct race r = { sim_mem_alloc(s, 8), false, 10 };
	sim_spawn(s, "t0", incrementer, &r, 0, 0);
	sim_spawn(s, "t1", incrementer, &r, 500, 0);
	sim_run(s);
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < sim_log_count(s); i++) {
		const struct sim_event *e = sim_log_get(s, i);
		uint64_t f[5] = { e->cycle, e->addr, e->old, e->new, e->thread };
		for (int k = 0; k < 5; k++)
			h = (h ^ f[k]) * 1099511628211ull;
	}
	sim_free(s);
	return h;
}

static void test_same_seed_same_log(void **state)
{
	int differ = 0;
	for (uint64_t seed = 1; seed < 20; seed++) {
		assert_int_equal(log_hash(MODE_EXPLORE, seed),
				 log_hash(MODE_EXPLORE, seed));
		differ += log_hash(MODE_EXPLORE, seed) != log_hash(MODE_EXPLORE, seed + 1);
	}
	assert_true(differ > 10);
}

/* Quantum: a thread may run ahead by up to the quantum before switching. */
static void test_quantum_lookahead(void **state)
{
	params_defaults(&P);
	P.host_mem = 1ull << 30;
	P.sim_quantum = 1000;
	struct sim *s = sim_new(&P.core);
	WORD = sim_mem_alloc(s, 8);
	sim_spawn(s, "x", storer, (void *)1, 0, 0);
	sim_spawn(s, "y", storer, (void *)2, 2, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	/* x runs all three stores (0,4,8 < 2+1000) before y runs. */
	assert_int_equal(sim_log_get(s, 2)->new, 12);
	assert_int_equal(sim_log_get(s, 3)->new, 20);
	sim_free(s);
}

/*
 * Lookahead: a thread that promises L cycles of invisibility counts from
 * its time + L in sim_lookahead_limit, others as in sim_sync_limit.
 * g (id 0) promises 1000 at clock 0, works to 10 and yields to p, which is
 * due at 5; p (id 1) probes both limits with g queued at 10 and h (id 2,
 * no lookahead) at @h_at: sync_limit = g's 10 (+0: g has the lower id);
 * lookahead_limit = min(10 + 1000, h_at + 1 (p's id is lower)).
 */
static cycles_t SYNC_SEEN, LOOK_SEEN;
static void promiser(struct sim *s, void *arg)
{
	sim_set_lookahead(s, 1000);
	sim_charge(s, SIM_ACCT_OTHER, 10);
	sim_yield(s, SIM_ACCT_OTHER, 0);
	sim_set_lookahead(s, 0);
}
static void prober(struct sim *s, void *arg)
{
	SYNC_SEEN = sim_sync_limit(s);
	LOOK_SEEN = sim_lookahead_limit(s);
}
static void idler(struct sim *s, void *arg)
{
	sim_charge(s, SIM_ACCT_OTHER, 1);
}
static void lookahead_case(int mode, cycles_t quantum, cycles_t h_at,
			   cycles_t want_sync, cycles_t want_look)
{
	params_defaults(&P);
	P.host_mem = 1ull << 30;
	P.sim_mode = mode;
	P.sim_quantum = quantum;
	struct sim *s = sim_new(&P.core);
	assert_non_null(s);
	sim_spawn(s, "g", promiser, NULL, 0, 0);
	sim_spawn(s, "p", prober, NULL, 5, 0);
	sim_spawn(s, "h", idler, NULL, h_at, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(SYNC_SEEN, want_sync);
	assert_int_equal(LOOK_SEEN, want_look);
	sim_free(s);
}
static void test_lookahead_limit(void **state)
{
	lookahead_case(MODE_TIMED, 0, 300, 10, 301);	/* h first */
	lookahead_case(MODE_TIMED, 0, 2000, 10, 1010);	/* g's promise first */
	/* The quantum adds to both, as it does to the horizon (3: g at 10
	 * is past p's 5 + 3, so it still yields to p). */
	lookahead_case(MODE_TIMED, 3, 2000, 13, 1013);
	/* Explore: every yield point goes the slow way, no running ahead. */
	lookahead_case(MODE_EXPLORE, 0, 2000, 0, 0);
}

/*
 * Many promises.  A (id 0) and B (id 1) promise La and Lb, work to 10 and
 * 30 and yield to P (id 2, due at 5), which probes with both queued:
 * lookahead_limit = min(10 + La, 30 + Lb).  With one value (100 and 100)
 * the least key, A's, decides: 110.  With two (100 and 50) B's 80 is less
 * though B is not the heap's top; so it is with 100 and 70 (100): a
 * limit taken from the top alone would say 110 both times.
 */
static cycles_t PROMISE[2], WORK[2];
static void promiser_n(struct sim *s, void *arg)
{
	int i = (int)(intptr_t)arg;
	sim_set_lookahead(s, PROMISE[i]);
	sim_charge(s, SIM_ACCT_OTHER, WORK[i]);
	sim_yield(s, SIM_ACCT_OTHER, 0);
	sim_set_lookahead(s, 0);
}
static void many_case(cycles_t la, cycles_t lb, cycles_t want)
{
	params_defaults(&P);
	P.host_mem = 1ull << 30;
	P.sim_quantum = 0;
	PROMISE[0] = la, PROMISE[1] = lb;
	WORK[0] = 10, WORK[1] = 30;
	struct sim *s = sim_new(&P.core);
	assert_non_null(s);
	sim_spawn(s, "a", promiser_n, (void *)0, 0, 0);
	sim_spawn(s, "b", promiser_n, (void *)1, 0, 0);
	sim_spawn(s, "p", prober, NULL, 5, 0);
	assert_int_equal(sim_run(s), SIM_DONE);
	assert_int_equal(LOOK_SEEN, want);
	sim_free(s);
}
static void test_lookahead_many(void **state)
{
	many_case(100, 100, 110);
	many_case(100, 50, 80);
	many_case(100, 70, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_order_exact),
		cmocka_unit_test(test_local_work_no_switch),
		cmocka_unit_test(test_block_wake),
		cmocka_unit_test(test_deadlock_reported),
		cmocka_unit_test(test_race_timed_no_loss),
		cmocka_unit_test(test_race_explore_finds_loss),
		cmocka_unit_test(test_race_cmpxchg_never_loses),
		cmocka_unit_test(test_same_seed_same_log),
		cmocka_unit_test(test_quantum_lookahead),
		cmocka_unit_test(test_lookahead_limit),
		cmocka_unit_test(test_lookahead_many),
	};
	return cmocka_run_group_tests_name("sim/core sched", tests, NULL, NULL);
}
