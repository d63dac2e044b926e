// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/tdp_mmu.c — KVM's TDP MMU: roots, SPTE updates and their side
 * effects, the fault-path map, zaps, dirty-logging walks, eager splitting
 * and huge-page recovery.
 *
 * Locking.  mmu_lock for read ("shared") lets faults, zaps of invalid
 * roots, dirty-logging passes and splits run concurrently: they change
 * SPTEs only with cmpxchg against the value they read, and give up or retry
 * when they lose.  mmu_lock for write ("exclusive") excludes those, but not
 * fast_page_fault (which sets W / restores access-tracked SPTEs with a
 * lockless cmpxchg) nor the CPU (which sets A/D), so exclusive writers still
 * use an atomic exchange on SPTEs with volatile bits.  Every walk runs under
 * RCU; a table unlinked by one thread is freed only after a grace period, so
 * a concurrent walker standing in it reads stale but valid memory.
 */
#include "kvmmu/tdp_mmu.h"

#include <errno.h>
#include <stdlib.h>

#include "kvmmu/tdp_iter.h"

/* Reports an SPTE that breaks an invariant of spte.h (a KVM WARN). */
#define check_spte(kvm, spte, level)                                           \
	do {                                                                   \
		const char *why__ = spte_check(&(kvm)->m, (spte), (level));    \
		if (why__)                                                     \
			env_assert_fail((kvm)->env, why__, __FILE__, __LINE__); \
	} while (0)

/*
 * Asserts mmu_lock is held, for read if @shared, else for write.  Returns
 * true, so that the root iterators below assert the lock as a loop
 * condition, on every step and on the final test, not just once at entry.
 */
static inline bool kvm_lockdep_assert_mmu_lock_held(struct kvm *kvm, bool shared)
{
	if (shared)
		lockdep_assert_held_read(kvm->env);
	else
		lockdep_assert_held_write(kvm->env);
	return true;
}

/* Asserts mmu_lock is held in either mode; true, as above. */
static inline bool kvm_lockdep_assert_mmu_lock_held_any(struct kvm *kvm)
{
	lockdep_assert_held(kvm->env);
	return true;
}

static inline int kvm_mmu_page_as_id(const struct kvm_mmu_page *sp)
{
	return kvm_mmu_role_as_id(sp->role);
}

/* Bound walks at 52-bit GPAs; the root's own reach ends them earlier. */
static inline gfn_t tdp_mmu_max_gfn_exclusive(void)
{
	return 1ULL << (52 - PAGE_SHIFT);
}

static void kvm_update_page_stats(struct kvm *kvm, int level, long delta)
{
	u64 *ctr = level == PG_LEVEL_4K ? &kvm->stat.pages_4k :
		   level == PG_LEVEL_2M ? &kvm->stat.pages_2m :
					  &kvm->stat.pages_1g;
	*ctr += (u64)delta;
}

static u64 *spte_to_child_pt(struct kvm *kvm, u64 spte, int level)
{
	if (!is_shadow_present_pte(spte) || is_last_spte(spte, level))
		return NULL;
	return env_pt_va(kvm->env, spte & SPTE_BASE_ADDR_MASK);
}

/* The walk of one root. */
#define for_each_tdp_pte_min_level(_iter, _kvm, _root, _min_level, _start, _end) \
	for (tdp_iter_start(&(_iter), (_kvm)->env, (_root)->spt,                \
			    (_root)->role.level, kvm_mmu_page_as_id(_root),     \
			    (_min_level), (_start),                             \
			    (_kvm)->pol.mmu_iter_restart ==                     \
				    KVMMU_ITER_RESTART_STEP_SIDE);              \
	     (_iter).valid && (_iter).gfn < (_end); tdp_iter_next(&(_iter)))

#define for_each_tdp_pte(_iter, _kvm, _root, _start, _end)                    \
	for_each_tdp_pte_min_level(_iter, _kvm, _root, PG_LEVEL_4K, _start, _end)

#define tdp_root_for_each_leaf_pte(_iter, _kvm, _root, _start, _end)          \
	for_each_tdp_pte(_iter, _kvm, _root, _start, _end)                     \
		if (!is_shadow_present_pte((_iter).old_spte) ||                \
		    !is_last_spte((_iter).old_spte, (_iter).level))            \
			continue;                                              \
		else

/* --------------------------------------------------------------- roots */

/* ------------------------------------------------- page-table headers */

/*
 * page_private() for kvmmu's page tables.  Linux finds a table's struct
 * kvm_mmu_page through the struct page of the table's frame
 * (to_shadow_page(__pa(sptep))); here an index keyed by the table's host
 * physical address stands in for the struct page array.  Like that array
 * it must outlive the VM: a header whose table waits out an RCU grace
 * period is freed by its callback, which may run after kvm_destroy_vm, so
 * the index is freed by whichever of the VM and its last header goes last.
 * Plain memory: only KVM reads it, and no env call happens inside.
 */
struct kvm_mmu_page_index {
	struct kvm_mmu_page **bucket;
	u64 mask;       /* buckets - 1 */
	u64 nr;         /* headers indexed */
	bool vm_gone;   /* kvm_mmu_uninit_tdp_mmu has run */
};

static u64 sp_index_hash(const struct kvm_mmu_page_index *ix, u64 pa)
{
	return ((pa >> PAGE_SHIFT) * 0x9E3779B97F4A7C15ULL >> 32) & ix->mask;
}

/*
 * Doubles the buckets.  The index works at any load, so when there is no
 * memory for more buckets it keeps the ones it has (longer chains, no
 * failure): only the first allocation, kvm_mmu_init_tdp_mmu's, can fail.
 */
static void sp_index_grow(struct kvm_mmu_page_index *ix)
{
	u64 old_n = ix->mask + 1;
	u64 n = 2 * old_n;
	struct kvm_mmu_page **old = ix->bucket;

	ix->bucket = calloc(n, sizeof(*ix->bucket));
	if (!ix->bucket) {
		ix->bucket = old;
		return;
	}
	ix->mask = n - 1;
	for (u64 i = 0; i < old_n; i++) {
		while (old[i]) {
			struct kvm_mmu_page *sp = old[i];
			u64 h = sp_index_hash(ix, sp->hpa);

			old[i] = sp->index_next;
			sp->index_next = ix->bucket[h];
			ix->bucket[h] = sp;
		}
	}
	free(old);
}

/* set_page_private(virt_to_page(sp->spt), sp) */
static void sp_index_add(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	struct kvm_mmu_page_index *ix = kvm->sp_index;
	u64 h;

	if (ix->nr > ix->mask)
		sp_index_grow(ix);
	h = sp_index_hash(ix, sp->hpa);
	sp->index = ix;
	sp->index_next = ix->bucket[h];
	ix->bucket[h] = sp;
	ix->nr++;
}

static void sp_index_del(struct kvm_mmu_page *sp)
{
	struct kvm_mmu_page_index *ix = sp->index;
	struct kvm_mmu_page **pp;

	if (!ix)
		return;
	for (pp = &ix->bucket[sp_index_hash(ix, sp->hpa)]; *pp != sp;
	     pp = &(*pp)->index_next)
		;
	*pp = sp->index_next;
	sp->index = NULL;
	if (--ix->nr == 0 && ix->vm_gone) {
		free(ix->bucket);
		free(ix);
	}
}

struct kvm_mmu_page *sptep_to_sp(struct kvm *kvm, const u64 *sptep)
{
	const struct kvm_mmu_page_index *ix = kvm->sp_index;
	u64 pa = env_pt_pa(kvm->env, sptep) & ~(u64)(PAGE_SIZE - 1);
	struct kvm_mmu_page *sp = NULL;

	for (sp = ix->bucket[sp_index_hash(ix, pa)]; sp && sp->hpa != pa;
	     sp = sp->index_next)
		;
	/* Every table KVM links or walks has its header (a KVM_BUG_ON). */
	if (!sp)
		env_assert_fail(kvm->env, "page table without a kvm_mmu_page",
				__FILE__, __LINE__);
	return sp;
}

struct kvm_mmu_page *spte_to_child_sp(struct kvm *kvm, u64 spte, int level)
{
	u64 *child_pt = spte_to_child_pt(kvm, spte, level);

	return child_pt ? sptep_to_sp(kvm, child_pt) : NULL;
}

int kvm_mmu_init_tdp_mmu(struct kvm *kvm)
{
	struct kvm_mmu_page_index *ix;

	INIT_LIST_HEAD(&kvm->tdp_mmu_roots);
	INIT_LIST_HEAD(&kvm->possible_nx_huge_pages);
	/* make_spte and the split helpers consult it (a module parameter,
	 * fixed for the VM's life here). */
	kvm->m.nx_huge_pages = is_nx_huge_page_enabled(kvm);
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ix->mask = 255;
	ix->bucket = calloc(ix->mask + 1, sizeof(*ix->bucket));
	if (!ix->bucket) {
		free(ix);
		return -ENOMEM;
	}
	kvm->sp_index = ix;
	return 0;
}

