// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/svm.c — AMD: ASIDs, nCR3, TLB_CONTROL, #NPF exits.
 *
 * NPT translations are tagged by ASID only, not by nCR3: a vCPU that
 * switches roots under the same ASID can hit the old root's translations
 * unless something flushes (E15).  Three ways to hand out ASIDs
 * (svm.asid):
 *
 *  per-vcpu-generation  KVM's allocator: per-pCPU generations; a vCPU gets
 *                       a new ASID when it comes to a pCPU or when the
 *                       pCPU's generation moved on; running out wraps the
 *                       generation and flushes every ASID there.
 *  per-root             one ASID per TDP root (the 2022 idea): a new root
 *                       is a new tag, as an EP4TA is on Intel.
 *  static-per-vm        one ASID for the whole VM (Yosry Ahmed's 2025
 *                       RFC): flush when a vCPU moves to a pCPU, or when
 *                       another vCPU of the VM ran there last.
 */
#include "kvmmu/mmu_internal.h"

#include <stdlib.h>

static struct svm_cpu_data *svm_cpu(struct kvm *kvm, int cpu)
{
	ENV_ASSERT(kvm->env, cpu >= 0 && (unsigned)cpu < kvm->host->nr_pcpus);
	return &kvm->host->svm_data[cpu];
}

/* ----------------------------------------------------- the ASID pool */

static u32 asid_pool_alloc(struct kvm *kvm)
{
	struct kvm_x86_host *h = kvm->host;
	struct svm_cpu_data *sd = &h->svm_data[0];

	for (u32 a = sd->min_asid; a <= sd->max_asid; a++) {
		if (!(h->asid_pool[a / 64] & (1ULL << (a % 64)))) {
			h->asid_pool[a / 64] |= 1ULL << (a % 64);
			return a;
		}
	}
	env_assert_fail(kvm->env, "out of ASIDs", __FILE__, __LINE__);
	return sd->min_asid;
}

static void asid_pool_free(struct kvm *kvm, u32 asid)
{
	kvm->host->asid_pool[asid / 64] &= ~(1ULL << (asid % 64));
}

static void svm_tdp_root_created(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT)
		root->asid = asid_pool_alloc(kvm);
}

static void svm_tdp_root_freed(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT && root->asid)
		asid_pool_free(kvm, root->asid);
}

/* ------------------------------------------------------------ flushes */

/* Flush this vCPU's ASID before its next VMRUN. */
static void svm_flush_tlb_asid(struct kvm_vcpu *vcpu)
{
	const struct env_caps *caps = env_caps(vcpu->kvm->env);

	if (vcpu->kvm->pol.svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		vcpu->vmcs->tlb_ctl = caps->flush_by_asid ? ENV_TLB_CTL_FLUSH_ASID :
							    ENV_TLB_CTL_FLUSH_ALL;
		return;
	}
	/* Without FLUSHBYASID, a new ASID is the flush: make the generation
	 * stale so pre_svm_run hands one out. */
	if (caps->flush_by_asid)
		vcpu->vmcs->tlb_ctl = ENV_TLB_CTL_FLUSH_ASID;
	else
		vcpu->svm.asid_generation--;
}

/*
 * On Hyper-V with EnlightenedNptTlb the ASID flush keeps NPT (GPA->HPA)
 * translations: dropping them takes a hypercall, made before the VMRUN
 * that would use them (hv_flush_tlb_current / hv_flush_remote_tlbs).
 * svm.hv_npt_flush=asid is the kernel before e5c972c1fada.
 */
static void svm_hv_flush_npt(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (!env_caps(kvm->env)->hv_enlightened_npt_tlb ||
	    kvm->pol.svm_hv_npt_flush != KVMMU_SVM_HV_NPT_FLUSH_HYPERCALL ||
	    !VALID_PAGE(vcpu->mmu.root_hpa))
		return;
	env_hv_flush_guest_mapping(kvm->env, vcpu->mmu.root_hpa);
}

