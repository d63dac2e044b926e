// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/vmx.c — Intel: EPTP, VPIDs, the TLB flush flavours, PML on and off,
 * and the exits that reach the MMU.  The model's, for both MMUs
 * (kvmmu/kvm_model.h): compiled for kvmmu and around a kernel tree's MMU;
 * each world puts these functions in its own vendor table (kvmmu's
 * kvm_x86_ops in kvm_main.c; the kernel's kvm_x86_ops and the model's
 * lkvm_vmx in linuxmmu/vmx.c, with the hardware setup).
 *
 * With EPT, cached guest-physical and combined translations are tagged by
 * the EP4TA (the root's address), so a different root is a different tag;
 * VPID tags linear and combined translations.  Hence flush_tlb_current is
 * a single-context INVEPT of the current EPTP, flush_tlb_all a global
 * INVEPT, and flush_tlb_guest an INVVPID of the vCPU's VPID (SDM vol. 3C
 * 29.4).
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

/* EPTP fields (SDM vol. 3C, the extended-page-table pointer); the
 * kernel's headers call them VMX_EPTP_*, so the model's names differ in
 * the kernel's world. */
#define EPTP_MT_WB 0x6ULL
#define EPTP_PWL_4 0x18ULL
#define EPTP_PWL_5 0x20ULL
#define EPTP_AD_ENABLE (1ULL << 6)

static u64 construct_eptp(struct kvm *kvm, u64 root_hpa, int root_level)
{
	u64 eptp = EPTP_MT_WB;

	eptp |= root_level == 5 ? EPTP_PWL_5 : EPTP_PWL_4;
	if (kvm_eptp_ad(kvm))
		eptp |= EPTP_AD_ENABLE;
	return eptp | root_hpa;
}

/* ------------------------------------------------------------ VPIDs */

static u16 allocate_vpid(u64 *bitmap)
{
	/* VPID 0 is the host's. */
	for (u32 v = 1; v < 65536; v++) {
		if (!(bitmap[v / 64] & (1ULL << (v % 64)))) {
			bitmap[v / 64] |= 1ULL << (v % 64);
			return (u16)v;
		}
	}
	return 0; /* out of VPIDs: run with VPID 0, flushed on every transition */
}

static void free_vpid(u64 *bitmap, u16 vpid)
{
	if (vpid)
		bitmap[vpid / 64] &= ~(1ULL << (vpid % 64));
}

/* ------------------------------------------------------------- flushes */

void vmx_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	/* Guest-physical mappings are tied to EP4TAs, not VPIDs: only a
	 * global INVEPT reaches the translations of every root. */
	env_invept(kvm_env(vcpu->kvm), ENV_INVEPT_GLOBAL, 0);
}

void vmx_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	u64 root = kvm_vcpu_mmu_root(vcpu);

	if (!VALID_PAGE(root))
		return;
	env_invept(kvm_env(vcpu->kvm), ENV_INVEPT_SINGLE,
		   construct_eptp(vcpu->kvm, root, kvm_vcpu_root_level(vcpu)));
}

void vmx_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	u16 vpid = *kvm_vcpu_vpid(vcpu);

	/* Linear and combined mappings of this vCPU; VPID 0 is flushed by
	 * the hardware at every entry and exit anyway. */
	if (vpid)
		env_invvpid(kvm_env(vcpu->kvm), ENV_INVVPID_SINGLE, vpid, 0);
}

/* INVVPID of one address (the guest's INVLPG emulated, flush_tlb_gva). */
void vmx_flush_tlb_gva(struct kvm_vcpu *vcpu, u64 addr)
{
	u16 vpid = *kvm_vcpu_vpid(vcpu);

	if (vpid)
		env_invvpid(kvm_env(vcpu->kvm), ENV_INVVPID_ADDR, vpid, addr);
}

void vmx_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level)
{
	kvm_vcpu_vmcs(vcpu)->eptp = construct_eptp(vcpu->kvm, root_hpa, root_level);
}

/* The VMCS was loaded on a new pCPU, which may hold stale translations
 * from an earlier stay of this vCPU there. */
void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	(void)cpu;
	kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);
}

/* ----------------------------------------------------------------- PML */

/* KVM_REQ_UPDATE_CPU_DIRTY_LOGGING: PML on while any slot logs. */
void vmx_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	struct env_vmcs *vmcs = kvm_vcpu_vmcs(vcpu);
	bool on = kvm_pml_wanted(vcpu->kvm);

	if (!kvm_vcpu_pml_page(vcpu) || vmcs->pml_enabled == on)
		return;
	kvm_mstat(vcpu->kvm)->pml_toggles++;
	vmcs->pml_enabled = on;
}

/* ---------------------------------------------------------- lifetime */

/* The vCPU's VPID (vmx.vpid=on) and PML buffer (with PML). */
int vmx_vcpu_setup(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct env_vmcs *vmcs = kvm_vcpu_vmcs(vcpu);
	u16 *vpid = kvm_vcpu_vpid(vcpu);

	*vpid = kvm_policy(kvm)->vmx_vpid == KVMMU_VPID_ON ?
		allocate_vpid(kvm_vpid_bitmap(kvm)) : 0;
	vmcs->vpid = *vpid;
	if (kvm_cpu_dirty_log_size(kvm)) {
		u64 *pml = env_alloc_words(kvm_env(kvm), KVM_PML_ENTRIES);

		if (!pml) {
			free_vpid(kvm_vpid_bitmap(kvm), *vpid);
			*vpid = vmcs->vpid = 0;
			return -ENOMEM;
		}
		*kvm_vcpu_pml_pagep(vcpu) = pml;
		vmcs->pml_page = pml;
		vmcs->pml_index = KVM_PML_HEAD_INDEX;
		/* PML is on from creation only if some slot already logs
		 * (or always, the pre-5.12 behaviour). */
		vmcs->pml_enabled = kvm_pml_wanted(kvm);
	}
	return 0;
}

void vmx_vcpu_teardown(struct kvm_vcpu *vcpu)
{
	free_vpid(kvm_vpid_bitmap(vcpu->kvm), *kvm_vcpu_vpid(vcpu));
}

/* ---------------------------------------------------------------- exits */

void vmx_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	env_vcpu_run_guest(kvm_env(vcpu->kvm), kvm_vcpu_ev(vcpu), exit);
}

/* handle_ept_violation: the exit qualification as a page-fault error code
 * (SDM vol. 3C table 28-7). */
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
	return kvm_x86_page_fault(vcpu, exit->gpa, error_code);
}

int vmx_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_EPT_VIOLATION:
		return handle_ept_violation(vcpu, exit);
	case ENV_EXIT_EPT_MISCONFIG:
		/* KVM's MMIO SPTEs: W|X without R. */
		return kvm_x86_page_fault(vcpu, exit->gpa, PFERR_RSVD_MASK);
	default:
		/* A full PML buffer was drained at the exit already. */
		return kvm_handle_common_exit(vcpu, exit);
	}
}
