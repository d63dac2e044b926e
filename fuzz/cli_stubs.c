// SPDX-License-Identifier: GPL-2.0-only
/* See fuzz/cli_stubs.h. */
#include <stdarg.h>
#include <stdio.h>

#include "scenarios/catalog.h"
#include "cli/cli.h"
#include "fuzz/cli_stubs.h"

const struct embedded_scn embedded_scns[1];
const size_t n_embedded_scns = 0;

static char last[2048];

/* cli/util.c's cli_bad, linked with --wrap=cli_bad: the message is kept
 * for the harness instead of printed. */
int __wrap_cli_bad(const char *fmt, ...);
int __wrap_cli_bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	return EXIT_BADINPUT;
}

const char *fuzz_last_message(void)
{
	return last;
}

void fuzz_clear_message(void)
{
	last[0] = 0;
}

/* cli/version.c needs the build's generated commit.h. */
const char *cli_commit(void)
{
	return "fuzz";
}
