// SPDX-License-Identifier: GPL-2.0-only
/* JSON results, summaries and counterexamples. */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"
#include "sim/core/compiler.h"

#include <jansson.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Unsigned values in JSON.  jansson holds int64_t integers only: a u64 at or
 * above 2^63 would be written negative (--seed 18446744073709551615 gave
 * "sim.seed": -1).  Inputs are held below 2^63 where they enter
 * (cli_params_check, the --seeds ranges); a count that still gets there
 * makes the write fail rather than lie.
 */
static json_t *json_u64(uint64_t v, const char **overflow, const char *what)
{
	if (v > INT64_MAX) {
		if (!*overflow)
			*overflow = what;
		v = INT64_MAX;
	}
	return json_integer((json_int_t)v);
}

int cli_params_check(const struct params *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char buf[128];
		if (d->type != PARAM_T_U64)
			continue;
		params_get(p, d, buf, sizeof(buf));
		if (strtoull(buf, NULL, 10) > INT64_MAX) {
			snprintf(err, errlen, "%s: %s is above %lld, the largest "
				 "integer a result file holds", d->key, buf,
				 (long long)INT64_MAX);
			return -1;
		}
	}
	return 0;
}

static json_t *stats_json(struct run *r, const char **overflow)
{
	struct stats *st = sim_stats(r->sim);
	json_t *o = json_object();
	for (size_t i = 0; i < stats_ncounters(st); i++)
		json_object_set_new(o, stats_counter_name(st, i),
				    json_u64(stats_counter_value(st, i), overflow,
					     stats_counter_name(st, i)));
	return o;
}

static json_t *hists_json(struct run *r, const char **overflow)
{
	struct stats *st = sim_stats(r->sim);
	json_t *o = json_object();
	for (size_t i = 0; i < stats_nhists(st); i++) {
		const struct hist *h = stats_hist_get(st, i);
		json_t *b = json_array();
		int last = 0;
		for (int k = 0; k < HIST_BUCKETS; k++)
			if (h->bucket[k])
				last = k;
		const char *name = stats_hist_name(st, i);
		for (int k = 0; k <= last; k++)
			json_array_append_new(b, json_u64(h->bucket[k], overflow, name));
		json_object_set_new(o, name,
			json_pack("{s:o,s:o,s:o,s:o,s:o}",
				  "count", json_u64(h->count, overflow, name),
				  "sum", json_u64(h->sum, overflow, name),
				  "min", json_u64(h->min, overflow, name),
				  "max", json_u64(h->max, overflow, name),
				  "log2_buckets", b));
	}
	return o;
}

static json_t *violations_json(const struct run *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < check_nkept(r->check); i++) {
		const struct violation *v = check_get(r->check, i);
		/* An address in the upper half (a kernel or non-canonical
		 * one) cannot be a JSON integer here: it is written as hex
		 * text rather than as a negative number. */
		char hex[24];
		snprintf(hex, sizeof(hex), "%#llx", (unsigned long long)v->addr);
		json_t *addr = v->addr > INT64_MAX ? json_string(hex)
						   : json_integer((json_int_t)v->addr);
		json_array_append_new(a, json_pack("{s:s,s:I,s:i,s:o,s:s}",
			"kind", check_kind_name(v->kind), "cycle", (json_int_t)v->cycle,
			"thread", (int)v->thread, "addr", addr,
			"detail", v->detail));
	}
	return a;
}

/* Each stat and histogram of @stats and @hists less its value in @base:
 * its change over what came after the warmup (a gauge's too, e.g.
 * host.frames: those allocated after it).  A histogram's min and max stay
 * the whole run's. */
