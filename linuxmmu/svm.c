// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/svm.c — arch/x86/kvm/svm's part for a kernel tree's MMU: the
 * hardware setup that configures the MMU for NPT, nCR3 root loading, ASIDs
 * handed out per pCPU in generations, the TLB_CONTROL flushes, and the #NPF
 * exit that reaches the MMU.
 *
 * NPT translations are tagged by ASID only, not by nCR3 (APM vol. 2 15.16):
 * a new root under the same ASID keeps the old root's translations unless
 * something flushes — in Linux, kvm_mmu_load()'s flush_tlb_current after a
 * root is loaded (the tree's mmu.c).  ASIDs (6.12's pre_svm_run/new_asid):
 * a vCPU gets a new ASID when its VMCB comes to another pCPU or when that
 * pCPU's generation moved on; running out of ASIDs starts a new generation
 * and flushes every ASID there.  Without FLUSHBYASID a flush of the ASID is
 * a new ASID (the generation made stale).  No PML on AMD in these trees.
 * On Hyper-V with EnlightenedNptTlb a flush of the current root also
 * makes the hypercall that drops its nested translations.
 */
#include "linuxmmu/lkvm.h"

/* What svm_cpu_data keeps per pCPU. */
struct lkvm_svm_cpu {
	u64 asid_generation;
	u32 max_asid, next_asid, min_asid;
};

static struct lkvm_svm_cpu *svm_cpus;
static unsigned svm_nr_cpus;

static void svm_flush_tlb_asid(struct kvm_vcpu *vcpu)
{
	struct lvcpu *v = to_lvcpu(vcpu);

	if (env_caps(kshim_env)->flush_by_asid)
		v->vmcs->tlb_ctl = ENV_TLB_CTL_FLUSH_ASID;
	else
		v->asid_generation--;
}

/*
 * KVM on Hyper-V with EnlightenedNptTlb (svm_onhyperv.h; in 6.12 and in
 * 6.1.192, e5c972c1fada): the ASID flush keeps the nested (GPA->HPA)
 * translations; svm_flush_tlb_current drops them for the current root with
 * HvCallFlushGuestPhysicalAddressSpace before the ASID flush.  The kernel
 * also sends remote flushes as that hypercall (hv_flush_remote_tlbs), where
 * svm_flush_tlb_all WARNs; the model keeps remote flushes as
 * KVM_REQ_TLB_FLUSH requests, as kvmmu does, so each vCPU's flush of all
 * makes the hypercall for its root.
 */
static void svm_hv_flush_npt(struct kvm_vcpu *vcpu)
{
	hpa_t root = vcpu->arch.mmu->root.hpa;

	if (env_caps(kshim_env)->hv_enlightened_npt_tlb && VALID_PAGE(root))
		env_hv_flush_guest_mapping(kshim_env, root);
}

static void svm_flush_tlb_all(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	svm_flush_tlb_asid(vcpu);
}

static void svm_flush_tlb_current(struct kvm_vcpu *vcpu)
{
	svm_hv_flush_npt(vcpu);
	svm_flush_tlb_asid(vcpu);
}
static void svm_flush_tlb_guest(struct kvm_vcpu *vcpu) { svm_flush_tlb_asid(vcpu); }

static void svm_flush_tlb_gva(struct kvm_vcpu *vcpu, gva_t addr)
{
	/* INVLPGA would do; the whole ASID is a superset. */
	svm_flush_tlb_asid(vcpu);
}

static void svm_load_mmu_pgd(struct kvm_vcpu *vcpu, hpa_t root_hpa, int root_level)
{
	to_lvcpu(vcpu)->vmcs->ncr3 = root_hpa;
}

