/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/ept — Intel EPT, and the one nested-walk engine both vendors use.
 *
 * What is here:
 *   - the EPT entry format and the EPTP (SDM Vol. 3C §28.2, KVM_FACTS A.1,
 *     A.2), with masks proven disjoint;
 *   - the EPT-violation exit qualification (SDM table 28-7, KVM_FACTS A.4);
 *   - walk_2d(): the hardware page walk of a guest access, GVA -> GPA -> HPA
 *     (or GPA -> HPA without guest paging), over EPT or NPT.
 *
 * One walker, two formats.  A level iterator reads an entry, classifies it
 * (absent, table, page, invalid), ANDs its permissions and sets its A/D
 * flags; what differs between EPT and x86-64 entries (NPT tables and every
 * guest page table) is a format description in data — bit masks, reserved
 * bits per level — plus EPT's extra misconfiguration rules.  Where the
 * vendors differ architecturally the walker asks the format: an invalid
 * EPT entry is an EPT misconfiguration, an invalid x86 entry a #NPF (or
 * guest #PF) with RSV; EPT sets A/D only if EPTP[6], NPT always; a nested
 * access on AMD is always a user access.  sim/npt holds the x86-64 layout
 * and the #NPF encoding.
 *
 * Races.  Each entry is read with one shared load (a yield point costing a
 * walk reference), and each A/D update is one locked read-modify-write on
 * the entry in simulated memory (a yield point), so KVM's SPTE updates and
 * the guest's PTE writes interleave with a walk exactly as they would with
 * a real page walker.  The update is made against the value the walker
 * used: if the entry changed in between (beyond A/D), nothing is written
 * and the walk restarts — the CPU never sets A or D in an entry it did not
 * translate through, in particular never in a non-present one (KVM's
 * frozen SPTE relies on that).
 *
 * The model does no I/O and keeps no state of its own: the caches it may
 * use (PSCs, nested TLB, page-table line cache), the PML buffer and the
 * counters are the caller's, passed in the request.
 */
#ifndef TDPSIM_SIM_EPT_H
#define TDPSIM_SIM_EPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"
#include "sim/npt/npt.h"
#include "sim/tlb/tlb.h"

/* The walker's and PML's parameters: struct walk_params, declared in
 * sim/ept/params.def. */
#define PARAMS_DEF "sim/ept/params.def"
#define PARAMS_STRUCT walk_params
#include "sim/core/params_block.h"

struct pml;
struct host;

/* ------------------------------------------------------ EPT entry format */

#define EPT_R (UINT64_C(1) << 0)           /* read */
#define EPT_W (UINT64_C(1) << 1)           /* write */
#define EPT_X (UINT64_C(1) << 2)           /* (supervisor) execute */
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_MT (UINT64_C(7) << EPT_MT_SHIFT) /* memory type, leaves */
#define EPT_IPAT (UINT64_C(1) << 6)        /* ignore guest PAT, leaves */
#define EPT_PS (UINT64_C(1) << 7)          /* page in a PDPTE / PDE */
#define EPT_A (UINT64_C(1) << 8)           /* accessed (EPTP[6]) */
#define EPT_D (UINT64_C(1) << 9)           /* dirty, leaves (EPTP[6]) */
#define EPT_UX (UINT64_C(1) << 10)         /* user execute (MBEC; unused) */
#define EPT_IGN11 (UINT64_C(1) << 11)      /* ignored */
#define EPT_ADDR UINT64_C(0x000ffffffffff000) /* bits 51:12 */
#define EPT_IGN_HI (UINT64_C(0x7ff) << 52) /* ignored: KVM's software bits */
#define EPT_SVE (UINT64_C(1) << 63)        /* suppress #VE */

_Static_assert((EPT_R + EPT_W + EPT_X + EPT_MT + EPT_IPAT + EPT_PS + EPT_A +
		EPT_D + EPT_UX + EPT_IGN11 + EPT_ADDR + EPT_IGN_HI) ==
		       (EPT_R | EPT_W | EPT_X | EPT_MT | EPT_IPAT | EPT_PS |
			EPT_A | EPT_D | EPT_UX | EPT_IGN11 | EPT_ADDR |
			EPT_IGN_HI),
	       "EPT masks overlap");
_Static_assert(((EPT_R | EPT_W | EPT_X | EPT_MT | EPT_IPAT | EPT_PS | EPT_A |
		 EPT_D | EPT_UX | EPT_IGN11 | EPT_ADDR | EPT_IGN_HI) &
		EPT_SVE) == 0,
	       "EPT suppress-#VE overlaps");
_Static_assert((EPT_R | EPT_W | EPT_X | EPT_MT | EPT_IPAT | EPT_PS | EPT_A |
		EPT_D | EPT_UX | EPT_IGN11 | EPT_ADDR | EPT_IGN_HI | EPT_SVE) ==
		       UINT64_MAX,
	       "EPT masks leave bits undescribed");

