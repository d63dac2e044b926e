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
#include "sim/cpu/cpu.h"
#include "traces/trace.h"
#include "sim/core/compiler.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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
	/* lackey and ChampSim record one thread (an upper bound of 1); a
	 * native header with COUNTS says both counts.  The run counts the
	 * records by kind and vCPU: the file is read here only when its
	 * vCPUs are not known, or for the warmup's records. */
	unsigned nv = m->nr_vcpus;
	if (m->flags & TRACE_COUNTS) {
		in->records = m->nr_records;
		in->records_known = true;
	}
	if (((m->flags & TRACE_COUNTS) || nv == 1) && !prefix) {
		trace_close(tr);
		*nvcpus = nv ? nv : 1;
		return 0;
	}
	/* The first @warmup records of each vCPU, as they are, for the
	 * warmup run (cli/replay.c). */
	struct trace_writer *w = NULL;
	if (prefix && !(w = trace_create(prefix, in->flags, err, errlen))) {
		trace_close(tr);
		return -1;
	}
	uint64_t *seen = NULL; /* each vCPU's accesses so far */
	static struct trace_rec recs[4096];
	long n;
	int rc = 0;
	nv = 0;
	in->records = 0;
	while (!rc && (n = trace_read(tr, recs, ARRAY_SIZE(recs))) > 0)
		for (long i = 0; i < n && !rc; i++) {
			unsigned v = recs[i].vcpu;
			if (v >= nv) {
				uint64_t *p = realloc(seen, (v + 1u) * sizeof(*seen));
				if (!p) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
					break;
				}
				memset(p + nv, 0, (v + 1u - nv) * sizeof(*p));
				seen = p;
				nv = v + 1u;
			}
			in->records++;
			/* A guest TLB invalidation is no access, but part of
			 * the stream (and of the warmup, before its end). */
			if (seen[v] < warmup && w && trace_write(w, &recs[i], 1)) {
				snprintf(err, errlen, "%s", trace_writer_error(w));
				rc = -1;
			}
			if (!trace_is_flush(recs[i].kind))
				seen[v]++;
		}
	if (!rc && n < 0) {
		snprintf(err, errlen, "%s", trace_error(tr));
		rc = -1;
	}
	free(seen);
	in->records_known = true;
	trace_close(tr);
	if (w && (rc ? (trace_abort(w), 0) : trace_finish(w, err, errlen)))
		rc = -1;
	*nvcpus = nv ? nv : 1;
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
	(void)in; /* nothing of its own left to free */
}

/* A stat of run @r, or of the results @base. */
static uint64_t run_stat(const struct run *r, json_t *base, const char *name)
{
	uint64_t v = 0;
	if (base)
		return (uint64_t)json_integer_value(
			json_object_get(json_object_get(base, "stats"), name));
	stats_get(sim_stats(r->sim), name, &v);
	return v;
}

/* The records run @r (or @base) performed: accesses and guest TLB
 * invalidations. */
static uint64_t run_records(const struct run *r, json_t *base)
{
	static const char *const ops[] = {
		"accesses", "guest.invlpg", "guest.mov_cr3", "guest.invpcid.addr",
		"guest.invpcid.ctx", "guest.invpcid.all",
		"guest.invpcid.all_nonglobal", "guest.invlpga",
	};
	uint64_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		n += run_stat(r, base, ops[i]);
	return n;
}

void cli_input_count_run(struct cli_input *in, const struct run *r, json_t *base)
{
	/* A violation may have stopped a vCPU before its last record: the
	 * count is then unknown (null), not the records it got to. */
	if (in->records_known || check_count(r->check))
		return;
	in->records = run_records(r, NULL) - (base ? run_records(r, base) : 0);
	in->records_known = true;
}

json_t *cli_input_json(const struct cli_input *in)
{
	json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:o}", "path", in->path,
			      "size", (json_int_t)in->size, "sha256", in->sha256,
			      "format", in->format, "address", in->address,
			      "records", in->records_known
					 ? json_integer((json_int_t)in->records)
					 : json_null());
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

/* One TLB level's figures: lookups, misses, miss rate, and MPKI over
 * @instr instructions (no MPKI when @per_instr is false). */
