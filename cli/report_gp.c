// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report's plots: for each, a gnuplot script (NAME.gp) and its data
 * (NAME.dat) in the staging folder, then gnuplot run on the script for
 * NAME.png and NAME.svg.  A missing gnuplot is a warning, not an error:
 * the scripts stay for the user to render.
 *
 * Text from the inputs reaches a script only through gp_text/gp_str,
 * which filter it (see there), and a .dat file only in comment lines
 * (dat_comment_text).
 */
#include "cli/cli.h"
#include "sim/core/compiler.h"
#include "cli/report.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

/*
 * Text from the inputs (stat names, scenario names, config values) that goes
 * into a gnuplot script.  gnuplot runs `backquoted` text as a shell command
 * anywhere on a line, double quotes included, and expands @macros; so such
 * text is never escaped but filtered: printable ASCII letters, digits and a
 * fixed set of punctuation pass, every other byte becomes '?'.  Nothing that
 * passes has a meaning inside a double-quoted gnuplot string.
 */
static void gp_text(FILE *g, const char *s)
{
	static const char punct[] = " _.,:;+-=/()[]<>%#*&|~^!?{}";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (c && strchr(punct, c));
		fputc(ok ? c : '?', g);
	}
}

static void gp_str(FILE *g, const char *s)
{
	fputc('"', g);
	gp_text(g, s);
	fputc('"', g);
}

/* Input text in a '#' comment line of a .dat file: one line, no control
 * bytes, so it can neither end the comment nor reach a terminal raw. */
static void dat_comment_text(FILE *d, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? '?' : c, d);
	}
}

/* The "# variant V: LABEL" comment lines of a .dat file. */
static void dat_variants(FILE *d, const struct rep *R)
{
	for (size_t v = 0; v < R->nvars; v++) {
		fprintf(d, "# variant %zu: ", v);
		dat_comment_text(d, R->vars[v].label);
		fputc('\n', d);
	}
}

static void gp_begin(FILE *g, const char *name, const char *what, int w, int h)
{
	fprintf(g, "# %s: %s.\n# Written by tdpsim report; render with 'gnuplot %s.gp'.\n",
		name, what, name);
	fputs("set encoding utf8\n", g);
	for (size_t i = 0; i < ARRAY_SIZE(palette); i++)
		fprintf(g, "set linetype %zu lc rgb \"%s\" lw 1.5 pt 7\n", i + 1,
			palette[i]);
	fputs("set linetype cycle 10\n"
	      "set style fill solid 0.85 border rgb \"#404040\"\n"
	      "set grid ytics lc rgb \"#d0d0d0\"\n"
	      "set border 3\n"
	      "set tics nomirror\n", g);
	fprintf(g,
		"do for [fmt in \"png svg\"] {\n"
		"  if (fmt eq \"png\") {\n"
		"    if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		"      set terminal pngcairo noenhanced size %d,%d font \"Sans,10\"\n"
		"    } else {\n"
		"      set terminal png noenhanced size %d,%d\n"
		"    }\n"
		"  } else {\n"
		"    set terminal svg noenhanced size %d,%d font \"Sans,10\" background rgb \"white\"\n"
		"  }\n"
		"  set output \"%s.\".fmt\n",
		w, h, w, h, w, h, name);
}

static void gp_end(FILE *g)
{
	fputs("  unset output\n}\n", g);
}

/* The longest line of the variants' x tic labels (one value per line). */
static size_t tic_chars(const struct rep *R)
{
	size_t ml = 0;
	for (size_t v = 0; v < R->nvars; v++) {
		const struct group *G = &R->vars[v];
		if (!R->nlk && strlen(G->label) > ml)
			ml = strlen(G->label);
		for (size_t k = 0; k < R->nlk; k++)
			if (strlen(G->vals[k]) > ml)
				ml = strlen(G->vals[k]);
	}
	return ml;
}

/* Pixels per variant so that its label fits, at least @min. */
static int slot_px(const struct rep *R, int min)
{
	int px = (int)((double)tic_chars(R) * 6.5) + 24;
	return px > min ? px : min;
}

/* A chart width: @fixed pixels of margins and key plus a slot per
 * variant, between @lo and @hi. */
static int chart_width(const struct rep *R, int fixed, int slot, int lo, int hi)
{
	int w = fixed + slot * (int)R->nvars;
	return w < lo ? lo : w > hi ? hi : w;
}

