/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The walker's caches: paging-structure caches for the guest's and the
 * nested tables' upper levels, and the nested TLB.
 *
 * A PSC entry of level L maps an address prefix (the bits above the level
 * L-1 index) to the table the level-L entry points at, with the permissions
 * accumulated from the root. A walker that finds level L cached reads the
 * level L-1 table directly, skipping 4 - L + 1 (5-level: 5 - L + 1)
 * references; in a 2D walk each skipped guest reference also skips the
 * nested walk that would have translated it.
 *
 * Tags: the guest PSC holds combined PSC entries (VPID, PCID, EP4TA; AMD
 * ASID, PCID), the nested PSC and the NTLB guest-physical ones (EP4TA;
 * AMD ASID), so INVVPID leaves the latter two alone and INVEPT does not.
 */
#include "sim/tlb/tlb_int.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Where each level's hit counter is in struct tlb_stats, PDE first. */
static const size_t psc_hits[2][4] = {
	[TLB_PSC_GUEST] = {
		offsetof(struct tlb_stats, gpsc_pde_hits),
		offsetof(struct tlb_stats, gpsc_pdpte_hits),
		offsetof(struct tlb_stats, gpsc_pml4e_hits),
		offsetof(struct tlb_stats, gpsc_pml5e_hits),
	},
	[TLB_PSC_NESTED] = {
		offsetof(struct tlb_stats, npsc_pde_hits),
		offsetof(struct tlb_stats, npsc_pdpte_hits),
		offsetof(struct tlb_stats, npsc_pml4e_hits),
		offsetof(struct tlb_stats, npsc_pml5e_hits),
	},
};

uint64_t *tlb_psc_hits(struct tlb *tlb, enum tlb_psc_kind kind, unsigned l)
{
	return (uint64_t *)((char *)&tlb->hot.stats + psc_hits[kind][l]);
}

static unsigned psc_first(enum tlb_psc_kind kind)
{
	return kind == TLB_PSC_GUEST ? TLB_GPSC_PDE : TLB_NPSC_PDE;
}

static const struct tlb_tag *psc_tag(const struct tlb *tlb, enum tlb_psc_kind kind)
{
	return kind == TLB_PSC_GUEST ? &tlb->comb : &tlb->gphys;
}

/*
 * The entry of PSC level a translating addr under t, touched. The way last
 * used goes first: a walk usually resumes from the same table as the walk
 * before, and that way, already the newest of its set, needs no touch.
 * (A PSC level holds no duplicates: no entry is global, so one tag hits
 * one key at most, and a fill overwrites it.)
 */
static struct tlb_entry *psc_find(struct tlb_array *a, uint64_t addr, const struct tlb_tag *t)
{
	struct tlb_entry *e = a->mru;

	if (e && e->vpn == addr >> a->shifts[0])
		return e;
	e = tlb_array_find(a, addr, t);
	if (e) {
		tlb_array_touch(a, e);
		a->mru = e;
	}
	return e;
}

int tlb_psc_lookup_slow(struct tlb *tlb, enum tlb_psc_kind kind, uint64_t addr,
			struct tlb_psc_hit *hit)
{
	struct tlb_stats *st = &tlb->hot.stats;
	unsigned first = psc_first(kind);
	bool any = false;

	hit->e = NULL;
	hit->level = 0;
	hit->cycles = 0;
	/*
	 * The levels are probed together in hardware; the deepest hit wins
	 * because it skips the most references.
	 */
	for (unsigned l = 0; l < 4; l++) {
		struct tlb_array *a = &tlb->a[first + l];
		struct tlb_entry *e;

		if (!tlb_array_present(a))
			continue;
		any = true;
		e = psc_find(a, addr, psc_tag(tlb, kind));
		if (!e)
			continue;
		++*tlb_psc_hits(tlb, kind, l);
		hit->e = e;
		hit->level = (uint8_t)(l + 2);
		hit->cycles = tlb->psc_latency[kind];
		return hit->level;
	}
	if (any) {
		if (kind == TLB_PSC_GUEST)
			st->gpsc_misses++;
		else
			st->npsc_misses++;
		hit->cycles = tlb->psc_latency[kind];
	}
	return 0;
}

int tlb_psc_fill(struct tlb *tlb, enum tlb_psc_kind kind, const struct tlb_psc_fill *f)
{
	struct tlb_array *a;
	struct tlb_entry e;
	unsigned shift;

	if (f->level < 2 || f->level > 5 || (kind != TLB_PSC_GUEST && kind != TLB_PSC_NESTED))
		return -EINVAL;
	a = &tlb->a[psc_first(kind) + f->level - 2];
	if (!tlb_array_present(a))
		return 0;
	shift = 12 + 9 * (f->level - 1);
	memset(&e, 0, sizeof(e));
	e.vpn = f->addr >> shift;
	e.shift = (uint8_t)shift;
	e.perms = e.fast_perms = f->perms & TLB_PERMS;
	e.id = psc_tag(tlb, kind)->vpid;
	e.pcid = psc_tag(tlb, kind)->pcid;
	e.ep4ta = psc_tag(tlb, kind)->ep4ta;
	/* Tables are 4 KiB aligned. */
	e.hpa = f->table_hpa & ~UINT64_C(0xfff);
	e.gpa = f->table_gpa & ~UINT64_C(0xfff);
	e.gen = f->gen;
	a->mru = tlb_array_insert(a, &e, psc_tag(tlb, kind), false, NULL, NULL);
	return 1;
}

enum tlb_outcome tlb_ntlb_lookup(struct tlb *tlb, unsigned need, uint64_t gpa,
				 struct tlb_result *r)
{
	struct tlb_array *a = &tlb->a[TLB_NTLB];
	struct tlb_stats *st = &tlb->hot.stats;
	struct tlb_entry *e;

	r->e = NULL;
	r->cycles = 0;
	r->level = TLB_NTLB;
	r->outcome = TLB_MISS;
	if (!tlb_array_present(a))
		return TLB_MISS;
	r->cycles = a->latency;
	e = tlb_array_find(a, gpa, &tlb->gphys);
	if (!e) {
		st->ntlb_misses++;
		return TLB_MISS;
	}
	tlb_array_touch(a, e);
	st->ntlb_hits++;
	r->e = e;
	r->outcome = (uint8_t)tlb_classify(st, e, need, &st->ntlb_dirty_assists);
	return (enum tlb_outcome)r->outcome;
}

int tlb_ntlb_fill(struct tlb *tlb, const struct tlb_map *m)
{
	struct tlb_array *a = &tlb->a[TLB_NTLB];
	struct tlb_entry e;

	if (tlb_make_entry(&e, m, &tlb->gphys, false))
		return -EINVAL;
	if (!tlb_array_present(a) || !tlb_array_holds(a, e.shift))
		return 0;
	tlb_array_purge_overlaps(a, m->addr, &tlb->gphys, e.shift);
	tlb_array_insert(a, &e, &tlb->gphys, false, NULL, NULL);
	return 1;
}
