// SPDX-License-Identifier: GPL-2.0-only
/*
 * Valgrind lackey importer (`valgrind --tool=lackey --trace-mem=yes`).
 *
 * Lackey prints one access per line:
 *
 *	I  0401ab70,3		instruction fetch
 *	 L 1ffefffe48,8		load
 *	 S 1ffefffe48,8		store
 *	 M 1ffefffe48,8		modify: a load, then a store, of the same bytes
 *
 * framed by Valgrind's own messages ("==PID== ...", also "--PID--" and
 * "**PID**"), which are skipped.  Blank lines are skipped; anything else is an
 * error naming the line.  Lackey has no vCPUs: every record is vCPU 0.  An
 * access wider than TRACE_MAX_SIZE (lackey reports up to 512 bytes, e.g.
 * FXSAVE) becomes consecutive records of at most TRACE_MAX_SIZE bytes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "traces/trace_int.h"

#define LK_BUF		(64 * 1024)
#define LK_MAX_LINE	4096	/* longer lines are not lackey's */
#define LK_MAX_ACCESS	4096	/* widest access accepted, in bytes */
/* Records one line can produce: an M of LK_MAX_ACCESS bytes. */
#define LK_MAX_RECS	(2 * LK_MAX_ACCESS / TRACE_MAX_SIZE)

struct lackey {
	uint64_t line;		/* number of the last line taken */
	size_t pos, len;	/* unparsed bytes are buf[pos, len) */
	bool eof;
	unsigned npend, pend_pos;	/* a wide access that did not fit */
	struct trace_rec pend[LK_MAX_RECS];
	uint8_t buf[LK_BUF];
};

