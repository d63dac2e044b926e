// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim compare: run one scenario for every combination of the --vary
 * values (and every seed of --seeds), write each run's JSON into DIR/runs/
 * and a report (cli/report.c) into DIR.
 *
 * Run i (0-based) is variant i / nseeds with seed A + i % nseeds; variant v
 * takes the values of the --vary keys in order, the first key varying
 * slowest.  Runs are named NN-VALUES[.sSEED].json so that a sorted listing
 * of DIR/runs is the run order, and 'tdpsim report DIR/runs --out DIR'
 * gives the very report.md compare writes.
 *
 * --emit-jobs writes the same campaign as shell commands, each one running
 * --only a slice of the runs into DIR/runs/, for GNU parallel or a Slurm
 * array.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char compare_usage[] =
	"usage: tdpsim compare SCENARIO --vary k=v1,v2[,...] [--vary k2=...] --report DIR\n"
	"                      [--seeds A..B] [--jobs N] [--set k=v ...] [--config F]\n"
	"                      [--emit-jobs FILE [--chunk N] [--tdpsim CMD]]\n"
	"Runs SCENARIO for every combination of the --vary values (and every seed\n"
	"of --seeds: the report then gives medians with [min..max]), writes each\n"
	"run's JSON to DIR/runs/ and DIR/report.md with tables and gnuplot PNG and\n"
	"SVG plots. --jobs N runs N at a time.\n"
	"--emit-jobs FILE runs nothing: it writes one shell command per line (N runs\n"
	"each, default 1), for 'parallel < FILE' or a Slurm array; each job writes\n"
	"into DIR/runs/ and 'tdpsim report DIR/runs --out DIR' then makes the report.\n"
	"--tdpsim CMD names the binary in those lines (default: this one).\n"
	"Exit 1 if a run had a violation or a failed expectation (each is named),\n"
	"2 on bad input.\n";

enum { MAX_VARY = 16 };

struct vary {
	char *key;
	char **vals;
	size_t nvals;
};

struct cmp {
	const struct scenario *sc;
	const char *scn_arg; /* the scenario as the user named it */
	struct opts o;
	struct vary vary[MAX_VARY];
	size_t nvary;
	struct params *vp; /* per variant */
	size_t nvariants;
	bool have_seeds;
	uint64_t a, b, nseeds;
	size_t nruns;
	char **names; /* per run: file name in runs/ */
};

static void progress(size_t done, size_t total, size_t fails, double t0, bool final)
{
	static double last;
	double now = cli_now_s();
	if (!final && now - last < 0.1)
		return;
	last = now;
	double el = now - t0;
	double rate = el > 0 ? (double)done / el : 0;
	double left = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\rcompare: %zu/%zu runs, %zu failing, %.1f runs/s, %.0fs left   %s",
		done, total, fails, rate, left, final ? "\n" : "");
}

/* The values of the --vary keys of variant @v. */
static size_t vary_value(const struct cmp *C, size_t v, size_t k)
{
	size_t div = 1;
	for (size_t j = k + 1; j < C->nvary; j++)
		div *= C->vary[j].nvals;
	return v / div % C->vary[k].nvals;
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '-' || *s == '_'))
			*s = '_';
}

static int digits(uint64_t x)
{
	int d = 1;
	while (x >= 10) {
		x /= 10;
		d++;
	}
	return d;
}

static void make_names(struct cmp *C)
{
	int wv = digits(C->nvariants) < 2 ? 2 : digits(C->nvariants);
	int ws = digits(C->b);
	C->names = calloc(C->nruns, sizeof(char *));
	for (size_t i = 0; i < C->nruns; i++) {
		size_t v = i / C->nseeds;
		char vals[512] = "";
		for (size_t k = 0; k < C->nvary; k++) {
			size_t n = strlen(vals);
			snprintf(vals + n, sizeof(vals) - n, "%s%s", k ? "_" : "",
				 C->vary[k].vals[vary_value(C, v, k)]);
		}
		vals[64] = 0;
		sanitize(vals);
		if (C->have_seeds)
			C->names[i] = cli_fmt("%0*zu-%s.s%0*llu.json", wv, v + 1, vals, ws,
					      (unsigned long long)(C->a + i % C->nseeds));
		else
			C->names[i] = cli_fmt("%0*zu-%s.json", wv, v + 1, vals);
	}
}