static json_t *level_json(uint64_t lookups, uint64_t misses, uint64_t instr,
			  bool per_instr)
{
	json_t *e = json_pack("{s:I,s:I,s:o}", "lookups", (json_int_t)lookups,
			      "misses", (json_int_t)misses, "miss_rate",
			      ratio(misses, lookups, 1.0));
	if (per_instr)
		json_object_set_new(e, "mpki", ratio(misses, instr, 1000.0));
	return e;
}

/* A vCPU's counters of one kind ("vcpuN.KIND.*", sim/cpu), or their sum
 * over every vCPU (@vcpu -1). */
static void kind_stats(json_t *stats, int vcpu, unsigned kind,
		       struct cpu_kind_stats *ks)
{
	memset(ks, 0, sizeof(*ks));
	const char *key;
	json_t *val;
	json_object_foreach(stats, key, val) {
		unsigned v;
		int end = 0;
		if (sscanf(key, "vcpu%u.%n", &v, &end) != 1 || !end ||
		    (vcpu >= 0 && v != (unsigned)vcpu))
			continue;
		const char *rest = key + end, *kn = cpu_kind_name(kind);
		size_t kl = strlen(kn);
		if (strncmp(rest, kn, kl) || rest[kl] != '.')
			continue;
		rest += kl + 1;
		uint64_t n = (uint64_t)json_integer_value(val);
#define KIND_ADD(field, name, doc) if (!strcmp(rest, name)) ks->field += n;
		CPU_KIND_STATS(KIND_ADD)
#undef KIND_ADD
	}
}

/* The figures of accesses of one kind, against @instr instructions. */
static json_t *kind_json(const struct cpu_kind_stats *ks, unsigned kind,
			 uint64_t instr)
{
	json_t *tlb = json_object();
	json_t *l1 = level_json(ks->l1_lookups, ks->l1_misses, instr, true);
	json_object_set_new(l1, "level", json_string(kind == TRACE_FETCH ? "l1i" : "l1d"));
	json_object_set_new(tlb, "l1", l1);
	json_object_set_new(tlb, "l2", level_json(ks->l2_lookups, ks->l2_misses, instr, true));
	return json_pack("{s:I,s:o,s:I,s:o,s:I,s:o}",
			 "accesses", (json_int_t)ks->accesses, "tlb", tlb,
			 "walks", (json_int_t)ks->walks,
			 "refs_per_walk", ratio(ks->walk_refs, ks->walks, 1.0),
			 "cycles", (json_int_t)ks->cycles,
			 "cycles_per_access", ratio(ks->cycles, ks->accesses, 1.0));
}

/* by_kind of vCPU @vcpu (-1: every vCPU); its instructions in *@instr. */
static json_t *by_kind_json(json_t *stats, int vcpu, uint64_t *instr)
{
	struct cpu_kind_stats ks[3];
	for (unsigned k = TRACE_READ; k <= TRACE_FETCH; k++)
		kind_stats(stats, vcpu, k, &ks[k]);
	*instr = ks[TRACE_FETCH].accesses;
	json_t *o = json_object();
	for (unsigned k = TRACE_READ; k <= TRACE_FETCH; k++)
		json_object_set_new(o, cpu_kind_name(k), kind_json(&ks[k], k, *instr));
	return o;
}