/* x tics at 0..nvars-1 named by the variants, one label value per line;
 * when even so a value is wider than its slot (the chart width is capped),
 * the labels go on one slanted line, with room for them on the left.
 * @plotw is the plot area's width in pixels. */
static void gp_xtics(FILE *g, const struct rep *R, int plotw)
{
	size_t ml = tic_chars(R);
	double slot = (double)plotw / ((double)R->nvars + 0.2);
	bool slant = (double)ml * 6.5 + 10 > slot;
	if (slant)
		for (size_t v = 0; v < R->nvars; v++)
			if (strlen(R->vars[v].label) > ml)
				ml = strlen(R->vars[v].label);
	fputs("  set xtics (", g);
	for (size_t v = 0; v < R->nvars; v++) {
		const struct group *G = &R->vars[v];
		if (v)
			fputs(", ", g);
		fputc('"', g);
		for (size_t k = 0; k < (R->nlk ? R->nlk : 1); k++) {
			const char *t = R->nlk ? G->vals[k] : G->label;
			if (k)
				fputs(slant ? ", " : "\\n", g);
			gp_text(g, t);
		}
		fprintf(g, "\" %zu", v);
	}
	fprintf(g, ") %s\n", slant ? "rotate by 30 right" : "norotate");
	if (slant) {
		/* The first label reaches 0.87 * its width left of its tic, which
		 * is 0.6 slot right of the plot's left edge. */
		double need = 0.87 * (double)ml * 6.5 - 0.6 * slot + 24;
		int lm = (int)(need / 7) + 1;
		fprintf(g, "  set lmargin %d\n", lm > 10 ? lm : 10);
	} else {
		fputs("  unset lmargin\n", g);
	}
	fprintf(g, "  set xrange [-0.6:%zu.6]\n", R->nvars - 1);
	fputs("  set xlabel ", g);
	char *xl = rep_join_keys(R);
	gp_str(g, xl ? xl : "variant");
	/* gnuplot leaves room for one line of tic labels only. */
	if (!slant && R->nlk > 1)
		fprintf(g, " offset 0,-%zu", R->nlk - 1);
	fputc('\n', g);
	free(xl);
}

/* Whether a value label of @chars characters fits in @px pixels. */
static bool label_fits(double px, size_t chars)
{
	return px >= (double)chars * 6.5 + 6;
}

/* The width in characters of the widest median of @s over the variants. */
static size_t median_chars(const struct rep *R, size_t s)
{
	size_t m = 0;
	for (size_t v = 0; v < R->nvars; v++) {
		char num[48];
		rep_fmt_median(num, sizeof(num), rep_agg(R, v, s)->m2);
		if (strlen(num) > m)
			m = strlen(num);
	}
	return m;
}

/* Picks a unit for values up to @max: 1, thousands or millions. */
static double scale_for(double max, const char **unit)
{
	if (max >= 1e9) {
		*unit = " (billions)";
		return 1e9;
	}
	if (max >= 1e6) {
		*unit = " (millions)";
		return 1e6;
	}
	if (max >= 1e4) {
		*unit = " (thousands)";
		return 1e3;
	}
	*unit = "";
	return 1;
}

static char *plot_title(const struct rep *R, const char *what)
{
	const char *med = R->seeds ? " (median over seeds)" : "";
	if (R->scenario)
		return cli_fmt("%s: %s%s", R->scenario, what, med);
	return cli_fmt("%s%s", what, med);
}

/* A chart at least as wide as its title: gnuplot centres a title over the
 * plot area (the chart less @fixed pixels of margins and key) and cuts
 * what does not fit the canvas; at 12 points a character takes about 8. */
static int title_width(const char *title, int w, int fixed)
{
	int need = (int)strlen(title) * 8 + fixed + 40;
	return need > w ? need : w;
}

/*
 * Stacked bars: each variant's work split by account, of every thread —
 * vCPUs, the VMM, host kthreads (threads.cycles.*, less the idle and wait
 * accounts: they add up to threads.work).  Results without them (from an
 * older tdpsim) show the vCPUs' cycles.* instead.  The total on top is
 * the total's own median, as the table gives it, with its min..max over
 * seeds; the parts are each one's median.
 */
