// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native trace format (traces/FORMAT.md): reader and writer.
 *
 * A record on disk is struct trace_rec byte for byte (little-endian), so the
 * reader reads straight into the caller's array and then checks the batch in
 * one tight loop; only a bad batch is looked at record by record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/trace_int.h"

struct native {
	uint64_t next;		/* 1-based number of the next record */
	uint64_t limit;		/* records the header declares; UINT64_MAX if unknown */
	uint32_t gap_mask;	/* ~0 if gaps are allowed, else 0 */
	uint32_t nr_vcpus;	/* vCPU ids must stay below this */
};

/* ---- Reader ------------------------------------------------------------ */

static bool native_probe(const uint8_t *p, size_t n)
{
	return n >= NATIVE_MAGIC_LEN && !memcmp(p, NATIVE_MAGIC, NATIVE_MAGIC_LEN);
}

static int check_header(struct trace_reader *r, const uint8_t *h, long got)
{
	char ex[64];
	unsigned version, flags;

	if (got < NATIVE_MAGIC_LEN || memcmp(h, NATIVE_MAGIC, NATIVE_MAGIC_LEN)) {
		trace_excerpt(ex, sizeof(ex), h, got < 8 ? (size_t)got : 8);
		return trace_fail_rec(r, 0, "bad magic \"%s\" (want \"%s\")", ex, NATIVE_MAGIC);
	}
	if (got < NATIVE_HDR_SIZE)
		return trace_fail_rec(r, 0, "truncated header: %ld of %d bytes", got,
				      NATIVE_HDR_SIZE);
	version = get_le16(h + NH_VERSION);
	if (version != NATIVE_VERSION)
		return trace_fail_rec(r, 0, "unsupported version %u (this build reads %d)",
				      version, NATIVE_VERSION);
	if (get_le16(h + NH_HDR_SIZE) != NATIVE_HDR_SIZE)
		return trace_fail_rec(r, 0, "header size %u, want %d",
				      get_le16(h + NH_HDR_SIZE), NATIVE_HDR_SIZE);
	if (get_le16(h + NH_REC_SIZE) != NATIVE_REC_SIZE)
		return trace_fail_rec(r, 0, "record size %u, want %d",
				      get_le16(h + NH_REC_SIZE), NATIVE_REC_SIZE);
	flags = get_le16(h + NH_FLAGS);
	if (flags & ~NATIVE_HDR_FLAGS)
		return trace_fail_rec(r, 0, "unknown flags 0x%x", flags & ~NATIVE_HDR_FLAGS);
	if ((flags & TRACE_VADDR) && (flags & TRACE_PADDR))
		return trace_fail_rec(r, 0, "flags VADDR and PADDR together: addresses "
				      "are virtual or guest-physical, not both");
	if (get_le32(h + NH_RESERVED))
		return trace_fail_rec(r, 0, "reserved field is not zero");
	if (!(flags & TRACE_COUNTS) && (get_le32(h + NH_NR_VCPUS) || get_le64(h + NH_NR_RECORDS)))
		return trace_fail_rec(r, 0, "counts set without the COUNTS flag");
	/* 2^64-1 is the reader's "no count": as a declared count it would
	 * read as unknown and end nowhere. */
	if ((flags & TRACE_COUNTS) && get_le64(h + NH_NR_RECORDS) == UINT64_MAX)
		return trace_fail_rec(r, 0, "record count 18446744073709551615 is not a count");
	if (get_le32(h + NH_NR_VCPUS) > 65536)
		return trace_fail_rec(r, 0, "%u vCPUs, at most 65536",
				      get_le32(h + NH_NR_VCPUS));
	if ((flags & TRACE_ASPACES) && !(flags & TRACE_COUNTS))
		return trace_fail_rec(r, 0, "address spaces without the COUNTS flag");
	return 0;
}

