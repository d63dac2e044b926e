// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scale benchmarks (make bench, issue 17): many vCPUs, big guests.
 *
 *   scale.vcpus.N.plain   time per access of a replay of one trace of
 *   scale.vcpus.N.zstd    TOTAL accesses spread over N vCPUs, over the
 *                         same with 1 vCPU (ratio; goal <= 1.5 at 64)
 *   mem.frame.4k|2m|1g    bytes of peak RSS per populated 4 KiB guest
 *                         frame, the guest written page by page
 *   mem.sparse2t.4k|2m.*  a 2 TiB guest written once every 64 MiB:
 *                         the run's time and the process's peak RSS
 *
 * The vCPU figures take the best of REPS runs, the N-vCPU replay taking
 * turns with the 1-vCPU one it is divided by.  The memory figures run
 * each guest in a child process of its own and read its peak RSS from
 * wait4(): the difference between a guest written over FRAMES frames and
 * the same guest written once, over FRAMES, is what a populated frame
 * costs (frame metadata, host page tables, EPT tables, the TLB fills).
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

struct child {
	double seconds;		/* the run's */
	long maxrss_kib;	/* the child process's peak RSS */
};

/* Runs @text under @sets in a child process: its time and peak RSS. */
static struct child in_child(const char *text, const char *const *sets)
{
	int fd[2];
	struct child c = { 0 };
	if (pipe(fd))
		die("pipe", "failed");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t acc;
		double t = run_text(text, sets, &acc);
		if (write(fd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	struct rusage ru;
	int status;
	if (read(fd[0], &c.seconds, sizeof(c.seconds)) != sizeof(c.seconds) ||
	    wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("child run", "failed");
	close(fd[0]);
	c.maxrss_kib = ru.ru_maxrss;
	return c;
}

#define FRAMES (512u * 1024)	/* 2 GiB of guest, written page by page */

static void per_frame(void)
{
	static const struct { const char *name, *backing; double goal; } b[] = {
		/* 16 bytes of frame metadata, plus the page tables: at 4K an
		 * EPT PTE and a host PTE, 8 bytes each, per frame; at 2M and
		 * 1G the tables are a few bytes per 2 MiB. */
		{ "4k", "vm.backing=4k", 32 },
		{ "2m", "vm.backing=thp", 16 },
		{ "1g", "vm.backing=hugetlb-1g", 16 },
	};
	char all[128], one[128];
	snprintf(all, sizeof(all), "workload 0 pages %u write\n", FRAMES);
	snprintf(one, sizeof(one), "workload 0 pages 1 write\n");
	for (size_t i = 0; i < 3; i++) {
		const char *const sets[] = { "vm.mem=2G", b[i].backing, NULL };
		struct child full = in_child(all, sets);
		struct child base = in_child(one, sets);
		char name[64];
		snprintf(name, sizeof(name), "mem.frame.%s", b[i].name);
		bench_print(name, (double)(full.maxrss_kib - base.maxrss_kib) *
				    1024 / FRAMES, 1, "bytes/frame", "<=", b[i].goal);
	}
}

/* A 2 TiB guest written once every 64 MiB: 32,768 writes, which
 * populate 32,768 frames at 4K and 16 GiB of 2 MiB folios at 2M. */
static void sparse_2t(void)
{
	static const struct { const char *name, *backing; } b[] = {
		{ "4k", "vm.backing=4k" }, { "2m", "vm.backing=thp" },
	};
	const char *text = "workload 0 gen pattern=stride ws=2T stride=64M "
			   "count=32768 writes=1\n";
	for (size_t i = 0; i < 2; i++) {
		const char *const sets[] = { "vm.mem=2T", "host.mem=4T",
					     b[i].backing, NULL };
		struct child c = in_child(text, sets);
		char name[64];
		snprintf(name, sizeof(name), "mem.sparse2t.%s.seconds", b[i].name);
		bench_print(name, c.seconds, 3, "s", NULL, 0);
		snprintf(name, sizeof(name), "mem.sparse2t.%s.peak_rss", b[i].name);
		bench_print(name, (double)c.maxrss_kib / 1024, 1, "MiB", NULL, 0);
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
