// SPDX-License-Identifier: GPL-2.0-only
/* The VMM: host + machine + KVM for one run. */
#include "scenarios/vm.h"
#include "scenarios/vmm.h"

#include <stdio.h>
#include <string.h>

static const char *backing_name(unsigned b)
{
	return b == BACKING_HUGETLB_1G ? "hugetlb-1g"
	       : b == BACKING_HUGETLB_2M ? "hugetlb-2m"
	       : b == BACKING_THP ? "thp" : "4k";
}

/*
 * KVM_RUN gave up on the vCPU: an exit KVM cannot handle, or a fault it
 * cannot resolve (the host found no memory behind it).  QEMU aborts there;
 * a vCPU that quietly ends would leave a run that looks clean with its
 * accesses never made, so the run stops and reports it (exit 2, no results).
 */
static void internal_error(struct vm *vm, unsigned vcpu)
{
	struct run *r = vm->run;
	struct sim *s = machine_sim(vm->m);
	if (!r->bad_input) {
		r->bad_input = true;
		snprintf(r->bad_input_msg, sizeof(r->bad_input_msg),
			 "internal error: vCPU %u: KVM_RUN returned "
			 "KVM_EXIT_INTERNAL_ERROR at cycle %llu (a fault KVM could "
			 "not resolve, e.g. no host memory behind it: vm.backing=%s, "
			 "vm.mem=%llu, host.mem=%llu)", vcpu,
			 (unsigned long long)sim_now(s), backing_name(r->p.vm_backing),
			 (unsigned long long)r->p.vm_mem,
			 (unsigned long long)r->p.host_mem);
	}
	sim_stop(s);
}

static void vcpu_run(void *hv, struct vcpu *v)
{
	struct vm *vm = hv;
	struct kvm_vcpu *kv = kvm_get_vcpu(vm->kvm, vcpu_index(v));
	for (;;) {
		int reason = kvm_vcpu_run(kv);
		if (reason == KVM_EXIT_INTERNAL_ERROR && !vm->stop) {
			internal_error(vm, vcpu_index(v));
			break;
		}
		if (reason == KVM_EXIT_HLT || vm->stop)
			break;
		if (vm->paused) {
			struct sim *s = machine_sim(vm->m);
			vm->paused_threads[vm->npaused++] = sim_self(s);
			sim_block(s, SIM_ACCT_WAIT, "vcpu paused");
		}
		/* A full dirty ring: reap every ring here and reset them, as
		 * QEMU's vCPU thread does, or KVM_RUN would return at once
		 * again.  KVM_EXIT_INTR: the VMM kicked us; just run again. */
		if (reason == KVM_EXIT_DIRTY_RING_FULL)
			vmm_dirty_ring_reap(vm);
	}
	if (--vm->running == 0 && vm->waiter)
		sim_wake(machine_sim(vm->m), vm->waiter, sim_now(machine_sim(vm->m)));
}

void vm_wait_guests(struct vm *vm)
{
	struct sim *s = machine_sim(vm->m);
	if (vm->running == 0)
		return;
	vm->waiter = sim_self(s);
	sim_block(s, SIM_ACCT_WAIT, "vcpus running");
	vm->waiter = NULL;
}

void vm_pause_guests(struct vm *vm)
{
	vm->paused = true;
	for (unsigned i = 0; i < machine_nvcpus(vm->m); i++)
		kvm_vcpu_kick_to_user(kvm_get_vcpu(vm->kvm, i));
}

void vm_resume_guests(struct vm *vm)
{
	struct sim *s = machine_sim(vm->m);
	vm->paused = false;
	for (unsigned i = 0; i < vm->npaused; i++)
		sim_wake(s, vm->paused_threads[i], sim_now(s));
	vm->npaused = 0;
}

void vm_stop_guests(struct vm *vm)
{
	vm->stop = true;
	for (unsigned i = 0; i < machine_nvcpus(vm->m); i++)
		kvm_vcpu_kick_to_user(kvm_get_vcpu(vm->kvm, i));
}

/* The host's mmu_notifier calls, forwarded to KVM. */
static void mn_start(void *ctx, uint64_t start, uint64_t end)
{
	kvm_mmu_notifier_invalidate_range_start(ctx, start, end, true);
}
static void mn_end(void *ctx, uint64_t start, uint64_t end)
{
	kvm_mmu_notifier_invalidate_range_end(ctx, start, end);
}
static bool mn_clear_young(void *ctx, uint64_t start, uint64_t end)
{
	return kvm_mmu_notifier_clear_young(ctx, start, end);
}
static void mn_release(void *ctx)
{
	kvm_mmu_notifier_release(ctx);
}
static const struct host_mmu_notifier_ops mn_ops = {
	.invalidate_range_start = mn_start,
	.invalidate_range_end = mn_end,
	.clear_young = mn_clear_young,
	.release = mn_release,
};

