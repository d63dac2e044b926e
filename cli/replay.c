// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim replay TRACE: a trace of any readable format, each of its vCPUs'
 * records on the simulated vCPU of the same index, on the machine and VM
 * the params describe.  Internally a one-line scenario.
 */
#include "cli/cli.h"
#include "traces/trace.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char replay_usage[] =
	"usage: tdpsim replay TRACE [--elf PROGRAM [--elf-base ADDR]] [--config F]\n"
	"                    [--set k=v ...] [--json OUT]\n"
	"Replays TRACE (native, native+zstd, lackey, ChampSim+xz; detected from\n"
	"its content) with one vCPU per trace vCPU. A trace of virtual addresses\n"
	"(lackey, ChampSim, a native trace whose header says so) runs with\n"
	"guest.paging=4level, others with guest.paging=none (addresses are GPAs\n"
	"inside vm.mem), unless --set or --config chooses. --elf PROGRAM maps the\n"
	"program's PT_LOAD segments with their permissions (text R+X, data R+W+NX);\n"
	"other pages are demand-mapped read/write. --elf-base: where a PIE program\n"
	"was loaded (valgrind loads PIE executables at 0x108000).\n";

/* The progress line on a terminal: accesses so far, rate, and how far into
 * the trace when its record count is known. */
struct progress {
	double t0;
	uint64_t total;
	bool shown;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show_progress(void *ctx, uint64_t done)
{
	struct progress *pg = ctx;
	double el = now_s() - pg->t0;
	pg->shown = true;
	fprintf(stderr, "\rreplay: %llu accesses, %.1f M/s", (unsigned long long)done,
		el > 0 ? (double)done / el / 1e6 : 0.0);
	if (pg->total)
		fprintf(stderr, ", %.0f%%", 100.0 * (double)done / (double)pg->total);
	fputs("   ", stderr);
}

/* The highest vCPU id of @tr's records, plus one, in *@nv (1 for an empty
 * trace); 0, or -1 with the reader's message. */
static int trace_count_vcpus(struct trace_reader *tr, unsigned *nv, char *err,
			     size_t errlen)
{
	static struct trace_rec recs[4096];
	unsigned top = 0;
	long n;
	while ((n = trace_read(tr, recs, sizeof(recs) / sizeof(recs[0]))) > 0)
		for (long i = 0; i < n; i++)
			if (recs[i].vcpu >= top)
				top = recs[i].vcpu + 1u;
	if (n < 0) {
		snprintf(err, errlen, "%s", trace_error(tr));
		return -1;
	}
	*nv = top ? top : 1;
	return 0;
}

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);

int cmd_replay(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *trace = NULL, *elf = NULL, *elf_base = "0";
	params_defaults(&o.p);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(replay_usage, stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--elf-base")) {
			if (i + 1 == argc) {
				opts_free(&o);
				return cli_bad("--elf-base needs an ADDRESS");
			}
			elf_base = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--elf")) {
			if (i + 1 == argc) {
				opts_free(&o);
				return cli_bad("--elf needs a PROGRAM");
			}
			elf = argv[++i];
			continue;
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
	/* Virtual addresses (lackey, ChampSim, a native trace whose header
	 * says so) need guest page tables: 4-level paging unless the config
	 * file or --set chooses (they are applied after this default). */
	bool vaddr = trace_meta(tr)->flags & TRACE_VADDR;
	if (vaddr)
		params_set(&o.p, "guest.paging", "4level", err, sizeof(err));
	struct progress pg = {
		.t0 = now_s(),
		.total = trace_meta(tr)->flags & TRACE_COUNTS ? trace_meta(tr)->nr_records : 0,
	};
	/* Without COUNTS a native trace does not say how many vCPUs it has
	 * (nr_vcpus 0): read it through once for the highest vCPU id, or the
	 * replay would run vCPU 0 alone and drop the others' records. */
	if (!(trace_meta(tr)->flags & TRACE_COUNTS) && nv == 0 &&
	    trace_count_vcpus(tr, &nv, err, sizeof(err))) {
		trace_close(tr);
		opts_free(&o);
		return cli_bad("%s", err);
	}
	trace_close(tr);

	if (strpbrk(trace, " \t\n#") || (elf && strpbrk(elf, " \t\n#"))) {
		opts_free(&o);
		return cli_bad("%s: a path must not contain blanks or '#'",
			       strpbrk(trace, " \t\n#") ? trace : elf);
	}
	char text[8400];
	if (strpbrk(elf_base, " \t\n#")) {
		opts_free(&o);
		return cli_bad("--elf-base %s: not an address", elf_base);
	}
	snprintf(text, sizeof(text), "summary replay of %s\nworkload all trace %s\n",
		 trace, trace);
	if (elf)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "elf %s %s\n", elf, elf_base);
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
	if (o.p.cpu_vcpus < nv) {
		status = cli_bad("%s: the trace has records of %u vCPUs, but cpu.vcpus=%llu: "
				 "each of its vCPUs needs one", trace, nv,
				 (unsigned long long)o.p.cpu_vcpus);
		goto out;
	}
	bool tty = isatty(2);
	struct run *r = scenario_run_progress(sc, &o.p, tty ? show_progress : NULL,
					      &pg, err, sizeof(err));
	if (pg.shown)
		fputc('\n', stderr);
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
