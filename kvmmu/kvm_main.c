// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmmu/kvm_main.c — the generic KVM around the MMU: VM and vCPU
 * creation, memslots, the mmu_notifier handlers and their invalidation
 * sequence, requests and kicks, remote TLB flushes, policies and stats.
 */
#include "kvmmu/mmu_internal.h"

#include <stdlib.h>
#include <string.h>

#include "kvmmu/tdp_mmu.h"

/* ------------------------------------------------------- the MMU itself */

const char *kvm_mmu_name(void)
{
	return "kvmmu";
}

/* Every policy is a knob of kvmmu's own code. */
const char *const *kvm_mmu_fixed_policy(void)
{
	return NULL;
}

int kvm_mmu_check_policy(const struct kvmmu_policy *pol, struct env *e, char *err,
			 size_t errlen)
{
	(void)pol, (void)e, (void)err, (void)errlen;
	return 0;
}

/* -------------------------------------------------------------- vCPUs */

struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, unsigned idx)
{
	return idx < kvm->nr_vcpus ? kvm->vcpus[idx] : NULL;
}

unsigned kvm_vcpu_idx(const struct kvm_vcpu *vcpu) { return vcpu->vcpu_idx; }
struct env *kvm_env(const struct kvm *kvm) { return kvm->env; }
const struct kvm_run *kvm_vcpu_run_info(const struct kvm_vcpu *vcpu)
{
	return &vcpu->run;
}

void kvm_vcpu_set_smm(struct kvm_vcpu *vcpu, bool smm)
{
	if (vcpu->smm == smm)
		return;
	vcpu->smm = smm;
	/* SMM and non-SMM roots differ in role; both are used under the same
	 * VPID / ASID, so switching relies on the root-load flush. */
	kvm_mmu_reset_context(vcpu);
}

/* ------------------------------------------------------------ memslots */

struct kvm_memory_slot *kvm_gfn_to_memslot(struct kvm *kvm, int as_id, gfn_t gfn)
{
	return kvm_memslots_find_gfn(&kvm->memslots[as_id], gfn);
}

struct kvm_memory_slot *kvm_vcpu_gfn_to_memslot(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return kvm_gfn_to_memslot(vcpu->kvm, vcpu->smm ? 1 : 0, gfn);
}

/* The memslot updates' hooks (kvmmu/memslot.c). */

struct kvm_memory_slot *kvm_memslot_alloc(struct kvm *kvm)
{
	struct kvm_memory_slot *s = kvm_model_calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	/* The arch data every copy of the slot shares. */
	s->arch = kvm_model_calloc(1, sizeof(*s->arch));
	if (!s->arch) {
		free(s);
		return NULL;
	}
	s->arch->next = kvm->slot_archs;
	kvm->slot_archs = s->arch;
	return s;
}

struct kvm_memory_slot *kvm_memslot_copy(struct kvm *kvm, const struct kvm_memory_slot *s)
{
	struct kvm_memory_slot *n = kvm_model_calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	*n = *s;
	n->grave_next = NULL;
	return n;
}

void kvm_memslot_retire(struct kvm *kvm, struct kvm_memory_slot *s)
{
	s->grave_next = kvm->graveyard;
	kvm->graveyard = s;
}

void kvm_memslot_free(struct kvm *kvm, struct kvm_memory_slot *s)
{
	free(s); /* its arch data stays on kvm->slot_archs until the VM dies */
}

/* The generation MMIO SPTEs are checked against: odd while an update is
 * in progress.  When its field in MMIO SPTEs wraps, an old SPTE could
 * look current again: zap them all (kvm_mmu_invalidate_mmio_sptes). */
void kvm_memslots_update_begin(struct kvm *kvm, int as_id)
{
	kvm->mmio_gen++;
}

void kvm_memslots_update_end(struct kvm *kvm, int as_id)
{
	kvm->mmio_gen++;
	if (((kvm->mmio_gen >> 1) & MMIO_SPTE_GEN_MASK) == 0)
		kvm_mmu_zap_all_fast(kvm);
}

