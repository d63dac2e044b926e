// SPDX-License-Identifier: GPL-2.0-only
/* The userspace VMM's dirty tracking: live migration, the ring reaper and
 * the migration oracles (see vmm.h for the algorithm and the oracles). */
#include "scenarios/vmm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/vm.h"

#define VMM_PAGE_SHIFT 12

struct vmm_stats {
	uint64_t count;         /* migrations run */
	uint64_t rounds;        /* live harvest rounds, over all migrations */
	uint64_t pages_copied;  /* pages copied (bulk + rounds + final) */
	uint64_t final_pages;   /* of which with the guest paused */
	uint64_t downtime;      /* pause to the end of the final copy */
	uint64_t total;         /* logging on to the end of the final copy */
	uint64_t harvest;       /* GET/CLEAR_DIRTY_LOG, or kicks + ring reaps */
	uint64_t converged;     /* the last migration reached the threshold */
};

struct vmm {
	struct vm *vm;
	struct sim *s;
	uint64_t npages, nwords;
	/*
	 * Dirty bitmaps, one bit per page of slot 0, in the VMM's own memory.
	 * @dirty collects what harvests and ring reaps found and no pass has
	 * taken yet (a vCPU thread reaping a full ring adds to it while the
	 * migration thread copies); a pass moves it into @round and copies
	 * from there.  Bit operations between two yield points are atomic in
	 * the simulation, so they need no lock.
	 */
	uint64_t *dirty, *round;
	uint64_t *logbuf;       /* KVM_GET_DIRTY_LOG's output */
	uint64_t *copied;       /* the destination's version of each page */
	uint64_t *seen;         /* the version the VMM last saw (oracle) */
	/* The gfns one ring reap collected, re-protected by the reset
	 * (room for every entry of every ring). */
	uint64_t *reaped;
	size_t nreaped, reaped_cap;
	/* One reaper at a time: a ring's fetch index is userspace state
	 * (QEMU serializes kvm_dirty_ring_reap under a mutex). */
	struct sim_rwlock *reap_lock;
	struct vmm_stats st;
	struct hist dirty_per_round;
};

static const struct params *vmm_params(const struct vmm *v)
{
	return &v->vm->run->p;
}

static void vmm_bad(struct vm *vm, const char *msg)
{
	struct run *r = vm->run;
	if (!r->bad_input) {
		r->bad_input = true;
		snprintf(r->bad_input_msg, sizeof(r->bad_input_msg), "%s", msg);
	}
	sim_stop(machine_sim(vm->m));
}

void vmm_free(struct vmm *v)
{
	if (!v)
		return;
	if (v->reap_lock)
		sim_rwlock_free(v->reap_lock);
	free(v->dirty);
	free(v->round);
	free(v->logbuf);
	free(v->copied);
	free(v->seen);
	free(v->reaped);
	free(v);
}

