// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host memory: folios of each order, generations across free and reuse,
 * LIFO reuse (the EP4TA alias), poisoned page-table frames, per-frame
 * versions, the VMM's address space per backing, and exhaustion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "scenarios/params.h"
#include "sim/check/check.h"
#include "sim/core/core.h"
#include "sim/host/host.h"
/* host_frame: which frames have metadata; frame_version_set: a frame
 * near 2^32 writes. */
#include "sim/host/host_int.h"

#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)
#define P32 (UINT64_C(1) << 32)

struct hw {
	struct params p;
	struct sim *s;
	struct host *h;
};

static void hw_init(struct hw *w, uint64_t mem)
{
	params_defaults(&w->p);
	w->p.host_mem = mem;
	w->p.sim_stack = 64 * 1024;
	w->s = sim_new(&w->p.core);
	assert_non_null(w->s);
	assert_int_equal(host_create(w->s, &w->p.host, &w->h), 0);
}

static void hw_check(struct hw *w)
{
	char msg[256];
	int rc = host_check(w->h, msg, sizeof(msg));
	if (rc)
		fail_msg("host_check: %s", msg);
}

static void hw_fini(struct hw *w)
{
	hw_check(w);
	host_destroy(w->h);
	sim_free(w->s);
}

static uint64_t counter(struct hw *w, const char *name)
{
	uint64_t v = 0;
	assert_int_equal(stats_get(sim_stats(w->s), name, &v), 0);
	return v;
}

static void test_folio_orders(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(8) << 30);
	uint64_t p0, p9, p18;
	struct host_folio f;
	assert_int_equal(host_folio_alloc(w.h, 0, &p0), 0);
	assert_int_equal(host_folio_alloc(w.h, 9, &p9), 0);
	assert_int_equal(host_folio_alloc(w.h, 18, &p18), 0);
	assert_int_equal(host_folio_alloc(w.h, 3, &p0), -EINVAL);
	/* Frame 0 is never handed out; folios are naturally aligned. */
	assert_int_equal(p0, 1);
	assert_int_equal(p9 % 512, 0);
	assert_int_equal(p18 % 262144, 0);
	/* Any frame finds its folio. */
	uint64_t probes[3][2] = { { p0, p0 }, { p9 + 511, p9 }, { p18 + 123457, p18 } };
	unsigned orders[3] = { 0, 9, 18 };
	uint64_t gens[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(host_folio_get_info(w.h, probes[i][0], &f), 0);
		assert_int_equal(f.pfn, probes[i][1]);
		assert_int_equal(f.order, orders[i]);
		assert_int_equal(f.refcount, 1);
		assert_int_equal(f.mapcount, 0);
		assert_int_equal(f.flags, 0);
		assert_int_not_equal(f.gen, 0);
		gens[i] = f.gen;
		assert_int_equal(host_frame_gen(w.h, probes[i][0]), f.gen);
	}
	assert_true(gens[0] != gens[1] && gens[1] != gens[2]);
	/* Just past a folio is free. */
	assert_int_equal(host_folio_get_info(w.h, p9 + 512, &f), -ENOENT);
	assert_int_equal(host_frame_gen(w.h, p18 + 262144), 0);
	assert_int_equal(counter(&w, "host.folios.order0"), 1);
	assert_int_equal(counter(&w, "host.folios.order9"), 1);
	assert_int_equal(counter(&w, "host.folios.order18"), 1);
	assert_int_equal(counter(&w, "host.frames"), 1 + 512 + 262144);
	/* The order-9 folio skipped frames 2..511: they went to the free
	 * lists and serve the next 4 KiB allocations, lowest first. */
	uint64_t q;
	assert_int_equal(host_folio_alloc(w.h, 0, &q), 0);
	assert_int_equal(q, 2);
	hw_fini(&w);
}

/* Free and reuse: the generation ends at free (0) and a new one starts;
 * the frame freed last is the next one handed out. */
