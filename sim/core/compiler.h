/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/core/compiler.h — the compiler helpers every folder but kvmmu shares
 * (kvmmu, which includes only its own headers, spells the kernel's in
 * kvmmu/kvm_host.h).
 *
 *   likely(x), unlikely(x)  branch hints for the hot paths
 *   ARRAY_SIZE(a)           elements of an array; a pointer does not build
 */
#ifndef TDPSIM_SIM_CORE_COMPILER_H
#define TDPSIM_SIM_CORE_COMPILER_H

#include <stddef.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* 0, as a size_t; fails to compile when @a is a pointer rather than an
 * array (the two have the same type only then). */
#define ARRAY_SIZE_CHECK_(a)							\
	(0 * sizeof(struct {							\
		_Static_assert(!__builtin_types_compatible_p(__typeof__(a),	\
							     __typeof__(&(a)[0])), \
			       "ARRAY_SIZE of a pointer");			\
		char c_;							\
	}))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + ARRAY_SIZE_CHECK_(a))

#endif
