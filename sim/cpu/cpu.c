// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine: pCPUs with their TLBs, vCPU threads, guest mode, VM exits,
 * kick IPIs and vCPU migration.  The translation of one access (TLB, walk,
 * guest page faults) is in access.c.
 */
#include "sim/cpu/cpu_int.h"
#include "sim/host/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct machine *machine_new(struct sim *s, const struct cpu_params *p,
			    const struct tlb_params *tp, const struct walk_params *wp,
			    struct check *chk, struct host *h, char *err, size_t errlen)
{
	if (p->cpu_vcpus < 1 || p->cpu_vcpus > 1024) {
		snprintf(err, errlen, "cpu.vcpus: %llu is not in 1..1024",
			 (unsigned long long)p->cpu_vcpus);
		return NULL;
	}
	if (p->cpu_pcpus < 1 || p->cpu_pcpus > 1024) {
		snprintf(err, errlen, "cpu.pcpus: %llu is not in 1..1024",
			 (unsigned long long)p->cpu_pcpus);
		return NULL;
	}
	if (p->cpu_tdp_levels != 4 && p->cpu_tdp_levels != 5) {
		snprintf(err, errlen, "cpu.tdp_levels: %llu (accepted: 4 or 5)",
			 (unsigned long long)p->cpu_tdp_levels);
		return NULL;
	}

	struct machine *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->sim = s;
	m->check = chk;
	m->host = h;
	m->cpu = *p;
	m->p = &m->cpu;
	m->walk = *wp;
	m->tlb_psc = tp->tlb_psc == TLB_PSC_ON;
	m->hv_enlightened_npt_tlb =
		tp->svm_hv_enlightened_npt_tlb == SVM_HV_ENLIGHTENED_NPT_TLB_ON;
	m->data_freed_at = host_data_freed_at(h);
	m->npcpus = (unsigned)p->cpu_pcpus;
	m->nvcpus = (unsigned)p->cpu_vcpus;
	m->pcpus = calloc(m->npcpus, sizeof(*m->pcpus));
	m->vcpus = calloc(m->nvcpus, sizeof(*m->vcpus));
	if (!m->pcpus || !m->vcpus) {
		snprintf(err, errlen, "out of memory");
		machine_free(m);
		return NULL;
	}

	struct tlb_config cfg;
	if (tlb_config_from_params(tp, p->cpu_vendor == VENDOR_AMD ? TLB_VENDOR_AMD
								  : TLB_VENDOR_INTEL,
				   &cfg, err, errlen)) {
		machine_free(m);
		return NULL;
	}
	struct stats *st = sim_stats(s);
	m->ptc = calloc(m->npcpus, sizeof(*m->ptc));
	if (!m->ptc) {
		snprintf(err, errlen, "out of memory");
		machine_free(m);
		return NULL;
	}
	for (unsigned i = 0; i < m->npcpus; i++) {
		m->pcpus[i].id = i;
		if (tlb_create(&m->pcpus[i].tlb, &cfg, err, errlen)) {
			machine_free(m);
			return NULL;
		}
		if (walk_cache_create(wp, &m->ptc[i])) {
			snprintf(err, errlen, "walk.ptc: bad geometry");
			machine_free(m);
			return NULL;
		}
	}
	for (int a = TLB_L1D; a <= TLB_L2; a++)
		m->tlb_has[a] = cfg.a[a].entries != 0;
	m->glevels = m->p->guest_paging == GUEST_PAGING_4LEVEL   ? 4
		     : m->p->guest_paging == GUEST_PAGING_5LEVEL ? 5
								 : 0;
	m->upage = m->glevels ? TLB_U : 0;
	walk_stats_register(&m->walk_stats, st);
	/* Every pCPU's TLB counters are summed under the contract names at
	 * machine_finish(). */
#define TLB_REG(field, name, doc) stats_counter(st, name, &m->tlb_total.field);
	TLB_STATS(TLB_REG)
#undef TLB_REG

	for (unsigned i = 0; i < m->nvcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		v->m = m;
		v->idx = i;
		v->pcpu = i % m->npcpus;
		m->pcpus[v->pcpu].nvcpus++;
		v->migrate_to = UINT32_MAX;
		v->kick_at = SIM_NEVER;
		v->vmcs.pml_index = 511;
		sim_rng_stream(s, &v->rng, 0x76637075000000ull + i);
		for (unsigned k = TRACE_READ; k <= TRACE_FETCH; k++) {
			char name[96];
#define CPU_KIND_REG(field, stat, doc)						\
			snprintf(name, sizeof(name), "vcpu%u.%s.%s", i,		\
				 cpu_kind_name(k), stat);			\
			stats_counter(st, name, &v->kst[k].field);
			CPU_KIND_STATS(CPU_KIND_REG)
#undef CPU_KIND_REG
		}
	}

