/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The body of the trace-parser fuzz harnesses (fuzz/trace_*.c).
 *
 * Whatever the input, a reader must either fail with a message naming the
 * input, or hand out only valid records (accesses, or a native trace's
 * guest TLB invalidations: any kind up to TRACE_KIND_LAST) and end.  The first input byte picks
 * the batch size, so that the paths for records that do not fit a batch are
 * exercised too.
 */
#ifndef FUZZ_TRACE_FUZZ_H
#define FUZZ_TRACE_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_message(const char *msg)
{
	if (strncmp(msg, "fuzz", 4))
		abort();	/* every message names the input */
}

static int fuzz_trace(const uint8_t *data, size_t size, enum trace_format fmt)
{
	static const size_t batches[] = { 1, 2, 3, 7, 64, 130, 1000, 4096 };
	static struct trace_rec recs[4096];
	size_t batch = batches[size ? data[0] % 8 : 0];
	struct trace_reader *r;
	char err[512];
	long got;

	r = trace_open_mem(data, size, "fuzz", fmt, err, sizeof(err));
	if (!r) {
		fuzz_check_message(err);
		return 0;
	}
	while ((got = trace_read(r, recs, batch)) > 0) {
		if ((size_t)got > batch)
			abort();
		for (long i = 0; i < got; i++)
			if (recs[i].kind > TRACE_KIND_LAST || recs[i].size == 0 ||
			    recs[i].size > TRACE_MAX_SIZE)
				abort();
	}
	if (got < 0)
		fuzz_check_message(trace_error(r));
	trace_close(r);
	return 0;
}

#endif /* FUZZ_TRACE_FUZZ_H */