/* The address-space table after the header: nr_vcpus ids of 4 bytes. */
static int read_aspaces(struct trace_reader *r)
{
	uint32_t n = r->meta.nr_vcpus;
	uint8_t *b = malloc(4 * (size_t)n + 1);

	r->aspaces = malloc(4 * (size_t)n + 1);
	if (!b || !r->aspaces) {
		free(b);
		return trace_fail_rec(r, 0, "out of memory");
	}
	long got = tsrc_read(&r->src, b, 4 * (size_t)n);
	if (got < 0 || (size_t)got < 4 * (size_t)n) {
		free(b);
		if (got < 0 || r->src.failed)
			return trace_fail_rec(r, 0, "%s", r->src.err);
		return trace_fail_rec(r, 0, "truncated address-space table: %ld of "
				      "%u bytes", got, 4 * n);
	}
	for (uint32_t i = 0; i < n; i++)
		r->aspaces[i] = get_le32(b + 4 * (size_t)i);
	free(b);
	return 0;
}

static int native_open(struct trace_reader *r)
{
	uint8_t h[NATIVE_HDR_SIZE];
	long got = tsrc_read(&r->src, h, sizeof(h));
	struct native *n;
	unsigned flags;

	if (got < 0 || (got < NATIVE_HDR_SIZE && r->src.failed))
		return trace_fail_rec(r, 0, "%s", r->src.err);
	if (got == 0)
		return trace_fail_rec(r, 0, "empty file, no header");
	if (check_header(r, h, got) < 0)
		return -1;
	n = calloc(1, sizeof(*n));
	if (!n)
		return trace_fail_rec(r, 0, "out of memory");
	r->priv = n;
	flags = get_le16(h + NH_FLAGS);
	r->meta.flags |= flags;
	n->next = 1;
	n->gap_mask = flags & TRACE_GAPS ? UINT32_MAX : 0;
	n->limit = UINT64_MAX;
	n->nr_vcpus = 65536;
	if (flags & TRACE_COUNTS) {
		r->meta.nr_vcpus = get_le32(h + NH_NR_VCPUS);
		r->meta.nr_records = get_le64(h + NH_NR_RECORDS);
		n->nr_vcpus = r->meta.nr_vcpus;
		n->limit = r->meta.nr_records;
	}
	if ((flags & TRACE_ASPACES) && read_aspaces(r) < 0)
		return -1;
	return 0;
}

/* Says what is wrong with a record first_bad() flagged.  Returns -1. */
static int reject_rec(struct trace_reader *r, const struct native *n,
		     const struct trace_rec *t, uint64_t no)
{
	if (t->kind > TRACE_KIND_LAST)
		return trace_fail_rec(r, no, "bad kind %u", t->kind);
	if (t->size == 0 || t->size > TRACE_MAX_SIZE)
		return trace_fail_rec(r, no, "bad size %u (1..%d)", t->size, TRACE_MAX_SIZE);
	if (t->gap & ~n->gap_mask)
		return trace_fail_rec(r, no, "cycle gap %u but the header has no gaps", t->gap);
	if (t->vcpu >= n->nr_vcpus)
		return trace_fail_rec(r, no, "vCPU %u but the header declares %u vCPUs",
				      t->vcpu, n->nr_vcpus);
	return trace_fail_rec(r, no, "bad record");
}

/*
 * Nonzero lanes for bad records.  W holds the second 8 bytes (gap, vCPU,
 * kind, size; little-endian) of two records, one per lane; each test is
 * shifts and adds, the same in every lane:
 *	gap	any bit in GAP_BITS (all of the gap if the trace has none)
 *	kind	kind + 255 - LAST carries into bit 8 iff kind > TRACE_KIND_LAST
 *	size	size - 1 has bit 6 or 7 set iff size is 0 or > 64
 *	vCPU	vcpu + 65536 - nr_vcpus carries into bit 16 iff vcpu >= nr_vcpus
 * GNU vector extensions (GCC and clang) make this SSE2 code on x86-64 and
 * plain scalar code elsewhere.
 */
typedef uint64_t u64x2 __attribute__((vector_size(16)));

