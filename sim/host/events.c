// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host kernel events and the lost-folio-write oracle.
 *
 * Each event is the host kernel doing to the VMM's memory what Linux does,
 * in Linux's order against the mmu_notifier: a secondary MMU (KVM) is told
 * invalidate_range_start before a mapping changes and invalidate_range_end
 * after, and everything the host then does to the folio relies on that.
 * The orders below follow v6.x mm/ (rmap.c, vmscan.c, madvise.c,
 * migrate.c, huge_memory.c, khugepaged.c); each step that another thread
 * can observe is a yield point: a folio lock or flag change, a host PTE
 * update, the I/O, the copy.
 *
 * What the model keeps of Linux's locking:
 *  - The folio lock (FOLIO_LOCKED) serializes host events on one folio:
 *    writeback, reclaim, MADV_FREE, migration and khugepaged trylock it
 *    and skip a folio that is locked, as Linux's shrink_folio_list,
 *    madvise_free_pte_range, async migration and khugepaged do.
 *    MADV_DONTNEED does not take it in Linux; here it skips locked folios
 *    too, rather than racing an event that holds the folio.
 *  - The PTE lock: a step that reads and changes a host PTE happens after
 *    one yield, atomically, as under the PTE lock.
 *  - Migration entries: while a folio is being moved, split or collapsed
 *    its PTEs are HPTE_MIGRATION entries and a fault waits on them
 *    (migration_entry_wait; for collapse Linux holds mmap_lock instead,
 *    which blocks faults as well).
 *
 * The folio lock is not modelled against faults: in Linux a write fault
 * on a file folio under writeback waits in page_mkwrite for the folio
 * lock, which closes the window between page_mkclean and
 * folio_test_clear_dirty.  Here that window stays open, and is harmless:
 * a write fault in it leaves the host PTE dirty (host_faultin's
 * do_wp_page), and the PTE's dirty bit outlives the folio's test-and-
 * clear, so the next writeback or unmap still sees it.
 *
 * The oracle (DESIGN §6 #2).  Each frame carries, besides its content
 * version, the version last written out (wb_version) and the newest
 * version the host may drop without losing a guest write (ok_version; see
 * host_int.h).  The host drops content when reclaim frees a folio, and
 * "persists" it when writeback skips a clean folio; at those moments a
 * frame whose version is above ok_version holds a write that nobody
 * reported with a dirty mark: with the notifier protocol intact that
 * cannot happen, because invalidate_range_start made the secondary MMU
 * drop its writable mapping (so the next guest write faults and dirties
 * the PTE or marks the folio) or, under dirty_mark=zap, mark the folio as
 * it zapped.  Writeback leaves MADV_FREE'd folios alone: their content
 * is discardable until reclaim, after its own invalidation, finds them
 * redirtied.  MADV_DONTNEED drops content on purpose and is not checked.
 */
#include "sim/host/host_int.h"

#include "sim/check/check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)

static const struct host_params *P(const struct host *h) { return &h->p; }

static uint64_t level_span(int level)
{
	return level == 3 ? SZ_1G : level == 2 ? SZ_2M : HOST_PAGE_SIZE;
}

static bool is_hugetlb(enum host_backing b)
{
	return b == HOST_BACKING_HUGETLB_2M || b == HOST_BACKING_HUGETLB_1G;
}

/* ------------------------------------------------------------ mmu_notifier */

/*
 * host.skip_notifier=1 skips the start/end pairs (never clear_young): the
 * fault injection that leaves a secondary MMU's writable mappings in place
 * across page_mkclean and unmap, which is what the lost-folio-write and
 * stale-translation oracles must catch.
 */
static void mn_start(struct host *h, uint64_t start, uint64_t end)
{
	if (P(h)->host_skip_notifier) {
		h->st.mn_skipped++;
		sim_log(h->s, "host.mn.skip", start, start, end);
		return;
	}
	h->st.mn_start++;
	sim_log(h->s, "host.mn.start", start, start, end);
	for (size_t i = 0; i < h->nmn; i++)
		if (h->mn[i].ops->invalidate_range_start)
			h->mn[i].ops->invalidate_range_start(h->mn[i].ctx, start, end);
}

static void mn_end(struct host *h, uint64_t start, uint64_t end)
{
	if (P(h)->host_skip_notifier)
		return;
	h->st.mn_end++;
	sim_log(h->s, "host.mn.end", start, start, end);
	for (size_t i = 0; i < h->nmn; i++)
		if (h->mn[i].ops->invalidate_range_end)
			h->mn[i].ops->invalidate_range_end(h->mn[i].ctx, start, end);
}

static bool mn_clear_young(struct host *h, uint64_t start, uint64_t end)
{
	bool young = false;
	for (size_t i = 0; i < h->nmn; i++) {
		if (!h->mn[i].ops->clear_young)
			continue;
		h->st.mn_clear_young++;
		young |= h->mn[i].ops->clear_young(h->mn[i].ctx, start, end);
	}
	return young;
}

/* -------------------------------------------------------- migration waits */

int host_migration_wait(struct host *h)
{
	struct sim_thread *t = sim_self(h->s);
	if (!t)
		return -EAGAIN;
	if (h->nmwait == h->capmwait) {
		size_t cap = h->capmwait ? 2 * h->capmwait : 8;
		struct sim_thread **n = realloc(h->mwait, cap * sizeof(*n));
		if (!n) {
			/* No room to queue: spin once instead of sleeping. */
			host_yield(h, sim_params(h->s)->lat_atomic);
			return 0;
		}
		h->mwait = n;
		h->capmwait = cap;
	}
	h->mwait[h->nmwait++] = t;
	h->st.mig_waits++;
	sim_block(h->s, SIM_ACCT_WAIT, "host migration entry");
	return 0;
}

/* Wakes every waiter: each looks at its entry again and sleeps again if
 * it is still a migration entry (of another event). */
static void migration_wake(struct host *h)
{
	cycles_t now = sim_self(h->s) ? sim_now(h->s) : 0;
	for (size_t i = 0; i < h->nmwait; i++)
		sim_wake(h->s, h->mwait[i], now);
	h->nmwait = 0;
}

/* ---------------------------------------------------------------- mappings */

/* One host mapping an event works on: a present entry and its folio. */
struct hmap {
	uint64_t base, span;  /* the hva range the entry maps */
	uint64_t head;        /* its folio's head frame */
	uint64_t gen;         /* that folio's generation when found */
	int level;            /* 1, 2, 3 */
	enum host_backing backing;
	bool rdonly;
};

/*
 * The first present mapping that intersects [*hva, end); *hva moves past
 * it.  Holds no pointer across calls, so a caller that yields in between
 * simply carries on from where the tables are now.
 */
static bool next_mapping(struct host *h, uint64_t *hva, uint64_t end,
			 struct hmap *m)
{
	uint64_t a = *hva;
	while (a < end) {
		const struct vma *v = host_vma_next(h, a);
		if (!v || v->start >= end)
			break;
		if (a < v->start)
			a = v->start;
		int l;
		uint64_t e = *host_hpte(h, a, &l);
		uint64_t span = level_span(l);
		uint64_t base = a & ~(span - 1);
		if (e & HPTE_PRESENT) {
			m->base = base;
			m->span = span;
			m->head = HPTE_PFN(e);
			m->gen = host_frame_gen(h, m->head);
			m->level = l;
			m->backing = v->backing;
			m->rdonly = v->flags & HOST_VMA_RDONLY;
			*hva = base + span;
			return true;
		}
		a = base + span;
	}
	*hva = end;
	return false;
}

/* The entry of @m now (valid until the next yield point). */
static uint64_t *mpte(struct host *h, const struct hmap *m)
{
	int l;
	return host_hpte(h, m->base, &l);
}

static void pte_set(struct host *h, uint64_t hva, uint64_t *pe, uint64_t v)
{
	sim_log(h->s, "host.pte", hva, *pe, v);
	*pe = v;
}

/* --------------------------------------------------------------- folio lock */

/*
 * folio_trylock on the folio of @m, if @m still describes it: the same
 * generation, still mapped by @m's entry.  After the lock nothing but this
 * event changes the folio or its mapping, except a write fault upgrading
 * the PTE (W, D) and the secondary MMU marking it dirty or young.
 */
static struct frame *folio_trylock(struct host *h, const struct hmap *m)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
	struct frame *f = host_frame(h, m->head);
	uint64_t *pe = mpte(h, m);
	if (!f || f->gen != m->gen || f->kind != FK_DATA ||
	    (f->flags & FOLIO_LOCKED) || !pe || !(*pe & HPTE_PRESENT) ||
	    HPTE_PFN(*pe) != m->head) {
		h->st.ev_skipped++;
		return NULL;
	}
	f->flags |= FOLIO_LOCKED;
	return f;
}

