/* SPDX-License-Identifier: GPL-2.0-only */
/* smm.h: nothing of it is used on the TDP path; present so the tree's
 * includes resolve. */
#include <kshim/kvm.h>
