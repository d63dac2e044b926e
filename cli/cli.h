/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli — the tdpsim command: argument parsing, config files, JSON results,
 * counterexample printing.  The only layer that does I/O.
 */
#ifndef TDPSIM_CLI_H
#define TDPSIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "scenarios/scenario.h"
#include "sim/core/core.h"

#define TDPSIM_VERSION "0.1.0"

/* Exit statuses (DESIGN §9). */
enum { EXIT_OK = 0, EXIT_VIOLATION = 1, EXIT_BADINPUT = 2 };

/* Options shared by run, replay, explore and compare. */
struct opts {
	struct params p;
	/* The user's own settings, kept to print a replay command. */
	char **sets;
	unsigned nsets, cap;
	const char *config;
	const char *scenario_arg; /* the scenario as named: catalog name or path */
	const char *json;
	const char *csv;
	const char *log;
	bool seed_given;
};

/* Prints "tdpsim: MSG" to stderr; returns EXIT_BADINPUT. */
int cli_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The option scanner every command uses: getopt_long over the command's
 * own options (@own: getopt_long rows ending in a zero row, each with its
 * id in .val, at least CLI_OPT_OWN; a one-letter name is also a short
 * option, -o), the shared ones when @o is given
 * (--set, --seed, --config, --json, --csv, --log: taken into @o) and
 * --help/-h.  --opt value and --opt=value both work (main splits the
 * latter first); numbers are the caller's (sim_parse_u64).  Each call
 * returns the next item: an own option's id (its value in *@val), a
 * shared one (CLI_OPT_SHARED, already taken), an operand (CLI_SCAN_ARG,
 * in *@val), 'h', CLI_SCAN_END, or CLI_SCAN_BAD (printed: an unknown
 * option, with "did you mean", or a missing value).
 */
#include <getopt.h>
enum { CLI_SCAN_END = -1, CLI_SCAN_BAD = -2, CLI_SCAN_ARG = 1,
       CLI_OPT_SHARED = 0x100, CLI_OPT_OWN = 0x200, CLI_SCAN_MAX = 48 };
struct cli_scan {
	const char *cmd;
	int argc;
	char **argv;
	struct opts *o;
	int start;	/* argv index of the last item's first word */
	struct option lo[CLI_SCAN_MAX];
	char names[CLI_SCAN_MAX][24];	/* "--name" of each row */
	const char *known[CLI_SCAN_MAX + 1];
	char shorts[16];	/* getopt's: "-:h" and the one-letter rows */
};
void cli_scan_init(struct cli_scan *s, const char *cmd, int argc, char **argv,
		   const struct option *own, struct opts *o);
int cli_scan_next(struct cli_scan *s, const char **val);
/* Appends the words of the last item (an option and its value, or an
 * operand) to @list: what a campaign passes on to its jobs. */
void cli_scan_words(const struct cli_scan *s, char **list, int *n);
/* A scenario command's arguments: SCENARIO (a catalog name or a .scn
 * path), the shared options, and @own options, each handed to @take with
 * its id and value (0, or an exit status).  Every item (operands and
 * shared options too) goes to @take, for pass lists (@s's words); @take
 * may be NULL without @own.  Returns the scenario, with its defaults, the
 * config file and the --set list applied to o->p; or NULL with *@status
 * (0 after --help). */
const struct scenario *cli_parse_scenario(const char *cmd, int argc, char **argv,
					  struct opts *o, const char *usage,
					  const struct option *own,
					  int (*take)(void *ctx, const struct cli_scan *s,
						      int id, const char *val),
					  void *ctx, int *status);
/* " (did you mean 'X'?)" for the candidate nearest @word when it is near
 * enough to be a slip (sim_nearest), else "": of a NULL-terminated list, of
 * the catalog's scenarios (a config key's is params_set's own message).
 * The text lives until the next call. */
const char *cli_did_you_mean(const char *word, const char *const *candidates);
const char *cli_did_you_mean_scenario(const char *name);
/* Applies the config file then the --set list onto o->p (later wins). */
int opts_apply(struct opts *o);
void opts_free(struct opts *o);
/* Loads an INI-style config file: "key = value" lines, or [prefix]
 * sections that prefix the keys.  Errors name FILE:LINE. */
int config_load(struct params *p, const char *path);

/* 0, or -1 with "KEY: VALUE is above ..." in @err: every u64 param must be
 * at most INT64_MAX, the largest integer a result JSON holds. */