static void svm_hardware_setup(struct lkvm *lk)
{
	const struct env_caps *caps = env_caps(lk->env);
	u32 min_asid = caps->min_asid ? caps->min_asid : 1;
	int npt_level = caps->tdp_levels == 5 ? PT64_ROOT_5LEVEL : PT64_ROOT_4LEVEL;

	memset(&kvm_x86_ops, 0, sizeof(kvm_x86_ops));
	kvm_x86_ops.flush_tlb_all = svm_flush_tlb_all;
	kvm_x86_ops.flush_tlb_current = svm_flush_tlb_current;
	kvm_x86_ops.flush_tlb_gva = svm_flush_tlb_gva;
	kvm_x86_ops.flush_tlb_guest = svm_flush_tlb_guest;
	kvm_x86_ops.load_mmu_pgd = svm_load_mmu_pgd;

	/* NPT keeps the x86 SPTE format the MMU's module init set up. */
	kvm_configure_mmu(true, npt_level, npt_level, PG_LEVEL_1G);

	svm_nr_cpus = env_nr_pcpus(lk->env);
	svm_cpus = kshim_host_calloc(svm_nr_cpus, sizeof(*svm_cpus));
	for (unsigned c = 0; c < svm_nr_cpus; c++) {
		svm_cpus[c].asid_generation = 1;
		svm_cpus[c].max_asid = caps->max_asid;
		/* Past the end: the first new_asid starts generation 2. */
		svm_cpus[c].next_asid = caps->max_asid + 1;
		svm_cpus[c].min_asid = min_asid;
	}
}

static void svm_hardware_unsetup(void)
{
	kshim_host_free(svm_cpus);
	svm_cpus = NULL;
	svm_nr_cpus = 0;
}

static int svm_vcpu_create(struct lvcpu *v)
{
	v->vmcb_cpu = -1;
	v->vmcs->tlb_ctl = ENV_TLB_CTL_NONE;
	return 0;
}

static void svm_vcpu_free(struct lvcpu *v) { }

/* No PML on AMD in these trees: dirty logging write-protects. */
static void svm_update_cpu_dirty_logging(struct kvm_vcpu *vcpu) { }

static void new_asid(struct lvcpu *v, struct lkvm_svm_cpu *sd)
{
	if (sd->next_asid > sd->max_asid) {
		/* Every ASID of this pCPU may be reused from now on. */
		++sd->asid_generation;
		sd->next_asid = sd->min_asid;
		v->vmcs->tlb_ctl = ENV_TLB_CTL_FLUSH_ALL;
	}
	v->asid_generation = sd->asid_generation;
	v->asid = sd->next_asid++;
}

/* pre_svm_run: with interrupts off, right before VMRUN on vcpu->cpu. */
static void pre_svm_run(struct lvcpu *v)
{
	int cpu = v->vcpu.cpu;
	struct lkvm_svm_cpu *sd;

	if (WARN_ON_ONCE(cpu < 0 || (unsigned)cpu >= svm_nr_cpus))
		cpu = 0;
	sd = &svm_cpus[cpu];
	/* The VMCB last ran on another pCPU: its ASID means nothing here. */
	if (v->vmcb_cpu != cpu) {
		v->asid_generation = 0;
		v->vmcb_cpu = cpu;
	}
	if (v->asid_generation != sd->asid_generation)
		new_asid(v, sd);
	v->vmcs->asid = v->asid;
}

static void svm_vcpu_run(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	pre_svm_run(to_lvcpu(vcpu));
	env_vcpu_run_guest(kshim_env, to_lvcpu(vcpu)->ev, exit);
}

/* npf_interception: EXITINFO1 is the page-fault error code. */
static int svm_handle_exit(struct kvm_vcpu *vcpu, struct env_exit *exit)
{
	if (exit->reason == ENV_EXIT_NPF)
		return lkvm_page_fault(vcpu, exit->gpa, exit->qual & ~PFERR_SYNTHETIC_MASK);
	return kvm_handle_common_exit(vcpu, exit);
}

/* svm_vcpu_load: no flush; pre_svm_run sees the VMCB ran elsewhere. */
static void svm_vcpu_load(struct kvm_vcpu *vcpu, int cpu) { }

const struct lkvm_vendor lkvm_svm = {
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.vcpu_run = svm_vcpu_run,
	.handle_exit = svm_handle_exit,
	.update_cpu_dirty_logging = svm_update_cpu_dirty_logging,
};