static int plot_cycles(const struct rep *R, bool *made)
{
	size_t acc[64], na = 0;
	size_t total = rep_stat_find(R, "threads.work");
	bool all = total < R->nstats;
	if (!all)
		total = rep_stat_find(R, "cycles");
	for (size_t s = 0; s < R->nstats && na < 64; s++) {
		const char *n = R->stats[s];
		if (all ? fnmatch("threads.cycles.*", n, 0) || !strcmp(n, "threads.cycles.idle") ||
				  !strcmp(n, "threads.cycles.wait")
			: (bool)fnmatch("cycles.*", n, 0))
			continue;
		if (rep_stat_nonzero(R, s))
			acc[na++] = s;
	}
	*made = false;
	if (!na || total == R->nstats)
		return 0;
	const char *prefix = all ? "threads.cycles." : "cycles.";
	double max = 0;
	for (size_t v = 0; v < R->nvars; v++) {
		double t = 0;
		for (size_t i = 0; i < na; i++)
			t += rep_median_d(rep_agg(R, v, acc[i]));
		if (t > max)
			max = t;
		if ((double)rep_agg(R, v, total)->max > max)
			max = (double)rep_agg(R, v, total)->max;
	}
	const char *unit;
	double sc = scale_for(max, &unit);
	FILE *d = rep_stage_open(R, "cycles.dat");
	if (!d)
		return -1;
	fprintf(d, "# %s by account per variant; the columns:\n# 1 variant",
		all ? "work of every thread" : "vCPU cycles");
	for (size_t i = 0; i < na; i++) {
		fprintf(d, ", %zu ", i + 2);
		dat_comment_text(d, R->stats[acc[i]]);
	}
	fprintf(d, ", %zu %s (its median), %zu as text, %zu its min, %zu its max; "
		"values in units of %g cycles\n", na + 2, R->stats[total], na + 3,
		na + 4, na + 5, sc);
	dat_variants(d, R);
	size_t tchars = 0;
	for (size_t v = 0; v < R->nvars; v++) {
		fprintf(d, "%zu", v);
		for (size_t i = 0; i < na; i++)
			fprintf(d, " %.6f", rep_median_d(rep_agg(R, v, acc[i])) / sc);
		const struct agg *t = rep_agg(R, v, total);
		char num[48];
		rep_fmt_median(num, sizeof(num), t->m2);
		fprintf(d, " %.6f %s %.6f %.6f\n", rep_median_d(t) / sc, num,
			(double)t->min / sc, (double)t->max / sc);
		if (strlen(num) > tchars)
			tchars = strlen(num);
	}
	if (rep_stage_close(d))
		return -1;

	char *t = plot_title(R, all ? "work of every thread (vCPUs, VMM, kthreads) by account"
				    : "vCPU cycles by account");
	int w = title_width(t, chart_width(R, 290, slot_px(R, 100), 760, 2400), 290), h = 520;
	FILE *g = rep_stage_open(R, "cycles.gp");
	if (!g) {
		free(t);
		return -1;
	}
	gp_begin(g, "cycles", all ? "work of every thread by account per variant"
				  : "vCPU cycles by account per variant", w, h);
	fputs("  set title ", g);
	gp_str(g, t);
	free(t);
	fprintf(g, " font \",12\"\n  set ylabel \"cycles%s\"\n", unit);
	fprintf(g, "  set yrange [0:%.6f]\n", max / sc * 1.12 + 1e-9);
	gp_xtics(g, R, w - 230);
	fputs("  set style data histogram\n"
	      "  set style histogram rowstacked\n"
	      "  set boxwidth 0.6 relative\n"
	      "  set key outside right top vertical Left reverse title \"account\"\n", g);
	fputs("  plot ", g);
	for (size_t i = 0; i < na; i++) {
		fprintf(g, "%s\"cycles.dat\" using %zu title ", i ? ", " : "", i + 2);
		gp_str(g, R->stats[acc[i]] + strlen(prefix));
		fprintf(g, " lt %zu", i + 1);
	}
	/* min..max of the total over seeds. */
	bool spread = rep_stat_spread(R, total);
	if (spread)
		fprintf(g, ", \"cycles.dat\" using 1:%zu:(0):($%zu-$%zu) with vectors "
			"heads size screen 0.006,90 lc rgb \"#202020\" notitle",
			na + 4, na + 5, na + 4);
	/* Totals on top of the bars (above the max bar), when they fit. */
	if (label_fits((double)(w - 230) / ((double)R->nvars + 0.2), tchars))
		fprintf(g, ", \"cycles.dat\" using 1:%zu:%zu with labels offset 0,0.8 "
			"notitle", spread ? na + 5 : na + 2, na + 3);
	fputc('\n', g);
	gp_end(g);
	*made = true;
	return rep_stage_close(g);
}

