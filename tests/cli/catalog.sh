# SPDX-License-Identifier: GPL-2.0-only
# The bug catalogue (KVM_FACTS §G): one scenario per bug kvmmu models.  For
# each, the knob that selects the historical behaviour makes its oracle fire
# (deterministically with `tdpsim run`, or found by `tdpsim explore` within
# 1,000 seeds), and the default (the fix) stays silent over a seed budget.
# Bugs without an oracle of their own fail an invariant stat in the .scn
# file (a failed expectation names it).  Prints nothing on success.
#
# Seed budgets (1,000 to 10,000 per fix, by cost) keep the whole script
# under two minutes on 2 cores; each fix was also checked clean over
# 10,000 seeds.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

fail() { echo "FAILED: $*"; cat "$T/out"; exit 1; }

# run_fails WHAT NAME ARGS...: `tdpsim run` exits 1 showing WHAT, either
# "violation KIND" (with every expectation met) or "expectation STAT".
run_fails() {
	local what=$1; shift
	set +e
	"$TDPSIM" run "$@" >"$T/out" 2>&1; local rc=$?
	set -e
	[ $rc -eq 1 ] || fail "tdpsim run $* exited $rc, want 1 ($what)"
	case $what in
	violation\ *)
		grep -q "violation ${what#violation }" "$T/out" ||
			fail "tdpsim run $*: no $what"
		! grep -q "failed expectation" "$T/out" ||
			fail "tdpsim run $*: a failed expectation besides $what";;
	expectation\ *)
		grep -q "failed expectation: .*${what#expectation }" "$T/out" ||
			fail "tdpsim run $*: no failed expectation on ${what#expectation }";;
	esac
}

# run_clean NAME ARGS...: the timed schedule meets every expectation.
run_clean() {
	"$TDPSIM" run "$@" >"$T/out" 2>&1 || fail "tdpsim run $*"
}

# explore_finds WHAT NAME ARGS...: explore over seeds 0..999 stops at a
# failing seed whose counterexample shows WHAT, and prints its replay.
explore_finds() {
	local what=$1; shift
	set +e
	"$TDPSIM" explore "$@" --seeds 0..999 --jobs 2 >"$T/out" 2>&1; local rc=$?
	set -e
	[ $rc -eq 1 ] || fail "explore $* found nothing in 1,000 seeds (exit $rc)"
	grep -q "^replay: tdpsim run" "$T/out" || fail "explore $*: no replay command"
	case $what in
	violation\ *)
		grep -q "violation ${what#violation }" "$T/out" ||
			fail "explore $*: the failing seed shows no $what";;
	expectation\ *)
		grep -q "failed expectation: .*${what#expectation }" "$T/out" ||
			fail "explore $*: the failing seed shows no ${what#expectation }";;
	esac
}

# explore_clean SEEDS NAME ARGS...: no seed of 0..SEEDS-1 fails.
explore_clean() {
	local n=$1; shift
	"$TDPSIM" explore "$@" --seeds "0..$((n - 1))" --jobs 2 >"$T/out" 2>&1 ||
		fail "explore $* over $n seeds"
	grep -q "no violation ($n seeds" "$T/out" || fail "explore $*: no verdict"
}

# E1: the yield in the invalid root drops the valid root's pending flush.
run_fails "violation stale-translation" zap-yield-flush --set mmu.flush_on_yield=per-root
run_clean zap-yield-flush
explore_clean 5000 zap-yield-flush

# E2: the NX huge page recovery worker drops mmu_lock without flushing what
# it zapped; the vCPU walks into the freed table through its cached PDE.
# Found in the timed schedule on both vendors (on AMD the #NPF does not drop
# the stale PDE either, and the vCPU also stalls: no-progress).
run_fails "violation freed-pt-walk" nx-recovery-flush --set mmu.nx_recovery_flush=dropped
run_fails "violation freed-pt-walk" nx-recovery-flush --set mmu.nx_recovery_flush=dropped --set cpu.vendor=amd
explore_finds "violation freed-pt-walk" nx-recovery-flush --set mmu.nx_recovery_flush=dropped
run_clean nx-recovery-flush
run_clean nx-recovery-flush --set cpu.vendor=amd
explore_clean 500 nx-recovery-flush

# E3: a page table freed at once under a walker that is still reading it.
explore_finds "violation freed-pt-walk" pt-free-rcu --set mmu.pt_free=immediate
run_clean pt-free-rcu
explore_clean 5000 pt-free-rcu

