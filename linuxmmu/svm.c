// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/svm.c — arch/x86/kvm/svm's part for a kernel tree's MMU that is
 * not the model's (kvmmu/svm.c, compiled here too: ASIDs in per-pCPU
 * generations, TLB_CONTROL flushes, the Hyper-V hypercall, #NPF exits):
 * the hardware setup that configures the tree's MMU for NPT and fills the
 * kernel's kvm_x86_ops, the per-pCPU ASID data, and the vendor table of
 * the model.  A tree's ASIDs are per-vCPU generations (svm.asid is fixed
 * to that); there is no PML on AMD in these trees.
 */
#include "linuxmmu/lkvm.h"

/* svm_cpu_data of every pCPU (svm_cpu_init). */
static struct svm_cpu_data *svm_cpus;
static unsigned svm_nr_cpus;

struct svm_cpu_data *kvm_svm_cpu(struct kvm *kvm, int cpu)
{
	if (WARN_ON_ONCE(cpu < 0 || (unsigned)cpu >= svm_nr_cpus))
		cpu = 0;
	return &svm_cpus[cpu];
}

/* Per-root and per-VM ASIDs are kvmmu's: never asked for here. */
u64 kvm_svm_fixed_asid(struct kvm_vcpu *vcpu, u32 *asid)
{
	kshim_unimplemented("svm.asid other than per-vcpu-generation");
}

void kvm_svm_root_asid_load(struct kvm_vcpu *vcpu)
{
	kshim_unimplemented("svm.asid=per-root");
}

static void svm_hardware_setup(struct lkvm *lk)
{
	const struct env_caps *caps = env_caps(lk->env);
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
	for (unsigned c = 0; c < svm_nr_cpus; c++)
		svm_cpu_data_init(&svm_cpus[c], caps);
}

static void svm_hardware_unsetup(void)
{
	kshim_host_free(svm_cpus);
	svm_cpus = NULL;
	svm_nr_cpus = 0;
}

static int svm_vcpu_create(struct lvcpu *v)
{
	return svm_vcpu_setup(&v->vcpu);
}

static void svm_vcpu_free(struct lvcpu *v) { }

const struct lkvm_vendor lkvm_svm = {
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.vcpu_run = svm_vcpu_run,
	.handle_exit_irqoff = kvm_flush_pml_buffer,
	.handle_exit = svm_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
};