static u64x2 badness(u64x2 w, uint64_t gap_bits, uint64_t vcpu_bias)
{
	return (w & gap_bits) |
	       ((((w >> 48) & 0xff) + (255 - TRACE_KIND_LAST)) >> 8) |
	       ((((w >> 56) - 1) & 0xff) >> 6) |
	       ((((w >> 32) & 0xffff) + vcpu_bias) >> 16);
}

_Static_assert(TRACE_MAX_SIZE == 64, "the size test above assumes 1..64");

/* The second 8 bytes of records T[0] and T[1]. */
static u64x2 high_words(const struct trace_rec *t)
{
	u64x2 a, b;

	memcpy(&a, &t[0], sizeof(a));
	memcpy(&b, &t[1], sizeof(b));
	return __builtin_shufflevector(a, b, 1, 3);
}

/*
 * The hot loop: whole blocks of records are checked without a branch, so the
 * check costs less than the copy that brought them in; only a block with a
 * bad record is searched one by one (as is every block on a big-endian host,
 * where the fast test's byte positions do not hold).
 */
static size_t first_bad(const struct native *n, const struct trace_rec *t, size_t cnt)
{
	const uint64_t gap_bits = n->gap_mask ? 0 : 0xffffffffu;
	const uint64_t vcpu_bias = 65536 - (uint64_t)n->nr_vcpus;
	enum { BLOCK = 64 };

	for (size_t i = 0; i < cnt; i += BLOCK) {
		if (TRACE_HOST_LE && cnt - i >= BLOCK) {
			u64x2 bad = { 0, 0 };

			for (size_t j = 0; j < BLOCK; j += 2)
				bad |= badness(high_words(&t[i + j]), gap_bits, vcpu_bias);
			if (!(bad[0] | bad[1]))
				continue;
		}
		for (size_t j = i; j < cnt && j < i + BLOCK; j++)
			if (t[j].kind > TRACE_KIND_LAST || t[j].size == 0 ||
			    t[j].size > TRACE_MAX_SIZE || (t[j].gap & ~n->gap_mask) ||
			    t[j].vcpu >= n->nr_vcpus)
				return j;
	}
	return cnt;
}

static void from_le(struct trace_rec *t, size_t cnt)
{
	if (TRACE_HOST_LE)
		return;
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *b = (const uint8_t *)&t[i];
		struct trace_rec v = {
			.addr = get_le64(b), .gap = get_le32(b + 8), .vcpu = get_le16(b + 12),
			.kind = b[14], .size = b[15],
		};
		t[i] = v;
	}
}

/* The declared count is reached: anything more in the file is an error. */
static long check_end(struct trace_reader *r, struct native *n)
{
	uint8_t b;
	long got = tsrc_read(&r->src, &b, 1);

	if (got < 0)
		return trace_fail_rec(r, n->next, "%s", r->src.err);
	if (got > 0)
		return trace_fail_rec(r, n->next, "trailing data after the %llu records "
				      "the header declares", (unsigned long long)n->limit);
	return 0;
}

static long native_read(struct trace_reader *r, struct trace_rec *recs, size_t max)
{
	struct native *n = r->priv;
	uint64_t left = n->limit - (n->next - 1);
	size_t cnt, bad;
	long got;

	if (left == 0)
		return check_end(r, n);
	if (max > left)
		max = (size_t)left;
	if (max > LONG_MAX / NATIVE_REC_SIZE)
		max = LONG_MAX / NATIVE_REC_SIZE;
	got = tsrc_read(&r->src, recs, max * NATIVE_REC_SIZE);
	if (got < 0)
		return trace_fail_rec(r, n->next, "%s", r->src.err);
	cnt = (size_t)got / NATIVE_REC_SIZE;
	from_le(recs, cnt);
	bad = first_bad(n, recs, cnt);
	if (bad < cnt)
		return reject_rec(r, n, &recs[bad], n->next + bad);
	n->next += cnt;
	if (got % NATIVE_REC_SIZE && r->src.failed)	/* cut short by damage */
		return trace_fail_rec(r, n->next, "%s", r->src.err);
	if (got % NATIVE_REC_SIZE)
		return trace_fail_rec(r, n->next, "truncated: %ld of %d bytes",
				      got % NATIVE_REC_SIZE, NATIVE_REC_SIZE);
	if (cnt == 0 && n->limit != UINT64_MAX)
		return trace_fail_rec(r, n->next, "missing: the header declares %llu records",
				      (unsigned long long)n->limit);
	return (long)cnt;
}

