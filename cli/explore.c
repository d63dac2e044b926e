// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim explore: run one scenario over a range of seeds in explore mode and
 * stop at the first violation.  With --jobs N, N worker processes take seeds
 * round-robin, each in increasing order and each stopping at its first
 * failing seed; the smallest of those is the global first failure, so the
 * answer does not depend on N.  The parent then replays that seed itself to
 * print the counterexample.
 */
#include "cli/cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char explore_usage[] =
	"usage: tdpsim explore SCENARIO --seeds A..B [--jobs N] [--set k=v ...]\n"
	"                      [--config F] [--json-dir DIR]\n"
	"       tdpsim explore SCENARIO --seeds A..B --emit-jobs FILE --json-dir DIR\n"
	"                      [--chunk N] [--tdpsim CMD] [--set k=v ...]\n"
	"Runs SCENARIO in explore mode (seeded delays and PCT change points) for\n"
	"every seed in A..B (inclusive). Exit 1 with the first counterexample and\n"
	"the command that replays it; 0 if no seed found a violation.\n"
	"--json-dir DIR also writes a summary JSON of the range into DIR (seeds\n"
	"run, failing seeds, the first one's violations and replay command).\n"
	"--emit-jobs FILE runs nothing: it splits A..B into chunks of N seeds\n"
	"(default 10000) and writes one 'tdpsim explore ... --json-dir DIR' command\n"
	"per chunk, for 'parallel < FILE' or a Slurm array; 'tdpsim report DIR\n"
	"--out REPORT' merges the summaries. --tdpsim CMD names the binary in those\n"
	"lines (default: this one).\n";


/* Runs one seed; 1 if it failed, 0 if clean, -1 on bad input. */
static int run_seed(const struct scenario *sc, const struct opts *o,
		    uint64_t seed)
{
	struct params p = o->p;
	char err[256];
	p.sim_mode = MODE_EXPLORE;
	p.sim_seed = seed;
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r) {
		cli_bad("%s: %s", sc->name, err);
		return -1;
	}
	if (r->bad_input) {
		cli_bad("%s", r->bad_input_msg);
		run_free(r);
		return -1;
	}
	int failed = run_failed(r);
	run_free(r);
	return failed;
}

/* The summary of one explore range, for campaigns: DIR/explore-SCENARIO-
 * TAG-A-B.json, TAG naming the configuration.  @r is the replayed first
 * failing seed, or NULL. */
static int write_summary(const char *dir, const struct scenario *sc,
			 const struct opts *o, uint64_t a, uint64_t b,
			 uint64_t run, const uint64_t *fails, size_t nfails,
			 const struct run *r)
{
	struct params p = o->p;
	p.sim_mode = MODE_EXPLORE;
	json_t *config = cli_config_json(&p);
	json_t *root = json_object();
	json_object_set_new(root, "tdpsim", json_string(TDPSIM_VERSION));
	json_object_set_new(root, "commit", json_string(cli_commit()));
	json_object_set_new(root, "kind", json_string("explore-chunk"));
	json_object_set_new(root, "scenario", json_string(sc->name));
	json_object_set_new(root, "first_seed", json_integer((json_int_t)a));
	json_object_set_new(root, "last_seed", json_integer((json_int_t)b));
	json_object_set_new(root, "seeds_run", json_integer((json_int_t)run));
	json_t *fl = json_array();
	for (size_t i = 0; i < nfails; i++)
		json_array_append_new(fl, json_integer((json_int_t)fails[i]));
	json_object_set_new(root, "failing_seeds", fl);
	json_t *viol = json_array(), *fexp = json_array();
	if (r) {
		char *rp = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&rp, &len);
		replay_command(f, sc->name, o, r->p.sim_seed, true);
		fclose(f);
		if (len && rp[len - 1] == '\n')
			rp[len - 1] = 0;
		json_object_set_new(root, "first_failing_seed",
				    json_integer((json_int_t)r->p.sim_seed));
		json_object_set_new(root, "replay", json_string(rp));
		free(rp);
		for (size_t i = 0; i < check_nkept(r->check); i++) {
			const struct violation *v = check_get(r->check, i);
			json_array_append_new(viol, json_pack("{s:s,s:s}", "kind",
				check_kind_name(v->kind), "detail", v->detail));
		}
		for (unsigned i = 0; i < r->nfailed; i++)
			json_array_append_new(fexp, json_string(r->failed[i]));
	} else {
		json_object_set_new(root, "first_failing_seed", json_null());
		json_object_set_new(root, "replay", json_null());
	}
	json_object_set_new(root, "violations", viol);
	json_object_set_new(root, "failed_expectations", fexp);
	json_object_set_new(root, "config", config);

	int rc = -1;
	char *tag = cli_config_tag(sc->name, config);
	char *name = strdup(sc->name);
	for (char *c = name; *c; c++)
		if (*c == '/' || *c == ' ')
			*c = '_';
	char *path = cli_fmt("%s/explore-%s-%s-%llu-%llu.json", dir, name, tag,
			     (unsigned long long)a, (unsigned long long)b);
	if (cli_mkdirs(dir))
		cli_bad("%s: cannot create the folder", dir);
	else
		rc = cli_write_json(root, path, NULL);
	free(path);
	free(name);
	free(tag);
	json_decref(root);
	return rc;
}