/* A chart of grouped bars (cli/report.c's exits and tlb charts). */
struct grouped {
	const char *name;     /* file names: NAME.gp, NAME.dat, NAME.png */
	const char *what;     /* for the .gp and .dat comments */
	const char *title;    /* the plot's title, after the scenario */
	const char *ylabel, *keytitle;
	const char *const *patterns; /* the stats, NULL-terminated fnmatch patterns */
	size_t strip;         /* characters of a stat's name left out of its key */
};

/* Grouped bars: each matching stat per variant, with its median on top
 * and its min..max over seeds. */
static int plot_grouped(const struct rep *R, const struct grouped *G, bool *made)
{
	size_t ex[64], ne = 0;
	for (const char *const *p = G->patterns; *p; p++)
		for (size_t s = 0; s < R->nstats && ne < 64; s++)
			if (!fnmatch(*p, R->stats[s], 0) && rep_stat_nonzero(R, s))
				ex[ne++] = s;
	*made = false;
	if (!ne)
		return 0;
	double max = 0;
	for (size_t v = 0; v < R->nvars; v++)
		for (size_t i = 0; i < ne; i++) {
			double x = (double)rep_agg(R, v, ex[i])->max;
			if (x > max)
				max = x;
		}
	const char *unit;
	double sc = scale_for(max, &unit);
	char *fn = cli_fmt("%s.dat", G->name);
	FILE *d = rep_stage_open(R, fn);
	if (!d) {
		free(fn);
		return -1;
	}
	fprintf(d, "# %s; for each stat k (0-based) of", G->what);
	for (size_t i = 0; i < ne; i++) {
		fputc(' ', d);
		dat_comment_text(d, R->stats[ex[i]]);
	}
	fprintf(d, ":\n# column 2+4k the median, 3+4k as text, 4+4k min, 5+4k max; "
		"column 1 the variant; in units of %g\n", sc);
	dat_variants(d, R);
	for (size_t v = 0; v < R->nvars; v++) {
		fprintf(d, "%zu", v);
		for (size_t i = 0; i < ne; i++) {
			const struct agg *a = rep_agg(R, v, ex[i]);
			char num[48];
			rep_fmt_median(num, sizeof(num), a->m2);
			fprintf(d, " %.6f %s %.6f %.6f", rep_median_d(a) / sc, num,
				(double)a->min / sc, (double)a->max / sc);
		}
		fputc('\n', d);
	}
	if (rep_stage_close(d))
		return -1;

	char *t = plot_title(R, G->title);
	int w = title_width(t, chart_width(R, 260, slot_px(R, 40 + 40 * (int)ne), 760, 2400),
			    260);
	int h = 520;
	char *gn = cli_fmt("%s.gp", G->name);
	FILE *g = rep_stage_open(R, gn);
	free(gn);
	if (!g) {
		free(t);
		free(fn);
		return -1;
	}
	gp_begin(g, G->name, G->what, w, h);
	fputs("  set title ", g);
	gp_str(g, t);
	free(t);
	fprintf(g, " font \",12\"\n  set ylabel \"%s%s\"\n", G->ylabel, unit);
	fprintf(g, "  set yrange [0:%.6f]\n", max / sc * 1.15 + 1e-9);
	gp_xtics(g, R, w - 200);
	double bw = 0.8 / (double)ne;
	fprintf(g, "  set boxwidth %.6f absolute\n", bw);
	fprintf(g, "  set key outside right top vertical Left reverse title \"%s\"\n",
		G->keytitle);
	bool spread = false;
	size_t chars = 0;
	for (size_t i = 0; i < ne; i++) {
		spread |= rep_stat_spread(R, ex[i]);
		if (median_chars(R, ex[i]) > chars)
			chars = median_chars(R, ex[i]);
	}
	double bar_px = (double)(w - 200) / ((double)R->nvars + 0.2) * bw;
	bool labels = label_fits(bar_px + 4, chars);
	fputs("  plot ", g);
	for (size_t i = 0; i < ne; i++) {
		double off = ((double)i - (double)(ne - 1) / 2.0) * bw;
		fprintf(g, "%s\"%s\" using ($1%+.6f):%zu with boxes title ",
			i ? ", " : "", fn, off, 2 + 4 * i);
		gp_str(g, R->stats[ex[i]] + G->strip);
		fprintf(g, " lt %zu", i + 1);
		if (spread)
			fprintf(g, ", \"%s\" using ($1%+.6f):%zu:(0):($%zu-$%zu) with "
				"vectors heads size screen 0.006,90 lc rgb \"#202020\" notitle",
				fn, off, 4 + 4 * i, 5 + 4 * i, 4 + 4 * i);
		if (labels)
			fprintf(g, ", \"%s\" using ($1%+.6f):%zu:%zu with labels "
				"offset 0,0.8 notitle", fn, off,
				spread ? 5 + 4 * i : 2 + 4 * i, 3 + 4 * i);
	}
	fputc('\n', g);
	gp_end(g);
	free(fn);
	*made = true;
	return rep_stage_close(g);
}

