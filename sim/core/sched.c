// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scheduler: simulated threads as coroutines, their clocks, and the rule
 * that decides who runs.
 *
 * Every thread except the running one that has a next event sits in a binary
 * min-heap keyed by (time, id): a runnable thread's clock, or a sleeping
 * thread's wake-up time.  The running thread may keep going while its
 * (clock, id) stays below the heap top's (time + quantum, id): the horizon,
 * cached in sim->hz_limit / hz_id so that the common yield point is a single
 * comparison.  Blocked threads without a wake-up time are in no heap; if the
 * heap is empty when the running thread blocks, the run is deadlocked.
 */
#include "sim/core/core_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* ------------------------------------------------------------------ heap */

static inline bool before(const struct sim_thread *a, const struct sim_thread *b)
{
	return a->key < b->key || (a->key == b->key && a->hot.id < b->hot.id);
}

static void heap_set(struct sim *s, unsigned i, struct sim_thread *t)
{
	s->heap[i] = t;
	t->heap_pos = i;
}

static void heap_up(struct sim *s, unsigned i)
{
	struct sim_thread *t = s->heap[i];
	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (!before(t, s->heap[parent]))
			break;
		heap_set(s, i, s->heap[parent]);
		i = parent;
	}
	heap_set(s, i, t);
}

static void heap_down(struct sim *s, unsigned i)
{
	struct sim_thread *t = s->heap[i];
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && before(s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s->heap[c], t))
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, t);
}

static void update_horizon(struct sim *s)
{
	if (s->heap_n == 0) {
		s->hot.hz_limit = SIM_NEVER;
		s->hot.hz_id = UINT32_MAX;
		return;
	}
	struct sim_thread *top = s->heap[0];
	cycles_t q = s->p.sim_quantum;
	s->hot.hz_limit = top->key > SIM_NEVER - q ? SIM_NEVER : top->key + q;
	s->hot.hz_id = top->hot.id;
}

static void heap_push(struct sim *s, struct sim_thread *t)
{
	heap_set(s, s->heap_n++, t);
	t->in_heap = true;
	if (!t->lookahead) {
		t->nola_pos = s->nola_n;
		s->nola[s->nola_n++] = t;
	}
	heap_up(s, t->heap_pos);
	update_horizon(s);
}

static struct sim_thread *heap_pop(struct sim *s)
{
	if (s->heap_n == 0)
		return NULL;
	struct sim_thread *t = s->heap[0];
	t->in_heap = false;
	if (!t->lookahead) {
		struct sim_thread *last = s->nola[--s->nola_n];
		s->nola[t->nola_pos] = last;
		last->nola_pos = t->nola_pos;
	}
	if (--s->heap_n > 0) {
		heap_set(s, 0, s->heap[s->heap_n]);
		heap_down(s, 0);
	}
	update_horizon(s);
	return t;
}

/* Moves @t, already in the heap, to an earlier key. */
static void heap_decrease(struct sim *s, struct sim_thread *t, cycles_t key)
{
	t->key = key;
	heap_up(s, t->heap_pos);
	update_horizon(s);
}

/* ------------------------------------------------------------- switching */

/*
 * Under ASan every switch is announced (start_switch_fiber, with the stack we
 * go to) and confirmed on arrival (finish_switch_fiber, which tells us the
 * bounds of the stack we came from).  The main stack's bounds are learnt the
 * first time a thread arrives from it.
 */
#ifdef SIM_ASAN
static void asan_arrived(struct sim *s, void *fake)
{
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(fake, &bottom, &size);
	if (s->switch_from_main) {
		s->main_stack_bottom = bottom;
		s->main_stack_size = size;
	}
}
#endif

static void switch_context(struct sim *s, void **save, struct sim_thread *next)
{
	struct sim_thread *prev = s->cur;
#ifdef SIM_ASAN
	void **fake = prev ? &prev->asan_fake : &s->main_fake;
	s->switch_from_main = !prev;
	if (next)
		__sanitizer_start_switch_fiber(fake, next->stack,
					       next->stack_len + 4096);
	else
		__sanitizer_start_switch_fiber(fake, s->main_stack_bottom,
					       s->main_stack_size);
#endif
	sim_set_cur(s, next);
	s->ctr.switches++;
	sim_ctx_switch(save, next ? next->sp : s->main_sp);
	/* Back on prev's stack: whoever switched here set s->cur = prev. */
#ifdef SIM_ASAN
	asan_arrived(s, prev ? prev->asan_fake : s->main_fake);
#endif
	if (prev && s->resume_fn)
		s->resume_fn(s->resume_ctx, prev);
}