/* Oracle 4: any read of a freed (poisoned) page-table page — by the
 * hardware walker or a lockless KVM walk — is a freed page-table walk. */
static void freed_pt_read(void *ctx, struct sim *s, uint64_t pa)
{
	struct sim_thread *t = sim_self(s);
	check_report(ctx, CHECK_FREED_PT_WALK, pa,
		     "%s read page-table memory at %#llx after it was freed",
		     t ? sim_thread_name(t) : "the run", (unsigned long long)pa);
}

/* vm.rom: slot 1, read-only, right above the RAM.  Every guest write to
 * it must exit (KVM emulates it as MMIO): the stale-permission oracle
 * holds KVM to that from the start. */
static int create_rom(struct vm *vm, char *err, size_t errlen)
{
	const struct params *p = &vm->run->p;
	hva_t hva;
	if (host_mmap(vm->host, p->vm_rom, HOST_BACKING_4K, 0, &hva)) {
		snprintf(err, errlen, "vm.rom: the host cannot map %llu bytes",
			 (unsigned long long)p->vm_rom);
		return -1;
	}
	struct kvm_userspace_memory_region mr = {
		.slot = 1, .flags = KVM_MEM_READONLY,
		.guest_phys_addr = p->vm_mem, .memory_size = p->vm_rom,
		.userspace_addr = hva,
	};
	if (kvm_set_memory_region(vm->kvm, &mr)) {
		snprintf(err, errlen, "vm.rom: KVM rejected the memslot");
		return -1;
	}
	if (machine_wrprot_promise(vm->m, p->vm_mem, p->vm_rom,
				   CPU_WRPROT_READONLY)) {
		snprintf(err, errlen, "vm.rom: out of memory for the "
			 "stale-permission oracle's table");
		return -1;
	}
	return 0;
}

int vm_create(struct run *r, struct vm *vm, char *err, size_t errlen)
{
	const struct params *p = &r->p;
	static const enum host_backing backing[] = {
		[BACKING_4K] = HOST_BACKING_4K,
		[BACKING_THP] = HOST_BACKING_THP,
		[BACKING_HUGETLB_2M] = HOST_BACKING_HUGETLB_2M,
		[BACKING_HUGETLB_1G] = HOST_BACKING_HUGETLB_1G,
	};
	memset(vm, 0, sizeof(*vm));
	vm->run = r;
	vm->mem = p->vm_mem;
	if (p->vm_mem == 0 || p->vm_mem % 4096) {
		snprintf(err, errlen, "vm.mem: %llu is not a positive multiple of 4K",
			 (unsigned long long)p->vm_mem);
		return -1;
	}
	if (p->vm_rom % 4096) {
		snprintf(err, errlen, "vm.rom: %llu is not a multiple of 4K",
			 (unsigned long long)p->vm_rom);
		return -1;
	}
	if (p->vm_mem > p->host_mem / 2 || p->vm_rom > p->host_mem / 2 - p->vm_mem) {
		snprintf(err, errlen, "vm.mem: %llu bytes (and vm.rom %llu) do not "
			 "fit in host.mem %llu (at most half of it)",
			 (unsigned long long)p->vm_mem, (unsigned long long)p->vm_rom,
			 (unsigned long long)p->host_mem);
		return -1;
	}
	/* The first 1 GiB folio lands on the first 1 GiB boundary above the
	 * frames allocated before it (page tables), so the guest memory needs
	 * one 1 GiB page of alignment on top of its size: without it the host
	 * cannot back the guest's first fault (nor any). */
	if (p->vm_backing == BACKING_HUGETLB_1G &&
	    p->vm_mem + (1ull << 30) > p->host_mem / 2) {
		snprintf(err, errlen, "vm.mem: %llu bytes with vm.backing=hugetlb-1g "
			 "do not fit in host.mem %llu (the guest memory and one "
			 "1 GiB page of alignment must fit in half of it: host.mem "
			 ">= %llu)", (unsigned long long)p->vm_mem,
			 (unsigned long long)p->host_mem,
			 (unsigned long long)(2 * (p->vm_mem + (1ull << 30))));
		return -1;
	}
	if (host_create(r->sim, &p->host, &vm->host)) {
		snprintf(err, errlen, "out of memory creating the host");
		return -1;
	}
	host_set_check(vm->host, r->check);
	sim_set_poison_hook(r->sim, freed_pt_read, r->check);
	vm->m = machine_new(r->sim, &p->cpu, &p->tlb, &p->walk, r->check, vm->host,
			    err, errlen);
	if (!vm->m)
		return -1;
	struct kvmmu_policy pol = p->mmu;
	if (kvm_mmu_check_policy(&pol, machine_env(vm->m), err, errlen) ||
	    params_check_fixed(p, kvm_mmu_fixed_policy(), kvm_mmu_name(), err, errlen))
		return -1;
	vm->kvm = kvm_create_vm(machine_env(vm->m), &pol);
	if (!vm->kvm) {
		/* kvm_dirty_ring_alloc refuses a ring without room for twice
		 * its reserve (64 entries, plus one PML buffer of 512 with
		 * PML); anything else is a failed allocation. */
		uint64_t n = pol.mmu_dirty_ring_size;
		if (pol.mmu_dirty_log == KVMMU_DIRTY_LOG_RING &&
		    ((n & (n - 1)) || n < 2 * (64 + 512)))
			snprintf(err, errlen, "mmu.dirty_ring_size=%llu: a dirty ring "
				 "is a power of two of at least 128 entries, 1152 with "
				 "PML (twice the 64 KVM keeps free, plus a PML buffer)",
				 (unsigned long long)n);
		else
			snprintf(err, errlen, "out of memory creating the VM");
		return -1;
	}
	uint64_t nx_ms = kvm_nx_huge_page_recovery_period_ms(vm->kvm);
	if (nx_ms && (!p->cpu_mhz || nx_ms > UINT64_MAX / 1000 / p->cpu_mhz)) {
		snprintf(err, errlen, "cpu.mhz=%llu with an NX recovery period of "
			 "%llu ms (mmu.nx_huge_pages_recovery_period_ms, ratio %llu): "
			 "the period in cycles must be positive and below 2^64",
			 (unsigned long long)p->cpu_mhz, (unsigned long long)nx_ms,
			 (unsigned long long)p->mmu_nx_huge_pages_recovery_ratio);
		return -1;
	}
	vm->backing = backing[p->vm_backing];
	int rc = host_mmap(vm->host, p->vm_mem, vm->backing, 0, &vm->hva);
	if (rc) {
		snprintf(err, errlen, "vm.mem=%llu with vm.backing=%s: the host "
			 "cannot map it (size must be a multiple of the page size)",
			 (unsigned long long)p->vm_mem, backing_name(p->vm_backing));
		return -1;
	}
	struct kvm_userspace_memory_region mr = {
		.slot = 0, .flags = 0, .guest_phys_addr = 0,
		.memory_size = p->vm_mem, .userspace_addr = vm->hva,
	};
	if (kvm_set_memory_region(vm->kvm, &mr)) {
		snprintf(err, errlen, "vm.mem: KVM rejected the memslot");
		return -1;
	}
	if (p->vm_rom && create_rom(vm, err, errlen))
		return -1;
	host_mmu_notifier_register(vm->host, &mn_ops, vm->kvm);
	machine_set_hypervisor(vm->m, vcpu_run, vm);
	return 0;
}