enum lk_op { LK_FETCH, LK_LOAD, LK_STORE, LK_MODIFY, LK_SKIP };

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(uint8_t c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "==123==", "--123--" or "**123**" opens every Valgrind message. */
static bool is_valgrind_msg(const uint8_t *p, size_t n)
{
	size_t i = 2;

	if (n < 5 || (p[0] != '=' && p[0] != '-' && p[0] != '*') || p[1] != p[0])
		return false;
	while (i < n && is_digit(p[i]))
		i++;
	return i > 2 && i + 1 < n && p[i] == p[0] && p[i + 1] == p[0];
}

static enum lk_op op_of(const uint8_t *p, size_t n)
{
	if (n < 3 || p[2] != ' ')
		return LK_SKIP;
	if (p[0] == 'I' && p[1] == ' ')
		return LK_FETCH;
	if (p[0] != ' ')
		return LK_SKIP;
	switch (p[1]) {
	case 'L':	return LK_LOAD;
	case 'S':	return LK_STORE;
	case 'M':	return LK_MODIFY;
	default:	return LK_SKIP;
	}
}

static bool lackey_probe(const uint8_t *p, size_t n)
{
	return op_of(p, n) != LK_SKIP || is_valgrind_msg(p, n);
}

static int bad_line(struct trace_reader *r, uint64_t line, const char *what,
		    const uint8_t *p, size_t n)
{
	char ex[80];

	trace_excerpt(ex, sizeof(ex), p, n < 48 ? n : 48);
	return trace_fail_line(r, line, "%s: \"%s%s\"", what, ex, n > 48 ? "..." : "");
}

/* Fills ADDR and SIZE from "HEX,DEC[ \r]*" at P; a message on failure. */
static const char *parse_access(const uint8_t *p, const uint8_t *end,
				uint64_t *addr, uint64_t *size)
{
	const uint8_t *q = p;
	uint64_t a = 0, s = 0;
	int h;

	while (q < end && (h = hex_val(*q)) >= 0 && q - p < 16) {
		a = a << 4 | (uint64_t)h;
		q++;
	}
	if (q == p || q == end || *q != ',')
		return "bad address";
	p = ++q;
	for (; q < end && is_digit(*q); q++)
		if (s <= LK_MAX_ACCESS)	/* saturate: no overflow, still too big */
			s = s * 10 + (uint64_t)(*q - '0');
	while (q < end && (*q == ' ' || *q == '\r'))
		q++;
	if (q == p || q != end)
		return "bad size";
	if (s == 0 || s > LK_MAX_ACCESS)
		return "access size out of range";
	*addr = a;
	*size = s;
	return NULL;
}

/* Writes the records of one access to DST (room for LK_MAX_RECS). */
static size_t expand(struct trace_rec *dst, enum lk_op op, uint64_t addr, uint64_t size)
{
	static const uint8_t kind[] = {
		[LK_FETCH] = TRACE_FETCH, [LK_LOAD] = TRACE_READ,
		[LK_STORE] = TRACE_WRITE, [LK_MODIFY] = TRACE_READ,
	};
	size_t n = 0;

	for (uint64_t off = 0; off < size; off += TRACE_MAX_SIZE) {
		uint64_t k = size - off < TRACE_MAX_SIZE ? size - off : TRACE_MAX_SIZE;

		dst[n++] = (struct trace_rec){ .addr = addr + off, .kind = kind[op],
					       .size = (uint8_t)k };
	}
	if (op == LK_MODIFY) {
		size_t reads = n;

		for (size_t i = 0; i < reads; i++) {
			dst[n] = dst[i];
			dst[n++].kind = TRACE_WRITE;
		}
	}
	return n;
}

/* Sets *P, *N to the next line (without its newline): 1, 0 at the end, -1. */
static int next_line(struct trace_reader *r, struct lackey *lk, const uint8_t **p, size_t *n)
{
	for (;;) {
		uint8_t *s = lk->buf + lk->pos;
		uint8_t *nl = memchr(s, '\n', lk->len - lk->pos);
		long got;

		if (nl || (lk->eof && lk->pos < lk->len)) {
			*p = s;
			*n = nl ? (size_t)(nl - s) : lk->len - lk->pos;
			lk->pos += *n + (nl != NULL);
			if (*n > LK_MAX_LINE)
				return bad_line(r, lk->line + 1, "line too long", s, *n);
			return 1;
		}
		if (lk->eof)
			return 0;
		if (lk->len - lk->pos >= LK_MAX_LINE)
			return bad_line(r, lk->line + 1, "line too long", s, lk->len - lk->pos);
		memmove(lk->buf, s, lk->len - lk->pos);
		lk->len -= lk->pos;
		lk->pos = 0;
		got = tsrc_read(&r->src, lk->buf + lk->len, LK_BUF - lk->len);
		if (got < 0)
			return trace_fail_line(r, lk->line + 1, "%s", r->src.err);
		lk->len += (size_t)got;
		lk->eof = got == 0;
	}
}

/* Parses one line into DST: the number of records, or -1. */
static long parse_line(struct trace_reader *r, struct lackey *lk, const uint8_t *p,
		       size_t n, struct trace_rec *dst)
{
	enum lk_op op = op_of(p, n);
	uint64_t addr, size;
	const char *why;

	if (op == LK_SKIP) {
		if (n == 0 || (n == 1 && p[0] == '\r') || is_valgrind_msg(p, n))
			return 0;
		return bad_line(r, lk->line, "not a lackey line", p, n);
	}
	why = parse_access(p + 3, p + n, &addr, &size);
	if (why)
		return bad_line(r, lk->line, why, p, n);
	return (long)expand(dst, op, addr, size);
}

static long lackey_read(struct trace_reader *r, struct trace_rec *recs, size_t max)
{
	struct lackey *lk = r->priv;
	size_t out = 0;

	while (out < max) {
		const uint8_t *p = NULL;
		size_t n = 0;
		long got;
		int rc;

		if (lk->pend_pos < lk->npend) {
			recs[out++] = lk->pend[lk->pend_pos++];
			continue;
		}
		rc = next_line(r, lk, &p, &n);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
		lk->line++;
		/* Parse in place when a whole line's records surely fit. */
		if (max - out >= LK_MAX_RECS) {
			got = parse_line(r, lk, p, n, recs + out);
			if (got < 0)
				return -1;
			out += (size_t)got;
			continue;
		}
		got = parse_line(r, lk, p, n, lk->pend);
		if (got < 0)
			return -1;
		lk->npend = (unsigned)got;
		lk->pend_pos = 0;
	}
	return (long)out;
}

static int lackey_open(struct trace_reader *r)
{
	r->priv = calloc(1, sizeof(struct lackey));
	if (!r->priv)
		return trace_fail_line(r, 1, "out of memory");
	r->meta.nr_vcpus = 1;
	r->meta.flags |= TRACE_VADDR; /* a user program under valgrind */
	return 0;
}

static void lackey_close(struct trace_reader *r)
{
	free(r->priv);
	r->priv = NULL;
}

const struct trace_ops trace_lackey_ops = {
	.name = "lackey",
	.probe = lackey_probe,
	.open = lackey_open,
	.read = lackey_read,
	.close = lackey_close,
};
