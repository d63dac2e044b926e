// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decode rates of the trace readers and the generators, in records per
 * second: the floor under any replay (DESIGN §9: replay <= 2x decode).
 *
 *	bench trace.decode N rec/s		plain native, from the page cache
 *	bench trace.decode_zstd N rec/s		zstd native
 *	bench trace.decode_lackey N rec/s	lackey text, from memory
 *	bench workload.uniform N rec/s		generator, no file
 *	bench workload.zipf N rec/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "traces/trace.h"
#include "workloads/workload.h"

#define NRECS	(4u << 20)	/* 64 MiB of plain native trace */
#define BATCH	4096
#define REPEAT	5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench/trace_decode: %s: %s\n", what, msg);
	exit(1);
}

static volatile uint64_t sink;	/* keeps the decode loops honest */

/* Best-of-REPEAT decode rate of a reader that OPEN makes. */
static double rate(struct trace_reader *(*open)(void *), void *ctx, struct trace_rec *buf)
{
	double best = 0;

	for (int k = 0; k < REPEAT; k++) {
		struct trace_reader *r = open(ctx);
		uint64_t n = 0, sum = 0;
		double t0 = now(), dt;
		long got;

		while ((got = trace_read(r, buf, BATCH)) > 0) {
			n += (uint64_t)got;
			sum += buf[got - 1].addr;
		}
		dt = now() - t0;
		if (got < 0)
			die("read", trace_error(r));
		trace_close(r);
		sink += sum;
		if (n / dt > best)
			best = (double)n / dt;
	}
	return best;
}

static struct trace_reader *open_path(void *ctx)
{
	char err[512];
	struct trace_reader *r = trace_open(ctx, err, sizeof(err));

	if (!r)
		die("open", err);
	return r;
}

struct mem {
	const char *text;
	size_t len;
};

static struct trace_reader *open_mem(void *ctx)
{
	struct mem *m = ctx;
	char err[512];
	struct trace_reader *r = trace_open_mem(m->text, m->len, "lackey", TRACE_FMT_AUTO,
						err, sizeof(err));

	if (!r)
		die("open", err);
	return r;
}

static void write_trace(const char *path, unsigned flags, struct trace_rec *buf)
{
	struct workload_params p;
	struct workload_gen *g;
	struct trace_writer *w;
	char err[512];
	size_t n;

	workload_defaults(&p);
	p.pattern = WORKLOAD_UNIFORM;
	p.ws = 1 << 20;		/* TLB-hit territory: 256 pages */
	p.count = NRECS;
	p.writes = 0.3;
	p.vcpus = 4;
	p.share = 0.5;
	g = workload_new(&p, err, sizeof(err));
	w = trace_create(path, flags, err, sizeof(err));
	if (!g || !w)
		die(path, err);
	while ((n = workload_fill(g, buf, BATCH)) > 0)
		if (trace_write(w, buf, n) < 0)
			die(path, trace_writer_error(w));
	workload_free(g);
	if (trace_finish(w, err, sizeof(err)) < 0)
		die(path, err);
}

/* ~2M lackey lines in memory, shaped like real output. */
static char *lackey_text(size_t *len)
{
	size_t cap = 64u << 20, o = 0;
	char *t = malloc(cap);
	uint64_t x = 1;

	if (!t)
		die("lackey", "out of memory");
	for (unsigned i = 0; o + 64 < cap && i < (2u << 20); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (i % 3 == 0)
			o += (size_t)sprintf(t + o, "I  %08llx,%u\n",
					     (unsigned long long)(0x401000 + (x >> 52)),
					     1 + (unsigned)(x >> 60) % 15);
		else
			o += (size_t)sprintf(t + o, " %c %llx,8\n", "LSM"[(x >> 40) % 3],
					     (unsigned long long)(0x1ffefff000 + (x >> 50)));
	}
	*len = o;
	return t;
}

static double gen_rate(enum workload_pattern pat, struct trace_rec *buf)
{
	struct workload_params p;
	struct workload_gen *g;
	char err[256];
	double t0, dt;
	size_t n;
	uint64_t sum = 0;

	workload_defaults(&p);
	p.pattern = pat;
	p.count = NRECS;
	p.writes = 0.3;
	g = workload_new(&p, err, sizeof(err));
	if (!g)
		die("gen", err);
	t0 = now();
	while ((n = workload_fill(g, buf, BATCH)) > 0)
		sum += buf[n - 1].addr;
	dt = now() - t0;
	sink += sum;
	workload_free(g);
	return NRECS / dt;
}

int main(void)
{
	char dir[] = "/tmp/tdpsim-bench-XXXXXX", plain[64], zst[64];
	struct trace_rec *buf = malloc(BATCH * sizeof(*buf));
	struct mem m;
	char *text;

	if (!buf || !mkdtemp(dir))
		die("setup", "cannot make a scratch directory");
	snprintf(plain, sizeof(plain), "%s/u.trace", dir);
	snprintf(zst, sizeof(zst), "%s/u.trace.zst", dir);
	write_trace(plain, 0, buf);
	write_trace(zst, TRACE_ZSTD, buf);
	bench_print("trace.decode", rate(open_path, plain, buf), 0, "rec/s", NULL, 0);
	bench_print("trace.decode_zstd", rate(open_path, zst, buf), 0, "rec/s", NULL, 0);
	unlink(plain);
	unlink(zst);
	rmdir(dir);

	text = lackey_text(&m.len);
	m.text = text;
	bench_print("trace.decode_lackey", rate(open_mem, &m, buf), 0, "rec/s", NULL, 0);
	free(text);

	bench_print("workload.uniform", gen_rate(WORKLOAD_UNIFORM, buf), 0, "rec/s", NULL, 0);
	bench_print("workload.zipf", gen_rate(WORKLOAD_ZIPF, buf), 0, "rec/s", NULL, 0);
	free(buf);
	return 0;
}
