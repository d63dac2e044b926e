/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/kvm_host.h — struct kvm, struct kvm_vcpu, memslots, requests and
 * statistics: the parts of include/linux/kvm_host.h and
 * arch/x86/include/asm/kvm_host.h that the TDP MMU lives in.  Private to
 * kvmmu/ (and its tests).
 *
 * Concurrency in the simulator.  Other threads run only at env_* calls
 * (yield points), so code between two env calls is atomic.  KVM state that
 * only KVM touches (the root list, refcounts, memslot arrays, the
 * invalidation sequence) is plain memory, and the sections the kernel
 * guards with spinlocks (tdp_mmu_pages_lock, mn_invalidate_lock) are written
 * without env calls inside.  State another agent reads or writes — SPTEs
 * (the CPU's walker), vcpu->requests and vcpu->mode (other vCPUs and the
 * IPI path), the dirty bitmap and ring (the VMM) — lives in env words and is
 * accessed only through env_read / env_write / atomics.
 */
#ifndef TDPSIM_KVMMU_KVM_HOST_H
#define TDPSIM_KVMMU_KVM_HOST_H

#include "kvmmu/env.h"
#include "kvmmu/kvmmu.h"
#include "kvmmu/spte.h"
#include "kvmmu/lockdep.h"
#include "kvmmu/kvm_model.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define INVALID_PAGE (~0ULL)
#define INVALID_GPA (~0ULL)
#define VALID_PAGE(x) ((x) != INVALID_PAGE)
#define BITS_PER_LONG 64

struct list_head {
	struct list_head *next, *prev;
};

/* ------------------------------------------------------------ requests */

#define KVM_REQUEST_MASK 0xffu
#define KVM_REQUEST_NO_WAKEUP (1u << 8)
#define KVM_REQUEST_WAIT (1u << 9)
#define KVM_REQUEST_NO_ACTION (1u << 10)
#define KVM_REQ_TLB_FLUSH (0u | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_DIRTY_RING_SOFT_FULL 3u
#define KVM_REQ_MMU_FREE_OBSOLETE_ROOTS (4u | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_TLB_FLUSH_CURRENT 5u
#define KVM_REQ_TLB_FLUSH_GUEST 6u
#define KVM_REQ_LOAD_MMU_PGD 7u
/* Waits like upstream (KVM_ARCH_REQ_FLAGS(30, WAIT | NO_WAKEUP)): once the
 * request returns no vCPU is in guest mode with the old PML setting, so the
 * D bits that enabling logging clears next cannot be set again unlogged by
 * a vCPU whose PML is still off.  (As a plain request here it let explore
 * find exactly that: a dirty-log miss in dirty-log-pml-vs-wp under pml.) */
#define KVM_REQ_UPDATE_CPU_DIRTY_LOGGING (8u | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)

/* vcpu->mode */
enum {
	OUTSIDE_GUEST_MODE = 0,
	IN_GUEST_MODE = 1,
	EXITING_GUEST_MODE = 2,
	READING_SHADOW_PAGE_TABLES = 3,
};

/* ----------------------------------------------------------- statistics */

