/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/sync.h — lists, locks, RCU and scheduling points on the engine.
 *
 * There is one rwlock in the tree's MMU code, kvm->mmu_lock; it is the
 * engine's queued reader/writer spinlock (env_read_lock ...), so waiting
 * costs cycles and rwlock_needbreak() sees real contention.  Spinlocks and
 * mutexes (tdp_mmu_pages_lock, slots_lock, ...) are engine spin loops:
 * taking one is a yield point, a waiter spins (charging cycles) until the
 * holder releases.  RCU read sections and grace periods are the engine's.
 * lockdep_assert_held*() are real checks on that state and report a
 * kernel-warn when they fail.
 */
#ifndef KSHIM_SYNC_H
#define KSHIM_SYNC_H

#include <kshim/atomic.h>

/* ------------------------------------------------------------------ lists */

struct list_head {
	struct list_head *next, *prev;
};
struct hlist_head {
	struct hlist_node *first;
};
struct hlist_node {
	struct hlist_node *next, **pprev;
};
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}
static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = (struct list_head *)0x100;
	e->prev = (struct list_head *)0x122;
}
static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
#define list_empty_careful(h) list_empty(h)
static inline void list_move(struct list_head *e, struct list_head *h)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	list_add(e, h);
}
static inline void list_move_tail(struct list_head *e, struct list_head *h)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	list_add_tail(e, h);
}
static inline void list_splice_init(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		struct list_head *first = list->next, *last = list->prev, *at = head->next;
		first->prev = head;
		head->next = first;
		last->next = at;
		at->prev = last;
		INIT_LIST_HEAD(list);
	}
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_last_entry(ptr, type, member) list_entry((ptr)->prev, type, member)
#define list_first_entry_or_null(ptr, type, member)                          \
	(!list_empty(ptr) ? list_first_entry(ptr, type, member) : NULL)
#define list_next_entry(pos, member) list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))
#define list_for_each_entry(pos, head, member)                               \
	for (pos = list_first_entry(head, typeof(*pos), member);             \
	     !list_entry_is_head(pos, head, member);                         \
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                       \
	for (pos = list_first_entry(head, typeof(*pos), member),             \
	     n = list_next_entry(pos, member);                               \
	     !list_entry_is_head(pos, head, member);                         \
	     pos = n, n = list_next_entry(n, member))
#define list_prev_entry(pos, member) list_entry((pos)->member.prev, typeof(*(pos)), member)
#define list_for_each_entry_safe_reverse(pos, n, head, member)               \
	for (pos = list_last_entry(head, typeof(*pos), member),              \
	     n = list_prev_entry(pos, member);                               \
	     !list_entry_is_head(pos, head, member);                         \
	     pos = n, n = list_prev_entry(n, member))
#define list_for_each_entry_reverse(pos, head, member)                       \
	for (pos = list_last_entry(head, typeof(*pos), member);              \
	     !list_entry_is_head(pos, head, member);                         \
	     pos = list_entry((pos)->member.prev, typeof(*(pos)), member))

/* RCU lists: the pointer publication is an engine store, the traversal an
 * engine load, so a lockless reader interleaves with the writer. */
static inline void list_add_rcu(struct list_head *n, struct list_head *h)
{
	struct list_head *next = h->next;
	n->next = next;
	n->prev = h;
	WRITE_ONCE(h->next, n);
	next->prev = n;
}
static inline void list_del_rcu(struct list_head *e)
{
	e->next->prev = e->prev;
	WRITE_ONCE(e->prev->next, e->next);
	e->prev = (struct list_head *)0x122;
}
#define list_next_or_null_rcu(head, ptr, type, member) ({                    \
	struct list_head *__head = (head), *__ptr = (ptr);                   \
	struct list_head *__next = READ_ONCE(__ptr->next);                   \
	__next != __head ? list_entry(__next, type, member) : NULL;          \
})
#define list_first_or_null_rcu(ptr, type, member) ({                         \
	struct list_head *__ptr = (ptr);                                     \
	struct list_head *__next = READ_ONCE(__ptr->next);                   \
	__next != __ptr ? list_entry(__next, type, member) : NULL;           \
})
#define list_entry_rcu(ptr, type, member) container_of(READ_ONCE(ptr), type, member)
#define list_for_each_entry_rcu(pos, head, member, cond...)                  \
	for (pos = list_entry_rcu((head)->next, typeof(*pos), member);       \
	     &pos->member != (head);                                         \
	     pos = list_entry_rcu(pos->member.next, typeof(*(pos)), member))

