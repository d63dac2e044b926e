// SPDX-License-Identifier: GPL-2.0-only
/*
 * Content versions past 2^32 writes.  A frame keeps the low 32 bits of its
 * version and its chunk the high 32, made on the first carry; everyone
 * reads, copies and compares the whole 64-bit value.  No test here makes
 * 2^32 writes: each starts a frame a few writes short of the boundary
 * through the host's internal setter (host_int.h), then crosses it the way
 * the model does, so every expectation is a small sum done by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "scenarios/params.h"
#include "sim/check/check.h"
#include "sim/core/core.h"
#include "sim/host/host.h"
#include "sim/host/host_int.h" /* frame_version_set: a frame near 2^32 */

#define SZ_4K UINT64_C(4096)
#define SZ_2M (UINT64_C(1) << 21)
#define BASE (UINT64_C(1) << 40)
#define P32 (UINT64_C(1) << 32)

struct tv {
	struct params p;
	struct sim *s;
	struct host *h;
	struct check *chk;
};

/* A host of 1 GiB with the oracle connected and 4 MiB of 4 KiB-backed VMA
 * at BASE. */
static void tv_init(struct tv *w)
{
	params_defaults(&w->p);
	w->p.host_mem = UINT64_C(1) << 30;
	w->p.sim_stack = 64 * 1024;
	w->s = sim_new(&w->p.core);
	assert_non_null(w->s);
	assert_int_equal(host_create(w->s, &w->p.host, &w->h), 0);
	w->chk = check_new(w->s);
	assert_non_null(w->chk);
	host_set_check(w->h, w->chk);
	assert_int_equal(host_vma_create(w->h, BASE, 2 * SZ_2M, HOST_BACKING_4K, 0),
			 0);
}

static void tv_fini(struct tv *w)
{
	char msg[256];
	if (host_check(w->h, msg, sizeof(msg)))
		fail_msg("host_check: %s", msg);
	host_destroy(w->h);
	check_free(w->chk);
	sim_free(w->s);
}

static uint64_t counter(struct tv *w, const char *name)
{
	uint64_t v = 0;
	assert_int_equal(stats_get(sim_stats(w->s), name, &v), 0);
	return v;
}

/* Frame @pfn's version becomes @v, as if the guest had written it so. */
static void set_version(struct tv *w, uint64_t pfn, uint64_t v)
{
	struct frame *f = host_frame_mk(w->h, pfn);
	assert_non_null(f);
	assert_int_equal(frame_version_set(w->h, f, pfn, v), 0);
	assert_int_equal(host_frame_version(w->h, pfn), v);
}

/* Faults @hva in for write (its PTE dirty, as a write fault leaves it). */
static uint64_t fault_write(struct tv *w, uint64_t hva)
{
	uint64_t pfn;
	int level;
	bool wr;
	assert_int_equal(host_faultin(w->h, hva, true, &pfn, &level, &wr), 1);
	return pfn;
}

/*
 * host_frame_write across the boundary: from 2^32 - 3, five writes make
 * 2^32 + 2 (the third one wraps the low half to 0 and carries 1 into the
 * high half).  The high half is per chunk: a neighbour in the same chunk
 * still counts from 0.
 */
