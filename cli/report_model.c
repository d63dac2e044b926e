// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report's result model: JSON results checked and classified (runs,
 * explore chunk summaries), runs grouped into variants by their
 * configuration (scenario and every config key but sim.seed) and chunks
 * into campaigns, the groups labelled by the keys whose values differ, and
 * each stat of a variant summed up over its seeds as median, min and max.
 * Nothing here depends on the time, on paths or on the machine, so the
 * same inputs give the same model.
 */
#include "cli/cli.h"
#include "cli/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int bad_input(const char *file, const char *what)
{
	cli_bad("%s: %s", file, what);
	return -1;
}

static int classify(struct rep *R, json_t *root, const char *file)
{
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "tdpsim")))
		return bad_input(file, "not a tdpsim result (no \"tdpsim\" version)");
	json_t *config = json_object_get(root, "config");
	if (!json_is_object(config))
		return bad_input(file, "not a tdpsim result (no \"config\" object)");
	json_t *jk = json_object_get(root, "kind");
	const char *kind = json_string_value(jk);
	const char *scn = json_string_value(json_object_get(root, "scenario"));
	json_t *js = json_object_get(root, "scenario");
	if (js && !json_is_string(js))
		return bad_input(file, "\"scenario\" is not a string");
	json_t *jr = json_object_get(root, "replay");
	if (jr && !json_is_string(jr) && !json_is_null(jr))
		return bad_input(file, "\"replay\" is not a string");

	if (jk && (!kind || strcmp(kind, "explore-chunk")))
		return bad_input(file, "unknown \"kind\" of result (known: explore-chunk)");
	if (kind) {
		json_t *a = json_object_get(root, "first_seed");
		json_t *b = json_object_get(root, "last_seed");
		json_t *n = json_object_get(root, "seeds_run");
		json_t *ff = json_object_get(root, "first_failing_seed");
		json_t *fs = json_object_get(root, "failing_seeds");
		json_t *v = json_object_get(root, "violations");
		json_t *fe = json_object_get(root, "failed_expectations");
		if (!scn || !json_is_integer(a) || !json_is_integer(b) ||
		    !json_is_integer(n) || !(json_is_integer(ff) || json_is_null(ff)) ||
		    !json_is_array(fs) || !json_is_array(v) || !json_is_array(fe) ||
		    json_integer_value(b) < json_integer_value(a))
			return bad_input(file, "not a valid explore chunk summary "
					 "(scenario, first_seed, last_seed, seeds_run, "
					 "first_failing_seed, failing_seeds)");
		if (json_integer_value(a) < 0 || json_integer_value(n) < 0 ||
		    (json_is_integer(ff) && json_integer_value(ff) < 0))
			return bad_input(file, "a negative seed or seed count (they "
					 "are unsigned)");
		size_t i;
		json_t *x;
		json_array_foreach(fs, i, x)
			if (!json_is_integer(x) || json_integer_value(x) < 0)
				return bad_input(file, "failing_seeds holds a negative "
						 "or non-integer seed");
		GROW(R->chunks, R->nchunks);
		R->chunks[R->nchunks++] = (struct chunk){
			.file = file, .root = root, .config = config, .scenario = scn,
			.replay = json_string_value(jr),
			.first = (uint64_t)json_integer_value(a),
			.last = (uint64_t)json_integer_value(b),
			.run = (uint64_t)json_integer_value(n),
			.failed = json_is_integer(ff),
			.first_fail = json_is_integer(ff) ? (uint64_t)json_integer_value(ff) : 0,
			.failing = fs, .viol = v, .fexp = fe,
		};
		return 0;
	}
	json_t *stats = json_object_get(root, "stats");
	if (!json_is_object(stats))
		return bad_input(file, "not a tdpsim result (no \"stats\" object)");
	const char *k;
	json_t *v;
	json_object_foreach(stats, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			/* Counts are unsigned: a negative one is a wrapped
			 * value, and twice a median must stay in range. */
			char msg[300];
			snprintf(msg, sizeof(msg), "stat '%s' is not %s", k,
				 json_is_integer(v) ? "a count (it is negative)"
						    : "an integer");
			return bad_input(file, msg);
		}
	}
	json_t *vi = json_object_get(root, "violations");
	json_t *fe = json_object_get(root, "failed_expectations");
	if ((vi && !json_is_array(vi)) || (fe && !json_is_array(fe)))
		return bad_input(file, "\"violations\" or \"failed_expectations\" is not a list");
	json_t *seed = json_object_get(config, "sim.seed");
	if (json_is_integer(seed) && json_integer_value(seed) < 0)
		return bad_input(file, "config sim.seed is negative (seeds are unsigned)");
	/* Runs of different MMUs (kvmmu, a Linux tree) are different variants:
	 * the MMU is grouped and labelled like a configuration key. */
	json_t *mmu = json_object_get(root, "mmu");
	if (mmu && !json_is_string(mmu))
		return bad_input(file, "\"mmu\" is not a string");
	if (mmu)
		json_object_set(config, "mmu", mmu);
	/* Runs of different inputs (a replayed trace, its program) are
	 * different variants too, never seeds of one: the input is grouped
	 * and labelled by its path and the first digits of its hash. */
	json_t *in = json_object_get(root, "input");
	if (in) {
		json_t *ip = json_object_get(in, "path"), *ih = json_object_get(in, "sha256");
		json_t *elf = json_object_get(in, "elf");
		if (!json_is_object(in) || !json_is_string(ip) || !json_is_string(ih) ||
		    (elf && !json_is_object(elf)))
			return bad_input(file, "\"input\" is not a path and a sha256");
		char *label = cli_fmt("%s@%.8s", json_string_value(ip), json_string_value(ih));
		json_object_set_new(config, "input", json_string(label));
		free(label);
		if (elf) {
			json_t *ep = json_object_get(elf, "path"), *eh = json_object_get(elf, "sha256");
			label = cli_fmt("%s@%.8s", json_is_string(ep) ? json_string_value(ep) : "?",
					json_is_string(eh) ? json_string_value(eh) : "?");
			json_object_set_new(config, "input.elf", json_string(label));
			free(label);
		}
	}
	GROW(R->runs, R->nruns);
	R->runs[R->nruns++] = (struct rrun){
		.file = file, .root = root, .config = config, .stats = stats,
		.scenario = scn, .replay = json_string_value(jr),
		.seed = json_is_integer(seed) ? json_integer_value(seed) : 0,
	};
	return 0;
}

