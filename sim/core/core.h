/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/core — the simulation engine every other component runs on.
 *
 * A run is a set of simulated threads (vCPUs, host kthreads, the VMM, a
 * scenario driver), each a coroutine with its own stack and its own cycle
 * clock.  Nothing here is an OS thread: switching is a few instructions and a
 * run is a pure function of (scenario, params, seed).
 *
 * Time.  A thread's clock advances when it charges cycles.  Work only the
 * thread itself can observe (a TLB hit) is charged with sim_charge() and never
 * switches.  An operation on state another thread can observe is a *yield
 * point*: it first waits until its thread is the earliest in the run (ties go
 * to the lower thread id), then happens, then charges its cost.  So with
 * quantum 0 every shared operation happens in exact global clock order, which
 * is what makes races reproducible.  A positive quantum lets a thread run up
 * to that many cycles ahead of the others before it must switch.
 *
 * Simulated memory.  Every word another thread may touch — page-table
 * entries, lock words, test counters — lives in one arena of simulated
 * physical memory owned by the engine, so an entry's physical address is its
 * offset in the arena (sim_pa) and the event log prints stable addresses.
 * Frame allocation policy belongs to sim/host; the engine only maps, poisons
 * and resolves.
 *
 * Groups below: engine lifetime, threads and scheduling, time and cycle
 * accounts, shared-memory primitives, rwlock, RCU, poison, event log, RNG,
 * stats, params.
 */
#ifndef TDPSIM_SIM_CORE_H
#define TDPSIM_SIM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t cycles_t;
#define SIM_NEVER UINT64_MAX

struct sim;
struct sim_thread;
struct core_params;

/* ---------------------------------------------------------------- engine */

enum sim_mode {
	SIM_TIMED,   /* smallest clock first, ties by thread id */
	SIM_EXPLORE, /* timed plus seeded delays and PCT-style change points */
};

/* Outcome of sim_run(). */
enum sim_status {
	SIM_DONE = 0,     /* every non-daemon thread returned */
	SIM_DEADLOCK = 1, /* everyone blocked with nothing scheduled */
	SIM_STOPPED = 2,  /* sim_stop() was called (e.g. an oracle gave up) */
};

/* Copies *p: the engine's parameters. */
struct sim *sim_new(const struct core_params *p);
void sim_free(struct sim *s);
enum sim_status sim_run(struct sim *s);
/* Ends the run at the next switch; the status is SIM_STOPPED. */
void sim_stop(struct sim *s);
const struct core_params *sim_params(const struct sim *s);

/* --------------------------------------------------- threads, scheduling */

typedef void sim_thread_fn(struct sim *s, void *arg);

enum {
	SIM_THREAD_DAEMON = 1 << 0, /* does not keep the run alive (RCU kthread) */
};

/* Creates a runnable thread whose clock starts at @start. Ids are dense from 0
 * in creation order; they break clock ties. */
struct sim_thread *sim_spawn(struct sim *s, const char *name, sim_thread_fn *fn,
			     void *arg, cycles_t start, unsigned flags);
struct sim_thread *sim_self(struct sim *s);
struct sim_thread *sim_thread_get(struct sim *s, unsigned id);
unsigned sim_nthreads(const struct sim *s);
unsigned sim_thread_id(const struct sim_thread *t);
const char *sim_thread_name(const struct sim_thread *t);
cycles_t sim_thread_clock(const struct sim_thread *t);
bool sim_thread_done(const struct sim_thread *t);
/* Why a blocked thread waits ("rwlock write", "ipi ack", ...), or NULL. */
const char *sim_thread_wait_reason(const struct sim_thread *t);
/* Called each time a thread resumes (or starts), on its own stack, before
 * it goes on: a machine restores per-CPU state there (the TLB context of
 * the pCPU a vCPU runs on, when vCPUs time-share pCPUs). */
typedef void sim_resume_hook(void *ctx, struct sim_thread *t);
void sim_set_resume_hook(struct sim *s, sim_resume_hook *fn, void *ctx);
/* Opaque per-thread pointer for the layer that owns the thread (a vCPU). */
void sim_thread_set_ctx(struct sim_thread *t, void *ctx);
void *sim_thread_ctx(const struct sim_thread *t);

/* ------------------------------------------------ time and cycle accounts */

/*
 * Cycle accounts split each thread's clock into named parts that add up to
 * it.  The engine owns the first few; layers register theirs ("tlb", "walk",
 * "exit", ...) once per run.  Every cycle a thread's clock advances is
 * charged to exactly one account.
 */
