// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu against the mock world: exact counts of faults, SPTEs, folio marks,
 * flushes, ASIDs; lock and RCU assertions; each historical-bug policy shown
 * to change behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/kvmmu/mock_env.h"

#include "kvmmu/kvmmu.h"
#include "scenarios/params.h"
#include "kvmmu/spte.h"
#include "kvmmu/tdp_mmu.h"
#include "sim/core/compiler.h"

#define HVA 0x7f0000000000ULL /* 1 GiB aligned */
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define SPTE_DIRTY VMX_EPT_DIRTY_BIT

static void assert_hook(const char *what, const char *file, int line)
{
	mock_assert(0, what, file, line);
}

static struct env *env_new(enum env_vendor v, unsigned nvcpus, unsigned npcpus)
{
	struct env *e = mock_env_new(v, nvcpus, npcpus);

	e->assert_hook = assert_hook;
	return e;
}

/* A VM with the defaults plus "key", "value", ... NULL. */
static struct kvm *vm_new(struct env *e, ...)
{
	struct params p;
	char err[256];
	va_list ap;
	const char *k;
	struct kvm *kvm;

	params_defaults(&p);
	va_start(ap, e);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		assert_int_equal(params_set(&p, k, v, err, sizeof(err)), 0);
	}
	va_end(ap);
	kvm = kvm_create_vm(e, &p.mmu);
	assert_non_null(kvm);
	return kvm;
}

static void slot_set(struct kvm *kvm, u32 slot, gpa_t gpa, u64 size, hva_t hva,
		     u32 flags)
{
	struct kvm_userspace_memory_region r = { slot, flags, gpa, size, hva };

	assert_int_equal(kvm_set_memory_region(kvm, &r), 0);
}

static int run(struct env *e, struct kvm *kvm, unsigned idx,
	       const struct mock_access *s, size_t n)
{
	int r;

	mock_set_script(e, idx, s, n);
	mock_set_current(e, (int)idx);
	r = kvm_vcpu_run(kvm_get_vcpu(kvm, idx));
	mock_set_current(e, -1);
	return r;
}

/* Continue the current script after a return to userspace. */
static int resume(struct env *e, struct kvm *kvm, unsigned idx)
{
	int r;

	mock_set_current(e, (int)idx);
	r = kvm_vcpu_run(kvm_get_vcpu(kvm, idx));
	mock_set_current(e, -1);
	return r;
}

static u64 *sptep_of(struct env *e, struct kvm *kvm, gpa_t gpa, int *level)
{
	u64 spte, *p;

	env_rcu_read_lock(e);
	p = kvm_tdp_mmu_fast_pf_get_last_sptep(kvm_get_vcpu(kvm, 0),
					       gpa >> PAGE_SHIFT, &spte, level);
	env_rcu_read_unlock(e);
	return p;
}

static void done(struct env *e, struct kvm *kvm)
{
	kvm_destroy_vm(kvm);
	mock_rcu_barrier(e);
	assert_int_equal(e->pt_allocated, e->pt_freed);
	assert_int_equal(e->rcu_nesting, 0);
	assert_false(e->writer);
	assert_int_equal(e->readers, 0);
	mock_env_free(e);
}

/* --------------------------------------------------- policies, SPTEs */

/*
 * kvmmu reads no text: its policies are the run's "mmu" block, parsed by the
 * registry's one parser.  The block kvmmu receives (p.mmu) is the same
 * storage as the keys the registry sets; numbers follow the program's one
 * syntax (never octal: "010" is ten, where strtoull(.., 0) read eight).
 */
static void test_policy_block(void **state)
{
	struct params p;
	char err[256];

	(void)state;
	params_defaults(&p);
	assert_int_equal(p.mmu.mmu_dirty_mark, KVMMU_DIRTY_MARK_MAP);
	assert_int_equal(p.mmu.mmu_spte_write, KVMMU_SPTE_WRITE_ATOMIC_IF_VOLATILE);
	assert_int_equal(p.mmu.svm_asid, KVMMU_SVM_ASID_PER_VCPU_GENERATION);
	assert_int_equal(p.mmu.svm_hv_npt_flush, KVMMU_SVM_HV_NPT_FLUSH_HYPERCALL);
	assert_int_equal(p.mmu.mmu_dirty_ring_size, 4096);
	assert_int_equal(params_set(&p, "svm.asid", "static-per-vm", err, sizeof(err)), 0);
	assert_int_equal(p.mmu.svm_asid, KVMMU_SVM_ASID_STATIC_PER_VM);
	assert_int_equal(params_set(&p, "mmu.dirty_mark", "sometimes", err, sizeof(err)), -1);
	assert_int_equal(params_set(&p, "mmu.nope", "on", err, sizeof(err)), -1);
	assert_int_equal(params_set(&p, "mmu.dirty_ring_size", "x", err, sizeof(err)), -1);
	assert_int_equal(params_set(&p, "mmu.invalidate_seq_start", "0x7fffffff", err,
				    sizeof(err)), 0);
	assert_int_equal(p.mmu.mmu_invalidate_seq_start, 0x7fffffff);
	assert_int_equal(params_set(&p, "mmu.invalidate_seq_start", "010", err,
				    sizeof(err)), 0);
	assert_int_equal(p.mmu.mmu_invalidate_seq_start, 10);
}

static void test_spte_format(void **state)
{
	struct spte_masks ept, npt;
	union kvm_mmu_page_role role = { .word = 0 };
	u64 s;

	(void)state;
	kvm_mmu_set_ept_masks(&ept, true);
	kvm_mmu_set_npt_masks(&npt);

	/* A writable 4K EPT leaf, exactly. */
	make_spte(&ept, role, PG_LEVEL_4K, ACC_ALL, 0x1234, 0, false, true, false, &s);
	assert_int_equal(s, SPTE_MMU_PRESENT_MASK | VMX_EPT_SUPPRESS_VE_BIT |
				 VMX_EPT_RWX_MASK | VMX_EPT_MT_WB | VMX_EPT_IPAT_BIT |
				 VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT |
				 EPT_SPTE_HOST_WRITABLE | EPT_SPTE_MMU_WRITABLE |
				 (0x1234ULL << 12));
	assert_null(spte_check(&ept, s, PG_LEVEL_4K));
	assert_true(spte_has_volatile_bits(&ept, s) == false);
	assert_true(spte_has_volatile_bits(&ept, s & ~VMX_EPT_DIRTY_BIT));
	assert_true(spte_has_volatile_bits(&ept, s & ~PT_WRITABLE_MASK));
	/* Host read-only: no W, no MMU-writable, no D. */
	make_spte(&ept, role, PG_LEVEL_2M, ACC_ALL, 0x200, 0, false, false, false, &s);
	assert_false(s & (PT_WRITABLE_MASK | EPT_SPTE_MMU_WRITABLE | VMX_EPT_DIRTY_BIT));
	assert_true(s & PT_PAGE_SIZE_MASK);
	/* Write-tracked: read-only but host-writable. */
	assert_true(make_spte(&ept, role, PG_LEVEL_4K, ACC_ALL, 1, 0, false, true, true, &s));
	assert_true(s & EPT_SPTE_HOST_WRITABLE);
	assert_false(s & (PT_WRITABLE_MASK | EPT_SPTE_MMU_WRITABLE));

	/* NPT leaf: P RW US A D NX-clear, host/MMU-writable at 9/10. */
	make_spte(&npt, role, PG_LEVEL_4K, ACC_ALL, 0x42, 0, false, true, false, &s);
	assert_int_equal(s, SPTE_MMU_PRESENT_MASK | PT_PRESENT_MASK | PT_WRITABLE_MASK |
				 PT_USER_MASK | PT_ACCESSED_MASK | PT_DIRTY_MASK |
				 DEFAULT_SPTE_HOST_WRITABLE | DEFAULT_SPTE_MMU_WRITABLE |
				 (0x42ULL << 12));
	assert_null(spte_check(&npt, s, PG_LEVEL_4K));

	/* The checker catches each broken invariant. */
	assert_non_null(spte_check(&ept, SPTE_MMU_PRESENT_MASK | PT_WRITABLE_MASK |
					 VMX_EPT_READABLE_MASK, 1));
	assert_non_null(spte_check(&ept, SPTE_MMU_PRESENT_MASK | VMX_EPT_READABLE_MASK |
					 EPT_SPTE_MMU_WRITABLE, 1));
	assert_non_null(spte_check(&ept, SPTE_MMU_PRESENT_MASK | VMX_EPT_READABLE_MASK |
					 PT_PAGE_SIZE_MASK, PG_LEVEL_4K));
	assert_non_null(spte_check(&npt, SPTE_MMU_PRESENT_MASK | PT_PRESENT_MASK |
					 SPTE_TDP_AD_DISABLED, 1));
	assert_non_null(spte_check(&ept, 0x1ULL << 20, 1)); /* junk, not present */
	assert_null(spte_check(&ept, FROZEN_SPTE, 1));
	assert_true(is_mmio_spte(&ept, make_mmio_spte(&ept, 5, 0)));
	assert_true(is_mmio_spte(&npt, make_mmio_spte(&npt, 5, MMIO_SPTE_GEN_MASK)));
	assert_int_equal(get_mmio_spte_gen(make_mmio_spte(&npt, 5, 0x5a5a5)), 0x5a5a5);
	assert_false(is_mmio_spte(&ept, FROZEN_SPTE));

	/* Access tracking without A/D round-trips R and X, drops W. */
	kvm_mmu_set_ept_masks(&ept, false);
	role.ad_disabled = 1;
	make_spte(&ept, role, PG_LEVEL_4K, ACC_ALL, 7, 0, false, true, false, &s);
	assert_null(spte_check(&ept, s, 1));
	u64 t = mark_spte_for_access_track(&ept, s);
	assert_true(is_access_track_spte(&ept, t));
	assert_null(spte_check(&ept, t, 1));
	assert_int_equal(restore_acc_track_spte(&ept, t), s & ~PT_WRITABLE_MASK);

	/* Splitting a 1G leaf: children inherit everything, at the right
	 * offsets; the 4K level loses PS. */
	kvm_mmu_set_ept_masks(&ept, true);
	role.ad_disabled = 0;
	make_spte(&ept, role, PG_LEVEL_1G, ACC_ALL, 0x40000, 0, false, true, false, &s);
	u64 c = make_huge_page_split_spte(&ept, s, PG_LEVEL_1G, 3);
	assert_int_equal(spte_to_pfn(c), 0x40000 + 3 * 512);
	assert_true(c & PT_PAGE_SIZE_MASK);
	u64 g = make_huge_page_split_spte(&ept, c, PG_LEVEL_2M, 511);
	assert_int_equal(spte_to_pfn(g), 0x40000 + 3 * 512 + 511);
	assert_false(g & PT_PAGE_SIZE_MASK);
	assert_int_equal(make_huge_spte(&ept, g, PG_LEVEL_1G), s);
}

