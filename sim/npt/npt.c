/*
 * The x86-64 long-mode format's reserved encodings and the #NPF error code:
 * where AMD nested paging (and the guest's own paging) differs from EPT.
 */
#include "sim/npt/npt.h"

/* Bits 51:@maxphyaddr of an address field. */
static uint64_t addr_rsvd(unsigned maxphyaddr)
{
	if (maxphyaddr >= 52)
		return 0;
	return X86_PTE_ADDR & ~((UINT64_C(1) << maxphyaddr) - 1);
}

uint64_t x86_pte_rsvd(int level, bool leaf, unsigned maxphyaddr)
{
	uint64_t r = addr_rsvd(maxphyaddr);
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

uint64_t npt_exitinfo1(bool present, bool rsvd, bool write, bool fetch,
		       bool final)
{
	/* A reserved-bit fault is reported with P set: the entry was there. */
	return (present || rsvd ? PF_P : 0) | (rsvd ? PF_RSV : 0) |
	       (write ? PF_W : 0) | PF_U | (fetch ? PF_ID : 0) |
	       (final ? NPF_FINAL : NPF_GUEST_PT);
}
