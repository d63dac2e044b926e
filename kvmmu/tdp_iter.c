// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/tdp_iter.c — stepping the TDP iterator.
 */
#include "kvmmu/tdp_iter.h"

/* The entry for iter->gfn in the table at iter->level; re-reads it. */
static void tdp_iter_refresh_sptep(struct tdp_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level - 1] +
		      SPTE_INDEX(iter->gfn, iter->level);
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->env, iter->sptep);
}

void tdp_iter_restart(struct tdp_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->next_last_level_gfn;
	iter->level = iter->root_level;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	iter->valid = true;
}

void tdp_iter_start(struct tdp_iter *iter, struct env *env, u64 *root_pt,
		    int root_level, int as_id, int min_level, gfn_t start,
		    bool restart_steps_side)
{
	/* Tables are freed only after a grace period: walk inside one. */
	rcu_assert_read_held(env);
	iter->env = env;
	iter->restart_steps_side = restart_steps_side;
	if (!root_pt || root_level < PG_LEVEL_4K ||
	    root_level > PT64_ROOT_MAX_LEVEL) {
		iter->valid = false;
		return;
	}
	iter->next_last_level_gfn = start;
	iter->yielded_gfn = start;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->as_id = as_id;
	iter->pt_path[root_level - 1] = root_pt;
	tdp_iter_restart(iter);
}

/* The table a present non-leaf SPTE points to, else NULL. */
static u64 *spte_to_child_pt(struct env *env, u64 spte, int level)
{
	if (!is_shadow_present_pte(spte) || is_last_spte(spte, level))
		return NULL;
	return env_pt_va(env, spte & SPTE_BASE_ADDR_MASK);
}

/*
 * Steps into the table the current entry points to, if it is a present
 * non-leaf and the walk may go below this level.  The entry is re-read
 * first: the snapshot may predate a zap that unlinked the table, and the
 * walk must not descend into a table that is no longer linked here.
 */
static bool try_step_down(struct tdp_iter *iter)
{
	u64 *child_pt;

	if (iter->level == iter->min_level)
		return false;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->env, iter->sptep);
	child_pt = spte_to_child_pt(iter->env, iter->old_spte, iter->level);
	if (!child_pt)
		return false;
	iter->level--;
	iter->pt_path[iter->level - 1] = child_pt;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

/*
 * Steps to the next entry of the current table, unless this was its last
 * one.  The gfn target moves with it: that is where a restart resumes.
 */
static bool try_step_side(struct tdp_iter *iter)
{
	if (SPTE_INDEX(iter->gfn, iter->level) == SPTE_ENT_PER_PAGE - 1)
		return false;
	iter->gfn += KVM_PAGES_PER_HPAGE(iter->level);
	iter->next_last_level_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->env, iter->sptep);
	return true;
}

/* Steps back to the parent entry; false at the root. */
static bool try_step_up(struct tdp_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;
	iter->level++;
	iter->gfn = gfn_round_for_level(iter->gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

/*
 * The next entry in pre-order:
 *   1. If the walk yielded, restart from the root towards
 *      next_last_level_gfn, landing on the entry it was on (or, under
 *      mmu.iter_restart=step-side, continue with 2 from the root entry —
 *      which steps past the current top-level entry when the walk cannot
 *      go down, the bug of E4).
 *   2. Step down into the current entry's table if it has one.
 *   3. Otherwise step sideways; at the end of a table step up and try
 *      sideways again, until a sideways step succeeds.
 *   4. If no step is possible the walk is over: valid = false.
 * The loop condition of for_each_tdp_pte also stops the walk once iter->gfn
 * reaches the end of the range.
 */
void tdp_iter_next(struct tdp_iter *iter)
{
	env_cost(iter->env, ENV_COST_SPTE_STEP);
	if (iter->yielded) {
		tdp_iter_restart(iter);
		if (!iter->restart_steps_side)
			return;
	}
	if (try_step_down(iter))
		return;
	do {
		if (try_step_side(iter))
			return;
	} while (try_step_up(iter));
	iter->valid = false;
}
