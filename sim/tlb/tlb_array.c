/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One set-associative array of tagged entries with LRU or tree-PLRU
 * replacement. Every TLB structure is one of these.
 *
 * Set index: the entry's page number at its own size, modulo the number of
 * sets. An array holding several sizes therefore looks an address up once
 * per size, in a different set each time (smallest size first, so that the
 * order in which overlapping entries are found is fixed).
 *
 * Victims: an empty way first (the lowest), else the replacement policy.
 *  LRU:  each set keeps its ways in use in a list, newest first; a touch
 *        moves the way to the front, a drop unlinks it, and the victim is
 *        the last way (the one touched longest ago). That is the order of
 *        last-use times, kept as it changes rather than searched for.
 *  PLRU: a binary tree over the ways, node 1 the root, node n's children
 *        2n and 2n+1, bit n of the set's word meaning "the victim is in the
 *        right half". A touch walks root to leaf pointing every node away
 *        from the touched way; the victim follows the bits.
 * Neither needs randomness, so runs replay exactly.
 */
#include "sim/tlb/tlb_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tlb_array_init(struct tlb_array *a, const struct tlb_array_config *c,
		   enum tlb_kind kind, bool leaf, const uint8_t *shifts, unsigned nshifts)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->leaf = leaf;
	a->repl = c->repl;
	a->latency = c->latency;
	a->nshifts = (uint8_t)nshifts;
	memcpy(a->shifts, shifts, nshifts);
	for (unsigned i = 0; i < nshifts; i++)
		a->held |= UINT64_C(1) << shifts[i];
	if (!c->entries)
		return 0;
	/* The constructor validated the geometry; nothing here can fail but memory. */
	a->ways = c->ways;
	a->sets = c->entries / c->ways;
	a->all_ways = ~UINT64_C(0) >> (64 - a->ways);	/* ways is 1..64 */
	a->fp_first = (uint32_t)(a->all_ways & 0xffff);
	for (uint32_t w = 0; w < 4 && w < a->ways; w++)
		a->fp_top |= UINT32_C(0x80) << (8 * w);
	a->e = calloc(c->entries, sizeof(*a->e));
	a->key = calloc(c->entries, sizeof(*a->key));
	a->fp = calloc((size_t)c->entries + TLB_FP_PAD, 1);
	a->set = calloc(a->sets, sizeof(*a->set));
	if (c->repl == TLB_REPL_PLRU)
		a->plru = calloc(a->sets, sizeof(*a->plru));
	else
		a->way = calloc(c->entries, sizeof(*a->way));
	if (!a->e || !a->key || !a->fp || !a->set || (c->repl == TLB_REPL_PLRU ? !a->plru : !a->way)) {
		tlb_array_free(a);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < a->sets; i++)
		a->set[i].newest = a->set[i].oldest = TLB_NO_WAY;
	return 0;
}

void tlb_array_free(struct tlb_array *a)
{
	free(a->e);
	free(a->key);
	free(a->fp);
	free(a->set);
	free(a->way);
	free(a->plru);
	a->e = NULL;
	a->key = NULL;
	a->fp = NULL;
	a->set = NULL;
	a->way = NULL;
	a->plru = NULL;
}

struct tlb_entry *tlb_array_end(const struct tlb_array *a)
{
	return a->e + (size_t)a->sets * a->ways;
}

struct tlb_entry *tlb_set_find_wide(const struct tlb_array *a, size_t base, uint64_t key,
				    const struct tlb_tag *t)
{
	const uint8_t fp = tlb_fp(key);

	for (uint32_t c = 0; c < a->ways; c += 16) {
		uint32_t m = tlb_fp_match(a, base, c, fp);
		struct tlb_entry *e;

		if (a->ways - c < 16)
			m &= (UINT32_C(1) << (a->ways - c)) - 1;
		if ((e = tlb_set_check(a, base + c, m, key, t)))
			return e;
	}
	return NULL;
}

uint32_t tlb_array_set_of(const struct tlb_array *a, const struct tlb_entry *e)
{
	return (uint32_t)((size_t)(e - a->e) / a->ways);
}

int tlb_array_check_lru(const struct tlb_array *a, uint32_t set)
{
	const struct tlb_set *st = &a->set[set];
	const struct tlb_way *l = a->way + (size_t)set * a->ways;
	uint64_t seen = 0;
	uint32_t last = TLB_NO_WAY;

	for (uint32_t w = st->newest; w != TLB_NO_WAY; last = w, w = l[w].older) {
		if (w >= a->ways || (seen >> w & 1) || !(st->used >> w & 1) ||
		    l[w].newer != last)
			return -1;
		seen |= UINT64_C(1) << w;
	}
	return seen == st->used && st->oldest == last ? 0 : -1;
}

void tlb_array_plru_touch(struct tlb_array *a, uint32_t set, uint32_t way)
{
	uint64_t *bits = &a->plru[set];
	uint32_t node = 1, lo = 0, hi = a->ways;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (way < mid) {	/* used the left half: next victim on the right */
			*bits |= UINT64_C(1) << node;
			node = 2 * node;
			hi = mid;
		} else {
			*bits &= ~(UINT64_C(1) << node);
			node = 2 * node + 1;
			lo = mid;
		}
	}
}

static uint32_t plru_victim(const struct tlb_array *a, uint32_t set)
{
	uint64_t bits = a->plru[set];
	uint32_t node = 1, lo = 0, hi = a->ways;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (bits >> node & 1) {
			node = 2 * node + 1;
			lo = mid;
		} else {
			node = 2 * node;
			hi = mid;
		}
	}
	return lo;
}

