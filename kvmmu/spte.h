/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/spte.h — the shadow page table entry: bits, masks, helpers.
 *
 * An SPTE is an EPT entry (Intel) or a long-mode PTE (AMD NPT) as the
 * hardware reads it, plus KVM's software state in bits the hardware
 * ignores.  The hardware bits differ per vendor, so the masks live in a
 * struct spte_masks chosen when the VM is created (kvm_mmu_set_ept_masks /
 * kvm_mmu_set_npt_masks; the kernel keeps them in shadow_* globals).  Bits
 * at the same place in both formats are constants.
 *
 *   bit      EPT                         NPT
 *   0        R (user mask, present)      P (present)
 *   1        W                           RW
 *   2        X                           US (user mask)
 *   5:3      memtype (WB)                (5 A, 6 D)
 *   6        IPAT
 *   7        PS                          PS
 *   8 / 9    A / D (A/D on)              (9, 10: host- / MMU-writable)
 *   11       SPTE_MMU_PRESENT            SPTE_MMU_PRESENT
 *   51:12    pfn                         pfn
 *   53:52    A/D type                    A/D type (always 0 = enabled)
 *   54, 56   saved R, X (access-tracked)
 *   57 / 58  host- / MMU-writable
 *   63       suppress #VE (present)      NX
 *
 * Invariants of a shadow-present SPTE (checked by spte_check() on every
 * write KVM makes, and by handle_changed_spte on every change):
 *   1. W implies MMU-writable; MMU-writable implies host-writable.
 *   2. A non-leaf never has PS; a leaf above 4K always has PS; PS never at
 *      the 512G level or above.
 *   3. A/D-disabled SPTEs have neither A nor D; NPT SPTEs are never
 *      A/D-disabled.
 *   4. The access-track saved bits are set only in an access-tracked SPTE,
 *      and an access-tracked SPTE is not writable.
 *   5. No bit outside the format's known masks and the pfn is set.
 *   6. FROZEN_SPTE and MMIO SPTEs are never MMU-present.
 *   7. A non-leaf SPTE is writable and has no D, no host-/MMU-writable,
 *      no saved bits (those describe a mapping of memory, not a table).
 */
#ifndef TDPSIM_KVMMU_SPTE_H
#define TDPSIM_KVMMU_SPTE_H

#include "kvmmu/env.h"

#define BIT_ULL(n) (1ULL << (n))
#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)

/* Levels, as KVM counts them. */
enum {
	PG_LEVEL_4K = 1,
	PG_LEVEL_2M = 2,
	PG_LEVEL_1G = 3,
	PG_LEVEL_512G = 4,
	PT64_ROOT_MAX_LEVEL = 5,
	KVM_MAX_HUGEPAGE_LEVEL = PG_LEVEL_1G,
};
#define SPTE_LEVEL_BITS 9
#define SPTE_ENT_PER_PAGE 512
#define KVM_HPAGE_GFN_SHIFT(level) (((level) - 1) * SPTE_LEVEL_BITS)
#define KVM_PAGES_PER_HPAGE(level) (1ULL << KVM_HPAGE_GFN_SHIFT(level))
#define SPTE_INDEX(gfn, level)                                               \
	(((gfn) >> KVM_HPAGE_GFN_SHIFT(level)) & (SPTE_ENT_PER_PAGE - 1))

static inline gfn_t gfn_round_for_level(gfn_t gfn, int level)
{
	return gfn & ~(KVM_PAGES_PER_HPAGE(level) - 1);
}

/* --------------------------------------- bits shared by both formats */

#define PT_PRESENT_MASK BIT_ULL(0)       /* NPT P; EPT R */
#define PT_WRITABLE_MASK BIT_ULL(1)      /* NPT RW; EPT W */
#define PT_USER_MASK BIT_ULL(2)          /* NPT US */
#define PT_ACCESSED_MASK BIT_ULL(5)      /* NPT A */
#define PT_DIRTY_MASK BIT_ULL(6)         /* NPT D */
#define PT_PAGE_SIZE_MASK BIT_ULL(7)     /* PS in both */
#define PT64_NX_MASK BIT_ULL(63)         /* NPT NX */

/* Shadow-present: KVM's own "this entry maps something" bit.  Hardware
 * ignores bit 11 in both formats. */
#define SPTE_MMU_PRESENT_MASK BIT_ULL(11)