/*
 * A header and its (zeroed) table, or NULL when either allocation fails.
 * The kernel takes both from the vCPU's MMU memory caches, topped up before
 * mmu_lock, so its failure is the topup's -ENOMEM; here the allocation
 * itself fails, and each caller returns -ENOMEM where the kernel's topup
 * would have (the fault, the root load) or stops (the eager split).
 */
static struct kvm_mmu_page *tdp_mmu_alloc_sp(struct kvm *kvm)
{
	struct kvm_mmu_page *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->spt = env_alloc_pt_page(kvm->env);
	if (!sp->spt) {
		free(sp);
		return NULL;
	}
	sp->hpa = env_pt_pa(kvm->env, sp->spt);
	return sp;
}

static void tdp_mmu_init_sp(struct kvm *kvm, struct kvm_mmu_page *sp,
			    u64 *sptep, gfn_t gfn, union kvm_mmu_page_role role)
{
	INIT_LIST_HEAD(&sp->possible_nx_huge_page_link);
	sp->role = role;
	sp->gfn = gfn;
	sp->ptep = sptep;
	sp->kvm = kvm;
	/* A split that lost its cmpxchg initializes the same header again
	 * for its retry; the table's address, the key, is unchanged. */
	if (!sp->index)
		sp_index_add(kvm, sp);
}

/* The child table to be linked at @iter: the parent's role one level down. */
static void tdp_mmu_init_child_sp(struct kvm *kvm, struct kvm_mmu_page *child_sp,
				  const struct tdp_iter *iter)
{
	union kvm_mmu_page_role role = sptep_to_sp(kvm, iter->sptep)->role;

	role.level--;
	tdp_mmu_init_sp(kvm, child_sp, iter->sptep, iter->gfn, role);
}

/* Frees a header and its table; nobody may reach either any more. */
static void tdp_mmu_free_sp(struct env *env, struct kvm_mmu_page *sp)
{
	sp_index_del(sp);
	env_free_pt_page(env, sp->spt);
	free(sp);
}

/* After a grace period: no lockless walker can still be in the table.
 * Runs with @env only; the VM may be gone (see kvm_mmu_page_index). */
static void tdp_mmu_free_sp_rcu_callback(struct env *env, void *arg)
{
	tdp_mmu_free_sp(env, arg);
}

bool kvm_tdp_mmu_get_root(struct kvm_mmu_page *root)
{
	/* refcount_inc_not_zero: a root at zero is on its way out. */
	if (root->tdp_mmu_root_count == 0)
		return false;
	root->tdp_mmu_root_count++;
	return true;
}

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root)
{
	lockdep_assert_held(kvm->env);
	ENV_ASSERT(kvm->env, root->tdp_mmu_root_count > 0);
	if (--root->tdp_mmu_root_count)
		return;
	/* The TDP MMU holds a reference on every valid root, so only an
	 * invalidated root can lose its last one. */
	ENV_ASSERT(kvm->env, root->role.invalid);

	list_del_rcu(&root->link);
	kvm->stat.roots_freed++;
	if (kvm->x86->tdp_root_freed)
		kvm->x86->tdp_root_freed(kvm, root);
	/* Lockless walkers (fast_page_fault, a vCPU's hardware) may still be
	 * inside the table; no flush is needed here because kvm_mmu_load
	 * flushes whatever root a vCPU loads next. */
	root->rcu_free_pending = true;
	env_call_rcu(kvm->env, tdp_mmu_free_sp_rcu_callback, root);
}

/*
 * The root after @prev_root (or the first), with a reference taken; the
 * reference on @prev_root is dropped.  Roots at refcount 0 are skipped (they
 * are being freed), and so are invalid roots if @only_valid.
 */
static struct kvm_mmu_page *tdp_mmu_next_root(struct kvm *kvm,
					      struct kvm_mmu_page *prev_root,
					      bool only_valid)
{
	struct list_head *pos;
	struct kvm_mmu_page *next_root = NULL;

	/* The list is RCU-protected; role.invalid is protected by mmu_lock. */
	lockdep_assert_held(kvm->env);
	env_rcu_read_lock(kvm->env);
	pos = prev_root ? prev_root->link.next : kvm->tdp_mmu_roots.next;
	for (; pos != &kvm->tdp_mmu_roots; pos = pos->next) {
		struct kvm_mmu_page *r = container_of(pos, struct kvm_mmu_page, link);

		if ((!only_valid || !r->role.invalid) && kvm_tdp_mmu_get_root(r)) {
			next_root = r;
			break;
		}
	}
	env_rcu_read_unlock(kvm->env);
	if (prev_root)
		kvm_tdp_mmu_put_root(kvm, prev_root);
	return next_root;
}

/*
 * Iterates roots with a reference held on the current one, so the body may
 * drop mmu_lock and yield (it holds the lock again at each step: asserted,
 * in either mode).  Leaving the loop early leaves that reference to the
 * caller.
 */
#define __for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _only_valid) \
	for (_root = tdp_mmu_next_root(_kvm, NULL, _only_valid);               \
	     kvm_lockdep_assert_mmu_lock_held_any(_kvm) && _root;              \
	     _root = tdp_mmu_next_root(_kvm, _root, _only_valid))              \
		if ((_as_id) >= 0 && kvm_mmu_page_as_id(_root) != (_as_id)) {  \
		} else

#define for_each_valid_tdp_mmu_root_yield_safe(_kvm, _root, _as_id)           \
	__for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, true)
#define for_each_tdp_mmu_root_yield_safe(_kvm, _root)                         \
	__for_each_tdp_mmu_root_yield_safe(_kvm, _root, -1, false)

/* Under mmu_lock for write (asserted at each step) the list is stable; no
 * references needed. */
#define __for_each_tdp_mmu_root(_kvm, _pos, _root, _as_id, _only_valid)       \
	for (_pos = (_kvm)->tdp_mmu_roots.next;                                \
	     kvm_lockdep_assert_mmu_lock_held(_kvm, false) &&                  \
	     _pos != &(_kvm)->tdp_mmu_roots &&                                 \
	     ((_root) = container_of(_pos, struct kvm_mmu_page, link), 1);     \
	     _pos = _pos->next)                                                \
		if (((_as_id) >= 0 && kvm_mmu_page_as_id(_root) != (_as_id)) || \
		    ((_only_valid) && (_root)->role.invalid)) {                 \
		} else

int kvm_tdp_mmu_alloc_root(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	union kvm_mmu_page_role role = vcpu->mmu.root_role;
	int as_id = kvm_mmu_role_as_id(role);
	struct kvm_mmu_page *root, *new_root;
	struct list_head *pos;

	/* Look for a valid root to share first, under the read lock: when
	 * vCPUs come up, the first one has usually created it already. */
	env_read_lock(kvm->env);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, as_id) {
		if (root->role.word == role.word) {
			kvm->stat.roots_reused++;
			goto out_read_unlock; /* keeps the iterator's reference */
		}
	}

	/* The allocation happens before the section the kernel runs under
	 * tdp_mmu_pages_lock, which must not yield here. */
	new_root = tdp_mmu_alloc_sp(kvm);
	if (!new_root) {
		env_read_unlock(kvm->env);
		return -ENOMEM;
	}
	env_cost(kvm->env, ENV_COST_ROOT_ALLOC);

	/* tdp_mmu_pages_lock: re-check (another vCPU may have raced ahead),
	 * then publish.  No env call in between. */
	for (pos = kvm->tdp_mmu_roots.next; pos != &kvm->tdp_mmu_roots;
	     pos = pos->next) {
		root = container_of(pos, struct kvm_mmu_page, link);
		if (root->role.word == role.word && kvm_tdp_mmu_get_root(root)) {
			tdp_mmu_free_sp(kvm->env, new_root); /* never published */
			kvm->stat.roots_reused++;
			goto out_read_unlock;
		}
	}
	root = new_root;
	tdp_mmu_init_sp(kvm, root, NULL, 0, role);
	root->serial = ++kvm->root_serial;
	/* One reference for this vCPU, one the TDP MMU keeps until the root
	 * is invalidated (dropped by kvm_tdp_mmu_zap_invalidated_roots). */
	root->tdp_mmu_root_count = 2;
	list_add_rcu(&root->link, &kvm->tdp_mmu_roots);
	kvm->stat.roots_alloc++;
	if (kvm->x86->tdp_root_created)
		kvm->x86->tdp_root_created(kvm, root);

out_read_unlock:
	env_read_unlock(kvm->env);
	/* If the root is invalidated from here on, the FREE_OBSOLETE_ROOTS
	 * request keeps the vCPU from entering the guest with it, and our
	 * reference keeps it from being freed. */
	vcpu->mmu.root = root;
	vcpu->mmu.root_hpa = root->hpa;
	return 0;
}