static int cmp_seed(const void *x, const void *y)
{
	uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
	return p < q ? -1 : p > q;
}

/* Splits a..b into chunks and writes one explore command per chunk. */
struct seed_share {
	uint64_t a, b, chunk;
	const char *json_dir;
};

/* Job j explores the j-th @chunk of seeds of a..b (the last may be short). */
static void chunk_seeds(FILE *f, uint64_t j, void *arg)
{
	const struct seed_share *ss = arg;
	uint64_t s = ss->a + j * ss->chunk;
	uint64_t e = ss->b - s < ss->chunk ? ss->b : s + ss->chunk - 1;
	fprintf(f, " --seeds %llu..%llu --json-dir ", (unsigned long long)s,
		(unsigned long long)e);
	cli_shquote(f, ss->json_dir);
}

static int emit_jobs(const char *file, const char *tdpsim, char **pass,
		     int npass, uint64_t a, uint64_t b, uint64_t chunk,
		     const char *json_dir, const struct scenario *sc)
{
	if ((b - a) / chunk >= 10000000)
		return cli_bad("--chunk %llu: seeds %llu..%llu would make more than "
			       "10,000,000 jobs; take larger chunks",
			       (unsigned long long)chunk, (unsigned long long)a,
			       (unsigned long long)b);
	if (cli_check_arg("--json-dir", json_dir))
		return EXIT_BADINPUT;
	struct seed_share ss = { a, b, chunk, json_dir };
	uint64_t njobs = (b - a) / chunk + 1;
	int rc = cli_emit_jobs(file, tdpsim, "explore", pass, npass, njobs,
			       chunk_seeds, &ss);
	if (rc)
		return rc;
	printf("explore %s: seeds %llu..%llu in %llu jobs written to %s\n", sc->name,
	       (unsigned long long)a, (unsigned long long)b,
	       (unsigned long long)njobs, file);
	printf("run them with:    parallel < %s    (or a Slurm array of %llu tasks)\n",
	       file, (unsigned long long)njobs);
	printf("then the report:  tdpsim report %s --out REPORT_DIR\n", json_dir);
	return EXIT_OK;
}

static void progress(uint64_t done, uint64_t total, uint64_t fails, double t0,
		     bool final)
{
	double el = cli_now_s() - t0;
	double rate = el > 0 ? (double)done / el : 0;
	double left = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\rexplore: %llu/%llu seeds, %llu failing, %.0f seeds/s, %.0fs left   %s",
		(unsigned long long)done, (unsigned long long)total,
		(unsigned long long)fails, rate, left, final ? "\n" : "");
}

/* One worker of explore --jobs: seeds a + j, a + j + jobs, ... up to b. */
struct worker {
	pid_t pid;
	uint64_t next;	/* the next seed it owes a record for */
	bool done;	/* it reported its last seed, or a failing one */
	bool reaped;
	bool stopped;	/* sent SIGTERM because another worker died */
	int ws;		/* its wait status, once reaped */
};

/* Names the seeds worker @j did not run: w->next to b in steps of @jobs. */
static void name_missing(const struct worker *w, long j, uint64_t b, long jobs)
{
	uint64_t n = (b - w->next) / (uint64_t)jobs + 1;
	uint64_t last = w->next + (n - 1) * (uint64_t)jobs;
	char why[96];
	if (w->stopped)
		snprintf(why, sizeof(why), "was stopped");
	else if (WIFSIGNALED(w->ws))
		snprintf(why, sizeof(why), "was killed by signal %d (%s)",
			 WTERMSIG(w->ws), strsignal(WTERMSIG(w->ws)));
	else
		snprintf(why, sizeof(why), "exited with status %d",
			 WIFEXITED(w->ws) ? WEXITSTATUS(w->ws) : -1);
	if (n == 1)
		cli_bad("explore: worker %ld (pid %d) %s: seed %llu was not run", j,
			(int)w->pid, why, (unsigned long long)w->next);
	else
		cli_bad("explore: worker %ld (pid %d) %s: %llu seeds were not run "
			"(%llu to %llu in steps of %ld)", j, (int)w->pid, why,
			(unsigned long long)n, (unsigned long long)w->next,
			(unsigned long long)last, jobs);
}