void kvm_memslots_update_abort(struct kvm *kvm, int as_id)
{
	kvm->mmio_gen--;
}

void kvm_memslot_flush_shadow(struct kvm *kvm, struct kvm_memory_slot *s)
{
	kvm_arch_flush_shadow_memslot(kvm, s);
}

static bool kvm_use_dirty_bitmap(struct kvm *kvm) { return !kvm->dirty_ring; }

/* kvm_prepare_memory_region: the bitmap follows the flag; one going away
 * is kept for the next time logging starts. */
int kvm_memslot_prepare(struct kvm *kvm, const struct kvm_memory_slot *old,
			struct kvm_memory_slot *new_slot, enum kvm_mr_change change)
{
	if (!(new_slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		new_slot->dirty_bitmap = NULL;
	else if (!old || !old->dirty_bitmap) {
		new_slot->dirty_bitmap = kvm_use_dirty_bitmap(kvm) ?
			kvm_alloc_dirty_bitmap(kvm, new_slot) : NULL;
		if (kvm_use_dirty_bitmap(kvm) && !new_slot->dirty_bitmap)
			return -ENOMEM;
	}
	if (old && old->dirty_bitmap && !new_slot->dirty_bitmap)
		new_slot->arch->dirty_bitmap_spare = old->dirty_bitmap;
	return 0;
}

void kvm_memslot_commit(struct kvm *kvm, const struct kvm_memory_slot *old,
			const struct kvm_memory_slot *new_slot, enum kvm_mr_change change)
{
	kvm_mmu_slot_apply_flags(kvm, old, new_slot, (int)change);
}

void kvm_dirty_logging_slots_add(struct kvm *kvm, int delta)
{
	kvm->nr_memslots_dirty_logging += delta;
}

u64 *kvm_alloc_dirty_bitmap(struct kvm *kvm, const struct kvm_memory_slot *s)
{
	u64 n = kvm_dirty_bitmap_words(s->npages);
	u64 *bm = s->arch->dirty_bitmap_spare;

	if (bm) {
		s->arch->dirty_bitmap_spare = NULL;
		for (u64 i = 0; i < n; i++)
			env_write(kvm->env, &bm[i], 0);
	} else {
		bm = env_alloc_words(kvm->env, n);
		if (!bm)
			return NULL;
	}
	/* KVM_DIRTY_LOG_INITIALLY_SET: every page starts out dirty. */
	if (kvm_dirty_log_manual_protect_and_init_set(kvm)) {
		for (u64 i = 0; i < n; i++) {
			u64 left = s->npages - i * BITS_PER_LONG;

			env_write(kvm->env, &bm[i],
				  left >= BITS_PER_LONG ? ~0ULL : (1ULL << left) - 1);
		}
	}
	return bm;
}

/* --------------------------------------------------- mmu_notifier */

static void kvm_mmu_invalidate_begin(struct kvm *kvm)
{
	lockdep_assert_held_write(kvm->env);
	/* Faults that see this (under mmu_lock) retry until _end. */
	kvm->mmu_invalidate_in_progress++;
	if (kvm->mmu_invalidate_in_progress == 1) {
		kvm->mmu_invalidate_range_start = INVALID_GPA;
		kvm->mmu_invalidate_range_end = INVALID_GPA;
	}
}

static void kvm_mmu_invalidate_range_add(struct kvm *kvm, gfn_t start, gfn_t end)
{
	lockdep_assert_held_write(kvm->env);
	if (kvm->mmu_invalidate_range_start == INVALID_GPA) {
		kvm->mmu_invalidate_range_start = start;
		kvm->mmu_invalidate_range_end = end;
	} else {
		/* Overlapping invalidations widen the range: coarse, but a
		 * fault in it only retries. */
		if (start < kvm->mmu_invalidate_range_start)
			kvm->mmu_invalidate_range_start = start;
		if (end > kvm->mmu_invalidate_range_end)
			kvm->mmu_invalidate_range_end = end;
	}
}

static void kvm_mmu_invalidate_end(struct kvm *kvm)
{
	lockdep_assert_held_write(kvm->env);
	/* The sequence moves first: a fault that sees in_progress drop must
	 * also see the new sequence, which its snapshot cannot match. */
	kvm->mmu_invalidate_seq++;
	kvm->mmu_invalidate_in_progress--;
	ENV_ASSERT(kvm->env, kvm->mmu_invalidate_in_progress >= 0);
	ENV_ASSERT(kvm->env, kvm->mmu_invalidate_range_start != INVALID_GPA);
}

u64 kvm_mmu_invalidate_seq_snapshot(struct kvm *kvm)
{
	/* 6.1-stable kept the snapshot in an int: after 2^31 invalidations
	 * it sign-extends and never matches again (E7). */
	if (kvm->pol.mmu_invalidate_seq_bits == KVMMU_INVALIDATE_SEQ_BITS_32)
		return (u64)(int64_t)(int32_t)(u32)kvm->mmu_invalidate_seq;
	return kvm->mmu_invalidate_seq;
}

bool mmu_invalidate_retry_gfn(struct kvm *kvm, u64 mmu_seq, gfn_t gfn)
{
	lockdep_assert_held(kvm->env);
	if (kvm->mmu_invalidate_in_progress) {
		ENV_ASSERT(kvm->env, kvm->mmu_invalidate_range_start != INVALID_GPA);
		if (gfn >= kvm->mmu_invalidate_range_start &&
		    gfn < kvm->mmu_invalidate_range_end)
			return true;
	}
	return kvm->mmu_invalidate_seq != mmu_seq;
}

/* The mmu_notifier dispatch's hooks (kvmmu/mmu_notifier.c). */

void kvm_notifier_invalidate_begin(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_begin(kvm);
}

void kvm_notifier_invalidate_end(struct kvm *kvm, hva_t start, hva_t end)
{
	kvm_mmu_invalidate_end(kvm);
}

bool kvm_notifier_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	kvm_mmu_invalidate_range_add(kvm, range->start, range->end);
	return kvm_unmap_gfn_range(kvm, range);
}

void kvm_notifier_release(struct kvm *kvm)
{
	kvm_mmu_zap_all(kvm);
}

/* ------------------------------------------------------- VM lifetime */

const char *kvm_mmu_stat_doc(const char *name)
{
#define KVM_STAT_DOC(f, stat, doc)                                           \
	if (!strcmp(name, stat))                                             \
		return doc;
	KVM_VM_STATS(KVM_STAT_DOC)
#undef KVM_STAT_DOC
	return NULL;
}

static void kvm_register_stats(struct kvm *kvm)
{
#define KVM_STAT_REGISTER(f, name, doc) env_stat_register(kvm->env, name, &kvm->stat.f);
	KVM_VM_STATS(KVM_STAT_REGISTER)
#undef KVM_STAT_REGISTER
}

static struct kvm_vcpu *kvm_vcpu_create(struct kvm *kvm, unsigned idx)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));

	if (!vcpu)
		return NULL;
	vcpu->kvm = kvm;
	vcpu->vcpu_idx = idx;
	vcpu->ev = env_vcpu(kvm->env, idx);
	vcpu->vmcs = env_vcpu_vmcs(vcpu->ev);
	vcpu->requests = env_alloc_words(kvm->env, 3);
	if (!vcpu->requests) {
		free(vcpu);
		return NULL;
	}
	vcpu->mode = vcpu->requests + 1;
	vcpu->srcu.seq = vcpu->requests + 2;
	vcpu->mmu.root_hpa = INVALID_PAGE;
	vcpu->cpu = -1;
	kvm_init_mmu(vcpu);
	if (kvm->dirty_ring && kvm_dirty_ring_alloc(vcpu)) {
		free(vcpu);
		return NULL;
	}
	if (kvm->x86->vcpu_create(vcpu)) {
		free(vcpu);
		return NULL;
	}
	return vcpu;
}

