// SPDX-License-Identifier: GPL-2.0-only
/*
 * report.md: what the model (report_model.c) holds, as markdown — the
 * variants, notes on settings and seeds that changed nothing, the key
 * stats, phases, other stats that differ, violations, plots, and explore
 * campaigns.  Text from the inputs goes through md_cell (no '|', no
 * newline).
 */
#include "cli/cli.h"
#include "sim/core/compiler.h"
#include "cli/report.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* A markdown table cell: '|' escaped, newlines flattened. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/*
 * What identical columns would leave unsaid: a variant whose setting
 * changed nothing (it gave the same results as an earlier one), and seeds
 * that cannot differ (every seed of a variant gave the same results).
 * Written to report.md as a list and printed on stdout ("note: ...").
 */
static void notes_section(FILE *f, const struct rep *R)
{
	bool any = false;
	for (size_t v = 0; v < R->nvars; v++) {
		const struct group *G = &R->vars[v];
		char *note = NULL;
		bool amd_pml = false;
		for (size_t u = 0; u < v && !note; u++) {
			if (!rep_same_results(R, u, v))
				continue;
			note = cli_fmt("variant %zu (%s) gave the same results as variant "
				       "%zu (%s): what differs between them had no effect "
				       "here", v + 1, G->label, u + 1, R->vars[u].label);
			for (int k = 0; k < 2; k++) {
				json_t *c = k ? R->vars[u].config : G->config;
				amd_pml |= !strcmp(rep_config_str(c, "cpu.vendor"), "amd") &&
					   !strcmp(rep_config_str(c, "mmu.dirty_log"), "pml") &&
					   json_integer_value(json_object_get(c, "svm.pml")) == 0;
			}
		}
		if (note && amd_pml) {
			char *n2 = cli_fmt("%s (on AMD, mmu.dirty_log=pml without svm.pml=1 "
					   "has no PML and runs as wp)", note);
			free(note);
			note = n2;
		}
		bool seeds_same = G->nm > 1;
		for (size_t s = 0; s < R->nstats && seeds_same; s++)
			if (strncmp(R->stats[s], "sim.", 4) &&
			    rep_agg(R, v, s)->min != rep_agg(R, v, s)->max)
				seeds_same = false;
		char *snote = NULL;
		if (seeds_same)
			snote = cli_fmt("the %zu seeds of variant %zu (%s) gave identical "
					"results: %s", G->nm, v + 1, G->label,
					!strcmp(rep_config_str(G->config, "sim.mode"), "timed")
						? "in the timed schedule a seed changes only what "
						  "the scenario draws at random (host-events random, "
						  "generators); sim.mode=explore varies the "
						  "interleaving"
						: "no seed changed the interleaving's outcome");
		for (int k = 0; k < 2; k++) {
			char *n = k ? snote : note;
			if (!n)
				continue;
			if (!any)
				fputs("## Notes\n\n", f);
			any = true;
			fputs("* ", f);
			md_cell(f, n);
			fputc('\n', f);
			printf("note: %s\n", n);
			free(n);
		}
	}
	if (any)
		fputc('\n', f);
}

static void fmt_agg(char *buf, size_t len, const struct agg *a)
{
	char m[48], lo[48], hi[48];
	rep_fmt_median(m, sizeof(m), a->m2);
	if (a->min == a->max) {
		snprintf(buf, len, "%s", m);
		return;
	}
	rep_fmt_num(lo, sizeof(lo), a->min);
	rep_fmt_num(hi, sizeof(hi), a->max);
	snprintf(buf, len, "%s [%s..%s]", m, lo, hi);
}

static void fmt_ratio(char *buf, size_t len, const struct agg *a,
		      const struct agg *base)
{
	if (a->m2 == base->m2) {
		snprintf(buf, len, "=");
		return;
	}
	if (base->m2 == 0) {
		snprintf(buf, len, "—");
		return;
	}
	double r = (double)a->m2 / (double)base->m2;
	if (r >= 1000)
		rep_fmt_num(buf, len, (int64_t)(r + 0.5));
	else if (r >= 0.01 || r <= -0.01)
		snprintf(buf, len, "%.2f", r);
	else
		snprintf(buf, len, "%.2g", r);
}


/* Inline code that may itself contain backticks. */
static void md_code(FILE *f, const char *s)
{
	const char *fence = strchr(s, '`') ? "`` " : "`";
	fputs(fence, f);
	md_cell(f, s);
	fputs(strchr(s, '`') ? " ``" : "`", f);
}