static void native_close(struct trace_reader *r)
{
	free(r->priv);
	r->priv = NULL;
}

const struct trace_ops trace_native_ops = {
	.name = "native",
	.probe = native_probe,
	.open = native_open,
	.read = native_read,
	.close = native_close,
};

/* ---- Writer ------------------------------------------------------------ */

#define WBUF_RECS	4096

struct trace_writer {
	int fd;
	char *path;		/* final name */
	char *tmp;		/* where we write until trace_finish() */
	unsigned flags;		/* TRACE_ZSTD, TRACE_GAPS, TRACE_VADDR, TRACE_PADDR */
	ZSTD_CStream *zc;
	uint8_t *zout;		/* compressed output buffer */
	size_t zcap;
	struct trace_rec buf[WBUF_RECS];	/* records not yet written */
	size_t len;
	uint64_t nr_records;
	uint32_t nr_vcpus;	/* highest vCPU id seen + 1 */
	uint32_t nr_aspaces;	/* TRACE_ASPACES: vCPUs given ids; else 0 */
	bool failed;
	char err[512];
};

static int wfail(struct trace_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int wfail(struct trace_writer *w, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(w->err, sizeof(w->err), "%s: ", w->path);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < sizeof(w->err))
		vsnprintf(w->err + k, sizeof(w->err) - (size_t)k, fmt, ap);
	va_end(ap);
	w->failed = true;
	return -1;
}