/* Declared once; expanded into struct kvm_stat and the registration. */
#define KVM_VM_STATS(X)                                                       \
	KVM_MODEL_STATS(X)                                                   \
	X(pf_taken, "kvm.pf_taken", "faults handled (EPT violation/misconfig, #NPF)") \
	X(pf_fast, "kvm.pf_fast", "faults resolved by fast_page_fault without mmu_lock") \
	X(pf_fixed, "kvm.pf_fixed", "faults that installed an SPTE") \
	X(pf_spurious, "kvm.pf_spurious", "faults whose SPTE already allowed the access") \
	X(pf_retry, "kvm.pf_retry", "faults that returned to the guest to retry") \
	X(pf_stale, "kvm.pf_stale", "retries because an invalidation or a root change raced the fault") \
	X(pf_emulate, "kvm.pf_emulate", "faults completed by emulation (MMIO, write-tracked gfn)") \
	X(pf_mmio_spte_created, "kvm.pf_mmio_spte_created", "MMIO SPTEs installed") \
	X(pf_downgrade, "kvm.pf_downgrade", "faults that replaced a leaf allowing the access by one allowing less (E17)") \
	X(spte_present_to_mmio, "kvm.spte_present_to_mmio", "present leaves replaced directly by MMIO SPTEs (E6)") \
	X(pages_4k, "kvm.pages_4k", "4K leaf SPTEs (gauge)") \
	X(pages_2m, "kvm.pages_2m", "2M leaf SPTEs (gauge)") \
	X(pages_1g, "kvm.pages_1g", "1G leaf SPTEs (gauge)") \
	X(tdp_mmu_pages, "kvm.tdp_mmu_pages", "non-root TDP page-table pages (gauge)") \
	X(pt_pages_freed, "kvm.pt_pages_freed", "TDP page-table pages freed") \
	X(roots_alloc, "kvm.roots_alloc", "TDP roots allocated") \
	X(roots_reused, "kvm.roots_reused", "root loads that reused a valid root") \
	X(roots_freed, "kvm.roots_freed", "TDP roots freed") \
	X(roots_invalidated, "kvm.roots_invalidated", "TDP roots invalidated") \
	X(zapped_leafs, "kvm.zapped_leafs", "leaf SPTEs zapped") \
	X(fast_zaps, "kvm.fast_zaps", "kvm_mmu_zap_all_fast calls") \
	X(root_load_flush, "kvm.root_load_flush", "flushes of the current tag at root load") \
	X(splits, "kvm.huge_splits", "huge SPTEs split into 512 children") \
	X(split_alloc_drops, "kvm.split_alloc_drops", "eager-split allocations that dropped RCU and mmu_lock, then restarted the walk (mmu.split_alloc=drop-lock)") \
	X(huge_recovered, "kvm.huge_recovered", "huge SPTEs rebuilt in place when logging stopped") \
	X(collapsible_zapped, "kvm.collapsible_zapped", "non-leaf SPTEs zapped so a huge page can replace them") \
	X(nx_lpage_splits, "kvm.nx_lpage_splits", "tables kept only because the NX huge page mitigation disallowed a huge page: the recovery worker's list (gauge)") \
	X(nx_recovery_passes, "kvm.nx_recovery_passes", "passes of the NX huge page recovery worker") \
	X(nx_recovery_zapped, "kvm.nx_recovery_zapped", "tables the NX recovery worker zapped so a huge page can be mapped again") \
	X(spte_xchg, "kvm.spte_xchg", "write-lock SPTE writes done atomically because of volatile bits") \
	X(spte_cmpxchg_fail, "kvm.spte_cmpxchg_fail", "atomic SPTE updates that lost a race") \
	X(mmu_yields, "kvm.mmu_yields", "TDP MMU walks that dropped mmu_lock to yield")

struct kvm_stat {
#define KVM_STAT_FIELD(f, name, doc) u64 f;
	KVM_VM_STATS(KVM_STAT_FIELD)
#undef KVM_STAT_FIELD
};

/* ------------------------------------------------------------- memslots */

#define KVM_MEMSLOT_INVALID (1u << 16)

/* Arch data shared by every copy of a slot (KVM copies it across memslot
 * updates): write-tracking counts and the huge-page disallow counts they
 * imply.  Allocated on the first write-track. */
struct kvm_memslot_arch {
	u16 *gfn_write_track;          /* per gfn */
	u32 *disallow_lpage[2];        /* per 2M / 1G range of the slot */
	u64 *dirty_bitmap_spare;       /* env words kept across logging off/on */
	struct kvm_memslot_arch *next; /* all of them, for teardown */
};

