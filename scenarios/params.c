// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry's table of keys (every component's .def, in the order of
 * scenarios/params.h), defaults, and the one setter every source (config
 * file, scenario, --set) goes through.
 */
#include "scenarios/params.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARAM_ENUM_TEXT(id, text) text "|"
#define PARAM_U64(field, key, def, unit, doc, src) \
	{ key, PARAM_T_U64, def, unit, doc, src, offsetof(struct params, field) },
#define PARAM_ENUM(field, key, def, values, doc, src)                       \
	{ key, PARAM_T_ENUM, def, values(PARAM_ENUM_TEXT), doc, src,        \
	  offsetof(struct params, field) },
static const struct param_desc table[] = {
#include "sim/core/params.def"
#include "sim/cpu/params.def"
#include "sim/tlb/params.def"
#include "sim/cpu/costs.def"
#include "sim/host/params.def"
#include "sim/ept/params.def"
#include "scenarios/vmm.def"
#include "kvmmu/policy.def"
#include "sim/core/compiler.h"
};
#undef PARAM_U64
#undef PARAM_ENUM

size_t params_count(void) { return ARRAY_SIZE(table); }
const struct param_desc *params_desc(size_t i) { return &table[i]; }

const struct param_desc *params_find(const char *key)
{
	for (size_t i = 0; i < params_count(); i++)
		if (strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

/* Index of @v in the "a|b|c|" list, or -1. */
static int enum_index(const char *list, const char *v)
{
	size_t n = strlen(v);
	int i = 0;
	for (const char *p = list; *p; i++) {
		const char *bar = strchr(p, '|');
		if ((size_t)(bar - p) == n && strncmp(p, v, n) == 0)
			return i;
		p = bar + 1;
	}
	return -1;
}

/* The accepted values of an enum key, "a, b or c", for messages. */
static void enum_choices(const char *list, char *buf, size_t len)
{
	size_t n = 0, k = 0, total = 0;
	for (const char *p = list; *p; p++)
		total += *p == '|';
	buf[0] = 0;
	for (const char *p = list; *p && n < len;) {
		const char *bar = strchr(p, '|');
		k++;
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
				      k == 1 ? "" : k == total ? " or " : ", ",
				      (int)(bar - p), p);
		p = bar + 1;
	}
}

static const char *key_next(void *ctx, size_t i)
{
	(void)ctx;
	return i < params_count() ? params_desc(i)->key : NULL;
}

int params_set(struct params *p, const char *key, const char *value,
	       char *err, size_t errlen)
{
	const struct param_desc *d = params_find(key);
	if (!d) {
		const char *near = sim_nearest(key, key_next, NULL);
		snprintf(err, errlen,
			 "unknown key '%s' (tdpsim config --defaults lists them)%s%s%s",
			 key, near ? " (did you mean '" : "", near ? near : "",
			 near ? "'?)" : "");
		return -1;
	}
	char *field = (char *)p + d->offset;
	if (d->type == PARAM_T_ENUM) {
		int i = enum_index(d->unit, value);
		if (i < 0) {
			char choices[256];
			enum_choices(d->unit, choices, sizeof(choices));
			snprintf(err, errlen, "%s: bad value '%s' (accepted: %s)",
				 key, value, choices);
			return -1;
		}
		*(int *)field = i;
		return 0;
	}
	uint64_t v;
	if (sim_parse_size(value, &v) != 0) {
		snprintf(err, errlen,
			 "%s: bad value '%s' (accepted: an unsigned integer%s)",
			 key, value,
			 strcmp(d->unit, "bytes") == 0
				 ? " with an optional K, M, G or T suffix" : "");
		return -1;
	}
	*(uint64_t *)field = v;
	return 0;
}

/* "key=value" defaults that replace the table's for this process (the
 * Linux MMU build's kernel-fixed policies); NULL-terminated. */
static const char *const *default_overrides;

void params_override_defaults(const char *const *kv)
{
	default_overrides = kv;
}

const char *params_default_text(const struct param_desc *d)
{
	size_t n = strlen(d->key);
	for (const char *const *o = default_overrides; o && *o; o++)
		if (!strncmp(*o, d->key, n) && (*o)[n] == '=')
			return *o + n + 1;
	return d->def;
}

void params_defaults(struct params *p)
{
	char err[256];
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < params_count(); i++)
		if (params_set(p, table[i].key, params_default_text(&table[i]), err,
			       sizeof(err)))
			abort(); /* a default that does not parse: fix params.def */
}

void params_get(const struct params *p, const struct param_desc *d, char *buf,
		size_t len)
{
	const char *field = (const char *)p + d->offset;
	if (d->type == PARAM_T_U64) {
		snprintf(buf, len, "%llu",
			 (unsigned long long)*(const uint64_t *)field);
		return;
	}
	int want = *(const int *)field, i = 0;
	for (const char *q = d->unit; *q; i++) {
		const char *bar = strchr(q, '|');
		if (i == want) {
			snprintf(buf, len, "%.*s", (int)(bar - q), q);
			return;
		}
		q = bar + 1;
	}
	snprintf(buf, len, "?");
}

int params_validate(const struct params *p, char *err, size_t errlen)
{
	if (p->sim_stack < 16384) {
		snprintf(err, errlen, "sim.stack: %llu bytes is too small (at least 16K)",
			 (unsigned long long)p->sim_stack);
		return -1;
	}
	if (p->sim_evlog == 0 || p->sim_evlog > (1ull << 24)) {
		snprintf(err, errlen, "sim.evlog: must be 1..16M events");
		return -1;
	}
	if (p->host_mem < (1ull << 20) || p->host_mem > (1ull << 46)) {
		snprintf(err, errlen, "host.mem: must be between 1M and 64T");
		return -1;
	}
	if (p->sim_explore_max_delay == 0) {
		snprintf(err, errlen, "sim.explore.max_delay: must be at least 1");
		return -1;
	}
	return 0;
}

int params_check_fixed(const struct params *p, const char *const *fixed,
		       const char *mmu_name, char *err, size_t errlen)
{
	for (const char *const *f = fixed; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		char key[64], have[128];
		const struct param_desc *d;

		snprintf(key, sizeof(key), "%.*s", (int)(eq - *f), *f);
		d = params_find(key);
		if (!d)
			abort(); /* the MMU fixes a key no component declares */
		params_get(p, d, have, sizeof(have));
		if (strcmp(have, eq + 1) != 0) {
			snprintf(err, errlen, "%s: chooses a historical KVM behaviour, "
				 "which in this build is the tree's own code (%s does %s)",
				 key, mmu_name, eq + 1);
			return -1;
		}
	}
	return 0;
}
