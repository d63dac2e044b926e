// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest mode: a vCPU runs its access stream until a VM exit.
 *
 * Per access: a yield point (so that with quantum 0 every access is ordered
 * against every shared operation of the other threads), the TLB lookup,
 * on a miss a 2D walk, then the access itself — a write bumps the host
 * frame's content version, the ground truth of the oracles.  An access that
 * crosses a page boundary is performed as two.
 *
 * An exit leaves the access in progress in the vCPU; KVM handles the exit
 * and re-enters, and the access is retried.  A retried access goes straight
 * to the walk: the exit already invalidated what it needs (an EPT violation
 * drops the GPA's cached translations), and an access counts at most one
 * miss per TLB level however many exits it takes.
 */
#include "sim/cpu/cpu_int.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/pml/pml.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 4096ull

/* x86-64 PTE bits the minimal guest OS writes (the walker's format). */
#define GPTE_P (1ull << 0)
#define GPTE_RW (1ull << 1)
#define GPTE_US (1ull << 2)
#define GPTE_NX (1ull << 63)
/* Where the guest kernel's direct map would put a GPA (x86-64 Linux's
 * page_offset_base): the linear address of its page-table writes. */
#define GUEST_DIRECT_MAP 0xffff888000000000ull

/* What an access of a kind needs of a translation, and the walk it makes:
 * a read R, a write W, a fetch X (any other kind, which is no access,
 * reads). */
static const uint8_t kind_need[] = {
	[TRACE_READ] = TLB_R, [TRACE_WRITE] = TLB_W, [TRACE_FETCH] = TLB_X,
};
static const uint8_t kind_walk[] = {
	[TRACE_READ] = WALK_READ, [TRACE_WRITE] = WALK_WRITE, [TRACE_FETCH] = WALK_FETCH,
};

static inline unsigned need_of(uint8_t kind)
{
	return kind < ARRAY_SIZE(kind_need) ? kind_need[kind] : TLB_R;
}

static inline enum walk_access walk_access_of(uint8_t kind)
{
	return kind < ARRAY_SIZE(kind_walk) ? (enum walk_access)kind_walk[kind] : WALK_READ;
}

/*
 * The per-kind count of one TLB lookup that went past the MRU entries
 * (tlb_lookup_slow, or tlb_lookup): the levels it probed, as the TLB's own
 * counters count them — the L1 of the kind if there is one, then the L2
 * if there is one and the L1 did not hit.  A hit that needs a walk after
 * all (a dirty assist, a permission mismatch) is a hit.
 */
static inline void count_lookup(const struct machine *m, struct cpu_kind_stats *ks,
				unsigned need, const struct tlb_result *tr)
{
	unsigned l1 = need & TLB_X ? TLB_L1I : TLB_L1D;
	bool l1_hit = tr->outcome != TLB_MISS && tr->level == l1;
	if (m->tlb_has[l1]) {
		ks->l1_lookups++;
		ks->l1_misses += !l1_hit;
	}
	if (!l1_hit && m->tlb_has[TLB_L2]) {
		ks->l2_lookups++;
		ks->l2_misses += tr->outcome == TLB_MISS;
	}
}

/* count_lookup() of a lookup that missed every level. */
static inline void count_miss(const struct machine *m, struct cpu_kind_stats *ks,
			      unsigned need)
{
	uint64_t l1 = m->tlb_has[need & TLB_X ? TLB_L1I : TLB_L1D];
	uint64_t l2 = m->tlb_has[TLB_L2];

	ks->l1_lookups += l1;
	ks->l1_misses += l1;
	ks->l2_lookups += l2;
	ks->l2_misses += l2;
}

/* A walk on behalf of the current access of @v. */
static inline void count_walk(struct vcpu *v, const struct walk_res *wr)
{
	struct cpu_kind_stats *ks = &v->kst[v->cur.kind];
	ks->walks++;
	ks->walk_refs += wr->refs;
}

/* The current access of @v completed: its cycles since its issue. */
static inline void count_access(struct vcpu *v, cycles_t now)
{
	struct cpu_kind_stats *ks = &v->kst[v->cur.kind];
	ks->accesses++;
	ks->cycles += now - v->gap_until;
}

static inline int guest_levels(const struct machine *m)
{
	return m->glevels;
}

/*
 * A VM entry or exit without VPIDs.  KVM clears the "enable VPID" control
 * of a vCPU it gave no VPID (vmx.vpid=off, or none left), which here is a
 * VMCS VPID of 0.  The SDM (28.3.3.1, "Operations that Invalidate Cached
 * Mappings") then has every VM entry and every VM exit invalidate the
 * linear and combined mappings of VPID 0000H, for all PCIDs and all
 * EP4TAs, global translations included; guest-physical mappings (the
 * nested TLB and PSCs, tagged by EP4TA only) are kept.  That is the scope
 * of a single-context INVVPID of VPID 0, which the transition performs.
 */
static void vpid0_transition_flush(struct machine *m, struct vcpu *v)
{
	struct tlb_flush f = { .type = TLB_INVVPID_SINGLE, .tag = { .vpid = 0 } };
	if (m->p->cpu_vendor != VENDOR_INTEL || v->vmcs.vpid != 0)
		return;
	tlb_flush(m->pcpus[v->pcpu].tlb, &f);
	m->ctr.vpid0_flushes++;
}

/* Loads the VMCS/VMCB state into the pCPU at VM entry. */
static void load_context(struct machine *m, struct vcpu *v)
{
	struct tlb *tlb = m->pcpus[v->pcpu].tlb;
	struct tlb_tag tag = { 0 };
	tag.pcid = v->pcid;
	if (m->p->cpu_vendor == VENDOR_INTEL) {
		tag.ep4ta = v->vmcs.eptp;
		tag.vpid = v->vmcs.vpid;
		vpid0_transition_flush(m, v);
	} else {
		tag.asid = (uint16_t)v->vmcs.asid;
		/* VMRUN applies TLB_CONTROL, then the field is consumed. */
		if (v->vmcs.tlb_ctl != ENV_TLB_CTL_NONE) {
			sim_log(m->sim, "tlb_ctl", v->vmcs.asid, v->vmcs.tlb_ctl, v->pcpu);
			tlb_vmcb_tlb_control(tlb, v->vmcs.tlb_ctl, (uint16_t)v->vmcs.asid);
			v->vmcs.tlb_ctl = ENV_TLB_CTL_NONE;
		}
	}
	v->tag = tag;
	m->pcpus[v->pcpu].owner = NULL;
	cpu_claim_pcpu(m, v);
}

/* Applies a pending host-scheduler move of @v to another pCPU.  Called when
 * the vCPU thread is preemptible: at its start and right after a VM exit,
 * never between KVM's last env_vcpu_migrated() check and the entry. */
void cpu_maybe_migrate(struct machine *m, struct vcpu *v)
{
	unsigned to = v->migrate_to;
	if (to == UINT32_MAX && m->p->cpu_migrate_every && m->npcpus > 1 &&
	    rng_below(&v->rng, m->p->cpu_migrate_every) < 2000)
		to = (v->pcpu + 1 + (unsigned)rng_below(&v->rng, m->npcpus - 1)) %
		     m->npcpus;
	v->migrate_to = UINT32_MAX;
	if (to == UINT32_MAX || to == v->pcpu)
		return;
	sim_log(m->sim, "migrate", v->idx, v->pcpu, to);
	m->pcpus[v->pcpu].nvcpus--;
	m->pcpus[to].nvcpus++;
	v->pcpu = to;
	v->migrated = true;
	m->ctr.migrations++;
}

/* Fetches the next access of @v into v->cur; false at the end. */
static bool next_access(struct machine *m, struct vcpu *v, bool *bad)
{
	if (v->bpos == v->blen) {
		long n = m->source ? m->source(m->source_ctx, v->idx, v->batch, CPU_BATCH) : 0;
		if (n < 0)
			*bad = true;
		if (n <= 0)
			return false;
		v->bpos = 0;
		v->blen = (size_t)n;
	}
	v->cur = v->batch[v->bpos++];
	v->cur_need = need_of(v->cur.kind) | m->upage;
	if (v->cur.size == 0)
		v->cur.size = 1;
	if ((v->cur.addr & (PAGE_SIZE - 1)) + v->cur.size > PAGE_SIZE)
		m->ctr.splits++;
	v->have_cur = true;
	v->gap_done = false;
	v->retry = false;
	v->split_done = 0;
	return true;
}

static void exit_with(struct machine *m, struct vcpu *v, struct env_exit *x,
		      enum env_exit_reason reason, uint64_t gpa, uint64_t qual)
{
	x->reason = reason;
	x->gpa = gpa;
	x->qual = qual;
	switch (reason) {
	case ENV_EXIT_EPT_VIOLATION: m->ctr.exits_ept_violation++; break;
	case ENV_EXIT_EPT_MISCONFIG: m->ctr.exits_ept_misconfig++; break;
	case ENV_EXIT_NPF: m->ctr.exits_npf++; break;
	case ENV_EXIT_PML_FULL: m->ctr.exits_pml_full++; break;
	case ENV_EXIT_EXTINT: m->ctr.exits_extint++; break;
	default: break;
	}
}

/*
 * The minimal guest OS: a guest #PF on a non-present entry allocates the
 * next guest frame in first-touch order (a page-table node or the data
 * page) and writes the entry.  The write is a guest write to the entry's
 * GPA through the nested translation like any other, so it can take an
 * EPT violation itself (then the #PF is handled again after the exit).
 * Returns the exit to take, or ENV_EXIT_NONE when the entry was written.
 */
static enum env_exit_reason guest_os_fault(struct machine *m, struct vcpu *v,
					   const struct walk_res *wr, uint64_t va,
					   struct env_exit *x);

/* Guest-physical frames in first-touch order, from GPA 0. */
static uint64_t alloc_guest_frame(struct machine *m)
{
	uint64_t gpa = m->next_guest_frame;
	m->next_guest_frame += PAGE_SIZE;
	return gpa;
}

/* The top-level table of guest address space @id (a process: its vCPUs
 * share it), allocated at the space's first use (a guest frame in
 * first-touch order, like any other); false without memory for the list. */
static bool guest_space_cr3(struct machine *m, uint64_t id, uint64_t *cr3)
{
	for (size_t i = 0; i < m->nspaces; i++)
		if (m->spaces[i].id == id) {
			*cr3 = m->spaces[i].cr3;
			return true;
		}
	struct guest_space *n = realloc(m->spaces, (m->nspaces + 1) * sizeof(*n));
	if (!n)
		return false;
	m->spaces = n;
	n[m->nspaces].id = id;
	n[m->nspaces].cr3 = *cr3 = alloc_guest_frame(m);
	m->nspaces++;
	return true;
}

/*
 * A guest TLB invalidation of the access stream (traces/trace.h): the
 * guest kernel's INVLPG, MOV to CR3, INVPCID or INVLPGA, with the scope
 * the architecture gives it for the vCPU's VPID (ASID) and every EP4TA.
 * With EPT/NPT, KVM intercepts none of them but INVLPGA, which SVM always
 * intercepts: KVM's handler (invlpga_interception -> kvm_mmu_invlpg ->
 * svm_flush_tlb_gva) is an INVLPGA of the address in the vCPU's own ASID,
 * so the model charges the exit and entry and performs that flush here
 * rather than through kvmmu.  The instructions themselves cost nothing
 * more; what they cost is the refills after them.  The minimal guest OS
 * keeps its page tables as they are (an munmap's page stays mapped).
 */
static bool guest_tlb_op(struct machine *m, struct vcpu *v,
			 const struct trace_rec *r)
{
	struct tlb *tlb = m->pcpus[v->pcpu].tlb;
	struct tlb_flush f = { .tag = v->tag, .addr = r->addr };
	m->ctr.guest_tlb_ops[r->kind]++;
	sim_log(m->sim, "guest_tlb_op", r->addr, r->kind, v->idx);
	switch (r->kind) {
	case TRACE_INVLPG:
		f.type = TLB_GUEST_INVLPG;
		break;
	case TRACE_MOV_CR3:
		if (guest_levels(m) &&
		    !guest_space_cr3(m, TRACE_CR3_SPACE(r->addr), &v->guest_cr3)) {
			check_report(m->check, CHECK_MODEL_ASSERT, r->addr,
				     "vcpu%u: out of memory for address spaces", v->idx);
			return false;
		}
		/* The new PCID is the context from here on; without NOFLUSH
		 * its non-global entries go (PCID 0 is the case without
		 * CR4.PCIDE: the same scope, SDM 4.10.4.1). */
		v->pcid = v->tag.pcid = TRACE_CR3_PCID(r->addr);
		m->pcpus[v->pcpu].owner = NULL;
		cpu_claim_pcpu(m, v);
		if (r->addr & TRACE_CR3_NOFLUSH)
			return true;
		f.type = TLB_GUEST_CR3;
		f.tag.pcid = v->pcid;
		break;
	case TRACE_INVPCID_ADDR:
		f.type = TLB_GUEST_INVPCID_ADDR;
		f.addr = r->addr & ~(PAGE_SIZE - 1);
		f.tag.pcid = TRACE_CR3_PCID(r->addr);
		break;
	case TRACE_INVPCID_CTX:
		f.type = TLB_GUEST_INVPCID_CTX;
		f.tag.pcid = TRACE_CR3_PCID(r->addr);
		break;
	case TRACE_INVPCID_ALL:
		f.type = TLB_GUEST_INVPCID_ALL;
		break;
	case TRACE_INVPCID_ALL_NONGLOBAL:
		f.type = TLB_GUEST_INVPCID_ALL_NONGLOBAL;
		break;
	default: /* TRACE_INVLPGA */
		if (m->p->cpu_vendor != VENDOR_AMD) {
			check_report(m->check, CHECK_MODEL_ASSERT, r->addr,
				     "vcpu%u: INVLPGA on Intel (#UD): the trace "
				     "needs cpu.vendor=amd", v->idx);
			return false;
		}
		m->ctr.exits_invlpga++;
		sim_charge(m->sim, m->acct.exit, m->p->lat_vmexit + m->p->lat_vmentry);
		f.type = TLB_AMD_INVLPGA;
		break;
	}
	tlb_flush(tlb, &f);
	return true;
}

static void fill_walk_req(struct machine *m, struct vcpu *v, struct walk_req *rq,
			  uint64_t addr, uint8_t kind, int levels)
{
	bool intel = m->p->cpu_vendor == VENDOR_INTEL;
	/* One initializer, every field named: plain stores, where a memset
	 * first would cost a rep stos on every walk. */
	*rq = (struct walk_req){
		.fmt = intel ? WALK_EPT : WALK_NPT,
		.root = intel ? v->vmcs.eptp : v->vmcs.ncr3,
		.nested_levels = (int)m->p->cpu_tdp_levels,
		.guest_levels = levels,
		.guest_cr3 = v->guest_cr3,
		.addr = addr,
		.access = walk_access_of(kind),
		.user = levels != 0,
		/* The caches only when they exist: the walker then skips them. */
		.tlb = m->tlb_psc ? m->pcpus[v->pcpu].tlb : NULL,
		.pml = &v->pml,
		/* Fills carry the generation clock (set by the caller), so the
		 * walker need not look frame generations up. */
		.host = NULL,
		.ptc = m->ptc[v->pcpu],
		.stats = &m->walk_stats,
		.params = &m->walk,
		.lat_ref = m->p->lat_walk_ref,
		.acct = m->acct.walk,
	};
}

/*
 * Oracle 6 (machine_wrprot_*).  A fault on a page may map it writable and
 * log it — a read fault too, since KVM maps writable and marks the page
 * dirty at once — so any exit on a page ends its dirty-log promise, and
 * so does the landing of the access that exited (its fault was handled,
 * perhaps after a harvest had armed or promised the page).  Until it
 * lands, the exit is pending: a promise made meanwhile does not hold.
 */
static void wrprot_forget(struct machine *m, uint64_t gfn)
{
	if (m->wrprot && gfn < m->wrprot_pages &&
	    (m->wrprot[gfn] & (CPU_WRPROT_LOG | WRPROT_ARMED))) {
		if (m->wrprot[gfn] & CPU_WRPROT_LOG)
			sim_log(m->sim, "wrprot.exit", gfn << 12, 0, CPU_WRPROT_LOG);
		m->wrprot[gfn] &= (uint8_t)~(CPU_WRPROT_LOG | WRPROT_ARMED);
	}
}

static void wrprot_exit(struct machine *m, struct vcpu *v, uint64_t gpa)
{
	v->exit_pending = true;
	v->exit_gfn = gpa >> 12;
	wrprot_forget(m, v->exit_gfn);
}

/* The access that exited lands (or its guest page-table write does). */
static void wrprot_exit_landed(struct machine *m, struct vcpu *v)
{
	wrprot_forget(m, v->exit_gfn);
	v->exit_pending = false;
}

/* A guest write reaching @gpa through a translation (TLB hit or walk)
 * while KVM promised the page write-protected.  Called only while the
 * promise table exists; reports once per promise. */
static void __attribute__((noinline))
stale_permission(struct machine *m, struct vcpu *v, uint64_t gpa, uint64_t pfn)
{
	uint64_t gfn = gpa >> 12;
	if (gfn >= m->wrprot_pages)
		return;
	uint8_t kind = m->wrprot[gfn] & (uint8_t)~WRPROT_ARMED;
	if (!kind)
		return;
	m->wrprot[gfn] &= (uint8_t)~kind;
	check_report(m->check, CHECK_STALE_PERMISSION, gpa,
		     "vcpu%u writes gpa %#llx (frame %#llx) through a writable "
		     "translation after KVM write-protected the page (%s) and "
		     "returned, with no exit on the page since",
		     v->idx, (unsigned long long)gpa, (unsigned long long)pfn,
		     kind & CPU_WRPROT_READONLY ? "read-only memslot"
		     : kind & CPU_WRPROT_TRACK  ? "write tracking"
						: "dirty logging");
}

/*
 * The no-progress oracle: the access in progress exited cpu.stall_exits
 * times in a row and never completed; whatever KVM does about the exit
 * changes nothing the walk sees (a livelock: on hardware, a hung guest).
 * Reported once; the vCPU halts at its next entry so that the run ends.
 */
static void no_progress(struct machine *m, struct vcpu *v, uint64_t gpa)
{
	if (v->accesses != v->stall_mark) {
		v->stall_mark = v->accesses;
		v->stall = 0;
	}
	if (++v->stall != m->p->cpu_stall_exits)
		return;
	check_report(m->check, CHECK_NO_PROGRESS, gpa,
		     "vcpu%u exited %llu times in a row (last on gpa %#llx) "
		     "without completing an access: no progress; halted",
		     v->idx, (unsigned long long)v->stall,
		     (unsigned long long)gpa);
	v->done = true;
}

/* A walk that ended in a VM exit: fill @x, and drop what the architecture
 * drops.  The access is retried after KVM handled the exit. */
static enum env_exit_reason walk_exit(struct machine *m, struct vcpu *v,
				      const struct walk_res *wr, uint64_t addr,
				      struct env_exit *x)
{
	struct tlb *tlb = m->pcpus[v->pcpu].tlb;
	v->retry = true;
	no_progress(m, v, wr->status == WALK_PML_FULL ? 0 : wr->fault.gpa);
	if (wr->status != WALK_PML_FULL)
		wrprot_exit(m, v, wr->fault.gpa);
	switch (wr->status) {
	case WALK_EPT_VIOLATION:
	case WALK_EPT_MISCONFIG:
		/* SDM 28.3.3.1: the violation drops the cached guest-physical
		 * and combined mappings of the GPA. */
		tlb_flush_gpa(tlb, wr->fault.gpa, addr,
			      (wr->fault.qual & EPT_QUAL_GLA_VALID) != 0);
		exit_with(m, v, x, wr->status == WALK_EPT_VIOLATION
				       ? ENV_EXIT_EPT_VIOLATION
				       : ENV_EXIT_EPT_MISCONFIG,
			  wr->fault.gpa, wr->fault.qual);
		break;
	case WALK_NPF:
		exit_with(m, v, x, ENV_EXIT_NPF, wr->fault.gpa, wr->fault.qual);
		break;
	default: /* WALK_PML_FULL */
		exit_with(m, v, x, ENV_EXIT_PML_FULL, 0, 0);
		break;
	}
	return x->reason;
}

/* Oracle 3: a guest access through a translation of a frame that has been
 * freed (or freed and reused) since the translation was made. */
static void __attribute__((noinline))
stale_translation(struct machine *m, struct vcpu *v, uint64_t addr, uint8_t kind,
		  uint64_t pfn, uint64_t clock)
{
	check_report(m->check, CHECK_STALE_TRANSLATION, pfn << 12,
		     "vcpu%u %s %#llx through a translation of frame %#llx made "
		     "at generation clock %llu; the frame's generation is now %llu",
		     v->idx, kind == TRACE_WRITE ? "writes" : "reads",
		     (unsigned long long)addr, (unsigned long long)pfn,
		     (unsigned long long)clock,
		     (unsigned long long)host_frame_gen(m->host, pfn));
}

/* Translates and performs one piece of an access (inside one page), through
 * @tlb, its pCPU's.  Returns ENV_EXIT_NONE when done, else the exit reason
 * (x filled). */
static enum env_exit_reason do_piece(struct machine *m, struct vcpu *v,
				     struct tlb *tlb, uint64_t addr, uint8_t kind,
				     struct env_exit *x)
{
	struct sim *s = m->sim;
	unsigned need = v->cur_need;
	struct tlb_result tr;
	uint64_t pfn, gpa;

	if (!v->retry) {
		enum tlb_outcome o = tlb_lookup(tlb, need, addr, &tr);
		count_lookup(m, &v->kst[kind], need, &tr);
		sim_charge(s, m->acct.tlb, tr.cycles);
		if (o == TLB_HIT) {
			pfn = tlb_entry_hpa(tr.e, addr) >> 12;
			gpa = tlb_entry_gpa(tr.e, addr);
			/* Oracle 3, one comparison unless a data folio was
			 * freed since this translation was cached. */
			if (unlikely(*m->data_freed_at >= tr.e->gen) &&
			    !host_frame_valid_since(m->host, pfn, tr.e->gen))
				stale_translation(m, v, addr, kind, pfn, tr.e->gen);
			goto access;
		}
	}
	for (;;) {
		struct walk_res wr;
		int rc;
		if (likely(!v->walk_prep)) {
			rc = walk_run(&v->walker, v->guest_cr3, addr,
				      walk_access_of(kind), &wr);
		} else {
			memset(&wr, 0, sizeof(wr));
			rc = v->walk_prep;
		}
		count_walk(v, &wr);
		if (rc < 0) {
			check_report(m->check, CHECK_MODEL_ASSERT, addr,
				     "walk_2d failed (%d) at %#llx", rc,
				     (unsigned long long)addr);
			v->done = true;
			exit_with(m, v, x, ENV_EXIT_HLT, 0, 0);
			return ENV_EXIT_HLT;
		}
		if (wr.status == WALK_GUEST_PF) {
			enum env_exit_reason r = guest_os_fault(m, v, &wr, addr, x);
			if (r != ENV_EXIT_NONE) {
				v->retry = true;
				return r;
			}
			continue;
		}
		if (wr.status != WALK_OK)
			return walk_exit(m, v, &wr, addr, x);
		/* The TLB entry remembers the generation clock at its fill:
		 * whatever frame it names must have been allocated before. */
		struct tlb_map map = {
			.addr = addr, .gpa = wr.page_gpa, .hpa = wr.page_hpa,
			.gen = host_gen_clock(m->host), .size = wr.size,
			.perms = wr.perms, .dirty = wr.dirty, .global = wr.global,
		};
		tlb_fill(tlb, need, &map);
		pfn = wr.pfn;
		gpa = wr.gpa;
		/* A walk that ends on a free frame follows a stale SPTE;
		 * none can before the host has freed a data folio. */
		if (unlikely(*m->data_freed_at != 0) &&
		    host_frame_gen(m->host, pfn) == 0)
			stale_translation(m, v, addr, kind, pfn, 0);
		break;
	}
access:
	if (unlikely(v->exit_pending))
		wrprot_exit_landed(m, v);
	if (kind == TRACE_WRITE) {
		if (unlikely(m->wrprot != NULL))
			stale_permission(m, v, gpa, pfn);
		host_frame_write(m->host, pfn);
	}
	v->retry = false;
	sim_charge(s, m->acct.tlb, m->p->lat_access);
	return ENV_EXIT_NONE;
}

/* The leaf PTE bits for @va: a program's segment gives its permissions
 * (text R+X, data R+W+NX); anything else is demand-mapped read/write. */
static uint64_t guest_leaf_bits(const struct machine *m, uint64_t va)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct trace_seg *sg = &m->segs[i];
		if (va >= sg->start && va < sg->end)
			return GPTE_P | GPTE_US |
			       (sg->prot & TRACE_SEG_W ? GPTE_RW : 0) |
			       (sg->prot & TRACE_SEG_X ? 0 : GPTE_NX);
	}
	return GPTE_P | GPTE_RW | GPTE_US;
}

