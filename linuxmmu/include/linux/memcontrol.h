/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/memcontrol.h>: provided by tdpsim's kernel shim (see linuxmmu/include/kshim/). */
#include <kshim/kvm.h>