/* ------------------------------------------------------- SPTE updates */

static bool kvm_tdp_mmu_spte_need_atomic_write(struct kvm *kvm, u64 old_spte,
					       int level)
{
	return is_shadow_present_pte(old_spte) && is_last_spte(old_spte, level) &&
	       spte_has_volatile_bits(&kvm->m, old_spte);
}

/*
 * The store of an exclusive (write-lock) writer.  If the old SPTE is a
 * present leaf with volatile bits, the CPU or fast_page_fault may change it
 * between our read and this store, so exchange atomically and return what
 * was really there: the caller's side effects (dirty marking, flushes) must
 * see the bits the other agent set (E9).  Under mmu.spte_write=plain this is
 * always a plain store, and such bits are lost.
 */
static u64 kvm_tdp_mmu_write_spte(struct kvm *kvm, u64 *sptep, u64 old_spte,
				  u64 new_spte, int level)
{
	if (kvm->pol.mmu_spte_write == KVMMU_SPTE_WRITE_ATOMIC_IF_VOLATILE &&
	    kvm_tdp_mmu_spte_need_atomic_write(kvm, old_spte, level)) {
		kvm->stat.spte_xchg++;
		return env_xchg(kvm->env, sptep, new_spte);
	}
	env_write(kvm->env, sptep, new_spte);
	return old_spte;
}

/* Clears @mask, atomically if the SPTE has volatile bits; returns the old
 * value actually replaced. */
static u64 tdp_mmu_clear_spte_bits(struct kvm *kvm, u64 *sptep, u64 old_spte,
				   u64 mask, int level)
{
	if (kvm->pol.mmu_spte_write == KVMMU_SPTE_WRITE_ATOMIC_IF_VOLATILE &&
	    kvm_tdp_mmu_spte_need_atomic_write(kvm, old_spte, level)) {
		kvm->stat.spte_xchg++;
		return env_fetch_and(kvm->env, sptep, ~mask);
	}
	env_write(kvm->env, sptep, old_spte & ~mask);
	return old_spte;
}

static void handle_changed_spte(struct kvm *kvm, int as_id, gfn_t gfn,
				u64 old_spte, u64 new_spte, int level,
				bool shared);

static void tdp_account_mmu_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	(void)sp;
	kvm->stat.tdp_mmu_pages++;
}

/* The table is no longer linked: stop counting it, and it no longer keeps
 * any huge page from being mapped. */
static void tdp_mmu_unlink_sp(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	kvm->stat.tdp_mmu_pages--;
	if (!sp->nx_huge_page_disallowed)
		return;
	sp->nx_huge_page_disallowed = false;
	untrack_possible_nx_huge_page(kvm, sp);
}

/*
 * A table was unlinked from the paging structure by this thread, which
 * therefore owns its teardown: every child is frozen and its side effects
 * handled (recursively for child tables), then the table and its header
 * are freed after an RCU grace period.
 */
static void handle_removed_pt(struct kvm *kvm, u64 *pt, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	struct kvm_mmu_page *sp = sptep_to_sp(kvm, pt);
	int level = sp->role.level;
	gfn_t base_gfn = sp->gfn;
	int as_id = kvm_mmu_page_as_id(sp);

	tdp_mmu_unlink_sp(kvm, sp);

	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		u64 *sptep = pt + i;
		gfn_t gfn = base_gfn + (u64)i * KVM_PAGES_PER_HPAGE(level);
		u64 old_spte;

		if (shared) {
			/*
			 * Other threads may still be working in this table
			 * (they walked in before it was unlinked).  Freeze
			 * each entry so none of them installs anything; if an
			 * entry is already frozen, its owner is about to
			 * write it, so wait for that value and freeze it.
			 */
			for (;;) {
				old_spte = env_xchg(kvm->env, sptep, FROZEN_SPTE);
				if (!is_frozen_spte(old_spte))
					break;
				env_charge(kvm->env, 10); /* cpu_relax */
			}
		} else {
			/*
			 * With mmu_lock held for write nothing can make a
			 * non-present entry present.  A present one still
			 * needs the volatile-aware store: the parent is gone
			 * but not yet flushed, and the CPU may set D through a
			 * cached upper-level entry (or fast_page_fault may
			 * have made it writable) after we read it.
			 */
			old_spte = kvm_tdp_mmu_read_spte(kvm->env, sptep);
			if (!is_shadow_present_pte(old_spte))
				continue;
			old_spte = kvm_tdp_mmu_write_spte(kvm, sptep, old_spte,
							  FROZEN_SPTE, level);
		}
		handle_changed_spte(kvm, as_id, gfn, old_spte, FROZEN_SPTE,
				    level, shared);
	}

	kvm->stat.pt_pages_freed++;
	if (kvm->pol.mmu_pt_free == KVMMU_PT_FREE_IMMEDIATE) {
		/* v5.10: flush, then free on the spot.  A lockless walker
		 * (or another read-lock holder) still inside reads freed
		 * memory (E3). */
		kvm_flush_remote_tlbs(kvm);
		tdp_mmu_free_sp(kvm->env, sp);
	} else {
		sp->rcu_free_pending = true;
		env_call_rcu(kvm->env, tdp_mmu_free_sp_rcu_callback, sp);
	}
}

/*
 * Bookkeeping for an SPTE change from @old_spte to @new_spte at @level
 * mapping @gfn: leaf counts, folio side effects per policy, and the teardown
 * of a table that is no longer linked.  Dirty *logging* is not done here
 * but where SPTEs are made writable (make_spte, fast_page_fault).
 */
static void handle_changed_spte(struct kvm *kvm, int as_id, gfn_t gfn,
				u64 old_spte, u64 new_spte, int level,
				bool shared)
{
	const struct spte_masks *m = &kvm->m;
	bool was_present = is_shadow_present_pte(old_spte);
	bool is_present = is_shadow_present_pte(new_spte);
	bool was_leaf = was_present && is_last_spte(old_spte, level);
	bool is_leaf = is_present && is_last_spte(new_spte, level);
	bool pfn_changed = spte_to_pfn(old_spte) != spte_to_pfn(new_spte);

	ENV_ASSERT(kvm->env, level >= PG_LEVEL_4K && level <= PT64_ROOT_MAX_LEVEL);
	ENV_ASSERT(kvm->env, (gfn & (KVM_PAGES_PER_HPAGE(level) - 1)) == 0);

	/* A present leaf never changes pfn in place: the old translation
	 * must be zapped and flushed first (a missing mmu_notifier). */
	if (was_leaf && is_leaf && pfn_changed)
		env_assert_fail(kvm->env, "present leaf SPTE replaced by another pfn",
				__FILE__, __LINE__);

	if (old_spte == new_spte)
		return;

	/* Every value KVM stores goes through here (or through the few
	 * paths that check it themselves): hold it to spte.h's invariants. */
	check_spte(kvm, new_spte, level);

	/* Non-present to non-present only involves MMIO or frozen SPTEs. */
	if (!was_present && !is_present) {
		ENV_ASSERT(kvm->env, is_mmio_spte(m, old_spte) ||
				     is_mmio_spte(m, new_spte) ||
				     is_frozen_spte(new_spte));
		return;
	}

	if (is_leaf != was_leaf)
		kvm_update_page_stats(kvm, level, is_leaf ? 1 : -1);
	if (was_leaf && !is_present) {
		kvm->stat.zapped_leafs++;
		if (is_mmio_spte(m, new_spte))
			kvm->stat.spte_present_to_mmio++;
	}

	/* mmu.dirty_mark=zap (before 6.13): a dirty leaf going away or
	 * being cleaned hands its dirtiness to the folio. */
	if (kvm->pol.mmu_dirty_mark == KVMMU_DIRTY_MARK_ZAP && was_leaf &&
	    is_dirty_spte(m, old_spte) &&
	    (!is_present || !is_dirty_spte(m, new_spte) || pfn_changed))
		env_folio_mark_dirty(kvm->env, spte_to_pfn(old_spte), ENV_DIRTY_ZAP);

	/* A table was unlinked: by a zap, or replaced by a huge leaf.  Its
	 * pfn never changes otherwise (tables are not migrated). */
	if (was_present && !was_leaf) {
		if (is_present && !is_leaf && pfn_changed)
			env_assert_fail(kvm->env, "page-table SPTE changed pfn",
					__FILE__, __LINE__);
		if (is_leaf || !is_present || pfn_changed) {
			struct kvm_mmu_page *child = spte_to_child_sp(kvm, old_spte, level);

			/* The header agrees with the entry that linked it. */
			ENV_ASSERT(kvm->env, child->role.level == level - 1 &&
					     child->gfn == gfn &&
					     kvm_mmu_page_as_id(child) == as_id);
			handle_removed_pt(kvm, child->spt, shared);
		}
	}

	if (kvm->pol.mmu_accessed_mark == KVMMU_ACCESSED_MARK_ZAP && was_leaf &&
	    is_accessed_spte(m, old_spte) &&
	    (!is_present || !is_accessed_spte(m, new_spte) || pfn_changed))
		env_folio_mark_accessed(kvm->env, spte_to_pfn(old_spte));
}

