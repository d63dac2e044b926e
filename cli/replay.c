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

/* The command that repeats this replay, for the results. */
static char *replay_text(const char *trace, const char *elf, uint64_t base,
			 const struct opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return cli_fmt("tdpsim replay %s", trace);
	fputs("tdpsim replay ", f);
	cli_shquote(f, trace);
	if (elf) {
		fputs(" --elf ", f);
		cli_shquote(f, elf);
		fprintf(f, " --elf-base %#llx", (unsigned long long)base);
	}
	if (o->config) {
		fputs(" --config ", f);
		cli_shquote(f, o->config);
	}
	for (unsigned i = 0; i < o->nsets; i++) {
		fputs(" --set ", f);
		cli_shquote(f, o->sets[i]);
	}
	fclose(f);
	return buf;
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
			static const char *const known[] = {
				"--elf", "--elf-base", "--set", "--config", "--json",
				"--csv", "--help", NULL,
			};
			opts_free(&o);
			return cli_bad("unexpected argument '%s'%s", argv[i],
				       argv[i][0] == '-' ? cli_did_you_mean(argv[i], known) : "");
		}
		trace = argv[i];
	}
	if (!trace) {
		fputs(replay_usage, stderr);
		opts_free(&o);
		return EXIT_BADINPUT;
	}
	/* Read the trace through before building anything: its hash, its
	 * records by kind and vCPU (the results record what was replayed),
	 * and its vCPU count — a native trace without COUNTS does not say,
	 * and the replay would run vCPU 0 alone and drop the others'. */
	char err[512];
	struct cli_input in;
	unsigned nv;
	if (cli_input_read(&in, trace, &nv, err, sizeof(err))) {
		cli_input_free(&in);
		opts_free(&o);
		return cli_bad("%s", err);
	}
	struct trace_reader *tr = trace_open(trace, err, sizeof(err));
	if (!tr) {
		cli_input_free(&in);
		opts_free(&o);
		return cli_bad("%s", err);
	}
	/* Virtual addresses (lackey, ChampSim, a native trace whose header
	 * says so) need guest page tables: 4-level paging unless the config
	 * file or --set chooses (they are applied after this default). */
	if (trace_meta(tr)->flags & TRACE_VADDR)
		params_set(&o.p, "guest.paging", "4level", err, sizeof(err));
	if ((trace_meta(tr)->flags & TRACE_COUNTS) && trace_meta(tr)->nr_vcpus > nv)
		nv = trace_meta(tr)->nr_vcpus; /* the header's vCPUs, used or not */
	struct progress pg = { .t0 = now_s(), .total = in.records };
	trace_close(tr);
	uint64_t base = 0;
	const struct scenario *sc = NULL;
	int status = EXIT_OK;
	if (elf_base && sim_parse_u64(elf_base, &base)) {
		status = cli_bad("--elf-base %s: not an address (decimal or 0x hex)",
				 elf_base);
		goto out;
	}
	if (elf && cli_input_elf(&in, elf, base, err, sizeof(err))) {
		status = cli_bad("%s", err);
		goto out;
	}
	if (strpbrk(trace, " \t\n#") || (elf && strpbrk(elf, " \t\n#"))) {
		status = cli_bad("%s: a path must not contain blanks or '#'",
				 strpbrk(trace, " \t\n#") ? trace : elf);
		goto out;
	}
	char text[8400];
	snprintf(text, sizeof(text), "summary replay of %s\nworkload all trace %s\n",
		 trace, trace);
	if (elf)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "elf %s %llu\n", elf, (unsigned long long)base);
	sc = scenario_from_text("replay", text, strlen(text), err, sizeof(err));
	if (!sc) {
		status = cli_bad("%s", err);
		goto out;
	}
	if (nv > 1) {
		char set[64];
		snprintf(set, sizeof(set), "%u", nv);
		params_set(&o.p, "cpu.vcpus", set, err, sizeof(err));
	}
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
	char *cmd = replay_text(trace, elf, elf ? base : 0, &o);
	status = results_output(r, trace, &o, cmd, &in);
	free(cmd);
	run_free(r);
out:
	if (sc)
		scenario_free_loaded(sc);
	cli_input_free(&in);
	opts_free(&o);
	return status;
}