json_t *cli_figures_json(json_t *stats, json_t *hists, const struct cli_input *in)
{
	json_t *o = json_object();
	/* Instructions: the fetches the run performed (after a warmup, since
	 * it), that is the trace's fetch records. */
	uint64_t instr = 0;
	json_t *kinds = in ? by_kind_json(stats, -1, &instr) : NULL;
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
		json_object_set_new(tlb, level[l], level_json(hits + miss, miss, instr,
							      in != NULL));
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
	if (kinds)
		json_object_set_new(o, "by_kind", kinds);
	/* Per vCPU: the vCPU thread's clock over its accesses, and with a
	 * trace its accesses by kind. */
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
			uint64_t vi, nacc = 0;
			json_t *k = by_kind_json(stats, (int)v, &vi);
			for (unsigned i = TRACE_READ; i <= TRACE_FETCH; i++)
				nacc += (uint64_t)json_integer_value(json_object_get(
					json_object_get(k, cpu_kind_name(i)), "accesses"));
			json_object_set_new(e, "accesses", json_integer((json_int_t)nacc));
			json_object_set_new(e, "instructions", json_integer((json_int_t)vi));
			json_object_set_new(e, "cycles_per_access", ratio(cycles, nacc, 1.0));
			json_object_set_new(e, "by_kind", k);
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

/* A miss rate in percent, or "-" with no lookup. */
static void print_rate(FILE *f, json_t *v, int width)
{
	if (json_is_number(v))
		fprintf(f, " %*.3f%%", width - 1, 100.0 * json_number_value(v));
	else
		fprintf(f, " %*s", width, "-");
}

static long long geti(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* One row of the by-kind table: @label, then the kind's figures. */
static void print_kind_row(FILE *f, const char *label, json_t *k)
{
	json_t *tlb = json_object_get(k, "tlb");
	json_t *l1 = json_object_get(tlb, "l1"), *l2 = json_object_get(tlb, "l2");
	fprintf(f, "  %-12s %12lld", label, geti(k, "accesses"));
	print_rate(f, json_object_get(l1, "miss_rate"), 9);
	print_num(f, json_object_get(l1, "mpki"), " %*.3f", 9);
	print_rate(f, json_object_get(l2, "miss_rate"), 9);
	print_num(f, json_object_get(l2, "mpki"), " %*.3f", 9);
	fprintf(f, " %9lld", geti(k, "walks"));
	print_num(f, json_object_get(k, "refs_per_walk"), " %*.2f", 9);
	print_num(f, json_object_get(k, "cycles_per_access"), " %*.2f", 10);
	fputc('\n', f);
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
		fprintf(f, "  %-22s %14lld %12lld", title[l], geti(e, "lookups"),
			geti(e, "misses"));
		print_rate(f, json_object_get(e, "miss_rate"), 10);
		print_num(f, json_object_get(e, "mpki"), " %*.3f", 9);
		fputc('\n', f);
	}
	fprintf(f, "  walks %lld, references per walk ", geti(fig, "walks"));
	print_num(f, json_object_get(fig, "refs_per_walk"), "%*.2f", 0);
	fputs(", cycles per access ", f);
	print_num(f, json_object_get(fig, "cycles_per_access"), "%*.2f", 0);
	if (instr)
		fprintf(f, ", instructions (fetch records) %lld",
			(long long)json_integer_value(instr));
	fputc('\n', f);
	json_t *kinds = json_object_get(fig, "by_kind");
	json_t *vcpus = json_object_get(fig, "by_vcpu");
	if (kinds) {
		/* Misses of a kind per thousand of all instructions: a
		 * level's MPKI is the sum of its kinds'. */
		fprintf(f, "  %-12s %12s %10s %9s %10s %9s %9s %9s %10s\n", "by kind",
			"accesses", "L1 miss", "L1 MPKI", "L2 miss", "L2 MPKI",
			"walks", "refs/walk", "cyc/access");
		for (unsigned k = TRACE_READ; k <= TRACE_FETCH; k++)
			print_kind_row(f, cpu_kind_name(k),
				       json_object_get(kinds, cpu_kind_name(k)));
	}
	size_t i;
	json_t *e;
	json_array_foreach(vcpus, i, e) {
		fprintf(f, "  vcpu%lld: %lld cycles", geti(e, "vcpu"), geti(e, "cycles"));
		json_t *acc = json_object_get(e, "accesses");
		if (acc) {
			fprintf(f, ", %lld accesses, cycles per access ",
				(long long)json_integer_value(acc));
			print_num(f, json_object_get(e, "cycles_per_access"), "%*.2f", 0);
		}
		fputc('\n', f);
		/* With one vCPU its split is the table above. */
		json_t *k = json_object_get(e, "by_kind");
		for (unsigned j = TRACE_READ; k && json_array_size(vcpus) > 1 &&
					      j <= TRACE_FETCH; j++) {
			char label[32];
			snprintf(label, sizeof(label), "  %s", cpu_kind_name(j));
			print_kind_row(f, label, json_object_get(k, cpu_kind_name(j)));
		}
	}
}