static void test_generation_lifo(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t a, b, c;
	assert_int_equal(host_folio_alloc(w.h, 0, &a), 0);
	assert_int_equal(host_folio_alloc(w.h, 0, &b), 0);
	uint64_t ga = host_frame_gen(w.h, a);
	host_folio_put(w.h, a);
	assert_int_equal(host_frame_gen(w.h, a), 0);
	assert_int_equal(counter(&w, "host.folios.freed"), 1);
	assert_int_equal(host_folio_alloc(w.h, 0, &c), 0);
	assert_int_equal(c, a);
	assert_int_not_equal(host_frame_gen(w.h, c), ga);
	assert_int_not_equal(host_frame_gen(w.h, c), 0);
	/* LIFO over several frees. */
	host_folio_put(w.h, b);
	host_folio_put(w.h, c);
	uint64_t x, y;
	assert_int_equal(host_folio_alloc(w.h, 0, &x), 0);
	assert_int_equal(host_folio_alloc(w.h, 0, &y), 0);
	assert_int_equal(x, c);
	assert_int_equal(y, b);
	/* get/put: the folio lives while referenced. */
	host_folio_get(w.h, x);
	host_folio_put(w.h, x);
	assert_int_not_equal(host_frame_gen(w.h, x), 0);
	host_folio_put(w.h, x);
	assert_int_equal(host_frame_gen(w.h, x), 0);
	hw_fini(&w);
}

/*
 * The EP4TA alias: a freed root's frame is the next page-table frame, so
 * a new root lands at the old root's address.  The freed frame is
 * poisoned; reuse hands it back zeroed.
 */
static void test_pt_poison_and_alias(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t *root = host_pt_alloc(w.h), *other = host_pt_alloc(w.h);
	assert_non_null(root);
	assert_non_null(other);
	uint64_t pa = sim_pa(w.s, root);
	struct host_folio f;
	assert_int_equal(host_folio_get_info(w.h, pa >> 12, &f), 0);
	assert_true(f.flags & FOLIO_PT);
	uint64_t gen = f.gen;
	root[0] = 0x1234007;
	root[511] = 0x5678007;
	assert_int_equal(counter(&w, "host.pt_pages"), 2);
	host_pt_free(w.h, root);
	assert_int_equal(root[0], SIM_POISON);
	assert_int_equal(root[511], SIM_POISON);
	assert_true(sim_mem_poisoned(w.s, pa));
	assert_true(sim_mem_poisoned(w.s, pa + 4088));
	assert_false(sim_mem_poisoned(w.s, sim_pa(w.s, other)));
	assert_int_equal(host_frame_gen(w.h, pa >> 12), 0);
	assert_int_equal(counter(&w, "host.pt_pages"), 1);
	assert_int_equal(counter(&w, "host.pt_pages.freed"), 1);

	uint64_t *again = host_pt_alloc(w.h);
	assert_ptr_equal(again, root);
	assert_false(sim_mem_poisoned(w.s, pa));
	for (int i = 0; i < 512; i++)
		assert_int_equal(again[i], 0);
	assert_int_not_equal(host_frame_gen(w.h, pa >> 12), gen);
	assert_int_equal(counter(&w, "host.pt_pages.allocated"), 3);
	hw_fini(&w);
}

/* A data frame that held a guest page table: poisoned when its folio is
 * freed, zeroed when reused (as data or as a table). */
static void test_data_bytes(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t pfn;
	assert_int_equal(host_folio_alloc(w.h, 9, &pfn), 0);
	assert_int_equal(host_frame_use_bytes(w.h, pfn + 3), 0);
	uint64_t *bytes = sim_va(w.s, (pfn + 3) << 12);
	bytes[7] = 0xabc;
	host_folio_put(w.h, pfn);
	assert_int_equal(bytes[7], SIM_POISON);
	assert_true(sim_mem_poisoned(w.s, (pfn + 3) << 12));
	assert_false(sim_mem_poisoned(w.s, (pfn + 4) << 12));
	uint64_t again;
	assert_int_equal(host_folio_alloc(w.h, 9, &again), 0);
	assert_int_equal(again, pfn);
	assert_int_equal(bytes[7], 0);
	assert_false(sim_mem_poisoned(w.s, (pfn + 3) << 12));
	assert_int_equal(host_frame_use_bytes(w.h, again + 600), -ENOENT);
	hw_fini(&w);
}