static void folio_unlock(struct host *h, struct frame *f)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
	f->flags &= (uint8_t)~FOLIO_LOCKED;
}

/* Folio flag updates by the events themselves: yield points like
 * host_folio_set_flags, but on the flags only the events own too, and
 * without counting the host's own dirty transfers as folio_mark_dirty. */
static void flag_set(struct host *h, struct frame *f, unsigned fl)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
	f->flags |= (uint16_t)fl;
}

static void flag_clear(struct host *h, struct frame *f, unsigned fl)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
	f->flags &= (uint8_t)~fl;
}

static bool flag_test_clear(struct host *h, struct frame *f, unsigned fl)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
	bool was = f->flags & fl;
	f->flags &= (uint8_t)~fl;
	return was;
}

/* -------------------------------------------------- content ground truth */

/*
 * Walks the frames of a folio that the guest wrote since the folio was
 * made, a chunk (CHUNK_FRAMES) at a time where none was ever recorded (a
 * huge folio costs a chunk only where it was written).
 */
#define FOR_EACH_CONTENT_FRAME(h, head, n, i, f)                             \
	for (uint64_t i = 0; i < (n); i++)                                   \
		if (!((f) = host_frame((h), (head) + i))) {                  \
			i |= CHUNK_FRAMES - 1;                               \
		} else if (frame_version((f), (head) + i))

/*
 * The oracle: every frame of the folio whose content is newer than what
 * the host may drop is a lost guest write, reported once (ok_version then
 * accounts for it).  @why names the event; @copy says the comparison is
 * against a copy (migration, collapse) rather than a writeback.
 */
static uint64_t lost_scan(struct host *h, uint64_t head, unsigned order,
			  uint64_t gen, uint64_t hva, const char *why, bool copy)
{
	uint64_t lost = 0;
	struct frame *f;
	FOR_EACH_CONTENT_FRAME(h, head, UINT64_C(1) << order, i, f) {
		const struct frame_wb *w = host_frame_wb(h, head + i);
		uint64_t ver = frame_version(f, head + i);
		if (ver <= w->ok_version)
			continue;
		uint64_t pa = (head + i) << HOST_PAGE_SHIFT;
		h->st.lost_folio_writes++;
		lost++;
		sim_log(h->s, "host.lost_write", pa, w->ok_version, ver);
		if (h->chk && copy)
			check_report(h->chk, CHECK_LOST_FOLIO_WRITE, pa,
				     "%s: frame %#llx (hva %#llx, gen %llu) reached version %llu after the copy took %llu",
				     why, (unsigned long long)(head + i),
				     (unsigned long long)(hva + (i << HOST_PAGE_SHIFT)),
				     (unsigned long long)gen,
				     (unsigned long long)ver,
				     (unsigned long long)w->ok_version);
		else if (h->chk)
			check_report(h->chk, CHECK_LOST_FOLIO_WRITE, pa,
				     "%s: frame %#llx (hva %#llx, gen %llu) holds version %llu, written out %llu, folio clean: no dirty mark pending",
				     why, (unsigned long long)(head + i),
				     (unsigned long long)(hva + (i << HOST_PAGE_SHIFT)),
				     (unsigned long long)gen,
				     (unsigned long long)ver,
				     (unsigned long long)w->wb_version);
		struct frame_wb *mw = host_frame_wb_mk(h, head + i);
		if (mw)
			mw->ok_version = ver;
	}
	return lost;
}

