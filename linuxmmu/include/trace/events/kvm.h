/* SPDX-License-Identifier: GPL-2.0-only */
/* <trace/events/kvm.h>: provided by tdpsim's kernel shim (see linuxmmu/include/kshim/). */
#include <kshim/trace.h>
