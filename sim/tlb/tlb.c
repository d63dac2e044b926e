/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TLB levels: lifetime, context, lookup, fill, inspection.
 */
#include "sim/tlb/tlb_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const array_names[TLB_NARRAYS] = {
	[TLB_L1D] = "l1d", [TLB_L1I] = "l1i", [TLB_L2] = "l2", [TLB_NTLB] = "ntlb",
	[TLB_GPSC_PDE] = "psc.pde", [TLB_GPSC_PDPTE] = "psc.pdpte",
	[TLB_GPSC_PML4E] = "psc.pml4e", [TLB_GPSC_PML5E] = "psc.pml5e",
	[TLB_NPSC_PDE] = "npsc.pde", [TLB_NPSC_PDPTE] = "npsc.pdpte",
	[TLB_NPSC_PML4E] = "npsc.pml4e", [TLB_NPSC_PML5E] = "npsc.pml5e",
};

const char *tlb_array_name(enum tlb_array_id id)
{
	return (unsigned)id < TLB_NARRAYS ? array_names[id] : "?";
}

/* The sizes of a page-size mask as shifts, smallest first. */
static unsigned sizes_to_shifts(unsigned sizes, uint8_t *shifts)
{
	unsigned n = 0;

	for (unsigned s = TLB_4K; s <= TLB_1G; s <<= 1)
		if (sizes & s)
			shifts[n++] = (uint8_t)tlb_size_shift(s);
	return n;
}

int tlb_create(struct tlb **out, const struct tlb_config *cfg, char *msg, size_t msglen)
{
	struct tlb *tlb;
	int err;

	*out = NULL;
	err = tlb_config_validate(cfg, msg, msglen);
	if (err)
		return err;
	tlb = calloc(1, sizeof(*tlb));
	if (!tlb)
		return -ENOMEM;
	tlb->cfg = *cfg;
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		struct tlb_array_config c = cfg->a[id];
		enum tlb_kind kind = TLB_KIND_COMBINED;
		bool leaf = true;
		uint8_t shifts[3];
		unsigned n;

		if (id >= TLB_GPSC_PDE) {
			/* A level-L PSC entry covers 2^(12 + 9 (L-1)) bytes. */
			unsigned level = 2 + (id - TLB_GPSC_PDE) % 4;

			shifts[0] = (uint8_t)(12 + 9 * (level - 1));
			n = 1;
			leaf = false;
			if (id >= TLB_NPSC_PDE)
				kind = TLB_KIND_GPHYS;
		} else {
			n = sizes_to_shifts(c.sizes, shifts);
			if (id == TLB_NTLB)
				kind = TLB_KIND_GPHYS;
		}
		/* tlb.psc=off removes the walker's caches entirely. */
		if (!cfg->psc && (id == TLB_NTLB || id >= TLB_GPSC_PDE))
			c.entries = 0;
		err = tlb_array_init(&tlb->a[id], &c, kind, leaf, shifts, n);
		if (err) {
			tlb_destroy(tlb);
			return err;
		}
	}
	for (unsigned k = 0; k < 2; k++) {
		unsigned first = k == TLB_PSC_GUEST ? TLB_GPSC_PDE : TLB_NPSC_PDE;

		for (unsigned l = 0; l < 4; l++)
			if (tlb_array_present(&tlb->a[first + l]) &&
			    tlb->a[first + l].latency > tlb->psc_latency[k])
				tlb->psc_latency[k] = tlb->a[first + l].latency;
	}
	/* The PSC fast path watches each kind's deepest present level. */
	for (unsigned k = 0; k < 2; k++) {
		unsigned first = k == TLB_PSC_GUEST ? TLB_GPSC_PDE : TLB_NPSC_PDE;

		for (unsigned l = 0; l < 4; l++)
			if (tlb_array_present(&tlb->a[first + l])) {
				tlb->hot.psc[k].mru = &tlb->a[first + l].mru;
				tlb->hot.psc[k].hits = tlb_psc_hits(tlb, (enum tlb_psc_kind)k, l);
				tlb->hot.psc[k].cycles = tlb->psc_latency[k];
				tlb->hot.psc[k].level = (uint8_t)(l + 2);
				break;
			}
	}
	for (unsigned l1 = TLB_L1D; l1 <= TLB_L1I; l1++) {
		const struct tlb_array *a1 = &tlb->a[l1], *a2 = &tlb->a[TLB_L2];

		tlb->lookup_4k[l1] = tlb_array_present(a1) && tlb_array_present(a2) &&
				     a1->ways <= 4 && a2->ways > 4 && a2->ways <= 16;

		tlb->fill_4k[l1] = cfg->l2_mode == TLB_L2_FILL &&
				   tlb_array_present(a1) && tlb_array_present(a2) &&
				   a1->repl == TLB_REPL_LRU && a2->repl == TLB_REPL_LRU &&
				   tlb_array_holds(a1, 12) && tlb_array_holds(a2, 12);
	}
	tlb->hot.l1[TLB_L1D].hits = &tlb->hot.stats.l1d_hits;
	tlb->hot.l1[TLB_L1D].latency = tlb->a[TLB_L1D].latency;
	tlb->hot.l1[TLB_L1I].hits = &tlb->hot.stats.l1i_hits;
	tlb->hot.l1[TLB_L1I].latency = tlb->a[TLB_L1I].latency;
	*out = tlb;
	return 0;
}

