// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/kvmmu/mock_env.c — the mock world of mock_env.h.  Included by the
 * test and the benchmark (not part of the library).
 */
#include "tests/kvmmu/mock_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mock_rcu_cb {
	void (*fn)(struct env *, void *);
	void *arg;
	struct mock_rcu_cb *next;
};

struct mock_words {
	struct mock_words *next;
	u64 w[];
};

#define MOCK_ADDR_MASK (((1ULL << 52) - 1) & ~0xfffULL)

/* --------------------------------------------------------- lifetime */

/* The mock's own memory: zeroed malloc, never calloc, so that a test that
 * wraps calloc to fail kvmmu's allocations counts kvmmu's only.  The
 * memset goes through a volatile pointer: the compiler would otherwise
 * merge malloc and memset into a calloc. */
static void *(*volatile mock_memset)(void *, int, size_t) = memset;

static void *mock_zalloc(size_t size)
{
	void *p = malloc(size);

	if (p)
		mock_memset(p, 0, size);
	return p;
}

bool mock_alloc_fails(struct env *e)
{
	return ++e->allocs == e->alloc_fail_at;
}

struct env *mock_env_new(enum env_vendor vendor, unsigned nvcpus, unsigned npcpus)
{
	struct env *e = mock_zalloc(sizeof(*e));

	if (!e || nvcpus > MOCK_MAX_VCPUS)
		abort();
	e->vendor = vendor;
	e->nvcpus = nvcpus;
	e->npcpus = npcpus;
	e->check_pages = true;
	e->mark_pfn_min = UINT64_MAX;
	e->caps = (struct env_caps){
		.ept_ad = true,
		.pml = vendor == ENV_INTEL,
		.flush_by_asid = true,
		.tdp_levels = 4,
		.max_asid = 32767,
		.min_asid = 1,
		.tsc_khz = 3000000,
	};
	for (unsigned i = 0; i < nvcpus; i++) {
		e->vcpus[i].idx = i;
		e->vcpus[i].pcpu = i % (npcpus ? npcpus : 1);
	}
	return e;
}

void mock_env_free(struct env *e)
{
	mock_rcu_barrier(e);
	while (e->words) {
		struct mock_words *w = e->words;

		e->words = w->next;
		free(w);
	}
	for (size_t i = 0; i < e->live_cap; i++)
		if (e->live[i])
			free(e->live[i]);
	free(e->live);
	free(e);
}

void mock_map(struct env *e, hva_t hva, u64 npages, kvm_pfn_t pfn,
	      int host_level, bool writable)
{
	if (e->nregions == MOCK_MAX_REGIONS)
		abort();
	e->regions[e->nregions++] = (struct mock_region){ hva, npages, pfn,
							  host_level, writable };
}

void mock_set_script(struct env *e, unsigned vcpu,
		     const struct mock_access *script, size_t n)
{
	e->vcpus[vcpu].script = script;
	e->vcpus[vcpu].nscript = n;
	e->vcpus[vcpu].pos = 0;
}

void mock_set_current(struct env *e, int vcpu)
{
	e->current = vcpu < 0 ? NULL : &e->vcpus[vcpu];
}

void mock_migrate(struct env *e, unsigned vcpu, unsigned pcpu)
{
	e->vcpus[vcpu].pcpu = pcpu;
	e->vcpus[vcpu].migrated = true;
}

u64 mock_stat(struct env *e, const char *name)
{
	for (unsigned i = 0; i < e->nstats; i++)
		if (!strcmp(e->stats[i].name, name))
			return *e->stats[i].ctr;
	fprintf(stderr, "mock_stat: no stat %s\n", name);
	abort();
}

/* ------------------------------------------------------ time, asserts */

void env_charge(struct env *e, u64 cycles) { e->cycles += cycles; }
u64 env_now(struct env *e) { return e->cycles; }
/* No other thread to run: time passes. */
void env_sleep(struct env *e, u64 cycles) { e->cycles += cycles; }
void env_cost(struct env *e, enum env_cost c) { e->cycles += 10 + (u64)c; }

void env_assert_fail(struct env *e, const char *what, const char *file, int line)
{
	e->asserts++;
	if (e->assert_hook) {
		e->assert_hook(what, file, line);
		return;
	}
	fprintf(stderr, "%s:%d: kvmmu assertion failed: %s\n", file, line, what);
	abort();
}

/* --------------------------------------------------------- shared words */

static inline void hook(struct env *e, enum mock_op op, u64 *p)
{
	if (e->op_hook)
		e->op_hook(e, op, p, e->op_hook_arg);
}