void sim_set_resume_hook(struct sim *s, sim_resume_hook *fn, void *ctx)
{
	s->resume_fn = fn;
	s->resume_ctx = ctx;
}

/* The thread popped from the heap becomes the running one; a blocked thread
 * wakes here and its clock jumps to the wake time, charged to its wait. */
static void make_running(struct sim_thread *t)
{
	if (t->state == T_BLOCKED) {
		if (t->key > t->hot.clock) {
			t->hot.acct[t->wait_acct] += t->key - t->hot.clock;
			t->hot.clock = t->key;
		}
		t->state = T_RUNNABLE;
		t->wait = NULL;
	}
}

/* Leaves the running thread (already queued, blocked or done) for the next
 * one due, or for the caller of sim_run when nothing is. */
void sim_run_next(struct sim *s)
{
	struct sim_thread *self = s->cur;
	void **save = &self->sp;
	struct sim_thread *next = heap_pop(s);

	if (!next) {
		if (s->status == SIM_DONE && s->live > 0) {
			s->status = SIM_DEADLOCK;
			s->ctr.deadlocks++;
		}
		switch_context(s, save, NULL);
		return;
	}
	make_running(next);
	if (next != self)
		switch_context(s, save, next);
}

void sim_sched_switch(struct sim *s)
{
	struct sim_thread *t = s->cur;
	t->key = t->hot.clock;
	heap_push(s, t);
	sim_run_next(s);
}

void sim_set_lookahead(struct sim *s, cycles_t c)
{
	/* The running thread is not queued: sim.nola does not change. */
	s->cur->lookahead = c;
	if (c && c != s->la_value) {
		s->la_mixed |= s->la_value != 0;
		s->la_value = c;
	}
}

/*
 * The least, over the queued threads, of the time until which the current
 * thread comes first: a thread without lookahead at time k comes after a
 * clock below k, or at k if it has the larger id (as sim_sync_limit); one
 * with lookahead L only from k + L on.  While every lookahead set so far
 * is one value L, that is the least of the heap top's time and the times
 * of the threads without lookahead, few (the heap orders by key, then id,
 * and L >= 1): no scan of the vCPUs in guest mode.  Else a scan of the
 * heap: callers batch enough invisible work behind one call (hundreds of
 * TLB hits per lat.vmexit) to pay for it.
 */
static inline cycles_t thread_limit(const struct sim_thread *t, unsigned self)
{
	if (t->lookahead)
		return t->key > SIM_NEVER - t->lookahead ? SIM_NEVER : t->key + t->lookahead;
	return t->key + (self < t->hot.id);
}

cycles_t sim_lookahead_limit(struct sim *s)
{
	if (s->hot.explore)
		return 0;
	unsigned self = s->cur->hot.id;
	cycles_t lim = SIM_NEVER;
	if (!s->la_mixed) {
		/* The top's time is the least of the threads with lookahead
		 * (the least key); with none, of the others: a thread at the
		 * top's key has its time, or one more, which the top has if
		 * any at its key has (the larger id). */
		if (s->heap_n)
			lim = thread_limit(s->heap[0], self);
		for (unsigned i = 0; i < s->nola_n; i++) {
			cycles_t at = thread_limit(s->nola[i], self);
			if (at < lim)
				lim = at;
		}
	} else {
		for (unsigned i = 0; i < s->heap_n; i++) {
			cycles_t at = thread_limit(s->heap[i], self);
			if (at < lim)
				lim = at;
		}
	}
	/* The quantum's bounded reordering applies as to sim_sync_limit. */
	cycles_t q = s->p.sim_quantum;
	return lim > SIM_NEVER - q ? SIM_NEVER : lim + q;
}

/* sim_sync beyond its fast path, in the same order: explore's point (which
 * may move this thread's clock), the count, the horizon, the switch. */
void sim_sync_slow(struct sim *s)
{
	if (unlikely(s->hot.explore))
		sim_explore_point(s);
	s->hot.yields++;
	if (likely(sim_before_horizon(s)))
		return;
	sim_sched_switch(s);
}