#define INIT_HLIST_HEAD(ptr) ((ptr)->first = NULL)
static inline void INIT_HLIST_NODE(struct hlist_node *h)
{
	h->next = NULL;
	h->pprev = NULL;
}
static inline bool hlist_unhashed(const struct hlist_node *h) { return !h->pprev; }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	struct hlist_node *first = h->first;
	n->next = first;
	if (first)
		first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void hlist_del(struct hlist_node *n)
{
	struct hlist_node *next = n->next, **pprev = n->pprev;
	*pprev = next;
	if (next)
		next->pprev = pprev;
}
static inline bool hlist_empty(const struct hlist_head *h) { return !h->first; }
#define hlist_add_head_rcu hlist_add_head
#define hlist_del_rcu hlist_del
#define hlist_entry(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) ({                               \
	typeof(ptr) ____ptr = (ptr);                                         \
	____ptr ? hlist_entry(____ptr, type, member) : NULL;                 \
})
#define hlist_for_each_entry(pos, head, member)                              \
	for (pos = hlist_entry_safe((head)->first, typeof(*(pos)), member);  \
	     pos;                                                            \
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))
#define hlist_for_each_entry_srcu(pos, head, member, cond) hlist_for_each_entry(pos, head, member)
#define hlist_for_each_entry_safe(pos, n, head, member)                      \
	for (pos = hlist_entry_safe((head)->first, typeof(*pos), member);    \
	     pos && ({ n = pos->member.next; 1; });                          \
	     pos = hlist_entry_safe(n, typeof(*pos), member))

/* ------------------------------------------------------------------ locks */

/* The engine's mmu_lock (there is only one rwlock in the MMU code). */
typedef struct { int unused; } rwlock_t;
/* A spinlock or mutex: an engine spin loop; @held is for lockdep. */
typedef struct { int held; } spinlock_t;
struct mutex { int held; };
typedef struct { int held; } raw_spinlock_t;

void kshim_read_lock(rwlock_t *l);
void kshim_read_unlock(rwlock_t *l);
void kshim_write_lock(rwlock_t *l);
void kshim_write_unlock(rwlock_t *l);
bool kshim_rwlock_held(rwlock_t *l, int mode); /* 0 any, 1 read, 2 write */
bool kshim_rwlock_needbreak(rwlock_t *l);
void kshim_spin_lock(int *held);
void kshim_spin_unlock(int *held);

#define rwlock_init(l) ((void)(l))
#define read_lock(l) kshim_read_lock(l)
#define read_unlock(l) kshim_read_unlock(l)
#define write_lock(l) kshim_write_lock(l)
#define write_unlock(l) kshim_write_unlock(l)
#define rwlock_needbreak(l) kshim_rwlock_needbreak(l)
#define spin_lock_init(l) ((l)->held = 0)
#define spin_lock(l) kshim_spin_lock(&(l)->held)
#define spin_unlock(l) kshim_spin_unlock(&(l)->held)
#define spin_lock_irqsave(l, f) ((void)(f), kshim_spin_lock(&(l)->held))
#define spin_unlock_irqrestore(l, f) ((void)(f), kshim_spin_unlock(&(l)->held))
#define mutex_init(m) ((m)->held = 0)
#define mutex_lock(m) kshim_spin_lock(&(m)->held)
#define mutex_unlock(m) kshim_spin_unlock(&(m)->held)
#define DEFINE_MUTEX(name) struct mutex name = { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = { 0 }

#define __kshim_lock_held(l, mode)                                           \
	_Generic((l), rwlock_t *: kshim_rwlock_held((rwlock_t *)(void *)(l), mode), \
		 default: (*(const int *)(const void *)(l) != 0))