/*
 * A fault that replaces a present page table by a huge leaf (the 2M region
 * became mappable huge again): the old SPTE is the table link, writable but
 * not a leaf, and the new writable 2M leaf must be dirty (A/D on), as any
 * new writable leaf is.  The expected word is the 4K case of
 * test_spte_format plus PS, built bit by bit from the EPT format: present,
 * suppress-#VE, RWX, WB + IPAT, A, D, host- and MMU-writable, PS, pfn 0x200.
 * Before the fix make_spte took the writable link for a writable leaf and
 * skipped D (seen 6 times in host-events-random).
 */
static void test_make_spte_over_table(void **state)
{
	struct spte_masks ept;
	union kvm_mmu_page_role role = { .word = 0 };
	u64 table, s;

	(void)state;
	kvm_mmu_set_ept_masks(&ept, true);
	/* A table link at the 2M level: present, RWX, A, no PS. */
	table = SPTE_MMU_PRESENT_MASK | VMX_EPT_SUPPRESS_VE_BIT | VMX_EPT_RWX_MASK |
		VMX_EPT_ACCESS_BIT | (0x7777ULL << 12);
	assert_true(is_writable_pte(table));
	assert_false(is_last_spte(table, PG_LEVEL_2M));
	make_spte(&ept, role, PG_LEVEL_2M, ACC_ALL, 0x200, table, false, true, false, &s);
	assert_int_equal(s, SPTE_MMU_PRESENT_MASK | VMX_EPT_SUPPRESS_VE_BIT |
				 VMX_EPT_RWX_MASK | VMX_EPT_MT_WB | VMX_EPT_IPAT_BIT |
				 VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT |
				 EPT_SPTE_HOST_WRITABLE | EPT_SPTE_MMU_WRITABLE |
				 PT_PAGE_SIZE_MASK | (0x200ULL << 12));
	/* Rewriting a writable 2M leaf keeps skipping D, as upstream. */
	make_spte(&ept, role, PG_LEVEL_2M, ACC_ALL, 0x200, s & ~VMX_EPT_DIRTY_BIT,
		  false, true, false, &s);
	assert_false(s & VMX_EPT_DIRTY_BIT);
}

/* ----------------------------------------------- page-table headers */

/*
 * Every table has its struct kvm_mmu_page (issue 14 item 5), found from any
 * of its entries as Linux's sptep_to_sp finds it: two write faults, at
 * gfn 5 and gfn 512 + 3, build root -> PDPT -> PD -> two PTs; each header
 * records its level (one below its parent's), first gfn (0, or 512 for the
 * second PT) and the parent entry linking it (the PD's entries 0 and 1).
 * kvm_tdp_mmu_zap_sp then zaps the second PT through that entry alone:
 * one table and its one 4K leaf go, a flush is owed, and the table is
 * freed after the grace period.  Before the header existed this test did
 * not build (no sptep_to_sp, no kvm_tdp_mmu_zap_sp, no sp->gfn).
 */
static void test_mmu_page_headers(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s[2] = {
		{ .gpa = 0x5000, .write = true },
		{ .gpa = SZ_2M + 0x3000, .write = true },
	};
	struct kvm_mmu_page *root, *pdpt, *pd, *pt, *pt2;
	struct kvm *kvm;
	u64 freed, *stray;

	(void)state;
	mock_map(e, HVA, 1024, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, 0);
	assert_int_equal(run(e, kvm, 0, s, 2), KVM_EXIT_HLT);
	root = kvm_get_vcpu(kvm, 0)->mmu.root;

	assert_ptr_equal(sptep_to_sp(kvm, root->spt), root);
	assert_ptr_equal(sptep_to_sp(kvm, root->spt + 511), root);
	assert_null(root->ptep);
	pdpt = spte_to_child_sp(kvm, root->spt[0], 4);
	pd = spte_to_child_sp(kvm, pdpt->spt[0], 3);
	pt = spte_to_child_sp(kvm, pd->spt[0], 2);
	pt2 = spte_to_child_sp(kvm, pd->spt[1], 2);
	assert_null(spte_to_child_sp(kvm, pt->spt[5], 1)); /* a leaf */
	assert_int_equal(pdpt->role.level, 3);
	assert_int_equal(pd->role.level, 2);
	assert_int_equal(pt->role.level, 1);
	assert_int_equal(pt2->role.level, 1);
	/* Apart from the level, a child's role is its root's. */
	assert_int_equal(pt2->role.word & ~0xfu, root->role.word & ~0xfu);
	assert_int_equal(pdpt->gfn, 0);
	assert_int_equal(pd->gfn, 0);
	assert_int_equal(pt->gfn, 0);
	assert_int_equal(pt2->gfn, 512);
	assert_ptr_equal(pdpt->ptep, &root->spt[0]);
	assert_ptr_equal(pd->ptep, &pdpt->spt[0]);
	assert_ptr_equal(pt->ptep, &pd->spt[0]);
	assert_ptr_equal(pt2->ptep, &pd->spt[1]);
	assert_ptr_equal(sptep_to_sp(kvm, &pt2->spt[3]), pt2);
	assert_false(pt->nx_huge_page_disallowed);
	assert_int_equal(mock_stat(e, "kvm.tdp_mmu_pages"), 4);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 2);

	freed = e->pt_freed;
	env_write_lock(e);
	assert_true(kvm_tdp_mmu_zap_sp(kvm, pt2));
	/* A root has no parent entry: KVM's WARN, nothing zapped. */
	expect_assert_failure(kvm_tdp_mmu_zap_sp(kvm, root));
	env_write_unlock(e);
	assert_int_equal(pd->spt[1], SHADOW_NONPRESENT_VALUE);
	assert_true(is_shadow_present_pte(pd->spt[0]));
	assert_int_equal(mock_stat(e, "kvm.tdp_mmu_pages"), 3);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 1);
	assert_int_equal(mock_stat(e, "kvm.zapped_leafs"), 1);
	/* Freed only after a grace period; the header stays findable. */
	assert_int_equal(e->pt_freed, freed);
	assert_int_equal(pt2->gfn, 512);
	mock_rcu_barrier(e);
	assert_int_equal(e->pt_freed, freed + 1);

	/* A page that is no table of KVM's has no header: a KVM_BUG_ON. */
	stray = env_alloc_pt_page(e);
	expect_assert_failure(sptep_to_sp(kvm, stray));
	env_free_pt_page(e, stray);
	done(e, kvm);
}

/* ------------------------------------------- the write-fault / zap pair */

static void write_fault_then_zap(int dirty_mark_zap)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct kvm *kvm;
	struct mock_access s[] = { { .gpa = 0x5000, .write = true } };
	u64 spte;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_mark", dirty_mark_zap ? "zap" : "map", NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);

	assert_int_equal(run(e, kvm, 0, s, 1), KVM_EXIT_HLT);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 1);
	assert_int_equal(mock_stat(e, "kvm.pf_fixed"), 1);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 1);
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x5000, &spte), 1);
	assert_int_equal(spte_to_pfn(spte), 0x100005);
	assert_true(spte & PT_WRITABLE_MASK);
	assert_true(spte & SPTE_DIRTY); /* created dirty */
	assert_int_equal(e->mark_dirty[ENV_DIRTY_MAP], dirty_mark_zap ? 0 : 1);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_ZAP], 0);

	/* The host takes the page away. */
	kvm_mmu_notifier_invalidate_range_start(kvm, HVA + 0x5000, HVA + 0x6000, true);
	kvm_mmu_notifier_invalidate_range_end(kvm, HVA + 0x5000, HVA + 0x6000);
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x5000, &spte), -1);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 0);
	assert_int_equal(mock_stat(e, "kvm.zapped_leafs"), 1);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush"), 1);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_MAP], dirty_mark_zap ? 0 : 1);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_ZAP], dirty_mark_zap ? 1 : 0);
	done(e, kvm);
}

static void test_write_fault_dirty_map(void **state) { (void)state; write_fault_then_zap(0); }
static void test_write_fault_dirty_zap(void **state) { (void)state; write_fault_then_zap(1); }

/* N distinct pages: N exits, then none on a second pass. */
static void n_pages_n_exits(enum env_vendor vendor)
{
	enum { N = 300 };
	struct env *e = env_new(vendor, 1, 1);
	struct mock_access s[2 * N];
	struct kvm *kvm;

	for (int i = 0; i < 2 * N; i++)
		s[i] = (struct mock_access){ .gpa = (u64)(i % N) * 0x1000 * 3 + 0x10,
					     .write = i % 3 == 0 };
	mock_map(e, HVA, 4096, 0x200000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, 4096 * PAGE_SIZE, HVA, 0);
	assert_int_equal(run(e, kvm, 0, s, 2 * N), KVM_EXIT_HLT);
	if (vendor == ENV_INTEL) {
		assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], N);
		assert_int_equal(e->vcpus[0].exits[ENV_EXIT_NPF], 0);
	} else {
		assert_int_equal(e->vcpus[0].exits[ENV_EXIT_NPF], N);
		assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 0);
	}
	assert_int_equal(mock_stat(e, "kvm.pf_fixed"), N);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), N);
	assert_int_equal(mock_stat(e, "kvm.roots_alloc"), 1);
	done(e, kvm);
}

static void test_n_pages_intel(void **state) { (void)state; n_pages_n_exits(ENV_INTEL); }
static void test_n_pages_amd(void **state) { (void)state; n_pages_n_exits(ENV_AMD); }

/* --------------------------------------------- 1 GiB, split, recovery */