void tlb_destroy(struct tlb *tlb)
{
	if (!tlb)
		return;
	for (unsigned id = 0; id < TLB_NARRAYS; id++)
		tlb_array_free(&tlb->a[id]);
	free(tlb);
}

const struct tlb_config *tlb_config(const struct tlb *tlb)
{
	return &tlb->cfg;
}

void tlb_forget_mru(struct tlb *tlb)
{
	tlb->hot.l1[TLB_L1D].mru = NULL;
	tlb->hot.l1[TLB_L1I].mru = NULL;
	for (unsigned id = 0; id < TLB_NARRAYS; id++)
		tlb->a[id].mru = NULL;
}

/*
 * Normalize a tag once so that matching never looks at the vendor: on AMD
 * the nested root is not part of any tag (the reason a same-ASID root
 * switch without a flush keeps hitting), and on Intel guest-physical
 * mappings belong to an EP4TA alone, whatever the VPID and PCID.
 */
void tlb_tag_normalize(const struct tlb *tlb, const struct tlb_tag *in,
		       struct tlb_tag *comb, struct tlb_tag *gphys)
{
	*comb = (struct tlb_tag){ .vpid = in->vpid, .pcid = in->pcid };
	*gphys = (struct tlb_tag){ 0 };
	if (tlb->cfg.vendor == TLB_VENDOR_INTEL) {
		comb->ep4ta = in->ep4ta & TLB_EP4TA_MASK;
		gphys->ep4ta = comb->ep4ta;
	} else {
		gphys->asid = in->asid;
	}
}

void tlb_set_context(struct tlb *tlb, const struct tlb_tag *tag)
{
	struct tlb_tag comb, gphys;

	tlb_tag_normalize(tlb, tag, &comb, &gphys);
	tlb->hot.stats.context_loads++;
	if (comb.ep4ta == tlb->comb.ep4ta && comb.vpid == tlb->comb.vpid &&
	    comb.pcid == tlb->comb.pcid)
		return;
	tlb->comb = comb;
	tlb->gphys = gphys;
	/* The MRU pointers were hits under the old tag: the fast path must not see them. */
	tlb_forget_mru(tlb);
	/* Nor may a fill rely on what a lookup under it proved. */
	tlb->miss.valid = false;
}

struct tlb_tag tlb_context(const struct tlb *tlb)
{
	return tlb->comb;
}

/*
 * Put e, which translates addr, into L1 array l1 and make it that array's
 * MRU. In victim mode the displaced L1 entry moves down to L2 if L2 holds
 * its size. @fresh: nothing in the array translates addr under the
 * current context (see struct tlb, miss), so there is nothing to purge or
 * overwrite.
 */
