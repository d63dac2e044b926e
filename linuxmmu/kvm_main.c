// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/kvm_main.c — virt/kvm/kvm_main.c's part for a kernel tree's MMU:
 * VM and vCPU lifetime, requests and kicks, remote TLB flushes, memslots
 * and their lookup, gfn->pfn, the MMU memory caches, the mmu_notifier
 * handlers with the invalidation sequence, and the dirty bitmap.  Each is
 * written from the kernel's documented behaviour for tdpsim; the MMU work
 * itself is the tree's (kvm_unmap_gfn_range, kvm_age_gfn, ...).
 */
#include "linuxmmu/lkvm.h"

/* ------------------------------------------------------- kernel globals */

struct kvm_x86_ops kvm_x86_ops;
struct kvm_host_values kvm_host;
struct cpuinfo_x86 boot_cpu_data;
LIST_HEAD(vm_list);
struct mutex kvm_lock;
bool eager_page_split = true;
__typeof__(itlb_multihit_kvm_mitigation) itlb_multihit_kvm_mitigation; /* bool in 6.1 */

/* -------------------------------------------------------------- vCPUs */

struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, unsigned idx)
{
	struct lkvm *lk = to_lkvm(kvm);

	return idx < lk->nr_vcpus ? &lk->vcpus[idx]->vcpu : NULL;
}

/* The VM whose page-table pages are accounted (one at a time). */
static struct lkvm *pgtable_vm;

/* memcg accounting of page-table pages: no memory cgroups here; the count
 * is kept (6.1's number of TDP MMU pages, see kver.h). */
void kvm_account_pgtable_pages(void *virt, int nr)
{
	if (pgtable_vm)
		pgtable_vm->pgtable_pages += (u64)(s64)nr;
}

unsigned kvm_vcpu_idx(const struct kvm_vcpu *vcpu) { return (unsigned)vcpu->vcpu_idx; }
struct env *kvm_env(const struct kvm *kvm) { return container_of(kvm, struct lkvm, kvm)->env; }

const struct kvm_run *kvm_vcpu_run_info(const struct kvm_vcpu *vcpu)
{
	return &container_of(vcpu, struct lvcpu, vcpu)->run;
}

/* ------------------------------------------------ requests and kicks */

void kvm_make_request(int req, struct kvm_vcpu *vcpu)
{
	kshim_fetch_or64(&vcpu->requests, 1ull << (req & KVM_REQUEST_MASK));
}

bool kvm_test_request(int req, struct kvm_vcpu *vcpu)
{
	return kshim_load64(&vcpu->requests) & (1ull << (req & KVM_REQUEST_MASK));
}

void kvm_clear_request(int req, struct kvm_vcpu *vcpu)
{
	kshim_fetch_and64(&vcpu->requests, ~(1ull << (req & KVM_REQUEST_MASK)));
}

bool kvm_check_request(int req, struct kvm_vcpu *vcpu)
{
	if (!kvm_test_request(req, vcpu))
		return false;
	kvm_clear_request(req, vcpu);
	return true;
}

bool kvm_request_pending(struct kvm_vcpu *vcpu)
{
	return kshim_load64(&vcpu->requests) != 0;
}

/* kvm_make_all_cpus_request, kvm_vcpu_kick and kvm_flush_remote_tlbs are
 * the model's (kvmmu/kvm_vcpu.c, compiled here too). */

void kvm_flush_remote_tlbs_range(struct kvm *kvm, gfn_t gfn, u64 nr_pages)
{
	kvm_flush_remote_tlbs(kvm);
}

void kvm_flush_remote_tlbs_memslot(struct kvm *kvm, const struct kvm_memory_slot *memslot)
{
	lockdep_assert_held(&kvm->slots_lock);
	kvm_flush_remote_tlbs_range(kvm, memslot->base_gfn, memslot->npages);
}

/* ------------------------------------------------------------ memslots */

struct kvm_memslots *__kvm_memslots(struct kvm *kvm, int as_id)
{
	return kvm->memslots[as_id];
}

struct kvm_memslots *kvm_vcpu_memslots(struct kvm_vcpu *vcpu)
{
	return __kvm_memslots(vcpu->kvm, vcpu->arch.smm ? 1 : 0);
}

struct kvm_memory_slot *__gfn_to_memslot(struct kvm_memslots *slots, gfn_t gfn)
{
	return kvm_memslots_find_gfn(slots, gfn);
}

struct kvm_memory_slot *gfn_to_memslot(struct kvm *kvm, gfn_t gfn)
{
	return __gfn_to_memslot(__kvm_memslots(kvm, 0), gfn);
}

struct kvm_memory_slot *kvm_vcpu_gfn_to_memslot(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return __gfn_to_memslot(kvm_vcpu_memslots(vcpu), gfn);
}