/* Versions: per 4 KiB frame, bumped per write, 0 in a new folio. */
static void test_versions(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(4) << 30);
	uint64_t g;
	assert_int_equal(host_folio_alloc(w.h, 18, &g), 0);
	assert_int_equal(host_frame_write(w.h, g + 5), 0);
	assert_int_equal(host_frame_write(w.h, g + 5), 0);
	assert_int_equal(host_frame_write(w.h, g + 262143), 0);
	assert_int_equal(host_frame_version(w.h, g + 5), 2);
	assert_int_equal(host_frame_version(w.h, g + 262143), 1);
	assert_int_equal(host_frame_version(w.h, g + 6), 0);
	assert_int_equal(host_frame_version(w.h, g + 100000), 0);
	host_folio_put(w.h, g);
	assert_int_equal(host_frame_write(w.h, g + 5), -ENOENT);
	assert_int_equal(host_frame_version(w.h, g + 5), 0);
	uint64_t g2;
	assert_int_equal(host_folio_alloc(w.h, 18, &g2), 0);
	assert_int_equal(g2, g);
	/* Zero-filled again without touching its 262144 frames. */
	assert_int_equal(host_frame_version(w.h, g + 5), 0);
	assert_int_equal(host_frame_version(w.h, g + 262143), 0);
	assert_int_equal(host_frame_write(w.h, g + 5), 0);
	assert_int_equal(host_frame_version(w.h, g + 5), 1);
	/* A run of writes: the first through the host, the rest by the
	 * counter it returns, all seen as versions. */
	uint32_t *c = host_frame_write_counter(w.h, g + 5);
	assert_non_null(c);
	assert_int_equal(host_frame_version(w.h, g + 5), 2);
	++*c;
	++*c;
	assert_int_equal(host_frame_version(w.h, g + 5), 4);
	assert_int_equal(host_frame_version(w.h, g + 6), 0);
	host_folio_put(w.h, g);
	assert_null(host_frame_write_counter(w.h, g + 5));
	hw_fini(&w);
}

/*
 * Versions past 2^32 writes: a frame keeps the low 32 bits and its chunk
 * the high 32, made on the first carry.  No test makes 2^32 writes: each
 * starts a frame a few short of the boundary through the internal setter,
 * then crosses it the way the model does, so every expectation is a small
 * sum done by hand.
 */
static void set_version(struct hw *w, uint64_t pfn, uint64_t v)
{
	struct frame *f = host_frame_mk(w->h, pfn);
	assert_non_null(f);
	assert_int_equal(frame_version_set(w->h, f, pfn, v), 0);
	assert_true(host_frame_version(w->h, pfn) == v);
}

/*
 * host_frame_write across the boundary: from 2^32 - 3, five writes make
 * 2^32 + 2 (the third one wraps the low half to 0 and carries 1 into the
 * high half).  The high half is per chunk: a neighbour in the same chunk
 * still counts from 0.
 */
static void test_version_write_across(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
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
	hw_fini(&w);
}

/*
 * host_frame_write_counter across the boundary, used as host.h says: the
 * caller increments the low half and carries when it wraps to 0.  From
 * 2^32 - 2: the counter's own first write makes 2^32 - 1 (low half all
 * ones), the next increment wraps and carries: 2^32; three more: 2^32 + 3,
 * the low half 3.  A write through the host after that: 2^32 + 4.
 */
static void test_version_counter_across(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
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
	hw_fini(&w);
}

/*
 * A reused folio reads zero-filled: both halves of every frame's version
 * go back to 0.  A 4 KiB folio at 2^32 + 3 and a 2 MiB folio whose frame
 * 300 (the second chunk of the folio) is at 2^32 + 1 are freed and
 * allocated again (LIFO: the same frames); each reads 0, and one write
 * reads 1, not 2^32 + 1.
 */
static void test_version_reuse_clears(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
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
	hw_fini(&w);
}

/* The host's callocs fail while this is set: this binary links with
 * -Wl,--wrap=calloc (cmocka's own, in its shared library, are not
 * wrapped). */
static bool FAIL_CALLOC;
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return FAIL_CALLOC ? NULL : __real_calloc(n, size);
}

/* A test that failed with callocs failing leaves the next ones memory. */
static int calloc_restore(void **state)
{
	FAIL_CALLOC = false;
	return 0;
}

/*
 * host_frames_mk makes the metadata of every frame of a range, aligned or
 * not: in a 2 MiB folio (chunks of 256 frames, only the head's made at
 * allocation), frames 200..299 touch the chunks of frames 0..255 and
 * 256..511, so frame 299 (and the rest of its chunk, 511) gets metadata.
 */
static void test_frames_mk_unaligned(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t head;
	assert_int_equal(host_folio_alloc(w.h, HOST_ORDER_2M, &head), 0);
	assert_null(host_frame(w.h, head + 299));
	assert_int_equal(host_frames_mk(w.h, head + 200, 100), 0);
	assert_non_null(host_frame(w.h, head + 299));
	assert_non_null(host_frame(w.h, head + 511));
	hw_fini(&w);
}

