/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/kvm_model.h — the part of the rest-of-KVM model that both MMUs run
 * in: its world-neutral types, and the contract of the sources compiled
 * for both.
 *
 * The rest of KVM (kvm_main.c, x86.c, vmx.c, svm.c of the kernel) is one
 * model around either MMU: kvmmu's own, or a kernel tree's
 * arch/x86/kvm/mmu/ (linuxmmu/).  A shared source is compiled twice: in
 * kvmmu's world, where it includes "kvmmu/mmu_internal.h", and around a
 * tree's MMU with -DKVM_WORLD='"linuxmmu/lkvm.h"', in the kernel's world
 * (its struct kvm, kvm_vcpu and kvm_memory_slot, -nostdinc).  Shared so
 * far: the dirty log (dirty_log.c); the vCPUs' requests, kicks, remote
 * flushes and SRCU readers (kvm_vcpu.c); the run loop with its exits,
 * local flushes, PML drain and emulation (x86.c); the mmu_notifier
 * dispatch (mmu_notifier.c); memslot lookup and updates (memslot.c);
 * Intel's EPTP, VPIDs, flushes, PML toggling and exits (vmx.c); AMD's
 * ASIDs, flushes, the Hyper-V hypercall and exits (svm.c).
 *
 * The two worlds' structs differ, so a shared source reaches the model's
 * state only through these accessors, which each world's header defines
 * (as static inlines, macros or functions):
 *
 *   kvm_env(kvm)                 the env of the VM (kvmmu.h)
 *   kvm_policy(kvm)              const struct kvmmu_policy * of the VM
 *   kvm_mstat(kvm)               the model's counters: a struct with the
 *                                fields of the stats the sources count
 *   kvm_online_vcpus(kvm)        number of vCPUs; kvm_get_vcpu(kvm, i)
 *   kvm_vcpu_ev(vcpu), kvm_vcpu_vmcs(vcpu)   the vCPU's hardware side
 *   kvm_vcpu_mode(vcpu)          u64 * of vcpu->mode (an env word)
 *   kvm_vcpu_srcu(vcpu)          struct kvm_vcpu_srcu * of the vCPU
 *   kvm_vcpu_run_state(vcpu)     struct kvm_run * of the vCPU
 *   kvm_vcpu_pml_page(vcpu)      u64 * of its PML buffer, NULL without PML
 *   kvm_vcpu_dirty_ring(vcpu)    struct kvm_dirty_ring * of the vCPU
 *   kvm_use_dirty_ring(kvm)      pages are logged into per-vCPU rings
 *   kvm_dirty_ring_entries(kvm)  ring size in entries (a power of two)
 *   kvm_cpu_dirty_log_size(kvm)  512 with PML, else 0
 *   kvm_manual_protect(kvm)      KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is on
 *   kvm_slot_dirty_bitmap(slot)  u64 * of the slot's bitmap (env words)
 *   kvm_slot_hva(slot, gfn)      the host virtual address of @gfn
 *   kvm_mmu_lock_write(kvm), kvm_mmu_unlock_write(kvm)   mmu_lock
 *   kvm_slots_lock(kvm), kvm_slots_unlock(kvm)           slots_lock
 *   kvm_model_enter(kvm), kvm_model_leave(kvm)  brackets of an ioctl
 *   kvm_x86_flush_tlb_all / _current / _guest(vcpu), kvm_x86_vcpu_load(vcpu,
 *   cpu), kvm_x86_vcpu_run(vcpu, exit), kvm_x86_handle_exit_irqoff(vcpu),
 *   kvm_x86_handle_exit(vcpu, exit), kvm_x86_update_cpu_dirty_logging(vcpu)
 *                                the vendor module (vmx.c, svm.c)
 *   kvm_vcpu_exit_done(vcpu)     after an exit was handled
 *   kvm_vcpu_mmu_root(vcpu), kvm_vcpu_root_level(vcpu)   the loaded root
 *                                (INVALID_PAGE if none) and its level
 *   kvm_vcpu_vpid(vcpu)          u16 * of the vCPU's VPID
 *   kvm_vcpu_pml_pagep(vcpu)     u64 ** where the PML buffer is kept
 *   kvm_vpid_bitmap(kvm)         u64 * of the host's 65,536 VPID bits
 *   kvm_eptp_ad(kvm)             EPT A/D bits are on (EPTP bit 6)
 *   kvm_pml_wanted(kvm)          PML should be on (a slot logs)
 *   kvm_x86_page_fault(vcpu, gpa, error_code)   the MMU's fault entry
 *   kvm_vcpu_svm(vcpu)           struct kvm_svm_vcpu * of the vCPU
 *   kvm_svm_cpu(kvm, cpu)        struct svm_cpu_data * of a pCPU
 *   kvm_svm_fixed_asid(vcpu, &asid), kvm_svm_root_asid_load(vcpu)
 *                                per-root and per-VM ASIDs (kvmmu's)
 *   kvm_model_calloc(n, size), kvm_model_realloc(p, size),
 *   kvm_model_free(p)            host memory
 *   kvm_model_memslots(kvm, as)  struct kvm_memslots * (nr, slots sorted
 *                                by base_gfn) of address space @as
 *   kvm_mn_active_invalidate_count(kvm)   long * (blocks memslot updates)
 *   kvm_notifier_range_init(range), kvm_notifier_invalidate_begin / _end(kvm,
 *   start, end), kvm_notifier_unmap_gfn_range(kvm, range),
 *   kvm_notifier_release(kvm)    the notifier dispatch's per-version hooks
 *   kvm_memslot_alloc(kvm), kvm_memslot_copy(kvm, slot),
 *   kvm_memslot_retire(kvm, slot), kvm_memslot_free(kvm, slot)
 *                                memslot objects (retired ones live on)
 *   kvm_memslot_prepare(kvm, old, new, change)   the dirty bitmap and the
 *                                arch's metadata of @new; 0 or -errno
 *   kvm_memslot_commit(kvm, old, new, change)    after publishing: the
 *                                arch's counts, kvm_mmu_slot_apply_flags
 *   kvm_memslot_flush_shadow(kvm, slot)   zap the slot's SPTEs
 *   kvm_memslots_update_begin / _end / _abort(kvm, as)   the generation
 *   kvm_dirty_logging_slots_add(kvm, delta)   nr_memslots_dirty_logging
 *
 * and the kernel's own functions by their kernel names: kvm_make_request,
 * kvm_check_request, kvm_clear_request, kvm_request_pending,
 * kvm_vcpu_gfn_to_memslot, kvm_mmu_reload,
 * kvm_mmu_load_pgd, kvm_mmu_free_obsolete_roots,
 * kvm_flush_remote_tlbs_memslot, kvm_arch_sync_dirty_log,
 * kvm_arch_mmu_enable_log_dirty_pt_masked (the MMU's),
 * kvm_slot_dirty_track_enabled.  Only env.h is included here, so this
 * header is valid in both worlds.
 */
#ifndef TDPSIM_KVMMU_KVM_MODEL_H
#define TDPSIM_KVMMU_KVM_MODEL_H

#include "kvmmu/env.h"

struct kvm;
struct kvm_vcpu;
struct kvm_memory_slot;
struct kvm_memslots;

/*
 * The counters of the shared sources (kvm_mstat()'s fields), declared once:
 * each world's stat struct and registration expand this list with its own.
 */
#define KVM_MODEL_STATS(X)                                                   \
	X(remote_tlb_flush, "kvm.remote_tlb_flush", "kvm_flush_remote_tlbs calls") \
	X(tlb_flush, "kvm.tlb_flush", "local TLB flushes done by vCPUs (all, current, guest)") \
	X(requests, "kvm.requests", "requests made to vCPUs")                 \
	X(kicks, "kvm.kicks", "kick IPIs sent to vCPUs")                     \
	X(pml_drained, "kvm.pml_drained", "GPAs drained from PML buffers")    \
	X(pml_toggles, "kvm.pml_toggles", "PML enabled or disabled in a VMCS") \
	X(dirty_pages_marked, "kvm.dirty_pages_marked", "pages logged by mark_page_dirty_in_slot") \
	X(dirty_ring_pushed, "kvm.dirty_ring_pushed", "entries pushed to dirty rings") \
	X(dirty_ring_full, "kvm.dirty_ring_full", "KVM_EXIT_DIRTY_RING_FULL exits") \
	X(dirty_ring_reset, "kvm.dirty_ring_reset", "ring entries reset (re-protected)") \
	X(dirty_log_dropped, "kvm.dirty_log_dropped", "dirty pages with nowhere to go (ring without a running vCPU)") \
	X(mn_invalidate, "kvm.mmu_notifier.invalidate", "invalidate_range_start calls") \
	X(mn_age, "kvm.mmu_notifier.age", "aging notifier calls")           \
	X(svm_new_asid, "kvm.svm.new_asid", "ASIDs handed out by new_asid") \
	X(svm_asid_wraps, "kvm.svm.asid_wraps", "ASID generation bumps (FLUSH_ALL_ASID)")

/* ------------------------------------------------------------- vCPUs */

/*
 * kvm->srcu, for the one reader that matters here: a vCPU using memslots
 * between exits (it leaves the read section around guest mode).  @seq, an
 * env word, is odd while the vCPU is inside; @local is its own copy.
 */
struct kvm_vcpu_srcu {
	u64 *seq;
	u64 local;
};

/* kvm_vcpu.c (and the seam's kvm_vcpu_kick_to_user, kvmmu.h) */
void kvm_vcpu_srcu_read_lock(struct kvm_vcpu *vcpu);
void kvm_vcpu_srcu_read_unlock(struct kvm_vcpu *vcpu);
/* synchronize_srcu_expedited(&kvm->srcu) of a memslot update: waits until
 * every vCPU inside a read section (other than the caller) has left it. */
void kvm_srcu_synchronize_vcpus(struct kvm *kvm);
/* The vCPU whose simulated thread is running, if any. */
struct kvm_vcpu *kvm_get_running_vcpu(struct kvm *kvm);
bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
/* Every remote flush is a KVM_REQ_TLB_FLUSH to all vCPUs (no Hyper-V
 * remote-flush enlightenment: under EnlightenedNptTlb each vCPU's flush
 * makes the GPA-space hypercall itself, in svm.c). */
void kvm_flush_remote_tlbs(struct kvm *kvm);

/* memslot.c (and the seam's kvm_set_memory_region, kvmmu.h) */
/* The slot of @ms holding @gfn, by binary search; NULL if none. */
struct kvm_memory_slot *kvm_memslots_find_gfn(struct kvm_memslots *ms, gfn_t gfn);
/* The slot (as_id << 16 | id), or NULL. */
struct kvm_memory_slot *kvm_id_to_memslot(struct kvm *kvm, u32 slot);
/* The world's hooks it calls (kvm_memslot_prepare and _commit too, which
 * each world declares with its enum kvm_mr_change). */
struct kvm_memory_slot *kvm_memslot_alloc(struct kvm *kvm);
struct kvm_memory_slot *kvm_memslot_copy(struct kvm *kvm, const struct kvm_memory_slot *s);
void kvm_memslot_retire(struct kvm *kvm, struct kvm_memory_slot *s);
void kvm_memslot_free(struct kvm *kvm, struct kvm_memory_slot *s);
void kvm_memslots_update_begin(struct kvm *kvm, int as_id);
void kvm_memslots_update_end(struct kvm *kvm, int as_id);
void kvm_memslots_update_abort(struct kvm *kvm, int as_id);
void kvm_memslot_flush_shadow(struct kvm *kvm, struct kvm_memory_slot *s);
void kvm_dirty_logging_slots_add(struct kvm *kvm, int delta);

/* x86.c.  The PML buffer: 512 GPAs, filled from the last entry down
 * (SDM vol. 3C, page-modification logging). */
#define KVM_PML_ENTRIES 512
#define KVM_PML_HEAD_INDEX (KVM_PML_ENTRIES - 1)
void kvm_vcpu_flush_tlb_all(struct kvm_vcpu *vcpu);
void kvm_vcpu_flush_tlb_current(struct kvm_vcpu *vcpu);
/* PML full, kick, halt and the rest: what vmx and svm handle alike.
 * 1 to re-enter, 0 to userspace (run.exit_reason). */
int kvm_handle_common_exit(struct kvm_vcpu *vcpu, const struct env_exit *exit);
/* The PML drain on every exit (vmx.pml_drain: the order). */
void kvm_flush_pml_buffer(struct kvm_vcpu *vcpu);
/* An access KVM completes without mapping it (RET_PF_EMULATE): RAM is
 * accessed on its frame (a write logged), MMIO and writes to read-only
 * slots go to userspace (KVM_EXIT_MMIO).  1 to re-enter, 0 to userspace. */
int kvm_emulate_access(struct kvm_vcpu *vcpu, gpa_t gpa, bool write);

/* vmx.c: each world puts these in its vendor table, with the PML drain
 * (kvm_flush_pml_buffer) after every exit. */
void vmx_flush_tlb_all(struct kvm_vcpu *vcpu);
void vmx_flush_tlb_current(struct kvm_vcpu *vcpu);
void vmx_flush_tlb_guest(struct kvm_vcpu *vcpu);
void vmx_flush_tlb_gva(struct kvm_vcpu *vcpu, u64 addr);
void vmx_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level);
void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
void vmx_update_cpu_dirty_logging(struct kvm_vcpu *vcpu);
/* At vCPU creation: its VPID (vmx.vpid=on) and PML buffer (with PML);
 * 0, or -ENOMEM with nothing taken. */
int vmx_vcpu_setup(struct kvm_vcpu *vcpu);
void vmx_vcpu_teardown(struct kvm_vcpu *vcpu);
void vmx_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit);
int vmx_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit);

