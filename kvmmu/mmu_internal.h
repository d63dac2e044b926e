/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/mmu_internal.h — what mmu.c, tdp_mmu.c and the vendor code share:
 * the page fault descriptor, RET_PF_*, error-code bits, and the MMU entry
 * points x86.c and kvm_main.c call.
 */
#ifndef TDPSIM_KVMMU_MMU_INTERNAL_H
#define TDPSIM_KVMMU_MMU_INTERNAL_H

#include "kvmmu/kvm_host.h"

/* #PF-style error code (EPT violations are converted to it). */
#define PFERR_PRESENT_MASK BIT_ULL(0)
#define PFERR_WRITE_MASK BIT_ULL(1)
#define PFERR_USER_MASK BIT_ULL(2)
#define PFERR_RSVD_MASK BIT_ULL(3)
#define PFERR_FETCH_MASK BIT_ULL(4)
#define PFERR_GUEST_FINAL_MASK BIT_ULL(32)
#define PFERR_GUEST_PAGE_MASK BIT_ULL(33)

/* EPT violation exit qualification (SDM table 28-7). */
#define EPT_VIOLATION_ACC_READ BIT_ULL(0)
#define EPT_VIOLATION_ACC_WRITE BIT_ULL(1)
#define EPT_VIOLATION_ACC_INSTR BIT_ULL(2)
#define EPT_VIOLATION_RWX_MASK (7ULL << 3)
#define EPT_VIOLATION_GVA_IS_VALID BIT_ULL(7)
#define EPT_VIOLATION_GVA_TRANSLATED BIT_ULL(8)

/*
 * Fault outcomes.  RET_PF_CONTINUE: keep going (internal); RET_PF_RETRY:
 * let the guest retry the access; RET_PF_EMULATE: emulate it (MMIO, a
 * read-only slot); RET_PF_WRITE_PROTECTED: a write to a write-tracked gfn,
 * emulated; RET_PF_INVALID: the fast path could not handle it; RET_PF_FIXED:
 * an SPTE was installed; RET_PF_SPURIOUS: the SPTE already allowed it.
 */
enum {
	RET_PF_CONTINUE = 0,
	RET_PF_RETRY,
	RET_PF_EMULATE,
	RET_PF_WRITE_PROTECTED,
	RET_PF_INVALID,
	RET_PF_FIXED,
	RET_PF_SPURIOUS,
};

struct kvm_page_fault {
	/* Arguments. */
	gpa_t addr;
	u64 error_code;
	bool prefetch;
	/* Derived from the error code. */
	bool exec, write, present, rsvd, user;
	/* Levels: the ceiling, what the host and slot allow, what we map. */
	int max_level;
	int req_level;
	int goal_level;
	gfn_t gfn;
	struct kvm_memory_slot *slot; /* NULL: no memslot (MMIO) */
	u64 mmio_gen;           /* kvm->mmio_gen when @slot was looked up */
	/* Filled by kvm_mmu_faultin_pfn. */
	u64 mmu_seq;            /* invalidate sequence before faultin */
	kvm_pfn_t pfn;          /* aligned to goal_level by hugepage_adjust */
	kvm_pfn_t faultin_pfn;  /* the 4K frame actually faulted in */
	hva_t hva;
	bool map_writable;
	int host_level;
	bool noslot;
	/* NX huge pages: the mitigation is on, and this fault is an exec
	 * fault it keeps from mapping huge (kvm_mmu_hugepage_adjust). */
	bool nx_huge_page_workaround_enabled;
	bool huge_page_disallowed;
};

static inline bool is_nx_huge_page_enabled(const struct kvm *kvm)
{
	return kvm->pol.mmu_nx_huge_pages == KVMMU_NX_HUGE_PAGES_ON;
}

static inline bool is_access_allowed(const struct kvm *kvm,
				     const struct kvm_page_fault *fault, u64 spte)
{
	if (fault->exec)
		return is_executable_pte(&kvm->m, spte);
	if (fault->write)
		return is_writable_pte(spte);
	return is_readable_pte(spte);
}

/* tdp_mmu.c: the kvm_mmu_page of the table holding @sptep (any entry of
 * it), and of the table a present non-leaf @spte at @level links. */
struct kvm_mmu_page *sptep_to_sp(struct kvm *kvm, const u64 *sptep);
struct kvm_mmu_page *spte_to_child_sp(struct kvm *kvm, u64 spte, int level);

/* mmu.c */
int kvm_mmu_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code);
void kvm_init_mmu(struct kvm_vcpu *vcpu);
int kvm_mmu_load(struct kvm_vcpu *vcpu);
static inline int kvm_mmu_reload(struct kvm_vcpu *vcpu)
{
	if (VALID_PAGE(vcpu->mmu.root_hpa))
		return 0;
	return kvm_mmu_load(vcpu);
}
void kvm_mmu_unload(struct kvm_vcpu *vcpu);
void kvm_mmu_reset_context(struct kvm_vcpu *vcpu);
void kvm_mmu_free_obsolete_roots(struct kvm_vcpu *vcpu);
void kvm_mmu_load_pgd(struct kvm_vcpu *vcpu);
void kvm_mmu_hugepage_adjust(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault);
void disallowed_hugepage_adjust(struct kvm *kvm, struct kvm_page_fault *fault,
				u64 spte, int cur_level);
/* The possible-NX list (tdp_mmu_pages_lock's in Linux: no env call inside). */
void track_possible_nx_huge_page(struct kvm *kvm, struct kvm_mmu_page *sp);
void untrack_possible_nx_huge_page(struct kvm *kvm, struct kvm_mmu_page *sp);
int kvm_mmu_max_mapping_level(struct kvm *kvm,
			      const struct kvm_memory_slot *slot, gfn_t gfn);
/* Write tracking of one gfn in address space @as_id (what the seam's
 * kvm_write_track_gfn does), as the kernel's exported pair. */
int kvm_write_track_add_gfn(struct kvm *kvm, int as_id, gfn_t gfn);
int kvm_write_track_remove_gfn(struct kvm *kvm, int as_id, gfn_t gfn);
bool kvm_gfn_is_write_tracked(struct kvm *kvm,
			      const struct kvm_memory_slot *slot, gfn_t gfn);
void kvm_arch_flush_shadow_memslot(struct kvm *kvm, struct kvm_memory_slot *slot);
bool kvm_mmu_slot_remove_write_access(struct kvm *kvm,
				      const struct kvm_memory_slot *slot,
				      int start_level);
bool kvm_mmu_slot_leaf_clear_dirty(struct kvm *kvm,
				   const struct kvm_memory_slot *slot);
void kvm_mmu_slot_try_split_huge_pages(struct kvm *kvm,
				       const struct kvm_memory_slot *slot,
				       int target_level);
void kvm_mmu_try_split_huge_pages(struct kvm *kvm,
				  const struct kvm_memory_slot *slot,
				  gfn_t start, gfn_t end, int target_level);
void kvm_mmu_recover_huge_pages(struct kvm *kvm,
				const struct kvm_memory_slot *slot);
void kvm_mmu_slot_set_dirty(struct kvm *kvm, const struct kvm_memory_slot *slot);
bool kvm_mmu_slot_gfn_write_protect(struct kvm *kvm,
				    struct kvm_memory_slot *slot, gfn_t gfn,
				    int min_level);
void kvm_mmu_zap_all(struct kvm *kvm);

/* The mmu_notifier side (called with mmu_lock held for write). */
struct kvm_gfn_range {
	struct kvm_memory_slot *slot;
	gfn_t start, end;
	bool may_block;
};
bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range);

#endif