/* ---------------------------------------------------------------- engine */

struct sim *sim_new(const struct core_params *p)
{
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->p = *p;
	s->hot.explore = p->sim_mode == MODE_EXPLORE;
	s->hot.hz_limit = SIM_NEVER;
	s->hot.hz_id = UINT32_MAX;

	static const char *const builtin[SIM_ACCT_NBUILTIN] = {
		[SIM_ACCT_OTHER] = "other",
		[SIM_ACCT_LOCK_WAIT] = "lock_wait",
		[SIM_ACCT_RCU_WAIT] = "rcu_wait",
		[SIM_ACCT_SLEEP] = "idle",
		[SIM_ACCT_WAIT] = "wait",
		[SIM_ACCT_EXPLORE] = "explore_delay",
	};
	for (int i = 0; i < SIM_ACCT_NBUILTIN; i++)
		s->acct_names[i] = builtin[i];
	s->nacct = SIM_ACCT_NBUILTIN;

	uint64_t n = 1;
	while (n < p->sim_evlog)
		n <<= 1;
	s->hot.log = calloc(n, sizeof(*s->hot.log));
	s->hot.log_mask = n - 1;
	if (!s->hot.log || sim_mem_init(s) != 0) {
		sim_free(s);
		return NULL;
	}

	rng_seed(&s->explore_rng, p->sim_seed, 0x65787031 /* "exp1" */);
	if (p->sim_mode == MODE_EXPLORE && p->sim_explore_change_points) {
		s->ncp = (unsigned)p->sim_explore_change_points;
		s->change_points = calloc(s->ncp, sizeof(uint64_t));
		if (!s->change_points) {
			sim_free(s);
			return NULL;
		}
		uint64_t range = p->sim_explore_steps ? p->sim_explore_steps : 1;
		for (unsigned i = 0; i < s->ncp; i++) {
			uint64_t v = 1 + rng_below(&s->explore_rng, range);
			unsigned j = i;
			while (j > 0 && s->change_points[j - 1] > v) {
				s->change_points[j] = s->change_points[j - 1];
				j--;
			}
			s->change_points[j] = v;
		}
	}

	struct stats *st = &s->stats;
	stats_counter(st, "sim.switches", &s->ctr.switches);
	stats_counter(st, "sim.yield_points", &s->hot.yields);
	stats_counter(st, "sim.explore_delays", &s->ctr.explore_delays);
	stats_counter(st, "sim.poison_reads", &s->ctr.poison_reads);
	stats_counter(st, "sim.rcu.grace_periods", &s->ctr.rcu_gps);
	stats_counter(st, "sim.rcu.callbacks", &s->ctr.rcu_callbacks);
	stats_counter(st, "sim.events", &s->hot.log_total);
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	sim_rcu_fini(s);
	for (unsigned i = 0; i < s->nthreads; i++) {
		struct sim_thread *t = s->threads[i];
		if (t->stack) {
#ifdef SIM_ASAN
			/* Shadow memory outlives munmap: a thread stopped
			 * inside a function leaves its frames' redzones
			 * poisoned, and whatever is mapped here next (another
			 * run's stack or arena) would inherit them. */
			__asan_unpoison_memory_region((char *)t->stack +
						      sysconf(_SC_PAGESIZE), t->stack_len);
#endif
			munmap(t->stack, t->stack_len + (size_t)sysconf(_SC_PAGESIZE));
		}
		free(t->name);
		free(t);
	}
	free(s->threads);
	free(s->heap);
	free(s->nola);
	free(s->change_points);
	free(s->hot.log);
	sim_mem_fini(s);
	stats_fini(&s->stats);
	free(s);
}

const struct core_params *sim_params(const struct sim *s)
{
	return &s->p;
}

static void thread_entry(void *arg)
{
	struct sim_thread *t = arg;
	struct sim *s = t->sim;
#ifdef SIM_ASAN
	asan_arrived(s, NULL);
#endif
	if (s->resume_fn)
		s->resume_fn(s->resume_ctx, t);
	t->fn(s, t->arg);

	/* The thread is done: it never runs again. */
	t->state = T_DONE;
	if (t->rcu_nest)
		abort(); /* returned inside an RCU read section: a model bug */
	if (!t->daemon)
		s->live--;
	if (s->live == 0) {
		switch_context(s, &t->sp, NULL);
		abort();
	}
	sim_run_next(s);
	abort();
}

