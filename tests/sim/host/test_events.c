// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host kernel events against a mock secondary MMU, and the lost-folio-write
 * oracle.
 *
 * The mock is a table of 4 KiB "SPTEs" (hva -> frame, writable) with KVM's
 * notifier protocol in miniature: invalidate_range_start zaps the entries
 * in the range and holds off faults until the matching end bumps the
 * sequence; a fault snapshots the sequence, faults the host page in for
 * write and installs the entry only if no invalidation ran meanwhile.  It
 * marks the folio dirty when it maps a writable entry (dirty_mark=map) or
 * when it zaps one (dirty_mark=zap).  A guest write goes through it: a
 * writable entry, or a fault, then host_frame_write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "sim/check/check.h"
#include "scenarios/params.h"
#include "sim/core/core.h"
#include "sim/host/host.h"
#include "sim/host/host_int.h" /* frame_version_set: a frame near 2^32 */

#define SZ_4K UINT64_C(4096)
#define SZ_2M (UINT64_C(1) << 21)
#define BASE (UINT64_C(1) << 40)
#define NPAGES 1024 /* the mock covers 4 MiB from BASE */
#define P32 (UINT64_C(1) << 32)

/* ---------------------------------------------------------------- mock */

struct ment {
	uint64_t pfn;
	bool valid, writable, young;
};

struct call {
	char kind; /* 'S' start, 'E' end, 'Y' clear_young */
	uint64_t start, end;
	cycles_t at;
};

struct mock {
	struct host *h;
	struct sim *s;
	bool zap_policy; /* dirty_mark=zap, else map */
	bool no_mark;    /* broken: never marks the folio dirty */
	uint64_t seq;
	int in_progress;
	struct ment e[NPAGES];
	struct call call[64];
	unsigned ncalls;
	unsigned retries, stale;
};

static void record(struct mock *m, char kind, uint64_t s, uint64_t e)
{
	if (m->ncalls < 64)
		m->call[m->ncalls] = (struct call){ kind, s, e,
			sim_self(m->s) ? sim_now(m->s) : 0 };
	m->ncalls++;
}

static void mock_start(void *ctx, uint64_t s, uint64_t e)
{
	struct mock *m = ctx;
	record(m, 'S', s, e);
	m->in_progress++;
	for (uint64_t a = s; a < e; a += SZ_4K) {
		if (a < BASE || a >= BASE + NPAGES * SZ_4K)
			continue;
		struct ment *x = &m->e[(a - BASE) / SZ_4K];
		if (x->valid && x->writable && m->zap_policy && !m->no_mark)
			host_folio_mark_dirty(m->h, x->pfn);
		x->valid = false;
	}
}

static void mock_end(void *ctx, uint64_t s, uint64_t e)
{
	struct mock *m = ctx;
	record(m, 'E', s, e);
	m->seq++;
	m->in_progress--;
}

static bool mock_clear_young(void *ctx, uint64_t s, uint64_t e)
{
	struct mock *m = ctx;
	bool young = false;
	record(m, 'Y', s, e);
	for (uint64_t a = s; a < e; a += SZ_4K) {
		struct ment *x = &m->e[(a - BASE) / SZ_4K];
		if (x->valid && x->young) {
			young = true;
			x->young = false;
		}
	}
	return young;
}

static const struct host_mmu_notifier_ops mock_ops = {
	.invalidate_range_start = mock_start,
	.invalidate_range_end = mock_end,
	.clear_young = mock_clear_young,
};

/* Installs a mapping of @hva like a KVM fault; 0 or the host's error. */
static int mock_fault(struct mock *m, uint64_t hva, bool write)
{
	struct ment *x = &m->e[(hva - BASE) / SZ_4K];
	for (;;) {
		uint64_t seq = m->seq;
		if (m->in_progress) {
			/* The fault would be stale: retry, as KVM does. */
			m->retries++;
			sim_yield(m->s, SIM_ACCT_OTHER, 100);
			continue;
		}
		uint64_t pfn;
		int level;
		bool wr;
		int rc = host_faultin(m->h, hva, write, &pfn, &level, &wr);
		if (rc < 0)
			return rc;
		if (m->in_progress || m->seq != seq) {
			m->retries++;
			continue;
		}
		*x = (struct ment){ .pfn = pfn, .valid = true, .writable = wr };
		if (wr && !m->zap_policy && !m->no_mark)
			host_folio_mark_dirty(m->h, pfn);
		return 0;
	}
}

/* A guest write to @hva: 0, or -ENOENT if the mock's entry still named a
 * frame the host has freed (a stale translation). */
static int guest_write(struct mock *m, uint64_t hva)
{
	struct ment *x = &m->e[(hva - BASE) / SZ_4K];
	for (;;) {
		if (x->valid && x->writable) {
			x->young = true;
			int rc = host_frame_write(m->h, x->pfn);
			if (rc)
				m->stale++;
			return rc;
		}
		int rc = mock_fault(m, hva, true);
		if (rc)
			return rc;
	}
}

/* ------------------------------------------------------------- fixture */

struct tw {
	struct params p;
	struct sim *s;
	struct host *h;
	struct check *chk;
	struct mock m;
};

static void tw_init_p(struct tw *w, enum host_backing b, uint64_t len)
{
	w->s = sim_new(&w->p.core);
	assert_non_null(w->s);
	assert_int_equal(host_create(w->s, &w->p.host, &w->h), 0);
	w->chk = check_new(w->s);
	assert_non_null(w->chk);
	host_set_check(w->h, w->chk);
	assert_int_equal(host_vma_create(w->h, BASE, len, b, 0), 0);
	memset(&w->m, 0, sizeof(w->m));
	w->m.h = w->h;
	w->m.s = w->s;
	assert_int_equal(host_mmu_notifier_register(w->h, &mock_ops, &w->m), 0);
}

