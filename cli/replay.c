// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim replay TRACE: a trace of any readable format, each of its vCPUs'
 * records on the simulated vCPU of the same index, on the machine and VM
 * the params describe.  Internally a one-line scenario.
 */
#include "cli/cli.h"
#include "traces/trace.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char replay_usage[] =
	"usage: tdpsim replay TRACE [--elf PROGRAM [--elf-base ADDR]] [--warmup N]\n"
	"                    [--config F] [--set k=v ...] [--json OUT] [--csv OUT]\n"
	"Replays TRACE (native, native+zstd, lackey, ChampSim+xz; detected from\n"
	"its content) with one vCPU per trace vCPU and prints the key stats and,\n"
	"per TLB level, lookups, misses, miss rate and MPKI (instructions are the\n"
	"fetch records), walks, references per walk, cycles per access, and these\n"
	"by access kind (load, store, fetch) and by vCPU, as the vCPUs counted\n"
	"them (tdpsim stats describes each).  A trace of virtual addresses (lackey,\n"
	"ChampSim, a native trace whose header says so) runs with\n"
	"guest.paging=4level, others with guest.paging=none (addresses are GPAs\n"
	"inside vm.mem), unless --set or --config chooses.\n"
	"--elf PROGRAM: the program's PT_LOAD segments are mapped before the run\n"
	"with their permissions (text R+X, data R+W+NX; vCPU 0 touches each of\n"
	"their pages first, then enters the program's address space with a TLB\n"
	"flush, uncounted); other pages are demand-mapped read/write.\n"
	"--elf-base: where a PIE program was loaded (valgrind: 0x108000).\n"
	"--warmup N: each vCPU's first N records run but are not counted.\n"
	"--json and --csv write the results ('-': stdout, the summary then goes\n"
	"to stderr); they name the input (path, size, SHA-256, format, records;\n"
	"the ELF's build-id) and the command that repeats the replay.\n";

/* The progress line on a terminal: accesses so far, rate, and how far into
 * the trace when its record count is known. */
struct progress {
	double t0;
	uint64_t total;
	bool shown;
};

static void show_progress(void *ctx, uint64_t done)
{
	struct progress *pg = ctx;
	double el = cli_now_s() - pg->t0;
	pg->shown = true;
	fprintf(stderr, "\rreplay: %llu accesses, %.1f M/s", (unsigned long long)done,
		el > 0 ? (double)done / el / 1e6 : 0.0);
	if (pg->total)
		fprintf(stderr, ", %.0f%%", 100.0 * (double)done / (double)pg->total);
	fputs("   ", stderr);
}

/* The command that repeats this replay, for the results. */
static char *replay_text(const char *trace, const char *elf, uint64_t base,
			 uint64_t warmup, const struct opts *o)
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
	if (warmup)
		fprintf(f, " --warmup %llu", (unsigned long long)warmup);
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

/* Removes the replay's temporary traces and their folder. */
static void replay_cleanup(const char *dir, char *prefix, char *loader)
{
	unlink(prefix);
	unlink(loader);
	rmdir(dir);
	free(prefix);
	free(loader);
}

/*
 * The loader's trace: one access to every 4 KiB page of the program's
 * PT_LOAD segments, in address order, on vCPU 0 (their number goes to
 * in->loader_pages), as the guest kernel maps and fills them at exec;
 * then the move to the program's address space (@aspace, vCPU 0's): a
 * MOV to CR3 without NOFLUSH, which drops the address space's linear
 * translations from the TLBs and the guest paging-structure caches.  So
 * the program starts with its segments mapped — in the guest page tables
 * with their permissions, and in EPT/NPT — and a cold TLB: its first touch
 * of a page of them takes a walk, but no guest #PF and no VM exit.
 */
