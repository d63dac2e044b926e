// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/vmx.c — arch/x86/kvm/vmx's part for a kernel tree's MMU that is
 * not the model's (kvmmu/vmx.c, compiled here too: EPTP, VPIDs, flushes,
 * PML toggling, the exits that reach the MMU): the hardware setup that
 * configures the tree's MMU (TDP levels, huge pages, the EPT SPTE format,
 * PML) and fills the kernel's kvm_x86_ops, the memory types of EPT leaves,
 * and the vendor table of the model.
 */
#include "linuxmmu/lkvm.h"


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

	/* The module parameters enable_ept_ad_bits, enable_pml (PML logs
	 * D-bit 0->1 transitions: it needs A/D) and enable_vpid (read from
	 * the policy where the model hands out VPIDs, kvmmu/vmx.c). */
	bool enable_ept_ad_bits = caps->ept_ad && pol->mmu_ad_bits == KVMMU_AD_BITS_ON;
	bool enable_pml = caps->pml && enable_ept_ad_bits &&
			  pol->mmu_dirty_log != KVMMU_DIRTY_LOG_WP;

	lk->ept_ad = enable_ept_ad_bits;

	memset(&kvm_x86_ops, 0, sizeof(kvm_x86_ops));
	kvm_x86_ops.cpu_dirty_log_size = enable_pml ? KVM_PML_ENTRIES : 0;
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

static int vmx_vcpu_create(struct lvcpu *v)
{
	return vmx_vcpu_setup(&v->vcpu);
}

static void vmx_vcpu_free(struct lvcpu *v)
{
	vmx_vcpu_teardown(&v->vcpu);
}

static void vmx_hardware_unsetup(void) { }

const struct lkvm_vendor lkvm_vmx = {
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_run = vmx_vcpu_run,
	.handle_exit_irqoff = kvm_flush_pml_buffer,
	.handle_exit = vmx_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
};
