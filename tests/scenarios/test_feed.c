// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feeds (scenarios/feed.c) against a naive reference: each rank must get
 * exactly the records of the stream that carry its vCPU number, in stream
 * order — what a reader of its own, filtering, gives (the reference here).
 * The reference is deliberately broken once to show the comparison fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "scenarios/feed.h"
#include "traces/trace.h"

#define NREC 30000u

/* Record @i of the trace: its vCPU from @vcpu_of, its address naming it
 * (the index), so that a record out of place or missing shows. */
static void write_trace(const char *path, unsigned (*vcpu_of)(unsigned))
{
	char err[256];
	struct trace_writer *w = trace_create(path, 0, err, sizeof(err));
	assert_non_null(w);
	for (unsigned i = 0; i < NREC; i++) {
		struct trace_rec r = { .addr = 0x1000 + 8ull * i, .size = 8,
				       .vcpu = (uint16_t)vcpu_of(i) };
		assert_int_equal(trace_write(w, &r, 1), 0);
	}
	assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
}

/* The reference: rank @rank's records, by reading the whole trace. */
static size_t reference(const char *path, unsigned rank, struct trace_rec *out,
			bool broken)
{
	char err[256];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	struct trace_rec b[100];
	long got;
	size_t n = 0;
	assert_non_null(r);
	while ((got = trace_read(r, b, 100)) > 0)
		for (long k = 0; k < got; k++)
			/* Broken: keeps the first record of every batch too. */
			if (b[k].vcpu == rank || (broken && k == 0))
				out[n++] = b[k];
	trace_close(r);
	return n;
}

/* Takes every record of @rank from @f in reads of 7. */
static size_t take_all(struct feed *f, unsigned rank, struct trace_rec *out)
{
	long got;
	size_t n = 0;
	while ((got = feed_read(f, rank, out + n, 7)) > 0)
		n += (size_t)got;
	assert_int_equal(got, 0);
	return n;
}

static bool same(const struct trace_rec *a, size_t na,
		 const struct trace_rec *b, size_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

static unsigned blocks(unsigned i) { return i / 10000; }
static unsigned round_robin(unsigned i) { return i % 3; }

/*
 * vCPU 0's 10,000 records, then vCPU 1's, then vCPU 2's, with room for
 * 4,096 queued records: rank 0 reads all of its records first.  By hand,
 * in batches of FEED_BATCH = 4,096: batches 1-2 are rank 0's; batch 3
 * (records 8,192..12,287) queues 2,288 of rank 1, so the next batch would
 * exceed the room: rank 1 is detached (1).  Batches 4-5 reach record
 * 20,479; the 480 of rank 2 in batch 5 are queued, and the next batch
 * detaches rank 2 (2).  Ranks 1 and 2 then read streams of their own.
 */
static void test_detach(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	close(mkstemp(path));
	write_trace(path, blocks);
	char err[256];
	struct feed_src src = { .path = path, .nline = 3, .max_queued = 4096 };
	struct feed *f = feed_open(&src, err, sizeof(err));
	assert_non_null(f);
	static struct trace_rec got[NREC], want[NREC];
	for (unsigned rank = 0; rank < 3; rank++) {
		size_t n = take_all(f, rank, got);
		assert_int_equal(feed_detached(f), 2);
		assert_true(same(got, n, want, reference(path, rank, want, false)));
		assert_false(same(got, n, want, reference(path, rank, want, true)));
	}
	for (unsigned rank = 0; rank < 2; rank++)
		assert_false(feed_leave(f, rank));
	assert_true(feed_leave(f, 2));
	unlink(path);
}

/* Round-robin records read in turns: nothing is ever detached, and every
 * rank gets its records. */
static void test_round_robin(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	close(mkstemp(path));
	write_trace(path, round_robin);
	char err[256];
	struct feed_src src = { .path = path, .nline = 3 };
	struct feed *f = feed_open(&src, err, sizeof(err));
	assert_non_null(f);
	static struct trace_rec got[3][NREC], want[NREC];
	size_t n[3] = { 0 };
	for (bool more = true; more;) {
		more = false;
		for (unsigned rank = 0; rank < 3; rank++) {
			long k = feed_read(f, rank, got[rank] + n[rank], 100);
			assert_true(k >= 0);
			n[rank] += (size_t)k;
			more |= k > 0;
		}
	}
	assert_int_equal(feed_detached(f), 0);
	for (unsigned rank = 0; rank < 3; rank++)
		assert_true(same(got[rank], n[rank], want,
				 reference(path, rank, want, false)));
	feed_free(f);
	unlink(path);
}

/* A record of vCPU 3 in a line of 3 vCPUs: an error naming vCPU 3. */
static void test_bad_vcpu(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	close(mkstemp(path));
	write_trace(path, blocks);	/* vCPUs 0, 1, 2 */
	char err[256];
	struct feed_src src = { .path = path, .nline = 2 };
	struct feed *f = feed_open(&src, err, sizeof(err));
	assert_non_null(f);
	static struct trace_rec got[NREC];
	long k;
	while ((k = feed_read(f, 0, got, 100)) > 0)
		;
	assert_int_equal(k, -1);
	assert_int_equal(feed_bad_vcpu(f), 2);
	feed_free(f);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_bad_vcpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