static void subtract_base(json_t *stats, json_t *hists, json_t *base)
{
	json_t *bs = json_object_get(base, "stats"), *bh = json_object_get(base, "histograms");
	const char *k;
	json_t *v;
	json_object_foreach(stats, k, v) {
		json_int_t b = json_integer_value(json_object_get(bs, k));
		json_int_t x = json_integer_value(v);
		json_integer_set(v, x > b ? x - b : 0);
	}
	json_object_foreach(hists, k, v) {
		json_t *h = json_object_get(bh, k);
		if (!h)
			continue;
		static const char *const f[] = { "count", "sum" };
		for (int i = 0; i < 2; i++) {
			json_t *x = json_object_get(v, f[i]);
			json_int_t b = json_integer_value(json_object_get(h, f[i]));
			json_integer_set(x, json_integer_value(x) > b ? json_integer_value(x) - b : 0);
		}
		json_t *xb = json_object_get(v, "log2_buckets"), *hb = json_object_get(h, "log2_buckets");
		size_t i;
		json_t *e;
		json_array_foreach(xb, i, e) {
			json_int_t b = json_integer_value(json_array_get(hb, i));
			json_integer_set(e, json_integer_value(e) > b ? json_integer_value(e) - b : 0);
		}
	}
}

json_t *results_json(const struct run *cr, json_t *extra, const struct cli_input *in,
		     json_t *base, const char **overflow)
{
	struct run *r = (struct run *)cr;
	json_t *root = json_object();
	json_object_set_new(root, "tdpsim", json_string(TDPSIM_VERSION));
	json_object_set_new(root, "commit", json_string(cli_commit()));
	json_object_set_new(root, "mmu", json_string(kvm_mmu_name()));
	if (r->sc && r->sc->name)
		json_object_set_new(root, "scenario", json_string(r->sc->name));
	const char *k;
	json_t *v;
	json_object_foreach(extra, k, v)
		json_object_set(root, k, v);
	json_object_set_new(root, "config", cli_config_json(&r->p));
	json_t *stats = stats_json(r, overflow);
	cli_thread_stats(r, stats);
	json_t *hists = hists_json(r, overflow);
	if (base)
		subtract_base(stats, hists, base);
	json_object_set_new(root, "stats", stats);
	json_object_set_new(root, "histograms", hists);
	json_object_set_new(root, "figures", cli_figures_json(stats, hists, in));
	json_object_set_new(root, "violations", violations_json(r));
	json_t *fails = json_array();
	for (unsigned i = 0; i < r->nfailed; i++)
		json_array_append_new(fails, json_string(r->failed[i]));
	json_object_set_new(root, "failed_expectations", fails);
	return root;
}

static int write_root(json_t *root, const char *path, const char *overflow)
{
	if (overflow)
		return cli_bad("%s: %s is above %lld, the largest integer a result "
			       "file holds", path, overflow, (long long)INT64_MAX), -1;
	/* Atomic where it can be: a failed write leaves no partial file. */
	return cli_write_json(root, path, "results");
}

int results_write_json(const struct run *r, const char *path, json_t *extra,
		       const struct cli_input *in)
{
	const char *overflow = NULL;
	json_t *root = results_json(r, extra, in, NULL, &overflow);
	int rc = write_root(root, path, overflow);
	json_decref(root);
	return rc;
}

/* The summary of a run; its key stats from @stats when given (the
 * results' JSON: after a warmup, their change since), else the run's. */
static void print_summary(FILE *f, const char *scenario, const struct run *cr,
			  json_t *stats)
{
	struct run *r = (struct run *)cr;
	struct stats *st = sim_stats(r->sim);
	static const char *const keys[] = {
		"accesses", "cycles", "tlb.l1d.misses", "tlb.l1i.misses",
		"tlb.l2.misses", "walk.refs", "exits.ept_violation", "exits.npf",
		"exits.pml_full", "ipi.sent", "tlb.flushes", "folio.mark_dirty",
		"violations",
	};
	fprintf(f, "%s:", scenario);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		uint64_t v;
		json_t *j = json_object_get(stats, keys[i]);
		if (j)
			fprintf(f, " %s=%lld", keys[i], (long long)json_integer_value(j));
		else if (!stats && stats_get(st, keys[i], &v) == 0)
			fprintf(f, " %s=%llu", keys[i], (unsigned long long)v);
	}
	fputc('\n', f);
	size_t shown = 0;
	for (; shown < check_nkept(r->check) && shown < 5; shown++) {
		const struct violation *v = check_get(r->check, shown);
		if (v->thread == UINT32_MAX)
			fprintf(f, "  violation %s at the end of the run: %s\n",
				check_kind_name(v->kind), v->detail);
		else
			fprintf(f, "  violation %s at cycle %llu (thread %u): %s\n",
				check_kind_name(v->kind), (unsigned long long)v->cycle,
				v->thread, v->detail);
	}
	if (check_count(r->check) > shown) {
		/* The rest by kind: a later kind may be what ended the run. */
		fprintf(f, "  violations by kind:");
		for (int k = 0; k < CHECK_NKINDS; k++) {
			char name[64];
			uint64_t n;
			snprintf(name, sizeof(name), "violations.%s",
				 check_kind_name((enum check_kind)k));
			if (stats_get(st, name, &n) == 0 && n)
				fprintf(f, " %s=%llu",
					check_kind_name((enum check_kind)k),
					(unsigned long long)n);
		}
		fputc('\n', f);
	}
	for (unsigned i = 0; i < r->nfailed; i++)
		fprintf(f, "  failed expectation: %s\n", r->failed[i]);
}

