/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxmmu/lkvm.h — the rest of KVM around a kernel tree's MMU: the state
 * tdpsim keeps beside the kernel's struct kvm and struct kvm_vcpu.
 *
 * The tree's arch/x86/kvm/mmu/ files are the MMU.  Around them this folder
 * models what the kernel's x86.c, kvm_main.c and vmx.c do for the MMU — the
 * vCPU run loop and its requests, root loading with EPTP + VPID, exits,
 * memslot updates, mmu_notifier dispatch, dirty logging and the PML drain —
 * on the simulated machine (kvmmu/env.h), and offers the simulator the same
 * seam as kvmmu (kvmmu/kvmmu.h).  Kernel-world code: compiled with the
 * tree's files' flags and tdpsim's kernel headers.
 */
#ifndef TDPSIM_LINUXMMU_LKVM_H
#define TDPSIM_LINUXMMU_LKVM_H

#include "kvmmu/kvmmu.h"
#include "kvmmu/kvm_model.h"
#include <kshim/kvm.h>
#include "mmu.h"
#include "x86.h"
#include "linuxmmu/kshim.h"

/*
 * Stats of the rest-of-KVM model; then the tree's own vCPU stats, summed
 * over vCPUs at each exit; then the tree's tracepoints, counted.  Names as
 * kvmmu's where they mean the same.
 */
#define LKVM_STATS(X)                                                        \
	KVM_MODEL_STATS(X)                                                   \
	X(pf_downgrade, "kvm.pf_downgrade", "faults that made a writable leaf read-only (E17; from the tree's kvm_tdp_mmu_spte_changed on vCPU threads)") \
	X(spte_present_to_mmio, "kvm.spte_present_to_mmio", "present leaves replaced directly by MMIO SPTEs (E6; from kvm_tdp_mmu_spte_changed)") \
	X(nx_recovery_zapped, "kvm.nx_recovery_zapped", "tables the NX recovery worker zapped so a huge page can be mapped again (calls of the tree's kvm_tdp_mmu_zap_sp, whose one caller is the worker's pass)")

#define LKVM_VCPU_STATS(X)                                                   \
	X(pf_taken, "kvm.pf_taken", "faults handled (vcpu->stat.pf_taken)")   \
	X(pf_fixed, "kvm.pf_fixed", "faults that installed an SPTE (vcpu->stat.pf_fixed)") \
	X(pf_fast, "kvm.pf_fast", "faults fixed by fast_page_fault (vcpu->stat.pf_fast)") \
	X(pf_spurious, "kvm.pf_spurious", "spurious faults (vcpu->stat.pf_spurious)") \
	X(pf_emulate, "kvm.pf_emulate", "faults completed by emulation (vcpu->stat.pf_emulate)") \
	X(pf_mmio_spte_created, "kvm.pf_mmio_spte_created", "MMIO SPTEs installed (vcpu->stat.pf_mmio_spte_created)")

#define LKVM_TRACEPOINTS(X)                                                  \
	X(kvm_mmu_split_huge_page, "kvm.huge_splits", "huge SPTEs split (tracepoint kvm_mmu_split_huge_page)") \
	X(kvm_mmu_zap_all_fast, "kvm.fast_zaps", "fast zaps (tracepoint kvm_mmu_zap_all_fast)") \
	X(kvm_mmu_get_page, "kvm.mmu_get_page", "shadow pages looked up or made (tracepoint kvm_mmu_get_page)") \
	X(fast_page_fault, "kvm.trace.fast_page_fault", "fast_page_fault attempts (tracepoint)") \
	X(kvm_tdp_mmu_spte_changed, "kvm.spte_changed", "TDP MMU SPTE changes (tracepoint kvm_tdp_mmu_spte_changed)") \
	X(kvm_mmu_set_spte, "kvm.trace.set_spte", "SPTEs set by the fault path (tracepoint kvm_mmu_set_spte)") \
	X(kvm_mmu_spte_requested, "kvm.trace.spte_requested", "fault mappings requested (tracepoint kvm_mmu_spte_requested)") \
	X(mark_mmio_spte, "kvm.trace.mark_mmio_spte", "MMIO SPTEs made (tracepoint mark_mmio_spte)") \
	X(handle_mmio_page_fault, "kvm.trace.mmio_page_fault", "MMIO faults handled (tracepoint handle_mmio_page_fault)")