	m->acct.guest = sim_acct_register(s, "guest");
	m->acct.tlb = sim_acct_register(s, "tlb");
	m->acct.walk = sim_acct_register(s, "walk");
	m->acct.exit = sim_acct_register(s, "exit");
	m->acct.kvm = sim_acct_register(s, "kvm");
	m->acct.ipi = sim_acct_register(s, "ipi");

	stats_counter(st, "accesses", &m->ctr.accesses);
	stats_counter(st, "accesses.split", &m->ctr.splits);
	stats_counter(st, "cycles", &m->ctr.cycles);
	stats_counter(st, "exits.ept_violation", &m->ctr.exits_ept_violation);
	stats_counter(st, "exits.ept_misconfig", &m->ctr.exits_ept_misconfig);
	stats_counter(st, "exits.npf", &m->ctr.exits_npf);
	stats_counter(st, "exits.pml_full", &m->ctr.exits_pml_full);
	stats_counter(st, "exits.extint", &m->ctr.exits_extint);
	stats_counter(st, "ipi.sent", &m->ctr.ipi_sent);
	stats_counter(st, "ipi.wait_cycles", &m->ctr.ipi_wait_cycles);
	stats_counter(st, "guest.page_faults", &m->ctr.guest_pfs);
	stats_counter(st, "cpu.migrations", &m->ctr.migrations);
	stats_counter(st, "accesses.emulated", &m->ctr.emulated);
	stats_counter(st, "vmx.vpid0_flushes", &m->ctr.vpid0_flushes);
	stats_counter(st, "exits.invlpga", &m->ctr.exits_invlpga);
	static const char *const guest_op[TRACE_KIND_LAST + 1] = {
		[TRACE_INVLPG] = "guest.invlpg",
		[TRACE_MOV_CR3] = "guest.mov_cr3",
		[TRACE_INVPCID_ADDR] = "guest.invpcid.addr",
		[TRACE_INVPCID_CTX] = "guest.invpcid.ctx",
		[TRACE_INVPCID_ALL] = "guest.invpcid.all",
		[TRACE_INVPCID_ALL_NONGLOBAL] = "guest.invpcid.all_nonglobal",
		[TRACE_INVLPGA] = "guest.invlpga",
	};
	for (unsigned k = TRACE_INVLPG; k <= TRACE_KIND_LAST; k++)
		stats_counter(st, guest_op[k], &m->ctr.guest_tlb_ops[k]);

	m->env = env_new(m, err, errlen);
	if (!m->env) {
		machine_free(m);
		return NULL;
	}
	return m;
}

const char *cpu_kind_name(unsigned kind)
{
	static const char *const name[] = {
		[TRACE_READ] = "load", [TRACE_WRITE] = "store", [TRACE_FETCH] = "fetch",
	};
	return kind <= TRACE_FETCH ? name[kind] : "other";
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	env_free(m->env);
	for (unsigned i = 0; m->pcpus && i < m->npcpus; i++) {
		tlb_destroy(m->pcpus[i].tlb);
		if (m->ptc)
			walk_cache_destroy(m->ptc[i]);
	}
	free(m->ptc);
	free(m->segs);
	free(m->wrprot);
	free(m->pcpus);
	free(m->vcpus);
	free(m->spaces);
	free(m);
}

/* The guest pages [first, end) of [gpa, gpa + len) that the table
 * covers, allocating the table at first use.  -1: out of memory. */
static int wrprot_range(struct machine *m, uint64_t gpa, uint64_t len,
			uint64_t *first, uint64_t *end)
{
	if (!m->wrprot) {
		m->wrprot_pages = (m->p->vm_mem + m->p->vm_rom) >> 12;
		m->wrprot = calloc(m->wrprot_pages ? m->wrprot_pages : 1, 1);
		if (!m->wrprot)
			return -1;
	}
	*first = gpa >> 12;
	*end = len ? (gpa + len - 1) / 4096 + 1 : *first;
	if (*end > m->wrprot_pages)
		*end = m->wrprot_pages;
	return 0;
}

int machine_wrprot_arm(struct machine *m, uint64_t gpa, uint64_t len)
{
	uint64_t first, end;
	if (wrprot_range(m, gpa, len, &first, &end))
		return -1;
	for (uint64_t g = first; g < end; g++)
		m->wrprot[g] |= WRPROT_ARMED;
	return 0;
}

