/* SPDX-License-Identifier: GPL-2.0-only */
/* sim/host internals: frame metadata, free lists, VMAs; shared by its files. */
#ifndef TDPSIM_SIM_HOST_INT_H
#define TDPSIM_SIM_HOST_INT_H

#include "sim/core/compiler.h"
#include "sim/host/host.h"

/*
 * Per-4 KiB-frame metadata, kept sparse: 256 frames (1 MiB) per chunk, 1,024
 * chunks (1 GiB) per group, chunks created on first use.  A folio's state
 * lives in its head frame; the tails of a huge folio get a chunk only when
 * something per-frame (a version, bytes) is recorded for them or a THP
 * split makes them heads, so a 2 MiB or 1 GiB folio costs one chunk until
 * its frames are written.  Half a 2 MiB folio per chunk keeps a guest that
 * writes one frame of each THP at about 3 KiB of metadata per folio, where
 * a chunk per folio would take 6 KiB.  A chunk is 3,096 bytes (256 frames
 * of 12 bytes after a header of two pointers and a count, padded), 3,104
 * with malloc's header: 12.1 bytes a frame.
 */
#define CHUNK_SHIFT 8
#define CHUNK_FRAMES (1u << CHUNK_SHIFT)
#define GROUP_SHIFT 18
#define GROUP_CHUNKS (1u << (GROUP_SHIFT - CHUNK_SHIFT))

enum frame_kind {
	FK_NONE = 0, /* not a folio head (free, or a tail) */
	FK_DATA,     /* head of a data folio */
	FK_PT,       /* a page-table frame (always order 0) */
};

struct frame {
	/* The low 32 bits of the content version: guest writes since the
	 * frame's folio was made (0 when it was allocated: folio_alloc()
	 * clears the versions of the frames that have metadata, so a reused
	 * folio reads zero-filled).  The high 32 bits live in the chunk
	 * (chunk.version_hi): read and change the version only through
	 * frame_version() and its setters below. */
	uint32_t version_lo;
	/* Head only: the folio's generation (0 when this frame heads no
	 * folio; the generation clock stops at HOST_GEN_MAX, see
	 * folio_alloc), reference and map counts, FOLIO_* flags, order,
	 * kind.  The counts are narrow so that a frame is 12 bytes: a
	 * populated 4 KiB frame costs that plus its host PTE and SPTE.  Only
	 * pins (host_folio_get) and mappings raise them, one VMM mapping
	 * each, and an increment past FRAME_REF_MAX / FRAME_MAP_MAX is
	 * reported, never wrapped (host_folio_get, host_folio_map). */
	uint32_t gen;
	uint32_t refcount : 11;
	uint32_t mapcount : 6;
	uint32_t flags : 6;
	uint32_t order : 5;	/* 0, 9 or 18 */
	uint32_t kind : 2;
	/* The frame's arena page holds real bytes (a page table) ... */
	uint32_t bytes : 1;
	/* ... and is poisoned because its folio was freed. */
	uint32_t poisoned : 1;
};

#define FRAME_REF_MAX ((1u << 11) - 1)
#define FRAME_MAP_MAX ((1u << 6) - 1)
/* 12 bytes a frame: a populated 4 KiB frame's whole metadata but its
 * share of the chunk's header. */
_Static_assert((FOLIO_DIRTY | FOLIO_YOUNG | FOLIO_WRITEBACK | FOLIO_PT |
		FOLIO_LOCKED | FOLIO_LAZYFREE) < (1u << 6), "FOLIO_* flags fit 6 bits");
_Static_assert(HOST_ORDER_1G < (1u << 5), "an order fits 5 bits");
_Static_assert(sizeof(struct frame) == 12, "struct frame grew");
/* The last generation a folio can get (struct frame's gen field). */
#define HOST_GEN_MAX UINT32_MAX

/*
 * Ground truth of the lost-folio-write oracle for one frame, valid like
 * its content version (and reset with it).  @wb_version: the version the
 * last writeback or pageout wrote out.  @ok_version: the newest version the
 * host may drop without losing a guest write: written out, given up by
 * MADV_FREE, saved by the copy of a migration or collapse, or already
 * reported lost (so that one lost write is reported once).
 * wb_version <= ok_version <= version.  Kept apart from struct frame, per
 * chunk, and made when something is first recorded: a guest that only
 * runs never pays for it.
 */
