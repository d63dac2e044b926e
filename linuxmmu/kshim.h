/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxmmu/kshim.h — the shim's own state, for the rest-of-KVM model.
 * Kernel-world code only (after <kshim/kvm.h> and "kvmmu/env.h").
 */
#ifndef TDPSIM_LINUXMMU_KSHIM_H
#define TDPSIM_LINUXMMU_KSHIM_H

/* The world the primitives act on (set at VM creation). */
extern struct env *kshim_env;
/* Set while creating or tearing down the VM outside any simulated thread:
 * primitives are plain memory operations then. */
extern bool kshim_direct;
/* Set for a teardown after a run that stopped a thread halfway through
 * KVM: the tree's WARNs about what is left are not findings then. */
extern bool kshim_teardown_unchecked;
/* Forgets the struct pages and the zero page of the last VM. */
void kshim_reset(void);
/* Runs a vhost_task on the calling simulated thread: its function until it
 * has no more work (a task nothing wakes again). */
void kshim_vhost_task_run(struct vhost_task *vtsk);
/* The host CPU has the iTLB multihit erratum (X86_BUG_ITLB_MULTIHIT). */
extern bool kshim_itlb_multihit;
/* kshim_param_set with @v in decimal. */
int kshim_param_set_u64(const char *name, u64 v);

#endif
