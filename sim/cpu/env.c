// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/env.h on the simulated machine: the kernel KVM runs in.
 *
 * Shared words and SPTEs go through the engine's primitives (each a yield
 * point), mmu_lock is an engine rwlock, RCU is the engine's, page-table
 * pages and folios are sim/host's, kicks are cpu.c's IPIs, and the TLB
 * instructions act on the current pCPU's sim/tlb.
 */
#include "sim/cpu/cpu_int.h"
#include "sim/host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct env {
	struct machine *m;
	struct sim *s;
	struct host *h;
	struct sim_rwlock *mmu_lock;
	struct env_caps caps;
	cycles_t cost[ENV_NCOST];
	struct rng resched_rng;
	struct {
		uint64_t mark_dirty_map, mark_dirty_zap,
			mark_accessed, invept, invvpid, hv_flushes, asserts;
	} ctr;
};

struct env *env_new(struct machine *m, char *err, size_t errlen)
{
	const struct cpu_params *p = m->p;
	struct env *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->m = m;
	e->s = m->sim;
	e->h = m->host;
	e->mmu_lock = sim_rwlock_new(m->sim, "mmu_lock");
	e->caps.ept_ad = p->cpu_ept_ad;
	e->caps.pml = p->cpu_vendor == VENDOR_INTEL ? p->cpu_pml != 0 : p->svm_pml != 0;
	e->caps.flush_by_asid = p->svm_flush_by_asid;
	e->caps.tdp_levels = (int)p->cpu_tdp_levels;
	e->caps.maxphyaddr = (int)m->walk.walk_maxphyaddr;
	e->caps.max_asid = (u32)p->svm_max_asid;
	e->caps.min_asid = (u32)p->svm_min_asid;
	e->caps.hv_enlightened_npt_tlb = p->cpu_vendor == VENDOR_AMD &&
		m->hv_enlightened_npt_tlb;
	e->caps.tsc_khz = p->cpu_mhz * 1000;
	e->cost[ENV_COST_FAULT] = p->lat_kvm_fault;
	e->cost[ENV_COST_SPTE_STEP] = p->lat_kvm_spte_step;
	e->cost[ENV_COST_MAKE_SPTE] = p->lat_kvm_make_spte;
	e->cost[ENV_COST_REQUEST] = p->lat_kvm_request;
	e->cost[ENV_COST_ROOT_ALLOC] = p->lat_kvm_root_alloc;
	e->cost[ENV_COST_GFN_TO_PFN] = p->lat_kvm_gfn_to_pfn;
	e->cost[ENV_COST_DIRTY_LOG] = p->lat_kvm_dirty_log;
	sim_rng_stream(m->sim, &e->resched_rng, 0x7265736368ull);

	struct stats *st = sim_stats(m->sim);
	stats_counter(st, "folio.mark_dirty.map", &e->ctr.mark_dirty_map);
	stats_counter(st, "folio.mark_dirty.zap", &e->ctr.mark_dirty_zap);
	stats_counter(st, "folio.mark_accessed", &e->ctr.mark_accessed);
	stats_counter(st, "invept", &e->ctr.invept);
	stats_counter(st, "invvpid", &e->ctr.invvpid);
	stats_counter(st, "hv.flush_gpa_space", &e->ctr.hv_flushes);
	stats_counter(st, "kvm.asserts", &e->ctr.asserts);
	return e;
}

void env_free(struct env *e)
{
	if (!e)
		return;
	sim_rwlock_free(e->mmu_lock);
	free(e);
}

/* ------------------------------------------------------------- time, cost */

void env_charge(struct env *e, u64 cycles)
{
	sim_charge(e->s, e->m->acct.kvm, cycles);
}

bool env_on_thread(struct env *e) { return sim_self(e->s) != NULL; }
u64 env_now(struct env *e) { return sim_now(e->s); }

void env_sleep(struct env *e, u64 cycles)
{
	u64 now = sim_now(e->s);

	sim_daemon_release(e->s);
	sim_sleep_until(e->s, SIM_ACCT_SLEEP,
			cycles > UINT64_MAX - now ? UINT64_MAX : now + cycles);
	sim_daemon_hold(e->s);
}

void env_cost(struct env *e, enum env_cost c)
{
	sim_charge(e->s, e->m->acct.kvm, e->cost[c]);
}

void env_assert_fail(struct env *e, const char *what, const char *file, int line)
{
	e->ctr.asserts++;
	check_report(e->m->check, CHECK_MODEL_ASSERT, 0, "%s:%d: %s", file,
		     line, what);
}

/* A kernel tree's WARN is a finding (the kernel-warn oracle); a BUG
 * stops the simulation after reporting, as the kernel would stop there. */
void env_kernel_warn(struct env *e, const char *file, int line,
		     const char *cond, bool fatal)
{
	check_report(e->m->check, CHECK_KERNEL_WARN, 0, "%s:%d: %s%s", file,
		     line, cond, fatal ? " (BUG: the run stops)" : "");
	if (fatal)
		sim_stop(e->s);
}