static inline struct tlb_entry *l1_insert(struct tlb *tlb, unsigned l1,
					  const struct tlb_entry *e, uint64_t addr, bool fresh)
{
	struct tlb_array *a = &tlb->a[l1], *l2 = &tlb->a[TLB_L2];
	struct tlb_entry victim, *slot;

	if (!fresh)
		tlb->hot.stats.evictions += tlb_array_purge_overlaps(a, addr, &tlb->comb,
								     e->shift);
	/* Only an exclusive L2 takes the displaced entry: in fill mode it is
	 * merely counted, not copied out. */
	if (tlb->cfg.l2_mode != TLB_L2_VICTIM || !tlb_array_present(l2)) {
		slot = fresh ? tlb_array_insert_new(a, e, &tlb->comb, &tlb->hot.stats.evictions)
			     : tlb_array_insert(a, e, &tlb->comb, false, NULL,
						&tlb->hot.stats.evictions);
		tlb->hot.l1[l1].mru = slot;
		return slot;
	}
	slot = tlb_array_insert(a, e, &tlb->comb, fresh, &victim,
				&tlb->hot.stats.evictions);
	tlb->hot.l1[l1].mru = slot;
	if (victim.shift && tlb_array_holds(l2, victim.shift)) {
		/* The victim keeps its own tag, which need not be current. */
		struct tlb_tag vt = { .ep4ta = victim.ep4ta, .vpid = victim.id, .pcid = victim.pcid };

		tlb_array_insert(l2, &victim, &vt, false, NULL, &tlb->hot.stats.evictions);
	}
	return slot;
}

/* tlb_lookup_slow's hit in L2 @e, which L1 array @l1 has just missed.
 * Out of line: the miss path, which walks next, is the one to keep lean. */
static enum tlb_outcome __attribute__((noinline))
l2_hit(struct tlb *tlb, unsigned l1, unsigned need, uint64_t addr, struct tlb_entry *e,
       struct tlb_result *r)
{
	struct tlb_array *a1 = &tlb->a[l1], *a2 = &tlb->a[TLB_L2];
	struct tlb_stats *st = &tlb->hot.stats;

	st->l2_hits++;
	r->level = TLB_L2;
	r->outcome = (uint8_t)tlb_classify(st, e, need, &st->dirty_assists);
	tlb_array_touch(a2, e);
	if (tlb_array_present(a1) && tlb_array_holds(a1, e->shift)) {
		struct tlb_entry copy = *e;

		/* Exclusive L2: the entry moves up, L1's victim down. */
		if (tlb->cfg.l2_mode == TLB_L2_VICTIM)
			tlb_array_drop(a2, e);
		/* L1 has just missed addr: the copy is new there. */
		e = l1_insert(tlb, l1, &copy, addr, true);
	}
	r->e = e;
	return (enum tlb_outcome)r->outcome;
}

/* tlb_lookup_slow()'s hit in L1 array @l1. */
static inline enum tlb_outcome l1_hit(struct tlb *tlb, unsigned l1, unsigned need,
				      struct tlb_entry *e, struct tlb_result *r)
{
	struct tlb_stats *st = &tlb->hot.stats;

	tlb_array_touch(&tlb->a[l1], e);
	tlb->hot.l1[l1].mru = e;
	++*tlb->hot.l1[l1].hits;
	r->e = e;
	r->level = (uint8_t)l1;
	r->outcome = (uint8_t)tlb_classify(st, e, need, &st->dirty_assists);
	return (enum tlb_outcome)r->outcome;
}

static inline void l1_missed(struct tlb_stats *st, unsigned l1)
{
	if (l1 == TLB_L1I)
		st->l1i_misses++;
	else
		st->l1d_misses++;
}

/* tlb_lookup_slow()'s miss in every level: what it proves, for the fill. */
static inline enum tlb_outcome missed(struct tlb *tlb, unsigned l1, uint64_t addr,
				      struct tlb_result *r)
{
	tlb->miss.addr = addr;
	tlb->miss.l1 = l1;
	tlb->miss.inserts[0] = tlb->a[l1].inserts;
	tlb->miss.inserts[1] = tlb->a[TLB_L2].inserts;
	tlb->miss.valid = true;
	r->e = NULL;
	r->level = 0;
	r->outcome = TLB_MISS;
	return TLB_MISS;
}