static enum env_exit_reason guest_os_fault(struct machine *m, struct vcpu *v,
					   const struct walk_res *wr, uint64_t va,
					   struct env_exit *x)
{
	struct sim *s = m->sim;
	/* Only non-present entries are the minimal OS's business; it never
	 * write-protects, so any other guest #PF is the replayed program's
	 * access against its own segment's permissions (a write to its
	 * text: on a real guest, SIGSEGV) or a model bug. */
	if (wr->fault.pf_error & 1) {
		const struct trace_seg *sg = NULL;
		for (size_t i = 0; i < m->nsegs && !sg; i++)
			if (va >= m->segs[i].start && va < m->segs[i].end)
				sg = &m->segs[i];
		if (sg)
			check_report(m->check, CHECK_MODEL_ASSERT, wr->fault.pte_gpa,
				     "unexpected guest #PF error %#llx: vcpu%u %s %#llx in "
				     "the program's %c%c%c segment [%#llx, %#llx): a "
				     "protection fault (the program would get SIGSEGV)",
				     (unsigned long long)wr->fault.pf_error, v->idx,
				     wr->fault.pf_error & 2 ? "writes"
				     : wr->fault.pf_error & 16 ? "fetches" : "reads",
				     (unsigned long long)va,
				     sg->prot & TRACE_SEG_R ? 'r' : '-',
				     sg->prot & TRACE_SEG_W ? 'w' : '-',
				     sg->prot & TRACE_SEG_X ? 'x' : '-',
				     (unsigned long long)sg->start,
				     (unsigned long long)sg->end);
		else
			check_report(m->check, CHECK_MODEL_ASSERT, wr->fault.pte_gpa,
				     "unexpected guest #PF error %#llx",
				     (unsigned long long)wr->fault.pf_error);
		v->done = true;
		exit_with(m, v, x, ENV_EXIT_HLT, 0, 0);
		return ENV_EXIT_HLT;
	}
	if (!v->guest_pf_pending) {
		v->guest_pf_frame = alloc_guest_frame(m);
		v->guest_pf_pending = true;
		m->ctr.guest_pfs++;
		sim_charge(s, m->acct.kvm, m->p->lat_guest_pf);
	}
	/* The guest kernel writes the entry through its direct map: an access
	 * by GPA, translated by EPT/NPT only (not cached in the TLB: entry
	 * writes are once per page, and the direct map's own tables are not
	 * modelled). */
	struct walk_req rq;
	struct walk_res pr;
	fill_walk_req(m, v, &rq, wr->fault.pte_gpa, TRACE_WRITE, 0);
	rq.tlb = NULL;
	rq.user = false;
	int rc = walk_2d(s, &rq, &pr);
	count_walk(v, &pr);
	if (rc < 0 || pr.status == WALK_GUEST_PF) {
		check_report(m->check, CHECK_MODEL_ASSERT, wr->fault.pte_gpa,
			     "guest PTE write walk failed (%d)", rc);
		v->done = true;
		exit_with(m, v, x, ENV_EXIT_HLT, 0, 0);
		return ENV_EXIT_HLT;
	}
	if (pr.status != WALK_OK)
		return walk_exit(m, v, &pr, GUEST_DIRECT_MAP + wr->fault.pte_gpa, x);
	/* Tables are open (P|RW|US): a leaf carries the permissions. */
	uint64_t pte = v->guest_pf_frame |
		       (wr->fault.level == 1 ? guest_leaf_bits(m, va)
					     : GPTE_P | GPTE_RW | GPTE_US);
	/* A guest page-table page is a data frame that holds bytes: the host
	 * must poison it on free and zero it on reuse. */
	host_frame_use_bytes(m->host, pr.pfn);
	/* Under the guest's page-table lock: another vCPU of the same
	 * process may have populated the entry since this one faulted
	 * (Linux's pmd_populate path re-checks likewise).  Then its table
	 * stands, this vCPU keeps the frame it took for its next fault,
	 * and walks again. */
	if (!sim_store_unless(s, sim_va(s, pr.hpa), GPTE_P, pte))
		return ENV_EXIT_NONE;
	if (unlikely(v->exit_pending) && v->exit_gfn == pr.gpa >> 12)
		wrprot_exit_landed(m, v);
	if (unlikely(m->wrprot != NULL))
		stale_permission(m, v, pr.gpa, pr.pfn);
	host_frame_write(m->host, pr.pfn);
	v->guest_pf_pending = false;
	return ENV_EXIT_NONE;
}