/*
 * Runs seeds a..b on @jobs worker processes.  Workers write 8-byte records
 * to one pipe, seed | 1<<63 for a failure and seed for a clean run, each in
 * increasing order of its seeds, and exit 2 on bad input (message printed).
 * A worker that ends without a record for each of its seeds up to its first
 * failing one was killed, crashed or ran out of memory: its seeds were not
 * run, so neither "no violation" nor "the first failing seed" holds.  The
 * other workers are then stopped, the seeds that were not run are named,
 * and the answer is exit 2.
 */
static int run_workers(const struct scenario *sc, const struct opts *o,
		       uint64_t a, uint64_t b, long jobs, bool tty, double t0,
		       uint64_t **fail_list, size_t *nfail_list,
		       uint64_t *first_fail, uint64_t *seeds_run)
{
	if ((uint64_t)(jobs - 1) > b - a)
		jobs = (long)(b - a + 1); /* a + j must stay within a..b */
	uint64_t total = b - a + 1;
	int pfd[2];
	if (pipe(pfd))
		return cli_bad("pipe: %s", strerror(errno));
	fflush(NULL);
	struct worker w[256] = { 0 };
	long started = 0;
	for (long j = 0; j < jobs; j++) {
		w[j].next = a + (uint64_t)j;
		w[j].pid = fork();
		if (w[j].pid < 0)
			break;
		started++;
		if (w[j].pid == 0) {
			close(pfd[0]);
			for (uint64_t s = a + (uint64_t)j;; s += (uint64_t)jobs) {
				int rc = run_seed(sc, o, s);
				if (rc < 0)
					_exit(EXIT_BADINPUT);
				uint64_t msg = s | (rc ? 1ull << 63 : 0);
				if (write(pfd[1], &msg, sizeof(msg)) != sizeof(msg))
					_exit(3);
				if (rc || b - s < (uint64_t)jobs)
					break;
			}
			_exit(0);
		}
	}
	close(pfd[1]);
	int status = EXIT_OK;
	bool stopping = false;
	if (started < jobs) {
		status = cli_bad("fork: %s", strerror(errno));
		stopping = true;
	}
	uint64_t done = 0, fails = 0;
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		int pr = poll(&pf, 1, 200);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0) {
			uint64_t msg;
			ssize_t n = read(pfd[0], &msg, sizeof(msg));
			if (n < 0 && errno == EINTR)
				continue;
			if (n != sizeof(msg))
				break; /* every worker has closed the pipe */
			uint64_t s = msg & ~(1ull << 63);
			struct worker *wk = &w[(s - a) % (uint64_t)jobs];
			done++;
			if (msg >> 63 || b - s < (uint64_t)jobs)
				wk->done = true;
			else
				wk->next = s + (uint64_t)jobs;
			if (msg >> 63) {
				fails++;
				uint64_t *nl = realloc(*fail_list,
						       (*nfail_list + 1) * sizeof(uint64_t));
				if (nl) {
					*fail_list = nl;
					(*fail_list)[(*nfail_list)++] = s;
				}
				if (s < *first_fail)
					*first_fail = s;
			}
			if (tty && (done % 64 == 0 || (msg >> 63)))
				progress(done, total, fails, t0, false);
			if (done % 64)
				continue;
		}
		/* Reap as we go (when idle, and every 64 records): a worker
		 * that dies stops the others at once.  The records of the
		 * dead are still read, up to the end of the pipe. */
		for (long j = 0; j < started; j++) {
			if (w[j].reaped || waitpid(w[j].pid, &w[j].ws, WNOHANG) != w[j].pid)
				continue;
			w[j].reaped = true;
			if (!WIFEXITED(w[j].ws) || WEXITSTATUS(w[j].ws) != 0)
				stopping = true;
		}
		for (long j = 0; j < started && stopping; j++)
			if (!w[j].reaped && !w[j].stopped) {
				kill(w[j].pid, SIGTERM);
				w[j].stopped = true;
			}
	}
	close(pfd[0]);
	*seeds_run = done;
	for (long j = 0; j < started; j++)
		if (!w[j].reaped)
			while (waitpid(w[j].pid, &w[j].ws, 0) < 0 && errno == EINTR)
				;
	if (tty && (status || stopping))
		fputc('\n', stderr);
	/* Bad input: the worker said what, and every worker says the same. */
	for (long j = 0; j < started; j++)
		if (WIFEXITED(w[j].ws) && WEXITSTATUS(w[j].ws) == EXIT_BADINPUT)
			return EXIT_BADINPUT;
	/* First the workers that died of their own, then the ones stopped. */
	for (int pass = 0; pass < 2; pass++)
		for (long j = 0; j < started; j++) {
			bool ok = WIFEXITED(w[j].ws) && WEXITSTATUS(w[j].ws) == 0;
			if ((w[j].done && ok) || w[j].stopped != (pass == 1))
				continue;
			status = EXIT_BADINPUT;
			if (!w[j].done)
				name_missing(&w[j], j, b, jobs);
			else
				cli_bad("explore: worker %ld (pid %d) ran its seeds but "
					"did not exit cleanly", j, (int)w[j].pid);
		}
	return status;
}

