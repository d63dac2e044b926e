/*
 * Replay benchmarks (make bench): accesses per second of a whole replay —
 * trace decode, vCPU, TLB, walks, KVM — against merely decoding the trace.
 *
 *   replay.tlb_hit      a native trace whose accesses hit the L1 dTLB
 *   replay.decode       decoding the same trace only
 *   replay.vs_decode    the ratio of the two (time per access)
 *   replay.walk_2d      every access misses every TLB level and takes a
 *                       4-level-on-4-level 2D walk (paging-structure caches
 *                       off), after a first pass that faults the pages in
 *   replay.walk_2d_psc  every access misses every TLB level; the 2D walks
 *                       use the paging-structure caches (the default)
 *
 * Each figure is the best of REPS runs (decode and replay interleaved), so
 * that other load on a shared machine does not decide the ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/scenario.h"
#include "traces/trace.h"

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes @n 8-byte reads over @pages pages @stride pages apart: @run
 * consecutive words of a page, then the next page, cycling. */
static void make_trace(const char *path, uint64_t n, uint64_t pages,
		       uint64_t stride, uint64_t run)
{
	char err[256];
	struct trace_writer *w = trace_create(path, 0, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	struct trace_rec buf[4096];
	for (uint64_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < 4096 && i < n; k++, i++)
			buf[k] = (struct trace_rec){
				.addr = ((i / run) % pages) * stride * 4096 +
					8 * (i % run % 512),
				.kind = TRACE_READ, .size = 8,
			};
		trace_write(w, buf, k);
	}
	if (trace_finish(w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

static double decode(const char *path, uint64_t *n)
{
	char err[256];
	static struct trace_rec buf[256];
	double t0 = now();
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	long got;
	uint64_t sum = 0;
	*n = 0;
	while ((got = trace_read(r, buf, 256)) > 0) {
		*n += (uint64_t)got;
		sum += buf[0].addr;
	}
	trace_close(r);
	if (sum == 1)
		puts("");
	return now() - t0;
}

static double replay(const char *path, const char *const *sets, uint64_t *acc)
{
	char text[512], err[512];
	snprintf(text, sizeof(text), "workload all trace %s\n", path);
	const struct scenario *sc = scenario_from_text("bench", text, strlen(text),
						       err, sizeof(err));
	struct params p;
	params_defaults(&p);
	for (; sets && *sets; sets++) {
		char key[64];
		const char *eq = strchr(*sets, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *sets), *sets);
		if (params_set(&p, key, eq + 1, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	}
	double t0 = now();
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	double el = now() - t0;
	if (!r || check_count(r->check)) {
		fprintf(stderr, "bench replay failed: %s\n", r ? "violation" : err);
		exit(1);
	}
	stats_get(sim_stats(r->sim), "accesses", acc);
	run_free(r);
	scenario_free_loaded(sc);
	return el;
}

#define REPS 3

static double best_decode(const char *path, uint64_t *n)
{
	double best = 1e30;
	for (int i = 0; i < REPS; i++) {
		double t = decode(path, n);
		if (t < best)
			best = t;
	}
	return best;
}

static double best_replay(const char *path, const char *const *sets,
			  uint64_t *acc)
{
	double best = 1e30;
	for (int i = 0; i < REPS; i++) {
		double t = replay(path, sets, acc);
		if (t < best)
			best = t;
	}
	return best;
}

int main(void)
{
	char hit[] = "/tmp/tdpsim-bench-hit-XXXXXX", miss[] = "/tmp/tdpsim-bench-miss-XXXXXX";
	close(mkstemp(hit));
	close(mkstemp(miss));

	/* 8 pages read a cache line's worth at a time: every access after the
	 * first 8 hits the L1 dTLB, most of them the same page as the last. */
	make_trace(hit, 20 * 1000 * 1000, 8, 1, 8);
	uint64_t n, acc;
	double dt = best_decode(hit, &n);
	double rt = best_replay(hit, NULL, &acc);
	printf("bench replay.decode %.0f rec/s\n", (double)n / dt);
	printf("bench replay.tlb_hit %.0f acc/s\n", (double)acc / rt);
	printf("bench replay.vs_decode %.2f ratio\n", rt / dt);

	/* 4096 pages, 1 MiB apart (each in its own PDE: no sharing of the
	 * last-level tables), cycled: more pages than the L2 TLB holds, so
	 * every access misses and walks 4-on-4 levels with no PSC help. */
	static const char *const walk[] = {
		"guest.paging=4level", "tlb.psc=off", "vm.mem=8G",
		"tlb.l2.entries=1536", NULL,
	};
	make_trace(miss, 2 * 1000 * 1000, 4096, 256, 1);
	rt = best_replay(miss, walk, &acc);
	printf("bench replay.walk_2d %.0f acc/s\n", (double)acc / rt);
	/* Every access still misses every TLB level (4096 pages > the L2's
	 * 1536 entries), but on contiguous pages, with the paging-structure
	 * caches on (the default): the 2D walks resume from cached upper
	 * levels, as they mostly do on real CPUs. */
	static const char *const walk_psc[] = {
		"guest.paging=4level", "vm.mem=1G", NULL,
	};
	make_trace(miss, 2 * 1000 * 1000, 4096, 1, 1);
	rt = best_replay(miss, walk_psc, &acc);
	printf("bench replay.walk_2d_psc %.0f acc/s\n", (double)acc / rt);

	unlink(hit);
	unlink(miss);
	return 0;
}
