// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/vmx.c — Intel: EPTP, VPIDs, the three TLB flush flavours, PML
 * enable/disable and exit handling.
 *
 * With EPT, cached guest-physical and combined translations are tagged by
 * the EP4TA (the root's address), so a different root is a different tag;
 * VPID tags linear and combined translations.  Hence flush_tlb_current is
 * a single-context INVEPT of the current EPTP, flush_tlb_all a global
 * INVEPT, and flush_tlb_guest an INVVPID of the vCPU's VPID.
 */
#include "kvmmu/mmu_internal.h"

#include <stdlib.h>

#define VMX_EPTP_MT_WB 0x6ULL
#define VMX_EPTP_PWL_4 0x18ULL
#define VMX_EPTP_PWL_5 0x20ULL
#define VMX_EPTP_AD_ENABLE_BIT BIT_ULL(6)
#define PML_HEAD_INDEX 511

static u64 construct_eptp(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level)
{
	u64 eptp = VMX_EPTP_MT_WB;

	eptp |= root_level == 5 ? VMX_EPTP_PWL_5 : VMX_EPTP_PWL_4;
	if (kvm_ad_enabled(vcpu->kvm))
		eptp |= VMX_EPTP_AD_ENABLE_BIT;
	return eptp | root_hpa;
}

/* ------------------------------------------------------------ VPIDs */

static u16 allocate_vpid(struct kvm_x86_host *h)
{
	/* VPID 0 is the host's. */
	for (u32 v = 1; v < 65536; v++) {
		if (!(h->vpid_bitmap[v / 64] & (1ULL << (v % 64)))) {
			h->vpid_bitmap[v / 64] |= 1ULL << (v % 64);
			return (u16)v;
		}
	}
	return 0; /* out of VPIDs: run with VPID 0, flushed on every transition */
}

static void free_vpid(struct kvm_x86_host *h, u16 vpid)
{
	if (vpid)
		h->vpid_bitmap[vpid / 64] &= ~(1ULL << (vpid % 64));
}

/* ------------------------------------------------------------- flushes */

static void vmx_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	/* Guest-physical mappings are tied to EP4TAs, not VPIDs: only a
	 * global INVEPT reaches the translations of every root. */
	env_invept(vcpu->kvm->env, ENV_INVEPT_GLOBAL, 0);
}

static void vmx_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	if (!VALID_PAGE(vcpu->mmu.root_hpa))
		return;
	env_invept(vcpu->kvm->env, ENV_INVEPT_SINGLE,
		   construct_eptp(vcpu, vcpu->mmu.root_hpa,
				  vcpu->mmu.root_role.level));
}

static void vmx_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	/* Linear and combined mappings of this vCPU; VPID 0 is flushed by
	 * the hardware at every entry and exit anyway. */
	if (vcpu->vmx.vpid)
		env_invvpid(vcpu->kvm->env, ENV_INVVPID_SINGLE, vcpu->vmx.vpid, 0);
}

static void vmx_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level)
{
	vcpu->vmcs->eptp = construct_eptp(vcpu, root_hpa, root_level);
}

/* The VMCS was loaded on a new pCPU, which may hold stale translations
 * from an earlier stay of this vCPU there. */
static void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	(void)cpu;
	kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);
}

/* ----------------------------------------------------------------- PML */

static void vmx_set_pml(struct kvm_vcpu *vcpu, bool on)
{
	if (vcpu->vmcs->pml_enabled != on) {
		vcpu->kvm->stat.pml_toggles++;
		vcpu->vmcs->pml_enabled = on;
	}
}

/* KVM_REQ_UPDATE_CPU_DIRTY_LOGGING: PML on while any slot logs. */
static void vmx_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (!vcpu->vmx.pml_pg)
		return;
	vmx_set_pml(vcpu, kvm->pml_always || kvm->nr_memslots_dirty_logging > 0);
}

/* ---------------------------------------------------------- lifetime */

static int vmx_vm_init(struct kvm *kvm)
{
	struct kvm_x86_host *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->nr_pcpus = env_nr_pcpus(kvm->env);
	kvm->host = h;
	return 0;
}

static void vmx_vm_destroy(struct kvm *kvm)
{
	free(kvm->host);
}

static int vmx_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	vcpu->vmx.vpid = kvm->pol.vmx_vpid == KVMMU_VPID_ON ?
				 allocate_vpid(kvm->host) : 0;
	vcpu->vmcs->vpid = vcpu->vmx.vpid;
	if (kvm->cpu_dirty_log_size) {
		vcpu->vmx.pml_pg = env_alloc_words(kvm->env, 512);
		vcpu->vmcs->pml_page = vcpu->vmx.pml_pg;
		vcpu->vmcs->pml_index = PML_HEAD_INDEX;
		/* PML is on from creation only if some slot already logs
		 * (or always, the pre-5.12 behaviour). */
		vcpu->vmcs->pml_enabled = kvm->pml_always ||
					  kvm->nr_memslots_dirty_logging > 0;
	}
	return 0;
}

static void vmx_vcpu_free(struct kvm_vcpu *vcpu)
{
	free_vpid(vcpu->kvm->host, vcpu->vmx.vpid);
}

/* ---------------------------------------------------------------- exits */

static void vmx_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	env_vcpu_run_guest(vcpu->kvm->env, vcpu->ev, exit);
}

static void vmx_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	/* Every exit drains PML, so the dirty log is current whenever the
	 * vCPU is outside the guest (PML-full exits have nothing left). */
	kvm_flush_pml_buffer(vcpu);
}

static int handle_ept_violation(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	u64 q = exit->qual;
	u64 error_code;

	error_code = (q & EPT_VIOLATION_ACC_READ) ? PFERR_USER_MASK : 0;
	error_code |= (q & EPT_VIOLATION_ACC_WRITE) ? PFERR_WRITE_MASK : 0;
	error_code |= (q & EPT_VIOLATION_ACC_INSTR) ? PFERR_FETCH_MASK : 0;
	/* Some permission on the walk: the entry was present. */
	error_code |= (q & EPT_VIOLATION_RWX_MASK) ? PFERR_PRESENT_MASK : 0;
	if (q & EPT_VIOLATION_GVA_IS_VALID)
		error_code |= (q & EPT_VIOLATION_GVA_TRANSLATED) ?
				      PFERR_GUEST_FINAL_MASK : PFERR_GUEST_PAGE_MASK;
	return kvm_mmu_page_fault(vcpu, exit->gpa, error_code);
}

static int vmx_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_EPT_VIOLATION:
		return handle_ept_violation(vcpu, exit);
	case ENV_EXIT_EPT_MISCONFIG:
		/* KVM's MMIO SPTEs: W|X without R. */
		return kvm_mmu_page_fault(vcpu, exit->gpa, PFERR_RSVD_MASK);
	default:
		return kvm_handle_common_exit(vcpu, exit);
	}
}

const struct kvm_x86_ops vmx_x86_ops = {
	.name = "kvm_intel",
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.flush_tlb_all = vmx_flush_tlb_all,
	.flush_tlb_current = vmx_flush_tlb_current,
	.flush_tlb_guest = vmx_flush_tlb_guest,
	.load_mmu_pgd = vmx_load_mmu_pgd,
	.vcpu_run = vmx_vcpu_run,
	.handle_exit_irqoff = vmx_handle_exit_irqoff,
	.handle_exit = vmx_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
};
