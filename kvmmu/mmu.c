// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/mmu.c — the MMU around the TDP MMU: the page fault handler (fast
 * path and slow path), loading and unloading roots, mapping levels, write
 * tracking, fast zap, and the memslot-wide operations dirty logging uses.
 */
#include "kvmmu/mmu_internal.h"

#include <stdlib.h>

#include "kvmmu/tdp_mmu.h"

/* ---------------------------------------------------------- roots */

void kvm_init_mmu(struct kvm_vcpu *vcpu)
{
	union kvm_mmu_page_role role = { .word = 0 };

	role.level = (unsigned)vcpu->kvm->tdp_root_level;
	role.direct = 1;
	role.ad_disabled = !kvm_ad_enabled(vcpu->kvm);
	role.smm = vcpu->smm;
	vcpu->mmu.root_role = role;
}

void kvm_mmu_load_pgd(struct kvm_vcpu *vcpu)
{
	if (VALID_PAGE(vcpu->mmu.root_hpa))
		vcpu->kvm->x86->load_mmu_pgd(vcpu, vcpu->mmu.root_hpa,
					     vcpu->mmu.root_role.level);
}

int kvm_mmu_load(struct kvm_vcpu *vcpu)
{
	int r = kvm_tdp_mmu_alloc_root(vcpu);

	if (r)
		return r;
	kvm_mmu_load_pgd(vcpu);
	/*
	 * Flush the tag the new root is used under: where this root has been
	 * before is unknown (a freed root's frame or the same SVM ASID may
	 * still have translations cached), and flushing here is what lets
	 * kvm_tdp_mmu_put_root and the zap of invalid roots skip flushes.
	 * mmu.root_load_flush=off drops it: the hazard of E15.
	 */
	if (vcpu->kvm->pol.mmu_root_load_flush == KVMMU_ROOT_LOAD_FLUSH_ON) {
		vcpu->kvm->stat.root_load_flush++;
		vcpu->kvm->x86->flush_tlb_current(vcpu);
	}
	return 0;
}

static void kvm_mmu_free_roots(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (!VALID_PAGE(vcpu->mmu.root_hpa))
		return;
	/* Putting a TDP root needs mmu_lock only for read: the last
	 * reference of a valid root is never this one. */
	env_read_lock(kvm->env);
	kvm_tdp_mmu_put_root(kvm, vcpu->mmu.root);
	env_read_unlock(kvm->env);
	vcpu->mmu.root = NULL;
	vcpu->mmu.root_hpa = INVALID_PAGE;
}

void kvm_mmu_unload(struct kvm_vcpu *vcpu)
{
	kvm_mmu_free_roots(vcpu);
}

void kvm_mmu_reset_context(struct kvm_vcpu *vcpu)
{
	kvm_mmu_unload(vcpu);
	kvm_init_mmu(vcpu);
}

/* KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: drop the current root if it was
 * invalidated; the next entry loads (and flushes) a fresh one. */
void kvm_mmu_free_obsolete_roots(struct kvm_vcpu *vcpu)
{
	if (VALID_PAGE(vcpu->mmu.root_hpa) && vcpu->mmu.root->role.invalid)
		kvm_mmu_free_roots(vcpu);
}

/* ----------------------------------------------------- mapping levels */

static int policy_max_level(const struct kvm *kvm)
{
	switch (kvm->pol.mmu_max_level) {
	case KVMMU_MAX_LEVEL_4K: return PG_LEVEL_4K;
	case KVMMU_MAX_LEVEL_2M: return PG_LEVEL_2M;
	default: return PG_LEVEL_1G;
	}
}

/*
 * lpage_info: a huge page at @level covering @gfn is disallowed if its
 * range sticks out of the slot, if the slot's gfns and hvas are not
 * congruent modulo the huge size (no host huge page can back it), or if a
 * gfn inside is write-tracked.
 */
static bool lpage_disallowed(const struct kvm_memory_slot *slot, gfn_t gfn,
			     int level)
{
	u64 pages = KVM_PAGES_PER_HPAGE(level);
	gfn_t base = gfn & ~(pages - 1);
	const u32 *dis;

	if (base < slot->base_gfn || base + pages > slot->base_gfn + slot->npages)
		return true;
	if ((slot->base_gfn ^ (slot->userspace_addr >> PAGE_SHIFT)) & (pages - 1))
		return true;
	dis = slot->arch ? slot->arch->disallow_lpage[level - 2] : NULL;
	if (dis) {
		unsigned shift = KVM_HPAGE_GFN_SHIFT(level);

		if (dis[(gfn >> shift) - (slot->base_gfn >> shift)])
			return true;
	}
	return false;
}