/* svm.c: each world puts these in its vendor table (with the PML drain,
 * kvm_flush_pml_buffer, and toggle, vmx_update_cpu_dirty_logging, which
 * AMD's PML shares). */
/* A vCPU's VMCB as current_vmcb keeps it: its ASID, the generation it
 * belongs to, the pCPU it last ran on. */
struct kvm_svm_vcpu {
	u32 asid;
	u64 asid_generation;
	int vmcb_cpu;
};
/* svm_cpu_data: one pCPU's ASIDs. */
struct svm_cpu_data {
	u64 asid_generation;
	u32 max_asid, next_asid, min_asid;
	/* svm.asid=per-root / static-per-vm: who last used each ASID here. */
	u64 *asid_owner;
};
void svm_cpu_data_init(struct svm_cpu_data *sd, const struct env_caps *caps);
void svm_flush_tlb_all(struct kvm_vcpu *vcpu);
void svm_flush_tlb_current(struct kvm_vcpu *vcpu);
void svm_flush_tlb_guest(struct kvm_vcpu *vcpu);
void svm_flush_tlb_gva(struct kvm_vcpu *vcpu, u64 addr);
void svm_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level);
void svm_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
/* 0, or -ENOMEM (no PML buffer). */
int svm_vcpu_setup(struct kvm_vcpu *vcpu);
void svm_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit);
int svm_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit);

