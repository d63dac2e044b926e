// SPDX-License-Identifier: GPL-2.0-only
/*
 * Synchronization the kernel code above relies on: a queued reader/writer
 * spinlock (KVM's mmu_lock) and RCU.
 *
 * rwlock.  A spinning waiter does nothing observable until it gets the lock,
 * so instead of simulating each spin iteration the waiter leaves the run
 * queue and is handed the lock by the releaser; the cycles between its
 * arrival and the hand-off are charged to SIM_ACCT_LOCK_WAIT, exactly what
 * spinning would have cost.  Hand-off is FIFO, and a queued writer keeps new
 * readers out, as qrwlock does for non-interrupt readers.
 *
 * RCU.  Each thread counts its outermost read-section exits.  A grace period
 * snapshots those counts for the threads inside a read section when it
 * starts; it has ended once each of them has exited since (and rcu.gp_latency
 * cycles have passed).  Callbacks run on an engine daemon thread, the
 * simulated rcuc kthread, which keeps the run alive while callbacks are due.
 */
#include "sim/core/core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- rwlock */

struct waiter {
	struct sim_thread *t;
	bool write;
};

struct sim_rwlock {
	char *name;
	char *why_read, *why_write;
	uint64_t *word;           /* state mirror in the arena, for the event log */
	unsigned readers;
	struct sim_thread *writer;
	uint8_t *reading;         /* per thread id: read-held count */
	cycles_t *read_since;     /* per thread id: when it took the lock */
	unsigned nreading;
	struct waiter *q;
	unsigned qhead, qlen, qcap;
	uint64_t acquires, contended, wait_cycles;
	uint64_t write_hold_cycles;  /* summed over write sections */
	uint64_t read_hold_cycles;   /* summed over every reader's sections */
	cycles_t write_since;
};

#define RW_WRITER (1ull << 63)

static char *fmt2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s %s", a, b);
	return s;
}

struct sim_rwlock *sim_rwlock_new(struct sim *s, const char *name)
{
	struct sim_rwlock *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->name = strdup(name);
	l->why_read = fmt2("rwlock read", name);
	l->why_write = fmt2("rwlock write", name);
	l->word = sim_mem_alloc(s, sizeof(uint64_t));
	char key[128];
	snprintf(key, sizeof(key), "lock.%s.acquires", name);
	stats_counter(&s->stats, key, &l->acquires);
	snprintf(key, sizeof(key), "lock.%s.contended", name);
	stats_counter(&s->stats, key, &l->contended);
	snprintf(key, sizeof(key), "lock.%s.wait_cycles", name);
	stats_counter(&s->stats, key, &l->wait_cycles);
	snprintf(key, sizeof(key), "lock.%s.write_hold_cycles", name);
	stats_counter(&s->stats, key, &l->write_hold_cycles);
	snprintf(key, sizeof(key), "lock.%s.read_hold_cycles", name);
	stats_counter(&s->stats, key, &l->read_hold_cycles);
	return l;
}

void sim_rwlock_free(struct sim_rwlock *l)
{
	if (!l)
		return;
	free(l->name);
	free(l->why_read);
	free(l->why_write);
	free(l->reading);
	free(l->read_since);
	free(l->q);
	free(l);
}

/* Counts a reader in (+1) or out (-1); @now is when its hold starts or
 * ends (a handed-off reader's hold starts at the hand-off). */
static void set_reading(struct sim_rwlock *l, unsigned id, int delta,
			cycles_t now)
{
	if (id >= l->nreading) {
		unsigned n = id + 16;
		uint8_t *r = realloc(l->reading, n);
		cycles_t *t = realloc(l->read_since, n * sizeof(*t));
		if (!r || !t)
			abort();
		memset(r + l->nreading, 0, n - l->nreading);
		memset(t + l->nreading, 0, (n - l->nreading) * sizeof(*t));
		l->reading = r;
		l->read_since = t;
		l->nreading = n;
	}
	if (delta > 0 && l->reading[id] == 0)
		l->read_since[id] = now;
	l->reading[id] = (uint8_t)(l->reading[id] + delta);
	if (delta < 0 && l->reading[id] == 0)
		l->read_hold_cycles += now - l->read_since[id];
}