static int __kvm_mmu_max_mapping_level(struct kvm *kvm,
				       const struct kvm_memory_slot *slot,
				       gfn_t gfn, int max_level, int host_level)
{
	if (max_level > policy_max_level(kvm))
		max_level = policy_max_level(kvm);
	for (; max_level > PG_LEVEL_4K; max_level--)
		if (!lpage_disallowed(slot, gfn, max_level))
			break;
	if (max_level == PG_LEVEL_4K)
		return PG_LEVEL_4K;
	return host_level < max_level ? host_level : max_level;
}

/* What the host mapping and the slot allow now (huge-page recovery). */
int kvm_mmu_max_mapping_level(struct kvm *kvm,
			      const struct kvm_memory_slot *slot, gfn_t gfn)
{
	int host_level;

	if (lpage_disallowed(slot, gfn, PG_LEVEL_2M))
		return PG_LEVEL_4K;
	host_level = env_host_mapping_level(kvm->env, gfn_to_hva_memslot(slot, gfn));
	return __kvm_mmu_max_mapping_level(kvm, slot, gfn, KVM_MAX_HUGEPAGE_LEVEL,
					   host_level);
}

/*
 * The level the fault maps at: the largest the host mapping (what
 * faultin found) and the slot allow, 4K on a dirty-logging slot (every
 * write must be logged per 4K page).
 */
void kvm_mmu_hugepage_adjust(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	u64 mask;

	fault->huge_page_disallowed = fault->exec &&
				      fault->nx_huge_page_workaround_enabled;
	if (fault->max_level == PG_LEVEL_4K || fault->noslot)
		return;
	if (kvm_slot_dirty_track_enabled(fault->slot))
		return;
	/* req_level is what the host and slot would allow even for an exec
	 * fault: the map path records a table as a possible NX huge page
	 * only if a huge page could have been mapped there. */
	fault->req_level = __kvm_mmu_max_mapping_level(vcpu->kvm, fault->slot,
						       fault->gfn, fault->max_level,
						       fault->host_level);
	if (fault->req_level == PG_LEVEL_4K || fault->huge_page_disallowed)
		return;
	fault->goal_level = fault->req_level;
	mask = KVM_PAGES_PER_HPAGE(fault->goal_level) - 1;
	ENV_ASSERT(vcpu->kvm->env, (fault->gfn & mask) == (fault->pfn & mask));
	fault->pfn &= ~mask;
}

/*
 * NX huge pages.  On the walk down to a huge goal level, a table already
 * linked where the huge leaf would go that an exec fault created (it holds
 * executable 4K pages the NX mitigation wants kept small) makes this fault
 * map one level lower instead of replacing the table by a huge leaf:
 * non-exec faults that would map huge go down a level, with the next 9 bits
 * of the gfn put back into the pfn.
 */
void disallowed_hugepage_adjust(struct kvm *kvm, struct kvm_page_fault *fault,
				u64 spte, int cur_level)
{
	if (cur_level > PG_LEVEL_4K && cur_level == fault->goal_level &&
	    is_shadow_present_pte(spte) && !is_large_pte(spte) &&
	    spte_to_child_sp(kvm, spte, cur_level)->nx_huge_page_disallowed) {
		u64 page_mask = KVM_PAGES_PER_HPAGE(cur_level) -
				KVM_PAGES_PER_HPAGE(cur_level - 1);

		fault->pfn |= fault->gfn & page_mask;
		fault->goal_level--;
	}
}

/*
 * @sp is all that keeps a huge page from being mapped (an exec fault could
 * have mapped huge but for the mitigation): the recovery worker may zap it.
 * Oldest first.  Already listed when a table is reused.
 */
void track_possible_nx_huge_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	if (!list_empty(&sp->possible_nx_huge_page_link))
		return;
	kvm->stat.nx_lpage_splits++;
	list_add_tail(&sp->possible_nx_huge_page_link, &kvm->possible_nx_huge_pages);
}

