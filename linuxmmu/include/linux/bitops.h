/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/bitops.h>: provided by tdpsim's kernel shim (see linuxmmu/include/kshim/). */
#include <kshim/base.h>