/* "k=v k2=w" of variant @v, for messages. */
static char *variant_text(const struct cmp *C, size_t v)
{
	char buf[1024] = "";
	for (size_t k = 0; k < C->nvary; k++) {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%s%s=%s", k ? " " : "", C->vary[k].key,
			 C->vary[k].vals[vary_value(C, v, k)]);
	}
	return strdup(buf);
}

static char *replay_text(const struct cmp *C, size_t i)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	size_t v = i / C->nseeds;
	fputs("tdpsim run ", f);
	cli_shquote(f, C->scn_arg);
	if (C->o.config) {
		fputs(" --config ", f);
		cli_shquote(f, C->o.config);
	}
	for (unsigned k = 0; k < C->o.nsets; k++) {
		fputs(" --set ", f);
		cli_shquote(f, C->o.sets[k]);
	}
	for (size_t k = 0; k < C->nvary; k++) {
		char *kv = cli_fmt("%s=%s", C->vary[k].key, C->vary[k].vals[vary_value(C, v, k)]);
		fputs(" --set ", f);
		cli_shquote(f, kv);
		free(kv);
	}
	if (C->have_seeds)
		fprintf(f, " --seed %llu", (unsigned long long)(C->a + i % C->nseeds));
	fclose(f);
	return s;
}

/* Runs run @i into @dir/NAME: 0 clean, 1 a violation or failed
 * expectation, 2 bad input (message printed). */
static int do_run(const struct cmp *C, size_t i, const char *dir)
{
	struct params p = C->vp[i / C->nseeds];
	if (C->have_seeds)
		p.sim_seed = C->a + i % C->nseeds;
	char err[256];
	struct run *r = scenario_run(C->sc, &p, err, sizeof(err));
	if (!r || r->bad_input) {
		char *vt = variant_text(C, i / C->nseeds);
		cli_bad("%s with %s: %s", C->sc->name, vt, r ? r->bad_input_msg : err);
		free(vt);
		if (r)
			run_free(r);
		return EXIT_BADINPUT;
	}
	int status = run_failed(r) ? EXIT_VIOLATION : EXIT_OK;
	char *path = cli_fmt("%s/%s", dir, C->names[i]);
	char *raw = cli_fmt("%s.raw.%d", path, (int)getpid());
	if (results_write_json(r, raw, NULL, NULL))
		status = EXIT_BADINPUT;
	run_free(r);
	if (status == EXIT_BADINPUT) {
		free(raw);
		free(path);
		return status;
	}
	/* The run's results, with the scenario and its replay command added
	 * after the version. */
	json_error_t je;
	json_t *in = json_load_file(raw, 0, &je);
	unlink(raw);
	if (!in) {
		cli_bad("%s: cannot read back the results: %s", raw, je.text);
		free(raw);
		free(path);
		return EXIT_BADINPUT;
	}
	json_t *out = json_object();
	json_object_set(out, "tdpsim", json_object_get(in, "tdpsim"));
	json_object_set_new(out, "scenario", json_string(C->sc->name));
	char *rp = replay_text(C, i);
	json_object_set_new(out, "replay", json_string(rp));
	free(rp);
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v)
		if (strcmp(k, "tdpsim"))
			json_object_set(out, k, v);
	if (cli_write_json(out, path, NULL))
		status = EXIT_BADINPUT;
	json_decref(out);
	json_decref(in);
	free(raw);
	free(path);
	return status;
}

/*
 * SIGINT, SIGTERM or SIGHUP while compare runs: stop the workers, say what
 * happened and die of the signal.  The staging folder goes with the
 * outdir's janitor (cli/report.c), which sees tdpsim gone.  Only
 * async-signal-safe calls here.
 */
static volatile pid_t sig_workers[256];
static volatile int sig_nworkers;

