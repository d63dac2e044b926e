// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feeds: one decode of a workload line, its records dealt to per-vCPU
 * queues (see feed.h for the contract).
 *
 * A feed is in one of two modes.  Shared: it decodes FEED_BATCH records at
 * a time and appends each to its rank's queue (a ring that grows by
 * doubling); ranks take from their queues.  Solo: it serves one rank only,
 * reading straight into the caller's buffer and filtering in place, after
 * skipping the records of the rank that were handed out before (a rank
 * detached from a shared feed).  A line of one vCPU is a solo feed from the
 * start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/feed.h"

/* One rank's queue. */
struct fq {
	struct trace_rec *v;	/* ring of @cap records (a power of 2) */
	size_t head, len, cap;
	uint64_t taken;		/* records handed to the rank so far */
	struct feed *solo;	/* detached: its own stream, or NULL */
	bool left;		/* the rank has left the feed */
};

struct feed {
	char *path;			/* a trace, or NULL for a generator */
	struct workload_params gp;	/* the generator's parameters */
	struct trace_reader *tr;
	struct workload_gen *gen;
	unsigned nline;
	bool solo;			/* the mode (see above) */
	/* Solo: the rank served, records of it still to skip, and whether
	 * every record of the stream is the rank's (no filtering). */
	unsigned rank;
	uint64_t skip;
	bool alone;
	/* Shared. */
	struct fq *q;
	size_t queued;			/* records in all queues */
	size_t max_queued;		/* ... at most, before a batch */
	unsigned nleft, ndetached;
	struct trace_rec *batch;
	bool eof;
	/* Sticky error. */
	bool failed;
	unsigned bad_vcpu;
	char err[512];
};

static const struct trace_meta no_meta;

static struct feed *open_stream(const char *path, const struct workload_params *gp,
				unsigned nline, char *err, size_t errlen)
{
	struct feed *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->nline = nline;
	f->bad_vcpu = UINT32_MAX;
	if (path) {
		f->path = strdup(path);
		f->tr = f->path ? trace_open(path, err, errlen) : NULL;
		if (!f->tr) {
			if (!f->path)
				snprintf(err, errlen, "out of memory");
			feed_free(f);
			return NULL;
		}
	} else {
		f->gp = *gp;
		f->gp.vcpus = nline;
		f->gen = workload_new(&f->gp, err, errlen);
		if (!f->gen) {
			feed_free(f);
			return NULL;
		}
	}
	return f;
}

/* Makes @f serve @rank alone, after skipping @skip of its records. */
static void make_solo(struct feed *f, unsigned rank, uint64_t skip)
{
	const struct trace_meta *tm = feed_meta(f);
	f->solo = true;
	f->rank = rank;
	f->skip = skip;
	/* A one-vCPU line of a stream that holds one vCPU only: nothing to
	 * filter (a trace says so in its counts; a generator by making it). */
	f->alone = f->nline == 1 &&
		   (f->gen || ((tm->flags & TRACE_COUNTS) && tm->nr_vcpus <= 1));
}

struct feed *feed_open(const struct feed_src *src, char *err, size_t errlen)
{
	struct feed *f = open_stream(src->path, src->gen, src->nline, err, errlen);
	if (!f)
		return NULL;
	if (src->nline == 1) {
		make_solo(f, 0, 0);
		return f;
	}
	f->nleft = src->nline;
	f->max_queued = src->max_queued ? src->max_queued : FEED_MAX_QUEUED;
	f->q = calloc(src->nline, sizeof(*f->q));
	f->batch = malloc(FEED_BATCH * sizeof(*f->batch));
	if (!f->q || !f->batch) {
		snprintf(err, errlen, "out of memory for the queues of %u vCPUs",
			 src->nline);
		feed_free(f);
		return NULL;
	}
	return f;
}

static long fail(struct feed *f, const char *msg)
{
	if (!f->failed)
		snprintf(f->err, sizeof(f->err), "%s", msg);
	f->failed = true;
	return -1;
}

/* Decodes up to @max records of the stream: count, 0 at its end, -1. */
static long decode(struct feed *f, struct trace_rec *recs, size_t max)
{
	if (f->failed)
		return -1;
	long got = f->gen ? (long)workload_fill(f->gen, recs, max)
			  : trace_read(f->tr, recs, max);
	if (got < 0)
		return fail(f, f->gen ? "generator failed" : trace_error(f->tr));
	return got;
}

static long bad_vcpu(struct feed *f, unsigned vcpu)
{
	f->bad_vcpu = vcpu;
	return fail(f, "a record of a vCPU the line has none for");
}

/* Solo: the rank's next records, filtered in place in @recs. */
static long solo_read(struct feed *f, struct trace_rec *recs, size_t max)
{
	for (;;) {
		long got = decode(f, recs, max);
		if (got <= 0)
			return got;
		if (f->alone)
			return got;
		size_t n = 0;
		for (long k = 0; k < got; k++) {
			const struct trace_rec *r = &recs[k];
			if (r->vcpu != f->rank) {
				if (r->vcpu >= f->nline)
					return bad_vcpu(f, r->vcpu);
				continue;
			}
			if (f->skip) {
				f->skip--;
				continue;
			}
			recs[n++] = *r;
		}
		if (n)
			return (long)n;
	}
}

