/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every make bench program shares: the one line a figure prints.
 *
 *	bench NAME VALUE UNIT goal OP GOAL	a figure with a goal
 *	bench NAME VALUE UNIT goal none		a figure measured, not judged
 *
 * The first four fields are the contract scripts read (DESIGN.md §9); the
 * goal follows so that a reader sees at once whether the figure meets it.
 */
#ifndef TDPSIM_BENCH_BENCH_H
#define TDPSIM_BENCH_BENCH_H

#include <stdio.h>

/* Prints one figure; @op is ">=" or "<=", or NULL for no goal.  The value
 * is printed with @prec decimals. */
static inline void bench_print(const char *name, double value, int prec,
			       const char *unit, const char *op, double goal)
{
	if (op)
		printf("bench %s %.*f %s goal %s %.*f\n", name, prec, value, unit,
		       op, prec, goal);
	else
		printf("bench %s %.*f %s goal none\n", name, prec, value, unit);
	fflush(stdout);
}

#endif /* TDPSIM_BENCH_BENCH_H */