static void one_gig(const char *dirty_mark, const char *recovery)
{
	const u64 npages = SZ_1G >> PAGE_SHIFT;
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct kvm_vcpu *vcpu;
	struct mock_access first = { .gpa = SZ_1G + 0x1234, .write = true };
	struct mock_access *all = malloc(npages * sizeof(*all));
	bool zap_marks = !strcmp(dirty_mark, "zap");
	u64 marks, spte;
	struct kvm *kvm;

	assert_non_null(all);
	mock_map(e, HVA, npages, 0x4000000, 3, true); /* one 1 GiB HugeTLB folio */
	kvm = vm_new(e, "mmu.dirty_mark", dirty_mark, "mmu.huge_recovery", recovery,
		     "mmu.eager_split", "on", "mmu.dirty_log", "pml", NULL);
	vcpu = kvm_get_vcpu(kvm, 0);
	slot_set(kvm, 0, SZ_1G, SZ_1G, HVA, 0);

	/* One write fault maps the whole GiB with one SPTE. */
	assert_int_equal(run(e, kvm, 0, &first, 1), KVM_EXIT_HLT);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 1);
	assert_int_equal(mock_stat(e, "kvm.pages_1g"), 1);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 0);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, SZ_1G + 0x1234, &spte), PG_LEVEL_1G);
	assert_int_equal(spte_to_pfn(spte), 0x4000000);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_MAP], zap_marks ? 0 : 1);

	/* Logging on, eager split: exactly 262,144 4K SPTEs. */
	slot_set(kvm, 0, SZ_1G, SZ_1G, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), npages);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);
	assert_int_equal(mock_stat(e, "kvm.pages_1g"), 0);
	assert_int_equal(mock_stat(e, "kvm.huge_splits"), 1 + 512);
	assert_int_equal(mock_stat(e, "kvm.tdp_mmu_pages"), 1 + 1 + 512);
	for (u64 i = 0; i < npages; i++) {
		gpa_t gpa = SZ_1G + i * PAGE_SIZE;

		assert_int_equal(kvm_mmu_lookup_spte(vcpu, gpa, &spte), PG_LEVEL_4K);
		assert_int_equal(spte_to_pfn(spte), 0x4000000 + i);
		/* PML: D cleared so the first write is logged, W kept. */
		assert_true(spte & PT_WRITABLE_MASK);
		assert_false(spte & SPTE_DIRTY);
		all[i] = (struct mock_access){ .gpa = gpa, .write = true };
	}

	/* The guest writes every page: PML logs each 0->1 of D. */
	assert_int_equal(run(e, kvm, 0, all, npages), KVM_EXIT_HLT);
	assert_true(e->vcpus[0].vmcs.pml_enabled);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 1);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_PML_FULL], npages / 512 - 1);
	assert_int_equal(mock_stat(e, "kvm.pml_drained"), npages);
	assert_int_equal(mock_stat(e, "kvm.dirty_pages_marked"), npages);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_MAP], zap_marks ? 0 : 1);

	/* Logging off: recovery tears the 4K tables down. */
	marks = e->mark_dirty[ENV_DIRTY_ZAP];
	e->mark_pfn_min = UINT64_MAX;
	e->mark_pfn_max = 0;
	slot_set(kvm, 0, SZ_1G, SZ_1G, HVA, 0);
	assert_int_equal(e->mark_dirty[ENV_DIRTY_ZAP] - marks, zap_marks ? npages : 0);
	if (zap_marks) { /* all on the one folio */
		assert_int_equal(e->mark_pfn_min, 0x4000000);
		assert_int_equal(e->mark_pfn_max, 0x4000000 + npages - 1);
	}
	assert_int_equal(e->mark_dirty[ENV_DIRTY_MAP], zap_marks ? 0 : 1);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 0);
	if (!strcmp(recovery, "rebuild")) {
		assert_int_equal(mock_stat(e, "kvm.huge_recovered"), 1);
		assert_int_equal(mock_stat(e, "kvm.pages_1g"), 1);
		assert_int_equal(kvm_mmu_lookup_spte(vcpu, SZ_1G, &spte), PG_LEVEL_1G);
		assert_int_equal(spte_to_pfn(spte), 0x4000000);
	} else {
		assert_int_equal(mock_stat(e, "kvm.collapsible_zapped"), 1);
		assert_int_equal(mock_stat(e, "kvm.pages_1g"), 0);
		/* The next fault maps the huge page again. */
		assert_int_equal(run(e, kvm, 0, &first, 1), KVM_EXIT_HLT);
		assert_int_equal(mock_stat(e, "kvm.pages_1g"), 1);
	}
	/* PML goes off at the next entry (the last logging slot is gone). */
	assert_true(e->vcpus[0].vmcs.pml_enabled || !strcmp(recovery, "zap"));
	run(e, kvm, 0, NULL, 0);
	assert_false(e->vcpus[0].vmcs.pml_enabled);
	assert_int_equal(mock_stat(e, "kvm.pml_toggles"), 2);
	mock_rcu_barrier(e);
	assert_int_equal(mock_stat(e, "kvm.tdp_mmu_pages"), 1);
	free(all);
	done(e, kvm);
}

static void test_1g_map_recovery_rebuild(void **state) { (void)state; one_gig("map", "rebuild"); }
static void test_1g_zap_recovery_rebuild(void **state) { (void)state; one_gig("zap", "rebuild"); }
static void test_1g_map_recovery_zap(void **state) { (void)state; one_gig("map", "zap"); }
static void test_1g_zap_recovery_zap(void **state) { (void)state; one_gig("zap", "zap"); }

/* ------------------------------------------- eager split's allocations */

/*
 * Issue 14 item 4.  Eager split allocates each page table with mmu_lock and
 * RCU dropped (6.12's tdp_mmu_alloc_sp_for_split), then restarts its walk;
 * under mmu.split_alloc=nowait (6.1) it allocates under both.  The hook runs
 * inside every table allocation and records what the allocating thread
 * holds; with @race it also acts as the host the first time it finds
 * mmu_lock free, unmapping the whole GiB (an mmu_notifier, write lock).
 */
struct split_alloc {
	u64 allocs, unlocked, locked;
	bool race, raced;
	struct kvm *kvm;
};

static void split_alloc_hook(struct env *e, void *arg)
{
	struct split_alloc *sa = arg;

	sa->allocs++;
	if (e->readers || e->writer || e->rcu_nesting) {
		sa->locked++;
		return;
	}
	sa->unlocked++;
	if (sa->race && !sa->raced) {
		sa->raced = true;
		kvm_mmu_notifier_invalidate_range_start(sa->kvm, HVA, HVA + SZ_1G, true);
		kvm_mmu_notifier_invalidate_range_end(sa->kvm, HVA, HVA + SZ_1G);
	}
}

static void split_alloc(const char *policy, bool race)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access first = { .gpa = SZ_1G + 0x1234, .write = true };
	struct split_alloc sa = { .race = race };
	bool drop = !strcmp(policy, "drop-lock");
	struct kvm *kvm;
	u64 allocated, freed;

	mock_map(e, HVA, SZ_1G >> PAGE_SHIFT, 0x4000000, 3, true);
	kvm = vm_new(e, "mmu.split_alloc", policy, "mmu.eager_split", "on", NULL);
	sa.kvm = kvm;
	slot_set(kvm, 0, SZ_1G, SZ_1G, HVA, 0);
	assert_int_equal(run(e, kvm, 0, &first, 1), KVM_EXIT_HLT);
	assert_int_equal(mock_stat(e, "kvm.pages_1g"), 1);

	e->alloc_hook = split_alloc_hook;
	e->alloc_hook_arg = &sa;
	allocated = e->pt_allocated;
	freed = e->pt_freed;
	slot_set(kvm, 0, SZ_1G, SZ_1G, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	e->alloc_hook = NULL;

	if (!race) {
		/* One table for the 1G leaf (512 2M children), then one for
		 * each 2M leaf: 1 + 512 allocations, all done unlocked under
		 * drop-lock (each a drop and a restart), all locked under
		 * nowait. */
		assert_int_equal(sa.allocs, 1 + 512);
		assert_int_equal(sa.unlocked, drop ? 1 + 512 : 0);
		assert_int_equal(sa.locked, drop ? 0 : 1 + 512);
		assert_int_equal(mock_stat(e, "kvm.split_alloc_drops"), drop ? 1 + 512 : 0);
		assert_int_equal(mock_stat(e, "kvm.huge_splits"), 1 + 512);
		assert_int_equal(mock_stat(e, "kvm.pages_4k"), SZ_1G >> PAGE_SHIFT);
		assert_int_equal(mock_stat(e, "kvm.tdp_mmu_pages"), 1 + 1 + 512);
	} else {
		/* drop-lock: the host unmaps the GiB while the split waits for
		 * its first table; the restarted walk finds no huge leaf left,
		 * splits nothing and frees the unused table at once.  nowait:
		 * the lock is never free, the host never runs, all is split. */
		assert_int_equal(sa.raced, drop);
		assert_int_equal(mock_stat(e, "kvm.huge_splits"), drop ? 0 : 1 + 512);
		assert_int_equal(mock_stat(e, "kvm.pages_1g"), 0);
		assert_int_equal(mock_stat(e, "kvm.pages_4k"),
				 drop ? 0 : SZ_1G >> PAGE_SHIFT);
		assert_int_equal(mock_stat(e, "kvm.zapped_leafs"), drop ? 1 : 0);
		if (drop) {
			assert_int_equal(e->pt_allocated - allocated, 1);
			assert_int_equal(e->pt_freed - freed, 1);
		}
	}
	done(e, kvm);
}

static void test_split_alloc_drops_lock(void **state)
{
	(void)state;
	split_alloc("drop-lock", false);
	split_alloc("nowait", false);
}

static void test_split_alloc_race(void **state)
{
	(void)state;
	split_alloc("drop-lock", true);
	split_alloc("nowait", true);
}

/* ----------------------------------------------------- NX huge pages */

/* The header of the table at @level on the walk to @gpa in vCPU 0's root. */
static struct kvm_mmu_page *table_of(struct kvm *kvm, gpa_t gpa, int level)
{
	struct kvm_mmu_page *sp = kvm_get_vcpu(kvm, 0)->mmu.root;

	while (sp && sp->role.level > level)
		sp = spte_to_child_sp(kvm, sp->spt[(gpa >> (PAGE_SHIFT +
					9 * (sp->role.level - 1))) & 511],
				      sp->role.level);
	return sp;
}

static bool on_nx_list(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	for (struct list_head *p = kvm->possible_nx_huge_pages.next;
	     p != &kvm->possible_nx_huge_pages; p = p->next)
		if (p == &sp->possible_nx_huge_page_link)
			return true;
	return false;
}

/*
 * Issue 14 item 8.  A 4 MiB slot backed by 2M host pages (so 2M mappings
 * are allowed), mmu.nx_huge_pages=on, by hand:
 *  1. a fetch of 0x3000: one exec fault, mapped 4K and executable; the
 *     three tables it created are nx_huge_page_disallowed, and the PT (at
 *     the 2M level, where a huge page was possible) is recorded:
 *     nx_lpage_splits 1.  (With the mitigation off the same fetch maps one
 *     executable 2M page.)
 *  2. a read of 0x5000, same 2M range: a 2M mapping is possible but the PT
 *     there is disallowed, so the fault steps down and maps 4K.
 *  3. a read of 2M + 0x1000: one 2M leaf, not executable.
 *  4. a fetch of 2M + 0x2000: the huge leaf denies X (one EPT violation);
 *     the exec fault splits it, the 512 4K children executable again, and
 *     records the new PT: nx_lpage_splits 2, pages_4k 2 + 512, 1 split.
 *  5. a recovery pass, ratio 60: ceil(2 / 60) = 1 table, the oldest (step
 *     1's PT) is zapped with its 2 leaves; honored: one remote flush
 *     before mmu_lock is dropped; dropped: none (E2).
 *  6. a read of 0x5000 again maps the 2M page (nothing disallows it now).
 *  7. logging on: the remaining recorded table sits in a logging slot, so a
 *     pass only takes it off the list (no zap, no flush).
 */
