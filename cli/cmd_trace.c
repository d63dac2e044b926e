// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim trace info|convert|gen — inspect, convert and generate traces.
 *
 * Exit status: 0 success, 2 bad input (a bad option, an unreadable or corrupt
 * trace, impossible generator parameters).  Errors are one line on stderr,
 * "tdpsim: FILE: record N: what" or "tdpsim: FILE:LINE: what".  Output files
 * are written under a temporary name and renamed only when complete.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "traces/trace.h"
#include "workloads/workload.h"
#include "sim/core/compiler.h"

#define BATCH	4096
#define EXIT_BAD 2

static const char usage_info[] =
	"usage: tdpsim trace info FILE [--format auto|native|lackey|champsim]\n"
	"  Reads the whole trace and prints its format, record count, vCPUs,\n"
	"  kinds, address range and the 4 KiB pages it touches.\n";

static const char usage_convert[] =
	"usage: tdpsim trace convert IN OUT [--zstd] [--format auto|native|lackey|champsim]\n"
	"  Converts any readable trace (native, lackey, ChampSim; plain, zstd or\n"
	"  xz) to the native format; --zstd compresses the output.\n";

static const char usage_gen_head[] =
	"usage: tdpsim trace gen --pattern seq|stride|uniform|zipf [--KEY VALUE ...]\n"
	"                        [--zstd] -o OUT\n"
	"  Writes a synthetic native trace.  Keys (default in brackets):\n";

static const char usage_trace[] =
	"usage: tdpsim trace info FILE [--format F]\n"
	"       tdpsim trace convert IN OUT [--zstd] [--format F]\n"
	"       tdpsim trace gen --pattern P [--KEY VALUE ...] [--zstd] -o OUT\n"
	"  'tdpsim trace SUBCOMMAND --help' describes each.\n";

static bool is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h");
}

static void print_gen_usage(FILE *f)
{
	const struct workload_param_doc *d;

	fputs(usage_gen_head, f);
	for (size_t i = 0; (d = workload_param_doc(i)); i++)
		fprintf(f, "    --%-8s %s [%s]\n", d->key, d->doc, d->def);
}

/* ---- Shared option handling -------------------------------------------- */

struct trace_opts {
	const char *pos[2];	/* positional arguments */
	int npos;
	bool zstd;
	enum trace_format fmt;
	const char *out;	/* -o */
};

enum { OPT_ZSTD = CLI_OPT_OWN, OPT_FORMAT, OPT_OUT, OPT_KEY };

/* Takes --format, --zstd, -o and positionals, and with @gen every
 * generator key as --KEY VALUE into @gen.  Returns 0, 1 for --help, or
 * EXIT_BAD (printed). */
static int parse_common(int argc, char **argv, struct trace_opts *o, int maxpos,
			struct workload_params *gen, int *used)
{
	struct option own[CLI_SCAN_MAX] = {
		{ "zstd", no_argument, NULL, OPT_ZSTD },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "o", required_argument, NULL, OPT_OUT },
	};
	const struct workload_param_doc *d;
	size_t n = 3;
	for (size_t i = 0; gen && (d = workload_param_doc(i)) && n + 1 < CLI_SCAN_MAX - 8;
	     i++)
		own[n++] = (struct option){ d->key, required_argument, NULL,
					    OPT_KEY + (int)i };
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "trace %s", argv[0]);
	struct cli_scan sc;
	const char *v;
	int id;
	char err[256];
	cli_scan_init(&sc, cmd, argc, argv, own, NULL);
	while ((id = cli_scan_next(&sc, &v)) != CLI_SCAN_END) {
		if (id == 'h')
			return 1;
		if (id == CLI_SCAN_BAD)
			return EXIT_BAD;
		if (id == OPT_ZSTD) {
			o->zstd = true;
		} else if (id == OPT_OUT) {
			o->out = v;
		} else if (id == OPT_FORMAT) {
			if (trace_format_parse(v, &o->fmt) < 0)
				return cli_bad("%s: unknown format '%s'", cmd, v);
		} else if (id >= OPT_KEY) {
			if (workload_set(gen, workload_param_doc((size_t)(id - OPT_KEY))->key,
					 v, err, sizeof(err)) < 0)
				return cli_bad("%s: %s", cmd, err);
		} else if (o->npos < maxpos) {
			o->pos[o->npos++] = v;
		} else {
			return cli_bad("%s: unexpected argument '%s'", cmd, v);
		}
	}
	*used = o->npos;
	return 0;
}

/* ---- info -------------------------------------------------------------- */

/* A set of page numbers: open addressing, linear probing, grown at 1/2. */
struct page_set {
	uint64_t *slot;		/* page + 1; 0 = empty */
	size_t cap, n;
};

static int pages_grow(struct page_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint64_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->slot[i])
			continue;
		for (j = (s->slot[i] * 0x9e3779b97f4a7c15ull) >> 20 & (cap - 1); slot[j];
		     j = (j + 1) & (cap - 1))
			;
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

