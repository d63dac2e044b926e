// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host physical memory: the frame allocator, per-frame metadata and folios.
 *
 * Allocation order, for an order-k block:
 *   1. the hot list of order k (blocks freed by their users, LIFO);
 *   2. the cold list of order k (never used, or split off a larger block);
 *   3. split the smallest larger free block, returning its lowest part and
 *      putting the rest on the cold lists;
 *   4. the bump pointer, aligned up to 2^k; the skipped gap goes cold;
 *   5. merge fully free aligned runs of smaller blocks into larger ones
 *      (a deterministic stand-in for compaction) and retry 1-3;
 *   6. -ENOMEM.
 * Every step is a pure function of the history of calls, so frame numbers
 * are identical from run to run.
 *
 * The engine takes its words from the top of the arena; the bump pointer
 * never passes the engine's lowest allocation, which sim_mem_alloc(s, 0)
 * reports without taking anything.
 */
#include "sim/host/host_int.h"
#include "sim/check/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned order_of[NORDERS] = { 0, 9, 18 };

static int order_idx(unsigned order)
{
	return order == 0 ? 0 : order == 9 ? 1 : order == 18 ? 2 : -1;
}

/* ------------------------------------------------------------- pfn stacks */

static int vec_push(struct pfnvec *v, uint64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		uint64_t *n = realloc(v->v, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		v->v = n;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static bool vec_pop(struct pfnvec *v, uint64_t *x)
{
	if (!v->n)
		return false;
	*x = v->v[--v->n];
	return true;
}

/* ---------------------------------------------------------- frame metadata */

struct frame *host_frame(const struct host *h, uint64_t pfn)
{
	uint64_t g = pfn >> GROUP_SHIFT;
	if (g >= h->ngroups || !h->grp[g])
		return NULL;
	struct chunk *c = h->grp[g]->chunk[(pfn >> CHUNK_SHIFT) & (GROUP_CHUNKS - 1)];
	return c ? &c->f[pfn & (CHUNK_FRAMES - 1)] : NULL;
}

static struct chunk *chunk_get(const struct host *h, uint64_t pfn)
{
	uint64_t g = pfn >> GROUP_SHIFT;
	if (g >= h->ngroups || !h->grp[g])
		return NULL;
	return h->grp[g]->chunk[(pfn >> CHUNK_SHIFT) & (GROUP_CHUNKS - 1)];
}

struct frame *host_frame_mk(struct host *h, uint64_t pfn)
{
	uint64_t g = pfn >> GROUP_SHIFT;
	if (g >= h->ngroups)
		return NULL;
	if (!h->grp[g] && !(h->grp[g] = calloc(1, sizeof(struct group))))
		return NULL;
	struct chunk **c = &h->grp[g]->chunk[(pfn >> CHUNK_SHIFT) & (GROUP_CHUNKS - 1)];
	if (!*c && !(*c = calloc(1, sizeof(struct chunk))))
		return NULL;
	return &(*c)->f[pfn & (CHUNK_FRAMES - 1)];
}

int host_frames_mk(struct host *h, uint64_t pfn, uint64_t n)
{
	/* One frame of each chunk the range touches, the first included
	 * however the range is aligned. */
	for (uint64_t c = pfn & ~(uint64_t)(CHUNK_FRAMES - 1); c < pfn + n; c += CHUNK_FRAMES)
		if (!host_frame_mk(h, c))
			return -ENOMEM;
	return 0;
}

int host_frame_version_hi_set(struct host *h, struct frame *f, uint64_t pfn,
			      uint32_t hi)
{
	struct chunk *c = frame_chunk(f, pfn);
	if (!c->version_hi && hi &&
	    !(c->version_hi = calloc(CHUNK_FRAMES, sizeof(*c->version_hi)))) {
		/* Never a wrong version unannounced: the run fails with a
		 * model error, and the version stays the largest the low
		 * half holds, so it never reads as going back. */
		f->version_lo = UINT32_MAX;
		if (h->chk)
			check_report(h->chk, CHECK_MODEL_ASSERT, pfn << HOST_PAGE_SHIFT,
				     "frame %#llx: no memory for the high half of its "
				     "content version: it stays at 2^32 - 1",
				     (unsigned long long)pfn);
		return -ENOMEM;
	}
	if (c->version_hi)
		c->version_hi[pfn & (CHUNK_FRAMES - 1)] = hi;
	return 0;
}

const struct frame_wb *host_frame_wb(const struct host *h, uint64_t pfn)
{
	static const struct frame_wb none;
	struct chunk *c = chunk_get(h, pfn);
	return c && c->wb ? &c->wb[pfn & (CHUNK_FRAMES - 1)] : &none;
}

struct frame_wb *host_frame_wb_mk(struct host *h, uint64_t pfn)
{
	struct chunk *c = chunk_get(h, pfn);
	if (!c)
		return NULL;
	if (!c->wb && !(c->wb = calloc(CHUNK_FRAMES, sizeof(*c->wb))))
		return NULL;
	return &c->wb[pfn & (CHUNK_FRAMES - 1)];
}

/*
 * The folio holding @pfn: its head is @pfn rounded down to the folio's
 * order, and only that head records the folio, so try the three possible
 * heads from the largest order down.
 */
struct frame *host_folio_head(const struct host *h, uint64_t pfn,
			      uint64_t *head)
{
	/* Smallest order first: page-table frames and 4 KiB folios, the
	 * common case, are found by the first probe. */
	for (int i = 0; i < NORDERS; i++) {
		uint64_t hp = pfn & ~((UINT64_C(1) << order_of[i]) - 1);
		struct frame *f = host_frame(h, hp);
		if (f && f->gen && f->order == order_of[i]) {
			if (head)
				*head = hp;
			return f;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ free blocks */

/* The engine's lowest allocation, as a frame number: a zero-byte
 * allocation takes nothing and returns it, rounded down to 4 KiB. */
static uint64_t engine_floor(const struct host *h)
{
	return sim_pa(h->s, sim_mem_alloc(h->s, 0)) >> HOST_PAGE_SHIFT;
}

/*
 * The first frame the bump pointer must not reach.  The engine keeps
 * taking words from the top during the run (locks, KVM's request words)
 * and has no way to know where the frames end, so the host leaves
 * host.engine_reserve bytes between the two.
 */
static uint64_t frame_limit(struct host *h)
{
	uint64_t top = engine_floor(h);
	uint64_t reserve = h->p.host_engine_reserve >> HOST_PAGE_SHIFT;
	if (top > h->nframes)
		top = h->nframes;
	return top > reserve ? top - reserve : 0;
}

/* Puts [@from, @to) on the cold lists as the largest aligned blocks, pushed
 * highest first so that they come back lowest first. */
static int free_range_cold(struct host *h, uint64_t from, uint64_t to)
{
	uint64_t p = to;
	while (p > from) {
		int i = NORDERS - 1;
		for (; i > 0; i--) {
			uint64_t sz = UINT64_C(1) << order_of[i];
			if (p % sz == 0 && p - sz >= from)
				break;
		}
		p -= UINT64_C(1) << order_of[i];
		if (vec_push(&h->fl[i].cold, p))
			return -ENOMEM;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Whether @p lies in one of the sorted @n blocks of @size at @heads. */
static bool in_blocks(const uint64_t *heads, size_t n, uint64_t size, uint64_t p)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (heads[mid] + size <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && heads[lo] <= p;
}

static void vec_remove_merged(struct pfnvec *v, const uint64_t *heads, size_t n,
			      uint64_t size)
{
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!in_blocks(heads, n, size, v->v[i]))
			v->v[k++] = v->v[i];
	v->n = k;
}

/*
 * Merges every fully free, aligned run of 512 order-i blocks into one block
 * of the next order (onto its cold list).  Returns how many were formed.
 */
static size_t merge_up(struct host *h, int i)
{
	struct freelist *fl = &h->fl[i];
	size_t n = fl->hot.n + fl->cold.n, nm = 0;
	uint64_t step = UINT64_C(1) << order_of[i];
	uint64_t big = UINT64_C(1) << order_of[i + 1];
	if (n < 512)
		return 0;
	uint64_t *all = malloc(n * sizeof(*all));
	if (!all)
		return 0;
	memcpy(all, fl->hot.v, fl->hot.n * sizeof(*all));
	memcpy(all + fl->hot.n, fl->cold.v, fl->cold.n * sizeof(*all));
	qsort(all, n, sizeof(*all), cmp_u64);
	/* Reuse the front of @all for the heads of the merged blocks: they
	 * are found in ascending order and never overtake the scan. */
	for (size_t j = 0; j + 511 < n;) {
		if (all[j] % big == 0 && all[j + 511] == all[j] + 511 * step) {
			all[nm++] = all[j];
			j += 512;
		} else {
			j++;
		}
	}
	if (nm) {
		vec_remove_merged(&fl->hot, all, nm, big);
		vec_remove_merged(&fl->cold, all, nm, big);
		for (size_t j = nm; j-- > 0;)
			if (vec_push(&h->fl[i + 1].cold, all[j])) {
				nm = 0; /* lost blocks only under host OOM */
				break;
			}
	}
	free(all);
	return nm;
}

static bool take_free(struct host *h, int k, uint64_t *pfn)
{
	if (vec_pop(&h->fl[k].hot, pfn) || vec_pop(&h->fl[k].cold, pfn))
		return true;
	/* Split the smallest larger block: keep its lowest part, the rest
	 * goes cold, highest first. */
	for (int j = k + 1; j < NORDERS; j++) {
		uint64_t b;
		if (!vec_pop(&h->fl[j].hot, &b) && !vec_pop(&h->fl[j].cold, &b))
			continue;
		for (int l = j; l > k; l--) {
			uint64_t sub = UINT64_C(1) << order_of[l - 1];
			for (uint64_t q = 511; q >= 1; q--)
				vec_push(&h->fl[l - 1].cold, b + q * sub);
		}
		*pfn = b;
		return true;
	}
	return false;
}

static int block_alloc(struct host *h, unsigned order, uint64_t *pfn)
{
	int k = order_idx(order);
	uint64_t size = UINT64_C(1) << order;

	if (take_free(h, k, pfn))
		return 0;
	uint64_t a = (h->bump + size - 1) & ~(size - 1);
	if (a + size <= frame_limit(h)) {
		if (free_range_cold(h, h->bump, a))
			return -ENOMEM;
		h->bump = a + size;
		*pfn = a;
		return 0;
	}
	for (int i = 0; i + 1 <= k; i++)
		merge_up(h, i);
	return take_free(h, k, pfn) ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ folios */

/* Zeroes (unpoisons) the frames of [pfn, pfn + n) that a freed page table
 * left poisoned: reuse hands out zero-filled memory. */
static void unpoison_range(struct host *h, uint64_t pfn, uint64_t n)
{
	for (uint64_t c = pfn; c < pfn + n; c += CHUNK_FRAMES) {
		struct chunk *ch = chunk_get(h, c);
		if (!ch || !ch->npoisoned)
			continue;
		uint64_t end = c + (n < CHUNK_FRAMES ? n : CHUNK_FRAMES);
		for (uint64_t p = c; p < end; p++) {
			struct frame *f = &ch->f[p & (CHUNK_FRAMES - 1)];
			if (!f->poisoned)
				continue;
			sim_mem_unpoison(h->s, sim_va(h->s, p << HOST_PAGE_SHIFT),
					 HOST_PAGE_SIZE);
			f->poisoned = 0;
			f->bytes = 0;
			ch->npoisoned--;
		}
	}
}

/* Poisons the frames of [pfn, pfn + n) that hold bytes, so that a walk
 * through a stale pointer into them is reported. */
static void poison_range(struct host *h, uint64_t pfn, uint64_t n)
{
	for (uint64_t c = pfn; c < pfn + n; c += CHUNK_FRAMES) {
		struct chunk *ch = chunk_get(h, c);
		if (!ch)
			continue;
		uint64_t end = c + (n < CHUNK_FRAMES ? n : CHUNK_FRAMES);
		for (uint64_t p = c; p < end; p++) {
			struct frame *f = &ch->f[p & (CHUNK_FRAMES - 1)];
			if (!f->bytes || f->poisoned)
				continue;
			sim_mem_poison(h->s, sim_va(h->s, p << HOST_PAGE_SHIFT),
				       HOST_PAGE_SIZE);
			f->poisoned = 1;
			ch->npoisoned++;
		}
	}
}

/* A new folio's frames read as never written: their versions and the
 * oracle's records go back to 0 (where metadata exists at all). */
static void content_reset(struct host *h, uint64_t pfn, uint64_t n)
{
	for (uint64_t c = pfn; c < pfn + n; c += CHUNK_FRAMES) {
		struct chunk *ch = chunk_get(h, c);
		if (!ch)
			continue;
		size_t first = c & (CHUNK_FRAMES - 1);
		size_t k = n < CHUNK_FRAMES ? n : CHUNK_FRAMES;
		for (size_t i = first; i < first + k; i++)
			ch->f[i].version_lo = 0;
		if (ch->version_hi)
			memset(ch->version_hi + first, 0, k * sizeof(*ch->version_hi));
		if (ch->wb)
			memset(ch->wb + first, 0, k * sizeof(*ch->wb));
	}
}

static int folio_alloc(struct host *h, unsigned order, enum frame_kind kind,
		       uint64_t *pfn)
{
	uint64_t b;
	/* Generations never repeat: after 2^32 - 1 folios the host can
	 * make no more (in practice never: hours of allocating only). */
	if (h->next_gen > HOST_GEN_MAX)
		return -ENOMEM;
	int err = block_alloc(h, order, &b);
	if (err)
		return err;
	struct frame *f = host_frame_mk(h, b);
	if (!f) {
		vec_push(&h->fl[order_idx(order)].hot, b);
		return -ENOMEM;
	}
	unpoison_range(h, b, UINT64_C(1) << order);
	content_reset(h, b, UINT64_C(1) << order);
	f->gen = (uint32_t)h->next_gen++;
	f->order = (uint8_t)order;
	f->kind = (uint8_t)kind;
	f->refcount = 1;
	f->mapcount = 0;
	f->flags = kind == FK_PT ? FOLIO_PT : 0;
	h->st.frames_in_use += UINT64_C(1) << order;
	h->st.frames_allocated += UINT64_C(1) << order;
	*pfn = b;
	return 0;
}

static void folio_free(struct host *h, uint64_t head, struct frame *f)
{
	uint64_t n = UINT64_C(1) << f->order;
	poison_range(h, head, n);
	vec_push(&h->fl[order_idx(f->order)].hot, head);
	h->st.frames_in_use -= n;
	if (f->kind == FK_PT) {
		h->st.pt_in_use--;
		h->st.pt_freed++;
	} else {
		h->st.folios_freed++;
		h->data_freed_at = h->next_gen;
	}
	f->gen = 0;
	f->kind = FK_NONE;
	f->flags = 0;
	f->refcount = 0;
	f->mapcount = 0;
}

int host_folio_alloc(struct host *h, unsigned order, uint64_t *pfn)
{
	if (order_idx(order) < 0)
		return -EINVAL;
	int err = folio_alloc(h, order, FK_DATA, pfn);
	if (err)
		return err;
	if (order == 0)
		h->st.folios_order0++;
	else if (order == 9)
		h->st.folios_order9++;
	else
		h->st.folios_order18++;
	return 0;
}

int host_folio_get_info(const struct host *h, uint64_t pfn,
			struct host_folio *out)
{
	uint64_t head;
	struct frame *f = host_folio_head(h, pfn, &head);
	if (!f)
		return -ENOENT;
	out->pfn = head;
	out->gen = f->gen;
	out->order = f->order;
	out->flags = f->flags;
	out->refcount = f->refcount;
	out->mapcount = f->mapcount;
	return 0;
}

/*
 * A folio's flags and counts are state other threads observe (KVM marks a
 * folio dirty while the writeback thread clears it), so changing them from
 * a simulated thread is a yield point costing one atomic bit operation.
 */
void host_yield(struct host *h, cycles_t cost)
{
	if (!sim_self(h->s))
		return;
	/* Charged like any other shared operation: to the thread's current
	 * account, which sim_set_acct reports when set back unchanged. */
	int acct = sim_set_acct(h->s, SIM_ACCT_OTHER);
	sim_set_acct(h->s, acct);
	sim_yield(h->s, acct, cost);
}

static void folio_sync(struct host *h)
{
	host_yield(h, sim_params(h->s)->lat_atomic);
}

/* The flags a caller outside the host kernel events may set or clear. */
#define FOLIO_PUBLIC (FOLIO_DIRTY | FOLIO_YOUNG | FOLIO_WRITEBACK)

/* A count of struct frame's that would pass its width: reported as a
 * model error (the run fails) rather than wrapped.  Never reached by the
 * model itself, which pins nothing and maps a folio once. */
static bool count_full(struct host *h, uint64_t pfn, unsigned n, unsigned max,
		       const char *what)
{
	if (n < max)
		return false;
	if (h->chk)
		check_report(h->chk, CHECK_MODEL_ASSERT, pfn << HOST_PAGE_SHIFT,
			     "folio %#llx: more than %u %s (the frame "
			     "metadata's limit)", (unsigned long long)pfn, max, what);
	return true;
}

void host_folio_get(struct host *h, uint64_t pfn)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (!f)
		return;
	folio_sync(h);
	if (!count_full(h, pfn, f->refcount, FRAME_REF_MAX, "references"))
		f->refcount++;
}

void host_folio_put(struct host *h, uint64_t pfn)
{
	uint64_t head;
	struct frame *f = host_folio_head(h, pfn, &head);
	if (!f)
		return;
	folio_sync(h);
	if (--f->refcount == 0)
		folio_free(h, head, f);
}

void host_folio_map(struct host *h, uint64_t pfn)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (f && !count_full(h, pfn, f->mapcount, FRAME_MAP_MAX, "mappings"))
		f->mapcount++;
}

void host_folio_unmap(struct host *h, uint64_t pfn)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (f && f->mapcount)
		f->mapcount--;
}

int host_folio_mark_dirty(struct host *h, uint64_t pfn)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	h->st.mark_dirty++;
	if (!f)
		return -ENOENT;
	folio_sync(h);
	f->flags |= FOLIO_DIRTY;
	return 0;
}

int host_folio_set_flags(struct host *h, uint64_t pfn, unsigned flags)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (!f)
		return -ENOENT;
	folio_sync(h);
	f->flags |= (uint8_t)(flags & FOLIO_PUBLIC);
	return 0;
}

int host_folio_clear_flags(struct host *h, uint64_t pfn, unsigned flags)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (!f)
		return -ENOENT;
	folio_sync(h);
	f->flags &= (uint8_t)~(flags & FOLIO_PUBLIC);
	return 0;
}

unsigned host_folio_test_clear(struct host *h, uint64_t pfn, unsigned flags)
{
	struct frame *f = host_folio_head(h, pfn, NULL);
	if (!f)
		return 0;
	folio_sync(h);
	unsigned was = f->flags & flags & FOLIO_PUBLIC;
	f->flags &= (uint8_t)~was;
	return was;
}

/* ----------------------------------------------------- per-frame contents */

uint64_t host_frame_gen(const struct host *h, uint64_t pfn)
{
	/* Asked once per page walk: try the common case, a frame that heads
	 * its own (4 KiB) folio, before host_folio_head's search. */
	struct frame *f = host_frame(h, pfn);
	if (f && f->gen && f->order == 0)
		return f->gen;
	f = host_folio_head(h, pfn, NULL);
	return f ? f->gen : 0;
}

uint64_t host_gen_clock(const struct host *h) { return h->next_gen; }

const uint64_t *host_data_freed_at(const struct host *h)
{
	return &h->data_freed_at;
}

bool host_frame_valid_since(const struct host *h, uint64_t pfn, uint64_t clock)
{
	if (h->data_freed_at < clock)
		return true;
	/* Generations come from one increasing clock: the frame's current
	 * allocation is the one seen at @clock iff it is older than @clock. */
	uint64_t gen = host_frame_gen(h, pfn);
	return gen != 0 && gen < clock;
}

uint64_t host_frame_version(const struct host *h, uint64_t pfn)
{
	struct frame *head = host_folio_head(h, pfn, NULL);
	struct frame *f = host_frame(h, pfn);
	if (!head || !f)
		return 0;
	return frame_version(f, pfn);
}

/* One guest write to frame @pfn: the low half of its content version, or
 * NULL with -ENOENT (in no folio) or -ENOMEM (no metadata, reported: the
 * write goes uncounted) in *@rc; a carry that found no memory also sets
 * -ENOMEM (reported), the write made. */
static uint32_t *frame_write(struct host *h, uint64_t pfn, int *rc)
{
	struct frame *head = host_folio_head(h, pfn, NULL);
	if (!head) {
		*rc = -ENOENT;
		return NULL;
	}
	struct frame *f = host_frame_mk(h, pfn);
	if (!f) {
		if (h->chk)
			check_report(h->chk, CHECK_MODEL_ASSERT, pfn << HOST_PAGE_SHIFT,
				     "frame %#llx: no memory for its metadata: a guest "
				     "write to it goes uncounted",
				     (unsigned long long)pfn);
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = frame_version_inc(h, f, pfn);
	return &f->version_lo;
}

int host_frame_write(struct host *h, uint64_t pfn)
{
	int rc;
	frame_write(h, pfn, &rc);
	return rc;
}

uint32_t *host_frame_write_counter(struct host *h, uint64_t pfn)
{
	int rc;
	return frame_write(h, pfn, &rc);
}

int host_frame_write_carry(struct host *h, uint64_t pfn)
{
	struct frame *f = host_frame(h, pfn);
	if (!f)
		return -ENOENT;
	return host_frame_version_hi_set(h, f, pfn, frame_version_hi(f, pfn) + 1);
}

uint64_t host_frame_written_version(const struct host *h, uint64_t pfn)
{
	struct frame *head = host_folio_head(h, pfn, NULL);
	struct frame *f = host_frame(h, pfn);
	if (!head || !f)
		return 0;
	return host_frame_wb(h, pfn)->wb_version;
}

/*
 * Splitting a THP moves no memory: the 512 frames keep their bytes, their
 * versions and their generation, and each becomes the head of an order-0
 * folio with the THP's flags (Linux copies PG_dirty, PG_referenced, ... to
 * every new folio in __split_huge_page_tail).  Keeping the generation says
 * that nothing was freed: a translation made before the split still names
 * the same memory, so it is not a stale-frame access; it is the host's
 * invalidation (and KVM's zap) that retires the 2 MiB translation.  The
 * one reference of the PMD mapping becomes one per PTE mapping.  Every
 * frame of the folio must have its metadata (host_frames_mk).
 */
void host_folio_split_meta(struct host *h, uint64_t head)
{
	struct frame *hf = host_frame(h, head);
	uint64_t gen = hf->gen;
	uint16_t flags = hf->flags;
	for (unsigned i = 0; i < 512; i++) {
		/* The caller made the tails' metadata (host_frames_mk). */
		struct frame *f = host_frame(h, head + i);
		f->gen = gen;
		f->order = 0;
		f->kind = FK_DATA;
		f->flags = flags;
		f->refcount = 1;
		f->mapcount = 0;
	}
}

int host_frame_use_bytes(struct host *h, uint64_t pfn)
{
	if (!host_folio_head(h, pfn, NULL))
		return -ENOENT;
	struct frame *f = host_frame_mk(h, pfn);
	if (!f)
		return -ENOMEM;
	f->bytes = 1;
	return 0;
}

/* -------------------------------------------------------- page-table frames */

uint64_t *host_pt_alloc(struct host *h)
{
	uint64_t pfn;
	if (folio_alloc(h, 0, FK_PT, &pfn))
		return NULL;
	host_frame(h, pfn)->bytes = 1;
	h->st.pt_in_use++;
	h->st.pt_allocated++;
	return sim_va(h->s, pfn << HOST_PAGE_SHIFT);
}

void host_pt_free(struct host *h, uint64_t *page)
{
	uint64_t pfn = sim_pa(h->s, page) >> HOST_PAGE_SHIFT;
	struct frame *f = host_frame(h, pfn);
	if (!f || !f->gen || f->kind != FK_PT)
		return;
	folio_free(h, pfn, f);
}

/* ------------------------------------------------------------------ lifetime */

int host_create(struct sim *s, const struct host_params *p, struct host **out)
{
	struct host *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->s = s;
	h->p = *p;
	h->nframes = sim_mem_size(s) >> HOST_PAGE_SHIFT;
	h->ngroups = (h->nframes >> GROUP_SHIFT) + 1;
	h->grp = calloc(h->ngroups, sizeof(*h->grp));
	if (!h->grp) {
		free(h);
		return -ENOMEM;
	}
	/* Frame 0 is never handed out, so physical address 0 never names a
	 * table or a page: an all-zero entry can't point at real memory. */
	h->bump = 1;
	h->next_gen = 1;
	h->mmap_next = UINT64_C(1) << 40;
	struct stats *st = sim_stats(s);
#define HOST_STAT_REG(field, name, doc) stats_counter(st, name, &h->st.field);
	HOST_STATS(HOST_STAT_REG)
#undef HOST_STAT_REG
	*out = h;
	return 0;
}

void host_destroy(struct host *h)
{
	if (!h)
		return;
	host_vma_free_all(h);
	for (uint64_t g = 0; g < h->ngroups; g++) {
		if (!h->grp[g])
			continue;
		for (unsigned c = 0; c < GROUP_CHUNKS; c++) {
			if (h->grp[g]->chunk[c]) {
				free(h->grp[g]->chunk[c]->wb);
				free(h->grp[g]->chunk[c]->version_hi);
			}
			free(h->grp[g]->chunk[c]);
		}
		free(h->grp[g]);
	}
	free(h->grp);
	for (int i = 0; i < NORDERS; i++) {
		free(h->fl[i].hot.v);
		free(h->fl[i].cold.v);
	}
	free(h->mn);
	free(h->mwait);
	for (size_t i = 0; i < h->nevq; i++)
		free(h->evq[i]);
	free(h->evq);
	free(h);
}

struct sim *host_sim(const struct host *h) { return h->s; }
void host_set_check(struct host *h, struct check *c) { h->chk = c; }
const struct host_stats *host_stats(const struct host *h) { return &h->st; }

int host_mmu_notifier_register(struct host *h,
			       const struct host_mmu_notifier_ops *ops,
			       void *ctx)
{
	struct notifier *n = realloc(h->mn, (h->nmn + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	h->mn = n;
	h->mn[h->nmn].ops = ops;
	h->mn[h->nmn].ctx = ctx;
	h->nmn++;
	return 0;
}

/* ------------------------------------------------------------------ checks */

static int check_list(const struct host *h, int i, const struct pfnvec *v,
		      char *msg, size_t msglen)
{
	uint64_t size = UINT64_C(1) << order_of[i];
	for (size_t j = 0; j < v->n; j++) {
		uint64_t p = v->v[j];
		if (p % size || p + size > h->bump || p == 0) {
			snprintf(msg, msglen, "free block %#llx of order %u is misaligned or above the bump pointer",
				 (unsigned long long)p, order_of[i]);
			return -EFAULT;
		}
		if (host_folio_head(h, p, NULL) ||
		    host_folio_head(h, p + size - 1, NULL)) {
			snprintf(msg, msglen, "free block %#llx of order %u is inside an allocated folio",
				 (unsigned long long)p, order_of[i]);
			return -EFAULT;
		}
	}
	return 0;
}

int host_check(const struct host *h, char *msg, size_t msglen)
{
	uint64_t top = engine_floor(h);
	if (top < h->bump) {
		snprintf(msg, msglen, "engine allocations (from frame %#llx) overlap host frames (up to %#llx)",
			 (unsigned long long)top, (unsigned long long)h->bump);
		return -EFAULT;
	}
	uint64_t free_frames = 0;
	for (int i = 0; i < NORDERS; i++) {
		if (check_list(h, i, &h->fl[i].hot, msg, msglen) ||
		    check_list(h, i, &h->fl[i].cold, msg, msglen))
			return -EFAULT;
		free_frames += (h->fl[i].hot.n + h->fl[i].cold.n) << order_of[i];
	}
	/* Every frame below the bump pointer except frame 0 is either free or
	 * in a folio. */
	if (free_frames + h->st.frames_in_use != h->bump - 1) {
		snprintf(msg, msglen, "%llu free + %llu in use frames != %llu below the bump pointer",
			 (unsigned long long)free_frames,
			 (unsigned long long)h->st.frames_in_use,
			 (unsigned long long)(h->bump - 1));
		return -EFAULT;
	}
	return host_check_vmas(h, msg, msglen);
}
