/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benches that time whole runs share: a clock, and one run of a
 * scenario given as text under a list of KEY=VALUE settings.
 */
#ifndef TDPSIM_BENCH_BENCH_RUN_H
#define TDPSIM_BENCH_BENCH_RUN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenarios/scenario.h"

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the scenario @text under @sets (NULL-terminated KEY=VALUE list):
 * the seconds scenario_run() took, and the values of the NULL-terminated
 * list of counters @names in @vals (as the results file has them).  Exits
 * 1 with a message naming @who on any error, violation or unknown name. */
static inline double bench_run_text_stats(const char *who, const char *text,
					  const char *const *sets,
					  const char *const *names,
					  uint64_t *vals)
{
	char err[512];
	const struct scenario *sc = scenario_from_text(who, text, strlen(text),
						       err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "bench %s: %s\n", who, err);
		exit(1);
	}
	struct params p;
	params_defaults(&p);
	for (; sets && *sets; sets++) {
		char key[64];
		const char *eq = strchr(*sets, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *sets), *sets);
		if (params_set(&p, key, eq + 1, err, sizeof(err))) {
			fprintf(stderr, "bench %s: %s\n", who, err);
			exit(1);
		}
	}
	double t0 = bench_now();
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	double el = bench_now() - t0;
	if (!r || check_count(r->check)) {
		fprintf(stderr, "bench %s failed: %s\n", who, r ? "violation" : err);
		exit(1);
	}
	for (; *names; names++, vals++)
		if (stats_get(sim_stats(r->sim), *names, vals)) {
			fprintf(stderr, "bench %s: no counter %s\n", who, *names);
			exit(1);
		}
	run_free(r);
	scenario_free_loaded(sc);
	return el;
}

/* The same, reading only the accesses the run made. */
static inline double bench_run_text(const char *who, const char *text,
				    const char *const *sets, uint64_t *acc)
{
	static const char *const names[] = { "accesses", NULL };
	return bench_run_text_stats(who, text, sets, names, acc);
}

#endif /* TDPSIM_BENCH_BENCH_RUN_H */