void untrack_possible_nx_huge_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	if (list_empty(&sp->possible_nx_huge_page_link))
		return;
	kvm->stat.nx_lpage_splits--;
	list_del_init(&sp->possible_nx_huge_page_link);
}

static void unaccount_nx_huge_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	sp->nx_huge_page_disallowed = false;
	untrack_possible_nx_huge_page(kvm, sp);
}

/* The worker's period (kvm_nx_recovery_period) under this VM's policy. */
u64 kvm_nx_huge_page_recovery_period_ms(struct kvm *kvm)
{
	return kvm_nx_recovery_period(is_nx_huge_page_enabled(kvm),
				      kvm->pol.mmu_nx_huge_pages_recovery_ratio,
				      kvm->pol.mmu_nx_huge_pages_recovery_period_ms);
}

/*
 * One pass of kvm-nx-lpage-recovery: zap ceil(nx_lpage_splits / ratio)
 * recorded tables, oldest first, under mmu_lock for write; later faults
 * then map the huge pages again (and an exec fault splits them again).  A
 * table in a dirty-logging slot is only taken off the list: logging maps
 * 4K anyway, and its end rebuilds the huge pages.
 *
 * Each zap leaves stale translations (of the table's 4K pages, and
 * paging-structure-cache entries pointing into the table, which is freed
 * after a grace period) in vCPU TLBs until a flush.  So the flush is done
 * before mmu_lock is dropped, to yield or at the end: whoever takes the
 * lock next (an mmu_notifier that finds the range already zapped, and so
 * does not flush) relies on it.  mmu.nx_recovery_flush=dropped is E2: the
 * zap's flush-needed result was ignored, and nothing flushed.
 */
void kvm_recover_nx_huge_pages(struct kvm *kvm)
{
	u64 ratio = kvm->pol.mmu_nx_huge_pages_recovery_ratio;
	u64 to_zap = ratio ? (kvm->stat.nx_lpage_splits + ratio - 1) / ratio : 0;
	bool honored = kvm->pol.mmu_nx_recovery_flush ==
		       KVMMU_NX_RECOVERY_FLUSH_HONORED;
	bool flush = false;

	kvm->stat.nx_recovery_passes++;
	env_write_lock(kvm->env);
	/* Zapped tables are freed through RCU, and the flush must come
	 * before any of them can be: stay in a read section throughout. */
	env_rcu_read_lock(kvm->env);
	for (; to_zap && !list_empty(&kvm->possible_nx_huge_pages); to_zap--) {
		struct kvm_mmu_page *sp =
			container_of(kvm->possible_nx_huge_pages.next,
				     struct kvm_mmu_page, possible_nx_huge_page_link);
		struct kvm_memory_slot *slot = NULL;

		ENV_ASSERT(kvm->env, sp->nx_huge_page_disallowed);
		/* Read racily, as upstream does: only efficiency depends on it. */
		if (kvm->nr_memslots_dirty_logging)
			slot = kvm_gfn_to_memslot(kvm, kvm_mmu_role_as_id(sp->role),
						  sp->gfn);
		if (slot && kvm_slot_dirty_track_enabled(slot)) {
			unaccount_nx_huge_page(kvm, sp);
		} else {
			bool owed = kvm_tdp_mmu_zap_sp(kvm, sp);

			kvm->stat.nx_recovery_zapped++;
			if (honored)
				flush |= owed;
		}
		/* Unlinking the table took it off the list. */
		ENV_ASSERT(kvm->env, !sp->nx_huge_page_disallowed);

		if (env_need_resched(kvm->env) || env_lock_needbreak(kvm->env)) {
			if (flush)
				kvm_flush_remote_tlbs(kvm);
			env_rcu_read_unlock(kvm->env);
			env_write_unlock(kvm->env);
			env_cond_resched(kvm->env);
			env_write_lock(kvm->env);
			env_rcu_read_lock(kvm->env);
			flush = false;
		}
	}
	if (flush)
		kvm_flush_remote_tlbs(kvm);
	env_rcu_read_unlock(kvm->env);
	env_write_unlock(kvm->env);
}

/* kvm_nx_huge_page_recovery_worker: a pass each period, the period counted
 * from the end of the last pass. */
void kvm_nx_huge_page_recovery_worker(struct kvm *kvm)
{
	u64 period = kvm_nx_huge_page_recovery_period_ms(kvm) *
		     env_caps(kvm->env)->tsc_khz;

	for (;;) {
		env_sleep(kvm->env, period);
		kvm_recover_nx_huge_pages(kvm);
	}
}

