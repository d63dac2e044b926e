// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/svm.c — AMD: ASIDs, nCR3, TLB_CONTROL, the Hyper-V flush, #NPF
 * exits.  The model's, for both MMUs (kvmmu/kvm_model.h): compiled for
 * kvmmu and around a kernel tree's MMU; each world puts these functions in
 * its own vendor table and keeps its host-wide setup (kvmmu's in
 * kvm_main.c with the ASID pool; linuxmmu/svm.c with the kernel's
 * kvm_x86_ops).
 *
 * NPT translations are tagged by ASID only, not by nCR3 (APM vol. 2
 * 15.16): a vCPU that switches roots under the same ASID can hit the old
 * root's translations unless something flushes (E15).  Three ways to hand
 * out ASIDs (svm.asid; a Linux tree's is per-vcpu-generation):
 *
 *  per-vcpu-generation  KVM's allocator: per-pCPU generations; a vCPU gets
 *                       a new ASID when it comes to a pCPU or when the
 *                       pCPU's generation moved on; running out wraps the
 *                       generation and flushes every ASID there.
 *  per-root             one ASID per TDP root (the 2022 idea): a new root
 *                       is a new tag, as an EP4TA is on Intel (kvmmu only:
 *                       the ASID lives in kvmmu's root).
 *  static-per-vm        one ASID for the whole VM (Yosry Ahmed's 2025
 *                       RFC): flush when a vCPU moves to a pCPU, or when
 *                       another vCPU of the VM ran there last.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

void svm_cpu_data_init(struct svm_cpu_data *sd, const struct env_caps *caps)
{
	sd->asid_generation = 1;
	sd->max_asid = caps->max_asid;
	/* Past the end: the first new_asid starts generation 2. */
	sd->next_asid = caps->max_asid + 1;
	sd->min_asid = caps->min_asid ? caps->min_asid : 1;
}

/* ------------------------------------------------------------ flushes */

/* Flush this vCPU's ASID before its next VMRUN. */
static void svm_flush_tlb_asid(struct kvm_vcpu *vcpu)
{
	const struct env_caps *caps = env_caps(kvm_env(vcpu->kvm));
	struct env_vmcs *vmcb = kvm_vcpu_vmcs(vcpu);

	if (kvm_policy(vcpu->kvm)->svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		vmcb->tlb_ctl = caps->flush_by_asid ? ENV_TLB_CTL_FLUSH_ASID :
						      ENV_TLB_CTL_FLUSH_ALL;
		return;
	}
	/* Without FLUSHBYASID, a new ASID is the flush: make the generation
	 * stale so pre_svm_run hands one out. */
	if (caps->flush_by_asid)
		vmcb->tlb_ctl = ENV_TLB_CTL_FLUSH_ASID;
	else
		kvm_vcpu_svm(vcpu)->asid_generation--;
}

/*
 * On Hyper-V with EnlightenedNptTlb the ASID flush keeps NPT (GPA->HPA)
 * translations: dropping them takes a hypercall, made before the VMRUN
 * that would use them (hv_flush_tlb_current).  The kernel also sends
 * remote flushes as that hypercall (hv_flush_remote_tlbs); the model keeps
 * them as KVM_REQ_TLB_FLUSH requests, so each vCPU's flush of all makes
 * the hypercall for its root.  svm.hv_npt_flush=asid is the kernel before
 * e5c972c1fada.
 */
static void svm_hv_flush_npt(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	u64 root = kvm_vcpu_mmu_root(vcpu);

	if (!env_caps(kvm_env(kvm))->hv_enlightened_npt_tlb ||
	    kvm_policy(kvm)->svm_hv_npt_flush != KVMMU_SVM_HV_NPT_FLUSH_HYPERCALL ||
	    !VALID_PAGE(root))
		return;
	env_hv_flush_guest_mapping(kvm_env(kvm), root);
}

void svm_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	/* With one ASID per root, the VM's translations live under several
	 * ASIDs on this pCPU: flush them all. */
	if (kvm_policy(vcpu->kvm)->svm_asid == KVMMU_SVM_ASID_PER_ROOT) {
		kvm_vcpu_vmcs(vcpu)->tlb_ctl = ENV_TLB_CTL_FLUSH_ALL;
		return;
	}
	svm_flush_tlb_asid(vcpu);
}

void svm_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	svm_flush_tlb_asid(vcpu);
}

void svm_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	svm_flush_tlb_asid(vcpu);
}

