/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmu.h — what arch/x86/kvm/mmu.h gives the tree's MMU files and the rest of
 * KVM: the MMU's entry points (implemented by the tree's mmu.c), the page
 * table bit names, and the small inline helpers around the root.  Written
 * for tdpsim from the kernel's interface; the tree's mmu/ folder has no
 * mmu.h of its own, so `#include "mmu.h"` there finds this one.
 */
#ifndef KSHIM_ARCH_MMU_H
#define KSHIM_ARCH_MMU_H

#include <kshim/kvm.h>
#include "kvm_cache_regs.h"
#include "cpuid.h"

extern bool enable_mmio_caching;
extern bool tdp_enabled;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: tdp_mmu_enabled is tdp_mmu.c's module parameter (static there),
 * copied into each VM at creation; the host's MAXPHYADDR is spte.c's
 * shadow_phys_bits. */
static inline bool is_tdp_mmu_enabled(struct kvm *kvm) { return kvm->arch.tdp_mmu_enabled; }
extern u8 shadow_phys_bits;
void kvm_mmu_zap_all(struct kvm *kvm);
/* 6.1: direct roots are made under make_mmu_pages_available, within the
 * budget x86.c sets at memslot creation and deletion. */
#define KVM_MEMSLOT_PAGES_TO_MMU_PAGES_RATIO 50
#define KVM_MIN_ALLOC_MMU_PAGES 64UL
void kvm_mmu_change_mmu_pages(struct kvm *kvm, unsigned long goal_nr_mmu_pages);
#else
extern bool tdp_mmu_enabled;
#endif

#define KVM_MMU_CR4_ROLE_BITS (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_LA57 | \
			       X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE)
#define KVM_MMU_CR0_ROLE_BITS (X86_CR0_PG | X86_CR0_WP)
#define KVM_MMU_EFER_ROLE_BITS (EFER_LME | EFER_NX)

/* Bits s..e set (none when e < s). */
static __always_inline u64 rsvd_bits(int s, int e)
{
	e &= 63;
	if (e < s)
		return 0;
	return ((2ULL << (e - s)) - 1) << s;
}

struct kvm_host_values {
	u8 maxphyaddr;
	u64 efer;
	u64 xcr0;
	u64 xss;
	u64 arch_capabilities;
};
extern struct kvm_host_values kvm_host;

/* GPAs above the host's MAXPHYADDR never reach the MMU. */
static inline gfn_t kvm_mmu_max_gfn(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	int bits = tdp_enabled ? shadow_phys_bits : 52;
#else
	int bits = tdp_enabled ? kvm_host.maxphyaddr : 52;
#endif
	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: MAXPHYADDR from CPUID (keyID bits of MKTME/SME are not reserved). */
static inline u8 kvm_get_shadow_phys_bits(void)
{
	if (likely(boot_cpu_data.extended_cpuid_level >= 0x80000008))
		return cpuid_eax(0x80000008) & 0xff;
	return boot_cpu_data.x86_phys_bits;
}
#endif

void kvm_mmu_set_mmio_spte_mask(u64 mmio_value, u64 mmio_mask, u64 access_mask);
void kvm_mmu_set_me_spte_mask(u64 me_value, u64 me_mask);
void kvm_mmu_set_ept_masks(bool has_ad_bits, bool has_exec_only);
void kvm_init_mmu(struct kvm_vcpu *vcpu);
void kvm_init_shadow_npt_mmu(struct kvm_vcpu *vcpu, unsigned long cr0,
			     unsigned long cr4, u64 efer, gpa_t nested_cr3);
void kvm_init_shadow_ept_mmu(struct kvm_vcpu *vcpu, bool execonly,
			     int huge_page_level, bool accessed_dirty,
			     gpa_t new_eptp);
bool kvm_can_do_async_pf(struct kvm_vcpu *vcpu);
int kvm_handle_page_fault(struct kvm_vcpu *vcpu, u64 error_code, u64 fault_address,
			  char *insn, int insn_len);
void __kvm_mmu_refresh_passthrough_bits(struct kvm_vcpu *vcpu, struct kvm_mmu *mmu);
int kvm_mmu_load(struct kvm_vcpu *vcpu);
void kvm_mmu_unload(struct kvm_vcpu *vcpu);
void kvm_mmu_free_obsolete_roots(struct kvm_vcpu *vcpu);
void kvm_mmu_sync_roots(struct kvm_vcpu *vcpu);
void kvm_mmu_sync_prev_roots(struct kvm_vcpu *vcpu);
void kvm_mmu_track_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *new, int bytes);
u8 kvm_mmu_get_max_tdp_level(void);
bool kvm_mmu_may_ignore_guest_pat(struct kvm *kvm);
int kvm_mmu_post_init_vm(struct kvm *kvm);
void kvm_mmu_pre_destroy_vm(struct kvm *kvm);
gpa_t translate_nested_gpa(struct kvm_vcpu *vcpu, gpa_t gpa, u64 access,
			   struct x86_exception *exception);

static inline int kvm_mmu_reload(struct kvm_vcpu *vcpu)
{
	if (likely(vcpu->arch.mmu->root.hpa != INVALID_PAGE))
		return 0;
	return kvm_mmu_load(vcpu);
}

/* tdpsim's guests run with CR4.PCIDE and LAM off. */
static inline unsigned long kvm_get_pcid(struct kvm_vcpu *vcpu, gpa_t cr3) { return 0; }
static inline unsigned long kvm_get_active_pcid(struct kvm_vcpu *vcpu) { return 0; }
static inline unsigned long kvm_get_active_cr3_lam_bits(struct kvm_vcpu *vcpu) { return 0; }

