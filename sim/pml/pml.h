/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/pml — Page-Modification Logging, one buffer per vCPU.
 *
 * The hardware state of PML (SDM "Page-Modification Logging"; KVM_FACTS B):
 * a 4 KiB page of 512 eight-byte guest-physical addresses in simulated
 * memory and a 16-bit index of the next entry to write, which software
 * starts at 511 and the CPU counts down.
 *
 * The nested walker drives it, in this order, for every EPT A or D flag it
 * is about to set:
 *   1. pml_check(): if the index is outside 0..511 the update is not made,
 *      the access is not performed, and the vCPU takes a PML-full exit —
 *      even when only an A flag was to be set;
 *   2. the flag is set;
 *   3. only if a leaf's D went from 0 to 1, pml_log() writes the 4 KiB
 *      aligned GPA at entry[index] and decrements the index (0 - 1 wraps to
 *      0xFFFF: full).
 * Updates that set only A, and writes to pages whose D is already 1, are
 * never logged.
 *
 * AMD PML (svm.pml=1) has the same semantics; the caller hands the walker
 * the vCPU's buffer on either vendor.  Draining the buffer into the dirty
 * log is KVM's job (on every exit); pml_drain() is the hardware-order read
 * it needs.
 */
#ifndef TDPSIM_SIM_PML_H
#define TDPSIM_SIM_PML_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

#define PML_ENTRIES 512
#define PML_HEAD_INDEX 511 /* an empty buffer */

struct pml {
	uint64_t *page;  /* PML_ADDRESS: 512 GPA entries in simulated memory */
	uint16_t index;  /* GUEST_PML_INDEX: next entry; > 511 means full */
	bool enabled;    /* secondary control "enable PML" */
	uint64_t logged; /* GPAs written to the page, ever */
	uint64_t fulls;  /* updates refused because the buffer was full */
};

/* A disabled buffer on @page (one 4 KiB page-table frame), index 511. */
void pml_init(struct pml *p, uint64_t *page);
void pml_enable(struct pml *p, bool on);

/* Whether the walker must consult the buffer at all. */
static inline bool pml_active(const struct pml *p)
{
	return p && p->enabled && p->page;
}

/*
 * Step 1: 0 if the CPU may set an EPT A/D flag now, -ENOSPC if the index is
 * outside 0..511 (the PML-full exit; counted in @fulls).
 */
int pml_check(struct pml *p);

/*
 * Step 3, after a leaf's D went 0 -> 1: logs @gpa's 4 KiB frame address at
 * entry[index] and decrements the index.  The store is the vCPU's own (only
 * its thread reads the page, at its exits), so it is no yield point; it is
 * recorded in the event log.  0, or -ENOSPC if the buffer is full (a caller
 * that skipped pml_check).
 */
int pml_log(struct sim *s, struct pml *p, uint64_t gpa);

/* Entries written since the last reset (0..512). */
unsigned pml_count(const struct pml *p);
static inline bool pml_full(const struct pml *p)
{
	return p->index > PML_HEAD_INDEX;
}

/*
 * Copies the logged GPAs into @out in the order the hardware wrote them
 * (entry 511 first) — up to @max of them — and resets the index to 511.
 * Returns the number of entries logged (which may exceed @max).
 */
size_t pml_drain(struct pml *p, uint64_t *out, size_t max);
/* Index back to 511 without reading. */
void pml_reset(struct pml *p);

#endif