/* Does record @r stay inside one 4 KiB page?  (Size 0, which next_access()
 * makes 1, does.) */
static inline bool in_page(const struct trace_rec *r)
{
	return (r->addr & (PAGE_SIZE - 1)) + r->size <= PAGE_SIZE;
}

/*
 * The run of one access kind: the addresses [lo, lo + span) that the MRU
 * entry of the kind's L1 answers for it (none when the entry does not
 * grant the kind), and the hits taken through the kind's windows so far.
 */
struct kind_run {
	uint64_t lo, span;
	uint64_t run;
};

/* The MRU entries of the two L1s and the runs of the kinds they serve. */
struct mru_runs {
	struct kind_run k[4];		/* [enum trace_kind]; [3], for any
					 * other kind, stays empty */
	const struct tlb_entry *e[2];	/* [0] the dTLB's, [1] the iTLB's */
	bool set[2];
};

static void kind_run_set(struct kind_run *k, const struct tlb_entry *e,
			 unsigned need)
{
	if (e && !(need & ~e->fast_perms)) {
		k->lo = e->vpn << e->shift;
		k->span = UINT64_C(1) << e->shift;
	} else {
		k->lo = 1;
		k->span = 0;
	}
}

/* Takes the MRU entry of the dTLB (@i 0) or the iTLB (1).  An entry whose
 * frame may have been freed since its fill answers nothing: the long way
 * checks every access through it. */
