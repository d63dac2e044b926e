// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/vmx.c — arch/x86/kvm/vmx's part for a kernel tree's MMU: the
 * hardware setup that configures the MMU (TDP levels, huge pages, the EPT
 * SPTE format, PML), EPTP construction and root loading, VPIDs, the three
 * TLB flush flavours, PML on/off and its drain, and the exits that reach
 * the MMU (EPT violation and misconfiguration).
 *
 * EPT caches guest-physical and combined translations tagged by EP4TA (the
 * root), so flush_tlb_current is a single-context INVEPT of the current
 * EPTP and flush_tlb_all a global INVEPT; flush_tlb_guest is an INVVPID of
 * the vCPU's VPID (SDM vol. 3C 29.4).
 */
#include "linuxmmu/lkvm.h"

#define PML_LOG_NR_ENTRIES 512
#define PML_HEAD_INDEX (PML_LOG_NR_ENTRIES - 1)

static bool enable_ept_ad_bits, enable_pml, enable_vpid;

static u64 construct_eptp(u64 root_hpa, int root_level)
{
	u64 eptp = VMX_EPTP_MT_WB;

	eptp |= root_level == 5 ? VMX_EPTP_PWL_5 : VMX_EPTP_PWL_4;
	if (enable_ept_ad_bits)
		eptp |= VMX_EPTP_AD_ENABLE_BIT;
	return eptp | root_hpa;
}

static void vmx_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	/* Guest-physical mappings are tagged by EP4TA, not VPID: only a
	 * global INVEPT reaches every root's. */
	env_invept(kshim_env, ENV_INVEPT_GLOBAL, 0);
}

static void vmx_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu *mmu = vcpu->arch.mmu;

	if (!VALID_PAGE(mmu->root.hpa))
		return;
	env_invept(kshim_env, ENV_INVEPT_SINGLE,
		   construct_eptp(mmu->root.hpa, mmu->root_role.level));
}

static void vmx_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	struct lvcpu *v = to_lvcpu(vcpu);

	/* VPID 0's linear mappings are flushed at every entry anyway. */
	if (v->vpid)
		env_invvpid(kshim_env, ENV_INVVPID_SINGLE, v->vpid, 0);
}

static void vmx_flush_tlb_gva(struct kvm_vcpu *vcpu, gva_t addr)
{
	struct lvcpu *v = to_lvcpu(vcpu);

	if (v->vpid)
		env_invvpid(kshim_env, ENV_INVVPID_ADDR, v->vpid, addr);
}

static void vmx_load_mmu_pgd(struct kvm_vcpu *vcpu, hpa_t root_hpa, int root_level)
{
	to_lvcpu(vcpu)->vmcs->eptp = construct_eptp(root_hpa, root_level);
}

/* Write-back memory, ignoring guest PAT (no non-coherent DMA); MMIO
 * uncacheable. */
static u8 vmx_get_mt_mask(struct kvm_vcpu *vcpu, gfn_t gfn, bool is_mmio)
{
	if (is_mmio)
		return MTRR_TYPE_UNCACHABLE << VMX_EPT_MT_EPTE_SHIFT;
	return (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT) | VMX_EPT_IPAT_BIT;
}

/* hardware_setup: what the CPU offers and the module parameters pick. */
static void vmx_hardware_setup(struct lkvm *lk)
{
	const struct env_caps *caps = env_caps(lk->env);
	const struct kvmmu_policy *pol = &lk->pol;

	enable_ept_ad_bits = caps->ept_ad && pol->mmu_ad_bits == KVMMU_AD_BITS_ON;
	/* PML logs D-bit 0->1 transitions: it needs A/D. */
	enable_pml = caps->pml && enable_ept_ad_bits && pol->mmu_dirty_log != KVMMU_DIRTY_LOG_WP;
	enable_vpid = pol->vmx_vpid == KVMMU_VPID_ON;

	memset(&kvm_x86_ops, 0, sizeof(kvm_x86_ops));
	kvm_x86_ops.cpu_dirty_log_size = enable_pml ? PML_LOG_NR_ENTRIES : 0;
	kvm_x86_ops.flush_tlb_all = vmx_flush_tlb_all;
	kvm_x86_ops.flush_tlb_current = vmx_flush_tlb_current;
	kvm_x86_ops.flush_tlb_gva = vmx_flush_tlb_gva;
	kvm_x86_ops.flush_tlb_guest = vmx_flush_tlb_guest;
	kvm_x86_ops.load_mmu_pgd = vmx_load_mmu_pgd;
	kvm_x86_ops.get_mt_mask = vmx_get_mt_mask;

	kvm_configure_mmu(true, 0, caps->tdp_levels == 5 ? 5 : 4, PG_LEVEL_1G);
	kvm_mmu_set_ept_masks(enable_ept_ad_bits, true);
}