/* INVLPGA would do; the whole ASID is a superset (flush_tlb_gva). */
void svm_flush_tlb_gva(struct kvm_vcpu *vcpu, u64 addr)
{
	(void)addr;
	svm_flush_tlb_asid(vcpu);
}

/* Writes nCR3 (VMCB_NPT dirty).  The ASID does not change here, except
 * under per-root ASIDs. */
void svm_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level)
{
	(void)root_level;
	kvm_vcpu_vmcs(vcpu)->ncr3 = root_hpa;
	if (kvm_policy(vcpu->kvm)->svm_asid == KVMMU_SVM_ASID_PER_ROOT)
		kvm_svm_root_asid_load(vcpu);
}

void svm_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	/* Nothing here: pre_svm_run notices the VMCB last ran elsewhere. */
	(void)vcpu, (void)cpu;
}

/* --------------------------------------------------------- ASIDs */

static void new_asid(struct kvm_vcpu *vcpu, struct svm_cpu_data *sd)
{
	struct kvm_svm_vcpu *svm = kvm_vcpu_svm(vcpu);

	if (sd->next_asid > sd->max_asid) {
		/* Out of ASIDs on this pCPU: start a new generation and flush
		 * them all, since every ASID may be reused from now on. */
		++sd->asid_generation;
		sd->next_asid = sd->min_asid;
		kvm_vcpu_vmcs(vcpu)->tlb_ctl = ENV_TLB_CTL_FLUSH_ALL;
		kvm_mstat(vcpu->kvm)->svm_asid_wraps++;
	}
	svm->asid_generation = sd->asid_generation;
	svm->asid = sd->next_asid++;
	kvm_mstat(vcpu->kvm)->svm_new_asid++;
}

/* Runs with interrupts off, right before VMRUN, on the pCPU it names. */
static void pre_svm_run(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_svm_vcpu *svm = kvm_vcpu_svm(vcpu);
	int cpu = vcpu->cpu;
	struct svm_cpu_data *sd = kvm_svm_cpu(kvm, cpu);

	if (kvm_policy(kvm)->svm_asid == KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		/* Last ran on another pCPU: its ASID there means nothing here. */
		if (svm->vmcb_cpu != cpu) {
			svm->asid_generation = 0;
			svm->vmcb_cpu = cpu;
		}
		/* FIXME upstream too: a wrap of asid_generation itself. */
		if (svm->asid_generation != sd->asid_generation)
			new_asid(vcpu, sd);
	} else {
		/* Who last used this ASID on this pCPU (the root and the
		 * vCPU; kvm_model.h): anyone else may have left translations
		 * (guest-linear ones differ per vCPU). */
		u32 asid;
		u64 owner = kvm_svm_fixed_asid(vcpu, &asid);

		if (svm->vmcb_cpu != cpu || sd->asid_owner[asid] != owner) {
			svm_flush_tlb_asid(vcpu);
			sd->asid_owner[asid] = owner;
		}
		svm->vmcb_cpu = cpu;
		svm->asid = asid;
	}
	kvm_vcpu_vmcs(vcpu)->asid = svm->asid;
}

/* ---------------------------------------------------------- lifetime */

/* The vCPU's VMCB state, and its PML buffer (AMD's PML, svm.pml=1). */
int svm_vcpu_setup(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct env_vmcs *vmcb = kvm_vcpu_vmcs(vcpu);

	kvm_vcpu_svm(vcpu)->vmcb_cpu = -1;
	vmcb->tlb_ctl = ENV_TLB_CTL_NONE;
	if (kvm_cpu_dirty_log_size(kvm)) {
		u64 *pml = env_alloc_words(kvm_env(kvm), KVM_PML_ENTRIES);

		if (!pml)
			return -ENOMEM;
		*kvm_vcpu_pml_pagep(vcpu) = pml;
		vmcb->pml_page = pml;
		vmcb->pml_index = KVM_PML_HEAD_INDEX;
		vmcb->pml_enabled = kvm_pml_wanted(kvm);
	}
	return 0;
}

/* ---------------------------------------------------------------- exits */

void svm_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	pre_svm_run(vcpu);
	env_vcpu_run_guest(kvm_env(vcpu->kvm), kvm_vcpu_ev(vcpu), exit);
}

/* npf_interception: EXITINFO1 is already a #PF-style error code. */
int svm_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_NPF:
		return kvm_x86_page_fault(vcpu, exit->gpa, exit->qual);
	default:
		return kvm_handle_common_exit(vcpu, exit);
	}
}