static void tw_params(struct tw *w, bool skip)
{
	params_defaults(&w->p);
	w->p.host_mem = UINT64_C(1) << 30;
	w->p.sim_stack = 64 * 1024;
	w->p.host_skip_notifier = skip;
}

static void tw_init(struct tw *w, enum host_backing b, uint64_t len, bool skip)
{
	tw_params(w, skip);
	tw_init_p(w, b, len);
}

static void tw_fini(struct tw *w)
{
	char msg[256];
	if (host_check(w->h, msg, sizeof(msg)))
		fail_msg("host_check: %s", msg);
	host_destroy(w->h);
	check_free(w->chk);
	sim_free(w->s);
}

static uint64_t counter(struct tw *w, const char *name)
{
	uint64_t v = 0;
	assert_int_equal(stats_get(sim_stats(w->s), name, &v), 0);
	return v;
}

static uint64_t pfn_of(struct tw *w, uint64_t hva)
{
	uint64_t pfn;
	assert_int_equal(host_lookup(w->h, hva, &pfn, NULL, NULL), 0);
	return pfn;
}

/* The version of the frame mapped at @hva becomes @v, as if the guest had
 * written it so (through no dirty mark): a frame near or past 2^32 writes,
 * reached without making them. */
static void set_version_at(struct tw *w, uint64_t hva, uint64_t v)
{
	uint64_t pfn = pfn_of(w, hva);
	struct frame *f = host_frame_mk(w->h, pfn);
	assert_non_null(f);
	assert_int_equal(frame_version_set(w->h, f, pfn, v), 0);
}

static unsigned folio_flags(struct tw *w, uint64_t pfn)
{
	struct host_folio f;
	assert_int_equal(host_folio_get_info(w->h, pfn, &f), 0);
	return f.flags;
}

static void assert_call(const struct mock *m, unsigned i, char kind,
			uint64_t s, uint64_t e)
{
	assert_true(i < m->ncalls);
	assert_int_equal(m->call[i].kind, kind);
	assert_int_equal(m->call[i].start, s);
	assert_int_equal(m->call[i].end, e);
}

/* Index in the event log of the first record @op at @addr from @from, or
 * -1. */
static long log_find(struct tw *w, const char *op, uint64_t addr, size_t from)
{
	for (size_t i = from; i < sim_log_count(w->s); i++) {
		const struct sim_event *e = sim_log_get(w->s, i);
		if (strcmp(e->op, op) == 0 && e->addr == addr)
			return (long)i;
	}
	return -1;
}

/* ------------------------------------------------------------ writeback */

/*
 * Two 4 KiB pages A and B, written, written back, written again through
 * the mock, written back, A written once more, both reclaimed.  Run
 * sequentially (setup code, no threads), so every count is exact.
 */
static void wb_script(struct tw *w)
{
	uint64_t A = BASE, B = BASE + SZ_4K;
	assert_int_equal(guest_write(&w->m, A), 0);
	assert_int_equal(guest_write(&w->m, B), 0);
	assert_int_equal(host_writeback(w->h, BASE, 2 * SZ_4K),
			 2); /* both dirty */
	assert_int_equal(guest_write(&w->m, A), 0);
	assert_int_equal(guest_write(&w->m, A), 0);
	assert_int_equal(guest_write(&w->m, B), 0);
	host_writeback(w->h, BASE, 2 * SZ_4K);
	assert_int_equal(guest_write(&w->m, A), 0);
	assert_int_equal(host_reclaim(w->h, BASE, 2 * SZ_4K), 2);
}

/* The protocol intact: every write after a writeback faults (the mock's
 * entry was zapped in invalidate_range_start) and dirties the host PTE;
 * nothing is lost, and the last content of A is paged out by reclaim. */
static void test_writeback_intact(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	wb_script(&w);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	assert_int_equal(check_count(w.chk), 0);
	assert_int_equal(counter(&w, "host.mn.invalidate_start"), 6);
	assert_int_equal(counter(&w, "host.mn.invalidate_end"), 6);
	assert_int_equal(counter(&w, "host.wp_faults"), 3);
	assert_int_equal(counter(&w, "host.writeback.folios"), 4);
	assert_int_equal(counter(&w, "host.reclaim.pageout"), 1);
	assert_int_equal(counter(&w, "host.writeback.pages"), 5);
	assert_int_equal(counter(&w, "host.reclaim.folios"), 2);
	assert_int_equal(counter(&w, "folio.mark_dirty"), 5);
	/* The notifier pairs: one per folio per event, each over its page. */
	for (unsigned i = 0; i < 12; i += 2) {
		uint64_t p = (i / 2) % 2 ? BASE + SZ_4K : BASE;
		assert_call(&w.m, i, 'S', p, p + SZ_4K);
		assert_call(&w.m, i + 1, 'E', p, p + SZ_4K);
	}
	assert_int_equal(w.m.ncalls, 12);
	tw_fini(&w);
}

/*
 * host.skip_notifier=1: the mock keeps its writable entries across
 * page_mkclean, so writes after the first writeback reach the frames with
 * no fault and no dirty mark.  By hand: the second writeback finds A
 * (version 3, written 1) and B (2, written 1) clean: 2 lost; A's next
 * write (version 4) is dropped by reclaim: 1 more; B has nothing new.
 */
static void test_writeback_skip_notifier(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, true);
	uint64_t A = BASE;
	wb_script(&w);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 3);
	assert_int_equal(check_count(w.chk), 3);
	assert_int_equal(counter(&w, "violations.lost-folio-write"), 3);
	assert_int_equal(counter(&w, "host.mn.invalidate_start"), 0);
	assert_int_equal(counter(&w, "host.mn.skipped"), 4);
	assert_int_equal(counter(&w, "host.wp_faults"), 0);
	assert_int_equal(counter(&w, "host.writeback.folios"), 2);
	assert_int_equal(counter(&w, "host.reclaim.pageout"), 0);
	assert_int_equal(w.m.ncalls, 0);
	const struct violation *v = check_get(w.chk, 0);
	assert_int_equal(v->kind, CHECK_LOST_FOLIO_WRITE);
	assert_non_null(strstr(v->detail, "writeback skipped a clean folio"));
	assert_non_null(strstr(v->detail, "holds version 3, written out 1"));
	v = check_get(w.chk, 2);
	assert_non_null(strstr(v->detail, "reclaim freed a folio"));
	assert_non_null(strstr(v->detail, "holds version 4, written out 1"));
	assert_int_equal(v->addr, check_get(w.chk, 0)->addr);
	/* And the mock still maps the freed frame: a stale translation. */
	assert_int_equal(guest_write(&w.m, A), -ENOENT);
	tw_fini(&w);
}

