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
 *  - write tracking for an external user (the VMM model): 6.1 tracks in
 *    modes through kvm_slot_page_track_add_page, for every VM; 6.12 turns
 *    it on when the user registers and exports kvm_write_track_add_gfn.
 *  - the TDP MMU's page count: a counter in 6.12 (tdp_mmu_pages), a list in
 *    6.1, where the model counts kvm_account_pgtable_pages instead (the same
 *    pages: both count the TDP MMU's non-root tables).
 *  - the NX recovery worker: a kthread in 6.1, a vhost_task in 6.12.
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

/* An external user's write tracking: 6.1 has the tracking modes and no
 * exported add/remove; write tracking is on for every VM of a kernel with
 * CONFIG_KVM_EXTERNAL_WRITE_TRACKING (every memslot has its counts). */
static inline int kver_write_track(struct lkvm *lk, gfn_t gfn, bool track)
{
	struct kvm *kvm = &lk->kvm;
	struct kvm_memory_slot *slot = gfn_to_memslot(kvm, gfn);

	if (!slot || (!track && !kvm_slot_page_track_is_active(kvm, slot, gfn,
								  KVM_PAGE_TRACK_WRITE)))
		return -EINVAL;
	write_lock(&kvm->mmu_lock);
	if (track)
		kvm_slot_page_track_add_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
	else
		kvm_slot_page_track_remove_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
	write_unlock(&kvm->mmu_lock);
	return 0;
}

static inline void kver_write_track_release(struct lkvm *lk) { }

/* is_mmio_spte: 6.1 compares with the global shadow_mmio_value. */
extern u64 shadow_mmio_value, shadow_mmio_mask;
static inline bool kver_is_mmio_spte(struct kvm *kvm, u64 spte)
{
	return (spte & shadow_mmio_mask) == shadow_mmio_value && enable_mmio_caching;
}

/* The slot's write-tracking counts (shared by its copies). */
static inline void **kver_slot_write_track(struct kvm_memory_slot *slot)
{
	return (void **)&slot->arch.gfn_track[KVM_PAGE_TRACK_WRITE];
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

/* The NX recovery worker's body on its simulated thread: 6.1's kthread
 * function (kvm_vm_create_worker_thread, made by kvm_mmu_post_init_vm). */
static inline void kver_nx_recovery_worker(struct kvm *kvm)
{
	if (kvm->arch.nx_lpage_recovery_thread)
		lkvm_kthread_run(kvm->arch.nx_lpage_recovery_thread);
}

#else /* 6.12 */

/* mmu/page_track.h (the tree's, not on the model's include path). */
int kvm_page_track_init(struct kvm *kvm);
void kvm_page_track_cleanup(struct kvm *kvm);
int kvm_page_track_create_memslot(struct kvm *kvm, struct kvm_memory_slot *slot,
				  unsigned long npages);
void kvm_page_track_free_memslot(struct kvm_memory_slot *slot);
bool kvm_gfn_is_write_tracked(struct kvm *kvm, const struct kvm_memory_slot *slot, gfn_t gfn);

/* kvm_arch_init_vm: page tracking (the external users' notifier list),
 * then the MMU; torn down in the other order. */
static inline int kver_mmu_init_vm(struct kvm *kvm)
{
	int r = kvm_page_track_init(kvm);

	return r ? r : kvm_mmu_init_vm(kvm);
}

static inline void kver_mmu_uninit_vm(struct kvm *kvm)
{
	kvm_mmu_uninit_vm(kvm);
	kvm_page_track_cleanup(kvm);
}


/* An external user's write tracking: the VMM registers its node at the
 * first gfn it tracks (write tracking turns on for the VM then: every
 * memslot gets its counts), then uses the tree's exported add/remove. */
static inline int kver_write_track(struct lkvm *lk, gfn_t gfn, bool track)
{
	struct kvm *kvm = &lk->kvm;
	struct kvm_memory_slot *slot = gfn_to_memslot(kvm, gfn);
	int r;

	if (!slot)
		return -EINVAL;
	if (!lk->track_registered) {
		r = kvm_page_track_register_notifier(kvm, &lk->track_node);
		if (r)
			return r;
		lk->track_registered = true;
	}
	if (!track && !kvm_gfn_is_write_tracked(kvm, slot, gfn))
		return -EINVAL;
	return track ? kvm_write_track_add_gfn(kvm, gfn) : kvm_write_track_remove_gfn(kvm, gfn);
}

static inline void kver_write_track_release(struct lkvm *lk)
{
	if (lk->track_registered)
		kvm_page_track_unregister_notifier(&lk->kvm, &lk->track_node);
	lk->track_registered = false;
}

static inline void **kver_slot_write_track(struct kvm_memory_slot *slot)
{
	return (void **)&slot->arch.gfn_write_track;
}

/* is_mmio_spte: 6.12 compares with the VM's kvm->arch.shadow_mmio_value. */
extern u64 shadow_mmio_mask;
static inline bool kver_is_mmio_spte(struct kvm *kvm, u64 spte)
{
	return (spte & shadow_mmio_mask) == kvm->arch.shadow_mmio_value && enable_mmio_caching;
}

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

/* The NX recovery worker's body on its simulated thread: 6.12's vhost_task
 * (made by kvm_mmu_post_init_vm). */
static inline void kver_nx_recovery_worker(struct kvm *kvm)
{
	struct vhost_task *t = READ_ONCE(kvm->arch.nx_huge_page_recovery_thread);

	if (t)
		kshim_vhost_task_run(t);
}

#endif

#endif