static void mirror(struct sim *s, struct sim_rwlock *l, const char *op)
{
	uint64_t old = *l->word;
	*l->word = (l->writer ? RW_WRITER : 0) | l->readers;
	sim_log_fast(s, op, sim_pa(s, l->word), old, *l->word);
}

static void enqueue(struct sim_rwlock *l, struct sim_thread *t, bool write)
{
	if (l->qlen == l->qcap) {
		unsigned cap = l->qcap ? 2 * l->qcap : 8;
		struct waiter *q = malloc(cap * sizeof(*q));
		if (!q)
			abort();
		for (unsigned i = 0; i < l->qlen; i++)
			q[i] = l->q[(l->qhead + i) % l->qcap];
		free(l->q);
		l->q = q;
		l->qcap = cap;
		l->qhead = 0;
	}
	l->q[(l->qhead + l->qlen++) % l->qcap] = (struct waiter){ t, write };
}

static struct waiter *qfront(struct sim_rwlock *l)
{
	return l->qlen ? &l->q[l->qhead] : NULL;
}

static void dequeue(struct sim_rwlock *l)
{
	l->qhead = (l->qhead + 1) % l->qcap;
	l->qlen--;
}

/* Hands the free (or reader-only, for readers) lock to the queue front. */
static void hand_off(struct sim *s, struct sim_rwlock *l)
{
	struct waiter *w;
	cycles_t now = s->cur->hot.clock;

	if (l->writer)
		return;
	while ((w = qfront(l))) {
		if (w->write) {
			if (l->readers)
				return;
			l->writer = w->t;
			dequeue(l);
			sim_wake(s, l->writer, now);
			return;
		}
		l->readers++;
		set_reading(l, w->t->hot.id, 1, now);
		sim_wake(s, w->t, now);
		dequeue(l);
	}
}

static void wait_turn(struct sim *s, struct sim_rwlock *l, bool write)
{
	struct sim_thread *t = s->cur;
	cycles_t start = t->hot.clock;
	l->contended++;
	enqueue(l, t, write);
	sim_block(s, SIM_ACCT_LOCK_WAIT, write ? l->why_write : l->why_read);
	l->wait_cycles += t->hot.clock - start;
}

void sim_read_lock(struct sim *s, struct sim_rwlock *l)
{
	sim_sync(s);
	l->acquires++;
	if (!l->writer && l->qlen == 0) {
		l->readers++;
		set_reading(l, s->cur->hot.id, 1, s->cur->hot.clock);
	} else {
		wait_turn(s, l, false);
	}
	mirror(s, l, "read_lock");
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
}

void sim_read_unlock(struct sim *s, struct sim_rwlock *l)
{
	sim_sync(s);
	if (!sim_rwlock_held_read(s, l))
		abort(); /* unlocking a read lock this thread does not hold */
	l->readers--;
	set_reading(l, s->cur->hot.id, -1, s->cur->hot.clock);
	hand_off(s, l);
	mirror(s, l, "read_unlock");
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
}

void sim_write_lock(struct sim *s, struct sim_rwlock *l)
{
	sim_sync(s);
	l->acquires++;
	if (!l->writer && !l->readers && l->qlen == 0)
		l->writer = s->cur;
	else
		wait_turn(s, l, true);
	l->write_since = s->cur->hot.clock;
	mirror(s, l, "write_lock");
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
}

void sim_write_unlock(struct sim *s, struct sim_rwlock *l)
{
	sim_sync(s);
	if (l->writer != s->cur)
		abort(); /* unlocking a write lock this thread does not hold */
	l->write_hold_cycles += s->cur->hot.clock - l->write_since;
	l->writer = NULL;
	hand_off(s, l);
	mirror(s, l, "write_unlock");
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
}

