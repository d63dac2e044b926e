// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMM's address space: VMAs with a backing type, and the host page
 * tables (hva -> frame at 4 KiB, 2 MiB or 1 GiB) that KVM's gfn -> pfn and
 * maximum-mapping-level lookups consult.
 *
 * The tables are sparse and per VMA: one slot per GiB of the VMA, a 2 MiB
 * slot table below it only where something is mapped, a 4 KiB table below
 * that only where 4 KiB mappings exist.  A 1 TiB VMA costs 16 KiB until it
 * is touched.
 */
#include "sim/host/host_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)
/* A 4 KiB table: 512 entries. */
#define PTE_TABLE_BYTES (512 * sizeof(uint64_t))

static uint64_t backing_align(enum host_backing b)
{
	return b == HOST_BACKING_HUGETLB_1G ? SZ_1G
	       : b == HOST_BACKING_HUGETLB_2M ? SZ_2M
					      : HOST_PAGE_SIZE;
}

/* Index of the first VMA whose end is above @hva. */
static size_t vma_lower(const struct host *h, uint64_t hva)
{
	size_t lo = 0, hi = h->nvma;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->vma[mid].end <= hva)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct vma *vma_find(const struct host *h, uint64_t hva)
{
	size_t i = vma_lower(h, hva);
	return i < h->nvma && h->vma[i].start <= hva ? &h->vma[i] : NULL;
}

struct vma *host_vma_find(const struct host *h, uint64_t hva)
{
	return vma_find(h, hva);
}

struct vma *host_vma_next(const struct host *h, uint64_t hva)
{
	size_t i = vma_lower(h, hva);
	return i < h->nvma ? &h->vma[i] : NULL;
}

