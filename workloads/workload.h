/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * workloads — synthetic access streams: sequential, strided, uniform random
 * and zipf hot-set, over vCPUs that share part of their working sets.
 *
 * A generator hands out struct trace_rec batches exactly like a trace reader,
 * so the simulator can run one without a file and `tdpsim trace gen` can
 * write one to a file.  Output depends only on the parameters (seed
 * included): the generators use their own PRNG (xoshiro256**), never rand().
 *
 * Address layout.  Every vCPU sees a working set of `ws` bytes, offsets
 * [0, ws).  The first `shared` bytes of it (share * ws, rounded down to whole
 * 4 KiB pages; all of it if share = 1) are the same memory for every vCPU;
 * the rest is private:
 *
 *	base                     shared region, `shared` bytes, all vCPUs
 *	base + shared + v * P    vCPU v's private region (P = private bytes
 *	                         rounded up to 4 KiB)
 *
 * Accesses go round-robin over the vCPUs (record i is vCPU i % vcpus), are
 * aligned to their size and never leave the working set.
 *
 *	seq	vCPU's k-th access at offset (k mod N) * size, N = ws / size
 *	stride	at offset (k mod N) * stride, N = (ws - size) / stride + 1
 *	uniform	at a uniformly random size-aligned offset
 *	zipf	on 4 KiB page P(rank) with probability ~ 1 / rank^zipf, at a
 *		uniformly random size-aligned offset inside it; P is a seeded
 *		permutation of the pages, so hot pages are scattered over shared
 *		and private memory alike
 *
 * An access is a write with probability `writes` (a read otherwise).
 */
#ifndef WORKLOADS_WORKLOAD_H
#define WORKLOADS_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "traces/trace.h"

#define WORKLOAD_PAGE 4096u	/* granule of sharing and of zipf's hot set */

enum workload_pattern { WORKLOAD_SEQ, WORKLOAD_STRIDE, WORKLOAD_UNIFORM, WORKLOAD_ZIPF };

struct workload_params {
	enum workload_pattern pattern;
	uint64_t ws;		/* working-set size of each vCPU, bytes */
	uint64_t base;		/* lowest address */
	uint64_t stride;	/* bytes between a vCPU's accesses (stride) */
	unsigned size;		/* access size, bytes, 1..TRACE_MAX_SIZE */
	double writes;		/* fraction of accesses that write, 0..1 */
	uint64_t count;		/* accesses, over all vCPUs */
	unsigned vcpus;		/* 1..65536 */
	double share;		/* fraction of the working set shared, 0..1 */
	double zipf;		/* zipf exponent s, > 0 (zipf) */
	uint64_t seed;
};

/* One parameter: its key (also the `trace gen --KEY` option) and its doc. */
struct workload_param_doc {
	const char *key;
	const char *def;	/* the default, as text */
	const char *doc;	/* unit and meaning */
};

/* The I-th documented parameter, or NULL past the last. */
const struct workload_param_doc *workload_param_doc(size_t i);

/* Fills P with the defaults of workload_param_docs(). */
void workload_defaults(struct workload_params *p);
/* Sets the parameter KEY from text VAL ("64M", "0.3", "zipf", "0x1000").
 * 0, or -1 + "KEY: what" in ERR. */
int workload_set(struct workload_params *p, const char *key, const char *val,
		 char *err, size_t errlen);

/* ---- Generating -------------------------------------------------------- */

struct workload_gen;

/* Checks P and starts a generator.  NULL + message if P is impossible. */
struct workload_gen *workload_new(const struct workload_params *p, char *err, size_t errlen);
/* Fills up to MAX records; returns how many, 0 once `count` are out. */
size_t workload_fill(struct workload_gen *g, struct trace_rec *recs, size_t max);
/* Where offset OFF of vCPU V's working set lives. */
uint64_t workload_addr(const struct workload_gen *g, unsigned v, uint64_t off);
/* The address range [*LO, *HI) the generator may touch. */
void workload_span(const struct workload_gen *g, uint64_t *lo, uint64_t *hi);
void workload_free(struct workload_gen *g);

/* ---- Text -------------------------------------------------------------- */

const char *workload_pattern_name(enum workload_pattern p);
/* "seq", "stride", "uniform", "zipf" -> *P: 0, or -1. */
int workload_pattern_parse(const char *s, enum workload_pattern *p);
/* Bytes: decimal or 0x hex, with an optional K/M/G/T (binary) suffix. */
int workload_parse_size(const char *s, uint64_t *out);

#endif /* WORKLOADS_WORKLOAD_H */
