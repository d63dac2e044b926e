/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/trace.h — tracepoints count.  TRACE_EVENT and DEFINE_EVENT become
 * inline trace_NAME() functions that count the event (their arguments are
 * type-checked and dropped, except for the events with a hook below, whose
 * arguments go to kshim_hook_NAME()): the kernel's own instrumentation is
 * how the rest-of-KVM model offers stats such as kvm.huge_splits without
 * touching the tree's code.  Events of headers outside the tree's mmu/
 * folder are argument-swallowing macros.
 */
#ifndef KSHIM_TRACE_H
#define KSHIM_TRACE_H

#include <kshim/base.h>

#define TP_PROTO(args...) args
#define TP_ARGS(args...) args
#define TP_CONDITION(args...) args
/* One per event and translation unit; kshim_trace_hit() finds the
 * event's counter by name once per VM (@gen: the VM it looked for). */
struct kshim_tracepoint {
	const char *name;
	u64 *count;
	unsigned long gen;
};
void kshim_trace_hit(struct kshim_tracepoint *tp);
/* Events whose arguments the model reads (KSHIM_HOOKED_NAME defined to 1):
 * every SPTE change the TDP MMU makes (handle_changed_spte). */
#define KSHIM_HOOKED_kvm_tdp_mmu_spte_changed 1
void kshim_hook_kvm_tdp_mmu_spte_changed(int as_id, u64 gfn, int level, u64 old_spte,
					 u64 new_spte);
#define KSHIM_HOOK_0(name, args...)
#define KSHIM_HOOK_1(name, args...) kshim_hook_##name(args)
#define KSHIM_HOOK_SEL_(hooked) KSHIM_HOOK_##hooked
#define KSHIM_HOOK_SEL(hooked) KSHIM_HOOK_SEL_(hooked)
#define KSHIM_TRACE_FN(name, proto, args)                                    \
	static inline void trace_##name(proto)                               \
	{                                                                    \
		static struct kshim_tracepoint tp = { #name, 0, 0 };          \
		kshim_trace_hit(&tp);                                        \
		KSHIM_HOOK_SEL(__is_defined(KSHIM_HOOKED_##name))(name, args); \
	}                                                                    \
	static inline bool trace_##name##_enabled(void) { return false; }
#define TRACE_EVENT(name, proto, args, tstruct, assign, print)               \
	KSHIM_TRACE_FN(name, PARAMS(proto), PARAMS(args))
#define TRACE_EVENT_CONDITION(name, proto, args, cond, tstruct, assign, print) \
	TRACE_EVENT(name, PARAMS(proto), PARAMS(args), tstruct, assign, print)
#define PARAMS(args...) args
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)                            \
	KSHIM_TRACE_FN(name, PARAMS(proto), PARAMS(args))
#define DEFINE_EVENT_PRINT(template, name, proto, args, print)               \
	DEFINE_EVENT(template, name, PARAMS(proto), PARAMS(args))
#define TRACE_DEFINE_ENUM(a) _Static_assert(1, "")
#define TRACE_DEFINE_SIZEOF(a) _Static_assert(1, "")

#define trace_kvm_page_fault(...) do { } while (0)
#define trace_kvm_try_async_get_page(...) do { } while (0)
#define trace_kvm_async_pf_repeated_fault(...) do { } while (0)
#define trace_kvm_async_pf_ready(...) do { } while (0)
#define trace_kvm_mmu_invalidate_gpa(...) do { } while (0)

struct trace_seq;
#endif