int host_vma_create(struct host *h, uint64_t hva, uint64_t len,
		    enum host_backing b, unsigned flags)
{
	uint64_t align = backing_align(b);
	if (b > HOST_BACKING_HUGETLB_1G || len == 0 || hva % align ||
	    len % align || hva + len < hva)
		return -EINVAL;
	size_t i = vma_lower(h, hva);
	if (i < h->nvma && h->vma[i].start < hva + len)
		return -EEXIST;
	if (h->nvma == h->capvma) {
		size_t cap = h->capvma ? 2 * h->capvma : 8;
		struct vma *n = realloc(h->vma, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		h->vma = n;
		h->capvma = cap;
	}
	struct vma v = {
		.start = hva,
		.end = hva + len,
		.backing = b,
		.flags = flags,
		.pud_base = hva >> 30,
		.npud = ((hva + len - 1) >> 30) - (hva >> 30) + 1,
	};
	v.pud = calloc(v.npud, sizeof(*v.pud));
	if (!v.pud)
		return -ENOMEM;
	h->st.vma_pt_bytes += v.npud * sizeof(*v.pud);
	memmove(&h->vma[i + 1], &h->vma[i], (h->nvma - i) * sizeof(v));
	h->vma[i] = v;
	h->nvma++;
	return 0;
}

int host_mmap(struct host *h, uint64_t len, enum host_backing b,
	      unsigned flags, uint64_t *hva)
{
	uint64_t at = h->mmap_next;
	if (h->nvma && h->vma[h->nvma - 1].end > at)
		at = h->vma[h->nvma - 1].end;
	at = (at + SZ_1G - 1) & ~(SZ_1G - 1);
	int err = host_vma_create(h, at, len, b, flags);
	if (err)
		return err;
	h->mmap_next = (at + len + SZ_1G - 1) & ~(SZ_1G - 1);
	*hva = at;
	return 0;
}

/* The slot that maps @hva in @v now and its level: the 1 GiB entry if it
 * is in use or nothing lies below it, else the 2 MiB entry if in use or no
 * 4 KiB table lies below it, else the 4 KiB entry. */
static uint64_t *vma_slot(const struct vma *v, uint64_t hva, int *level)
{
	struct hpud *pud = &v->pud[(hva >> 30) - v->pud_base];
	*level = 3;
	if (pud->e || !pud->pmd)
		return &pud->e;
	unsigned i = (hva >> 21) & 511;
	*level = 2;
	if (pud->pmd->e[i] || !pud->pmd->pte[i])
		return &pud->pmd->e[i];
	*level = 1;
	return &pud->pmd->pte[i][(hva >> 12) & 511];
}

/* The mapping of @hva in @v: its entry (0 if none) and level. */
static uint64_t vma_entry(const struct vma *v, uint64_t hva, int *level)
{
	return *vma_slot(v, hva, level);
}

uint64_t *host_hpte(const struct host *h, uint64_t hva, int *level)
{
	const struct vma *v = vma_find(h, hva);
	return v ? vma_slot(v, hva, level) : NULL;
}

uint64_t *host_pte_table(const struct host *h, uint64_t base)
{
	const struct vma *v = vma_find(h, base);
	if (!v)
		return NULL;
	const struct hpud *pud = &v->pud[(base >> 30) - v->pud_base];
	return pud->pmd ? pud->pmd->pte[(base >> 21) & 511] : NULL;
}

int host_pmd_to_ptes(struct host *h, uint64_t base, uint64_t pte0)
{
	struct vma *v = vma_find(h, base);
	if (!v)
		return -EINVAL;
	struct hpmd *pmd = v->pud[(base >> 30) - v->pud_base].pmd;
	unsigned i = (base >> 21) & 511;
	if (!pmd)
		return -EINVAL;
	uint64_t *t = pmd->pte[i];
	if (!t) {
		if (!(t = calloc(512, sizeof(*t))))
			return -ENOMEM;
		h->st.vma_pt_bytes += PTE_TABLE_BYTES;
	}
	for (unsigned k = 0; k < 512; k++)
		t[k] = pte0 + ((uint64_t)k << HOST_PAGE_SHIFT);
	pmd->pte[i] = t;
	pmd->e[i] = 0;
	return 0;
}

void host_ptes_to_pmd(struct host *h, uint64_t base, uint64_t e)
{
	struct vma *v = vma_find(h, base);
	struct hpmd *pmd = v ? v->pud[(base >> 30) - v->pud_base].pmd : NULL;
	if (!pmd)
		return;
	unsigned i = (base >> 21) & 511;
	if (pmd->pte[i])
		h->st.vma_pt_bytes -= PTE_TABLE_BYTES;
	free(pmd->pte[i]);
	pmd->pte[i] = NULL;
	pmd->e[i] = e;
}

/* The frame for @hva inside the mapping @e of @level. */
static uint64_t entry_pfn(uint64_t e, int level, uint64_t hva)
{
	uint64_t span = level == 3 ? SZ_1G : level == 2 ? SZ_2M : HOST_PAGE_SIZE;
	return HPTE_PFN(e) + ((hva & (span - 1)) >> HOST_PAGE_SHIFT);
}

int host_lookup(const struct host *h, uint64_t hva, uint64_t *pfn, int *level,
		bool *writable)
{
	const struct vma *v = vma_find(h, hva);
	int l;
	if (!v)
		return -ENOENT;
	uint64_t e = vma_entry(v, hva, &l);
	if (!(e & HPTE_PRESENT))
		return -ENOENT;
	if (pfn)
		*pfn = entry_pfn(e, l, hva);
	if (level)
		*level = l;
	if (writable)
		*writable = e & HPTE_WRITE;
	return 0;
}

int host_mapping_level(const struct host *h, uint64_t hva)
{
	int level;
	return host_lookup(h, hva, NULL, &level, NULL) ? 1 : level;
}

static struct hpmd *pmd_get(struct host *h, struct hpud *pud)
{
	if (!pud->pmd && (pud->pmd = calloc(1, sizeof(*pud->pmd))))
		h->st.vma_pt_bytes += sizeof(*pud->pmd);
	return pud->pmd;
}

/*
 * Maps a new folio of @order at the slot of @hva for @level.  A writable
 * entry starts dirty: Linux maps the zero page on an anonymous read fault
 * and a private folio only on a write, which leaves the PTE dirty, so a
 * writable anonymous PTE is clean only after MADV_FREE.  That is what
 * makes a writable SPTE (which needs a writable host PTE) always come
 * with dirtiness the host can see, or with KVM's own folio_mark_dirty.
 */
static int map_new(struct host *h, struct vma *v, uint64_t hva, int level,
		   uint64_t *head)
{
	struct hpud *pud = &v->pud[(hva >> 30) - v->pud_base];
	unsigned order = level == 3 ? HOST_ORDER_1G
			 : level == 2 ? HOST_ORDER_2M : HOST_ORDER_4K;
	uint64_t *slot;

	if (level == 3) {
		slot = &pud->e;
	} else {
		struct hpmd *pmd = pmd_get(h, pud);
		if (!pmd)
			return -ENOMEM;
		unsigned i = (hva >> 21) & 511;
		if (level == 2) {
			slot = &pmd->e[i];
		} else {
			if (!pmd->pte[i]) {
				if (!(pmd->pte[i] = calloc(512, sizeof(uint64_t))))
					return -ENOMEM;
				h->st.vma_pt_bytes += PTE_TABLE_BYTES;
			}
			slot = &pmd->pte[i][(hva >> 12) & 511];
		}
	}
	int err = host_folio_alloc(h, order, head);
	if (err)
		return err;
	/* The folio's initial reference belongs to this mapping. */
	host_folio_map(h, *head);
	*slot = *head << HOST_PAGE_SHIFT | HPTE_PRESENT |
		(v->flags & HOST_VMA_RDONLY ? 0 : HPTE_WRITE | HPTE_DIRTY);
	h->st.faults++;
	return 0;
}

int host_faultin(struct host *h, uint64_t hva, bool write, uint64_t *pfn,
		 int *level, bool *writable)
{
	struct vma *v;
	uint64_t head, e, *pe;
	int l, err;

again:
	v = vma_find(h, hva);
	if (!v || (write && (v->flags & HOST_VMA_RDONLY)))
		return -EFAULT;
	pe = vma_slot(v, hva, &l);
	e = *pe;
	if (e & HPTE_MIGRATION) {
		/* migration_entry_wait: a host event is moving, splitting or
		 * collapsing this memory; the fault resumes on the new
		 * mapping, never on a fresh zero folio. */
		if (host_migration_wait(h))
			return -EAGAIN;
		goto again;
	}
	if ((e & HPTE_PRESENT) && write && !(e & HPTE_WRITE)) {
		/*
		 * do_wp_page on a folio only this mapping holds: reuse it,
		 * writable and dirty.  This is how a write after writeback's
		 * page_mkclean gets back in, and the dirty PTE is what the
		 * next writeback or unmap hands to the folio.  The update is
		 * a yield point; whatever changed the entry meanwhile (an
		 * event froze or moved it) wins and the fault starts over.
		 */
		host_yield(h, sim_params(h->s)->lat_atomic);
		v = vma_find(h, hva);
		if (!v)
			return -EFAULT;
		pe = vma_slot(v, hva, &l);
		if (*pe != e)
			goto again;
		e |= HPTE_WRITE | HPTE_DIRTY;
		*pe = e;
		h->st.wp_faults++;
		sim_log(h->s, "host.pte", hva & ~(HOST_PAGE_SIZE - 1),
			e & ~(HPTE_WRITE | HPTE_DIRTY), e);
	}
	if (e & HPTE_PRESENT) {
		*pfn = entry_pfn(e, l, hva);
		*level = l;
		*writable = e & HPTE_WRITE;
		return 0;
	}
	switch (v->backing) {
	case HOST_BACKING_HUGETLB_1G:
		l = 3;
		err = map_new(h, v, hva, l, &head);
		break;
	case HOST_BACKING_HUGETLB_2M:
		l = 2;
		err = map_new(h, v, hva, l, &head);
		break;
	case HOST_BACKING_THP: {
		/* A 2 MiB folio only where the aligned 2 MiB range lies inside
		 * the VMA and no 4 KiB mapping exists in it yet; the kernel
		 * falls back to 4 KiB when no 2 MiB block is free. */
		uint64_t base = hva & ~(SZ_2M - 1);
		const struct hpud *pud = &v->pud[(hva >> 30) - v->pud_base];
		bool has_ptes = pud->pmd && pud->pmd->pte[(hva >> 21) & 511];
		err = -ENOMEM;
		if (base >= v->start && base + SZ_2M <= v->end && !has_ptes) {
			l = 2;
			err = map_new(h, v, hva, l, &head);
			if (err == -ENOMEM)
				h->st.thp_fallbacks++;
		}
		if (err == -ENOMEM) {
			l = 1;
			err = map_new(h, v, hva, l, &head);
		}
		break;
	}
	default:
		l = 1;
		err = map_new(h, v, hva, l, &head);
		break;
	}
	if (err)
		return err;
	e = vma_entry(v, hva, &l);
	*pfn = entry_pfn(e, l, hva);
	*level = l;
	*writable = e & HPTE_WRITE;
	return 1;
}

void host_vma_free_all(struct host *h)
{
	for (size_t i = 0; i < h->nvma; i++) {
		struct vma *v = &h->vma[i];
		for (uint64_t j = 0; j < v->npud; j++) {
			struct hpmd *pmd = v->pud[j].pmd;
			if (!pmd)
				continue;
			for (unsigned k = 0; k < 512; k++)
				free(pmd->pte[k]);
			free(pmd);
		}
		free(v->pud);
	}
	h->st.vma_pt_bytes = 0;
	free(h->vma);
	h->vma = NULL;
	h->nvma = h->capvma = 0;
}

/* A present mapping must point at the head-relative frames of an allocated
 * data folio of exactly the mapping's size. */
static int check_entry(const struct host *h, uint64_t e, int level,
		       uint64_t hva, char *msg, size_t msglen)
{
	struct host_folio f;
	unsigned order = level == 3 ? 18 : level == 2 ? 9 : 0;
	if (!(e & HPTE_PRESENT))
		return 0;
	if (host_folio_get_info(h, HPTE_PFN(e), &f) || f.pfn != HPTE_PFN(e) ||
	    f.order != order || (f.flags & FOLIO_PT) || !f.mapcount) {
		snprintf(msg, msglen, "hva %#llx level %d maps frame %#llx, which is not a mapped order-%u data folio",
			 (unsigned long long)hva, level,
			 (unsigned long long)HPTE_PFN(e), order);
		return -EFAULT;
	}
	return 0;
}

int host_check_vmas(const struct host *h, char *msg, size_t msglen)
{
	for (size_t i = 0; i < h->nvma; i++) {
		const struct vma *v = &h->vma[i];
		if (i && h->vma[i - 1].end > v->start) {
			snprintf(msg, msglen, "VMAs %zu and %zu overlap", i - 1, i);
			return -EFAULT;
		}
		for (uint64_t j = 0; j < v->npud; j++) {
			const struct hpud *pud = &v->pud[j];
			uint64_t g = (v->pud_base + j) << 30;
			if (check_entry(h, pud->e, 3, g, msg, msglen))
				return -EFAULT;
			if (!pud->pmd)
				continue;
			for (unsigned k = 0; k < 512; k++) {
				uint64_t m = g + ((uint64_t)k << 21);
				if (check_entry(h, pud->pmd->e[k], 2, m, msg, msglen))
					return -EFAULT;
				if (!pud->pmd->pte[k])
					continue;
				for (unsigned x = 0; x < 512; x++)
					if (check_entry(h, pud->pmd->pte[k][x], 1,
							m + ((uint64_t)x << 12),
							msg, msglen))
						return -EFAULT;
			}
		}
	}
	return 0;
}