/*
 * The I/O of a writeback or pageout, the folio (head frame @hf) under
 * PG_writeback: the device reads the folio when the I/O starts (the yield
 * point), then takes lat.host.writeback per page.  What it read is the
 * ground truth: per frame, the version written.  A guest write after this
 * point is safe only with a dirty mark pending.
 */
static void write_out(struct host *h, struct frame *hf, uint64_t head,
		      unsigned order, uint64_t gen)
{
	uint64_t n = UINT64_C(1) << order;
	struct frame *f;
	flag_set(h, hf, FOLIO_WRITEBACK);
	host_yield(h, P(h)->lat_host_writeback * n);
	FOR_EACH_CONTENT_FRAME(h, head, n, i, f) {
		struct frame_wb *w = host_frame_wb_mk(h, head + i);
		if (!w)
			continue; /* host OOM for metadata: reads as never written out */
		uint64_t ver = frame_version(f, head + i);
		if (ver != w->wb_version)
			sim_log(h->s, "host.write_out", (head + i) << HOST_PAGE_SHIFT,
				w->wb_version, ver);
		w->wb_version = ver;
		w->ok_version = ver;
	}
	h->st.wb_pages += n;
	flag_clear(h, hf, FOLIO_WRITEBACK);
}

/*
 * Copies the content of @n frames (versions, and the bytes of frames that
 * hold guest page-table entries) from the folio at @src to the one at
 * @dst (new: its frames read as never written).  The source's content now
 * counts as saved: what the guest writes to it after this instant (through
 * a translation that should be gone) is lost when the source is freed.
 */
static void copy_frames(struct host *h, uint64_t dst, uint64_t src, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct frame *sf = host_frame(h, src + i);
		if (!sf) {
			i |= CHUNK_FRAMES - 1;
			continue;
		}
		uint64_t ver = frame_version(sf, src + i);
		bool content = ver != 0;
		if (!content && !sf->bytes)
			continue;
		struct frame *df = host_frame_mk(h, dst + i);
		if (!df)
			continue; /* host OOM for metadata: the copy reads 0 */
		if (content) {
			const struct frame_wb *sw = host_frame_wb(h, src + i);
			frame_version_set(h, df, dst + i, ver);
			if (sw->wb_version || sw->ok_version) {
				struct frame_wb *dw = host_frame_wb_mk(h, dst + i);
				if (dw)
					*dw = *sw;
			} else if (host_frame_wb(h, dst + i)->ok_version ||
				   host_frame_wb(h, dst + i)->wb_version) {
				*host_frame_wb_mk(h, dst + i) = (struct frame_wb){ 0 };
			}
			struct frame_wb *w = host_frame_wb_mk(h, src + i);
			if (w)
				w->ok_version = ver;
		}
		if (sf->bytes) {
			memcpy(sim_va(h->s, (dst + i) << HOST_PAGE_SHIFT),
			       sim_va(h->s, (src + i) << HOST_PAGE_SHIFT),
			       HOST_PAGE_SIZE);
			df->bytes = 1;
		}
	}
}

/* Whether a frame of the folio holds guest page-table bytes. */
static bool holds_bytes(struct host *h, uint64_t head, unsigned order)
{
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++) {
		struct frame *f = host_frame(h, head + i);
		if (!f)
			i |= CHUNK_FRAMES - 1;
		else if (f->bytes)
			return true;
	}
	return false;
}

/* The last reference of a folio this event unmapped goes: it is freed and
 * its generation ends (unless someone else still holds it). */
static void folio_release(struct host *h, uint64_t head, uint64_t gen)
{
	sim_log(h->s, "host.free", head << HOST_PAGE_SHIFT, gen, 0);
	host_folio_put(h, head);
}

static void event_begin(struct host *h, enum host_event_kind k, uint64_t hva,
			uint64_t len)
{
	h->st.events++;
	sim_log(h->s, "host.event", hva, (uint64_t)k, len);
}

/* Page-aligned start, length rounded up to pages, no wrap. */
static int range_check(uint64_t hva, uint64_t *len)
{
	uint64_t l = (*len + HOST_PAGE_SIZE - 1) & ~(HOST_PAGE_SIZE - 1);
	if (hva % HOST_PAGE_SIZE || l < *len || hva + l < hva)
		return -EINVAL;
	*len = l;
	return 0;
}

/*
 * What every event over a range does around its folios: check the range,
 * count the event, and hand each mapping in it to @one (which decides
 * what to skip), summing what @one returns.
 */
static int each_mapping(struct host *h, enum host_event_kind k, uint64_t hva,
			uint64_t len, int (*one)(struct host *, const struct hmap *))
{
	if (range_check(hva, &len))
		return -EINVAL;
	event_begin(h, k, hva, len);
	uint64_t a = hva;
	struct hmap m;
	int n = 0;
	while (next_mapping(h, &a, hva + len, &m))
		n += one(h, &m);
	return n;
}

/* ----------------------------------------------------------------- writeback */

/*
 * Writeback of one folio: write_cache_pages -> folio_clear_dirty_for_io ->
 * folio_mkclean, then the I/O.  folio_mkclean brackets only the PTE change
 * with the notifier (page_vma_mkclean_one): start, write-protect and clean
 * the PTE, end; a PTE that was writable or dirty makes it
 * folio_mark_dirty, then folio_test_clear_dirty decides.  The secondary
 * MMU zapped its writable SPTE in start, so a guest write after the
 * mkclean must fault: through the host's write fault (PTE dirty again) and
 * KVM's folio_mark_dirty under dirty_mark=map, or under dirty_mark=zap
 * KVM's zap marked the folio before the test-and-clear.
 */
