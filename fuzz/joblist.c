// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the job-list and replay-line writer (cli/quote.c), as a
 * round trip.  The input is split at NUL bytes into an argv; an argument
 * with a control character must be refused by cli_check_arg (a job list is
 * one job a line), and the others, each written by cli_shquote() into one
 * line as explore and compare write their jobs, must come back from the
 * shell's own word rules (wordexp(3): quotes, $VAR, $(...) and `...`,
 * globs; command substitution refused) as exactly the same argv.
 */
// fuzz-srcs: fuzz/quote_stubs.c cli/quote.c
// fuzz-libs: -lm
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	/* argv: the NUL-separated pieces (an empty last piece dropped). */
	char *argv[64];
	int argc = 0;
	for (char *p = buf; p < buf + size && argc < 64; p += strlen(p) + 1)
		argv[argc++] = p;
	bool refused = false;
	for (int i = 0; i < argc; i++)
		if (cli_has_ctrl(argv[i])) {
			if (!cli_check_arg("argument", argv[i]))
				abort();	/* must be refused */
			refused = true;
		} else if (cli_check_arg("argument", argv[i])) {
			abort();	/* must be accepted */
		}
	if (refused || !argc) {
		free(buf);
		return 0;
	}
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	fputs("tdpsim", f);
	for (int i = 0; i < argc; i++) {
		fputc(' ', f);
		cli_shquote(f, argv[i]);
	}
	fclose(f);
	if (strchr(line, '\n'))
		abort();	/* one job, one line */
	wordexp_t we;
	int rc = wordexp(line, &we, WRDE_NOCMD | WRDE_UNDEF | WRDE_SHOWERR);
	if (rc != 0)
		abort();	/* quoting let a $(...), `...` or $VAR through */
	if (we.we_wordc != (size_t)argc + 1 || strcmp(we.we_wordv[0], "tdpsim"))
		abort();
	for (int i = 0; i < argc; i++)
		if (strcmp(we.we_wordv[i + 1], argv[i]))
			abort();	/* an argument changed on the way */
	wordfree(&we);
	free(line);
	free(buf);
	return 0;
}