/* The VMM state of @vm, created on first use (from a simulated thread). */
static struct vmm *vmm_get(struct vm *vm)
{
	if (vm->vmm)
		return vm->vmm;
	struct sim *s = machine_sim(vm->m);
	struct vmm *v = calloc(1, sizeof(*v));
	if (!v) {
		vmm_bad(vm, "out of memory for the VMM");
		return NULL;
	}
	v->vm = vm;
	v->s = s;
	v->npages = vm->mem >> VMM_PAGE_SHIFT;
	v->nwords = (v->npages + 63) / 64;
	v->dirty = calloc(v->nwords, sizeof(uint64_t));
	v->round = calloc(v->nwords, sizeof(uint64_t));
	v->logbuf = calloc(v->nwords, sizeof(uint64_t));
	v->copied = calloc(v->npages, sizeof(uint64_t));
	v->seen = calloc(v->npages, sizeof(uint64_t));
	if (vm->run->p.mmu_dirty_log == DIRTY_LOG_RING) {
		v->reaped_cap = (size_t)machine_nvcpus(vm->m) *
				vm->run->p.mmu_dirty_ring_size;
		v->reaped = calloc(v->reaped_cap, sizeof(uint64_t));
	}
	if (!v->dirty || !v->round || !v->logbuf || !v->copied || !v->seen ||
	    (v->reaped_cap && !v->reaped)) {
		vmm_free(v);
		vmm_bad(vm, "vm.mem: too large for the VMM's per-page migration "
			"state (16 bytes per 4 KiB page)");
		return NULL;
	}
	v->reap_lock = sim_rwlock_new(s, "vmm_reap");
	struct stats *st = sim_stats(s);
	stats_counter(st, "migrate.count", &v->st.count);
	stats_counter(st, "migrate.rounds", &v->st.rounds);
	stats_counter(st, "migrate.pages_copied", &v->st.pages_copied);
	stats_counter(st, "migrate.final_pages", &v->st.final_pages);
	stats_counter(st, "migrate.downtime_cycles", &v->st.downtime);
	stats_counter(st, "migrate.total_cycles", &v->st.total);
	stats_counter(st, "migrate.harvest_cycles", &v->st.harvest);
	stats_counter(st, "migrate.converged", &v->st.converged);
	stats_hist(st, "migrate.dirty_per_round", &v->dirty_per_round);
	vm->vmm = v;
	return v;
}

static void set_bit64(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ull << (i % 64);
}

static bool test_bit64(const uint64_t *bm, uint64_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* --------------------------------------------------------- harvesting */

static void reap_gfn(void *arg, u32 slot, u64 offset)
{
	struct vmm *v = arg;
	/* Slot 0 of address space 0 is the guest's memory; anything else
	 * (SMM's address space aliases it here) has no separate copy. */
	if ((slot & 0xffff) == 0 && offset < v->npages) {
		set_bit64(v->dirty, offset);
		if (v->nreaped < v->reaped_cap)
			v->reaped[v->nreaped++] = offset;
	}
}

static unsigned reap(struct vmm *v)
{
	struct vm *vm = v->vm;
	cycles_t t0 = sim_now(v->s);
	unsigned n = 0;
	sim_write_lock(v->s, v->reap_lock);
	v->nreaped = 0;
	for (unsigned i = 0; i < machine_nvcpus(vm->m); i++)
		n += kvm_dirty_ring_harvest(kvm_get_vcpu(vm->kvm, i), reap_gfn, v);
	/* Re-protect what was reaped before anyone copies it: a write after
	 * the reset faults or sets D again, and is pushed anew. */
	vm_reset_dirty_rings(vm, v->reaped, v->nreaped);
	sim_write_unlock(v->s, v->reap_lock);
	v->st.harvest += sim_now(v->s) - t0;
	return n;
}

unsigned vmm_dirty_ring_reap(struct vm *vm)
{
	if (vm->run->p.mmu_dirty_log != DIRTY_LOG_RING)
		return 0;
	struct vmm *v = vmm_get(vm);
	return v ? reap(v) : 0;
}

/*
 * dirty-ring-order: what dirty_log_test checks of a ring (E13) — a vCPU's
 * entries come in the order its pages were dirtied.  For a guest writing
 * ascending GPAs that is ascending offsets, so every entry below the one
 * before it in the same ring counts as an inversion.
 */
struct ring_order {
	u64 last;
	bool any;
	uint64_t inversions;
	/* The RAM gfns reaped, for the reset's write protection. */
	uint64_t *gfns;
	size_t n, cap;
};

static void ring_order_gfn(void *arg, u32 slot, u64 offset)
{
	struct ring_order *o = arg;
	if (o->any && offset < o->last)
		o->inversions++;
	o->last = offset;
	o->any = true;
	if (slot != 0)		/* address space 0, slot 0: the RAM */
		return;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 512;
		uint64_t *g = realloc(o->gfns, cap * sizeof(*g));
		if (!g)
			return;	/* that page goes unpromised: no false report */
		o->gfns = g;
		o->cap = cap;
	}
	o->gfns[o->n++] = offset;
}

