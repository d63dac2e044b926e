// SPDX-License-Identifier: GPL-2.0-only
/* tdpsim run, scenarios, config. */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
	"usage: tdpsim run SCENARIO [--set k=v ...] [--seed N] [--config F]\n"
	"                  [--json OUT] [--log FILE]\n"
	"Runs one scenario and prints its key stats. --json writes the results\n"
	"(config, stats, histograms, violations; '-' for stdout); --log writes the\n"
	"event-log ring. Exit 1 on a violation or failed expectation, 2 on bad input.\n";

static int write_log(const struct run *r, const char *path)
{
	struct outfile of;
	if (outfile_open(&of, path))
		return cli_bad("%s: cannot write the event log (%s)", path,
			       strerror(errno)), -1;
	FILE *f = of.f;
	for (size_t i = 0; i < sim_log_count(r->sim); i++) {
		const struct sim_event *e = sim_log_get(r->sim, i);
		fprintf(f, "%llu %u %s %#llx %#llx %#llx\n",
			(unsigned long long)e->cycle, e->thread, e->op,
			(unsigned long long)e->addr, (unsigned long long)e->old,
			(unsigned long long)e->new);
	}
	if (outfile_commit(&of))
		return cli_bad("%s: cannot write the event log (%s)", path,
			       strerror(errno)), -1;
	return 0;
}

/* Parses SCENARIO and the shared options into @o; returns the scenario. */
static const struct scenario *parse_scenario_args(int argc, char **argv,
						  struct opts *o,
						  const char *usage, int *status)
{
	const struct scenario *sc = NULL;
	params_defaults(&o->p);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			*status = EXIT_OK;
			return NULL;
		}
		int rc = opts_parse_one(o, argc, argv, &i);
		if (rc < 0) {
			*status = EXIT_BADINPUT;
			return NULL;
		}
		if (rc)
			continue;
		if (argv[i][0] == '-' || sc) {
			*status = cli_bad("unexpected argument '%s'", argv[i]);
			return NULL;
		}
		if (cli_check_arg("scenario", argv[i])) {
			*status = EXIT_BADINPUT;
			return NULL;
		}
		char err[300];
		o->scenario_arg = argv[i];
		sc = scenario_resolve(argv[i], err, sizeof(err));
		if (!sc) {
			*status = cli_bad("%s", err);
			return NULL;
		}
	}
	if (!sc) {
		fputs(usage, stderr);
		*status = EXIT_BADINPUT;
		return NULL;
	}
	char err[256];
	if (scenario_defaults(sc, &o->p, err, sizeof(err))) {
		*status = cli_bad("scenario %s: %s", sc->name, err);
		scenario_free_loaded(sc);
		return NULL;
	}
	if (opts_apply(o)) {
		*status = EXIT_BADINPUT;
		scenario_free_loaded(sc);
		return NULL;
	}
	return sc;
}

int cmd_run(int argc, char **argv)
{
	struct opts o = { 0 };
	int status = EXIT_OK;
	const struct scenario *sc = parse_scenario_args(argc, argv, &o, run_usage,
							&status);
	if (!sc) {
		opts_free(&o);
		return status;
	}
	char err[256];
	struct run *r = scenario_run(sc, &o.p, err, sizeof(err));
	if (!r) {
		status = cli_bad("%s: %s", sc->name, err);
		scenario_free_loaded(sc);
		opts_free(&o);
		return status;
	}
	if (r->bad_input) {
		status = cli_bad("%s", r->bad_input_msg);
		run_free(r);
		scenario_free_loaded(sc);
		opts_free(&o);
		return status;
	}
	status = results_output(r, sc->name, &o, NULL, NULL);
	if (o.log && write_log(r, o.log))
		status = EXIT_BADINPUT;
	run_free(r);
	scenario_free_loaded(sc);
	opts_free(&o);
	return status;
}

const struct scenario *cli_parse_scenario(int argc, char **argv, struct opts *o,
					  const char *usage, int *status)
{
	return parse_scenario_args(argc, argv, o, usage, status);
}

int cmd_scenarios(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: tdpsim scenarios\nLists the built-in scenarios.");
		return EXIT_OK;
	}
	int status = EXIT_OK;
	for (size_t i = 0; i < scenario_count(); i++) {
		char err[300];
		const struct scenario *sc = scenario_get_checked(i, err, sizeof(err));
		if (sc) {
			printf("%-24s %s\n", sc->name, sc->summary);
		} else {
			/* A built-in scenario that does not parse: a build defect. */
			cli_bad("%s", err);
			status = EXIT_VIOLATION;
		}
	}
	return status;
}

int cmd_config(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--mmu")) {
		const char *const *f = kvm_mmu_fixed_policy();
		printf("mmu: %s\n", kvm_mmu_name());
		for (; f && *f; f++)
			printf("%s\n", *f);
		return EXIT_OK;
	}
	if (argc != 2 || strcmp(argv[1], "--defaults")) {
		fputs("usage: tdpsim config --defaults | --mmu\n"
		      "--defaults prints every parameter: key, default, unit or accepted\n"
		      "values, what it means and where its default comes from.\n"
		      "--mmu names the MMU this binary runs and, for a kernel tree's MMU,\n"
		      "the policy keys its code fixes (key=value, one per line).\n",
		      argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_BADINPUT;
	}
	printf("mmu: %s\n", kvm_mmu_name());
	printf("%-34s %-10s %-22s %s\n", "key", "default", "unit/values", "meaning [source]");
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char values[128];
		snprintf(values, sizeof(values), "%s", d->unit);
		size_t n = strlen(values);
		if (d->type == PARAM_T_ENUM && n && values[n - 1] == '|')
			values[n - 1] = 0;
		printf("%-34s %-10s %-22s %s [%s]\n", d->key, params_default_text(d),
		       values, d->doc, d->source);
	}
	return EXIT_OK;
}
