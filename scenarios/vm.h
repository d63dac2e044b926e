/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMM side of a run: builds the host, the machine and the KVM VM from
 * params (one memslot of vm.mem bytes at GPA 0, backed by a VMA of
 * vm.backing), connects the host's mmu_notifier to KVM, and gives each vCPU
 * thread its body: KVM_RUN until the guest halts.
 */
#ifndef TDPSIM_SCENARIOS_VM_H
#define TDPSIM_SCENARIOS_VM_H

#include "kvmmu/kvmmu.h"
#include "scenarios/scenario.h"
#include "sim/cpu/cpu.h"
#include "sim/host/host.h"

struct vm {
	struct run *run;
	struct host *host;
	struct machine *m;
	struct kvm *kvm;
	hva_t hva;            /* where the guest memory is mapped in the VMM */
	uint64_t mem;         /* its size */
	enum host_backing backing;
	unsigned running;     /* vCPU threads not yet returned */
	struct sim_thread *waiter; /* blocked in vm_wait_guests */
	bool stop;            /* vCPUs return at their next exit to userspace */
	struct vmm *vmm;      /* migration and ring-reaper state (vmm.c), or NULL */
	bool paused;          /* vCPUs wait in userspace until resumed */
	struct sim_thread *paused_threads[1024];
	unsigned npaused;
};

/* 0, or -1 with a message naming the bad key. */
int vm_create(struct run *r, struct vm *vm, char *err, size_t errlen);
/* Starts the vCPU threads reading @fn's streams. */
int vm_start(struct vm *vm, cpu_source_fn *fn, void *ctx);
/* From a simulated thread: blocks until every vCPU thread has returned. */
void vm_wait_guests(struct vm *vm);
/* From a simulated thread: makes every vCPU return to the VMM and stop
 * (kvm_vcpu_kick_to_user), e.g. to pause the guest. */
void vm_stop_guests(struct vm *vm);
/* From a simulated thread: every vCPU leaves KVM_RUN and waits in the VMM
 * until vm_resume_guests (QEMU's pause_all_vcpus / resume_all_vcpus). */
void vm_pause_guests(struct vm *vm);
void vm_resume_guests(struct vm *vm);
/* From a simulated thread: KVM_SET_USER_MEMORY_REGION deletes slot 0 (a
 * fast zap), the VMM frees its memory (MADV_DONTNEED: the frames' generations
 * end) and re-adds slot 0 at the same GPA on freshly mapped memory.  0, or
 * -1 when the host cannot map the new memory. */
int vm_memslot_replace(struct vm *vm);
/*
 * The VMM's dirty-logging and write-tracking calls on slot 0, from a
 * simulated thread.  Each tells the stale-permission oracle (sim/cpu
 * machine_wrprot_*) which pages KVM promised write-protected once the
 * call returned: with write-protect logging (no PML), the slot when
 * logging is enabled (unless initially-all-set) and the pages a harvest
 * cleared; a write-tracked page until its tracking is removed.
 */
int vm_set_logging(struct vm *vm, bool on);
/* KVM_GET_DIRTY_LOG into @bitmap (re-protects it without manual protect). */
int vm_get_dirty_log(struct vm *vm, uint64_t *bitmap);
/* KVM_CLEAR_DIRTY_LOG of the pages in @bitmap (manual protect). */
int vm_clear_dirty_log(struct vm *vm, const uint64_t *bitmap);
/* KVM_RESET_DIRTY_RINGS, after userspace harvested @gfns (slot 0). */
void vm_reset_dirty_rings(struct vm *vm, const uint64_t *gfns, size_t n);
/* kvm_write_track_add_gfn / remove_gfn of the page at @gpa. */
int vm_write_track(struct vm *vm, uint64_t gpa, bool on);

/* After sim_run: totals into the stats. */
void vm_finish(struct vm *vm);
void vm_destroy(struct vm *vm);

#endif
