// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the ELF reader of replay --elf (traces/elf.c).
 *
 * Whatever the bytes, trace_elf_segments either fails with a message naming
 * the file, or returns at least one segment, each page-aligned, non-empty
 * and readable or writable or executable as its header said.  Seeds: a
 * small static program's first bytes are in fuzz/seeds/elf_reader/.
 */
// fuzz-srcs: traces/elf.c
// fuzz-libs: -lelf
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-elf.%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	struct trace_seg *segs;
	size_t n;
	char err[300] = "";
	if (trace_elf_segments(path, &segs, &n, err, sizeof(err))) {
		if (strncmp(err, path, strlen(path)) || segs || n)
			abort();	/* named, and nothing handed out */
		return 0;
	}
	if (!n)
		abort();	/* "no segments" is an error, not a layout */
	for (size_t i = 0; i < n; i++)
		if (segs[i].start % 4096 || segs[i].end % 4096 ||
		    segs[i].start >= segs[i].end || segs[i].prot > 7)
			abort();
	free(segs);
	return 0;
}