u64 env_read(struct env *e, const u64 *p)
{
	hook(e, MOCK_READ, (u64 *)p);
	return *p;
}
void env_write(struct env *e, u64 *p, u64 v)
{
	hook(e, MOCK_WRITE, p);
	*p = v;
}
u64 env_xchg(struct env *e, u64 *p, u64 v)
{
	u64 old;

	hook(e, MOCK_XCHG, p);
	old = *p;
	*p = v;
	return old;
}
bool env_cmpxchg(struct env *e, u64 *p, u64 *old, u64 v)
{
	hook(e, MOCK_CMPXCHG, p);
	if (*p == *old) {
		*p = v;
		return true;
	}
	*old = *p;
	return false;
}
u64 env_fetch_or(struct env *e, u64 *p, u64 v)
{
	u64 old;

	hook(e, MOCK_OR, p);
	old = *p;
	*p = old | v;
	return old;
}
u64 env_fetch_and(struct env *e, u64 *p, u64 v)
{
	u64 old;

	hook(e, MOCK_AND, p);
	old = *p;
	*p = old & v;
	return old;
}

u64 *env_alloc_words(struct env *e, size_t n)
{
	struct mock_words *w;

	if (mock_alloc_fails(e))
		return NULL;
	w = mock_zalloc(sizeof(*w) + n * sizeof(u64));
	if (!w)
		abort();
	w->next = e->words;
	e->words = w;
	return w->w;
}

/* ------------------------------------------------- page-table pages */

static size_t live_hash(const void *p, size_t cap)
{
	return (size_t)(((uintptr_t)p >> 12) * 0x9e3779b97f4a7c15ULL) & (cap - 1);
}

static void live_insert(struct env *e, void *p)
{
	if (2 * (e->live_n + 1) > e->live_cap) {
		size_t ncap = e->live_cap ? 2 * e->live_cap : 1024;
		void **n = mock_zalloc(ncap * sizeof(void *));

		if (!n)
			abort();
		for (size_t i = 0; i < e->live_cap; i++) {
			if (!e->live[i])
				continue;
			size_t h = live_hash(e->live[i], ncap);

			while (n[h])
				h = (h + 1) & (ncap - 1);
			n[h] = e->live[i];
		}
		free(e->live);
		e->live = n;
		e->live_cap = ncap;
	}
	size_t h = live_hash(p, e->live_cap);

	while (e->live[h])
		h = (h + 1) & (e->live_cap - 1);
	e->live[h] = p;
	e->live_n++;
}

static size_t live_find(struct env *e, const void *p)
{
	if (!e->live_cap)
		return SIZE_MAX;
	for (size_t h = live_hash(p, e->live_cap); e->live[h];
	     h = (h + 1) & (e->live_cap - 1))
		if (e->live[h] == p)
			return h;
	return SIZE_MAX;
}

static void live_remove(struct env *e, size_t h)
{
	size_t cap = e->live_cap;

	e->live[h] = NULL;
	e->live_n--;
	/* Backward-shift deletion keeps probe chains intact. */
	for (size_t i = (h + 1) & (cap - 1); e->live[i]; i = (i + 1) & (cap - 1)) {
		void *q = e->live[i];
		size_t want = live_hash(q, cap);

		if (((i - want) & (cap - 1)) >= ((i - h) & (cap - 1))) {
			e->live[h] = q;
			e->live[i] = NULL;
			h = i;
		}
	}
}

/* Fast mode (no page checks): pages come from blocks of 512 and are
 * recycled through a free list, so the benchmark measures kvmmu rather
 * than the C library and the kernel's page zeroing. */
static void pool_grow(struct env *e, size_t n)
{
	struct mock_words *blk;
	char *base;

	blk = malloc(sizeof(*blk) + (n + 1) * 4096);
	if (!blk)
		abort();
	blk->next = e->words;
	e->words = blk;
	base = (char *)(((uintptr_t)blk->w + 4095) & ~(uintptr_t)4095);
	memset(base, 0, n * 4096);
	for (size_t i = 0; i < n; i++) {
		void **pg = (void **)(base + i * 4096);

		*pg = e->pool;
		e->pool = pg;
	}
}

void mock_reserve_pages(struct env *e, size_t n)
{
	pool_grow(e, n);
}

