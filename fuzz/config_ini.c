// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: config files (--config, cli/opts.c config_load) and
 * --set values (params_set through the same checks as the command line).
 *
 * The whole input is written as a
 * config file; its first line, if it holds '=', is also tried as one --set
 * KEY=VALUE.  Whatever the bytes, loading either succeeds or fails with one
 * message that names the file (or --set) and holds no control byte (they
 * are escaped: nothing raw reaches the terminal); a loaded config passes
 * validation or fails it with a message, never a crash.
 */
// fuzz-srcs: fuzz/cli_stubs.c cli/opts.c cli/quote.c cli/results.c cli/figures.c cli/sha256.c cli/report*.c cli/util.c cli/outdir.c cli/outfile.c sim/core/*.c sim/core/*.S sim/host/*.c sim/tlb/*.c sim/ept/*.c sim/npt/*.c sim/pml/*.c sim/cpu/*.c sim/check/*.c kvmmu/*.c traces/*.c workloads/*.c scenarios/*.c
// fuzz-libs: -ljansson -linih -lzstd -llzma -lelf -lnettle -lm -Wl,--wrap=cli_bad
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fuzz/cli_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *want_prefix)
{
	const char *m = fuzz_last_message();
	if (strncmp(m, want_prefix, strlen(want_prefix)))
		abort();	/* every message names what it is about */
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();	/* control bytes are escaped */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-config.%d.ini", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	struct params p;
	char err[256];
	params_defaults(&p);
	fuzz_clear_message();
	if (config_load(&p, path))
		check_message(path);
	else
		(void)params_validate(&p, err, sizeof(err));

	/* The first line as --set KEY=VALUE, through the command scanner. */
	size_t n = 0;
	while (n < size && data[n] != '\n')
		n++;
	char *kv = strndup((const char *)data, n);
	if (kv && strlen(kv) == n && strchr(kv, '=')) {
		struct opts o = { 0 };
		char *argv[] = { "run", "--set", kv, NULL };
		struct cli_scan sc;
		const char *val;
		int id, bad = 0;
		params_defaults(&o.p);
		fuzz_clear_message();
		cli_scan_init(&sc, "run", 3, argv, NULL, &o);
		while ((id = cli_scan_next(&sc, &val)) != CLI_SCAN_END)
			bad |= id == CLI_SCAN_BAD;
		if (bad)
			check_message("--set");
		else if (opts_apply(&o))
			check_message("");
		opts_free(&o);
	}
	free(kv);
	return 0;
}