/*
 * The oracle compares whole versions.  Page A written 5 times and page B
 * mapped but never written are written back (5 and 0 out).  Then 2^32
 * more writes reach each with no dirty mark (set here: A at 2^32 + 5, B at
 * 2^32, each with the low half it had when written out; B's is even 0, as
 * if never written): the next writeback finds both folios clean and
 * reports one lost write each.  Marked dirty, the writeback after that
 * writes the whole versions out.
 */
static void test_writeback_past_2_32(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE, B = BASE + SZ_4K;
	for (int i = 0; i < 5; i++)
		assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(mock_fault(&w.m, B, true), 0);
	uint64_t pa = pfn_of(&w, A), pb = pfn_of(&w, B);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 2);
	assert_int_equal(host_frame_written_version(w.h, pa), 5);
	assert_int_equal(host_frame_written_version(w.h, pb), 0);
	set_version_at(&w, A, P32 + 5);
	set_version_at(&w, B, P32);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 2);
	assert_int_equal(check_count(w.chk), 2);
	const struct violation *v = check_get(w.chk, 0);
	assert_int_equal(v->kind, CHECK_LOST_FOLIO_WRITE);
	assert_int_equal(v->addr, pa << 12);
	assert_non_null(strstr(v->detail, "holds version 4294967301, written out 5"));
	v = check_get(w.chk, 1);
	assert_int_equal(v->addr, pb << 12);
	assert_non_null(strstr(v->detail, "holds version 4294967296, written out 0"));
	assert_int_equal(host_folio_mark_dirty(w.h, pa), 0);
	assert_int_equal(host_folio_mark_dirty(w.h, pb), 0);
	assert_int_equal(host_writeback(w.h, A, 2 * SZ_4K), 2);
	assert_true(host_frame_written_version(w.h, pa) == P32 + 5);
	assert_true(host_frame_written_version(w.h, pb) == P32);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 2);
	tw_fini(&w);
}

/* ----------------------------------------- writeback with a running guest */

struct run {
	struct tw *w;
	unsigned writes;
	cycles_t gap;
};

static void guest_thread(struct sim *s, void *arg)
{
	struct run *r = arg;
	for (unsigned i = 0; i < r->writes; i++) {
		sim_yield(s, SIM_ACCT_OTHER, r->gap);
		assert_int_equal(guest_write(&r->w->m, BASE + (i % 8) * SZ_4K), 0);
	}
}

/*
 * A guest writes 8 pages round-robin while a host thread writes the range
 * back every 20,000 cycles, and once more after the guest stopped.
 * Returns the lost writes; with the protocol intact also checks that the
 * final writeback wrote every page's last version.
 */
static uint64_t wb_concurrent(bool skip, bool zap)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, skip);
	w.m.zap_policy = zap;
	struct run r = { &w, 400, 700 };
	struct host_event ev[11];
	for (int i = 0; i < 10; i++)
		ev[i] = (struct host_event){ 10000 + 20000 * (cycles_t)i,
					     HOST_EV_WRITEBACK, BASE, 8 * SZ_4K };
	ev[10] = (struct host_event){ 2000000, HOST_EV_WRITEBACK, BASE, 8 * SZ_4K };
	assert_non_null(sim_spawn(w.s, "guest", guest_thread, &r, 0, 0));
	assert_non_null(host_events_spawn(w.h, ev, 11, 0));
	assert_int_equal(sim_run(w.s), SIM_DONE);
	uint64_t lost = counter(&w, "host.lost_folio_writes");
	assert_int_equal(check_count(w.chk), lost);
	assert_int_equal(counter(&w, "host.events"), 11);
	if (!skip) {
		assert_true(counter(&w, "host.wp_faults") > 0);
		for (int i = 0; i < 8; i++) {
			uint64_t pfn = pfn_of(&w, BASE + i * SZ_4K);
			assert_int_equal(host_frame_version(w.h, pfn), 50);
			assert_int_equal(host_frame_written_version(w.h, pfn), 50);
		}
	}
	tw_fini(&w);
	return lost;
}

static void test_writeback_concurrent(void **state)
{
	assert_int_equal(wb_concurrent(false, false), 0);
	assert_int_equal(wb_concurrent(false, true), 0);
	uint64_t lost = wb_concurrent(true, false);
	assert_true(lost > 0);
	/* Deterministic: the same run loses the same writes. */
	assert_int_equal(wb_concurrent(true, false), lost);
	assert_true(wb_concurrent(true, true) > 0);
}

/*
 * Scripted at a cycle: the event thread sleeps until 10,000, then the
 * folio lock (lat.atomic) and the per-folio overhead (lat.host.folio)
 * come before invalidate_range_start; then the PTE, the dirty transfer,
 * test-and-clear, writeback set, the I/O, writeback clear and unlock.
 */
static void test_event_timing(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	assert_int_equal(guest_write(&w.m, BASE), 0);
	w.m.ncalls = 0;
	struct host_event ev = { 10000, HOST_EV_WRITEBACK, BASE, SZ_4K };
	struct sim_thread *t = host_events_spawn(w.h, &ev, 1, 0);
	assert_non_null(t);
	assert_int_equal(sim_run(w.s), SIM_DONE);
	const struct params *p = &w.p;
	cycles_t at = 10000 + p->lat_atomic + p->lat_host_folio;
	assert_int_equal(w.m.ncalls, 2);
	assert_int_equal(w.m.call[0].at, at);
	assert_int_equal(w.m.call[1].at, at + p->lat_atomic);
	assert_int_equal(sim_thread_clock(t),
			 at + 6 * p->lat_atomic + p->lat_host_writeback);
	assert_int_equal(host_frame_written_version(w.h, pfn_of(&w, BASE)), 1);
	tw_fini(&w);
}

