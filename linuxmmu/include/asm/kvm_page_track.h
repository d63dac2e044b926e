/* SPDX-License-Identifier: GPL-2.0-only */
/* <asm/kvm_page_track.h>: external write tracking (KVMGT) is not
 * configured, as in a kernel without CONFIG_KVM_EXTERNAL_WRITE_TRACKING. */
#ifndef KSHIM_ASM_KVM_PAGE_TRACK_H
#define KSHIM_ASM_KVM_PAGE_TRACK_H
#include <kshim/kvm.h>
struct kvm_page_track_notifier_node { int unused; };
#endif