struct frame_wb {
	uint64_t wb_version;
	uint64_t ok_version;
};

struct chunk {
	struct frame_wb *wb; /* CHUNK_FRAMES of them, or NULL: all zero */
	/* The high 32 bits of each frame's content version (CHUNK_FRAMES of
	 * them), made when a frame of the chunk first counts past 2^32
	 * writes; NULL: all zero.  A guest needs 2^32 writes to one 4 KiB
	 * frame within one folio's life to pay for it. */
	uint32_t *version_hi;
	/* Frames with .poisoned set: skip the scan if 0.  It fits in what
	 * malloc rounds a chunk up to anyway. */
	uint16_t npoisoned;
	struct frame f[CHUNK_FRAMES];
};
_Static_assert(CHUNK_FRAMES <= UINT16_MAX, "npoisoned counts a chunk's frames");

struct group {
	struct chunk *chunk[GROUP_CHUNKS];
};

/*
 * A frame's content version is 64 bits everywhere it is read or compared;
 * only its storage is split (struct frame keeps the low half, the chunk
 * the high one).  These take @f, the metadata of frame @pfn
 * (host_frame(h, @pfn)), and find its chunk from the two.
 */
static inline struct chunk *frame_chunk(const struct frame *f, uint64_t pfn)
{
	/* @f less its index is &chunk->f[0]. */
	uintptr_t f0 = (uintptr_t)(f - (pfn & (CHUNK_FRAMES - 1)));
	return (struct chunk *)(f0 - offsetof(struct chunk, f));
}

static inline uint32_t frame_version_hi(const struct frame *f, uint64_t pfn)
{
	const uint32_t *hi = frame_chunk(f, pfn)->version_hi;
	return unlikely(hi != NULL) ? hi[pfn & (CHUNK_FRAMES - 1)] : 0;
}

static inline uint64_t frame_version(const struct frame *f, uint64_t pfn)
{
	return (uint64_t)frame_version_hi(f, pfn) << 32 | f->version_lo;
}

/* host.c: sets the high half, making the chunk's array on first need.
 * 0, or -ENOMEM: reported to the oracles' check as a model error, and the
 * version is left at 2^32 - 1, the most the low half holds alone. */
int host_frame_version_hi_set(struct host *h, struct frame *f, uint64_t pfn,
			      uint32_t hi);

/* Sets the version: 0, or -ENOMEM as above. */
static inline int frame_version_set(struct host *h, struct frame *f,
				    uint64_t pfn, uint64_t v)
{
	f->version_lo = (uint32_t)v;
	if (likely(v >> 32 == 0 && frame_chunk(f, pfn)->version_hi == NULL))
		return 0;
	return host_frame_version_hi_set(h, f, pfn, (uint32_t)(v >> 32));
}

/* One more write: the low half counts, and its wrap to 0 carries into the
 * high half (host_frame_write_carry).  0, or -ENOMEM as above. */
static inline int frame_version_inc(struct host *h, struct frame *f,
				    uint64_t pfn)
{
	if (likely(++f->version_lo != 0))
		return 0;
	return host_frame_write_carry(h, pfn);
}

/* A stack of block head pfns. */
struct pfnvec {
	uint64_t *v;
	size_t n, cap;
};

/*
 * Free blocks of one order.  @hot holds blocks freed by their users and is
 * LIFO, like Linux's per-CPU lists: the block freed last comes back first.
 * @cold holds never-used or split-off memory, handed out only when @hot is
 * empty, lowest address first.  Keeping them apart means an allocation of
 * another order (which may carve cold blocks) never buries a hot frame.
 */
struct freelist {
	struct pfnvec hot, cold;
};

#define NORDERS 3 /* 0, 9, 18 */

/* A host page-table entry: frame << 12 | HPTE_* (not a hardware format:
 * the host's own MMU is not walked by the model). */
#define HPTE_PRESENT 0x1ull
#define HPTE_WRITE 0x2ull
/* Set by a write fault, as the CPU sets the PTE's D bit on a user write;
 * page_mkclean and MADV_FREE clear it, unmap moves it to the folio. */
#define HPTE_DIRTY 0x4ull
/* Not present: a migration entry (the frame is being moved, split or
 * collapsed); a fault waits until the event puts a present entry back.
 * Keeps the frame number and WRITE / DIRTY for the remap. */