#define lockdep_assert_held(l) do {                                          \
	if (!__kshim_lock_held(l, 0))                                        \
		kshim_warn(__FILE__, __LINE__, "lockdep_assert_held(" #l ")", false); \
} while (0)
#define lockdep_assert_held_read(l) do {                                     \
	if (!kshim_rwlock_held(l, 1))                                        \
		kshim_warn(__FILE__, __LINE__, "lockdep_assert_held_read(" #l ")", false); \
} while (0)
#define lockdep_assert_held_write(l) do {                                    \
	if (!kshim_rwlock_held(l, 2))                                        \
		kshim_warn(__FILE__, __LINE__, "lockdep_assert_held_write(" #l ")", false); \
} while (0)
#define lockdep_assert_not_held(l) do { } while (0)
#define lockdep_is_held(l) __kshim_lock_held(l, 0)
#define lockdep_assert_once(c) do { if (!(c)) kshim_warn(__FILE__, __LINE__, #c, false); } while (0)
#define lockdep_assert_irqs_disabled() do { } while (0)
#define lockdep_assert_preemption_disabled() do { } while (0)
#define lockdep_assert(c) lockdep_assert_once(c)

/* ------------------------------------------------------------ scheduling */

bool kshim_need_resched(void);
void kshim_cond_resched(void);
#define need_resched() kshim_need_resched()
#define cond_resched() (kshim_cond_resched(), 0)
#define preempt_disable() do { } while (0)
#define preempt_enable() do { } while (0)
#define local_irq_disable() do { } while (0)
#define local_irq_enable() do { } while (0)
#define local_irq_save(f) ((void)(f))
#define local_irq_restore(f) ((void)(f))
#define in_task() 1
#define irqs_disabled() 0

/* cond_resched_rwlock_*: drop mmu_lock, let others run, take it again. */
int kshim_cond_resched_rwlock(rwlock_t *l, bool write);
#define cond_resched_rwlock_read(l) kshim_cond_resched_rwlock(l, false)
#define cond_resched_rwlock_write(l) kshim_cond_resched_rwlock(l, true)

/* -------------------------------------------------------------------- RCU */

void kshim_rcu_read_lock(void);
void kshim_rcu_read_unlock(void);
bool kshim_rcu_read_held(void);
void kshim_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *));
void kshim_synchronize_rcu(void);
void kshim_rcu_barrier(void);
#define rcu_read_lock() kshim_rcu_read_lock()
#define rcu_read_unlock() kshim_rcu_read_unlock()
#define rcu_read_lock_held() kshim_rcu_read_held()
#define call_rcu(h, f) kshim_call_rcu(h, f)
#define synchronize_rcu() kshim_synchronize_rcu()
#define synchronize_rcu_expedited() kshim_synchronize_rcu()
#define rcu_barrier() kshim_rcu_barrier()
#define rcu_dereference(p) (p)
#define rcu_dereference_check(p, c) (p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_dereference_raw(p) (p)
#define rcu_access_pointer(p) (p)
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define RCU_LOCKDEP_WARN(c, s) do { } while (0)

/*
 * SRCU guards memslot arrays in the kernel.  Here a memslot update never
 * frees the array a vCPU may be using (retired copies live until the VM
 * dies), so srcu read sections need no state.
 */
struct srcu_struct { int unused; };
static inline int init_srcu_struct(struct srcu_struct *s) { return 0; }
static inline void cleanup_srcu_struct(struct srcu_struct *s) { }
#define srcu_read_lock(s) ((void)(s), 0)
#define srcu_read_unlock(s, idx) ((void)(s), (void)(idx))
#define srcu_dereference(p, s) (p)
#define srcu_dereference_check(p, s, c) (p)
#define synchronize_srcu(s) kshim_synchronize_rcu()
#define synchronize_srcu_expedited(s) kshim_synchronize_rcu()
#define srcu_read_lock_held(s) 1

/* Scope guards (cleanup.h): guard(srcu)(&kvm->srcu) holds nothing here. */
#define guard(name) kshim_guard_##name
#define kshim_guard_srcu(s) ((void)(s))

#endif
