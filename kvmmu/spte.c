// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/spte.c — building SPTEs, the format masks, the invariant checker.
 */
#include "kvmmu/spte.h"

void kvm_mmu_set_ept_masks(struct spte_masks *m, bool has_ad_bits)
{
	*m = (struct spte_masks){
		.ept = true,
		.ad_enabled = has_ad_bits,
		/* KVM keeps R in every present EPT SPTE (no execute-only
		 * mappings), so R doubles as the "user" permission. */
		.present_mask = VMX_EPT_READABLE_MASK | VMX_EPT_SUPPRESS_VE_BIT,
		.user_mask = VMX_EPT_READABLE_MASK,
		.accessed_mask = has_ad_bits ? VMX_EPT_ACCESS_BIT : 0,
		.dirty_mask = has_ad_bits ? VMX_EPT_DIRTY_BIT : 0,
		.x_mask = VMX_EPT_EXECUTABLE_MASK,
		.nx_mask = 0,
		/* vmx_get_mt_mask without non-coherent DMA: WB, ignore PAT. */
		.memtype_mask = VMX_EPT_MT_WB | VMX_EPT_IPAT_BIT,
		.acc_track_mask = VMX_EPT_RWX_MASK,
		.host_writable_mask = EPT_SPTE_HOST_WRITABLE,
		.mmu_writable_mask = EPT_SPTE_MMU_WRITABLE,
		.mmio_value = VMX_EPT_MISCONFIG_WX_VALUE,
		.mmio_mask = VMX_EPT_RWX_MASK,
	};
	m->known_mask = VMX_EPT_RWX_MASK | VMX_EPT_MT_MASK | VMX_EPT_IPAT_BIT |
			PT_PAGE_SIZE_MASK | m->accessed_mask | m->dirty_mask |
			VMX_EPT_SUPPRESS_VE_BIT | SPTE_BASE_ADDR_MASK |
			SPTE_MMU_PRESENT_MASK | SPTE_TDP_AD_MASK |
			SHADOW_ACC_TRACK_SAVED_MASK | EPT_SPTE_HOST_WRITABLE |
			EPT_SPTE_MMU_WRITABLE;
}

void kvm_mmu_set_npt_masks(struct spte_masks *m)
{
	*m = (struct spte_masks){
		.ept = false,
		.ad_enabled = true, /* NPT always has A/D */
		.present_mask = PT_PRESENT_MASK,
		/* Every guest access is a user access at the nested level. */
		.user_mask = PT_USER_MASK,
		.accessed_mask = PT_ACCESSED_MASK,
		.dirty_mask = PT_DIRTY_MASK,
		.x_mask = 0,
		.nx_mask = PT64_NX_MASK,
		.memtype_mask = 0,
		.acc_track_mask = 0,
		.host_writable_mask = DEFAULT_SPTE_HOST_WRITABLE,
		.mmu_writable_mask = DEFAULT_SPTE_MMU_WRITABLE,
		.mmio_value = PT_PRESENT_MASK | NPT_MMIO_RSVD_BIT,
		.mmio_mask = PT_PRESENT_MASK | NPT_MMIO_RSVD_BIT,
	};
	m->known_mask = PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_USER_MASK |
			PT_ACCESSED_MASK | PT_DIRTY_MASK | PT_PAGE_SIZE_MASK |
			PT64_NX_MASK | SPTE_BASE_ADDR_MASK | SPTE_MMU_PRESENT_MASK |
			DEFAULT_SPTE_HOST_WRITABLE | DEFAULT_SPTE_MMU_WRITABLE;
}

bool spte_has_volatile_bits(const struct spte_masks *m, u64 spte)
{
	/* fast_page_fault may set W on a write-protected, MMU-writable SPTE. */
	if (!is_writable_pte(spte) && is_mmu_writable_spte(m, spte))
		return true;
	/* ...and restore RWX on an access-tracked one. */
	if (is_access_track_spte(m, spte))
		return true;
	/* The CPU sets A on any access and D on a write. */
	if (spte_ad_enabled(spte)) {
		if (!(spte & m->accessed_mask) ||
		    (is_writable_pte(spte) && !(spte & m->dirty_mask)))
			return true;
	}
	return false;
}

u64 mark_spte_for_access_track(const struct spte_masks *m, u64 spte)
{
	if (spte_ad_enabled(spte))
		return spte & ~m->accessed_mask;
	if (is_access_track_spte(m, spte))
		return spte;
	/* W is dropped with RWX and not saved: it comes back through
	 * MMU-writable when fast_page_fault handles the next write. */
	spte |= (spte & SHADOW_ACC_TRACK_SAVED_BITS_MASK)
		<< SHADOW_ACC_TRACK_SAVED_BITS_SHIFT;
	spte &= ~(m->acc_track_mask | m->accessed_mask);
	return spte;
}

