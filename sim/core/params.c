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

/* Edit distance (insertions, deletions, substitutions, and a swap of two
 * neighbours) between @a and @b, stopping at 9. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 9;
	unsigned d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb] < 9 ? d[la][lb] : 9;
}

const char *sim_nearest(const char *word, const char *(*next)(void *ctx, size_t i),
			void *ctx)
{
	const char *best = NULL, *c;
	unsigned bd = 9, lim = (unsigned)strlen(word) / 3 + 1;
	if (lim > 2)
		lim = 2;
	for (size_t i = 0; (c = next(ctx, i)); i++) {
		unsigned d = edit_distance(word, c);
		if (d < bd) {
			bd = d;
			best = c;
		}
	}
	return bd <= lim ? best : NULL;
}