static void nx_huge_pages(const char *flush)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access fetch0 = { .gpa = 0x3000, .exec = true };
	struct mock_access read0 = { .gpa = 0x5000 };
	struct mock_access read1 = { .gpa = SZ_2M + 0x1000 };
	struct mock_access fetch1 = { .gpa = SZ_2M + 0x2000, .exec = true };
	bool honored = !strcmp(flush, "honored");
	struct kvm_vcpu *vcpu;
	struct kvm_mmu_page *pt0, *pt1;
	struct kvm *kvm;
	u64 spte, flushes;

	mock_map(e, HVA, 1024, 0x200000, 2, true);
	kvm = vm_new(e, "mmu.nx_huge_pages", "on", "mmu.nx_recovery_flush", flush,
		     "mmu.eager_split", "off", NULL);
	vcpu = kvm_get_vcpu(kvm, 0);
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, 0);

	/* 1 */
	assert_int_equal(run(e, kvm, 0, &fetch0, 1), KVM_EXIT_HLT);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 1);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x3000, &spte), PG_LEVEL_4K);
	assert_true(spte & VMX_EPT_EXECUTABLE_MASK);
	assert_int_equal(spte_to_pfn(spte), 0x200003);
	pt0 = table_of(kvm, 0x3000, PG_LEVEL_4K);
	assert_true(pt0->nx_huge_page_disallowed);
	assert_true(table_of(kvm, 0x3000, PG_LEVEL_2M)->nx_huge_page_disallowed);
	assert_true(on_nx_list(kvm, pt0));
	assert_false(on_nx_list(kvm, table_of(kvm, 0x3000, PG_LEVEL_2M)));
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 1);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);

	/* 2 */
	assert_int_equal(run(e, kvm, 0, &read0, 1), KVM_EXIT_HLT);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x5000, &spte), PG_LEVEL_4K);
	assert_int_equal(spte_to_pfn(spte), 0x200005);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 2);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);

	/* 3 */
	assert_int_equal(run(e, kvm, 0, &read1, 1), KVM_EXIT_HLT);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, SZ_2M + 0x1000, &spte), PG_LEVEL_2M);
	assert_false(spte & VMX_EPT_EXECUTABLE_MASK);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 1);

	/* 4 */
	assert_int_equal(run(e, kvm, 0, &fetch1, 1), KVM_EXIT_HLT);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 4);
	assert_int_equal(mock_stat(e, "kvm.huge_splits"), 1);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 2 + 512);
	for (u64 i = 0; i < 512; i++) {
		assert_int_equal(kvm_mmu_lookup_spte(vcpu, SZ_2M + i * PAGE_SIZE, &spte),
				 PG_LEVEL_4K);
		assert_true(spte & VMX_EPT_EXECUTABLE_MASK);
	}
	pt1 = table_of(kvm, SZ_2M, PG_LEVEL_4K);
	assert_true(on_nx_list(kvm, pt1));
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 2);
	assert_int_equal(kvm->possible_nx_huge_pages.next, &pt0->possible_nx_huge_page_link);

	/* 5 */
	assert_int_equal(kvm_nx_huge_page_recovery_period_ms(kvm), 60000);
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	kvm_recover_nx_huge_pages(kvm);
	assert_int_equal(mock_stat(e, "kvm.nx_recovery_passes"), 1);
	assert_int_equal(mock_stat(e, "kvm.nx_recovery_zapped"), 1);
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 1);
	assert_int_equal(mock_stat(e, "kvm.zapped_leafs"), 2);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 512);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush") - flushes, honored ? 1 : 0);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x3000, &spte), -1);
	assert_true(on_nx_list(kvm, pt1));
	assert_false(e->writer);

	/* 6 */
	assert_int_equal(run(e, kvm, 0, &read0, 1), KVM_EXIT_HLT);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x5000, &spte), PG_LEVEL_2M);
	assert_false(spte & VMX_EPT_EXECUTABLE_MASK);

	/* 7 */
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	kvm_recover_nx_huge_pages(kvm);
	assert_int_equal(mock_stat(e, "kvm.nx_recovery_zapped"), 1);
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 0);
	assert_false(pt1->nx_huge_page_disallowed);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, SZ_2M + 0x2000, &spte), PG_LEVEL_4K);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush"), flushes);
	done(e, kvm);
}

static void test_nx_huge_pages(void **state)
{
	struct env *e;
	struct kvm *kvm;
	struct mock_access fetch0 = { .gpa = 0x3000, .exec = true };
	u64 spte;

	(void)state;
	nx_huge_pages("honored");
	nx_huge_pages("dropped");

	/* Without the erratum the fetch maps the whole executable 2M page,
	 * and no worker runs. */
	e = env_new(ENV_INTEL, 1, 1);
	mock_map(e, HVA, 1024, 0x200000, 2, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, 0);
	assert_int_equal(run(e, kvm, 0, &fetch0, 1), KVM_EXIT_HLT);
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x3000, &spte),
			 PG_LEVEL_2M);
	assert_true(spte & VMX_EPT_EXECUTABLE_MASK);
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 0);
	assert_int_equal(kvm_nx_huge_page_recovery_period_ms(kvm), 0);
	done(e, kvm);
}

/*
 * The worker yields mmu_lock when asked to (here: always, resched_every 1):
 * two recorded tables, ratio 1, so two zaps and a yield after each.  Each
 * yield must first flush what was zapped since the last one (2 flushes,
 * none left for the end); under dropped no flush at all, and the lock is
 * dropped twice with the zapped translations still in the TLBs (E2).
 */
static void nx_recovery_yield(const char *flush)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access fetch[2] = {
		{ .gpa = 0x3000, .exec = true }, { .gpa = SZ_2M + 0x3000, .exec = true },
	};
	struct kvm *kvm;
	u64 flushes;

	mock_map(e, HVA, 1024, 0x200000, 2, true);
	kvm = vm_new(e, "mmu.nx_huge_pages", "on", "mmu.nx_recovery_flush", flush,
		     "mmu.nx_huge_pages_recovery_ratio", "1", NULL);
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, 0);
	assert_int_equal(run(e, kvm, 0, fetch, 2), KVM_EXIT_HLT);
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 2);
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	e->resched_every = 1;
	kvm_recover_nx_huge_pages(kvm);
	e->resched_every = 0;
	assert_int_equal(e->cond_resched, 2);
	assert_int_equal(mock_stat(e, "kvm.nx_recovery_zapped"), 2);
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 0);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush") - flushes,
			 !strcmp(flush, "honored") ? 2 : 0);
	done(e, kvm);
}

static void test_nx_recovery_yield(void **state)
{
	(void)state;
	nx_recovery_yield("honored");
	nx_recovery_yield("dropped");
}

/*
 * mmu.fault_huge: an exec fault under the NX mitigation below a 2M SPTE
 * mapped by a read.  split (6.2 on) turns the 2M SPTE into a table of
 * 512 executable 4K SPTEs (1 split, 512 4K pages, no flush needed: the
 * same translations, now executable); zap (6.1) zaps the 2M SPTE with one
 * remote flush and links an empty table holding only the fetched page (no
 * split, 1 4K page, the neighbour unmapped).  Both record the new table
 * for the recovery worker.
 */
static void fault_huge(const char *how)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access read0 = { .gpa = 0x5000 }, fetch0 = { .gpa = 0x3000, .exec = true };
	bool zap = !strcmp(how, "zap");
	struct kvm *kvm;
	struct kvm_vcpu *vcpu;
	u64 spte, flushes;

	mock_map(e, HVA, 1024, 0x200000, 2, true);
	kvm = vm_new(e, "mmu.nx_huge_pages", "on", "mmu.fault_huge", how, NULL);
	vcpu = kvm_get_vcpu(kvm, 0);
	slot_set(kvm, 0, 0, 2 * SZ_2M, HVA, 0);
	assert_int_equal(run(e, kvm, 0, &read0, 1), KVM_EXIT_HLT);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x5000, &spte), PG_LEVEL_2M);
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	assert_int_equal(run(e, kvm, 0, &fetch0, 1), KVM_EXIT_HLT);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 2);
	assert_int_equal(mock_stat(e, "kvm.huge_splits"), zap ? 0 : 1);
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), zap ? 1 : 512);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush") - flushes, zap ? 1 : 0);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x3000, &spte), PG_LEVEL_4K);
	assert_true(spte & VMX_EPT_EXECUTABLE_MASK);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x5000, &spte), zap ? -1 : PG_LEVEL_4K);
	assert_true(on_nx_list(kvm, table_of(kvm, 0, PG_LEVEL_4K)));
	assert_int_equal(mock_stat(e, "kvm.nx_lpage_splits"), 1);
	done(e, kvm);
}

static void test_fault_huge(void **state)
{
	(void)state;
	fault_huge("split");
	fault_huge("zap");
}

/* calc_nx_huge_pages_recovery_period: 0 = 3,600,000 ms / ratio, ratio
 * capped at 3600; ratio 0 or no mitigation: no worker. */
static void test_nx_recovery_period(void **state)
{
	static const struct { const char *ratio, *period; u64 ms; } c[] = {
		{ "60", "0", 60000 }, { "7200", "0", 1000 }, { "1", "0", 3600000 },
		{ "60", "5", 5 }, { "0", "5", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct env *e = env_new(ENV_INTEL, 1, 1);
		struct kvm *kvm = vm_new(e, "mmu.nx_huge_pages", "on",
					 "mmu.nx_huge_pages_recovery_ratio", c[i].ratio,
					 "mmu.nx_huge_pages_recovery_period_ms", c[i].period,
					 NULL);

		assert_int_equal(kvm_nx_huge_page_recovery_period_ms(kvm), c[i].ms);
		done(e, kvm);
	}
}

/* ---------------------------------------------- lock and RCU assertions */

static void test_lock_asserts(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x1000, .write = true };
	struct kvm *kvm;
	u64 spte;
	int level;

	(void)state;
	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	struct kvm_memory_slot *slot = kvm_id_to_memslot(kvm, 0);

	/* Exclusive mutators without the lock, or with the read lock. */
	expect_assert_failure(kvm_tdp_mmu_zap_leafs(kvm, 0, 512, false));
	env_read_lock(e);
	expect_assert_failure(kvm_tdp_mmu_zap_leafs(kvm, 0, 512, false));
	expect_assert_failure(kvm_tdp_mmu_invalidate_all_roots(kvm));
	expect_assert_failure(kvm_tdp_mmu_clear_dirty_pt_masked(kvm, slot, 0, 1, true));
	expect_assert_failure(kvm_tdp_mmu_write_protect_gfn(kvm, slot, 1, PG_LEVEL_4K));
	env_read_unlock(e);
	/* Shared mutators without the lock, or with the write lock. */
	expect_assert_failure(kvm_tdp_mmu_wrprot_slot(kvm, slot, PG_LEVEL_4K));
	env_write_lock(e);
	expect_assert_failure(kvm_tdp_mmu_wrprot_slot(kvm, slot, PG_LEVEL_4K));
	expect_assert_failure(kvm_tdp_mmu_clear_dirty_slot(kvm, slot));
	expect_assert_failure(kvm_tdp_mmu_recover_huge_pages(kvm, slot));
	expect_assert_failure(kvm_tdp_mmu_zap_collapsible_sptes(kvm, slot));
	env_write_unlock(e);
	expect_assert_failure(kvm_tdp_mmu_try_split_huge_pages(kvm, slot, 0, 512,
							       PG_LEVEL_4K, true));
	/* Lockless walks need RCU. */
	expect_assert_failure(kvm_tdp_mmu_fast_pf_get_last_sptep(kvm_get_vcpu(kvm, 0),
								 1, &spte, &level));
	/* With the right modes, nothing fires. */
	e->asserts = 0;
	env_write_lock(e);
	assert_true(kvm_tdp_mmu_zap_leafs(kvm, 0, 512, false));
	env_write_unlock(e);
	env_read_lock(e);
	kvm_tdp_mmu_wrprot_slot(kvm, slot, PG_LEVEL_4K);
	env_read_unlock(e);
	assert_int_equal(e->asserts, 0);
	done(e, kvm);
}

