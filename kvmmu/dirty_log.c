// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/dirty_log.c — where dirty pages go: the memslot bitmap (GET and
 * CLEAR_DIRTY_LOG), or per-vCPU dirty rings (harvest and reset).  The
 * model's, for both MMUs: compiled for kvmmu and around a kernel tree's
 * MMU (see kvmmu/kvm_model.h for the accessors it goes through).
 *
 * The bitmap and the ring are shared with the VMM, so every access to them
 * goes through env: a page marked dirty is visible to a harvest exactly
 * from the yield point of the store that set it.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

/* ------------------------------------------------------------ the ring */

static u32 kvm_dirty_ring_used(const struct kvm_dirty_ring *ring)
{
	return ring->dirty_index - ring->reset_index;
}

static bool kvm_dirty_ring_soft_full(const struct kvm_dirty_ring *ring)
{
	return kvm_dirty_ring_used(ring) >= ring->soft_limit;
}

int kvm_dirty_ring_alloc(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_dirty_ring *ring = kvm_vcpu_dirty_ring(vcpu);
	u32 size = kvm_dirty_ring_entries(kvm);
	/* Room for the exit to happen: 64, plus one PML buffer drained at
	 * the exit that crosses the limit. */
	u32 rsvd = 64 + (u32)kvm_cpu_dirty_log_size(kvm);

	if (size < 2 * rsvd || (size & (size - 1)))
		return -EINVAL;
	ring->gfns = env_alloc_words(kvm_env(kvm), 2 * (size_t)size);
	if (!ring->gfns)
		return -ENOMEM;
	ring->size = size;
	ring->soft_limit = size - rsvd;
	return 0;
}

static void kvm_dirty_ring_push(struct kvm_vcpu *vcpu, u32 slot, u64 offset)
{
	struct kvm *kvm = vcpu->kvm;
	struct env *e = kvm_env(kvm);
	struct kvm_dirty_ring *ring = kvm_vcpu_dirty_ring(vcpu);
	u64 *ent = &ring->gfns[2 * (ring->dirty_index & (ring->size - 1))];

	ENV_ASSERT(e, kvm_dirty_ring_used(ring) < ring->size);
	/* The gfn first, then the flag that hands the entry to userspace. */
	env_write(e, &ent[1], offset);
	env_write(e, &ent[0], KVM_DIRTY_GFN_F_DIRTY | (u64)slot << 32);
	ring->dirty_index++;
	kvm_mstat(kvm)->dirty_ring_pushed++;
	if (kvm_dirty_ring_soft_full(ring))
		kvm_make_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu);
}

bool kvm_dirty_ring_check_request(struct kvm_vcpu *vcpu)
{
	if (kvm_check_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu) &&
	    kvm_dirty_ring_soft_full(kvm_vcpu_dirty_ring(vcpu))) {
		kvm_make_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu);
		kvm_vcpu_run_state(vcpu)->exit_reason = KVM_EXIT_DIRTY_RING_FULL;
		kvm_mstat(vcpu->kvm)->dirty_ring_full++;
		return true;
	}
	return false;
}

u32 kvm_dirty_ring_harvest(struct kvm_vcpu *vcpu, kvm_dirty_gfn_fn *fn, void *arg)
{
	struct env *e = kvm_env(vcpu->kvm);
	struct kvm_dirty_ring *ring = kvm_vcpu_dirty_ring(vcpu);
	u32 n = 0;

	if (!ring->gfns)
		return 0;
	for (;;) {
		u64 *ent = &ring->gfns[2 * (ring->fetch_index & (ring->size - 1))];
		u64 w0 = env_read(e, &ent[0]);

		if (!(w0 & KVM_DIRTY_GFN_F_DIRTY))
			break;
		fn(arg, (u32)(w0 >> 32), env_read(e, &ent[1]));
		env_write(e, &ent[0],
			  (w0 & ~(u64)KVM_DIRTY_GFN_F_DIRTY) | KVM_DIRTY_GFN_F_RESET);
		ring->fetch_index++;
		n++;
	}
	return n;
}