enum tlb_outcome tlb_lookup_slow(struct tlb *tlb, unsigned need, uint64_t addr,
				 struct tlb_result *r)
{
	unsigned l1 = (need & TLB_X) ? TLB_L1I : TLB_L1D;
	struct tlb_array *a1 = &tlb->a[l1], *a2 = &tlb->a[TLB_L2];
	struct tlb_stats *st = &tlb->hot.stats;
	struct tlb_entry *e;

	/* The common case, straight: one set of each level to probe, with
	 * one key and fingerprint (only 4 KiB pages were ever cached). */
	if (tlb->lookup_4k[l1] && (a1->seen | a2->seen) == UINT64_C(1) << 12) {
		uint64_t vpn = addr >> 12, key = tlb_key(vpn, 12);
		uint8_t fp = tlb_fp(key);

		r->cycles = a1->latency;
		e = tlb_set_find_small(a1, tlb_array_set(a1, vpn), key, fp, &tlb->comb);
		if (e)
			return l1_hit(tlb, l1, need, e, r);
		l1_missed(st, l1);
		r->cycles += a2->latency;
		e = tlb_set_find_mid(a2, tlb_array_set(a2, vpn), key, fp, &tlb->comb);
		if (e)
			return l2_hit(tlb, l1, need, addr, e, r);
		st->l2_misses++;
		return missed(tlb, l1, addr, r);
	}
	r->cycles = 0;
	if (tlb_array_present(a1)) {
		r->cycles += a1->latency;
		e = tlb_array_find(a1, addr, &tlb->comb);
		if (e)
			return l1_hit(tlb, l1, need, e, r);
		l1_missed(st, l1);
	}
	if (tlb_array_present(a2)) {
		r->cycles += a2->latency;
		e = tlb_array_find(a2, addr, &tlb->comb);
		if (e)
			return l2_hit(tlb, l1, need, addr, e, r);
		st->l2_misses++;
	}
	return missed(tlb, l1, addr, r);
}

/*
 * tlb_fill()'s short way: a 4 KiB translation that the lookup before it
 * proved new to L1 array @l1 and to L2 (tlb->miss), both LRU and filled
 * together (tlb->fill_4k).  When both of its sets are full, each one's
 * oldest way takes the entry, as tlb_array_insert_new() does, and it
 * returns true; else false, having changed nothing.
 */
static inline bool fill_fresh_4k(struct tlb *tlb, unsigned l1, const struct tlb_map *m)
{
	struct tlb_array *a1 = &tlb->a[l1], *a2 = &tlb->a[TLB_L2];
	uint64_t vpn = m->addr >> 12, key = tlb_key(vpn, 12);
	uint32_t s1 = (uint32_t)(vpn & (a1->sets - 1)), s2 = (uint32_t)(vpn & (a2->sets - 1));
	const struct tlb_set *t1 = &a1->set[s1], *t2 = &a2->set[s2];

	if (t1->used != a1->all_ways || t2->used != a2->all_ways)
		return false;
	size_t i1 = (size_t)s1 * a1->ways + t1->oldest;
	size_t i2 = (size_t)s2 * a2->ways + t2->oldest;
	struct tlb_entry *e = &a1->e[i1];

	tlb_make_entry(e, m, &tlb->comb, true);	/* a 4 KiB size is valid */
	tlb_entry_copy(&a2->e[i2], e);
	a1->key[i1] = key;
	a2->key[i2] = key;
	a1->fp[i1] = a2->fp[i2] = tlb_fp(key);
	tlb_array_lru_rotate(a1, s1);
	tlb_array_lru_rotate(a2, s2);
	a1->seen |= UINT64_C(1) << 12;
	a2->seen |= UINT64_C(1) << 12;
	a1->inserts++;
	a2->inserts++;
	tlb->hot.stats.evictions += 2;
	tlb->hot.stats.fills++;
	tlb->hot.l1[l1].mru = e;
	return true;
}

static int __attribute__((noinline)) fill_any(struct tlb *tlb, unsigned l1,
					       const struct tlb_map *m);

