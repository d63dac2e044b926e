/* SPDX-License-Identifier: MIT */
/*
 * sim/tlb internals: struct tlb and the set-associative array that every
 * structure (L1s, L2, NTLB, each PSC level) is built from. Only the .c
 * files of sim/tlb include this.
 */
#ifndef TDPSIM_SIM_TLB_TLB_INT_H
#define TDPSIM_SIM_TLB_TLB_INT_H

#include "sim/tlb/tlb.h"

/* Upper bounds that keep tree-PLRU in one uint64_t and allocations sane. */
#define TLB_MAX_WAYS 64u
#define TLB_MAX_ENTRIES (1u << 20)

/* EPTP bits 51:12: the EP4TA, the only part of the EPTP that tags. */
#define TLB_EP4TA_MASK UINT64_C(0x000ffffffffff000)

/*
 * Which flush family an array belongs to (KVM_FACTS A.5): INVVPID reaches
 * only combined mappings, INVEPT both, AMD's ASID flushes both.
 */
enum tlb_kind { TLB_KIND_COMBINED, TLB_KIND_GPHYS };

struct tlb_array {
	struct tlb_entry *e;	/* sets * ways, set-major; NULL if absent */
	uint64_t *plru;		/* one tree per set, bit n = node n (PLRU only) */
	uint64_t clock;		/* LRU stamps; strictly increasing */
	uint32_t sets, ways;	/* sets is a power of two */
	uint32_t latency;
	enum tlb_repl repl;
	enum tlb_kind kind;
	bool leaf;		/* holds translations (G bit and D matter) */
	uint8_t nshifts;	/* page sizes held, smallest first */
	uint8_t shifts[3];
	/* Sizes ever inserted (sticky), by index into shifts: lookups and
	 * purges skip the sets of sizes never cached, which for a 4K-only
	 * workload is all but one. */
	bool seen[3];
};

struct tlb {
	struct tlb_hot hot;	/* must be first: tlb_lookup() casts to it */
	struct tlb_config cfg;
	/*
	 * The current context, normalized once per set_context so that every
	 * match is a plain field compare: comb for combined mappings, gphys
	 * for guest-physical ones (Intel: EP4TA only; AMD: ASID only).
	 */
	struct tlb_tag comb, gphys;
	uint32_t psc_latency[2];	/* per enum tlb_psc_kind */
	struct tlb_array a[TLB_NARRAYS];
};

static inline bool tlb_array_present(const struct tlb_array *a)
{
	return a->e != NULL;
}

/* Does e (valid) belong to tag t, as a lookup under t would see it? */
static inline bool tlb_tag_hits(const struct tlb_entry *e, const struct tlb_tag *t)
{
	return e->ep4ta == t->ep4ta && e->id == t->vpid &&
	       (e->pcid == t->pcid || (e->flags & TLB_F_GLOBAL));
}

/* Does e translate addr (any address inside its page or region)? */
static inline bool tlb_entry_covers(const struct tlb_entry *e, uint64_t addr)
{
	return e->shift && (addr >> e->shift) == e->vpn;
}

static inline struct tlb_array *tlb_arr(struct tlb *tlb, enum tlb_array_id id)
{
	return &tlb->a[id];
}

/*
 * The outcome of a hit for an access needing `need`, counting what it costs
 * beyond the hit: a missing permission, or a write to a clean entry (the
 * CPU walks again to set D; real CPUs do this rather than trust a cached D).
 */
static inline enum tlb_outcome tlb_classify(struct tlb_stats *st, const struct tlb_entry *e,
					    unsigned need, uint64_t *assists)
{
	if (need & ~e->perms) {
		st->perm_mismatches++;
		return TLB_HIT_PERM;
	}
	if ((need & TLB_W) && !(e->flags & TLB_F_DIRTY)) {
		++*assists;
		return TLB_HIT_DIRTY;
	}
	return TLB_HIT;
}

/* tlb_array.c */
int tlb_array_init(struct tlb_array *a, const struct tlb_array_config *c,
		   enum tlb_kind kind, bool leaf, const uint8_t *shifts, unsigned nshifts);
void tlb_array_free(struct tlb_array *a);
struct tlb_entry *tlb_array_find(const struct tlb_array *a, uint64_t addr,
				 const struct tlb_tag *t);
void tlb_array_touch(struct tlb_array *a, struct tlb_entry *e);
struct tlb_entry *tlb_array_insert(struct tlb_array *a, const struct tlb_entry *tmpl,
				   const struct tlb_tag *t, struct tlb_entry *victim);
unsigned tlb_array_purge_overlaps(struct tlb_array *a, uint64_t addr,
				  const struct tlb_tag *t, unsigned keep_shift);
bool tlb_array_holds(const struct tlb_array *a, unsigned shift);
uint32_t tlb_array_set_of(const struct tlb_array *a, const struct tlb_entry *e);
struct tlb_entry *tlb_array_end(const struct tlb_array *a);

/* tlb.c */
void tlb_forget_mru(struct tlb *tlb);
int tlb_make_entry(struct tlb_entry *e, const struct tlb_map *m, const struct tlb_tag *tag,
		   bool leaf_flags);
void tlb_tag_normalize(const struct tlb *tlb, const struct tlb_tag *in,
		       struct tlb_tag *comb, struct tlb_tag *gphys);

#endif /* TDPSIM_SIM_TLB_TLB_INT_H */
