// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim report: JSON results (runs written by compare or by run --json,
 * and explore chunk summaries from a campaign) merged into DIR/report.md,
 * with gnuplot scripts, their data, and PNG and SVG plots.  The model and
 * the writers are report_model.c, report_md.c and report_gp.c (report.h).
 * Nothing in report.md depends on the time, on paths or on the machine, so
 * the same inputs give a byte-identical report.
 *
 * Output goes to a staging folder first and is renamed into place at the
 * end (cli/outdir.c), so bad input leaves no partial report behind.
 */
#include "cli/cli.h"
#include "sim/core/compiler.h"
#include "cli/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const report_owned[] = {
	"report.md",
	"cycles.png", "cycles.svg", "cycles.gp", "cycles.dat",
	"exits.png", "exits.svg", "exits.gp", "exits.dat",
	"phases.png", "phases.svg", "phases.gp", "phases.dat",
	"tlb.png", "tlb.svg", "tlb.gp", "tlb.dat",
};
const size_t report_nowned = ARRAY_SIZE(report_owned);

int report_generate(const char *stage, json_t *const *roots,
		    const char *const *names, size_t n)
{
	struct rep R;
	bool made[REP_NPLOTS];
	if (rep_load(&R, stage, roots, names, n))
		return -1;
	int rc = report_gp_write(&R, made) || report_md_write(&R, made) ? -1 : 0;
	if (!rc)
		report_gp_render(&R, made);
	rep_free(&R);
	return rc;
}

/* ------------------------------------------------------- tdpsim report */

static const char report_usage[] =
	"usage: tdpsim report RESULT.json|FOLDER ... --out DIR\n"
	"Merges JSON results -- runs (from compare or run --json) and explore\n"
	"chunk summaries (explore --json-dir) -- into DIR/report.md with tables\n"
	"and gnuplot PNG and SVG plots. Runs are grouped into variants by their\n"
	"configuration, labelled by the config keys that differ between them;\n"
	"a variant's seeds give medians with [min..max]. A FOLDER stands for its\n"
	"*.json files (or, if it has none, those of FOLDER/runs).\n";

static int add_input(const char *path, char ***files, size_t *nfiles)
{
	struct stat st;
	if (stat(path, &st))
		return cli_bad("%s: cannot open (%s)", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		GROW(*files, *nfiles);
		(*files)[(*nfiles)++] = strdup(path);
		return 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		char *dir = pass ? cli_fmt("%s/runs", path) : strdup(path);
		char **names;
		size_t n, found = 0;
		if (cli_list_dir(dir, &names, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				size_t l = strlen(names[i]);
				if (l > 5 && !strcmp(names[i] + l - 5, ".json")) {
					GROW(*files, *nfiles);
					(*files)[(*nfiles)++] = cli_fmt("%s/%s", dir, names[i]);
					found++;
				}
			}
			cli_free_names(names, n);
		}
		free(dir);
		if (found)
			return 0;
	}
	return cli_bad("%s: no *.json results in this folder (nor in its runs/)", path);
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL;
	char **files = NULL;
	size_t nfiles = 0;
	int status = EXIT_OK;
	enum { OPT_OUT = CLI_OPT_OWN };
	static const struct option own[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_scan s;
	const char *val;
	int id;
	cli_scan_init(&s, "report", argc, argv, own, NULL);
	while (!status && (id = cli_scan_next(&s, &val)) != CLI_SCAN_END) {
		if (id == 'h') {
			fputs(report_usage, stdout);
			cli_free_names(files, nfiles);
			return EXIT_OK;
		}
		if (id == OPT_OUT)
			out = val;
		else if (id == CLI_SCAN_ARG)
			status = add_input(val, &files, &nfiles);
		else
			status = EXIT_BADINPUT;
	}
	if (!status && !nfiles) {
		fputs(report_usage, stderr);
		status = EXIT_BADINPUT;
	} else if (!status && !out) {
		status = cli_bad("report needs --out DIR");
	}
	if (status) {
		cli_free_names(files, nfiles);
		return status;
	}
	json_t **roots = cli_xrealloc(NULL, nfiles * sizeof(json_t *));
	size_t nroots = 0;
	for (size_t i = 0; i < nfiles && !status; i++) {
		json_error_t je;
		roots[i] = json_load_file(files[i], 0, &je);
		if (!roots[i])
			status = je.line > 0
				 ? cli_bad("%s:%d: bad JSON: %s", files[i], je.line, je.text)
				 : cli_bad("%s: %s", files[i], je.text);
		else
			nroots++;
	}
	struct outdir od;
	if (!status && outdir_open(&od, out))
		status = EXIT_BADINPUT;
	else if (!status) {
		if (report_generate(od.stage, roots, (const char *const *)files, nfiles)) {
			outdir_abort(&od);
			status = EXIT_BADINPUT;
		} else if (outdir_commit(&od, report_owned, report_nowned)) {
			status = EXIT_BADINPUT;
		} else {
			printf("report: %s/report.md (%zu result%s)\n", out, nfiles,
			       nfiles > 1 ? "s" : "");
		}
	}
	for (size_t i = 0; i < nroots; i++)
		json_decref(roots[i]);
	free(roots);
	cli_free_names(files, nfiles);
	return status;
}

