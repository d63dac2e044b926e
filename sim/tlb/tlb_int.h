/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/tlb internals: struct tlb and the set-associative array that every
 * structure (L1s, L2, NTLB, each PSC level) is built from. Only the .c
 * files of sim/tlb include this.
 */
#ifndef TDPSIM_SIM_TLB_TLB_INT_H
#define TDPSIM_SIM_TLB_TLB_INT_H

#include <errno.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sim/core/compiler.h"
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

#define TLB_NO_WAY 0xffu	/* the end of a set's LRU list */

/* Per set: the ways in use, and (LRU) the ends of their use order. */
struct tlb_set {
	uint64_t used;		/* bit w: way w holds an entry */
	uint8_t newest, oldest;	/* TLB_NO_WAY while the set is empty */
};

/* Per way (LRU): its neighbours in its set's use order, if in use. */
struct tlb_way {
	uint8_t newer, older;	/* TLB_NO_WAY at the ends */
};

struct tlb_array {
	struct tlb_entry *e;	/* sets * ways, set-major; NULL if absent */
	/*
	 * Beside each way, in the same order, the word that lookups scan: its
	 * key (tlb_key of the entry's page and size, 0 while empty). A lookup
	 * compares dense keys and reads an entry only for its tag once the
	 * key matches.
	 */
	uint64_t *key;
	/*
	 * And beside that, one byte per way: its key's fingerprint
	 * (tlb_fp), 0 while empty, plus TLB_FP_PAD bytes after the last set
	 * so that a set's fingerprints load as one 16-byte vector. A lookup
	 * compares a set's fingerprints at once and reads a key only where
	 * one matches.
	 */
	uint8_t *fp;
	struct tlb_set *set;	/* sets */
	struct tlb_way *way;	/* sets * ways (LRU only) */
	uint64_t *plru;		/* one tree per set, bit n = node n (PLRU only) */
	uint64_t inserts;	/* tlb_array_insert calls (see struct tlb, miss) */
	/*
	 * PSC levels: the entry last hit or filled, hence the newest way of
	 * its set, under the current context; NULL when unknown. Hitting it
	 * again changes no replacement state, like the L1s' tlb_hot MRU.
	 */
	struct tlb_entry *mru;
	uint32_t sets, ways;	/* sets is a power of two */
	uint64_t all_ways;	/* bits 0..ways-1 */
	uint32_t fp_first;	/* the same, of the first 16 ways */
	uint32_t fp_top;	/* the top bit of each of the first 4 ways' bytes */
	uint32_t latency;
	enum tlb_repl repl;
	enum tlb_kind kind;
	bool leaf;		/* holds translations (G bit and D matter) */
	uint8_t nshifts;	/* page sizes held, smallest first */
	uint8_t shifts[3];
	uint64_t held;		/* the same sizes, bit n = shift n */
	/* Sizes ever inserted (sticky), bit n = shift n: lookups and purges
	 * skip the sets of sizes never cached, which for a 4K-only workload
	 * is all but one. */
	uint64_t seen;
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
	/*
	 * What the last lookup that missed every level proved: under the
	 * current context no entry of any size translates addr in L1 array
	 * l1 or in L2. That stays true while the context does and neither
	 * array has had an insertion since (their counts still equal
	 * inserts[]); flushes and evictions only remove entries. The fill
	 * after the walk then skips the searches for an entry to overwrite
	 * and for overlapping ones, which would find nothing.
	 */
	struct {
		uint64_t addr;
		uint64_t inserts[2];	/* L1's, L2's at the miss */
		unsigned l1;
		bool valid;
	} miss;
	/* Per L1 array (TLB_L1D, TLB_L1I): it and L2 are present, LRU and
	 * hold 4 KiB pages, and L2 is filled alongside (TLB_L2_FILL), so a
	 * fresh 4 KiB fill into full sets may take tlb_fill's short way. */
	bool fill_4k[2];
	/* Per L1 array: it and L2 are present, it of up to 4 ways and L2 of
	 * 5 to 16, so that a lookup of a 4 KiB page probes each with one
	 * search (tlb_lookup_slow's common case). */
	bool lookup_4k[2];
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

/* Can the array hold entries of this size (a shift of 12..48)? */
static inline bool tlb_array_holds(const struct tlb_array *a, unsigned shift)
{
	return a->held >> shift & 1;
}

/*
 * The key of page @vpn of size @shift: one word to compare per way. The
 * size fits below the page number (shifts are 12..48), and no valid key
 * is 0.
 */
static inline uint64_t tlb_key(uint64_t vpn, unsigned shift)
{
	return vpn << 6 | shift;
}

/* A key's fingerprint: its top byte after a multiplicative hash, so that
 * keys of one set (equal in their low, set-index bits) spread over all
 * 256 values. Empty ways hold 0, which a key may hash to as well: the
 * key compare behind the fingerprint tells them apart. */
static inline uint8_t tlb_fp(uint64_t key)
{
	return (uint8_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 56);
}

#define TLB_FP_PAD 16u

/* The index of the first way of the set that page number @vpn indexes. */
static inline size_t tlb_array_set(const struct tlb_array *a, uint64_t vpn)
{
	return (size_t)(vpn & (a->sets - 1)) * a->ways;
}

/* Bit i: way @c + i of the set at @base has fingerprint @fp (i < 16). */
static inline uint32_t tlb_fp_match(const struct tlb_array *a, size_t base, uint32_t c,
				    uint8_t fp)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(a->fp + base + c));

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)fp)));
#else
	uint32_t m = 0;

	for (uint32_t i = 0; i < 16; i++)
		m |= (uint32_t)(a->fp[base + c + i] == fp) << i;
	return m;
