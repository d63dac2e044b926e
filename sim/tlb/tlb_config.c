/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLB configuration: struct tlb_config from struct tlb_params, and the
 * geometry checks. The keys, defaults and accepted values are declared once,
 * in sim/tlb/params.def; nothing here parses text.
 */
#include "sim/tlb/tlb_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * X(id, field prefix in struct tlb_params, prefix of its value constants). The
 * mapping from params.def's fields to the structures, not a declaration of
 * parameters.
 */
#define TLB_SIZED_ARRAYS(X)				\
	X(TLB_L1D, tlb_l1d, TLB_L1D)			\
	X(TLB_L1I, tlb_l1i, TLB_L1I)			\
	X(TLB_L2, tlb_l2, TLB_L2)			\
	X(TLB_NTLB, tlb_ntlb, TLB_NTLB)
#define TLB_PSC_ARRAYS(X)					\
	X(TLB_GPSC_PDE, tlb_psc_pde, TLB_PSC_PDE)		\
	X(TLB_GPSC_PDPTE, tlb_psc_pdpte, TLB_PSC_PDPTE)		\
	X(TLB_GPSC_PML4E, tlb_psc_pml4e, TLB_PSC_PML4E)		\
	X(TLB_GPSC_PML5E, tlb_psc_pml5e, TLB_PSC_PML5E)		\
	X(TLB_NPSC_PDE, tlb_npsc_pde, TLB_NPSC_PDE)		\
	X(TLB_NPSC_PDPTE, tlb_npsc_pdpte, TLB_NPSC_PDPTE)	\
	X(TLB_NPSC_PML4E, tlb_npsc_pml4e, TLB_NPSC_PML4E)	\
	X(TLB_NPSC_PML5E, tlb_npsc_pml5e, TLB_NPSC_PML5E)