/*
 * A guest write to a frame that has no metadata yet, with no memory to
 * make it, is reported, never dropped silently.  A 2 MiB folio's tail
 * frames get metadata (a chunk of 256 frames) only when written: frame
 * 300 of it is the first of its chunk written.  With calloc failing the
 * write (1 report) and a write counter's first write (2) fail with
 * -ENOMEM and count nothing; with memory again the write counts, once.
 */
static void test_write_no_metadata(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	struct check *chk = check_new(w.s);
	assert_non_null(chk);
	host_set_check(w.h, chk);
	uint64_t head;
	assert_int_equal(host_folio_alloc(w.h, HOST_ORDER_2M, &head), 0);
	FAIL_CALLOC = true;
	assert_int_equal(host_frame_write(w.h, head + 300), -ENOMEM);
	assert_null(host_frame_write_counter(w.h, head + 300));
	FAIL_CALLOC = false;
	assert_true(host_frame_version(w.h, head + 300) == 0);
	assert_int_equal(check_count(chk), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct violation *v = check_get(chk, i);
		assert_int_equal(v->kind, CHECK_MODEL_ASSERT);
		assert_int_equal(v->addr, (head + 300) << 12);
	}
	assert_int_equal(host_frame_write(w.h, head + 300), 0);
	assert_true(host_frame_version(w.h, head + 300) == 1);
	assert_int_equal(check_count(chk), 2);
	host_set_check(w.h, NULL);
	check_free(chk);
	hw_fini(&w);
}

/*
 * A carry that finds no memory for its chunk's high halves is reported,
 * never a silent wrap: the version stays at 2^32 - 1 and the run gets a
 * model-assert violation each time.  Frames a and b of one chunk, a at
 * 2^32 - 2 and written once: 2^32 - 1.  With calloc failing: a write
 * (1 report), a counter's first write (2) and its carry (3) each leave a
 * at 2^32 - 1; setting b to 2^32 + 7 (4) leaves b at 2^32 - 1.  With
 * memory again the counter's next carry makes a 2^32, and b can be set.
 */
static void test_version_carry_oom(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	struct check *chk = check_new(w.s);
	assert_non_null(chk);
	host_set_check(w.h, chk);
	uint64_t a, b;
	assert_int_equal(host_folio_alloc(w.h, 0, &a), 0);
	assert_int_equal(host_folio_alloc(w.h, 0, &b), 0);
	set_version(&w, a, P32 - 2);
	assert_int_equal(host_frame_write(w.h, a), 0);

	FAIL_CALLOC = true;
	assert_int_equal(host_frame_write(w.h, a), -ENOMEM);
	assert_true(host_frame_version(w.h, a) == P32 - 1);
	uint32_t *c = host_frame_write_counter(w.h, a);
	assert_non_null(c);
	assert_int_equal(*c, UINT32_MAX);
	assert_int_equal(++*c, 0);
	assert_int_equal(host_frame_write_carry(w.h, a), -ENOMEM);
	assert_int_equal(*c, UINT32_MAX);
	assert_true(host_frame_version(w.h, a) == P32 - 1);
	struct frame *fb = host_frame(w.h, b);
	assert_int_equal(frame_version_set(w.h, fb, b, P32 + 7), -ENOMEM);
	assert_true(host_frame_version(w.h, b) == P32 - 1);
	FAIL_CALLOC = false;

	assert_int_equal(check_count(chk), 4);
	assert_int_equal(check_nkept(chk), 4);
	for (size_t i = 0; i < 4; i++) {
		const struct violation *v = check_get(chk, i);
		assert_int_equal(v->kind, CHECK_MODEL_ASSERT);
		assert_int_equal(v->addr, (i < 3 ? a : b) << 12);
		assert_non_null(strstr(v->detail, "no memory for the high half"));
	}
	assert_int_equal(++*c, 0);
	assert_int_equal(host_frame_write_carry(w.h, a), 0);
	assert_true(host_frame_version(w.h, a) == P32);
	set_version(&w, b, P32 + 7);
	assert_int_equal(check_count(chk), 4);
	hw_fini(&w);
	check_free(chk);
}

/* ------------------------------------------------------------ VMAs */