/*
 * Shared-mode update: cmpxchg from the snapshot.  On failure the snapshot
 * is refreshed (the caller retries on fresh data, re-checking what it
 * checked) and nothing else happens.  Never applied to a frozen SPTE: its
 * owner is about to write it.
 */
static int __tdp_mmu_set_spte_atomic(struct kvm *kvm, struct tdp_iter *iter,
				     u64 new_spte)
{
	ENV_ASSERT(kvm->env, !iter->yielded && !is_frozen_spte(iter->old_spte));
	if (!env_cmpxchg(kvm->env, iter->sptep, &iter->old_spte, new_spte)) {
		kvm->stat.spte_cmpxchg_fail++;
		return -EBUSY;
	}
	return 0;
}

static int tdp_mmu_set_spte_atomic(struct kvm *kvm, struct tdp_iter *iter,
				   u64 new_spte)
{
	int ret;

	lockdep_assert_held_read(kvm->env);
	ret = __tdp_mmu_set_spte_atomic(kvm, iter, new_spte);
	if (ret)
		return ret;
	handle_changed_spte(kvm, iter->as_id, iter->gfn, iter->old_spte,
			    new_spte, iter->level, true);
	return 0;
}

/*
 * Shared-mode zap of one entry: freeze it, flush, then clear it.  Frozen,
 * nobody can install a new translation for the range before the old one
 * is out of every TLB.
 */
static int tdp_mmu_zap_spte_atomic(struct kvm *kvm, struct tdp_iter *iter)
{
	int ret;

	lockdep_assert_held_read(kvm->env);
	ret = __tdp_mmu_set_spte_atomic(kvm, iter, FROZEN_SPTE);
	if (ret)
		return ret;
	kvm_flush_remote_tlbs_gfn(kvm, iter->gfn, iter->level);
	/* Only we may replace our frozen value: a plain store is enough. */
	env_write(kvm->env, iter->sptep, SHADOW_NONPRESENT_VALUE);
	/* Side effects after the flush, and after unfreezing, so other
	 * threads are blocked on the entry for as short as possible. */
	handle_changed_spte(kvm, iter->as_id, iter->gfn, iter->old_spte,
			    SHADOW_NONPRESENT_VALUE, iter->level, true);
	return 0;
}

/*
 * Exclusive-mode update.  Returns the old value, which differs from
 * @old_spte if the CPU or fast_page_fault changed volatile bits meanwhile.
 * The caller flushes before dropping mmu_lock or yielding.
 */
static u64 tdp_mmu_set_spte(struct kvm *kvm, int as_id, u64 *sptep,
			    u64 old_spte, u64 new_spte, gfn_t gfn, int level)
{
	lockdep_assert_held_write(kvm->env);
	ENV_ASSERT(kvm->env, !is_frozen_spte(old_spte) && !is_frozen_spte(new_spte));
	old_spte = kvm_tdp_mmu_write_spte(kvm, sptep, old_spte, new_spte, level);
	handle_changed_spte(kvm, as_id, gfn, old_spte, new_spte, level, false);
	return old_spte;
}

static void tdp_mmu_iter_set_spte(struct kvm *kvm, struct tdp_iter *iter,
				  u64 new_spte)
{
	ENV_ASSERT(kvm->env, !iter->yielded);
	iter->old_spte = tdp_mmu_set_spte(kvm, iter->as_id, iter->sptep,
					  iter->old_spte, new_spte, iter->gfn,
					  iter->level);
}

static bool tdp_mmu_iter_need_resched(struct kvm *kvm, struct tdp_iter *iter)
{
	/* Yield only after forward progress, or a walk could livelock. */
	if (iter->next_last_level_gfn == iter->yielded_gfn)
		return false;
	return env_need_resched(kvm->env) || env_lock_needbreak(kvm->env);
}

/*
 * Yields mmu_lock (and RCU) if the scheduler or a lock waiter wants it.
 * A pending flush is done *before* dropping the lock: whoever takes it next
 * may rely on the zapped SPTEs being out of the TLBs (an mmu_notifier that
 * finds nothing left to zap does not flush; E1).  On a yield the iterator
 * restarts from the root at the next step.
 */
static bool tdp_mmu_iter_cond_resched(struct kvm *kvm, struct tdp_iter *iter,
				      bool flush, bool shared)
{
	ENV_ASSERT(kvm->env, !iter->yielded);
	if (!tdp_mmu_iter_need_resched(kvm, iter))
		return false;
	if (flush)
		kvm_flush_remote_tlbs(kvm);
	env_rcu_read_unlock(kvm->env);
	if (shared) {
		env_read_unlock(kvm->env);
		env_cond_resched(kvm->env);
		env_read_lock(kvm->env);
	} else {
		env_write_unlock(kvm->env);
		env_cond_resched(kvm->env);
		env_write_lock(kvm->env);
	}
	env_rcu_read_lock(kvm->env);
	ENV_ASSERT(kvm->env, iter->gfn <= iter->next_last_level_gfn);
	iter->yielded = true;
	kvm->stat.mmu_yields++;
	return true;
}

/* --------------------------------------------------------------- zaps */

static void __tdp_mmu_zap_root(struct kvm *kvm, struct kvm_mmu_page *root,
			       bool shared, int zap_level)
{
	struct tdp_iter iter;

	for_each_tdp_pte_min_level(iter, kvm, root, zap_level, 0,
				   tdp_mmu_max_gfn_exclusive()) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, shared))
			continue;
		if (!is_shadow_present_pte(iter.old_spte))
			continue;
		if (iter.level > zap_level)
			continue;
		if (!shared)
			tdp_mmu_iter_set_spte(kvm, &iter, SHADOW_NONPRESENT_VALUE);
		else if (tdp_mmu_set_spte_atomic(kvm, &iter, SHADOW_NONPRESENT_VALUE))
			goto retry;
	}
}

/*
 * Zaps a whole root.  The caller holds a reference, so the root stays
 * reachable by mmu_notifiers while this yields: a notifier must be able to
 * zap what this has not reached yet before the host frees the pages.
 */
static void tdp_mmu_zap_root(struct kvm *kvm, struct kvm_mmu_page *root,
			     bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	ENV_ASSERT(kvm->env, root->tdp_mmu_root_count > 0);

	env_rcu_read_lock(kvm->env);
	/* Passes of growing granularity (4K, 2M, 1G, then the top level),
	 * so each step of work between yield checks stays small. */
	__tdp_mmu_zap_root(kvm, root, shared, PG_LEVEL_4K);
	__tdp_mmu_zap_root(kvm, root, shared, PG_LEVEL_2M);
	__tdp_mmu_zap_root(kvm, root, shared, PG_LEVEL_1G);
	__tdp_mmu_zap_root(kvm, root, shared, root->role.level);
	env_rcu_read_unlock(kvm->env);
}

/*
 * Zaps one child table through the parent entry its header records, with
 * everything below it (handle_removed_pt).  Returns whether a flush is
 * owed: the caller must flush before dropping mmu_lock or yielding.  A
 * root has no parent entry and is never zapped this way.
 */
bool kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	u64 old_spte;

	lockdep_assert_held_write(kvm->env);
	if (!sp->ptep) {
		env_assert_fail(kvm->env, "zap_sp on a root", __FILE__, __LINE__);
		return false;
	}
	old_spte = kvm_tdp_mmu_read_spte(kvm->env, sp->ptep);
	if (!is_shadow_present_pte(old_spte)) {
		env_assert_fail(kvm->env, "zap_sp of an unlinked table",
				__FILE__, __LINE__);
		return false;
	}
	tdp_mmu_set_spte(kvm, kvm_mmu_page_as_id(sp), sp->ptep, old_spte,
			 SHADOW_NONPRESENT_VALUE, sp->gfn, sp->role.level + 1);
	return true;
}

/*
 * Zaps leaf SPTEs mapping [start, end) in @root.  Returns whether a flush
 * is owed before mmu_lock is dropped.  Zaps in invalid roots owe none: no
 * vCPU enters the guest with an invalid root without first reloading (and
 * so flushing), provided the FREE_OBSOLETE_ROOTS request was made while
 * the roots were invalidated (see kvm_mmu_zap_all_fast).
 */
static bool tdp_mmu_zap_leafs(struct kvm *kvm, struct kvm_mmu_page *root,
			      gfn_t start, gfn_t end, bool can_yield, bool flush)
{
	struct tdp_iter iter;

	lockdep_assert_held_write(kvm->env);
	if (end > tdp_mmu_max_gfn_exclusive())
		end = tdp_mmu_max_gfn_exclusive();

	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, PG_LEVEL_4K, start, end) {
		if (can_yield && tdp_mmu_iter_cond_resched(kvm, &iter, flush, false)) {
			flush = false;
			continue;
		}
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		tdp_mmu_iter_set_spte(kvm, &iter, SHADOW_NONPRESENT_VALUE);
		if (!root->role.invalid)
			flush = true;
	}
	env_rcu_read_unlock(kvm->env);
	return flush;
}

