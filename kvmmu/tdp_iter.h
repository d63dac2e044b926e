/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/tdp_iter.h — a pre-order walk over one TDP paging structure.
 *
 * The iterator visits every entry that maps some gfn in [start, end) at
 * levels >= min_level, parents before children.  Every SPTE it reads is
 * read through env (a yield point), under RCU: another thread may zap the
 * entry, unlink and free a table, or the CPU may set A/D, between any two
 * steps.  old_spte is a snapshot, never a promise; writers compare it with
 * cmpxchg.  Page tables stay readable until an RCU grace period after they
 * were unlinked, which is what makes following a stale pt_path safe.
 */
#ifndef TDPSIM_KVMMU_TDP_ITER_H
#define TDPSIM_KVMMU_TDP_ITER_H

#include "kvmmu/env.h"
#include "kvmmu/lockdep.h"
#include "kvmmu/spte.h"

struct tdp_iter {
	/* The gfn the walk aims at next.  A restart after a yield walks down
	 * again towards it, and every sideways step advances it. */
	gfn_t next_last_level_gfn;
	/* next_last_level_gfn at the last (re)start: yielding again before
	 * moving past it would make no forward progress. */
	gfn_t yielded_gfn;
	/* The table visited at each level: pt_path[level - 1]. */
	u64 *pt_path[PT64_ROOT_MAX_LEVEL];
	/* The entry the iterator is on. */
	u64 *sptep;
	/* The lowest gfn mapped by that entry. */
	gfn_t gfn;
	/* Level of the root table (4 or 5). */
	int root_level;
	/* The walk never steps below this level. */
	int min_level;
	/* Level of the table holding the current entry. */
	int level;
	/* Address space of the root (0 normal, 1 SMM). */
	int as_id;
	/* The current entry as last read, or as a failed cmpxchg found it. */
	u64 old_spte;
	/* False once the walk has left the root. */
	bool valid;
	/* The walk dropped mmu_lock and RCU: pt_path may point at freed
	 * tables, so the next step restarts from the root. */
	bool yielded;
	/* Not in KVM: where SPTE loads go, and mmu.iter_restart=step-side,
	 * the pre-3a0f64de479c restart that steps past the current entry. */
	struct env *env;
	bool restart_steps_side;
};

/*
 * Starts at the root entry covering @start.  @root_pt is the root table,
 * @root_level its level.
 */
void tdp_iter_start(struct tdp_iter *iter, struct env *env, u64 *root_pt,
		    int root_level, int as_id, int min_level, gfn_t start,
		    bool restart_steps_side);
void tdp_iter_next(struct tdp_iter *iter);
void tdp_iter_restart(struct tdp_iter *iter);

static inline u64 kvm_tdp_mmu_read_spte(struct env *env, u64 *sptep)
{
	return env_read(env, sptep);
}

#endif