/* -------------------------------------------------------------- reclaim */

/* A dirty folio is written out before it is freed; its generation ends;
 * the next access faults in a new, zeroed folio (LIFO: on the same frame,
 * under a new generation). */
static void test_reclaim_dirty(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE + 5 * SZ_4K;
	for (int i = 0; i < 3; i++)
		assert_int_equal(guest_write(&w.m, A), 0);
	uint64_t pfn = pfn_of(&w, A), gen = host_frame_gen(w.h, pfn);
	w.m.ncalls = 0;
	assert_int_equal(host_reclaim(w.h, A, SZ_4K), 1);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'S', A, A + SZ_4K);
	assert_call(&w.m, 1, 'E', A, A + SZ_4K);
	assert_false(w.m.e[5].valid);
	/* Written out (version 3) before the free, in the event log. */
	long wo = log_find(&w, "host.write_out", pfn << 12, 0);
	long fr = log_find(&w, "host.free", pfn << 12, 0);
	assert_true(wo >= 0 && fr > wo);
	assert_int_equal(sim_log_get(w.s, (size_t)wo)->new, 3);
	assert_int_equal(counter(&w, "host.reclaim.pageout"), 1);
	assert_int_equal(host_frame_gen(w.h, pfn), 0);
	assert_int_equal(host_lookup(w.h, A, NULL, NULL, NULL), -ENOENT);

	uint64_t pfn2;
	int level;
	bool wr;
	assert_int_equal(host_faultin(w.h, A, false, &pfn2, &level, &wr), 1);
	assert_int_equal(pfn2, pfn);
	assert_int_not_equal(host_frame_gen(w.h, pfn2), gen);
	assert_int_equal(host_frame_version(w.h, pfn2), 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	tw_fini(&w);
}

/* A pinned folio and a HugeTLB one are not reclaimed. */
static void test_reclaim_skips(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	assert_int_equal(guest_write(&w.m, BASE), 0);
	uint64_t pfn = pfn_of(&w, BASE);
	host_folio_get(w.h, pfn);
	assert_int_equal(host_reclaim(w.h, BASE, SZ_4K), 0);
	assert_int_equal(counter(&w, "host.events.skipped"), 1);
	host_folio_put(w.h, pfn);
	assert_int_equal(host_reclaim(w.h, BASE, SZ_4K), 1);

	uint64_t hb = BASE + (UINT64_C(1) << 30), p2;
	int level;
	bool wr;
	assert_int_equal(host_vma_create(w.h, hb, 2 * SZ_2M, HOST_BACKING_HUGETLB_2M, 0), 0);
	assert_int_equal(host_faultin(w.h, hb, true, &p2, &level, &wr), 1);
	assert_int_equal(host_reclaim(w.h, hb, 2 * SZ_2M), 0);
	assert_int_equal(host_writeback(w.h, hb, 2 * SZ_2M), 0);
	assert_int_equal(counter(&w, "host.events.skipped"), 3);
	/* MADV_FREE is for anonymous memory; HugeTLB zaps whole pages. */
	assert_int_equal(host_madvise(w.h, hb, SZ_2M, HOST_MADV_FREE), -EINVAL);
	assert_int_equal(host_madvise(w.h, hb, SZ_4K, HOST_MADV_DONTNEED), -EINVAL);
	assert_int_equal(host_madvise(w.h, hb, SZ_2M, HOST_MADV_DONTNEED), 1);
	assert_int_equal(host_frame_gen(w.h, p2), 0);
	assert_int_equal(host_writeback(w.h, BASE + 1, SZ_4K), -EINVAL);
	tw_fini(&w);
}

/* ------------------------------------------------------------ migration */

static void test_migrate(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE + 9 * SZ_4K;
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(host_writeback(w.h, A, SZ_4K), 1);
	assert_int_equal(guest_write(&w.m, A), 0); /* dirty again, version 3 */
	uint64_t old = pfn_of(&w, A), gen = host_frame_gen(w.h, old);
	w.m.ncalls = 0;
	assert_int_equal(host_migrate(w.h, A, SZ_4K), 1);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'S', A, A + SZ_4K);
	assert_call(&w.m, 1, 'E', A, A + SZ_4K);
	uint64_t nw = pfn_of(&w, A);
	assert_int_not_equal(nw, old);
	assert_int_equal(host_frame_gen(w.h, old), 0);
	assert_int_not_equal(host_frame_gen(w.h, nw), gen);
	assert_int_equal(host_frame_version(w.h, nw), 3);
	assert_int_equal(host_frame_written_version(w.h, nw), 2);
	/* The pending dirty mark moved with the content. */
	assert_true(folio_flags(&w, nw) & FOLIO_DIRTY);
	assert_int_equal(counter(&w, "host.migrate.folios"), 1);
	/* The guest faults again and lands on the new frame. */
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(host_frame_version(w.h, nw), 4);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	tw_fini(&w);
}

/* A THP moves whole: one pair over its 2 MiB. */

static void test_migrate_thp(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_THP, 2 * SZ_2M, false);
	uint64_t T = BASE;
	assert_int_equal(guest_write(&w.m, T + 7 * SZ_4K), 0);
	assert_int_equal(guest_write(&w.m, T + 7 * SZ_4K), 0);
	uint64_t th = pfn_of(&w, T);
	assert_int_equal(host_mapping_level(w.h, T), 2);
	w.m.ncalls = 0;
	assert_int_equal(host_migrate(w.h, T + 100 * SZ_4K, SZ_4K), 1);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'S', T, T + SZ_2M);
	assert_call(&w.m, 1, 'E', T, T + SZ_2M);
	uint64_t nh = pfn_of(&w, T);
	assert_int_not_equal(nh, th);
	assert_int_equal(nh % 512, 0);
	assert_int_equal(host_mapping_level(w.h, T), 2);
	assert_int_equal(host_frame_version(w.h, nh + 7), 2);
	assert_int_equal(host_frame_gen(w.h, th + 7), 0);
	tw_fini(&w);
}

