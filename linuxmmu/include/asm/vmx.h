/* SPDX-License-Identifier: GPL-2.0-only */
/* <asm/vmx.h>: provided by tdpsim's kernel shim (see linuxmmu/include/kshim/). */
#include <kshim/vmx.h>
