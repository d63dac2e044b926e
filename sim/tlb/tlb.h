/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/tlb: the translation caches of one physical CPU.
 *
 * A physical CPU caches what its page walks found: final translations in an
 * L1 iTLB, an L1 dTLB and a unified L2 TLB, upper-level entries in
 * paging-structure caches (PSCs), and guest-physical translations that the
 * walker itself uses in a nested TLB (NTLB). Every cached item carries a tag,
 * and the tag is what decides which flush removes it and which context may
 * hit it again. That is where the staleness bugs tdpsim reproduces live, so
 * the tag rules below follow the vendor manuals exactly:
 *
 *  Intel (SDM Vol. 3C "Caching Translation Information", KVM_FACTS A.5)
 *    combined mappings      linear -> HPA     tag (VPID, PCID, EP4TA)
 *    guest-physical maps    GPA    -> HPA     tag EP4TA
 *    With EPT on, accesses by linear address use combined mappings; accesses
 *    by guest-physical address (the guest page walk) use guest-physical
 *    ones. With CR0.PG=0 a linear address *is* a GPA and the TLB still holds
 *    combined mappings (VPID, PCID=0, EP4TA); only combined PSC entries are
 *    not created. A new EPTP with another EP4TA is another tag: the old
 *    root's entries stay cached, unused, and hit again if a root at the same
 *    EP4TA is loaded again.
 *
 *  AMD (APM Vol. 2 ch. 15, KVM_FACTS C)
 *    Everything is tagged by ASID (and the guest PCID); nCR3 is *not* part of
 *    the tag. Loading a new nCR3 under the same ASID with TLB_CONTROL=0
 *    leaves the old root's translations hitting.
 *
 * How the structures map onto those kinds:
 *    L1I, L1D, L2        combined translations (with guest.paging=none the
 *                        address looked up is the GPA)
 *    guest PSC (GPSC)    combined PSC entries: linear prefix -> next guest
 *                        table (its GPA and HPA) + accumulated permissions
 *    nested PSC (NPSC)   guest-physical PSC entries: GPA prefix -> next
 *                        EPT/NPT table HPA
 *    NTLB                guest-physical translations GPA -> HPA, used by the
 *                        walker for the guest page-table pages it reads
 *
 * Nothing here flushes implicitly: not VM entry, not VM exit, not a root
 * load. Only tlb_flush() (an architectural operation with its scope) and
 * replacement remove entries.
 *
 * Use: tlb_config_from_params(), tlb_create(),
 * tlb_set_context() whenever the pCPU's VPID/ASID, EPTP or guest PCID
 * changes, then per access: tlb_lookup() once; on TLB_MISS / TLB_HIT_DIRTY /
 * TLB_HIT_PERM the caller walks (using tlb_psc_lookup() / tlb_ntlb_lookup()
 * and their fills) and calls tlb_fill(). The model does no I/O, keeps no
 * globals and never allocates after tlb_create(). Everything is
 * deterministic: LRU and tree-PLRU, invalid ways first, lowest way first.
 */
#ifndef TDPSIM_SIM_TLB_TLB_H
#define TDPSIM_SIM_TLB_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

/* The TLBs' parameters: struct tlb_params, declared in sim/tlb/params.def. */
#define PARAMS_DEF "sim/tlb/params.def"
#define PARAMS_STRUCT tlb_params
#include "sim/core/params_block.h"

/* ---- Permissions and access kinds --------------------------------------
 *
 * An entry's permissions are the AND of guest paging and EPT/NPT along the
 * walk. An access asks for a mask of the same bits: R for a load, W for a
 * store, X for a fetch (a fetch goes to the iTLB, anything else to the
 * dTLB), plus U when the access is made at CPL 3. SMEP/SMAP/PKU are the
 * CPU's business, not the TLB's.
 */
#define TLB_R 0x1u
#define TLB_W 0x2u
#define TLB_X 0x4u
#define TLB_U 0x8u
#define TLB_PERMS (TLB_R | TLB_W | TLB_X | TLB_U)