enum {
	SIM_ACCT_OTHER,      /* charged without a named account */
	SIM_ACCT_LOCK_WAIT,  /* spinning on a contended rwlock */
	SIM_ACCT_RCU_WAIT,   /* synchronize_rcu */
	SIM_ACCT_SLEEP,      /* sim_sleep_until: idle, waiting for its next event */
	SIM_ACCT_WAIT,       /* blocked for another thread (sim_block) */
	SIM_ACCT_EXPLORE,    /* delays injected by the explore scheduler */
	SIM_ACCT_NBUILTIN,
	SIM_ACCT_MAX = 32,
};
int sim_acct_register(struct sim *s, const char *name);
const char *sim_acct_name(const struct sim *s, int acct);
int sim_nacct(const struct sim *s);
uint64_t sim_thread_acct(const struct sim_thread *t, int acct);

/*
 * The hot half of the engine, exposed only so that the primitives a model
 * calls on every simulated access inline (sim_now, sim_charge,
 * sim_set_acct, sim_yield, sim_sync_limit, sim_load_c).  Callers must not
 * touch it.  It is the first member of struct sim, and sim_hot_thread the
 * first of each thread.
 */
struct sim_event;
struct sim_hot_thread {
	cycles_t clock;
	int acct_cur;        /* account the shared-memory primitives charge */
	unsigned id;         /* dense from 0 in creation order */
	uint64_t acct[SIM_ACCT_MAX];
};
struct sim_hot {
	struct sim_hot_thread *cur;	/* the running thread; NULL between */
	/* The horizon, cached from the scheduler's heap: the running thread
	 * may go on while (clock, id) < (hz_limit, hz_id). */
	cycles_t hz_limit;
	unsigned hz_id;
	bool explore;			/* sim.mode=explore: every yield point
					 * takes the slow path */
	uint64_t yields;		/* yield points passed */
	struct sim_event *log;		/* the event ring, log_mask + 1 records */
	uint64_t log_mask, log_total;	/* log_total: records ever written */
	uint8_t *mem;			/* the arena; physical address 0 */
};

/* Sets the account that the current thread's shared-memory primitives and
 * lock operations charge (SIM_ACCT_OTHER at spawn); returns the old one.
 * A vCPU switches it between guest work and hypervisor work. */
static inline int sim_set_acct(struct sim *s, int acct)
{
	struct sim_hot_thread *t = ((struct sim_hot *)s)->cur;
	int old = t->acct_cur;

	t->acct_cur = acct;
	return old;
}

/* The current thread's clock. */
static inline cycles_t sim_now(struct sim *s)
{
	return ((struct sim_hot *)s)->cur->clock;
}

/* Local work: advance the current thread's clock; never switches. */
static inline void sim_charge(struct sim *s, int acct, cycles_t c)
{
	struct sim_hot_thread *t = ((struct sim_hot *)s)->cur;

	t->clock += c;
	t->acct[acct] += c;
}

/* A yield point with no memory operation: wait until this thread is the
 * earliest, then charge @cost.  (Inline; defined after the event log.) */
static inline void sim_yield(struct sim *s, int acct, cycles_t cost);

/*
 * Yield points the current thread reaches at a clock below this value need
 * no switch: it is the earliest thread until then.  A thread may batch
 * such work (TLB hits) in a local loop and charge it once.  0 in explore
 * mode, where every yield point must go through sim_yield for its delays.
 */
static inline cycles_t sim_sync_limit(struct sim *s)
{
	const struct sim_hot *h = (const struct sim_hot *)s;

	if (h->explore)
		return 0;
	if (h->hz_limit == SIM_NEVER)
		return SIM_NEVER;
	return h->hz_limit + (h->cur->id < h->hz_id);
}

/*
 * Lookahead, for work that no other thread can see (a vCPU's TLB hits): a
 * thread's lookahead is its promise that nothing it does within that many
 * cycles of its clock can change or observe such work of another thread
 * (a vCPU in guest mode: it must first exit, which costs lat.vmexit, to
 * run anything that could).  0 at spawn; set by the thread for itself.
 *
 * sim_lookahead_limit() is sim_sync_limit() with every queued thread's
 * lookahead added to its time: the current thread's invisible work at a
 * clock below it comes before everything any other thread does that could
 * interact with it, so it may run there without a switch, and the order
 * of every shared operation stays that of the exact schedule.  Only the
 * engine's own counts of switches and yield points show the difference.
 * 0 in explore mode; at least sim_sync_limit() otherwise.
 */
void sim_set_lookahead(struct sim *s, cycles_t c);
cycles_t sim_lookahead_limit(struct sim *s);

