// SPDX-License-Identifier: GPL-2.0-only
/*
 * ChampSim instruction-trace importer.
 *
 * A ChampSim trace (usually xz-compressed) is a bare sequence of 64-byte
 * little-endian instruction records (ChampSim's struct input_instr):
 *
 *	 0  u64 ip
 *	 8  u8  is_branch, branch_taken
 *	10  u8  destination_registers[2]
 *	12  u8  source_registers[4]
 *	16  u64 destination_memory[2]	stores, 0 = none
 *	32  u64 source_memory[4]	loads, 0 = none
 *
 * Each instruction becomes a fetch of ip, then a read per nonzero source
 * address, then a write per nonzero destination address, all on vCPU 0.
 * The records carry no sizes.  ChampSim treats every address as one access to
 * its 64-byte block, so the importer gives fetches 4 bytes and data 8 bytes,
 * clipped at the block's end: an access never spans two blocks (nor pages).
 */
#include <stdlib.h>

#include "traces/trace_int.h"

#define CS_REC		64
#define CS_BATCH	1024	/* instructions per refill */
#define CS_MAX_RECS	7	/* a fetch, four loads, two stores */
#define CS_OFF_DST	16
#define CS_OFF_SRC	32
#define CS_FETCH_SIZE	4
#define CS_DATA_SIZE	8
#define CS_BLOCK	64

struct champsim {
	uint64_t next;		/* 1-based number of the next instruction */
	size_t pos, len;	/* undecoded bytes are buf[pos, len) */
	unsigned npend, pend_pos;	/* an instruction that did not fit */
	struct trace_rec pend[CS_MAX_RECS];
	uint8_t buf[CS_BATCH * CS_REC];
};

static struct trace_rec cs_rec(uint64_t addr, uint8_t kind, unsigned size)
{
	unsigned room = CS_BLOCK - (unsigned)(addr & (CS_BLOCK - 1));

	return (struct trace_rec){ .addr = addr, .kind = kind,
				   .size = (uint8_t)(size < room ? size : room) };
}

/* Decodes one instruction record into DST (room for CS_MAX_RECS). */
static size_t decode(const uint8_t *b, struct trace_rec *dst)
{
	size_t n = 0;

	dst[n++] = cs_rec(get_le64(b), TRACE_FETCH, CS_FETCH_SIZE);
	for (int i = 0; i < 4; i++) {
		uint64_t a = get_le64(b + CS_OFF_SRC + 8 * i);

		if (a)
			dst[n++] = cs_rec(a, TRACE_READ, CS_DATA_SIZE);
	}
	for (int i = 0; i < 2; i++) {
		uint64_t a = get_le64(b + CS_OFF_DST + 8 * i);

		if (a)
			dst[n++] = cs_rec(a, TRACE_WRITE, CS_DATA_SIZE);
	}
	return n;
}

/* Makes at least one whole instruction available: 1, 0 at the end, -1. */
static int refill_instr(struct trace_reader *r, struct champsim *cs)
{
	size_t have = cs->len - cs->pos;
	long got;

	if (have >= CS_REC)
		return 1;
	memmove(cs->buf, cs->buf + cs->pos, have);
	cs->pos = 0;
	cs->len = have;
	got = tsrc_read(&r->src, cs->buf + have, sizeof(cs->buf) - have);
	if (got < 0)
		return trace_fail_rec(r, cs->next, "%s", r->src.err);
	cs->len += (size_t)got;
	if (cs->len >= CS_REC)
		return 1;
	if (cs->len == 0)
		return 0;
	/* A short read is the end of the data, or a decoder's damage. */
	if (r->src.failed)
		return trace_fail_rec(r, cs->next, "%s", r->src.err);
	return trace_fail_rec(r, cs->next, "truncated: %zu of %d bytes", cs->len, CS_REC);
}

static long champsim_read(struct trace_reader *r, struct trace_rec *recs, size_t max)
{
	struct champsim *cs = r->priv;
	size_t out = 0;

	while (out < max) {
		int rc;

		if (cs->pend_pos < cs->npend) {
			recs[out++] = cs->pend[cs->pend_pos++];
			continue;
		}
		rc = refill_instr(r, cs);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (max - out >= CS_MAX_RECS) {
			out += decode(cs->buf + cs->pos, recs + out);
		} else {
			cs->npend = (unsigned)decode(cs->buf + cs->pos, cs->pend);
			cs->pend_pos = 0;
		}
		cs->pos += CS_REC;
		cs->next++;
	}
	return (long)out;
}

static int champsim_open(struct trace_reader *r)
{
	struct champsim *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return trace_fail_rec(r, 0, "out of memory");
	cs->next = 1;
	r->priv = cs;
	r->meta.nr_vcpus = 1;
	r->meta.flags |= TRACE_VADDR; /* a user program's instruction stream */
	return 0;
}

static void champsim_close(struct trace_reader *r)
{
	free(r->priv);
	r->priv = NULL;
}

const struct trace_ops trace_champsim_ops = {
	.name = "champsim",
	.probe = NULL,		/* no signature: assumed for otherwise unknown xz */
	.open = champsim_open,
	.read = champsim_read,
	.close = champsim_close,
};