/*
 * Migration copies the whole version.  Page A holds exactly 2^32 (low half
 * 0: the copy must still see content there), page B 2^32 + 9.  Both
 * folios move to new frames with the same versions, and the copy counts
 * as saved: freeing the old frames loses nothing.  The next write goes on
 * from the copy: 2^32 + 10.
 */
static void test_migrate_past_2_32(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE, B = BASE + SZ_4K;
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(guest_write(&w.m, B), 0);
	uint64_t pa = pfn_of(&w, A), pb = pfn_of(&w, B);
	set_version_at(&w, A, P32);
	set_version_at(&w, B, P32 + 9);
	assert_int_equal(host_migrate(w.h, A, 2 * SZ_4K), 2);
	uint64_t na = pfn_of(&w, A), nb = pfn_of(&w, B);
	assert_int_not_equal(na, pa);
	assert_int_not_equal(nb, pb);
	assert_true(host_frame_version(w.h, na) == P32);
	assert_true(host_frame_version(w.h, nb) == P32 + 9);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	assert_int_equal(guest_write(&w.m, B), 0);
	assert_true(host_frame_version(w.h, nb) == P32 + 10);
	assert_int_equal(check_count(w.chk), 0);
	tw_fini(&w);
}

/* A fault that meets the migration entry waits, then lands on the new
 * frame; no write is lost on the way. */
static void migrate_guest(struct sim *s, void *arg)
{
	struct run *r = arg;
	for (unsigned i = 0; i < r->writes; i++) {
		sim_yield(s, SIM_ACCT_OTHER, r->gap);
		assert_int_equal(guest_write(&r->w->m, BASE), 0);
	}
}

static void test_migration_wait(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	assert_int_equal(guest_write(&w.m, BASE), 0);
	uint64_t old = pfn_of(&w, BASE);
	struct run r = { &w, 400, 10 };
	struct host_event ev = { 1000, HOST_EV_MIGRATE, BASE, SZ_4K };
	assert_non_null(sim_spawn(w.s, "guest", migrate_guest, &r, 0, 0));
	assert_non_null(host_events_spawn(w.h, &ev, 1, SIM_THREAD_DAEMON));
	assert_int_equal(sim_run(w.s), SIM_DONE);
	assert_int_equal(counter(&w, "host.migrate.folios"), 1);
	assert_true(counter(&w, "host.migration_waits") >= 1);
	uint64_t nw = pfn_of(&w, BASE);
	assert_int_not_equal(nw, old);
	assert_int_equal(host_frame_version(w.h, nw), 401);
	assert_int_equal(w.m.stale, 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	tw_fini(&w);
}

/*
 * The copy check: with the notifier skipped, the mock keeps writing the
 * old frame through its stale entry; the first write after the copy is
 * lost when migration frees the old frame, and later ones hit a freed
 * frame (the stale-translation oracle's business, counted by the mock).
 */
static void stale_guest(struct sim *s, void *arg)
{
	struct run *r = arg;
	for (unsigned i = 0; i < r->writes; i++) {
		sim_yield(s, SIM_ACCT_OTHER, r->gap);
		guest_write(&r->w->m, BASE);
	}
}

static void test_migrate_write_after_copy(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, true);
	assert_int_equal(guest_write(&w.m, BASE), 0);
	struct run r = { &w, 400, 10 };
	struct host_event ev = { 1000, HOST_EV_MIGRATE, BASE, SZ_4K };
	assert_non_null(sim_spawn(w.s, "guest", stale_guest, &r, 0, 0));
	assert_non_null(host_events_spawn(w.h, &ev, 1, SIM_THREAD_DAEMON));
	assert_int_equal(sim_run(w.s), SIM_DONE);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 1);
	assert_int_equal(check_count(w.chk), 1);
	assert_non_null(strstr(check_get(w.chk, 0)->detail,
			       "migration freed the old frame"));
	assert_non_null(strstr(check_get(w.chk, 0)->detail, "after the copy took"));
	assert_true(w.m.stale > 0);
	tw_fini(&w);
}

/* ---------------------------------------------------- THP split, collapse */