static int write_all(struct trace_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = write(w->fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return wfail(w, "write error: %s", strerror(errno));
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Runs the compressor over IN with directive END, writing what it makes. */
static int zstd_push(struct trace_writer *w, ZSTD_inBuffer *in, ZSTD_EndDirective end)
{
	for (;;) {
		ZSTD_outBuffer out = { w->zout, w->zcap, 0 };
		size_t left = ZSTD_compressStream2(w->zc, &out, in, end);

		if (ZSTD_isError(left))
			return wfail(w, "zstd: %s", ZSTD_getErrorName(left));
		if (write_all(w, w->zout, out.pos) < 0)
			return -1;
		if (end == ZSTD_e_continue ? in->pos == in->size : left == 0)
			return 0;
	}
}

static void to_le(struct trace_rec *t, size_t cnt)
{
	if (TRACE_HOST_LE)
		return;
	for (size_t i = 0; i < cnt; i++) {
		struct trace_rec v = t[i];
		uint8_t *b = (uint8_t *)&t[i];

		put_le64(b, v.addr);
		put_le32(b + 8, v.gap);
		put_le16(b + 12, v.vcpu);
		b[14] = v.kind;
		b[15] = v.size;
	}
}

static int flush(struct trace_writer *w)
{
	size_t bytes = w->len * NATIVE_REC_SIZE;
	int rc;

	to_le(w->buf, w->len);
	if (w->zc) {
		ZSTD_inBuffer in = { w->buf, bytes, 0 };

		rc = zstd_push(w, &in, ZSTD_e_continue);
	} else {
		rc = write_all(w, w->buf, bytes);
	}
	w->len = 0;
	return rc;
}

int trace_write(struct trace_writer *w, const struct trace_rec *recs, size_t n)
{
	if (w->failed)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct trace_rec *t = &recs[i];
		uint64_t no = w->nr_records + 1;

		if (t->kind > TRACE_KIND_LAST)
			return wfail(w, "record %llu: bad kind %u", (unsigned long long)no, t->kind);
		if (t->size == 0 || t->size > TRACE_MAX_SIZE)
			return wfail(w, "record %llu: bad size %u", (unsigned long long)no, t->size);
		if (t->gap && !(w->flags & TRACE_GAPS))
			return wfail(w, "record %llu: cycle gap %u in a trace without gaps",
				     (unsigned long long)no, t->gap);
		if (w->nr_aspaces && t->vcpu >= w->nr_aspaces)
			return wfail(w, "record %llu: vCPU %u, but address spaces were "
				     "given for %u vCPUs", (unsigned long long)no,
				     t->vcpu, w->nr_aspaces);
		if (t->vcpu >= w->nr_vcpus)
			w->nr_vcpus = t->vcpu + 1u;
		w->buf[w->len++] = *t;
		w->nr_records++;
		if (w->len == WBUF_RECS && flush(w) < 0)
			return -1;
	}
	return 0;
}

int trace_write_aspaces(struct trace_writer *w, const uint32_t *ids, unsigned n)
{
	if (w->failed)
		return -1;
	if (w->nr_records || w->nr_aspaces)
		return wfail(w, "address spaces after the first record");
	if (n == 0 || n > 65536)
		return wfail(w, "address spaces for %u vCPUs (1..65536)", n);
	/* The table follows the header in the (decoded) stream; records
	 * come after it. */
	for (unsigned i = 0; i < n; i += WBUF_RECS * 4) {
		unsigned k = n - i < WBUF_RECS * 4 ? n - i : WBUF_RECS * 4;
		uint8_t *b = (uint8_t *)w->buf;
		for (unsigned j = 0; j < k; j++)
			put_le32(b + 4 * j, ids[i + j]);
		int rc;
		if (w->zc) {
			ZSTD_inBuffer in = { b, 4 * (size_t)k, 0 };
			rc = zstd_push(w, &in, ZSTD_e_continue);
		} else {
			rc = write_all(w, b, 4 * (size_t)k);
		}
		if (rc < 0)
			return -1;
	}
	w->nr_aspaces = n;
	w->nr_vcpus = n;
	return 0;
}

const char *trace_writer_error(const struct trace_writer *w)
{
	return w->err;
}

static void make_header(const struct trace_writer *w, uint8_t *h, bool final)
{
	unsigned flags = w->flags & (TRACE_GAPS | TRACE_VADDR | TRACE_PADDR);

	memset(h, 0, NATIVE_HDR_SIZE);
	memcpy(h + NH_MAGIC, NATIVE_MAGIC, NATIVE_MAGIC_LEN);
	put_le16(h + NH_VERSION, NATIVE_VERSION);
	put_le16(h + NH_HDR_SIZE, NATIVE_HDR_SIZE);
	put_le16(h + NH_REC_SIZE, NATIVE_REC_SIZE);
	if (w->nr_aspaces)
		flags |= TRACE_ASPACES;
	if (final) {
		flags |= TRACE_COUNTS;
		put_le32(h + NH_NR_VCPUS, w->nr_vcpus);
		put_le64(h + NH_NR_RECORDS, w->nr_records);
	}
	put_le16(h + NH_FLAGS, (uint16_t)flags);
}

/*
 * A compressed file opens with the header alone in a zstd frame of one raw
 * block (RFC 8878: single-segment frame, 1-byte content size, raw last
 * block).  Its bytes do not depend on the header's content, so trace_finish()
 * can patch the counts in place, and `zstd -d` still yields a plain trace.
 */
static void make_zhdr_frame(uint8_t *f, const uint8_t *h)
{
	uint32_t block = 1u /* last */ | 0u << 1 /* raw */ | NATIVE_HDR_SIZE << 3;

	memcpy(f, (const uint8_t[]){ 0x28, 0xb5, 0x2f, 0xfd }, 4);
	f[4] = 0x20;		/* descriptor: single segment, FCS field 1 byte */
	f[5] = NATIVE_HDR_SIZE;	/* frame content size */
	f[6] = (uint8_t)block;
	f[7] = (uint8_t)(block >> 8);
	f[8] = (uint8_t)(block >> 16);
	memcpy(f + ZHDR_PAYLOAD, h, NATIVE_HDR_SIZE);
}

static int write_header(struct trace_writer *w, bool final)
{
	uint8_t h[NATIVE_HDR_SIZE], f[ZHDR_FRAME_SIZE];
	const uint8_t *p = h;
	size_t n = sizeof(h);
	off_t off = 0;

	make_header(w, h, final);
	if (w->zc && !final) {
		make_zhdr_frame(f, h);
		p = f;
		n = sizeof(f);
	} else if (w->zc) {
		off = ZHDR_PAYLOAD;
	}
	if (!final)
		return write_all(w, p, n);
	if (pwrite(w->fd, p, n, off) != (ssize_t)n)
		return wfail(w, "write error: %s", strerror(errno));
	return 0;
}

static int open_tmp(struct trace_writer *w)
{
	size_t len = strlen(w->path) + sizeof(".tmp.XXXXXX");

	w->tmp = malloc(len);
	if (!w->tmp)
		return wfail(w, "out of memory");
	snprintf(w->tmp, len, "%s.tmp.XXXXXX", w->path);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		int e = errno;

		free(w->tmp);
		w->tmp = NULL;
		return wfail(w, "cannot create: %s", strerror(e));
	}
	/* mkostemp makes 0600; a trace is an ordinary output file. */
	fchmod(w->fd, 0644);
	return 0;
}

