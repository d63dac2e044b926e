// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine benchmarks: context switches per second (two threads whose every
 * yield point hands over to the other) and the cost of a yield point that
 * does not switch (a lone thread).  Prints "bench NAME VALUE UNIT" lines.
 */
#include <stdio.h>
#include <time.h>

#include "bench/bench.h"
#include "scenarios/params.h"
#include "sim/core/core.h"

enum { N = 20 * 1000 * 1000 };

static void pingpong(struct sim *s, void *arg)
{
	for (int i = 0; i < N / 2; i++)
		sim_yield(s, SIM_ACCT_OTHER, 2);
}

static void lone(struct sim *s, void *arg)
{
	uint64_t *w = arg;
	for (int i = 0; i < N; i++)
		sim_store(s, w, (uint64_t)i);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct params p;
	params_defaults(&p);
	p.host_mem = 1ull << 30;

	struct sim *s = sim_new(&p.core);
	/* Offset by one cycle: each thread's yield point finds the other one
	 * earlier, so every yield point switches. */
	sim_spawn(s, "a", pingpong, NULL, 0, 0);
	sim_spawn(s, "b", pingpong, NULL, 1, 0);
	double t0 = now();
	sim_run(s);
	double el = now() - t0;
	uint64_t sw;
	stats_get(sim_stats(s), "sim.switches", &sw);
	bench_print("sched.switches", (double)sw / el, 0, "switches/s", NULL, 0);
	bench_print("sched.switch_ns", el * 1e9 / (double)sw, 2, "ns", NULL, 0);
	sim_free(s);

	s = sim_new(&p.core);
	sim_spawn(s, "lone", lone, sim_mem_alloc(s, 8), 0, 0);
	t0 = now();
	sim_run(s);
	el = now() - t0;
	bench_print("sched.yield_noswitch_ns", el * 1e9 / N, 2, "ns", NULL, 0);
	sim_free(s);
	return 0;
}