static void mru_runs_take(struct mru_runs *mr, struct tlb *tlb, int i,
			  unsigned upage, uint64_t freed_at)
{
	uint32_t lat;
	const struct tlb_entry *e = tlb_mru(tlb, i ? TLB_X : TLB_R, &lat);
	mr->e[i] = e;
	mr->set[i] = true;
	if (e && freed_at >= e->gen)
		e = NULL;
	/* As need_of(): a read needs R, a write W, a fetch X. */
	if (i) {
		kind_run_set(&mr->k[TRACE_FETCH], e, TLB_X | upage);
	} else {
		kind_run_set(&mr->k[TRACE_READ], e, TLB_R | upage);
		kind_run_set(&mr->k[TRACE_WRITE], e, TLB_W | upage);
	}
}

/* The frame a run of writes wrote last, and the low half of its version
 * (host_frame_write_counter): the next write to it only increments, and
 * carries when that wraps. */
struct write_cache {
	uint64_t pfn;
	uint32_t *version;
};

/* Performs access @r, which hit @e in the L1 TLB. */
static inline void land_hit(struct machine *m, struct vcpu *v,
			    const struct trace_rec *r, const struct tlb_entry *e,
			    uint64_t freed_at, struct write_cache *wc)
{
	uint64_t pfn = tlb_entry_hpa(e, r->addr) >> 12;
	if (unlikely(freed_at >= e->gen) &&
	    !host_frame_valid_since(m->host, pfn, e->gen))
		stale_translation(m, v, r->addr, r->kind, pfn, e->gen);
	else if (r->kind == TRACE_WRITE) {
		if (unlikely(m->wrprot != NULL))
			stale_permission(m, v, tlb_entry_gpa(e, r->addr), pfn);
		if (pfn == wc->pfn && wc->version) {
			if (unlikely(++*wc->version == 0))
				host_frame_write_carry(m->host, pfn);
		} else {
			wc->pfn = pfn;
			wc->version = host_frame_write_counter(m->host, pfn);
		}
	}
}

