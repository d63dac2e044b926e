// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine self-test scenarios: two threads increment a shared counter.
 *
 * counter-race does load; add; store — a lost update needs the two threads'
 * increments to interleave, which the timed scheduler never does here (each
 * increment is separated by 1000 cycles of local work, offset by 500) and the
 * explore scheduler finds by delaying one thread into the other's window.
 * counter-race-cmpxchg does the same with a cmpxchg loop and can never lose.
 */
#include "scenarios/catalog.h"
#include "scenarios/scenario.h"

#include <stdlib.h>

enum { ITERS = 10, GAP = 1000 };

struct race {
	uint64_t *ctr;
	bool atomic;
};

static void incrementer(struct sim *s, void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < ITERS; i++) {
		sim_charge(s, SIM_ACCT_OTHER, GAP);
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

static int build(struct run *r, bool atomic)
{
	struct race *rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -1;
	rc->ctr = sim_mem_alloc(r->sim, sizeof(uint64_t));
	rc->atomic = atomic;
	r->priv = rc;
	sim_spawn(r->sim, "t0", incrementer, rc, 0, 0);
	sim_spawn(r->sim, "t1", incrementer, rc, GAP / 2, 0);
	return 0;
}

static int build_plain(struct run *r, char *err, size_t errlen)
{
	return build(r, false);
}

static int build_cmpxchg(struct run *r, char *err, size_t errlen)
{
	return build(r, true);
}

static void finish(struct run *r)
{
	struct race *rc = r->priv;
	uint64_t want = 2 * ITERS;
	if (*rc->ctr != want)
		check_report(r->check, CHECK_LOST_UPDATE, sim_pa(r->sim, rc->ctr),
			     "counter is %llu after %llu increments",
			     (unsigned long long)*rc->ctr,
			     (unsigned long long)want);
}

static void destroy(struct run *r)
{
	free(r->priv);
}

const struct scenario scenario_counter_race = {
	.name = "counter-race",
	.summary = "engine self-test: two threads' load/add/store increments; explore finds the lost update",
	.build = build_plain,
	.finish = finish,
	.destroy = destroy,
};

const struct scenario scenario_counter_race_cmpxchg = {
	.name = "counter-race-cmpxchg",
	.summary = "engine self-test: the same increments with cmpxchg never lose one",
	.build = build_cmpxchg,
	.finish = finish,
	.destroy = destroy,
};
