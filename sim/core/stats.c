// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stats registry: names bound to counters and histograms that the
 * components own.  Sorted by name on first query so that JSON output does
 * not depend on registration order.
 */
#include "sim/core/core_int.h"

#include <stdlib.h>
#include <string.h>

static void add(struct stat_ent **a, size_t *n, size_t *cap, const char *name,
		void *p)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct stat_ent *e = realloc(*a, c * sizeof(*e));
		if (!e)
			abort();
		*a = e;
		*cap = c;
	}
	(*a)[*n].name = strdup(name);
	(*a)[*n].ptr = p;
	(*n)++;
}

void stats_counter(struct stats *st, const char *name, uint64_t *v)
{
	if (st->frozen)
		abort(); /* registering after the values were frozen */
	add(&st->c, &st->nc, &st->capc, name, v);
	st->sorted = false;
}

void stats_hist(struct stats *st, const char *name, struct hist *h)
{
	if (st->frozen)
		abort(); /* registering after the values were frozen */
	add(&st->h, &st->nh, &st->caph, name, h);
	st->sorted = false;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_ent *)a)->name,
		      ((const struct stat_ent *)b)->name);
}

static void sort(const struct stats *cst)
{
	struct stats *st = (struct stats *)cst;
	if (st->sorted)
		return;
	if (st->nc)
		qsort(st->c, st->nc, sizeof(*st->c), cmp);
	if (st->nh)
		qsort(st->h, st->nh, sizeof(*st->h), cmp);
	st->sorted = true;
}

size_t stats_ncounters(const struct stats *st) { return st->nc; }
const char *stats_counter_name(const struct stats *st, size_t i)
{
	sort(st);
	return st->c[i].name;
}
uint64_t stats_counter_value(const struct stats *st, size_t i)
{
	sort(st);
	return st->frozen ? st->frozen[i] : *(uint64_t *)st->c[i].ptr;
}

int stats_freeze(struct stats *st)
{
	sort(st);
	free(st->frozen);
	free(st->frozen_h);
	st->frozen_h = NULL;
	st->frozen = malloc((st->nc ? st->nc : 1) * sizeof(uint64_t));
	if (!st->frozen)
		return -1;
	for (size_t i = 0; i < st->nc; i++)
		st->frozen[i] = *(uint64_t *)st->c[i].ptr;
	/* Histograms too: their owners (the machine's walk stats, ...) are
	 * freed with the VM, before the command writes the results. */
	st->frozen_h = malloc((st->nh ? st->nh : 1) * sizeof(struct hist));
	if (!st->frozen_h)
		return -1;
	for (size_t i = 0; i < st->nh; i++)
		st->frozen_h[i] = *(const struct hist *)st->h[i].ptr;
	return 0;
}
size_t stats_nhists(const struct stats *st) { return st->nh; }
const char *stats_hist_name(const struct stats *st, size_t i)
{
	sort(st);
	return st->h[i].name;
}
const struct hist *stats_hist_get(const struct stats *st, size_t i)
{
	sort(st);
	return st->frozen_h ? &st->frozen_h[i] : st->h[i].ptr;
}

int stats_get(const struct stats *st, const char *name, uint64_t *v)
{
	sort(st);
	struct stat_ent key = { .name = (char *)name };
	if (!st->nc)
		return -1;
	struct stat_ent *e = bsearch(&key, st->c, st->nc, sizeof(*e), cmp);
	if (!e)
		return -1;
	*v = st->frozen ? st->frozen[e - st->c] : *(uint64_t *)e->ptr;
	return 0;
}

void stats_fini(struct stats *st)
{
	for (size_t i = 0; i < st->nc; i++)
		free(st->c[i].name);
	for (size_t i = 0; i < st->nh; i++)
		free(st->h[i].name);
	free(st->c);
	free(st->h);
	free(st->frozen);
	free(st->frozen_h);
}