/* Blocks the current thread until its clock reaches @t (no-op if past),
 * charging the time to @acct (SIM_ACCT_SLEEP for idling).  sim_wake() may
 * end the sleep earlier. */
void sim_sleep_until(struct sim *s, int acct, cycles_t t);
/* A daemon (a kernel thread) doing work the run must wait for, as
 * stopping a kthread waits for its function: between hold and release the
 * run does not end; a release that leaves nothing live ends it there. */
void sim_daemon_hold(struct sim *s);
void sim_daemon_release(struct sim *s);

/*
 * Blocks the current thread until another thread calls sim_wake() on it.
 * The time spent blocked is charged to @acct; @why is reported on deadlock.
 */
void sim_block(struct sim *s, int acct, const char *why);
/* Makes a blocked thread runnable at time @at (its clock becomes max(its
 * clock, @at)).  Waking a runnable thread is a no-op. */
void sim_wake(struct sim *s, struct sim_thread *t, cycles_t at);

/* --------------------------------------------------- shared memory (arena) */

/* The simulated physical memory; bytes come zeroed.  @size bytes, 4 KiB
 * aligned when @size is a multiple of 4 KiB.  Never freed individually:
 * sim/host recycles frames.  Returns NULL when the arena is exhausted. */
void *sim_mem_alloc(struct sim *s, size_t size);
/* Physical address <-> pointer for words inside the arena. */
static inline uint64_t sim_pa(const struct sim *s, const void *p)
{
	return (uint64_t)((const uint8_t *)p - ((const struct sim_hot *)s)->mem);
}
static inline void *sim_va(const struct sim *s, uint64_t pa)
{
	return ((const struct sim_hot *)s)->mem + pa;
}
/* Bytes of arena address space: [0, sim_mem_size) are valid addresses. */
uint64_t sim_mem_size(const struct sim *s);

/*
 * Shared-memory primitives on 64-bit words in the arena.  Each is a yield
 * point: sync, the operation, an event-log record, then its cost
 * (lat.load / lat.store / lat.atomic, or the explicit @cost of the _c forms),
 * charged to the thread's current account (sim_set_acct).
 * sim_cmpxchg has try_cmpxchg semantics: on failure *old is updated.
 */
uint64_t sim_load(struct sim *s, const uint64_t *p);
void sim_store(struct sim *s, uint64_t *p, uint64_t v);
uint64_t sim_xchg(struct sim *s, uint64_t *p, uint64_t v);
bool sim_cmpxchg(struct sim *s, uint64_t *p, uint64_t *old, uint64_t v);
/* A plain store made under a lock the caller models, after a check under
 * it: stores @v unless the word has a bit of @busy set (then it only
 * reads, at lat.load).  True if it stored. */
bool sim_store_unless(struct sim *s, uint64_t *p, uint64_t busy, uint64_t v);
uint64_t sim_fetch_or(struct sim *s, uint64_t *p, uint64_t v);
uint64_t sim_fetch_and(struct sim *s, uint64_t *p, uint64_t v);
uint64_t sim_fetch_add(struct sim *s, uint64_t *p, uint64_t v);
/* Inline (a walker's every reference); defined after the event log. */
static inline uint64_t sim_load_c(struct sim *s, const uint64_t *p, int acct,
				  cycles_t cost);
uint64_t sim_fetch_or_c(struct sim *s, uint64_t *p, uint64_t v, int acct,
			cycles_t cost);

/* ------------------------------------------------------- rwlock (spinlock) */

/*
 * A queued reader/writer spinlock in simulated memory.  A waiter spins: its
 * clock runs on (charged to SIM_ACCT_LOCK_WAIT) until the lock is handed to
 * it.  Waiters are served in arrival order; a queued writer keeps new
 * readers out (qrwlock).  Assertions name the mode a caller must hold.
 */
struct sim_rwlock;
struct sim_rwlock *sim_rwlock_new(struct sim *s, const char *name);
void sim_rwlock_free(struct sim_rwlock *l);
void sim_read_lock(struct sim *s, struct sim_rwlock *l);
void sim_read_unlock(struct sim *s, struct sim_rwlock *l);
void sim_write_lock(struct sim *s, struct sim_rwlock *l);
void sim_write_unlock(struct sim *s, struct sim_rwlock *l);
/* True if someone is queued waiting (rwlock_needbreak). */
bool sim_rwlock_contended(const struct sim_rwlock *l);
bool sim_rwlock_held_read(struct sim *s, const struct sim_rwlock *l);
bool sim_rwlock_held_write(struct sim *s, const struct sim_rwlock *l);
/* Held by the current thread in either mode. */
bool sim_rwlock_held(struct sim *s, const struct sim_rwlock *l);

