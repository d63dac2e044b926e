// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the .scn scenario parser (scenarios/scn_parse.c).
 *
 * Whatever the text, scn_parse either returns a scenario, which is then
 * freed, or fails with one message that names the file and a line.  The
 * built-in catalog is left empty: only the parser is under test.
 */
#include <stdlib.h>
#include <string.h>

#include "scenarios/catalog.h"
#include "scenarios/scenario.h"

const struct embedded_scn embedded_scns[1];
const size_t n_embedded_scns = 0;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct scn *sc = scn_parse("fuzz.scn", (const char *)data, size, err,
				   sizeof(err));
	if (sc)
		scn_free(sc);
	else if (strncmp(err, "fuzz.scn", 8))
		abort();	/* every message names the file */
	return 0;
}
