// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/x86.c — the vCPU run loop (vcpu_enter_guest), request servicing,
 * the local TLB flush requests, emulation of accesses KVM cannot map, the
 * shared PML drain, and the dirty-logging side of memslot updates
 * (kvm_mmu_slot_apply_flags).
 */
#include "kvmmu/mmu_internal.h"
#include "kvmmu/tdp_mmu.h"

/* ------------------------------------------------------ local flushes */

void kvm_vcpu_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->stat.tlb_flush++;
	vcpu->kvm->x86->flush_tlb_all(vcpu);
	/* Flushing everything flushes the current context too. */
	kvm_clear_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu);
}

void kvm_vcpu_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->stat.tlb_flush++;
	vcpu->kvm->x86->flush_tlb_current(vcpu);
}

static void kvm_vcpu_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->stat.tlb_flush++;
	vcpu->kvm->x86->flush_tlb_guest(vcpu);
}

static void kvm_service_local_tlb_flush_requests(struct kvm_vcpu *vcpu)
{
	if (kvm_check_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu))
		kvm_vcpu_flush_tlb_current(vcpu);
	if (kvm_check_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu))
		kvm_vcpu_flush_tlb_guest(vcpu);
}

/* ------------------------------------------------------------- PML */

#define PML_LOG_NR_ENTRIES 512
#define PML_HEAD_INDEX (PML_LOG_NR_ENTRIES - 1)

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
		vcpu->run.exit_reason = KVM_EXIT_HLT;
		return 0;
	default:
		vcpu->run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
		return 0;
	}
}

void kvm_flush_pml_buffer(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	u16 pml_idx = vcpu->vmcs->pml_index;
	int first;

	if (!vcpu->vmx.pml_pg || pml_idx == PML_HEAD_INDEX)
		return;
	first = pml_idx >= PML_LOG_NR_ENTRIES ? 0 : pml_idx + 1;
	if (kvm->pol.vmx_pml_drain == KVMMU_PML_DRAIN_HARDWARE_ORDER) {
		for (int i = PML_HEAD_INDEX; i >= first; i--)
			kvm_vcpu_mark_page_dirty(vcpu,
				env_read(kvm->env, &vcpu->vmx.pml_pg[i]) >> PAGE_SHIFT);
	} else {
		for (int i = first; i < PML_LOG_NR_ENTRIES; i++)
			kvm_vcpu_mark_page_dirty(vcpu,
				env_read(kvm->env, &vcpu->vmx.pml_pg[i]) >> PAGE_SHIFT);
	}
	kvm->stat.pml_drained += (u64)(PML_LOG_NR_ENTRIES - first);
	vcpu->vmcs->pml_index = PML_HEAD_INDEX;
}

/* -------------------------------------------------------- emulation */

/*
 * An access KVM completes without mapping it: a write to a write-tracked
 * gfn (the emulator writes guest memory and logs the page), an MMIO access
 * or a write to a read-only slot (handed to userspace: KVM_EXIT_MMIO).
 */
int kvm_emulate_access(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	struct kvm *kvm = vcpu->kvm;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	struct kvm_memory_slot *slot = kvm_vcpu_gfn_to_memslot(vcpu, gfn);

	if (slot && !(slot->flags & KVM_MEMSLOT_INVALID) &&
	    !(write && (slot->flags & KVM_MEM_READONLY))) {
		env_vcpu_emulate_access(kvm->env, vcpu->ev, gpa,
					gfn_to_hva_memslot(slot, gfn) +
						(gpa & (PAGE_SIZE - 1)));
		if (write)
			kvm_vcpu_mark_page_dirty(vcpu, gfn);
		return 1;
	}
	env_vcpu_emulate_access(kvm->env, vcpu->ev, gpa, 0);
	vcpu->run.exit_reason = KVM_EXIT_MMIO;
	vcpu->run.mmio_gpa = gpa;
	return 0;
}

/* ------------------------------------------------------- the run loop */

/* vcpu_load: the host scheduler put this vCPU on another pCPU. */
static bool kvm_vcpu_check_load(struct kvm_vcpu *vcpu)
{
	bool moved = env_vcpu_migrated(vcpu->ev);
	int cpu = (int)env_vcpu_pcpu(vcpu->ev);

	if (!moved && cpu == vcpu->cpu)
		return false;
	vcpu->kvm->x86->vcpu_load(vcpu, cpu);
	vcpu->cpu = cpu;
	return true;
}

/*
 * One entry into the guest and the handling of its exit.  Returns 1 to go
 * around again, 0 to return to userspace (run.exit_reason), < 0 on error.
 */
static int vcpu_enter_guest(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct env *e = kvm->env;
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
			kvm->x86->update_cpu_dirty_logging(vcpu);
	}

	r = kvm_mmu_reload(vcpu);
	if (r) {
		vcpu->run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
		return 0;
	}

	/*
	 * Publish IN_GUEST_MODE, then look at requests again: a request made
	 * before the store is seen here; one made after it finds the vCPU in
	 * guest mode and kicks it.  From here to the entry the vCPU cannot be
	 * preempted (interrupts off), so it cannot move to another pCPU; a
	 * move noticed now cancels the entry, like a request does.
	 */
	env_write(e, vcpu->mode, IN_GUEST_MODE);
	kvm_vcpu_srcu_read_unlock(vcpu);
	if (env_read(e, vcpu->mode) == EXITING_GUEST_MODE ||
	    kvm_request_pending(vcpu) || kvm_vcpu_check_load(vcpu)) {
		env_write(e, vcpu->mode, OUTSIDE_GUEST_MODE);
		kvm_vcpu_srcu_read_lock(vcpu);
		return 1;
	}

	kvm->x86->vcpu_run(vcpu, &exit);

	env_write(e, vcpu->mode, OUTSIDE_GUEST_MODE);
	kvm_vcpu_srcu_read_lock(vcpu);
	if (kvm->x86->handle_exit_irqoff)
		kvm->x86->handle_exit_irqoff(vcpu);
	return kvm->x86->handle_exit(vcpu, &exit);
}

