// SPDX-License-Identifier: GPL-2.0-only
/*
 * The actions of a scenario's timeline ("at CYCLE ACTION", "after-guest
 * ACTION"): one row each — name, arguments, help, and what it does on the
 * VMM thread.  The parser reads the arguments from the row (scn.h), the
 * grammar prints it; the row's place is its enum scn_act value.
 */
#include "scenarios/scn.h"
#include "scenarios/vmm.h"

static void act_log_dirty(struct scn_run *sr, const struct action *a)
{
	vm_set_logging(&sr->vm, a->a != 0);
}

static void act_zap_all_fast(struct scn_run *sr, const struct action *a)
{
	kvm_mmu_zap_all_fast(sr->vm.kvm);
}

static void act_migrate_vcpu(struct scn_run *sr, const struct action *a)
{
	struct machine *m = sr->vm.m;
	if (a->a < machine_nvcpus(m))
		vcpu_migrate(machine_vcpu(m, (unsigned)a->a), (unsigned)a->b);
}

static void act_smm(struct scn_run *sr, const struct action *a)
{
	if (a->a < machine_nvcpus(sr->vm.m))
		vmm_set_smm(&sr->vm, (unsigned)a->a, a->b != 0);
}

static void act_get_dirty_log(struct scn_run *sr, const struct action *a)
{
	vm_get_dirty_log(&sr->vm, sr->bitmap);
}

static void act_stop_guests(struct scn_run *sr, const struct action *a)
{
	vm_stop_guests(&sr->vm);
}

static void act_memslot_replace(struct scn_run *sr, const struct action *a)
{
	vm_memslot_replace(&sr->vm);
}

static void act_pause_guests(struct scn_run *sr, const struct action *a)
{
	vm_pause_guests(&sr->vm);
}

static void act_resume_guests(struct scn_run *sr, const struct action *a)
{
	vm_resume_guests(&sr->vm);
}

/* A host kernel event, run by the VMM thread itself. */
static void act_host(struct scn_run *sr, const struct action *a)
{
	struct vm *vm = &sr->vm;
	struct host_event ev = {
		.at = sim_now(machine_sim(vm->m)), .kind = a->host_kind,
		.hva = vm->hva + a->a, .len = a->b,
	};
	host_event_run(vm->host, &ev);
}

static void act_live_migrate(struct scn_run *sr, const struct action *a)
{
	vmm_live_migrate(&sr->vm);
}

static void act_ring_harvest(struct scn_run *sr, const struct action *a)
{
	vmm_dirty_ring_reap(&sr->vm);
}

/* A host driver write-protecting a guest page it shadows (KVMGT's guest
 * GTT pages; the shadow MMU's guest page tables): every guest write to
 * the gfn must exit. */
static void act_write_track(struct scn_run *sr, const struct action *a)
{
	vm_write_track(&sr->vm, a->a, a->b != 0);
}

static void act_ring_order(struct scn_run *sr, const struct action *a)
{
	sr->ring_inversions += vmm_dirty_ring_order(&sr->vm);
}

const struct scn_action_def scn_actions[ACT_COUNT] = {
	[ACT_LOG_DIRTY] = { "log-dirty", "on|off",
		"slot 0's KVM_MEM_LOG_DIRTY_PAGES", act_log_dirty },
	[ACT_ZAP_ALL_FAST] = { "zap-all-fast", "",
		"kvm_mmu_zap_all_fast (the memslot delete/move path)",
		act_zap_all_fast },
	[ACT_MIGRATE_VCPU] = { "migrate-vcpu", "VCPU PCPU",
		"the vCPU moves to the pCPU at its next preemption point",
		act_migrate_vcpu },
	[ACT_SMM] = { "smm", "VCPU on|off",
		"the vCPU enters or leaves SMM (KVM_SET_VCPU_EVENTS)", act_smm },
	[ACT_GET_DIRTY_LOG] = { "get-dirty-log", "",
		"one KVM_GET_DIRTY_LOG of slot 0", act_get_dirty_log },
	[ACT_STOP_GUESTS] = { "stop-guests", "",
		"every vCPU returns to the VMM and stops", act_stop_guests },
	[ACT_MEMSLOT_REPLACE] = { "memslot-replace", "",
		"delete slot 0, free its memory, re-add it on new memory",
		act_memslot_replace },
	[ACT_PAUSE_GUESTS] = { "pause-guests", "",
		"every vCPU leaves KVM_RUN and waits in the VMM", act_pause_guests },
	[ACT_RESUME_GUESTS] = { "resume-guests", "",
		"the paused vCPUs enter KVM_RUN again", act_resume_guests },
	[ACT_HOST] = { "host", "EVENT GPA LEN",
		"a host kernel event, run by the VMM thread itself", act_host },
	[ACT_LIVE_MIGRATE] = { "live-migrate", "",
		"a live migration (vmm.* keys set its threshold and rounds); the "
		"guest is stopped after it", act_live_migrate },
	[ACT_RING_HARVEST] = { "dirty-ring-harvest", "",
		"reap every vCPU's dirty ring, reset the rings", act_ring_harvest },
	[ACT_WRITE_TRACK] = { "write-track", "GPA on|off",
		"kvm_write_track_add_gfn / remove_gfn", act_write_track },
	[ACT_RING_ORDER] = { "dirty-ring-order", "",
		"reap every ring, counting entries that go back "
		"(stat ring.order_inversions)", act_ring_order },
};