static void test_faultin_backings(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(8) << 30);
	uint64_t base = UINT64_C(1) << 40, pfn, pfn2;
	int level;
	bool wr;

	/* 4 KiB anon. */
	assert_int_equal(host_vma_create(w.h, base, 16 << 20, HOST_BACKING_4K, 0), 0);
	assert_int_equal(host_mapping_level(w.h, base + 0x5000), 1);
	assert_int_equal(host_lookup(w.h, base + 0x5000, &pfn, &level, &wr), -ENOENT);
	assert_int_equal(host_faultin(w.h, base + 0x5123, false, &pfn, &level, &wr), 1);
	assert_int_equal(level, 1);
	assert_true(wr);
	assert_int_equal(host_faultin(w.h, base + 0x5fff, true, &pfn2, &level, &wr), 0);
	assert_int_equal(pfn2, pfn);
	struct host_folio f;
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.order, 0);
	assert_int_equal(f.refcount, 1);
	assert_int_equal(f.mapcount, 1);
	assert_int_equal(host_frame_version(w.h, pfn), 0);

	/* THP: a VMA [1 MiB, 5 MiB) past a 1 GiB boundary; only [2, 4) MiB is
	 * an aligned 2 MiB range inside it. */
	uint64_t t = base + SZ_1G;
	assert_int_equal(host_vma_create(w.h, t + (1 << 20), 4 << 20, HOST_BACKING_THP, 0), 0);
	assert_int_equal(host_faultin(w.h, t + (3 << 20) + 0x1234, true, &pfn, &level, &wr), 1);
	assert_int_equal(level, 2);
	assert_int_equal(pfn % 512, ((3 << 20) - (2 << 20) + 0x1234) >> 12);
	assert_int_equal(host_mapping_level(w.h, t + (2 << 20)), 2);
	assert_int_equal(host_faultin(w.h, t + (1 << 20) + 0x1000, true, &pfn, &level, &wr), 1);
	assert_int_equal(level, 1);
	assert_int_equal(host_faultin(w.h, t + (4 << 20), true, &pfn, &level, &wr), 1);
	assert_int_equal(level, 1);

	/* HugeTLB 2 MiB and 1 GiB. */
	uint64_t h2 = base + 2 * SZ_1G, h1 = base + 4 * SZ_1G;
	assert_int_equal(host_vma_create(w.h, h2, 8 << 20, HOST_BACKING_HUGETLB_2M, 0), 0);
	assert_int_equal(host_faultin(w.h, h2 + SZ_2M + 0x3000, false, &pfn, &level, &wr), 1);
	assert_int_equal(level, 2);
	assert_int_equal(pfn % 512, 3);
	assert_int_equal(host_vma_create(w.h, h1, 2 * SZ_1G, HOST_BACKING_HUGETLB_1G, 0), 0);
	assert_int_equal(host_faultin(w.h, h1 + SZ_1G + 0x7654321, false, &pfn, &level, &wr), 1);
	assert_int_equal(level, 3);
	assert_int_equal(pfn % 262144, 0x7654321 >> 12);
	assert_int_equal(host_mapping_level(w.h, h1 + SZ_1G), 3);
	assert_int_equal(host_mapping_level(w.h, h1), 1);

	/* Read-only: writes fault, reads map non-writable. */
	uint64_t ro = base + 8 * SZ_1G;
	assert_int_equal(host_vma_create(w.h, ro, 1 << 20, HOST_BACKING_4K, HOST_VMA_RDONLY), 0);
	assert_int_equal(host_faultin(w.h, ro, true, &pfn, &level, &wr), -EFAULT);
	assert_int_equal(host_faultin(w.h, ro, false, &pfn, &level, &wr), 1);
	assert_false(wr);
	/* No VMA. */
	assert_int_equal(host_faultin(w.h, base - 4096, false, &pfn, &level, &wr), -EFAULT);

	assert_int_equal(counter(&w, "host.faults"), 7);
	assert_int_equal(counter(&w, "host.folios.order9"), 2);
	assert_int_equal(counter(&w, "host.folios.order18"), 1);
	hw_fini(&w);
}