bool kvm_is_visible_memslot(struct kvm_memory_slot *memslot)
{
	return memslot && memslot->id < KVM_USER_MEM_SLOTS &&
	       !(memslot->flags & KVM_MEMSLOT_INVALID);
}

bool kvm_vcpu_is_visible_gfn(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return kvm_is_visible_memslot(kvm_vcpu_gfn_to_memslot(vcpu, gfn));
}

void kvm_memslot_iter_start(struct kvm_memslot_iter *iter,
			    const struct kvm_memslots *slots, gfn_t start, gfn_t end)
{
	iter->slots = (struct kvm_memslots *)slots;
	iter->end = end;
	for (iter->idx = 0; iter->idx < slots->nr; iter->idx++) {
		struct kvm_memory_slot *s = slots->slots[iter->idx];

		if (s->base_gfn + s->npages > start)
			break;
	}
	iter->slot = iter->idx < slots->nr ? slots->slots[iter->idx] : NULL;
}

bool kvm_memslot_iter_is_valid(struct kvm_memslot_iter *iter, gfn_t end)
{
	return iter->slot && iter->slot->base_gfn < end;
}

void kvm_memslot_iter_next(struct kvm_memslot_iter *iter)
{
	iter->idx++;
	iter->slot = iter->idx < iter->slots->nr ? iter->slots->slots[iter->idx] : NULL;
}

unsigned long gfn_to_hva_memslot_prot(struct kvm_memory_slot *slot, gfn_t gfn, bool *writable)
{
	if (!slot || (slot->flags & KVM_MEMSLOT_INVALID))
		return KVM_HVA_ERR_BAD;
	if (writable)
		*writable = !(slot->flags & KVM_MEM_READONLY);
	return __gfn_to_hva_memslot(slot, gfn);
}

unsigned long gfn_to_hva_memslot(struct kvm_memory_slot *slot, gfn_t gfn)
{
	return gfn_to_hva_memslot_prot(slot, gfn, NULL);
}

unsigned long gfn_to_hva(struct kvm *kvm, gfn_t gfn)
{
	return gfn_to_hva_memslot(gfn_to_memslot(kvm, gfn), gfn);
}

unsigned long kvm_vcpu_gfn_to_hva(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return gfn_to_hva_memslot(kvm_vcpu_gfn_to_memslot(vcpu, gfn), gfn);
}

/* hva_to_pfn: fault the host page in (the host model's GUP), without
 * async page faults: the host always gets the page before returning. */
kvm_pfn_t kshim_gfn_to_pfn(const struct kvm_memory_slot *slot, gfn_t gfn,
			   bool write_fault, bool *writable, hva_t *hva)
{
	struct env_pfn p;
	unsigned long addr;

	if (hva)
		*hva = KVM_HVA_ERR_BAD;
	if (!slot || (slot->flags & KVM_MEMSLOT_INVALID))
		return KVM_PFN_NOSLOT;
	if (write_fault && (slot->flags & KVM_MEM_READONLY))
		return KVM_PFN_ERR_RO_FAULT;
	addr = __gfn_to_hva_memslot(slot, gfn);
	if (hva)
		*hva = addr;
	if (writable)
		*writable = false;
	if (env_faultin_pfn(kshim_env, addr, write_fault, &p))
		return KVM_PFN_ERR_FAULT;
	if (writable)
		*writable = p.writable && !(slot->flags & KVM_MEM_READONLY);
	return p.pfn;
}

kvm_pfn_t gfn_to_pfn_memslot_atomic(const struct kvm_memory_slot *slot, gfn_t gfn)
{
	return kshim_gfn_to_pfn(slot, gfn, true, NULL, NULL);
}

/* The host model keeps no page references for KVM: releasing is a no-op;
 * dirtiness and age go to the folio (6.12 marks at zap, in
 * handle_changed_spte and the dirty-log clears). */
void kvm_release_pfn_clean(kvm_pfn_t pfn) { }

void kvm_set_pfn_dirty(kvm_pfn_t pfn)
{
	if (!is_error_noslot_pfn(pfn))
		env_folio_mark_dirty(kshim_env, pfn, ENV_DIRTY_ZAP);
}

void kvm_release_pfn_dirty(kvm_pfn_t pfn)
{
	if (!is_error_noslot_pfn(pfn))
		env_folio_mark_dirty(kshim_env, pfn, ENV_DIRTY_MAP);
}

void kvm_set_pfn_accessed(kvm_pfn_t pfn)
{
	if (!is_error_noslot_pfn(pfn))
		env_folio_mark_accessed(kshim_env, pfn);
}

struct page *kvm_pfn_to_refcounted_page(kvm_pfn_t pfn)
{
	return NULL;
}

