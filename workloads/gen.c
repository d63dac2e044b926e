// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generators (layout and patterns are described in workload.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/workload_int.h"

struct workload_gen {
	struct workload_params p;
	uint64_t shared;	/* bytes of each working set that all vCPUs share */
	uint64_t priv_step;	/* distance between private regions, page-rounded */
	uint64_t npos;		/* seq/stride positions, uniform slots */
	uint64_t step;		/* bytes between seq/stride positions */
	uint64_t page_bytes;	/* zipf: bytes per hot-set page */
	uint64_t page_slots;	/* zipf: access slots per page */
	uint64_t write_cut;	/* a draw below this writes */
	uint64_t done;		/* accesses handed out */
	unsigned next_vcpu;
	struct prng rng;
	struct zipf zipf;
	struct perm perm;
	uint64_t cursor[];	/* seq/stride: each vCPU's access count */
};

static int gen_fail(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return -1;
}

static int check_params(const struct workload_params *p, char *err, size_t errlen)
{
	if (p->size < 1 || p->size > TRACE_MAX_SIZE)
		return gen_fail(err, errlen, "size: must be 1..64 bytes");
	if (p->ws < p->size)
		return gen_fail(err, errlen, "ws: the working set is smaller than one access");
	if (p->vcpus < 1 || p->vcpus > 65536)
		return gen_fail(err, errlen, "vcpus: must be 1..65536");
	if (!(p->writes >= 0.0 && p->writes <= 1.0))
		return gen_fail(err, errlen, "writes: must be a fraction, 0..1");
	if (!(p->share >= 0.0 && p->share <= 1.0))
		return gen_fail(err, errlen, "share: must be a fraction, 0..1");
	if (p->pattern == WORKLOAD_STRIDE && p->stride == 0)
		return gen_fail(err, errlen, "stride: must be at least 1 byte");
	if (p->pattern == WORKLOAD_ZIPF && !(p->zipf > 0.0 && p->zipf <= 100.0))
		return gen_fail(err, errlen, "zipf: the exponent must be in (0, 100]");
	return 0;
}

/* Splits the working set into shared and private parts and checks that the
 * whole layout fits below 2^64. */
static int layout(struct workload_gen *g, char *err, size_t errlen)
{
	const struct workload_params *p = &g->p;
	uint64_t priv, span;

	if (p->vcpus == 1 || p->share >= 1.0)
		g->shared = p->ws;
	else
		g->shared = (uint64_t)(p->share * (double)p->ws) / WORKLOAD_PAGE * WORKLOAD_PAGE;
	if (g->shared > p->ws)
		g->shared = p->ws;
	priv = p->ws - g->shared;
	g->priv_step = priv;
	if (priv && __builtin_add_overflow(priv, WORKLOAD_PAGE - 1, &g->priv_step))
		return gen_fail(err, errlen, "ws: too large");
	g->priv_step &= ~(uint64_t)(WORKLOAD_PAGE - 1);
	if (__builtin_mul_overflow(g->priv_step, (uint64_t)p->vcpus, &span) ||
	    __builtin_add_overflow(span, g->shared, &span) ||
	    __builtin_add_overflow(span, p->base, &span))
		return gen_fail(err, errlen, "ws: the regions do not fit below 2^64 from base");
	return 0;
}

static void setup_pattern(struct workload_gen *g)
{
	const struct workload_params *p = &g->p;

	switch (p->pattern) {
	case WORKLOAD_SEQ:
		g->step = p->size;
		g->npos = p->ws / p->size;
		break;
	case WORKLOAD_STRIDE:
		g->step = p->stride;
		g->npos = (p->ws - p->size) / p->stride + 1;
		break;
	case WORKLOAD_UNIFORM:
		g->npos = p->ws / p->size;
		break;
	case WORKLOAD_ZIPF:
		g->page_bytes = p->ws < WORKLOAD_PAGE ? p->ws : WORKLOAD_PAGE;
		g->page_slots = g->page_bytes / p->size;
		zipf_init(&g->zipf, p->ws / g->page_bytes, p->zipf);
		perm_init(&g->perm, p->ws / g->page_bytes, &g->rng);
		break;
	}
	if (p->writes >= 1.0)
		g->write_cut = UINT64_MAX;
	else
		g->write_cut = (uint64_t)ldexp(p->writes, 64);
}

struct workload_gen *workload_new(const struct workload_params *p, char *err, size_t errlen)
{
	struct workload_gen *g;

	if (check_params(p, err, errlen) < 0)
		return NULL;
	g = calloc(1, sizeof(*g) + p->vcpus * sizeof(g->cursor[0]));
	if (!g) {
		gen_fail(err, errlen, "out of memory");
		return NULL;
	}
	g->p = *p;
	prng_seed(&g->rng, p->seed);
	if (layout(g, err, errlen) < 0) {
		free(g);
		return NULL;
	}
	setup_pattern(g);
	return g;
}

uint64_t workload_addr(const struct workload_gen *g, unsigned v, uint64_t off)
{
	if (off < g->shared)
		return g->p.base + off;
	return g->p.base + g->shared + v * g->priv_step + (off - g->shared);
}

void workload_span(const struct workload_gen *g, uint64_t *lo, uint64_t *hi)
{
	*lo = g->p.base;
	*hi = g->p.base + g->shared + g->p.vcpus * g->priv_step;
}

/* The working-set offset of vCPU V's next access. */
static uint64_t next_offset(struct workload_gen *g, unsigned v)
{
	uint64_t page;

	switch (g->p.pattern) {
	case WORKLOAD_SEQ:
	case WORKLOAD_STRIDE:
		return (g->cursor[v]++ % g->npos) * g->step;
	case WORKLOAD_UNIFORM:
		return prng_below(&g->rng, g->npos) * g->p.size;
	default:
		page = perm_apply(&g->perm, zipf_sample(&g->zipf, &g->rng) - 1);
		return page * g->page_bytes + prng_below(&g->rng, g->page_slots) * g->p.size;
	}
}

/* A draw only when the outcome is in doubt, so that writes = 0 or 1 leaves
 * the address stream of the other parameters unchanged. */
static uint8_t next_kind(struct workload_gen *g)
{
	if (g->write_cut == 0)
		return TRACE_READ;
	if (g->write_cut == UINT64_MAX)
		return TRACE_WRITE;
	return prng_next(&g->rng) < g->write_cut ? TRACE_WRITE : TRACE_READ;
}

size_t workload_fill(struct workload_gen *g, struct trace_rec *recs, size_t max)
{
	size_t n = 0;

	while (n < max && g->done < g->p.count) {
		unsigned v = g->next_vcpu;
		uint64_t off = next_offset(g, v);

		recs[n++] = (struct trace_rec){
			.addr = workload_addr(g, v, off),
			.vcpu = (uint16_t)v,
			.kind = next_kind(g),
			.size = (uint8_t)g->p.size,
		};
		g->next_vcpu = v + 1 == g->p.vcpus ? 0 : v + 1;
		g->done++;
	}
	return n;
}

void workload_free(struct workload_gen *g)
{
	free(g);
}