/* Memory types (bits 5:3 of a leaf; 2, 3 and 7 are reserved). */
enum { EPT_MT_UC = 0, EPT_MT_WC = 1, EPT_MT_WT = 4, EPT_MT_WP = 5, EPT_MT_WB = 6 };

/*
 * The format's validity rules (SDM §28.2.3.1, "EPT misconfigurations"),
 * where EPT differs from the x86-64 format it otherwise resembles; inline
 * so that the walker, which applies them to every entry it reads, folds
 * them to a few instructions.
 *
 * Reserved bits of a present EPT entry at @level (1..5), table or page:
 * bits 51:MAXPHYADDR, bits 7:3 of a PML5E/PML4E and of any table pointer,
 * and a large page's address bits below its alignment.  Bits 11:8 and
 * 62:52 are ignored, never reserved.
 */
static inline uint64_t ept_rsvd(int level, bool leaf, unsigned maxphyaddr)
{
	uint64_t r = maxphyaddr >= 52
			     ? 0
			     : EPT_ADDR & ~((UINT64_C(1) << maxphyaddr) - 1);
	/* Memory type, IPAT and PS mean nothing in a table pointer, and a
	 * PML4E/PML5E is always one. */
	if (level >= 4 || (!leaf && level >= 2))
		return r | UINT64_C(0xf8); /* bits 7:3 */
	/* A large page's address must be aligned to its size. */
	if (leaf && level == 3)
		r |= UINT64_C(0x3ffff000); /* bits 29:12 */
	else if (leaf && level == 2)
		r |= UINT64_C(0x1ff000);   /* bits 20:12 */
	return r;
}

/*
 * The encodings of a present entry that are invalid beyond reserved bits:
 * write without read, a reserved memory type (2, 3, 7) in a page.  True
 * means an EPT misconfiguration.  Execute-only is supported (capability
 * bit 0), so X without R is valid.
 */
static inline bool ept_misconfigured(uint64_t e, bool leaf)
{
	if ((e & EPT_W) && !(e & EPT_R))
		return true;
	if (leaf) {
		unsigned mt = (unsigned)((e & EPT_MT) >> EPT_MT_SHIFT);
		if (mt == 2 || mt == 3 || mt == 7)
			return true;
	}
	return false;
}

/* -------------------------------------------------------------- the EPTP */

#define EPTP_MT (UINT64_C(7) << 0)     /* paging-structure memory type */
#define EPTP_PWL_SHIFT 3
#define EPTP_PWL (UINT64_C(7) << 3)    /* page-walk length - 1 */
#define EPTP_AD (UINT64_C(1) << 6)     /* enable accessed/dirty flags */
#define EPTP_ADDR UINT64_C(0x000ffffffffff000) /* the EP4TA */
_Static_assert((EPTP_MT & EPTP_PWL) == 0 && ((EPTP_MT | EPTP_PWL) & EPTP_AD) == 0 &&
		       ((EPTP_MT | EPTP_PWL | EPTP_AD) & EPTP_ADDR) == 0,
	       "EPTP fields overlap");

/* KVM's construct_eptp: root | WB | PWL | A/D. */
static inline uint64_t ept_eptp(uint64_t root_pa, int levels, bool ad)
{
	return (root_pa & EPTP_ADDR) | EPT_MT_WB |
	       ((uint64_t)(levels - 1) << EPTP_PWL_SHIFT) | (ad ? EPTP_AD : 0);
}
static inline int ept_eptp_levels(uint64_t eptp)
{
	return (int)((eptp & EPTP_PWL) >> EPTP_PWL_SHIFT) + 1;
}

/* ------------------------------------- EPT-violation exit qualification */

#define EPT_QUAL_READ (UINT64_C(1) << 0)  /* the access was a read */
#define EPT_QUAL_WRITE (UINT64_C(1) << 1) /* ... a write */
#define EPT_QUAL_FETCH (UINT64_C(1) << 2) /* ... an instruction fetch */
#define EPT_QUAL_R (UINT64_C(1) << 3)     /* AND of R over the walk */
#define EPT_QUAL_W (UINT64_C(1) << 4)     /* AND of W */
#define EPT_QUAL_X (UINT64_C(1) << 5)     /* AND of X */
#define EPT_QUAL_GLA_VALID (UINT64_C(1) << 7) /* a linear address exists */
#define EPT_QUAL_FINAL (UINT64_C(1) << 8) /* 1: the final translation;
					     0: a guest paging-structure
					     entry (only with bit 7) */

/* ----------------------------------------------------------- the walker */