/* ------------------------------------------------------ write tracking */

bool kvm_gfn_is_write_tracked(struct kvm *kvm,
			      const struct kvm_memory_slot *slot, gfn_t gfn)
{
	(void)kvm;
	return slot && slot->arch && slot->arch->gfn_write_track &&
	       slot->arch->gfn_write_track[gfn - slot->base_gfn];
}

static int update_gfn_write_track(struct kvm *kvm, struct kvm_memory_slot *slot,
				  gfn_t gfn, int delta)
{
	struct kvm_memslot_arch *a = slot->arch;

	/* Allocated on first use, as kvm_page_track_write_tracking_alloc:
	 * without memory the gfn is not tracked and the caller gets -ENOMEM. */
	if (!a->gfn_write_track) {
		u16 *track = calloc(slot->npages, sizeof(u16));
		u32 *lpage[2] = { NULL, NULL };

		for (int l = PG_LEVEL_2M; l <= PG_LEVEL_1G && track; l++) {
			unsigned shift = KVM_HPAGE_GFN_SHIFT(l);
			u64 n = ((slot->base_gfn + slot->npages - 1) >> shift) -
				(slot->base_gfn >> shift) + 1;

			lpage[l - 2] = calloc(n, sizeof(u32));
		}
		if (!track || !lpage[0] || !lpage[1]) {
			free(track);
			free(lpage[0]);
			free(lpage[1]);
			return -ENOMEM;
		}
		a->gfn_write_track = track;
		a->disallow_lpage[0] = lpage[0];
		a->disallow_lpage[1] = lpage[1];
	}
	if (delta < 0 && !a->gfn_write_track[gfn - slot->base_gfn])
		return -EINVAL;
	a->gfn_write_track[gfn - slot->base_gfn] += delta;
	for (int l = PG_LEVEL_2M; l <= PG_LEVEL_1G; l++) {
		unsigned shift = KVM_HPAGE_GFN_SHIFT(l);

		a->disallow_lpage[l - 2][(gfn >> shift) - (slot->base_gfn >> shift)] += delta;
	}
	(void)kvm;
	return 0;
}

bool kvm_mmu_slot_gfn_write_protect(struct kvm *kvm,
				    struct kvm_memory_slot *slot, gfn_t gfn,
				    int min_level)
{
	lockdep_assert_held_write(kvm->env);
	return kvm_tdp_mmu_write_protect_gfn(kvm, slot, gfn, min_level);
}

int kvm_write_track_add_gfn(struct kvm *kvm, int as_id, gfn_t gfn)
{
	struct kvm_memory_slot *slot = kvm_gfn_to_memslot(kvm, as_id, gfn);
	int r;

	if (!slot)
		return -EINVAL;
	env_write_lock(kvm->env);
	r = update_gfn_write_track(kvm, slot, gfn, 1);
	/* Remove W and MMU-writable from every leaf covering the gfn, huge
	 * ones included (they will be split on the next write fault, as the
	 * gfn now disallows huge pages). */
	if (!r && kvm_mmu_slot_gfn_write_protect(kvm, slot, gfn, PG_LEVEL_4K))
		kvm_flush_remote_tlbs(kvm);
	env_write_unlock(kvm->env);
	return r;
}

int kvm_write_track_gfn(struct kvm *kvm, int as_id, gfn_t gfn, bool track)
{
	return track ? kvm_write_track_add_gfn(kvm, as_id, gfn) :
		       kvm_write_track_remove_gfn(kvm, as_id, gfn);
}

int kvm_write_track_remove_gfn(struct kvm *kvm, int as_id, gfn_t gfn)
{
	struct kvm_memory_slot *slot = kvm_gfn_to_memslot(kvm, as_id, gfn);
	int r;

	if (!slot || !slot->arch->gfn_write_track)
		return -EINVAL;
	env_write_lock(kvm->env);
	r = update_gfn_write_track(kvm, slot, gfn, -1);
	env_write_unlock(kvm->env);
	return r;
}

/* ----------------------------------------------------- the fault path */

/*
 * Fault-time snapshot of mmu_invalidate_seq, and the lockless early check
 * against it.  In-progress and range are read racily: a false negative is
 * caught under mmu_lock by is_page_fault_stale.
 */