#endif
}

struct tlb_entry *tlb_set_find_wide(const struct tlb_array *a, size_t base, uint64_t key,
				    const struct tlb_tag *t);

/* tlb_set_find() of a set of up to 4 ways, @fp = tlb_fp(@key): the set's
 * fingerprints as one word, each byte that equals @fp turned into 0.  A
 * zero byte sets its top bit below (a byte above a zero one may too, which
 * the key compare then rules out; a zero byte is never missed). */
static inline __attribute__((always_inline)) struct tlb_entry *
tlb_set_find_small(const struct tlb_array *a, size_t base, uint64_t key, uint8_t fp,
		   const struct tlb_tag *t)
{
	uint32_t w;

	memcpy(&w, a->fp + base, sizeof(w));
	w ^= fp * 0x01010101u;
	for (uint32_t m = (w - 0x01010101u) & ~w & a->fp_top; m; m &= m - 1) {
		size_t i = base + ((unsigned)__builtin_ctz(m) >> 3);

		if (a->key[i] == key && tlb_tag_hits(&a->e[i], t))
			return &a->e[i];
	}
	return NULL;
}

/* The lowest way @first + i, bit i of @m a candidate (its fingerprint
 * matches), that holds @key under @t; NULL if none. */
static inline __attribute__((always_inline)) struct tlb_entry *
tlb_set_check(const struct tlb_array *a, size_t first, uint32_t m, uint64_t key,
	      const struct tlb_tag *t)
{
	for (; m; m &= m - 1) {
		size_t i = first + (unsigned)__builtin_ctz(m);

		if (a->key[i] == key && tlb_tag_hits(&a->e[i], t))
			return &a->e[i];
	}
	return NULL;
}

/* tlb_set_find() of a set of 5 to 16 ways: the fingerprints name the
 * candidates in way order. */
static inline __attribute__((always_inline)) struct tlb_entry *
tlb_set_find_mid(const struct tlb_array *a, size_t base, uint64_t key, uint8_t fp,
		 const struct tlb_tag *t)
{
	return tlb_set_check(a, base, tlb_fp_match(a, base, 0, fp) & a->fp_first, key, t);
}