void results_print_summary(FILE *f, const char *scenario, const struct run *r)
{
	print_summary(f, scenario, r, NULL);
}

void replay_command(FILE *f, const char *scenario, const struct opts *o,
		    uint64_t seed, bool explore)
{
	/* Every argument quoted by the one helper, so the line pastes into sh
	 * as it is; a .scn file by the path it was given, not its name.  A
	 * Linux MMU build names itself: tdpsim is kvmmu. */
	if (kvm_mmu_fixed_policy()) {
		char *self = cli_self_exe();

		cli_shquote(f, self);
		free(self);
		fputs(" run ", f);
	} else {
		fputs("tdpsim run ", f);
	}
	cli_shquote(f, o->scenario_arg ? o->scenario_arg : scenario);
	if (o->config) {
		fputs(" --config ", f);
		cli_shquote(f, o->config);
	}
	for (unsigned i = 0; i < o->nsets; i++)
		if (strncmp(o->sets[i], "sim.seed=", 9) &&
		    strncmp(o->sets[i], "sim.mode=", 9)) {
			fputs(" --set ", f);
			cli_shquote(f, o->sets[i]);
		}
	if (explore)
		fprintf(f, " --set sim.mode=explore");
	fprintf(f, " --seed %llu\n", (unsigned long long)seed);
}

void results_print_counterexample(FILE *f, const char *scenario,
				  const struct run *r, const struct opts *o)
{
	const struct violation *v = check_get(r->check, 0);
	if (v->thread < sim_nthreads(r->sim))
		fprintf(f, "counterexample: %s at cycle %llu on thread %u (%s): %s\n",
			check_kind_name(v->kind), (unsigned long long)v->cycle,
			v->thread, sim_thread_name(sim_thread_get(r->sim, v->thread)),
			v->detail);
	else
		fprintf(f, "counterexample: %s, found at the end of the run: %s\n",
			check_kind_name(v->kind), v->detail);
	fprintf(f, "event log before it (cycle thread op addr old -> new):\n");
	for (size_t i = 0; i < check_tail_count(r->check); i++) {
		const struct sim_event *e = check_tail(r->check, i);
		fprintf(f, "  %10llu  %-8s %-14s %#14llx  %#llx -> %#llx\n",
			(unsigned long long)e->cycle,
			e->thread < sim_nthreads(r->sim)
				? sim_thread_name(sim_thread_get(r->sim, e->thread)) : "-",
			e->op, (unsigned long long)e->addr,
			(unsigned long long)e->old, (unsigned long long)e->new);
	}
	fprintf(f, "replay: ");
	replay_command(f, scenario, o, r->p.sim_seed, r->p.sim_mode == MODE_EXPLORE);
}

/* One CSV field: quoted when it holds a comma, a quote or a line break
 * (RFC 4180). */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Flattens @v under @prefix into (column, value) pairs: objects by dotted
 * names, arrays by index; null is an empty cell. */
static void csv_flatten(json_t *v, const char *prefix, json_t *cols)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e) {
			char *name = *prefix ? cli_fmt("%s.%s", prefix, k) : cli_fmt("%s", k);
			csv_flatten(e, name, cols);
			free(name);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			char *name = cli_fmt("%s.%zu", prefix, i);
			csv_flatten(e, name, cols);
			free(name);
		}
	} else {
		char *text = json_is_string(v) ? strdup(json_string_value(v))
			   : json_is_null(v)   ? strdup("")
					       : json_dumps(v, JSON_ENCODE_ANY);
		json_array_append_new(cols, json_pack("[s,s]", prefix, text ? text : ""));
		free(text);
	}
}