int machine_wrprot_promise(struct machine *m, uint64_t gpa, uint64_t len,
			   enum cpu_wrprot kind)
{
	uint64_t first, end;
	if (wrprot_range(m, gpa, len, &first, &end))
		return -1;
	if (kind != CPU_WRPROT_LOG) {
		for (uint64_t g = first; g < end; g++)
			m->wrprot[g] |= (uint8_t)kind;
	} else {
		for (uint64_t g = first; g < end; g++)
			if (m->wrprot[g] & WRPROT_ARMED)
				m->wrprot[g] = (uint8_t)((m->wrprot[g] & ~WRPROT_ARMED) |
							 CPU_WRPROT_LOG);
		/* A fault still being handled may map its page writable
		 * after the call: KVM logs it, the promise does not hold. */
		for (unsigned i = 0; i < m->nvcpus; i++) {
			const struct vcpu *v = &m->vcpus[i];
			if (v->exit_pending && v->exit_gfn >= first &&
			    v->exit_gfn < end)
				m->wrprot[v->exit_gfn] &= (uint8_t)~CPU_WRPROT_LOG;
		}
	}
	sim_log(m->sim, "wrprot.promise", gpa, len, kind);
	return 0;
}

void machine_wrprot_release(struct machine *m, uint64_t gpa, uint64_t len,
			    unsigned kinds)
{
	uint64_t first, end;
	if (!m->wrprot || wrprot_range(m, gpa, len, &first, &end))
		return;
	for (uint64_t g = first; g < end; g++)
		m->wrprot[g] &= (uint8_t)~kinds;
	sim_log(m->sim, "wrprot.release", gpa, len, kinds);
}

struct sim *machine_sim(const struct machine *m) { return m->sim; }
struct host *machine_host(const struct machine *m) { return m->host; }
struct env *machine_env(struct machine *m) { return m->env; }
const struct machine_accts *machine_accts(const struct machine *m) { return &m->acct; }
unsigned machine_nvcpus(const struct machine *m) { return m->nvcpus; }
unsigned machine_npcpus(const struct machine *m) { return m->npcpus; }
struct vcpu *machine_vcpu(struct machine *m, unsigned idx)
{
	return idx < m->nvcpus ? &m->vcpus[idx] : NULL;
}
struct tlb *machine_pcpu_tlb(struct machine *m, unsigned pcpu)
{
	return pcpu < m->npcpus ? m->pcpus[pcpu].tlb : NULL;
}

int machine_set_guest_segments(struct machine *m, const struct trace_seg *segs,
			       size_t n)
{
	struct trace_seg *copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -1;
	memcpy(copy, segs, n * sizeof(*copy));
	free(m->segs);
	m->segs = copy;
	m->nsegs = n;
	return 0;
}

void machine_set_source(struct machine *m, cpu_source_fn *fn, void *ctx)
{
	m->source = fn;
	m->source_ctx = ctx;
}

void machine_set_hypervisor(struct machine *m, cpu_vcpu_run_fn *run, void *hv)
{
	m->run = run;
	m->hv = hv;
}

void cpu_claim_pcpu(struct machine *m, struct vcpu *v)
{
	struct pcpu *pc = &m->pcpus[v->pcpu];
	if (pc->owner == v)
		return;
	pc->owner = v;
	tlb_set_context(pc->tlb, &v->tag);
}

static void resume_hook(void *ctx, struct sim_thread *t)
{
	struct machine *m = ctx;
	struct vcpu *v = sim_thread_ctx(t);
	if (v >= m->vcpus && v < m->vcpus + m->nvcpus && v->in_guest)
		cpu_claim_pcpu(m, v);
}

static void vcpu_thread_fn(struct sim *s, void *arg)
{
	struct vcpu *v = arg;
	/* Outside guest mode a vCPU thread runs the hypervisor: its shared
	 * operations and lock waits are KVM's work. */
	sim_set_acct(s, v->m->acct.kvm);
	cpu_maybe_migrate(v->m, v);
	v->m->run(v->m->hv, v);
}

int machine_start(struct machine *m)
{
	char name[32];
	sim_set_resume_hook(m->sim, resume_hook, m);
	for (unsigned i = 0; i < m->nvcpus; i++) {
		snprintf(name, sizeof(name), "vcpu%u", i);
		m->vcpus[i].thread = sim_spawn(m->sim, name, vcpu_thread_fn,
					       &m->vcpus[i], 0, 0);
		if (!m->vcpus[i].thread)
			return -1;
		sim_thread_set_ctx(m->vcpus[i].thread, &m->vcpus[i]);
	}
	return 0;
}

