// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay benchmarks (make bench): accesses per second of a whole replay —
 * trace decode, vCPU, TLB, walks, KVM — against merely decoding the trace.
 *
 *   replay.tlb_hit      a native trace whose accesses hit the L1 dTLB
 *   replay.decode       decoding the same trace only
 *   replay.vs_decode    the ratio of the two (time per access)
 *   replay.mixed_hit    a program-like mix of fetches, reads and writes
 *                       (as lackey records them) that hits the L1 iTLB
 *                       and dTLB, 4-level guest paging
 *   replay.mixed_vs_decode  its ratio to decoding it
 *   replay.walk_2d      every access misses every TLB level and takes a
 *                       4-level-on-4-level 2D walk (paging-structure caches
 *                       off), after a first pass that faults the pages in
 *   replay.walk_2d_psc  every access misses every TLB level; the 2D walks
 *                       use the paging-structure caches (the default)
 *
 * Each figure is the best of REPS runs (decode and replay taking turns), so
 * that other load on a shared machine does not decide the ratio.  With
 * arguments "walk_2d_psc N" it replays that trace of N accesses once, for
 * scripts/bench-instr.sh's instruction count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_run.h"
#include "scenarios/scenario.h"
#include "traces/trace.h"

static struct trace_writer *create(const char *path)
{
	char err[256];
	struct trace_writer *w = trace_create(path, 0, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return w;
}

static void finish(struct trace_writer *w)
{
	char err[256];
	if (trace_finish(w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

/* Writes @n 8-byte reads over @pages pages @stride pages apart: @run
 * consecutive words of a page, then the next page, cycling. */
static void make_trace(const char *path, uint64_t n, uint64_t pages,
		       uint64_t stride, uint64_t run)
{
	struct trace_writer *w = create(path);
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
	finish(w);
}

/*
 * Writes about @n records the way lackey sees a program run: a 4-byte
 * instruction fetch each, straight-line code that jumps to another of 4
 * code pages every 32 instructions; every third instruction also reads
 * its stack page, every eighth writes one of 2 heap pages.
 */
static void make_mixed_trace(const char *path, uint64_t n)
{
	struct trace_writer *w = create(path);
	struct trace_rec buf[4096];
	const uint64_t code = 0x400000, stack = 0x7ffff000, heap = 0x600000;
	uint64_t pc = code, done = 0, insn = 0;
	while (done < n) {
		size_t k = 0;
		for (; k + 3 <= 4096 && done + k < n; insn++) {
			if (insn % 32 == 0)
				pc = code + (insn / 32 % 4) * 4096 + (insn / 128 % 16) * 64;
			buf[k++] = (struct trace_rec){ .addr = pc, .kind = TRACE_FETCH, .size = 4 };
			pc += 4;
			if (insn % 3 == 0)
				buf[k++] = (struct trace_rec){
					.addr = stack + 8 * (insn % 64), .kind = TRACE_READ, .size = 8 };
			if (insn % 8 == 0)
				buf[k++] = (struct trace_rec){
					.addr = heap + (insn / 8 % 2) * 4096 + 8 * (insn % 256),
					.kind = TRACE_WRITE, .size = 8 };
		}
		trace_write(w, buf, k);
		done += k;
	}
	finish(w);
}

static double decode(const char *path, uint64_t *n)
{
	char err[256];
	static struct trace_rec buf[256];
	double t0 = bench_now();
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
	return bench_now() - t0;
}

static double replay(const char *path, const char *const *sets, uint64_t *acc)
{
	char text[512];
	snprintf(text, sizeof(text), "workload all trace %s\n", path);
	return bench_run_text("replay", text, sets, acc);
}

#define REPS 5

/* The best of REPS replays of @path, and, if @dt, of REPS decodes of it,
 * the two taking turns (so that a spell of load hits both alike). */
static double best_of(const char *path, const char *const *sets, uint64_t *acc,
		      double *dt, uint64_t *n)
{
	double best = 1e30;
	if (dt)
		*dt = 1e30;
	for (int i = 0; i < REPS; i++) {
		if (dt) {
			double t = decode(path, n);
			if (t < *dt)
				*dt = t;
		}
		double t = replay(path, sets, acc);
		if (t < best)
			best = t;
	}
	return best;
}

/* The walk_2d_psc trace: @n reads over 4096 contiguous pages. */
static void make_walk_psc_trace(const char *path, uint64_t n)
{
	make_trace(path, n, 4096, 1, 1);
}

/*
 * "replay walk_2d_psc N": one replay of the walk_2d_psc trace of N
 * accesses, for scripts/bench-instr.sh to count its instructions under
 * callgrind (which cannot reserve the default 128 GiB host arena: 4 GiB
 * here, which the walks never notice).
 */
static int walk_psc_once(const char *count)
{
	char miss[] = "/tmp/tdpsim-bench-miss-XXXXXX";
	char *end;
	unsigned long long n = strtoull(count, &end, 10);
	if (*end || !n) {
		fprintf(stderr, "bench replay: %s is no access count\n", count);
		return 2;
	}
	close(mkstemp(miss));
	make_walk_psc_trace(miss, n);
	static const char *const sets[] = {
		"guest.paging=4level", "vm.mem=1G", "host.mem=4G", NULL,
	};
	uint64_t acc;
	replay(miss, sets, &acc);
	unlink(miss);
	if (acc != n) {
		fprintf(stderr, "bench replay: %llu of %llu accesses replayed\n",
			(unsigned long long)acc, n);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "walk_2d_psc"))
		return walk_psc_once(argv[2]);
	char hit[] = "/tmp/tdpsim-bench-hit-XXXXXX", miss[] = "/tmp/tdpsim-bench-miss-XXXXXX";
	close(mkstemp(hit));
	close(mkstemp(miss));

	/* 8 pages read a cache line's worth at a time: every access after the
	 * first 8 hits the L1 dTLB, most of them the same page as the last. */
	make_trace(hit, 20 * 1000 * 1000, 8, 1, 8);
	uint64_t n, acc;
	double dt;
	double rt = best_of(hit, NULL, &acc, &dt, &n);
	bench_print("replay.decode", (double)n / dt, 0, "rec/s", NULL, 0);
	bench_print("replay.tlb_hit", (double)acc / rt, 0, "acc/s", ">=", 100e6);
	bench_print("replay.vs_decode", rt / dt, 2, "ratio", "<=", 2);

	static const char *const paged[] = { "guest.paging=4level", NULL };
	make_mixed_trace(hit, 20 * 1000 * 1000);
	rt = best_of(hit, paged, &acc, &dt, &n);
	bench_print("replay.mixed_hit", (double)acc / rt, 0, "acc/s", NULL, 0);
	bench_print("replay.mixed_vs_decode", rt / dt, 2, "ratio", NULL, 0);

	/* 4096 pages, 1 MiB apart (each in its own PDE: no sharing of the
	 * last-level tables), cycled: more pages than the L2 TLB holds, so
	 * every access misses and walks 4-on-4 levels with no PSC help. */
	static const char *const walk[] = {
		"guest.paging=4level", "tlb.psc=off", "vm.mem=8G",
		"tlb.l2.entries=1536", NULL,
	};
	make_trace(miss, 2 * 1000 * 1000, 4096, 256, 1);
	rt = best_of(miss, walk, &acc, NULL, NULL);
	bench_print("replay.walk_2d", (double)acc / rt, 0, "acc/s", NULL, 0);
	/* Every access still misses every TLB level (4096 pages > the L2's
	 * 1536 entries), but on contiguous pages, with the paging-structure
	 * caches on (the default): the 2D walks resume from cached upper
	 * levels, as they mostly do on real CPUs. */
	static const char *const walk_psc[] = {
		"guest.paging=4level", "vm.mem=1G", NULL,
	};
	make_walk_psc_trace(miss, 2 * 1000 * 1000);
	rt = best_of(miss, walk_psc, &acc, NULL, NULL);
	bench_print("replay.walk_2d_psc", (double)acc / rt, 0, "acc/s", ">=", 12e6);

	unlink(hit);
	unlink(miss);
	return 0;
}