static bool mmu_invalidate_retry_gfn_unsafe(struct kvm *kvm, u64 mmu_seq,
					    gfn_t gfn)
{
	if (kvm->mmu_invalidate_in_progress &&
	    gfn >= kvm->mmu_invalidate_range_start &&
	    gfn < kvm->mmu_invalidate_range_end)
		return true;
	return kvm->mmu_invalidate_seq != mmu_seq;
}

static bool page_fault_can_be_fast(struct kvm *kvm, struct kvm_page_fault *fault)
{
	if (kvm->pol.mmu_fast_pf == KVMMU_FAST_PF_OFF)
		return false;
	/* Reserved-bit faults are MMIO SPTEs; nothing to fix. */
	if (fault->rsvd)
		return false;
	/* Not present: fixable only if it is an access-tracked SPTE, which
	 * exist only without A/D. */
	if (!fault->present)
		return !kvm_ad_enabled(kvm);
	/* Present: a write to a write-protected SPTE. */
	return fault->write;
}

/*
 * D.7: fix a write-protected (for dirty logging) or access-tracked SPTE
 * without mmu_lock, by cmpxchg against the value read.  Anyone clearing W
 * on such an SPTE must therefore do it atomically and flush.
 */
static int fast_page_fault(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm *kvm = vcpu->kvm;
	const struct spte_masks *m = &kvm->m;
	int ret = RET_PF_INVALID;
	int retry_count = 0;
	u64 spte = FROZEN_SPTE;
	u64 *sptep;
	int level = PG_LEVEL_4K;

	if (!page_fault_can_be_fast(kvm, fault))
		return ret;

	env_rcu_read_lock(kvm->env); /* walk_shadow_page_lockless_begin */
	for (;;) {
		u64 new_spte;

		sptep = kvm_tdp_mmu_fast_pf_get_last_sptep(vcpu, fault->gfn,
							   &spte, &level);
		if (!sptep)
			spte = FROZEN_SPTE;
		if (!is_shadow_present_pte(spte) || !is_last_spte(spte, level))
			break;
		/* Fixed meanwhile by another vCPU, or a stale TLB entry. */
		if (is_access_allowed(kvm, fault, spte)) {
			ret = RET_PF_SPURIOUS;
			break;
		}
		new_spte = spte;
		if (!kvm_ad_enabled(kvm) && is_access_track_spte(m, spte))
			new_spte = restore_acc_track_spte(m, new_spte);
		/* Only SPTEs write-protected for dirty logging or access
		 * tracking (MMU-writable) may get W back here. */
		if (fault->write && is_mmu_writable_spte(m, spte)) {
			new_spte |= PT_WRITABLE_MASK;
			/* A huge page on a logging slot must be split by the
			 * slow path: logging its first 4K page only would
			 * miss writes to the rest. */
			if (level > PG_LEVEL_4K &&
			    kvm_slot_dirty_track_enabled(fault->slot))
				break;
		}
		if (new_spte == spte || !is_access_allowed(kvm, fault, new_spte))
			break;
		/* fast_pf_fix_direct_spte */
		if (env_cmpxchg(kvm->env, sptep, &spte, new_spte)) {
			if (is_writable_pte(new_spte) && !is_writable_pte(spte))
				mark_page_dirty_in_slot(kvm, fault->slot, fault->gfn);
			ret = RET_PF_FIXED;
			break;
		}
		kvm->stat.spte_cmpxchg_fail++;
		if (++retry_count > 4)
			break;
	}
	env_rcu_read_unlock(kvm->env);
	if (ret != RET_PF_INVALID)
		kvm->stat.pf_fast++;
	return ret;
}

static bool page_fault_handle_page_track(struct kvm *kvm,
					 struct kvm_page_fault *fault)
{
	if (fault->rsvd || !fault->present || !fault->write)
		return false;
	/* A write to a write-tracked gfn cannot be fixed by mapping. */
	return kvm_gfn_is_write_tracked(kvm, fault->slot, fault->gfn);
}