static void test_thp_split_collapse(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_THP, 2 * SZ_2M, false);
	uint64_t T = BASE;
	assert_int_equal(guest_write(&w.m, T + 3 * SZ_4K), 0);
	assert_int_equal(guest_write(&w.m, T + 5 * SZ_4K), 0);
	assert_int_equal(guest_write(&w.m, T + 5 * SZ_4K), 0);
	assert_int_equal(host_mapping_level(w.h, T), 2);
	uint64_t H = pfn_of(&w, T), gen = host_frame_gen(w.h, H);
	uint64_t tables = counter(&w, "host.vma_pt_bytes");

	/* Split: two start/end pairs over the 2 MiB, __split_huge_pmd's and
	 * try_to_migrate_one's. */
	w.m.ncalls = 0;
	assert_int_equal(host_thp_split(w.h, T, SZ_2M), 1);
	assert_int_equal(w.m.ncalls, 4);
	assert_call(&w.m, 0, 'S', T, T + SZ_2M);
	assert_call(&w.m, 1, 'E', T, T + SZ_2M);
	assert_call(&w.m, 2, 'S', T, T + SZ_2M);
	assert_call(&w.m, 3, 'E', T, T + SZ_2M);
	assert_false(w.m.e[3].valid);
	assert_false(w.m.e[5].valid);
	for (unsigned k = 0; k < 512; k++) {
		uint64_t pfn;
		int level;
		bool wr;
		struct host_folio f;
		assert_int_equal(host_lookup(w.h, T + k * SZ_4K, &pfn, &level, &wr), 0);
		assert_int_equal(pfn, H + k);
		assert_int_equal(level, 1);
		assert_true(wr);
		assert_int_equal(host_folio_get_info(w.h, pfn, &f), 0);
		assert_int_equal(f.pfn, H + k);
		assert_int_equal(f.order, 0);
		assert_int_equal(f.gen, gen); /* same memory, nothing freed */
		assert_int_equal(f.refcount, 1);
		assert_int_equal(f.mapcount, 1);
		assert_int_equal(f.flags, FOLIO_DIRTY); /* copied to each */
	}
	assert_int_equal(host_frame_version(w.h, H + 3), 1);
	assert_int_equal(host_frame_version(w.h, H + 5), 2);
	assert_int_equal(counter(&w, "host.thp.splits"), 1);
	/* The 2 MiB entry became a table of 512 8-byte PTEs. */
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), tables + 4096);
	/* Split again: nothing mapped at 2 MiB. */
	assert_int_equal(host_thp_split(w.h, T, SZ_2M), 0);

	/* A hole, then collapse: one pair over the 2 MiB. */
	assert_int_equal(host_madvise(w.h, T + 16 * SZ_4K, SZ_4K, HOST_MADV_DONTNEED), 1);
	assert_int_equal(host_frame_gen(w.h, H + 16), 0);
	assert_int_equal(guest_write(&w.m, T + 5 * SZ_4K), 0); /* version 3 */
	w.m.ncalls = 0;
	assert_int_equal(host_thp_collapse(w.h, T, SZ_2M), 1);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'S', T, T + SZ_2M);
	assert_call(&w.m, 1, 'E', T, T + SZ_2M);
	assert_false(w.m.e[5].valid);
	assert_int_equal(host_mapping_level(w.h, T), 2);
	uint64_t N = pfn_of(&w, T);
	struct host_folio f;
	assert_int_equal(host_folio_get_info(w.h, N, &f), 0);
	assert_int_equal(f.pfn, N);
	assert_int_equal(f.order, 9);
	assert_int_equal(f.mapcount, 1);
	assert_int_equal(f.refcount, 1);
	assert_int_not_equal(f.gen, gen);
	assert_int_equal(host_frame_version(w.h, N + 3), 1);
	assert_int_equal(host_frame_version(w.h, N + 5), 3);
	assert_int_equal(host_frame_version(w.h, N + 16), 0);
	for (unsigned k = 0; k < 512; k++)
		assert_int_equal(host_frame_gen(w.h, H + k), 0);
	assert_int_equal(counter(&w, "host.thp.collapses"), 1);
	assert_int_equal(counter(&w, "host.vma_pt_bytes"), tables); /* table freed */
	/* Collapse again: nothing is mapped at 4 KiB any more. */
	assert_int_equal(host_thp_collapse(w.h, T, SZ_2M), 0);
	/* The guest goes on through the new THP; the collapse made the PMD
	 * dirty, so writeback writes it. */
	assert_int_equal(guest_write(&w.m, T + 5 * SZ_4K), 0);
	assert_int_equal(host_frame_version(w.h, N + 5), 4);
	assert_int_equal(host_writeback(w.h, T, SZ_2M), 1);
	assert_int_equal(host_frame_written_version(w.h, N + 5), 4);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	tw_fini(&w);
}

/* A MADV_DONTNEED over part of a THP splits it first: the split's pairs
 * nest inside the madvise's. */
static void test_dontneed_partial_thp(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_THP, 2 * SZ_2M, false);
	uint64_t T = BASE, P1 = T + SZ_4K;
	assert_int_equal(guest_write(&w.m, T), 0);
	uint64_t H = pfn_of(&w, T);
	w.m.ncalls = 0;
	assert_int_equal(host_madvise(w.h, P1, SZ_4K, HOST_MADV_DONTNEED), 1);
	assert_int_equal(w.m.ncalls, 6);
	assert_call(&w.m, 0, 'S', P1, P1 + SZ_4K);
	assert_call(&w.m, 1, 'S', T, T + SZ_2M);
	assert_call(&w.m, 2, 'E', T, T + SZ_2M);
	assert_call(&w.m, 3, 'S', T, T + SZ_2M);
	assert_call(&w.m, 4, 'E', T, T + SZ_2M);
	assert_call(&w.m, 5, 'E', P1, P1 + SZ_4K);
	assert_int_equal(host_mapping_level(w.h, T), 1);
	assert_int_equal(pfn_of(&w, T), H);
	assert_int_equal(host_lookup(w.h, P1, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(host_frame_gen(w.h, H + 1), 0);
	assert_int_not_equal(host_frame_gen(w.h, H + 2), 0);
	tw_fini(&w);
}

/* ------------------------------------------------------------ MADV_* */

static void test_dontneed_then_access(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE + 2 * SZ_4K;
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(guest_write(&w.m, A), 0);
	uint64_t pfn = pfn_of(&w, A), gen = host_frame_gen(w.h, pfn);
	w.m.ncalls = 0;
	assert_int_equal(host_madvise(w.h, BASE, 4 * SZ_4K, HOST_MADV_DONTNEED), 1);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'S', BASE, BASE + 4 * SZ_4K);
	assert_call(&w.m, 1, 'E', BASE, BASE + 4 * SZ_4K);
	assert_int_equal(host_frame_gen(w.h, pfn), 0);
	assert_false(w.m.e[2].valid);
	/* The content is gone on purpose: no lost write, no writeback. */
	assert_int_equal(counter(&w, "host.writeback.pages"), 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	/* Access: a new zero-filled folio. */
	assert_int_equal(mock_fault(&w.m, A, false), 0);
	uint64_t p2 = pfn_of(&w, A);
	assert_int_not_equal(host_frame_gen(w.h, p2), gen);
	assert_int_equal(host_frame_version(w.h, p2), 0);
	assert_int_equal(counter(&w, "host.madv.dontneed"), 1);
	tw_fini(&w);
}

/* MADV_FREE, then reclaim with no write in between: discarded without
 * writeback, nothing lost.  The page holds version 1, or @version when
 * not 0: MADV_FREE gives up the whole version, past 2^32 too. */
static void madv_free_discard(uint64_t version)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE;
	assert_int_equal(guest_write(&w.m, A), 0);
	uint64_t pfn = pfn_of(&w, A);
	if (version)
		set_version_at(&w, A, version);
	assert_int_equal(host_madvise(w.h, A, SZ_4K, HOST_MADV_FREE), 1);
	assert_int_equal(folio_flags(&w, pfn), FOLIO_LAZYFREE);
	bool wr;
	assert_int_equal(host_lookup(w.h, A, NULL, NULL, &wr), 0);
	assert_true(wr); /* MADV_FREE keeps the mapping writable */
	assert_false(w.m.e[0].valid);
	assert_int_equal(host_reclaim(w.h, A, SZ_4K), 1);
	assert_int_equal(counter(&w, "host.reclaim.lazyfree"), 1);
	assert_int_equal(counter(&w, "host.writeback.pages"), 0);
	assert_int_equal(counter(&w, "host.lost_folio_writes"), 0);
	assert_int_equal(host_frame_gen(w.h, pfn), 0);
	tw_fini(&w);
}