/* Page sizes, as a bitmask so that a level can declare what it holds. */
#define TLB_4K 0x1u
#define TLB_2M 0x2u
#define TLB_1G 0x4u
#define TLB_SIZES (TLB_4K | TLB_2M | TLB_1G)

/* log2 of a single page-size bit's size (12, 21, 30); 0 if not one size. */
static inline unsigned tlb_size_shift(unsigned size)
{
	return size == TLB_4K ? 12 : size == TLB_2M ? 21 : size == TLB_1G ? 30 : 0;
}

/* ---- Structures --------------------------------------------------------- */
enum tlb_array_id {
	TLB_L1D,	/* L1 data TLB; must stay 0 (tlb_lookup indexes by X) */
	TLB_L1I,	/* L1 instruction TLB; must stay 1 */
	TLB_L2,		/* unified second-level TLB */
	TLB_NTLB,	/* nested TLB: guest-physical translations */
	TLB_GPSC_PDE,	/* guest PSC, level 2 .. 5 */
	TLB_GPSC_PDPTE,
	TLB_GPSC_PML4E,
	TLB_GPSC_PML5E,
	TLB_NPSC_PDE,	/* nested (EPT/NPT) PSC, level 2 .. 5 */
	TLB_NPSC_PDPTE,
	TLB_NPSC_PML4E,
	TLB_NPSC_PML5E,
	TLB_NARRAYS
};

/* "l1d", "l1i", "l2", "ntlb", "psc.pde", ..., "npsc.pml5e". */
const char *tlb_array_name(enum tlb_array_id id);

/* ---- Configuration ------------------------------------------------------ */
enum tlb_vendor { TLB_VENDOR_INTEL, TLB_VENDOR_AMD };
enum tlb_repl { TLB_REPL_LRU, TLB_REPL_PLRU };
/*
 * fill:   a walk fills L1 and L2; an L2 hit copies the entry into L1 (the
 *         Intel STLB arrangement; L2 mostly inclusive).
 * victim: a walk fills L1 only (L2 when L1 cannot hold the size); an L1
 *         victim moves to L2 and an L2 hit moves the entry up (exclusive).
 */
enum tlb_l2_mode { TLB_L2_FILL, TLB_L2_VICTIM };

struct tlb_array_config {
	uint32_t entries;	/* 0 = the structure is absent */
	uint32_t ways;		/* entries / ways sets, a power of two */
	uint32_t latency;	/* cycles charged for probing this structure */
	uint8_t sizes;		/* TLB_4K|TLB_2M|TLB_1G held (TLBs and NTLB);
				 * ignored for PSC arrays */
	enum tlb_repl repl;
};

struct tlb_config {
	enum tlb_vendor vendor;			/* from cpu.vendor */
	struct tlb_array_config a[TLB_NARRAYS];
	enum tlb_l2_mode l2_mode;
	bool psc;				/* tlb.psc: PSCs and NTLB on */
	/*
	 * Hyper-V's EnlightenedNptTlb (KVM_FACTS E14): TLB_CONTROL flush-ASID
	 * leaves guest-physical (nested) entries in place. AMD only.
	 */
	bool hv_enlightened_npt_tlb;
};

/*
 * The parameters are this component's block, struct tlb_params, declared in
 * sim/tlb/params.def and parsed by the run's registry (scenarios/params.h):
 * tlb.<array>.entries, .ways,
 * .latency, .repl (and .sizes for l1d, l1i, l2, ntlb), tlb.l2.mode, tlb.psc
 * and svm.hv_enlightened_npt_tlb; the vendor is cpu.vendor. A PSC level
 * caches one prefix length (PDE 2 MiB, PDPTE 1 GiB, PML4E 512 GiB, PML5E
 * 256 TiB), so it has no .sizes. The PSC latencies are charged once per
 * tlb_psc_lookup() (the levels are probed in parallel): the largest latency
 * among the kind's present levels.
 */

/*
 * Fill *cfg from p and validate it (tlb_config_validate(), plus the range of
 * each count). Returns 0, or -EINVAL with a message in msg naming the key,
 * e.g. "tlb.l1d.ways=3 does not divide tlb.l1d.entries=64". The machine
 * calls it at setup and reports a failure as bad input.
 */