static int pages_add(struct page_set *s, uint64_t page)
{
	uint64_t key = page + 1;	/* page 2^64/4096 - 1 + 1 cannot wrap */
	size_t j;

	if (2 * (s->n + 1) > s->cap && pages_grow(s) < 0)
		return -1;
	for (j = (key * 0x9e3779b97f4a7c15ull) >> 20 & (s->cap - 1); s->slot[j];
	     j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == key)
			return 0;
	s->slot[j] = key;
	s->n++;
	return 0;
}

struct info {
	uint64_t recs, kinds[TRACE_FETCH + 1], flushes, bytes, gaps;
	uint64_t lo, hi;		/* lowest byte, highest byte touched */
	unsigned vcpus, max_vcpu;	/* distinct vCPUs, highest id */
	uint8_t vcpu_seen[65536 / 8];
	struct page_set pages;
};

static int info_add(struct info *in, const struct trace_rec *t)
{
	uint64_t last = t->addr + t->size - 1;

	if (last < t->addr)	/* wraps the address space: clamp */
		last = UINT64_MAX;
	in->recs++;
	in->gaps += t->gap;
	if (!(in->vcpu_seen[t->vcpu / 8] & 1u << (t->vcpu % 8))) {
		in->vcpu_seen[t->vcpu / 8] |= (uint8_t)(1u << (t->vcpu % 8));
		in->vcpus++;
		if (t->vcpu > in->max_vcpu)
			in->max_vcpu = t->vcpu;
	}
	if (trace_is_flush(t->kind)) {
		/* A guest TLB invalidation: its operand is no access. */
		in->flushes++;
		return 0;
	}
	in->kinds[t->kind]++;
	in->bytes += t->size;
	if (t->addr < in->lo)
		in->lo = t->addr;
	if (last > in->hi)
		in->hi = last;
	for (uint64_t p = t->addr >> 12; p <= last >> 12; p++)
		if (pages_add(&in->pages, p) < 0)
			return -1;
	return 0;
}

static void info_print(const char *path, struct trace_reader *r, const struct info *in)
{
	static const char *const kind[] = { "reads", "writes", "fetches" };
	const struct trace_meta *m = trace_meta(r);

	printf("file     %s\n", path);
	printf("format   %s\n", trace_format_name(r));
	printf("address  %s\n", m->flags & TRACE_VADDR ? "virtual"
	       : m->flags & TRACE_PADDR ? "guest-physical" : "unstated");
	printf("records  %" PRIu64 "\n", in->recs);
	printf("vcpus    %u", in->vcpus);
	if (in->vcpus)
		printf(" (ids 0..%u)", in->max_vcpu);
	putchar('\n');
	for (int k = 0; k < 3; k++)
		printf("%-8s %" PRIu64 " (%.1f%%)\n", kind[k], in->kinds[k],
		       in->recs ? 100.0 * (double)in->kinds[k] / (double)in->recs : 0.0);
	if (in->flushes)
		printf("flushes  %" PRIu64 " (guest TLB invalidations)\n", in->flushes);
	printf("bytes    %" PRIu64 "\n", in->bytes);
	if (in->recs > in->flushes)
		printf("range    0x%" PRIx64 "..0x%" PRIx64 "\n", in->lo, in->hi);
	printf("pages    %zu (4 KiB)\n", in->pages.n);
	if (m->flags & TRACE_GAPS)
		printf("gaps     %" PRIu64 " cycles\n", in->gaps);
	if (trace_aspaces(r)) {
		/* Address spaces (FORMAT.md, ASPACES): how many processes. */
		unsigned n = 0;
		const uint32_t *as = trace_aspaces(r);
		for (unsigned v = 0; v < m->nr_vcpus; v++) {
			unsigned k = 0;
			while (k < v && as[k] != as[v])
				k++;
			n += k == v;
		}
		printf("aspaces  %u (an address-space id per vCPU)\n", n);
	}
}

static int do_info(const char *path, enum trace_format fmt)
{
	struct trace_rec *recs = malloc(BATCH * sizeof(*recs));
	struct info *in = calloc(1, sizeof(*in));
	struct trace_reader *r = NULL;
	char err[512];
	int rc = EXIT_BAD;
	long n;

	if (!recs || !in) {
		cli_bad("out of memory");
		goto out;
	}
	in->lo = UINT64_MAX;
	r = trace_open_format(path, fmt, err, sizeof(err));
	if (!r) {
		cli_bad("%s", err);
		goto out;
	}
	while ((n = trace_read(r, recs, BATCH)) > 0)
		for (long i = 0; i < n; i++)
			if (info_add(in, &recs[i]) < 0) {
				cli_bad("%s: out of memory", path);
				goto out;
			}
	if (n < 0) {
		cli_bad("%s", trace_error(r));
		goto out;
	}
	info_print(path, r, in);
	rc = 0;
out:
	trace_close(r);
	if (in)
		free(in->pages.slot);
	free(in);
	free(recs);
	return rc;
}

