// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/x86.c — arch/x86/kvm/x86.c's part for a kernel tree's MMU: module
 * initialisation of the MMU, the vCPU run loop with its requests
 * (vcpu_enter_guest), the local TLB flush requests, the memslot metadata and
 * the dirty-logging side of memslot updates (kvm_mmu_slot_apply_flags), and
 * the emulation of accesses the MMU hands back.
 */
#include "linuxmmu/lkvm.h"

/* ------------------------------------------------------- module init */

/*
 * kvm_x86_init + kvm_x86_vendor_init + vmx hardware_setup, as far as the
 * MMU sees them: its globals (host MAXPHYADDR, TDP on, the EPT SPTE format,
 * PML's dirty log size) and its caches.  Run for every VM: the kernel's
 * globals are process-wide, one VM per process here.
 */
void lkvm_module_init(struct lkvm *lk)
{
	const struct env_caps *caps = env_caps(lk->env);

	boot_cpu_data.extended_cpuid_level = 0x80000008;
	/* The host's MAXPHYADDR (walk.maxphyaddr): below 52 it leaves
	 * reserved bits for MMIO SPTEs on NPT. */
	boot_cpu_data.x86_phys_bits = (u8)caps->maxphyaddr;
	boot_cpu_data.x86_cache_bits = (u8)caps->maxphyaddr;
	kvm_host.maxphyaddr = (u8)caps->maxphyaddr;
	kvm_host.efer = EFER_LME | EFER_LMA | EFER_NX;
	eager_page_split = lk->pol.mmu_eager_split == KVMMU_EAGER_SPLIT_ON;
	mutex_init(&kvm_lock);

	/* The iTLB multihit erratum (mmu.nx_huge_pages): with KVM's default,
	 * nx_huge_pages=auto (-1 until module init resolves it), the
	 * mitigation is on when the CPU has the bug.  The recovery worker's
	 * ratio and period go through the tree's own parameter setters. */
	kshim_itlb_multihit = lk->pol.mmu_nx_huge_pages == KVMMU_NX_HUGE_PAGES_ON;
	nx_huge_pages = -1;
	if (kshim_param_set_u64("nx_huge_pages_recovery_ratio",
				lk->pol.mmu_nx_huge_pages_recovery_ratio) ||
	    kshim_param_set_u64("nx_huge_pages_recovery_period_ms",
				lk->pol.mmu_nx_huge_pages_recovery_period_ms))
		kshim_host_die("the tree refused an NX recovery parameter");

	/* kvm_x86_init, then kvm_x86_vendor_init: the MMU's masks are reset
	 * before the vendor's hardware_setup sets its own (EPT). */
	kvm_mmu_x86_module_init();
	if (kvm_mmu_vendor_module_init())
		kshim_host_die("the Linux MMU's module init failed (out of memory)");
	lk->vendor = env_vendor(lk->env) == ENV_AMD ? &lkvm_svm : &lkvm_vmx;
	lk->vendor->hardware_setup(lk);
}

/* The run loop, its requests and local flushes, the exits both vendors
 * handle alike and the emulation are the model's (kvmmu/x86.c, compiled
 * here too). */

/* ------------------------------------------------------------- exits */

/* kvm_mmu_page_fault's answer: 1 resume, 0 to userspace, < 0 an error.
 * Whether the access was a write is kept for the emulation the MMU may
 * hand the fault to. */
int lkvm_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code)
{
	int r;

	to_lvcpu(vcpu)->fault_write = error_code & PFERR_WRITE_MASK;
	r = kvm_mmu_page_fault(vcpu, gpa, error_code, NULL, 0);
	if (r < 0)
		to_lvcpu(vcpu)->run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
	return r;
}

/* ---------------------------------------------------------- emulation */

/* x86_emulate_instruction for the accesses the MMU gives back
 * (RET_PF_EMULATE): the model's kvm_emulate_access. */
int x86_emulate_instruction(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa,
			    int emulation_type, void *insn, int insn_len)
{
	return kvm_emulate_access(vcpu, cr2_or_gpa, to_lvcpu(vcpu)->fault_write);
}

bool kvm_can_do_async_pf(struct kvm_vcpu *vcpu)
{
	return false;
}

/* --------------------------------------------------- memslot metadata */

/* kvm_alloc_memslot_metadata: the huge-page disallow counts of each level
 * (a misaligned head or tail, or a slot whose gfn and hva disagree in the
 * low bits, can never be mapped huge), and page tracking. */
