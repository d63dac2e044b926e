/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <asm/kvm_page_track.h>: guest page tracking, with external write
 * tracking (CONFIG_KVM_EXTERNAL_WRITE_TRACKING, as KVMGT uses it): with TDP
 * a gfn is write-tracked only for an external user, here the VMM model
 * (kvm_write_track_gfn in linuxmmu/kvm_main.c).
 *
 * Included by kshim/kvm.h before struct kvm_arch (which holds a notifier
 * node in 6.1), so it needs only the primitives and forward declarations.
 */
#ifndef KSHIM_ASM_KVM_PAGE_TRACK_H
#define KSHIM_ASM_KVM_PAGE_TRACK_H

#include <kshim/sync.h>

struct kvm;
struct kvm_vcpu;
struct kvm_memory_slot;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/*
 * 6.1: tracking has modes, and the MMU registers a notifier node of its own
 * (kvm->arch.mmu_sp_tracker) for emulated writes and memslot flushes; x86.c
 * calls kvm_page_track_flush_slot from kvm_arch_flush_shadow_memslot.  The
 * functions are the tree's page_track.c.
 */
enum kvm_page_track_mode {
	KVM_PAGE_TRACK_WRITE,
	KVM_PAGE_TRACK_MAX,
};

struct kvm_page_track_notifier_node {
	struct hlist_node node;
	void (*track_write)(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *new,
			    int bytes, struct kvm_page_track_notifier_node *node);
	void (*track_flush_slot)(struct kvm *kvm, struct kvm_memory_slot *slot,
				 struct kvm_page_track_notifier_node *node);
};

int kvm_page_track_init(struct kvm *kvm);
void kvm_page_track_cleanup(struct kvm *kvm);
bool kvm_page_track_write_tracking_enabled(struct kvm *kvm);
int kvm_page_track_write_tracking_alloc(struct kvm_memory_slot *slot);
void kvm_page_track_free_memslot(struct kvm_memory_slot *slot);
int kvm_page_track_create_memslot(struct kvm *kvm, struct kvm_memory_slot *slot,
				  unsigned long npages);
void kvm_slot_page_track_add_page(struct kvm *kvm, struct kvm_memory_slot *slot,
				  gfn_t gfn, enum kvm_page_track_mode mode);
void kvm_slot_page_track_remove_page(struct kvm *kvm, struct kvm_memory_slot *slot,
				     gfn_t gfn, enum kvm_page_track_mode mode);
bool kvm_slot_page_track_is_active(struct kvm *kvm, const struct kvm_memory_slot *slot,
				   gfn_t gfn, enum kvm_page_track_mode mode);
void kvm_page_track_register_notifier(struct kvm *kvm,
				      struct kvm_page_track_notifier_node *n);
void kvm_page_track_unregister_notifier(struct kvm *kvm,
					struct kvm_page_track_notifier_node *n);
void kvm_page_track_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *new, int bytes);
void kvm_page_track_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot);
#else
/* 6.12: an external user registers a node (which turns write tracking on
 * for the VM) and then tracks gfns of address space 0. */
struct kvm_page_track_notifier_node {
	struct hlist_node node;
	void (*track_write)(gpa_t gpa, const u8 *new, int bytes,
			    struct kvm_page_track_notifier_node *node);
	void (*track_remove_region)(gfn_t gfn, unsigned long nr_pages,
				    struct kvm_page_track_notifier_node *node);
};
int kvm_page_track_register_notifier(struct kvm *kvm,
				     struct kvm_page_track_notifier_node *n);
void kvm_page_track_unregister_notifier(struct kvm *kvm,
					struct kvm_page_track_notifier_node *n);
int kvm_write_track_add_gfn(struct kvm *kvm, gfn_t gfn);
int kvm_write_track_remove_gfn(struct kvm *kvm, gfn_t gfn);
#endif

/* A tree file that includes this header first gets the rest of
 * <linux/kvm_host.h> too (after the above, which kshim/kvm.h needs). */
#include <kshim/kvm.h>

#endif