int tlb_config_from_params(const struct tlb_params *p, enum tlb_vendor vendor,
			   struct tlb_config *cfg, char *msg, size_t msglen);
/*
 * The geometry checks of tlb_config_from_params() and tlb_create(), for a
 * config built by hand: 0, or -EINVAL with a message naming the offending
 * key.
 */
int tlb_config_validate(const struct tlb_config *cfg, char *msg, size_t msglen);

/* ---- Tags -------------------------------------------------------------- */
struct tlb_tag {
	/*
	 * Intel: the EPTP (or just its EP4TA); only bits 51:12 are kept.
	 * AMD: ignored, because translations are not tagged by nCR3.
	 */
	uint64_t ep4ta;
	union {
		uint16_t vpid;	/* Intel */
		uint16_t asid;	/* AMD */
	};
	uint16_t pcid;		/* guest CR3 PCID; 0 without CR4.PCIDE */
};

/* ---- Entries ------------------------------------------------------------
 *
 * What a hit returns: a pointer into the cache, valid until the next call
 * that mutates the TLB (lookup, fill, flush, set_context). Read-only for
 * callers. For PSC entries, hpa/gpa are the next table's addresses and
 * perms are accumulated from the root down through the cached entry.
 */
#define TLB_F_DIRTY 0x1u	/* D was set in the leaf(s) when filled */
#define TLB_F_GLOBAL 0x2u	/* guest G bit: PCID is not part of the match */

struct tlb_entry {
	uint64_t vpn;		/* address >> shift: the key within the tag */
	uint8_t shift;		/* 12/21/30 (PSC 21..48); 0 = empty slot */
	uint8_t fast_perms;	/* perms, minus W while not dirty */
	uint8_t perms;		/* TLB_R|W|X|U */
	uint8_t flags;		/* TLB_F_* */
	uint16_t id;		/* VPID (Intel) / ASID (AMD); 0 for Intel GPA maps */
	uint16_t pcid;		/* 0 for guest-physical maps */
	uint64_t ep4ta;		/* 0 on AMD */
	uint64_t hpa;		/* host-physical base of the page or next table */
	uint64_t gpa;		/* guest-physical base of the page or next table */
	uint64_t gen;		/* host frame generation at fill, opaque */
};

/* The host physical address of addr through e. */
static inline uint64_t tlb_entry_hpa(const struct tlb_entry *e, uint64_t addr)
{
	return e->hpa | (addr & ((UINT64_C(1) << e->shift) - 1));
}

/* The guest-physical address of addr through e. */
static inline uint64_t tlb_entry_gpa(const struct tlb_entry *e, uint64_t addr)
{
	return e->gpa | (addr & ((UINT64_C(1) << e->shift) - 1));
}

/* ---- Counters (names are the stats contract) ---------------------------- */
/*
 * X(field, name, doc). A lookup counts one hit or one miss per level it
 * probes; a PSC lookup counts one hit at the level found, or one miss.
 */