static void test_vma_errors(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t b = UINT64_C(1) << 40, hva, hva2;
	assert_int_equal(host_vma_create(w.h, b + 4096, SZ_2M, HOST_BACKING_HUGETLB_2M, 0), -EINVAL);
	assert_int_equal(host_vma_create(w.h, b, SZ_2M, HOST_BACKING_HUGETLB_1G, 0), -EINVAL);
	assert_int_equal(host_vma_create(w.h, b, 0, HOST_BACKING_4K, 0), -EINVAL);
	assert_int_equal(host_vma_create(w.h, b + 100, 4096, HOST_BACKING_4K, 0), -EINVAL);
	assert_int_equal(host_vma_create(w.h, b, 1 << 20, HOST_BACKING_4K, 0), 0);
	assert_int_equal(host_vma_create(w.h, b + 4096, 4096, HOST_BACKING_4K, 0), -EEXIST);
	assert_int_equal(host_vma_create(w.h, b - 4096, 8192, HOST_BACKING_4K, 0), -EEXIST);
	assert_int_equal(host_vma_create(w.h, b - 4096, 4096, HOST_BACKING_4K, 0), 0);
	assert_int_equal(host_mmap(w.h, 3 * SZ_1G, HOST_BACKING_HUGETLB_1G, 0, &hva), 0);
	assert_int_equal(hva % SZ_1G, 0);
	assert_true(hva >= b + (1 << 20));
	assert_int_equal(host_mmap(w.h, 4096, HOST_BACKING_4K, 0, &hva2), 0);
	assert_true(hva2 >= hva + 3 * SZ_1G);
	hw_fini(&w);
}

/*
 * host.vma_pt_bytes follows the host's own tables as they are made.  By
 * hand: a VMA takes one 16-byte slot per GiB it spans (an entry and a
 * PMD-table pointer); the first mapping below 1 GiB adds a PMD table of
 * 512 entries and 512 PTE-table pointers (8,192 bytes); the first 4 KiB
 * mapping below 2 MiB adds a PTE table (4,096 bytes); 2 MiB and 1 GiB
 * mappings add no PTE table, 1 GiB ones not even a PMD table.
 */
static void test_vma_pt_bytes(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(8) << 30);
	uint64_t base = UINT64_C(1) << 40, pfn;
	int level;
	bool wr;
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 0);
	assert_int_equal(host_vma_create(w.h, base, 3 * SZ_1G, HOST_BACKING_4K, 0), 0);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 3 * 16);
	assert_int_equal(host_faultin(w.h, base + 0x5000, true, &pfn, &level, &wr), 1);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 48 + 8192 + 4096);
	/* Same PTE table. */
	assert_int_equal(host_faultin(w.h, base + 0x6000, true, &pfn, &level, &wr), 1);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 12336);
	/* Next 2 MiB: a PTE table; next GiB: a PMD table and a PTE table. */
	assert_int_equal(host_faultin(w.h, base + SZ_2M, true, &pfn, &level, &wr), 1);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 12336 + 4096);
	assert_int_equal(host_faultin(w.h, base + SZ_1G, true, &pfn, &level, &wr), 1);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 16432 + 8192 + 4096);
	/* THP: a slot, then a PMD table for the 2 MiB entry. */
	uint64_t t = base + 4 * SZ_1G;
	assert_int_equal(host_vma_create(w.h, t, 4 << 20, HOST_BACKING_THP, 0), 0);
	assert_int_equal(host_faultin(w.h, t, true, &pfn, &level, &wr), 1);
	assert_int_equal(level, 2);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 28720 + 16 + 8192);
	/* HugeTLB 1 GiB: the slot's own entry maps it. */
	uint64_t g = base + 5 * SZ_1G;
	assert_int_equal(host_vma_create(w.h, g, SZ_1G, HOST_BACKING_HUGETLB_1G, 0), 0);
	assert_int_equal(host_faultin(w.h, g, true, &pfn, &level, &wr), 1);
	assert_int_equal(level, 3);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), 36928 + 16);
	hw_fini(&w);
}

/*
 * A THP's tails get metadata only where something is recorded for them:
 * the fault makes the head's chunk (frames head .. head + 255, a chunk
 * being 256 frames), a write to head + 300 makes the second one, and a
 * split makes every frame a head, so both halves then have theirs.
 */
static void test_thp_metadata_lazy(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(8) << 30);
	uint64_t base = UINT64_C(1) << 40, head;
	int level;
	bool wr;
	assert_int_equal(host_vma_create(w.h, base, 4 << 20, HOST_BACKING_THP, 0), 0);
	assert_int_equal(host_faultin(w.h, base, true, &head, &level, &wr), 1);
	assert_int_equal(level, 2);
	assert_int_equal(head % 512, 0);
	assert_non_null(host_frame(w.h, head));
	assert_non_null(host_frame(w.h, head + 255));
	assert_null(host_frame(w.h, head + 256));
	assert_null(host_frame(w.h, head + 511));
	/* Unwritten tails read version 0 and belong to the head's folio. */
	assert_int_equal(host_frame_version(w.h, head + 300), 0);
	assert_int_equal(host_frame_gen(w.h, head + 300), host_frame_gen(w.h, head));
	assert_int_equal(host_frame_write(w.h, head + 300), 0);
	assert_non_null(host_frame(w.h, head + 256));
	assert_int_equal(host_frame_version(w.h, head + 300), 1);
	assert_int_equal(host_frame_version(w.h, head + 299), 0);
	hw_fini(&w);
}

