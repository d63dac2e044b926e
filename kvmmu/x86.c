// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/x86.c — the vCPU run loop (vcpu_enter_guest), request servicing,
 * the local TLB flush requests, the exits both vendors handle alike, the
 * PML drain and the emulation of accesses KVM cannot map.  The model's,
 * for both MMUs (kvmmu/kvm_model.h): compiled for kvmmu and around a
 * kernel tree's MMU.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

/* ------------------------------------------------------ local flushes */

void kvm_vcpu_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	kvm_mstat(vcpu->kvm)->tlb_flush++;
	kvm_x86_flush_tlb_all(vcpu);
	/* Flushing everything flushes the current context too. */
	kvm_clear_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu);
}

void kvm_vcpu_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	kvm_mstat(vcpu->kvm)->tlb_flush++;
	kvm_x86_flush_tlb_current(vcpu);
}

static void kvm_vcpu_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	kvm_mstat(vcpu->kvm)->tlb_flush++;
	kvm_x86_flush_tlb_guest(vcpu);
}

static void kvm_service_local_tlb_flush_requests(struct kvm_vcpu *vcpu)
{
	if (kvm_check_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu))
		kvm_vcpu_flush_tlb_current(vcpu);
	if (kvm_check_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu))
		kvm_vcpu_flush_tlb_guest(vcpu);
}

/* ------------------------------------------------------------- PML */


/*
 * Drains the PML buffer into the dirty log, on every exit.  The CPU fills
 * it from entry 511 down, so the first valid entry is index + 1 (0 if it
 * wrapped to 0xFFFF, i.e. full).  Since 6.14 entries are consumed in the
 * order the CPU wrote them (511 downwards), so a dirty ring sees writes in
 * order; vmx.pml_drain=newest-first is the older reverse walk (E13).
 */
/*
 * The exits both vendors handle alike: a full PML buffer (drained by the
 * vendor code already) and a kick resume the guest (requests are serviced
 * on entry); a halted guest goes back to userspace; anything else is an
 * internal error.
 */
int kvm_handle_common_exit(struct kvm_vcpu *vcpu, const struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_PML_FULL:
	case ENV_EXIT_EXTINT:
	case ENV_EXIT_NONE:
		return 1;
	case ENV_EXIT_HLT:
		kvm_vcpu_run_state(vcpu)->exit_reason = KVM_EXIT_HLT;
		return 0;
	default:
		kvm_vcpu_run_state(vcpu)->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		return 0;
	}
}

void kvm_flush_pml_buffer(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct env *e = kvm_env(kvm);
	struct env_vmcs *vmcs = kvm_vcpu_vmcs(vcpu);
	u64 *pml = kvm_vcpu_pml_page(vcpu);
	u16 pml_idx = vmcs->pml_index;
	int first;

	if (!pml || pml_idx == KVM_PML_HEAD_INDEX)
		return;
	first = pml_idx >= KVM_PML_ENTRIES ? 0 : pml_idx + 1;
	if (kvm_policy(kvm)->vmx_pml_drain == KVMMU_PML_DRAIN_HARDWARE_ORDER) {
		for (int i = KVM_PML_HEAD_INDEX; i >= first; i--)
			kvm_vcpu_mark_page_dirty(vcpu, env_read(e, &pml[i]) >> PAGE_SHIFT);
	} else {
		for (int i = first; i < KVM_PML_ENTRIES; i++)
			kvm_vcpu_mark_page_dirty(vcpu, env_read(e, &pml[i]) >> PAGE_SHIFT);
	}
	kvm_mstat(kvm)->pml_drained += (u64)(KVM_PML_ENTRIES - first);
	vmcs->pml_index = KVM_PML_HEAD_INDEX;
}

/* -------------------------------------------------------- emulation */

/*
 * An access KVM completes without mapping it: a write to a write-tracked
 * gfn (the emulator writes guest memory and logs the page), an MMIO access
 * or a write to a read-only slot (handed to userspace: KVM_EXIT_MMIO).
 */
int kvm_emulate_access(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	struct env *e = kvm_env(vcpu->kvm);
	gfn_t gfn = gpa >> PAGE_SHIFT;
	struct kvm_memory_slot *slot = kvm_vcpu_gfn_to_memslot(vcpu, gfn);
	struct kvm_run *run = kvm_vcpu_run_state(vcpu);

	if (slot && !(slot->flags & KVM_MEMSLOT_INVALID) &&
	    !(write && (slot->flags & KVM_MEM_READONLY))) {
		env_vcpu_emulate_access(e, kvm_vcpu_ev(vcpu), gpa,
					kvm_slot_hva(slot, gfn) + (gpa & (PAGE_SIZE - 1)));
		if (write)
			kvm_vcpu_mark_page_dirty(vcpu, gfn);
		return 1;
	}
	env_vcpu_emulate_access(e, kvm_vcpu_ev(vcpu), gpa, 0);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio_gpa = gpa;
	return 0;
}