/* ----------------------------------------------------- memory caches */

/* Objects of a cache without a kmem_cache are page-table pages (from the
 * simulated memory, filled with init_value); the others heap objects. */
int __kvm_mmu_topup_memory_cache(struct kvm_mmu_memory_cache *mc, int capacity, int min)
{
	if (mc->nobjs >= min)
		return 0;
	if (!mc->objects) {
		mc->objects = kshim_host_calloc((size_t)capacity, sizeof(void *));
		mc->capacity = capacity;
	}
	while (mc->nobjs < mc->capacity) {
		void *obj;

		if (mc->kmem_cache) {
			obj = kmem_cache_zalloc(mc->kmem_cache, GFP_KERNEL);
		} else {
			u64 *pt = (u64 *)__get_free_page(GFP_KERNEL);

			if (!pt)
				return mc->nobjs >= min ? 0 : -ENOMEM;
			if (mc->init_value)
				for (int i = 0; i < 512; i++)
					pt[i] = mc->init_value;
			obj = pt;
		}
		mc->objects[mc->nobjs++] = obj;
	}
	return 0;
}

int kvm_mmu_topup_memory_cache(struct kvm_mmu_memory_cache *mc, int min)
{
	return __kvm_mmu_topup_memory_cache(mc, KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE, min);
}

int kvm_mmu_memory_cache_nr_free_objects(struct kvm_mmu_memory_cache *mc)
{
	return mc->nobjs;
}

void kvm_mmu_free_memory_cache(struct kvm_mmu_memory_cache *mc)
{
	while (mc->nobjs) {
		void *obj = mc->objects[--mc->nobjs];

		if (mc->kmem_cache)
			kmem_cache_free(mc->kmem_cache, obj);
		else
			free_page((unsigned long)obj);
	}
	kshim_host_free(mc->objects);
	mc->objects = NULL;
	mc->capacity = 0;
}

void *kvm_mmu_memory_cache_alloc(struct kvm_mmu_memory_cache *mc)
{
	if (WARN_ON(!mc->nobjs))
		kshim_unimplemented("kvm_mmu_memory_cache_alloc on an empty cache");
	return mc->objects[--mc->nobjs];
}

/* ----------------------------------------------- invalidation sequence */

void kshim_mmu_invalidate_begin(struct kvm *kvm)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	kvm->mmu_invalidate_in_progress++;
	if (kvm->mmu_invalidate_in_progress == 1) {
		kvm->mmu_invalidate_range_start = INVALID_GPA;
		kvm->mmu_invalidate_range_end = INVALID_GPA;
	}
}

void kshim_mmu_invalidate_range_add(struct kvm *kvm, u64 start, u64 end)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	if (kvm->mmu_invalidate_range_start == INVALID_GPA) {
		kvm->mmu_invalidate_range_start = start;
		kvm->mmu_invalidate_range_end = end;
	} else {
		kvm->mmu_invalidate_range_start = min(kvm->mmu_invalidate_range_start, start);
		kvm->mmu_invalidate_range_end = max(kvm->mmu_invalidate_range_end, end);
	}
}

void kshim_mmu_invalidate_end(struct kvm *kvm)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	/* The sequence moves first: a fault that sees in_progress drop sees
	 * a sequence its snapshot cannot match. */
	kvm->mmu_invalidate_seq++;
	kvm->mmu_invalidate_in_progress--;
	WARN_ON_ONCE(kvm->mmu_invalidate_in_progress < 0);
	WARN_ON_ONCE(kvm->mmu_invalidate_range_start == INVALID_GPA);
}

/* The mmu_notifier dispatch is the model's (kvmmu/mmu_notifier.c,
 * compiled here too); the version's hooks are kver.h's. */

/* ------------------------------------------------------- dirty logging */

/* The marking, the dirty-log ioctls and the dirty ring are the model's
 * (kvmmu/dirty_log.c, compiled here too). */

void kvm_arch_sync_dirty_log(struct kvm *kvm)
{
	struct lkvm *lk = to_lkvm(kvm);

	if (!kvm_x86_ops.cpu_dirty_log_size)
		return;
	for (unsigned i = 0; i < lk->nr_vcpus; i++)
		kvm_vcpu_kick(&lk->vcpus[i]->vcpu);
}

bool kvm_dirty_log_write_protects(const struct kvm *kvm)
{
	return !kvm_x86_ops.cpu_dirty_log_size;
}

/* ------------------------------------------------------- memslot updates */

/* KVM_SET_USER_MEMORY_REGION is the model's (kvmmu/memslot.c, compiled
 * here too); these are its hooks, x86's and the version's part. */

