// SPDX-License-Identifier: GPL-2.0-only
/* tdpsim: the command's entry point and subcommand dispatch. */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"
#include "sim/core/compiler.h"

#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: tdpsim COMMAND [ARGS]\n"
	"\n"
	"  run SCENARIO [--set k=v ...] [--seed N] [--config F] [--json OUT]\n"
	"                                 run one scenario (exit 1 on a violation)\n"
	"  replay TRACE [--set k=v ...] [--config F] [--json OUT]\n"
	"                                 replay a trace (native, lackey, ChampSim)\n"
	"  explore SCENARIO --seeds A..B [--jobs N] [--set k=v ...]\n"
	"                                 search seeded interleavings; exit 1 with the\n"
	"                                 first counterexample and its replay command\n"
	"  compare SCENARIO --vary k=v1,v2[,...] [--vary ...] [--seeds A..B] [--jobs N]\n"
	"          --report DIR           run every combination; DIR/report.md with\n"
	"                                 tables and gnuplot PNG/SVG plots\n"
	"  report RESULT.json|DIR ... --out DIR\n"
	"                                 merge JSON results (runs, explore chunks)\n"
	"                                 into DIR/report.md and plots\n"
	"  explore|compare ... --emit-jobs FILE [--chunk N]\n"
	"                                 write a campaign's job list for GNU parallel\n"
	"                                 or a Slurm array instead of running it\n"
	"  trace info|convert|gen ...     inspect, convert and generate traces\n"
	"  scenarios                      list the built-in scenarios\n"
	"  config --defaults [--json]     every parameter, its default, unit and source\n"
	"  stats [SCENARIO] [--json]      every stat of a run with what it counts\n"
	"\n"
	"Exit status: 0 success, 1 a violation or failed expectation, 2 bad input.\n"
	"'tdpsim COMMAND --help' describes each command.\n";

/* Every "--opt=value" split into "--opt" "value", so that each command's
 * parser sees one spelling (getopt_long's: --set=k=v is --set k=v).  A
 * bare "--" ends the options; what follows is left alone.  The arrays
 * live as long as the process (a global: LeakSanitizer sees them). */
static char **split_argv;

static int split_long_options(int argc, char ***argvp)
{
	char **argv = *argvp;
	split_argv = calloc(2 * (size_t)argc + 1, sizeof(char *));
	if (!split_argv)
		return -1;
	int n = 0;
	bool opts = true;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		if (opts && !strcmp(a, "--"))
			opts = false;
		size_t len = eq ? (size_t)(eq - a) : 0;
		if (!opts || i == 0 || strncmp(a, "--", 2) || !eq || len < 3 ||
		    strspn(a + 2, "abcdefghijklmnopqrstuvwxyz0123456789-") != len - 2) {
			split_argv[n++] = argv[i];
			continue;
		}
		split_argv[n] = strndup(a, len);
		if (!split_argv[n])
			return -1;
		split_argv[n + 1] = (char *)eq + 1;
		n += 2;
	}
	*argvp = split_argv;
	return n;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },
		{ "replay", cmd_replay },
		{ "explore", cmd_explore },
		{ "config", cmd_config },
		{ "scenarios", cmd_scenarios },
		{ "trace", cmd_trace },
		{ "compare", cmd_compare },
		{ "report", cmd_report },
		{ "stats", cmd_stats },
	};

	argc = split_long_options(argc, &argv);
	if (argc < 0)
		return cli_bad("out of memory");
	/* A Linux MMU build starts from what its kernel tree does. */
	params_override_defaults(kvm_mmu_fixed_policy());
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BADINPUT;
	}
	/* "help COMMAND" is "COMMAND --help". */
	static char help_opt[] = "--help";
	if (!strcmp(argv[1], "help") && argc == 3) {
		argv[1] = argv[2];
		argv[2] = help_opt;
	}
	bool global = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
		      !strcmp(argv[1], "help") || !strcmp(argv[1], "--version");
	if (global && argc > 2)
		return cli_bad("%s: unexpected argument '%s'", argv[1], argv[2]);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tdpsim %s\ncommit: %s\nmmu: %s\n", TDPSIM_VERSION, cli_commit(),
		       kvm_mmu_name());
		return EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	static const char *const names[] = { "run", "replay", "explore", "config",
					     "scenarios", "trace", "compare", "report", "stats",
					     "--help", "--version", NULL };
	return cli_bad("unknown command '%s'%s (tdpsim --help lists them)", argv[1],
		       cli_did_you_mean(argv[1], names));
}
