/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/ept internals: the entry-format description the shared walker
 * interprets.  One instance per format (EPT; x86-64 long mode for NPT and
 * for guest paging), built from the bit layouts in ept.h and npt.h.
 */
#ifndef TDPSIM_SIM_EPT_WALK_INT_H
#define TDPSIM_SIM_EPT_WALK_INT_H

#include "sim/ept/ept.h"

struct pt_format {
	const char *name;
	uint64_t present; /* present if any of these bits is set */
	uint64_t addr;    /* next table, or the page */
	uint64_t ps;      /* page size, in a level-2 or level-3 entry */
	uint64_t a, d;    /* accessed (every level), dirty (pages) */
	/* Permissions: R/W/X/U are granted when their bit is set; a zero
	 * mask means granted by presence alone.  @nx denies X when set. */
	uint64_t r, w, x, u, nx;
	uint64_t g;       /* global (pages) */
	/* Reserved bits of a present entry at a level, table or page. */
	uint64_t (*rsvd)(int level, bool leaf, unsigned maxphyaddr);
	/* Other invalid encodings of a present entry, or NULL. */
	bool (*misconfigured)(uint64_t e, bool leaf);
	/* An invalid entry is an EPT misconfiguration (exit 49), not a
	 * fault with RSV set. */
	bool invalid_exits;
};

enum pte_class {
	PTE_ABSENT,  /* not present: a violation / #NPF / #PF */
	PTE_TABLE,   /* points at the next table */
	PTE_PAGE,    /* maps a page: the walk ends */
	PTE_INVALID, /* reserved bits or a misconfiguration */
};

extern const struct pt_format walk_fmt_ept, walk_fmt_x86;

#endif