static void memslot_bury(struct lkvm *lk, struct kvm_memory_slot *s)
{
	struct lkvm_grave *g = kshim_host_calloc(1, sizeof(*g));

	g->slot = s;
	g->next = lk->graves;
	lk->graves = g;
}

struct kvm_memory_slot *kvm_memslot_alloc(struct kvm *kvm)
{
	return kshim_host_calloc(1, sizeof(struct kvm_memory_slot));
}

/* A copy shares the arch metadata (lpage_info, write tracking) of @s. */
struct kvm_memory_slot *kvm_memslot_copy(struct kvm *kvm, const struct kvm_memory_slot *s)
{
	struct kvm_memory_slot *n = kshim_host_calloc(1, sizeof(*n));

	*n = *s;
	return n;
}

void kvm_memslot_retire(struct kvm *kvm, struct kvm_memory_slot *s)
{
	memslot_bury(to_lkvm(kvm), s);
}

void kvm_memslot_free(struct kvm *kvm, struct kvm_memory_slot *s)
{
	kshim_host_free(s);
}

/* The generation (kvm_swap_active_memslots): in progress while the
 * update runs; then the next one of the address space, and MMIO SPTEs of
 * older ones are stale (kvm_mmu_invalidate_mmio_sptes). */
void kvm_memslots_update_begin(struct kvm *kvm, int as_id)
{
	kvm->memslots[as_id]->generation |= KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS;
}

void kvm_memslots_update_end(struct kvm *kvm, int as_id)
{
	struct kvm_memslots *ms = kvm->memslots[as_id];
	u64 gen = (ms->generation & ~KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS) +
		  KVM_MAX_NR_ADDRESS_SPACES;

	kvm_mmu_invalidate_mmio_sptes(kvm, gen);
	ms->generation = gen;
}

void kvm_memslots_update_abort(struct kvm *kvm, int as_id)
{
	kvm->memslots[as_id]->generation &= ~KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS;
}

void kvm_memslot_flush_shadow(struct kvm *kvm, struct kvm_memory_slot *s)
{
	kver_arch_flush_shadow_memslot(kvm, s);
}

static unsigned long *alloc_dirty_bitmap(struct lkvm *lk, const struct kvm_memory_slot *s)
{
	unsigned long n = kvm_dirty_bitmap_words(s->npages);
	unsigned long *bm = (unsigned long *)env_alloc_words(lk->env, n);

	if (kvm_dirty_log_manual_protect_and_init_set(&lk->kvm))
		for (unsigned long i = 0; i < n; i++) {
			u64 left = s->npages - i * BITS_PER_LONG;

			bm[i] = left >= BITS_PER_LONG ? ~0ul : (1ul << left) - 1;
		}
	return bm;
}

/* kvm_prepare_memory_region: the bitmap follows the flag (none with the
 * dirty ring); x86's metadata is made anew for a new or moved slot. */
