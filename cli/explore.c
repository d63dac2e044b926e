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
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char explore_usage[] =
	"usage: tdpsim explore SCENARIO --seeds A..B [--jobs N] [--set k=v ...]\n"
	"                      [--config F]\n"
	"Runs SCENARIO in explore mode (seeded delays and PCT change points) for\n"
	"every seed in A..B (inclusive). Exit 1 with the first counterexample and\n"
	"the command that replays it; 0 if no seed found a violation.\n";

const struct scenario *cli_parse_scenario(int argc, char **argv, struct opts *o,
					  const char *usage, int *status);

static int parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char *end;
	errno = 0;
	*a = strtoull(s, &end, 10);
	if (errno || end == s || strncmp(end, "..", 2))
		return -1;
	const char *t = end + 2;
	*b = strtoull(t, &end, 10);
	if (errno || end == t || *end || *b < *a)
		return -1;
	return 0;
}

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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(uint64_t done, uint64_t total, uint64_t fails, double t0,
		     bool final)
{
	double el = now_s() - t0;
	double rate = el > 0 ? (double)done / el : 0;
	double left = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\rexplore: %llu/%llu seeds, %llu failing, %.0f seeds/s, %.0fs left   %s",
		(unsigned long long)done, (unsigned long long)total,
		(unsigned long long)fails, rate, left, final ? "\n" : "");
}

int cmd_explore(int argc, char **argv)
{
	struct opts o = { 0 };
	uint64_t a = 0, b = 0;
	long jobs = 1;
	bool have_seeds = false;
	char *rest[256];
	int nrest = 0;
	int status = EXIT_OK;

	/* Pull out explore's own options; the rest are scenario + shared. */
	for (int i = 0; i < argc && nrest < 255; i++) {
		if (i > 0 && !strcmp(argv[i], "--seeds") && i + 1 < argc) {
			if (parse_range(argv[++i], &a, &b))
				return cli_bad("--seeds %s: expected A..B with A <= B", argv[i]);
			have_seeds = true;
		} else if (i > 0 && !strcmp(argv[i], "--jobs") && i + 1 < argc) {
			char *end;
			jobs = strtol(argv[++i], &end, 10);
			if (*end || jobs < 1 || jobs > 256)
				return cli_bad("--jobs %s: expected 1..256", argv[i]);
		} else {
			rest[nrest++] = argv[i];
		}
	}
	rest[nrest] = NULL;
	const struct scenario *sc = cli_parse_scenario(nrest, rest, &o,
						       explore_usage, &status);
	if (!sc) {
		opts_free(&o);
		return status;
	}
	if (!have_seeds) {
		opts_free(&o);
		return cli_bad("explore needs --seeds A..B");
	}

	uint64_t total = b - a + 1;
	uint64_t first_fail = UINT64_MAX;
	bool tty = isatty(2);
	double t0 = now_s();

	if (jobs == 1) {
		for (uint64_t s = a; s <= b; s++) {
			int rc = run_seed(sc, &o, s);
			if (rc < 0) {
				opts_free(&o);
				return EXIT_BADINPUT;
			}
			if (tty && ((s - a) % 64 == 0 || rc))
				progress(s - a + 1, total, rc > 0, t0, false);
			if (rc) {
				first_fail = s;
				break;
			}
			if (s == UINT64_MAX)
				break;
		}
	} else {
		/* Workers write 8-byte records to one pipe: seed | 1<<63 for a
		 * failure, seed for a clean run; exit status 2 on bad input. */
		int pfd[2];
		if (pipe(pfd))
			return cli_bad("pipe: %s", strerror(errno));
		fflush(NULL);
		pid_t pids[256];
		for (long j = 0; j < jobs; j++) {
			pids[j] = fork();
			if (pids[j] == 0) {
				close(pfd[0]);
				for (uint64_t s = a + (uint64_t)j; s <= b; s += (uint64_t)jobs) {
					int rc = run_seed(sc, &o, s);
					if (rc < 0)
						_exit(EXIT_BADINPUT);
					uint64_t msg = s | (rc ? 1ull << 63 : 0);
					if (write(pfd[1], &msg, sizeof(msg)) != sizeof(msg))
						_exit(3);
					if (rc)
						break;
					if (b - s < (uint64_t)jobs)
						break;
				}
				_exit(0);
			}
		}
		close(pfd[1]);
		uint64_t msg, done = 0, fails = 0;
		while (read(pfd[0], &msg, sizeof(msg)) == sizeof(msg)) {
			done++;
			if (msg >> 63) {
				fails++;
				uint64_t s = msg & ~(1ull << 63);
				if (s < first_fail)
					first_fail = s;
			}
			if (tty && (done % 64 == 0 || (msg >> 63)))
				progress(done, total, fails, t0, false);
		}
		close(pfd[0]);
		for (long j = 0; j < jobs; j++) {
			int ws;
			waitpid(pids[j], &ws, 0);
			if (WIFEXITED(ws) && WEXITSTATUS(ws) == EXIT_BADINPUT)
				status = EXIT_BADINPUT;
		}
		if (status == EXIT_BADINPUT) {
			opts_free(&o);
			return status;
		}
	}
	double el = now_s() - t0;

	if (first_fail == UINT64_MAX) {
		if (tty)
			progress(total, total, 0, t0, true);
		printf("explore %s: seeds %llu..%llu: no violation (%llu seeds, %.1f s)\n",
		       sc->name, (unsigned long long)a, (unsigned long long)b,
		       (unsigned long long)total, el);
		opts_free(&o);
		return EXIT_OK;
	}
	if (tty)
		fputc('\n', stderr);
	/* Replay the first failing seed here to print its counterexample. */
	struct params p = o.p;
	char err[256];
	p.sim_mode = MODE_EXPLORE;
	p.sim_seed = first_fail;
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r) {
		opts_free(&o);
		return cli_bad("%s: %s", sc->name, err);
	}
	printf("explore %s: seed %llu fails (first failing seed in %llu..%llu)\n",
	       sc->name, (unsigned long long)first_fail, (unsigned long long)a,
	       (unsigned long long)b);
	results_print_summary(stdout, sc->name, r);
	if (check_count(r->check))
		results_print_counterexample(stdout, sc->name, r, &o);
	else {
		printf("replay: ");
		replay_command(stdout, sc->name, &o, first_fail, true);
	}
	run_free(r);
	opts_free(&o);
	return EXIT_VIOLATION;
}
