/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/kvmmu.h — KVM's x86 TDP MMU as the simulator's hypervisor.
 *
 * This is the one header the simulator (its vCPU threads, the host model,
 * the VMM and the scenarios) uses to drive kvmmu.  Behind it is KVM's
 * x86 TDP MMU and the slice of kvm_main.c / x86.c / vmx.c / svm.c around it,
 * rewritten in the project's own code and shaped like arch/x86/kvm/mmu:
 * struct kvm and struct kvm_vcpu, roots, SPTEs, the fault path, zaps, dirty
 * logging, mmu_notifier handlers, requests and remote TLB flushes, vendor
 * root loading.  kvmmu sees the machine only through kvmmu/env.h.
 *
 * Groups: policies, VM and vCPU lifetime, memslots, running a vCPU, dirty
 * logging, mmu_notifier handlers, other MMU entry points, introspection.
 */
#ifndef TDPSIM_KVMMU_H
#define TDPSIM_KVMMU_H

#include "kvmmu/env.h"

struct kvm;
struct kvm_vcpu;

/* -------------------------------------------------------------- policies */

/*
 * One field per key of kvmmu/policy.def (an enum key is an int holding the
 * index of its value; a U64 key a u64).  The enumerators are
 * KVMMU_<CONSTANT>: KVMMU_DIRTY_MARK_ZAP, ...  kvmmu reads no text: the
 * registry above it (scenarios/params.h) holds this struct as the run's
 * "mmu" block, parsed by the program's one parser.
 */
#define PARAM_U64(field, key, def, unit, doc, src) u64 field;
#define PARAM_ENUM(field, key, def, values, doc, src) int field;
struct kvmmu_policy {
#include "kvmmu/policy.def"
};
#undef PARAM_U64
#undef PARAM_ENUM

#define KVMMU_POLICY_CONST(id, text) KVMMU_##id,
#define PARAM_U64(field, key, def, unit, doc, src)
#define PARAM_ENUM(field, key, def, values, doc, src)                        \
	enum { values(KVMMU_POLICY_CONST) };
#include "kvmmu/policy.def"
#undef PARAM_U64
#undef PARAM_ENUM
#undef KVMMU_POLICY_CONST


/* ------------------------------------------------------------ the MMU */

/*
 * Two MMUs implement this header: kvmmu (this folder, the default build)
 * and a Linux kernel tree's own arch/x86/kvm/mmu/ (linuxmmu/, `make linux`).
 * kvm_mmu_name() says which one runs: "kvmmu", or "linux 6.12.118,
 * arch/x86/kvm/mmu, tree 4bb9fa21" (the tree's version and the hash of its
 * MMU files).
 */
const char *kvm_mmu_name(void);
/*
 * Policy keys whose behaviour is the running MMU's own code rather than a
 * knob, as "key=value" strings naming the value that matches that code
 * (NULL-terminated; NULL for kvmmu, where every key is a knob).  The command
 * starts from these values, so results show what ran.
 */
const char *const *kvm_mmu_fixed_policy(void);
/* What the MMU's stat @name (one it registers, "kvm.*") counts; NULL if it
 * registers no stat of that name. */
const char *kvm_mmu_stat_doc(const char *name);
/* 0 if @pol can run on this MMU on the machine @e (its vendor and caps);
 * else -1 and @err names the key and why (bad input). */
int kvm_mmu_check_policy(const struct kvmmu_policy *pol, struct env *e, char *err,
			 size_t errlen);

/* ------------------------------------------------- VM and vCPU lifetime */

/*
 * Creates the VM of @e with one kvm_vcpu per env vCPU (env_nr_vcpus), the
 * SPTE format of the vendor (EPT or NPT, A/D per policy and caps), and the
 * host-wide vendor state (VPID bitmap, per-pCPU SVM ASID data).  Stats are
 * registered through env_stat_register as "kvm.*".  NULL on ENOMEM.
 */
struct kvm *kvm_create_vm(struct env *e, const struct kvmmu_policy *pol);
/* Zaps everything, frees roots and memslots; waits for RCU callbacks. */
void kvm_destroy_vm(struct kvm *kvm);
struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, unsigned idx);
unsigned kvm_vcpu_idx(const struct kvm_vcpu *vcpu);
struct env *kvm_env(const struct kvm *kvm);

