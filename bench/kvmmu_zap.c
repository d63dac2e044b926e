// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/kvmmu_zap — kvmmu's bulk SPTE paths over a 64 GiB region mapped
 * with 4K SPTEs (16,777,216 of them), against the minimal-cost mock env:
 * eager split (64 x 1 GiB -> 4K), a dirty-log harvest (GET_DIRTY_LOG with
 * every page dirty: exchange the bitmap, re-protect every SPTE, flush),
 * an mmu_notifier unmap of the whole region, and a fast zap.  Prints
 * "bench NAME VALUE UNIT"; the goal is <= 30 ns per SPTE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench.h"
#include "tests/kvmmu/mock_env.h"

#include "kvmmu/kvmmu.h"
#include "scenarios/params.h"
#include "kvmmu/tdp_mmu.h"

#define HVA 0x7f0000000000ULL
#define GIB (1ULL << 30)
#define REGION (64 * GIB)
#define NPAGES (REGION >> PAGE_SHIFT)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The guest wrote every page: set D on every 4K leaf (what the CPU does)
 * and every bit of the bitmap (what the PML drains did). */
static u64 dirty_everything(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root = kvm_get_vcpu(kvm, 0)->mmu.root;
	u64 n = 0;

	for (int i4 = 0; i4 < 512; i4++) {
		if (!is_shadow_present_pte(root->spt[i4]))
			continue;
		u64 *l3 = env_pt_va(kvm->env, root->spt[i4] & SPTE_BASE_ADDR_MASK);
		for (int i3 = 0; i3 < 512; i3++) {
			if (!is_shadow_present_pte(l3[i3]) || is_large_pte(l3[i3]))
				continue;
			u64 *l2 = env_pt_va(kvm->env, l3[i3] & SPTE_BASE_ADDR_MASK);
			for (int i2 = 0; i2 < 512; i2++) {
				if (!is_shadow_present_pte(l2[i2]) || is_large_pte(l2[i2]))
					continue;
				u64 *l1 = env_pt_va(kvm->env, l2[i2] & SPTE_BASE_ADDR_MASK);
				for (int i1 = 0; i1 < 512; i1++, n++)
					l1[i1] |= kvm->m.dirty_mask;
			}
		}
	}
	for (u64 i = 0; i < (slot->npages + 63) / 64; i++)
		slot->dirty_bitmap[i] = ~0ULL;
	return n;
}

static void report(const char *name, double ns, u64 n)
{
	bench_print(name, ns / (double)n, 2, "ns/spte", "<=", 30);
}

int main(void)
{
	struct env *e = mock_env_new(ENV_INTEL, 1, 1);
	struct kvmmu_policy pol;
	struct params par;
	char err[256];
	struct mock_access *touch = calloc(REGION / GIB, sizeof(*touch));
	u64 *bitmap = malloc(NPAGES / 8);
	struct kvm_memory_slot *slot;
	struct kvm *kvm;
	double t0, t1;
	u64 n;

	if (!touch || !bitmap)
		return 1;
	e->check_pages = false; /* the minimal-cost mock */
	mock_reserve_pages(e, NPAGES / 512 + 1024);
	mock_map(e, HVA, NPAGES, 1ULL << 24, 3, true);
	params_defaults(&par);
	if (params_set(&par, "mmu.dirty_log", "pml", err, sizeof(err)))
		abort();
	pol = par.mmu;
	kvm = kvm_create_vm(e, &pol);
	if (!kvm)
		return 1;
	struct kvm_userspace_memory_region r = { 0, 0, 0, REGION, HVA };
	if (kvm_set_memory_region(kvm, &r))
		return 1;

	/* 64 faults map the region with 1 GiB SPTEs. */
	for (u64 i = 0; i < REGION / GIB; i++)
		touch[i] = (struct mock_access){ .gpa = i * GIB, .write = true };
	mock_set_script(e, 0, touch, REGION / GIB);
	mock_set_current(e, 0);
	if (kvm_vcpu_run(kvm_get_vcpu(kvm, 0)) != KVM_EXIT_HLT)
		return 1;
	mock_set_current(e, -1);

	/* Logging on: eager split to 4K, clear D on every leaf, flush. */
	r.flags = KVM_MEM_LOG_DIRTY_PAGES;
	t0 = now_ns();
	if (kvm_set_memory_region(kvm, &r))
		return 1;
	t1 = now_ns();
	if (mock_stat(e, "kvm.pages_4k") != NPAGES)
		return fprintf(stderr, "split: %llu 4K SPTEs\n",
			       (unsigned long long)mock_stat(e, "kvm.pages_4k")), 1;
	report("kvmmu.enable_logging_64g", t1 - t0, NPAGES);

	/* Harvest: every page dirty. */
	slot = kvm_id_to_memslot(kvm, 0);
	n = dirty_everything(kvm, slot);
	t0 = now_ns();
	kvm_get_dirty_log(kvm, 0, bitmap);
	t1 = now_ns();
	if (n != NPAGES || bitmap[0] != ~0ULL || bitmap[NPAGES / 64 - 1] != ~0ULL)
		return fprintf(stderr, "harvest: wrong bitmap\n"), 1;
	report("kvmmu.dirty_log_harvest_64g", t1 - t0, NPAGES);

	/* The host unmaps the whole region: zap every leaf, one flush. */
	t0 = now_ns();
	kvm_mmu_notifier_invalidate_range_start(kvm, HVA, HVA + REGION, true);
	t1 = now_ns();
	kvm_mmu_notifier_invalidate_range_end(kvm, HVA, HVA + REGION);
	if (mock_stat(e, "kvm.zapped_leafs") != NPAGES)
		return fprintf(stderr, "zap: %llu zapped\n",
			       (unsigned long long)mock_stat(e, "kvm.zapped_leafs")), 1;
	report("kvmmu.zap_64g", t1 - t0, NPAGES);

	/* Fast zap of a re-split region: invalidate, zap the root under the
	 * read lock (freezing each SPTE), free the tables after RCU. */
	r.flags = 0;
	kvm_set_memory_region(kvm, &r);
	mock_set_script(e, 0, touch, REGION / GIB);
	mock_set_current(e, 0);
	kvm_vcpu_run(kvm_get_vcpu(kvm, 0));
	mock_set_current(e, -1);
	r.flags = KVM_MEM_LOG_DIRTY_PAGES;
	kvm_set_memory_region(kvm, &r);
	t0 = now_ns();
	kvm_mmu_zap_all_fast(kvm);
	mock_rcu_barrier(e);
	t1 = now_ns();
	if (mock_stat(e, "kvm.pages_4k") != 0)
		return fprintf(stderr, "fast zap left SPTEs\n"), 1;
	report("kvmmu.zap_all_fast_64g", t1 - t0, NPAGES);

	kvm_destroy_vm(kvm);
	mock_env_free(e);
	free(touch);
	free(bitmap);
	return 0;
}