static void test_write_across(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t a, b;
	assert_int_equal(host_folio_alloc(w.h, 0, &a), 0);
	assert_int_equal(host_folio_alloc(w.h, 0, &b), 0);
	assert_int_equal(a >> CHUNK_SHIFT, b >> CHUNK_SHIFT);
	assert_int_equal(host_frame_write(w.h, b), 0);
	set_version(&w, a, P32 - 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(host_frame_write(w.h, a), 0);
	assert_true(host_frame_version(w.h, a) == P32 + 2);
	/* Stored split: low half 2, high half 1. */
	assert_int_equal(host_frame(w.h, a)->version_lo, 2);
	assert_int_equal(frame_version_hi(host_frame(w.h, a), a), 1);
	assert_int_equal(host_frame_version(w.h, b), 1);
	assert_int_equal(host_frame_write(w.h, b), 0);
	assert_int_equal(host_frame_version(w.h, b), 2);
	assert_int_equal(check_count(w.chk), 0);
	tv_fini(&w);
}

/*
 * host_frame_write_counter across the boundary, used as host.h says: the
 * caller increments the low half and carries when it wraps to 0.  From
 * 2^32 - 2: the counter's own first write makes 2^32 - 1 (low half all
 * ones), the next increment wraps and carries: 2^32; three more: 2^32 + 3,
 * the low half 3.  A write through the host after that: 2^32 + 4.
 */
static void test_counter_across(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t a;
	assert_int_equal(host_folio_alloc(w.h, 0, &a), 0);
	set_version(&w, a, P32 - 2);
	uint32_t *c = host_frame_write_counter(w.h, a);
	assert_non_null(c);
	assert_int_equal(*c, UINT32_MAX);
	assert_true(host_frame_version(w.h, a) == P32 - 1);
	unsigned carries = 0;
	for (int i = 0; i < 4; i++)
		if (++*c == 0) {
			assert_int_equal(host_frame_write_carry(w.h, a), 0);
			carries++;
			assert_true(host_frame_version(w.h, a) == P32);
		}
	assert_int_equal(carries, 1);
	assert_int_equal(*c, 3);
	assert_true(host_frame_version(w.h, a) == P32 + 3);
	assert_int_equal(host_frame_write(w.h, a), 0);
	assert_true(host_frame_version(w.h, a) == P32 + 4);
	assert_int_equal(*c, 4); /* the counter is the frame's low half */
	/* A frame without metadata has nothing to carry into. */
	assert_int_equal(host_frame_write_carry(w.h, a + 100000), -ENOENT);
	assert_int_equal(check_count(w.chk), 0);
	tv_fini(&w);
}

/*
 * Migration copies the whole version.  Page A holds exactly 2^32 (low half
 * 0: the copy must still see content there), page B 2^32 + 9.  Both
 * folios move to new frames with the same versions, and the copy counts
 * as saved: freeing the old frames loses nothing.
 */
static void test_migrate_high(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t A = BASE, B = BASE + SZ_4K;
	uint64_t pa = fault_write(&w, A), pb = fault_write(&w, B);
	set_version(&w, pa, P32);
	set_version(&w, pb, P32 + 9);
	assert_int_equal(host_migrate(w.h, A, 2 * SZ_4K), 2);
	uint64_t na, nb;
	assert_int_equal(host_lookup(w.h, A, &na, NULL, NULL), 0);
	assert_int_equal(host_lookup(w.h, B, &nb, NULL, NULL), 0);
	assert_int_not_equal(na, pa);
	assert_int_not_equal(nb, pb);
	assert_true(host_frame_version(w.h, na) == P32);
	assert_true(host_frame_version(w.h, nb) == P32 + 9);
	assert_int_equal(counter(&w, "host.migrate.folios"), 2);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	/* The next write continues from the copied value. */
	assert_int_equal(host_frame_write(w.h, nb), 0);
	assert_true(host_frame_version(w.h, nb) == P32 + 10);
	assert_int_equal(check_count(w.chk), 0);
	tv_fini(&w);
}

/*
 * A reused folio reads zero-filled: both halves of every frame's version
 * go back to 0.  A 4 KiB folio at 2^32 + 3 and a 2 MiB folio whose frame
 * 300 (the second chunk of the folio) is at 2^32 + 1 are freed and
 * allocated again (LIFO: the same frames); each reads 0, and one write
 * reads 1, not 2^32 + 1.
 */
static void test_reuse_clears(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t a, a2, t, t2;
	assert_int_equal(host_folio_alloc(w.h, 0, &a), 0);
	assert_int_equal(host_folio_alloc(w.h, 9, &t), 0);
	set_version(&w, a, P32 + 3);
	set_version(&w, t + 300, P32 + 1);
	host_folio_put(w.h, a);
	host_folio_put(w.h, t);
	assert_int_equal(host_folio_alloc(w.h, 0, &a2), 0);
	assert_int_equal(host_folio_alloc(w.h, 9, &t2), 0);
	assert_int_equal(a2, a);
	assert_int_equal(t2, t);
	assert_int_equal(host_frame_version(w.h, a), 0);
	assert_int_equal(host_frame_version(w.h, t + 300), 0);
	assert_int_equal(host_frame_write(w.h, a), 0);
	assert_int_equal(host_frame_write(w.h, t + 300), 0);
	assert_int_equal(host_frame_version(w.h, a), 1);
	assert_int_equal(host_frame_version(w.h, t + 300), 1);
	tv_fini(&w);
}

/*
 * The lost-folio-write oracle compares whole versions.  Page A written 5
 * times and page B never written are written back (5 and 0 out).  Then
 * 2^32 more writes reach each with no dirty mark (set here: A at 2^32 + 5,
 * B at 2^32, each with the low half it had when written out; B's low half
 * is even 0, as if never written): the next writeback finds both folios
 * clean and reports one lost write each.  Marked dirty, the writeback
 * after that writes the whole versions out.
 */
static void test_oracle_full_compare(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t A = BASE, B = BASE + SZ_4K;
	uint64_t pa = fault_write(&w, A), pb = fault_write(&w, B);
	for (int i = 0; i < 5; i++)
		assert_int_equal(host_frame_write(w.h, pa), 0);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 2);
	assert_int_equal(host_frame_written_version(w.h, pa), 5);
	assert_int_equal(host_frame_written_version(w.h, pb), 0);
	set_version(&w, pa, P32 + 5);
	set_version(&w, pb, P32);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 2);
	assert_int_equal(check_count(w.chk), 2);
	const struct violation *v = check_get(w.chk, 0);
	assert_int_equal(v->kind, CHECK_LOST_FOLIO_WRITE);
	assert_int_equal(v->addr, pa << 12);
	assert_non_null(strstr(v->detail, "holds version 4294967301, written out 5"));
	v = check_get(w.chk, 1);
	assert_int_equal(v->kind, CHECK_LOST_FOLIO_WRITE);
	assert_int_equal(v->addr, pb << 12);
	assert_non_null(strstr(v->detail, "holds version 4294967296, written out 0"));
	assert_int_equal(host_folio_mark_dirty(w.h, pa), 0);
	assert_int_equal(host_folio_mark_dirty(w.h, pb), 0);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 2);
	assert_true(host_frame_written_version(w.h, pa) == P32 + 5);
	assert_true(host_frame_written_version(w.h, pb) == P32);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 2);
	tv_fini(&w);
}

/*
 * MADV_FREE gives up the whole version: a page at 2^32 + 5 made lazyfree
 * and then reclaimed is discarded without writeback, and nothing is lost
 * (the oracle's ok_version is 2^32 + 5, not its low half 5).
 */
static void test_madv_free_high(void **state)
{
	struct tv w;
	tv_init(&w);
	uint64_t pa = fault_write(&w, BASE);
	set_version(&w, pa, P32 + 5);
	assert_int_equal(host_madvise(w.h, BASE, SZ_4K, HOST_MADV_FREE), 1);
	assert_int_equal(host_reclaim(w.h, BASE, SZ_4K), 1);
	assert_int_equal(counter(&w, "host.reclaim.lazyfree"), 1);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	assert_int_equal(check_count(w.chk), 0);
	tv_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_across),
		cmocka_unit_test(test_counter_across),
		cmocka_unit_test(test_migrate_high),
		cmocka_unit_test(test_reuse_clears),
		cmocka_unit_test(test_oracle_full_compare),
		cmocka_unit_test(test_madv_free_high),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
