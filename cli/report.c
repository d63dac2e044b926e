// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim report, and what compare and explore's campaign options share with
 * it: merging JSON results (runs written by compare or by run --json, and
 * explore chunk summaries from a campaign) into DIR/report.md, with gnuplot
 * scripts, their data, and PNG and SVG plots.
 *
 * Runs are grouped into variants by their configuration (scenario and every
 * config key but sim.seed); the keys whose values differ between variants
 * label them.  The runs of one variant (its seeds) are summarised by median,
 * min and max.  Nothing in report.md depends on the time, on paths or on the
 * machine, so the same inputs give a byte-identical report.
 *
 * Output goes to a staging folder first and is renamed into place at the
 * end, so bad input leaves no partial report behind.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <jansson.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------- helpers */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("tdpsim: out of memory\n", stderr);
		exit(EXIT_BADINPUT);
	}
	return p;
}

/* Makes room for one more element at arr[n]. */
#define GROW(arr, n) ((arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr))))

char *cli_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("tdpsim: out of memory\n", stderr);
		exit(EXIT_BADINPUT);
	}
	return s;
}

char *cli_self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("tdpsim");
	buf[n] = 0;
	return strdup(buf);
}

int cli_parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	/* Each end as every number of the program: decimal or 0x hex. */
	const char *dots = strstr(s, "..");
	char first[32];
	size_t n = dots ? (size_t)(dots - s) : strlen(s);
	if (n == 0 || n >= sizeof(first))
		return -1;
	memcpy(first, s, n);
	first[n] = 0;
	if (sim_parse_u64(first, a))
		return -1;
	if (!dots) {
		*b = *a;
		return 0;
	}
	return sim_parse_u64(dots + 2, b) || *b < *a ? -1 : 0;
}

int cli_mkdirs(const char *path)
{
	char *p = strdup(path);
	int rc = 0;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (!rc && mkdir(p, 0777) && errno != EEXIST)
		rc = -1;
	struct stat st;
	if (!rc && (stat(p, &st) || !S_ISDIR(st.st_mode)))
		rc = -1;
	free(p);
	return rc;
}

json_t *cli_config_json(const struct params *p)
{
	json_t *o = json_object();
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char buf[128];
		params_get(p, d, buf, sizeof(buf));
		json_object_set_new(o, d->key,
				    d->type == PARAM_T_U64
					    ? json_integer((json_int_t)strtoull(buf, NULL, 10))
					    : json_string(buf));
	}
	return o;
}