bool sim_rwlock_contended(const struct sim_rwlock *l) { return l->qlen > 0; }

bool sim_rwlock_held_read(struct sim *s, const struct sim_rwlock *l)
{
	unsigned id = s->cur->hot.id;
	return id < l->nreading && l->reading[id] > 0;
}

bool sim_rwlock_held_write(struct sim *s, const struct sim_rwlock *l)
{
	return l->writer == s->cur;
}

bool sim_rwlock_held(struct sim *s, const struct sim_rwlock *l)
{
	return sim_rwlock_held_write(s, l) || sim_rwlock_held_read(s, l);
}

/* ------------------------------------------------------------------- RCU */

/* A grace period in progress: readers it waits for and who waits for it. */
struct rcu_wait {
	struct rcu_wait *next;
	cycles_t start;
	unsigned n;             /* readers still to leave */
	unsigned *ids;
	uint64_t *exits;        /* their exit count at the snapshot */
	struct sim_thread *waiter; /* synchronize_rcu caller, or NULL */
	struct rcu_cb *cb;         /* or a callback */
};

static void rcu_thread_fn(struct sim *s, void *arg);

static void rcu_cb_ready(struct sim *s, struct rcu_cb *cb)
{
	cb->next = NULL;
	if (s->rcu_ready_tail)
		s->rcu_ready_tail->next = cb;
	else
		s->rcu_ready = cb;
	s->rcu_ready_tail = cb;
	sim_wake(s, s->rcu_thread, cb->ready);
}

/* The grace period @w has no readers left: release whoever waits for it. */
static void rcu_complete(struct sim *s, struct rcu_wait *w)
{
	cycles_t ready = w->start + s->p.rcu_gp_latency;
	if (s->cur && ready < s->cur->hot.clock)
		ready = s->cur->hot.clock;
	s->ctr.rcu_gps++;
	if (w->waiter) {
		sim_wake(s, w->waiter, ready);
	} else {
		w->cb->ready = ready;
		rcu_cb_ready(s, w->cb);
	}
	free(w->ids);
	free(w->exits);
	free(w);
}

static struct rcu_wait *rcu_snapshot(struct sim *s)
{
	struct rcu_wait *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->start = s->cur->hot.clock;
	for (unsigned i = 0; i < s->nthreads; i++)
		if (s->threads[i]->rcu_nest)
			w->n++;
	if (w->n) {
		w->ids = malloc(w->n * sizeof(*w->ids));
		w->exits = malloc(w->n * sizeof(*w->exits));
		if (!w->ids || !w->exits)
			abort();
		unsigned k = 0;
		for (unsigned i = 0; i < s->nthreads; i++) {
			struct sim_thread *t = s->threads[i];
			if (t->rcu_nest) {
				w->ids[k] = i;
				w->exits[k++] = t->rcu_exits;
			}
		}
	}
	return w;
}

/* Re-checks every grace period in progress after a reader left. */
static void rcu_advance(struct sim *s)
{
	struct rcu_wait **pp = &s->rcu_waits;
	while (*pp) {
		struct rcu_wait *w = *pp;
		unsigned k = 0;
		for (unsigned i = 0; i < w->n; i++) {
			struct sim_thread *t = s->threads[w->ids[i]];
			if (t->rcu_exits == w->exits[i]) {
				w->ids[k] = w->ids[i];
				w->exits[k++] = w->exits[i];
			}
		}
		w->n = k;
		if (k == 0) {
			*pp = w->next;
			rcu_complete(s, w);
		} else {
			pp = &w->next;
		}
	}
}

static void rcu_start(struct sim *s, struct rcu_wait *w)
{
	if (w->n == 0) {
		rcu_complete(s, w);
		return;
	}
	w->next = s->rcu_waits;
	s->rcu_waits = w;
}