struct lkvm_stat {
#define LKVM_STAT_FIELD(f, name, doc) u64 f;
	LKVM_STATS(LKVM_STAT_FIELD)
	LKVM_VCPU_STATS(LKVM_STAT_FIELD)
	LKVM_TRACEPOINTS(LKVM_STAT_FIELD)
#undef LKVM_STAT_FIELD
};

/* A retired memslot copy: kept until the VM dies (a vCPU may still hold a
 * pointer to it across a yield, as under the kernel's SRCU). */
struct lkvm_grave {
	struct kvm_memory_slot *slot;
	struct lkvm_grave *next;
};

struct lkvm;

struct lvcpu {
	struct kvm_vcpu vcpu;        /* the kernel's, first */
	struct env_vcpu *ev;
	struct env_vmcs *vmcs;
	struct kvm_run run;
	struct kvm_vcpu_srcu srcu;   /* inside kvm->srcu (kvm_model.h) */
	bool fault_write;            /* the fault being handled is a write */
	struct kvm_dirty_ring dirty_ring;
	/* Intel */
	u16 vpid;
	u64 *pml_pg;
	/* AMD: current_vmcb's ASID, generation and pCPU (kvm_model.h). */
	struct kvm_svm_vcpu svm;
};

/* The vendor module (vmx.c, svm.c): what kvm_x86_ops is to the kernel's
 * x86.c, for the work this model does around the MMU (the tree's MMU uses
 * the kernel's own kvm_x86_ops: flushes, load_mmu_pgd). */
struct lkvm_vendor {
	void (*hardware_setup)(struct lkvm *lk);
	void (*hardware_unsetup)(void);
	int (*vcpu_create)(struct lvcpu *v);
	void (*vcpu_free)(struct lvcpu *v);
	/* vcpu_load on another pCPU */
	void (*vcpu_load)(struct kvm_vcpu *vcpu, int cpu);
	void (*vcpu_run)(struct kvm_vcpu *vcpu, struct env_exit *exit);
	/* Right after the exit, before handling it (the PML drain); NULL
	 * for none. */
	void (*handle_exit_irqoff)(struct kvm_vcpu *vcpu);
	/* 1: re-enter; 0: to userspace (run.exit_reason); < 0 an error. */
	int (*handle_exit)(struct kvm_vcpu *vcpu, struct env_exit *exit);
	void (*update_cpu_dirty_logging)(struct kvm_vcpu *vcpu);
};
extern const struct lkvm_vendor lkvm_vmx, lkvm_svm;

struct lkvm {
	struct kvm kvm;              /* the kernel's, first */
	struct env *env;
	struct kvmmu_policy pol;
	struct lvcpu **vcpus;
	unsigned nr_vcpus;
	struct kvm_memslots slots[KVM_MAX_NR_ADDRESS_SPACES];
	struct lkvm_grave *graves;
	long mn_active_invalidate_count;
	u64 vpid_bitmap[65536 / 64];
	bool ept_ad;                 /* enable_ept_ad_bits */
	struct lkvm_stat stat;
	u64 pgtable_pages;           /* kvm_account_pgtable_pages' count */
	const struct lkvm_vendor *vendor;
	/* Threads inside KVM now (an ioctl, a notifier, KVM_RUN).  The run
	 * can end with a host thread stopped halfway through one (daemon
	 * threads stop where they are): then the tree's teardown checks
	 * (roots and pages all gone) cannot hold and are not reported. */
	int in_kernel;
	/* The VMM as an external write-tracking user (6.12 registers it). */
	struct kvm_page_track_notifier_node track_node;
	bool track_registered;
};

/* Brackets every entry point of the seam (kvmmu.h) into the model. */
static inline void lkvm_enter(struct lkvm *lk) { lk->in_kernel++; }
static inline void lkvm_leave(struct lkvm *lk) { lk->in_kernel--; }

static inline struct lkvm *to_lkvm(struct kvm *kvm) { return container_of(kvm, struct lkvm, kvm); }
static inline struct lvcpu *to_lvcpu(struct kvm_vcpu *v) { return container_of(v, struct lvcpu, vcpu); }

/* The model's accessors (kvmmu/kvm_model.h), for the sources shared with
 * kvmmu (kvmmu/dirty_log.c, kvm_vcpu.c, x86.c). */
