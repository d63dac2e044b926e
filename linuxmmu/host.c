// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/host.c — the only file of the Linux MMU build that sees libc.
 *
 * The tree's files and tdpsim's kernel shim are compiled as kernel code
 * (-nostdinc, kernel headers only); what they need of the host process —
 * heap memory, a message on stderr, the end of the process — comes through
 * these few functions (kshim/base.h declares them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "linuxmmu/host.h"

void *kshim_host_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "tdpsim: out of memory in the Linux MMU's allocator\n");
		exit(2);
	}
	return p;
}

void *kshim_host_realloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q) {
		fprintf(stderr, "tdpsim: out of memory in the Linux MMU's allocator\n");
		exit(2);
	}
	return q;
}

void kshim_host_free(const void *p)
{
	free((void *)p);
}

int kshim_host_vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

void kshim_host_die(const char *what)
{
	fprintf(stderr, "tdpsim: %s\n", what);
	exit(1);
}
