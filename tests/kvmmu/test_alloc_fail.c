// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu out of memory: a small VM's life (create, a memslot, a fault that
 * maps a 2 MiB page, dirty logging on with eager split, a 4K write fault,
 * write tracking of a gfn, teardown) run once per allocation it makes,
 * that allocation failing.  Allocations are kvmmu's callocs and reallocs
 * (this binary links with -Wl,--wrap=calloc,--wrap=realloc) and the env's
 * env_alloc_words and env_alloc_pt_page (the mock counts them in
 * mock_alloc_fails).  Each time the step that allocated fails the way
 * kvmmu/env.h says, nothing crashes, and the teardown frees every page
 * table (pt_allocated == pt_freed, the mock's live set empty) and, in the
 * ASan build (make check), every byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/kvmmu/mock_env.h"

#include "kvmmu/kvmmu.h"
#include "scenarios/params.h"

#define HVA 0x7f0000000000ULL /* 1 GiB aligned */
#define SZ_2M (2ULL << 20)
#define NPAGES (2 * SZ_2M / 4096)

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

/* The env whose VM is running: its counter decides which allocation fails. */
static struct env *armed;

void *__wrap_calloc(size_t n, size_t size)
{
	if (armed && mock_alloc_fails(armed))
		return NULL;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	if (armed && mock_alloc_fails(armed))
		return NULL;
	return __real_realloc(p, size);
}

/* The steps of the VM's life, in order; the one that met the failure. */
enum step { S_CREATE, S_SLOT, S_FAULT_2M, S_LOG_ON, S_FAULT_4K, S_TRACK, S_DONE };

struct outcome {
	enum step failed;    /* S_DONE: every step succeeded */
	u64 allocs;          /* allocations counted */
	u64 splits;          /* kvm.huge_splits after logging started */
};

static int run_write(struct env *e, struct kvm *kvm, gpa_t gpa)
{
	static struct mock_access w;
	int r;

	w = (struct mock_access){ .gpa = gpa, .write = true };
	mock_set_script(e, 0, &w, 1);
	mock_set_current(e, 0);
	r = kvm_vcpu_run(kvm_get_vcpu(kvm, 0));
	mock_set_current(e, -1);
	return r;
}

/*
 * The VM's life with the @fail_at-th allocation failing (0: none).  Each
 * step either succeeds as it does with memory, or fails as its contract
 * says; the life ends at the first failure.
 */
static struct outcome life(u64 fail_at)
{
	struct env *e = mock_env_new(ENV_INTEL, 1, 1);
	struct outcome o = { .failed = S_DONE };
	struct kvm_userspace_memory_region slot = { 0, 0, 0, 2 * SZ_2M, HVA };
	struct params p;
	char err[256];
	struct kvm *kvm;
	int r;

	params_defaults(&p);
	assert_int_equal(params_set(&p, "mmu.eager_split", "on", err, sizeof(err)), 0);
	mock_map(e, HVA, NPAGES, 0x200000, 2, true); /* two 2 MiB folios */
	e->alloc_fail_at = fail_at;
	armed = e;

	kvm = kvm_create_vm(e, &p.mmu);
	if (!kvm) {
		o.failed = S_CREATE;
		goto out;
	}
	r = kvm_set_memory_region(kvm, &slot);
	if (r) {
		assert_int_equal(r, -ENOMEM);
		o.failed = S_SLOT;
		goto out;
	}
	/* A write fault maps the first 2 MiB with one SPTE (root, 3 tables). */
	r = run_write(e, kvm, 0x1000);
	if (r != KVM_EXIT_HLT) {
		assert_int_equal(r, KVM_EXIT_INTERNAL_ERROR);
		o.failed = S_FAULT_2M;
		goto out;
	}
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 1);
	/* Logging on: a dirty bitmap, and eager split of the 2M page.  The
	 * split stopping for memory is not an error: it leaves the page huge
	 * for the write fault below to split. */
	slot.flags = KVM_MEM_LOG_DIRTY_PAGES;
	r = kvm_set_memory_region(kvm, &slot);
	if (r) {
		assert_int_equal(r, -ENOMEM);
		o.failed = S_LOG_ON;
		goto out;
	}
	o.splits = mock_stat(e, "kvm.huge_splits");
	if (o.splits == 0 && e->allocs >= fail_at && fail_at) {
		o.failed = S_LOG_ON;
		assert_int_equal(mock_stat(e, "kvm.pages_2m"), 1);
	}
	r = run_write(e, kvm, 0x3000);
	if (r != KVM_EXIT_HLT) {
		assert_int_equal(r, KVM_EXIT_INTERNAL_ERROR);
		o.failed = S_FAULT_4K;
		goto out;
	}
	/* Split one way or the other: the written page is a 4K SPTE. */
	assert_int_equal(mock_stat(e, "kvm.pages_2m"), 0);
	assert_int_equal(mock_stat(e, "kvm.pages_4k"), 512);
	/* Write tracking allocates its counters on first use. */
	r = kvm_write_track_gfn(kvm, 0, 5, true);
	if (r) {
		assert_int_equal(r, -ENOMEM);
		o.failed = S_TRACK;
	}
out:
	armed = NULL;
	o.allocs = e->allocs;
	kvm_destroy_vm(kvm);
	mock_rcu_barrier(e);
	assert_int_equal(e->pt_allocated, e->pt_freed);
	assert_int_equal(e->live_n, 0);
	assert_int_equal(e->rcu_nesting, 0);
	assert_false(e->writer);
	assert_int_equal(e->readers, 0);
	mock_env_free(e);
	return o;
}

static void test_every_allocation_fails_once(void **state)
{
	struct outcome all = life(0);
	unsigned by_step[S_DONE + 1] = { 0 };

	(void)state;
	/* With memory: every step succeeds; eager split made the 2M page
	 * 512 4K SPTEs (one split). */
	assert_int_equal(all.failed, S_DONE);
	assert_int_equal(all.splits, 1);
	for (u64 n = 1; n <= all.allocs; n++) {
		struct outcome o = life(n);

		/* The same allocations up to the failing one, which ends the
		 * step it belongs to (a stopped split ends nothing). */
		assert_true(o.allocs >= n);
		by_step[o.failed]++;
	}
	/*
	 * Each step met exactly as many failures as it allocates, worked out
	 * from the code:
	 *  create: struct kvm; the sp index and its 256 buckets; VMX's host
	 *   state; the vCPU array; the vCPU; its request words; its PML
	 *   buffer (Intel, A/D on)                                          8
	 *  the slot: its struct and arch data; room in the array           3
	 *  the 2M write fault: the root's header and table; the PDPT's and
	 *   the PD's (the leaf is a PD entry)                               6
	 *  logging on (a flags change, no invalid copy): the new slot copy;
	 *   the dirty bitmap; the split's header and table                  4
	 *  the 4K write: no fault after the split (PML logs the write); after
	 *   a stopped split its fault splits, the failure already spent     0
	 *  write tracking: the gfn counters and two lpage arrays           3
	 */
	assert_int_equal(all.allocs, 8 + 3 + 6 + 4 + 3);
	assert_int_equal(by_step[S_CREATE], 8);
	assert_int_equal(by_step[S_SLOT], 3);
	assert_int_equal(by_step[S_FAULT_2M], 6);
	assert_int_equal(by_step[S_LOG_ON], 4);
	assert_int_equal(by_step[S_FAULT_4K], 0);
	assert_int_equal(by_step[S_TRACK], 3);
	assert_int_equal(by_step[S_DONE], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