/* -------------------------------------------------------------------- RCU */

void sim_rcu_read_lock(struct sim *s);
void sim_rcu_read_unlock(struct sim *s);
bool sim_rcu_read_held(struct sim *s);
/* Waits for every read section that began before the call to end, plus
 * rcu.gp_latency cycles. */
void sim_synchronize_rcu(struct sim *s);
/* Runs @fn(@arg) after a grace period, on the engine's RCU thread. */
void sim_call_rcu(struct sim *s, void (*fn)(struct sim *, void *), void *arg);
/* Callbacks queued and not yet run. */
unsigned sim_rcu_pending(const struct sim *s);
/* Outside a run only (after sim_run returned): runs every queued callback
 * now, whatever its grace period, so their objects can be torn down. */
void sim_rcu_drain(struct sim *s);

/* ----------------------------------------------------------------- poison */

/*
 * Freed memory is filled with SIM_POISON and remembered; a shared load that
 * returns the poison word and hits a poisoned range is reported through the
 * poison hook (an oracle) and counted, instead of silently reading garbage.
 */
#define SIM_POISON 0x6b6b6b6b6b6b6b6bull
void sim_mem_poison(struct sim *s, void *p, size_t len);
void sim_mem_unpoison(struct sim *s, void *p, size_t len);
bool sim_mem_poisoned(const struct sim *s, uint64_t pa);
typedef void sim_poison_hook(void *ctx, struct sim *s, uint64_t pa);
void sim_set_poison_hook(struct sim *s, sim_poison_hook *fn, void *ctx);
uint64_t sim_poison_reads(const struct sim *s);
/*
 * Pages whose poison marks (or the clearing of part of them) could not be
 * recorded for want of memory: a read of such freed memory would go
 * unreported, so a run with any is not a clean run (scenario_run fails it).
 */
uint64_t sim_poison_lost(const struct sim *s);

/* -------------------------------------------------------------- event log */

/* One record; @op is a static string ("load", "cmpxchg", "tlb.flush"). */
struct sim_event {
	cycles_t cycle;
	const char *op;
	uint64_t addr;
	uint64_t old;
	uint64_t new;
	uint32_t thread;
};
/* Appends a record for the current thread (components log their own ops). */
void sim_log(struct sim *s, const char *op, uint64_t addr, uint64_t old,
	     uint64_t new);
/* Events still in the ring, oldest first; @i < sim_log_count(). */
size_t sim_log_count(const struct sim *s);
const struct sim_event *sim_log_get(const struct sim *s, size_t i);
/* Events ever logged (the ring keeps the last sim.evlog). */
uint64_t sim_log_total(const struct sim *s);

/* ---- The primitives' inline fast paths (the hot half above) ---- */

/* Is the running thread still the earliest (below the cached horizon)? */
static inline bool sim_before_horizon(const struct sim *s)
{
	const struct sim_hot *h = (const struct sim_hot *)s;
	const struct sim_hot_thread *t = h->cur;

	return t->clock < h->hz_limit || (t->clock == h->hz_limit && t->id < h->hz_id);
}

void sim_sync_slow(struct sim *s);

/*
 * Waits until the running thread is the earliest: the entry of every yield
 * point.  The common case is one comparison against the cached horizon;
 * the rest (explore's perturbation, the switch) is sim_sync_slow.
 */
static inline void sim_sync(struct sim *s)
{
	struct sim_hot *h = (struct sim_hot *)s;

	if (__builtin_expect(!h->explore && sim_before_horizon(s), 1)) {
		h->yields++;
		return;
	}
	sim_sync_slow(s);
}

/* Appends a record made by thread @thread at @cycle. */
static inline void sim_log_at(struct sim *s, cycles_t cycle, uint32_t thread,
			      const char *op, uint64_t addr, uint64_t old, uint64_t new)
{
	struct sim_hot *h = (struct sim_hot *)s;
	struct sim_event *e = &h->log[h->log_total++ & h->log_mask];

	e->cycle = cycle;
	e->op = op;
	e->addr = addr;
	e->old = old;
	e->new = new;
	e->thread = thread;
}

/*
 * Appends a record for the running thread (or none).  It reads cur once:
 * every store it makes could otherwise alias it (the build does not
 * assume strict aliasing).
 */