/*
 * May this vCPU's hits run ahead of the other threads' clocks, up to
 * sim_lookahead_limit()?  Its hits read and write what is its own: its
 * pCPU's TLB, its kick time, the content versions of the frames it writes
 * (counters only others' later reads see).  They also read what the host
 * and KVM change — frame generations, KVM's write-protect promises — and
 * would report a violation from it, at a point in the event log that
 * running ahead would move; so not once a data folio was ever freed (no
 * translation can then be stale) nor while promises exist.  And not on a
 * pCPU it shares: another vCPU there changes its TLB at any time.
 */
static bool hits_invisible(const struct machine *m, const struct vcpu *v)
{
	return *m->data_freed_at == 0 && m->wrprot == NULL &&
	       m->pcpus[v->pcpu].nvcpus == 1;
}

/*
 * run_hits' first step for the current access when the MRU entry of its
 * L1 does not answer it: the long way, before the runs' setup.  True when
 * it missed (counted; the access walks next), which is all run_hits has
 * to do then: the miss path's case.  Otherwise @pre holds the hit (or no
 * entry: run_hits looks the access up itself).
 */
static inline bool first_misses(struct machine *m, struct vcpu *v, struct tlb *tlb,
				struct tlb_result *pre)
{
	unsigned need = v->cur_need;
	uint32_t lat;
	const struct tlb_entry *e = tlb_mru(tlb, need, &lat);
	if (e && (v->cur.addr >> e->shift) == e->vpn && !(need & ~e->fast_perms))
		return false;
	enum tlb_outcome o = tlb_lookup_slow(tlb, need, v->cur.addr, pre);
	if (o == TLB_MISS) {
		count_miss(m, &v->kst[v->cur.kind], need);
	} else {
		count_lookup(m, &v->kst[v->cur.kind], need, pre);
		if (o == TLB_HIT)
			return false;
	}
	/* Counted as a miss (or an assist): walk next. */
	sim_charge(m->sim, m->acct.tlb, pre->cycles);
	v->retry = true;
	return true;
}