/* A/D type (D.1): "enabled" must be 0, since bits 62:52 are reserved in
 * PAE-format NPT entries. */
#define SPTE_TDP_AD_SHIFT 52
#define SPTE_TDP_AD_MASK (3ULL << SPTE_TDP_AD_SHIFT)
#define SPTE_TDP_AD_ENABLED (0ULL << SPTE_TDP_AD_SHIFT)
#define SPTE_TDP_AD_DISABLED (1ULL << SPTE_TDP_AD_SHIFT)
#define SPTE_TDP_AD_WRPROT_ONLY (2ULL << SPTE_TDP_AD_SHIFT)

/* The pfn field (MAXPHYADDR 52). */
#define SPTE_BASE_ADDR_MASK (((1ULL << 52) - 1) & ~(PAGE_SIZE - 1))

/*
 * The value of a non-present SPTE.  Upstream (6.10+) sets EPT's suppress-#VE
 * bit here; #VE is not modelled, so it is 0 and freshly zeroed page-table
 * pages are all non-present, as the simulator's allocator hands them out.
 */
#define SHADOW_NONPRESENT_VALUE 0ULL
/*
 * FROZEN_SPTE (REMOVED_SPTE before 2024): a non-present value a thread
 * writes with cmpxchg/xchg to own an entry while it finishes a change (a
 * zap that must flush before the entry may be refilled, or the teardown of
 * a removed table).  Other threads that see it back off and retry.  Not
 * present for either walker (EPT RWX = 0, NPT P = 0), not MMU-present, and
 * never a valid MMIO SPTE.
 */
#define FROZEN_SPTE (SHADOW_NONPRESENT_VALUE | 0x5a0ULL)

/* ------------------------------------------------------------ EPT bits */

#define VMX_EPT_READABLE_MASK BIT_ULL(0)
#define VMX_EPT_WRITABLE_MASK BIT_ULL(1)
#define VMX_EPT_EXECUTABLE_MASK BIT_ULL(2)
#define VMX_EPT_RWX_MASK 0x7ULL
#define VMX_EPT_MT_EPTE_SHIFT 3
#define VMX_EPT_MT_MASK (7ULL << VMX_EPT_MT_EPTE_SHIFT)
#define VMX_EPT_MT_WB (6ULL << VMX_EPT_MT_EPTE_SHIFT)
#define VMX_EPT_IPAT_BIT BIT_ULL(6)
#define VMX_EPT_ACCESS_BIT BIT_ULL(8)
#define VMX_EPT_DIRTY_BIT BIT_ULL(9)
#define VMX_EPT_SUPPRESS_VE_BIT BIT_ULL(63)
/* W|X without R: an EPT misconfiguration, KVM's MMIO pattern. */
#define VMX_EPT_MISCONFIG_WX_VALUE (VMX_EPT_WRITABLE_MASK | VMX_EPT_EXECUTABLE_MASK)

/* Access tracking saves R and X here while RWX are cleared; W is never
 * saved (it comes back through MMU-writable and fast_page_fault). */
#define SHADOW_ACC_TRACK_SAVED_BITS_MASK (VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK)
#define SHADOW_ACC_TRACK_SAVED_BITS_SHIFT 54
#define SHADOW_ACC_TRACK_SAVED_MASK                                          \
	(SHADOW_ACC_TRACK_SAVED_BITS_MASK << SHADOW_ACC_TRACK_SAVED_BITS_SHIFT)

#define EPT_SPTE_HOST_WRITABLE BIT_ULL(57)
#define EPT_SPTE_MMU_WRITABLE BIT_ULL(58)

/* ------------------------------------------------------------ NPT bits */

#define DEFAULT_SPTE_HOST_WRITABLE BIT_ULL(9)
#define DEFAULT_SPTE_MMU_WRITABLE BIT_ULL(10)
/* MMIO SPTEs on NPT: P plus a reserved address bit (MAXPHYADDR < 52), so
 * the walker raises #NPF with RSVD set. */
#define NPT_MMIO_RSVD_BIT BIT_ULL(51)

/* ------------------------------------------------- disjointness proofs */

#define DISJOINT(a, b) (((a) & (b)) == 0)
/* EPT hardware bits, pairwise. */
_Static_assert(DISJOINT(VMX_EPT_RWX_MASK, VMX_EPT_MT_MASK | VMX_EPT_IPAT_BIT |
		       PT_PAGE_SIZE_MASK | VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT),
	       "EPT RWX overlaps");