u64 *env_alloc_pt_page(struct env *e)
{
	u64 *p;

	if (mock_alloc_fails(e))
		return NULL;
	e->pt_allocated++;
	if (e->alloc_hook)
		e->alloc_hook(e, e->alloc_hook_arg);
	if (!e->check_pages) {
		if (!e->pool)
			pool_grow(e, 512);
		p = e->pool;
		e->pool = *(void **)p;
		memset(p, 0, 4096);
		return p;
	}
	p = aligned_alloc(4096, 4096);
	if (!p)
		abort();
	memset(p, 0, 4096);
	live_insert(e, p);
	return p;
}

void env_free_pt_page(struct env *e, u64 *page)
{
	if (e->check_pages) {
		size_t h = live_find(e, page);

		if (h == SIZE_MAX) {
			env_assert_fail(e, "free of a page-table page that is not live",
					__FILE__, __LINE__);
			return;
		}
		live_remove(e, h);
	}
	e->pt_freed++;
	if (!e->check_pages) {
		*(void **)page = e->pool;
		e->pool = page;
		return;
	}
	memset(page, 0xab, 4096);
	free(page);
}

u64 env_pt_pa(struct env *e, const u64 *page)
{
	(void)e;
	return (u64)(uintptr_t)page;
}

u64 *env_pt_va(struct env *e, u64 pa)
{
	u64 *p = (u64 *)(uintptr_t)pa;

	if (e->check_pages && live_find(e, p) == SIZE_MAX)
		env_assert_fail(e, "walk into a page-table page that is not live",
				__FILE__, __LINE__);
	return p;
}

/* ------------------------------------------------------- lock, RCU */

void env_read_lock(struct env *e)
{
	if (e->writer)
		env_assert_fail(e, "read_lock while holding the write lock", __FILE__, __LINE__);
	e->readers++;
}
void env_read_unlock(struct env *e)
{
	if (e->readers <= 0)
		env_assert_fail(e, "read_unlock without the lock", __FILE__, __LINE__);
	e->readers--;
}
void env_write_lock(struct env *e)
{
	if (e->writer || e->readers)
		env_assert_fail(e, "write_lock would deadlock", __FILE__, __LINE__);
	e->writer = true;
}
void env_write_unlock(struct env *e)
{
	if (!e->writer)
		env_assert_fail(e, "write_unlock without the lock", __FILE__, __LINE__);
	e->writer = false;
}
bool env_lock_held_read(struct env *e) { return e->readers > 0; }
bool env_lock_held_write(struct env *e) { return e->writer; }
bool env_lock_needbreak(struct env *e) { (void)e; return false; }
bool env_need_resched(struct env *e)
{
	e->resched_calls++;
	if (e->resched_at && e->resched_calls == e->resched_at)
		return true;
	return e->resched_every && e->resched_calls % e->resched_every == 0;
}
void env_cond_resched(struct env *e)
{
	e->cond_resched++;
	if (e->resched_hook)
		e->resched_hook(e, e->resched_hook_arg);
}

void env_rcu_read_lock(struct env *e) { e->rcu_nesting++; }
void env_rcu_read_unlock(struct env *e)
{
	if (e->rcu_nesting <= 0)
		env_assert_fail(e, "rcu_read_unlock without rcu_read_lock", __FILE__, __LINE__);
	e->rcu_nesting--;
}
bool env_rcu_read_held(struct env *e) { return e->rcu_nesting > 0; }

void env_call_rcu(struct env *e, void (*fn)(struct env *, void *), void *arg)
{
	struct mock_rcu_cb *cb = malloc(sizeof(*cb));

	if (!cb)
		abort();
	cb->fn = fn;
	cb->arg = arg;
	cb->next = e->rcu_cbs;
	e->rcu_cbs = cb;
	e->rcu_pending++;
}

void mock_rcu_barrier(struct env *e)
{
	while (e->rcu_cbs) {
		struct mock_rcu_cb *cb = e->rcu_cbs;

		e->rcu_cbs = cb->next;
		e->rcu_pending--;
		cb->fn(e, cb->arg);
		free(cb);
	}
}

void env_synchronize_rcu(struct env *e)
{
	if (e->rcu_nesting)
		env_assert_fail(e, "synchronize_rcu inside a read section", __FILE__, __LINE__);
	mock_rcu_barrier(e);
}

/* ------------------------------------------------- host memory, folios */

static const struct mock_region *find_region(struct env *e, hva_t hva)
{
	for (unsigned i = 0; i < e->nregions; i++) {
		const struct mock_region *r = &e->regions[i];

		if (hva >= r->hva && hva < r->hva + (r->npages << 12))
			return r;
	}
	return NULL;
}

