/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/base.h — the kernel's basic vocabulary for the tree's MMU files:
 * integer types, compiler attributes, bit and mask helpers, errno values,
 * printk, and the assertions (WARN_ON*, BUG*, BUILD_BUG_ON*).
 *
 * The tree's files are compiled with -nostdinc -ffreestanding: only the
 * compiler's own headers (stdbool, stddef, stdint, stdarg) exist below
 * these.  A failed WARN or BUG does not print and go on: it becomes the
 * simulator's `kernel-warn` violation naming the tree's file:line and the
 * condition (kshim_warn), because a WARN in Linux's own code under some
 * interleaving is a finding.
 */
#ifndef KSHIM_BASE_H
#define KSHIM_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../host.h"

/* ------------------------------------------------------------------ types */

/* The same types as kvmmu/env.h and <stdint.h> (a typedef may repeat). */
typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;
typedef int32_t s32;
typedef int16_t s16;
typedef int8_t s8;
typedef u64 __u64;
typedef u32 __u32;
typedef u16 __u16;
typedef u8 __u8;
typedef s64 __s64;
typedef s32 __s32;
typedef u64 gfn_t;
typedef u64 gpa_t;
typedef u64 gva_t;
typedef u64 hpa_t;
typedef u64 hfn_t;
typedef u64 hva_t;
typedef u64 kvm_pfn_t;
typedef u64 phys_addr_t;
typedef u64 pteval_t;
typedef unsigned int gfp_t;
typedef long ssize_t;
typedef long long loff_t;
typedef int pid_t;
typedef unsigned int uint;
typedef unsigned long ulong;


/* ------------------------------------------------------------ the version */

/*
 * The tree's kernel version (linuxmmu/module.mk reads it from the tree's
 * Makefile), numbered as <linux/version.h> numbers it.  Where the kernel
 * API the tree's MMU files use differs between the versions the shim
 * supports (6.1 and 6.12), the kshim headers key the declaration on
 * LINUX_VERSION_CODE, in one commented block per header; the rest-of-KVM
 * model reaches what differs through linuxmmu/kver.h.
 */
#ifndef LKVM_TREE_VERSION_CODE
#error "LKVM_TREE_VERSION_CODE: the kernel shim is built by make linux only"
#endif
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_CODE LKVM_TREE_VERSION_CODE
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "linux older than 6.1: the kernel shim speaks the KVM API of 6.1 and 6.12"
#endif

/* ------------------------------------------------------ compiler, kconfig */

#define __KERNEL__ 1
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __must_check __attribute__((__warn_unused_result__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __unused __attribute__((__unused__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __cold __attribute__((__cold__))
#define __noreturn __attribute__((__noreturn__))
#define __init
#define __exit
#define __initdata
#define __read_mostly
#define __ro_after_init
#define __rcu
#define __user
#define __iomem
#define __percpu
#define __force
#define __bitwise
#define __weak __attribute__((__weak__))
#define __visible
#define __section(s) __attribute__((__section__(s)))
#define notrace
#define fallthrough __attribute__((__fallthrough__))
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define __cacheline_aligned
#define __cacheline_aligned_in_smp
#define ____cacheline_aligned
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define __must_be_array(a) 0
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#define container_of(ptr, type, member)                                      \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL_NS_GPL(s, ns)
#define module_param(n, t, p)
/* The kernel keeps struct kernel_param in section __param; kshim keeps
 * the ones with callbacks in kshim_param (kshim_param_set finds them). */
#define module_param_cb(n, o, a, p)                                          \
	static const struct kernel_param __kshim_param_##n                  \
		__attribute__((used, section("kshim_param"), aligned(8))) =  \
		{ .name = #n, .ops = (o), .arg = (a) }
#define module_param_named(n, v, t, p)
#define __MODULE_PARM_TYPE(n, t)
#define MODULE_PARM_DESC(n, d)
#define IS_BUILTIN(x) 0
#define IS_MODULE(x) 0
#define data_race(x) (x)
#define __is_constexpr(x) __builtin_constant_p(x)
#define static_assert(e, ...) _Static_assert(e, #e)

/*
 * Kconfig: the tree's code asks IS_ENABLED(CONFIG_X) of options; a 64-bit
 * x86 host with KVM, PROVE_MMU off (its checks compile away exactly as in a
 * production kernel).  Options not listed are off.
 */
#define CONFIG_X86_64 1
#define CONFIG_X86 1
#define CONFIG_64BIT 1
#define CONFIG_KVM 1
#define CONFIG_KVM_INTEL 1
#define CONFIG_KVM_AMD 1
#define CONFIG_KVM_X86 1
#define CONFIG_MMU_NOTIFIER 1
#define CONFIG_KVM_GENERIC_MMU_NOTIFIER 1
#define CONFIG_HAVE_KVM_DIRTY_RING 1
/* Write tracking for external users (KVMGT selects it; Debian's kernels
 * have it): the VMM model is such a user when a scenario tracks a gfn. */
#define CONFIG_KVM_EXTERNAL_WRITE_TRACKING 1
#define CONFIG_SMP 1
#define CONFIG_PGTABLE_LEVELS 5
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)
#define IS_REACHABLE(option) __is_defined(option)

/* ------------------------------------------------------------ bits, math */

#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#define PTR_ALIGN(p, a) ((typeof(p))ALIGN((unsigned long)(p), (a)))
#define round_up(x, y) ((((x) - 1) | ((typeof(x))(y) - 1)) + 1)
#define round_down(x, y) ((x) & ~((typeof(x))(y) - 1))
#define is_power_of_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))
#define U8_MAX ((u8)~0U)
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))
#define INT_MAX ((int)(~0U >> 1))
#define UINT_MAX (~0U)
#define USHRT_MAX ((unsigned short)~0U)
#define LONG_MAX ((long)(~0UL >> 1))
#define ULONG_MAX (~0UL)
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b) ({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define swap(a, b) do { typeof(a) _t = (a); (a) = (b); (b) = _t; } while (0)
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define __ffs(x) ((unsigned long)__builtin_ctzl(x))
#define __ffs64(x) ((unsigned long)__builtin_ctzll(x))
#define __fls(x) ((unsigned long)(63 - __builtin_clzl(x)))
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int ffs(int x) { return __builtin_ffs(x); }
static inline unsigned long hweight64(u64 w) { return (unsigned long)__builtin_popcountll(w); }
#define hweight_long(w) hweight64(w)

static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}
static inline void __set_bit(long nr, volatile unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}
static inline void __clear_bit(long nr, volatile unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}
#define set_bit(nr, addr) __set_bit(nr, addr)
#define clear_bit(nr, addr) __clear_bit(nr, addr)
static inline bool __test_and_set_bit(long nr, volatile unsigned long *addr)
{
	bool old = test_bit(nr, addr);
	__set_bit(nr, addr);
	return old;
}
static inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	bool old = test_bit(nr, addr);
	__clear_bit(nr, addr);
	return old;
}
#define test_and_set_bit(nr, a) __test_and_set_bit(nr, a)
#define test_and_clear_bit(nr, a) __test_and_clear_bit(nr, a)
unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset);
unsigned long find_first_bit(const unsigned long *addr, unsigned long size);
#define for_each_set_bit(bit, addr, size)                                    \
	for ((bit) = find_first_bit((addr), (size)); (bit) < (size);          \
	     (bit) = find_next_bit((addr), (size), (bit) + 1))