/* The way of the set at @base holding @key under @t, or NULL: the lowest
 * such way.  Candidates are the ways whose fingerprint matches @key's,
 * its key compared only there: sets of up to 4 ways (the L1 dTLB's, the
 * PSC levels') compare their fingerprints as one word, up to 16 ways as
 * one vector; sets of more (up to 64) take tlb_set_find_wide().  Forced
 * inline: the lookups, the walker's caches and the fills all come here,
 * and a call would cost more than the search. */
static inline __attribute__((always_inline)) struct tlb_entry *
tlb_set_find(const struct tlb_array *a, size_t base, uint64_t key, const struct tlb_tag *t)
{
	if (a->ways <= 4)
		return tlb_set_find_small(a, base, key, tlb_fp(key), t);
	if (unlikely(a->ways > 16))
		return tlb_set_find_wide(a, base, key, t);
	return tlb_set_find_mid(a, base, key, tlb_fp(key), t);
}

/*
 * The entry translating addr under t, trying each size held, smallest
 * first, so that the order in which overlapping entries are found is
 * fixed. Inline: the lookups, the walker's caches and the fills all start
 * here, once or more per access.
 */
static inline __attribute__((always_inline)) struct tlb_entry *
tlb_array_find(const struct tlb_array *a, uint64_t addr, const struct tlb_tag *t)
{
	/* The sizes ever cached, lowest bit (smallest size) first: one probe
	 * for a workload of one page size. */
	for (uint64_t seen = a->seen; seen; seen &= seen - 1) {
		unsigned shift = (unsigned)__builtin_ctzll(seen);
		struct tlb_entry *e = tlb_set_find(a, tlb_array_set(a, addr >> shift),
						   tlb_key(addr >> shift, shift), t);

		if (e)
			return e;
	}
	return NULL;
}

/* The set of a valid entry (entries sit in the set their page indexes). */
static inline uint32_t tlb_entry_set(const struct tlb_array *a, const struct tlb_entry *e)
{
	return (uint32_t)(e->vpn & (a->sets - 1));
}

void tlb_array_plru_touch(struct tlb_array *a, uint32_t set, uint32_t way);
void tlb_array_lru_promote(struct tlb_array *a, uint32_t set, uint32_t way);

/* Make e (valid) the most recently used way of its set. */
static inline void tlb_array_touch(struct tlb_array *a, struct tlb_entry *e)
{
	uint32_t set = tlb_entry_set(a, e);
	uint32_t way = (uint32_t)((size_t)(e - a->e) - (size_t)set * a->ways);

	if (a->repl == TLB_REPL_PLRU)
		tlb_array_plru_touch(a, set, way);
	else if (a->set[set].newest != way)
		tlb_array_lru_promote(a, set, way);
}

/* The oldest way of a full set becomes its newest: a fill's victim. */
static inline void tlb_array_lru_rotate(struct tlb_array *a, uint32_t set)
{
	struct tlb_set *st = &a->set[set];
	struct tlb_way *l = a->way + (size_t)set * a->ways;
	uint8_t way = st->oldest, next = l[way].newer;

	if (next == TLB_NO_WAY)		/* one way: it is the newest already */
		return;
	st->oldest = next;
	l[next].older = TLB_NO_WAY;
	l[way].newer = TLB_NO_WAY;
	l[way].older = st->newest;
	l[st->newest].newer = way;
	st->newest = way;
}

/* Empty the way holding e (valid): the only way, besides a fill, to change one. */
void tlb_array_drop(struct tlb_array *a, struct tlb_entry *e);

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

/* *@dst = *@src (distinct entries) in three 16-byte moves: a plain
 * assignment between two array slots compiles to a string move, slow to
 * start. */
static inline void tlb_entry_copy(struct tlb_entry *dst, const struct tlb_entry *src)
{
	_Static_assert(sizeof(struct tlb_entry) == 48, "tlb_entry_copy copies 48 bytes");
#ifdef __SSE2__
	const __m128i *s = (const __m128i *)(const void *)src;
	__m128i *d = (__m128i *)(void *)dst;

	_mm_storeu_si128(d, _mm_loadu_si128(s));
	_mm_storeu_si128(d + 1, _mm_loadu_si128(s + 1));
	_mm_storeu_si128(d + 2, _mm_loadu_si128(s + 2));
#else
	*dst = *src;
#endif
}