enum walk_fmt {
	WALK_EPT, /* Intel: root is the EPTP (levels and A/D from it) */
	WALK_NPT, /* AMD: root is nCR3, levels from the request */
};

enum walk_access { WALK_READ, WALK_WRITE, WALK_FETCH };

/* walk_2d's outcome (negative values are model errors, see walk_2d). */
enum walk_status {
	WALK_OK = 0,
	WALK_EPT_VIOLATION, /* Intel exit 48: fault.gpa, fault.qual */
	WALK_EPT_MISCONFIG, /* Intel exit 49: fault.gpa */
	WALK_NPF,           /* AMD #NPF: fault.gpa (EXITINFO2), fault.qual
			     * (EXITINFO1) */
	WALK_PML_FULL,      /* PML-full exit; nothing was set for the update
			     * that hit it, the access was not performed */
	WALK_GUEST_PF,      /* the guest's page tables fault: a #PF for the
			     * guest with fault.pf_error, fault.level and
			     * fault.pte_gpa */
};

/*
 * A page-table line cache: which 64-byte lines of page-table memory the
 * walker touched recently, to charge a near or a far latency per
 * reference.  Per pCPU; set-associative, LRU, deterministic.
 */
struct walk_cache;
/* From walk.ptc.lines / .ways: NULL in *out when lines is 0.  0, -EINVAL
 * (ways does not divide lines into a power-of-two number of sets) or
 * -ENOMEM. */
int walk_cache_create(const struct walk_params *p, struct walk_cache **out);
void walk_cache_destroy(struct walk_cache *c);

/* Counters for one machine; register once, share among vCPUs. */
#define WALK_STATS(X)                                                          \
	X(walks, "walk.walks", "walks started")                                \
	X(refs, "walk.refs", "page-table entry reads, guest and nested")       \
	X(refs_guest, "walk.refs.guest", "reads of guest page-table entries")  \
	X(refs_nested, "walk.refs.nested", "reads of EPT/NPT entries")         \
	X(refs_saved, "walk.refs_saved", "reads skipped by PSC / nested-TLB hits (levels skipped; a nested walk skipped counts its depth)") \
	X(ad_updates, "walk.ad_updates", "A/D flags set (locked updates that changed an entry)") \
	X(restarts, "walk.restarts", "walks restarted because an entry changed under an A/D update") \
	X(pml_logged, "walk.pml_logged", "GPAs logged by PML")                  \
	X(pml_full, "walk.pml_full", "walks ended by a full PML buffer")       \
	X(ept_violations, "walk.ept_violations", "walks ended by an EPT violation") \
	X(ept_misconfigs, "walk.ept_misconfigs", "walks ended by an EPT misconfiguration") \
	X(npfs, "walk.npfs", "walks ended by a #NPF")                          \
	X(guest_pfs, "walk.guest_pfs", "walks ended by a guest #PF")           \
	X(ptc_hits, "walk.ptc.hits", "walker references that hit the page-table line cache") \
	X(ptc_misses, "walk.ptc.misses", "walker references that missed it")

struct walk_stats {
#define WALK_STAT_FIELD(field, name, doc) uint64_t field;
	WALK_STATS(WALK_STAT_FIELD)
#undef WALK_STAT_FIELD
	/* "walk.refs.guest.l1" .. "l5", "walk.refs.nested.l1" .. "l5" */
	uint64_t refs_level[2][6];
	struct hist refs_per_walk; /* "walk.refs_per_walk" */
};
void walk_stats_register(struct walk_stats *ws, struct stats *st);

struct walk_req {
	enum walk_fmt fmt;
	uint64_t root;       /* EPTP, or nCR3 */
	int nested_levels;   /* NPT only: 4 or 5 (EPT reads EPTP[5:3]) */
	int guest_levels;    /* 0: no guest paging, addr is a GPA; 4 or 5 */
	uint64_t guest_cr3;  /* guest CR3 (bits 51:12 = root table GPA) */
	uint64_t addr;       /* linear address, or GPA without guest paging */
	enum walk_access access;
	bool user;           /* CPL 3 (guest paging only) */
	/*
	 * PSCs and nested TLB, probed and filled under @tlb's current
	 * context (the caller keeps it equal to the VPID/ASID, PCID and
	 * EPTP being walked), or NULL for none.
	 */
	struct tlb *tlb;
	struct pml *pml;          /* the vCPU's PML buffer, or NULL */
	struct host *host;        /* frame generations for fills, or NULL */
	struct walk_cache *ptc;   /* NULL: every reference costs @lat_ref */
	const struct walk_params *params; /* walk.*, lat.walk_ptc_*, lat.pml_log */
	cycles_t lat_ref;         /* an uncached reference (lat.walk_ref) */
	struct walk_stats *stats; /* NULL: not counted */
	int acct;                 /* cycle account charged (e.g. "walk") */
};