struct kvm_memory_slot {
	gfn_t base_gfn;
	u64 npages;
	hva_t userspace_addr;
	u32 flags;
	u16 id;
	u16 as_id;
	/* One bit per page, env words (the VMM harvests them); NULL unless
	 * the slot logs into a bitmap. */
	u64 *dirty_bitmap;
	struct kvm_memslot_arch *arch;
	/* Retired copies stay allocated until the VM dies: a vCPU may hold a
	 * pointer across a yield (the kernel's SRCU). */
	struct kvm_memory_slot *grave_next;
};

struct kvm_memslots {
	struct kvm_memory_slot **slots; /* sorted by base_gfn */
	int nr;
};

static inline bool kvm_slot_dirty_track_enabled(const struct kvm_memory_slot *s)
{
	return s && (s->flags & KVM_MEM_LOG_DIRTY_PAGES);
}
static inline hva_t gfn_to_hva_memslot(const struct kvm_memory_slot *s, gfn_t gfn)
{
	return s->userspace_addr + ((gfn - s->base_gfn) << PAGE_SHIFT);
}

/* ---------------------------------------------------------------- roots */

/*
 * One page table of the TDP MMU, root or child: Linux's struct
 * kvm_mmu_page with the fields the TDP MMU uses.  Each table page has one,
 * found from the table's address by sptep_to_sp() (tdp_mmu.c), as Linux
 * finds it through page_private() of the table's struct page.
 */
struct kvm_mmu_page {
	/* Roots: on kvm->tdp_mmu_roots.  Children are on no list (the
	 * paging structure itself links them; 6.12 keeps only a count). */
	struct list_head link;
	/* On kvm->possible_nx_huge_pages while this table is all that keeps
	 * an NX huge page from being mapped (mmu.nx_huge_pages=on). */
	struct list_head possible_nx_huge_page_link;
	u64 *spt;                     /* the table: 512 SPTEs */
	u64 hpa;                      /* its host physical address */
	union kvm_mmu_page_role role; /* role.level: the level of its SPTEs */
	gfn_t gfn;                    /* first gfn it maps */
	u64 *ptep;                    /* the parent SPTE linking it; NULL for a root */
	/* Created by an exec fault that the NX huge page mitigation kept
	 * from mapping a huge page: faults that would map huge here step
	 * down instead (disallowed_hugepage_adjust). */
	bool nx_huge_page_disallowed;
	bool rcu_free_pending;        /* its free waits for a grace period */
	/* Roots only.  One reference per vCPU using it, one the TDP MMU holds
	 * while the root is valid (the 6.6+ scheme); only invalid roots
	 * reach 0. */
	int tdp_mmu_root_count;
	bool tdp_mmu_scheduled_root_to_zap;
	u64 serial;                   /* creation order, for per-root ASIDs */
	u32 asid;                     /* svm.asid=per-root */
	struct kvm *kvm;
	/* Not in Linux: the index sptep_to_sp() searches (the struct page
	 * array's stand-in), and this header's chain in it. */
	struct kvm_mmu_page_index *index;
	struct kvm_mmu_page *index_next;
};

static inline int kvm_mmu_role_as_id(union kvm_mmu_page_role role)
{
	return role.smm ? 1 : 0;
}

struct kvm_mmu {
	u64 root_hpa;                 /* INVALID_PAGE when unloaded */
	struct kvm_mmu_page *root;
	union kvm_mmu_page_role root_role;
};

/* --------------------------------------------------------------- vCPUs */

struct kvm_vcpu {
	struct kvm *kvm;
	struct env_vcpu *ev;
	struct env_vmcs *vmcs;
	unsigned vcpu_idx;
	u64 *requests;     /* env word: pending KVM_REQ_* bits */
	u64 *mode;         /* env word: OUTSIDE/IN/EXITING_GUEST_MODE */
	struct kvm_vcpu_srcu srcu; /* inside kvm->srcu (kvm_model.h) */
	struct kvm_mmu mmu;
	bool smm;
	int cpu;           /* pCPU at the last vcpu_load */
	struct kvm_run run;
	struct kvm_dirty_ring dirty_ring;
	struct {
		u16 vpid;
		u64 *pml_pg;
		bool pml_enabled;
	} vmx;
	struct kvm_svm_vcpu svm;
};