_Static_assert(DISJOINT(VMX_EPT_MT_MASK, VMX_EPT_IPAT_BIT | PT_PAGE_SIZE_MASK |
		       VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT), "EPT memtype overlaps");
_Static_assert(DISJOINT(VMX_EPT_IPAT_BIT | PT_PAGE_SIZE_MASK,
		       VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT), "EPT IPAT/PS overlap");
/* EPT software bits against hardware bits and each other. */
#define EPT_HW_BITS (VMX_EPT_RWX_MASK | VMX_EPT_MT_MASK | VMX_EPT_IPAT_BIT |   \
		     PT_PAGE_SIZE_MASK | VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT | \
		     VMX_EPT_SUPPRESS_VE_BIT | SPTE_BASE_ADDR_MASK)
#define EPT_SW_BITS (SPTE_MMU_PRESENT_MASK | SPTE_TDP_AD_MASK |               \
		     SHADOW_ACC_TRACK_SAVED_MASK | EPT_SPTE_HOST_WRITABLE |       \
		     EPT_SPTE_MMU_WRITABLE)
_Static_assert(DISJOINT(EPT_HW_BITS, EPT_SW_BITS), "EPT sw bits hit hw bits");
_Static_assert(DISJOINT(SPTE_MMU_PRESENT_MASK, SPTE_TDP_AD_MASK |
		       SHADOW_ACC_TRACK_SAVED_MASK | EPT_SPTE_HOST_WRITABLE |
		       EPT_SPTE_MMU_WRITABLE), "MMU-present overlaps");
_Static_assert(DISJOINT(SPTE_TDP_AD_MASK, SHADOW_ACC_TRACK_SAVED_MASK |
		       EPT_SPTE_HOST_WRITABLE | EPT_SPTE_MMU_WRITABLE), "A/D type overlaps");
_Static_assert(DISJOINT(SHADOW_ACC_TRACK_SAVED_MASK, EPT_SPTE_HOST_WRITABLE |
		       EPT_SPTE_MMU_WRITABLE), "saved bits overlap");
_Static_assert(DISJOINT(EPT_SPTE_HOST_WRITABLE, EPT_SPTE_MMU_WRITABLE),
	       "host-/MMU-writable overlap");
/* NPT. */
#define NPT_HW_BITS (PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_USER_MASK |       \
		     PT_ACCESSED_MASK | PT_DIRTY_MASK | PT_PAGE_SIZE_MASK |       \
		     PT64_NX_MASK | SPTE_BASE_ADDR_MASK)
#define NPT_SW_BITS (SPTE_MMU_PRESENT_MASK | SPTE_TDP_AD_MASK |               \
		     DEFAULT_SPTE_HOST_WRITABLE | DEFAULT_SPTE_MMU_WRITABLE)
_Static_assert(DISJOINT(NPT_HW_BITS, NPT_SW_BITS), "NPT sw bits hit hw bits");
_Static_assert(DISJOINT(DEFAULT_SPTE_HOST_WRITABLE, DEFAULT_SPTE_MMU_WRITABLE |
		       SPTE_MMU_PRESENT_MASK), "NPT host-/MMU-writable overlap");
_Static_assert(DISJOINT(PT_ACCESSED_MASK | PT_DIRTY_MASK, PT_PAGE_SIZE_MASK |
		       PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_USER_MASK), "NPT A/D overlap");
/* The frozen value is non-present everywhere. */
_Static_assert(DISJOINT(FROZEN_SPTE, SPTE_MMU_PRESENT_MASK | VMX_EPT_RWX_MASK |
		       PT_PRESENT_MASK), "FROZEN_SPTE looks present");
_Static_assert(FROZEN_SPTE != SHADOW_NONPRESENT_VALUE, "FROZEN_SPTE is plain non-present");
/* W is at the same place in both formats, which the helpers rely on. */
_Static_assert(VMX_EPT_WRITABLE_MASK == PT_WRITABLE_MASK, "W differs");

/* ------------------------------------------------- per-VM format masks */

