// SPDX-License-Identifier: GPL-2.0-only
/*
 * The #NPF error code: where AMD nested paging differs from EPT.  The
 * x86-64 format's reserved encodings are inline in npt.h.
 */
#include "sim/npt/npt.h"

uint64_t npt_exitinfo1(bool present, bool rsvd, bool write, bool fetch,
		       bool final)
{
	/* A reserved-bit fault is reported with P set: the entry was there. */
	return (present || rsvd ? PF_P : 0) | (rsvd ? PF_RSV : 0) |
	       (write ? PF_W : 0) | PF_U | (fetch ? PF_ID : 0) |
	       (final ? NPF_FINAL : NPF_GUEST_PT);
}