struct walk_fault {
	uint64_t gpa;      /* EPT violation/misconfig GPA; #NPF EXITINFO2 */
	uint64_t qual;     /* EPT exit qualification; #NPF EXITINFO1 */
	uint64_t gla;      /* the linear address (EPT_QUAL_GLA_VALID) */
	uint64_t pf_error; /* guest #PF: PF_P | PF_W | PF_U | PF_RSV | PF_ID */
	uint64_t pte_gpa;  /* guest #PF: GPA of the guest entry that faulted */
	int level;         /* level of the entry that ended the walk */
	bool guest_pt;     /* a nested fault on a guest paging-structure
			    * access (EPT qual bit 8 = 0, NPF bit 33) */
};

struct walk_res {
	enum walk_status status;
	/* WALK_OK: the translation, ready for tlb_fill(). */
	uint64_t gpa;      /* guest-physical address of the access */
	uint64_t hpa;      /* host-physical address of the access */
	uint64_t pfn;      /* its 4 KiB host frame */
	uint64_t page_gpa; /* base of the combined page (size below) */
	uint64_t page_hpa;
	uint64_t gen;      /* host_frame_gen of pfn (0 without host) */
	uint8_t size;      /* TLB_4K / TLB_2M / TLB_1G: the smaller of the
			    * guest and nested page sizes */
	uint8_t perms;     /* TLB_R|W|X|U: guest AND nested (U: guest's) */
	bool dirty;        /* D set in the guest and nested leaves (nested
			    * counts as dirty when EPT A/D is off) */
	bool global;       /* guest G bit */
	/* Always. */
	uint32_t refs;        /* entry reads, this walk */
	uint32_t refs_guest;
	uint32_t refs_nested;
	cycles_t cycles;      /* cycles charged */
	struct walk_fault fault;
};

/*
 * A walker: a request's fixed part, checked and decoded once by
 * walk_prepare() for the many walks of one vCPU between a VM entry and its
 * exit, each made by walk_run().  The fields are the walker's own (walk.c);
 * callers only hold the struct.
 */
struct pt_format;
struct walker {
	struct walk_req q;	/* guest_cr3, addr and access: the current walk's */
	struct sim *s;
	struct walk_res *res;
	struct walk_stats *st;	/* the request's, or sink */
	const struct walk_params *p;
	const struct pt_format *nf;	/* the nested format */
	int nlevels;
	uint64_t nroot;
	bool nad;		/* nested A/D flags are set (EPTP[6]; NPT always) */
	/* Reserved bits of a present entry, [guest 0 / nested 1][leaf][level]. */
	uint64_t rsvd[2][2][6];
	/* walk.refs_saved of a PSC hit at level L, [guest 0 / nested 1][L]. */
	uint64_t saved[2][6];
	unsigned pt_need;	/* nested need of a guest paging-structure access */
	/* walk_guest_fast() may take the walk; the walks it took since
	 * walk_prepare() (the tests compare it with the general way). */
	bool fast;
	uint64_t fast_walks;
	unsigned need;		/* the access's own: TLB_R, TLB_W or TLB_X */
	unsigned gneed;		/* what it needs of the guest's entries: need, U at CPL 3 */
	uint8_t *mem;		/* sim_va(s, 0): entries are at mem + pa */
	uint64_t mem_last;	/* the last address an entry may start at */
	/* Copied from the request, read on every reference. */
	struct tlb *tlb;
	struct walk_cache *ptc;
	int acct;
	cycles_t lat_ref;
	struct walk_stats sink;	/* counts nobody reads, without req->stats */
};

/*
 * Checks and decodes @req for walk_run(): 0, or -EINVAL for a malformed
 * request (levels other than 4/5, an EPTP with another walk length).
 * Everything @req points to must outlive the walks; its guest_cr3, addr
 * and access are each walk's own.
 */
int walk_prepare(struct walker *w, struct sim *s, const struct walk_req *req);

/*
 * Walks @addr for one access of kind @access under guest CR3 @guest_cr3
 * (ignored without guest paging), as walk_2d() does the request @w was
 * prepared from.
 */
int walk_run(struct walker *w, uint64_t guest_cr3, uint64_t addr,
	     enum walk_access access, struct walk_res *res);

/*
 * Walks @req->addr for one access from the current simulated thread,
 * charging every cycle of it (references, cache probes, locked A/D
 * updates, PML stores) to @req->acct.  Returns the walk_status (also in res->status), or
 * a negative model error: -EINVAL for a malformed request (levels other
 * than 4/5, an EPTP with another walk length), -EFAULT when a table
 * address lies outside simulated memory, -EAGAIN when entries kept
 * changing under the walker (1000 restarts).
 */
int walk_2d(struct sim *s, const struct walk_req *req, struct walk_res *res);

#endif
