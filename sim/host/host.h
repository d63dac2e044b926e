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
 * Groups below: lifetime, frames and folios, page-table frames, the VMM's
 * address space, mmu_notifier registration, stats.
 */
#ifndef TDPSIM_SIM_HOST_H
#define TDPSIM_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

#define HOST_PAGE_SHIFT 12
#define HOST_PAGE_SIZE (UINT64_C(1) << HOST_PAGE_SHIFT)

struct host;

/* -------------------------------------------------------------- lifetime */

/*
 * Creates the host memory of run @s (its arena is host.mem bytes) and
 * registers the host.* and folio.mark_dirty counters.  0, or -ENOMEM.
 */
int host_create(struct sim *s, struct host **out);
void host_destroy(struct host *h);
struct sim *host_sim(const struct host *h);

/* ----------------------------------------------------- frames and folios */

/* The folio orders that exist: 4 KiB, 2 MiB, 1 GiB. */
enum { HOST_ORDER_4K = 0, HOST_ORDER_2M = 9, HOST_ORDER_1G = 18 };

/* Folio flags (struct host_folio.flags). */
#define FOLIO_DIRTY 0x1u     /* content newer than the last writeback */
#define FOLIO_YOUNG 0x2u     /* referenced since the last aging pass */
#define FOLIO_WRITEBACK 0x4u /* being written back */
#define FOLIO_PT 0x8u        /* a page-table frame, not data (read-only) */

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
 * version is bumped by each guest write (the caller makes the write a yield
 * point); it is 0 in a freshly allocated folio.  Writing a free frame is a
 * model bug and returns -ENOENT.
 */
uint64_t host_frame_gen(const struct host *h, uint64_t pfn);
uint64_t host_frame_version(const struct host *h, uint64_t pfn);
int host_frame_write(struct host *h, uint64_t pfn);
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
	X(faults, "host.faults", "first-touch faults that mapped a folio")        \
	X(thp_fallbacks, "host.thp_fallbacks", "THP faults that fell back to 4 KiB") \
	X(mark_dirty, "folio.mark_dirty", "folio_mark_dirty calls")

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
