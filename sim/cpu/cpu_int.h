/* SPDX-License-Identifier: GPL-2.0-only */
/* sim/cpu internals shared by cpu.c (the hardware) and env.c (kvmmu's env). */
#ifndef TDPSIM_SIM_CPU_INT_H
#define TDPSIM_SIM_CPU_INT_H

#include "kvmmu/env.h"
#include "sim/cpu/cpu.h"
#include "sim/ept/ept.h"
#include "sim/pml/pml.h"
#include "sim/tlb/tlb.h"
#include "sim/core/compiler.h"

#define CPU_BATCH 256

struct pcpu {
	unsigned id;
	struct tlb *tlb;
	struct vcpu *owner;  /* whose TLB context is loaded */
	unsigned nvcpus;     /* vCPUs placed here (their v->pcpu) */
};

/* A sender waiting for its kicks to be acknowledged (on its stack). */
struct kick_wait {
	struct sim_thread *t;
	unsigned pending;   /* guest-mode targets that have not acked yet */
	cycles_t latest;    /* the latest acknowledgment so far */
};

struct vcpu {
	struct machine *m;
	unsigned idx;
	struct sim_thread *thread;
	unsigned pcpu;
	unsigned migrate_to;      /* UINT32_MAX: stay */
	bool migrated;            /* since KVM last asked (env_vcpu_migrated) */
	bool in_guest;
	bool entering;            /* past KVM's last request check, not yet in
				   * guest mode: interrupts are off */
	bool done;                /* the guest's workload is over */
	struct env_vmcs vmcs;
	struct tlb_tag tag;       /* TLB context loaded at the last VM entry */

	/* Kick IPIs: the earliest pending arrival, and who waits for the ack. */
	cycles_t kick_at;
	struct kick_wait *ack_waiters[64];
	unsigned nack_waiters;

	/* The access stream and the access in progress. */
	struct trace_rec batch[CPU_BATCH];
	size_t bpos, blen;
	bool have_cur;            /* cur is fetched but not yet performed */
	bool gap_done;            /* its gap has been started */
	cycles_t gap_until;       /* the guest's work before it ends here */
	bool retry;               /* it exited: skip the TLB lookup next time */
	struct trace_rec cur;
	unsigned cur_need;        /* what cur needs of a translation (need_of, | upage) */
	uint64_t split_done;      /* bytes of cur already performed */

	/* Minimal guest OS (guest.paging != none). */
	/* The process it belongs to (vcpu_set_aspace): the guest address
	 * space it enters first. */
	unsigned aspace;
	/* GPA of the top-level guest table, valid once guest_cr3_set: the
	 * first guest frame is GPA 0, so 0 is a CR3 like any other. */
	uint64_t guest_cr3;
	bool guest_cr3_set;
	/* Frame chosen for the entry being written, while guest_pf_pending
	 * (it survives the exits the entry's own write takes). */
	uint64_t guest_pf_frame;
	bool guest_pf_pending;
	/* The current PCID (trace MOV CR3 records set it). */
	uint16_t pcid;
	struct pml pml;           /* loaded from / stored to the VMCS */
	/* Its accesses' walker, prepared at each VM entry (the EPTP or
	 * nCR3, the pCPU's caches); walk_prep: walk_prepare()'s result. */
	struct walker walker;
	int walk_prep;

	struct rng rng;
	uint64_t accesses;
	/* By access kind (TRACE_READ .. TRACE_FETCH), registered as
	 * "vcpuN.KIND.*".  cycles count from v->gap_until, the current
	 * access's issue. */
	struct cpu_kind_stats kst[3];
	/* Oracle 6: the gfn of the last exit on a page, until the access
	 * lands (KVM may be handling it: it may map the page writable). */
	bool exit_pending;
	uint64_t exit_gfn;
	/* The no-progress oracle: exits in a row since @accesses last moved
	 * (it read @stall_mark then). */
	uint64_t stall, stall_mark;
};

struct machine {
	struct sim *sim;
	struct check *check;
	struct host *host;
	const struct cpu_params *p;	/* = &cpu */
	struct cpu_params cpu;
	struct walk_params walk;	/* every walk_req points here */
	bool tlb_psc;			/* tlb.psc=on: walks use the PSCs */
	bool hv_enlightened_npt_tlb;	/* svm.hv_enlightened_npt_tlb=on */
	struct env *env;
	struct machine_accts acct;
	unsigned npcpus, nvcpus;
	struct pcpu *pcpus;
	struct vcpu *vcpus;
	cpu_source_fn *source;
	void *source_ctx;
	cpu_vcpu_run_fn *run;
	void *hv;
	struct tlb_stats tlb_total;  /* summed over pCPUs at the end */
	struct walk_cache **ptc;     /* per pCPU page-table line cache, or NULLs */
	/* Which TLB levels exist (a lookup probes only those): [TLB_L1D],
	 * [TLB_L1I], [TLB_L2]; for the per-kind counts. */
	bool tlb_has[3];
	int glevels;		/* guest paging levels: 0 (none), 4 or 5 */
	unsigned upage;		/* TLB_U with guest paging (accesses at CPL 3), else 0 */
	struct walk_stats walk_stats;
	const uint64_t *data_freed_at; /* the host's, for the stale check */
	/* Oracle 6: per guest page, the CPU_WRPROT_* promises in force and
	 * WRPROT_ARMED; allocated at first use (NULL: nothing to check). */
	uint8_t *wrprot;
	uint64_t wrprot_pages;
	struct trace_seg *segs;       /* the replayed program's PT_LOAD segments */
	size_t nsegs;
	uint64_t next_guest_frame;  /* minimal guest OS: first-touch order */
	/* The guest's address spaces, VM-wide: a vCPU enters its process's
	 * (vcpu_set_aspace) and trace MOV CR3 records switch it to others;
	 * the vCPUs of one process share its page tables.  Each space's
	 * top-level table is allocated at the space's first use. */
	struct guest_space { uint64_t id, cr3; } *spaces;
	size_t nspaces;
	struct {
		uint64_t accesses, splits, cycles, exits_ept_violation,
			exits_ept_misconfig, exits_npf, exits_pml_full,
			exits_extint, ipi_sent, ipi_wait_cycles, guest_pfs,
			migrations, emulated, vpid0_flushes, exits_invlpga;
		/* Guest TLB invalidations by trace kind (INVLPG ...). */
		uint64_t guest_tlb_ops[TRACE_KIND_LAST + 1];
		uint64_t acct_total[SIM_ACCT_MAX];
	} ctr;
};

/* Oracle 6: armed for a dirty-log promise, and no exit on it since. */
#define WRPROT_ARMED 0x80u

/* env.c */
struct env *env_new(struct machine *m, char *err, size_t errlen);
void env_free(struct env *e);

/* cpu.c: makes @v's TLB context current on its pCPU.  vCPUs that share a
 * pCPU time-share it at yield-point granularity; each switch back to a
 * vCPU in guest mode reloads its context (a context switch). */
void cpu_claim_pcpu(struct machine *m, struct vcpu *v);

/* access.c: applies a pending move of @v to another pCPU. */
void cpu_maybe_migrate(struct machine *m, struct vcpu *v);

/* cpu.c: deliver a kick to @v (the hardware half of env_kick_vcpu). */
void cpu_kick(struct machine *m, struct vcpu *v, bool wait);
/* cpu.c: kick several vCPUs, then wait once for every acknowledgment. */
void cpu_kick_many(struct machine *m, struct vcpu *const *v, unsigned n,
		   bool wait);

#endif