static void kvm_reset_dirty_gfn(struct kvm *kvm, u32 slot, u64 offset, u64 mask)
{
	struct kvm_memory_slot *memslot = kvm_id_to_memslot(kvm, slot);

	if (!memslot || !mask || offset + (u64)__builtin_ctzll(mask) >= memslot->npages)
		return;
	kvm_mmu_lock_write(kvm);
	kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot, offset, mask);
	kvm_mmu_unlock_write(kvm);
}

/* Re-protects harvested entries, coalescing runs of nearby offsets of one
 * slot into 64-page masks. */
static u32 kvm_dirty_ring_reset(struct kvm *kvm, struct kvm_dirty_ring *ring)
{
	struct env *e = kvm_env(kvm);
	u32 cur_slot = 0, next_slot, count = 0;
	u64 cur_offset = 0, next_offset, mask = 0;
	bool first_round = true;

	while (ring->reset_index != ring->dirty_index) {
		u64 *ent = &ring->gfns[2 * (ring->reset_index & (ring->size - 1))];
		u64 w0 = env_read(e, &ent[0]);

		if (!(w0 & KVM_DIRTY_GFN_F_RESET))
			break;
		next_slot = (u32)(w0 >> 32);
		next_offset = env_read(e, &ent[1]);
		env_write(e, &ent[0], 0);
		ring->reset_index++;
		count++;
		if (!first_round && next_slot == cur_slot) {
			int64_t delta = (int64_t)(next_offset - cur_offset);

			if (delta >= 0 && delta < 64) {
				mask |= 1ULL << delta;
				continue;
			}
			/* Backwards, if the mask still fits when shifted. */
			if (delta > -64 && delta < 0 &&
			    (mask << -delta >> -delta) == mask) {
				cur_offset = next_offset;
				mask = (mask << -delta) | 1;
				continue;
			}
		}
		if (!first_round)
			kvm_reset_dirty_gfn(kvm, cur_slot, cur_offset, mask);
		cur_slot = next_slot;
		cur_offset = next_offset;
		mask = 1;
		first_round = false;
	}
	if (!first_round)
		kvm_reset_dirty_gfn(kvm, cur_slot, cur_offset, mask);
	return count;
}

/* KVM_RESET_DIRTY_RINGS, under slots_lock; one flush for all rings. */
u32 kvm_reset_dirty_rings(struct kvm *kvm)
{
	u32 cleared = 0;

	kvm_model_enter(kvm);
	kvm_slots_lock(kvm);
	for (unsigned i = 0; i < kvm_online_vcpus(kvm); i++)
		cleared += kvm_dirty_ring_reset(kvm, kvm_vcpu_dirty_ring(kvm_get_vcpu(kvm, i)));
	kvm_slots_unlock(kvm);
	kvm_mstat(kvm)->dirty_ring_reset += cleared;
	if (cleared)
		kvm_flush_remote_tlbs(kvm);
	kvm_model_leave(kvm);
	return cleared;
}

/* --------------------------------------------------------- marking */

void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *slot,
			     gfn_t gfn)
{
	u64 rel, *bm;

	if (!slot || !kvm_slot_dirty_track_enabled(slot))
		return;
	env_cost(kvm_env(kvm), ENV_COST_DIRTY_LOG);
	rel = gfn - slot->base_gfn;
	if (kvm_use_dirty_ring(kvm)) {
		struct kvm_vcpu *vcpu = kvm_get_running_vcpu(kvm);

		if (vcpu) {
			kvm_dirty_ring_push(vcpu, (u32)slot->as_id << 16 | slot->id, rel);
			kvm_mstat(kvm)->dirty_pages_marked++;
			return;
		}
	}
	bm = kvm_slot_dirty_bitmap(slot);
	if (bm) {
		env_fetch_or(kvm_env(kvm), &bm[rel / 64], 1ULL << (rel % 64));
		kvm_mstat(kvm)->dirty_pages_marked++;
	} else {
		kvm_mstat(kvm)->dirty_log_dropped++;
	}
}

void kvm_vcpu_mark_page_dirty(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	mark_page_dirty_in_slot(vcpu->kvm, kvm_vcpu_gfn_to_memslot(vcpu, gfn), gfn);
}

/* ------------------------------------------------ GET / CLEAR_DIRTY_LOG */