static int write_loader(struct cli_input *in, const char *path, uint32_t aspace,
			char *err, size_t errlen)
{
	struct trace_seg *segs;
	size_t nsegs;
	if (trace_elf_segments(in->elf, &segs, &nsegs, err, errlen))
		return -1;
	struct trace_writer *w = trace_create(path, in->flags & (TRACE_VADDR | TRACE_PADDR),
					      err, errlen);
	int rc = w ? 0 : -1;
	for (size_t i = 0; i < nsegs && !rc; i++)
		for (uint64_t a = segs[i].start; a < segs[i].end && !rc; a += 4096) {
			struct trace_rec t = {
				.addr = a + in->elf_base, .size = 1,
				.kind = segs[i].prot & TRACE_SEG_X ? TRACE_FETCH : TRACE_READ,
			};
			rc = trace_write(w, &t, 1);
			in->loader_pages++;
		}
	free(segs);
	if (!rc) {
		struct trace_rec cr3 = {
			.addr = (uint64_t)aspace << 12, .size = 1, .kind = TRACE_MOV_CR3,
		};
		rc = trace_write(w, &cr3, 1);
	}
	if (rc && w) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		trace_abort(w);
		return -1;
	}
	return rc ? -1 : trace_finish(w, err, errlen);
}

int cmd_replay(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *trace = NULL, *elf = NULL, *elf_base = "0", *warmup_arg = NULL;
	uint64_t warmup = 0;
	params_defaults(&o.p);
	enum { OPT_ELF = CLI_OPT_OWN, OPT_ELF_BASE, OPT_WARMUP };
	static const struct option own[] = {
		{ "elf", required_argument, NULL, OPT_ELF },
		{ "elf-base", required_argument, NULL, OPT_ELF_BASE },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_scan scan;
	const char *val;
	int id, bad = 0;
	cli_scan_init(&scan, "replay", argc, argv, own, &o);
	while (!bad && (id = cli_scan_next(&scan, &val)) != CLI_SCAN_END) {
		if (id == 'h') {
			fputs(replay_usage, stdout);
			opts_free(&o);
			return EXIT_OK;
		}
		if (id == CLI_SCAN_BAD)
			bad = EXIT_BADINPUT;
		else if (id == OPT_ELF)
			elf = val;
		else if (id == OPT_ELF_BASE)
			elf_base = val;
		else if (id == OPT_WARMUP && sim_parse_u64(val, &warmup))
			bad = cli_bad("replay: --warmup needs a number of records "
				      "(decimal or 0x hex), not '%s'", val);
		else if (id == OPT_WARMUP)
			warmup_arg = val;
		else if (id == CLI_SCAN_ARG && trace)
			bad = cli_bad("replay: unexpected argument '%s' (one trace only)", val);
		else if (id == CLI_SCAN_ARG)
			trace = val;
	}
	if (bad) {
		opts_free(&o);
		return bad;
	}
	if (!trace) {
		fputs(replay_usage, stderr);
		opts_free(&o);
		return EXIT_BADINPUT;
	}
	/* Before building anything: the trace's hash and format (the results
	 * record what was replayed) and its vCPU count — a native trace
	 * without COUNTS does not say, and the replay would run vCPU 0 alone
	 * and drop the others': cli_input_read then reads it through.  Its
	 * records by kind and vCPU are the run's own counters. */
	char err[512];
	struct cli_input in;
	unsigned nv;
	/* The warmup's records and the loader's go to traces of their own. */
	char tmpdir[] = "/tmp/tdpsim-replay-XXXXXX";
	if (!mkdtemp(tmpdir)) {
		opts_free(&o);
		return cli_bad("cannot make a temporary folder (%s)", strerror(errno));
	}
	char *prefix = cli_fmt("%s/warmup.trace", tmpdir);
	char *loader = cli_fmt("%s/loader.trace", tmpdir);
	if (cli_input_read(&in, trace, warmup, warmup ? prefix : NULL, &nv, err,
			   sizeof(err))) {
		cli_input_free(&in);
		opts_free(&o);
		replay_cleanup(tmpdir, prefix, loader);
		return cli_bad("%s", err);
	}
	struct trace_reader *tr = trace_open(trace, err, sizeof(err));
	if (!tr) {
		cli_input_free(&in);
		opts_free(&o);
		replay_cleanup(tmpdir, prefix, loader);
		return cli_bad("%s", err);
	}
	/* Virtual addresses (lackey, ChampSim, a native trace whose header
	 * says so) need guest page tables: 4-level paging unless the config
	 * file or --set chooses (they are applied after this default). */
	if (trace_meta(tr)->flags & TRACE_VADDR)
		params_set(&o.p, "guest.paging", "4level", err, sizeof(err));
	if ((trace_meta(tr)->flags & TRACE_COUNTS) && trace_meta(tr)->nr_vcpus > nv)
		nv = trace_meta(tr)->nr_vcpus; /* the header's vCPUs, used or not */
	struct progress pg = { .t0 = cli_now_s(), .total = in.records };
	const uint32_t *aspaces = trace_aspaces(tr);
	uint32_t aspace0 = aspaces && trace_meta(tr)->nr_vcpus ? aspaces[0] : 0;
	trace_close(tr);
	uint64_t base = 0;
	const struct scenario *sc = NULL, *wsc = NULL;
	json_t *warm = NULL;
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
	/* The program's loader: before the program's first record, vCPU 0
	 * touches every page of its PT_LOAD segments (a fetch of a page of
	 * an executable segment, a read of the others), so that the guest
	 * maps them with their permissions before the run, then enters the
	 * program's address space with a flush (write_loader). */
	if (elf && write_loader(&in, loader, aspace0, err, sizeof(err))) {
		status = cli_bad("%s", err);
		goto out;
	}
	char text[8400], wtext[8400];
	snprintf(text, sizeof(text), "summary replay of %s\n%s%s%sworkload all trace %s\n",
		 trace, elf ? "workload 0 trace " : "", elf ? loader : "", elf ? "\n" : "",
		 trace);
	snprintf(wtext, sizeof(wtext), "summary warmup of %s\n%s%s%s%s%s%s",
		 trace, elf ? "workload 0 trace " : "", elf ? loader : "", elf ? "\n" : "",
		 warmup ? "workload all trace " : "", warmup ? prefix : "",
		 warmup ? "\n" : "");
	if (elf) {
		char line[4200];
		snprintf(line, sizeof(line), "elf %s %llu\n", elf, (unsigned long long)base);
		strncat(text, line, sizeof(text) - strlen(text) - 1);
		strncat(wtext, line, sizeof(wtext) - strlen(wtext) - 1);
	}
	sc = scenario_from_text("replay", text, strlen(text), err, sizeof(err));
	if (sc && (elf || warmup))
		wsc = scenario_from_text("replay", wtext, strlen(wtext), err, sizeof(err));
	if (!sc || ((elf || warmup) && !wsc)) {
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
	/*
	 * A warmup (and the loader) is not counted: the same machine runs the
	 * warmup's records alone first, and the replay's results are the full
	 * run's less that run's.  The simulation is deterministic, so the
	 * full run's state after its warmup is the warmup run's at its end:
	 * exact for one vCPU; with several, each vCPU's own first records,
	 * and what they did to each other in the meantime is in both.
	 */
	if (wsc) {
		struct run *w = scenario_run(wsc, &o.p, err, sizeof(err));
		if (!w || w->bad_input) {
			status = cli_bad("%s", w ? w->bad_input_msg : err);
			if (w)
				run_free(w);
			goto out;
		}
		const char *overflow = NULL;
		warm = results_json(w, NULL, NULL, NULL, &overflow);
		run_free(w);
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
	/* Without a warmup the base run is the loader's alone. */
	cli_input_count_run(&in, r, warm);
	char *cmd = replay_text(trace, elf, elf ? base : 0, warmup_arg ? warmup : 0, &o);
	status = results_output(r, trace, &o, cmd, &in, warm);
	free(cmd);
	run_free(r);
out:
	if (sc)
		scenario_free_loaded(sc);
	if (wsc)
		scenario_free_loaded(wsc);
	json_decref(warm);
	cli_input_free(&in);
	opts_free(&o);
	replay_cleanup(tmpdir, prefix, loader);
	return status;
}