u64 restore_acc_track_spte(const struct spte_masks *m, u64 spte)
{
	u64 saved = (spte >> SHADOW_ACC_TRACK_SAVED_BITS_SHIFT) &
		    SHADOW_ACC_TRACK_SAVED_BITS_MASK;

	spte &= ~m->acc_track_mask;
	spte &= ~SHADOW_ACC_TRACK_SAVED_MASK;
	return spte | saved;
}

bool make_spte(const struct spte_masks *m, union kvm_mmu_page_role role,
	       int level, unsigned pte_access, kvm_pfn_t pfn, u64 old_spte,
	       bool prefetch, bool host_writable, bool write_tracked,
	       u64 *new_spte)
{
	u64 spte = SPTE_MMU_PRESENT_MASK;
	bool wrprot = false;

	if (role.ad_disabled)
		spte |= SPTE_TDP_AD_DISABLED;
	spte |= m->present_mask;
	/* A demand fault is an access: set A now rather than have the CPU
	 * write it back a moment later. */
	if (!prefetch)
		spte |= spte_shadow_accessed_mask(m, spte);
	/* The iTLB multihit erratum: a huge page must never be executable;
	 * an exec fault maps 4K pages instead (kvm_mmu_hugepage_adjust). */
	if (level > PG_LEVEL_4K && m->nx_huge_pages)
		pte_access &= ~ACC_EXEC_MASK;
	spte |= (pte_access & ACC_EXEC_MASK) ? m->x_mask : m->nx_mask;
	if (pte_access & ACC_USER_MASK)
		spte |= m->user_mask;
	if (level > PG_LEVEL_4K)
		spte |= PT_PAGE_SIZE_MASK;
	spte |= m->memtype_mask;
	if (host_writable)
		spte |= m->host_writable_mask;
	else
		pte_access &= ~ACC_WRITE_MASK;
	spte |= (u64)pfn << PAGE_SHIFT;

	if (pte_access & ACC_WRITE_MASK) {
		spte |= PT_WRITABLE_MASK | m->mmu_writable_mask;
		/* Rewriting an already writable leaf: the gfn cannot be
		 * write-tracked (tracking removes W first), skip the check
		 * and, as upstream does, the D bit.  Only a leaf: a table
		 * link is writable too, and a huge leaf replacing a table
		 * must be made dirty like any new writable leaf (6.12's
		 * make_spte checks is_last_spte; without it the 2M SPTE came
		 * out W without D). */
		if (is_last_spte(old_spte, level) && is_writable_pte(old_spte))
			goto out;
		if (write_tracked) {
			wrprot = true;
			pte_access &= ~ACC_WRITE_MASK;
			spte &= ~(PT_WRITABLE_MASK | m->mmu_writable_mask);
		}
	}
	/* A/D on: a writable SPTE is created dirty, so the CPU need not set
	 * D (and PML need not log) on the first write.  The page is logged
	 * at fault time instead. */
	if (pte_access & ACC_WRITE_MASK)
		spte |= spte_shadow_dirty_mask(m, spte);
out:
	if (prefetch)
		spte = mark_spte_for_access_track(m, spte);
	*new_spte = spte;
	return wrprot;
}

u64 make_nonleaf_spte(const struct spte_masks *m, u64 child_pa, bool ad_disabled)
{
	u64 spte = SPTE_MMU_PRESENT_MASK;

	spte |= child_pa | m->present_mask | PT_WRITABLE_MASK | m->user_mask |
		m->x_mask;
	/* Non-leaf entries are created accessed: the CPU would set A on the
	 * first walk anyway, and this saves it the locked write. */
	if (ad_disabled)
		spte |= SPTE_TDP_AD_DISABLED;
	else
		spte |= m->accessed_mask;
	return spte;
}

/* Sets or clears execute permission, access-tracked SPTEs included (their
 * saved R/X must say the same). */
static u64 spte_set_executable(const struct spte_masks *m, u64 spte, bool exec)
{
	bool acc_track = is_access_track_spte(m, spte);

	if (acc_track)
		spte = restore_acc_track_spte(m, spte);
	spte &= ~(m->x_mask | m->nx_mask);
	spte |= exec ? m->x_mask : m->nx_mask;
	if (acc_track)
		spte = mark_spte_for_access_track(m, spte);
	return spte;
}

