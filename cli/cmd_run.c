// SPDX-License-Identifier: GPL-2.0-only
/* tdpsim run, scenarios, config. */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
	"usage: tdpsim run SCENARIO [--set k=v ...] [--seed N] [--config F]\n"
	"                  [--json OUT] [--log FILE]\n"
	"Runs one scenario and prints its key stats. --json writes the results\n"
	"(config, stats, histograms, violations; '-' for stdout); --log writes the\n"
	"event-log ring. Exit 1 on a violation or failed expectation, 2 on bad input.\n";

static int write_log_lines(FILE *f, void *run)
{
	const struct run *r = run;
	for (size_t i = 0; i < sim_log_count(r->sim); i++) {
		const struct sim_event *e = sim_log_get(r->sim, i);
		fprintf(f, "%llu %u %s %#llx %#llx %#llx\n",
			(unsigned long long)e->cycle, e->thread, e->op,
			(unsigned long long)e->addr, (unsigned long long)e->old,
			(unsigned long long)e->new);
	}
	return 0;
}

static int write_log(const struct run *r, const char *path)
{
	return cli_write_file(path, "the event log", write_log_lines, (void *)r);
}

/* SCENARIO, as named: a catalog name or a .scn path. */
static const struct scenario *take_scenario(struct opts *o, const char *arg,
					    int *status)
{
	if (cli_check_arg("scenario", arg)) {
		*status = EXIT_BADINPUT;
		return NULL;
	}
	char err[300];
	o->scenario_arg = arg;
	const struct scenario *sc = scenario_resolve(arg, err, sizeof(err));
	if (!sc)
		*status = cli_bad("%s%s", err, strchr(arg, '/') ? ""
				  : cli_did_you_mean_scenario(arg));
	return sc;
}

const struct scenario *cli_parse_scenario(const char *cmd, int argc, char **argv,
					  struct opts *o, const char *usage,
					  const struct option *own,
					  int (*take)(void *ctx, const struct cli_scan *s,
						      int id, const char *val),
					  void *ctx, int *status)
{
	const struct scenario *sc = NULL;
	struct cli_scan s;
	const char *val;
	int id;
	params_defaults(&o->p);
	cli_scan_init(&s, cmd, argc, argv, own, o);
	*status = EXIT_OK;
	while (!*status && (id = cli_scan_next(&s, &val)) != CLI_SCAN_END) {
		if (id == CLI_SCAN_BAD) {
			*status = EXIT_BADINPUT;
		} else if (id == 'h') {
			fputs(usage, stdout);
			break;
		} else if (id == CLI_SCAN_ARG && sc) {
			*status = cli_bad("%s: unexpected argument '%s' (one scenario "
					  "only)", cmd, val);
		} else if (id == CLI_SCAN_ARG && !(sc = take_scenario(o, val, status))) {
			break;
		}
		if (!*status && take)
			*status = take(ctx, &s, id, val);
	}
	if (*status || id == 'h') {
		scenario_free_loaded(sc);
		return NULL;
	}
	if (!sc) {
		fputs(usage, stderr);
		*status = EXIT_BADINPUT;
		return NULL;
	}
	char err[256];
	if (scenario_defaults(sc, &o->p, err, sizeof(err))) {
		*status = cli_bad("scenario %s: %s", sc->name, err);
	} else if (opts_apply(o)) {
		*status = EXIT_BADINPUT;
	} else {
		return sc;
	}
	scenario_free_loaded(sc);
	return NULL;
}

int cmd_run(int argc, char **argv)
{
	struct opts o = { 0 };
	int status = EXIT_OK;
	const struct scenario *sc = cli_parse_scenario("run", argc, argv, &o, run_usage,
						       NULL, NULL, NULL, &status);
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
	status = results_output(r, sc->name, &o, NULL, NULL, NULL);
	if (o.log && write_log(r, o.log))
		status = EXIT_BADINPUT;
	run_free(r);
	scenario_free_loaded(sc);
	opts_free(&o);
	return status;
}

static const char scenarios_usage[] =
	"usage: tdpsim scenarios [--json | --grammar]\n"
	"Lists the built-in scenarios: name and summary (--json: a list of\n"
	"{\"name\", \"summary\"} objects).  --grammar prints the language of\n"
	"scenario files instead.\n";

/* The scenario-file grammar, from the parser's own tables. */
static int print_grammar(void)
{
	size_t len = scn_grammar(NULL, 0) + 1;
	char *buf = malloc(len);
	if (!buf)
		return cli_bad("out of memory");
	scn_grammar(buf, len);
	fputs(buf, stdout);
	free(buf);
	return EXIT_OK;
}