static void on_signal(int sig)
{
	static const char head[] = "tdpsim: compare: interrupted by ";
	const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM"
			   : "SIGHUP";
	static const char tail[] = "; nothing is written (the staging folder is "
				   "removed)\n";
	for (int j = 0; j < sig_nworkers; j++)
		kill(sig_workers[j], SIGTERM);
	if (write(2, head, sizeof(head) - 1) < 0 ||
	    write(2, name, strlen(name)) < 0 || write(2, tail, sizeof(tail) - 1) < 0) {
		/* nothing more to say */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Runs @idx[0..n) into @dir, @jobs at a time; fills @st; returns 2 on bad
 * input (then nothing more is run), else 0. */
static int run_all(const struct cmp *C, const size_t *idx, size_t n, long jobs,
		   const char *dir, int *st)
{
	bool tty = isatty(2) && n > 1;
	double t0 = cli_now_s();
	size_t done = 0, fails = 0;
	if (jobs > (long)n)
		jobs = (long)n;
	if (jobs <= 1) {
		for (size_t i = 0; i < n; i++) {
			st[i] = do_run(C, idx[i], dir);
			if (st[i] == EXIT_BADINPUT) {
				if (tty)
					fputc('\n', stderr);
				return EXIT_BADINPUT;
			}
			done++;
			fails += st[i] != EXIT_OK;
			if (tty)
				progress(done, n, fails, t0, done == n);
		}
		return 0;
	}
	/* Workers take runs round-robin and report "position | status << 56"
	 * on one pipe; a run with no report keeps status -1. */
	for (size_t i = 0; i < n; i++)
		st[i] = -1;
	int pfd[2];
	if (pipe(pfd))
		return cli_bad("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pids[256];
	long started = 0;
	for (long j = 0; j < jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0)
			break;
		started++;
		if (pids[j] == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			outdir_in_child();
			close(pfd[0]);
			for (size_t i = (size_t)j; i < n; i += (size_t)jobs) {
				int rc = do_run(C, idx[i], dir);
				uint64_t msg = (uint64_t)i | (uint64_t)rc << 56;
				if (write(pfd[1], &msg, sizeof(msg)) != sizeof(msg))
					_exit(3);
				if (rc == EXIT_BADINPUT)
					_exit(EXIT_BADINPUT);
			}
			_exit(0);
		}
	}
	close(pfd[1]);
	for (long j = 0; j < started; j++)
		sig_workers[j] = pids[j];
	sig_nworkers = (int)started;
	bool bad = started < jobs, stopped = false;
	uint64_t msg;
	while (!bad && read(pfd[0], &msg, sizeof(msg)) == sizeof(msg)) {
		size_t i = (size_t)(msg & ((1ull << 56) - 1));
		int rc = (int)(msg >> 56);
		if (i < n)
			st[i] = rc;
		if (rc == EXIT_BADINPUT) {
			bad = true;
			break;
		}
		done++;
		fails += rc != EXIT_OK;
		if (tty)
			progress(done, n, fails, t0, done == n);
	}
	if (bad) {
		stopped = true;
		for (long j = 0; j < started; j++)
			kill(pids[j], SIGTERM);
	}
	close(pfd[0]);
	for (long j = 0; j < started; j++) {
		int ws;
		while (waitpid(pids[j], &ws, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(ws) && (WEXITSTATUS(ws) == 0 ||
				      WEXITSTATUS(ws) == EXIT_BADINPUT))
			continue; /* done, or bad input it has printed */
		if (stopped && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM)
			continue; /* we stopped it */
		/* Killed (the OOM killer, a crash) or failed to report: say
		 * so, and which runs it did not do. */
		size_t left = 0, first = n;
		for (size_t i = (size_t)j; i < n; i += (size_t)jobs)
			if (st[i] < 0 && !left++)
				first = i;
		if (WIFSIGNALED(ws))
			cli_bad("compare: worker %ld (pid %d) was killed by signal %d (%s): "
				"%zu of its runs were not run%s%s", j, (int)pids[j],
				WTERMSIG(ws), strsignal(WTERMSIG(ws)), left,
				left ? ", the first " : "",
				left ? C->names[idx[first]] : "");
		else
			cli_bad("compare: worker %ld (pid %d) exited with status %d: "
				"%zu of its runs were not run", j, (int)pids[j],
				WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, left);
		bad = true;
	}
	sig_nworkers = 0;
	if (bad && tty)
		fputc('\n', stderr);
	if (bad && started < jobs)
		cli_bad("fork: %s", strerror(errno));
	return bad ? EXIT_BADINPUT : 0;
}

/* Names the runs that failed, with what failed in them (the first few in
 * full); returns how many. */
static size_t report_failures(const struct cmp *C, const size_t *idx, size_t n,
			      const int *st, const char *dir)
{
	size_t nf = 0;
	for (size_t j = 0; j < n; j++) {
		if (st[j] != EXIT_VIOLATION)
			continue;
		if (++nf > 10)
			continue;
		size_t i = idx[j];
		char *vt = variant_text(C, i / C->nseeds);
		char *path = cli_fmt("%s/%s", dir, C->names[i]);
		json_t *root = json_load_file(path, 0, NULL);
		char seed[40] = "";
		if (C->have_seeds)
			snprintf(seed, sizeof(seed), " seed %llu",
				 (unsigned long long)(C->a + i % C->nseeds));
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(root, "violations"), k, x)
			if (k < 3)
				printf("compare: %s%s (%s): violation %s: %s\n", vt, seed,
				       C->names[i],
				       json_string_value(json_object_get(x, "kind")),
				       json_string_value(json_object_get(x, "detail")));
		json_array_foreach(json_object_get(root, "failed_expectations"), k, x)
			printf("compare: %s%s (%s): failed expectation: %s\n", vt, seed,
			       C->names[i], json_string_value(x));
		json_decref(root);
		free(path);
		free(vt);
	}
	if (nf > 10)
		printf("compare: ... and %zu more failing runs (their JSON is in DIR/runs/)\n",
		       nf - 10);
	return nf;
}

struct job_share {
	size_t nruns;
	uint64_t chunk;
};

/* Job j runs the j-th @chunk of runs (--only counts from 1). */
static void only_runs(FILE *f, uint64_t j, void *arg)
{
	const struct job_share *js = arg;
	uint64_t s = j * js->chunk, e = s + js->chunk < js->nruns ? s + js->chunk : js->nruns;
	if (e - s == 1)
		fprintf(f, " --only %llu", (unsigned long long)s + 1);
	else
		fprintf(f, " --only %llu..%llu", (unsigned long long)s + 1,
			(unsigned long long)e);
}

static int emit_jobs(const struct cmp *C, const char *file, uint64_t chunk,
		     const char *tdpsim, char **pass, int npass, const char *report)
{
	struct job_share js = { C->nruns, chunk };
	uint64_t njobs = (C->nruns + chunk - 1) / chunk;
	int rc = cli_emit_jobs(file, tdpsim, "compare", pass, npass, njobs, only_runs, &js);
	if (rc)
		return rc;
	printf("compare %s: %zu runs in %llu jobs written to %s\n", C->sc->name,
	       C->nruns, (unsigned long long)njobs, file);
	printf("run them with:    parallel < %s    (or a Slurm array of %llu tasks)\n",
	       file, (unsigned long long)njobs);
	printf("then the report:  tdpsim report %s/runs --out %s\n", report, report);
	return EXIT_OK;
}

static void cmp_free(struct cmp *C)
{
	for (size_t k = 0; k < C->nvary; k++) {
		free(C->vary[k].key);
		for (size_t j = 0; j < C->vary[k].nvals; j++)
			free(C->vary[k].vals[j]);
		free(C->vary[k].vals);
	}
	if (C->names)
		for (size_t i = 0; i < C->nruns; i++)
			free(C->names[i]);
	free(C->names);
	free(C->vp);
	opts_free(&C->o);
	scenario_free_loaded(C->sc); /* a scenario read from a .scn path */
	C->sc = NULL;
}

static int parse_vary(struct cmp *C, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return cli_bad("--vary %s: expected key=v1,v2[,...]", arg);
	if (C->nvary == MAX_VARY)
		return cli_bad("--vary %s: at most %d keys", arg, MAX_VARY);
	struct vary *V = &C->vary[C->nvary];
	V->key = strndup(arg, (size_t)(eq - arg));
	for (size_t k = 0; k < C->nvary; k++)
		if (!strcmp(C->vary[k].key, V->key)) {
			free(V->key);
			return cli_bad("--vary %s: key given twice", arg);
		}
	if (!params_find(V->key)) {
		int rc = cli_bad("--vary %s: unknown key '%s' (tdpsim config --defaults "
				 "lists them)", arg, V->key);
		free(V->key);
		return rc;
	}
	C->nvary++;
	char *list = strdup(eq + 1), *save = NULL;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		for (size_t j = 0; j < V->nvals; j++)
			if (!strcmp(V->vals[j], t)) {
				int rc = cli_bad("--vary %s: value '%s' given twice", arg, t);
				free(list);
				return rc;
			}
		V->vals = realloc(V->vals, (V->nvals + 1) * sizeof(char *));
		V->vals[V->nvals++] = strdup(t);
	}
	free(list);
	if (!V->nvals || strstr(eq + 1, ",,") || eq[1] == ',' ||
	    eq[strlen(eq) - 1] == ',')
		return cli_bad("--vary %s: empty value", arg);
	return 0;
}

/* @rest and @pass have room for argc + 1 entries: every argument fits. */
/* What the command line asks of compare besides the scenario's options. */
struct cmp_args {
	struct cmp *C;
	char **pass;   /* what the jobs of --emit-jobs get */
	int npass;
	long jobs;
	const char *report, *emit, *only, *tdpsim;
	uint64_t chunk;
};

enum { OPT_VARY = CLI_OPT_OWN, OPT_SEEDS, OPT_JOBS, OPT_REPORT, OPT_EMIT,
       OPT_CHUNK, OPT_ONLY, OPT_TDPSIM };
static const struct option compare_opts[] = {
	{ "vary", required_argument, NULL, OPT_VARY },
	{ "seeds", required_argument, NULL, OPT_SEEDS },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "emit-jobs", required_argument, NULL, OPT_EMIT },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "tdpsim", required_argument, NULL, OPT_TDPSIM },
	{ NULL, 0, NULL, 0 },
};