int cli_params_check(const struct params *p, char *err, size_t errlen);
struct json_t;
/* What was replayed (cli/figures.c): the trace file and the traced
 * program.  Its records by kind and vCPU are the run's own counters
 * (vcpuN.KIND.accesses). */
struct cli_input {
	const char *path;
	uint64_t size;
	char sha256[65];
	char format[32];
	const char *address;	/* "virtual", "guest-physical" or "unstated" */
	unsigned flags;		/* TRACE_VADDR, TRACE_PADDR, TRACE_GAPS */
	uint64_t records;	/* valid when records_known */
	bool records_known;	/* the header's count, or the file was read */
	uint64_t warmup;	/* --warmup: records of each vCPU not counted */
	uint64_t loader_pages;	/* --elf: pages the loader mapped first */
	const char *elf;	/* --elf, or NULL */
	uint64_t elf_size, elf_base;
	char elf_sha256[65], build_id[129];
};
/* Hashes @path and reads its header; *@nvcpus: its vCPU count (the
 * highest vCPU + 1, 1 for an empty trace).  The records are decoded only
 * when the header does not say how many vCPUs there are (a native trace
 * without COUNTS), or with @prefix, where the first @warmup records of
 * each vCPU are written (a native trace).  0, or -1 with the message in
 * @err. */
int cli_input_read(struct cli_input *in, const char *path, uint64_t warmup,
		   const char *prefix, unsigned *nvcpus, char *err, size_t errlen);
/* Records the ELF program of the replay (hash, size, build-id). */
int cli_input_elf(struct cli_input *in, const char *path, uint64_t base,
		  char *err, size_t errlen);
void cli_input_free(struct cli_input *in);
/* The trace's records, when neither its header nor a read said: what
 * run @r performed (accesses and guest TLB invalidations), less those of
 * @base (the results of a run of the loader alone, or NULL) — unless a
 * violation may have stopped it short: then unknown (null in the JSON). */
void cli_input_count_run(struct cli_input *in, const struct run *r,
			 struct json_t *base);
struct json_t *cli_input_json(const struct cli_input *in);
/* Adds every thread's clock, work and accounts ("thread.NAME.*") and the
 * total work of all threads ("threads.work") to @stats. */
void cli_thread_stats(const struct run *r, struct json_t *stats);
/* The derived figures of a run (rates, MPKI, walks, per kind and vCPU);
 * @in may be NULL (no trace: no instructions, no by-kind split). */
struct json_t *cli_figures_json(struct json_t *stats, struct json_t *hists,
				const struct cli_input *in);
void cli_figures_print(FILE *f, struct json_t *figures);
/* SHA-256 of a file's bytes as 64 hex digits, and its size; 0 or -1. */
int cli_sha256_file(const char *path, char out[65], uint64_t *size);
/* The git commit this tdpsim was built from ("unknown" without git). */
const char *cli_commit(void);

/* The JSON results of a run: version, commit, MMU, scenario, then the
 * members of @extra (may be NULL), config, stats, histograms, figures,
 * violations.  With @base (the results of a run of the warmup alone),
 * every stat and histogram is its change since the warmup.  @overflow
 * names a count too large for JSON, if any. */
struct json_t *results_json(const struct run *r, struct json_t *extra,
			    const struct cli_input *in, struct json_t *base,
			    const char **overflow);
/* Writes them to @path ('-': stdout); 0 or -1 (message printed).
 * Written atomically. */
int results_write_json(const struct run *r, const char *path, struct json_t *extra,
		       const struct cli_input *in);
/* Everything a run or replay puts out: the summary (on stdout, or on
 * stderr when --json or --csv writes to stdout), the figures of a replay
 * (@in), the counterexample of a run (@replay_cmd NULL: the run's own
 * replay line), --json and --csv.  Returns the exit status. */
int results_output(const struct run *r, const char *name, const struct opts *o,
		   const char *replay_cmd, const struct cli_input *in,
		   struct json_t *base);
/* Human summary on @f: key stats, violations, failed expectations. */
void results_print_summary(FILE *f, const char *scenario, const struct run *r);
/* The first counterexample: event-log tail and the replay command. */
void results_print_counterexample(FILE *f, const char *scenario,
				  const struct run *r, const struct opts *o);
void replay_command(FILE *f, const char *scenario, const struct opts *o,
		    uint64_t seed, bool explore);