static size_t group_add(struct group **gs, size_t *ng, const char *scenario,
			json_t *config, size_t member)
{
	char *canon = cli_config_canon(config);
	char *key = cli_fmt("%s\n%s", scenario ? scenario : "", canon);
	free(canon);
	size_t i;
	for (i = 0; i < *ng; i++)
		if (!strcmp((*gs)[i].key, key))
			break;
	if (i == *ng) {
		GROW(*gs, *ng);
		(*gs)[(*ng)++] = (struct group){ .scenario = scenario, .config = config,
						 .key = key };
	} else {
		free(key);
	}
	struct group *g = &(*gs)[i];
	GROW(g->m, g->nm);
	g->m[g->nm++] = member;
	return i;
}

/* A config value as a label: strings as they are, byte counts with a
 * K/M/G/T suffix when exact. */
static char *value_text(const char *key, json_t *v)
{
	if (!v)
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		long long x = (long long)json_integer_value(v);
		const struct param_desc *d = params_find(key);
		if (d && d->type == PARAM_T_U64 && !strcmp(d->unit, "bytes") && x > 0) {
			static const char sfx[] = "KMGT";
			int k = -1;
			while (k < 3 && x % 1024 == 0) {
				x /= 1024;
				k++;
			}
			if (k >= 0)
				return cli_fmt("%lld%c", x, sfx[k]);
		}
		return cli_fmt("%lld", x);
	}
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	return s ? s : strdup("?");
}

static bool same_value(json_t *a, json_t *b)
{
	if (!a || !b)
		return a == b;
	return json_equal(a, b);
}

