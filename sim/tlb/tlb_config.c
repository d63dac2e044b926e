/* SPDX-License-Identifier: MIT */
/*
 * TLB parameters: the table generated from TLB_PARAMS, their parsing and
 * the geometry checks. The defaults exist only as the strings in
 * TLB_PARAMS and go through the same parser as user input, so a default
 * can never disagree with what the key accepts.
 */
#include "sim/tlb/tlb_int.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct tlb_param params[] = {
#define TLB_PARAM_ROW(key, kind, field, def, unit, src) \
	{ key, def, unit, src, kind, offsetof(struct tlb_config, field) },
	TLB_PARAMS(TLB_PARAM_ROW)
#undef TLB_PARAM_ROW
};

const struct tlb_param *tlb_param(size_t i)
{
	return i < sizeof(params) / sizeof(params[0]) ? &params[i] : NULL;
}

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end || x > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

/* "4k,2m,1g" in any order and case; at least one size, none twice. */
static int parse_sizes(const char *v, uint8_t *out)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "4k", TLB_4K }, { "2m", TLB_2M }, { "1g", TLB_1G },
	};
	unsigned mask = 0;

	while (*v) {
		size_t len = strcspn(v, ",");
		unsigned bit = 0;

		for (unsigned i = 0; i < 3; i++)
			if (len == 2 && !strncasecmp(v, names[i].name, 2))
				bit = names[i].bit;
		if (!bit || (mask & bit))
			return -EINVAL;
		mask |= bit;
		v += len;
		if (*v == ',' && !*++v)
			return -EINVAL;	/* trailing comma */
	}
	if (!mask)
		return -EINVAL;
	*out = (uint8_t)mask;
	return 0;
}

static int parse_word(const char *v, const char *const *words, unsigned n, unsigned *out)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v, words[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static int apply(struct tlb_config *cfg, const struct tlb_param *p, const char *v)
{
	static const char *const repl[] = { "lru", "plru" };	/* enum tlb_repl */
	static const char *const onoff[] = { "off", "on" };
	static const char *const l2mode[] = { "fill", "victim" };	/* enum tlb_l2_mode */
	void *field = (char *)cfg + p->offset;
	unsigned w;
	int err;

	switch (p->kind) {
	case TLB_P_U32:
		return parse_u32(v, field);
	case TLB_P_SIZES:
		return parse_sizes(v, field);
	case TLB_P_REPL:
		err = parse_word(v, repl, 2, &w);
		if (!err)
			*(enum tlb_repl *)field = (enum tlb_repl)w;
		return err;
	case TLB_P_BOOL:
		err = parse_word(v, onoff, 2, &w);
		if (!err)
			*(bool *)field = w;
		return err;
	case TLB_P_L2MODE:
		err = parse_word(v, l2mode, 2, &w);
		if (!err)
			*(enum tlb_l2_mode *)field = (enum tlb_l2_mode)w;
		return err;
	}
	return -EINVAL;
}

void tlb_config_default(struct tlb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vendor = TLB_VENDOR_INTEL;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		int err = apply(cfg, &params[i], params[i].def);

		assert(!err && "a TLB_PARAMS default does not parse");
		(void)err;
	}
}

int tlb_config_set(struct tlb_config *cfg, const char *key, const char *value,
		   char *msg, size_t msglen)
{
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		const struct tlb_param *p = &params[i];

		if (strcmp(key, p->key))
			continue;
		if (apply(cfg, p, value)) {
			snprintf(msg, msglen, "%s=%s: expected %s%s", key, value,
				 p->kind == TLB_P_U32 ? "an unsigned 32-bit count of " : "",
				 p->unit);
			return -EINVAL;
		}
		return 0;
	}
	return -ENOENT;
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
		if (id <= TLB_NTLB && (!c->sizes || (c->sizes & ~TLB_SIZES)))
			BAD("tlb.%s.sizes: expected a list of 4k,2m,1g", n);
	}
	return 0;
}