/*
 * Zap leafs in every root (or only the valid ones) of @as_id (-1: all).
 * mmu.flush_on_yield=per-root reproduces E1: each root starts its yield
 * decisions with no pending flush, so a yield in root 2 does not flush what
 * root 1 zapped.
 */
static bool tdp_mmu_zap_leafs_roots(struct kvm *kvm, int as_id, bool only_valid,
				    gfn_t start, gfn_t end, bool can_yield,
				    bool flush)
{
	struct kvm_mmu_page *root;

	__for_each_tdp_mmu_root_yield_safe(kvm, root, as_id, only_valid) {
		if (kvm->pol.mmu_flush_on_yield == KVMMU_FLUSH_ON_YIELD_PER_ROOT)
			flush |= tdp_mmu_zap_leafs(kvm, root, start, end,
						   can_yield, false);
		else
			flush = tdp_mmu_zap_leafs(kvm, root, start, end,
						  can_yield, flush);
	}
	return flush;
}

bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, gfn_t start, gfn_t end, bool flush)
{
	lockdep_assert_held_write(kvm->env);
	return tdp_mmu_zap_leafs_roots(kvm, -1, true, start, end, true, flush);
}

void kvm_tdp_mmu_zap_all(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	/* All roots, invalid ones too: everything must be gone on return.
	 * No flush: this runs when no vCPU can enter the guest again. */
	lockdep_assert_held_write(kvm->env);
	for_each_tdp_mmu_root_yield_safe(kvm, root)
		tdp_mmu_zap_root(kvm, root, false);
}

void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	env_read_lock(kvm->env);
	for_each_tdp_mmu_root_yield_safe(kvm, root) {
		if (!root->tdp_mmu_scheduled_root_to_zap)
			continue;
		root->tdp_mmu_scheduled_root_to_zap = false;
		ENV_ASSERT(kvm->env, root->role.invalid);
		/* No flush: a vCPU flushes the new root it loads (and on a
		 * pCPU change), which also drops paging-structure-cache
		 * entries pointing into these tables, since those are
		 * tagged by the same ASID / EP4TA. */
		tdp_mmu_zap_root(kvm, root, true);
		/* Drop the TDP MMU's reference only now: the root must stay
		 * reachable by mmu_notifiers while it is being zapped. */
		kvm_tdp_mmu_put_root(kvm, root);
	}
	env_read_unlock(kvm->env);
}

void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm)
{
	struct list_head *pos;
	struct kvm_mmu_page *root;

	/* Write lock: a root must not turn invalid under a read-lock walker
	 * that checked it. */
	lockdep_assert_held_write(kvm->env);
	__for_each_tdp_mmu_root(kvm, pos, root, -1, false) {
		/* Already-invalid roots may outlive their zap (a vCPU still
		 * holds them); they are not scheduled again. */
		if (!root->role.invalid) {
			root->tdp_mmu_scheduled_root_to_zap = true;
			root->role.invalid = true;
			kvm->stat.roots_invalidated++;
		}
	}
}

bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range,
				 bool flush)
{
	/* Invalid roots too (E5): a fast zap may be walking one right now,
	 * yielding, and the host frees the pages when this returns. */
	bool only_valid = kvm->pol.mmu_notifier_roots == KVMMU_NOTIFIER_ROOTS_VALID;

	lockdep_assert_held_write(kvm->env);
	return tdp_mmu_zap_leafs_roots(kvm, range->slot->as_id, only_valid,
				       range->start, range->end,
				       range->may_block, flush);
}

/* ---------------------------------------------------------------- aging */

typedef bool (*tdp_handler_t)(struct kvm *kvm, struct tdp_iter *iter,
			      struct kvm_gfn_range *range);

static bool kvm_tdp_mmu_handle_gfn(struct kvm *kvm, struct kvm_gfn_range *range,
				   tdp_handler_t handler)
{
	struct list_head *pos;
	struct kvm_mmu_page *root;
	struct tdp_iter iter;
	bool ret = false;

	/* The aging notifiers cannot block: no yielding here. */
	lockdep_assert_held_write(kvm->env);
	__for_each_tdp_mmu_root(kvm, pos, root, range->slot->as_id, false) {
		env_rcu_read_lock(kvm->env);
		tdp_root_for_each_leaf_pte(iter, kvm, root, range->start, range->end)
			ret |= handler(kvm, &iter, range);
		env_rcu_read_unlock(kvm->env);
	}
	return ret;
}

/*
 * Clears "accessed" and reports whether it was set.  No flush (6.13+ x86
 * elides it), and no folio marking: the notifier's caller consumes the
 * result.  Without A/D the SPTE is access-tracked instead.
 */
static bool age_gfn_range(struct kvm *kvm, struct tdp_iter *iter,
			  struct kvm_gfn_range *range)
{
	const struct spte_masks *m = &kvm->m;
	u64 new_spte;

	lockdep_assert_held_write(kvm->env);
	(void)range;
	if (!is_accessed_spte(m, iter->old_spte))
		return false;
	if (spte_ad_enabled(iter->old_spte)) {
		iter->old_spte = tdp_mmu_clear_spte_bits(kvm, iter->sptep,
							 iter->old_spte,
							 m->accessed_mask,
							 iter->level);
	} else {
		/* Before 6.13 the dirty state was handed to the folio here,
		 * since access tracking clears W. */
		if (kvm->pol.mmu_dirty_mark == KVMMU_DIRTY_MARK_ZAP &&
		    is_writable_pte(iter->old_spte))
			env_folio_mark_dirty(kvm->env, spte_to_pfn(iter->old_spte),
					     ENV_DIRTY_ZAP);
		new_spte = mark_spte_for_access_track(m, iter->old_spte);
		check_spte(kvm, new_spte, iter->level);
		iter->old_spte = kvm_tdp_mmu_write_spte(kvm, iter->sptep,
							iter->old_spte, new_spte,
							iter->level);
	}
	return true;
}

bool kvm_tdp_mmu_age_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_tdp_mmu_handle_gfn(kvm, range, age_gfn_range);
}

static bool test_age_gfn(struct kvm *kvm, struct tdp_iter *iter,
			 struct kvm_gfn_range *range)
{
	(void)range;
	return is_accessed_spte(&kvm->m, iter->old_spte);
}

bool kvm_tdp_mmu_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kvm_tdp_mmu_handle_gfn(kvm, range, test_age_gfn);
}

/* --------------------------------------------------------- the fault path */

static int tdp_mmu_link_sp(struct kvm *kvm, struct tdp_iter *iter,
			   struct kvm_mmu_page *sp, bool shared)
{
	u64 spte = make_nonleaf_spte(&kvm->m, sp->hpa, !kvm_ad_enabled(kvm));

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	if (shared) {
		int ret = tdp_mmu_set_spte_atomic(kvm, iter, spte);

		if (ret)
			return ret;
	} else {
		tdp_mmu_iter_set_spte(kvm, iter, spte);
	}
	tdp_account_mmu_page(kvm, sp);
	return 0;
}

/*
 * Replaces the huge leaf under @iter by @sp (initialized for @iter by the
 * caller), filled with 512 children with the same translations and
 * permissions.  The new table is filled with plain stores: nobody can see
 * it before it is linked.  No flush: a vCPU may keep using the huge
 * translation from its TLB, which maps the same pages.
 */
static int tdp_mmu_split_huge_page(struct kvm *kvm, struct tdp_iter *iter,
				   struct kvm_mmu_page *sp, bool shared)
{
	const u64 huge_spte = iter->old_spte;
	const int level = iter->level;
	int ret;

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
		sp->spt[i] = make_huge_page_split_spte(&kvm->m, huge_spte, level, i);
	ret = tdp_mmu_link_sp(kvm, iter, sp, shared);
	if (ret)
		return ret;
	/* Linking accounted the huge leaf going away; add the children. */
	kvm_update_page_stats(kvm, level - 1, SPTE_ENT_PER_PAGE);
	kvm->stat.splits++;
	return 0;
}

static bool leaf_spte_change_needs_tlb_flush(const struct kvm *kvm, u64 old_spte,
					     u64 new_spte)
{
	return is_mmu_writable_spte(&kvm->m, old_spte) &&
	       !is_mmu_writable_spte(&kvm->m, new_spte);
}

/* Installs the leaf for a fault at the goal level. */
static int tdp_mmu_map_handle_target_level(struct kvm_vcpu *vcpu,
					   struct kvm_page_fault *fault,
					   struct tdp_iter *iter)
{
	struct kvm *kvm = vcpu->kvm;
	u64 new_spte;
	int ret = RET_PF_FIXED;
	bool wrprot = false;
	bool allowed = is_shadow_present_pte(iter->old_spte) &&
		       is_last_spte(iter->old_spte, iter->level) &&
		       is_access_allowed(kvm, fault, iter->old_spte);

