/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/atomic.h — READ_ONCE / WRITE_ONCE, xchg, cmpxchg, atomics and
 * refcounts, each an engine operation.
 *
 * An 8-byte access (an SPTE, a pointer, a 64-bit counter) goes to the
 * engine as a load, store, xchg, cmpxchg or fetch-and/or on that word: a
 * yield point that the hardware walker and other threads interleave with,
 * logged in the event log, charged lat.load / lat.store / lat.atomic.
 * Smaller words (int flags, refcount_t) are a yield point followed by the
 * plain operation; between two yield points nothing else runs, so the
 * operation is atomic as on the real CPU.
 */
#ifndef KSHIM_ATOMIC_H
#define KSHIM_ATOMIC_H

#include <kshim/base.h>

u64 kshim_load64(const volatile void *p);
void kshim_store64(volatile void *p, u64 v);
u64 kshim_xchg64(volatile void *p, u64 v);
bool kshim_try_cmpxchg64(volatile void *p, u64 *old, u64 v);
u64 kshim_fetch_and64(volatile void *p, u64 mask);
u64 kshim_fetch_or64(volatile void *p, u64 mask);
u64 kshim_fetch_add64(volatile void *p, u64 v);
/* A yield point without a memory operation (a 32-bit atomic's place). */
void kshim_yield(void);

/* The type of @x without qualifiers (the controlling expression of a
 * _Generic is lvalue-converted). */
#define __kshim_unqual(x)                                                     \
	typeof(_Generic((x), char: (char)0, signed char: (signed char)0,      \
			unsigned char: (unsigned char)0, short: (short)0,     \
			unsigned short: (unsigned short)0, int: (int)0,       \
			unsigned int: (unsigned int)0, long: (long)0,         \
			unsigned long: (unsigned long)0, long long: (long long)0, \
			unsigned long long: (unsigned long long)0,            \
			_Bool: (_Bool)0, default: (x)))

#define READ_ONCE(x) ({                                                      \
	union { __kshim_unqual(x) v; u64 w; } __u;                           \
	if (sizeof(x) == 8)                                                  \
		__u.w = kshim_load64(&(x));                                  \
	else {                                                               \
		kshim_yield();                                               \
		__u.v = *(const volatile __kshim_unqual(x) *)&(x);           \
	}                                                                    \
	__u.v;                                                               \
})
#define WRITE_ONCE(x, val) do {                                              \
	union { __kshim_unqual(x) v; u64 w; } __u = { .v = (val) };          \
	if (sizeof(x) == 8)                                                  \
		kshim_store64(&(x), __u.w);                                  \
	else {                                                               \
		kshim_yield();                                               \
		*(volatile __kshim_unqual(x) *)&(x) = __u.v;                 \
	}                                                                    \
} while (0)

/* xchg / try_cmpxchg64 in the tree are used on 64-bit SPTEs. */
#define xchg(p, v) ({                                                        \
	_Static_assert(sizeof(*(p)) == 8, "xchg on a 64-bit word");          \
	(typeof(*(p)))kshim_xchg64((p), (u64)(v));                           \
})
#define try_cmpxchg64(p, oldp, v) ({                                         \
	_Static_assert(sizeof(*(p)) == 8, "try_cmpxchg64 on a 64-bit word"); \
	kshim_try_cmpxchg64((p), (u64 *)(oldp), (u64)(v));                   \
})
#define try_cmpxchg(p, oldp, v) try_cmpxchg64(p, oldp, v)
#define cmpxchg64(p, o, v) ({                                                \
	u64 __o = (u64)(o);                                                  \
	kshim_try_cmpxchg64((p), &__o, (u64)(v));                            \
	(typeof(*(p)))__o;                                                   \
})
#define cmpxchg(p, o, v) cmpxchg64(p, o, v)

#define smp_mb() kshim_yield()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define smp_mb__after_atomic() barrier()
#define smp_mb__before_atomic() barrier()
#define smp_store_mb(var, value) do { WRITE_ONCE(var, value); smp_mb(); } while (0)
#define smp_load_acquire(p) READ_ONCE(*(p))
#define smp_store_release(p, v) WRITE_ONCE(*(p), v)
#define cpu_relax() kshim_yield()

/* ----------------------------------------------------------- atomic_t */

typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
typedef atomic64_t atomic_long_t;
#define ATOMIC_INIT(i) { (i) }

static inline int atomic_read(const atomic_t *v) { return READ_ONCE(v->counter); }
static inline void atomic_set(atomic_t *v, int i) { WRITE_ONCE(v->counter, i); }
static inline int atomic_add_return(int i, atomic_t *v)
{
	kshim_yield();
	return v->counter += i;
}
static inline void atomic_inc(atomic_t *v) { atomic_add_return(1, v); }
static inline void atomic_dec(atomic_t *v) { atomic_add_return(-1, v); }
static inline int atomic_inc_return(atomic_t *v) { return atomic_add_return(1, v); }
static inline int atomic_dec_return(atomic_t *v) { return atomic_add_return(-1, v); }
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_add_return(-1, v) == 0; }

static inline s64 atomic64_read(const atomic64_t *v) { return (s64)kshim_load64(&v->counter); }
static inline void atomic64_set(atomic64_t *v, s64 i) { kshim_store64(&v->counter, (u64)i); }
static inline s64 atomic64_fetch_and(s64 i, atomic64_t *v)
{
	return (s64)kshim_fetch_and64(&v->counter, (u64)i);
}
static inline s64 atomic64_fetch_or(s64 i, atomic64_t *v)
{
	return (s64)kshim_fetch_or64(&v->counter, (u64)i);
}
static inline void atomic64_add(s64 i, atomic64_t *v) { kshim_fetch_add64(&v->counter, (u64)i); }
static inline void atomic64_sub(s64 i, atomic64_t *v) { kshim_fetch_add64(&v->counter, (u64)-i); }
static inline void atomic64_inc(atomic64_t *v) { atomic64_add(1, v); }
static inline void atomic64_dec(atomic64_t *v) { atomic64_sub(1, v); }
#define atomic_long_read atomic64_read
#define atomic_long_set atomic64_set
#define atomic_long_add atomic64_add

/* ---------------------------------------------------------- refcount_t */

/*
 * refcount_t keeps the kernel's saturation checks as WARNs: an increment
 * from zero or a decrement below zero is a kernel bug.
 */
typedef struct { atomic_t refs; } refcount_t;
#define REFCOUNT_INIT(n) { .refs = ATOMIC_INIT(n) }
void kshim_refcount_warn(const char *what);
static inline unsigned int refcount_read(const refcount_t *r)
{
	return (unsigned int)atomic_read(&r->refs);
}
static inline void refcount_set(refcount_t *r, int n) { atomic_set(&r->refs, n); }
static inline bool refcount_inc_not_zero(refcount_t *r)
{
	kshim_yield();
	if (!r->refs.counter)
		return false;
	r->refs.counter++;
	return true;
}
static inline void refcount_inc(refcount_t *r)
{
	if (!refcount_inc_not_zero(r))
		kshim_refcount_warn("refcount_t: addition on 0; use-after-free");
}
static inline bool refcount_dec_and_test(refcount_t *r)
{
	kshim_yield();
	if (r->refs.counter <= 0) {
		kshim_refcount_warn("refcount_t: underflow; use-after-free");
		return false;
	}
	return --r->refs.counter == 0;
}
static inline void refcount_dec(refcount_t *r)
{
	if (refcount_dec_and_test(r))
		kshim_refcount_warn("refcount_t: decrement hit 0; leaking memory");
}

#endif