static int cmd_info(int argc, char **argv)
{
	struct trace_opts o = { .fmt = TRACE_FMT_AUTO };
	int npos, rc = parse_common(argc, argv, &o, 1, NULL, &npos);

	if (rc == 1) {
		fputs(usage_info, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (npos != 1 || o.zstd || o.out) {
		fputs(usage_info, stderr);
		return EXIT_BAD;
	}
	return do_info(o.pos[0], o.fmt);
}

/* ---- convert ----------------------------------------------------------- */

static int do_convert(const char *in, const char *out, enum trace_format fmt, bool zstd)
{
	struct trace_rec *recs = malloc(BATCH * sizeof(*recs));
	struct trace_writer *w = NULL;
	struct trace_reader *r;
	char err[512];
	long n;

	if (!recs)
		return cli_bad("out of memory");
	r = trace_open_format(in, fmt, err, sizeof(err));
	if (!r) {
		free(recs);
		return cli_bad("%s", err);
	}
	/* Gaps and the address space (virtual or guest-physical) go with
	 * the records. */
	w = trace_create(out, (zstd ? TRACE_ZSTD : 0) |
			 (trace_meta(r)->flags & (TRACE_GAPS | TRACE_VADDR | TRACE_PADDR)),
			 err, sizeof(err));
	if (!w) {
		cli_bad("%s", err);
		goto fail;
	}
	/* A trace of several processes stays one. */
	if (trace_aspaces(r) &&
	    trace_write_aspaces(w, trace_aspaces(r), trace_meta(r)->nr_vcpus) < 0) {
		cli_bad("%s", trace_writer_error(w));
		goto fail;
	}
	while ((n = trace_read(r, recs, BATCH)) > 0)
		if (trace_write(w, recs, (size_t)n) < 0) {
			cli_bad("%s", trace_writer_error(w));
			goto fail;
		}
	if (n < 0) {
		cli_bad("%s", trace_error(r));
		goto fail;
	}
	trace_close(r);
	free(recs);
	return trace_finish(w, err, sizeof(err)) < 0 ? cli_bad("%s", err) : 0;
fail:
	trace_abort(w);
	trace_close(r);
	free(recs);
	return EXIT_BAD;
}

static int cmd_convert(int argc, char **argv)
{
	struct trace_opts o = { .fmt = TRACE_FMT_AUTO };
	int npos, rc = parse_common(argc, argv, &o, 2, NULL, &npos);

	if (rc == 1) {
		fputs(usage_convert, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (npos != 2 || o.out) {
		fputs(usage_convert, stderr);
		return EXIT_BAD;
	}
	return do_convert(o.pos[0], o.pos[1], o.fmt, o.zstd);
}

/* ---- gen --------------------------------------------------------------- */

/* --KEY VALUE or --KEY=VALUE for a workload parameter: args used, or -1. */
static int do_gen(const struct workload_params *p, const char *out, bool zstd)
{
	struct trace_rec *recs = malloc(BATCH * sizeof(*recs));
	struct workload_gen *g;
	struct trace_writer *w;
	char err[512];
	size_t n;

	if (!recs)
		return cli_bad("out of memory");
	g = workload_new(p, err, sizeof(err));
	if (!g) {
		free(recs);
		return cli_bad("trace gen: %s", err);
	}
	/* The generators' addresses are guest-physical (inside vm.mem). */
	w = trace_create(out, (zstd ? TRACE_ZSTD : 0) | TRACE_PADDR, err, sizeof(err));
	if (!w) {
		workload_free(g);
		free(recs);
		return cli_bad("%s", err);
	}
	while ((n = workload_fill(g, recs, BATCH)) > 0)
		if (trace_write(w, recs, n) < 0)
			break;
	workload_free(g);
	free(recs);
	if (n > 0) {
		cli_bad("%s", trace_writer_error(w));
		trace_abort(w);
		return EXIT_BAD;
	}
	return trace_finish(w, err, sizeof(err)) < 0 ? cli_bad("%s", err) : 0;
}

static int cmd_gen(int argc, char **argv)
{
	struct trace_opts o = { .fmt = TRACE_FMT_AUTO };
	struct workload_params p;
	int npos, rc;

	workload_defaults(&p);
	rc = parse_common(argc, argv, &o, 0, &p, &npos);
	if (rc == 1) {
		print_gen_usage(stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (!o.out) {
		print_gen_usage(stderr);
		return cli_bad("trace gen: -o OUT is required");
	}
	return do_gen(&p, o.out, o.zstd);
}

int cmd_trace(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "info", cmd_info }, { "convert", cmd_convert }, { "gen", cmd_gen },
	};

	if (argc < 2) {
		fputs(usage_trace, stderr);
		return EXIT_BAD;
	}
	if (is_help(argv[1])) {
		fputs(usage_trace, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	cli_bad("trace: unknown subcommand '%s'%s", argv[1],
	    cli_did_you_mean(argv[1], (const char *const[]){ "info", "convert", "gen",
							      "--help", NULL }));
	fputs(usage_trace, stderr);
	return EXIT_BAD;
}
