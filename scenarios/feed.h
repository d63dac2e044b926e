/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A workload line's records, decoded once and dealt to the line's vCPUs.
 *
 * A trace or generator interleaves the records of several vCPUs (record
 * vCPU k belongs to the line's k-th vCPU, its "rank").  A feed reads the
 * stream once and appends each record to its rank's queue; a vCPU takes its
 * records from its queue, or, when that is empty, straight from the decode
 * (its own records go to the caller's array, the others' to their queues).
 * Each rank sees exactly the records of the stream that carry its number,
 * in stream order: what filtering a reader of its own would give, at the
 * cost of one decode for the whole line instead of one per vCPU.
 *
 * Memory is bounded: the queues hold at most FEED_MAX_QUEUED records in all
 * (records a fast vCPU made the feed decode before a slow one wants them).
 * When a decode would go beyond that, the rank with the longest queue is
 * detached: its queue is dropped and it reads a stream of its own from the
 * start, skipping the records it has already taken.  Its records are the
 * same; only the decode is repeated, for that rank alone.
 *
 * A line of one vCPU reads straight from its stream (no queue, no copy).
 */
#ifndef TDPSIM_SCENARIOS_FEED_H
#define TDPSIM_SCENARIOS_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "traces/trace.h"
#include "workloads/workload.h"

/* Records queued over all ranks of a feed, at most (16 MiB), and the
 * records decoded at a time. */
#define FEED_MAX_QUEUED (1u << 20)
#define FEED_BATCH 4096

struct feed;

/* What a feed reads: a trace file, or a generator's parameters (their
 * vcpus field is the line's vCPU count). */
struct feed_src {
	const char *path;			/* a trace, or NULL */
	const struct workload_params *gen;	/* else a generator */
	unsigned nline;				/* vCPUs of the line */
	size_t max_queued;			/* 0: FEED_MAX_QUEUED (tests set less) */
};

/* Opens @src; NULL + message.  The feed copies what it needs of @src. */
struct feed *feed_open(const struct feed_src *src, char *err, size_t errlen);

/* Up to @max records of @rank into @recs: how many, 0 at the end of its
 * records, -1 on an error (feed_error(); every later call fails too). */
long feed_read(struct feed *f, unsigned rank, struct trace_rec *recs, size_t max);

/* The message of the error; and, for a record naming a vCPU the line has
 * no rank for, that vCPU number (else UINT32_MAX). */
const char *feed_error(const struct feed *f);
unsigned feed_bad_vcpu(const struct feed *f);

/* The stream's metadata (traces; zeroes for a generator). */
const struct trace_meta *feed_meta(const struct feed *f);
/* The trace's address-space table (trace_aspaces()), or NULL. */
const uint32_t *feed_aspaces(const struct feed *f);
/* The generator of a generator's feed (for workload_span()), else NULL. */
const struct workload_gen *feed_gen(const struct feed *f);

/* @rank is done with the feed; the last rank to leave frees it.  Returns
 * true when it was freed. */
bool feed_leave(struct feed *f, unsigned rank);

/* Frees the feed whoever is still in it.  NULL is a no-op. */
void feed_free(struct feed *f);

/* Ranks detached so far (their streams read again on their own). */
unsigned feed_detached(const struct feed *f);

#endif /* TDPSIM_SCENARIOS_FEED_H */