struct kvm *kvm_create_vm(struct env *e, const struct kvmmu_policy *pol)
{
	const struct env_caps *caps = env_caps(e);
	struct kvm *kvm = calloc(1, sizeof(*kvm));
	bool intel = env_vendor(e) == ENV_INTEL;
	bool ad;

	if (!kvm)
		return NULL;
	kvm->env = e;
	kvm->pol = *pol;
	kvm->x86 = intel ? &vmx_x86_ops : &svm_x86_ops;
	kvm->tdp_root_level = caps->tdp_levels == 5 ? 5 : 4;

	/* The SPTE format.  NPT always has A/D; EPT only with the EPTP bit,
	 * which KVM sets if the CPU can and the policy wants it. */
	ad = !intel || (caps->ept_ad && pol->mmu_ad_bits == KVMMU_AD_BITS_ON);
	if (intel)
		kvm_mmu_set_ept_masks(&kvm->m, ad);
	else
		kvm_mmu_set_npt_masks(&kvm->m);

	/* Dirty logging: PML needs A/D (it logs D 0->1 transitions). */
	kvm->dirty_ring = pol->mmu_dirty_log == KVMMU_DIRTY_LOG_RING;
	kvm->cpu_dirty_log_size =
		(pol->mmu_dirty_log != KVMMU_DIRTY_LOG_WP && caps->pml && ad) ? 512 : 0;
	kvm->pml_always = kvm->cpu_dirty_log_size &&
			  pol->mmu_pml_enable == KVMMU_PML_ENABLE_ALWAYS;
	kvm->manual_dirty_log_protect = !kvm->dirty_ring &&
		pol->mmu_manual_protect != KVMMU_MANUAL_PROTECT_OFF;
	kvm->manual_init_set = kvm->manual_dirty_log_protect &&
		pol->mmu_manual_protect == KVMMU_MANUAL_PROTECT_INIT_SET;
	kvm->mmu_invalidate_seq = pol->mmu_invalidate_seq_start;
	kvm->mmu_invalidate_range_start = INVALID_GPA;
	kvm->mmu_invalidate_range_end = INVALID_GPA;

