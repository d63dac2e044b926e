/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coroutine switch for x86-64 System V: save the callee-saved registers on
 * the current stack, swap stack pointers, restore.  Everything else is
 * caller-saved, so the C compiler already spilled it around the call.
 *
 *   void sim_ctx_switch(void **save_sp, void *load_sp);
 *
 * A new stack is prepared by sim_ctx_init (ctx.c) so that the first switch
 * "returns" into sim_ctx_start with r12 = entry function, r13 = argument.
 */
#if defined(__x86_64__) && !defined(SIM_CTX_UCONTEXT)
	.text
	.globl	sim_ctx_switch
	.type	sim_ctx_switch, @function
sim_ctx_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	sim_ctx_switch, .-sim_ctx_switch

	.globl	sim_ctx_start
	.type	sim_ctx_start, @function
sim_ctx_start:
	movq	%r13, %rdi
	callq	*%r12
	ud2			/* the entry function never returns */
	.size	sim_ctx_start, .-sim_ctx_start
#endif
	.section .note.GNU-stack,"",@progbits
