/* SPDX-License-Identifier: MIT */
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
 *  LRU:  each touch stamps the entry from a per-array clock; the victim is
 *        the smallest stamp in the set.
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
	if (!c->entries)
		return 0;
	/* The constructor validated the geometry; nothing here can fail but memory. */
	a->ways = c->ways;
	a->sets = c->entries / c->ways;
	a->e = calloc(c->entries, sizeof(*a->e));
	if (c->repl == TLB_REPL_PLRU)
		a->plru = calloc(a->sets, sizeof(*a->plru));
	if (!a->e || (c->repl == TLB_REPL_PLRU && !a->plru)) {
		tlb_array_free(a);
		return -ENOMEM;
	}
	return 0;
}

void tlb_array_free(struct tlb_array *a)
{
	free(a->e);
	free(a->plru);
	a->e = NULL;
	a->plru = NULL;
}

bool tlb_array_holds(const struct tlb_array *a, unsigned shift)
{
	for (unsigned i = 0; i < a->nshifts; i++)
		if (a->shifts[i] == shift)
			return true;
	return false;
}

struct tlb_entry *tlb_array_end(const struct tlb_array *a)
{
	return a->e + (size_t)a->sets * a->ways;
}

uint32_t tlb_array_set_of(const struct tlb_array *a, const struct tlb_entry *e)
{
	return (uint32_t)((size_t)(e - a->e) / a->ways);
}

static struct tlb_entry *set_base(const struct tlb_array *a, uint64_t vpn)
{
	return a->e + (size_t)(vpn & (a->sets - 1)) * a->ways;
}

struct tlb_entry *tlb_array_find(const struct tlb_array *a, uint64_t addr,
				 const struct tlb_tag *t)
{
	if (!a->e)
		return NULL;
	for (unsigned s = 0; s < a->nshifts; s++) {
		if (!a->seen[s])
			continue;
		uint64_t vpn = addr >> a->shifts[s];
		struct tlb_entry *w = set_base(a, vpn);

		for (uint32_t i = 0; i < a->ways; i++)
			if (w[i].shift == a->shifts[s] && w[i].vpn == vpn && tlb_tag_hits(&w[i], t))
				return &w[i];
	}
	return NULL;
}

static void plru_touch(struct tlb_array *a, uint32_t set, uint32_t way)
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

void tlb_array_touch(struct tlb_array *a, struct tlb_entry *e)
{
	if (a->repl == TLB_REPL_PLRU) {
		size_t idx = (size_t)(e - a->e);

		plru_touch(a, (uint32_t)(idx / a->ways), (uint32_t)(idx % a->ways));
	} else {
		e->stamp = ++a->clock;
	}
}

static struct tlb_entry *pick_victim(const struct tlb_array *a, struct tlb_entry *w, uint32_t set)
{
	struct tlb_entry *old = w;

	for (uint32_t i = 0; i < a->ways; i++)
		if (!w[i].shift)
			return &w[i];
	if (a->repl == TLB_REPL_PLRU)
		return &w[plru_victim(a, set)];
	for (uint32_t i = 1; i < a->ways; i++)
		if (w[i].stamp < old->stamp)
			old = &w[i];
	return old;
}

/*
 * Put tmpl (tag already in it) into its set and touch it. An entry that a
 * lookup under t would return for the same page and size is overwritten in
 * place: the fill that completes a dirty assist must replace the very entry
 * the lookup found, or the lookup would keep finding the clean one. A valid
 * entry displaced for room is copied to *victim (victim->shift = 0 if none).
 */
struct tlb_entry *tlb_array_insert(struct tlb_array *a, const struct tlb_entry *tmpl,
				   const struct tlb_tag *t, struct tlb_entry *victim)
{
	struct tlb_entry *w = set_base(a, tmpl->vpn), *slot = NULL;
	uint32_t set = (uint32_t)(tmpl->vpn & (a->sets - 1));

	victim->shift = 0;
	for (unsigned s = 0; s < a->nshifts; s++)
		if (a->shifts[s] == tmpl->shift)
			a->seen[s] = true;
	for (uint32_t i = 0; i < a->ways && !slot; i++)
		if (w[i].shift == tmpl->shift && w[i].vpn == tmpl->vpn && tlb_tag_hits(&w[i], t))
			slot = &w[i];
	if (!slot) {
		slot = pick_victim(a, w, set);
		if (slot->shift)
			*victim = *slot;
	}
	*slot = *tmpl;
	tlb_array_touch(a, slot);
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

	if (!a->e)
		return 0;
	for (unsigned s = 0; s < a->nshifts; s++) {
		uint64_t vpn = addr >> a->shifts[s];
		struct tlb_entry *w = set_base(a, vpn);

		if (a->shifts[s] == keep_shift || !a->seen[s])
			continue;
		for (uint32_t i = 0; i < a->ways; i++)
			if (w[i].shift == a->shifts[s] && w[i].vpn == vpn && tlb_tag_hits(&w[i], t)) {
				w[i].shift = 0;
				n++;
			}
	}
	return n;
}
