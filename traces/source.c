// SPDX-License-Identifier: GPL-2.0-only
/*
 * The byte source under every trace reader: a file descriptor or a memory
 * buffer, decompressed on the fly when it starts with a zstd or xz magic.
 *
 * Memory stays bounded: one raw input buffer, the decoders' own windows (xz is
 * capped by XZ_MEMLIMIT) and a small read-ahead for format detection.  Plain
 * data is read straight into the caller's buffer, so a plain native trace is
 * decoded with a single copy from the page cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "traces/trace_int.h"

/* xz -9 needs a 64 MiB dictionary; anything beyond 256 MiB is refused. */
#define XZ_MEMLIMIT	(256u << 20)

static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static int src_fail(struct tsrc *s, const char *what, const char *detail)
{
	snprintf(s->err, sizeof(s->err), "%s%s%s", what, detail ? ": " : "",
		 detail ? detail : "");
	return -1;
}

/* Reads up to N raw bytes from the file or memory; count, 0 at EOF, -1. */
static long raw_read(struct tsrc *s, uint8_t *dst, size_t n)
{
	if (s->fd < 0) {
		size_t left = s->mem_len - s->mem_pos;

		if (n > left)
			n = left;
		if (n == 0)	/* s->mem may be NULL for an empty input */
			return 0;
		memcpy(dst, s->mem + s->mem_pos, n);
		s->mem_pos += n;
		return (long)n;
	}
	for (;;) {
		ssize_t got = read(s->fd, dst, n);

		if (got >= 0)
			return (long)got;
		if (errno != EINTR)
			return src_fail(s, "read error", strerror(errno));
	}
}

/* Tops up the raw input buffer; -1 on an I/O error. */
static int refill(struct tsrc *s)
{
	long got;

	if (s->in_pos == s->in_len)
		s->in_pos = s->in_len = 0;
	if (s->in_eof || s->in_len == TSRC_INBUF)
		return 0;
	got = raw_read(s, s->in + s->in_len, TSRC_INBUF - s->in_len);
	if (got < 0)
		return -1;
	if (got == 0)
		s->in_eof = true;
	s->in_len += (size_t)got;
	return 0;
}

/*
 * The codecs below decode up to N bytes into DST and set *DONE to how many
 * they made, also when they fail (-1): the bytes before a damaged spot are
 * good, and handing them out first lets the error name the exact record.
 */

/* Plain data: first what detection left in the input buffer, then the file
 * straight into DST. */
static int plain_read(struct tsrc *s, uint8_t *dst, size_t n, size_t *done)
{
	while (*done < n) {
		long got;

		if (s->in_pos < s->in_len) {
			size_t k = s->in_len - s->in_pos;

			if (k > n - *done)
				k = n - *done;
			memcpy(dst + *done, s->in + s->in_pos, k);
			s->in_pos += k;
			*done += k;
			continue;
		}
		if (s->in_eof)
			break;
		got = raw_read(s, dst + *done, n - *done);
		if (got < 0)
			return -1;
		if (got == 0)
			s->in_eof = true;
		*done += (size_t)got;
	}
	return 0;
}

/*
 * zstd.  ZSTD_decompressStream() may still hold decoded bytes when the input
 * is used up, so the loop ends only when a call makes no progress at all.  A
 * stream that ends inside a frame (the last moving call left zret != 0) is
 * truncated.
 */
static int zstd_read(struct tsrc *s, uint8_t *dst, size_t n, size_t *done)
{
	ZSTD_outBuffer out = { dst, n, 0 };
	int rc = 0;

	while (out.pos < n) {
		ZSTD_inBuffer in;
		size_t before = out.pos, ret;
		bool progress;

		if (s->in_pos == s->in_len && refill(s) < 0) {
			rc = -1;
			break;
		}
		in = (ZSTD_inBuffer){ s->in, s->in_len, s->in_pos };
		ret = ZSTD_decompressStream(s->zs, &out, &in);
		if (ZSTD_isError(ret)) {
			rc = src_fail(s, "zstd", ZSTD_getErrorName(ret));
			break;
		}
		/* A call that moves nothing (past the last frame) only reports
		 * the header size a next frame would need: not truncation. */
		progress = out.pos > before || in.pos > s->in_pos;
		if (progress)
			s->zret = ret;
		s->in_pos = in.pos;
		if (!progress && in.pos == in.size && s->in_eof) {
			if (s->zret != 0)
				rc = src_fail(s, "zstd", "truncated stream");
			break;
		}
	}
	*done = out.pos;
	return rc;
}

static const char *xz_strerror(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR:		return "out of memory";
	case LZMA_MEMLIMIT_ERROR:	return "needs more than 256 MiB to decode";
	case LZMA_FORMAT_ERROR:		return "not an xz stream";
	case LZMA_OPTIONS_ERROR:	return "unsupported options";
	case LZMA_DATA_ERROR:		return "corrupt data";
	case LZMA_BUF_ERROR:		return "truncated stream";
	default:			return "decoder error";
	}
}