#define TLB_STATS(X)								\
	X(l1d_hits, "tlb.l1d.hits", "data lookups that hit the L1 dTLB")		\
	X(l1d_misses, "tlb.l1d.misses", "data lookups that missed the L1 dTLB")	\
	X(l1i_hits, "tlb.l1i.hits", "fetch lookups that hit the L1 iTLB")		\
	X(l1i_misses, "tlb.l1i.misses", "fetch lookups that missed the L1 iTLB")	\
	X(l2_hits, "tlb.l2.hits", "L1 misses that hit the L2 TLB")			\
	X(l2_misses, "tlb.l2.misses", "L1 misses that missed the L2 TLB too")	\
	X(dirty_assists, "tlb.dirty_assists",					\
	  "writes that hit an entry with D clear (the CPU walks to set D)")		\
	X(perm_mismatches, "tlb.perm_mismatches",				\
	  "hits on entries that do not grant the access")			\
	X(fills, "tlb.fills", "translations cached after walks (tlb_fill calls)")	\
	X(evictions, "tlb.evictions",						\
	  "valid TLB entries displaced by fills or dropped as overlapping")	\
	X(flushes, "tlb.flushes", "flush operations (INVEPT, INVVPID, TLB_CONTROL, ...)") \
	X(flushed_entries, "tlb.flushed_entries", "entries dropped by flushes")	\
	X(context_loads, "tlb.context_loads", "tlb_set_context calls")		\
	X(ntlb_hits, "tlb.ntlb.hits", "walker GPA lookups that hit the nested TLB") \
	X(ntlb_misses, "tlb.ntlb.misses", "walker GPA lookups that missed it")	\
	X(ntlb_dirty_assists, "tlb.ntlb.dirty_assists",				\
	  "walker writes that hit a nested-TLB entry with D clear")		\
	X(gpsc_pde_hits, "tlb.psc.pde.hits", "guest walks resumed from a cached PDE") \
	X(gpsc_pdpte_hits, "tlb.psc.pdpte.hits", "... from a cached PDPTE")		\
	X(gpsc_pml4e_hits, "tlb.psc.pml4e.hits", "... from a cached PML4E")		\
	X(gpsc_pml5e_hits, "tlb.psc.pml5e.hits", "... from a cached PML5E")		\
	X(gpsc_misses, "tlb.psc.misses", "guest walks with no PSC level cached")	\
	X(npsc_pde_hits, "tlb.npsc.pde.hits", "nested walks resumed from a cached PDE") \
	X(npsc_pdpte_hits, "tlb.npsc.pdpte.hits", "... from a cached PDPTE")	\
	X(npsc_pml4e_hits, "tlb.npsc.pml4e.hits", "... from a cached PML4E")	\
	X(npsc_pml5e_hits, "tlb.npsc.pml5e.hits", "... from a cached PML5E")	\
	X(npsc_misses, "tlb.npsc.misses", "nested walks with no PSC level cached")

struct tlb_stats {
#define TLB_STAT_FIELD(field, name, doc) uint64_t field;
	TLB_STATS(TLB_STAT_FIELD)
#undef TLB_STAT_FIELD
};

/* ---- Lifetime ------------------------------------------------------------ */
struct tlb;

/*
 * Validate cfg and build an empty TLB. Returns 0, -EINVAL (message in msg
 * naming the parameter, e.g. "tlb.l1d.ways=3 does not divide
 * tlb.l1d.entries=64") or -ENOMEM.
 */
int tlb_create(struct tlb **out, const struct tlb_config *cfg, char *msg, size_t msglen);
void tlb_destroy(struct tlb *tlb);
const struct tlb_config *tlb_config(const struct tlb *tlb);

/*
 * Load the context that lookups and fills use: on VM entry (VPID/ASID and
 * EPTP), on a guest CR3 write (PCID), on a root load. Never flushes.
 */
void tlb_set_context(struct tlb *tlb, const struct tlb_tag *tag);
/* The current context, normalized (AMD: ep4ta 0; Intel: bits 51:12). */
struct tlb_tag tlb_context(const struct tlb *tlb);

/* ---- Lookup (per access) ------------------------------------------------ */
enum tlb_outcome {
	TLB_MISS,	/* no level holds it: walk, then tlb_fill() */
	TLB_HIT,	/* use r->e */
	TLB_HIT_DIRTY,	/* a write hit an entry whose D is clear: walk to set D
			 * (counted in tlb.dirty_assists), then tlb_fill() */
	TLB_HIT_PERM,	/* the entry does not grant the access: the caller
			 * re-walks or faults (counted in tlb.perm_mismatches) */
};

struct tlb_result {
	const struct tlb_entry *e;	/* NULL on a miss */
	uint32_t cycles;		/* sum of the latencies of levels probed */
	uint8_t level;			/* enum tlb_array_id that hit */
	uint8_t outcome;		/* enum tlb_outcome */
};

