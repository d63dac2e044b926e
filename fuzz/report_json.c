// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: report's reader of result JSON (cli/report.c,
 * report_generate: runs and explore chunk summaries, grouped into variants
 * and campaigns, written as report.md, .dat and .gp files).
 *
 * The input holds one or two JSON documents separated by a NUL byte; each
 * that parses is handed to the report as a result file.  Whatever the
 * values, the report is written or refused with a message naming a file;
 * never a crash, an overflow (UBSan) or a leak.  gnuplot is kept out of
 * reach (PATH), so only the text the report writes is under test.
 */
// fuzz-srcs: fuzz/cli_stubs.c cli/opts.c cli/quote.c cli/results.c cli/figures.c cli/sha256.c cli/report*.c cli/util.c cli/outdir.c cli/outfile.c sim/core/*.c sim/core/*.S sim/host/*.c sim/tlb/*.c sim/ept/*.c sim/npt/*.c sim/pml/*.c sim/cpu/*.c sim/check/*.c kvmmu/*.c traces/*.c workloads/*.c scenarios/*.c
// fuzz-libs: -ljansson -linih -lzstd -llzma -lelf -lnettle -lm -Wl,--wrap=cli_bad
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fuzz/cli_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		setenv("PATH", "/nonexistent", 1); /* no gnuplot */
		init = true;
	}
	json_t *roots[2];
	const char *names[2] = { "fuzz-a.json", "fuzz-b.json" };
	size_t n = 0;
	const uint8_t *p = data, *end = data + size;
	while (p <= end && n < 2) {
		const uint8_t *z = memchr(p, 0, (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
		json_t *j = json_loadb((const char *)p, len, 0, NULL);
		if (j)
			roots[n++] = j;
		if (!z)
			break;
		p = z + 1;
	}
	if (!n)
		return 0;
	char stage[] = "/tmp/fuzz-report.XXXXXX";
	if (!mkdtemp(stage))
		abort();
	fuzz_clear_message();
	if (report_generate(stage, roots, names, n) &&
	    strncmp(fuzz_last_message(), "fuzz-", 5))
		abort();	/* a refusal names the file */
	nftw(stage, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < n; i++)
		json_decref(roots[i]);
	return 0;
}
