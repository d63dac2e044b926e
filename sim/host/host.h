/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/host — the host kernel's memory: frames, folios, the VMM's address
 * space and its page tables.
 *
 * Physical memory is the engine's arena: a frame's physical address is its
 * offset there.  The engine hands out its own words from the top of the
 * arena (sim_mem_alloc); this module hands out 4 KiB frames from the bottom,
 * deterministically, and never lets the two meet.
 *
 * Two kinds of frames.  *Data* frames hold no bytes at all: their content is
 * a version counter per 4 KiB frame, bumped by every guest write, which is
 * the ground truth the oracles compare against.  Their arena pages are never
 * touched, so a 1 TiB guest that touches 1 GiB costs memory for 1 GiB.
 * *Page-table* frames (guest page tables, EPT/NPT tables, PML pages) hold
 * real 8-byte entries that the hardware walkers and KVM read and write.
 *
 * Folios of order 0, 9 (2 MiB: THP, HugeTLB) and 18 (1 GiB HugeTLB) are
 * naturally aligned; any frame finds its folio.  Every allocation gets a new
 * generation, so a translation that recorded a frame's generation at fill
 * time can tell that the frame was freed (generation 0) or reused since.
 *
 * Reuse is LIFO per order (Linux's per-CPU free lists are LIFO too): the
 * frame freed last is the next one handed out, which is what lets a new EPT
 * root land on the frame of the root just freed (the EP4TA alias).
 *
 * The VMM's address space is a set of VMAs with a backing type; host page
 * tables map hva -> frame at 4 KiB, 2 MiB or 1 GiB, built on first touch by
 * host_faultin() the way a page fault would.  Memslots (gpa -> hva) are
 * KVM's business; the scenario layer creates the VMAs behind them here.
 *
 * Nothing here does I/O or keeps globals.  Folio flag changes called from a
 * simulated thread are yield points (they race with the guest and KVM);
 * called from setup code outside sim_run() they are plain updates.
 *
 * Host kernel events (writeback, reclaim, MADV_DONTNEED / MADV_FREE,
 * migration, THP split and collapse, aging) run on the calling simulated
 * thread and call the registered mmu_notifiers in Linux's order; a daemon
 * thread can run a scripted or seeded list of them.  The lost-folio-write
 * oracle lives here because this module holds the ground truth: which
 * content version of each frame was written out.
 *
 * Groups below: lifetime, frames and folios, page-table frames, the VMM's
 * address space, mmu_notifier registration, host kernel events, stats.
 */
#ifndef TDPSIM_SIM_HOST_H
#define TDPSIM_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

/* The host's parameters: struct host_params, declared in sim/host/params.def. */
#define PARAMS_DEF "sim/host/params.def"
#define PARAMS_STRUCT host_params
#include "sim/core/params_block.h"

#define HOST_PAGE_SHIFT 12
#define HOST_PAGE_SIZE (UINT64_C(1) << HOST_PAGE_SHIFT)

struct host;
struct check;

/* -------------------------------------------------------------- lifetime */

/*
 * Creates the host memory of run @s (its arena is host.mem bytes) and
 * registers the host.* and folio.mark_dirty counters.  0, or -ENOMEM.
 */
int host_create(struct sim *s, const struct host_params *p, struct host **out);
void host_destroy(struct host *h);
struct sim *host_sim(const struct host *h);
/* Connects the lost-folio-write oracle to the run's violation records;
 * with none set, lost writes are only counted (host.lost_folio_writes). */
void host_set_check(struct host *h, struct check *c);

/* ----------------------------------------------------- frames and folios */

/* The folio orders that exist: 4 KiB, 2 MiB, 1 GiB. */
enum { HOST_ORDER_4K = 0, HOST_ORDER_2M = 9, HOST_ORDER_1G = 18 };

/* Folio flags (struct host_folio.flags). */
#define FOLIO_DIRTY 0x1u     /* content newer than the last writeback */
#define FOLIO_YOUNG 0x2u     /* referenced since the last aging pass */
#define FOLIO_WRITEBACK 0x4u /* being written back */
#define FOLIO_PT 0x8u        /* a page-table frame, not data (read-only) */
/* Owned by the host kernel events; the setters below leave them alone. */
#define FOLIO_LOCKED 0x10u   /* folio_lock held by a host event */
#define FOLIO_LAZYFREE 0x20u /* MADV_FREE'd and clean: reclaim may discard
			      * it without writeback (!PG_swapbacked) */

/* A snapshot of a folio's state. */
struct host_folio {
	uint64_t pfn;      /* head frame */
	uint64_t gen;      /* generation: unique per allocation, never 0 */
	unsigned order;    /* 0, 9 or 18 */
	unsigned flags;    /* FOLIO_* */
	uint32_t refcount;
	uint32_t mapcount; /* host page-table mappings */
};

/*
 * Allocates a zero-filled data folio of @order (0, 9 or 18): every frame's
 * version is 0, refcount 1, mapcount 0.  0, -EINVAL for another order, or
 * -ENOMEM when no naturally aligned free range is left.
 */
int host_folio_alloc(struct host *h, unsigned order, uint64_t *pfn);
/* The folio containing frame @pfn.  0, or -ENOENT if the frame is free. */
int host_folio_get_info(const struct host *h, uint64_t pfn,
			struct host_folio *out);
/* Reference counting; the last put frees the folio (its generation ends). */
void host_folio_get(struct host *h, uint64_t pfn);
void host_folio_put(struct host *h, uint64_t pfn);
void host_folio_map(struct host *h, uint64_t pfn);   /* mapcount++ */
void host_folio_unmap(struct host *h, uint64_t pfn); /* mapcount-- */

/*
 * folio_mark_dirty: counted in folio.mark_dirty on every call.  Returns 0,
 * or -ENOENT when the frame is free: marking a folio the host already
 * freed is the use-after-free KVM_FACTS E4/E5 describe, which a caller (an
 * oracle) may report.
 */
int host_folio_mark_dirty(struct host *h, uint64_t pfn);
/* Sets / clears FOLIO_YOUNG or FOLIO_WRITEBACK (or DIRTY, uncounted).
 * 0, or -ENOENT when the frame is free. */
int host_folio_set_flags(struct host *h, uint64_t pfn, unsigned flags);
int host_folio_clear_flags(struct host *h, uint64_t pfn, unsigned flags);
/* Clears @flags and returns which of them were set (folio_test_clear_*). */
unsigned host_folio_test_clear(struct host *h, uint64_t pfn, unsigned flags);

/*
 * Per-4 KiB-frame ground truth.  The generation of a frame is the
 * generation of the folio containing it, 0 while the frame is free.  The
 * version, 64 bits, is bumped by each guest write (the caller makes the
 * write a yield point); it is 0 in a freshly allocated folio.  Writing a
 * free frame is a model bug and returns -ENOENT; a write that finds no
 * memory for the frame's metadata returns -ENOMEM.
 */
uint64_t host_frame_gen(const struct host *h, uint64_t pfn);
/*
 * Translations and the frames they name.  Generations come from one clock
 * that only increases; a translation made when the clock read @clock is
 * still good iff its frame's current allocation is older than @clock.
 * host_frame_valid_since answers that, in one comparison when no data
 * folio has been freed since @clock (*host_data_freed_at() < @clock: the
 * caller may test that itself inline first).
 */
uint64_t host_gen_clock(const struct host *h);
const uint64_t *host_data_freed_at(const struct host *h);
bool host_frame_valid_since(const struct host *h, uint64_t pfn, uint64_t clock);
uint64_t host_frame_version(const struct host *h, uint64_t pfn);
int host_frame_write(struct host *h, uint64_t pfn);
/*
 * host_frame_write() for a run of guest writes: makes the first write to
 * frame @pfn and returns the low 32 bits of its content version, which
 * each further write to the same frame increments instead.  An increment
 * that wraps it to 0 carries: the caller calls host_frame_write_carry()
 * for the frame then, before anything reads its version, so that the
 * version stays exact across 2^32 writes:
 *
 *	if (unlikely(++*counter == 0))
 *		host_frame_write_carry(h, pfn);
 *
 * Valid until the host's frames change (an event, a fault-in, an
 * allocation or a free); writes, carries and lookups leave it valid.
 * NULL, writing nothing, where host_frame_write() fails with -ENOENT or
 * finds no memory for the frame's metadata.
 */
uint32_t *host_frame_write_counter(struct host *h, uint64_t pfn);
/*
 * The carry of a counter that just wrapped to 0: adds 2^32 to frame @pfn's
 * version (the high half counts, made on first need).  0, -ENOENT if the
 * frame has no metadata, or -ENOMEM: reported to the run's check as a
 * model error, the version then stays at 2^32 - 1 (host_frame_write()
 * fails alike when its own increment cannot carry).  Cold: a caller's
 * counting stays an add and a branch, the call out of its way.
 */
int __attribute__((cold)) host_frame_write_carry(struct host *h, uint64_t pfn);
/* The version the last writeback (or reclaim's pageout) of frame @pfn
 * wrote out in its current generation; 0 if none, or if the frame is free. */
uint64_t host_frame_written_version(const struct host *h, uint64_t pfn);
/*
 * Declares that frame @pfn of a data folio now holds real bytes: the guest
 * OS made it a guest page-table page and writes entries into the arena.
 * When the folio is freed those bytes are poisoned (a walk through a stale
 * pointer is reported), and reuse zeroes them.  0, or -ENOENT if free.
 */
int host_frame_use_bytes(struct host *h, uint64_t pfn);

/* ------------------------------------------------------ page-table frames */

/*
 * A frame of 512 zeroed entries in simulated memory, for guest page tables,
 * EPT/NPT tables and PML pages.  NULL when memory is exhausted.  Its
 * physical address is sim_pa(s, page).
 */
uint64_t *host_pt_alloc(struct host *h);
/*
 * Frees a page-table frame at once and poisons it (sim_mem_poison), so a
 * walk that still reads it is reported.  Waiting for readers (an RCU grace
 * period) is the caller's business.  Reuse unpoisons.
 */
void host_pt_free(struct host *h, uint64_t *page);

/* ----------------------------------------------- the VMM's address space */

enum host_backing {
	HOST_BACKING_4K,         /* anonymous memory, 4 KiB folios */
	HOST_BACKING_THP,        /* 2 MiB folios where an aligned 2 MiB range
				  * lies inside the VMA, 4 KiB elsewhere or
				  * when no 2 MiB range is free */
	HOST_BACKING_HUGETLB_2M, /* 2 MiB folios; the VMA is 2 MiB aligned */
	HOST_BACKING_HUGETLB_1G, /* 1 GiB folios; the VMA is 1 GiB aligned */
};
#define HOST_VMA_RDONLY 0x1u

/*
 * Creates a VMA [@hva, @hva + @len).  0, -EINVAL (misaligned for its
 * backing, empty, or wrapping), -EEXIST (overlaps a VMA) or -ENOMEM.
 */
int host_vma_create(struct host *h, uint64_t hva, uint64_t len,
		    enum host_backing b, unsigned flags);
/* mmap(): like host_vma_create at an address the host picks (1 GiB aligned,
 * above every existing VMA). */
int host_mmap(struct host *h, uint64_t len, enum host_backing b,
	      unsigned flags, uint64_t *hva);

/*
 * hva_to_pfn: the frame backing @hva, faulting it in on first touch (a
 * zero-filled folio of the VMA's backing, mapped at 4 KiB, 2 MiB or 1 GiB).
 * *level is the host mapping size (1 = 4K, 2 = 2M, 3 = 1G), *writable
 * whether the mapping allows writes.  Returns 0 if the page was already
 * mapped, 1 if this call faulted it in, -EFAULT if no VMA covers @hva or a
 * write hits a read-only VMA, -ENOMEM if memory is exhausted.
 * A write that finds the mapping write-protected (writeback cleaned it) is
 * a write fault: the PTE becomes writable and dirty again, a yield point.
 * A write that finds it writable changes nothing (GUP-fast does not dirty
 * the PTE: marking the folio is the caller's business).  A migration
 * entry (an event moving the frame) makes the calling thread wait.
 */
int host_faultin(struct host *h, uint64_t hva, bool write, uint64_t *pfn,
		 int *level, bool *writable);
/* The host mapping level of @hva now (1 if unmapped), without faulting:
 * host_pfn_mapping_level. */
int host_mapping_level(const struct host *h, uint64_t hva);
/* The mapping without faulting: 0 and the frame, or -ENOENT. */
int host_lookup(const struct host *h, uint64_t hva, uint64_t *pfn, int *level,
		bool *writable);

/* --------------------------------------------- mmu_notifier registration */

/*
 * The hooks a secondary MMU (KVM) registers.  The host-kernel events that
 * call them (writeback, reclaim, MADV_*, migration, THP split/collapse)
 * follow Linux's order: invalidate_range_start, the change, then
 * invalidate_range_end.  Any hook may be NULL.
 */
struct host_mmu_notifier_ops {
	void (*invalidate_range_start)(void *ctx, uint64_t start, uint64_t end);
	void (*invalidate_range_end)(void *ctx, uint64_t start, uint64_t end);
	/* Returns whether any mapping of the range was young, and ages it. */
	bool (*clear_young)(void *ctx, uint64_t start, uint64_t end);
	void (*release)(void *ctx);
};
/* 0, or -ENOMEM. */
int host_mmu_notifier_register(struct host *h,
			       const struct host_mmu_notifier_ops *ops,
			       void *ctx);

/* ------------------------------------------------------ host kernel events */

/*
 * Each event acts on the folios mapped in [@hva, @hva + @len) (a folio
 * only partly inside is taken whole, except by MADV_*, which splits a THP
 * it covers in part), on the calling simulated thread (or sequentially
 * from setup code).  Every observable step is a yield point: a folio lock
 * or flag change, a host PTE change, each mmu_notifier call, the I/O and
 * the copies (lat.host.*).  Per folio, Linux's order:
 *
 *   writeback  (folio_clear_dirty_for_io + I/O; dirty folios only)
 *              invalidate_range_start, page_mkclean (the PTE loses W and
 *              D), invalidate_range_end, folio_mark_dirty if the PTE was
 *              writable or dirty, test-and-clear dirty, set writeback,
 *              write the content versions out, clear writeback
 *   reclaim    (shrink_folio_list; not HugeTLB, not pinned)
 *              invalidate_range_start, unmap (the PTE's D moves to the
 *              folio), invalidate_range_end, pageout if dirty, free;
 *              a MADV_FREE folio found dirty is mapped back instead
 *              (try_to_unmap_one) and is a normal folio again
 *   MADV_DONTNEED  start over the range, unmap, end, free the folios
 *   MADV_FREE  start over the range, clear folio and PTE dirty (W stays),
 *              mark lazyfree, end
 *   migrate    start, PTE -> migration entry, end, copy the versions to
 *              a new folio, map it, free the old one (its generation ends)
 *   THP split  split_huge_page of a PMD-mapped THP: start/end over the
 *              2 MiB for the PMD split (__split_huge_pmd, to migration
 *              entries), start/end again over the 2 MiB (try_to_migrate
 *              finds nothing left), 512 order-0 folios, PTEs remapped
 *   THP collapse  (khugepaged) start over the 2 MiB, PTEs detached, end,
 *              copy into a new 2 MiB folio, free the old frames, map it
 *              at 2 MiB (dirty)
 *   age        clear_young over each mapping, test-and-clear folio young
 *
 * Faults wait while an entry is a migration entry.  Each returns how many
 * folios it acted on (writeback: written; split: split; ...), or -EINVAL
 * for an unaligned @hva, or (MADV_*) a HugeTLB range it cannot handle.
 * Folios locked by another event, pinned (refcount above the mapping's),
 * or HugeTLB for writeback / reclaim / THP are skipped and counted in
 * host.events.skipped.
 *
 * The lost-folio-write oracle (DESIGN §6 #2).  When writeback finds a
 * folio clean, and when reclaim drops one, every frame whose content
 * version is newer than the one last written out (or given up by
 * MADV_FREE) holds a guest write that nobody reported with a dirty mark:
 * it is counted in host.lost_folio_writes and reported as
 * CHECK_LOST_FOLIO_WRITE, once per write.  Migration and collapse apply
 * the same test to the old frame when they free it, against the version
 * they copied: a write through a stale translation after the copy.
 * host.skip_notifier=1 is the fault injection that makes it fire with a
 * correct secondary MMU.
 */
enum host_event_kind {
	HOST_EV_WRITEBACK,
	HOST_EV_RECLAIM,
	HOST_EV_MADV_DONTNEED,
	HOST_EV_MADV_FREE,
	HOST_EV_MIGRATE,
	HOST_EV_THP_SPLIT,
	HOST_EV_THP_COLLAPSE,
	HOST_EV_AGE,
	HOST_EV_NKINDS
};
#define HOST_EV_MASK(k) (1u << (k))
#define HOST_EV_ALL (HOST_EV_MASK(HOST_EV_NKINDS) - 1)

enum host_madv { HOST_MADV_DONTNEED, HOST_MADV_FREE };

int host_writeback(struct host *h, uint64_t hva, uint64_t len);
int host_reclaim(struct host *h, uint64_t hva, uint64_t len);
int host_madvise(struct host *h, uint64_t hva, uint64_t len,
		 enum host_madv advice);
int host_migrate(struct host *h, uint64_t hva, uint64_t len);
int host_thp_split(struct host *h, uint64_t hva, uint64_t len);
int host_thp_collapse(struct host *h, uint64_t hva, uint64_t len);
/* Returns how many of the mappings were referenced (young). */
int host_age(struct host *h, uint64_t hva, uint64_t len);

/* One scripted event: run at cycle @at on [@hva, @hva + @len). */
struct host_event {
	cycles_t at;
	enum host_event_kind kind;
	uint64_t hva, len;
};
/* "writeback", "reclaim", "madv_dontneed", "madv_free", "migrate",
 * "thp_split", "thp_collapse", "age"; NULL / -EINVAL for others. */
const char *host_event_kind_name(enum host_event_kind k);
int host_event_kind_parse(const char *name, enum host_event_kind *k);
/* Runs one event now, on the calling thread: the function of its kind. */
int host_event_run(struct host *h, const struct host_event *ev);
/*
 * Spawns a thread ("host-events", cycle account "host") that sleeps until
 * each event's @at and runs it, in array order.  @flags are sim_spawn's:
 * SIM_THREAD_DAEMON makes it a kthread that does not keep the run alive.
 * The list is copied.  NULL when out of memory.
 */
struct sim_thread *host_events_spawn(struct host *h,
				     const struct host_event *ev, size_t n,
				     unsigned flags);
/*
 * Fills @out[0..n) with a deterministic list for @seed: gaps uniform in
 * [1, 2 * @mean - 1] cycles from @start (all at @start if @mean is 0),
 * kinds uniform over @kinds (HOST_EV_MASK bits), places uniform over the
 * 4 KiB pages of [@hva, @hva + @len): THP events take the 2 MiB region
 * of the page, migrate one page, the others 1..16 pages.  0, or -EINVAL
 * (no kind, an empty or unaligned range).
 */
int host_events_random(uint64_t seed, uint64_t hva, uint64_t len,
		       cycles_t start, cycles_t mean, unsigned kinds,
		       struct host_event *out, size_t n);

/* ------------------------------------------------------------------ stats */

/*
 * Counters, registered by host_create under these names.  Gauges (in use
 * now) and totals (ever) are told apart by their docs.
 */
#define HOST_STATS(X)                                                          \
	X(frames_in_use, "host.frames", "4 KiB frames allocated now (data + page tables)") \
	X(frames_allocated, "host.frames.allocated", "4 KiB frames ever allocated") \
	X(folios_order0, "host.folios.order0", "order-0 data folios ever allocated") \
	X(folios_order9, "host.folios.order9", "order-9 (2 MiB) folios ever allocated") \
	X(folios_order18, "host.folios.order18", "order-18 (1 GiB) folios ever allocated") \
	X(folios_freed, "host.folios.freed", "data folios freed")                  \
	X(pt_in_use, "host.pt_pages", "page-table frames allocated now")          \
	X(pt_allocated, "host.pt_pages.allocated", "page-table frames ever allocated") \
	X(pt_freed, "host.pt_pages.freed", "page-table frames freed (and poisoned)") \
	X(vma_pt_bytes, "host.vma_pt_bytes", "bytes of the host's own page tables for the VMAs now: per-GiB slots, PMD tables (entries and PTE-table pointers), PTE tables (gauge)") \
	X(faults, "host.faults", "first-touch faults that mapped a folio")        \
	X(thp_fallbacks, "host.thp_fallbacks", "THP faults that fell back to 4 KiB") \
	X(mark_dirty, "folio.mark_dirty", "folio_mark_dirty calls")               \
	X(lost_folio_writes, "host.lost_folio_writes", "guest writes a writeback or a drop found newer than the last writeback with no dirty mark pending (oracle)") \
	X(events, "host.events", "host kernel events run")                        \
	X(ev_skipped, "host.events.skipped", "folios an event left alone: locked by another event, pinned, HugeTLB, no memory") \
	X(mn_start, "host.mn.invalidate_start", "invalidate_range_start calls")   \
	X(mn_end, "host.mn.invalidate_end", "invalidate_range_end calls")         \
	X(mn_skipped, "host.mn.skipped", "start/end pairs skipped by host.skip_notifier (fault injection)") \
	X(mn_clear_young, "host.mn.clear_young", "clear_young calls")             \
	X(wb_folios, "host.writeback.folios", "folios written out by writeback")  \
	X(wb_pages, "host.writeback.pages", "4 KiB pages written out (writeback and pageout)") \
	X(reclaimed, "host.reclaim.folios", "folios reclaimed (freed)")           \
	X(pageouts, "host.reclaim.pageout", "dirty folios reclaim wrote out before freeing") \
	X(lazyfreed, "host.reclaim.lazyfree", "clean MADV_FREE folios discarded without writeback") \
	X(redirtied, "host.reclaim.redirtied", "MADV_FREE folios reclaim found dirty and mapped back") \
	X(dontneed, "host.madv.dontneed", "folios unmapped by MADV_DONTNEED")     \
	X(madv_free, "host.madv.free", "folios made lazyfree by MADV_FREE")       \
	X(migrated, "host.migrate.folios", "folios moved to a new frame")         \
	X(thp_splits, "host.thp.splits", "THPs split into 4 KiB folios")          \
	X(thp_collapses, "host.thp.collapses", "2 MiB regions collapsed into a THP") \
	X(aged, "host.age.folios", "mappings an aging pass looked at")            \
	X(young, "host.age.young", "of which were referenced")                   \
	X(wp_faults, "host.wp_faults", "write faults on a write-protected (cleaned) host PTE") \
	X(mig_waits, "host.migration_waits", "faults that waited on a migration entry")

struct host_stats {
#define HOST_STAT_FIELD(field, name, doc) uint64_t field;
	HOST_STATS(HOST_STAT_FIELD)
#undef HOST_STAT_FIELD
};
const struct host_stats *host_stats(const struct host *h);

/*
 * Checks the allocator and page-table invariants (free lists hold free,
 * aligned blocks; every mapped frame is in an allocated folio; the engine's
 * allocations are above every frame).  0, or -EFAULT with a description in
 * @msg.  O(memory in use): for tests and debug runs.
 */
int host_check(const struct host *h, char *msg, size_t msglen);

#endif
