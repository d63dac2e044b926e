// SPDX-License-Identifier: GPL-2.0-only
/* What cli/quote.c needs of the CLI, for fuzz/joblist.c: a silent
 * cli_bad(). */
#include "cli/cli.h"

int cli_bad(const char *fmt, ...)
{
	(void)fmt;
	return EXIT_BADINPUT;
}