struct spte_masks {
	bool ept;               /* EPT format (else NPT) */
	bool ad_enabled;        /* hardware A/D in use (kvm_ad_enabled) */
	u64 present_mask;       /* shadow_present_mask: EPT R|SVE, NPT P */
	u64 user_mask;          /* shadow_user_mask: EPT R, NPT US */
	u64 accessed_mask;      /* A, or 0 without A/D */
	u64 dirty_mask;         /* D, or 0 without A/D */
	u64 x_mask;             /* EPT X */
	u64 nx_mask;            /* NPT NX */
	u64 memtype_mask;       /* get_mt_mask: EPT WB|IPAT on leaves */
	u64 acc_track_mask;     /* bits cleared by access tracking: EPT RWX */
	u64 host_writable_mask;
	u64 mmu_writable_mask;
	u64 mmio_value;         /* an MMIO SPTE has (spte & mmio_mask) == value */
	u64 mmio_mask;
	u64 known_mask;         /* every bit an SPTE of this format may have */
	/* is_nx_huge_page_enabled(): the iTLB multihit mitigation is on
	 * (mmu.nx_huge_pages), so no huge SPTE is ever executable. */
	bool nx_huge_pages;
};

void kvm_mmu_set_ept_masks(struct spte_masks *m, bool has_ad_bits);
void kvm_mmu_set_npt_masks(struct spte_masks *m);

/* ------------------------------------------------------ predicates */

static inline bool is_shadow_present_pte(u64 pte)
{
	return pte & SPTE_MMU_PRESENT_MASK;
}
static inline bool is_frozen_spte(u64 spte) { return spte == FROZEN_SPTE; }
static inline bool is_large_pte(u64 pte) { return pte & PT_PAGE_SIZE_MASK; }
static inline bool is_last_spte(u64 pte, int level)
{
	return level == PG_LEVEL_4K || is_large_pte(pte);
}
static inline bool is_writable_pte(u64 pte) { return pte & PT_WRITABLE_MASK; }
static inline kvm_pfn_t spte_to_pfn(u64 pte)
{
	return (pte & SPTE_BASE_ADDR_MASK) >> PAGE_SHIFT;
}
static inline bool is_mmio_spte(const struct spte_masks *m, u64 spte)
{
	return (spte & m->mmio_mask) == m->mmio_value && !is_frozen_spte(spte) &&
	       spte != SHADOW_NONPRESENT_VALUE;
}
static inline bool spte_ad_enabled(u64 spte)
{
	return (spte & SPTE_TDP_AD_MASK) != SPTE_TDP_AD_DISABLED;
}
static inline bool spte_ad_need_write_protect(u64 spte)
{
	return (spte & SPTE_TDP_AD_MASK) != SPTE_TDP_AD_ENABLED;
}
static inline u64 spte_shadow_accessed_mask(const struct spte_masks *m, u64 spte)
{
	return spte_ad_enabled(spte) ? m->accessed_mask : 0;
}
static inline u64 spte_shadow_dirty_mask(const struct spte_masks *m, u64 spte)
{
	return spte_ad_enabled(spte) ? m->dirty_mask : 0;
}
static inline bool is_access_track_spte(const struct spte_masks *m, u64 spte)
{
	return !spte_ad_enabled(spte) && (spte & m->acc_track_mask) == 0;
}
/* "Accessed" is A with A/D, else "not access-tracked". */
static inline bool is_accessed_spte(const struct spte_masks *m, u64 spte)
{
	u64 a = spte_shadow_accessed_mask(m, spte);
	return a ? (spte & a) != 0 : !is_access_track_spte(m, spte);
}
/* "Dirty" is D with A/D, else W. */
static inline bool is_dirty_spte(const struct spte_masks *m, u64 spte)
{
	u64 d = spte_shadow_dirty_mask(m, spte);
	return d ? (spte & d) != 0 : (spte & PT_WRITABLE_MASK) != 0;
}
static inline bool is_mmu_writable_spte(const struct spte_masks *m, u64 spte)
{
	return spte & m->mmu_writable_mask;
}
static inline bool is_executable_pte(const struct spte_masks *m, u64 spte)
{
	return (spte & (m->x_mask | m->nx_mask)) == m->x_mask;
}
/* Readable: EPT R (cleared by access tracking), NPT P. */
static inline bool is_readable_pte(u64 spte) { return spte & PT_PRESENT_MASK; }

/*
 * D.6: bits another agent may set without mmu_lock — W by fast_page_fault
 * (the SPTE is !W but MMU-writable), RWX by fast_page_fault restoring an
 * access-tracked SPTE, A and D by the CPU.  A store that does not return
 * the current value could drop them.
 */