int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_scenarios(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* What stat @name counts (cli/stats_doc.c), or NULL if undescribed. */
const char *cli_stat_doc(const char *name);

/* --- helpers (cli/util.c) --- */
/* asprintf that exits on out-of-memory. */
char *cli_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* realloc that exits on out-of-memory (n 0 is 1). */
void *cli_xrealloc(void *p, size_t n);
/* Makes room for one more element at arr[n]. */
#define GROW(arr, n) ((arr) = cli_xrealloc((arr), ((n) + 1) * sizeof(*(arr))))
/* Seconds on the monotonic clock (progress lines and rates). */
double cli_now_s(void);
/* A campaign's job list (--emit-jobs FILE) for GNU parallel or a Slurm
 * array: @njobs lines "TDPSIM CMD PASS..." each ended by what @tail writes
 * for job j (its share of the campaign), every word sh-quoted.  EXIT_OK,
 * or EXIT_BADINPUT (printed: an argument with a control character, or the
 * file cannot be written). */
int cli_emit_jobs(const char *file, const char *tdpsim, const char *cmd,
		  char **pass, int npass, uint64_t njobs,
		  void (*tail)(FILE *f, uint64_t j, void *ctx), void *ctx);
/* The entries of @dir (not . and ..), sorted; 0, or -1 if unreadable. */
int cli_list_dir(const char *dir, char ***names, size_t *n);
void cli_free_names(char **names, size_t n);
/* --- quoting (cli/quote.c) --- */
/* Prints @s as one sh word, quoted when it needs to be (one line: the
 * caller keeps control characters out, see cli_check_arg). */
void cli_shquote(FILE *f, const char *s);
/* Whether @s holds a control character (below 0x20, or DEL). */
bool cli_has_ctrl(const char *s);
/* @s with control bytes and '\\' escaped (\n, \t, \xHH), for messages;
 * malloc'd. */
char *cli_esc(const char *s);
/* 0, or -1 with "WHAT 'S': holds a control character" printed: for every
 * argument that goes into a command tdpsim writes. */
int cli_check_arg(const char *what, const char *s);
/* The running tdpsim's absolute path (for job lists). */
char *cli_self_exe(void);
/* "A..B" (A <= B) or "A"; 0 or -1. */
int cli_parse_range(const char *s, uint64_t *a, uint64_t *b);
/* mkdir -p; 0 or -1. */
int cli_mkdirs(const char *path);
/* Every param as JSON (as in the results' "config"). */
struct json_t *cli_config_json(const struct params *p);
/* The configuration without sim.seed, canonical (sorted keys; malloc'd). */
char *cli_config_canon(struct json_t *config);
/* An output file (cli/outfile.c): a new path or a regular file is written
 * through a temporary file renamed over it by outfile_commit (no partial
 * file on failure); anything else that exists (a symlink, a FIFO, a
 * terminal, /dev/stdout) is written directly, a folder refused.  Open and
 * commit return 0 or -1 with errno. */
struct outfile {
	FILE *f;
	char *path, *tmp; /* where the rename goes, and from; NULL: direct */
	bool std;	  /* f is stdout or stderr (the path names it) */
};
int outfile_open(struct outfile *o, const char *path);
int outfile_commit(struct outfile *o);
void outfile_abort(struct outfile *o);
/* Every command's way to write a file: @path ('-': stdout) through an
 * outfile, its content from @write (0, or -1 with errno); 0, or -1 with
 * "PATH: cannot write WHAT (why)" printed (@what may be NULL). */
int cli_write_file(const char *path, const char *what,
		   int (*write)(FILE *f, void *ctx), void *ctx);
/* @root as indented JSON, through cli_write_file. */
int cli_write_json(struct json_t *root, const char *path, const char *what);
/* 8 hex digits naming (scenario, config without sim.seed). */
char *cli_config_tag(const char *scenario, struct json_t *config);

/* An output folder written through a staging folder: nothing appears in
 * @dir unless outdir_commit succeeds. */
struct outdir {
	char *dir, *stage;
	bool fresh; /* @dir did not exist: the stage is renamed to it */
	int janitor, jfd; /* the process that removes the stage if we die */
};
int outdir_open(struct outdir *od, const char *dir);
/* In a process forked while an outdir is open: drop its janitor's pipe. */
void outdir_in_child(void);
/* Moves the staged entries into place; @owned names the files of an earlier
 * report that are removed when this one does not write them. */
int outdir_commit(struct outdir *od, const char *const *owned, size_t nowned);
void outdir_abort(struct outdir *od);
extern const char *const report_owned[];
extern const size_t report_nowned;
/* Writes report.md, gnuplot scripts, data and plots into @stage from the
 * loaded results @roots (named @names); 0 or -1 on bad input (printed). */
int report_generate(const char *stage, struct json_t *const *roots,
		    const char *const *names, size_t n);


#endif
