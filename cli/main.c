// SPDX-License-Identifier: GPL-2.0-only
/* tdpsim: the command's entry point and subcommand dispatch. */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"

#include <stdarg.h>
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
	"  config --defaults              every parameter, its default, unit and source\n"
	"\n"
	"Exit status: 0 success, 1 a violation or failed expectation, 2 bad input.\n"
	"'tdpsim COMMAND --help' describes each command.\n";

int cli_bad(const char *fmt, ...)
{
	va_list ap;
	fputs("tdpsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BADINPUT;
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
	};

	/* A Linux MMU build starts from what its kernel tree does. */
	params_override_defaults(kvm_mmu_fixed_policy());
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BADINPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tdpsim %s\nmmu: %s\n", TDPSIM_VERSION, kvm_mmu_name());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return cli_bad("unknown command '%s' (tdpsim --help lists them)", argv[1]);
}
