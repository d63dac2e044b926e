/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/mm.h — pages, the host page tables and allocation, as the tree's MMU
 * sees them.
 *
 * Page-table pages (__get_free_page, the shadow-page memory cache) come from
 * the simulated memory, so the hardware walker reads what the tree wrote;
 * __pa/__va convert with the engine's arena, and virt_to_page()/
 * page_private() keep the struct kvm_mmu_page pointer of each table
 * (sptep_to_sp).  Object allocations (kmem_cache, kvcalloc) are host heap.
 * A host page-table walk (pgd_offset ... pmd_leaf) answers with the host
 * model's mapping level of the hva at the moment of the walk.
 */
#ifndef KSHIM_MM_H
#define KSHIM_MM_H

#include <kshim/sync.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PUD_SIZE (1UL << PUD_SHIFT)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))

#define GFP_KERNEL 0x1u
#define GFP_KERNEL_ACCOUNT 0x3u
#define GFP_ATOMIC 0x4u
#define GFP_NOWAIT 0x8u
#define __GFP_ZERO 0x100u
#define __GFP_ACCOUNT 0x2u
#define __GFP_NOWARN 0x200u
#define __GFP_DMA32 0x400u
#define __GFP_RECLAIMABLE 0x800u
#define SLAB_ACCOUNT 0x1u
#define SLAB_RECLAIM_ACCOUNT 0x2u

/* One per page-table page the tree allocated (and a shared one for any
 * other pfn the tree looks at). */
struct page {
	unsigned long private;
	u64 pfn;
	unsigned long flags;
};
struct folio;

struct page *kshim_virt_to_page(const void *va);
struct page *kshim_pfn_to_page(u64 pfn);
u64 kshim_pa(const void *va);
void *kshim_va(u64 pa);
u64 kshim_zero_pfn(void);

#define virt_to_page(va) kshim_virt_to_page((const void *)(va))
#define pfn_to_page(pfn) kshim_pfn_to_page(pfn)
#define page_to_pfn(p) ((p)->pfn)
#define page_address(p) kshim_va((p)->pfn << PAGE_SHIFT)
#define page_private(p) ((p)->private)
#define set_page_private(p, v) ((p)->private = (unsigned long)(v))
#define __pa(va) kshim_pa((const void *)(va))
#define __va(pa) kshim_va(pa)
#define virt_to_phys(va) kshim_pa((const void *)(va))
#define pfn_valid(pfn) 1
#define PageReserved(p) 0
#define page_count(p) 1
#define put_page(p) ((void)(p))
#define my_zero_pfn(addr) kshim_zero_pfn()
static inline bool is_zero_pfn(u64 pfn) { return pfn == kshim_zero_pfn(); }

/* Page-table pages in simulated memory (zeroed). */
unsigned long __get_free_page(gfp_t gfp);
unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);
struct page *alloc_page(gfp_t gfp);
#define alloc_pages_node(nid, gfp, order) alloc_page(gfp)

/* Host heap objects. */
struct kmem_cache;
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *));
#define KMEM_CACHE(s, flags) kmem_cache_create(#s, sizeof(struct s), 0, flags, NULL)
void kmem_cache_destroy(struct kmem_cache *c);
void *kmem_cache_zalloc(struct kmem_cache *c, gfp_t gfp);
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);
void *kzalloc(size_t size, gfp_t gfp);
void *kmalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);
void *kvcalloc(size_t n, size_t size, gfp_t gfp);
void *kvzalloc(size_t size, gfp_t gfp);
void *kvmalloc_array(size_t n, size_t size, gfp_t gfp);
void kvfree(const void *p);
void *__vcalloc(size_t n, size_t size, gfp_t gfp);
#define vcalloc(n, s) __vcalloc(n, s, GFP_KERNEL)
void *vzalloc(size_t size);
void vfree(const void *p);

/* ------------------------------------------------- host page-table walk */

/*
 * Each level's value carries the hva and the host model's mapping level
 * (1 = 4K, 2 = 2M, 3 = 1G) taken at pgd_offset: the walk is one look at
 * the host page tables, as the tree's lockless walk with IRQs off is.
 * The values live in the walker's own frame (compound literals).
 */
struct mm_struct;
int kshim_host_level(struct mm_struct *mm, unsigned long hva);
typedef struct { unsigned long hva; int level; } pgd_t;
typedef struct { unsigned long hva; int level; } p4d_t;
typedef struct { unsigned long hva; int level; } pud_t;
typedef struct { unsigned long hva; int level; } pmd_t;
typedef struct { u64 pte; } pte_t;
#define pgd_offset(mm, a) (&(pgd_t){ (a), kshim_host_level((mm), (a)) })
#define p4d_offset(pgdp, a) (&(p4d_t){ (a), (pgdp)->level })
#define pud_offset(p4dp, a) (&(pud_t){ (a), (p4dp)->level })
#define pmd_offset(pudp, a) (&(pmd_t){ (a), (pudp)->level })
#define pgd_none(x) ((x).level == 0)
#define p4d_none(x) ((x).level == 0)
#define pud_none(x) ((x).level == 0)
#define pmd_none(x) ((x).level == 0)
#define p4d_present(x) ((x).level != 0)
#define pud_present(x) ((x).level != 0)
#define pmd_present(x) ((x).level != 0)
#define pud_leaf(x) ((x).level == 3)
#define pmd_leaf(x) ((x).level == 2)
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: the host mapping level asks pud_large/pmd_large. */
#define pud_large(x) pud_leaf(x)
#define pmd_large(x) pmd_leaf(x)

/*
 * 6.1: change_pte hands KVM the new host PTE (kvm_gfn_range.pte).  The
 * x86 PTE format: PSE bit 7, RW bit 1, the pfn in bits 51:12.
 */
#define __pte(x) ((pte_t){ (x) })
#define pte_val(x) ((x).pte)
static inline bool pte_huge(pte_t pte) { return pte.pte & (1ULL << 7); }
static inline bool pte_write(pte_t pte) { return pte.pte & (1ULL << 1); }
static inline unsigned long pte_pfn(pte_t pte)
{
	return (pte.pte & (((1ULL << 52) - 1) & PAGE_MASK)) >> PAGE_SHIFT;
}
#endif

#endif
