// SPDX-License-Identifier: GPL-2.0-only
/* The scenario catalog and the run lifecycle. */
#include "scenarios/scenario.h"
#include "scenarios/catalog.h"
#include "sim/core/compiler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in C scenarios first, then the embedded .scn files. */
static const struct scenario *const builtin[] = {
	&scenario_counter_race,
	&scenario_counter_race_cmpxchg,
};
#define NBUILTIN (ARRAY_SIZE(builtin))

/*
 * The embedded scenarios, parsed once on first use.  A built-in scenario
 * that does not parse is a build defect; the catalog test parses them all.
 */
static const struct scenario **embedded;
static char (*embedded_err)[256];

static void load_embedded(void)
{
	if (embedded || !n_embedded_scns)
		return;
	embedded = calloc(n_embedded_scns, sizeof(*embedded));
	embedded_err = calloc(n_embedded_scns, sizeof(*embedded_err));
	if (!embedded || !embedded_err)
		abort();
	for (size_t i = 0; i < n_embedded_scns; i++) {
		embedded[i] = scenario_from_text(embedded_scns[i].file,
						 embedded_scns[i].text,
						 strlen(embedded_scns[i].text),
						 embedded_err[i], sizeof(embedded_err[i]));
		if (embedded[i]) /* the catalog's, for the whole process */
			((struct scenario *)embedded[i])->owned = false;
	}
}

const struct scenario *scenario_get_checked(size_t i, char *err, size_t errlen)
{
	const struct scenario *sc = scenario_get(i);
	if (!sc)
		snprintf(err, errlen, "%s", embedded_err[i - NBUILTIN]);
	return sc;
}

size_t scenario_count(void)
{
	load_embedded();
	return NBUILTIN + (embedded ? n_embedded_scns : 0);
}

const struct scenario *scenario_get(size_t i)
{
	load_embedded();
	return i < NBUILTIN ? builtin[i] : embedded[i - NBUILTIN];
}

const struct scenario *scenario_find(const char *name)
{
	for (size_t i = 0; i < scenario_count(); i++) {
		const struct scenario *sc = scenario_get(i);
		if (sc && strcmp(sc->name, name) == 0)
			return sc;
	}
	return NULL;
}

const struct scenario *scenario_resolve(const char *name, char *err,
					size_t errlen)
{
	const struct scenario *sc = scenario_find(name);
	if (sc)
		return sc;
	size_t n = strlen(name);
	if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".scn")))
		return scenario_load(name, err, errlen);
	snprintf(err, errlen, "unknown scenario '%s' (tdpsim scenarios lists them; "
		 "a path to a .scn file works too)", name);
	return NULL;
}

int scenario_defaults(const struct scenario *sc, struct params *p, char *err,
		      size_t errlen)
{
	for (const char *const *kv = sc->defaults; kv && *kv; kv++) {
		char key[128];
		const char *eq = strchr(*kv, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
		if (params_set(p, key, eq + 1, err, errlen))
			return -1;
	}
	return 0;
}

struct run *scenario_run(const struct scenario *sc, const struct params *p,
			 char *err, size_t errlen)
{
	return scenario_run_progress(sc, p, NULL, NULL, err, errlen);
}

struct run *scenario_run_progress(const struct scenario *sc,
				  const struct params *p,
				  void (*fn)(void *ctx, uint64_t accesses),
				  void *ctx, char *err, size_t errlen)
{
	if (params_validate(p, err, errlen))
		return NULL;
	struct run *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->sc = sc;
	r->p = *p;
	r->progress = fn;
	r->progress_ctx = ctx;
	r->sim = sim_new(&r->p.core);
	if (!r->sim) {
		snprintf(err, errlen, "cannot set up the engine (host.mem %llu bytes?)",
			 (unsigned long long)p->host_mem);
		free(r);
		return NULL;
	}
	r->check = check_new(r->sim);
	if (sc->build(r, err, errlen)) {
		if (sc->destroy)
			sc->destroy(r);
		run_free(r);
		return NULL;
	}
	r->status = sim_run(r->sim);
	if (r->status == SIM_DEADLOCK)
		run_expect_fail(r, "deadlock: every thread blocked");
	if (sc->finish)
		sc->finish(r);
	/* The results are what the run measured, not what tearing the VM
	 * down costs. */
	stats_freeze(sim_stats(r->sim));
	if (sc->destroy)
		sc->destroy(r);
	/* Freed memory the engine could not mark (teardown frees most of
	 * it): a read of it would have gone unreported, so the run proves
	 * less than it claims. */
	if (sim_poison_lost(r->sim)) {
		snprintf(err, errlen,
			 "out of memory: the poison marks of %llu freed pages were not "
			 "recorded, so reads of them would go unreported",
			 (unsigned long long)sim_poison_lost(r->sim));
		run_free(r);
		return NULL;
	}
	return r;
}

void run_free(struct run *r)
{
	if (!r)
		return;
	sim_free(r->sim);
	check_free(r->check);
	free(r);
}

void run_expect_fail(struct run *r, const char *fmt, ...)
{
	if (r->nfailed == ARRAY_SIZE(r->failed))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->failed[r->nfailed++], sizeof(r->failed[0]), fmt, ap);
	va_end(ap);
}

bool run_failed(const struct run *r)
{
	return check_count(r->check) > 0 || r->nfailed > 0;
}