/* -------------------------------------------------------------- memslots */

#define KVM_MEM_LOG_DIRTY_PAGES (1u << 0)
#define KVM_MEM_READONLY (1u << 1)
#define KVM_USER_MEM_SLOTS 32767
#define KVM_ADDRESS_SPACE_NUM 2 /* 0: normal, 1: SMM */

/* KVM_SET_USER_MEMORY_REGION.  @slot is (as_id << 16) | id. */
struct kvm_userspace_memory_region {
	u32 slot;
	u32 flags;
	gpa_t guest_phys_addr;
	u64 memory_size;     /* bytes; 0 deletes the slot */
	hva_t userspace_addr;
};
/* Create, delete, move, or change flags (LOG_DIRTY_PAGES on/off: the
 * kvm_mmu_slot_apply_flags work runs inside).  0 or -EINVAL / -EEXIST. */
int kvm_set_memory_region(struct kvm *kvm,
			  const struct kvm_userspace_memory_region *mem);

/* -------------------------------------------------------- running a vCPU */

enum kvm_exit_reason {
	KVM_EXIT_HLT = 5,               /* the guest's workload is over */
	KVM_EXIT_MMIO = 6,              /* an access to no memslot (emulated) */
	KVM_EXIT_INTR = 10,             /* kvm_vcpu_kick_to_user() */
	KVM_EXIT_INTERNAL_ERROR = 17,
	KVM_EXIT_DIRTY_RING_FULL = 31,  /* harvest + kvm_reset_dirty_rings */
};
struct kvm_run {
	u32 exit_reason;   /* enum kvm_exit_reason */
	gpa_t mmio_gpa;    /* KVM_EXIT_MMIO */
	bool immediate_exit;
};

/*
 * KVM_RUN on the calling thread (the vCPU's own simulated thread): services
 * requests, loads the root, enters the guest with env_vcpu_run_guest,
 * handles exits (faults, PML drain), and returns the exit reason when the
 * run must go back to userspace.  Call again to continue.
 */
int kvm_vcpu_run(struct kvm_vcpu *vcpu);
const struct kvm_run *kvm_vcpu_run_info(const struct kvm_vcpu *vcpu);
/* Makes the vCPU return KVM_EXIT_INTR at its next exit and kicks it (the
 * VMM pausing vCPUs, e.g. for the final pass of a live migration). */
void kvm_vcpu_kick_to_user(struct kvm_vcpu *vcpu);
/* Enters or leaves SMM: a different address space and root role, through
 * kvm_mmu_reset_context (unload, reload at the next entry). */
void kvm_vcpu_set_smm(struct kvm_vcpu *vcpu, bool smm);

/* ----------------------------------------------------------- dirty logging */

/* Whether logging write-protects 4 KiB SPTEs (no PML: a cleared page's
 * next write faults) rather than clearing their D bits (PML). */
bool kvm_dirty_log_write_protects(const struct kvm *kvm);
/* KVM_GET_DIRTY_LOG into @bitmap (one bit per page of the slot, 64-bit
 * words).  Without manual protect this also re-protects what it returns. */
int kvm_get_dirty_log(struct kvm *kvm, u32 slot, u64 *bitmap);
/* KVM_CLEAR_DIRTY_LOG (manual protect): @first_page is 64-aligned. */
int kvm_clear_dirty_log(struct kvm *kvm, u32 slot, u64 first_page,
			u32 num_pages, const u64 *bitmap);

/* Userspace's side of a vCPU's dirty ring: calls @fn for each entry that
 * is DIRTY (in ring order) and marks it RESET; returns how many. */
typedef void kvm_dirty_gfn_fn(void *arg, u32 slot, u64 offset);
u32 kvm_dirty_ring_harvest(struct kvm_vcpu *vcpu, kvm_dirty_gfn_fn *fn,
			   void *arg);
/* KVM_RESET_DIRTY_RINGS: re-protect harvested gfns, flush; returns count. */
u32 kvm_reset_dirty_rings(struct kvm *kvm);

