// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/policy.c — what kvmmu's policy keys mean when a kernel tree's MMU
 * runs.
 *
 * Keys that are real configuration in Linux too (module parameters and VMM
 * ioctls: mmu.ad_bits = enable_ept_ad_bits, mmu.dirty_log pml|wp =
 * enable_pml, mmu.dirty_log=ring with mmu.dirty_ring_size =
 * KVM_CAP_DIRTY_LOG_RING_ACQ_REL, mmu.eager_split = eager_page_split, mmu.manual_protect =
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, vmx.vpid = enable_vpid) are honoured.
 * Keys that choose a historical code behaviour are the tree's own code in
 * this build: they are fixed at the value that matches it (the table
 * below, read from the trees' sources), and asking for another is bad input.
 */
#include "kvmmu/kvmmu.h"

#include <stdio.h>
#include <string.h>

#if !defined(LKVM_TREE_VERSION) || !defined(LKVM_TREE_VERSION_CODE)
#error "LKVM_TREE_VERSION, LKVM_TREE_VERSION_CODE: built by make linux only"
#endif
#define LKVM_KERNEL_VERSION(a, b, c) (((a) << 16) | ((b) << 8) | (c))

const char *kvm_mmu_name(void)
{
	return "linux " LKVM_TREE_VERSION ", arch/x86/kvm/mmu, tree " LKVM_TREE_HASH;
}

/*
 * What Linux 6.1 and 6.12 do, as kvmmu's knobs name it.  Both predate the
 * 6.13 changes (dirty and accessed marks at map time, huge pages rebuilt in
 * place, spurious faults by permission, no flush when aging) and 6.14's PML
 * drain in hardware order; every older fix kvmmu has a knob for is in both,
 * with one partial exception: 6.1.192's clear_dirty_gfn_range re-checks
 * only that the SPTE is present after a lost cmpxchg, not that it is still
 * a leaf (E11's second half, 45a61ebb2211, v6.8): without A/D bits it can
 * clear W in a table a concurrent split just installed.  No value of
 * mmu.clear_dirty_retry says "present only"; the table keeps "recheck" and
 * the 6.1 tree's own code shows the difference.  svm.hv_npt_flush's fix
 * (e5c972c1fada, in svm.c, which the model stands for) is in 6.12 and was
 * backported to 6.1.192.
 */
static const char *const fixed_6x[] = {
	"mmu.dirty_mark=zap",
	"mmu.accessed_mark=zap",
	"mmu.spte_write=atomic-if-volatile",
	"mmu.fast_zap_kick=in-lock",
	"mmu.root_load_flush=on",
	"mmu.huge_recovery=zap",
	"mmu.nx_recovery_flush=honored",
	/* 6.1's eager split allocates with GFP_NOWAIT under mmu_lock first;
	 * 6.12's always drops the lock ("KVM: x86/mmu: Always drop mmu_lock
	 * to allocate TDP MMU SPs for eager splitting", 6.10 as far as we
	 * know; of the trees in between none builds here). */
#if LKVM_TREE_VERSION_CODE < LKVM_KERNEL_VERSION(6, 10, 0)
	"mmu.split_alloc=nowait",
#else
	"mmu.split_alloc=drop-lock",
#endif
	/* 6.1's fault path zaps a huge SPTE it must map under; 6.2 split
	 * it in place. */
#if LKVM_TREE_VERSION_CODE < LKVM_KERNEL_VERSION(6, 2, 0)
	"mmu.fault_huge=zap",
#else
	"mmu.fault_huge=split",
#endif
	"mmu.pml_enable=dynamic",
	"mmu.dirty_enable_flush=always",
	"mmu.flush_on_yield=pending-across-roots",
	"mmu.pt_free=rcu",
	"mmu.iter_restart=retry-current",
	"mmu.invalid_slot_fault=retry",
	"mmu.fault_root_check=on",
	"mmu.invalidate_seq_bits=64",
	"mmu.invalidate_seq_start=0",
	"mmu.write_track_clear=w-and-mmu-writable",
	"mmu.clear_dirty_retry=recheck",
	"mmu.spurious_check=off",
	"mmu.downgrade_flush=off",
	"mmu.notifier_roots=all",
	"mmu.age_flush=on",
	"mmu.fast_pf=on",
	"mmu.max_level=1g",
	"vmx.pml_drain=newest-first",
	"svm.asid=per-vcpu-generation",
	"svm.hv_npt_flush=hypercall",
	NULL,
};

const char *const *kvm_mmu_fixed_policy(void)
{
	return fixed_6x;
}

int kvm_mmu_check_policy(const struct kvmmu_policy *pol, struct env *e, char *err,
			 size_t errlen)
{
	/* The tree's recovery parameters are unsigned ints. */
	if (pol->mmu_nx_huge_pages_recovery_ratio > UINT32_MAX ||
	    pol->mmu_nx_huge_pages_recovery_period_ms > UINT32_MAX) {
		snprintf(err, errlen, "%s: at most %u in %s (the kernel parameter is "
			 "an unsigned int)",
			 pol->mmu_nx_huge_pages_recovery_ratio > UINT32_MAX ?
				"mmu.nx_huge_pages_recovery_ratio" :
				"mmu.nx_huge_pages_recovery_period_ms",
			 UINT32_MAX, kvm_mmu_name());
		return -1;
	}
	/* The fixed keys (kvm_mmu_fixed_policy) are checked by the caller,
	 * with the one parser of parameter text (params_check_fixed). */
	return 0;
}