static inline void kvm_mmu_load_pgd(struct kvm_vcpu *vcpu)
{
	u64 root_hpa = vcpu->arch.mmu->root.hpa;

	if (!VALID_PAGE(root_hpa))
		return;
	kvm_x86_ops.load_mmu_pgd(vcpu, root_hpa, vcpu->arch.mmu->root_role.level);
}

static inline void kvm_mmu_refresh_passthrough_bits(struct kvm_vcpu *vcpu,
						    struct kvm_mmu *mmu)
{
	if (!tdp_enabled || mmu == &vcpu->arch.guest_mmu)
		return;
	__kvm_mmu_refresh_passthrough_bits(vcpu, mmu);
}

/* The guest page-table permission check of shadow paging; tdpsim's guest
 * page tables are walked by the hardware model, never by KVM. */
static inline u8 permission_fault(struct kvm_vcpu *vcpu, struct kvm_mmu *mmu,
				  unsigned pte_access, unsigned pte_pkey, u64 access)
{
	kshim_unimplemented("permission_fault (shadow paging)");
}

static inline bool kvm_shadow_root_allocated(struct kvm *kvm)
{
	return smp_load_acquire(&kvm->arch.shadow_root_allocated);
}
static inline bool kvm_memslots_have_rmaps(struct kvm *kvm)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return !is_tdp_mmu_enabled(kvm) || kvm_shadow_root_allocated(kvm);
#else
	return !tdp_mmu_enabled || kvm_shadow_root_allocated(kvm);
#endif
}
static inline gfn_t gfn_to_index(gfn_t gfn, gfn_t base_gfn, int level)
{
	return (gfn >> KVM_HPAGE_GFN_SHIFT(level)) -
	       (base_gfn >> KVM_HPAGE_GFN_SHIFT(level));
}
static inline unsigned long __kvm_mmu_slot_lpages(struct kvm_memory_slot *slot,
						  unsigned long npages, int level)
{
	return gfn_to_index(slot->base_gfn + npages - 1, slot->base_gfn, level) + 1;
}
static inline unsigned long kvm_mmu_slot_lpages(struct kvm_memory_slot *slot, int level)
{
	return __kvm_mmu_slot_lpages(slot, slot->npages, level);
}
static inline void kvm_update_page_stats(struct kvm *kvm, int level, int count)
{
	atomic64_add(count, &kvm->stat.pages[level - 1]);
}
static inline gpa_t kvm_translate_gpa(struct kvm_vcpu *vcpu, struct kvm_mmu *mmu,
				      gpa_t gpa, u64 access,
				      struct x86_exception *exception)
{
	if (mmu != &vcpu->arch.nested_mmu)
		return gpa;
	return translate_nested_gpa(vcpu, gpa, access, exception);
}

/* The rest of KVM calls these (x86.c, kvm_main.c in the kernel). */
int kvm_mmu_create(struct kvm_vcpu *vcpu);
void kvm_mmu_destroy(struct kvm_vcpu *vcpu);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
void kvm_mmu_init_vm(struct kvm *kvm); /* 6.1: cannot fail */
#else
int kvm_mmu_init_vm(struct kvm *kvm);
#endif
void kvm_mmu_uninit_vm(struct kvm *kvm);
void kvm_mmu_reset_context(struct kvm_vcpu *vcpu);
void kvm_mmu_x86_module_init(void);
int kvm_mmu_vendor_module_init(void);
void kvm_mmu_vendor_module_exit(void);
void kvm_configure_mmu(bool enable_tdp, int tdp_forced_root_level,
		       int tdp_max_root_level, int tdp_huge_page_level);
int kvm_mmu_page_fault(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa, u64 error_code,
		       void *insn, int insn_len);
void kvm_mmu_slot_remove_write_access(struct kvm *kvm,
				      const struct kvm_memory_slot *memslot,
				      int start_level);
void kvm_mmu_slot_try_split_huge_pages(struct kvm *kvm,
				       const struct kvm_memory_slot *memslot,
				       int target_level);
void kvm_mmu_try_split_huge_pages(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  u64 start, u64 end, int target_level);
void kvm_mmu_zap_collapsible_sptes(struct kvm *kvm,
				   const struct kvm_memory_slot *slot);
void kvm_mmu_slot_leaf_clear_dirty(struct kvm *kvm,
				   const struct kvm_memory_slot *memslot);
void kvm_arch_mmu_enable_log_dirty_pt_masked(struct kvm *kvm,
					     struct kvm_memory_slot *slot,
					     gfn_t gfn_offset, unsigned long mask);
bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range);
void kvm_arch_flush_shadow_all(struct kvm *kvm);
void kvm_arch_flush_shadow_memslot(struct kvm *kvm, struct kvm_memory_slot *slot);
void kvm_zap_gfn_range(struct kvm *kvm, gfn_t gfn_start, gfn_t gfn_end);
int kvm_mmu_init_memslot_memory_attributes(struct kvm *kvm, struct kvm_memory_slot *slot);
int kvm_mmu_unprotect_page(struct kvm *kvm, gfn_t gfn);
void kvm_mmu_invalidate_mmio_sptes(struct kvm *kvm, u64 gen);
void kvm_mmu_free_roots(struct kvm *kvm, struct kvm_mmu *mmu, unsigned long roots_to_free);

#endif