static void test_madv_free_discard(void **state)
{
	madv_free_discard(0);
	madv_free_discard(P32 + 5);
}

/*
 * MADV_FREE, a guest write, reclaim: the write re-dirtied the folio (the
 * mock's fault found the PTE writable and clean, GUP-fast style, so only
 * its folio_mark_dirty at map, or at zap, reports it).  Reclaim finds it
 * dirty and maps it back (try_to_unmap_one); the next reclaim writes it
 * out.  Returns the lost writes.
 */
static uint64_t free_write_reclaim(bool zap, bool no_mark)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	w.m.zap_policy = zap;
	uint64_t A = BASE;
	assert_int_equal(guest_write(&w.m, A), 0);
	uint64_t pfn = pfn_of(&w, A);
	assert_int_equal(host_madvise(w.h, A, SZ_4K, HOST_MADV_FREE), 1);
	w.m.no_mark = no_mark;
	assert_int_equal(guest_write(&w.m, A), 0);
	assert_int_equal(counter(&w, "host.wp_faults"), 0);
	assert_int_equal(host_frame_version(w.h, pfn), 2);
	uint64_t lost;
	if (no_mark) {
		/* Nobody reported the write: reclaim discards it. */
		assert_int_equal(host_reclaim(w.h, A, SZ_4K), 1);
		assert_int_equal(counter(&w, "host.reclaim.lazyfree"), 1);
		assert_int_equal(check_count(w.chk), 1);
		assert_non_null(strstr(check_get(w.chk, 0)->detail,
				       "reclaim discarded a MADV_FREE folio"));
	} else {
		assert_int_equal(host_reclaim(w.h, A, SZ_4K), 0);
		assert_int_equal(counter(&w, "host.reclaim.redirtied"), 1);
		assert_int_equal(pfn_of(&w, A), pfn);
		assert_int_equal(folio_flags(&w, pfn), FOLIO_DIRTY);
		assert_int_equal(host_reclaim(w.h, A, SZ_4K), 1);
		assert_int_equal(counter(&w, "host.reclaim.pageout"), 1);
		long wo = log_find(&w, "host.write_out", pfn << 12, 0);
		assert_true(wo >= 0);
		assert_int_equal(sim_log_get(w.s, (size_t)wo)->new, 2);
	}
	lost = counter(&w, "host.lost_folio_writes");
	tw_fini(&w);
	return lost;
}

static void test_madv_free_write_reclaim(void **state)
{
	assert_int_equal(free_write_reclaim(false, false), 0);
	assert_int_equal(free_write_reclaim(true, false), 0);
	/* A secondary MMU that skips its dirty mark: the oracle fires. */
	assert_int_equal(free_write_reclaim(false, true), 1);
}

/* ---------------------------------------------------------------- aging */

static void test_age(void **state)
{
	struct tw w;
	tw_init(&w, HOST_BACKING_4K, SZ_2M, false);
	uint64_t A = BASE, B = BASE + SZ_4K;
	assert_int_equal(mock_fault(&w.m, A, false), 0);
	assert_int_equal(guest_write(&w.m, B), 0); /* the mock's entry is young */
	host_folio_set_flags(w.h, pfn_of(&w, A), FOLIO_YOUNG);
	w.m.ncalls = 0;
	assert_int_equal(host_age(w.h, BASE, 4 * SZ_4K), 2);
	assert_int_equal(w.m.ncalls, 2);
	assert_call(&w.m, 0, 'Y', A, A + SZ_4K);
	assert_call(&w.m, 1, 'Y', B, B + SZ_4K);
	assert_int_equal(folio_flags(&w, pfn_of(&w, A)) & FOLIO_YOUNG, 0);
	assert_int_equal(host_age(w.h, BASE, 4 * SZ_4K), 0);
	assert_int_equal(counter(&w, "host.age.folios"), 4);
	assert_int_equal(counter(&w, "host.age.young"), 2);
	assert_int_equal(counter(&w, "host.mn.invalidate_start"), 0);
	tw_fini(&w);
}

/* ---------------------------------------------------------- random lists */

