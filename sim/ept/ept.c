/*
 * The EPT format's validity rules (SDM §28.2.3.1, "EPT misconfigurations"):
 * where EPT differs from the x86-64 format it otherwise resembles.
 */
#include "sim/ept/ept.h"

uint64_t ept_rsvd(int level, bool leaf, unsigned maxphyaddr)
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

bool ept_misconfigured(uint64_t e, bool leaf)
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