/*
 * The hot half of struct tlb, exposed only so that tlb_lookup() inlines.
 * Callers must not touch it. mru[i] is the last entry touched in L1 array
 * i, which is therefore the most recently used way of its set: hitting it
 * again changes neither LRU order nor PLRU bits, so the fast path needs no
 * replacement update. It was filled or hit under the current context, so
 * no tag compare is needed either; set_context, flushes and evictions clear
 * it.
 */
struct tlb_hot_l1 {
	const struct tlb_entry *mru;
	uint64_t *hits;
	uint32_t latency;
};
/*
 * Likewise for tlb_psc_lookup(), per kind: the deepest present PSC level
 * keeps the entry it last hit or filled (*mru; mru itself is NULL when no
 * level is present). A lookup that finds its address there has its answer,
 * since no level is deeper, and changes no replacement state.
 */
struct tlb_hot_psc {
	struct tlb_entry *const *mru;
	uint64_t *hits;			/* that level's hit counter */
	uint32_t cycles;		/* the kind's PSC probe */
	uint8_t level;			/* that level, 2..5 */
};
struct tlb_hot {
	struct tlb_hot_l1 l1[2];	/* [TLB_L1D], [TLB_L1I] */
	struct tlb_hot_psc psc[2];	/* [TLB_PSC_GUEST], [TLB_PSC_NESTED] */
	struct tlb_stats stats;
};

enum tlb_outcome tlb_lookup_slow(struct tlb *tlb, unsigned need, uint64_t addr,
				 struct tlb_result *r);

/*
 * Look addr up for an access needing `need` (TLB_R/W/X, | TLB_U at CPL 3)
 * under the current context. Ask once per access: each probed level counts
 * one hit or one miss. Cycles: L1 hit = L1 latency; otherwise L1 + L2.
 */
static inline enum tlb_outcome tlb_lookup(struct tlb *tlb, unsigned need, uint64_t addr,
					  struct tlb_result *r)
{
	struct tlb_hot_l1 *l1 = &((struct tlb_hot *)tlb)->l1[(need & TLB_X) ? TLB_L1I : TLB_L1D];
	const struct tlb_entry *e = l1->mru;

	if (e && (addr >> e->shift) == e->vpn && !(need & ~e->fast_perms)) {
		++*l1->hits;
		r->e = e;
		r->cycles = l1->latency;
		r->level = (need & TLB_X) ? TLB_L1I : TLB_L1D;
		r->outcome = TLB_HIT;
		return TLB_HIT;
	}
	return tlb_lookup_slow(tlb, need, addr, r);
}

/*
 * The fast path alone, for a caller's own hot loop: the L1 entry last used
 * for this access kind if it translates @addr for @need (counted as a hit,
 * @latency cycles), else NULL with nothing counted — then call tlb_lookup.
 */
static inline const struct tlb_entry *tlb_lookup_mru(struct tlb *tlb, unsigned need,
						     uint64_t addr, uint32_t *latency)
{
	struct tlb_hot_l1 *l1 = &((struct tlb_hot *)tlb)->l1[(need & TLB_X) ? TLB_L1I : TLB_L1D];
	const struct tlb_entry *e = l1->mru;

	if (e && (addr >> e->shift) == e->vpn && !(need & ~e->fast_perms)) {
		++*l1->hits;
		*latency = l1->latency;
		return e;
	}
	return NULL;
}

/*
 * For a caller that performs a run of accesses through one entry itself:
 * the entry tlb_lookup_mru() answers from for @need (NULL if none) and its
 * latency. Every access of the run must pass tlb_lookup_mru()'s test
 * (page and fast_perms) and be counted with tlb_count_mru_hits(); nothing
 * may look the TLB up or change it in between.
 */
static inline const struct tlb_entry *tlb_mru(struct tlb *tlb, unsigned need,
					      uint32_t *latency)
{
	const struct tlb_hot_l1 *l1 = &((struct tlb_hot *)tlb)->l1[(need & TLB_X) ? TLB_L1I : TLB_L1D];

	*latency = l1->latency;
	return l1->mru;
}