/* 1..max, as every number of the program (decimal or 0x hex); 0 or -1. */
static int parse_count(const char *v, uint64_t max, uint64_t *out)
{
	return sim_parse_u64(v, out) || *out < 1 || *out > max ? -1 : 0;
}

/* One item of the command line (cli_parse_scenario's @take). */
static int compare_take(void *ctx, const struct cli_scan *s, int id, const char *v)
{
	struct cmp_args *A = ctx;
	struct cmp *C = A->C;
	uint64_t n;
	/* The campaign's own options are not passed on to its jobs. */
	if (id != OPT_EMIT && id != OPT_CHUNK && id != OPT_TDPSIM && id != OPT_ONLY)
		cli_scan_words(s, A->pass, &A->npass);
	switch (id) {
	case OPT_VARY:
		return parse_vary(C, v) ? EXIT_BADINPUT : 0;
	case OPT_SEEDS:
		C->have_seeds = true;
		if (cli_parse_range(v, &C->a, &C->b))
			return cli_bad("--seeds %s: expected A..B with A <= B", v);
		if (C->b > INT64_MAX)
			return cli_bad("--seeds %s: seeds above %lld do not fit in a "
				       "result file", v, (long long)INT64_MAX);
		return 0;
	case OPT_JOBS:
		if (parse_count(v, 256, &n))
			return cli_bad("--jobs %s: expected 1..256", v);
		A->jobs = (long)n;
		return 0;
	case OPT_CHUNK:
		if (parse_count(v, UINT64_MAX, &A->chunk))
			return cli_bad("--chunk %s: expected a number of runs >= 1", v);
		return 0;
	case OPT_REPORT:
		A->report = v;
		return 0;
	case OPT_EMIT:
		A->emit = v;
		return 0;
	case OPT_ONLY:
		A->only = v;
		return 0;
	case OPT_TDPSIM:
		A->tdpsim = v;
		return 0;
	}
	return 0;
}

