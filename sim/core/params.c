// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one number parser of the program (sim_parse_u64, sim_parse_size).
 * The parameters themselves are read from text by scenarios/params.c.
 */
#include "sim/core/core.h"

#include <ctype.h>
#include <string.h>

/* Decimal, or hex after 0x: never octal ("010" is ten).  Sets *end past
 * the digits; 0, or -1 (no digits, a sign, overflow). */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;
	if ((p[0] == '0') && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return -1;
	for (;; p++) {
		unsigned d;
		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return -1;
	}
	*out = v;
	*end = p;
	return 0;
}

int sim_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	return parse_number(s, out, &end) || *end ? -1 : 0;
}

int sim_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *end, *u;
	uint64_t v;
	if (parse_number(s, &v, &end))
		return -1;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || !*u || (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B")))
			return -1;
		for (const char *k = units; k <= u; k++)
			if (__builtin_mul_overflow(v, 1024, &v))
				return -1;
	}
	*out = v;
	return 0;
}