static void test_random_deterministic(void **state)
{
	enum { N = 300 };
	static struct host_event a[N], b[N], c[N];
	uint64_t len = 64 * SZ_2M;
	assert_int_equal(host_events_random(42, BASE, len, 5000, 10000, HOST_EV_ALL, a, N), 0);
	assert_int_equal(host_events_random(42, BASE, len, 5000, 10000, HOST_EV_ALL, b, N), 0);
	assert_int_equal(host_events_random(43, BASE, len, 5000, 10000, HOST_EV_ALL, c, N), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	unsigned seen = 0;
	cycles_t prev = 5000;
	for (int i = 0; i < N; i++) {
		assert_true(a[i].at > prev && a[i].at < prev + 20000);
		prev = a[i].at;
		assert_true(a[i].kind < HOST_EV_NKINDS);
		seen |= HOST_EV_MASK(a[i].kind);
		assert_true(a[i].hva >= BASE && a[i].hva + a[i].len <= BASE + len);
		if (a[i].kind == HOST_EV_THP_SPLIT || a[i].kind == HOST_EV_THP_COLLAPSE) {
			assert_int_equal(a[i].hva % SZ_2M, 0);
			assert_int_equal(a[i].len, SZ_2M);
		} else if (a[i].kind == HOST_EV_MIGRATE) {
			assert_int_equal(a[i].len, SZ_4K);
		} else {
			assert_true(a[i].len >= SZ_4K && a[i].len <= 16 * SZ_4K);
		}
	}
	assert_int_equal(seen, HOST_EV_ALL);
	/* A mask limits the kinds; bad arguments are refused. */
	unsigned mask = HOST_EV_MASK(HOST_EV_RECLAIM) | HOST_EV_MASK(HOST_EV_AGE);
	assert_int_equal(host_events_random(7, BASE, len, 0, 100, mask, a, N), 0);
	for (int i = 0; i < N; i++)
		assert_true(mask & HOST_EV_MASK(a[i].kind));
	assert_int_equal(host_events_random(7, BASE, len, 0, 100, 0, a, N), -EINVAL);
	assert_int_equal(host_events_random(7, BASE + 1, len, 0, 100, mask, a, N), -EINVAL);
	assert_int_equal(host_events_random(7, BASE, 100, 0, 100, mask, a, N), -EINVAL);
	/* Names round-trip. */
	for (int k = 0; k < HOST_EV_NKINDS; k++) {
		enum host_event_kind got;
		assert_int_equal(host_event_kind_parse(host_event_kind_name(k), &got), 0);
		assert_int_equal(got, k);
	}
	enum host_event_kind got;
	assert_int_equal(host_event_kind_parse("swap", &got), -EINVAL);
	(void)state;
}

/*
 * Every kind of event at random under a guest writing all over a THP
 * region, protocol intact: the host's tables stay consistent, faults wait
 * out migrations, and no write is lost, under both dirty-mark policies.
 */
static void random_guest(struct sim *s, void *arg)
{
	struct run *r = arg;
	struct rng g;
	rng_seed(&g, 99, 1);
	for (unsigned i = 0; i < r->writes; i++) {
		sim_yield(s, SIM_ACCT_OTHER, r->gap);
		uint64_t page = rng_below(&g, NPAGES);
		/* Under fault injection a write may hit a freed frame; the
		 * mock counts those (m.stale). */
		guest_write(&r->w->m, BASE + page * SZ_4K);
	}
}

static uint64_t random_run(uint64_t seed, bool zap, bool skip)
{
	enum { N = 400 };
	static struct host_event ev[N], ev2[N];
	struct tw w;
	/* Cheap I/O and copies, so that hundreds of events fit in the run:
	 * at the defaults one 2 MiB pageout takes 3M cycles. */
	tw_params(&w, skip);
	w.p.lat_host_writeback = 10;
	w.p.lat_host_copy = 2;
	tw_init_p(&w, HOST_BACKING_THP, NPAGES * SZ_4K);
	w.m.zap_policy = zap;
	assert_int_equal(host_events_random(seed, BASE, NPAGES * SZ_4K, 1000, 2000,
					    HOST_EV_ALL, ev, N), 0);
	/* A second host thread (another CPU's kswapd, khugepaged, ...)
	 * races the first on the same folios: the folio lock decides. */
	assert_int_equal(host_events_random(seed + 1000, BASE, NPAGES * SZ_4K, 1500,
					    2000, HOST_EV_ALL, ev2, N), 0);
	struct run r = { &w, 3000, 300 };
	assert_non_null(sim_spawn(w.s, "guest", random_guest, &r, 0, 0));
	assert_non_null(host_events_spawn(w.h, ev, N, SIM_THREAD_DAEMON));
	assert_non_null(host_events_spawn(w.h, ev2, N, SIM_THREAD_DAEMON));
	assert_int_equal(sim_run(w.s), SIM_DONE);
	uint64_t lost = counter(&w, "host.lost_folio_writes");
	assert_int_equal(check_count(w.chk), lost);
	if (!skip) {
		assert_int_equal(w.m.stale, 0);
		assert_true(counter(&w, "host.events") > 400);
		assert_true(counter(&w, "host.events.skipped") > 0);
	}
	tw_fini(&w);
	return lost;
}

static void test_random_events_guest(void **state)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		assert_int_equal(random_run(seed, false, false), 0);
		assert_int_equal(random_run(seed, true, false), 0);
	}
	assert_true(random_run(1, false, true) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_intact),
		cmocka_unit_test(test_writeback_skip_notifier),
		cmocka_unit_test(test_writeback_past_2_32),
		cmocka_unit_test(test_writeback_concurrent),
		cmocka_unit_test(test_event_timing),
		cmocka_unit_test(test_reclaim_dirty),
		cmocka_unit_test(test_reclaim_skips),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate_thp),
		cmocka_unit_test(test_migrate_past_2_32),
		cmocka_unit_test(test_migration_wait),
		cmocka_unit_test(test_migrate_write_after_copy),
		cmocka_unit_test(test_thp_split_collapse),
		cmocka_unit_test(test_dontneed_partial_thp),
		cmocka_unit_test(test_dontneed_then_access),
		cmocka_unit_test(test_madv_free_discard),
		cmocka_unit_test(test_madv_free_write_reclaim),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_random_deterministic),
		cmocka_unit_test(test_random_events_guest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
