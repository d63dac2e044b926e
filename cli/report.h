/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli/report — tdpsim report's insides (and compare's, which ends in one):
 * the result model, and the two writers that read it.
 *
 *   report_model.c  loads results (runs and explore chunk summaries),
 *                   groups runs into variants by their configuration and
 *                   chunks into campaigns, labels them by the config keys
 *                   that differ, and sums each stat of a variant's seeds up
 *                   as median, min and max;
 *   report_md.c     report.md: tables, notes, violations, campaigns;
 *   report_gp.c     gnuplot scripts and their data, and gnuplot run on them.
 *
 * Everything goes into a staging folder (struct outdir, cli.h) that
 * report.c renames into place.  Input text reaches gnuplot only through
 * gp_text/gp_str (report_gp.c), which filter it.
 */
#ifndef TDPSIM_CLI_REPORT_H
#define TDPSIM_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct agg {
	int64_t min, max;
	uint64_t m2; /* twice the median, so that it stays an integer; values
		      * are 0..INT64_MAX (classify), so twice one fits */
	size_t n;
};

struct rrun {
	const char *file;
	json_t *root, *config, *stats;
	const char *scenario, *replay;
	int64_t seed;
};

struct chunk {
	const char *file;
	json_t *root, *config;
	const char *scenario, *replay;
	uint64_t first, last, run;
	bool failed;
	uint64_t first_fail;
	json_t *failing, *viol, *fexp;
};

/* A variant (of runs) or a campaign (of explore chunks). */
struct group {
	const char *scenario;
	json_t *config;
	char *key;
	size_t *m;
	size_t nm;
	char **vals;
	char *label;
};

struct rep {
	const char *dir;
	struct rrun *runs;
	size_t nruns;
	struct chunk *chunks;
	size_t nchunks;
	struct group *vars, *camps;
	size_t nvars, ncamps;
	char **lk, **ck; /* label keys of variants and of campaigns */
	size_t nlk, nck;
	const char **stats;
	size_t nstats;
	struct agg *agg; /* [variant * nstats + stat] */
	const char *scenario; /* the one scenario of every input, or NULL */
	bool seeds;           /* some variant has more than one run */
};


/* --- the model (report_model.c) --- */
/* Loads @n results (@roots, read from @names) into @R, whose files go to
 * the folder @stage; 0, or -1 on bad input (printed, @R freed). */
int rep_load(struct rep *R, const char *stage, json_t *const *roots,
	     const char *const *names, size_t n);
void rep_free(struct rep *R);
/* Stat @s of variant @g. */
const struct agg *rep_agg(const struct rep *R, size_t g, size_t s);
/* The index of stat @name in R->stats, or R->nstats. */
size_t rep_stat_find(const struct rep *R, const char *name);
/* Whether stat @s is nonzero in some variant; has a min..max spread in
 * some variant; differs between variants. */
bool rep_stat_nonzero(const struct rep *R, size_t s);
bool rep_stat_spread(const struct rep *R, size_t s);
bool rep_stat_differs(const struct rep *R, size_t s);
/* Whether variants @a and @b agree on every stat but the engine's own
 * sim.* counters (medians and ranges). */
bool rep_same_results(const struct rep *R, size_t a, size_t b);
double rep_median_d(const struct agg *a);
/* A string config value, or "". */
const char *rep_config_str(json_t *config, const char *key);
/* The label keys joined by ", ", or NULL when there are none (malloc'd). */
char *rep_join_keys(const struct rep *R);
const char *rep_basename(const char *path);
int rep_cmp_i64(const void *a, const void *b);
int rep_cmp_u64(const void *a, const void *b);
/* 1,234,567; a median (twice its value in @m2) with ".5" when it is one. */
void rep_fmt_num(char *buf, size_t len, int64_t v);
void rep_fmt_median(char *buf, size_t len, uint64_t m2);
/* A file of the staging folder: open (message printed on failure) and
 * close (0, or -1 with a message). */
FILE *rep_stage_open(const struct rep *R, const char *name);
int rep_stage_close(FILE *f);

/* --- the plots (report_gp.c) --- */
enum { REP_NPLOTS = 4 };
/* Each plot's file name and title, in the order of made[]. */
extern const char *const rep_plot_name[REP_NPLOTS];
extern const char *const rep_plot_title[REP_NPLOTS];
/* Writes NAME.gp and NAME.dat of every plot the results have data for
 * (made[i]); 0, or -1 (printed). */
int report_gp_write(const struct rep *R, bool made[REP_NPLOTS]);
/* Renders them with gnuplot, if it is installed (else one warning). */
void report_gp_render(const struct rep *R, const bool made[REP_NPLOTS]);

/* --- report.md (report_md.c) --- */
int report_md_write(const struct rep *R, const bool made[REP_NPLOTS]);

#endif
