// SPDX-License-Identifier: GPL-2.0-only
/*
 * Simulated physical memory and the shared-memory primitives on it.
 *
 * The arena is one MAP_NORESERVE mapping of host.mem bytes: an address in
 * simulated physical memory is an offset in it, and only pages that hold
 * real content (page-table entries, lock words) ever get backed.  Data
 * frames hold no bytes at all — sim/host keeps a version counter per frame —
 * so a large sparse guest costs only its page tables.
 *
 * Poison.  Freed memory is filled with SIM_POISON and its 8-byte words are
 * remembered in a hash of pages, each with a bitmap of its words: shared
 * all-set and all-clear maps for the pages poisoned or unpoisoned whole
 * (freed page tables: nearly all of them), a map of its own for a page
 * partly poisoned.  A shared load compares the value with the poison word
 * first (one compare in the common case); only a match consults the set,
 * so a genuine read-after-free is told apart from a value that merely
 * looks like poison.
 */
#include "sim/core/core_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_SHIFT 12
#define WORDS_PER_PAGE 512

#define MAP_WORDS (WORDS_PER_PAGE / 64)

struct poison_page {
	uint64_t pfn;		/* UINT64_MAX: empty slot */
	const uint64_t *bits;	/* page_all, page_none, or its own map */
};

static const uint64_t page_all[MAP_WORDS] = {
	~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull,
};
static const uint64_t page_none[MAP_WORDS];

static bool page_map_owned(const struct poison_page *pp)
{
	return pp->bits != page_all && pp->bits != page_none;
}

/* Makes @pp's map one of the shared ones. */
static void page_map_share(struct poison_page *pp, const uint64_t *shared)
{
	if (page_map_owned(pp))
		free((void *)pp->bits);
	pp->bits = shared;
}

/* @pp's map, its own (copied from a shared one first), to change; NULL
 * when out of memory. */
static uint64_t *page_map_own(struct poison_page *pp)
{
	if (page_map_owned(pp))
		return (uint64_t *)pp->bits;
	uint64_t *m = malloc(sizeof(page_all));
	if (!m)
		return NULL;
	memcpy(m, pp->bits, sizeof(page_all));
	pp->bits = m;
	return m;
}

struct poison_set {
	struct poison_page *slot;
	size_t cap, used;
};