/*
 * KVM_GET_DIRTY_LOG (kvm_get_dirty_log_protect), under slots_lock.
 * Without manual protect each word is taken with an exchange and its pages
 * re-protected under mmu_lock, then one flush: a write that slips in
 * between re-protect and flush is already in the snapshot.  With it, a
 * copy.
 */
static int __kvm_get_dirty_log(struct kvm *kvm, struct kvm_memory_slot *memslot,
			       u64 *bitmap)
{
	struct env *e = kvm_env(kvm);
	u64 *bm = kvm_slot_dirty_bitmap(memslot);
	u64 n = kvm_dirty_bitmap_words(memslot->npages);
	bool flush = false;

	kvm_arch_sync_dirty_log(kvm);
	if (kvm_manual_protect(kvm)) {
		for (u64 i = 0; i < n; i++)
			bitmap[i] = env_read(e, &bm[i]);
		return 0;
	}
	__builtin_memset(bitmap, 0, n * sizeof(u64));
	kvm_mmu_lock_write(kvm);
	for (u64 i = 0; i < n; i++) {
		u64 mask;

		if (!env_read(e, &bm[i]))
			continue;
		flush = true;
		mask = env_xchg(e, &bm[i], 0);
		bitmap[i] = mask;
		if (mask)
			kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot, i * 64, mask);
	}
	kvm_mmu_unlock_write(kvm);
	if (flush)
		kvm_flush_remote_tlbs_memslot(kvm, memslot);
	return 0;
}

int kvm_get_dirty_log(struct kvm *kvm, u32 slot, u64 *bitmap)
{
	struct kvm_memory_slot *memslot;
	int r = -ENOENT;

	kvm_model_enter(kvm);
	kvm_slots_lock(kvm);
	memslot = kvm_id_to_memslot(kvm, slot);
	if (memslot && kvm_slot_dirty_bitmap(memslot))
		r = __kvm_get_dirty_log(kvm, memslot, bitmap);
	kvm_slots_unlock(kvm);
	kvm_model_leave(kvm);
	return r;
}

/* KVM_CLEAR_DIRTY_LOG (kvm_clear_dirty_log_protect): clear the requested
 * bits that are really set and re-protect those pages; one flush. */
static int __kvm_clear_dirty_log(struct kvm *kvm, struct kvm_memory_slot *memslot,
				 u64 first_page, u32 num_pages, const u64 *bitmap)
{
	struct env *e = kvm_env(kvm);
	u64 *bm = kvm_slot_dirty_bitmap(memslot);
	bool flush = false;
	u64 offset, i, n;

	if ((first_page & 63) || first_page > memslot->npages ||
	    num_pages > memslot->npages - first_page ||
	    (num_pages < memslot->npages - first_page && (num_pages & 63)))
		return -EINVAL;
	kvm_arch_sync_dirty_log(kvm);

	kvm_mmu_lock_write(kvm);
	n = kvm_dirty_bitmap_words(num_pages);
	for (offset = first_page, i = first_page / 64; n--; i++, offset += 64) {
		u64 mask = *bitmap++;

		if (!mask)
			continue;
		/* Only the bits that were set: a bit userspace passes for a
		 * page that is not dirty needs no protection. */
		mask &= env_fetch_and(e, &bm[i], ~mask);
		if (mask) {
			flush = true;
			kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot, offset, mask);
		}
	}
	kvm_mmu_unlock_write(kvm);
	if (flush)
		kvm_flush_remote_tlbs_memslot(kvm, memslot);
	return 0;
}

int kvm_clear_dirty_log(struct kvm *kvm, u32 slot, u64 first_page,
			u32 num_pages, const u64 *bitmap)
{
	struct kvm_memory_slot *memslot;
	int r = -ENOENT;

	kvm_model_enter(kvm);
	kvm_slots_lock(kvm);
	memslot = kvm_id_to_memslot(kvm, slot);
	if (memslot && kvm_slot_dirty_bitmap(memslot) && kvm_manual_protect(kvm))
		r = __kvm_clear_dirty_log(kvm, memslot, first_page, num_pages, bitmap);
	kvm_slots_unlock(kvm);
	kvm_model_leave(kvm);
	return r;
}
