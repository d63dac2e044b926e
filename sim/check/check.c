// SPDX-License-Identifier: GPL-2.0-only
/* Violation records and the first counterexample. */
#include "sim/check/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define KEEP 64  /* violations kept with details; all are counted */
#define TAIL 48  /* events kept from the log at the first violation */

struct check {
	struct sim *sim;
	uint64_t total;
	uint64_t by_kind[CHECK_NKINDS];
	struct violation kept[KEEP];
	size_t nkept;
	struct sim_event tail[TAIL];
	size_t ntail;
};

#define CHECK_KIND_NAME(id, name) name,
static const char *const kind_names[] = { CHECK_KINDS(CHECK_KIND_NAME) };
#undef CHECK_KIND_NAME

const char *check_kind_name(enum check_kind k)
{
	return k < CHECK_NKINDS ? kind_names[k] : "?";
}

struct check *check_new(struct sim *s)
{
	struct check *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sim = s;
	stats_counter(sim_stats(s), "violations", &c->total);
	for (int k = 0; k < CHECK_NKINDS; k++) {
		char name[64];
		snprintf(name, sizeof(name), "violations.%s", kind_names[k]);
		stats_counter(sim_stats(s), name, &c->by_kind[k]);
	}
	return c;
}

void check_free(struct check *c) { free(c); }

void check_report(struct check *c, enum check_kind kind, uint64_t addr,
		  const char *fmt, ...)
{
	struct sim_thread *t = sim_self(c->sim);

	c->by_kind[kind]++;
	if (c->total++ == 0) {
		size_t n = sim_log_count(c->sim);
		size_t from = n > TAIL ? n - TAIL : 0;
		for (size_t i = from; i < n; i++)
			c->tail[c->ntail++] = *sim_log_get(c->sim, i);
	}
	if (c->nkept == KEEP)
		return;
	struct violation *v = &c->kept[c->nkept++];
	v->kind = kind;
	v->cycle = t ? sim_thread_clock(t) : 0;
	v->thread = t ? sim_thread_id(t) : UINT32_MAX;
	v->addr = addr;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

uint64_t check_count(const struct check *c) { return c->total; }
size_t check_nkept(const struct check *c) { return c->nkept; }
const struct violation *check_get(const struct check *c, size_t i)
{
	return &c->kept[i];
}
size_t check_tail_count(const struct check *c) { return c->ntail; }
const struct sim_event *check_tail(const struct check *c, size_t i)
{
	return &c->tail[i];
}