int kvm_memslot_prepare(struct kvm *kvm, const struct kvm_memory_slot *old,
			struct kvm_memory_slot *new_slot, enum kvm_mr_change change)
{
	if (!(new_slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		new_slot->dirty_bitmap = NULL;
	else if (!old || !old->dirty_bitmap)
		new_slot->dirty_bitmap = kvm_use_dirty_ring(kvm) ? NULL :
					 alloc_dirty_bitmap(to_lkvm(kvm), new_slot);
	if (change == KVM_MR_CREATE || change == KVM_MR_MOVE)
		return kvm_alloc_memslot_metadata(kvm, new_slot);
	return 0;
}

/* kvm_arch_commit_memory_region: the pages the VM has in slots (6.1's
 * MMU-page budget follows them) and the dirty-logging work. */
void kvm_memslot_commit(struct kvm *kvm, const struct kvm_memory_slot *old,
			const struct kvm_memory_slot *new_slot, enum kvm_mr_change change)
{
	if (change == KVM_MR_DELETE)
		kvm->nr_memslot_pages -= old->npages;
	else if (change == KVM_MR_CREATE)
		kvm->nr_memslot_pages += new_slot->npages;
	kver_commit_mmu_pages(kvm, change);
	kvm_mmu_slot_apply_flags(kvm, (struct kvm_memory_slot *)old, new_slot, change);
}

void kvm_dirty_logging_slots_add(struct kvm *kvm, int delta)
{
	atomic_add_return(delta, &kvm->nr_memslots_dirty_logging);
}

/* The scenario's "zap-all-fast" action: what a memslot delete does to the
 * roots (6.12: kvm_arch_flush_shadow_memslot -> kvm_mmu_zap_all_fast under
 * KVM_X86_QUIRK_SLOT_ZAP_ALL; 6.1: kvm_page_track_flush_slot -> the MMU's
 * notifier -> kvm_mmu_zap_all_fast), applied to slot 0. */
static void __kvm_mmu_zap_all_fast(struct kvm *kvm)
{
	struct kvm_memslots *ms = kvm->memslots[0];

	if (!ms->nr)
		return;
	mutex_lock(&kvm->slots_lock);
	kver_arch_flush_shadow_memslot(kvm, ms->slots[0]);
	mutex_unlock(&kvm->slots_lock);
}

void kvm_mmu_zap_all_fast(struct kvm *kvm)
{
	struct lkvm *lk = to_lkvm(kvm);

	lkvm_enter(lk);
	__kvm_mmu_zap_all_fast(kvm);
	lkvm_leave(lk);
}

int kvm_write_track_gfn(struct kvm *kvm, int as_id, gfn_t gfn, bool track)
{
	struct lkvm *lk = to_lkvm(kvm);
	int r = -EINVAL;

	lkvm_enter(lk);
	if (as_id == 0)
		r = kver_write_track(lk, gfn, track);
	lkvm_leave(lk);
	return r;
}

/* The VMM holds a reference while it is a page-track user; the VM's life
 * is the seam's (kvm_create_vm / kvm_destroy_vm), so the count is kept
 * and checked, never acted on. */
void kvm_get_kvm(struct kvm *kvm)
{
	refcount_inc(&kvm->users_count);
}

void kvm_put_kvm(struct kvm *kvm)
{
	WARN_ON_ONCE(refcount_dec_and_test(&kvm->users_count));
}

static void __kvm_vcpu_set_smm(struct kvm_vcpu *vcpu, bool smm)
{
	if (vcpu->arch.smm == smm)
		return;
	vcpu->arch.smm = smm;
	vcpu->arch.hflags ^= HF_SMM_MASK;
	kvm_mmu_reset_context(vcpu);
}

void kvm_vcpu_set_smm(struct kvm_vcpu *vcpu, bool smm)
{
	struct lkvm *lk = to_lkvm(vcpu->kvm);

	lkvm_enter(lk);
	__kvm_vcpu_set_smm(vcpu, smm);
	lkvm_leave(lk);
}

/* ------------------------------------------------------- VM lifetime */

void lkvm_sync_vcpu_stats(struct lvcpu *v)
{
	struct lkvm *lk = to_lkvm(v->vcpu.kvm);

#define LKVM_STAT_SYNC(f, name, doc)                                         \
	lk->stat.f += v->vcpu.stat.f;                                        \
	v->vcpu.stat.f = 0;
	LKVM_VCPU_STATS(LKVM_STAT_SYNC)
#undef LKVM_STAT_SYNC
}

/* The VM the tracepoints count for (one at a time per process), and its
 * number: tracepoints look their counter up again for each new VM. */
static struct lkvm *trace_vm;
static unsigned long trace_gen;

/* SPTE bits as the tree's spte.h defines them (6.1 and 6.12 alike). */
#define LKVM_SPTE_PRESENT BIT_ULL(11)   /* SPTE_MMU_PRESENT_MASK */
#define LKVM_SPTE_LARGE BIT_ULL(7)      /* PT_PAGE_SIZE_MASK */
#define LKVM_SPTE_WRITABLE BIT_ULL(1)   /* PT_WRITABLE_MASK */
#define LKVM_SPTE_PFN(s) (((s) & GENMASK_ULL(51, 12)) >> PAGE_SHIFT)

static bool lkvm_spte_is_leaf(u64 spte, int level)
{
	return (spte & LKVM_SPTE_PRESENT) &&
	       (level == PG_LEVEL_4K || (spte & LKVM_SPTE_LARGE));
}

/*
 * Every SPTE change of the TDP MMU (handle_changed_spte's tracepoint): the
 * stats the tree has no counter for.  A present leaf replaced directly by
 * an MMIO SPTE (E6); a fault (the only SPTE writer on a vCPU thread that
 * goes through here) that turned a writable leaf of a page into a
 * read-only one (E17: a stale read fault after a write fault).
 */
void kshim_hook_kvm_tdp_mmu_spte_changed(int as_id, u64 gfn, int level, u64 old_spte,
					 u64 new_spte)
{
	struct lkvm *lk = trace_vm;

	if (!lk || !lkvm_spte_is_leaf(old_spte, level))
		return;
	if (kver_is_mmio_spte(&lk->kvm, new_spte))
		lk->stat.spte_present_to_mmio++;
	else if (lkvm_spte_is_leaf(new_spte, level) &&
		 (old_spte & LKVM_SPTE_WRITABLE) && !(new_spte & LKVM_SPTE_WRITABLE) &&
		 LKVM_SPTE_PFN(old_spte) == LKVM_SPTE_PFN(new_spte) &&
		 kvm_get_running_vcpu(&lk->kvm))
		lk->stat.pf_downgrade++;
}

/*
 * The NX recovery pass's zap of one table (kvm_recover_nx_huge_pages, the
 * one caller in 6.1 and 6.12), counted: the Linux build is linked with
 * --wrap=kvm_tdp_mmu_zap_sp, so mmu.c's call comes here first.
 */
bool __real_kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp);
bool __wrap_kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp);
bool __wrap_kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	to_lkvm(kvm)->stat.nx_recovery_zapped++;
	return __real_kvm_tdp_mmu_zap_sp(kvm, sp);
}

