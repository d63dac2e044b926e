// SPDX-License-Identifier: GPL-2.0-only
/* The git commit tdpsim was built from: the build writes it into
 * $(O)/gen/commit.h (see the Makefile), "unknown" outside a git checkout. */
#include "cli/cli.h"
#include "commit.h"

const char *cli_commit(void)
{
	return TDPSIM_COMMIT;
}