static int setup_zstd(struct trace_writer *w)
{
	w->zc = ZSTD_createCStream();
	w->zcap = ZSTD_CStreamOutSize();
	w->zout = malloc(w->zcap);
	if (!w->zc || !w->zout)
		return wfail(w, "out of memory");
	/* Level 3 is zstd's default: ~GB/s decode, a good ratio on traces. */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, 3)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1)))
		return wfail(w, "zstd: cannot set parameters");
	return 0;
}

static void writer_free(struct trace_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCStream(w->zc);
	free(w->zout);
	free(w->tmp);
	free(w->path);
	free(w);
}

struct trace_writer *trace_create(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct trace_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(path))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		free(w);
		return NULL;
	}
	w->fd = -1;
	w->flags = flags & (TRACE_GAPS | TRACE_ZSTD | TRACE_VADDR | TRACE_PADDR);
	if (flags & ~(TRACE_GAPS | TRACE_ZSTD | TRACE_VADDR | TRACE_PADDR) ||
	    ((flags & TRACE_VADDR) && (flags & TRACE_PADDR)))
		wfail(w, "bad writer flags 0x%x", flags);
	else if (open_tmp(w) == 0 && (!(flags & TRACE_ZSTD) || setup_zstd(w) == 0))
		write_header(w, false);
	if (w->failed) {
		if (err && errlen)
			snprintf(err, errlen, "%s", w->err);
		trace_abort(w);
		return NULL;
	}
	return w;
}

static int finish(struct trace_writer *w)
{
	if (w->failed || flush(w) < 0)
		return -1;
	if (w->zc) {
		ZSTD_inBuffer in = { NULL, 0, 0 };

		if (zstd_push(w, &in, ZSTD_e_end) < 0)
			return -1;
	}
	if (write_header(w, true) < 0)
		return -1;
	if (close(w->fd) < 0) {
		w->fd = -1;
		return wfail(w, "close: %s", strerror(errno));
	}
	w->fd = -1;
	if (rename(w->tmp, w->path) < 0)
		return wfail(w, "cannot rename %s into place: %s", w->tmp, strerror(errno));
	free(w->tmp);
	w->tmp = NULL;
	return 0;
}

int trace_finish(struct trace_writer *w, char *err, size_t errlen)
{
	if (finish(w) == 0) {
		writer_free(w);
		return 0;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s", w->err);
	trace_abort(w);
	return -1;
}

void trace_abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->tmp)
		unlink(w->tmp);
	writer_free(w);
}
