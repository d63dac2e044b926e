/* SPDX-License-Identifier: GPL-2.0-only */
/* ioapic.h: nothing of it is used on the TDP path; present so the tree's
 * includes resolve. */
#include <kshim/kvm.h>

/* 6.1's paging_tmpl.h asserts with the IOAPIC's ASSERT, which compiles to
 * nothing without DEBUG (as in a production kernel). */
#define ASSERT(x) do { (void)sizeof(!(x)); } while (0)
