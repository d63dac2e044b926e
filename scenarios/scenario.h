/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenarios — what a user runs: a named experiment that builds the machine,
 * the VM and its workloads from params, runs them, and lets the oracles and
 * the expectations judge the outcome.
 *
 * A scenario is either built in (a C program registered in the catalog) or
 * read from a .scn file.  Either way it is run through scenario_run(), which
 * owns the engine, the oracles and the run's lifetime.
 */
#ifndef TDPSIM_SCENARIOS_SCENARIO_H
#define TDPSIM_SCENARIOS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/check/check.h"
#include "scenarios/params.h"
#include "sim/core/core.h"

struct scenario;

struct run {
	const struct scenario *sc;
	struct params p;
	struct sim *sim;
	struct check *check;
	enum sim_status status;
	void *priv;                 /* the scenario's own state */
	/* Failed expectations, one line each (exit status 1, like violations). */
	char failed[4][160];
	unsigned nfailed;
	/* Bad input found while running (a corrupt trace record): exit 2,
	 * and no results are written. */
	bool bad_input;
	char bad_input_msg[512];
	/* Called now and then with the accesses handed to the vCPUs so far
	 * (a progress line for long replays), or NULL. */
	void (*progress)(void *ctx, uint64_t accesses);
	void *progress_ctx;
};

struct scenario {
	const char *name;
	const char *summary;
	/* Param overrides ("key=value") applied before the user's --set. */
	const char *const *defaults;
	/* Builds threads and state; 0 or -1 with a message (bad input: 2). */
	int (*build)(struct run *r, char *err, size_t errlen);
	/* End-of-run oracles and expectations. */
	void (*finish)(struct run *r);
	void (*destroy)(struct run *r);
	/* A parsed scenario file, for scenarios read from .scn text. */
	const struct scn *scn;
	/* Loaded for one caller (a path given on the command line): the
	 * caller frees it with scenario_free_loaded.  Catalog entries are not. */
	bool owned;
};

struct scn;
/* Parses scenario text; NULL and "FILE:LINE: what" in @err on bad input. */
struct scn *scn_parse(const char *file, const char *text, size_t len,
		      char *err, size_t errlen);
void scn_free(struct scn *scn);
/* Parses scenario text (@file names it in messages and anchors relative
 * trace paths), wrapped as a scenario owned by the caller. */
const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);
/* The scenario-file grammar, generated from the parser's tables, into
 * @buf (snprintf-style: the length it needs is returned). */
size_t scn_grammar(char *buf, size_t len);
/* Reads and parses a .scn file, wrapped as a scenario (free with
 * scenario_free_loaded, which does nothing for catalog entries). */
const struct scenario *scenario_load(const char *path, char *err, size_t errlen);
void scenario_free_loaded(const struct scenario *sc);
/* Looks @name up in the catalog, or loads it when it names a .scn file. */
const struct scenario *scenario_resolve(const char *name, char *err,
					size_t errlen);

size_t scenario_count(void);
/* NULL for a built-in scenario file that does not parse. */
const struct scenario *scenario_get(size_t i);
/* The same, with the parse error in @err. */
const struct scenario *scenario_get_checked(size_t i, char *err, size_t errlen);
const struct scenario *scenario_find(const char *name);

/* Applies the scenario's default overrides to @p. */
int scenario_defaults(const struct scenario *sc, struct params *p, char *err,
		      size_t errlen);
/* Runs @sc with @p.  Returns the run (free with run_free) or NULL with a
 * message in @err when the inputs are bad. */
struct run *scenario_run(const struct scenario *sc, const struct params *p,
			 char *err, size_t errlen);
/* The same, reporting progress through @fn (see struct run). */
struct run *scenario_run_progress(const struct scenario *sc,
				  const struct params *p,
				  void (*fn)(void *ctx, uint64_t accesses),
				  void *ctx, char *err, size_t errlen);
void run_free(struct run *r);
/* Records a failed expectation. */
void run_expect_fail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Violations plus failed expectations: nonzero means exit status 1. */
bool run_failed(const struct run *r);

#endif
