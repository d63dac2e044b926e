// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two-dimensional page walk, shared by EPT and NPT.
 *
 * walk_2d() translates one guest access.  Without guest paging the access
 * address is a GPA and one nested walk translates it.  With guest paging
 * (4 or 5 levels, x86-64 entries in guest memory) each guest entry is read
 * at a host address found by a nested walk of the entry's GPA, so a cold
 * walk of G guest levels over N nested levels makes G * (N + 1) + N
 * references: 24 for 4-on-4, 35 for 5-on-5.
 *
 * The level iterator, for one dimension:
 *   1. ask the paging-structure cache for the deepest cached level; resume
 *      below it with the permissions it accumulated, or start at the root;
 *   2. read the entry at table + 8 * index (a shared load: a yield point);
 *   3. classify it with the format: absent or invalid ends the walk with
 *      the format's fault; AND its permissions into the walk's;
 *   4. a page ends the level loop; in a table pointer set A if clear
 *      (nested: only when A/D is on), one locked update, then cache it in
 *      the PSC and make it the next table.
 * Then the accumulated permissions are checked against the access, and the
 * leaf gets A, plus D for an allowed write (PML logs a nested D going
 * 0 -> 1).
 *
 * A bits are set on every present, valid entry the walk used, including
 * the leaf, even if the access then faults: the CPU sets A on the entries
 * it uses.  D is set only when the write is allowed; in a nested leaf A
 * and D go in one locked update.  The guest's own D bit is set last, after
 * the final GPA was translated, so that an EPT violation on the data page
 * leaves the guest PTE clean.
 *
 * Guest paging-structure accesses at the nested level: with EPT A/D on
 * they are writes (they need W, set D on the nested leaf and are logged by
 * PML); on NPT they are user writes (A/D is always on).  With EPT A/D off
 * they are reads, but setting a guest A or D bit writes the guest page
 * table, which then needs nested W: a write-protected guest page table
 * (dirty logging by write protection) takes an EPT violation there.
 */
#include "sim/ept/walk_int.h"
#include "sim/host/host.h"
#include "sim/pml/pml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct pt_format walk_fmt_ept = {
	.name = "ept",
	.present = EPT_RWX,
	.addr = EPT_ADDR,
	.ps = EPT_PS,
	.a = EPT_A,
	.d = EPT_D,
	.r = EPT_R,
	.w = EPT_W,
	.x = EPT_X,
	.u = 0, /* EPT has no user bit (without MBEC): any CPL may use it */
	.nx = 0,
	.g = 0,
	.rsvd = ept_rsvd,
	.misconfigured = ept_misconfigured,
	.invalid_exits = true,
};

const struct pt_format walk_fmt_x86 = {
	.name = "x86-64",
	.present = X86_PTE_P,
	.addr = X86_PTE_ADDR,
	.ps = X86_PTE_PS,
	.a = X86_PTE_A,
	.d = X86_PTE_D,
	.r = 0, /* present means readable */
	.w = X86_PTE_RW,
	.x = 0,
	.u = X86_PTE_US,
	.nx = X86_PTE_NX,
	.g = X86_PTE_G,
	.rsvd = x86_pte_rsvd,
	.misconfigured = NULL,
	.invalid_exits = false,
};

/* An internal outcome: an entry changed under an A/D update. */
#define WALK_RESTART 100
#define WALK_MAX_RESTARTS 1000