static int plot_exits(const struct rep *R, bool *made)
{
	static const char *const pat[] = { "exits.*", NULL };
	static const struct grouped G = {
		.name = "exits", .what = "VM exits per variant, by kind",
		.title = "VM exits by kind", .ylabel = "exits", .keytitle = "exit",
		.patterns = pat, .strip = sizeof("exits.") - 1,
	};
	return plot_grouped(R, &G, made);
}

/* The TLB's misses per level and the page-walk references they cost. */
static int plot_tlb(const struct rep *R, bool *made)
{
	static const char *const pat[] = {
		"tlb.l1i.misses", "tlb.l1d.misses", "tlb.l2.misses", "walk.refs", NULL,
	};
	static const struct grouped G = {
		.name = "tlb", .what = "TLB misses per level and walk references per variant",
		.title = "TLB misses and walk references", .ylabel = "count",
		.keytitle = "stat", .patterns = pat, .strip = 0,
	};
	return plot_grouped(R, &G, made);
}

/* One small panel per phase.* stat: its value per variant. */
static int plot_phases(const struct rep *R, bool *made)
{
	size_t ph[64], np = 0;
	for (size_t s = 0; s < R->nstats && np < 64; s++)
		if (!fnmatch("phase.*", R->stats[s], 0) && rep_stat_nonzero(R, s))
			ph[np++] = s;
	*made = false;
	if (!np)
		return 0;
	const char *units[64];
	double scs[64], maxs[64];
	for (size_t i = 0; i < np; i++) {
		double max = 0;
		for (size_t v = 0; v < R->nvars; v++)
			if ((double)rep_agg(R, v, ph[i])->max > max)
				max = (double)rep_agg(R, v, ph[i])->max;
		scs[i] = scale_for(max, &units[i]);
		maxs[i] = max / scs[i];
	}
	FILE *d = rep_stage_open(R, "phases.dat");
	if (!d)
		return -1;
	fputs("# phase stats per variant; for each stat k (0-based) of", d);
	for (size_t i = 0; i < np; i++) {
		fputc(' ', d);
		dat_comment_text(d, R->stats[ph[i]]);
	}
	fputs(":\n# column 2+4k the median (scaled as the plot says), 3+4k as text, "
	      "4+4k min, 5+4k max; column 1 the variant\n", d);
	dat_variants(d, R);
	for (size_t v = 0; v < R->nvars; v++) {
		fprintf(d, "%zu", v);
		for (size_t i = 0; i < np; i++) {
			const struct agg *a = rep_agg(R, v, ph[i]);
			char num[48];
			rep_fmt_median(num, sizeof(num), a->m2);
			fprintf(d, " %.6f %s %.6f %.6f", rep_median_d(a) / scs[i], num,
				(double)a->min / scs[i], (double)a->max / scs[i]);
		}
		fputc('\n', d);
	}
	if (rep_stage_close(d))
		return -1;

	size_t cols = np < 3 ? np : 3, rows = (np + cols - 1) / cols;
	int pw = chart_width(R, 100, slot_px(R, 90), 300, 800);
	int w = pw * (int)cols, h = 290 * (int)rows + 40;
	if (w < 560)
		w = 560;
	FILE *g = rep_stage_open(R, "phases.gp");
	if (!g)
		return -1;
	gp_begin(g, "phases", "each phase.* stat per variant", w, h);
	char *keys = rep_join_keys(R);
	char *by = keys ? cli_fmt("stats inside each phase, by %s", keys) : NULL;
	char *t = plot_title(R, by ? by : "stats inside each phase");
	free(by);
	free(keys);
	fprintf(g, "  set multiplot layout %zu,%zu title ", rows, cols);
	gp_str(g, t);
	free(t);
	fputs(" font \",12\" margins 0.07,0.98,0.07,0.88 spacing 0.09,0.14\n", g);
	fputs("  set boxwidth 0.6 absolute\n  unset key\n", g);
	gp_xtics(g, R, pw - 80);
	fputs("  unset xlabel\n", g);
	for (size_t i = 0; i < np; i++) {
		const char *name = R->stats[ph[i]] + strlen("phase.");
		const char *dot = strchr(name, '.');
		char *pt = dot ? cli_fmt("%.*s: %s", (int)(dot - name), name, dot + 1)
			       : strdup(name);
		fputs("  set title ", g);
		gp_str(g, pt);
		free(pt);
		size_t nl = strlen(name);
		bool cyc = nl >= 6 && !strcmp(name + nl - 6, "cycles");
		fprintf(g, "\n  set ylabel \"%s%s\"\n", cyc ? "cycles" : "count", units[i]);
		fprintf(g, "  set yrange [0:%.6f]\n", maxs[i] * 1.22 + 1e-9);
		size_t c = 2 + 4 * i;
		fprintf(g, "  plot \"phases.dat\" using 1:%zu:($1+1) with boxes lc variable",
			c);
		bool spread = rep_stat_spread(R, ph[i]);
		if (spread)
			fprintf(g, ", \"phases.dat\" using 1:%zu:(0):($%zu-$%zu) with vectors "
				"heads size screen 0.006,90 lc rgb \"#202020\"", c + 2, c + 3,
				c + 2);
		if (label_fits((double)(pw - 80) / ((double)R->nvars + 0.2),
			       median_chars(R, ph[i])))
			fprintf(g, ", \"phases.dat\" using 1:%zu:%zu with labels offset 0,0.8",
				spread ? c + 3 : c, c + 1);
		fputc('\n', g);
	}
	fputs("  unset multiplot\n", g);
	gp_end(g);
	*made = true;
	return rep_stage_close(g);
}

