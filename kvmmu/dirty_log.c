// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/dirty_log.c — where dirty pages go: the memslot bitmap (GET and
 * CLEAR_DIRTY_LOG), or per-vCPU dirty rings (harvest and reset).
 *
 * The bitmap and the ring are shared with the VMM, so every access to them
 * goes through env: a page marked dirty is visible to a harvest exactly
 * from the yield point of the store that set it.
 */
#include "kvmmu/mmu_internal.h"

#include <string.h>

static u64 dirty_bitmap_words(const struct kvm_memory_slot *s)
{
	return (s->npages + BITS_PER_LONG - 1) / BITS_PER_LONG;
}

u64 *kvm_alloc_dirty_bitmap(struct kvm *kvm, const struct kvm_memory_slot *s)
{
	u64 n = dirty_bitmap_words(s);
	u64 *bm = s->arch->dirty_bitmap_spare;

	if (bm) {
		s->arch->dirty_bitmap_spare = NULL;
		for (u64 i = 0; i < n; i++)
			env_write(kvm->env, &bm[i], 0);
	} else {
		bm = env_alloc_words(kvm->env, n);
	}
	/* KVM_DIRTY_LOG_INITIALLY_SET: every page starts out dirty. */
	if (kvm_dirty_log_manual_protect_and_init_set(kvm)) {
		for (u64 i = 0; i < n; i++) {
			u64 left = s->npages - i * BITS_PER_LONG;

			env_write(kvm->env, &bm[i],
				  left >= BITS_PER_LONG ? ~0ULL : (1ULL << left) - 1);
		}
	}
	return bm;
}

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
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u32 size = (u32)kvm->pol.mmu_dirty_ring_size;
	/* Room for the exit to happen: 64, plus one PML buffer drained at
	 * the exit that crosses the limit. */
	u32 rsvd = 64 + (u32)kvm->cpu_dirty_log_size;

	if (size < 2 * rsvd || (size & (size - 1)))
		return -EINVAL;
	ring->gfns = env_alloc_words(kvm->env, 2 * (size_t)size);
	ring->size = size;
	ring->soft_limit = size - rsvd;
	return 0;
}

static void kvm_dirty_ring_push(struct kvm_vcpu *vcpu, u32 slot, u64 offset)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u64 *e = &ring->gfns[2 * (ring->dirty_index & (ring->size - 1))];

	ENV_ASSERT(kvm->env, kvm_dirty_ring_used(ring) < ring->size);
	/* The gfn first, then the flag that hands the entry to userspace. */
	env_write(kvm->env, &e[1], offset);
	env_write(kvm->env, &e[0], KVM_DIRTY_GFN_F_DIRTY | (u64)slot << 32);
	ring->dirty_index++;
	kvm->stat.dirty_ring_pushed++;
	if (kvm_dirty_ring_soft_full(ring))
		kvm_make_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu);
}

/* At entry: a ring past its soft limit sends the vCPU to userspace. */
bool kvm_dirty_ring_check_request(struct kvm_vcpu *vcpu)
{
	if (kvm_check_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu) &&
	    kvm_dirty_ring_soft_full(&vcpu->dirty_ring)) {
		kvm_make_request(KVM_REQ_DIRTY_RING_SOFT_FULL, vcpu);
		vcpu->run.exit_reason = KVM_EXIT_DIRTY_RING_FULL;
		vcpu->kvm->stat.dirty_ring_full++;
		return true;
	}
	return false;
}

u32 kvm_dirty_ring_harvest(struct kvm_vcpu *vcpu, kvm_dirty_gfn_fn *fn, void *arg)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u32 n = 0;

	if (!ring->gfns)
		return 0;
	for (;;) {
		u64 *e = &ring->gfns[2 * (ring->fetch_index & (ring->size - 1))];
		u64 w0 = env_read(kvm->env, &e[0]);

		if (!(w0 & KVM_DIRTY_GFN_F_DIRTY))
			break;
		fn(arg, (u32)(w0 >> 32), env_read(kvm->env, &e[1]));
		env_write(kvm->env, &e[0],
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
	env_write_lock(kvm->env);
	kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot, offset, mask);
	env_write_unlock(kvm->env);
}

/* Re-protects harvested entries, coalescing runs of nearby offsets of one
 * slot into 64-page masks. */
