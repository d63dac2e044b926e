/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/cpu — the physical CPUs and the vCPUs that run on them.
 *
 * A machine has pCPUs, each owning its TLBs and paging-structure caches
 * (sim/tlb), and vCPUs, each a simulated thread.  A vCPU runs its access
 * stream in guest mode: access -> TLB lookup -> on a miss, a 2D walk
 * (sim/ept) -> the access (a write bumps the frame's content version) ->
 * cycles.  A failed walk, a full PML buffer or a kick IPI ends guest mode
 * with a VM exit, which is handed to the hypervisor: the vCPU thread runs
 * kvmmu's vcpu loop itself (through kvmmu/env.h, implemented in env.c here),
 * and that loop re-enters the guest through env_vcpu_run_guest().
 *
 * Nothing is flushed implicitly: not VM entry, not exit, not a root load.
 * Only what the architecture flushes (INVEPT, INVVPID, TLB_CONTROL, an EPT
 * violation's GPA) and replacement remove translations.  A vCPU moved to
 * another pCPU leaves its translations behind in the old pCPU's TLB.
 *
 * The cycles of each vCPU split into named accounts (see machine_accts)
 * that add up to its clock.
 */
#ifndef TDPSIM_SIM_CPU_H
#define TDPSIM_SIM_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/check/check.h"
#include "sim/core/core.h"
#include "traces/trace.h"

/* The machine's parameters: struct cpu_params, declared in
 * sim/cpu/params.def (vendor, CPUs, guest) and sim/cpu/costs.def. */
#define PARAMS_DEF "sim/cpu/params.def"
#define PARAMS_DEF2 "sim/cpu/costs.def"
#define PARAMS_STRUCT cpu_params
#include "sim/core/params_block.h"

struct tlb_params;
struct walk_params;

struct host;
struct machine;
struct vcpu;
struct env;
struct tlb;

/* A vCPU's access stream: fills up to @max records for vCPU @idx; returns
 * the count, 0 at the end, -1 on an error (the run stops, bad input). */
typedef long cpu_source_fn(void *ctx, unsigned idx, struct trace_rec *recs,
			   size_t max);

/* The hypervisor's body of a vCPU thread: runs the vCPU until its guest is
 * done (env_vcpu_run_guest returned ENV_EXIT_HLT). */
typedef void cpu_vcpu_run_fn(void *hv, struct vcpu *v);

/* Cycle accounts of a vCPU (registered with the engine). */
struct machine_accts {
	int guest;   /* the guest's own work between accesses (trace gaps) */
	int tlb;     /* TLB probes and the data access itself */
	int walk;    /* page walks, A/D updates, PML logging */
	int exit;    /* VM exit and entry transitions */
	int kvm;     /* hypervisor work (kvmmu, the guest OS's faults) */
	int ipi;     /* sending IPIs and waiting for their acknowledgment */
};

/*
 * What a vCPU's accesses of one kind (a load, a store, a fetch) took,
 * counted where they happen and registered as "vcpuN.KIND.NAME" (KIND
 * load, store or fetch; cpu_kind_name).  Over kinds and vCPUs they add up
 * to the machine's counters: accesses; the L1 TLB's lookups and misses
 * (tlb.l1i.* for fetches, tlb.l1d.* for loads and stores); the L2's;
 * walks (walk.refs_per_walk's samples) and walk.refs.  A walk is the
 * kind's whose access it serves, the minimal guest OS's write of a guest
 * PTE on that access's fault included.  cycles: each access's, from its
 * issue (its trace gap over) to its completion, with the exits it took and
 * KVM's work on them; a vCPU's cycles outside any access (gaps, kicks
 * between accesses, its last exit) are no kind's.
 */
#define CPU_KIND_STATS(X)							\
	X(accesses, "accesses", "accesses completed")				\
	X(l1_lookups, "tlb.l1.lookups",						\
	  "lookups in the L1 TLB that serves the kind (iTLB: fetch, dTLB: load and store)") \
	X(l1_misses, "tlb.l1.misses", "misses in that L1 TLB")			\
	X(l2_lookups, "tlb.l2.lookups", "lookups in the L2 TLB (after an L1 miss)") \
	X(l2_misses, "tlb.l2.misses", "misses in the L2 TLB (each takes a walk)") \
	X(walks, "walks", "page walks on their behalf (a guest PTE write on their fault included)") \
	X(walk_refs, "walk.refs", "page-table entry reads of those walks")	\
	X(cycles, "cycles", "cycles from each access's issue to its completion, exits and KVM's work on them included")

struct cpu_kind_stats {
#define CPU_KIND_FIELD(field, name, doc) uint64_t field;
	CPU_KIND_STATS(CPU_KIND_FIELD)
#undef CPU_KIND_FIELD
};

/* "load", "store", "fetch" for TRACE_READ, TRACE_WRITE, TRACE_FETCH. */
const char *cpu_kind_name(unsigned kind);

/* The machine of run @s, from its parameter blocks (each copied). */
struct machine *machine_new(struct sim *s, const struct cpu_params *cp,
			    const struct tlb_params *tp, const struct walk_params *wp,
			    struct check *chk, struct host *h, char *err, size_t errlen);
void machine_free(struct machine *m);

struct sim *machine_sim(const struct machine *m);
struct host *machine_host(const struct machine *m);
struct env *machine_env(struct machine *m);
const struct machine_accts *machine_accts(const struct machine *m);
unsigned machine_nvcpus(const struct machine *m);
unsigned machine_npcpus(const struct machine *m);
struct vcpu *machine_vcpu(struct machine *m, unsigned idx);
struct tlb *machine_pcpu_tlb(struct machine *m, unsigned pcpu);

void machine_set_source(struct machine *m, cpu_source_fn *fn, void *ctx);
void machine_set_hypervisor(struct machine *m, cpu_vcpu_run_fn *run, void *hv);
/* The program whose trace is replayed: the minimal guest OS maps its
 * PT_LOAD segments with their permissions (guest.paging=4level/5level).
 * The array is copied.  0, or -1 (ENOMEM). */
int machine_set_guest_segments(struct machine *m, const struct trace_seg *segs,
			       size_t n);
/* Spawns the vCPU threads; the run starts with sim_run(). */
int machine_start(struct machine *m);
/* Adds the machine-wide totals (cycles and accounts summed over vCPUs) to
 * the stats; call once after the run. */
void machine_finish(struct machine *m);

/*
 * Oracle 6, stale permission.  The VMM declares the guest pages KVM has
 * promised to keep write-protected, once the call that protected them
 * (and flushed the TLBs) has returned.  From then on a guest write that
 * reaches such a page through a translation — a TLB hit or a walk, not
 * KVM's emulation after an exit — is a violation, reported once per page
 * and promise.
 *   CPU_WRPROT_TRACK  write tracking (kvm_write_track_add_gfn): every
 *                     write must exit, until the VMM removes the tracking.
 *   CPU_WRPROT_READONLY  a read-only memslot: every write must exit.
 *   CPU_WRPROT_LOG    write-protect dirty logging (logging enabled, or a
 *                     harvest that cleared the page): the next write must
 *                     exit, unless an exit on the page came first — KVM
 *                     may then map it writable, logging it at once (a read
 *                     fault does too: make_spte marks a writable SPTE's
 *                     page dirty in a logged slot).
 * Those faults race with the call itself.  So the VMM arms the pages
 * before the call, and the promise after it holds only for pages with no
 * exit since they were armed, and none still being handled when the call
 * returned (the access that exited has not landed yet).
 * Pages are those of guest-physical memory [0, vm.mem + vm.rom) in
 * address space 0.
 * arm and promise return 0, or -1 when the per-page table cannot be
 * allocated.
 */
enum cpu_wrprot {
	CPU_WRPROT_TRACK = 1,
	CPU_WRPROT_LOG = 2,
	CPU_WRPROT_READONLY = 4,
};
int machine_wrprot_arm(struct machine *m, uint64_t gpa, uint64_t len);
int machine_wrprot_promise(struct machine *m, uint64_t gpa, uint64_t len,
			   enum cpu_wrprot kind);
/* Ends the promises @kinds (CPU_WRPROT_* bits) on [gpa, gpa + len). */
void machine_wrprot_release(struct machine *m, uint64_t gpa, uint64_t len,
			    unsigned kinds);

/*
 * Guest address spaces (guest.paging=4level/5level).  vCPUs in the same
 * address space share one CR3, that is one set of guest page tables, as
 * threads of one process do; all vCPUs start in address space 0.  Set
 * before machine_start(): @aspace is 0..cpu.vcpus-1.  0, or -1 if not.
 */
int vcpu_set_aspace(struct vcpu *v, unsigned aspace);

unsigned vcpu_index(const struct vcpu *v);
struct sim_thread *vcpu_thread(const struct vcpu *v);
bool vcpu_in_guest(const struct vcpu *v);
/* Moves @v to @pcpu at its next VM entry (a host scheduler decision). */
void vcpu_migrate(struct vcpu *v, unsigned pcpu);

#endif
