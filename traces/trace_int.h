/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * traces internals: the byte source under every reader, the reader object and
 * the per-format ops table.  Not for use outside traces/.
 */
#ifndef TRACES_TRACE_INT_H
#define TRACES_TRACE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lzma.h>
#include <zstd.h>

#include "traces/trace.h"

/* ---- Little-endian fields ---------------------------------------------- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TRACE_HOST_LE 0
#else
#define TRACE_HOST_LE 1
#endif

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- Native format constants (traces/FORMAT.md) ------------------------ */

#define NATIVE_MAGIC		"TDPTRACE"
#define NATIVE_MAGIC_LEN	8
#define NATIVE_VERSION		1
#define NATIVE_HDR_SIZE		32
#define NATIVE_REC_SIZE		16
/* flags the header may carry */
#define NATIVE_HDR_FLAGS	(TRACE_GAPS | TRACE_COUNTS | TRACE_VADDR | TRACE_PADDR | \
				 TRACE_ASPACES)

/* Header field offsets. */
enum {
	NH_MAGIC	= 0,
	NH_VERSION	= 8,
	NH_HDR_SIZE	= 10,
	NH_REC_SIZE	= 12,
	NH_FLAGS	= 14,
	NH_NR_VCPUS	= 16,
	NH_RESERVED	= 20,
	NH_NR_RECORDS	= 24,
};

_Static_assert(sizeof(struct trace_rec) == NATIVE_REC_SIZE,
	       "struct trace_rec is the on-disk record");
_Static_assert(offsetof(struct trace_rec, addr) == 0 &&
	       offsetof(struct trace_rec, gap) == 8 &&
	       offsetof(struct trace_rec, vcpu) == 12 &&
	       offsetof(struct trace_rec, kind) == 14 &&
	       offsetof(struct trace_rec, size) == 15,
	       "record field offsets are fixed by traces/FORMAT.md");
_Static_assert((NATIVE_HDR_FLAGS & (TRACE_ZSTD | TRACE_XZ)) == 0,
	       "container flags never reach the header");

/* A zstd frame holding the plain header as one raw block, so that the header
 * can be patched in place once the counts are known (FORMAT.md, "zstd"). */
#define ZHDR_FRAME_SIZE	(4 + 1 + 1 + 3 + NATIVE_HDR_SIZE)
#define ZHDR_PAYLOAD	(4 + 1 + 1 + 3)

/* ---- Byte source: a file or memory, decompressed if need be ------------ */

enum tsrc_codec { TSRC_PLAIN, TSRC_ZSTD, TSRC_XZ };

#define TSRC_INBUF	(128 * 1024)
#define TSRC_PEEK	4096

struct tsrc {
	int fd;			/* -1 when reading from memory */
	const uint8_t *mem;	/* memory input and its size, position */
	size_t mem_len, mem_pos;
	enum tsrc_codec codec;
	uint8_t *in;		/* raw (compressed) bytes read ahead */
	size_t in_len, in_pos;
	bool in_eof;		/* the raw input is exhausted */
	uint8_t peek[TSRC_PEEK]; /* decoded bytes read ahead for detection */
	size_t peek_len, peek_pos;
	ZSTD_DStream *zs;
	size_t zret;		/* last ZSTD_decompressStream() hint; 0 = frame done */
	lzma_stream xz;
	bool xz_live;		/* xz needs lzma_end() */
	bool xz_end;		/* LZMA_STREAM_END seen */
	bool failed;		/* sticky: err says why */
	char err[200];		/* why the source failed */
};

int tsrc_open_fd(struct tsrc *s, int fd);
int tsrc_open_mem(struct tsrc *s, const void *data, size_t len);
/* Reads up to N decoded bytes: count, or -1.  Fewer than N only at the end
 * or before an error (then s->failed is set, and the next call fails). */
long tsrc_read(struct tsrc *s, void *dst, size_t n);
/* Makes up to N (<= TSRC_PEEK) leading decoded bytes visible without
 * consuming them; returns how many there are, or -1. */
long tsrc_peek(struct tsrc *s, size_t n, const uint8_t **p);
void tsrc_close(struct tsrc *s);

/* ---- The reader -------------------------------------------------------- */

struct trace_reader;

/* One input format. */
struct trace_ops {
	const char *name;
	/* Does the (decoded) beginning of a file look like this format? */
	bool (*probe)(const uint8_t *p, size_t n);
	/* Reads the header, sets meta, allocates per-format state: 0 or -1. */
	int (*open)(struct trace_reader *r);
	long (*read)(struct trace_reader *r, struct trace_rec *recs, size_t max);
	void (*close)(struct trace_reader *r);
};

extern const struct trace_ops trace_native_ops;
extern const struct trace_ops trace_lackey_ops;
extern const struct trace_ops trace_champsim_ops;

struct trace_reader {
	const struct trace_ops *ops;
	struct tsrc src;
	char *name;		/* the file, for messages */
	struct trace_meta meta;
	bool failed;		/* sticky: every later read returns -1 */
	void *priv;		/* per-format state */
	uint32_t *aspaces;	/* TRACE_ASPACES: one id per vCPU, or NULL */
	char fmt_name[32];
	char err[512];
};

/* Records "NAME: record N: what" (N = 0 is the header). Returns -1. */
int trace_fail_rec(struct trace_reader *r, uint64_t rec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records "NAME:LINE: what".  Returns -1. */
int trace_fail_line(struct trace_reader *r, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies a short excerpt of P into BUF, printable, for messages. */
void trace_excerpt(char *buf, size_t buflen, const uint8_t *p, size_t n);

#endif /* TRACES_TRACE_INT_H */