	lockdep_assert_held_read(kvm->env);
	if (iter->level != fault->goal_level)
		return RET_PF_RETRY;

	/*
	 * Another vCPU may have fixed the same gfn since this fault began:
	 * then the SPTE already allows the access, and rewriting it with what
	 * this (possibly older, e.g. read-only) fault computed could only
	 * take permissions away and cost a flush (E17).
	 */
	if (kvm->pol.mmu_spurious_check == KVMMU_SPURIOUS_CHECK_ON && allowed) {
		ENV_ASSERT(kvm->env, fault->noslot ||
				     fault->pfn == spte_to_pfn(iter->old_spte));
		return RET_PF_SPURIOUS;
	}

	if (fault->noslot) {
		new_spte = make_mmio_spte(&kvm->m, iter->gfn, fault->mmio_gen >> 1);
	} else {
		env_cost(kvm->env, ENV_COST_MAKE_SPTE);
		wrprot = make_spte(&kvm->m, vcpu->mmu.root->role, iter->level,
				   ACC_ALL, fault->pfn, iter->old_spte, false,
				   fault->map_writable,
				   kvm_gfn_is_write_tracked(kvm, fault->slot, iter->gfn),
				   &new_spte);
		/* Log the page now that it is mapped writable: with A/D the
		 * CPU will not set D (it is already set), so PML would not
		 * log it either.  Enforced 4K on logging slots. */
		if (is_writable_pte(new_spte) &&
		    kvm_slot_dirty_track_enabled(fault->slot)) {
			ENV_ASSERT(kvm->env, iter->level == PG_LEVEL_4K);
			mark_page_dirty_in_slot(kvm, fault->slot, iter->gfn);
		}
	}

	if (new_spte == iter->old_spte) {
		ret = RET_PF_SPURIOUS;
	} else if (tdp_mmu_set_spte_atomic(kvm, iter, new_spte)) {
		return RET_PF_RETRY;
	} else if (is_shadow_present_pte(iter->old_spte) &&
		   (!is_last_spte(iter->old_spte, iter->level) ||
		    (kvm->pol.mmu_downgrade_flush == KVMMU_DOWNGRADE_FLUSH_ON &&
		     leaf_spte_change_needs_tlb_flush(kvm, iter->old_spte, new_spte)))) {
		/* A table replaced by a leaf, or (since 1a175082b190) a leaf
		 * losing write access: stale translations must go.  Before
		 * it a downgraded leaf kept its writable TLB entries until
		 * the next flush. */
		if (allowed)
			kvm->stat.pf_downgrade++;
		kvm_flush_remote_tlbs_gfn(kvm, iter->gfn, iter->level);
	} else if (allowed) {
		kvm->stat.pf_downgrade++;
	}

	/* A write to a write-tracked gfn: emulate it, or it faults forever. */
	if (wrprot && fault->write)
		ret = RET_PF_WRITE_PROTECTED;
	if (is_mmio_spte(&kvm->m, new_spte)) {
		kvm->stat.pf_mmio_spte_created++;
		ret = RET_PF_EMULATE;
	}
	return ret;
}

/*
 * The slow-path map (read lock): walk towards fault->gfn, creating missing
 * tables and splitting huge leaves above the goal level, then install the
 * leaf.  Any lost race returns RET_PF_RETRY and the guest faults again.
 */
int kvm_tdp_mmu_map(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_mmu_page *root = vcpu->mmu.root;
	struct tdp_iter iter;
	int ret = RET_PF_RETRY;

	lockdep_assert_held_read(kvm->env);
	kvm_mmu_hugepage_adjust(vcpu, fault);

	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte(iter, kvm, root, fault->gfn, fault->gfn + 1) {
		struct kvm_mmu_page *sp;
		int r;

		if (fault->nx_huge_page_workaround_enabled)
			disallowed_hugepage_adjust(kvm, fault, iter.old_spte, iter.level);

		/* Another thread owns this entry right now; rather than
		 * allocate and throw away a table, let the guest retry. */
		if (is_frozen_spte(iter.old_spte))
			goto retry;
		if (iter.level == fault->goal_level)
			goto map_target_level;
		/* Step down into an existing table. */
		if (is_shadow_present_pte(iter.old_spte) &&
		    !is_large_pte(iter.old_spte))
			continue;
		/* A huge page where a smaller mapping is needed: 6.1 zapped
		 * it (flushing its range) and linked an empty table below,
		 * re-reading the entry in case another thread filled it. */
		if (is_shadow_present_pte(iter.old_spte) &&
		    kvm->pol.mmu_fault_huge == KVMMU_FAULT_HUGE_ZAP) {
			if (tdp_mmu_zap_spte_atomic(kvm, &iter))
				goto retry;
			iter.old_spte = kvm_tdp_mmu_read_spte(kvm->env, iter.sptep);
			if (is_frozen_spte(iter.old_spte))
				goto retry;
			if (is_shadow_present_pte(iter.old_spte))
				continue;
		}
		/* Missing, or a huge page that must be split. */
		sp = tdp_mmu_alloc_sp(kvm);
		if (!sp) {
			ret = -ENOMEM;
			goto retry;
		}
		tdp_mmu_init_child_sp(kvm, sp, &iter);
		sp->nx_huge_page_disallowed = fault->huge_page_disallowed;
		if (is_shadow_present_pte(iter.old_spte))
			r = tdp_mmu_split_huge_page(kvm, &iter, sp, true);
		else
			r = tdp_mmu_link_sp(kvm, &iter, sp, true);
		if (r) {
			tdp_mmu_free_sp(kvm->env, sp); /* never linked */
			goto retry;
		}
		/* A table an exec fault created where a huge page could have
		 * been mapped: the recovery worker's.  Unless a racing zap has
		 * unlinked it already (which clears the flag). */
		if (fault->huge_page_disallowed && fault->req_level >= iter.level &&
		    sp->nx_huge_page_disallowed)
			track_possible_nx_huge_page(kvm, sp);
	}
	/* The walk ended above the goal level, e.g. at a frozen entry. */
	goto retry;

map_target_level:
	ret = tdp_mmu_map_handle_target_level(vcpu, fault, &iter);
retry:
	env_rcu_read_unlock(kvm->env);
	return ret;
}

/* For fast_page_fault: the last SPTE on the walk to @gfn (may be
 * non-present).  Caller holds RCU. */
u64 *kvm_tdp_mmu_fast_pf_get_last_sptep(struct kvm_vcpu *vcpu, gfn_t gfn,
					u64 *spte, int *level)
{
	struct kvm *kvm = vcpu->kvm;
	struct tdp_iter iter;
	u64 *sptep = NULL;

	rcu_assert_read_held(kvm->env);
	for_each_tdp_pte(iter, kvm, vcpu->mmu.root, gfn, gfn + 1) {
		*spte = iter.old_spte;
		*level = iter.level;
		sptep = iter.sptep;
	}
	return sptep;
}

int kvm_tdp_mmu_get_walk(struct kvm_vcpu *vcpu, gfn_t gfn, u64 *leaf_spte)
{
	struct kvm *kvm = vcpu->kvm;
	struct tdp_iter iter;
	int leaf = -1;

	rcu_assert_read_held(kvm->env);
	for_each_tdp_pte(iter, kvm, vcpu->mmu.root, gfn, gfn + 1) {
		leaf = iter.level;
		*leaf_spte = iter.old_spte;
	}
	return leaf;
}

/* ------------------------------------------------------- dirty logging */

/* Clears W on leaves at or above @min_level (MMU-writable stays, so
 * fast_page_fault can restore W and log the page). */
static bool wrprot_gfn_range(struct kvm *kvm, struct kvm_mmu_page *root,
			     gfn_t start, gfn_t end, int min_level)
{
	struct tdp_iter iter;
	bool spte_set = false;

	lockdep_assert_held_read(kvm->env);
	ENV_ASSERT(kvm->env, min_level <= KVM_MAX_HUGEPAGE_LEVEL);
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, min_level, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, true))
			continue;
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level) ||
		    !is_writable_pte(iter.old_spte))
			continue;
		if (tdp_mmu_set_spte_atomic(kvm, &iter,
					    iter.old_spte & ~PT_WRITABLE_MASK))
			goto retry;
		spte_set = true;
	}
	env_rcu_read_unlock(kvm->env);
	return spte_set;
}

bool kvm_tdp_mmu_wrprot_slot(struct kvm *kvm,
			     const struct kvm_memory_slot *slot, int min_level)
{
	struct kvm_mmu_page *root;
	bool spte_set = false;

	lockdep_assert_held_read(kvm->env);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id)
		spte_set |= wrprot_gfn_range(kvm, root, slot->base_gfn,
					     slot->base_gfn + slot->npages,
					     min_level);
	return spte_set;
}

