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
	char *sets[256];
	unsigned nsets;
	const char *config;
	const char *json;
	const char *log;
	bool seed_given;
};

/* Prints "tdpsim: MSG" to stderr; returns EXIT_BADINPUT. */
int cli_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Consumes one shared option at argv[*i] (advancing *i past its value).
 * Returns 1 if consumed, 0 if not an option of ours, -1 on bad input
 * (message printed). */
int opts_parse_one(struct opts *o, int argc, char **argv, int *i);
/* Applies the config file then the --set list onto o->p (later wins). */
int opts_apply(struct opts *o);
void opts_free(struct opts *o);
/* Loads an INI-style config file: "key = value" lines, or [prefix]
 * sections that prefix the keys.  Errors name FILE:LINE. */
int config_load(struct params *p, const char *path);

/* JSON results of a run; 0 or -1 (message printed). Written atomically. */
int results_write_json(const struct run *r, const char *path);
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

#endif