static int writeback_one(struct host *h, const struct hmap *m)
{
	struct frame *f = folio_trylock(h, m);
	if (!f)
		return 0;
	unsigned order = f->order;
	int written = 0;

	host_yield(h, P(h)->lat_host_folio);
	bool dirty = (f->flags & FOLIO_DIRTY) || (*mpte(h, m) & HPTE_DIRTY);
	if (!dirty) {
		/* Writeback only visits dirty folios.  A clean folio that
		 * holds unwritten guest writes stays unwritten: unless it is
		 * MADV_FREE'd (discardable until reclaim), they are lost. */
		if (!(f->flags & FOLIO_LAZYFREE))
			lost_scan(h, m->head, order, m->gen, m->base,
				  "writeback skipped a clean folio", false);
		folio_unlock(h, f);
		return 0;
	}

	mn_start(h, m->base, m->base + m->span);
	host_yield(h, sim_params(h->s)->lat_atomic);
	uint64_t *pe = mpte(h, m);
	uint64_t old = *pe;
	pte_set(h, m->base, pe, old & ~(HPTE_WRITE | HPTE_DIRTY));
	mn_end(h, m->base, m->base + m->span);

	if (old & (HPTE_WRITE | HPTE_DIRTY))
		flag_set(h, f, FOLIO_DIRTY);
	if (flag_test_clear(h, f, FOLIO_DIRTY)) {
		write_out(h, f, m->head, order, m->gen);
		h->st.wb_folios++;
		written = 1;
	}
	folio_unlock(h, f);
	return written;
}

/* hugetlbfs has no backing store: its folios are never written back
 * nor reclaimed (counted as skipped). */
static bool hugetlb_skipped(struct host *h, const struct hmap *m)
{
	if (!is_hugetlb(m->backing))
		return false;
	h->st.ev_skipped++;
	return true;
}

static int writeback_mapping(struct host *h, const struct hmap *m)
{
	return hugetlb_skipped(h, m) ? 0 : writeback_one(h, m);
}

int host_writeback(struct host *h, uint64_t hva, uint64_t len)
{
	return each_mapping(h, HOST_EV_WRITEBACK, hva, len, writeback_mapping);
}

/* ------------------------------------------------------------------ reclaim */

/*
 * shrink_folio_list on one folio.  try_to_unmap_one brackets the unmap
 * with the notifier: start (KVM zaps; under dirty_mark=zap it marks the
 * folio dirty now), clear the PTE and move its dirty bit to the folio,
 * end.  A MADV_FREE folio that is dirty by then cannot be discarded: the
 * PTE stays (Linux puts it back under the PTE lock) and the folio is
 * swap-backed again, to be written out by a later reclaim.  Otherwise a
 * dirty folio is paged out, and the folio is freed: its generation ends
 * and whatever newer content it held without a dirty mark is lost.
 */
static int reclaim_one(struct host *h, const struct hmap *m)
{
	struct frame *f = folio_trylock(h, m);
	if (!f)
		return 0;
	unsigned order = f->order;
	/* A pin (refcount beyond the mapping's) keeps the folio; and the
	 * model has no swap-in, so a frame holding guest page-table bytes
	 * would come back empty: leave those alone. */
	if (f->refcount != 1 || holds_bytes(h, m->head, order)) {
		h->st.ev_skipped++;
		folio_unlock(h, f);
		return 0;
	}
	host_yield(h, P(h)->lat_host_folio);
	mn_start(h, m->base, m->base + m->span);

	host_yield(h, sim_params(h->s)->lat_atomic);
	uint64_t *pe = mpte(h, m);
	uint64_t old = *pe;
	if (old & HPTE_DIRTY)
		f->flags |= FOLIO_DIRTY;
	if ((f->flags & FOLIO_LAZYFREE) && (f->flags & FOLIO_DIRTY)) {
		f->flags &= (uint8_t)~FOLIO_LAZYFREE;
		mn_end(h, m->base, m->base + m->span);
		h->st.redirtied++;
		folio_unlock(h, f);
		return 0;
	}
	pte_set(h, m->base, pe, 0);
	f->mapcount--;
	mn_end(h, m->base, m->base + m->span);

	bool lazy = f->flags & FOLIO_LAZYFREE;
	if (lazy) {
		h->st.lazyfreed++;
	} else if (flag_test_clear(h, f, FOLIO_DIRTY)) {
		/* pageout: folio_clear_dirty_for_io finds no mapping left to
		 * clean, so no notifier; then the I/O. */
		write_out(h, f, m->head, order, m->gen);
		h->st.pageouts++;
	}
	lost_scan(h, m->head, order, m->gen, m->base,
		  lazy ? "reclaim discarded a MADV_FREE folio" : "reclaim freed a folio",
		  false);
	folio_release(h, m->head, m->gen);
	h->st.reclaimed++;
	return 1;
}

static int reclaim_mapping(struct host *h, const struct hmap *m)
{
	return hugetlb_skipped(h, m) ? 0 : reclaim_one(h, m);
}

int host_reclaim(struct host *h, uint64_t hva, uint64_t len)
{
	return each_mapping(h, HOST_EV_RECLAIM, hva, len, reclaim_mapping);
}

/* ---------------------------------------------------------------- THP split */

/*
 * split_huge_page of a PMD-mapped anonymous THP, as v6.x does it:
 * unmap_folio -> try_to_migrate_one with TTU_SPLIT_HUGE_PMD first calls
 * __split_huge_pmd, which brackets the PMD split with its own start/end
 * over the 2 MiB (the PMD becomes 512 PTEs that are migration entries,
 * the PMD's dirty bit goes to the folio); try_to_migrate_one then
 * brackets its own unmap of the folio's range, and finds only the
 * migration entries.  __split_huge_page makes 512 order-0 folios (see
 * host_folio_split_meta for their generation), remap_page turns the
 * migration entries back into present PTEs, with no notifier: a
 * non-present entry becoming present invalidates nothing.
 */