#define HPTE_MIGRATION 0x8ull
#define HPTE_PFN(e) ((e) >> HOST_PAGE_SHIFT)

/* 2 MiB of a VMA: the 2 MiB mapping, or a table of 4 KiB ones. */
struct hpmd {
	uint64_t e[512];
	uint64_t *pte[512]; /* 512 entries each, or NULL */
};
/* 1 GiB of a VMA: the 1 GiB mapping, or a table of 2 MiB slots. */
struct hpud {
	uint64_t e;
	struct hpmd *pmd;
};

struct vma {
	uint64_t start, end;
	enum host_backing backing;
	unsigned flags;
	uint64_t pud_base; /* start >> 30 */
	uint64_t npud;
	struct hpud *pud;
};

struct notifier {
	const struct host_mmu_notifier_ops *ops;
	void *ctx;
};

struct host {
	struct sim *s;
	struct host_params p;
	uint64_t nframes; /* frames of arena address space */
	uint64_t bump;    /* lowest never-used frame */
	uint64_t next_gen;
	/* next_gen when a data folio was last freed: a translation made at a
	 * later clock cannot have outlived its frame (host_frame_valid_since). */
	uint64_t data_freed_at;
	struct freelist fl[NORDERS];
	struct group **grp;
	uint64_t ngroups;

	struct vma *vma; /* sorted by start */
	size_t nvma, capvma;
	uint64_t mmap_next;

	struct notifier *mn;
	size_t nmn;

	/* The lost-folio-write oracle reports here; NULL: count only. */
	struct check *chk;
	/* Threads blocked on a migration entry (migration_entry_wait). */
	struct sim_thread **mwait;
	size_t nmwait, capmwait;
	/* Event lists handed to host_events_spawn, freed with the host. */
	void **evq;
	size_t nevq;

	struct host_stats st;
};

/* host.c */
struct frame *host_frame(const struct host *h, uint64_t pfn);
struct frame *host_frame_mk(struct host *h, uint64_t pfn);
/* Makes the metadata of frames [@pfn, @pfn + @n): 0, or -ENOMEM. */
int host_frames_mk(struct host *h, uint64_t pfn, uint64_t n);
struct frame *host_folio_head(const struct host *h, uint64_t pfn,
			      uint64_t *head);
/* The oracle's record of frame @pfn (zeroes when none was made), and the
 * same to write (NULL when the frame has no metadata or memory is out). */
const struct frame_wb *host_frame_wb(const struct host *h, uint64_t pfn);
struct frame_wb *host_frame_wb_mk(struct host *h, uint64_t pfn);
/* A yield point of the current thread costing @cost, charged to its
 * current account; nothing outside a simulated thread. */
void host_yield(struct host *h, cycles_t cost);
/* split_huge_page's metadata half: the unpinned order-9 folio at @head
 * becomes 512 order-0 folios of the same generation (see events.c). */
void host_folio_split_meta(struct host *h, uint64_t head);

/* host_vma.c */
void host_vma_free_all(struct host *h);
int host_check_vmas(const struct host *h, char *msg, size_t msglen);
/* The VMA holding @hva, or NULL; the first VMA ending above @hva, or NULL. */
struct vma *host_vma_find(const struct host *h, uint64_t hva);
struct vma *host_vma_next(const struct host *h, uint64_t hva);
/* The entry that maps @hva now (PUD, PMD or PTE slot) and its level
 * (3, 2, 1), or NULL when no VMA covers @hva.  The pointer is good until
 * the next yield point: tables come and go with splits and collapses. */
uint64_t *host_hpte(const struct host *h, uint64_t hva, int *level);
/* THP split: the PMD entry of the 2 MiB slot at @base becomes a table of
 * 512 PTEs, entry i = @pte0 + i frames.  0 or -ENOMEM. */
int host_pmd_to_ptes(struct host *h, uint64_t base, uint64_t pte0);
/* THP collapse: the PTE table of the slot at @base is freed and the PMD
 * entry becomes @pmd. */
void host_ptes_to_pmd(struct host *h, uint64_t base, uint64_t pmd);
/* The 4 KiB PTE table of the 2 MiB slot at @base, or NULL. */
uint64_t *host_pte_table(const struct host *h, uint64_t base);

/* events.c */
/* migration_entry_wait: blocks the current thread until an event removes
 * migration entries.  0, or -EAGAIN outside a simulated thread. */
int host_migration_wait(struct host *h);

#endif
