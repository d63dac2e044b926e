/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxmmu/kver.h — where the rest-of-KVM model acts differently per kernel
 * version, and only there (LINUX_MMU.md rule 6).  The kshim headers declare
 * each version's API (keyed on LINUX_VERSION_CODE); these accessors are what
 * the model's .c files call instead of the entry points that differ, so
 * that one set of sources serves Linux 6.1 and 6.12.  Included by lkvm.h.
 *
 * 6.1 vs 6.12, as the model sees it:
 *  - the MMU-page budget (n_max_mmu_pages): 6.1 makes even TDP roots
 *    within it, so memslot creation must set it as x86.c does.
 *  - VM init: 6.1's x86.c sets up page tracking (a notifier list the MMU
 *    joins) before kvm_mmu_init_vm, which cannot fail; it tears it down
 *    after kvm_mmu_uninit_vm, and page tracking has per-memslot state.
 *  - memslot flushes: 6.1's kvm_arch_flush_shadow_memslot (x86.c) tells the
 *    page-track notifiers, the MMU's zaps all roots fast;
 *    kvm_arch_flush_shadow_all (x86.c) is kvm_mmu_zap_all.  6.12's are the
 *    tree's own (mmu.c).
 *  - mmu_notifier: in 6.1 invalidate_range_start records the hva range at
 *    kvm_mmu_invalidate_begin (faults check their hva); in 6.12 begin only
 *    counts and each memslot's handler adds its gfn range (faults check
 *    their gfn), and ranges carry the shared/private filter.
 *  - the TDP MMU's page count: a counter in 6.12 (tdp_mmu_pages), a list in
 *    6.1, where the model counts kvm_account_pgtable_pages instead (the same
 *    pages: both count the TDP MMU's non-root tables).
 */
#ifndef TDPSIM_LINUXMMU_KVER_H
#define TDPSIM_LINUXMMU_KVER_H

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)

static inline int kver_mmu_init_vm(struct kvm *kvm)
{
	int r = kvm_page_track_init(kvm);

	if (r)
		return r;
	kvm_mmu_init_vm(kvm);
	return 0;
}

static inline void kver_mmu_uninit_vm(struct kvm *kvm)
{
	kvm_mmu_uninit_vm(kvm);
	kvm_page_track_cleanup(kvm);
}

static inline int kver_page_track_create_memslot(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	return kvm_page_track_create_memslot(kvm, slot, slot->npages);
}

static inline void kver_page_track_free_memslot(struct kvm_memory_slot *slot)
{
	kvm_page_track_free_memslot(slot);
}

static inline void kver_arch_flush_shadow_memslot(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	kvm_page_track_flush_slot(kvm, slot);
}

static inline void kver_arch_flush_shadow_all(struct kvm *kvm)
{
	kvm_mmu_zap_all(kvm);
}

/* invalidate_range_start's on_lock: the hva range is the invalidation's. */
static inline void kver_invalidate_begin(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_begin(kvm, start, end);
}

static inline void kver_invalidate_end(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_end(kvm, start, end);
}

/* invalidate_range_start's handler, per memslot. */
static inline bool kver_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_unmap_gfn_range(kvm, range);
}

/* A notifier's gfn range: no change_pte value (tdpsim's host model raises
 * no change_pte: it has no KSM). */
static inline void kver_gfn_range_notifier(struct kvm_gfn_range *range)
{
	range->pte = __pte(0);
}

static inline u64 *kver_tdp_mmu_pages(struct lkvm *lk)
{
	return &lk->pgtable_pages;
}

/* kvm_arch_commit_memory_region: the MMU-page budget follows the memslot
 * pages (x86.c); 6.1 allocates direct roots within it. */
static inline void kver_commit_mmu_pages(struct kvm *kvm, enum kvm_mr_change change)
{
	if (!kvm->arch.n_requested_mmu_pages &&
	    (change == KVM_MR_CREATE || change == KVM_MR_DELETE))
		kvm_mmu_change_mmu_pages(kvm, max(kvm->nr_memslot_pages /
						  KVM_MEMSLOT_PAGES_TO_MMU_PAGES_RATIO,
						  KVM_MIN_ALLOC_MMU_PAGES));
}

#else /* 6.12 */

static inline int kver_mmu_init_vm(struct kvm *kvm)
{
	return kvm_mmu_init_vm(kvm);
}

static inline void kver_mmu_uninit_vm(struct kvm *kvm)
{
	kvm_mmu_uninit_vm(kvm);
}

/* Write tracking keeps no per-memslot state without external users. */
static inline int kver_page_track_create_memslot(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	return 0;
}

static inline void kver_page_track_free_memslot(struct kvm_memory_slot *slot) { }

static inline void kver_arch_flush_shadow_memslot(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	kvm_arch_flush_shadow_memslot(kvm, slot);
}

static inline void kver_arch_flush_shadow_all(struct kvm *kvm)
{
	kvm_arch_flush_shadow_all(kvm);
}

static inline void kver_invalidate_begin(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_begin(kvm);
}

static inline void kver_invalidate_end(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_end(kvm);
}

static inline bool kver_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	kvm_mmu_invalidate_range_add(kvm, range->start, range->end);
	return kvm_unmap_gfn_range(kvm, range);
}

/* Notifiers act on shared memory (tdpsim's VMs have no private memory). */
static inline void kver_gfn_range_notifier(struct kvm_gfn_range *range)
{
	range->attr_filter = KVM_FILTER_SHARED;
}

static inline u64 *kver_tdp_mmu_pages(struct lkvm *lk)
{
	return (u64 *)&lk->kvm.arch.tdp_mmu_pages.counter;
}

/* 6.12's x86.c sets the same budget, but only the shadow MMU consults it
 * (the TDP MMU allocates roots and tables without it): the model leaves
 * it out, so memslot updates take no mmu_lock of their own. */
static inline void kver_commit_mmu_pages(struct kvm *kvm, enum kvm_mr_change change) { }

#endif

#endif