uint64_t vmm_dirty_ring_order(struct vm *vm)
{
	struct ring_order o = { 0 };
	uint64_t inversions = 0;
	for (unsigned i = 0; i < machine_nvcpus(vm->m); i++) {
		o.any = false;
		o.inversions = 0;
		kvm_dirty_ring_harvest(kvm_get_vcpu(vm->kvm, i), ring_order_gfn, &o);
		inversions += o.inversions;
	}
	/* The reset re-protects what was reaped (with write-protect
	 * logging): the stale-permission oracle holds KVM to it. */
	vm_reset_dirty_rings(vm, o.gfns, o.n);
	free(o.gfns);
	return inversions;
}

/*
 * The VMM's KVM_SET_VCPU_EVENTS changing a vCPU's SMM state: a vCPU ioctl,
 * so it runs while that vCPU is outside KVM_RUN (vcpu->mutex).  The vCPU is
 * made to return to userspace and wait there first, as QEMU's run_on_cpu
 * does; resetting its MMU context while it runs would pull the root from
 * under its fault handler.
 */
void vmm_set_smm(struct vm *vm, unsigned idx, bool on)
{
	struct sim *s = machine_sim(vm->m);
	struct sim_thread *t = vcpu_thread(machine_vcpu(vm->m, idx));
	bool was_paused = vm->paused;

	vm->paused = true;
	kvm_vcpu_kick_to_user(kvm_get_vcpu(vm->kvm, idx));
	for (;;) {
		bool out = sim_thread_done(t);
		for (unsigned i = 0; i < vm->npaused && !out; i++)
			out = vm->paused_threads[i] == t;
		if (out)
			break;
		sim_sleep_until(s, SIM_ACCT_WAIT, sim_now(s) + 200);
	}
	kvm_vcpu_set_smm(kvm_get_vcpu(vm->kvm, idx), on);
	if (!was_paused)
		vm_resume_guests(vm);
}

/*
 * QEMU's kvm_cpu_synchronize_kick_all: every vCPU leaves guest mode once
 * (its PML buffer drains into its ring on that exit) and the caller waits
 * until each has.  A vCPU has come out when KVM_RUN consumed the
 * immediate_exit the kick set; one whose guest already halted never will.
 */
static void kick_all_and_wait(struct vmm *v)
{
	struct vm *vm = v->vm;
	unsigned n = machine_nvcpus(vm->m);
	for (unsigned i = 0; i < n; i++)
		kvm_vcpu_kick_to_user(kvm_get_vcpu(vm->kvm, i));
	for (;;) {
		bool out = true;
		for (unsigned i = 0; i < n && out; i++)
			out = !kvm_vcpu_run_info(kvm_get_vcpu(vm->kvm, i))->immediate_exit ||
			      sim_thread_done(vcpu_thread(machine_vcpu(vm->m, i)));
		if (out)
			return;
		/* A condition variable in QEMU; polling costs nothing here
		 * but simulated time, which the wait takes anyway. */
		sim_sleep_until(v->s, SIM_ACCT_WAIT, sim_now(v->s) + 200);
	}
}

/*
 * Collects what KVM logged into @v->dirty, re-protecting it.  @kick: the
 * guest runs, so with rings first make every vCPU exit and wait for it.
 * The bitmap path kicks inside KVM (kvm_arch_sync_dirty_log) and, like
 * KVM, does not wait: a GPA still in a PML buffer then is harvested by a
 * later round (the final pass runs with every vCPU out).
 */