int cmd_scenarios(int argc, char **argv)
{
	enum { OPT_JSON = CLI_OPT_OWN, OPT_GRAMMAR };
	static const struct option own[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "grammar", no_argument, NULL, OPT_GRAMMAR },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, grammar = false;
	struct cli_scan s;
	const char *val;
	int id;
	cli_scan_init(&s, "scenarios", argc, argv, own, NULL);
	while ((id = cli_scan_next(&s, &val)) != CLI_SCAN_END) {
		if (id == 'h') {
			fputs(scenarios_usage, stdout);
			return EXIT_OK;
		}
		json |= id == OPT_JSON;
		grammar |= id == OPT_GRAMMAR;
		if (id == CLI_SCAN_ARG)
			cli_bad("scenarios: unexpected argument '%s'", val);
		if (id == CLI_SCAN_ARG || id == CLI_SCAN_BAD) {
			fputs(scenarios_usage, stderr);
			return EXIT_BADINPUT;
		}
	}
	if (grammar && json) {
		cli_bad("scenarios: --grammar and --json do not go together");
		return EXIT_BADINPUT;
	}
	if (grammar)
		return print_grammar();
	int status = EXIT_OK;
	json_t *list = json_array();
	for (size_t i = 0; i < scenario_count(); i++) {
		char err[300];
		const struct scenario *sc = scenario_get_checked(i, err, sizeof(err));
		if (!sc) {
			/* A built-in scenario that does not parse: a build defect. */
			cli_bad("%s", err);
			status = EXIT_VIOLATION;
		} else if (json) {
			json_array_append_new(list, json_pack("{s:s,s:s}", "name", sc->name,
							      "summary", sc->summary));
		} else {
			printf("%-24s %s\n", sc->name, sc->summary);
		}
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(list);
	return status;
}

static const char config_usage[] =
	"usage: tdpsim config --defaults [--json] | --keys | --mmu\n"
	"--defaults prints every parameter: key, default, unit or accepted\n"
	"values, what it means and where its default comes from (a manual\n"
	"section, a paper, a kernel commit, or an estimate with its reasoning);\n"
	"--json prints the same as a list of objects.  --keys prints the keys\n"
	"alone.  --mmu names the MMU this binary runs and, for a kernel tree's\n"
	"MMU, the policy keys its code fixes (key=value, one per line).\n";

/* An enum's accepted values "a|b|c" (the table stores a trailing '|'). */
static void param_values(const struct param_desc *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s", d->unit);
	size_t n = strlen(buf);
	if (d->type == PARAM_T_ENUM && n && buf[n - 1] == '|')
		buf[n - 1] = 0;
}

/* config --mmu: the MMU and the policy keys its code fixes. */
static int config_mmu(void)
{
	const char *const *f = kvm_mmu_fixed_policy();
	printf("mmu: %s\n", kvm_mmu_name());
	for (; f && *f; f++)
		printf("%s\n", *f);
	return EXIT_OK;
}

/* config --defaults --json: one object per parameter. */
static int config_json(void)
{
	json_t *list = json_array();
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char values[256];
		param_values(d, values, sizeof(values));
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}",
			"key", d->key, "default", params_default_text(d),
			d->type == PARAM_T_ENUM ? "values" : "unit", values,
			"meaning", d->doc, "source", d->source,
			"mmu", kvm_mmu_name()));
	}
	json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(list);
	return EXIT_OK;
}

/* config --defaults: a table whose columns are as wide as their widest
 * entry (aligned, never run together). */
static int config_table(void)
{
	int wk = 3, wd = 7, wv = 11;
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char values[256];
		param_values(d, values, sizeof(values));
		int k = (int)strlen(d->key), df = (int)strlen(params_default_text(d));
		int v = (int)strlen(values);
		wk = k > wk ? k : wk;
		wd = df > wd ? df : wd;
		wv = v > wv ? v : wv;
	}
	printf("mmu: %s\n", kvm_mmu_name());
	printf("%-*s  %-*s  %-*s  %s\n", wk, "key", wd, "default", wv, "unit/values",
	       "meaning [source]");
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char values[256];
		param_values(d, values, sizeof(values));
		printf("%-*s  %-*s  %-*s  %s [%s]\n", wk, d->key, wd,
		       params_default_text(d), wv, values, d->doc, d->source);
	}
	return EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	enum { OPT_DEFAULTS = CLI_OPT_OWN, OPT_JSON, OPT_KEYS, OPT_MMU };
	static const struct option own[] = {
		{ "defaults", no_argument, NULL, OPT_DEFAULTS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "keys", no_argument, NULL, OPT_KEYS },
		{ "mmu", no_argument, NULL, OPT_MMU },
		{ NULL, 0, NULL, 0 },
	};
	bool defaults = false, json = false, keys = false, mmu = false;
	struct cli_scan s;
	const char *val;
	int id;
	cli_scan_init(&s, "config", argc, argv, own, NULL);
	while ((id = cli_scan_next(&s, &val)) != CLI_SCAN_END) {
		if (id == 'h') {
			fputs(config_usage, stdout);
			return EXIT_OK;
		}
		defaults |= id == OPT_DEFAULTS;
		json |= id == OPT_JSON;
		keys |= id == OPT_KEYS;
		mmu |= id == OPT_MMU;
		if (id == CLI_SCAN_ARG)
			cli_bad("config: unexpected argument '%s'", val);
		if (id == CLI_SCAN_ARG || id == CLI_SCAN_BAD) {
			fputs(config_usage, stderr);
			return EXIT_BADINPUT;
		}
	}
	if (defaults + keys + mmu != 1 || (json && !defaults)) {
		fputs(config_usage, stderr);
		return EXIT_BADINPUT;
	}
	if (mmu)
		return config_mmu();
	if (keys) {
		for (size_t i = 0; i < params_count(); i++)
			printf("%s\n", params_desc(i)->key);
		return EXIT_OK;
	}
	return json ? config_json() : config_table();
}
