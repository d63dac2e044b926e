// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/mmu_notifier.c — virt/kvm/kvm_main.c's mmu_notifier side: the host
 * model's invalidate_range_start/end and aging calls, turned into the MMU's
 * gfn-range handlers on every memslot the hva range overlaps, under
 * mmu_lock, with the invalidation bracket that makes racing faults retry.
 * The model's, for both MMUs (kvmmu/kvm_model.h): compiled for kvmmu and
 * around a kernel tree's MMU, whose handlers (kvm_unmap_gfn_range,
 * kvm_age_gfn, kvm_test_age_gfn) it calls.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

typedef bool (*gfn_handler_t)(struct kvm *kvm, struct kvm_gfn_range *range);
typedef void (*on_lock_fn_t)(struct kvm *kvm, hva_t start, hva_t end);

static bool kvm_null_fn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	(void)kvm, (void)range;
	return false;
}

/*
 * kvm_handle_hva_range: @handler on the gfn range of each memslot
 * overlapping the hva range [start, end), under mmu_lock for write, taken
 * (and @on_lock run) only if some slot overlaps.  With @flush_on_ret,
 * flushes before unlocking if any handler asked for it.
 */
static bool kvm_handle_hva_range(struct kvm *kvm, hva_t start, hva_t end,
				 gfn_handler_t handler, on_lock_fn_t on_lock,
				 bool flush_on_ret, bool may_block)
{
	struct kvm_memory_slot *hits[16];
	struct kvm_memory_slot **slots = hits;
	unsigned n = 0, cap = 16;
	bool ret = false;

	/* Snapshot the overlapping slots (the array may change while the
	 * handler yields; retired slots stay allocated). */
	for (int as = 0; as < KVM_ADDRESS_SPACE_NUM; as++) {
		struct kvm_memslots *ms = kvm_model_memslots(kvm, as);

		for (int i = 0; i < ms->nr; i++) {
			struct kvm_memory_slot *s = ms->slots[i];
			hva_t s_end = s->userspace_addr + (s->npages << PAGE_SHIFT);

			if (start >= s_end || end <= s->userspace_addr)
				continue;
			if (n == cap) {
				struct kvm_memory_slot **g =
					kvm_model_calloc(2 * cap, sizeof(*g));

				/* The kernel's handler walks the slots without
				 * allocating and cannot fail; a model that cannot
				 * hold its snapshot says so rather than skip a
				 * slot. */
				if (!g) {
					env_assert_fail(kvm_env(kvm), "mmu_notifier: no memory "
							"for the overlapping memslots",
							__FILE__, __LINE__);
					break;
				}
				__builtin_memcpy(g, slots, n * sizeof(*g));
				if (slots != hits)
					kvm_model_free(slots);
				slots = g;
				cap *= 2;
			}
			slots[n++] = s;
		}
	}
	if (!n)
		return false;

	kvm_mmu_lock_write(kvm);
	if (on_lock)
		on_lock(kvm, start, end);
	for (unsigned i = 0; i < n; i++) {
		struct kvm_memory_slot *s = slots[i];
		hva_t hs = start > s->userspace_addr ? start : s->userspace_addr;
		hva_t s_end = s->userspace_addr + (s->npages << PAGE_SHIFT);
		hva_t he = end < s_end ? end : s_end;
		struct kvm_gfn_range r = {
			.slot = s,
			.start = s->base_gfn + ((hs - s->userspace_addr) >> PAGE_SHIFT),
			.end = s->base_gfn + ((he - s->userspace_addr + PAGE_SIZE - 1) >> PAGE_SHIFT),
			.may_block = may_block,
		};

		kvm_notifier_range_init(&r);
		ret |= handler(kvm, &r);
	}
	if (flush_on_ret && ret)
		kvm_flush_remote_tlbs(kvm);
	kvm_mmu_unlock_write(kvm);
	if (slots != hits)
		kvm_model_free(slots);
	return ret;
}

void kvm_mmu_notifier_invalidate_range_start(struct kvm *kvm, hva_t start,
					     hva_t end, bool blockable)
{
	kvm_model_enter(kvm);
	kvm_mstat(kvm)->mn_invalidate++;
	/* Blocks memslot updates until the matching _end. */
	(*kvm_mn_active_invalidate_count(kvm))++;
	/* Zap in all roots and flush before returning: the host frees or
	 * changes the pages right after. */
	kvm_handle_hva_range(kvm, start, end, kvm_notifier_unmap_gfn_range,
			     kvm_notifier_invalidate_begin, true, blockable);
	kvm_model_leave(kvm);
}

void kvm_mmu_notifier_invalidate_range_end(struct kvm *kvm, hva_t start,
					   hva_t end)
{
	kvm_model_enter(kvm);
	kvm_handle_hva_range(kvm, start, end, kvm_null_fn,
			     kvm_notifier_invalidate_end, false, false);
	(*kvm_mn_active_invalidate_count(kvm))--;
	ENV_ASSERT(kvm_env(kvm), *kvm_mn_active_invalidate_count(kvm) >= 0);
	kvm_model_leave(kvm);
}

bool kvm_mmu_notifier_clear_flush_young(struct kvm *kvm, hva_t start, hva_t end)
{
	bool r;

	kvm_model_enter(kvm);
	kvm_mstat(kvm)->mn_age++;
	/* x86 elides this flush since 6.13: a stale "young" TLB entry only
	 * makes reclaim a little less precise. */
	r = kvm_handle_hva_range(kvm, start, end, kvm_age_gfn, NULL,
				 kvm_policy(kvm)->mmu_age_flush == KVMMU_AGE_FLUSH_ON,
				 false);
	kvm_model_leave(kvm);
	return r;
}

bool kvm_mmu_notifier_clear_young(struct kvm *kvm, hva_t start, hva_t end)
{
	bool r;

	kvm_model_enter(kvm);
	kvm_mstat(kvm)->mn_age++;
	r = kvm_handle_hva_range(kvm, start, end, kvm_age_gfn, NULL, false, false);
	kvm_model_leave(kvm);
	return r;
}

bool kvm_mmu_notifier_test_young(struct kvm *kvm, hva_t start, hva_t end)
{
	bool r;

	kvm_model_enter(kvm);
	r = kvm_handle_hva_range(kvm, start, end, kvm_test_age_gfn, NULL, false, false);
	kvm_model_leave(kvm);
	return r;
}

/* ->release: the mm is going away; zap everything (kvm_flush_shadow_all). */
void kvm_mmu_notifier_release(struct kvm *kvm)
{
	kvm_model_enter(kvm);
	kvm_notifier_release(kvm);
	kvm_model_leave(kvm);
}

const struct kvm_mmu_notifier_ops kvm_mmu_notifier_ops = {
	.invalidate_range_start = kvm_mmu_notifier_invalidate_range_start,
	.invalidate_range_end = kvm_mmu_notifier_invalidate_range_end,
	.clear_flush_young = kvm_mmu_notifier_clear_flush_young,
	.clear_young = kvm_mmu_notifier_clear_young,
	.test_young = kvm_mmu_notifier_test_young,
	.release = kvm_mmu_notifier_release,
};