/* ----------------------------------------------------- volatile bits */

struct dbit_hook {
	u64 *target;
	bool fired;
};

/* The "CPU" sets D between KVM's read and its store. */
static void set_d_before_store(struct env *e, enum mock_op op, u64 *p, void *arg)
{
	struct dbit_hook *h = arg;

	(void)e;
	if (p == h->target && !h->fired && (op == MOCK_WRITE || op == MOCK_XCHG)) {
		*p |= SPTE_DIRTY;
		h->fired = true;
	}
}

static void volatile_bits(const char *spte_write)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x7000, .write = true };
	struct dbit_hook h = { 0 };
	bool atomic = !strcmp(spte_write, "atomic-if-volatile");
	struct kvm *kvm;
	u64 marks, xchg;
	int level;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.spte_write", spte_write, "mmu.dirty_mark", "zap", NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	/* Logging on with PML: the SPTE is writable and clean, i.e. the CPU
	 * may set D at any moment. */
	slot_set(kvm, 0, 0, SZ_2M, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	h.target = sptep_of(e, kvm, 0x7000, &level);
	assert_int_equal(level, 1);
	assert_true(*h.target & PT_WRITABLE_MASK);
	assert_false(*h.target & SPTE_DIRTY);

	marks = e->mark_dirty[ENV_DIRTY_ZAP];
	xchg = mock_stat(e, "kvm.spte_xchg");
	e->op_hook = set_d_before_store;
	e->op_hook_arg = &h;
	env_write_lock(e);
	assert_true(kvm_tdp_mmu_zap_leafs(kvm, 0, 512, false));
	env_write_unlock(e);
	e->op_hook = NULL;
	assert_true(h.fired);
	assert_int_equal(*h.target, 0);
	/* The D bit the CPU set is seen (atomic) or lost (plain). */
	assert_int_equal(e->mark_dirty[ENV_DIRTY_ZAP] - marks, atomic ? 1 : 0);
	assert_int_equal(mock_stat(e, "kvm.spte_xchg") - xchg, atomic ? 1 : 0);
	done(e, kvm);
}

static void test_volatile_plain(void **state) { (void)state; volatile_bits("plain"); }
static void test_volatile_atomic(void **state) { (void)state; volatile_bits("atomic-if-volatile"); }

/* ---------------------------------------------------------------- ASIDs */

static void expect_run(struct env *e, unsigned v, unsigned pcpu, u32 asid,
		       enum env_tlb_ctl ctl)
{
	const struct mock_vmrun *r = &e->vcpus[v].runs[(e->vcpus[v].nruns - 1) % MOCK_LOG];

	assert_int_equal(r->pcpu, pcpu);
	assert_int_equal(r->asid, asid);
	assert_int_equal(r->tlb_ctl, ctl);
}

static void test_svm_asid_generations(void **state)
{
	struct env *e = env_new(ENV_AMD, 3, 2);
	struct kvm *kvm;

	(void)state;
	e->caps.max_asid = 4;
	e->caps.min_asid = 1;
	e->vcpus[0].pcpu = 0;
	e->vcpus[1].pcpu = 0;
	e->vcpus[2].pcpu = 1;
	kvm = vm_new(e, NULL);

	/* pCPU 0 starts past its last ASID: the first allocation wraps to
	 * generation 2 and flushes all ASIDs. */
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_FLUSH_ALL);
	assert_int_equal(kvm_get_vcpu(kvm, 0)->svm.asid_generation, 2);
	/* Same pCPU, same generation: the next ASID, flushed for the new
	 * root's load. */
	run(e, kvm, 1, NULL, 0);
	expect_run(e, 1, 0, 2, ENV_TLB_CTL_FLUSH_ASID);
	/* pCPU 1 has its own generation and numbering. */
	run(e, kvm, 2, NULL, 0);
	expect_run(e, 2, 1, 1, ENV_TLB_CTL_FLUSH_ALL);
	assert_int_equal(kvm->host->svm_data[1].asid_generation, 2);
	/* Nothing changed: same ASID, no flush. */
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_NONE);
	/* vCPU 0 moves to pCPU 1: a fresh ASID there. */
	mock_migrate(e, 0, 1);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 1, 2, ENV_TLB_CTL_NONE);
	/* Fill pCPU 0: 3, 4, then the wrap (generation 3). */
	mock_migrate(e, 2, 0);
	run(e, kvm, 2, NULL, 0);
	expect_run(e, 2, 0, 3, ENV_TLB_CTL_NONE);
	mock_migrate(e, 0, 0);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 4, ENV_TLB_CTL_NONE);
	mock_migrate(e, 2, 1);
	run(e, kvm, 2, NULL, 0);
	expect_run(e, 2, 1, 3, ENV_TLB_CTL_NONE);
	mock_migrate(e, 2, 0);
	run(e, kvm, 2, NULL, 0);
	expect_run(e, 2, 0, 1, ENV_TLB_CTL_FLUSH_ALL);
	assert_int_equal(kvm->host->svm_data[0].asid_generation, 3);
	assert_int_equal(mock_stat(e, "kvm.svm.asid_wraps"), 3);
	/* vCPU 1 still has generation 2 on pCPU 0: a new ASID. */
	run(e, kvm, 1, NULL, 0);
	expect_run(e, 1, 0, 2, ENV_TLB_CTL_NONE);
	assert_int_equal(kvm_get_vcpu(kvm, 1)->svm.asid_generation, 3);
	assert_int_equal(mock_stat(e, "kvm.svm.new_asid"), 9);
	done(e, kvm);
}

/* Without FLUSHBYASID a flush is a new ASID. */
static void test_svm_flush_without_flushbyasid(void **state)
{
	struct env *e = env_new(ENV_AMD, 1, 1);
	struct kvm *kvm;

	(void)state;
	e->caps.flush_by_asid = false;
	kvm = vm_new(e, NULL);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_FLUSH_ALL);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_NONE);
	kvm_flush_remote_tlbs(kvm);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 2, ENV_TLB_CTL_NONE);
	done(e, kvm);
}

static void root_load_flush(enum env_vendor vendor, const char *flush,
			    const char *asid_policy)
{
	struct env *e = env_new(vendor, 1, 1);
	bool on = !strcmp(flush, "on");
	struct kvm *kvm;
	u64 invept, old_root, old_asid;

	kvm = vm_new(e, "mmu.root_load_flush", flush, "svm.asid", asid_policy, NULL);
	run(e, kvm, 0, NULL, 0);
	run(e, kvm, 0, NULL, 0);
	old_root = kvm_vcpu_root_hpa(kvm_get_vcpu(kvm, 0));
	old_asid = e->vcpus[0].vmcs.asid;
	invept = e->invept;

	/* A memslot-style fast zap: the root is invalidated, zapped, and
	 * the vCPU loads a new one at its next entry. */
	kvm_mmu_zap_all_fast(kvm);
	assert_int_equal(mock_stat(e, "kvm.roots_invalidated"), 1);
	run(e, kvm, 0, NULL, 0);
	assert_int_not_equal(kvm_vcpu_root_hpa(kvm_get_vcpu(kvm, 0)), old_root);
	assert_int_equal(mock_stat(e, "kvm.roots_alloc"), 2);
	mock_rcu_barrier(e);
	assert_int_equal(mock_stat(e, "kvm.roots_freed"), 1);
	assert_int_equal(kvm_nr_tdp_roots(kvm), 1);
	if (vendor == ENV_INTEL) {
		assert_int_equal(e->invept - invept, on ? 1 : 0);
		if (on) {
			const struct mock_flush *f = &e->flushes[(e->nflushes - 1) % MOCK_LOG];

			assert_int_equal(f->what, 'E');
			assert_int_equal(f->type, ENV_INVEPT_SINGLE);
			assert_int_equal(f->arg, e->vcpus[0].vmcs.eptp);
		}
	} else if (!strcmp(asid_policy, "per-root")) {
		/* The freed root's ASID is handed to the new root, but the
		 * ASID's owner changed, so it is flushed at first use even
		 * without the root-load flush. */
		assert_int_equal(e->vcpus[0].vmcs.asid, old_asid);
		expect_run(e, 0, 0, (u32)old_asid, ENV_TLB_CTL_FLUSH_ASID);
	} else {
		/* Same ASID, new nCR3: only the root-load flush protects it. */
		expect_run(e, 0, 0, (u32)old_asid,
			   on ? ENV_TLB_CTL_FLUSH_ASID : ENV_TLB_CTL_NONE);
	}
	done(e, kvm);
}

static void test_root_load_flush(void **state)
{
	(void)state;
	root_load_flush(ENV_INTEL, "on", "per-vcpu-generation");
	root_load_flush(ENV_INTEL, "off", "per-vcpu-generation");
	root_load_flush(ENV_AMD, "on", "per-vcpu-generation");
	root_load_flush(ENV_AMD, "off", "per-vcpu-generation");
	root_load_flush(ENV_AMD, "off", "per-root");
	root_load_flush(ENV_AMD, "off", "static-per-vm");
}

/* E14: under EnlightenedNptTlb every flush of the current context also
 * makes the hypercall, for the root about to run; not with
 * svm.hv_npt_flush=asid, and not without the quirk. */
static void hv_npt_flush(bool quirk, const char *policy)
{
	struct env *e = env_new(ENV_AMD, 1, 1);
	bool on = quirk && !strcmp(policy, "hypercall");
	struct kvm *kvm;

	e->caps.hv_enlightened_npt_tlb = quirk;
	kvm = vm_new(e, "svm.hv_npt_flush", policy, NULL);
	/* The first entry loads a root and flushes for it. */
	run(e, kvm, 0, NULL, 0);
	assert_int_equal(e->hv_flushes, on ? 1 : 0);
	run(e, kvm, 0, NULL, 0);
	assert_int_equal(e->hv_flushes, on ? 1 : 0);
	/* A fast zap: the new root's load flushes again, then a remote
	 * flush request does. */
	kvm_mmu_zap_all_fast(kvm);
	run(e, kvm, 0, NULL, 0);
	assert_int_equal(e->hv_flushes, on ? 2 : 0);
	if (on) {
		const struct mock_flush *f = &e->flushes[(e->nflushes - 1) % MOCK_LOG];

		assert_int_equal(f->what, 'H');
		assert_int_equal(f->arg, kvm_vcpu_root_hpa(kvm_get_vcpu(kvm, 0)));
	}
	kvm_flush_remote_tlbs(kvm);
	run(e, kvm, 0, NULL, 0);
	assert_int_equal(e->hv_flushes, on ? 3 : 0);
	expect_run(e, 0, 0, e->vcpus[0].vmcs.asid, ENV_TLB_CTL_FLUSH_ASID);
	done(e, kvm);
}

static void test_svm_hv_npt_flush(void **state)
{
	(void)state;
	hv_npt_flush(true, "hypercall");
	hv_npt_flush(true, "asid");
	hv_npt_flush(false, "hypercall");
}