static void stats_table(FILE *f, const struct rep *R, const size_t *rows,
			size_t nrows)
{
	char *keys = rep_join_keys(R);
	if (keys && R->nvars > 1) {
		fputs("| stat \\ ", f);
		md_cell(f, keys);
		fputs(" |", f);
	} else {
		fputs("| stat |", f);
	}
	free(keys);
	for (size_t g = 0; g < R->nvars; g++) {
		fputc(' ', f);
		md_cell(f, R->nvars > 1 ? R->vars[g].label : "value");
		fputs(" |", f);
		if (g) {
			fputs(" ÷ ", f);
			md_cell(f, R->vars[0].label);
			fputs(" |", f);
		}
	}
	fputs("\n|---|", f);
	for (size_t g = 0; g < R->nvars; g++)
		fputs(g ? "---:|---:|" : "---:|", f);
	fputc('\n', f);
	for (size_t i = 0; i < nrows; i++) {
		size_t s = rows[i];
		fprintf(f, "| %s |", R->stats[s]);
		for (size_t g = 0; g < R->nvars; g++) {
			char buf[160];
			fmt_agg(buf, sizeof(buf), rep_agg(R, g, s));
			fprintf(f, " %s |", buf);
			if (g) {
				fmt_ratio(buf, sizeof(buf), rep_agg(R, g, s), rep_agg(R, 0, s));
				fprintf(f, " %s |", buf);
			}
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* The key stats, in this order; the first three are shown even when 0. */
static const char *const key_patterns[] = {
	"accesses", "cycles", "violations",
	"threads.work", "thread.*.work",
	"cycles.*", "exits.*", "tlb.*.misses", "walk.refs", "ipi.sent",
	"tlb.flushes", "folio.mark_dirty", "folio.mark_dirty.*",
	"lock.mmu_lock.*_hold_cycles", "violations.*",
};
enum { KEY_ALWAYS = 3 };

/* Fills @rows with the key stats; marks them in @used. */
static size_t key_rows(const struct rep *R, size_t *rows, bool *used)
{
	size_t n = 0;
	/* accesses, cycles first; violations goes after the patterns. */
	static const int order[] = { 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 14 };
	for (size_t o = 0; o < ARRAY_SIZE(order); o++) {
		int p = order[o];
		for (size_t s = 0; s < R->nstats; s++) {
			if (used[s] || fnmatch(key_patterns[p], R->stats[s], 0))
				continue;
			if (p >= KEY_ALWAYS && !rep_stat_nonzero(R, s))
				continue;
			used[s] = true;
			rows[n++] = s;
		}
	}
	return n;
}

static void seeds_text(FILE *f, const struct rep *R, const struct group *G)
{
	int64_t *s = cli_xrealloc(NULL, G->nm * sizeof(int64_t));
	for (size_t i = 0; i < G->nm; i++)
		s[i] = R->runs[G->m[i]].seed;
	qsort(s, G->nm, sizeof(int64_t), rep_cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < G->nm; i++)
		if (!u || s[u - 1] != s[i])
			s[u++] = s[i];
	if (u > 1 && s[u - 1] - s[0] == (int64_t)u - 1)
		fprintf(f, "%lld..%lld", (long long)s[0], (long long)s[u - 1]);
	else
		for (size_t i = 0; i < u && i < 6; i++)
			fprintf(f, "%s%lld%s", i ? ", " : "", (long long)s[i],
				i == 5 && u > 6 ? ", …" : "");
	free(s);
}

static void variants_section(FILE *f, const struct rep *R)
{
	fputs("## Variants\n\n| # |", f);
	for (size_t k = 0; k < R->nlk; k++)
		fprintf(f, " %s |", R->lk[k]);
	fputs(" seeds | results | reproduce |\n|---|", f);
	for (size_t k = 0; k < R->nlk; k++)
		fputs("---|", f);
	fputs("---|---|---|\n", f);
	for (size_t g = 0; g < R->nvars; g++) {
		const struct group *G = &R->vars[g];
		fprintf(f, "| %zu |", g + 1);
		for (size_t k = 0; k < R->nlk; k++) {
			fputc(' ', f);
			md_cell(f, G->vals[k]);
			fputs(" |", f);
		}
		fputc(' ', f);
		seeds_text(f, R, G);
		fputs(" | ", f);
		md_cell(f, rep_basename(R->runs[G->m[0]].file));
		if (G->nm > 1)
			fprintf(f, " (+%zu)", G->nm - 1);
		fputs(" | ", f);
		const char *rp = R->runs[G->m[0]].replay;
		if (rp)
			md_code(f, rp);
		else
			fputs("—", f);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void print_violations(FILE *f, json_t *viol, json_t *fexp, const char *who)
{
	size_t i, nv = viol ? json_array_size(viol) : 0;
	json_t *x;
	json_array_foreach(viol, i, x) {
		if (i == 3) {
			fprintf(f, "- %s: … and %zu more violation(s)\n", who, nv - 3);
			break;
		}
		const char *kind = json_string_value(json_object_get(x, "kind"));
		const char *detail = json_string_value(json_object_get(x, "detail"));
		fprintf(f, "- %s: violation %s: %s\n", who, kind ? kind : "?",
			detail ? detail : "");
	}
	json_array_foreach(fexp, i, x) {
		const char *s = json_string_value(x);
		fprintf(f, "- %s: failed expectation: %s\n", who, s ? s : "?");
	}
}

static void violations_section(FILE *f, const struct rep *R)
{
	fputs("## Violations and failed expectations\n\n", f);
	bool any = false;
	for (size_t g = 0; g < R->nvars; g++) {
		const struct group *G = &R->vars[g];
		size_t shown = 0, more = 0;
		for (size_t i = 0; i < G->nm; i++) {
			const struct rrun *r = &R->runs[G->m[i]];
			json_t *v = json_object_get(r->root, "violations");
			json_t *e = json_object_get(r->root, "failed_expectations");
			if (!json_array_size(v) && !json_array_size(e))
				continue;
			any = true;
			if (shown == 5) {
				more++;
				continue;
			}
			shown++;
			char *who = cli_fmt("%s (%s)", G->label, rep_basename(r->file));
			print_violations(f, v, e, who);
			free(who);
		}
		if (more) {
			fputs("- ", f);
			md_cell(f, G->label);
			fprintf(f, ": … and %zu more failing run%s of %zu\n", more,
				more > 1 ? "s" : "", G->nm);
		}
	}
	if (!any)
		fputs("None: every run met its expectations, with no violation.\n", f);
	fputc('\n', f);
}

struct range {
	uint64_t a, b;
};

static int cmp_range(const void *x, const void *y)
{
	const struct range *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/* The seed ranges of campaign @G's chunks, merged and sorted; their count
 * in *@n. */
static struct range *campaign_ranges(const struct rep *R, const struct group *G,
				     size_t *np)
{
	struct range *rg = cli_xrealloc(NULL, G->nm * sizeof(*rg));
	for (size_t i = 0; i < G->nm; i++)
		rg[i] = (struct range){ R->chunks[G->m[i]].first, R->chunks[G->m[i]].last };
	qsort(rg, G->nm, sizeof(*rg), cmp_range);
	size_t n = 0;
	for (size_t i = 0; i < G->nm; i++) {
		if (n && (rg[n - 1].b == UINT64_MAX || rg[i].a <= rg[n - 1].b + 1)) {
			if (rg[i].b > rg[n - 1].b)
				rg[n - 1].b = rg[i].b;
		} else {
			rg[n++] = rg[i];
		}
	}
	*np = n;
	return rg;
}

static void campaign_seeds(FILE *f, const struct rep *R, const struct group *G)
{
	size_t n;
	struct range *rg = campaign_ranges(R, G, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%llu..%llu", i ? ", " : "", (unsigned long long)rg[i].a,
			(unsigned long long)rg[i].b);
	if (n > 1) {
		fputs(" (missing", f);
		for (size_t i = 1; i < n; i++)
			fprintf(f, "%s %llu..%llu", i > 1 ? "," : "",
				(unsigned long long)rg[i - 1].b + 1,
				(unsigned long long)rg[i].a - 1);
		fputc(')', f);
	}
	free(rg);
}

/* One missing-seeds line of report.md (the first under its heading) and
 * on stderr; frees @msg.  Returns true: there is one now. */
static bool seeds_warning(FILE *f, char *msg, bool any)
{
	fprintf(f, "%s* %s\n", any ? "" : "**Warning: seeds missing.** "
		"The first failing seed below is the first among the seeds "
		"run only.\n\n", msg);
	fprintf(stderr, "tdpsim report: warning: %s\n", msg);
	free(msg);
	return true;
}

/* Seeds a campaign did not run, said in report.md and on stderr: the gaps
 * between its chunks, and chunks that found no failure yet ran fewer seeds
 * than their range (a worker died under an older tdpsim). */
static void missing_seeds(FILE *f, const struct rep *R)
{
	bool any = false;
	for (size_t c = 0; c < R->ncamps; c++) {
		const struct group *G = &R->camps[c];
		size_t n;
		struct range *rg = campaign_ranges(R, G, &n);
		for (size_t i = 1; i < n; i++) {
			char *msg = cli_fmt("%s: seeds %llu..%llu were not run (no chunk "
					    "summary covers them)", G->label,
					    (unsigned long long)rg[i - 1].b + 1,
					    (unsigned long long)rg[i].a - 1);
			any = seeds_warning(f, msg, any);
		}
		free(rg);
		for (size_t i = 0; i < G->nm; i++) {
			const struct chunk *ch = &R->chunks[G->m[i]];
			uint64_t want = ch->last - ch->first + 1;
			if (ch->failed || (want != 0 && ch->run >= want))
				continue;
			char *msg = cli_fmt("%s: %s ran %llu of the %llu seeds %llu..%llu "
					    "and found no failure: seeds are missing",
					    G->label, rep_basename(ch->file),
					    (unsigned long long)ch->run,
					    (unsigned long long)want,
					    (unsigned long long)ch->first,
					    (unsigned long long)ch->last);
			any = seeds_warning(f, msg, any);
		}
	}
	if (any)
		fputc('\n', f);
}

static void explore_section(FILE *f, const struct rep *R)
{
	fputs("## Explore campaigns\n\n"
	      "Each chunk runs its seeds in order and stops at its first failing "
	      "seed, so the smallest failing seed over the chunks is the first "
	      "failing seed of the whole range (when no seeds are missing).\n\n|", f);
	for (size_t k = 0; k < R->nck; k++)
		fprintf(f, " %s |", R->ck[k]);
	fputs(" seeds | chunks | seeds run | failing seeds found | first failing seed |\n|", f);
	for (size_t k = 0; k < R->nck; k++)
		fputs("---|", f);
	fputs("---|---:|---:|---|---:|\n", f);
	for (size_t c = 0; c < R->ncamps; c++) {
		const struct group *G = &R->camps[c];
		fputc('|', f);
		for (size_t k = 0; k < R->nck; k++) {
			fputc(' ', f);
			md_cell(f, G->vals[k]);
			fputs(" |", f);
		}
		fputc(' ', f);
		campaign_seeds(f, R, G);
		uint64_t run = 0;
		uint64_t *fs = NULL;
		size_t nfs = 0;
		for (size_t i = 0; i < G->nm; i++) {
			const struct chunk *ch = &R->chunks[G->m[i]];
			run += ch->run;
			size_t j;
			json_t *x;
			json_array_foreach(ch->failing, j, x) {
				GROW(fs, nfs);
				fs[nfs++] = (uint64_t)json_integer_value(x);
			}
			if (ch->failed) {
				GROW(fs, nfs);
				fs[nfs++] = ch->first_fail;
			}
		}
		if (nfs)
			qsort(fs, nfs, sizeof(uint64_t), rep_cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < nfs; i++)
			if (!u || fs[u - 1] != fs[i])
				fs[u++] = fs[i];
		char num[48];
		rep_fmt_num(num, sizeof(num), (int64_t)run);
		fprintf(f, " | %zu | %s | ", G->nm, num);
		if (!u)
			fputs("none", f);
		for (size_t i = 0; i < u && i < 8; i++)
			fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)fs[i]);
		if (u > 8)
			fprintf(f, ", … (%zu)", u);
		if (u)
			fprintf(f, " | %llu |\n", (unsigned long long)fs[0]);
		else
			fputs(" | — |\n", f);
		free(fs);
	}
	fputc('\n', f);
	missing_seeds(f, R);
	for (size_t c = 0; c < R->ncamps; c++) {
		const struct group *G = &R->camps[c];
		const struct chunk *best = NULL;
		for (size_t i = 0; i < G->nm; i++) {
			const struct chunk *ch = &R->chunks[G->m[i]];
			if (ch->failed && (!best || ch->first_fail < best->first_fail))
				best = ch;
		}
		if (!best)
			continue;
		fprintf(f, "### First counterexample: %s, seed %llu\n\n", G->label,
			(unsigned long long)best->first_fail);
		char *who = cli_fmt("seed %llu", (unsigned long long)best->first_fail);
		print_violations(f, best->viol, best->fexp, who);
		free(who);
		if (best->replay)
			fprintf(f, "\nReplay it:\n\n    %s\n", best->replay);
		fputc('\n', f);
	}
}

/* The title, the scenario's summary, and what the variants are. */
static void md_intro(FILE *f, const struct rep *R)
{
	if (R->scenario)
		fprintf(f, "# tdpsim report: %s\n\n", R->scenario);
	else
		fputs("# tdpsim report\n\n", f);
	const struct scenario *sc = R->scenario ? scenario_find(R->scenario) : NULL;
	if (sc && sc->summary)
		fprintf(f, "> %s\n\n", sc->summary);
	if (!R->nvars)
		return;
	if (R->nvars == 1) {
		fprintf(f, "One variant, %zu run%s.", R->nruns, R->nruns > 1 ? "s" : "");
	} else {
		fprintf(f, "%zu variants, differing in ", R->nvars);
		for (size_t k = 0; k < R->nlk; k++)
			fprintf(f, "%s`%s`", k ? (k + 1 == R->nlk ? " and " : ", ") : "",
				R->lk[k]);
		fprintf(f, "; %zu run%s. Columns `÷ ", R->nruns, R->nruns > 1 ? "s" : "");
		md_cell(f, R->vars[0].label);
		fputs("` divide by the first variant: `=` is the same value, "
		      "`—` a zero base.", f);
	}
	if (R->seeds)
		fputs(" Values are the median over a variant's seeds, with "
		      "[min..max] when they differ.", f);
	fputs("\n\n", f);
}

/* The stat tables: key stats, phases, and (between variants) the other
 * stats that differ; each stat in one table only. */
static void stats_sections(FILE *f, const struct rep *R)
{
	bool *used = cli_xrealloc(NULL, (R->nstats + 1) * sizeof(bool));
	size_t *rows = cli_xrealloc(NULL, (R->nstats + 1) * sizeof(size_t));
	memset(used, 0, (R->nstats + 1) * sizeof(bool));
	size_t nr = key_rows(R, rows, used);
	fputs("## Key stats\n\nAccesses, cycles and their accounts, exits, TLB "
	      "misses, walks, IPIs, flushes, folio dirtying, mmu_lock hold "
	      "times and violations; those that are 0 in every run are left "
	      "out.\n\n", f);
	stats_table(f, R, rows, nr);

	nr = 0;
	for (size_t s = 0; s < R->nstats; s++)
		if (!used[s] && !fnmatch("phase.*", R->stats[s], 0) &&
		    rep_stat_nonzero(R, s)) {
			used[s] = true;
			rows[nr++] = s;
		}
	if (nr) {
		fputs("## Phases\n\nStats counted inside each named phase of the "
		      "scenario's timeline (nonzero ones).\n\n", f);
		stats_table(f, R, rows, nr);
	}
	if (R->nvars > 1) {
		nr = 0;
		for (size_t s = 0; s < R->nstats; s++)
			if (!used[s] && strncmp(R->stats[s], "sim.", 4) &&
			    strncmp(R->stats[s], "phase.", 6) && rep_stat_differs(R, s))
				rows[nr++] = s;
		if (nr) {
			fputs("## Other stats that differ\n\n(The engine's own sim.* "
			      "counters are left out.)\n\n", f);
			stats_table(f, R, rows, nr);
		}
	}
	free(used);
	free(rows);
}

static void plots_section(FILE *f, const bool made[REP_NPLOTS])
{
	bool any = false;
	for (int i = 0; i < REP_NPLOTS; i++)
		any |= made[i];
	if (!any)
		return;
	fputs("## Plots\n\n", f);
	for (int i = 0; i < REP_NPLOTS; i++) {
		const char *n = rep_plot_name[i], *t = rep_plot_title[i];
		if (made[i])
			fprintf(f, "![%s](%s.png)\n\n%s: [%s.svg](%s.svg), "
				"[%s.png](%s.png); gnuplot script %s.gp, "
				"data %s.dat.\n\n", t, n, t, n, n, n, n, n, n);
	}
}

int report_md_write(const struct rep *R, const bool made[REP_NPLOTS])
{
	FILE *f = rep_stage_open(R, "report.md");
	if (!f)
		return -1;
	md_intro(f, R);
	if (R->nvars) {
		variants_section(f, R);
		notes_section(f, R);
		stats_sections(f, R);
		violations_section(f, R);
		plots_section(f, made);
	}
	if (R->ncamps)
		explore_section(f, R);
	return rep_stage_close(f);
}
