/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenarios/params.h — the registry: every parameter of a run.
 *
 * Each component declares its own parameters in its own .def (the format is
 * in sim/core/params.def) and reads only its own block:
 *
 *	sim/core/params.def             struct core_params   sim.*, host.mem, lat.load ...
 *	sim/cpu/params.def, costs.def   struct cpu_params    cpu.*, svm.*, guest.*, vm.*, lat.*
 *	sim/tlb/params.def              struct tlb_params    tlb.*
 *	sim/host/params.def             struct host_params   host.*, lat.host.*
 *	sim/ept/params.def              struct walk_params   walk.*, lat.walk_ptc_*, lat.pml_log
 *	scenarios/vmm.def               (here)               vmm.*
 *	kvmmu/policy.def                struct kvmmu_policy  mmu.*, svm.asid, vmx.* ...
 *
 * This file, above all of them, gathers the blocks into struct params and
 * one table of keys (in the order of the includes below, which is the order
 * of `tdpsim config --defaults` and of a result's "config"), and holds the
 * one parser of parameter text.  Each block is a union of the component's
 * named struct and the same fields unnamed: a run's code writes p->cpu_vcpus,
 * and hands a component its block, &p->cpu.
 */
#ifndef TDPSIM_SCENARIOS_PARAMS_H
#define TDPSIM_SCENARIOS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "kvmmu/kvmmu.h"
#include "sim/core/core.h"
#include "sim/cpu/cpu.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/tlb/tlb.h"

#define PARAM_U64(field, key, def, unit, doc, src) uint64_t field;
#define PARAM_ENUM(field, key, def, values, doc, src) int field;
struct params {
	union {
		struct core_params core;
		struct {
#include "sim/core/params.def"
		};
	};
	union {
		struct cpu_params cpu;
		struct {
#include "sim/cpu/params.def"
#include "sim/cpu/costs.def"
		};
	};
	union {
		struct tlb_params tlb;
		struct {
#include "sim/tlb/params.def"
		};
	};
	union {
		struct host_params host;
		struct {
#include "sim/host/params.def"
		};
	};
	union {
		struct walk_params walk;
		struct {
#include "sim/ept/params.def"
		};
	};
	union {
		struct kvmmu_policy mmu;
		struct {
#include "kvmmu/policy.def"
		};
	};
#include "scenarios/vmm.def"
};
#undef PARAM_U64
#undef PARAM_ENUM

/* The value constants of the VMM's keys and of kvmmu's policies without
 * kvmmu's KVMMU_ prefix (DIRTY_LOG_RING = KVMMU_DIRTY_LOG_RING). */
#define PARAM_ENUM_CONST(id, text) id,
#define PARAM_U64(field, key, def, unit, doc, src)
#define PARAM_ENUM(field, key, def, values, doc, src) \
	enum { values(PARAM_ENUM_CONST) };
#include "kvmmu/policy.def"
#include "scenarios/vmm.def"
#undef PARAM_U64
#undef PARAM_ENUM
#undef PARAM_ENUM_CONST

enum param_type { PARAM_T_U64, PARAM_T_ENUM };
struct param_desc {
	const char *key;
	enum param_type type;
	const char *def;    /* default, as text */
	const char *unit;   /* U64: unit; ENUM: "a|b|c|" */
	const char *doc;
	const char *source; /* where the default comes from */
	size_t offset;      /* in struct params */
};

void params_defaults(struct params *p);
/*
 * Replaces the defaults of some keys for the rest of the process: @kv is a
 * NULL-terminated list of "key=value" (the command passes the MMU's fixed
 * policies: a Linux MMU build starts from what its kernel tree does).
 * Kept by reference.  params_default_text() is a key's default with them.
 */
void params_override_defaults(const char *const *kv);
const char *params_default_text(const struct param_desc *d);
size_t params_count(void);
const struct param_desc *params_desc(size_t i);
const struct param_desc *params_find(const char *key);
/*
 * Sets @key from text.  Returns 0, or -1 with a message in @err naming the
 * key and, for a bad value, the accepted values.  U64 values take K/M/G/T
 * suffixes (powers of 1024) and 0x prefixes (sim_parse_size).
 */
int params_set(struct params *p, const char *key, const char *value,
	       char *err, size_t errlen);
/* Current value as text (enum name or decimal). */
void params_get(const struct params *p, const struct param_desc *d, char *buf,
		size_t len);
/* Cross-key checks (impossible geometries); 0 or -1 with a message. */
int params_validate(const struct params *p, char *err, size_t errlen);
/*
 * 0 if @p holds every "key=value" of the NULL-terminated @fixed (the
 * running MMU's kvm_mmu_fixed_policy(), NULL for none); else -1 and @err
 * names the first key that differs and the value @mmu_name's code has.
 */
int params_check_fixed(const struct params *p, const char *const *fixed,
		       const char *mmu_name, char *err, size_t errlen);

#endif
