/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/kvm_model.h — the part of the rest-of-KVM model that both MMUs run
 * in: its world-neutral types, and the contract of the sources compiled
 * for both.
 *
 * The rest of KVM (kvm_main.c, x86.c, vmx.c, svm.c of the kernel) is one
 * model around either MMU: kvmmu's own, or a kernel tree's
 * arch/x86/kvm/mmu/ (linuxmmu/).  A shared source (dirty_log.c so far) is
 * compiled twice: in kvmmu's world, where it includes
 * "kvmmu/mmu_internal.h", and around a tree's MMU with
 * -DKVM_WORLD='"linuxmmu/lkvm.h"', in the kernel's world (its struct kvm,
 * kvm_vcpu and kvm_memory_slot, -nostdinc).  The two worlds' structs differ,
 * so a shared source reaches the model's state only through these
 * accessors, which each world's header defines (as static inlines or
 * macros):
 *
 *   kvm_env(kvm)                 the env of the VM (kvmmu.h)
 *   kvm_mstat(kvm)               the model's counters: a struct with the
 *                                fields of the stats named below
 *   kvm_online_vcpus(kvm)        number of vCPUs; kvm_get_vcpu(kvm, i)
 *   kvm_vcpu_run_state(vcpu)     struct kvm_run * of the vCPU
 *   kvm_vcpu_dirty_ring(vcpu)    struct kvm_dirty_ring * of the vCPU
 *   kvm_use_dirty_ring(kvm)      pages are logged into per-vCPU rings
 *   kvm_dirty_ring_entries(kvm)  ring size in entries (a power of two)
 *   kvm_cpu_dirty_log_size(kvm)  512 with PML, else 0
 *   kvm_manual_protect(kvm)      KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is on
 *   kvm_slot_dirty_bitmap(slot)  u64 * of the slot's bitmap (env words)
 *   kvm_id_to_memslot(kvm, id)   the slot (as_id << 16 | id), or NULL
 *   kvm_mmu_lock_write(kvm), kvm_mmu_unlock_write(kvm)   mmu_lock
 *   kvm_slots_lock(kvm), kvm_slots_unlock(kvm)           slots_lock
 *   kvm_model_enter(kvm), kvm_model_leave(kvm)  brackets of an ioctl
 *
 * and the kernel's own functions by their kernel names: kvm_make_request,
 * kvm_check_request, kvm_get_running_vcpu, kvm_vcpu_gfn_to_memslot,
 * kvm_flush_remote_tlbs(_memslot), kvm_arch_sync_dirty_log,
 * kvm_arch_mmu_enable_log_dirty_pt_masked (the MMU's),
 * kvm_slot_dirty_track_enabled.  Only env.h is included here, so this
 * header is valid in both worlds.
 */
#ifndef TDPSIM_KVMMU_KVM_MODEL_H
#define TDPSIM_KVMMU_KVM_MODEL_H

#include "kvmmu/env.h"

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

/* dirty_log.c, in both worlds (the rest is declared by kvmmu.h: the
 * dirty-log ioctls, harvest and reset). */
struct kvm;
struct kvm_vcpu;
struct kvm_memory_slot;
/* At vCPU creation when the VM logs into rings: -EINVAL if the size
 * leaves no room for the reserve or is not a power of two. */
int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu);
/* At entry: a ring past its soft limit sends the vCPU to userspace with
 * KVM_EXIT_DIRTY_RING_FULL (true). */
bool kvm_dirty_ring_check_request(struct kvm_vcpu *vcpu);
static inline u64 kvm_dirty_bitmap_words(u64 npages) { return (npages + 63) / 64; }

#endif