static void test_svm_static_asid(void **state)
{
	struct env *e = env_new(ENV_AMD, 2, 1);
	struct kvm *kvm;

	(void)state;
	kvm = vm_new(e, "svm.asid", "static-per-vm", NULL);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_FLUSH_ASID);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_NONE);
	/* Another vCPU of the VM on the same pCPU, same ASID: flush. */
	e->vcpus[1].pcpu = 0;
	run(e, kvm, 1, NULL, 0);
	expect_run(e, 1, 0, 1, ENV_TLB_CTL_FLUSH_ASID);
	run(e, kvm, 0, NULL, 0);
	expect_run(e, 0, 0, 1, ENV_TLB_CTL_FLUSH_ASID);
	done(e, kvm);
}

/* ------------------------------------------------- dirty logging paths */

static void test_wp_fast_page_fault_and_get_log(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access w[10], again = { .gpa = 3 * PAGE_SIZE, .write = true };
	u64 bitmap[2], spte;
	struct kvm *kvm;

	(void)state;
	mock_map(e, HVA, 128, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_log", "wp", NULL);
	slot_set(kvm, 0, 0, 128 * PAGE_SIZE, HVA, 0);
	for (int i = 0; i < 10; i++)
		w[i] = (struct mock_access){ .gpa = (u64)i * PAGE_SIZE, .write = true };
	run(e, kvm, 0, w, 10);
	slot_set(kvm, 0, 0, 128 * PAGE_SIZE, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0, &spte), 1);
	assert_false(spte & PT_WRITABLE_MASK);
	assert_true(spte & EPT_SPTE_MMU_WRITABLE);

	/* Writes to write-protected pages: fixed without mmu_lock. */
	run(e, kvm, 0, w, 10);
	assert_int_equal(mock_stat(e, "kvm.pf_fast"), 10);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 20);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0x3ff);
	assert_int_equal(bitmap[1], 0);
	/* GET re-protected them; nothing new is dirty. */
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0, &spte), 1);
	assert_false(spte & PT_WRITABLE_MASK);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0);
	run(e, kvm, 0, &again, 1);
	assert_int_equal(mock_stat(e, "kvm.pf_fast"), 11);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 1ULL << 3);
	done(e, kvm);
}

static void test_manual_protect_clear(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access w[4];
	u64 bitmap[1], clear[1] = { 0x5 }, spte;
	struct kvm *kvm;

	(void)state;
	mock_map(e, HVA, 64, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_log", "wp", "mmu.manual_protect", "on", NULL);
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	for (int i = 0; i < 4; i++)
		w[i] = (struct mock_access){ .gpa = (u64)i * PAGE_SIZE, .write = true };
	run(e, kvm, 0, w, 4);
	/* GET only copies. */
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0xf);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0xf);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0, &spte);
	assert_true(spte & PT_WRITABLE_MASK);
	/* CLEAR pages 0 and 2: they are re-protected, 1 and 3 are not. */
	assert_int_equal(kvm_clear_dirty_log(kvm, 0, 0, 64, clear), 0);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0xa);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0, &spte);
	assert_false(spte & PT_WRITABLE_MASK);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), PAGE_SIZE, &spte);
	assert_true(spte & PT_WRITABLE_MASK);
	assert_int_equal(kvm_clear_dirty_log(kvm, 0, 1, 64, clear), -EINVAL);
	done(e, kvm);
}

struct ring_log {
	u64 off[4096];
	u32 n;
};

static void ring_cb(void *arg, u32 slot, u64 offset)
{
	struct ring_log *l = arg;

	assert_int_equal(slot, 0);
	l->off[l->n++] = offset;
}

static void test_dirty_ring(void **state)
{
	enum { N = 1600 };
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access *w = calloc(N, sizeof(*w));
	struct ring_log *log = calloc(1, sizeof(*log));
	struct kvm *kvm;
	u64 spte;

	(void)state;
	mock_map(e, HVA, 4096, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_log", "ring", "mmu.dirty_ring_size", "2048", NULL);
	slot_set(kvm, 0, 0, 4096 * PAGE_SIZE, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	for (int i = 0; i < N; i++)
		w[i] = (struct mock_access){ .gpa = (u64)i * PAGE_SIZE, .write = true };
	/* Soft limit = 2048 - (64 + 512). */
	/* The fault for access 1471 pushes entry 1472 (the soft limit); the
	 * next entry goes to userspace before the access is done. */
	assert_int_equal(run(e, kvm, 0, w, N), KVM_EXIT_DIRTY_RING_FULL);
	assert_int_equal(e->vcpus[0].pos, 1471);
	assert_int_equal(kvm_dirty_ring_harvest(kvm_get_vcpu(kvm, 0), ring_cb, log), 1472);
	for (u32 i = 0; i < log->n; i++)
		assert_int_equal(log->off[i], i);
	/* Still full until reset. */
	assert_int_equal(resume(e, kvm, 0), KVM_EXIT_DIRTY_RING_FULL);
	assert_int_equal(kvm_reset_dirty_rings(kvm), 1472);
	/* Reset re-protected them (PML: D cleared). */
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 5 * PAGE_SIZE, &spte);
	assert_false(spte & SPTE_DIRTY);
	assert_int_equal(resume(e, kvm, 0), KVM_EXIT_HLT);
	log->n = 0;
	/* Page 1471 was re-protected (D cleared) before its write happened:
	 * the CPU logs it again, drained at the next exit, before the fault
	 * of page 1472 pushes its own entry. */
	assert_int_equal(kvm_dirty_ring_harvest(kvm_get_vcpu(kvm, 0), ring_cb, log),
			 N - 1472 + 1);
	assert_int_equal(log->off[0], 1471);
	assert_int_equal(log->off[1], 1472);
	assert_int_equal(log->off[N - 1472], N - 1);
	free(w);
	free(log);
	done(e, kvm);
}

/* E13: PML drain order as seen in the ring. */
static void pml_order(const char *order)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access w[3] = {
		{ .gpa = 7 * PAGE_SIZE, .write = true },
		{ .gpa = 2 * PAGE_SIZE, .write = true },
		{ .gpa = 5 * PAGE_SIZE, .write = true },
	};
	struct ring_log *log = calloc(1, sizeof(*log));
	struct kvm *kvm;

	mock_map(e, HVA, 64, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_log", "ring", "mmu.dirty_ring_size", "2048",
		     "vmx.pml_drain", order, NULL);
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, 0);
	run(e, kvm, 0, w, 3); /* mapped writable, not logging */
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	run(e, kvm, 0, w, 3); /* D cleared: the CPU logs each */
	assert_int_equal(kvm_dirty_ring_harvest(kvm_get_vcpu(kvm, 0), ring_cb, log), 3);
	if (!strcmp(order, "hardware-order")) {
		assert_int_equal(log->off[0], 7);
		assert_int_equal(log->off[2], 5);
	} else {
		assert_int_equal(log->off[0], 5);
		assert_int_equal(log->off[2], 7);
	}
	free(log);
	done(e, kvm);
}

static void test_pml_drain_order(void **state)
{
	(void)state;
	pml_order("hardware-order");
	pml_order("newest-first");
}

/* ------------------------------------------ notifier / fault races */

static void test_invalidate_retry(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	u64 spte;

	(void)state;
	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	vcpu = kvm_get_vcpu(kvm, 0);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, NULL, 0); /* load the root */

	kvm_mmu_notifier_invalidate_range_start(kvm, HVA + 0x3000, HVA + 0x4000, true);
	mock_set_current(e, 0);
	assert_int_equal(kvm_mmu_page_fault(vcpu, 0x3000, PFERR_WRITE_MASK), 1);
	mock_set_current(e, -1);
	assert_int_equal(mock_stat(e, "kvm.pf_stale"), 1);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x3000, &spte), -1);
	/* Outside the range: fine. */
	mock_set_current(e, 0);
	kvm_mmu_page_fault(vcpu, 0x5000, PFERR_WRITE_MASK);
	mock_set_current(e, -1);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x5000, &spte), 1);
	kvm_mmu_notifier_invalidate_range_end(kvm, HVA + 0x3000, HVA + 0x4000);
	mock_set_current(e, 0);
	kvm_mmu_page_fault(vcpu, 0x3000, PFERR_WRITE_MASK);
	mock_set_current(e, -1);
	assert_int_equal(kvm_mmu_lookup_spte(vcpu, 0x3000, &spte), 1);
	done(e, kvm);
}

/* E7: a 32-bit snapshot of the sequence never matches after 2^31. */
static void seq_bits(const char *bits)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct kvm *kvm;
	u64 spte;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.invalidate_seq_bits", bits,
		     "mmu.invalidate_seq_start", "0x7fffffff", NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, NULL, 0);
	kvm_mmu_notifier_invalidate_range_start(kvm, HVA, HVA + 0x1000, true);
	kvm_mmu_notifier_invalidate_range_end(kvm, HVA, HVA + 0x1000);
	mock_set_current(e, 0);
	for (int i = 0; i < 3; i++)
		kvm_mmu_page_fault(kvm_get_vcpu(kvm, 0), 0x8000, PFERR_WRITE_MASK);
	mock_set_current(e, -1);
	if (!strcmp(bits, "32")) {
		assert_int_equal(mock_stat(e, "kvm.pf_stale"), 3);
		assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x8000, &spte), -1);
	} else {
		assert_int_equal(mock_stat(e, "kvm.pf_stale"), 0);
		assert_int_equal(mock_stat(e, "kvm.pf_fixed"), 1);
	}
	done(e, kvm);
}

static void test_invalidate_seq_bits(void **state)
{
	(void)state;
	seq_bits("64");
	seq_bits("32");
}

/* E5: unmapping must reach invalid roots too. */
static void notifier_roots(const char *roots)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x2000, .write = true };
	struct kvm *kvm;
	u64 *sptep;
	int level;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.notifier_roots", roots, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	sptep = sptep_of(e, kvm, 0x2000, &level);
	/* A fast zap has invalidated the roots but not zapped them yet. */
	env_write_lock(e);
	kvm_tdp_mmu_invalidate_all_roots(kvm);
	env_write_unlock(e);
	kvm_mmu_notifier_invalidate_range_start(kvm, HVA + 0x2000, HVA + 0x3000, true);
	kvm_mmu_notifier_invalidate_range_end(kvm, HVA + 0x2000, HVA + 0x3000);
	if (!strcmp(roots, "all"))
		assert_int_equal(*sptep, 0);
	else
		assert_true(is_shadow_present_pte(*sptep));
	/* Zapping an invalid root owes no flush. */
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush"), 0);
	kvm_tdp_mmu_zap_invalidated_roots(kvm);
	done(e, kvm);
}

static void test_notifier_roots(void **state)
{
	(void)state;
	notifier_roots("all");
	notifier_roots("valid");
}

/* The fast zap's FREE_OBSOLETE_ROOTS request: inside the mmu_lock section
 * or after it. */
