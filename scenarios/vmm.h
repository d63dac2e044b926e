/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenarios/vmm — the userspace VMM's side of dirty tracking: live
 * migration, the dirty-ring reaper, and the two oracles that only the
 * migration can judge (DESIGN §6 #1 and #5).
 *
 * Live migration (vmm_live_migrate) runs on the calling simulated thread —
 * the scenario's VMM ("driver") thread — the way QEMU's migration thread
 * does it:
 *
 *   1. enable dirty logging on slot 0 (KVM_MEM_LOG_DIRTY_PAGES);
 *   2. bulk pass: copy every page (with manual-protect + initially-set,
 *      first take the all-set log and CLEAR it, so each page is protected
 *      before it is copied);
 *   3. rounds: harvest the dirty set and copy it, until a round's set is
 *      below vmm.migrate.threshold pages or vmm.migrate.max_rounds rounds
 *      have run; that last set is not copied live but carried over;
 *   4. pause: every vCPU returns to userspace and stops (vm_stop_guests +
 *      vm_wait_guests), which also drains their PML buffers;
 *   5. final pass: harvest once more and copy the carried-over set plus
 *      the new one; downtime is 4..5;
 *   6. stop dirty logging.
 *
 * "Copying" a page reads the content version of the frame that backs its
 * hva now (host_lookup + host_frame_version) at a yield point, records it
 * as the destination's version, and charges vmm.copy_cycles.  Harvesting
 * is mode-dependent: KVM_GET_DIRTY_LOG (which re-protects), or GET then
 * CLEAR with manual protect (mmu.manual_protect=on|init-set), or, with
 * mmu.dirty_log=ring, kick every vCPU out (QEMU's
 * kvm_cpu_synchronize_kick_all, so PML buffers drain into the rings), reap
 * each vCPU's ring and KVM_RESET_DIRTY_RINGS.  Reaped gfns go into the
 * VMM's own dirty bitmap, which a vCPU thread also fills when its ring is
 * full (KVM_EXIT_DIRTY_RING_FULL: vm.c calls vmm_dirty_ring_reap, as QEMU's
 * vCPU thread does); a round swaps that bitmap out and copies what it held.
 *
 * The oracles, both at the end of the migration, when the guest is stopped:
 *
 *   lost-migration-write (DESIGN §6 #1): after the final pass, every page
 *   whose copied version differs from its frame's version now is reported
 *   (check_report CHECK_LOST_MIGRATION_WRITE, one per page; the first is
 *   the counterexample).  This judges the whole chain — KVM's log and the
 *   VMM's copying.  vmm.migrate.skip_copy=N makes the final pass skip the
 *   N-th page that changed since its last copy: a broken VMM step that this oracle must catch and that the
 *   dirty-log oracle must not blame on KVM.
 *
 *   dirty-log-miss (DESIGN §6 #5, KVM_FACTS F.4): judges KVM's log alone.
 *   Each time the VMM processes a page it notes the version it saw
 *   (whether or not it then copies it).  At that moment the page has been
 *   re-protected — by the harvest that reported it, or by enabling
 *   logging — so every later write must be recorded somewhere, and every
 *   record is eventually harvested.  At the final harvest the guest is
 *   stopped: its vCPUs left guest mode (PML drained on the exit), their
 *   faults completed (fast_page_fault marks the page before re-entering),
 *   the rings were reaped, the bitmap read.  Nothing can be pending any
 *   more, so a page whose version moved since the VMM last saw it, and
 *   that the final harvest does not report, was written during logging
 *   and lost from the log.
 *
 *   Why not a precise per-harvest check?  While the guest runs, a write's
 *   record can legitimately be in flight at a harvest: in a PML buffer of
 *   a vCPU that the harvest's kick has not made exit yet (kicks do not
 *   wait), in the window of fast_page_fault between its cmpxchg setting W
 *   and mark_page_dirty_in_slot (another vCPU may write through the new
 *   SPTE meanwhile), or behind a D bit whose PML entry is drained later.
 *   dirty_log_test allows for exactly this ("should report its dirtyness
 *   in the next run").  Telling in-flight from lost needs the PML buffers,
 *   the bitmap and every SPTE read atomically from userspace, and a bound
 *   on how long explore may stall a vCPU inside such a window — it has
 *   none.  The end-of-migration form is exact instead: sound (silent on a
 *   correct KVM, whatever the schedule) and complete for every lost record
 *   that matters to the migration.  A lost record that a later write
 *   re-reports before the end heals itself (the page is copied again) and
 *   is not reported; the destination is right in that case.
 *
 * Pages the host does not map at the end (never touched, or reclaimed:
 * the host model keeps no swap contents) are skipped by both oracles.
 *
 * Stats (registered on first use): migrate.count, migrate.rounds,
 * migrate.pages_copied, migrate.final_pages, migrate.downtime_cycles,
 * migrate.total_cycles, migrate.harvest_cycles, migrate.converged, and the
 * histogram migrate.dirty_per_round.  Params: vmm.copy_cycles,
 * vmm.migrate.threshold, vmm.migrate.max_rounds, vmm.migrate.skip_copy.
 */
#ifndef TDPSIM_SCENARIOS_VMM_H
#define TDPSIM_SCENARIOS_VMM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vmm;

/*
 * Live-migrates @vm from the calling simulated thread; the guest is
 * stopped when it returns.  0, or -ENOMEM (the run is marked bad input with
 * a message: vm.mem too large for the VMM's per-page arrays).
 */
int vmm_live_migrate(struct vm *vm);

/*
 * Reaps every vCPU's dirty ring into the VMM's dirty bitmap and resets the
 * rings (KVM_RESET_DIRTY_RINGS).  Called by a vCPU thread on
 * KVM_EXIT_DIRTY_RING_FULL and by the scenario action dirty-ring-harvest.
 * Returns the entries reaped (0 without rings).
 */
unsigned vmm_dirty_ring_reap(struct vm *vm);

/*
 * dirty-ring-order: reaps every vCPU's ring, counting the entries whose
 * offset is below the one before them in the same ring (a guest writing
 * ascending GPAs must see none), and resets the rings.  Returns the count.
 */
uint64_t vmm_dirty_ring_order(struct vm *vm);

/*
 * KVM_SET_VCPU_EVENTS of vCPU @idx's SMM state, from the VMM thread: the
 * vCPU is made to wait in userspace first, and resumes after unless the
 * guests were already paused.
 */
void vmm_set_smm(struct vm *vm, unsigned idx, bool on);

/* Frees the VMM state of a run (NULL is fine). */
void vmm_free(struct vmm *v);

#endif