/* ------------------------------------------------- vendor and host state */

/* Host-wide (module) state: per-pCPU SVM data, the VPID bitmap, the ASID
 * pool for per-root and per-VM ASIDs. */
struct kvm_x86_host {
	unsigned nr_pcpus;
	struct svm_cpu_data *svm_data;
	u64 vpid_bitmap[65536 / 64];
	u64 *asid_pool;          /* per-root / static: ASIDs in use */
	u32 asid_pool_bits;
};

struct kvm_x86_ops {
	const char *name;
	int (*vm_init)(struct kvm *kvm);
	void (*vm_destroy)(struct kvm *kvm);
	int (*vcpu_create)(struct kvm_vcpu *vcpu);
	void (*vcpu_free)(struct kvm_vcpu *vcpu);
	/* The vCPU was loaded on another pCPU (vcpu_load). */
	void (*vcpu_load)(struct kvm_vcpu *vcpu, int cpu);
	void (*flush_tlb_all)(struct kvm_vcpu *vcpu);
	void (*flush_tlb_current)(struct kvm_vcpu *vcpu);
	void (*flush_tlb_guest)(struct kvm_vcpu *vcpu);
	void (*load_mmu_pgd)(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level);
	/* Prepare the VMCS/VMCB for this entry and run the guest. */
	void (*vcpu_run)(struct kvm_vcpu *vcpu, struct env_exit *exit);
	/* Right after the exit, before handling it (PML drain). */
	void (*handle_exit_irqoff)(struct kvm_vcpu *vcpu);
	/* 1: re-enter; 0: return to userspace with run.exit_reason set. */
	int (*handle_exit)(struct kvm_vcpu *vcpu, struct env_exit *exit);
	void (*update_cpu_dirty_logging)(struct kvm_vcpu *vcpu);
	void (*tdp_root_created)(struct kvm *kvm, struct kvm_mmu_page *root);
	void (*tdp_root_freed)(struct kvm *kvm, struct kvm_mmu_page *root);
};

extern const struct kvm_x86_ops vmx_x86_ops;
extern const struct kvm_x86_ops svm_x86_ops;

/* ------------------------------------------------------------------ VM */

struct kvm {
	struct env *env;
	struct kvmmu_policy pol;
	struct spte_masks m;          /* the SPTE format (shadow_* masks) */
	const struct kvm_x86_ops *x86;
	struct kvm_x86_host *host;
	int tdp_root_level;

	struct kvm_vcpu **vcpus;
	unsigned nr_vcpus;

	/* TDP MMU */
	struct list_head tdp_mmu_roots;
	u64 root_serial;
	struct kvm_mmu_page_index *sp_index; /* sptep_to_sp(); tdp_mmu.c */
	/* Tables whose zap would let an NX huge page be mapped again, oldest
	 * first: what the NX recovery worker zaps (tdp_mmu_pages_lock's). */
	struct list_head possible_nx_huge_pages;

	/* Memslots */
	struct kvm_memslots memslots[KVM_ADDRESS_SPACE_NUM];
	struct kvm_memory_slot *graveyard;
	struct kvm_memslot_arch *slot_archs;
	int nr_memslots_dirty_logging;
	/* The memslot generation MMIO SPTEs are checked against: odd while
	 * an update is in progress, +2 per update (kvm_memslots.generation
	 * with KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS). */
	u64 mmio_gen;

	/* mmu_notifier state (kvm_main.c) */
	u64 mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	gfn_t mmu_invalidate_range_start;
	gfn_t mmu_invalidate_range_end;
	long mn_active_invalidate_count;

	/* Dirty logging mode, fixed at creation from the policy. */
	bool dirty_ring;              /* log into per-vCPU rings */
	bool manual_dirty_log_protect;
	bool manual_init_set;         /* ...with KVM_DIRTY_LOG_INITIALLY_SET */
	int cpu_dirty_log_size;       /* 512 with PML, else 0 */
	bool pml_always;              /* mmu.pml_enable=always */
	u32 static_asid;              /* svm.asid=static-per-vm */

