// SPDX-License-Identifier: GPL-2.0-only
/* Page-Modification Logging: the buffer and its count-down index. */
#include "sim/pml/pml.h"

void pml_init(struct pml *p, uint64_t *page)
{
	p->page = page;
	p->index = PML_HEAD_INDEX;
	p->enabled = false;
	p->logged = 0;
	p->fulls = 0;
}

void pml_enable(struct pml *p, bool on)
{
	p->enabled = on;
}

int pml_check(struct pml *p)
{
	if (!pml_full(p))
		return 0;
	p->fulls++;
	return -ENOSPC;
}

int pml_log(struct sim *s, struct pml *p, uint64_t gpa)
{
	if (pml_full(p))
		return -ENOSPC;
	uint64_t *slot = &p->page[p->index];
	uint64_t v = gpa & ~UINT64_C(0xfff);
	sim_log(s, "pml", sim_pa(s, slot), *slot, v);
	*slot = v;
	/* The index is 16 bits: decrementing 0 gives 0xFFFF, i.e. full. */
	p->index = (uint16_t)(p->index - 1);
	p->logged++;
	return 0;
}

unsigned pml_count(const struct pml *p)
{
	return pml_full(p) ? PML_ENTRIES : PML_HEAD_INDEX - p->index;
}

size_t pml_drain(struct pml *p, uint64_t *out, size_t max)
{
	size_t n = pml_count(p);
	/* Hardware order: the first GPA went to entry 511, the last to the
	 * entry above the index (entry 0 when full). */
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = p->page[PML_HEAD_INDEX - i];
	p->index = PML_HEAD_INDEX;
	return n;
}

void pml_reset(struct pml *p)
{
	p->index = PML_HEAD_INDEX;
}