static void fast_zap_kick(const char *when)
{
	struct env *e = env_new(ENV_INTEL, 2, 2);
	struct kvm *kvm = vm_new(e, "mmu.fast_zap_kick", when, NULL);

	run(e, kvm, 1, NULL, 0);
	/* vCPU 1 is (as far as KVM can tell) running the guest. */
	*kvm_get_vcpu(kvm, 1)->mode = 1 /* IN_GUEST_MODE */;
	kvm_mmu_zap_all_fast(kvm);
	assert_int_equal(e->kicks, 1);
	assert_int_equal(e->kicks_wait, 1);
	assert_int_equal(e->kicks_in_write_lock, !strcmp(when, "in-lock") ? 1 : 0);
	assert_int_equal(*kvm_get_vcpu(kvm, 1)->mode, 2 /* EXITING_GUEST_MODE */);
	*kvm_get_vcpu(kvm, 1)->mode = 0;
	/* vCPU 0 was outside: request only. */
	assert_true(kvm_test_request(KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, kvm_get_vcpu(kvm, 0)));
	done(e, kvm);
}

static void test_fast_zap_kick(void **state)
{
	(void)state;
	fast_zap_kick("in-lock");
	fast_zap_kick("after-unlock");
}

/* E17: a read fault racing a write fault must not downgrade the SPTE. */
static void spurious(const char *check)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x4000, .write = true };
	bool on = !strcmp(check, "on");
	struct kvm *kvm;
	u64 spte, flushes;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.spurious_check", check, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	/* A read fault whose faultin saw the page read-only. */
	e->regions[0].writable = false;
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	mock_set_current(e, 0);
	kvm_mmu_page_fault(kvm_get_vcpu(kvm, 0), 0x4000, PFERR_USER_MASK);
	mock_set_current(e, -1);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x4000, &spte);
	assert_int_equal(!!(spte & PT_WRITABLE_MASK), on);
	assert_int_equal(mock_stat(e, "kvm.pf_spurious"), on ? 1 : 0);
	assert_int_equal(mock_stat(e, "kvm.pf_downgrade"), on ? 0 : 1);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush") - flushes, on ? 0 : 1);
	done(e, kvm);
}

static void test_spurious_check(void **state)
{
	(void)state;
	spurious("on");
	spurious("off");
}

/* E8: write tracking must clear MMU-writable too.  The gfn becomes tracked
 * while a vCPU's fast_page_fault is between reading the write-protected
 * SPTE and its cmpxchg. */
struct track_race {
	struct kvm *kvm;
	u64 *target;
	bool fired;
};

static void track_before_cmpxchg(struct env *e, enum mock_op op, u64 *p, void *arg)
{
	struct track_race *t = arg;
	struct env_vcpu *cur = e->current;

	if (p != t->target || op != MOCK_CMPXCHG || t->fired)
		return;
	t->fired = true;
	e->current = NULL; /* another thread */
	assert_int_equal(kvm_write_track_add_gfn(t->kvm, 0, 6), 0);
	e->current = cur;
}

static void write_track(const char *clear)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x6000, .write = true };
	bool fixed = !strcmp(clear, "w-and-mmu-writable");
	struct track_race t = { 0 };
	struct kvm *kvm;
	u64 spte;
	int level;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.dirty_log", "wp", "mmu.write_track_clear", clear, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	slot_set(kvm, 0, 0, SZ_2M, HVA, KVM_MEM_LOG_DIRTY_PAGES); /* !W, MMU-writable */
	t.kvm = kvm;
	t.target = sptep_of(e, kvm, 0x6000, &level);
	e->op_hook = track_before_cmpxchg;
	e->op_hook_arg = &t;
	run(e, kvm, 0, &s, 1);
	e->op_hook = NULL;
	assert_true(t.fired);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x6000, &spte);
	if (fixed) {
		/* The cmpxchg lost; the slow path found the gfn tracked and
		 * the write was emulated. */
		assert_false(spte & (PT_WRITABLE_MASK | EPT_SPTE_MMU_WRITABLE));
		assert_int_equal(e->vcpus[0].emulated, 1);
		assert_int_equal(mock_stat(e, "kvm.pf_fast"), 0);
	} else {
		/* Tracking skipped the !W SPTE; the fast path made a tracked
		 * gfn writable and the guest's write went unnoticed. */
		assert_true(spte & PT_WRITABLE_MASK);
		assert_int_equal(e->vcpus[0].emulated, 0);
		assert_int_equal(mock_stat(e, "kvm.pf_fast"), 1);
	}
	/* Later writes to the tracked gfn always exit when fixed. */
	run(e, kvm, 0, &s, 1);
	assert_int_equal(e->vcpus[0].emulated, fixed ? 2 : 0);
	assert_int_equal(kvm_write_track_remove_gfn(kvm, 0, 6), 0);
	done(e, kvm);
}

static void test_write_track(void **state)
{
	(void)state;
	write_track("w-and-mmu-writable");
	write_track("w-only");
}

/*
 * E11: clear-dirty's retry after a lost cmpxchg.  Between its read of a
 * dirty huge leaf and its cmpxchg, another thread replaces the leaf by a
 * page table (an eager split, or a fault that links a table for 4K
 * mappings).  Upstream's retry then re-checked nothing and cleared the
 * "dirty" bit of whatever it re-read.  Which bit that is decides whether
 * the missing re-check does harm:
 *  - A/D roots (every root kvmmu and 6.12 build for a VM that clears D:
 *    clear-dirty runs only with PML, which needs A/D): the bit is D, which
 *    a table SPTE never has (make_nonleaf_spte sets A, not D; the CPU sets
 *    D on leaves only), and a zapped or frozen SPTE has no D either.  Both
 *    policies leave the table as it was: no run can tell them apart.
 *  - A/D-disabled roots (a nested guest's, write-protect-only): the bit is
 *    W, which every table SPTE has.  no-recheck clears W in the table
 *    (every write below it faults; E11's harm); recheck skips it.
 * The second case is reached here by calling clear-dirty on an
 * mmu.ad_bits=off VM, which kvmmu itself never does (no PML without A/D);
 * there the SPTE invariant checker (spte.h: a table SPTE is writable)
 * reports it, as a WARN that lets the run go on.
 */
static void warn_continues(const char *what, const char *file, int line)
{
	(void)what, (void)file, (void)line;
}

struct e11_race {
	struct kvm *kvm;
	u64 *target;
	u64 table;
	bool fired;
};

static void e11_split_before_cmpxchg(struct env *e, enum mock_op op, u64 *p,
				     void *arg)
{
	struct e11_race *x = arg;

	(void)e;
	if (p != x->target || op != MOCK_CMPXCHG || x->fired)
		return;
	x->fired = true;
	*p = x->table;
}

static void clear_dirty_retry(const char *policy, const char *ad)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x1000, .write = true };
	bool ad_on = !strcmp(ad, "on");
	struct e11_race x = { 0 };
	struct kvm *kvm;
	u64 leaf;
	int level;

	mock_map(e, HVA, 512, 0x100000, PG_LEVEL_2M, true);
	kvm = vm_new(e, "mmu.ad_bits", ad, "mmu.clear_dirty_retry", policy, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	x.target = sptep_of(e, kvm, 0x1000, &level);
	assert_int_equal(level, PG_LEVEL_2M);
	leaf = *x.target;
	/* The write fault made the huge leaf writable, and dirty with A/D. */
	assert_true(leaf & PT_WRITABLE_MASK);
	assert_int_equal(!!(leaf & SPTE_DIRTY), ad_on);
	x.kvm = kvm;
	/* The other thread's table: empty, so the walk finds nothing in it. */
	u64 *table = env_alloc_pt_page(e);
	x.table = make_nonleaf_spte(&kvm->m, env_pt_pa(e, table), !ad_on);
	assert_true(x.table & PT_WRITABLE_MASK);
	assert_false(x.table & SPTE_DIRTY);
	e->op_hook = e11_split_before_cmpxchg;
	e->op_hook_arg = &x;
	e->assert_hook = warn_continues;
	u64 warns = e->asserts;
	env_read_lock(e);
	kvm_tdp_mmu_clear_dirty_slot(kvm, kvm_id_to_memslot(kvm, 0));
	env_read_unlock(e);
	e->op_hook = NULL;
	e->assert_hook = assert_hook;
	assert_true(x.fired);
	if (!ad_on && !strcmp(policy, "no-recheck")) {
		assert_int_equal(*x.target, x.table & ~PT_WRITABLE_MASK);
		assert_int_equal(e->asserts - warns, 1);
	} else {
		assert_int_equal(*x.target, x.table);
		assert_int_equal(e->asserts - warns, 0);
	}
	/* Put the leaf back: the table is the test's, not KVM's. */
	*x.target = leaf;
	env_free_pt_page(e, table);
	done(e, kvm);
}

static void test_clear_dirty_retry(void **state)
{
	(void)state;
	clear_dirty_retry("recheck", "on");
	clear_dirty_retry("no-recheck", "on");
	clear_dirty_retry("recheck", "off");
	clear_dirty_retry("no-recheck", "off");
}

/* E10: with access tracking, enabling logging finds nothing writable. */
static void enable_flush(const char *policy)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x1000, .write = true };
	struct kvm *kvm;
	u64 spte, flushes;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.ad_bits", "off", "mmu.dirty_enable_flush", policy, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	assert_true(kvm_mmu_notifier_clear_young(kvm, HVA, HVA + SZ_2M));
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x1000, &spte);
	assert_true(is_access_track_spte(&kvm->m, spte));
	flushes = mock_stat(e, "kvm.remote_tlb_flush");
	assert_int_equal(flushes, 0); /* aging does not flush */
	slot_set(kvm, 0, 0, SZ_2M, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush"),
			 !strcmp(policy, "always") ? 1 : 0);
	/* The next access restores the SPTE without the lock. */
	run(e, kvm, 0, &s, 1);
	assert_int_equal(mock_stat(e, "kvm.pf_fast"), 1);
	done(e, kvm);
}

static void test_dirty_enable_flush(void **state)
{
	(void)state;
	enable_flush("always");
	enable_flush("if-changed");
}

/* E4: the iterator must revisit the entry it yielded at. */
static void iter_restart(const char *policy)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s[3] = {
		{ .gpa = 0, .write = true },
		{ .gpa = 512ULL << 30, .write = true },
		{ .gpa = 1024ULL << 30, .write = true },
	};
	struct kvm *kvm;
	u64 *root, left = 0;

	mock_map(e, HVA, 3ULL << 27, 0x1000000, 1, true);
	kvm = vm_new(e, "mmu.iter_restart", policy, NULL);
	slot_set(kvm, 0, 0, 3ULL << 39, HVA, 0);
	run(e, kvm, 0, s, 3);
	root = kvm_get_vcpu(kvm, 0)->mmu.root->spt;
	assert_true(root[0] && root[1] && root[2]);
	e->resched_every = 1; /* always asked to yield */
	kvm_mmu_zap_all(kvm);
	e->resched_every = 0;
	for (int i = 0; i < 512; i++)
		left += root[i] != 0;
	assert_true(e->cond_resched > 0);
	if (!strcmp(policy, "retry-current"))
		assert_int_equal(left, 0);
	else
		assert_int_not_equal(left, 0);
	done(e, kvm);
}

static void test_iter_restart(void **state)
{
	(void)state;
	iter_restart("retry-current");
	iter_restart("step-side");
}