static int split_one(struct host *h, const struct hmap *m)
{
	struct frame *f = folio_trylock(h, m);
	if (!f)
		return 0;
	/* can_split_folio: no pin beyond the mapping's reference. */
	if (f->order != HOST_ORDER_2M || f->refcount != 1) {
		h->st.ev_skipped++;
		folio_unlock(h, f);
		return 0;
	}
	uint64_t base = m->base, end = m->base + SZ_2M;
	host_yield(h, P(h)->lat_host_folio);

	mn_start(h, base, end);
	host_yield(h, sim_params(h->s)->lat_store * 512);
	uint64_t *pe = mpte(h, m);
	uint64_t old = *pe;
	/* The 512 new folios need a head each: metadata for tails that
	 * were never written, and the PTE table. */
	if (host_frames_mk(h, m->head, 512) ||
	    host_pmd_to_ptes(h, base, (old & ~HPTE_PRESENT) | HPTE_MIGRATION)) {
		mn_end(h, base, end);
		h->st.ev_skipped++;
		folio_unlock(h, f);
		return 0;
	}
	sim_log(h->s, "host.pte", base, old, (old & ~HPTE_PRESENT) | HPTE_MIGRATION);
	if (old & HPTE_DIRTY)
		f->flags |= FOLIO_DIRTY;
	f->mapcount--;
	mn_end(h, base, end);

	mn_start(h, base, end);
	mn_end(h, base, end);

	host_yield(h, sim_params(h->s)->lat_atomic);
	sim_log(h->s, "host.split", m->head << HOST_PAGE_SHIFT, m->gen, 0);
	host_folio_split_meta(h, m->head);

	host_yield(h, sim_params(h->s)->lat_store * 512);
	uint64_t *t = host_pte_table(h, base);
	for (unsigned k = 0; k < 512; k++) {
		t[k] = (t[k] & ~HPTE_MIGRATION) | HPTE_PRESENT;
		host_frame(h, m->head + k)->mapcount = 1;
	}
	migration_wake(h);

	/* The new folios come out locked, like the THP was; unlock them. */
	host_yield(h, sim_params(h->s)->lat_atomic);
	for (unsigned k = 0; k < 512; k++)
		host_frame(h, m->head + k)->flags &= (uint8_t)~FOLIO_LOCKED;
	h->st.thp_splits++;
	return 1;
}

static int split_mapping(struct host *h, const struct hmap *m)
{
	if (m->level != 2)
		return 0;
	if (m->backing != HOST_BACKING_THP) {
		h->st.ev_skipped++; /* HugeTLB folios do not split */
		return 0;
	}
	return split_one(h, m);
}

int host_thp_split(struct host *h, uint64_t hva, uint64_t len)
{
	return each_mapping(h, HOST_EV_THP_SPLIT, hva, len, split_mapping);
}

/* ---------------------------------------------------------- MADV_DONTNEED */

/*
 * A THP that a madvise range covers only in part is split first, as
 * zap_pmd_range (__split_huge_pmd) and madvise_free_huge_pmd
 * (split_folio) do; the model has no PTE-mapped THP, so the folio is
 * split with its PMD.  The split's notifier pairs nest inside the
 * madvise's.  Returns whether the caller should look at the range again.
 */
static bool split_partial(struct host *h, const struct hmap *m, uint64_t s,
			  uint64_t e)
{
	if (m->base >= s && m->base + m->span <= e)
		return false;
	if (m->level == 2 && m->backing == HOST_BACKING_THP && split_one(h, m))
		return true;
	h->st.ev_skipped++;
	return false;
}

/*
 * zap_page_range_single over one VMA's part of the range: start over the
 * whole range, clear the PTEs (the content is thrown away, dirty or not),
 * end, then tlb_finish_mmu frees the pages.  Returns folios unmapped.
 */
static int dontneed_range(struct host *h, uint64_t s, uint64_t e)
{
	uint64_t *freed = NULL, *gens = NULL;
	size_t n = 0, cap = 0;
	uint64_t a = s;
	struct hmap m;

	mn_start(h, s, e);
	while (next_mapping(h, &a, e, &m)) {
		if (m.base < s || m.base + m.span > e) {
			if (split_partial(h, &m, s, e))
				a = m.base > s ? m.base : s;
			continue;
		}
		host_yield(h, sim_params(h->s)->lat_atomic);
		uint64_t *pe = mpte(h, &m);
		struct frame *f = host_frame(h, m.head);
		if (!pe || !(*pe & HPTE_PRESENT) || HPTE_PFN(*pe) != m.head ||
		    !f || f->gen != m.gen || (f->flags & FOLIO_LOCKED)) {
			h->st.ev_skipped++;
			continue;
		}
		if (n == cap) {
			size_t c = cap ? 2 * cap : 64;
			uint64_t *nf = realloc(freed, c * sizeof(*nf));
			if (nf)
				freed = nf;
			uint64_t *ng = nf ? realloc(gens, c * sizeof(*ng)) : NULL;
			if (ng)
				gens = ng;
			if (!nf || !ng) {
				h->st.ev_skipped++;
				continue;
			}
			cap = c;
		}
		pte_set(h, m.base, pe, 0);
		f->mapcount--;
		freed[n] = m.head;
		gens[n++] = m.gen;
	}
	mn_end(h, s, e);
	for (size_t i = 0; i < n; i++)
		folio_release(h, freed[i], gens[i]);
	free(freed);
	free(gens);
	h->st.dontneed += n;
	return (int)n;
}

/* -------------------------------------------------------------- MADV_FREE */