void kshim_trace_hit(struct kshim_tracepoint *tp)
{
	if (tp->gen != trace_gen) {
		tp->gen = trace_gen;
		tp->count = NULL;
		if (trace_vm) {
#define LKVM_TP_FIND(f, st, doc)                                           \
			if (!__builtin_strcmp(tp->name, #f))                 \
				tp->count = &trace_vm->stat.f;
			LKVM_TRACEPOINTS(LKVM_TP_FIND)
#undef LKVM_TP_FIND
		}
	}
	if (tp->count)
		++*tp->count;
}

/* The kernel's own VM stats the model registers besides its lists. */
static const struct { const char *name, *doc; } lkvm_kernel_stats[] = {
	{ "kvm.pages_4k", "4K leaf SPTEs (gauge; kvm->stat.pages_4k)" },
	{ "kvm.pages_2m", "2M leaf SPTEs (gauge; kvm->stat.pages_2m)" },
	{ "kvm.pages_1g", "1G leaf SPTEs (gauge; kvm->stat.pages_1g)" },
	{ "kvm.tdp_mmu_pages", "non-root TDP page-table pages (gauge)" },
	{ "kvm.nx_lpage_splits", "huge pages split because of NX huge pages (kvm->stat.nx_lpage_splits)" },
};

const char *kvm_mmu_stat_doc(const char *name)
{
#define LKVM_STAT_DOC(f, stat, doc)                                          \
	if (!__builtin_strcmp(name, stat))                                   \
		return doc;
	LKVM_STATS(LKVM_STAT_DOC)
	LKVM_VCPU_STATS(LKVM_STAT_DOC)
	LKVM_TRACEPOINTS(LKVM_STAT_DOC)
#undef LKVM_STAT_DOC
	for (unsigned i = 0; i < ARRAY_SIZE(lkvm_kernel_stats); i++)
		if (!__builtin_strcmp(name, lkvm_kernel_stats[i].name))
			return lkvm_kernel_stats[i].doc;
	return NULL;
}

static void lkvm_register_stats(struct lkvm *lk)
{
#define LKVM_STAT_REGISTER(f, name, doc) env_stat_register(lk->env, name, &lk->stat.f);
	LKVM_STATS(LKVM_STAT_REGISTER)
	LKVM_VCPU_STATS(LKVM_STAT_REGISTER)
	LKVM_TRACEPOINTS(LKVM_STAT_REGISTER)
#undef LKVM_STAT_REGISTER
	env_stat_register(lk->env, "kvm.pages_4k", (u64 *)&lk->kvm.stat.pages_4k.counter);
	env_stat_register(lk->env, "kvm.pages_2m", (u64 *)&lk->kvm.stat.pages_2m.counter);
	env_stat_register(lk->env, "kvm.pages_1g", (u64 *)&lk->kvm.stat.pages_1g.counter);
	env_stat_register(lk->env, "kvm.tdp_mmu_pages", kver_tdp_mmu_pages(lk));
	env_stat_register(lk->env, "kvm.nx_lpage_splits", &lk->kvm.stat.nx_lpage_splits);
}

/* ------------------------------------------------- the NX recovery worker */

/* A kernel thread of the VM (kvm_vm_create_worker_thread, 6.1): its
 * function runs when the VMM gives it a simulated thread. */
struct lkvm_kthread {
	struct task_struct task;
	kvm_vm_thread_fn_t fn;
	struct kvm *kvm;
	uintptr_t data;
};

int kvm_vm_create_worker_thread(struct kvm *kvm, kvm_vm_thread_fn_t thread_fn,
				uintptr_t data, const char *name,
				struct task_struct **thread_ptr)
{
	struct lkvm_kthread *k = kshim_host_calloc(1, sizeof(*k));

	k->fn = thread_fn;
	k->kvm = kvm;
	k->data = data;
	*thread_ptr = &k->task;
	return 0;
}

void lkvm_kthread_run(struct task_struct *t)
{
	struct lkvm_kthread *k = container_of(t, struct lkvm_kthread, task);

	k->fn(k->kvm, k->data);
}

/* At teardown, outside the run: the thread went with the run. */
int kthread_stop(struct task_struct *t)
{
	kshim_host_free(container_of(t, struct lkvm_kthread, task));
	return 0;
}

/*
 * The VMM starts kvm-nx-lpage-recovery when this is not 0 and checks that
 * cpu.mhz can express it.  The worker times its passes itself, with the
 * tree's own calc_nx_huge_pages_recovery_period (static in mmu.c); this is
 * what that computes (kvm_nx_recovery_period) from the mitigation's state,
 * the tree's nx_huge_pages, and the ratio and period lkvm_module_init gave
 * the tree's parameters.
 */
u64 kvm_nx_huge_page_recovery_period_ms(struct kvm *kvm)
{
	struct lkvm *lk = to_lkvm(kvm);

	return kvm_nx_recovery_period(READ_ONCE(nx_huge_pages),
				      lk->pol.mmu_nx_huge_pages_recovery_ratio,
				      lk->pol.mmu_nx_huge_pages_recovery_period_ms);
}

void kvm_nx_huge_page_recovery_worker(struct kvm *kvm)
{
	kver_nx_recovery_worker(kvm);
}

static struct lvcpu *lkvm_vcpu_create(struct lkvm *lk, unsigned idx)
{
	struct lvcpu *v = kshim_host_calloc(1, sizeof(*v));
	struct kvm_vcpu *vcpu = &v->vcpu;
	const struct env_caps *caps = env_caps(lk->env);

	vcpu->kvm = &lk->kvm;
	vcpu->vcpu_id = (int)idx;
	vcpu->vcpu_idx = (int)idx;
	vcpu->cpu = -1;
	v->ev = env_vcpu(lk->env, idx);
	v->srcu.seq = env_alloc_words(lk->env, 1);
	v->vmcs = env_vcpu_vmcs(v->ev);
	/* A 64-bit guest with paging (tdpsim's guest OS), MAXPHYADDR of the
	 * host: the CPU role the tree's MMU derives its roles from. */
	vcpu->arch.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
	vcpu->arch.cr4 = X86_CR4_PAE | (caps->tdp_levels == 5 ? X86_CR4_LA57 : 0);
	vcpu->arch.efer = EFER_LME | EFER_LMA | EFER_NX;
	vcpu->arch.maxphyaddr = kvm_host.maxphyaddr;
	vcpu->arch.reserved_gpa_bits = rsvd_bits(kvm_host.maxphyaddr, 63);
	if (kvm_mmu_create(vcpu) || lk->vendor->vcpu_create(v) ||
	    (kvm_use_dirty_ring(&lk->kvm) && kvm_dirty_ring_alloc(vcpu))) {
		kshim_host_free(v);
		return NULL;
	}
	kvm_init_mmu(vcpu);
	return v;
}

struct kvm *kvm_create_vm(struct env *e, const struct kvmmu_policy *pol)
{
	struct lkvm *lk = kshim_host_calloc(1, sizeof(*lk));
	struct kvm *kvm = &lk->kvm;

	kshim_env = e;
	kshim_direct = true;
	lk->env = e;
	lk->pol = *pol;
	lkvm_module_init(lk);
	pgtable_vm = lk;

	mutex_init(&kvm->slots_lock);
	mutex_init(&kvm->slots_arch_lock);
	refcount_set(&kvm->users_count, 1);
	for (int as = 0; as < KVM_MAX_NR_ADDRESS_SPACES; as++)
		kvm->memslots[as] = &lk->slots[as];
	kvm->mmu_invalidate_range_start = INVALID_GPA;
	kvm->mmu_invalidate_range_end = INVALID_GPA;
	/* KVM_CAP_DIRTY_LOG_RING_ACQ_REL: 16-byte entries; with the ring
	 * there is no bitmap, so no manual protect of one either. */
	if (pol->mmu_dirty_log == KVMMU_DIRTY_LOG_RING)
		kvm->dirty_ring_size = (u32)pol->mmu_dirty_ring_size * 16;
	kvm->manual_dirty_log_protect = kvm->dirty_ring_size ||
		pol->mmu_manual_protect == KVMMU_MANUAL_PROTECT_OFF ? 0 :
		pol->mmu_manual_protect == KVMMU_MANUAL_PROTECT_ON ?
			KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE :
			KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	INIT_LIST_HEAD(&kvm->vm_list);
	list_add(&kvm->vm_list, &vm_list);
	if (kver_mmu_init_vm(kvm))
		goto fail;

	lk->nr_vcpus = env_nr_vcpus(e);
	lk->vcpus = kshim_host_calloc(lk->nr_vcpus, sizeof(*lk->vcpus));
	for (unsigned i = 0; i < lk->nr_vcpus; i++) {
		lk->vcpus[i] = lkvm_vcpu_create(lk, i);
		if (!lk->vcpus[i])
			goto fail;
		kvm->created_vcpus++;
		kvm->online_vcpus++;
	}
	lkvm_register_stats(lk);
	trace_vm = lk;
	trace_gen++;
	/* kvm_arch_post_init_vm (6.1), the first KVM_RUN (6.12): the NX
	 * recovery worker is made; the VMM runs it. */
	if (kvm_mmu_post_init_vm(kvm))
		goto fail;
	kshim_direct = false;
	return kvm;
fail:
	kshim_direct = false;
	kvm_destroy_vm(kvm);
	return NULL;
}

/*
 * Tears the VM down outside the run (no simulated thread): the primitives
 * act on plain memory, RCU callbacks run at once.  The vCPUs drop their
 * roots, the MMU zaps everything and frees its tables.
 */
void kvm_destroy_vm(struct kvm *kvm)
{
	struct lkvm *lk;

	if (!kvm)
		return;
	lk = to_lkvm(kvm);
	kshim_direct = true;
	kvm_mmu_pre_destroy_vm(kvm);
	/* A thread stopped halfway through KVM holds references and locks
	 * the teardown checks assume gone. */
	kshim_teardown_unchecked = lk->in_kernel > 0;
	for (unsigned i = 0; lk->vcpus && i < lk->nr_vcpus; i++) {
		struct lvcpu *v = lk->vcpus[i];

		if (!v)
			continue;
		kvm_mmu_unload(&v->vcpu);
		kvm_mmu_destroy(&v->vcpu);
		lk->vendor->vcpu_free(v);
		kshim_host_free(v);
	}
	kshim_host_free(lk->vcpus);
	kver_write_track_release(lk);
	kver_mmu_uninit_vm(kvm);
	/* Live slots and retired copies share metadata (a flags change copies
	 * the slot, not its arrays): free each array once. */
	for (int as = 0; as < KVM_MAX_NR_ADDRESS_SPACES; as++) {
		struct kvm_memslots *ms = &lk->slots[as];

		for (int i = 0; i < ms->nr; i++)
			memslot_bury(lk, ms->slots[i]);
		kshim_host_free(ms->slots);
	}
	for (struct lkvm_grave *g = lk->graves; g; g = g->next)
		for (struct lkvm_grave *h = g->next; h; h = h->next) {
			for (int i = 0; i < KVM_NR_PAGE_SIZES - 1; i++)
				if (h->slot->arch.lpage_info[i] == g->slot->arch.lpage_info[i])
					h->slot->arch.lpage_info[i] = NULL;
			if (*kver_slot_write_track(h->slot) == *kver_slot_write_track(g->slot))
				*kver_slot_write_track(h->slot) = NULL;
		}
	while (lk->graves) {
		struct lkvm_grave *g = lk->graves;

		lk->graves = g->next;
		kvm_free_memslot_metadata(g->slot);
		kshim_host_free(g->slot);
		kshim_host_free(g);
	}
	list_del(&kvm->vm_list);
	/* The module goes with its one VM (it is loaded again for the next). */
	if (lk->vendor)
		lk->vendor->hardware_unsetup();
	kvm_mmu_vendor_module_exit();
	kshim_teardown_unchecked = false;
	if (trace_vm == lk) {
		trace_vm = NULL;
		trace_gen++;
	}
	if (pgtable_vm == lk)
		pgtable_vm = NULL;
	kshim_reset();
	kshim_direct = false;
	kshim_env = NULL;
	kshim_host_free(lk);
}

/* ----------------------------------------------------------- introspection */

/* The tree keeps its walkers private (kvm_tdp_mmu_get_walk): a lockless
 * walk from outside the MMU is not offered by this build. */
int kvm_mmu_lookup_spte(struct kvm_vcpu *vcpu, gpa_t gpa, u64 *spte)
{
	kshim_unimplemented("kvm_mmu_lookup_spte (introspection of kvmmu only)");
}

u64 kvm_vcpu_root_hpa(const struct kvm_vcpu *vcpu)
{
	u64 hpa = vcpu->arch.mmu->root.hpa;

	return VALID_PAGE(hpa) ? hpa : 0;
}

/* Roots on the TDP MMU's list: each struct kvm_mmu_page starts with its
 * list link (mmu_internal.h), so the nodes are counted as they are. */
unsigned kvm_nr_tdp_roots(const struct kvm *kvm)
{
	unsigned n = 0;

	for (const struct list_head *p = kvm->arch.tdp_mmu_roots.next;
	     p != &kvm->arch.tdp_mmu_roots; p = p->next)
		n++;
	return n;
}

u64 kvm_nr_tdp_mmu_pages(const struct kvm *kvm)
{
	return *kver_tdp_mmu_pages(to_lkvm((struct kvm *)kvm));
}