static int kvm_mmu_faultin_pfn(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_memory_slot *slot = fault->slot;
	struct env_pfn p;
	int r;

	/* Before looking up the pfn: an invalidation that starts after this
	 * point bumps the sequence when it ends (or is in progress when we
	 * check), so a pfn that may be stale is never installed. */
	fault->mmu_seq = kvm_mmu_invalidate_seq_snapshot(kvm);

	/* A slot being deleted or moved: its SPTEs are about to be zapped;
	 * installing anything (even MMIO) now would outlive the zap (E6). */
	if (slot && (slot->flags & KVM_MEMSLOT_INVALID)) {
		if (kvm->pol.mmu_invalid_slot_fault == KVMMU_INVALID_SLOT_FAULT_RETRY)
			return RET_PF_RETRY;
		slot = fault->slot = NULL;
	}
	if (!slot) {
		fault->noslot = true;
		fault->pfn = fault->faultin_pfn = 0;
		fault->map_writable = false;
		return RET_PF_CONTINUE;
	}
	if (mmu_invalidate_retry_gfn_unsafe(kvm, fault->mmu_seq, fault->gfn)) {
		kvm->stat.pf_stale++;
		return RET_PF_RETRY;
	}
	if (fault->write && (slot->flags & KVM_MEM_READONLY))
		return RET_PF_EMULATE;

	fault->hva = gfn_to_hva_memslot(slot, fault->gfn);
	r = env_faultin_pfn(kvm->env, fault->hva, fault->write, &p);
	if (r)
		return r;
	fault->pfn = fault->faultin_pfn = p.pfn;
	fault->map_writable = p.writable && !(slot->flags & KVM_MEM_READONLY);
	fault->host_level = p.host_level;

	/* Again, purely to avoid taking mmu_lock for a doomed fault. */
	if (mmu_invalidate_retry_gfn_unsafe(kvm, fault->mmu_seq, fault->gfn)) {
		kvm->stat.pf_stale++;
		return RET_PF_RETRY;
	}
	return RET_PF_CONTINUE;
}

/* Under mmu_lock: is what faultin found still good to install? */
static bool is_page_fault_stale(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm *kvm = vcpu->kvm;

	/* The root was invalidated (fast zap) since the vCPU loaded it; a
	 * zapper may already have passed this gfn (E7). */
	if (kvm->pol.mmu_fault_root_check == KVMMU_FAULT_ROOT_CHECK_ON &&
	    vcpu->mmu.root->role.invalid)
		return true;
	return fault->slot && mmu_invalidate_retry_gfn(kvm, fault->mmu_seq, fault->gfn);
}

/*
 * mmu.dirty_mark=map (6.13+): the folio is marked dirty once, under
 * mmu_lock, when a host-writable SPTE is installed or reused, even if
 * the SPTE itself ended up read-only: fast_page_fault may later set W
 * without the lock, where marking the folio would race with writeback.
 */
static void kvm_mmu_finish_page_fault(struct kvm_vcpu *vcpu,
				      struct kvm_page_fault *fault, int r)
{
	struct kvm *kvm = vcpu->kvm;

	lockdep_assert_held(kvm->env);
	if (kvm->pol.mmu_dirty_mark == KVMMU_DIRTY_MARK_MAP && !fault->noslot &&
	    r >= 0 && r != RET_PF_RETRY && fault->map_writable)
		env_folio_mark_dirty(kvm->env, fault->faultin_pfn, ENV_DIRTY_MAP);
}

static int kvm_tdp_page_fault(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm *kvm = vcpu->kvm;
	int r;

	if (page_fault_handle_page_track(kvm, fault))
		return RET_PF_WRITE_PROTECTED;
	r = fast_page_fault(vcpu, fault);
	if (r != RET_PF_INVALID)
		return r;
	r = kvm_mmu_faultin_pfn(vcpu, fault);
	if (r != RET_PF_CONTINUE)
		return r;

	r = RET_PF_RETRY;
	env_read_lock(kvm->env);
	if (is_page_fault_stale(vcpu, fault)) {
		kvm->stat.pf_stale++;
		goto out_unlock;
	}
	r = kvm_tdp_mmu_map(vcpu, fault);
out_unlock:
	kvm_mmu_finish_page_fault(vcpu, fault, r);
	env_read_unlock(kvm->env);
	return r;
}