	struct kvm_stat stat;
};

static inline bool kvm_dirty_log_manual_protect_and_init_set(struct kvm *kvm)
{
	return kvm->manual_dirty_log_protect && kvm->manual_init_set;
}
static inline bool kvm_ad_enabled(const struct kvm *kvm)
{
	return kvm->m.ad_enabled;
}

/* ------------------------------- the model's accessors (kvmmu/kvm_model.h) */

static inline struct kvm_stat *kvm_mstat(struct kvm *kvm) { return &kvm->stat; }
static inline unsigned kvm_online_vcpus(const struct kvm *kvm) { return kvm->nr_vcpus; }
static inline struct kvm_run *kvm_vcpu_run_state(struct kvm_vcpu *vcpu) { return &vcpu->run; }
static inline struct kvm_dirty_ring *kvm_vcpu_dirty_ring(struct kvm_vcpu *vcpu)
{
	return &vcpu->dirty_ring;
}
static inline bool kvm_use_dirty_ring(const struct kvm *kvm) { return kvm->dirty_ring; }
static inline u32 kvm_dirty_ring_entries(const struct kvm *kvm)
{
	return (u32)kvm->pol.mmu_dirty_ring_size;
}
static inline int kvm_cpu_dirty_log_size(const struct kvm *kvm) { return kvm->cpu_dirty_log_size; }
static inline bool kvm_manual_protect(const struct kvm *kvm) { return kvm->manual_dirty_log_protect; }
static inline u64 *kvm_slot_dirty_bitmap(const struct kvm_memory_slot *s) { return s->dirty_bitmap; }
/* kvmmu's mmu_lock is the env's rwlock.  kvmmu models no slots_lock: its
 * dirty-log ioctls and memslot updates are not serialized against each
 * other (the Linux build's are, by the kernel's mutex). */