static inline void sim_log_fast(struct sim *s, const char *op, uint64_t addr,
				uint64_t old, uint64_t new)
{
	const struct sim_hot_thread *t = ((struct sim_hot *)s)->cur;

	sim_log_at(s, t ? t->clock : 0, t ? t->id : UINT32_MAX, op, addr, old, new);
}

static inline void sim_yield(struct sim *s, int acct, cycles_t cost)
{
	sim_sync(s);
	sim_charge(s, acct, cost);
}

/* A load read the poison pattern: reports it if the word is poisoned. */
void sim_poison_load(struct sim *s, const uint64_t *p);

static inline uint64_t sim_load_c(struct sim *s, const uint64_t *p, int acct,
				  cycles_t cost)
{
	struct sim_hot_thread *t;
	uint64_t v;

	sim_sync(s);
	v = *p;
	if (__builtin_expect(v == SIM_POISON, 0))
		sim_poison_load(s, p);
	/* The record is the running thread's: there is one, it synced. */
	t = ((struct sim_hot *)s)->cur;
	sim_log_at(s, t->clock, t->id, "load", sim_pa(s, p), v, v);
	t->clock += cost;
	t->acct[acct] += cost;
	return v;
}

/* -------------------------------------------------------------------- RNG */

/* xoshiro256** seeded through splitmix64; one stream per thread and purpose. */
struct rng {
	uint64_t s[4];
};
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* A stream for (run seed, thread, purpose), independent of spawn order. */
void sim_rng_stream(struct sim *s, struct rng *r, uint64_t purpose);
uint64_t sim_seed(const struct sim *s);

/* ------------------------------------------------------------------ stats */

/*
 * Named 64-bit counters and log2 histograms.  Components keep their counters
 * as plain fields and register pointers once; the command walks the registry
 * to write JSON.  Names are flat and dotted ("tlb.l1d.misses").
 */
#define HIST_BUCKETS 48
struct hist {
	uint64_t count, sum, min, max;
	uint64_t bucket[HIST_BUCKETS]; /* bucket b holds values in [2^(b-1), 2^b) */
};
/* Inline: every walk adds to one. */
static inline void hist_add(struct hist *h, uint64_t v)
{
	unsigned b = v ? 64 - (unsigned)__builtin_clzll(v) : 0;

	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[b]++;
}

struct stats;
struct stats *sim_stats(struct sim *s);
/* Registers a counter; a name registered twice is a programming error. */
void stats_counter(struct stats *st, const char *name, uint64_t *v);
void stats_hist(struct stats *st, const char *name, struct hist *h);
/* Registered counters sorted by name; histograms likewise. */
size_t stats_ncounters(const struct stats *st);
const char *stats_counter_name(const struct stats *st, size_t i);
uint64_t stats_counter_value(const struct stats *st, size_t i);
size_t stats_nhists(const struct stats *st);
const char *stats_hist_name(const struct stats *st, size_t i);
const struct hist *stats_hist_get(const struct stats *st, size_t i);
/* Snapshots every counter: from now on queries return the values of this
 * moment, whatever happens after (a VM's teardown).  0 or -1 (ENOMEM). */
int stats_freeze(struct stats *st);
/* Value of a counter by name, or -1 if none (tests and expectations). */
int stats_get(const struct stats *st, const char *name, uint64_t *v);

/* ----------------------------------------------------------------- params */

/*
 * The engine's parameters (sim.*, host.mem, the costs of shared-memory
 * operations, RCU), declared once in sim/core/params.def.  Every component
 * declares its own block the same way (sim/core/params_block.h); the run's
 * struct params and the one text parser are above them all, in
 * scenarios/params.h.
 */
#define PARAMS_DEF "sim/core/params.def"
#define PARAMS_STRUCT core_params
#include "sim/core/params_block.h"

/* The one number parser of the program: decimal, or hex after 0x (never
 * octal: "010" is ten), the whole string; 0 or -1 (empty, a sign, other
 * characters, above 2^64-1).  sim_parse_size also takes a binary unit:
 * K, M, G, T (any case), alone or followed by "iB" or "B" (16K = 16KiB =
 * 16384). */
int sim_parse_u64(const char *s, uint64_t *out);
int sim_parse_size(const char *s, uint64_t *out);

/* The candidate nearest @word if near enough to be a slip ("did you
 * mean"): at most 2 edits (insertions, deletions, substitutions, a swap of
 * neighbours), and fewer than a third of the word's length plus one; else
 * NULL.  @next(@ctx, i) gives the i-th candidate, NULL after the last. */
const char *sim_nearest(const char *word, const char *(*next)(void *ctx, size_t i),
			void *ctx);

#endif