int vm_memslot_replace(struct vm *vm)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0,
		.userspace_addr = vm->hva,
	};
	kvm_set_memory_region(vm->kvm, &mr);
	/* The slot is gone, and with it its dirty log and write tracking. */
	machine_wrprot_release(vm->m, 0, vm->mem, CPU_WRPROT_TRACK | CPU_WRPROT_LOG);
	host_madvise(vm->host, vm->hva, vm->mem, HOST_MADV_DONTNEED);
	hva_t hva;
	if (host_mmap(vm->host, vm->mem, vm->backing, 0, &hva))
		return -1;
	vm->hva = hva;
	mr.memory_size = vm->mem;
	mr.userspace_addr = hva;
	mr.flags = 0;
	return kvm_set_memory_region(vm->kvm, &mr);
}

/* ------------------------------------- dirty logging and write tracking */

/* The stale-permission oracle's table could not be allocated. */
static void wrprot_nomem(struct vm *vm)
{
	struct run *r = vm->run;
	if (!r->bad_input) {
		r->bad_input = true;
		snprintf(r->bad_input_msg, sizeof(r->bad_input_msg),
			 "vm.mem: too large for the stale-permission oracle's "
			 "table (1 byte per 4 KiB page)");
	}
	sim_stop(machine_sim(vm->m));
}

/* Tells the stale-permission oracle what KVM has just promised. */
static void promise(struct vm *vm, uint64_t gpa, uint64_t len,
		    enum cpu_wrprot kind)
{
	if (machine_wrprot_promise(vm->m, gpa, len, kind))
		wrprot_nomem(vm);
}

/* Before a call that write-protects [gpa, gpa + len) for the dirty log
 * (see machine_wrprot_arm). */
static void arm(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (kvm_dirty_log_write_protects(vm->kvm) &&
	    machine_wrprot_arm(vm->m, gpa, len))
		wrprot_nomem(vm);
}

/* Promises the dirty log's protection on the pages of @bm (one bit per
 * page of slot 0). */