/* xz, with LZMA_CONCATENATED so that multi-stream files (pxz, xz -T) work. */
static int xz_read(struct tsrc *s, uint8_t *dst, size_t n, size_t *done)
{
	int rc = 0;

	s->xz.next_out = dst;
	s->xz.avail_out = n;
	while (s->xz.avail_out > 0 && !s->xz_end) {
		lzma_ret ret;

		if (s->in_pos == s->in_len && refill(s) < 0) {
			rc = -1;
			break;
		}
		s->xz.next_in = s->in + s->in_pos;
		s->xz.avail_in = s->in_len - s->in_pos;
		ret = lzma_code(&s->xz, s->in_eof ? LZMA_FINISH : LZMA_RUN);
		s->in_pos = s->in_len - s->xz.avail_in;
		if (ret == LZMA_STREAM_END) {
			s->xz_end = true;
		} else if (ret != LZMA_OK) {
			rc = src_fail(s, "xz", xz_strerror(ret));
			break;
		}
	}
	*done = n - s->xz.avail_out;
	return rc;
}

/* Decoded bytes: how many (N unless at the end), or -1.  After a failure the
 * bytes made before it are returned first, the error on the next call. */
static long decoded_read(struct tsrc *s, uint8_t *dst, size_t n)
{
	size_t done = 0;
	int rc;

	if (s->failed)
		return -1;
	switch (s->codec) {
	case TSRC_ZSTD:	rc = zstd_read(s, dst, n, &done); break;
	case TSRC_XZ:	rc = xz_read(s, dst, n, &done); break;
	default:	rc = plain_read(s, dst, n, &done); break;
	}
	if (rc < 0) {
		s->failed = true;
		if (done == 0)
			return -1;
	}
	return (long)done;
}

long tsrc_read(struct tsrc *s, void *dst, size_t n)
{
	size_t k = s->peek_len - s->peek_pos;
	long got;

	if (k > n)
		k = n;
	memcpy(dst, s->peek + s->peek_pos, k);
	s->peek_pos += k;
	if (k == n)
		return (long)n;
	got = decoded_read(s, (uint8_t *)dst + k, n - k);
	if (got < 0)
		return k ? (long)k : -1;
	return (long)k + got;
}

long tsrc_peek(struct tsrc *s, size_t n, const uint8_t **p)
{
	if (n > TSRC_PEEK)
		n = TSRC_PEEK;
	if (s->peek_pos == 0 && s->peek_len < n) {
		long got = decoded_read(s, s->peek + s->peek_len, n - s->peek_len);

		if (got < 0)
			return -1;
		s->peek_len += (size_t)got;
	}
	*p = s->peek + s->peek_pos;
	return (long)(s->peek_len - s->peek_pos);
}

/* Reads the first raw bytes and picks the codec from their magic. */
static int pick_codec(struct tsrc *s)
{
	const uint8_t *p = s->in;

	while (s->in_len < sizeof(xz_magic) && !s->in_eof)
		if (refill(s) < 0)
			return -1;
	/* Skippable frames (0x184D2A5?) may open a zstd file too. */
	if (s->in_len >= 4 && (!memcmp(p, zstd_magic, 4) ||
			       (get_le32(p) & 0xfffffff0u) == 0x184d2a50u)) {
		s->codec = TSRC_ZSTD;
		s->zs = ZSTD_createDStream();
		if (!s->zs || ZSTD_isError(ZSTD_initDStream(s->zs)))
			return src_fail(s, "zstd", "cannot create a decoder");
	} else if (s->in_len >= sizeof(xz_magic) &&
		   !memcmp(p, xz_magic, sizeof(xz_magic))) {
		lzma_ret ret;

		s->codec = TSRC_XZ;
		ret = lzma_stream_decoder(&s->xz, XZ_MEMLIMIT, LZMA_CONCATENATED);
		if (ret != LZMA_OK)
			return src_fail(s, "xz", xz_strerror(ret));
		s->xz_live = true;
	}
	return 0;
}

static int src_init(struct tsrc *s)
{
	s->codec = TSRC_PLAIN;
	s->xz = (lzma_stream)LZMA_STREAM_INIT;
	s->in = malloc(TSRC_INBUF);
	if (!s->in)
		return src_fail(s, "out of memory", NULL);
	return pick_codec(s);
}

int tsrc_open_fd(struct tsrc *s, int fd)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	return src_init(s);
}

int tsrc_open_mem(struct tsrc *s, const void *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->mem = data;
	s->mem_len = len;
	return src_init(s);
}

void tsrc_close(struct tsrc *s)
{
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	if (s->xz_live)
		lzma_end(&s->xz);
	if (s->fd >= 0)
		close(s->fd);
	free(s->in);
	s->zs = NULL;
	s->xz_live = false;
	s->fd = -1;
	s->in = NULL;
}
