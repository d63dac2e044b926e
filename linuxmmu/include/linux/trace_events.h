/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/trace_events.h>: provided by tdpsim's kernel shim (see linuxmmu/include/kshim/). */
#include <kshim/trace.h>