static int kvm_mmu_do_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa, u64 err)
{
	struct kvm_page_fault fault = {
		.addr = gpa,
		.error_code = err,
		.exec = err & PFERR_FETCH_MASK,
		.write = err & PFERR_WRITE_MASK,
		.present = err & PFERR_PRESENT_MASK,
		.rsvd = err & PFERR_RSVD_MASK,
		.user = err & PFERR_USER_MASK,
		.max_level = policy_max_level(vcpu->kvm),
		.req_level = PG_LEVEL_4K,
		.goal_level = PG_LEVEL_4K,
		.gfn = gpa >> PAGE_SHIFT,
		.host_level = PG_LEVEL_4K,
		.nx_huge_page_workaround_enabled = is_nx_huge_page_enabled(vcpu->kvm),
	};

	/* The generation of the memslots this fault sees: an MMIO SPTE made
	 * from that view must go stale with it (kvm_vcpu_memslots()->generation
	 * in make_mmio_spte). */
	fault.mmio_gen = vcpu->kvm->mmio_gen;
	fault.slot = kvm_vcpu_gfn_to_memslot(vcpu, fault.gfn);
	return kvm_tdp_page_fault(vcpu, &fault);
}

/*
 * check_mmio_spte: an MMIO SPTE is good only if no memslot update is in
 * progress and none completed since it was made.  Without this, an MMIO
 * SPTE installed while a slot was absent (deleted, not yet re-added) would
 * keep the gfn MMIO after the slot came back, since creating a slot zaps
 * nothing.
 */
static bool check_mmio_spte(struct kvm *kvm, u64 spte)
{
	if (kvm->mmio_gen & 1)
		return false;
	return get_mmio_spte_gen(spte) == ((kvm->mmio_gen >> 1) & MMIO_SPTE_GEN_MASK);
}

/* A reserved-bit fault: an MMIO SPTE (stale ones are faulted in anew), or
 * one zapped meanwhile (retry). */
static int handle_mmio_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	u64 spte = 0;
	int leaf;

	env_rcu_read_lock(vcpu->kvm->env);
	leaf = kvm_tdp_mmu_get_walk(vcpu, gpa >> PAGE_SHIFT, &spte);
	env_rcu_read_unlock(vcpu->kvm->env);
	if (leaf >= 0 && is_mmio_spte(&vcpu->kvm->m, spte)) {
		if (!check_mmio_spte(vcpu->kvm, spte))
			return RET_PF_INVALID;
		return RET_PF_EMULATE;
	}
	return RET_PF_RETRY;
}

/*
 * The exit handlers' entry: 1 to re-enter the guest, 0 to return to
 * userspace (run.exit_reason set), negative on error.
 */
int kvm_mmu_page_fault(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code)
{
	struct kvm *kvm = vcpu->kvm;
	int r;

	kvm->stat.pf_taken++;
	env_cost(kvm->env, ENV_COST_FAULT);
	if (!VALID_PAGE(vcpu->mmu.root_hpa))
		return 1;

	r = RET_PF_INVALID;
	if (error_code & PFERR_RSVD_MASK)
		r = handle_mmio_page_fault(vcpu, gpa);
	if (r == RET_PF_INVALID)
		r = kvm_mmu_do_page_fault(vcpu, gpa, error_code);
	if (r < 0)
		return r;

	switch (r) {
	case RET_PF_FIXED:
		kvm->stat.pf_fixed++;
		return 1;
	case RET_PF_SPURIOUS:
		kvm->stat.pf_spurious++;
		return 1;
	case RET_PF_EMULATE:
	case RET_PF_WRITE_PROTECTED:
		kvm->stat.pf_emulate++;
		return kvm_emulate_access(vcpu, gpa, error_code & PFERR_WRITE_MASK);
	default:
		kvm->stat.pf_retry++;
		return 1;
	}
}

/* ------------------------------------------- memslot-wide operations */

bool kvm_mmu_slot_remove_write_access(struct kvm *kvm,
				      const struct kvm_memory_slot *slot,
				      int start_level)
{
	bool flush;

	env_read_lock(kvm->env);
	flush = kvm_tdp_mmu_wrprot_slot(kvm, slot, start_level);
	env_read_unlock(kvm->env);
	return flush;
}

bool kvm_mmu_slot_leaf_clear_dirty(struct kvm *kvm,
				   const struct kvm_memory_slot *slot)
{
	bool flush;

	env_read_lock(kvm->env);
	flush = kvm_tdp_mmu_clear_dirty_slot(kvm, slot);
	env_read_unlock(kvm->env);
	return flush;
}