/* Take a way in use out of its set's LRU list. */
static inline void lru_unlink(struct tlb_array *a, uint32_t set, uint32_t way)
{
	struct tlb_set *st = &a->set[set];
	struct tlb_way *l = a->way + (size_t)set * a->ways;
	uint8_t newer = l[way].newer, older = l[way].older;

	if (newer == TLB_NO_WAY)
		st->newest = older;
	else
		l[newer].older = older;
	if (older == TLB_NO_WAY)
		st->oldest = newer;
	else
		l[older].newer = newer;
}

/* Put a way not in the list at its front. */
static inline void lru_push(struct tlb_array *a, uint32_t set, uint32_t way)
{
	struct tlb_set *st = &a->set[set];
	struct tlb_way *l = a->way + (size_t)set * a->ways;

	l[way].newer = TLB_NO_WAY;
	l[way].older = st->newest;
	if (st->newest == TLB_NO_WAY)
		st->oldest = (uint8_t)way;
	else
		l[st->newest].newer = (uint8_t)way;
	st->newest = (uint8_t)way;
}

/* Move a way in the list to its front. */
static inline void lru_promote(struct tlb_array *a, uint32_t set, uint32_t way)
{
	lru_unlink(a, set, way);
	lru_push(a, set, way);
}

void tlb_array_lru_promote(struct tlb_array *a, uint32_t set, uint32_t way)
{
	lru_promote(a, set, way);
}

void tlb_array_drop(struct tlb_array *a, struct tlb_entry *e)
{
	uint32_t set = tlb_entry_set(a, e);
	uint32_t way = (uint32_t)((size_t)(e - a->e) - (size_t)set * a->ways);

	if (a->repl == TLB_REPL_LRU)
		lru_unlink(a, set, way);
	a->set[set].used &= ~(UINT64_C(1) << way);
	a->key[e - a->e] = 0;
	a->fp[e - a->e] = 0;
	e->shift = 0;
	if (a->mru == e)
		a->mru = NULL;
}

/*
 * Put tmpl (tag already in it) into its set and touch it. An entry that a
 * lookup under t would return for the same page and size is overwritten in
 * place: the fill that completes a dirty assist must replace the very entry
 * the lookup found, or the lookup would keep finding the clean one. @fresh:
 * the caller knows there is none (a lookup just missed), so the search is
 * skipped. A valid entry displaced for room is counted in *@evictions
 * (unless NULL) and copied to *@victim (unless NULL; victim->shift = 0 if
 * none was displaced): only an exclusive L2 wants the copy.
 */
struct tlb_entry *tlb_array_insert(struct tlb_array *a, const struct tlb_entry *tmpl,
				   const struct tlb_tag *t, bool fresh,
				   struct tlb_entry *victim, uint64_t *evictions)
{
	uint32_t set = (uint32_t)(tmpl->vpn & (a->sets - 1));
	size_t base = (size_t)set * a->ways;
	uint64_t key = tlb_key(tmpl->vpn, tmpl->shift);
	struct tlb_entry *slot = fresh ? NULL : tlb_set_find(a, base, key, t);
	struct tlb_set *st = &a->set[set];
	bool lru = a->repl == TLB_REPL_LRU;
	uint64_t empty = ~st->used & a->all_ways;
	uint32_t way;

	if (victim)
		victim->shift = 0;
	a->seen |= UINT64_C(1) << tmpl->shift;
	a->inserts++;
	if (slot) {
		*slot = *tmpl;
		tlb_array_touch(a, slot);
		return slot;
	}
	if (empty) {
		way = (uint32_t)__builtin_ctzll(empty);
		st->used |= UINT64_C(1) << way;
		if (lru)
			lru_push(a, set, way);
	} else {
		way = lru ? st->oldest : plru_victim(a, set);
		if (victim)
			*victim = a->e[base + way];
		if (evictions)
			++*evictions;
		if (lru)	/* the oldest becomes the newest */
			tlb_array_lru_rotate(a, set);
	}
	slot = &a->e[base + way];
	*slot = *tmpl;
	a->key[base + way] = key;
	a->fp[base + way] = tlb_fp(key);
	if (!lru)
		tlb_array_plru_touch(a, set, way);
	return slot;
}

/*
 * Drop entries under t that cover addr at a size other than keep_shift. A
 * fill comes from a fresh walk of addr; an older entry of another size for
 * that address would otherwise keep being found first (smaller sizes are
 * probed first), and a dirty assist on it would never complete. Entries of
 * other sizes for *other* addresses in the new page's range may stay: an
 * access through one of them walks and lands here with its own address.
 * Hardware may drop any entry at any time, so this stays within the
 * architecture.
 */
unsigned tlb_array_purge_overlaps(struct tlb_array *a, uint64_t addr,
				  const struct tlb_tag *t, unsigned keep_shift)
{
	unsigned n = 0;

	/* Nothing of another size was ever cached: the common case. */
	if (!(a->seen & ~(UINT64_C(1) << keep_shift)))
		return 0;
	for (unsigned s = 0; s < a->nshifts; s++) {
		unsigned shift = a->shifts[s];
		uint64_t key = tlb_key(addr >> shift, shift);
		size_t base = tlb_array_set(a, addr >> shift);

		if (shift == keep_shift || !(a->seen >> shift & 1))
			continue;
		for (size_t i = base; i < base + a->ways; i++)
			if (a->key[i] == key && tlb_tag_hits(&a->e[i], t)) {
				tlb_array_drop(a, &a->e[i]);
				n++;
			}
	}
	return n;
}