/* ----------------------------------------------------- shared words, SPTEs */

u64 env_read(struct env *e, const u64 *p) { return sim_load(e->s, p); }
void env_write(struct env *e, u64 *p, u64 v) { sim_store(e->s, p, v); }
u64 env_xchg(struct env *e, u64 *p, u64 v) { return sim_xchg(e->s, p, v); }
bool env_cmpxchg(struct env *e, u64 *p, u64 *old, u64 v)
{
	return sim_cmpxchg(e->s, p, old, v);
}
u64 env_fetch_or(struct env *e, u64 *p, u64 v) { return sim_fetch_or(e->s, p, v); }
u64 env_fetch_and(struct env *e, u64 *p, u64 v) { return sim_fetch_and(e->s, p, v); }

u64 *env_alloc_words(struct env *e, size_t n)
{
	return sim_mem_alloc(e->s, n * sizeof(u64));
}

u64 *env_alloc_pt_page(struct env *e) { return host_pt_alloc(e->h); }
void env_free_pt_page(struct env *e, u64 *page) { host_pt_free(e->h, page); }

u64 env_pt_pa(struct env *e, const u64 *page) { return sim_pa(e->s, page); }
u64 *env_pt_va(struct env *e, u64 pa) { return sim_va(e->s, pa); }

/* ------------------------------------------------- mmu_lock, RCU, resched */

void env_read_lock(struct env *e) { sim_read_lock(e->s, e->mmu_lock); }
void env_read_unlock(struct env *e) { sim_read_unlock(e->s, e->mmu_lock); }
void env_write_lock(struct env *e) { sim_write_lock(e->s, e->mmu_lock); }
void env_write_unlock(struct env *e) { sim_write_unlock(e->s, e->mmu_lock); }
bool env_lock_held_read(struct env *e)
{
	return sim_rwlock_held_read(e->s, e->mmu_lock);
}
bool env_lock_held_write(struct env *e)
{
	return sim_rwlock_held_write(e->s, e->mmu_lock);
}
bool env_lock_needbreak(struct env *e) { return sim_rwlock_contended(e->mmu_lock); }

/* In explore mode the scheduler sometimes wants the CPU back, so the
 * yielding paths of the TDP MMU (and their bugs, E1/E4) get exercised. */
bool env_need_resched(struct env *e)
{
	if (sim_params(e->s)->sim_mode != MODE_EXPLORE)
		return false;
	return rng_below(&e->resched_rng, 64) == 0;
}

void env_cond_resched(struct env *e) { sim_yield(e->s, e->m->acct.kvm, 0); }

void env_rcu_read_lock(struct env *e) { sim_rcu_read_lock(e->s); }
void env_rcu_read_unlock(struct env *e) { sim_rcu_read_unlock(e->s); }
bool env_rcu_read_held(struct env *e) { return sim_rcu_read_held(e->s); }

struct rcu_tramp {
	struct env *e;
	void (*fn)(struct env *, void *);
	void *arg;
};

static void rcu_tramp(struct sim *s, void *arg)
{
	struct rcu_tramp t = *(struct rcu_tramp *)arg;
	free(arg);
	t.fn(t.e, t.arg);
}

void env_call_rcu(struct env *e, void (*fn)(struct env *, void *), void *arg)
{
	struct rcu_tramp *t = malloc(sizeof(*t));
	if (!t)
		abort();
	*t = (struct rcu_tramp){ e, fn, arg };
	sim_call_rcu(e->s, rcu_tramp, t);
}

void env_synchronize_rcu(struct env *e) { sim_synchronize_rcu(e->s); }

/* --------------------------------------------------- host memory, folios */

int env_faultin_pfn(struct env *e, hva_t hva, bool write, struct env_pfn *out)
{
	env_cost(e, ENV_COST_GFN_TO_PFN);
	if (host_faultin(e->h, hva, write, &out->pfn, &out->host_level,
			 &out->writable) < 0)
		return -EFAULT;
	return 0;
}

int env_host_mapping_level(struct env *e, hva_t hva)
{
	return host_mapping_level(e->h, hva);
}

/*
 * Oracle 3 on KVM's own side: KVM hands a folio its dirtiness or age
 * through an SPTE (or a fault's pfn), which the mmu_notifier protocol keeps
 * valid until the host frees the folio.  A free frame here means an SPTE
 * outlived the invalidation that should have zapped it: the use-after-free
 * of KVM_FACTS E4/E5.  (A frame already reused by another folio goes
 * unnoticed.)
 */
static void folio_freed(struct env *e, kvm_pfn_t pfn, const char *what)
{
	check_report(e->m->check, CHECK_STALE_TRANSLATION, pfn << 12,
		     "KVM marks frame %#llx %s after the host freed it: an SPTE "
		     "outlived the mmu_notifier invalidation",
		     (unsigned long long)pfn, what);
}

