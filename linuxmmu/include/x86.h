/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86.h — the helpers of arch/x86/kvm/x86.h that the MMU uses: paging mode
 * predicates on the vCPU's registers, the MMIO info cache, quirks, and the
 * x86.c functions the MMU calls (emulation, async page faults: not modelled,
 * they trap if reached).
 */
#ifndef KSHIM_ARCH_X86_H
#define KSHIM_ARCH_X86_H

#include <kshim/kvm.h>
#include "kvm_cache_regs.h"

#define MMIO_GVA_ANY (~(gva_t)0)
#define KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS BIT_ULL(63)
#define KVM_ASYNC_PF_ENABLED (1 << 0)

static inline bool kvm_vcpu_has_run(struct kvm_vcpu *vcpu) { return true; }
u64 kvm_pdptr_read(struct kvm_vcpu *vcpu, int index);
void kvm_inject_page_fault(struct kvm_vcpu *vcpu, struct x86_exception *fault);
static inline bool is_long_mode(struct kvm_vcpu *vcpu) { return !!(vcpu->arch.efer & EFER_LMA); }
static inline bool mmu_is_nested(struct kvm_vcpu *vcpu) { return vcpu->arch.walk_mmu == &vcpu->arch.nested_mmu; }
static inline bool is_pae(struct kvm_vcpu *vcpu) { return kvm_is_cr4_bit_set(vcpu, X86_CR4_PAE); }
static inline bool is_pse(struct kvm_vcpu *vcpu) { return kvm_is_cr4_bit_set(vcpu, X86_CR4_PSE); }
static inline bool is_paging(struct kvm_vcpu *vcpu) { return kvm_is_cr0_bit_set(vcpu, X86_CR0_PG); }
static inline bool is_smm(struct kvm_vcpu *vcpu) { return vcpu->arch.smm; }
static inline bool kvm_event_needs_reinjection(struct kvm_vcpu *vcpu) { return false; }
static inline bool kvm_apicv_activated(struct kvm *kvm) { return false; }
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline bool is_noncanonical_address(u64 la, struct kvm_vcpu *vcpu)
{
	return (u64)((s64)(la << 16) >> 16) != la;
}
/* 6.1: the guest MTRRs decide the memtype with non-coherent DMA (never). */
bool kvm_mtrr_check_gfn_range_consistency(struct kvm_vcpu *vcpu, gfn_t gfn, int page_num);
gpa_t kvm_mmu_gva_to_gpa_read(struct kvm_vcpu *vcpu, gva_t gva,
			      struct x86_exception *exception);
#else
static inline bool is_noncanonical_invlpg_address(u64 la, struct kvm_vcpu *vcpu)
{
	return (u64)((s64)(la << 16) >> 16) != la;
}
#endif
static inline bool kvm_check_has_quirk(struct kvm *kvm, u64 quirk)
{
	return !(kvm->arch.disabled_quirks & quirk);
}

static inline bool vcpu_match_mmio_gen(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.mmio_gen == kvm_vcpu_memslots(vcpu)->generation;
}
static inline void vcpu_cache_mmio_info(struct kvm_vcpu *vcpu, gva_t gva,
					gfn_t gfn, unsigned access)
{
	u64 gen = kvm_vcpu_memslots(vcpu)->generation;

	if (unlikely(gen & KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS))
		return;
	vcpu->arch.mmio_gva = mmu_is_nested(vcpu) ? 0 : gva & PAGE_MASK;
	vcpu->arch.mmio_access = access;
	vcpu->arch.mmio_gfn = gfn;
	vcpu->arch.mmio_gen = gen;
}
static inline void vcpu_clear_mmio_info(struct kvm_vcpu *vcpu, gva_t gva)
{
	if (gva != MMIO_GVA_ANY && vcpu->arch.mmio_gva != (gva & PAGE_MASK))
		return;
	vcpu->arch.mmio_gva = 0;
}
static inline bool vcpu_match_mmio_gva(struct kvm_vcpu *vcpu, unsigned long gva)
{
	return vcpu_match_mmio_gen(vcpu) && vcpu->arch.mmio_gva &&
	       vcpu->arch.mmio_gva == (gva & PAGE_MASK);
}
static inline bool vcpu_match_mmio_gpa(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	return vcpu_match_mmio_gen(vcpu) && vcpu->arch.mmio_gfn &&
	       vcpu->arch.mmio_gfn == gpa >> PAGE_SHIFT;
}

/* x86.c work the MMU may ask for. */
int x86_emulate_instruction(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa,
			    int emulation_type, void *insn, int insn_len);
gpa_t kvm_mmu_gva_to_gpa_write(struct kvm_vcpu *vcpu, gva_t gva,
			       struct x86_exception *exception);
bool __kvm_inject_emulated_page_fault(struct kvm_vcpu *vcpu, struct x86_exception *fault,
				      bool from_hardware);
bool kvm_find_async_pf_gfn(struct kvm_vcpu *vcpu, gfn_t gfn);
bool kvm_setup_async_pf(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa,
			unsigned long hva, void *arch);
void kvm_async_pf_task_wait_schedule(u32 token);
int kvm_arch_vcpu_ioctl(void *filp, unsigned int ioctl, unsigned long arg);
void kvm_inject_emulated_page_fault(struct kvm_vcpu *vcpu, struct x86_exception *fault);

#endif