int env_faultin_pfn(struct env *e, hva_t hva, bool write, struct env_pfn *out)
{
	const struct mock_region *r = find_region(e, hva);

	(void)write;
	if (!r)
		return -EFAULT;
	out->pfn = r->pfn + ((hva - r->hva) >> 12);
	out->writable = r->writable;
	out->host_level = r->host_level;
	return 0;
}

int env_host_mapping_level(struct env *e, hva_t hva)
{
	const struct mock_region *r = find_region(e, hva);

	return r ? r->host_level : 1;
}

void env_folio_mark_dirty(struct env *e, kvm_pfn_t pfn, enum env_dirty_why why)
{
	e->mark_dirty[why]++;
	if (why == ENV_DIRTY_ZAP) {
		if (pfn < e->mark_pfn_min)
			e->mark_pfn_min = pfn;
		if (pfn > e->mark_pfn_max)
			e->mark_pfn_max = pfn;
	}
}

void env_folio_mark_accessed(struct env *e, kvm_pfn_t pfn)
{
	(void)pfn;
	e->mark_accessed++;
}

/* ------------------------------------------------------- vCPUs, IPIs */

unsigned env_nr_vcpus(struct env *e) { return e->nvcpus; }
struct env_vcpu *env_vcpu(struct env *e, unsigned idx) { return &e->vcpus[idx]; }
struct env_vcpu *env_current_vcpu(struct env *e) { return e->current; }
/* Tests call KVM as the simulated thread they play (e->current says which
 * vCPU, if any). */
bool env_on_thread(struct env *e) { return true; }
unsigned env_vcpu_pcpu(struct env_vcpu *v) { return v->pcpu; }
unsigned env_nr_pcpus(struct env *e) { return e->npcpus; }

void env_kick_vcpu(struct env *e, struct env_vcpu *target, bool wait)
{
	(void)target;
	e->kicks++;
	if (wait)
		e->kicks_wait++;
	if (e->writer)
		e->kicks_in_write_lock++;
}

void env_kick_vcpus(struct env *e, struct env_vcpu *const *targets, unsigned n,
		    bool wait)
{
	for (unsigned i = 0; i < n; i++)
		env_kick_vcpu(e, targets[i], wait);
}

bool env_vcpu_migrated(struct env_vcpu *v)
{
	bool m = v->migrated;

	v->migrated = false;
	return m;
}

/* ----------------------------------------------- VMX/SVM, instructions */

enum env_vendor env_vendor(struct env *e) { return e->vendor; }
const struct env_caps *env_caps(struct env *e) { return &e->caps; }
struct env_vmcs *env_vcpu_vmcs(struct env_vcpu *v) { return &v->vmcs; }

static void log_flush(struct env *e, int what, int type, u64 arg)
{
	e->flushes[e->nflushes % MOCK_LOG] = (struct mock_flush){ what, type, arg };
	e->nflushes++;
}

void env_invept(struct env *e, enum env_invept type, u64 eptp)
{
	e->invept++;
	log_flush(e, 'E', type, eptp);
}

void env_invvpid(struct env *e, enum env_invvpid type, u16 vpid, u64 gva)
{
	(void)gva;
	e->invvpid++;
	log_flush(e, 'V', type, vpid);
}

void env_hv_flush_guest_mapping(struct env *e, u64 root)
{
	e->hv_flushes++;
	log_flush(e, 'H', 0, root);
}

/* ------------------------------------------------------- the hardware */

/* PML: log @gpa, or report full (the access must not happen). */
static bool pml_log(struct env_vcpu *v, gpa_t gpa)
{
	if (v->vmcs.pml_index > 511)
		return false;
	v->vmcs.pml_page[v->vmcs.pml_index] = gpa & ~0xfffULL;
	v->vmcs.pml_index--; /* 0 - 1 = 0xFFFF: full */
	return true;
}