static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	__builtin_memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(long));
}

/* ------------------------------------------------------------------ errno */

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOPNOTSUPP 95
#define ENOTSUPP 524 /* the kernel's own, not uapi */
#define EHWPOISON 133
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

/* ------------------------------------------------------- string, memory */

#define memset __builtin_memset
#define memcpy __builtin_memcpy
#define memcmp __builtin_memcmp
#define memmove __builtin_memmove
#define strlen __builtin_strlen
#define memchr_inv kshim_memchr_inv
void *kshim_memchr_inv(const void *p, int c, size_t n);

/* ----------------------------------------------------------------- printk */

#define KERN_ERR ""
#define KERN_WARNING ""
#define KERN_INFO ""
#define KERN_DEBUG ""
#define KERN_CONT ""
int kshim_printk(const char *fmt, ...);
#define printk(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define printk_once(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
/* libc's, which formats as the kernel's does for what the MMU prints
 * (module parameter getters). */
int sprintf(char *buf, const char *fmt, ...) __printf(2, 3);
#define pr_warn_ratelimited(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) ((void)0)
#define pr_info_ratelimited(fmt, ...) ((void)0)
#define pr_debug(fmt, ...) ((void)0)
#define pr_devel(fmt, ...) ((void)0)
#define pr_cont(fmt, ...) ((void)0)
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define dump_stack() ((void)0)

/* ------------------------------------------------------------- assertions */

/*
 * Reports a failed kernel assertion (WARN_ON, KVM_BUG_ON, BUG, a lockdep
 * assert) at @file:@line with the condition text; the simulator turns it
 * into the kernel-warn violation.  @fatal: BUG()-class, the run stops.
 */
void kshim_warn(const char *file, int line, const char *cond, bool fatal);
/* A kernel function the model does not implement was reached: the run
 * stops with exit 1 naming it. */
__noreturn void kshim_unimplemented(const char *fn);

#define WARN_ON(cond) ({                                                     \
	bool __c = !!(cond);                                                 \
	if (unlikely(__c))                                                   \
		kshim_warn(__FILE__, __LINE__, #cond, false);                \
	unlikely(__c);                                                       \
})
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define WARN(cond, fmt...) ({                                                \
	bool __c = !!(cond);                                                 \
	if (unlikely(__c))                                                   \
		kshim_warn(__FILE__, __LINE__, #cond, false);                \
	unlikely(__c);                                                       \
})
#define WARN_ONCE(cond, fmt...) WARN(cond, fmt)
#define WARN_ON_SMP(cond) WARN_ON(cond)
#define BUG() kshim_warn(__FILE__, __LINE__, "BUG()", true)
#define BUG_ON(cond) do { if (unlikely(cond)) kshim_warn(__FILE__, __LINE__, #cond, true); } while (0)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#define BUILD_BUG_ON_INVALID(e) ((void)(sizeof((__force long)(e))))
#define BUILD_BUG() do { } while (0)
#define might_sleep() do { } while (0)
#define might_fault() do { } while (0)

#endif