/* ---------------------------------------------------------------- vCPUs */

static u16 allocate_vpid(struct lkvm *lk)
{
	for (u32 v = 1; v < 65536; v++)
		if (!(lk->vpid_bitmap[v / 64] & (1ull << (v % 64)))) {
			lk->vpid_bitmap[v / 64] |= 1ull << (v % 64);
			return (u16)v;
		}
	return 0; /* out of VPIDs: VPID 0, flushed on every transition */
}

static int vmx_vcpu_create(struct lvcpu *v)
{
	struct lkvm *lk = to_lkvm(v->vcpu.kvm);

	v->vpid = enable_vpid ? allocate_vpid(lk) : 0;
	v->vmcs->vpid = v->vpid;
	if (enable_pml) {
		v->pml_pg = env_alloc_words(lk->env, PML_LOG_NR_ENTRIES);
		v->vmcs->pml_page = v->pml_pg;
		v->vmcs->pml_index = PML_HEAD_INDEX;
		v->vmcs->pml_enabled = atomic_read(&lk->kvm.nr_memslots_dirty_logging) > 0;
	}
	return 0;
}

static void vmx_vcpu_free(struct lvcpu *v)
{
	struct lkvm *lk = to_lkvm(v->vcpu.kvm);

	if (v->vpid)
		lk->vpid_bitmap[v->vpid / 64] &= ~(1ull << (v->vpid % 64));
}

/* KVM_REQ_UPDATE_CPU_DIRTY_LOGGING: PML on while any slot logs. */
static void vmx_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	struct lvcpu *v = to_lvcpu(vcpu);
	struct lkvm *lk = to_lkvm(vcpu->kvm);
	bool on;

	if (!v->pml_pg)
		return;
	on = atomic_read(&lk->kvm.nr_memslots_dirty_logging) > 0;
	if (v->vmcs->pml_enabled != on) {
		lk->stat.pml_toggles++;
		v->vmcs->pml_enabled = on;
	}
}

/* ---------------------------------------------------------------- exits */

static void vmx_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	env_vcpu_run_guest(kshim_env, to_lvcpu(vcpu)->ev, exit);
}

/* Every exit drains PML (vmx_flush_pml_buffer; the model's drain, in the
 * trees' order: vmx.pml_drain=newest-first, 6.14 reversed it, E13). */
static void vmx_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	kvm_flush_pml_buffer(vcpu);
}

/* handle_ept_violation: the exit qualification as a page-fault error
 * code (SDM table 28-7). */
static int handle_ept_violation(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	u64 q = exit->qual;
	u64 error_code;

	error_code = (q & EPT_VIOLATION_ACC_READ) ? PFERR_USER_MASK : 0;
	error_code |= (q & EPT_VIOLATION_ACC_WRITE) ? PFERR_WRITE_MASK : 0;
	error_code |= (q & EPT_VIOLATION_ACC_INSTR) ? PFERR_FETCH_MASK : 0;
	error_code |= (q & EPT_VIOLATION_RWX_MASK) ? PFERR_PRESENT_MASK : 0;
	error_code |= (q & EPT_VIOLATION_GVA_TRANSLATED) ? PFERR_GUEST_FINAL_MASK :
							   PFERR_GUEST_PAGE_MASK;
	return lkvm_page_fault(vcpu, exit->gpa, error_code);
}

static int vmx_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_EPT_VIOLATION:
		return handle_ept_violation(vcpu, exit);
	case ENV_EXIT_EPT_MISCONFIG:
		/* KVM's MMIO SPTEs (W|X without R). */
		return lkvm_page_fault(vcpu, exit->gpa, PFERR_RSVD_MASK);
	default:
		/* A full PML buffer was drained at the exit already. */
		return kvm_handle_common_exit(vcpu, exit);
	}
}

/* vmx_vcpu_load_vmcs on a new pCPU: it may hold stale translations from an
 * earlier stay of this vCPU there; flush every EPTP/VPID context. */
static void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);
}

static void vmx_hardware_unsetup(void) { }

const struct lkvm_vendor lkvm_vmx = {
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_run = vmx_vcpu_run,
	.handle_exit_irqoff = vmx_handle_exit_irqoff,
	.handle_exit = vmx_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
};