/*
 * The hot loop: accesses that hit the L1 TLB, inside one page, with no gap
 * and no kick pending, performed back to back while this vCPU stays the
 * earliest thread (below sim_sync_limit: their yield points would not
 * switch), with their cycles charged once at the end.  Returns true if it
 * performed at least the current access; false hands the current access to
 * the general path.  A lookup that misses has been counted: the access
 * then goes straight to the walk (v->retry).
 *
 * One access at a time goes the long way (the L1's MRU entry, else its
 * sets); the accesses after it that the MRU entry of their L1 answers —
 * same page, permissions it grants, for the dTLB or the iTLB alike — go in
 * a run that only compares addresses, counted as MRU hits at its end.
 */
static bool run_hits(struct machine *m, struct vcpu *v, struct tlb *tlb)
{
	struct sim *s = m->sim;
	cycles_t now = sim_now(s);
	/* Nothing else runs inside this loop (it has no yield point), so
	 * neither the horizon nor a kick's arrival can move meanwhile, and
	 * no TLB changes but through this loop's own lookups. */
	cycles_t stop = sim_sync_limit(s);
	if (now >= stop && stop != 0 && hits_invisible(m, v))
		stop = sim_lookahead_limit(s);
	if (v->kick_at < stop)
		stop = v->kick_at;
	if (now >= stop || !in_page(&v->cur))
		return false;
	const unsigned upage = m->upage;
	struct tlb_result pre = { .e = NULL };
	if (first_misses(m, v, tlb, &pre))
		return true;
	const cycles_t budget = stop - now;
	const cycles_t access_cost = m->p->lat_access;
	const uint64_t freed_at = *m->data_freed_at;
	uint32_t lat_d, lat_i;
	tlb_mru(tlb, TLB_R, &lat_d);
	tlb_mru(tlb, TLB_X, &lat_i);
	/* What a hit through either L1's MRU entry costs, and the dearer. */
	const cycles_t hit_d = lat_d + access_cost, hit_i = lat_i + access_cost;
	const cycles_t hit = hit_d > hit_i ? hit_d : hit_i;
	const struct trace_rec *r = &v->cur, *p = v->batch + v->bpos;
	const struct trace_rec *const end = v->batch + v->blen;
	cycles_t spent = 0;	/* by the long ways; the runs' at the end */
	uint64_t longs = 0;
	bool missed = false;
	/* Per kind (cpu_kind_stats): the long ways' accesses and cycles; the
	 * current access's cycles since its issue are its own.  The record
	 * that missed issued @miss_at cycles into the loop (the cycles are
	 * charged at the end): its own count from there. */
	uint64_t klongs[3] = { 0 };
	cycles_t kspent[3] = { 0 };
	kspent[v->cur.kind] = now - v->gap_until;
	cycles_t miss_at = 0;
	/* A long way through one L1 leaves the other's MRU entry as it was. */
	struct mru_runs mr;
	mr.set[0] = mr.set[1] = false;
	for (int k = 0; k < 4; k++)
		mr.k[k].run = 0;
	mr.k[3].lo = 1;
	mr.k[3].span = 0;
	/* Nothing else runs meanwhile: the host does not change either. */
	struct write_cache wc = { .version = NULL };

	for (;;) {
		/* @r the long way; it is in one page. */
		unsigned need = need_of(r->kind) | upage;
		uint32_t lat;
		struct cpu_kind_stats *ks = &v->kst[r->kind];
		const struct tlb_entry *e = pre.e;
		if (e) {
			/* first_misses found it the long way (and counted it). */
			lat = pre.cycles;
			pre.e = NULL;
		} else if (!(e = tlb_lookup_mru(tlb, need, r->addr, &lat))) {
			struct tlb_result tr;
			enum tlb_outcome o = tlb_lookup_slow(tlb, need, r->addr, &tr);
			count_lookup(m, ks, need, &tr);
			if (o != TLB_HIT) {
				/* Counted as a miss (or an assist): walk next.
				 * It issues after the runs so far too. */
				miss_at = spent + hit_i * mr.k[TRACE_FETCH].run +
					  hit_d * (mr.k[TRACE_READ].run +
						   mr.k[TRACE_WRITE].run);
				spent += tr.cycles;
				missed = true;
				break;
			}
			e = tr.e;
			lat = tr.cycles;
		} else {
			ks->l1_lookups++;
		}
		spent += lat + access_cost;
		kspent[r->kind] += lat + access_cost;
		klongs[r->kind]++;
		land_hit(m, v, r, e, freed_at, &wc);
		longs++;

		/* The run through the MRU entries of both L1s.  It ends at
		 * a gap, a split, a record neither answers (which goes the
		 * long way next), or before the budget runs out: so many
		 * hits at the dearer of the two fit.  (A run cut short by a
		 * cheaper mix loses nothing: the next call goes on.) */
		for (int i = 0; i < 2; i++)
			if (i == (need & TLB_X ? 1 : 0) || !mr.set[i] ||
			    tlb_mru(tlb, i ? TLB_X : TLB_R, &lat) != mr.e[i])
				mru_runs_take(&mr, tlb, i, upage, freed_at);
		cycles_t used = spent + hit_i * mr.k[TRACE_FETCH].run +
				hit_d * (mr.k[TRACE_READ].run + mr.k[TRACE_WRITE].run);
		const struct trace_rec *lim = end;
		if (used >= budget)
			lim = p;
		else if ((cycles_t)(end - p) * hit > budget - used)
			lim = p + (budget - used + hit - 1) / hit;
		bool more = false;
		for (; p != lim; p++) {
			if (p->gap || !in_page(p))
				break;
			struct kind_run *k = &mr.k[p->kind <= TRACE_FETCH ? p->kind : 3];
			if (p->addr - k->lo >= k->span) {
				more = true;
				break;
			}
			k->run++;
			if (p->kind == TRACE_WRITE)
				land_hit(m, v, p, mr.e[0], freed_at, &wc);
		}
		/* A guest TLB invalidation ends the run: the general path
		 * performs it (it is no access). */
		if (!more || trace_is_flush(p->kind))
			break;
		r = p++;
	}
	uint64_t data = mr.k[TRACE_READ].run + mr.k[TRACE_WRITE].run;
	uint64_t fetch = mr.k[TRACE_FETCH].run;
	if (data)
		tlb_count_mru_hits(tlb, TLB_R, data);
	if (fetch)
		tlb_count_mru_hits(tlb, TLB_X, fetch);
	spent += hit_d * data + hit_i * fetch;
	if (spent)
		sim_charge(s, m->acct.tlb, spent);
	uint64_t done = longs + data + fetch;
	m->ctr.accesses += done;
	v->accesses += done;
	if (done) {
		v->bpos = (size_t)(p - v->batch);
		v->have_cur = false;
		for (int k = TRACE_READ; k <= TRACE_FETCH; k++) {
			struct cpu_kind_stats *ks = &v->kst[k];
			uint64_t run = mr.k[k].run;
			ks->accesses += klongs[k] + run;
			ks->l1_lookups += run;
			ks->cycles += kspent[k] + (k == TRACE_FETCH ? hit_i : hit_d) * run;
		}
	}
	if (missed) {
		if (done) {
			/* A record of the batch: it becomes the current one,
			 * issued when the loop reached it. */
			v->cur = *r;
			v->cur_need = need_of(r->kind) | m->upage;
			v->split_done = 0;
			v->gap_done = true;
			v->gap_until = now + miss_at;
			v->have_cur = true;
		}
		v->retry = true;
	}
	return done > 0 || missed;
}