	if (kvm_mmu_init_tdp_mmu(kvm) || kvm->x86->vm_init(kvm))
		goto fail;

	kvm->nr_vcpus = env_nr_vcpus(e);
	kvm->vcpus = calloc(kvm->nr_vcpus ? kvm->nr_vcpus : 1, sizeof(*kvm->vcpus));
	if (!kvm->vcpus)
		goto fail;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++) {
		kvm->vcpus[i] = kvm_vcpu_create(kvm, i);
		if (!kvm->vcpus[i])
			goto fail;
	}
	kvm_register_stats(kvm);
	return kvm;
fail:
	kvm_destroy_vm(kvm);
	return NULL;
}

/*
 * Tears the VM down with no users left: no lock is taken and nothing
 * yields, so this may run outside any simulated thread.  Page tables are
 * freed directly (nothing can walk them any more).
 */
void kvm_destroy_vm(struct kvm *kvm)
{
	if (!kvm)
		return;
	for (unsigned i = 0; kvm->vcpus && i < kvm->nr_vcpus; i++) {
		struct kvm_vcpu *v = kvm->vcpus[i];

		if (!v)
			continue;
		if (VALID_PAGE(v->mmu.root_hpa))
			v->mmu.root->tdp_mmu_root_count--;
		kvm->x86->vcpu_free(v);
		free(v);
	}
	free(kvm->vcpus);
	kvm_mmu_uninit_tdp_mmu(kvm);
	if (kvm->x86->vm_destroy)
		kvm->x86->vm_destroy(kvm);
	for (int as = 0; as < KVM_ADDRESS_SPACE_NUM; as++) {
		struct kvm_memslots *ms = &kvm->memslots[as];

		for (int i = 0; i < ms->nr; i++)
			free(ms->slots[i]);
		free(ms->slots);
	}
	while (kvm->graveyard) {
		struct kvm_memory_slot *s = kvm->graveyard;

		kvm->graveyard = s->grave_next;
		free(s);
	}
	while (kvm->slot_archs) {
		struct kvm_memslot_arch *a = kvm->slot_archs;

		kvm->slot_archs = a->next;
		free(a->gfn_write_track);
		free(a->disallow_lpage[0]);
		free(a->disallow_lpage[1]);
		free(a);
	}
	free(kvm);
}

