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
	unsigned running;     /* vCPU threads not yet returned */
	struct sim_thread *waiter; /* blocked in vm_wait_guests */
	bool stop;            /* vCPUs return at their next exit to userspace */
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
/* After sim_run: totals into the stats. */
void vm_finish(struct vm *vm);
void vm_destroy(struct vm *vm);

#endif
