// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scale benchmarks (make bench, issue 17): many vCPUs, big guests.
 *
 *   scale.vcpus.N.plain   time per access of a replay of one trace of
 *   scale.vcpus.N.zstd    TOTAL accesses spread over N vCPUs, over the
 *                         same with 1 vCPU (ratio; goal <= 1.5 at 64)
 *   mem.frame.4k|2m|1g    bytes of peak RSS per populated 4 KiB guest
 *                         frame, the guest written page by page; .tables
 *                         of it the page tables, .meta the rest (goal
 *                         <= 16); .over_4k the 2M and 1G totals over
 *                         the 4K one (goal < 1)
 *   mem.sparse2t.4k|2m.*  a 2 TiB guest written once every 64 MiB:
 *                         the run's time, the process's peak RSS and
 *                         the page tables in it
 *
 * The vCPU figures take the best of REPS runs, the N-vCPU replay taking
 * turns with the 1-vCPU one it is divided by.  The memory figures run
 * each guest in a child process of its own and read its peak RSS from
 * wait4(), and the model's own counts of page tables from the run's
 * counters (see table_stats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_run.h"
#include "scenarios/scenario.h"
#include "traces/trace.h"
#include "workloads/workload.h"
#include "sim/core/compiler.h"
#include "kvmmu/kvm_host.h"

static void die(const char *what, const char *err)
{
	fprintf(stderr, "bench scale: %s: %s\n", what, err);
	exit(1);
}

static double run_text(const char *text, const char *const *sets, uint64_t *acc)
{
	return bench_run_text("scale", text, sets, acc);
}

/* ---- vCPU scaling --------------------------------------------------- */

#define TOTAL (2u * 1000 * 1000)
#define REPS 5

/* A zipf trace of TOTAL accesses round-robin over @vcpus vCPUs, all of
 * them on one 128 KiB working set (32 pages: every vCPU's pages fit its
 * L1 dTLB, so the simulated work per access hardly depends on @vcpus). */
static void make_trace(const char *path, unsigned vcpus, unsigned flags)
{
	char err[256];
	struct workload_params wp;
	workload_defaults(&wp);
	wp.pattern = WORKLOAD_ZIPF;
	wp.ws = 128 << 10;
	wp.count = TOTAL;
	wp.vcpus = vcpus;
	wp.share = 1;
	wp.writes = 0.2;
	struct workload_gen *g = workload_new(&wp, err, sizeof(err));
	struct trace_writer *w = trace_create(path, flags, err, sizeof(err));
	if (!g || !w)
		die("trace", err);
	static struct trace_rec buf[4096];
	size_t n;
	while ((n = workload_fill(g, buf, 4096)) > 0)
		if (trace_write(w, buf, n))
			die("trace", trace_writer_error(w));
	if (trace_finish(w, err, sizeof(err)))
		die("trace", err);
	workload_free(g);
}

/* Seconds per access of one replay of @path on @vcpus. */
static double per_access(const char *path, unsigned vcpus)
{
	char text[512], nv[32], np[32];
	snprintf(text, sizeof(text), "workload all trace %s\n", path);
	snprintf(nv, sizeof(nv), "cpu.vcpus=%u", vcpus);
	snprintf(np, sizeof(np), "cpu.pcpus=%u", vcpus);
	const char *const sets[] = { nv, np, NULL };
	uint64_t acc;
	double t = run_text(text, sets, &acc);
	if (acc != TOTAL)
		die(path, "the replay did not take every access");
	return t / (double)acc;
}

static void vcpu_scaling(void)
{
	static const unsigned nv[] = { 1, 4, 16, 64, 256, 1024 };
	static const struct { const char *name; unsigned flags; } codec[] = {
		{ "plain", 0 }, { "zstd", TRACE_ZSTD },
	};
	char one[] = "/tmp/tdpsim-bench-scale-XXXXXX";
	char path[] = "/tmp/tdpsim-bench-scale-XXXXXX";
	close(mkstemp(one));
	close(mkstemp(path));
	for (size_t c = 0; c < 2; c++) {
		make_trace(one, 1, codec[c].flags);
		for (size_t i = 0; i < ARRAY_SIZE(nv); i++) {
			char name[64];
			make_trace(path, nv[i], codec[c].flags);
			/* The 1-vCPU replay and this one take turns, each
			 * keeping its best: both see the same machine. */
			double base = 1e30, t = 1e30;
			for (int r = 0; r < REPS; r++) {
				double b = per_access(one, 1), n = per_access(path, nv[i]);
				base = b < base ? b : base;
				t = n < t ? n : t;
			}
			snprintf(name, sizeof(name), "scale.vcpus.%u.%s.us_per_acc",
				 nv[i], codec[c].name);
			bench_print(name, t * 1e6, 4, "us/acc", NULL, 0);
			snprintf(name, sizeof(name), "scale.vcpus.%u.%s", nv[i],
				 codec[c].name);
			bench_print(name, t / base, 2, "ratio",
				    nv[i] == 64 ? "<=" : NULL, 1.5);
		}
	}
	unlink(one);
	unlink(path);
}

/* ---- memory ---------------------------------------------------------- */

/*
 * What "the page tables" of a run are, from the model's own counters at the
 * end of the run: every page-table frame (EPT/NPT tables, guest tables, PML
 * pages: host.pt_pages, 4 KiB each), the host's own tables for the VMM's
 * mapping of guest memory (host.vma_pt_bytes), and the struct kvm_mmu_page
 * header KVM keeps for each of its tables (kvm.tdp_mmu_pages below the
 * roots, plus the live roots), as Linux's TDP MMU does.
 */
static const char *const table_stats[] = {
	"host.pt_pages", "host.vma_pt_bytes", "kvm.tdp_mmu_pages",
	"kvm.roots_alloc", "kvm.roots_freed", NULL,
};
#define NTABLE_STATS (ARRAY_SIZE(table_stats) - 1)

struct child {
	double seconds;		/* the run's */
	long maxrss_kib;	/* the child process's peak RSS */
	uint64_t v[NTABLE_STATS]; /* table_stats' values */
};

static double table_bytes(const struct child *c)
{
	uint64_t headers = c->v[2] + c->v[3] - c->v[4];
	return (double)c->v[0] * 4096 + (double)c->v[1] +
	       (double)headers * sizeof(struct kvm_mmu_page);
}

/* Runs @text under @sets in a child process: its time, peak RSS and
 * table counters. */
static struct child in_child(const char *text, const char *const *sets)
{
	int fd[2];
	struct child c = { 0 };
	if (pipe(fd))
		die("pipe", "failed");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		c.seconds = bench_run_text_stats("scale", text, sets,
						 table_stats, c.v);
		if (write(fd[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	struct rusage ru;
	int status;
	if (read(fd[0], &c, sizeof(c)) != sizeof(c) ||
	    wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("child run", "failed");
	close(fd[0]);
	c.maxrss_kib = ru.ru_maxrss;
	return c;
}

#define FRAMES (512u * 1024)	/* 2 GiB of guest, written page by page */

/*
 * mem.frame.K: the peak RSS of a guest written over FRAMES frames less that
 * of the same guest written once, per frame; .tables: the same difference
 * of table_bytes(); .meta: the rest, what a populated frame costs besides
 * its tables (struct frame is 12 bytes).  The event log is one entry in
 * both runs: its ring (sim.evlog, 4,096 entries by default) is touched as
 * events are logged, so it would show up as 192 KiB spread over the
 * frames of whichever run logs more events.
 */
static void per_frame(void)
{
	static const struct { const char *name, *backing; } b[] = {
		{ "4k", "vm.backing=4k" },
		{ "2m", "vm.backing=thp" },
		{ "1g", "vm.backing=hugetlb-1g" },
	};
	char all[128], one[128];
	snprintf(all, sizeof(all), "workload 0 pages %u write\n", FRAMES);
	snprintf(one, sizeof(one), "workload 0 pages 1 write\n");
	double total_4k = 0;
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		const char *const sets[] = { "vm.mem=2G", "sim.evlog=1",
					     b[i].backing, NULL };
		struct child full = in_child(all, sets);
		struct child base = in_child(one, sets);
		double total = (double)(full.maxrss_kib - base.maxrss_kib) *
			       1024 / FRAMES;
		double tables = (table_bytes(&full) - table_bytes(&base)) / FRAMES;
		char name[64];
		snprintf(name, sizeof(name), "mem.frame.%s", b[i].name);
		bench_print(name, total, 1, "bytes/frame", NULL, 0);
		snprintf(name, sizeof(name), "mem.frame.%s.tables", b[i].name);
		bench_print(name, tables, 1, "bytes/frame", NULL, 0);
		snprintf(name, sizeof(name), "mem.frame.%s.meta", b[i].name);
		bench_print(name, total - tables, 1, "bytes/frame", "<=", 16);
		if (i == 0) {
			total_4k = total;
			continue;
		}
		/* A huge-page guest must cost less than a 4K one. */
		snprintf(name, sizeof(name), "mem.frame.%s.over_4k", b[i].name);
		bench_print(name, total / total_4k, 2, "ratio", "<", 1);
	}
}

/* A 2 TiB guest written once every 64 MiB: 32,768 writes, which
 * populate 32,768 frames at 4K and 64 GiB of 2 MiB folios at 2M. */
static void sparse_2t(void)
{
	static const struct { const char *name, *backing; } b[] = {
		{ "4k", "vm.backing=4k" }, { "2m", "vm.backing=thp" },
	};
	const char *text = "workload 0 gen pattern=stride ws=2T stride=64M "
			   "count=32768 writes=1\n";
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		const char *const sets[] = { "vm.mem=2T", "host.mem=4T",
					     b[i].backing, NULL };
		struct child c = in_child(text, sets);
		char name[64];
		snprintf(name, sizeof(name), "mem.sparse2t.%s.seconds", b[i].name);
		bench_print(name, c.seconds, 3, "s", NULL, 0);
		snprintf(name, sizeof(name), "mem.sparse2t.%s.peak_rss", b[i].name);
		bench_print(name, (double)c.maxrss_kib / 1024, 1, "MiB", NULL, 0);
		snprintf(name, sizeof(name), "mem.sparse2t.%s.tables", b[i].name);
		bench_print(name, table_bytes(&c) / (1 << 20), 1, "MiB", NULL, 0);
	}
}

int main(int argc, char **argv)
{
	/* "vcpus", "frame" or "sparse" runs one part (for measuring). */
	const char *only = argc > 1 ? argv[1] : NULL;
	if (!only || !strcmp(only, "frame"))
		per_frame();
	if (!only || !strcmp(only, "sparse"))
		sparse_2t();
	if (!only || !strcmp(only, "vcpus"))
		vcpu_scaling();
	return 0;
}