void env_folio_mark_dirty(struct env *e, kvm_pfn_t pfn, enum env_dirty_why why)
{
	if (why == ENV_DIRTY_MAP)
		e->ctr.mark_dirty_map++;
	else
		e->ctr.mark_dirty_zap++;
	if (host_folio_mark_dirty(e->h, pfn) == -ENOENT)
		folio_freed(e, pfn, "dirty");
}

void env_folio_mark_accessed(struct env *e, kvm_pfn_t pfn)
{
	e->ctr.mark_accessed++;
	if (host_folio_set_flags(e->h, pfn, FOLIO_YOUNG) == -ENOENT)
		folio_freed(e, pfn, "accessed");
}

/* ---------------------------------------------------------- vCPUs, IPIs */

unsigned env_nr_vcpus(struct env *e) { return e->m->nvcpus; }
struct env_vcpu *env_vcpu(struct env *e, unsigned idx)
{
	return (struct env_vcpu *)machine_vcpu(e->m, idx);
}

struct env_vcpu *env_current_vcpu(struct env *e)
{
	struct sim_thread *t = sim_self(e->s);
	for (unsigned i = 0; i < e->m->nvcpus; i++)
		if (e->m->vcpus[i].thread == t)
			return (struct env_vcpu *)&e->m->vcpus[i];
	return NULL;
}

unsigned env_vcpu_pcpu(struct env_vcpu *v) { return ((struct vcpu *)v)->pcpu; }
unsigned env_nr_pcpus(struct env *e) { return e->m->npcpus; }

void env_kick_vcpu(struct env *e, struct env_vcpu *target, bool wait)
{
	cpu_kick(e->m, (struct vcpu *)target, wait);
}

void env_kick_vcpus(struct env *e, struct env_vcpu *const *targets, unsigned n,
		    bool wait)
{
	cpu_kick_many(e->m, (struct vcpu *const *)targets, n, wait);
}

/* ------------------------------------- VMX/SVM control state, instructions */

enum env_vendor env_vendor(struct env *e)
{
	return e->m->p->cpu_vendor == VENDOR_AMD ? ENV_AMD : ENV_INTEL;
}

const struct env_caps *env_caps(struct env *e) { return &e->caps; }

struct env_vmcs *env_vcpu_vmcs(struct env_vcpu *v) { return &((struct vcpu *)v)->vmcs; }

/* The pCPU the calling thread runs on: a vCPU's, or pCPU 0 for host
 * threads (they model work on some CPU; TLB instructions there act on it). */
static struct tlb *current_tlb(struct env *e)
{
	struct vcpu *v = (struct vcpu *)env_current_vcpu(e);
	return e->m->pcpus[v ? v->pcpu : 0].tlb;
}

void env_invept(struct env *e, enum env_invept type, u64 eptp)
{
	struct tlb_flush f = {
		.type = type == ENV_INVEPT_SINGLE ? TLB_INVEPT_SINGLE : TLB_INVEPT_GLOBAL,
		.tag = { .ep4ta = eptp },
	};
	e->ctr.invept++;
	sim_log(e->s, "invept", eptp, type, 0);
	tlb_flush(current_tlb(e), &f);
}

void env_invvpid(struct env *e, enum env_invvpid type, u16 vpid, u64 gva)
{
	static const enum tlb_flush_type map[] = {
		[ENV_INVVPID_ADDR] = TLB_INVVPID_ADDR,
		[ENV_INVVPID_SINGLE] = TLB_INVVPID_SINGLE,
		[ENV_INVVPID_ALL] = TLB_INVVPID_ALL,
		[ENV_INVVPID_SINGLE_NONGLOBAL] = TLB_INVVPID_SINGLE_KEEP_GLOBAL,
	};
	struct tlb_flush f = { .type = map[type], .tag = { .vpid = vpid }, .addr = gva };
	e->ctr.invvpid++;
	sim_log(e->s, "invvpid", gva, type, vpid);
	tlb_flush(current_tlb(e), &f);
}

void env_hv_flush_guest_mapping(struct env *e, u64 root)
{
	/* AMD entries carry no nCR3: the flush drops every address space's
	 * guest-physical entries, more than Hyper-V must (harmless). */
	struct tlb_flush f = { .type = TLB_AMD_HV_FLUSH_GPA_SPACE };
	if (!e->caps.hv_enlightened_npt_tlb) {
		env_assert_fail(e, "Hyper-V hypercall without EnlightenedNptTlb",
				__FILE__, __LINE__);
		return;
	}
	e->ctr.hv_flushes++;
	sim_log(e->s, "hv_flush", root, 0, 0);
	for (unsigned i = 0; i < e->m->npcpus; i++)
		tlb_flush(e->m->pcpus[i].tlb, &f);
	sim_charge(e->s, e->m->acct.kvm, e->m->p->lat_hv_flush);
}

bool env_vcpu_migrated(struct env_vcpu *ev)
{
	struct vcpu *v = (struct vcpu *)ev;
	bool r = v->migrated;
	v->migrated = false;
	return r;
}

void env_stat_register(struct env *e, const char *name, u64 *counter)
{
	stats_counter(sim_stats(e->s), name, counter);
}
