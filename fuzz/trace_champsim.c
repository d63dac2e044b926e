// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the ChampSim importer, forced: plain or xz input.
 *
 * fuzz-srcs: traces/source.c traces/trace.c traces/native.c traces/lackey.c traces/champsim.c
 * fuzz-libs: -lzstd -llzma
 */
#include "fuzz/trace_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace(data, size, TRACE_FMT_CHAMPSIM);
}
