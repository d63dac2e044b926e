/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/env.h — the kernel and the hardware that kvmmu runs in.
 *
 * kvmmu is KVM's x86 TDP MMU (plus the slice of x86.c / vmx.c / svm.c that
 * loads roots, services requests and handles exits) written against this
 * header only.  sim/ implements it on the simulated machine; tests implement
 * it with a mock.  Everything a kernel would give KVM comes through here:
 * READ_ONCE / WRITE_ONCE and atomics on SPTEs, mmu_lock, RCU, page-table
 * pages, folios and gfn->pfn, IPIs, and the VMX/SVM control state and TLB
 * instructions.
 *
 * Every operation on a shared word is a yield point of the simulation: other
 * threads (vCPUs, the hardware walker setting A/D, host kthreads) may run
 * between any two of them, exactly as between instructions on real CPUs.
 * Plain C accesses to a shared word are a bug; always go through env_*.
 *
 * What can fail.  Two calls allocate and may return NULL: env_alloc_words
 * and env_alloc_pt_page (no frame left in the host, or no memory in the
 * process); kvmmu's own allocations (calloc, kvm_model_calloc) may fail the
 * same way.  kvmmu then fails the operation as KVM does, with nothing half
 * done: a fault returns -ENOMEM and KVM_RUN ends with
 * KVM_EXIT_INTERNAL_ERROR, as does loading a root; an eager split stops
 * (write faults split the rest); a memslot update or write tracking
 * returns -ENOMEM with nothing changed; kvm_create_vm returns NULL.  No
 * other env call fails; an impossible state is reported through
 * env_assert_fail (a model-assert finding of the run in the simulator,
 * cmocka's mock_assert in tests).
 */
#ifndef TDPSIM_KVMMU_ENV_H
#define TDPSIM_KVMMU_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef uint64_t gfn_t;
typedef uint64_t gpa_t;
typedef uint64_t hva_t;
typedef uint64_t kvm_pfn_t;

struct env;      /* one VM's world: host kernel + machine */
struct env_vcpu; /* the hardware side of one vCPU: its VMCS/VMCB, its thread */

/* ------------------------------------------------------------- time, cost */

/* (Linux MMU build) Whether the caller runs on a simulated thread: false
 * while the VM is set up or torn down, when nothing else runs and no
 * operation may yield. */
bool env_on_thread(struct env *e);
/* Cycles of hypervisor work done by the current thread (not a yield point). */
void env_charge(struct env *e, u64 cycles);
u64 env_now(struct env *e);
/* Kernel threads of the VM (the NX recovery worker) run as daemons: they
 * never keep a finished run alive while they sleep, but the run waits for
 * the work they do between sleeps, as stopping a kthread waits for its
 * function.  env_sleep puts the current kernel thread to sleep @cycles
 * (schedule_timeout): a yield point, accounted as idle; a sleep past the
 * end of time (UINT64_MAX) never ends, and when nothing else is live the
 * run ends in it. */
void env_sleep(struct env *e, u64 cycles);
/* The kvmmu cost of one named software step, from the params table
 * (lat.kvm.*): see enum env_cost. */
enum env_cost {
	ENV_COST_FAULT,       /* kvm_mmu_page_fault entry/exit bookkeeping */
	ENV_COST_SPTE_STEP,   /* one tdp_iter step (excluding the SPTE access) */
	ENV_COST_MAKE_SPTE,   /* make_spte */
	ENV_COST_REQUEST,     /* servicing one vCPU request */
	ENV_COST_ROOT_ALLOC,  /* allocating and linking a root */
	ENV_COST_GFN_TO_PFN,  /* hva_to_pfn fast path (page already present) */
	ENV_COST_DIRTY_LOG,   /* mark_page_dirty_in_slot / one bitmap word */
	ENV_NCOST
};
void env_cost(struct env *e, enum env_cost c);

/* Assertion of a kernel invariant (lockdep, WARN_ON).  In the simulator a
 * failed one is reported as a model bug; in tests it routes to cmocka's
 * mock_assert so a violated invariant is itself testable. */
void env_assert_fail(struct env *e, const char *what, const char *file,
		     int line);
/* A WARN_ON / KVM_BUG_ON / lockdep assertion failed in a kernel tree's own
 * code (the Linux MMU build): reported as the kernel-warn violation naming
 * the tree's @file:@line and the condition.  @fatal for BUG(): the run
 * stops after reporting. */
void env_kernel_warn(struct env *e, const char *file, int line,
		     const char *cond, bool fatal);
#define ENV_ASSERT(e, cond)                                                  \
	do {                                                                 \
		if (!(cond))                                                 \
			env_assert_fail((e), #cond, __FILE__, __LINE__);     \
	} while (0)

/* ----------------------------------------------------- shared words, SPTEs */

/* READ_ONCE / WRITE_ONCE / xchg / try_cmpxchg / atomic and-or on a 64-bit
 * word in simulated memory (an SPTE, a request word, vcpu->mode). */
u64 env_read(struct env *e, const u64 *p);
void env_write(struct env *e, u64 *p, u64 v);
u64 env_xchg(struct env *e, u64 *p, u64 v);
/* On failure *old is updated to the current value. */
bool env_cmpxchg(struct env *e, u64 *p, u64 *old, u64 v);
u64 env_fetch_or(struct env *e, u64 *p, u64 v);
u64 env_fetch_and(struct env *e, u64 *p, u64 v);
/* @n zeroed shared words (request bits, mode); lives as long as the VM.
 * NULL when there is no memory for them. */
u64 *env_alloc_words(struct env *e, size_t n);

/* Page-table pages: 512 zeroed entries, 4 KiB aligned, in simulated memory,
 * so the hardware walker reads the very same words.  Free a page only after
 * an RCU grace period (from an env_call_rcu callback): it is poisoned, and a
 * walk that reads it afterwards is reported.  NULL when the host has no
 * frame left. */
u64 *env_alloc_pt_page(struct env *e);
void env_free_pt_page(struct env *e, u64 *page);
u64 env_pt_pa(struct env *e, const u64 *page); /* host physical address */
u64 *env_pt_va(struct env *e, u64 pa);

/* ------------------------------------------------- mmu_lock, RCU, resched */

void env_read_lock(struct env *e);
void env_read_unlock(struct env *e);
void env_write_lock(struct env *e);
void env_write_unlock(struct env *e);
bool env_lock_held_read(struct env *e);
bool env_lock_held_write(struct env *e);
/* rwlock_needbreak: someone waits for mmu_lock. */
bool env_lock_needbreak(struct env *e);
/* need_resched(): the scheduler wants this CPU (explore may say yes). */
bool env_need_resched(struct env *e);
/* A point where a preemptible kernel may run someone else. */
void env_cond_resched(struct env *e);

void env_rcu_read_lock(struct env *e);
void env_rcu_read_unlock(struct env *e);
bool env_rcu_read_held(struct env *e);
void env_call_rcu(struct env *e, void (*fn)(struct env *, void *), void *arg);
void env_synchronize_rcu(struct env *e);


/* --------------------------------------------------- host memory, folios */

/* Result of faulting in a host page for a guest access (hva_to_pfn). */
struct env_pfn {
	kvm_pfn_t pfn;   /* the 4 KiB frame backing the hva */
	bool writable;   /* the host mapping allows writes */
	int host_level;  /* host mapping size: 1 = 4K, 2 = 2M, 3 = 1G */
};
/* 0, or -EFAULT when the hva is not mapped by any VMA. */
int env_faultin_pfn(struct env *e, hva_t hva, bool write, struct env_pfn *out);
/* The host mapping level of @hva now, without faulting (1 if unmapped):
 * host_pfn_mapping_level, for huge-page recovery. */
int env_host_mapping_level(struct env *e, hva_t hva);

/* Why a folio is marked dirty, for the folio.mark_dirty.{map,zap} stats. */
enum env_dirty_why { ENV_DIRTY_MAP, ENV_DIRTY_ZAP };
void env_folio_mark_dirty(struct env *e, kvm_pfn_t pfn, enum env_dirty_why why);
void env_folio_mark_accessed(struct env *e, kvm_pfn_t pfn);

/* ---------------------------------------------------------- vCPUs, IPIs */

unsigned env_nr_vcpus(struct env *e);
struct env_vcpu *env_vcpu(struct env *e, unsigned idx);
/* The vCPU whose thread is running, or NULL on a host thread. */
struct env_vcpu *env_current_vcpu(struct env *e);
/* The physical CPU a vCPU is loaded on (changes when the host migrates it;
 * env_vcpu_migrated() tells KVM at its next entry, like vcpu_load). */
unsigned env_vcpu_pcpu(struct env_vcpu *v);
unsigned env_nr_pcpus(struct env *e);

/* Sends a reschedule/kick IPI to the pCPU running @target.  If @target is
 * in guest mode it exits (external interrupt).  With @wait the sender spins
 * until the target acknowledges (smp_call_function with wait): send cost +
 * delivery latency + the target's exit (if in guest mode) + ack. */
void env_kick_vcpu(struct env *e, struct env_vcpu *target, bool wait);
/* (kvmmu addition) Kicks @n vCPUs as smp_call_function_many does: every
 * IPI is sent first, then, with @wait, the sender waits once until all of
 * them acknowledged (kvm_make_all_cpus_request; the cost is one round trip
 * plus the slowest target, not the sum). */
void env_kick_vcpus(struct env *e, struct env_vcpu *const *targets, unsigned n,
		    bool wait);

/* ------------------------------------- VMX/SVM control state, instructions */

enum env_vendor { ENV_INTEL, ENV_AMD };
enum env_vendor env_vendor(struct env *e);
/* Hardware capabilities the vendor code consults. */
struct env_caps {
	bool ept_ad;        /* EPT A/D bits (Intel) */
	bool pml;           /* PML (Intel; AMD when svm.pml=on) */
	bool flush_by_asid; /* SVM FLUSHBYASID */
	int tdp_levels;     /* 4 or 5 */
	int maxphyaddr;     /* host physical address bits (CPUID 0x80000008) */
	u32 max_asid;       /* CPUID 0x8000000A EBX - 1 */
	u32 min_asid;       /* first ASID KVM may use (after SEV's) */
	bool hv_enlightened_npt_tlb; /* (AMD) on Hyper-V with EnlightenedNptTlb:
				      * TLB_CONTROL keeps NPT translations */
	u64 tsc_khz;        /* cycles per millisecond (cpu.mhz x 1000): a
			     * jiffy at HZ=1000 */
};
const struct env_caps *env_caps(struct env *e);

/* The VMCS / VMCB fields KVM writes and the hardware reads at VM entry. */
enum env_tlb_ctl {
	ENV_TLB_CTL_NONE = 0,        /* TLB_CONTROL_DO_NOTHING */
	ENV_TLB_CTL_FLUSH_ALL = 1,   /* every ASID */
	ENV_TLB_CTL_FLUSH_ASID = 3,  /* this ASID */
	ENV_TLB_CTL_FLUSH_ASID_LOCAL = 7, /* this ASID, non-global entries */
};
struct env_vmcs {
	/* Intel */
	u64 eptp;           /* root | memtype WB | PWL-1 << 3 | A/D << 6 */
	u16 vpid;           /* 0: VPID disabled */
	bool pml_enabled;   /* secondary control "enable PML" */
	u64 *pml_page;      /* 512 GPA entries, filled from index 511 down */
	u16 pml_index;
	/* AMD */
	u64 ncr3;           /* nested CR3: the NPT root */
	u32 asid;
	enum env_tlb_ctl tlb_ctl; /* consumed (reset to NONE) at VMRUN */
};
struct env_vmcs *env_vcpu_vmcs(struct env_vcpu *v);

/* TLB instructions, executed on the current pCPU only. */
enum env_invept { ENV_INVEPT_SINGLE = 1, ENV_INVEPT_GLOBAL = 2 };
void env_invept(struct env *e, enum env_invept type, u64 eptp);
enum env_invvpid {
	ENV_INVVPID_ADDR = 0,
	ENV_INVVPID_SINGLE = 1,
	ENV_INVVPID_ALL = 2,
	ENV_INVVPID_SINGLE_NONGLOBAL = 3,
};
void env_invvpid(struct env *e, enum env_invvpid type, u16 vpid, u64 gva);

/* (Hyper-V, with caps->hv_enlightened_npt_tlb) The hypercall
 * HvCallFlushGuestPhysicalAddressSpace: before it returns, the L0
 * hypervisor drops the guest-physical translations of the address space
 * rooted at @root on every processor. */
void env_hv_flush_guest_mapping(struct env *e, u64 root);

/* ------------------------------------------------------- running the guest */

enum env_exit_reason {
	ENV_EXIT_NONE,
	ENV_EXIT_EPT_VIOLATION,  /* Intel: gpa, qual (SDM table 28-7) */
	ENV_EXIT_EPT_MISCONFIG,  /* Intel: gpa */
	ENV_EXIT_NPF,            /* AMD: gpa, qual = EXITINFO1 error code */
	ENV_EXIT_PML_FULL,       /* Intel / AMD PML */
	ENV_EXIT_EXTINT,         /* an IPI kicked the vCPU out */
	ENV_EXIT_HLT,            /* the guest's workload is over: stop running */
};
struct env_exit {
	enum env_exit_reason reason;
	gpa_t gpa;
	u64 qual;
};

/* Enters guest mode with the state in env_vcpu_vmcs() and runs the guest
 * until its next exit, which is returned.  The caller sets vcpu->mode and
 * checks requests around it exactly as vcpu_enter_guest does. */
void env_vcpu_run_guest(struct env *e, struct env_vcpu *v,
			struct env_exit *exit);
/* True once since the last call if the vCPU moved to another pCPU (KVM's
 * vcpu_load on a new CPU: raise KVM_REQ_TLB_FLUSH, reset the SVM ASID
 * generation).  kvmmu calls it (and env_vcpu_pcpu) at the top of each
 * entry and again after publishing IN_GUEST_MODE; a move must not happen
 * between that second call and env_vcpu_run_guest (interrupts are off),
 * or the first entry on the new pCPU would skip KVM's flush. */
bool env_vcpu_migrated(struct env_vcpu *v);

/* (kvmmu addition) KVM emulated the access @v last exited on instead of
 * mapping it: the vCPU completes that access without a translation and
 * moves on to its next one.  @hva != 0: RAM (a write to a write-tracked
 * gfn) — perform it on the frame the VMM's @hva maps (a write bumps its
 * version).  @hva == 0: MMIO or a write to a read-only slot — the device
 * model takes it; no memory changes. */
void env_vcpu_emulate_access(struct env *e, struct env_vcpu *v, gpa_t gpa,
			     hva_t hva);

/* --------------------------------------------------------------- stats */

/* Per-VM statistics kvmmu keeps are registered by name through here. */
void env_stat_register(struct env *e, const char *name, u64 *counter);

#endif