static inline unsigned level_shift(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

static inline uint64_t level_index(uint64_t addr, int level)
{
	return (addr >> level_shift(level)) & 511;
}

static inline uint64_t low_mask(unsigned shift)
{
	return (UINT64_C(1) << shift) - 1;
}

static inline uint8_t size_bit(unsigned shift)
{
	return shift == 30 ? TLB_1G : shift == 21 ? TLB_2M : TLB_4K;
}

/*
 * The helpers below run once per reference.  They are inline and take the
 * format as a parameter: where the format is a constant (the guest's, and
 * each instance of the nested loop) its masks and rules fold away.
 */
static inline enum pte_class pte_classify(const struct pt_format *f, uint64_t e,
					  int level, const uint64_t rsvd[2][6])
{
	if (!(e & f->present))
		return PTE_ABSENT;
	/* PS in a PML4E/PML5E is not a page: the format reserves it. */
	bool leaf = level == 1 || (level <= 3 && (e & f->ps));
	if (e & rsvd[leaf][level])
		return PTE_INVALID;
	if (f->misconfigured && f->misconfigured(e, leaf))
		return PTE_INVALID;
	return leaf ? PTE_PAGE : PTE_TABLE;
}

static inline unsigned pte_perms(const struct pt_format *f, uint64_t e)
{
	unsigned p = 0;
	if (!f->r || (e & f->r))
		p |= TLB_R;
	if (e & f->w)
		p |= TLB_W;
	if (f->x ? (e & f->x) != 0 : !(e & f->nx))
		p |= TLB_X;
	if (!f->u || (e & f->u))
		p |= TLB_U;
	return p;
}

/* ----------------------------------------------- page-table line cache */

struct walk_cache {
	unsigned sets, ways;
	uint64_t tick;
	uint64_t *tag;   /* line number + 1; 0 = empty */
	uint64_t *stamp; /* last use; empty ways have 0 and go first */
};

int walk_cache_create(const struct walk_params *p, struct walk_cache **out)
{
	*out = NULL;
	if (!p->walk_ptc_lines)
		return 0;
	uint64_t ways = p->walk_ptc_ways, lines = p->walk_ptc_lines;
	if (!ways || lines % ways || ((lines / ways) & (lines / ways - 1)) ||
	    lines > (UINT64_C(1) << 24))
		return -EINVAL;
	struct walk_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sets = (unsigned)(lines / ways);
	c->ways = (unsigned)ways;
	c->tag = calloc(lines, sizeof(*c->tag));
	c->stamp = calloc(lines, sizeof(*c->stamp));
	if (!c->tag || !c->stamp) {
		walk_cache_destroy(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void walk_cache_destroy(struct walk_cache *c)
{
	if (!c)
		return;
	free(c->tag);
	free(c->stamp);
	free(c);
}

/* Touches the line of @pa; true on a hit.  LRU, lowest way first. */
static bool ptc_access(struct walk_cache *c, uint64_t pa)
{
	uint64_t line = pa >> 6;
	size_t base = (size_t)(line & (c->sets - 1)) * c->ways;
	unsigned victim = 0;
	c->tick++;
	for (unsigned i = 0; i < c->ways; i++) {
		if (c->tag[base + i] == line + 1) {
			c->stamp[base + i] = c->tick;
			return true;
		}
		if (c->stamp[base + i] < c->stamp[base + victim])
			victim = i;
	}
	c->tag[base + victim] = line + 1;
	c->stamp[base + victim] = c->tick;
	return false;
}

/* ------------------------------------------------------------ the walk */

struct ntrans {
	uint64_t hpa;   /* of the GPA translated */
	unsigned shift; /* nested page size */
	unsigned perms; /* TLB_R|W|X|U, ANDed over the nested walk */
	bool dirty;     /* nested leaf D (true when A/D is off) */
};

static uint64_t frame_gen(const struct walker *w, uint64_t pa)
{
	return w->q.host ? host_frame_gen(w->q.host, pa >> 12) : 0;
}

/* One reference: a shared load of the entry at @pa.  Forced inline, with
 * the load itself: it runs for each of up to 35 references of a walk.
 * (walk_2d sums the guest and nested counts into res->refs.) */
static inline __attribute__((always_inline)) int
read_entry(struct walker *w, uint64_t pa, bool guest, int level, uint64_t *e)
{
	cycles_t cost = w->lat_ref;
	if (pa > w->mem_last)
		return -EFAULT;
	if (w->ptc) {
		if (ptc_access(w->ptc, pa)) {
			cost = w->p->lat_walk_ptc_hit;
			w->st->ptc_hits++;
		} else {
			cost = w->p->lat_walk_ptc_miss;
			w->st->ptc_misses++;
		}
	}
	*e = sim_load_c(w->s, (const uint64_t *)(w->mem + pa), w->acct, cost);
	if (guest)
		w->res->refs_guest++;
	else
		w->res->refs_nested++;
	w->st->refs_level[guest ? 0 : 1][level]++;
	return 0;
}

/*
 * Sets @bits in the entry at @pa that the walker read as *@e, the way a
 * CPU does: one locked update against the value it translated through.
 * Another CPU (or KVM) may have set A/D meanwhile, which is fine; if
 * anything else changed, the walker must not write into an entry it did
 * not use — in particular not into a zapped (non-present or frozen) SPTE —
 * so it restarts the walk.
 *
 * @nested: an EPT/NPT entry, to which PML applies: before any flag is set
 * a full buffer ends the walk, and a leaf D going 0 -> 1 (@d_bit) logs
 * @gpa.  Returns 0, WALK_PML_FULL or WALK_RESTART.  (set_ad below: mostly
 * the flags are set already.)
 */
static int set_ad_locked(struct walker *w, uint64_t pa, uint64_t *e,
			 uint64_t bits, bool nested, uint64_t d_bit,
			 uint64_t gpa)
{
	struct pml *pml = nested ? w->q.pml : NULL;
	if (pml_active(pml) && pml_check(pml)) {
		w->res->fault.gpa = gpa;
		return WALK_PML_FULL;
	}
	const struct pt_format *f = nested ? w->nf : &walk_fmt_x86;
	uint64_t ad = f->a | f->d, old = *e;
	uint64_t *p = (uint64_t *)(w->mem + pa);
	while (!sim_cmpxchg(w->s, p, &old, old | bits)) {
		if ((old & ~ad) != (*e & ~ad)) {
			w->st->restarts++;
			return WALK_RESTART;
		}
		if ((old & bits) == bits) {
			*e = old;
			return 0;
		}
	}
	w->st->ad_updates++;
	if ((bits & d_bit) && !(old & d_bit) && pml_active(pml)) {
		pml_log(w->s, pml, gpa);
		sim_charge(w->s, w->q.acct, w->p->lat_pml_log);
		w->st->pml_logged++;
	}
	*e = old | bits;
	return 0;
}

/* set_ad_locked, after the check that usually finds nothing to do.  Its
 * locked update, an engine primitive, charges the current account: the
 * walk's, for its duration. */
static inline int set_ad(struct walker *w, uint64_t pa, uint64_t *e,
			 uint64_t bits, bool nested, uint64_t d_bit,
			 uint64_t gpa)
{
	if ((*e & bits) == bits)
		return 0;
	int old_acct = sim_set_acct(w->s, w->acct);
	int r = set_ad_locked(w, pa, e, bits, nested, d_bit, gpa);
	sim_set_acct(w->s, old_acct);
	return r;
}

/* The architectural event for a nested walk that failed at @level. */
static int nested_fault(struct walker *w, uint64_t gpa, unsigned need,
			unsigned perms, int level, enum pte_class cls,
			bool final)
{
	struct walk_fault *f = &w->res->fault;
	f->gpa = gpa;
	f->gla = w->q.addr;
	f->level = level;
	f->guest_pt = !final;
	if (w->nf->invalid_exits && cls == PTE_INVALID) {
		f->qual = 0;
		return WALK_EPT_MISCONFIG;
	}
	if (w->nf->invalid_exits) {
		/* SDM table 28-7.  Every access in this model is made through
		 * a linear address, so bit 7 is always set and bit 8 tells
		 * the final translation from a guest page-table access. */
		f->qual = (need & TLB_R ? EPT_QUAL_READ : 0) |
			  (need & TLB_W ? EPT_QUAL_WRITE : 0) |
			  (need & TLB_X ? EPT_QUAL_FETCH : 0) |
			  (perms & TLB_R ? EPT_QUAL_R : 0) |
			  (perms & TLB_W ? EPT_QUAL_W : 0) |
			  (perms & TLB_X ? EPT_QUAL_X : 0) |
			  EPT_QUAL_GLA_VALID | (final ? EPT_QUAL_FINAL : 0);
		return WALK_EPT_VIOLATION;
	}
	f->qual = npt_exitinfo1(cls != PTE_ABSENT, cls == PTE_INVALID,
				need & TLB_W, need & TLB_X, final);
	return WALK_NPF;
}

/* The A/D bits a nested leaf gets for an access needing @need: A (the
 * entry was used) and, for an allowed (@ok) write, D; none with A/D off. */
static inline uint64_t leaf_ad_bits(const struct pt_format *f, bool nad, bool ok,
				    unsigned need)
{
	return !nad ? 0 : f->a | (ok && (need & TLB_W) ? f->d : 0);
}

/* The translation of @gpa through nested leaf @e at @level. */
static inline void leaf_trans(const struct pt_format *f, bool nad, uint64_t e,
			      uint64_t gpa, int level, unsigned perms, struct ntrans *t)
{
	t->shift = level_shift(level);
	t->hpa = (e & f->addr & ~low_mask(t->shift)) | (gpa & low_mask(t->shift));
	t->perms = perms;
	t->dirty = !nad || (e & f->d);
}

/*
 * Translates @gpa through the EPT/NPT tables for an access needing @need
 * (TLB_R/W/X, plus U: every guest access is a user access on NPT, and EPT
 * grants U always).  @final: the access's own GPA, not a guest
 * paging-structure entry's.  @f is w->nf, as a constant: see nested_walk.
 */
static inline __attribute__((always_inline)) int
nested_walk_fmt(struct walker *w, const struct pt_format *f, uint64_t gpa,
		unsigned need, bool final, struct ntrans *t)
{
	/* Locals, not w's fields, which every store in the loop (the
	 * event log's, the counters') could alias. */
	struct tlb *tlb = w->tlb;
	const bool nad = w->nad;
	int level = w->nlevels, r;
	uint64_t table = w->nroot, pa, e;
	unsigned perms = TLB_PERMS;
	enum pte_class cls;

	if (tlb) {
		struct tlb_psc_hit hit;
		if (tlb_psc_lookup(tlb, TLB_PSC_NESTED, gpa, &hit)) {
			table = hit.e->hpa;
			perms = hit.e->perms;
			level = hit.level - 1;
			w->st->refs_saved += w->saved[1][hit.level];
		}
		sim_charge(w->s, w->acct, hit.cycles);
	}
	for (;; level--) {
		pa = table + 8 * level_index(gpa, level);
		if ((r = read_entry(w, pa, false, level, &e)))
			return r;
		cls = pte_classify(f, e, level, w->rsvd[1]);
		/* An absent entry's bits count in the AND too (EPT: 0). */
		perms &= pte_perms(f, e);
		if (cls == PTE_ABSENT || cls == PTE_INVALID)
			return nested_fault(w, gpa, need, perms, level, cls, final);
		if (cls == PTE_PAGE)
			break;
		if (nad && (r = set_ad(w, pa, &e, f->a, true, 0, gpa)))
			return r;
		table = e & f->addr;
		if (tlb) {
			struct tlb_psc_fill fill = {
				.addr = gpa,
				.table_hpa = table,
				.gen = frame_gen(w, table),
				.level = (uint8_t)level,
				.perms = (uint8_t)perms,
			};
			tlb_psc_fill(tlb, TLB_PSC_NESTED, &fill);
		}
	}
	/* The leaf's A (the entry was used) and, for an allowed write, D go
	 * in one locked update, as a CPU does. */
	bool ok = !(need & ~perms);
	uint64_t bits = leaf_ad_bits(f, nad, ok, need);
	if (bits && (r = set_ad(w, pa, &e, bits, true, f->d, gpa)))
		return r;
	if (!ok)
		return nested_fault(w, gpa, need, perms, level, PTE_PAGE, final);
	leaf_trans(f, nad, e, gpa, level, perms, t);
	return 0;
}

/*
 * The one nested level loop, instantiated once per format: a reference
 * then costs a few instructions of mask tests instead of calls through
 * the format's table.  The final translation, made by every walk, expands
 * it in place (nested_walk_inline); the other callers share nested_walk.
 */
static inline __attribute__((always_inline)) int
nested_walk_inline(struct walker *w, uint64_t gpa, unsigned need, bool final,
		   struct ntrans *t)
{
	if (w->nf == &walk_fmt_ept)
		return nested_walk_fmt(w, &walk_fmt_ept, gpa, need, final, t);
	return nested_walk_fmt(w, &walk_fmt_x86, gpa, need, final, t);
}

static int nested_walk(struct walker *w, uint64_t gpa, unsigned need, bool final,
		       struct ntrans *t)
{
	return nested_walk_inline(w, gpa, need, final, t);
}

/*
 * The host address of a guest paging-structure entry at @pte_gpa, through
 * the nested TLB when it holds the page with the access allowed (and, for a
 * write, D already set), else a nested walk that refills it.
 */
static int pt_translate(struct walker *w, uint64_t pte_gpa, unsigned need,
			struct ntrans *t, bool count_saved)
{
	struct tlb *tlb = w->tlb;
	if (tlb) {
		struct tlb_result tr;
		enum tlb_outcome o = tlb_ntlb_lookup(tlb, need, pte_gpa, &tr);
		sim_charge(w->s, w->acct, tr.cycles);
		if (o == TLB_HIT) {
			t->hpa = tlb_entry_hpa(tr.e, pte_gpa);
			t->shift = tr.e->shift;
			t->perms = tr.e->perms;
			t->dirty = tr.e->flags & TLB_F_DIRTY;
			if (count_saved)
				w->st->refs_saved += (uint64_t)w->nlevels;
			return 0;
		}
	}
	int r = nested_walk(w, pte_gpa, need, false, t);
	if (r == 0 && tlb) {
		uint64_t m = low_mask(t->shift);
		struct tlb_map map = {
			.addr = pte_gpa,
			.gpa = pte_gpa & ~m,
			.hpa = t->hpa & ~m,
			.gen = frame_gen(w, t->hpa),
			.size = size_bit(t->shift),
			.perms = (uint8_t)t->perms,
			.dirty = t->dirty,
		};
		tlb_ntlb_fill(tlb, &map);
	}
	return r;
}

/*
 * Setting a guest A or D bit writes the guest page table: make sure the
 * nested translation of its page allows writes.  *@tperms holds the nested
 * permissions of that page if known (0 if it came from the guest PSC).
 */
static int guest_pt_writable(struct walker *w, uint64_t pte_gpa, unsigned *tperms)
{
	struct ntrans t;
	if (*tperms & TLB_W)
		return 0;
	/* Not a reference a cold walk makes, so nothing is "saved". */
	int r = pt_translate(w, pte_gpa, TLB_R | TLB_W | TLB_U, &t, false);
	if (r == 0)
		*tperms = t.perms;
	return r;
}

static inline unsigned access_need(enum walk_access a)
{
	static const uint8_t need[] = {
		[WALK_READ] = TLB_R, [WALK_WRITE] = TLB_W, [WALK_FETCH] = TLB_X,
	};
	return (unsigned)a < sizeof(need) ? need[a] : TLB_R;
}

/* The guest's #PF for its entry at @level. */
static int guest_fault(struct walker *w, int level, uint64_t pte_gpa,
		       enum pte_class cls)
{
	struct walk_fault *f = &w->res->fault;
	const struct walk_req *q = &w->q;
	f->pf_error = (cls != PTE_ABSENT ? PF_P : 0) |
		      (cls == PTE_INVALID ? PF_RSV : 0) |
		      (q->access == WALK_WRITE ? PF_W : 0) |
		      (q->user ? PF_U : 0) |
		      (q->access == WALK_FETCH ? PF_ID : 0);
	f->level = level;
	f->pte_gpa = pte_gpa;
	f->gla = q->addr;
	return WALK_GUEST_PF;
}

/* Fills the result of a successful walk. */
static inline __attribute__((always_inline)) void
walk_done(struct walker *w, uint64_t gpa, unsigned gshift, unsigned gperms, bool gdirty,
	  bool global, const struct ntrans *t)
{
	struct walk_res *res = w->res;
	unsigned shift = gshift < t->shift ? gshift : t->shift;
	res->gpa = gpa;
	res->hpa = t->hpa;
	res->pfn = t->hpa >> 12;
	res->page_gpa = gpa & ~low_mask(shift);
	res->page_hpa = t->hpa & ~low_mask(shift);
	res->gen = frame_gen(w, t->hpa);
	res->size = size_bit(shift);
	res->perms = (uint8_t)((gperms & t->perms & (TLB_R | TLB_W | TLB_X)) |
			       (gperms & TLB_U));
	res->dirty = gdirty && t->dirty;
	res->global = global;
}

static int walk_direct(struct walker *w)
{
	struct ntrans t;
	int r = nested_walk(w, w->q.addr, w->need | TLB_U, true, &t);
	if (r)
		return r;
	walk_done(w, w->q.addr, 30, TLB_PERMS, true, false, &t);
	return 0;
}

/*
 * walk_guest()'s common case, straight: the guest PSC's inline path maps
 * the address at its PDE level, the PTE under that is a present, valid
 * page with A set (and D, for a write) that allows the access; the nested
 * PSC's inline path maps the page's GPA at its PDE level, and the leaf
 * under that allows the access with A (and D, for a write) set when A/D
 * is on.  Each entry is judged on its current value first; only then is
 * anything done, in walk_guest()'s order and through the same steps: the
 * guest PSC hit, the PTE's reference, the nested PSC hit, the leaf's
 * reference.  No other thread runs in between (both references' yield
 * points fall below the engine's horizon, so neither switches), so the
 * values judged are the values read.  Returns 1 when it walked, 0, having
 * done nothing, for walk_guest() to walk the general way.  @nf is
 * w->nf, a constant in each instance.
 */
static inline __attribute__((always_inline)) int
walk_guest_fast(struct walker *w, const struct pt_format *nf)
{
	const struct pt_format *g = &walk_fmt_x86;
	const struct walk_req *q = &w->q;
	struct tlb_psc_hit gh, nh;
	uint64_t ge, ne, gpa, pa_g, pa_n;

	if (!tlb_psc_peek(w->tlb, TLB_PSC_GUEST, q->addr, &gh) || gh.level != 2)
		return 0;
	pa_g = gh.e->hpa + 8 * level_index(q->addr, 1);
	if (pa_g > w->mem_last)
		return 0;
	ge = *(const uint64_t *)(w->mem + pa_g);
	unsigned gperms = gh.e->perms & pte_perms(g, ge);
	if (ge == SIM_POISON || pte_classify(g, ge, 1, w->rsvd[0]) != PTE_PAGE ||
	    !(ge & g->a) || (w->gneed & ~gperms) ||
	    (q->access == WALK_WRITE && !(ge & g->d)))
		return 0;
	gpa = (ge & g->addr & ~low_mask(12)) | (q->addr & low_mask(12));
	if (!tlb_psc_peek(w->tlb, TLB_PSC_NESTED, gpa, &nh) || nh.level != 2)
		return 0;
	pa_n = nh.e->hpa + 8 * level_index(gpa, 1);
	if (pa_n > w->mem_last)
		return 0;
	ne = *(const uint64_t *)(w->mem + pa_n);
	unsigned need = w->need | TLB_U, perms = nh.e->perms & pte_perms(nf, ne);
	uint64_t bits = leaf_ad_bits(nf, w->nad, true, need);
	if (ne == SIM_POISON || pte_classify(nf, ne, 1, w->rsvd[1]) != PTE_PAGE ||
	    (need & ~perms) || (ne & bits) != bits)
		return 0;
	if (sim_now(w->s) + gh.cycles + w->lat_ref + nh.cycles >= sim_sync_limit(w->s))
		return 0;

	tlb_psc_count_hit(w->tlb, TLB_PSC_GUEST);
	w->st->refs_saved += w->saved[0][2];
	sim_charge(w->s, q->acct, gh.cycles);
	read_entry(w, pa_g, true, 1, &ge);
	tlb_psc_count_hit(w->tlb, TLB_PSC_NESTED);
	w->st->refs_saved += w->saved[1][2];
	sim_charge(w->s, w->acct, nh.cycles);
	read_entry(w, pa_n, false, 1, &ne);
	struct ntrans t;
	leaf_trans(nf, w->nad, ne, gpa, 1, perms, &t);
	walk_done(w, gpa, 12, gperms, ge & g->d, ge & g->g, &t);
	return 1;
}

static int walk_guest(struct walker *w)
{
	const struct pt_format *g = &walk_fmt_x86;
	const struct walk_req *q = &w->q;
	struct tlb *tlb = q->tlb;
	int level = q->guest_levels, r;
	uint64_t table_gpa = q->guest_cr3 & X86_PTE_ADDR, table_hpa = 0;
	uint64_t pte_gpa, pa, e;
	bool have_hpa = false;
	unsigned tperms = 0;          /* nested perms of the table's page */
	unsigned gperms = TLB_PERMS;  /* guest perms ANDed so far */
	int fill_level = 0;           /* guest PSC entry awaiting its table */
	unsigned fill_perms = 0;
	enum pte_class cls;
	struct ntrans t;

	if (tlb) {
		struct tlb_psc_hit hit;
		if (tlb_psc_lookup(tlb, TLB_PSC_GUEST, q->addr, &hit)) {
			table_hpa = hit.e->hpa;
			table_gpa = hit.e->gpa;
			gperms = hit.e->perms;
			level = hit.level - 1;
			have_hpa = true;
			/* Skipped: the guest entries above, each with the
			 * nested walk that located it, and the nested walk
			 * of the next table. */
			w->st->refs_saved += w->saved[0][hit.level];
		}
		sim_charge(w->s, q->acct, hit.cycles);
	}
	for (;; level--) {
		pte_gpa = table_gpa + 8 * level_index(q->addr, level);
		if (!have_hpa) {
			if ((r = pt_translate(w, pte_gpa, w->pt_need, &t, true)))
				return r;
			table_hpa = t.hpa & ~UINT64_C(0xfff);
			tperms = t.perms;
			if (tlb && fill_level) {
				struct tlb_psc_fill fill = {
					.addr = q->addr,
					.table_hpa = table_hpa,
					.table_gpa = table_gpa,
					.gen = frame_gen(w, table_hpa),
					.level = (uint8_t)fill_level,
					.perms = (uint8_t)fill_perms,
				};
				tlb_psc_fill(tlb, TLB_PSC_GUEST, &fill);
			}
		}
		pa = table_hpa + 8 * level_index(q->addr, level);
		if ((r = read_entry(w, pa, true, level, &e)))
			return r;
		cls = pte_classify(g, e, level, w->rsvd[0]);
		if (cls == PTE_ABSENT || cls == PTE_INVALID)
			return guest_fault(w, level, pte_gpa, cls);
		gperms &= pte_perms(g, e);
		if (!(e & g->a)) {
			if ((r = guest_pt_writable(w, pte_gpa, &tperms)) ||
			    (r = set_ad(w, pa, &e, g->a, false, 0, 0)))
				return r;
		}
		if (cls == PTE_PAGE)
			break;
		table_gpa = e & g->addr;
		have_hpa = false;
		fill_level = level;
		fill_perms = gperms;
	}
	if (w->gneed & ~gperms)
		return guest_fault(w, level, pte_gpa, PTE_PAGE);
	unsigned gshift = level_shift(level);
	uint64_t gpa = (e & g->addr & ~low_mask(gshift)) | (q->addr & low_mask(gshift));
	if ((r = nested_walk_inline(w, gpa, w->need | TLB_U, true, &t)))
		return r;
	if (q->access == WALK_WRITE && !(e & g->d)) {
		if ((r = guest_pt_writable(w, pte_gpa, &tperms)) ||
		    (r = set_ad(w, pa, &e, g->d, false, 0, 0)))
			return r;
	}
	walk_done(w, gpa, gshift, gperms, e & g->d, e & g->g, &t);
	return 0;
}

/* --------------------------------------------------------------- entry */

int walk_prepare(struct walker *w, struct sim *s, const struct walk_req *q)
{
	const struct walk_params *p = q->params;

	if (q->fmt == WALK_EPT) {
		w->nf = &walk_fmt_ept;
		w->nlevels = ept_eptp_levels(q->root);
		w->nroot = q->root & EPTP_ADDR;
		w->nad = q->root & EPTP_AD;
	} else if (q->fmt == WALK_NPT) {
		w->nf = &walk_fmt_x86;
		w->nlevels = q->nested_levels;
		w->nroot = npt_ncr3(q->root);
		w->nad = true;
	} else {
		return -EINVAL;
	}
	if ((w->nlevels != 4 && w->nlevels != 5) ||
	    (q->guest_levels != 0 && q->guest_levels != 4 && q->guest_levels != 5))
		return -EINVAL;
	w->q = *q;
	w->s = s;
	w->st = q->stats;
	w->p = p;
	unsigned maxpa = p->walk_maxphyaddr < 12 || p->walk_maxphyaddr > 52
				 ? 52
				 : (unsigned)p->walk_maxphyaddr;
	/* The formats' reserved bits at this MAXPHYADDR, per kind of entry. */
	for (int leaf = 0; leaf < 2; leaf++)
		for (int level = 1; level <= 5; level++) {
			w->rsvd[0][leaf][level] = walk_fmt_x86.rsvd(level, leaf, maxpa);
			w->rsvd[1][leaf][level] = w->nf->rsvd(level, leaf, maxpa);
		}
	/* What a PSC hit at level L saves.  Guest: the guest entries from
	 * the root down to L, each with the nested walk that located it, and
	 * the nested walk of the next table.  Nested: the entries from the
	 * root down to L. */
	for (int l = 0; l <= 5; l++) {
		w->saved[0][l] = (uint64_t)(q->guest_levels - l + 1) *
					 (uint64_t)(w->nlevels + 1) +
				 (uint64_t)w->nlevels;
		w->saved[1][l] = (uint64_t)(w->nlevels - l + 1);
	}
	w->pt_need = TLB_R | TLB_U | (w->nad ? TLB_W : 0);
	/* walk_guest_fast() reads entries without the line cache. */
	w->fast = q->tlb && !q->ptc;
	w->fast_walks = 0;
	w->need = access_need(q->access);
	w->mem = sim_va(s, 0);
	w->mem_last = sim_mem_size(s) - 8;	/* the arena is whole pages */
	w->tlb = q->tlb;
	w->ptc = q->ptc;
	w->acct = q->acct;
	w->lat_ref = q->lat_ref;
	if (!w->st) {
		memset(&w->sink, 0, sizeof(w->sink));
		w->st = &w->sink;
	}
	return 0;
}

int walk_run(struct walker *w, uint64_t guest_cr3, uint64_t addr,
	     enum walk_access access, struct walk_res *res)
{
	struct sim *s = w->s;
	int r;

	/*
	 * Zeroed in two parts, each a few vector stores: as one 128-byte
	 * memset it becomes a rep stos, slow to start, on every walk.
	 */
	memset(res, 0, offsetof(struct walk_res, fault));
	memset(&res->fault, 0, sizeof(res->fault));
	w->q.guest_cr3 = guest_cr3;
	w->q.addr = addr;
	w->q.access = access;
	w->need = access_need(access);
	w->gneed = w->need | (w->q.user ? TLB_U : 0);
	w->res = res;

	cycles_t start = sim_now(s);
	for (int tries = 0;; tries++) {
		if (tries)	/* the first try has it zeroed already */
			memset(&res->fault, 0, sizeof(res->fault));
		if (!w->q.guest_levels)
			r = walk_direct(w);
		else if (w->fast && (w->nf == &walk_fmt_ept ? walk_guest_fast(w, &walk_fmt_ept)
							   : walk_guest_fast(w, &walk_fmt_x86))) {
			w->fast_walks++;
			r = WALK_OK;
		}
		else
			r = walk_guest(w);
		if (r != WALK_RESTART)
			break;
		if (tries == WALK_MAX_RESTARTS) {
			r = -EAGAIN;
			break;
		}
	}
	res->cycles = sim_now(s) - start;
	res->refs = res->refs_guest + res->refs_nested;
	if (r >= 0)
		res->status = (enum walk_status)r;

	struct walk_stats *st = w->st;
	st->walks++;
	st->refs += res->refs;
	st->refs_guest += res->refs_guest;
	st->refs_nested += res->refs_nested;
	if (r != WALK_OK) {
		switch (r) {
		case WALK_EPT_VIOLATION: st->ept_violations++; break;
		case WALK_EPT_MISCONFIG: st->ept_misconfigs++; break;
		case WALK_NPF: st->npfs++; break;
		case WALK_PML_FULL: st->pml_full++; break;
		case WALK_GUEST_PF: st->guest_pfs++; break;
		default: break;
		}
	}
	if (st != &w->sink)
		hist_add(&st->refs_per_walk, res->refs);
	return r;
}

int walk_2d(struct sim *s, const struct walk_req *q, struct walk_res *res)
{
	struct walker w;
	int r = walk_prepare(&w, s, q);

	return r ? r : walk_run(&w, q->guest_cr3, q->addr, q->access, res);
}

void walk_stats_register(struct walk_stats *ws, struct stats *st)
{
	static const char *const dim[2] = { "guest", "nested" };
	char name[64];
#define WALK_STAT_REG(field, sname, doc) stats_counter(st, sname, &ws->field);
	WALK_STATS(WALK_STAT_REG)
#undef WALK_STAT_REG
	for (int d = 0; d < 2; d++)
		for (int l = 1; l <= 5; l++) {
			snprintf(name, sizeof(name), "walk.refs.%s.l%d", dim[d], l);
			stats_counter(st, name, &ws->refs_level[d][l]);
		}
	stats_hist(st, "walk.refs_per_walk", &ws->refs_per_walk);
}
