// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/memslot.c — virt/kvm/kvm_main.c's memslots: lookup by id and by
 * gfn, and KVM_SET_USER_MEMORY_REGION (create, delete, move, flags), with
 * the INVALID copy a delete or move publishes first, the wait for vCPUs
 * still inside their SRCU sections, the zap of the old slot, and the
 * generation that makes MMIO SPTEs of the old layout stale.  The model's,
 * for both MMUs (kvmmu/kvm_model.h): compiled for kvmmu and around a
 * kernel tree's MMU; what the architecture does around an update (x86
 * metadata, the dirty bitmap, kvm_mmu_slot_apply_flags, the generation's
 * encoding) is each world's hook.
 *
 * A memslot array is sorted by base_gfn; an update replaces pointers in it
 * with no yield point in between, so every other thread sees the old or
 * the new array.  Retired slots stay allocated until the VM dies: a vCPU
 * may hold one across a yield, as under the kernel's SRCU.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

static struct kvm_memory_slot *memslot_find_id(struct kvm_memslots *ms, u16 id)
{
	for (int i = 0; i < ms->nr; i++)
		if ((u16)ms->slots[i]->id == id)
			return ms->slots[i];
	return NULL;
}

struct kvm_memory_slot *kvm_memslots_find_gfn(struct kvm_memslots *ms, gfn_t gfn)
{
	int lo = 0, hi = ms->nr - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct kvm_memory_slot *s = ms->slots[mid];

		if (gfn < s->base_gfn)
			hi = mid - 1;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

struct kvm_memory_slot *kvm_id_to_memslot(struct kvm *kvm, u32 slot)
{
	u32 as_id = slot >> 16;

	if (as_id >= KVM_ADDRESS_SPACE_NUM)
		return NULL;
	return memslot_find_id(kvm_model_memslots(kvm, (int)as_id), (u16)slot);
}

/* Publishes @new_slot in place of @old (either may be NULL), keeping the
 * array sorted, and retires @old. */
static void kvm_replace_memslot(struct kvm *kvm, int as_id,
				struct kvm_memory_slot *old,
				struct kvm_memory_slot *new_slot)
{
	struct kvm_memslots *ms = kvm_model_memslots(kvm, as_id);
	int pos = 0;

	if (old) {
		while (ms->slots[pos] != old)
			pos++;
		__builtin_memmove(&ms->slots[pos], &ms->slots[pos + 1],
				  (size_t)(ms->nr - pos - 1) * sizeof(*ms->slots));
		ms->nr--;
		kvm_memslot_retire(kvm, old);
	}
	/* Room for it: kvm_memslots_reserve, before the update began. */
	if (new_slot) {
		for (pos = 0; pos < ms->nr && ms->slots[pos]->base_gfn < new_slot->base_gfn; pos++)
			;
		__builtin_memmove(&ms->slots[pos + 1], &ms->slots[pos],
				  (size_t)(ms->nr - pos) * sizeof(*ms->slots));
		ms->slots[pos] = new_slot;
		ms->nr++;
	}
}

/* Room in the array of @as_id for one more slot; 0 or -ENOMEM.  Taken
 * before an update begins, so that kvm_replace_memslot cannot fail. */
static int kvm_memslots_reserve(struct kvm *kvm, int as_id)
{
	struct kvm_memslots *ms = kvm_model_memslots(kvm, as_id);
	struct kvm_memory_slot **s =
		kvm_model_realloc(ms->slots, (size_t)(ms->nr + 1) * sizeof(*ms->slots));

	if (!s)
		return -ENOMEM;
	ms->slots = s;
	return 0;
}

/* Wait until no mmu_notifier invalidation is between start and end: its
 * handlers walk memslots by hva and must see the same ones at both ends. */
static void kvm_wait_mn_inactive(struct kvm *kvm)
{
	while (*kvm_mn_active_invalidate_count(kvm)) {
		env_charge(kvm_env(kvm), 100);
		env_cond_resched(kvm_env(kvm));
	}
}

static bool memslot_overlaps(struct kvm *kvm, int as_id, u16 id, gfn_t base,
			     u64 npages)
{
	struct kvm_memslots *ms = kvm_model_memslots(kvm, as_id);

	for (int i = 0; i < ms->nr; i++) {
		struct kvm_memory_slot *s = ms->slots[i];

		if ((u16)s->id != id && base < s->base_gfn + s->npages &&
		    s->base_gfn < base + npages)
			return true;
	}
	return false;
}

/* Marks @old invalid (@invalid, its copy), publishes it, waits out vCPUs
 * that may still use the old view, and zaps everything
 * (kvm_invalidate_memslot). */
static void kvm_invalidate_memslot(struct kvm *kvm, struct kvm_memory_slot *old,
				   struct kvm_memory_slot *invalid)
{
	invalid->flags |= KVM_MEMSLOT_INVALID;
	kvm_replace_memslot(kvm, old->as_id, old, invalid);
	kvm_srcu_synchronize_vcpus(kvm);
	/* From here no fault installs anything for the old slot. */
	kvm_memslot_flush_shadow(kvm, old);
}

/* nr_memslots_dirty_logging, as kvm_commit_memory_region counts it. */
static void kvm_count_dirty_logging(struct kvm *kvm, const struct kvm_memory_slot *old,
				    u32 new_flags)
{
	bool was = old && (old->flags & KVM_MEM_LOG_DIRTY_PAGES);
	bool is = new_flags & KVM_MEM_LOG_DIRTY_PAGES;

	if (!was && is)
		kvm_dirty_logging_slots_add(kvm, 1);
	else if (was && !is)
		kvm_dirty_logging_slots_add(kvm, -1);
}

/*
 * Every allocation of an update first, as kvm_set_memslot does: the
 * invalid copy of a slot being deleted or moved, the new slot (its id,
 * size and hva set for a creation), room in the array.  0, or -ENOMEM with
 * nothing allocated and nothing changed.
 */
static int kvm_memslot_update_alloc(struct kvm *kvm,
				    const struct kvm_userspace_memory_region *mem,
				    struct kvm_memory_slot *old, enum kvm_mr_change change,
				    struct kvm_memory_slot **invalid,
				    struct kvm_memory_slot **new_slot)
{
	u32 as_id = mem->slot >> 16;