bool mock_hw_access(struct env *e, struct env_vcpu *v, gpa_t gpa, bool write,
		    bool exec, struct env_exit *exit)
{
	bool intel = e->vendor == ENV_INTEL;
	u64 acc = write ? 2 : exec ? 4 : 1;
	u64 base, *path[5];
	int levels, n = 0, level;
	u64 rwx = 7;      /* EPT: AND of RWX; NPT: bit0 P, bit1 RW, bit2 US */
	bool nx = false, ad;

	if (intel) {
		base = v->vmcs.eptp & MOCK_ADDR_MASK;
		levels = (int)((v->vmcs.eptp >> 3) & 7) + 1;
		ad = v->vmcs.eptp & (1ULL << 6);
	} else {
		base = v->vmcs.ncr3 & MOCK_ADDR_MASK;
		levels = e->caps.tdp_levels;
		ad = true;
	}
	exit->gpa = gpa;
	for (level = levels;; level--) {
		u64 *pt = env_pt_va(e, base);
		u64 *ep = &pt[(gpa >> (12 + 9 * (level - 1))) & 511];
		u64 ent = *ep;

		if (intel) {
			if (!(ent & 7)) {
				exit->reason = ENV_EXIT_EPT_VIOLATION;
				exit->qual = acc;
				return false;
			}
			if (!(ent & 1)) { /* W or X without R */
				exit->reason = ENV_EXIT_EPT_MISCONFIG;
				exit->qual = 0;
				return false;
			}
			rwx &= ent & 7;
		} else {
			if (!(ent & 1)) {
				exit->reason = ENV_EXIT_NPF;
				exit->qual = (write ? 2 : 0) | 4 | (exec ? 0x10 : 0) | (1ULL << 32);
				return false;
			}
			if (ent & (1ULL << 51)) {
				exit->reason = ENV_EXIT_NPF;
				exit->qual = 1 | 8 | (write ? 2 : 0) | 4 | (1ULL << 32);
				return false;
			}
			rwx &= ent & 7;
			nx |= (ent >> 63) & 1;
		}
		path[n++] = ep;
		if (level == 1 || (ent & (1ULL << 7)))
			break;
		base = ent & MOCK_ADDR_MASK;
	}

	/* Permissions of the whole walk. */
	if (intel) {
		if (!(rwx & acc)) {
			exit->reason = ENV_EXIT_EPT_VIOLATION;
			exit->qual = acc | (rwx << 3);
			return false;
		}
	} else if ((write && !(rwx & 2)) || (exec && nx) || !(rwx & 4)) {
		exit->reason = ENV_EXIT_NPF;
		exit->qual = 1 | (write ? 2 : 0) | 4 | (exec ? 0x10 : 0) | (1ULL << 32);
		return false;
	}

	if (ad) {
		u64 a = intel ? 1ULL << 8 : 1ULL << 5;
		u64 d = intel ? 1ULL << 9 : 1ULL << 6;
		u64 *leaf = path[n - 1];
		bool set_d = write && !(*leaf & d);
		bool update = set_d;

		for (int i = 0; i < n; i++)
			update |= !(*path[i] & a);
		/* PML checks before setting any flag; a full buffer stops the
		 * access.  Only D going 0 -> 1 on the leaf is logged. */
		if (update && v->vmcs.pml_enabled && v->vmcs.pml_index > 511) {
			exit->reason = ENV_EXIT_PML_FULL;
			exit->qual = 0;
			return false;
		}
		for (int i = 0; i < n; i++)
			if (!(*path[i] & a))
				env_fetch_or(e, path[i], a);
		if (set_d) {
			env_fetch_or(e, leaf, d);
			if (v->vmcs.pml_enabled)
				pml_log(v, gpa);
		}
	}
	return true;
}

void env_vcpu_run_guest(struct env *e, struct env_vcpu *v, struct env_exit *exit)
{
	struct mock_vmrun *r = &v->runs[v->nruns++ % MOCK_LOG];

	*r = (struct mock_vmrun){ v->pcpu, v->vmcs.asid, v->vmcs.tlb_ctl,
				  v->vmcs.eptp, v->vmcs.ncr3 };
	v->vmcs.tlb_ctl = ENV_TLB_CTL_NONE; /* consumed by VMRUN */
	if (v->kick_pending) {
		v->kick_pending = false;
		exit->reason = ENV_EXIT_EXTINT;
		v->exits[ENV_EXIT_EXTINT]++;
		return;
	}
	while (v->pos < v->nscript) {
		const struct mock_access *a = &v->script[v->pos];

		if (!mock_hw_access(e, v, a->gpa, a->write, a->exec, exit)) {
			v->exits[exit->reason]++;
			return;
		}
		v->pos++;
	}
	exit->reason = ENV_EXIT_HLT;
	exit->gpa = 0;
	exit->qual = 0;
	v->exits[ENV_EXIT_HLT]++;
}

void env_vcpu_emulate_access(struct env *e, struct env_vcpu *v, gpa_t gpa,
			     hva_t hva)
{
	(void)e, (void)gpa, (void)hva;
	v->emulated++;
	v->pos++;
}

void env_stat_register(struct env *e, const char *name, u64 *counter)
{
	if (e->nstats == MOCK_MAX_STATS)
		abort();
	e->stats[e->nstats].name = name;
	e->stats[e->nstats].ctr = counter;
	e->nstats++;
}