static void harvest(struct vmm *v, bool kick)
{
	struct vm *vm = v->vm;
	const struct params *p = vmm_params(v);
	if (p->mmu_dirty_log == DIRTY_LOG_RING) {
		cycles_t t0 = sim_now(v->s);
		if (kick)
			kick_all_and_wait(v);
		v->st.harvest += sim_now(v->s) - t0;
		reap(v);
		return;
	}
	cycles_t t0 = sim_now(v->s);
	if (vm_get_dirty_log(vm, v->logbuf) == 0) {
		/* Manual protect: GET only copied the bits; CLEAR takes them
		 * and re-protects those pages.  It must come before the copy,
		 * or a write between the copy and the CLEAR is lost. */
		if (p->mmu_manual_protect != MANUAL_PROTECT_OFF)
			vm_clear_dirty_log(vm, v->logbuf);
		for (uint64_t w = 0; w < v->nwords; w++)
			v->dirty[w] |= v->logbuf[w];
	}
	v->st.harvest += sim_now(v->s) - t0;
}

/* Moves the collected set into the pass's set; returns the pass's size. */
static uint64_t take_dirty(struct vmm *v)
{
	uint64_t n = 0;
	for (uint64_t w = 0; w < v->nwords; w++) {
		v->round[w] |= v->dirty[w];
		v->dirty[w] = 0;
		n += (uint64_t)__builtin_popcountll(v->round[w]);
	}
	return n;
}

/* ------------------------------------------------------------ copying */

/* The content version of guest page @gfn now; false if the host maps no
 * frame there (never touched, or reclaimed). */
static bool page_version(const struct vmm *v, uint64_t gfn, uint64_t *ver)
{
	uint64_t pfn;
	if (host_lookup(v->vm->host, v->vm->hva + (gfn << VMM_PAGE_SHIFT), &pfn,
			NULL, NULL)) {
		*ver = 0;
		return false;
	}
	*ver = host_frame_version(v->vm->host, pfn);
	return true;
}

/*
 * Copies page @gfn: a yield point (the copy reads the page as it is at
 * that moment in the global order), then vmm.copy_cycles.  *@skip is the
 * fault injection: counts down over pages that changed since their last
 * copy, and the one that brings it to zero is looked at but not sent.
 * Each copy is an event ("vmm.copy", gpa, destination's old -> new
 * version), so a counterexample shows what the VMM sent and when.
 */
static void copy_page(struct vmm *v, uint64_t gfn, uint64_t *skip)
{
	uint64_t ver;
	sim_yield(v->s, SIM_ACCT_OTHER, 0);
	page_version(v, gfn, &ver);
	v->seen[gfn] = ver;
	if (*skip && ver != v->copied[gfn] && --*skip == 0) {
		sim_log(v->s, "vmm.copy_skipped", gfn << VMM_PAGE_SHIFT,
			v->copied[gfn], ver);
	} else {
		sim_log(v->s, "vmm.copy", gfn << VMM_PAGE_SHIFT, v->copied[gfn], ver);
		v->copied[gfn] = ver;
		v->st.pages_copied++;
	}
	sim_charge(v->s, SIM_ACCT_OTHER, vmm_params(v)->vmm_copy_cycles);
}

/* Copies the pass's set, emptying it, with copy_page's fault injection
 * @skip (0 = none).  Returns the pages processed. */
static uint64_t copy_round(struct vmm *v, uint64_t skip)
{
	uint64_t k = 0;
	for (uint64_t w = 0; w < v->nwords; w++) {
		while (v->round[w]) {
			unsigned b = (unsigned)__builtin_ctzll(v->round[w]);
			v->round[w] &= v->round[w] - 1;
			k++;
			copy_page(v, w * 64 + b, &skip);
		}
	}
	return k;
}

/* ------------------------------------------------------------ oracles */

