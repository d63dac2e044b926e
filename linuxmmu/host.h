/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxmmu/host.h — libc for kernel-world code: heap, stderr, exit.
 * Included by host.c (libc world) and by kshim/base.h (kernel world), so
 * both sides agree on the prototypes.
 */
#ifndef TDPSIM_LINUXMMU_HOST_H
#define TDPSIM_LINUXMMU_HOST_H

#include <stdarg.h>
#include <stddef.h>

/* Zeroed; a failed allocation ends the process with exit 2 and a message. */
void *kshim_host_calloc(size_t n, size_t size);
void *kshim_host_realloc(void *p, size_t size);
void kshim_host_free(const void *p);
int kshim_host_vprintf(const char *fmt, va_list ap);
/* Ends the process with exit 1 after printing "tdpsim: WHAT". */
void kshim_host_die(const char *what) __attribute__((__noreturn__));

#endif
