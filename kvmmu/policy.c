// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/policy.c — struct kvmmu_policy from text: the keys of
 * kvmmu/policy.def with their defaults.  Shared by every MMU behind the
 * kvmmu.h seam (kvmmu, and the Linux MMU build, which reads the keys that are
 * real configuration in Linux too).
 */
#include "kvmmu/kvmmu.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct policy_desc {
	const char *key;
	bool is_enum;
	const char *def;
	const char *values; /* "a|b|c|" */
	size_t offset;
};

#define POLICY_TEXT(id, text) text "|"
#define PARAM_U64(field, key, def, unit, doc, src)                            \
	{ key, false, def, "", offsetof(struct kvmmu_policy, field) },
#define PARAM_ENUM(field, key, def, values, doc, src)                         \
	{ key, true, def, values(POLICY_TEXT), offsetof(struct kvmmu_policy, field) },
static const struct policy_desc policy_table[] = {
#include "kvmmu/policy.def"
};
#undef PARAM_U64
#undef PARAM_ENUM
#undef POLICY_TEXT

static int policy_enum_index(const char *list, const char *v)
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

int kvmmu_policy_set(struct kvmmu_policy *p, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(policy_table) / sizeof(policy_table[0]); i++) {
		const struct policy_desc *d = &policy_table[i];
		char *field = (char *)p + d->offset;

		if (strcmp(d->key, key) != 0)
			continue;
		if (d->is_enum) {
			int v = policy_enum_index(d->values, value);

			if (v < 0)
				return -1;
			*(int *)field = v;
		} else {
			char *end;
			unsigned long long v = strtoull(value, &end, 0);

			if (!*value || *end)
				return -1;
			*(u64 *)field = v;
		}
		return 0;
	}
	return -1;
}

void kvmmu_policy_default(struct kvmmu_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(policy_table) / sizeof(policy_table[0]); i++)
		kvmmu_policy_set(p, policy_table[i].key, policy_table[i].def);
}