/* ------------------------------------------------- mmu_notifier handlers */

/*
 * Called by the host model, in Linux's order, for hva ranges [start, end)
 * of the VMM's address space.  invalidate_range_start zaps every SPTE in
 * the range in all roots and flushes before returning; a fault that raced
 * with it retries until invalidate_range_end.  The aging hooks return
 * whether any page in the range was young.
 */
struct kvm_mmu_notifier_ops {
	void (*invalidate_range_start)(struct kvm *kvm, hva_t start, hva_t end,
				       bool blockable);
	void (*invalidate_range_end)(struct kvm *kvm, hva_t start, hva_t end);
	bool (*clear_flush_young)(struct kvm *kvm, hva_t start, hva_t end);
	bool (*clear_young)(struct kvm *kvm, hva_t start, hva_t end);
	bool (*test_young)(struct kvm *kvm, hva_t start, hva_t end);
	void (*release)(struct kvm *kvm);
};
extern const struct kvm_mmu_notifier_ops kvm_mmu_notifier_ops;

void kvm_mmu_notifier_invalidate_range_start(struct kvm *kvm, hva_t start,
					     hva_t end, bool blockable);
void kvm_mmu_notifier_invalidate_range_end(struct kvm *kvm, hva_t start,
					   hva_t end);
bool kvm_mmu_notifier_clear_flush_young(struct kvm *kvm, hva_t start, hva_t end);
bool kvm_mmu_notifier_clear_young(struct kvm *kvm, hva_t start, hva_t end);
bool kvm_mmu_notifier_test_young(struct kvm *kvm, hva_t start, hva_t end);
void kvm_mmu_notifier_release(struct kvm *kvm);

/* ------------------------------------------------- other MMU entry points */

/* Fast zap (what a memslot delete does): invalidate all roots, make vCPUs
 * drop them, zap them before returning. */
void kvm_mmu_zap_all_fast(struct kvm *kvm);
/* Write tracking for an external user (KVMGT's kvm_write_track_add_gfn /
 * kvm_write_track_remove_gfn; address space @as_id): while tracked the gfn
 * loses W and MMU-writable everywhere and writes to it are emulated.
 * 0, or -EINVAL for a gfn in no memslot (or, removing, an untracked one). */
int kvm_write_track_gfn(struct kvm *kvm, int as_id, gfn_t gfn, bool track);

/*
 * NX huge pages (mmu.nx_huge_pages=on): the recovery worker,
 * kvm-nx-lpage-recovery, a kernel thread of the VM that the VMM runs.  Its
 * period in ms (0: recovery is off, run no worker); each period it makes
 * one pass, zapping a share (mmu.nx_huge_pages_recovery_ratio) of the
 * tables the mitigation kept in place of huge pages.
 * kvm_nx_huge_page_recovery_worker is the thread's body: it sleeps
 * (env_sleep) between passes and returns only if the worker stops.
 * kvm_recover_nx_huge_pages is one pass (kvmmu only; the Linux build's
 * pass is the tree's own, reached through its worker).
 */
u64 kvm_nx_huge_page_recovery_period_ms(struct kvm *kvm);
void kvm_nx_huge_page_recovery_worker(struct kvm *kvm);
void kvm_recover_nx_huge_pages(struct kvm *kvm);

/* ----------------------------------------------------------- introspection */

/* The leaf SPTE mapping @gpa in @vcpu's current root, and its level (1 =
 * 4K), by a lockless walk under RCU; -1 if no root or nothing mapped. */
int kvm_mmu_lookup_spte(struct kvm_vcpu *vcpu, gpa_t gpa, u64 *spte);
/* Host physical address of @vcpu's current root, 0 if none. */
u64 kvm_vcpu_root_hpa(const struct kvm_vcpu *vcpu);
/* Number of TDP roots on the VM's list (valid and invalid, not yet freed),
 * and of page-table pages the TDP MMU holds (roots excluded). */
unsigned kvm_nr_tdp_roots(const struct kvm *kvm);
u64 kvm_nr_tdp_mmu_pages(const struct kvm *kvm);

#endif
