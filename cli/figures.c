// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a run answers beyond its counters: the replayed input (what it was,
 * so that results of different inputs are never mixed), every thread's
 * work, and the figures users of trace-driven simulators look for — miss
 * rate and MPKI per TLB level, walks and references per walk, cycles per
 * access, split by access kind and by vCPU.
 *
 * Instructions are the trace's fetch records (lackey and ChampSim record
 * one per instruction).  The L1 iTLB serves fetches and the L1 dTLB loads
 * and stores, so the by-kind split of misses is by level; loads and stores
 * share the dTLB and its misses.
 */
#include "cli/cli.h"
#include "traces/trace.h"
#include "sim/core/compiler.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_name[3] = { "load", "store", "fetch" };

/* ----------------------------------------------------------------- input */

int cli_input_read(struct cli_input *in, const char *path, uint64_t warmup,
		   const char *prefix, unsigned *nvcpus, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	in->warmup = warmup;
	if (cli_sha256_file(path, in->sha256, &in->size)) {
		snprintf(err, errlen, "%s: cannot read (%s)", path, strerror(errno));
		return -1;
	}
	struct trace_reader *tr = trace_open(path, err, errlen);
	if (!tr)
		return -1;
	const struct trace_meta *m = trace_meta(tr);
	snprintf(in->format, sizeof(in->format), "%s", trace_format_name(tr));
	in->address = m->flags & TRACE_VADDR ? "virtual"
		    : m->flags & TRACE_PADDR ? "guest-physical" : "unstated";
	in->flags = m->flags & (TRACE_VADDR | TRACE_PADDR | TRACE_GAPS);
	/* The first @warmup records of each vCPU, as they are, for the
	 * warmup run (cli/replay.c). */
	struct trace_writer *w = NULL;
	if (prefix && !(w = trace_create(prefix, in->flags, err, errlen))) {
		trace_close(tr);
		return -1;
	}
	/* One pass over the records: their number, kinds and vCPUs. */
	static struct trace_rec recs[4096];
	long n;
	int rc = 0;
	while (!rc && (n = trace_read(tr, recs, ARRAY_SIZE(recs))) > 0)
		for (long i = 0; i < n && !rc; i++) {
			unsigned v = recs[i].vcpu, k = recs[i].kind;
			if (v >= in->nvcpus) {
				void *p = realloc(in->by_vcpu, (v + 1u) * sizeof(*in->by_vcpu));
				void *q = p ? realloc(in->counted, (v + 1u) * sizeof(*in->counted))
					    : NULL;
				if (p)
					in->by_vcpu = p;
				if (q)
					in->counted = q;
				if (!p || !q) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
					break;
				}
				memset(in->by_vcpu + in->nvcpus, 0,
				       (v + 1u - in->nvcpus) * sizeof(*in->by_vcpu));
				memset(in->counted + in->nvcpus, 0,
				       (v + 1u - in->nvcpus) * sizeof(*in->counted));
				in->nvcpus = v + 1u;
			}
			uint64_t seen = in->by_vcpu[v][0] + in->by_vcpu[v][1] + in->by_vcpu[v][2];
			if (trace_is_flush(k)) {
				/* A guest TLB invalidation: no access, but part of
				 * the stream (and of the warmup, before its end). */
				if (seen < warmup && w && trace_write(w, &recs[i], 1)) {
					snprintf(err, errlen, "%s", trace_writer_error(w));
					rc = -1;
				}
				in->flushes++;
				in->records++;
				continue;
			}
			if (seen >= warmup)
				in->counted[v][k]++;
			else if (w && trace_write(w, &recs[i], 1)) {
				snprintf(err, errlen, "%s", trace_writer_error(w));
				rc = -1;
			}
			in->by_vcpu[v][k]++;
			in->kinds[k]++;
			in->records++;
		}
	if (!rc && n < 0) {
		snprintf(err, errlen, "%s", trace_error(tr));
		rc = -1;
	}
	trace_close(tr);
	if (w && (rc ? (trace_abort(w), 0) : trace_finish(w, err, errlen)))
		rc = -1;
	*nvcpus = in->nvcpus ? in->nvcpus : 1;
	return rc;
}