/* What no single option can tell: the options that must or must not go
 * together. */
static int compare_check(const struct cmp *C, const struct cmp_args *A)
{
	if (C->o.json || C->o.log || C->o.csv)
		return cli_bad("compare writes each run's JSON to DIR/runs/: --json, "
			       "--csv and --log are not its options");
	if (!C->nvary)
		return cli_bad("compare needs --vary key=v1,v2[,...]");
	if (!A->report)
		return cli_bad("compare needs --report DIR");
	if (C->have_seeds && C->o.seed_given)
		return cli_bad("--seeds and --seed both set the seed: give one");
	if (A->emit && A->only)
		return cli_bad("--emit-jobs and --only do not go together");
	for (size_t k = 0; k < C->nvary; k++) {
		size_t kl = strlen(C->vary[k].key);
		if (C->have_seeds && !strcmp(C->vary[k].key, "sim.seed"))
			return cli_bad("--seeds and --vary sim.seed both set the seed: "
				       "give one");
		for (unsigned j = 0; j < C->o.nsets; j++)
			if (!strncmp(C->o.sets[j], C->vary[k].key, kl) &&
			    C->o.sets[j][kl] == '=')
				return cli_bad("%s is both --set and --vary", C->vary[k].key);
	}
	return 0;
}

/* Every variant's params, validated before anything runs, and the runs'
 * names. */