/*
 * madvise_free_single_vma: start over the range; per folio (trylock, skip
 * if locked), folio_clear_dirty, clear the PTE's dirty bit but keep it
 * writable (clear_young_dirty_ptes), folio_mark_lazyfree; end.  The
 * content as of now is given up: reclaim may discard it.  A later guest
 * write must dirty it again: the user's own write sets the PTE dirty,
 * KVM's goes through a fresh SPTE (its old one was zapped in start) and
 * folio_mark_dirty at map, or the mark at zap when reclaim invalidates.
 */
static int free_range(struct host *h, uint64_t s, uint64_t e)
{
	uint64_t a = s;
	struct hmap m;
	int n = 0;

	mn_start(h, s, e);
	while (next_mapping(h, &a, e, &m)) {
		if (m.base < s || m.base + m.span > e) {
			if (split_partial(h, &m, s, e))
				a = m.base > s ? m.base : s;
			continue;
		}
		struct frame *f = folio_trylock(h, &m);
		if (!f)
			continue;
		host_yield(h, sim_params(h->s)->lat_atomic);
		uint64_t *pe = mpte(h, &m);
		pte_set(h, m.base, pe, *pe & ~HPTE_DIRTY);
		f->flags &= (uint8_t)~FOLIO_DIRTY;
		f->flags |= FOLIO_LAZYFREE;
		struct frame *fr;
		FOR_EACH_CONTENT_FRAME(h, m.head, UINT64_C(1) << f->order, i, fr) {
			struct frame_wb *w = host_frame_wb_mk(h, m.head + i);
			if (w)
				w->ok_version = frame_version(fr, m.head + i);
		}
		folio_unlock(h, f);
		n++;
	}
	mn_end(h, s, e);
	h->st.madv_free += (uint64_t)n;
	return n;
}

int host_madvise(struct host *h, uint64_t hva, uint64_t len,
		 enum host_madv advice)
{
	if (range_check(hva, &len) ||
	    (advice != HOST_MADV_DONTNEED && advice != HOST_MADV_FREE))
		return -EINVAL;
	uint64_t end = hva + len;
	/* Validate every VMA first, so a bad call changes nothing: MADV_FREE
	 * is for anonymous memory only, and HugeTLB is zapped in whole huge
	 * pages. */
	for (uint64_t a = hva; a < end;) {
		const struct vma *v = host_vma_next(h, a);
		if (!v || v->start >= end)
			break;
		uint64_t s = a > v->start ? a : v->start;
		uint64_t e = end < v->end ? end : v->end;
		uint64_t huge = v->backing == HOST_BACKING_HUGETLB_1G ? SZ_1G : SZ_2M;
		if (is_hugetlb(v->backing) &&
		    (advice == HOST_MADV_FREE || s % huge || e % huge))
			return -EINVAL;
		a = v->end;
	}
	event_begin(h, advice == HOST_MADV_FREE ? HOST_EV_MADV_FREE : HOST_EV_MADV_DONTNEED,
		    hva, len);
	int n = 0;
	for (uint64_t a = hva; a < end;) {
		const struct vma *v = host_vma_next(h, a);
		if (!v || v->start >= end)
			break;
		uint64_t s = a > v->start ? a : v->start;
		uint64_t e = end < v->end ? end : v->end;
		/* Done with @v before anything yields. */
		a = v->end;
		n += advice == HOST_MADV_FREE ? free_range(h, s, e)
					      : dontneed_range(h, s, e);
	}
	return n;
}

/* ---------------------------------------------------------------- migration */

/*
 * migrate_pages for one folio: the destination is allocated first
 * (get_new_folio), then migrate_folio_unmap -> try_to_migrate_one
 * brackets the unmap with the notifier (the PTE becomes a migration entry
 * and its dirty bit goes to the folio); move_to_new_folio copies the
 * content and moves the flags (dirty moves, it is not duplicated);
 * remove_migration_ptes maps the new folio with the old permissions; the
 * old folio's last reference goes and its generation ends.
 */
static int migrate_one(struct host *h, const struct hmap *m)
{
	struct frame *f = folio_trylock(h, m);
	if (!f)
		return 0;
	unsigned order = f->order;
	uint64_t n = UINT64_C(1) << order, dst;
	/* A pinned folio cannot move (folio_migrate_mapping's refcount
	 * check); without a free block of the order there is no target. */
	if (f->refcount != 1 || host_folio_alloc(h, order, &dst)) {
		h->st.ev_skipped++;
		folio_unlock(h, f);
		return 0;
	}
	uint64_t end = m->base + m->span;
	host_yield(h, P(h)->lat_host_folio);

	mn_start(h, m->base, end);
	host_yield(h, sim_params(h->s)->lat_atomic);
	uint64_t *pe = mpte(h, m);
	uint64_t old = *pe;
	pte_set(h, m->base, pe, (old & ~HPTE_PRESENT) | HPTE_MIGRATION);
	if (old & HPTE_DIRTY)
		f->flags |= FOLIO_DIRTY;
	f->mapcount--;
	mn_end(h, m->base, end);

	host_yield(h, P(h)->lat_host_copy * n);
	copy_frames(h, dst, m->head, n);
	struct frame *df = host_frame(h, dst);
	df->flags |= f->flags & (FOLIO_DIRTY | FOLIO_YOUNG | FOLIO_LAZYFREE);
	f->flags &= (uint8_t)~FOLIO_DIRTY;
	sim_log(h->s, "host.copy", dst << HOST_PAGE_SHIFT, m->head, dst);

	host_yield(h, sim_params(h->s)->lat_atomic);
	pe = mpte(h, m);
	pte_set(h, m->base, pe, dst << HOST_PAGE_SHIFT | HPTE_PRESENT |
		(old & (HPTE_WRITE | HPTE_DIRTY)));
	host_folio_map(h, dst);
	migration_wake(h);

	lost_scan(h, m->head, order, m->gen, m->base,
		  "migration freed the old frame", true);
	folio_release(h, m->head, m->gen);
	h->st.migrated++;
	return 1;
}

int host_migrate(struct host *h, uint64_t hva, uint64_t len)
{
	return each_mapping(h, HOST_EV_MIGRATE, hva, len, migrate_one);
}