static inline void kvm_mmu_lock_write(struct kvm *kvm) { env_write_lock(kvm->env); }
static inline void kvm_mmu_unlock_write(struct kvm *kvm) { env_write_unlock(kvm->env); }
static inline void kvm_slots_lock(struct kvm *kvm) { }
static inline void kvm_slots_unlock(struct kvm *kvm) { }
static inline void kvm_model_enter(struct kvm *kvm) { }
static inline void kvm_model_leave(struct kvm *kvm) { }
static inline const struct kvmmu_policy *kvm_policy(const struct kvm *kvm) { return &kvm->pol; }
static inline struct env_vcpu *kvm_vcpu_ev(const struct kvm_vcpu *vcpu) { return vcpu->ev; }
static inline struct env_vmcs *kvm_vcpu_vmcs(const struct kvm_vcpu *vcpu) { return vcpu->vmcs; }
static inline u64 *kvm_vcpu_mode(const struct kvm_vcpu *vcpu) { return vcpu->mode; }
static inline struct kvm_vcpu_srcu *kvm_vcpu_srcu(struct kvm_vcpu *vcpu) { return &vcpu->srcu; }
static inline u64 *kvm_vcpu_pml_page(const struct kvm_vcpu *vcpu) { return vcpu->vmx.pml_pg; }
static inline hva_t kvm_slot_hva(const struct kvm_memory_slot *s, gfn_t gfn)
{
	return gfn_to_hva_memslot(s, gfn);
}
static inline void kvm_x86_flush_tlb_all(struct kvm_vcpu *vcpu) { vcpu->kvm->x86->flush_tlb_all(vcpu); }
static inline void kvm_x86_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->x86->flush_tlb_current(vcpu);
}
static inline void kvm_x86_flush_tlb_guest(struct kvm_vcpu *vcpu) { vcpu->kvm->x86->flush_tlb_guest(vcpu); }
static inline void kvm_x86_vcpu_load(struct kvm_vcpu *vcpu, int cpu) { vcpu->kvm->x86->vcpu_load(vcpu, cpu); }
static inline void kvm_x86_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	vcpu->kvm->x86->vcpu_run(vcpu, exit);
}
static inline void kvm_x86_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	if (vcpu->kvm->x86->handle_exit_irqoff)
		vcpu->kvm->x86->handle_exit_irqoff(vcpu);
}
static inline int kvm_x86_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	return vcpu->kvm->x86->handle_exit(vcpu, exit);
}
static inline void kvm_x86_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->x86->update_cpu_dirty_logging(vcpu);
}
static inline void kvm_vcpu_exit_done(struct kvm_vcpu *vcpu) { }
static inline u64 kvm_vcpu_mmu_root(const struct kvm_vcpu *vcpu) { return vcpu->mmu.root_hpa; }
static inline int kvm_vcpu_root_level(const struct kvm_vcpu *vcpu) { return vcpu->mmu.root_role.level; }
static inline u16 *kvm_vcpu_vpid(struct kvm_vcpu *vcpu) { return &vcpu->vmx.vpid; }
static inline u64 **kvm_vcpu_pml_pagep(struct kvm_vcpu *vcpu) { return &vcpu->vmx.pml_pg; }
static inline u64 *kvm_vpid_bitmap(struct kvm *kvm) { return kvm->host->vpid_bitmap; }
static inline bool kvm_eptp_ad(const struct kvm *kvm) { return kvm_ad_enabled(kvm); }
static inline struct kvm_svm_vcpu *kvm_vcpu_svm(struct kvm_vcpu *vcpu) { return &vcpu->svm; }
static inline struct svm_cpu_data *kvm_svm_cpu(struct kvm *kvm, int cpu)
{
	ENV_ASSERT(kvm->env, cpu >= 0 && (unsigned)cpu < kvm->host->nr_pcpus);
	return &kvm->host->svm_data[cpu];
}
/* kvm_main.c: per-root and per-VM ASIDs, which live in kvmmu's roots. */
u64 kvm_svm_fixed_asid(struct kvm_vcpu *vcpu, u32 *asid);
void kvm_svm_root_asid_load(struct kvm_vcpu *vcpu);
/* The fault entry the vendors' exit handlers call (mmu_internal.h). */
#define kvm_x86_page_fault(vcpu, gpa, error_code) kvm_mmu_page_fault(vcpu, gpa, error_code)
static inline bool kvm_pml_wanted(const struct kvm *kvm)
{
	return kvm->pml_always || kvm->nr_memslots_dirty_logging > 0;
}
static inline struct kvm_memslots *kvm_model_memslots(struct kvm *kvm, int as_id)
{
	return &kvm->memslots[as_id];
}
static inline long *kvm_mn_active_invalidate_count(struct kvm *kvm)
{
	return &kvm->mn_active_invalidate_count;
}
struct kvm_gfn_range;
static inline void kvm_notifier_range_init(struct kvm_gfn_range *range) { }
/* kvm_main.c: the invalidation bracket and the handlers as the notifier
 * dispatch calls them. */
void kvm_notifier_invalidate_begin(struct kvm *kvm, hva_t start, hva_t end);
void kvm_notifier_invalidate_end(struct kvm *kvm, hva_t start, hva_t end);
bool kvm_notifier_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
void kvm_notifier_release(struct kvm *kvm);
/* Host memory of the model: NULL when there is none, and the caller
 * returns -ENOMEM (or falls back) as the kernel's does on a failed kzalloc. */
static inline void *kvm_model_realloc(void *p, size_t size) { return realloc(p, size); }
static inline void *kvm_model_calloc(size_t n, size_t size) { return calloc(n, size); }
static inline void kvm_model_free(void *p) { free(p); }

/* ---------------------------------------------------- requests (kvm_main.c) */