void machine_finish(struct machine *m)
{
	for (unsigned i = 0; i < m->npcpus; i++) {
		const struct tlb_stats *ts = tlb_stats(m->pcpus[i].tlb);
#define TLB_ADD(field, name, doc) m->tlb_total.field += ts->field;
		TLB_STATS(TLB_ADD)
#undef TLB_ADD
	}
	for (unsigned i = 0; i < m->nvcpus; i++) {
		struct sim_thread *t = m->vcpus[i].thread;
		if (!t)
			continue;
		m->ctr.cycles += sim_thread_clock(t);
		for (int a = 0; a < sim_nacct(m->sim); a++)
			m->ctr.acct_total[a] += sim_thread_acct(t, a);
	}
	struct stats *st = sim_stats(m->sim);
	for (int a = 0; a < sim_nacct(m->sim); a++) {
		char name[64];
		snprintf(name, sizeof(name), "cycles.%s", sim_acct_name(m->sim, a));
		stats_counter(st, name, &m->ctr.acct_total[a]);
	}
}

int vcpu_set_aspace(struct vcpu *v, unsigned aspace)
{
	if (aspace >= v->m->nvcpus)
		return -1;
	v->aspace = aspace;
	return 0;
}

unsigned vcpu_index(const struct vcpu *v) { return v->idx; }
struct sim_thread *vcpu_thread(const struct vcpu *v) { return v->thread; }
bool vcpu_in_guest(const struct vcpu *v) { return v->in_guest; }

void vcpu_migrate(struct vcpu *v, unsigned pcpu)
{
	if (pcpu < v->m->npcpus)
		v->migrate_to = pcpu;
}

/* ----------------------------------------------------------------- kicks */

/*
 * Kick IPIs (smp_call_function_many): each IPI costs the sender lat.ipi.send;
 * a target in guest mode exits at the first access boundary at or after
 * the arrival (interrupts are taken between instructions) and then
 * acknowledges; a target outside guest mode acknowledges on arrival from
 * its host handler.  With @wait the sender spins once until the last
 * acknowledgment: send + delivery (+ the target's VM exit) + ack for one
 * target, the slowest of them for several.
 */
void cpu_kick_many(struct machine *m, struct vcpu *const *vs, unsigned n,
		   bool wait)
{
	struct sim *s = m->sim;
	const struct cpu_params *p = m->p;
	struct sim_thread *self = sim_self(s);
	struct kick_wait w = { .t = self };

	for (unsigned i = 0; i < n; i++) {
		struct vcpu *v = vs[i];
		sim_yield(s, m->acct.ipi, p->lat_ipi_send);
		m->ctr.ipi_sent++;
		sim_log(s, "ipi", v->idx, 0, wait);
		cycles_t arrival = sim_now(s) + p->lat_ipi_delivery;
		/*
		 * A vCPU entering the guest (KVM published IN_GUEST_MODE and
		 * made its last request check, interrupts are off) is treated
		 * as in guest mode: the IPI stays pending, exits the guest
		 * right after the entry, and only then acknowledges — else
		 * the request it carries would wait for an unrelated exit.
		 */
		if ((!v->in_guest && !v->entering) || v->thread == self) {
			if (arrival + p->lat_ipi_ack > w.latest)
				w.latest = arrival + p->lat_ipi_ack;
			continue;
		}
		if (arrival < v->kick_at)
			v->kick_at = arrival;
		/* A vCPU idling in guest mode (a trace gap) takes the
		 * interrupt on arrival. */
		sim_wake(s, v->thread, arrival);
		if (!wait)
			continue;
		if (v->nack_waiters == ARRAY_SIZE(v->ack_waiters))
			abort(); /* more concurrent waiting senders than modelled */
		v->ack_waiters[v->nack_waiters++] = &w;
		w.pending++;
	}
	if (!wait)
		return;
	cycles_t t0 = sim_now(s);
	/* The last guest-mode target to acknowledge wakes us (ack_kicks);
	 * host-mode targets acknowledge at known times. */
	if (w.pending)
		sim_block(s, m->acct.ipi, "ipi ack");
	if (w.latest > sim_now(s))
		sim_sleep_until(s, m->acct.ipi, w.latest);
	m->ctr.ipi_wait_cycles += sim_now(s) - t0;
}

void cpu_kick(struct machine *m, struct vcpu *v, bool wait)
{
	cpu_kick_many(m, &v, 1, wait);
}