/* ------------------------------------------------------- the run loop */

/* vcpu_load: the host scheduler put this vCPU on another pCPU. */
static bool kvm_vcpu_check_load(struct kvm_vcpu *vcpu)
{
	bool moved = env_vcpu_migrated(kvm_vcpu_ev(vcpu));
	int cpu = (int)env_vcpu_pcpu(kvm_vcpu_ev(vcpu));

	if (!moved && cpu == vcpu->cpu)
		return false;
	kvm_x86_vcpu_load(vcpu, cpu);
	vcpu->cpu = cpu;
	return true;
}

/*
 * One entry into the guest and the handling of its exit.  Returns 1 to go
 * around again, 0 to return to userspace (run.exit_reason), < 0 on error.
 */
static int vcpu_enter_guest(struct kvm_vcpu *vcpu)
{
	struct env *e = kvm_env(vcpu->kvm);
	u64 *mode = kvm_vcpu_mode(vcpu);
	struct env_exit exit = { .reason = ENV_EXIT_NONE };
	int r;

	kvm_vcpu_check_load(vcpu);

	if (kvm_request_pending(vcpu)) {
		env_cost(e, ENV_COST_REQUEST);
		if (kvm_dirty_ring_check_request(vcpu))
			return 0;
		/* Drop an invalidated root first, so that any flush below
		 * and the reload act on the new one. */
		if (kvm_check_request(KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, vcpu))
			kvm_mmu_free_obsolete_roots(vcpu);
		if (kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu))
			kvm_vcpu_flush_tlb_all(vcpu);
		kvm_service_local_tlb_flush_requests(vcpu);
		if (kvm_check_request(KVM_REQ_LOAD_MMU_PGD, vcpu))
			kvm_mmu_load_pgd(vcpu);
		if (kvm_check_request(KVM_REQ_UPDATE_CPU_DIRTY_LOGGING, vcpu))
			kvm_x86_update_cpu_dirty_logging(vcpu);
	}

	r = kvm_mmu_reload(vcpu);
	if (r) {
		kvm_vcpu_run_state(vcpu)->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		return 0;
	}

	/*
	 * Publish IN_GUEST_MODE, then look at requests again: a request made
	 * before the store is seen here; one made after it finds the vCPU in
	 * guest mode and kicks it.  From here to the entry the vCPU cannot be
	 * preempted (interrupts off), so it cannot move to another pCPU; a
	 * move noticed now cancels the entry, like a request does.
	 */
	env_write(e, mode, IN_GUEST_MODE);
	kvm_vcpu_srcu_read_unlock(vcpu);
	if (env_read(e, mode) == EXITING_GUEST_MODE ||
	    kvm_request_pending(vcpu) || kvm_vcpu_check_load(vcpu)) {
		env_write(e, mode, OUTSIDE_GUEST_MODE);
		kvm_vcpu_srcu_read_lock(vcpu);
		return 1;
	}

	kvm_x86_vcpu_run(vcpu, &exit);

	env_write(e, mode, OUTSIDE_GUEST_MODE);
	kvm_vcpu_srcu_read_lock(vcpu);
	kvm_x86_handle_exit_irqoff(vcpu);
	r = kvm_x86_handle_exit(vcpu, &exit);
	kvm_vcpu_exit_done(vcpu);
	return r;
}

/* KVM_RUN: enter until an exit must go to userspace. */
int kvm_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = kvm_vcpu_run_state(vcpu);
	int r;

	kvm_model_enter(vcpu->kvm);
	run->exit_reason = 0;
	kvm_vcpu_srcu_read_lock(vcpu);
	for (;;) {
		/* The VMM asked for the vCPU back (a pending signal). */
		if (run->immediate_exit) {
			run->immediate_exit = false;
			run->exit_reason = KVM_EXIT_INTR;
			break;
		}
		r = vcpu_enter_guest(vcpu);
		if (r < 0)
			run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		if (r <= 0)
			break;
	}
	kvm_vcpu_srcu_read_unlock(vcpu);
	kvm_model_leave(vcpu->kvm);
	return (int)run->exit_reason;
}