static inline void tlb_count_mru_hits(struct tlb *tlb, unsigned need, uint64_t n)
{
	*((struct tlb_hot *)tlb)->l1[(need & TLB_X) ? TLB_L1I : TLB_L1D].hits += n;
}

/* ---- Fill (after a walk) ------------------------------------------------ */
struct tlb_map {
	uint64_t addr;		/* the address walked (linear; GPA when the
				 * guest has no paging or for the NTLB).
				 * Entries of other sizes cached for this
				 * address are dropped by the fill. */
	uint64_t gpa;		/* guest-physical address of the page */
	uint64_t hpa;		/* host-physical address of the page */
	uint64_t gen;		/* host frame generation, opaque */
	uint8_t size;		/* one of TLB_4K/2M/1G: the smaller of the
				 * guest and EPT/NPT page sizes */
	uint8_t perms;		/* TLB_R|W|X|U, guest AND nested */
	bool dirty;		/* D set in the guest and nested leaves */
	bool global;		/* guest G bit */
};

/*
 * Cache a translation under the current context: in the L1 of the access
 * kind (X -> iTLB) and L2 per tlb.l2.mode. A level that cannot hold the
 * size is skipped. An existing entry with the same tag, page and size is
 * replaced in place (that is how a dirty assist completes). Returns the
 * number of levels written, or -EINVAL for a bad size.
 */
int tlb_fill(struct tlb *tlb, unsigned need, const struct tlb_map *m);

/* ---- Walker support: paging-structure caches and the nested TLB ---------
 *
 * The guest PSC is tagged like combined mappings, the nested PSC and the
 * NTLB like guest-physical ones, so each flush treats them accordingly.
 * Levels use x86 numbering: the PSC entry of level L (2 = PDE ... 5 =
 * PML5E) caches the level-L entry and points at the level L-1 table.
 * With tlb.psc=off nothing is cached: lookups return 0 and count nothing,
 * fills are ignored.
 */
enum tlb_psc_kind { TLB_PSC_GUEST, TLB_PSC_NESTED };

struct tlb_psc_fill {
	uint64_t addr;		/* linear (guest) or guest-physical (nested) */
	uint64_t table_hpa;	/* HPA of the level L-1 table */
	uint64_t table_gpa;	/* its GPA (guest PSC), 0 for nested */
	uint64_t gen;		/* that table frame's generation, opaque */
	uint8_t level;		/* 2..5 */
	uint8_t perms;		/* accumulated permissions, root..level L */
};

struct tlb_psc_hit {
	const struct tlb_entry *e;	/* hpa/gpa = next table, perms */
	uint32_t cycles;		/* the PSC probe (see Configuration) */
	uint8_t level;			/* level of the cached entry, 0 = none */
};

int tlb_psc_lookup_slow(struct tlb *tlb, enum tlb_psc_kind kind, uint64_t addr,
			struct tlb_psc_hit *hit);

/*
 * The deepest cached level for addr under the current context: the walk
 * resumes by reading the level L-1 table at e->hpa. Returns that level, or 0
 * when no level holds addr (walk from the root). Counts one hit at that
 * level or one miss. Inline for the common case of a walk resuming where
 * the one before did.
 */
/*
 * What tlb_psc_lookup() finds on its inline path, without counting it or
 * changing anything: the kind's deepest present level's newest entry, if
 * it maps @addr (that level in hit->level), else NULL (the lookup would
 * take its slow path, which may find another level).  A caller that goes
 * on with the hit counts it with tlb_psc_count_hit() before the TLB
 * changes, which makes it the same as tlb_psc_lookup().
 */
static inline const struct tlb_entry *tlb_psc_peek(const struct tlb *tlb,
						   enum tlb_psc_kind kind, uint64_t addr,
						   struct tlb_psc_hit *hit)
{
	const struct tlb_hot_psc *h = &((const struct tlb_hot *)tlb)->psc[kind];
	const struct tlb_entry *e = h->mru ? *h->mru : NULL;

	if (!e || (addr >> e->shift) != e->vpn)
		return NULL;
	hit->e = e;
	hit->cycles = h->cycles;
	hit->level = h->level;
	return e;
}