static bool tdp_mmu_need_write_protect(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	/* All pages of a tree share the root's A/D type. */
	return sp->role.ad_disabled || !kvm_ad_enabled(kvm);
}

/*
 * Clears "dirty" (D with A/D, else W) on every leaf of the range.  After a
 * lost cmpxchg the snapshot is fresh, and must be re-validated: the entry
 * may have been zapped, or split into a table whose W must not be touched
 * (E11; mmu.clear_dirty_retry=no-recheck skips that re-check).
 */
static bool clear_dirty_gfn_range(struct kvm *kvm, struct kvm_mmu_page *root,
				  gfn_t start, gfn_t end)
{
	const u64 dbit = tdp_mmu_need_write_protect(kvm, root) ?
				 PT_WRITABLE_MASK : kvm->m.dirty_mask;
	const bool recheck = kvm->pol.mmu_clear_dirty_retry ==
			     KVMMU_CLEAR_DIRTY_RETRY_RECHECK;
	struct tdp_iter iter;
	bool spte_set = false;

	lockdep_assert_held_read(kvm->env);
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte(iter, kvm, root, start, end) {
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, true))
			continue;
		if (recheck && (!is_shadow_present_pte(iter.old_spte) ||
				!is_last_spte(iter.old_spte, iter.level)))
			continue;
		if (!(iter.old_spte & dbit) || is_frozen_spte(iter.old_spte))
			continue;
		if (tdp_mmu_set_spte_atomic(kvm, &iter, iter.old_spte & ~dbit))
			goto retry;
		spte_set = true;
	}
	env_rcu_read_unlock(kvm->env);
	return spte_set;
}

bool kvm_tdp_mmu_clear_dirty_slot(struct kvm *kvm,
				  const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;
	bool spte_set = false;

	lockdep_assert_held_read(kvm->env);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id)
		spte_set |= clear_dirty_gfn_range(kvm, root, slot->base_gfn,
						  slot->base_gfn + slot->npages);
	return spte_set;
}

/*
 * Re-protects the 4K pages of @mask (bit i = gfn + i) after their dirty
 * bits were harvested: clears D (PML) or W (write-protection).  Write lock,
 * so only the CPU and fast_page_fault race with it: atomic AND if volatile.
 */
static void clear_dirty_pt_masked(struct kvm *kvm, struct kvm_mmu_page *root,
				  gfn_t gfn, u64 mask, bool wrprot)
{
	const u64 dbit = (wrprot || tdp_mmu_need_write_protect(kvm, root)) ?
				 PT_WRITABLE_MASK : kvm->m.dirty_mask;
	struct tdp_iter iter;

	lockdep_assert_held_write(kvm->env);
	env_rcu_read_lock(kvm->env);
	tdp_root_for_each_leaf_pte(iter, kvm, root, gfn + (u64)__builtin_ctzll(mask),
				   gfn + BITS_PER_LONG) {
		if (!mask)
			break;
		if (iter.level > PG_LEVEL_4K ||
		    !(mask & (1ULL << (iter.gfn - gfn))))
			continue;
		mask &= ~(1ULL << (iter.gfn - gfn));
		if (!(iter.old_spte & dbit))
			continue;
		iter.old_spte = tdp_mmu_clear_spte_bits(kvm, iter.sptep,
							iter.old_spte, dbit,
							iter.level);
		if (kvm->pol.mmu_dirty_mark == KVMMU_DIRTY_MARK_ZAP)
			env_folio_mark_dirty(kvm->env, spte_to_pfn(iter.old_spte),
					     ENV_DIRTY_ZAP);
	}
	env_rcu_read_unlock(kvm->env);
}

void kvm_tdp_mmu_clear_dirty_pt_masked(struct kvm *kvm,
				       struct kvm_memory_slot *slot, gfn_t gfn,
				       u64 mask, bool wrprot)
{
	struct list_head *pos;
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(kvm->env);
	if (!mask)
		return;
	__for_each_tdp_mmu_root(kvm, pos, root, slot->as_id, true)
		clear_dirty_pt_masked(kvm, root, gfn, mask, wrprot);
}

/*
 * mmu.pml_enable=always (before a85863c2ec55): when a slot stops logging,
 * set D on its leaves again so that always-on PML stops logging them.
 */
void kvm_tdp_mmu_set_dirty_slot(struct kvm *kvm,
				const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;
	struct tdp_iter iter;

	lockdep_assert_held_read(kvm->env);
	if (!kvm->m.dirty_mask)
		return;
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id) {
		env_rcu_read_lock(kvm->env);
		for_each_tdp_pte(iter, kvm, root, slot->base_gfn,
				 slot->base_gfn + slot->npages) {
retry:
			if (tdp_mmu_iter_cond_resched(kvm, &iter, false, true))
				continue;
			if (!is_shadow_present_pte(iter.old_spte) ||
			    !is_last_spte(iter.old_spte, iter.level) ||
			    !is_writable_pte(iter.old_spte) ||
			    (iter.old_spte & kvm->m.dirty_mask))
				continue;
			if (tdp_mmu_set_spte_atomic(kvm, &iter,
						    iter.old_spte | kvm->m.dirty_mask))
				goto retry;
		}
		env_rcu_read_unlock(kvm->env);
	}
}

/*
 * Write-tracking: the gfn loses W *and* MMU-writable, so fast_page_fault
 * cannot hand W back.  mmu.write_track_clear=w-only reproduces E8: an SPTE
 * already !W (write-protected for dirty logging, still MMU-writable) is
 * skipped and stays fixable without the lock.
 */
static bool write_protect_gfn(struct kvm *kvm, struct kvm_mmu_page *root,
			      gfn_t gfn, int min_level)
{
	struct tdp_iter iter;
	u64 new_spte;
	bool spte_set = false;

	lockdep_assert_held_write(kvm->env);
	ENV_ASSERT(kvm->env, min_level <= KVM_MAX_HUGEPAGE_LEVEL);
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, min_level, gfn, gfn + 1) {
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		if (kvm->pol.mmu_write_track_clear == KVMMU_WRITE_TRACK_CLEAR_W_ONLY &&
		    !is_writable_pte(iter.old_spte))
			break;
		new_spte = iter.old_spte & ~(PT_WRITABLE_MASK | kvm->m.mmu_writable_mask);
		if (new_spte == iter.old_spte)
			break;
		tdp_mmu_iter_set_spte(kvm, &iter, new_spte);
		spte_set = true;
	}
	env_rcu_read_unlock(kvm->env);
	return spte_set;
}

bool kvm_tdp_mmu_write_protect_gfn(struct kvm *kvm,
				   struct kvm_memory_slot *slot, gfn_t gfn,
				   int min_level)
{
	struct list_head *pos;
	struct kvm_mmu_page *root;
	bool spte_set = false;

	lockdep_assert_held_write(kvm->env);
	__for_each_tdp_mmu_root(kvm, pos, root, slot->as_id, true)
		spte_set |= write_protect_gfn(kvm, root, gfn, min_level);
	return spte_set;
}

/* ---------------------------------------------------------- huge pages */

/*
 * The header and table for the next split.  A split walk may cover a whole
 * memslot, so its allocations are not taken from a cache topped up
 * beforehand but made as it goes: under mmu.split_alloc=drop-lock (6.12) a
 * GFP_KERNEL allocation, which may sleep in reclaim (and reclaim may call
 * KVM's own mmu_notifier, which takes mmu_lock for write), so RCU and
 * mmu_lock are dropped around it.  Anything may happen meanwhile: the huge
 * SPTE may be split by a fault or zapped, and the tables on the iterator's
 * path freed; so the walk is marked yielded and restarts from the root
 * towards the same gfn.  Under nowait (6.1) a GFP_NOWAIT allocation under
 * the lock comes first and the lock is dropped only if it fails, which
 * the simulated allocator never does.
 */
static struct kvm_mmu_page *tdp_mmu_alloc_sp_for_split(struct kvm *kvm,
						       struct tdp_iter *iter,
						       bool shared)
{
	struct kvm_mmu_page *sp;

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	if (kvm->pol.mmu_split_alloc == KVMMU_SPLIT_ALLOC_NOWAIT)
		return tdp_mmu_alloc_sp(kvm);

	env_rcu_read_unlock(kvm->env);
	if (shared)
		env_read_unlock(kvm->env);
	else
		env_write_unlock(kvm->env);
	sp = tdp_mmu_alloc_sp(kvm);
	if (shared)
		env_read_lock(kvm->env);
	else
		env_write_lock(kvm->env);
	env_rcu_read_lock(kvm->env);
	iter->yielded = true;
	kvm->stat.split_alloc_drops++;
	return sp;
}

/*
 * Splits every huge leaf in [start, end) above @target_level.  Pre-order:
 * a 1G leaf is split into 2M leaves, and the walk then steps into the new
 * table and splits each of those.
 */