/* Has a kick arrived by now? */
static bool kicked(struct machine *m, struct vcpu *v)
{
	return v->kick_at <= sim_now(m->sim);
}

/* Acknowledges every sender waiting for this vCPU's kick. */
static void ack_kicks(struct machine *m, struct vcpu *v)
{
	cycles_t at = sim_now(m->sim) + m->p->lat_ipi_ack;
	for (unsigned i = 0; i < v->nack_waiters; i++) {
		struct kick_wait *w = v->ack_waiters[i];
		if (at > w->latest)
			w->latest = at;
		if (--w->pending == 0)
			sim_wake(m->sim, w->t, w->latest);
	}
	v->nack_waiters = 0;
	v->kick_at = SIM_NEVER;
}

void env_vcpu_run_guest(struct env *e, struct env_vcpu *ev, struct env_exit *x)
{
	struct vcpu *v = (struct vcpu *)ev;
	struct machine *m = v->m;
	struct sim *s = m->sim;
	bool bad = false;

	memset(x, 0, sizeof(*x));
	if (v->done) {
		x->reason = ENV_EXIT_HLT;
		return;
	}
	/* KVM has published IN_GUEST_MODE and checked its requests for the
	 * last time; from here to the entry an IPI stays pending. */
	v->entering = true;
	sim_yield(s, m->acct.exit, m->p->lat_vmentry);
	load_context(m, v);
	if (!v->guest_cr3_set && guest_levels(m)) {
		if (!guest_space_cr3(m, v->aspace, &v->guest_cr3)) {
			check_report(m->check, CHECK_MODEL_ASSERT, 0,
				     "vcpu%u: out of memory for address spaces", v->idx);
			v->done = true;
		}
		v->guest_cr3_set = true;
	}
	v->pml.page = v->vmcs.pml_page;
	v->pml.index = v->vmcs.pml_index;
	v->pml.enabled = v->vmcs.pml_enabled;
	/* Until the exit, the EPTP (nCR3) and the pCPU stay as loaded. */
	struct tlb *tlb = m->pcpus[v->pcpu].tlb;
	struct walk_req rq;
	fill_walk_req(m, v, &rq, 0, TRACE_READ, guest_levels(m));
	v->walk_prep = walk_prepare(&v->walker, s, &rq);
	v->in_guest = true;
	v->entering = false;
	/* From here until it exits, nothing this vCPU does reaches another
	 * thread sooner than the exit's cost: the hypervisor, the only way
	 * out of its own TLB, PML buffer and the tables it walks, runs after
	 * lat.vmexit.  (Its walks' A/D updates are seen by KVM at once, but
	 * KVM's work is not the hits that sim_lookahead_limit serves.) */
	sim_set_lookahead(s, m->p->lat_vmexit);
	int old_acct = sim_set_acct(s, m->acct.tlb);

	for (;;) {
		if (kicked(m, v)) {
			exit_with(m, v, x, ENV_EXIT_EXTINT, 0, 0);
			break;
		}
		if (!v->have_cur && !next_access(m, v, &bad)) {
			v->done = true;
			x->reason = ENV_EXIT_HLT;
			if (bad)
				check_report(m->check, CHECK_MODEL_ASSERT, 0,
					     "vcpu%u: its access stream failed", v->idx);
			break;
		}
		if (!v->gap_done) {
			/* The guest's own work before this access; a kick
			 * arriving meanwhile interrupts it (sim_wake). */
			v->gap_until = sim_now(s) + v->cur.gap;
			v->gap_done = true;
		}
		if (v->gap_until > sim_now(s)) {
			/* Until the gap ends or a kick arrives, whichever is
			 * first (a kick sent later shortens the sleep). */
			cycles_t until = v->gap_until < v->kick_at ? v->gap_until
								   : v->kick_at;
			sim_sleep_until(s, m->acct.guest, until);
			if (kicked(m, v))
				continue;
		}
		if (unlikely(trace_is_flush(v->cur.kind))) {
			/* Ordered against everyone's shared operations, as an
			 * access is: other vCPUs may share this pCPU's TLB. */
			sim_yield(s, m->acct.tlb, 0);
			v->have_cur = false;
			if (guest_tlb_op(m, v, &v->cur))
				continue;
			v->done = true;
			exit_with(m, v, x, ENV_EXIT_HLT, 0, 0);
			break;
		}
		/* run_hits performs hits; an access it found missing goes on
		 * to its walk here (v->retry), unless a kick came meanwhile. */
		if (v->retry == false && v->split_done == 0 && run_hits(m, v, tlb) &&
		    (!v->retry || kicked(m, v)))
			continue;
		/* The yield point that orders this access against everyone
		 * else's shared operations (one comparison when no switch). */
		sim_yield(s, m->acct.tlb, 0);
		uint64_t addr = v->cur.addr + v->split_done;
		uint64_t left = v->cur.size - v->split_done;
		uint64_t in_page = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
		uint64_t len = left < in_page ? left : in_page;
		enum env_exit_reason r = do_piece(m, v, tlb, addr, v->cur.kind, x);
		if (r != ENV_EXIT_NONE)
			break;
		v->split_done += len;
		if (v->split_done < v->cur.size)
			continue;
		v->have_cur = false;
		m->ctr.accesses++;
		v->accesses++;
		count_access(v, sim_now(s));
	}

	sim_set_lookahead(s, 0);
	sim_set_acct(s, old_acct);
	v->in_guest = false;
	v->vmcs.pml_index = v->pml.index;
	sim_charge(s, m->acct.exit, m->p->lat_vmexit);
	vpid0_transition_flush(m, v);
	if (x->reason == ENV_EXIT_EXTINT || v->nack_waiters)
		ack_kicks(m, v);
	cpu_maybe_migrate(m, v);
}

/*
 * KVM emulated the access the vCPU exited on (MMIO, a write to a read-only
 * slot or to a write-tracked gfn) instead of mapping it: complete it
 * without a translation and go on with the next access.
 */
void env_vcpu_emulate_access(struct env *e, struct env_vcpu *ev, gpa_t gpa,
			     hva_t hva)
{
	struct vcpu *v = (struct vcpu *)ev;
	struct machine *m = v->m;
	if (!v->have_cur)
		return;
	if (hva && v->cur.kind == TRACE_WRITE) {
		uint64_t pfn;
		int level;
		bool writable;
		if (host_faultin(m->host, hva, true, &pfn, &level, &writable) >= 0)
			host_frame_write(m->host, pfn);
	}
	sim_log(m->sim, "emulate", gpa, hva, v->cur.kind);
	v->have_cur = false;
	v->retry = false;
	v->exit_pending = false;
	m->ctr.accesses++;
	m->ctr.emulated++;
	v->accesses++;
	count_access(v, sim_now(m->sim));
}