/* A .sizes value's index is its page-size mask (params.def orders them so). */
#define TLB_SIZES_ORDER(id, f, P)						\
	_Static_assert(P##_SIZES_NONE == 0 && P##_SIZES_4K == TLB_4K &&		\
		       P##_SIZES_2M == TLB_2M && P##_SIZES_4K_2M == (TLB_4K | TLB_2M) && \
		       P##_SIZES_1G == TLB_1G && P##_SIZES_4K_1G == (TLB_4K | TLB_1G) && \
		       P##_SIZES_2M_1G == (TLB_2M | TLB_1G) &&			\
		       P##_SIZES_4K_2M_1G == TLB_SIZES,				\
		       #P "_SIZES: the value index must be the page-size mask");
TLB_SIZED_ARRAYS(TLB_SIZES_ORDER)
#undef TLB_SIZES_ORDER

/* A count the model keeps in 32 bits, within its limit. */
static int count(uint64_t v, uint32_t limit, uint32_t *out, enum tlb_array_id id,
		 const char *what, char *msg, size_t msglen)
{
	if (v > limit) {
		snprintf(msg, msglen, "tlb.%s.%s=%llu exceeds the limit %u",
			 tlb_array_name(id), what, (unsigned long long)v, limit);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int array_from(struct tlb_config *cfg, enum tlb_array_id id, uint64_t entries,
		      uint64_t ways, uint64_t latency, bool plru, int sizes, char *msg,
		      size_t msglen)
{
	struct tlb_array_config *c = &cfg->a[id];

	if (count(entries, TLB_MAX_ENTRIES, &c->entries, id, "entries", msg, msglen) ||
	    count(ways, TLB_MAX_WAYS, &c->ways, id, "ways", msg, msglen) ||
	    count(latency, UINT32_MAX, &c->latency, id, "latency", msg, msglen))
		return -EINVAL;
	c->repl = plru ? TLB_REPL_PLRU : TLB_REPL_LRU;
	c->sizes = (uint8_t)sizes;
	return 0;
}

int tlb_config_from_params(const struct tlb_params *p, enum tlb_vendor vendor,
			   struct tlb_config *cfg, char *msg, size_t msglen)
{
	*cfg = (struct tlb_config){
		.vendor = vendor,
		.l2_mode = p->tlb_l2_mode == TLB_L2_MODE_VICTIM ? TLB_L2_VICTIM : TLB_L2_FILL,
		.psc = p->tlb_psc == TLB_PSC_ON,
		.hv_enlightened_npt_tlb =
			p->svm_hv_enlightened_npt_tlb == SVM_HV_ENLIGHTENED_NPT_TLB_ON,
	};
#define TLB_SIZED_FROM(id, f, P)						\
	if (array_from(cfg, id, p->f##_entries, p->f##_ways, p->f##_latency,	\
		       p->f##_repl == P##_REPL_PLRU, p->f##_sizes, msg, msglen))	\
		return -EINVAL;
#define TLB_PSC_FROM(id, f, P)							\
	if (array_from(cfg, id, p->f##_entries, p->f##_ways, p->f##_latency,	\
		       p->f##_repl == P##_REPL_PLRU, 0, msg, msglen))		\
		return -EINVAL;
	TLB_SIZED_ARRAYS(TLB_SIZED_FROM)
	TLB_PSC_ARRAYS(TLB_PSC_FROM)
#undef TLB_SIZED_FROM
#undef TLB_PSC_FROM
	return tlb_config_validate(cfg, msg, msglen);
}

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

#define BAD(...)						\
	do {							\
		snprintf(msg, msglen, __VA_ARGS__);		\
		return -EINVAL;					\
	} while (0)

int tlb_config_validate(const struct tlb_config *cfg, char *msg, size_t msglen)
{
	if (cfg->vendor != TLB_VENDOR_INTEL && cfg->vendor != TLB_VENDOR_AMD)
		BAD("cpu.vendor: expected intel|amd");
	if (cfg->l2_mode != TLB_L2_FILL && cfg->l2_mode != TLB_L2_VICTIM)
		BAD("tlb.l2.mode: expected fill|victim");
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		const struct tlb_array_config *c = &cfg->a[id];
		const char *n = tlb_array_name((enum tlb_array_id)id);
		bool walker = id == TLB_NTLB || id >= TLB_GPSC_PDE;

		if (!c->entries || (walker && !cfg->psc))
			continue;
		if (c->entries > TLB_MAX_ENTRIES)
			BAD("tlb.%s.entries=%u exceeds the limit %u", n, c->entries, TLB_MAX_ENTRIES);
		if (!c->ways)
			BAD("tlb.%s.ways=0: a present structure needs at least one way", n);
		if (c->ways > TLB_MAX_WAYS)
			BAD("tlb.%s.ways=%u exceeds the limit %u", n, c->ways, TLB_MAX_WAYS);
		if (c->entries % c->ways)
			BAD("tlb.%s.ways=%u does not divide tlb.%s.entries=%u", n, c->ways, n,
			    c->entries);
		if (!pow2(c->entries / c->ways))
			BAD("tlb.%s.entries=%u / tlb.%s.ways=%u gives %u sets, not a power of two",
			    n, c->entries, n, c->ways, c->entries / c->ways);
		if (c->repl != TLB_REPL_LRU && c->repl != TLB_REPL_PLRU)
			BAD("tlb.%s.repl: expected lru|plru", n);
		if (c->repl == TLB_REPL_PLRU && !pow2(c->ways))
			BAD("tlb.%s.repl=plru needs a power-of-two tlb.%s.ways, not %u", n, n, c->ways);
		if (id <= TLB_NTLB && !c->sizes)
			BAD("tlb.%s.sizes=none: a present structure must hold a page size", n);
		if (id <= TLB_NTLB && (c->sizes & ~TLB_SIZES))
			BAD("tlb.%s.sizes=%#x: not a mask of TLB_4K|TLB_2M|TLB_1G", n, c->sizes);
	}
	return 0;
}
