/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TLB configuration of the default parameters (an Intel machine), for
 * tests and benchmarks: the defaults are declared once, in
 * sim/tlb/params.def, and read by the registry's parser.
 */
#ifndef TDPSIM_TESTS_TLB_DEFAULTS_H
#define TDPSIM_TESTS_TLB_DEFAULTS_H

#include <stdlib.h>

#include "scenarios/params.h"
#include "sim/tlb/tlb.h"

static inline void tlb_config_default(struct tlb_config *cfg)
{
	struct params p;
	char msg[256];

	params_defaults(&p);
	if (tlb_config_from_params(&p.tlb, TLB_VENDOR_INTEL, cfg, msg, sizeof(msg)))
		abort(); /* the defaults are impossible: fix sim/tlb/params.def */
}

#endif