static inline void tlb_psc_count_hit(struct tlb *tlb, enum tlb_psc_kind kind)
{
	++*((struct tlb_hot *)tlb)->psc[kind].hits;
}

static inline int tlb_psc_lookup(struct tlb *tlb, enum tlb_psc_kind kind, uint64_t addr,
				 struct tlb_psc_hit *hit)
{
	if (tlb_psc_peek(tlb, kind, addr, hit)) {
		tlb_psc_count_hit(tlb, kind);
		return hit->level;
	}
	return tlb_psc_lookup_slow(tlb, kind, addr, hit);
}
/* Cache one upper-level entry. -EINVAL for a level outside 2..5. */
int tlb_psc_fill(struct tlb *tlb, enum tlb_psc_kind kind, const struct tlb_psc_fill *f);

/*
 * Guest-physical translation for a walker reference (the GPA of a guest
 * paging-structure entry). need as for tlb_lookup (guest page-walk accesses
 * are writes for EPT when A/D is on). Counts tlb.ntlb.*.
 */
enum tlb_outcome tlb_ntlb_lookup(struct tlb *tlb, unsigned need, uint64_t gpa,
				 struct tlb_result *r);
/* m->addr is the GPA; global is ignored. Returns 1 if cached, 0 if not. */
int tlb_ntlb_fill(struct tlb *tlb, const struct tlb_map *m);

/* ---- Flushes -------------------------------------------------------------
 *
 * Each is one architectural operation with its exact scope. "Combined"
 * means L1/L2 and the guest PSC; "guest-physical" the NTLB and nested PSC.
 *
 *  Intel
 *   INVEPT_SINGLE   everything tagged ep4ta: combined (all VPIDs, PCIDs)
 *                   and guest-physical
 *   INVEPT_GLOBAL   everything
 *   INVVPID_ADDR    combined entries of vpid that translate addr (every
 *                   page size covering it, every PCID and EP4TA)
 *   INVVPID_SINGLE  combined entries of vpid
 *   INVVPID_ALL     combined entries of every VPID except 0
 *   INVVPID_SINGLE_KEEP_GLOBAL  as single, but global TLB entries stay
 *   (INVVPID never drops guest-physical mappings: SDM "not required to")
 *  AMD (TLB_CONTROL codes via tlb_vmcb_tlb_control())
 *   AMD_FLUSH_ALL        everything, all ASIDs (code 1)
 *   AMD_FLUSH_ASID       everything tagged asid (code 3)
 *   AMD_FLUSH_ASID_LOCAL as above except global TLB entries (code 7)
 *   AMD_INVLPGA          combined entries of asid translating addr
 *   AMD_HV_FLUSH_GPA_SPACE  Hyper-V's HvCallFlushGuestPhysicalAddressSpace
 *                        under EnlightenedNptTlb: guest-physical entries
 *                        of every ASID (an address space is named by its
 *                        nCR3, which no entry here carries); the caller
 *                        runs it on every pCPU
 *  Both
 *   GPA            what an EPT violation/misconfig drops (SDM 28.3.3.1):
 *                  guest-physical entries for gpa under tag's EP4TA (AMD:
 *                  ASID), and, if addr_valid, combined entries for addr
 *                  under tag (VPID, PCID, EP4TA). AMD defines no such
 *                  implicit drop on #NPF; callers choose.
 *   GUEST_INVLPG   the guest's INVLPG: TLB entries for addr in tag's
 *                  VPID/ASID with its PCID (and global ones), every EP4TA,
 *                  and all guest PSC entries of that VPID/ASID and PCID
 *   GUEST_CR3      a guest MOV to CR3 without NOFLUSH: non-global TLB
 *                  entries and all guest PSC entries of tag's VPID/ASID and
 *                  PCID, every EP4TA
 *   GUEST_INVPCID_ADDR  the guest's INVPCID type 0 (SDM 4.10.4.1): tag's
 *                  VPID/ASID, PCID tag.pcid: the non-global TLB entries for
 *                  addr and every guest PSC entry of that PCID
 *   GUEST_INVPCID_CTX   type 1: as GUEST_CR3 for PCID tag.pcid
 *   GUEST_INVPCID_ALL   type 2: every TLB and guest PSC entry of tag's
 *                  VPID/ASID, all PCIDs, global ones too
 *   GUEST_INVPCID_ALL_NONGLOBAL  type 3: the same but global TLB entries
 *   (all four: every EP4TA, as any guest invalidation under VMX)
 */