/* The keys whose values differ between @gs, and each group's label. */
static void label_groups(struct group *gs, size_t ng, char ***keys, size_t *nkeys,
			 bool always_scenario)
{
	*keys = NULL;
	*nkeys = 0;
	bool sdiff = always_scenario;
	for (size_t i = 1; i < ng; i++)
		if (strcmp(gs[i].scenario ? gs[i].scenario : "",
			   gs[0].scenario ? gs[0].scenario : ""))
			sdiff = true;
	if (sdiff) {
		GROW(*keys, *nkeys);
		(*keys)[(*nkeys)++] = strdup("scenario");
	}
	json_t *seen = json_object();
	for (size_t i = 0; i < ng; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(gs[i].config, k, v) {
			if (json_object_get(seen, k))
				continue;
			json_object_set_new(seen, k, json_true());
			if (!strcmp(k, "sim.seed"))
				continue;
			/* Between groups of one scenario: what differs between
			 * scenarios because of their own defaults is no label. */
			bool differ = false;
			for (size_t a = 0; a < ng && !differ; a++)
				for (size_t b = a + 1; b < ng && !differ; b++)
					differ = !strcmp(gs[a].scenario ? gs[a].scenario : "",
							 gs[b].scenario ? gs[b].scenario : "") &&
						 !same_value(json_object_get(gs[a].config, k),
							     json_object_get(gs[b].config, k));
			if (differ) {
				GROW(*keys, *nkeys);
				(*keys)[(*nkeys)++] = strdup(k);
			}
		}
	}
	json_decref(seen);
	for (size_t i = 0; i < ng; i++) {
		struct group *g = &gs[i];
		g->vals = cli_xrealloc(NULL, (*nkeys + 1) * sizeof(char *));
		size_t len = 1;
		for (size_t k = 0; k < *nkeys; k++) {
			if (!strcmp((*keys)[k], "scenario"))
				g->vals[k] = strdup(g->scenario ? g->scenario : "-");
			else
				g->vals[k] = value_text((*keys)[k],
							json_object_get(g->config, (*keys)[k]));
			len += strlen(g->vals[k]) + 2;
		}
		if (!*nkeys) {
			g->label = strdup(g->scenario ? g->scenario : "all runs");
			continue;
		}
		g->label = cli_xrealloc(NULL, len);
		g->label[0] = 0;
		for (size_t k = 0; k < *nkeys; k++) {
			if (k)
				strcat(g->label, ", ");
			strcat(g->label, g->vals[k]);
		}
	}
}

int rep_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int rep_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void build_stats(struct rep *R)
{
	json_t *seen = json_object();
	for (size_t i = 0; i < R->nruns; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(R->runs[i].stats, k, v) {
			if (json_object_get(seen, k))
				continue;
			json_object_set_new(seen, k, json_true());
			GROW(R->stats, R->nstats);
			R->stats[R->nstats++] = k;
		}
	}
	json_decref(seen);
	R->agg = cli_xrealloc(NULL, (R->nvars * R->nstats + 1) * sizeof(struct agg));
	int64_t *vals = NULL;
	for (size_t g = 0; g < R->nvars; g++) {
		struct group *G = &R->vars[g];
		vals = cli_xrealloc(vals, G->nm * sizeof(int64_t));
		if (G->nm > 1)
			R->seeds = true;
		for (size_t s = 0; s < R->nstats; s++) {
			for (size_t i = 0; i < G->nm; i++) {
				json_t *v = json_object_get(R->runs[G->m[i]].stats, R->stats[s]);
				vals[i] = v ? json_integer_value(v) : 0;
			}
			qsort(vals, G->nm, sizeof(int64_t), rep_cmp_i64);
			size_t n = G->nm;
			R->agg[g * R->nstats + s] = (struct agg){
				.min = vals[0], .max = vals[n - 1], .n = n,
				.m2 = n % 2 ? 2 * (uint64_t)vals[n / 2]
					    : (uint64_t)vals[n / 2 - 1] + (uint64_t)vals[n / 2],
			};
		}
	}
	free(vals);
}

const struct agg *rep_agg(const struct rep *R, size_t g, size_t s)
{
	return &R->agg[g * R->nstats + s];
}

bool rep_stat_nonzero(const struct rep *R, size_t s)
{
	for (size_t g = 0; g < R->nvars; g++) {
		const struct agg *a = rep_agg(R, g, s);
		if (a->min || a->max)
			return true;
	}
	return false;
}

bool rep_stat_spread(const struct rep *R, size_t s)
{
	for (size_t g = 0; g < R->nvars; g++)
		if (rep_agg(R, g, s)->min != rep_agg(R, g, s)->max)
			return true;
	return false;
}

bool rep_stat_differs(const struct rep *R, size_t s)
{
	const struct agg *b = rep_agg(R, 0, s);
	for (size_t g = 1; g < R->nvars; g++) {
		const struct agg *a = rep_agg(R, g, s);
		if (a->m2 != b->m2 || a->min != b->min || a->max != b->max)
			return true;
	}
	return false;
}