unsigned kvm_nr_tdp_roots(const struct kvm *kvm)
{
	unsigned n = 0;

	for (const struct list_head *p = kvm->tdp_mmu_roots.next;
	     p != &kvm->tdp_mmu_roots; p = p->next)
		n++;
	return n;
}

u64 kvm_nr_tdp_mmu_pages(const struct kvm *kvm) { return kvm->stat.tdp_mmu_pages; }

/* ------------------------------------------- the vendors (kvmmu's tables) */

/* Intel's host-wide state: the VPID bitmap (kvmmu/vmx.c hands them out). */
static int vmx_vm_init(struct kvm *kvm)
{
	struct kvm_x86_host *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->nr_pcpus = env_nr_pcpus(kvm->env);
	kvm->host = h;
	return 0;
}

static void vmx_vm_destroy(struct kvm *kvm)
{
	free(kvm->host);
}

static int vmx_vcpu_create(struct kvm_vcpu *vcpu)
{
	return vmx_vcpu_setup(vcpu);
}

const struct kvm_x86_ops vmx_x86_ops = {
	.name = "kvm_intel",
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_teardown,
	.vcpu_load = vmx_vcpu_load,
	.flush_tlb_all = vmx_flush_tlb_all,
	.flush_tlb_current = vmx_flush_tlb_current,
	.flush_tlb_guest = vmx_flush_tlb_guest,
	.load_mmu_pgd = vmx_load_mmu_pgd,
	.vcpu_run = vmx_vcpu_run,
	.handle_exit_irqoff = kvm_flush_pml_buffer,
	.handle_exit = vmx_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
};

/* AMD's host-wide state: per-pCPU ASID data, and the ASID pool of the
 * per-root and per-VM policies (kvmmu/svm.c hands ASIDs out). */
static u32 asid_pool_alloc(struct kvm *kvm)
{
	struct kvm_x86_host *h = kvm->host;
	struct svm_cpu_data *sd = &h->svm_data[0];

	for (u32 a = sd->min_asid; a <= sd->max_asid; a++) {
		if (!(h->asid_pool[a / 64] & (1ULL << (a % 64)))) {
			h->asid_pool[a / 64] |= 1ULL << (a % 64);
			return a;
		}
	}
	env_assert_fail(kvm->env, "out of ASIDs", __FILE__, __LINE__);
	return sd->min_asid;
}

static void asid_pool_free(struct kvm *kvm, u32 asid)
{
	kvm->host->asid_pool[asid / 64] &= ~(1ULL << (asid % 64));
}

static void svm_tdp_root_created(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT)
		root->asid = asid_pool_alloc(kvm);
}

static void svm_tdp_root_freed(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT && root->asid)
		asid_pool_free(kvm, root->asid);
}

