/*
 * tdpsim replay TRACE: a trace of any readable format, each of its vCPUs'
 * records on the simulated vCPU of the same index, on the machine and VM
 * the params describe.  Internally a one-line scenario.
 */
#include "cli/cli.h"
#include "traces/trace.h"

#include <stdlib.h>
#include <string.h>

static const char replay_usage[] =
	"usage: tdpsim replay TRACE [--config F] [--set k=v ...] [--json OUT]\n"
	"Replays TRACE (native, native+zstd, lackey, ChampSim+xz; detected from\n"
	"its content) with one vCPU per trace vCPU. With guest.paging=none the\n"
	"addresses are GPAs inside vm.mem; use --set guest.paging=4level for\n"
	"traces of virtual addresses (lackey, ChampSim).\n";

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);

int cmd_replay(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *trace = NULL;
	params_defaults(&o.p);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(replay_usage, stdout);
			return EXIT_OK;
		}
		int rc = opts_parse_one(&o, argc, argv, &i);
		if (rc < 0) {
			opts_free(&o);
			return EXIT_BADINPUT;
		}
		if (rc)
			continue;
		if (argv[i][0] == '-' || trace) {
			opts_free(&o);
			return cli_bad("unexpected argument '%s'", argv[i]);
		}
		trace = argv[i];
	}
	if (!trace) {
		fputs(replay_usage, stderr);
		opts_free(&o);
		return EXIT_BADINPUT;
	}
	/* Check the trace before building anything, and take its vCPU count. */
	char err[512];
	struct trace_reader *tr = trace_open(trace, err, sizeof(err));
	if (!tr) {
		opts_free(&o);
		return cli_bad("%s", err);
	}
	unsigned nv = trace_meta(tr)->nr_vcpus;
	trace_close(tr);

	if (strpbrk(trace, " \t\n#")) {
		opts_free(&o);
		return cli_bad("%s: a trace path must not contain blanks or '#'", trace);
	}
	char text[4200];
	snprintf(text, sizeof(text), "summary replay of %s\nworkload all trace %s\n",
		 trace, trace);
	const struct scenario *sc = scenario_from_text("replay", text, strlen(text),
						       err, sizeof(err));
	if (!sc) {
		opts_free(&o);
		return cli_bad("%s", err);
	}
	if (nv > 1) {
		char set[64];
		snprintf(set, sizeof(set), "%u", nv);
		params_set(&o.p, "cpu.vcpus", set, err, sizeof(err));
	}
	int status = EXIT_OK;
	if (opts_apply(&o)) {
		status = EXIT_BADINPUT;
		goto out;
	}
	struct run *r = scenario_run(sc, &o.p, err, sizeof(err));
	if (!r) {
		status = cli_bad("%s", err);
		goto out;
	}
	if (r->bad_input) {
		status = cli_bad("%s", r->bad_input_msg);
		run_free(r);
		goto out;
	}
	results_print_summary(stdout, trace, r);
	status = run_failed(r) ? EXIT_VIOLATION : EXIT_OK;
	if (o.json && results_write_json(r, o.json))
		status = EXIT_BADINPUT;
	run_free(r);
out:
	scenario_free_loaded(sc);
	opts_free(&o);
	return status;
}