/* Doubles a full ring (or makes the first): 0, or -1 out of memory. */
static int __attribute__((noinline)) fq_grow(struct fq *q)
{
	size_t cap = q->cap ? 2 * q->cap : 64;
	struct trace_rec *v = malloc(cap * sizeof(*v));
	if (!v)
		return -1;
	/* Unwrap the ring into the new array. */
	size_t first = q->cap - q->head < q->len ? q->cap - q->head : q->len;
	if (q->len) {
		memcpy(v, q->v + q->head, first * sizeof(*v));
		memcpy(v + first, q->v, (q->len - first) * sizeof(*v));
	}
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static inline int fq_push(struct fq *q, const struct trace_rec *r)
{
	if (q->len == q->cap && fq_grow(q))
		return -1;
	q->v[(q->head + q->len) & (q->cap - 1)] = *r;
	q->len++;
	return 0;
}

static size_t fq_pop(struct fq *q, struct trace_rec *recs, size_t max)
{
	size_t n = q->len < max ? q->len : max;
	size_t first = q->cap - q->head < n ? q->cap - q->head : n;
	memcpy(recs, q->v + q->head, first * sizeof(*recs));
	memcpy(recs + first, q->v, (n - first) * sizeof(*recs));
	q->head = (q->head + n) & (q->cap - 1);
	q->len -= n;
	q->taken += n;
	return n;
}

/* Gives the rank with the longest queue (not @keep) a stream of its own,
 * so that its queue can go. */
static int detach_longest(struct feed *f, unsigned keep)
{
	unsigned best = UINT32_MAX;
	for (unsigned i = 0; i < f->nline; i++)
		if (i != keep && f->q[i].len &&
		    (best == UINT32_MAX || f->q[i].len > f->q[best].len))
			best = i;
	if (best == UINT32_MAX)
		return 0;
	struct fq *q = &f->q[best];
	char err[512];
	q->solo = open_stream(f->path, &f->gp, f->nline, err, sizeof(err));
	if (!q->solo)
		return (int)fail(f, err);
	make_solo(q->solo, best, q->taken);
	f->queued -= q->len;
	free(q->v);
	q->v = NULL;
	q->len = q->cap = q->head = 0;
	f->ndetached++;
	return 0;
}

/* Shared: decodes one batch into the queues. */
static long deal(struct feed *f, unsigned rank)
{
	/* @rank's queue is empty: the queued records are other ranks'. */
	while (f->queued && f->queued + FEED_BATCH > f->max_queued)
		if (detach_longest(f, rank) < 0)
			return -1;
	long got = decode(f, f->batch, FEED_BATCH);
	if (got <= 0) {
		if (got == 0)
			f->eof = true;
		return got;
	}
	/* Locals: the stores into the queues could alias @f's fields. */
	struct fq *const qs = f->q;
	const unsigned nline = f->nline;
	const struct trace_rec *r = f->batch, *const end = f->batch + got;
	size_t pushed = 0;
	for (; r != end; r++) {
		if (r->vcpu >= nline) {
			got = bad_vcpu(f, r->vcpu);
			break;
		}
		struct fq *q = &qs[r->vcpu];
		if (q->solo || q->left)
			continue;
		if (fq_push(q, r)) {
			got = fail(f, "out of memory for a vCPU's records");
			break;
		}
		pushed++;
	}
	f->queued += pushed;
	return got;
}

long feed_read(struct feed *f, unsigned rank, struct trace_rec *recs, size_t max)
{
	if (f->solo)
		return solo_read(f, recs, max);
	struct fq *q = &f->q[rank];
	if (q->solo) {
		long n = solo_read(q->solo, recs, max);
		if (n < 0) {
			f->bad_vcpu = q->solo->bad_vcpu;
			fail(f, q->solo->err);
		}
		return n;
	}
	while (q->len == 0) {
		if (f->failed)
			return -1;
		if (f->eof)
			return 0;
		if (deal(f, rank) < 0)
			return -1;
	}
	size_t n = fq_pop(q, recs, max);
	f->queued -= n;
	return (long)n;
}

const char *feed_error(const struct feed *f)
{
	return f->err;
}

unsigned feed_bad_vcpu(const struct feed *f)
{
	return f->bad_vcpu;
}

const struct trace_meta *feed_meta(const struct feed *f)
{
	return f->tr ? trace_meta(f->tr) : &no_meta;
}

const uint32_t *feed_aspaces(const struct feed *f)
{
	return f->tr ? trace_aspaces(f->tr) : NULL;
}

const struct workload_gen *feed_gen(const struct feed *f)
{
	return f->gen;
}

unsigned feed_detached(const struct feed *f)
{
	return f->ndetached;
}

bool feed_leave(struct feed *f, unsigned rank)
{
	if (f->solo) {
		feed_free(f);
		return true;
	}
	struct fq *q = &f->q[rank];
	if (q->left)
		return false;
	q->left = true;
	f->queued -= q->len;
	free(q->v);
	q->v = NULL;
	q->len = 0;
	feed_free(q->solo);
	q->solo = NULL;
	if (--f->nleft)
		return false;
	feed_free(f);
	return true;
}

void feed_free(struct feed *f)
{
	if (!f)
		return;
	for (unsigned i = 0; f->q && i < f->nline; i++) {
		free(f->q[i].v);
		feed_free(f->q[i].solo);
	}
	free(f->q);
	free(f->batch);
	if (f->tr)
		trace_close(f->tr);
	workload_free(f->gen);
	free(f->path);
	free(f);
}