static void promise_bitmap(struct vm *vm, const uint64_t *bm)
{
	uint64_t npages = vm->mem >> 12;
	for (uint64_t w = 0; w < (npages + 63) / 64; w++)
		for (uint64_t m = bm[w]; m; m &= m - 1)
			promise(vm, (w * 64 + (uint64_t)__builtin_ctzll(m)) << 12,
				4096, CPU_WRPROT_LOG);
}

int vm_set_logging(struct vm *vm, bool on)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 0,
		.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem,
		.userspace_addr = vm->hva,
	};
	if (on)
		arm(vm, 0, vm->mem);
	int r = kvm_set_memory_region(vm->kvm, &mr);
	if (r)
		return r;
	/* Enabling write-protects the whole slot (and flushed), unless
	 * every page starts out dirty (protection then comes with CLEAR). */
	if (!on)
		machine_wrprot_release(vm->m, 0, vm->mem, CPU_WRPROT_LOG);
	else if (kvm_dirty_log_write_protects(vm->kvm) &&
		 vm->run->p.mmu_manual_protect != MANUAL_PROTECT_INIT_SET)
		promise(vm, 0, vm->mem, CPU_WRPROT_LOG);
	return 0;
}

int vm_get_dirty_log(struct vm *vm, uint64_t *bitmap)
{
	arm(vm, 0, vm->mem);
	int r = kvm_get_dirty_log(vm->kvm, 0, bitmap);
	if (!r && vm->run->p.mmu_manual_protect == MANUAL_PROTECT_OFF &&
	    kvm_dirty_log_write_protects(vm->kvm))
		promise_bitmap(vm, bitmap);
	return r;
}

int vm_clear_dirty_log(struct vm *vm, const uint64_t *bitmap)
{
	arm(vm, 0, vm->mem);
	int r = kvm_clear_dirty_log(vm->kvm, 0, 0, (u32)(vm->mem >> 12), bitmap);
	if (!r && kvm_dirty_log_write_protects(vm->kvm))
		promise_bitmap(vm, bitmap);
	return r;
}

void vm_reset_dirty_rings(struct vm *vm, const uint64_t *gfns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		arm(vm, gfns[i] << 12, 4096);
	kvm_reset_dirty_rings(vm->kvm);
	if (!kvm_dirty_log_write_protects(vm->kvm))
		return;
	for (size_t i = 0; i < n; i++)
		promise(vm, gfns[i] << 12, 4096, CPU_WRPROT_LOG);
}

int vm_write_track(struct vm *vm, uint64_t gpa, bool on)
{
	int r = kvm_write_track_gfn(vm->kvm, 0, gpa >> 12, on);
	if (r)
		return r;
	if (on)
		promise(vm, gpa & ~4095ull, 4096, CPU_WRPROT_TRACK);
	else
		machine_wrprot_release(vm->m, gpa & ~4095ull, 4096,
				       CPU_WRPROT_TRACK);
	return 0;
}

/*
 * kvm-nx-lpage-recovery, the VM's NX huge page recovery worker (a vhost
 * task of the VMM process in Linux, started at the first KVM_RUN): one pass
 * each period, counted from the end of the last.  A daemon: asleep, it
 * never keeps a finished run alive; a pass under way is finished first
 * (env_sleep), as the VM's teardown waits for the worker to stop.
 */
static void nx_recovery_thread(struct sim *s, void *arg)
{
	struct vm *vm = arg;

	/* Awake (until its first sleep) the worker keeps the run alive. */
	sim_daemon_hold(s);
	kvm_nx_huge_page_recovery_worker(vm->kvm);
	sim_daemon_release(s);
}

int vm_start(struct vm *vm, cpu_source_fn *fn, void *ctx)
{
	machine_set_source(vm->m, fn, ctx);
	vm->running = machine_nvcpus(vm->m);
	int rc = machine_start(vm->m);
	if (!rc && kvm_nx_huge_page_recovery_period_ms(vm->kvm))
		sim_spawn(machine_sim(vm->m), "kvm-nx-lpage-recovery",
			  nx_recovery_thread, vm, 0, SIM_THREAD_DAEMON);
	return rc;
}

void vm_finish(struct vm *vm)
{
	machine_finish(vm->m);
}

/*
 * After the run (or a failed build): KVM's teardown needs no simulated
 * thread; the RCU callbacks still queued (page-table pages waiting for a
 * grace period) run first, while the host they free into still exists.
 */
void vm_destroy(struct vm *vm)
{
	if (vm->run)
		sim_rcu_drain(vm->run->sim);
	kvm_destroy_vm(vm->kvm);
	vm->kvm = NULL;
	vmm_free(vm->vmm);
	machine_free(vm->m);
	host_destroy(vm->host);
	memset(vm, 0, sizeof(*vm));
}