/* ------------------------------------------------------------- THP collapse */

/* The 512 PTEs of a 2 MiB region khugepaged looks at. */
struct collapse {
	uint64_t pfn[512]; /* 0: pte_none */
	uint64_t gen[512];
};

/*
 * hpage_collapse_scan_pmd: every present PTE maps an order-0 folio that
 * is neither pinned nor locked; nothing is in flight (no migration
 * entry); pte_none is fine (max_ptes_none defaults to 511) but at least
 * one page must be present.  Fills @c; returns how many are present, 0
 * if the region does not qualify.
 */
static unsigned collapse_scan(struct host *h, uint64_t base, struct collapse *c)
{
	const uint64_t *t = host_pte_table(h, base);
	unsigned present = 0;
	if (!t)
		return 0;
	for (unsigned k = 0; k < 512; k++) {
		uint64_t e = t[k];
		c->pfn[k] = 0;
		if (e & HPTE_MIGRATION)
			return 0;
		if (!(e & HPTE_PRESENT))
			continue;
		struct frame *f = host_frame(h, HPTE_PFN(e));
		if (!f || !f->gen || f->order != 0 || f->kind != FK_DATA ||
		    f->refcount != 1 || (f->flags & FOLIO_LOCKED))
			return 0;
		c->pfn[k] = HPTE_PFN(e);
		c->gen[k] = f->gen;
		present++;
	}
	return present;
}

/*
 * collapse_huge_page: allocate the THP, lock the small folios
 * (__collapse_huge_page_isolate), then under mmap_lock start over the
 * 2 MiB, pmdp_collapse_flush detaches the PTE table, end; copy every
 * page (pte_none reads as zero), free the small folios
 * (__collapse_huge_page_copy_succeeded), and only then set_pmd_at the new
 * THP, writable and dirty (pmd_mkdirty).  Faults in between wait: here on
 * the migration entries that stand for the detached table.
 */
static int collapse_one(struct host *h, uint64_t base, bool rdonly)
{
	/* On the thread's stack, not the heap: a run can end with this
	 * thread stopped at one of the yields below, and nothing would free
	 * it (LeakSanitizer found it, explore over host-events-random). */
	struct collapse cbuf, *c = &cbuf;
	uint64_t dst, end = base + SZ_2M;
	host_yield(h, P(h)->lat_host_folio);
	if (!collapse_scan(h, base, c)) {
		return 0;
	}
	if (host_folio_alloc(h, HOST_ORDER_2M, &dst)) {
		h->st.ev_skipped++;
		return 0;
	}
	/* Lock them all in one step; rescan after the yield, since the
	 * allocation is not a yield point but the lock is. */
	host_yield(h, sim_params(h->s)->lat_atomic);
	if (!collapse_scan(h, base, c)) {
		h->st.ev_skipped++;
		host_folio_put(h, dst);
		return 0;
	}
	/* From here khugepaged holds mmap_lock for write: no fault may fill
	 * a pte_none hole, so the holes become migration entries now (a
	 * fault waits on them); GUP-fast still finds the present pages. */
	uint64_t *t = host_pte_table(h, base);
	for (unsigned k = 0; k < 512; k++) {
		if (c->pfn[k])
			host_frame(h, c->pfn[k])->flags |= FOLIO_LOCKED;
		else
			t[k] = HPTE_MIGRATION;
	}

	mn_start(h, base, end);
	host_yield(h, sim_params(h->s)->lat_store * 512);
	t = host_pte_table(h, base);
	for (unsigned k = 0; k < 512; k++) {
		if (!c->pfn[k])
			continue;
		/* The entry now: a write fault may have made it dirty. */
		struct frame *f = host_frame(h, c->pfn[k]);
		if (t[k] & HPTE_DIRTY)
			f->flags |= FOLIO_DIRTY;
		t[k] = (t[k] & ~HPTE_PRESENT) | HPTE_MIGRATION;
		f->mapcount--;
	}
	sim_log(h->s, "host.pte", base, 0, HPTE_MIGRATION);
	mn_end(h, base, end);

	host_yield(h, P(h)->lat_host_copy * 512);
	for (unsigned k = 0; k < 512; k++)
		if (c->pfn[k])
			copy_frames(h, dst + k, c->pfn[k], 1);
	sim_log(h->s, "host.copy", dst << HOST_PAGE_SHIFT, 0, dst);
	for (unsigned k = 0; k < 512; k++) {
		if (!c->pfn[k])
			continue;
		uint64_t hva = base + ((uint64_t)k << HOST_PAGE_SHIFT);
		lost_scan(h, c->pfn[k], 0, c->gen[k], hva,
			  "THP collapse freed a small folio", true);
		folio_release(h, c->pfn[k], c->gen[k]);
	}

	host_yield(h, sim_params(h->s)->lat_atomic);
	uint64_t pmd = dst << HOST_PAGE_SHIFT | HPTE_PRESENT |
		       (rdonly ? 0 : HPTE_WRITE | HPTE_DIRTY);
	host_ptes_to_pmd(h, base, pmd);
	sim_log(h->s, "host.pte", base, HPTE_MIGRATION, pmd);
	host_folio_map(h, dst);
	migration_wake(h);
	h->st.thp_collapses++;
	return 1;
}

int host_thp_collapse(struct host *h, uint64_t hva, uint64_t len)
{
	if (range_check(hva, &len))
		return -EINVAL;
	event_begin(h, HOST_EV_THP_COLLAPSE, hva, len);
	int n = 0;
	for (uint64_t base = hva & ~(SZ_2M - 1); base < hva + len; base += SZ_2M) {
		const struct vma *v = host_vma_find(h, base);
		if (!v || v->backing != HOST_BACKING_THP || base < v->start ||
		    base + SZ_2M > v->end || !host_pte_table(h, base))
			continue;
		n += collapse_one(h, base, v->flags & HOST_VMA_RDONLY);
	}
	return n;
}

