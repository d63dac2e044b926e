/* SPDX-License-Identifier: GPL-2.0-only */
/* kvm_cache_regs.h — the guest register reads the MMU makes (its CPU role).
 * The rest-of-KVM model sets vcpu->arch.cr0/cr3/cr4/efer once per vCPU:
 * a 64-bit guest with paging, as tdpsim's guests are. */
#ifndef KSHIM_ARCH_KVM_CACHE_REGS_H
#define KSHIM_ARCH_KVM_CACHE_REGS_H

#include <kshim/kvm.h>

static inline unsigned long kvm_read_cr0_bits(struct kvm_vcpu *vcpu, unsigned long mask)
{
	return vcpu->arch.cr0 & mask;
}
static inline bool kvm_is_cr0_bit_set(struct kvm_vcpu *vcpu, unsigned long bit)
{
	return !!(vcpu->arch.cr0 & bit);
}
static inline unsigned long kvm_read_cr0(struct kvm_vcpu *vcpu) { return vcpu->arch.cr0; }
static inline unsigned long kvm_read_cr4_bits(struct kvm_vcpu *vcpu, unsigned long mask)
{
	return vcpu->arch.cr4 & mask;
}
static inline bool kvm_is_cr4_bit_set(struct kvm_vcpu *vcpu, unsigned long bit)
{
	return !!(vcpu->arch.cr4 & bit);
}
static inline unsigned long kvm_read_cr4(struct kvm_vcpu *vcpu) { return vcpu->arch.cr4; }
static inline unsigned long kvm_read_cr3(struct kvm_vcpu *vcpu) { return vcpu->arch.cr3; }
static inline unsigned long kvm_rip_read(struct kvm_vcpu *vcpu) { return vcpu->arch.rip; }
static inline bool is_guest_mode(struct kvm_vcpu *vcpu) { return vcpu->arch.guest_mode; }
static inline u32 kvm_read_pkru(struct kvm_vcpu *vcpu) { return vcpu->arch.pkru; }

#endif