static int compare_variants(struct cmp *C)
{
	C->nvariants = 1;
	for (size_t k = 0; k < C->nvary; k++) {
		C->nvariants *= C->vary[k].nvals;
		if (C->nvariants > 100000)
			return cli_bad("--vary: more than 100,000 combinations");
	}
	/* b - a first: b - a + 1 wraps to 0 for 0..2^64-1 (it was an empty
	 * report with exit 0). */
	if (C->have_seeds && C->b - C->a >= 1000000)
		return cli_bad("compare: more than 1,000,000 runs; split the campaign");
	if (C->have_seeds)
		C->nseeds = C->b - C->a + 1;
	if (C->nseeds > 1000000 || C->nvariants * C->nseeds > 1000000)
		return cli_bad("compare: more than 1,000,000 runs; split the campaign");
	C->nruns = C->nvariants * C->nseeds;
	C->vp = calloc(C->nvariants, sizeof(struct params));
	if (!C->vp)
		return cli_bad("out of memory");
	for (size_t v = 0; v < C->nvariants; v++) {
		C->vp[v] = C->o.p;
		char err[256];
		for (size_t k = 0; k < C->nvary; k++) {
			const char *val = C->vary[k].vals[vary_value(C, v, k)];
			if (params_set(&C->vp[v], C->vary[k].key, val, err, sizeof(err)))
				return cli_bad("--vary %s=%s: %s", C->vary[k].key, val, err);
		}
		if (params_validate(&C->vp[v], err, sizeof(err)) ||
		    cli_params_check(&C->vp[v], err, sizeof(err))) {
			char *vt = variant_text(C, v);
			int rc = cli_bad("--vary %s: %s", vt, err);
			free(vt);
			return rc;
		}
	}
	make_names(C);
	return 0;
}

/* --only I..J: a campaign job; its runs go straight into DIR/runs/. */
static int compare_only(const struct cmp *C, const struct cmp_args *A)
{
	uint64_t lo, hi;
	if (cli_parse_range(A->only, &lo, &hi) || lo < 1 || hi > C->nruns)
		return cli_bad("--only %s: expected I or I..J within 1..%zu", A->only,
			       C->nruns);
	size_t n = (size_t)(hi - lo + 1);
	size_t *idx = calloc(n, sizeof(size_t));
	int *st = calloc(n, sizeof(int));
	char *dir = cli_fmt("%s/runs", A->report);
	int status;
	if (!idx || !st) {
		status = cli_bad("out of memory");
	} else if (cli_mkdirs(dir)) {
		status = cli_bad("%s: cannot create the folder", dir);
	} else {
		for (size_t i = 0; i < n; i++)
			idx[i] = (size_t)(lo - 1) + i;
		status = run_all(C, idx, n, A->jobs, dir, st);
	}
	if (!status) {
		size_t nf = report_failures(C, idx, n, st, dir);
		printf("compare %s: runs %llu..%llu of %zu written to %s/\n", C->sc->name,
		       (unsigned long long)lo, (unsigned long long)hi, C->nruns, dir);
		status = nf ? EXIT_VIOLATION : EXIT_OK;
	}
	free(dir);
	free(idx);
	free(st);
	return status;
}