int cli_input_elf(struct cli_input *in, const char *path, uint64_t base,
		  char *err, size_t errlen)
{
	in->elf = path;
	in->elf_base = base;
	if (cli_sha256_file(path, in->elf_sha256, &in->elf_size)) {
		snprintf(err, errlen, "%s: cannot read (%s)", path, strerror(errno));
		return -1;
	}
	return trace_elf_build_id(path, in->build_id, sizeof(in->build_id), err,
				  errlen);
}

void cli_input_free(struct cli_input *in)
{
	free(in->by_vcpu);
	free(in->counted);
	in->by_vcpu = in->counted = NULL;
	in->nvcpus = 0;
}

json_t *cli_input_json(const struct cli_input *in)
{
	json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:I}", "path", in->path,
			      "size", (json_int_t)in->size, "sha256", in->sha256,
			      "format", in->format, "address", in->address,
			      "records", (json_int_t)in->records);
	if (in->warmup)
		json_object_set_new(o, "warmup", json_integer((json_int_t)in->warmup));
	if (in->elf)
		json_object_set_new(o, "elf", json_pack("{s:s,s:I,s:s,s:s,s:I,s:I}",
			"path", in->elf, "size", (json_int_t)in->elf_size,
			"sha256", in->elf_sha256, "build_id", in->build_id,
			"base", (json_int_t)in->elf_base,
			"premapped_pages", (json_int_t)in->loader_pages));
	return o;
}

/* --------------------------------------------------------------- threads */

/* The work of a thread: the cycles charged to its accounts, less those it
 * idled (waiting for its next scripted event) or was blocked by another
 * thread.  (Not its clock less those: a woken thread's clock may jump to
 * its waker's time without a charge.) */
static uint64_t thread_work(const struct sim *s, const struct sim_thread *t)
{
	uint64_t w = 0;
	for (int a = 0; a < sim_nacct(s); a++)
		if (a != SIM_ACCT_SLEEP && a != SIM_ACCT_WAIT)
			w += sim_thread_acct(t, a);
	return w;
}

/* "vmm", "vcpu0", ...; a name two threads share gets the thread's id. */
static void thread_label(struct sim *s, unsigned id, char *buf, size_t len)
{
	const char *name = sim_thread_name(sim_thread_get(s, id));
	bool dup = false;
	for (unsigned j = 0; j < sim_nthreads(s) && !dup; j++)
		dup = j != id && !strcmp(name, sim_thread_name(sim_thread_get(s, j)));
	if (dup)
		snprintf(buf, len, "%s%u", name, id);
	else
		snprintf(buf, len, "%s", name);
}

void cli_thread_stats(const struct run *cr, json_t *stats)
{
	struct run *r = (struct run *)cr;
	struct sim *s = r->sim;
	uint64_t total = 0, acct[SIM_ACCT_MAX] = { 0 };
	for (unsigned id = 0; id < sim_nthreads(s); id++) {
		const struct sim_thread *t = sim_thread_get(s, id);
		total += thread_work(s, t);
		for (int a = 0; a < sim_nacct(s); a++)
			acct[a] += sim_thread_acct(t, a);
	}
	json_object_set_new(stats, "threads.work", json_integer((json_int_t)total));
	/* Every thread's cycles by account: what cycles.ACCOUNT is for the
	 * vCPUs alone.  Less idle and wait, they add up to threads.work. */
	for (int a = 0; a < sim_nacct(s); a++) {
		char key[96];
		snprintf(key, sizeof(key), "threads.cycles.%s", sim_acct_name(s, a));
		json_object_set_new(stats, key, json_integer((json_int_t)acct[a]));
	}
	for (unsigned id = 0; id < sim_nthreads(s); id++) {
		const struct sim_thread *t = sim_thread_get(s, id);
		char label[64], key[160];
		thread_label(s, id, label, sizeof(label));
		snprintf(key, sizeof(key), "thread.%s.cycles", label);
		json_object_set_new(stats, key, json_integer((json_int_t)sim_thread_clock(t)));
		snprintf(key, sizeof(key), "thread.%s.work", label);
		json_object_set_new(stats, key, json_integer((json_int_t)thread_work(s, t)));
		for (int a = 0; a < sim_nacct(s); a++) {
			snprintf(key, sizeof(key), "thread.%s.cycles.%s", label,
				 sim_acct_name(s, a));
			json_object_set_new(stats, key,
					    json_integer((json_int_t)sim_thread_acct(t, a)));
		}
	}
}