/* Entering and leaving a read section are observed by grace periods, so
 * both are yield points (of no cost: preempt_disable is nearly free). */
void sim_rcu_read_lock(struct sim *s)
{
	sim_sync(s);
	s->cur->rcu_nest++;
}

void sim_rcu_read_unlock(struct sim *s)
{
	struct sim_thread *t = s->cur;
	if (t->rcu_nest == 0)
		abort(); /* unbalanced rcu_read_unlock */
	sim_sync(s);
	if (--t->rcu_nest == 0) {
		t->rcu_exits++;
		if (s->rcu_waits)
			rcu_advance(s);
	}
}

bool sim_rcu_read_held(struct sim *s) { return s->cur->rcu_nest > 0; }

void sim_synchronize_rcu(struct sim *s)
{
	struct sim_thread *t = s->cur;
	if (t->rcu_nest)
		abort(); /* synchronize_rcu inside a read section deadlocks */
	sim_sync(s);
	struct rcu_wait *w = rcu_snapshot(s);
	w->waiter = t;
	/* Blocked before the grace period starts, so that a period with no
	 * readers, which completes at once, finds a thread to wake. */
	t->state = T_BLOCKED;
	t->wait = "synchronize_rcu";
	t->wait_acct = SIM_ACCT_RCU_WAIT;
	rcu_start(s, w);
	sim_run_next(s);
}

void sim_call_rcu(struct sim *s, void (*fn)(struct sim *, void *), void *arg)
{
	struct rcu_cb *cb = calloc(1, sizeof(*cb));
	if (!cb)
		abort();
	cb->fn = fn;
	cb->arg = arg;
	if (!s->rcu_thread)
		s->rcu_thread = sim_spawn(s, "rcuc", rcu_thread_fn, NULL,
					  s->cur->hot.clock, SIM_THREAD_DAEMON);
	/* Pending callbacks keep the run alive until they have run. */
	if (s->rcu_pending++ == 0)
		s->live++;
	struct rcu_wait *w = rcu_snapshot(s);
	w->cb = cb;
	rcu_start(s, w);
}

unsigned sim_rcu_pending(const struct sim *s) { return s->rcu_pending; }

static void rcu_thread_fn(struct sim *s, void *arg)
{
	for (;;) {
		struct rcu_cb *cb = s->rcu_ready;
		if (!cb) {
			sim_block(s, SIM_ACCT_SLEEP, "rcu idle");
			continue;
		}
		if (cb->ready > sim_now(s)) {
			sim_sleep_until(s, SIM_ACCT_SLEEP, cb->ready);
			continue;
		}
		sim_sync(s);
		s->rcu_ready = cb->next;
		if (!s->rcu_ready)
			s->rcu_ready_tail = NULL;
		cb->fn(s, cb->arg);
		free(cb);
		s->ctr.rcu_callbacks++;
		if (--s->rcu_pending == 0) {
			s->live--;
			sim_exit_if_idle(s);
		}
	}
}

void sim_rcu_drain(struct sim *s)
{
	sim_rcu_fini(s);
	s->rcu_ready_tail = NULL;
	if (s->rcu_pending) {
		s->rcu_pending = 0;
		if (s->live)
			s->live--;
	}
}

void sim_rcu_fini(struct sim *s)
{
	/* A run that ended early (deadlock, stop) may leave callbacks: run
	 * them outside simulated time so their frees are not leaked. */
	while (s->rcu_waits) {
		struct rcu_wait *w = s->rcu_waits;
		s->rcu_waits = w->next;
		if (w->cb) {
			w->cb->next = s->rcu_ready;
			s->rcu_ready = w->cb;
		}
		free(w->ids);
		free(w->exits);
		free(w);
	}
	sim_set_cur(s, NULL);
	while (s->rcu_ready) {
		struct rcu_cb *cb = s->rcu_ready;
		s->rcu_ready = cb->next;
		cb->fn(s, cb->arg);
		free(cb);
	}
}