static inline struct lkvm_stat *kvm_mstat(struct kvm *kvm) { return &to_lkvm(kvm)->stat; }
static inline unsigned kvm_online_vcpus(struct kvm *kvm) { return to_lkvm(kvm)->nr_vcpus; }
static inline struct kvm_run *kvm_vcpu_run_state(struct kvm_vcpu *vcpu) { return &to_lvcpu(vcpu)->run; }
static inline struct kvm_dirty_ring *kvm_vcpu_dirty_ring(struct kvm_vcpu *vcpu)
{
	return &to_lvcpu(vcpu)->dirty_ring;
}
static inline bool kvm_use_dirty_ring(const struct kvm *kvm) { return kvm->dirty_ring_size; }
static inline u32 kvm_dirty_ring_entries(const struct kvm *kvm) { return kvm->dirty_ring_size / 16; }
static inline int kvm_cpu_dirty_log_size(const struct kvm *kvm) { return kvm_x86_ops.cpu_dirty_log_size; }
static inline bool kvm_manual_protect(const struct kvm *kvm) { return kvm->manual_dirty_log_protect; }
static inline u64 *kvm_slot_dirty_bitmap(const struct kvm_memory_slot *s) { return (u64 *)s->dirty_bitmap; }
static inline void kvm_mmu_lock_write(struct kvm *kvm) { write_lock(&kvm->mmu_lock); }
static inline void kvm_mmu_unlock_write(struct kvm *kvm) { write_unlock(&kvm->mmu_lock); }
static inline void kvm_slots_lock(struct kvm *kvm) { mutex_lock(&kvm->slots_lock); }
static inline void kvm_slots_unlock(struct kvm *kvm) { mutex_unlock(&kvm->slots_lock); }
static inline void kvm_model_enter(struct kvm *kvm) { lkvm_enter(to_lkvm(kvm)); }
static inline void kvm_model_leave(struct kvm *kvm) { lkvm_leave(to_lkvm(kvm)); }
static inline const struct kvmmu_policy *kvm_policy(struct kvm *kvm) { return &to_lkvm(kvm)->pol; }
static inline struct env_vcpu *kvm_vcpu_ev(struct kvm_vcpu *vcpu) { return to_lvcpu(vcpu)->ev; }
static inline struct env_vmcs *kvm_vcpu_vmcs(struct kvm_vcpu *vcpu) { return to_lvcpu(vcpu)->vmcs; }
static inline u64 *kvm_vcpu_mode(struct kvm_vcpu *vcpu) { return &vcpu->mode; }
static inline struct kvm_vcpu_srcu *kvm_vcpu_srcu(struct kvm_vcpu *vcpu) { return &to_lvcpu(vcpu)->srcu; }
static inline u64 *kvm_vcpu_pml_page(struct kvm_vcpu *vcpu) { return to_lvcpu(vcpu)->pml_pg; }
static inline hva_t kvm_slot_hva(const struct kvm_memory_slot *s, gfn_t gfn)
{
	return __gfn_to_hva_memslot(s, gfn);
}
static inline void kvm_x86_flush_tlb_all(struct kvm_vcpu *vcpu) { kvm_x86_ops.flush_tlb_all(vcpu); }
static inline void kvm_x86_flush_tlb_current(struct kvm_vcpu *vcpu) { kvm_x86_ops.flush_tlb_current(vcpu); }
static inline void kvm_x86_flush_tlb_guest(struct kvm_vcpu *vcpu) { kvm_x86_ops.flush_tlb_guest(vcpu); }
static inline void kvm_x86_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	to_lkvm(vcpu->kvm)->vendor->vcpu_load(vcpu, cpu);
}
static inline void kvm_x86_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	to_lkvm(vcpu->kvm)->vendor->vcpu_run(vcpu, exit);
}
static inline void kvm_x86_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	if (to_lkvm(vcpu->kvm)->vendor->handle_exit_irqoff)
		to_lkvm(vcpu->kvm)->vendor->handle_exit_irqoff(vcpu);
}
static inline int kvm_x86_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	return to_lkvm(vcpu->kvm)->vendor->handle_exit(vcpu, exit);
}
static inline void kvm_x86_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	to_lkvm(vcpu->kvm)->vendor->update_cpu_dirty_logging(vcpu);
}
void lkvm_sync_vcpu_stats(struct lvcpu *v);
/* The tree's vCPU stats of the exit join the VM's. */
static inline void kvm_vcpu_exit_done(struct kvm_vcpu *vcpu) { lkvm_sync_vcpu_stats(to_lvcpu(vcpu)); }
static inline void *kvm_model_calloc(size_t n, size_t size) { return kshim_host_calloc(n, size); }
static inline void kvm_model_free(void *p) { kshim_host_free(p); }
static inline void *kvm_model_realloc(void *p, size_t size) { return kshim_host_realloc(p, size); }
static inline u64 kvm_vcpu_mmu_root(struct kvm_vcpu *vcpu) { return vcpu->arch.mmu->root.hpa; }
static inline int kvm_vcpu_root_level(struct kvm_vcpu *vcpu) { return vcpu->arch.mmu->root_role.level; }
static inline u16 *kvm_vcpu_vpid(struct kvm_vcpu *vcpu) { return &to_lvcpu(vcpu)->vpid; }
static inline u64 **kvm_vcpu_pml_pagep(struct kvm_vcpu *vcpu) { return &to_lvcpu(vcpu)->pml_pg; }
static inline u64 *kvm_vpid_bitmap(struct kvm *kvm) { return to_lkvm(kvm)->vpid_bitmap; }
static inline bool kvm_eptp_ad(struct kvm *kvm) { return to_lkvm(kvm)->ept_ad; }
static inline bool kvm_pml_wanted(struct kvm *kvm)
{
	return atomic_read(&kvm->nr_memslots_dirty_logging) > 0;
}
#define kvm_x86_page_fault lkvm_page_fault
static inline struct kvm_svm_vcpu *kvm_vcpu_svm(struct kvm_vcpu *vcpu) { return &to_lvcpu(vcpu)->svm; }
/* svm.c: the per-pCPU ASID data; per-root and per-VM ASIDs (kvmmu's). */
struct svm_cpu_data *kvm_svm_cpu(struct kvm *kvm, int cpu);
u64 kvm_svm_fixed_asid(struct kvm_vcpu *vcpu, u32 *asid);
void kvm_svm_root_asid_load(struct kvm_vcpu *vcpu);
static inline struct kvm_memslots *kvm_model_memslots(struct kvm *kvm, int as_id)
{
	return kvm->memslots[as_id];
}
static inline long *kvm_mn_active_invalidate_count(struct kvm *kvm)
{
	return &to_lkvm(kvm)->mn_active_invalidate_count;
}
/* The notifier dispatch's hooks are the version's (kver.h). */
#define kvm_notifier_range_init kver_gfn_range_notifier
#define kvm_notifier_invalidate_begin kver_invalidate_begin
#define kvm_notifier_invalidate_end kver_invalidate_end
#define kvm_notifier_unmap_gfn_range kver_unmap_gfn_range
#define kvm_notifier_release kver_arch_flush_shadow_all