struct sim_thread *sim_spawn(struct sim *s, const char *name, sim_thread_fn *fn,
			     void *arg, cycles_t start, unsigned flags)
{
	if (s->nthreads == s->cap_threads) {
		unsigned cap = s->cap_threads ? 2 * s->cap_threads : 8;
		struct sim_thread **th = realloc(s->threads, cap * sizeof(*th));
		struct sim_thread **hp = realloc(s->heap, cap * sizeof(*hp));
		if (th)
			s->threads = th;
		if (hp)
			s->heap = hp;
		if (!th || !hp)
			return NULL;
		struct sim_thread **nl = realloc(s->nola, cap * sizeof(*nl));
		if (!nl)
			return NULL;
		s->nola = nl;
		s->cap_threads = cap;
	}
	struct sim_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (s->p.sim_stack + page - 1) & ~(page - 1);
	void *map = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		free(t);
		return NULL;
	}
	mprotect(map, page, PROT_NONE); /* guard: overflow faults, not corrupts */
#ifdef SIM_ASAN
	/* The mapping may reuse addresses of a stack freed before: a thread
	 * that was stopped inside a function (a daemon at the end of a run)
	 * never unpoisoned its frames' redzones, and the shadow memory
	 * outlives munmap.  Without this, the next run in the process (explore
	 * runs seeds one after another) reads its own new frames as poisoned
	 * (ASan: unknown-crash in whatever function touches them first). */
	__asan_unpoison_memory_region((char *)map + page, len);
#endif
	t->stack = map;
	t->stack_len = len;
	t->hot.id = s->nthreads;
	t->name = strdup(name ? name : "thread");
	t->fn = fn;
	t->arg = arg;
	t->sim = s;
	t->hot.clock = start;
	t->daemon = flags & SIM_THREAD_DAEMON;
	t->state = T_RUNNABLE;
	t->sp = sim_ctx_init((char *)map + page, len, thread_entry, t);
	s->threads[s->nthreads++] = t;
	if (!t->daemon)
		s->live++;
	t->key = start;
	heap_push(s, t);
	return t;
}

enum sim_status sim_run(struct sim *s)
{
	s->status = SIM_DONE;
	struct sim_thread *first = heap_pop(s);
	if (!first || s->live == 0) {
		if (first)
			heap_push(s, first);
		return SIM_DONE;
	}
	make_running(first);
	sim_set_cur(s, NULL);
	switch_context(s, &s->main_sp, first);
	sim_set_cur(s, NULL);
	return s->status;
}

void sim_stop(struct sim *s)
{
	s->status = SIM_STOPPED;
	switch_context(s, &s->cur->sp, NULL);
	abort(); /* a stopped run never resumes its threads */
}

/* Called by a daemon that has just finished the work that kept it live. */
void sim_exit_if_idle(struct sim *s)
{
	if (s->live == 0)
		switch_context(s, &s->cur->sp, NULL);
}

void sim_daemon_hold(struct sim *s)
{
	if (!s->cur->daemon)
		abort(); /* a live thread holds the run already: a model bug */
	s->live++;
}

void sim_daemon_release(struct sim *s)
{
	if (!s->cur->daemon || s->live == 0)
		abort();
	s->live--;
	sim_exit_if_idle(s);
}

struct sim_thread *sim_self(struct sim *s) { return s->cur; }
struct sim_thread *sim_thread_get(struct sim *s, unsigned id)
{
	return id < s->nthreads ? s->threads[id] : NULL;
}
unsigned sim_nthreads(const struct sim *s) { return s->nthreads; }
unsigned sim_thread_id(const struct sim_thread *t) { return t->hot.id; }
const char *sim_thread_name(const struct sim_thread *t) { return t->name; }
cycles_t sim_thread_clock(const struct sim_thread *t) { return t->hot.clock; }
bool sim_thread_done(const struct sim_thread *t) { return t->state == T_DONE; }
const char *sim_thread_wait_reason(const struct sim_thread *t)
{
	return t->state == T_BLOCKED ? t->wait : NULL;
}
void sim_thread_set_ctx(struct sim_thread *t, void *ctx) { t->ctx = ctx; }
void *sim_thread_ctx(const struct sim_thread *t) { return t->ctx; }

