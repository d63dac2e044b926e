/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenarios/catalog.h — what the catalog (scenario.c) is built from: the
 * built-in C scenarios (selftest.c) and the .scn files of
 * workloads/scenarios/ embedded at build time (tools/embed writes
 * gen/scn_catalog.c, which includes this header).
 */
#ifndef TDPSIM_SCENARIOS_CATALOG_H
#define TDPSIM_SCENARIOS_CATALOG_H

#include <stddef.h>

struct scenario;
extern const struct scenario scenario_counter_race;
extern const struct scenario scenario_counter_race_cmpxchg;

/* One embedded .scn file: its path in the tree and its text. */
struct embedded_scn {
	const char *file;
	const char *text;
};
extern const struct embedded_scn embedded_scns[];
extern const size_t n_embedded_scns;

#endif