static u32 kvm_dirty_ring_reset(struct kvm *kvm, struct kvm_dirty_ring *ring)
{
	u32 cur_slot = 0, next_slot, count = 0;
	u64 cur_offset = 0, next_offset, mask = 0;
	bool first_round = true;

	while (ring->reset_index != ring->dirty_index) {
		u64 *e = &ring->gfns[2 * (ring->reset_index & (ring->size - 1))];
		u64 w0 = env_read(kvm->env, &e[0]);

		if (!(w0 & KVM_DIRTY_GFN_F_RESET))
			break;
		next_slot = (u32)(w0 >> 32);
		next_offset = env_read(kvm->env, &e[1]);
		env_write(kvm->env, &e[0], 0);
		ring->reset_index++;
		count++;
		if (!first_round && next_slot == cur_slot) {
			int64_t delta = (int64_t)(next_offset - cur_offset);

			if (delta >= 0 && delta < BITS_PER_LONG) {
				mask |= 1ULL << delta;
				continue;
			}
			/* Backwards, if the mask still fits when shifted. */
			if (delta > -BITS_PER_LONG && delta < 0 &&
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

u32 kvm_reset_dirty_rings(struct kvm *kvm)
{
	u32 cleared = 0;

	for (unsigned i = 0; i < kvm->nr_vcpus; i++)
		cleared += kvm_dirty_ring_reset(kvm, &kvm->vcpus[i]->dirty_ring);
	kvm->stat.dirty_ring_reset += cleared;
	if (cleared)
		kvm_flush_remote_tlbs(kvm);
	return cleared;
}

/* --------------------------------------------------------- marking */

void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *slot,
			     gfn_t gfn)
{
	u64 rel;

	if (!kvm_slot_dirty_track_enabled(slot))
		return;
	env_cost(kvm->env, ENV_COST_DIRTY_LOG);
	rel = gfn - slot->base_gfn;
	if (kvm->dirty_ring) {
		struct kvm_vcpu *vcpu = kvm_get_running_vcpu(kvm);

		if (vcpu) {
			kvm_dirty_ring_push(vcpu, (u32)slot->as_id << 16 | slot->id, rel);
			kvm->stat.dirty_pages_marked++;
			return;
		}
	}
	if (slot->dirty_bitmap) {
		env_fetch_or(kvm->env, &slot->dirty_bitmap[rel / BITS_PER_LONG],
			     1ULL << (rel % BITS_PER_LONG));
		kvm->stat.dirty_pages_marked++;
	} else {
		kvm->stat.dirty_log_dropped++;
	}
}

void kvm_vcpu_mark_page_dirty(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	mark_page_dirty_in_slot(vcpu->kvm, kvm_vcpu_gfn_to_memslot(vcpu, gfn), gfn);
}

/* ------------------------------------------------ GET / CLEAR_DIRTY_LOG */

/*
 * KVM_GET_DIRTY_LOG.  Without manual protect each word is taken with an
 * exchange and its pages re-protected under mmu_lock, then one flush: a
 * write that slips in between re-protect and flush is already in the
 * snapshot.
 */
int kvm_get_dirty_log(struct kvm *kvm, u32 slot, u64 *bitmap)
{
	struct kvm_memory_slot *memslot = kvm_id_to_memslot(kvm, slot);
	bool flush = false;
	u64 n;

	if (!memslot || !memslot->dirty_bitmap)
		return -ENOENT;
	n = dirty_bitmap_words(memslot);
	kvm_arch_sync_dirty_log(kvm);

	if (kvm->manual_dirty_log_protect) {
		for (u64 i = 0; i < n; i++)
			bitmap[i] = env_read(kvm->env, &memslot->dirty_bitmap[i]);
		return 0;
	}
	memset(bitmap, 0, n * sizeof(u64));
	env_write_lock(kvm->env);
	for (u64 i = 0; i < n; i++) {
		u64 mask;

		if (!env_read(kvm->env, &memslot->dirty_bitmap[i]))
			continue;
		flush = true;
		mask = env_xchg(kvm->env, &memslot->dirty_bitmap[i], 0);
		bitmap[i] = mask;
		if (mask)
			kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot,
								i * BITS_PER_LONG, mask);
	}
	env_write_unlock(kvm->env);
	if (flush)
		kvm_flush_remote_tlbs_memslot(kvm, memslot);
	return 0;
}

/* KVM_CLEAR_DIRTY_LOG: clear the requested bits that are really set, and
 * re-protect those pages; one flush at the end. */
int kvm_clear_dirty_log(struct kvm *kvm, u32 slot, u64 first_page,
			u32 num_pages, const u64 *bitmap)
{
	struct kvm_memory_slot *memslot = kvm_id_to_memslot(kvm, slot);
	bool flush = false;
	u64 offset, i, n;

	if (!memslot || !memslot->dirty_bitmap || !kvm->manual_dirty_log_protect)
		return -ENOENT;
	if ((first_page & 63) || first_page >= memslot->npages ||
	    num_pages > memslot->npages - first_page ||
	    (num_pages & 63 && first_page + num_pages != memslot->npages))
		return -EINVAL;
	kvm_arch_sync_dirty_log(kvm);

	env_write_lock(kvm->env);
	n = (num_pages + BITS_PER_LONG - 1) / BITS_PER_LONG;
	for (offset = first_page, i = first_page / BITS_PER_LONG; n--;
	     i++, offset += BITS_PER_LONG) {
		u64 mask = *bitmap++;

		if (!mask)
			continue;
		/* Only the bits that were set: a bit userspace passes for a
		 * page that is not dirty needs no protection. */
		mask &= env_fetch_and(kvm->env, &memslot->dirty_bitmap[i], ~mask);
		if (mask) {
			flush = true;
			kvm_arch_mmu_enable_log_dirty_pt_masked(kvm, memslot,
								offset, mask);
		}
	}
	env_write_unlock(kvm->env);
	if (flush)
		kvm_flush_remote_tlbs_memslot(kvm, memslot);
	return 0;
}