/* -------------------------------------------------------------------- aging */

/*
 * folio_referenced_one per mapping: the young bits of the mapping are
 * tested and cleared, the secondary MMU's through clear_young (x86 KVM
 * elides the flush since 6.13), plus the folio's own referenced flag
 * (KVM's folio_mark_accessed).  No folio lock, no invalidation.
 */
static int age_mapping(struct host *h, const struct hmap *m)
{
	bool young = mn_clear_young(h, m->base, m->base + m->span);
	if (host_folio_test_clear(h, m->head, FOLIO_YOUNG))
		young = true;
	h->st.aged++;
	if (young)
		h->st.young++;
	return young;
}

int host_age(struct host *h, uint64_t hva, uint64_t len)
{
	return each_mapping(h, HOST_EV_AGE, hva, len, age_mapping);
}

/* ------------------------------------------------------- scripted events */

static const char *const kind_names[HOST_EV_NKINDS] = {
	[HOST_EV_WRITEBACK] = "writeback",
	[HOST_EV_RECLAIM] = "reclaim",
	[HOST_EV_MADV_DONTNEED] = "madv_dontneed",
	[HOST_EV_MADV_FREE] = "madv_free",
	[HOST_EV_MIGRATE] = "migrate",
	[HOST_EV_THP_SPLIT] = "thp_split",
	[HOST_EV_THP_COLLAPSE] = "thp_collapse",
	[HOST_EV_AGE] = "age",
};

const char *host_event_kind_name(enum host_event_kind k)
{
	return (unsigned)k < HOST_EV_NKINDS ? kind_names[k] : NULL;
}

int host_event_kind_parse(const char *name, enum host_event_kind *k)
{
	for (unsigned i = 0; i < HOST_EV_NKINDS; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*k = (enum host_event_kind)i;
			return 0;
		}
	return -EINVAL;
}

int host_event_run(struct host *h, const struct host_event *ev)
{
	switch (ev->kind) {
	case HOST_EV_WRITEBACK:
		return host_writeback(h, ev->hva, ev->len);
	case HOST_EV_RECLAIM:
		return host_reclaim(h, ev->hva, ev->len);
	case HOST_EV_MADV_DONTNEED:
		return host_madvise(h, ev->hva, ev->len, HOST_MADV_DONTNEED);
	case HOST_EV_MADV_FREE:
		return host_madvise(h, ev->hva, ev->len, HOST_MADV_FREE);
	case HOST_EV_MIGRATE:
		return host_migrate(h, ev->hva, ev->len);
	case HOST_EV_THP_SPLIT:
		return host_thp_split(h, ev->hva, ev->len);
	case HOST_EV_THP_COLLAPSE:
		return host_thp_collapse(h, ev->hva, ev->len);
	case HOST_EV_AGE:
		return host_age(h, ev->hva, ev->len);
	default:
		return -EINVAL;
	}
}

struct evq {
	struct host *h;
	size_t n;
	struct host_event ev[];
};

static void events_thread(struct sim *s, void *arg)
{
	struct evq *q = arg;
	sim_set_acct(s, sim_acct_register(s, "host"));
	for (size_t i = 0; i < q->n; i++) {
		sim_sleep_until(s, SIM_ACCT_SLEEP, q->ev[i].at);
		host_event_run(q->h, &q->ev[i]);
	}
}

struct sim_thread *host_events_spawn(struct host *h,
				     const struct host_event *ev, size_t n,
				     unsigned flags)
{
	void **vq = realloc(h->evq, (h->nevq + 1) * sizeof(*vq));
	if (!vq)
		return NULL;
	h->evq = vq;
	struct evq *q = malloc(sizeof(*q) + n * sizeof(q->ev[0]));
	if (!q)
		return NULL;
	q->h = h;
	q->n = n;
	if (n)
		memcpy(q->ev, ev, n * sizeof(q->ev[0]));
	h->evq[h->nevq++] = q;
	cycles_t start = sim_self(h->s) ? sim_now(h->s) : 0;
	return sim_spawn(h->s, "host-events", events_thread, q, start, flags);
}

int host_events_random(uint64_t seed, uint64_t hva, uint64_t len,
		       cycles_t start, cycles_t mean, unsigned kinds,
		       struct host_event *out, size_t n)
{
	unsigned mask = kinds & HOST_EV_ALL;
	uint64_t pages = len >> HOST_PAGE_SHIFT;
	if (!mask || !pages || hva % HOST_PAGE_SIZE)
		return -EINVAL;
	/* One stream of its own ("hostev"), so the list depends on the seed
	 * only: not on what else drew from the run's streams. */
	struct rng r;
	rng_seed(&r, seed, UINT64_C(0x686f73746576));
	unsigned nk = (unsigned)__builtin_popcount(mask);
	cycles_t at = start;
	for (size_t i = 0; i < n; i++) {
		if (mean)
			at += 1 + rng_below(&r, 2 * mean - 1);
		unsigned pick = (unsigned)rng_below(&r, nk), k = 0;
		for (;; k++)
			if ((mask & HOST_EV_MASK(k)) && pick-- == 0)
				break;
		uint64_t page = rng_below(&r, pages);
		uint64_t addr = hva + (page << HOST_PAGE_SHIFT);
		struct host_event *ev = &out[i];
		ev->at = at;
		ev->kind = (enum host_event_kind)k;
		if (k == HOST_EV_THP_SPLIT || k == HOST_EV_THP_COLLAPSE) {
			ev->hva = addr & ~(SZ_2M - 1);
			ev->len = SZ_2M;
		} else if (k == HOST_EV_MIGRATE) {
			ev->hva = addr;
			ev->len = HOST_PAGE_SIZE;
		} else {
			uint64_t left = pages - page;
			uint64_t span = 1 + rng_below(&r, left < 16 ? left : 16);
			ev->hva = addr;
			ev->len = span << HOST_PAGE_SHIFT;
		}
	}
	return 0;
}