int tlb_fill(struct tlb *tlb, unsigned need, const struct tlb_map *m)
{
	unsigned l1 = (need & TLB_X) ? TLB_L1I : TLB_L1D;

	if (tlb->fill_4k[l1] && m->size == TLB_4K && tlb->miss.valid &&
	    tlb->miss.addr == m->addr && tlb->miss.l1 == l1 &&
	    tlb->miss.inserts[0] == tlb->a[l1].inserts &&
	    tlb->miss.inserts[1] == tlb->a[TLB_L2].inserts && fill_fresh_4k(tlb, l1, m))
		return 2;
	return fill_any(tlb, l1, m);
}

/* tlb_fill() of any size, fresh or not, in any mode. */
static int fill_any(struct tlb *tlb, unsigned l1, const struct tlb_map *m)
{
	struct tlb_array *a1 = &tlb->a[l1], *a2 = &tlb->a[TLB_L2];
	unsigned shift = tlb_size_shift(m->size);
	bool in_l1 = tlb_array_present(a1) && tlb_array_holds(a1, shift);
	bool in_l2 = tlb_array_present(a2) && tlb_array_holds(a2, shift);
	/* Is this the fill after a lookup that missed m->addr everywhere? */
	bool miss = tlb->miss.valid && tlb->miss.addr == m->addr && tlb->miss.l1 == l1;
	bool fresh1 = miss && tlb->miss.inserts[0] == a1->inserts;
	bool fresh2 = miss && tlb->miss.inserts[1] == a2->inserts;
	struct tlb_entry e;
	int n = 0;

	if (tlb_make_entry(&e, m, &tlb->comb, true))
		return -EINVAL;
	tlb->hot.stats.fills++;
	if (in_l1) {
		l1_insert(tlb, l1, &e, m->addr, fresh1);
		n++;
	}
	if (tlb->cfg.l2_mode == TLB_L2_VICTIM && in_l1) {
		/*
		 * Exclusive: the fresh copy lives in L1 only. A copy of the
		 * same page left in L2 (say, clean, before this dirty assist)
		 * must go, or it would come back up stale in D.
		 */
		struct tlb_entry *old = fresh2 ? NULL : tlb_array_find(a2, m->addr, &tlb->comb);

		if (old && old->shift == e.shift)
			tlb_array_drop(a2, old);
	} else if (in_l2) {
		if (!fresh2)
			tlb->hot.stats.evictions += tlb_array_purge_overlaps(a2, m->addr,
									     &tlb->comb, e.shift);
		if (fresh2)
			tlb_array_insert_new(a2, &e, &tlb->comb, &tlb->hot.stats.evictions);
		else
			tlb_array_insert(a2, &e, &tlb->comb, false, NULL,
					 &tlb->hot.stats.evictions);
		n++;
	}
	return n;
}

const struct tlb_stats *tlb_stats(const struct tlb *tlb)
{
	return &tlb->hot.stats;
}

void tlb_stats_foreach(struct tlb *tlb,
		       void (*cb)(void *ctx, const char *name, uint64_t *v), void *ctx)
{
#define TLB_STAT_CB(field, name, doc) cb(ctx, name, &tlb->hot.stats.field);
	TLB_STATS(TLB_STAT_CB)
#undef TLB_STAT_CB
}

unsigned tlb_count(const struct tlb *tlb, enum tlb_array_id id)
{
	const struct tlb_array *a = &tlb->a[id];
	unsigned n = 0;

	if (!tlb_array_present(a))
		return 0;
	for (const struct tlb_entry *e = a->e; e < tlb_array_end(a); e++)
		n += e->shift != 0;
	return n;
}

const struct tlb_entry *tlb_probe(const struct tlb *tlb, enum tlb_array_id id, uint64_t addr)
{
	const struct tlb_array *a = &tlb->a[id];

	return tlb_array_find(a, addr, a->kind == TLB_KIND_GPHYS ? &tlb->gphys : &tlb->comb);
}

void tlb_foreach(const struct tlb *tlb,
		 void (*cb)(void *ctx, enum tlb_array_id id, const struct tlb_entry *e),
		 void *ctx)
{
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		const struct tlb_array *a = &tlb->a[id];

		if (!tlb_array_present(a))
			continue;
		for (const struct tlb_entry *e = a->e; e < tlb_array_end(a); e++)
			if (e->shift)
				cb(ctx, (enum tlb_array_id)id, e);
	}
}