/* @rest and @pass have room for argc + 1 entries: every argument fits
 * (they were 256 and the rest of a long command line was dropped). */
/* What the command line asks of explore besides the scenario's options. */
struct xargs {
	uint64_t a, b;
	bool have_seeds;
	long jobs;
	/* Campaigns: what the emitted jobs get (@pass), and where they write. */
	char **pass;
	int npass;
	const char *emit, *json_dir, *tdpsim;
	uint64_t chunk;
};

enum { OPT_SEEDS = CLI_OPT_OWN, OPT_JOBS, OPT_EMIT, OPT_JSON_DIR, OPT_CHUNK,
       OPT_TDPSIM };
static const struct option explore_opts[] = {
	{ "seeds", required_argument, NULL, OPT_SEEDS },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "emit-jobs", required_argument, NULL, OPT_EMIT },
	{ "json-dir", required_argument, NULL, OPT_JSON_DIR },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "tdpsim", required_argument, NULL, OPT_TDPSIM },
	{ NULL, 0, NULL, 0 },
};

/* One item of the command line (cli_parse_scenario's @take). */
static int explore_take(void *ctx, const struct cli_scan *s, int id, const char *v)
{
	struct xargs *X = ctx;
	uint64_t n;
	switch (id) {
	case OPT_SEEDS:	/* each job has its own */
		X->have_seeds = true;
		if (cli_parse_range(v, &X->a, &X->b))
			return cli_bad("--seeds %s: expected A..B with A <= B", v);
		if (X->b > INT64_MAX)
			return cli_bad("--seeds %s: seeds above %lld do not fit in a "
				       "result file", v, (long long)INT64_MAX);
		return 0;
	case OPT_CHUNK:
		if (sim_parse_u64(v, &X->chunk) || !X->chunk)
			return cli_bad("--chunk %s: expected a number of seeds >= 1", v);
		return 0;
	case OPT_EMIT:
		X->emit = v;
		return 0;
	case OPT_JSON_DIR:
		X->json_dir = v;
		return 0;
	case OPT_TDPSIM:
		X->tdpsim = v;
		return 0;
	case OPT_JOBS:
		if (sim_parse_u64(v, &n) || n < 1 || n > 256)
			return cli_bad("--jobs %s: expected 1..256", v);
		X->jobs = (long)n;
		break;
	}
	cli_scan_words(s, X->pass, &X->npass);
	return 0;
}

static int explore_check(const struct opts *o, const struct xargs *X)
{
	if (!X->have_seeds)
		return cli_bad("explore needs --seeds A..B");
	if (o->json || o->csv || o->log)
		return cli_bad("explore writes no results file of a run: --json, --csv "
			       "and --log are not its options (--json-dir DIR writes "
			       "its summary; the replay command writes a run's)");
	if (X->emit && !X->json_dir)
		return cli_bad("--emit-jobs needs --json-dir DIR: where the jobs "
			       "write their results");
	return 0;
}

/* What the search found. */
struct found {
	uint64_t first_fail;  /* UINT64_MAX: none */
	uint64_t seeds_run;
	uint64_t *fails;      /* failing seeds seen (workers), for --json-dir */
	size_t nfails;
	double t0;
	bool tty;
};

/* Runs the seeds a..b, here or in workers, until the first that fails;
 * 0, or exit 2. */