static void svm_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	/* With one ASID per root, the VM's translations live under several
	 * ASIDs on this pCPU: flush them all. */
	if (vcpu->kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT) {
		vcpu->vmcs->tlb_ctl = ENV_TLB_CTL_FLUSH_ALL;
		return;
	}
	svm_flush_tlb_asid(vcpu);
}

static void svm_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	svm_flush_tlb_asid(vcpu);
}

static void svm_flush_tlb_guest(struct kvm_vcpu *vcpu)
{
	svm_flush_tlb_asid(vcpu);
}

/* Writes nCR3 (VMCB_NPT dirty).  The ASID does not change here, except
 * under per-root ASIDs. */
static void svm_load_mmu_pgd(struct kvm_vcpu *vcpu, u64 root_hpa, int root_level)
{
	(void)root_level;
	vcpu->vmcs->ncr3 = root_hpa;
	if (vcpu->kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT && vcpu->mmu.root)
		vcpu->svm.asid = vcpu->mmu.root->asid;
}

static void svm_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	/* Nothing here: pre_svm_run notices the VMCB last ran elsewhere. */
	(void)vcpu, (void)cpu;
}

/* --------------------------------------------------------- ASIDs */

static void new_asid(struct kvm_vcpu *vcpu, struct svm_cpu_data *sd)
{
	if (sd->next_asid > sd->max_asid) {
		/* Out of ASIDs on this pCPU: start a new generation and flush
		 * them all, since every ASID may be reused from now on. */
		++sd->asid_generation;
		sd->next_asid = sd->min_asid;
		vcpu->vmcs->tlb_ctl = ENV_TLB_CTL_FLUSH_ALL;
		vcpu->kvm->stat.svm_asid_wraps++;
	}
	vcpu->svm.asid_generation = sd->asid_generation;
	vcpu->svm.asid = sd->next_asid++;
	vcpu->kvm->stat.svm_new_asid++;
}

/* Runs with interrupts off, right before VMRUN, on the pCPU it names. */
static void pre_svm_run(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	int cpu = vcpu->cpu;
	struct svm_cpu_data *sd = svm_cpu(kvm, cpu);

	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		/* Last ran on another pCPU: its ASID there means nothing here. */
		if (vcpu->svm.vmcb_cpu != cpu) {
			vcpu->svm.asid_generation = 0;
			vcpu->svm.vmcb_cpu = cpu;
		}
		/* FIXME upstream too: a wrap of asid_generation itself. */
		if (vcpu->svm.asid_generation != sd->asid_generation)
			new_asid(vcpu, sd);
	} else {
		bool per_root = kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT;
		u32 asid = per_root ? vcpu->mmu.root->asid : kvm->static_asid;
		/* Who last used this ASID on this pCPU: (root, vCPU) for
		 * per-root, the vCPU for per-VM.  Anyone else may have left
		 * translations (guest-linear ones differ per vCPU). */
		u64 owner = (per_root ? vcpu->mmu.root->serial << 16 : 0) |
			    (vcpu->vcpu_idx + 1);

		if (vcpu->svm.vmcb_cpu != cpu || sd->asid_owner[asid] != owner) {
			svm_flush_tlb_asid(vcpu);
			sd->asid_owner[asid] = owner;
		}
		vcpu->svm.vmcb_cpu = cpu;
		vcpu->svm.asid = asid;
	}
	vcpu->vmcs->asid = vcpu->svm.asid;
}

/* ---------------------------------------------------------------- PML */

static void svm_update_cpu_dirty_logging(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	bool on = kvm->pml_always || kvm->nr_memslots_dirty_logging > 0;

	if (!vcpu->vmx.pml_pg)
		return;
	if (vcpu->vmcs->pml_enabled != on) {
		kvm->stat.pml_toggles++;
		vcpu->vmcs->pml_enabled = on;
	}
}

/* ----------------------------------------------------------- lifetime */