/* The runs' results, read back from @runs for the report; 0 or exit 2. */
static int load_runs(const struct cmp *C, const char *runs, json_t **roots,
		     char **paths)
{
	for (size_t i = 0; i < C->nruns; i++) {
		json_error_t je;
		paths[i] = cli_fmt("runs/%s", C->names[i]);
		char *p = cli_fmt("%s/%s", runs, C->names[i]);
		roots[i] = json_load_file(p, 0, &je);
		int rc = roots[i] ? 0 : cli_bad("%s: %s", p, je.text);
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

/* The report's folder: its report files and runs/ are this compare's. */
static int commit_report(struct outdir *od)
{
	const char *owned[32];
	size_t no = 0;
	for (size_t i = 0; i < report_nowned && no < 31; i++)
		owned[no++] = report_owned[i];
	owned[no++] = "runs";
	return outdir_commit(od, owned, no) ? EXIT_BADINPUT : 0;
}

/* Every run into the staging folder's runs/, then the report beside it;
 * the folder replaces DIR at the end.  *@nfail: the runs that failed. */
static int run_and_report(const struct cmp *C, const struct cmp_args *A,
			  struct outdir *od, size_t *nfail)
{
	size_t n = C->nruns;
	char *runs = cli_fmt("%s/runs", od->stage);
	size_t *idx = calloc(n, sizeof(size_t));
	int *st = calloc(n, sizeof(int));
	json_t **roots = calloc(n, sizeof(json_t *));
	char **paths = calloc(n, sizeof(char *));
	int status;
	if (!idx || !st || !roots || !paths) {
		status = cli_bad("out of memory");
	} else if (mkdir(runs, 0777)) {
		status = cli_bad("%s: cannot create (%s)", runs, strerror(errno));
	} else {
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		status = run_all(C, idx, n, A->jobs, runs, st);
	}
	if (!status) {
		*nfail = report_failures(C, idx, n, st, runs);
		status = load_runs(C, runs, roots, paths);
	}
	if (!status && report_generate(od->stage, roots, (const char *const *)paths, n))
		status = EXIT_BADINPUT;
	if (status)
		outdir_abort(od);
	else
		status = commit_report(od);
	for (size_t i = 0; roots && paths && i < n; i++) {
		if (roots[i])
			json_decref(roots[i]);
		free(paths[i]);
	}
	free(roots);
	free(paths);
	free(runs);
	free(idx);
	free(st);
	return status;
}

/* The whole campaign here: runs, report, and a line that sums it up. */
static int compare_all(const struct cmp *C, const struct cmp_args *A)
{
	struct outdir od;
	size_t nf = 0;
	if (outdir_open(&od, A->report))
		return EXIT_BADINPUT;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	int status = run_and_report(C, A, &od, &nf);
	if (status)
		return status;
	printf("compare %s: %zu variant%s", C->sc->name, C->nvariants,
	       C->nvariants > 1 ? "s" : "");
	if (C->have_seeds)
		printf(" x %llu seeds", (unsigned long long)C->nseeds);
	printf(", %zu run%s", C->nruns, C->nruns > 1 ? "s" : "");
	if (nf)
		printf(", %zu failing (above)", nf);
	printf("; report: %s/report.md\n", A->report);
	return nf ? EXIT_VIOLATION : EXIT_OK;
}

/*
 * compare: 1. read the command line (the scenario, its options, --vary
 * ...); 2. check what goes together; 3. make every variant's params;
 * 4. then either write the job list (--emit-jobs), run a job's share of
 * the runs (--only), or run them all and write the report.
 */
int cmd_compare(int argc, char **argv)
{
	struct cmp C = { .nseeds = 1 };
	struct cmp_args A = { .C = &C, .jobs = 1, .chunk = 1 };
	int status = EXIT_OK;
	A.pass = calloc((size_t)argc + 1, sizeof(char *));
	if (!A.pass)
		return cli_bad("out of memory");
	C.sc = cli_parse_scenario("compare", argc, argv, &C.o, compare_usage,
				  compare_opts, compare_take, &A, &status);
	/* As named (a .scn path stays a path), not the first word that is
	 * not an option: that could be a --set value. */
	if (C.sc)
		C.scn_arg = C.o.scenario_arg ? C.o.scenario_arg : C.sc->name;
	if (C.sc && !(status = compare_check(&C, &A)) && !(status = compare_variants(&C))) {
		if (A.emit) {
			char *self = A.tdpsim ? strdup(A.tdpsim) : cli_self_exe();
			status = emit_jobs(&C, A.emit, A.chunk, self, A.pass, A.npass,
					   A.report);
			free(self);
		} else if (A.only) {
			status = compare_only(&C, &A);
		} else {
			status = compare_all(&C, &A);
		}
	}
	free(A.pass);
	cmp_free(&C);
	return status;
}