	if (change == KVM_MR_DELETE || change == KVM_MR_MOVE) {
		*invalid = kvm_memslot_copy(kvm, old);
		if (!*invalid)
			return -ENOMEM;
	}
	if (change == KVM_MR_CREATE) {
		*new_slot = kvm_memslot_alloc(kvm);
		if (*new_slot) {
			(*new_slot)->id = (u16)mem->slot;
			(*new_slot)->as_id = (u16)as_id;
			(*new_slot)->npages = mem->memory_size >> PAGE_SHIFT;
			(*new_slot)->userspace_addr = mem->userspace_addr;
		}
	} else if (change != KVM_MR_DELETE) {
		*new_slot = kvm_memslot_copy(kvm, old);
	}
	if ((change != KVM_MR_DELETE && !*new_slot) ||
	    (change == KVM_MR_CREATE && kvm_memslots_reserve(kvm, (int)as_id))) {
		if (*new_slot)
			kvm_memslot_free(kvm, *new_slot);
		if (*invalid)
			kvm_memslot_free(kvm, *invalid);
		*new_slot = *invalid = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int __kvm_set_memory_region(struct kvm *kvm,
				   const struct kvm_userspace_memory_region *mem)
{
	u32 as_id = mem->slot >> 16;
	u16 id = (u16)mem->slot;
	gfn_t base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	struct kvm_memory_slot *old, *new_slot = NULL, *invalid = NULL;
	enum kvm_mr_change change;
	int r;

	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if ((mem->memory_size | mem->guest_phys_addr | mem->userspace_addr) &
	    (PAGE_SIZE - 1))
		return -EINVAL;
	if (as_id >= KVM_ADDRESS_SPACE_NUM || id >= KVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (base_gfn + npages < base_gfn)
		return -EINVAL;

	old = memslot_find_id(kvm_model_memslots(kvm, (int)as_id), id);
	if (!npages) {
		if (!old)
			return -EINVAL;
		change = KVM_MR_DELETE;
	} else if (!old) {
		change = KVM_MR_CREATE;
	} else {
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn != old->base_gfn)
			change = KVM_MR_MOVE;
		else if (mem->flags != (old->flags & ~KVM_MEMSLOT_INVALID))
			change = KVM_MR_FLAGS_ONLY;
		else
			return 0;
	}
	if ((change == KVM_MR_CREATE || change == KVM_MR_MOVE) &&
	    memslot_overlaps(kvm, (int)as_id, id, base_gfn, npages))
		return -EEXIST;

	r = kvm_memslot_update_alloc(kvm, mem, old, change, &invalid, &new_slot);
	if (r)
		return r;

	kvm_wait_mn_inactive(kvm);
	/* KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS: no MMIO SPTE is trusted until
	 * the update is over. */
	kvm_memslots_update_begin(kvm, (int)as_id);

	if (change == KVM_MR_DELETE) {
		kvm_invalidate_memslot(kvm, old, invalid);
		kvm_replace_memslot(kvm, (int)as_id, invalid, NULL);
		kvm_srcu_synchronize_vcpus(kvm);
		kvm_count_dirty_logging(kvm, old, 0);
		kvm_memslot_commit(kvm, old, NULL, change);
		kvm_memslots_update_end(kvm, (int)as_id);
		return 0;
	}

	new_slot->base_gfn = base_gfn;
	new_slot->flags = mem->flags;
	/* kvm_prepare_memory_region: the dirty bitmap, the arch's metadata. */
	r = kvm_memslot_prepare(kvm, old, new_slot, change);
	if (r) {
		kvm_memslot_free(kvm, new_slot);
		if (invalid)
			kvm_memslot_free(kvm, invalid);
		kvm_memslots_update_abort(kvm, (int)as_id);
		return r;
	}

	if (change == KVM_MR_MOVE) {
		kvm_invalidate_memslot(kvm, old, invalid);
		kvm_replace_memslot(kvm, (int)as_id, invalid, new_slot);
	} else {
		kvm_replace_memslot(kvm, (int)as_id, old, new_slot);
	}
	/* A new slot cannot be in use yet; anything else may be. */
	if (change != KVM_MR_CREATE)
		kvm_srcu_synchronize_vcpus(kvm);

	/* kvm_commit_memory_region */
	kvm_count_dirty_logging(kvm, old, mem->flags);
	kvm_memslot_commit(kvm, old, new_slot, change);
	kvm_memslots_update_end(kvm, (int)as_id);
	return 0;
}

/* KVM_SET_USER_MEMORY_REGION, under slots_lock. */
int kvm_set_memory_region(struct kvm *kvm,
			  const struct kvm_userspace_memory_region *mem)
{
	int r;

	kvm_model_enter(kvm);
	kvm_slots_lock(kvm);
	r = __kvm_set_memory_region(kvm, mem);
	kvm_slots_unlock(kvm);
	kvm_model_leave(kvm);
	return r;
}