static int svm_vm_init(struct kvm *kvm)
{
	const struct env_caps *caps = env_caps(kvm->env);
	struct kvm_x86_host *h = calloc(1, sizeof(*h));
	u32 min_asid = caps->min_asid ? caps->min_asid : 1;

	if (!h)
		return -ENOMEM;
	kvm->host = h;
	h->nr_pcpus = env_nr_pcpus(kvm->env);
	h->svm_data = calloc(h->nr_pcpus ? h->nr_pcpus : 1, sizeof(*h->svm_data));
	if (!h->svm_data)
		return -ENOMEM;
	for (unsigned c = 0; c < h->nr_pcpus; c++) {
		struct svm_cpu_data *sd = &h->svm_data[c];

		sd->asid_generation = 1;
		sd->max_asid = caps->max_asid;
		/* Past the end: the first new_asid starts generation 2. */
		sd->next_asid = sd->max_asid + 1;
		sd->min_asid = min_asid;
		if (kvm->pol.svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
			sd->asid_owner = calloc((size_t)caps->max_asid + 1, sizeof(u64));
			if (!sd->asid_owner)
				return -ENOMEM;
		}
	}
	if (kvm->pol.svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		h->asid_pool_bits = caps->max_asid + 1;
		h->asid_pool = calloc((h->asid_pool_bits + 63) / 64, sizeof(u64));
		if (!h->asid_pool)
			return -ENOMEM;
	}
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_STATIC_PER_VM)
		kvm->static_asid = asid_pool_alloc(kvm);
	return 0;
}

static void svm_vm_destroy(struct kvm *kvm)
{
	struct kvm_x86_host *h = kvm->host;

	if (!h)
		return;
	for (unsigned c = 0; h->svm_data && c < h->nr_pcpus; c++)
		free(h->svm_data[c].asid_owner);
	free(h->svm_data);
	free(h->asid_pool);
	free(h);
}

static int svm_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	vcpu->svm.vmcb_cpu = -1;
	vcpu->vmcs->tlb_ctl = ENV_TLB_CTL_NONE;
	if (kvm->cpu_dirty_log_size) {
		vcpu->vmx.pml_pg = env_alloc_words(kvm->env, 512);
		vcpu->vmcs->pml_page = vcpu->vmx.pml_pg;
		vcpu->vmcs->pml_index = 511;
		vcpu->vmcs->pml_enabled = kvm->pml_always ||
					  kvm->nr_memslots_dirty_logging > 0;
	}
	return 0;
}

static void svm_vcpu_free(struct kvm_vcpu *vcpu) { (void)vcpu; }

/* ---------------------------------------------------------------- exits */

static void svm_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	pre_svm_run(vcpu);
	env_vcpu_run_guest(vcpu->kvm->env, vcpu->ev, exit);
}

static void svm_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	kvm_flush_pml_buffer(vcpu);
}

static int svm_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	switch (exit->reason) {
	case ENV_EXIT_NPF:
		/* EXITINFO1 is already a #PF-style error code. */
		return kvm_mmu_page_fault(vcpu, exit->gpa, exit->qual);
	default:
		return kvm_handle_common_exit(vcpu, exit);
	}
}

const struct kvm_x86_ops svm_x86_ops = {
	.name = "kvm_amd",
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.flush_tlb_all = svm_flush_tlb_all,
	.flush_tlb_current = svm_flush_tlb_current,
	.flush_tlb_guest = svm_flush_tlb_guest,
	.load_mmu_pgd = svm_load_mmu_pgd,
	.vcpu_run = svm_vcpu_run,
	.handle_exit_irqoff = svm_handle_exit_irqoff,
	.handle_exit = svm_handle_exit,
	.update_cpu_dirty_logging = svm_update_cpu_dirty_logging,
	.tdp_root_created = svm_tdp_root_created,
	.tdp_root_freed = svm_tdp_root_freed,
};
