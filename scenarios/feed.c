// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feeds: one decode of a workload line, its records dealt to per-vCPU
 * queues (see feed.h for the contract).
 *
 * A feed is in one of two modes.  Shared: it decodes FEED_BATCH records at
 * a time and appends each to its rank's queue, except that the rank that
 * asked, with none queued, gets its own in its array; ranks take from their
 * queues.  Solo: it serves one rank only, reading straight into the
 * caller's buffer and filtering in place, after skipping the records of the
 * rank that were handed out before (a rank detached from a shared feed).  A
 * line of one vCPU is a solo feed from the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/feed.h"
#include "sim/core/compiler.h"

/*
 * One rank's queue: its records are rp..wp of the buffer base..lim.  The
 * dealing loop appends through wp until it meets end, which is lim; only
 * then does it call out (fq_room()), to move the records to the front of
 * the buffer, grow it, or drop the record of a rank that takes none.  So a
 * rank that is detached or has left keeps no buffer (all five NULL), and
 * the loop needs no test of its own for it.
 *
 * While the feed deals to the rank that asked for records and has none
 * queued, wp..end is the caller's array instead (see deal()): that rank's
 * records go there straight from the decode, skipping its queue.
 */
struct fq {
	struct trace_rec *wp, *end;	/* first of the loop's two (hot) */
	struct trace_rec *rp;		/* next record to hand out */
	struct trace_rec *base, *lim;	/* the buffer */
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

static size_t fq_len(const struct fq *q)
{
	return (size_t)(q->wp - q->rp);
}

/* Drops @q's records and buffer. */
static void fq_drop(struct fq *q)
{
	free(q->base);
	q->wp = q->end = q->rp = q->base = q->lim = NULL;
}

/*
 * @q's wp has met its end: makes room for one more record.  0: there is
 * room; 1: the rank takes no records (the one at hand is dropped); -1: out
 * of memory.  A buffer at most half full has its records moved to the
 * front (rp was past the middle: at most one move per record appended);
 * a fuller one is doubled (or made, 64 records).  So a buffer has room
 * for at most four times the most records it held at once, or 64 (a ring
 * that doubles when full: twice), and queues that empty keep refilling
 * their buffers' first lines, as a ring would not.
 */
static int __attribute__((noinline)) fq_room(struct fq *q)
{
	if (q->solo || q->left)
		return 1;
	size_t len = fq_len(q), cap = (size_t)(q->lim - q->base);
	if (cap && len <= cap / 2) {
		memmove(q->base, q->rp, len * sizeof(*q->rp));
	} else {
		size_t ncap = cap ? 2 * cap : 64;
		struct trace_rec *v = malloc(ncap * sizeof(*v));
		if (!v)
			return -1;
		if (len)
			memcpy(v, q->rp, len * sizeof(*v));
		free(q->base);
		q->base = v;
		q->lim = v + ncap;
	}
	q->rp = q->base;
	q->wp = q->base + len;
	q->end = q->lim;
	return 0;
}

static size_t fq_pop(struct fq *q, struct trace_rec *recs, size_t max)
{
	size_t len = fq_len(q), n = len < max ? len : max;
	memcpy(recs, q->rp, n * sizeof(*recs));
	q->rp += n;
	/* Empty: the next records go to the front again, whose lines the
	 * last ones warmed. */
	if (q->rp == q->wp)
		q->rp = q->wp = q->base;
	q->taken += n;
	return n;
}

/* Gives the rank with the longest queue (not @keep) a stream of its own,
 * so that its queue can go.  There is one while anything is queued (@keep's
 * queue is empty); a count out of step with the queues would otherwise
 * have deal() call here forever. */
static int detach_longest(struct feed *f, unsigned keep)
{
	unsigned best = UINT32_MAX;
	for (unsigned i = 0; i < f->nline; i++)
		if (i != keep && fq_len(&f->q[i]) &&
		    (best == UINT32_MAX || fq_len(&f->q[i]) > fq_len(&f->q[best])))
			best = i;
	if (best == UINT32_MAX)
		return (int)fail(f, "feed: the count of queued records is out of "
				 "step with the queues");
	struct fq *q = &f->q[best];
	char err[512];
	q->solo = open_stream(f->path, &f->gp, f->nline, err, sizeof(err));
	if (!q->solo)
		return (int)fail(f, err);
	make_solo(q->solo, best, q->taken);
	f->queued -= fq_len(q);
	fq_drop(q);
	f->ndetached++;
	return 0;
}

/*
 * Shared: decodes one batch into the queues, but the records of @rank
 * (whose queue is empty) into @recs, up to @max of them: how many went
 * there, or -1.  The loop below is the feed's hot path: per record, a
 * bounds check, a compare with the queue's end and a copy.
 */
static long deal(struct feed *f, unsigned rank, struct trace_rec *recs, size_t max)
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
	/* @rank's records go to @recs while they fit (its queue is empty,
	 * so its order is kept); the rest to its queue.  A rank that has
	 * left or is detached has no queue, and its records are dropped. */
	struct fq *const me = &f->q[rank];
	me->wp = recs;
	me->end = recs + max;
	/* Locals: the stores into the queues could alias @f's fields. */
	struct fq *const qs = f->q;
	const unsigned nline = f->nline;
	const struct trace_rec *r = f->batch, *const end = f->batch + got;
	size_t dropped = 0, direct = 0;
	long ret = 0;
	for (; r != end; r++) {
		if (unlikely(r->vcpu >= nline)) {
			ret = bad_vcpu(f, r->vcpu);
			break;
		}
		struct fq *q = &qs[r->vcpu];
		if (unlikely(q->wp == q->end)) {
			if (q == me && !direct) {
				/* @recs is full: on to the queue (empty, so
				 * rp is its buffer's start). */
				direct = max;
				me->wp = me->rp;
				me->end = me->lim;
				if (me->wp != me->end)
					goto push;
			}
			int rc = fq_room(q);
			if (rc > 0) {
				dropped++;
				continue;
			}
			if (rc < 0) {
				ret = fail(f, "out of memory for a vCPU's records");
				break;
			}
		}
push:
		*q->wp++ = *r;
	}
	if (!direct) {
		/* Still dealing into @recs: take the queue back. */
		direct = (size_t)(me->wp - recs);
		me->wp = me->rp;
		me->end = me->lim;
	}
	me->taken += direct;
	f->queued += (size_t)(r - f->batch) - dropped - direct;
	return ret < 0 ? ret : (long)direct;
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
	if (fq_len(q)) {
		size_t n = fq_pop(q, recs, max);
		f->queued -= n;
		return (long)n;
	}
	/* Nothing queued: deal until a batch has records of the rank. */
	for (;;) {
		if (f->failed)
			return -1;
		if (f->eof)
			return 0;
		long n = deal(f, rank, recs, max);
		if (n)
			return n;
	}
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
	f->queued -= fq_len(q);
	fq_drop(q);
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
		free(f->q[i].base);
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