/* Runs gnuplot on @name.gp inside the staging folder.  A missing or failing
 * gnuplot is a warning: report.md and the scripts are still written. */
static void run_gnuplot(const struct rep *R, const char *name, bool *warned)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (chdir(R->dir))
			_exit(126);
		int fd = open("gnuplot.err", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int nul = open("/dev/null", O_RDWR);
		if (fd >= 0)
			dup2(fd, 2);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		char *gp = cli_fmt("%s.gp", name);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	char *errp = cli_fmt("%s/gnuplot.err", R->dir);
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127) {
		if (!*warned)
			fprintf(stderr, "tdpsim: warning: gnuplot not found: the plots are "
				"not rendered (install gnuplot-nox, then run 'gnuplot "
				"NAME.gp' in the report folder)\n");
		*warned = true;
	} else if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
		fprintf(stderr, "tdpsim: warning: gnuplot failed on %s.gp:\n", name);
		FILE *e = fopen(errp, "r");
		char line[512];
		for (int i = 0; e && i < 6 && fgets(line, sizeof(line), e); i++)
			fprintf(stderr, "  %s", line);
		if (e)
			fclose(e);
	}
	unlink(errp);
	free(errp);
}

const char *const rep_plot_name[REP_NPLOTS] = { "cycles", "exits", "phases", "tlb" };
const char *const rep_plot_title[REP_NPLOTS] = {
	"Work of every thread by account", "VM exits by kind",
	"Stats inside each phase", "TLB misses and walk references",
};

int report_gp_write(const struct rep *R, bool made[REP_NPLOTS])
{
	static int (*const plot[REP_NPLOTS])(const struct rep *, bool *) = {
		plot_cycles, plot_exits, plot_phases, plot_tlb,
	};
	for (int i = 0; i < REP_NPLOTS; i++)
		made[i] = false;
	for (int i = 0; i < REP_NPLOTS && R->nvars; i++)
		if (plot[i](R, &made[i]))
			return -1;
	return 0;
}

void report_gp_render(const struct rep *R, const bool made[REP_NPLOTS])
{
	bool warned = false;
	for (int i = 0; i < REP_NPLOTS; i++)
		if (made[i])
			run_gnuplot(R, rep_plot_name[i], &warned);
}
