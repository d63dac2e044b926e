/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/core/params_block.h — a component's parameters as a struct.
 *
 * Every component declares its own parameters in its own params.def (the
 * format is described in sim/core/params.def).  Its public header expands
 * that file into the component's block with:
 *
 *	#define PARAMS_DEF "sim/tlb/params.def"
 *	#define PARAMS_STRUCT tlb_params
 *	#include "sim/core/params_block.h"
 *
 * which defines struct tlb_params (a uint64_t per PARAM_U64, an int per
 * PARAM_ENUM holding the index of its value) and the enum constants of its
 * value lists.  PARAMS_DEF2 names an optional second file of the same
 * block.  The component reads only its block; the registry above every
 * component (scenarios/params.h) gathers the blocks into the run's struct
 * params and its table of keys, and is the only place that parses text.
 * No include guard: included once per block.
 */
#if !defined(PARAMS_DEF) || !defined(PARAMS_STRUCT)
#error "define PARAMS_DEF and PARAMS_STRUCT before including sim/core/params_block.h"
#endif

#include <stdint.h>

#define PARAM_U64(field, key, def, unit, doc, src) uint64_t field;
#define PARAM_ENUM(field, key, def, values, doc, src) int field;
struct PARAMS_STRUCT {
#include PARAMS_DEF
#ifdef PARAMS_DEF2
#include PARAMS_DEF2
#endif
};
#undef PARAM_U64
#undef PARAM_ENUM

#define PARAM_ENUM_CONST(id, text) id,
#define PARAM_U64(field, key, def, unit, doc, src)
#define PARAM_ENUM(field, key, def, values, doc, src) \
	enum { values(PARAM_ENUM_CONST) };
#include PARAMS_DEF
#ifdef PARAMS_DEF2
#include PARAMS_DEF2
#endif
#undef PARAM_U64
#undef PARAM_ENUM
#undef PARAM_ENUM_CONST

#undef PARAMS_DEF
#undef PARAMS_DEF2
#undef PARAMS_STRUCT