static inline void kvm_make_request(unsigned req, struct kvm_vcpu *vcpu)
{
	env_fetch_or(vcpu->kvm->env, vcpu->requests,
		     1ULL << (req & KVM_REQUEST_MASK));
}
static inline bool kvm_test_request(unsigned req, struct kvm_vcpu *vcpu)
{
	return env_read(vcpu->kvm->env, vcpu->requests) &
	       (1ULL << (req & KVM_REQUEST_MASK));
}
static inline void kvm_clear_request(unsigned req, struct kvm_vcpu *vcpu)
{
	env_fetch_and(vcpu->kvm->env, vcpu->requests,
		      ~(1ULL << (req & KVM_REQUEST_MASK)));
}
static inline bool kvm_check_request(unsigned req, struct kvm_vcpu *vcpu)
{
	if (!kvm_test_request(req, vcpu))
		return false;
	kvm_clear_request(req, vcpu);
	return true;
}
static inline bool kvm_request_pending(struct kvm_vcpu *vcpu)
{
	return env_read(vcpu->kvm->env, vcpu->requests) != 0;
}

/* kvm_main.c */
static inline void kvm_flush_remote_tlbs_gfn(struct kvm *kvm, gfn_t gfn, int level)
{
	(void)gfn, (void)level; /* no ranged flush without Hyper-V */
	kvm_flush_remote_tlbs(kvm);
}
static inline void kvm_flush_remote_tlbs_memslot(struct kvm *kvm,
						 const struct kvm_memory_slot *s)
{
	(void)s;
	kvm_flush_remote_tlbs(kvm);
}
struct kvm_memory_slot *kvm_gfn_to_memslot(struct kvm *kvm, int as_id, gfn_t gfn);
struct kvm_memory_slot *kvm_vcpu_gfn_to_memslot(struct kvm_vcpu *vcpu, gfn_t gfn);
/* mmu_invalidate_retry_gfn: a fault snapshot @mmu_seq is stale for @gfn. */
bool mmu_invalidate_retry_gfn(struct kvm *kvm, u64 mmu_seq, gfn_t gfn);
/* The snapshot as the policy's width sees it (E7: a sign-extended int). */
u64 kvm_mmu_invalidate_seq_snapshot(struct kvm *kvm);

/* dirty_log.c */
void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *slot,
			     gfn_t gfn);
void kvm_vcpu_mark_page_dirty(struct kvm_vcpu *vcpu, gfn_t gfn);
int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu);
bool kvm_dirty_ring_check_request(struct kvm_vcpu *vcpu);
u64 *kvm_alloc_dirty_bitmap(struct kvm *kvm, const struct kvm_memory_slot *s);

/* x86.c, mmu.c */
void kvm_mmu_slot_apply_flags(struct kvm *kvm, const struct kvm_memory_slot *old,
			      const struct kvm_memory_slot *new_slot, int change);
void kvm_mmu_update_cpu_dirty_logging(struct kvm *kvm, bool enable);
void kvm_arch_sync_dirty_log(struct kvm *kvm);
void kvm_arch_mmu_enable_log_dirty_pt_masked(struct kvm *kvm,
					     struct kvm_memory_slot *slot,
					     gfn_t gfn_offset, u64 mask);

enum kvm_mr_change {
	KVM_MR_CREATE,
	KVM_MR_DELETE,
	KVM_MR_MOVE,
	KVM_MR_FLAGS_ONLY,
};
int kvm_memslot_prepare(struct kvm *kvm, const struct kvm_memory_slot *old,
			struct kvm_memory_slot *new_slot, enum kvm_mr_change change);
void kvm_memslot_commit(struct kvm *kvm, const struct kvm_memory_slot *old,
			const struct kvm_memory_slot *new_slot, enum kvm_mr_change change);

/* Intrusive list helpers. */
static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void list_add_rcu(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->next = h;
	n->prev = h->prev;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}
/* Unlink but keep n->next: a reader standing on @n can still move on. */
static inline void list_del_rcu(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = NULL;
}
#define container_of(ptr, type, member)                                       \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif
