// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace readers: opening a file, detecting its format, dispatching to the
 * format's ops, and the error messages all formats share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "traces/trace_int.h"
#include "sim/core/compiler.h"

/* Probe order matters: native has a magic; lackey is recognized by its line
 * prefixes; ChampSim has no signature at all, so it is only assumed for xz
 * data that is neither of the others. */
static const struct trace_ops *const probe_order[] = {
	&trace_native_ops,
	&trace_lackey_ops,
};

static void verror(char *buf, size_t len, const char *prefix_fmt, const char *name,
		   uint64_t where, const char *fmt, va_list ap)
{
	int k = snprintf(buf, len, prefix_fmt, name, (unsigned long long)where);

	if (k >= 0 && (size_t)k < len)
		vsnprintf(buf + k, len - (size_t)k, fmt, ap);
}

int trace_fail_rec(struct trace_reader *r, uint64_t rec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(r->err, sizeof(r->err), rec ? "%s: record %llu: " : "%s: record %llu (header): ",
	       r->name, rec, fmt, ap);
	va_end(ap);
	r->failed = true;
	return -1;
}

int trace_fail_line(struct trace_reader *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(r->err, sizeof(r->err), "%s:%llu: ", r->name, line, fmt, ap);
	va_end(ap);
	r->failed = true;
	return -1;
}

void trace_excerpt(char *buf, size_t buflen, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < buflen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", p[i]);
	}
	buf[o < buflen ? o : buflen - 1] = '\0';
}

/* Peeks at the first decoded bytes: how many (up to WANT), or -1 if there
 * are none or they cannot be read.  No format takes an empty file. */
static long first_bytes(struct trace_reader *r, size_t want, const uint8_t **p)
{
	long n = tsrc_peek(&r->src, want, p);

	if (n < 0)
		return trace_fail_rec(r, 0, "%s", r->src.err);
	if (n == 0)
		return trace_fail_rec(r, 0, "empty %s, not a trace",
				      r->src.codec == TSRC_PLAIN ? "file" : "stream");
	return n;
}

/* Picks the format from the first decoded bytes. */
static const struct trace_ops *detect(struct trace_reader *r)
{
	const uint8_t *p;
	long n = first_bytes(r, 64, &p);

	if (n < 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(probe_order); i++)
		if (probe_order[i]->probe(p, (size_t)n))
			return probe_order[i];
	if (r->src.codec == TSRC_XZ)
		return &trace_champsim_ops;
	trace_fail_rec(r, 0, "not a trace: no native magic, not lackey text, "
		       "not xz (ChampSim); use --format to force one");
	return NULL;
}

static const struct trace_ops *ops_of(enum trace_format fmt)
{
	switch (fmt) {
	case TRACE_FMT_NATIVE:		return &trace_native_ops;
	case TRACE_FMT_LACKEY:		return &trace_lackey_ops;
	case TRACE_FMT_CHAMPSIM:	return &trace_champsim_ops;
	default:			return NULL;
	}
}

static void name_format(struct trace_reader *r)
{
	static const char *const codec[] = { "", "+zstd", "+xz" };

	snprintf(r->fmt_name, sizeof(r->fmt_name), "%s%s", r->ops->name,
		 codec[r->src.codec]);
	if (r->src.codec == TSRC_ZSTD)
		r->meta.flags |= TRACE_ZSTD;
	if (r->src.codec == TSRC_XZ)
		r->meta.flags |= TRACE_XZ;
}

/* Common tail of the openers: the source is open (or failed: SRC_RC < 0). */
static struct trace_reader *finish_open(struct trace_reader *r, int src_rc,
					enum trace_format fmt, char *err, size_t errlen)
{
	const uint8_t *p;

	if (src_rc < 0)
		trace_fail_rec(r, 0, "%s", r->src.err);
	else if (fmt == TRACE_FMT_AUTO)
		r->ops = detect(r);
	else if (first_bytes(r, 1, &p) > 0 && !(r->ops = ops_of(fmt)))
		trace_fail_rec(r, 0, "no such trace format (%d)", (int)fmt);
	if (!r->failed) {
		name_format(r);
		if (r->ops->open(r) == 0)
			return r;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s", r->err);
	trace_close(r);
	return NULL;
}

static struct trace_reader *reader_new(const char *name, char *err, size_t errlen)
{
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (r)
		r->name = strdup(name);
	if (!r || !r->name) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		free(r);
		return NULL;
	}
	r->src.fd = -1;
	return r;
}

struct trace_reader *trace_open_format(const char *path, enum trace_format fmt,
				       char *err, size_t errlen)
{
	struct trace_reader *r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = reader_new(path, err, errlen);
	if (!r) {
		close(fd);
		return NULL;
	}
	/* Sequential access: let the kernel read ahead aggressively. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return finish_open(r, tsrc_open_fd(&r->src, fd), fmt, err, errlen);
}

struct trace_reader *trace_open(const char *path, char *err, size_t errlen)
{
	return trace_open_format(path, TRACE_FMT_AUTO, err, errlen);
}

struct trace_reader *trace_open_mem(const void *data, size_t len, const char *name,
				    enum trace_format fmt, char *err, size_t errlen)
{
	struct trace_reader *r = reader_new(name, err, errlen);

	if (!r)
		return NULL;
	return finish_open(r, tsrc_open_mem(&r->src, data, len), fmt, err, errlen);
}

long trace_read(struct trace_reader *r, struct trace_rec *recs, size_t max)
{
	if (r->failed)
		return -1;
	if (max == 0)
		return 0;
	return r->ops->read(r, recs, max);
}

const char *trace_error(const struct trace_reader *r)
{
	return r->err;
}

const char *trace_format_name(const struct trace_reader *r)
{
	return r->fmt_name;
}

const struct trace_meta *trace_meta(const struct trace_reader *r)
{
	return &r->meta;
}

const uint32_t *trace_aspaces(const struct trace_reader *r)
{
	return r->aspaces;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->ops && r->ops->close)
		r->ops->close(r);
	tsrc_close(&r->src);
	free(r->aspaces);
	free(r->name);
	free(r);
}

int trace_format_parse(const char *s, enum trace_format *fmt)
{
	static const char *const names[] = {
		[TRACE_FMT_AUTO] = "auto",
		[TRACE_FMT_NATIVE] = "native",
		[TRACE_FMT_LACKEY] = "lackey",
		[TRACE_FMT_CHAMPSIM] = "champsim",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*fmt = (enum trace_format)i;
			return 0;
		}
	}
	return -1;
}