/* Before the final copy, guest stopped, @v->round = the final set. */
static void check_dirty_log(struct vmm *v)
{
	struct check *chk = v->vm->run->check;
	for (uint64_t gfn = 0; gfn < v->npages; gfn++) {
		uint64_t ver;
		if (test_bit64(v->round, gfn) || !page_version(v, gfn, &ver) ||
		    ver == v->seen[gfn])
			continue;
		check_report(chk, CHECK_DIRTY_LOG_MISS, gfn << VMM_PAGE_SHIFT,
			     "gpa %#llx was written during dirty logging (version "
			     "%llu, the VMM last saw %llu) and no harvest reported it",
			     (unsigned long long)(gfn << VMM_PAGE_SHIFT),
			     (unsigned long long)ver,
			     (unsigned long long)v->seen[gfn]);
	}
}

/* After the final copy: the destination must equal the stopped source. */
static void check_copies(struct vmm *v)
{
	struct check *chk = v->vm->run->check;
	for (uint64_t gfn = 0; gfn < v->npages; gfn++) {
		uint64_t ver;
		if (!page_version(v, gfn, &ver) || ver == v->copied[gfn])
			continue;
		check_report(chk, CHECK_LOST_MIGRATION_WRITE, gfn << VMM_PAGE_SHIFT,
			     "gpa %#llx: copied version %llu, source version %llu",
			     (unsigned long long)(gfn << VMM_PAGE_SHIFT),
			     (unsigned long long)v->copied[gfn],
			     (unsigned long long)ver);
	}
}

/* ----------------------------------------------------------- migration */

int vmm_live_migrate(struct vm *vm)
{
	struct vmm *v = vmm_get(vm);
	if (!v)
		return -ENOMEM;
	const struct params *p = vmm_params(v);
	struct sim *s = v->s;
	cycles_t t0 = sim_now(s);
	v->st.count++;
	/* Whatever earlier reaps left belongs to no migration. */
	memset(v->dirty, 0, v->nwords * sizeof(uint64_t));
	memset(v->round, 0, v->nwords * sizeof(uint64_t));
	vm_set_logging(vm, true);

	/* Bulk pass.  With initially-all-set nothing was protected by the
	 * enable: take the all-set log and CLEAR it first, so that each
	 * page is protected before it is copied (QEMU clears each chunk
	 * before sending it); the bulk pass copies those pages anyway. */
	if (p->mmu_manual_protect == MANUAL_PROTECT_INIT_SET &&
	    p->mmu_dirty_log != DIRTY_LOG_RING) {
		harvest(v, true);
		memset(v->dirty, 0, v->nwords * sizeof(uint64_t));
	}
	uint64_t no_skip = 0;
	memset(v->copied, 0xff, v->npages * sizeof(uint64_t));
	for (uint64_t gfn = 0; gfn < v->npages; gfn++)
		copy_page(v, gfn, &no_skip);

	/* Live rounds.  The set that ends them (small enough, or the round
	 * limit) is not copied live: it goes into the paused pass. */
	bool converged = false;
	for (uint64_t r = 0; r < p->vmm_migrate_max_rounds; r++) {
		harvest(v, true);
		uint64_t n = take_dirty(v);
		v->st.rounds++;
		hist_add(&v->dirty_per_round, n);
		if (n < p->vmm_migrate_threshold) {
			converged = true;
			break;
		}
		if (r + 1 == p->vmm_migrate_max_rounds)
			break;
		copy_round(v, 0);
	}
	v->st.converged = converged;

	/* Pause: every vCPU exits to userspace (draining PML into the log
	 * or its ring) and stops. */
	cycles_t pause = sim_now(s);
	vm_stop_guests(vm);
	vm_wait_guests(vm);
	harvest(v, false);
	take_dirty(v);
	check_dirty_log(v);
	v->st.final_pages += copy_round(v, p->vmm_migrate_skip_copy);
	check_copies(v);
	v->st.downtime += sim_now(s) - pause;
	v->st.total += sim_now(s) - t0;

	/* The source is done: stop logging, as QEMU's cleanup does. */
	vm_set_logging(vm, false);
	return 0;
}