int kvm_alloc_memslot_metadata(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	unsigned long npages = slot->npages;

	memset(&slot->arch, 0, sizeof(slot->arch));
	for (int i = 1; i < KVM_NR_PAGE_SIZES; ++i) {
		int level = i + 1;
		unsigned long lpages = __kvm_mmu_slot_lpages(slot, npages, level);
		struct kvm_lpage_info *linfo = __vcalloc(lpages, sizeof(*linfo), GFP_KERNEL_ACCOUNT);
		unsigned long ugfn = slot->userspace_addr >> PAGE_SHIFT;

		slot->arch.lpage_info[i - 1] = linfo;
		if (slot->base_gfn & (KVM_PAGES_PER_HPAGE(level) - 1))
			linfo[0].disallow_lpage = 1;
		if ((slot->base_gfn + npages) & (KVM_PAGES_PER_HPAGE(level) - 1))
			linfo[lpages - 1].disallow_lpage = 1;
		if ((slot->base_gfn ^ ugfn) & (KVM_PAGES_PER_HPAGE(level) - 1))
			for (unsigned long j = 0; j < lpages; ++j)
				linfo[j].disallow_lpage = 1;
	}
	return kvm_page_track_create_memslot(kvm, slot, npages);
}

void kvm_free_memslot_metadata(struct kvm_memory_slot *slot)
{
	for (int i = 0; i < KVM_NR_PAGE_SIZES - 1; ++i) {
		kvfree(slot->arch.lpage_info[i]);
		slot->arch.lpage_info[i] = NULL;
	}
	kvm_page_track_free_memslot(slot);
}

/* The MMU asks for shadow rmaps only when a shadow root exists (never
 * with TDP here). */
int memslot_rmap_alloc(struct kvm_memory_slot *slot, unsigned long npages)
{
	kshim_unimplemented("memslot_rmap_alloc (shadow paging)");
}

/* --------------------------------------------- dirty logging on memslots */

static void kvm_mmu_update_cpu_dirty_logging(struct kvm *kvm, bool enable)
{
	int nr_slots;

	if (!kvm_x86_ops.cpu_dirty_log_size)
		return;
	nr_slots = atomic_read(&kvm->nr_memslots_dirty_logging);
	/* Only the first slot to log and the last to stop toggle PML. */
	if ((enable && nr_slots == 1) || !nr_slots)
		kvm_make_all_cpus_request(kvm, KVM_REQ_UPDATE_CPU_DIRTY_LOGGING);
}

/*
 * Logging on: split huge pages (eager), then with PML clear D on 4K leaves
 * and write-protect huge ones, without PML write-protect everything, and
 * flush unconditionally.  Logging off: zap collapsible SPTEs (6.12), so
 * faults map huge pages again.
 */
void kvm_mmu_slot_apply_flags(struct kvm *kvm, struct kvm_memory_slot *old,
			      const struct kvm_memory_slot *new_slot,
			      enum kvm_mr_change change)
{
	u32 old_flags = old ? old->flags : 0;
	u32 new_flags = new_slot ? new_slot->flags : 0;
	bool log_dirty_pages = new_flags & KVM_MEM_LOG_DIRTY_PAGES;

	if ((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES)
		kvm_mmu_update_cpu_dirty_logging(kvm, log_dirty_pages);
	if (change != KVM_MR_FLAGS_ONLY || (new_flags & KVM_MEM_READONLY))
		return;
	if (WARN_ON_ONCE(!((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES)))
		return;
	if (!log_dirty_pages) {
		kvm_mmu_zap_collapsible_sptes(kvm, new_slot);
		return;
	}
	if (kvm_dirty_log_manual_protect_and_init_set(kvm))
		return;
	if (READ_ONCE(eager_page_split))
		kvm_mmu_slot_try_split_huge_pages(kvm, new_slot, PG_LEVEL_4K);
	if (kvm_x86_ops.cpu_dirty_log_size) {
		kvm_mmu_slot_leaf_clear_dirty(kvm, new_slot);
		kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_2M);
	} else {
		kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_4K);
	}
	kvm_flush_remote_tlbs_memslot(kvm, new_slot);
}

/* ------------------------------------------- shrinker (not modelled) */

struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	return kzalloc(sizeof(struct shrinker), GFP_KERNEL);
}

/* The simulated host never runs short of memory: nobody calls it. */
void shrinker_register(struct shrinker *s) { }
void shrinker_free(struct shrinker *s) { kfree(s); }