/* The NX huge page mitigation's state (mmu/mmu_internal.h's, the tree's;
 * not on the model's include path). */
extern int nx_huge_pages;

/* x86.c */
void kvm_mmu_slot_apply_flags(struct kvm *kvm, struct kvm_memory_slot *old,
			      const struct kvm_memory_slot *new_slot,
			      enum kvm_mr_change change);
int kvm_alloc_memslot_metadata(struct kvm *kvm, struct kvm_memory_slot *slot);
void kvm_free_memslot_metadata(struct kvm_memory_slot *slot);
/* kvm_mmu_page_fault for an exit: 1 resume, 0 to userspace, < 0 an
 * error (run.exit_reason set). */
int lkvm_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code);
void lkvm_module_init(struct lkvm *lk);

/* kvm_main.c */
/* Before a harvest: kick vCPUs so their PML buffers are drained. */
void kvm_arch_sync_dirty_log(struct kvm *kvm);
/* The memslot updates' hooks (kvmmu/memslot.c). */
int kvm_memslot_prepare(struct kvm *kvm, const struct kvm_memory_slot *old,
			struct kvm_memory_slot *new_slot, enum kvm_mr_change change);
void kvm_memslot_commit(struct kvm *kvm, const struct kvm_memory_slot *old,
			const struct kvm_memory_slot *new_slot, enum kvm_mr_change change);
/* Runs a kthread of kvm_vm_create_worker_thread on the calling simulated
 * thread: its function, until it returns. */
void lkvm_kthread_run(struct task_struct *k);

#include "linuxmmu/kver.h"

#endif