# E4: the iterator steps past the top-level entry it yielded at.
explore_finds "violation model-assert" iter-yield-skip --set mmu.iter_restart=step-side
run_clean iter-yield-skip
explore_clean 2000 iter-yield-skip

# E5: the notifier skips the invalid root; the fast zap marks freed pages.
run_fails "violation stale-translation" notifier-invalid-roots --set mmu.notifier_roots=valid
run_clean notifier-invalid-roots
explore_clean 10000 notifier-invalid-roots

# E6: a fault on a slot being deleted installs MMIO over a present SPTE.
explore_finds "expectation kvm.spte_present_to_mmio" fault-invalid-slot \
	--set mmu.invalid_slot_fault=mmio
run_clean fault-invalid-slot
explore_clean 1000 fault-invalid-slot

# E7: a fault installs into a root already invalidated and zapped (the
# teardown WARN), and the 32-bit sequence snapshot that retries forever.
run_fails "violation model-assert" fault-invalid-root --set mmu.fault_root_check=off
run_fails "expectation accesses" fault-invalid-root --set mmu.invalidate_seq_bits=32
run_clean fault-invalid-root
explore_clean 10000 fault-invalid-root

# E8: write tracking leaves MMU-writable; fast_page_fault makes it writable
# and the tracked page's writes go through (stale-permission).
run_fails "violation stale-permission" wrprot-mmu-writable --set mmu.write_track_clear=w-only
run_clean wrprot-mmu-writable
explore_clean 10000 wrprot-mmu-writable

# E10: enabling dirty logging skips its flush after access tracking: the
# first write through a stale writable entry is a stale permission (the
# .scn expects dirty-log-miss and lost-migration-write too: no failed
# expectation means all three).
run_fails "violation stale-permission" dirty-enable-flush --set mmu.dirty_enable_flush=if-changed
run_clean dirty-enable-flush
explore_clean 10000 dirty-enable-flush

# E13: PML drained newest first reverses the dirty ring.
run_fails "expectation ring.order_inversions" pml-drain-order --set vmx.pml_drain=newest-first
run_clean pml-drain-order
explore_clean 2000 pml-drain-order

# E14: on Hyper-V with EnlightenedNptTlb the ASID flush keeps the nested
# PSC: walks resume in the freed NPT tables and the guest stalls without
# the hypercall; clean with it, with the quirk off, and on Intel.
run_fails "violation freed-pt-walk" hv-npt-flush --set svm.hv_npt_flush=asid
run_clean hv-npt-flush
run_clean hv-npt-flush --set svm.hv_npt_flush=asid --set svm.hv_enlightened_npt_tlb=off
run_clean hv-npt-flush --set svm.hv_npt_flush=asid --set cpu.vendor=intel
explore_clean 3000 hv-npt-flush
# Without the hypercall the quirk livelocks svm-asid-stale-root (it has no
# stop): the no-progress oracle ends it.  With the hypercall, its own
# expectations hold.
run_fails "expectation no violation" svm-asid-stale-root --set svm.hv_enlightened_npt_tlb=on --set svm.hv_npt_flush=asid
grep -q "violations by kind: freed-pt-walk=999976 no-progress=1$" "$T/out" ||
	fail "svm-asid-stale-root under the quirk: no no-progress report"
run_clean svm-asid-stale-root --set svm.hv_enlightened_npt_tlb=on

# E15: the SMM root shares the ASID: stale on AMD without the load flush,
# clean with it, with per-root ASIDs, and on Intel (EP4TA tags the root).
run_fails "violation stale-translation" smm-root-switch --set mmu.root_load_flush=off
run_clean smm-root-switch
run_clean smm-root-switch --set mmu.root_load_flush=off --set svm.asid=per-root
run_clean smm-root-switch --set cpu.vendor=intel --set mmu.root_load_flush=off
explore_clean 3000 smm-root-switch
explore_clean 3000 smm-root-switch --set mmu.root_load_flush=off --set svm.asid=per-root
explore_clean 1000 smm-root-switch --set cpu.vendor=intel --set mmu.root_load_flush=off

# E17: a read fault downgrades the writable SPTE a write fault installed.
run_fails "expectation kvm.pf_downgrade" fault-downgrade --set mmu.spurious_check=off
run_clean fault-downgrade
explore_clean 2000 fault-downgrade