/* The header row and the row of values of @cols ([name, value] pairs). */
static int write_csv_rows(FILE *f, void *cols)
{
	for (size_t row = 0; row < 2; row++) {
		size_t i;
		json_t *c;
		json_array_foreach((json_t *)cols, i, c) {
			if (i)
				fputc(',', f);
			csv_field(f, json_string_value(json_array_get(c, row)));
		}
		fputc('\n', f);
	}
	return 0;
}

/* --csv: one header row and one row of values, every column of the JSON
 * results but the histograms and the lists of violations (a spreadsheet
 * or pandas.read_csv reads it; runs concatenate by row). */
static int results_write_csv(json_t *root, const char *path)
{
	json_t *cols = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
		if (strcmp(k, "histograms") && strcmp(k, "violations") &&
		    strcmp(k, "failed_expectations"))
			csv_flatten(v, k, cols);
	char *nviol = cli_fmt("%zu", json_array_size(json_object_get(root, "violations")));
	json_array_append_new(cols, json_pack("[s,s]", "violation_records", nviol));
	free(nviol);
	int rc = cli_write_file(path, NULL, write_csv_rows, cols);
	json_decref(cols);
	return rc;
}

/* Whether @path names this process's stdout ('-', /dev/stdout, ...). */
static bool is_stdout(const char *path)
{
	if (!path)
		return false;
	if (!strcmp(path, "-"))
		return true;
	struct stat a, b;
	return stat(path, &a) == 0 && fstat(1, &b) == 0 && !S_ISREG(a.st_mode) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int results_output(const struct run *r, const char *name, const struct opts *o,
		   const char *replay_cmd, const struct cli_input *in, json_t *base)
{
	/* With the results on stdout, stdout holds them alone. */
	FILE *f = is_stdout(o->json) || is_stdout(o->csv) ? stderr : stdout;
	const char *overflow = NULL;
	json_t *extra = json_object();
	char *cmd = NULL;
	if (replay_cmd) {
		json_object_set_new(extra, "replay", json_string(replay_cmd));
	} else {
		size_t len = 0;
		FILE *m = open_memstream(&cmd, &len);
		if (m) {
			replay_command(m, name, o, r->p.sim_seed,
				       r->p.sim_mode == MODE_EXPLORE);
			fclose(m);
			if (len && cmd[len - 1] == '\n')
				cmd[len - 1] = 0;
			json_object_set_new(extra, "replay", json_string(cmd));
		}
	}
	if (in)
		json_object_set_new(extra, "input", cli_input_json(in));
	json_t *root = results_json(r, extra, in, base, &overflow);
	print_summary(f, name, r, json_object_get(root, "stats"));
	/* A setting the user chose that silently does nothing is said so. */
	bool chose_pml = false;
	for (unsigned i = 0; i < o->nsets; i++)
		chose_pml |= !strcmp(o->sets[i], "mmu.dirty_log=pml");
	if (chose_pml && r->p.cpu_vendor == VENDOR_AMD &&
	    r->p.mmu_dirty_log == DIRTY_LOG_PML && !r->p.svm_pml)
		fprintf(f, "note: on AMD without svm.pml=1 there is no PML: "
			"mmu.dirty_log=pml logs dirty pages by write protection, as wp\n");
	if (in)
		cli_figures_print(f, json_object_get(root, "figures"));
	if (!replay_cmd && check_count(r->check))
		results_print_counterexample(f, name, r, o);
	int status = run_failed(r) ? EXIT_VIOLATION : EXIT_OK;
	if (o->json && write_root(root, o->json, overflow))
		status = EXIT_BADINPUT;
	if (o->csv && (overflow ? cli_bad("%s: %s is above %lld, the largest integer "
					  "a result file holds", o->csv, overflow,
					  (long long)INT64_MAX), -1
				: results_write_csv(root, o->csv)))
		status = EXIT_BADINPUT;
	json_decref(root);
	json_decref(extra);
	free(cmd);
	return status;
}