static int svm_vm_init(struct kvm *kvm)
{
	const struct env_caps *caps = env_caps(kvm->env);
	struct kvm_x86_host *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	kvm->host = h;
	h->nr_pcpus = env_nr_pcpus(kvm->env);
	h->svm_data = calloc(h->nr_pcpus ? h->nr_pcpus : 1, sizeof(*h->svm_data));
	if (!h->svm_data)
		return -ENOMEM;
	for (unsigned c = 0; c < h->nr_pcpus; c++) {
		struct svm_cpu_data *sd = &h->svm_data[c];

		svm_cpu_data_init(sd, caps);
		if (kvm->pol.svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
			sd->asid_owner = calloc((size_t)caps->max_asid + 1, sizeof(u64));
			if (!sd->asid_owner)
				return -ENOMEM;
		}
	}
	if (kvm->pol.svm_asid != KVMMU_SVM_ASID_PER_VCPU_GENERATION) {
		h->asid_pool_bits = caps->max_asid + 1;
		h->asid_pool = calloc((h->asid_pool_bits + 63) / 64, sizeof(u64));
		if (!h->asid_pool)
			return -ENOMEM;
	}
	if (kvm->pol.svm_asid == KVMMU_SVM_ASID_STATIC_PER_VM)
		kvm->static_asid = asid_pool_alloc(kvm);
	return 0;
}

static void svm_vm_destroy(struct kvm *kvm)
{
	struct kvm_x86_host *h = kvm->host;

	if (!h)
		return;
	for (unsigned c = 0; h->svm_data && c < h->nr_pcpus; c++)
		free(h->svm_data[c].asid_owner);
	free(h->svm_data);
	free(h->asid_pool);
	free(h);
}

static int svm_vcpu_create(struct kvm_vcpu *vcpu)
{
	return svm_vcpu_setup(vcpu);
}

static void svm_vcpu_free(struct kvm_vcpu *vcpu) { (void)vcpu; }

/* The ASID under per-root or per-VM ASIDs, and who uses it: the root (per
 * root) and the vCPU. */
u64 kvm_svm_fixed_asid(struct kvm_vcpu *vcpu, u32 *asid)
{
	bool per_root = vcpu->kvm->pol.svm_asid == KVMMU_SVM_ASID_PER_ROOT;

	*asid = per_root ? vcpu->mmu.root->asid : vcpu->kvm->static_asid;
	return (per_root ? vcpu->mmu.root->serial << 16 : 0) | (vcpu->vcpu_idx + 1);
}

void kvm_svm_root_asid_load(struct kvm_vcpu *vcpu)
{
	if (vcpu->mmu.root)
		vcpu->svm.asid = vcpu->mmu.root->asid;
}

const struct kvm_x86_ops svm_x86_ops = {
	.name = "kvm_amd",
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.flush_tlb_all = svm_flush_tlb_all,
	.flush_tlb_current = svm_flush_tlb_current,
	.flush_tlb_guest = svm_flush_tlb_guest,
	.load_mmu_pgd = svm_load_mmu_pgd,
	.vcpu_run = svm_vcpu_run,
	.handle_exit_irqoff = kvm_flush_pml_buffer,
	.handle_exit = svm_handle_exit,
	.update_cpu_dirty_logging = vmx_update_cpu_dirty_logging,
	.tdp_root_created = svm_tdp_root_created,
	.tdp_root_freed = svm_tdp_root_freed,
};


/* ------------------------------- dirty logging on memslots (x86.c's, kvmmu's) */

void kvm_mmu_update_cpu_dirty_logging(struct kvm *kvm, bool enable)
{
	int nr = kvm->nr_memslots_dirty_logging;

	if (!kvm->cpu_dirty_log_size || kvm->pml_always)
		return;
	/* Only the first slot to log and the last to stop toggle PML. */
	if ((enable && nr == 1) || !nr)
		kvm_make_all_cpus_request(kvm, KVM_REQ_UPDATE_CPU_DIRTY_LOGGING);
}

/*
 * Logging on: split huge pages (eager), then with PML clear D on 4K leaves
 * and write-protect huge ones (they must split on a write), without PML
 * write-protect everything; and flush, always (E10: a leaf access-tracked
 * earlier without a flush has no W to clear, yet a writable TLB entry).
 * Logging off: recover huge pages.
 */