/* --------------------------------------------------------------- figures */

static uint64_t stat(json_t *stats, const char *name)
{
	return (uint64_t)json_integer_value(json_object_get(stats, name));
}

static json_t *ratio(uint64_t num, uint64_t den, double scale)
{
	return den ? json_real(scale * (double)num / (double)den) : json_null();
}

json_t *cli_figures_json(json_t *stats, json_t *hists, const struct cli_input *in)
{
	json_t *o = json_object();
	/* The records counted: the trace's, less each vCPU's warmup. */
	uint64_t kinds[3] = { 0 };
	for (unsigned v = 0; in && v < in->nvcpus; v++)
		for (int k = 0; k < 3; k++)
			kinds[k] += in->counted[v][k];
	uint64_t instr = kinds[TRACE_FETCH];
	if (in)
		json_object_set_new(o, "instructions", json_integer((json_int_t)instr));
	static const char *const level[] = { "l1i", "l1d", "l2" };
	json_t *tlb = json_object();
	for (int l = 0; l < 3; l++) {
		char k[64];
		snprintf(k, sizeof(k), "tlb.%s.hits", level[l]);
		uint64_t hits = stat(stats, k);
		snprintf(k, sizeof(k), "tlb.%s.misses", level[l]);
		uint64_t miss = stat(stats, k);
		json_t *e = json_pack("{s:I,s:I,s:o}", "lookups",
				      (json_int_t)(hits + miss), "misses",
				      (json_int_t)miss, "miss_rate",
				      ratio(miss, hits + miss, 1.0));
		if (in)
			json_object_set_new(e, "mpki", ratio(miss, instr, 1000.0));
		json_object_set_new(tlb, level[l], e);
	}
	json_object_set_new(o, "tlb", tlb);
	/* Every walk adds one sample to walk.refs_per_walk. */
	uint64_t refs = stat(stats, "walk.refs");
	uint64_t walks = (uint64_t)json_integer_value(
		json_object_get(json_object_get(hists, "walk.refs_per_walk"), "count"));
	json_object_set_new(o, "walks", json_integer((json_int_t)walks));
	json_object_set_new(o, "refs_per_walk", ratio(refs, walks, 1.0));
	uint64_t acc = stat(stats, "accesses"), cyc = stat(stats, "cycles");
	json_object_set_new(o, "cycles_per_access", ratio(cyc, acc, 1.0));
	if (in) {
		json_t *k = json_object();
		for (int i = 0; i < 3; i++) {
			/* The L1 that serves the kind: fetches the iTLB. */
			const char *l1 = i == TRACE_FETCH ? "l1i" : "l1d";
			json_object_set_new(k, kind_name[i], json_pack("{s:I,s:s}",
				"records", (json_int_t)kinds[i], "l1", l1));
		}
		json_object_set_new(o, "by_kind", k);
	}
	/* Per vCPU: the vCPU thread's cycles over its records. */
	json_t *vc = json_array();
	const char *key;
	json_t *val;
	json_object_foreach(stats, key, val) {
		unsigned v;
		int end = 0;
		if (sscanf(key, "thread.vcpu%u.cycles%n", &v, &end) != 1 || key[end])
			continue;
		uint64_t cycles = (uint64_t)json_integer_value(val);
		json_t *e = json_pack("{s:i,s:I}", "vcpu", (int)v, "cycles",
				      (json_int_t)cycles);
		if (in) {
			uint64_t nrec = 0, *k = v < in->nvcpus ? in->counted[v] : NULL;
			for (int i = 0; k && i < 3; i++)
				nrec += k[i];
			json_object_set_new(e, "records", json_integer((json_int_t)nrec));
			for (int i = 0; i < 3; i++)
				json_object_set_new(e, kind_name[i],
						    json_integer((json_int_t)(k ? k[i] : 0)));
			json_object_set_new(e, "cycles_per_record", ratio(cycles, nrec, 1.0));
		}
		json_array_append_new(vc, e);
	}
	json_object_set_new(o, "by_vcpu", vc);
	return o;
}