/* Build the entry a fill stores, tagged with tag. */
static inline int tlb_make_entry(struct tlb_entry *e, const struct tlb_map *m,
				 const struct tlb_tag *tag, bool leaf_flags)
{
	unsigned shift = tlb_size_shift(m->size);
	uint8_t perms;
	uint64_t mask;

	if (!shift)
		return -EINVAL;
	mask = ~((UINT64_C(1) << shift) - 1);
	perms = m->perms & TLB_PERMS;
	*e = (struct tlb_entry){
		.vpn = m->addr >> shift,
		.shift = (uint8_t)shift,
		/* The fast path may grant W only where no dirty assist is due. */
		.fast_perms = m->dirty ? perms : (uint8_t)(perms & ~TLB_W),
		.perms = perms,
		.flags = (uint8_t)((m->dirty ? TLB_F_DIRTY : 0) |
				   (leaf_flags && m->global ? TLB_F_GLOBAL : 0)),
		.id = tag->vpid,
		.pcid = tag->pcid,
		.ep4ta = tag->ep4ta,
		.hpa = m->hpa & mask,
		.gpa = m->gpa & mask,
		.gen = m->gen,
	};
	return 0;
}

/* tlb_array.c */
int tlb_array_init(struct tlb_array *a, const struct tlb_array_config *c,
		   enum tlb_kind kind, bool leaf, const uint8_t *shifts, unsigned nshifts);
void tlb_array_free(struct tlb_array *a);
struct tlb_entry *tlb_array_insert(struct tlb_array *a, const struct tlb_entry *tmpl,
				   const struct tlb_tag *t, bool fresh,
				   struct tlb_entry *victim, uint64_t *evictions);
unsigned tlb_array_purge_overlaps(struct tlb_array *a, uint64_t addr,
				  const struct tlb_tag *t, unsigned keep_shift);
uint32_t tlb_array_set_of(const struct tlb_array *a, const struct tlb_entry *e);
/* 0 if the set's LRU list holds exactly its ways in use, once each. */
int tlb_array_check_lru(const struct tlb_array *a, uint32_t set);
struct tlb_entry *tlb_array_end(const struct tlb_array *a);

/*
 * tlb_array_insert() of an entry that a lookup has just proved new to the
 * array (fresh) and whose displaced entry nobody wants, inline for the
 * miss path: a full LRU set's oldest way takes it. An empty way or PLRU
 * goes the general way.
 */
static inline struct tlb_entry *tlb_array_insert_new(struct tlb_array *a,
						     const struct tlb_entry *tmpl,
						     const struct tlb_tag *t, uint64_t *evictions)
{
	uint32_t set = (uint32_t)(tmpl->vpn & (a->sets - 1));
	struct tlb_set *st = &a->set[set];
	uint64_t key = tlb_key(tmpl->vpn, tmpl->shift);
	size_t i;

	if (a->repl != TLB_REPL_LRU || (~st->used & a->all_ways))
		return tlb_array_insert(a, tmpl, t, true, NULL, evictions);
	a->seen |= UINT64_C(1) << tmpl->shift;
	a->inserts++;
	++*evictions;
	i = (size_t)set * a->ways + st->oldest;
	tlb_array_lru_rotate(a, set);
	a->e[i] = *tmpl;
	a->key[i] = key;
	a->fp[i] = tlb_fp(key);
	return &a->e[i];
}

/* tlb_psc.c */
/* The hit counter of PSC level l (0 = PDE .. 3 = PML5E) of a kind. */
uint64_t *tlb_psc_hits(struct tlb *tlb, enum tlb_psc_kind kind, unsigned l);

/* tlb.c */
void tlb_forget_mru(struct tlb *tlb);
void tlb_tag_normalize(const struct tlb *tlb, const struct tlb_tag *in,
		       struct tlb_tag *comb, struct tlb_tag *gphys);

#endif /* TDPSIM_SIM_TLB_TLB_INT_H */
