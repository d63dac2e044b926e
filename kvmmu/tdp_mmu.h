/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/tdp_mmu.h — the TDP MMU: roots, the fault-path map, zaps, dirty
 * logging walks, splits and huge-page recovery.  Each function states on
 * its first line the mmu_lock mode it needs.
 */
#ifndef TDPSIM_KVMMU_TDP_MMU_H
#define TDPSIM_KVMMU_TDP_MMU_H

#include "kvmmu/mmu_internal.h"

/* 0, or -ENOMEM. */
int kvm_mmu_init_tdp_mmu(struct kvm *kvm);
/* Teardown with no users left: no lock, no yield, no RCU. */
void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm);

/* Roots (kvm_mmu_load / unload). */
int kvm_tdp_mmu_alloc_root(struct kvm_vcpu *vcpu);
bool kvm_tdp_mmu_get_root(struct kvm_mmu_page *root);
void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root);
void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm);
void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm);

/* Faults. */
int kvm_tdp_mmu_map(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault);
u64 *kvm_tdp_mmu_fast_pf_get_last_sptep(struct kvm_vcpu *vcpu, gfn_t gfn,
					u64 *spte, int *level);

/* Zaps. */
bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, gfn_t start, gfn_t end, bool flush);
/* Write lock: zaps the table of @sp at its parent entry; true if a flush
 * is owed. */
bool kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp);
void kvm_tdp_mmu_zap_all(struct kvm *kvm);
bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range,
				 bool flush);
bool kvm_tdp_mmu_age_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_tdp_mmu_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range);

/* Dirty logging. */
bool kvm_tdp_mmu_wrprot_slot(struct kvm *kvm,
			     const struct kvm_memory_slot *slot, int min_level);
bool kvm_tdp_mmu_clear_dirty_slot(struct kvm *kvm,
				  const struct kvm_memory_slot *slot);
void kvm_tdp_mmu_clear_dirty_pt_masked(struct kvm *kvm,
				       struct kvm_memory_slot *slot, gfn_t gfn,
				       u64 mask, bool wrprot);
void kvm_tdp_mmu_set_dirty_slot(struct kvm *kvm,
				const struct kvm_memory_slot *slot);
bool kvm_tdp_mmu_write_protect_gfn(struct kvm *kvm,
				   struct kvm_memory_slot *slot, gfn_t gfn,
				   int min_level);

/* Huge pages. */
void kvm_tdp_mmu_try_split_huge_pages(struct kvm *kvm,
				      const struct kvm_memory_slot *slot,
				      gfn_t start, gfn_t end, int target_level,
				      bool shared);
void kvm_tdp_mmu_zap_collapsible_sptes(struct kvm *kvm,
				       const struct kvm_memory_slot *slot);
void kvm_tdp_mmu_recover_huge_pages(struct kvm *kvm,
				    const struct kvm_memory_slot *slot);

/* Lockless lookups (under RCU only). */
int kvm_tdp_mmu_get_walk(struct kvm_vcpu *vcpu, gfn_t gfn, u64 *leaf_spte);

#endif
