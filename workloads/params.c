// SPDX-License-Identifier: GPL-2.0-only
/*
 * Workload parameters: declared once, with default and documentation, and
 * set from text (by `tdpsim trace gen --KEY VALUE` or a config).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/core.h"
#include "workloads/workload.h"
#include "sim/core/compiler.h"

enum ptype { P_PATTERN, P_BYTES, P_U64, P_UNSIGNED, P_FRACTION, P_DOUBLE };

struct param {
	struct workload_param_doc d;
	enum ptype type;
	size_t off;		/* offset in struct workload_params */
};

#define PARAM(key, type, field, def, doc) \
	{ { key, def, doc }, type, offsetof(struct workload_params, field) }

/* The one list of parameters: defaults are parsed from `def`. */
static const struct param params[] = {
	PARAM("pattern", P_PATTERN,  pattern, "seq",   "seq|stride|uniform|zipf"),
	PARAM("ws",      P_BYTES,    ws,      "64M",   "bytes each vCPU works on (K/M/G/T)"),
	PARAM("base",    P_BYTES,    base,    "0",     "lowest address (bytes)"),
	PARAM("size",    P_UNSIGNED, size,    "8",     "bytes per access, 1..64"),
	PARAM("stride",  P_BYTES,    stride,  "4096",  "bytes between accesses (stride)"),
	PARAM("writes",  P_FRACTION, writes,  "0",     "fraction of accesses that write"),
	PARAM("count",   P_U64,      count,   "1000000", "accesses over all vCPUs"),
	PARAM("vcpus",   P_UNSIGNED, vcpus,   "1",     "vCPUs, accesses round-robin"),
	PARAM("share",   P_FRACTION, share,   "0",     "fraction of the working set all vCPUs share"),
	PARAM("zipf",    P_DOUBLE,   zipf,    "1.0",   "zipf exponent s > 0 (zipf)"),
	PARAM("seed",    P_U64,      seed,    "1",     "PRNG seed"),
};

#define NPARAMS (ARRAY_SIZE(params))

static const char *const pattern_names[] = {
	[WORKLOAD_SEQ] = "seq", [WORKLOAD_STRIDE] = "stride",
	[WORKLOAD_UNIFORM] = "uniform", [WORKLOAD_ZIPF] = "zipf",
};

const char *workload_pattern_name(enum workload_pattern p)
{
	return (unsigned)p < 4 ? pattern_names[p] : "?";
}

int workload_pattern_parse(const char *s, enum workload_pattern *p)
{
	for (unsigned i = 0; i < 4; i++) {
		if (!strcmp(s, pattern_names[i])) {
			*p = (enum workload_pattern)i;
			return 0;
		}
	}
	return -1;
}

int workload_parse_size(const char *s, uint64_t *out)
{
	return sim_parse_size(s, out);
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end ? -1 : 0;
}

static int set_one(struct workload_params *p, const struct param *q, const char *val)
{
	void *f = (char *)p + q->off;
	uint64_t v;
	double d;

	switch (q->type) {
	case P_PATTERN:
		return workload_pattern_parse(val, f);
	case P_BYTES:
		return workload_parse_size(val, f);
	case P_U64:
		if (sim_parse_u64(val, &v) < 0)
			return -1;
		*(uint64_t *)f = v;
		return 0;
	case P_UNSIGNED:
		if (workload_parse_size(val, &v) < 0 || v > 0xffffffffu)
			return -1;
		*(unsigned *)f = (unsigned)v;
		return 0;
	case P_FRACTION:
		if (parse_double(val, &d) < 0 || !(d >= 0.0 && d <= 1.0))
			return -1;
		*(double *)f = d;
		return 0;
	default:
		return parse_double(val, f);
	}
}

int workload_set(struct workload_params *p, const char *key, const char *val,
		 char *err, size_t errlen)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		if (strcmp(key, params[i].d.key))
			continue;
		if (set_one(p, &params[i], val) == 0)
			return 0;
		if (err && errlen)
			snprintf(err, errlen, "%s: bad value '%s' (%s)", key, val, params[i].d.doc);
		return -1;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s: unknown workload parameter", key);
	return -1;
}

const struct workload_param_doc *workload_param_doc(size_t i)
{
	return i < NPARAMS ? &params[i].d : NULL;
}

void workload_defaults(struct workload_params *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < NPARAMS; i++)
		set_one(p, &params[i], params[i].d.def);
}