/* A 1 TiB VMA touched in a few places costs a few frames and a few
 * metadata chunks, not 1 TiB of anything. */
static void test_sparse(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(2) << 40);
	uint64_t hva, pfn;
	int level;
	bool wr;
	assert_int_equal(host_mmap(w.h, UINT64_C(1) << 40, HOST_BACKING_4K, 0, &hva), 0);
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(host_faultin(w.h, hva + i * 0x3fff000ull, true, &pfn, &level, &wr), 1);
	assert_int_equal(counter(&w, "host.frames"), 1000);
	hw_fini(&w);
}

/* ------------------------------------------------------------ exhaustion */

static void test_exhaustion(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(64) << 20); /* 16384 frames */
	uint64_t pfns[64], p, limit;
	int n = 0;
	while (host_folio_alloc(w.h, 9, &p) == 0) {
		assert_true(n < 64);
		pfns[n++] = p;
	}
	/* Frames 1..511 were skipped for alignment; the engine's own words
	 * (event log ring, locks) sit at the top. */
	limit = sim_pa(w.s, sim_mem_alloc(w.s, 0)) >> 12;
	assert_true(n >= 1);
	assert_true(pfns[n - 1] + 512 <= limit);
	hw_check(&w);

	/* THP falls back to 4 KiB frames when no 2 MiB block is left. */
	uint64_t hva;
	int level;
	bool wr;
	assert_int_equal(host_mmap(w.h, 4 << 20, HOST_BACKING_THP, 0, &hva), 0);
	assert_int_equal(host_faultin(w.h, hva, true, &p, &level, &wr), 1);
	assert_int_equal(level, 1);
	assert_int_equal(counter(&w, "host.thp_fallbacks"), 1);
	/* HugeTLB has no fallback. */
	assert_int_equal(host_mmap(w.h, 4 << 20, HOST_BACKING_HUGETLB_2M, 0, &hva), 0);
	assert_int_equal(host_faultin(w.h, hva, true, &p, &level, &wr), -ENOMEM);
	/* The engine may still allocate its words after the host ran out:
	 * host.engine_reserve keeps that much room between them. */
	assert_true((limit - (pfns[n - 1] + 512)) * 4096 >= w.p.host_engine_reserve ||
		    limit * 4096 < 2 * w.p.host_engine_reserve);
	for (int i = 0; i < 16; i++)
		assert_non_null(sim_mem_alloc(w.s, 4096));
	hw_check(&w);

	/* Free every 2 MiB folio, carve them into 4 KiB frames, free those:
	 * the merge step rebuilds 2 MiB blocks for a new 2 MiB folio. */
	for (int i = 0; i < n; i++)
		host_folio_put(w.h, pfns[i]);
	uint64_t *small = malloc(sizeof(uint64_t) * (size_t)n * 512);
	size_t ns = 0;
	while (ns < (size_t)n * 512 && host_folio_alloc(w.h, 0, &p) == 0)
		small[ns++] = p;
	assert_int_equal(host_folio_alloc(w.h, 9, &p), -ENOMEM);
	for (size_t i = 0; i < ns; i++)
		host_folio_put(w.h, small[i]);
	free(small);
	hw_check(&w);
	assert_int_equal(host_folio_alloc(w.h, 9, &p), 0);
	assert_int_equal(p % 512, 0);
	hw_fini(&w);
}

/* ---------------------------------------------------------- folio flags */

static struct host *FH;
static uint64_t FPFN;
static void flag_thread(struct sim *s, void *arg)
{
	host_folio_mark_dirty(FH, FPFN);
	host_folio_set_flags(FH, FPFN, FOLIO_WRITEBACK);
}