static int search(const struct scenario *sc, const struct opts *o,
		  const struct xargs *X, struct found *F)
{
	uint64_t total = X->b - X->a + 1;
	F->first_fail = UINT64_MAX;
	F->tty = isatty(2);
	F->t0 = cli_now_s();
	if (X->jobs > 1) {
		int status = run_workers(sc, o, X->a, X->b, X->jobs, F->tty, F->t0,
					 &F->fails, &F->nfails, &F->first_fail,
					 &F->seeds_run);
		return status == EXIT_BADINPUT ? status : 0;
	}
	for (uint64_t s = X->a; s <= X->b; s++) {
		int rc = run_seed(sc, o, s);
		if (rc < 0)
			return EXIT_BADINPUT;
		if (F->tty && ((s - X->a) % 64 == 0 || rc))
			progress(s - X->a + 1, total, rc > 0, F->t0, false);
		F->seeds_run++;
		if (rc) {
			F->first_fail = s;
			break;
		}
		if (s == UINT64_MAX)
			break;
	}
	return 0;
}

/* No seed failed: say so, and write the summary (--json-dir). */
static int report_clean(const struct scenario *sc, const struct opts *o,
			const struct xargs *X, const struct found *F)
{
	uint64_t total = X->b - X->a + 1;
	double el = cli_now_s() - F->t0;
	if (F->tty)
		progress(total, total, 0, F->t0, true);
	printf("explore %s: seeds %llu..%llu: no violation (%llu seeds, %.1f s)\n",
	       sc->name, (unsigned long long)X->a, (unsigned long long)X->b,
	       (unsigned long long)total, el);
	if (X->json_dir && write_summary(X->json_dir, sc, o, X->a, X->b, F->seeds_run,
					 NULL, 0, NULL))
		return EXIT_BADINPUT;
	return EXIT_OK;
}

/* The first failing seed, run again here for its counterexample and
 * replay command; the summary (--json-dir) lists every failing seed seen. */
static int report_failure(const struct scenario *sc, const struct opts *o,
			  const struct xargs *X, struct found *F)
{
	if (F->tty)
		fputc('\n', stderr);
	struct params p = o->p;
	char err[256];
	p.sim_mode = MODE_EXPLORE;
	p.sim_seed = F->first_fail;
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r)
		return cli_bad("%s: %s", sc->name, err);
	printf("explore %s: seed %llu fails (first failing seed in %llu..%llu)\n",
	       sc->name, (unsigned long long)F->first_fail, (unsigned long long)X->a,
	       (unsigned long long)X->b);
	results_print_summary(stdout, sc->name, r);
	if (check_count(r->check)) {
		results_print_counterexample(stdout, sc->name, r, o);
	} else {
		printf("replay: ");
		replay_command(stdout, sc->name, o, F->first_fail, true);
	}
	int status = EXIT_VIOLATION;
	if (X->json_dir) {
		if (!F->nfails) {
			F->fails = malloc(sizeof(uint64_t));
			if (F->fails)
				F->fails[F->nfails++] = F->first_fail;
		}
		if (F->nfails)
			qsort(F->fails, F->nfails, sizeof(uint64_t), cmp_seed);
		if (write_summary(X->json_dir, sc, o, X->a, X->b, F->seeds_run, F->fails,
				  F->nfails, r))
			status = EXIT_BADINPUT;
	}
	run_free(r);
	return status;
}

/*
 * explore: 1. read the command line (the scenario, its options, --seeds
 * ...) and check it; 2. write the job list (--emit-jobs), or search the
 * seeds; 3. report a clean search, or the first failing seed.
 */
int cmd_explore(int argc, char **argv)
{
	struct opts o = { 0 };
	struct xargs X = { .jobs = 1, .chunk = 10000 };
	struct found F = { 0 };
	int status = EXIT_OK;
	X.pass = calloc((size_t)argc + 1, sizeof(char *));
	if (!X.pass)
		return cli_bad("out of memory");
	const struct scenario *sc = cli_parse_scenario("explore", argc, argv, &o,
						       explore_usage, explore_opts,
						       explore_take, &X, &status);
	if (sc && !(status = explore_check(&o, &X))) {
		if (X.emit) {
			char *self = X.tdpsim ? strdup(X.tdpsim) : cli_self_exe();
			status = emit_jobs(X.emit, self, X.pass, X.npass, X.a, X.b, X.chunk,
					   X.json_dir, sc);
			free(self);
		} else if (!(status = search(sc, &o, &X, &F))) {
			status = F.first_fail == UINT64_MAX ? report_clean(sc, &o, &X, &F)
							    : report_failure(sc, &o, &X, &F);
		}
	}
	free(F.fails);
	free(X.pass);
	scenario_free_loaded(sc);
	opts_free(&o);
	return status;
}
