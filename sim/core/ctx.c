// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stack preparation for coroutines.  On x86-64 the switch is the assembly in
 * ctx_x86_64.S; elsewhere (or with -DSIM_CTX_UCONTEXT) it falls back to
 * ucontext, which is slower (a signal-mask syscall per switch) but portable.
 */
#include "sim/core/core_int.h"

#include <stdint.h>

#if defined(__x86_64__) && !defined(SIM_CTX_UCONTEXT)

void sim_ctx_start(void);

void *sim_ctx_init(void *stack, size_t len, void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack + len) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)top - 7;

	/* Popped by sim_ctx_switch in this order: r15 r14 r13 r12 rbx rbp,
	 * then ret lands on sim_ctx_start with rsp == top (16-aligned), so
	 * its call leaves the callee with the ABI's entry alignment. */
	sp[0] = 0;                        /* r15 */
	sp[1] = 0;                        /* r14 */
	sp[2] = (uint64_t)(uintptr_t)arg; /* r13 */
	sp[3] = (uint64_t)(uintptr_t)entry; /* r12 */
	sp[4] = 0;                        /* rbx */
	sp[5] = 0;                        /* rbp */
	sp[6] = (uint64_t)(uintptr_t)sim_ctx_start;
	return sp;
}

#else
#include <stdlib.h>
#include <ucontext.h>

/* The saved "stack pointer" is a ucontext_t living at the top of the stack. */
struct uctx {
	ucontext_t uc;
};

static void uctx_tramp(unsigned hi, unsigned lo, unsigned ehi, unsigned elo)
{
	void *arg = (void *)(((uintptr_t)hi << 32) | lo);
	void (*entry)(void *) =
		(void (*)(void *))(((uintptr_t)ehi << 32) | elo);
	entry(arg);
	abort();
}

void *sim_ctx_init(void *stack, size_t len, void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack + len - sizeof(struct uctx)) & ~(uintptr_t)63;
	struct uctx *u = (struct uctx *)top;
	uintptr_t a = (uintptr_t)arg, e = (uintptr_t)entry;

	getcontext(&u->uc);
	u->uc.uc_stack.ss_sp = stack;
	u->uc.uc_stack.ss_size = (size_t)(top - (uintptr_t)stack);
	u->uc.uc_link = NULL;
	makecontext(&u->uc, (void (*)(void))uctx_tramp, 4,
		    (unsigned)(a >> 32), (unsigned)a, (unsigned)(e >> 32),
		    (unsigned)e);
	return u;
}

void sim_ctx_switch(void **save_sp, void *load_sp)
{
	struct uctx self;
	*save_sp = &self;
	swapcontext(&self.uc, &((struct uctx *)load_sp)->uc);
}
#endif