static int tdp_mmu_split_huge_pages_root(struct kvm *kvm,
					 struct kvm_mmu_page *root, gfn_t start,
					 gfn_t end, int target_level, bool shared)
{
	struct kvm_mmu_page *sp = NULL;
	struct tdp_iter iter;
	int ret = 0;

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, target_level + 1, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, shared))
			continue;
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_large_pte(iter.old_spte))
			continue;
		if (!sp) {
			sp = tdp_mmu_alloc_sp_for_split(kvm, &iter, shared);
			if (!sp) {
				ret = -ENOMEM;
				break;
			}
			/* The lock was dropped: look again from the root. */
			if (iter.yielded)
				continue;
		}
		tdp_mmu_init_child_sp(kvm, sp, &iter);
		if (tdp_mmu_split_huge_page(kvm, &iter, sp, shared))
			goto retry;
		sp = NULL;
	}
	env_rcu_read_unlock(kvm->env);
	/* A racing fault may have split the last one first. */
	if (sp)
		tdp_mmu_free_sp(kvm->env, sp);
	return ret;
}

void kvm_tdp_mmu_try_split_huge_pages(struct kvm *kvm,
				      const struct kvm_memory_slot *slot,
				      gfn_t start, gfn_t end, int target_level,
				      bool shared)
{
	struct kvm_mmu_page *root;

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id) {
		/* Out of memory: the rest stays huge, split by write faults. */
		if (tdp_mmu_split_huge_pages_root(kvm, root, start, end,
						  target_level, shared)) {
			kvm_tdp_mmu_put_root(kvm, root);
			break;
		}
	}
}

/*
 * Whether the non-leaf at @iter could be replaced by a huge SPTE after
 * dirty logging: a table within the huge-page levels (a leaf there is
 * already as large as it can be: had a larger page been possible, its
 * parent would have been zapped instead of stepped into), whose whole
 * range lies inside [@start, @end) — a range sticking out of the slot
 * cannot be mapped huge and its metadata must not be looked up (E18) —
 * and which the host mapping and memslot alignment allow at that level.
 */
static bool huge_candidate(struct kvm *kvm, const struct kvm_memory_slot *slot,
			   const struct tdp_iter *iter, gfn_t start, gfn_t end)
{
	if (iter->level > KVM_MAX_HUGEPAGE_LEVEL ||
	    !is_shadow_present_pte(iter->old_spte) ||
	    is_last_spte(iter->old_spte, iter->level))
		return false;
	if (iter->gfn < start || iter->gfn >= end ||
	    iter->gfn + KVM_PAGES_PER_HPAGE(iter->level) > end)
		return false;
	return kvm_mmu_max_mapping_level(kvm, slot, iter->gfn) >= iter->level;
}

/*
 * mmu.huge_recovery=zap (before 6.13): zap each table that a huge page
 * could replace; later faults map the huge page.  Zapping the table tears
 * down all its children (handle_removed_pt), which under dirty_mark=zap
 * marks the folio dirty once per dirty child.
 */
static void zap_collapsible_spte_range(struct kvm *kvm, struct kvm_mmu_page *root,
				       const struct kvm_memory_slot *slot)
{
	gfn_t start = slot->base_gfn;
	gfn_t end = start + slot->npages;
	struct tdp_iter iter;

	lockdep_assert_held_read(kvm->env);
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, PG_LEVEL_2M, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, true))
			continue;
		if (!huge_candidate(kvm, slot, &iter, start, end))
			continue;
		/* A successful atomic zap also flushes. */
		if (tdp_mmu_zap_spte_atomic(kvm, &iter))
			goto retry;
		kvm->stat.collapsible_zapped++;
	}
	env_rcu_read_unlock(kvm->env);
}

void kvm_tdp_mmu_zap_collapsible_sptes(struct kvm *kvm,
				       const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_read(kvm->env);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id)
		zap_collapsible_spte_range(kvm, root, slot);
}

/*
 * A huge SPTE for the table under @parent, built from its first present
 * leaf: -EAGAIN if the caller should yield first, -ENOENT if the table maps
 * nothing.
 */
static int tdp_mmu_make_huge_spte(struct kvm *kvm, struct tdp_iter *parent,
				  u64 *huge_spte)
{
	u64 *child_pt = spte_to_child_pt(kvm, parent->old_spte, parent->level);
	gfn_t start = parent->gfn;
	gfn_t end = start + KVM_PAGES_PER_HPAGE(parent->level);
	struct tdp_iter iter;

	if (!child_pt)
		return -ENOENT;
	for (tdp_iter_start(&iter, kvm->env, child_pt, parent->level - 1,
			    parent->as_id, PG_LEVEL_4K, start, false);
	     iter.valid && iter.gfn < end; tdp_iter_next(&iter)) {
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		/* Check forward progress with the parent, or the caller could
		 * keep yielding without ever moving on. */
		if (tdp_mmu_iter_need_resched(kvm, parent))
			return -EAGAIN;
		*huge_spte = make_huge_spte(&kvm->m, iter.old_spte, parent->level);
		return 0;
	}
	return -ENOENT;
}

/*
 * mmu.huge_recovery=rebuild (6.13+): replace each table a huge page could
 * replace by the huge leaf itself, in place, then flush once.
 */
static void recover_huge_pages_range(struct kvm *kvm, struct kvm_mmu_page *root,
				     const struct kvm_memory_slot *slot)
{
	gfn_t start = slot->base_gfn;
	gfn_t end = start + slot->npages;
	struct tdp_iter iter;
	bool flush = false;
	u64 huge_spte;
	int r;

	lockdep_assert_held_read(kvm->env);
	if (kvm_slot_dirty_track_enabled(slot))
		return;
	env_rcu_read_lock(kvm->env);
	for_each_tdp_pte_min_level(iter, kvm, root, PG_LEVEL_2M, start, end) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, flush, true)) {
			flush = false;
			continue;
		}
		if (!huge_candidate(kvm, slot, &iter, start, end))
			continue;
		r = tdp_mmu_make_huge_spte(kvm, &iter, &huge_spte);
		if (r == -EAGAIN)
			goto retry;
		if (r)
			continue;
		if (tdp_mmu_set_spte_atomic(kvm, &iter, huge_spte))
			goto retry;
		kvm->stat.huge_recovered++;
		flush = true;
	}
	if (flush)
		kvm_flush_remote_tlbs_memslot(kvm, slot);
	env_rcu_read_unlock(kvm->env);
}

void kvm_tdp_mmu_recover_huge_pages(struct kvm *kvm,
				    const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_read(kvm->env);
	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, slot->as_id)
		recover_huge_pages_range(kvm, root, slot);
}

/* ------------------------------------------------------------ teardown */

/* Frees a table and its children with plain reads: nobody walks them. */
static void tdp_mmu_free_tree(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	for (int i = 0; i < SPTE_ENT_PER_PAGE && sp->role.level > PG_LEVEL_4K; i++) {
		struct kvm_mmu_page *child =
			spte_to_child_sp(kvm, sp->spt[i], sp->role.level);

		if (child) {
			tdp_mmu_unlink_sp(kvm, child);
			kvm->stat.pt_pages_freed++;
			tdp_mmu_free_tree(kvm, child); /* frees @child too */
		}
	}
	tdp_mmu_free_sp(kvm->env, sp);
}

void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm)
{
	struct kvm_mmu_page_index *ix = kvm->sp_index;

	if (!ix)
		return; /* kvm_mmu_init_tdp_mmu failed: nothing was made */
	while (!list_empty(&kvm->tdp_mmu_roots)) {
		struct kvm_mmu_page *root =
			container_of(kvm->tdp_mmu_roots.next, struct kvm_mmu_page, link);

		list_del_rcu(&root->link);
		if (kvm->x86->tdp_root_freed)
			kvm->x86->tdp_root_freed(kvm, root);
		kvm->stat.roots_freed++;
		tdp_mmu_free_tree(kvm, root);
	}
	/* Tables still accounted were leaked: linked into a root after it
	 * was zapped (E7), or never torn down. */
	ENV_ASSERT(kvm->env, kvm->stat.tdp_mmu_pages == 0);
	/* Headers of leaked tables (the finding above, when a bug knob
	 * leaks them) are the model's memory, not the guest's: free them.
	 * Their tables are simulated memory, gone with the env. */
	for (u64 b = 0; b <= ix->mask; b++) {
		struct kvm_mmu_page *sp = ix->bucket[b], *next;

		for (; sp; sp = next) {
			next = sp->index_next;
			if (!sp->rcu_free_pending) {
				sp_index_del(sp);
				free(sp);
			}
		}
	}
	/* Headers still waiting for their grace period free the index. */
	ix->vm_gone = true;
	if (!ix->nr) {
		free(ix->bucket);
		free(ix);
	}
	kvm->sp_index = NULL;
}