static void print_num(FILE *f, json_t *v, const char *fmt, int width)
{
	if (json_is_number(v))
		fprintf(f, fmt, width, json_number_value(v));
	else
		fprintf(f, "%*s", width, "-");
}

void cli_figures_print(FILE *f, json_t *fig)
{
	static const char *const level[] = { "l1i", "l1d", "l2" };
	static const char *const title[] = { "L1 iTLB (fetch)", "L1 dTLB (load, store)",
					     "L2 TLB" };
	json_t *instr = json_object_get(fig, "instructions");
	fprintf(f, "  %-22s %14s %12s %10s %9s\n", "TLB level", "lookups", "misses",
		"miss rate", "MPKI");
	for (int l = 0; l < 3; l++) {
		json_t *e = json_object_get(json_object_get(fig, "tlb"), level[l]);
		fprintf(f, "  %-22s %14lld %12lld", title[l],
			(long long)json_integer_value(json_object_get(e, "lookups")),
			(long long)json_integer_value(json_object_get(e, "misses")));
		json_t *mr = json_object_get(e, "miss_rate");
		if (json_is_number(mr))
			fprintf(f, " %9.3f%%", 100.0 * json_number_value(mr));
		else
			fprintf(f, " %10s", "-");
		print_num(f, json_object_get(e, "mpki"), " %*.3f", 9);
		fputc('\n', f);
	}
	fprintf(f, "  walks %lld, references per walk ",
		(long long)json_integer_value(json_object_get(fig, "walks")));
	print_num(f, json_object_get(fig, "refs_per_walk"), "%*.2f", 0);
	fputs(", cycles per access ", f);
	print_num(f, json_object_get(fig, "cycles_per_access"), "%*.2f", 0);
	if (instr)
		fprintf(f, ", instructions (fetch records) %lld",
			(long long)json_integer_value(instr));
	fputc('\n', f);
	json_t *kinds = json_object_get(fig, "by_kind");
	if (kinds) {
		fputs("  records by kind:", f);
		for (int i = 0; i < 3; i++)
			fprintf(f, " %s %lld", kind_name[i],
				(long long)json_integer_value(json_object_get(
					json_object_get(kinds, kind_name[i]), "records")));
		fputc('\n', f);
	}
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(fig, "by_vcpu"), i, e) {
		fprintf(f, "  vcpu%lld: %lld cycles",
			(long long)json_integer_value(json_object_get(e, "vcpu")),
			(long long)json_integer_value(json_object_get(e, "cycles")));
		json_t *rec = json_object_get(e, "records");
		if (rec) {
			fprintf(f, ", %lld records (load %lld, store %lld, fetch %lld), "
				"cycles per record ", (long long)json_integer_value(rec),
				(long long)json_integer_value(json_object_get(e, "load")),
				(long long)json_integer_value(json_object_get(e, "store")),
				(long long)json_integer_value(json_object_get(e, "fetch")));
			print_num(f, json_object_get(e, "cycles_per_record"), "%*.2f", 0);
		}
		fputc('\n', f);
	}
}