void kvm_mmu_slot_try_split_huge_pages(struct kvm *kvm,
				       const struct kvm_memory_slot *slot,
				       int target_level)
{
	env_read_lock(kvm->env);
	kvm_tdp_mmu_try_split_huge_pages(kvm, slot, slot->base_gfn,
					 slot->base_gfn + slot->npages,
					 target_level, true);
	env_read_unlock(kvm->env);
}

void kvm_mmu_try_split_huge_pages(struct kvm *kvm,
				  const struct kvm_memory_slot *slot,
				  gfn_t start, gfn_t end, int target_level)
{
	lockdep_assert_held_write(kvm->env);
	kvm_tdp_mmu_try_split_huge_pages(kvm, slot, start, end, target_level, false);
}

void kvm_mmu_recover_huge_pages(struct kvm *kvm,
				const struct kvm_memory_slot *slot)
{
	env_read_lock(kvm->env);
	if (kvm->pol.mmu_huge_recovery == KVMMU_HUGE_RECOVERY_REBUILD)
		kvm_tdp_mmu_recover_huge_pages(kvm, slot);
	else
		kvm_tdp_mmu_zap_collapsible_sptes(kvm, slot);
	env_read_unlock(kvm->env);
}

void kvm_mmu_slot_set_dirty(struct kvm *kvm, const struct kvm_memory_slot *slot)
{
	env_read_lock(kvm->env);
	kvm_tdp_mmu_set_dirty_slot(kvm, slot);
	env_read_unlock(kvm->env);
}

void kvm_mmu_zap_all(struct kvm *kvm)
{
	env_write_lock(kvm->env);
	kvm_tdp_mmu_zap_all(kvm);
	env_write_unlock(kvm->env);
}

/*
 * Fast zap (memslot delete/move): invalidate every root and make every
 * vCPU drop its root, in one mmu_lock section; then zap the invalid roots
 * under the read lock before returning.  The request must be made inside
 * that section (mmu.fast_zap_kick=in-lock): zaps of invalid roots do not
 * flush, because every vCPU is guaranteed to reload (and flush) before it
 * re-enters the guest.  Made after the unlock, an mmu_notifier that runs
 * in the gap can zap an invalid root's SPTEs without a flush while a vCPU
 * still runs on that root with the translations cached.
 */
void kvm_mmu_zap_all_fast(struct kvm *kvm)
{
	bool kick_in_lock = kvm->pol.mmu_fast_zap_kick == KVMMU_FAST_ZAP_KICK_IN_LOCK;

	kvm->stat.fast_zaps++;
	env_write_lock(kvm->env);
	kvm_tdp_mmu_invalidate_all_roots(kvm);
	if (kick_in_lock)
		kvm_make_all_cpus_request(kvm, KVM_REQ_MMU_FREE_OBSOLETE_ROOTS);
	env_write_unlock(kvm->env);
	if (!kick_in_lock)
		kvm_make_all_cpus_request(kvm, KVM_REQ_MMU_FREE_OBSOLETE_ROOTS);
	kvm_tdp_mmu_zap_invalidated_roots(kvm);
}

void kvm_arch_flush_shadow_memslot(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	(void)slot;
	kvm_mmu_zap_all_fast(kvm);
}

/* --------------------------------------------------- notifier handlers */

bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_tdp_mmu_unmap_gfn_range(kvm, range, false);
}

bool kvm_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_tdp_mmu_age_gfn_range(kvm, range);
}

bool kvm_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_tdp_mmu_test_age_gfn(kvm, range);
}

/* ------------------------------------------------------- introspection */

int kvm_mmu_lookup_spte(struct kvm_vcpu *vcpu, gpa_t gpa, u64 *spte)
{
	int leaf;

	if (!VALID_PAGE(vcpu->mmu.root_hpa))
		return -1;
	env_rcu_read_lock(vcpu->kvm->env);
	leaf = kvm_tdp_mmu_get_walk(vcpu, gpa >> PAGE_SHIFT, spte);
	env_rcu_read_unlock(vcpu->kvm->env);
	if (leaf < 0 || !is_shadow_present_pte(*spte) || !is_last_spte(*spte, leaf))
		return -1;
	return leaf;
}

u64 kvm_vcpu_root_hpa(const struct kvm_vcpu *vcpu)
{
	return VALID_PAGE(vcpu->mmu.root_hpa) ? vcpu->mmu.root_hpa : 0;
}