enum tlb_flush_type {
	TLB_INVEPT_SINGLE,
	TLB_INVEPT_GLOBAL,
	TLB_INVVPID_ADDR,
	TLB_INVVPID_SINGLE,
	TLB_INVVPID_ALL,
	TLB_INVVPID_SINGLE_KEEP_GLOBAL,
	TLB_AMD_FLUSH_ALL,
	TLB_AMD_FLUSH_ASID,
	TLB_AMD_FLUSH_ASID_LOCAL,
	TLB_AMD_INVLPGA,
	TLB_AMD_HV_FLUSH_GPA_SPACE,
	TLB_FLUSH_GPA,
	TLB_GUEST_INVLPG,
	TLB_GUEST_CR3,
	TLB_GUEST_INVPCID_ADDR,
	TLB_GUEST_INVPCID_CTX,
	TLB_GUEST_INVPCID_ALL,
	TLB_GUEST_INVPCID_ALL_NONGLOBAL,
};

struct tlb_flush {
	enum tlb_flush_type type;
	struct tlb_tag tag;	/* the fields the type names */
	uint64_t addr;		/* linear address (INVVPID_ADDR, INVLPGA, ...) */
	uint64_t gpa;		/* TLB_FLUSH_GPA */
	bool addr_valid;	/* TLB_FLUSH_GPA: exit qualification bit 7 */
};

/*
 * Perform one flush. Returns the number of entries dropped (>= 0), or
 * -EINVAL for an operation the vendor does not have (INVEPT on AMD, ...).
 * Counts tlb.flushes once and tlb.flushed_entries per entry.
 */
int tlb_flush(struct tlb *tlb, const struct tlb_flush *f);

/*
 * VMCB TLB_CONTROL as applied by VMRUN: 0 does nothing (and counts no
 * flush), 1 all ASIDs, 3 this ASID, 7 this ASID's non-global entries.
 * Other codes: -EINVAL.
 */
int tlb_vmcb_tlb_control(struct tlb *tlb, unsigned code, uint16_t asid);

/* The EPT-violation drop for the current context (see TLB_FLUSH_GPA). */
int tlb_flush_gpa(struct tlb *tlb, uint64_t gpa, uint64_t addr, bool addr_valid);

/* ---- Stats, inspection, invariants --------------------------------------- */
const struct tlb_stats *tlb_stats(const struct tlb *tlb);
/* Calls cb once per counter with its contract name, e.g. "tlb.l1d.misses". */
void tlb_stats_foreach(struct tlb *tlb,
		       void (*cb)(void *ctx, const char *name, uint64_t *v), void *ctx);

/* Valid entries in one structure. */
unsigned tlb_count(const struct tlb *tlb, enum tlb_array_id id);
/*
 * Side-effect-free probe of one structure under the current context (no
 * counters, no replacement update), for tests and oracles.
 */
const struct tlb_entry *tlb_probe(const struct tlb *tlb, enum tlb_array_id id, uint64_t addr);
/* Every valid entry, for oracles ("does anything still map frame F?"). */
void tlb_foreach(const struct tlb *tlb,
		 void (*cb)(void *ctx, enum tlb_array_id id, const struct tlb_entry *e),
		 void *ctx);
/*
 * Check the invariants (entries in their sets, no duplicate keys, sizes a
 * structure holds, mru is the newest way of its set under the current
 * context). 0, or -EFAULT with a description in msg. O(entries): for tests
 * and debug runs, not per access.
 */
int tlb_check(const struct tlb *tlb, char *msg, size_t msglen);

#endif /* TDPSIM_SIM_TLB_TLB_H */
