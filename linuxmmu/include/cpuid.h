/* SPDX-License-Identifier: GPL-2.0-only */
/* cpuid.h — the guest CPUID facts the MMU consults: MAXPHYADDR, the
 * vendor, and feature bits (none of the optional ones are exposed). */
#ifndef KSHIM_ARCH_CPUID_H
#define KSHIM_ARCH_CPUID_H

#include <kshim/kvm.h>

#define X86_FEATURE_LAM 100
#define X86_FEATURE_GBPAGES_GUEST 101
static inline int cpuid_maxphyaddr(struct kvm_vcpu *vcpu) { return vcpu->arch.maxphyaddr; }
static inline bool guest_cpuid_is_amd_compatible(struct kvm_vcpu *vcpu) { return false; }
static inline bool guest_cpuid_is_amd_or_hygon(struct kvm_vcpu *vcpu) { return false; }
static inline bool guest_cpu_cap_has(struct kvm_vcpu *vcpu, unsigned int f) { return false; }
static inline bool guest_can_use(struct kvm_vcpu *vcpu, unsigned int f) { return false; }
static inline bool guest_cpuid_has(struct kvm_vcpu *vcpu, unsigned int f) { return false; }
/* Host CPUID: leaf 0x80000008 EAX holds MAXPHYADDR in bits 7:0 (the
 * machine's walk.maxphyaddr); no other leaf is asked for. */
static inline unsigned int cpuid_eax(unsigned int op)
{
	return op == 0x80000008 ? boot_cpu_data.x86_phys_bits : 0;
}

#endif