/* ----------------------------------------------------------- dirty ring */

#define KVM_DIRTY_GFN_F_DIRTY 1u
#define KVM_DIRTY_GFN_F_RESET 2u
/* One vCPU's ring, shared with the VMM: an entry is two env words,
 * [0] = flags | slot << 32, [1] = offset of the page in the slot. */
struct kvm_dirty_ring {
	u64 *gfns;
	u32 size;          /* entries, a power of two */
	u32 soft_limit;    /* size minus the reserve */
	u32 dirty_index;   /* KVM's producer index */
	u32 reset_index;   /* KVM's reset index */
	u32 fetch_index;   /* userspace's consumer index (harvest) */
};

/* dirty_log.c (the rest is declared by kvmmu.h: the dirty-log ioctls,
 * harvest and reset) */
/* At vCPU creation when the VM logs into rings: -EINVAL if the size
 * leaves no room for the reserve or is not a power of two. */
int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu);
/* At entry: a ring past its soft limit sends the vCPU to userspace with
 * KVM_EXIT_DIRTY_RING_FULL (true). */
bool kvm_dirty_ring_check_request(struct kvm_vcpu *vcpu);
static inline u64 kvm_dirty_bitmap_words(u64 npages) { return (npages + 63) / 64; }

/*
 * calc_nx_huge_pages_recovery_period (mmu.c, static there): the NX recovery
 * worker's period in ms, or 0 when recovery is off (@enabled false: no
 * mitigation; or ratio 0).  Period 0 means "halve the list in about an
 * hour": 3,600,000 / ratio, the ratio capped at 3600 so the period is at
 * least a second.
 */
static inline u64 kvm_nx_recovery_period(bool enabled, u64 ratio, u64 period_ms)
{
	if (!enabled || !ratio)
		return 0;
	if (period_ms)
		return period_ms;
	return 60 * 60 * 1000 / (ratio < 3600 ? ratio : 3600);
}

#endif
