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

/* A feed of @nline ranks (room for @max_queued records, 0: the default)
 * on a new trace at @path (a mkstemp() template) written by write_trace(). */
static struct feed *open_trace(char *path, unsigned (*vcpu_of)(unsigned),
			       unsigned nline, size_t max_queued)
{
	close(mkstemp(path));
	write_trace(path, vcpu_of);
	char err[256];
	struct feed_src src = { .path = path, .nline = nline,
				.max_queued = max_queued };
	struct feed *f = feed_open(&src, err, sizeof(err));
	assert_non_null(f);
	return f;
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
static unsigned alternate(unsigned i) { return i % 2; }

/*
 * vCPU 0's 10,000 records, then vCPU 1's, then vCPU 2's, with room for
 * 4,096 queued records: rank 0 reads all of its records first.  By hand,
 * in batches of FEED_BATCH = 4,096: rank 0 takes the first 7 of each of
 * its batches straight from the decode and the rest from its queue, which
 * it empties before the next batch.  Batch 3 (records 8,192..12,287)
 * queues 2,288 of rank 1, so the next batch would exceed the room: rank 1
 * is detached (1).  Batches 4-5 reach record 20,479; the 480 of rank 2 in
 * batch 5 are queued, and the next batch detaches rank 2 (2).  Ranks 1
 * and 2 then read streams of their own.
 */
static void test_detach(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	struct feed *f = open_trace(path, blocks, 3, 4096);
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
	struct feed *f = open_trace(path, round_robin, 3, 0);
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

/*
 * A rank detached after it took records straight from the decode must
 * skip them on its own stream.  Records alternate between vCPUs 0 and 1,
 * room for 2,041 + 4,096 = 6,137 queued.  Rank 1 reads 7: batch 0 gives
 * it 7 straight and queues its other 2,041 and rank 0's 2,048.  Rank 0
 * then reads all of its records in reads of 7: batch 0's 2,048 from its
 * queue (292 * 7 + 4); batch 1 fits beside rank 1's 2,041 (6,137), gives
 * rank 0 7 straight and 2,041 queued (4,096 in all), and brings rank 1's
 * to 4,089; batch 2 would not fit, and rank 1 is detached (1) having
 * taken 7: its stream skips its first 7 records.  (Counting the 7 as
 * queued would detach it before batch 1, at 2,048.)
 */
static void test_detach_after_direct(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	struct feed *f = open_trace(path, alternate, 2, 6137);
	static struct trace_rec got[NREC], want[NREC];
	assert_int_equal(feed_read(f, 1, got, 7), 7);
	size_t n = 0;
	long k;
	while (n < 4096 && (k = feed_read(f, 0, want + n, 7)) > 0)
		n += (size_t)k;
	assert_int_equal(n, 4096);
	assert_int_equal(feed_detached(f), 0);
	n += take_all(f, 0, want + n);
	assert_int_equal(n, NREC / 2);
	assert_int_equal(feed_detached(f), 1);
	n = 7 + take_all(f, 1, got + 7);
	assert_true(same(got, n, want, reference(path, 1, want, false)));
	feed_free(f);
	unlink(path);
}

/* Takes @count records of @rank from @f in reads of 100. */
static void take(struct feed *f, unsigned rank, struct trace_rec *out,
		 size_t *n, size_t count)
{
	for (size_t end = *n + count; *n < end;) {
		long got = feed_read(f, rank, out + *n, 100);
		assert_true(got > 0);
		*n += (size_t)got;
	}
}

/*
 * A queue read in part and then appended to past its buffer's end moves
 * its records to the buffer's front.  Records alternate between vCPUs 0
 * and 1.  By hand, in reads of 100: batch 0 gives rank 0 100 straight and
 * queues its other 1,948 (19 reads of 100 and one of 48: 2,048) and rank
 * 1's 2,048, whose buffer grows 64, 128, ... to 2,048, full.  Rank 1 reads
 * 1,900, leaving 148 at the buffer's end; rank 0's next read deals batch
 * 1, which finds rank 1's buffer full with 148 <= 1,024 in it: they move
 * to the front and its 2,048 follow them.  Then each rank reads the rest.
 */
static void test_queue_compaction(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	struct feed *f = open_trace(path, alternate, 2, 0);
	static struct trace_rec got[2][NREC], want[NREC];
	size_t n[2] = { 0 };
	take(f, 0, got[0], &n[0], 2048);
	assert_int_equal(n[0], 2048);
	take(f, 1, got[1], &n[1], 1900);
	assert_int_equal(n[1], 1900);
	take(f, 0, got[0], &n[0], 100);
	for (unsigned rank = 0; rank < 2; rank++) {
		n[rank] += take_all(f, rank, got[rank] + n[rank]);
		assert_true(same(got[rank], n[rank], want,
				 reference(path, rank, want, false)));
	}
	assert_int_equal(feed_detached(f), 0);
	feed_free(f);
	unlink(path);
}

/* A record of vCPU 2 in a line of 2 vCPUs: an error naming vCPU 2. */
static void test_bad_vcpu(void **state)
{
	char path[] = "/tmp/tdpsim-test-feed-XXXXXX";
	struct feed *f = open_trace(path, blocks, 2, 0);	/* vCPUs 0, 1, 2 */
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
		cmocka_unit_test(test_detach_after_direct),
		cmocka_unit_test(test_queue_compaction),
		cmocka_unit_test(test_bad_vcpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