int kvm_vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	vcpu->run.exit_reason = 0;
	kvm_vcpu_srcu_read_lock(vcpu);
	for (;;) {
		/* The VMM asked for the vCPU back (a pending signal). */
		if (vcpu->run.immediate_exit) {
			vcpu->run.immediate_exit = false;
			vcpu->run.exit_reason = KVM_EXIT_INTR;
			break;
		}
		r = vcpu_enter_guest(vcpu);
		if (r < 0)
			vcpu->run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
		if (r <= 0)
			break;
	}
	kvm_vcpu_srcu_read_unlock(vcpu);
	return (int)vcpu->run.exit_reason;
}

/* ---------------------------------------------- dirty logging, memslots */

void kvm_mmu_update_cpu_dirty_logging(struct kvm *kvm, bool enable)
{
	int nr = kvm->nr_memslots_dirty_logging;

	if (!kvm->cpu_dirty_log_size || kvm->pml_always)
		return;
	/* Only the first slot to log and the last to stop toggle PML. */
	if ((enable && nr == 1) || !nr)
		kvm_make_all_cpus_request(kvm, KVM_REQ_UPDATE_CPU_DIRTY_LOGGING);
}

/*
 * Logging on: split huge pages (eager), then with PML clear D on 4K leaves
 * and write-protect huge ones (they must split on a write), without PML
 * write-protect everything; and flush, always (E10: a leaf access-tracked
 * earlier without a flush has no W to clear, yet a writable TLB entry).
 * Logging off: recover huge pages.
 */
void kvm_mmu_slot_apply_flags(struct kvm *kvm, const struct kvm_memory_slot *old,
			      const struct kvm_memory_slot *new_slot, int change)
{
	u32 old_flags = old ? old->flags : 0;
	u32 new_flags = new_slot ? new_slot->flags : 0;
	bool log_dirty_pages = new_flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool flush;

	if ((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES)
		kvm_mmu_update_cpu_dirty_logging(kvm, log_dirty_pages);

	/* Create/move/delete start from nothing mapped; read-only slots are
	 * never writable. */
	if (change != KVM_MR_FLAGS_ONLY || (new_flags & KVM_MEM_READONLY))
		return;
	if (!((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES))
		return;

	if (!log_dirty_pages) {
		if (kvm->pml_always)
			kvm_mmu_slot_set_dirty(kvm, new_slot);
		kvm_mmu_recover_huge_pages(kvm, new_slot);
		return;
	}

	/* Initially-all-set: everything counts as dirty; protection happens
	 * as userspace clears bits. */
	if (kvm_dirty_log_manual_protect_and_init_set(kvm))
		return;
	if (kvm->pol.mmu_eager_split == KVMMU_EAGER_SPLIT_ON)
		kvm_mmu_slot_try_split_huge_pages(kvm, new_slot, PG_LEVEL_4K);
	if (kvm->cpu_dirty_log_size) {
		flush = kvm_mmu_slot_leaf_clear_dirty(kvm, new_slot);
		flush |= kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_2M);
	} else {
		flush = kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_4K);
	}
	if (kvm->pol.mmu_dirty_enable_flush == KVMMU_DIRTY_ENABLE_FLUSH_ALWAYS || flush)
		kvm_flush_remote_tlbs_memslot(kvm, new_slot);
}

bool kvm_dirty_log_write_protects(const struct kvm *kvm)
{
	return !kvm->cpu_dirty_log_size;
}

/* Before a harvest: kick vCPUs so their PML buffers get drained. */
void kvm_arch_sync_dirty_log(struct kvm *kvm)
{
	if (!kvm->cpu_dirty_log_size)
		return;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++)
		kvm_vcpu_kick(kvm->vcpus[i]);
}

static u64 align_up(u64 x, u64 a) { return (x + a - 1) & ~(a - 1); }

/*
 * Re-protect the pages of @mask after userspace took their dirty bits.
 * With initially-all-set nothing was protected when logging started, so
 * huge pages covering them are split (eager) or write-protected now.
 */
void kvm_arch_mmu_enable_log_dirty_pt_masked(struct kvm *kvm,
					     struct kvm_memory_slot *slot,
					     gfn_t gfn_offset, u64 mask)
{
	lockdep_assert_held_write(kvm->env);
	if (kvm_dirty_log_manual_protect_and_init_set(kvm)) {
		gfn_t start = slot->base_gfn + gfn_offset + (u64)__builtin_ctzll(mask);
		gfn_t end = slot->base_gfn + gfn_offset + 63 - (u64)__builtin_clzll(mask);

		if (kvm->pol.mmu_eager_split == KVMMU_EAGER_SPLIT_ON)
			kvm_mmu_try_split_huge_pages(kvm, slot, start, end + 1,
						     PG_LEVEL_4K);
		kvm_mmu_slot_gfn_write_protect(kvm, slot, start, PG_LEVEL_2M);
		if (align_up(start << PAGE_SHIFT, 2ULL << 20) !=
		    align_up(end << PAGE_SHIFT, 2ULL << 20))
			kvm_mmu_slot_gfn_write_protect(kvm, slot, end, PG_LEVEL_2M);
	}
	kvm_tdp_mmu_clear_dirty_pt_masked(kvm, slot, slot->base_gfn + gfn_offset,
					  mask, !kvm->cpu_dirty_log_size);
}
