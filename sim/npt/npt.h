/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/npt — AMD nested paging: the x86-64 long-mode entry format and the
 * #NPF exit information.
 *
 * NPT tables use exactly the x86-64 long-mode page-table entry format (APM
 * Vol. 2 §15.25), so this one bit layout serves three users: the nested
 * walk under nCR3, the guest's own 4- and 5-level page tables (on either
 * vendor), and the minimal guest OS that writes those tables.  The walk
 * itself is the shared walker of sim/ept (ept.h: walk_2d); the differences
 * live here as data and two pure functions: which encodings are reserved
 * (a #NPF or #PF with RSV, never a misconfiguration: AMD has none), and how
 * an #NPF's EXITINFO1 is encoded.
 *
 * Facts (KVM_FACTS C): the hardware always sets nested A and D; every guest
 * access is a user access at the nested level, so a nested entry needs US;
 * KVM treats guest page-table accesses as user writes at the nested level.
 */
#ifndef TDPSIM_SIM_NPT_H
#define TDPSIM_SIM_NPT_H

#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------- x86-64 long-mode entry format */

#define X86_PTE_P (UINT64_C(1) << 0)    /* present */
#define X86_PTE_RW (UINT64_C(1) << 1)   /* writable */
#define X86_PTE_US (UINT64_C(1) << 2)   /* user accessible */
#define X86_PTE_PWT (UINT64_C(1) << 3)
#define X86_PTE_PCD (UINT64_C(1) << 4)
#define X86_PTE_A (UINT64_C(1) << 5)    /* accessed, every level */
#define X86_PTE_D (UINT64_C(1) << 6)    /* dirty, leaves */
#define X86_PTE_PS (UINT64_C(1) << 7)   /* large page in a PDPTE or PDE;
					 * PAT in a PTE */
#define X86_PTE_G (UINT64_C(1) << 8)    /* global, leaves (ignored in NPT) */
#define X86_PTE_AVL (UINT64_C(7) << 9)  /* ignored: software */
#define X86_PTE_ADDR UINT64_C(0x000ffffffffff000) /* bits 51:12 */
#define X86_PTE_HI_AVL (UINT64_C(0x7ff) << 52)   /* ignored (PK 62:59) */
#define X86_PTE_NX (UINT64_C(1) << 63)  /* no execute (EFER.NXE=1) */

/* The masks tile the 64 bits without overlap: their sum equals their union
 * (a shared bit would carry) and the union is every bit. */
_Static_assert((X86_PTE_P + X86_PTE_RW + X86_PTE_US + X86_PTE_PWT +
		X86_PTE_PCD + X86_PTE_A + X86_PTE_D + X86_PTE_PS + X86_PTE_G +
		X86_PTE_AVL + X86_PTE_ADDR + X86_PTE_HI_AVL) ==
		       (X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PWT |
			X86_PTE_PCD | X86_PTE_A | X86_PTE_D | X86_PTE_PS |
			X86_PTE_G | X86_PTE_AVL | X86_PTE_ADDR | X86_PTE_HI_AVL),
	       "x86 PTE masks overlap");
_Static_assert(((X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PWT |
		 X86_PTE_PCD | X86_PTE_A | X86_PTE_D | X86_PTE_PS | X86_PTE_G |
		 X86_PTE_AVL | X86_PTE_ADDR | X86_PTE_HI_AVL) &
		X86_PTE_NX) == 0,
	       "x86 PTE NX overlaps");
_Static_assert((X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PWT |
		X86_PTE_PCD | X86_PTE_A | X86_PTE_D | X86_PTE_PS | X86_PTE_G |
		X86_PTE_AVL | X86_PTE_ADDR | X86_PTE_HI_AVL | X86_PTE_NX) ==
		       UINT64_MAX,
	       "x86 PTE masks leave bits undescribed");

/*
 * Reserved bits of a present entry at @level (1 = PTE ... 5 = PML5E), for
 * a table pointer (@leaf false) or a page (@leaf true), with physical
 * addresses of @maxphyaddr bits: bits 51:MAXPHYADDR everywhere, PS in a
 * PML4E/PML5E, and the address bits below a large page's alignment
 * (except PAT, bit 12).  EFER.NXE is 1, so NX is never reserved.  Inline:
 * the walker applies it to every guest and NPT entry it reads.
 */
static inline uint64_t x86_pte_rsvd(int level, bool leaf, unsigned maxphyaddr)
{
	/* Bits 51:@maxphyaddr of the address field. */
	uint64_t r = maxphyaddr >= 52
			     ? 0
			     : X86_PTE_ADDR & ~((UINT64_C(1) << maxphyaddr) - 1);
	/* A PML4E or PML5E can't map a page: PS there is reserved. */
	if (level >= 4)
		return r | X86_PTE_PS;
	/* A large page's address must be aligned; bit 12 is its PAT bit. */
	if (leaf && level == 3)
		r |= UINT64_C(0x3fffe000); /* bits 29:13 */
	else if (leaf && level == 2)
		r |= UINT64_C(0x1fe000);   /* bits 20:13 */
	return r;
}

/* ------------------------------------------------- nCR3 and the #NPF exit */

/* nCR3: bits 51:12 hold the root table; the depth follows the host paging
 * mode (4 or 5 levels), which the walk request carries. */
static inline uint64_t npt_ncr3(uint64_t root_pa)
{
	return root_pa & X86_PTE_ADDR;
}

/*
 * EXITINFO1 of a #NPF: a #PF-style error code plus where the fault
 * happened (PFERR_GUEST_FINAL_MASK / PFERR_GUEST_PAGE_MASK in KVM).
 * EXITINFO2 is the faulting GPA.  The same low bits are the guest's own
 * #PF error code.
 */
#define PF_P (UINT64_C(1) << 0)   /* the entry was present: a protection fault */
#define PF_W (UINT64_C(1) << 1)   /* the access was a write */
#define PF_U (UINT64_C(1) << 2)   /* the access was a user access */
#define PF_RSV (UINT64_C(1) << 3) /* a reserved bit was set */
#define PF_ID (UINT64_C(1) << 4)  /* the access was an instruction fetch */
#define NPF_FINAL (UINT64_C(1) << 32)    /* translating the final GPA */
#define NPF_GUEST_PT (UINT64_C(1) << 33) /* translating a guest page-table
					   * entry's GPA */
_Static_assert(((PF_P | PF_W | PF_U | PF_RSV | PF_ID) &
		(NPF_FINAL | NPF_GUEST_PT)) == 0 &&
		       (NPF_FINAL & NPF_GUEST_PT) == 0,
	       "NPF error-code bits overlap");

/*
 * Encodes EXITINFO1.  @present: the failing nested entry was present
 * (permissions or reserved bits, not absence); @rsvd: reserved bits;
 * @write / @fetch: the access kind at the nested level (guest page-table
 * accesses are user writes); @final: the final GPA (else a guest
 * paging-structure access).  Nested accesses are always user accesses.
 */
uint64_t npt_exitinfo1(bool present, bool rsvd, bool write, bool fetch,
		       bool final);

#endif