int cli_write_json(json_t *root, const char *path)
{
	struct outfile of;
	int rc = 0, e = 0;
	if (outfile_open(&of, path)) {
		rc = -1;
		e = errno;
	} else if (json_dumpf(root, of.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		   fputc('\n', of.f) == EOF) {
		rc = -1;
		e = errno;
		outfile_abort(&of);
	} else if (outfile_commit(&of)) {
		rc = -1;
		e = errno;
	}
	if (rc)
		cli_bad("%s: cannot write (%s)", path, strerror(e ? e : EIO));
	return rc;
}

/* The configuration without sim.seed, canonical (sorted keys). */
static char *canon_config(json_t *config)
{
	json_t *c = json_copy(config);
	json_object_del(c, "sim.seed");
	char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(c);
	return s ? s : strdup("");
}

char *cli_config_tag(const char *scenario, json_t *config)
{
	char *c = canon_config(config);
	uint32_t h = 2166136261u;
	for (const char *p = scenario; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (const char *p = c; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	free(c);
	return cli_fmt("%08x", h);
}

/* -------------------------------------------------------- output folders */

static int rm_cb(const char *path, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The janitor: a process forked beside each staging folder that removes it
 * when tdpsim dies before committing or aborting it (SIGINT, SIGTERM, the
 * OOM killer, a crash: the staging folder stayed forever).  It waits for a
 * byte on a pipe only tdpsim holds; end of file without that byte means
 * tdpsim is gone.  It ignores the terminal's and the group's SIGINT, SIGTERM
 * and SIGHUP, which are meant for tdpsim.  Forked workers close their copy
 * of the pipe (outdir_in_child), or it would stay open as long as they run.
 */
static int janitor_fd = -1;

static void janitor_start(struct outdir *od)
{
	int p[2];
	if (pipe(p))
		return; /* no janitor: stale folders go at the next run */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		for (int fd = 3; fd < 256; fd++)
			if (fd != p[0])
				close(fd);
		char c;
		ssize_t n;
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n <= 0)
			rm_rf(od->stage);
		_exit(0);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	od->janitor = pid;
	janitor_fd = od->jfd = p[1];
}

static void janitor_stop(struct outdir *od)
{
	if (!od->janitor)
		return;
	/* A janitor that was killed must not take us with it (SIGPIPE). */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	if (write(od->jfd, "x", 1) != 1) {
		/* It then cleans what is left of the stage, which is nothing. */
	}
	signal(SIGPIPE, old);
	close(od->jfd);
	janitor_fd = -1;
	while (waitpid(od->janitor, NULL, 0) < 0 && errno == EINTR)
		;
	od->janitor = 0;
}

void outdir_in_child(void)
{
	if (janitor_fd >= 0)
		close(janitor_fd);
	janitor_fd = -1;
}

/* Removes the staging folders of tdpsim processes that are gone: NAME.PID
 * entries of @dir whose NAME is one of ours and whose PID is not running. */
static void remove_stale(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t pl = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, pl))
			continue;
		char *end;
		errno = 0;
		long pid = strtol(e->d_name + pl, &end, 10);
		if (errno || *end || pid <= 0 || pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *path = cli_fmt("%s/%s", dir, e->d_name);
		rm_rf(path);
		free(path);
	}
	closedir(d);
}

int outdir_open(struct outdir *od, const char *dir)
{
	memset(od, 0, sizeof(*od));
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return cli_bad("empty output folder name"), -1;
	od->dir = strndup(dir, n);
	struct stat st;
	int rc = 0;
	if (stat(od->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			rc = cli_bad("%s: exists and is not a folder", od->dir);
			goto fail;
		}
		od->stage = cli_fmt("%s/.tdpsim-stage.%d", od->dir, (int)getpid());
	} else {
		char *slash = strrchr(od->dir, '/');
		if (slash && slash != od->dir) {
			*slash = 0;
			rc = cli_mkdirs(od->dir);
			*slash = '/';
			if (rc) {
				cli_bad("%s: cannot create its parent folder", od->dir);
				goto fail;
			}
		}
		od->stage = cli_fmt("%s.tdpsim-tmp.%d", od->dir, (int)getpid());
		od->fresh = true;
	}
	/* Folders a killed tdpsim left behind (before the janitor, or a
	 * SIGKILL of the whole process group). */
	if (od->fresh) {
		char *parent = strdup(od->dir), *slash = strrchr(parent, '/');
		const char *base = slash ? slash + 1 : od->dir;
		if (slash)
			slash[slash == parent] = 0;
		char *prefix = cli_fmt("%s.tdpsim-tmp.", base);
		remove_stale(slash ? parent : ".", prefix);
		free(prefix);
		free(parent);
	} else {
		remove_stale(od->dir, ".tdpsim-stage.");
		remove_stale(od->dir, ".tdpsim-old.");
	}
	if (mkdir(od->stage, 0777)) {
		cli_bad("%s: cannot create (%s)", od->stage, strerror(errno));
		free(od->stage); /* not ours to remove */
		od->stage = NULL;
		goto fail;
	}
	janitor_start(od);
	return 0;
fail:
	/* Nothing was created: free the names (they leaked, and under ASan
	 * the leak report turned this exit 2 into exit 1). */
	outdir_abort(od);
	return -1;
}

void outdir_abort(struct outdir *od)
{
	if (od->stage)
		rm_rf(od->stage);
	janitor_stop(od);
	free(od->stage);
	free(od->dir);
	memset(od, 0, sizeof(*od));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the entries of @dir (not . and ..), sorted; -1 if unreadable. */
static int list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		GROW(*names, *n);
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int outdir_commit(struct outdir *od, const char *const *owned, size_t nowned)
{
	int rc = 0;
	if (od->fresh) {
		if (rename(od->stage, od->dir)) {
			rc = cli_bad("%s: cannot rename %s into place (%s)", od->dir,
				     od->stage, strerror(errno));
			outdir_abort(od);
			return -1;
		}
		free(od->stage);
		od->stage = NULL;
		outdir_abort(od);
		return 0;
	}
	/* Replace the entries one by one; what they replace (and what an
	 * earlier report wrote that this one does not) goes to @old. */
	char *old = cli_fmt("%s/.tdpsim-old.%d", od->dir, (int)getpid());
	char **names;
	size_t n;
	if (mkdir(old, 0777) || list_dir(od->stage, &names, &n)) {
		cli_bad("%s: cannot write (%s)", od->dir, strerror(errno));
		rm_rf(old);
		free(old);
		outdir_abort(od);
		return -1;
	}
	for (size_t i = 0; i < nowned; i++) {
		char *dst = cli_fmt("%s/%s", od->dir, owned[i]);
		char *to = cli_fmt("%s/%s", old, owned[i]);
		struct stat st;
		if (lstat(dst, &st) == 0)
			rename(dst, to);
		free(dst);
		free(to);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *src = cli_fmt("%s/%s", od->stage, names[i]);
		char *dst = cli_fmt("%s/%s", od->dir, names[i]);
		char *to = cli_fmt("%s/%s", old, names[i]);
		struct stat st;
		if (lstat(dst, &st) == 0)
			rename(dst, to);
		if (rename(src, dst))
			rc = cli_bad("%s: cannot write (%s)", dst, strerror(errno));
		free(src);
		free(dst);
		free(to);
	}
	free_names(names, n);
	rm_rf(old);
	free(old);
	outdir_abort(od);
	return rc ? -1 : 0;
}

/* ------------------------------------------------------------ the model */

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
	char *canon = canon_config(config);
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
		g->vals = xrealloc(NULL, (*nkeys + 1) * sizeof(char *));
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
		g->label = xrealloc(NULL, len);
		g->label[0] = 0;
		for (size_t k = 0; k < *nkeys; k++) {
			if (k)
				strcat(g->label, ", ");
			strcat(g->label, g->vals[k]);
		}
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
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
	R->agg = xrealloc(NULL, (R->nvars * R->nstats + 1) * sizeof(struct agg));
	int64_t *vals = NULL;
	for (size_t g = 0; g < R->nvars; g++) {
		struct group *G = &R->vars[g];
		vals = xrealloc(vals, G->nm * sizeof(int64_t));
		if (G->nm > 1)
			R->seeds = true;
		for (size_t s = 0; s < R->nstats; s++) {
			for (size_t i = 0; i < G->nm; i++) {
				json_t *v = json_object_get(R->runs[G->m[i]].stats, R->stats[s]);
				vals[i] = v ? json_integer_value(v) : 0;
			}
			qsort(vals, G->nm, sizeof(int64_t), cmp_i64);
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

static const struct agg *agg_of(const struct rep *R, size_t g, size_t s)
{
	return &R->agg[g * R->nstats + s];
}

static bool stat_nonzero(const struct rep *R, size_t s)
{
	for (size_t g = 0; g < R->nvars; g++) {
		const struct agg *a = agg_of(R, g, s);
		if (a->min || a->max)
			return true;
	}
	return false;
}

static bool stat_spread(const struct rep *R, size_t s)
{
	for (size_t g = 0; g < R->nvars; g++)
		if (agg_of(R, g, s)->min != agg_of(R, g, s)->max)
			return true;
	return false;
}

static bool stat_differs(const struct rep *R, size_t s)
{
	const struct agg *b = agg_of(R, 0, s);
	for (size_t g = 1; g < R->nvars; g++) {
		const struct agg *a = agg_of(R, g, s);
		if (a->m2 != b->m2 || a->min != b->min || a->max != b->max)
			return true;
	}
	return false;
}

/* Whether variants @a and @b agree on every stat but the engine's own
 * sim.* counters (medians and ranges). */
static bool same_results(const struct rep *R, size_t a, size_t b)
{
	for (size_t s = 0; s < R->nstats; s++) {
		const struct agg *x = agg_of(R, a, s), *y = agg_of(R, b, s);
		if (strncmp(R->stats[s], "sim.", 4) &&
		    (x->m2 != y->m2 || x->min != y->min || x->max != y->max))
			return false;
	}
	return true;
}

static void md_cell(FILE *f, const char *s);

static const char *config_str(json_t *config, const char *key)
{
	json_t *v = json_object_get(config, key);
	return json_is_string(v) ? json_string_value(v) : "";
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
			if (!same_results(R, u, v))
				continue;
			note = cli_fmt("variant %zu (%s) gave the same results as variant "
				       "%zu (%s): what differs between them had no effect "
				       "here", v + 1, G->label, u + 1, R->vars[u].label);
			for (int k = 0; k < 2; k++) {
				json_t *c = k ? R->vars[u].config : G->config;
				amd_pml |= !strcmp(config_str(c, "cpu.vendor"), "amd") &&
					   !strcmp(config_str(c, "mmu.dirty_log"), "pml") &&
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
			    agg_of(R, v, s)->min != agg_of(R, v, s)->max)
				seeds_same = false;
		char *snote = NULL;
		if (seeds_same)
			snote = cli_fmt("the %zu seeds of variant %zu (%s) gave identical "
					"results: %s", G->nm, v + 1, G->label,
					!strcmp(config_str(G->config, "sim.mode"), "timed")
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

/* ------------------------------------------------------------ formatting */

static void fmt_num(char *buf, size_t len, int64_t v)
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

static void fmt_median(char *buf, size_t len, uint64_t m2)
{
	fmt_num(buf, len, (int64_t)(m2 / 2));
	if (m2 % 2)
		strncat(buf, ".5", len - strlen(buf) - 1);
}

static void fmt_agg(char *buf, size_t len, const struct agg *a)
{
	char m[48], lo[48], hi[48];
	fmt_median(m, sizeof(m), a->m2);
	if (a->min == a->max) {
		snprintf(buf, len, "%s", m);
		return;
	}
	fmt_num(lo, sizeof(lo), a->min);
	fmt_num(hi, sizeof(hi), a->max);
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
		fmt_num(buf, len, (int64_t)(r + 0.5));
	else if (r >= 0.01 || r <= -0.01)
		snprintf(buf, len, "%.2f", r);
	else
		snprintf(buf, len, "%.2g", r);
}

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

/* Inline code that may itself contain backticks. */
static void md_code(FILE *f, const char *s)
{
	const char *fence = strchr(s, '`') ? "`` " : "`";
	fputs(fence, f);
	md_cell(f, s);
	fputs(strchr(s, '`') ? " ``" : "`", f);
}

/* The label keys joined by ", ", or NULL when there are none. */
static char *join_keys(const struct rep *R)
{
	if (!R->nlk)
		return NULL;
	size_t len = 1;
	for (size_t k = 0; k < R->nlk; k++)
		len += strlen(R->lk[k]) + 2;
	char *s = xrealloc(NULL, len);
	s[0] = 0;
	for (size_t k = 0; k < R->nlk; k++) {
		if (k)
			strcat(s, ", ");
		strcat(s, R->lk[k]);
	}
	return s;
}

static void stats_table(FILE *f, const struct rep *R, const size_t *rows,
			size_t nrows)
{
	char *keys = join_keys(R);
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
			fmt_agg(buf, sizeof(buf), agg_of(R, g, s));
			fprintf(f, " %s |", buf);
			if (g) {
				fmt_ratio(buf, sizeof(buf), agg_of(R, g, s), agg_of(R, 0, s));
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
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		int p = order[o];
		for (size_t s = 0; s < R->nstats; s++) {
			if (used[s] || fnmatch(key_patterns[p], R->stats[s], 0))
				continue;
			if (p >= KEY_ALWAYS && !stat_nonzero(R, s))
				continue;
			used[s] = true;
			rows[n++] = s;
		}
	}
	return n;
}

static void seeds_text(FILE *f, const struct rep *R, const struct group *G)
{
	int64_t *s = xrealloc(NULL, G->nm * sizeof(int64_t));
	for (size_t i = 0; i < G->nm; i++)
		s[i] = R->runs[G->m[i]].seed;
	qsort(s, G->nm, sizeof(int64_t), cmp_i64);
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

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
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
		md_cell(f, basename_of(R->runs[G->m[0]].file));
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
			char *who = cli_fmt("%s (%s)", G->label, basename_of(r->file));
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
	struct range *rg = xrealloc(NULL, G->nm * sizeof(*rg));
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
			fprintf(f, "%s* %s\n", any ? "" : "**Warning: seeds missing.** "
				"The first failing seed below is the first among the seeds "
				"run only.\n\n", msg);
			fprintf(stderr, "tdpsim report: warning: %s\n", msg);
			free(msg);
			any = true;
		}
		free(rg);
		for (size_t i = 0; i < G->nm; i++) {
			const struct chunk *ch = &R->chunks[G->m[i]];
			uint64_t want = ch->last - ch->first + 1;
			if (ch->failed || (want != 0 && ch->run >= want))
				continue;
			char *msg = cli_fmt("%s: %s ran %llu of the %llu seeds %llu..%llu "
					    "and found no failure: seeds are missing",
					    G->label, basename_of(ch->file),
					    (unsigned long long)ch->run,
					    (unsigned long long)want,
					    (unsigned long long)ch->first,
					    (unsigned long long)ch->last);
			fprintf(f, "%s* %s\n", any ? "" : "**Warning: seeds missing.** "
				"The first failing seed below is the first among the seeds "
				"run only.\n\n", msg);
			fprintf(stderr, "tdpsim report: warning: %s\n", msg);
			free(msg);
			any = true;
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
			qsort(fs, nfs, sizeof(uint64_t), cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < nfs; i++)
			if (!u || fs[u - 1] != fs[i])
				fs[u++] = fs[i];
		char num[48];
		fmt_num(num, sizeof(num), (int64_t)run);
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

/* ------------------------------------------------------------- gnuplot */


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
	for (size_t i = 0; i < sizeof(palette) / sizeof(palette[0]); i++)
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
	char *xl = join_keys(R);
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
		fmt_median(num, sizeof(num), agg_of(R, v, s)->m2);
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

static FILE *stage_open(const struct rep *R, const char *name)
{
	char *p = cli_fmt("%s/%s", R->dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		cli_bad("%s: cannot write (%s)", p, strerror(errno));
	free(p);
	return f;
}

static int stage_close(FILE *f)
{
	return fclose(f) ? cli_bad("cannot write the report (%s)", strerror(errno)), -1 : 0;
}

static double median_d(const struct agg *a)
{
	return (double)a->m2 / 2.0;
}

/* The index of stat @name in R->stats, or R->nstats. */
static size_t stat_find(const struct rep *R, const char *name)
{
	size_t s = 0;
	while (s < R->nstats && strcmp(R->stats[s], name))
		s++;
	return s;
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
	size_t total = stat_find(R, "threads.work");
	bool all = total < R->nstats;
	if (!all)
		total = stat_find(R, "cycles");
	for (size_t s = 0; s < R->nstats && na < 64; s++) {
		const char *n = R->stats[s];
		if (all ? fnmatch("threads.cycles.*", n, 0) || !strcmp(n, "threads.cycles.idle") ||
				  !strcmp(n, "threads.cycles.wait")
			: (bool)fnmatch("cycles.*", n, 0))
			continue;
		if (stat_nonzero(R, s))
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
			t += median_d(agg_of(R, v, acc[i]));
		if (t > max)
			max = t;
		if ((double)agg_of(R, v, total)->max > max)
			max = (double)agg_of(R, v, total)->max;
	}
	const char *unit;
	double sc = scale_for(max, &unit);
	FILE *d = stage_open(R, "cycles.dat");
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
			fprintf(d, " %.6f", median_d(agg_of(R, v, acc[i])) / sc);
		const struct agg *t = agg_of(R, v, total);
		char num[48];
		fmt_median(num, sizeof(num), t->m2);
		fprintf(d, " %.6f %s %.6f %.6f\n", median_d(t) / sc, num,
			(double)t->min / sc, (double)t->max / sc);
		if (strlen(num) > tchars)
			tchars = strlen(num);
	}
	if (stage_close(d))
		return -1;

	char *t = plot_title(R, all ? "work of every thread (vCPUs, VMM, kthreads) by account"
				    : "vCPU cycles by account");
	int w = title_width(t, chart_width(R, 290, slot_px(R, 100), 760, 2400), 290), h = 520;
	FILE *g = stage_open(R, "cycles.gp");
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
	bool spread = stat_spread(R, total);
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
	return stage_close(g);
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
			if (!fnmatch(*p, R->stats[s], 0) && stat_nonzero(R, s))
				ex[ne++] = s;
	*made = false;
	if (!ne)
		return 0;
	double max = 0;
	for (size_t v = 0; v < R->nvars; v++)
		for (size_t i = 0; i < ne; i++) {
			double x = (double)agg_of(R, v, ex[i])->max;
			if (x > max)
				max = x;
		}
	const char *unit;
	double sc = scale_for(max, &unit);
	char *fn = cli_fmt("%s.dat", G->name);
	FILE *d = stage_open(R, fn);
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
			const struct agg *a = agg_of(R, v, ex[i]);
			char num[48];
			fmt_median(num, sizeof(num), a->m2);
			fprintf(d, " %.6f %s %.6f %.6f", median_d(a) / sc, num,
				(double)a->min / sc, (double)a->max / sc);
		}
		fputc('\n', d);
	}
	if (stage_close(d))
		return -1;

	char *t = plot_title(R, G->title);
	int w = title_width(t, chart_width(R, 260, slot_px(R, 40 + 40 * (int)ne), 760, 2400),
			    260);
	int h = 520;
	char *gn = cli_fmt("%s.gp", G->name);
	FILE *g = stage_open(R, gn);
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
		spread |= stat_spread(R, ex[i]);
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
	return stage_close(g);
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
		if (!fnmatch("phase.*", R->stats[s], 0) && stat_nonzero(R, s))
			ph[np++] = s;
	*made = false;
	if (!np)
		return 0;
	const char *units[64];
	double scs[64], maxs[64];
	for (size_t i = 0; i < np; i++) {
		double max = 0;
		for (size_t v = 0; v < R->nvars; v++)
			if ((double)agg_of(R, v, ph[i])->max > max)
				max = (double)agg_of(R, v, ph[i])->max;
		scs[i] = scale_for(max, &units[i]);
		maxs[i] = max / scs[i];
	}
	FILE *d = stage_open(R, "phases.dat");
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
			const struct agg *a = agg_of(R, v, ph[i]);
			char num[48];
			fmt_median(num, sizeof(num), a->m2);
			fprintf(d, " %.6f %s %.6f %.6f", median_d(a) / scs[i], num,
				(double)a->min / scs[i], (double)a->max / scs[i]);
		}
		fputc('\n', d);
	}
	if (stage_close(d))
		return -1;

	size_t cols = np < 3 ? np : 3, rows = (np + cols - 1) / cols;
	int pw = chart_width(R, 100, slot_px(R, 90), 300, 800);
	int w = pw * (int)cols, h = 290 * (int)rows + 40;
	if (w < 560)
		w = 560;
	FILE *g = stage_open(R, "phases.gp");
	if (!g)
		return -1;
	gp_begin(g, "phases", "each phase.* stat per variant", w, h);
	char *keys = join_keys(R);
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
		bool spread = stat_spread(R, ph[i]);
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
	return stage_close(g);
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

/* ------------------------------------------------------------ the report */

static void rep_free(struct rep *R)
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
	free_names(R->lk, R->nlk);
	free_names(R->ck, R->nck);
	free(R->runs);
	free(R->chunks);
	free(R->stats);
	free(R->agg);
}

const char *const report_owned[] = {
	"report.md",
	"cycles.png", "cycles.svg", "cycles.gp", "cycles.dat",
	"exits.png", "exits.svg", "exits.gp", "exits.dat",
	"phases.png", "phases.svg", "phases.gp", "phases.dat",
	"tlb.png", "tlb.svg", "tlb.gp", "tlb.dat",
};
const size_t report_nowned = sizeof(report_owned) / sizeof(report_owned[0]);

int report_generate(const char *stage, json_t *const *roots,
		    const char *const *names, size_t n)
{
	struct rep R = { .dir = stage };
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = classify(&R, roots[i], names[i]);
	if (rc) {
		rep_free(&R);
		return -1;
	}
	for (size_t i = 0; i < R.nruns; i++)
		group_add(&R.vars, &R.nvars, R.runs[i].scenario, R.runs[i].config, i);
	for (size_t i = 0; i < R.nchunks; i++)
		group_add(&R.camps, &R.ncamps, R.chunks[i].scenario, R.chunks[i].config, i);
	label_groups(R.vars, R.nvars, &R.lk, &R.nlk, false);
	label_groups(R.camps, R.ncamps, &R.ck, &R.nck, true);
	build_stats(&R);

	/* The one scenario every input names, for the title. */
	const char *scn = NULL;
	bool one = true;
	for (size_t i = 0; i < R.nruns + R.nchunks && one; i++) {
		const char *s = i < R.nruns ? R.runs[i].scenario
					    : R.chunks[i - R.nruns].scenario;
		if (!s || (scn && strcmp(s, scn)))
			one = false;
		scn = s;
	}
	R.scenario = one ? scn : NULL;

	bool made[4] = { false, false, false, false };
	if (R.nvars && (plot_cycles(&R, &made[0]) || plot_exits(&R, &made[1]) ||
			plot_phases(&R, &made[2]) || plot_tlb(&R, &made[3]))) {
		rep_free(&R);
		return -1;
	}

	FILE *f = stage_open(&R, "report.md");
	if (!f) {
		rep_free(&R);
		return -1;
	}
	if (R.scenario)
		fprintf(f, "# tdpsim report: %s\n\n", R.scenario);
	else
		fputs("# tdpsim report\n\n", f);
	const struct scenario *sc = R.scenario ? scenario_find(R.scenario) : NULL;
	if (sc && sc->summary)
		fprintf(f, "> %s\n\n", sc->summary);

	if (R.nvars) {
		if (R.nvars == 1) {
			fprintf(f, "One variant, %zu run%s.", R.nruns, R.nruns > 1 ? "s" : "");
		} else {
			fprintf(f, "%zu variants, differing in ", R.nvars);
			for (size_t k = 0; k < R.nlk; k++)
				fprintf(f, "%s`%s`", k ? (k + 1 == R.nlk ? " and " : ", ") : "",
					R.lk[k]);
			fprintf(f, "; %zu run%s. Columns `÷ ", R.nruns, R.nruns > 1 ? "s" : "");
			md_cell(f, R.vars[0].label);
			fputs("` divide by the first variant: `=` is the same value, "
			      "`—` a zero base.", f);
		}
		if (R.seeds)
			fputs(" Values are the median over a variant's seeds, with "
			      "[min..max] when they differ.", f);
		fputs("\n\n", f);
		variants_section(f, &R);
		notes_section(f, &R);

		bool *used = xrealloc(NULL, (R.nstats + 1) * sizeof(bool));
		size_t *rows = xrealloc(NULL, (R.nstats + 1) * sizeof(size_t));
		memset(used, 0, (R.nstats + 1) * sizeof(bool));
		size_t nr = key_rows(&R, rows, used);
		fputs("## Key stats\n\nAccesses, cycles and their accounts, exits, TLB "
		      "misses, walks, IPIs, flushes, folio dirtying, mmu_lock hold "
		      "times and violations; those that are 0 in every run are left "
		      "out.\n\n", f);
		stats_table(f, &R, rows, nr);

		nr = 0;
		for (size_t s = 0; s < R.nstats; s++)
			if (!used[s] && !fnmatch("phase.*", R.stats[s], 0) &&
			    stat_nonzero(&R, s)) {
				used[s] = true;
				rows[nr++] = s;
			}
		if (nr) {
			fputs("## Phases\n\nStats counted inside each named phase of the "
			      "scenario's timeline (nonzero ones).\n\n", f);
			stats_table(f, &R, rows, nr);
		}
		if (R.nvars > 1) {
			nr = 0;
			for (size_t s = 0; s < R.nstats; s++)
				if (!used[s] && strncmp(R.stats[s], "sim.", 4) &&
				    strncmp(R.stats[s], "phase.", 6) && stat_differs(&R, s))
					rows[nr++] = s;
			if (nr) {
				fputs("## Other stats that differ\n\n(The engine's own sim.* "
				      "counters are left out.)\n\n", f);
				stats_table(f, &R, rows, nr);
			}
		}
		free(used);
		free(rows);
		violations_section(f, &R);
		if (made[0] || made[1] || made[2] || made[3]) {
			fputs("## Plots\n\n", f);
			static const char *const pn[] = { "cycles", "exits", "phases", "tlb" };
			static const char *const pt[] = {
				"Work of every thread by account", "VM exits by kind",
				"Stats inside each phase", "TLB misses and walk references",
			};
			for (int i = 0; i < 4; i++)
				if (made[i])
					fprintf(f, "![%s](%s.png)\n\n%s: [%s.svg](%s.svg), "
						"[%s.png](%s.png); gnuplot script %s.gp, "
						"data %s.dat.\n\n", pt[i], pn[i], pt[i], pn[i],
						pn[i], pn[i], pn[i], pn[i], pn[i]);
		}
	}
	if (R.ncamps)
		explore_section(f, &R);
	if (stage_close(f)) {
		rep_free(&R);
		return -1;
	}
	bool warned = false;
	static const char *const pn[] = { "cycles", "exits", "phases", "tlb" };
	for (int i = 0; i < 4; i++)
		if (made[i])
			run_gnuplot(&R, pn[i], &warned);
	rep_free(&R);
	return 0;
}

/* ------------------------------------------------------- tdpsim report */

static const char report_usage[] =
	"usage: tdpsim report RESULT.json|FOLDER ... --out DIR\n"
	"Merges JSON results -- runs (from compare or run --json) and explore\n"
	"chunk summaries (explore --json-dir) -- into DIR/report.md with tables\n"
	"and gnuplot PNG and SVG plots. Runs are grouped into variants by their\n"
	"configuration, labelled by the config keys that differ between them;\n"
	"a variant's seeds give medians with [min..max]. A FOLDER stands for its\n"
	"*.json files (or, if it has none, those of FOLDER/runs).\n";

static int add_input(const char *path, char ***files, size_t *nfiles)
{
	struct stat st;
	if (stat(path, &st))
		return cli_bad("%s: cannot open (%s)", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		GROW(*files, *nfiles);
		(*files)[(*nfiles)++] = strdup(path);
		return 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		char *dir = pass ? cli_fmt("%s/runs", path) : strdup(path);
		char **names;
		size_t n, found = 0;
		if (list_dir(dir, &names, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				size_t l = strlen(names[i]);
				if (l > 5 && !strcmp(names[i] + l - 5, ".json")) {
					GROW(*files, *nfiles);
					(*files)[(*nfiles)++] = cli_fmt("%s/%s", dir, names[i]);
					found++;
				}
			}
			free_names(names, n);
		}
		free(dir);
		if (found)
			return 0;
	}
	return cli_bad("%s: no *.json results in this folder (nor in its runs/)", path);
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL;
	char **files = NULL;
	size_t nfiles = 0;
	int status = EXIT_OK;
	for (int i = 1; i < argc && !status; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(report_usage, stdout);
			free_names(files, nfiles);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--out")) {
			if (i + 1 >= argc)
				status = cli_bad("--out needs a folder");
			else
				out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			status = cli_bad("unexpected argument '%s' (tdpsim report --help)", argv[i]);
		} else {
			status = add_input(argv[i], &files, &nfiles);
		}
	}
	if (!status && !nfiles) {
		fputs(report_usage, stderr);
		status = EXIT_BADINPUT;
	} else if (!status && !out) {
		status = cli_bad("report needs --out DIR");
	}
	if (status) {
		free_names(files, nfiles);
		return status;
	}
	json_t **roots = xrealloc(NULL, nfiles * sizeof(json_t *));
	size_t nroots = 0;
	for (size_t i = 0; i < nfiles && !status; i++) {
		json_error_t je;
		roots[i] = json_load_file(files[i], 0, &je);
		if (!roots[i])
			status = je.line > 0
				 ? cli_bad("%s:%d: bad JSON: %s", files[i], je.line, je.text)
				 : cli_bad("%s: %s", files[i], je.text);
		else
			nroots++;
	}
	struct outdir od;
	if (!status && outdir_open(&od, out))
		status = EXIT_BADINPUT;
	else if (!status) {
		if (report_generate(od.stage, roots, (const char *const *)files, nfiles)) {
			outdir_abort(&od);
			status = EXIT_BADINPUT;
		} else if (outdir_commit(&od, report_owned, report_nowned)) {
			status = EXIT_BADINPUT;
		} else {
			printf("report: %s/report.md (%zu result%s)\n", out, nfiles,
			       nfiles > 1 ? "s" : "");
		}
	}
	for (size_t i = 0; i < nroots; i++)
		json_decref(roots[i]);
	free(roots);
	free_names(files, nfiles);
	return status;
}