void kvm_mmu_slot_apply_flags(struct kvm *kvm, const struct kvm_memory_slot *old,
			      const struct kvm_memory_slot *new_slot, int change)
{
	u32 old_flags = old ? old->flags : 0;
	u32 new_flags = new_slot ? new_slot->flags : 0;
	bool log_dirty_pages = new_flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool flush;

	if ((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES)
		kvm_mmu_update_cpu_dirty_logging(kvm, log_dirty_pages);

	/* Create/move/delete start from nothing mapped; read-only slots are
	 * never writable. */
	if (change != KVM_MR_FLAGS_ONLY || (new_flags & KVM_MEM_READONLY))
		return;
	if (!((old_flags ^ new_flags) & KVM_MEM_LOG_DIRTY_PAGES))
		return;

	if (!log_dirty_pages) {
		if (kvm->pml_always)
			kvm_mmu_slot_set_dirty(kvm, new_slot);
		kvm_mmu_recover_huge_pages(kvm, new_slot);
		return;
	}

	/* Initially-all-set: everything counts as dirty; protection happens
	 * as userspace clears bits. */
	if (kvm_dirty_log_manual_protect_and_init_set(kvm))
		return;
	if (kvm->pol.mmu_eager_split == KVMMU_EAGER_SPLIT_ON)
		kvm_mmu_slot_try_split_huge_pages(kvm, new_slot, PG_LEVEL_4K);
	if (kvm->cpu_dirty_log_size) {
		flush = kvm_mmu_slot_leaf_clear_dirty(kvm, new_slot);
		flush |= kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_2M);
	} else {
		flush = kvm_mmu_slot_remove_write_access(kvm, new_slot, PG_LEVEL_4K);
	}
	if (kvm->pol.mmu_dirty_enable_flush == KVMMU_DIRTY_ENABLE_FLUSH_ALWAYS || flush)
		kvm_flush_remote_tlbs_memslot(kvm, new_slot);
}

bool kvm_dirty_log_write_protects(const struct kvm *kvm)
{
	return !kvm->cpu_dirty_log_size;
}

/* Before a harvest: kick vCPUs so their PML buffers get drained. */
void kvm_arch_sync_dirty_log(struct kvm *kvm)
{
	if (!kvm->cpu_dirty_log_size)
		return;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++)
		kvm_vcpu_kick(kvm->vcpus[i]);
}

static u64 align_up(u64 x, u64 a) { return (x + a - 1) & ~(a - 1); }

/*
 * Re-protect the pages of @mask after userspace took their dirty bits.
 * With initially-all-set nothing was protected when logging started, so
 * huge pages covering them are split (eager) or write-protected now.
 */
void kvm_arch_mmu_enable_log_dirty_pt_masked(struct kvm *kvm,
					     struct kvm_memory_slot *slot,
					     gfn_t gfn_offset, u64 mask)
{
	lockdep_assert_held_write(kvm->env);
	if (kvm_dirty_log_manual_protect_and_init_set(kvm)) {
		gfn_t start = slot->base_gfn + gfn_offset + (u64)__builtin_ctzll(mask);
		gfn_t end = slot->base_gfn + gfn_offset + 63 - (u64)__builtin_clzll(mask);

		if (kvm->pol.mmu_eager_split == KVMMU_EAGER_SPLIT_ON)
			kvm_mmu_try_split_huge_pages(kvm, slot, start, end + 1,
						     PG_LEVEL_4K);
		kvm_mmu_slot_gfn_write_protect(kvm, slot, start, PG_LEVEL_2M);
		if (align_up(start << PAGE_SHIFT, 2ULL << 20) !=
		    align_up(end << PAGE_SHIFT, 2ULL << 20))
			kvm_mmu_slot_gfn_write_protect(kvm, slot, end, PG_LEVEL_2M);
	}
	kvm_tdp_mmu_clear_dirty_pt_masked(kvm, slot, slot->base_gfn + gfn_offset,
					  mask, !kvm->cpu_dirty_log_size);
}