static size_t pset_hash(uint64_t pfn, size_t cap)
{
	return (size_t)((pfn * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static struct poison_page *pset_find(const struct poison_set *ps, uint64_t pfn)
{
	if (!ps->cap)
		return NULL;
	for (size_t i = pset_hash(pfn, ps->cap);; i = (i + 1) & (ps->cap - 1)) {
		if (ps->slot[i].pfn == pfn)
			return &ps->slot[i];
		if (ps->slot[i].pfn == UINT64_MAX)
			return NULL;
	}
}

static int pset_grow(struct poison_set *ps)
{
	size_t cap = ps->cap ? ps->cap * 2 : 64;
	struct poison_page *n = malloc(cap * sizeof(*n));
	if (!n)
		return -1;
	for (size_t i = 0; i < cap; i++)
		n[i].pfn = UINT64_MAX;
	for (size_t i = 0; i < ps->cap; i++) {
		if (ps->slot[i].pfn == UINT64_MAX)
			continue;
		size_t j = pset_hash(ps->slot[i].pfn, cap);
		while (n[j].pfn != UINT64_MAX)
			j = (j + 1) & (cap - 1);
		n[j] = ps->slot[i];
	}
	free(ps->slot);
	ps->slot = n;
	ps->cap = cap;
	return 0;
}

static struct poison_page *pset_get(struct poison_set *ps, uint64_t pfn)
{
	struct poison_page *pp = pset_find(ps, pfn);
	if (pp)
		return pp;
	if ((ps->used + 1) * 4 > ps->cap * 3 && pset_grow(ps) != 0)
		return NULL;
	size_t i = pset_hash(pfn, ps->cap);
	while (ps->slot[i].pfn != UINT64_MAX)
		i = (i + 1) & (ps->cap - 1);
	ps->used++;
	ps->slot[i].pfn = pfn;
	ps->slot[i].bits = page_none;
	return &ps->slot[i];
}

int sim_mem_init(struct sim *s)
{
	s->mem_size = s->p.host_mem & ~((1ull << PAGE_SHIFT) - 1);
	if (s->mem_size == 0)
		return -1;
	void *m = mmap(NULL, s->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	s->hot.mem = m;
	s->mem_top = s->mem_size;
	s->poison = calloc(1, sizeof(*s->poison));
	return s->poison ? 0 : -1;
}

void sim_mem_fini(struct sim *s)
{
	if (s->hot.mem)
		munmap(s->hot.mem, s->mem_size);
	if (s->poison) {
		for (size_t i = 0; i < s->poison->cap; i++)
			if (s->poison->slot[i].pfn != UINT64_MAX)
				page_map_share(&s->poison->slot[i], page_none);
		free(s->poison->slot);
	}
	free(s->poison);
}

void *sim_mem_alloc(struct sim *s, size_t size)
{
	uint64_t align = (size & 4095) == 0 ? 4096 : 8;
	if (size > s->mem_top)
		return NULL;
	uint64_t at = (s->mem_top - size) & ~(align - 1);
	s->mem_top = at;
	return s->hot.mem + at;
}

uint64_t sim_mem_size(const struct sim *s) { return s->mem_size; }

/* ---------------------------------------------------------------- poison */

/* Sets (@on) or clears the poison bits of the words of [p, p + len), a page
 * at a time. */
static void poison_mark(struct sim *s, void *p, size_t len, bool on)
{
	uint64_t pa = sim_pa(s, p) & ~7ull;
	uint64_t end = sim_pa(s, p) + len;
	while (pa < end) {
		uint64_t pfn = pa >> PAGE_SHIFT;
		uint64_t next = (pfn + 1) << PAGE_SHIFT;
		uint64_t stop = end < next ? end : next;
		unsigned w0 = (unsigned)(pa >> 3) & (WORDS_PER_PAGE - 1);
		unsigned w1 = w0 + (unsigned)((stop - pa + 7) >> 3);	/* past the last */
		struct poison_page *pp = on ? pset_get(s->poison, pfn)
					    : pset_find(s->poison, pfn);
		const uint64_t *done = on ? page_all : page_none;
		pa = stop;
		if (!pp) {
			/* Unpoisoning a page never poisoned is nothing to do;
			 * a page to poison without a record is a record lost. */
			s->ctr.poison_lost += on;
			continue;
		}
		if (pp->bits == done)
			continue;
		if (w0 == 0 && w1 == WORDS_PER_PAGE) {
			page_map_share(pp, done);
			continue;
		}
		uint64_t *m = page_map_own(pp);
		if (!m) {
			s->ctr.poison_lost++;
			continue;
		}
		for (unsigned w = w0; w < w1; w++) {
			if (on)
				m[w / 64] |= 1ull << (w % 64);
			else
				m[w / 64] &= ~(1ull << (w % 64));
		}
	}
}

void sim_mem_poison(struct sim *s, void *p, size_t len)
{
	uint64_t *w = p;
	for (size_t i = 0; i < len / 8; i++)
		w[i] = SIM_POISON;
	poison_mark(s, p, len, true);
}

void sim_mem_unpoison(struct sim *s, void *p, size_t len)
{
	poison_mark(s, p, len, false);
	memset(p, 0, len);
}

bool sim_mem_poisoned(const struct sim *s, uint64_t pa)
{
	const struct poison_page *pp = pset_find(s->poison, pa >> PAGE_SHIFT);
	unsigned w = (unsigned)(pa >> 3) & (WORDS_PER_PAGE - 1);
	return pp && (pp->bits[w / 64] >> (w % 64) & 1);
}

void sim_set_poison_hook(struct sim *s, sim_poison_hook *fn, void *ctx)
{
	s->poison_fn = fn;
	s->poison_ctx = ctx;
}

uint64_t sim_poison_reads(const struct sim *s) { return s->ctr.poison_reads; }

uint64_t sim_poison_lost(const struct sim *s) { return s->ctr.poison_lost; }

/* Out of line: the inline sim_load_c calls it too. */
void __attribute__((noinline)) sim_poison_load(struct sim *s, const uint64_t *p)
{
	uint64_t pa = sim_pa(s, p);
	if (!sim_mem_poisoned(s, pa))
		return;
	s->ctr.poison_reads++;
	sim_log_fast(s, "poison-read", pa, SIM_POISON, SIM_POISON);
	if (s->poison_fn)
		s->poison_fn(s->poison_ctx, s, pa);
}

/* ------------------------------------------------------- shared operations */

/*
 * Each primitive: sync (wait to be the earliest), the operation itself, an
 * event-log record, then its cost.  The operation happens at the thread's
 * clock *before* the cost is charged: that instant is its place in the
 * global order.
 */

/* sim_load_c is inline in core.h. */

uint64_t sim_load(struct sim *s, const uint64_t *p)
{
	return sim_load_c(s, p, s->cur->hot.acct_cur, s->p.lat_load);
}

void sim_store(struct sim *s, uint64_t *p, uint64_t v)
{
	sim_sync(s);
	uint64_t old = *p;
	*p = v;
	sim_log_fast(s, "store", sim_pa(s, p), old, v);
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_store);
}

bool sim_store_unless(struct sim *s, uint64_t *p, uint64_t busy, uint64_t v)
{
	sim_sync(s);
	uint64_t old = *p;
	if (old & busy) {
		sim_log_fast(s, "load", sim_pa(s, p), old, old);
		sim_charge(s, s->cur->hot.acct_cur, s->p.lat_load);
		return false;
	}
	*p = v;
	sim_log_fast(s, "store", sim_pa(s, p), old, v);
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_store);
	return true;
}

uint64_t sim_xchg(struct sim *s, uint64_t *p, uint64_t v)
{
	sim_sync(s);
	uint64_t old = *p;
	if (unlikely(old == SIM_POISON))
		sim_poison_load(s, p);
	*p = v;
	sim_log_fast(s, "xchg", sim_pa(s, p), old, v);
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
	return old;
}

bool sim_cmpxchg(struct sim *s, uint64_t *p, uint64_t *old, uint64_t v)
{
	sim_sync(s);
	uint64_t cur = *p;
	if (unlikely(cur == SIM_POISON))
		sim_poison_load(s, p);
	bool ok = cur == *old;
	if (ok)
		*p = v;
	sim_log_fast(s, ok ? "cmpxchg" : "cmpxchg-fail", sim_pa(s, p), cur,
		     ok ? v : cur);
	*old = cur;
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
	return ok;
}

uint64_t sim_fetch_or_c(struct sim *s, uint64_t *p, uint64_t v, int acct,
			cycles_t cost)
{
	sim_sync(s);
	uint64_t old = *p;
	if (unlikely(old == SIM_POISON))
		sim_poison_load(s, p);
	*p = old | v;
	sim_log_fast(s, "or", sim_pa(s, p), old, old | v);
	sim_charge(s, acct, cost);
	return old;
}

uint64_t sim_fetch_or(struct sim *s, uint64_t *p, uint64_t v)
{
	return sim_fetch_or_c(s, p, v, s->cur->hot.acct_cur, s->p.lat_atomic);
}

uint64_t sim_fetch_and(struct sim *s, uint64_t *p, uint64_t v)
{
	sim_sync(s);
	uint64_t old = *p;
	if (unlikely(old == SIM_POISON))
		sim_poison_load(s, p);
	*p = old & v;
	sim_log_fast(s, "and", sim_pa(s, p), old, old & v);
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
	return old;
}

uint64_t sim_fetch_add(struct sim *s, uint64_t *p, uint64_t v)
{
	sim_sync(s);
	uint64_t old = *p;
	if (unlikely(old == SIM_POISON))
		sim_poison_load(s, p);
	*p = old + v;
	sim_log_fast(s, "add", sim_pa(s, p), old, old + v);
	sim_charge(s, s->cur->hot.acct_cur, s->p.lat_atomic);
	return old;
}