/* ------------------------------------------------------------------ time */

int sim_acct_register(struct sim *s, const char *name)
{
	for (int i = 0; i < s->nacct; i++)
		if (strcmp(s->acct_names[i], name) == 0)
			return i;
	if (s->nacct == SIM_ACCT_MAX)
		return SIM_ACCT_OTHER;
	s->acct_names[s->nacct] = name;
	return s->nacct++;
}
const char *sim_acct_name(const struct sim *s, int acct)
{
	return acct >= 0 && acct < s->nacct ? s->acct_names[acct] : NULL;
}
int sim_nacct(const struct sim *s) { return s->nacct; }
uint64_t sim_thread_acct(const struct sim_thread *t, int acct)
{
	return t->hot.acct[acct];
}

/*
 * Explore: a seeded perturbation at each yield point.  With probability
 * delay_permille the thread is delayed by a log-uniform number of cycles (a
 * cache miss, an interrupt, a preemption); at each PCT change point the
 * running thread is demoted by a long delay, which is how PCT's priority
 * change maps onto a clock-ordered scheduler.  The delay lands before the
 * sync, so the operation itself moves later in the global order.
 */
void sim_explore_point(struct sim *s)
{
	struct sim_thread *t = s->cur;
	uint64_t max = s->p.sim_explore_max_delay ? s->p.sim_explore_max_delay : 1;
	uint64_t d = 0;

	s->steps++;
	if (s->next_cp < s->ncp && s->change_points[s->next_cp] == s->steps) {
		s->next_cp++;
		d = max + rng_below(&s->explore_rng, 4 * max + 1);
	} else if (rng_below(&s->explore_rng, 1000) <
		   s->p.sim_explore_delay_permille) {
		unsigned bits = 64 - (unsigned)__builtin_clzll(max);
		unsigned e = (unsigned)rng_below(&s->explore_rng, bits + 1);
		d = 1 + rng_below(&s->explore_rng, (1ull << e));
		if (d > max)
			d = max;
	}
	if (d) {
		s->ctr.explore_delays++;
		sim_charge(s, SIM_ACCT_EXPLORE, d);
		(void)t;
	}
}

void sim_sleep_until(struct sim *s, int acct, cycles_t until)
{
	struct sim_thread *t = s->cur;
	if (until <= t->hot.clock)
		return;
	t->state = T_BLOCKED;
	t->wait = "sleep";
	t->wait_acct = acct;
	t->key = until;
	heap_push(s, t);
	sim_run_next(s);
}

void sim_block(struct sim *s, int acct, const char *why)
{
	struct sim_thread *t = s->cur;
	t->state = T_BLOCKED;
	t->wait = why;
	t->wait_acct = acct;
	sim_run_next(s);
}

void sim_wake(struct sim *s, struct sim_thread *t, cycles_t at)
{
	if (t->state != T_BLOCKED)
		return;
	/* Causality: nothing happens before the waker's own present. */
	if (s->cur && at < s->cur->hot.clock)
		at = s->cur->hot.clock;
	if (at < t->hot.clock)
		at = t->hot.clock;
	if (t->in_heap) {
		if (at < t->key)
			heap_decrease(s, t, at);
		return;
	}
	t->key = at;
	heap_push(s, t);
}

/* ------------------------------------------------------------- event log */

void sim_log(struct sim *s, const char *op, uint64_t addr, uint64_t old,
	     uint64_t new)
{
	sim_log_fast(s, op, addr, old, new);
}

size_t sim_log_count(const struct sim *s)
{
	const struct sim_hot *h = &s->hot;

	return h->log_total < h->log_mask + 1 ? h->log_total : h->log_mask + 1;
}

const struct sim_event *sim_log_get(const struct sim *s, size_t i)
{
	uint64_t first = s->hot.log_total - sim_log_count(s);
	return &s->hot.log[(first + i) & s->hot.log_mask];
}

uint64_t sim_log_total(const struct sim *s) { return s->hot.log_total; }

uint64_t sim_seed(const struct sim *s) { return s->p.sim_seed; }

void sim_rng_stream(struct sim *s, struct rng *r, uint64_t purpose)
{
	rng_seed(r, s->p.sim_seed, purpose);
}

struct stats *sim_stats(struct sim *s) { return &s->stats; }