u64 make_huge_page_split_spte(const struct spte_masks *m, u64 huge_spte,
			      int level, int index)
{
	int child_level = level - 1;
	u64 child_spte = huge_spte;

	if (!is_shadow_present_pte(huge_spte))
		return 0;
	/* The children inherit permissions and A/D: the translations do not
	 * change, which is why splitting needs no TLB flush. */
	child_spte |= ((u64)index * KVM_PAGES_PER_HPAGE(child_level)) << PAGE_SHIFT;
	if (child_level == PG_LEVEL_4K) {
		child_spte &= ~PT_PAGE_SIZE_MASK;
		/* 4K pages need no NX huge page mitigation: give back the
		 * execute permission the huge page was denied (TDP pages
		 * have ACC_ALL). */
		if (m->nx_huge_pages)
			child_spte = spte_set_executable(m, child_spte, true);
	}
	return child_spte;
}

u64 make_huge_spte(const struct spte_masks *m, u64 small_spte, int level)
{
	u64 huge_spte;

	huge_spte = small_spte | PT_PAGE_SIZE_MASK;
	/* small_spte maps some page inside the huge range: clear the low
	 * pfn bits to get the huge page's base. */
	huge_spte &= ~((KVM_PAGES_PER_HPAGE(level) - 1) << PAGE_SHIFT);
	/* A 4K child may be executable; the huge page may not (6.13). */
	if (m->nx_huge_pages)
		huge_spte = spte_set_executable(m, huge_spte, false);
	return huge_spte;
}

u64 make_mmio_spte(const struct spte_masks *m, gfn_t gfn, u64 gen)
{
	u64 low = gen & ((1ULL << MMIO_SPTE_GEN_LOW_BITS) - 1);
	u64 high = (gen & MMIO_SPTE_GEN_MASK) >> MMIO_SPTE_GEN_LOW_BITS;

	return m->mmio_value | (gfn << PAGE_SHIFT) |
	       low << MMIO_SPTE_GEN_LOW_SHIFT | high << MMIO_SPTE_GEN_HIGH_SHIFT;
}

u64 get_mmio_spte_gen(u64 spte)
{
	u64 low = (spte >> MMIO_SPTE_GEN_LOW_SHIFT) &
		  ((1ULL << MMIO_SPTE_GEN_LOW_BITS) - 1);
	u64 high = (spte >> MMIO_SPTE_GEN_HIGH_SHIFT) &
		   ((1ULL << MMIO_SPTE_GEN_HIGH_BITS) - 1);

	return low | high << MMIO_SPTE_GEN_LOW_BITS;
}

const char *spte_check(const struct spte_masks *m, u64 spte, int level)
{
	if (!is_shadow_present_pte(spte)) {
		if (spte == SHADOW_NONPRESENT_VALUE || is_frozen_spte(spte) ||
		    is_mmio_spte(m, spte))
			return NULL;
		return "non-present SPTE is neither 0, FROZEN_SPTE nor MMIO";
	}
	if (spte & ~m->known_mask)
		return "SPTE has bits outside its format";
	if (level > PG_LEVEL_4K && !is_large_pte(spte)) {
		/* A link to a table: full permissions, no leaf state. */
		if (spte & (m->dirty_mask | m->host_writable_mask |
			    m->mmu_writable_mask | SHADOW_ACC_TRACK_SAVED_MASK))
			return "non-leaf SPTE has leaf-only bits";
		if (!is_writable_pte(spte))
			return "non-leaf SPTE is not writable";
		return NULL;
	}
	if (is_writable_pte(spte) && !(spte & m->mmu_writable_mask))
		return "writable SPTE is not MMU-writable";
	if ((spte & m->mmu_writable_mask) && !(spte & m->host_writable_mask))
		return "MMU-writable SPTE is not host-writable";
	if (is_large_pte(spte) &&
	    (level == PG_LEVEL_4K || level > KVM_MAX_HUGEPAGE_LEVEL))
		return "PS set at a level without huge pages";
	if (m->ept) {
		if ((spte & SPTE_TDP_AD_MASK) == SPTE_TDP_AD_DISABLED &&
		    (spte & (VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT)))
			return "A/D-disabled SPTE has A or D";
		if ((spte & SHADOW_ACC_TRACK_SAVED_MASK) &&
		    !is_access_track_spte(m, spte))
			return "access-track saved bits in a live SPTE";
		if (is_access_track_spte(m, spte) && is_writable_pte(spte))
			return "access-tracked SPTE is writable";
	} else if (spte & SPTE_TDP_AD_MASK) {
		return "NPT SPTE is not A/D-enabled";
	}
	return NULL;
}