static bool same_key(const struct tlb_entry *a, const struct tlb_entry *b)
{
	return a->shift == b->shift && a->vpn == b->vpn && a->ep4ta == b->ep4ta &&
	       a->id == b->id && a->pcid == b->pcid;
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(msg, msglen, __VA_ARGS__);		\
			return -EFAULT;					\
		}							\
	} while (0)

/* An MRU pointer names a valid way of a, under tag, the newest of its set. */
static int check_mru(const struct tlb_array *a, const struct tlb_entry *m,
		     const struct tlb_tag *tag, const char *nm, char *msg, size_t msglen)
{
	const struct tlb_entry *w;

	if (!m)
		return 0;
	CHECK(tlb_array_present(a) && m >= a->e && m < tlb_array_end(a),
	      "%s: mru outside the array", nm);
	CHECK(m->shift && tlb_tag_hits(m, tag), "%s: mru empty or not of the current context", nm);
	w = a->e + (size_t)tlb_array_set_of(a, m) * a->ways;
	CHECK(a->repl != TLB_REPL_LRU || a->set[tlb_array_set_of(a, m)].newest == m - w,
	      "%s: mru is not the newest way of its set", nm);
	return 0;
}

int tlb_check(const struct tlb *tlb, char *msg, size_t msglen)
{
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		const struct tlb_array *a = &tlb->a[id];
		const char *nm = array_names[id];

		if (!tlb_array_present(a))
			continue;
		for (const struct tlb_entry *e = a->e; e < tlb_array_end(a); e++) {
			uint32_t set = tlb_array_set_of(a, e);
			size_t way = (size_t)(e - a->e);	/* index in the array */

			CHECK(a->key[way] == (e->shift ? tlb_key(e->vpn, e->shift) : 0),
			      "%s: way %zu's key does not match its entry", nm, way);
			CHECK(a->fp[way] == (e->shift ? tlb_fp(a->key[way]) : 0),
			      "%s: way %zu's fingerprint does not match its key", nm, way);
			CHECK(!(a->set[set].used >> (way - (size_t)set * a->ways) & 1) == !e->shift,
			      "%s: way %zu's use bit does not match its entry", nm, way);
			if (!e->shift)
				continue;
			CHECK(tlb_array_holds(a, e->shift), "%s: entry of shift %u in an array "
			      "that does not hold it", nm, e->shift);
			CHECK((e->vpn & (a->sets - 1)) == set, "%s: vpn %#llx in set %u",
			      nm, (unsigned long long)e->vpn, set);
			CHECK(!(e->perms & ~TLB_PERMS) && !(e->fast_perms & ~e->perms),
			      "%s: bad permissions %#x/%#x", nm, e->perms, e->fast_perms);
			CHECK((e->flags & TLB_F_DIRTY) || !(e->fast_perms & TLB_W),
			      "%s: clean entry grants W on the fast path", nm);
			CHECK(a->kind == TLB_KIND_COMBINED || (!e->pcid && !(e->flags & TLB_F_GLOBAL)),
			      "%s: guest-physical entry with a PCID or G", nm);
			CHECK(tlb->cfg.vendor == TLB_VENDOR_INTEL || !e->ep4ta,
			      "%s: AMD entry tagged by a nested root", nm);
			for (const struct tlb_entry *f = e + 1; f < a->e + (size_t)(set + 1) * a->ways; f++)
				CHECK(!same_key(e, f), "%s: duplicate entry vpn %#llx in set %u",
				      nm, (unsigned long long)e->vpn, set);
		}
		for (uint32_t set = 0; a->repl == TLB_REPL_LRU && set < a->sets; set++)
			CHECK(!tlb_array_check_lru(a, set), "%s: set %u's LRU list does not "
			      "hold its ways in use", nm, set);
	}
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		const struct tlb_array *a = &tlb->a[id];
		/* The L1s keep theirs in the hot half, for the inline lookup. */
		const struct tlb_entry *m = id <= TLB_L1I ? tlb->hot.l1[id].mru : a->mru;
		int err = check_mru(a, m, a->kind == TLB_KIND_GPHYS ? &tlb->gphys : &tlb->comb,
				    array_names[id], msg, msglen);

		if (err)
			return err;
	}
	return 0;
}
