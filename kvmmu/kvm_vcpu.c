// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/kvm_vcpu.c — virt/kvm/kvm_main.c's vCPU side: the running vCPU,
 * the SRCU read sections of vCPUs and the memslot updates' wait for them,
 * requests to all vCPUs with their kick IPIs, and remote TLB flushes.  The
 * model's, for both MMUs (kvmmu/kvm_model.h): compiled for kvmmu and
 * around a kernel tree's MMU.
 */
#ifdef KVM_WORLD
#include KVM_WORLD
#else
#include "kvmmu/mmu_internal.h"
#endif

/* kvm_get_running_vcpu: the vCPU whose thread is running, if any (none
 * while the VM is set up or torn down, outside any simulated thread). */
struct kvm_vcpu *kvm_get_running_vcpu(struct kvm *kvm)
{
	struct env *e = kvm_env(kvm);
	struct env_vcpu *ev = env_on_thread(e) ? env_current_vcpu(e) : NULL;

	if (!ev)
		return NULL;
	for (unsigned i = 0; i < kvm_online_vcpus(kvm); i++)
		if (kvm_vcpu_ev(kvm_get_vcpu(kvm, i)) == ev)
			return kvm_get_vcpu(kvm, i);
	return NULL;
}

/* ---------------------------------------------------------------- SRCU */

void kvm_vcpu_srcu_read_lock(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_srcu *s = kvm_vcpu_srcu(vcpu);

	/* Only this vCPU writes its word: one store publishes it. */
	env_write(kvm_env(vcpu->kvm), s->seq, ++s->local);
}

void kvm_vcpu_srcu_read_unlock(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_srcu_read_lock(vcpu);
}

void kvm_srcu_synchronize_vcpus(struct kvm *kvm)
{
	struct env *e = kvm_env(kvm);
	struct kvm_vcpu *me = kvm_get_running_vcpu(kvm);

	for (unsigned i = 0; i < kvm_online_vcpus(kvm); i++) {
		struct kvm_vcpu *v = kvm_get_vcpu(kvm, i);
		u64 *seq = kvm_vcpu_srcu(v)->seq;
		u64 s = env_read(e, seq);

		if (v == me || !(s & 1))
			continue;
		while (env_read(e, seq) == s) {
			env_charge(e, 100);
			env_cond_resched(e);
		}
	}
}

/* ---------------------------------------------- requests and kicks */

/* Moves IN_GUEST_MODE to EXITING_GUEST_MODE; returns the mode found. */
static u64 kvm_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu)
{
	u64 old = IN_GUEST_MODE;

	env_cmpxchg(kvm_env(vcpu->kvm), kvm_vcpu_mode(vcpu), &old, EXITING_GUEST_MODE);
	return old;
}

static bool kvm_request_needs_ipi(struct kvm_vcpu *vcpu, unsigned int req)
{
	u64 mode = kvm_vcpu_exiting_guest_mode(vcpu);

	/* A waiting request must also wait for a vCPU that is leaving, so
	 * it is out of guest mode for sure when the sender goes on. */
	if (req & KVM_REQUEST_WAIT)
		return mode != OUTSIDE_GUEST_MODE;
	return mode == IN_GUEST_MODE;
}

/*
 * Sets @req on every vCPU, then kicks those that may be running the guest:
 * the request bit is set before vcpu->mode is read, and vcpu_enter_guest
 * sets mode before it re-reads requests, so each vCPU either sees the
 * request before entering or gets the IPI.  KVM_REQUEST_WAIT waits for the
 * IPIs to be acknowledged, i.e. every vCPU is out of guest mode on return.
 */
bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req)
{
	struct kvm_vcpu *me = kvm_get_running_vcpu(kvm);
	unsigned nr = kvm_online_vcpus(kvm), n = 0;
	struct env_vcpu *targets[64];
	struct env_vcpu **tv = nr <= 64 ? targets : kvm_model_calloc(nr, sizeof(*tv));
	unsigned kicked = 0;

	/* No memory for one list: kick (and wait for) 64 vCPUs at a time. */
	if (!tv)
		tv = targets;
	for (unsigned i = 0; i < nr; i++) {
		struct kvm_vcpu *v = kvm_get_vcpu(kvm, i);

		if (!(req & KVM_REQUEST_NO_ACTION))
			kvm_make_request(req, v);
		kvm_mstat(kvm)->requests++;
		/* Halted vCPUs are not modelled: no wake-up. */
		if (v == me)
			continue;
		if (kvm_request_needs_ipi(v, req))
			tv[n++] = kvm_vcpu_ev(v);
		if (tv == targets && n == 64 && i + 1 < nr) {
			kvm_mstat(kvm)->kicks += n;
			env_kick_vcpus(kvm_env(kvm), tv, n, req & KVM_REQUEST_WAIT);
			kicked += n;
			n = 0;
		}
	}
	if (n) {
		kvm_mstat(kvm)->kicks += n;
		env_kick_vcpus(kvm_env(kvm), tv, n, req & KVM_REQUEST_WAIT);
	}
	if (tv != targets)
		kvm_model_free(tv);
	return kicked + n != 0;
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (vcpu == kvm_get_running_vcpu(kvm))
		return;
	if (kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE) {
		kvm_mstat(kvm)->kicks++;
		env_kick_vcpu(kvm_env(kvm), kvm_vcpu_ev(vcpu), false);
	}
}

void kvm_vcpu_kick_to_user(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_run_state(vcpu)->immediate_exit = true;
	kvm_vcpu_kick(vcpu);
}

void kvm_flush_remote_tlbs(struct kvm *kvm)
{
	kvm_mstat(kvm)->remote_tlb_flush++;
	kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);
}