/* E3: page tables freed at once, or after a grace period. */
static void pt_free(const char *policy)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x1000, .write = true };
	struct kvm *kvm;
	u64 freed;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.pt_free", policy, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	freed = e->pt_freed;
	kvm_mmu_zap_all_fast(kvm);
	/* Root + PDPT + PD + PT: three tables under the root. */
	if (!strcmp(policy, "rcu")) {
		assert_int_equal(e->pt_freed, freed);
		mock_rcu_barrier(e);
	}
	assert_int_equal(e->pt_freed - freed, 3);
	done(e, kvm);
}

static void test_pt_free(void **state)
{
	(void)state;
	pt_free("rcu");
	pt_free("immediate");
}

/* E1: a range zap that yields in its second root must first flush what
 * the first root zapped: the lock holder after the yield may rely on it. */
struct e1 {
	u64 *root2_spt;
	u64 flushes0, flushes_at_yield;
	bool armed, yielded;
};

static void e1_arm(struct env *e, enum mock_op op, u64 *p, void *arg)
{
	struct e1 *x = arg;

	(void)op;
	/* The walk reached the second root: yield at its first chance. */
	if (!x->armed && p >= x->root2_spt && p < x->root2_spt + 512 &&
	    mock_stat(e, "kvm.zapped_leafs") == 2) {
		x->armed = true;
		e->resched_at = e->resched_calls + 1;
	}
}

static void e1_yield(struct env *e, void *arg)
{
	struct e1 *x = arg;

	if (!x->yielded) {
		x->yielded = true;
		x->flushes_at_yield = mock_stat(e, "kvm.remote_tlb_flush") - x->flushes0;
	}
}

static void flush_on_yield(const char *policy)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s[2] = { { .gpa = 0x1000, .write = true },
				    { .gpa = 0x2000, .write = true } };
	struct e1 x = { 0 };
	struct kvm *kvm;
	bool flush;

	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.flush_on_yield", policy, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	slot_set(kvm, 1u << 16, 0, SZ_2M, HVA, 0); /* SMM view of the same memory */
	run(e, kvm, 0, s, 2);
	kvm_vcpu_set_smm(kvm_get_vcpu(kvm, 0), true);
	run(e, kvm, 0, s, 2);
	kvm_vcpu_set_smm(kvm_get_vcpu(kvm, 0), false);
	assert_int_equal(kvm_nr_tdp_roots(kvm), 2);
	/* Roots are walked newest first: the SMM root, then this one. */
	x.root2_spt = container_of(kvm->tdp_mmu_roots.prev, struct kvm_mmu_page, link)->spt;
	x.flushes0 = mock_stat(e, "kvm.remote_tlb_flush");
	e->op_hook = e1_arm;
	e->op_hook_arg = &x;
	e->resched_hook = e1_yield;
	e->resched_hook_arg = &x;
	env_write_lock(e);
	flush = kvm_tdp_mmu_zap_leafs(kvm, 0, 512, false);
	env_write_unlock(e);
	e->op_hook = NULL;
	e->resched_hook = NULL;
	assert_true(x.yielded);
	assert_int_equal(mock_stat(e, "kvm.zapped_leafs"), 4);
	if (!strcmp(policy, "pending-across-roots")) {
		assert_int_equal(x.flushes_at_yield, 1);
	} else {
		/* The lock was dropped with the first root's zaps unflushed. */
		assert_int_equal(x.flushes_at_yield, 0);
		assert_true(flush);
	}
	done(e, kvm);
}

static void test_flush_on_yield(void **state)
{
	(void)state;
	flush_on_yield("pending-across-roots");
	flush_on_yield("per-root");
}

/* E6: a fault on a slot being deleted retries, or installs MMIO. */
static void test_memslot_delete_and_mmio(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access s = { .gpa = 0x1000, .write = true };
	struct mock_access mmio = { .gpa = 0x400000, .write = false };
	struct kvm *kvm;
	u64 spte;

	(void)state;
	mock_map(e, HVA, 512, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, SZ_2M, HVA, 0);
	run(e, kvm, 0, &s, 1);
	/* No memslot at 4M: an MMIO SPTE, then a misconfig exit each time. */
	assert_int_equal(run(e, kvm, 0, &mmio, 1), KVM_EXIT_MMIO);
	assert_int_equal(mock_stat(e, "kvm.pf_mmio_spte_created"), 1);
	assert_int_equal(resume(e, kvm, 0), KVM_EXIT_HLT);
	assert_int_equal(run(e, kvm, 0, &mmio, 1), KVM_EXIT_MMIO);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_MISCONFIG], 1);
	assert_int_equal(e->vcpus[0].emulated, 2);
	resume(e, kvm, 0);
	/* Delete the slot: a fast zap, the vCPU reloads. */
	slot_set(kvm, 0, 0, 0, HVA, 0);
	assert_int_equal(mock_stat(e, "kvm.fast_zaps"), 1);
	assert_int_equal(run(e, kvm, 0, &s, 1), KVM_EXIT_MMIO);
	assert_int_equal(kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x1000, &spte), -1);
	assert_int_equal(mock_stat(e, "kvm.roots_alloc"), 2);
	done(e, kvm);
}

/* PML: GET_DIRTY_LOG re-protects by clearing D; the CPU logs the next
 * write without an exit. */
static void test_pml_get_log(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access w[4], again = { .gpa = PAGE_SIZE, .write = true };
	u64 bitmap[1], spte;
	struct kvm *kvm;

	(void)state;
	mock_map(e, HVA, 64, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, KVM_MEM_LOG_DIRTY_PAGES);
	for (int i = 0; i < 4; i++)
		w[i] = (struct mock_access){ .gpa = (u64)i * PAGE_SIZE, .write = true };
	run(e, kvm, 0, w, 4);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0xf);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), PAGE_SIZE, &spte);
	assert_true(spte & PT_WRITABLE_MASK);
	assert_false(spte & SPTE_DIRTY);
	run(e, kvm, 0, &again, 1);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_EPT_VIOLATION], 4);
	assert_int_equal(mock_stat(e, "kvm.pml_drained"), 1);
	assert_int_equal(kvm_get_dirty_log(kvm, 0, bitmap), 0);
	assert_int_equal(bitmap[0], 0x2);
	done(e, kvm);
}

static void test_kick_to_user(void **state)
{
	struct env *e = env_new(ENV_INTEL, 1, 1);
	struct mock_access w = { .gpa = 0, .write = true };
	struct kvm *kvm;

	(void)state;
	mock_map(e, HVA, 64, 0x100000, 1, true);
	kvm = vm_new(e, NULL);
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, 0);
	kvm_vcpu_kick_to_user(kvm_get_vcpu(kvm, 0));
	assert_int_equal(run(e, kvm, 0, &w, 1), KVM_EXIT_INTR);
	assert_int_equal(e->vcpus[0].nruns, 0);
	assert_int_equal(resume(e, kvm, 0), KVM_EXIT_HLT);
	done(e, kvm);
}

static void test_aging(void **state)
{
	struct env *e = env_new(ENV_AMD, 1, 1);
	struct mock_access r = { .gpa = 0x3000 };
	struct kvm *kvm;
	u64 spte;

	(void)state;
	mock_map(e, HVA, 64, 0x100000, 1, true);
	kvm = vm_new(e, "mmu.age_flush", "on", NULL);
	slot_set(kvm, 0, 0, 64 * PAGE_SIZE, HVA, 0);
	run(e, kvm, 0, &r, 1);
	assert_true(kvm_mmu_notifier_test_young(kvm, HVA, HVA + 64 * PAGE_SIZE));
	assert_true(kvm_mmu_notifier_clear_flush_young(kvm, HVA, HVA + 64 * PAGE_SIZE));
	assert_int_equal(mock_stat(e, "kvm.remote_tlb_flush"), 1);
	kvm_mmu_lookup_spte(kvm_get_vcpu(kvm, 0), 0x3000, &spte);
	assert_false(spte & PT_ACCESSED_MASK);
	assert_false(kvm_mmu_notifier_test_young(kvm, HVA, HVA + 64 * PAGE_SIZE));
	assert_false(kvm_mmu_notifier_clear_young(kvm, HVA, HVA + 64 * PAGE_SIZE));
	/* The CPU sets A on the next access (no exit). */
	run(e, kvm, 0, &r, 1);
	assert_int_equal(e->vcpus[0].exits[ENV_EXIT_NPF], 1);
	assert_true(kvm_mmu_notifier_test_young(kvm, HVA, HVA + 64 * PAGE_SIZE));
	/* Outside every memslot: nothing, no lock taken. */
	assert_false(kvm_mmu_notifier_clear_young(kvm, HVA + SZ_1G, HVA + SZ_1G + 4096));
	done(e, kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_block),
		cmocka_unit_test(test_spte_format),
		cmocka_unit_test(test_make_spte_over_table),
		cmocka_unit_test(test_mmu_page_headers),
		cmocka_unit_test(test_write_fault_dirty_map),
		cmocka_unit_test(test_write_fault_dirty_zap),
		cmocka_unit_test(test_n_pages_intel),
		cmocka_unit_test(test_n_pages_amd),
		cmocka_unit_test(test_1g_map_recovery_rebuild),
		cmocka_unit_test(test_1g_zap_recovery_rebuild),
		cmocka_unit_test(test_1g_map_recovery_zap),
		cmocka_unit_test(test_1g_zap_recovery_zap),
		cmocka_unit_test(test_split_alloc_drops_lock),
		cmocka_unit_test(test_split_alloc_race),
		cmocka_unit_test(test_nx_huge_pages),
		cmocka_unit_test(test_nx_recovery_period),
		cmocka_unit_test(test_fault_huge),
		cmocka_unit_test(test_nx_recovery_yield),
		cmocka_unit_test(test_lock_asserts),
		cmocka_unit_test(test_volatile_plain),
		cmocka_unit_test(test_volatile_atomic),
		cmocka_unit_test(test_svm_asid_generations),
		cmocka_unit_test(test_svm_flush_without_flushbyasid),
		cmocka_unit_test(test_svm_hv_npt_flush),
		cmocka_unit_test(test_svm_static_asid),
		cmocka_unit_test(test_root_load_flush),
		cmocka_unit_test(test_wp_fast_page_fault_and_get_log),
		cmocka_unit_test(test_manual_protect_clear),
		cmocka_unit_test(test_dirty_ring),
		cmocka_unit_test(test_pml_drain_order),
		cmocka_unit_test(test_invalidate_retry),
		cmocka_unit_test(test_invalidate_seq_bits),
		cmocka_unit_test(test_notifier_roots),
		cmocka_unit_test(test_fast_zap_kick),
		cmocka_unit_test(test_spurious_check),
		cmocka_unit_test(test_write_track),
		cmocka_unit_test(test_clear_dirty_retry),
		cmocka_unit_test(test_dirty_enable_flush),
		cmocka_unit_test(test_iter_restart),
		cmocka_unit_test(test_pt_free),
		cmocka_unit_test(test_flush_on_yield),
		cmocka_unit_test(test_memslot_delete_and_mmio),
		cmocka_unit_test(test_pml_get_log),
		cmocka_unit_test(test_kick_to_user),
		cmocka_unit_test(test_aging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