static void test_folio_flags(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	uint64_t pfn;
	struct host_folio f;
	assert_int_equal(host_folio_alloc(w.h, 9, &pfn), 0);
	host_folio_mark_dirty(w.h, pfn + 7);
	host_folio_mark_dirty(w.h, pfn + 8);
	host_folio_set_flags(w.h, pfn, FOLIO_YOUNG | FOLIO_PT);
	assert_int_equal(host_folio_get_info(w.h, pfn + 100, &f), 0);
	assert_int_equal(f.flags, FOLIO_DIRTY | FOLIO_YOUNG); /* PT is not settable */
	assert_int_equal(counter(&w, "folio.mark_dirty"), 2);
	assert_int_equal(host_folio_test_clear(w.h, pfn, FOLIO_DIRTY | FOLIO_WRITEBACK), FOLIO_DIRTY);
	host_folio_clear_flags(w.h, pfn, FOLIO_YOUNG);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.flags, 0);
	host_folio_map(w.h, pfn + 1);
	host_folio_map(w.h, pfn + 2);
	host_folio_unmap(w.h, pfn);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.mapcount, 1);
	/* A freed folio: the update is refused (and still counted). */
	uint64_t gone;
	assert_int_equal(host_folio_alloc(w.h, 0, &gone), 0);
	host_folio_put(w.h, gone);
	assert_int_equal(host_folio_mark_dirty(w.h, gone), -ENOENT);
	assert_int_equal(host_folio_set_flags(w.h, gone, FOLIO_YOUNG), -ENOENT);
	assert_int_equal(counter(&w, "folio.mark_dirty"), 3);

	/* From a simulated thread each flag change is a yield point costing
	 * one atomic operation. */
	FH = w.h;
	FPFN = pfn;
	struct sim_thread *t = sim_spawn(w.s, "kvm", flag_thread, NULL, 100, 0);
	assert_int_equal(sim_run(w.s), SIM_DONE);
	assert_int_equal(sim_thread_clock(t), 100 + 2 * w.p.lat_atomic);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.flags, FOLIO_DIRTY | FOLIO_WRITEBACK);
	assert_int_equal(counter(&w, "folio.mark_dirty"), 4);
	hw_fini(&w);
}

/*
 * A frame is 16 bytes, so a folio's counts are narrow: 2047 references
 * (11 bits) and 63 mappings (6 bits).  Reaching either is allowed; going
 * past is a model error reported once per attempt, and the count stays
 * where it was rather than wrapping to 0 (which would free the folio).
 */
static void test_count_limits(void **state)
{
	struct hw w;
	hw_init(&w, UINT64_C(1) << 30);
	struct check *chk = check_new(w.s);
	host_set_check(w.h, chk);
	uint64_t pfn;
	struct host_folio f;
	assert_int_equal(host_folio_alloc(w.h, 0, &pfn), 0);
	/* The allocation's reference, then 2046 more: 2047, the limit. */
	for (int i = 0; i < 2046; i++)
		host_folio_get(w.h, pfn);
	for (int i = 0; i < 63; i++)
		host_folio_map(w.h, pfn);
	assert_int_equal(check_count(chk), 0);
	host_folio_get(w.h, pfn);
	host_folio_map(w.h, pfn);
	assert_int_equal(check_count(chk), 2);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.refcount, 2047);
	assert_int_equal(f.mapcount, 63);
	/* Every reference put back frees it, the 2047th put and not before. */
	for (int i = 0; i < 2046; i++)
		host_folio_put(w.h, pfn);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
	assert_int_equal(f.refcount, 1);
	for (int i = 0; i < 63; i++)
		host_folio_unmap(w.h, pfn);
	host_folio_put(w.h, pfn);
	assert_int_equal(host_folio_get_info(w.h, pfn, &f), -ENOENT);
	host_set_check(w.h, NULL);
	check_free(chk);
	hw_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folio_orders),
		cmocka_unit_test(test_generation_lifo),
		cmocka_unit_test(test_pt_poison_and_alias),
		cmocka_unit_test(test_data_bytes),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_version_write_across),
		cmocka_unit_test(test_version_counter_across),
		cmocka_unit_test(test_version_reuse_clears),
		cmocka_unit_test_teardown(test_version_carry_oom, calloc_restore),
		cmocka_unit_test_teardown(test_write_no_metadata, calloc_restore),
		cmocka_unit_test(test_frames_mk_unaligned),
		cmocka_unit_test(test_faultin_backings),
		cmocka_unit_test(test_vma_errors),
		cmocka_unit_test(test_vma_pt_bytes),
		cmocka_unit_test(test_thp_metadata_lazy),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_folio_flags),
		cmocka_unit_test(test_count_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