bool spte_has_volatile_bits(const struct spte_masks *m, u64 spte);

/* ------------------------------------------------------ constructors */

/* Roles, as far as the TDP MMU uses them (kvm_mmu_page_role). */
union kvm_mmu_page_role {
	u32 word;
	struct {
		unsigned level : 4;
		unsigned direct : 1;
		unsigned invalid : 1;
		unsigned ad_disabled : 1;
		unsigned guest_mode : 1;
		unsigned smm : 1;
	};
};

/* ACC_* as KVM's pte_access. */
#define ACC_EXEC_MASK 1u
#define ACC_WRITE_MASK 2u  /* == PT_WRITABLE_MASK in KVM */
#define ACC_USER_MASK 4u
#define ACC_ALL (ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK)

/*
 * D.5.  Builds the leaf for @pfn at @level.  @host_writable: the host
 * mapping allows writes.  @write_tracked: KVM forbids writes to the gfn
 * (mmu_try_to_unsync_pages failed), which makes the result read-only and
 * returns true ("wrprot").  Does not mark anything dirty; the caller does
 * (mark_page_dirty_in_slot when the result is writable on a logging slot).
 */
bool make_spte(const struct spte_masks *m, union kvm_mmu_page_role role,
	       int level, unsigned pte_access, kvm_pfn_t pfn, u64 old_spte,
	       bool prefetch, bool host_writable, bool write_tracked,
	       u64 *new_spte);
u64 make_nonleaf_spte(const struct spte_masks *m, u64 child_pa, bool ad_disabled);
/* One of the 512 children of @huge_spte (level @level) at @index. */
u64 make_huge_page_split_spte(const struct spte_masks *m, u64 huge_spte,
			      int level, int index);
/* A huge leaf at @level from one of its present 4K/2M children. */
u64 make_huge_spte(const struct spte_masks *m, u64 small_spte, int level);
/*
 * MMIO SPTEs carry the memslot generation they were made under, in bits
 * 3..10 and 52..62 (19 bits; the hardware ignores them in a misconfigured
 * EPT entry or a reserved-bit NPT entry, and nothing reads software bits of
 * a non-present SPTE).  A memslot update changes the generation, so an MMIO
 * SPTE made before or during it is stale afterwards: the next access to the
 * gfn is handled as a normal fault, which maps the slot if there is one now.
 */
#define MMIO_SPTE_GEN_LOW_SHIFT 3
#define MMIO_SPTE_GEN_LOW_BITS 8
#define MMIO_SPTE_GEN_HIGH_SHIFT 52
#define MMIO_SPTE_GEN_HIGH_BITS 11
#define MMIO_SPTE_GEN_BITS (MMIO_SPTE_GEN_LOW_BITS + MMIO_SPTE_GEN_HIGH_BITS)
#define MMIO_SPTE_GEN_MASK ((1ULL << MMIO_SPTE_GEN_BITS) - 1)
#define MMIO_SPTE_GEN_SPTE_MASK                                              \
	((((1ULL << MMIO_SPTE_GEN_LOW_BITS) - 1) << MMIO_SPTE_GEN_LOW_SHIFT) |  \
	 (((1ULL << MMIO_SPTE_GEN_HIGH_BITS) - 1) << MMIO_SPTE_GEN_HIGH_SHIFT))
_Static_assert(DISJOINT(MMIO_SPTE_GEN_SPTE_MASK, SPTE_MMU_PRESENT_MASK |
		       VMX_EPT_RWX_MASK | PT_PRESENT_MASK | NPT_MMIO_RSVD_BIT |
		       SPTE_BASE_ADDR_MASK), "MMIO generation overlaps");
u64 make_mmio_spte(const struct spte_masks *m, gfn_t gfn, u64 gen);
u64 get_mmio_spte_gen(u64 spte);
u64 mark_spte_for_access_track(const struct spte_masks *m, u64 spte);
u64 restore_acc_track_spte(const struct spte_masks *m, u64 spte);

/*
 * The invariant checker: returns NULL if @spte (a value KVM is about to
 * store, or found, at @level) obeys every invariant above, else the first
 * one it breaks, for ENV_ASSERT-style reports.
 */
const char *spte_check(const struct spte_masks *m, u64 spte, int level);

#endif