/* Whether variants @a and @b agree on every stat but the engine's own
 * sim.* counters (medians and ranges). */
bool rep_same_results(const struct rep *R, size_t a, size_t b)
{
	for (size_t s = 0; s < R->nstats; s++) {
		const struct agg *x = rep_agg(R, a, s), *y = rep_agg(R, b, s);
		if (strncmp(R->stats[s], "sim.", 4) &&
		    (x->m2 != y->m2 || x->min != y->min || x->max != y->max))
			return false;
	}
	return true;
}

const char *rep_config_str(json_t *config, const char *key)
{
	json_t *v = json_object_get(config, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

void rep_fmt_num(char *buf, size_t len, int64_t v)
{
	char tmp[32];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)u);
	size_t n = strlen(tmp), o = 0;
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
}

void rep_fmt_median(char *buf, size_t len, uint64_t m2)
{
	rep_fmt_num(buf, len, (int64_t)(m2 / 2));
	if (m2 % 2)
		strncat(buf, ".5", len - strlen(buf) - 1);
}

/* The label keys joined by ", ", or NULL when there are none. */
char *rep_join_keys(const struct rep *R)
{
	if (!R->nlk)
		return NULL;
	size_t len = 1;
	for (size_t k = 0; k < R->nlk; k++)
		len += strlen(R->lk[k]) + 2;
	char *s = cli_xrealloc(NULL, len);
	s[0] = 0;
	for (size_t k = 0; k < R->nlk; k++) {
		if (k)
			strcat(s, ", ");
		strcat(s, R->lk[k]);
	}
	return s;
}

const char *rep_basename(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

double rep_median_d(const struct agg *a)
{
	return (double)a->m2 / 2.0;
}

/* The index of stat @name in R->stats, or R->nstats. */
size_t rep_stat_find(const struct rep *R, const char *name)
{
	size_t s = 0;
	while (s < R->nstats && strcmp(R->stats[s], name))
		s++;
	return s;
}

FILE *rep_stage_open(const struct rep *R, const char *name)
{
	char *p = cli_fmt("%s/%s", R->dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		cli_bad("%s: cannot write (%s)", p, strerror(errno));
	free(p);
	return f;
}

int rep_stage_close(FILE *f)
{
	return fclose(f) ? cli_bad("cannot write the report (%s)", strerror(errno)), -1 : 0;
}

void rep_free(struct rep *R)
{
	struct group *sets[2] = { R->vars, R->camps };
	size_t ns[2] = { R->nvars, R->ncamps };
	size_t nk[2] = { R->nlk, R->nck };
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < ns[k]; i++) {
			struct group *G = &sets[k][i];
			for (size_t j = 0; j < nk[k]; j++)
				free(G->vals[j]);
			free(G->vals);
			free(G->label);
			free(G->key);
			free(G->m);
		}
		free(sets[k]);
	}
	cli_free_names(R->lk, R->nlk);
	cli_free_names(R->ck, R->nck);
	free(R->runs);
	free(R->chunks);
	free(R->stats);
	free(R->agg);
}


/* The one scenario every input names (for the title), or NULL. */
static const char *one_scenario(const struct rep *R)
{
	const char *scn = NULL;
	for (size_t i = 0; i < R->nruns + R->nchunks; i++) {
		const char *s = i < R->nruns ? R->runs[i].scenario
					     : R->chunks[i - R->nruns].scenario;
		if (!s || (scn && strcmp(s, scn)))
			return NULL;
		scn = s;
	}
	return scn;
}

int rep_load(struct rep *R, const char *stage, json_t *const *roots,
	     const char *const *names, size_t n)
{
	*R = (struct rep){ .dir = stage };
	for (size_t i = 0; i < n; i++)
		if (classify(R, roots[i], names[i])) {
			rep_free(R);
			return -1;
		}
	for (size_t i = 0; i < R->nruns; i++)
		group_add(&R->vars, &R->nvars, R->runs[i].scenario, R->runs[i].config, i);
	for (size_t i = 0; i < R->nchunks; i++)
		group_add(&R->camps, &R->ncamps, R->chunks[i].scenario,
			  R->chunks[i].config, i);
	label_groups(R->vars, R->nvars, &R->lk, &R->nlk, false);
	label_groups(R->camps, R->ncamps, &R->ck, &R->nck, true);
	build_stats(R);
	R->scenario = one_scenario(R);
	return 0;
}
