/* SPDX-License-Identifier: GPL-2.0-only */
/* sim/core internals: the engine and thread structs, shared by its files. */
#ifndef TDPSIM_SIM_CORE_INT_H
#define TDPSIM_SIM_CORE_INT_H

#include "sim/core/compiler.h"
#include "sim/core/core.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

enum thread_state { T_RUNNABLE, T_BLOCKED, T_DONE };

struct sim_thread {
	struct sim_hot_thread hot; /* clock, id, accounts: must be first (core.h) */
	enum thread_state state;
	bool daemon;
	bool in_heap;
	cycles_t key;       /* heap key: clock if runnable, wake time if blocked */
	cycles_t lookahead; /* sim_set_lookahead: cycles of invisibility */
	unsigned heap_pos;
	unsigned nola_pos;  /* in sim.nola while queued without lookahead */
	const char *wait;   /* wait reason while blocked */
	int wait_acct;      /* account charged for the blocked time */
	void *sp;           /* saved stack pointer while switched out */
	void *stack;        /* mapping, guard page included */
	size_t stack_len;
	sim_thread_fn *fn;
	void *arg;
	void *ctx;
	struct sim *sim;
	char *name;
	unsigned rcu_nest;
	uint64_t rcu_exits; /* outermost read-section exits: a quiescent-state count */
#ifdef SIM_ASAN
	void *asan_fake;
#endif
};

struct stat_ent {
	char *name;
	void *ptr;
};
struct stats {
	struct stat_ent *c, *h;
	size_t nc, nh, capc, caph;
	bool sorted;
	uint64_t *frozen;  /* counter values at stats_freeze, by sorted index */
	struct hist *frozen_h; /* histograms at stats_freeze, likewise */
};

struct rcu_wait;
struct poison_set;

struct sim {
	struct sim_hot hot;       /* must be first: core.h's inline primitives */
	struct core_params p;
	struct sim_thread **threads;
	unsigned nthreads, cap_threads;
	struct sim_thread *cur;   /* the running thread; set with sim_set_cur */
	unsigned live;            /* threads that keep the run alive */
	enum sim_status status;

	/* Threads other than the running one with a next event, by (key, id).
	 * The horizon cached from its top is in hot. */
	struct sim_thread **heap;
	unsigned heap_n;
	/* For sim_lookahead_limit: the queued threads without a lookahead
	 * (in no order), the one lookahead value set so far, and whether two
	 * different values were ever set (then it scans the heap). */
	struct sim_thread **nola;
	unsigned nola_n;
	cycles_t la_value;
	bool la_mixed;

	void *main_sp;
#ifdef SIM_ASAN
	void *main_fake;
	bool switch_from_main;
	const void *main_stack_bottom;
	size_t main_stack_size;
#endif

	sim_resume_hook *resume_fn;
	void *resume_ctx;

	/* cycle accounts */
	const char *acct_names[SIM_ACCT_MAX];
	int nacct;

	/* explore */
	struct rng explore_rng;
	uint64_t steps;
	uint64_t *change_points; /* sorted yield-point indices */
	unsigned ncp, next_cp;

	/* simulated memory (its base is in hot) */
	uint64_t mem_size;
	uint64_t mem_top;         /* sim_mem_alloc bumps down from the top */
	struct poison_set *poison;
	sim_poison_hook *poison_fn;
	void *poison_ctx;

	/* the event log is in hot */

	/* RCU */
	struct rcu_wait *rcu_waits;   /* grace periods in progress */
	struct rcu_cb *rcu_ready;     /* callbacks whose grace period ended */
	struct rcu_cb *rcu_ready_tail;
	struct sim_thread *rcu_thread;
	unsigned rcu_pending;

	struct stats stats;
	struct {
		uint64_t switches, explore_delays, poison_reads,
			deadlocks, rcu_gps, rcu_callbacks;
		/* Pages whose poison marks were not recorded: out of memory. */
		uint64_t poison_lost;
	} ctr;
};

struct rcu_cb {
	struct rcu_cb *next;
	void (*fn)(struct sim *, void *);
	void *arg;
	cycles_t ready;
};

/* Makes t (or no thread) the running one, in both views of it. */
static inline void sim_set_cur(struct sim *s, struct sim_thread *t)
{
	s->cur = t;
	s->hot.cur = t ? &t->hot : NULL;
}

/* sched.c */
void sim_explore_point(struct sim *s);
void sim_sched_switch(struct sim *s);
/* Leaves the running thread (queued, blocked or done) for the next one due. */
void sim_run_next(struct sim *s);
void sim_exit_if_idle(struct sim *s);

/* sim_sync, sim_log_fast and sim_charge are in core.h, with the hot half
 * they run on. */

/* mem.c */
int sim_mem_init(struct sim *s);
void sim_mem_fini(struct sim *s);
/* rcu in sync.c */
void sim_rcu_fini(struct sim *s);
/* stats.c */
void stats_fini(struct stats *st);
/* ctx */
void sim_ctx_switch(void **save_sp, void *load_sp);
void *sim_ctx_init(void *stack, size_t len, void (*entry)(void *), void *arg);

#endif
