/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmmu/lockdep.h — kvmmu's lockdep and RCU assertions: real checks on the
 * env's engine state (mmu_lock held for read or write, inside an RCU read
 * section), reported through env_assert_fail.
 */
#ifndef TDPSIM_KVMMU_LOCKDEP_H
#define TDPSIM_KVMMU_LOCKDEP_H

#include "kvmmu/env.h"

#define lockdep_assert_held_read(e) ENV_ASSERT(e, env_lock_held_read(e))
#define lockdep_assert_held_write(e) ENV_ASSERT(e, env_lock_held_write(e))
#define lockdep_assert_held(e)                                               \
	ENV_ASSERT(e, env_lock_held_read(e) || env_lock_held_write(e))
#define rcu_assert_read_held(e) ENV_ASSERT(e, env_rcu_read_held(e))

#endif
